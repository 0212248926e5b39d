/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared by the packet fuzz harnesses: the translator contexts they run
 * with, and the invariants every xlat_4to6()/xlat_6to4() result must hold
 * whatever the input.  A violated invariant traps, so libFuzzer and the
 * corpus replay both report it as a crash.
 */
#ifndef SIXGATE_FUZZ_XLAT_H
#define SIXGATE_FUZZ_XLAT_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/xlat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_CHECK(cond)                                                         \
	do {                                                                   \
		if (!(cond))                                                   \
			__builtin_trap();                                      \
	} while (0)

static inline uint16_t fz_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t fz_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += fz_get16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static inline uint16_t fz_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Checksum over the IPv6 pseudo-header (RFC 8200 §8.1) and the upper-layer
 * data; 0xffff when the stored checksum is right. */
static inline uint16_t fz_sum6(const uint8_t *ip6, const uint8_t *l4,
			       size_t l4len, uint8_t nh)
{
	uint32_t sum = fz_sum(ip6 + 8, 32, 0);

	sum += (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff) + nh;
	return fz_fold(fz_sum(l4, l4len, sum));
}

static inline void fz_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Fill ctx->self6 the way the configuration layer does: pool6 + self4. */
static inline void fz_set_self6(struct xlat_ctx *ctx)
{
	if (ctx->pool6.len)
		addr_embed(&ctx->pool6, ctx->self4, &ctx->self6);
}

static inline void fz_pool6(struct xlat_ctx *ctx, const char *s)
{
	unsigned len = 0;

	FZ_CHECK(addr_parse6_prefix(s, &ctx->pool6.prefix, &len, true) == 0);
	ctx->pool6.len = (uint8_t)len;
}

static inline void fz_eam(struct eam_table *t, const char *v4, const char *v6)
{
	struct eam_entry e;
	unsigned l4 = 0, l6 = 0;
	bool overlap = false;

	memset(&e, 0, sizeof(e));
	FZ_CHECK(addr_parse4_prefix(v4, &e.v4, &l4) == 0);
	FZ_CHECK(addr_parse6_prefix(v6, &e.v6, &l6, true) == 0);
	e.len4 = (uint8_t)l4;
	e.len6 = (uint8_t)l6;
	FZ_CHECK(eam_add(t, &e, &overlap) == 0);
}

/*
 * Context A: the lab set-up of samples/sample.conf and more: the well-known
 * prefix with non-global addresses allowed, an EAM table with host, subnet
 * and overlapping rows, and an RFC 6791 pool.
 */
static inline void fz_ctx_lab(struct xlat_ctx *ctx)
{
	struct eam_table *t = eam_new();

	FZ_CHECK(t != NULL);
	fz_eam(t, "192.0.2.0/24", "2001:db8:aaaa::/120");
	fz_eam(t, "192.0.2.1", "2001:db8:aaab::1/128");
	fz_eam(t, "203.0.113.16/28", "2001:db8:cccc::/124");
	fz_eam(t, "10.0.0.0/8", "2001:db8:1::/104");
	fz_eam(t, "198.51.100.200", "64:ff9b::1:2/128");

	xlat_ctx_init(ctx);
	fz_pool6(ctx, "64:ff9b::/96");
	ctx->eam = t;
	ctx->allow_nonglobal_wkp = true;
	ctx->pool6791[0] = 0xc6336401; /* 198.51.100.1 */
	ctx->pool6791[1] = 0xc6336402;
	ctx->npool6791 = 2;
	fz_set_self6(ctx);
}

/*
 * Context B: a network-specific /64 prefix (u-octet handling, RFC 6052
 * §2.2), no EAM, strict WKP rules, small IPv4 MTU, fixed TOS/Traffic Class
 * and UDP zero checksum drop: the other side of every policy switch.
 */
static inline void fz_ctx_strict(struct xlat_ctx *ctx)
{
	xlat_ctx_init(ctx);
	fz_pool6(ctx, "2001:db8:64::/64");
	ctx->ipv4_mtu = 1000;
	ctx->ipv6_mtu = 1400;
	ctx->udp_zero = XLAT_UDP_ZERO_DROP;
	ctx->tc_mode = XLAT_TOS_FIXED;
	ctx->tc_value = 0x20;
	ctx->tos_mode = XLAT_TOS_FIXED;
	ctx->tos_value = 0x40;
	ctx->untrans_src = XLAT_UNTRANS_POOL; /* empty pool: drop */
	ctx->eam_hairpin = false;
	fz_set_self6(ctx);
}

