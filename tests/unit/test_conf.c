/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgate.conf parser tests: every key, every error with its file:line
 * message, conf_print() -> conf_parse_buf() round trip, and the checks made
 * on behalf of RFC 6052 §2.2 / §3.1, RFC 8215 §5 and RFC 7757 §3.2 / §5.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "conf/conf.h"

#define ERRLEN 512
/* A network-specific prefix, so [siit] draws no RFC 6052 §3.1 warning. */
#define NSP "pref64 = 2001:db8:64::/96\n"

/* Warnings seen by the last parse, joined with '\n'. */
static char warnings[4096];

static void collect_warning(void *arg, const char *msg)
{
	size_t n = strlen(warnings);

	snprintf(warnings + n, sizeof(warnings) - n, "%s\n", msg);
}

static int parse(const char *text, struct sixgate_conf *c, char *err)
{
	warnings[0] = '\0';
	return conf_parse_buf_warn("t.conf", text, strlen(text), c, err,
				   ERRLEN, collect_warning, NULL);
}

static void parse_ok(const char *text, struct sixgate_conf *c)
{
	char err[ERRLEN];
	int rc = parse(text, c, err);

	if (rc != 0)
		fail_msg("unexpected error: %s", err);
}

static void expect_error(const char *text, const char *msg)
{
	struct sixgate_conf c;
	char err[ERRLEN];

	assert_int_equal(parse(text, &c, err), -EINVAL);
	assert_string_equal(err, msg);
}

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static uint32_t a4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

static void assert_a6(const struct in6_addr *got, const char *want)
{
	struct in6_addr w = a6(want);

	assert_memory_equal(got, &w, sizeof(w));
}

/* ---- defaults -------------------------------------------------------- */

static void test_defaults_empty_file(void **state)
{
	struct sixgate_conf c;
	struct xlat_ctx def;

	parse_ok("", &c);
	xlat_ctx_init(&def);
	assert_int_equal(c.pref64.len, 96);
	assert_a6(&c.pref64.prefix, "64:ff9b::");
	assert_false(c.allow_nonglobal_wkp);
	assert_false(c.allow_nonglobal_wkp_icmp);
	assert_int_equal(c.nnonglobal, def.nnonglobal);
	assert_memory_equal(c.nonglobal, def.nonglobal,
			    def.nnonglobal * sizeof(def.nonglobal[0]));
	assert_false(c.siit.enabled);
	conf_free(&c);
}

static void test_defaults_siit(void **state)
{
	struct sixgate_conf c;
	struct xlat_ctx def;
	const struct xlat_ctx *x = &c.siit.ctx;

	parse_ok("[siit]\n", &c);
	xlat_ctx_init(&def);
	assert_true(c.siit.enabled);
	assert_non_null(c.siit.eam);
	assert_ptr_equal(x->eam, c.siit.eam);
	assert_int_equal(eam_count(c.siit.eam), 0);
	assert_int_equal(x->pool6.len, 96);
	assert_a6(&x->pool6.prefix, "64:ff9b::");
	assert_int_equal(x->npool6791, 0);
	assert_int_equal(x->untrans_src, XLAT_UNTRANS_AUTO);
	assert_int_equal(x->lowest_ipv6_mtu, 1280);
	assert_int_equal(x->ipv4_mtu, 1500);
	assert_int_equal(x->ipv6_mtu, 1500);
	assert_int_equal(x->nplateaus, def.nplateaus);
	assert_memory_equal(x->plateaus, def.plateaus,
			    def.nplateaus * sizeof(def.plateaus[0]));
	assert_int_equal(x->udp_zero, XLAT_UDP_ZERO_COMPUTE);
	assert_int_equal(x->tc_mode, XLAT_TOS_COPY);
	assert_int_equal(x->tos_mode, XLAT_TOS_COPY);
	assert_true(x->icmp_errors);
	assert_true(x->eam_hairpin);
	assert_true(x->icmp_source_object);
	assert_true(x->drop_invalid_src);
	assert_int_equal(x->self4, a4("192.0.0.8"));
	assert_a6(&x->self6, "64:ff9b::192.0.0.8");
	assert_false(x->allow_nonglobal_wkp);
	assert_int_equal(x->nnonglobal, def.nnonglobal);
	conf_free(&c);
}

/* ---- global keys ----------------------------------------------------- */

static void test_global_keys(void **state)
{
	struct sixgate_conf c;

	parse_ok("pref64 = 2001:db8:100::/40\n"
		 "allow-nonglobal-wkp = yes\n"
		 "allow-nonglobal-wkp-icmp = on\n"
		 "wkp-nonglobal = 10.0.0.0/8\n"
		 "wkp-nonglobal = 192.0.2.1\n"
		 "[siit]\n", &c);
	assert_int_equal(c.pref64.len, 40);
	assert_a6(&c.pref64.prefix, "2001:db8:100::");
	assert_true(c.allow_nonglobal_wkp);
	assert_true(c.allow_nonglobal_wkp_icmp);
	/* The first occurrence replaces the default list. */
	assert_int_equal(c.nnonglobal, 2);
	assert_int_equal(c.nonglobal[0].addr, a4("10.0.0.0"));
	assert_int_equal(c.nonglobal[0].len, 8);
	assert_int_equal(c.nonglobal[1].addr, a4("192.0.2.1"));
	assert_int_equal(c.nonglobal[1].len, 32);
	/* ... and all of it reaches the translator context. */
	assert_true(c.siit.ctx.allow_nonglobal_wkp);
	assert_true(c.siit.ctx.allow_nonglobal_wkp_icmp);
	assert_int_equal(c.siit.ctx.nnonglobal, 2);
	assert_int_equal(c.siit.ctx.nonglobal[1].addr, a4("192.0.2.1"));
	assert_int_equal(c.siit.ctx.pool6.len, 40);
	/* RFC 6052 §2.2 /40: three octets, the u octet, then the last. */
	assert_a6(&c.siit.ctx.self6, "2001:db8:1c0:0:8::");
	conf_free(&c);
}

