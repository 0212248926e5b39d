/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for src/dns64/cache.c: hits, TTL decrement (RFC 1035 §7.4,
 * RFC 2308 §5), expiry, the LRU bound, case-insensitive keys (RFC 4343),
 * DO/CD/EDNS/ACL in the key, and the table against a naive model with
 * random operations (STYLE rule 12).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns64/dns64.h"

static const uint8_t seed[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static ldns_pkt *query(const char *name, bool cd, bool dnssec_ok, uint16_t id)
{
	ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str(name),
					 LDNS_RR_TYPE_AAAA, LDNS_RR_CLASS_IN, LDNS_RD);

	assert_non_null(q);
	ldns_pkt_set_id(q, id);
	ldns_pkt_set_cd(q, cd);
	if (dnssec_ok) {
		ldns_pkt_set_edns_udp_size(q, 1232);
		ldns_pkt_set_edns_do(q, true);
	}
	return q;
}

/* q's wire form */
static size_t wire(const ldns_pkt *q, uint8_t *buf)
{
	uint8_t *w = NULL;
	size_t n;

	assert_int_equal(ldns_pkt2wire(&w, q, &n), LDNS_STATUS_OK);
	memcpy(buf, w, n);
	free(w);
	return n;
}

/* A finished reply for q: one AAAA with ttl, a SOA with soa_ttl (0: none). */
static void reply_for(const ldns_pkt *q, uint32_t ttl, uint32_t soa_ttl,
		      struct dns64_wire *w)
{
	ldns_pkt *r = ldns_pkt_new();
	ldns_rr *rr = NULL;
	char s[200];
	char *qn = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(q), 0)));

	snprintf(s, sizeof(s), "%s %u IN AAAA 64:ff9b::1", qn, ttl);
	assert_int_equal(ldns_rr_new_frm_str(&rr, s, 0, NULL, NULL), LDNS_STATUS_OK);
	ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
	if (soa_ttl) {
		snprintf(s, sizeof(s), "example. %u IN SOA a. b. 1 2 3 4 %u", soa_ttl, soa_ttl);
		assert_int_equal(ldns_rr_new_frm_str(&rr, s, 0, NULL, NULL), LDNS_STATUS_OK);
		ldns_pkt_push_rr(r, LDNS_SECTION_AUTHORITY, rr);
	}
	free(qn);
	assert_int_equal(dns64_reply_finish(q, r), 0);
	assert_int_equal(dns64_reply_encode(r, 65535, w), 0);
	ldns_pkt_free(r);
}

static void key_for(const struct dns64_cache *c, const ldns_pkt *q, bool allowed,
		    struct dns64_cache_key *k)
{
	uint8_t buf[512];
	size_t n = wire(q, buf);
	struct dns64_cache_key k2;

	assert_int_equal(dns64_cache_key_wire(c, buf, n, allowed, k), 0);
	/* the slow path builds the same key */
	assert_int_equal(dns64_cache_key_pkt(c, q, allowed, &k2), 0);
	assert_int_equal(k->hash, k2.hash);
	assert_int_equal(k->max_reply, k2.max_reply);
	assert_int_equal(k->bits, k2.bits);
	assert_int_equal(k->id, k2.id);
}

static uint32_t answer_ttl(const uint8_t *buf, size_t n)
{
	ldns_pkt *p = NULL;
	uint32_t t;

	assert_int_equal(ldns_wire2pkt(&p, buf, n), LDNS_STATUS_OK);
	t = ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(p), 0));
	ldns_pkt_free(p);
	return t;
}

/* covers: hit with the query's ID and qname case, TTL decreased by the
 * time in the cache, expiry at the smallest TTL */
