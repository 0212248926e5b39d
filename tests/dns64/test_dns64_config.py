# SPDX-License-Identifier: BSD-2-Clause
"""sixgated [dns64] settings that change answers, each on its own instance
beside the main one, all forwarding to the same upstream (conftest.py):

   dig -> sixgated "wkp"     no allow-nonglobal-wkp          \\
   dig -> sixgated "acl"     listen 127.0.0.1 and ::1,          > unbound -> NSD
                             allow-client = ::1/128             |
   dig -> sixgated "lists"   exclude and map-out extended     /

   wkp:   RFC 6052 §3.1 (non-global IPv4 not synthesised under the WKP,
          ipv4only.arpa excepted, other prefixes unaffected)
   acl:   clients outside allow-client get plain resolution
   lists: exclude 2001:db8::/32 too (a real AAAA there counts as none),
          map-out 192.168.0.0/16 too (never synthesised)
"""
import pytest

from dns64_util import need_daemon


@pytest.fixture(scope="module")
def wkp(sixgated_factory, upstream):
    need_daemon()
    return sixgated_factory("wkp", upstream.port, nonglobal=False,
                            extra="prefix = 2001:db8:64::/96 203.0.113.0/24"
                            ).start()


@pytest.fixture(scope="module")
def acl(sixgated_factory, upstream):
    need_daemon()
    return sixgated_factory("acl", upstream.port,
                            listen=("127.0.0.1", "::1"),
                            extra="allow-client = ::1/128").start()


@pytest.fixture(scope="module")
def lists(sixgated_factory, upstream):
    need_daemon()
    return sixgated_factory("lists", upstream.port, extra="""\
exclude = ::ffff:0:0/96
exclude = 2001:db8::/32
map-out = 0.0.0.0/8
map-out = 127.0.0.0/8
map-out = 192.168.0.0/16
""").start()


# -- the well-known prefix and non-global IPv4 --------------------------------

def test_rfc6052_3_1_allow_nonglobal_wkp_refused_without_it(wkp):
    for name in ("private.test.", "private10.test.", "aonly.test.",
                 "bench.test."):
        a = wkp.dig(name)
        assert a.rcode == "NOERROR" and not a.rrs("AAAA"), a


def test_rfc6052_3_1_global_a_synthesised_under_wkp(wkp):
    a = wkp.dig("global.test.")
    assert a.rdata("AAAA") == ["64:ff9b::909:909"], a


def test_rfc6052_3_1_network_specific_prefix_unaffected(wkp):
    a = wkp.dig("range.test.")
    assert a.rdata("AAAA") == ["2001:db8:64::cb00:7107"], a


def test_rfc8880_7_1_ipv4only_arpa_synthesised_under_wkp_anyway(wkp):
    a = wkp.dig("ipv4only.arpa.")
    assert {"64:ff9b::c000:aa", "64:ff9b::c000:ab"} <= \
        set(a.rdata("AAAA")), a


def test_rfc6052_3_1_config_check_prints_no_allow(wkp):
    r = wkp.check_conf()
    assert r.returncode == 0, r.stderr
    assert "allow-nonglobal-wkp = yes" not in r.stdout, r.stdout


# -- allow-client -------------------------------------------------------------

def test_dns64_acl_allowed_client_gets_synthesis(acl):
    a = acl.dig("aonly.test.", host="::1")
    assert a.rdata("AAAA") == ["64:ff9b::c000:201"], a


def test_dns64_acl_other_client_gets_plain_resolution(acl):
    a = acl.dig("aonly.test.", host="127.0.0.1")
    assert a.rcode == "NOERROR" and not a.rrs("AAAA"), a
    # plain resolution still answers real records to it
    a = acl.dig("dual.test.", host="127.0.0.1")
    assert a.rdata("AAAA") == ["2001:db8::3"], a
    a = acl.dig("aonly.test.", "A", host="127.0.0.1")
    assert a.rdata("A") == ["192.0.2.1"], a


def test_dns64_acl_other_client_no_ptr_synthesis(acl):
    a = acl.dig("64:ff9b::c000:201", reverse=True, host="127.0.0.1")
    assert not a.rrs("CNAME"), a


# -- exclude and map-out ------------------------------------------------------

def test_rfc6147_5_1_4_exclude_configurable(lists):
    a = lists.dig("dual.test.")
    assert a.rdata("AAAA") == ["64:ff9b::c000:203"], a
    a = lists.dig("mixed.test.")
    assert a.rdata("AAAA") == ["64:ff9b::c000:205"], a


def test_rfc6147_5_1_7_map_out_configurable(lists):
    a = lists.dig("private.test.")
    assert a.rcode == "NOERROR" and not a.rrs("AAAA"), a
    a = lists.dig("private10.test.")
    assert a.rdata("AAAA") == ["64:ff9b::a01:203"], a
    a = lists.dig("loop.test.")
    assert a.rcode == "NOERROR" and not a.rrs("AAAA"), a
