# SPDX-License-Identifier: BSD-2-Clause
"""Byte-level helpers for the IPv6 -> IPv4 conformance tests (RFC 7915 §5,
RFC 4884, RFC 6791, RFC 7757).

The tests build their own ICMPv6 messages and checksums here instead of
relying on scapy's automatic fields, so a wrong value written by the
translator cannot be masked by scapy recomputing it while decoding.
"""
import ipaddress
import socket
import struct

from scapy.all import IPv6, IPv6ExtHdrFragment, Raw, UDP, raw

# Addresses (documentation space only).  The IPv6 host is IPv4-translatable
# under the WKP, the IPv4 host is IPv4-converted under the WKP.
H6_4 = "192.0.2.10"
H6 = "64:ff9b::c000:20a"          # 64:ff9b::192.0.2.10
H4 = "198.51.100.20"
H4_6 = "64:ff9b::c633:6414"       # 64:ff9b::198.51.100.20
SELF4 = "192.0.0.8"               # [siit] ipv4-address default
SELF6 = "64:ff9b::c000:8"         # pool6 + ipv4-address
ROUTER6 = "2001:db8::1234"        # untranslatable IPv6 router

PROTO_UDP = 17
PROTO_ICMP6 = 58


def a6(s):
    return ipaddress.IPv6Address(s)


def a4(s):
    return ipaddress.IPv4Address(s)


def same6(x, y):
    return a6(x) == a6(y)


