# SPDX-License-Identifier: BSD-2-Clause
"""RFC 7915 §4 (IPv4 -> IPv6), the v4->v6 lines of RFC 7915 §1.2/§1.4, and the
MTU summary (checklist section 5), through `sixgatectl translate`.

Topology of every test (offline, one translator):

    IPv4 side                        sixgate                 IPv6 side
    R4 198.51.100.10  ----------->  [siit]  ----------->  H6 = pool6 + H4
    RTR4 203.0.113.1 (router)       pool6 2001:db8:64::/96   (H4 192.0.2.1)

Packets are built as raw bytes from the RFC formats (v4to6_helpers) and the
output is parsed from raw bytes.  Errors the translator generates come from
[siit] ipv4-address (default 192.0.0.8).
"""
import struct

import pytest

from conftest import xlat_raw
from v4to6_helpers import (CONF_NSP, H4, R4, RTR4, SELF4, P4, P6, cksum,
                           conf, echo4, err4, icmp4, inner_udp, ip4,
                           ip4_hdr_ok, l4_ok4, l4_ok6, m6, ones_sum, p4, p6,
                           pseudo6, reassemble6, scapy_l4_ok, tcp4,
                           translated_inner6, udp4, udp_pkt)
from v4to6_helpers import a6 as a6_of


def run(pkts, text=CONF_NSP):
    out, summ = xlat_raw(pkts if isinstance(pkts, list) else [pkts], text)
    return out, summ


def only6(pkt, text=CONF_NSP):
    out, summ = run(pkt, text)
    assert len(out) == 1, (len(out), summ)
    assert summ["dropped"] == 0, summ
    return P6(out[0])


def dropped_silently(pkt, reason=None, text=CONF_NSP):
    out, summ = run(pkt, text)
    assert out == [], "expected a silent drop, got %d packet(s)" % len(out)
    assert summ["dropped"] == 1, summ
    if reason:
        assert summ.get(reason) == 1, summ
    return summ


def sized_udp(total, df=False, src=H4, dst=R4, **kw):
    """UDP/IPv4 packet with IPv4 Total Length == total."""
    data = bytes((i * 7) & 0xFF for i in range(total - 28))
    return udp_pkt(src, dst, data, df=df, **kw)


def icmp4_error_of(outpkt):
    """Parse a translator-generated ICMPv4 error; check its checksums."""
    e = P4(outpkt)
    assert ip4_hdr_ok(outpkt), "bad IPv4 header checksum on generated error"
    assert e.proto == 1
    assert ones_sum(e.l4) == 0xFFFF, "bad ICMPv4 checksum on generated error"
    return e


# =============================================================== §4, §4.1
# Fragmentation and DF

def test_rfc7915_4_1_df0_fits_no_fragment_header():
    # covers: RFC 7915 §4 (DF=0, fits: MUST NOT add a Fragment header),
    # §4.1 (lowest-ipv6-mtu defaults to 1280: 1260 + 20 = 1280 fits)
    o = only6(sized_udp(1260))
    assert o.nh == 17 and o.frag is None
    assert len(o.raw) == 1280


def test_rfc7915_4_1_df0_fragmented_to_1280():
    # covers: RFC 7915 §4, §4.1 (DF=0 over lowest-ipv6-mtu: fragments with
    # the Fragment header fit 1280, at most 1232 bytes of IPv4 payload each;
    # Fragment header fields), RFC 7915 §1.4 (behaves as a router)
    pkt = sized_udp(1261 + 2000, ident=0xBEEF)
    out, summ = run(pkt)
    assert summ["dropped"] == 0, summ
    assert len(out) >= 3
    frags = [P6(b) for b in out]
    for f in frags:
        assert len(f.raw) <= 1280
        assert f.nh == 44 and f.frag["nh"] == 17
        assert f.frag["id"] == 0xBEEF, "ID: IPv4 ID in the low 16 bits"
        assert f.frag["res"] == 0 and f.frag["reserved8"] == 0
        assert len(f.l4) <= 1232
        assert f.plen == len(f.raw) - 40
    for f in frags[:-1]:
        assert f.frag["m"] == 1 and len(f.l4) % 8 == 0
    payload = reassemble6(frags)
    q = P4(pkt)
    assert payload[8:] == q.l4[8:], "data must be left unchanged"
    assert payload[:4] == q.l4[:4]
    o = frags[0]
    assert l4_ok6(o.src_b, o.dst_b, 17, payload), "UDP checksum not updated"


def test_rfc7915_4_1_lowest_ipv6_mtu_configurable():
    # covers: RFC 7915 §4.1 (lowest-ipv6-mtu can be raised, MUST)
    text = conf("lowest-ipv6-mtu = 1500")
    o = only6(sized_udp(1480), text)
    assert o.frag is None and len(o.raw) == 1500
    out, summ = run(sized_udp(1481), text)
    assert len(out) == 2 and summ["dropped"] == 0
    for b in out:
        f = P6(b)
        assert f.frag is not None and len(b) <= 1500
    # and a packet the default would fragment is not fragmented
    o = only6(sized_udp(1300), text)
    assert o.frag is None


def test_rfc7915_4_df1_no_fragment_header():
    # covers: RFC 7915 §4 (DF=1, not a fragment: no Fragment header),
    # RFC 7915 §2 + RFC 8021 (no atomic fragments)
    o = only6(sized_udp(100, df=True))
    assert o.frag is None and o.nh == 17
    o = only6(sized_udp(1400, df=True))        # 1420 <= ipv6-mtu 1500
    assert o.frag is None and len(o.raw) == 1420


def test_rfc7915_4_1_df1_exact_fit_translated():
    o = only6(sized_udp(1480, df=True))        # 1500 == ipv6-mtu
    assert o.frag is None and len(o.raw) == 1500


@pytest.mark.parametrize("df,mf,off", [(False, True, 0), (False, False, 100),
                                       (True, False, 100), (False, True, 37)])
