# SPDX-License-Identifier: BSD-2-Clause
"""NAT behaviour applied to the NAT64 (CONFORMANCE.md section 10): RFC 4787
(UDP), RFC 5382 (TCP), RFC 5508 (ICMP), through `sixgatectl translate -r
nat64`.  Topology: see nat64_util.py.

Lines that RFC 6146 tests already exercise are mapped to them in
docs/conformance.md; the tests here cover what is particular to the NAT
behaviour documents.
"""
import pytest
from scapy.all import (ICMP, ICMPv6DestUnreach, ICMPv6EchoReply,
                       ICMPv6EchoRequest, ICMPv6TimeExceeded, IP, IPerror,
                       IPerror6, IPv6, IPv6ExtHdrFragment, Raw, TCP,
                       TCPerror, UDP, UDPerror, fragment6, raw)

from conftest import nat64_run
from nat64_util import (A26, A6, ACK, B6, CONF, FINACK, PA, R4, RST, SYN,
                        SYNACK, T4, Z24, Z4, conf, conf_pool, csum_ok, e4,
                        e6, err4, err6, m6, mapped, mapping_of, same6, t4, t6,
                        tick, u4, u6)

LOG = ("log-bib = yes", "log-sessions = yes")


# ==========================================================================
# RFC 4787


def test_rfc4787_req2_paired_pooling():
    # covers: RFC 4787 REQ-2 (paired IP address pooling), RFC 6888 REQ-2
    c = conf_pool(["192.0.2.0/28"])
    ev = []
    for s in (A6, A26, "2001:db8:a::ffff"):
        ev += [u6(src=s, sport=5000, dst=Z4), u6(src=s, sport=5002, dst=Z24),
               t6(SYN, src=s), e6(0x20, src=s)]
    r = nat64_run(ev, c)
    assert len(r.v4()) == 12
    assert len({p.src for p in r.v4()}) == 1


def test_rfc4787_req3_no_port_overloading():
    # covers: RFC 4787 REQ-3 (no port overloading), RFC 5382 REQ-7, RFC 7857
    # §3 (PROJECT: no reuse of one external port for different sources)
    srcs = ["2001:db8:%x::1" % (0x100 + i) for i in range(20)]
    r = nat64_run([u6(src=s, sport=5000, dst=Z4 if i % 2 else Z24)
                   for i, s in enumerate(srcs)])
    assert len({mapping_of(p) for p in r.v4()}) == 20


def test_rfc4787_req6_outbound_refreshes():
    # covers: RFC 4787 REQ-6 (outbound refreshes the mapping; inbound refresh
    # optional)
    ev = [(1000, u6())]
    r, (T, t) = mapped(ev)
    r = nat64_run(ev + [(1250, u6()), (1549, u4(t))])
    assert len(r.v6()) == 1
    # inbound packets of an existing session refresh it too (MAY)
    r = nat64_run(ev + [(1250, u4(t)), (1549, u4(t))])
    assert len(r.v6()) == 2


@pytest.mark.parametrize("mode,passes", [("endpoint-independent", True),
                                         ("address-dependent", False)])
def test_rfc4787_req8_filtering_configurable(mode, passes):
    # covers: RFC 4787 REQ-8 (EIF for transparency, ADF for strictness,
    # configurable), RFC 5382 REQ-3 (the same switch for TCP), RFC 6888
    # REQ-7 (EIF default)
    c = conf("filtering = %s" % mode)
    ev = [u6(), t6(SYN)]
    r = nat64_run(ev, c)
    (_, tu), (_, tt) = mapping_of(r.v4()[0]), mapping_of(r.v4()[1])
    r = nat64_run(ev + [u4(tu, src=Z24), t4(ACK, tt, src=Z24)], c)
    assert (len(r.v6()) == 2) is passes, r.stderr
    r = nat64_run(ev + [u4(tu, src=Z24)], CONF)
    assert len(r.v6()) == 1      # default: endpoint-independent


