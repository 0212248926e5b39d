# SPDX-License-Identifier: BSD-2-Clause
"""RFC 7915 §5: IPv6 -> IPv4 (CONFORMANCE.md sections 2, 4 and 5).

Topology (offline, one translator):

    IPv6 host H6 = 64:ff9b::192.0.2.10  --[sixgate, pool6 64:ff9b::/96]--
        IPv4 host H4 = 198.51.100.20 (seen from IPv6 as 64:ff9b::198.51.100.20)

The lab config turns off the RFC 6052 §3.1 non-global check so that
documentation addresses can sit behind the WKP.
"""
import struct

import pytest
from scapy.all import (IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw, TCP, UDP,
                       raw)

from conftest import CONF_WKP_LAB, xlat_raw
from v6to4_util import (H4, H4_6, H6, H6_4, SELF6, cksum, frag6, icmp4,
                        icmp6_error, icmp6_of, icmp6_ok, icmp6_pkt,
                        inner_v4_to_v6, ip4_fields, ip4_hdr_ok, ip4_payload,
                        ip6_dst, ip6_src, l4_ok4, pseudo4, reassemble4,
                        same6, udp6, udp6_sized, udp6_upper)

LAB = CONF_WKP_LAB


def conf(**kw):
    """Lab config plus [siit] keys (underscores become dashes)."""
    return LAB + "".join("%s = %s\n" % (k.replace("_", "-"), v)
                         for k, v in kw.items())


def one4(pkts, conf_text=LAB):
    out, s = xlat_raw(pkts, conf_text)
    assert len(out) == 1, (out, s)
    assert out[0][0] >> 4 == 4, "expected an IPv4 packet"
    return out[0], s


def dropped_silently(pkts, conf_text=LAB):
    out, s = xlat_raw(pkts, conf_text)
    assert out == [], "expected nothing emitted, got %d packets" % len(out)
    assert s["dropped"] == len(pkts)
    return s


# --------------------------------------------------------------------------
# §5 / §5.1: IPv4 header fields


@pytest.mark.parametrize("size,df", [(100, False), (1279, False),
                                     (1280, False), (1281, True),
                                     (1500, True)])
def test_rfc7915_5_df_rule_1260(size, df):
    # covers: RFC 7915 §5, §5.1 (Flags)
    b, _ = one4([udp6_sized(size)])
    f = ip4_fields(b)
    assert f["tl"] == size - 20
    assert f["df"] is df
    assert not f["mf"] and f["off"] == 0 and not f["rsv"]


def test_rfc7915_5_1_version_ihl_no_options():
    # A Hop-by-Hop header carrying an option must not become an IPv4 option.
    # covers: RFC 7915 §5.1 (Version, IHL), §1.2 (options not carried)
    p = raw(IPv6(src=H6, dst=H4_6) /
            IPv6ExtHdrHopByHop(options=[]) / UDP(sport=1, dport=2) /
            Raw(b"x" * 10))
    b, _ = one4([p])
    f = ip4_fields(b)
    assert f["version"] == 4
    assert f["ihl"] == 20
    assert f["proto"] == 17


@pytest.mark.parametrize("tc", [0x00, 0xB8, 0x03, 0xFF, 0x29])
def test_rfc7915_5_1_tos_copies_traffic_class(tc):
    b, _ = one4([udp6(tc=tc)])
    assert ip4_fields(b)["tos"] == tc


@pytest.mark.parametrize("value", [0, 40])
def test_rfc7915_5_1_tos_fixed_value(value):
    b, _ = one4([udp6(tc=0xB9)], conf(tos=value))
    assert ip4_fields(b)["tos"] == value


def test_rfc7915_5_1_total_length():
    p = udp6(data=b"z" * 123)
    b, _ = one4([p])
    plen = struct.unpack("!H", p[4:6])[0]
    assert ip4_fields(b)["tl"] == plen + 20 == len(b)


def test_rfc7915_5_1_identification_generator():
    # Without a Fragment header: ID from a generator, MF=0, offset 0.
    # Small packets (DF=0) can be fragmented downstream, so their IDs must
    # differ within a flow (RFC 6864 §4.1 for non-atomic datagrams).
    pkts = [udp6(data=b"%d" % i) for i in range(8)]
    out, _ = xlat_raw(pkts, LAB)
    assert len(out) == 8
    ids = set()
    for b in out:
        f = ip4_fields(b)
        assert not f["mf"] and f["off"] == 0 and not f["df"]
        ids.add(f["id"])
    assert len(ids) == 8


