/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for the translation entry points (src/core/xlat*.c): header
 * fields, checksums, fragmentation, hairpinning, and the promise that the
 * packet path never allocates.  Field-by-field conformance against the
 * whole checklist lives in tests/conformance (scapy).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"

/* Count allocations: the packet path must not make any.  ASan owns malloc
 * in sanitizer builds, so the count is only taken in plain builds. */
#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNT_ALLOCS 0
#endif
#endif
#ifndef COUNT_ALLOCS
#define COUNT_ALLOCS 1
#endif
static unsigned long nallocs;
#if COUNT_ALLOCS
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
void *malloc(size_t n)
{
	nallocs++;
	return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
	nallocs++;
	return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
	nallocs++;
	return __libc_realloc(p, n);
}
#endif

static struct xlat_out *out;
static struct xlat_ctx ctx;

static int setup(void **state)
{
	struct in6_addr p;
	unsigned len;

	(void)state;
	out = calloc(1, sizeof(*out));
	xlat_ctx_init(&ctx);
	addr_parse6_prefix("64:ff9b::/96", &p, &len, true);
	ctx.pool6.prefix = p;
	ctx.pool6.len = 96;
	ctx.allow_nonglobal_wkp = true;
	addr_embed(&ctx.pool6, ctx.self4, &ctx.self6);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(out);
	return 0;
}

static uint32_t ip4(const char *s)
{
	struct in_addr a;
	inet_pton(AF_INET, s, &a);
	return ntohl(a.s_addr);
}

/* IPv4 + UDP with correct checksums; returns the length. */
static size_t build4_udp(uint8_t *p, const char *src, const char *dst,
			 size_t payload, uint8_t ttl, bool df)
{
	size_t ulen = 8 + payload, tot = 20 + ulen;
	memset(p, 0, tot);
	p[0] = 0x45;
	p[1] = 0xb8; /* DSCP EF */
	put16(p + 2, (uint16_t)tot);
	put16(p + 4, 0x1234);
	put16(p + 6, df ? 0x4000 : 0);
	p[8] = ttl;
	p[9] = PROTO_UDP;
	put32(p + 12, ip4(src));
	put32(p + 16, ip4(dst));
	ip4_set_csum(p);
	uint8_t *u = p + 20;
	put16(u, 4000);
	put16(u + 2, 53);
	put16(u + 4, (uint16_t)ulen);
	for (size_t i = 0; i < payload; i++)
		u[8 + i] = (uint8_t)(i * 7 + 1);
	uint32_t s = csum_addr4(ip4(src), ip4(dst)) + PROTO_UDP + (uint32_t)ulen;
	uint16_t c = csum_finish(csum_partial(u, ulen, s));
	put16(u + 6, c ? c : 0xffff);
	return tot;
}

static size_t build6_udp(uint8_t *p, const char *src, const char *dst,
			 size_t payload, uint8_t hlim)
{
	size_t ulen = 8 + payload;
	struct in6_addr s, d;
	inet_pton(AF_INET6, src, &s);
	inet_pton(AF_INET6, dst, &d);
	memset(p, 0, 40 + ulen);
	put32(p, 0x6b812345); /* tc 0xb8, flow 0x12345 */
	put16(p + 4, (uint16_t)ulen);
	p[6] = PROTO_UDP;
	p[7] = hlim;
	memcpy(p + 8, &s, 16);
	memcpy(p + 24, &d, 16);
	uint8_t *u = p + 40;
	put16(u, 53);
	put16(u + 2, 4000);
	put16(u + 4, (uint16_t)ulen);
	for (size_t i = 0; i < payload; i++)
		u[8 + i] = (uint8_t)(i * 3 + 5);
	uint32_t sum = csum_addr6(&s, &d) + PROTO_UDP + (uint32_t)ulen;
	uint16_t c = csum_finish(csum_partial(u, ulen, sum));
	put16(u + 6, c ? c : 0xffff);
	return 40 + ulen;
}

/* Folded sum of an IPv6 upper layer including its pseudo-header. */
static uint16_t l4sum6(const uint8_t *p, uint8_t nh, unsigned off)
{
	unsigned ulen = get16(p + 4) + 40 - off;
	uint32_t s = csum_partial(p + 8, 32, 0) + nh + ulen;
	return csum_fold(csum_partial(p + off, ulen, s));
}

