#!/usr/bin/env bash
# Signature matching throughput, one core, side by side with Vectorscan and
# our scalar reference (Aho–Corasick), on the corpus and pattern sets of
# ../shared/anchors/bench_match.sh: 256 MiB (ELF, text, random), N = 100,
# 1k, 10k random 8-32 byte literals (1 % excerpts of the corpus, so there
# are matches to compare), 1k with 20 % `??`, and N = 50k (same recipe).
# Prints one line per engine and set: GB/s (median of ROUNDS passes), the
# occurrences found (they must agree), compile time and database size.
# Installs libvectorscan-dev (bench-only) with apt-get if missing.
# Usage: bash test/bench/run_match_bench.sh [ROUNDS]
#   MUGAI_BENCH_NO_REFERENCE=1 skips the slow reference pass.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
anchors=$(cd ../shared/anchors && pwd)
if ! pkg-config --exists libhs; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libvectorscan-dev >/dev/null
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --target mugai_match_bench >/dev/null
# The anchor scripts write corpus/ and patterns/ beside themselves: run
# copies in a work directory (kept between runs: the inputs are cached).
work=build/bench-match
mkdir -p "$work"
cp "$anchors/make_corpus.py" "$anchors/gen_patterns.py" "$work/"
python3 "$work/make_corpus.py" >/dev/null
python3 - "$work" <<'PY'
import os, sys
work = os.path.abspath(sys.argv[1])
g = {"__file__": os.path.join(work, "gen_patterns.py"), "__name__": "gen_patterns"}
exec(open(g["__file__"]).read(), g)       # writes lit_100 .. wc_1000
if not os.path.exists(os.path.join(work, "patterns", "lit_50000.hex")):
    g["make"]("lit_50000", 50000, 0.0, 1000 + 50000)
PY
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-) nproc=$(nproc) rounds=$rounds"
for set in lit_100 lit_1000 lit_10000 wc_1000 lit_50000; do
  ./build/test/bench/mugai_match_bench "$work/patterns/$set.hex" "$rounds" "$work"/corpus/*.dat
done
# The referee: clamscan and mugai load the same .ndb and must name the same
# signatures per corpus part (clamscan is installed by install-deps --test).
if command -v clamscan >/dev/null; then
  cmake --build build --target mugai >/dev/null
  for set in lit_1000 wc_1000; do
    # (both exit 1 when they find something)
    clam=$( (clamscan --allmatch --no-summary -d "$work/patterns/$set.ndb" "$work"/corpus/*.dat || true) |
           sed -n 's/\.UNOFFICIAL FOUND$//p' | sort -u)
    ours=$( (./build/cli/mugai sigs test --no-builtin -d "$work/patterns/$set.ndb" "$work"/corpus/*.dat || true) |
           sed -n 's/ FOUND$//p' | sort -u)
    if [ "$clam" = "$ours" ]; then verdict=same; else verdict=DIFFERENT; fi
    echo "clamscan-check set=$set detections(file,signature): clamscan=$(echo "$clam" | grep -c . || true)" \
         "mugai=$(echo "$ours" | grep -c . || true) $verdict"
  done
fi
# mugaid's memory with the 50k set loaded: RSS after start-up (the text
# files parsed and compiled), after 50 messages, and the peak (while
# compiling); then the same with the set compiled ahead (`mugai sigs compile`).
cmake --build build --target mugaid mugai >/dev/null
rss_run() {
  local sigs=$1 dir port pid
  dir=$(mktemp -d /tmp/mugai-rss.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$dir/m.toml" <<TOML
[quarantine]
dir = "$dir/q"
[stage.signature_scan]
signatures = ["$sigs"]
[daemon]
listen = "127.0.0.1:$port"
spool_dir = "$dir/spool"
delivery = "maildir:$dir/maildir"
TOML
  ./build/daemon/mugaid -c "$dir/m.toml" > "$dir/log" 2>&1 & pid=$!
  for _ in $(seq 100); do grep -q listening "$dir/log" && break; sleep 0.1; done
  local idle; idle=$(awk '/VmRSS/{print $2}' /proc/$pid/status)
  python3 - "$port" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
for i in range(50):
    s.sendmail("a@example.net", ["b@example.lg.jp"], b"Subject: t\r\n\r\n" + b"hello world " * 1000 + b"\r\n")
s.quit()
PY
  for _ in $(seq 100); do [ "$(ls "$dir/maildir"/*/new 2>/dev/null | wc -l)" -ge 50 ] && break; sleep 0.1; done
  echo "mugaid-rss signatures=$(basename "$sigs") idle_kB=$idle after_50_messages_kB=$(awk '/VmRSS/{print $2}' /proc/$pid/status) peak_kB=$(awk '/VmHWM/{print $2}' /proc/$pid/status)"
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$dir"
}
rss_run "$(pwd)/$work/patterns/lit_50000.ndb"
./build/cli/mugai sigs compile --no-builtin "$work/patterns/lit_50000.ndb" -o "$work/lit_50000.mugai" >/dev/null
rss_run "$(pwd)/$work/lit_50000.mugai"