def test_rfc7915_4_1_fragment_always_gets_fragment_header(df, mf, off):
    # covers: RFC 7915 §4, §4.1 (an IPv4 fragment always gets a Fragment
    # header; offset copied, M = MF, ID low 16 bits, high bits zero)
    data = bytes(range(200)) * 2
    if off:
        pkt = ip4(H4, R4, 17, data, df=df, mf=mf, frag=off, ident=0xA1B2)
    else:
        pkt = ip4(H4, R4, 17, udp4(H4, R4, 1, 2, data, csum=0x1234)[:400],
                  df=df, mf=mf, ident=0xA1B2)
    o = only6(pkt)
    assert o.nh == 44
    assert o.frag == dict(nh=17, offset=off, m=int(mf), res=0, reserved8=0,
                          id=0xA1B2)
    assert o.plen == len(P4(pkt).l4) + 8


def test_rfc7915_4_1_fragmented_udp_checksum_adjusted():
    # covers: RFC 7915 §4.5 (checksum of a fragmented datagram updated in the
    # first fragment, so the reassembled IPv6 datagram verifies)
    data = bytes((i * 13) & 0xFF for i in range(600))
    u = udp4(H4, R4, 4000, 4001, data)
    f1 = ip4(H4, R4, 17, u[:304], mf=True, ident=77)
    f2 = ip4(H4, R4, 17, u[304:], frag=38, ident=77)
    out, summ = run([f1, f2])
    assert summ["dropped"] == 0 and len(out) == 2
    frags = [P6(b) for b in out]
    payload = reassemble6(frags)
    assert l4_ok6(frags[0].src_b, frags[0].dst_b, 17, payload)
    assert payload[8:] == u[8:]


def test_rfc7915_4_1_large_fragment_refragmented():
    # A DF=0 fragment whose translation exceeds lowest-ipv6-mtu is split
    # again; offsets stay consistent with the original.
    data = bytes((i * 3) & 0xFF for i in range(1600))
    pkt = ip4(H4, R4, 17, data, mf=True, frag=10, ident=0x55AA)
    out, summ = run(pkt)
    assert summ["dropped"] == 0 and len(out) >= 2
    frags = sorted((P6(b) for b in out), key=lambda f: f.frag["offset"])
    assert frags[0].frag["offset"] == 10
    pos = 80
    for f in frags:
        assert len(f.raw) <= 1280 and f.frag["id"] == 0x55AA
        assert f.frag["offset"] * 8 == pos
        pos += len(f.l4)
        assert f.frag["m"] == 1, "the original had MF=1: every piece has M=1"
    assert b"".join(f.l4 for f in frags) == data


@pytest.mark.parametrize("ipv6_mtu,total,frag,expect", [
    (1500, 1481, 0, 1480),
    (1400, 1381, 0, 1380),
    (1500, 1475, 185, 1472),        # already a fragment: + 8 Fragment header
])
def test_rfc7915_4_1_df1_too_big_sends_frag_needed(ipv6_mtu, total, frag,
                                                   expect):
    # covers: RFC 7915 §4.1 (DF=1 and next-hop MTU < Total Length + 20:
    # drop, ICMPv4 3/4; MTU = IPv6 MTU - 20, or - 28 with a Fragment header),
    # §1.4, RFC 1812 §4.3.2.3 (quote as much as fits in 576)
    if frag:
        pkt = ip4(H4, R4, 17, bytes(total - 20), df=True, frag=frag)
    else:
        pkt = sized_udp(total, df=True)
    text = conf("ipv6-mtu = %d" % ipv6_mtu)
    out, summ = run(pkt, text)
    assert summ["dropped"] == 1 and summ.get("too_big") == 1, summ
    assert len(out) == 1
    e = icmp4_error_of(out[0])
    assert (e.src, e.dst) == (SELF4, H4)
    typ, code, _, unused, mtu = struct.unpack("!BBHHH", e.l4[:8])
    assert (typ, code) == (3, 4)
    assert mtu == expect
    assert e.tl == 576, "RFC 1812 §4.3.2.3: quote as much as fits in 576"
    quoted = e.l4[8:]
    assert quoted[12:20] == pkt[12:20] and quoted[20:] == pkt[20:len(quoted)]
    assert quoted[:8] == pkt[:8]


# =============================================================== §4.1 fields

def test_rfc7915_4_1_version_flow_label_addresses():
    # covers: RFC 7915 §4.1 (Version 6, Flow Label 0, addresses per §6)
    o = only6(udp_pkt(H4, R4, tos=0))
    assert o.version == 6 and o.flow == 0
    assert (o.src, o.dst) == (m6(H4), m6(R4))


@pytest.mark.parametrize("tos", [0x00, 0xB8, 0x03, 0xFF, 0x28])
def test_rfc7915_4_1_traffic_class_copies_tos(tos):
    o = only6(udp_pkt(H4, R4, tos=tos))
    assert o.tc == tos and o.flow == 0


@pytest.mark.parametrize("setting,expect", [("0", 0), ("32", 32)])
def test_rfc7915_4_1_traffic_class_option(setting, expect):
    # RFC 7915 §4.1: option to ignore TOS and set TC to zero (SHOULD);
    # sixgate also allows a fixed value.
    o = only6(udp_pkt(H4, R4, tos=0xB8), conf("traffic-class = " + setting))
    assert o.tc == expect


@pytest.mark.parametrize("optlen", [0, 4, 8, 40])
def test_rfc7915_4_1_payload_length_excludes_options(optlen):
    # covers: RFC 7915 §4.1 (Payload Length = Total Length - header incl.
    # options; options ignored and not carried, §1.2)
    opts = b"\x01" * (optlen - 1) + b"\x00" if optlen else b""
    data = b"payload-bytes-" * 5
    pkt = ip4(H4, R4, 17, udp4(H4, R4, 9, 10, data), options=opts)
    o = only6(pkt)
    assert o.plen == 8 + len(data) and len(o.raw) == 40 + o.plen
    assert o.nh == 17, "no extension header may carry the options"
    assert o.l4[8:] == data and o.l4_ok()


