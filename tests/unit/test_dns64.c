/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for src/dns64 (plan, synth, reply, config): RFC 6147 §5,
 * RFC 8880 §7.1 item 4 and §7.2.1, RFC 7050 §4/§5 server side, RFC 6052
 * §2.2 and §3.1.  Upstream answers are ldns packets built here; a small
 * driver plays the resolver.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns64/dns64.h"

/* ------------------------------------------------------------------ */
/* Builders */

static struct pref64 pfx(const char *s)
{
	struct pref64 p;
	unsigned len;

	assert_int_equal(addr_parse6_prefix(s, &p.prefix, &len, true), 0);
	p.len = (uint8_t)len;
	return p;
}

static void cfg_with(struct dns64_config *c, const char *prefix)
{
	struct pref64 p = pfx(prefix);

	dns64_config_default(c);
	assert_int_equal(dns64_config_add_prefix(c, &p, 0, 0), 0);
}

static ldns_pkt *query(const char *name, ldns_rr_type t, ldns_rr_class cl,
		       bool cd, bool dnssec_ok)
{
	ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str(name), t, cl,
					 LDNS_RD);

	assert_non_null(q);
	ldns_pkt_set_id(q, 0x1234);
	ldns_pkt_set_cd(q, cd);
	if (dnssec_ok) {
		ldns_pkt_set_edns_udp_size(q, 4096);
		ldns_pkt_set_edns_do(q, true);
	}
	return q;
}

static ldns_rr *rr(const char *s)
{
	ldns_rr *r = NULL;

	assert_int_equal(ldns_rr_new_frm_str(&r, s, 0, NULL, NULL), LDNS_STATUS_OK);
	return r;
}

/* Response: sections as NULL-terminated string lists separated by "|". */
static ldns_pkt *resp(ldns_pkt_rcode rc, const char *const *rrs)
{
	ldns_pkt *p = ldns_pkt_new();
	ldns_pkt_section sec = LDNS_SECTION_ANSWER;

	assert_non_null(p);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_rcode(p, (uint8_t)rc);
	for (; rrs && *rrs; rrs++) {
		if (strcmp(*rrs, "|") == 0) {
			sec = sec == LDNS_SECTION_ANSWER ? LDNS_SECTION_AUTHORITY
							 : LDNS_SECTION_ADDITIONAL;
			continue;
		}
		assert_true(ldns_pkt_push_rr(p, sec, rr(*rrs)));
	}
	return p;
}

#define RESP(rc, ...) resp(rc, (const char *const[]){ __VA_ARGS__, NULL })

/* ------------------------------------------------------------------ */
/* The fake resolver */

struct fake {
	const char *name;
	ldns_rr_type type;
	ldns_pkt *pkt;         /* NULL: timeout */
	enum dns64_sec sec;
};

struct run {
	struct dns64_plan p;
	char asked[8][80];
	ldns_rr_type asked_type[8];
	int nasked;
};

/* Sections as bits: 1u << i for sec_count(p, i). */
#define SEC_AN 1u
#define SEC_NS 2u
#define SEC_AR 4u

static size_t sec_count(const ldns_pkt *p, int i)
{
	const ldns_rr_list *l = i == 0 ? ldns_pkt_answer(p) :
				i == 1 ? ldns_pkt_authority(p) :
				ldns_pkt_additional(p);

	return ldns_rr_list_rr_count(l);
}

/* The hand-over moves, not copies: step (the one just run) must have left
 * mine without the sections it took, and the others as in orig.  PLAIN
 * and AAAA take all three (unless bogus, or an AAAA error treated as
 * empty, §5.1.2); A takes the additional, and the authority too when it
 * synthesised (otherwise that may be the AAAA answer's, §5.3.2, so it is
 * not checked); PTR copies. */
static void assert_moved(enum dns64_step step, const struct dns64_plan *p,
			 const ldns_pkt *orig, const ldns_pkt *mine)
{
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(orig);
	bool taken = !(p->flags & DNS64_F_BOGUS);
	unsigned moved = 0, unsure = 0;

	if (taken && (step == DNS64_STEP_PLAIN ||
		      (step == DNS64_STEP_AAAA && (rc == LDNS_RCODE_NOERROR ||
						   rc == LDNS_RCODE_NXDOMAIN))))
		moved = SEC_AN | SEC_NS | SEC_AR;
	if (taken && step == DNS64_STEP_A) {
		moved = SEC_AR;
		if (p->flags & DNS64_F_SYNTH)
			moved |= SEC_NS;
		else
			unsure = SEC_NS;
	}
	for (int i = 0; i < 3; i++) {
		if (moved & (1u << i))
			assert_int_equal(sec_count(mine, i), 0);
		else if (!(unsure & (1u << i)))
			assert_int_equal(sec_count(mine, i), sec_count(orig, i));
	}
}

/* own: hand each answer over (struct dns64_answer.own), a copy of the
 * fake's, so that the step may move records out of it. */
static void drive_one(const struct dns64_config *cfg, ldns_pkt *q,
		      bool allowed, struct fake *f, int nf, struct run *r,
		      bool own)
{
	memset(r, 0, sizeof(*r));
	assert_int_equal(dns64_plan(cfg, q, allowed, &r->p), 0);
	while (r->p.step >= DNS64_STEP_PLAIN) {
		struct dns64_answer a = { .timeout = true };
		enum dns64_step step;
		ldns_pkt *mine = NULL;
		char *n = ldns_rdf2str(r->p.name);
		int i;

		assert_true(r->nasked < 8);
		snprintf(r->asked[r->nasked], sizeof(r->asked[0]), "%s", n);
		r->asked_type[r->nasked++] = r->p.qtype;
		for (i = 0; i < nf; i++)
			if (strcasecmp(f[i].name, n) == 0 && f[i].type == r->p.qtype)
				break;
		free(n);
		assert_true(i < nf); /* unexpected upstream query */
		a.pkt = f[i].pkt;
		if (own && f[i].pkt) {
			mine = ldns_pkt_clone(f[i].pkt);
			assert_non_null(mine);
			a.pkt = a.own = mine;
		}
		a.sec = f[i].sec;
		step = r->p.step;
		assert_int_equal(dns64_advance(cfg, &r->p, &a), 0);
		if (mine)
			assert_moved(step, &r->p, f[i].pkt, mine);
		ldns_pkt_free(mine);
	}
}

/* The plan driven twice, answers borrowed and handed over: the same
 * questions upstream and the same reply, byte for byte. */
static void drive(const struct dns64_config *cfg, ldns_pkt *q, bool allowed,
		  struct fake *f, int nf, struct run *r)
{
	struct run r2;

	drive_one(cfg, q, allowed, f, nf, r, false);
	drive_one(cfg, q, allowed, f, nf, &r2, true);
	assert_int_equal(r->p.step, r2.p.step);
	assert_int_equal(r->p.flags, r2.p.flags);
	assert_int_equal(r->nasked, r2.nasked);
	for (int i = 0; i < r->nasked; i++)
		assert_string_equal(r->asked[i], r2.asked[i]);
	if (r->p.step == DNS64_STEP_DONE) {
		struct dns64_wire w1, w2;

		assert_int_equal(dns64_reply_encode(r->p.reply, 65535, &w1), 0);
		assert_int_equal(dns64_reply_encode(r2.p.reply, 65535, &w2), 0);
		assert_int_equal(w1.len, w2.len);
		assert_memory_equal(w1.buf, w2.buf, w1.len);
		assert_int_equal(w1.min_ttl, w2.min_ttl);
		dns64_wire_free(&w1);
		dns64_wire_free(&w2);
	}
	dns64_plan_free(&r2.p);
	ldns_pkt_free(q);
	for (int i = 0; i < nf; i++)
		ldns_pkt_free(f[i].pkt);
}

static void done(struct run *r)
{
	dns64_plan_free(&r->p);
}

static size_t count(const ldns_pkt *p, ldns_pkt_section s, ldns_rr_type t)
{
	const ldns_rr_list *l = s == LDNS_SECTION_ANSWER ? ldns_pkt_answer(p) :
				s == LDNS_SECTION_AUTHORITY ? ldns_pkt_authority(p) :
				ldns_pkt_additional(p);
	size_t n = 0;

	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (t == 0 || ldns_rr_get_type(ldns_rr_list_rr(l, i)) == t)
			n++;
	return n;
}

