# SPDX-License-Identifier: BSD-2-Clause
"""RFC 4884 extensions in ICMPv6 -> ICMPv4 translation (RFC 7915 §5.2,
CONFORMANCE.md section 6, v6->v4 lines; the v4->v6 lines live elsewhere).

    ICMPv6 error (length attribute in byte 4, 64-bit words)
        --> ICMPv4 error (length attribute in byte 5, 32-bit words)
"""
import socket

import pytest

from conftest import CONF_WKP_LAB, xlat_raw
from v6to4_util import (H4, H6, H6_4, cksum, ext_structure, icmp4,
                        icmp6_error, inner_v4_to_v6, ip4_fields, ip4_hdr_ok,
                        l4_ok4)

LAB = CONF_WKP_LAB
OBJ_PAYLOAD = socket.inet_pton(socket.AF_INET6, H6) + b"\xde\xad\xbe\xef"
EXT = ext_structure([(200, 1, OBJ_PAYLOAD)])


def with_ext(t6, c6, inner_len):
    """ICMPv6 t6/c6 quoting a complete inner packet of inner_len bytes
    (a multiple of 8, >= 128) followed by EXT."""
    assert inner_len % 8 == 0 and inner_len >= 128
    inner = inner_v4_to_v6(data=bytes(inner_len - 48))
    assert len(inner) == inner_len
    rest = bytes([inner_len // 8, 0, 0, 0])
    return icmp6_error(t6, c6, rest, inner=inner + EXT), inner


def one4(p):
    out, s = xlat_raw([p], LAB)
    assert len(out) == 1 and out[0][0] >> 4 == 4, (out, s)
    return out[0]


def check_ext(b, min_words=32):
    """Return (words, datagram field) of an ICMPv4 error with extension,
    after checking the RFC 4884 layout."""
    t, c, rest, body = icmp4(b)
    words = rest[1]
    assert words != 0, "length attribute lost: extension dropped?"
    assert words >= min_words, "original datagram field under 128 bytes"
    field = body[:4 * words]
    ext = body[4 * words:]
    assert ext == EXT, "extension structure must be carried unchanged"
    assert ext[0] >> 4 == 2 and cksum(ext) == 0
    assert l4_ok4(b)
    return words, field


@pytest.mark.parametrize("t6,c6,t4,c4", [(1, 4, 3, 3), (3, 0, 11, 0),
                                         (1, 0, 3, 1)])
@pytest.mark.parametrize("inner_len,words", [(168, 37), (256, 59),
                                             (136, 32), (128, 32)])
def test_rfc7915_5_2_rfc4884_length_attribute_recomputed(t6, c6, t4, c4,
                                                         inner_len, words):
    # covers: RFC 7915 §5.2 (ICMP Error Payload), RFC 4884 §4 (length
    # attribute, 32-bit words in byte 5, >= 128 bytes, zero padding),
    # RFC 7915 §5.2 unknown objects copied as opaque bytes
    p, inner = with_ext(t6, c6, inner_len)
    b = one4(p)
    t, c, rest, body = icmp4(b)
    assert (t, c) == (t4, c4)
    assert rest[0] == 0 and rest[2:] == b"\0\0"
    got, field = check_ext(b)
    assert got == words
    n4 = inner_len - 20
    fi = ip4_fields(field)
    assert fi["tl"] == n4 and (fi["src"], fi["dst"]) == (H4, H6_4)
    assert ip4_hdr_ok(field)
    assert l4_ok4(field[:n4])
    assert field[n4:] == bytes(len(field) - n4), "padding must be zero"
    assert ip4_fields(b)["tl"] == len(b) <= 576


def test_rfc4884_7_translated_error_with_extension_within_576():
    # covers: RFC 4884 §7 / §5.3 (ICMPv4 <= 576 with an extension, inner
    # packet trimmed, padding rules kept)
    p, inner = with_ext(1, 4, 1000)
    b = one4(p)
    assert len(b) <= 576
    words, field = check_ext(b)
    fi = ip4_fields(field)
    assert fi["tl"] == 980, "inner Total Length describes the original"
    assert field[20:] == inner[40:40 + len(field) - 20]


def test_rfc4884_5_4_length_zero_means_no_extension():
    # Bytes after the quoted packet with a zero length attribute are part
    # of the original datagram, not an extension.
    # covers: RFC 4884 §5.4, §5 (older extensions travel as opaque data)
    inner = inner_v4_to_v6(data=bytes(80))
    p = icmp6_error(1, 4, b"\0\0\0\0", inner=inner + EXT)
    b = one4(p)
    t, c, rest, body = icmp4(b)
    assert (t, c) == (3, 3)
    assert rest == b"\0\0\0\0"
    assert body[-len(EXT):] == EXT, "trailing bytes kept as opaque data"
    assert l4_ok4(b)


def test_rfc4884_7_no_extension_no_extra_truncation():
    # PROJECT: without an extension the message is not cut to 576.
    inner = inner_v4_to_v6(data=bytes(952))       # 1000 bytes
    b = one4(icmp6_error(1, 4, inner=inner))
    assert len(b) == 20 + 8 + 980
    t, c, rest, body = icmp4(b)
    assert rest == b"\0\0\0\0"
    assert ip4_fields(body)["tl"] == 980 and l4_ok4(body)