def test_rfc4787_req9_hairpin_external_address():
    # covers: RFC 4787 REQ-9 (hairpinning with the external source address
    # and port): B sees A's (T, t), never A's IPv6 address
    rb, (Tb, tb) = mapped([u6(src=B6, sport=6000)])
    ra, (Ta, ta) = mapped([u6(src=B6, sport=6000), u6(src=A6, sport=5000)])
    ta = mapping_of(ra.v4()[1])
    r = nat64_run([u6(src=B6, sport=6000), u6(src=A6, sport=5000),
                   u6(src=A6, sport=5000, dst=Tb, dport=tb)])
    g = r.v6()[-1]
    assert same6(g.src, m6(ta[0])) and g[UDP].sport == ta[1]
    assert same6(g.dst, B6) and g[UDP].dport == 6000


def test_rfc4787_req10_no_alg_payload_untouched():
    # covers: RFC 4787 REQ-10 (UDP ALGs off), RFC 5382 REQ-6 (no TCP ALG)
    sip = b"INVITE sip:b@198.51.100.20 SIP/2.0\r\nVia: SIP/2.0/UDP " \
          b"[2001:db8:a::1]:5060\r\n\r\n"
    ftp = b"EPRT |2|2001:db8:a::1|5282|\r\n"
    r = nat64_run([u6(sport=5060, dport=5060, data=sip), t6(SYN, dport=21)])
    tt = mapping_of(r.v4()[1])[1]
    r = nat64_run([u6(sport=5060, dport=5060, data=sip), t6(SYN, dport=21),
                   t4(SYNACK, tt, sport=21, ack=1001),
                   t6(PA, dport=21, seq=1001, ack=5001, data=ftp)])
    assert raw(r.v4()[0][UDP].payload) == sip
    assert raw(r.v4()[-1][TCP].payload) == ftp


def test_rfc4787_req11_deterministic():
    # covers: RFC 4787 REQ-11 (mapping and filtering deterministic)
    ev = [u6(src="2001:db8:%x::1" % i, sport=4000 + i) for i in range(10)]
    ev += [t6(SYN, src=B6), e6(3)]
    a = nat64_run(ev)
    b = nat64_run(ev)
    assert [raw(p) for p in a.out] == [raw(p) for p in b.out]


def test_rfc4787_req12_icmp_does_not_end_mapping():
    # covers: RFC 4787 REQ-12 (no ICMP message ends a mapping; ICMP not
    # filtered by source; Destination Unreachable supported), RFC 5382
    # REQ-10 (TCP)
    ev = [(1000, u6()), (1000.1, t6(SYN))]
    r = nat64_run(ev)
    (T, tu), (_, tt) = mapping_of(r.v4()[0]), mapping_of(r.v4()[1])
    q_u = IP(src=T, dst=Z4) / UDP(sport=tu, dport=53)
    q_t = IP(src=T, dst=Z4) / TCP(sport=tt, dport=80, flags="S", seq=1000)
    errs = [(1001, err4(3, 3, q_u, src=Z4)), (1002, err4(3, 1, q_u, src=R4)),
            (1003, err4(3, 13, q_t, src="203.0.113.50")),
            (1004, err4(3, 0, q_t, src=R4)),
            (1005, err4(11, 0, q_u, src="203.0.113.51"))]
    r = nat64_run(ev + errs + [(1010, u4(tu)),
                               (1011, t4(SYNACK, tt, ack=1001))], conf(*LOG))
    six = r.v6()
    assert len(six) == 7, r.stderr
    assert [p.nh for p in six[:5]] == [58] * 5
    assert r.log("session del") == [] and r.log("bib del") == []
    tcp_err = [p for p in six if ICMPv6DestUnreach in p and TCPerror in p]
    assert len(tcp_err) == 2             # RFC 5382 REQ-9


