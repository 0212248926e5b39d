# SPDX-License-Identifier: BSD-2-Clause
"""RFC 6052 (IPv4-embedded IPv6 addresses) and RFC 8215 (64:ff9b:1::/48)
exercised through `sixgatectl translate`: every prefix length is configured
as pref64 and IPv4 packets are translated (composition, §2.2) or IPv6 packets
translated back (extraction, §2.3).  Config errors go through
`sixgatectl config check` (exit 1, `file:line:` on stderr).
"""
import ipaddress
import re

import pytest

from conftest import CONF_WKP_LAB, CONF_WKP_STRICT, xlat_raw
from v4to6_helpers import (P4, P6, a6, compose, config_check, conf, ip4,
                           only_errors_back, p6, translate_rc, udp4,
                           udp6_pkt, udp_pkt)

V4 = "192.0.2.33"
PEER = "198.51.100.7"

# RFC 6052 §2.4 Table (Figure 2 of the RFC), all for 192.0.2.33.
VECTORS = [
    ("2001:db8::", 32, "2001:db8:c000:221::"),
    ("2001:db8:100::", 40, "2001:db8:1c0:2:21::"),
    ("2001:db8:122::", 48, "2001:db8:122:c000:2:2100::"),
    ("2001:db8:122:300::", 56, "2001:db8:122:3c0:0:221::"),
    ("2001:db8:122:344::", 64, "2001:db8:122:344:c0:2:2100::"),
    ("2001:db8:122:344::", 96, "2001:db8:122:344::c000:221"),
    ("64:ff9b::", 96, "64:ff9b::c000:221"),
]
# Compare in canonical RFC 5952 text (the RFC writes "...:2100::" where
# RFC 5952 wants "...:2100:0").
VECTORS = [(p, n, str(ipaddress.IPv6Address(e))) for p, n, e in VECTORS]
LENGTHS = [32, 40, 48, 56, 64, 96]
PREFIX_FOR = {32: "2001:db8::", 40: "2001:db8:100::", 48: "2001:db8:122::",
              56: "2001:db8:122:300::", 64: "2001:db8:122:344::",
              96: "2001:db8:122:344::"}


def pconf(prefix, plen, extra="", glob=""):
    g = glob
    if prefix.startswith("64:ff9b::") and plen == 96:
        g += "\nallow-nonglobal-wkp = yes"
    return conf(extra, pref64="%s/%d" % (prefix, plen), glob=g)


def no4(out):
    """Not translated v4->v6: at most an ICMPv4 3/13 back (RFC 7915 §4.4)."""
    return only_errors_back(out, 4, 3, 13)


def no6(out):
    """Not translated v6->v4: at most an ICMPv6 1/1 back (RFC 7915 §5.4)."""
    return only_errors_back(out, 6, 1, 1)


def one6(pkts, text):
    out, summ = xlat_raw(pkts, text)
    assert len(out) == 1, summ
    return P6(out[0]), summ


def one4(pkts, text):
    out, summ = xlat_raw(pkts, text)
    assert len(out) == 1, summ
    return P4(out[0]), summ


# ------------------------------------------------------------ §2.4 vectors

@pytest.mark.parametrize("prefix,plen,expect", VECTORS,
                         ids=["%s/%d" % (v[0], v[1]) for v in VECTORS])
def test_rfc6052_2_4_vectors_destination(prefix, plen, expect):
    # covers: RFC 6052 §2.2 (composition table), §2.4 (vectors), §3.1 (check
    # off for the WKP vector: allow-nonglobal-wkp)
    o, _ = one6([udp_pkt(PEER, V4)], pconf(prefix, plen))
    assert o.dst == expect
    assert o.src == compose(prefix, plen, PEER)


@pytest.mark.parametrize("prefix,plen,expect", VECTORS,
                         ids=["%s/%d" % (v[0], v[1]) for v in VECTORS])