static const ldns_rr *nth(const ldns_pkt *p, ldns_rr_type t, size_t k)
{
	const ldns_rr_list *l = ldns_pkt_answer(p);

	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (ldns_rr_get_type(ldns_rr_list_rr(l, i)) == t && k-- == 0)
			return ldns_rr_list_rr(l, i);
	fail_msg("no such record");
	return NULL;
}

static void assert_aaaa(const ldns_rr *r, const char *want)
{
	struct in6_addr w;
	const ldns_rdf *d = ldns_rr_rdf(r, 0);

	assert_int_equal(ldns_rr_get_type(r), LDNS_RR_TYPE_AAAA);
	assert_int_equal(inet_pton(AF_INET6, want, &w), 1);
	assert_int_equal(ldns_rdf_size(d), 16);
	assert_memory_equal(ldns_rdf_data(d), &w, 16);
}

static void assert_owner(const ldns_rr *r, const char *name)
{
	ldns_rdf *n = ldns_dname_new_frm_str(name);

	assert_int_equal(ldns_dname_compare(ldns_rr_owner(r), n), 0);
	ldns_rdf_deep_free(n);
}

#define SOA(zone, ttl, min) zone " " #ttl " IN SOA ns." zone " h." zone " 1 2 3 4 " #min
#define NSP "2001:db8:64::/96"

static struct run synth_a_only(const struct dns64_config *cfg,
			       ldns_pkt *aaaa_resp, ldns_pkt *a_resp)
{
	struct run r;
	struct fake f[] = {
		{ "a.example.", LDNS_RR_TYPE_AAAA, aaaa_resp, 0 },
		{ "a.example.", LDNS_RR_TYPE_A, a_resp, 0 },
	};

	drive(cfg, query("a.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN,
			 false, false), true, f, 2, &r);
	assert_int_equal(r.p.step, DNS64_STEP_DONE);
	return r;
}

/* ------------------------------------------------------------------ */
/* §5.1.1 – §5.1.7 */

/* covers: RFC 6147 §5.1.6, §5.1.7 (owner, type, class, RDATA) */
static void test_rfc6147_5_1_6_a_only_synthesised(void **state)
{
	struct dns64_config c;
	struct run r;

	(void)state;
	cfg_with(&c, NSP);
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|", SOA("example.", 900, 300)),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 1000 IN A 203.0.113.7",
			      "a.example. 1000 IN A 203.0.113.8"));
	assert_int_equal(r.nasked, 2);
	assert_int_equal(r.asked_type[0], LDNS_RR_TYPE_AAAA);
	assert_int_equal(r.asked_type[1], LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_get_rcode(r.p.reply), LDNS_RCODE_NOERROR);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, 0), 2);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_A), 0);
	assert_aaaa(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0), "2001:db8:64::203.0.113.7");
	assert_aaaa(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 1), "2001:db8:64::203.0.113.8");
	assert_owner(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0), "a.example.");
	assert_int_equal(ldns_rr_get_class(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0)),
			 LDNS_RR_CLASS_IN);
	assert_true(r.p.flags & DNS64_F_SYNTH);
	assert_true(r.p.flags & DNS64_F_CACHEABLE);
	done(&r);
}

/* covers: RFC 6147 §5.1.2 NXDOMAIN passed as is, no A query */
static void test_rfc6147_5_1_2_nxdomain_passed(void **state)
{
	struct dns64_config c;
	struct run r;
	struct fake f[] = {
		{ "a.example.", LDNS_RR_TYPE_AAAA,
		  RESP(LDNS_RCODE_NXDOMAIN, "|", SOA("example.", 900, 300)), 0 },
	};

	(void)state;
	cfg_with(&c, NSP);
	drive(&c, query("a.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, false, false),
	      true, f, 1, &r);
	assert_int_equal(r.nasked, 1);
	assert_int_equal(ldns_pkt_get_rcode(r.p.reply), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_AUTHORITY, LDNS_RR_TYPE_SOA), 1);
	assert_false(r.p.flags & DNS64_F_SYNTH);
	done(&r);
}

/* covers: RFC 6147 §5.1.2 other rcodes count as empty, TTL cap (no SOA) */
static void test_rfc6147_5_1_2_servfail_synthesises(void **state)
{
	struct dns64_config c;
	struct run r;

	(void)state;
	cfg_with(&c, NSP);
	r = synth_a_only(&c, RESP(LDNS_RCODE_SERVFAIL, "|", SOA("example.", 100, 100)),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 7200 IN A 203.0.113.7"));
	assert_int_equal(ldns_pkt_get_rcode(r.p.reply), LDNS_RCODE_NOERROR);
	assert_aaaa(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0), "2001:db8:64::203.0.113.7");
	/* the SERVFAIL's SOA is not "the negative response": cap 600 */
	assert_int_equal(ldns_rr_ttl(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0)), 600);
	assert_true(r.p.flags & DNS64_F_UPFAIL);
	assert_false(r.p.flags & DNS64_F_CACHEABLE);
	done(&r);
}

/* covers: RFC 6147 §5.1.3 timeout = RCODE 2 = empty */
static void test_rfc6147_5_1_3_timeout_synthesises(void **state)
{
	struct dns64_config c;
	struct run r;

	(void)state;
	cfg_with(&c, NSP);
	r = synth_a_only(&c, NULL, RESP(LDNS_RCODE_NOERROR, "a.example. 60 IN A 203.0.113.7"));
	assert_int_equal(r.nasked, 2);
	assert_aaaa(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0), "2001:db8:64::203.0.113.7");
	assert_int_equal(ldns_rr_ttl(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0)), 60);
	assert_true(r.p.flags & DNS64_F_UPFAIL);
	assert_false(r.p.flags & DNS64_F_CACHEABLE);
	done(&r);
}

/* covers: RFC 6147 §5.1.1 real AAAA returned, nothing synthesised */
static void test_rfc6147_5_1_1_aaaa_present(void **state)
{
	struct dns64_config c;
	struct run r;
	struct fake f[] = {
		{ "a.example.", LDNS_RR_TYPE_AAAA,
		  RESP(LDNS_RCODE_NOERROR, "a.example. 300 IN AAAA 2001:db8::1"), 0 },
	};

	(void)state;
	cfg_with(&c, NSP);
	drive(&c, query("a.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, false, false),
	      true, f, 1, &r);
	assert_int_equal(r.nasked, 1);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_AAAA), 1);
	assert_aaaa(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0), "2001:db8::1");
	assert_int_equal(ldns_rr_ttl(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0)), 300);
	assert_false(r.p.flags & DNS64_F_SYNTH);
	done(&r);
}

/* covers: RFC 6147 §5.1.4 mixed answer → only the non-excluded records */
static void test_rfc6147_5_1_4_excluded_mixed(void **state)
{
	struct dns64_config c;
	struct run r;
	struct fake f[] = {
		{ "a.example.", LDNS_RR_TYPE_AAAA,
		  RESP(LDNS_RCODE_NOERROR, "a.example. 300 IN AAAA ::ffff:192.0.2.1",
		       "a.example. 300 IN AAAA 2001:db8::1"), DNS64_SEC_SECURE },
	};

	(void)state;
	cfg_with(&c, NSP);
	drive(&c, query("a.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, false, true),
	      true, f, 1, &r);
	assert_int_equal(r.nasked, 1);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_AAAA), 1);
	assert_aaaa(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0), "2001:db8::1");
	assert_false(ldns_pkt_ad(r.p.reply)); /* modified data is not authentic */
	done(&r);
}

/* covers: RFC 6147 §5.1.4 only excluded → empty → synthesis; excluded
 * records never returned */
static void test_rfc6147_5_1_4_excluded_only(void **state)
{
	struct dns64_config c;
	struct run r;

	(void)state;
	cfg_with(&c, NSP);
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "a.example. 300 IN AAAA ::ffff:192.0.2.1"),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 300 IN A 203.0.113.7"));
	assert_int_equal(r.nasked, 2);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_AAAA), 1);
	assert_aaaa(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0), "2001:db8:64::203.0.113.7");
	done(&r);
}