@pytest.mark.parametrize("hlim", [64, 2, 255])
def test_rfc7915_5_1_ttl_decremented_once(hlim):
    b, _ = one4([udp6(hlim=hlim)])
    assert ip4_fields(b)["ttl"] == hlim - 1


@pytest.mark.parametrize("hlim", [1, 0])
def test_rfc7915_5_1_hop_limit_expired_time_exceeded(hlim):
    p = udp6(hlim=hlim)
    out, s = xlat_raw([p], LAB)
    assert s["dropped"] == 1 and s.get("ttl_expired") == 1
    assert len(out) == 1
    e = out[0]
    assert e[0] >> 4 == 6, "Time Exceeded must go back as ICMPv6"
    assert same6(ip6_src(e), SELF6) and same6(ip6_dst(e), H6)
    t, c, rest, body = icmp6_of(e)
    assert (t, c) == (3, 0)
    assert icmp6_ok(e)
    assert body == p[:len(body)] and len(body) >= 48


@pytest.mark.parametrize("proto", [6, 17, 33, 47, 132, 253])
def test_rfc7915_5_1_protocol_copied(proto):
    # covers: RFC 7915 §5.1 (Protocol), §5.5 (MUST forward all transports)
    if proto == 6:
        l4 = TCP(sport=4000, dport=80, flags="S", seq=1)
    elif proto == 17:
        l4 = UDP(sport=4000, dport=53)
    else:
        l4 = Raw(b"")
    p = raw(IPv6(src=H6, dst=H4_6, nh=proto) / l4 / Raw(b"payload-1234"))
    b, _ = one4([p])
    f = ip4_fields(b)
    assert f["proto"] == proto
    if proto in (6, 17):
        assert l4_ok4(b)
    else:
        assert ip4_payload(b) == p[40:], "opaque payload must be unchanged"


def test_rfc7915_5_1_header_checksum():
    for p in (udp6(), udp6_sized(1400), udp6(tc=0xfc, hlim=3)):
        b, _ = one4([p])
        assert ip4_hdr_ok(b)


def test_rfc7915_5_1_addresses_mapped():
    b, _ = one4([udp6()])
    f = ip4_fields(b)
    assert (f["src"], f["dst"]) == (H6_4, H4)


@pytest.mark.parametrize("src", ["::1", "ff0e::1", "::"])
def test_rfc7915_5_1_invalid_source_dropped_silently(src):
    s = dropped_silently([udp6(src=src)])
    assert s.get("src_invalid") == 1


EXT_CHAINS = {
    "hbh": lambda: IPv6ExtHdrHopByHop(),
    "dest": lambda: IPv6ExtHdrDestOpt(),
    "rt0": lambda: IPv6ExtHdrRouting(segleft=0, addresses=[]),
    "hbh+dest+rt0+dest": lambda: (IPv6ExtHdrHopByHop() /
                                  IPv6ExtHdrDestOpt() /
                                  IPv6ExtHdrRouting(segleft=0,
                                                    addresses=["2001:db8::5"])
                                  / IPv6ExtHdrDestOpt()),
}


@pytest.mark.parametrize("chain", sorted(EXT_CHAINS))
def test_rfc7915_5_1_ext_headers_skipped(chain):
    # covers: RFC 7915 §5.1 (ignore HBH/DestOpt/Routing SL=0, Total Length
    # and Protocol skip them), §1.2 (extension headers not carried)
    data = b"ext-skip-test-" * 3
    p = raw(IPv6(src=H6, dst=H4_6) / EXT_CHAINS[chain]() /
            UDP(sport=4000, dport=53) / Raw(data))
    ext_len = len(p) - 40 - 8 - len(data)
    b, _ = one4([p])
    f = ip4_fields(b)
    plen = struct.unpack("!H", p[4:6])[0]
    assert f["tl"] == plen - ext_len + 20
    assert f["proto"] == 17 and f["ihl"] == 20
    assert ip4_payload(b)[8:] == data
    assert l4_ok4(b)


@pytest.mark.parametrize("hbh,ptr", [(False, 43), (True, 51)])
def test_rfc7915_5_1_segments_left_param_problem(hbh, ptr):
    l3 = IPv6(src=H6, dst=H4_6)
    if hbh:
        l3 = l3 / IPv6ExtHdrHopByHop()
    p = raw(l3 / IPv6ExtHdrRouting(segleft=1, addresses=["2001:db8::77"]) /
            UDP(sport=4000, dport=53) / Raw(b"sl"))
    out, s = xlat_raw([p], LAB)
    assert s["dropped"] == 1 and s.get("segments_left") == 1
    assert len(out) == 1, "no IPv4 packet, one ICMPv6 4/0 expected"
    e = out[0]
    assert e[0] >> 4 == 6
    assert same6(ip6_src(e), SELF6) and same6(ip6_dst(e), H6)
    t, c, rest, body = icmp6_of(e)
    assert (t, c) == (4, 0)
    assert struct.unpack("!I", rest)[0] == ptr
    assert p[ptr] == 1, "pointer must land on Segments Left"
    assert icmp6_ok(e)
    assert body == p[:len(body)]


