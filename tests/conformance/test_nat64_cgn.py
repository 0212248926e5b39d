# SPDX-License-Identifier: BSD-2-Clause
"""CGN requirements applied to the NAT64 (CONFORMANCE.md section 11):
RFC 6888 and RFC 7857, through `sixgatectl translate -r nat64`.
Topology: see nat64_util.py.  The subscriber is the IPv6 source /64
(client-prefix-length, PROJECT).
"""
import pytest
from scapy.all import (ICMP, ICMPv6DestUnreach, IP, IPv6, TCP, UDP)

from conftest import config_check, nat64_run
from nat64_util import (A26, A6, ACK, B6, C6, CONF, RST, SYN, SYNACK, T4,
                        Z24, Z4, conf, conf_pool, e4, e6, mapped, mapping_of,
                        same6, t4, t6, tick, u4, u6)

LOG = ("log-bib = yes", "log-sessions = yes")


def subscribers(n, base=0x200):
    return ["2001:db8:%x::1" % (base + i) for i in range(n)]


# ==========================================================================
# RFC 6888


def test_rfc6888_req3_non_contiguous_pool():
    # covers: RFC 6888 REQ-3 (the external pool may be non-contiguous)
    c = conf_pool(["192.0.2.1 udp 61001-61002", "203.0.113.5 udp 40000-40001",
                   "198.18.7.9 udp 50000-50001"], "udp-parity = no")
    r = nat64_run([u6(src=s) for s in subscribers(6)], c)
    out = r.v4()
    assert len(out) == 6, r.stderr
    assert {p.src for p in out} == {"192.0.2.1", "203.0.113.5", "198.18.7.9"}
    assert len({mapping_of(p) for p in out}) == 6


def test_rfc6888_req4_per_subscriber_port_cap():
    # covers: RFC 6888 REQ-4 (per-subscriber cap on external ports, set by
    # the administrator, per protocol; subscriber = /64 by default), REQ-11
    # (refused: drop and ICMP error)
    c = conf("client-max-ports = 2")
    r = nat64_run([u6(src=A6, sport=5000), u6(src=A6, sport=5002),
                   u6(src=A26, sport=5004),            # same /64: refused
                   u6(src=B6, sport=5000),             # other subscriber
                   t6(SYN, src=A26), e6(1, src=A6)], c)   # other protocols
    assert len(r.v4()) == 5
    assert r.n("nat64_client_limit") == 1
    e = r.v6()[0]
    assert same6(e.dst, A26)
    assert (e[ICMPv6DestUnreach].type, e[ICMPv6DestUnreach].code) == (1, 3)


def test_rfc6888_req4_subscriber_prefix_length():
    # covers: RFC 6888 REQ-4 (subscriber = IPv6 source prefix of configurable
    # length, PROJECT)
    c = conf("client-max-ports = 1", "client-prefix-length = 56")
    r = nat64_run([u6(src="2001:db8:a:1::1"), u6(src="2001:db8:a:2::1"),
                   u6(src="2001:db8:b:1::1")], c)
    assert len(r.v4()) == 2 and r.n("nat64_client_limit") == 1


def test_rfc6888_req5_per_subscriber_session_cap():
    # covers: RFC 6888 REQ-5 (per-subscriber state limit, configurable)
    c = conf("client-max-sessions = 2")
    r = nat64_run([u6(dst=Z4), u6(dst=Z24), u6(dst="203.0.113.9"),
                   u6(src=B6)], c)
    assert len(r.v4()) == 3 and r.n("nat64_client_limit") == 1
    bad, _ = config_check(conf("client-max-sessions = x"))
    assert bad.returncode != 0


HOLD = ["192.0.2.1 udp 61001-61001"]


@pytest.mark.parametrize("t_b,gets_port", [(1130, False), (1241, True)])
def test_rfc6888_req8_port_hold(t_b, gets_port):
    # covers: RFC 6888 REQ-8 (a freed external port is not reused for 120 s;
    # hold time configurable): A's session ends at 1120 (udp-timeout 120);
    # the only port of the pool stays on hold until 1240
    c = conf_pool(HOLD, "udp-parity = no", "udp-timeout = 120")
    r = nat64_run([(1000, u6(src=A6)), tick(1121), (t_b, u6(src=B6))], c)
    assert r.n("nat64.ports_held") == 1
    got = [p for p in r.v4() if UDP in p and p[UDP].dport == 53]
    assert (len(got) == 2) is gets_port, r.stderr
    if gets_port:
        assert mapping_of(got[1]) == mapping_of(got[0])
    else:
        assert r.n("nat64_pool_exhausted") == 1