static void test_bool_spellings(void **state)
{
	static const char *const yes[] = { "yes", "on", "true", "1", "YES" };
	static const char *const no[] = { "no", "off", "false", "0", "Off" };
	struct sixgate_conf c;
	char text[128];

	for (size_t i = 0; i < 5; i++) {
		snprintf(text, sizeof(text), "allow-nonglobal-wkp = %s\n",
			 yes[i]);
		parse_ok(text, &c);
		assert_true(c.allow_nonglobal_wkp);
		conf_free(&c);
		snprintf(text, sizeof(text), "allow-nonglobal-wkp = %s\n",
			 no[i]);
		parse_ok(text, &c);
		assert_false(c.allow_nonglobal_wkp);
		conf_free(&c);
	}
}

/* ---- [siit] keys ----------------------------------------------------- */

static const char every_key[] =
	"pref64 = 2001:db8:64::/96\n"
	"allow-nonglobal-wkp = yes\n"
	"allow-nonglobal-wkp-icmp = yes\n"
	"wkp-nonglobal = 10.0.0.0/8\n"
	"[siit]\n"
	"pool6 = 2001:db8:46::/64\n"
	"eam = 192.0.2.1 2001:db8:aaaa::\n"
	"eam = 192.0.2.16/28 2001:db8:cccc::/124\n"
	"pool6791 = 198.51.100.1\n"
	"pool6791 = 198.51.100.2\n"
	"untranslatable-source = pool\n"
	"lowest-ipv6-mtu = 1400\n"
	"ipv4-mtu = 1492\n"
	"ipv6-mtu = 9000\n"
	"mtu-plateaus = 9000 1500 576 68\n"
	"udp-zero-checksum = drop\n"
	"traffic-class = 46\n"
	"tos = 0\n"
	"icmp-errors = no\n"
	"eam-hairpin = no\n"
	"icmp-source-object = no\n"
	"drop-invalid-source = no\n"
	"ipv4-address = 203.0.113.1\n"
	"ipv6-address = 2001:db8::1\n";

static void test_siit_every_key(void **state)
{
	struct sixgate_conf c;
	const struct xlat_ctx *x = &c.siit.ctx;
	const struct eam_entry *e;

	parse_ok(every_key, &c);
	assert_int_equal(x->pool6.len, 64);
	assert_a6(&x->pool6.prefix, "2001:db8:46::");
	assert_int_equal(eam_count(c.siit.eam), 2);
	e = eam_get(c.siit.eam, 0);
	assert_int_equal(e->v4, a4("192.0.2.1"));
	assert_int_equal(e->len4, 32);
	assert_a6(&e->v6, "2001:db8:aaaa::");
	assert_int_equal(e->len6, 128);
	e = eam_get(c.siit.eam, 1);
	assert_int_equal(e->len4, 28);
	assert_int_equal(e->len6, 124);
	assert_int_equal(x->npool6791, 2);
	assert_int_equal(x->pool6791[1], a4("198.51.100.2"));
	assert_int_equal(x->untrans_src, XLAT_UNTRANS_POOL);
	assert_int_equal(x->lowest_ipv6_mtu, 1400);
	assert_int_equal(x->ipv4_mtu, 1492);
	assert_int_equal(x->ipv6_mtu, 9000);
	assert_int_equal(x->nplateaus, 4);
	assert_int_equal(x->plateaus[0], 9000);
	assert_int_equal(x->plateaus[3], 68);
	assert_int_equal(x->udp_zero, XLAT_UDP_ZERO_DROP);
	assert_int_equal(x->tc_mode, XLAT_TOS_FIXED);
	assert_int_equal(x->tc_value, 46);
	assert_int_equal(x->tos_mode, XLAT_TOS_FIXED);
	assert_int_equal(x->tos_value, 0);
	assert_false(x->icmp_errors);
	assert_false(x->eam_hairpin);
	assert_false(x->icmp_source_object);
	assert_false(x->drop_invalid_src);
	assert_int_equal(x->self4, a4("203.0.113.1"));
	assert_a6(&x->self6, "2001:db8::1");
	assert_true(x->allow_nonglobal_wkp);
	assert_true(x->allow_nonglobal_wkp_icmp);
	assert_int_equal(x->nnonglobal, 1);
	assert_string_equal(warnings, "");
	conf_free(&c);
}

static void test_untranslatable_source_values(void **state)
{
	struct sixgate_conf c;

	parse_ok("[siit]\nuntranslatable-source = dummy\n", &c);
	assert_int_equal(c.siit.ctx.untrans_src, XLAT_UNTRANS_DUMMY);
	conf_free(&c);
	parse_ok("[siit]\nuntranslatable-source = auto\n", &c);
	assert_int_equal(c.siit.ctx.untrans_src, XLAT_UNTRANS_AUTO);
	conf_free(&c);
}

static void test_tos_copy_and_bounds(void **state)
{
	struct sixgate_conf c;

	parse_ok("[siit]\ntraffic-class = copy\ntos = 255\n", &c);
	assert_int_equal(c.siit.ctx.tc_mode, XLAT_TOS_COPY);
	assert_int_equal(c.siit.ctx.tos_mode, XLAT_TOS_FIXED);
	assert_int_equal(c.siit.ctx.tos_value, 255);
	conf_free(&c);
}

static void test_mtu_bounds_accepted(void **state)
{
	struct sixgate_conf c;

	parse_ok("[siit]\nlowest-ipv6-mtu = 65535\nipv4-mtu = 68\n"
		 "ipv6-mtu = 65535\nmtu-plateaus = 65535\n", &c);
	assert_int_equal(c.siit.ctx.lowest_ipv6_mtu, 65535);
	assert_int_equal(c.siit.ctx.ipv4_mtu, 68);
	assert_int_equal(c.siit.ctx.nplateaus, 1);
	conf_free(&c);
}

static void test_pool6_defaults_to_pref64(void **state)
{
	struct sixgate_conf c;

	parse_ok("pref64 = 2001:db8:1::/48\n[siit]\n", &c);
	assert_int_equal(c.siit.ctx.pool6.len, 48);
	assert_a6(&c.siit.ctx.pool6.prefix, "2001:db8:1::");
	conf_free(&c);
}

/* The default self6 is computed after the whole file, so the order of
 * pool6 and ipv4-address does not matter. */
