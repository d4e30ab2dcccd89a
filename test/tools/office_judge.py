#!/usr/bin/python3
"""An outside judge of cleaned Office documents: shares no code with mugai.

    office_judge.py [--text T]... [--gone KIND] FILE...
    office_judge.py --list LIST        (lines: FILE<TAB>TEXT[<TAB>TEXT...])
    office_judge.py --mail MESSAGE [--text T]...   (judges each attachment)

Prints one JSON line per document:
    {"file": ..., "format": "ooxml|odf|ole2|rtf|text|unknown", "ok": bool,
     "problems": [{"kind": ..., "where": ..., "what": ...}], "texts": {T: bool},
     "gone": bool (with --gone: no problem of that kind)}
and exits 0 only when every document is ok and holds every text.

What counts as a problem (any one makes the document not ok):
  package    not a readable ZIP, a CRC error, no [Content_Types].xml (OOXML),
             an Override or manifest entry naming a missing part, a relationship
             to an internal part that is missing, an XML part that does not parse
  vba        vbaProject*.bin, vbaData.xml, a macro-enabled content type, ODF Basic/ Scripts/
  xlm        macrosheets/, an Auto_Open/Auto_Close-like defined name
  ole        embeddings/ parts, oleObject relationships, ODF "Object N/" and draw:object(-ole)
  activex    activeX/ parts, control relationships
  customui   customUI/ parts, ui/extensibility relationships
  connection connections.xml, queryTables/
  addin      webextensions/, webextension relationships
  external   a relationship with TargetMode="External" other than a plain
             http(s)/mailto hyperlink (templates, frames, subdocuments, images,
             OLE links, external workbooks), any externalLinkPath relationship.
             An xl/externalLinks/ part left without its path is inert (cached
             values only) and not a problem; a ddeLink in it is (dde).
  dde        a DDE/DDEAUTO field (w:instrText or w:fldSimple), a ddeLink, a cell formula with '|'
  field      INCLUDETEXT/INCLUDEPICTURE/IMPORT/LINK/MACROBUTTON fields
  action     ppaction://program|macro|ole, a hyperlink relationship to file: or a share
  script     ODF script:event-listener, office:script, vnd.sun.star.script: links
  altchunk   aFChunk relationships, w:altChunk
  ole2       (OLE2 files) VBA/Macros/_VBA_PROJECT_CUR/ObjectPool/Ole10Native/EncryptedPackage streams
  rtf        (RTF files) \\object, \\objdata, \\datastore, \\template, \\field with DDE/INCLUDE
"""
import email
import email.policy
import io
import json
import posixpath
import re
import sys
import tempfile
import zipfile

from lxml import etree

NS_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
NS_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
SCRIPT = "{urn:oasis:names:tc:opendocument:xmlns:script:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
XLINK = "{http://www.w3.org/1999/xlink}href"
MANIFEST = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}"

FIELD_DDE = {"DDE", "DDEAUTO"}
FIELD_FETCH = {"INCLUDETEXT", "INCLUDEPICTURE", "IMPORT", "LINK", "MACROBUTTON", "INCLUDE"}

# Relationship types (last path segment, lower case) that are active whatever their target.
REL_KINDS = {
    "vbaproject": "vba", "wordvbadata": "vba", "keymapcustomizations": "vba", "attachedtoolbars": "vba",
    "xlmacrosheet": "xlm", "xlintlmacrosheet": "xlm",
    "oleobject": "ole", "package": "ole",
    "control": "activex", "activexcontrolbinary": "activex",
    "extensibility": "customui",
    "connections": "connection", "querytable": "connection",
    "webextension": "addin", "webextensiontaskpanes": "addin",
    "afchunk": "altchunk",
    "attachedtemplate": "external", "subdocument": "external", "frame": "external",
    "externallinkpath": "external",
}

