/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The NAT64's two small bounded stores (RFC 6146 §5.3: "bounded fragment
 * and stored-SYN memory"):
 *  - held IPv4 SYNs, RFC 6146 §3.5.2.2 and RFC 5382 REQ-4 (simultaneous
 *    open: an unsolicited SYN waits TCP_INCOMING_SYN before it is answered);
 *  - fragments, RFC 6146 §3.4: the first fragment's binding, so later
 *    fragments (which carry no ports) follow it, and a few out-of-order
 *    fragments held until their first one arrives.
 * Everything is allocated at init; each store has one lock, used only by
 * traffic that needs it (SYNs to unmapped ports, fragments).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nat64_int.h"

#define NIL UINT32_MAX

static uint32_t pow2_ge(uint32_t n)
{
	uint32_t p = 1;

	while (p < n && p < (1u << 30))
		p <<= 1;
	return p;
}

/* Not keyed: these tables are small and bounded, and a collision costs a
 * chain walk of at most max entries, never memory. */
static uint32_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (uint32_t)x;
}

/* ---- held SYNs ------------------------------------------------------ */

int syn_store_init(struct syn_store *s, uint32_t max)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	s->max = max;
	s->mask = pow2_ge(max ? max : 1) - 1;
	s->free = NIL;
	s->head = malloc((s->mask + 1) * sizeof(uint32_t));
	s->slot = max ? calloc(max, sizeof(*s->slot)) : NULL;
	if (!s->head || (max && !s->slot))
		return -ENOMEM;
	for (uint32_t i = 0; i <= s->mask; i++)
		s->head[i] = NIL;
	for (uint32_t i = max; i-- > 0;) {
		s->slot[i].next = s->free;
		s->free = i;
	}
	return 0;
}

void syn_store_fini(struct syn_store *s)
{
	free(s->head);
	free(s->slot);
	pthread_mutex_destroy(&s->lock);
}

static uint32_t syn_bucket(const struct syn_store *s, uint32_t t4,
			   uint16_t t_port, uint32_t z4, uint16_t z_port)
{
	return mix(((uint64_t)t4 << 32 | z4) ^
		   ((uint64_t)t_port << 16 | z_port) * 0x9e3779b97f4a7c15ull) &
	       s->mask;
}

/* The slot index, and where the link to it is, or NIL. */
static uint32_t syn_find(struct syn_store *s, uint32_t t4, uint16_t t_port,
			 uint32_t z4, uint16_t z_port, uint32_t **link)
{
	uint32_t *l = &s->head[syn_bucket(s, t4, t_port, z4, z_port)];

	for (; *l != NIL; l = &s->slot[*l].next) {
		const struct syn_slot *e = &s->slot[*l];
		if (e->t4 == t4 && e->z4 == z4 && e->t_port == t_port &&
		    e->z_port == z_port)
			break;
	}
	*link = l;
	return *l;
}

