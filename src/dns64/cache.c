/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Answer cache for the DNS64 server: bounded, LRU, no clock reads.  A hit
 * is a memcpy of the stored reply plus patches (ID, RD, qname case, TTLs
 * reduced by the time spent in the cache, RFC 1035 §7.4 / RFC 2308 §5), so
 * that a warm answer never touches the resolver.  The key parser reads
 * only the header and the question (RFC 1035 §4.1.1, §4.1.2) and at most
 * one OPT record (RFC 6891 §6.1.2), through bounded reads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/siphash.h"
#include "dns64/dns64_int.h"

#define NIL UINT32_MAX
#define HDR 12
#define CACHE_TTL_MAX 86400u  /* expiry bound whatever the TTLs say */

struct entry {
	uint64_t hash;
	uint8_t lname[DNS64_CACHE_NAME_MAX]; /* lower case */
	uint16_t name_len, qtype, qclass;
	uint8_t bits;
	bool used;
	uint8_t *reply;
	uint16_t len;
	uint16_t *ttl_off;
	unsigned nttl;
	uint64_t stored, expires;
	uint32_t next;            /* bucket chain */
	uint32_t lru_prev, lru_next;
};

struct dns64_cache {
	uint8_t seed[SIPHASH_KEY_LEN];
	struct entry *e;
	uint32_t max, count;
	uint32_t *bucket;
	uint32_t mask;
	uint32_t lru_head, lru_tail; /* head: most recent */
	uint32_t free_head;          /* free entries chained through next */
};

struct dns64_cache *dns64_cache_new(unsigned max_entries,
				    const uint8_t seed[16])
{
	struct dns64_cache *c;
	uint32_t nb = 1;

	if (max_entries == 0 || max_entries > (1u << 28))
		return NULL;
	while (nb < 2u * max_entries)
		nb <<= 1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->e = calloc(max_entries, sizeof(*c->e));
	c->bucket = malloc(nb * sizeof(*c->bucket));
	if (!c->e || !c->bucket) {
		dns64_cache_free(c);
		return NULL;
	}
	memcpy(c->seed, seed, SIPHASH_KEY_LEN);
	c->max = max_entries;
	c->mask = nb - 1;
	for (uint32_t i = 0; i < nb; i++)
		c->bucket[i] = NIL;
	for (uint32_t i = 0; i < max_entries; i++)
		c->e[i].next = i + 1 < max_entries ? i + 1 : NIL;
	c->free_head = 0;
	c->lru_head = c->lru_tail = NIL;
	return c;
}

void dns64_cache_free(struct dns64_cache *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; c->e && i < c->max; i++)
		free(c->e[i].reply);  /* ttl_off lives in the same block */
	free(c->e);
	free(c->bucket);
	free(c);
}

unsigned dns64_cache_count(const struct dns64_cache *c)
{
	return c->count;
}

static void remove_entry(struct dns64_cache *c, uint32_t i);

void dns64_cache_flush(struct dns64_cache *c)
{
	while (c->lru_tail != NIL)
		remove_entry(c, c->lru_tail);
}

/* ------------------------------------------------------------------ */
/* Keys */

static void lower(uint8_t *dst, const uint8_t *src, size_t n)
{
	/* Label lengths are at most 63, below 'A', so the whole wire name
	 * can be folded byte by byte. */
	for (size_t i = 0; i < n; i++)
		dst[i] = src[i] >= 'A' && src[i] <= 'Z' ? src[i] | 0x20 : src[i];
}

static void key_hash(const struct dns64_cache *c, struct dns64_cache_key *k)
{
	uint8_t buf[DNS64_CACHE_NAME_MAX + 5];

	lower(buf, k->name, k->name_len);
	buf[k->name_len] = (uint8_t)(k->qtype >> 8);
	buf[k->name_len + 1] = (uint8_t)k->qtype;
	buf[k->name_len + 2] = (uint8_t)(k->qclass >> 8);
	buf[k->name_len + 3] = (uint8_t)k->qclass;
	buf[k->name_len + 4] = k->bits;
	k->hash = siphash24(c->seed, buf, k->name_len + 5u);
}