static void test_self6_default_after_all_keys(void **state)
{
	struct sixgate_conf c;

	parse_ok("[siit]\nipv4-address = 198.51.100.7\n"
		 "pool6 = 2001:db8:46::/96\n", &c);
	assert_a6(&c.siit.ctx.self6, "2001:db8:46::198.51.100.7");
	conf_free(&c);
}

/* ---- RFC 6052 / RFC 8215 prefix checks --------------------------------- */

static void test_rfc6052_2_2_all_lengths_accepted(void **state)
{
	static const char *const ok[] = {
		"2001:db8::/32", "2001:db8:100::/40", "2001:db8:122::/48",
		"2001:db8:122:300::/56", "2001:db8:122:344::/64",
		"2001:db8:122:344::/96",
	};
	struct sixgate_conf c;
	char text[128];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(text, sizeof(text), "pref64 = %s\n", ok[i]);
		parse_ok(text, &c);
		conf_free(&c);
	}
}

static void test_rfc6052_2_2_bad_prefix_length_refused(void **state)
{
	expect_error("pref64 = 2001:db8::/33\n",
		     "t.conf:1: pref64: 2001:db8::/33: prefix length must be "
		     "32, 40, 48, 56, 64 or 96 (RFC 6052 2.2)");
	expect_error("[siit]\npool6 = 2001:db8::/128\n",
		     "t.conf:2: pool6: 2001:db8::/128: prefix length must be "
		     "32, 40, 48, 56, 64 or 96 (RFC 6052 2.2)");
}

static void test_rfc6052_2_2_missing_length_refused(void **state)
{
	expect_error("pref64 = 2001:db8::\n",
		     "t.conf:1: pref64: '2001:db8::' is not an IPv6 prefix "
		     "(ADDRESS/LENGTH)");
}

static void test_rfc6052_2_2_u_octet_refused(void **state)
{
	expect_error("pref64 = 2001:db8:0:0:ff00::/96\n",
		     "t.conf:1: pref64: 2001:db8:0:0:ff00::/96: bits 64-71 "
		     "(the u octet) must be zero (RFC 6052 2.2)");
}

static void test_prefix_bits_past_length_refused(void **state)
{
	expect_error("pref64 = 2001:db8::1/96\n",
		     "t.conf:1: pref64: 2001:db8::1/96: prefix has bits set "
		     "past its length");
}

static void test_rfc8215_5_aggregate_refused(void **state)
{
	expect_error("pref64 = 64:ff9b::/32\n",
		     "t.conf:1: pref64: 64:ff9b::/32: 64:ff9b::/47 and shorter "
		     "aggregates are not translation prefixes (RFC 8215 5)");
	expect_error("[siit]\npool6 = 64:ff9b::/40\n",
		     "t.conf:2: pool6: 64:ff9b::/40: 64:ff9b::/47 and shorter "
		     "aggregates are not translation prefixes (RFC 8215 5)");
}

static void test_rfc8215_local_use_prefix_accepted(void **state)
{
	struct sixgate_conf c;

	parse_ok("pref64 = 64:ff9b:1::/48\n", &c);
	assert_int_equal(c.pref64.len, 48);
	conf_free(&c);
}

/* ---- RFC 7757 EAM rows ------------------------------------------------- */

static void test_rfc7757_3_1_bare_addresses_are_host_rows(void **state)
{
	struct sixgate_conf c;
	const struct eam_entry *e;

	parse_ok("[siit]\neam = 192.0.2.1\t2001:db8::5\n", &c);
	e = eam_get(c.siit.eam, 0);
	assert_int_equal(e->len4, 32);
	assert_int_equal(e->len6, 128);
	conf_free(&c);
}

static void test_rfc7757_3_2_suffix_rule_refused(void **state)
{
	expect_error("[siit]\neam = 192.0.2.0/24 2001:db8::/128\n",
		     "t.conf:2: eam: RFC 7757 §3.2: IPv4 suffix (8 bits) is "
		     "longer than IPv6 suffix (0 bits)");
}

static void test_rfc7757_3_2_equal_suffix_accepted(void **state)
{
	struct sixgate_conf c;

	parse_ok("[siit]\neam = 192.0.2.0/24 2001:db8::/120\n", &c);
	assert_int_equal(eam_count(c.siit.eam), 1);
	conf_free(&c);
}

static void test_rfc7757_5_duplicate_ipv4_refused(void **state)
{
	expect_error("[siit]\neam = 192.0.2.1 2001:db8::1\n"
		     "eam = 192.0.2.1 2001:db8::2\n",
		     "t.conf:3: eam: RFC 7757 §5: one side of this row is "
		     "already in the table");
}

static void test_rfc7757_5_duplicate_ipv6_refused(void **state)
{
	expect_error("[siit]\neam = 192.0.2.1 2001:db8::1\n"
		     "eam = 192.0.2.2 2001:db8::1\n",
		     "t.conf:3: eam: RFC 7757 §5: one side of this row is "
		     "already in the table");
}

static void test_rfc7757_5_overlap_warned(void **state)
{
	struct sixgate_conf c;

	parse_ok(NSP "[siit]\neam = 192.0.2.0/24 2001:db8::/120\n"
		 "eam = 192.0.2.1 2001:db8:1::1\n", &c);
	assert_string_equal(warnings,
			    "t.conf:4: warning: eam: RFC 7757 §5: row overlaps "
			    "an earlier row; the longest match wins\n");
	conf_free(&c);
}

static void test_rfc6052_3_1_eam_inside_wkp_warned(void **state)
{
	struct sixgate_conf c;

	parse_ok(NSP "[siit]\neam = 192.0.2.1 64:ff9b::1\n", &c);
	assert_string_equal(warnings,
			    "t.conf:3: warning: eam: IPv6 side is inside the "
			    "well-known prefix 64:ff9b::/96 (RFC 6052 §3.1)\n");
	conf_free(&c);
}

