/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Offloaded packets through the core (issue 7): a TCP or UDP GSO
 * "super-packet" with a partial checksum (the TUN device's
 * virtio_net_hdr) is translated in one piece.  The checksum must stay
 * partial with the new pseudo-header, the segment size must leave room for
 * the larger IPv6 header, and completing the checksum afterwards must give
 * what a full computation over the translated packet gives.
 * covers: RFC 7915 §4.5, §5.5 (checksums), §4.1/§5.1 (headers), for
 * offloaded packets
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/csum.h"
#include "core/internal.h"
#include "core/nat64.h"

#define SRC4 0xc0000221u /* 192.0.2.33, an EAM row for 2001:db8::33 */
#define DST4 0xc633640au /* 198.51.100.10 */

static struct eam_table *eam;

static void ctx_init(struct xlat_ctx *ctx)
{
	unsigned len = 0;
	struct eam_entry e = { .v4 = SRC4, .len4 = 32, .len6 = 128 };

	xlat_ctx_init(ctx);
	assert_int_equal(addr_parse6_prefix("64:ff9b::/96", &ctx->pool6.prefix,
					    &len, true), 0);
	ctx->pool6.len = (uint8_t)len;
	ctx->allow_nonglobal_wkp = true;
	e.v6.s6_addr[0] = 0x20;
	e.v6.s6_addr[1] = 0x01;
	e.v6.s6_addr[2] = 0x0d;
	e.v6.s6_addr[3] = 0xb8;
	e.v6.s6_addr[15] = 0x33;
	bool overlap;
	eam = eam_new();
	assert_non_null(eam);
	assert_int_equal(eam_add(eam, &e, &overlap), 0);
	ctx->eam = eam;
}

/* An IPv4 TCP (or UDP) packet with payload n and a partial checksum: the
 * field holds the pseudo-header sum, as the kernel hands it over. */
static size_t build4(uint8_t *p, uint8_t proto, size_t n)
{
	size_t l4h = proto == PROTO_TCP ? 20 : 8, ulen = l4h + n;

	memset(p, 0, 20 + l4h);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + ulen));
	put16(p + 6, 0x4000); /* DF, as TCP sends */
	p[8] = 64;
	p[9] = proto;
	put32(p + 12, DST4);
	put32(p + 16, SRC4);
	uint8_t *l4 = p + 20;
	put16(l4, 80);
	put16(l4 + 2, 40000);
	if (proto == PROTO_TCP) {
		l4[12] = 5 << 4;
		l4[13] = 0x18;
	} else {
		put16(l4 + 4, (uint16_t)ulen);
	}
	for (size_t i = 0; i < n; i++)
		l4[l4h + i] = (uint8_t)(i * 7 + 3);
	uint32_t ps = csum_addr4(DST4, SRC4) + (uint32_t)ulen + proto;
	put16(l4 + (proto == PROTO_TCP ? 16 : 6), csum_fold(ps));
	put16(p + 10, csum_finish(csum_partial(p, 20, 0)));
	return 20 + ulen;
}

/* The checksum of the IPv6 packet at p, once completed, is right. */
static void assert_complete6(uint8_t *p, size_t len, uint8_t proto)
{
	uint8_t *l4 = p + 40;
	size_t ulen = len - 40;

	l4_complete(l4, ulen, proto);
	uint32_t ps = csum_partial(p + 8, 32, 0) + (uint32_t)ulen + proto;
	assert_int_equal(csum_fold(csum_partial(l4, ulen, ps)), 0xffff);
}

