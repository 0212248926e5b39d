/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A deliberately naive model of src/core/nat64_table.c (STYLE rule 12):
 * plain arrays searched linearly, answering every RFC 6146 §3.1–§3.3
 * question by scanning.  A driver turns bytes into operations, applies each
 * to the table and to the model and compares every answer.  Shared by
 * tests/unit/test_nat64_table.c (random bytes) and
 * tests/fuzz/fuzz_nat64_table.c (fuzzer bytes).
 *
 * Keys come from a small space so that collisions, reuse and limits are
 * hit often: 6 IPv6 clients in 3 /64s, 3 source ports, 2 remote hosts,
 * 2 pool addresses with 6 ports, 3 protocols.
 */
#ifndef SIXGATE_NAT64_TABLE_MODEL_H
#define SIXGATE_NAT64_TABLE_MODEL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/nat64_table.h"

#define M_MAXB 16
#define M_MAXS 40
#define M_CLIENT_BIB 6
#define M_CLIENT_SESS 16

/* Outcomes counted in struct model's seen[]. */
enum { M_OK, M_EEXIST, M_EINVAL, M_EDQUOT, M_ENOSPC, M_EXPIRED, M_KEPT,
       M_BIB_GONE, M_NSEEN };

static inline void m_seen_rc(unsigned *seen, int rc)
{
	seen[rc == 0 ? M_OK : rc == -EEXIST ? M_EEXIST : rc == -EINVAL ?
	     M_EINVAL : rc == -EDQUOT ? M_EDQUOT : M_ENOSPC]++;
}

struct m_bib {
	bool live, st;
	uint8_t proto;
	struct in6_addr x6;
	uint16_t x;
	uint32_t t4;
	uint16_t t;
};

struct m_sess {
	bool live;
	struct nat64_tuple k;
	uint8_t state, flags, cls;
	uint64_t exp;
};

struct model {
	struct nat64_table *tbl;
	struct m_bib b[M_MAXB * 2];
	struct m_sess s[M_MAXS * 2];
	uint64_t now;
	int bad;                 /* line of the first disagreement, 0 if none */
	unsigned seen[M_NSEEN];  /* outcomes reached, for coverage checks */
};

#define M_CHECK(m, cond)                                                      \
	do {                                                                  \
		if (!(cond) && !(m)->bad)                                     \
			(m)->bad = __LINE__;                                  \
	} while (0)

/* ---- the model ----------------------------------------------------- */

static inline bool m_same_client(const struct in6_addr *a,
				 const struct in6_addr *b)
{
	return memcmp(a, b, 8) == 0; /* client_len 64 */
}

static inline int m_bib6(const struct model *m, uint8_t proto,
			 const struct in6_addr *x6, uint16_t x)
{
	for (int i = 0; i < M_MAXB * 2; i++)
		if (m->b[i].live && m->b[i].proto == proto &&
		    m->b[i].x == x && !memcmp(&m->b[i].x6, x6, 16))
			return i;
	return -1;
}

static inline int m_bib4(const struct model *m, uint8_t proto, uint32_t t4,
			 uint16_t t)
{
	for (int i = 0; i < M_MAXB * 2; i++)
		if (m->b[i].live && m->b[i].proto == proto &&
		    m->b[i].t4 == t4 && m->b[i].t == t)
			return i;
	return -1;
}

static inline int m_sess6(const struct model *m, const struct nat64_tuple *k)
{
	for (int i = 0; i < M_MAXS * 2; i++) {
		const struct nat64_tuple *a = &m->s[i].k;
		if (m->s[i].live && a->proto == k->proto &&
		    a->x_port == k->x_port && a->y_port == k->y_port &&
		    !memcmp(&a->x6, &k->x6, 16) && !memcmp(&a->y6, &k->y6, 16))
			return i;
	}
	return -1;
}

static inline int m_sess4(const struct model *m, const struct nat64_tuple *k)
{
	for (int i = 0; i < M_MAXS * 2; i++) {
		const struct nat64_tuple *a = &m->s[i].k;
		if (m->s[i].live && a->proto == k->proto && a->t4 == k->t4 &&
		    a->t_port == k->t_port && a->z4 == k->z4 &&
		    a->z_port == k->z_port)
			return i;
	}
	return -1;
}

