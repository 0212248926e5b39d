# SPDX-License-Identifier: BSD-2-Clause
"""Packet builders and checks for the stateful NAT64 conformance tests
(RFC 6146, RFC 4787, RFC 5382, RFC 5508, RFC 6888, RFC 7857).

Topology (offline, one translator; documentation addresses only):

    IPv6 clients                        sixgate NAT64                IPv4 side
    A  2001:db8:a::1   \\            pool6 64:ff9b::/96           Z  198.51.100.20
    A2 2001:db8:a::2    >--------   pool4 192.0.2.1 61001-61100 --- Z2 198.51.100.21
    B  2001:db8:b::1   /                                         R  203.0.113.1 (router)
    R6 2001:db8:ffff::1 (IPv6 router)

A and A2 share the /64 subscriber prefix 2001:db8:a::/64.  The IPv4 hosts
are reached from IPv6 as 64:ff9b::Z.  tick(t) is an IPv4 packet to a
non-pool address: it is dropped (nat64_not_pool) but moves the clock, so
whatever is due by t expires first.
"""
import ipaddress

from scapy.all import (ICMP, ICMPv6DestUnreach, ICMPv6EchoReply,
                       ICMPv6EchoRequest, ICMPv6TimeExceeded, IP, IPv6,
                       Raw, TCP, UDP, raw)

from conftest import CONF_NAT64

A6 = "2001:db8:a::1"
A26 = "2001:db8:a::2"
B6 = "2001:db8:b::1"
C6 = "2001:db8:c::1"
R6 = "2001:db8:ffff::1"
Z4 = "198.51.100.20"
Z24 = "198.51.100.21"
R4 = "203.0.113.1"
T4 = "192.0.2.1"
PREF = "64:ff9b::"

CONF = CONF_NAT64

# TCP flag sets
SYN, SYNACK, ACK, FIN, FINACK, RST, PA = "S", "SA", "A", "F", "FA", "R", "PA"


def conf(*lines, base=CONF):
    """The base [nat64] config plus extra lines."""
    return base + "".join(l + "\n" for l in lines)


def conf_pool(pool_lines, *lines, pref64="64:ff9b::/96"):
    """A config with its own pool4 lines (a list) instead of the default."""
    text = ("pref64 = %s\nallow-nonglobal-wkp = yes\n[nat64]\n" % pref64 +
            "".join("pool4 = %s\n" % p for p in pool_lines))
    return text + "".join(l + "\n" for l in lines)


def m6(v4, pref=PREF):
    """Pref64::v4 (RFC 6052 /96)."""
    return str(ipaddress.IPv6Address(pref + v4)) if pref.endswith("::") \
        else pref


def same6(a, b):
    return ipaddress.IPv6Address(a) == ipaddress.IPv6Address(b)


def ts(p):
    return float(p.time)


# ---- builders ------------------------------------------------------------

def u6(src=A6, dst=Z4, sport=5000, dport=53, data=b"query", hlim=64):
    return IPv6(src=src, dst=m6(dst), hlim=hlim) / UDP(sport=sport,
                                                       dport=dport) / data


def u4(t, src=Z4, dst=T4, sport=53, data=b"answer", ttl=64, flags=0):
    """UDP from an IPv4 host to pool4 (T, t)."""
    return IP(src=src, dst=dst, ttl=ttl, flags=flags) / UDP(
        sport=sport, dport=t) / data


def t6(flags, src=A6, dst=Z4, sport=40000, dport=80, seq=1000, ack=0,
       data=b""):
    p = IPv6(src=src, dst=m6(dst)) / TCP(sport=sport, dport=dport,
                                         flags=flags, seq=seq, ack=ack)
    return p / data if data else p


def t4(flags, t, src=Z4, dst=T4, sport=80, seq=5000, ack=0, data=b""):
    p = IP(src=src, dst=dst) / TCP(sport=sport, dport=t, flags=flags,
                                   seq=seq, ack=ack)
    return p / data if data else p


def e6(ident=0x1234, src=A6, dst=Z4, seq=1):
    return IPv6(src=src, dst=m6(dst)) / ICMPv6EchoRequest(id=ident, seq=seq,
                                                          data=b"ping")


def e4(ident, src=Z4, dst=T4, typ=0, seq=1):
    """ICMPv4 echo reply (typ 0) or request (typ 8) to pool4 id ident."""
    return IP(src=src, dst=dst) / ICMP(type=typ, id=ident, seq=seq) / b"ping"


def tick(t):
    """(t, packet) that only moves the clock (dropped as nat64_not_pool)."""
    return (t, IP(src=Z4, dst="203.0.113.99") / UDP(sport=9, dport=9))


def err4(typ, code, inner, src=R4, dst=T4, rest=0):
    """ICMPv4 error quoting inner (an IPv4 packet as it left the NAT64)."""
    return IP(src=src, dst=dst) / ICMP(type=typ, code=code,
                                       unused=rest) / raw(inner)


def err6(cls, inner, src=A6, dst=Z4, **kw):
    """ICMPv6 error (scapy class) quoting inner (an IPv6 packet)."""
    return IPv6(src=src, dst=m6(dst)) / cls(**kw) / raw(inner)


# ---- checks --------------------------------------------------------------

def csum_ok(p):
    """Outer IPv4 header checksum and transport/ICMP checksum are what
    scapy computes when the fields are deleted (fragments after the first
    only have their IPv4 header checked)."""
    b = raw(p)
    q = p.__class__(b)
    frag = q.version == 4 and (q.frag or q.flags.MF)
    if q.version == 4:
        del q.chksum
    l4 = q.payload
    if q.version == 6 and l4.name == "IPv6 Extension Header - Fragmentation header":
        frag = True
    if not frag:
        for f in ("chksum", "cksum"):
            if f in l4.fields:
                delattr(l4, f)
                break
    return raw(q.__class__(raw(q))) == b


def first_udp4(run):
    ps = [p for p in run.v4() if UDP in p]
    assert ps, run.stderr
    return ps[0]


def mapping_of(pkt4):
    """(T, t) of a packet translated v6->v4 (its IPv4 source)."""
    l4 = pkt4.payload
    if pkt4.proto == 1:
        return pkt4.src, l4.id
    return pkt4.src, l4.sport


def mapped(events, conf_text=CONF, **kw):
    """Run; return (run, (T, t) of the first v6->v4 packet out)."""
    from conftest import nat64_run
    r = nat64_run(events, conf_text, **kw)
    assert r.v4(), r.stderr
    return r, mapping_of(r.v4()[0])
