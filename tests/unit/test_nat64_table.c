/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for src/core/nat64_table.c: RFC 6146 §3.1 (BIB uniqueness,
 * static entries), §3.2 (sessions in both directions), §3.3 (a dynamic BIB
 * entry goes with its last session), §3.5.1 (the address-dependent
 * filtering lookup), §5.3 and RFC 6888 REQ-4/REQ-5 (bounded growth,
 * per-subscriber and global limits); incremental expiry; the table against
 * the naive model of tests/fuzz/nat64_table_model.h under random operations
 * (STYLE rule 12); and a multi-threaded smoke test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/nat64_table_model.h"
#include "core/nat64_table.h"

static struct in6_addr host6(unsigned subnet, unsigned host)
{
	struct in6_addr a = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8 } };

	a.s6_addr[6] = (uint8_t)(subnet >> 8);
	a.s6_addr[7] = (uint8_t)subnet;
	a.s6_addr[14] = (uint8_t)(host >> 8);
	a.s6_addr[15] = (uint8_t)host;
	return a;
}

/* A session of client (subnet, host) port x to 198.51.100.z:80 through
 * 192.0.2.1:t. */
static struct nat64_tuple tup(uint8_t proto, unsigned subnet, unsigned host,
			      uint16_t x, uint32_t z, uint16_t t)
{
	struct nat64_tuple k = { .proto = proto, .x_port = x, .t4 = 0xc0000201,
				 .t_port = t, .z4 = 0xc6336400 + z };

	k.x6 = host6(subnet, host);
	k.z_port = k.y_port = proto == NAT64_P_ICMP ? 0 : 80;
	k.y6 = (struct in6_addr){ .s6_addr = { 0, 0x64, 0xff, 0x9b } };
	memcpy(&k.y6.s6_addr[12], &(uint32_t){ htonl(k.z4) }, 4);
	return k;
}

static struct nat64_table *table(uint32_t nshards, uint32_t max_bib,
				 uint32_t max_sess, uint32_t cbib,
				 uint32_t csess)
{
	struct nat64_table_config c;
	struct nat64_table *t = NULL;

	nat64_table_config_default(&c);
	c.nshards = nshards;
	c.max_bib = max_bib;
	c.max_sessions = max_sess;
	c.client_max_bib = cbib;
	c.client_max_sessions = csess;
	memcpy(c.key, "0123456789abcdef", 16);
	assert_int_equal(nat64_table_new(&t, &c), 0);
	return t;
}

static int add(struct nat64_table *t, const struct nat64_tuple *k,
	       uint64_t expires, struct nat64_session *out)
{
	struct nat64_shard *s = nat64_lock6(t, &k->x6);
	int rc = nat64_session_add(s, k, 1, 0, expires, out);

	nat64_unlock(s);
	return rc;
}

static int find6(struct nat64_table *t, const struct nat64_tuple *k)
{
	struct nat64_shard *s = nat64_lock6(t, &k->x6);
	struct nat64_session g;
	int rc = nat64_session_find6(s, k, &g);

	nat64_unlock(s);
	return rc;
}

static int find4(struct nat64_table *t, const struct nat64_tuple *k)
{
	struct nat64_shard *s;
	struct nat64_session g;
	struct nat64_bib b;
	int rc = nat64_lock4(t, k->proto, k->t4, k->t_port, &s, &b);

	if (rc)
		return rc;
	rc = nat64_session_find4(s, k, &g);
	if (rc == 0 && (memcmp(&g.tup.x6, &k->x6, 16) != 0 ||
			g.tup.x_port != k->x_port))
		rc = -EPROTO;
	nat64_unlock(s);
	return rc;
}

static int del6(struct nat64_table *t, const struct nat64_tuple *k,
		bool *gone)
{
	struct nat64_shard *s = nat64_lock6(t, &k->x6);
	struct nat64_session g;
	int rc = nat64_session_find6(s, k, &g);

	if (rc == 0)
		rc = nat64_session_del(s, g.id, gone);
	nat64_unlock(s);
	return rc;
}

