/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Splitting translated packets into fragments: RFC 7915 §4 / §4.1 (IPv6
 * fragments no larger than lowest-ipv6-mtu) and §5.1.1 / §1.4 (IPv4
 * fragments for small IPv6 packets whose IPv4 form exceeds the next-hop
 * MTU).  Both take a finished packet and emit fragments in order.
 */
#include <string.h>

#include "internal.h"

/*
 * pkt is an IPv6 packet whose Fragment header directly follows the fixed
 * header.  Each fragment repeats both headers with its own offset and M.
 */
enum xlat_verdict frag_emit6(struct xlat_out *out, const uint8_t *pkt,
			     size_t len, unsigned mtu)
{
	const unsigned hdrs = IP6_HDR + FRAG6_HDR;
	size_t chunk = (mtu - hdrs) & ~(size_t)7;
	size_t data = len - hdrs;
	uint16_t fo = get16(pkt + IP6_HDR + 2);
	unsigned base = fo & 0xfff8;
	bool last_mf = fo & 1;

	if (mtu < hdrs + 8)
		return XLAT_FRAG_TOO_SMALL;
	for (size_t off = 0; off < data; off += chunk) {
		size_t n = data - off < chunk ? data - off : chunk;
		uint8_t *f = out_reserve(out, hdrs + n);
		if (!f)
			return XLAT_NO_SPACE;
		memcpy(f, pkt, hdrs);
		memcpy(f + hdrs, pkt + hdrs + off, n);
		put16(f + 4, (uint16_t)(FRAG6_HDR + n));
		bool mf = off + n < data || last_mf;
		put16(f + IP6_HDR + 2, (uint16_t)((base + off) | mf));
		out_push(out, f, hdrs + n, 6, XLAT_PKT_TRANSLATED);
	}
	return XLAT_OK;
}

/* pkt is an IPv4 packet with a 20-byte header. */
enum xlat_verdict frag_emit4(struct xlat_out *out, const uint8_t *pkt,
			     size_t len, unsigned mtu)
{
	size_t chunk = (mtu - IP4_HDR) & ~(size_t)7;
	size_t data = len - IP4_HDR;
	uint16_t fo = get16(pkt + 6);
	unsigned base = (fo & 0x1fff) * 8u;
	bool last_mf = fo & 0x2000;

	if (mtu < IP4_HDR + 8)
		return XLAT_FRAG_TOO_SMALL;
	for (size_t off = 0; off < data; off += chunk) {
		size_t n = data - off < chunk ? data - off : chunk;
		uint8_t *f = out_reserve(out, IP4_HDR + n);
		if (!f)
			return XLAT_NO_SPACE;
		memcpy(f, pkt, IP4_HDR);
		memcpy(f + IP4_HDR, pkt + IP4_HDR + off, n);
		put16(f + 2, (uint16_t)(IP4_HDR + n));
		bool mf = off + n < data || last_mf;
		put16(f + 6, (uint16_t)(((base + off) / 8) | (mf ? 0x2000 : 0)));
		ip4_set_csum(f);
		out_push(out, f, IP4_HDR + n, 4, XLAT_PKT_TRANSLATED);
	}
	return XLAT_OK;
}
