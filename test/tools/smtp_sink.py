#!/usr/bin/env python3
"""A minimal SMTP sink for tests: accepts every message on 127.0.0.1 and
stores it as OUTDIR/N.eml with its envelope in OUTDIR/N.json (sender,
recipients, TLS version, and the number of the connection it came on).

Usage: smtp_sink.py OUTDIR [--reject-rcpt ADDR]... [--port N] [--tls-cert PEM --tls-key PEM] [--data-delay S]
--data-delay holds the reply to each message's end of data for S seconds
(a slow next hop: a sender's transaction stays open that long).
With a certificate it offers STARTTLS and notes the TLS version in the envelope.
Prints the port it listens on as its first line, then serves until killed.
Only the Python standard library: it runs on a fresh Debian 12.
"""
import json
import os
import socketserver
import ssl
import sys
import threading
import time

counter = 0
sessions = 0
lock = threading.Lock()


class Session(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write((text + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        global sessions
        with lock:
            sessions += 1
            session = sessions  # the connection's number, in the envelope of each message it carried
        self.reply("220 sink ESMTP")
        sender, rcpts, tls = None, [], ""
        while True:
            line = self.rfile.readline(65536)
            if not line:
                return
            cmd = line.decode("latin-1").rstrip("\r\n")
            verb = cmd[:4].upper()
            if verb in ("EHLO", "HELO"):
                offer = "250-STARTTLS\r\n" if TLS and not tls else ""
                self.reply("250-sink\r\n" + offer + "250-PIPELINING\r\n250 8BITMIME" if verb == "EHLO" else "250 sink")
            elif cmd.upper() == "STARTTLS" and TLS and not tls:
                self.reply("220 2.0.0 go ahead")
                self.connection = TLS.wrap_socket(self.connection, server_side=True)
                self.rfile = self.connection.makefile("rb")
                self.wfile = self.connection.makefile("wb")
                tls, sender, rcpts = self.connection.version(), None, []
            elif cmd.upper().startswith("MAIL FROM:"):
                sender, rcpts = cmd[10:].strip().strip("<>"), []
                self.reply("250 2.1.0 ok")
            elif cmd.upper().startswith("RCPT TO:"):
                addr = cmd[8:].strip().strip("<>")
                if addr in REJECT:
                    self.reply("550 5.1.1 no such user")
                else:
                    rcpts.append(addr)
                    self.reply("250 2.1.5 ok")
            elif verb == "DATA" and not rcpts:
                self.reply("554 5.5.1 no valid recipients")  # as Postfix (RFC 2920 3.1: a pipelining client relies on it)
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = bytearray()
                while True:
                    l = self.rfile.readline()
                    if not l or l == b".\r\n":
                        break
                    if l.startswith(b"."):
                        l = l[1:]
                    data += l
                global counter
                with lock:
                    counter += 1
                    n = counter
                with open(os.path.join(OUT, "%d.eml" % n), "wb") as f:
                    f.write(bytes(data))
                # The envelope appears whole, by rename, after the message:
                # readers take N.json as "message N is complete".
                tmp = os.path.join(OUT, "%d.json.tmp" % n)
                with open(tmp, "w") as f:
                    json.dump({"from": sender, "to": rcpts, "tls": tls, "session": session}, f)
                os.replace(tmp, os.path.join(OUT, "%d.json" % n))
                if DATA_DELAY:
                    time.sleep(DATA_DELAY)
                self.reply("250 2.0.0 queued as %d" % n)
            elif verb == "RSET":
                sender, rcpts = None, []
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok" if verb == "NOOP" else "502 5.5.2 not implemented")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


if __name__ == "__main__":
    OUT = sys.argv[1]
    REJECT = set()
    TLS = None
    cert = key = None
    port = 0
    DATA_DELAY = 0
    args = sys.argv[2:]
    while args:
        if args[0] == "--reject-rcpt":
            REJECT.add(args[1])
        elif args[0] == "--port":
            port = int(args[1])
        elif args[0] == "--tls-cert":
            cert = args[1]
        elif args[0] == "--tls-key":
            key = args[1]
        elif args[0] == "--data-delay":
            DATA_DELAY = float(args[1])
        args = args[2:]
    if cert:
        TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        TLS.load_cert_chain(cert, key)
    os.makedirs(OUT, exist_ok=True)
    server = Server(("127.0.0.1", port), Session)
    print(server.server_address[1], flush=True)
    server.serve_forever()
