/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv4 → IPv6, RFC 7915 §4: header (§4.1), ICMPv4 → ICMPv6 (§4.2), ICMP
 * error payloads (§4.3) with RFC 4884 extensions, generated errors (§4.4),
 * transport checksums (§4.5).  Address mapping per §6 with RFC 7757 EAM and
 * its §4.2.1 hairpinning rules on the second pass.
 */
#include <string.h>

#include "internal.h"

static uint8_t tclass(const struct xlat_ctx *ctx, uint8_t tos)
{
	return ctx->tc_mode == XLAT_TOS_COPY ? tos : ctx->tc_value;
}

static void put_ip6(uint8_t *h, uint8_t tc, unsigned plen, uint8_t nh,
		    uint8_t hlim, const struct in6_addr *s,
		    const struct in6_addr *d)
{
	put32(h, 0x60000000u | (uint32_t)tc << 20);
	put16(h + 4, (uint16_t)plen);
	h[6] = nh;
	h[7] = hlim;
	memcpy(h + 8, s, 16);
	memcpy(h + 24, d, 16);
}

/* §4.1: the Fragment header for an IPv4 fragment (or one we create). */
static void put_frag6(uint8_t *f, uint8_t nh, const struct ip4 *ip)
{
	f[0] = nh;
	f[1] = 0;
	put16(f + 2, (uint16_t)(ip->frag_off | (ip->mf ? 1 : 0)));
	put32(f + 4, ip->id);
}

/* RFC 1812 §5.3.7 / §4.2.2.11: sources a router must not forward. */
static bool src4_invalid(uint32_t a)
{
	return (a >> 24) == 0 || (a >> 24) == 127 || (a >> 28) >= 0xe;
}

static bool dst4_invalid(uint32_t a)
{
	return (a >> 24) == 0 || (a >> 24) == 127 || (a >> 28) >= 0xe;
}

/* §4.1: an unexpired Loose or Strict Source Route option. */
static bool has_source_route(const struct ip4 *ip)
{
	const uint8_t *o = ip->hdr + IP4_HDR;
	unsigned n = ip->ihl - IP4_HDR;

	for (unsigned i = 0; i < n;) {
		uint8_t t = o[i];
		if (t == 0)
			break;
		if (t == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || i + o[i + 1] > n)
			break; /* malformed: options are ignored anyway */
		uint8_t olen = o[i + 1];
		if ((t == 131 || t == 137) && olen >= 3 && o[i + 2] <= olen)
			return true;
		i += olen;
	}
	return false;
}

/*
 * Fix the transport header at l4 (n bytes present) after the addresses
 * changed from (s4, d4) to (s6, d6).  ulen is the full upper-layer length.
 * Only ICMP needs the type rewritten; its mapping comes from the caller.
 */
static void l4_fix46(uint8_t *l4, size_t n, uint8_t proto, uint32_t s4,
		     uint32_t d4, const struct in6_addr *s6,
		     const struct in6_addr *d6, const struct icmp_map *m,
		     unsigned ulen, bool partial)
{
	if (proto == PROTO_TCP || proto == PROTO_UDP) {
		l4_readdress(l4, n, proto, csum_addr4(s4, d4), csum_addr6(s6, d6),
			     partial);
		return;
	}
	if (proto == PROTO_ICMP && n >= 4 && m) {
		uint32_t o = get16(l4);
		l4[0] = m->type;
		l4[1] = m->code;
		uint32_t nw = get16(l4) + pseudo6(s6, d6, ulen, PROTO_ICMPV6);
		put16(l4 + 2, csum_replace(get16(l4 + 2), o, nw));
	}
}

/*
 * The offload state of a translated TCP or UDP packet: still partial, and
 * for GSO a segment size that fits room (the next-hop MTU less the new IP
 * header) with the transport header: IPv6's header is 20 bytes longer.
 */
void gso_fit(struct xlat_pkt *p, const struct xlat_offload *in,
	     const uint8_t *l4, size_t ulen, uint8_t proto, unsigned room)
{
	p->off = *in;
	if (in->gso == XLAT_GSO_NONE)
		return;
	unsigned l4h = proto == PROTO_TCP && ulen >= 13 ? (l4[12] >> 4) * 4u :
							  8u;
	if (l4h < room && in->gso_size > room - l4h)
		p->off.gso_size = (uint16_t)(room - l4h);
}

