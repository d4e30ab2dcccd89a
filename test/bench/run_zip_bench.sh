#!/usr/bin/env bash
# ZIP scanning throughput: `mugai file big.zip -o clean.zip` (our structure
# walk, inflate of every entry, libmagic, the signature matcher over every
# byte, the rest of the pipeline, the re-pack and the report) beside
# `unzip -p big.zip > /dev/null` (inflate only), in MB/s of uncompressed
# data, on two benign archives built here from this machine's files:
#   text:   /usr/share/doc and /usr/include (C/C++ headers and plain text:
#           libmagic's text rules, 0.2-1 ms a file, are most of the cost);
#   binary: /usr/share/locale, /usr/share/fonts and /usr/share/icons' PNGs
#           (compiled catalogs, fonts, images: libmagic's binary rules).
# Each archive runs with the default pipeline and with the stages that
# handle archives (signature_scan, attachment_strip, zip_scan). Rounds
# alternate with unzip (this machine's disk and CPU drift), and the median
# of the per-round ratios is printed. Installs zip/unzip if missing.
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
# usr/include/linux holds names equal up to case (xt_mark.h, xt_MARK.h), and
# fonts/cmap a directory twice: archives zip_scan refuses, since Windows
# would extract one over the other.
(cd / && zip -q -r -9 "$work/text.zip" usr/share/doc usr/include -x '*.html' -x '*.htm' -x 'usr/include/linux/*')
(cd / && zip -q -r -9 "$work/binary.zip" usr/share/locale usr/share/fonts usr/share/icons -x '*.svg' \
  -x 'usr/share/fonts/cmap*')
# The archives are larger than the defaults allow (10000 entries, 256 MiB):
# raise those two limits, keep everything else as shipped.
limits='[limits]
max_decoded_bytes = 4294967296
max_seconds = 600
[stage.zip_scan]
max_entries = 1000000'
printf '%s\n' "$limits" > "$work/default.toml"
printf '[pipeline]\nstages = ["signature_scan", "attachment_strip", "zip_scan"]\n%s\n' "$limits" > "$work/archive.toml"
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-) nproc=$(nproc) rounds=$rounds; one process each"
for a in text binary; do
  zipf=$work/$a.zip
  raw=$(unzip -Zt "$zipf" | awk '{print $3}')
  echo "archive=$a: $(stat -c %s "$zipf") bytes compressed, $raw bytes in $(unzip -Z1 "$zipf" | wc -l) entries"
  for c in default archive; do
    ms="" us="" ratios="" rss=0
    for _ in $(seq "$rounds"); do
      rm -f "$work/clean.zip" "$work/clean.zip.removed.txt"
      t0=$(now)
      build/cli/mugai file "$zipf" -o "$work/clean.zip" --no-quarantine -c "$work/$c.toml" >/dev/null 2>&1 || true
      t1=$(now)
      unzip -p "$zipf" > /dev/null || true  # exit 1 on warnings (odd names); the bytes are all read
      t2=$(now)
      m=$(echo "$t1 - $t0" | bc -l) u=$(echo "$t2 - $t1" | bc -l)
      ms="$ms $m" us="$us $u" ratios="$ratios $(echo "$u / $m" | bc -l)"
    done
    if [ -x /usr/bin/time ]; then
      /usr/bin/time -o "$work/rss" -f '%M' build/cli/mugai file "$zipf" -o "$work/clean.zip" --no-quarantine \
        -c "$work/$c.toml" >/dev/null 2>&1 || true
      rss=$(tail -1 "$work/rss")
    fi
    m=$(echo $ms | tr ' ' '\n' | median) u=$(echo $us | tr ' ' '\n' | median) r=$(echo $ratios | tr ' ' '\n' | median)
    printf '  pipeline=%-8s mugai_s=%.3f (%.1f MB/s)  unzip_s=%.3f (%.1f MB/s)  mugai/unzip=%.2fx (median per-round)  peak_rss=%s KB\n' \
      "$c" "$m" "$(echo "$raw / $m / 1000000" | bc -l)" "$u" "$(echo "$raw / $u / 1000000" | bc -l)" "$r" "$rss"
  done
  { build/cli/mugai file "$zipf" -o "$work/clean.zip" --no-quarantine -c "$work/default.toml" 2>/dev/null || true; } | sed -n '1,2p' | cut -c1-200
done
