/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pool4 port allocation: RFC 6146 §3.5.1.1, §3.5.2.3, §3.5.3; RFC 6056
 * §3.3.3; RFC 4787 §12 REQ-2/3/4; RFC 6888 §3 REQ-2/3/4/11; RFC 7857 §4,
 * §8, §9.
 *
 * Each (address, protocol) served has two bitmaps of 65536 bits: the ports
 * configured and the ports in use, so a free port is conf & ~used and a
 * search costs at most 1024 word operations however full the pool is.
 *
 * Port choice follows RFC 6056 algorithm 3 with its counter replaced by
 * linear probing: the start is a SipHash of the flow (protocol, IPv6 source
 * address and port) under the caller's secret, so ports cannot be guessed
 * from outside (RFC 6888 REQ-15, RFC 7857 §9) while one flow finds the same
 * start again.  Probing keeps parity by masking, not by stepping.
 *
 * Subscribers (IPv6 source prefixes, RFC 6888 REQ-4) live in an open-
 * addressing table sized at creation.  A subscriber exists while it holds a
 * port; its record carries the paired address (RFC 6888 REQ-2, which pairs
 * per subscriber and so also per IPv6 address as RFC 6146 asks) and its port
 * counts for the quota.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "addr.h"
#include "pool4.h"

#define WORDS (65536 / 64)
#define NO_ADDR UINT32_MAX

struct slot {            /* one (address, protocol) */
	uint64_t *conf;  /* NULL when the address does not serve it */
	uint64_t *used;
	uint32_t nconf, nused;
};

struct paddr {
	uint32_t addr;
	struct slot s[POOL4_NPROTO];
};

struct sub {
	struct in6_addr prefix;
	uint32_t addr_idx; /* paired address, index into addrs */
	uint32_t used[POOL4_NPROTO];
	bool live;
};

struct pool4 {
	struct paddr *addrs; /* ascending by address */
	size_t naddrs;
	struct sub *subs;
	uint32_t sub_mask, nsubs;
	struct pool4_config cfg;
};

void pool4_config_default(struct pool4_config *c)
{
	memset(c, 0, sizeof(*c));
	c->subscriber_len = 64;
	c->udp_parity = true;
	c->max_subscribers = 65536;
}

/* Bits */

static bool bit_get(const uint64_t *b, unsigned i)
{
	return b[i / 64] >> (i % 64) & 1;
}

static void bit_set(uint64_t *b, unsigned i)
{
	b[i / 64] |= (uint64_t)1 << (i % 64);
}

static void bit_clear(uint64_t *b, unsigned i)
{
	b[i / 64] &= ~((uint64_t)1 << (i % 64));
}

/* First free port in [from, to] whose bit is also in pmask, or -1. */
static int slot_find(const struct slot *s, unsigned from, unsigned to,
		     uint64_t pmask)
{
	for (unsigned w = from / 64; w <= to / 64; w++) {
		uint64_t m = s->conf[w] & ~s->used[w] & pmask;

		if (w == from / 64)
			m &= ~(uint64_t)0 << (from % 64);
		if (w == to / 64 && to % 64 != 63)
			m &= ((uint64_t)1 << (to % 64 + 1)) - 1;
		if (m)
			return (int)(w * 64 + (unsigned)__builtin_ctzll(m));
	}
	return -1;
}

/* Build */

static int slot_init(struct slot *s)
{
	s->conf = calloc(WORDS, sizeof(uint64_t));
	s->used = calloc(WORDS, sizeof(uint64_t));
	return s->conf && s->used ? 0 : -ENOMEM;
}

static void slot_fini(struct slot *s)
{
	free(s->conf);
	free(s->used);
}