static void test_rfc7915_4_5_gso_tcp_stays_partial(void **state)
{
	(void)state;
	static uint8_t pkt[65536];
	static struct xlat_out out;
	struct xlat_ctx ctx;
	struct xlat_offload off = { .gso = XLAT_GSO_TCP, .partial = true,
				    .gso_size = 1460 };

	ctx_init(&ctx);
	size_t len = build4(pkt, PROTO_TCP, 20000);
	assert_int_equal(xlat_packet_off(&ctx, pkt, len, &off, 0, &out),
			 XLAT_OK);
	/* Translated whole: no Fragmentation Needed for a super-packet. */
	assert_int_equal(out.npkts, 1);
	struct xlat_pkt *p = &out.pkts[0];
	assert_int_equal(p->family, 6);
	assert_int_equal(p->len, len + 20);
	assert_int_equal(p->off.gso, XLAT_GSO_TCP);
	assert_true(p->off.partial);
	/* 1500 - 40 - 20: one segment must still fit the IPv6 MTU. */
	assert_int_equal(p->off.gso_size, 1440);
	assert_complete6(p->data, p->len, PROTO_TCP);
	eam_free(eam);
}

static void test_rfc7915_4_5_gso_udp_stays_partial(void **state)
{
	(void)state;
	static uint8_t pkt[65536];
	static struct xlat_out out;
	struct xlat_ctx ctx;
	struct xlat_offload off = { .gso = XLAT_GSO_UDP, .partial = true,
				    .gso_size = 1200 };

	ctx_init(&ctx);
	size_t len = build4(pkt, PROTO_UDP, 6000);
	assert_int_equal(xlat_packet_off(&ctx, pkt, len, &off, 0, &out),
			 XLAT_OK);
	assert_int_equal(out.npkts, 1);
	assert_int_equal(out.pkts[0].off.gso, XLAT_GSO_UDP);
	assert_int_equal(out.pkts[0].off.gso_size, 1200); /* fits already */
	assert_complete6(out.pkts[0].data, out.pkts[0].len, PROTO_UDP);
	eam_free(eam);
}

/* The way back: IPv6 partial GSO to IPv4. */
static void test_rfc7915_5_5_gso_tcp_back_to_ipv4(void **state)
{
	(void)state;
	static uint8_t pkt[65536];
	static struct xlat_out out, back;
	struct xlat_ctx ctx;
	struct xlat_offload off = { .gso = XLAT_GSO_TCP, .partial = true,
				    .gso_size = 1440 };

	ctx_init(&ctx);
	size_t len = build4(pkt, PROTO_TCP, 9000);
	assert_int_equal(xlat_packet_off(&ctx, pkt, len, &off, 0, &out),
			 XLAT_OK);
	/* Swap the IPv6 addresses to make a packet of the other direction
	 * with a partial checksum for them (the sum is symmetric). */
	uint8_t *p6 = out.pkts[0].data, tmp[16];
	memcpy(tmp, p6 + 8, 16);
	memcpy(p6 + 8, p6 + 24, 16);
	memcpy(p6 + 24, tmp, 16);
	assert_int_equal(xlat_packet_off(&ctx, p6, out.pkts[0].len, &off, 0,
					 &back), XLAT_OK);
	struct xlat_pkt *q = &back.pkts[0];
	assert_int_equal(q->family, 4);
	assert_true(q->off.partial);
	assert_int_equal(q->off.gso_size, 1440);
	uint8_t *l4 = q->data + 20;
	size_t ulen = q->len - 20;
	l4_complete(l4, ulen, PROTO_TCP);
	uint32_t ps = csum_addr4(get32(q->data + 12), get32(q->data + 16)) +
		      (uint32_t)ulen + PROTO_TCP;
	assert_int_equal(csum_fold(csum_partial(l4, ulen, ps)), 0xffff);
	eam_free(eam);
}

/* Through the NAT64 the source port changes too; a partial checksum
 * does not cover the transport header yet, so it must be left alone. */
