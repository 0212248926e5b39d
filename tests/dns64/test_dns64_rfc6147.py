# SPDX-License-Identifier: BSD-2-Clause
"""RFC 6147 DNS64 through sixgated [dns64], with dig, against the test zone
served by NSD through a validating unbound (conftest.py draws it):

   dig -> sixgated [dns64] 127.0.0.1:P1 -> unbound 127.0.0.1:P2 -> NSD 127.0.0.1:P0
          pref64 64:ff9b::/96 (allow-nonglobal-wkp = yes: the zone uses
          documentation addresses), prefix 2001:db8:64::/96 for
          203.0.113.0/24, dnssec = yes with signed.test.'s key, ptr = yes

Each test names the checklist line (../shared/spec/CONFORMANCE.md §14) it
checks.  TTLs are checked as upper bounds with some slack below, since the
caches on the way count them down.
"""
import pytest

from dns64_util import NEG_TTL, dig, ptr_name

AONLY6 = "64:ff9b::c000:201"


def _synth(a):
    return a.rdata("AAAA")


# -- 5.1.6 / 5.1.7: synthesis and its TTL -------------------------------------

def test_rfc6147_5_1_6_a_only_name_synthesised(dns64):
    a = dns64.dig("aonly.test.")
    assert a.rcode == "NOERROR", a
    assert _synth(a) == [AONLY6], a
    # A records are turned into AAAA, not returned themselves
    assert not a.rrs("A"), a
    assert a.answer[0][0] == "aonly.test.", a


def test_rfc6147_5_1_7_two_a_records_two_synthetic_aaaa(dns64):
    a = dns64.dig("atwo.test.")
    assert _synth(a) == ["64:ff9b::c000:207", "64:ff9b::c000:208"], a


def test_rfc6147_5_1_7_ttl_min_of_a_and_negative_soa(dns64):
    # A TTL 300, SOA negative TTL 120 -> 120
    a = dns64.dig("aonly.test.")
    t = a.ttls("AAAA")
    assert t and NEG_TTL - 30 <= t[0] <= NEG_TTL, a
    # A TTL 3600 -> 120
    a = dns64.dig("along.test.")
    t = a.ttls("AAAA")
    assert t and NEG_TTL - 30 <= t[0] <= NEG_TTL, a
    # A TTL 30 < 120 -> 30
    a = dns64.dig("ashort.test.")
    t = a.ttls("AAAA")
    assert t and 0 < t[0] <= 30, a


def test_rfc6147_5_1_7_synthetic_rr_type_class(dns64):
    out = dns64.dig("aonly.test.").out
    line = [ln for ln in out.splitlines() if ln.startswith("aonly.test.")]
    assert line and line[0].split()[2:4] == ["IN", "AAAA"], out


# -- 5.1.1 / 5.1.2 / 5.1.5 ----------------------------------------------------

def test_rfc6147_5_1_1_dual_stack_real_aaaa_only(dns64):
    a = dns64.dig("dual.test.")
    assert a.rcode == "NOERROR" and _synth(a) == ["2001:db8::3"], a


def test_rfc6147_5_1_5_cname_chain_kept_in_answer(dns64):
    a = dns64.dig("cname.test.")
    assert a.rcode == "NOERROR", a
    chain = [(rr[0], rr[3].lower()) for rr in a.rrs("CNAME")]
    assert ("cname.test.", "alias1.test.") in chain, a
    assert ("alias1.test.", "aonly.test.") in chain, a
    assert [rr[0] for rr in a.rrs("AAAA")] == ["aonly.test."], a
    assert _synth(a) == [AONLY6], a


def test_rfc6147_5_1_5_cname_to_dual_stack_no_synthesis(dns64):
    a = dns64.dig("cnamedual.test.")
    assert a.rdata("CNAME") == ["dual.test."], a
    assert _synth(a) == ["2001:db8::3"], a