static void test_nat64_table_config_refused(void **state)
{
	struct nat64_table_config c;
	struct nat64_table *t = NULL;

	nat64_table_config_default(&c);
	c.nshards = 3;
	assert_int_equal(nat64_table_new(&t, &c), -EINVAL);
	c.nshards = 0;
	assert_int_equal(nat64_table_new(&t, &c), -EINVAL);
	nat64_table_config_default(&c);
	c.max_sessions = 0;
	assert_int_equal(nat64_table_new(&t, &c), -EINVAL);
	nat64_table_config_default(&c);
	c.max_bib = NAT64_TABLE_MAX + 1;
	assert_int_equal(nat64_table_new(&t, &c), -EINVAL);
	nat64_table_config_default(&c);
	c.client_len = 129;
	assert_int_equal(nat64_table_new(&t, &c), -EINVAL);
	nat64_table_free(NULL);
}

/* §3.2: each protocol's session is found from both sides, and its BIB
 * entry by (X',x) and by (T,t); deleting removes both views. */
static void test_rfc6146_3_2_insert_lookup_delete_both_directions(void **state)
{
	struct nat64_table *t = table(4, 64, 64, 0, 0);

	for (uint8_t p = 0; p < NAT64_NPROTO; p++) {
		struct nat64_tuple k = tup(p, 1, 1, 1000, 1, 2000);
		struct nat64_session g;
		struct nat64_bib b;
		struct nat64_shard *s;
		bool gone = false;

		assert_int_equal(add(t, &k, 10, &g), 0);
		assert_int_equal(g.tup.t_port, 2000);
		assert_int_equal(find6(t, &k), 0);
		assert_int_equal(find4(t, &k), 0);
		s = nat64_lock6(t, &k.x6);
		assert_int_equal(nat64_bib_find6(s, p, &k.x6, 1000, &b), 0);
		assert_int_equal(b.t4, 0xc0000201);
		assert_int_equal(b.sessions, 1);
		assert_false(b.is_static);
		assert_int_equal(nat64_bib_find4(s, p, 0xc0000201, 2000, &b), 0);
		nat64_unlock(s);
		assert_int_equal(del6(t, &k, &gone), 0);
		assert_true(gone);
		assert_int_equal(find6(t, &k), -ENOENT);
		assert_int_equal(find4(t, &k), -ENOENT);
	}
	assert_int_equal(nat64_table_sessions(t), 0);
	assert_int_equal(nat64_table_bibs(t), 0);
	nat64_table_free(t);
}

/* §3.1: one BIB per protocol; in each, (X',x) and (T,t) appear once. */
static void test_rfc6146_3_1_tuple_unique_per_protocol(void **state)
{
	struct nat64_table *t = table(4, 64, 64, 0, 0);
	struct nat64_tuple a = tup(NAT64_P_UDP, 1, 1, 1000, 1, 2000);
	struct nat64_tuple b = tup(NAT64_P_UDP, 2, 7, 1000, 1, 2000);
	struct nat64_tuple c = tup(NAT64_P_TCP, 2, 7, 1000, 1, 2000);
	struct nat64_tuple d = tup(NAT64_P_UDP, 1, 1, 1000, 2, 2001);
	struct nat64_shard *s;
	uint32_t id;

	assert_int_equal(add(t, &a, 10, NULL), 0);
	/* another client may not take (T,t) in the UDP BIB ... */
	assert_int_equal(add(t, &b, 10, NULL), -EEXIST);
	/* ... but may in the TCP BIB: separate port spaces */
	assert_int_equal(add(t, &c, 10, NULL), 0);
	/* (X',x) keeps its one mapping: a second (T,t) is refused */
	assert_int_equal(add(t, &d, 10, NULL), -EINVAL);
	d.t_port = 2000;
	assert_int_equal(add(t, &d, 10, NULL), 0);
	assert_int_equal(add(t, &d, 10, NULL), -EEXIST);
	s = nat64_lock6(t, &a.x6);
	assert_int_equal(nat64_bib_add_static(s, NAT64_P_UDP, &a.x6, 1000,
					      0xc0000201, 3000, &id), -EEXIST);
	nat64_unlock(s);
	s = nat64_lock6(t, &b.x6);
	assert_int_equal(nat64_bib_add_static(s, NAT64_P_UDP, &b.x6, 1000,
					      0xc0000201, 2000, &id), -EEXIST);
	nat64_unlock(s);
	assert_int_equal(nat64_table_bibs(t), 2);
	nat64_table_free(t);
}