/*
 * Context C: the well-known prefix with RFC 6052 §3.1 enforced except for
 * ICMP error sources, no ICMP errors of its own, invalid sources let
 * through, and an untranslatable ICMPv6 source always mapped to 192.0.0.8
 * without a Node Identification Object.
 */
static inline void fz_ctx_wkp(struct xlat_ctx *ctx)
{
	xlat_ctx_init(ctx);
	fz_pool6(ctx, "64:ff9b::/96");
	ctx->allow_nonglobal_wkp_icmp = true;
	ctx->icmp_errors = false;
	ctx->drop_invalid_src = false;
	ctx->untrans_src = XLAT_UNTRANS_DUMMY;
	ctx->icmp_source_object = false;
	ctx->lowest_ipv6_mtu = 1500;
	fz_set_self6(ctx);
}

static inline bool fz_v4_is_fragment(const uint8_t *p)
{
	return (fz_get16(p + 6) & 0x3fff) != 0;
}

/* An ICMP message the translator built itself or rebuilt must carry a right
 * checksum.  Only checked where the message is whole and directly follows
 * the IP header. */
static inline void fz_check_icmp_csum(const struct xlat_pkt *pk)
{
	const uint8_t *p = pk->data;

	if (pk->family == 4) {
		size_t ihl = (size_t)(p[0] & 0xf) * 4;

		if (p[9] != 1 || fz_v4_is_fragment(p) || pk->len < ihl + 8)
			return;
		FZ_CHECK(fz_fold(fz_sum(p + ihl, pk->len - ihl, 0)) == 0xffff);
	} else {
		if (p[6] != 58 || pk->len < 48)
			return;
		FZ_CHECK(fz_sum6(p, p + 40, pk->len - 40, 58) == 0xffff);
	}
}

static inline void fz_check_pkt(const struct xlat_out *out,
				const struct xlat_pkt *pk)
{
	const uint8_t *p = pk->data;

	FZ_CHECK(p >= out->buf && pk->len <= XLAT_OUT_BUF &&
		 (size_t)(p - out->buf) <= XLAT_OUT_BUF - pk->len);
	FZ_CHECK(pk->len >= 20);
	FZ_CHECK(pk->family == 4 || pk->family == 6);
	FZ_CHECK(pk->kind == XLAT_PKT_TRANSLATED ||
		 pk->kind == XLAT_PKT_ICMP_ERROR);
	FZ_CHECK(p[0] >> 4 == pk->family);
	if (pk->family == 4) {
		size_t ihl = (size_t)(p[0] & 0xf) * 4;

		FZ_CHECK(ihl >= 20 && ihl <= pk->len);
		FZ_CHECK(fz_get16(p + 2) == pk->len);
		FZ_CHECK(fz_fold(fz_sum(p, ihl, 0)) == 0xffff);
	} else {
		FZ_CHECK(pk->len >= 40);
		FZ_CHECK((size_t)fz_get16(p + 4) + 40 == pk->len);
	}
	if (pk->kind == XLAT_PKT_ICMP_ERROR)
		fz_check_icmp_csum(pk);
}

/*
 * Locate the upper-layer header of a whole (unfragmented) packet: Hop-by-Hop,
 * Routing and Destination Options headers are walked, a Fragment header or
 * anything malformed gives false.  *off and *l4len are set on success.
 */
static inline bool fz_l4(const uint8_t *p, size_t len, uint8_t *proto,
			 size_t *off, size_t *l4len)
{
	size_t end, o;
	uint8_t nh;

	if (len < 20)
		return false;
	if (p[0] >> 4 == 4) {
		o = (size_t)(p[0] & 0xf) * 4;
		end = fz_get16(p + 2);
		if (o < 20 || end < o || end > len || fz_v4_is_fragment(p))
			return false;
		*proto = p[9];
	} else if (p[0] >> 4 == 6 && len >= 40) {
		end = 40 + (size_t)fz_get16(p + 4);
		if (end > len || end == 40)
			return false;
		nh = p[6];
		o = 40;
		while (nh == 0 || nh == 43 || nh == 60) {
			if (o + 8 > end)
				return false;
			nh = p[o];
			o += 8 + 8 * (size_t)p[o + 1];
		}
		if (o > end)
			return false;
		*proto = nh;
	} else {
		return false;
	}
	*off = o;
	*l4len = end - o;
	return true;
}

