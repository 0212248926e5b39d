# SPDX-License-Identifier: BSD-2-Clause
"""RFC 7757 Explicit Address Mappings (CONFORMANCE.md section 8).

The Figure 1 EAMT with pool6 64:ff9b::/96:

    #1 192.0.2.1        2001:db8:aaaa::
    #2 192.0.2.2/32     2001:db8:bbbb::b/128
    #3 192.0.2.16/28    2001:db8:cccc::/124
    #4 192.0.2.128/26   2001:db8:dddd::/64
    #5 192.0.2.192/29   2001:db8:eeee:8::/62
    #6 192.0.2.224/31   64:ff9b::/127

The vectors pair the WKP with 192.0.2.0/24, which RFC 6052 §3.1 forbids:
they run with allow-nonglobal-wkp = yes; companion tests show the same
packets dropped with the check on.
"""
import ipaddress
import random
import struct

import pytest
from scapy.all import IP, IPv6, Raw, UDP, raw

from conftest import config_check, CONF_WKP_LAB, CONF_WKP_STRICT, xlat_raw
from v6to4_util import (cksum, icmp6_of, icmp6_ok, icmp6_pkt, ip4_fields,
                        ip6_dst, ip6_src, l4_ok4, pseudo6, same6)

FIG1 = """\
eam = 192.0.2.1 2001:db8:aaaa::
eam = 192.0.2.2/32 2001:db8:bbbb::b/128
eam = 192.0.2.16/28 2001:db8:cccc::/124
eam = 192.0.2.128/26 2001:db8:dddd::/64
eam = 192.0.2.192/29 2001:db8:eeee:8::/62
eam = 192.0.2.224/31 64:ff9b::/127
"""
LAB = CONF_WKP_LAB + FIG1
STRICT = CONF_WKP_STRICT + FIG1
POOL = "pool6791 = 198.51.100.1\n"

FIG7 = [
    ("192.0.2.1", "2001:db8:aaaa::"),
    ("192.0.2.2", "2001:db8:bbbb::b"),
    ("192.0.2.16", "2001:db8:cccc::"),
    ("192.0.2.24", "2001:db8:cccc::8"),
    ("192.0.2.31", "2001:db8:cccc::f"),
    ("192.0.2.128", "2001:db8:dddd::"),
    ("192.0.2.152", "2001:db8:dddd:0:6000::"),
    ("192.0.2.183", "2001:db8:dddd:0:dc00::"),
    ("192.0.2.191", "2001:db8:dddd:0:fc00::"),
    ("192.0.2.195", "2001:db8:eeee:9:8000::"),
    ("192.0.2.225", "64:ff9b::1"),
    ("192.0.2.248", "64:ff9b::c000:2f8"),   # RFC 6052 fallback
]

# A remote IPv4 node outside every EAM row.
R4 = "203.0.113.5"
R6 = "64:ff9b::cb00:7105"

A6, A4 = "2001:db8:aaaa::", "192.0.2.1"
B6, B4 = "2001:db8:bbbb::b", "192.0.2.2"
WKP_A = "64:ff9b::c000:201"        # 64:ff9b::192.0.2.1
WKP_B = "64:ff9b::c000:202"        # 64:ff9b::192.0.2.2


def udp6(src, dst, data=b"eam-test", hlim=64):
    return raw(IPv6(src=src, dst=dst, hlim=hlim) /
               UDP(sport=1111, dport=2222) / Raw(data))


def udp4(src, dst, data=b"eam-test", ttl=64):
    return raw(IP(src=src, dst=dst, ttl=ttl) /
               UDP(sport=1111, dport=2222) / Raw(data))


def udp6_ok(b):
    assert b[6] == 17
    seg = b[40:]
    return cksum(pseudo6(ip6_src(b), ip6_dst(b), len(seg), 17) + seg) == 0


def translated_udp(out):
    """Emitted packets that are the UDP input translated (not errors)."""
    return [b for b in out
            if (b[0] >> 4 == 4 and b[9] == 17) or
            (b[0] >> 4 == 6 and b[6] == 17)]


def run(pkts, conf_text=LAB):
    return xlat_raw(pkts, conf_text)


def one(pkts, conf_text=LAB, family=None):
    out, s = run(pkts, conf_text)
    assert len(out) == 1, (out, s)
    if family:
        assert out[0][0] >> 4 == family
    return out[0]


# --------------------------------------------------------------------------
# Figure 1 / Appendix B Figure 7 vectors


