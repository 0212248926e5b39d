/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for src/core/icmp.c: RFC 7915 §4.2 and §5.2 tables. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/internal.h"

/* covers: RFC 7915 §4.2 every ICMPv4 type/code */
static void test_rfc7915_4_2_type_code_table(void **state)
{
	/* {type4, code4, type6, code6} ; type6 255 = dropped */
	static const uint8_t v[][4] = {
		{ 8, 0, 128, 0 },  { 0, 0, 129, 0 },  { 3, 0, 1, 0 },
		{ 3, 1, 1, 0 },    { 3, 2, 4, 1 },    { 3, 3, 1, 4 },
		{ 3, 4, 2, 0 },    { 3, 5, 1, 0 },    { 3, 6, 1, 0 },
		{ 3, 7, 1, 0 },    { 3, 8, 1, 0 },    { 3, 9, 1, 1 },
		{ 3, 10, 1, 1 },   { 3, 11, 1, 0 },   { 3, 12, 1, 0 },
		{ 3, 13, 1, 1 },   { 3, 14, 255, 0 }, { 3, 15, 1, 1 },
		{ 3, 16, 255, 0 }, { 4, 0, 255, 0 },  { 5, 0, 255, 0 },
		{ 6, 0, 255, 0 },  { 9, 0, 255, 0 },  { 10, 0, 255, 0 },
		{ 11, 0, 3, 0 },   { 11, 1, 3, 1 },   { 12, 0, 4, 0 },
		{ 12, 1, 255, 0 }, { 12, 2, 4, 0 },   { 13, 0, 255, 0 },
		{ 14, 0, 255, 0 }, { 15, 0, 255, 0 }, { 16, 0, 255, 0 },
		{ 17, 0, 255, 0 }, { 18, 0, 255, 0 }, { 42, 0, 255, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct icmp_map m;
		bool ok = icmp_map_4to6(v[i][0], v[i][1], &m);
		if (v[i][2] == 255) {
			assert_false(ok);
			continue;
		}
		assert_true(ok);
		assert_int_equal(m.type, v[i][2]);
		assert_int_equal(m.code, v[i][3]);
	}
}

/* covers: RFC 7915 §5.2 every ICMPv6 type/code */
static void test_rfc7915_5_2_type_code_table(void **state)
{
	static const uint8_t v[][4] = {
		{ 128, 0, 8, 0 },   { 129, 0, 0, 0 },   { 1, 0, 3, 1 },
		{ 1, 1, 3, 10 },    { 1, 2, 3, 1 },     { 1, 3, 3, 1 },
		{ 1, 4, 3, 3 },     { 1, 5, 255, 0 },   { 1, 6, 255, 0 },
		{ 2, 0, 3, 4 },     { 3, 0, 11, 0 },    { 3, 1, 11, 1 },
		{ 4, 0, 12, 0 },    { 4, 1, 3, 2 },     { 4, 2, 255, 0 },
		{ 4, 3, 255, 0 },   { 130, 0, 255, 0 }, { 131, 0, 255, 0 },
		{ 132, 0, 255, 0 }, { 133, 0, 255, 0 }, { 134, 0, 255, 0 },
		{ 135, 0, 255, 0 }, { 136, 0, 255, 0 }, { 137, 0, 255, 0 },
		{ 200, 0, 255, 0 }, { 5, 0, 255, 0 },   { 100, 0, 255, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct icmp_map m;
		bool ok = icmp_map_6to4(v[i][0], v[i][1], &m);
		if (v[i][2] == 255) {
			assert_false(ok);
			continue;
		}
		assert_true(ok);
		assert_int_equal(m.type, v[i][2]);
		assert_int_equal(m.code, v[i][3]);
	}
}

/* covers: RFC 7915 §4.2 Figure 3 */
static void test_rfc7915_4_2_pointer_fig3(void **state)
{
	static const int want[] = { 0, 1, 4, 4, -1, -1, -1, -1, 7, 6, -1, -1,
				    8, 8, 8, 8, 24, 24, 24, 24, -1, -1 };
	(void)state;
	for (unsigned p = 0; p < sizeof(want) / sizeof(want[0]); p++)
		assert_int_equal(icmp_ptr_4to6(p), want[p]);
	assert_int_equal(icmp_ptr_4to6(255), -1);
}

/* covers: RFC 7915 §5.2 Figure 6 */
static void test_rfc7915_5_2_pointer_fig6(void **state)
{
	(void)state;
	assert_int_equal(icmp_ptr_6to4(0), 0);
	assert_int_equal(icmp_ptr_6to4(1), 1);
	assert_int_equal(icmp_ptr_6to4(2), -1);
	assert_int_equal(icmp_ptr_6to4(3), -1);
	assert_int_equal(icmp_ptr_6to4(4), 2);
	assert_int_equal(icmp_ptr_6to4(5), 2);
	assert_int_equal(icmp_ptr_6to4(6), 9);
	assert_int_equal(icmp_ptr_6to4(7), 8);
	for (unsigned p = 8; p < 24; p++)
		assert_int_equal(icmp_ptr_6to4(p), 12);
	for (unsigned p = 24; p < 40; p++)
		assert_int_equal(icmp_ptr_6to4(p), 16);
	assert_int_equal(icmp_ptr_6to4(40), -1);
}

/* covers: RFC 7915 §4.2 PTB MTU formula, 1280 floor, RFC 1191 plateaus */
static void test_rfc7915_4_2_mtu(void **state)
{
	struct xlat_ctx c;

	(void)state;
	xlat_ctx_init(&c);
	c.ipv6_mtu = 1500;
	c.ipv4_mtu = 1500;
	assert_int_equal(icmp_mtu_4to6(&c, 1400, 1500), 1420);
	assert_int_equal(icmp_mtu_4to6(&c, 1490, 1500), 1500);
	assert_int_equal(icmp_mtu_4to6(&c, 576, 1500), 1280);
	c.ipv4_mtu = 1300;
	assert_int_equal(icmp_mtu_4to6(&c, 1400, 1500), 1320);
	c.ipv4_mtu = 9000;
	c.ipv6_mtu = 9000;
	/* MTU 0: largest plateau below the quoted Total Length. */
	assert_int_equal(icmp_mtu_4to6(&c, 0, 8000), 4352 + 20);
	assert_int_equal(icmp_mtu_4to6(&c, 0, 1500), 1492 + 20);
	assert_int_equal(icmp_mtu_4to6(&c, 0, 1400), 1280);
	assert_int_equal(icmp_mtu_4to6(&c, 0, 60), 1280);
}

/* covers: RFC 7915 §5.2 Fragmentation Needed MTU */
static void test_rfc7915_5_2_mtu(void **state)
{
	struct xlat_ctx c;

	(void)state;
	xlat_ctx_init(&c);
	assert_int_equal(icmp_mtu_6to4(&c, 1400, false), 1380);
	assert_int_equal(icmp_mtu_6to4(&c, 1400, true), 1372);
	assert_int_equal(icmp_mtu_6to4(&c, 9000, false), 1480); /* ipv6 1500 */
	c.ipv6_mtu = 65575;
	c.ipv4_mtu = 70000;
	assert_int_equal(icmp_mtu_6to4(&c, 100000, false), 65535);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc7915_4_2_type_code_table),
		cmocka_unit_test(test_rfc7915_5_2_type_code_table),
		cmocka_unit_test(test_rfc7915_4_2_pointer_fig3),
		cmocka_unit_test(test_rfc7915_5_2_pointer_fig6),
		cmocka_unit_test(test_rfc7915_4_2_mtu),
		cmocka_unit_test(test_rfc7915_5_2_mtu),
	};
	return cmocka_run_group_tests_name("icmp", tests, NULL, NULL);
}
