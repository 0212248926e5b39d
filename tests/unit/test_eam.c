/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for src/core/eam.c, RFC 7757 §3 and §5.  The table is also
 * checked against a deliberately naive linear model with random rows and
 * random lookups (STYLE rule 12).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/eam.h"

static struct eam_entry row(const char *v4, const char *v6)
{
	struct eam_entry e;
	unsigned l4, l6;

	assert_int_equal(addr_parse4_prefix(v4, &e.v4, &l4), 0);
	assert_int_equal(addr_parse6_prefix(v6, &e.v6, &l6, false), 0);
	e.len4 = (uint8_t)l4;
	e.len6 = (uint8_t)l6;
	return e;
}

static struct eam_table *fig1(void)
{
	static const char *rows[][2] = {
		{ "192.0.2.1", "2001:db8:aaaa::" },
		{ "192.0.2.2/32", "2001:db8:bbbb::b/128" },
		{ "192.0.2.16/28", "2001:db8:cccc::/124" },
		{ "192.0.2.128/26", "2001:db8:dddd::/64" },
		{ "192.0.2.192/29", "2001:db8:eeee:8::/62" },
		{ "192.0.2.224/31", "64:ff9b::/127" },
	};
	struct eam_table *t = eam_new();
	bool ov;

	for (size_t i = 0; i < 6; i++) {
		struct eam_entry e = row(rows[i][0], rows[i][1]);
		assert_int_equal(eam_add(t, &e, &ov), 0);
	}
	return t;
}

/* covers: RFC 7757 §3.3.1, §3.3.2, App. B Fig. 7 both directions */
static void test_rfc7757_appb_fig7(void **state)
{
	static const struct { const char *v4, *v6; } v[] = {
		{ "192.0.2.1", "2001:db8:aaaa::" },
		{ "192.0.2.2", "2001:db8:bbbb::b" },
		{ "192.0.2.16", "2001:db8:cccc::" },
		{ "192.0.2.24", "2001:db8:cccc::8" },
		{ "192.0.2.31", "2001:db8:cccc::f" },
		{ "192.0.2.128", "2001:db8:dddd::" },
		{ "192.0.2.152", "2001:db8:dddd:0:6000::" },
		{ "192.0.2.183", "2001:db8:dddd:0:dc00::" },
		{ "192.0.2.191", "2001:db8:dddd:0:fc00::" },
		{ "192.0.2.195", "2001:db8:eeee:9:8000::" },
		{ "192.0.2.225", "64:ff9b::1" },
	};
	struct eam_table *t = fig1();

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct in6_addr a6, want6;
		struct in_addr a4;
		uint32_t got4;
		inet_pton(AF_INET, v[i].v4, &a4);
		inet_pton(AF_INET6, v[i].v6, &want6);
		assert_true(eam_lookup4(t, ntohl(a4.s_addr), &a6));
		assert_memory_equal(&a6, &want6, 16);
		assert_true(eam_lookup6(t, &want6, &got4));
		assert_int_equal(got4, ntohl(a4.s_addr));
	}
	/* 192.0.2.248 matches no row: the RFC 6052 fallback applies. */
	struct in6_addr a6;
	assert_false(eam_lookup4(t, 0xc00002f8, &a6));
	eam_free(t);
}

/* covers: RFC 7757 §3.2 suffix rule, §5 duplicate prefixes refused,
 * overlap warning */
static void test_rfc7757_3_2_and_5_refusals(void **state)
{
	struct eam_table *t = fig1();
	struct eam_entry e;
	bool ov;

	(void)state;
	e = row("192.0.2.0/24", "2001:db8:ffff::/120");
	assert_int_equal(eam_add(t, &e, &ov), 0); /* 8 ≤ 8 */
	assert_true(ov); /* covers the Fig. 1 rows */
	e = row("198.51.100.0/24", "2001:db8:1::/121"); /* 8 > 7 */
	assert_int_equal(eam_add(t, &e, &ov), -EINVAL);
	e = row("192.0.2.1", "2001:db8:9999::"); /* same IPv4 prefix */
	assert_int_equal(eam_add(t, &e, &ov), -EEXIST);
	e = row("203.0.113.9", "2001:db8:aaaa::"); /* same IPv6 prefix */
	assert_int_equal(eam_add(t, &e, &ov), -EEXIST);
	e = row("203.0.113.1/24", "2001:db8:7::/120"); /* host bits */
	assert_int_equal(eam_add(t, &e, &ov), -EINVAL);
	assert_int_equal(eam_count(t), 7);
	assert_int_equal(eam_del4(t, 0xc0000200, 24), 0);
	assert_int_equal(eam_del4(t, 0xc0000200, 24), -ENOENT);
	struct in6_addr a;
	inet_pton(AF_INET6, "2001:db8:aaaa::", &a);
	assert_int_equal(eam_del6(t, &a, 128), 0);
	assert_false(eam_lookup4(t, 0xc0000201, &a));
	assert_int_equal(eam_count(t), 5);
	eam_free(t);
}

