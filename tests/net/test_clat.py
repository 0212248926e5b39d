# SPDX-License-Identifier: BSD-2-Clause
"""464XLAT with sixgated: the CLAT in router form and in host form
(RFC 6877, RFC 7335), with a second sixgated in [siit] mode as the PLAT
(stateless: it maps the CLATs' IPv6 addresses with EAM rows; the CLAT in
front of a stateful NAT64 is in test_io.py and test_offloads.py).

   c1 (client)            cr (sixgated [clat] router)      co (IPv6-only core)        pl (sixgated [siit], PLAT)     s4 (IPv4 server)
   100.64.0.2/24 -------- 100.64.0.1/24                                                TUN sgpTAG
   2001:db8:1:1::2/64 --- 2001:db8:1:1::1/64               2001:db8:f1::1/64         manage-routes = no
   default4 -> cr           TUN sgrTAG                     2001:db8:f2::1/64 -------- 2001:db8:f2::2/64
   default6 -> cr         2001:db8:f1::2/64 --------------                            203.0.113.1/24 --------------- 203.0.113.10/24
                          default6 -> co                   2001:db8:3::1/64           64:ff9b::/96, 100.64.0.0/10,    default -> pl
                                                            |                          198.51.100.77 -> TUN
   hc (IPv6-only host,                                      |
       sixgated [clat] host)                                |
   2001:db8:3::10/64 ---------------------------------------+
   default6 -> co                  co routes: 2001:db8:1::/48 -> cr, 64:ff9b::/96 -> pl
   CLAT 192.0.0.1 <-> 2001:db8:3::c1a7 (a spare address of hc's /64, answered
                                        by proxy NDP on hc's uplink)

   CLAT router: 100.64.0.0/10 <-> 2001:db8:1:ff00::/106, so c1 = 2001:db8:1:ff00::2
   CLAT host:   192.0.0.1 <-> 2001:db8:3::c1a7
   both:        IPv4 destinations -> 64:ff9b::/96 (s4 = 64:ff9b::cb00:710a)
   PLAT rows:   100.64.0.0/10 <-> 2001:db8:1:ff00::/106, 198.51.100.77 <-> 2001:db8:3::c1a7
   s4 serves HTTP :8080, DNS :5353/udp, UDP echo :7007.

   hc is set up as sixgated(8) says for a host CLAT, and no more: IPv6
   forwarding on, accept_ra=2 and proxy_ndp=1 on the uplink, a proxy
   neighbour entry for the CLAT address; IPv4 forwarding stays off.
"""
import re
import time

import pytest

from conftest import (Sixgated, counter, curl_sha, make_webroot, ping,
                      start_servers, udp_echo)

S4 = "203.0.113.10"
PLAT_CONF = """\
# PLAT stand-in: stateless, EAM rows for both CLATs
pref64 = 64:ff9b::/96
allow-nonglobal-wkp = yes
user = root
workers = 2
control-socket = @SOCK@

[siit]
tun = {tun}
manage-routes = no
eam = 100.64.0.0/10 2001:db8:1:ff00::/106
eam = 198.51.100.77 2001:db8:3::c1a7
"""
ROUTER_CONF = """\
# CLAT, router form (RFC 6877 §6.3 dedicated prefix)
pref64 = 64:ff9b::/96
allow-nonglobal-wkp = yes
user = root
workers = 2
control-socket = @SOCK@

[clat]
mode = router
tun = {tun}
ipv4-prefix = 100.64.0.0/10
ipv6-prefix = 2001:db8:1:ff00::/106
ipv4-default-route = auto
"""
HOST_CONF = """\
# CLAT, host form (RFC 7335 address 192.0.0.1)
pref64 = 64:ff9b::/96
allow-nonglobal-wkp = yes
user = root
control-socket = @SOCK@

[clat]
mode = host
tun = {tun}
ipv4-address = 192.0.0.1
ipv6-address = 2001:db8:3::c1a7
"""


def sysctl(net, role, key):
    return net.ex(role, ["sysctl", "-n", key]).stdout.strip()