def test_rfc6888_req8_port_hold_configurable():
    # covers: RFC 6888 REQ-8 (hold time and maximum held ports configurable)
    for extra in ("port-hold-time = 0", "port-hold-max = 0"):
        c = conf_pool(HOLD, "udp-parity = no", "udp-timeout = 120", extra)
        r = nat64_run([(1000, u6(src=A6)), tick(1121), (1130, u6(src=B6))],
                      c)
        assert len(r.v4()) == 2, (extra, r.stderr)
    c = conf_pool(HOLD, "udp-parity = no", "udp-timeout = 120",
                  "port-hold-time = 30")
    r = nat64_run([(1000, u6(src=A6)), tick(1121), (1149, u6(src=B6)),
                   (1152, u6(src=C6))], c)
    assert len(r.v4()) == 2 and r.n("nat64_pool_exhausted") == 1


def test_rfc6888_req11_existing_mappings_not_evicted():
    # covers: RFC 6888 REQ-11 (refused mapping: drop and ICMP error;
    # existing mappings never evicted to make room)
    c = conf_pool(["192.0.2.1 udp 61001-61002"], "udp-parity = no")
    ev = [(1000, u6(src=A6)), (1000.1, u6(src=B6)), (1001, u6(src=C6))]
    r = nat64_run(ev, c)
    (_, ta), (_, tb) = mapping_of(r.v4()[0]), mapping_of(r.v4()[1])
    assert r.n("nat64_pool_exhausted") == 1
    r = nat64_run(ev + [(1002, u4(ta)), (1003, u4(tb))], c)
    dsts = [p.dst for p in r.v6()]
    assert len(dsts) == 3               # 1/3 to C, then both replies
    assert same6(dsts[1], A6) and same6(dsts[2], B6)


def test_rfc6888_4_logging_records():
    # covers: RFC 6888 §4 (each mapping logged with protocol, subscriber,
    # external address and port, timestamp), REQ-12 (no destination unless
    # asked for)
    r = nat64_run([(1000.25, u6(sport=5000)), (1001, t6(SYN)),
                   (1002, e6(0x33))], conf("log-bib = yes"), wait=400)
    adds = r.log("bib add")
    assert [l.proto for l in adds] == ["udp", "tcp", "icmp"]
    assert adds[0].time == 1000.25 and adds[0].x6 == "2001:db8:a::1"
    assert adds[0].x == 5000
    assert (adds[0].t4, adds[0].t) == mapping_of(r.v4()[0])
    assert all(l.z4 is None for l in r.logs)
    assert r.log("session add") == []
    assert len(r.log("bib del")) == 3
    assert "198.51.100" not in r.stderr
    # with session logging the destination appears
    r = nat64_run([u6()], conf("log-sessions = yes"))
    s = r.log("session add")
    assert len(s) == 1 and (s[0].z4, s[0].z) == (Z4, 53)
    # nothing is logged by default
    r = nat64_run([u6()])
    assert r.logs == []


def test_rfc6888_5_port_allocation_spread():
    # covers: RFC 6888 §5 REQ-13-15 (allocation resists guessing), RFC 7857
    # §9 (RFC 6056-style obfuscation): consecutive subscribers do not get
    # consecutive ports
    c = conf_pool(["192.0.2.1 udp 1024-65535"], "udp-parity = no")
    r = nat64_run([u6(src=s) for s in subscribers(16)], c)
    ports = [p[UDP].sport for p in r.v4()]
    assert len(set(ports)) == 16
    steps = {b - a for a, b in zip(ports, ports[1:])}
    assert len(steps) > 4 and ports != sorted(ports)


# ==========================================================================
# RFC 7857


def test_rfc7857_2_1_transitory_timeouts_separate():
    # covers: RFC 7857 §2.1 (partially-open and closing transitory timeouts
    # are separate settings, default >= 4 min)
    c = conf("tcp-trans-open-timeout = 300", *LOG)
    T, t = mapped([t6(SYN)], c)[1]
    r = nat64_run([(1000, t6(SYN)), tick(1299.5), tick(1300.5)], c)
    assert [l.time for l in r.log("session del")] == [1300.5]
    r = nat64_run([(1000, t6(SYN)), (1000.1, t4(SYNACK, t, ack=1001)),
                   (1000.2, t6(ACK, seq=1001, ack=5001)),
                   (2000, t6(RST, seq=1001)), tick(2239.5), tick(2240.5)], c)
    assert [l.time for l in r.log("session del")] == [2240.5]


