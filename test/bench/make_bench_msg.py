#!/usr/bin/env python3
"""The relay benchmarks' message: the shape of ../shared/anchors/make_msg.py's
msg10k_att.eml (about 3.5 kB of text and a base64 ZIP of a text file and
1500 random bytes), made here so that nothing is written into ../shared.
mugai's default policy changes it (the unknown data.bin leaves the ZIP), so
each message leaves its original in the quarantine.
Usage: make_bench_msg.py OUT"""
import base64, io, random, sys, zipfile
rng = random.Random(42)
words = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor".split()
text = lambda n: "\n".join(" ".join(rng.choice(words) for _ in range(12)) for _ in range(n))
z = io.BytesIO()
with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
    zf.writestr(zipfile.ZipInfo("report.txt", (2024, 1, 1, 0, 0, 0)), text(40))
    zf.writestr(zipfile.ZipInfo("data.bin", (2024, 1, 1, 0, 0, 0)), rng.randbytes(1500))
att = base64.encodebytes(z.getvalue()).decode()
msg = ("From: Sender <sender@example.com>\nTo: Rcpt <rcpt@example.net>\nSubject: bench message with attachment\n"
       "Date: Mon, 01 Jan 2024 00:00:00 +0000\nMessage-ID: <bench-1@example.com>\nMIME-Version: 1.0\n"
       "Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain; charset=us-ascii\n\n"
       + text(45) + "\n--b1\nContent-Type: application/zip; name=\"report.zip\"\n"
       "Content-Disposition: attachment; filename=\"report.zip\"\nContent-Transfer-Encoding: base64\n\n"
       + att + "--b1--\n")
open(sys.argv[1], "w").write(msg)