/* §4.5: compute a missing IPv4 UDP checksum in the translated packet. */
static void udp_compute6(uint8_t *l4, unsigned ulen, const struct in6_addr *s6,
			 const struct in6_addr *d6)
{
	put16(l4 + 6, 0);
	uint16_t c = csum_finish(csum_partial(l4, ulen,
					      pseudo6(s6, d6, ulen, PROTO_UDP)));
	put16(l4 + 6, c ? c : 0xffff);
}

static enum xlat_verdict map_addr(const struct xlat_ctx *ctx, uint32_t a,
				  bool use_eam, bool icmp_src,
				  struct in6_addr *out, enum xlat_verdict none)
{
	enum map_how how = map_4to6(ctx, a, use_eam, out);

	if (how == MAP_NONE)
		return none;
	if (map_wkp_refused(ctx, how, a, icmp_src))
		return XLAT_WKP_NONGLOBAL;
	return XLAT_OK;
}

int inner_4to6(const struct xlat_ctx *ctx, const uint8_t *p, size_t len,
	       unsigned flags, const struct xlat_nat *nat, uint8_t *dst,
	       size_t cap)
{
	struct ip4 ip;
	struct in6_addr s6, d6;
	struct icmp_map m, *mp = NULL;

	if (ip4_parse(p, len, true, &ip) != XLAT_OK)
		return -XLAT_ICMP_INNER;
	const uint8_t *l4 = ip.hdr + ip.ihl;
	if (ip.proto == PROTO_ICMP && ip.frag_off == 0 && ip.avail >= 1) {
		if (icmp4_is_error(l4[0]))
			return -XLAT_ICMP_NESTED;
		if (ip.avail >= 2 && !icmp_map_4to6(l4[0], l4[1], &m))
			return -XLAT_ICMP_INNER;
		mp = &m;
	}
	/* RFC 7757 §4.2.1 rule 2: no EAM for the inner destination on the
	 * hairpin pass.  RFC 6146 §3.7: the quoted source is the binding's. */
	if (nat)
		s6 = nat->x6;
	else if (map_addr(ctx, ip.src, true, false, &s6, XLAT_ICMP_INNER))
		return -XLAT_ICMP_INNER;
	if (map_addr(ctx, ip.dst, !(flags & XF_HAIRPIN), false, &d6,
		     XLAT_ICMP_INNER))
		return -XLAT_ICMP_INNER;

	bool frag = ip4_is_fragment(&ip);
	unsigned hl = IP6_HDR + (frag ? FRAG6_HDR : 0);
	unsigned ulen = ip.tot_len - ip.ihl;
	uint8_t nh = ip.proto == PROTO_ICMP ? PROTO_ICMPV6 : ip.proto;
	if (cap < hl)
		return -XLAT_NO_SPACE;
	size_t n = ip.avail < cap - hl ? ip.avail : cap - hl;
	/* §4.3: the quoted packet keeps its TTL. */
	put_ip6(dst, tclass(ctx, ip.tos), ulen + (frag ? FRAG6_HDR : 0),
		frag ? PROTO_FRAGMENT : nh, ip.ttl, &s6, &d6);
	if (frag)
		put_frag6(dst + IP6_HDR, nh, &ip);
	memcpy(dst + hl, l4, n);
	if (ip.frag_off == 0) {
		l4_fix46(dst + hl, n, ip.proto, ip.src, ip.dst, &s6, &d6, mp, ulen,
			 false);
		if (nat)
			l4_port(dst + hl, n, nh, false, nat->x_port, false);
	}
	return (int)(hl + n);
}

/* Byte 5 of ICMPv4 types 3, 11 and 12: RFC 4884 length in 32-bit words. */
static size_t ext4_split(const uint8_t *icmp, size_t body)
{
	uint8_t t = icmp[0];

	if (t != 3 && t != 11 && t != 12)
		return body;
	size_t l = icmp[5] * 4u;
	/* A length that does not leave room for an extension header is not
	 * an RFC 4884 message; treat everything as the quoted packet. */
	if (l == 0 || l + 4 > body)
		return body;
	return l;
}

struct err46 {
	const struct ip4 *ip;
	const uint8_t *icmp;
	struct icmp_map m;
	struct in6_addr s6, d6;
	uint8_t hlim;
};

/* The ICMPv6 header's second word (§4.2). */
static enum xlat_verdict err46_rest(const struct xlat_ctx *ctx,
				    const struct err46 *e, const uint8_t *inner,
				    size_t inner_len, uint32_t *rest)
{
	*rest = 0;
	if (e->m.is_mtu) {
		unsigned itl = inner_len >= 4 ? get16(inner + 2) : 0;
		*rest = icmp_mtu_4to6(ctx, get16(e->icmp + 6), itl);
	} else if (e->m.has_ptr) {
		if (e->icmp[0] == 3) { /* protocol unreachable */
			*rest = 6;
			return XLAT_OK;
		}
		int p = icmp_ptr_4to6(e->icmp[4]);
		if (p < 0)
			return XLAT_ICMP_POINTER;
		*rest = (uint32_t)p;
	}
	return XLAT_OK;
}

