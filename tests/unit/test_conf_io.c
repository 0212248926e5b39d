/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgate.conf(5) worker I/O keys (issue 7): io = auto|uring|syscalls and
 * busy-poll = microseconds.  Defaults, values, errors with file:line, the
 * printed form, and that conf_equal() tells settings apart.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf/conf.h"

#define ERRLEN 256

static int parse(const char *text, struct sixgate_conf *c, char *err)
{
	return conf_parse_buf_warn("t.conf", text, strlen(text), c, err,
				   ERRLEN, NULL, NULL);
}

static void parse_ok(const char *text, struct sixgate_conf *c)
{
	char err[ERRLEN];

	if (parse(text, c, err) != 0)
		fail_msg("unexpected error: %s", err);
}

static void expect_error(const char *text, const char *msg)
{
	struct sixgate_conf c;
	char err[ERRLEN];

	assert_int_equal(parse(text, &c, err), -EINVAL);
	assert_string_equal(err, msg);
}

/* conf_print() output of text. */
static char *printed(const char *text)
{
	struct sixgate_conf c;
	char *out = NULL;
	size_t n = 0;
	FILE *f;

	parse_ok(text, &c);
	f = open_memstream(&out, &n);
	assert_non_null(f);
	assert_int_equal(conf_print(f, &c), 0);
	fclose(f);
	conf_free(&c);
	return out;
}

static void test_io_defaults(void **state)
{
	struct sixgate_conf c;

	(void)state;
	parse_ok("", &c);
	assert_int_equal(c.io, CONF_IO_AUTO);
	assert_int_equal(c.busy_poll, 0);
	conf_free(&c);
}

static void test_io_values(void **state)
{
	static const struct {
		const char *text;
		enum conf_io io;
	} cases[] = {
		{ "io = auto\n", CONF_IO_AUTO },
		{ "io = uring\n", CONF_IO_URING },
		{ "io = syscalls\n", CONF_IO_SYSCALLS },
		{ "io = URING\n", CONF_IO_URING },
	};
	struct sixgate_conf c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_ok(cases[i].text, &c);
		assert_int_equal(c.io, cases[i].io);
		conf_free(&c);
	}
	parse_ok("busy-poll = 50\n", &c);
	assert_int_equal(c.busy_poll, 50);
	conf_free(&c);
	parse_ok("busy-poll = 10000\n", &c);
	assert_int_equal(c.busy_poll, CONF_BUSY_POLL_MAX);
	conf_free(&c);
}

static void test_io_errors(void **state)
{
	(void)state;
	expect_error("io = epoll\n",
		     "t.conf:1: io: 'epoll' is not auto, uring or syscalls");
	expect_error("busy-poll = 10001\n",
		     "t.conf:1: busy-poll: 10001 is out of range (0-10000)");
	expect_error("busy-poll = -1\n",
		     "t.conf:1: busy-poll: '-1' is not a number");
	expect_error("[siit]\nio = uring\n",
		     "t.conf:2: 'io' is a global key: put it before the first "
		     "section");
}

static void test_io_printed_and_compared(void **state)
{
	struct sixgate_conf a, b;
	char *out;

	(void)state;
	out = printed("");
	assert_non_null(strstr(out, "\nio = auto\nbusy-poll = 0\n"));
	free(out);
	out = printed("io = syscalls\nbusy-poll = 25\n");
	assert_non_null(strstr(out, "\nio = syscalls\nbusy-poll = 25\n"));
	/* the printed form parses back to the same settings */
	parse_ok(out, &a);
	parse_ok("io = syscalls\nbusy-poll = 25\n", &b);
	assert_true(conf_equal(&a, &b));
	conf_free(&a);
	conf_free(&b);
	free(out);
	parse_ok("io = uring\n", &a);
	parse_ok("io = syscalls\n", &b);
	assert_false(conf_equal(&a, &b));
	conf_free(&a);
	conf_free(&b);
	parse_ok("busy-poll = 1\n", &a);
	parse_ok("", &b);
	assert_false(conf_equal(&a, &b));
	conf_free(&a);
	conf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_io_defaults),
		cmocka_unit_test(test_io_values),
		cmocka_unit_test(test_io_errors),
		cmocka_unit_test(test_io_printed_and_compared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
