/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ICMP type/code mapping, Parameter Problem pointers and MTU fields:
 * RFC 7915 §4.2 (ICMPv4 → ICMPv6, Figure 3) and §5.2 (ICMPv6 → ICMPv4,
 * Figure 6); RFC 1191 §7 plateaus; RFC 4884 §4 (which results may carry
 * extensions).
 */
#include <string.h>

#include "internal.h"

bool icmp4_is_error(uint8_t type)
{
	switch (type) {
	case 3: case 4: case 5: case 11: case 12: case 31:
		return true;
	default:
		return false;
	}
}

bool icmp6_is_error(uint8_t type)
{
	return type < 128;
}

static bool set(struct icmp_map *m, uint8_t type, uint8_t code)
{
	m->type = type;
	m->code = code;
	m->has_ptr = false;
	m->is_mtu = false;
	m->ext_ok = false;
	return true;
}

/* RFC 7915 §4.2, Destination Unreachable codes. */
static bool unreach_4to6(uint8_t code, struct icmp_map *m)
{
	switch (code) {
	case 0: case 1: case 5: case 6: case 7: case 8: case 11: case 12:
		set(m, 1, 0);
		break;
	case 2: /* protocol unreachable: pointer to Next Header */
		set(m, 4, 1);
		m->has_ptr = true;
		return true;
	case 3:
		set(m, 1, 4);
		break;
	case 4:
		set(m, 2, 0);
		m->is_mtu = true;
		return true;
	case 9: case 10: case 13: case 15:
		set(m, 1, 1);
		break;
	default: /* 14 and unknown codes */
		return false;
	}
	m->ext_ok = true;
	return true;
}

bool icmp_map_4to6(uint8_t type, uint8_t code, struct icmp_map *m)
{
	switch (type) {
	case 8:
		return set(m, 128, code);
	case 0:
		return set(m, 129, code);
	case 3:
		return unreach_4to6(code, m);
	case 11:
		set(m, 3, code);
		m->ext_ok = true;
		return true;
	case 12:
		if (code != 0 && code != 2)
			return false;
		set(m, 4, 0);
		m->has_ptr = true;
		return true;
	default:
		return false;
	}
}

static bool unreach_6to4(uint8_t code, struct icmp_map *m)
{
	switch (code) {
	case 0: case 2: case 3:
		set(m, 3, 1);
		break;
	case 1:
		set(m, 3, 10);
		break;
	case 4:
		set(m, 3, 3);
		break;
	default:
		return false;
	}
	m->ext_ok = true;
	return true;
}

bool icmp_map_6to4(uint8_t type, uint8_t code, struct icmp_map *m)
{
	switch (type) {
	case 128:
		return set(m, 8, code);
	case 129:
		return set(m, 0, code);
	case 1:
		return unreach_6to4(code, m);
	case 2:
		if (code != 0)
			return false;
		set(m, 3, 4);
		m->is_mtu = true;
		return true;
	case 3:
		set(m, 11, code);
		m->ext_ok = true;
		return true;
	case 4:
		if (code == 0) {
			set(m, 12, 0);
			m->has_ptr = true;
			return true;
		}
		if (code == 1) {
			set(m, 3, 2);
			return true;
		}
		return false;
	default:
		return false;
	}
}

/* RFC 7915 Figure 3. */
int icmp_ptr_4to6(unsigned ptr)
{
	if (ptr <= 1)
		return (int)ptr;
	if (ptr <= 3)
		return 4;
	if (ptr == 8)
		return 7;
	if (ptr == 9)
		return 6;
	if (ptr >= 12 && ptr <= 15)
		return 8;
	if (ptr >= 16 && ptr <= 19)
		return 24;
	return -1;
}

/* RFC 7915 Figure 6. */
int icmp_ptr_6to4(unsigned ptr)
{
	if (ptr <= 1)
		return (int)ptr;
	if (ptr == 4 || ptr == 5)
		return 2;
	if (ptr == 6)
		return 9;
	if (ptr == 7)
		return 8;
	if (ptr >= 8 && ptr <= 23)
		return 12;
	if (ptr >= 24 && ptr <= 39)
		return 16;
	return -1;
}