PART_KINDS = [
    (re.compile(r"(^|/)vbaProject[^/]*\.bin$", re.I), "vba"),
    (re.compile(r"(^|/)vbaData\.xml$", re.I), "vba"),
    (re.compile(r"(^|/)(attachedToolbars\.bin|customizations\.xml)$", re.I), "vba"),
    (re.compile(r"(^|/)macrosheets/", re.I), "xlm"),
    (re.compile(r"(^|/)embeddings/", re.I), "ole"),
    (re.compile(r"(^|/)activeX/", re.I), "activex"),
    (re.compile(r"(^|/)customUI/", re.I), "customui"),
    (re.compile(r"(^|/)connections\.xml$", re.I), "connection"),
    (re.compile(r"(^|/)queryTables/", re.I), "connection"),
    (re.compile(r"(^|/)webextensions/", re.I), "addin"),
    (re.compile(r"^Basic/", re.I), "vba"),
    (re.compile(r"^Scripts/", re.I), "vba"),
    (re.compile(r"^Object \d+/", re.I), "ole"),
]


class Judge:
    def __init__(self, name):
        self.name = name
        self.problems = []
        self.texts = []  # text of every XML part, in order
        self.format = "unknown"

    def bad(self, kind, where, what):
        self.problems.append({"kind": kind, "where": where, "what": what[:200]})

    # ---------------------------------------------------------------- ZIP

    def zip_package(self, data):
        try:
            z = zipfile.ZipFile(io.BytesIO(data))
            broken = z.testzip()
        except Exception as e:  # noqa: BLE001 - any failure is the verdict
            self.bad("package", "", f"not a readable ZIP: {e}")
            return
        if broken:
            self.bad("package", broken, "CRC error")
        names = z.namelist()
        parts = {}
        for n in names:
            try:
                parts[n] = z.read(n)
            except Exception as e:  # noqa: BLE001
                self.bad("package", n, f"unreadable entry: {e}")
        if "mimetype" in parts and parts["mimetype"].startswith(b"application/vnd.oasis.opendocument"):
            self.format = "odf"
            self.odf(parts)
        elif any(n.lower() == "[content_types].xml" for n in names):
            self.format = "ooxml"
            self.ooxml(parts)
        else:
            self.format = "zip"
            self.bad("package", "", "neither OOXML ([Content_Types].xml) nor ODF (mimetype)")

    def xml(self, name, data):
        try:
            root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, huge_tree=False, no_network=True))
        except etree.XMLSyntaxError as e:
            self.bad("package", name, f"XML does not parse: {e}")
            return None
        self.texts.append("".join(root.itertext()))
        return root

    def part_kinds(self, names):
        for n in names:
            for rx, kind in PART_KINDS:
                if rx.search(n):
                    self.bad(kind, n, "part of an active kind remains")

    # ---------------------------------------------------------------- OOXML

    def ooxml(self, parts):
        lower = {n.lower(): n for n in parts}
        self.part_kinds(parts)
        ct = self.xml("[Content_Types].xml", parts[lower["[content_types].xml"]])
        if ct is not None:
            for el in ct:
                t = (el.get("ContentType") or "").lower()
                if "macroenabled" in t or "vbaproject" in t or "macrosheet" in t or "activex" in t or "oleobject" in t:
                    self.bad("vba" if "macro" in t or "vba" in t else "ole", el.get("PartName") or el.get("Extension"),
                             f"content type {t}")
                if el.tag == NS_CT + "Override":
                    pn = (el.get("PartName") or "").lstrip("/")
                    if pn.lower() not in lower:
                        self.bad("package", pn, "Override names a missing part")
        for n, data in parts.items():
            if n.lower().endswith(".rels"):
                self.rels(n, data, lower)
            elif n.lower().endswith(".xml") or n.lower().endswith(".vml"):
                root = self.xml(n, data)
                if root is not None:
                    self.ooxml_part(n, root)

    def rels(self, name, data, lower):
        root = self.xml(name, data)
        if root is None:
            return
        # _rels/x.xml.rels belongs to x.xml, in the folder above _rels/.
        base = posixpath.dirname(posixpath.dirname(name))
        for r in root.iter(NS_REL + "Relationship"):
            rtype = (r.get("Type") or "").rstrip("/").rsplit("/", 1)[-1].lower()
            target = r.get("Target") or ""
            external = (r.get("TargetMode") or "").lower() == "external"
            where = f"{name} {r.get('Id')}"
            if rtype in REL_KINDS:
                self.bad(REL_KINDS[rtype], where, f"{rtype} relationship -> {target}")
            elif external and rtype == "hyperlink":
                if not re.match(r"(?i)^(https?://|mailto:|#)", target):
                    self.bad("action", where, f"hyperlink to a program or share: {target}")
            elif external:
                self.bad("external", where, f"external {rtype} relationship -> {target}")
            if not external and rtype not in REL_KINDS:
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
                if path.split("#")[0].lower() not in lower:
                    self.bad("package", where, f"relationship to a missing part {path}")

    def ooxml_part(self, name, root):
        # Fields: concatenate the instruction text of each complex field
        # (fldChar begin .. separate/end), then look at its first word.
        instr, fields = None, []
        for el in root.iter(W + "fldChar", W + "instrText", W + "fldSimple", W + "altChunk", S + "f",
                            S + "definedName", "{*}ddeLink", "{*}hlinkClick", "{*}hlinkHover"):
            tag = etree.QName(el).localname
            if tag == "fldChar":
                kind = el.get(W + "fldCharType")
                if kind == "begin":
                    instr = ""
                elif instr is not None:
                    fields.append(instr)
                    instr = None
            elif tag == "instrText" and instr is not None:
                instr += el.text or ""
            elif tag == "fldSimple":
                fields.append(el.get(W + "instr") or "")
            elif tag == "altChunk":
                self.bad("altchunk", name, "w:altChunk")
            elif tag == "f" and "|" in (el.text or ""):
                self.bad("dde", name, f"DDE formula {el.text}")
            elif tag == "definedName":
                n = re.sub(r"(?i)^_xlnm\.", "", el.get("name") or "").lower()
                if re.match(r"auto_(open|close|activate|deactivate)", n):
                    self.bad("xlm", name, f"defined name {el.get('name')}")
            elif tag == "ddeLink":
                self.bad("dde", name, f"ddeLink {el.get('ddeService')}|{el.get('ddeTopic')}")
            elif tag in ("hlinkClick", "hlinkHover"):
                action = (el.get("action") or "").lower()
                if re.match(r"ppaction://(program|macro|ole)", action):
                    self.bad("action", name, f"action {action}")
        for f in fields:
            words = re.split(r"\s+", f.strip())
            first = words[0].upper().lstrip("\\") if words and words[0] else ""
            if first in FIELD_DDE:
                self.bad("dde", name, f"field {f.strip()}")
            elif first in FIELD_FETCH:
                self.bad("field", name, f"field {f.strip()}")

    # ---------------------------------------------------------------- ODF

    def odf(self, parts):
        self.part_kinds(parts)
        man = parts.get("META-INF/manifest.xml")
        if man is None:
            self.bad("package", "META-INF/manifest.xml", "missing")
        else:
            root = self.xml("META-INF/manifest.xml", man)
            if root is not None:
                for e in root.iter(MANIFEST + "file-entry"):
                    p = e.get(MANIFEST + "full-path") or ""
                    if p == "/" or p.endswith("/"):
                        if p != "/" and not any(n.startswith(p) for n in parts):
                            self.bad("package", p, "manifest names a missing folder")
                        for rx, kind in PART_KINDS:
                            if rx.search(p):
                                self.bad(kind, p, "manifest entry of an active kind")
                        continue
                    if p not in parts:
                        self.bad("package", p, "manifest names a missing file")
        for n, data in parts.items():
            if not n.endswith(".xml"):
                continue
            root = self.xml(n, data)
            if root is None:
                continue
            for el in root.iter(SCRIPT + "event-listener", OFFICE + "script", DRAW + "object", DRAW + "object-ole",
                                DRAW + "applet", DRAW + "plugin"):
                kind = "ole" if el.tag.startswith(DRAW) else "script"
                self.bad(kind, n, f"<{etree.QName(el).localname}> {el.get(XLINK) or ''}")
            for el in root.iter():
                href = el.get(XLINK) or ""
                if re.match(r"(?i)(vnd\.sun\.star\.script:|macro:)", href):
                    self.bad("script", n, f"script link {href}")

    # ---------------------------------------------------------------- OLE2, RTF

    def ole2(self, data):
        import olefile
        self.format = "ole2"
        try:
            ole = olefile.OleFileIO(io.BytesIO(data))
        except Exception as e:  # noqa: BLE001
            self.bad("package", "", f"OLE2 does not open: {e}")
            return
        for entry in ole.listdir(streams=True, storages=True):
            path = "/".join(entry)
            low = [e.lower() for e in entry]
            if any(e in ("vba", "_vba_project_cur", "macros", "_vba_project") for e in low):
                self.bad("ole2", path, "VBA storage")
            elif any(e in ("objectpool", "\x01ole10native", "encryptedpackage") for e in low):
                self.bad("ole2", path, "object or encrypted storage")
        ole.close()

    def rtf(self, data):
        self.format = "rtf"
        text = data.decode("latin-1")
        for word in ("object", "objdata", "datastore", "template", "objclass"):
            # a control word, not an escaped backslash followed by its name (text about RTF)
            if re.search(r"(?<!\\)\\(\*\\)?" + word + r"(?![a-z])", text):
                self.bad("rtf", "", f"control word \\{word}")
        for m in re.finditer(r"\\fldinst[^}]*", text):
            first = re.sub(r"[{}\\]", " ", m.group(0)[8:]).split()
            if first and first[0].upper() in FIELD_DDE | FIELD_FETCH:
                self.bad("rtf", "", f"field {first[0]}")
        self.texts.append(text)

    def judge(self, data):
        if data[:4] == b"PK\x03\x04":
            self.zip_package(data)
        elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            self.ole2(data)
        elif data[:4] == b"{\\rt":
            self.rtf(data)
        else:
            self.format = "text"
            self.texts.append(data.decode("utf-8", "replace"))

    def result(self, texts, gone):
        alltext = "\n".join(self.texts)
        r = {"file": self.name, "format": self.format, "ok": not self.problems, "problems": self.problems,
             "texts": {t: t in alltext for t in texts}}
        if gone:
            r["gone"] = not any(p["kind"] == gone for p in self.problems)
        return r


