/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Translation core: context defaults, verdict names, output area, address
 * mapping (RFC 7915 §6: RFC 6052 with RFC 7757 EAM first), header parsing.
 */
#include <string.h>

#include "internal.h"

static const char *const reason_names[] = {
#define X_NAME(id, name, desc) #name,
	XLAT_REASONS(X_NAME)
#undef X_NAME
};

static const char *const reason_descs[] = {
#define X_DESC(id, name, desc) desc,
	XLAT_REASONS(X_DESC)
#undef X_DESC
};

const char *xlat_reason_name(enum xlat_verdict v)
{
	return (unsigned)v < XLAT__COUNT ? reason_names[v] : "unknown";
}

const char *xlat_reason_desc(enum xlat_verdict v)
{
	return (unsigned)v < XLAT__COUNT ? reason_descs[v] : "unknown";
}

/* RFC 6052 §3.1 (RFC 1918, RFC 5735 §3) plus RFC 6598's shared space. */
static const struct prefix4 default_nonglobal[] = {
	{ 0x00000000, 8 },  { 0x0a000000, 8 },  { 0x7f000000, 8 },
	{ 0xa9fe0000, 16 }, { 0xac100000, 12 }, { 0xc0000000, 24 },
	{ 0xc0000200, 24 }, { 0xc0586300, 24 }, { 0xc0a80000, 16 },
	{ 0xc6120000, 15 }, { 0xc6336400, 24 }, { 0xcb007100, 24 },
	{ 0xe0000000, 4 },  { 0xf0000000, 4 },  { 0x64400000, 10 },
};

static const uint16_t rfc1191_plateaus[] = {
	65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68,
};

void xlat_ctx_init(struct xlat_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->lowest_ipv6_mtu = IPV6_MIN_MTU;
	ctx->ipv4_mtu = 1500;
	ctx->ipv6_mtu = 1500;
	ctx->nplateaus = sizeof(rfc1191_plateaus) / sizeof(rfc1191_plateaus[0]);
	memcpy(ctx->plateaus, rfc1191_plateaus, sizeof(rfc1191_plateaus));
	ctx->nnonglobal = sizeof(default_nonglobal) / sizeof(default_nonglobal[0]);
	memcpy(ctx->nonglobal, default_nonglobal, sizeof(default_nonglobal));
	ctx->self4 = 0xc0000008; /* 192.0.0.8, RFC 7600 §6 */
	ctx->icmp_errors = true;
	ctx->icmp_source_object = true;
	ctx->eam_hairpin = true;
	ctx->drop_invalid_src = true;
}

uint8_t *out_reserve(struct xlat_out *out, size_t len)
{
	if (out->npkts >= XLAT_MAX_OUT || sizeof(out->buf) - out->used < len)
		return NULL;
	return out->buf + out->used;
}

void out_push(struct xlat_out *out, uint8_t *data, size_t len, int family,
	      enum xlat_kind kind)
{
	struct xlat_pkt *p = &out->pkts[out->npkts++];

	p->data = data;
	p->len = (uint32_t)len;
	p->family = (uint8_t)family;
	p->kind = (uint8_t)kind;
	p->off = (struct xlat_offload){ 0 };
	/* Keep every packet start 8-byte aligned for the writers after us. */
	out->used = (size_t)(data - out->buf) + ((len + 7) & ~(size_t)7);
}

static bool map_nonglobal4(const struct xlat_ctx *ctx, uint32_t a)
{
	for (unsigned i = 0; i < ctx->nnonglobal; i++)
		if (addr4_match(a, ctx->nonglobal[i].addr, ctx->nonglobal[i].len))
			return true;
	return false;
}

bool map_wkp_refused(const struct xlat_ctx *ctx, enum map_how how,
		     uint32_t v4, bool icmp_source)
{
	if (how != MAP_RFC6052 || ctx->allow_nonglobal_wkp)
		return false;
	if (icmp_source && ctx->allow_nonglobal_wkp_icmp)
		return false;
	return addr_pref64_is_wkp(&ctx->pool6) && map_nonglobal4(ctx, v4);
}

