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
#include <string.h>
#include <netinet/in.h>

/* Fold to 16 bits. */
static inline uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/*
 * Ones-complement partial sum of len bytes (big-endian words, odd tail
 * padded with zero), added to sum.  Inline so that fixed sizes (addresses,
 * headers) unroll into a few loads.
 */
/*
 * RFC 1071 §2(B): the sum is independent of byte order, so add native
 * 32-bit words and swap the folded result once at the end.
 */
static inline uint32_t csum_partial(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t acc = 0;

	/* Each step adds at most 2^33: no overflow before 2^31 steps. */
	while (len >= 16) {
		uint64_t a, b;
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		acc += (a & 0xffffffff) + (a >> 32) + (b & 0xffffffff) + (b >> 32);
		p += 16;
		len -= 16;
	}
	if (len >= 8) {
		uint64_t a;
		memcpy(&a, p, 8);
		acc += (a & 0xffffffff) + (a >> 32);
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		uint32_t a;
		memcpy(&a, p, 4);
		acc += a;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t a;
		memcpy(&a, p, 2);
		acc += a;
		p += 2;
		len -= 2;
	}
	if (len) {
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		acc += p[0];
#else
		acc += (uint32_t)p[0] << 8;
#endif
	}
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffffffff) + (acc >> 32);
	uint32_t f = csum_fold((uint32_t)acc);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	f = (uint16_t)(f << 8 | f >> 8);
#endif
	uint64_t r = (uint64_t)sum + f;
	return (uint32_t)((r & 0xffffffff) + (r >> 32));
}

/* Sum of an IPv4 / IPv6 address pair (for pseudo-headers). */
static inline uint32_t csum_addr4(uint32_t src, uint32_t dst)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
}

static inline uint32_t csum_addr6(const struct in6_addr *src,
				  const struct in6_addr *dst)
{
	return csum_partial(dst->s6_addr, 16, csum_partial(src->s6_addr, 16, 0));
}

/* The checksum field value for a folded sum. */
static inline uint16_t csum_finish(uint32_t sum)
{
	return (uint16_t)~csum_fold(sum);
}


/*
 * RFC 1624 eqn. 3: new checksum field after the covered data's sum went from
 * old_sum to new_sum (both partial sums).  Works whether or not the old
 * checksum was correct: a wrong checksum stays wrong by the same amount.
 */
uint16_t csum_replace(uint16_t old_field, uint32_t old_sum, uint32_t new_sum);

#endif
