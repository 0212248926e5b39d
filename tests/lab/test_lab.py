# SPDX-License-Identifier: BSD-2-Clause
"""The 464XLAT lab end to end: each step of `make demo` as a test, plus
UDP DNS and iperf3 through CLAT + NAT64, failover and restart of a
gateway.  Topology and addresses: the header of lab/lab.

   c1, c2 --WireGuard-- cr [clat] -- core (BIRD, ECMP) --+-- gw1..gw3 [nat64] -- r4 -- web 203.0.113.80/.81
                                                          +-- dns64 [dns64] -----/  \\-- dns 198.51.100.53 (NSD)

The tests run in file order: failover and restart come last.
"""
import hashlib
import json
import subprocess
import re
import time

from conftest import LAB, PROBE, PY

WWW = "sixgate lab: hello from www.test (203.0.113.80, IPv4 only)\n"
LIT = "sixgate lab: hello from the IPv4 literal 203.0.113.81\n"
WWW6 = "64:ff9b::cb00:7150"


def hops(out):
    return [ln.split()[1] for ln in out.splitlines()[1:] if ln.strip()]


def gw_v4(n):
    """The gateway's and r4's addresses on link N (192.0.2.(4N-3)/30)."""
    return "192.0.2.%d" % (4 * n - 3), "192.0.2.%d" % (4 * n - 2)


# ---- step 1: DNS64 -> NAT64 ---------------------------------------------------

def test_step1_dns64_synthesises_aaaa(lab):
    r = lab.sh("c1", "dig +short +time=2 www.test AAAA")
    assert r.stdout.split() == [WWW6], r.stdout


def test_step1_dns64_dual_stack_name_keeps_real_aaaa(lab):
    r = lab.sh("c1", "dig +short +time=2 dual.test AAAA")
    assert r.stdout.split() == ["2001:db8:80::80"], r.stdout


def test_step1_http_by_name_through_nat64(lab):
    r = lab.ex("c1", ["curl", "-sS", "-m", "5", "-w", "%{remote_ip}",
                      "http://www.test/"])
    assert r.stdout == WWW + WWW6, r.stdout


def test_step1_big_download_by_name(lab):
    """1 MiB through DNS64 + NAT64 arrives intact (the tunnel's 1420,
    the gateways' 1400 and the web link's 1300 MTUs on the way)."""
    r = lab.ex("c1", ["sh", "-c", "curl -sS -m 20 http://www.test/blob | "
                      "sha256sum"], timeout=30)
    with open("/run/sixgate-lab/web/www/blob", "rb") as f:

        want = hashlib.sha256(f.read()).hexdigest()
    assert r.stdout.split()[0] == want


# ---- step 2: CLAT -> NAT64 ----------------------------------------------------

def test_step2_http_to_ipv4_literal_through_clat(lab):
    r = lab.ex("c1", ["curl", "-sS", "-m", "5", "-w", "%{remote_ip}",
                      "http://203.0.113.81/"])
    assert r.stdout == LIT + "203.0.113.81", r.stdout
    r = lab.ex("c2", ["curl", "-sS", "-m", "5", "http://203.0.113.81/"])
    assert r.stdout == LIT


def test_step2_clients_have_no_other_ipv4(lab):
    for c in ("c1", "c2"):
        addrs = lab.sh(c, "ip -4 -o addr show").stdout
        got = sorted(re.findall(r"inet (\S+)", addrs))
        assert got == ["100.64.0.%d/24" % (int(c[1]) + 1), "127.0.0.1/8"], \
            addrs


def test_step2_server_sees_pool4_address(lab):
    """The web server logs the gateway's pool4 address, not the client."""
    lab.ex("c1", ["curl", "-sS", "-m", "5", "-o", "/dev/null",
                  "http://203.0.113.81/mark-literal"], check=False)
    with open("/run/sixgate-lab/web/access.log") as f:
        log = [ln for ln in f if "mark-literal" in ln]
    assert log and re.match(r"192\.0\.2\.10[123] ", log[-1]), log


# ---- step 3: ping and traceroute ---------------------------------------------

def test_step3_ping_ipv4_literal(lab):
    r = lab.sh("c1", "ping -n -c 3 -i 0.2 -W 2 203.0.113.80")
    assert " 0% packet loss" in r.stdout


