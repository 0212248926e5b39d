/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgate.conf parser tests: every key, every error with its file:line
 * message, conf_print() -> conf_parse_buf() round trip, and the checks made
 * on behalf of RFC 6052 §2.2 / §3.1, RFC 8215 §5, RFC 7757 §3.2 / §5 and,
 * for [nat64], RFC 6146 §3.1 / §3.4 / §3.5 / §3.5.1 / §3.5.2.2, RFC 5382
 * REQ-4 / REQ-5 and RFC 5508 REQ-2, and for [dns64] RFC 6147 §5 (per-range
 * prefixes), §5.1.4 (exclusions), §5.1.7 (TTL cap), §5.2 (prefix rules).
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
	expect_error("[dns64]\n[dns64]\n", "t.conf:2: [dns64] given twice");
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
	assert_true(c.offloads);
	assert_false(c.pin_workers);
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
		 "icmp-error-rate = 0\noffloads = no\npin-workers = yes\n"
		 "[siit]\ntun = nat46\n"
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
	assert_false(c.offloads);
	assert_true(c.pin_workers);
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

/* ---- [nat64] (RFC 6146) ------------------------------------------------ */

static void test_nat64_defaults(void **state)
{
	struct sixgate_conf c;
	const struct conf_nat64 *n = &c.nat64s;
	const struct nat64_config *cfg = &n->cfg;
	const struct xlat_ctx *x = &c.nat64.ctx;
	static const uint8_t zero[SIPHASH_KEY_LEN];

	parse_ok(NSP "[nat64]\n", &c);
	assert_true(c.nat64.enabled);
	assert_false(c.siit.enabled);
	assert_string_equal(c.nat64.tun, "nat64");
	assert_int_equal(c.nat64.mtu, 1500);
	assert_true(c.nat64.manage_routes);
	assert_int_equal(c.nat64.nroutes4, 0);
	assert_int_equal(c.nat64.nroutes6, 0);
	/* Role part: pool6 from pref64, an empty EAM table, RFC 6146 §3.4. */
	assert_int_equal(x->pool6.len, 96);
	assert_a6(&x->pool6.prefix, "2001:db8:64::");
	assert_non_null(c.nat64.eam);
	assert_ptr_equal(x->eam, c.nat64.eam);
	assert_int_equal(eam_count(c.nat64.eam), 0);
	assert_int_equal(x->udp_zero, XLAT_UDP_ZERO_COMPUTE);
	assert_false(x->eam_hairpin);
	assert_int_equal(x->npool6791, 0);
	assert_int_equal(x->untrans_src, XLAT_UNTRANS_AUTO);
	assert_int_equal(x->lowest_ipv6_mtu, 1280);
	assert_true(x->icmp_errors);
	assert_true(x->icmp_source_object);
	assert_true(x->drop_invalid_src);
	assert_int_equal(x->nnonglobal, c.nnonglobal);
	/* pool4 and bib. */
	assert_true(n->pool4_auto);
	assert_int_equal(n->host_mark, 0x400000);
	assert_int_equal(n->host_table, 6464);
	assert_null(n->pool4);
	assert_int_equal(n->npool4, 0);
	assert_null(n->bib);
	assert_int_equal(n->nbib, 0);
	/* The stateful part. */
	assert_int_equal(cfg->to.udp, 300);
	assert_int_equal(cfg->to.tcp_est, 7200);
	assert_int_equal(cfg->to.tcp_trans, 240);
	assert_int_equal(cfg->to.tcp_trans_open, 240);
	assert_int_equal(cfg->to.tcp_incoming_syn, 6);
	assert_int_equal(cfg->to.icmp, 60);
	assert_int_equal(cfg->to.fragment, 2);
	assert_false(cfg->adf);
	assert_false(cfg->drop_inbound_tcp);
	assert_false(cfg->router_src_dummy);
	assert_int_equal(cfg->max_stored_syn, 64);
	assert_int_equal(cfg->frag_max, 1024);
	assert_int_equal(cfg->frag_hold_max, 64);
	assert_int_equal(cfg->port_hold, 120);
	assert_int_equal(cfg->port_hold_max, 65536);
	assert_int_equal(cfg->table.nshards, 64);
	assert_int_equal(cfg->table.max_sessions, 1048576);
	assert_int_equal(cfg->table.max_bib, 1048576);
	assert_int_equal(cfg->table.client_len, 64);
	assert_int_equal(cfg->table.client_max_bib, 3 * 4096);
	assert_int_equal(cfg->table.client_max_sessions, 16384);
	assert_memory_equal(cfg->table.key, zero, sizeof(zero));
	assert_int_equal(cfg->pool.subscriber_len, 64);
	assert_true(cfg->pool.udp_parity);
	assert_int_equal(cfg->pool.quota[POOL4_TCP], 4096);
	assert_int_equal(cfg->pool.quota[POOL4_UDP], 4096);
	assert_int_equal(cfg->pool.quota[POOL4_ICMP], 4096);
	assert_int_equal(cfg->pool.max_subscribers, 65536);
	assert_memory_equal(cfg->pool.key, zero, sizeof(zero));
	assert_null(cfg->log);
	assert_false(cfg->log_bib);
	assert_false(cfg->log_sessions);
	assert_int_equal(nat64_timeouts_validate(&cfg->to, NULL), 0);
	assert_string_equal(warnings, "");
	conf_free(&c);
}

static const char nat64_every_key[] =
	"pref64 = auto\n"
	"[nat64]\n"
	"tun = nat64x\n"
	"mtu = 9000\n"
	"manage-routes = no\n"
	"ipv4-route = 198.51.100.0/24\n"
	"ipv6-route = 2001:db8:64::/96\n"
	"pool6 = 2001:db8:64::/96\n"
	"pool6791 = 203.0.113.99\n"
	"untranslatable-source = pool\n"
	"lowest-ipv6-mtu = 1400\n"
	"ipv4-mtu = 1492\n"
	"ipv6-mtu = 9000\n"
	"mtu-plateaus = 9000 1500 68\n"
	"traffic-class = 46\n"
	"tos = 8\n"
	"icmp-errors = no\n"
	"icmp-source-object = no\n"
	"drop-invalid-source = no\n"
	"pool4 = 198.51.100.0/30 tcp 61001-65535\n"
	"pool4 = 198.51.100.0/30 udp 61001-65535\n"
	"pool4 = 203.0.113.7 icmp 0-999\n"
	"pool4 = 203.0.113.8 all 61001\n"
	"bib = tcp 2001:db8::80 80 198.51.100.1 8080\n"
	"bib = udp 2001:db8::53 53 198.51.100.1 53\n"
	"bib = icmp 2001:db8::1 0 203.0.113.7 0\n"
	"filtering = address-dependent\n"
	"drop-externally-initiated-tcp = yes\n"
	"router-error-source = dummy\n"
	"udp-timeout = 600\n"
	"tcp-est-timeout = 86400\n"
	"tcp-trans-timeout = 300\n"
	"tcp-trans-open-timeout = 250\n"
	"tcp-incoming-syn-timeout = 8\n"
	"icmp-timeout = 90\n"
	"fragment-timeout = 5\n"
	"max-sessions = 2000000\n"
	"max-bib = 500000\n"
	"client-prefix-length = 56\n"
	"client-max-ports = 1000\n"
	"client-max-sessions = 5000\n"
	"max-subscribers = 1000\n"
	"shards = 256\n"
	"udp-parity = no\n"
	"port-hold-time = 0\n"
	"port-hold-max = 1000\n"
	"host-pool4-mark = 0x1000\n"
	"host-pool4-table = 100\n"
	"max-stored-syn = 0\n"
	"fragment-max = 100\n"
	"fragment-hold-max = 0\n"
	"log-bib = yes\n"
	"log-sessions = yes\n";

static void assert_range(const struct pool4_range *r, const char *addr,
			 int proto, unsigned lo, unsigned hi)
{
	assert_int_equal(r->addr, a4(addr));
	assert_int_equal(r->proto, proto);
	assert_int_equal(r->lo, lo);
	assert_int_equal(r->hi, hi);
}

