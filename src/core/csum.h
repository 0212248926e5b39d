/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Internet checksum (RFC 1071) with incremental update (RFC 1624).
 * Sums are kept unfolded in 32 bits and folded at the end.  Values are in
 * network byte order as they sit on the wire, read as big-endian words.
 */
#ifndef SIXGATE_CSUM_H
#define SIXGATE_CSUM_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

/* Ones-complement partial sum of len bytes (big-endian words, odd tail
 * padded with zero), added to sum. */
uint32_t csum_partial(const void *data, size_t len, uint32_t sum);

/* Fold to 16 bits. */
static inline uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The checksum field value for a folded sum. */
static inline uint16_t csum_finish(uint32_t sum)
{
	return (uint16_t)~csum_fold(sum);
}

/* Sum of an IPv4 / IPv6 address pair (for pseudo-headers). */
uint32_t csum_addr4(uint32_t src, uint32_t dst);
uint32_t csum_addr6(const struct in6_addr *src, const struct in6_addr *dst);

/*
 * RFC 1624 eqn. 3: new checksum field after the covered data's sum went from
 * old_sum to new_sum (both partial sums).  Works whether or not the old
 * checksum was correct: a wrong checksum stays wrong by the same amount.
 */
uint16_t csum_replace(uint16_t old_field, uint32_t old_sum, uint32_t new_sum);

#endif