/* A bounded reader over the query bytes. */
struct rd {
	const uint8_t *p;
	size_t len, at;
	bool err;
};

static uint8_t rd_u8(struct rd *r)
{
	if (r->err || r->at + 1 > r->len) {
		r->err = true;
		return 0;
	}
	return r->p[r->at++];
}

static uint16_t rd_u16(struct rd *r)
{
	uint16_t hi = rd_u8(r);

	return (uint16_t)(hi << 8 | rd_u8(r));
}

static void rd_skip(struct rd *r, size_t n)
{
	if (r->err || n > r->len - r->at)
		r->err = true;
	else
		r->at += n;
}

/* Uncompressed qname (RFC 1035 §3.1, at most 255 bytes). */
static void rd_name(struct rd *r, struct dns64_cache_key *k)
{
	size_t start = r->at;

	for (;;) {
		uint8_t l = rd_u8(r);

		if (r->err || l > 63) {
			r->err = true; /* compression or extended labels */
			return;
		}
		if (l == 0)
			break;
		rd_skip(r, l);
		if (r->at - start > DNS64_CACHE_NAME_MAX) {
			r->err = true;
			return;
		}
	}
	if (r->err || r->at - start > DNS64_CACHE_NAME_MAX) {
		r->err = true;
		return;
	}
	k->name_len = (uint16_t)(r->at - start);
	memcpy(k->name, r->p + start, k->name_len);
}

/* RFC 6891 §6.1.2: root owner, TYPE 41, CLASS = UDP size, TTL = extended
 * rcode, version, flags (DO = 0x8000), RDATA skipped. */
static void rd_opt(struct rd *r, struct dns64_cache_key *k)
{
	uint16_t udp, flags;
	uint8_t version;

	if (rd_u8(r) != 0 || rd_u16(r) != LDNS_RR_TYPE_OPT)
		r->err = true;
	udp = rd_u16(r);
	(void)rd_u8(r); /* extended rcode: 0 in queries */
	version = rd_u8(r);
	flags = rd_u16(r);
	rd_skip(r, rd_u16(r));
	if (version != 0)
		r->err = true;
	k->bits |= DNS64_KEY_EDNS | (flags & 0x8000 ? DNS64_KEY_DO : 0);
	k->max_reply = udp < 512 ? 512 : udp;
}

int dns64_cache_key_wire(const struct dns64_cache *c, const uint8_t *wire,
			 size_t len, bool synth_allowed,
			 struct dns64_cache_key *k)
{
	struct rd r = { .p = wire, .len = len };
	uint8_t f1, f2;
	uint16_t qd, an, ns, ar;

	memset(k, 0, sizeof(*k));
	k->id = rd_u16(&r);
	f1 = rd_u8(&r);
	f2 = rd_u8(&r);
	qd = rd_u16(&r);
	an = rd_u16(&r);
	ns = rd_u16(&r);
	ar = rd_u16(&r);
	/* QR, opcode other than QUERY, TC */
	if (r.err || (f1 & 0x80) || (f1 & 0x78) || (f1 & 0x02) || qd != 1 ||
	    an != 0 || ns != 0 || ar > 1)
		return -EINVAL;
	k->rd = f1 & 0x01;
	k->bits = (f2 & 0x10 ? DNS64_KEY_CD : 0) |
		  (synth_allowed ? DNS64_KEY_SYNTH : 0);
	k->max_reply = 512;
	rd_name(&r, k);
	k->qtype = rd_u16(&r);
	k->qclass = rd_u16(&r);
	if (ar == 1)
		rd_opt(&r, k);
	if (r.err || r.at != len)
		return -EINVAL;
	key_hash(c, k);
	return 0;
}