static void test_rfc6052_3_1_wkp_pool6_warned(void **state)
{
	struct sixgate_conf c;

	parse_ok("# lab\n[siit]\n", &c);
	assert_string_equal(warnings, "t.conf:2: warning: pool6 is the "
			    "well-known prefix 64:ff9b::/96, which SHOULD NOT "
			    "be used for IPv4-translatable addresses (RFC 6052 "
			    "§3.1); prefer a network-specific prefix\n");
	conf_free(&c);
	parse_ok("[siit]\npool6 = 64:ff9b::/96\n", &c);
	assert_int_equal(strncmp(warnings, "t.conf:2: warning: pool6 is", 27),
			 0);
	conf_free(&c);
	/* An NSP for pool6 silences it even with the WKP as pref64. */
	parse_ok("[siit]\npool6 = 2001:db8:46::/96\n", &c);
	assert_string_equal(warnings, "");
	conf_free(&c);
	/* No [siit], no IPv4-translatable addresses: no warning. */
	parse_ok("pref64 = 64:ff9b::/96\n", &c);
	assert_string_equal(warnings, "");
	conf_free(&c);
}

static void test_rfc6791_3_1_private_pool_warned(void **state)
{
	static const char *const priv[] = {
		"10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1",
	};
	struct sixgate_conf c;
	char text[128], want[256];

	for (size_t i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), NSP "[siit]\npool6791 = %s\n",
			 priv[i]);
		snprintf(want, sizeof(want), "t.conf:3: warning: pool6791: %s "
			 "is RFC 1918/6598 space; errors from it are likely "
			 "dropped by uRPF (RFC 6791 §3.1)\n", priv[i]);
		parse_ok(text, &c);
		assert_string_equal(warnings, want);
		conf_free(&c);
	}
	parse_ok(NSP "[siit]\npool6791 = 198.51.100.1\n", &c);
	assert_string_equal(warnings, "");
	conf_free(&c);
}

static void test_eam_host_bits_refused(void **state)
{
	expect_error("[siit]\neam = 192.0.2.1/24 2001:db8::/120\n",
		     "t.conf:2: eam: bits set past a prefix length");
}

static void test_eam_syntax_errors(void **state)
{
	expect_error("[siit]\neam = 192.0.2.1\n",
		     "t.conf:2: eam: expected 'IPV4[/LEN] IPV6[/LEN]'");
	expect_error("[siit]\neam = 192.0.2.1 2001:db8::1 x\n",
		     "t.conf:2: eam: expected 'IPV4[/LEN] IPV6[/LEN]'");
	expect_error("[siit]\neam = 192.0.2.1/33 2001:db8::1\n",
		     "t.conf:2: eam: '192.0.2.1/33' is not an IPv4 prefix");
	expect_error("[siit]\neam = 192.0.2.1 2001:db8::g\n",
		     "t.conf:2: eam: '2001:db8::g' is not an IPv6 prefix");
}

/* ---- other value errors ------------------------------------------------ */

static void test_error_bad_bool(void **state)
{
	expect_error("[siit]\nicmp-errors = maybe\n",
		     "t.conf:2: icmp-errors: 'maybe' is not a boolean "
		     "(yes/no, on/off, true/false, 1/0)");
}

static void test_error_bad_number(void **state)
{
	expect_error("[siit]\nipv4-mtu = 0x500\n",
		     "t.conf:2: ipv4-mtu: '0x500' is not a number");
	expect_error("[siit]\nipv4-mtu = -1\n",
		     "t.conf:2: ipv4-mtu: '-1' is not a number");
}

static void test_error_out_of_range(void **state)
{
	expect_error("[siit]\nlowest-ipv6-mtu = 1279\n",
		     "t.conf:2: lowest-ipv6-mtu: 1279 is out of range "
		     "(1280-65535)");
	expect_error("[siit]\nipv4-mtu = 67\n",
		     "t.conf:2: ipv4-mtu: 67 is out of range (68-65535)");
	expect_error("[siit]\nipv6-mtu = 65536\n",
		     "t.conf:2: ipv6-mtu: 65536 is out of range (1280-65535)");
	expect_error("[siit]\nipv6-mtu = 99999999999999999999\n",
		     "t.conf:2: ipv6-mtu: 99999999999999999999 is out of range "
		     "(1280-65535)");
}

static void test_rfc1191_7_plateaus_must_descend(void **state)
{
	expect_error("[siit]\nmtu-plateaus = 1500 1500\n",
		     "t.conf:2: mtu-plateaus: 1500 does not descend from 1500");
	expect_error("[siit]\nmtu-plateaus = 1500 67\n",
		     "t.conf:2: mtu-plateaus: 67 is out of range (68-65535)");
	expect_error("[siit]\nmtu-plateaus = 1016 1015 1014 1013 1012 1011 "
		     "1010 1009 1008 1007 1006 1005 1004 1003 1002 1001 1000\n",
		     "t.conf:2: mtu-plateaus: more than 16 values");
}

static void test_error_enum_values(void **state)
{
	expect_error("[siit]\nuntranslatable-source = random\n",
		     "t.conf:2: untranslatable-source: 'random' is not auto, "
		     "pool or dummy");
	expect_error("[siit]\nudp-zero-checksum = ignore\n",
		     "t.conf:2: udp-zero-checksum: 'ignore' is not compute or "
		     "drop");
	expect_error("[siit]\ntraffic-class = 256\n",
		     "t.conf:2: traffic-class: '256' is neither 'copy' nor "
		     "0-255");
	expect_error("[siit]\ntos = paste\n",
		     "t.conf:2: tos: 'paste' is neither 'copy' nor 0-255");
}

static void test_error_addresses(void **state)
{
	expect_error("[siit]\npool6791 = 198.51.100.0/24\n",
		     "t.conf:2: pool6791: '198.51.100.0/24' is not an IPv4 "
		     "address");
	expect_error("[siit]\nipv4-address = 300.1.1.1\n",
		     "t.conf:2: ipv4-address: '300.1.1.1' is not an IPv4 "
		     "address");
	expect_error("[siit]\nipv6-address = 2001:db8::/64\n",
		     "t.conf:2: ipv6-address: '2001:db8::/64' is not an IPv6 "
		     "address");
	expect_error("wkp-nonglobal = 10.0.0.1/8\n",
		     "t.conf:1: wkp-nonglobal: 10.0.0.1/8 has bits set past /8");
	expect_error("wkp-nonglobal = 10/8\n",
		     "t.conf:1: wkp-nonglobal: '10/8' is not an IPv4 prefix");
}