static void test_rfc6146_3_7_gso_through_nat64(void **state)
{
	(void)state;
	static uint8_t pkt[65536];
	static struct xlat_out out, six;
	struct xlat_ctx ctx;
	struct nat64_config c;
	struct pool4_range r = { 0xc0000201, NAT64_P_TCP, 61000, 61999 };
	struct nat64 *n = NULL;
	struct xlat_offload off = { .gso = XLAT_GSO_TCP, .partial = true,
				    .gso_size = 1440 };

	ctx_init(&ctx);
	/* An IPv6 client packet: translate an IPv4 one through the EAM row,
	 * then send it (from 2001:db8::33) to the NAT64. */
	size_t len = build4(pkt, PROTO_TCP, 9000);
	pkt[20 + 13] = 0x02; /* a SYN opens the session (RFC 6146 3.5.2.2);
				flags are outside a partial checksum */
	assert_int_equal(xlat_packet_off(&ctx, pkt, len, &off, 0, &six),
			 XLAT_OK);
	uint8_t *p6 = six.pkts[0].data, tmp[16];
	memcpy(tmp, p6 + 8, 16);
	memcpy(p6 + 8, p6 + 24, 16);
	memcpy(p6 + 24, tmp, 16);
	ctx.eam = NULL;
	nat64_config_default(&c);
	assert_int_equal(nat64_new(&n, &c, &r, 1, NULL), 0);
	assert_int_equal(nat64_packet_off(n, &ctx, p6, six.pkts[0].len, &off,
					  0, &out), XLAT_OK);
	struct xlat_pkt *q = &out.pkts[0];
	assert_int_equal(q->family, 4);
	assert_true(q->off.partial);
	assert_int_equal(get32(q->data + 12), 0xc0000201);
	uint8_t *l4 = q->data + 20;
	size_t ulen = q->len - 20;
	assert_in_range(get16(l4), 61000, 61999);
	l4_complete(l4, ulen, PROTO_TCP);
	uint32_t ps = csum_addr4(get32(q->data + 12), get32(q->data + 16)) +
		      (uint32_t)ulen + PROTO_TCP;
	assert_int_equal(csum_fold(csum_partial(l4, ulen, ps)), 0xffff);
	nat64_free(n);
	eam_free(eam);
}

/* A partial packet that must be fragmented gets a whole checksum first:
 * no one can complete it across fragments. */
static void test_rfc7915_4_1_partial_then_fragmented(void **state)
{
	(void)state;
	static uint8_t pkt[65536];
	static struct xlat_out out;
	struct xlat_ctx ctx;
	struct xlat_offload off = { .partial = true };

	ctx_init(&ctx);
	size_t len = build4(pkt, PROTO_UDP, 1400);
	put16(pkt + 6, 0); /* DF clear */
	put16(pkt + 10, 0);
	put16(pkt + 10, csum_finish(csum_partial(pkt, 20, 0)));
	assert_int_equal(xlat_packet_off(&ctx, pkt, len, &off, 0, &out),
			 XLAT_OK);
	assert_true(out.npkts >= 2);
	/* Reassemble the payload of the fragments and check the sum. */
	static uint8_t whole[4096];
	size_t n = 0;
	for (unsigned i = 0; i < out.npkts; i++) {
		assert_false(out.pkts[i].off.partial);
		memcpy(whole + n, out.pkts[i].data + 48, out.pkts[i].len - 48);
		n += out.pkts[i].len - 48;
	}
	uint32_t ps = csum_partial(out.pkts[0].data + 8, 32, 0) +
		      (uint32_t)n + PROTO_UDP;
	assert_int_equal(csum_fold(csum_partial(whole, n, ps)), 0xffff);
	eam_free(eam);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7915_4_5_gso_tcp_stays_partial),
		cmocka_unit_test(test_rfc7915_4_5_gso_udp_stays_partial),
		cmocka_unit_test(test_rfc7915_5_5_gso_tcp_back_to_ipv4),
		cmocka_unit_test(test_rfc6146_3_7_gso_through_nat64),
		cmocka_unit_test(test_rfc7915_4_1_partial_then_fragmented),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
