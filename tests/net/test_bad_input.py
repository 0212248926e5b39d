# SPDX-License-Identifier: BSD-2-Clause
"""Bad input on a live sixgated: malformed, truncated and fuzzed packets
reach the translator from both sides; it must keep running, keep
answering its control socket, count every drop under its reason
(STYLE.md 7, docs/daemon.md "Counters") and still translate good packets.

      h6 (IPv6 only)            xl (sixgated [siit])               r4 (IPv4 router)          s4 (IPv4 only)
   2001:db8:6::10/64 -------- 2001:db8:6::1/64
                                TUN sgsTAG  <== inject.py tun (AF_PACKET on the TUN:
   default -> xl                                no kernel header checks)
                               198.51.100.1/24 ------------------ 198.51.100.2/24
                                                                    203.0.113.1/24 ---------- 203.0.113.10/24
   inject.py wire: scapy fuzz() from h6 (IPv6)  and  from s4 (IPv4), through the kernel

   h6 = 192.0.2.10 (EAM), s4 = 64:ff9b::cb00:710a (pool6).  Bounded: about
   1500 packets into the TUN and 400 over the wire, a few seconds.
   icmp-error-rate = 20 so that a burst shows the limiter.
"""
import json
import os
import time

import pytest

from conftest import HELPERS, PY, Sixgated, counter, ping
import topo
from topo import H6_AS4, S4_AS6

# drop reasons of xlat_reason_name() (src/core/xlat.h)
REASONS = ["truncated", "bad_version", "bad_header", "bad_ip4_csum",
           "src_invalid", "dst_invalid", "no_map_src", "no_map_dst",
           "wkp_nonglobal", "ttl_expired", "source_route", "segments_left",
           "bad_ext_hdr", "frag_ext_hdr", "too_big", "icmp_type",
           "icmp_pointer", "icmp_fragmented", "icmp_nested", "icmp_inner",
           "icmp_short", "igmp", "udp_zero_csum", "frag_too_small",
           "no_space"]
MALFORMED = ["truncated", "bad_version", "bad_header", "bad_ext_hdr"]
ICMP_BAD = ["icmp_type", "icmp_pointer", "icmp_fragmented", "icmp_nested",
            "icmp_inner", "icmp_short", "truncated", "bad_header"]


@pytest.fixture(scope="module")
def bad(netfactory):
    net = topo.build_siit(netfactory("bad"))
    net.tun = topo.tun_name(net)
    net.d = Sixgated(net, "xl", topo.siit_conf(
        net.tun, global_extra="icmp-error-rate = 20")).start()
    ping(net, "h6", S4_AS6)            # the path works before we start
    net.before = net.d.stats()
    r = net.ex("xl", [PY, os.path.join(HELPERS, "inject.py"), "tun",
                      net.tun, "7915", "300"], timeout=120)
    net.sent = json.loads(r.stdout.strip().splitlines()[-1])
    time.sleep(0.5)                    # let the workers drain the queue
    net.after = net.d.stats()
    yield net
    net.d.stop()


def delta(net, *names):
    return counter(net.after, *names) - counter(net.before, *names)


def test_daemon_survives_malformed_packets(bad):
    assert bad.d.alive(), "sixgated died:\n" + bad.d.log()
    r = bad.d.ctl("status", check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_rfc7915_4_1_bad_ipv4_checksum_counted(bad):
    assert delta(bad, "bad_ip4_csum") >= bad.sent["bad_ip4_csum"], (
        "sent %d, counted %d" % (bad.sent["bad_ip4_csum"],
                                 delta(bad, "bad_ip4_csum")))


def test_rfc7915_4_1_5_1_ttl_expired_counted(bad):
    assert delta(bad, "ttl_expired") >= bad.sent["ttl_expired"]


def test_rfc7915_4_1_invalid_source_counted(bad):
    assert delta(bad, "src_invalid") >= bad.sent["src_invalid"]


def test_rfc7915_4_2_igmp_counted(bad):
    assert delta(bad, "igmp") >= bad.sent["igmp"]


def test_rfc7915_5_1_segments_left_counted(bad):
    assert delta(bad, "segments_left") >= bad.sent["segments_left"]


def test_malformed_headers_counted(bad):
    got = delta(bad, *MALFORMED)
    assert got >= bad.sent["malformed"], {
        n: delta(bad, n) for n in MALFORMED}


def test_rfc7915_4_2_5_2_bad_icmp_counted(bad):
    """Truncated errors, errors about errors, untranslatable types,
    fragmented ICMP: each is dropped and counted under an ICMP reason."""
    got = delta(bad, *ICMP_BAD)
    assert got >= bad.sent["icmp_bad"], {n: delta(bad, n) for n in ICMP_BAD}


def test_every_injected_packet_is_accounted(bad):
    """Each packet read is translated or dropped under a reason: the
    daemon's read counters grow by at least what was injected."""
    total = sum(bad.sent.values())
    read = delta(bad, "in4", "in6")
    assert read >= total, "injected %d, read counters moved by %d" % (
        total, read)
    drops = sum(delta(bad, n) for n in REASONS)
    certain = total - bad.sent["fuzz4"] - bad.sent["fuzz6"]
    assert drops >= certain, {n: delta(bad, n) for n in REASONS}


def test_fuzzed_packets_over_the_wire(bad):
    for role, fam in (("s4", "v4"), ("h6", "v6")):
        bad.ex(role, [PY, os.path.join(HELPERS, "inject.py"), "wire",
                      "6877", "200", fam], timeout=120)
    assert bad.d.alive(), "sixgated died:\n" + bad.d.log()
    assert bad.d.ctl("status", check=False).returncode == 0


def test_valid_packets_still_translate(bad):
    ping(bad, "h6", S4_AS6, count=2)
    ping(bad, "s4", H6_AS4, count=2)


def test_d1_icmp_error_rate_limited(bad):
    """docs/daemon.md "Counters", deviation D1: generated ICMP errors pass a
    token bucket (icmp-error-rate = 20 here); a burst of 300 TTL-1 packets
    is counted in full, and most of its errors are rate-limited."""
    before = bad.d.stats()
    bad.ex("xl", [PY, os.path.join(HELPERS, "inject.py"), "ttl1", bad.tun,
                  "300"], timeout=60)
    time.sleep(0.5)
    after = bad.d.stats()
    d = {n: counter(after, n) - counter(before, n)
         for n in ("ttl_expired", "icmp_sent", "icmp_limited")}
    assert d["ttl_expired"] >= 300, d
    assert d["icmp_limited"] > 0, d
    assert d["icmp_sent"] + d["icmp_limited"] >= 300, d
    assert d["icmp_sent"] < 150, d
