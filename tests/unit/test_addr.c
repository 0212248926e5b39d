/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for src/core/addr.c: RFC 6052 §2, §3.1; RFC 8215 §5. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "core/addr.h"

static struct pref64 pfx(const char *s)
{
	struct pref64 p;
	unsigned len;

	assert_int_equal(addr_parse6_prefix(s, &p.prefix, &len, true), 0);
	p.len = (uint8_t)len;
	return p;
}

/* Compare in binary: RFC 6052 writes "2100::" where RFC 5952 output
 * would be "2100:0". */
static void assert_addr6(const struct in6_addr *a, const char *want)
{
	struct in6_addr w;

	assert_int_equal(inet_pton(AF_INET6, want, &w), 1);
	assert_memory_equal(a, &w, 16);
}

/* covers: RFC 6052 §2.2 composition, §2.4 vectors (all six lengths) */
static void test_rfc6052_2_4_vectors(void **state)
{
	static const struct { const char *p, *want; } v[] = {
		{ "2001:db8::/32", "2001:db8:c000:221::" },
		{ "2001:db8:100::/40", "2001:db8:1c0:2:21::" },
		{ "2001:db8:122::/48", "2001:db8:122:c000:2:2100::" },
		{ "2001:db8:122:300::/56", "2001:db8:122:3c0:0:221::" },
		{ "2001:db8:122:344::/64", "2001:db8:122:344:c0:2:2100::" },
		{ "2001:db8:122:344::/96", "2001:db8:122:344::c000:221" },
		{ "64:ff9b::/96", "64:ff9b::c000:221" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct pref64 p = pfx(v[i].p);
		struct in6_addr a;
		addr_embed(&p, 0xc0000221, &a);
		assert_addr6(&a, v[i].want);
		assert_true(addr_in_pref64(&p, &a));
		assert_int_equal(addr_extract(&p, &a), 0xc0000221);
	}
}

/* covers: RFC 6052 §2.2 u-octet zero, §2.3 suffix and u-octet ignored */
static void test_rfc6052_2_3_extract_ignores_u_and_suffix(void **state)
{
	struct pref64 p = pfx("2001:db8::/32");
	struct in6_addr a;

	(void)state;
	inet_pton(AF_INET6, "2001:db8:c000:221:ff11:2233:4455:6677", &a);
	assert_int_equal(addr_extract(&p, &a), 0xc0000221);
	addr_embed(&p, 0xffffffff, &a);
	assert_int_equal(a.s6_addr[8], 0);
	for (int i = 9; i < 16; i++)
		assert_int_equal(a.s6_addr[i], 0);
}

/* covers: RFC 6052 §2.2 lengths, /96 u-octet, RFC 8215 §5 aggregate */
static void test_rfc6052_2_2_prefix_checks(void **state)
{
	static const struct { const char *p; int ok; } v[] = {
		{ "2001:db8::/32", 1 },   { "2001:db8::/33", 0 },
		{ "2001:db8::/128", 0 },  { "2001:db8::/0", 0 },
		{ "64:ff9b::/96", 1 },    { "64:ff9b:1::/48", 1 },
		{ "64:ff9b:1:2::/64", 1 }, { "64:ff9b::/32", 0 },
		{ "2001:db8:0:0:ff00::/96", 0 }, /* u octet set */
		{ "2001:db8::1/64", 0 },  /* host bits */
	};
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct pref64 p;
		unsigned len;
		const char *why = NULL;
		assert_int_equal(addr_parse6_prefix(v[i].p, &p.prefix, &len, true), 0);
		p.len = (uint8_t)len;
		int rc = addr_pref64_check(&p, &why);
		if (v[i].ok)
			assert_int_equal(rc, 0);
		else
			assert_true(rc < 0 && why != NULL);
	}
}

/* covers: RFC 6052 §2.1 the WKP is exactly 64:ff9b::/96 */
static void test_rfc6052_2_1_wkp_only_96(void **state)
{
	struct pref64 a = pfx("64:ff9b::/96"), b = pfx("64:ff9b:1::/96");
	struct pref64 c = pfx("64:ff9b::/64");

	(void)state;
	assert_true(addr_pref64_is_wkp(&a));
	assert_false(addr_pref64_is_wkp(&b));
	assert_false(addr_pref64_is_wkp(&c));
}

/* covers: RFC 6052 §2.4 dotted-quad tail accepted by the parser */
static void test_rfc6052_2_4_dotted_tail(void **state)
{
	struct in6_addr a;
	unsigned len;

	(void)state;
	assert_int_equal(addr_parse6_prefix("64:ff9b::192.0.2.33", &a, &len,
					    false), 0);
	assert_int_equal(len, 128);
	assert_addr6(&a, "64:ff9b::c000:221");
	assert_int_not_equal(addr_parse6_prefix("64:ff9b::/96x", &a, &len,
						true), 0);
	assert_int_not_equal(addr_parse6_prefix("64:ff9b::", &a, &len, true), 0);
}

static void test_parse4(void **state)
{
	uint32_t a;
	unsigned len;

	(void)state;
	assert_int_equal(addr_parse4_prefix("192.0.2.16/28", &a, &len), 0);
	assert_int_equal(a, 0xc0000210);
	assert_int_equal(len, 28);
	assert_int_equal(addr_parse4_prefix("192.0.2.1", &a, &len), 0);
	assert_int_equal(len, 32);
	assert_int_not_equal(addr_parse4_prefix("192.0.2.1/33", &a, &len), 0);
	assert_int_not_equal(addr_parse4_prefix("192.0.2/24", &a, &len), 0);
	assert_int_not_equal(addr_parse4_prefix("/24", &a, &len), 0);
}

/* The subscriber-prefix masks of pool4 and the NAT64 tables (RFC 6888
 * REQ-5 groups a client by its prefix). */
static void test_addr6_mask(void **state)
{
	static const struct {
		unsigned len;
		uint8_t m[16];
	} cases[] = {
		{ 0, { 0 } },
		{ 1, { 0x80 } },
		{ 56, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
		{ 60, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xf0 } },
		{ 127, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe } },
		{ 128, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } },
	};
	uint8_t got[16];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(got, 0x5a, sizeof(got));
		addr6_mask(cases[i].len, got);
		assert_memory_equal(got, cases[i].m, 16);
	}
}

/* Round trip of random addresses through every length. */
static void test_rfc6052_2_2_roundtrip_random(void **state)
{
	static const char *pl[] = { "2001:db8::/32", "2001:db8:100::/40",
				    "2001:db8:122::/48", "2001:db8:122:300::/56",
				    "2001:db8:122:344::/64", "64:ff9b::/96" };
	uint32_t x = 12345;

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		struct pref64 p = pfx(pl[i]);
		for (int k = 0; k < 1000; k++) {
			struct in6_addr a;
			x = x * 1103515245 + 12345;
			addr_embed(&p, x, &a);
			assert_true(addr_in_pref64(&p, &a));
			assert_int_equal(addr_extract(&p, &a), x);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6052_2_4_vectors),
		cmocka_unit_test(test_rfc6052_2_3_extract_ignores_u_and_suffix),
		cmocka_unit_test(test_rfc6052_2_2_prefix_checks),
		cmocka_unit_test(test_rfc6052_2_1_wkp_only_96),
		cmocka_unit_test(test_rfc6052_2_4_dotted_tail),
		cmocka_unit_test(test_parse4),
		cmocka_unit_test(test_rfc6052_2_2_roundtrip_random),
		cmocka_unit_test(test_addr6_mask),
	};
	return cmocka_run_group_tests_name("addr", tests, NULL, NULL);
}
