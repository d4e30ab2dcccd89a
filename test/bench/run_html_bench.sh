#!/usr/bin/env bash
# HTML -> text MB/s: mugai's html_to_text renderer beside `w3m -dump`, per
# file, on the file set of ../shared/anchors/bench_html.sh (every third
# *.html/*.htm under /usr/share/doc in sorted order, < 4 MB, first 100,
# Latin-1 files re-encoded to UTF-8). Installs w3m with apt-get if missing.
# Usage: bash test/bench/run_html_bench.sh [ROUNDS]   (build first: scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
dir=build/bench-html
if ! command -v w3m >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq w3m >/dev/null
fi
if [ ! -s "$dir/MANIFEST.txt" ]; then
  mkdir -p "$dir/files"
  find /usr/share/doc -type f \( -name '*.html' -o -name '*.htm' \) -size -4M | sort | awk 'NR%3==1' | head -100 \
    > "$dir/MANIFEST.txt"
  python3 - "$dir" <<'PY'
import sys
d = sys.argv[1]
for i, p in enumerate(open(d + "/MANIFEST.txt").read().split("\n")[:-1], 1):
    b = open(p, "rb").read()
    try:
        t = b.decode("utf-8")
    except UnicodeDecodeError:
        t = b.decode("latin-1")
    open("%s/files/%03d.html" % (d, i), "w", encoding="utf-8").write(t)
PY
fi
files=$(ls "$dir"/files/*.html)
nf=$(echo "$files" | wc -l)
bytes=$(cat $files | wc -c)
echo "html set: $nf files, $bytes bytes (the anchors' rule on this machine's /usr/share/doc); one core"
cmake --build build --target mugai_html_bench >/dev/null
taskset -c 0 build/test/bench/mugai_html_bench --rounds "$rounds" $files
export LANG=C.UTF-8 TERM=dumb
best=""
for r in $(seq "$rounds"); do
  t0=$(date +%s.%N)
  for f in $files; do taskset -c 0 timeout 60 w3m -dump -T text/html -O UTF-8 "$f" >/dev/null 2>&1 || true; done
  t=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.3f", b-a}')
  best="$best $t"
done
med=$(echo $best | tr ' ' '\n' | sort -g | awk '{a[NR]=$1} END{print (NR%2)? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}')
awk -v b="$bytes" -v t="$med" -v n="$nf" -v r="$rounds" \
  'BEGIN{printf "w3m -dump (per file) files=%d bytes=%d runs=%d median=%.3f s  %7.2f MB/s  %7.1f files/s\n", n, b, r, t, b/t/1e6, n/t}'