def test_rfc6147_5_1_2_nxdomain_passed_through(dns64):
    a = dns64.dig("absent.test.")
    assert a.rcode == "NXDOMAIN" and not a.answer, a
    assert a.rrs("SOA", "AUTHORITY"), a


def test_rfc6147_5_1_6_nodata_stays_empty(dns64):
    a = dns64.dig("nodata.test.")
    assert a.rcode == "NOERROR" and not a.answer, a


# -- 5.1.4: excluded AAAA -----------------------------------------------------

def test_rfc6147_5_1_4_only_excluded_aaaa_counts_as_empty(dns64):
    a = dns64.dig("mapped.test.")
    assert _synth(a) == ["64:ff9b::c000:204"], a


def test_rfc6147_5_1_4_mixed_returns_only_non_excluded(dns64):
    a = dns64.dig("mixed.test.")
    assert _synth(a) == ["2001:db8::5"], a


def test_rfc6147_5_1_4_excluded_never_returned(dns64):
    a = dns64.dig("mappedonly.test.")
    assert a.rcode == "NOERROR" and not a.rrs("AAAA"), a
    for name in ("mapped.test.", "mixed.test."):
        a = dns64.dig(name)
        assert not [x for x in _synth(a) if x.startswith("::ffff:")], a


# -- which IPv4 may be mapped -------------------------------------------------

def test_rfc6052_3_1_private_a_allowed_with_allow_nonglobal_wkp(dns64):
    assert _synth(dns64.dig("private.test.")) == ["64:ff9b::c0a8:101"]
    assert _synth(dns64.dig("private10.test.")) == ["64:ff9b::a01:203"]


def test_rfc6147_5_1_7_map_out_loopback_and_this_network(dns64):
    for name in ("loop.test.", "zero.test."):
        a = dns64.dig(name)
        assert a.rcode == "NOERROR" and not a.rrs("AAAA"), a


def test_rfc6147_5_1_7_each_a_checked(dns64):
    """One A may be mapped, the other (127.0.0.2) may not."""
    a = dns64.dig("someloop.test.")
    assert _synth(a) == ["64:ff9b::c000:20a"], a


def test_rfc6147_5_per_range_prefix(dns64):
    a = dns64.dig("range.test.")
    assert _synth(a) == ["2001:db8:64::cb00:7107"], a


# -- 5.1 / 5.3.3: what is left alone ------------------------------------------

def test_rfc6147_5_3_3_a_query_unchanged(dns64):
    a = dns64.dig("aonly.test.", "A")
    assert a.rdata("A") == ["192.0.2.1"] and not a.rrs("AAAA"), a
    a = dns64.dig("dual.test.", "A")
    assert a.rdata("A") == ["192.0.2.3"], a


def test_rfc6147_5_3_3_other_types_unchanged(dns64):
    a = dns64.dig("nodata.test.", "TXT")
    assert a.rdata("TXT") == ['"no address records"'], a
    a = dns64.dig("test.", "SOA")
    assert a.rrs("SOA"), a


def test_rfc6147_5_1_only_class_in(dns64):
    a = dns64.dig("aonly.test.", qclass="CH")
    assert not a.rrs("AAAA"), a
    # and the daemon still answers IN afterwards
    assert _synth(dns64.dig("aonly.test.")) == [AONLY6]


# -- 5.3.1: PTR ---------------------------------------------------------------

def test_rfc6147_5_3_1_ptr_under_wkp_cname_to_in_addr_arpa(dns64):
    a = dns64.dig("64:ff9b::c000:201", reverse=True)
    assert a.rcode == "NOERROR", a
    cn = a.rrs("CNAME")
    assert cn and cn[0][0] == ptr_name("64:ff9b::c000:201") and \
        cn[0][3].lower() == "1.2.0.192.in-addr.arpa.", a
    assert a.rdata("PTR") == ["aonly.test."], a


