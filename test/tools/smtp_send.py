#!/usr/bin/env python3
"""Sends COUNT small messages to 127.0.0.1:PORT with smtplib, one session
each 50 messages, and prints the Message-ID of each message the server
acknowledged with 250 (flushed at once), so a test that kills the server
knows exactly what was acknowledged. Stops quietly when the server goes.

Usage: smtp_send.py PORT COUNT [RCPT]
"""
import smtplib
import sys

port, count = int(sys.argv[1]), int(sys.argv[2])
rcpt = sys.argv[3] if len(sys.argv) > 3 else "soumu@example.lg.jp"
sent = 0
try:
    while sent < count:
        s = smtplib.SMTP("127.0.0.1", port, timeout=30)
        for _ in range(min(50, count - sent)):
            mid = "<load-%d@test.example>" % sent
            msg = ("From: load@example.net\r\nTo: %s\r\nSubject: load %d\r\nMessage-ID: %s\r\n\r\n" % (rcpt, sent, mid)
                   + "body line\r\n" * 20)
            s.sendmail("load@example.net", [rcpt], msg.encode())
            print(mid, flush=True)
            sent += 1
        s.quit()
except Exception as e:  # the server was killed: what was printed is what was acknowledged
    print("stopped: %s" % e, file=sys.stderr)