enum map_how map_4to6(const struct xlat_ctx *ctx, uint32_t a, bool use_eam,
		      struct in6_addr *out)
{
	if (use_eam && eam_lookup4(ctx->eam, a, out))
		return MAP_EAM;
	if (ctx->pool6.len == 0)
		return MAP_NONE;
	addr_embed(&ctx->pool6, a, out);
	return MAP_RFC6052;
}

enum map_how map_6to4(const struct xlat_ctx *ctx, const struct in6_addr *a,
		      uint32_t *out)
{
	if (eam_lookup6(ctx->eam, a, out))
		return MAP_EAM;
	if (!addr_in_pref64(&ctx->pool6, a))
		return MAP_NONE;
	*out = addr_extract(&ctx->pool6, a);
	return MAP_RFC6052;
}

void ip4_set_csum(uint8_t *hdr)
{
	unsigned ihl = (hdr[0] & 0x0f) * 4u;

	hdr[10] = hdr[11] = 0;
	/* The constant length lets the common header's sum unroll. */
	uint32_t sum = ihl == IP4_HDR ? csum_partial(hdr, IP4_HDR, 0) :
					csum_partial(hdr, ihl, 0);
	put16(hdr + 10, csum_finish(sum));
}

static unsigned l4_csum_off(uint8_t proto)
{
	return proto == PROTO_TCP ? 16 : proto == PROTO_UDP ? 6 : 0;
}

void l4_readdress(uint8_t *l4, size_t n, uint8_t proto, uint32_t old,
		  uint32_t new, bool partial)
{
	unsigned co = l4_csum_off(proto);

	if (partial) {
		/* Not complemented: add new, take old away. */
		if (co && n >= co + 2)
			put16(l4 + co, csum_fold(get16(l4 + co) +
						 (uint16_t)~csum_fold(old) +
						 csum_fold(new)));
		return;
	}
	switch (proto) {
	case PROTO_TCP:
		if (n >= 18)
			put16(l4 + 16, csum_replace(get16(l4 + 16), old, new));
		break;
	case PROTO_UDP:
		if (n >= 8 && get16(l4 + 6) != 0) {
			uint16_t c = csum_replace(get16(l4 + 6), old, new);
			put16(l4 + 6, c ? c : 0xffff);
		}
		break;
	}
}

void l4_complete(uint8_t *l4, size_t n, uint8_t proto)
{
	unsigned co = l4_csum_off(proto);

	/* The field holds the pseudo-header sum: summing the segment with it
	 * in place gives the whole sum. */
	if (co && n >= co + 2) {
		uint16_t c = csum_finish(csum_partial(l4, n, 0));
		put16(l4 + co, proto == PROTO_UDP && c == 0 ? 0xffff : c);
	}
}

void l4_port(uint8_t *l4, size_t n, uint8_t proto, bool dst, uint16_t port,
	     bool partial)
{
	unsigned off = dst ? 2 : 0, coff;

	switch (proto) {
	case PROTO_TCP:
		coff = 16;
		break;
	case PROTO_UDP:
		coff = 6;
		break;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		off = 4;
		coff = 2;
		break;
	default:
		return;
	}
	if (n < off + 2)
		return;
	uint16_t old = get16(l4 + off);
	put16(l4 + off, port);
	/* A partial checksum does not cover the transport header yet. */
	if (n < coff + 2 || (partial && coff != 2) ||
	    (proto == PROTO_UDP && get16(l4 + 6) == 0))
		return;
	uint16_t c = csum_replace(get16(l4 + coff), old, port);
	if (proto == PROTO_UDP && c == 0)
		c = 0xffff;
	put16(l4 + coff, c);
}

/*
 * Parse an IPv4 header.  For an outer packet the whole datagram must be
 * present and the header checksum right; a quoted (inner) packet may be
 * cut short after its header, and its checksum is not checked.
 */
enum xlat_verdict ip4_parse(const uint8_t *p, size_t len, bool inner,
			    struct ip4 *ip)
{
	struct wire w;