def test_rfc6147_5_3_1_ptr_under_wkp_outside_as112_zones(dns64):
    """198.18.0.1: its in-addr.arpa zone is not one of unbound's default
    local zones, so this holds whatever the resolver library does with
    those."""
    a = dns64.dig("64:ff9b::c612:1", reverse=True)
    assert a.rdata("CNAME") == ["1.0.18.198.in-addr.arpa."], a
    assert a.rdata("PTR") == ["bench.test."], a


def test_rfc6147_5_3_1_ptr_without_ptr_data_not_synthesised(dns64):
    a = dns64.dig("64:ff9b::c000:2fe", reverse=True)
    assert a.rcode == "NXDOMAIN" and not a.rrs("PTR"), a


def test_rfc6147_5_3_1_ptr_target_is_cname_not_synthesised(dns64):
    """192.0.2.40 has a CNAME, not PTR data: no CNAME is synthesised."""
    a = dns64.dig("64:ff9b::c000:228", reverse=True)
    assert not [rr for rr in a.rrs("CNAME")
                if rr[0] == ptr_name("64:ff9b::c000:228")], a


def test_rfc6147_5_3_1_ptr_outside_pref64_resolved_normally(dns64):
    a = dns64.dig("3fff::1", reverse=True)
    assert a.rcode == "NOERROR" and a.rdata("PTR") == ["rev6.test."], a
    assert not a.rrs("CNAME"), a


# -- RFC 8880 / RFC 7050: ipv4only.arpa ---------------------------------------

def test_rfc8880_7_1_ipv4only_arpa_a(dns64):
    a = dns64.dig("ipv4only.arpa.", "A")
    assert a.rcode == "NOERROR", a
    assert a.rdata("A") == ["192.0.0.170", "192.0.0.171"], a
    t = a.ttls("A")
    assert all(3000 <= x <= 3600 for x in t), a


def test_rfc8880_7_1_ipv4only_arpa_aaaa_under_every_prefix(dns64):
    a = dns64.dig("ipv4only.arpa.")
    got = set(_synth(a))
    assert {"64:ff9b::c000:aa", "64:ff9b::c000:ab"} <= got, a
    # nothing else than the two addresses under a configured prefix
    assert got <= {"64:ff9b::c000:aa", "64:ff9b::c000:ab",
                   "2001:db8:64::c000:aa", "2001:db8:64::c000:ab"}, a
    assert all(3000 <= x <= 3600 for x in a.ttls("AAAA")), a


def test_rfc8880_7_1_ipv4only_arpa_other_type_nodata(dns64):
    a = dns64.dig("ipv4only.arpa.", "MX")
    assert a.rcode == "NOERROR" and not a.answer, a


def test_rfc8880_7_1_ipv4only_arpa_subdomain_nxdomain(dns64):
    a = dns64.dig("www.ipv4only.arpa.", "AAAA")
    assert a.rcode == "NXDOMAIN", a


def test_rfc8880_7_1_ipv4only_arpa_reverse_v4(dns64):
    for addr in ("192.0.0.170", "192.0.0.171"):
        a = dns64.dig(addr, reverse=True)
        assert a.rdata("PTR") == ["ipv4only.arpa."], a


def test_rfc8880_7_2_1_ipv4only_arpa_reverse_under_pref64(dns64):
    for addr in ("64:ff9b::c000:aa", "64:ff9b::c000:ab"):
        a = dns64.dig(addr, reverse=True)
        assert a.rcode == "NOERROR", a
        assert a.rdata("PTR") == ["ipv4only.arpa."], a


# -- transport ----------------------------------------------------------------

def test_rfc6147_5_4_large_answer_truncated_then_tcp(dns64):
    a = dns64.dig("many.test.")             # EDNS 1232 over UDP
    assert a.tcp_retry, a
    assert a.rcode == "NOERROR" and len(a.rrs("AAAA")) == 64, a
    assert "(TCP)" in a.out, a