/* §3.1 ICMP: (X', i1) ↔ (T, i2); sessions keyed by (X', Y', i1). */
static void test_rfc6146_3_1_icmp_identifier_pairs(void **state)
{
	struct nat64_table *t = table(2, 64, 64, 0, 0);
	struct nat64_tuple a = tup(NAT64_P_ICMP, 1, 1, 77, 1, 5000);
	struct nat64_tuple b = tup(NAT64_P_ICMP, 1, 1, 77, 2, 5000);

	assert_int_equal(add(t, &a, 10, NULL), 0);
	assert_int_equal(add(t, &b, 10, NULL), 0);
	assert_int_equal(find4(t, &b), 0);
	assert_int_equal(find6(t, &a), 0);
	assert_int_equal(nat64_table_bibs(t), 1);
	nat64_table_free(t);
}

static bool keep_none(void *arg, const struct nat64_expired *e,
		      uint8_t *state, uint8_t *cls, uint64_t *expires)
{
	(*(unsigned *)arg)++;
	return false;
}

/* §3.1: a static entry outlives its sessions and every expiry pass;
 * only nat64_bib_del removes it. */
static void test_rfc6146_3_1_static_never_expires(void **state)
{
	struct nat64_table *t = table(1, 8, 8, 1, 0);
	struct nat64_tuple k = tup(NAT64_P_TCP, 1, 1, 22, 1, 2222);
	struct nat64_shard *s = nat64_lock6(t, &k.x6);
	struct nat64_bib b;
	unsigned seen = 0;
	uint32_t id;

	assert_int_equal(nat64_bib_add_static(s, NAT64_P_TCP, &k.x6, 22,
					      0xc0000201, 2222, &id), 0);
	nat64_unlock(s);
	/* the per-client BIB limit of 1 does not count the static entry */
	assert_int_equal(add(t, &k, 5, NULL), 0);
	struct nat64_tuple other = tup(NAT64_P_TCP, 1, 1, 23, 1, 2223);
	assert_int_equal(add(t, &other, 5, NULL), 0);
	assert_int_equal(nat64_expire_step(t, 1000, 100, keep_none, &seen), 2);
	assert_int_equal(seen, 2);
	assert_int_equal(find4(t, &k), -ENOENT);
	s = nat64_lock6(t, &k.x6);
	assert_int_equal(nat64_bib_find6(s, NAT64_P_TCP, &k.x6, 22, &b), 0);
	assert_true(b.is_static);
	assert_int_equal(b.sessions, 0);
	assert_int_equal(nat64_bib_find6(s, NAT64_P_TCP, &k.x6, 23, &b),
			 -ENOENT);
	nat64_unlock(s);
	assert_int_equal(nat64_expire_step(t, 1u << 30, 100, NULL, NULL), 0);
	s = nat64_lock6(t, &k.x6);
	assert_int_equal(nat64_bib_find6(s, NAT64_P_TCP, &k.x6, 22, &b), 0);
	assert_int_equal(nat64_bib_del(s, b.id), 0);
	assert_int_equal(nat64_bib_find6(s, NAT64_P_TCP, &k.x6, 22, &b),
			 -ENOENT);
	nat64_unlock(s);
	assert_int_equal(nat64_table_bibs(t), 0);
	nat64_table_free(t);
}

/* §3.3: a dynamic entry lives while it has sessions. */
static void test_rfc6146_3_3_dynamic_bib_goes_with_last_session(void **state)
{
	struct nat64_table *t = table(2, 8, 8, 0, 0);
	struct nat64_tuple a = tup(NAT64_P_UDP, 1, 1, 53, 1, 4000);
	struct nat64_tuple b = tup(NAT64_P_UDP, 1, 1, 53, 2, 4000);
	bool gone = true;

	assert_int_equal(add(t, &a, 10, NULL), 0);
	assert_int_equal(add(t, &b, 10, NULL), 0);
	assert_int_equal(del6(t, &a, &gone), 0);
	assert_false(gone);
	assert_int_equal(find4(t, &b), 0);
	assert_int_equal(del6(t, &b, &gone), 0);
	assert_true(gone);
	assert_int_equal(nat64_table_bibs(t), 0);
	/* (T,t) is free again for anyone */
	struct nat64_tuple c = tup(NAT64_P_UDP, 2, 9, 53, 1, 4000);
	assert_int_equal(add(t, &c, 10, NULL), 0);
	nat64_table_free(t);
}