static inline unsigned m_bib_sessions(const struct model *m, int b)
{
	unsigned n = 0;

	for (int i = 0; i < M_MAXS * 2; i++)
		n += m->s[i].live && m_bib6(m, m->s[i].k.proto, &m->s[i].k.x6,
					    m->s[i].k.x_port) == b;
	return n;
}

static inline void m_counts(const struct model *m, const struct in6_addr *x6,
			    unsigned *bibs, unsigned *dyn, unsigned *sess)
{
	*bibs = *dyn = *sess = 0;
	for (int i = 0; i < M_MAXB * 2; i++)
		if (m->b[i].live && m_same_client(&m->b[i].x6, x6)) {
			(*bibs)++;
			*dyn += !m->b[i].st;
		}
	for (int i = 0; i < M_MAXS * 2; i++)
		*sess += m->s[i].live && m_same_client(&m->s[i].k.x6, x6);
}

static inline unsigned m_total(const struct model *m, bool sessions)
{
	unsigned n = 0;

	if (sessions)
		for (int i = 0; i < M_MAXS * 2; i++)
			n += m->s[i].live;
	else
		for (int i = 0; i < M_MAXB * 2; i++)
			n += m->b[i].live;
	return n;
}

static inline int m_free_slot_b(const struct model *m)
{
	for (int i = 0; i < M_MAXB * 2; i++)
		if (!m->b[i].live)
			return i;
	return -1;
}

static inline int m_free_slot_s(const struct model *m)
{
	for (int i = 0; i < M_MAXS * 2; i++)
		if (!m->s[i].live)
			return i;
	return -1;
}

/* The errno nat64_session_add() must give, in its documented order. */
static inline int m_session_add_rc(const struct model *m,
				   const struct nat64_tuple *k, uint8_t cls)
{
	int b = m_bib6(m, k->proto, &k->x6, k->x_port);
	unsigned nb, nd, ns;

	if (b >= 0 && (m->b[b].t4 != k->t4 || m->b[b].t != k->t_port))
		return -EINVAL;
	if (b >= 0 && (m_sess6(m, k) >= 0 || m_sess4(m, k) >= 0))
		return -EEXIST;
	if (cls >= NAT64_NCLASSES)
		return -EINVAL;
	m_counts(m, &k->x6, &nb, &nd, &ns);
	if (ns >= M_CLIENT_SESS || (b < 0 && nd >= M_CLIENT_BIB))
		return -EDQUOT;
	if (m_total(m, true) >= M_MAXS ||
	    (b < 0 && m_total(m, false) >= M_MAXB))
		return -ENOSPC;
	if (b < 0 && m_bib4(m, k->proto, k->t4, k->t_port) >= 0)
		return -EEXIST;
	return 0;
}

static inline void m_add_bib(struct model *m, uint8_t proto,
			     const struct in6_addr *x6, uint16_t x,
			     uint32_t t4, uint16_t t, bool st)
{
	int i = m_free_slot_b(m);

	m->b[i] = (struct m_bib){ .live = true, .st = st, .proto = proto,
				  .x6 = *x6, .x = x, .t4 = t4, .t = t };
}

/* Remove session i and, with its last session, a dynamic BIB entry. */
static inline bool m_del_sess(struct model *m, int i)
{
	int b = m_bib6(m, m->s[i].k.proto, &m->s[i].k.x6, m->s[i].k.x_port);

	m->s[i].live = false;
	if (m->b[b].st || m_bib_sessions(m, b) > 0)
		return false;
	m->b[b].live = false;
	return true;
}

/* ---- keys from bytes ----------------------------------------------- */

static inline struct in6_addr m_client(unsigned i)
{
	struct in6_addr a = { .s6_addr = { 0x20, 0x01, 0x0d, 0xb8 } };

	a.s6_addr[7] = (uint8_t)(i % 6 / 2); /* two hosts per /64 */
	a.s6_addr[15] = (uint8_t)(i % 6 + 1);
	return a;
}

/* b[0..3] pick every field; Y' is Pref64::Z unless bits 7 and 5 of b[3] ask for
 * a mismatch (to reach the IPv4-side clash). */
