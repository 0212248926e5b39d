# SPDX-License-Identifier: BSD-2-Clause
"""pref64 = auto on a live host CLAT: the NAT64 prefix learnt from a
Router Advertisement's PREF64 option (RFC 8781) and from the AAAA records
of ipv4only.arpa (RFC 7050), then used for translation (CONFORMANCE 13).

   ha (IPv6-only host,                    co (router)                       pl (sixgated [siit], PLAT)     s4 (IPv4 server)
       sixgated [clat] host,               scapy RA sender                  TUN sgqTAG, manage-routes=no
       pref64 = auto)                      DNS :53 (udpserv.py)
   2001:db8:3::10/64 -------------------- 2001:db8:3::1/64
   resolv.conf: 2001:db8:3::1             2001:db8:f2::1/64 --------------- 2001:db8:f2::2/64
   CLAT 192.0.0.1 <-> 2001:db8:3::c1a7    64:ff9b::/96 -> pl                203.0.113.1/24 --------------- 203.0.113.10/24
   (proxy NDP, as sixgated(8) says)                                         EAM 198.51.100.78 <-> 2001:db8:3::c1a7

   ha's resolv.conf is /etc/netns/NS/resolv.conf (ip-netns(8)), removed at
   the end.  The DNS server first knows nothing about ipv4only.arpa (so
   only the RA can teach the prefix), later it answers 64:ff9b::c000:aa and
   64:ff9b::c000:ab for a fresh daemon.
"""
import json
import os
import time

import pytest

from conftest import HELPERS, PY, Sixgated, ping

S4 = "203.0.113.10"
PLAT_CONF = """\
pref64 = 64:ff9b::/96
allow-nonglobal-wkp = yes
user = root
control-socket = @SOCK@

[siit]
tun = {tun}
manage-routes = no
eam = 198.51.100.78 2001:db8:3::c1a7
"""
HOST_CONF = """\
pref64 = auto
allow-nonglobal-wkp = yes
user = root
control-socket = @SOCK@

[clat]
mode = host
tun = {tun}
ipv6-address = 2001:db8:3::c1a7
"""
RA = r"""
import sys, struct, socket
from scapy.all import Ether, IPv6, ICMPv6ND_RA, Raw, sendp, conf
conf.verb = 0
ifname, src, prefix, plen, life, plc = sys.argv[1:7]
plc = int(plc) if plc != "auto" else {96: 0, 64: 1, 56: 2, 48: 3, 40: 4,
                                      32: 5}[int(plen)]
scaled = (int(life) + 7) // 8
bits = socket.inet_pton(socket.AF_INET6, prefix)[:12]
opt = struct.pack("!BBH", 38, 2, (scaled << 3) | plc) + bits   # RFC 8781 §4
p = (Ether(dst="33:33:00:00:00:01") /
     IPv6(src=src, dst="ff02::1", hlim=255) /
     ICMPv6ND_RA(routerlifetime=0) / Raw(opt))
sendp(p, iface=ifname)
"""


@pytest.fixture(scope="module")
def pf(netfactory):
    net = netfactory("pf")
    for r in ("ha", "co", "pl", "s4"):
        net.add_ns(r)
    net.link("ha", "ha", "co", "coh")
    net.link("co", "cop", "pl", "pl6")
    net.link("pl", "pl4", "s4", "s4")
    net.addr("ha", "ha", "2001:db8:3::10/64")
    net.addr("co", "coh", "2001:db8:3::1/64")
    net.addr("co", "cop", "2001:db8:f2::1/64")
    net.addr("pl", "pl6", "2001:db8:f2::2/64")
    net.addr("pl", "pl4", "203.0.113.1/24")
    net.addr("s4", "s4", S4 + "/24")
    net.route("ha", "default6 via 2001:db8:3::1")
    net.route("co", "64:ff9b::/96 via 2001:db8:f2::2")
    net.route("pl", "default6 via 2001:db8:f2::1")
    net.route("s4", "default via 203.0.113.1")
    up = net.name("ha", "ha")
    for k in ("net.ipv6.conf.all.forwarding=1",
              "net.ipv6.conf.%s.accept_ra=2" % up,
              "net.ipv6.conf.%s.proxy_ndp=1" % up):
        net.sh("ha", "sysctl -qw " + k)
    net.sh("ha", "ip -6 neigh add proxy 2001:db8:3::c1a7 dev " + up)
    net.resolv("ha", "nameserver 2001:db8:3::1\noptions timeout:1 "
               "attempts:1\n")
    net.dns = net.spawn("co", [PY, os.path.join(HELPERS, "udpserv.py"),
                               "--dns-port", "53", "--no-echo"], "dns1.log")
    ll = net.ex("co", ["ip", "-6", "-o", "addr", "show", "dev",
                       net.name("co", "coh"), "scope", "link"]).stdout
    net.co_ll = ll.split()[3].split("/")[0]
    net.tun = {"pl": "sgq" + net.tag, "ha": "sga" + net.tag}
    net.plat = Sixgated(net, "pl", PLAT_CONF.format(tun=net.tun["pl"]),
                        "plat").start()
    net.sh("pl", "ip link set %s up" % net.tun["pl"])
    for p in ("64:ff9b::/96", "198.51.100.78/32"):
        net.route("pl", "%s dev %s" % (p, net.tun["pl"]))
    net.clat = Sixgated(net, "ha", HOST_CONF.format(tun=net.tun["ha"]),
                        "clat").start()
    yield net
    net.clat.stop()
    net.plat.stop()


