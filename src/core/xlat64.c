/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv6 → IPv4, RFC 7915 §5: header (§5.1), Fragment header (§5.1.1),
 * ICMPv6 → ICMPv4 (§5.2), ICMP error payloads (§5.3) with RFC 4884
 * extensions, generated errors (§5.4), checksums (§5.5).  Untranslatable
 * ICMPv6 error sources per RFC 6791 or the 192.0.0.8 draft; RFC 7757
 * §4.2.2 intrinsic hairpinning back into x46().
 */
#include <string.h>

#include "internal.h"

#define DUMMY4 0xc0000008u /* 192.0.0.8, RFC 7600 §6 */

static uint8_t tos(const struct xlat_ctx *ctx, uint8_t tc)
{
	return ctx->tos_mode == XLAT_TOS_COPY ? tc : ctx->tos_value;
}

struct hdr4 {
	unsigned tot_len;
	uint16_t id;
	bool df, mf;
	uint16_t frag_off; /* bytes */
	uint8_t tos, ttl, proto;
	uint32_t src, dst;
};

static void put_ip4(uint8_t *h, const struct hdr4 *f)
{
	uint16_t fo = (uint16_t)((f->df ? 0x4000 : 0) | (f->mf ? 0x2000 : 0) |
				 (f->frag_off / 8));
	/* Summed from the fields, not re-read from h: loading what was just
	 * stored byte by byte stalls store forwarding. */
	uint32_t sum = (0x4500u | f->tos) + f->tot_len + f->id + fo +
		       ((uint32_t)f->ttl << 8 | f->proto) +
		       csum_addr4(f->src, f->dst);

	h[0] = 0x45;
	h[1] = f->tos;
	put16(h + 2, (uint16_t)f->tot_len);
	put16(h + 4, f->id);
	put16(h + 6, fo);
	h[8] = f->ttl;
	h[9] = f->proto;
	put16(h + 10, csum_finish(sum));
	put32(h + 12, f->src);
	put32(h + 16, f->dst);
}

/* §5.1: ::, ::1 and multicast sources are never forwarded. */
static bool src6_invalid(const struct in6_addr *a)
{
	static const struct in6_addr any, lo = { .s6_addr = { [15] = 1 } };

	return a->s6_addr[0] == 0xff || memcmp(a, &any, 16) == 0 ||
	       memcmp(a, &lo, 16) == 0;
}

/* Fix the transport header after (s6, d6) became (s4, d4). */
static void l4_fix64(uint8_t *l4, size_t n, uint8_t proto,
		     const struct in6_addr *s6, const struct in6_addr *d6,
		     uint32_t s4, uint32_t d4, const struct icmp_map *m,
		     unsigned ulen, bool partial)
{
	if (proto == PROTO_TCP || proto == PROTO_UDP) {
		l4_readdress(l4, n, proto, csum_addr6(s6, d6), csum_addr4(s4, d4),
			     partial);
		return;
	}
	if (proto == PROTO_ICMPV6 && n >= 4 && m) {
		uint32_t o = get16(l4) + pseudo6(s6, d6, ulen, PROTO_ICMPV6);
		l4[0] = m->type;
		l4[1] = m->code;
		put16(l4 + 2, csum_replace(get16(l4 + 2), o, get16(l4)));
	}
}

static enum xlat_verdict map_addr(const struct xlat_ctx *ctx,
				  const struct in6_addr *a, bool icmp_src,
				  uint32_t *out, enum map_how *how,
				  enum xlat_verdict none)
{
	*how = map_6to4(ctx, a, out);
	if (*how == MAP_NONE)
		return none;
	if (map_wkp_refused(ctx, *how, *out, icmp_src))
		return XLAT_WKP_NONGLOBAL;
	return XLAT_OK;
}

/* §5.1 / §5.1.1: the IPv4 header fields derived from an IPv6 packet. */
static void hdr4_from(const struct xlat_ctx *ctx, const struct ip6 *ip,
		      uint32_t s4, uint32_t d4, uint8_t ttl, uint16_t gen_id,
		      struct hdr4 *h)
{
	unsigned ulen = IP6_HDR + ip->payload_len - ip->l4_off;

