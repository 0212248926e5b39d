/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAT64 prefix discovery, client side, pure part: the PREF64 Router
 * Advertisement option (RFC 8781 §4, §4.1, §5, §5.1) and the ipv4only.arpa
 * heuristic (RFC 7050 §3).  No fd, no clock, no globals, no allocation:
 * the caller passes bytes and "now"; src/daemon/pref64d.c does the I/O.
 */
#ifndef SIXGATE_PREF64DISC_H
#define SIXGATE_PREF64DISC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "addr.h"

/* Prefixes kept from one RA, one DNS answer or in one source's set.  More
 * are counted and dropped: a renumbering RA carries two or three. */
#define PREF64DISC_MAX 8
/* AAAA records kept from one DNS answer (ipv4only.arpa has two A records,
 * so a DNS64 with several prefixes answers 2 per prefix). */
#define PREF64DISC_MAX_AAAA 16

#define PREF64DISC_ND_RA 134       /* RFC 4861 §4.2 */
#define PREF64DISC_ND_RS 133       /* RFC 4861 §4.1 */
#define PREF64DISC_OPT_PREF64 38   /* RFC 8781 §4 */
#define PREF64DISC_OPT_LEN 16      /* bytes (Length field 2) */
#define PREF64DISC_MAX_LIFETIME 65528u /* RFC 8781 §4.1: 8191 x 8 */

/* ---- RFC 8781: PREF64 option ---------------------------------------- */

struct pref64disc_opt {
	struct pref64 p;   /* bits past p.len zeroed (RFC 8781 §4) */
	uint32_t lifetime; /* seconds, Scaled Lifetime x 8; 0 = stop using */
};

struct pref64disc_ra {
	uint16_t router_lifetime;          /* RFC 4861 §4.2, seconds */
	unsigned n;                        /* options stored in opt[] */
	struct pref64disc_opt opt[PREF64DISC_MAX]; /* in RA order */
	unsigned ignored;  /* type 38 options ignored: Length != 2, PLC 6/7 */
	unsigned dropped;  /* valid options beyond PREF64DISC_MAX */
};

/*
 * Parse a whole ICMPv6 Router Advertisement, starting at the ICMPv6 type
 * byte, and collect its PREF64 options.  Returns 0 (n may be 0), -EINVAL
 * when it is not an RA (type 134, code 0, at least 16 bytes; RFC 4861
 * §6.1.2), or -EBADMSG when an option has length 0 or runs past the end:
 * the caller must then discard the whole RA (RFC 4861 §6.1.2) and *ra has
 * n = 0.  The checksum, source and hop limit are the caller's to check.
 */
int pref64disc_ra_parse(const uint8_t *icmp, size_t len,
			struct pref64disc_ra *ra);

/*
 * Decode one option body (the 16 bytes starting at Type).  Returns 0,
 * -EINVAL for Length != 2 or PLC 6/7 (RFC 8781 §4: ignore the option).
 */
int pref64disc_opt_decode(const uint8_t opt[PREF64DISC_OPT_LEN],
			  struct pref64disc_opt *o);

/* RFC 8781 §4: PLC <-> prefix length; -1 / -EINVAL when not one of the six. */
int pref64disc_plc_to_len(unsigned plc);
int pref64disc_len_to_plc(unsigned len);

/*
 * RFC 8781 §4.1 sender rules: seconds -> Scaled Lifetime, rounded up to a
 * multiple of 8, a non-zero value under 8 s encodes as 1, capped at 8191.
 */
uint16_t pref64disc_scaled_lifetime(uint32_t seconds);
/* RFC 8781 §4.1 default: min(3 x MaxRtrAdvInterval / 8, 8191). */
uint16_t pref64disc_default_scaled(uint32_t max_rtr_adv_interval);

/*
 * Encode a PREF64 option (for tests and seeds).  Returns 0 or -EINVAL when
 * p->len is not one of the six lengths.  Prefix bits past p->len are
 * written as zero.
 */
int pref64disc_opt_encode(const struct pref64 *p, uint32_t lifetime,
			  uint8_t out[PREF64DISC_OPT_LEN]);

/* ---- RFC 7050: ipv4only.arpa --------------------------------------- */

#define PREF64DISC_WKA1 0xc00000aau /* 192.0.0.170 */
#define PREF64DISC_WKA2 0xc00000abu /* 192.0.0.171 */