def test_rfc7915_5_1_segments_left_icmpv6_error_no_reply():
    # The dropped packet is an ICMPv6 error: no error in reply
    # (RFC 7915 §5.4, RFC 4443 §2.4 (e)).
    inner = inner_v4_to_v6()
    msg = icmp6_pkt(H6, H4_6, 1, 4, body=inner)
    p = raw(IPv6(src=H6, dst=H4_6) /
            IPv6ExtHdrRouting(nh=58, segleft=1, addresses=["2001:db8::77"]) /
            Raw(msg[40:]))
    s = dropped_silently([p])
    assert s.get("segments_left") == 1


# --------------------------------------------------------------------------
# §5.1.1: Fragment header


def test_rfc7915_5_1_1_fragment_fields():
    # covers: RFC 7915 §5.1.1 (Total Length, Identification, Flags,
    # Fragment Offset, Protocol)
    upper = udp6_upper(H6, H4_6, bytes(range(256)) * 6)  # 1544 bytes
    frags = frag6(H6, H4_6, 17, upper, [(0, 1400), (1400, 144)],
                  ident=0xDEADBEEF)
    out, s = xlat_raw(frags, LAB)
    assert len(out) == 2 and s["dropped"] == 0
    f0, f1 = ip4_fields(out[0]), ip4_fields(out[1])
    assert f0["tl"] == 1400 + 20 and f1["tl"] == 144 + 20
    assert f0["id"] == f1["id"] == 0xBEEF
    assert f0["mf"] and not f1["mf"]
    assert not f0["df"] and not f1["df"], "DF must be 0 even above 1260"
    assert (f0["off"], f1["off"]) == (0, 1400)
    assert f0["proto"] == f1["proto"] == 17
    assert ip4_hdr_ok(out[0]) and ip4_hdr_ok(out[1])
    data = reassemble4(out)
    assert cksum(pseudo4(H6_4, H4, len(data), 17) + data) == 0
    assert data[8:] == upper[8:]


def test_rfc7915_5_1_1_total_length_ext_before_fragment():
    upper = udp6_upper(H6, H4_6, b"q" * 200)
    p = raw(IPv6(src=H6, dst=H4_6) / IPv6ExtHdrHopByHop() /
            IPv6ExtHdrDestOpt() /
            IPv6ExtHdrFragment(nh=17, id=7, offset=0, m=1) /
            Raw(upper[:104]))
    b, _ = one4([p])
    f = ip4_fields(b)
    plen = struct.unpack("!H", p[4:6])[0]
    assert f["tl"] == plen - 8 - 8 - 8 + 20 == 124
    assert f["proto"] == 17 and f["mf"] and f["id"] == 7


@pytest.mark.parametrize("nh", [0, 43, 60, 51])
def test_rfc7915_5_1_1_ext_header_after_fragment_dropped(nh):
    # 51 = AH, which the text names explicitly.
    ext = bytes([17, 0]) + bytes(6)
    if nh == 51:
        ext = bytes([17, 1]) + bytes(10)   # AH: 12 bytes, length 1
    upper = ext + udp6_upper(H6, H4_6, b"a" * 40)
    p = raw(IPv6(src=H6, dst=H4_6) /
            IPv6ExtHdrFragment(nh=nh, id=99, offset=0, m=1) / Raw(upper))
    out, s = xlat_raw([p], LAB)
    assert s["dropped"] == 1
    if nh == 0:
        # Hop-by-Hop anywhere but first is malformed as well (RFC 8200 §4.3)
        assert s.get("frag_ext_hdr", 0) + s.get("bad_ext_hdr", 0) == 1
    else:
        assert s.get("frag_ext_hdr") == 1
    assert all(b[0] >> 4 == 6 for b in out), "nothing may leave as IPv4"


def test_rfc7915_5_1_1_esp_after_fragment_translated():
    esp = struct.pack("!II", 0x1001, 1) + b"\x55" * 64
    p = raw(IPv6(src=H6, dst=H4_6) /
            IPv6ExtHdrFragment(nh=50, id=0x10002, offset=0, m=1) /
            Raw(esp))
    b, _ = one4([p])
    f = ip4_fields(b)
    assert f["proto"] == 50 and f["id"] == 2 and f["mf"]
    assert ip4_payload(b) == esp