/* §3.5.1 address-dependent filtering: any session of the entry towards W. */
static void test_rfc6146_3_5_1_session_towards_remote(void **state)
{
	struct nat64_table *t = table(1, 8, 8, 0, 0);
	struct nat64_tuple a = tup(NAT64_P_UDP, 1, 1, 53, 1, 4000);
	struct nat64_session g;
	struct nat64_shard *s;

	assert_int_equal(add(t, &a, 10, &g), 0);
	s = nat64_lock6(t, &a.x6);
	assert_int_equal(nat64_session_find_remote(s, g.bib_id, a.z4, &g), 0);
	assert_int_equal(g.tup.z4, a.z4);
	assert_int_equal(nat64_session_find_remote(s, g.bib_id, a.z4 + 1, &g),
			 -ENOENT);
	nat64_unlock(s);
	nat64_table_free(t);
}

/* §5.3, RFC 6888 REQ-5/REQ-11: the global limit refuses, never evicts. */
static void test_rfc6146_5_3_global_limit_enospc(void **state)
{
	struct nat64_table *t = table(1, 4, 6, 0, 0);
	struct nat64_tuple k;

	for (unsigned i = 0; i < 6; i++) {
		k = tup(NAT64_P_UDP, 1, 1, (uint16_t)(100 + i % 3), i, (uint16_t)(100 + i % 3));
		assert_int_equal(add(t, &k, 10, NULL), 0);
	}
	k = tup(NAT64_P_UDP, 1, 1, 100, 99, 100);
	assert_int_equal(add(t, &k, 10, NULL), -ENOSPC);
	assert_int_equal(nat64_table_sessions(t), 6);
	nat64_table_free(t);

	t = table(1, 2, 16, 0, 0);
	for (unsigned i = 0; i < 2; i++) {
		k = tup(NAT64_P_TCP, 1, i, 100, 1, (uint16_t)(100 + i));
		assert_int_equal(add(t, &k, 10, NULL), 0);
	}
	k = tup(NAT64_P_TCP, 1, 5, 100, 1, 200);
	assert_int_equal(add(t, &k, 10, NULL), -ENOSPC);
	struct nat64_shard *s = nat64_lock6(t, &k.x6);
	uint32_t id;
	assert_int_equal(nat64_bib_add_static(s, NAT64_P_TCP, &k.x6, 1,
					      0xc0000201, 201, &id), -ENOSPC);
	nat64_unlock(s);
	nat64_table_free(t);
}

/* RFC 6888 REQ-4/REQ-5: per-subscriber (/64) limits on dynamic BIB entries
 * and sessions; another subscriber is not affected. */
static void test_rfc6888_req5_client_limits_edquot(void **state)
{
	struct nat64_table *t = table(4, 64, 64, 2, 3);
	struct nat64_tuple k;
	uint32_t nb, ns;

	k = tup(NAT64_P_UDP, 1, 1, 10, 1, 10);
	assert_int_equal(add(t, &k, 10, NULL), 0);
	k = tup(NAT64_P_TCP, 1, 2, 10, 1, 10); /* same /64, other host */
	assert_int_equal(add(t, &k, 10, NULL), 0);
	k = tup(NAT64_P_TCP, 1, 2, 11, 1, 11);
	assert_int_equal(add(t, &k, 10, NULL), -EDQUOT); /* third BIB entry */
	k = tup(NAT64_P_TCP, 1, 2, 10, 2, 10);
	assert_int_equal(add(t, &k, 10, NULL), 0); /* existing entry */
	k = tup(NAT64_P_TCP, 1, 2, 10, 3, 10);
	assert_int_equal(add(t, &k, 10, NULL), -EDQUOT); /* fourth session */
	k = tup(NAT64_P_TCP, 2, 1, 11, 1, 11);
	assert_int_equal(add(t, &k, 10, NULL), 0);
	struct nat64_shard *s = nat64_lock6(t, &k.x6);
	nat64_client_counts(s, &k.x6, &nb, &ns);
	nat64_unlock(s);
	assert_int_equal(nb, 1);
	assert_int_equal(ns, 1);
	k = tup(NAT64_P_TCP, 1, 9, 10, 3, 10);
	s = nat64_lock6(t, &k.x6);
	nat64_client_counts(s, &k.x6, &nb, &ns);
	nat64_unlock(s);
	assert_int_equal(nb, 2);
	assert_int_equal(ns, 3);
	nat64_table_free(t);
}