/*
 * Is p a whole UDP, TCP, ICMP or ICMPv6 packet with a right, non-zero
 * checksum?  Those are the inputs whose translation must again carry a
 * right checksum (RFC 7915 §4.5 / §5.5: the pseudo-header change is
 * compensated, ICMP is recomputed), which catches any mis-located or
 * mis-copied upper-layer header.
 */
static inline bool fz_l4_csum_ok(const uint8_t *p, size_t len)
{
	size_t off, n;
	uint8_t proto;
	uint32_t sum;

	if (!fz_l4(p, len, &proto, &off, &n))
		return false;
	if (p[0] >> 4 == 4) {
		sum = fz_sum(p + 12, 8, 0) + proto + (uint32_t)n;
		switch (proto) {
		case 17:
			if (n < 8 || fz_get16(p + off + 6) == 0 ||
			    fz_get16(p + off + 4) != n)
				return false;
			break;
		case 6:
			if (n < 20)
				return false;
			break;
		case 1:
			if (n < 8)
				return false;
			sum = 0;
			break;
		default:
			return false;
		}
		return fz_fold(fz_sum(p + off, n, sum)) == 0xffff;
	}
	switch (proto) {
	case 17:
		if (n < 8 || fz_get16(p + off + 4) != n)
			return false;
		break;
	case 6:
		if (n < 20)
			return false;
		break;
	case 58:
		if (n < 8)
			return false;
		break;
	default:
		return false;
	}
	return fz_sum6(p, p + off, n, proto) == 0xffff;
}

/* Input with a right transport checksum, translated whole: so is the
 * output. */
static inline void fz_check_l4(const uint8_t *in, size_t len,
			       const struct xlat_out *out, enum xlat_verdict v)
{
	const struct xlat_pkt *pk = &out->pkts[0];

	if (v != XLAT_OK || out->npkts != 1 || pk->kind != XLAT_PKT_TRANSLATED)
		return;
	if (!fz_l4_csum_ok(in, len))
		return;
	if (pk->family == 4 ? fz_v4_is_fragment(pk->data) : pk->data[6] == 44)
		return;
	FZ_CHECK(fz_l4_csum_ok(pk->data, pk->len));
}

/* Invariants that hold for any input and any verdict. */
static inline void fz_check_out(const struct xlat_out *out,
				enum xlat_verdict v)
{
	unsigned i;

	FZ_CHECK((unsigned)v < XLAT__COUNT);
	FZ_CHECK(xlat_reason_name(v) != NULL);
	FZ_CHECK(out->npkts <= XLAT_MAX_OUT);
	FZ_CHECK(out->used <= XLAT_OUT_BUF);
	if (v == XLAT_OK)
		FZ_CHECK(out->npkts >= 1);
	for (i = 0; i < out->npkts; i++)
		fz_check_pkt(out, &out->pkts[i]);
}

typedef enum xlat_verdict fz_xlat_fn(const struct xlat_ctx *ctx,
				     const uint8_t *pkt, size_t len,
				     uint64_t now, struct xlat_out *out);

/* One input through one direction under the three contexts that between
 * them flip every policy switch, each result checked. */
static inline int fz_run(fz_xlat_fn *fn, const uint8_t *data, size_t size)
{
	static struct xlat_ctx ctxs[3];
	static struct xlat_out out;
	static bool ready;
	static uint64_t now = 1000000000ull;

	if (!ready) {
		fz_ctx_lab(&ctxs[0]);
		fz_ctx_strict(&ctxs[1]);
		fz_ctx_wkp(&ctxs[2]);
		ready = true;
	}
	now += 1000;
	for (size_t i = 0; i < sizeof(ctxs) / sizeof(ctxs[0]); i++) {
		enum xlat_verdict v = fn(&ctxs[i], data, size, now, &out);
		fz_check_out(&out, v);
		fz_check_l4(data, size, &out, v);
	}
	return 0;
}

#endif