static void test_rfc6791_pool_duplicate_and_limit(void **state)
{
	char text[2048] = "[siit]\n";

	expect_error("[siit]\npool6791 = 198.51.100.1\n"
		     "pool6791 = 198.51.100.1\n",
		     "t.conf:3: pool6791: 198.51.100.1 listed twice");
	for (int i = 0; i <= XLAT_POOL6791_MAX; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "pool6791 = 198.51.100.%d\n", i + 1);
	expect_error(text, "t.conf:18: pool6791: more than 16 addresses");
}

static void test_nonglobal_limit(void **state)
{
	char text[4096] = "";

	for (int i = 0; i <= XLAT_NONGLOBAL_MAX; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "wkp-nonglobal = 10.%d.0.0/16\n", i);
	expect_error(text, "t.conf:33: wkp-nonglobal: more than 32 prefixes");
}

/* ---- structure errors -------------------------------------------------- */

static void test_error_unknown_key(void **state)
{
	expect_error("# c\n\nfoo = 1\n", "t.conf:3: unknown key 'foo'");
	expect_error("[siit]\nfoo = 1\n",
		     "t.conf:2: unknown key 'foo' in [siit]");
}

static void test_error_key_in_wrong_section(void **state)
{
	expect_error("[siit]\npref64 = 64:ff9b::/96\n",
		     "t.conf:2: 'pref64' is a global key: put it before the "
		     "first section");
	expect_error("pool6 = 64:ff9b::/96\n",
		     "t.conf:1: 'pool6' belongs in [siit]");
}

static void test_error_sections(void **state)
{
	expect_error("[nat64]\n", "t.conf:1: [nat64] is not supported yet");
	expect_error("[dns64]\n", "t.conf:1: [dns64] is not supported yet");
	expect_error("[siit]\n[bogus]\n", "t.conf:2: unknown section [bogus]");
	expect_error("[siit]\n[ siit ]\n", "t.conf:2: [siit] given twice");
	expect_error("[siit\n",
		     "t.conf:1: expected ']' at the end of a section header");
}

static void test_error_duplicate_key(void **state)
{
	expect_error("pref64 = 64:ff9b::/96\n\npref64 = 2001:db8::/32\n",
		     "t.conf:3: pref64: already set on line 1");
	expect_error("[siit]\nipv4-mtu = 1500\nipv4-mtu = 1500\n",
		     "t.conf:3: ipv4-mtu: already set on line 2");
}

static void test_error_line_syntax(void **state)
{
	expect_error("pref64\n",
		     "t.conf:1: expected 'key = value' or '[section]'");
	expect_error(" = yes\n", "t.conf:1: missing key before '='");
	expect_error("pref64 =   # nothing\n", "t.conf:1: pref64: missing value");
}

/* ---- hostile input ----------------------------------------------------- */

static void test_hostile_nul_byte(void **state)
{
	static const char text[] = "[siit]\nipv4-mtu = 15\0000\n";
	struct sixgate_conf c;
	char err[ERRLEN];

	assert_int_equal(conf_parse_buf_warn("t.conf", text, sizeof(text) - 1,
					     &c, err, ERRLEN, NULL, NULL),
			 -EINVAL);
	assert_string_equal(err, "t.conf:2: NUL byte in line");
}

static void test_hostile_control_and_high_bytes(void **state)
{
	struct sixgate_conf c;

	expect_error("[siit]\x01\n", "t.conf:1: invalid byte 0x01");
	expect_error("pref64 = 64:ff9b::/96\xc3\xa9\n",
		     "t.conf:1: invalid byte 0xc3");
	/* Anything goes inside a comment except NUL. */
	parse_ok("# caf\xc3\xa9 \x01\x7f\n[siit] # r\xc3\xa9seau\n", &c);
	conf_free(&c);
}

static void test_hostile_long_line(void **state)
{
	size_t n = 1u << 20;
	char *text = malloc(n + 16);
	struct sixgate_conf c;
	char err[ERRLEN];

	assert_non_null(text);
	memset(text, 'a', n);
	strcpy(text + n, " = 1\n");
	assert_int_equal(parse(text, &c, err), -EINVAL);
	assert_int_equal(strncmp(err, "t.conf:1: unknown key 'aaaa", 27), 0);
	/* A long value is read whole, not cut into something valid. */
	memcpy(text, "pref64 = ", 9);
	memcpy(text + n - 12, "64:ff9b::/96", 12);
	assert_int_equal(parse(text, &c, err), -EINVAL);
	free(text);
}

static void test_no_trailing_newline_and_crlf(void **state)
{
	struct sixgate_conf c;

	parse_ok("pref64 = 2001:db8::/32\r\n[siit]\r\nipv4-mtu = 1400", &c);
	assert_int_equal(c.pref64.len, 32);
	assert_int_equal(c.siit.ctx.ipv4_mtu, 1400);
	conf_free(&c);
}

static void test_comments_anywhere(void **state)
{
	struct sixgate_conf c;

	parse_ok("#!\n  # indented\n[siit]# trailing\n"
		 "ipv4-mtu=1400#no space\n", &c);
	assert_int_equal(c.siit.ctx.ipv4_mtu, 1400);
	conf_free(&c);
}

static void test_error_truncated_to_errlen(void **state)
{
	struct sixgate_conf c;
	char err[8];

	assert_int_equal(conf_parse_buf_warn("t.conf", "x\n", 2, &c, err,
					     sizeof(err), NULL, NULL),
			 -EINVAL);
	assert_string_equal(err, "t.conf:");
	assert_int_equal(conf_parse_buf_warn("t.conf", "x\n", 2, &c, NULL, 0,
					     NULL, NULL),
			 -EINVAL);
}

/* ---- validate step warnings -------------------------------------------- */

static void test_warn_pool_without_pool6791(void **state)
{
	struct sixgate_conf c;

	parse_ok(NSP "[siit]\n\nuntranslatable-source = pool\n", &c);
	assert_string_equal(warnings,
			    "t.conf:4: warning: untranslatable-source = pool "
			    "without pool6791: such ICMPv6 errors will be "
			    "dropped\n");
	conf_free(&c);
}