/* covers: RFC 6147 §5.1.4 exclusion list configurable */
static void test_rfc6147_5_1_4_exclude_configurable(void **state)
{
	struct dns64_config c;
	struct run r;

	(void)state;
	cfg_with(&c, NSP);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:bad::", &c.exclude[1].addr), 1);
	c.exclude[1].len = 48;
	c.nexclude = 2;
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "a.example. 300 IN AAAA 2001:db8:bad::1"),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 300 IN A 203.0.113.7"));
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_AAAA), 1);
	assert_aaaa(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0), "2001:db8:64::203.0.113.7");
	done(&r);
}

/* covers: RFC 6147 §5.1.5 CNAME chain kept, A asked at its end; §5.1.7
 * owner from the A record */
static void test_rfc6147_5_1_5_cname_chain(void **state)
{
	struct dns64_config c;
	struct run r;
	struct fake f[] = {
		{ "www.example.", LDNS_RR_TYPE_AAAA,
		  RESP(LDNS_RCODE_NOERROR, "www.example. 300 IN CNAME b.example.",
		       "b.example. 300 IN CNAME c.example.", "|",
		       SOA("example.", 900, 120)), 0 },
		{ "c.example.", LDNS_RR_TYPE_A,
		  RESP(LDNS_RCODE_NOERROR, "c.example. 3600 IN A 203.0.113.9"), 0 },
	};

	(void)state;
	cfg_with(&c, NSP);
	drive(&c, query("www.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, false, false),
	      true, f, 2, &r);
	assert_string_equal(r.asked[1], "c.example.");
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_CNAME), 2);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(r.p.reply), 0)),
			 LDNS_RR_TYPE_CNAME);
	assert_owner(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0), "c.example.");
	assert_int_equal(ldns_rr_ttl(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0)), 120);
	done(&r);
}

/* covers: RFC 6147 §5.1.5 DNAME followed (RFC 6672 substitution) */
static void test_rfc6147_5_1_5_dname(void **state)
{
	struct dns64_config c;
	struct run r;
	struct fake f[] = {
		{ "www.sub.example.", LDNS_RR_TYPE_AAAA,
		  RESP(LDNS_RCODE_NOERROR, "sub.example. 300 IN DNAME other.example.",
		       "|", SOA("other.example.", 900, 120)), 0 },
		{ "www.other.example.", LDNS_RR_TYPE_A,
		  RESP(LDNS_RCODE_NOERROR, "www.other.example. 60 IN A 203.0.113.9"), 0 },
	};

	(void)state;
	cfg_with(&c, NSP);
	drive(&c, query("www.sub.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, false, false),
	      true, f, 2, &r);
	assert_string_equal(r.asked[1], "www.other.example.");
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_DNAME), 1);
	assert_owner(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0), "www.other.example.");
	done(&r);
}

/* covers: RFC 6147 §5.1.5 a CNAME loop ends */
static void test_rfc6147_5_1_5_cname_loop_bounded(void **state)
{
	struct dns64_config c;
	struct run r;
	struct fake f[] = {
		{ "a.example.", LDNS_RR_TYPE_AAAA,
		  RESP(LDNS_RCODE_NOERROR, "a.example. 300 IN CNAME b.example.",
		       "b.example. 300 IN CNAME a.example."), 0 },
		{ "a.example.", LDNS_RR_TYPE_A, RESP(LDNS_RCODE_NOERROR, "|", SOA("example.", 1, 1)), 0 },
		{ "b.example.", LDNS_RR_TYPE_A, RESP(LDNS_RCODE_NOERROR, "|", SOA("example.", 1, 1)), 0 },
	};

	(void)state;
	cfg_with(&c, NSP);
	drive(&c, query("a.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, false, false),
	      true, f, 3, &r);
	assert_int_equal(r.p.step, DNS64_STEP_DONE);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_AAAA), 0);
	done(&r);
}

/* covers: RFC 6147 §5.1.7 TTL = min(A TTL, SOA TTL of the negative answer)
 * both ways; the SOA's negative TTL is min(TTL, MINIMUM) (RFC 2308 §5) */
static void test_rfc6147_5_1_7_ttl_min_soa(void **state)
{
	struct dns64_config c;
	struct run r;

	(void)state;
	cfg_with(&c, NSP);
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|", SOA("example.", 900, 300)),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 3600 IN A 203.0.113.7"));
	assert_int_equal(ldns_rr_ttl(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0)), 300);
	done(&r);
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|", SOA("example.", 200, 300)),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 3600 IN A 203.0.113.7"));
	assert_int_equal(ldns_rr_ttl(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0)), 200);
	done(&r);
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|", SOA("example.", 900, 300)),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 30 IN A 203.0.113.7"));
	assert_int_equal(ldns_rr_ttl(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0)), 30);
	done(&r);
}

/* covers: RFC 6147 §5.1.7 no SOA → min(A TTL, 600) both ways */
static void test_rfc6147_5_1_7_ttl_cap_no_soa(void **state)
{
	struct dns64_config c;
	struct run r;

	(void)state;
	cfg_with(&c, NSP);
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|"),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 3600 IN A 203.0.113.7"));
	assert_int_equal(ldns_rr_ttl(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0)), 600);
	done(&r);
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|"),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 42 IN A 203.0.113.7"));
	assert_int_equal(ldns_rr_ttl(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0)), 42);
	done(&r);
}

/* covers: RFC 6147 §5.1.6 empty A → that empty result (its SOA) */
static void test_rfc6147_5_1_6_empty_a(void **state)
{
	struct dns64_config c;
	struct run r;

	(void)state;
	cfg_with(&c, NSP);
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|", SOA("example.", 900, 300)),
			 RESP(LDNS_RCODE_NOERROR, "|", SOA("example.", 900, 77)));
	assert_int_equal(ldns_pkt_get_rcode(r.p.reply), LDNS_RCODE_NOERROR);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, 0), 0);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_AUTHORITY, LDNS_RR_TYPE_SOA), 1);
	assert_int_equal(ldns_rdf2native_int32(ldns_rr_rdf(
		ldns_rr_list_rr(ldns_pkt_authority(r.p.reply), 0), 6)), 77);
	done(&r);
}

/* covers: RFC 6147 §5.1.6 A error or timeout → what the client gets */
static void test_rfc6147_5_1_6_a_error(void **state)
{
	struct dns64_config c;
	struct run r;

	(void)state;
	cfg_with(&c, NSP);
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|"), RESP(LDNS_RCODE_SERVFAIL, "|"));
	assert_int_equal(ldns_pkt_get_rcode(r.p.reply), LDNS_RCODE_SERVFAIL);
	done(&r);
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|"), RESP(LDNS_RCODE_NXDOMAIN, "|"));
	assert_int_equal(ldns_pkt_get_rcode(r.p.reply), LDNS_RCODE_NXDOMAIN);
	done(&r);
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|"), NULL);
	assert_int_equal(ldns_pkt_get_rcode(r.p.reply), LDNS_RCODE_SERVFAIL);
	assert_true(r.p.flags & DNS64_F_UPFAIL);
	done(&r);
}

/* covers: RFC 6147 §5 different IPv4 ranges → different prefixes, most
 * specific first; §5.1.7 MUST check each A */
static void test_rfc6147_5_per_range_prefixes(void **state)
{
	struct dns64_config c;
	struct pref64 p2 = pfx("2001:db8:1::/48"), p3 = pfx("2001:db8:2::/64");
	struct run r;

	(void)state;
	cfg_with(&c, NSP);
	assert_int_equal(dns64_config_add_prefix(&c, &p2, 0xcb007100, 24), 0); /* 203.0.113/24 */
	assert_int_equal(dns64_config_add_prefix(&c, &p3, 0xcb007180, 25), 0); /* 203.0.113.128/25 */
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|"),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 60 IN A 198.51.100.1",
			      "a.example. 60 IN A 203.0.113.1",
			      "a.example. 60 IN A 203.0.113.200"));
	assert_aaaa(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0), "2001:db8:64::198.51.100.1");
	assert_aaaa(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 1), "2001:db8:1:cb00:71:100::");
	assert_aaaa(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 2), "2001:db8:2:0:cb:71:c800:0");
	done(&r);
}