def test_rfc7915_5_1_1_atomic_fragment_icmp_protocol_1():
    # An atomic fragment (offset 0, M=0) is not a fragmented ICMP message;
    # 58 becomes 1 and the Fragment ID supplies the IPv4 ID.
    echo = icmp6_pkt(H6, H4_6, 128, 0, struct.pack("!HH", 7, 9), b"ping")
    p = raw(IPv6(src=H6, dst=H4_6) /
            IPv6ExtHdrFragment(nh=58, id=0xABCD1234, offset=0, m=0) /
            Raw(echo[40:]))
    b, _ = one4([p])
    f = ip4_fields(b)
    assert f["proto"] == 1 and f["id"] == 0x1234 and not f["df"]
    assert not f["mf"] and f["off"] == 0
    t, c, rest, body = icmp4(b)
    assert (t, c) == (8, 0) and rest == struct.pack("!HH", 7, 9)
    assert body == b"ping" and l4_ok4(b)


def test_rfc7915_5_1_1_fragment_to_small_ipv4_mtu():
    # A 1280-byte IPv6 packet whose IPv4 form (1260) exceeds ipv4-mtu 576.
    p = udp6_sized(1280)
    out, s = xlat_raw([p], conf(ipv4_mtu=576))
    assert s["dropped"] == 0 and len(out) >= 3
    ids = {ip4_fields(b)["id"] for b in out}
    assert len(ids) == 1
    for b in out:
        f = ip4_fields(b)
        assert f["tl"] <= 576 and not f["df"] and ip4_hdr_ok(b)
        assert f["proto"] == 17 and (f["src"], f["dst"]) == (H6_4, H4)
    for b in out[:-1]:
        assert ip4_fields(b)["mf"]
    data = reassemble4(out)
    assert len(data) == 1240
    assert cksum(pseudo4(H6_4, H4, 1240, 17) + data) == 0
    assert data[8:] == p[48:]


@pytest.mark.parametrize("last", [False, True])
def test_rfc7915_5_1_1_refragment_ipv6_fragment(last):
    # An IPv6 fragment (≤ 1280) that the IPv4 MTU cannot carry: split
    # further, offsets shifted, MF set on every piece except the very end
    # of the original datagram.
    upper = udp6_upper(H6, H4_6, bytes(3000))
    frags = frag6(H6, H4_6, 17, upper, [(1200, 1200), (2400, 608)],
                  ident=0x4242)
    frag = frags[1] if last else frags[0]
    start, end = (2400, 3008) if last else (1200, 2400)
    assert len(frag) <= 1280
    out, s = xlat_raw([frag], conf(ipv4_mtu=576))
    assert s["dropped"] == 0 and len(out) >= 2
    offs = []
    for b in out:
        f = ip4_fields(b)
        assert f["id"] == 0x4242 and not f["df"]
        assert f["tl"] <= 576
        offs.append((f["off"], f["mf"], ip4_payload(b)))
    offs.sort()
    assert offs[0][0] == start
    joined = b""
    for i, (off, mf, pl) in enumerate(offs):
        assert off == start + len(joined)
        assert mf is not (last and i == len(offs) - 1)
        joined += pl
    assert joined == upper[start:end]


@pytest.mark.parametrize("mtu,size,ptb", [(1300, 1400, 1320),
                                          (1400, 1500, 1420)])
def test_rfc7915_1_4_packet_too_big_above_1280(mtu, size, ptb):
    # covers: RFC 7915 §1.4, §5.1.1 (last paragraph, by contrast),
    # CONFORMANCE.md section 5 (next-hop MTU override)
    p = udp6_sized(size)
    out, s = xlat_raw([p], conf(ipv4_mtu=mtu))
    assert s["dropped"] == 1 and s.get("too_big") == 1
    assert len(out) == 1
    e = out[0]
    assert e[0] >> 4 == 6
    assert same6(ip6_src(e), SELF6) and same6(ip6_dst(e), H6)
    t, c, rest, body = icmp6_of(e)
    assert (t, c) == (2, 0)
    assert struct.unpack("!I", rest)[0] == ptb
    assert icmp6_ok(e) and len(e) <= 1280
    assert body == p[:len(body)]


def test_rfc7915_1_4_packet_too_big_fragment_header():
    upper = udp6_upper(H6, H4_6, bytes(3000))
    frag = frag6(H6, H4_6, 17, upper, [(0, 1352), (1352, 1656)])[0]
    assert len(frag) == 1400
    out, s = xlat_raw([frag], conf(ipv4_mtu=1300))
    assert s.get("too_big") == 1 and len(out) == 1
    t, c, rest, _ = icmp6_of(out[0])
    assert (t, c) == (2, 0)
    assert struct.unpack("!I", rest)[0] == 1328


