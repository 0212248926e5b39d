# SPDX-License-Identifier: BSD-2-Clause
"""sixgated [nat64] without pool4 lines: pool4 is the host's own IPv4
address with ports 61001-65535 (RFC 6146 §3; CONFORMANCE section 9,
"at least one IPv4 pool address"; docs/nat64.md, "pool4 on the host's
own address").

The topology of test_nat64.py (topo.build_nat64), but r4 has no route to
198.51.100.0/24: the only IPv4 address the NAT64 can use is xl's own
192.0.2.1.  sixgated marks packets to 192.0.2.1 whose port (or ICMP
identifier, or the port quoted in an ICMP error) is a pool4 port with an
nftables table, and a policy rule ahead of the local table sends them into
its TUN.  Everything else addressed to 192.0.2.1 stays the host's.
"""
import re
import time

import pytest

from conftest import (PY, Sixgated, counter, curl_sha, make_webroot, ping,
                      start_servers)
import topo
from topo import S4_AS6

HOST4 = topo.N64_XL4          # xl's own address: the pool4 default
BLOB_S4 = "http://[%s]:8080/blob" % S4_AS6


@pytest.fixture(scope="module")
def hp(netfactory):
    net = topo.build_nat64(netfactory("hp"))
    net.sh("r4", "ip route del 198.51.100.0/24")
    # Debian's default (systemd's sysctl.d): loose reverse-path filtering
    # on every interface, "all" left at 0.
    net.sh("xl", "sysctl -qw net.ipv4.conf.default.rp_filter=2")
    for dev in ("xl6", "xl7", "xl4"):
        net.sh("xl", "sysctl -qw net.ipv4.conf.%s.rp_filter=2" %
               net.name("xl", dev))
    net.tun = topo.tun_name(net, "hp")
    net.www, net.blob_sha = make_webroot(net.tmp)
    start_servers(net, "s4", net.www, bind="0.0.0.0")
    # The host's own services on its own address: HTTP below the pool4
    # ports, which must stay the host's.
    start_servers(net, "xl", net.www, bind="0.0.0.0")
    net.rules_before = _rules(net)
    net.d = Sixgated(net, "xl", topo.nat64_conf(net.tun, pool4="")).start()
    yield net
    net.d.stop()


def _rules(net):
    return net.ex("xl", ["ip", "-4", "rule", "show"]).stdout


def _rule_lines(net):
    return [ln.strip() for ln in _rules(net).splitlines() if ln.strip()]


def test_rfc6146_3_pool4_default_is_host_address(hp):
    """CONFORMANCE 9 (RFC 6146 §3): no pool4 line -> the host's address,
    ports 61001-65535 of TCP, UDP and ICMP."""
    out = hp.d.ctl("pool4", "show").stdout
    rows = [ln for ln in out.splitlines() if HOST4 in ln]
    assert len(rows) == 1, out
    # used/configured per protocol: 65535 - 61001 + 1 ports each
    assert re.findall(r"\d+/(\d+)", rows[0]) == ["4535"] * 3, out
    assert "pool4 is the host's address %s" % HOST4 in hp.d.log()


def test_steering_rule_precedes_local_table(hp):
    lines = _rule_lines(hp)
    fw = [i for i, ln in enumerate(lines) if "fwmark 0x400000/0x400000"
          in ln and "lookup 6464" in ln]
    loc = [i for i, ln in enumerate(lines) if ln.endswith("lookup local")]
    assert len(fw) == 1 and len(loc) == 1, lines
    assert fw[0] < loc[0], lines
    r = hp.ex("xl", ["ip", "-4", "route", "show", "table", "6464"]).stdout
    assert "default dev " + hp.tun in r, r
    nft = hp.ex("xl", ["nft", "list", "ruleset"]).stdout
    assert "tcp dport 61001-65535" in nft, nft
    assert "192.0.2.1" in nft, nft
    # The route into the TUN for pool6, never a /32 for the own address.
    r = hp.ex("xl", ["ip", "-4", "route", "show", "dev", hp.tun]).stdout
    assert HOST4 not in r, r


def _session_t(d, proto):
    """(address, port) pairs of the session table's IPv4 side."""
    out = d.ctl("session", "show", proto).stdout
    return re.findall(r"(\d+\.\d+\.\d+\.\d+)[#:](\d+)", out), out


def test_rfc6146_3_5_2_tcp_through_host_address(hp):
    assert curl_sha(hp, "h6", BLOB_S4, hp.tmp) == hp.blob_sha
    pairs, out = _session_t(hp.d, "tcp")
    ports = [int(p) for a, p in pairs if a == HOST4]
    assert ports and all(61001 <= p <= 65535 for p in ports), out


def test_rfc6146_3_5_1_udp_dns_through_host_address(hp):
    r = hp.ex("h6", ["dig", "@" + S4_AS6, "-p", "5353", "+notcp",
                     "+tries=2", "+time=2", "+norec", "sixgate.test.", "A"],
              check=False, timeout=15)
    assert "status: NOERROR" in r.stdout, r.stdout + r.stderr


def test_rfc6146_3_5_3_icmp_echo_through_host_address(hp):
    ping(hp, "h6", S4_AS6, count=3)


def test_rfc6146_3_4_icmp_error_about_host_port_reaches_client(hp):
    """r4's Time Exceeded, sent to 192.0.2.1 about a packet from a pool4
    port, is steered by its quoted port and translated for the client."""
    r = hp.ex("h6", ["traceroute", "-6", "-n", "-q", "1", "-w", "1", "-m",
                     "6", S4_AS6], check=False, timeout=40)
    assert topo.N64_R4_AS6 in r.stdout, r.stdout + r.stderr


