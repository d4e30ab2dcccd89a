#!/usr/bin/env python3
"""Writes mugai.toml(5) in scdoc: the hand-written page with its key
reference generated from samples/mugai.toml.

Usage: gen_toml_page.py SAMPLE TEMPLATE OUTPUT
  SAMPLE    samples/mugai.toml: every key with its default and, above it, a
            comment saying what it does (bilingual)
  TEMPLATE  doc/man/mugai.toml.5.scd.in: the page, with one line "@KEYS@"
  OUTPUT    the scdoc source to write (mugai.toml.5.scd)

The line "@KEYS@" becomes one subsection per TOML table ("## [limits]",
"## [stage.office_cdr]", "## [daemon.transport]", ...), in the sample's
order. A table's subsection starts with the comment block above its header
(the table's intro; above its first key, paragraphs a blank line separates
from that key's comment belong to the intro too), then lists each key with
its default exactly as the sample writes it (a value that spans lines, such
as deny_categories, keeps its lines) and the comment lines above it. Keys
written one after another under one comment share it. The comment block
that opens the file (up to its first blank line) is the sample's own
preface; the page's DESCRIPTION says what it says. Text is escaped for
scdoc (scdoc(5): *, _ and \ anywhere; #, -, |, :, [, ;, ` at the start of
a line; ++ at its end), and Japanese wrapped in mid-phrase is joined
without the space roff would put between two lines.

Trust: the sample is ours, but it is edited by hand. Anything this reader
does not understand (an array of tables, a dotted or inline key, a value
that does not end, a comment that belongs to nothing, a table or key given
twice) stops it with the line number and exit status 1 rather than leave a
key out of the page. The keys and values it found are then checked against
Python's own TOML reader (tomllib, Python 3.11+): the two must agree on
every table, key and value. Only the standard library is used.
"""

import os
import re
import sys
import unicodedata
from dataclasses import dataclass, field

PLACEHOLDER = "@KEYS@"

BARE_KEY = r"[A-Za-z0-9_-]+"
TABLE_RE = re.compile(r"^\[\s*(" + BARE_KEY + r"(?:\s*\.\s*" + BARE_KEY + r")*)\s*\]\s*(?:#.*)?$")
KEY_RE = re.compile(r"^(" + BARE_KEY + r'|"(?:[^"\\]|\\.)*")\s*=\s*(.*)$')


class SampleError(Exception):
    """Something in the sample this generator cannot place on the page."""

    def __init__(self, line, what):
        super().__init__(f"{line}: {what}")


@dataclass
class Entry:
    """Keys written one after another, and the comment above the first."""
    comment: list = field(default_factory=list)  # text lines; "" separates paragraphs
    keys: list = field(default_factory=list)     # (key, [value lines]) in order


@dataclass
class Table:
    name: str
    line: int
    intro: list = field(default_factory=list)
    entries: list = field(default_factory=list)


def comment_text(line):
    """The text of a comment line ("# x" -> "x", "#" -> "")."""
    text = line.strip()[1:]
    return text[1:] if text.startswith(" ") else text


BLANK = None  # in a comment block: a blank line ("" is a "#" line alone)


def plain(lines):
    """Comment lines with blank lines as paragraph breaks."""
    return ["" if line is BLANK else line for line in lines]


def add_paragraph_break(lines):
    if lines and lines[-1] != "":
        lines.append("")


def trim(lines):
    """Without paragraph breaks at either end."""
    while lines and lines[0] == "":
        lines.pop(0)
    while lines and lines[-1] == "":
        lines.pop()
    return lines


