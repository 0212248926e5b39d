# SPDX-License-Identifier: BSD-2-Clause
"""sixgated [siit] on a live network: ping, TCP, UDP/DNS, traceroute, MTU
and fragmentation through the daemon, in both directions (RFC 7915 §4 is
IPv4 -> IPv6, §5 is IPv6 -> IPv4; RFC 7757 EAM; RFC 6052 pool6).

      h6 (IPv6 only)            xl (sixgated [siit])               r4 (IPv4 router)          s4 (IPv4 only)
   2001:db8:6::10/64 -------- 2001:db8:6::1/64
   2001:db8:6::11/64            TUN sgsTAG
   default -> xl               198.51.100.1/24 ------------------ 198.51.100.2/24
                                203.0.113/24 -> r4                  203.0.113.1/24 ---------- 203.0.113.10/24
                                                                    192.0.2/24 -> xl           default -> r4

   h6 = 192.0.2.10 to IPv4 (EAM row); s4 = 64:ff9b::cb00:710a and
   r4 = 64:ff9b::c633:6402 to IPv6 (pool6 64:ff9b::/96).
   h6 and s4 both run: HTTP :8080 (a random 3 MiB file), DNS :5353/udp,
   UDP echo :7007.
"""
import re

import pytest

from conftest import (Sixgated, counter, curl_sha, make_webroot, ping,
                      start_servers, udp_echo)
import topo
from topo import H6, H6_AS4, R4_AS6, S4_AS6, XL4, XL6


@pytest.fixture(scope="module")
def siit(netfactory):
    net = topo.build_siit(netfactory("siit"))
    net.tun = topo.tun_name(net)
    www, net.blob_sha = make_webroot(net.tmp)
    start_servers(net, "s4", www)
    start_servers(net, "h6", www)
    net.d = Sixgated(net, "xl", topo.siit_conf(net.tun)).start()
    yield net
    net.d.stop()


def routes_to(net, role, fam, dst):
    return net.ex(role, ["ip", fam, "route", "get", dst]).stdout


def test_daemon_routes_pool6_and_eam4_to_tun(siit):
    """docs/daemon.md: pool6 and each EAM IPv4 prefix are routed to the
    TUN; the IPv6 host behind an EAM row stays on its link."""
    assert "dev " + siit.tun in routes_to(siit, "xl", "-6", S4_AS6)
    assert "dev " + siit.tun in routes_to(siit, "xl", "-4", H6_AS4)
    r = routes_to(siit, "xl", "-6", H6)
    assert "dev " + siit.name("xl", "xl6") in r, (
        "the EAM row's IPv6 side (the IPv6 host %s) is routed into the TUN, "
        "so translated IPv4->IPv6 packets loop back into the translator:\n%s"
        % (H6, r))


def test_rfc7915_5_ping_ipv6_to_ipv4(siit):
    ping(siit, "h6", S4_AS6, count=3)


def test_rfc7915_4_ping_ipv4_to_ipv6(siit):
    ping(siit, "s4", H6_AS4, count=3)


def test_rfc7915_5_tcp_download_ipv6_client(siit):
    url = "http://[%s]:8080/blob" % S4_AS6
    assert curl_sha(siit, "h6", url, siit.tmp) == siit.blob_sha


def test_rfc7915_4_tcp_download_ipv4_client(siit):
    url = "http://%s:8080/blob" % H6_AS4
    assert curl_sha(siit, "s4", url, siit.tmp) == siit.blob_sha


def _dig(net, role, server, qtype):
    r = net.ex(role, ["dig", "@" + server, "-p", "5353", "+tries=2",
                      "+time=2", "+norec", "sixgate.test.", qtype],
               check=False, timeout=15)
    assert "status: NOERROR" in r.stdout, r.stdout + r.stderr
    return r.stdout


def test_rfc7915_5_udp_dns_ipv6_client(siit):
    out = _dig(siit, "h6", S4_AS6, "A")
    assert re.search(r"sixgate\.test\.\s+60\s+IN\s+A\s+203\.0\.113\.53", out)