static void test_nat64_every_key(void **state)
{
	struct sixgate_conf c;
	const struct conf_nat64 *n = &c.nat64s;
	const struct nat64_config *cfg = &n->cfg;
	const struct xlat_ctx *x = &c.nat64.ctx;

	parse_ok(nat64_every_key, &c);
	assert_string_equal(c.nat64.tun, "nat64x");
	assert_int_equal(c.nat64.mtu, 9000);
	assert_false(c.nat64.manage_routes);
	assert_int_equal(c.nat64.nroutes4, 1);
	assert_int_equal(c.nat64.routes4[0].addr, a4("198.51.100.0"));
	assert_int_equal(c.nat64.nroutes6, 1);
	assert_int_equal(c.nat64.routes6[0].len, 96);
	assert_int_equal(x->pool6.len, 96);
	assert_a6(&x->pool6.prefix, "2001:db8:64::");
	assert_int_equal(x->npool6791, 1);
	assert_int_equal(x->untrans_src, XLAT_UNTRANS_POOL);
	assert_int_equal(x->lowest_ipv6_mtu, 1400);
	assert_int_equal(x->ipv4_mtu, 1492);
	assert_int_equal(x->ipv6_mtu, 9000);
	assert_int_equal(x->nplateaus, 3);
	assert_int_equal(x->tc_mode, XLAT_TOS_FIXED);
	assert_int_equal(x->tc_value, 46);
	assert_int_equal(x->tos_value, 8);
	assert_false(x->icmp_errors);
	assert_false(x->icmp_source_object);
	assert_false(x->drop_invalid_src);
	assert_false(n->pool4_auto);
	assert_int_equal(n->host_mark, 0x1000);
	assert_int_equal(n->host_table, 100);
	assert_int_equal(n->npool4, 4 + 4 + 1 + 3);
	assert_range(&n->pool4[0], "198.51.100.0", POOL4_TCP, 61001, 65535);
	assert_range(&n->pool4[3], "198.51.100.3", POOL4_TCP, 61001, 65535);
	assert_range(&n->pool4[4], "198.51.100.0", POOL4_UDP, 61001, 65535);
	assert_range(&n->pool4[8], "203.0.113.7", POOL4_ICMP, 0, 999);
	assert_range(&n->pool4[9], "203.0.113.8", POOL4_TCP, 61001, 61001);
	assert_range(&n->pool4[11], "203.0.113.8", POOL4_ICMP, 61001, 61001);
	assert_int_equal(n->nbib, 3);
	assert_int_equal(n->bib[0].proto, NAT64_P_TCP);
	assert_a6(&n->bib[0].x6, "2001:db8::80");
	assert_int_equal(n->bib[0].x_port, 80);
	assert_int_equal(n->bib[0].t4, a4("198.51.100.1"));
	assert_int_equal(n->bib[0].t_port, 8080);
	assert_int_equal(n->bib[1].proto, NAT64_P_UDP);
	assert_int_equal(n->bib[2].proto, NAT64_P_ICMP);
	assert_int_equal(n->bib[2].x_port, 0);
	assert_true(cfg->adf);
	assert_true(cfg->drop_inbound_tcp);
	assert_true(cfg->router_src_dummy);
	assert_int_equal(cfg->to.udp, 600);
	assert_int_equal(cfg->to.tcp_est, 86400);
	assert_int_equal(cfg->to.tcp_trans, 300);
	assert_int_equal(cfg->to.tcp_trans_open, 250);
	assert_int_equal(cfg->to.tcp_incoming_syn, 8);
	assert_int_equal(cfg->to.icmp, 90);
	assert_int_equal(cfg->to.fragment, 5);
	assert_int_equal(cfg->table.max_sessions, 2000000);
	assert_int_equal(cfg->table.max_bib, 500000);
	assert_int_equal(cfg->table.client_len, 56);
	assert_int_equal(cfg->pool.subscriber_len, 56);
	assert_int_equal(cfg->pool.quota[POOL4_TCP], 1000);
	assert_int_equal(cfg->pool.quota[POOL4_UDP], 1000);
	assert_int_equal(cfg->pool.quota[POOL4_ICMP], 1000);
	assert_int_equal(cfg->table.client_max_bib, 3000);
	assert_int_equal(cfg->table.client_max_sessions, 5000);
	assert_int_equal(cfg->pool.max_subscribers, 1000);
	assert_int_equal(cfg->table.nshards, 256);
	assert_false(cfg->pool.udp_parity);
	assert_int_equal(cfg->port_hold, 0);
	assert_int_equal(cfg->port_hold_max, 1000);
	assert_int_equal(cfg->max_stored_syn, 0);
	assert_int_equal(cfg->frag_max, 100);
	assert_int_equal(cfg->frag_hold_max, 0);
	assert_true(cfg->log_bib);
	assert_true(cfg->log_sessions);
	/* 61001-65535 stays clear of the host's ephemeral ports. */
	assert_string_equal(warnings, "");
	conf_free(&c);
}

static void test_nat64_pool6(void **state)
{
	struct sixgate_conf c;

	/* RFC 6146 §3.5.4: the WKP when nothing else is configured. */
	parse_ok("[nat64]\n", &c);
	assert_int_equal(c.nat64.ctx.pool6.len, 96);
	assert_a6(&c.nat64.ctx.pool6.prefix, "64:ff9b::");
	assert_string_equal(warnings, "");
	conf_free(&c);
	/* pref64 = auto: nothing until discovery, like [siit]. */
	parse_ok("pref64 = auto\n[nat64]\n", &c);
	assert_int_equal(c.nat64.ctx.pool6.len, 0);
	conf_free(&c);
	parse_ok("pref64 = auto\n[nat64]\npool6 = 2001:db8:1::/48\n", &c);
	assert_int_equal(c.nat64.ctx.pool6.len, 48);
	assert_true(c.nat64.pool6_set);
	conf_free(&c);
	expect_error("[nat64]\npool6 = 2001:db8::/33\n",
		     "t.conf:2: pool6: 2001:db8::/33: prefix length must be 32, "
		     "40, 48, 56, 64 or 96 (RFC 6052 2.2)");
}

static void test_nat64_pool4_forms(void **state)
{
	struct sixgate_conf c;
	const struct conf_nat64 *n = &c.nat64s;

	/* No protocol: tcp, udp, icmp; no range: 1-65535, icmp 0-65535. */
	parse_ok("[nat64]\npool4 = 192.0.2.1\n", &c);
	assert_int_equal(n->npool4, 3);
	assert_range(&n->pool4[0], "192.0.2.1", POOL4_TCP, 1, 65535);
	assert_range(&n->pool4[1], "192.0.2.1", POOL4_UDP, 1, 65535);
	assert_range(&n->pool4[2], "192.0.2.1", POOL4_ICMP, 0, 65535);
	conf_free(&c);
	parse_ok("[nat64]\npool4 = 192.0.2.1 UDP\n"
		 "pool4 = 192.0.2.1 icmp 7\n"
		 "pool4 = 192.0.2.2/32 1000-2000\n", &c);
	assert_int_equal(n->npool4, 5);
	assert_range(&n->pool4[0], "192.0.2.1", POOL4_UDP, 1, 65535);
	assert_range(&n->pool4[1], "192.0.2.1", POOL4_ICMP, 7, 7);
	assert_range(&n->pool4[2], "192.0.2.2", POOL4_TCP, 1000, 2000);
	assert_range(&n->pool4[4], "192.0.2.2", POOL4_ICMP, 1000, 2000);
	conf_free(&c);
	/* Overlaps are for pool4 to merge; no warning. */
	parse_ok("[nat64]\npool4 = 192.0.2.1 tcp 61001-63000\n"
		 "pool4 = 192.0.2.1 tcp 62000-65535\n", &c);
	assert_int_equal(n->npool4, 2);
	assert_string_equal(warnings, "");
	conf_free(&c);
}