	h->tot_len = IP4_HDR + ulen;
	h->tos = tos(ctx, ip->tc);
	h->ttl = ttl;
	h->proto = ip->proto == PROTO_ICMPV6 ? PROTO_ICMP : ip->proto;
	h->src = s4;
	h->dst = d4;
	if (ip->frag) {
		h->id = (uint16_t)ip->frag_id;
		h->df = false;
		h->mf = ip->mf;
		h->frag_off = ip->frag_off;
	} else {
		h->id = gen_id;
		h->df = h->tot_len > IPV6_MIN_MTU - 20;
		h->mf = false;
		h->frag_off = 0;
	}
}

int inner_6to4(const struct xlat_ctx *ctx, const uint8_t *p, size_t len,
	       const struct xlat_nat *nat, uint8_t *dst, size_t cap,
	       bool *inner_frag, uint32_t *inner_src, enum map_how *src_how)
{
	struct ip6 ip;
	struct icmp_map m, *mp = NULL;
	uint32_t s4, d4;
	enum map_how dh;
	struct hdr4 h;

	if (ip6_parse(p, len, true, &ip) != XLAT_OK)
		return -XLAT_ICMP_INNER;
	const uint8_t *l4 = ip.hdr + ip.l4_off;
	if (ip.proto == PROTO_ICMPV6 && ip.frag_off == 0 && ip.avail >= 1) {
		if (icmp6_is_error(l4[0]))
			return -XLAT_ICMP_NESTED;
		if (ip.avail >= 2 && !icmp_map_6to4(l4[0], l4[1], &m))
			return -XLAT_ICMP_INNER;
		mp = &m;
	}
	if (map_addr(ctx, &ip.src, false, &s4, src_how, XLAT_ICMP_INNER))
		return -XLAT_ICMP_INNER;
	if (nat) /* RFC 6146 §3.7: the quoted destination is the binding's */
		d4 = nat->t4;
	else if (map_addr(ctx, &ip.dst, false, &d4, &dh, XLAT_ICMP_INNER))
		return -XLAT_ICMP_INNER;
	if (ip.l4_off > IP6_HDR + ip.payload_len)
		return -XLAT_ICMP_INNER;
	/* §5.3: the quoted packet keeps its hop limit. */
	hdr4_from(ctx, &ip, s4, d4, ip.hlim, 0, &h);
	if (cap < IP4_HDR)
		return -XLAT_NO_SPACE;
	size_t n = ip.avail < cap - IP4_HDR ? ip.avail : cap - IP4_HDR;
	put_ip4(dst, &h);
	memcpy(dst + IP4_HDR, l4, n);
	unsigned ulen = IP6_HDR + ip.payload_len - ip.l4_off;
	if (ip.frag_off == 0) {
		l4_fix64(dst + IP4_HDR, n, ip.proto, &ip.src, &ip.dst, s4, d4, mp,
			 ulen, false);
		if (nat)
			l4_port(dst + IP4_HDR, n, h.proto, true, nat->t_port,
				false);
	}
	*inner_frag = ip.frag;
	*inner_src = s4;
	return (int)(IP4_HDR + n);
}

/* Byte 4 of ICMPv6 types 1 and 3: RFC 4884 length in 64-bit words. */
static size_t ext6_split(const uint8_t *icmp, size_t body)
{
	if (icmp[0] != 1 && icmp[0] != 3)
		return body;
	size_t l = icmp[4] * 8u;
	if (l == 0 || l + 4 > body)
		return body;
	return l;
}

/* RFC 6791 §5: a pool address picked at random per message; the draft's
 * 192.0.0.8 when there is no pool. */
static enum xlat_verdict untrans_src(const struct xlat_ctx *ctx,
				     const uint8_t *icmp, uint64_t now,
				     uint32_t *out)
{
	bool pool = ctx->npool6791 > 0 && ctx->untrans_src != XLAT_UNTRANS_DUMMY;

	if (ctx->untrans_src == XLAT_UNTRANS_POOL && !ctx->npool6791)
		return XLAT_NO_MAP_SRC;
	if (!pool) {
		*out = DUMMY4;
		return XLAT_OK;
	}
	/* Mix the clock with message bytes: no state, yet spread. */
	uint64_t x = now ^ ((uint64_t)get32(icmp) << 32) ^ get32(icmp + 4);
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	*out = ctx->pool6791[x % ctx->npool6791];
	return XLAT_OK;
}