def test_rfc7915_4_udp_dns_ipv4_client(siit):
    out = _dig(siit, "s4", H6_AS4, "AAAA")
    assert re.search(r"IN\s+AAAA\s+2001:db8:53::53", out)


def _traceroute(net, role, dst):
    fam = "-6" if ":" in dst else "-4"
    r = net.ex(role, ["traceroute", fam, "-n", "-q", "1", "-w", "1", "-m",
                      "10", dst], check=False, timeout=40)
    hops = []
    for ln in r.stdout.splitlines()[1:]:
        m = re.match(r"\s*(\d+)\s+(\S+)", ln)
        if m:
            hops.append(m.group(2))
    return hops, r.stdout + r.stderr


def _check_path(hops, out, dst, must_see):
    assert hops and hops[-1] == dst, "destination not reached:\n" + out
    assert hops[0] != dst, ("the destination answers at hop 1: the "
                            "translator hides the path:\n" + out)
    assert hops.count(dst) == 1, out
    # 192.0.0.8 (RFC 7600) may stand for several IPv6 hops: the
    # translator itself and untranslatable ICMPv6 sources behind it
    seen = [h for h in hops[:-1] if h not in ("*", "192.0.0.8")]
    assert len(set(seen)) == len(seen), "a hop repeats:\n" + out
    for a in must_see:
        assert a in hops, "%s missing from the path:\n%s" % (a, out)


def test_rfc7915_5_traceroute_ipv6_to_ipv4_shows_hops(siit):
    """ICMPv4 Time Exceeded from the IPv4 routers comes back translated,
    their sources mapped into pool6 (§4.2, RFC 6052)."""
    hops, out = _traceroute(siit, "h6", S4_AS6)
    _check_path(hops, out, S4_AS6, [XL6, R4_AS6])
    assert len([h for h in hops if h != "*"]) >= 4, out


def test_rfc7915_4_traceroute_ipv4_to_ipv6_shows_hops(siit):
    """ICMPv6 Time Exceeded from the IPv6 side comes back as ICMPv4 (§5.2);
    the IPv4 routers answer natively."""
    hops, out = _traceroute(siit, "s4", H6_AS4)
    _check_path(hops, out, H6_AS4, ["203.0.113.1", XL4])
    assert len([h for h in hops if h != "*"]) >= 4, out


def _pmtu(net, role, dst):
    fam = "-6" if ":" in dst else "-4"
    r = net.ex(role, ["ip", fam, "route", "get", dst]).stdout
    m = re.search(r"\bmtu (\d+)", r)
    return int(m.group(1)) if m else None, r


def _flush(net):
    for role in ("h6", "s4"):
        net.sh(role, "ip -6 route flush cache", check=False)
        net.sh(role, "ip -4 route flush cache", check=False)


def test_rfc7915_4_2_ptb_reaches_ipv6_sender(siit):
    """A 1280-byte IPv4 link: r4's Fragmentation Needed (MTU 1280) reaches
    h6 as Packet Too Big with MTU 1280 + 20 = 1300 (§4.2), and h6 then gets
    through with 1300-byte packets."""
    a, b = siit.name("r4", "r4s"), siit.name("s4", "s4")
    _flush(siit)
    siit.sh("r4", "ip link set %s mtu 1280" % a)
    siit.sh("s4", "ip link set %s mtu 1280" % b)
    try:
        r = ping(siit, "h6", S4_AS6, size=1400, df=True, check=False)
        assert r.returncode != 0, "1448-byte packet crossed a 1280 link"
        mtu, route = _pmtu(siit, "h6", S4_AS6)
        assert mtu == 1300, ("h6 should have learnt PMTU 1300 from a "
                             "translated PTB; ping said:\n%s\nroute: %s" %
                             (r.stdout, route))
        ping(siit, "h6", S4_AS6, size=1300 - 48, df=True)
    finally:
        siit.sh("r4", "ip link set %s mtu 1500" % a)
        siit.sh("s4", "ip link set %s mtu 1500" % b)
        _flush(siit)


