#!/usr/bin/env bash
# office_cdr documents/s and MB/s beside LibreOffice headless
# (`soffice --convert-to pdf`, what Dangerzone-style pipelines pay), on one
# mixed set in the same run: generated documents (a ~1 MB .docx with
# Japanese text, tables and a picture; an .xlsx of 20,000 cells; a .docm-like
# hostile .docx) and every OOXML/ODF/RTF file of ../shared/corpora/oletools.
# Then the 1 MB .docx alone for the p99 latency. One core for both.
# Goal (issue 16): >= 50x LibreOffice's docs/s, 1 MB .docx <= 20 ms p99,
# RSS <= 64 MB above the baseline.
# Debian's python3 (python3-docx, python3-openpyxl) writes the generated set.
# Usage: bash test/bench/run_office_bench.sh [ROUNDS]   (build first: scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
dir=build/bench-office
rm -rf "$dir" && mkdir -p "$dir/set" "$dir/big" "$dir/lo"
/usr/bin/python3 - "$dir" <<'PY'
import io, sys, zlib, struct
from docx import Document
from docx.shared import Inches
import openpyxl
d = sys.argv[1]
def png(w, h):
    raw = b"".join(b"\x00" + bytes((x * 7 + y * 3) & 255 for x in range(w * 3)) for y in range(h))
    chunk = lambda t, b: struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
doc = Document()
for i in range(1600):
    doc.add_paragraph("令和6年度 第%d号 予算資料。市民課からのお知らせです。The quick brown fox %d." % (i, i))
t = doc.add_table(rows=200, cols=5)
for r in range(200):
    for c in range(5):
        t.cell(r, c).text = "セル %d-%d" % (r, c)
doc.add_picture(io.BytesIO(png(400, 300)), width=Inches(3))
import random
random.seed(7)
noisy = io.BytesIO()
w, h = 560, 560
raw = b"".join(b"\x00" + bytes(random.getrandbits(8) for _ in range(w * 3)) for y in range(h))
chunk = lambda t, b: struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b) & 0xffffffff)
noisy.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))
noisy.seek(0)
doc.add_picture(noisy, width=Inches(3))
# A page-number field and an outside link: the document is parsed and rebuilt
# (the worst case of a real document, not the skip-unparsed fast path).
from docx.oxml import parse_xml
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
doc.paragraphs[0]._p.append(parse_xml('<w:fldSimple %s w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>' % W))
rid = doc.part.relate_to("https://example.com/", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink", is_external=True)
doc.paragraphs[1]._p.append(parse_xml('<w:hyperlink %s xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="%s"><w:r><w:t>link</w:t></w:r></w:hyperlink>' % (W, rid)))
doc.save(d + "/big/big.docx")
wb = openpyxl.Workbook()
ws = wb.active
for r in range(1, 2001):
    for c in range(1, 11):
        ws.cell(row=r, column=c, value="値%d" % (r * c) if c % 2 else r * c)
wb.save(d + "/set/sheet.xlsx")
PY
cp "$dir/big/big.docx" "$dir/set/"
find ../shared/corpora/oletools/test-data -type f \( -name '*.docx' -o -name '*.docm' -o -name '*.xlsx' -o -name '*.xlsm' \
  -o -name '*.pptx' -o -name '*.pptm' -o -name '*.odt' -o -name '*.ods' -o -name '*.odp' -o -name '*.rtf' \) \
  -not -path '*/encrypted/*' -exec cp -t "$dir/set" {} + 2>/dev/null || true
files=$(ls "$dir"/set/*)
nf=$(echo "$files" | wc -l)
bytes=$(cat $files | wc -c)
echo "office set: $nf files, $bytes bytes (generated + oletools OOXML/ODF/RTF); one core"
cmake --build build --target mugai_office_bench >/dev/null
taskset -c 0 build/test/bench/mugai_office_bench --rounds "$rounds" $files
echo "1 MB .docx alone ($(stat -c %s "$dir/big/big.docx") bytes):"
taskset -c 0 build/test/bench/mugai_office_bench --rounds 100 "$dir/big/big.docx"
t0=$(date +%s.%N)
taskset -c 0 timeout 600 soffice --headless -env:UserInstallation=file://$PWD/$dir/lo/profile \
  --convert-to pdf --outdir "$dir/lo" $files >/dev/null 2>&1 || true
t1=$(date +%s.%N)
/usr/bin/python3 - "$t0" "$t1" "$nf" "$bytes" <<'PY'
import sys
t0, t1, nf, b = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
s = t1 - t0
print("libreoffice --convert-to pdf  files=%d time=%.3f s  %8.1f docs/s  %7.2f MB/s  (one soffice for all files)"
      % (nf, s, nf / s, b / s / 1e6))
PY