struct err64 {
	const struct ip6 *ip;
	const uint8_t *icmp;
	struct icmp_map m;
	uint32_t s4, d4;
	unsigned ulen;
	bool untranslatable; /* outer source had no mapping */
	bool hairpin;
};

#define NODEID_OBJ 24 /* object header 4 + AFI/reserved 4 + address 16 */

/*
 * draft-ietf-v6ops-icmpext-xlat-v6only-source §4.1/§4.2 and RFC 6791 §4:
 * append a Node Identification Object (class 5, C-Type bit "IPAddr") with
 * the untranslatable IPv6 source to the extension structure, creating one
 * (version 2) when the message had none.  Writes into buf; returns the new
 * structure's length.
 */
static size_t nodeid_append(const uint8_t *ext, size_t elen,
			    const struct in6_addr *src, uint8_t *buf)
{
	size_t n = elen;

	if (elen) {
		memcpy(buf, ext, elen);
	} else {
		buf[0] = 0x20; /* version 2, RFC 4884 §7 */
		buf[1] = 0;
		n = 4;
	}
	uint8_t *o = buf + n;
	put16(o, NODEID_OBJ);
	o[2] = 5;    /* Class-Num: Node Identification */
	o[3] = 0x04; /* C-Type: bit 5, IP Address Sub-Object present */
	put16(o + 4, 2); /* AFI 2: IPv6 */
	put16(o + 6, 0);
	memcpy(o + 8, src, 16);
	n += NODEID_OBJ;
	buf[2] = buf[3] = 0;
	put16(buf + 2, csum_finish(csum_partial(buf, n, 0)));
	return n;
}

static enum xlat_verdict err64_rest(const struct xlat_ctx *ctx,
				    const struct err64 *e, bool inner_frag,
				    uint32_t *rest)
{
	*rest = 0;
	if (e->m.is_mtu) {
		*rest = icmp_mtu_6to4(ctx, get32(e->icmp + 4), inner_frag);
	} else if (e->m.has_ptr) {
		uint32_t ptr = get32(e->icmp + 4);
		int p = ptr > 255 ? -1 : icmp_ptr_6to4(ptr);
		if (p < 0)
			return XLAT_ICMP_POINTER;
		*rest = (uint32_t)p << 24;
	}
	return XLAT_OK;
}

/* §5.2/§5.3: translate an ICMPv6 error with its quoted packet. */
static enum xlat_verdict err64_build(const struct xlat_ctx *ctx,
				     struct err64 *e,
				     const struct xlat_nat *nat, uint8_t *p,
				     size_t *plen)
{
	const struct ip6 *ip = e->ip;
	size_t body = e->ulen - ICMP_HDR;
	const uint8_t *inner = e->icmp + ICMP_HDR;
	size_t ilen = ext6_split(e->icmp, body);
	size_t elen = e->m.ext_ok && ilen < body ? body - ilen : 0;
	bool withext = elen || (e->untranslatable && ctx->icmp_source_object);
	size_t max = withext ? ICMP4_ERR_MAX : ctx->ipv4_mtu;
	size_t room = max - IP4_HDR - ICMP_HDR;
	uint8_t *ic = p + IP4_HDR;
	bool ifrag = false;
	uint32_t isrc = 0, rest;
	enum map_how ihow = MAP_NONE;

	int n = inner_6to4(ctx, inner, ilen, nat, ic + ICMP_HDR, room, &ifrag,
			   &isrc, &ihow);
	if (n < 0)
		return (enum xlat_verdict)-n;
	enum xlat_verdict v = err64_rest(ctx, e, ifrag, &rest);
	if (v != XLAT_OK)
		return v;
	/* RFC 7757 §4.2.2 condition set B. */
	e->hairpin = !nat && ctx->eam_hairpin && ihow == MAP_RFC6052 &&
		     eam_lookup4(ctx->eam, isrc, &(struct in6_addr){ 0 });
	size_t qlen = (size_t)n;
	const uint8_t *ext = inner + ilen;
	/* Nothing larger than an ICMPv4 error may carry can use the object:
	 * an extension that long is cut by the layout anyway, so it is left
	 * as it is rather than copied past ebuf. */
	uint8_t ebuf[ICMP4_ERR_MAX];
	bool fits = elen + 4 + NODEID_OBJ <= sizeof(ebuf);
	/* The object is for IPv4 receivers; a hairpinned error stays IPv6. */
	if (e->untranslatable && ctx->icmp_source_object && !e->hairpin &&
	    fits) {
		elen = nodeid_append(ext, elen, &ip->src, ebuf);
		ext = ebuf;
	}
	if (elen) {
		unsigned la;
		qlen = icmp_ext_layout(ic + ICMP_HDR, qlen, ext, elen, room, 4,
				       true, &la);
		rest |= (uint32_t)la << 16;
	}
	size_t icmp_len = ICMP_HDR + qlen;
	ic[0] = e->m.type;
	ic[1] = e->m.code;
	put16(ic + 2, 0);
	put32(ic + 4, rest);
	uint32_t orig = csum_partial(e->icmp, e->ulen,
				     pseudo6(&ip->src, &ip->dst, e->ulen,
					     PROTO_ICMPV6));
	uint32_t now = csum_partial(ic, icmp_len, 0);
	put16(ic + 2, csum_fold(csum_fold(orig) + (uint16_t)~csum_fold(now)));
	*plen = IP4_HDR + icmp_len;
	return XLAT_OK;
}