/* The naive model: scan every row, keep the longest match. */
static bool naive4(const struct eam_entry *rows, size_t n, uint32_t a,
		   const struct eam_entry **hit)
{
	*hit = NULL;
	for (size_t i = 0; i < n; i++)
		if (addr4_match(a, rows[i].v4, rows[i].len4) &&
		    (!*hit || rows[i].len4 > (*hit)->len4))
			*hit = &rows[i];
	return *hit != NULL;
}

static bool naive6(const struct eam_entry *rows, size_t n,
		   const struct in6_addr *a, const struct eam_entry **hit)
{
	*hit = NULL;
	for (size_t i = 0; i < n; i++)
		if (addr6_match(a, &rows[i].v6, rows[i].len6) &&
		    (!*hit || rows[i].len6 > (*hit)->len6))
			*hit = &rows[i];
	return *hit != NULL;
}

static uint32_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint32_t)*s;
}

/* Random rows in a small space so that matches and overlaps are common. */
static struct eam_entry random_row(uint64_t *s)
{
	struct eam_entry e;
	e.len4 = (uint8_t)(24 + rnd(s) % 9);
	e.v4 = (0xc0000200 | (rnd(s) & 0xff)) & (e.len4 ? ~0u << (32 - e.len4) : 0);
	unsigned suffix4 = 32 - e.len4;
	e.len6 = (uint8_t)(96 + rnd(s) % (33 - suffix4));
	memset(&e.v6, 0, sizeof(e.v6));
	e.v6.s6_addr[0] = 0x20;
	e.v6.s6_addr[1] = 0x01;
	e.v6.s6_addr[2] = 0x0d;
	e.v6.s6_addr[3] = 0xb8;
	e.v6.s6_addr[12] = (uint8_t)(rnd(s) & 3);
	e.v6.s6_addr[15] = (uint8_t)rnd(s);
	for (unsigned b = e.len6; b < 128; b++)
		e.v6.s6_addr[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
	return e;
}

/* covers: RFC 7757 §3.3 results equal the described steps (vs. a model) */
static void test_rfc7757_3_3_random_vs_naive(void **state)
{
	uint64_t s = 0x9e3779b97f4a7c15ull;
	(void)state;

	for (int round = 0; round < 50; round++) {
		struct eam_table *t = eam_new();
		struct eam_entry rows[64];
		size_t n = 0;
		for (int k = 0; k < 40; k++) {
			struct eam_entry e = random_row(&s);
			bool ov;
			if (eam_add(t, &e, &ov) == 0)
				rows[n++] = e;
		}
		assert_int_equal(eam_count(t), n);
		for (int q = 0; q < 2000; q++) {
			uint32_t a = 0xc0000200 | (rnd(&s) & 0xff);
			const struct eam_entry *h;
			struct in6_addr got;
			bool hit = naive4(rows, n, a, &h);
			assert_int_equal(eam_lookup4(t, a, &got), hit);
			if (hit) {
				assert_true(addr6_match(&got, &h->v6, h->len6));
				uint32_t back;
				/* The reverse maps back unless a longer IPv6
				 * row covers the result. */
				const struct eam_entry *h6;
				assert_true(naive6(rows, n, &got, &h6));
				assert_true(eam_lookup6(t, &got, &back));
				if (h6 == h)
					assert_int_equal(back, a);
			}
			struct in6_addr a6 = rows[rnd(&s) % (n ? n : 1)].v6;
			a6.s6_addr[15] ^= (uint8_t)(rnd(&s) & 0x1f);
			uint32_t g4;
			bool hit6 = naive6(rows, n, &a6, &h);
			assert_int_equal(eam_lookup6(t, &a6, &g4), hit6);
			if (hit6)
				assert_true(addr4_match(g4, h->v4, h->len4));
		}
		eam_free(t);
	}
}

static void test_eam_clone_independent(void **state)
{
	struct eam_table *t = fig1(), *c = eam_clone(t);
	struct in6_addr a;

	(void)state;
	assert_int_equal(eam_del4(t, 0xc0000201, 32), 0);
	assert_true(eam_lookup4(c, 0xc0000201, &a));
	assert_false(eam_lookup4(t, 0xc0000201, &a));
	eam_free(t);
	eam_free(c);
	assert_false(eam_lookup4(NULL, 1, &a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7757_appb_fig7),
		cmocka_unit_test(test_rfc7757_3_2_and_5_refusals),
		cmocka_unit_test(test_rfc7757_3_3_random_vs_naive),
		cmocka_unit_test(test_eam_clone_independent),
	};
	return cmocka_run_group_tests_name("eam", tests, NULL, NULL);
}