static uint16_t l4sum4(const uint8_t *p, uint8_t proto)
{
	unsigned ulen = get16(p + 2) - 20u;
	uint32_t s = csum_addr4(get32(p + 12), get32(p + 16)) + proto + ulen;
	return csum_fold(csum_partial(p + 20, ulen, s));
}

/* covers: RFC 7915 §4.1 every IPv6 header field, §4.5 UDP checksum */
static void test_rfc7915_4_1_header_fields(void **state)
{
	uint8_t p[256];
	size_t n = build4_udp(p, "198.51.100.10", "192.0.2.33", 20, 64, true);

	(void)state;
	assert_int_equal(xlat_4to6(&ctx, p, n, 0, out), XLAT_OK);
	assert_int_equal(out->npkts, 1);
	const uint8_t *q = out->pkts[0].data;
	assert_int_equal(out->pkts[0].len, n + 20);
	assert_int_equal(q[0] >> 4, 6);
	assert_int_equal((get32(q) >> 20) & 0xff, 0xb8); /* TC = TOS */
	assert_int_equal(get32(q) & 0xfffff, 0);         /* flow label */
	assert_int_equal(get16(q + 4), n - 20);
	assert_int_equal(q[6], PROTO_UDP);
	assert_int_equal(q[7], 63);
	struct in6_addr s, d;
	inet_pton(AF_INET6, "64:ff9b::198.51.100.10", &s);
	inet_pton(AF_INET6, "64:ff9b::192.0.2.33", &d);
	assert_memory_equal(q + 8, &s, 16);
	assert_memory_equal(q + 24, &d, 16);
	assert_int_equal(l4sum6(q, PROTO_UDP, 40), 0xffff);
	assert_memory_equal(q + 48, p + 28, 20); /* payload untouched */
}

/* covers: RFC 7915 §5.1 every IPv4 header field, §5 DF rule */
static void test_rfc7915_5_1_header_fields(void **state)
{
	uint8_t p[2048];
	size_t n = build6_udp(p, "64:ff9b::192.0.2.33", "64:ff9b::198.51.100.10",
			      30, 10);

	(void)state;
	out->ipv4_id = 777;
	assert_int_equal(xlat_6to4(&ctx, p, n, 0, out), XLAT_OK);
	assert_int_equal(out->npkts, 1);
	const uint8_t *q = out->pkts[0].data;
	assert_int_equal(q[0], 0x45);
	assert_int_equal(q[1], 0xb8);
	assert_int_equal(get16(q + 2), n - 20);
	assert_int_equal(get16(q + 4), 777);
	assert_int_equal(get16(q + 6), 0); /* small: DF=0 */
	assert_int_equal(q[8], 9);
	assert_int_equal(q[9], PROTO_UDP);
	assert_int_equal(csum_fold(csum_partial(q, 20, 0)), 0xffff);
	assert_int_equal(get32(q + 12), ip4("192.0.2.33"));
	assert_int_equal(get32(q + 16), ip4("198.51.100.10"));
	assert_int_equal(l4sum4(q, PROTO_UDP), 0xffff);

	/* A result over 1260 bytes gets DF. */
	n = build6_udp(p, "64:ff9b::192.0.2.33", "64:ff9b::198.51.100.10",
		       1300, 10);
	assert_int_equal(xlat_6to4(&ctx, p, n, 0, out), XLAT_OK);
	assert_int_equal(get16(out->pkts[0].data + 6), 0x4000);
}

/* covers: RFC 7915 §4.5 a bad checksum stays bad by the same amount */
static void test_rfc7915_4_5_bad_checksum_stays_bad(void **state)
{
	uint8_t p[256];
	size_t n = build4_udp(p, "198.51.100.10", "192.0.2.33", 20, 64, false);

	(void)state;
	put16(p + 26, (uint16_t)(get16(p + 26) ^ 0x0101));
	uint16_t err4 = l4sum4(p, PROTO_UDP);
	assert_int_not_equal(err4, 0xffff);
	assert_int_equal(xlat_4to6(&ctx, p, n, 0, out), XLAT_OK);
	assert_int_equal(l4sum6(out->pkts[0].data, PROTO_UDP, 40), err4);
	/* and back */
	uint8_t q[256];
	memcpy(q, out->pkts[0].data, out->pkts[0].len);
	q[7] = 64;
	assert_int_equal(xlat_6to4(&ctx, q, out->pkts[0].len, 0, out), XLAT_OK);
	assert_int_equal(l4sum4(out->pkts[0].data, PROTO_UDP), err4);
}