static enum xlat_verdict hairpin(const struct xlat_ctx *ctx, uint8_t *p,
				 size_t len, uint64_t now, struct xlat_out *out)
{
	/* The IPv4 form stays unlisted in the output area; the second pass
	 * writes after it. */
	out->used = (size_t)(p - out->buf) + ((len + 7) & ~(size_t)7);
	return x46(ctx, p, len, now, out, XF_HAIRPIN, NULL);
}

/* RFC 6146 §3.7: the outer source of an ICMPv6 error is T, or, from a
 * node other than the client when asked, the untranslatable-source rule
 * (CONFORMANCE.md section 15). */
static enum xlat_verdict nat_err_src(const struct xlat_ctx *ctx,
				     const struct ip6 *ip,
				     const struct xlat_nat *nat,
				     struct err64 *e, uint64_t now)
{
	if (nat->router_dummy && memcmp(&ip->src, &nat->x6, 16) != 0) {
		e->untranslatable = true;
		return untrans_src(ctx, e->icmp, now, &e->s4);
	}
	e->s4 = nat->t4;
	return XLAT_OK;
}

static enum xlat_verdict icmp64_err(const struct xlat_ctx *ctx,
				    const struct ip6 *ip, uint64_t now,
				    const struct xlat_nat *nat,
				    struct xlat_out *out)
{
	struct err64 e = { .ip = ip, .icmp = ip->hdr + ip->l4_off };
	enum map_how how;
	struct hdr4 h;
	size_t len;

	e.ulen = IP6_HDR + ip->payload_len - ip->l4_off;
	if (!icmp_map_6to4(e.icmp[0], e.icmp[1], &e.m))
		return XLAT_ICMP_TYPE;
	if (e.ulen < ICMP_HDR + IP6_HDR)
		return XLAT_ICMP_SHORT;
	enum xlat_verdict v = map_addr(ctx, &ip->dst, false, &e.d4, &how,
				       XLAT_NO_MAP_DST);
	if (v != XLAT_OK)
		return v;
	if (nat) {
		v = nat_err_src(ctx, ip, nat, &e, now);
	} else {
		v = map_addr(ctx, &ip->src, true, &e.s4, &how, XLAT_OK);
		e.untranslatable = v == XLAT_OK && how == MAP_NONE;
		if (e.untranslatable)
			v = untrans_src(ctx, e.icmp, now, &e.s4);
	}
	if (v != XLAT_OK)
		return v;
	uint8_t *p = out_reserve(out, ctx->ipv4_mtu > ICMP4_ERR_MAX ?
					      ctx->ipv4_mtu : ICMP4_ERR_MAX);
	if (!p)
		return XLAT_NO_SPACE;
	v = err64_build(ctx, &e, nat, p, &len);
	if (v != XLAT_OK)
		return v;
	hdr4_from(ctx, ip, e.s4, e.d4, (uint8_t)(ip->hlim - 1),
		  (uint16_t)out->ipv4_id++, &h);
	h.tot_len = (unsigned)len;
	h.df = !ip->frag && len > IPV6_MIN_MTU - 20;
	put_ip4(p, &h);
	if (e.hairpin)
		return hairpin(ctx, p, len, now, out);
	out_push(out, p, len, 4, XLAT_PKT_TRANSLATED);
	/* A NAT64 hairpin (nat->hairpin_out) takes it from here. */
	return XLAT_OK;
}