def test_rfc6052_2_4_vectors_source(prefix, plen, expect):
    o, _ = one6([udp_pkt(V4, PEER)], pconf(prefix, plen))
    assert o.src == expect


@pytest.mark.parametrize("prefix,plen,expect", VECTORS,
                         ids=["%s/%d" % (v[0], v[1]) for v in VECTORS])
def test_rfc6052_2_3_extraction_vectors(prefix, plen, expect):
    # covers: RFC 6052 §2.3 (extraction per length), §2.4 (vectors reversed)
    pkt = udp6_pkt(expect, compose(prefix, plen, PEER))
    o, _ = one4([pkt], pconf(prefix, plen))
    assert (o.src, o.dst) == (V4, PEER)


def test_rfc6052_3_1_vector_dropped_with_check_on():
    # covers: RFC 6052 §3.1 (companion: the WKP vector is dropped when the
    # non-global check is on, in both directions)
    out, summ = xlat_raw([udp_pkt(PEER, V4)], CONF_WKP_STRICT)
    assert no4(out) and summ.get("wkp_nonglobal") == 1
    out, summ = xlat_raw([udp6_pkt("64:ff9b::c633:6407", "64:ff9b::c000:221")],
                         CONF_WKP_STRICT)
    assert no6(out) and summ.get("wkp_nonglobal") == 1


# ------------------------------------------------------------ §2.2 rules

@pytest.mark.parametrize("plen", LENGTHS)
@pytest.mark.parametrize("v4", ["203.0.113.255", "223.255.255.254",
                                "198.51.100.129"])
def test_rfc6052_2_2_u_octet_and_suffix_zero(plen, v4):
    # covers: RFC 6052 §2.2 (byte 8 written as zero, MUST; suffix zero,
    # SHOULD; placement per the table)
    text = pconf(PREFIX_FOR[plen], plen, extra="drop-invalid-source = no")
    o, _ = one6([udp_pkt("192.0.2.1", v4)], text)
    b = p6(o.dst)
    assert b[8] == 0, "u octet must be zero"
    assert o.dst == compose(PREFIX_FOR[plen], plen, v4)
    end = {32: 9, 40: 10, 48: 11, 56: 12, 64: 13, 96: 16}[plen]
    assert b[end:] == bytes(16 - end), "suffix must be zero"


@pytest.mark.parametrize("plen", [0, 8, 33, 63, 65, 95, 97, 128])
def test_rfc6052_2_2_bad_prefix_length_refused(plen):
    text = "# prefix length %d\n\npref64 = 2001:db8::/%d\n[siit]\n" % (plen,
                                                                       plen)
    rc, err, path = config_check(text)
    assert rc == 1, err
    assert re.search(r":3: ", err), "expected file:line: on stderr: %r" % err
    rc, err = translate_rc(text, [udp_pkt()])
    assert rc == 1, err


@pytest.mark.parametrize("plen", LENGTHS)
def test_rfc6052_2_2_good_prefix_lengths_accepted(plen):
    rc, err, _ = config_check(pconf(PREFIX_FOR[plen], plen))
    assert rc == 0, err


def test_rfc6052_2_2_nsp96_nonzero_u_refused():
    # PROJECT: the RFC puts the MUST on the administrator; sixgate refuses.
    text = "pref64 = 2001:db8:122:344:ff00::/96\n[siit]\n"
    rc, err, _ = config_check(text)
    assert rc == 1, err
    assert re.search(r":1: ", err), err
    rc, err, _ = config_check("[siit]\npool6 = 2001:db8:0:0:100::/96\n")
    assert rc == 1, err
    assert re.search(r":2: ", err), err