def test_rfc7915_5_packet_too_big_never_below_1280():
    # ipv4-mtu 1000: a 1300-byte packet cannot pass; the PTB may not say
    # less than 1280 (RFC 8200 §5), and 1280-byte packets are then
    # fragmented by the translator (§5.1.1).
    out, s = xlat_raw([udp6_sized(1300)], conf(ipv4_mtu=1000))
    assert s.get("too_big") == 1 and len(out) == 1
    t, c, rest, _ = icmp6_of(out[0])
    assert (t, c) == (2, 0) and struct.unpack("!I", rest)[0] == 1280


def test_rfc7915_1_4_exact_fit_not_too_big():
    b, s = one4([udp6_sized(1320)], conf(ipv4_mtu=1300))
    f = ip4_fields(b)
    assert f["tl"] == 1300 and f["df"] and s["dropped"] == 0


# --------------------------------------------------------------------------
# §5.2: ICMPv6 -> ICMPv4


@pytest.mark.parametrize("t6,t4", [(128, 8), (129, 0)])
def test_rfc7915_5_2_echo(t6, t4):
    data = bytes(range(40))
    p = icmp6_pkt(H6, H4_6, t6, 0, struct.pack("!HH", 0x1234, 77), data)
    b, _ = one4([p])
    f = ip4_fields(b)
    assert f["proto"] == 1
    t, c, rest, body = icmp4(b)
    assert (t, c) == (t4, 0)
    assert rest == struct.pack("!HH", 0x1234, 77) and body == data
    assert l4_ok4(b), "ICMPv4 checksum must exclude the pseudo-header"


@pytest.mark.parametrize("t6", [130, 131, 132, 133, 134, 135, 136, 137,
                                139, 140, 143, 200, 255])
def test_rfc7915_5_2_informational_dropped(t6):
    p = icmp6_pkt(H6, H4_6, t6, 0, body=bytes(24))
    dropped_silently([p])


ERROR_MAP = [(1, 0, 3, 1), (1, 1, 3, 10), (1, 2, 3, 1), (1, 3, 3, 1),
             (1, 4, 3, 3), (3, 0, 11, 0), (3, 1, 11, 1), (4, 1, 3, 2)]


@pytest.mark.parametrize("t6,c6,t4,c4", ERROR_MAP)
def test_rfc7915_5_2_error_type_code(t6, c6, t4, c4):
    # covers: RFC 7915 §5.2 (type/code), §5.3 (inner translated)
    p = icmp6_error(t6, c6)
    b, s = one4([p])
    assert s["dropped"] == 0
    f = ip4_fields(b)
    assert (f["src"], f["dst"]) == (H6_4, H4) and f["proto"] == 1
    t, c, rest, body = icmp4(b)
    assert (t, c) == (t4, c4)
    assert rest == b"\0\0\0\0"
    assert l4_ok4(b)
    inner = ip4_fields(body)
    assert (inner["src"], inner["dst"]) == (H4, H6_4)


@pytest.mark.parametrize("t6,c6", [(1, 5), (1, 6), (1, 7), (1, 200),
                                   (4, 2), (4, 3), (4, 200),
                                   (5, 0), (100, 0), (127, 0)])
def test_rfc7915_5_2_error_dropped(t6, c6):
    # covers: RFC 7915 §5.2 (other 1/x, 4/2, other 4/x, unknown errors)
    dropped_silently([icmp6_error(t6, c6)])


@pytest.mark.parametrize("mtu6,keys,mtu4", [
    (1400, {}, 1380),
    (1280, {}, 1260),
    (1400, {"ipv4_mtu": 1300}, 1300),
    (1400, {"ipv6_mtu": 1350}, 1330),
    (100000, {"ipv4_mtu": 65535, "ipv6_mtu": 65535}, 65515),
])
def test_rfc7915_5_2_packet_too_big_mtu(mtu6, keys, mtu4):
    # covers: RFC 7915 §5.2 (PTB formula), CONFORMANCE.md section 5
    # (next-hop MTUs overridable)
    p = icmp6_error(2, 0, struct.pack("!I", mtu6))
    b, _ = one4([p], conf(**keys))
    t, c, rest, body = icmp4(b)
    assert (t, c) == (3, 4)
    assert rest[:2] == b"\0\0"
    assert struct.unpack("!H", rest[2:])[0] == mtu4
    assert l4_ok4(b)


