# SPDX-License-Identifier: BSD-2-Clause
"""The test servers themselves, without sixgated: NSD serves the zones,
the signed zone validates through a plain unbound (and the altered record
does not), and unbound's own dns64 module answers the core RFC 6147 cases
the way the sixgated tests expect.  If these fail, the sixgated tests
cannot mean anything.

   dig -> NSD 127.0.0.1:P0            (authoritative answers, AA)
   dig -> unbound 127.0.0.1:P2        (validator iterator, stub zones -> NSD)
   dig -> unbound 127.0.0.1:P3        (dns64 validator iterator, 64:ff9b::/96)
"""
from dns64_util import NEG_TTL, dig, ptr_name


def test_nsd_answers_authoritatively(nsd):
    a = dig(nsd.port, "aonly.test.", "A", extra=["+norec"])
    assert a.rcode == "NOERROR" and "aa" in a.flags, a
    assert a.rdata("A") == ["192.0.2.1"], a
    a = dig(nsd.port, "aonly.test.", "AAAA", extra=["+norec"])
    assert a.rcode == "NOERROR" and a.answer == [], a
    soa = a.rrs("SOA", "AUTHORITY")
    assert soa and soa[0][1] == NEG_TTL, a
    assert dig(nsd.port, "absent.test.", "A").rcode == "NXDOMAIN"
    a = dig(nsd.port, ptr_name("3fff::1"), "PTR", extra=["+norec"])
    assert a.rdata("PTR") == ["rev6.test."], a


def test_nsd_rrl_off_answers_a_burst(nsd):
    """rrl-ratelimit: 0: 200 identical queries, none truncated/dropped."""
    import socket
    q = bytes.fromhex("beef00000001000000000000"
                      "05616f6e6c790474657374000001" "0001")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    for _ in range(200):
        s.sendto(q, ("127.0.0.1", nsd.port))
    got = 0
    try:
        while got < 200:
            r, _ = s.recvfrom(4096)
            assert not (r[2] & 0x02), "TC set: RRL is on"
            got += 1
    except socket.timeout:
        pass
    s.close()
    assert got == 200, got


def test_large_answer_truncates_at_nsd(nsd):
    a = dig(nsd.port, "many.test.", "A", extra=["+norec", "+bufsize=512"])
    assert a.tcp_retry and len(a.rrs("A")) == 64, a


def test_upstream_validates_signed_zone(upstream):
    a = dig(upstream.port, "aonly.signed.test.", "A", extra=["+dnssec"])
    assert a.rcode == "NOERROR" and "ad" in a.flags, a
    assert a.rdata("A") == ["192.0.2.21"], a
    a = dig(upstream.port, "aonly.signed.test.", "AAAA", extra=["+dnssec"])
    assert a.rcode == "NOERROR" and "ad" in a.flags and not a.answer, a


def test_upstream_bogus_is_servfail_unless_cd(upstream):
    a = dig(upstream.port, "bogus.signed.test.", "A", extra=["+dnssec"])
    assert a.rcode == "SERVFAIL", a
    a = dig(upstream.port, "bogus.signed.test.", "A",
            extra=["+dnssec", "+cd"])
    assert a.rcode == "NOERROR" and a.rdata("A") == ["192.0.2.31"], a
    # the negative AAAA of the same name is still valid
    a = dig(upstream.port, "bogus.signed.test.", "AAAA", extra=["+dnssec"])
    assert a.rcode == "NOERROR" and "ad" in a.flags and not a.answer, a


def test_upstream_unsigned_zone_not_ad(upstream):
    a = dig(upstream.port, "aonly.test.", "A", extra=["+dnssec"])
    assert a.rcode == "NOERROR" and "ad" not in a.flags, a


def test_upstream_reverse_zones(upstream):
    a = dig(upstream.port, "192.0.2.1", reverse=True)
    assert a.rdata("PTR") == ["aonly.test."], a
    a = dig(upstream.port, "198.18.0.1", reverse=True)
    assert a.rdata("PTR") == ["bench.test."], a


# -- unbound's dns64 module: the reference ------------------------------------

def test_reference_a_only_synthesised(ref64):
    a = dig(ref64.port, "aonly.test.")
    assert a.rcode == "NOERROR" and a.rdata("AAAA") == ["64:ff9b::c000:201"]
    # unbound keeps the A TTL (300) and ignores the negative AAAA's SOA
    # TTL (120): RFC 6147 5.1.7 is a SHOULD, sixgated is held to it
    assert 0 < a.ttls("AAAA")[0] <= 300, a


def test_reference_dual_stack_real_aaaa(ref64):
    a = dig(ref64.port, "dual.test.")
    assert a.rdata("AAAA") == ["2001:db8::3"], a


def test_reference_cname_chain_kept(ref64):
    a = dig(ref64.port, "cname.test.")
    assert a.rdata("CNAME") == ["alias1.test.", "aonly.test."], a
    assert a.rdata("AAAA") == ["64:ff9b::c000:201"], a


def test_reference_nxdomain_and_nodata(ref64):
    assert dig(ref64.port, "absent.test.").rcode == "NXDOMAIN"
    a = dig(ref64.port, "nodata.test.")
    assert a.rcode == "NOERROR" and not a.answer, a


def test_reference_signed_do_synthesised_with_ad(ref64):
    a = dig(ref64.port, "aonly.signed.test.", extra=["+dnssec"])
    assert a.rdata("AAAA") == ["64:ff9b::c000:215"], a


def test_reference_ptr_under_wkp(ref64):
    a = dig(ref64.port, "64:ff9b::c000:201", reverse=True)
    assert a.rdata("PTR") == ["aonly.test."], a