@pytest.mark.parametrize("plen", LENGTHS)
def test_rfc6052_2_2_extraction_ignores_suffix(plen):
    # covers: RFC 6052 §2.2 (non-zero suffix ignored on extraction, SHOULD),
    # §2.3 (a non-zero u octet is ignored too, PROJECT)
    src = bytearray(p6(compose(PREFIX_FOR[plen], plen, V4)))
    end = {32: 9, 40: 10, 48: 11, 56: 12, 64: 13, 96: 16}[plen]
    for i in range(end, 16):
        src[i] = 0xA5
    if plen != 96:
        src[8] = 0xFF
    pkt = udp6_pkt(a6(src), compose(PREFIX_FOR[plen], plen, PEER))
    o, summ = one4([pkt], pconf(PREFIX_FOR[plen], plen))
    assert o.src == V4


def test_rfc6052_2_4_dotted_quad_tail_parsed():
    # The parser accepts x:x:x:x:x:x:d.d.d.d (RFC 4291 §2.2 form used in
    # RFC 6052 §2.4).
    text = "pref64 = 2001:db8:122:344::0.0.0.0/96\n[siit]\n"
    rc, err, _ = config_check(text)
    assert rc == 0, err
    o, _ = one6([udp_pkt(PEER, V4)], text)
    assert o.dst == "2001:db8:122:344::c000:221"
    text = conf("eam = 192.0.2.33 2001:db8:aaaa::192.0.2.34")
    o, _ = one6([udp_pkt(PEER, V4)], text)
    assert o.dst == "2001:db8:aaaa::c000:222"


# ------------------------------------------------------------ §3.1 WKP rule

NONGLOBAL = [
    ("0.0.0.0/8", "0.1.2.3"), ("10.0.0.0/8", "10.1.2.3"),
    ("127.0.0.0/8", "127.0.0.1"), ("169.254.0.0/16", "169.254.7.7"),
    ("172.16.0.0/12", "172.31.255.1"), ("192.0.0.0/24", "192.0.0.9"),
    ("192.0.2.0/24", "192.0.2.200"), ("192.88.99.0/24", "192.88.99.1"),
    ("192.168.0.0/16", "192.168.1.1"), ("198.18.0.0/15", "198.19.255.1"),
    ("198.51.100.0/24", "198.51.100.200"), ("203.0.113.0/24", "203.0.113.9"),
    ("224.0.0.0/4", "239.1.2.3"), ("240.0.0.0/4", "240.0.0.1"),
    ("255.255.255.255", "255.255.255.255"), ("100.64.0.0/10", "100.127.1.1"),
]
# R6 is an IPv6 host mapped by EAM, so the WKP check never applies to it.
EAM_PEER4, EAM_PEER6 = "198.51.100.10", "2001:db8:eeee::10"
WKP_EAM = ("pref64 = 64:ff9b::/96\n%s\n[siit]\n"
           "eam = 198.51.100.10 2001:db8:eeee::10\n"
           "drop-invalid-source = no\n")


@pytest.mark.parametrize("rng,addr", NONGLOBAL, ids=[n[0] for n in NONGLOBAL])
def test_rfc6052_3_1_nonglobal_source_v4to6(rng, addr):
    # covers: RFC 6052 §3.1 (MUST NOT translate, v4->v6, source side; the
    # RFC 5735 list plus 100.64.0.0/10, PROJECT)
    pkt = ip4(addr, EAM_PEER4, 17, udp4(addr, EAM_PEER4, 1, 2, b"x" * 8))
    out, summ = xlat_raw([pkt], WKP_EAM % "")
    assert no4(out), "WKP + %s must not be translated" % addr
    assert summ.get("wkp_nonglobal") == 1, summ
    # The same packet with the check switched off is translated: the drop
    # above is the RFC 6052 §3.1 rule and nothing else.
    out, summ = xlat_raw([pkt], WKP_EAM % "allow-nonglobal-wkp = yes")
    assert len(out) == 1, summ
    o = P6(out[0])
    assert (o.src, o.dst) == (compose("64:ff9b::", 96, addr), EAM_PEER6)