@pytest.fixture(scope="module")
def x(netfactory):
    net = netfactory("clat")
    for r in ("c1", "cr", "co", "pl", "s4", "hc"):
        net.add_ns(r)
    net.link("c1", "c1", "cr", "crl")
    net.link("cr", "cru", "co", "cor")
    net.link("co", "cop", "pl", "pl6")
    net.link("pl", "pl4", "s4", "s4")
    net.link("hc", "hc", "co", "coh")
    net.addr("c1", "c1", "100.64.0.2/24", "2001:db8:1:1::2/64")
    net.addr("cr", "crl", "100.64.0.1/24", "2001:db8:1:1::1/64")
    net.addr("cr", "cru", "2001:db8:f1::2/64")
    net.addr("co", "cor", "2001:db8:f1::1/64")
    net.addr("co", "cop", "2001:db8:f2::1/64")
    net.addr("co", "coh", "2001:db8:3::1/64")
    net.addr("pl", "pl6", "2001:db8:f2::2/64")
    net.addr("pl", "pl4", "203.0.113.1/24")
    net.addr("s4", "s4", S4 + "/24")
    net.addr("hc", "hc", "2001:db8:3::10/64")
    net.route("c1", "default via 100.64.0.1")
    net.route("c1", "default6 via 2001:db8:1:1::1")
    net.route("cr", "default6 via 2001:db8:f1::1")
    net.route("co", "2001:db8:1::/48 via 2001:db8:f1::2")
    net.route("co", "64:ff9b::/96 via 2001:db8:f2::2")
    net.route("pl", "default6 via 2001:db8:f2::1")
    net.route("s4", "default via 203.0.113.1")
    net.route("hc", "default6 via 2001:db8:3::1")
    up = net.name("hc", "hc")
    for k in ("net.ipv4.ip_forward=0", "net.ipv6.conf.all.forwarding=1",
              "net.ipv6.conf.%s.accept_ra=2" % up,
              "net.ipv6.conf.%s.proxy_ndp=1" % up):
        net.sh("hc", "sysctl -qw " + k)
    net.sh("hc", "ip -6 neigh add proxy 2001:db8:3::c1a7 dev " + up)
    www, net.blob_sha = make_webroot(net.tmp, size=1024 * 1024 + 7)
    start_servers(net, "s4", www)

    net.tun = {"pl": "sgp" + net.tag, "cr": "sgr" + net.tag,
               "hc": "sgh" + net.tag}
    net.plat = Sixgated(net, "pl", PLAT_CONF.format(tun=net.tun["pl"]),
                        "plat").start()
    net.sh("pl", "ip link set %s up" % net.tun["pl"])
    for p in ("64:ff9b::/96", "100.64.0.0/10", "198.51.100.77/32"):
        net.route("pl", "%s dev %s" % (p, net.tun["pl"]))
    net.router = Sixgated(net, "cr", ROUTER_CONF.format(tun=net.tun["cr"]),
                          "clat-router").start()
    net.host = Sixgated(net, "hc", HOST_CONF.format(tun=net.tun["hc"]),
                        "clat-host").start()
    yield net
    for d in (net.host, net.router, net.plat):
        d.stop()


def settled_counts(d, timeout=5.0):
    """TUN counters once they stop moving: earlier tests' connections
    (TCP teardown, DNS retries) may still be crossing the CLAT."""
    last = tun_counts(d)
    deadline = time.time() + timeout
    while time.time() < deadline:
        time.sleep(0.5)
        now = tun_counts(d)
        if now == last:
            return now
        last = now
    return last


def tun_counts(d):
    """Packets through the TUN.  The daemon gives the TUN no IPv6
    link-local address, so the kernel's own MLD reports and router
    solicitations never reach it: every packet counted here was routed
    into the CLAT."""
    s = d.stats()
    return {k: counter(s, k) for k in ("in4", "in6", "out4", "out6")}


def route(net, role, fam, dst):
    return net.ex(role, ["ip", fam, "route", "get", dst]).stdout


# ---- router form ------------------------------------------------------

def test_rfc6877_clat_router_routes(x):
    """docs/daemon.md: IPv4 default and ipv6-prefix -> TUN."""
    assert "dev " + x.tun["cr"] in route(x, "cr", "-4", S4)
    assert "dev " + x.tun["cr"] in route(x, "cr", "-6", "2001:db8:1:ff00::2")


def test_rfc6877_clat_router_ipv4_literal(x):
    ping(x, "c1", S4, count=3)


def test_rfc6877_clat_router_ipv4_literal_http(x):
    assert curl_sha(x, "c1", "http://%s:8080/blob" % S4,
                    x.tmp) == x.blob_sha


def test_rfc6877_6_2_clat_router_client_seen_by_its_ipv4(x):
    """c1's source survives CLAT (100.64.0.2 -> 2001:db8:1:ff00::2) and
    PLAT (back to 100.64.0.2): the IPv4 server logs 100.64.0.2."""
    x.ex("c1", ["curl", "-sS", "-o", "/dev/null", "--max-time", "5",
                "http://%s:8080/mark-router" % S4], check=False)
    with open([p for p in x.procs if "http-s4" in p.logpath][0].logpath) as f:
        log = f.read()
    assert re.search(r"100\.64\.0\.2 .*mark-router", log), log[-800:]


def test_rfc6877_clat_router_udp_dns(x):
    r = x.ex("c1", ["dig", "@" + S4, "-p", "5353", "+tries=2", "+time=2",
                    "sixgate.test.", "A"], check=False, timeout=15)
    assert "status: NOERROR" in r.stdout and "203.0.113.53" in r.stdout, \
        r.stdout + r.stderr