static inline struct nat64_tuple m_key(const uint8_t b[4])
{
	struct nat64_tuple k = { .proto = (uint8_t)(b[0] % 3) };
	unsigned z = b[1] >> 6 & 1;

	k.x6 = m_client(b[0] / 3);
	k.x_port = (uint16_t)(1 + b[1] % 3);
	k.z4 = 0xc6336400u + 1 + z;
	k.z_port = k.proto == NAT64_P_ICMP ? 0 : (uint16_t)(80 + (b[2] & 1));
	k.y_port = k.z_port;
	k.y6 = (struct in6_addr){ .s6_addr = { 0, 0x64, 0xff, 0x9b } };
	memcpy(&k.y6.s6_addr[12], (uint8_t[]){ 198, 51, 100,
		(uint8_t)(1 + (z ^ ((b[3] & 0xa0) == 0xa0))) }, 4);
	/* (T,t) normally follows from (X',x), as pool4 would keep it; bit 6
	 * and 5 of b[3] pick one at random to reach the clashes. */
	unsigned tsel = (b[3] & 0x60) == 0x60 ? b[2] >> 1 : b[0] / 3 * 3 + b[1] % 3;
	k.t4 = 0xc0000200u + 1 + (tsel & 1);
	k.t_port = (uint16_t)(1 + (tsel >> 1) % 6);
	return k;
}

/* ---- comparisons --------------------------------------------------- */

static inline void m_cmp_sess(struct model *m, const struct nat64_session *g,
			      int i)
{
	const struct m_sess *e = &m->s[i];

	M_CHECK(m, !memcmp(&g->tup.x6, &e->k.x6, 16) &&
		   !memcmp(&g->tup.y6, &e->k.y6, 16));
	M_CHECK(m, g->tup.proto == e->k.proto && g->tup.x_port == e->k.x_port &&
		   g->tup.y_port == e->k.y_port && g->tup.t4 == e->k.t4 &&
		   g->tup.t_port == e->k.t_port && g->tup.z4 == e->k.z4 &&
		   g->tup.z_port == e->k.z_port);
	M_CHECK(m, g->state == e->state && g->flags == e->flags &&
		   g->cls == e->cls && g->expires == e->exp);
}

static inline void m_cmp_bib(struct model *m, const struct nat64_bib *g,
			     int i)
{
	const struct m_bib *e = &m->b[i];

	M_CHECK(m, g->proto == e->proto && g->x_port == e->x &&
		   g->t4 == e->t4 && g->t_port == e->t &&
		   g->is_static == e->st && !memcmp(&g->x6, &e->x6, 16));
	M_CHECK(m, g->sessions == m_bib_sessions(m, i));
}

/* Every lookup of k's keys, on both sides, against the model. */
static inline void m_lookups(struct model *m, const struct nat64_tuple *k)
{
	struct nat64_shard *s = nat64_lock6(m->tbl, &k->x6);
	struct nat64_session g;
	struct nat64_bib gb;
	unsigned nb, nd, ns;
	uint32_t tb, ts;
	int i = m_sess6(m, k), b = m_bib6(m, k->proto, &k->x6, k->x_port);
	int rc = nat64_session_find6(s, k, &g);

	M_CHECK(m, (rc == 0) == (i >= 0));
	if (rc == 0 && i >= 0)
		m_cmp_sess(m, &g, i);
	rc = nat64_bib_find6(s, k->proto, &k->x6, k->x_port, &gb);
	M_CHECK(m, (rc == 0) == (b >= 0));
	if (rc == 0 && b >= 0)
		m_cmp_bib(m, &gb, b);
	if (rc == 0) {
		rc = nat64_session_find_remote(s, gb.id, k->z4, &g);
		M_CHECK(m, rc == 0 || rc == -ENOENT);
		if (rc == 0)
			M_CHECK(m, g.tup.z4 == k->z4 && g.bib_id == gb.id);
	}
	nat64_client_counts(s, &k->x6, &tb, &ts);
	m_counts(m, &k->x6, &nb, &nd, &ns);
	M_CHECK(m, tb == nb && ts == ns);
	nat64_unlock(s);

	b = m_bib4(m, k->proto, k->t4, k->t_port);
	rc = nat64_lock4(m->tbl, k->proto, k->t4, k->t_port, &s, &gb);
	M_CHECK(m, (rc == 0) == (b >= 0));
	if (rc)
		return;
	if (b >= 0)
		m_cmp_bib(m, &gb, b);
	i = m_sess4(m, k);
	rc = nat64_session_find4(s, k, &g);
	M_CHECK(m, (rc == 0) == (i >= 0));
	if (rc == 0 && i >= 0)
		m_cmp_sess(m, &g, i);
	nat64_unlock(s);
}