@pytest.mark.parametrize("v4,v6", FIG7)
def test_rfc7757_app_b_fig7_v6to4_source(v4, v6):
    # covers: RFC 7757 §3.3.2, §3 (EAM wins over RFC 6052), Fig. 1, §6
    b = one([udp6(v6, R6)], family=4)
    f = ip4_fields(b)
    assert (f["src"], f["dst"]) == (v4, R4)
    assert l4_ok4(b)


@pytest.mark.parametrize("v4,v6", FIG7)
def test_rfc7757_app_b_fig7_v6to4_destination(v4, v6):
    # The destination is translated through the EAMT, so condition A2 of
    # §4.2.2 is false and the packet leaves as IPv4 (no hairpin), except
    # for the RFC 6052 row whose IPv4 address is in no EAM row either.
    b = one([udp6(R6, v6)], family=4)
    f = ip4_fields(b)
    assert (f["src"], f["dst"]) == (R4, v4)
    assert l4_ok4(b)


@pytest.mark.parametrize("v4,v6", FIG7)
def test_rfc7757_app_b_fig7_v4to6_destination(v4, v6):
    # covers: RFC 7757 §3.3.1, Fig. 7 in the IPv4 -> IPv6 direction
    b = one([udp4(R4, v4)], family=6)
    assert same6(ip6_src(b), R6) and same6(ip6_dst(b), v6)
    assert udp6_ok(b)


@pytest.mark.parametrize("v4,v6", FIG7)
def test_rfc7757_app_b_fig7_v4to6_source(v4, v6):
    # Only simple hairpinning (§4.2.1 rule 1) would keep the EAMT away
    # from the IPv4 source; sixgate does intrinsic hairpinning, so §3.2
    # applies: the source goes through the EAMT too (the CLAT case,
    # App. A.1).
    b = one([udp4(v4, R4)], family=6)
    assert same6(ip6_src(b), v6) and same6(ip6_dst(b), R6)
    assert udp6_ok(b)


def test_rfc6052_3_1_fig7_wkp_row_dropped_when_strict():
    # Companion: the RFC 6052 row pairs the WKP with 192.0.2.248.
    out, s = run([udp6(A6, "64:ff9b::c000:2f8"), udp4(A4, "192.0.2.248")],
                 STRICT)
    assert translated_udp(out) == []
    assert s["dropped"] == 2 and s.get("wkp_nonglobal") == 2


def test_rfc7757_3_2_omitted_length_is_host_route():
    # "eam = 192.0.2.1 2001:db8:aaaa::" is /32 <-> /128, so neighbours of
    # either address are not covered by it.
    out, s = run([udp6("2001:db8:aaaa::1", R6), udp4(R4, "192.0.2.3")])
    six = translated_udp(out)
    assert s.get("no_map_src") == 1
    assert len(six) == 1 and same6(ip6_dst(six[0]), "64:ff9b::c000:203")


def test_rfc7757_3_2_inner_addresses_through_eamt():
    # 2001:db8:aaaa:: (192.0.2.1) answers R4 with an ICMPv6 error: the
    # outer source and the inner destination go through the EAMT.
    inner = udp6(R6, A6, hlim=30)
    p = icmp6_pkt(A6, R6, 1, 4, body=inner)
    b = one([p], family=4)
    f = ip4_fields(b)
    assert (f["src"], f["dst"]) == (A4, R4)
    body = b[28:]
    fi = ip4_fields(body)
    assert (fi["src"], fi["dst"]) == (R4, A4) and fi["ttl"] == 30
    assert l4_ok4(body) and l4_ok4(b)
    # and back: R4's ICMPv4 error about a packet 192.0.2.1 sent to it
    inner4 = udp4(A4, R4, ttl=30)
    p4 = raw(IP(src=R4, dst=A4, proto=1) / Raw(bytes([3, 3, 0, 0, 0, 0, 0, 0]) +
                                      inner4))
    p4 = bytearray(p4)
    c = cksum(bytes(p4[20:]))
    p4[22:24] = struct.pack("!H", c)
    e = one([bytes(p4)], family=6)
    assert same6(ip6_src(e), R6) and same6(ip6_dst(e), A6)
    t, c, rest, body6 = icmp6_of(e)
    assert (t, c) == (1, 4)
    assert same6(ip6_src(body6), A6) and same6(ip6_dst(body6), R6)
    assert icmp6_ok(e)


# --------------------------------------------------------------------------
# §3.3: longest match and bit copying, against a naive model