static int check_range(const struct pool4_range *r)
{
	if (r->proto >= POOL4_NPROTO || r->lo > r->hi)
		return -EINVAL;
	/* Port 0 is not a port for TCP or UDP; ICMP id 0 is fine. */
	if (r->proto != POOL4_ICMP && r->lo == 0)
		return -EINVAL;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static ssize_t addr_index(const struct pool4 *p, uint32_t addr)
{
	size_t lo = 0, hi = p->naddrs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->addrs[mid].addr == addr)
			return (ssize_t)mid;
		if (p->addrs[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Distinct addresses of r, ascending, into p->addrs. */
static int collect_addrs(struct pool4 *p, const struct pool4_range *r,
			 size_t n)
{
	uint32_t *a = malloc(n * sizeof(*a));

	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		a[i] = r[i].addr;
	qsort(a, n, sizeof(*a), cmp_u32);
	p->addrs = calloc(n, sizeof(*p->addrs));
	if (!p->addrs) {
		free(a);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (i == 0 || a[i] != a[i - 1])
			p->addrs[p->naddrs++].addr = a[i];
	free(a);
	return 0;
}

static int add_range(struct pool4 *p, const struct pool4_range *r)
{
	struct slot *s = &p->addrs[addr_index(p, r->addr)].s[r->proto];

	if (!s->conf && slot_init(s))
		return -ENOMEM;
	for (unsigned port = r->lo; port <= r->hi; port++)
		if (!bit_get(s->conf, port)) {
			bit_set(s->conf, port);
			s->nconf++;
		}
	return 0;
}

static int subs_init(struct pool4 *p)
{
	uint32_t size = 2;

	/* At most half full, so probes stay short. */
	while (size < 2 * (uint64_t)p->cfg.max_subscribers)
		size *= 2;
	p->subs = calloc(size, sizeof(*p->subs));
	p->sub_mask = size - 1;
	return p->subs ? 0 : -ENOMEM;
}

int pool4_new(struct pool4 **out, const struct pool4_range *r, size_t n,
	      const struct pool4_config *c)
{
	struct pool4 *p;
	int rc = -EINVAL;

	if (!n || c->subscriber_len > 128 || !c->max_subscribers ||
	    c->max_subscribers > (1u << 30))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (check_range(&r[i]))
			return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->cfg = *c;
	rc = collect_addrs(p, r, n);
	for (size_t i = 0; !rc && i < n; i++)
		rc = add_range(p, &r[i]);
	if (!rc)
		rc = subs_init(p);
	if (rc)
		goto fail;
	*out = p;
	return 0;
fail:
	pool4_free(p);
	return rc;
}

void pool4_free(struct pool4 *p)
{
	if (!p)
		return;
	for (size_t i = 0; p->addrs && i < p->naddrs; i++)
		for (int k = 0; k < POOL4_NPROTO; k++)
			slot_fini(&p->addrs[i].s[k]);
	free(p->addrs);
	free(p->subs);
	free(p);
}

/* Subscribers */

/* The keyed hash of a prefix: its low half is the home slot, its high
 * half picks the first address tried for a new subscriber. */
static uint64_t sub_hash(const struct pool4 *p, const struct in6_addr *pfx)
{
	return siphash13(p->cfg.key, pfx, sizeof(*pfx));
}

static uint32_t sub_home(const struct pool4 *p, const struct in6_addr *pfx)
{
	return (uint32_t)sub_hash(p, pfx) & p->sub_mask;
}

/* The live record of prefix pfx (hash h), or NULL. */
static struct sub *sub_find_h(const struct pool4 *p,
			      const struct in6_addr *pfx, uint64_t h)
{
	for (uint32_t i = (uint32_t)h & p->sub_mask;;
	     i = (i + 1) & p->sub_mask) {
		struct sub *s = &p->subs[i];
		if (!s->live)
			return NULL;
		if (memcmp(&s->prefix, pfx, sizeof(*pfx)) == 0)
			return s;
	}
}

static struct sub *sub_find(const struct pool4 *p, const struct in6_addr *pfx)
{
	return sub_find_h(p, pfx, sub_hash(p, pfx));
}

static struct sub *sub_insert(struct pool4 *p, const struct in6_addr *pfx,
			      uint64_t h, uint32_t addr_idx)
{
	uint32_t i = (uint32_t)h & p->sub_mask;

	while (p->subs[i].live)
		i = (i + 1) & p->sub_mask;
	p->subs[i] = (struct sub){ .prefix = *pfx, .addr_idx = addr_idx,
				   .live = true };
	p->nsubs++;
	return &p->subs[i];
}

/* Backward-shift deletion keeps every probe chain unbroken without
 * tombstones (Knuth 6.4 Algorithm R). */
static void sub_remove(struct pool4 *p, struct sub *victim)
{
	uint32_t hole = (uint32_t)(victim - p->subs);

	for (uint32_t j = (hole + 1) & p->sub_mask; p->subs[j].live;
	     j = (j + 1) & p->sub_mask) {
		uint32_t home = sub_home(p, &p->subs[j].prefix);
		/* j may fill the hole unless its home lies in (hole, j]. */
		if (((j - home) & p->sub_mask) >= ((j - hole) & p->sub_mask)) {
			p->subs[hole] = p->subs[j];
			hole = j;
		}
	}
	p->subs[hole].live = false;
	p->nsubs--;
}

/* Allocation */

struct want {
	unsigned lo, hi;       /* the port's range class */
	uint64_t pmask;        /* parity mask */
	uint64_t h;            /* keyed hash of the flow */
};

static struct want want_of(const struct pool4 *p, enum pool4_proto proto,
			   const struct in6_addr *src, uint16_t sport)
{
	struct {
		struct in6_addr a;
		uint16_t port;
		uint8_t proto;
	} __attribute__((packed)) flow = { *src, sport, (uint8_t)proto };
	struct want w = { .pmask = ~(uint64_t)0 };

	w.h = siphash13(p->cfg.key, &flow, sizeof(flow));
	if (proto == POOL4_ICMP) {
		w.lo = 0;
		w.hi = 65535;
		return w;
	}
	w.lo = sport < 1024 ? 0 : 1024;
	w.hi = sport < 1024 ? 1023 : 65535;
	if (proto == POOL4_UDP && p->cfg.udp_parity)
		w.pmask = sport & 1 ? 0xaaaaaaaaaaaaaaaaull
				    : 0x5555555555555555ull;
	return w;
}

/* Keyed start in [lo, hi], then linear probing with wrap-around. */
static int probe_class(const struct slot *s, unsigned lo, unsigned hi,
		       const struct want *w)
{
	unsigned start = lo + (unsigned)(w->h % (hi - lo + 1));
	int port = slot_find(s, start, hi, w->pmask);

	if (port < 0 && start > lo)
		port = slot_find(s, lo, start - 1, w->pmask);
	return port;
}

/* The flow's own class first; the other only when that one is full
 * (RFC 6146 §3.5.1.1 MAY).  ICMP has one class. */
static int probe_slot(const struct slot *s, const struct want *w)
{
	int port;

	if (!s->conf || s->nused == s->nconf)
		return -1;
	port = probe_class(s, w->lo, w->hi, w);
	if (port >= 0 || w->hi - w->lo == 65535)
		return port;
	if (w->lo == 0)
		return probe_class(s, 1024, 65535, w);
	return probe_class(s, 0, 1023, w);
}

static void take(struct pool4 *p, uint32_t ai, enum pool4_proto proto,
		 int port, struct pool4_taddr *out)
{
	struct slot *s = &p->addrs[ai].s[proto];

	bit_set(s->used, (unsigned)port);
	s->nused++;
	out->addr = p->addrs[ai].addr;
	out->port = (uint16_t)port;
}

/* A subscriber without a usable pairing: any address serving proto,
 * starting at one picked by keyed hash of the prefix so subscribers spread
 * over the pool.  Returns the address index or NO_ADDR. */
static uint32_t pick_any(const struct pool4 *p, enum pool4_proto proto,
			 uint64_t h, const struct want *w, int *port)
{
	uint32_t first = (uint32_t)(h >> 32) % (uint32_t)p->naddrs;

	for (size_t k = 0; k < p->naddrs; k++) {
		uint32_t ai = (uint32_t)((first + k) % p->naddrs);
		*port = probe_slot(&p->addrs[ai].s[proto], w);
		if (*port >= 0)
			return ai;
	}
	return NO_ADDR;
}

void pool4_hint(const struct pool4 *p, const struct in6_addr *src,
		struct pool4_hint *h)
{
	const struct sub *s;

	addr6_prefix(src, p->cfg.subscriber_len, &h->pfx);
	h->sub = sub_hash(p, &h->pfx);
	/* A record may straddle two lines. */
	s = &p->subs[(uint32_t)h->sub & p->sub_mask];
	__builtin_prefetch(s);
	__builtin_prefetch((const char *)(s + 1) - 1);
}

int pool4_alloc(struct pool4 *p, enum pool4_proto proto,
		const struct in6_addr *src, uint16_t sport,
		struct pool4_taddr *out)
{
	struct pool4_hint h;

	pool4_hint(p, src, &h);
	return pool4_alloc_hint(p, proto, src, sport, &h, out);
}

int pool4_alloc_hint(struct pool4 *p, enum pool4_proto proto,
		     const struct in6_addr *src, uint16_t sport,
		     const struct pool4_hint *h, struct pool4_taddr *out)
{
	const struct in6_addr *pfx = &h->pfx;
	struct sub *sub;
	struct want w;
	uint32_t ai;
	int port;

	if ((unsigned)proto >= POOL4_NPROTO)
		return -EINVAL;
	sub = sub_find_h(p, pfx, h->sub);
	if (sub && p->cfg.quota[proto] && sub->used[proto] >= p->cfg.quota[proto])
		return -EDQUOT;
	if (!sub && p->nsubs >= p->cfg.max_subscribers)
		return -ENOBUFS;
	w = want_of(p, proto, src, sport);
	if (sub && p->addrs[sub->addr_idx].s[proto].conf) {
		/* Paired, and the pairing serves proto: that address or
		 * nothing (RFC 7857 §4). */
		ai = sub->addr_idx;
		port = probe_slot(&p->addrs[ai].s[proto], &w);
		if (port < 0)
			return -ENOSPC;
	} else {
		ai = pick_any(p, proto, h->sub, &w, &port);
		if (ai == NO_ADDR)
			return -ENOSPC;
	}
	if (!sub)
		sub = sub_insert(p, pfx, h->sub, ai);
	take(p, ai, proto, port, out);
	sub->used[proto]++;
	return 0;
}

static bool sub_empty(const struct sub *s)
{
	for (int k = 0; k < POOL4_NPROTO; k++)
		if (s->used[k])
			return false;
	return true;
}

int pool4_release(struct pool4 *p, enum pool4_proto proto,
		  const struct in6_addr *src, const struct pool4_taddr *t)
{
	struct in6_addr pfx;
	struct sub *sub;
	struct slot *s;
	ssize_t ai;

	if ((unsigned)proto >= POOL4_NPROTO)
		return -EINVAL;
	ai = addr_index(p, t->addr);
	if (ai < 0)
		return -ENOENT;
	s = &p->addrs[ai].s[proto];
	if (!s->conf || !bit_get(s->used, t->port))
		return -ENOENT;
	addr6_prefix(src, p->cfg.subscriber_len, &pfx);
	sub = sub_find(p, &pfx);
	if (!sub || !sub->used[proto])
		return -ENOENT;
	bit_clear(s->used, t->port);
	s->nused--;
	sub->used[proto]--;
	if (sub_empty(sub))
		sub_remove(p, sub);
	return 0;
}

/* The configured slot of (proto, addr), or NULL. */
static struct slot *slot_of(struct pool4 *p, enum pool4_proto proto,
			    uint32_t addr)
{
	ssize_t ai;

	if ((unsigned)proto >= POOL4_NPROTO)
		return NULL;
	ai = addr_index(p, addr);
	if (ai < 0 || !p->addrs[ai].s[proto].conf)
		return NULL;
	return &p->addrs[ai].s[proto];
}

/*
 * Reserve (addr, port) outside any subscriber: static BIB entries and held
 * ports (RFC 6888 REQ-8).  Ports outside the configured ranges need no
 * reservation and are refused with -ENOENT so the caller can tell.
 */
int pool4_reserve(struct pool4 *p, enum pool4_proto proto, uint32_t addr,
		  uint16_t port)
{
	struct slot *s = slot_of(p, proto, addr);

	if ((unsigned)proto >= POOL4_NPROTO)
		return -EINVAL;
	if (!s || !bit_get(s->conf, port))
		return -ENOENT;
	if (bit_get(s->used, port))
		return -EEXIST;
	bit_set(s->used, port);
	s->nused++;
	return 0;
}

int pool4_unreserve(struct pool4 *p, enum pool4_proto proto, uint32_t addr,
		    uint16_t port)
{
	struct slot *s = slot_of(p, proto, addr);

	if ((unsigned)proto >= POOL4_NPROTO)
		return -EINVAL;
	if (!s || !bit_get(s->used, port))
		return -ENOENT;
	bit_clear(s->used, port);
	s->nused--;
	return 0;
}

/* Queries */

bool pool4_contains(const struct pool4 *p, uint32_t addr)
{
	return addr_index(p, addr) >= 0;
}

bool pool4_in_use(const struct pool4 *p, enum pool4_proto proto,
		  uint32_t addr, uint16_t port)
{
	ssize_t ai = addr_index(p, addr);

	if (ai < 0 || (unsigned)proto >= POOL4_NPROTO ||
	    !p->addrs[ai].s[proto].conf)
		return false;
	return bit_get(p->addrs[ai].s[proto].used, port);
}

uint32_t pool4_subscriber_ports(const struct pool4 *p, enum pool4_proto proto,
				const struct in6_addr *src)
{
	struct in6_addr pfx;
	const struct sub *sub;

	addr6_prefix(src, p->cfg.subscriber_len, &pfx);
	sub = sub_find(p, &pfx);

	return sub && (unsigned)proto < POOL4_NPROTO ? sub->used[proto] : 0;
}

uint32_t pool4_subscribers(const struct pool4 *p)
{
	return p->nsubs;
}

size_t pool4_naddrs(const struct pool4 *p)
{
	return p->naddrs;
}

int pool4_stat(const struct pool4 *p, size_t i, struct pool4_stat *out)
{
	if (i >= p->naddrs)
		return -ENOENT;
	out->addr = p->addrs[i].addr;
	for (int k = 0; k < POOL4_NPROTO; k++) {
		out->configured[k] = p->addrs[i].s[k].nconf;
		out->in_use[k] = p->addrs[i].s[k].nused;
	}
	return 0;
}
