#!/usr/bin/env bash
# Batch file cleaning: `mugai scan` (full default pipeline, quarantine on,
# clean copies written and fsync'ed) with --jobs 1 and --jobs 2, side by
# side with `clamscan -r` (detection only, single-threaded) over the same
# tree: ../shared/corpora. clamscan gets a database of 1000 random 8-32
# byte literals plus the EICAR string (a signature set's shape; no
# download is possible here). Installs clamav with apt-get if missing.
# Prints files/s and MB/s per run, the median of ROUNDS, and the speed-up.
# Usage: bash test/bench/run_scan_bench.sh [ROUNDS]   (build first: scripts/test.sh)
#        MUGAI_BENCH_NO_CLAMSCAN=1 skips the ~100 s-per-round clamscan runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
# MUGAI_BENCH_BUILD=DIR measures another build tree (an older commit, to compare).
b=${MUGAI_BENCH_BUILD:-build}
rounds=${1:-3}
tree=${MUGAI_BENCH_TREE:-../shared/corpora}
work=$(mktemp -d /tmp/mugai-scan-bench.XXXXXX)
shm=/dev/shm/mugai-scan-bench.$$
trap 'rm -rf "$work" "$shm"' EXIT
if ! command -v clamscan >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clamav >/dev/null
fi
cmake --build "$b" --target mugai >/dev/null
python3 - "$work/sigs.ndb" <<'PY'
import random, sys
rng = random.Random(7)
with open(sys.argv[1], "w") as f:
    for i in range(1000):
        f.write("Bench.Lit.%d:0:*:%s\n" % (i, rng.randbytes(rng.randint(8, 32)).hex()))
    f.write("Bench.Eicar:0:*:%s\n" % b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!".hex())
PY
files=$(find "$tree" -type f | wc -l)
bytes=$(find "$tree" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
echo "tree: $tree — $files files, $bytes bytes; machine: $(nproc) cores, $(uname -m)"
find "$tree" -type f -exec cat {} + >/dev/null  # warm the page cache

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() {  # label, command...: prints one line per round, then the median
  local label=$1; shift
  local ts=""
  for r in $(seq "$rounds"); do
    rm -rf "$work/out" "$work/q" "$shm"
    sync  # no writeback of the previous round in this one
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s.%N)
    ts="$ts $(echo "$t1 - $t0" | bc -l)"
  done
  local m
  m=$(echo $ts | tr ' ' '\n' | median)
  printf "%-28s rounds_s=[%s ] median_s=%.3f files/s=%.0f MB/s=%.1f\n" "$label" "$ts" "$m" \
    "$(echo "$files / $m" | bc -l)" "$(echo "$bytes / $m / 1000000" | bc -l)"
  eval "M_${label//[^a-z0-9]/_}=$m"
}
run "mugai scan --jobs 1" "$b"/cli/mugai scan "$tree" --out "$work/out" --quarantine "$work/q" --jobs 1
run "mugai scan --jobs 2" "$b"/cli/mugai scan "$tree" --out "$work/out" --quarantine "$work/q" --jobs 2
# The same with output and quarantine on tmpfs: what the pipeline itself
# does when file creation on disk (ext4 journal) is not the limit.
run "tmpfs scan --jobs 1" "$b"/cli/mugai scan "$tree" --out "$shm/out" --quarantine "$shm/q" --jobs 1
run "tmpfs scan --jobs 2" "$b"/cli/mugai scan "$tree" --out "$shm/out" --quarantine "$shm/q" --jobs 2
if [ -n "${MUGAI_BENCH_NO_CLAMSCAN:-}" ]; then exit 0; fi  # mugai's own figures only
run "clamscan -r" clamscan -r --no-summary -d "$work/sigs.ndb" "$tree"
printf "speed-up jobs 1 -> 2: %.2fx on disk, %.2fx on tmpfs; mugai --jobs 2 vs clamscan: %.2fx; mugai --jobs 1 vs clamscan: %.2fx\n" \
  "$(echo "$M_mugai_scan___jobs_1 / $M_mugai_scan___jobs_2" | bc -l)" \
  "$(echo "$M_tmpfs_scan___jobs_1 / $M_tmpfs_scan___jobs_2" | bc -l)" \
  "$(echo "$M_clamscan__r / $M_mugai_scan___jobs_2" | bc -l)" \
  "$(echo "$M_clamscan__r / $M_mugai_scan___jobs_1" | bc -l)"