/* §4.2/§4.3: translate an ICMPv4 error with its quoted packet. */
static enum xlat_verdict err46_build(const struct xlat_ctx *ctx,
				     const struct err46 *e, unsigned flags,
				     const struct xlat_nat *nat,
				     struct xlat_out *out)
{
	const struct ip4 *ip = e->ip;
	size_t body = ip->avail - ICMP_HDR;
	const uint8_t *inner = e->icmp + ICMP_HDR;
	size_t ilen = ext4_split(e->icmp, body);
	size_t elen = e->m.ext_ok && ilen < body ? body - ilen : 0;
	uint32_t rest;
	enum xlat_verdict v = err46_rest(ctx, e, inner, ilen, &rest);
	if (v != XLAT_OK)
		return v;

	uint8_t *p = out_reserve(out, IPV6_MIN_MTU + 64);
	if (!p)
		return XLAT_NO_SPACE;
	uint8_t *ic = p + IP6_HDR;
	size_t room = IPV6_MIN_MTU - IP6_HDR - ICMP_HDR;
	int n = inner_4to6(ctx, inner, ilen, flags, nat, ic + ICMP_HDR, room);
	if (n < 0)
		return (enum xlat_verdict)-n;
	size_t qlen = (size_t)n;
	if (elen) {
		unsigned la;
		qlen = icmp_ext_layout(ic + ICMP_HDR, qlen, inner + ilen, elen,
				       room, 8, false, &la);
		rest |= (uint32_t)la << 24;
	}
	size_t plen = ICMP_HDR + qlen;
	put_ip6(p, tclass(ctx, ip->tos), plen, PROTO_ICMPV6, e->hlim, &e->s6,
		&e->d6);
	ic[0] = e->m.type;
	ic[1] = e->m.code;
	put16(ic + 2, 0);
	put32(ic + 4, rest);
	/* Recompute, then carry over whatever error the original checksum
	 * had, so a corrupt message stays corrupt (§4.5 spirit). */
	uint32_t orig = csum_partial(e->icmp, ip->avail, 0);
	uint32_t now = csum_partial(ic, plen, pseudo6(&e->s6, &e->d6,
						      (unsigned)plen,
						      PROTO_ICMPV6));
	put16(ic + 2, csum_fold(csum_fold(orig) + (uint16_t)~csum_fold(now)));
	out_push(out, p, IP6_HDR + plen, 6, XLAT_PKT_TRANSLATED);
	return XLAT_OK;
}

/* Inner destination of an ICMPv4 error, for RFC 7757 §4.2.1 rule 3. */
static uint32_t inner_dst4(const struct ip4 *ip)
{
	const uint8_t *q = ip->hdr + ip->ihl + ICMP_HDR;

	return ip->avail >= ICMP_HDR + IP4_HDR ? get32(q + 16) : 0;
}

/* An informational message returns XLAT_OK with its mapping in *info for
 * the common path; an error is translated here whole. */
static enum xlat_verdict icmp46(const struct xlat_ctx *ctx,
				const struct ip4 *ip, uint8_t hlim,
				unsigned flags, const struct xlat_nat *nat,
				struct xlat_out *out, struct icmp_map *info)
{
	struct err46 e = { .ip = ip, .icmp = ip->hdr + ip->ihl, .hlim = hlim };
	bool hp = flags & XF_HAIRPIN;

	if (ip4_is_fragment(ip))
		return XLAT_ICMP_FRAGMENTED;
	if (ip->avail < ICMP_HDR)
		return XLAT_ICMP_SHORT;
	if (!icmp_map_4to6(e.icmp[0], e.icmp[1], &e.m))
		return XLAT_ICMP_TYPE;
	if (!icmp4_is_error(e.icmp[0])) {
		*info = e.m;
		return XLAT_OK;
	}
	if (ip->avail < ICMP_HDR + IP4_HDR)
		return XLAT_ICMP_SHORT;
	/* §4.2.1 rule 3: a router error sourced at the inner destination. */
	bool src_eam = !(hp && ip->src == inner_dst4(ip));
	enum xlat_verdict v = XLAT_OK;
	if (nat) /* RFC 6146 §3.7; the router itself as Pref64::R */
		e.d6 = nat->x6;
	else
		v = map_addr(ctx, ip->dst, true, false, &e.d6, XLAT_NO_MAP_DST);
	if (v == XLAT_OK)
		v = map_addr(ctx, ip->src, src_eam, true, &e.s6, XLAT_NO_MAP_SRC);
	if (v == XLAT_OK)
		v = err46_build(ctx, &e, flags, nat, out);
	/* Signal "done" to the caller with a distinct internal value. */
	return v == XLAT_OK ? XLAT__COUNT : v;
}

