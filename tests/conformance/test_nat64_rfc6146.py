# SPDX-License-Identifier: BSD-2-Clause
"""RFC 6146 stateful NAT64 (CONFORMANCE.md section 9), offline through
`sixgatectl translate -r nat64`.  Topology: see nat64_util.py.

    A 2001:db8:a::1 --[64:ff9b::/96  sixgate  pool4 192.0.2.1]-- Z 198.51.100.20

Lifetimes are observed through behaviour: a packet just before and just
after the timeout, with nothing of the flow in between, or the time of the
"session del" log record when tick() packets move the clock.
"""
import ipaddress

import pytest
from scapy.all import (ICMP, ICMPv6DestUnreach, ICMPv6EchoReply,
                       ICMPv6EchoRequest, ICMPv6ParamProblem,
                       ICMPv6TimeExceeded, IP, IPerror, IPerror6, IPv6,
                       IPv6ExtHdrFragment, Raw, TCP, TCPerror, UDP, UDPerror,
                       fragment, raw)

from conftest import config_check, nat64_run
from nat64_util import (A26, A6, ACK, B6, C6, CONF, FIN, FINACK, PA, R4, R6,
                        RST, SYN, SYNACK, T4, Z24, Z4, conf, conf_pool,
                        csum_ok, e4, e6, err4, err6, m6, mapped, mapping_of,
                        same6, t4, t6, tick, u4, u6)

LOG = ("log-bib = yes", "log-sessions = yes")


def tcp_mapping(events=None, c=CONF):
    """(T, t) the first V6 SYN of A:40000 gets (ports are reproducible)."""
    r, tt = mapped([(1000, t6(SYN))], c)
    return tt


def established(t0=1000.0, c=CONF):
    """A V6 SYN / V4 SYN-ACK / V6 ACK handshake; returns (events, (T,t))."""
    T, t = tcp_mapping(c=c)
    ev = [(t0, t6(SYN)), (t0 + 0.1, t4(SYNACK, t, ack=1001)),
          (t0 + 0.2, t6(ACK, seq=1001, ack=5001))]
    return ev, (T, t)


def sess_del(run, proto="tcp", z4=Z4):
    d = run.log("session del", proto, z4=z4)
    return [l.time for l in d]


# ==========================================================================
# Structure (§3-§3.3)


def test_rfc6146_3_pool6_and_pool4_configured():
    # covers: RFC 6146 §3 (a Pref64::/n and a pool4 address are configured)
    r = nat64_run([u6()])
    p = r.v4()[0]
    assert p.src == T4 and p.dst == Z4
    # translate refuses a [nat64] without pool4 (the daemon's default is the
    # host's own address, which an offline run does not have).
    r = nat64_run([u6()], "pref64 = 64:ff9b::/96\n[nat64]\n", check=False)
    assert "pool4" in r.stderr


def test_rfc6146_3_tables_per_protocol():
    # covers: RFC 6146 §3 (UDP, TCP and ICMP BIBs and session tables)
    r = nat64_run([u6(), t6(SYN), e6()])
    assert len(r.v4()) == 3
    assert r.n("nat64.bib_entries") == 3 and r.n("nat64.sessions") == 3


def test_rfc6146_3_1_bib_unique_and_port_spaces_separate():
    # covers: RFC 6146 §3.1 (each transport address in at most one entry;
    # TCP and UDP port spaces separate)
    r = nat64_run([u6(sport=5000), t6(SYN, sport=5000), u6(src=B6, sport=5000),
                   u6(sport=5002)], conf(*LOG))
    adds = r.log("bib add")
    assert len(adds) == 4
    udp = [(l.t4, l.t) for l in adds if l.proto == "udp"]
    assert len(set(udp)) == 3           # unique (T,t) in the UDP BIB
    udp6 = [(l.x6, l.x) for l in adds if l.proto == "udp"]
    assert len(set(udp6)) == 3
    assert [l.proto for l in adds].count("tcp") == 1
    # static entries: one IPv6 side and one IPv4 side per protocol
    r2, _ = config_check(conf("bib = udp 2001:db8::80 80 192.0.2.1 8080",
                              "bib = udp 2001:db8::81 80 192.0.2.1 8080"))
    assert r2.returncode != 0
    r3, _ = config_check(conf("bib = udp 2001:db8::80 80 192.0.2.1 8080",
                              "bib = tcp 2001:db8::80 80 192.0.2.1 8080"))
    assert r3.returncode == 0, r3.stderr


def test_rfc6146_3_1_icmp_bib_identifier_pairs():
    # covers: RFC 6146 §3.1 (ICMP BIB (X',id6) <-> (T,id4), pairs unique)
    r = nat64_run([e6(0x77, src=A6), e6(0x77, src=B6), e6(0x78, src=A6)])
    ids = [(p.src, p[ICMP].id) for p in r.v4()]
    assert len(ids) == 3 and len(set(ids)) == 3
    assert r.n("nat64.bib_entries") == 3
    # replies go back to the right (X', id6)
    r = nat64_run([e6(0x77, src=A6), e6(0x77, src=B6)])
    i_a, i_b = r.v4()[0][ICMP].id, r.v4()[1][ICMP].id
    r = nat64_run([e6(0x77, src=A6), e6(0x77, src=B6), e4(i_b), e4(i_a)])
    back = r.v6()
    assert [same6(p.dst, x) for p, x in zip(back, (B6, A6))] == [True, True]
    assert all(p[ICMPv6EchoReply].id == 0x77 for p in back)


@pytest.mark.parametrize("proto", ["tcp", "udp", "icmp"])
def test_rfc6146_3_1_static_bib_never_times_out(proto):
    # covers: RFC 6146 §3.1 (static BIB entries for all three protocols,
    # never timing out)
    c = conf("bib = %s 2001:db8::80 80 192.0.2.1 8080" % proto, *LOG)
    if proto == "tcp":
        inbound = t4(SYN, 8080)
    elif proto == "udp":
        inbound = u4(8080)
    else:
        inbound = e4(8080, typ=8)
    r = nat64_run([(1000, inbound), (1000 + 3 * 86400, inbound)], c,
                  wait=86400)
    six = r.v6()
    assert len(six) == 2, r.stderr
    for p in six:
        assert same6(p.dst, "2001:db8::80") and same6(p.src, m6(Z4))
    assert r.n("nat64.bib_entries") == 1 and r.n("nat64.sessions") == 0
    assert r.log("bib del") == []


def test_rfc6146_3_1_static_bib_outside_pool4():
    # covers: RFC 6146 §3.1 (static BIB entries), §3.5 (what the NAT64
    # processes): port forwarding on an address that is not in pool4 (the
    # administrator routes it to the translator) works; other ports and
    # other protocols of that address are not the NAT64's.
    c = conf("bib = tcp 2001:db8::80 80 203.0.113.99 443")
    r = nat64_run([t4(SYN, 443, dst="203.0.113.99"),
                   t4(SYN, 444, dst="203.0.113.99"),
                   u4(443, dst="203.0.113.99")], c)
    six = r.v6()
    assert len(six) == 1, r.stderr
    assert same6(six[0].dst, "2001:db8::80") and six[0][TCP].dport == 80
    assert r.n("nat64_not_pool") == 2


def test_rfc6146_3_1_3_3_dynamic_bib_goes_with_last_session():
    # covers: RFC 6146 §3.1, §3.3 (a dynamic BIB entry disappears with its
    # last session)
    r = nat64_run([(1000, u6(dst=Z4)), (1100, u6(dst=Z24)), tick(1301),
                   tick(1401)], conf(*LOG))
    assert [l.what for l in r.logs] == ["bib add", "session add",
                                        "session add", "session del",
                                        "session del", "bib del"]
    assert r.log("session del")[0].time == 1301
    assert r.log("bib del")[0].time == 1401
    assert r.n("nat64.bib_entries") == 0


