/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stateful NAT64 BIB and session tables, RFC 6146 §3.1, §3.2, §3.3, §5.3;
 * per-subscriber and global limits for RFC 6888 §3 REQ-4, REQ-5, REQ-11.
 *
 * Layout.  Each shard owns fixed arrays of BIB entries, sessions and
 * subscriber records, threaded by 32-bit indices: hash chains, free lists,
 * the list of a BIB entry's sessions and one expiry list per class.  A shard
 * is picked by SipHash of the client's subscriber prefix, so a client's
 * quota and all its entries are one lock away.  The only cross-shard
 * structure is the IPv4 index of BIB entries, (proto,T,t) -> global entry
 * id, whose buckets are guarded by a separate array of leaf locks: it makes
 * (T,t) unique per protocol across shards (§3.1) and lets an IPv4 packet
 * find its shard.  Sessions need no IPv4 index of their own: a session lives
 * in its BIB entry's shard, so (T,t) already names it.
 *
 * Lock order: a shard lock, then at most one index lock.  Index locks are
 * never held while taking a shard lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "nat64_table.h"

#define NIL UINT32_MAX

struct bib_slot {
	struct in6_addr x6;
	uint32_t t4;
	uint16_t x_port, t_port;
	uint8_t proto;       /* NAT64_NPROTO when free */
	bool is_static;
	uint32_t nsess;
	uint32_t next6;      /* shard chain, or the free list */
	uint32_t next4;      /* IPv4 index chain: guarded by the index lock */
	uint32_t sess;       /* first session of this entry */
	uint32_t client;
};

struct sess_slot {
	struct in6_addr y6;
	uint64_t expires;
	uint32_t bib;        /* NIL when free */
	uint32_t z4;
	uint16_t y_port, z_port;
	uint8_t state, flags, cls;
	uint32_t next6, next4; /* hash chains; next6 is the free list */
	uint32_t sib_prev, sib_next;
	uint32_t exp_prev, exp_next;
};

struct client {
	struct in6_addr pfx;
	uint32_t nbib, ndyn, nsess;
	uint32_t next;       /* chain, or the free list */
};

struct exp_list {
	uint32_t head, tail;
};

/* The last few keys hashed under a shard's lock and their hashes: one
 * packet's lookup, check and insert hash the same keys several times. */
#define MEMO_N 4
#define MEMO_KEY 38

struct hash_memo {
	uint8_t len;
	uint8_t key[MEMO_KEY];
	uint32_t h;
};

struct nat64_shard {
	alignas(64) pthread_mutex_t lock;
	struct hash_memo memo[MEMO_N];
	unsigned memo_next;
	struct nat64_table *t;
	uint32_t idx;
	struct bib_slot *bib;
	struct sess_slot *sess;
	struct client *cl;
	uint32_t bib_free, sess_free, cl_free;
	uint32_t *b6, *s6, *s4, *c6; /* bucket heads */
	uint32_t bmask, smask;
	struct exp_list exp[NAT64_NCLASSES];
};

struct nat64_table {
	struct nat64_table_config c;
	uint32_t bib_cap, sess_cap;  /* per shard */
	struct nat64_shard *shards;
	uint32_t *v4b;               /* IPv4 index heads: global BIB ids */
	uint32_t v4mask;
	pthread_mutex_t *v4lock;
	uint32_t v4lmask;
	_Atomic uint32_t nsess, nbib;
	_Atomic uint32_t cursor;
};

/* ---- hashing ------------------------------------------------------- */

/* s: the locked shard whose memo may answer, or NULL. */
static uint32_t hash(const struct nat64_table *t, const struct nat64_shard *cs,
		     const uint8_t *buf, size_t len)
{
	struct nat64_shard *s = (struct nat64_shard *)cs; /* the memo only */

	if (!s || len > MEMO_KEY)
		return (uint32_t)siphash13(t->c.key, buf, len);
	for (unsigned i = 0; i < MEMO_N; i++)
		if (s->memo[i].len == len &&
		    memcmp(s->memo[i].key, buf, len) == 0)
			return s->memo[i].h;
	struct hash_memo *m = &s->memo[s->memo_next++ % MEMO_N];
	m->len = (uint8_t)len;
	memcpy(m->key, buf, len);
	m->h = (uint32_t)siphash13(t->c.key, buf, len);
	return m->h;
}

static void client_prefix(const struct nat64_table *t,
			  const struct in6_addr *x6, struct in6_addr *pfx)
{
	unsigned len = t->c.client_len;

	*pfx = *x6;
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = len > 8 * i ? len - 8 * i : 0;
		if (keep < 8)
			pfx->s6_addr[i] &= (uint8_t)(0xff00 >> keep);
	}
}

/* The first byte of every hashed buffer says what is hashed, so equal
 * bytes under different roles land in unrelated buckets. */
static uint32_t hash_pfx(const struct nat64_table *t,
			 const struct nat64_shard *s, char role,
			 const struct in6_addr *pfx)
{
	uint8_t b[17] = { (uint8_t)role };

	memcpy(b + 1, pfx, 16);
	return hash(t, s, b, sizeof(b));
}

