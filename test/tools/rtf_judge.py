#!/usr/bin/env python3
"""An outside judge of cleaned RTF: does anything active remain?

Usage: rtf_judge.py FILE...
Prints one line per file: PATH <TAB> findings (comma-separated, or "-").
Findings: object (any control word starting with "obj"), datastore,
template, xmlnstbl, dde-field, fetch-field (INCLUDE*/IMPORT/LINK/DATABASE).

Independent of the C++ tokenizer on purpose: a regular-expression scan of
the bytes, which skips \\binN data and escaped backslashes and matches
control words whatever their case. For a field it reads the text after
each \\fldinst (braces and control words dropped, \\'hh decoded) and takes
the first word after spaces, backslashes and quotes. It does not model
groups at all, so it cannot share the cleaner's mistakes about them.
"""
import re
import sys

TOKEN = re.compile(
    rb"\\bin(-?\d+) ?"                      # binary data follows
    rb"|\\([a-zA-Z]+)(-?\d+)? ?"            # control word
    rb"|\\'([0-9a-fA-F]{2})"                # hex character
    rb"|\\(.)"                              # control symbol (\\ \{ \} \* ...)
    rb"|([{}])"                             # group
    rb"|([^\\{}]+)",                        # text
    re.S)

FETCH = ("INCLUDE", "IMPORT", "DATABASE")


def field_kind(text):
    word = re.match(r"[\s\\\"']*([A-Za-z]*)", text).group(1).upper()
    if "DDE" in word:
        return "dde-field"
    if any(k in word for k in FETCH) or ("LINK" in word and word != "HYPERLINK"):
        return "fetch-field"
    return None


def judge(data):
    found = set()
    pos, n = 0, len(data)
    instr = None  # text of the current \fldinst, while collecting
    while pos < n:
        m = TOKEN.match(data, pos)
        if m is None:  # a lone backslash at the end
            break
        pos = m.end()
        if m.group(1) is not None:
            count = int(m.group(1))
            if count > 0:
                pos += count
            continue
        word = m.group(2)
        if word is not None:
            w = word.lower()
            if w.startswith(b"obj"):
                found.add("object")
            elif w in (b"datastore", b"template", b"xmlnstbl"):
                found.add(w.decode())
            elif w == b"fldinst":
                if instr is not None and field_kind(instr):
                    found.add(field_kind(instr))
                instr = ""
            elif w == b"fldrslt" and instr is not None:
                if field_kind(instr):
                    found.add(field_kind(instr))
                instr = None
            continue
        if instr is None:
            continue
        if m.group(4) is not None:
            instr += chr(int(m.group(4), 16))
        elif m.group(5) is not None:
            if m.group(5) in (b"\\", b"{", b"}"):
                instr += m.group(5).decode("latin-1")
        elif m.group(7) is not None:
            instr += m.group(7).replace(b"\r", b"").replace(b"\n", b"").decode("latin-1")
        if len(instr) > 400:
            if field_kind(instr):
                found.add(field_kind(instr))
            instr = None
    if instr is not None and field_kind(instr):
        found.add(field_kind(instr))
    return sorted(found)


def main():
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            data = f.read()
        found = judge(data)
        print(f"{path}\t{','.join(found) if found else '-'}")


if __name__ == "__main__":
    main()