def test_rfc7915_5_2_packet_too_big_inner_fragment_header():
    upper = udp6_upper(H4_6, H6, bytes(2000))
    inner = frag6(H4_6, H6, 17, upper, [(0, 1392), (1392, 616)])[0]
    p = icmp6_error(2, 0, struct.pack("!I", 1400), inner=inner[:200])
    b, _ = one4([p])
    t, c, rest, body = icmp4(b)
    assert (t, c) == (3, 4)
    assert struct.unpack("!H", rest[2:])[0] == 1372
    fi = ip4_fields(body)
    assert fi["mf"] and fi["id"] == 0x5678 and fi["proto"] == 17


FIG6 = {0: 0, 1: 1, 4: 2, 5: 2, 6: 9, 7: 8}
FIG6.update({p: 12 for p in range(8, 24)})
FIG6.update({p: 16 for p in range(24, 40)})


@pytest.mark.parametrize("ptr", list(range(0, 42)) + [100, 0xFFFFFFFF])
def test_rfc7915_5_2_param_problem_pointer(ptr):
    # covers: RFC 7915 §5.2 (4/0 -> 12/0), Figure 6
    p = icmp6_error(4, 0, struct.pack("!I", ptr))
    want = FIG6.get(ptr)
    if want is None:
        dropped_silently([p])
        return
    b, _ = one4([p])
    t, c, rest, body = icmp4(b)
    assert (t, c) == (12, 0)
    assert rest == bytes([want, 0, 0, 0])
    assert l4_ok4(b)


# --------------------------------------------------------------------------
# §5.3: the packet inside an ICMPv6 error


def test_rfc7915_5_3_inner_packet_translated():
    # Inner hop limit 1 must not be decremented nor trigger anything.
    inner = inner_v4_to_v6(data=b"D" * 60, hlim=1)
    p = icmp6_error(1, 4, inner=inner)
    b, s = one4([p])
    assert s["dropped"] == 0
    f = ip4_fields(b)
    t, c, rest, body = icmp4(b)
    assert f["tl"] == len(b) == 20 + 8 + len(inner) - 20
    fi = ip4_fields(body)
    assert fi["version"] == 4 and fi["ihl"] == 20
    assert fi["ttl"] == 1, "inner TTL is not decremented"
    assert fi["tl"] == len(inner) - 20 == len(body)
    assert fi["proto"] == 17
    assert (fi["src"], fi["dst"]) == (H4, H6_4)
    assert ip4_hdr_ok(body)
    assert l4_ok4(body), "inner UDP checksum must follow the new addresses"
    assert body[20:28][:4] == inner[40:44]   # ports unchanged
    assert l4_ok4(b)


def test_rfc7915_5_3_inner_truncated():
    full = inner_v4_to_v6(data=bytes(452))   # 500-byte original
    quote = full[:96]
    p = icmp6_error(3, 0, inner=quote)
    b, _ = one4([p])
    t, c, rest, body = icmp4(b)
    assert (t, c) == (11, 0)
    assert len(body) == 96 - 20
    fi = ip4_fields(body)
    assert fi["tl"] == 480, "inner Total Length describes the original"
    assert ip4_hdr_ok(body)
    assert body[28:] == quote[48:]
    assert l4_ok4(b)


def test_rfc7915_5_3_inner_icmpv6_echo_translated():
    echo = icmp6_pkt(H4_6, H6, 128, 0, struct.pack("!HH", 5, 6), b"abcd",
                     hlim=20)
    b, _ = one4([icmp6_error(1, 0, inner=echo)])
    t, c, rest, body = icmp4(b)
    assert (t, c) == (3, 1)
    fi = ip4_fields(body)
    assert fi["proto"] == 1
    it, ic = body[20], body[21]
    assert (it, ic) == (8, 0)
    assert l4_ok4(body)


def test_rfc7915_5_3_error_in_error_dropped():
    nested = icmp6_pkt(H4_6, H6, 1, 4, body=inner_v4_to_v6(src=H6, dst=H4_6))
    dropped_silently([icmp6_error(1, 4, inner=nested)])


@pytest.mark.parametrize("which", ["src", "dst"])
def test_rfc7915_5_3_untranslatable_inner_dropped(which):
    kw = {which: "2001:db8:99::1"}
    inner = inner_v4_to_v6(**kw)
    dropped_silently([icmp6_error(1, 4, inner=inner)])


