/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pool4: the NAT64's IPv4 transport addresses and their allocation.
 * RFC 6146 §3.5.1.1, §3.5.2.3, §3.5.3 (address pairing, port range and
 * parity, uniqueness), RFC 6056 §3.3.3 (keyed-hash port obfuscation),
 * RFC 4787 §12 REQ-2/3/4, RFC 6888 §3 REQ-2/3/4/11, RFC 7857 §4, §8, §9.
 *
 * A pool is built once from its ranges: every bitmap and the subscriber
 * table are allocated then, so allocating and releasing ports never
 * allocates memory.  A pool is not locked; the caller serialises access
 * (docs/nat64.md describes the plan).
 */
#ifndef SIXGATE_POOL4_H
#define SIXGATE_POOL4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "siphash.h"

/* One BIB per protocol (RFC 6146 §3.1); ICMP "ports" are query ids. */
enum pool4_proto {
	POOL4_TCP = 0,
	POOL4_UDP,
	POOL4_ICMP,
	POOL4_NPROTO
};

/* One configured range: ports lo..hi of addr for proto.  Ranges of the same
 * address and protocol may be several; overlaps are merged. */
struct pool4_range {
	uint32_t addr; /* host order */
	uint8_t proto; /* enum pool4_proto */
	uint16_t lo, hi;
};

struct pool4_config {
	uint8_t subscriber_len;         /* IPv6 prefix length, default 64 */
	bool udp_parity;                /* RFC 4787 REQ-4, default on */
	uint32_t quota[POOL4_NPROTO];   /* ports per subscriber, 0 = none */
	uint32_t max_subscribers;       /* default 65536 */
	uint8_t key[SIPHASH_KEY_LEN];   /* secret for port choice: the caller
					   fills it from a random source */
};

struct pool4;

/* Defaults above; the key is zeroed and must be set by the caller. */
void pool4_config_default(struct pool4_config *c);

/*
 * Build a pool from n ranges.  0 and *out set; -EINVAL for no range, an
 * unknown protocol, lo > hi, port 0 for TCP or UDP, subscriber_len > 128,
 * max_subscribers 0 or above 2^30; -ENOMEM.
 */
int pool4_new(struct pool4 **out, const struct pool4_range *r, size_t n,
	      const struct pool4_config *c);
void pool4_free(struct pool4 *p);

/* The transport address pool4_alloc() hands out. */
struct pool4_taddr {
	uint32_t addr; /* host order */
	uint16_t port;
};

/*
 * Allocate (T,t) for a new BIB entry of IPv6 source (src, sport).  The
 * address is the one already paired with src's subscriber if it serves
 * proto, else one chosen by keyed hash; the port keeps sport's range class
 * (0-1023 or 1024-65535; the other class only when that one is full) and,
 * for UDP, its parity; within that it starts at a keyed hash of the flow and
 * probes linearly.  Returns 0; -EDQUOT when the subscriber has its quota;
 * -ENOSPC when no eligible port is free (the paired address is not left for
 * another, RFC 7857 §4); -ENOBUFS when the subscriber table is full;
 * -EINVAL for an unknown protocol.
 */
int pool4_alloc(struct pool4 *p, enum pool4_proto proto,
		const struct in6_addr *src, uint16_t sport,
		struct pool4_taddr *out);

/*
 * pool4_alloc() in two steps, for a caller that wants the subscriber's
 * record on its way from memory before it takes its locks: pool4_hint()
 * hashes src's subscriber prefix and prefetches its record (it reads only
 * what pool4_new() set, so it needs no lock); pool4_alloc_hint() then
 * allocates exactly as pool4_alloc() would, with h from pool4_hint() of the
 * same src on the same pool.
 */
struct pool4_hint {
	struct in6_addr pfx;  /* src's subscriber prefix */
	uint64_t sub;         /* its keyed hash */
};

void pool4_hint(const struct pool4 *p, const struct in6_addr *src,
		struct pool4_hint *h);
int pool4_alloc_hint(struct pool4 *p, enum pool4_proto proto,
		     const struct in6_addr *src, uint16_t sport,
		     const struct pool4_hint *h, struct pool4_taddr *out);

/* Give back what pool4_alloc() returned for src.  0, or -ENOENT when that
 * port is not allocated or src's subscriber holds none of proto. */
int pool4_release(struct pool4 *p, enum pool4_proto proto,
		  const struct in6_addr *src, const struct pool4_taddr *t);

/*
 * Take (addr, port) of proto out of allocation without a subscriber
 * (static BIB entries, ports on hold) and give it back.  0; -EEXIST when
 * it is in use; -ENOENT when it is not a configured pool port (reserve) or
 * not in use (unreserve); -EINVAL for an unknown protocol.
 */
int pool4_reserve(struct pool4 *p, enum pool4_proto proto, uint32_t addr,
		  uint16_t port);
int pool4_unreserve(struct pool4 *p, enum pool4_proto proto, uint32_t addr,
		    uint16_t port);

/* Is addr a pool address (any protocol)?  For RFC 6146 §3.5 and §5.4. */
bool pool4_contains(const struct pool4 *p, uint32_t addr);
/* Is (addr, port) allocated for proto? */
bool pool4_in_use(const struct pool4 *p, enum pool4_proto proto,
		  uint32_t addr, uint16_t port);
/* Ports of proto held by src's subscriber. */
uint32_t pool4_subscriber_ports(const struct pool4 *p, enum pool4_proto proto,
				const struct in6_addr *src);
/* Subscribers holding at least one port. */
uint32_t pool4_subscribers(const struct pool4 *p);

/* Per-address figures for `pool4 show`. */
struct pool4_stat {
	uint32_t addr;
	uint32_t configured[POOL4_NPROTO];
	uint32_t in_use[POOL4_NPROTO];
};

size_t pool4_naddrs(const struct pool4 *p);
/* Address i in ascending order; -ENOENT past the end. */
int pool4_stat(const struct pool4 *p, size_t i, struct pool4_stat *out);

#endif
