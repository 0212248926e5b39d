# SPDX-License-Identifier: BSD-2-Clause
"""RFC 4884 multi-part ICMP messages translated IPv4 -> IPv6 (RFC 7915 §4.2
"ICMP Error Payload"; checklist section 6, v4->v6 lines).

ICMPv4: length attribute in byte 5 (32-bit words) for types 3, 11, 12.
ICMPv6: length attribute in byte 4 (64-bit words) for types 1 and 3.
With an extension the original-datagram field is zero-padded to the word
boundary and is at least 128 bytes (RFC 4884 §4).
"""
import struct

import pytest

from conftest import xlat_raw
from v4to6_helpers import (CONF_NSP, H4, RTR4, P6, err4, ext_struct,
                           inner_udp, m6, ones_sum, p4, translated_inner6)

# An MPLS label stack object (class 1, c-type 1) and an unknown object that
# holds an IPv4 literal, which must travel untranslated (RFC 7915 §4.2).
OBJ_MPLS = (1, 1, struct.pack("!I", (16001 << 12) | (0 << 9) | (1 << 8) | 7))
OBJ_OPAQUE = (99, 7, p4("192.0.2.1") + b"opaque!!")
EXT = ext_struct([OBJ_MPLS, OBJ_OPAQUE])


def v4_field(inner, quoted=None):
    """Original-datagram field for an ICMPv4 message with an extension:
    the first `quoted` bytes, zero-padded to 4 bytes and to 128 bytes."""
    q = inner[:quoted] if quoted else inner
    q += bytes(-len(q) % 4)
    q += bytes(max(0, 128 - len(q)))
    return q


def mp_error(typ, code, inner, quoted=None, ext=EXT, pointer=0, mtu=0):
    field = v4_field(inner, quoted)
    words = len(field) // 4
    if typ == 12:
        rest = struct.pack("!BBH", pointer, words, 0)
    else:
        rest = struct.pack("!BBH", 0, words, mtu)
    return err4(typ, code, field + ext, rest=rest)


def one(pkt):
    out, summ = xlat_raw([pkt], CONF_NSP)
    assert len(out) == 1, summ
    o = P6(out[0])
    assert o.nh == 58 and o.l4_ok(), "ICMPv6 checksum"
    assert (o.src, o.dst) == (m6(RTR4), m6(H4))
    assert len(o.raw) <= 1280
    return o


def split6(o):
    """(length attribute, original-datagram field, extension) of an ICMPv6
    1/x or 3/x message."""
    n = o.l4[4]
    assert o.l4[5:8] == b"\0\0\0"
    if n == 0:
        return 0, o.l4[8:], b""
    field = o.l4[8:8 + n * 8]
    return n, field, o.l4[8 + n * 8:]


def ext_ok(ext):
    return len(ext) >= 4 and ext[0] >> 4 == 2 and (
        ext[2:4] == b"\0\0" or ones_sum(ext) == 0xFFFF)


@pytest.mark.parametrize("typ,code,t6,c6", [(3, 1, 1, 0), (3, 3, 1, 4),
                                            (3, 13, 1, 1), (11, 0, 3, 0),
                                            (11, 1, 3, 1)])
def test_rfc7915_4_2_rfc4884_extension_short_inner(typ, code, t6, c6):
    # covers: RFC 7915 §4.2 (length attribute adjusted, MUST; extension
    # passed as opaque bytes, IPv4 literals untranslated), RFC 4884 §4
    # (length attribute positions and units, zero padding to 8 bytes, at
    # least 128 bytes), RFC 4884 §7 (structure intact, checksum valid)
    inner = inner_udp(data=b"short quoted datagram")      # 49 bytes
    o = one(mp_error(typ, code, inner))
    assert (o.l4[0], o.l4[1]) == (t6, c6)
    n, field, ext = split6(o)
    assert n != 0, "extension present: the length attribute must be set"
    assert len(field) >= 128
    tr = translated_inner6(inner)
    assert field[:len(tr)] == tr
    assert field[len(tr):] == bytes(len(field) - len(tr)), "zero padding"
    assert ext == EXT, "extension structure copied unchanged"
    assert ext_ok(ext)


@pytest.mark.parametrize("typ,code", [(3, 1), (11, 0)])
def test_rfc7915_4_2_rfc4884_extension_grown_inner(typ, code):
    # covers: RFC 7915 §4.2 (length attribute recomputed for the grown
    # inner packet), RFC 4884 §4 (8-byte padding): 128 quoted IPv4 bytes
    # become 148 IPv6 bytes, padded to 152 (length 19).
    inner = inner_udp(data=bytes((i * 11) & 0xFF for i in range(600)))
    o = one(mp_error(typ, code, inner, quoted=128))
    n, field, ext = split6(o)
    assert n * 8 >= 148, "the grown inner packet must fit in the field"
    tr = translated_inner6(inner)
    assert field[:148] == tr[:148]
    assert field[148:] == bytes(len(field) - 148) or \
        field == tr[:len(field)]
    assert n == 19, "128 + 20 = 148 bytes padded to 152"
    assert ext == EXT