def test_step3_traceroute_ipv4_hops(lab):
    r = lab.sh("c1", "traceroute -n -I -q 1 -w 1 -N 1 203.0.113.80",
               timeout=60)
    h = hops(r.stdout)
    # cr; then five IPv6 hops that have no IPv4 address (RFC 7915:
    # untranslatable ICMPv6 sources become 192.0.0.8): the CLAT, cr's
    # IPv6 forwarding, the core, the gateway's kernel, the NAT64; then
    # the gateway's IPv4 side, r4, the server
    assert h[:6] == ["100.64.0.1"] + ["192.0.0.8"] * 5, r.stdout
    assert len(h) == 9 and h[8] == "203.0.113.80", r.stdout
    assert any(h[6:8] == list(gw_v4(n)) for n in (1, 2, 3)), r.stdout


def test_step3_traceroute_ipv6_hops(lab):
    r = lab.sh("c1", "traceroute -6 -n -I -q 1 -w 1 -N 1 www.test",
               timeout=60)
    h = hops(r.stdout)
    assert len(h) == 7, r.stdout
    m = re.fullmatch(r"2001:db8:ff:([123])::2", h[2])
    assert m, r.stdout
    n = int(m.group(1))
    g4, r4 = gw_v4(n)

    def as6(a):
        b = [int(x) for x in a.split(".")]
        return "64:ff9b::%x:%x" % (b[0] << 8 | b[1], b[2] << 8 | b[3])
    assert h == ["2001:db8:100:1::1", "2001:db8:ff:100::1", h[2],
                 "64:ff9b::c000:8", as6(g4), as6(r4), WWW6], r.stdout


# ---- step 4: local traffic ------------------------------------------------------

def test_step4_loopback_and_local_traffic(lab):
    for box in ("c1", "cr"):
        lab.sh(box, "ping -n -c 1 -W 1 ::1")
        lab.sh(box, "ping -n -c 1 -W 1 127.0.0.1")
    lab.sh("c2", "ping -n -c 2 -i 0.2 -W 1 100.64.0.2")
    lab.sh("c2", "ping -n -c 2 -i 0.2 -W 1 2001:db8:100:1::2")
    assert "dev wgcr" in lab.sh("cr", "ip route get 100.64.0.2").stdout
    assert "dev clat-cr" in lab.sh(
        "cr", "ip route get 203.0.113.80 from 100.64.0.2 iif wgcr").stdout


# ---- step 5: path MTU -------------------------------------------------------------

def test_step5_pmtu_ipv4_through_both_translators(lab):
    lab.sh("c1", "ip route flush cache")
    r = lab.sh("c1", "tracepath -n 203.0.113.80", timeout=60)
    pm = [int(x) for x in re.findall(r"pmtu (\d+)", r.stdout)]
    # tunnel 1420; IPv6 PTB 1400 from the core becomes 1380 at the CLAT;
    # ICMPv4 1300 from r4 goes NAT64 (PTB 1320) then CLAT (1300)
    assert pm[0] == 1420 and 1380 in pm and pm[-1] == 1300, r.stdout
    assert "Resume: pmtu 1300" in r.stdout


def test_step5_pmtu_ipv6(lab):
    r = lab.sh("c1", "tracepath -6 -n " + WWW6, timeout=60)
    pm = [int(x) for x in re.findall(r"pmtu (\d+)", r.stdout)]
    assert pm[0] == 1420 and 1400 in pm and pm[-1] == 1320, r.stdout


def test_step5_df_ping_at_the_path_mtu(lab):
    lab.sh("c1", "ping -n -c 1 -W 2 -M do -s 1272 203.0.113.80")
    r = lab.sh("c1", "ping -n -c 1 -W 2 -M do -s 1273 203.0.113.80",
               check=False)
    assert r.returncode != 0 and "mtu=1300" in r.stdout + r.stderr, \
        r.stdout + r.stderr


# ---- step 6: sixgatectl -----------------------------------------------------------