@pytest.mark.parametrize("rng,addr", NONGLOBAL, ids=[n[0] for n in NONGLOBAL])
def test_rfc6052_3_1_nonglobal_destination_v6to4(rng, addr):
    # covers: RFC 6052 §3.1 (MUST drop, v6->v4 direction, destination side)
    pkt = udp6_pkt(EAM_PEER6, compose("64:ff9b::", 96, addr))
    out, summ = xlat_raw([pkt], WKP_EAM % "")
    assert no6(out)
    if rng in ("224.0.0.0/4", "240.0.0.0/4", "255.255.255.255"):
        assert summ["dropped"] == 1 and (summ.get("wkp_nonglobal") or
                                         summ.get("dst_invalid")), summ
    else:
        assert summ.get("wkp_nonglobal") == 1, summ


def test_rfc6052_3_1_nonglobal_destination_v4to6_and_source_v6to4():
    # covers: RFC 6052 §3.1 (the other two sides), §3.1 list configurable
    # (PROJECT: wkp-nonglobal replaces the default list)
    text = "pref64 = 64:ff9b::/96\nwkp-nonglobal = 10.0.0.0/8\n[siit]\n"
    out, summ = xlat_raw([udp_pkt("192.0.2.1", "10.1.2.3")], text)
    assert no4(out) and summ.get("wkp_nonglobal") == 1, summ
    out, summ = xlat_raw([udp6_pkt("64:ff9b::a01:203", "64:ff9b::c000:201")],
                         text)
    assert no6(out) and summ.get("wkp_nonglobal") == 1, summ
    # 192.0.2.0/24 is global under this list, 100.64.0.0/10 too.
    out, summ = xlat_raw([udp_pkt("192.0.2.1", "100.64.0.1")], text)
    assert len(out) == 1, summ
    assert P6(out[0]).dst == "64:ff9b::6440:1"


def test_rfc6052_3_1_default_switch_on():
    # covers: RFC 6052 §3.1 draft-ietf-v6ops-nat64-wkp-1918 (the restriction
    # stays behind a default-on switch: allow-nonglobal-wkp defaults to no)
    pkt = udp_pkt("192.0.2.1", "198.51.100.1")
    out, summ = xlat_raw([pkt], "pref64 = 64:ff9b::/96\n[siit]\n")
    assert no4(out) and summ.get("wkp_nonglobal") == 1
    out, summ = xlat_raw([pkt], CONF_WKP_LAB)
    assert len(out) == 1


@pytest.mark.parametrize("pref", ["2001:db8:64::/96", "2001:db8:64::/64",
                                  "64:ff9b:1::/96", "64:ff9b:1::/48",
                                  "64:ff9b:1:abcd::/64"])
def test_rfc6052_3_1_check_not_applied_to_nsp(pref):
    # covers: RFC 6052 §3.1 (keyed to exactly 64:ff9b::/96), RFC 8215 §5
    # (the non-global rule does not apply inside 64:ff9b:1::/48)
    text = "pref64 = %s\n[siit]\n" % pref
    out, summ = xlat_raw([udp_pkt("192.0.2.1", "10.1.2.3")], text)
    assert len(out) == 1, summ
    prefix, plen = pref.split("/")
    o = P6(out[0])
    assert o.src == compose(prefix, int(plen), "192.0.2.1")
    assert o.dst == compose(prefix, int(plen), "10.1.2.3")


@pytest.mark.parametrize("pref", ["64:ff9b::/64", "64:ff9b::/56"])
def test_rfc6052_2_1_shorter_64ff9b_is_not_wkp(pref):
    # A "64:ff9b::/n" with n < 96 is not the WKP: either it is refused as a
    # prefix, or, if accepted, the RFC 6052 §3.1 check must not apply to it.
    text = "pref64 = %s\n[siit]\n" % pref
    rc, err, _ = config_check(text)
    if rc != 0:
        assert rc == 1 and re.search(r":1: ", err), err
        return
    out, summ = xlat_raw([udp_pkt("192.0.2.1", "10.1.2.3")], text)
    assert len(out) == 1, summ
    assert summ.get("wkp_nonglobal") is None


