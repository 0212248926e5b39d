#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""udpflows.py SRC DST PORT SPORT N [TIMEOUT]: N UDP flows from SRC ports
SPORT, SPORT+1, ... to [DST]:PORT (the echo service of udpserv.py), one
datagram each, all sent before any reply is awaited, so that every flow
needs its own NAT64 mapping at the same time.

Each socket is connected and has IPV6_RECVERR on, so an ICMPv6 error
about its datagram lands in its error queue with type and code.  Prints
one JSON object: {"ok": [sports echoed], "icmp": {sport: [type, code]},
"silent": [sports with neither]}."""
import json
import select
import socket
import struct
import sys
import time

IPV6_RECVERR = 25
SO_EE_ORIGIN_ICMP6 = 3

src, dst, port, sport, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    int(sys.argv[4]), int(sys.argv[5])
timeout = float(sys.argv[6]) if len(sys.argv) > 6 else 3.0

socks = {}
for p in range(sport, sport + n):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_RECVERR, 1)
    s.bind((src, p))
    s.connect((dst, port))
    s.setblocking(False)
    socks[s] = p
for s, p in socks.items():
    s.send(b"udpflows %d" % p)

ok, icmp = [], {}
deadline = time.time() + timeout
pending = set(socks)
while pending and time.time() < deadline:
    r, _, x = select.select(list(pending), [], list(pending),
                            max(0.0, deadline - time.time()))
    for s in set(r) | set(x):
        p = socks[s]
        try:
            data, anc, _, _ = s.recvmsg(2048, 512, socket.MSG_ERRQUEUE)
            for lvl, typ, val in anc:
                if len(val) >= 16:
                    _, origin, etype, ecode = struct.unpack("=IBBB", val[:7])
                    if origin == SO_EE_ORIGIN_ICMP6:
                        icmp[str(p)] = [etype, ecode]
            pending.discard(s)
            continue
        except (BlockingIOError, InterruptedError):
            pass
        try:
            if s.recv(2048) == b"udpflows %d" % p:
                ok.append(p)
                pending.discard(s)
        except BlockingIOError:
            pass
        except OSError as e:           # a pending socket error
            icmp.setdefault(str(p), ["errno", e.errno])
            pending.discard(s)
silent = sorted(socks[s] for s in pending)
print(json.dumps({"ok": sorted(ok), "icmp": icmp, "silent": silent}))