@pytest.mark.parametrize("ext", ["dest", "hbh"])
def test_rfc7915_5_3_inner_ext_headers_skipped(ext):
    # The inner packet is translated "just like a normal IP packet".
    hdr = IPv6ExtHdrDestOpt() if ext == "dest" else IPv6ExtHdrHopByHop()
    inner = raw(IPv6(src=H4_6, dst=H6, hlim=9) / hdr /
                UDP(sport=5000, dport=53) / Raw(b"I" * 30))
    b, _ = one4([icmp6_error(1, 4, inner=inner)])
    t, c, rest, body = icmp4(b)
    fi = ip4_fields(body)
    assert fi["proto"] == 17 and fi["tl"] == 20 + 8 + 30 == len(body)
    assert body[28:] == b"I" * 30 and l4_ok4(body)


def test_rfc7915_5_1_time_exceeded_quote_fits_1280():
    # RFC 4443 §2.4 (c): the generated error stays within the IPv6 minimum
    # MTU however large the expired packet was.
    p = udp6_sized(1500, hlim=1)
    out, _ = xlat_raw([p], LAB)
    assert len(out) == 1 and len(out[0]) == 1280
    t, c, rest, body = icmp6_of(out[0])
    assert (t, c) == (3, 0) and body == p[:len(body)]
    assert icmp6_ok(out[0])


# --------------------------------------------------------------------------
# §5.4: errors the translator generates


def _udp_frag_then_destopt():
    upper = bytes([17, 0]) + bytes(6) + udp6_upper(H6, H4_6, b"u" * 40)
    return raw(IPv6(src=H6, dst=H4_6) /
               IPv6ExtHdrFragment(nh=60, id=1, offset=0, m=0) / Raw(upper))


def _check_admin_prohibited(p, out):
    assert len(out) == 1, "one ICMPv6 1/1 expected, got %d packets" % len(out)
    e = out[0]
    assert e[0] >> 4 == 6
    assert same6(ip6_src(e), SELF6) and same6(ip6_dst(e), H6)
    t, c, rest, body = icmp6_of(e)
    assert (t, c) == (1, 1)
    assert icmp6_ok(e) and body == p[:len(body)]


def test_rfc7915_5_4_drop_sends_dest_unreach_admin():
    # A destination matching neither pool6 nor the EAMT is discarded.
    p = udp6(dst="2001:db8:5::1")
    out, s = xlat_raw([p], LAB)
    assert s["dropped"] == 1 and s.get("no_map_dst") == 1
    _check_admin_prohibited(p, out)


def test_rfc7915_5_4_frag_ext_hdr_drop_sends_dest_unreach_admin():
    # covers: RFC 7915 §5.1.1 (drop and log), §5.4 (SHOULD send 1/1 for a
    # discarded packet; nothing else is specified for this drop)
    p = _udp_frag_then_destopt()
    out, s = xlat_raw([p], LAB)
    assert s["dropped"] == 1 and s.get("frag_ext_hdr") == 1
    _check_admin_prohibited(p, out)


@pytest.mark.parametrize("typ", [128, 129, 1])
def test_rfc7915_5_4_no_error_for_icmpv6_input(typ):
    # The same drop as above, but the discarded packet is ICMPv6.
    if typ == 1:
        p = icmp6_error(1, 4, dst="2001:db8:5::1")
    else:
        p = icmp6_pkt(H6, "2001:db8:5::1", typ, 0, b"\0\1\0\1", b"x" * 16)
    s = dropped_silently([p])
    assert s.get("no_map_dst") == 1


def test_rfc7915_5_4_no_error_for_icmpv6_input_frag_ext_hdr():
    echo = icmp6_pkt(H6, H4_6, 128, 0, b"\0\1\0\1", b"x" * 16)
    upper = bytes([58, 0]) + bytes(6) + echo[40:]
    p = raw(IPv6(src=H6, dst=H4_6) /
            IPv6ExtHdrFragment(nh=60, id=1, offset=0, m=0) / Raw(upper))
    dropped_silently([p])


def test_rfc7915_5_4_no_time_exceeded_for_icmpv6_error():
    # RFC 4443 §2.4 (e): never an error about an error.
    s = dropped_silently([icmp6_error(1, 4, hlim=1)])
    assert s.get("ttl_expired") == 1


def test_rfc7915_5_4_errors_configurable_off():
    sl = raw(IPv6(src=H6, dst=H4_6) /
             IPv6ExtHdrRouting(segleft=1, addresses=["2001:db8::77"]) /
             UDP(sport=4000, dport=53))
    s = dropped_silently([udp6(hlim=1), _udp_frag_then_destopt(),
                          udp6_sized(1400), udp6(dst="2001:db8:5::1"), sl],
                         conf(icmp_errors="no", ipv4_mtu=1300))
    assert s.get("ttl_expired") == 1 and s.get("too_big") == 1
    assert s.get("segments_left") == 1 and s.get("no_map_dst") == 1