def test_rfc7915_5_2_frag_needed_reaches_ipv4_sender(siit):
    """A 1280-byte IPv6 link: xl's Packet Too Big (MTU 1280) reaches s4 as
    Fragmentation Needed with MTU 1280 - 20 = 1260 (§5.2)."""
    a, b = siit.name("xl", "xl6"), siit.name("h6", "h6")
    _flush(siit)
    siit.sh("xl", "ip link set %s mtu 1280" % a)
    siit.sh("h6", "ip link set %s mtu 1280" % b)
    try:
        r = ping(siit, "s4", H6_AS4, size=1300, df=True, check=False)
        assert r.returncode != 0, "1328-byte packet crossed a 1280 link"
        mtu, route = _pmtu(siit, "s4", H6_AS4)
        assert mtu == 1260, ("s4 should have learnt PMTU 1260 from a "
                             "translated Fragmentation Needed; ping said:"
                             "\n%s\nroute: %s" % (r.stdout, route))
        ping(siit, "s4", H6_AS4, size=1260 - 28, df=True)
    finally:
        siit.sh("xl", "ip link set %s mtu 1500" % a)
        siit.sh("h6", "ip link set %s mtu 1500" % b)
        _flush(siit)


@pytest.mark.parametrize("size", [1400, 4000, 20000])
def test_rfc7915_5_1_1_large_udp_ipv6_to_ipv4(siit, size):
    """IPv6 fragments become IPv4 fragments (§5.1.1) and the IPv4 reply's
    fragments become IPv6 fragments (§4.1); the echo comes back intact."""
    r = udp_echo(siit, "h6", S4_AS6, size)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("size", [1400, 4000, 20000])
def test_rfc7915_4_1_large_udp_ipv4_to_ipv6(siit, size):
    r = udp_echo(siit, "s4", H6_AS4, size)
    assert r.returncode == 0, r.stdout + r.stderr


def test_rfc7915_4_1_df0_fragmented_for_1280_ipv6_link(siit):
    """An IPv4 packet without DF larger than a 1280 IPv6 path arrives whole
    (the translator emits fragments no larger than lowest-ipv6-mtu)."""
    a, b = siit.name("xl", "xl6"), siit.name("h6", "h6")
    _flush(siit)
    siit.sh("xl", "ip link set %s mtu 1280" % a)
    siit.sh("h6", "ip link set %s mtu 1280" % b)
    try:
        e = udp_echo(siit, "s4", H6_AS4, 1400, nodf=True)
        assert e.returncode == 0, e.stdout + e.stderr
    finally:
        siit.sh("xl", "ip link set %s mtu 1500" % a)
        siit.sh("h6", "ip link set %s mtu 1500" % b)
        _flush(siit)


ZERO_CSUM = r"""
from scapy.all import IP, UDP, Raw, sr1, conf
conf.verb = 0
p = IP(dst="192.0.2.10") / UDP(sport=40007, dport=7007, chksum=0) / \
    Raw(b"zero-checksum")
r = sr1(p, timeout=3)
print(bytes(r[Raw].load) if r is not None and Raw in r else "no reply")
"""


def test_rfc7915_4_5_udp_zero_checksum_gets_one(siit):
    """IPv4 UDP with checksum 0 is translated with a computed checksum
    (udp-zero-checksum = compute, the default): h6's socket accepts it and
    the echo comes back."""
    r = siit.ex("s4", ["/usr/bin/python3", "-c", ZERO_CSUM], timeout=30)
    assert "zero-checksum" in r.stdout, r.stdout + r.stderr


def test_stats_count_translated_packets(siit):
    before = siit.d.stats()
    ping(siit, "h6", S4_AS6, count=3)
    after = siit.d.stats()
    moved = {k: after[k] - before.get(k, 0) for k in after
             if isinstance(after[k], (int, float))
             and after[k] != before.get(k, 0)}
    assert counter(after, "in6") - counter(before, "in6") >= 3, moved
    assert counter(after, "out4") - counter(before, "out4") >= 3, moved
    assert counter(after, "in4") - counter(before, "in4") >= 3, moved
    assert counter(after, "out6") - counter(before, "out6") >= 3, moved


def test_status_names_role_and_device(siit):
    r = siit.d.ctl("status")
    assert siit.tun in r.stdout, r.stdout
    assert "siit" in r.stdout.lower(), r.stdout