int syn_store_put(struct syn_store *s, uint32_t t4, uint16_t t_port,
		  uint32_t z4, uint16_t z_port, const uint8_t *pkt, size_t len,
		  uint64_t expires)
{
	uint32_t *link;
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	if (syn_find(s, t4, t_port, z4, z_port, &link) != NIL) {
		rc = -EEXIST; /* a retransmission: the first copy keeps time */
	} else if (s->free == NIL) {
		rc = -ENOSPC;
	} else {
		uint32_t i = s->free;
		struct syn_slot *e = &s->slot[i];
		s->free = e->next;
		e->t4 = t4;
		e->z4 = z4;
		e->t_port = t_port;
		e->z_port = z_port;
		e->expires = expires;
		e->len = (uint16_t)(len < NAT64_SYN_LEN ? len : NAT64_SYN_LEN);
		memcpy(e->pkt, pkt, e->len);
		e->used = true;
		e->next = NIL;
		*link = i;
		__atomic_fetch_add(&s->nused, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static void syn_unlink(struct syn_store *s, uint32_t *link)
{
	uint32_t i = *link;

	*link = s->slot[i].next;
	s->slot[i].used = false;
	s->slot[i].next = s->free;
	s->free = i;
	__atomic_fetch_sub(&s->nused, 1, __ATOMIC_RELAXED);
}

bool syn_store_drop(struct syn_store *s, uint32_t t4, uint16_t t_port,
		    uint32_t z4, uint16_t z_port)
{
	uint32_t *link;
	bool found = false;

	/* Read without the lock first: the store is nearly always empty and
	 * this runs for every new outbound TCP connection. */
	if (__atomic_load_n(&s->nused, __ATOMIC_RELAXED) == 0)
		return false;
	pthread_mutex_lock(&s->lock);
	if (syn_find(s, t4, t_port, z4, z_port, &link) != NIL) {
		syn_unlink(s, link);
		found = true;
	}
	pthread_mutex_unlock(&s->lock);
	return found;
}

size_t syn_store_expire(struct syn_store *s, uint64_t now, uint8_t *buf)
{
	size_t len = 0;

	if (__atomic_load_n(&s->nused, __ATOMIC_RELAXED) == 0)
		return 0;
	pthread_mutex_lock(&s->lock);
	for (uint32_t i = 0; i < s->max && !len; i++) {
		struct syn_slot *e = &s->slot[i];
		uint32_t *link;
		if (!e->used || e->expires > now)
			continue;
		len = e->len;
		memcpy(buf, e->pkt, len);
		syn_find(s, e->t4, e->t_port, e->z4, e->z_port, &link);
		syn_unlink(s, link);
	}
	pthread_mutex_unlock(&s->lock);
	return len;
}

/* ---- fragments ------------------------------------------------------ */

int frag_init(struct frag_table *f, uint32_t max, uint32_t hold_max)
{
	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->lock, NULL);
	f->max = max;
	f->mask = pow2_ge(max ? max : 1) - 1;
	f->free = NIL;
	f->hold_max = hold_max;
	f->head = malloc((f->mask + 1) * sizeof(uint32_t));
	f->st = max ? calloc(max, sizeof(*f->st)) : NULL;
	f->hold = hold_max ? calloc(hold_max, sizeof(*f->hold)) : NULL;
	if (!f->head || (max && !f->st) || (hold_max && !f->hold))
		return -ENOMEM;
	for (uint32_t i = 0; i <= f->mask; i++)
		f->head[i] = NIL;
	for (uint32_t i = max; i-- > 0;) {
		f->st[i].next = f->free;
		f->free = i;
	}
	return 0;
}

void frag_fini(struct frag_table *f)
{
	free(f->head);
	free(f->st);
	free(f->hold);
	pthread_mutex_destroy(&f->lock);
}

static bool key_eq(const struct frag_key *a, const struct frag_key *b)
{
	return a->fam == b->fam && a->proto == b->proto && a->id == b->id &&
	       memcmp(&a->src, &b->src, 16) == 0 &&
	       memcmp(&a->dst, &b->dst, 16) == 0;
}

static uint32_t frag_bucket(const struct frag_table *f,
			    const struct frag_key *k)
{
	uint64_t x = (uint64_t)k->id << 16 | (uint64_t)k->proto << 8 | k->fam;

	for (unsigned i = 0; i < 16; i += 8) {
		uint64_t a, b;
		memcpy(&a, k->src.s6_addr + i, 8);
		memcpy(&b, k->dst.s6_addr + i, 8);
		x = mix(x ^ a) ^ ((uint64_t)mix(b) << 32);
	}
	return mix(x) & f->mask;
}

static uint32_t *frag_link(struct frag_table *f, const struct frag_key *k)
{
	uint32_t *l = &f->head[frag_bucket(f, k)];

	while (*l != NIL && !key_eq(&f->st[*l].k, k))
		l = &f->st[*l].next;
	return l;
}

static void frag_unlink(struct frag_table *f, uint32_t *link)
{
	uint32_t i = *link;

	*link = f->st[i].next;
	f->st[i].used = false;
	f->st[i].next = f->free;
	f->free = i;
	__atomic_fetch_sub(&f->nused, 1, __ATOMIC_RELAXED);
}

int frag_record(struct frag_table *f, const struct frag_key *k,
		const struct xlat_nat *nat, uint64_t expires)
{
	int rc = 0;

	pthread_mutex_lock(&f->lock);
	uint32_t *l = frag_link(f, k);
	if (*l == NIL && f->free == NIL) {
		rc = -ENOSPC;
	} else {
		if (*l == NIL) {
			*l = f->free;
			f->free = f->st[*l].next;
			f->st[*l].next = NIL;
			__atomic_fetch_add(&f->nused, 1, __ATOMIC_RELAXED);
		}
		struct frag_state *e = &f->st[*l];
		e->k = *k;
		e->nat = *nat;
		e->expires = expires;
		e->used = true;
	}
	pthread_mutex_unlock(&f->lock);
	return rc;
}

bool frag_lookup(struct frag_table *f, const struct frag_key *k,
		 uint64_t now, struct xlat_nat *nat)
{
	bool found = false;

	pthread_mutex_lock(&f->lock);
	uint32_t *l = frag_link(f, k);
	if (*l != NIL && f->st[*l].expires > now) {
		*nat = f->st[*l].nat;
		found = true;
	}
	pthread_mutex_unlock(&f->lock);
	return found;
}

int frag_hold(struct frag_table *f, const struct frag_key *k,
	      const uint8_t *pkt, size_t len, uint64_t expires)
{
	int rc = -ENOSPC;

	if (len > NAT64_FRAG_HOLD_LEN)
		return -EMSGSIZE;
	pthread_mutex_lock(&f->lock);
	for (uint32_t i = 0; i < f->hold_max; i++) {
		struct frag_hold *h = &f->hold[i];
		if (h->used)
			continue;
		h->k = *k;
		h->expires = expires;
		h->len = (uint16_t)len;
		memcpy(h->pkt, pkt, len);
		h->used = true;
		__atomic_fetch_add(&f->nheld, 1, __ATOMIC_RELAXED);
		rc = 0;
		break;
	}
	pthread_mutex_unlock(&f->lock);
	return rc;
}

size_t frag_unhold(struct frag_table *f, const struct frag_key *k,
		   uint8_t *buf)
{
	size_t len = 0;

	if (__atomic_load_n(&f->nheld, __ATOMIC_RELAXED) == 0)
		return 0;
	pthread_mutex_lock(&f->lock);
	for (uint32_t i = 0; i < f->hold_max && !len; i++) {
		struct frag_hold *h = &f->hold[i];
		if (!h->used || !key_eq(&h->k, k))
			continue;
		len = h->len;
		memcpy(buf, h->pkt, len);
		h->used = false;
		__atomic_fetch_sub(&f->nheld, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&f->lock);
	return len;
}

unsigned frag_expire(struct frag_table *f, uint64_t now)
{
	unsigned dropped = 0;

	pthread_mutex_lock(&f->lock);
	for (uint32_t b = 0; b <= f->mask; b++) {
		uint32_t *l = &f->head[b];
		while (*l != NIL) {
			if (f->st[*l].expires <= now)
				frag_unlink(f, l);
			else
				l = &f->st[*l].next;
		}
	}
	for (uint32_t i = 0; i < f->hold_max; i++) {
		struct frag_hold *h = &f->hold[i];
		if (h->used && h->expires <= now) {
			h->used = false;
			__atomic_fetch_sub(&f->nheld, 1, __ATOMIC_RELAXED);
			dropped++;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return dropped;
}