static void test_nat64_pool4_prefix_expansion(void **state)
{
	struct sixgate_conf c;
	const struct conf_nat64 *n = &c.nat64s;

	parse_ok("[nat64]\npool4 = 192.0.2.4/30 tcp 61001-65535\n", &c);
	assert_int_equal(n->npool4, 4);
	assert_range(&n->pool4[0], "192.0.2.4", POOL4_TCP, 61001, 65535);
	assert_range(&n->pool4[3], "192.0.2.7", POOL4_TCP, 61001, 65535);
	conf_free(&c);
	/* A /24 is every address, .0 and .255 included, each protocol. */
	parse_ok("[nat64]\npool4 = 198.51.100.0/24 all 61001-65535\n", &c);
	assert_int_equal(n->npool4, 768);
	assert_range(&n->pool4[0], "198.51.100.0", POOL4_TCP, 61001, 65535);
	assert_range(&n->pool4[2], "198.51.100.0", POOL4_ICMP, 61001, 65535);
	assert_range(&n->pool4[767], "198.51.100.255", POOL4_ICMP, 61001,
		     65535);
	conf_free(&c);
}

/* The daemon compares ranges with memcmp() on reload, padding included. */
static void test_nat64_pool4_bytes_stable(void **state)
{
	static const char text[] = "[nat64]\npool4 = 192.0.2.0/28\n"
				   "pool4 = 192.0.2.99 udp 7-9\n";
	struct sixgate_conf a, b;
	char junk[4096];

	parse_ok(text, &a);
	/* Dirty the stack the parser will use next. */
	memset(junk, 0xa5, sizeof(junk));
	assert_int_equal(junk[sizeof(junk) - 1], (char)0xa5);
	parse_ok(text, &b);
	assert_int_equal(a.nat64s.npool4, b.nat64s.npool4);
	assert_memory_equal(a.nat64s.pool4, b.nat64s.pool4,
			    a.nat64s.npool4 * sizeof(a.nat64s.pool4[0]));
	conf_free(&a);
	conf_free(&b);
}

/* CONFORMANCE section 9: pool4 on the host's own address, its mark and
 * table. */
static void test_nat64_host_pool4_errors(void **state)
{
	(void)state;
	expect_error("[nat64]\nhost-pool4-mark = 0\n",
		     "t.conf:2: host-pool4-mark: '0' is not a non-zero 32-bit "
		     "mark");
	expect_error("[nat64]\nhost-pool4-mark = 0x100000000\n",
		     "t.conf:2: host-pool4-mark: '0x100000000' is not a "
		     "non-zero 32-bit mark");
	expect_error("[nat64]\nhost-pool4-mark = -1\n",
		     "t.conf:2: host-pool4-mark: '-1' is not a non-zero 32-bit "
		     "mark");
	expect_error("[nat64]\nhost-pool4-mark = 12ab\n",
		     "t.conf:2: host-pool4-mark: '12ab' is not a non-zero "
		     "32-bit mark");
	expect_error("[nat64]\nhost-pool4-table = 254\n",
		     "t.conf:2: host-pool4-table: table 254 is the kernel's own "
		     "(default, main or local)");
	expect_error("[nat64]\nhost-pool4-table = 0\n",
		     "t.conf:2: host-pool4-table: 0 is out of range "
		     "(1-4294967295)");
}

static void test_nat64_pool4_errors(void **state)
{
	expect_error("[nat64]\npool4 = 192.0.2.1 tcp 0-100\n",
		     "t.conf:2: pool4: port 0 is not usable for tcp and udp "
		     "(only icmp identifiers start at 0)");
	expect_error("[nat64]\npool4 = 192.0.2.1 0\n",
		     "t.conf:2: pool4: port 0 is not usable for tcp and udp "
		     "(only icmp identifiers start at 0)");
	expect_error("[nat64]\n\npool4 = 192.0.2.1 udp 2000-1000\n",
		     "t.conf:3: pool4: port range 2000-1000: the first port is "
		     "above the last");
	expect_error("[nat64]\npool4 = 192.0.2.1 udp 1-65536\n",
		     "t.conf:2: pool4: 65536 is out of range (0-65535)");
	expect_error("[nat64]\npool4 = 192.0.0.0/16\n",
		     "t.conf:2: pool4: 192.0.0.0/16 is too large: the length "
		     "must be 24-32 (at most 256 addresses in all)");
	expect_error("[nat64]\npool4 = 192.0.2.1/24\n",
		     "t.conf:2: pool4: 192.0.2.1/24 has bits set past /24");
	expect_error("[nat64]\npool4 = 224.0.0.1\n",
		     "t.conf:2: pool4: 224.0.0.1 is a multicast address");
	expect_error("[nat64]\npool4 = 239.255.255.0/24 udp\n",
		     "t.conf:2: pool4: 239.255.255.0/24 contains a multicast "
		     "address");
	expect_error("[nat64]\npool4 = 127.0.0.1\n",
		     "t.conf:2: pool4: 127.0.0.1 is a loopback address");
	expect_error("[nat64]\npool4 = 0.0.0.0\n",
		     "t.conf:2: pool4: 0.0.0.0 is an address of 0.0.0.0/8 "
		     "(this network)");
	expect_error("[nat64]\npool4 = 255.255.255.255\n",
		     "t.conf:2: pool4: 255.255.255.255 is the limited "
		     "broadcast address");
	expect_error("[nat64]\npool4 = 255.255.255.0/24\n",
		     "t.conf:2: pool4: 255.255.255.0/24 contains the limited "
		     "broadcast address");
	expect_error("[nat64]\npool4 = garbage\n",
		     "t.conf:2: pool4: 'garbage' is not an IPv4 address or "
		     "prefix");
	expect_error("[nat64]\npool4 = 192.0.2.1 sctp\n",
		     "t.conf:2: pool4: 'sctp' is not tcp, udp, icmp, all or a "
		     "port range");
	expect_error("[nat64]\npool4 = 192.0.2.1 tcp 1-2 3\n",
		     "t.conf:2: pool4: expected 'ADDRESS[/LENGTH] "
		     "[tcp|udp|icmp|all] [PORT[-PORT]]'");
	expect_error("[nat64]\npool4 = 192.0.2.1 1-2 tcp\n",
		     "t.conf:2: pool4: expected 'ADDRESS[/LENGTH] "
		     "[tcp|udp|icmp|all] [PORT[-PORT]]'");
	expect_error("[nat64]\npool4 = 192.0.2.1 tcp 1-x\n",
		     "t.conf:2: pool4: 'x' is not a number");
	expect_error("[nat64]\npool4 = 192.0.2.1 tcp 1-2-3\n",
		     "t.conf:2: pool4: '2-3' is not a number");
}

static void test_nat64_pool4_address_limit(void **state)
{
	struct sixgate_conf c;

	/* 256 distinct addresses (several lines for one address count
	 * once); the 257th is refused. */
	parse_ok("[nat64]\npool4 = 198.51.100.0/24 tcp 61001-65535\n"
		 "pool4 = 198.51.100.0/24 udp 61001-65535\n"
		 "pool4 = 198.51.100.0/24 icmp\n", &c);
	assert_int_equal(c.nat64s.npool4, 768);
	conf_free(&c);
	expect_error("[nat64]\npool4 = 198.51.100.0/24 tcp 61001-65535\n"
		     "pool4 = 203.0.113.1 tcp 61001-65535\n",
		     "t.conf:3: pool4: more than 256 distinct addresses");
	expect_error("[nat64]\npool4 = 198.51.100.0/24 all 61001-65535\n"
		     "pool4 = 198.51.100.1 tcp 61001-61002\n",
		     "t.conf:3: pool4: more than 768 ranges (one per address "
		     "and protocol)");
}

static void test_nat64_pool4_duplicate_warned(void **state)
{
	struct sixgate_conf c;

	parse_ok("[nat64]\npool4 = 192.0.2.1 tcp 61001-65535\n"
		 "pool4 = 192.0.2.1 tcp 61001-65535\n", &c);
	assert_int_equal(c.nat64s.npool4, 1);
	assert_string_equal(warnings, "t.conf:3: warning: pool4: every "
			    "range of this line is already configured\n");
	conf_free(&c);
}

