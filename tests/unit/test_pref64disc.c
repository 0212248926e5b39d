/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for src/core/pref64disc.c: RFC 8781 §4, §4.1, §5, §5.1,
 * RFC 4861 §6.1.2 (RA validity), RFC 7050 §3, RFC 2308 §5.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "core/pref64disc.h"
#include "core/wire.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static struct pref64 pfx(const char *s)
{
	struct pref64 p;
	unsigned len;

	assert_int_equal(addr_parse6_prefix(s, &p.prefix, &len, true), 0);
	p.len = (uint8_t)len;
	return p;
}

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static void assert_pref(const struct pref64 *p, const char *want)
{
	struct pref64 w = pfx(want);

	assert_int_equal(p->len, w.len);
	assert_memory_equal(&p->prefix, &w.prefix, 16);
}

/* An RA header (RFC 4861 §4.2) with router lifetime 1800, then opts. */
static size_t ra_build(uint8_t *buf, const uint8_t *opts, size_t optlen)
{
	static const uint8_t hdr[16] = { 134, 0, 0, 0, 64, 0, 0x07, 0x08 };

	memcpy(buf, hdr, 16);
	memcpy(buf + 16, opts, optlen);
	return 16 + optlen;
}

/* Source link-layer address option, to sit around the PREF64 ones. */
static const uint8_t sllao[8] = { 1, 1, 0x02, 0, 0, 0, 0, 0x01 };

/* covers: RFC 8781 §4 vector (64:ff9b::/96, 1800 s), §4.1 encoding */
static void test_rfc8781_4_vector(void **state)
{
	static const uint8_t want[16] = { 0x26, 0x02, 0x07, 0x08, 0x00, 0x64,
					  0xff, 0x9b };
	struct pref64 p = pfx("64:ff9b::/96");
	uint8_t opt[16], ra[64];
	struct pref64disc_ra r;
	(void)state;

	assert_int_equal(pref64disc_opt_encode(&p, 1800, opt), 0);
	assert_memory_equal(opt, want, 16);
	assert_int_equal(pref64disc_ra_parse(ra, ra_build(ra, want, 16), &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.router_lifetime, 1800);
	assert_pref(&r.opt[0].p, "64:ff9b::/96");
	assert_int_equal(r.opt[0].lifetime, 1800);
}

/* covers: RFC 8781 §4 PLC 0-5 = /96 /64 /56 /48 /40 /32 both ways */
static void test_rfc8781_4_plc_values(void **state)
{
	static const unsigned len[6] = { 96, 64, 56, 48, 40, 32 };
	(void)state;

	for (unsigned plc = 0; plc < 6; plc++) {
		uint8_t opt[16] = { 38, 2, 0, (uint8_t)(8 | plc), 0x20, 0x01,
				    0x0d, 0xb8, 0, 0x64 };
		struct pref64disc_opt o;

		assert_int_equal(pref64disc_plc_to_len(plc), len[plc]);
		assert_int_equal(pref64disc_len_to_plc(len[plc]), plc);
		assert_int_equal(pref64disc_opt_decode(opt, &o), 0);
		assert_int_equal(o.p.len, len[plc]);
		assert_int_equal(o.lifetime, 8);
	}
	assert_int_equal(pref64disc_len_to_plc(33), -EINVAL);
}

/* covers: RFC 8781 §4 PLC 6 and 7: the receiver MUST ignore the option */
static void test_rfc8781_4_plc_6_7_ignored(void **state)
{
	uint8_t opts[48] = { 38, 2, 0x07, 0x0e, 0x00, 0x64, 0xff, 0x9b };
	uint8_t ra[80];
	struct pref64disc_ra r;
	(void)state;

	memcpy(opts + 16, opts, 16);
	opts[16 + 3] = 0x0f; /* PLC 7 */
	opts[32] = 38; opts[33] = 2; opts[35] = 0x08 | 0; /* valid, /96 */
	assert_int_equal(pref64disc_ra_parse(ra, ra_build(ra, opts, 48), &r), 0);
	assert_int_equal(r.ignored, 2);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.opt[0].p.len, 96);
}