def _rand_rows(rng, n=10):
    rows, seen4, seen6 = [], set(), set()
    while len(rows) < n:
        len4 = rng.randint(24, 32)
        net4 = ipaddress.IPv4Network(
            (int(ipaddress.IPv4Address("198.51.100.0")) |
             (rng.getrandbits(8) & ~((1 << (32 - len4)) - 1) & 0xFF), len4))
        len6 = rng.randint(64, 96 + len4)
        hi = (0x20010db8 << 96) | (rng.getrandbits(32) << 64)
        lo = rng.getrandbits(64)
        bits = hi | lo
        bits &= ~((1 << (128 - len6)) - 1)
        net6 = ipaddress.IPv6Network((bits, len6))
        if net4 in seen4 or net6 in seen6:
            continue
        if any(net6.overlaps(o) for o in seen6):
            continue
        seen4.add(net4)
        seen6.add(net6)
        rows.append((net4, net6))
    return rows


def _model_4to6(rows, a4):
    a4 = ipaddress.IPv4Address(a4)
    best = None
    for n4, n6 in rows:
        if a4 in n4 and (best is None or n4.prefixlen > best[0].prefixlen):
            best = (n4, n6)
    if best is None:
        return ipaddress.IPv6Address((0x64ff9b << 96) | int(a4))
    n4, n6 = best
    sbits = 32 - n4.prefixlen
    suffix = int(a4) & ((1 << sbits) - 1)
    return ipaddress.IPv6Address(int(n6.network_address) |
                                 (suffix << (128 - n6.prefixlen - sbits)))


def _model_6to4(rows, a6):
    a6 = ipaddress.IPv6Address(a6)
    best = None
    for n4, n6 in rows:
        if a6 in n6 and (best is None or n6.prefixlen > best[1].prefixlen):
            best = (n4, n6)
    n4, n6 = best
    sbits = 32 - n4.prefixlen
    suffix = (int(a6) >> (128 - n6.prefixlen - sbits)) & ((1 << sbits) - 1)
    return ipaddress.IPv4Address(int(n4.network_address) | suffix)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rfc7757_3_3_matches_naive_model(seed):
    # covers: RFC 7757 §3.3 (any implementation, same results), §3.3.1,
    # §3.3.2 (longest match, suffix copy, RFC 6052 fallback)
    rng = random.Random(seed)
    rows = _rand_rows(rng)
    text = CONF_WKP_LAB + "".join("eam = %s %s\n" % r for r in rows)
    # v4 -> v6: every address of 198.51.100.0/24
    v4s = ["198.51.100.%d" % i for i in range(256)]
    out, s = run([udp4(R4, a) for a in v4s], text)
    assert s["dropped"] == 0 and len(out) == 256
    for a, b in zip(v4s, out):
        assert ipaddress.IPv6Address(ip6_dst(b)) == _model_4to6(rows, a), a
    # v6 -> v4: random addresses inside the rows' IPv6 prefixes
    v6s = []
    for _ in range(120):
        n4, n6 = rng.choice(rows)
        host = rng.getrandbits(128 - n6.prefixlen) if n6.prefixlen < 128 \
            else 0
        v6s.append(str(ipaddress.IPv6Address(int(n6.network_address) |
                                             host)))
    out, s = run([udp6(a, R6) for a in v6s], text)
    assert s["dropped"] == 0 and len(out) == len(v6s)
    for a, b in zip(v6s, out):
        assert ipaddress.IPv4Address(ip4_fields(b)["src"]) == \
            _model_6to4(rows, a), a


# --------------------------------------------------------------------------
# §4.2 hairpinning, Appendix B.1 Figures 8-11


def test_rfc7757_app_b1_fig8_normal_packet():
    # covers: RFC 7757 §4.2 (supported, on by default), §4.2.2 set A,
    # §4.2.1 rule 1 in the second pass, no second Hop Limit decrement
    data = b"fig8-" * 10
    b = one([udp6(A6, WKP_B, data=data, hlim=64)], LAB + POOL, family=6)
    assert same6(ip6_src(b), WKP_A) and same6(ip6_dst(b), B6)
    assert b[7] == 63, "Hop Limit decremented once only"
    assert b[6] == 17 and udp6_ok(b) and b[48:] == data


def test_rfc7757_4_2_2_hairpin_hop_limit_expiry():
    # Hop Limit 1: expires in the first pass; nothing reaches bbbb.
    out, s = run([udp6(A6, WKP_B, hlim=1)], LAB + POOL)
    assert s.get("ttl_expired") == 1 and translated_udp(out) == []
    assert len(out) == 1 and out[0][0] >> 4 == 6
    assert same6(ip6_dst(out[0]), A6)
    assert icmp6_of(out[0])[:2] == (3, 0)


def test_rfc7757_app_b1_fig11_reply():
    b = one([udp6(B6, WKP_A)], LAB + POOL, family=6)
    assert same6(ip6_src(b), WKP_B) and same6(ip6_dst(b), A6)
    assert udp6_ok(b)