static void test_rfc6146_3_1_static_bib(void **state)
{
	struct sixgate_conf c;
	const struct conf_nat64 *n = &c.nat64s;

	/* The IPv4 side may lie inside pool4 (the core reserves it) or
	 * outside. */
	parse_ok(NSP "[nat64]\npool4 = 192.0.2.1 tcp 61001-65535\n"
		 "bib = TCP 2001:db8::80 80 192.0.2.1 61001\n"
		 "bib = tcp 2001:db8::81 80 198.51.100.1 80\n"
		 "bib = udp 2001:db8::80 80 192.0.2.1 61001\n", &c);
	assert_int_equal(n->nbib, 3);
	assert_int_equal(n->bib[0].proto, NAT64_P_TCP);
	assert_int_equal(n->bib[0].t_port, 61001);
	assert_int_equal(n->bib[1].t4, a4("198.51.100.1"));
	assert_int_equal(n->bib[2].proto, NAT64_P_UDP);
	conf_free(&c);
}

static void test_rfc6146_3_1_bib_duplicate_refused(void **state)
{
	expect_error("[nat64]\nbib = tcp 2001:db8::80 80 192.0.2.1 8080\n"
		     "bib = tcp 2001:db8::80 80 192.0.2.2 8080\n",
		     "t.conf:3: bib: RFC 6146 §3.1: tcp 2001:db8::80 port 80 "
		     "is already mapped on line 2");
	expect_error("[nat64]\nbib = udp 2001:db8::80 80 192.0.2.1 8080\n"
		     "\nbib = udp 2001:db8::81 80 192.0.2.1 8080\n",
		     "t.conf:4: bib: RFC 6146 §3.1: udp 192.0.2.1 port 8080 "
		     "is already mapped on line 2");
	expect_error("[nat64]\nbib = icmp 2001:db8::1 5 192.0.2.1 5\n"
		     "bib = icmp 2001:db8::1 5 192.0.2.1 6\n",
		     "t.conf:3: bib: RFC 6146 §3.1: icmp 2001:db8::1 port 5 "
		     "is already mapped on line 2");
}

static void test_rfc6146_3_5_bib_inside_pool6_refused(void **state)
{
	struct sixgate_conf c;

	expect_error(NSP "[nat64]\n"
		     "bib = tcp 2001:db8::80 80 192.0.2.1 8080\n"
		     "bib = tcp 2001:db8:64::c000:201 80 192.0.2.1 80\n",
		     "t.conf:4: bib: RFC 6146 §3.5: 2001:db8:64::c000:201 is "
		     "inside pool6, whose packets the NAT64 drops");
	/* Key order does not matter: pool6 after the bib line. */
	expect_error("[nat64]\nbib = tcp 2001:db8:1::1 80 192.0.2.1 80\n"
		     "pool6 = 2001:db8:1::/48\n",
		     "t.conf:2: bib: RFC 6146 §3.5: 2001:db8:1::1 is inside "
		     "pool6, whose packets the NAT64 drops");
	/* With pref64 = auto there is no pool6 to check against yet. */
	parse_ok("pref64 = auto\n[nat64]\n"
		 "bib = tcp 64:ff9b::1 80 192.0.2.1 80\n", &c);
	conf_free(&c);
}

static void test_nat64_bib_errors(void **state)
{
	struct sixgate_conf c;

	expect_error("[nat64]\nbib = tcp 2001:db8::80 80 192.0.2.1\n",
		     "t.conf:2: bib: expected 'tcp|udp|icmp IPV6 PORT IPV4 "
		     "PORT'");
	expect_error("[nat64]\nbib = tcp 2001:db8::80 80 192.0.2.1 1 2\n",
		     "t.conf:2: bib: expected 'tcp|udp|icmp IPV6 PORT IPV4 "
		     "PORT'");
	expect_error("[nat64]\nbib = sctp 2001:db8::80 80 192.0.2.1 80\n",
		     "t.conf:2: bib: 'sctp' is not tcp, udp or icmp");
	expect_error("[nat64]\nbib = tcp 192.0.2.9 80 192.0.2.1 80\n",
		     "t.conf:2: bib: '192.0.2.9' is not an IPv6 address");
	expect_error("[nat64]\nbib = tcp ff02::1 80 192.0.2.1 80\n",
		     "t.conf:2: bib: ff02::1 is not a unicast IPv6 address");
	expect_error("[nat64]\nbib = tcp :: 80 192.0.2.1 80\n",
		     "t.conf:2: bib: :: is not a unicast IPv6 address");
	expect_error("[nat64]\nbib = tcp 2001:db8::80 80 2001:db8::1 80\n",
		     "t.conf:2: bib: '2001:db8::1' is not an IPv4 address");
	expect_error("[nat64]\nbib = udp 2001:db8::80 80 239.1.1.1 80\n",
		     "t.conf:2: bib: 239.1.1.1 is a multicast address");
	expect_error("[nat64]\nbib = udp 2001:db8::80 80 127.0.0.1 80\n",
		     "t.conf:2: bib: 127.0.0.1 is a loopback address");
	expect_error("[nat64]\nbib = tcp 2001:db8::80 0 192.0.2.1 80\n",
		     "t.conf:2: bib: port 0 is not usable for tcp and udp");
	expect_error("[nat64]\nbib = udp 2001:db8::80 80 192.0.2.1 0\n",
		     "t.conf:2: bib: port 0 is not usable for tcp and udp");
	expect_error("[nat64]\nbib = tcp 2001:db8::80 65536 192.0.2.1 80\n",
		     "t.conf:2: bib: 65536 is out of range (0-65535)");
	/* ICMP identifier 0 is an identifier like any other. */
	parse_ok("[nat64]\nbib = icmp 2001:db8::80 0 192.0.2.1 0\n", &c);
	conf_free(&c);
	/* Static entries count against max-bib. */
	expect_error("[nat64]\nmax-bib = 1\n"
		     "bib = tcp 2001:db8::80 80 192.0.2.1 80\n"
		     "bib = tcp 2001:db8::81 80 192.0.2.1 81\n",
		     "t.conf:2: max-bib: 2 static bib entries do not fit in 1");
}

/* Each timeout: one below its floor refused with the requirement named,
 * the floor itself accepted. */
static void check_timeout_floor(const char *key, unsigned floor,
				const char *rfc)
{
	struct sixgate_conf c;
	char text[128], msg[256];

	snprintf(text, sizeof(text), "[nat64]\n%s = %u\n", key, floor - 1);
	snprintf(msg, sizeof(msg), "t.conf:2: %s: %u is below the %s minimum "
		 "of %u", key, floor - 1, rfc, floor);
	expect_error(text, msg);
	snprintf(text, sizeof(text), "[nat64]\n%s = 0\n", key);
	snprintf(msg, sizeof(msg), "t.conf:2: %s: 0 is below the %s minimum "
		 "of %u", key, rfc, floor);
	expect_error(text, msg);
	snprintf(text, sizeof(text), "[nat64]\n%s = %u\n", key, floor);
	parse_ok(text, &c);
	conf_free(&c);
	/* 30 days at most: milliseconds typed for seconds. */
	snprintf(text, sizeof(text), "[nat64]\n%s = 2592001\n", key);
	snprintf(msg, sizeof(msg), "t.conf:2: %s: 2592001 is above the "
		 "maximum of 2592000 (30 days)", key);
	expect_error(text, msg);
}

static void test_rfc6146_3_5_1_udp_timeout_floor(void **state)
{
	check_timeout_floor("udp-timeout", 120, "RFC 6146 §3.5.1");
	expect_error("[nat64]\nudp-timeout = 60\n",
		     "t.conf:2: udp-timeout: 60 is below the RFC 6146 §3.5.1 "
		     "minimum of 120");
}

