#!/usr/bin/env python3
"""Turns one scdoc page into roff: scdoc, then what scdoc cannot write
(no hyphenation, Japanese line breaking).

Usage: run_scdoc.py SCDOC PAGE.scd PAGE.N

The pages quote Japanese (the sample config's comments and notice texts).
groff breaks lines only at spaces unless its ja.tmac is loaded, which
man-db does under a ja_JP locale only: elsewhere (C.UTF-8, en_US.UTF-8,
lintian's check) a run of Japanese wider than the line cannot be broken,
sticks out past the margin and makes troff warn "can't break line". scdoc
has no way to write a roff request, so this adds, after the .TH line, the
character classes of groff's ja.tmac (tmac/ja.tmac, groff 1.22.4): break
between kana and kanji, never before 。、」 or after 「（. Inside `.if \\n(.g`:
formatters other than groff skip it.

It also repeats scdoc's ".nh" (no hyphenation) after .TH, which resets
hyphenation in groff's man macros: names such as relay_domains,
--older-than or /var/lib/mugai must not be split with a hyphen that is
not theirs.

The page is written whole or not at all (temporary file, rename), so a
failed scdoc never leaves a page that looks built. Only the standard
library.
"""

import os
import subprocess
import sys

AFTER_TH = r""".\" No hyphenation: scdoc's .nh comes before .TH, which undoes it.
.nh
.\" Japanese may break between characters in every locale (groff's ja.tmac).
.if \n(.g \{\
.class [CJKprepunct] , : ; > } \
\[u3001] \[u3002] \[uFF0C] \[uFF0E] \[u30FB] \[uFF1A] \[uFF1B] \[uFF1F] \
\[uFF01] \[uFF09] \[u3015] \[uFF3D] \[uFF5D] \[u300D] \[u300F] \[u3011] \
\[u3041] \[u3043] \[u3045] \[u3047] \[u3049] \[u3063] \[u3083] \[u3085] \
\[u3087] \[u30FC] \
\[u30A1] \[u30A3] \[u30A5] \[u30A7] \[u30A9] \[u30C3] \[u30E3] \[u30E5] \
\[u30E7]
.class [CJKpostpunct] \[uFF08] \[u3014] \[uFF3B] \[uFF5B] \[u300C] \[u300E] \[u3010]
.class [CJKnormal] \[u3041]-\[u3096] \[u30A0]-\[u30FF] \[u4E00]-\[u9FFF]
.cflags 128 \C'[CJKprepunct]'
.cflags 266 \C'[CJKpostpunct]'
.cflags 512 \C'[CJKnormal]'
.\}"""


def main(argv):
    if len(argv) != 4:
        print("usage: run_scdoc.py SCDOC PAGE.scd PAGE.N", file=sys.stderr)
        return 2
    scdoc, source, target = argv[1:]
    with open(source, "rb") as f:
        run = subprocess.run([scdoc], stdin=f, capture_output=True)
    if run.returncode != 0:
        sys.stderr.write(f"run_scdoc: scdoc failed on {source}: {run.stderr.decode(errors='replace')}")
        return 1
    lines = run.stdout.decode("utf-8").split("\n")
    th = [i for i, line in enumerate(lines) if line.startswith(".TH ")]
    if len(th) != 1:
        print(f"run_scdoc: {source}: scdoc wrote {len(th)} .TH lines, expected one", file=sys.stderr)
        return 1
    lines[th[0] + 1:th[0] + 1] = AFTER_TH.split("\n")
    tmp = target + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    os.replace(tmp, target)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