static uint32_t hash6(const struct nat64_table *t,
		      const struct nat64_shard *s, uint8_t proto,
		      const struct in6_addr *x6, uint16_t x_port,
		      const struct in6_addr *y6, uint16_t y_port)
{
	uint8_t b[38] = { 'b', proto };
	size_t n = 20;

	memcpy(b + 2, x6, 16);
	memcpy(b + 18, &x_port, 2);
	if (y6) {
		b[0] = 's';
		memcpy(b + 20, y6, 16);
		memcpy(b + 36, &y_port, 2);
		n = 38;
	}
	return hash(t, s, b, n);
}

static uint32_t hash4(const struct nat64_table *t,
		      const struct nat64_shard *s, char role, uint8_t proto,
		      uint32_t t4, uint16_t t_port, uint32_t z4,
		      uint16_t z_port)
{
	uint8_t b[14] = { (uint8_t)role, proto };

	memcpy(b + 2, &t4, 4);
	memcpy(b + 6, &t_port, 2);
	memcpy(b + 8, &z4, 4);
	memcpy(b + 12, &z_port, 2);
	return hash(t, s, b, sizeof(b));
}

/* s: a locked shard to use the memo of, or NULL. */
static uint32_t shard_of(const struct nat64_table *t,
			 const struct nat64_shard *s, const struct in6_addr *x6)
{
	struct in6_addr pfx;

	client_prefix(t, x6, &pfx);
	return hash_pfx(t, s, 'S', &pfx) & (t->c.nshards - 1);
}

/* ---- creation ------------------------------------------------------ */

void nat64_table_config_default(struct nat64_table_config *c)
{
	memset(c, 0, sizeof(*c));
	c->nshards = 1;
	c->max_bib = 1024;
	c->max_sessions = 4096;
	c->client_len = 64;
}

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/* A shard may take a quarter more than its even share (plus a little), so
 * uneven hashing rarely fills one shard before the global limit is hit. */
static uint32_t shard_cap(uint32_t max, uint32_t nshards)
{
	uint64_t share = ((uint64_t)max + nshards - 1) / nshards;
	uint64_t cap = share + share / 4 + 64;

	return nshards == 1 || cap > max ? max : (uint32_t)cap;
}

static int config_check(const struct nat64_table_config *c)
{
	if (c->nshards == 0 || c->nshards > 4096 ||
	    (c->nshards & (c->nshards - 1)) != 0)
		return -EINVAL;
	if (c->max_bib == 0 || c->max_sessions == 0 || c->client_len > 128)
		return -EINVAL;
	/* Keeps global ids (shard * capacity + slot) and the power-of-two
	 * bucket counts well inside 32 bits. */
	if (c->max_bib > NAT64_TABLE_MAX || c->max_sessions > NAT64_TABLE_MAX)
		return -EINVAL;
	return 0;
}

static void fill_nil(uint32_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		a[i] = NIL;
}

static void shard_init_lists(struct nat64_shard *s)
{
	const struct nat64_table *t = s->t;

	for (uint32_t i = 0; i < t->bib_cap; i++) {
		s->bib[i].proto = NAT64_NPROTO;
		s->bib[i].next6 = i + 1 < t->bib_cap ? i + 1 : NIL;
		s->cl[i].next = i + 1 < t->bib_cap ? i + 1 : NIL;
	}
	for (uint32_t i = 0; i < t->sess_cap; i++) {
		s->sess[i].bib = NIL;
		s->sess[i].next6 = i + 1 < t->sess_cap ? i + 1 : NIL;
	}
	s->bib_free = s->cl_free = s->sess_free = 0;
	fill_nil(s->b6, s->bmask + 1);
	fill_nil(s->c6, s->bmask + 1);
	fill_nil(s->s6, s->smask + 1);
	fill_nil(s->s4, s->smask + 1);
	for (unsigned c = 0; c < NAT64_NCLASSES; c++)
		s->exp[c].head = s->exp[c].tail = NIL;
}

static int shard_init(struct nat64_table *t, struct nat64_shard *s,
		      uint32_t idx)
{
	size_t nb = pow2_at_least(t->bib_cap), ns = pow2_at_least(t->sess_cap);

	s->t = t;
	s->idx = idx;
	s->bmask = (uint32_t)nb - 1;
	s->smask = (uint32_t)ns - 1;
	s->bib = calloc(t->bib_cap, sizeof(*s->bib));
	s->cl = calloc(t->bib_cap, sizeof(*s->cl));
	s->sess = calloc(t->sess_cap, sizeof(*s->sess));
	s->b6 = malloc(nb * sizeof(uint32_t));
	s->c6 = malloc(nb * sizeof(uint32_t));
	s->s6 = malloc(ns * sizeof(uint32_t));
	s->s4 = malloc(ns * sizeof(uint32_t));
	if (!s->bib || !s->cl || !s->sess || !s->b6 || !s->c6 || !s->s6 ||
	    !s->s4)
		return -ENOMEM;
	if (pthread_mutex_init(&s->lock, NULL) != 0)
		return -ENOMEM;
	shard_init_lists(s);
	return 0;
}

