#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Malformed packets for test_bad_input.py.

  inject.py tun IFNAME SEED FUZZ_COUNT
      writes packets straight into the translator: an AF_PACKET socket on
      the TUN device queues them to the daemon exactly as the kernel would
      queue routed packets, but without the kernel's IP header checks.
  inject.py ttl1 IFNAME N
      N IPv4 packets with TTL 1 into the TUN, as fast as the queue allows.
  inject.py wire SEED FUZZ_COUNT v4|v6
      sends fuzzed packets through the kernel (scapy send(), layer 3), so
      they arrive over the veth like real traffic.

Every packet carries the topology's addresses (topo.py): IPv4 from
203.0.113.10 to 192.0.2.10, IPv6 from 2001:db8:6::10 to 64:ff9b::cb00:710a,
so whatever the translator emits stays inside the test namespaces.
Prints one JSON object: packets sent per category.
"""
import json
import random
import socket
import sys
import time

from scapy.all import (ICMP, IP, TCP, UDP, ICMPv6DestUnreach,
                       ICMPv6EchoRequest, ICMPv6PacketTooBig,
                       ICMPv6TimeExceeded, IPerror, IPv6, IPv6ExtHdrFragment,
                       IPv6ExtHdrRouting, IPv6ExtHdrDestOpt, Raw, conf, fuzz,
                       send)
from scapy.contrib.igmp import IGMP

S4, D4 = "203.0.113.10", "192.0.2.10"
S6, D6 = "2001:db8:6::10", "64:ff9b::cb00:710a"
ETH_P_IP, ETH_P_IPV6 = 0x0800, 0x86DD


def v4(**kw):
    return IP(src=S4, dst=D4, **kw)


def v6(**kw):
    return IPv6(src=S6, dst=D6, **kw)


def bad_csum(p):
    b = bytearray(bytes(p))
    b[10] ^= 0x5a
    return bytes(b)


def deterministic():
    """(category, bytes) pairs whose drop reason is certain."""
    udp4 = v4() / UDP(sport=1000, dport=7007) / Raw(b"x" * 32)
    udp6 = v6() / UDP(sport=1000, dport=7007) / Raw(b"x" * 32)
    inner4 = IP(src=D4, dst=S4) / UDP(sport=7007, dport=1000)
    inner6 = IPv6(src=D6, dst=S6) / UDP(sport=7007, dport=1000)
    c = []
    for i in range(50):
        c.append(("bad_ip4_csum", bad_csum(v4(id=i) / UDP() / Raw(b"y"))))
    for i in range(20):
        c.append(("ttl_expired", bytes(v4(ttl=1, id=i) / UDP(dport=7007))))
        c.append(("ttl_expired", bytes(v6(hlim=1) / UDP(dport=7007))))
        c.append(("src_invalid", bytes(IP(src="127.0.0.1", dst=D4) /
                                       UDP(dport=7007))))
        c.append(("igmp", bytes(v4(ttl=9) / IGMP())))
        c.append(("segments_left",
                  bytes(v6() / IPv6ExtHdrRouting(addresses=[S6],
                                                 segleft=1) / UDP())))
    b = bytes(udp4)
    for i in range(20):
        c.append(("malformed", b[:10]))                # shorter than a header
        c.append(("malformed", b[:2] + b"\x0f\xff" + b[4:]))  # total len lies
        ihl4 = bytearray(b)
        ihl4[0] = 0x44                                  # IHL 4 < 5
        c.append(("malformed", bytes(ihl4)))
        b6 = bytes(udp6)
        c.append(("malformed", b6[:20]))                # half an IPv6 header
        c.append(("malformed", b6[:4] + b"\xff\x00" + b6[6:]))  # plen lies
        c.append(("malformed",
                  bytes(v6() / IPv6ExtHdrDestOpt(len=40) / Raw(b"\0" * 6))))
        # truncated ICMP errors: the quoted header cut short
        c.append(("icmp_bad", bytes(v4() / ICMP(type=3, code=3) /
                                    bytes(inner4)[:9])))
        c.append(("icmp_bad", bytes(v6() / ICMPv6DestUnreach(code=4) /
                                    bytes(inner6)[:17])))
        c.append(("icmp_bad", bytes(v4() / ICMP(type=3, code=4) /
                                    Raw(b"\x45"))))
        c.append(("icmp_bad", bytes(v6() / ICMPv6PacketTooBig(mtu=1280) /
                                    Raw(b"\x60\x00"))))
        # errors about errors
        c.append(("icmp_bad", bytes(v4() / ICMP(type=11) /
                                    IP(src=D4, dst=S4) / ICMP(type=3))))
        c.append(("icmp_bad", bytes(v6() / ICMPv6TimeExceeded() /
                                    IPv6(src=D6, dst=S6) /
                                    ICMPv6DestUnreach())))
        # types with no translation
        c.append(("icmp_bad", bytes(v6() / Raw(b"\xc8\x00\x00\x00")) ))
        c.append(("icmp_bad", bytes(v4() / ICMP(type=13))))   # timestamp
        # fragmented ICMP (RFC 7915 §1.2)
        c.append(("icmp_bad", bytes(v4(flags="MF", proto=1) /
                                    Raw(bytes(ICMP(type=8) / (b"z" * 64))))))
        c.append(("icmp_bad", bytes(v6() / IPv6ExtHdrFragment(m=1, nh=58) /
                                    Raw(bytes(ICMPv6EchoRequest() /
                                              (b"z" * 64))))))
    # ICMPv6 with next header 58 but a Raw body: fix nh for the
    # untranslatable-type case
    out = []
    for cat, pkt in c:
        if cat == "icmp_bad" and pkt[6] == 59:
            pkt = pkt[:6] + b"\x3a" + pkt[7:]
        out.append((cat, pkt))
    return out


def fuzzed(n):
    # the version is fixed so that fuzzing gets past the first check
    def v4(**kw):
        return IP(version=4, src=S4, dst=D4, **kw)

    def v6(**kw):
        return IPv6(version=6, src=S6, dst=D6, **kw)
    tmpl4 = [v4() / ICMP(), v4() / UDP() / Raw(b"f" * 16), v4() / TCP(),
             v4() / ICMP(type=3, code=4) / IPerror(src=D4, dst=S4) / UDP(),
             v4(flags="MF") / UDP()]
    tmpl6 = [v6() / ICMPv6EchoRequest(), v6() / UDP() / Raw(b"f" * 16),
             v6() / TCP(), v6() / IPv6ExtHdrFragment() / UDP(),
             v6() / ICMPv6DestUnreach() / IPv6(src=D6, dst=S6) / UDP(),
             v6() / ICMPv6PacketTooBig() / IPv6(src=D6, dst=S6) / TCP()]
    out = []
    for i in range(n):
        for cat, t in (("fuzz4", tmpl4), ("fuzz6", tmpl6)):
            for _ in range(10):       # some random field sets do not build
                try:
                    out.append((cat, bytes(fuzz(t[i % len(t)]))))
                    break
                except Exception:
                    continue
    return out


def counts(pkts):
    d = {}
    for cat, _ in pkts:
        d[cat] = d.get(cat, 0) + 1
    return d


def to_tun(ifname, pkts):
    s4 = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                       socket.htons(ETH_P_IP))
    s6 = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                       socket.htons(ETH_P_IPV6))
    for i, (cat, b) in enumerate(pkts):
        if (b[0] >> 4) == 6 or cat in ("fuzz6",):
            s6.sendto(b, (ifname, ETH_P_IPV6))
        else:
            s4.sendto(b, (ifname, ETH_P_IP))
        if i % 16 == 15:      # stay under the TUN queue length
            time.sleep(0.002)


def main():
    mode = sys.argv[1]
    conf.verb = 0
    if mode == "tun":
        ifname, seed, n = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        random.seed(seed)
        pkts = deterministic() + fuzzed(n)
        to_tun(ifname, pkts)
        print(json.dumps(counts(pkts)))
    elif mode == "ttl1":
        # a burst of IPv4 TTL 1 packets: each asks for a Time Exceeded
        ifname, n = sys.argv[2], int(sys.argv[3])
        pkts = [("ttl1", bytes(v4(ttl=1, id=i) / UDP(dport=7007)))
                for i in range(n)]
        to_tun(ifname, pkts)
        print(json.dumps(counts(pkts)))
    elif mode == "wire":
        seed, n, fam = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        random.seed(seed)
        pkts = [(c, b) for c, b in fuzzed(n) if c.endswith(fam[-1])]
        for i, (cat, b) in enumerate(pkts):
            try:
                send(IP(b) if fam == "v4" else IPv6(b))
            except OSError:
                pass     # the kernel refused it: fine, nothing to test
        print(json.dumps(counts(pkts)))
    else:
        sys.exit("usage: inject.py tun IFNAME SEED N | wire SEED N v4|v6")


if __name__ == "__main__":
    main()
