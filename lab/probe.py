#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""New-connection prober for the lab's failover (lab/demo, tests/lab).

Run inside a client namespace:

    probe.py HOST PORT SECONDS [INTERVAL]

Every INTERVAL seconds (default 0.05) it starts a new TCP connection to
HOST:PORT (a fresh source port each time, so the core's ECMP hash spreads
the connections over the gateways), sends an HTTP GET and waits for the
status line, each attempt with a 6 s limit and in a thread of its own so
that a slow attempt does not delay the next.  When SECONDS are over it
waits for the attempts in flight and prints one JSON document:
{"attempts": [[start, seconds, ok, error], ...]} with start as
time.time().  SIGTERM or SIGINT ends the run early.
"""
import json
import signal
import socket
import sys
import threading
import time

LIMIT = 6.0


def attempt(host, port, out):
    t0 = time.time()
    ok, err = False, ""
    try:
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(LIMIT)
        try:
            s.connect((host, port))
            s.sendall(b"GET / HTTP/1.0\r\nHost: www.test\r\n\r\n")
            ok = s.recv(64).startswith(b"HTTP/1.")
            if not ok:
                err = "bad reply"
        finally:
            s.close()
    except OSError as e:
        err = str(e)
    out.append([t0, round(time.time() - t0, 4), ok, err])


def main():
    host, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    step = float(sys.argv[4]) if len(sys.argv) > 4 else 0.05
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    out, threads = [], []
    end = time.time() + secs
    while time.time() < end and not stop.is_set():
        t = threading.Thread(target=attempt, args=(host, port, out),
                             daemon=True)
        t.start()
        threads.append(t)
        stop.wait(step)
    for t in threads:
        t.join(LIMIT + 1)
    out.sort()
    json.dump({"attempts": out}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
