#!/usr/bin/python3
"""An outside judge for office_cdr's flat formats: reads each file with other
code than ours (lxml's XPath for Office XML, the csv module for CSV, plain
splitting for SYLK) and names every active element it finds, so a document
we deliver is not judged only by the scanner that delivered it.

Usage: flat_judge.py PATH...
Each PATH is a file or a directory (its files, sorted, not recursive). The
kind comes from the extension: .xml, .csv/.tsv, .slk. Prints one line per
file:
    FILE <TAB> FINDING,FINDING,... or "-"
Findings:
  xml:    unreadable, doctype, binData (not an image name), docSuppData,
          OLEObject, control, attachedTemplate (a path or r:id), field:NAME (DDE, DDEAUTO,
          INCLUDETEXT, INCLUDEPICTURE, INCLUDE, IMPORT, LINK in w:instrText
          joined per paragraph or in w:fldSimple/@w:instr), ssFormulaDde
          (ss:Formula with | outside a string), pkgPart (vbaProject,
          oleObject, activeX content types or /embeddings/ names),
          externalRel (TargetMode External, not a hyperlink)
  csv:    cellFormula (a cell that, under , ; or tab, starts with = + - @
          after spaces and holds | or calls HYPERLINK/WEBSERVICE/CALL/...)
  slk:    macroSheet (O record with E), autoName (NN;NAuto_...),
          sylkDde (an E field with | outside a string), sylkCall (an E
          field calling EXEC/CALL/REGISTER/RUN)
Python 3 with python3-lxml (Debian 12 package); runs as /usr/bin/python3
because lxml is not in other interpreters.
"""
import csv
import io
import os
import re
import sys

from lxml import etree

NS = {
    "w": "http://schemas.microsoft.com/office/word/2003/wordml",
    "w6": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "o": "urn:schemas-microsoft-com:office:office",
    "ss": "urn:schemas-microsoft-com:office:spreadsheet",
    "pkg": "http://schemas.microsoft.com/office/2006/xmlPackage",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
FIELDS = {"DDE", "DDEAUTO", "INCLUDETEXT", "INCLUDEPICTURE", "INCLUDE", "IMPORT", "LINK"}
IMAGE_EXT = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".emz", ".wmz", ".wmf", ".emf", ".tif", ".tiff")
CALLS = re.compile(r"(?<![A-Za-z0-9_.])(HYPERLINK|WEBSERVICE|IMPORTXML|CALL|EXEC|REGISTER|RUN)\s*\(", re.I)
SHEET_CALLS = re.compile(r"(?<![A-Za-z0-9_.])(CALL|EXEC|REGISTER|RUN)\s*\(", re.I)


def outside_strings(formula):
    """The formula with its double-quoted literals blanked out."""
    return re.sub(r'"[^"]*"', '""', formula)


def field_name(instr):
    words = instr.strip().lstrip('"').split()
    return words[0].upper() if words else ""


def judge_xml(data):
    found = []
    if b"<!DOCTYPE" in data[:4096].upper():
        return ["doctype"]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return ["unreadable"]
    x = lambda path: root.xpath(path, namespaces=NS)
    for ns in ("w", "w6"):
        for b in x("//%s:binData" % ns):
            name = (b.get("{%s}name" % NS[ns]) or "").lower()
            if not name.endswith(IMAGE_EXT):
                found.append("binData")
        for tag in ("docSuppData", "control"):
            if x("//%s:%s" % (ns, tag)):
                found.append(tag)
        for t in x("//%s:attachedTemplate" % ns):
            val = t.get("{%s}val" % NS[ns]) or ""
            if any(c in val for c in "/\\:") or any(k.endswith("}id") for k in t.attrib):
                found.append("attachedTemplate")
        for p in x("//%s:p" % ns):
            instr = "".join(p.xpath(".//%s:instrText/text()" % ns, namespaces=NS))
            if field_name(instr) in FIELDS:
                found.append("field:" + field_name(instr))
        for f in x("//%s:fldSimple" % ns):
            name = field_name(f.get("{%s}instr" % NS[ns]) or "")
            if name in FIELDS:
                found.append("field:" + name)
    if x("//o:OLEObject"):
        found.append("OLEObject")
    for formula in x("//ss:Cell/@ss:Formula"):
        if "|" in outside_strings(formula):
            found.append("ssFormulaDde")
    for part in x("//pkg:part"):
        ctype = (part.get("{%s}contentType" % NS["pkg"]) or "").lower()
        name = (part.get("{%s}name" % NS["pkg"]) or "").lower()
        if any(k in ctype for k in ("vbaproject", "oleobject", "activex")) or "/embeddings/" in name:
            found.append("pkgPart")
    for rel in x("//rel:Relationship[@TargetMode='External']"):
        if not rel.get("Type", "").endswith("/hyperlink"):
            found.append("externalRel")
    return found


def judge_csv(data):
    text = data.decode("latin-1")  # byte-safe: the triggers are ASCII
    found = []
    for delim in (",", ";", "\t"):
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delim):
            for cell in row:
                s = cell.lstrip(" \t\r\n")
                if s[:1] in ("=", "+", "-", "@") and ("|" in outside_strings(s) or CALLS.search(outside_strings(s))):
                    found.append("cellFormula")
    return found


def judge_slk(data):
    found = []
    for line in data.decode("latin-1").splitlines():
        fields = line.replace(";;", "\0").split(";")
        if fields[0] == "O" and "E" in fields[1:]:
            found.append("macroSheet")
        if fields[0] == "NN" and any(f.lower().startswith("nauto_") for f in fields[1:]):
            found.append("autoName")
        for f in fields[1:]:
            if fields[0] in ("C", "F", "NN") and f.startswith("E"):
                expr = outside_strings(f[1:])
                if "|" in expr:
                    found.append("sylkDde")
                if SHEET_CALLS.search(expr):
                    found.append("sylkCall")
    return found


def judge(path):
    with open(path, "rb") as fh:
        data = fh.read()
    ext = os.path.splitext(path)[1].lower()
    if ext == ".xml":
        return judge_xml(data)
    if ext in (".csv", ".tsv"):
        return judge_csv(data)
    if ext == ".slk":
        return judge_slk(data)
    return ["unknownKind"]


def main(argv):
    files = []
    for p in argv[1:]:
        if os.path.isdir(p):
            files += [os.path.join(p, n) for n in sorted(os.listdir(p)) if os.path.isfile(os.path.join(p, n))]
        else:
            files.append(p)
    for f in files:
        found = sorted(set(judge(f)))
        print("%s\t%s" % (f, ",".join(found) if found else "-"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