def test_rfc6146_3_2_session_tuple():
    # covers: RFC 6146 §3.2 (session (X',x),(Y',y) <-> (T,t),(Z,z); Y' = Z
    # by the §3.5.4 algorithm, y = z; ICMP session (X',Y',i1) <-> (T,Z,i2))
    r = nat64_run([u6(sport=5000, dport=5353), e6(0x42)], conf(*LOG))
    s_udp, s_icmp = r.log("session add", "udp")[0], r.log("session add",
                                                          "icmp")[0]
    p_udp, p_icmp = r.v4()
    assert (s_udp.x6, s_udp.x) == ("2001:db8:a::1", 5000)
    assert (s_udp.z4, s_udp.z) == (Z4, 5353)
    assert (s_udp.t4, s_udp.t) == (p_udp.src, p_udp.sport)
    assert p_udp.dst == Z4 and p_udp.dport == 5353
    assert (s_icmp.x, s_icmp.t4, s_icmp.t) == (0x42, T4, p_icmp[ICMP].id)
    assert s_icmp.z4 == Z4


# ==========================================================================
# Incoming tuple and fragments (§3.4)


def test_rfc6146_3_4_five_tuple_and_query_three_tuple():
    # covers: RFC 6146 §3.4 (TCP/UDP 5-tuple; ICMP queries (src, dst, id))
    r = nat64_run([u6(dport=53), u6(dport=54), u6(dport=53),
                   e6(1), e6(1, dst=Z24), e6(2), e6(1)], conf(*LOG))
    assert len(r.log("session add", "udp")) == 2
    assert len(r.log("session add", "icmp")) == 3
    assert r.n("nat64.sessions") == 5


def test_rfc6146_3_4_icmp_error_tuple_from_inner():
    # covers: RFC 6146 §3.4 (an ICMP error takes its tuple from the inner
    # packet, swapped)
    ev = [u6(sport=5000, dport=53)]
    r, (T, t) = mapped(ev)
    sent = IP(src=T, dst=Z4, ttl=5) / UDP(sport=t, dport=53) / b"query"
    r = nat64_run(ev + [err4(3, 3, sent, src=Z4)])
    back = r.v6()
    assert len(back) == 1, r.stderr
    e = back[0]
    assert same6(e.dst, A6) and e[ICMPv6DestUnreach].code == 4
    assert e[UDPerror].sport == 5000 and e[UDPerror].dport == 53


def test_rfc6146_3_4_icmp_error_inner_too_short_dropped():
    # covers: RFC 6146 §3.4 (inner packet too short for the tuple: drop
    # silently)
    ev = [u6()]
    r, (T, t) = mapped(ev)
    inner = raw(IP(src=T, dst=Z4, proto=17) / UDP(sport=t, dport=53))[:24]
    r = nat64_run(ev + [err4(3, 3, inner, src=Z4)])
    assert r.v6() == [] and r.s["dropped"] == 1


def test_rfc6146_3_4_nested_icmp_error_dropped():
    # covers: RFC 6146 §3.4 (an ICMP error carrying an ICMP error: drop)
    ev = [e6(0x10)]
    r, (T, i) = mapped(ev)
    inner_err = IP(src=T, dst=Z4) / ICMP(type=3, code=1) / raw(
        IP(src=Z4, dst=T) / ICMP(type=8, id=i))
    r = nat64_run(ev + [err4(3, 1, inner_err, src=R4)])
    assert r.v6() == [] and r.s["dropped"] == 1
    # and from the IPv6 side
    inner6 = IPv6(src=A6, dst=m6(Z4)) / ICMPv6DestUnreach() / raw(
        IPv6(src=m6(Z4), dst=A6) / ICMPv6EchoRequest(id=0x10))
    r = nat64_run(ev + [err6(ICMPv6DestUnreach, inner6, src=A6)])
    assert len(r.out) == 1 and r.s["dropped"] == 1