/* RFC 4443 §2.4(e): never an error about an ICMPv6 error. */
static bool is_icmp6_error(const struct ip6 *ip)
{
	const uint8_t *l4 = ip->hdr + ip->l4_off;

	return ip->proto == PROTO_ICMPV6 && ip->frag_off == 0 && ip->avail &&
	       icmp6_is_error(l4[0]);
}

static void error6(const struct xlat_ctx *ctx, const struct ip6 *ip,
		   struct xlat_out *out, uint8_t type, uint8_t code,
		   uint32_t rest)
{
	if (!is_icmp6_error(ip))
		icmperr_send6(ctx, out, ip->hdr, IP6_HDR + ip->payload_len, type,
			      code, rest);
}

/* §5.1 checks before the header is translated. */
static enum xlat_verdict pre64(const struct xlat_ctx *ctx, const struct ip6 *ip,
			       struct xlat_out *out)
{
	if (ctx->drop_invalid_src && src6_invalid(&ip->src))
		return XLAT_SRC_INVALID;
	if (ip->dst.s6_addr[0] == 0xff)
		return XLAT_DST_INVALID;
	if (ip->segleft_off >= 0) {
		/* Pointer at the Segments Left byte (§5.1). */
		error6(ctx, ip, out, 4, 0, (uint32_t)ip->segleft_off);
		return XLAT_SEGMENTS_LEFT;
	}
	if (ip->hlim <= 1) {
		error6(ctx, ip, out, 3, 0, 0);
		return XLAT_TTL_EXPIRED;
	}
	return XLAT_OK;
}

/* §5.4: ICMPv6 1/1 for an untranslatable packet, never for ICMPv6. */
static void unreach6(const struct xlat_ctx *ctx, const struct ip6 *ip,
		     struct xlat_out *out)
{
	if (ip->proto != PROTO_ICMPV6)
		icmperr_send6(ctx, out, ip->hdr, IP6_HDR + ip->payload_len, 1, 1,
			      0);
}

static enum xlat_verdict emit64(const struct xlat_ctx *ctx,
				const struct ip6 *ip, const struct hdr4 *h,
				const struct icmp_map *m, bool hp, uint64_t now,
				const struct xlat_nat *nat, struct xlat_out *out)
{
	unsigned ulen = h->tot_len - IP4_HDR;
	bool partial = out->in_off.partial && !ip->frag;
	bool gso = partial && out->in_off.gso != XLAT_GSO_NONE;
	bool whole = hp || (nat && nat->hairpin_out) || gso;

	if (h->tot_len > 0xffff)
		return XLAT_BAD_HEADER; /* a GSO packet IPv4 cannot carry */
	if (h->tot_len > ctx->ipv4_mtu && !whole &&
	    IP6_HDR + ip->payload_len > IPV6_MIN_MTU) {
		/* §1.4: too big for the IPv4 side and not small enough to be
		 * fragmented for it. */
		uint32_t mtu = ctx->ipv4_mtu + (ip->frag ? 28 : 20);
		/* §5: never below the IPv6 minimum; packets of 1280 bytes
		 * are then fragmented for IPv4 (§5.1.1). */
		icmperr_send6(ctx, out, ip->hdr, IP6_HDR + ip->payload_len, 2, 0,
			      mtu < IPV6_MIN_MTU ? IPV6_MIN_MTU : mtu);
		return XLAT_TOO_BIG;
	}
	uint8_t *p = out_reserve(out, h->tot_len);
	if (!p)
		return XLAT_NO_SPACE;
	put_ip4(p, h);
	uint8_t *l4 = p + IP4_HDR;
	memcpy(l4, ip->hdr + ip->l4_off, ulen);
	if (ip->frag_off == 0) {
		l4_fix64(l4, ulen, ip->proto, &ip->src, &ip->dst, h->src, h->dst,
			 m, ulen, partial);
		if (nat)
			l4_port(l4, ulen, h->proto, false, nat->t_port, partial);
	}
	if (hp)
		return hairpin(ctx, p, h->tot_len, now, out);
	if (h->tot_len <= ctx->ipv4_mtu || whole) {
		out_push(out, p, h->tot_len, 4, XLAT_PKT_TRANSLATED);
		if (partial)
			gso_fit(&out->pkts[out->npkts - 1], &out->in_off, l4, ulen,
				h->proto, ctx->ipv4_mtu - IP4_HDR);
		return XLAT_OK;
	}
	if (partial) /* fragments cannot be summed later */
		l4_complete(l4, ulen, h->proto);
	/* §5.1.1: an IPv6 packet of at most 1280 bytes is fragmented. */
	out->used += (h->tot_len + 7) & ~(size_t)7;
	return frag_emit4(out, p, h->tot_len, ctx->ipv4_mtu);
}