/* covers: mapped-out 127/8 and 0/8 never synthesised; all refused →
 * NODATA with the AAAA answer's SOA */
static void test_dns64_mapout_127_0(void **state)
{
	struct dns64_config c;
	struct run r;

	(void)state;
	cfg_with(&c, NSP);
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|", SOA("example.", 900, 300)),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 60 IN A 127.0.0.1",
			      "a.example. 60 IN A 0.1.2.3", "a.example. 60 IN A 203.0.113.1"));
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_AAAA), 1);
	assert_aaaa(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0), "2001:db8:64::203.0.113.1");
	done(&r);
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|", SOA("example.", 900, 300)),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 60 IN A 127.0.0.1", "|",
			      "example. 60 IN NS ns.example."));
	assert_int_equal(ldns_pkt_get_rcode(r.p.reply), LDNS_RCODE_NOERROR);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, 0), 0);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_AUTHORITY, LDNS_RR_TYPE_SOA), 1);
	assert_false(r.p.flags & DNS64_F_SYNTH);
	done(&r);
	/* the list is replaceable */
	c.nmapout = 0;
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|"),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 60 IN A 127.0.0.1"));
	assert_aaaa(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0), "2001:db8:64::127.0.0.1");
	done(&r);
}

/* covers: RFC 6147 §5.2 + RFC 6052 §3.1: WKP + non-global A not
 * synthesised unless allowed; fine under a network-specific prefix */
static void test_rfc6052_3_1_wkp_private_a(void **state)
{
	struct dns64_config c;
	struct run r;

	(void)state;
	cfg_with(&c, "64:ff9b::/96");
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|"),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 60 IN A 10.1.2.3",
			      "a.example. 60 IN A 192.168.1.1", "a.example. 60 IN A 8.8.8.8"));
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_AAAA), 1);
	assert_aaaa(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0), "64:ff9b::8.8.8.8");
	done(&r);
	c.allow_nonglobal_wkp = true;
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|"),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 60 IN A 10.1.2.3"));
	assert_aaaa(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0), "64:ff9b::10.1.2.3");
	done(&r);
	cfg_with(&c, NSP);
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|"),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 60 IN A 10.1.2.3"));
	assert_aaaa(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0), "2001:db8:64::10.1.2.3");
	done(&r);
}

/* covers: RFC 6147 §5.2 RFC 6052 §2.2 every prefix length, u-octet zero
 * (the §2.4 vectors) */
static void test_rfc6052_2_2_all_prefix_lengths(void **state)
{
	static const struct { const char *p, *want; } v[] = {
		{ "2001:db8::/32", "2001:db8:c000:221::" },
		{ "2001:db8:100::/40", "2001:db8:1c0:2:21::" },
		{ "2001:db8:122::/48", "2001:db8:122:c000:2:2100::" },
		{ "2001:db8:122:300::/56", "2001:db8:122:3c0:0:221::" },
		{ "2001:db8:122:344::/64", "2001:db8:122:344:c0:2:2100::" },
		{ "2001:db8:122:344::/96", "2001:db8:122:344::c000:221" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct dns64_config c;
		struct run r;

		cfg_with(&c, v[i].p);
		r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|"),
				 RESP(LDNS_RCODE_NOERROR, "a.example. 60 IN A 192.0.2.33"));
		assert_aaaa(nth(r.p.reply, LDNS_RR_TYPE_AAAA, 0), v[i].want);
		done(&r);
	}
}

/* covers: RFC 6147 §5.2 n <= 96 and RFC 6052 lengths enforced */
static void test_rfc6147_5_2_prefix_checks(void **state)
{
	struct dns64_config c;
	struct pref64 bad = pfx("2001:db8::/33"), ok = pfx(NSP);
	const char *why;

	(void)state;
	dns64_config_default(&c);
	assert_int_equal(dns64_config_add_prefix(&c, &bad, 0, 0), -EINVAL);
	assert_int_equal(dns64_config_add_prefix(&c, &ok, 0x0a000001, 8), -EINVAL);
	assert_int_equal(dns64_config_add_prefix(&c, &ok, 0x0a000000, 8), 0);
	assert_int_equal(dns64_config_check(&c, &why), 0);
	c.prefix[0].pref.len = 100;
	assert_int_equal(dns64_config_check(&c, &why), -EINVAL);
}

/* covers: RFC 6147 §5.1 class other than IN → as if DNS64 were off */
static void test_rfc6147_5_1_class_ch_plain(void **state)
{
	struct dns64_config c;
	struct run r;
	struct fake f[] = {
		{ "a.example.", LDNS_RR_TYPE_AAAA, RESP(LDNS_RCODE_NOERROR, "|"), 0 },
	};

	(void)state;
	cfg_with(&c, NSP);
	drive(&c, query("a.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_CH, false, false),
	      true, f, 1, &r);
	assert_int_equal(r.nasked, 1);
	assert_int_equal(r.p.qclass, LDNS_RR_CLASS_CH);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, 0), 0);
	assert_false(r.p.flags & DNS64_F_SYNTH);
	done(&r);
}

/* covers: ACL: a client not allowed gets plain resolution; no prefix
 * means DNS64 off */
static void test_dns64_not_allowed_plain(void **state)
{
	struct dns64_config c;
	struct dns64_plan p;
	ldns_pkt *q = query("a.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, false, false);

	(void)state;
	cfg_with(&c, NSP);
	assert_int_equal(dns64_plan(&c, q, false, &p), 0);
	assert_int_equal(p.step, DNS64_STEP_PLAIN);
	dns64_plan_free(&p);
	dns64_config_default(&c);
	assert_int_equal(dns64_plan(&c, q, true, &p), 0);
	assert_int_equal(p.step, DNS64_STEP_PLAIN);
	dns64_plan_free(&p);
	ldns_pkt_free(q);
}

/* covers: RFC 6147 §5.3.3 other types (A included) unchanged */
static void test_rfc6147_5_3_3_other_types(void **state)
{
	struct dns64_config c;
	struct run r;
	struct fake f[] = {
		{ "a.example.", LDNS_RR_TYPE_A,
		  RESP(LDNS_RCODE_NOERROR, "a.example. 60 IN A 10.0.0.1"), 0 },
		{ "a.example.", LDNS_RR_TYPE_MX,
		  RESP(LDNS_RCODE_NOERROR, "a.example. 60 IN MX 10 mx.example.", "|", "|",
		       "mx.example. 60 IN A 192.0.2.1"), 0 },
	};

	(void)state;
	cfg_with(&c, "64:ff9b::/96");
	drive(&c, query("a.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, false, false),
	      true, f, 1, &r);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_A), 1);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_AAAA), 0);
	done(&r);
	f[0].pkt = NULL;
	drive(&c, query("a.example.", LDNS_RR_TYPE_MX, LDNS_RR_CLASS_IN, false, false),
	      true, f + 1, 1, &r);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_MX), 1);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ADDITIONAL, LDNS_RR_TYPE_A), 1);
	done(&r);
}

/* covers: RFC 6147 §5.3.2 additional passed unchanged, §5.4 authority and
 * additional from the final (A) response */
static void test_rfc6147_5_3_2_additional_unchanged(void **state)
{
	struct dns64_config c;
	struct run r;

	(void)state;
	cfg_with(&c, NSP);
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|", SOA("example.", 900, 300)),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 60 IN A 203.0.113.1", "|",
			      "example. 60 IN NS ns.example.", "|",
			      "ns.example. 60 IN A 192.0.2.53", "ns.example. 60 IN TXT \"x\""));
	assert_int_equal(count(r.p.reply, LDNS_SECTION_AUTHORITY, LDNS_RR_TYPE_NS), 1);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_AUTHORITY, LDNS_RR_TYPE_SOA), 0);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ADDITIONAL, LDNS_RR_TYPE_A), 1);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ADDITIONAL, LDNS_RR_TYPE_TXT), 1);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ADDITIONAL, LDNS_RR_TYPE_AAAA), 0);
	done(&r);
}

/* covers: RFC 6147 §5.4 header: ID, RD, RA, QR, the client's question with
 * its case; EDNS echoed */