def test_host_own_traffic_is_not_steered(hp):
    """The host's own address keeps working for the host: s4 reaches xl's
    HTTP server on 192.0.2.1:8080, xl's own TCP client reaches s4 (its
    source port comes from ip_local_port_range, below 61001), and an echo
    with an identifier outside pool4 gets its reply at the host."""
    r = hp.ex("s4", ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                     "--max-time", "10", "http://%s:8080/blob" % HOST4],
              check=False, timeout=20)
    assert r.stdout == "200", r.stdout + r.stderr
    r = hp.ex("xl", ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                     "--max-time", "10", "http://%s:8080/blob" % topo.S4],
              check=False, timeout=20)
    assert r.stdout == "200", r.stdout + r.stderr
    code = ("import socket,struct,sys\n"
            "def cs(b):\n"
            "  s=sum(struct.unpack('!%dH'%(len(b)//2),b))\n"
            "  s=(s>>16)+(s&0xffff); s+=s>>16\n"
            "  return ~s&0xffff\n"
            "k=socket.socket(socket.AF_INET,socket.SOCK_RAW,1)\n"
            "k.settimeout(3)\n"
            "h=struct.pack('!BBHHH',8,0,0,4242,1)+b'sixgate!'\n"
            "h=h[:2]+struct.pack('!H',cs(h))+h[4:]\n"
            "k.sendto(h,(sys.argv[1],0))\n"
            "while True:\n"
            "  d,a=k.recvfrom(2048)\n"
            "  t,_,_,i,_=struct.unpack('!BBHHH',d[20:28])\n"
            "  if t==0 and i==4242: print('reply'); break\n")
    r = hp.ex("xl", [PY, "-c", code, topo.S4], check=False, timeout=20)
    assert r.stdout.strip() == "reply", r.stdout + r.stderr


def test_rfc6146_3_5_unsolicited_to_host_pool4_port_dropped(hp):
    """A UDP datagram from s4 to a pool4 port of 192.0.2.1 without a BIB
    entry reaches the NAT64 (counted drop), not the host's UDP stack
    (which would answer Port Unreachable)."""
    before = counter(hp.d.stats(), "nat64_no_bib")
    code = ("import socket\n"
            "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
            "for i in range(5): s.sendto(b'x',('%s',64999))\n" % HOST4)
    hp.ex("s4", [PY, "-c", code])
    deadline = time.time() + 5
    while time.time() < deadline:
        after = counter(hp.d.stats(), "nat64_no_bib")
        if after >= before + 5:
            break
        time.sleep(0.2)
    assert after >= before + 5, hp.d.ctl("stats").stdout


def test_reload_keeps_the_steered_tun(hp):
    """The nftables table, the rule's route and the TUN's accept_local and
    rp_filter name the [nat64] TUN: a reload that renames it keeps the old
    one until the next start, says so, and the host's address still
    carries traffic."""
    with open(hp.d.conf) as f:
        text = f.read()
    other = hp.tun[:-1] + ("x" if hp.tun[-1] != "x" else "y")
    try:
        with open(hp.d.conf, "w") as f:
            f.write(text.replace("tun = " + hp.tun, "tun = " + other))
        r = hp.d.ctl("reload", check=False)
        assert r.returncode == 0, r.stdout + r.stderr
        assert ("reload: [nat64] tun changes at the next start while pool4 "
                "is on a host address") in hp.d.log(), hp.d.log()
        links = hp.ex("xl", ["ip", "-o", "link", "show"]).stdout
        assert hp.tun + ":" in links and other + ":" not in links, links
        assert curl_sha(hp, "h6", BLOB_S4, hp.tmp) == hp.blob_sha
    finally:
        with open(hp.d.conf, "w") as f:
            f.write(text)
        hp.d.ctl("reload", check=False)


def test_stop_restores_rules_and_removes_table(hp):
    hp.d.stop()
    assert _rules(hp) == hp.rules_before
    nft = hp.ex("xl", ["nft", "list", "ruleset"]).stdout
    assert "sixgate_" not in nft, nft
    # A crash leaves the rule and the table behind; the next start
    # replaces them, and its stop removes them.
    hp.d.start()
    hp.d.proc.kill()
    hp.d.proc.wait(5)
    assert "fwmark 0x400000" in _rules(hp)
    hp.d.start()
    assert len([ln for ln in _rule_lines(hp) if "fwmark" in ln]) == 1
    assert len([ln for ln in _rule_lines(hp)
                if ln.endswith("lookup local")]) == 1
    assert curl_sha(hp, "h6", BLOB_S4, hp.tmp) == hp.blob_sha
    hp.d.stop()
    assert _rules(hp) == hp.rules_before
    assert "sixgate_" not in hp.ex("xl", ["nft", "list", "ruleset"]).stdout


@pytest.mark.parametrize("rpf", [1, 2])
def test_all_rp_filter_refused_with_reason(hp, rpf):
    """net.ipv4.conf.all.rp_filter other than 0 overrides the TUN's own
    value and would drop every translated packet: the role refuses to
    start and says what to set, and leaves no rule behind."""
    hp.d.stop()
    hp.sh("xl", "sysctl -qw net.ipv4.conf.all.rp_filter=%d" % rpf)
    try:
        with pytest.raises(AssertionError) as e:
            hp.d.start()
        assert "net.ipv4.conf.all.rp_filter = %d" % rpf in str(e.value)
        assert _rules(hp) == hp.rules_before
    finally:
        hp.sh("xl", "sysctl -qw net.ipv4.conf.all.rp_filter=0")
    hp.d.start()
    assert curl_sha(hp, "h6", BLOB_S4, hp.tmp) == hp.blob_sha
    hp.d.stop()
