#!/usr/bin/env python3
"""mugai-web's request limits over a real socket, as a hostile client meets
them (web/server.h): a header past 16 KiB gets 431, a body past 1 MiB 413,
the 21st connection from one address is closed while 20 are held, a client
that never starts its TLS handshake is dropped (within 15 s; the limit is
5 s), and a form of 10,000 fields is answered, not choked on.
Usage: limits_test.py BUILD_DIR SOURCE_DIR
"""
import os
import select
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

from web_process import free_port, start_web

build, source = sys.argv[1], sys.argv[2]
mugai = os.path.join(build, "cli", "mugai")
mugai_web = os.path.join(build, "web", "mugai-web")
work = tempfile.mkdtemp(prefix="mugai-web-limits-")
web = None


def fail(why):
    print("FAIL:", why)
    sys.exit(1)


def tls():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    # TLS 1.2: no session tickets arrive after the handshake, so a socket
    # that reads ready carries the server's answer (status() relies on it).
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def connect(port):
    return tls().wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10))


def status(port, request):
    """The status code of the server's answer to `request` (bytes), or None when it closed.
    The request goes out 1 KiB at a time and stops once the server answers: a
    server that refuses early closes with our bytes unread, and the TLS write
    that meets its reset would spoil the answer waiting to be read."""
    s = connect(port)
    for at in range(0, len(request), 1024):
        if select.select([s], [], [], 0)[0]:
            break
        try:
            s.sendall(request[at:at + 1024])
        except (ConnectionError, ssl.SSLError):
            break
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionError, ssl.SSLError, socket.timeout):
        pass
    s.close()
    line = data.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) > 1 else None


try:
    subprocess.run([mugai, "tls-cert", "--cert", os.path.join(work, "cert.pem"), "--key", os.path.join(work, "key.pem")],
                   check=True, capture_output=True)
    port = free_port()
    config = os.path.join(work, "mugai.toml")
    with open(config, "w") as f:
        f.write('[quarantine]\ndir = "%s"\n[web]\nlisten = "127.0.0.1:%d"\ntls_cert = "%s"\ntls_key = "%s"\n'
                % (os.path.join(work, "q"), port, os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")))
    web, url = start_web(mugai_web, config, os.path.join(work, "web.log"))
    if not url:
        with open(os.path.join(work, "web.log")) as log:
            fail("mugai-web did not start: " + log.read())

    ok = status(port, b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    if ok != 200:
        fail("a plain GET /login got %s" % ok)
    big = status(port, b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " + b"a" * 20000 + b"\r\n\r\n")
    if big != 431:
        fail("a 20 KB header got %s, not 431" % big)
    body = status(port, b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                        b"Content-Length: 2000000\r\n\r\n" + b"a" * 2000000)
    if body != 413:
        fail("a 2 MB body got %s, not 413" % body)
    fields = b"&".join(b"f%d=1" % i for i in range(10000))
    many = status(port, b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                        b"Content-Length: %d\r\n\r\n" % len(fields) + fields)
    if many is None or many >= 500:
        fail("a form of 10,000 fields got %s" % many)

    # 20 connections from one address are held; the 21st is closed.
    held = [connect(port) for _ in range(20)]
    try:
        extra = connect(port)
        extra.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = extra.recv(4096)
        extra.close()
    except (ConnectionError, ssl.SSLError, socket.timeout):
        answer = b""
    if answer:
        fail("the 21st connection from one address was served: %r" % answer[:40])
    for s in held:
        s.close()
    time.sleep(0.5)
    if status(port, b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n") != 200:
        fail("after the 20 were closed, a new connection was not served")

    # A client that never starts its TLS handshake is dropped.
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    t0 = time.monotonic()
    try:
        closed = raw.recv(1) == b""
    except ConnectionError:
        closed = True
    except socket.timeout:
        closed = False
    waited = time.monotonic() - t0
    raw.close()
    if not closed or waited > 15:
        fail("a silent client was kept %.1f s" % waited)
    print("web limits: ok (431, 413, 10,000 fields answered %d, 21st connection closed, silent client dropped after %.1f s)"
          % (many, waited))
finally:
    if web:
        web.terminate()
        try:
            web.wait(10)
        except subprocess.TimeoutExpired:
            web.kill()
    shutil.rmtree(work, ignore_errors=True)
