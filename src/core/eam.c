/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Explicit Address Mapping Table, RFC 7757 §3.
 *
 * Rows live in one array.  Two index arrays sort the rows by (prefix length
 * descending, prefix): lookups walk the distinct lengths from longest to
 * shortest and binary-search each run, so a lookup costs
 * O(distinct lengths * log rows) and never allocates.  Changes rebuild the
 * indexes; they happen off the packet path (config load, control socket).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "eam.h"

struct eam_table {
	struct eam_entry *rows;
	size_t n, cap;
	uint32_t *idx4; /* row numbers sorted for IPv4 lookups */
	uint32_t *idx6;
};

struct eam_table *eam_new(void)
{
	return calloc(1, sizeof(struct eam_table));
}

void eam_free(struct eam_table *t)
{
	if (!t)
		return;
	free(t->rows);
	free(t->idx4);
	free(t->idx6);
	free(t);
}

size_t eam_count(const struct eam_table *t)
{
	return t ? t->n : 0;
}

const struct eam_entry *eam_get(const struct eam_table *t, size_t i)
{
	return i < t->n ? &t->rows[i] : NULL;
}

static uint32_t mask4(unsigned len)
{
	return len ? ~(uint32_t)0 << (32 - len) : 0;
}

static int cmp4(const struct eam_entry *a, const struct eam_entry *b)
{
	if (a->len4 != b->len4)
		return a->len4 > b->len4 ? -1 : 1;
	return a->v4 < b->v4 ? -1 : a->v4 > b->v4;
}

static int cmp6(const struct eam_entry *a, const struct eam_entry *b)
{
	if (a->len6 != b->len6)
		return a->len6 > b->len6 ? -1 : 1;
	return memcmp(a->v6.s6_addr, b->v6.s6_addr, 16);
}

/* Insertion sort of an index: tables change rarely and stay modest. */
static void sort_idx(const struct eam_table *t, uint32_t *idx,
		     int (*cmp)(const struct eam_entry *, const struct eam_entry *))
{
	for (size_t i = 0; i < t->n; i++)
		idx[i] = (uint32_t)i;
	for (size_t i = 1; i < t->n; i++) {
		uint32_t v = idx[i];
		size_t j = i;
		while (j > 0 && cmp(&t->rows[idx[j - 1]], &t->rows[v]) > 0) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = v;
	}
}

static int reindex(struct eam_table *t)
{
	size_t sz = (t->n ? t->n : 1) * sizeof(uint32_t);
	uint32_t *i4 = realloc(t->idx4, sz);
	if (!i4)
		return -ENOMEM;
	t->idx4 = i4;
	uint32_t *i6 = realloc(t->idx6, sz);
	if (!i6)
		return -ENOMEM;
	t->idx6 = i6;
	sort_idx(t, t->idx4, cmp4);
	sort_idx(t, t->idx6, cmp6);
	return 0;
}

static bool overlaps(const struct eam_entry *a, const struct eam_entry *b)
{
	unsigned l4 = a->len4 < b->len4 ? a->len4 : b->len4;
	unsigned l6 = a->len6 < b->len6 ? a->len6 : b->len6;

	return addr4_match(a->v4, b->v4, l4) || addr6_match(&a->v6, &b->v6, l6);
}

static int validate(const struct eam_entry *e)
{
	struct in6_addr m = e->v6;

	if (e->len4 > 32 || e->len6 > 128)
		return -EINVAL;
	/* §3.2: the IPv4 suffix must fit in the IPv6 suffix. */
	if (32 - e->len4 > 128 - e->len6)
		return -EINVAL;
	if ((e->v4 & ~mask4(e->len4)) != 0)
		return -EINVAL;
	addr6_prefix(&m, e->len6, &m);
	if (memcmp(&m, &e->v6, sizeof(m)) != 0)
		return -EINVAL;
	return 0;
}