def scan_value(lines, start, first):
    """Reads one TOML value from `first` (the text after "=" on line
    `start`, 0-based) and, while a bracket or multi-line string is open,
    from the lines after it. Returns (value lines, trailing comment or "",
    index of the last line used)."""
    depth = 0
    quote = None  # '"', "'", '"""' or "'''" while inside a string
    out = []
    i, text = start, first
    while True:
        pos, comment = 0, ""
        while pos < len(text):
            c = text[pos]
            if quote:
                if quote in ('"', '"""') and c == "\\":
                    pos += 2
                    continue
                if text.startswith(quote, pos):
                    pos += len(quote)
                    quote = None
                    continue
                pos += 1
                continue
            if text.startswith('"""', pos) or text.startswith("'''", pos):
                quote = text[pos:pos + 3]
                pos += 3
            elif c in "\"'":
                quote = c
                pos += 1
            elif c in "[{":
                depth += 1
                pos += 1
            elif c in "]}":
                depth -= 1
                if depth < 0:
                    raise SampleError(i + 1, "unbalanced '" + c + "'")
                pos += 1
            elif c == "#":
                comment = comment_text(text[pos:])
                text = text[:pos]
                break
            else:
                pos += 1
        if quote in ('"', "'"):
            raise SampleError(i + 1, "a string that does not end on its line")
        out.append(text.rstrip() if out else text.strip())
        if comment and (depth > 0 or quote):
            raise SampleError(i + 1, "a comment inside a value cannot be placed on the page")
        if depth == 0 and quote is None:
            if not out[0]:
                raise SampleError(start + 1, "a key without a value")
            return out, comment, i
        i += 1
        if i >= len(lines):
            raise SampleError(start + 1, "a value that does not end before the end of the file")
        text = lines[i]
        if depth > 0 and text.strip().startswith("#"):
            raise SampleError(i + 1, "a comment inside a value cannot be placed on the page")


def parse_sample(text):
    """The sample's tables in order, each with its intro and keys."""
    lines = text.split("\n")
    tables = []
    seen_tables = set()
    pending = []        # comment lines waiting for a key or a table
    after_key = False   # the previous line was a key (the next key shares its comment)
    last_trailing = False  # that key had a comment after its value
    i = 0
    # The preface: the comment block that opens the file, up to its first blank line.
    while i < len(lines) and lines[i].strip().startswith("#"):
        i += 1
    while i < len(lines):
        raw = lines[i]
        stripped = raw.strip()
        lineno = i + 1
        if not stripped:
            if pending and pending[-1] is not BLANK:
                pending.append(BLANK)
            after_key = False
        elif stripped.startswith("#"):
            pending.append(comment_text(stripped))
            after_key = False
        elif stripped.startswith("[["):
            raise SampleError(lineno, "arrays of tables ([[...]]) are not supported")
        elif stripped.startswith("["):
            m = TABLE_RE.match(stripped)
            if not m:
                raise SampleError(lineno, "a table header this generator cannot read: " + stripped)
            name = re.sub(r"\s+", "", m.group(1))
            if name in seen_tables:
                raise SampleError(lineno, f"[{name}] appears twice")
            seen_tables.add(name)
            tables.append(Table(name, lineno, trim(plain(pending))))
            pending, after_key = [], False
        else:
            m = KEY_RE.match(stripped)
            if not m:
                raise SampleError(lineno, "neither a key, a table nor a comment (dotted keys are not supported): " + stripped)
            if not tables:
                raise SampleError(lineno, "a key before the first table")
            key = m.group(1)
            if key.startswith('"'):
                key = key[1:-1]
            table = tables[-1]
            if any(k == key for e in table.entries for k, _ in e.keys):
                raise SampleError(lineno, f"{key} appears twice in [{table.name}]")
            value, trailing, last = scan_value(lines, i, m.group(2))
            if not table.entries and BLANK in pending:
                # Above a table's first key, what a blank line separates from
                # the key's own comment is the table's intro.
                cut = len(pending) - 1 - pending[::-1].index(BLANK)
                add_paragraph_break(table.intro)
                table.intro += plain(pending[:cut])
                trim(table.intro)
                pending = pending[cut + 1:]
            # Keys one after another share the comment above the first, unless
            # one of them has a comment of its own after its value.
            if after_key and not pending and not trailing and not last_trailing:
                entry = table.entries[-1]
            else:
                entry = Entry(trim(plain(pending)))
                table.entries.append(entry)
            if trailing:
                add_paragraph_break(entry.comment)
                entry.comment.append(trailing)
                trim(entry.comment)
            entry.keys.append((key, value))
            pending, after_key, last_trailing = [], True, bool(trailing)
            i = last
        i += 1
    if trim(plain(pending)):
        raise SampleError(len(lines), "a comment at the end of the file belongs to no key or table")
    if not tables:
        raise SampleError(1, "no tables")
    return tables


