#!/usr/bin/env bash
# PDF re-render throughput: pages/s of `mugai file x.pdf` with pdf_rerender
# alone at 150 dpi (parse, draw, compress, rebuild: end to end), with one
# and two renderer processes and Flate levels 1 and 6, and in vector mode
# (cairo + the qpdf rebuild), beside `pdftoppm -r 150` writing raw PPM to
# tmpfs (drawing only), on the three
# PDFs of ../shared/anchors/bench_pdf.sh (built here the same way: groff,
# enscript + ps2pdf, ps2pdf of pdf_graphics.ps). Also the peak RSS of one
# renderer process. Installs groff, enscript and ghostscript if missing.
# Usage: bash test/bench/run_pdf_bench.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-3}
anchors=$(cd ../shared/anchors && pwd)
for t in groff enscript ps2pdf pdftoppm; do
  command -v $t >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq groff enscript ghostscript poppler-utils >/dev/null
done
cmake --build build --target mugai mugai-pdf-worker >/dev/null
work=build/bench-pdf
mkdir -p "$work"
[ -s "$work/bash_man.pdf" ] || zcat /usr/share/man/man1/bash.1.gz | groff -man -Tpdf > "$work/bash_man.pdf"
[ -s "$work/enscript_src.pdf" ] || enscript -q -2r -Ecpp -p - /usr/include/stdio.h /usr/include/stdlib.h \
  /usr/include/string.h 2>/dev/null | ps2pdf - "$work/enscript_src.pdf"
[ -s "$work/graphics.pdf" ] || ps2pdf "$anchors/pdf_graphics.ps" "$work/graphics.pdf"
shm=/dev/shm/mugai-pdf-bench; [ -d /dev/shm ] || shm=$work/ppm
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
secs() { local t0; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.3f", b-a}'; }
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-) nproc=$(nproc) poppler $(dpkg-query -W -f='${Version}' libpoppler-cpp0v5 2>/dev/null || true) rounds=$rounds"
for f in bash_man enscript_src graphics; do
  pdf=$work/$f.pdf
  pages=$(pdfinfo "$pdf" | awk '/^Pages:/{print $2}')
  line="file=$f.pdf pages=$pages"
  ts=""; for _ in $(seq "$rounds"); do rm -rf "$shm"; mkdir -p "$shm"; ts="$ts $(secs pdftoppm -r 150 "$pdf" "$shm/p")"; done
  t=$(echo $ts | tr ' ' '\n' | median); rm -rf "$shm"
  line="$line pdftoppm_ppm=$(awk -v p="$pages" -v t="$t" 'BEGIN{printf "%.1f", p/t}')p/s"
  for workers in 1 2; do
    for level in 1 6; do
      printf '[pipeline]\nstages = ["pdf_rerender"]\n[stage.pdf_rerender]\npage_workers = %s\nflate_level = %s\n' \
        "$workers" "$level" > "$work/c.toml"
      ts=""; for _ in $(seq "$rounds"); do ts="$ts $(secs ./build/cli/mugai file -c "$work/c.toml" --no-quarantine "$pdf" -o "$work/out.pdf")"; done
      t=$(echo $ts | tr ' ' '\n' | median)
      line="$line mugai_w${workers}_z${level}=$(awk -v p="$pages" -v t="$t" 'BEGIN{printf "%.1f", p/t}')p/s($(( $(stat -c %s "$work/out.pdf") / 1024 ))KB)"
    done
  done
  # Vector mode: cairo draws, a --rebuild worker rebuilds with qpdf.
  for workers in 1 2; do
    printf '[pipeline]\nstages = ["pdf_rerender"]\n[stage.pdf_rerender]\nmode = "vector"\npage_workers = %s\n' \
      "$workers" > "$work/c.toml"
    ts=""; for _ in $(seq "$rounds"); do ts="$ts $(secs ./build/cli/mugai file -c "$work/c.toml" --no-quarantine "$pdf" -o "$work/out.pdf")"; done
    t=$(echo $ts | tr ' ' '\n' | median)
    line="$line vector_w${workers}=$(awk -v p="$pages" -v t="$t" 'BEGIN{printf "%.1f", p/t}')p/s($(( $(stat -c %s "$work/out.pdf") / 1024 ))KB)"
  done
  vrss=$( { (printf '\0\0\0\0'; cat "$pdf") | /usr/bin/time -f '%M' build/sanitizers/mugai-pdf-worker --vector 1 | cat >/dev/null; } 2>&1 | tail -1)
  line="$line vector_worker_peak_rss=${vrss}KB"
  # Peak RSS of one renderer drawing the whole document.
  rss=$( { (printf '\0\0\0\0'; cat "$pdf") | /usr/bin/time -f '%M' build/sanitizers/mugai-pdf-worker --dpi 150 | cat >/dev/null; } 2>&1 | tail -1)
  echo "$line worker_peak_rss=${rss}KB"
done
