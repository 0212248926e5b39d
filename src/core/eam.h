/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Explicit Address Mapping Table, RFC 7757 §3.
 *
 * Rows pair an IPv4 prefix with an IPv6 prefix.  Lookups are longest match
 * in either column.  The table is built and changed off the packet path;
 * lookups never allocate.
 */
#ifndef SIXGATE_EAM_H
#define SIXGATE_EAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct eam_entry {
	uint32_t v4;     /* host order, bits past len4 zero */
	uint8_t len4;
	struct in6_addr v6; /* bits past len6 zero */
	uint8_t len6;
};

struct eam_table;

struct eam_table *eam_new(void);
void eam_free(struct eam_table *t);
struct eam_table *eam_clone(const struct eam_table *t);

/*
 * Add a row.  Returns 0, -EINVAL when the IPv4 suffix is longer than the
 * IPv6 suffix (RFC 7757 §3.2) or host bits are set, -EEXIST when either
 * prefix equals one already in the table (§5, sixgate refuses), -ENOMEM.
 * *overlap is set when the row overlaps another (§5 warning).
 */
int eam_add(struct eam_table *t, const struct eam_entry *e, bool *overlap);

/* Remove the row whose IPv4 prefix (or IPv6 prefix) equals e's. 0/-ENOENT */
int eam_del4(struct eam_table *t, uint32_t v4, unsigned len4);
int eam_del6(struct eam_table *t, const struct in6_addr *v6, unsigned len6);

size_t eam_count(const struct eam_table *t);
const struct eam_entry *eam_get(const struct eam_table *t, size_t i);

/* RFC 7757 §3.3.1: longest match on the IPv4 column; true and *out set on a
 * hit. */
bool eam_lookup4(const struct eam_table *t, uint32_t v4, struct in6_addr *out);
/* §3.3.2: longest match on the IPv6 column. */
bool eam_lookup6(const struct eam_table *t, const struct in6_addr *v6,
		 uint32_t *out);

#endif