def test_rfc7915_4_1_record_route_and_timestamp_ignored():
    # covers: RFC 7915 §4.1 (options MUST be ignored, packet translated),
    # RFC 7915 §1.2 (not carried)
    rr = bytes([7, 11, 4]) + bytes(8) + b"\x00"      # RR, 2 slots, + EOL
    ts = bytes([68, 12, 5, 0]) + bytes(8)             # Timestamp
    pkt = ip4(H4, R4, 17, udp4(H4, R4, 9, 10, b"abc"), options=rr + ts)
    o = only6(pkt)
    assert o.nh == 17 and o.plen == 11 and o.l4_ok()


@pytest.mark.parametrize("opt", [131, 137], ids=["LSRR", "SSRR"])
def test_rfc7915_4_1_unexpired_source_route_dropped(opt):
    # covers: RFC 7915 §4.1 (unexpired source route: MUST drop, SHOULD send
    # ICMPv4 3/5), §4.4
    sr = bytes([opt, 11, 4]) + p4("203.0.113.7") + p4("203.0.113.8") + b"\0"
    pkt = ip4(H4, R4, 17, udp4(H4, R4, 9, 10, b"abc"), options=sr)
    out, summ = run(pkt)
    assert summ["dropped"] == 1 and summ.get("source_route") == 1, summ
    assert len(out) == 1, "ICMPv4 3/5 SHOULD be returned"
    e = icmp4_error_of(out[0])
    assert e.dst == H4 and e.l4[:2] == b"\x03\x05"
    assert e.src == SELF4


@pytest.mark.parametrize("opt", [131, 137], ids=["LSRR", "SSRR"])
def test_rfc7915_4_1_expired_source_route_translated(opt):
    # pointer 12 > length 11: the route is used up; the option is ignored.
    sr = bytes([opt, 11, 12]) + p4("203.0.113.7") + p4("203.0.113.8") + b"\0"
    pkt = ip4(H4, R4, 17, udp4(H4, R4, 9, 10, b"abc"), options=sr)
    o = only6(pkt)
    assert o.nh == 17 and o.plen == 11


@pytest.mark.parametrize("proto,nh", [(6, 6), (17, 17), (1, 58), (132, 132),
                                      (47, 47), (50, 50), (51, 51), (33, 33),
                                      (253, 253)])
def test_rfc7915_4_1_next_header(proto, nh):
    # covers: RFC 7915 §4.1 (Next Header: 1 -> 58, others copied),
    # §4.5 (every transport forwarded, MUST), RFC 7915 §8 (ESP/AH forwarded)
    if proto == 6:
        l4 = tcp4(H4, R4, 1, 2, b"x")
    elif proto == 17:
        l4 = udp4(H4, R4, 1, 2, b"x")
    elif proto == 1:
        l4 = icmp4(8, 0, b"\0\1\0\1", b"x")
    else:
        l4 = bytes(range(40))
    o = only6(ip4(H4, R4, proto, l4))
    assert o.nh == nh and o.frag is None
    assert o.plen == len(l4)
    if proto in (132, 47, 50, 51, 253):
        assert o.l4 == l4, "payload of unknown/unsupported protocols is " \
                           "left unchanged"


def test_rfc7915_4_1_next_header_in_fragment_header():
    # A fragmented TCP packet: IPv6 Next Header 44, the protocol moves into
    # the Fragment header.
    o = only6(ip4(H4, R4, 6, bytes(64), mf=True, ident=9))
    assert o.nh == 44 and o.frag["nh"] == 6


@pytest.mark.parametrize("ttl", [64, 2, 255])
def test_rfc7915_4_1_hop_limit_decremented_once(ttl):
    o = only6(udp_pkt(H4, R4, ttl=ttl))
    assert o.hlim == ttl - 1


@pytest.mark.parametrize("ttl", [1, 0])
def test_rfc7915_4_1_ttl_expired_time_exceeded(ttl):
    # covers: RFC 7915 §4.1 (check for zero, drop, ICMPv4 11/0), §4.4
    pkt = udp_pkt(H4, R4, ttl=ttl)
    out, summ = run(pkt)
    assert summ["dropped"] == 1 and summ.get("ttl_expired") == 1, summ
    assert len(out) == 1
    e = icmp4_error_of(out[0])
    assert (e.src, e.dst) == (SELF4, H4)
    assert e.l4[:2] == b"\x0b\x00"
    assert e.l4[8:8 + 20][12:] == pkt[12:20]
    assert e.l4[8 + 20:] == pkt[20:], "short packet quoted whole"


def test_rfc7915_4_1_ipv4_address_setting_for_generated_errors():
    out, summ = run(udp_pkt(H4, R4, ttl=1), conf("ipv4-address = 203.0.113.99"))
    assert len(out) == 1 and P4(out[0]).src == "203.0.113.99"


@pytest.mark.parametrize("src", ["0.0.0.0", "0.1.2.3", "127.0.0.1",
                                 "127.255.0.9", "224.0.0.5", "239.255.255.250",
                                 "255.255.255.255", "240.0.0.1"])
def test_rfc7915_4_1_invalid_source_dropped_silently(src):
    # covers: RFC 7915 §4.1 (illegal source: SHOULD silently discard,
    # RFC 1812 §5.3.7)
    pkt = ip4(src, R4, 17, udp4(src, R4, 1, 2, b"bad source"))
    dropped_silently(pkt, "src_invalid")


def test_rfc7915_4_1_invalid_source_switch():
    pkt = ip4("127.0.0.1", R4, 17, udp4("127.0.0.1", R4, 1, 2, b"x"))
    o = only6(pkt, conf("drop-invalid-source = no"))
    assert o.src == m6("127.0.0.1")


def test_rfc7915_4_1_illegal_source_in_icmp_error_translated():
    # RFC 7915 §4.1: "when translating ICMPv4 Error Messages into ICMPv6, the
    # 'illegal' source address will be translated" (info)
    pkt = err4(3, 1, inner_udp(), src="127.0.0.1")
    o = only6(pkt)
    assert o.src == m6("127.0.0.1") and o.l4[:2] == b"\x01\x00"