	wire_init(&w, p, len);
	uint8_t vihl = wire_u8(&w);
	ip->tos = wire_u8(&w);
	ip->tot_len = wire_u16(&w);
	ip->id = wire_u16(&w);
	uint16_t fo = wire_u16(&w);
	ip->ttl = wire_u8(&w);
	ip->proto = wire_u8(&w);
	wire_skip(&w, 2);
	ip->src = wire_u32(&w);
	ip->dst = wire_u32(&w);
	if (w.err)
		return XLAT_TRUNCATED;
	if (vihl >> 4 != 4)
		return XLAT_BAD_VERSION;
	ip->ihl = (vihl & 0x0f) * 4u;
	if (ip->ihl < IP4_HDR || ip->tot_len < ip->ihl)
		return XLAT_BAD_HEADER;
	if (len < ip->ihl)
		return XLAT_TRUNCATED;
	if (!inner && ip->tot_len > len)
		return XLAT_TRUNCATED;
	ip->df = fo & 0x4000;
	ip->mf = fo & 0x2000;
	ip->frag_off = (uint16_t)((fo & 0x1fff) * 8);
	ip->hdr = p;
	size_t have = (len < ip->tot_len ? len : ip->tot_len) - ip->ihl;
	ip->avail = (unsigned)have;
	if (!inner) {
		uint32_t sum = ip->ihl == IP4_HDR ? csum_partial(p, IP4_HDR, 0) :
						    csum_partial(p, ip->ihl, 0);
		if (csum_fold(sum) != 0xffff)
			return XLAT_BAD_IP4_CSUM;
	}
	return XLAT_OK;
}

/* RFC 7915 §5.1: the headers a translator skips (Fragment is handled). */
static bool is_skipped_hdr(uint8_t nh)
{
	return nh == PROTO_HOPOPTS || nh == PROTO_ROUTING ||
	       nh == PROTO_FRAGMENT || nh == PROTO_DSTOPTS;
}

/* RFC 8200 §4 and the IANA list: every extension header, AH included.
 * §5.1.1 refuses any of them after a Fragment header; ESP may follow. */
static bool is_ext_hdr(uint8_t nh)
{
	switch (nh) {
	case PROTO_HOPOPTS: case PROTO_ROUTING: case PROTO_FRAGMENT:
	case PROTO_DSTOPTS: case PROTO_AH: case 135: case 139: case 140:
	case 253: case 254:
		return true;
	default:
		return false;
	}
}

/* Walk one extension header at w's offset; updates *nh. */
static enum xlat_verdict ip6_ext(struct wire *w, struct ip6 *ip, uint8_t *nh,
				 bool first)
{
	size_t start = w->off;
	uint8_t next = wire_u8(w);

	switch (*nh) {
	case PROTO_HOPOPTS:
		if (!first)
			return XLAT_BAD_EXT_HDR;
		/* fall through */
	case PROTO_DSTOPTS: /* 8 * (len + 1) bytes, 2 read so far */
		wire_skip(w, 6 + 8u * wire_u8(w));
		break;
	case PROTO_ROUTING: {
		uint8_t hlen = wire_u8(w);
		wire_u8(w); /* routing type */
		uint8_t segleft = wire_u8(w);
		if (segleft && ip->segleft_off < 0)
			ip->segleft_off = (int)start + 3;
		wire_skip(w, 4 + 8u * hlen);
		break;
	}
	case PROTO_FRAGMENT: {
		if (ip->frag)
			return XLAT_BAD_EXT_HDR;
		wire_u8(w);
		uint16_t fo = wire_u16(w);
		ip->frag_id = wire_u32(w);
		ip->frag = true;
		ip->frag_off = fo & 0xfff8;
		ip->mf = fo & 1;
		break;
	}
	}
	if (w->err)
		return XLAT_BAD_EXT_HDR;
	*nh = next;
	return XLAT_OK;
}

/* The fixed IPv6 header into *ip; w is left at the first Next Header. */
static enum xlat_verdict ip6_fixed(struct wire *w, size_t len, bool inner,
				   struct ip6 *ip, uint8_t *nh)
{
	uint32_t vtf = wire_u32(w);
	ip->payload_len = wire_u16(w);
	*nh = wire_u8(w);
	ip->hlim = wire_u8(w);
	const uint8_t *s = wire_take(w, 16), *d = wire_take(w, 16);
	if (w->err)
		return XLAT_TRUNCATED;
	if (vtf >> 28 != 6)
		return XLAT_BAD_VERSION;
	if (ip->payload_len == 0)
		return XLAT_BAD_HEADER; /* jumbogram or empty: not translatable */
	if (!inner && (size_t)ip->payload_len + IP6_HDR > len)
		return XLAT_TRUNCATED;
	if (!inner)
		w->len = IP6_HDR + ip->payload_len; /* ignore link padding */
	ip->tc = (uint8_t)(vtf >> 20);
	ip->flow = vtf & 0xfffff;
	memcpy(&ip->src, s, 16);
	memcpy(&ip->dst, d, 16);
	ip->frag = false;
	ip->frag_off = 0;
	ip->mf = false;
	ip->frag_id = 0;
	ip->segleft_off = -1;
	return XLAT_OK;
}