static void test_rfc6147_5_4_header_question(void **state)
{
	struct dns64_config c;
	struct run r;
	struct fake f[] = {
		{ "a.example.", LDNS_RR_TYPE_AAAA, RESP(LDNS_RCODE_NOERROR, "|"), 0 },
		{ "a.example.", LDNS_RR_TYPE_A,
		  RESP(LDNS_RCODE_NOERROR, "a.example. 60 IN A 203.0.113.1"), 0 },
	};
	char *qn;

	(void)state;
	cfg_with(&c, NSP);
	drive(&c, query("A.ExAmple.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, true, false),
	      true, f, 2, &r);
	assert_int_equal(ldns_pkt_id(r.p.reply), 0x1234);
	assert_true(ldns_pkt_qr(r.p.reply));
	assert_true(ldns_pkt_rd(r.p.reply));
	assert_true(ldns_pkt_ra(r.p.reply));
	assert_true(ldns_pkt_cd(r.p.reply));
	assert_false(ldns_pkt_aa(r.p.reply));
	assert_false(ldns_pkt_edns(r.p.reply));
	assert_int_equal(ldns_pkt_qdcount(r.p.reply), 1);
	qn = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(r.p.reply), 0)));
	assert_string_equal(qn, "A.ExAmple.");
	free(qn);
	done(&r);
}

/* ------------------------------------------------------------------ */
/* §5.3.1 PTR */

static const char *ptr_name(const char *v6)
{
	static char buf[128];
	struct in6_addr a;
	char *p = buf;

	assert_int_equal(inet_pton(AF_INET6, v6, &a), 1);
	for (int i = 15; i >= 0; i--)
		p += sprintf(p, "%x.%x.", a.s6_addr[i] & 0xf, a.s6_addr[i] >> 4);
	strcpy(p, "ip6.arpa.");
	return buf;
}

/* covers: RFC 6147 §5.3.1 strategy (2): CNAME into in-addr.arpa after
 * checking it has PTR data */
static void test_rfc6147_5_3_1_ptr_cname(void **state)
{
	struct dns64_config c;
	struct run r;
	const char *qn = ptr_name("2001:db8:64::203.0.113.5");
	struct fake f[] = {
		{ "5.113.0.203.in-addr.arpa.", LDNS_RR_TYPE_PTR,
		  RESP(LDNS_RCODE_NOERROR, "5.113.0.203.in-addr.arpa. 500 IN PTR host.example."), 0 },
	};
	const ldns_rr *cn;
	char *t;

	(void)state;
	cfg_with(&c, NSP);
	drive(&c, query(qn, LDNS_RR_TYPE_PTR, LDNS_RR_CLASS_IN, false, false), true, f, 1, &r);
	assert_int_equal(r.nasked, 1);
	assert_int_equal(r.asked_type[0], LDNS_RR_TYPE_PTR);
	cn = nth(r.p.reply, LDNS_RR_TYPE_CNAME, 0);
	assert_owner(cn, qn);
	t = ldns_rdf2str(ldns_rr_rdf(cn, 0));
	assert_string_equal(t, "5.113.0.203.in-addr.arpa.");
	free(t);
	assert_int_equal(ldns_rr_ttl(cn), 500);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_PTR), 1);
	assert_true(r.p.flags & DNS64_F_SYNTH);
	done(&r);
}

/* covers: RFC 6147 §5.3.1 target without PTR data or a CNAME: no CNAME
 * synthesised, the upstream's rcode */
static void test_rfc6147_5_3_1_ptr_target_checked(void **state)
{
	struct dns64_config c;
	struct run r;
	const char *qn = ptr_name("2001:db8:64::203.0.113.5");
	struct fake f[] = {
		{ "5.113.0.203.in-addr.arpa.", LDNS_RR_TYPE_PTR,
		  RESP(LDNS_RCODE_NXDOMAIN, "|", SOA("113.0.203.in-addr.arpa.", 60, 60)), 0 },
	};
	struct fake g[] = {
		{ "5.113.0.203.in-addr.arpa.", LDNS_RR_TYPE_PTR,
		  RESP(LDNS_RCODE_NOERROR,
		       "5.113.0.203.in-addr.arpa. 60 IN CNAME 5.0/25.113.0.203.in-addr.arpa.",
		       "5.0/25.113.0.203.in-addr.arpa. 60 IN PTR host.example."), 0 },
	};

	(void)state;
	cfg_with(&c, NSP);
	drive(&c, query(qn, LDNS_RR_TYPE_PTR, LDNS_RR_CLASS_IN, false, false), true, f, 1, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.p.reply), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, 0), 0);
	done(&r);
	drive(&c, query(qn, LDNS_RR_TYPE_PTR, LDNS_RR_CLASS_IN, false, false), true, g, 1, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.p.reply), LDNS_RCODE_NOERROR);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, 0), 0);
	done(&r);
}

/* covers: RFC 6147 §5.3.1 PTR outside every Pref64 resolved normally */
static void test_rfc6147_5_3_1_ptr_outside_plain(void **state)
{
	struct dns64_config c;
	struct dns64_plan p;
	ldns_pkt *q;

	(void)state;
	cfg_with(&c, NSP);
	q = query(ptr_name("2001:db8:65::1"), LDNS_RR_TYPE_PTR, LDNS_RR_CLASS_IN, false, false);
	assert_int_equal(dns64_plan(&c, q, true, &p), 0);
	assert_int_equal(p.step, DNS64_STEP_PLAIN);
	dns64_plan_free(&p);
	ldns_pkt_free(q);
	/* a partial ip6.arpa name is not an address */
	q = query("4.6.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", LDNS_RR_TYPE_PTR, LDNS_RR_CLASS_IN, false, false);
	assert_int_equal(dns64_plan(&c, q, true, &p), 0);
	assert_int_equal(p.step, DNS64_STEP_PLAIN);
	dns64_plan_free(&p);
	ldns_pkt_free(q);
	/* §5.3.1: the WKP is recognised even when only an NSP is configured */
	q = query(ptr_name("64:ff9b::203.0.113.5"), LDNS_RR_TYPE_PTR, LDNS_RR_CLASS_IN, false, false);
	assert_int_equal(dns64_plan(&c, q, true, &p), 0);
	assert_int_equal(p.step, DNS64_STEP_PTR);
	dns64_plan_free(&p);
	ldns_pkt_free(q);
	/* ptr off */
	c.ptr = false;
	q = query(ptr_name("2001:db8:64::203.0.113.5"), LDNS_RR_TYPE_PTR, LDNS_RR_CLASS_IN, false, false);
	assert_int_equal(dns64_plan(&c, q, true, &p), 0);
	assert_int_equal(p.step, DNS64_STEP_PLAIN);
	dns64_plan_free(&p);
	ldns_pkt_free(q);
}

/* covers: RFC 8880 §7.2.1 Pref64::192.0.0.170/171 → PTR ipv4only.arpa
 * without any query */
static void test_rfc8880_7_2_1_reverse_ipv4only(void **state)
{
	static const char *const addrs[] = { "64:ff9b::192.0.0.170", "64:ff9b::192.0.0.171" };
	struct dns64_config c;
	struct dns64_plan p;
	char *t;

	(void)state;
	cfg_with(&c, "64:ff9b::/96");
	for (int i = 0; i < 2; i++) {
		ldns_pkt *q = query(ptr_name(addrs[i]), LDNS_RR_TYPE_PTR, LDNS_RR_CLASS_IN,
				    false, false);

		assert_int_equal(dns64_plan(&c, q, true, &p), 0);
		assert_int_equal(p.step, DNS64_STEP_DONE);
		assert_true(p.flags & DNS64_F_LOCAL);
		t = ldns_rdf2str(ldns_rr_rdf(nth(p.reply, LDNS_RR_TYPE_PTR, 0), 0));
		assert_string_equal(t, "ipv4only.arpa.");
		free(t);
		assert_int_equal(ldns_rr_ttl(nth(p.reply, LDNS_RR_TYPE_PTR, 0)), 3600);
		dns64_plan_free(&p);
		ldns_pkt_free(q);
	}
}

/* ------------------------------------------------------------------ */
/* RFC 8880 §7.1 item 4 */