def test_step6_sessions_and_counters(lab):
    r = lab.ex("c1", ["curl", "-sS", "-m", "5", "-o", "/dev/null", "-w",
                      "%{local_port}", "http://www.test/"])
    port = int(r.stdout)
    n = lab.gateway_of(port)
    assert n, "no gateway shows a TCP session from port %d" % port
    out = lab.ctl("gw%d" % n, "session", "show").stdout
    row = [ln for ln in out.splitlines() if "]:%d " % port in ln][0]
    assert ("[2001:db8:100:1::2]:%d" % port in row and
            "[64:ff9b::cb00:7150]:80" in row and
            "192.0.2.10%d:" % n in row and "203.0.113.80:80" in row), row
    st = lab.stats("gw%d" % n)
    flat = json.dumps(st)
    assert re.search(r'"translated"\D+[1-9]', flat), flat[:500]


# ---- extra traffic ------------------------------------------------------------------

def test_udp_dns_to_ipv4_only_server_by_literal(lab):
    r = lab.sh("c1", "dig +time=2 +tries=2 @198.51.100.53 www.test A",
               timeout=15)
    assert "status: NOERROR" in r.stdout and \
        re.search(r"www\.test\.\s+\d+\s+IN\s+A\s+203\.0\.113\.80", r.stdout), \
        r.stdout
    # the query came through the CLAT: the client's CLAT address
    found = False
    for n in (1, 2, 3):
        out = lab.ctl("gw%d" % n, "session", "show").stdout
        found |= bool(re.search(r"(?m)^udp\s+\[2001:db8:100:ff00::2\]:\d+\s+"
                                r"\[64:ff9b::c633:6435\]:53\s", out))
    assert found, "no UDP session to 198.51.100.53:53 from the CLAT"


def test_iperf3_tcp_through_clat_and_nat64(lab):
    r = lab.sh("c1", "iperf3 -c 203.0.113.80 -t 2 -J", timeout=30)
    doc = json.loads(r.stdout)
    recv = doc["end"]["sum_received"]
    assert recv["bytes"] > 1000000, recv
    assert recv["bits_per_second"] > 10e6, recv


# ---- failover and restart ----------------------------------------------------------

def test_ecmp_over_three_gateways(lab):
    assert lab.nexthops() == [1, 2, 3]


def test_failover_new_connections_within_5s(lab):
    r = lab.ex("c1", ["curl", "-sS", "-m", "5", "-o", "/dev/null", "-w",
                      "%{local_port}", "http://www.test/"])
    n = lab.gateway_of(int(r.stdout))
    assert n
    lab.failed_gw = n

    probe = subprocess.Popen(["ip", "netns", "exec", "lab-c1", PY, PROBE,
                              WWW6, "80", "5"], stdout=subprocess.PIPE,
                             text=True)
    time.sleep(1.0)
    t0 = time.time()
    stopper = subprocess.Popen([LAB, "stop", "gw%d" % n])
    rest = [g for g in (1, 2, 3) if g != n]
    t1 = lab.wait_nexthops(rest, 5)
    assert stopper.wait(15) == 0
    out, _ = probe.communicate(timeout=20)
    att = json.loads(out)["attempts"]
    after = [a for a in att if a[0] + a[1] >= t0]
    assert after, att
    bad = [a for a in after if not a[2] or a[1] > 5]
    assert not bad, bad
    # and a new connection right now, through a remaining gateway
    r = lab.ex("c1", ["curl", "-sS", "-m", "5", "-w", " %{local_port}",
                      "http://www.test/"])
    body, port = r.stdout.rsplit(" ", 1)
    assert body == WWW
    assert lab.gateway_of(int(port)) in rest
    worst = max(a[1] for a in after)
    print("failover: gw%d stopped; core withdrew it after %.3f s "
          "; %d new connections after the stop, "
          "slowest %.3f s" % (n, t1 - t0, len(after), worst))


def test_restart_returns_to_ecmp(lab):
    n = getattr(lab, "failed_gw", None)
    if n is None:
        n = 1
        lab.lab("stop", "gw1")
        lab.wait_nexthops([2, 3], 5)
    lab.lab("start", "gw%d" % n)
    lab.wait_nexthops([1, 2, 3], 10)
    # it carries new connections again
    for _ in range(40):
        r = lab.ex("c1", ["curl", "-sS", "-m", "5", "-o", "/dev/null", "-w",
                          "%{local_port}", "http://www.test/"])
        if lab.gateway_of(int(r.stdout)) == n:
            return
    raise AssertionError("gw%d got none of 40 new connections" % n)