/*
 * Walk the headers RFC 7915 §5.1 skips.  §5.1.1: only ESP may follow a
 * Fragment header; every fragment repeats that Next Header, so later
 * fragments are held to the same rule.  A refused chain is still walked to
 * its upper layer, because §5.4 sends no error about an ICMPv6 message.
 */
static enum xlat_verdict ip6_chain(struct wire *w, bool inner, struct ip6 *ip,
				   uint8_t *nh)
{
	for (bool first = true; is_skipped_hdr(*nh) && !ip->frag; first = false) {
		enum xlat_verdict v = ip6_ext(w, ip, nh, first);
		if (v != XLAT_OK)
			return inner && w->err ? XLAT_TRUNCATED : v;
	}
	if (!ip->frag || !is_ext_hdr(*nh))
		return XLAT_OK;
	while (*nh != PROTO_FRAGMENT && is_skipped_hdr(*nh) &&
	       ip6_ext(w, ip, nh, false) == XLAT_OK)
		;
	ip->proto = *nh;
	return XLAT_FRAG_EXT_HDR;
}

/*
 * Parse an IPv6 header and walk its extension headers up to the upper
 * layer.  For an outer packet the whole payload must be present; a quoted
 * (inner) packet may be cut short.
 */
enum xlat_verdict ip6_parse(const uint8_t *p, size_t len, bool inner,
			    struct ip6 *ip)
{
	struct wire w;
	uint8_t nh;

	wire_init(&w, p, len);
	enum xlat_verdict v = ip6_fixed(&w, len, inner, ip, &nh);
	if (v != XLAT_OK)
		return v;
	ip->hdr = p;
	v = ip6_chain(&w, inner, ip, &nh);
	if (v != XLAT_OK)
		return v;
	ip->proto = nh;
	ip->l4_off = (unsigned)w.off;
	if (ip->l4_off > IP6_HDR + ip->payload_len)
		return XLAT_BAD_EXT_HDR;
	size_t end = inner ? len : IP6_HDR + (size_t)ip->payload_len;
	ip->avail = (unsigned)((end > len ? len : end) - ip->l4_off);
	return XLAT_OK;
}

void out_reset(struct xlat_out *out, const struct xlat_offload *off)
{
	out->npkts = 0;
	out->used = 0;
	out->in_off = off ? *off : (struct xlat_offload){ 0 };
}

enum xlat_verdict xlat_4to6(const struct xlat_ctx *ctx, const uint8_t *pkt,
			    size_t len, uint64_t now, struct xlat_out *out)
{
	out_reset(out, NULL);
	return x46(ctx, pkt, len, now, out, 0, NULL);
}

enum xlat_verdict xlat_6to4(const struct xlat_ctx *ctx, const uint8_t *pkt,
			    size_t len, uint64_t now, struct xlat_out *out)
{
	out_reset(out, NULL);
	return x64(ctx, pkt, len, now, out, NULL);
}

enum xlat_verdict xlat_packet_off(const struct xlat_ctx *ctx,
				  const uint8_t *pkt, size_t len,
				  const struct xlat_offload *off, uint64_t now,
				  struct xlat_out *out)
{
	out_reset(out, off);
	if (len == 0)
		return XLAT_TRUNCATED;
	if (pkt[0] >> 4 == 6)
		return x64(ctx, pkt, len, now, out, NULL);
	return x46(ctx, pkt, len, now, out, 0, NULL);
}

enum xlat_verdict xlat_packet(const struct xlat_ctx *ctx, const uint8_t *pkt,
			      size_t len, uint64_t now, struct xlat_out *out)
{
	return xlat_packet_off(ctx, pkt, len, NULL, now, out);
}
