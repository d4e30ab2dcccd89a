#!/usr/bin/env bash
# README command 1: install dependencies, build Release, and run the main
# job on its embedded defaults: start mugaid (the SMTP relay) on
# 127.0.0.1:2525 with samples/mugai.toml (= the built-in defaults), send
# every sample message of samples/mail/ through it with Python's smtplib,
# wait until each is delivered into the local maildir, stop mugaid, and
# show where the results are: the maildir, mugaid's log and the originals
# in quarantine. Also writes `mugai mail` reports for the samples.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache hits wherever the tree is cloned: paths under it are hashed relative.
export CCACHE_BASEDIR="$PWD"

bash scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target mugai mugaid

maildir=/var/lib/mugai/maildir
log=build/mugaid.log
delivered() { { find "$maildir" -type f -path '*/new/*' 2>/dev/null || true; } | wc -l; }
before=$(delivered)
build/daemon/mugaid -c samples/mugai.toml >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q "listening on" "$log" && break; sleep 0.1; done
if ! grep -q "listening on" "$log"; then
  cat "$log" >&2
  echo "run.sh: mugaid did not start (is 127.0.0.1:2525 taken?)" >&2
  exit 1
fi
sent=$(python3 - <<'PY'
import glob, smtplib
s = smtplib.SMTP("127.0.0.1", 2525)
n = 0
for path in sorted(glob.glob("samples/mail/*.eml")):
    s.sendmail("sender@example.net", ["soumu@example.lg.jp"], open(path, "rb").read())
    n += 1
s.quit()
print(n)
PY
)
for _ in $(seq 100); do
  now=$(delivered)
  [ "$((now - before))" -ge "$sent" ] && break
  sleep 0.1
done
kill -TERM "$pid"
wait "$pid" || true
trap - EXIT

echo "mugaid log (一通ごとの処理ログ):"
sed 's/^/  /' "$log"
echo
echo "Delivered into the maildir (配送先): $maildir/soumu@example.lg.jp/new/"
ls -t "$maildir/soumu@example.lg.jp/new/" | head -n "$sent" | sed 's/^/  /'
echo
echo "Originals kept in quarantine (隔離保管した原本), newest first:"
build/cli/mugai quarantine list --limit 10

out=build/samples-out
mkdir -p "$out"
for mail in samples/mail/*.eml; do
  name=$(basename "$mail" .eml)
  build/cli/mugai mail "$mail" --no-quarantine -o "$out/$name.out.eml" --report "$out/$name.report.json" >/dev/null || true
done
echo
echo "Per-message JSON reports (mugai mail): $out/ ; inspect an original: build/cli/mugai quarantine show ID"
