# SPDX-License-Identifier: BSD-2-Clause
"""Untranslatable ICMPv6 sources: RFC 6791 and
draft-ietf-v6ops-icmpext-xlat-v6only-source-01 (CONFORMANCE.md section 7).

    IPv6 router 2001:db8::1234 (no EAM, outside pool6)
        --ICMPv6 error--> sixgate --ICMPv4 error--> IPv4 host 198.51.100.20

The router's address has no IPv4 form, so the ICMPv4 source comes from
pool6791 or is 192.0.0.8 (RFC 7600 dummy address).
"""
import socket
import struct

import pytest

from conftest import config_check, CONF_WKP_LAB, xlat_raw
from v6to4_util import (H4, H4_6, H6_4, ROUTER6, cksum, icmp4, icmp6_error,
                        icmp6_pkt, inner_v4_to_v6, ip4_fields, l4_ok4)

DUMMY4 = "192.0.0.8"
ROUTER6_BYTES = socket.inet_pton(socket.AF_INET6, ROUTER6)


def conf(*lines):
    return CONF_WKP_LAB + "".join(l + "\n" for l in lines)


def router_error(t6=3, c6=0, rest=b"\0\0\0\0", inner=None, src=ROUTER6):
    return icmp6_error(t6, c6, rest, inner=inner, src=src)


def run1(p, conf_text):
    out, s = xlat_raw([p], conf_text)
    assert len(out) == 1 and out[0][0] >> 4 == 4, (out, s)
    return out[0]


@pytest.mark.parametrize("t6,c6,rest", [(3, 0, b"\0\0\0\0"),
                                        (1, 0, b"\0\0\0\0"),
                                        (1, 4, b"\0\0\0\0"),
                                        (2, 0, struct.pack("!I", 1400))])
def test_draft_v6only_source_4_1_dummy_address(t6, c6, rest):
    # covers: draft §4.1 (192.0.0.8 for 1/x, 2/0, 3/x), draft §4.2.1 (PTB
    # still translated, not dropped), draft §3 (untranslatable = no
    # prefix match and no EAM), PROJECT default untranslatable-source=auto
    b = run1(router_error(t6, c6, rest), conf())
    f = ip4_fields(b)
    assert (f["src"], f["dst"]) == (DUMMY4, H4)
    assert l4_ok4(b)


def test_rfc6791_app_b1_pool_vector():
    # RFC 7757 App. B.1: pool {198.51.100.1}, error from 2001:db8::1234.
    b = run1(router_error(), conf("pool6791 = 198.51.100.1"))
    f = ip4_fields(b)
    assert (f["src"], f["dst"]) == ("198.51.100.1", H4)
    t, c, _, body = icmp4(b)
    assert (t, c) == (11, 0)
    assert ip4_fields(body)["dst"] == H6_4


def test_rfc6791_5_pool_pick_random():
    # covers: RFC 6791 §5 (random pick), §3.2 (small pool)
    pool = ["198.51.100.%d" % i for i in (1, 2, 3, 4)]
    text = conf(*["pool6791 = %s" % a for a in pool])
    pkts = [router_error(inner=inner_v4_to_v6(data=b"%03d" % i))
            for i in range(40)]
    times = [2000.0 + i * 0.37 for i in range(40)]
    out, s = xlat_raw(pkts, text, times=times)
    assert len(out) == 40
    srcs = [ip4_fields(b)["src"] for b in out]
    assert set(srcs) <= set(pool)
    assert len(set(srcs)) >= 2, "pool address never varies"


@pytest.mark.parametrize("mode,pool,want", [
    ("auto", None, DUMMY4),
    ("auto", "203.0.113.9", "203.0.113.9"),
    ("pool", "203.0.113.9", "203.0.113.9"),
    ("dummy", "203.0.113.9", DUMMY4),
    ("dummy", None, DUMMY4),
])
def test_draft_v6only_source_4_1_untranslatable_source_modes(mode, pool,
                                                            want):
    # covers: CONFORMANCE.md section 7 PROJECT line (pool when configured,
    # draft behaviour otherwise, both selectable)
    lines = ["untranslatable-source = %s" % mode]
    if pool:
        lines.append("pool6791 = %s" % pool)
    b = run1(router_error(), conf(*lines))
    assert ip4_fields(b)["src"] == want


def test_draft_v6only_source_pool_mode_without_pool_drops():
    out, s = xlat_raw([router_error()], conf("untranslatable-source = pool"))
    assert out == [] and s["dropped"] == 1


@pytest.mark.parametrize("lines", [(), ("pool6791 = 203.0.113.9",)])
def test_draft_v6only_source_4_1_translatable_source_untouched(lines):
    # A translatable source gets neither 192.0.0.8 / the pool nor the
    # extension object (MUST NOT).
    b = run1(icmp6_error(3, 0), conf(*lines))
    f = ip4_fields(b)
    assert f["src"] == H6_4
    t, c, rest, body = icmp4(b)
    assert rest == b"\0\0\0\0", "no RFC 4884 extension for a known source"
    assert ROUTER6_BYTES not in body