static void shard_fini(struct nat64_shard *s)
{
	free(s->bib);
	free(s->cl);
	free(s->sess);
	free(s->b6);
	free(s->c6);
	free(s->s6);
	free(s->s4);
}

static int index_init(struct nat64_table *t)
{
	uint32_t nb = pow2_at_least(t->bib_cap * t->c.nshards);
	uint32_t nl = pow2_at_least(t->c.nshards * 4);

	t->v4mask = nb - 1;
	t->v4lmask = nl - 1;
	t->v4b = malloc((size_t)nb * sizeof(uint32_t));
	t->v4lock = calloc(nl, sizeof(*t->v4lock));
	if (!t->v4b || !t->v4lock)
		return -ENOMEM;
	fill_nil(t->v4b, nb);
	for (uint32_t i = 0; i < nl; i++)
		if (pthread_mutex_init(&t->v4lock[i], NULL) != 0)
			return -ENOMEM;
	return 0;
}

int nat64_table_new(struct nat64_table **out,
		    const struct nat64_table_config *c)
{
	struct nat64_table *t;
	int rc = config_check(c);

	if (rc)
		return rc;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->c = *c;
	t->bib_cap = shard_cap(c->max_bib, c->nshards);
	t->sess_cap = shard_cap(c->max_sessions, c->nshards);
	t->shards = aligned_alloc(64, c->nshards * sizeof(*t->shards));
	if (!t->shards)
		goto nomem;
	memset(t->shards, 0, c->nshards * sizeof(*t->shards));
	for (uint32_t i = 0; i < c->nshards; i++)
		if (shard_init(t, &t->shards[i], i))
			goto nomem;
	if (index_init(t))
		goto nomem;
	*out = t;
	return 0;
nomem:
	nat64_table_free(t);
	return -ENOMEM;
}

/* Mutexes are left undestroyed: glibc's need no cleanup and a partly built
 * table would not know which were initialised. */
void nat64_table_free(struct nat64_table *t)
{
	if (!t)
		return;
	if (t->shards)
		for (uint32_t i = 0; i < t->c.nshards; i++)
			shard_fini(&t->shards[i]);
	free(t->shards);
	free(t->v4b);
	free(t->v4lock);
	free(t);
}

uint32_t nat64_table_sessions(const struct nat64_table *t)
{
	return atomic_load_explicit(&t->nsess, memory_order_relaxed);
}

uint32_t nat64_table_bibs(const struct nat64_table *t)
{
	return atomic_load_explicit(&t->nbib, memory_order_relaxed);
}

/* ---- global counters ----------------------------------------------- */

static bool reserve(_Atomic uint32_t *n, uint32_t max)
{
	uint32_t v = atomic_load_explicit(n, memory_order_relaxed);

	do {
		if (v >= max)
			return false;
	} while (!atomic_compare_exchange_weak(n, &v, v + 1));
	return true;
}

static void unreserve(_Atomic uint32_t *n)
{
	atomic_fetch_sub(n, 1);
}

/* ---- the IPv4 index of BIB entries --------------------------------- */

static struct bib_slot *gbib(const struct nat64_table *t, uint32_t gid)
{
	return &t->shards[gid / t->bib_cap].bib[gid % t->bib_cap];
}

static uint32_t v4_bucket(const struct nat64_table *t,
			  const struct nat64_shard *s, uint8_t proto,
			  uint32_t t4, uint16_t t_port)
{
	return hash4(t, s, '4', proto, t4, t_port, 0, 0) & t->v4mask;
}

static pthread_mutex_t *v4_lock_of(struct nat64_table *t, uint32_t bucket)
{
	return &t->v4lock[bucket & t->v4lmask];
}

/* Global id of (proto,T,t) or NIL; the bucket's lock is held. */
static uint32_t v4_search(const struct nat64_table *t, uint32_t bucket,
			  uint8_t proto, uint32_t t4, uint16_t t_port)
{
	for (uint32_t g = t->v4b[bucket]; g != NIL; g = gbib(t, g)->next4) {
		const struct bib_slot *b = gbib(t, g);
		if (b->proto == proto && b->t4 == t4 && b->t_port == t_port)
			return g;
	}
	return NIL;
}

static uint32_t v4_find(struct nat64_table *t, uint8_t proto, uint32_t t4,
			uint16_t t_port)
{
	uint32_t bk = v4_bucket(t, NULL, proto, t4, t_port), g;

	pthread_mutex_lock(v4_lock_of(t, bk));
	g = v4_search(t, bk, proto, t4, t_port);
	pthread_mutex_unlock(v4_lock_of(t, bk));
	return g;
}

/* Link global entry gid unless its (T,t) is taken: the check and the link
 * share one lock hold, which is what makes (T,t) unique. */
static int v4_link(struct nat64_table *t, uint32_t gid)
{
	struct bib_slot *b = gbib(t, gid);
	/* Under the lock of gid's shard: its memo serves. */
	uint32_t bk = v4_bucket(t, &t->shards[gid / t->bib_cap], b->proto,
				b->t4, b->t_port);
	int rc = 0;

	pthread_mutex_lock(v4_lock_of(t, bk));
	if (v4_search(t, bk, b->proto, b->t4, b->t_port) != NIL) {
		rc = -EEXIST;
	} else {
		b->next4 = t->v4b[bk];
		t->v4b[bk] = gid;
	}
	pthread_mutex_unlock(v4_lock_of(t, bk));
	return rc;
}

