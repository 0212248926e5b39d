/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stateful NAT64 BIB and session tables, RFC 6146 §3.1, §3.2, §3.3, §5.3;
 * per-subscriber and global limits for RFC 6888 §3 REQ-4, REQ-5, REQ-11.
 *
 * Layout.  Each shard owns fixed arrays of BIB entries, sessions and
 * subscriber records, threaded by 32-bit indices: free lists, the list of a
 * BIB entry's sessions and one expiry list per class.  A shard is picked by
 * SipHash of the client's subscriber prefix, so a client's quota and all
 * its entries are one lock away.  The only cross-shard structure is the
 * IPv4 index of BIB entries, (proto,T,t) -> global entry id, guarded by a
 * separate array of leaf locks: it makes (T,t) unique per protocol across
 * shards (§3.1) and lets an IPv4 packet find its shard.  Sessions need no
 * IPv4 index of their own: a session lives in its BIB entry's shard, so
 * (T,t) already names it.
 *
 * Hash indexes.  Every index (BIB by (X',x), subscriber by prefix, session
 * by either 5-tuple, the IPv4 index) is an open-addressing table of 32-bit
 * slots with linear probing.  A slot holds the entry's index + 1 in its low
 * bits and the top bits of the entry's hash as a tag in the rest, so a
 * lookup reads one run of slots, usually within one cache line, and looks
 * at an entry only when its tag matches: a miss touches no entry at all.
 * That matters because each entry read is a cache miss of its own at a
 * million sessions.  Deletion shifts later slots back (no tombstones); the
 * home slot of an entry comes from the hash it keeps (h6/h4/h).
 *
 * Hashing once.  The caller computes a tuple's hashes once per packet
 * (nat64_key6(): subscriber and session, all an established flow needs;
 * nat64_key6_bib(): the BIB hash, only for a session miss), which also
 * prefetches the slots the calls will read, and passes them to the *_key
 * calls; nat64_session_add_key() hashes the IPv4 side once and prefetches
 * its two slots before it does anything else.
 *
 * Lock order: a shard lock, then index locks in ascending order.  Index
 * locks are never held while taking a shard lock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "addr.h"
#include "nat64_table.h"

#define NIL UINT32_MAX

struct bib_slot {
	struct in6_addr x6;
	uint32_t t4;
	uint16_t x_port, t_port;
	uint8_t proto;       /* NAT64_NPROTO when free */
	bool is_static;
	uint32_t nsess;
	uint32_t h6;         /* hash of (proto,X',x), or the free list */
	uint32_t h4;         /* hash of (proto,T,t): read under index locks */
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
	uint32_t h6, h4;     /* hashes of both 5-tuples; h6 is the free list */
	uint32_t sib_prev, sib_next;
	uint32_t exp_prev, exp_next;
};

struct client {
	struct in6_addr pfx;
	uint32_t nbib, ndyn, nsess;
	uint32_t h;          /* hash of the prefix, or the free list */
};

_Static_assert(sizeof(struct sess_slot) == 64, "a session is one line");

struct exp_list {
	uint32_t head, tail;
};

/* An open-addressing index: 0 is an empty slot, anything else is
 * (hash & ~imask) | (entry + 1).  Never full: at least a third free. */
struct otab {
	uint32_t *slot;
	uint32_t mask;       /* slots - 1: the home of hash h is h & mask */
	uint32_t imask;      /* the entry bits; the tag is the rest */
};

struct nat64_shard {
	alignas(64) pthread_mutex_t lock;
	struct nat64_table *t;
	uint32_t idx;
	struct bib_slot *bib;
	struct sess_slot *sess;
	struct client *cl;
	uint32_t bib_free, sess_free, cl_free;
	struct otab b6, c6, s6, s4;
	struct exp_list exp[NAT64_NCLASSES];
};

struct nat64_table {
	struct nat64_table_config c;
	uint32_t bib_cap, sess_cap;  /* per shard */
	struct nat64_shard *shards;
	/* The IPv4 index: global BIB ids, probed without wrapping, so a
	 * probe only ever moves to higher slots and takes the lock stripes it
	 * crosses in ascending order (its room behind the last home: see
	 * layout()). */
	struct otab v4;
	pthread_mutex_t *v4lock;
	uint32_t v4nlock, v4shift;   /* stripe of slot p: p >> v4shift */
	void *mem;                   /* one mapping for all the arrays */
	size_t memlen;
	_Atomic uint32_t nsess, nbib;
	_Atomic uint32_t cursor;
};

/* ---- open addressing ----------------------------------------------- */

static uint32_t bits_for(uint32_t n)
{
	return 32u - (uint32_t)__builtin_clz(n | 1);
}

static void otab_init(struct otab *o, uint32_t *slot, uint32_t nslots,
		      uint32_t cap)
{
	o->slot = slot;
	o->mask = nslots - 1;
	o->imask = (1u << bits_for(cap)) - 1;
}

static uint32_t o_enc(const struct otab *o, uint32_t h, uint32_t i)
{
	return (h & ~o->imask) | (i + 1);
}

static bool o_tag(const struct otab *o, uint32_t v, uint32_t h)
{
	return ((v ^ h) & ~o->imask) == 0;
}

static uint32_t o_idx(const struct otab *o, uint32_t v)
{
	return (v & o->imask) - 1;
}

static void o_prefetch(const struct otab *o, uint32_t h)
{
	__builtin_prefetch(&o->slot[h & o->mask]);
}

/* Entry i under hash h into the first free slot from h's home. */
static void o_put(struct otab *o, uint32_t h, uint32_t i)
{
	uint32_t p = h & o->mask;

	while (o->slot[p] != 0)
		p = (p + 1) & o->mask;
	o->slot[p] = o_enc(o, h, i);
}

/*
 * Remove entry i (hash h) and shift later slots of its run back into the
 * hole where their home allows (Knuth 6.4 Algorithm R), so that every probe
 * still reaches its entry.  hs: the first entry's stored hash, stride the
 * entry size: the home of each shifted slot is read from its entry.
 */
static void o_del(struct otab *o, uint32_t h, uint32_t i, const uint32_t *hs,
		  size_t stride)
{
	uint32_t v = o_enc(o, h, i), hole = h & o->mask;

	while (o->slot[hole] != v)
		hole = (hole + 1) & o->mask;
	for (uint32_t j = (hole + 1) & o->mask; o->slot[j] != 0;
	     j = (j + 1) & o->mask) {
		uint32_t e = o_idx(o, o->slot[j]);
		uint32_t home = *(const uint32_t *)((const char *)hs +
						    e * stride) & o->mask;
		/* j may fill the hole unless its home lies in (hole, j]. */
		if (((j - home) & o->mask) >= ((j - hole) & o->mask)) {
			o->slot[hole] = o->slot[j];
			hole = j;
		}
	}
	o->slot[hole] = 0;
}

/* ---- hashing ------------------------------------------------------- */

/* The first byte of every hashed buffer says what is hashed, so equal
 * bytes under different roles land in unrelated buckets.  The subscriber
 * hash serves twice: its high half picks the shard, its low half the
 * subscriber slot (independent bits of one keyed hash). */
static uint64_t hash_client(const struct nat64_table *t,
			    const struct in6_addr *x6)
{
	uint8_t b[17] = { 'c' };
	struct in6_addr pfx;

	addr6_prefix(x6, t->c.client_len, &pfx);
	memcpy(b + 1, &pfx, 16);
	return siphash13(t->c.key, b, sizeof(b));
}

static uint32_t shard_of(const struct nat64_table *t, uint64_t hc)
{
	return (uint32_t)(hc >> 32) & (t->c.nshards - 1);
}

static uint32_t hash6(const struct nat64_table *t, uint8_t proto,
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
	return (uint32_t)siphash13(t->c.key, b, n);
}

static uint32_t hash4(const struct nat64_table *t, char role, uint8_t proto,
		      uint32_t t4, uint16_t t_port, uint32_t z4,
		      uint16_t z_port)
{
	uint8_t b[14] = { (uint8_t)role, proto };

	memcpy(b + 2, &t4, 4);
	memcpy(b + 6, &t_port, 2);
	memcpy(b + 8, &z4, 4);
	memcpy(b + 12, &z_port, 2);
	return (uint32_t)siphash13(t->c.key, b, sizeof(b));
}

static uint32_t hash_v4(const struct nat64_table *t, uint8_t proto,
			uint32_t t4, uint16_t t_port)
{
	return hash4(t, '4', proto, t4, t_port, 0, 0);
}

static uint32_t hash_s4(const struct nat64_table *t,
			const struct nat64_tuple *k)
{
	return hash4(t, 's', k->proto, k->t4, k->t_port, k->z4, k->z_port);
}

static struct nat64_shard *shard_for(struct nat64_table *t,
				     const struct nat64_key6 *h)
{
	return &t->shards[shard_of(t, h->client)];
}

static uint32_t hash_bib6(const struct nat64_table *t,
			  const struct nat64_tuple *k)
{
	return hash6(t, k->proto, &k->x6, k->x_port, NULL, 0);
}

static uint32_t hash_sess6(const struct nat64_table *t,
			   const struct nat64_tuple *k)
{
	return hash6(t, k->proto, &k->x6, k->x_port, &k->y6, k->y_port);
}

/* An established flow's packet needs the shard and the session lookup
 * only: the BIB hash waits for nat64_key6_bib(). */
void nat64_key6(struct nat64_table *t, const struct nat64_tuple *k,
		struct nat64_key6 *h)
{
	h->client = hash_client(t, &k->x6);
	h->sess = hash_sess6(t, k);
	h->bib = 0;
	h->has_bib = false;
	o_prefetch(&shard_for(t, h)->s6, h->sess);
}

/* The two slots a new session reads next, fetched at once so that their
 * misses overlap: the BIB and the subscriber lookups of a first packet. */
void nat64_key6_bib(struct nat64_table *t, const struct nat64_tuple *k,
		    struct nat64_key6 *h)
{
	if (h->has_bib)
		return;
	h->bib = hash_bib6(t, k);
	h->has_bib = true;
	const struct nat64_shard *s = shard_for(t, h);
	o_prefetch(&s->b6, h->bib);
	o_prefetch(&s->c6, (uint32_t)h->client);
}

/* h's BIB hash, computed here when the caller did not. */
static uint32_t key_bib(const struct nat64_table *t,
			const struct nat64_tuple *k, const struct nat64_key6 *h)
{
	return h->has_bib ? h->bib : hash_bib6(t, k);
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

/* Slots of an index for cap entries: a power of two with at least a third
 * of them free, so probe runs stay short and a probe always ends. */
static uint32_t index_slots(uint32_t cap)
{
	return pow2_at_least(cap + cap / 2 + 1);
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
	 * slot counts well inside 32 bits. */
	if (c->max_bib > NAT64_TABLE_MAX || c->max_sessions > NAT64_TABLE_MAX)
		return -EINVAL;
	return 0;
}

/*
 * All the arrays are carved from one anonymous mapping, so that the room
 * behind the IPv4 index's last home (see layout()) costs address space but
 * no memory until a probe reaches it.  The layout is computed twice: once
 * to size the mapping, once to carve it.  (Advising the mapping to use
 * transparent huge pages made no difference that bench/nat64 could tell
 * on the development machine, so it is not done.)
 */
struct carve {
	char *base;
	size_t off;
};

static void *carve(struct carve *c, size_t n)
{
	void *p = c->base ? c->base + c->off : NULL;

	c->off += (n + 63) & ~(size_t)63;
	return p;
}

static void shard_carve(struct nat64_table *t, struct nat64_shard *s,
			struct carve *c)
{
	uint32_t nb = index_slots(t->bib_cap), ns = index_slots(t->sess_cap);

	s->bib = carve(c, (size_t)t->bib_cap * sizeof(*s->bib));
	s->cl = carve(c, (size_t)t->bib_cap * sizeof(*s->cl));
	s->sess = carve(c, (size_t)t->sess_cap * sizeof(*s->sess));
	otab_init(&s->b6, carve(c, nb * sizeof(uint32_t)), nb, t->bib_cap);
	otab_init(&s->c6, carve(c, nb * sizeof(uint32_t)), nb, t->bib_cap);
	otab_init(&s->s6, carve(c, ns * sizeof(uint32_t)), ns, t->sess_cap);
	otab_init(&s->s4, carve(c, ns * sizeof(uint32_t)), ns, t->sess_cap);
}

/* The IPv4 index goes last: its room behind the last home is touched
 * only by a probe that gets that far, so it stays out of the RSS. */
static void layout(struct nat64_table *t, struct carve *c)
{
	uint32_t total = t->bib_cap * t->c.nshards;
	uint32_t nb = index_slots(total);
	/* Room behind the last home for every entry there can be, so a
	 * probe, which never wraps, never runs off the end. */
	size_t v4size = (size_t)nb + total;

	for (uint32_t i = 0; i < t->c.nshards; i++)
		shard_carve(t, &t->shards[i], c);
	otab_init(&t->v4, carve(c, v4size * sizeof(uint32_t)), nb, total);
}

static int arena_new(struct nat64_table *t)
{
	struct carve c = { NULL, 0 };
	char *m;

	layout(t, &c);
	t->memlen = c.off;
	m = mmap(NULL, t->memlen, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return -ENOMEM;
	t->mem = m;
	c.base = m;
	c.off = 0;
	layout(t, &c);
	return 0;
}

static void shard_init_lists(struct nat64_shard *s)
{
	const struct nat64_table *t = s->t;

	for (uint32_t i = 0; i < t->bib_cap; i++) {
		s->bib[i].proto = NAT64_NPROTO;
		s->bib[i].h6 = i + 1 < t->bib_cap ? i + 1 : NIL;
		s->cl[i].h = i + 1 < t->bib_cap ? i + 1 : NIL;
	}
	for (uint32_t i = 0; i < t->sess_cap; i++) {
		s->sess[i].bib = NIL;
		s->sess[i].h6 = i + 1 < t->sess_cap ? i + 1 : NIL;
	}
	s->bib_free = s->cl_free = s->sess_free = 0;
	/* The mapping is zero (all slots empty); writing the slots anyway
	 * makes them resident now rather than on the packet path. */
	memset(s->b6.slot, 0, (s->b6.mask + 1) * sizeof(uint32_t));
	memset(s->c6.slot, 0, (s->c6.mask + 1) * sizeof(uint32_t));
	memset(s->s6.slot, 0, (s->s6.mask + 1) * sizeof(uint32_t));
	memset(s->s4.slot, 0, (s->s4.mask + 1) * sizeof(uint32_t));
	for (unsigned c = 0; c < NAT64_NCLASSES; c++)
		s->exp[c].head = s->exp[c].tail = NIL;
}

static int shard_init(struct nat64_table *t, struct nat64_shard *s,
		      uint32_t idx)
{
	s->t = t;
	s->idx = idx;
	if (pthread_mutex_init(&s->lock, NULL) != 0)
		return -ENOMEM;
	shard_init_lists(s);
	return 0;
}

static int index_init(struct nat64_table *t)
{
	uint32_t nb = t->v4.mask + 1;
	uint32_t nl = pow2_at_least(t->c.nshards * 4);

	t->v4nlock = nl;
	t->v4shift = nb > nl ? bits_for(nb / nl) - 1 : 0;
	t->v4lock = calloc(nl, sizeof(*t->v4lock));
	if (!t->v4lock)
		return -ENOMEM;
	memset(t->v4.slot, 0, (size_t)nb * sizeof(uint32_t));
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
	if (arena_new(t))
		goto nomem;
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
	if (t->mem)
		munmap(t->mem, t->memlen);
	free(t->shards);
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

/* The lock stripes [lo, hi] a probe holds; it moves right only. */
struct v4_walk {
	uint32_t lo, hi;
};

static uint32_t v4_stripe(const struct nat64_table *t, uint32_t p)
{
	uint32_t k = p >> t->v4shift;

	return k < t->v4nlock ? k : t->v4nlock - 1;
}

static void v4_begin(struct nat64_table *t, struct v4_walk *w, uint32_t p)
{
	w->lo = w->hi = v4_stripe(t, p);
	pthread_mutex_lock(&t->v4lock[w->lo]);
}

/* Slot p may be read and written once this returns. */
static void v4_reach(struct nat64_table *t, struct v4_walk *w, uint32_t p)
{
	uint32_t k = v4_stripe(t, p);

	while (w->hi < k)
		pthread_mutex_lock(&t->v4lock[++w->hi]);
}

static void v4_end(struct nat64_table *t, const struct v4_walk *w)
{
	for (uint32_t k = w->lo; k <= w->hi; k++)
		pthread_mutex_unlock(&t->v4lock[k]);
}

/* Global id of (proto,T,t) (hash h) or NIL, and in *end the slot where
 * the probe stopped.  Reads other shards' entries: their (proto,T,t) and
 * h4 change only while they are out of the index. */
static uint32_t v4_probe(struct nat64_table *t, struct v4_walk *w,
			 uint32_t h, uint8_t proto, uint32_t t4,
			 uint16_t t_port, uint32_t *end)
{
	const struct otab *o = &t->v4;

	for (uint32_t p = h & o->mask;; p++) {
		v4_reach(t, w, p);
		uint32_t v = o->slot[p];
		if (v == 0) {
			*end = p;
			return NIL;
		}
		if (!o_tag(o, v, h))
			continue;
		uint32_t g = o_idx(o, v);
		const struct bib_slot *b = gbib(t, g);
		if (b->proto == proto && b->t4 == t4 && b->t_port == t_port)
			return g;
	}
}

static uint32_t v4_find(struct nat64_table *t, uint8_t proto, uint32_t t4,
			uint16_t t_port)
{
	uint32_t h = hash_v4(t, proto, t4, t_port), g, end;
	struct v4_walk w;

	v4_begin(t, &w, h & t->v4.mask);
	g = v4_probe(t, &w, h, proto, t4, t_port, &end);
	v4_end(t, &w);
	return g;
}

/* Link global entry gid unless its (T,t) is taken: the check and the link
 * share one hold of the stripes, which is what makes (T,t) unique. */
static int v4_link(struct nat64_table *t, uint32_t gid)
{
	const struct bib_slot *b = gbib(t, gid);
	uint32_t end;
	struct v4_walk w;
	int rc = 0;

	v4_begin(t, &w, b->h4 & t->v4.mask);
	if (v4_probe(t, &w, b->h4, b->proto, b->t4, b->t_port, &end) != NIL)
		rc = -EEXIST;
	else
		t->v4.slot[end] = o_enc(&t->v4, b->h4, gid);
	v4_end(t, &w);
	return rc;
}

/* o_del() without wrapping: a later slot moves back when its home is at
 * or before the hole. */
static void v4_unlink(struct nat64_table *t, uint32_t gid)
{
	const struct bib_slot *b = gbib(t, gid);
	struct otab *o = &t->v4;
	uint32_t v = o_enc(o, b->h4, gid), hole = b->h4 & o->mask;
	struct v4_walk w;

	v4_begin(t, &w, hole);
	for (; o->slot[hole] != v; v4_reach(t, &w, hole))
		hole++;
	for (uint32_t j = hole + 1;; j++) {
		v4_reach(t, &w, j);
		if (o->slot[j] == 0)
			break;
		if ((gbib(t, o_idx(o, o->slot[j]))->h4 & o->mask) <= hole) {
			o->slot[hole] = o->slot[j];
			hole = j;
		}
	}
	o->slot[hole] = 0;
	v4_end(t, &w);
}

/* ---- locking ------------------------------------------------------- */

struct nat64_shard *nat64_lock6_key(struct nat64_table *t,
				    const struct nat64_key6 *h)
{
	struct nat64_shard *s = shard_for(t, h);

	pthread_mutex_lock(&s->lock);
	return s;
}

struct nat64_shard *nat64_lock6(struct nat64_table *t,
				const struct in6_addr *x6)
{
	struct nat64_shard *s = &t->shards[shard_of(t, hash_client(t, x6))];

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

/* hc: the subscriber hash (its low half is the slot's). */
static uint32_t client_find(const struct nat64_shard *s,
			    const struct in6_addr *x6, uint32_t hc)
{
	const struct otab *o = &s->c6;
	struct in6_addr pfx;

	addr6_prefix(x6, s->t->c.client_len, &pfx);
	for (uint32_t p = hc & o->mask;; p = (p + 1) & o->mask) {
		uint32_t v = o->slot[p];
		if (v == 0)
			return NIL;
		if (o_tag(o, v, hc) &&
		    memcmp(&s->cl[o_idx(o, v)].pfx, &pfx, 16) == 0)
			return o_idx(o, v);
	}
}

/* Never fails: a record exists only while it has a BIB entry, and there
 * are as many records as BIB slots. */
static uint32_t client_get(struct nat64_shard *s, const struct in6_addr *x6,
			   uint32_t hc)
{
	uint32_t i = client_find(s, x6, hc);

	if (i != NIL)
		return i;
	i = s->cl_free;
	s->cl_free = s->cl[i].h;
	memset(&s->cl[i], 0, sizeof(s->cl[i]));
	addr6_prefix(x6, s->t->c.client_len, &s->cl[i].pfx);
	s->cl[i].h = hc;
	o_put(&s->c6, hc, i);
	return i;
}

static void client_put(struct nat64_shard *s, uint32_t i)
{
	if (s->cl[i].nbib > 0)
		return;
	o_del(&s->c6, s->cl[i].h, i, &s->cl[0].h, sizeof(s->cl[0]));
	s->cl[i].h = s->cl_free;
	s->cl_free = i;
}

void nat64_client_counts(struct nat64_shard *s, const struct in6_addr *x6,
			 uint32_t *bibs, uint32_t *sessions)
{
	uint32_t i = client_find(s, x6, (uint32_t)hash_client(s->t, x6));

	*bibs = i == NIL ? 0 : s->cl[i].nbib;
	*sessions = i == NIL ? 0 : s->cl[i].nsess;
}

/* ---- BIB entries --------------------------------------------------- */

/* Free slots are taken from the head of a list that starts out in address
 * order, so the next one is a line nobody has read since the table was
 * built: fetch it now, for the shard's next insertion. */
static void prefetch_next(const void *arr, uint32_t i, size_t size)
{
	if (i != NIL)
		__builtin_prefetch((const char *)arr + (size_t)i * size, 1);
}

static uint32_t bib_search6(const struct nat64_shard *s, uint8_t proto,
			    const struct in6_addr *x6, uint16_t x_port,
			    uint32_t h)
{
	const struct otab *o = &s->b6;

	for (uint32_t p = h & o->mask;; p = (p + 1) & o->mask) {
		uint32_t v = o->slot[p];
		if (v == 0)
			return NIL;
		if (!o_tag(o, v, h))
			continue;
		const struct bib_slot *b = &s->bib[o_idx(o, v)];
		if (b->proto == proto && b->x_port == x_port &&
		    memcmp(&b->x6, x6, 16) == 0)
			return o_idx(o, v);
	}
}

int nat64_bib_find6_key(struct nat64_shard *s, const struct nat64_tuple *k,
			const struct nat64_key6 *h, struct nat64_bib *out)
{
	uint32_t i = k->proto < NAT64_NPROTO ?
			     bib_search6(s, k->proto, &k->x6, k->x_port,
					 key_bib(s->t, k, h)) :
			     NIL;

	if (i == NIL)
		return -ENOENT;
	bib_view(s, i, out);
	return 0;
}

int nat64_bib_find6(struct nat64_shard *s, uint8_t proto,
		    const struct in6_addr *x6, uint16_t x_port,
		    struct nat64_bib *out)
{
	struct nat64_tuple k = { .proto = proto, .x6 = *x6,
				 .x_port = x_port };
	struct nat64_key6 h = { .bib = hash_bib6(s->t, &k), .has_bib = true };

	return nat64_bib_find6_key(s, &k, &h, out);
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

/* The hashes a new BIB entry is filed under: (proto,X',x) and the
 * subscriber's (from struct nat64_key6), (proto,T,t). */
struct bib_hashes {
	uint32_t h6, hc, h4;
};

/* Take a free slot, fill it and make it visible in both indexes.  The
 * caller has reserved the global count. */
static int bib_insert(struct nat64_shard *s, uint8_t proto,
		      const struct in6_addr *x6, uint16_t x_port, uint32_t t4,
		      uint16_t t_port, bool is_static,
		      const struct bib_hashes *bh, uint32_t *id)
{
	uint32_t i = s->bib_free;
	struct bib_slot *b;

	if (i == NIL)
		return -ENOSPC;
	b = &s->bib[i];
	s->bib_free = b->h6;
	prefetch_next(s->bib, s->bib_free, sizeof(*b));
	*b = (struct bib_slot){ .x6 = *x6, .t4 = t4, .x_port = x_port,
				.t_port = t_port, .proto = proto,
				.is_static = is_static, .h6 = bh->h6,
				.h4 = bh->h4, .sess = NIL };
	if (v4_link(s->t, s->idx * s->t->bib_cap + i) != 0) {
		b->proto = NAT64_NPROTO;
		b->h6 = s->bib_free;
		s->bib_free = i;
		return -EEXIST;
	}
	o_put(&s->b6, bh->h6, i);
	b->client = client_get(s, x6, bh->hc);
	s->cl[b->client].nbib++;
	s->cl[b->client].ndyn += !is_static;
	*id = i;
	return 0;
}

static void bib_remove(struct nat64_shard *s, uint32_t i)
{
	struct bib_slot *b = &s->bib[i];
	struct client *c = &s->cl[b->client];

	v4_unlink(s->t, s->idx * s->t->bib_cap + i);
	o_del(&s->b6, b->h6, i, &s->bib[0].h6, sizeof(s->bib[0]));
	c->nbib--;
	c->ndyn -= !b->is_static;
	client_put(s, b->client);
	b->proto = NAT64_NPROTO;
	b->h6 = s->bib_free;
	s->bib_free = i;
	unreserve(&s->t->nbib);
}

int nat64_bib_add_static(struct nat64_shard *s, uint8_t proto,
			 const struct in6_addr *x6, uint16_t x_port,
			 uint32_t t4, uint16_t t_port, uint32_t *id)
{
	uint64_t hc = hash_client(s->t, x6);
	struct bib_hashes bh;
	int rc;

	if (proto >= NAT64_NPROTO || shard_of(s->t, hc) != s->idx)
		return -EINVAL;
	bh = (struct bib_hashes){
		.h6 = hash6(s->t, proto, x6, x_port, NULL, 0),
		.hc = (uint32_t)hc, .h4 = hash_v4(s->t, proto, t4, t_port) };
	if (bib_search6(s, proto, x6, x_port, bh.h6) != NIL)
		return -EEXIST;
	if (!reserve(&s->t->nbib, s->t->c.max_bib))
		return -ENOSPC;
	rc = bib_insert(s, proto, x6, x_port, t4, t_port, true, &bh, id);
	if (rc)
		unreserve(&s->t->nbib);
	return rc;
}

/* ---- sessions ------------------------------------------------------ */

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
			     const struct nat64_tuple *k, uint32_t h)
{
	const struct otab *o = &s->s6;

	for (uint32_t p = h & o->mask;; p = (p + 1) & o->mask) {
		uint32_t v = o->slot[p];
		if (v == 0)
			return NIL;
		if (o_tag(o, v, h) && match6(s, o_idx(o, v), k))
			return o_idx(o, v);
	}
}

static uint32_t sess_search4(const struct nat64_shard *s,
			     const struct nat64_tuple *k, uint32_t h)
{
	const struct otab *o = &s->s4;

	for (uint32_t p = h & o->mask;; p = (p + 1) & o->mask) {
		uint32_t v = o->slot[p];
		if (v == 0)
			return NIL;
		if (o_tag(o, v, h) && match4(s, o_idx(o, v), k))
			return o_idx(o, v);
	}
}

int nat64_session_find6_key(struct nat64_shard *s,
			    const struct nat64_tuple *k,
			    const struct nat64_key6 *h,
			    struct nat64_session *out)
{
	uint32_t i = sess_search6(s, k, h->sess);

	if (i == NIL)
		return -ENOENT;
	sess_view(s, i, out);
	return 0;
}

int nat64_session_find6(struct nat64_shard *s, const struct nat64_tuple *k,
			struct nat64_session *out)
{
	struct nat64_key6 h = { .sess = hash_sess6(s->t, k) };

	return nat64_session_find6_key(s, k, &h, out);
}

int nat64_session_find4(struct nat64_shard *s, const struct nat64_tuple *k,
			struct nat64_session *out)
{
	uint32_t i = sess_search4(s, k, hash_s4(s->t, k));

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

static void sess_link(struct nat64_shard *s, uint32_t id)
{
	struct sess_slot *e = &s->sess[id];
	struct bib_slot *b = &s->bib[e->bib];

	o_put(&s->s6, e->h6, id);
	o_put(&s->s4, e->h4, id);
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

	o_del(&s->s6, e->h6, id, &s->sess[0].h6, sizeof(s->sess[0]));
	o_del(&s->s4, e->h4, id, &s->sess[0].h4, sizeof(s->sess[0]));
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
	s->sess[id].h6 = s->sess_free;
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
			const struct nat64_tuple *k, uint32_t hc, bool new_bib)
{
	const struct nat64_table_config *c = &s->t->c;
	uint32_t i = client_find(s, &k->x6, hc);
	uint32_t ns = i == NIL ? 0 : s->cl[i].nsess;
	uint32_t nd = i == NIL ? 0 : s->cl[i].ndyn;

	if (c->client_max_sessions && ns >= c->client_max_sessions)
		return -EDQUOT;
	if (new_bib && c->client_max_bib && nd >= c->client_max_bib)
		return -EDQUOT;
	return 0;
}

/* Find k's BIB entry and check it agrees with k: its index, NIL when none,
 * or a negative errno cast by the caller.  hb: k's BIB hash, hs4: its
 * IPv4-side hash. */
static int session_bib(const struct nat64_shard *s,
		       const struct nat64_tuple *k, const struct nat64_key6 *h,
		       uint32_t hb, uint32_t hs4, uint32_t *bi)
{
	if (k->proto >= NAT64_NPROTO || shard_of(s->t, h->client) != s->idx)
		return -EINVAL;
	*bi = bib_search6(s, k->proto, &k->x6, k->x_port, hb);
	if (*bi == NIL)
		return 0;
	if (s->bib[*bi].t4 != k->t4 || s->bib[*bi].t_port != k->t_port)
		return -EINVAL;
	/* Under the §3.5.4 algorithm Y' follows from Z, so a clash on the
	 * IPv4 side alone means a caller bug; refuse it all the same, as
	 * find4 could not tell the two apart. */
	if (sess_search6(s, k, h->sess) != NIL ||
	    sess_search4(s, k, hs4) != NIL)
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
			   const struct nat64_tuple *k,
			   const struct bib_hashes *bh, uint32_t *bi)
{
	int rc = bib_insert(s, k->proto, &k->x6, k->x_port, k->t4, k->t_port,
			    false, bh, bi);

	if (rc) {
		unreserve(&s->t->nsess);
		unreserve(&s->t->nbib);
	}
	return rc;
}

int nat64_session_add_key(struct nat64_shard *s, const struct nat64_tuple *k,
			  const struct nat64_key6 *h, uint8_t state,
			  uint8_t cls, uint64_t expires,
			  struct nat64_session *out)
{
	/* The IPv4 side is hashed here, once, and both of its slots are
	 * fetched before the checks so that the two misses overlap. */
	struct bib_hashes bh = { .h6 = key_bib(s->t, k, h),
				 .hc = (uint32_t)h->client,
				 .h4 = hash_v4(s->t, k->proto, k->t4,
					       k->t_port) };
	uint32_t hs4 = hash_s4(s->t, k), bi, id;
	int rc;

	__builtin_prefetch(&s->t->v4.slot[bh.h4 & s->t->v4.mask]);
	o_prefetch(&s->s4, hs4);
	rc = session_bib(s, k, h, bh.h6, hs4, &bi);
	if (rc == 0 && cls >= NAT64_NCLASSES)
		rc = -EINVAL;
	if (rc == 0)
		rc = client_check(s, k, bh.hc, bi == NIL);
	if (rc == 0)
		rc = session_reserve(s, bi == NIL);
	if (rc == 0 && bi == NIL)
		rc = session_new_bib(s, k, &bh, &bi);
	if (rc)
		return rc;
	id = s->sess_free;
	s->sess_free = s->sess[id].h6;
	prefetch_next(s->sess, s->sess_free, sizeof(s->sess[0]));
	s->sess[id] = (struct sess_slot){ .y6 = k->y6, .expires = expires,
					  .bib = bi, .z4 = k->z4,
					  .y_port = k->y_port,
					  .z_port = k->z_port, .state = state,
					  .cls = cls, .h6 = h->sess,
					  .h4 = hs4 };
	sess_link(s, id);
	if (out)
		sess_view(s, id, out);
	return 0;
}

int nat64_session_add(struct nat64_shard *s, const struct nat64_tuple *k,
		      uint8_t state, uint8_t cls, uint64_t expires,
		      struct nat64_session *out)
{
	struct nat64_key6 h;

	nat64_key6(s->t, k, &h);
	nat64_key6_bib(s->t, k, &h);
	return nat64_session_add_key(s, k, &h, state, cls, expires, out);
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
