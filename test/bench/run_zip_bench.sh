#!/usr/bin/env bash
# ZIP scanning throughput: `mugai file big.zip -o clean.zip` (our structure
# walk, libzip inflate of every entry, libmagic and the whole default
# pipeline on each, and the re-pack) beside `unzip -p big.zip > /dev/null`
# (inflate only), in MB/s of uncompressed data. The archive is built here
# from this machine's /usr/share/doc and /usr/include (benign, mixed text
# and compressed files). Installs zip/unzip with apt-get if missing.
# Usage: bash test/bench/run_zip_bench.sh [ROUNDS]   (build first: scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
if ! command -v zip >/dev/null || ! command -v unzip >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zip unzip >/dev/null
fi
cmake --build build --target mugai >/dev/null
work=$(mktemp -d /tmp/mugai-zip-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
# usr/include/linux holds names equal up to case (xt_mark.h, xt_MARK.h): an archive
# zip_scan refuses, since Windows would extract one over the other.
(cd / && zip -q -r -9 "$work/big.zip" usr/share/doc usr/include -x '*.html' -x '*.htm' -x 'usr/include/linux/*')
entries=$(unzip -Z1 "$work/big.zip" | wc -l)
# The archive is larger than the defaults allow (10000 entries, 256 MiB):
# raise those two limits, keep everything else as shipped.
cat > "$work/bench.toml" <<TOML
[limits]
max_decoded_bytes = 4294967296
max_seconds = 600
[stage.zip_scan]
max_entries = 1000000
TOML
raw=$(unzip -Zt "$work/big.zip" | awk '{print $3}')
echo "archive: $(stat -c %s "$work/big.zip") bytes compressed, $raw bytes in $entries entries; one process each"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() {
  local label=$1; shift
  local ts=""
  for r in $(seq "$rounds"); do
    rm -f "$work/clean.zip" "$work/clean.zip.removed.txt"
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s.%N)
    ts="$ts $(echo "$t1 - $t0" | bc -l)"
  done
  local m
  m=$(echo $ts | tr ' ' '\n' | median)
  printf "%-34s rounds_s=[%s ] median_s=%.3f MB/s=%.1f\n" "$label" "$ts" "$m" "$(echo "$raw / $m / 1000000" | bc -l)"
  eval "M_${label//[^a-z0-9]/_}=$m"
}
run "mugai file (full pipeline+repack)" build/cli/mugai file "$work/big.zip" -o "$work/clean.zip" --no-quarantine -c "$work/bench.toml"
run "unzip -p" sh -c "unzip -p '$work/big.zip' > /dev/null"
build/cli/mugai file "$work/big.zip" -o "$work/clean.zip" --no-quarantine -c "$work/bench.toml" | head -3
printf "mugai / unzip: %.2fx the speed\n" "$(echo "$M_unzip__p / $M_mugai_file__full_pipeline_repack_" | bc -l)"