def cross_check(text, tables):
    """Python's TOML reader must find the same tables, keys and values."""
    try:
        import tomllib
    except ImportError:  # Python < 3.11: our own reader's checks stand alone
        return
    doc = tomllib.loads(text)
    found = {}

    def walk(node, path):
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, path + [key])
            else:
                found[(".".join(path), key)] = value

    walk(doc, [])
    ours = {}
    for t in tables:
        node = doc
        for part in t.name.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            raise SampleError(t.line, f"tomllib does not see [{t.name}] as a table")
        for e in t.entries:
            for key, value in e.keys:
                ours[(t.name, key)] = tomllib.loads("v = " + "\n".join(value))["v"]
    missing = sorted(set(found) - set(ours))
    if missing:
        raise SampleError(1, "keys tomllib reads but this generator did not place: " +
                          ", ".join(f"[{t}] {k}" for t, k in missing))
    for k, v in ours.items():
        if found.get(k) != v:
            raise SampleError(1, f"[{k[0]}] {k[1]}: the value read here differs from tomllib's")


def escape(text):
    """`text` as literal scdoc: no markup, nothing special at the line's start."""
    text = text.replace("\t", " ").rstrip()
    text = text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")
    stripped = text.lstrip(" ")
    # At the start of a line: "#" a header, "-" a list, "|", ":" and "[" a
    # table, "; " a comment, "```" a literal block. A leading "." cannot be
    # escaped (scdoc would hand roff a request line); callers never pass one.
    if stripped[:1] in ("#", "-", "|", ":", "[", ";", "`"):
        stripped = "\\" + stripped
    if stripped.endswith("+"):  # "++" at the end is a line break
        stripped = stripped[:-1] + "\\+"
    return stripped


def wide(c):
    """Japanese (and other CJK) characters: words are not separated by spaces."""
    return unicodedata.east_asian_width(c) in ("W", "F")


def paragraphs(lines, lineno):
    """Comment lines as scdoc text lines, "" between paragraphs. roff joins
    the lines of a paragraph with a space, so a line is joined to the one
    before it here when that space would be wrong: Japanese wrapped in the
    middle of a phrase (添付ファイル / 削除 is one word), and a line that starts
    with "." (roff would take it for a request)."""
    out = []
    previous = ""
    for line in lines:
        text = line.strip()
        if not text:
            out.append("")
        elif previous and wide(previous[-1]) and wide(text[0]):
            out[-1] += escape(text)
        elif text.startswith("."):
            if not previous:
                raise SampleError(lineno, "a comment paragraph starting with '.' cannot be written in scdoc: " + text)
            out[-1] += " " + escape(text)
        else:
            out.append(escape(text))
        previous = text
    return out


def render(tables):
    out = []
    for t in tables:
        out += ["## [" + t.name + "]", ""]  # a bare key: letters, digits, "_", "-", "."
        intro = paragraphs(t.intro, t.line)
        if intro:
            out += intro + [""]
        for e in t.entries:
            keylines = []
            for key, value in e.keys:
                first = "*" + escape(key) + "* = " + escape(value[0])
                keylines.append(first)
                keylines += [escape(v) for v in value[1:]]
            out += [k + "++" for k in keylines[:-1]] + [keylines[-1]]
            out += ["\t" + p if p else "" for p in paragraphs(e.comment, t.line)]
            out.append("")
    while out and out[-1] == "":
        out.pop()
    return out


def main(argv):
    if len(argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    sample_path, template_path, output_path = argv[1:]
    try:
        with open(sample_path, encoding="utf-8") as f:
            sample = f.read()
        with open(template_path, encoding="utf-8") as f:
            template = f.read().split("\n")
    except OSError as e:
        print(f"gen_toml_page: {e}", file=sys.stderr)
        return 1
    if template.count(PLACEHOLDER) != 1:
        print(f"gen_toml_page: {template_path}: needs exactly one line {PLACEHOLDER}", file=sys.stderr)
        return 1
    try:
        tables = parse_sample(sample)
        cross_check(sample, tables)
        keys = render(tables)
    except SampleError as e:
        print(f"gen_toml_page: {sample_path}:{e}", file=sys.stderr)
        return 1
    at = template.index(PLACEHOLDER)
    page = template[:at] + keys + template[at + 1:]
    # Written whole or not at all: a failed run never leaves half a page.
    tmp = output_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(page))
    os.replace(tmp, output_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