/* §4.4: a dropped packet is answered (icmperr_send4() skips errors). */
static void unreach4(const struct xlat_ctx *ctx, const struct ip4 *ip,
		     struct xlat_out *out, unsigned flags,
		     const struct xlat_nat *nat, uint8_t code, uint32_t rest)
{
	if (flags & XF_HAIRPIN)
		return;
	/* A NAT64 answers from the pool4 address the packet was sent to:
	 * 192.0.0.8 would not survive bogon filters on the way back. */
	icmperr_send4_from(ctx, out, ip->hdr, ip->tot_len, 3, code, rest,
			   nat ? nat->t4 : ctx->self4);
}

static enum xlat_verdict emit46(const struct xlat_ctx *ctx,
				const struct ip4 *ip, uint8_t hlim,
				const struct in6_addr *s6,
				const struct in6_addr *d6,
				const struct icmp_map *m, unsigned flags,
				const struct xlat_nat *nat, struct xlat_out *out);

/* §4.1 checks before the header is translated. */
static enum xlat_verdict pre46(const struct xlat_ctx *ctx, const struct ip4 *ip,
			       unsigned flags, const struct xlat_nat *nat,
			       struct xlat_out *out)
{
	if (flags & XF_HAIRPIN)
		return XLAT_OK;
	/* §4.1: an "illegal" source of an ICMPv4 error is translated anyway,
	 * for troubleshooting. */
	const uint8_t *l4 = ip->hdr + ip->ihl;
	bool is_err = ip->proto == PROTO_ICMP && ip->frag_off == 0 &&
		      ip->avail && icmp4_is_error(l4[0]);
	if (ctx->drop_invalid_src && src4_invalid(ip->src) && !is_err)
		return XLAT_SRC_INVALID;
	if (dst4_invalid(ip->dst))
		return XLAT_DST_INVALID;
	if (ip->ihl > IP4_HDR && has_source_route(ip)) {
		unreach4(ctx, ip, out, flags, nat, 5, 0);
		return XLAT_SOURCE_ROUTE;
	}
	if (ip->proto == PROTO_IGMP)
		return XLAT_IGMP;
	if (ip->ttl <= 1) {
		icmperr_send4_from(ctx, out, ip->hdr, ip->tot_len, 11, 0, 0,
				   nat ? nat->t4 : ctx->self4);
		return XLAT_TTL_EXPIRED;
	}
	return XLAT_OK;
}

enum xlat_verdict x46(const struct xlat_ctx *ctx, const uint8_t *pkt,
		      size_t len, uint64_t now, struct xlat_out *out,
		      unsigned flags, const struct xlat_nat *nat)
{
	struct ip4 ip;
	enum xlat_verdict v = ip4_parse(pkt, len, false, &ip);

	if (v != XLAT_OK)
		return v;
	return x46_ip(ctx, &ip, now, out, flags, nat);
}

enum xlat_verdict x46_ip(const struct xlat_ctx *ctx, const struct ip4 *ipp,
			 uint64_t now, struct xlat_out *out, unsigned flags,
			 const struct xlat_nat *nat)
{
	(void)now; /* stateless: nothing here depends on time */
	const struct ip4 ip = *ipp;
	struct in6_addr s6, d6;
	struct icmp_map m, *mp = NULL;
	enum xlat_verdict v = pre46(ctx, &ip, flags, nat, out);

	if (v != XLAT_OK)
		return v;
	uint8_t hlim = (flags & XF_HAIRPIN) ? ip.ttl : (uint8_t)(ip.ttl - 1);
	if (ip.proto == PROTO_ICMP) {
		v = icmp46(ctx, &ip, hlim, flags, nat, out, &m);
		if (v == XLAT__COUNT)
			return XLAT_OK;
		if (v != XLAT_OK)
			return v;
		mp = &m;
	}
	/* RFC 7757 §4.2.1 rule 1: no EAM for the source on the hairpin pass.
	 * RFC 6146 §3.6: the destination is the binding's. */
	if (nat)
		d6 = nat->x6;
	else
		v = map_addr(ctx, ip.dst, true, false, &d6, XLAT_NO_MAP_DST);
	if (v == XLAT_OK)
		v = map_addr(ctx, ip.src, !(flags & XF_HAIRPIN), false, &s6,
			     XLAT_NO_MAP_SRC);
	if (v != XLAT_OK) {
		unreach4(ctx, &ip, out, flags, nat, 13, 0);
		return v;
	}
	return emit46(ctx, &ip, hlim, &s6, &d6, mp, flags, nat, out);
}