static void v4_unlink(struct nat64_table *t, uint32_t gid)
{
	struct bib_slot *b = gbib(t, gid);
	uint32_t bk = v4_bucket(t, &t->shards[gid / t->bib_cap], b->proto,
				b->t4, b->t_port);
	uint32_t *p;

	pthread_mutex_lock(v4_lock_of(t, bk));
	for (p = &t->v4b[bk]; *p != gid; p = &gbib(t, *p)->next4)
		;
	*p = b->next4;
	pthread_mutex_unlock(v4_lock_of(t, bk));
}

/* ---- locking ------------------------------------------------------- */

struct nat64_shard *nat64_lock6(struct nat64_table *t,
				const struct in6_addr *x6)
{
	struct nat64_shard *s = &t->shards[shard_of(t, NULL, x6)];

	pthread_mutex_lock(&s->lock);
	return s;
}

void nat64_unlock(struct nat64_shard *s)
{
	pthread_mutex_unlock(&s->lock);
}

static void bib_view(const struct nat64_shard *s, uint32_t id,
		     struct nat64_bib *o)
{
	const struct bib_slot *b = &s->bib[id];

	o->id = id;
	o->proto = b->proto;
	o->x6 = b->x6;
	o->x_port = b->x_port;
	o->t4 = b->t4;
	o->t_port = b->t_port;
	o->is_static = b->is_static;
	o->sessions = b->nsess;
}

/*
 * The index says which shard; the entry can go away between reading the
 * index and taking that shard's lock, so check it again under the lock and
 * retry a few times if it moved.
 */
int nat64_lock4(struct nat64_table *t, uint8_t proto, uint32_t t4,
		uint16_t t_port, struct nat64_shard **out, struct nat64_bib *b)
{
	for (int tries = 0; tries < 4; tries++) {
		uint32_t g = v4_find(t, proto, t4, t_port);
		if (g == NIL)
			return -ENOENT;
		struct nat64_shard *s = &t->shards[g / t->bib_cap];
		uint32_t id = g % t->bib_cap;
		pthread_mutex_lock(&s->lock);
		const struct bib_slot *e = &s->bib[id];
		if (e->proto == proto && e->t4 == t4 && e->t_port == t_port) {
			bib_view(s, id, b);
			*out = s;
			return 0;
		}
		pthread_mutex_unlock(&s->lock);
	}
	return -ENOENT;
}

/* ---- subscriber records -------------------------------------------- */

static uint32_t client_find(const struct nat64_shard *s,
			    const struct in6_addr *x6, uint32_t *bucket)
{
	struct in6_addr pfx;

	client_prefix(s->t, x6, &pfx);
	*bucket = hash_pfx(s->t, s, 'c', &pfx) & s->bmask;
	for (uint32_t i = s->c6[*bucket]; i != NIL; i = s->cl[i].next)
		if (memcmp(&s->cl[i].pfx, &pfx, 16) == 0)
			return i;
	return NIL;
}

/* Never fails: a record exists only while it has a BIB entry, and there
 * are as many records as BIB slots. */
static uint32_t client_get(struct nat64_shard *s, const struct in6_addr *x6)
{
	uint32_t bk, i = client_find(s, x6, &bk);

	if (i != NIL)
		return i;
	i = s->cl_free;
	s->cl_free = s->cl[i].next;
	memset(&s->cl[i], 0, sizeof(s->cl[i]));
	client_prefix(s->t, x6, &s->cl[i].pfx);
	s->cl[i].next = s->c6[bk];
	s->c6[bk] = i;
	return i;
}

static void client_put(struct nat64_shard *s, uint32_t i)
{
	uint32_t bk, *p;

	if (s->cl[i].nbib > 0)
		return;
	client_find(s, &s->cl[i].pfx, &bk);
	for (p = &s->c6[bk]; *p != i; p = &s->cl[*p].next)
		;
	*p = s->cl[i].next;
	s->cl[i].next = s->cl_free;
	s->cl_free = i;
}

void nat64_client_counts(struct nat64_shard *s, const struct in6_addr *x6,
			 uint32_t *bibs, uint32_t *sessions)
{
	uint32_t bk, i = client_find(s, x6, &bk);

	*bibs = i == NIL ? 0 : s->cl[i].nbib;
	*sessions = i == NIL ? 0 : s->cl[i].nsess;
}

/* ---- BIB entries --------------------------------------------------- */

static uint32_t bib_bucket(const struct nat64_shard *s, uint8_t proto,
			   const struct in6_addr *x6, uint16_t x_port)
{
	return hash6(s->t, s, proto, x6, x_port, NULL, 0) & s->bmask;
}

static uint32_t bib_search6(const struct nat64_shard *s, uint8_t proto,
			    const struct in6_addr *x6, uint16_t x_port)
{
	uint32_t i = s->b6[bib_bucket(s, proto, x6, x_port)];

	for (; i != NIL; i = s->bib[i].next6) {
		const struct bib_slot *b = &s->bib[i];
		if (b->proto == proto && b->x_port == x_port &&
		    memcmp(&b->x6, x6, 16) == 0)
			return i;
	}
	return NIL;
}

