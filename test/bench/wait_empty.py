#!/usr/bin/env python3
"""Waits until the given queue directories (and their subdirectories) hold
no regular file, polling every 20 ms from this one process; exits 1 after
TIMEOUT seconds (default 600), or at once when a DIR does not exist (a
typo would otherwise time nothing). The relay benchmarks time a queue's drain
with it: a shell loop of find | wc forked four processes per poll, which
took a fifth of both cores away from the relays it was timing.
Usage: wait_empty.py [--timeout S] DIR..."""
import os
import sys
import time

args = sys.argv[1:]
timeout = 600.0
if args[:1] == ["--timeout"]:
    timeout, args = float(args[1]), args[2:]


def holds_files(d):
    try:
        entries = list(os.scandir(d))
    except FileNotFoundError:  # a subdirectory removed meanwhile
        return False
    for e in entries:
        try:
            if e.is_file(follow_symlinks=False):
                return True
            if e.is_dir(follow_symlinks=False) and holds_files(e.path):
                return True
        except FileNotFoundError:  # removed while we looked
            continue
    return False


missing = [d for d in args if not os.path.isdir(d)]
if not args or missing:
    sys.exit("wait_empty.py: no such directory: " + " ".join(missing or ["(none given)"]))
end = time.monotonic() + timeout
while any(holds_files(d) for d in args):
    if time.monotonic() > end:
        sys.exit("wait_empty.py: still not empty after %g s: %s" % (timeout, " ".join(args)))
    time.sleep(0.02)