def _fig9_10(outer_src):
    inner = udp6(WKP_A, B6, data=b"fig8-" * 10, hlim=63)
    return icmp6_pkt(outer_src, WKP_A, 3, 0, body=inner, hlim=64), inner


@pytest.mark.parametrize("fig,outer_src,final_src", [
    (9, "2001:db8::1234", "64:ff9b::c633:6401"),   # 64:ff9b::198.51.100.1
    (10, B6, WKP_B),
])
def test_rfc7757_app_b1_fig9_fig10_icmp_errors(fig, outer_src, final_src):
    # covers: RFC 7757 §4.2.2 set B, §4.2.1 rules 2 and 3, App. B.1 with
    # the RFC 6791 pool {198.51.100.1}
    p, inner = _fig9_10(outer_src)
    e = one([p], LAB + POOL, family=6)
    assert same6(ip6_src(e), final_src), "Figure %d outer source" % fig
    assert same6(ip6_dst(e), A6)
    assert e[7] == 63, "outer Hop Limit decremented once only"
    t, c, rest, body = icmp6_of(e)
    assert (t, c) == (3, 0)
    assert icmp6_ok(e)
    assert body[0] >> 4 == 6
    assert same6(ip6_src(body), A6) and same6(ip6_dst(body), WKP_B)
    assert body[7] == 63, "inner Hop Limit untouched"
    assert udp6_ok(body)


def test_rfc7757_4_2_hairpin_can_be_disabled():
    b = one([udp6(A6, WKP_B)], LAB + "eam-hairpin = no\n", family=4)
    f = ip4_fields(b)
    assert (f["src"], f["dst"]) == (A4, B4)


def test_rfc7757_4_2_2_no_hairpin_when_destination_via_eam():
    # A2 is false: 2001:db8:bbbb::b went through the EAMT.
    b = one([udp6(R6, B6)], family=4)
    assert ip4_fields(b)["dst"] == B4


def test_rfc6052_3_1_hairpin_vectors_dropped_when_strict():
    # Companion of Figures 8-11: 64:ff9b::192.0.2.x is WKP + non-global.
    out, s = run([udp6(A6, WKP_B), udp6(B6, WKP_A),
                  _fig9_10("2001:db8::1234")[0], _fig9_10(B6)[0]],
                 STRICT + POOL)
    assert translated_udp(out) == []
    assert not [b for b in out if b[0] >> 4 == 6 and same6(ip6_dst(b), A6)
                and b[40] == 3], "Figure 9/10 error must not be hairpinned"
    assert s["dropped"] == 4 and s.get("wkp_nonglobal", 0) >= 2


# --------------------------------------------------------------------------
# Configuration-time rules (§3.2, §5)


def _refused(text, line):
    r, path = config_check(text)
    assert r.returncode == 1, r.stderr
    assert "%s:%d:" % (path, line) in r.stderr, r.stderr


@pytest.mark.parametrize("row", ["192.0.2.0/24 2001:db8::/124",
                                 "192.0.2.0/24 2001:db8::1/128",
                                 "0.0.0.0/0 2001:db8::/97"])
def test_rfc7757_3_2_ipv4_suffix_longer_than_ipv6_refused(row):
    text = "pref64 = 64:ff9b::/96\n[siit]\neam = %s\n" % row
    _refused(text, 3)


@pytest.mark.parametrize("row", ["192.0.2.0/24 2001:db8::/120",
                                 "192.0.2.0/28 2001:db8:1::/64",
                                 "0.0.0.0/0 2001:db8:ff00::/40"])
def test_rfc7757_3_2_valid_rows_accepted(row):
    text = "pref64 = 64:ff9b::/96\n[siit]\neam = %s\n" % row
    r, _ = config_check(text)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("second", ["192.0.2.1 2001:db8:2::1",
                                    "198.51.100.9 2001:db8:1::1",
                                    "192.0.2.1/32 2001:db8:1::1/128"])
def test_rfc7757_5_identical_prefix_refused(second):
    text = ("pref64 = 64:ff9b::/96\n[siit]\neam = 192.0.2.1 2001:db8:1::1\n"
            "eam = %s\n" % second)
    _refused(text, 4)


def test_rfc7757_5_overlapping_rows_warned():
    # Figure 2: overlapping IPv4 prefixes are legal but worth a warning (MAY).
    text = ("pref64 = 64:ff9b::/96\n[siit]\n"
            "eam = 0.0.0.0/0 2001:db8:ff00::/40\n"
            "eam = 198.51.100.64/32 2001:db8::abcd/128\n")
    r, path = config_check(text)
    assert r.returncode == 0, r.stderr
    assert path in r.stderr, "no warning about overlapping EAM rows"