static unsigned min3(unsigned a, unsigned b, unsigned c)
{
	unsigned m = a < b ? a : b;
	return m < c ? m : c;
}

/*
 * RFC 7915 §4.2: MTU for a Packet Too Big made from Fragmentation Needed.
 * A zero MTU field (pre-RFC 1191 routers) is replaced by the largest plateau
 * below the quoted packet's Total Length; the plateau then stands for the
 * ICMP MTU in the formula (a project decision, see CONFORMANCE.md §3).
 */
uint32_t icmp_mtu_4to6(const struct xlat_ctx *ctx, unsigned icmp_mtu,
		       unsigned inner_tot_len)
{
	if (icmp_mtu == 0) {
		for (unsigned i = 0; i < ctx->nplateaus; i++) {
			if (ctx->plateaus[i] < inner_tot_len) {
				icmp_mtu = ctx->plateaus[i];
				break;
			}
		}
	}
	unsigned mtu = min3(icmp_mtu + 20, ctx->ipv6_mtu, ctx->ipv4_mtu + 20);
	return mtu < IPV6_MIN_MTU ? IPV6_MIN_MTU : mtu;
}

/* RFC 7915 §5.2: MTU for Fragmentation Needed made from Packet Too Big. */
uint32_t icmp_mtu_6to4(const struct xlat_ctx *ctx, unsigned icmp_mtu,
		       bool inner_frag)
{
	unsigned hdiff = inner_frag ? 28 : 20;
	unsigned a = icmp_mtu > hdiff ? icmp_mtu - hdiff : 0;
	unsigned c = ctx->ipv6_mtu > hdiff ? ctx->ipv6_mtu - hdiff : 0;
	unsigned mtu = min3(a, ctx->ipv4_mtu, c);
	return mtu > 65535 ? 65535 : mtu;
}

/*
 * RFC 4884 §4 layout of an error's payload.  q holds the translated quote
 * (qlen bytes, room bytes available); ext/elen is the original extension
 * structure.  The quote is zero-padded to unit (8 for ICMPv6, 4 for
 * ICMPv4) and to at least 128 bytes.  When it all does not fit:
 * - trim_quote: the quote gives way first, down to 128 bytes (RFC 4884 §7:
 *   an ICMPv4 error with extensions stays within 576 bytes);
 * - otherwise the extension is "simply truncated" (RFC 7915 §4.2).
 * A cut extension gets its checksum recomputed (RFC 4884 §7).  Returns the
 * payload length; *lenattr is the length attribute, 0 when the extension
 * had to go entirely.
 */
size_t icmp_ext_layout(uint8_t *q, size_t qlen, const uint8_t *ext,
		       size_t elen, size_t room, unsigned unit, bool trim_quote,
		       unsigned *lenattr)
{
	size_t padded = (qlen + unit - 1) / unit * unit;

	*lenattr = 0;
	if (padded < 128)
		padded = 128;
	if (trim_quote && padded + elen > room) {
		size_t fit = room > elen ? (room - elen) / unit * unit : 0;
		padded = fit >= 128 ? fit : 128;
	}
	if (padded + 4 > room) {
		padded = room >= 4 ? (room - 4) / unit * unit : 0;
		if (padded < 128)
			return qlen < room ? qlen : room;
	}
	if (padded > qlen)
		memset(q + qlen, 0, padded - qlen);
	size_t keep = elen < room - padded ? elen : room - padded;
	uint8_t *e = q + padded;
	memcpy(e, ext, keep);
	if (keep < elen) {
		e[2] = e[3] = 0;
		put16(e + 2, csum_finish(csum_partial(e, keep, 0)));
	}
	*lenattr = (unsigned)(padded / unit);
	return padded + keep;
}