static void test_dns64_cache_hit_ttl_expiry(void **state)
{
	struct dns64_cache *c = dns64_cache_new(16, seed);
	ldns_pkt *q = query("www.Example.", false, false, 1);
	ldns_pkt *q2 = query("WWW.EXAMPLE.", false, false, 0x7777);
	struct dns64_cache_key k, k2;
	struct dns64_wire w;
	uint8_t out[1024];
	size_t n;
	ldns_pkt *back = NULL;
	char *qn;

	(void)state;
	key_for(c, q, true, &k);
	reply_for(q, 300, 100, &w);
	assert_int_equal(dns64_cache_lookup(c, &k, 1000, out, sizeof(out), &n), -ENOENT);
	assert_int_equal(dns64_cache_store(c, &k, &w, 1000), 0);
	assert_int_equal(dns64_cache_count(c), 1);
	key_for(c, q2, true, &k2);
	assert_int_equal(dns64_cache_lookup(c, &k2, 1040, out, sizeof(out), &n), 0);
	assert_int_equal(n, w.len);
	assert_int_equal(answer_ttl(out, n), 260);
	assert_int_equal(ldns_wire2pkt(&back, out, n), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_id(back), 0x7777);
	qn = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(back), 0)));
	assert_string_equal(qn, "WWW.EXAMPLE.");
	free(qn);
	assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_authority(back), 0)), 60);
	ldns_pkt_free(back);
	/* the SOA's 100 s bound the entry */
	assert_int_equal(dns64_cache_lookup(c, &k2, 1099, out, sizeof(out), &n), 0);
	assert_int_equal(dns64_cache_lookup(c, &k2, 1100, out, sizeof(out), &n), -ENOENT);
	assert_int_equal(dns64_cache_count(c), 0);
	/* too small a buffer, too small a UDP size */
	assert_int_equal(dns64_cache_store(c, &k, &w, 2000), 0);
	assert_int_equal(dns64_cache_lookup(c, &k, 2000, out, 10, &n), -ENOBUFS);
	k2.max_reply = 20;
	assert_int_equal(dns64_cache_lookup(c, &k2, 2000, out, sizeof(out), &n), -EMSGSIZE);
	dns64_cache_flush(c);
	assert_int_equal(dns64_cache_count(c), 0);
	assert_int_equal(dns64_cache_lookup(c, &k, 2000, out, sizeof(out), &n), -ENOENT);
	assert_int_equal(dns64_cache_store(c, &k, &w, 2000), 0);
	assert_int_equal(dns64_cache_lookup(c, &k, 2000, out, sizeof(out), &n), 0);
	dns64_wire_free(&w);
	ldns_pkt_free(q);
	ldns_pkt_free(q2);
	dns64_cache_free(c);
}

/* covers: DO, CD and the ACL verdict are part of the key */
static void test_dns64_cache_key_bits(void **state)
{
	struct dns64_cache *c = dns64_cache_new(16, seed);
	ldns_pkt *q = query("a.example.", false, false, 1);
	ldns_pkt *qcd = query("a.example.", true, false, 1);
	ldns_pkt *qdo = query("a.example.", false, true, 1);
	struct dns64_cache_key k, kcd, kdo, kacl;
	struct dns64_wire w;
	uint8_t out[1024];
	size_t n;

	(void)state;
	key_for(c, q, true, &k);
	key_for(c, qcd, true, &kcd);
	key_for(c, qdo, true, &kdo);
	key_for(c, q, false, &kacl);
	reply_for(q, 300, 0, &w);
	assert_int_equal(dns64_cache_store(c, &k, &w, 0), 0);
	assert_int_equal(dns64_cache_lookup(c, &k, 1, out, sizeof(out), &n), 0);
	assert_int_equal(dns64_cache_lookup(c, &kcd, 1, out, sizeof(out), &n), -ENOENT);
	assert_int_equal(dns64_cache_lookup(c, &kdo, 1, out, sizeof(out), &n), -ENOENT);
	assert_int_equal(dns64_cache_lookup(c, &kacl, 1, out, sizeof(out), &n), -ENOENT);
	dns64_wire_free(&w);
	/* a reply for another question is refused */
	{
		ldns_pkt *qb = query("b.example.", false, false, 1);

		reply_for(qb, 300, 0, &w);
		assert_int_equal(dns64_cache_store(c, &k, &w, 0), -EINVAL);
		dns64_wire_free(&w);
		ldns_pkt_free(qb);
	}
	reply_for(qcd, 0, 0, &w);
	assert_int_equal(dns64_cache_store(c, &kcd, &w, 0), 0); /* TTL 0: not stored */
	assert_int_equal(dns64_cache_lookup(c, &kcd, 0, out, sizeof(out), &n), -ENOENT);
	dns64_wire_free(&w);
	ldns_pkt_free(q);
	ldns_pkt_free(qcd);
	ldns_pkt_free(qdo);
	dns64_cache_free(c);
}