def send_ra(net, prefix, plen, life, plc="auto"):
    net.ex("co", [PY, "-c", RA, net.name("co", "coh"), net.co_ll, prefix,
                  str(plen), str(life), str(plc)], timeout=30)


def pref64(d):
    """(prefix, source, lifetime) from `pref64 show --json`, or None."""
    doc = json.loads(d.ctl("pref64", "show", "--json").stdout)
    found = []

    def walk(o):
        if isinstance(o, dict):
            if "prefix" in o and "source" in o:
                found.append((o["prefix"], o["source"], o.get("lifetime")))
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)
    walk(doc)
    return found[0] if found else None


def wait_pref64(d, pred, timeout=10.0):
    deadline = time.time() + timeout
    got = None
    while time.time() < deadline:
        got = pref64(d)
        if pred(got):
            return got
        time.sleep(0.2)
    return got


def test_pref64_auto_nothing_before_discovery(pf):
    """The DNS server has no ipv4only.arpa synthesis and no RA has come:
    no prefix, so IPv4 destinations are not translated."""
    assert pref64(pf.clat) is None, pf.clat.ctl("pref64", "show").stdout
    assert ping(pf, "ha", S4, check=False, wait=1).returncode != 0


def test_rfc8781_4_prefix_from_router_advertisement(pf):
    send_ra(pf, "64:ff9b::", 96, 1800)
    got = wait_pref64(pf.clat, lambda g: g is not None)
    assert got and got[0] == "64:ff9b::/96" and got[1] == "rfc8781", (
        got, pf.clat.ctl("pref64", "show").stdout, pf.clat.log())
    assert got[2] is not None and 1780 <= got[2] <= 1800, got
    ping(pf, "ha", S4, count=2)


def test_rfc8781_4_plc_7_ignored(pf):
    """PLC 6 and 7 mean "ignore this option"."""
    send_ra(pf, "2001:db8:99::", 96, 1800, plc=7)
    time.sleep(1)
    got = pref64(pf.clat)
    assert got and got[0] == "64:ff9b::/96", got
    ping(pf, "ha", S4)


def test_rfc8781_4_1_lifetime_zero_withdraws(pf):
    send_ra(pf, "64:ff9b::", 96, 0)
    got = wait_pref64(pf.clat, lambda g: g is None)
    assert got is None, got
    assert ping(pf, "ha", S4, check=False, wait=1).returncode != 0


def test_rfc7050_3_prefix_from_ipv4only_arpa(pf):
    """A fresh daemon with no RA around asks its resolver for AAAA
    ipv4only.arpa and finds 192.0.0.170/171 at the /96 position."""
    pf.clat.stop()
    pf.dns.terminate()
    pf.dns.wait(5)
    pf.dns = pf.spawn("co", [PY, os.path.join(HELPERS, "udpserv.py"),
                             "--dns-port", "53", "--no-echo", "--ipv4only",
                             "64:ff9b::c000:aa", "64:ff9b::c000:ab"],
                      "dns2.log")
    time.sleep(0.5)
    r = pf.ex("ha", ["dig", "+short", "+tries=1", "+time=1",
                     "ipv4only.arpa", "AAAA"], check=False)
    assert "64:ff9b::c000:aa" in r.stdout, r.stdout + r.stderr
    pf.clat = Sixgated(pf, "ha", HOST_CONF.format(tun=pf.tun["ha"]),
                       "clat2").start()
    got = wait_pref64(pf.clat, lambda g: g is not None, timeout=20)
    assert got and got[0] == "64:ff9b::/96" and got[1] == "rfc7050", (
        got, pf.clat.log())
    assert got[2] is not None and got[2] <= 300, got
    ping(pf, "ha", S4, count=2)