def test_rfc6877_7_2_clat_router_native_ipv6_untouched(x):
    """IPv6 traffic never goes through the CLAT: ::1, the router's own
    addresses and the client's native IPv6 leave the TUN counters alone."""
    before = settled_counts(x.router)
    ping(x, "cr", "::1", count=2)
    ping(x, "cr", "2001:db8:f1::2", count=2)
    ping(x, "cr", "2001:db8:1:1::2", count=2)
    ping(x, "c1", "2001:db8:f2::2", count=3)      # across cr and co
    ping(x, "c1", "2001:db8:1:1::1", count=2)
    after = tun_counts(x.router)
    assert after == before, "TUN counters moved: %s -> %s" % (before, after)
    # ... and that holds because the TUN has no link-local address.
    addrs = x.sh("cr", "ip -6 addr show dev " + x.tun["cr"]).stdout
    assert "fe80" not in addrs, addrs


def test_rfc7915_4_clat_router_ptb_reaches_ipv4_client(x):
    """CONFORMANCE 5 and 12 (last line): a DF packet too big for the IPv6
    path after translation is answered with Fragmentation Needed; c1 learns
    1472 (IPv6 MTU - 28, the CLAT's IPv4 MTU) or 1480 (IPv6 MTU - 20) and
    gets through at that size.  UDP, not ping, checks the sizes that work:
    an echo reply above 1260 bytes leaves s4 with DF=0, the PLAT splits it
    into IPv6 fragments (lowest-ipv6-mtu 1280) and the CLAT then drops
    fragmented ICMP as RFC 7915 §1.2 says."""
    x.sh("c1", "ip route flush cache", check=False)
    e = udp_echo(x, "c1", S4, 1472 - 28)          # 1472 bytes of IPv4, DF
    assert e.returncode == 0, e.stdout
    r = ping(x, "c1", S4, size=1472, df=True, check=False)   # 1500
    assert r.returncode != 0, r.stdout
    got = re.search(r"\bmtu (\d+)", route(x, "c1", "-4", S4))
    assert got and int(got.group(1)) in (1472, 1480), (
        "c1 learnt no path MTU toward %s: ping said:\n%s\nroute: %s" % (
            S4, r.stdout, route(x, "c1", "-4", S4)))
    e = udp_echo(x, "c1", S4, int(got.group(1)) - 28)
    assert e.returncode == 0, e.stdout
    x.sh("c1", "ip route flush cache", check=False)


# ---- host form --------------------------------------------------------

def test_clat_host_leaves_sysctls_alone(x):
    """sixgated(8): the daemon changes no sysctl; the host keeps the
    settings the administrator made (IPv4 forwarding stays off)."""
    assert sysctl(x, "hc", "net.ipv4.ip_forward") == "0"
    assert sysctl(x, "hc", "net.ipv6.conf.all.forwarding") == "1"


def test_rfc7335_clat_host_address_and_default_route(x):
    r = x.ex("hc", ["ip", "-4", "addr", "show", "dev", x.tun["hc"]]).stdout
    assert "192.0.0.1/32" in r or "192.0.0.1 " in r, r
    assert "dev " + x.tun["hc"] in route(x, "hc", "-4", S4)
    r6 = route(x, "hc", "-6", "2001:db8:3::c1a7")
    assert "dev " + x.tun["hc"] in r6, r6


def test_rfc6877_clat_host_ipv4_literal(x):
    ping(x, "hc", S4, count=3)


def test_rfc6877_clat_host_ipv4_literal_http(x):
    assert curl_sha(x, "hc", "http://%s:8080/blob" % S4,
                    x.tmp) == x.blob_sha


def test_rfc7335_clat_host_address_never_on_the_wire(x):
    """192.0.0.1 stays inside the host: s4 sees the PLAT's EAM address."""
    x.ex("hc", ["curl", "-sS", "-o", "/dev/null", "--max-time", "5",
                "http://%s:8080/mark-host" % S4], check=False)
    with open([p for p in x.procs if "http-s4" in p.logpath][0].logpath) as f:
        log = f.read()
    assert re.search(r"198\.51\.100\.77 .*mark-host", log), log[-800:]
    assert not re.search(r"192\.0\.0\.1 ", log), log[-800:]


def test_rfc6877_7_2_clat_host_native_ipv6_untouched(x):
    before = settled_counts(x.host)
    ping(x, "hc", "::1", count=2)
    ping(x, "hc", "2001:db8:3::10", count=2)
    ping(x, "hc", "2001:db8:f2::2", count=2)
    after = tun_counts(x.host)
    assert after == before, "TUN counters moved: %s -> %s" % (before, after)


def test_clat_sigterm_removes_routes(x):
    for d in (x.host, x.router):
        rc = d.stop()
        assert rc == 0, "%s: exit %s\n%s" % (d.name, rc, d.log())
        after = x.routes(d.role)
        assert after == d.routes_before, "%s left: %s, removed: %s" % (
            d.name, sorted(set(after) - set(d.routes_before)),
            sorted(set(d.routes_before) - set(after)))