static void test_rfc6146_3_5_2_2_tcp_est_timeout_floor(void **state)
{
	check_timeout_floor("tcp-est-timeout", 7200, "RFC 6146 §3.5.2.2");
}

static void test_rfc5382_req5_tcp_trans_timeout_floor(void **state)
{
	check_timeout_floor("tcp-trans-timeout", 240, "RFC 5382 REQ-5");
	check_timeout_floor("tcp-trans-open-timeout", 240, "RFC 5382 REQ-5");
}

static void test_rfc5382_req4_incoming_syn_timeout_floor(void **state)
{
	check_timeout_floor("tcp-incoming-syn-timeout", 6, "RFC 5382 REQ-4");
}

static void test_rfc5508_req2_icmp_timeout_floor(void **state)
{
	check_timeout_floor("icmp-timeout", 60, "RFC 5508 REQ-2");
}

static void test_rfc6146_3_4_fragment_timeout_floor(void **state)
{
	check_timeout_floor("fragment-timeout", 2, "RFC 6146 §3.4");
}

static void test_nat64_timeout_syntax(void **state)
{
	expect_error("[nat64]\nudp-timeout = 5m\n",
		     "t.conf:2: udp-timeout: '5m' is not a number");
	expect_error("[nat64]\nudp-timeout = 300\nudp-timeout = 400\n",
		     "t.conf:3: udp-timeout: already set on line 2");
}

static void test_rfc6146_nat64_stateless_keys_refused(void **state)
{
	expect_error("[nat64]\neam = 192.0.2.1 2001:db8::1\n",
		     "t.conf:2: eam: not in [nat64]: stateful NAT64 uses no "
		     "EAM (RFC 6146); static mappings are bib lines");
	expect_error("[nat64]\neam-hairpin = yes\n",
		     "t.conf:2: eam-hairpin: not in [nat64]: stateful NAT64 "
		     "hairpins through its BIB (RFC 6146 §3.8)");
	expect_error("[nat64]\nudp-zero-checksum = drop\n",
		     "t.conf:2: udp-zero-checksum: not in [nat64]: RFC 6146 "
		     "§3.4 fixes the behaviour: the checksum is computed");
	expect_error("[nat64]\nipv4-address = 192.0.2.1\n",
		     "t.conf:2: ipv4-address: not in [nat64]: a [siit] key; "
		     "the NAT64's IPv4 addresses are pool4");
	expect_error("[nat64]\nipv6-address = 2001:db8::1\n",
		     "t.conf:2: ipv6-address: not in [nat64]: a [siit] key; "
		     "the NAT64's IPv6 addresses are pool6");
	expect_error("[nat64]\nmode = host\n",
		     "t.conf:2: 'mode' belongs in [clat]");
	expect_error("[nat64]\nfoo = 1\n",
		     "t.conf:2: unknown key 'foo' in [nat64]");
}

static void test_nat64_keys_elsewhere_refused(void **state)
{
	expect_error("[siit]\npool4 = 192.0.2.1\n",
		     "t.conf:2: 'pool4' belongs in [nat64]");
	expect_error("udp-timeout = 300\n",
		     "t.conf:1: 'udp-timeout' belongs in [nat64]");
	expect_error("[clat]\nbib = tcp 2001:db8::1 1 192.0.2.1 1\n",
		     "t.conf:2: 'bib' belongs in [nat64]");
	expect_error("[clat]\npool6 = 2001:db8::/32\n",
		     "t.conf:2: 'pool6' belongs in [siit]");
	expect_error("[nat64]\n[nat64]\n", "t.conf:2: [nat64] given twice");
}

static void test_nat64_limit_errors(void **state)
{
	expect_error("[nat64]\nfiltering = strict\n",
		     "t.conf:2: filtering: 'strict' is not "
		     "endpoint-independent or address-dependent");
	expect_error("[nat64]\nrouter-error-source = pool6791\n",
		     "t.conf:2: router-error-source: 'pool6791' is not pool4 "
		     "or dummy");
	expect_error("[nat64]\ndrop-externally-initiated-tcp = maybe\n",
		     "t.conf:2: drop-externally-initiated-tcp: 'maybe' is not "
		     "a boolean (yes/no, on/off, true/false, 1/0)");
	expect_error("[nat64]\nshards = 48\n",
		     "t.conf:2: shards: 48 is not a power of two");
	expect_error("[nat64]\nshards = 8192\n",
		     "t.conf:2: shards: 8192 is out of range (1-4096)");
	expect_error("[nat64]\nshards = 0\n",
		     "t.conf:2: shards: 0 is out of range (1-4096)");
	expect_error("[nat64]\nmax-sessions = 0\n",
		     "t.conf:2: max-sessions: 0 is out of range (1-268435456)");
	expect_error("[nat64]\nmax-bib = 268435457\n",
		     "t.conf:2: max-bib: 268435457 is out of range "
		     "(1-268435456)");
	expect_error("[nat64]\nclient-prefix-length = 31\n",
		     "t.conf:2: client-prefix-length: 31 is out of range "
		     "(32-128)");
	expect_error("[nat64]\nclient-prefix-length = 129\n",
		     "t.conf:2: client-prefix-length: 129 is out of range "
		     "(32-128)");
	expect_error("[nat64]\nclient-max-ports = 65537\n",
		     "t.conf:2: client-max-ports: 65537 is out of range "
		     "(0-65536)");
	expect_error("[nat64]\nmax-subscribers = 0\n",
		     "t.conf:2: max-subscribers: 0 is out of range "
		     "(1-1073741824)");
	expect_error("[nat64]\nport-hold-time = 3601\n",
		     "t.conf:2: port-hold-time: 3601 is out of range (0-3600)");
	expect_error("[nat64]\nmax-stored-syn = 65537\n",
		     "t.conf:2: max-stored-syn: 65537 is out of range "
		     "(0-65536)");
	expect_error("[nat64]\nfragment-max = 0\n",
		     "t.conf:2: fragment-max: 0 is out of range (1-1048576)");
}

static void test_nat64_dependent_defaults(void **state)
{
	struct sixgate_conf c;
	const struct nat64_config *cfg = &c.nat64s.cfg;

	/* max-bib follows max-sessions unless given, in any order. */
	parse_ok("[nat64]\nmax-sessions = 1000\n", &c);
	assert_int_equal(cfg->table.max_bib, 1000);
	conf_free(&c);
	parse_ok("[nat64]\nmax-bib = 7\nmax-sessions = 1000\n", &c);
	assert_int_equal(cfg->table.max_bib, 7);
	conf_free(&c);
	/* 0: no per-subscriber limit, in pool4 and in the table. */
	parse_ok("[nat64]\nclient-max-ports = 0\nclient-max-sessions = 0\n",
		 &c);
	assert_int_equal(cfg->pool.quota[POOL4_TCP], 0);
	assert_int_equal(cfg->pool.quota[POOL4_ICMP], 0);
	assert_int_equal(cfg->table.client_max_bib, 0);
	assert_int_equal(cfg->table.client_max_sessions, 0);
	conf_free(&c);
	parse_ok("[nat64]\nshards = 1\nclient-prefix-length = 128\n", &c);
	assert_int_equal(cfg->table.nshards, 1);
	assert_int_equal(cfg->table.client_len, 128);
	assert_int_equal(cfg->pool.subscriber_len, 128);
	conf_free(&c);
	parse_ok("[nat64]\nshards = 4096\nfiltering = endpoint-independent\n"
		 "router-error-source = pool4\n", &c);
	assert_int_equal(cfg->table.nshards, 4096);
	assert_false(cfg->adf);
	assert_false(cfg->router_src_dummy);
	conf_free(&c);
}