static void test_warn_lowest_mtu_above_ipv6_mtu(void **state)
{
	struct sixgate_conf c;

	parse_ok(NSP "[siit]\nlowest-ipv6-mtu = 1500\nipv6-mtu = 1280\n",
		 &c);
	assert_string_equal(warnings, "t.conf:3: warning: lowest-ipv6-mtu "
			    "1500 is above ipv6-mtu 1280\n");
	conf_free(&c);
}

/* ---- daemon keys, [siit] TUN keys, [clat] ------------------------------ */

static void test_daemon_key_defaults(void **state)
{
	struct sixgate_conf c;

	parse_ok("", &c);
	assert_false(c.pref64_auto);
	assert_int_equal(c.workers, 0);
	assert_string_equal(c.user, "sixgate");
	assert_string_equal(c.control_socket, "/run/sixgate/control");
	assert_false(c.log_packets);
	assert_int_equal(c.icmp_error_rate, 100);
	assert_false(c.clat.enabled);
	assert_string_equal(c.siit.tun, "siit0");
	assert_string_equal(c.clat.tun, "clat0");
	assert_true(c.siit.manage_routes);
	assert_int_equal(c.siit.mtu, 1500);
	conf_free(&c);
}

static void test_daemon_keys(void **state)
{
	struct sixgate_conf c;

	parse_ok("pref64 = auto\nworkers = 4\nuser = root\n"
		 "control-socket = /tmp/x/ctl\nlog-packets = yes\n"
		 "icmp-error-rate = 0\n[siit]\ntun = nat46\n"
		 "manage-routes = no\nmtu = 9000\nipv4-route = 198.51.100.0/24\n"
		 "ipv4-route = 203.0.113.0/24\nipv6-route = 2001:db8:6::/48\n",
		 &c);
	assert_true(c.pref64_auto);
	assert_int_equal(c.pref64.len, 0);
	/* RFC 6052 translation waits for discovery. */
	assert_int_equal(c.siit.ctx.pool6.len, 0);
	assert_int_equal(c.workers, 4);
	assert_string_equal(c.user, "root");
	assert_string_equal(c.control_socket, "/tmp/x/ctl");
	assert_true(c.log_packets);
	assert_int_equal(c.icmp_error_rate, 0);
	assert_string_equal(c.siit.tun, "nat46");
	assert_false(c.siit.manage_routes);
	assert_int_equal(c.siit.mtu, 9000);
	assert_int_equal(c.siit.nroutes4, 2);
	assert_int_equal(c.siit.routes4[1].addr, a4("203.0.113.0"));
	assert_int_equal(c.siit.nroutes6, 1);
	assert_int_equal(c.siit.routes6[0].len, 48);
	conf_free(&c);
}

static void test_daemon_key_errors(void **state)
{
	expect_error("workers = 0\n",
		     "t.conf:1: workers: 0 is out of range (1-64)");
	expect_error("workers = 65\n",
		     "t.conf:1: workers: 65 is out of range (1-64)");
	expect_error("user = a b\n", "t.conf:1: user: 'a b' is not a user name");
	expect_error("control-socket = run/x\n", "t.conf:1: control-socket: "
		     "'run/x' is not an absolute path");
	expect_error("[siit]\ntun = a/b\n", "t.conf:2: tun: 'a/b' is not an "
		     "interface name (1-15 of A-Z a-z 0-9 . _ -)");
	expect_error("[siit]\ntun = abcdefghijklmnop\n", "t.conf:2: tun: "
		     "'abcdefghijklmnop' is not an interface name (1-15 of "
		     "A-Z a-z 0-9 . _ -)");
	expect_error("[siit]\nmtu = 1279\n",
		     "t.conf:2: mtu: 1279 is out of range (1280-65535)");
	expect_error("[siit]\nipv6-route = 2001:db8::1/64\n", "t.conf:2: "
		     "ipv6-route: 2001:db8::1/64 has bits set past /64");
	expect_error("[siit]\nmode = host\n", "t.conf:2: 'mode' belongs in "
		     "[clat]");
	expect_error("[clat]\nmode = host\npool6 = 2001:db8::/96\n",
		     "t.conf:3: 'pool6' belongs in [siit]");
}

static void test_rfc6877_clat_host(void **state)
{
	struct sixgate_conf c;
	const struct eam_entry *e;
	uint32_t v4 = 0;

	parse_ok(NSP "[clat]\nmode = host\nipv6-address = 2001:db8:1::c1a7\n"
		 "eam = 198.51.100.7 2001:db8:7::7\n", &c);
	assert_true(c.clat.enabled);
	assert_int_equal(c.clat.mode, CONF_CLAT_HOST);
	/* RFC 7335: 192.0.0.1 is the default host CLAT address. */
	assert_int_equal(c.clat.clat_v4, a4("192.0.0.1"));
	assert_int_equal(c.clat.v4default, CONF_V4DEFAULT_AUTO);
	assert_int_equal(c.clat.ctx.pool6.len, 96);
	assert_ptr_equal(c.clat.ctx.eam, c.clat.eam);
	assert_int_equal(eam_count(c.clat.eam), 2);
	e = eam_get(c.clat.eam, 1);
	assert_int_equal(e->v4, a4("192.0.0.1"));
	assert_int_equal(e->len6, 128);
	assert_a6(&c.clat.ctx.self6, "2001:db8:1::c1a7");
	struct in6_addr a = a6("2001:db8:1::c1a7");
	assert_true(eam_lookup6(c.clat.eam, &a, &v4));
	assert_int_equal(v4, a4("192.0.0.1"));
	conf_free(&c);
}

