/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The workers' queue choice (src/daemon/tun.c, tun_flow_queue): the same
 * queue for both directions of a flow's IPv6 form, ports for TCP and UDP
 * only (as the kernel's flow hash), flows spread over the queues.
 * docs/performance.md, "One queue per flow"; tests/net/test_workers.py
 * checks the effect on a running daemon.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/tun.h"

#define NFLOWS 20000

/* A 40-byte IPv6 header under 2001:db8::/32 and 8 transport bytes. */
static void pkt6(uint8_t *p, uint8_t proto, uint32_t s, uint32_t d,
		 uint16_t sport, uint16_t dport)
{
	memset(p, 0, 48);
	p[0] = 0x60;
	p[5] = 8;
	p[6] = proto;
	p[7] = 64;
	p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8;
	p[24] = 0x20, p[25] = 0x01, p[26] = 0x0d, p[27] = 0xb8;
	memcpy(p + 20, &s, 4);
	memcpy(p + 36, &d, 4);
	p[40] = (uint8_t)(sport >> 8), p[41] = (uint8_t)sport;
	p[42] = (uint8_t)(dport >> 8), p[43] = (uint8_t)dport;
}

static uint32_t rnd(void)
{
	return (uint32_t)random() << 16 ^ (uint32_t)random();
}

static void test_both_directions_one_queue(void **state)
{
	static const uint8_t protos[] = { 6, 17, 58, 44, 0 };
	uint8_t a[48], b[48];

	(void)state;
	srandom(7);
	for (unsigned i = 0; i < NFLOWS; i++) {
		uint32_t s = rnd(), d = rnd();
		uint16_t sp = (uint16_t)rnd(), dp = (uint16_t)rnd();
		uint8_t proto = protos[i % sizeof(protos)];

		for (unsigned n = 2; n <= 8; n *= 2) {
			pkt6(a, proto, s, d, sp, dp);
			pkt6(b, proto, d, s, dp, sp);
			unsigned qa = tun_flow_queue(a, sizeof(a), n);

			assert_true(qa < n);
			assert_int_equal(qa, tun_flow_queue(b, sizeof(b), n));
		}
	}
}

static void test_ports_count_for_tcp_and_udp_only(void **state)
{
	uint8_t p[48];
	unsigned moved[59] = { 0 };

	(void)state;
	srandom(11);
	for (unsigned i = 0; i < NFLOWS; i++) {
		uint32_t s = rnd(), d = rnd();

		for (unsigned k = 0; k < 3; k++) {
			unsigned proto = k == 0 ? 6 : k == 1 ? 17 : 58;

			pkt6(p, (uint8_t)proto, s, d, 1000, 2000);
			unsigned q = tun_flow_queue(p, sizeof(p), 2);

			/* ICMPv6: the echo identifier is at 44, the
			 * checksum at 42: neither counts */
			pkt6(p, (uint8_t)proto, s, d, (uint16_t)rnd(),
			     (uint16_t)rnd());
			p[44] = (uint8_t)rnd(), p[45] = (uint8_t)rnd();
			moved[proto] += tun_flow_queue(p, sizeof(p), 2) != q;
		}
	}
	/* other ports: half the flows change queue, about */
	assert_in_range(moved[6], NFLOWS * 4 / 10, NFLOWS * 6 / 10);
	assert_in_range(moved[17], NFLOWS * 4 / 10, NFLOWS * 6 / 10);
	assert_int_equal(moved[58], 0);
}

static void test_flows_spread_over_the_queues(void **state)
{
	uint8_t p[48];

	(void)state;
	srandom(13);
	for (unsigned n = 2; n <= 8; n++) {
		unsigned count[8] = { 0 };

		for (unsigned i = 0; i < NFLOWS; i++) {
			pkt6(p, 6, 0x0a000001, 0x0a000002, (uint16_t)rnd(),
			     443);
			count[tun_flow_queue(p, sizeof(p), n)]++;
		}
		for (unsigned q = 0; q < n; q++)
			assert_in_range(count[q], NFLOWS / n * 8 / 10,
					NFLOWS / n * 12 / 10);
		/* and hosts of one /64, one port pair */
		memset(count, 0, sizeof(count));
		for (unsigned i = 0; i < NFLOWS; i++) {
			pkt6(p, 17, i, 0x01000000, 5353, 53);
			count[tun_flow_queue(p, sizeof(p), n)]++;
		}
		for (unsigned q = 0; q < n; q++)
			assert_in_range(count[q], NFLOWS / n * 8 / 10,
					NFLOWS / n * 12 / 10);
	}
}

static void test_not_ipv6_or_one_queue(void **state)
{
	uint8_t p[48];

	(void)state;
	pkt6(p, 6, 1, 2, 3, 4);
	assert_int_equal(tun_flow_queue(p, sizeof(p), 1), 0);
	assert_int_equal(tun_flow_queue(p, sizeof(p), 0), 0);
	assert_int_equal(tun_flow_queue(p, 39, 4), 0);
	p[0] = 0x45;
	assert_int_equal(tun_flow_queue(p, sizeof(p), 4), 0);
	/* a TCP header cut short: addresses only, still in range, and the
	 * same for both directions */
	pkt6(p, 6, 1, 2, 3, 4);
	unsigned q = tun_flow_queue(p, 42, 4);
	pkt6(p, 6, 2, 1, 4, 3);
	assert_int_equal(tun_flow_queue(p, 42, 4), q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_both_directions_one_queue),
		cmocka_unit_test(test_ports_count_for_tcp_and_udp_only),
		cmocka_unit_test(test_flows_spread_over_the_queues),
		cmocka_unit_test(test_not_ipv6_or_one_queue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