def judge_bytes(name, data, texts, gone):
    j = Judge(name)
    j.judge(data)
    return j.result(texts, gone)


def main():
    args = sys.argv[1:]
    texts, gone, files, mail, listing = [], None, [], None, None
    while args:
        a = args.pop(0)
        if a == "--text":
            texts.append(args.pop(0))
        elif a == "--gone":
            gone = args.pop(0)
        elif a == "--mail":
            mail = args.pop(0)
        elif a == "--list":
            listing = args.pop(0)
        else:
            files.append(a)
    jobs = []  # (name, bytes, texts)
    if listing:
        with open(listing, encoding="utf-8") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if cols[0]:
                    with open(cols[0], "rb") as d:
                        jobs.append((cols[0], d.read(), cols[1:]))
    if mail:
        with open(mail, "rb") as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        for part in msg.walk():
            fn = part.get_filename()
            if fn and not part.is_multipart():
                jobs.append((fn, part.get_payload(decode=True) or b"", texts))
    for f in files:
        with open(f, "rb") as d:
            jobs.append((f, d.read(), texts))
    all_ok = True
    for name, data, want in jobs:
        r = judge_bytes(name, data, want, gone)
        all_ok &= r["ok"] and all(r["texts"].values())
        print(json.dumps(r, ensure_ascii=False))
    return 0 if all_ok and jobs else 1


if __name__ == "__main__":
    tempfile.tempdir = None
    sys.exit(main())