struct exp_log {
	unsigned n;
	uint64_t now;
	bool bad;
};

static bool log_expired(void *arg, const struct nat64_expired *e,
			uint8_t *state, uint8_t *cls, uint64_t *expires)
{
	struct exp_log *l = arg;

	l->n++;
	l->bad |= e->s.expires > l->now;
	return false;
}

/* Small budgets: repeated steps remove exactly the expired sessions, never
 * one that is still live, across classes and shards. */
static void test_nat64_expire_incremental_small_budget(void **state)
{
	struct nat64_table *t = table(4, 512, 512, 0, 0);
	struct exp_log l = { .now = 50 };
	unsigned expired = 0;

	for (unsigned i = 0; i < 300; i++) {
		struct nat64_tuple k = tup(NAT64_P_UDP, i % 37, i, 1000,
					   1, (uint16_t)(1000 + i));
		struct nat64_shard *s = nat64_lock6(t, &k.x6);
		uint64_t exp = (i * 7919) % 100;
		assert_int_equal(nat64_session_add(s, &k, 0, i % 3, exp, NULL),
				 0);
		nat64_unlock(s);
		expired += exp <= l.now;
	}
	for (unsigned step = 0; step < 1000 && l.n < expired; step++) {
		unsigned r = nat64_expire_step(t, l.now, 3, log_expired, &l);
		assert_true(r <= 3);
	}
	assert_false(l.bad);
	assert_int_equal(l.n, expired);
	assert_int_equal(nat64_table_sessions(t), 300 - expired);
	assert_int_equal(nat64_expire_step(t, l.now, 10000, log_expired, &l),
			 0);
	nat64_table_free(t);
}

static bool probe_then_trans(void *arg, const struct nat64_expired *e,
			     uint8_t *state, uint8_t *cls, uint64_t *expires)
{
	if (e->s.state != 3) /* "ESTABLISHED" gets one more round */
		return false;
	*state = 7;
	*cls = 1;
	*expires = e->s.expires + 240;
	return true;
}

/* The callback decides: keeping re-arms the session in another class. */
static void test_nat64_expire_callback_keeps(void **state)
{
	struct nat64_table *t = table(1, 8, 8, 0, 0);
	struct nat64_tuple k = tup(NAT64_P_TCP, 1, 1, 1000, 1, 1000);
	struct nat64_shard *s = nat64_lock6(t, &k.x6);
	struct nat64_session g;

	assert_int_equal(nat64_session_add(s, &k, 3, 0, 100, &g), 0);
	nat64_unlock(s);
	assert_int_equal(nat64_expire_step(t, 100, 8, probe_then_trans, NULL),
			 0);
	s = nat64_lock6(t, &k.x6);
	assert_int_equal(nat64_session_find6(s, &k, &g), 0);
	assert_int_equal(g.state, 7);
	assert_int_equal(g.cls, 1);
	assert_int_equal(g.expires, 340);
	nat64_unlock(s);
	assert_int_equal(nat64_expire_step(t, 339, 8, probe_then_trans, NULL),
			 0);
	assert_int_equal(nat64_expire_step(t, 340, 8, probe_then_trans, NULL),
			 1);
	assert_int_equal(nat64_table_bibs(t), 0);
	nat64_table_free(t);
}

/* STYLE rule 12: thousands of random operations and time steps, every
 * answer compared with the naive model, for 1 and 4 shards. */