/* covers: RFC 7915 §4 / §4.1 fragmentation at lowest-ipv6-mtu */
static void test_rfc7915_4_1_fragments_fit(void **state)
{
	static uint8_t p[4000], re[4000];
	size_t n = build4_udp(p, "198.51.100.10", "192.0.2.33", 2972, 64, false);

	(void)state;
	assert_int_equal(xlat_4to6(&ctx, p, n, 0, out), XLAT_OK);
	assert_int_equal(out->npkts, 3);
	size_t total = 0;
	for (unsigned i = 0; i < out->npkts; i++) {
		const uint8_t *f = out->pkts[i].data;
		assert_true(out->pkts[i].len <= 1280);
		assert_int_equal(f[6], PROTO_FRAGMENT);
		assert_int_equal(f[40], PROTO_UDP);
		assert_int_equal(get32(f + 44), 0x1234); /* IPv4 ID */
		unsigned off = get16(f + 42) & 0xfff8;
		bool m = get16(f + 42) & 1;
		assert_int_equal(m, i + 1 < out->npkts);
		size_t dl = out->pkts[i].len - 48;
		memcpy(re + off, f + 48, dl);
		total += dl;
		if (i == 0)
			assert_int_equal(dl, 1232);
	}
	assert_int_equal(total, n - 20);
	/* The reassembled UDP datagram verifies under the IPv6 header. */
	uint8_t hdr[40];
	memcpy(hdr, out->pkts[0].data, 40);
	struct in6_addr s, d;
	memcpy(&s, hdr + 8, 16);
	memcpy(&d, hdr + 24, 16);
	uint32_t sum = csum_addr6(&s, &d) + PROTO_UDP + (uint32_t)total;
	assert_int_equal(csum_fold(csum_partial(re, total, sum)), 0xffff);
}

/* covers: RFC 7915 §4.1 DF=1 too big → ICMPv4 3/4 with MTU − 20 */
static void test_rfc7915_4_1_df_too_big(void **state)
{
	uint8_t p[2000];
	size_t n = build4_udp(p, "198.51.100.10", "192.0.2.33", 1472, 64, true);

	(void)state;
	ctx.ipv6_mtu = 1280;
	enum xlat_verdict v = xlat_4to6(&ctx, p, n, 0, out);
	ctx.ipv6_mtu = 1500;
	assert_int_equal(v, XLAT_TOO_BIG);
	assert_int_equal(out->npkts, 1);
	const uint8_t *e = out->pkts[0].data;
	assert_int_equal(out->pkts[0].family, 4);
	assert_int_equal(e[9], PROTO_ICMP);
	assert_int_equal(e[20], 3);
	assert_int_equal(e[21], 4);
	assert_int_equal(get16(e + 26), 1260);
	assert_int_equal(get32(e + 16), ip4("198.51.100.10"));
	assert_true(out->pkts[0].len <= 576);
}

/* covers: RFC 7915 §5.1.1 small IPv6 packet fragmented for IPv4 */
static void test_rfc7915_5_1_1_ipv4_fragments(void **state)
{
	uint8_t p[2000];
	size_t n = build6_udp(p, "64:ff9b::192.0.2.33", "64:ff9b::198.51.100.10",
			      1000, 10);

	(void)state;
	ctx.ipv4_mtu = 576;
	enum xlat_verdict v = xlat_6to4(&ctx, p, n, 0, out);
	ctx.ipv4_mtu = 1500;
	assert_int_equal(v, XLAT_OK);
	assert_int_equal(out->npkts, 2);
	assert_int_equal(out->pkts[0].len, 572);
	assert_int_equal(get16(out->pkts[0].data + 6), 0x2000);
	assert_int_equal(get16(out->pkts[1].data + 6), 552 / 8);
	assert_int_equal(get16(out->pkts[0].data + 4),
			 get16(out->pkts[1].data + 4));
}

/* covers: RFC 7915 §4.1 / §5.1 hop limit expiry sends Time Exceeded */
static void test_rfc7915_5_1_hop_limit_expiry(void **state)
{
	uint8_t p[256];
	size_t n = build6_udp(p, "64:ff9b::192.0.2.33", "64:ff9b::198.51.100.10",
			      10, 1);

	(void)state;
	assert_int_equal(xlat_6to4(&ctx, p, n, 0, out), XLAT_TTL_EXPIRED);
	assert_int_equal(out->npkts, 1);
	const uint8_t *e = out->pkts[0].data;
	assert_int_equal(out->pkts[0].family, 6);
	assert_int_equal(e[40], 3);
	assert_int_equal(e[41], 0);
	assert_memory_equal(e + 8, &ctx.self6, 16);
	assert_memory_equal(e + 24, p + 8, 16);
	assert_int_equal(l4sum6(e, PROTO_ICMPV6, 40), 0xffff);
}