@pytest.mark.parametrize("addr", ["127.0.0.1", "0.0.0.0"])
def test_rfc7915_4_1_illegal_address_inside_icmp_error_translated(addr):
    # The same note read for the quoted packet: an "illegal" address inside
    # the error is translated, not a reason to drop (checklist: info).
    inner = inner_udp(src=H4, dst=addr)
    o = only6(err4(3, 3, inner))
    q = P6(o.l4[8:])
    assert q.dst == m6(addr) and o.l4[:2] == b"\x01\x04"


# =============================================================== §4.2 queries

@pytest.mark.parametrize("dlen", [56, 57, 0])
@pytest.mark.parametrize("t4,t6", [(8, 128), (0, 129)])
def test_rfc7915_4_2_echo(t4, t6, dlen):
    # covers: RFC 7915 §4.2 (8 -> 128, 0 -> 129; id, seq, data untouched;
    # checksum recomputed with the IPv6 pseudo-header), §4.5
    data = bytes(range(dlen))
    pkt = echo4(R4, H4, ident=0xCAFE, seq=0x0102, data=data, typ=t4)
    o = only6(pkt)
    assert o.nh == 58
    assert o.l4[0] == t6 and o.l4[1] == 0
    assert o.l4[4:8] == b"\xca\xfe\x01\x02" and o.l4[8:] == data
    assert o.l4_ok(), "ICMPv6 checksum must include the pseudo-header"
    assert scapy_l4_ok(o.raw)


@pytest.mark.parametrize("typ", [13, 14, 15, 16, 17, 18, 9, 10, 1, 2, 7, 19,
                                 30, 37, 42, 253, 255])
def test_rfc7915_4_2_query_types_dropped(typ):
    # covers: RFC 7915 §4.2 (Timestamp, Information, Address Mask, Router
    # Advertisement/Solicitation and unknown types silently dropped)
    pkt = ip4(R4, H4, 1, icmp4(typ, 0, bytes(4), bytes(20)))
    dropped_silently(pkt, "icmp_type")


@pytest.mark.parametrize("igmp_type", [0x11, 0x16, 0x17, 0x22, 0x13])
def test_rfc7915_4_2_igmp_dropped(igmp_type):
    # RFC 7915 §4.2: IGMP, single-hop (membership) or routing (DVMRP 0x13),
    # SHOULD be silently dropped.  Unicast destination and TTL 64 so that
    # only the IGMP rule can apply.
    body = bytes([igmp_type, 0]) + b"\0\0" + p4("198.51.100.20")
    body = body[:2] + struct.pack("!H", cksum(body)) + body[4:]
    pkt = ip4(R4, H4, 2, body, options=b"\x94\x04\x00\x00")
    dropped_silently(pkt, "igmp")


# =============================================================== §4.2 errors

DU_MAP = {0: (1, 0), 1: (1, 0), 3: (1, 4), 5: (1, 0), 6: (1, 0), 7: (1, 0),
          8: (1, 0), 9: (1, 1), 10: (1, 1), 11: (1, 0), 12: (1, 0),
          13: (1, 1), 15: (1, 1)}


def check_error6(o, inner4, typ, code):
    """Common checks on a translated ICMPv6 error (RFC 7915 §4.2, §4.3)."""
    assert o.nh == 58 and o.frag is None
    assert (o.src, o.dst) == (m6(RTR4), m6(H4))
    assert o.l4[0] == typ and o.l4[1] == code
    assert o.l4_ok(), "ICMPv6 checksum (with pseudo-header) is wrong"
    assert o.hlim == 63, "outer TTL 64 decremented once"
    assert o.plen == len(o.raw) - 40, "outer Payload Length follows the size"
    assert o.l4[8:] == translated_inner6(inner4), \
        "inner packet translated like any packet, TTL not decremented"


@pytest.mark.parametrize("code", sorted(DU_MAP))
def test_rfc7915_4_2_dest_unreach_codes(code):
    # covers: RFC 7915 §4.2 (3/0,1,5-8,11,12 -> 1/0; 3/3 -> 1/4; 3/9,10,13,15
    # -> 1/1), §4.3 (inner translated, TTL kept, Payload Length updated,
    # inner checksum consistent)
    inner = inner_udp()
    o = only6(err4(3, code, inner))
    t, c = DU_MAP[code]
    check_error6(o, inner, t, c)
    assert o.l4[4:8] == bytes(4)


@pytest.mark.parametrize("code", [14, 16, 17, 100, 255])
def test_rfc7915_4_2_dest_unreach_other_codes_dropped(code):
    dropped_silently(err4(3, code, inner_udp()), "icmp_type")


def test_rfc7915_4_2_protocol_unreachable_param_problem_pointer_6():
    # covers: RFC 7915 §4.2 (3/2 -> 4/1, pointer to Next Header = 6, 32-bit
    # pointer field)
    inner = inner_udp()
    o = only6(err4(3, 2, inner))
    check_error6(o, inner, 4, 1)
    assert o.l4[4:8] == b"\x00\x00\x00\x06"


@pytest.mark.parametrize("typ", [4, 5, 6])
def test_rfc7915_4_2_quench_redirect_alternate_dropped(typ):
    rest = p4("203.0.113.50") if typ == 5 else bytes(4)
    dropped_silently(err4(typ, 0, inner_udp(), rest=rest), "icmp_type")


@pytest.mark.parametrize("code", [0, 1])
def test_rfc7915_4_2_time_exceeded(code):
    # covers: RFC 7915 §4.2 (11/x -> 3/x, code unchanged), §4.3
    inner = inner_udp()
    o = only6(err4(11, code, inner))
    check_error6(o, inner, 3, code)


# Figure 3 of RFC 7915.
FIG3 = {0: 0, 1: 1, 2: 4, 3: 4, 8: 7, 9: 6, 12: 8, 13: 8, 14: 8, 15: 8,
        16: 24, 17: 24, 18: 24, 19: 24}
FIG3_DROP = [4, 5, 6, 7, 10, 11, 20, 21, 24, 40, 60, 255]


