# SPDX-License-Identifier: BSD-2-Clause
"""Upstream failures (RFC 6147 §5.1.2, §5.1.3) and locally answered names
(RFC 8880 §7.1), with upstreams that misbehave on purpose:

   dig -> sixgated "noaaaa"  -> DropProxy (relays A, never answers AAAA) -> NSD
   dig -> sixgated "hole"    -> DropProxy (answers nothing: a blackhole)
   dig -> sixgated "relay"   -> DropProxy (relays everything, records names)

   Both instances have upstream-timeout = 2; a proxy is a UDP socket the
   test owns on a loopback port (TCP to it is refused).
"""
import socket
import struct
import time

import pytest

from dns64_util import (DropProxy, dns64_counter, need_daemon, ptr_name,
                        question)


@pytest.fixture(scope="module")
def noaaaa(sixgated_factory, nsd):
    need_daemon()
    p = DropProxy(nsd.port, drop=(28,))
    d = sixgated_factory("noaaaa", p.port, timeout=2)
    d.proxy = p
    yield d.start()
    p.close()           # sixgated_factory stops d and checks its status


@pytest.fixture(scope="module")
def relay(sixgated_factory, nsd):
    """The same proxy relaying everything: it records what goes upstream."""
    need_daemon()
    p = DropProxy(nsd.port, drop=())
    d = sixgated_factory("relay", p.port, timeout=2)
    d.proxy = p
    yield d.start()
    p.close()           # sixgated_factory stops d and checks its status


@pytest.fixture(scope="module")
def hole(sixgated_factory):
    need_daemon()
    p = DropProxy(0, drop=None)
    d = sixgated_factory("hole", p.port, timeout=2)
    d.proxy = p
    yield d.start()
    p.close()           # sixgated_factory stops d and checks its status


def test_rfc6147_5_1_3_aaaa_timeout_counts_as_empty(noaaaa):
    before = noaaaa.stats()
    t0 = time.time()
    a = noaaaa.dig("aonly.test.", extra=["+time=15"])
    took = time.time() - t0
    assert a.rcode == "NOERROR", a
    assert a.rdata("AAAA") == ["64:ff9b::c000:201"], a
    assert noaaaa.proxy.seen.get(28), noaaaa.proxy.seen
    assert took < 12, "answer took %.1fs with upstream-timeout = 2" % took
    after = noaaaa.stats()
    f0, f1 = (dns64_counter(s, "upstream_timeouts") for s in (before,
                                                             after))
    assert f1 is not None and f1 > f0, (before, after)


def test_rfc6147_5_1_7_ttl_capped_without_soa(noaaaa):
    """The empty AAAA answer came from a timeout, so there is no SOA:
    TTL = min(A TTL 3600, ttl-cap 600)."""
    a = noaaaa.dig("along.test.", extra=["+time=15"])
    t = a.ttls("AAAA")
    assert t and 540 <= t[0] <= 600, a


def test_cache_hit_served_without_upstream(relay):
    """A cached synthesised answer comes back without a query upstream."""
    a = relay.dig("atwo.test.")
    assert a.rdata("AAAA") == ["64:ff9b::c000:207", "64:ff9b::c000:208"], a
    seen = [n for n in relay.proxy.names if n[0] == "atwo.test."]
    assert seen, relay.proxy.names
    before = relay.stats()
    for _ in range(3):
        a = relay.dig("atwo.test.")
        assert a.rdata("AAAA") == ["64:ff9b::c000:207",
                                   "64:ff9b::c000:208"], a
    assert [n for n in relay.proxy.names if n[0] == "atwo.test."] == seen
    after = relay.stats()
    assert dns64_counter(after, "cache_hits") >= \
        dns64_counter(before, "cache_hits") + 3, (before, after)


def test_rfc6147_5_1_2_upstream_silent_servfail(hole):
    before = hole.stats()
    t0 = time.time()
    a = hole.dig("aonly.test.", extra=["+time=15"])
    took = time.time() - t0
    assert a.answered and a.rcode == "SERVFAIL", a
    assert took < 12, "SERVFAIL took %.1fs with upstream-timeout = 2" % took
    after = hole.stats()
    f = [dns64_counter(after, n) - dns64_counter(before, n)
         for n in ("upstream_timeouts", "upstream_failures")]
    assert sum(f) > 0, (before, after)


def test_rfc8880_7_1_ipv4only_arpa_never_sent_upstream(hole):
    for qt, want in (("A", ["192.0.0.170", "192.0.0.171"]),
                     ("AAAA", ["64:ff9b::c000:aa", "64:ff9b::c000:ab"])):
        a = hole.dig("ipv4only.arpa.", qt, extra=["+time=2"])
        assert a.rcode == "NOERROR" and a.rdata(qt) == want, a
    a = hole.dig("64:ff9b::c000:aa", reverse=True, extra=["+time=2"])
    assert a.rdata("PTR") == ["ipv4only.arpa."], a
    a = hole.dig("sub.ipv4only.arpa.", extra=["+time=2"])
    assert a.rcode == "NXDOMAIN", a
    a = hole.dig("170.0.0.192.in-addr.arpa.", "PTR", extra=["+time=2"])
    assert a.rdata("PTR") == ["ipv4only.arpa."], a
    leaked = [n for n in hole.proxy.names if n[0] and (
        n[0].endswith("ipv4only.arpa.") or n[0].startswith("170.0.0.192.")
        or n[0] == ptr_name("64:ff9b::c000:aa"))]
    assert not leaked, leaked


def test_daemon_answers_after_upstream_failures(hole):
    assert hole.alive(), hole.log()
    a = hole.dig("ipv4only.arpa.", "A", extra=["+time=2"])
    assert a.rcode == "NOERROR", a



@pytest.fixture(scope="module")
def sink(sixgated_factory):
    """An upstream that reads nothing: what sixgated sent waits in its
    socket's queue, counted when the test reads it (DropProxy relays one
    datagram per loop and is too slow to time a burst)."""
    need_daemon()
    up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    up.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    up.bind(("127.0.0.1", 0))
    d = sixgated_factory("sink", up.getsockname()[1], timeout=2)
    d.up = up
    yield d.start()
    up.close()          # sixgated_factory stops d and checks its status


def test_upstream_queries_not_queued_behind_16_sockets(sink):
    """libunbound's library default opens at most 16 upstream sockets
    (outgoing-range) and queues the rest; sixgated raises it
    (dns64res.c), so 30 misses at once are all upstream at once: 60
    queries (AAAA and the parallel A, RFC 6147 §5.1.8), each from a
    socket of its own, before any could time out."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for i in range(30):
            q = struct.pack(">HHHHHH", i + 1, 0x0100, 1, 0, 0, 0)
            q += b"".join(bytes([len(lb)]) + lb for lb in
                          (b"par%02d" % i, b"test")) + b"\0"
            s.sendto(q + struct.pack(">HH", 28, 1), ("127.0.0.1", sink.port))
        time.sleep(0.3)   # below libunbound's first retransmit (376 ms)
    finally:
        s.close()
    got, ports = set(), set()
    sink.up.setblocking(False)
    while True:
        try:
            pkt, src = sink.up.recvfrom(65535)
        except BlockingIOError:
            break
        qn, qt = question(pkt)
        if qn and qn.startswith("par"):
            got.add((qn, qt))
            ports.add(src[1])
    assert len(got) == 60, "%d of 60 upstream queries: %s" % (
        len(got), sorted(got))
    assert len(ports) >= 60, ports