int nat64_bib_find6(struct nat64_shard *s, uint8_t proto,
		    const struct in6_addr *x6, uint16_t x_port,
		    struct nat64_bib *out)
{
	uint32_t i = proto < NAT64_NPROTO ? bib_search6(s, proto, x6, x_port)
					  : NIL;

	if (i == NIL)
		return -ENOENT;
	bib_view(s, i, out);
	return 0;
}

int nat64_bib_find4(struct nat64_shard *s, uint8_t proto, uint32_t t4,
		    uint16_t t_port, struct nat64_bib *out)
{
	uint32_t g = v4_find(s->t, proto, t4, t_port);

	if (g == NIL || g / s->t->bib_cap != s->idx)
		return -ENOENT;
	bib_view(s, g % s->t->bib_cap, out);
	return 0;
}

/* Take a free slot, fill it and make it visible in both indexes.  The
 * caller has reserved the global count. */
static int bib_insert(struct nat64_shard *s, uint8_t proto,
		      const struct in6_addr *x6, uint16_t x_port, uint32_t t4,
		      uint16_t t_port, bool is_static, uint32_t *id)
{
	uint32_t i = s->bib_free, bk;
	struct bib_slot *b;

	if (i == NIL)
		return -ENOSPC;
	b = &s->bib[i];
	s->bib_free = b->next6;
	*b = (struct bib_slot){ .x6 = *x6, .t4 = t4, .x_port = x_port,
				.t_port = t_port, .proto = proto,
				.is_static = is_static, .sess = NIL };
	if (v4_link(s->t, s->idx * s->t->bib_cap + i) != 0) {
		b->proto = NAT64_NPROTO;
		b->next6 = s->bib_free;
		s->bib_free = i;
		return -EEXIST;
	}
	bk = bib_bucket(s, proto, x6, x_port);
	b->next6 = s->b6[bk];
	s->b6[bk] = i;
	b->client = client_get(s, x6);
	s->cl[b->client].nbib++;
	s->cl[b->client].ndyn += !is_static;
	*id = i;
	return 0;
}

static void bib_remove(struct nat64_shard *s, uint32_t i)
{
	struct bib_slot *b = &s->bib[i];
	uint32_t bk = bib_bucket(s, b->proto, &b->x6, b->x_port), *p;
	struct client *c = &s->cl[b->client];

	v4_unlink(s->t, s->idx * s->t->bib_cap + i);
	for (p = &s->b6[bk]; *p != i; p = &s->bib[*p].next6)
		;
	*p = b->next6;
	c->nbib--;
	c->ndyn -= !b->is_static;
	client_put(s, b->client);
	b->proto = NAT64_NPROTO;
	b->next6 = s->bib_free;
	s->bib_free = i;
	unreserve(&s->t->nbib);
}

int nat64_bib_add_static(struct nat64_shard *s, uint8_t proto,
			 const struct in6_addr *x6, uint16_t x_port,
			 uint32_t t4, uint16_t t_port, uint32_t *id)
{
	int rc;

	if (proto >= NAT64_NPROTO || shard_of(s->t, s, x6) != s->idx)
		return -EINVAL;
	if (bib_search6(s, proto, x6, x_port) != NIL)
		return -EEXIST;
	if (!reserve(&s->t->nbib, s->t->c.max_bib))
		return -ENOSPC;
	rc = bib_insert(s, proto, x6, x_port, t4, t_port, true, id);
	if (rc)
		unreserve(&s->t->nbib);
	return rc;
}

/* ---- sessions ------------------------------------------------------ */

static uint32_t sess_bucket6(const struct nat64_shard *s,
			     const struct nat64_tuple *k)
{
	return hash6(s->t, s, k->proto, &k->x6, k->x_port, &k->y6, k->y_port) &
	       s->smask;
}

static uint32_t sess_bucket4(const struct nat64_shard *s,
			     const struct nat64_tuple *k)
{
	return hash4(s->t, s, 's', k->proto, k->t4, k->t_port, k->z4,
		     k->z_port) & s->smask;
}

static void sess_tuple(const struct nat64_shard *s, uint32_t id,
		       struct nat64_tuple *k)
{
	const struct sess_slot *e = &s->sess[id];
	const struct bib_slot *b = &s->bib[e->bib];

	*k = (struct nat64_tuple){ .proto = b->proto, .x6 = b->x6,
				   .x_port = b->x_port, .y6 = e->y6,
				   .y_port = e->y_port, .t4 = b->t4,
				   .t_port = b->t_port, .z4 = e->z4,
				   .z_port = e->z_port };
}

static void sess_view(const struct nat64_shard *s, uint32_t id,
		      struct nat64_session *o)
{
	const struct sess_slot *e = &s->sess[id];

	o->id = id;
	o->bib_id = e->bib;
	sess_tuple(s, id, &o->tup);
	o->state = e->state;
	o->flags = e->flags;
	o->cls = e->cls;
	o->expires = e->expires;
	o->bib_static = s->bib[e->bib].is_static;
}

