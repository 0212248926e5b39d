/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Errors the translator generates itself: Time Exceeded (RFC 7915 §4.1,
 * §5.1), Fragmentation Needed and Packet Too Big (§4.1, §1.4), Parameter
 * Problem for routing headers (§5.1), Destination Unreachable for source
 * routes (§4.1) and for packets dropped as untranslatable (§4.4, §5.4).
 * ICMPv4 errors quote what fits in 576 bytes (RFC 1812 §4.3.2.3), ICMPv6
 * errors what fits in 1280 (RFC 4443 §2.4(c)).
 */
#include <string.h>

#include "internal.h"

void icmperr_send4(const struct xlat_ctx *ctx, struct xlat_out *out,
		   const uint8_t *pkt, size_t len, uint8_t type, uint8_t code,
		   uint32_t rest)
{
	icmperr_send4_from(ctx, out, pkt, len, type, code, rest, ctx->self4);
}

void icmperr_send4_from(const struct xlat_ctx *ctx, struct xlat_out *out,
			const uint8_t *pkt, size_t len, uint8_t type,
			uint8_t code, uint32_t rest, uint32_t src)
{
	if (!ctx->icmp_errors || len < IP4_HDR)
		return;
	/* Never an error about an error (RFC 1812 §4.3.2.7). */
	unsigned ihl = (pkt[0] & 0x0f) * 4u;
	bool first = (get16(pkt + 6) & 0x1fff) == 0;
	if (pkt[9] == PROTO_ICMP && first && len > ihl &&
	    icmp4_is_error(pkt[ihl]))
		return;
	size_t quote = len < ICMP4_ERR_MAX - IP4_HDR - ICMP_HDR ?
		       len : ICMP4_ERR_MAX - IP4_HDR - ICMP_HDR;
	size_t tot = IP4_HDR + ICMP_HDR + quote;
	uint8_t *p = out_reserve(out, tot);
	if (!p)
		return;
	memset(p, 0, IP4_HDR + ICMP_HDR);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)tot);
	p[8] = 64;
	p[9] = PROTO_ICMP;
	put32(p + 12, src);
	memcpy(p + 16, pkt + 12, 4); /* back to the offender's source */
	ip4_set_csum(p);
	uint8_t *ic = p + IP4_HDR;
	ic[0] = type;
	ic[1] = code;
	put32(ic + 4, rest);
	memcpy(ic + ICMP_HDR, pkt, quote);
	put16(ic + 2, csum_finish(csum_partial(ic, ICMP_HDR + quote, 0)));
	out_push(out, p, tot, 4, XLAT_PKT_ICMP_ERROR);
}

void icmperr_send6(const struct xlat_ctx *ctx, struct xlat_out *out,
		   const uint8_t *pkt, size_t len, uint8_t type, uint8_t code,
		   uint32_t rest)
{
	if (!ctx->icmp_errors || len < IP6_HDR)
		return;
	size_t quote = len < IPV6_MIN_MTU - IP6_HDR - ICMP_HDR ?
		       len : IPV6_MIN_MTU - IP6_HDR - ICMP_HDR;
	size_t plen = ICMP_HDR + quote;
	uint8_t *p = out_reserve(out, IP6_HDR + plen);
	if (!p)
		return;
	memset(p, 0, IP6_HDR + ICMP_HDR);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)plen);
	p[6] = PROTO_ICMPV6;
	p[7] = 64;
	memcpy(p + 8, &ctx->self6, 16);
	memcpy(p + 24, pkt + 8, 16);
	uint8_t *ic = p + IP6_HDR;
	ic[0] = type;
	ic[1] = code;
	put32(ic + 4, rest);
	memcpy(ic + ICMP_HDR, pkt, quote);
	uint32_t sum = csum_partial(p + 8, 32, 0) + (uint32_t)plen + PROTO_ICMPV6;
	put16(ic + 2, csum_finish(csum_partial(ic, plen, sum)));
	out_push(out, p, IP6_HDR + plen, 6, XLAT_PKT_ICMP_ERROR);
}