@pytest.mark.parametrize("code", [0, 2])
@pytest.mark.parametrize("ptr", sorted(FIG3))
def test_rfc7915_4_2_param_problem_pointer(code, ptr):
    # covers: RFC 7915 §4.2 (12/0 and 12/2 -> 4/0, Figure 3), the 8-bit
    # pointer becoming the 32-bit ICMPv6 pointer (RFC 792, RFC 4443 formats)
    inner = inner_udp()
    o = only6(err4(12, code, inner, rest=bytes([ptr, 0, 0, 0])))
    check_error6(o, inner, 4, 0)
    assert struct.unpack("!I", o.l4[4:8])[0] == FIG3[ptr]


@pytest.mark.parametrize("ptr", FIG3_DROP)
def test_rfc7915_4_2_param_problem_pointer_untranslatable(ptr):
    out, summ = run(err4(12, 0, inner_udp(), rest=bytes([ptr, 0, 0, 0])))
    assert out == [] and summ["dropped"] == 1
    assert summ.get("icmp_pointer") == 1, summ


@pytest.mark.parametrize("code", [1, 3, 4, 200])
def test_rfc7915_4_2_param_problem_other_codes_dropped(code):
    dropped_silently(err4(12, code, inner_udp(), rest=b"\x09\0\0\0"),
                     "icmp_type")


# --------------------------------------------------------------- PTB / 3/4

def frag_needed(mtu, inner_total=1500, quoted=28):
    inner = inner_udp(df=True, data=bytes(inner_total - 28))
    inner = inner[:2] + struct.pack("!H", inner_total) + inner[4:]
    return err4(3, 4, inner[:quoted], rest=struct.pack("!HH", 0, mtu))


@pytest.mark.parametrize("field,v4mtu,v6mtu,expect", [
    (1400, 1500, 1500, 1420),       # ICMP MTU + 20 is the minimum
    (1492, 1500, 1400, 1400),       # IPv6 next hop is the minimum
    (1492, 1300, 1500, 1320),       # IPv4 next hop + 20 is the minimum
    (1000, 1500, 1500, 1280),       # never below 1280
    (68, 1500, 1500, 1280),
    (1500, 1200, 1500, 1280),       # IPv4 next hop + 20 < 1280 -> 1280
    (9000, 9000, 9000, 9000),
    (1260, 9000, 9000, 1280),
    (1261, 9000, 9000, 1281),
])
def test_rfc7915_4_2_packet_too_big_mtu(field, v4mtu, v6mtu, expect):
    # covers: RFC 7915 §4.2 (3/4 -> 2/0, max(1280, min(MTU+20, v6 next hop,
    # v4 next hop + 20)), 16-bit MTU -> 32-bit field), RFC 7915 §5 summary
    # (no PTB below 1280), checklist §5 (next-hop MTUs configurable)
    text = conf("ipv4-mtu = %d\nipv6-mtu = %d" % (v4mtu, v6mtu))
    pkt = frag_needed(field)
    out, summ = run(pkt, text)
    assert len(out) == 1, summ
    o = P6(out[0])
    assert o.l4[0] == 2 and o.l4[1] == 0 and o.l4_ok()
    assert struct.unpack("!I", o.l4[4:8])[0] == expect


@pytest.mark.parametrize("inner_total,expect", [
    (65535, 32000), (40000, 32000), (32000, 17914), (20000, 17914),
    (10000, 8166), (5000, 4352), (4352, 2002), (3000, 2002), (2002, 1492),
    (1500, 1492), (1493, 1492),
])
def test_rfc7915_4_2_packet_too_big_plateaus(inner_total, expect):
    # covers: RFC 7915 §4.2 (MTU 0: greatest RFC 1191 plateau below the
    # inner Total Length and >= 1280, MUST), the plateau fed to the formula
    # as the ICMP MTU (PROJECT), RFC 1191 §7 plateau table
    text = conf("ipv4-mtu = 65535\nipv6-mtu = 65535")
    out, summ = run(frag_needed(0, inner_total), text)
    assert len(out) == 1, summ
    o = P6(out[0])
    assert o.l4[:2] == b"\x02\x00"
    assert struct.unpack("!I", o.l4[4:8])[0] == min(expect + 20, 65535)


@pytest.mark.parametrize("inner_total", [1492, 1400, 1281, 576])
def test_rfc7915_4_2_packet_too_big_no_plateau_gives_1280(inner_total):
    text = conf("ipv4-mtu = 65535\nipv6-mtu = 65535")
    out, summ = run(frag_needed(0, inner_total), text)
    assert len(out) == 1, summ
    assert struct.unpack("!I", P6(out[0]).l4[4:8])[0] == 1280


def test_rfc7915_4_2_packet_too_big_plateau_capped_by_next_hop():
    out, summ = run(frag_needed(0, 9000))       # 8166 + 20 vs 1500 / 1520
    assert struct.unpack("!I", P6(out[0]).l4[4:8])[0] == 1500


def test_rfc7915_4_2_mtu_plateaus_setting():
    text = conf("ipv4-mtu = 65535\nipv6-mtu = 65535\n"
                "mtu-plateaus = 9000 4000 1400 68")
    out, summ = run(frag_needed(0, 5000), text)
    assert struct.unpack("!I", P6(out[0]).l4[4:8])[0] == 4020


def test_rfc7915_4_2_packet_too_big_inner_translated():
    inner = inner_udp(df=True)
    pkt = err4(3, 4, inner, rest=struct.pack("!HH", 0, 1400))
    o = only6(pkt)
    assert o.l4[8:] == translated_inner6(inner)
    assert o.plen == len(o.raw) - 40


# =============================================================== §4.3

def test_rfc7915_4_3_inner_ttl_not_decremented():
    for ttl in (1, 0, 255):
        inner = inner_udp(ttl=ttl)
        o = only6(err4(3, 1, inner))
        assert o.l4[8 + 7] == ttl
        assert o.hlim == 63