static bool match6(const struct nat64_shard *s, uint32_t id,
		   const struct nat64_tuple *k)
{
	const struct sess_slot *e = &s->sess[id];

	/* The session's own fields first: a chain entry that differs there
	 * costs no second cache miss for its BIB entry. */
	if (e->y_port != k->y_port || memcmp(&e->y6, &k->y6, 16) != 0)
		return false;
	const struct bib_slot *b = &s->bib[e->bib];
	return b->proto == k->proto && b->x_port == k->x_port &&
	       memcmp(&b->x6, &k->x6, 16) == 0;
}

static bool match4(const struct nat64_shard *s, uint32_t id,
		   const struct nat64_tuple *k)
{
	const struct sess_slot *e = &s->sess[id];

	if (e->z4 != k->z4 || e->z_port != k->z_port)
		return false;
	const struct bib_slot *b = &s->bib[e->bib];
	return b->proto == k->proto && b->t4 == k->t4 &&
	       b->t_port == k->t_port;
}

static uint32_t sess_search6(const struct nat64_shard *s,
			     const struct nat64_tuple *k)
{
	uint32_t i = s->s6[sess_bucket6(s, k)];

	while (i != NIL && !match6(s, i, k))
		i = s->sess[i].next6;
	return i;
}

static uint32_t sess_search4(const struct nat64_shard *s,
			     const struct nat64_tuple *k)
{
	uint32_t i = s->s4[sess_bucket4(s, k)];

	while (i != NIL && !match4(s, i, k))
		i = s->sess[i].next4;
	return i;
}

int nat64_session_find6(struct nat64_shard *s, const struct nat64_tuple *k,
			struct nat64_session *out)
{
	uint32_t i = sess_search6(s, k);

	if (i == NIL)
		return -ENOENT;
	sess_view(s, i, out);
	return 0;
}

int nat64_session_find4(struct nat64_shard *s, const struct nat64_tuple *k,
			struct nat64_session *out)
{
	uint32_t i = sess_search4(s, k);

	if (i == NIL)
		return -ENOENT;
	sess_view(s, i, out);
	return 0;
}

int nat64_session_find_remote(struct nat64_shard *s, uint32_t bib_id,
			      uint32_t z4, struct nat64_session *out)
{
	if (bib_id >= s->t->bib_cap || s->bib[bib_id].proto >= NAT64_NPROTO)
		return -ENOENT;
	for (uint32_t i = s->bib[bib_id].sess; i != NIL;
	     i = s->sess[i].sib_next) {
		if (s->sess[i].z4 == z4) {
			sess_view(s, i, out);
			return 0;
		}
	}
	return -ENOENT;
}

/* Expiry lists stay sorted: walk back from the tail to the last entry
 * that expires no later.  Sessions of one class normally get now + the
 * same lifetime, so the walk stops at once. */
static void exp_insert(struct nat64_shard *s, uint32_t id)
{
	struct sess_slot *e = &s->sess[id];
	struct exp_list *l = &s->exp[e->cls];
	uint32_t p = l->tail;

	while (p != NIL && s->sess[p].expires > e->expires)
		p = s->sess[p].exp_prev;
	e->exp_prev = p;
	e->exp_next = p == NIL ? l->head : s->sess[p].exp_next;
	if (e->exp_next == NIL)
		l->tail = id;
	else
		s->sess[e->exp_next].exp_prev = id;
	if (p == NIL)
		l->head = id;
	else
		s->sess[p].exp_next = id;
}

static void exp_remove(struct nat64_shard *s, uint32_t id)
{
	struct sess_slot *e = &s->sess[id];
	struct exp_list *l = &s->exp[e->cls];

	if (e->exp_prev == NIL)
		l->head = e->exp_next;
	else
		s->sess[e->exp_prev].exp_next = e->exp_next;
	if (e->exp_next == NIL)
		l->tail = e->exp_prev;
	else
		s->sess[e->exp_next].exp_prev = e->exp_prev;
}

static void sess_link(struct nat64_shard *s, uint32_t id,
		      const struct nat64_tuple *k)
{
	struct sess_slot *e = &s->sess[id];
	struct bib_slot *b = &s->bib[e->bib];
	uint32_t b6 = sess_bucket6(s, k), b4 = sess_bucket4(s, k);

	e->next6 = s->s6[b6];
	s->s6[b6] = id;
	e->next4 = s->s4[b4];
	s->s4[b4] = id;
	e->sib_prev = NIL;
	e->sib_next = b->sess;
	if (b->sess != NIL)
		s->sess[b->sess].sib_prev = id;
	b->sess = id;
	b->nsess++;
	s->cl[b->client].nsess++;
	exp_insert(s, id);
}