static void test_rfc6877_clat_router(void **state)
{
	struct sixgate_conf c;
	const struct eam_entry *e;

	parse_ok(NSP "[clat]\nmode = router\nipv4-prefix = 100.64.0.0/10\n"
		 "ipv6-prefix = 2001:db8:1:ff00::/106\nipv4-default-route = no\n"
		 "tun = clat9\nlowest-ipv6-mtu = 1400\nipv6-mtu = 1500\n", &c);
	assert_int_equal(c.clat.mode, CONF_CLAT_ROUTER);
	assert_int_equal(c.clat.v4default, CONF_V4DEFAULT_NO);
	assert_int_equal(c.clat.ctx.lowest_ipv6_mtu, 1400);
	assert_int_equal(c.siit.ctx.lowest_ipv6_mtu, 1280);
	e = eam_get(c.clat.eam, 0);
	assert_int_equal(e->v4, a4("100.64.0.0"));
	assert_int_equal(e->len4, 10);
	assert_int_equal(e->len6, 106);
	assert_a6(&c.clat.ctx.self6, "2001:db8:1:ff00::");
	conf_free(&c);
}

static void test_clat_errors(void **state)
{
	expect_error("[clat]\n", "t.conf:1: [clat] mode: required (host or "
		     "router)");
	expect_error("[clat]\nmode = bridge\n",
		     "t.conf:2: mode: 'bridge' is not host or router");
	expect_error("[clat]\nmode = host\n", "t.conf:1: [clat] ipv6-address: "
		     "required with this mode");
	expect_error("[clat]\nmode = router\nipv4-prefix = 100.64.0.0/10\n",
		     "t.conf:1: [clat] ipv6-prefix: required with this mode");
	expect_error("[clat]\nmode = router\nipv4-prefix = 100.64.0.0/10\n"
		     "ipv6-prefix = 2001:db8::/64\nipv6-address = 2001:db8::1\n",
		     "t.conf:5: [clat] ipv6-address: only with mode = host");
	expect_error("[clat]\nmode = host\nipv6-address = 2001:db8::1\n"
		     "ipv4-prefix = 100.64.0.0/10\n",
		     "t.conf:4: [clat] ipv4-prefix: only with mode = router");
	expect_error("[clat]\nmode = host\nipv6-address = 2001:db8::1\n"
		     "eam = 192.0.0.1 2001:db8::2\n", "t.conf:3: [clat] "
		     "ipv6-address: an eam row already maps this address "
		     "(RFC 7757 §5)");
	expect_error("[clat]\nmode = host\nipv6-address = 2001:db8::1\n"
		     "ipv4-default-route = maybe\n", "t.conf:4: "
		     "ipv4-default-route: 'maybe' is not auto, yes or no");
	expect_error("[siit]\n[clat]\nmode = host\nipv6-address = 2001:db8::1\n"
		     "tun = siit0\n", "t.conf:5: [clat] tun: [siit] uses the "
		     "same device");
}

/* RFC 7757 §3.2 (and RFC 6877 §6.3): the router CLAT's prefixes map
 * statelessly only if the IPv6 suffix can hold the IPv4 suffix. */
static void test_rfc7757_3_2_clat_router_suffix(void **state)
{
	expect_error("[clat]\nmode = router\nipv4-prefix = 100.64.0.0/10\n"
		     "ipv6-prefix = 2001:db8:1::/107\n", "t.conf:4: [clat] "
		     "ipv6-prefix: RFC 7757 §3.2: the IPv4 suffix is longer "
		     "than the IPv6 suffix");
}

/* RFC 8683 §4.9: EAM rows in the CLAT send a dual-stack destination
 * straight to its IPv6 address instead of through the PLAT. */
static void test_rfc8683_4_9_clat_eam_bypass(void **state)
{
	struct sixgate_conf c;
	struct in6_addr got, want;
	uint32_t back;

	(void)state;
	parse_ok(NSP "[clat]\nmode = router\nipv4-prefix = 100.64.0.0/10\n"
		 "ipv6-prefix = 2001:db8:1:ff00::/106\n"
		 "eam = 198.51.100.7 2001:db8:77::7\n", &c);
	inet_pton(AF_INET6, "2001:db8:77::7", &want);
	assert_true(eam_lookup4(c.clat.ctx.eam, a4("198.51.100.7"), &got));
	assert_memory_equal(&got, &want, 16);
	assert_true(eam_lookup6(c.clat.ctx.eam, &want, &back));
	assert_int_equal(back, a4("198.51.100.7"));
	/* The CLAT's own row is there as well. */
	assert_true(eam_lookup4(c.clat.ctx.eam, a4("100.64.0.2"), &got));
	conf_free(&c);
}

static void test_clat_same_key_in_both_roles(void **state)
{
	struct sixgate_conf c;

	parse_ok(NSP "[siit]\nipv4-mtu = 1400\nipv4-address = 192.0.2.9\n"
		 "[clat]\nmode = host\nipv4-mtu = 1300\n"
		 "ipv4-address = 192.0.0.2\nipv6-address = 2001:db8::c1a7\n",
		 &c);
	assert_int_equal(c.siit.ctx.ipv4_mtu, 1400);
	assert_int_equal(c.clat.ctx.ipv4_mtu, 1300);
	assert_int_equal(c.siit.ctx.self4, a4("192.0.2.9"));
	assert_int_equal(c.clat.clat_v4, a4("192.0.0.2"));
	conf_free(&c);
}

/* ---- round trip -------------------------------------------------------- */

static void roundtrip(const char *text)
{
	struct sixgate_conf a, b;
	char *out1 = NULL, *out2 = NULL;
	size_t n1 = 0, n2 = 0;
	FILE *f;

	parse_ok(text, &a);
	f = open_memstream(&out1, &n1);
	assert_non_null(f);
	assert_int_equal(conf_print(f, &a), 0);
	fclose(f);
	parse_ok(out1, &b);
	assert_true(conf_equal(&a, &b));
	f = open_memstream(&out2, &n2);
	assert_non_null(f);
	assert_int_equal(conf_print(f, &b), 0);
	fclose(f);
	assert_string_equal(out1, out2);
	conf_free(&a);
	conf_free(&b);
	free(out1);
	free(out2);
}