static inline void m_check_all(struct model *m)
{
	for (int i = 0; i < M_MAXS * 2; i++)
		if (m->s[i].live)
			m_lookups(m, &m->s[i].k);
	M_CHECK(m, nat64_table_sessions(m->tbl) == m_total(m, true));
	M_CHECK(m, nat64_table_bibs(m->tbl) == m_total(m, false));
}

/* ---- operations ---------------------------------------------------- */

static inline void m_op_add(struct model *m, const uint8_t *b)
{
	struct nat64_tuple k = m_key(b);
	uint8_t cls = (uint8_t)(b[4] % (NAT64_NCLASSES + 1));
	uint64_t exp = m->now + 1 + b[4] % 64;
	int want = m_session_add_rc(m, &k, cls);
	struct nat64_shard *s = nat64_lock6(m->tbl, &k.x6);
	struct nat64_session g;
	int rc = nat64_session_add(s, &k, b[3] & 7, cls, exp, &g);

	nat64_unlock(s);
	M_CHECK(m, rc == want);
	m_seen_rc(m->seen, rc);
	if (rc || want)
		return;
	if (m_bib6(m, k.proto, &k.x6, k.x_port) < 0)
		m_add_bib(m, k.proto, &k.x6, k.x_port, k.t4, k.t_port, false);
	m->s[m_free_slot_s(m)] = (struct m_sess){ .live = true, .k = k,
		.state = b[3] & 7, .cls = cls, .exp = exp };
}

static inline void m_op_static(struct model *m, const uint8_t *b)
{
	struct nat64_tuple k = m_key(b);
	int want = 0, rc;
	uint32_t id;
	struct nat64_shard *s;

	if (m_bib6(m, k.proto, &k.x6, k.x_port) >= 0)
		want = -EEXIST;
	else if (m_total(m, false) >= M_MAXB)
		want = -ENOSPC;
	else if (m_bib4(m, k.proto, k.t4, k.t_port) >= 0)
		want = -EEXIST;
	s = nat64_lock6(m->tbl, &k.x6);
	rc = nat64_bib_add_static(s, k.proto, &k.x6, k.x_port, k.t4, k.t_port,
				  &id);
	nat64_unlock(s);
	M_CHECK(m, rc == want);
	if (rc == 0 && want == 0)
		m_add_bib(m, k.proto, &k.x6, k.x_port, k.t4, k.t_port, true);
}

static inline void m_op_del(struct model *m, const uint8_t *b)
{
	struct nat64_tuple k = m_key(b);
	struct nat64_shard *s = nat64_lock6(m->tbl, &k.x6);
	struct nat64_session g;
	int i = m_sess6(m, &k);
	bool gone = false;

	if (nat64_session_find6(s, &k, &g) == 0) {
		M_CHECK(m, nat64_session_del(s, g.id, &gone) == 0);
		M_CHECK(m, i >= 0 && m_del_sess(m, i) == gone);
		m->seen[M_BIB_GONE] += gone;
	} else {
		M_CHECK(m, i < 0);
	}
	nat64_unlock(s);
}

static inline void m_op_bib_del(struct model *m, const uint8_t *b)
{
	struct nat64_tuple k = m_key(b);
	struct nat64_shard *s = nat64_lock6(m->tbl, &k.x6);
	struct nat64_bib g;
	int i = m_bib6(m, k.proto, &k.x6, k.x_port);

	if (nat64_bib_find6(s, k.proto, &k.x6, k.x_port, &g) == 0) {
		M_CHECK(m, i >= 0 && nat64_bib_del(s, g.id) == 0);
		for (int j = 0; i >= 0 && j < M_MAXS * 2; j++)
			if (m->s[j].live && m_bib6(m, m->s[j].k.proto,
						   &m->s[j].k.x6,
						   m->s[j].k.x_port) == i)
				m->s[j].live = false;
		if (i >= 0)
			m->b[i].live = false;
	} else {
		M_CHECK(m, i < 0);
	}
	nat64_unlock(s);
}

