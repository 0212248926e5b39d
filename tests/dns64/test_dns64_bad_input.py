# SPDX-License-Identifier: BSD-2-Clause
"""Bad input and counters on the main sixgated [dns64] instance
(conftest.py draws the servers): malformed queries over UDP and TCP get
FORMERR or are dropped, never crash the daemon, and are counted; queries,
synthesised answers and cache hits move `sixgatectl stats`.

   raw sockets / dig -> sixgated [dns64] 127.0.0.1:P1 -> unbound -> NSD
"""
import os
import socket
import struct

import pytest

from dns64_util import dns64_counter

# aonly.test. AAAA IN, RD, one question
QUERY = bytes.fromhex("beef01000001000000000000"
                      "05616f6e6c7904746573740000"
                      "1c0001")


def _udp(port, pkt, timeout=1.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(pkt, ("127.0.0.1", port))
        return s.recvfrom(65535)[0]
    except socket.timeout:
        return None
    finally:
        s.close()


def _tcp(port, payload, timeout=2.0):
    s = socket.create_connection(("127.0.0.1", port), timeout)
    s.settimeout(timeout)
    try:
        s.sendall(payload)
        data = b""
        while True:
            try:
                b = s.recv(65535)
            except (socket.timeout, ConnectionResetError):
                break
            if not b:
                break
            data += b
            if len(data) >= 2 and len(data) >= 2 + struct.unpack(
                    "!H", data[:2])[0]:
                break
        return data
    finally:
        s.close()


def _rcode(reply):
    return reply[3] & 0x0f


MALFORMED = {
    "empty": b"",
    "short_header": b"\xbe\xef\x01",
    "header_only_qdcount1": bytes.fromhex("beef01000001000000000000"),
    "label_overruns": bytes.fromhex("beef0100000100000000000005616f"),
    "pointer_loop": bytes.fromhex("beef01000001000000000000c00c001c0001"),
    "qdcount_2_one_question": QUERY[:4] + b"\x00\x02" + QUERY[6:],
    "label_too_long": bytes.fromhex("beef01000001000000000000") +
    b"\x40" + b"a" * 64 + b"\x00\x00\x1c\x00\x01",
    "response_bit_set": bytes([0xbe, 0xef, 0x81]) + QUERY[3:],
    "random_1": bytes(range(7, 7 + 40)),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_udp_formerr_or_dropped(dns64, name):
    pkt = MALFORMED[name]
    reply = _udp(dns64.port, pkt)
    if reply is not None:
        assert len(reply) >= 12, reply
        assert reply[:2] == pkt[:2] or len(pkt) < 2, reply
        assert reply[2] & 0x80, "reply without QR: %r" % reply
        if name not in ("qdcount_2_one_question",):
            assert _rcode(reply) in (1, 4, 5), "rcode %d to %s" % (
                _rcode(reply), name)
    assert dns64.alive(), dns64.log()
    assert dns64.dig("aonly.test.").rdata("AAAA") == ["64:ff9b::c000:201"]


def test_response_bit_never_answered(dns64):
    """A message with QR=1 is a response: answering it could loop."""
    assert _udp(dns64.port, MALFORMED["response_bit_set"]) is None


def test_random_datagrams_do_not_crash(dns64):
    rnd = __import__("random").Random(6147)
    for _ in range(500):
        n = rnd.randrange(0, 300)
        pkt = bytes(rnd.randrange(256) for _ in range(n))
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(pkt, ("127.0.0.1", dns64.port))
        s.close()
    # also mutations of a valid query
    for _ in range(500):
        pkt = bytearray(QUERY)
        for _ in range(rnd.randrange(1, 4)):
            pkt[rnd.randrange(len(pkt))] = rnd.randrange(256)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(bytes(pkt[:rnd.randrange(1, len(pkt) + 1)]),
                 ("127.0.0.1", dns64.port))
        s.close()
    assert dns64.alive(), dns64.log()
    a = dns64.dig("aonly.test.")
    assert a.rdata("AAAA") == ["64:ff9b::c000:201"], a


def test_malformed_tcp(dns64):
    for payload in (b"\x00\x05\x01\x02\x03\x04\x05",
                    b"\x00\x0c" + bytes(12),
                    b"\xff\xff" + os.urandom(100),
                    b"\x00"):
        _tcp(dns64.port, payload, timeout=1.0)
    # a valid query over TCP still works, and so does one split in bytes
    reply = _tcp(dns64.port, struct.pack("!H", len(QUERY)) + QUERY)
    assert len(reply) > 14 and _rcode(reply[2:]) == 0, reply
    assert dns64.alive(), dns64.log()


def test_formerr_counted(dns64):
    before = dns64.stats()
    reply = _udp(dns64.port, MALFORMED["header_only_qdcount1"])
    after = dns64.stats()
    c0, c1 = (dns64_counter(s, "formerr") for s in (before, after))
    assert c1 is not None, sorted(after)
    if reply is None:
        d0, d1 = (dns64_counter(s, "dropped") for s in (before, after))
        assert d1 > d0, (d0, d1)
    else:
        assert _rcode(reply) == 1 and c1 == c0 + 1, (reply, c0, c1)


def test_counters_queries_synthesised(dns64):
    """counted.test. is asked for by this test only: the first answer is
    synthesised, the next two come from the cache."""
    before = dns64.stats()
    for _ in range(3):
        a = dns64.dig("counted.test.")
        assert a.rdata("AAAA") == ["64:ff9b::c000:20b"], a
    dns64.dig("aonly.test.", extra=["+tcp"])
    after = dns64.stats()

    def d(name):
        return dns64_counter(after, name) - dns64_counter(before, name)
    assert d("queries_udp") >= 3 and d("queries_tcp") >= 1, (before, after)
    assert d("synthesized") >= 1 and d("cache_hits") >= 3, (before, after)
    assert d("upstream_queries") >= 1, (before, after)


def test_cache_hits_counted_and_ttl_counts_down(dns64):
    a1 = dns64.dig("ashort.test.")
    before = dns64.stats()
    a2 = dns64.dig("ashort.test.")
    after = dns64.stats()
    c0, c1 = (dns64_counter(s, "cache_hits") for s in (before, after))
    assert c1 is not None and c1 > (c0 or 0), (c0, c1, sorted(after))
    assert a2.rdata("AAAA") == a1.rdata("AAAA") == ["64:ff9b::c000:202"]
    assert a2.ttls("AAAA")[0] <= a1.ttls("AAAA")[0], (a1, a2)