static struct dns64_plan local(const struct dns64_config *c, const char *name,
			       ldns_rr_type t, bool cd, bool dnssec_ok)
{
	struct dns64_plan p;
	ldns_pkt *q = query(name, t, LDNS_RR_CLASS_IN, cd, dnssec_ok);

	assert_int_equal(dns64_plan(c, q, true, &p), 0);
	ldns_pkt_free(q);
	return p;
}

/* covers: RFC 8880 §7.1 item 4 A → 192.0.0.170 and .171, no query */
static void test_rfc8880_7_1_ipv4only_a(void **state)
{
	struct dns64_config c;
	struct dns64_plan p;
	char *s;

	(void)state;
	cfg_with(&c, NSP);
	p = local(&c, "IPv4only.arpa.", LDNS_RR_TYPE_A, false, false);
	assert_int_equal(p.step, DNS64_STEP_DONE);
	assert_int_equal(count(p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_A), 2);
	s = ldns_rdf2str(ldns_rr_rdf(nth(p.reply, LDNS_RR_TYPE_A, 0), 0));
	assert_string_equal(s, "192.0.0.170");
	free(s);
	s = ldns_rdf2str(ldns_rr_rdf(nth(p.reply, LDNS_RR_TYPE_A, 1), 0));
	assert_string_equal(s, "192.0.0.171");
	free(s);
	assert_int_equal(ldns_rr_ttl(nth(p.reply, LDNS_RR_TYPE_A, 0)), 3600);
	assert_true(ldns_pkt_aa(p.reply));
	dns64_plan_free(&p);
}

/* covers: RFC 8880 §7.1 item 4 AAAA under every prefix, the WKP included
 * although 192.0.0.0/24 is non-global; RFC 7050 §4 TTL configurable */
static void test_rfc8880_7_1_ipv4only_aaaa_every_prefix(void **state)
{
	struct dns64_config c;
	struct pref64 wkp = pfx("64:ff9b::/96");
	struct dns64_plan p;

	(void)state;
	cfg_with(&c, NSP);
	assert_int_equal(dns64_config_add_prefix(&c, &wkp, 0xc6336400, 24), 0);
	c.ipv4only_ttl = 1800;
	p = local(&c, "ipv4only.arpa.", LDNS_RR_TYPE_AAAA, false, false);
	assert_int_equal(p.step, DNS64_STEP_DONE);
	assert_int_equal(count(p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_AAAA), 4);
	assert_aaaa(nth(p.reply, LDNS_RR_TYPE_AAAA, 0), "2001:db8:64::192.0.0.170");
	assert_aaaa(nth(p.reply, LDNS_RR_TYPE_AAAA, 1), "2001:db8:64::192.0.0.171");
	assert_aaaa(nth(p.reply, LDNS_RR_TYPE_AAAA, 2), "64:ff9b::192.0.0.170");
	assert_aaaa(nth(p.reply, LDNS_RR_TYPE_AAAA, 3), "64:ff9b::192.0.0.171");
	assert_int_equal(ldns_rr_ttl(nth(p.reply, LDNS_RR_TYPE_AAAA, 0)), 1800);
	assert_false(ldns_pkt_ad(p.reply));
	dns64_plan_free(&p);
}

/* covers: RFC 8880 §7.1 item 4 other types NODATA, subdomains NXDOMAIN,
 * DS resolved normally */
static void test_rfc8880_7_1_ipv4only_other(void **state)
{
	struct dns64_config c;
	struct dns64_plan p;

	(void)state;
	cfg_with(&c, NSP);
	p = local(&c, "ipv4only.arpa.", LDNS_RR_TYPE_MX, false, false);
	assert_int_equal(p.step, DNS64_STEP_DONE);
	assert_int_equal(ldns_pkt_get_rcode(p.reply), LDNS_RCODE_NOERROR);
	assert_int_equal(count(p.reply, LDNS_SECTION_ANSWER, 0), 0);
	assert_int_equal(count(p.reply, LDNS_SECTION_AUTHORITY, LDNS_RR_TYPE_SOA), 1);
	dns64_plan_free(&p);
	p = local(&c, "x.y.ipv4only.arpa.", LDNS_RR_TYPE_A, false, false);
	assert_int_equal(p.step, DNS64_STEP_DONE);
	assert_int_equal(ldns_pkt_get_rcode(p.reply), LDNS_RCODE_NXDOMAIN);
	dns64_plan_free(&p);
	p = local(&c, "ipv4only.arpa.", LDNS_RR_TYPE_DS, false, false);
	assert_int_equal(p.step, DNS64_STEP_PLAIN);
	dns64_plan_free(&p);
	/* §5.5 item 3: CD=1 DO=1 asks for no synthesis: NODATA */
	p = local(&c, "ipv4only.arpa.", LDNS_RR_TYPE_AAAA, true, true);
	assert_int_equal(p.step, DNS64_STEP_DONE);
	assert_int_equal(count(p.reply, LDNS_SECTION_ANSWER, 0), 0);
	dns64_plan_free(&p);
}

/* covers: RFC 8880 §7.1 item 4 with DNS64 off, ipv4only.arpa untouched */
static void test_rfc8880_7_1_ipv4only_off_plain(void **state)
{
	struct dns64_config c;
	struct dns64_plan p;
	ldns_pkt *q = query("ipv4only.arpa.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, false, false);

	(void)state;
	dns64_config_default(&c);
	assert_int_equal(dns64_plan(&c, q, true, &p), 0);
	assert_int_equal(p.step, DNS64_STEP_PLAIN);
	dns64_plan_free(&p);
	cfg_with(&c, NSP);
	assert_int_equal(dns64_plan(&c, q, false, &p), 0);
	assert_int_equal(p.step, DNS64_STEP_PLAIN);
	dns64_plan_free(&p);
	ldns_pkt_free(q);
}

/* ------------------------------------------------------------------ */
/* §5.5 */

static struct run dnssec_run(bool cd, bool dnssec_ok, enum dns64_sec s1,
			     enum dns64_sec s2)
{
	struct dns64_config c;
	struct run r;
	struct fake f[] = {
		{ "a.example.", LDNS_RR_TYPE_AAAA,
		  RESP(LDNS_RCODE_NOERROR, "|", SOA("example.", 900, 300)), s1 },
		{ "a.example.", LDNS_RR_TYPE_A,
		  RESP(LDNS_RCODE_NOERROR, "a.example. 60 IN A 203.0.113.1",
		       "a.example. 60 IN RRSIG A 13 2 60 20300101000000 20200101000000 1 example. AAAA"), s2 },
	};

	cfg_with(&c, NSP);
	drive(&c, query("a.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, cd, dnssec_ok),
	      true, f, 2, &r);
	assert_int_equal(r.p.step, DNS64_STEP_DONE);
	return r;
}

/* covers: RFC 6147 §5.5 item 1 CD=0 DO=0: synthesis, AD never */
static void test_rfc6147_5_5_cd0_do0(void **state)
{
	struct run r = dnssec_run(false, false, DNS64_SEC_SECURE, DNS64_SEC_SECURE);

	(void)state;
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_AAAA), 1);
	assert_false(ldns_pkt_ad(r.p.reply));
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_RRSIG), 0);
	done(&r);
}

/* covers: RFC 6147 §5.5 item 2 CD=0 DO=1: both secure → synthesis + AD;
 * one insecure → no AD; bogus → SERVFAIL */
static void test_rfc6147_5_5_cd0_do1(void **state)
{
	struct run r = dnssec_run(false, true, DNS64_SEC_SECURE, DNS64_SEC_SECURE);

	(void)state;
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_AAAA), 1);
	assert_true(ldns_pkt_ad(r.p.reply));
	/* the A's RRSIG does not cover the synthetic AAAA */
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_RRSIG), 0);
	assert_true(ldns_pkt_edns_do(r.p.reply));
	done(&r);
	r = dnssec_run(false, true, DNS64_SEC_INSECURE, DNS64_SEC_SECURE);
	assert_false(ldns_pkt_ad(r.p.reply));
	done(&r);
	r = dnssec_run(false, true, DNS64_SEC_SECURE, DNS64_SEC_INSECURE);
	assert_false(ldns_pkt_ad(r.p.reply));
	done(&r);
	r = dnssec_run(false, true, DNS64_SEC_BOGUS, DNS64_SEC_SECURE);
	assert_int_equal(ldns_pkt_get_rcode(r.p.reply), LDNS_RCODE_SERVFAIL);
	assert_int_equal(r.nasked, 1); /* the AAAA is validated before A */
	assert_true(r.p.flags & DNS64_F_BOGUS);
	done(&r);
	r = dnssec_run(false, true, DNS64_SEC_SECURE, DNS64_SEC_BOGUS);
	assert_int_equal(ldns_pkt_get_rcode(r.p.reply), LDNS_RCODE_SERVFAIL);
	done(&r);
}