@pytest.mark.parametrize("proto", ["tcp", "icmp-echo", "udp-zero"])
def test_rfc7915_4_3_inner_transports_translated(proto):
    # covers: RFC 7915 §4.3 (inner translated like a normal packet; inner
    # transport checksum consistent with the inner address change; the inner
    # ICMPv4 echo becomes an ICMPv6 echo)
    if proto == "tcp":
        inner = ip4(H4, R4, 6, tcp4(H4, R4, 33000, 443, b"GET /"), ttl=9)
    elif proto == "icmp-echo":
        inner = echo4(H4, R4, ttl=9)
    else:
        inner = ip4(H4, R4, 17, udp4(H4, R4, 7, 8, b"z" * 12, csum=0), ttl=9)
    o = only6(err4(3, 3, inner))
    assert o.l4[:2] == b"\x01\x04" and o.l4_ok()
    q = P6(o.l4[8:])
    assert (q.src, q.dst) == (m6(H4), m6(R4)) and q.hlim == 9
    if proto == "udp-zero":
        # The quoted packet is evidence of what H6 sent: a UDP/IPv6 packet
        # can only have had a non-zero checksum; accept it left as 0 or
        # computed, but never a wrong non-zero value.
        c = struct.unpack("!H", q.l4[6:8])[0]
        assert c == 0 or q.l4_ok()
    else:
        assert q.l4_ok(), "inner checksum must match the inner addresses"
        if proto == "icmp-echo":
            assert q.nh == 58 and q.l4[0] == 128


def test_rfc7915_4_3_truncated_inner_incremental_checksum():
    # covers: RFC 7915 §4.3 (incremental inner checksum update when the
    # quoted packet is truncated), RFC 4443 §2.4(c) (<= 1280)
    inner = inner_udp(data=bytes((i * 5) & 0xFF for i in range(1372)))
    assert len(inner) == 1400
    o = only6(err4(3, 1, inner))
    assert len(o.raw) <= 1280
    full = translated_inner6(inner)
    q = o.l4[8:]
    assert q == full[:len(q)], "quote must be a prefix of the translated packet"
    assert struct.unpack("!H", q[4:6])[0] == 1380, \
        "inner Payload Length keeps the original size"


def test_rfc7915_4_3_error_truncated_to_1280():
    # covers: RFC 7915 §4.3 + RFC 4443 §2.4(c) (whole IPv6 packet <= 1280,
    # as much of the invoking packet as possible)
    inner = inner_udp(data=bytes(1500 - 28))
    pkt = err4(11, 0, inner)          # 1528-byte ICMPv4 error, DF=0
    o = only6(pkt)
    assert len(o.raw) == 1280
    assert o.plen == 1240 and o.l4_ok()


def test_rfc7915_4_3_error_in_error_dropped():
    # covers: RFC 7915 §4.3 (stop at the first embedded header; more
    # embedded headers means drop)
    inner_err = ip4(H4, R4, 1, icmp4(3, 1, bytes(4), inner_udp(R4, H4)))
    out, summ = run(err4(3, 1, inner_err))
    assert out == [] and summ["dropped"] == 1
    assert summ.get("icmp_nested") == 1, summ
    inner_err = ip4(H4, R4, 1, icmp4(11, 0, bytes(4), inner_udp(R4, H4)))
    dropped_silently(err4(12, 0, inner_err, rest=b"\x08\0\0\0"),
                     "icmp_nested")


def test_rfc7915_1_2_fragmented_icmp_not_translated():
    # covers: RFC 7915 §1.2 (fragmented ICMPv4 is not translated)
    body = icmp4(8, 0, b"\0\1\0\1", bytes(64))
    first = ip4(R4, H4, 1, body[:40], mf=True, ident=3)
    rest = ip4(R4, H4, 1, body[40:], frag=5, ident=3)
    out, summ = run([first, rest])
    assert out == []
    assert summ["dropped"] == 2 and summ.get("icmp_fragmented") == 2, summ


def test_rfc7915_4_4_no_error_about_an_error():
    # covers: RFC 7915 §4.4 (never an ICMPv4 error about an ICMPv4 error):
    # an expiring or too-big error, or an untranslatable one, gets no answer.
    dropped_silently(err4(3, 1, inner_udp(), ttl=1), "ttl_expired")
    # A DF=1 error bigger than the IPv6 MTU is truncated to 1280 (RFC 4443
    # §2.4(c)), never answered with Fragmentation Needed.
    big = err4(11, 0, inner_udp(data=bytes(1472)), df=True)
    assert len(big) == 1528
    out, summ = run(big, conf("ipv6-mtu = 1280"))
    assert len(out) == 1 and out[0][0] >> 4 == 6, summ
    assert len(out[0]) <= 1280
    dropped_silently(err4(3, 14, inner_udp()), "icmp_type")


def test_rfc7915_4_4_icmp_errors_off():
    # covers: RFC 7915 §4.4 (configurable: on / off; counted anyway)
    text = conf("icmp-errors = no")
    out, summ = run(udp_pkt(H4, R4, ttl=1), text)
    assert out == [] and summ.get("ttl_expired") == 1
    out, summ = run(sized_udp(1481, df=True), text)
    assert out == [] and summ.get("too_big") == 1


# =============================================================== §4.5

def test_rfc7915_4_5_tcp_udp_checksums_updated():
    # covers: RFC 7915 §4.5 (TCP/UDP checksums updated, MUST; always, PROJECT)
    for pkt in (ip4(H4, R4, 6, tcp4(H4, R4, 40000, 80, b"x" * 33)),
                udp_pkt(H4, R4, b"y" * 101)):
        o = only6(pkt)
        assert o.l4_ok() and scapy_l4_ok(o.raw)
        assert o.l4[8 if o.ulp == 17 else 20:] == P4(pkt).l4[
            8 if o.ulp == 17 else 20:]