def test_rfc7915_5_4_generated_error_source_configurable():
    out, _ = xlat_raw([udp6(hlim=1)], conf(ipv6_address="2001:db8:ffff::8"))
    assert len(out) == 1 and same6(ip6_src(out[0]), "2001:db8:ffff::8")
    assert icmp6_ok(out[0])


# --------------------------------------------------------------------------
# §5.5: transport checksums


def test_rfc7915_5_5_checksums_updated():
    pkts = [udp6(data=b"checksum me"),
            raw(IPv6(src=H6, dst=H4_6) /
                TCP(sport=1234, dport=80, flags="PA", seq=5, ack=9) /
                Raw(b"GET / HTTP/1.0\r\n\r\n")),
            icmp6_pkt(H6, H4_6, 128, 0, b"\x12\x34\0\1", b"ping-data")]
    out, _ = xlat_raw(pkts, LAB)
    assert len(out) == 3
    for b, proto in zip(out, (17, 6, 1)):
        assert ip4_fields(b)["proto"] == proto
        assert l4_ok4(b)


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_rfc7915_5_5_bad_checksum_not_repaired(proto):
    if proto == "udp":
        p = bytearray(udp6(data=b"bad checksum"))
        off = 40 + 6
    else:
        p = bytearray(raw(IPv6(src=H6, dst=H4_6) /
                          TCP(sport=1, dport=2, flags="S")))
        off = 40 + 16
    c = struct.unpack("!H", p[off:off + 2])[0]
    p[off:off + 2] = struct.pack("!H", c ^ 0x0101)
    b, s = one4([bytes(p)])
    assert s["dropped"] == 0, "a bad L4 checksum is not a reason to drop"
    assert not l4_ok4(b), "the translator must not repair the checksum"


def test_rfc8200_8_1_udp_zero_checksum_dropped():
    p = bytearray(udp6(data=b"zero"))
    p[46:48] = b"\0\0"
    out, s = xlat_raw([bytes(p)], LAB)
    assert s["dropped"] == 1 and s.get("udp_zero_csum") == 1
    assert all(b[0] >> 4 == 6 for b in out), "nothing may leave as IPv4"


# --------------------------------------------------------------------------
# Section 2 of CONFORMANCE.md: general


def test_rfc7915_1_2_fragmented_icmpv6_not_translated():
    echo = icmp6_pkt(H6, H4_6, 128, 0, b"\0\1\0\1", bytes(200))[40:]
    frags = frag6(H6, H4_6, 58, echo, [(0, 104), (104, len(echo) - 104)])
    out, s = xlat_raw(frags, LAB)
    assert not any(b[0] >> 4 == 4 for b in out)
    assert s["dropped"] == 2


def test_rfc7915_5_packets_leave_in_order():
    # One flow, mixed sizes, some of them fragmented by the translator.
    pkts = []
    for i in range(12):
        size = 1280 if i % 3 == 0 else 200 + i
        data = struct.pack("!I", i) + bytes(size - 52)
        pkts.append(udp6(data=data))
    out, s = xlat_raw(pkts, conf(ipv4_mtu=1000))
    assert s["dropped"] == 0
    seen = []
    for b in out:
        f = ip4_fields(b)
        if f["off"] == 0:
            seen.append(struct.unpack("!I", ip4_payload(b)[8:12])[0])
    assert seen == list(range(12))


def test_rfc7915_5_6_translate_only_mapped_destinations():
    # A destination that represents an IPv4 host is translated; one that
    # matches neither pool6 nor the EAM table is not.
    out, s = xlat_raw([udp6(dst="2001:db8:5::1"), udp6()], LAB)
    assert s.get("no_map_dst") == 1
    assert [b[0] >> 4 for b in out if b[0] >> 4 == 4] == [4]
    assert ip4_fields([b for b in out if b[0] >> 4 == 4][0])["dst"] == H4


def test_rfc7915_6_rfc6052_is_default():
    # No pool6 key at all: the default prefix 64:ff9b::/96 applies.
    b, _ = one4([udp6()], "allow-nonglobal-wkp = yes\n[siit]\n")
    assert (ip4_fields(b)["src"], ip4_fields(b)["dst"]) == (H6_4, H4)


@pytest.mark.parametrize("proto", [50, 51])
def test_rfc7915_8_esp_ah_forwarded(proto):
    body = struct.pack("!II", 0xABCD, 42) + bytes(range(48))
    if proto == 51:
        body = bytes([17, 4, 0, 0]) + body[:20] + bytes(24)
    p = raw(IPv6(src=H6, dst=H4_6, nh=proto) / Raw(body))
    b, _ = one4([p])
    assert ip4_fields(b)["proto"] == proto
    assert ip4_payload(b) == body