def _ext_of(b):
    t, c, rest, body = icmp4(b)
    words = rest[1]
    assert words != 0, "no RFC 4884 extension appended"
    assert words >= 32
    ext = body[4 * words:]
    assert ext and ext[0] >> 4 == 2, "extension header version must be 2"
    assert cksum(ext) == 0, "extension checksum"
    return ext


@pytest.mark.parametrize("t6,c6", [(3, 0), (1, 4)])
def test_draft_v6only_source_4_1_node_id_object(t6, c6):
    # covers: draft §4.1 (object with the IPv6 source), §4.2 (IP Address
    # sub-object, checksum), RFC 6791 §4 (IPv6 source carried in an
    # extension), RFC 4884 §7 (<= 576)
    inner = inner_v4_to_v6(data=bytes(200))
    b = run1(router_error(t6, c6, inner=inner), conf())
    assert ip4_fields(b)["src"] == DUMMY4
    ext = _ext_of(b)
    assert ROUTER6_BYTES in ext, "IPv6 source not in the extension"
    assert len(b) <= 576 and l4_ok4(b)


def test_draft_v6only_source_app_a_large_quote_trimmed():
    # Appending the object to a large quoted packet: the ICMPv4 message
    # still respects RFC 4884 §7 (576 bytes) and keeps the object.
    inner = inner_v4_to_v6(data=bytes(1100))
    b = run1(router_error(3, 0, inner=inner), conf())
    ext = _ext_of(b)
    assert ROUTER6_BYTES in ext
    assert len(b) <= 576
    t, c, rest, body = icmp4(b)
    assert ip4_fields(body)["tl"] == len(inner) - 20


def test_rfc6791_4_pool_source_with_extension():
    b = run1(router_error(3, 0, inner=inner_v4_to_v6(data=bytes(200))),
             conf("pool6791 = 203.0.113.9"))
    assert ip4_fields(b)["src"] == "203.0.113.9"
    ext = _ext_of(b)
    assert ROUTER6_BYTES in ext


@pytest.mark.parametrize("addr", ["10.1.2.3", "172.16.0.1", "192.168.1.1",
                                  "100.64.0.1"])
def test_rfc6791_3_1_private_pool_address_flagged(addr):
    # SHOULD NOT draw from RFC 1918 / RFC 6598: refused or warned about.
    text = conf("pool6791 = %s" % addr)
    r, path = config_check(text)
    assert r.returncode == 1 or r.stderr.strip(), \
        "pool6791 = %s accepted without a word" % addr
    assert path in r.stderr and ":" in r.stderr


def test_draft_v6only_source_4_1_only_errors():
    # The 192.0.0.8 / pool source is for ICMPv6 errors only: an echo reply
    # from an untranslatable source is an untranslatable packet.
    p = icmp6_pkt(ROUTER6, H4_6, 129, 0, b"\0\1\0\1", b"pong")
    out, s = xlat_raw([p], conf("pool6791 = 203.0.113.9"))
    assert not [b for b in out if b[0] >> 4 == 4]
    assert s["dropped"] == 1 and s.get("no_map_src") == 1


def test_draft_v6only_source_4_1_object_layout():
    # covers: draft §4.1/§4.2 object layout: Node Identification (class 5),
    # C-Type with only the IP Address bit, AFI 2 and the 16-byte source.
    b = run1(router_error(3, 0, inner=inner_v4_to_v6(data=bytes(40))), conf())
    obj = _ext_of(b)[4:]
    assert int.from_bytes(obj[0:2], "big") == 24 == len(obj)
    assert obj[2] == 5 and obj[3] == 0x04
    assert obj[4:8] == b"\x00\x02\x00\x00"
    assert obj[8:24] == ROUTER6_BYTES


def test_draft_v6only_source_object_switch_off():
    # icmp-source-object = no: same source choice, no extension appended.
    b = run1(router_error(3, 0, inner=inner_v4_to_v6(data=bytes(40))),
             conf("icmp-source-object = no"))
    assert ip4_fields(b)["src"] == DUMMY4
    t, c, rest, body = icmp4(b)
    assert rest[1] == 0, "length attribute must stay 0 without the object"
    assert ROUTER6_BYTES not in body


def test_draft_v6only_source_app_a_huge_extension_untranslatable_source():
    # Regression (found by fuzz_icmp_err): an untranslatable router's error
    # whose existing RFC 4884 extension is longer than any ICMPv4 error can
    # carry.  It is translated within 576 bytes (RFC 4884 §7), the quote
    # keeps at least 128 bytes, and nothing overflows.
    from v6to4_util import ext_structure
    inner = inner_v4_to_v6(data=bytes(128 - 48))
    ext = ext_structure([(200, 1, bytes(1100))])
    p = router_error(1, 4, rest=bytes([len(inner) // 8, 0, 0, 0]),
                     inner=inner + ext)
    b = run1(p, conf())
    assert len(b) <= 576 and l4_ok4(b)
    t, c, rest, body = icmp4(b)
    assert (t, c) == (3, 3)
    assert rest[1] >= 32