/* covers: RFC 6147 §5.5 item 3 CD=1 DO=1: no synthesis, plain */
static void test_rfc6147_5_5_cd1_do1(void **state)
{
	struct dns64_config c;
	struct run r;
	struct fake f[] = {
		{ "a.example.", LDNS_RR_TYPE_AAAA,
		  RESP(LDNS_RCODE_NOERROR, "|", SOA("example.", 900, 300),
		       "a.example. 300 IN NSEC b.example. A RRSIG NSEC"), DNS64_SEC_BOGUS },
	};

	(void)state;
	cfg_with(&c, NSP);
	drive(&c, query("a.example.", LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, true, true),
	      true, f, 1, &r);
	assert_int_equal(r.nasked, 1);
	assert_int_equal(r.asked_type[0], LDNS_RR_TYPE_AAAA);
	assert_int_equal(ldns_pkt_get_rcode(r.p.reply), LDNS_RCODE_NOERROR);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, 0), 0);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_AUTHORITY, LDNS_RR_TYPE_NSEC), 1);
	assert_false(r.p.flags & DNS64_F_SYNTH);
	done(&r);
}

/* covers: RFC 6147 §5.5 CD=1 DO=0 (PROJECT): synthesis, never AD, bogus
 * data passed (the client asked for no checking) */
static void test_rfc6147_5_5_cd1_do0(void **state)
{
	struct run r = dnssec_run(true, false, DNS64_SEC_SECURE, DNS64_SEC_SECURE);

	(void)state;
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_AAAA), 1);
	assert_false(ldns_pkt_ad(r.p.reply));
	done(&r);
	r = dnssec_run(true, false, DNS64_SEC_BOGUS, DNS64_SEC_BOGUS);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_AAAA), 1);
	assert_false(ldns_pkt_ad(r.p.reply));
	done(&r);
}

/* covers: RFC 4035 §3.2.1 DO=0 replies carry no RRSIG/NSEC not asked for;
 * plain answers get AD only when secure and DO=1 */