static inline void m_op_update(struct model *m, const uint8_t *b)
{
	struct nat64_tuple k = m_key(b);
	struct nat64_shard *s = nat64_lock6(m->tbl, &k.x6);
	struct nat64_session g;
	int i = m_sess6(m, &k);
	uint8_t cls = b[4] % NAT64_NCLASSES;
	uint64_t exp = m->now + b[4] % 24;

	if (nat64_session_find6(s, &k, &g) == 0 && i >= 0) {
		M_CHECK(m, nat64_session_update(s, g.id, b[3] & 7, b[3] >> 3,
						cls, exp) == 0);
		m->s[i].state = b[3] & 7;
		m->s[i].flags = b[3] >> 3;
		m->s[i].cls = cls;
		m->s[i].exp = exp;
	}
	nat64_unlock(s);
}

/* Expiry callback: checks each report against the model and applies it.
 * Sessions in state 7 are kept once more (the TCP probe path). */
static inline bool m_expired(void *arg, const struct nat64_expired *e,
			     uint8_t *state, uint8_t *cls, uint64_t *expires)
{
	struct model *m = arg;
	int i = m_sess6(m, &e->s.tup), b;

	M_CHECK(m, i >= 0);
	if (i < 0)
		return false;
	m_cmp_sess(m, &e->s, i);
	M_CHECK(m, m->s[i].exp <= m->now);
	b = m_bib6(m, e->s.tup.proto, &e->s.tup.x6, e->s.tup.x_port);
	M_CHECK(m, e->last_of_dynamic ==
		   (!m->b[b].st && m_bib_sessions(m, b) == 1));
	if (m->s[i].state == 7) {
		*state = m->s[i].state = 6;
		*cls = m->s[i].cls;
		*expires = m->s[i].exp = m->now + 3;
		m->seen[M_KEPT]++;
		return true;
	}
	m->seen[M_EXPIRED]++;
	m->seen[M_BIB_GONE] += m_del_sess(m, i);
	return false;
}

static inline unsigned m_expired_count(const struct model *m)
{
	unsigned n = 0;

	for (int i = 0; i < M_MAXS * 2; i++)
		n += m->s[i].live && m->s[i].exp <= m->now;
	return n;
}

static inline void m_op_expire(struct model *m, const uint8_t *b)
{
	unsigned before = m_total(m, true), budget = 1 + b[1] % 8;
	unsigned removed;

	if (b[2] & 1)
		budget = 1000; /* a full pass must leave nothing expired */
	removed = nat64_expire_step(m->tbl, m->now, budget, m_expired, m);
	M_CHECK(m, removed == before - m_total(m, true));
	if (budget == 1000)
		M_CHECK(m, m_expired_count(m) == 0);
}

/* One 5-byte record: b[0] picks the operation with the key bytes after. */
static inline void m_step(struct model *m, const uint8_t b[6])
{
	switch (b[0] % 9) {
	case 0: case 1: case 2: m_op_add(m, b + 1); break;
	case 3: m_op_static(m, b + 1); break;
	case 4: m_op_del(m, b + 1); break;
	case 5: m_op_bib_del(m, b + 1); break;
	case 6: m_op_update(m, b + 1); break;
	case 7: m_op_expire(m, b + 1); break;
	default: m->now += b[1] % 4; break;
	}
	m_lookups(m, &(struct nat64_tuple){ 0 });
	{
		struct nat64_tuple k = m_key(b + 1);
		m_lookups(m, &k);
	}
}

/* The table the model describes; nshards 1 or more (the small limits keep
 * every shard's capacity at the global one, so -ENOSPC is exact). */
static inline int m_table(struct nat64_table **t, uint32_t nshards)
{
	struct nat64_table_config c;

	nat64_table_config_default(&c);
	c.nshards = nshards;
	c.max_bib = M_MAXB;
	c.max_sessions = M_MAXS;
	c.client_max_bib = M_CLIENT_BIB;
	c.client_max_sessions = M_CLIENT_SESS;
	memcpy(c.key, "sixgate-model-ky", 16);
	return nat64_table_new(t, &c);
}

#endif