int eam_add(struct eam_table *t, const struct eam_entry *e, bool *overlap)
{
	int rc = validate(e);

	if (rc)
		return rc;
	*overlap = false;
	for (size_t i = 0; i < t->n; i++) {
		const struct eam_entry *r = &t->rows[i];
		if ((r->len4 == e->len4 && r->v4 == e->v4) ||
		    (r->len6 == e->len6 &&
		     memcmp(&r->v6, &e->v6, sizeof(r->v6)) == 0))
			return -EEXIST;
		if (overlaps(r, e))
			*overlap = true;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		struct eam_entry *rows = realloc(t->rows, cap * sizeof(*rows));
		if (!rows)
			return -ENOMEM;
		t->rows = rows;
		t->cap = cap;
	}
	t->rows[t->n++] = *e;
	rc = reindex(t);
	if (rc)
		t->n--;
	return rc;
}

static int remove_row(struct eam_table *t, size_t i)
{
	memmove(&t->rows[i], &t->rows[i + 1], (t->n - i - 1) * sizeof(*t->rows));
	t->n--;
	return reindex(t);
}

int eam_del4(struct eam_table *t, uint32_t v4, unsigned len4)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].len4 == len4 && t->rows[i].v4 == v4)
			return remove_row(t, i);
	return -ENOENT;
}

int eam_del6(struct eam_table *t, const struct in6_addr *v6, unsigned len6)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].len6 == len6 &&
		    memcmp(&t->rows[i].v6, v6, sizeof(*v6)) == 0)
			return remove_row(t, i);
	return -ENOENT;
}

struct eam_table *eam_clone(const struct eam_table *t)
{
	struct eam_table *c = eam_new();

	if (!c)
		return NULL;
	if (t && t->n) {
		c->rows = malloc(t->n * sizeof(*c->rows));
		if (!c->rows) {
			eam_free(c);
			return NULL;
		}
		memcpy(c->rows, t->rows, t->n * sizeof(*c->rows));
		c->n = c->cap = t->n;
	}
	if (reindex(c)) {
		eam_free(c);
		return NULL;
	}
	return c;
}

/* Binary search for key among idx[lo, hi) (one length run). */
static const struct eam_entry *
search_run(const struct eam_table *t, const uint32_t *idx, size_t lo,
	   size_t hi, const struct eam_entry *key,
	   int (*cmp)(const struct eam_entry *, const struct eam_entry *))
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp(&t->rows[idx[mid]], key);
		if (c == 0)
			return &t->rows[idx[mid]];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool eam_lookup4(const struct eam_table *t, uint32_t v4, struct in6_addr *out)
{
	if (!t)
		return false;
	for (size_t i = 0; i < t->n;) {
		unsigned len = t->rows[t->idx4[i]].len4;
		size_t end = i;
		while (end < t->n && t->rows[t->idx4[end]].len4 == len)
			end++;
		struct eam_entry key = { .v4 = v4 & mask4(len), .len4 = (uint8_t)len };
		const struct eam_entry *r = search_run(t, t->idx4, i, end, &key, cmp4);
		if (r) {
			/* §3.3.1: IPv6 prefix, then the IPv4 suffix bits. */
			*out = r->v6;
			for (unsigned b = r->len4; b < 32; b++) {
				if (!(v4 & (0x80000000u >> b)))
					continue;
				unsigned pos = r->len6 + (b - r->len4);
				out->s6_addr[pos / 8] |= (uint8_t)(0x80 >> (pos % 8));
			}
			return true;
		}
		i = end;
	}
	return false;
}

bool eam_lookup6(const struct eam_table *t, const struct in6_addr *v6,
		 uint32_t *out)
{
	if (!t)
		return false;
	for (size_t i = 0; i < t->n;) {
		unsigned len = t->rows[t->idx6[i]].len6;
		size_t end = i;
		while (end < t->n && t->rows[t->idx6[end]].len6 == len)
			end++;
		struct eam_entry key = { .v6 = *v6, .len6 = (uint8_t)len };
		addr6_prefix(&key.v6, len, &key.v6);
		const struct eam_entry *r = search_run(t, t->idx6, i, end, &key, cmp6);
		if (r) {
			/* §3.3.2: IPv4 prefix, then IPv6 suffix bits, cut to 32. */
			uint32_t v = r->v4;
			for (unsigned b = r->len4; b < 32; b++) {
				unsigned pos = r->len6 + (b - r->len4);
				if (v6->s6_addr[pos / 8] & (0x80 >> (pos % 8)))
					v |= 0x80000000u >> b;
			}
			*out = v;
			return true;
		}
		i = end;
	}
	return false;
}