static void test_dns64_plain_dnssec_records(void **state)
{
	struct dns64_config c;
	struct run r;
	struct fake f[] = {
		{ "a.example.", LDNS_RR_TYPE_A,
		  RESP(LDNS_RCODE_NOERROR, "a.example. 60 IN A 203.0.113.1",
		       "a.example. 60 IN RRSIG A 13 2 60 20300101000000 20200101000000 1 example. AAAA"),
		  DNS64_SEC_SECURE },
	};

	(void)state;
	cfg_with(&c, NSP);
	drive(&c, query("a.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, false, false),
	      true, f, 1, &r);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_RRSIG), 0);
	assert_false(ldns_pkt_ad(r.p.reply));
	done(&r);
	f[0].pkt = RESP(LDNS_RCODE_NOERROR, "a.example. 60 IN A 203.0.113.1",
			"a.example. 60 IN RRSIG A 13 2 60 20300101000000 20200101000000 1 example. AAAA");
	drive(&c, query("a.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, false, true),
	      true, f, 1, &r);
	assert_int_equal(count(r.p.reply, LDNS_SECTION_ANSWER, LDNS_RR_TYPE_RRSIG), 1);
	assert_true(ldns_pkt_ad(r.p.reply));
	done(&r);
	f[0].pkt = NULL;
	drive(&c, query("a.example.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, false, true),
	      true, f, 1, &r);
	assert_int_equal(ldns_pkt_get_rcode(r.p.reply), LDNS_RCODE_SERVFAIL);
	done(&r);
}

/* ------------------------------------------------------------------ */
/* Malformed queries, RFC 1035 §4.1.1, RFC 6891 §6.1.3 */

static struct dns64_plan from_wire(const struct dns64_config *c,
				   const uint8_t *w, size_t n)
{
	struct dns64_plan p;

	assert_int_equal(dns64_plan_wire(c, w, n, true, &p), 0);
	return p;
}

/* covers: FORMERR for no / several questions and garbage, NOTIMP for
 * other opcodes, responses dropped, BADVERS, short input dropped */
static void test_dns64_bad_queries(void **state)
{
	static const uint8_t noq[] = { 0xab, 0xcd, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t junk[] = { 0xab, 0xcd, 0x01, 0x10, 0, 1, 0, 0, 0, 0, 0, 0, 0x3f };
	static const uint8_t resp_[] = { 0xab, 0xcd, 0x81, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t notify[] = { 0xab, 0xcd, 0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0,
					  1, 'a', 0, 0, 6, 0, 1 };
	static const uint8_t two[] = { 0xab, 0xcd, 0x01, 0, 0, 2, 0, 0, 0, 0, 0, 0,
				       1, 'a', 0, 0, 1, 0, 1, 1, 'b', 0, 0, 1, 0, 1 };
	static const uint8_t ednsv1[] = { 0xab, 0xcd, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 1,
					  1, 'a', 0, 0, 1, 0, 1,
					  0, 0, 41, 0x10, 0, 0, 1, 0, 0, 0, 0 };
	struct dns64_config c;
	struct dns64_plan p;

	(void)state;
	cfg_with(&c, NSP);
	p = from_wire(&c, noq, sizeof(noq));
	assert_int_equal(p.step, DNS64_STEP_DONE);
	assert_int_equal(ldns_pkt_get_rcode(p.reply), LDNS_RCODE_FORMERR);
	assert_int_equal(ldns_pkt_id(p.reply), 0xabcd);
	assert_true(p.flags & DNS64_F_FORMERR);
	dns64_plan_free(&p);
	p = from_wire(&c, junk, sizeof(junk));
	assert_int_equal(p.step, DNS64_STEP_DONE);
	assert_int_equal(ldns_pkt_get_rcode(p.reply), LDNS_RCODE_FORMERR);
	assert_int_equal(ldns_pkt_id(p.reply), 0xabcd);
	assert_true(ldns_pkt_cd(p.reply));
	dns64_plan_free(&p);
	p = from_wire(&c, resp_, sizeof(resp_));
	assert_int_equal(p.step, DNS64_STEP_DROP);
	dns64_plan_free(&p);
	p = from_wire(&c, noq, 11);
	assert_int_equal(p.step, DNS64_STEP_DROP);
	dns64_plan_free(&p);
	p = from_wire(&c, notify, sizeof(notify));
	assert_int_equal(ldns_pkt_get_rcode(p.reply), LDNS_RCODE_NOTIMPL);
	assert_true(p.flags & DNS64_F_NOTIMP);
	dns64_plan_free(&p);
	p = from_wire(&c, two, sizeof(two));
	assert_int_equal(ldns_pkt_get_rcode(p.reply), LDNS_RCODE_FORMERR);
	dns64_plan_free(&p);
	p = from_wire(&c, ednsv1, sizeof(ednsv1));
	assert_int_equal(p.step, DNS64_STEP_DONE);
	assert_int_equal(ldns_pkt_edns_extended_rcode(p.reply), 1); /* BADVERS */
	dns64_plan_free(&p);
}

/* covers: dns64_advance() refuses a finished plan */
static void test_dns64_advance_wrong_step(void **state)
{
	struct dns64_config c;
	struct dns64_plan p;
	struct dns64_answer a = { 0 };

	(void)state;
	cfg_with(&c, NSP);
	p = local(&c, "ipv4only.arpa.", LDNS_RR_TYPE_A, false, false);
	assert_int_equal(dns64_advance(&c, &p, &a), -EINVAL);
	assert_int_equal(dns64_after_a(&c, &p, &a), -EINVAL);
	dns64_plan_free(&p);
}

/* ------------------------------------------------------------------ */
/* Encoding */

/* covers: TTL offsets point at every TTL; truncation keeps the question
 * and the OPT (RFC 6891 §7), TC set */
static void test_dns64_encode_ttl_offsets_truncation(void **state)
{
	struct dns64_config c;
	struct dns64_wire w;
	struct run r;
	ldns_pkt *back = NULL;

	(void)state;
	cfg_with(&c, NSP);
	r = synth_a_only(&c, RESP(LDNS_RCODE_NOERROR, "|", SOA("example.", 900, 300)),
			 RESP(LDNS_RCODE_NOERROR, "a.example. 1000 IN A 203.0.113.7",
			      "a.example. 1000 IN A 203.0.113.8", "|",
			      "example. 50 IN NS ns.example."));
	assert_int_equal(dns64_reply_encode(r.p.reply, 65535, &w), 0);
	assert_false(w.truncated);
	assert_int_equal(w.nttl, 3);
	assert_int_equal(w.min_ttl, 50);
	for (unsigned i = 0; i < w.nttl; i++) {
		uint32_t t = (uint32_t)w.buf[w.ttl_off[i]] << 24 | w.buf[w.ttl_off[i] + 1] << 16 |
			     w.buf[w.ttl_off[i] + 2] << 8 | w.buf[w.ttl_off[i] + 3];
		assert_true(t == 300 || t == 50);
	}
	assert_int_equal(ldns_wire2pkt(&back, w.buf, w.len), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_ancount(back), 2);
	assert_int_equal(ldns_pkt_id(back), 0x1234);
	ldns_pkt_free(back);
	dns64_wire_free(&w);
	assert_int_equal(dns64_reply_encode(r.p.reply, 40, &w), 0);
	assert_true(w.truncated);
	assert_true(w.buf[2] & 0x02);
	assert_int_equal(w.buf[7], 0);
	assert_int_equal(ldns_wire2pkt(&back, w.buf, w.len), LDNS_STATUS_OK);
	assert_true(ldns_pkt_tc(back));
	assert_int_equal(ldns_pkt_qdcount(back), 1);
	ldns_pkt_free(back);
	dns64_wire_free(&w);
	assert_int_equal(dns64_reply_encode(r.p.reply, 12, &w), -EMSGSIZE);
	done(&r);
}

/* covers: EDNS: an EDNS query gets OPT with DO copied; udp max */
static void test_dns64_edns_reply(void **state)
{
	struct run r = dnssec_run(false, true, DNS64_SEC_SECURE, DNS64_SEC_SECURE);
	struct dns64_wire w;
	ldns_pkt *back = NULL;
	ldns_pkt *q = query("a.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, false, true);

	(void)state;
	assert_int_equal(dns64_query_udp_max(q), 4096);
	ldns_pkt_free(q);
	q = query("a.", LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN, false, false);
	assert_int_equal(dns64_query_udp_max(q), 512);
	ldns_pkt_free(q);
	assert_int_equal(dns64_reply_encode(r.p.reply, 4096, &w), 0);
	assert_int_equal(ldns_wire2pkt(&back, w.buf, w.len), LDNS_STATUS_OK);
	assert_true(ldns_pkt_edns(back));
	assert_true(ldns_pkt_edns_do(back));
	assert_int_equal(ldns_pkt_edns_udp_size(back), DNS64_EDNS_UDP_SIZE);
	assert_true(ldns_pkt_ad(back));
	ldns_pkt_free(back);
	dns64_wire_free(&w);
	done(&r);
}

/* covers: the OPT record written when the records end exactly at the end
 * of the encoder's buffer (found by fuzz_dns64_synth) */
static void test_dns64_encode_opt_at_buffer_end(void **state)
{
	(void)state;
	/* 50 + n bytes before the OPT: n from 400 to 480 crosses 512, the
	 * encoder's first buffer size */
	for (int n = 400; n <= 480; n++) {
		ldns_pkt *q = query("a.example.", LDNS_RR_TYPE_TXT, LDNS_RR_CLASS_IN, false, true);
		ldns_pkt *r = ldns_pkt_new();
		char txt[256], s[700];
		struct dns64_wire w;
		ldns_pkt *back = NULL;
		int n1 = n > 255 ? 255 : n;

		memset(txt, 'x', sizeof(txt));
		txt[255] = 0;
		snprintf(s, sizeof(s), "a.example. 60 IN TXT \"%.*s\" \"%.*s\"",
			 n1, txt, n - n1, txt);
		assert_true(ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr(s)));
		assert_int_equal(dns64_reply_finish(q, r), 0);
		assert_int_equal(dns64_reply_encode(r, 65535, &w), 0);
		assert_int_equal(w.len, 50 + (size_t)n + 11);
		assert_int_equal(ldns_wire2pkt(&back, w.buf, w.len), LDNS_STATUS_OK);
		assert_true(ldns_pkt_edns(back));
		ldns_pkt_free(back);
		dns64_wire_free(&w);
		ldns_pkt_free(r);
		ldns_pkt_free(q);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6147_5_1_6_a_only_synthesised),
		cmocka_unit_test(test_rfc6147_5_1_2_nxdomain_passed),
		cmocka_unit_test(test_rfc6147_5_1_2_servfail_synthesises),
		cmocka_unit_test(test_rfc6147_5_1_3_timeout_synthesises),
		cmocka_unit_test(test_rfc6147_5_1_1_aaaa_present),
		cmocka_unit_test(test_rfc6147_5_1_4_excluded_mixed),
		cmocka_unit_test(test_rfc6147_5_1_4_excluded_only),
		cmocka_unit_test(test_rfc6147_5_1_4_exclude_configurable),
		cmocka_unit_test(test_rfc6147_5_1_5_cname_chain),
		cmocka_unit_test(test_rfc6147_5_1_5_dname),
		cmocka_unit_test(test_rfc6147_5_1_5_cname_loop_bounded),
		cmocka_unit_test(test_rfc6147_5_1_7_ttl_min_soa),
		cmocka_unit_test(test_rfc6147_5_1_7_ttl_cap_no_soa),
		cmocka_unit_test(test_rfc6147_5_1_6_empty_a),
		cmocka_unit_test(test_rfc6147_5_1_6_a_error),
		cmocka_unit_test(test_rfc6147_5_per_range_prefixes),
		cmocka_unit_test(test_dns64_mapout_127_0),
		cmocka_unit_test(test_rfc6052_3_1_wkp_private_a),
		cmocka_unit_test(test_rfc6052_2_2_all_prefix_lengths),
		cmocka_unit_test(test_rfc6147_5_2_prefix_checks),
		cmocka_unit_test(test_rfc6147_5_1_class_ch_plain),
		cmocka_unit_test(test_dns64_not_allowed_plain),
		cmocka_unit_test(test_rfc6147_5_3_3_other_types),
		cmocka_unit_test(test_rfc6147_5_3_2_additional_unchanged),
		cmocka_unit_test(test_rfc6147_5_4_header_question),
		cmocka_unit_test(test_rfc6147_5_3_1_ptr_cname),
		cmocka_unit_test(test_rfc6147_5_3_1_ptr_target_checked),
		cmocka_unit_test(test_rfc6147_5_3_1_ptr_outside_plain),
		cmocka_unit_test(test_rfc8880_7_2_1_reverse_ipv4only),
		cmocka_unit_test(test_rfc8880_7_1_ipv4only_a),
		cmocka_unit_test(test_rfc8880_7_1_ipv4only_aaaa_every_prefix),
		cmocka_unit_test(test_rfc8880_7_1_ipv4only_other),
		cmocka_unit_test(test_rfc8880_7_1_ipv4only_off_plain),
		cmocka_unit_test(test_rfc6147_5_5_cd0_do0),
		cmocka_unit_test(test_rfc6147_5_5_cd0_do1),
		cmocka_unit_test(test_rfc6147_5_5_cd1_do1),
		cmocka_unit_test(test_rfc6147_5_5_cd1_do0),
		cmocka_unit_test(test_dns64_plain_dnssec_records),
		cmocka_unit_test(test_dns64_bad_queries),
		cmocka_unit_test(test_dns64_advance_wrong_step),
		cmocka_unit_test(test_dns64_encode_ttl_offsets_truncation),
		cmocka_unit_test(test_dns64_edns_reply),
		cmocka_unit_test(test_dns64_encode_opt_at_buffer_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
