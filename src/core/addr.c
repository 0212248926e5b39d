/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * IPv4-embedded IPv6 addresses: RFC 6052 §2.2 (composition), §2.3
 * (extraction), §2.1 and §3.1 (well-known prefix), RFC 8215 §5 (local-use
 * prefix 64:ff9b:1::/48 and the 64:ff9b::/47 aggregate).
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

static const uint8_t wkp_bytes[12] = { 0x00, 0x64, 0xff, 0x9b };

bool addr_pref64_len_ok(unsigned len)
{
	switch (len) {
	case 32: case 40: case 48: case 56: case 64: case 96:
		return true;
	default:
		return false;
	}
}

bool addr6_match(const struct in6_addr *a, const struct in6_addr *prefix,
		 unsigned len)
{
	unsigned bytes = len / 8, bits = len % 8;

	if (memcmp(a->s6_addr, prefix->s6_addr, bytes) != 0)
		return false;
	if (bits == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));
	return ((a->s6_addr[bytes] ^ prefix->s6_addr[bytes]) & mask) == 0;
}

static bool host_bits_zero6(const struct in6_addr *a, unsigned len)
{
	for (unsigned i = len; i < 128; i++)
		if (a->s6_addr[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

bool addr_pref64_is_wkp(const struct pref64 *p)
{
	return p->len == 96 && memcmp(p->prefix.s6_addr, wkp_bytes, 12) == 0;
}

/* addr6_match() for whole bytes, as fixed-size loads the compiler inlines. */
static bool match96(const struct in6_addr *a, const struct in6_addr *p)
{
	uint64_t x, y;
	uint32_t u, v;

	memcpy(&x, a->s6_addr, 8);
	memcpy(&y, p->s6_addr, 8);
	memcpy(&u, a->s6_addr + 8, 4);
	memcpy(&v, p->s6_addr + 8, 4);
	return x == y && u == v;
}

int addr_pref64_check(const struct pref64 *p, const char **why)
{
	static const struct in6_addr agg = { .s6_addr = { 0, 0x64, 0xff, 0x9b } };

	if (!addr_pref64_len_ok(p->len)) {
		*why = "prefix length must be 32, 40, 48, 56, 64 or 96 (RFC 6052 2.2)";
		return -EINVAL;
	}
	if (!host_bits_zero6(&p->prefix, p->len)) {
		*why = "prefix has bits set past its length";
		return -EINVAL;
	}
	if (p->len == 96 && p->prefix.s6_addr[8] != 0) {
		*why = "bits 64-71 (the u octet) must be zero (RFC 6052 2.2)";
		return -EINVAL;
	}
	/* A prefix covering both 64:ff9b::/96 and 64:ff9b:1::/48 reaches into
	 * unallocated space (RFC 8215 §5). */
	if (p->len < 48 && addr6_match(&agg, &p->prefix, p->len)) {
		*why = "64:ff9b::/47 and shorter aggregates are not translation "
		       "prefixes (RFC 8215 5)";
		return -EINVAL;
	}
	return 0;
}

bool addr_in_pref64(const struct pref64 *p, const struct in6_addr *a)
{
	if (p->len == 96)
		return match96(a, &p->prefix);
	return p->len != 0 && addr6_match(a, &p->prefix, p->len);
}

/* Position of IPv4 byte i (0..3) in the IPv6 address for prefix length len:
 * the bytes after the prefix, skipping byte 8 (the u octet). */
static unsigned v4pos(unsigned len, unsigned i)
{
	unsigned pos = len / 8 + i;

	if (len < 96 && pos >= 8)
		pos++;
	return pos;
}

void addr_embed(const struct pref64 *p, uint32_t v4, struct in6_addr *out)
{
	if (p->len == 96) { /* the common case, without the byte shuffle */
		memcpy(out->s6_addr, p->prefix.s6_addr, 12);
		out->s6_addr[8] = 0;
		out->s6_addr[12] = (uint8_t)(v4 >> 24);
		out->s6_addr[13] = (uint8_t)(v4 >> 16);
		out->s6_addr[14] = (uint8_t)(v4 >> 8);
		out->s6_addr[15] = (uint8_t)v4;
		return;
	}
	unsigned plen = p->len / 8;

	memset(out->s6_addr, 0, 16);
	memcpy(out->s6_addr, p->prefix.s6_addr, plen);
	if (p->len == 96)
		out->s6_addr[8] = 0; /* the u octet, even if the prefix had it */
	for (unsigned i = 0; i < 4; i++)
		out->s6_addr[v4pos(p->len, i)] = (uint8_t)(v4 >> (24 - 8 * i));
}

uint32_t addr_extract(const struct pref64 *p, const struct in6_addr *a)
{
	uint32_t v4 = 0;

	if (p->len == 96)
		return (uint32_t)a->s6_addr[12] << 24 |
		       (uint32_t)a->s6_addr[13] << 16 |
		       (uint32_t)a->s6_addr[14] << 8 | a->s6_addr[15];

	for (unsigned i = 0; i < 4; i++)
		v4 = v4 << 8 | a->s6_addr[v4pos(p->len, i)];
	return v4;
}

static int parse_len(const char *s, unsigned max, unsigned *len)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	unsigned long v = strtoul(s, &end, 10);
	if (*end != '\0' || v > max || end - s > 3)
		return -EINVAL;
	*len = (unsigned)v;
	return 0;
}

/* Split "addr/len" into buf (addr) and the length string. */
static const char *split_prefix(const char *s, char *buf, size_t bufsz)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n == 0 || n >= bufsz)
		return NULL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return slash ? slash + 1 : "";
}

int addr_parse6_prefix(const char *s, struct in6_addr *a, unsigned *len,
		       bool len_required)
{
	char buf[INET6_ADDRSTRLEN + 1];
	const char *l = split_prefix(s, buf, sizeof(buf));

	if (!l || inet_pton(AF_INET6, buf, a) != 1)
		return -EINVAL;
	if (*l == '\0') {
		if (len_required)
			return -EINVAL;
		*len = 128;
		return 0;
	}
	return parse_len(l, 128, len);
}

int addr_parse4_prefix(const char *s, uint32_t *a, unsigned *len)
{
	char buf[INET_ADDRSTRLEN + 1];
	const char *l = split_prefix(s, buf, sizeof(buf));
	struct in_addr in;

	if (!l || inet_pton(AF_INET, buf, &in) != 1)
		return -EINVAL;
	*a = ntohl(in.s_addr);
	if (*l == '\0') {
		*len = 32;
		return 0;
	}
	return parse_len(l, 32, len);
}

/* The first keep bits of a 64-bit word set (keep may exceed 64). */
static uint64_t mask64(unsigned keep)
{
	if (keep == 0)
		return 0;
	return keep >= 64 ? ~(uint64_t)0 : ~(uint64_t)0 << (64 - keep);
}

/* Two word operations: the subscriber prefixes of pool4 and the NAT64
 * tables are cut for every packet. */
void addr6_prefix(const struct in6_addr *a, unsigned len,
		  struct in6_addr *out)
{
	uint64_t w[2];

	memcpy(w, a, 16);
	w[0] &= htobe64(mask64(len));
	w[1] &= htobe64(mask64(len > 64 ? len - 64 : 0));
	memcpy(out, w, 16);
}

void addr6_mask(unsigned len, void *out)
{
	struct in6_addr m;

	memset(&m, 0xff, sizeof(m));
	addr6_prefix(&m, len, &m);
	memcpy(out, &m, sizeof(m));
}
