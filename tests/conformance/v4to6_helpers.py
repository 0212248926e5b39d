# SPDX-License-Identifier: BSD-2-Clause
"""Helpers shared by the IPv4 -> IPv6 conformance tests (RFC 6052, RFC 7915 §4,
RFC 4884): raw-byte builders and checkers written from the RFC formats, so the
tests do not depend on scapy re-serialising what it parsed.
"""
import ipaddress
import os
import struct
import tempfile


# A network-specific prefix: RFC 6052 §3.1 does not apply to it, so the
# documentation addresses translate without allow-nonglobal-wkp.
NSP = "2001:db8:64::"
CONF_NSP = "pref64 = 2001:db8:64::/96\n[siit]\n"

# The translator's own IPv4 address for the errors it generates (design
# decision: [siit] ipv4-address, default 192.0.0.8, RFC 7600).
SELF4 = "192.0.0.8"

# Addresses used throughout: an IPv6 host represented as H4 on the IPv4 side,
# an IPv4 host R4, and an IPv4 router RTR4 that sends errors.
H4 = "192.0.2.1"
R4 = "198.51.100.10"
RTR4 = "203.0.113.1"


def conf(extra_siit="", pref64="2001:db8:64::/96", glob=""):
    """Config text with the NSP and extra [siit] lines."""
    return "pref64 = %s\n%s\n[siit]\n%s\n" % (pref64, glob, extra_siit)


def m6(v4, prefix=NSP):
    """RFC 6052 /96 composition (prefix must be a /96)."""
    return str(ipaddress.IPv6Address(
        int(ipaddress.IPv6Address(prefix)) | int(ipaddress.IPv4Address(v4))))


def a6(b):
    return str(ipaddress.IPv6Address(bytes(b)))


def a4(b):
    return str(ipaddress.IPv4Address(bytes(b)))


def p6(s):
    return ipaddress.IPv6Address(s).packed


def p4(s):
    return ipaddress.IPv4Address(s).packed


# ---------------------------------------------------------------- checksums

def ones_sum(data):
    """16-bit one's complement sum (folded), RFC 1071."""
    if len(data) % 2:
        data = bytes(data) + b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def cksum(data):
    return (~ones_sum(data)) & 0xFFFF


def pseudo6(src, dst, nh, length):
    return bytes(src) + bytes(dst) + struct.pack("!IxxxB", length, nh)


def pseudo4(src, dst, proto, length):
    return bytes(src) + bytes(dst) + struct.pack("!xBH", proto, length)


def l4_ok6(src, dst, nh, l4):
    """True if the upper-layer checksum of l4 is right under the IPv6
    pseudo-header (RFC 8200 §8.1)."""
    return ones_sum(pseudo6(src, dst, nh, len(l4)) + bytes(l4)) == 0xFFFF


def l4_ok4(src, dst, proto, l4):
    return ones_sum(pseudo4(src, dst, proto, len(l4)) + bytes(l4)) == 0xFFFF


def ip4_hdr_ok(b):
    ihl = (b[0] & 0xF) * 4
    return ones_sum(b[:ihl]) == 0xFFFF


# ---------------------------------------------------------------- builders

def ip4(src, dst, proto, payload, ttl=64, tos=0, ident=0x1234, df=False,
        mf=False, frag=0, options=b"", total=None, csum=True):
    """Raw IPv4 packet. frag is the offset in 8-byte units."""
    assert len(options) % 4 == 0
    ihl = 5 + len(options) // 4
    tl = total if total is not None else ihl * 4 + len(payload)
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | frag
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, tl, ident, flags, ttl,
                    proto, 0, p4(src), p4(dst)) + options
    if csum:
        h = h[:10] + struct.pack("!H", cksum(h)) + h[12:]
    return h + bytes(payload)


def udp4(src, dst, sport, dport, data, csum="auto"):
    """UDP segment with a correct IPv4 checksum ('auto'), a fixed value,
    or 0."""
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + bytes(data)
    if csum == "auto":
        c = cksum(pseudo4(p4(src), p4(dst), 17, len(u)) + u) or 0xFFFF
    else:
        c = csum
    return u[:6] + struct.pack("!H", c) + u[8:]


def tcp4(src, dst, sport, dport, data, seq=1000, flags=0x18, csum="auto"):
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 8192,
                    0, 0) + bytes(data)
    if csum == "auto":
        c = cksum(pseudo4(p4(src), p4(dst), 6, len(t)) + t)
    else:
        c = csum
    return t[:16] + struct.pack("!H", c) + t[18:]


