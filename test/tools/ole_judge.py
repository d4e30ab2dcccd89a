#!/usr/bin/python3
"""An outside judge for office_cdr's OLE2 verdicts: python3-olefile (Debian's
package, not oletools) lists each compound file's storages and streams, and a
few record walks written here, apart from the C++ ones, say what the file
holds. The test asserts that mugai's verdict agrees, so our reader (libgsf
plus our record checks) is not judged only by itself.

Usage: ole_judge.py FILE...
Prints one line per file:
    FILE <TAB> KINDS <TAB> ENTRIES
KINDS is a comma-separated set of office.encrypted, office.legacy_macros,
office.legacy_xlm, office.legacy_dde, office.legacy_object, "clean" when none,
or office.unreadable when olefile cannot read the file. ENTRIES lists the
paths ('/'-joined, control characters as \\xNN, storages ending in '/').
"""
import re
import struct
import sys

import olefile

DOC_FIELDS = re.compile(rb"\x13 *(DDEAUTO|DDE|INCLUDETEXT|INCLUDEPICTURE|IMPORT)(?![A-Za-z0-9])", re.I)
DOC_FIELDS_W = re.compile(rb"\x13\x00(?: \x00)*(" + b"|".join(
    b"".join(bytes([c, 0]) for c in w) for w in (b"DDEAUTO", b"DDE", b"INCLUDETEXT", b"INCLUDEPICTURE", b"IMPORT"))
    + rb")(?![A-Za-z0-9]\x00)", re.I)


def show(path):
    return "/".join("".join(c if ord(c) >= 0x20 else "\\x%02X" % ord(c) for c in p) for p in path)


def word(data, kinds):
    flags = struct.unpack_from("<H", data, 0x0A)[0]
    if flags & 0x0100:
        kinds.add("office.encrypted")
        return
    if struct.unpack_from("<H", data, 2)[0] < 101:
        kinds.add("office.legacy_macros")
    if DOC_FIELDS.search(data) or DOC_FIELDS_W.search(data):
        kinds.add("office.legacy_dde")


def biff_records(data):
    pos = 0
    while pos + 4 <= len(data):
        rtype, rlen = struct.unpack_from("<HH", data, pos)
        yield rtype, data[pos + 4:pos + 4 + rlen]
        if rtype == 0x000A:
            return
        pos += 4 + rlen


def excel(data, kinds):
    biff8 = struct.unpack_from("<H", data, 4)[0] == 0x0600
    for rtype, body in biff_records(data):
        if rtype == 0x002F:
            kinds.add("office.encrypted")
            return
        if rtype == 0x0085 and len(body) > 5:
            if body[5] == 1:
                kinds.add("office.legacy_xlm")
            elif body[5] == 6:
                kinds.add("office.legacy_macros")
        if rtype == 0x0018 and len(body) > 15:
            builtin = struct.unpack_from("<H", body, 0)[0] & 0x20
            first = body[15] if biff8 else body[14]
            name = body[15:15 + body[3]] if biff8 else body[14:14 + body[3]]
            if (builtin and first in (1, 2, 0x0A, 0x0B)) or name.lower().startswith((b"auto_open", b"auto_close")):
                kinds.add("office.legacy_xlm")
        if rtype == 0x0023 and len(body) >= 2 and struct.unpack_from("<H", body, 0)[0] & 0x18:
            kinds.add("office.legacy_dde")


def powerpoint(data, kinds):
    seen = set()
    ends, pos = [len(data)], 0
    while pos + 8 <= len(data):
        while len(ends) > 1 and pos >= ends[-1]:
            ends.pop()
        ver, rtype, rlen = struct.unpack_from("<HHI", data, pos)
        seen.add(rtype)
        if rtype == 0x2F14:
            break
        if ver & 0xF == 0xF and pos + 8 + rlen <= len(data):
            pos += 8
            ends.append(pos + rlen)
        else:
            pos += 8 + rlen
    if 0x2F14 in seen or b"\x0f\x00\x14\x2f" in data:
        kinds.add("office.encrypted")
        return
    if seen & {0x03FF, 0x0400}:
        kinds.add("office.legacy_macros")
    if seen & {0x0FCC, 0x0FCE, 0x0FEE} or (0x1011 in seen and not seen & {0x03FF, 0x0400}):
        kinds.add("office.legacy_object")


def judge(path):
    try:
        ole = olefile.OleFileIO(path)
    except Exception:  # noqa: BLE001 - any failure to read is the verdict
        return {"office.unreadable"}, []
    entries = ole.listdir(streams=True, storages=True)
    kinds = set()
    names = {tuple(e) for e in entries}
    storages = {tuple(e) for e in entries if ole.get_type(e) == olefile.STGTY_STORAGE}
    for e in names:
        top = e[0]
        if len(e) == 1 and top in ("EncryptedPackage", "EncryptionInfo", "EncryptedSummary"):
            kinds.add("office.encrypted")
        if any(p in ("_VBA_PROJECT_CUR", "Macros", "VBA") for p in e) or e[-1] == "PROJECT":
            kinds.add("office.legacy_macros")
        vba_part = any(p in ("_VBA_PROJECT_CUR", "Macros", "VBA") for p in e[:-1])
        if e in storages and len(e) == 1 and (top.startswith("MBD") or top.startswith("LNK")):
            kinds.add("office.legacy_object")
        if len(e) >= 2 and top == "ObjectPool":
            kinds.add("office.legacy_object")
        if len(e) >= 2 and not vba_part and e[-1] in ("\x01Ole", "\x01Ole10Native", "\x01CompObj", "Equation Native"):
            kinds.add("office.legacy_object")
    if "office.encrypted" not in kinds:
        if ("WordDocument",) in names:
            word(ole.openstream("WordDocument").read(), kinds)
        book = ("Workbook",) if ("Workbook",) in names else ("Book",) if ("Book",) in names else None
        if book:
            excel(ole.openstream(book).read(), kinds)
        if ("PowerPoint Document",) in names:
            powerpoint(ole.openstream("PowerPoint Document").read(), kinds)
    if "office.encrypted" in kinds:
        kinds = {"office.encrypted"} | (kinds & {"office.legacy_macros", "office.legacy_object"})
    listing = sorted(show(e) + ("/" if tuple(e) in storages else "") for e in entries)
    return kinds or {"clean"}, listing


def main():
    for path in sys.argv[1:]:
        kinds, listing = judge(path)
        print("%s\t%s\t%s" % (path, ",".join(sorted(kinds)), " ".join(x.replace(" ", "_") for x in listing)))


if __name__ == "__main__":
    main()