@pytest.mark.parametrize("order", ["in_order", "out_of_order"])
def test_rfc4787_req14_fragments_accepted(order):
    # covers: RFC 4787 REQ-14 (in-order and out-of-order fragments accepted)
    whole = IPv6(src=A6, dst=m6(Z4)) / IPv6ExtHdrFragment(id=9) / \
        UDP(sport=5000, dport=53) / (b"F" * 900)
    fr = fragment6(whole, 400)
    if order == "out_of_order":
        fr = fr[::-1]
    r = nat64_run(fr)
    assert len(r.v4()) == len(fr)
    assert all(p.src == T4 and p.dst == Z4 for p in r.v4())


def test_rfc4787_req14_fragment_flood_does_not_starve():
    # covers: RFC 4787 REQ-14 (fragment floods do not starve normal
    # traffic), RFC 6146 §5.3
    flood = []
    for i in range(100):
        whole = IPv6(src=B6, dst=m6(Z24)) / IPv6ExtHdrFragment(id=1000 + i) / \
            UDP(sport=7000, dport=53) / (b"f" * 600)
        flood.append(fragment6(whole, 300)[1])
    normal = [u6(sport=5000 + 2 * i) for i in range(5)]
    r = nat64_run(flood + normal)
    assert len(r.v4()) == 5
    assert r.n("nat64_frag_full") > 0


# ==========================================================================
# RFC 5382


def test_rfc5382_req2_full_connection():
    # covers: RFC 5382 REQ-2 (every valid TCP sequence works: handshake,
    # data both ways, close)
    T, t = mapped([t6(SYN)])[1]
    seq = [t6(SYN), t4(SYNACK, t, ack=1001), t6(ACK, seq=1001, ack=5001),
           t6(PA, seq=1001, ack=5001, data=b"GET /"),
           t4(PA, t, seq=5001, ack=1006, data=b"200 OK"),
           t6(FINACK, seq=1006, ack=5007), t4(FINACK, t, seq=5007, ack=1007),
           t6(ACK, seq=1007, ack=5008)]
    r = nat64_run(seq)
    assert len(r.out) == len(seq) and r.s["dropped"] == 0
    assert all(csum_ok(p) for p in r.out)


def test_rfc5382_req2_simultaneous_open_both_syns():
    # covers: RFC 5382 REQ-2 (simultaneous open: V6 SYN then V4 SYN, both
    # SYN-ACKs)
    T, t = mapped([t6(SYN)])[1]
    seq = [t6(SYN), t4(SYN, t, seq=5000), t6(SYNACK, seq=1000, ack=5001),
           t4(SYNACK, t, seq=5000, ack=1001), t6(ACK, seq=1001, ack=5001)]
    r = nat64_run(seq, wait=30)
    assert len(r.out) == len(seq)
    assert not any(ICMP in p for p in r.v4())


@pytest.mark.parametrize("when,icmp", [(5.9, False), (6.1, True)])
def test_rfc5382_req4_no_reply_before_6s(when, icmp):
    # covers: RFC 5382 REQ-4 (no reply to an unsolicited SYN for at least
    # 6 s; then ICMP 3/3)
    r = nat64_run([(1000, t4(SYN, 61010)), tick(1000 + when)])
    assert (len(r.out) == 1) is icmp
    if icmp:
        assert (r.out[0][ICMP].type, r.out[0][ICMP].code) == (3, 3)


def test_rfc5382_req5_transitory_timeout_configurable():
    # covers: RFC 5382 REQ-5 (transitory >= 4 min, configurable)
    c = conf("tcp-trans-timeout = 300", *LOG)
    T, t = mapped([t6(SYN)], c)[1]
    ev = [(1000, t6(SYN)), (1000.1, t4(SYNACK, t, ack=1001)),
          (1000.2, t6(ACK, seq=1001, ack=5001)), (2000, t6(RST, seq=1001)),
          tick(2299.5), tick(2300.5)]
    r = nat64_run(ev, c)
    assert [l.time for l in r.log("session del", "tcp")] == [2300.5]