static void run_model(uint32_t nshards, unsigned seed)
{
	struct model m;
	uint8_t rec[6];

	memset(&m, 0, sizeof(m));
	assert_int_equal(m_table(&m.tbl, nshards), 0);
	srandom(seed);
	for (unsigned i = 0; i < 20000 && !m.bad; i++) {
		for (unsigned j = 0; j < sizeof(rec); j++)
			rec[j] = (uint8_t)random();
		m_step(&m, rec);
		if (i % 64 == 0)
			m_check_all(&m);
	}
	m_check_all(&m);
	if (m.bad)
		fail_msg("table and model disagree at nat64_table_model.h:%d",
			 m.bad);
	for (unsigned i = 0; i < M_NSEEN; i++) {
		print_message("outcome %u: %u\n", i, m.seen[i]);
		assert_true(m.seen[i] > 0);
	}
	nat64_table_free(m.tbl);
}

static void test_nat64_table_random_vs_naive(void **state)
{
	run_model(1, 1);
	run_model(4, 2);
	run_model(4, 3);
}

/* ---- threads ------------------------------------------------------- */

struct worker {
	struct nat64_table *t;
	unsigned id;
	unsigned errors;
};

/* (T,t) follows from (X',x), so every thread agrees on the mapping and a
 * race only ever yields -EEXIST. */
static struct nat64_tuple thread_key(unsigned client, unsigned port,
				     unsigned remote)
{
	struct nat64_tuple k = tup(NAT64_P_UDP, client % 8, client,
				   (uint16_t)(1000 + port), remote,
				   (uint16_t)(1000 + client * 16 + port));
	return k;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned seed = w->id * 7 + 1;

	for (unsigned i = 0; i < 20000; i++) {
		unsigned r = (unsigned)rand_r(&seed);
		/* clients 0-3 are shared by all threads, 4+ are each one's */
		unsigned client = r % 2 ? r / 2 % 4 : 4 + w->id * 4 + r / 2 % 4;
		struct nat64_tuple k = thread_key(client, r / 8 % 4, r / 32 % 3);
		struct nat64_shard *s;
		struct nat64_session g;
		struct nat64_bib b;
		int rc;

		switch (r / 128 % 4) {
		case 0:
		case 1:
			s = nat64_lock6(w->t, &k.x6);
			rc = nat64_session_add(s, &k, 0, 0, i % 50, NULL);
			nat64_unlock(s);
			w->errors += rc != 0 && rc != -EEXIST && rc != -ENOSPC;
			break;
		case 2:
			rc = nat64_lock4(w->t, k.proto, k.t4, k.t_port, &s, &b);
			if (rc == 0) {
				w->errors += b.x_port != k.x_port;
				if (nat64_session_find4(s, &k, &g) == 0)
					nat64_session_del(s, g.id, NULL);
				nat64_unlock(s);
			}
			break;
		default:
			nat64_expire_step(w->t, i % 50, 4, NULL, NULL);
			break;
		}
	}
	return NULL;
}

/*
 * The open-addressing indexes near capacity: many entries in few slots,
 * so probe runs are long, cross the IPv4 index's lock stripes and are cut
 * by deletions that shift later slots back.  After every round every live
 * session must be found from both sides and every removed one from
 * neither.  Half of the insertions go through the hashed-once calls
 * (nat64_key6, nat64_session_add_key), and the hashed-once lookups
 * (nat64_session_find6_key, nat64_bib_find6_key) must agree with the
 * others.
 */
#define CHURN_N 600

static struct nat64_tuple churn_tup(unsigned i)
{
	return tup(i % 3, i % 37, i % 11, (uint16_t)(2000 + i), i % 5,
		   (uint16_t)(1000 + i));
}

static int churn_add(struct nat64_table *t, unsigned i)
{
	struct nat64_tuple k = churn_tup(i);
	struct nat64_key6 h;
	struct nat64_shard *s;
	int rc;

	if (i % 2)
		return add(t, &k, 10, NULL);
	nat64_key6(t, &k, &h);
	s = nat64_lock6_key(t, &h);
	rc = nat64_session_add_key(s, &k, &h, 1, 0, 10, NULL);
	nat64_unlock(s);
	return rc;
}

/* The hashed-once lookups answer as the others do, with the BIB hash
 * from nat64_key6_bib() and without it (computed by the call). */