def test_rfc6052_3_1_wkp_for_translatable_warns():
    # RFC 6052 §3.1: the WKP SHOULD NOT be used for IPv4-translatable
    # addresses; a SIIT [siit] instance gives IPv6 hosts such addresses, so
    # configuring it with the WKP draws a warning (config still valid).
    rc, err, _ = config_check("pref64 = 64:ff9b::/96\n[siit]\n")
    assert rc == 0, err
    assert "warn" in err.lower(), "no warning: %r" % err
    rc, err, _ = config_check(CONF_NSP_ONLY)
    assert rc == 0 and "warn" not in err.lower(), err


CONF_NSP_ONLY = "pref64 = 2001:db8:64::/96\n[siit]\n"


def test_rfc6052_3_3_one_nsp_for_both_directions():
    # RFC 6052 §3.3: the stateless translator uses one NSP for the
    # IPv4-translatable (source) and IPv4-converted (destination) side.
    o, _ = one6([udp_pkt("192.0.2.1", "203.0.113.5")], CONF_NSP_ONLY)
    assert (o.src, o.dst) == ("2001:db8:64::c000:201", "2001:db8:64::cb00:7105")
    o, _ = one4([udp6_pkt("2001:db8:64::cb00:7105", "2001:db8:64::c000:201")],
                CONF_NSP_ONLY)
    assert (o.src, o.dst) == ("203.0.113.5", "192.0.2.1")


def test_rfc6052_3_4_default_prefix_is_wkp():
    # RFC 6052 §3.4: the WKP is the default (pref64 defaults to 64:ff9b::/96)
    text = "allow-nonglobal-wkp = yes\n[siit]\n"
    o, _ = one6([udp_pkt(PEER, V4)], text)
    assert o.dst == "64:ff9b::c000:221"


# ------------------------------------------------------------ RFC 8215

@pytest.mark.parametrize("pref,expect", [
    ("64:ff9b:1::/48", "64:ff9b:1:c000:2:2100::"),
    ("64:ff9b:1:ab00::/56", "64:ff9b:1:abc0:0:221::"),
    ("64:ff9b:1:abcd::/64", "64:ff9b:1:abcd:c0:2:2100:0"),
    ("64:ff9b:1::/96", "64:ff9b:1::c000:221"),
])
def test_rfc8215_5_local_use_prefix_accepted(pref, expect):
    text = "pref64 = %s\n[siit]\n" % pref
    rc, err, _ = config_check(text)
    assert rc == 0, err
    o, _ = one6([udp_pkt(PEER, V4)], text)
    assert o.dst == expect


def test_rfc8215_5_local_use_prefix_in_eam():
    text = "pref64 = 2001:db8:64::/96\n[siit]\neam = 192.0.2.33 64:ff9b:1::21\n"
    o, _ = one6([udp_pkt(PEER, V4)], text)
    assert o.dst == "64:ff9b:1::21"


def test_rfc8215_5_aggregate_47_refused():
    # RFC 8215 §5: 64:ff9b::/47 covers unallocated space (refusal: PROJECT).
    text = "\npref64 = 64:ff9b::/47\n[siit]\n"
    rc, err, _ = config_check(text)
    assert rc == 1, err
    assert re.search(r":2: ", err), err


def test_rfc8215_6_checksums_always_updated():
    # RFC 8215 §6: no prefix is assumed checksum-neutral; the UDP checksum
    # is right after translation with a local-use prefix.
    o, _ = one6([udp_pkt(PEER, V4)], "pref64 = 64:ff9b:1::/96\n[siit]\n")
    assert o.ulp == 17 and o.l4_ok()