int dns64_cache_key_pkt(const struct dns64_cache *c, const ldns_pkt *q,
			bool synth_allowed, struct dns64_cache_key *k)
{
	const ldns_rr *rr;
	const ldns_rdf *name;
	size_t udp;

	memset(k, 0, sizeof(*k));
	if (ldns_pkt_qr(q) || ldns_pkt_get_opcode(q) != LDNS_PACKET_QUERY ||
	    ldns_pkt_tc(q) || ldns_rr_list_rr_count(ldns_pkt_question(q)) != 1 ||
	    ldns_rr_list_rr_count(ldns_pkt_answer(q)) != 0 ||
	    ldns_rr_list_rr_count(ldns_pkt_authority(q)) != 0 ||
	    ldns_rr_list_rr_count(ldns_pkt_additional(q)) != 0 ||
	    (ldns_pkt_edns(q) && ldns_pkt_edns_version(q) != 0))
		return -EINVAL;
	rr = ldns_rr_list_rr(ldns_pkt_question(q), 0);
	name = ldns_rr_owner(rr);
	if (!name || ldns_rdf_size(name) > DNS64_CACHE_NAME_MAX)
		return -EINVAL;
	k->name_len = (uint16_t)ldns_rdf_size(name);
	memcpy(k->name, ldns_rdf_data(name), k->name_len);
	k->qtype = ldns_rr_get_type(rr);
	k->qclass = ldns_rr_get_class(rr);
	k->id = ldns_pkt_id(q);
	k->rd = ldns_pkt_rd(q);
	k->bits = (ldns_pkt_cd(q) ? DNS64_KEY_CD : 0) |
		  (synth_allowed ? DNS64_KEY_SYNTH : 0) |
		  (ldns_pkt_edns(q) ? DNS64_KEY_EDNS : 0) |
		  (ldns_pkt_edns_do(q) ? DNS64_KEY_DO : 0);
	udp = dns64_query_udp_max(q);
	k->max_reply = (uint16_t)(udp > 65535 ? 65535 : udp);
	key_hash(c, k);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Table */

static bool key_eq(const struct entry *e, const struct dns64_cache_key *k)
{
	uint8_t l[DNS64_CACHE_NAME_MAX];

	if (e->hash != k->hash || e->qtype != k->qtype ||
	    e->qclass != k->qclass || e->bits != k->bits ||
	    e->name_len != k->name_len)
		return false;
	lower(l, k->name, k->name_len);
	return memcmp(l, e->lname, k->name_len) == 0;
}

static uint32_t find(const struct dns64_cache *c,
		     const struct dns64_cache_key *k)
{
	uint32_t i = c->bucket[k->hash & c->mask];

	while (i != NIL && !key_eq(&c->e[i], k))
		i = c->e[i].next;
	return i;
}

static void lru_unlink(struct dns64_cache *c, uint32_t i)
{
	struct entry *e = &c->e[i];

	if (e->lru_prev != NIL)
		c->e[e->lru_prev].lru_next = e->lru_next;
	else
		c->lru_head = e->lru_next;
	if (e->lru_next != NIL)
		c->e[e->lru_next].lru_prev = e->lru_prev;
	else
		c->lru_tail = e->lru_prev;
}

static void lru_push(struct dns64_cache *c, uint32_t i)
{
	struct entry *e = &c->e[i];

	e->lru_prev = NIL;
	e->lru_next = c->lru_head;
	if (c->lru_head != NIL)
		c->e[c->lru_head].lru_prev = i;
	c->lru_head = i;
	if (c->lru_tail == NIL)
		c->lru_tail = i;
}

static void remove_entry(struct dns64_cache *c, uint32_t i)
{
	struct entry *e = &c->e[i];
	uint32_t *pp = &c->bucket[e->hash & c->mask];

	while (*pp != i)
		pp = &c->e[*pp].next;
	*pp = e->next;
	lru_unlink(c, i);
	free(e->reply);  /* ttl_off lives in the same block */
	memset(e, 0, sizeof(*e));
	e->next = c->free_head;
	c->free_head = i;
	c->count--;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

int dns64_cache_lookup(struct dns64_cache *c, const struct dns64_cache_key *k,
		       uint64_t now, uint8_t *out, size_t outcap,
		       size_t *outlen)
{
	uint32_t i = find(c, k);
	struct entry *e;
	uint64_t age;

	if (i == NIL)
		return -ENOENT;
	e = &c->e[i];
	if (now >= e->expires || now < e->stored) {
		remove_entry(c, i);
		return -ENOENT;
	}
	if (e->len > k->max_reply)
		return -EMSGSIZE;
	if (e->len > outcap)
		return -ENOBUFS;
	memcpy(out, e->reply, e->len);
	out[0] = (uint8_t)(k->id >> 8);
	out[1] = (uint8_t)k->id;
	out[2] = (uint8_t)((out[2] & ~0x01) | (k->rd ? 0x01 : 0));
	memcpy(out + HDR, k->name, k->name_len);
	age = now - e->stored;
	for (unsigned j = 0; j < e->nttl; j++) {
		uint32_t t = get32(out + e->ttl_off[j]);

		put32(out + e->ttl_off[j], t > age ? (uint32_t)(t - age) : 0);
	}
	lru_unlink(c, i);
	lru_push(c, i);
	*outlen = e->len;
	return 0;
}

/* The stored reply must carry k's question at offset 12, since hits patch
 * the client's qname there. */
static bool reply_matches(const struct dns64_cache_key *k,
			  const struct dns64_wire *w)
{
	uint8_t a[DNS64_CACHE_NAME_MAX], b[DNS64_CACHE_NAME_MAX];

	if (w->len < HDR + (size_t)k->name_len + 4 || w->len > 65535 ||
	    w->buf[4] != 0 || w->buf[5] != 1)
		return false;
	lower(a, k->name, k->name_len);
	lower(b, w->buf + HDR, k->name_len);
	for (unsigned j = 0; j < w->nttl; j++)
		if ((size_t)w->ttl_off[j] + 4 > w->len)
			return false;
	return memcmp(a, b, k->name_len) == 0;
}

static uint32_t take_slot(struct dns64_cache *c)
{
	uint32_t i;

	if (c->free_head == NIL)
		remove_entry(c, c->lru_tail);
	i = c->free_head;
	c->free_head = c->e[i].next;
	return i;
}

int dns64_cache_store(struct dns64_cache *c, const struct dns64_cache_key *k,
		      const struct dns64_wire *w, uint64_t now)
{
	/* One block: the reply, then (aligned) its TTL offsets. */
	size_t at = (w->len + 1) & ~(size_t)1;
	uint8_t *buf;
	uint16_t *off;
	struct entry *e;
	uint32_t i;

	if (w->truncated || w->min_ttl == 0 || w->nttl == 0)
		return 0;
	if (!reply_matches(k, w))
		return -EINVAL;
	buf = malloc(at + w->nttl * sizeof(*off));
	if (!buf)
		return -ENOMEM;
	off = (uint16_t *)(void *)(buf + at);
	memcpy(buf, w->buf, w->len);
	memcpy(off, w->ttl_off, w->nttl * sizeof(*off));
	if ((i = find(c, k)) != NIL)
		remove_entry(c, i);
	i = take_slot(c);
	e = &c->e[i];
	e->hash = k->hash;
	lower(e->lname, k->name, k->name_len);
	e->name_len = k->name_len;
	e->qtype = k->qtype;
	e->qclass = k->qclass;
	e->bits = k->bits;
	e->used = true;
	e->reply = buf;
	e->len = (uint16_t)w->len;
	e->ttl_off = off;
	e->nttl = w->nttl;
	e->stored = now;
	e->expires = now + (w->min_ttl < CACHE_TTL_MAX ? w->min_ttl : CACHE_TTL_MAX);
	e->next = c->bucket[k->hash & c->mask];
	c->bucket[k->hash & c->mask] = i;
	lru_push(c, i);
	c->count++;
	return 0;
}