@pytest.mark.parametrize("kind", ["udp", "tcp", "icmp"])
def test_rfc7915_4_5_bad_checksum_stays_bad(kind):
    # A wrong transport checksum is carried over as wrong (incremental
    # update, RFC 1624): not repaired, not dropped.
    if kind == "udp":
        l4 = bytearray(udp4(H4, R4, 1, 2, b"bad checksum"))
        l4[6] ^= 0x5A
        proto = 17
    elif kind == "tcp":
        l4 = bytearray(tcp4(H4, R4, 1, 2, b"bad checksum"))
        l4[16] ^= 0x5A
        proto = 6
    else:
        l4 = bytearray(icmp4(8, 0, b"\0\1\0\1", b"bad checksum"))
        l4[2] ^= 0x5A
        proto = 1
    if proto == 1:
        assert ones_sum(bytes(l4)) != 0xFFFF
    else:
        assert not l4_ok4(p4(H4), p4(R4), proto, l4)
    out, summ = run(ip4(H4, R4, proto, bytes(l4)))
    assert len(out) == 1 and summ["dropped"] == 0, summ
    o = P6(out[0])
    assert not o.l4_ok(), "bad checksum must not be repaired"


def test_rfc7915_4_5_udp_zero_checksum_compute():
    # covers: RFC 7915 §4.5 (option 2: compute then forward; default)
    pkt = ip4(H4, R4, 17, udp4(H4, R4, 1, 2, b"no checksum", csum=0))
    o = only6(pkt)
    assert struct.unpack("!H", o.l4[6:8])[0] != 0 and o.l4_ok()


def test_rfc7915_4_5_udp_zero_checksum_drop():
    # covers: RFC 7915 §4.5 (option 1: drop and count)
    pkt = ip4(H4, R4, 17, udp4(H4, R4, 1, 2, b"no checksum", csum=0))
    dropped_silently(pkt, "udp_zero_csum", conf("udp-zero-checksum = drop"))


@pytest.mark.parametrize("policy", ["compute", "drop"])
def test_rfc7915_4_5_udp_zero_checksum_first_fragment(policy):
    # covers: RFC 7915 §4.5 (zero checksum in a first fragment: SHOULD drop;
    # later fragments translated normally, PROJECT)
    u = udp4(H4, R4, 1, 2, bytes(200), csum=0)
    f1 = ip4(H4, R4, 17, u[:104], mf=True, ident=5)
    f2 = ip4(H4, R4, 17, u[104:], frag=13, ident=5)
    out, summ = run([f1, f2], conf("udp-zero-checksum = " + policy))
    assert summ.get("udp_zero_csum") == 1, summ
    assert len(out) == 1
    o = P6(out[0])
    assert o.frag["offset"] == 13 and o.l4 == u[104:]


def _udp_payload_for_zero_sum(src6, dst6):
    """UDP data making the IPv6 checksum compute to 0 (-> sent as 0xFFFF)."""
    data = bytearray(b"zero-sum" + b"\0\0")
    u = struct.pack("!HHHH", 1, 2, 8 + len(data), 0) + bytes(data)
    s = ones_sum(pseudo6(src6, dst6, 17, len(u)) + u)
    # choose the last word w so that s + w == 0xFFFF (one's complement)
    w = (0xFFFF - s) & 0xFFFF
    data[-2:] = struct.pack("!H", w)
    return bytes(data)


def test_rfc768_computed_zero_checksum_sent_as_ffff():
    # covers: RFC 768 / RFC 8200 §8.1 (a computed 0 is sent as 0xFFFF), for
    # both the zero-checksum compute policy and the ordinary update.
    data = _udp_payload_for_zero_sum(p6(m6(H4)), p6(m6(R4)))
    pkt = ip4(H4, R4, 17, udp4(H4, R4, 1, 2, data, csum=0))
    o = only6(pkt)
    assert o.l4[6:8] == b"\xff\xff"
    pkt = ip4(H4, R4, 17, udp4(H4, R4, 1, 2, data))
    o = only6(pkt)
    assert o.l4[6:8] == b"\xff\xff"


# =============================================================== §4, §5 misc

def test_rfc7915_4_packets_leave_in_order():
    # RFC 7915 §4: same flow, same order (SHOULD); includes a fragmented one
    pkts = [udp_pkt(H4, R4, b"seq-%02d" % i + bytes(i * 300)) for i in range(8)]
    out, summ = run(pkts)
    seen = [P6(b) for b in out]
    firsts = [s for s in seen if s.frag is None or s.frag["offset"] == 0]
    got = [s.l4[8:14] for s in firsts]
    assert got == [b"seq-%02d" % i for i in range(8)]


def test_rfc7915_2_no_atomic_fragment_after_small_ptb():
    # covers: checklist §5 / RFC 7915 §2 + RFC 8021 (no atomic fragments,
    # also not after an ICMPv6 PTB below 1280 for the flow)
    # An IPv6 router reports MTU 1000 for a translated R4 -> H6 packet.
    from v4to6_helpers import udp6
    ptb_inner = struct.pack("!IHBB", 6 << 28, 1192, 17, 60) + \
        p6(m6(R4)) + p6(m6(H4)) + udp6(m6(R4), m6(H4), 7, 8, bytes(16))
    body = struct.pack("!BBHI", 2, 0, 0, 1000) + ptb_inner
    c = cksum(pseudo6(p6("2001:db8:ffff::1"), p6(m6(R4)), 58, len(body))
              + body)
    body = body[:2] + struct.pack("!H", c) + body[4:]
    ptb = struct.pack("!IHBB", 6 << 28, len(body), 58, 64) + \
        p6("2001:db8:ffff::1") + p6(m6(R4)) + body
    out, summ = run([ptb, sized_udp(200, src=R4, dst=H4),
                     sized_udp(200, src=R4, dst=H4, df=True)])
    v6 = [P6(b) for b in out if b[0] >> 4 == 6]
    assert len(v6) == 2
    assert all(o.frag is None for o in v6), "atomic fragment generated"