def test_rfc6147_5_4_large_answer_without_edns_truncated(dns64):
    a = dns64.dig("many.test.", extra=["+noedns"])
    assert a.tcp_retry and len(a.rrs("AAAA")) == 64, a


def test_rfc6147_5_4_large_answer_fits_big_edns_buffer(dns64):
    a = dns64.dig("many.test.", extra=["+bufsize=4096"])
    assert not a.tcp_retry and len(a.rrs("AAAA")) == 64, a
    assert sorted(_synth(a)) == sorted("64:ff9b::c000:2%02x" % i
                                       for i in range(100, 164)), a


def test_tcp_query(dns64):
    a = dns64.dig("aonly.test.", extra=["+tcp"])
    assert _synth(a) == [AONLY6] and "(TCP)" in a.out, a


def test_tc_flag_set_on_udp_without_retry(dns64):
    a = dns64.dig("many.test.", extra=["+ignore", "+noedns"])
    assert "tc" in a.flags, a


# -- 5.5: DNSSEC, the four CD/DO combinations ---------------------------------

SIGNED6 = "64:ff9b::c000:215"


def test_rfc6147_5_5_cd0_do0_synthesised_no_ad(dns64):
    a = dns64.dig("aonly.signed.test.")     # dig sets AD in the query
    assert a.rcode == "NOERROR" and _synth(a) == [SIGNED6], a
    assert "ad" not in a.flags, a


def test_rfc6147_5_5_cd0_do1_synthesised_with_ad(dns64):
    a = dns64.dig("aonly.signed.test.", extra=["+dnssec"])
    assert a.rcode == "NOERROR" and _synth(a) == [SIGNED6], a
    assert "ad" in a.flags, a


def test_rfc6147_5_5_cd1_do1_no_synthesis(dns64):
    a = dns64.dig("aonly.signed.test.", extra=["+dnssec", "+cd"])
    assert a.rcode == "NOERROR", a
    assert not a.rrs("AAAA"), a


def test_rfc6147_5_5_cd1_do0_synthesised_never_ad(dns64):
    """Not covered by RFC 6147: sixgate synthesises and never sets AD
    (PROJECT decision, docs/conformance.md)."""
    a = dns64.dig("aonly.signed.test.", extra=["+cd"])
    assert a.rcode == "NOERROR" and _synth(a) == [SIGNED6], a
    assert "ad" not in a.flags, a


def test_rfc6147_5_5_real_signed_aaaa_validated(dns64):
    a = dns64.dig("dual.signed.test.", extra=["+dnssec"])
    assert _synth(a) == ["2001:db8::22"] and "ad" in a.flags, a


@pytest.mark.parametrize("extra", [["+dnssec"], []], ids=["do1", "do0"])
def test_rfc6147_5_5_validation_failure_servfail(dns64, extra):
    a = dns64.dig("bogus.signed.test.", extra=extra)
    assert a.rcode == "SERVFAIL" and not a.rrs("AAAA"), a


def test_rfc6147_5_5_cd1_do1_bogus_plain_resolution(dns64):
    a = dns64.dig("bogus.signed.test.", extra=["+dnssec", "+cd"])
    assert a.rcode == "NOERROR" and not a.rrs("AAAA"), a


# -- the reference: unbound's dns64 module gives the same answers -------------

@pytest.mark.parametrize("name", ["aonly.test.", "atwo.test.", "dual.test.",
                                  "cname.test.", "cnamedual.test.",
                                  "absent.test.", "nodata.test.",
                                  "private.test.", "aonly.signed.test."])
def test_same_answer_as_unbound_dns64(dns64, ref64, name):
    mine, ref = dns64.dig(name), dig(ref64.port, name)
    assert mine.rcode == ref.rcode, (mine, ref)
    for t in ("AAAA", "CNAME"):
        assert mine.rdata(t) == ref.rdata(t), (mine, ref)
