/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv4-embedded IPv6 addresses, RFC 6052 §2 (all six prefix lengths), the
 * well-known prefix rule of §3.1 and the local-use prefix of RFC 8215.
 */
#ifndef SIXGATE_ADDR_H
#define SIXGATE_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

/* A translation prefix: len is 32, 40, 48, 56, 64 or 96; 0 means none. */
struct pref64 {
	struct in6_addr prefix;
	uint8_t len;
};

/* RFC 6052 §2.2: is len one of the six allowed lengths? */
bool addr_pref64_len_ok(unsigned len);

/*
 * Validate a prefix for use as a translation prefix.  Returns 0 or -EINVAL
 * with *why set to a static reason: bad length, bits set past the length,
 * non-zero u-octet on a /96 (RFC 6052 §2.2), or the 64:ff9b::/47 aggregate
 * (RFC 8215 §5).
 */
int addr_pref64_check(const struct pref64 *p, const char **why);

/* Is p exactly the well-known prefix 64:ff9b::/96? (RFC 6052 §2.1) */
bool addr_pref64_is_wkp(const struct pref64 *p);

/* RFC 6052 §2.2: compose prefix + IPv4 (host order) into *out. */
void addr_embed(const struct pref64 *p, uint32_t v4, struct in6_addr *out);

/* RFC 6052 §2.3: extract the IPv4 address (host order).  The caller has
 * checked addr_in_pref64().  u-octet and suffix bits are ignored. */
uint32_t addr_extract(const struct pref64 *p, const struct in6_addr *a);

/* Does a lie inside the first len bits of p? */
bool addr_in_pref64(const struct pref64 *p, const struct in6_addr *a);

/* Generic prefix match helpers. */
bool addr6_match(const struct in6_addr *a, const struct in6_addr *prefix,
		 unsigned len);
static inline bool addr4_match(uint32_t a, uint32_t prefix, unsigned len)
{
	return len == 0 || ((a ^ prefix) >> (32 - len)) == 0;
}

/* Parse "2001:db8::/96" or "64:ff9b::192.0.2.33/96"; 0 or -EINVAL. */
int addr_parse6_prefix(const char *s, struct in6_addr *a, unsigned *len,
		       bool len_required);
/* Parse "192.0.2.0/24" or "192.0.2.1" (len 32); 0 or -EINVAL. */
int addr_parse4_prefix(const char *s, uint32_t *a, unsigned *len);

/* The mask of an IPv6 prefix of len bits (0-128), written as 16 bytes
 * in network order to out (any 16-byte object). */
void addr6_mask(unsigned len, void *out);
/* a cut to its first len bits (0-128), the rest zero; out may be a. */
void addr6_prefix(const struct in6_addr *a, unsigned len,
		  struct in6_addr *out);

#endif
