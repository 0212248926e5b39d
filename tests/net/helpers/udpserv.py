#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Tiny UDP services for the network tests, dual-stack on [::]:

  5353  DNS: answers every A query with 203.0.113.53 and every AAAA query
        with 2001:db8:53::53 (TTL 60), anything else NOERROR/NODATA.
        Enough for dig; no compression pointers are followed beyond the
        question, which is all a query has.
  7007  echo: sends every datagram back unchanged (large ones too, to
        test fragmentation in both directions).

udpserv.py [--dns-port N] [--no-echo] [--ipv4only AAAA ...]: DNS on another
port (53 for a system resolver), and RFC 7050 answers: AAAA ipv4only.arpa
gets the given addresses (TTL 300), A ipv4only.arpa gets 192.0.0.170 and
192.0.0.171.
"""
import argparse
import selectors
import socket
import struct


def dual(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(("::", port))
    return s


IPV4ONLY = []


def rr(rtype, rdata, ttl=60):
    return struct.pack("!HHHIH", 0xc00c, rtype, 1, ttl, len(rdata)) + rdata


def dns_answer(q):
    if len(q) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    if flags & 0x8000 or qd != 1:
        return None
    i = 12
    labels = []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
        i += 1 + q[i]
    if i + 5 > len(q):
        return None
    name = ".".join(labels).lower()
    question = q[12:i + 5]
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
    rrs = []
    if name == "ipv4only.arpa" and IPV4ONLY:
        if qtype == 28:
            rrs = [rr(28, socket.inet_pton(socket.AF_INET6, a), 300)
                   for a in IPV4ONLY]
        elif qtype == 1:
            rrs = [rr(1, socket.inet_pton(socket.AF_INET, a), 300)
                   for a in ("192.0.0.170", "192.0.0.171")]
    elif qtype == 1:
        rrs = [rr(1, socket.inet_pton(socket.AF_INET, "203.0.113.53"))]
    elif qtype == 28:
        rrs = [rr(28, socket.inet_pton(socket.AF_INET6, "2001:db8:53::53"))]
    rflags = 0x8400 | (flags & 0x0100)      # QR, AA, copy RD
    return struct.pack("!HHHHHH", qid, rflags, 1, len(rrs), 0, 0) + \
        question + b"".join(rrs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dns-port", type=int, default=5353)
    ap.add_argument("--no-echo", action="store_true")
    ap.add_argument("--ipv4only", nargs="*", default=[])
    args = ap.parse_args()
    IPV4ONLY.extend(args.ipv4only)
    sel = selectors.DefaultSelector()
    sel.register(dual(args.dns_port), selectors.EVENT_READ, "dns")
    if not args.no_echo:
        sel.register(dual(7007), selectors.EVENT_READ, "echo")
    while True:
        for key, _ in sel.select():
            data, peer = key.fileobj.recvfrom(65535)
            reply = data if key.data == "echo" else dns_answer(data)
            if reply is not None:
                key.fileobj.sendto(reply, peer)


if __name__ == "__main__":
    main()
