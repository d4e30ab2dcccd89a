#!/usr/bin/env python3
"""An outside judge for mugai's rebuilt messages: Python's own `email`
package (policy.default, the strict modern parser) reads each message and
reports the structural defects it finds, so our writer is not judged only by
our own (GMime-based) parser.

Usage: email_judge.py PATH...
Each PATH is a message file or a directory (its files, sorted, not
recursive). Prints one line per message:
    FILE <TAB> DEFECT,DEFECT,... or "-" <TAB> PART PART ...
where a PART is "content/type" or "content/type:filename" in depth-first
order. Only the Python standard library: it runs on a fresh Debian 12.

Structural defects are the ones that say the framing is broken, so that two
readers may disagree on where a part begins, ends, or what it is:
  - feedparser's NoBoundaryInMultipart, StartBoundaryNotFound,
    CloseBoundaryNotFound, MultipartInvariantViolation,
    MissingHeaderBodySeparator, FirstHeaderLineIsContinuation,
    MisplacedEnvelopeHeader, InvalidMultipartContentTransferEncoding;
  - base64 bodies that do not decode cleanly (InvalidBase64Padding,
    InvalidBase64Characters, InvalidBase64Length): we promise to send only
    strictly valid base64;
  - two rules of our own, checked on the bytes: MessageTransferEncoding (a
    message/rfc822 or message/news part in anything but 7bit/8bit/binary,
    RFC 2046 5.2.1) and LineOver998 (RFC 5322 2.1.1).
Not structural, hence not reported: defects in the values of the sender's
header fields (HeaderDefect and its subclasses: a bad address, an obsolete
date, a non-printable byte) and UndecodableBytesDefect (raw 8-bit header
bytes): we pass those fields on as they came, on purpose (Japanese mailers
send raw Shift_JIS), and they do not move part boundaries. Nor defects
inside a message/* part that is not a message (delivery-status,
rfc822-headers, disposition-notification, ...): Python parses such bodies
as header blocks or as messages, RFC 3464/6522/8098 and we read them as
one leaf of text copied as it came; their end is found by the enclosing
boundary before Python looks inside, so what it finds there is the
sender's text, not our framing.
"""
import email
import email.errors as E
import email.policy
import os
import sys

STRUCTURAL = (
    E.NoBoundaryInMultipartDefect,
    E.StartBoundaryNotFoundDefect,
    E.CloseBoundaryNotFoundDefect,
    E.MultipartInvariantViolationDefect,
    E.MissingHeaderBodySeparatorDefect,
    E.FirstHeaderLineIsContinuationDefect,
    E.MisplacedEnvelopeHeaderDefect,
    E.InvalidMultipartContentTransferEncodingDefect,
    E.InvalidBase64PaddingDefect,
    E.InvalidBase64CharactersDefect,
    E.InvalidBase64LengthDefect,
)


MESSAGES = ("message/rfc822", "message/global", "message/news")  # the message/* types that hold a message
UNENCODED = ("message/rfc822", "message/news")  # RFC 2046 5.2.1; message/global may be encoded (RFC 6532 3.5)


def visit(part, opaque, defects, parts):
    ctype = part.get_content_type()
    opaque = opaque or (part.get_content_maintype() == "message" and ctype not in MESSAGES)
    cte = str(part.get("content-transfer-encoding", "")).strip().lower()
    if ctype in UNENCODED and cte not in ("", "7bit", "8bit", "binary"):
        defects.append("MessageTransferEncoding")
    if not part.is_multipart():
        part.get_payload(decode=True)  # base64 decoding defects land in part.defects
    if not opaque:
        defects += [type(d).__name__ for d in part.defects if isinstance(d, STRUCTURAL)]
    name = None if part.is_multipart() else part.get_filename()
    parts.append(ctype + (":" + name if name else ""))
    if part.is_multipart():
        for sub in part.get_payload():
            visit(sub, opaque, defects, parts)


def judge(raw):
    defects, parts = [], []
    if any(len(line.rstrip(b"\r")) > 998 for line in raw.split(b"\n")):
        defects.append("LineOver998")
    visit(email.message_from_bytes(raw, policy=email.policy.default), False, defects, parts)
    return defects, parts


def main(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += sorted(os.path.join(p, f) for f in os.listdir(p))
        else:
            files.append(p)
    for f in files:
        with open(f, "rb") as fh:
            raw = fh.read()
        try:
            defects, parts = judge(raw)
        except Exception as e:  # a crash of the judge is a finding too
            defects, parts = ["JudgeFailed:" + type(e).__name__], []
        clean = lambda s: s.replace("\t", " ").replace("\n", " ").replace("\r", " ")
        print(f + "\t" + (",".join(defects) or "-") + "\t" + " ".join(clean(p) for p in parts))


if __name__ == "__main__":
    main(sys.argv[1:])