@pytest.mark.parametrize("dt,passes", [(239, True), (241, False)])
def test_rfc7857_2_2_rst_keeps_session_4_min(dt, passes):
    # covers: RFC 7857 §2.2 (an RST matching a mapping is translated; the
    # session stays 4 min before removal if nothing else arrives)
    T, t = mapped([t6(SYN)])[1]
    ev = [(1000, t6(SYN)), (1000.1, t4(SYNACK, t, ack=1001)),
          (1000.2, t6(ACK, seq=1001, ack=5001)),
          (2000, t4(RST, t, seq=5001))]
    r = nat64_run(ev + [(2000 + dt, t4(SYN, t, seq=9000))], wait=0)
    six = r.v6()
    assert six[1][TCP].flags == "R"
    assert (len(six) == 3) is passes, r.stderr


def test_rfc7857_4_paired_address_out_of_ports():
    # covers: RFC 7857 §4 (when the paired address runs out of ports, new
    # sessions of that host are dropped, TCP included; no other address)
    c = conf_pool(["192.0.2.1 tcp 61001-61003", "192.0.2.2 tcp 61001-61003"])
    ev = [t6(SYN, src=A6, sport=40000 + i) for i in range(4)]
    ev += [t6(SYN, src=s) for s in subscribers(3)]
    r = nat64_run(ev, c)
    a_out = r.v4()[:3]
    assert len({p.src for p in a_out}) == 1
    assert r.n("nat64_pool_exhausted") >= 1
    errs = r.v6()
    assert same6(errs[0].dst, A6)
    others = r.v4()[3:]
    assert any(p.src != a_out[0].src for p in others), r.stderr


def test_rfc7857_5_6_mappings_per_protocol():
    # covers: RFC 7857 §5, §6 (mappings and endpoint-independent filters are
    # per protocol)
    T, t = mapped([u6()])[1]
    r = nat64_run([u6(), t4(ACK, t), e4(t, typ=8), u4(t)])
    six = r.v6()
    assert len(six) == 1 and UDP in six[0]
    assert r.n("nat64_no_bib") == 2


def test_rfc7857_7_inbound_without_session_no_refresh():
    # covers: RFC 7857 §7 (inbound packets matching an endpoint-independent
    # filter but creating no session do not refresh the mapping, TCP)
    T, t = mapped([t6(SYN)])[1]
    r = nat64_run([(1000, t6(SYN)), (1200, t4(ACK, t, src=Z24)),
                   tick(1240.5), tick(1241.5)], conf(*LOG))
    assert len(r.v6()) == 1
    assert [l.time for l in r.log("bib del")] == [1240.5]


def test_rfc7857_7_1_outbound_rst_no_refresh():
    # covers: RFC 7857 §7.1 (outbound RSTs answering inbound traffic do not
    # refresh the mapping); ICMP errors: see
    # test_rfc6146_3_5_icmp_errors_never_refresh_state
    T, t = mapped([t6(SYN)])[1]
    r = nat64_run([(1000, t6(SYN)), (1100, t4(ACK, t, src=Z24, sport=81)),
                   (1150, t6(RST, dst=Z24, dport=81)),
                   tick(1240.5), tick(1241.5)], conf(*LOG))
    assert r.log("session add", z4=Z24) == []
    assert [l.time for l in r.log("bib del")] == [1240.5]


def test_rfc7857_8_parity_switch():
    # covers: RFC 7857 §8 (parity preservation may be off; an explicit way
    # to ask for it exists)
    ports = [5000 + i for i in range(12)]
    for on in (True, False):
        c = conf_pool(["192.0.2.1 udp 61001-61100"],
                      "udp-parity = %s" % ("yes" if on else "no"))
        r = nat64_run([u6(src=s, sport=p) for s, p in
                       zip(subscribers(12), ports)], c)
        kept = [p[UDP].sport % 2 == x % 2 for x, p in zip(ports, r.v4())]
        assert all(kept) if on else True


def test_rfc7857_11_icmp_mapping_goes_with_last_session():
    # covers: RFC 7857 §11 (an ICMP query mapping goes with its last
    # session)
    r = nat64_run([(1000, e6(0x44)), tick(1061)], conf(*LOG))
    assert [l.what for l in r.logs] == ["bib add", "session add",
                                        "session del", "bib del"]
    assert r.n("nat64.bib_entries") == 0
