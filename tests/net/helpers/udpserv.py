#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Tiny UDP services for the network tests, dual-stack on [::]:

  5353  DNS: answers every A query with 203.0.113.53 and every AAAA query
        with 2001:db8:53::53 (TTL 60), anything else NOERROR/NODATA.
        Enough for dig; no compression pointers are followed beyond the
        question, which is all a query has.
  7007  echo: sends every datagram back unchanged (large ones too, to
        test fragmentation in both directions).
"""
import selectors
import socket
import struct


def dual(port):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    s.bind(("::", port))
    return s


def dns_answer(q):
    if len(q) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", q[:6])
    if flags & 0x8000 or qd != 1:
        return None
    i = 12
    while i < len(q) and q[i]:
        i += 1 + q[i]
    if i + 5 > len(q):
        return None
    question = q[12:i + 5]
    qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
    rr = b""
    if qtype == 1:
        rr = struct.pack("!HHHIH", 0xc00c, 1, 1, 60, 4) + \
            socket.inet_pton(socket.AF_INET, "203.0.113.53")
    elif qtype == 28:
        rr = struct.pack("!HHHIH", 0xc00c, 28, 1, 60, 16) + \
            socket.inet_pton(socket.AF_INET6, "2001:db8:53::53")
    an = 1 if rr else 0
    rflags = 0x8400 | (flags & 0x0100)      # QR, AA, copy RD
    return struct.pack("!HHHHHH", qid, rflags, 1, an, 0, 0) + question + rr


def main():
    dns, echo = dual(5353), dual(7007)
    sel = selectors.DefaultSelector()
    sel.register(dns, selectors.EVENT_READ, "dns")
    sel.register(echo, selectors.EVENT_READ, "echo")
    while True:
        for key, _ in sel.select():
            data, peer = key.fileobj.recvfrom(65535)
            reply = data if key.data == "echo" else dns_answer(data)
            if reply is not None:
                key.fileobj.sendto(reply, peer)


if __name__ == "__main__":
    main()