/* covers: the key parser refuses what it must not cache */
static void test_dns64_cache_key_refusals(void **state)
{
	static const uint8_t ok[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
				      1, 'a', 0, 0, 28, 0, 1 };
	struct dns64_cache *c = dns64_cache_new(4, seed);
	struct dns64_cache_key k;
	uint8_t b[64];

	(void)state;
	assert_int_equal(dns64_cache_key_wire(c, ok, sizeof(ok), true, &k), 0);
	assert_int_equal(k.max_reply, 512);
	assert_true(k.rd);
	for (size_t n = 0; n < sizeof(ok); n++)
		assert_int_equal(dns64_cache_key_wire(c, ok, n, true, &k), -EINVAL);
	memcpy(b, ok, sizeof(ok));
	b[sizeof(ok)] = 0; /* trailing byte */
	assert_int_equal(dns64_cache_key_wire(c, b, sizeof(ok) + 1, true, &k), -EINVAL);
	memcpy(b, ok, sizeof(ok));
	b[2] |= 0x80; /* QR */
	assert_int_equal(dns64_cache_key_wire(c, b, sizeof(ok), true, &k), -EINVAL);
	memcpy(b, ok, sizeof(ok));
	b[12] = 0xc0; /* compression pointer */
	assert_int_equal(dns64_cache_key_wire(c, b, sizeof(ok), true, &k), -EINVAL);
	memcpy(b, ok, sizeof(ok));
	b[5] = 2; /* two questions */
	assert_int_equal(dns64_cache_key_wire(c, b, sizeof(ok), true, &k), -EINVAL);
	dns64_cache_free(c);
}

/* ------------------------------------------------------------------ */
/* Naive model: a list with timestamps and LRU order by a counter. */

#define NNAMES 24
#define CAP 8

struct model_ent {
	bool used;
	int name, bits;
	uint64_t stored, expires;
	uint64_t last_use;
	uint32_t ttl;
};

/* covers: lookup/store/expiry/eviction against a linear model (STYLE 12) */
static void test_dns64_cache_vs_model(void **state)
{
	struct dns64_cache *c = dns64_cache_new(CAP, seed);
	struct model_ent m[CAP];
	uint64_t now = 100, tick = 0;
	char name[32];
	uint8_t out[1024];
	size_t n;

	(void)state;
	memset(m, 0, sizeof(m));
	srand(12345);
	for (int step = 0; step < 20000; step++) {
		int nm = rand() % NNAMES, bits = rand() % 2;
		ldns_pkt *q;
		struct dns64_cache_key k;
		int found = -1, r;

		snprintf(name, sizeof(name), "%s%d.example.", rand() % 2 ? "N" : "n", nm);
		q = query(name, false, bits, (uint16_t)step);
		key_for(c, q, true, &k);
		now += (uint64_t)(rand() % 4);
		tick++;
		for (int i = 0; i < CAP; i++)
			if (m[i].used && m[i].name == nm && m[i].bits == bits)
				found = i;
		if (rand() % 2) {
			r = dns64_cache_lookup(c, &k, now, out, sizeof(out), &n);
			if (found >= 0 && now >= m[found].expires) {
				m[found].used = false;
				found = -1;
			}
			if (found < 0) {
				assert_int_equal(r, -ENOENT);
			} else {
				assert_int_equal(r, 0);
				assert_int_equal(answer_ttl(out, n),
						 m[found].ttl - (now - m[found].stored));
				m[found].last_use = tick;
			}
		} else {
			struct dns64_wire w;
			uint32_t ttl = 1 + (uint32_t)(rand() % 60);
			int slot = found;

			reply_for(q, ttl, 0, &w);
			assert_int_equal(dns64_cache_store(c, &k, &w, now), 0);
			dns64_wire_free(&w);
			if (slot < 0)
				for (int i = 0; i < CAP; i++)
					if (!m[i].used) {
						slot = i;
						break;
					}
			if (slot < 0) { /* evict least recently used */
				slot = 0;
				for (int i = 1; i < CAP; i++)
					if (m[i].last_use < m[slot].last_use)
						slot = i;
			}
			m[slot] = (struct model_ent){ true, nm, bits, now, now + ttl, tick, ttl };
		}
		ldns_pkt_free(q);
		assert_true(dns64_cache_count(c) <= CAP);
	}
	dns64_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dns64_cache_hit_ttl_expiry),
		cmocka_unit_test(test_dns64_cache_key_bits),
		cmocka_unit_test(test_dns64_cache_key_refusals),
		cmocka_unit_test(test_dns64_cache_vs_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