@pytest.mark.parametrize("typ,code,ptr,t6,c6", [(3, 4, 0, 2, 0),
                                                (3, 2, 0, 4, 1),
                                                (12, 0, 9, 4, 0),
                                                (12, 2, 2, 4, 0)])
def test_rfc4884_4_6_extension_removed_for_ptb_and_param_problem(
        typ, code, ptr, t6, c6):
    # RFC 4884 §4.6: ICMPv6 Packet Too Big and Parameter Problem have no
    # length attribute, so the extension cannot be carried.
    inner = inner_udp(df=True, data=b"quoted")
    pkt = mp_error(typ, code, inner, pointer=ptr, mtu=1400)
    o = one(pkt)
    assert (o.l4[0], o.l4[1]) == (t6, c6)
    tr = translated_inner6(inner)
    assert o.l4[8:8 + len(tr)] == tr
    assert EXT not in o.l4, "extension must not be carried"
    assert o.l4[8 + len(tr):] == bytes(len(o.l4) - 8 - len(tr)), \
        "nothing but padding may follow the quoted packet"


def test_rfc4884_5_4_length_zero_means_no_extension():
    # covers: RFC 4884 §5.4 (length 0: no extension, even with bytes after
    # the quoted packet), §4 (ICMPv6 length attribute left 0)
    inner = inner_udp(data=b"abc")
    trailing = ext_struct([OBJ_MPLS])
    pkt = err4(3, 1, inner + trailing)       # byte 5 = 0
    o = one(pkt)
    assert o.l4[4] == 0, "no extension: ICMPv6 length attribute must be 0"
    tr = translated_inner6(inner)
    assert o.l4[8:8 + len(tr)] == tr


def test_rfc4884_5_non_compliant_extension_opaque():
    # RFC 4884 §5: an older extension without length attribute (fixed
    # 128-byte datagram) is opaque inner data; it travels after the
    # translated 128 bytes.
    inner = inner_udp(data=bytes(400))
    pkt = err4(11, 0, inner[:128] + EXT)
    o = one(pkt)
    assert o.l4[4] == 0
    assert o.l4[8:8 + 148] == translated_inner6(inner)[:148]
    assert o.l4[8 + 148:] == EXT


def test_rfc7915_4_2_rfc4884_oversize_extension_truncated():
    # covers: RFC 7915 §4.2 (extension exceeding the ICMPv6 maximum SHOULD be
    # truncated), RFC 4884 §7 + checklist §6 (<= 1280, padding rules kept,
    # extension checksum recomputed when the structure changes)
    big = (200, 1, bytes((i * 7) & 0xFF for i in range(1100)))
    ext = ext_struct([OBJ_MPLS, big])
    inner = inner_udp(data=bytes(400))
    o = one(mp_error(3, 1, inner, quoted=128, ext=ext))
    # Even with the quoted packet at its 128-byte minimum (148 translated,
    # field 152) the 1112-byte extension does not fit: it is cut, not
    # dropped ("simply truncated"), and the message fills 1280 bytes.
    assert len(o.raw) <= 1280
    n, field, rest = split6(o)
    tr = translated_inner6(inner)
    assert n != 0, "extension SHOULD be truncated, not removed"
    assert len(field) >= 128
    k = min(len(field), 148)
    assert field[:k] == tr[:k]
    assert len(o.raw) == 1280
    assert rest[:2] == ext[:2] and rest[4:] == ext[4:len(rest)]
    assert ext_ok(rest), "truncated extension must keep a valid checksum"


def test_rfc4884_7_inner_trimmed_to_fit_1280():
    # checklist §6 (§7, §5.3): a long quoted packet plus extension is
    # trimmed to 1280 with the padding rules kept.
    # 1016 quoted bytes (254 words, the 8-bit attribute allows 255) and a
    # 216-byte extension: 48 + 1040 + 216 > 1280 after translation.
    ext = ext_struct([OBJ_MPLS, (98, 1, bytes(range(200)))])
    inner = inner_udp(data=bytes((i * 3) & 0xFF for i in range(1300)))
    o = one(mp_error(3, 1, inner, quoted=1016, ext=ext))
    assert len(o.raw) <= 1280
    n, field, rest = split6(o)
    tr = translated_inner6(inner)
    if n:
        assert len(field) % 8 == 0 and len(field) >= 128
        body = field.rstrip(b"\0")
        assert field[:len(body)] == tr[:len(body)]
        assert rest == ext or ext_ok(rest)
    else:
        assert o.l4[8:] == tr[:len(o.l4) - 8]