def test_rfc7915_4_4_dropped_packet_answered_with_3_13():
    # RFC 7915 §4.4: a dropped IPv4 packet may be answered with ICMPv4 3/13
    # to its source (here: WKP + non-global destination, RFC 6052 §3.1),
    # from the translator's own address; icmp-errors = no silences it.
    pkt = udp_pkt("192.0.2.1", "198.51.100.1")
    text = "pref64 = 64:ff9b::/96\n[siit]\n"
    out, summ = run(pkt, text)
    assert summ.get("wkp_nonglobal") == 1
    assert len(out) == 1, "the translator SHOULD be able to send 3/13"
    e = icmp4_error_of(out[0])
    assert (e.src, e.dst) == (SELF4, "192.0.2.1")
    assert e.l4[:2] == b"\x03\x0d"
    assert e.l4[8:8 + len(pkt)] == pkt[:len(e.l4) - 8]
    out, summ = run(pkt, text + "icmp-errors = no\n")
    assert out == [] and summ.get("wkp_nonglobal") == 1


def test_rfc7915_4_5_udp_zero_checksum_drop_event():
    # RFC 7915 §4.5 option 1: the drop generates a management event that
    # names at least the IP addresses and port numbers.
    from v4to6_helpers import translate_rc
    pkt = ip4(H4, R4, 17, udp4(H4, R4, 1111, 2222, b"no checksum", csum=0))
    rc, err = translate_rc(conf("udp-zero-checksum = drop"), [pkt])
    assert rc == 0
    event = [ln for ln in err.splitlines() if "translate: in=" not in ln]
    text = "\n".join(event)
    for needle in (H4, R4, "1111", "2222"):
        assert needle in text, "event must name addresses and ports: %r" % err


def test_rfc7915_4_3_inner_options_removed():
    # RFC 7915 §4.3 + §4.1: the quoted packet's IPv4 options are not carried
    inner = ip4(H4, R4, 17, udp4(H4, R4, 5, 6, b"opts"), ttl=5,
                options=b"\x01\x01\x01\x00" + bytes([7, 7, 4]) + bytes(5))
    o = only6(err4(3, 1, inner))
    assert o.l4[8:] == translated_inner6(inner)
    assert o.l4[8 + 6] == 17


def test_rfc7915_4_3_inner_fragment_gets_fragment_header():
    # RFC 7915 §4.3: the quoted packet is translated like any packet, so an
    # IPv4 fragment becomes an IPv6 packet with a Fragment header.
    u = udp4(H4, R4, 5, 6, bytes(100))
    inner = ip4(H4, R4, 17, u[:64], mf=True, ident=0x4321, ttl=3)
    o = only6(err4(11, 1, inner))
    assert o.l4[:2] == b"\x03\x01" and o.l4_ok()
    q = P6(o.l4[8:])
    assert q.nh == 44 and q.frag["nh"] == 17
    assert q.frag["id"] == 0x4321 and q.frag["m"] == 1
    assert q.plen == 64 + 8 and q.hlim == 3
    assert o.plen == len(o.raw) - 40


def test_rfc7915_4_1_addresses_through_eam():
    # RFC 7915 §4.1 / §6: addresses mapped per §6, EAM included (RFC 7757
    # §3.3.1); the source stays on RFC 6052 (RFC 7757 §4.2.1 rule 1).
    o = only6(udp_pkt(H4, R4), conf("eam = 198.51.100.10 2001:db8:eeee::10"))
    assert (o.src, o.dst) == (m6(H4), "2001:db8:eeee::10") and o.l4_ok()


def test_rfc7915_4_1_unfragmented_icmp_echo_fragmented_by_translator():
    # RFC 7915 §4.1 + §4.2: a DF=0 echo larger than lowest-ipv6-mtu is not a
    # "fragmented ICMP" packet (§1.2); it is translated and then fragmented,
    # the ICMPv6 checksum covering the whole message.
    data = bytes((i * 17) & 0xFF for i in range(2000))
    pkt = echo4(R4, H4, data=data)
    out, summ = run(pkt)
    assert summ["dropped"] == 0 and len(out) == 2, summ
    frags = [P6(b) for b in out]
    assert all(f.frag and f.frag["nh"] == 58 and len(f.raw) <= 1280
               for f in frags)
    msg = reassemble6(frags)
    assert msg[0] == 128 and msg[8:] == data
    assert l4_ok6(frags[0].src_b, frags[0].dst_b, 58, msg)


def test_rfc7915_4_3_inner_partial_transport_header():
    # RFC 7915 §4.3 Figure 4: the quoted packet may hold only part of the
    # transport header (RFC 792: 8 bytes; here 4, the ports); it is still
    # translated, ports untouched.
    inner = udp_pkt(H4, R4, b"x" * 40)[:24]
    o = only6(err4(3, 3, inner))
    assert o.l4[:2] == b"\x01\x04" and o.l4_ok()
    q = o.l4[8:]
    assert len(q) == 44 and q[40:44] == inner[20:24]
    assert a6_of(q[8:24]) == m6(H4) and a6_of(q[24:40]) == m6(R4)


@pytest.mark.parametrize("t4,t6", [(0, 129), (8, 128)])
def test_rfc7915_4_3_inner_echo_types_translated(t4, t6):
    inner = echo4(H4, R4, typ=t4, ttl=30)
    o = only6(err4(11, 0, inner))
    q = P6(o.l4[8:])
    assert q.nh == 58 and q.l4[0] == t6 and q.l4_ok()
    assert o.l4[8:] == translated_inner6(inner)


def test_rfc1812_4_3_2_3_time_exceeded_quote_limited_to_576():
    # RFC 1812 §4.3.2.3 for a generated Time Exceeded about a large packet
    pkt = sized_udp(1400, ttl=1)
    out, summ = run(pkt)
    assert summ.get("ttl_expired") == 1 and len(out) == 1
    e = icmp4_error_of(out[0])
    assert e.tl == 576 and e.l4[:2] == b"\x0b\x00"
    assert e.l4[8 + 20:] == pkt[20:576 - 28]


def test_rfc7915_4_1_fragment_with_options_payload_length():
    # RFC 7915 §4.1: with a Fragment header, Payload Length = Total Length
    # + 8 - IPv4 header including options.
    pkt = ip4(H4, R4, 17, bytes(96), options=b"\x01\x01\x01\x00", mf=True,
              frag=4, ident=0x0102)
    o = only6(pkt)
    assert o.plen == 96 + 8 and o.frag["offset"] == 4 and o.l4 == bytes(96)