static void test_roundtrip_print_parse(void **state)
{
	roundtrip("");
	roundtrip("[siit]\n");
	roundtrip(every_key);
	roundtrip("pref64 = 2001:db8::/32\n[siit]\ntraffic-class = 7\n"
		  "tos = copy\nuntranslatable-source = dummy\n");
	roundtrip("pref64 = auto\nworkers = 3\nuser = nobody\n"
		  "log-packets = yes\nicmp-error-rate = 5\n[siit]\n"
		  "tun = s1\nipv4-route = 192.0.2.0/24\n"
		  "ipv6-route = 2001:db8::/32\nmanage-routes = no\n"
		  "[clat]\nmode = host\nipv6-address = 2001:db8::c1a7\n"
		  "eam = 198.51.100.1 2001:db8:5::1\n");
	roundtrip("pref64 = auto\n[siit]\npool6 = 2001:db8:46::/96\n");
	roundtrip("[clat]\nmode = router\nipv4-prefix = 100.64.0.0/10\n"
		  "ipv6-prefix = 2001:db8:1:ff00::/106\n"
		  "ipv4-default-route = yes\nipv4-route = 0.0.0.0/0\n"
		  "mtu = 1400\n");
}

static void test_conf_equal_sees_differences(void **state)
{
	struct sixgate_conf a, b;

	parse_ok("[siit]\neam = 192.0.2.1 2001:db8::1\n", &a);
	parse_ok("[siit]\neam = 192.0.2.1 2001:db8::2\n", &b);
	assert_false(conf_equal(&a, &b));
	conf_free(&b);
	parse_ok("[siit]\neam = 192.0.2.1 2001:db8::1\ntos = 1\n", &b);
	assert_false(conf_equal(&a, &b));
	conf_free(&b);
	parse_ok("[siit]\neam = 192.0.2.1 2001:db8::1\n", &b);
	assert_true(conf_equal(&a, &b));
	conf_free(&a);
	conf_free(&b);
}

/* ---- files ------------------------------------------------------------- */

static void test_parse_file(void **state)
{
	char path[] = "/tmp/test_conf_XXXXXX";
	struct sixgate_conf c;
	char err[ERRLEN];
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "[siit]\nfoo = 1\n", 15), 15);
	close(fd);
	assert_int_equal(conf_parse_file(path, &c, err, sizeof(err)), -EINVAL);
	assert_true(strstr(err, ":2: unknown key 'foo' in [siit]") != NULL);
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	unlink(path);
	assert_int_equal(conf_parse_file(path, &c, err, sizeof(err)), -ENOENT);
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	assert_true(strstr(err, ": No such file or directory") != NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_empty_file),
		cmocka_unit_test(test_defaults_siit),
		cmocka_unit_test(test_global_keys),
		cmocka_unit_test(test_bool_spellings),
		cmocka_unit_test(test_siit_every_key),
		cmocka_unit_test(test_untranslatable_source_values),
		cmocka_unit_test(test_tos_copy_and_bounds),
		cmocka_unit_test(test_mtu_bounds_accepted),
		cmocka_unit_test(test_pool6_defaults_to_pref64),
		cmocka_unit_test(test_self6_default_after_all_keys),
		cmocka_unit_test(test_rfc6052_2_2_all_lengths_accepted),
		cmocka_unit_test(test_rfc6052_2_2_bad_prefix_length_refused),
		cmocka_unit_test(test_rfc6052_2_2_missing_length_refused),
		cmocka_unit_test(test_rfc6052_2_2_u_octet_refused),
		cmocka_unit_test(test_prefix_bits_past_length_refused),
		cmocka_unit_test(test_rfc8215_5_aggregate_refused),
		cmocka_unit_test(test_rfc8215_local_use_prefix_accepted),
		cmocka_unit_test(test_rfc7757_3_1_bare_addresses_are_host_rows),
		cmocka_unit_test(test_rfc7757_3_2_suffix_rule_refused),
		cmocka_unit_test(test_rfc7757_3_2_equal_suffix_accepted),
		cmocka_unit_test(test_rfc7757_5_duplicate_ipv4_refused),
		cmocka_unit_test(test_rfc7757_5_duplicate_ipv6_refused),
		cmocka_unit_test(test_rfc7757_5_overlap_warned),
		cmocka_unit_test(test_rfc6052_3_1_eam_inside_wkp_warned),
		cmocka_unit_test(test_rfc6052_3_1_wkp_pool6_warned),
		cmocka_unit_test(test_rfc6791_3_1_private_pool_warned),
		cmocka_unit_test(test_eam_host_bits_refused),
		cmocka_unit_test(test_eam_syntax_errors),
		cmocka_unit_test(test_error_bad_bool),
		cmocka_unit_test(test_error_bad_number),
		cmocka_unit_test(test_error_out_of_range),
		cmocka_unit_test(test_rfc1191_7_plateaus_must_descend),
		cmocka_unit_test(test_error_enum_values),
		cmocka_unit_test(test_error_addresses),
		cmocka_unit_test(test_rfc6791_pool_duplicate_and_limit),
		cmocka_unit_test(test_nonglobal_limit),
		cmocka_unit_test(test_error_unknown_key),
		cmocka_unit_test(test_error_key_in_wrong_section),
		cmocka_unit_test(test_error_sections),
		cmocka_unit_test(test_error_duplicate_key),
		cmocka_unit_test(test_error_line_syntax),
		cmocka_unit_test(test_hostile_nul_byte),
		cmocka_unit_test(test_hostile_control_and_high_bytes),
		cmocka_unit_test(test_hostile_long_line),
		cmocka_unit_test(test_no_trailing_newline_and_crlf),
		cmocka_unit_test(test_comments_anywhere),
		cmocka_unit_test(test_error_truncated_to_errlen),
		cmocka_unit_test(test_warn_pool_without_pool6791),
		cmocka_unit_test(test_warn_lowest_mtu_above_ipv6_mtu),
		cmocka_unit_test(test_daemon_key_defaults),
		cmocka_unit_test(test_daemon_keys),
		cmocka_unit_test(test_daemon_key_errors),
		cmocka_unit_test(test_rfc6877_clat_host),
		cmocka_unit_test(test_rfc6877_clat_router),
		cmocka_unit_test(test_clat_errors),
		cmocka_unit_test(test_rfc7757_3_2_clat_router_suffix),
		cmocka_unit_test(test_clat_same_key_in_both_roles),
		cmocka_unit_test(test_rfc8683_4_9_clat_eam_bypass),
		cmocka_unit_test(test_roundtrip_print_parse),
		cmocka_unit_test(test_conf_equal_sees_differences),
		cmocka_unit_test(test_parse_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