static void sess_unlink(struct nat64_shard *s, uint32_t id)
{
	struct sess_slot *e = &s->sess[id];
	struct bib_slot *b = &s->bib[e->bib];
	struct nat64_tuple k;
	uint32_t *p;

	sess_tuple(s, id, &k);
	for (p = &s->s6[sess_bucket6(s, &k)]; *p != id; p = &s->sess[*p].next6)
		;
	*p = e->next6;
	for (p = &s->s4[sess_bucket4(s, &k)]; *p != id; p = &s->sess[*p].next4)
		;
	*p = e->next4;
	if (e->sib_prev == NIL)
		b->sess = e->sib_next;
	else
		s->sess[e->sib_prev].sib_next = e->sib_next;
	if (e->sib_next != NIL)
		s->sess[e->sib_next].sib_prev = e->sib_prev;
	b->nsess--;
	s->cl[b->client].nsess--;
	exp_remove(s, id);
}

/* Remove session id; with keep_bib false a dynamic entry goes with its
 * last session (§3.3).  Returns whether the entry went. */
static bool sess_remove(struct nat64_shard *s, uint32_t id, bool keep_bib)
{
	uint32_t bi = s->sess[id].bib;
	bool gone;

	sess_unlink(s, id);
	s->sess[id].bib = NIL;
	s->sess[id].next6 = s->sess_free;
	s->sess_free = id;
	unreserve(&s->t->nsess);
	gone = !keep_bib && !s->bib[bi].is_static && s->bib[bi].nsess == 0;
	if (gone)
		bib_remove(s, bi);
	return gone;
}

static bool sess_valid(const struct nat64_shard *s, uint32_t id)
{
	return id < s->t->sess_cap && s->sess[id].bib != NIL;
}

int nat64_session_del(struct nat64_shard *s, uint32_t id, bool *bib_gone)
{
	bool gone;

	if (!sess_valid(s, id))
		return -ENOENT;
	gone = sess_remove(s, id, false);
	if (bib_gone)
		*bib_gone = gone;
	return 0;
}

int nat64_bib_del(struct nat64_shard *s, uint32_t id)
{
	if (id >= s->t->bib_cap || s->bib[id].proto >= NAT64_NPROTO)
		return -ENOENT;
	while (s->bib[id].sess != NIL)
		sess_remove(s, s->bib[id].sess, true);
	bib_remove(s, id);
	return 0;
}

int nat64_session_update(struct nat64_shard *s, uint32_t id, uint8_t state,
			 uint8_t flags, uint8_t cls, uint64_t expires)
{
	struct sess_slot *e;

	if (!sess_valid(s, id))
		return -ENOENT;
	if (cls >= NAT64_NCLASSES)
		return -EINVAL;
	e = &s->sess[id];
	/* A refresh of the same class that keeps the list sorted (the usual
	 * case: the session is the tail already, or its successor expires no
	 * earlier) changes the time in place; moving it would touch its
	 * neighbours' slots for every packet of the flow. */
	bool in_place = cls == e->cls && expires >= e->expires &&
			(e->exp_next == NIL ||
			 s->sess[e->exp_next].expires >= expires);
	if (!in_place)
		exp_remove(s, id);
	e->state = state;
	e->flags = flags;
	e->cls = cls;
	e->expires = expires;
	if (!in_place)
		exp_insert(s, id);
	return 0;
}

/* RFC 6888 REQ-5 / REQ-4 style limits for the subscriber of k: -EDQUOT. */
static int client_check(const struct nat64_shard *s,
			const struct nat64_tuple *k, bool new_bib)
{
	const struct nat64_table_config *c = &s->t->c;
	uint32_t bk, i = client_find(s, &k->x6, &bk);
	uint32_t ns = i == NIL ? 0 : s->cl[i].nsess;
	uint32_t nd = i == NIL ? 0 : s->cl[i].ndyn;

	if (c->client_max_sessions && ns >= c->client_max_sessions)
		return -EDQUOT;
	if (new_bib && c->client_max_bib && nd >= c->client_max_bib)
		return -EDQUOT;
	return 0;
}

/* Find k's BIB entry and check it agrees with k: its index, NIL when none,
 * or a negative errno cast by the caller. */
static int session_bib(const struct nat64_shard *s,
		       const struct nat64_tuple *k, uint32_t *bi)
{
	if (k->proto >= NAT64_NPROTO || shard_of(s->t, s, &k->x6) != s->idx)
		return -EINVAL;
	*bi = bib_search6(s, k->proto, &k->x6, k->x_port);
	if (*bi == NIL)
		return 0;
	if (s->bib[*bi].t4 != k->t4 || s->bib[*bi].t_port != k->t_port)
		return -EINVAL;
	/* Under the §3.5.4 algorithm Y' follows from Z, so a clash on the
	 * IPv4 side alone means a caller bug; refuse it all the same, as
	 * find4 could not tell the two apart. */
	if (sess_search6(s, k) != NIL || sess_search4(s, k) != NIL)
		return -EEXIST;
	return 0;
}

/* Reserve room for one session and, when new_bib, one BIB entry. */
static int session_reserve(struct nat64_shard *s, bool new_bib)
{
	struct nat64_table *t = s->t;

	if (s->sess_free == NIL || (new_bib && s->bib_free == NIL))
		return -ENOSPC;
	if (!reserve(&t->nsess, t->c.max_sessions))
		return -ENOSPC;
	if (new_bib && !reserve(&t->nbib, t->c.max_bib)) {
		unreserve(&t->nsess);
		return -ENOSPC;
	}
	return 0;
}