static void test_nat64_with_siit_and_clat(void **state)
{
	struct sixgate_conf c;

	parse_ok(NSP "[siit]\npool6 = 2001:db8:46::/96\n"
		 "eam = 192.0.2.1 2001:db8:aaaa::1\n"
		 "[nat64]\npool4 = 198.51.100.1 all 61001-65535\n"
		 "ipv4-mtu = 1400\n"
		 "[clat]\nmode = host\nipv6-address = 2001:db8::c1a7\n"
		 "ipv4-mtu = 1300\n", &c);
	assert_true(c.siit.enabled && c.clat.enabled && c.nat64.enabled);
	assert_string_equal(c.siit.tun, "siit0");
	assert_string_equal(c.clat.tun, "clat0");
	assert_string_equal(c.nat64.tun, "nat64");
	assert_int_equal(c.siit.ctx.pool6.len, 96);
	assert_a6(&c.siit.ctx.pool6.prefix, "2001:db8:46::");
	assert_a6(&c.nat64.ctx.pool6.prefix, "2001:db8:64::");
	assert_int_equal(c.siit.ctx.ipv4_mtu, 1500);
	assert_int_equal(c.nat64.ctx.ipv4_mtu, 1400);
	assert_int_equal(c.clat.ctx.ipv4_mtu, 1300);
	assert_int_equal(eam_count(c.siit.eam), 1);
	assert_int_equal(eam_count(c.nat64.eam), 0);
	assert_int_equal(c.nat64s.npool4, 3);
	assert_string_equal(warnings, "");
	conf_free(&c);
	expect_error("[siit]\n[nat64]\ntun = siit0\n",
		     "t.conf:3: [nat64] tun: [siit] uses the same device");
	expect_error("[nat64]\n[clat]\nmode = host\n"
		     "ipv6-address = 2001:db8::1\ntun = nat64\n",
		     "t.conf:5: [clat] tun: [nat64] uses the same device");
	/* Both roles routing one prefix into their own device. */
	parse_ok(NSP "[siit]\n[nat64]\n", &c);
	assert_non_null(strstr(warnings, "[nat64] pool6 is [siit]'s pool6 "
			       "as well"));
	conf_free(&c);
}

static void test_roundtrip_nat64(void **state)
{
	roundtrip("[nat64]\n");
	roundtrip(NSP "[nat64]\n");
	roundtrip(nat64_every_key);
	roundtrip("pref64 = auto\n[nat64]\n"
		  "pool4 = 192.0.2.0/25\n"
		  "pool4 = 198.51.100.7 udp 7\n"
		  "pool4 = 198.51.100.0/29 icmp\n"
		  "pool4 = 198.51.100.8/31 tcp 1000-2000\n"
		  "pool4 = 198.51.100.8/31 udp 1000-2000\n"
		  "pool4 = 198.51.100.8/31 icmp 1000-2000\n"
		  "max-sessions = 5\n");
	/* Duplicates dropped within a line leave a ragged list. */
	roundtrip("[nat64]\npool4 = 192.0.2.2 udp\npool4 = 192.0.2.0/30\n");
	roundtrip(NSP "[siit]\npool6 = 2001:db8:46::/96\n"
		  "[nat64]\npool4 = 198.51.100.1 all 61001-65535\n"
		  "bib = icmp 2001:db8::1 0 198.51.100.1 61001\n"
		  "[clat]\nmode = host\nipv6-address = 2001:db8::c1a7\n");
}

/* The normal form is short: a prefix line stays one line. */
static void test_nat64_print_pool4_compact(void **state)
{
	struct sixgate_conf c;
	char *out = NULL;
	size_t n = 0;
	FILE *f;

	parse_ok("[nat64]\npool4 = 192.0.2.0/26\npool4 = 192.0.2.64/26\n"
		 "pool4 = 198.51.100.1 tcp 61001\n"
		 "pool4 = 198.51.100.2 icmp\n", &c);
	f = open_memstream(&out, &n);
	assert_non_null(f);
	assert_int_equal(conf_print(f, &c), 0);
	fclose(f);
	assert_non_null(strstr(out, "\npool4 = 192.0.2.0/25\n"
				    "pool4 = 198.51.100.1 tcp 61001\n"
				    "pool4 = 198.51.100.2 icmp 0-65535\n"
				    "filtering"));
	free(out);
	conf_free(&c);
}

static void test_conf_equal_sees_nat64_differences(void **state)
{
	static const char *const variants[] = {
		"[nat64]\npool4 = 192.0.2.2 tcp 61001-65535\n"
		"pool4 = 192.0.2.1 tcp 61001-65535\n",
		"[nat64]\npool4 = 192.0.2.1 tcp 61001-65534\n",
		"[nat64]\npool4 = 192.0.2.1 tcp 61001-65535\n"
		"bib = tcp 2001:db8::1 80 192.0.2.1 80\n",
		"[nat64]\npool4 = 192.0.2.1 tcp 61001-65535\n"
		"udp-timeout = 301\n",
		"[nat64]\npool4 = 192.0.2.1 tcp 61001-65535\n"
		"client-max-ports = 4095\n",
		"[nat64]\npool4 = 192.0.2.1 tcp 61001-65535\n"
		"filtering = address-dependent\n",
		"[nat64]\npool4 = 192.0.2.1 tcp 61001-65535\nmtu = 1400\n",
		"[nat64]\n",
		"",
	};
	struct sixgate_conf a, b;

	parse_ok("[nat64]\npool4 = 192.0.2.1 tcp 61001-65535\n"
		 "pool4 = 192.0.2.2 tcp 61001-65535\n", &a);
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		parse_ok(variants[i], &b);
		assert_false(conf_equal(&a, &b));
		conf_free(&b);
	}
	parse_ok("[nat64]\npool4 = 192.0.2.1/32 tcp 61001-65535\n"
		 "pool4 = 192.0.2.2 TCP 61001-65535\n", &b);
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

/* ---- [dns64] (RFC 6147, RFC 7050, RFC 8880) --------------------------- */

static void assert_endpoint4(const struct conf_endpoint *e, const char *a,
			     uint16_t port)
{
	assert_false(e->v6);
	assert_int_equal(e->v4, a4(a));
	assert_int_equal(e->port, port);
}

static void assert_endpoint6(const struct conf_endpoint *e, const char *a,
			     uint16_t port)
{
	assert_true(e->v6);
	assert_a6(&e->addr6, a);
	assert_int_equal(e->port, port);
}

static void test_dns64_defaults(void **state)
{
	struct sixgate_conf c;
	const struct conf_dns64 *d = &c.dns64;

	parse_ok("", &c);
	assert_false(d->enabled);
	conf_free(&c);
	parse_ok("[dns64]\n", &c);
	assert_true(d->enabled);
	assert_int_equal(d->nlisten, 2);
	assert_endpoint4(&d->listen[0], "127.0.0.1", 53);
	assert_endpoint6(&d->listen[1], "::1", 53);
	assert_int_equal(d->nupstream, 0);
	assert_false(d->recursion);
	assert_false(d->dnssec);
	assert_string_equal(d->trust_anchor, "");
	/* Everyone gets synthesis: ::/0 and 0.0.0.0/0. */
	assert_int_equal(d->nallow, 2);
	assert_true(d->allow[0].v6);
	assert_int_equal(d->allow[0].p6.len, 0);
	assert_false(d->allow[1].v6);
	assert_int_equal(d->allow[1].p4.len, 0);
	assert_int_equal(d->nprefix, 0);
	assert_int_equal(d->ttl_cap, 600);
	assert_int_equal(d->ipv4only_ttl, 3600);
	assert_true(d->ptr);
	assert_int_equal(d->cache_size, 65536);
	assert_int_equal(d->upstream_timeout, 5);
	assert_int_equal(d->tcp_idle_timeout, 10);
	assert_int_equal(d->tcp_max_clients, 256);
	assert_string_equal(warnings, "");
	conf_free(&c);
}