# ==========================================================================
# RFC 5508


def test_rfc5508_req1_queries_pass():
    # covers: RFC 5508 REQ-1 (queries from inside and their replies pass;
    # identifier mapping independent of the external host)
    ev = [e6(0x42, dst=Z4, seq=1), e6(0x42, dst=Z24, seq=2)]
    r = nat64_run(ev)
    i1, i2 = r.v4()[0][ICMP].id, r.v4()[1][ICMP].id
    assert i1 == i2
    r = nat64_run(ev + [e4(i1, src=Z4, seq=1), e4(i1, src=Z24, seq=2)])
    six = r.v6()
    assert [p[ICMPv6EchoReply].seq for p in six] == [1, 2]
    assert {str(p.src) for p in six} == {m6(Z4), m6(Z24)}


def quoted_udp(T, t):
    return IP(src=T, dst=Z4) / UDP(sport=t, dport=53) / b"query"


def test_rfc5508_req3_bad_icmp_checksum_dropped():
    # covers: RFC 5508 REQ-3 (an ICMP error with a bad ICMP checksum is
    # dropped)
    ev = [u6()]
    T, t = mapped(ev)[1]
    e = err4(3, 3, quoted_udp(T, t), src=Z4)
    e[ICMP].chksum = 0x1234
    r = nat64_run(ev + [e])
    assert r.v6() == [] and r.s["dropped"] == 1


def test_rfc5508_req3_bad_inner_ipv4_checksum_dropped():
    # covers: RFC 5508 REQ-3 (bad inner IPv4 header checksum: drop)
    ev = [u6()]
    T, t = mapped(ev)[1]
    inner = bytearray(raw(quoted_udp(T, t)))
    inner[10] ^= 0xff
    r = nat64_run(ev + [err4(3, 3, bytes(inner), src=Z4)])
    assert r.v6() == [] and r.s["dropped"] == 1


def test_rfc5508_req3_inner_options_skipped():
    # covers: RFC 5508 REQ-3 (inner IP options skipped to find the
    # transport header)
    from scapy.all import IPOption_NOP
    ev = [u6(sport=5000)]
    T, t = mapped(ev)[1]
    inner = IP(src=T, dst=Z4, options=[IPOption_NOP()] * 4) / UDP(
        sport=t, dport=53) / b"query"
    r = nat64_run(ev + [err4(3, 3, inner, src=Z4)])
    six = r.v6()
    assert len(six) == 1 and six[0][UDPerror].dport == 53
    assert six[0][UDPerror].sport == 5000


def test_rfc5508_req3_inner_transport_checksum_not_validated():
    # covers: RFC 5508 REQ-3 (the inner transport checksum is not validated)
    ev = [u6(sport=5000)]
    T, t = mapped(ev)[1]
    inner = IP(src=T, dst=Z4) / UDP(sport=t, dport=53, chksum=0xdead) / b"q"
    r = nat64_run(ev + [err4(3, 3, inner, src=Z4)])
    assert len(r.v6()) == 1


def test_rfc5508_req3_rfc4884_extension_excluded():
    # covers: RFC 5508 REQ-3 (RFC 4884 padding and extensions are not part
    # of the quoted packet)
    ev = [u6(sport=5000)]
    T, t = mapped(ev)[1]
    inner = raw(quoted_udp(T, t)).ljust(128, b"\0")
    ext = b"\x20\x00\x00\x00" + b"\x00\x08\x01\x01" + b"\xc0\x00\x02\x63"
    e = IP(src=R4, dst=T) / ICMP(type=11, code=0, length=32) / (inner + ext)
    r = nat64_run(ev + [e])
    six = r.v6()
    assert len(six) == 1, r.stderr
    q = six[0][IPerror6]
    assert q[UDPerror].sport == 5000
    # checksum by hand: scapy rebuilds RFC 4884 messages differently
    from v6to4_util import cksum, pseudo6
    msg = raw(six[0])[40:]
    assert cksum(pseudo6(six[0].src, six[0].dst, len(msg), 58) + msg) == 0