static int session_new_bib(struct nat64_shard *s,
			   const struct nat64_tuple *k, uint32_t *bi)
{
	int rc = bib_insert(s, k->proto, &k->x6, k->x_port, k->t4, k->t_port,
			    false, bi);

	if (rc) {
		unreserve(&s->t->nsess);
		unreserve(&s->t->nbib);
	}
	return rc;
}

int nat64_session_add(struct nat64_shard *s, const struct nat64_tuple *k,
		      uint8_t state, uint8_t cls, uint64_t expires,
		      struct nat64_session *out)
{
	uint32_t bi, id;
	int rc = session_bib(s, k, &bi);

	if (rc == 0 && cls >= NAT64_NCLASSES)
		rc = -EINVAL;
	if (rc == 0)
		rc = client_check(s, k, bi == NIL);
	if (rc == 0)
		rc = session_reserve(s, bi == NIL);
	if (rc == 0 && bi == NIL)
		rc = session_new_bib(s, k, &bi);
	if (rc)
		return rc;
	id = s->sess_free;
	s->sess_free = s->sess[id].next6;
	s->sess[id] = (struct sess_slot){ .y6 = k->y6, .expires = expires,
					  .bib = bi, .z4 = k->z4,
					  .y_port = k->y_port,
					  .z_port = k->z_port, .state = state,
					  .cls = cls };
	sess_link(s, id, k);
	if (out)
		sess_view(s, id, out);
	return 0;
}

/* ---- expiry -------------------------------------------------------- */

/* One expired session: ask the caller, then keep or remove it.  Returns
 * whether it was removed. */
static bool expire_one(struct nat64_shard *s, uint32_t id, uint64_t now,
		       nat64_expire_fn cb, void *arg)
{
	struct nat64_expired e;
	struct sess_slot *x = &s->sess[id];
	uint8_t state = x->state, cls = x->cls;
	uint64_t exp = 0;

	if (cb) {
		const struct bib_slot *b = &s->bib[x->bib];
		sess_view(s, id, &e.s);
		e.last_of_dynamic = !b->is_static && b->nsess == 1;
		if (cb(arg, &e, &state, &cls, &exp) && exp > now &&
		    cls < NAT64_NCLASSES) {
			nat64_session_update(s, id, state, x->flags, cls, exp);
			return false;
		}
	}
	sess_remove(s, id, false);
	return true;
}

static unsigned expire_shard(struct nat64_shard *s, uint64_t now,
			     unsigned *budget, nat64_expire_fn cb, void *arg)
{
	unsigned removed = 0;

	for (unsigned c = 0; c < NAT64_NCLASSES && *budget > 0; c++) {
		while (*budget > 0 && s->exp[c].head != NIL) {
			uint32_t id = s->exp[c].head;
			(*budget)--;
			if (s->sess[id].expires > now)
				break;
			removed += expire_one(s, id, now, cb, arg);
		}
	}
	return removed;
}

unsigned nat64_expire_step(struct nat64_table *t, uint64_t now,
			   unsigned budget, nat64_expire_fn cb, void *arg)
{
	unsigned removed = 0;

	for (uint32_t n = 0; n < t->c.nshards && budget > 0; n++) {
		uint32_t i = atomic_fetch_add(&t->cursor, 1) &
			     (t->c.nshards - 1);
		struct nat64_shard *s = &t->shards[i];
		pthread_mutex_lock(&s->lock);
		removed += expire_shard(s, now, &budget, cb, arg);
		pthread_mutex_unlock(&s->lock);
	}
	return removed;
}

/* ---- walks --------------------------------------------------------- */

int nat64_table_bib_walk(struct nat64_table *t, unsigned proto,
			 nat64_table_bib_cb *cb, void *arg)
{
	int rc = 0;

	for (uint32_t i = 0; i < t->c.nshards && rc == 0; i++) {
		struct nat64_shard *s = &t->shards[i];
		pthread_mutex_lock(&s->lock);
		for (uint32_t id = 0; id < t->bib_cap && rc == 0; id++) {
			struct nat64_bib b;
			if (s->bib[id].proto >= NAT64_NPROTO ||
			    (proto < NAT64_NPROTO && s->bib[id].proto != proto))
				continue;
			bib_view(s, id, &b);
			rc = cb(arg, &b);
		}
		pthread_mutex_unlock(&s->lock);
	}
	return rc;
}

int nat64_table_session_walk(struct nat64_table *t, unsigned proto,
			     nat64_table_session_cb *cb, void *arg)
{
	int rc = 0;

	for (uint32_t i = 0; i < t->c.nshards && rc == 0; i++) {
		struct nat64_shard *s = &t->shards[i];
		pthread_mutex_lock(&s->lock);
		for (uint32_t id = 0; id < t->sess_cap && rc == 0; id++) {
			struct nat64_session v;
			if (!sess_valid(s, id) ||
			    (proto < NAT64_NPROTO &&
			     s->bib[s->sess[id].bib].proto != proto))
				continue;
			sess_view(s, id, &v);
			rc = cb(arg, &v);
		}
		pthread_mutex_unlock(&s->lock);
	}
	return rc;
}