static enum xlat_verdict udp_zero64(const struct ip6 *ip)
{
	const uint8_t *l4 = ip->hdr + ip->l4_off;

	/* RFC 8200 §8.1: IPv6 UDP must carry a checksum. */
	if (ip->proto == PROTO_UDP && ip->frag_off == 0 && ip->avail >= 8 &&
	    get16(l4 + 6) == 0)
		return XLAT_UDP_ZERO_CSUM;
	return XLAT_OK;
}

enum xlat_verdict x64(const struct xlat_ctx *ctx, const uint8_t *pkt,
		      size_t len, uint64_t now, struct xlat_out *out,
		      const struct xlat_nat *nat)
{
	struct ip6 ip;
	enum xlat_verdict v = ip6_parse(pkt, len, false, &ip);

	if (v == XLAT_FRAG_EXT_HDR) /* §5.4: untranslatable, not malformed */
		unreach6(ctx, &ip, out);
	if (v != XLAT_OK)
		return v;
	return x64_ip(ctx, &ip, now, out, nat);
}

enum xlat_verdict x64_ip(const struct xlat_ctx *ctx, const struct ip6 *ipp,
			 uint64_t now, struct xlat_out *out,
			 const struct xlat_nat *nat)
{
	const struct ip6 ip = *ipp;
	struct icmp_map m, *mp = NULL;
	uint32_t s4, d4;
	enum map_how sh, dh;
	struct hdr4 h;
	enum xlat_verdict v = pre64(ctx, &ip, out);

	if (v != XLAT_OK)
		return v;
	if (ip.proto == PROTO_ICMPV6) {
		const uint8_t *l4 = ip.hdr + ip.l4_off;
		if (ip6_is_fragment(&ip))
			return XLAT_ICMP_FRAGMENTED;
		if (ip.avail < ICMP_HDR)
			return XLAT_ICMP_SHORT;
		if (icmp6_is_error(l4[0]))
			return icmp64_err(ctx, &ip, now, nat, out);
		if (!icmp_map_6to4(l4[0], l4[1], &m))
			return XLAT_ICMP_TYPE;
		mp = &m;
	}
	v = udp_zero64(&ip);
	if (v != XLAT_OK)
		return v;
	v = map_addr(ctx, &ip.dst, false, &d4, &dh, XLAT_NO_MAP_DST);
	if (v == XLAT_OK && nat) /* RFC 6146 §3.6: the source is the binding's */
		s4 = nat->t4;
	else if (v == XLAT_OK)
		v = map_addr(ctx, &ip.src, false, &s4, &sh, XLAT_NO_MAP_SRC);
	if (v != XLAT_OK) {
		unreach6(ctx, &ip, out);
		return v;
	}
	hdr4_from(ctx, &ip, s4, d4, (uint8_t)(ip.hlim - 1),
		  (uint16_t)out->ipv4_id++, &h);
	/* RFC 7757 §4.2.2 condition set A. */
	bool hp = !nat && ctx->eam_hairpin && dh == MAP_RFC6052 &&
		  eam_lookup4(ctx->eam, d4, &(struct in6_addr){ 0 });
	return emit64(ctx, &ip, &h, mp, hp, now, nat, out);
}