def icmp4(typ, code, rest, body):
    """ICMPv4 message: rest is the 4 bytes after the checksum."""
    m = struct.pack("!BBH", typ, code, 0) + bytes(rest) + bytes(body)
    return m[:2] + struct.pack("!H", cksum(m)) + m[4:]


def udp_pkt(src=H4, dst=R4, data=b"hello sixgate", sport=5000, dport=53,
            **kw):
    return ip4(src, dst, 17, udp4(src, dst, sport, dport, data), **kw)


def echo4(src=R4, dst=H4, ident=0x4242, seq=7, data=b"ping-data-0123",
          typ=8, **kw):
    return ip4(src, dst, 1, icmp4(typ, 0, struct.pack("!HH", ident, seq),
                                  data), **kw)


def inner_udp(src=H4, dst=R4, data=b"quoted-payload!!", ttl=17, **kw):
    """The packet an IPv6 host (H4) sent to R4, as quoted in an error."""
    return udp_pkt(src, dst, data, ttl=ttl, **kw)


def err4(typ, code, inner, rest=b"\0\0\0\0", src=RTR4, dst=H4, ttl=64,
         **kw):
    """An ICMPv4 error from an IPv4 router back to H4 quoting inner."""
    return ip4(src, dst, 1, icmp4(typ, code, rest, inner), ttl=ttl, **kw)


def ext_struct(objects, version=2):
    """RFC 4884 §7 extension structure with a valid checksum."""
    body = b"".join(struct.pack("!HBB", 4 + len(p), cn, ct) + p
                    for cn, ct, p in objects)
    h = struct.pack("!BBH", version << 4, 0, 0) + body
    return h[:2] + struct.pack("!H", cksum(h)) + h[4:]


# ---------------------------------------------------------------- parsers

class P6:
    """A parsed IPv6 packet (raw bytes), walking a Fragment header."""

    def __init__(self, b):
        b = bytes(b)
        self.raw = b
        assert b[0] >> 4 == 6, "not IPv6: %r" % b[:1]
        self.version = b[0] >> 4
        self.tc = ((b[0] & 0xF) << 4) | (b[1] >> 4)
        self.flow = ((b[1] & 0xF) << 16) | (b[2] << 8) | b[3]
        self.plen, self.nh, self.hlim = struct.unpack("!HBB", b[4:8])
        self.src_b, self.dst_b = b[8:24], b[24:40]
        self.src, self.dst = a6(self.src_b), a6(self.dst_b)
        self.frag = None
        nh, off = self.nh, 40
        if nh == 44:
            fnh, _, fo, ident = struct.unpack("!BBHI", b[40:48])
            self.frag = dict(nh=fnh, offset=fo >> 3, m=fo & 1,
                             res=(fo >> 1) & 3, reserved8=b[41], id=ident)
            nh, off = fnh, 48
        self.ulp = nh
        self.l4 = b[off:]
        self.l4_off = off

    def l4_ok(self):
        return l4_ok6(self.src_b, self.dst_b, self.ulp, self.l4)


class P4:
    def __init__(self, b):
        b = bytes(b)
        self.raw = b
        assert b[0] >> 4 == 4, "not IPv4"
        self.ihl = (b[0] & 0xF) * 4
        (self.tos, self.tl, self.id, fl, self.ttl, self.proto,
         self.csum) = struct.unpack("!xBHHHBBH", b[:12])
        self.df = bool(fl & 0x4000)
        self.mf = bool(fl & 0x2000)
        self.offset = fl & 0x1FFF
        self.src, self.dst = a4(b[12:16]), a4(b[16:20])
        self.src_b, self.dst_b = b[12:16], b[16:20]
        self.l4 = b[self.ihl:self.tl]