def test_rfc5508_req4_no_mapping_dropped():
    # covers: RFC 5508 REQ-4 (an ICMP error with no matching mapping is
    # dropped), RFC 6146 §3.4
    inner = IP(src=T4, dst=Z4) / UDP(sport=61050, dport=53)
    r = nat64_run([err4(3, 3, inner, src=Z4)])
    assert r.out == [] and r.n("nat64_icmp_no_match") == 1


@pytest.mark.parametrize("dt,passes", [(59, True), (61, False)])
def test_rfc5508_req6_error_about_query_no_refresh(dt, passes):
    # covers: RFC 5508 REQ-6 (an ICMP error about a query neither refreshes
    # nor deletes its session)
    ev = [(1000, e6(0x50))]
    T, i = mapped(ev)[1]
    q = IP(src=T, dst=Z4) / ICMP(type=8, id=i, seq=1)
    r = nat64_run(ev + [(1030, err4(3, 1, q, src=R4)),
                        (1040, err4(11, 0, q, src=R4)),
                        (1000 + dt, e4(i))])
    six = r.v6()
    assert len(six) == (3 if passes else 2), r.stderr
    assert isinstance(six[0][ICMPv6DestUnreach], ICMPv6DestUnreach)


def test_rfc5508_req7_hairpinned_icmp_error():
    # covers: RFC 5508 REQ-7 (hairpinned ICMP errors work, outer destination
    # = inner source after translation), RFC 7857 §12
    rb, (Tb, tb) = mapped([u6(src=B6, sport=6000)])
    ev = [u6(src=B6, sport=6000), u6(src=A6, sport=5000, dst=Tb, dport=tb)]
    r = nat64_run(ev, conf(*LOG))
    got = r.v6()[0]                      # what B received from A
    err = IPv6(src=B6, dst=got.src) / ICMPv6DestUnreach(code=4) / raw(got)
    r = nat64_run(ev + [err])
    back = r.v6()[-1]
    assert same6(back.dst, A6), back.summary()
    assert ICMPv6DestUnreach in back and back[ICMPv6DestUnreach].code == 4
    q = back[IPerror6]
    assert same6(q.src, A6) and q[UDPerror].sport == 5000
    assert same6(q.dst, m6(Tb)) and q[UDPerror].dport == tb
    assert csum_ok(back)


def test_rfc5508_req8_session_failure_icmp():
    # covers: RFC 5508 REQ-8 (failure to create a session: drop and ICMP;
    # ICMPv6 1/3 per CONFORMANCE.md section 15)
    c = conf_pool(["192.0.2.1 icmp 7-7"])
    r = nat64_run([e6(1, src=A6), e6(1, src=B6)], c)
    assert len(r.v4()) == 1
    e = r.v6()[0]
    assert same6(e.dst, B6)
    assert (e[ICMPv6DestUnreach].type, e[ICMPv6DestUnreach].code) == (1, 3)


@pytest.mark.parametrize("typ,code,passes", [(3, 1, True), (11, 0, True),
                                             (4, 0, False), (15, 0, False),
                                             (16, 0, False)])
def test_rfc5508_req9_req10_supported_messages(typ, code, passes):
    # covers: RFC 5508 REQ-9/REQ-10 (Destination Unreachable, Time Exceeded
    # and Echo supported; Source Quench and Information Request not)
    ev = [e6(0x70)]
    T, i = mapped(ev)[1]
    if typ in (15, 16):
        p = IP(src=Z4, dst=T) / ICMP(type=typ, id=i)
    else:
        p = err4(typ, code, IP(src=T, dst=Z4) / ICMP(type=8, id=i), src=R4)
    r = nat64_run(ev + [p])
    assert (len(r.v6()) == 1) is passes, r.stderr