/* RFC 6147 §5.1.4: ::ffff:0:0/96 excluded by default. */
static void test_rfc6147_5_1_4_exclude_default(void **state)
{
	struct sixgate_conf c;

	parse_ok("[dns64]\n", &c);
	assert_int_equal(c.dns64.nexclude, 1);
	assert_a6(&c.dns64.exclude[0].addr, "::ffff:0:0");
	assert_int_equal(c.dns64.exclude[0].len, 96);
	conf_free(&c);
	parse_ok("[dns64]\nexclude = 2001:db8:bad::/48\nexclude = ::ffff:0:0/96\n",
		 &c);
	assert_int_equal(c.dns64.nexclude, 2);
	assert_a6(&c.dns64.exclude[0].addr, "2001:db8:bad::");
	assert_int_equal(c.dns64.exclude[0].len, 48);
	conf_free(&c);
	expect_error("[dns64]\nexclude = ::ffff:0:1/96\n",
		     "t.conf:2: exclude: ::ffff:0:1/96 has bits set past /96");
}

static void test_dns64_mapout_default_and_replace(void **state)
{
	struct sixgate_conf c;

	parse_ok("[dns64]\n", &c);
	assert_int_equal(c.dns64.nmapout, 5);
	assert_int_equal(c.dns64.mapout[0].addr, 0);
	assert_int_equal(c.dns64.mapout[0].len, 8);
	assert_int_equal(c.dns64.mapout[1].addr, a4("127.0.0.0"));
	assert_int_equal(c.dns64.mapout[1].len, 8);
	conf_free(&c);
	parse_ok("[dns64]\nmap-out = 192.0.2.0/24\nmap-out = 10.0.0.0/8\n", &c);
	assert_int_equal(c.dns64.nmapout, 2);
	assert_int_equal(c.dns64.mapout[0].addr, a4("192.0.2.0"));
	assert_int_equal(c.dns64.mapout[1].len, 8);
	conf_free(&c);
}

static void test_dns64_every_key(void **state)
{
	struct sixgate_conf c;
	const struct conf_dns64 *d = &c.dns64;

	parse_ok("[dns64]\n"
		 "listen = 127.0.0.1 5300\n"
		 "listen = ::1\n"
		 "upstream = 192.0.2.53\n"
		 "upstream = 2001:db8::53 5353\n"
		 "dnssec = yes\n"
		 "trust-anchor = /usr/share/dns/root.key\n"
		 "allow-client = 2001:db8::/32\n"
		 "allow-client = 192.0.2.0/24\n"
		 "allow-client = 2001:db8:1::1\n"
		 "ttl-cap = 300\n"
		 "ipv4only-ttl = 60\n"
		 "ptr = no\n"
		 "cache-size = 0\n"
		 "upstream-timeout = 2\n"
		 "tcp-idle-timeout = 30\n"
		 "tcp-max-clients = 1000\n", &c);
	assert_int_equal(d->nlisten, 2);
	assert_endpoint4(&d->listen[0], "127.0.0.1", 5300);
	assert_endpoint6(&d->listen[1], "::1", 53);
	assert_int_equal(d->nupstream, 2);
	assert_endpoint4(&d->upstream[0], "192.0.2.53", 53);
	assert_endpoint6(&d->upstream[1], "2001:db8::53", 5353);
	assert_true(d->dnssec);
	assert_string_equal(d->trust_anchor, "/usr/share/dns/root.key");
	assert_int_equal(d->nallow, 3);
	assert_true(d->allow[0].v6);
	assert_int_equal(d->allow[0].p6.len, 32);
	assert_int_equal(d->allow[1].p4.addr, a4("192.0.2.0"));
	assert_int_equal(d->allow[1].p4.len, 24);
	assert_int_equal(d->allow[2].p6.len, 128);
	assert_int_equal(d->ttl_cap, 300);
	assert_int_equal(d->ipv4only_ttl, 60);
	assert_false(d->ptr);
	assert_int_equal(d->cache_size, 0);
	assert_int_equal(d->upstream_timeout, 2);
	assert_int_equal(d->tcp_idle_timeout, 30);
	assert_int_equal(d->tcp_max_clients, 1000);
	conf_free(&c);
	parse_ok("[dns64]\nrecursion = yes\n", &c);
	assert_true(c.dns64.recursion);
	conf_free(&c);
}

/* RFC 6147 §5: other IPv4 ranges may use other prefixes; each is checked
 * like pref64 (RFC 6052 §2.2, RFC 6147 §5.2 n <= 96). */
static void test_rfc6147_5_prefix_per_range(void **state)
{
	struct sixgate_conf c;

	parse_ok("[dns64]\nprefix = 2001:db8:64::/96 192.0.2.0/24\n"
		 "prefix = 2001:db8:100::/40 198.51.100.0/24\n", &c);
	assert_int_equal(c.dns64.nprefix, 2);
	assert_a6(&c.dns64.prefix[0].pref.prefix, "2001:db8:64::");
	assert_int_equal(c.dns64.prefix[0].pref.len, 96);
	assert_int_equal(c.dns64.prefix[0].range.addr, a4("192.0.2.0"));
	assert_int_equal(c.dns64.prefix[0].range.len, 24);
	assert_int_equal(c.dns64.prefix[1].pref.len, 40);
	conf_free(&c);
	expect_error("[dns64]\nprefix = 2001:db8::/100 192.0.2.0/24\n",
		     "t.conf:2: prefix: 2001:db8::/100: prefix length must be "
		     "32, 40, 48, 56, 64 or 96 (RFC 6052 2.2)");
	expect_error("[dns64]\nprefix = 2001:db8:64::/96\n",
		     "t.conf:2: prefix: expected IPV6/LEN IPV4/LEN");
	expect_error("[dns64]\nprefix = 2001:db8:64::/96 0.0.0.0/0\n",
		     "t.conf:2: prefix: 0.0.0.0/0 is the global pref64's "
		     "range");
	expect_error("[dns64]\nprefix = 2001:db8:64::/96 192.0.2.0/24\n"
		     "prefix = 2001:db8:65::/96 192.0.2.0/24\n",
		     "t.conf:3: prefix: 192.0.2.0/24 already has a prefix");
	expect_error("[dns64]\nprefix = 2001:db8:64::/96 192.0.2.1/24\n",
		     "t.conf:2: prefix: 192.0.2.1/24 has bits set past /24");
}

static void test_dns64_first_line_replaces_default(void **state)
{
	struct sixgate_conf c;

	parse_ok("[dns64]\nlisten = 192.0.2.1\nallow-client = 10.0.0.0/8\n",
		 &c);
	assert_int_equal(c.dns64.nlisten, 1);
	assert_endpoint4(&c.dns64.listen[0], "192.0.2.1", 53);
	assert_int_equal(c.dns64.nallow, 1);
	assert_int_equal(c.dns64.allow[0].p4.addr, a4("10.0.0.0"));
	conf_free(&c);
}

static void test_dns64_errors(void **state)
{
	expect_error("[dns64]\nlisten = 127.0.0.1 0\n",
		     "t.conf:2: listen: 0 is out of range (1-65535)");
	expect_error("[dns64]\nlisten = 127.0.0.1 53 x\n",
		     "t.conf:2: listen: expected ADDRESS [PORT]");
	expect_error("[dns64]\nlisten = localhost\n",
		     "t.conf:2: listen: 'localhost' is not an IPv4 or IPv6 "
		     "address");
	expect_error("[dns64]\nlisten = ::1 53\nlisten = ::1\n",
		     "t.conf:3: listen: given twice");
	expect_error("[dns64]\nupstream = 192.0.2.1 http\n",
		     "t.conf:2: upstream: 'http' is not a number");
	expect_error("[dns64]\nallow-client = 10.0.0.1/8\n",
		     "t.conf:2: allow-client: 10.0.0.1/8 has bits set past /8");
	expect_error("[dns64]\nallow-client = ::/0\nallow-client = ::/0\n",
		     "t.conf:3: allow-client: ::/0 given twice");
	expect_error("[dns64]\nmap-out = 300.0.0.0/8\n",
		     "t.conf:2: map-out: '300.0.0.0/8' is not an IPv4 prefix");
	expect_error("[dns64]\ntrust-anchor = root.key\n",
		     "t.conf:2: trust-anchor: 'root.key' is not an absolute "
		     "path");
	expect_error("[dns64]\nttl-cap = 0\n",
		     "t.conf:2: ttl-cap: 0 is out of range (1-86400)");
	expect_error("[dns64]\nupstream-timeout = 61\n",
		     "t.conf:2: upstream-timeout: 61 is out of range (1-60)");
	expect_error("[dns64]\ntcp-max-clients = 0\n",
		     "t.conf:2: tcp-max-clients: 0 is out of range "
		     "(1-65536)");
	expect_error("[dns64]\nptr = maybe\n",
		     "t.conf:2: ptr: 'maybe' is not a boolean (yes/no, on/off, "
		     "true/false, 1/0)");
	expect_error("[dns64]\nttl-cap = 60\nttl-cap = 60\n",
		     "t.conf:3: ttl-cap: already set on line 2");
}

