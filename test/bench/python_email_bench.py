"""Peer benchmark: Python's email package (stdlib) parsing and re-serialising
the same files as mugai_mail_bench, all held in memory. Prints MB/s.

Usage: python3 python_email_bench.py [--rounds N] FILE...
"""
import email
import email.policy
import sys
import time


def main(argv):
    rounds = 5
    files = []
    it = iter(argv)
    for a in it:
        if a == "--rounds":
            rounds = int(next(it))
        else:
            files.append(a)
    data = [open(f, "rb").read() for f in files]
    total = sum(len(d) for d in data)

    def one(d):
        # policy.default decodes headers (RFC 2047) as mugai does; as_bytes
        # re-serialises the whole tree. Messages it cannot re-serialise are
        # counted and skipped, as a gateway built on it would have to.
        try:
            m = email.message_from_bytes(d, policy=email.policy.default)
            for part in m.walk():
                if not part.is_multipart():
                    part.get_payload(decode=True)
            return len(m.as_bytes()), 0
        except Exception:
            return 0, 1

    for d in data:
        one(d)
    failures = 0
    start = time.perf_counter()
    for _ in range(rounds):
        for d in data:
            _, f = one(d)
            failures += f
    s = time.perf_counter() - start
    mb = total * rounds / 1e6
    print("python  files=%d  bytes=%d  rounds=%d  time=%.3f s  %.1f MB/s  %.0f msg/s  (failed: %d per round)"
          % (len(data), total, rounds, s, mb / s, len(data) * rounds / s, failures // rounds))


if __name__ == "__main__":
    main(sys.argv[1:])