def cksum(data):
    """RFC 1071 checksum of data (returns the value to store)."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def pseudo6(src, dst, length, nh):
    return (socket.inet_pton(socket.AF_INET6, src) +
            socket.inet_pton(socket.AF_INET6, dst) +
            struct.pack("!I3xB", length, nh))


def pseudo4(src, dst, length, proto):
    return (socket.inet_aton(src) + socket.inet_aton(dst) +
            struct.pack("!xBH", proto, length))


def icmp6_msg(src, dst, typ, code, rest4=b"\0\0\0\0", body=b""):
    """ICMPv6 message bytes (header + body) with a correct checksum."""
    msg = struct.pack("!BBH", typ, code, 0) + rest4 + body
    c = cksum(pseudo6(src, dst, len(msg), 58) + msg)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def icmp6_pkt(src, dst, typ, code, rest4=b"\0\0\0\0", body=b"", hlim=64,
              tc=0):
    """A complete IPv6 packet carrying one ICMPv6 message."""
    msg = icmp6_msg(src, dst, typ, code, rest4, body)
    return raw(IPv6(src=src, dst=dst, nh=58, hlim=hlim, tc=tc) / Raw(msg))


def udp6(src=H6, dst=H4_6, sport=4000, dport=53, data=b"hello v4", hlim=64,
         tc=0):
    return raw(IPv6(src=src, dst=dst, hlim=hlim, tc=tc) /
               UDP(sport=sport, dport=dport) / Raw(data))


def udp6_sized(total, src=H6, dst=H4_6, hlim=64):
    """IPv6/UDP packet of exactly `total` bytes."""
    n = total - 48
    data = bytes((i * 7 + 3) & 0xFF for i in range(n))
    p = udp6(src=src, dst=dst, data=data, hlim=hlim)
    assert len(p) == total
    return p


def inner_v4_to_v6(data=b"inner-data-0123456789", src=H4_6, dst=H6, hlim=37):
    """The packet an ICMPv6 error quotes: an IPv4-converted source sent it
    to the IPv6 host (direction v4->v6 earlier), complete and valid."""
    return raw(IPv6(src=src, dst=dst, hlim=hlim) /
               UDP(sport=5000, dport=53) / Raw(data))


def icmp6_error(typ, code, rest4=b"\0\0\0\0", inner=None, src=H6, dst=H4_6,
                hlim=64):
    if inner is None:
        inner = inner_v4_to_v6()
    return icmp6_pkt(src, dst, typ, code, rest4, inner, hlim=hlim)


def frag6(src, dst, nh, upper, pieces, ident=0x12345678, hlim=64):
    """Split an upper-layer payload (bytes, checksum already valid for the
    whole datagram) into IPv6 fragments.  pieces = list of (offset, length)
    with offsets multiple of 8; the last one gets M=0."""
    out = []
    for i, (off, ln) in enumerate(pieces):
        m = 0 if i == len(pieces) - 1 else 1
        out.append(raw(IPv6(src=src, dst=dst, hlim=hlim) /
                       IPv6ExtHdrFragment(nh=nh, id=ident, offset=off // 8,
                                          m=m) /
                       Raw(upper[off:off + ln])))
    return out


def udp6_upper(src, dst, data, sport=4000, dport=53):
    """UDP header+data bytes with the checksum valid for src/dst."""
    hdr = struct.pack("!HHHH", sport, dport, 8 + len(data), 0)
    c = cksum(pseudo6(src, dst, 8 + len(data), 17) + hdr + data)
    if c == 0:
        c = 0xFFFF
    return hdr[:6] + struct.pack("!H", c) + data


# ---- checks on emitted IPv4 ----------------------------------------------

def ip4_fields(b):
    ihl = (b[0] & 15) * 4
    tl, ident, ff, ttl, proto = struct.unpack("!HHHBB", b[2:10])
    return dict(version=b[0] >> 4, ihl=ihl, tos=b[1], tl=tl, id=ident,
                df=bool(ff & 0x4000), mf=bool(ff & 0x2000),
                rsv=bool(ff & 0x8000), off=(ff & 0x1FFF) * 8, ttl=ttl,
                proto=proto, src=socket.inet_ntoa(b[12:16]),
                dst=socket.inet_ntoa(b[16:20]))


def ip4_hdr_ok(b):
    ihl = (b[0] & 15) * 4
    return cksum(b[:ihl]) == 0


def ip4_payload(b):
    f = ip4_fields(b)
    return b[f["ihl"]:f["tl"]]


def l4_ok4(b, proto=None):
    """Transport checksum of a complete, unfragmented IPv4 packet."""
    f = ip4_fields(b)
    seg = ip4_payload(b)
    proto = f["proto"] if proto is None else proto
    if proto == 1:
        return cksum(seg) == 0
    return cksum(pseudo4(f["src"], f["dst"], len(seg), proto) + seg) == 0


def icmp4(b):
    """(type, code, bytes 4-7, body) of an emitted ICMPv4 packet."""
    seg = ip4_payload(b)
    return seg[0], seg[1], seg[4:8], seg[8:]


def icmp6_of(b):
    """(type, code, bytes 4-7, body) of an emitted IPv6/ICMPv6 packet
    without extension headers."""
    assert b[0] >> 4 == 6 and b[6] == 58, "not a plain ICMPv6 packet"
    seg = b[40:]
    return seg[0], seg[1], seg[4:8], seg[8:]


def icmp6_ok(b):
    src = socket.inet_ntop(socket.AF_INET6, b[8:24])
    dst = socket.inet_ntop(socket.AF_INET6, b[24:40])
    seg = b[40:]
    return cksum(pseudo6(src, dst, len(seg), 58) + seg) == 0


def ip6_src(b):
    return socket.inet_ntop(socket.AF_INET6, b[8:24])


def ip6_dst(b):
    return socket.inet_ntop(socket.AF_INET6, b[24:40])


def reassemble4(frags):
    """Join IPv4 fragments (bytes) by offset; check they tile exactly."""
    parts = sorted(((ip4_fields(f)["off"], ip4_payload(f), ip4_fields(f))
                    for f in frags), key=lambda t: t[0])
    data = b""
    for off, pl, f in parts:
        assert off == len(data), "fragment gap/overlap at %d" % off
        data += pl
    assert not parts[-1][2]["mf"], "last fragment has MF set"
    return data


def ext_structure(objs):
    """RFC 4884 extension structure (version 2) with a valid checksum.
    objs: list of (class_num, c_type, payload)."""
    body = b""
    for cn, ct, pl in objs:
        body += struct.pack("!HBB", 4 + len(pl), cn, ct) + pl
    hdr = struct.pack("!BBH", 0x20, 0, 0)
    c = cksum(hdr + body)
    return struct.pack("!BBH", 0x20, 0, c) + body