static void test_dns64_dependent_keys(void **state)
{
	struct sixgate_conf c;

	expect_error("[dns64]\ndnssec = yes\n",
		     "t.conf:2: dnssec: needs trust-anchor = FILE (the root "
		     "key, e.g. /usr/share/dns/root.key)");
	expect_error("[dns64]\nupstream = 192.0.2.53\nrecursion = yes\n",
		     "t.conf:2: upstream: not used with recursion = yes "
		     "(remove one of them)");
	parse_ok("[dns64]\ntrust-anchor = /etc/root.key\n", &c);
	assert_string_equal(warnings, "t.conf:2: warning: trust-anchor is not "
			    "used without dnssec = yes\n");
	conf_free(&c);
}

static void test_dns64_keys_elsewhere_refused(void **state)
{
	expect_error("listen = 127.0.0.1\n",
		     "t.conf:1: 'listen' belongs in [dns64]");
	expect_error("[siit]\nupstream = 127.0.0.1\n",
		     "t.conf:2: 'upstream' belongs in [dns64]");
	expect_error("[dns64]\npref64 = 64:ff9b::/96\n",
		     "t.conf:2: 'pref64' is a global key: put it before the "
		     "first section");
	expect_error("[dns64]\npool6 = 64:ff9b::/96\n",
		     "t.conf:2: 'pool6' belongs in [siit]");
}

static void test_roundtrip_dns64(void **state)
{
	roundtrip("[dns64]\n");
	roundtrip("pref64 = auto\n[dns64]\nlisten = 0.0.0.0 5300\n"
		  "listen = :: 5300\nupstream = 127.0.0.1 5301\n"
		  "upstream = ::1\ndnssec = yes\n"
		  "trust-anchor = /var/lib/sixgate/root.key\n"
		  "allow-client = 2001:db8::/32\nallow-client = 192.0.2.7\n"
		  "exclude = 2001:db8:bad::/48\nmap-out = 10.0.0.0/8\n"
		  "prefix = 2001:db8:64::/96 192.0.2.0/24\nttl-cap = 30\n"
		  "ipv4only-ttl = 7200\nptr = no\ncache-size = 10\n"
		  "upstream-timeout = 1\ntcp-idle-timeout = 3\n"
		  "tcp-max-clients = 4\n");
	roundtrip("[siit]\n[nat64]\npool4 = 192.0.2.1\n[dns64]\n"
		  "recursion = yes\n");
}

static void test_conf_equal_sees_dns64_differences(void **state)
{
	static const char *const variants[] = {
		"[dns64]\nlisten = 127.0.0.1 5300\n",
		"[dns64]\nupstream = 127.0.0.1\n",
		"[dns64]\nrecursion = yes\n",
		"[dns64]\ndnssec = yes\ntrust-anchor = /k\n",
		"[dns64]\nallow-client = ::/0\n",
		"[dns64]\nexclude = ::ffff:0:0/96\nexclude = 2001:db8::/32\n",
		"[dns64]\nmap-out = 0.0.0.0/8\n",
		"[dns64]\nprefix = 2001:db8:64::/96 192.0.2.0/24\n",
		"[dns64]\nttl-cap = 599\n",
		"[dns64]\nipv4only-ttl = 1\n",
		"[dns64]\nptr = no\n",
		"[dns64]\ncache-size = 1\n",
		"[dns64]\nupstream-timeout = 4\n",
		"[dns64]\ntcp-idle-timeout = 9\n",
		"[dns64]\ntcp-max-clients = 255\n",
		"",
	};
	struct sixgate_conf base, v;

	parse_ok("[dns64]\n", &base);
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		parse_ok(variants[i], &v);
		if (conf_equal(&base, &v))
			fail_msg("no difference seen for: %s", variants[i]);
		conf_free(&v);
	}
	conf_free(&base);
}

/* The workers' I/O keys (issue 7): io = auto|uring|syscalls and busy-poll
 * = microseconds.  Defaults, values, errors with file:line, the printed
 * form, and that conf_equal() tells settings apart. */
/* conf_print() output of text. */
static char *io_printed(const char *text)
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
	out = io_printed("");
	assert_non_null(strstr(out, "\nio = auto\nbusy-poll = 0\n"));
	free(out);
	out = io_printed("io = syscalls\nbusy-poll = 25\n");
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
		cmocka_unit_test(test_nat64_defaults),
		cmocka_unit_test(test_nat64_every_key),
		cmocka_unit_test(test_nat64_pool6),
		cmocka_unit_test(test_nat64_pool4_forms),
		cmocka_unit_test(test_nat64_pool4_prefix_expansion),
		cmocka_unit_test(test_nat64_pool4_bytes_stable),
		cmocka_unit_test(test_nat64_pool4_errors),
		cmocka_unit_test(test_nat64_host_pool4_errors),
		cmocka_unit_test(test_nat64_pool4_address_limit),
		cmocka_unit_test(test_nat64_pool4_duplicate_warned),
		cmocka_unit_test(test_rfc6146_3_1_static_bib),
		cmocka_unit_test(test_rfc6146_3_1_bib_duplicate_refused),
		cmocka_unit_test(test_rfc6146_3_5_bib_inside_pool6_refused),
		cmocka_unit_test(test_nat64_bib_errors),
		cmocka_unit_test(test_rfc6146_3_5_1_udp_timeout_floor),
		cmocka_unit_test(test_rfc6146_3_5_2_2_tcp_est_timeout_floor),
		cmocka_unit_test(test_rfc5382_req5_tcp_trans_timeout_floor),
		cmocka_unit_test(test_rfc5382_req4_incoming_syn_timeout_floor),
		cmocka_unit_test(test_rfc5508_req2_icmp_timeout_floor),
		cmocka_unit_test(test_rfc6146_3_4_fragment_timeout_floor),
		cmocka_unit_test(test_nat64_timeout_syntax),
		cmocka_unit_test(test_rfc6146_nat64_stateless_keys_refused),
		cmocka_unit_test(test_nat64_keys_elsewhere_refused),
		cmocka_unit_test(test_nat64_limit_errors),
		cmocka_unit_test(test_nat64_dependent_defaults),
		cmocka_unit_test(test_nat64_with_siit_and_clat),
		cmocka_unit_test(test_roundtrip_nat64),
		cmocka_unit_test(test_nat64_print_pool4_compact),
		cmocka_unit_test(test_conf_equal_sees_nat64_differences),
		cmocka_unit_test(test_parse_file),
		cmocka_unit_test(test_dns64_defaults),
		cmocka_unit_test(test_rfc6147_5_1_4_exclude_default),
		cmocka_unit_test(test_dns64_mapout_default_and_replace),
		cmocka_unit_test(test_dns64_every_key),
		cmocka_unit_test(test_rfc6147_5_prefix_per_range),
		cmocka_unit_test(test_dns64_first_line_replaces_default),
		cmocka_unit_test(test_dns64_errors),
		cmocka_unit_test(test_dns64_dependent_keys),
		cmocka_unit_test(test_dns64_keys_elsewhere_refused),
		cmocka_unit_test(test_roundtrip_dns64),
		cmocka_unit_test(test_conf_equal_sees_dns64_differences),
		cmocka_unit_test(test_io_defaults),
		cmocka_unit_test(test_io_values),
		cmocka_unit_test(test_io_errors),
		cmocka_unit_test(test_io_printed_and_compared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
