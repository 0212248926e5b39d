/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SipHash-2-4 and SipHash-1-3, written from the algorithm description in
 * the SipHash paper (§2, where c and d are parameters); the Appendix A test
 * vector of SipHash-2-4 is checked in tests/unit/test_pool4.c, and 1-3 is
 * the same code with other round counts.  The NAT64 tables and pool4 use
 * 1-3 (as Python's and Rust's hash tables do): keyed, so flooding one
 * bucket still needs the key, at half the rounds.
 * Bytes are read little-endian explicitly, so the result does not depend on
 * the host's byte order.
 */
#include <endian.h>
#include <string.h>

#include "siphash.h"

static uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

static uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return le64toh(v);
}

static inline __attribute__((always_inline)) void sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = rotl(v[1], 13) ^ v[0];
	v[0] = rotl(v[0], 32);
	v[2] += v[3];
	v[3] = rotl(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = rotl(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = rotl(v[1], 17) ^ v[2];
	v[2] = rotl(v[2], 32);
}

static inline __attribute__((always_inline)) void absorb(uint64_t v[4], uint64_t m,
						    unsigned c)
{
	v[3] ^= m;
	for (unsigned r = 0; r < c; r++)
		sipround(v);
	v[0] ^= m;
}

/* SipHash-c-d: c rounds per message word, d finalisation rounds. */
static inline __attribute__((always_inline)) uint64_t siphash_cd(const uint8_t key[SIPHASH_KEY_LEN],
				  const void *data, size_t len, unsigned c,
				  unsigned d)
{
	const uint8_t *p = data;
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	uint64_t v[4] = { k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
			  k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull };
	uint64_t last = (uint64_t)(len & 0xff) << 56;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8)
		absorb(v, load_le64(p + i), c);
	for (unsigned j = 0; i + j < len; j++)
		last |= (uint64_t)p[i + j] << (8 * j);
	absorb(v, last, c);
	v[2] ^= 0xff;
	for (unsigned r = 0; r < d; r++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint64_t siphash24(const uint8_t key[SIPHASH_KEY_LEN], const void *data,
		   size_t len)
{
	return siphash_cd(key, data, len, 2, 4);
}

uint64_t siphash13(const uint8_t key[SIPHASH_KEY_LEN], const void *data,
		   size_t len)
{
	return siphash_cd(key, data, len, 1, 3);
}