def frag6_pkts(src=A6, dst=Z4, sport=5000, dport=53, size=600, ident=7):
    """A UDP datagram cut into IPv6 fragments of 256 bytes of payload."""
    whole = IPv6(src=src, dst=m6(dst)) / IPv6ExtHdrFragment(id=ident) / \
        UDP(sport=sport, dport=dport) / (b"0123456789abcdef" * (size // 16))
    return fragment6_list(whole)


def fragment6_list(whole, fragsize=256):
    from scapy.all import fragment6
    return fragment6(whole, fragsize + 48)


def v4_payload_join(frags):
    frags = sorted(frags, key=lambda p: p.frag)
    return b"".join(raw(p.payload)[:p.len - p.ihl * 4] for p in frags)


@pytest.mark.parametrize("order", ["in_order", "out_of_order"])
def test_rfc6146_3_4_fragments_v6_to_v4(order):
    # covers: RFC 6146 §3.4 (fragments handled, out of order too; translated
    # as they come with per-datagram state)
    fr = frag6_pkts()
    assert len(fr) >= 3
    if order == "out_of_order":
        fr = fr[1:] + fr[:1]
    r = nat64_run(fr)
    out = r.v4()
    assert len(out) == len(fr), r.stderr
    T, t = None, None
    for p in out:
        assert p.src == T4 and p.dst == Z4 and p.proto == 17
        assert csum_ok(p)
    first = [p for p in out if p.frag == 0][0]
    whole = v4_payload_join(out)
    u = UDP(whole)
    assert u.sport == first[UDP].sport and u.dport == 53
    assert u.len == len(whole)
    assert len({p.id for p in out}) == 1
    if order == "out_of_order":
        assert r.n("nat64.frag_held") == len(fr) - 1
        assert r.n("nat64.frag_released") == len(fr) - 1


@pytest.mark.parametrize("order", ["in_order", "out_of_order"])
def test_rfc6146_3_4_fragments_v4_to_v6(order):
    # covers: RFC 6146 §3.4 (fragments handled, out of order too)
    ev = [u6(sport=5000)]
    r, (T, t) = mapped(ev)
    whole = IP(src=Z4, dst=T, id=99) / UDP(sport=53, dport=t) / (b"x" * 900)
    from scapy.all import fragment
    fr = fragment(whole, 304)
    assert len(fr) >= 3
    if order == "out_of_order":
        fr = fr[1:] + fr[:1]
    r = nat64_run(ev + fr)
    six = r.v6()
    assert len(six) == len(fr), r.stderr
    for p in six:
        assert same6(p.dst, A6) and same6(p.src, m6(Z4))
        assert IPv6ExtHdrFragment in p
    firsts = [p for p in six if p[IPv6ExtHdrFragment].offset == 0]
    assert firsts[0][UDP].dport == 5000


def test_rfc6146_3_4_fragment_hold_bounded():
    # covers: RFC 6146 §3.4 (fragment memory bounded), §5.3
    c = conf("fragment-hold-max = 2")
    later = []
    for i in range(4):
        fr = frag6_pkts(ident=100 + i)
        later.append(fr[1])
    r = nat64_run(later, c)
    assert r.out == []
    assert r.n("nat64.frag_held") == 2
    assert r.n("nat64_frag_full") == 2


def test_rfc6146_3_4_fragment_timeout():
    # covers: RFC 6146 §3.4 (reassembly window FRAGMENT_MIN 2 s by default,
    # configurable)
    fr = frag6_pkts()
    # the first fragment 1.9 s after a later one: released
    r = nat64_run([(1000, fr[1]), (1001.9, fr[0])])
    assert len(r.v4()) == 2 and r.n("nat64.frag_expired") == 0
    # 2.1 s later: the held one was dropped at the timeout
    r = nat64_run([(1000, fr[1]), (1002.1, fr[0])])
    assert len(r.v4()) == 1 and r.n("nat64.frag_expired") == 1
    # configurable: fragment-timeout = 5
    r = nat64_run([(1000, fr[1]), (1004.5, fr[0])],
                  conf("fragment-timeout = 5"))
    assert len(r.v4()) == 2 and r.n("nat64.frag_expired") == 0
    bad, _ = config_check(conf("fragment-timeout = 1"))
    assert bad.returncode != 0


def test_rfc6146_3_4_zero_checksum_udp_computed():
    # covers: RFC 6146 §3.4 (IPv4 UDP with checksum 0, unfragmented: the
    # checksum is computed; overrides RFC 7915 §4.5)
    ev = [u6()]
    r, (T, t) = mapped(ev)
    p = IP(src=Z4, dst=T) / UDP(sport=53, dport=t, chksum=0) / b"zero-sum"
    r = nat64_run(ev + [p])
    six = r.v6()
    assert len(six) == 1, r.stderr
    assert six[0][UDP].chksum != 0 and csum_ok(six[0])


def test_rfc6146_3_4_zero_checksum_fragmented_dropped():
    # covers: RFC 6146 §3.4 (fragmented zero-checksum UDP: reassembly is not
    # done, so dropped silently: listed deviation/resource case)
    ev = [u6()]
    r, (T, t) = mapped(ev)
    whole = IP(src=Z4, dst=T, id=5) / UDP(sport=53, dport=t, chksum=0) / (
        b"y" * 600)
    from scapy.all import fragment
    fr = fragment(whole, 304)
    r = nat64_run(ev + [fr[0]])
    assert r.v6() == [] and r.s["dropped"] == 1
    assert not any(IPv6 in p and ICMPv6DestUnreach in p for p in r.out)


def test_rfc6146_3_4_ipv6_unknown_protocol_icmp_1_4():
    # covers: RFC 6146 §3.4 (IPv6 last Next Header not TCP/UDP/ICMPv6: drop,
    # ICMPv6 1/4)
    p = IPv6(src=A6, dst=m6(Z4), nh=132) / Raw(b"\0" * 16)   # SCTP
    r = nat64_run([p])
    assert r.n("nat64_proto") == 1
    assert len(r.out) == 1
    e = r.out[0]
    assert e.version == 6 and same6(e.dst, A6)
    assert (e[ICMPv6DestUnreach].type, e[ICMPv6DestUnreach].code) == (1, 4)
    assert r.n("nat64.bib_entries") == 0


def test_rfc6146_3_4_ipv4_unknown_protocol_icmp_3_2():
    # covers: RFC 6146 §3.4 (IPv4 protocol not TCP/UDP/ICMP: drop, ICMPv4
    # 3/2)
    p = IP(src=Z4, dst=T4, proto=132) / Raw(b"\0" * 16)
    r = nat64_run([p])
    assert r.n("nat64_proto") == 1
    assert len(r.out) == 1
    e = r.out[0]
    assert e.version == 4 and e.dst == Z4 and e.src == T4
    assert (e[ICMP].type, e[ICMP].code) == (3, 2)


# ==========================================================================
# Filtering and UDP (§3.5, §3.5.1)


def test_rfc6146_3_5_icmp_errors_never_create_state():
    # covers: RFC 6146 §3.5 (ICMP errors never create BIB or session state)
    inner = IPv6(src=m6(Z4), dst=A6) / UDP(sport=53, dport=5000)
    r = nat64_run([err6(ICMPv6DestUnreach, inner, code=4)])
    assert r.out == [] and r.n("nat64_icmp_no_match") == 1
    assert r.n("nat64.bib_entries") == 0 and r.n("nat64.sessions") == 0


def test_rfc6146_3_5_icmp_errors_never_refresh_state():
    # covers: RFC 6146 §3.5 (ICMP errors never refresh state), RFC 5508
    # REQ-6-like for UDP, RFC 7857 §7.1 (outbound ICMP errors do not refresh)
    ev = [(1000, u6())]
    r, (T, t) = mapped(ev)
    in6 = IPv6(src=m6(Z4), dst=A6) / UDP(sport=53, dport=5000)
    out4 = IP(src=T, dst=Z4) / UDP(sport=t, dport=53)
    ev2 = ev + [(1200, err6(ICMPv6DestUnreach, in6, code=4)),
                (1250, err4(3, 1, out4, src=R4)),
                (1301, u4(t))]
    r = nat64_run(ev2)
    assert len(r.v4()) == 2 and len(r.v6()) == 1, r.stderr   # errors pass
    assert r.n("nat64_no_bib") == 1                           # reply late


def test_rfc6146_3_5_icmp_errors_never_delete_state():
    # covers: RFC 6146 §3.5 (ICMP errors never delete state)
    ev = [(1000, u6())]
    r, (T, t) = mapped(ev)
    out4 = IP(src=T, dst=Z4) / UDP(sport=t, dport=53)
    r = nat64_run(ev + [(1010, err4(3, 3, out4, src=Z4)),
                        (1020, err4(3, 1, out4, src=R4)),
                        (1030, u4(t))])
    assert len(r.v6()) == 3 and r.s["dropped"] == 0


def test_rfc6146_5_4_source_inside_pref64_dropped():
    # covers: RFC 6146 §3.5 (IPv6 source inside Pref64::/n dropped
    # silently), §5.4 (a packet from Pref64::(pool address) is dropped)
    for src in (m6(Z24), m6(T4)):
        r = nat64_run([u6(src=src)])
        assert r.out == [] and r.n("nat64_src_pool6") == 1
        assert r.n("nat64.bib_entries") == 0


def test_rfc6146_3_5_only_pool6_and_pool4_destinations():
    # covers: RFC 6146 §3.5 (only IPv6 to Pref64::/n and IPv4 to pool4
    # processed)
    p6 = IPv6(src=A6, dst="2001:db8:99::1") / UDP(sport=5000, dport=53)
    p4 = IP(src=Z4, dst="192.0.2.2") / UDP(sport=53, dport=61002)
    r = nat64_run([p6, p4])
    assert r.out == [] and r.n("nat64_not_pool") == 2


def test_rfc6146_3_5_1_find_or_create_and_reset_lifetime():
    # covers: RFC 6146 §3.5.1 (v6->v4: BIB entry and session found or
    # created; session destination (Z(Y'), y); lifetime set or reset)
    ev = [(1000, u6()), (1200, u6())]
    r, (T, t) = mapped(ev, conf(*LOG))
    assert r.n("nat64.sessions_created") == 1 and r.n("nat64.bib_created") == 1
    assert len({mapping_of(p) for p in r.v4()}) == 1
    r = nat64_run(ev + [(1499, u4(t))])          # 299 s after the refresh
    assert len(r.v6()) == 1


@pytest.mark.parametrize("dt,passes", [(299, True), (301, False)])
def test_rfc6146_3_5_1_udp_default_lifetime(dt, passes):
    # covers: RFC 6146 §3.5.1 (UDP session lifetime UDP_DEFAULT = 5 min),
    # §4 (UDP_DEFAULT), RFC 4787 REQ-5
    ev = [(1000, u6())]
    r, (T, t) = mapped(ev)
    r = nat64_run(ev + [(1000 + dt, u4(t))])
    assert (len(r.v6()) == 1) is passes
    if not passes:
        assert r.n("nat64_no_bib") == 1


def test_rfc6146_3_5_1_udp_lifetime_configurable_and_floor():
    # covers: RFC 6146 §3.5.1 (UDP lifetime configurable, never below
    # UDP_MIN = 2 min), §4 (UDP_MIN)
    ev = [(1000, u6())]
    c = conf("udp-timeout = 120")
    r, (T, t) = mapped(ev, c)
    assert len(nat64_run(ev + [(1119, u4(t))], c).v6()) == 1
    assert len(nat64_run(ev + [(1121, u4(t))], c).v6()) == 0
    bad, _ = config_check(conf("udp-timeout = 119"))
    assert bad.returncode != 0
    assert "120" in bad.stderr + bad.stdout


def test_rfc6146_3_5_1_unsolicited_ipv4_dropped():
    # covers: RFC 6146 §3.5.1 (v4->v6 with no BIB entry for (T,t): drop)
    r = nat64_run([u4(61002), e4(61003, typ=8)])
    assert r.v6() == [] and r.n("nat64_no_bib") == 2
    assert r.n("nat64.bib_entries") == 0


def test_rfc6146_3_5_1_address_dependent_filtering():
    # covers: RFC 6146 §3.5.1 (ADF: pass only if a session with (T,t) and
    # destination address W exists, any port)
    c = conf("filtering = address-dependent")
    ev = [u6(dport=53)]
    r, (T, t) = mapped(ev, c)
    r = nat64_run(ev + [u4(t, sport=53), u4(t, sport=9999),
                        u4(t, src=Z24, sport=53)], c)
    assert len(r.v6()) == 2
    assert r.n("nat64_filtered") == 1


def test_rfc6146_3_5_1_endpoint_independent_filtering():
    # covers: RFC 6146 §3.5.1 (EIF: any W reaches (T,t); a session with
    # destination (W,w) is created; EIF default = PROJECT)
    ev = [u6(dport=53)]
    r, (T, t) = mapped(ev)
    r = nat64_run(ev + [u4(t, src=Z24, sport=777)], conf(*LOG))
    six = r.v6()
    assert len(six) == 1 and same6(six[0].src, m6(Z24))
    assert six[0][UDP].sport == 777 and six[0][UDP].dport == 5000
    adds = r.log("session add", "udp", z4=Z24)
    assert len(adds) == 1 and adds[0].z == 777


POOL8 = ["192.0.2.0/29 61001-61100"]


def test_rfc6146_3_5_1_1_udp_reuses_address_of_source():
    # covers: RFC 6146 §3.5.1.1 (a new UDP BIB entry reuses the IPv4 address
    # held by the same IPv6 source)
    c = conf_pool(POOL8)
    ev = [u6(sport=5000 + 2 * i, dport=53) for i in range(8)]
    ev += [t6(SYN, sport=40000 + i) for i in range(4)] + [e6(i) for i in
                                                         range(4)]
    r = nat64_run(ev, c)
    assert len(r.v4()) == 16
    assert len({p.src for p in r.v4()}) == 1


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_rfc6146_3_5_1_1_port_range_kept(proto):
    # covers: RFC 6146 §3.5.1.1 (0-1023 stays in 0-1023, 1024-65535 in
    # 1024-65535), §3.5.2.3 (same for TCP)
    c = conf_pool(["192.0.2.1"])
    ports = [53, 123, 1022, 1024, 5000, 40001, 65534]
    if proto == "udp":
        ev = [u6(sport=p) for p in ports]
    else:
        ev = [t6(SYN, sport=p) for p in ports]
    r = nat64_run(ev, c)
    out = r.v4()
    assert len(out) == len(ports)
    for x, p in zip(ports, out):
        t = p.payload.sport
        assert (t < 1024) == (x < 1024), (x, t)
        assert t != 0


def test_rfc6146_3_5_1_1_udp_parity_kept():
    # covers: RFC 6146 §3.5.1.1 (UDP port parity kept), RFC 4787 REQ-4
    ports = [5000, 5001, 5002, 5003, 6000, 6001, 777, 778]
    r = nat64_run([u6(sport=p) for p in ports], conf_pool(["192.0.2.1"]))
    for x, p in zip(ports, r.v4()):
        assert p[UDP].sport % 2 == x % 2, (x, p[UDP].sport)


@pytest.mark.parametrize("proto", ["udp", "tcp", "icmp"])
def test_rfc6146_3_5_1_1_unique_and_exhaustion_icmp6_1_3(proto):
    # covers: RFC 6146 §3.5.1.1 ((T,t) unique in the UDP BIB; allocation
    # failure means drop and ICMPv6 1/3), §3.5.2.3 (TCP), §3.5.3 (ICMP)
    c = conf_pool(["192.0.2.1 %s 61001-61004" % proto], "udp-parity = no")
    srcs = ["2001:db8:%x::1" % (0x10 + i) for i in range(5)]
    mk = {"udp": lambda s: u6(src=s, sport=5000),
          "tcp": lambda s: t6(SYN, src=s),
          "icmp": lambda s: e6(0x99, src=s)}[proto]
    r = nat64_run([mk(s) for s in srcs], c)
    ok = r.v4()
    assert len(ok) == 4
    assert len({mapping_of(p) for p in ok}) == 4
    assert r.n("nat64_pool_exhausted") == 1
    errs = r.v6()
    assert len(errs) == 1 and same6(errs[0].dst, srcs[4])
    u = errs[0][ICMPv6DestUnreach]
    assert (u.type, u.code) == (1, 3)
    assert same6(errs[0][IPerror6].src, srcs[4])


# ==========================================================================
# TCP (§3.5.2)


@pytest.mark.parametrize("dt,passes", [(239, True), (241, False)])
def test_rfc6146_3_5_2_2_closed_v6_syn_v6_init(dt, passes):
    # covers: RFC 6146 §3.5.2.2 CLOSED + V6 SYN (BIB entry and session
    # created, V6 INIT, lifetime >= TCP_TRANS, translated); V6 INIT expiry
    # deletes; §3.5.2.1 (states)
    ev = [(1000, t6(SYN))]
    r, (T, t) = mapped(ev)
    assert r.v4()[0][TCP].flags == "S" and r.v4()[0].dst == Z4
    r = nat64_run(ev + [(1000 + dt, t4(SYNACK, t, ack=1001))])
    assert (len(r.v6()) == 1) is passes, r.stderr


def test_rfc6146_3_5_2_2_v6_init_other_segments_keep_state():
    # covers: RFC 6146 §3.5.2.2 V4 INIT, V6 INIT (other segments translated,
    # state and lifetime unchanged)
    ev = [(1000, t6(SYN))]
    r, (T, t) = mapped(ev)
    r = nat64_run(ev + [(1100, t4(ACK, t, ack=1001)),
                        (1150, t6(ACK, seq=1001, ack=1)),
                        (1241, t4(ACK, t, ack=1001))], conf(*LOG))
    assert len(r.v6()) == 1 and len(r.v4()) == 2
    assert sess_del(r) == [1241]
    assert r.n("nat64_no_bib") == 1


def test_rfc6146_3_5_2_2_v4_init_other_segments_keep_state():
    # covers: RFC 6146 §3.5.2.2 V4 INIT (other segments translated, state
    # unchanged): static BIB, EIF, inbound SYN -> V4 INIT (TCP_TRANS)
    c = conf("bib = tcp 2001:db8::80 80 192.0.2.1 8080", *LOG)
    r = nat64_run([(1000, t4(SYN, 8080)),
                   (1100, t6(ACK, src="2001:db8::80", sport=80, dport=80,
                             seq=1, ack=5001)),
                   tick(1239.5), tick(1240.5)], c)
    assert len(r.v6()) == 1 and len(r.v4()) == 1
    assert sess_del(r) == [1240.5]


def test_rfc6146_3_5_2_2_closed_v4_syn_policy_refused():
    # covers: RFC 6146 §3.5.2.2 CLOSED + V4 SYN when policy refuses inbound
    # connections (silent drop); RFC 5382 REQ-4 (silence when policy says)
    c = conf("drop-externally-initiated-tcp = yes",
             "bib = tcp 2001:db8::80 80 192.0.2.1 8080")
    r = nat64_run([(1000, t4(SYN, 8080)), (1000.5, t4(SYN, 61010))], c,
                  wait=30)
    assert r.out == [] and r.s["dropped"] == 2
    assert r.n("nat64.stored_syns") == 0 and r.n("nat64.syn_icmp") == 0
    assert r.n("nat64.sessions") == 0


def test_rfc6146_3_5_2_2_closed_v4_syn_policy_refused_reason():
    # covers: RFC 6146 §3.5.2.2 CLOSED + V4 SYN refused by policy: counted
    # under its own reason (STYLE.md rule 7), BIB entry or not
    c = conf("drop-externally-initiated-tcp = yes",
             "bib = tcp 2001:db8::80 80 192.0.2.1 8080")
    r = nat64_run([(1000, t4(SYN, 8080)), (1000.5, t4(SYN, 61010))], c)
    assert r.n("nat64_tcp_inbound") == 2, r.stderr


def test_rfc6146_3_5_2_2_closed_v4_syn_no_bib_stored():
    # covers: RFC 6146 §3.5.2.2 CLOSED + V4 SYN, (X,x) not in the BIB
    # (V4 INIT, TCP_INCOMING_SYN = 6 s, SYN stored, no BIB entry, nothing
    # forwarded)
    r = nat64_run([(1000, t4(SYN, 61010)), tick(1005.9)])
    assert r.out == []
    assert r.n("nat64.stored_syns") == 1 and r.n("nat64.bib_entries") == 0
    assert r.n("nat64.syn_stored") == 1


def test_rfc6146_3_5_2_2_v4_init_expiry_icmp_3_3():
    # covers: RFC 6146 §3.5.2.2 V4 INIT expiry (ICMPv4 3/3 quoting the
    # stored SYN to its sender, session deleted), RFC 5382 REQ-4 (no reply
    # for at least 6 s, then 3/3)
    syn = t4(SYN, 61010, seq=777)
    r = nat64_run([(1000, syn), tick(1005.9), tick(1006.1)])
    assert len(r.out) == 1, r.stderr
    e = r.out[0]
    assert e.version == 4 and e.time >= 1006 and e.time < 1006.2
    assert (e.src, e.dst) == (T4, Z4)
    assert (e[ICMP].type, e[ICMP].code) == (3, 3)
    q = e[IPerror]
    assert (q.src, q.dst) == (Z4, T4)
    assert q[TCPerror].dport == 61010 and q[TCPerror].seq == 777
    assert csum_ok(e)
    assert r.n("nat64.syn_icmp") == 1 and r.n("nat64.stored_syns") == 0


def test_rfc6146_3_5_2_2_closed_v4_syn_with_bib_eif_translated():
    # covers: RFC 6146 §3.5.2.2 CLOSED + V4 SYN with (X,x) in the BIB and no
    # address-dependent filtering (lifetime >= TCP_TRANS, SYN translated)
    ev = [(1000, t6(SYN))]
    r, (T, t) = mapped(ev)
    r = nat64_run(ev + [(1001, t4(SYN, t, src=Z24)), tick(1240.5),
                        tick(1241.5)], conf(*LOG))
    six = r.v6()
    assert len(six) == 1 and same6(six[0].src, m6(Z24))
    assert six[0][TCP].flags == "S" and six[0][TCP].dport == 40000
    assert sess_del(r, z4=Z24) == [1241.5]


def test_rfc6146_3_5_2_2_closed_v4_syn_with_bib_adf_stored():
    # covers: RFC 6146 §3.5.2.2 CLOSED + V4 SYN with (X,x) in the BIB under
    # address-dependent filtering (lifetime 6 s, SYN stored)
    c = conf("filtering = address-dependent")
    ev = [(1000, t6(SYN))]
    r, (T, t) = mapped(ev, c)
    r = nat64_run(ev + [(1001, t4(SYN, t, src=Z24)), tick(1006.9),
                        tick(1007.1)], c)
    assert r.v6() == []
    errs = [p for p in r.v4() if ICMP in p]
    assert len(errs) == 1 and errs[0].time >= 1007
    assert errs[0].dst == Z24 and (errs[0][ICMP].type,
                                   errs[0][ICMP].code) == (3, 3)


def test_rfc6146_3_5_2_2_closed_other_segment():
    # covers: RFC 6146 §3.5.2.2 CLOSED + other segment (with a BIB entry
    # translated, state unchanged; without one, silent drop)
    ev = [(1000, t6(SYN))]
    r, (T, t) = mapped(ev)
    r = nat64_run(ev + [(1001, t4(ACK, t, src=Z24, sport=443))], conf(*LOG))
    assert len(r.v6()) == 1
    assert r.log("session add", "tcp", z4=Z24) == []
    r = nat64_run([t4(ACK, 61010), t6(ACK, src=B6)])
    assert r.out == [] and r.s["dropped"] == 2


def test_rfc6146_3_5_2_2_simultaneous_open_drops_held_syn():
    # covers: RFC 6146 §3.5.2.2 V4 INIT + V6 SYN (ESTABLISHED, stored SYN
    # dropped silently), RFC 5382 REQ-4 (outbound SYN within 6 s: the
    # inbound SYN is dropped silently), RFC 5382 REQ-2 (simultaneous open)
    T, t = tcp_mapping()
    r = nat64_run([(1000, t4(SYN, t, seq=5000)), (1002, t6(SYN)),
                   (1003, t4(SYNACK, t, seq=5000, ack=1001)),
                   (1003.1, t6(SYNACK, seq=1000, ack=5001)),
                   tick(1010), (1000 + 3600, t4(ACK, t, seq=5001,
                                                ack=1001))],
                  conf(*LOG), wait=10)
    assert not any(ICMP in p for p in r.v4())
    assert r.n("nat64.syn_dropped") == 1 and r.n("nat64.syn_icmp") == 0
    assert r.n("nat64.stored_syns") == 0
    assert [p[TCP].flags for p in r.v6()] == ["SA", "A"]
    assert [p[TCP].flags for p in r.v4()] == ["S", "SA"]


def test_rfc6146_3_5_2_2_simultaneous_open_with_bib_adf():
    # covers: RFC 6146 §3.5.2.2 V4 INIT + V6 SYN when the V4 SYN was stored
    # under ADF with a BIB entry
    c = conf("filtering = address-dependent")
    ev = [(1000, t6(SYN, dport=80))]
    r, (T, t) = mapped(ev, c)
    r = nat64_run(ev + [(1001, t4(SYN, t, src=Z24, sport=90)),
                        (1002, t6(SYN, dst=Z24, dport=90))], c, wait=30)
    assert not any(ICMP in p for p in r.v4())
    assert r.n("nat64.syn_dropped") == 1


@pytest.mark.parametrize("flags", ["SA", "S"])
def test_rfc6146_3_5_2_2_v6_init_v4_syn_established(flags):
    # covers: RFC 6146 §3.5.2.2 V6 INIT + V4 SYN, ACK set or not
    # (ESTABLISHED, maximum lifetime, translated)
    ev = [(1000, t6(SYN))]
    r, (T, t) = mapped(ev)
    r = nat64_run(ev + [(1001, t4(flags, t, ack=1001)),
                        (1001 + 7199, t4(ACK, t, ack=1001))])
    assert len(r.v6()) == 2, r.stderr


def test_rfc6146_3_5_2_2_v6_init_v6_syn_retransmit():
    # covers: RFC 6146 §3.5.2.2 V6 INIT + V6 SYN (translated, lifetime reset
    # to TCP_TRANS; expiry deletes)
    r = nat64_run([(1000, t6(SYN)), (1200, t6(SYN)), tick(1439.5),
                   tick(1440.5)], conf(*LOG))
    assert len(r.v4()) == 2
    assert sess_del(r) == [1440.5]
    assert r.n("nat64.bib_entries") == 0


def test_rfc6146_3_5_2_2_established_refresh_and_lifetime():
    # covers: RFC 6146 §3.5.2.2 ESTABLISHED (any other segment refreshes the
    # maximum lifetime, translated), §3.5.2.2 max lifetime default TCP_EST
    ev, (T, t) = established()
    r = nat64_run(ev + [(4000, t6(PA, seq=1001, ack=5001, data=b"x")),
                        tick(4000 + 7199), (4000 + 7199.5,
                                            t4(ACK, t, ack=1002))],
                  conf(*LOG))
    assert r.n("nat64.tcp_probes") == 0
    assert len(r.v6()) == 2 and sess_del(r) == []


def test_rfc6146_3_5_2_2_established_expiry_probe_then_trans():
    # covers: RFC 6146 §3.5.2.2 ESTABLISHED expiry (ACK-only probe with
    # sequence and acknowledgment 0 to an endpoint, then TRANS; TRANS expiry
    # deletes); §4 TCP_EST; RFC 5382 REQ-5 (2 h 4 min in all)
    ev, (T, t) = established()
    last = ev[-1][0]
    r = nat64_run(ev + [tick(last + 7199.5), tick(last + 7200.5),
                        tick(last + 7439.5), tick(last + 7440.5)],
                  conf(*LOG))
    probes = r.v6()[1:]
    assert len(probes) == 1, r.stderr
    p = probes[0]
    assert p.time == last + 7200.5
    assert same6(p.src, m6(Z4)) and same6(p.dst, A6)
    assert (p[TCP].sport, p[TCP].dport) == (80, 40000)
    assert p[TCP].flags == "A" and p[TCP].seq == 0 and p[TCP].ack == 0
    assert len(p[TCP].payload) == 0
    assert csum_ok(p)
    assert r.n("nat64.tcp_probes") == 1
    assert sess_del(r) == [last + 7440.5]


def test_rfc6146_3_5_2_2_trans_segment_back_to_established():
    # covers: RFC 6146 §3.5.2.2 TRANS + non-RST segment (ESTABLISHED with the
    # maximum lifetime)
    ev, (T, t) = established()
    last = ev[-1][0]
    r = nat64_run(ev + [tick(last + 7200.5),
                        (last + 7300, t6(ACK, seq=1001, ack=5001)),
                        tick(last + 7300 + 241), tick(last + 7300 + 7199)],
                  conf(*LOG))
    assert r.n("nat64.tcp_probes") == 1
    assert sess_del(r) == []


def test_rfc6146_3_5_2_2_established_rst_to_trans():
    # covers: RFC 6146 §3.5.2.2 ESTABLISHED + RST from either side (TRANS
    # with TCP_TRANS, translated), RFC 7857 §2.2 (RST translated, session
    # kept 4 min)
    for rst in ("v6", "v4"):
        ev, (T, t) = established()
        seg = (t6(RST, seq=1001) if rst == "v6" else
               t4(RST, t, seq=5001))
        r = nat64_run(ev + [(2000, seg), tick(2239.5), tick(2240.5)],
                      conf(*LOG))
        outs = r.v4() if rst == "v6" else r.v6()
        assert outs[-1][TCP].flags == "R"
        assert sess_del(r) == [2240.5], rst


def test_rfc6146_3_5_2_2_fin_states():
    # covers: RFC 6146 §3.5.2.2 ESTABLISHED + V4 FIN -> V4 FIN RCV, + V6 FIN
    # -> V6 FIN RCV (maximum lifetime kept, other segments refresh it);
    # V4 FIN RCV + V6 FIN / V6 FIN RCV + V4 FIN -> V6 FIN + V4 FIN RCV
    # (TCP_TRANS); expiry deletes
    for first in ("v4", "v6"):
        ev, (T, t) = established()
        fin4 = t4(FINACK, t, seq=5001, ack=1001)
        fin6 = t6(FINACK, seq=1001, ack=5001)
        a, b = (fin4, fin6) if first == "v4" else (fin6, fin4)
        r = nat64_run(ev + [(2000, a), tick(2000 + 600),
                            (3000, b), tick(3239.5), tick(3240.5)],
                      conf(*LOG))
        assert len(r.v4()) + len(r.v6()) == 5, first
        assert sess_del(r) == [3240.5], first


def test_rfc6146_3_5_2_2_fin_rcv_lasts_max_lifetime():
    # covers: RFC 6146 §3.5.2.2 V4 FIN RCV / V6 FIN RCV (other segments
    # refresh the maximum lifetime: the half-closed session is not cut at
    # TCP_TRANS)
    ev, (T, t) = established()
    r = nat64_run(ev + [(2000, t4(FINACK, t, seq=5001, ack=1001)),
                        (2100, t6(ACK, seq=1001, ack=5002, data=b"d")),
                        tick(2100 + 7199)], conf(*LOG))
    assert sess_del(r) == [] and r.n("nat64.tcp_probes") == 0


def test_rfc6146_3_5_2_2_both_fin_not_refreshed():
    # covers: RFC 6146 §3.5.2.2 V6 FIN + V4 FIN RCV (everything translated;
    # expiry deletes; the lifetime is not refreshed)
    ev, (T, t) = established()
    r = nat64_run(ev + [(2000, t4(FINACK, t, seq=5001, ack=1001)),
                        (2001, t6(FINACK, seq=1001, ack=5002)),
                        (2100, t4(ACK, t, seq=5002, ack=1002)),
                        (2200, t6(ACK, seq=1002, ack=5002)),
                        tick(2240.5), tick(2241.5)], conf(*LOG))
    assert len(r.v6()) == 3 and len(r.v4()) == 4
    assert sess_del(r) == [2241.5]


def test_rfc6146_3_5_2_2_max_lifetime_configurable_floor():
    # covers: RFC 6146 §3.5.2.2 (maximum session lifetime configurable, never
    # below TCP_EST = 2 h, default TCP_EST), §4
    bad, _ = config_check(conf("tcp-est-timeout = 7199"))
    assert bad.returncode != 0
    c = conf("tcp-est-timeout = 10000", *LOG)
    ev, (T, t) = established(c=c)
    last = ev[-1][0]
    r = nat64_run(ev + [tick(last + 9999.5), tick(last + 10000.5)], c)
    assert [p.time for p in r.v6()[1:]] == [last + 10000.5]


def test_rfc6146_3_5_2_3_tcp_reuses_address_and_range():
    # covers: RFC 6146 §3.5.2.3 (a new TCP BIB entry reuses the IPv4 address
    # of any BIB entry of the same IPv6 source; port range kept; no parity
    # rule)
    c = conf_pool(["192.0.2.0/29"])
    ev = [u6(sport=5000)] + [t6(SYN, sport=40000 + i) for i in range(6)] + \
         [t6(SYN, sport=100)]
    r = nat64_run(ev, c)
    assert len({p.src for p in r.v4()}) == 1
    assert r.v4()[-1][TCP].sport < 1024


# ==========================================================================
# ICMP queries (§3.5.3)


def test_rfc6146_3_5_3_icmpv6_informational_filtered():
    # covers: RFC 6146 §3.5.3 (ICMPv6 informational packets other than echo
    # are dropped silently)
    from scapy.all import ICMPv6ND_RS, ICMPv6MLQuery
    for p in (IPv6(src=A6, dst=m6(Z4), hlim=64) / ICMPv6ND_RS(),
              IPv6(src=A6, dst=m6(Z4), hlim=64) / ICMPv6MLQuery()):
        r = nat64_run([p])
        assert r.out == [] and r.s["dropped"] == 1
        assert r.n("nat64.bib_entries") == 0


def test_rfc6146_3_5_3_icmp_bib_takes_address_of_source():
    # covers: RFC 6146 §3.5.3 (a new ICMP BIB entry takes the IPv4 address
    # already used by X', any free identifier)
    r = nat64_run([u6(), e6(1), e6(2), e6(3)], conf_pool(POOL8))
    assert len({p.src for p in r.v4()}) == 1


@pytest.mark.parametrize("dt,passes", [(59, True), (61, False)])
def test_rfc6146_3_5_3_icmp_default_lifetime(dt, passes):
    # covers: RFC 6146 §3.5.3 (sessions keyed by (X',Y',i1); ICMP_DEFAULT
    # 60 s), §4, RFC 5508 REQ-2
    ev = [(1000, e6(0x55))]
    r, (T, i) = mapped(ev)
    r = nat64_run(ev + [(1000 + dt, e4(i))])
    assert (len(r.v6()) == 1) is passes
    if passes:
        assert r.v6()[0][ICMPv6EchoReply].id == 0x55


def test_rfc6146_3_5_3_icmp_lifetime_configurable():
    # covers: RFC 6146 §3.5.3 (ICMP lifetime configurable), RFC 5508 REQ-2
    c = conf("icmp-timeout = 120")
    ev = [(1000, e6(0x55))]
    r, (T, i) = mapped(ev, c)
    assert len(nat64_run(ev + [(1119, e4(i))], c).v6()) == 1
    assert len(nat64_run(ev + [(1121, e4(i))], c).v6()) == 0
    bad, _ = config_check(conf("icmp-timeout = 59"))
    assert bad.returncode != 0


def test_rfc6146_3_5_3_ipv4_query_without_bib_dropped():
    # covers: RFC 6146 §3.5.3 (an IPv4 query with no BIB entry is dropped)
    r = nat64_run([e4(61002, typ=8), e4(61002, typ=0)])
    assert r.v6() == [] and r.n("nat64_no_bib") == 2


def test_rfc6146_3_5_3_icmp_address_dependent_filtering():
    # covers: RFC 6146 §3.5.3 (ADF needs a session matching (X, i2, Y);
    # accepted packets create or refresh the session)
    c = conf("filtering = address-dependent")
    ev = [e6(0x66)]
    r, (T, i) = mapped(ev, c)
    r = nat64_run(ev + [e4(i, src=Z24, typ=8), e4(i)], c)
    assert len(r.v6()) == 1 and r.n("nat64_filtered") == 1
    r = nat64_run(ev + [e4(i, src=Z24, typ=8)], conf(*LOG))
    assert len(r.v6()) == 1
    assert len(r.log("session add", "icmp", z4=Z24)) == 1


# ==========================================================================
# Address algorithm, outgoing tuple, translation (§3.5.4-§3.7)


@pytest.mark.parametrize("pref,plen", [("2001:db8:64::", 96),
                                       ("2001:db8:64::", 64),
                                       ("2001:db8:6400::", 40)])
def test_rfc6146_3_5_4_configured_prefix_used(pref, plen):
    # covers: RFC 6146 §3.5.4 (reversible algorithm from Pref64::/n, n <= 96,
    # a configured Pref64 is used; RFC 6052 §2.3)
    from test_rfc6052 import __name__ as _  # noqa: F401 (same directory)
    c = conf_pool(["192.0.2.1 61001-61100"], pref64="%s/%d" % (pref, plen))
    import ipaddress as ia
    net = ia.IPv6Network("%s/%d" % (pref, plen))
    z6 = embed(net, Z4)
    p6 = IPv6(src=A6, dst=z6) / UDP(sport=5000, dport=53) / b"q"
    r = nat64_run([p6], c)
    assert r.v4()[0].dst == Z4
    T, t = mapping_of(r.v4()[0])
    r = nat64_run([p6, u4(t)], c)
    assert same6(r.v6()[0].src, z6)


def embed(net, v4):
    """RFC 6052 §2.2 composition (prefix lengths 32-96)."""
    import ipaddress as ia
    b = bytearray(net.network_address.packed)
    v = ia.IPv4Address(v4).packed
    n = net.prefixlen // 8
    pos = [i for i in range(n, 16) if i != 8][:4]
    for i, byte in zip(pos, v):
        b[i] = byte
    return str(ia.IPv6Address(bytes(b)))


def test_rfc6146_3_6_bib_only_for_source_and_inbound_destination():
    # covers: RFC 6146 §3.6 (the BIB translates only the IPv6 source and the
    # IPv4 destination; the other two are algorithmic), §3.6.1 (protocol
    # unchanged, ICMP 1 <-> 58)
    ev = [u6(), t6(SYN), e6(0x31)]
    r = nat64_run(ev)
    for p, proto in zip(r.v4(), (17, 6, 1)):
        assert p.src == T4 and p.dst == Z4 and p.proto == proto
    T, tu = mapping_of(r.v4()[0])
    _, tt = mapping_of(r.v4()[1])
    _, ti = mapping_of(r.v4()[2])
    r = nat64_run(ev + [u4(tu), t4(SYNACK, tt, ack=1001), e4(ti)])
    back = r.v6()
    for p, nh in zip(back, (17, 6, 58)):
        assert same6(p.src, m6(Z4)) and same6(p.dst, A6) and p.nh == nh


def test_rfc6146_3_6_2_icmp_query_identifiers():
    # covers: RFC 6146 §3.6.2 (v6->v4 (S', i1) -> (T, i2); v4->v6 (D, i2) ->
    # (X', i1))
    ev = [e6(0x4321)]
    r, (T, i2) = mapped(ev)
    p = r.v4()[0]
    assert p[ICMP].type == 8 and csum_ok(p)
    r = nat64_run(ev + [e4(i2)])
    q = r.v6()[0]
    assert q[ICMPv6EchoReply].id == 0x4321 and csum_ok(q)


@pytest.mark.parametrize("kind", ["udp", "tcp", "icmp"])
def test_rfc6146_3_7_checksums_after_translation(kind):
    # covers: RFC 6146 §3.7 (headers per RFC 7915, ports or identifier
    # rewritten, TCP/UDP/ICMP checksums updated), §3.6
    out6 = {"udp": u6(data=b"payload-123"),
            "tcp": t6(PA, seq=1, ack=2, data=b"tcpdata"),
            "icmp": e6(0x77)}[kind]
    r, (T, t) = mapped([t6(SYN) if kind == "tcp" else out6])
    assert csum_ok(r.v4()[0])
    back = {"udp": u4(t, data=b"reply-xyz"),
            "tcp": t4(PA, t, data=b"tcpreply"),
            "icmp": e4(t)}[kind]
    if kind == "tcp":
        r = nat64_run([t6(SYN), t4(SYNACK, t, ack=1001), t6(PA, seq=1, ack=2,
                                                            data=b"tcpdata"),
                       back])
    else:
        r = nat64_run([out6, back])
    for p in r.out:
        assert csum_ok(p), p.summary()
    assert len(r.v6()) >= 1


def test_rfc6146_3_7_icmpv4_error_inner_rewritten():
    # covers: RFC 6146 §3.7 (in ICMP errors the inner addresses and ports
    # become the outgoing tuple), §3.6.1/§3.7 ICMPv4 error from router R
    # -> Pref64::R (PROJECT), RFC 5508 REQ-4/REQ-5, RFC 5382 REQ-9
    ev = [u6(sport=5000, dport=53)]
    r, (T, t) = mapped(ev)
    sent = IP(src=T, dst=Z4, ttl=1) / UDP(sport=t, dport=53) / b"query"
    r = nat64_run(ev + [err4(11, 0, sent, src=R4)])
    e = r.v6()[0]
    assert same6(e.src, m6(R4)) and same6(e.dst, A6)
    assert e[ICMPv6TimeExceeded].type == 3
    q = e[IPerror6]
    assert same6(q.src, A6) and same6(q.dst, m6(Z4))
    assert (q[UDPerror].sport, q[UDPerror].dport) == (5000, 53)
    assert csum_ok(e)


def test_rfc6146_3_7_icmpv6_error_inner_rewritten():
    # covers: RFC 6146 §3.7 (ICMPv6 error from the IPv6 host: inner packet
    # rewritten with the outgoing tuple), RFC 5508 REQ-4/REQ-5
    ev = [u6(sport=5000, dport=53)]
    r, (T, t) = mapped(ev)
    got = IPv6(src=m6(Z4), dst=A6) / UDP(sport=53, dport=5000) / b"reply"
    r = nat64_run(ev + [u4(t), err6(ICMPv6DestUnreach, got, code=4)])
    e = r.v4()[-1]
    assert (e.src, e.dst) == (T, Z4)
    assert (e[ICMP].type, e[ICMP].code) == (3, 3)
    q = e[IPerror]
    assert (q.src, q.dst) == (Z4, T)
    assert (q[UDPerror].sport, q[UDPerror].dport) == (53, t)
    assert csum_ok(e)


def test_rfc6146_3_7_ipv6_router_error_source_t():
    # covers: RFC 6146 §3.6.1, §3.7 (ICMPv6 error from an IPv6 router about
    # a translated flow leaves with outer source T and destination Z;
    # router-error-source = dummy gives 192.0.0.8)
    ev = [u6(sport=5000, dport=53)]
    r, (T, t) = mapped(ev)
    got = IPv6(src=m6(Z4), dst=A6, hlim=1) / UDP(sport=53, dport=5000)
    err = err6(ICMPv6TimeExceeded, got, src=R6, dst=Z4)
    r = nat64_run(ev + [u4(t), err])
    e = r.v4()[-1]
    assert (e.src, e.dst) == (T, Z4) and e[ICMP].type == 11
    assert (e[IPerror].src, e[IPerror][UDPerror].dport) == (Z4, t)
    r = nat64_run(ev + [u4(t), err], conf("router-error-source = dummy"))
    assert r.v4()[-1].src == "192.0.0.8"


def test_rfc6146_3_7_sizes_follow_rfc7915():
    # covers: RFC 6146 §3.7 (sizes and fragmentation follow RFC 7915),
    # RFC 4787 REQ-13 (DF=0 oversize fragmented; DF=1 draws an error)
    ev = [u6(sport=5000)]
    r, (T, t) = mapped(ev)
    big = u4(t, data=b"z" * 1400)
    r = nat64_run(ev + [big])
    six = r.v6()
    assert len(six) >= 2 and all(len(raw(p)) <= 1280 for p in six)
    assert all(IPv6ExtHdrFragment in p for p in six)
    # DF=1: 1508 bytes of IPv4 become 1528 of IPv6, over ipv6-mtu 1500
    big_df = u4(t, data=b"z" * 1480, flags="DF")
    r = nat64_run(ev + [big_df])
    errs = [p for p in r.v4() if ICMP in p]
    assert len(errs) == 1 and (errs[0][ICMP].type, errs[0][ICMP].code) == (
        3, 4)
    assert errs[0].dst == Z4 and errs[0][ICMP].nexthopmtu == 1480


# ==========================================================================
# Hairpinning and loops (§3.8, §5.4)


def hairpin_events(proto="udp"):
    """B's binding first, then A sends to Pref64::T port t (B's)."""
    if proto == "udp":
        evb = [u6(src=B6, sport=6000, dport=53)]
    else:
        evb = [t6(SYN, src=B6, sport=6000, dport=80)]
    r, (Tb, tb) = mapped(evb)
    if proto == "udp":
        a = u6(src=A6, sport=5000, dst=Tb, dport=tb, data=b"hello B")
    else:
        a = t6(SYN, src=A6, sport=5000, dst=Tb, dport=tb)
    return evb, a, (Tb, tb)


@pytest.mark.parametrize("proto", ["udp", "tcp"])
def test_rfc6146_3_8_hairpin_vector(proto):
    # covers: RFC 6146 §3.8 (hairpinned: processed again as received on the
    # IPv4 side), §3.8 test vector (B receives from Pref64::(A's T) with A's
    # mapped port; B's reply reaches A the same way), RFC 4787 REQ-9,
    # RFC 5382 REQ-8
    evb, a, (Tb, tb) = hairpin_events(proto)
    r = nat64_run(evb + [a], conf(*LOG))
    got = r.v6()
    assert len(got) == 1, r.stderr
    g = got[0]
    assert same6(g.dst, B6) and g.payload.dport == 6000
    ta = [l for l in r.log("bib add") if l.x6 == "2001:db8:a::1"][0]
    assert same6(g.src, m6(ta.t4)) and g.payload.sport == ta.t
    assert r.n("nat64.hairpins") == 1
    assert csum_ok(g)
    # the reply
    if proto == "udp":
        reply = u6(src=B6, sport=6000, dst=ta.t4, dport=ta.t, data=b"hi A")
    else:
        reply = t6(SYNACK, src=B6, sport=6000, dst=ta.t4, dport=ta.t,
                   ack=1001)
    r = nat64_run(evb + [a, reply])
    back = r.v6()[-1]
    assert same6(back.dst, A6) and back.payload.dport == 5000
    assert same6(back.src, m6(Tb)) and back.payload.sport == tb
    assert r.n("nat64.hairpins") == 2


def test_rfc6146_5_4_from_pool_address_no_loop():
    # covers: RFC 6146 §5.4 (a packet from Pref64::(pool address) is
    # dropped, so no binding can loop): even with a binding for (T, t)
    ev = [u6(sport=5000)]
    r, (T, t) = mapped(ev)
    loop = IPv6(src=m6(T), dst=m6(T)) / UDP(sport=t, dport=t)
    r = nat64_run(ev + [loop])
    assert len(r.out) == 1 and r.n("nat64_src_pool6") == 1
    assert r.n("nat64.hairpins") == 0


# ==========================================================================
# Constants and security (§4, §5)


@pytest.mark.parametrize("key,floor", [("udp-timeout", 120),
                                       ("tcp-trans-timeout", 240),
                                       ("tcp-trans-open-timeout", 240),
                                       ("tcp-est-timeout", 7200),
                                       ("tcp-incoming-syn-timeout", 6),
                                       ("fragment-timeout", 2),
                                       ("icmp-timeout", 60)])
def test_rfc6146_4_constant_floors(key, floor):
    # covers: RFC 6146 §4 (UDP_MIN 2 min, TCP_TRANS 4 min, TCP_EST 2 h,
    # TCP_INCOMING_SYN 6 s, FRAGMENT_MIN 2 s, ICMP_DEFAULT 60 s), RFC 5382
    # REQ-5, RFC 5508 REQ-2, RFC 4787 REQ-5
    ok, _ = config_check(conf("%s = %d" % (key, floor)))
    assert ok.returncode == 0, ok.stderr
    bad, _ = config_check(conf("%s = %d" % (key, floor - 1)))
    assert bad.returncode != 0
    assert key in bad.stderr + bad.stdout


def test_rfc6146_5_2_endpoint_independent_mapping():
    # covers: RFC 6146 §5.2 (endpoint-independent mapping), RFC 4787 REQ-1,
    # RFC 5382 REQ-1, RFC 5508 REQ-1 (identifier independent of the host)
    r = nat64_run([u6(dst=Z4, dport=53), u6(dst=Z24, dport=5353),
                   u6(dst="203.0.113.7", dport=9),
                   t6(SYN, dst=Z4, dport=80), t6(SYN, dst=Z24, dport=443),
                   e6(0x11, dst=Z4), e6(0x11, dst=Z24)])
    out = r.v4()
    assert len({mapping_of(p) for p in out[0:3]}) == 1
    assert len({mapping_of(p) for p in out[3:5]}) == 1
    assert len({mapping_of(p) for p in out[5:7]}) == 1


def test_rfc6146_5_3_stored_syn_bounded():
    # covers: RFC 6146 §5.3 (bounded stored-SYN memory)
    c = conf("max-stored-syn = 2")
    r = nat64_run([t4(SYN, 61010 + i, sport=1000 + i) for i in range(4)], c)
    assert r.n("nat64.stored_syns") == 2
    assert r.n("nat64_syn_store_full") == 2 and r.out == []


def test_rfc6146_5_3_sessions_bounded():
    # covers: RFC 6146 §5.3 (bounded BIB and session growth), RFC 6888
    # REQ-5, REQ-11 (drop, ICMP error, existing mappings kept)
    c = conf("max-sessions = 3")
    ev = [(1000, u6(dport=1)), (1000.1, u6(dport=2)), (1000.2, u6(dport=3)),
          (1000.3, u6(dport=4)), (1000.4, u6(src=B6))]
    r, (T, t) = mapped(ev, c)
    assert len(r.v4()) == 3 and r.n("nat64_table_full") == 2
    errs = r.v6()
    assert len(errs) == 2
    assert all((e[ICMPv6DestUnreach].type, e[ICMPv6DestUnreach].code) ==
               (1, 3) for e in errs)
    r = nat64_run(ev + [(1001, u4(t, sport=1))], c)
    assert same6(r.v6()[-1].dst, A6)
