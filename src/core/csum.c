/* SPDX-License-Identifier: BSD-2-Clause */
/* Internet checksum, RFC 1071, and incremental update, RFC 1624 §3. */
#include "csum.h"

uint32_t csum_partial(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t acc = sum;

	/* 8 bytes at a time into a 64-bit accumulator: carries cannot
	 * overflow before 2^32 iterations. */
	while (len >= 8) {
		acc += (uint64_t)p[0] << 8 | p[1];
		acc += (uint64_t)p[2] << 8 | p[3];
		acc += (uint64_t)p[4] << 8 | p[5];
		acc += (uint64_t)p[6] << 8 | p[7];
		p += 8;
		len -= 8;
	}
	while (len >= 2) {
		acc += (uint64_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (uint64_t)p[0] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

uint32_t csum_addr4(uint32_t src, uint32_t dst)
{
	uint64_t s = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff);
	return (uint32_t)s;
}

uint32_t csum_addr6(const struct in6_addr *src, const struct in6_addr *dst)
{
	return csum_partial(dst->s6_addr, 16, csum_partial(src->s6_addr, 16, 0));
}

uint16_t csum_replace(uint16_t old_field, uint32_t old_sum, uint32_t new_sum)
{
	/* HC' = ~(~HC + ~m + m') with m, m' the folded old and new sums. */
	uint32_t s = (uint16_t)~old_field;
	s += (uint16_t)~csum_fold(old_sum);
	s += csum_fold(new_sum);
	return (uint16_t)~csum_fold(s);
}