static void churn_check_key(struct nat64_table *t,
			    const struct nat64_tuple *k, int want)
{
	struct nat64_session g, gk;
	struct nat64_bib b, bk;
	struct nat64_key6 h;
	struct nat64_shard *s;

	nat64_key6(t, k, &h);
	s = nat64_lock6_key(t, &h);
	assert_int_equal(nat64_session_find6(s, k, &g), want);
	assert_int_equal(nat64_session_find6_key(s, k, &h, &gk), want);
	assert_int_equal(nat64_bib_find6(s, k->proto, &k->x6, k->x_port, &b),
			 want);
	assert_int_equal(nat64_bib_find6_key(s, k, &h, &bk), want);
	if (want == 0) {
		assert_int_equal(gk.id, g.id);
		assert_int_equal(gk.bib_id, g.bib_id);
		assert_int_equal(bk.id, b.id);
		assert_int_equal(bk.id, g.bib_id);
	}
	nat64_key6_bib(t, k, &h);
	assert_int_equal(nat64_bib_find6_key(s, k, &h, &bk), want);
	if (want == 0)
		assert_int_equal(bk.id, b.id);
	nat64_unlock(s);
}

static void churn_check(struct nat64_table *t, const bool *live)
{
	for (unsigned i = 0; i < CHURN_N; i++) {
		struct nat64_tuple k = churn_tup(i);
		int want = live[i] ? 0 : -ENOENT;
		assert_int_equal(find6(t, &k), want);
		assert_int_equal(find4(t, &k), want);
		churn_check_key(t, &k, want);
	}
}

static void test_nat64_table_index_churn(void **state)
{
	struct nat64_table *t = table(1, CHURN_N, CHURN_N, 0, 0);
	bool live[CHURN_N] = { false };
	unsigned seed = 7;

	(void)state;
	for (unsigned round = 0; round < 6; round++) {
		for (unsigned i = 0; i < CHURN_N; i++) {
			if (live[i])
				continue;
			int rc = churn_add(t, i);
			assert_true(rc == 0 || rc == -ENOSPC);
			live[i] = rc == 0;
		}
		churn_check(t, live);
		for (unsigned i = 0; i < CHURN_N; i++) {
			seed = seed * 1103515245u + 12345u;
			if (!live[i] || (seed >> 16) % 3 == 0)
				continue;
			struct nat64_tuple k = churn_tup(i);
			bool gone = false;
			assert_int_equal(del6(t, &k, &gone), 0);
			assert_true(gone);
			live[i] = false;
		}
		churn_check(t, live);
	}
	nat64_table_free(t);
}

static void test_nat64_table_threads_smoke(void **state)
{
	struct nat64_table *t = table(4, 256, 512, 0, 0);
	struct worker w[4];
	pthread_t th[4];

	for (unsigned i = 0; i < 4; i++) {
		w[i] = (struct worker){ .t = t, .id = i };
		assert_int_equal(pthread_create(&th[i], NULL, worker_main,
						&w[i]), 0);
	}
	for (unsigned i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].errors, 0);
	}
	nat64_expire_step(t, UINT64_MAX, 100000, NULL, NULL);
	assert_int_equal(nat64_table_sessions(t), 0);
	assert_int_equal(nat64_table_bibs(t), 0);
	nat64_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nat64_table_config_refused),
		cmocka_unit_test(test_rfc6146_3_2_insert_lookup_delete_both_directions),
		cmocka_unit_test(test_rfc6146_3_1_tuple_unique_per_protocol),
		cmocka_unit_test(test_rfc6146_3_1_icmp_identifier_pairs),
		cmocka_unit_test(test_rfc6146_3_1_static_never_expires),
		cmocka_unit_test(test_rfc6146_3_3_dynamic_bib_goes_with_last_session),
		cmocka_unit_test(test_rfc6146_3_5_1_session_towards_remote),
		cmocka_unit_test(test_rfc6146_5_3_global_limit_enospc),
		cmocka_unit_test(test_rfc6888_req5_client_limits_edquot),
		cmocka_unit_test(test_nat64_expire_incremental_small_budget),
		cmocka_unit_test(test_nat64_expire_callback_keeps),
		cmocka_unit_test(test_nat64_table_random_vs_naive),
		cmocka_unit_test(test_nat64_table_index_churn),
		cmocka_unit_test(test_nat64_table_threads_smoke),
	};
	return cmocka_run_group_tests_name("nat64_table", tests, NULL, NULL);
}