/* covers: RFC 7757 App. B.1 Fig. 8 intrinsic hairpinning */
static void test_rfc7757_4_2_2_hairpin_fig8(void **state)
{
	struct eam_table *t = eam_new();
	struct eam_entry e = { .v4 = ip4("192.0.2.1"), .len4 = 32, .len6 = 128 };
	struct eam_entry f = { .v4 = ip4("192.0.2.2"), .len4 = 32, .len6 = 128 };
	bool ov;
	uint8_t p[256];

	(void)state;
	inet_pton(AF_INET6, "2001:db8:aaaa::", &e.v6);
	inet_pton(AF_INET6, "2001:db8:bbbb::b", &f.v6);
	eam_add(t, &e, &ov);
	eam_add(t, &f, &ov);
	ctx.eam = t;
	size_t n = build6_udp(p, "2001:db8:aaaa::", "64:ff9b::192.0.2.2", 10, 30);
	enum xlat_verdict v = xlat_6to4(&ctx, p, n, 0, out);
	ctx.eam = NULL;
	assert_int_equal(v, XLAT_OK);
	assert_int_equal(out->npkts, 1);
	const uint8_t *q = out->pkts[0].data;
	struct in6_addr s, d;
	inet_pton(AF_INET6, "64:ff9b::192.0.2.1", &s);
	inet_pton(AF_INET6, "2001:db8:bbbb::b", &d);
	assert_int_equal(out->pkts[0].family, 6);
	assert_memory_equal(q + 8, &s, 16);
	assert_memory_equal(q + 24, &d, 16);
	assert_int_equal(q[7], 29); /* decremented once only */
	assert_int_equal(l4sum6(q, PROTO_UDP, 40), 0xffff);
	eam_free(t);
}

/* The packet path allocates nothing, whatever it is fed. */
static void test_no_allocation_on_packet_path(void **state)
{
	static uint8_t p[4000];
	uint32_t x = 1;

	(void)state;
	if (!COUNT_ALLOCS)
		skip();
	unsigned long before = nallocs;
	for (int i = 0; i < 2000; i++) {
		size_t n = build4_udp(p, "198.51.100.10", "192.0.2.33",
				      (size_t)(i * 37) % 3000, 64, i & 1);
		x = x * 1103515245 + 12345;
		p[x % n] ^= (uint8_t)(x >> 8); /* damage some of them */
		xlat_packet(&ctx, p, n, 0, out);
		n = build6_udp(p, "64:ff9b::192.0.2.33", "64:ff9b::198.51.100.10",
			       (size_t)(i * 13) % 1400, (uint8_t)(i % 4));
		xlat_packet(&ctx, p, n, 0, out);
	}
	assert_int_equal(nallocs, before);
}

static void test_reason_names(void **state)
{
	(void)state;
	assert_string_equal(xlat_reason_name(XLAT_OK), "ok");
	assert_string_equal(xlat_reason_name(XLAT_TTL_EXPIRED), "ttl_expired");
	assert_string_equal(xlat_reason_name(XLAT__COUNT), "unknown");
	for (int v = 0; v < XLAT__COUNT; v++)
		assert_true(strlen(xlat_reason_desc(v)) > 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7915_4_1_header_fields),
		cmocka_unit_test(test_rfc7915_5_1_header_fields),
		cmocka_unit_test(test_rfc7915_4_5_bad_checksum_stays_bad),
		cmocka_unit_test(test_rfc7915_4_1_fragments_fit),
		cmocka_unit_test(test_rfc7915_4_1_df_too_big),
		cmocka_unit_test(test_rfc7915_5_1_1_ipv4_fragments),
		cmocka_unit_test(test_rfc7915_5_1_hop_limit_expiry),
		cmocka_unit_test(test_rfc7757_4_2_2_hairpin_fig8),
		cmocka_unit_test(test_no_allocation_on_packet_path),
		cmocka_unit_test(test_reason_names),
	};
	return cmocka_run_group_tests_name("xlat", tests, setup, teardown);
}