/* §4.5: IPv4 UDP without checksum. */
static enum xlat_verdict udp_zero46(const struct xlat_ctx *ctx,
				    const struct ip4 *ip)
{
	const uint8_t *l4 = ip->hdr + ip->ihl;

	if (ip->proto != PROTO_UDP || ip->frag_off != 0 || ip->avail < 8 ||
	    get16(l4 + 6) != 0)
		return XLAT_OK;
	/* A first fragment cannot be summed without reassembly. */
	if (ctx->udp_zero == XLAT_UDP_ZERO_DROP || ip->mf)
		return XLAT_UDP_ZERO_CSUM;
	return XLAT_OK;
}

static enum xlat_verdict emit46(const struct xlat_ctx *ctx,
				const struct ip4 *ip, uint8_t hlim,
				const struct in6_addr *s6,
				const struct in6_addr *d6,
				const struct icmp_map *m, unsigned flags,
				const struct xlat_nat *nat, struct xlat_out *out)
{
	const struct xlat_offload *off = &out->in_off;
	bool partial = off->partial && !ip4_is_fragment(ip);
	bool gso = off->gso != XLAT_GSO_NONE && partial;
	enum xlat_verdict v = partial ? XLAT_OK : udp_zero46(ctx, ip);
	if (v != XLAT_OK)
		return v;
	unsigned ulen = ip->tot_len - ip->ihl;
	bool frag = ip4_is_fragment(ip);
	unsigned fmtu = ctx->lowest_ipv6_mtu < ctx->ipv6_mtu ?
			ctx->lowest_ipv6_mtu : ctx->ipv6_mtu;
	size_t plain = IP6_HDR + ulen + (frag ? FRAG6_HDR : 0);

	/* A GSO packet is checked segment by segment (gso_fit()). */
	if (ip->df && plain > ctx->ipv6_mtu && !gso) {
		/* §4.1: Fragmentation Needed, room for the IPv6 header. */
		uint32_t mtu = ctx->ipv6_mtu - (frag ? 28 : 20);
		unreach4(ctx, ip, out, flags, nat, 4,
			 mtu > 0xffff ? 0xffff : mtu);
		return XLAT_TOO_BIG;
	}
	bool split = !ip->df && plain > fmtu && !gso;
	if (split && !frag)
		plain += FRAG6_HDR;
	uint8_t *p = out_reserve(out, plain);
	if (!p)
		return XLAT_NO_SPACE;
	bool fh = frag || split;
	unsigned hl = IP6_HDR + (fh ? FRAG6_HDR : 0);
	uint8_t nh = ip->proto == PROTO_ICMP ? PROTO_ICMPV6 : ip->proto;
	put_ip6(p, tclass(ctx, ip->tos), ulen + (fh ? FRAG6_HDR : 0),
		fh ? PROTO_FRAGMENT : nh, hlim, s6, d6);
	if (fh)
		put_frag6(p + IP6_HDR, nh, ip);
	uint8_t *l4 = p + hl;
	memcpy(l4, ip->hdr + ip->ihl, ulen);
	if (ip->frag_off == 0) {
		if (!partial && ip->proto == PROTO_UDP && ulen >= 8 &&
		    get16(l4 + 6) == 0)
			udp_compute6(l4, ulen, s6, d6);
		else
			l4_fix46(l4, ulen, ip->proto, ip->src, ip->dst, s6, d6,
				 m, ulen, partial);
		if (nat)
			l4_port(l4, ulen, nh, true, nat->x_port, partial);
		if (partial && split) /* fragments cannot be summed later */
			l4_complete(l4, ulen, ip->proto);
	}
	if (!split) {
		out_push(out, p, plain, 6, XLAT_PKT_TRANSLATED);
		if (partial)
			gso_fit(&out->pkts[out->npkts - 1], off, l4, ulen,
				ip->proto, ctx->ipv6_mtu - IP6_HDR);
		return XLAT_OK;
	}
	/* Built whole, then cut: the whole packet stays unlisted in the
	 * output area, before the fragments. */
	out->used += (plain + 7) & ~(size_t)7;
	return frag_emit6(out, p, plain, fmtu);
}