/* covers: RFC 8781 §4 Length != 2 ignored (MUST), walk goes on */
static void test_rfc8781_4_bad_length_ignored(void **state)
{
	uint8_t opts[48] = { 38, 3, 0x07, 0x08, 0x00, 0x64, 0xff, 0x9b };
	uint8_t ra[80];
	struct pref64disc_ra r;
	(void)state;

	/* Length 3 (24 bytes) then a good option. */
	opts[24] = 38; opts[25] = 2; opts[27] = 0x08; opts[28] = 0x20;
	assert_int_equal(pref64disc_ra_parse(ra, ra_build(ra, opts, 40), &r), 0);
	assert_int_equal(r.ignored, 1);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.opt[0].p.prefix.s6_addr[0], 0x20);
	/* Length 1: an 8-byte option of type 38, ignored. */
	uint8_t one[8] = { 38, 1, 0x07, 0x08 };
	assert_int_equal(pref64disc_ra_parse(ra, ra_build(ra, one, 8), &r), 0);
	assert_int_equal(r.ignored, 1);
	assert_int_equal(r.n, 0);
}

/* covers: RFC 8781 §4 prefix bits past the length are ignored */
static void test_rfc8781_4_bits_past_length_zeroed(void **state)
{
	uint8_t opt[16] = { 38, 2, 0, 0x08 | 4, 0x20, 0x01, 0x0d, 0xb8, 0x64,
			    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct pref64disc_opt o;
	(void)state;

	assert_int_equal(pref64disc_opt_decode(opt, &o), 0); /* /40 */
	assert_pref(&o.p, "2001:db8:6400::/40");
	const char *why;
	assert_int_equal(addr_pref64_check(&o.p, &why), 0);
}

/* covers: RFC 8781 §4.1 receiver: lifetime = scaled x 8, max 65528, 0 */
static void test_rfc8781_4_1_lifetime_scaling(void **state)
{
	static const struct { uint16_t scaled; uint32_t secs; } v[] = {
		{ 0, 0 }, { 1, 8 }, { 225, 1800 }, { 8191, 65528 },
	};
	(void)state;

	for (size_t i = 0; i < NELEM(v); i++) {
		uint8_t opt[16] = { 38, 2 };
		struct pref64disc_opt o;

		opt[2] = (uint8_t)(v[i].scaled >> 5);
		opt[3] = (uint8_t)(v[i].scaled << 3); /* PLC 0 */
		assert_int_equal(pref64disc_opt_decode(opt, &o), 0);
		assert_int_equal(o.lifetime, v[i].secs);
	}
}

/* covers: RFC 8781 §4.1 lifetime 0 is reported (stop using), §5 */
static void test_rfc8781_4_1_lifetime_zero_reported(void **state)
{
	uint8_t opts[16] = { 38, 2, 0, 0, 0x00, 0x64, 0xff, 0x9b };
	uint8_t ra[32];
	struct pref64disc_ra r;
	struct pref64disc_set s = { 0 };
	struct pref64 p = pfx("64:ff9b::/96");
	(void)state;

	assert_int_equal(pref64disc_ra_parse(ra, ra_build(ra, opts, 16), &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.opt[0].lifetime, 0);
	assert_int_equal(pref64disc_set_update(&s, &p, 600, 100), 1);
	assert_int_equal(pref64disc_set_update(&s, &r.opt[0].p, 0, 200), 1);
	assert_int_equal(s.n, 0);
	assert_int_equal(pref64disc_set_update(&s, &p, 0, 300), 0);
}

/* covers: RFC 8781 §4.1 sender rounding: up to a multiple of 8, <8 -> 1,
 * cap 8191; default min(3 x MaxRtrAdvInterval / 8, 8191) */
static void test_rfc8781_4_1_sender_rounding(void **state)
{
	static const struct { uint32_t secs; uint16_t scaled; } v[] = {
		{ 0, 0 }, { 1, 1 }, { 7, 1 }, { 8, 1 }, { 9, 2 }, { 1800, 225 },
		{ 1801, 226 }, { 65528, 8191 }, { 65535, 8191 },
		{ 100000, 8191 },
	};
	(void)state;

	for (size_t i = 0; i < NELEM(v); i++)
		assert_int_equal(pref64disc_scaled_lifetime(v[i].secs),
				 v[i].scaled);
	assert_int_equal(pref64disc_default_scaled(600), 225);
	assert_int_equal(pref64disc_default_scaled(1800), 675);
	assert_int_equal(pref64disc_default_scaled(100000), 8191);
}

/* covers: RFC 8781 §4 encoder/decoder round trip on every length */
static void test_rfc8781_4_encode_round_trip(void **state)
{
	static const char *const v[] = {
		"2001:db8::/32", "2001:db8:100::/40", "2001:db8:122::/48",
		"2001:db8:122:300::/56", "2001:db8:122:344::/64",
		"2001:db8:122:344::/96", "64:ff9b::/96", "64:ff9b:1::/48",
	};
	(void)state;

	for (size_t i = 0; i < NELEM(v); i++) {
		struct pref64 p = pfx(v[i]);
		struct pref64disc_opt o;
		uint8_t opt[16];

		assert_int_equal(pref64disc_opt_encode(&p, 3600, opt), 0);
		assert_int_equal(opt[1], 2);
		assert_int_equal(pref64disc_opt_decode(opt, &o), 0);
		assert_pref(&o.p, v[i]);
		assert_int_equal(o.lifetime, 3600);
	}
	struct pref64 bad = pfx("2001:db8::/33");
	uint8_t opt[16];
	assert_int_equal(pref64disc_opt_encode(&bad, 60, opt), -EINVAL);
}

/* covers: RFC 8781 §5 several options in one RA: all, in order */
static void test_rfc8781_5_several_options_in_order(void **state)
{
	uint8_t opts[8 + 16 * 3 + 8], ra[128];
	struct pref64 p[3] = { pfx("2001:db8:64::/96"), pfx("64:ff9b::/96"),
			       pfx("2001:db8:1::/48") };
	struct pref64disc_ra r;
	size_t off = 0;
	(void)state;

	memcpy(opts, sllao, 8);
	off = 8;
	for (int i = 0; i < 3; i++, off += 16)
		assert_int_equal(pref64disc_opt_encode(&p[i], 600 * (i + 1),
						       opts + off), 0);
	memcpy(opts + off, sllao, 8);
	off += 8;
	assert_int_equal(pref64disc_ra_parse(ra, ra_build(ra, opts, off), &r), 0);
	assert_int_equal(r.n, 3);
	assert_pref(&r.opt[0].p, "2001:db8:64::/96");
	assert_pref(&r.opt[1].p, "64:ff9b::/96");
	assert_pref(&r.opt[2].p, "2001:db8:1::/48");
	assert_int_equal(r.opt[2].lifetime, 1800);
}

/* covers: bounded memory: more than PREF64DISC_MAX options are counted */
static void test_rfc8781_5_too_many_options_counted(void **state)
{
	uint8_t opts[16 * (PREF64DISC_MAX + 2)], ra[16 + sizeof(opts)];
	struct pref64disc_ra r;
	(void)state;

	for (unsigned i = 0; i < PREF64DISC_MAX + 2; i++) {
		struct pref64 p = pfx("2001:db8:64::/96");
		p.prefix.s6_addr[5] = (uint8_t)i;
		pref64disc_opt_encode(&p, 600, opts + 16 * i);
	}
	assert_int_equal(pref64disc_ra_parse(ra, ra_build(ra, opts, sizeof(opts)),
					     &r), 0);
	assert_int_equal(r.n, PREF64DISC_MAX);
	assert_int_equal(r.dropped, 2);
}

/* covers: RFC 4861 §6.1.2 as RFC 8781 relies on it: zero-length option
 * and overruns make the whole RA invalid; truncated headers; not an RA */
static void test_rfc8781_4_malformed_ra(void **state)
{
	uint8_t good[17] = { 38, 2, 0x07, 0x08, 0x00, 0x64, 0xff, 0x9b };
	uint8_t opts[40], ra[80];
	struct pref64disc_ra r;
	size_t n;
	(void)state;

	/* Good PREF64 then an option of length 0. */
	memcpy(opts, good, 16);
	opts[16] = 1; opts[17] = 0;
	assert_int_equal(pref64disc_ra_parse(ra, ra_build(ra, opts, 24), &r),
			 -EBADMSG);
	assert_int_equal(r.n, 0);
	/* Option running past the end. */
	memcpy(opts, good, 16);
	opts[16] = 38; opts[17] = 2;
	assert_int_equal(pref64disc_ra_parse(ra, ra_build(ra, opts, 24), &r),
			 -EBADMSG);
	assert_int_equal(r.n, 0);
	/* Odd trailing byte: no room for a type+length pair. */
	assert_int_equal(pref64disc_ra_parse(ra, ra_build(ra, good, 17), &r),
			 -EBADMSG);
	/* Every truncation of a good RA is refused or parses a prefix-free
	 * or complete result, never reads past len. */
	n = ra_build(ra, good, 16);
	for (size_t l = 0; l < n; l++) {
		int rc = pref64disc_ra_parse(ra, l, &r);
		assert_true(rc == -EINVAL || rc == -EBADMSG || (rc == 0 && l == 16));
		assert_int_equal(r.n, 0);
	}
	/* Not an RA: RS type, or code != 0. */
	ra[0] = 133;
	assert_int_equal(pref64disc_ra_parse(ra, n, &r), -EINVAL);
	ra[0] = 134; ra[1] = 1;
	assert_int_equal(pref64disc_ra_parse(ra, n, &r), -EINVAL);
	ra[1] = 0;
	assert_int_equal(pref64disc_ra_parse(ra, n, &r), 0);
	/* An RA without options is fine. */
	assert_int_equal(pref64disc_ra_parse(ra, 16, &r), 0);
	assert_int_equal(r.n, 0);
}

/* covers: RFC 8781 §5.1 one source only, RA before RFC 7050; §4.1 expiry */
static void test_rfc8781_5_1_ra_before_rfc7050(void **state)
{
	struct pref64disc_set ra = { 0 }, dns = { 0 };
	struct pref64 a = pfx("2001:db8:64::/96"), b = pfx("64:ff9b::/96");
	(void)state;

	assert_null(pref64disc_select(&ra, &dns));
	assert_int_equal(pref64disc_set_update(&dns, &b, 300, 0), 1);
	assert_ptr_equal(pref64disc_select(&ra, &dns), &dns);
	assert_int_equal(pref64disc_set_update(&ra, &a, 1800, 10), 1);
	assert_ptr_equal(pref64disc_select(&ra, &dns), &ra);
	assert_int_equal(pref64disc_set_next_expiry(&ra), 1810);
	/* Refresh keeps the place, moves the expiry; same expiry: no change */
	assert_int_equal(pref64disc_set_update(&ra, &a, 1800, 20), 1);
	assert_int_equal(pref64disc_set_update(&ra, &a, 1800, 20), 0);
	assert_int_equal(pref64disc_set_expire(&ra, 1819), 0);
	assert_int_equal(pref64disc_set_expire(&ra, 1820), 1);
	assert_ptr_equal(pref64disc_select(&ra, &dns), &dns);
	assert_int_equal(pref64disc_set_next_expiry(&ra), UINT64_MAX);
}

/* covers: RFC 8781 §5 / RFC 7050 §3 order kept across refreshes,
 * renumbering: old prefix withdrawn with lifetime 0, new one takes over */
static void test_rfc8781_5_renumbering_order(void **state)
{
	struct pref64disc_set s = { 0 };
	struct pref64 a = pfx("2001:db8:64::/96"), b = pfx("2001:db8:65::/96");
	(void)state;

	pref64disc_set_update(&s, &a, 600, 0);
	pref64disc_set_update(&s, &b, 600, 0);
	pref64disc_set_update(&s, &b, 900, 5);
	pref64disc_set_update(&s, &a, 900, 5);
	assert_int_equal(s.n, 2);
	assert_memory_equal(&s.e[0].p, &a, sizeof(a));
	assert_int_equal(pref64disc_set_update(&s, &a, 0, 6), 1);
	assert_int_equal(s.n, 1);
	assert_memory_equal(&s.e[0].p, &b, sizeof(b));
	for (unsigned i = 1; i < PREF64DISC_MAX; i++) {
		struct pref64 c = b;
		c.prefix.s6_addr[5] = (uint8_t)i;
		assert_int_equal(pref64disc_set_update(&s, &c, 60, 6), 1);
	}
	a.prefix.s6_addr[6] = 1;
	assert_int_equal(pref64disc_set_update(&s, &a, 60, 6), -ENOSPC);
}

/* ---- RFC 7050 ---------------------------------------------------------- */

/* covers: RFC 7050 §3 the six RFC 6052 positions, both well-known values */
static void test_rfc7050_3_six_lengths_both_wka(void **state)
{
	static const struct { const char *pfx, *a170, *a171; } v[] = {
		{ "2001:db8::/32", "2001:db8:c000:aa::", "2001:db8:c000:ab::" },
		{ "2001:db8:100::/40", "2001:db8:1c0:0:aa::",
		  "2001:db8:1c0:0:ab::" },
		{ "2001:db8:122::/48", "2001:db8:122:c000:0:aa00::",
		  "2001:db8:122:c000:0:ab00::" },
		{ "2001:db8:122:300::/56", "2001:db8:122:3c0:0:aa::",
		  "2001:db8:122:3c0:0:ab::" },
		{ "2001:db8:122:344::/64", "2001:db8:122:344:c0:0:aa00:0",
		  "2001:db8:122:344:c0:0:ab00:0" },
		{ "2001:db8:122:344::/96", "2001:db8:122:344::c000:aa",
		  "2001:db8:122:344::c000:ab" },
		{ "64:ff9b::/96", "64:ff9b::192.0.0.170", "64:ff9b::192.0.0.171" },
	};
	(void)state;

	for (size_t i = 0; i < NELEM(v); i++) {
		struct in6_addr x = a6(v[i].a170), y = a6(v[i].a171);
		struct pref64 p;

		assert_int_equal(pref64disc_wka_find(&x, &p), 0);
		assert_pref(&p, v[i].pfx);
		assert_int_equal(pref64disc_wka_find(&y, &p), 0);
		assert_pref(&p, v[i].pfx);
		/* Addresses built by the core land on the same answer. */
		struct pref64 q = pfx(v[i].pfx);
		struct in6_addr e;
		addr_embed(&q, PREF64DISC_WKA1, &e);
		assert_memory_equal(&e, &x, 16);
	}
}

/* covers: RFC 7050 §3 a value present twice: repeat with the other one */
static void test_rfc7050_3_value_twice_retry(void **state)
{
	/* /96 whose prefix holds c00000aa at bytes 4-7.  First address: 170
	 * twice, so 171 is tried and absent.  Second: 170 once at the /32
	 * position and 171 once at the /96 position; the later one is the
	 * embedded address (docs/conformance.md §13, P1). */
	struct in6_addr twice = a6("2001:db8:c000:aa::c000:aa");
	struct in6_addr other = a6("2001:db8:c000:aa::c000:ab");
	struct pref64 p;
	(void)state;

	assert_int_equal(pref64disc_wka_find(&twice, &p), -ENOENT);
	assert_int_equal(pref64disc_wka_find(&other, &p), 0);
	assert_pref(&p, "2001:db8:c000:aa::/96");
	/* Both AAAA of the answer: the prefix is learned once. */
	struct in6_addr ans[2] = { twice, other };
	struct pref64 out[4];
	assert_int_equal(pref64disc_rfc7050(ans, 2, out, 4), 1);
	assert_pref(&out[0], "2001:db8:c000:aa::/96");
}

/* covers: RFC 7050 §3 "on octet boundaries": an instance at a non-standard
 * offset counts as a second one */
static void test_rfc7050_3_octet_boundary_instance(void **state)
{
	/* 170 at bytes 1-4 (non-standard) and at the /96 position. */
	struct in6_addr a = a6("20c0:0:aa00::c000:aa");
	struct in6_addr b = a6("2001:db8::1"); /* no instance at all */
	struct pref64 p;
	(void)state;

	assert_int_equal(pref64disc_wka_find(&a, &p), -ENOENT);
	assert_int_equal(pref64disc_wka_find(&b, &p), -ENOENT);
	/* Found once, but only at a non-standard position. */
	struct in6_addr c = a6("2001:c0:0:aa00::");
	assert_int_equal(pref64disc_wka_find(&c, &p), -ENOENT);
}

/* covers: RFC 7050 §3 several prefixes: all, in order received, dedup */
static void test_rfc7050_3_multiple_prefixes_order_dedup(void **state)
{
	struct in6_addr ans[] = {
		a6("2001:db8:64::c000:aa"), a6("2001:db8:64::c000:ab"),
		a6("64:ff9b::c000:ab"),     a6("2001:db8::1"),
		a6("64:ff9b::c000:aa"),     a6("2001:db8:122:344:c0:0:aa00:0"),
	};
	struct pref64 out[PREF64DISC_MAX];
	(void)state;

	assert_int_equal(pref64disc_rfc7050(ans, NELEM(ans), out, NELEM(out)), 3);
	assert_pref(&out[0], "2001:db8:64::/96");
	assert_pref(&out[1], "64:ff9b::/96");
	assert_pref(&out[2], "2001:db8:122:344::/64");
	assert_int_equal(pref64disc_rfc7050(ans, NELEM(ans), out, 2), 2);
}

/* covers: RFC 7050 §3 no well-known address: discovery failed */
static void test_rfc7050_3_nothing_found(void **state)
{
	struct in6_addr ans[] = { a6("2001:db8::1"), a6("64:ff9b::c000:201") };
	struct pref64 out[4];
	(void)state;

	assert_int_equal(pref64disc_rfc7050(ans, NELEM(ans), out, 4), -ENOENT);
	assert_int_equal(pref64disc_rfc7050(NULL, 0, out, 4), -ENOENT);
}

/* A DNS response: header, question ipv4only.arpa AAAA, then records. */
static size_t dns_build(uint8_t *m, unsigned rcode, const struct in6_addr *a,
			unsigned na, uint32_t ttl, bool soa, uint32_t soa_ttl,
			uint32_t minimum)
{
	static const uint8_t q[] = { 8, 'i', 'p', 'v', '4', 'o', 'n', 'l', 'y',
				     4, 'a', 'r', 'p', 'a', 0, 0, 28, 0, 1 };
	size_t o = 12;

	memset(m, 0, 12);
	m[2] = 0x81; m[3] = (uint8_t)(0x80 | rcode);
	m[5] = 1; m[7] = (uint8_t)na; m[9] = soa;
	memcpy(m + o, q, sizeof(q));
	o += sizeof(q);
	for (unsigned i = 0; i < na; i++) {
		m[o++] = 0xc0; m[o++] = 12;
		put16(m + o, 28); put16(m + o + 2, 1); put32(m + o + 4, ttl);
		put16(m + o + 8, 16);
		memcpy(m + o + 10, &a[i], 16);
		o += 26;
	}
	if (soa) {
		m[o++] = 0xc0; m[o++] = 21; /* "arpa" */
		put16(m + o, 6); put16(m + o + 2, 1); put32(m + o + 4, soa_ttl);
		put16(m + o + 8, 2 + 2 + 20);
		o += 10;
		m[o++] = 0xc0; m[o++] = 21; /* MNAME */
		m[o++] = 0xc0; m[o++] = 21; /* RNAME */
		memset(m + o, 0, 16);
		o += 16;
		put32(m + o, minimum);
		o += 4;
	}
	return o;
}

/* covers: RFC 7050 §3 answers parsed from a whole DNS message */
static void test_rfc7050_3_dns_answer_parsed(void **state)
{
	struct in6_addr a[2] = { a6("64:ff9b::c000:aa"), a6("64:ff9b::c000:ab") };
	uint8_t m[512];
	struct pref64disc_dns r;
	struct pref64 out[4];
	size_t n = dns_build(m, 0, a, 2, 3600, false, 0, 0);
	(void)state;

	assert_int_equal(pref64disc_dns_parse(m, n, &r), 0);
	assert_int_equal(r.rcode, 0);
	assert_int_equal(r.naaaa, 2);
	assert_int_equal(r.ttl, 3600);
	assert_int_equal(pref64disc_rfc7050(r.aaaa, r.naaaa, out, 4), 1);
	assert_pref(&out[0], "64:ff9b::/96");
	for (size_t l = 0; l < n; l++)
		assert_int_equal(pref64disc_dns_parse(m, l, &r), -EBADMSG);
	m[2] &= 0x7f; /* a query, not a response */
	assert_int_equal(pref64disc_dns_parse(m, n, &r), -EBADMSG);
}

/* covers: RFC 7050 §3 NXDOMAIN/NODATA: wait the TTL (RFC 2308 §5) */
static void test_rfc7050_3_negative_wait(void **state)
{
	uint8_t m[512];
	struct pref64disc_dns r;
	size_t n;
	(void)state;

	n = dns_build(m, 3, NULL, 0, 0, true, 900, 600);
	assert_int_equal(pref64disc_dns_parse(m, n, &r), 0);
	assert_int_equal(r.rcode, 3);
	assert_true(r.has_soa);
	assert_int_equal(pref64disc_negative_wait(&r), 600);
	n = dns_build(m, 0, NULL, 0, 0, true, 120, 86400); /* NODATA */
	assert_int_equal(pref64disc_dns_parse(m, n, &r), 0);
	assert_int_equal(r.naaaa, 0);
	assert_int_equal(pref64disc_negative_wait(&r), 120);
	n = dns_build(m, 0, NULL, 0, 0, true, 5, 5);
	assert_int_equal(pref64disc_dns_parse(m, n, &r), 0);
	assert_int_equal(pref64disc_negative_wait(&r), PREF64DISC_NEG_MIN);
	n = dns_build(m, 3, NULL, 0, 0, false, 0, 0);
	assert_int_equal(pref64disc_dns_parse(m, n, &r), 0);
	assert_int_equal(pref64disc_negative_wait(&r), PREF64DISC_NEG_DEFAULT);
}

/* covers: RFC 7050 §3 re-query 10 s before the TTL; timeouts back off */
static void test_rfc7050_3_requery_timing(void **state)
{
	(void)state;

	assert_int_equal(pref64disc_requery_delay(3600), 3590);
	assert_int_equal(pref64disc_requery_delay(20), 10);
	assert_int_equal(pref64disc_requery_delay(11), PREF64DISC_REQUERY_MIN);
	assert_int_equal(pref64disc_requery_delay(0), PREF64DISC_REQUERY_MIN);
	/* The prefix outlives the re-query. */
	for (uint32_t t = 0; t < 100; t++)
		assert_true(pref64disc_dns_lifetime(t) >
			    pref64disc_requery_delay(t));
	assert_int_equal(pref64disc_dns_lifetime(3600), 3600);
	assert_int_equal(pref64disc_retry_delay(1), 2);
	assert_int_equal(pref64disc_retry_delay(2), 4);
	assert_int_equal(pref64disc_retry_delay(8), 256);
	assert_int_equal(pref64disc_retry_delay(9), PREF64DISC_RETRY_MAX);
	assert_int_equal(pref64disc_retry_delay(1000), PREF64DISC_RETRY_MAX);
}

/* covers: RFC 2181 §8 TTL top bit; min TTL of the AAAA set */
static void test_rfc7050_3_ttl_min_and_top_bit(void **state)
{
	struct in6_addr a[1] = { a6("64:ff9b::c000:aa") };
	uint8_t m[512];
	struct pref64disc_dns r;
	size_t n = dns_build(m, 0, a, 1, 0x80000001u, false, 0, 0);
	(void)state;

	assert_int_equal(pref64disc_dns_parse(m, n, &r), 0);
	assert_int_equal(r.ttl, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8781_4_vector),
		cmocka_unit_test(test_rfc8781_4_plc_values),
		cmocka_unit_test(test_rfc8781_4_plc_6_7_ignored),
		cmocka_unit_test(test_rfc8781_4_bad_length_ignored),
		cmocka_unit_test(test_rfc8781_4_bits_past_length_zeroed),
		cmocka_unit_test(test_rfc8781_4_1_lifetime_scaling),
		cmocka_unit_test(test_rfc8781_4_1_lifetime_zero_reported),
		cmocka_unit_test(test_rfc8781_4_1_sender_rounding),
		cmocka_unit_test(test_rfc8781_4_encode_round_trip),
		cmocka_unit_test(test_rfc8781_5_several_options_in_order),
		cmocka_unit_test(test_rfc8781_5_too_many_options_counted),
		cmocka_unit_test(test_rfc8781_4_malformed_ra),
		cmocka_unit_test(test_rfc8781_5_1_ra_before_rfc7050),
		cmocka_unit_test(test_rfc8781_5_renumbering_order),
		cmocka_unit_test(test_rfc7050_3_six_lengths_both_wka),
		cmocka_unit_test(test_rfc7050_3_value_twice_retry),
		cmocka_unit_test(test_rfc7050_3_octet_boundary_instance),
		cmocka_unit_test(test_rfc7050_3_multiple_prefixes_order_dedup),
		cmocka_unit_test(test_rfc7050_3_nothing_found),
		cmocka_unit_test(test_rfc7050_3_dns_answer_parsed),
		cmocka_unit_test(test_rfc7050_3_negative_wait),
		cmocka_unit_test(test_rfc7050_3_requery_timing),
		cmocka_unit_test(test_rfc7050_3_ttl_min_and_top_bit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
