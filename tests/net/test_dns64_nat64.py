# SPDX-License-Identifier: BSD-2-Clause
"""The translator and DNS64 agree (issue 5): one sixgated runs [nat64] and
[dns64] with the same pref64; an IPv6-only client resolves names through
the DNS64 and reaches, through the NAT64, the IPv4 server each name
belongs to.  Topology of topo.build_nat64 (h6b unused), plus NSD in xl:

      h6 (IPv6 only)          xl (sixgated [nat64] + [dns64])      r4 (IPv4 router)        s4 (IPv4 only)
   2001:db8:6::10/64 ------- 2001:db8:6::1/64                                            203.0.113.10/24
   resolv.conf:              [dns64] listen 2001:db8:6::1 53      192.0.2.2/24            default -> r4
     nameserver              upstream 127.0.0.1 5301 (NSD)        HTTP :8080 "r4"         HTTP :8080 (blob)
     2001:db8:6::1           TUN n64TAG, pool4 198.51.100.1
                             192.0.2.1/24 ----------------------- 192.0.2.2
                             NSD 127.0.0.1:5301: example.         203.0.113.1/24 -------- 203.0.113.10

   NSD's zone example.: s4.example. A 203.0.113.10, r4.example. A 192.0.2.2,
   dual.example. A 203.0.113.10 + AAAA 2001:db8:6::10 (h6 itself).
   To IPv6 through pref64 64:ff9b::/96: s4 is 64:ff9b::cb00:710a, r4 is
   64:ff9b::c000:202 (allow-nonglobal-wkp: documentation addresses).
"""
import os
import shutil

import pytest

from conftest import Sixgated, counter, curl_sha, make_webroot
import topo
from topo import N64_XL6, S4_AS6, N64_R4_AS6

NSD_PORT = 5301

ZONE = """\
$ORIGIN example.
$TTL 300
@     SOA  ns.example. hostmaster.example. 1 3600 900 604800 120
@     NS   ns.example.
ns    A    127.0.0.1
s4    A    203.0.113.10
r4    A    192.0.2.2
dual  A    203.0.113.10
dual  AAAA 2001:db8:6::10
"""

DNS64 = """\
[dns64]
listen = %s 53
upstream = 127.0.0.1 %d
recursion = no
dnssec = no
""" % (N64_XL6, NSD_PORT)


def _nsd(net):
    d = os.path.join(net.tmp, "nsd")
    os.makedirs(d)
    zf = os.path.join(d, "example.zone")
    with open(zf, "w") as f:
        f.write(ZONE)
    conf = os.path.join(d, "nsd.conf")
    with open(conf, "w") as f:
        f.write("\n".join([
            "server:", "  ip-address: 127.0.0.1@%d" % NSD_PORT,
            "  port: %d" % NSD_PORT, "  do-ip6: no", '  username: ""',
            '  chroot: ""', '  zonesdir: ""', '  database: ""',
            '  pidfile: "%s/nsd.pid"' % d,
            '  zonelistfile: "%s/zone.list"' % d,
            '  xfrdfile: "%s/xfrd.state"' % d, '  xfrdir: "%s"' % d,
            '  logfile: "%s/nsd.log"' % d, "  server-count: 1",
            "  rrl-ratelimit: 0",
            "remote-control:", "  control-enable: no",
            "zone:", '  name: "example."', '  zonefile: "%s"' % zf, ""]))
    net.spawn("xl", ["nsd", "-d", "-c", conf], "nsd.log")
    for _ in range(50):
        r = net.ex("xl", ["dig", "@127.0.0.1", "-p", str(NSD_PORT),
                          "+time=1", "+tries=1", "example.", "SOA"],
                   check=False)
        if "status: NOERROR" in r.stdout:
            return
    raise AssertionError("NSD in xl does not answer: " + r.stdout)


@pytest.fixture(scope="module")
def agree(netfactory):
    if not shutil.which("nsd"):
        pytest.skip("nsd missing: run scripts/deps")
    net = topo.build_nat64(netfactory("d64"))
    net.tun = topo.tun_name(net, "n64")
    net.www, net.blob_sha = make_webroot(net.tmp)
    r4www = os.path.join(net.tmp, "r4www")
    os.makedirs(r4www)
    with open(os.path.join(r4www, "who"), "w") as f:
        f.write("r4\n")
    net.spawn("s4", ["/usr/bin/python3", "-m", "http.server", "--bind",
                     "0.0.0.0", "--directory", net.www, "8080"], "http-s4.log")
    net.spawn("r4", ["/usr/bin/python3", "-m", "http.server", "--bind",
                     "0.0.0.0", "--directory", r4www, "8080"], "http-r4.log")
    net.wait_tcp("s4", "127.0.0.1", 8080)
    net.wait_tcp("r4", "127.0.0.1", 8080)
    _nsd(net)
    net.resolv("h6", "nameserver %s\noptions attempts:2 timeout:3\n" %
               N64_XL6)
    net.d = Sixgated(net, "xl", topo.nat64_conf(net.tun) + "\n" + DNS64)
    net.d.start()
    # the DNS64 answers once it listens
    for _ in range(50):
        r = net.ex("h6", ["dig", "@" + N64_XL6, "+time=1", "+tries=1",
                          "ipv4only.arpa.", "A"], check=False)
        if "status: NOERROR" in r.stdout:
            break
    yield net
    net.d.stop()


def _dig(net, name, qtype="AAAA"):
    r = net.ex("h6", ["dig", "@" + N64_XL6, "+short", "+time=3",
                      "+tries=1", name, qtype], check=False)
    return sorted(ln for ln in r.stdout.split() if ln)


def test_dns64_answers_the_ipv6_client(agree):
    assert _dig(agree, "s4.example.") == [S4_AS6]
    assert _dig(agree, "r4.example.") == [N64_R4_AS6]
    assert _dig(agree, "dual.example.") == ["2001:db8:6::10"]


def test_dns64_nat64_http_reaches_the_right_ipv4_server(agree):
    """curl resolves through the system resolver (resolv.conf -> sixgated
    [dns64]) and connects to the synthesised address through [nat64]."""
    assert curl_sha(agree, "h6", "http://s4.example:8080/blob",
                    agree.tmp) == agree.blob_sha
    r = agree.ex("h6", ["curl", "-6", "-sS", "--max-time", "10",
                        "http://r4.example:8080/who"], check=False)
    assert r.returncode == 0 and r.stdout == "r4\n", (r.stdout, r.stderr)


def test_dns64_nat64_sessions_and_counters(agree):
    st = agree.d.stats()
    assert counter(st, "dns64.synthesized") >= 2, sorted(st)
    r = agree.d.ctl("session", "show", "--json", check=False)
    assert "203.0.113.10" in r.stdout and "192.0.2.2" in r.stdout, r.stdout