/*
 * RFC 7050 §3 on one AAAA: find 192.0.0.170 (then, if absent or present
 * more than once, 192.0.0.171) at the RFC 6052 §2.2 positions; exactly one
 * occurrence at an octet boundary is required.  When both values occur
 * once, the later position wins (docs/conformance.md §13).  Returns 0 with
 * *p set (bits past the length zeroed), or -ENOENT.
 */
int pref64disc_wka_find(const struct in6_addr *a, struct pref64 *p);

/*
 * RFC 7050 §3 on the whole answer: every AAAA in order, prefixes in the
 * order received, duplicates dropped, at most max kept.  Returns the number
 * of prefixes (> 0) or -ENOENT when none was found (discovery failed).
 */
int pref64disc_rfc7050(const struct in6_addr *aaaa, size_t naaaa,
		       struct pref64 *out, size_t max);

/* What a DNS response to AAAA ipv4only.arpa says. */
struct pref64disc_dns {
	unsigned rcode;    /* RFC 1035 §4.1.1 */
	unsigned naaaa;    /* AAAA records kept in aaaa[] */
	struct in6_addr aaaa[PREF64DISC_MAX_AAAA]; /* answer order */
	uint32_t ttl;      /* smallest TTL of the AAAA records */
	bool has_soa;      /* an SOA in the authority section */
	uint32_t neg_ttl;  /* RFC 2308 §5: min(SOA TTL, SOA MINIMUM) */
};

/*
 * Parse a DNS response (the whole message, no TCP length prefix) and keep
 * the class-IN AAAA records of the answer section and the negative TTL of
 * an authority SOA.  Returns 0, or -EBADMSG (not a response, truncated,
 * bad name).
 */
int pref64disc_dns_parse(const uint8_t *msg, size_t len,
			 struct pref64disc_dns *r);

/* Timing.  All delays in seconds. */
#define PREF64DISC_REQUERY_MIN 10u     /* rate bound for tiny TTLs */
#define PREF64DISC_NEG_MIN 30u         /* floor of the negative wait */
#define PREF64DISC_NEG_DEFAULT 300u    /* negative answer without SOA */
#define PREF64DISC_RETRY_MAX 300u      /* backoff cap after timeouts */

/* RFC 7050 §3: re-query 10 s before the synthetic AAAA's TTL expires
 * (never sooner than PREF64DISC_REQUERY_MIN). */
uint32_t pref64disc_requery_delay(uint32_t ttl);
/* How long a DNS-learned prefix stays valid: the TTL, stretched so the
 * re-query has time to complete when the TTL is under 20 s. */
uint32_t pref64disc_dns_lifetime(uint32_t ttl);
/* RFC 7050 §3: after NXDOMAIN/NODATA wait at least the response's TTL. */
uint32_t pref64disc_negative_wait(const struct pref64disc_dns *r);
/* RFC 7050 §3 / RFC 1035: retry after the attempt-th consecutive timeout
 * or server failure (1, 2, ...): 2, 4, 8 ... s, capped. */
uint32_t pref64disc_retry_delay(unsigned attempt);

/* ---- RFC 8781 §5, §5.1: the prefixes of one source ----------------- */

struct pref64disc_entry {
	struct pref64 p;
	uint64_t expires; /* caller's monotonic seconds */
};

/* Prefixes of one source on one interface, in order first learned. */
struct pref64disc_set {
	unsigned n;
	struct pref64disc_entry e[PREF64DISC_MAX];
};

/*
 * Learn or refresh p with lifetime seconds at now: an existing entry keeps
 * its place and gets the new expiry, a new one is appended, lifetime 0
 * removes it (RFC 8781 §4.1).  Returns 1 when the set changed (entry added,
 * removed or expiry moved), 0 when not, -ENOSPC when the set is full.
 */
int pref64disc_set_update(struct pref64disc_set *s, const struct pref64 *p,
			  uint32_t lifetime, uint64_t now);
/* Drop the entries whose expiry is <= now; returns how many. */
unsigned pref64disc_set_expire(struct pref64disc_set *s, uint64_t now);
/* Earliest expiry, UINT64_MAX when empty. */
uint64_t pref64disc_set_next_expiry(const struct pref64disc_set *s);

/*
 * RFC 8781 §5.1: trust one source only, RA before RFC 7050.  Returns the
 * set in use (ra when it has a prefix, else dns, else NULL).
 */
const struct pref64disc_set *
pref64disc_select(const struct pref64disc_set *ra,
		  const struct pref64disc_set *dns);

#endif