def translated_inner6(inner4, prefix=NSP, hlim=None):
    """Expected IPv6 form of a complete IPv4 packet quoted in an error
    (RFC 7915 §4.3: translated like any packet, TTL not decremented).
    UDP/TCP checksums are recomputed from scratch for comparison."""
    q = P4(inner4)
    src, dst = p6(m6(q.src, prefix)), p6(m6(q.dst, prefix))
    l4 = bytearray(q.l4)
    nh = 58 if q.proto == 1 else q.proto
    if q.proto == 17:
        l4[6:8] = b"\0\0"
        c = cksum(pseudo6(src, dst, 17, len(l4)) + bytes(l4)) or 0xFFFF
        l4[6:8] = struct.pack("!H", c)
    elif q.proto == 6:
        l4[16:18] = b"\0\0"
        l4[16:18] = struct.pack("!H", cksum(pseudo6(src, dst, 6, len(l4))
                                            + bytes(l4)))
    elif q.proto == 1:
        l4[0] = {8: 128, 0: 129}[l4[0]]
        l4[2:4] = b"\0\0"
        l4[2:4] = struct.pack("!H", cksum(pseudo6(src, dst, 58, len(l4))
                                          + bytes(l4)))
    hdr = struct.pack("!IHBB", (6 << 28) | (q.tos << 20), len(l4), nh,
                      q.ttl if hlim is None else hlim) + src + dst
    return hdr + bytes(l4)


def reassemble6(frags):
    """Reassemble IPv6 fragments (P6 objects); returns the payload bytes
    after the Fragment header."""
    parts = sorted(frags, key=lambda f: f.frag["offset"])
    data = b""
    for f in parts:
        assert f.frag["offset"] * 8 == len(data), "gap or overlap"
        data += f.l4
    assert parts[-1].frag["m"] == 0
    return data


# ---------------------------------------------------------------- config

def config_check(text):
    """Run `sixgatectl config check -c FILE`; return (rc, stderr, stdout)."""
    from conftest import config_check as check
    r, _ = check(text)
    return r.returncode, r.stderr, r.stdout


def translate_rc(text, pkts):
    """Run translate with a config that may be refused; return (rc, err)."""
    from conftest import _write_pcap, run_translate
    with tempfile.TemporaryDirectory() as d:
        inp, outp = os.path.join(d, "in.pcap"), os.path.join(d, "out.pcap")
        _write_pcap(inp, pkts)
        r = run_translate(text, inp, outp)
        return r.returncode, r.stderr


def udp6(src, dst, sport, dport, data):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + bytes(data)
    c = cksum(pseudo6(p6(src), p6(dst), 17, len(u)) + u) or 0xFFFF
    return u[:6] + struct.pack("!H", c) + u[8:]


def ip6(src, dst, nh, payload, hlim=64, tc=0):
    return struct.pack("!IHBB", (6 << 28) | (tc << 20), len(payload), nh,
                       hlim) + p6(src) + p6(dst) + bytes(payload)


def udp6_pkt(src, dst, data=b"hello sixgate", sport=5000, dport=53, **kw):
    return ip6(src, dst, 17, udp6(src, dst, sport, dport, data), **kw)


def compose(prefix, plen, v4):
    """RFC 6052 §2.2 composition written from the RFC's Figure 1: the
    32 bits of v4 follow the prefix, skipping bits 64-71 (the u octet)."""
    out = bytearray(16)
    pb = p6(prefix)
    out[:plen // 8] = pb[:plen // 8]
    pos = plen // 8
    for byte in p4(v4):
        if pos == 8:
            pos += 1
        out[pos] = byte
        pos += 1
    return a6(out)


def only_errors_back(out, family, typ, code):
    """True if every emitted packet is an ICMP error of (typ, code) of the
    given family (an allowed RFC 7915 §4.4 / §5.4 answer to a drop) and no
    translated packet left."""
    for b in out:
        if b[0] >> 4 != family:
            return False
        if family == 4:
            q = P4(b)
            if q.proto != 1 or q.l4[:2] != bytes([typ, code]):
                return False
        else:
            q = P6(b)
            if q.ulp != 58 or q.l4[:2] != bytes([typ, code]):
                return False
    return True


def scapy_l4_ok(raw6):
    """Independent cross-check with scapy: rebuild the transport checksum
    of an unfragmented IPv6 packet and compare with what was sent."""
    from scapy.all import IPv6, UDP, TCP, ICMPv6EchoRequest, \
        ICMPv6EchoReply, raw
    p = IPv6(bytes(raw6))
    for cls in (UDP, TCP, ICMPv6EchoRequest, ICMPv6EchoReply):
        if cls in p:
            layer = p[cls]
            name = "chksum" if cls in (UDP, TCP) else "cksum"
            sent = getattr(layer, name)
            delattr(layer, name)
            rebuilt = getattr(IPv6(raw(p))[cls], name)
            return sent == rebuilt
    raise AssertionError("no transport layer scapy knows")
