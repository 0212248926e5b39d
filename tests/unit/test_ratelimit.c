/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated's ICMP error token bucket (src/daemon/ratelimit.c): RFC 4443
 * §2.4 (f) asks for an average rate and a burst size; icmp-error-rate is
 * both, per second and per worker.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "daemon/ratelimit.h"

#define MS 1000000ull
#define T0 (5000 * MS)

static unsigned take_all(struct tbucket *tb, uint64_t now, uint32_t rate)
{
	unsigned n = 0;

	while (n < 10 * rate + 10 && tbucket_take(tb, now, rate))
		n++;
	return n;
}

static void test_rfc4443_2_4_f_burst_is_one_second(void **state)
{
	struct tbucket tb;

	tbucket_init(&tb, T0, 100);
	assert_int_equal(take_all(&tb, T0, 100), 100);
	assert_false(tbucket_take(&tb, T0, 100));
}

static void test_rfc4443_2_4_f_average_rate(void **state)
{
	struct tbucket tb;
	unsigned got = 0;

	tbucket_init(&tb, T0, 100);
	take_all(&tb, T0, 100);
	/* Ten seconds of 1 ms steps: 100 per second, no more. */
	for (uint64_t t = 1; t <= 10000; t++)
		got += tbucket_take(&tb, T0 + t * MS, 100);
	assert_int_equal(got, 1000);
}

static void test_refill_caps_at_rate(void **state)
{
	struct tbucket tb;

	tbucket_init(&tb, T0, 50);
	take_all(&tb, T0, 50);
	assert_int_equal(take_all(&tb, T0 + 60000 * MS, 50), 50);
}

static void test_fraction_kept(void **state)
{
	struct tbucket tb;

	/* rate 3: a token every 333.3 ms; 500 ms credits one and keeps the
	 * rest, so 700 ms credits the second. */
	tbucket_init(&tb, T0, 3);
	take_all(&tb, T0, 3);
	assert_true(tbucket_take(&tb, T0 + 500 * MS, 3));
	assert_false(tbucket_take(&tb, T0 + 600 * MS, 3));
	assert_true(tbucket_take(&tb, T0 + 700 * MS, 3));
}

static void test_zero_is_unlimited(void **state)
{
	struct tbucket tb;

	tbucket_init(&tb, T0, 0);
	for (int i = 0; i < 100000; i++)
		assert_true(tbucket_take(&tb, T0, 0));
}

static void test_rate_lowered_and_clock_backwards(void **state)
{
	struct tbucket tb;

	tbucket_init(&tb, T0, 1000);
	/* icmp-error-rate lowered by a reload: the burst shrinks at once. */
	assert_int_equal(take_all(&tb, T0, 10), 10);
	assert_false(tbucket_take(&tb, T0 - 1000 * MS, 10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4443_2_4_f_burst_is_one_second),
		cmocka_unit_test(test_rfc4443_2_4_f_average_rate),
		cmocka_unit_test(test_refill_caps_at_rate),
		cmocka_unit_test(test_fraction_kept),
		cmocka_unit_test(test_zero_is_unlimited),
		cmocka_unit_test(test_rate_lowered_and_clock_backwards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
