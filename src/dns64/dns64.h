/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DNS64 synthesis logic: RFC 6147 §5 (AAAA synthesis, PTR, DNSSEC),
 * RFC 8880 §7.1 item 4 and §7.2.1 (ipv4only.arpa answered locally),
 * RFC 7050 §4/§5 (server side), RFC 6052 §2 and §3.1 (address format, the
 * well-known prefix and non-global IPv4).
 *
 * Pure like the translator core: no sockets, no clock reads, no resolver.
 * The server (src/dns64/server.c, resolver.c) owns the I/O and libunbound;
 * it drives one struct dns64_plan per client query through this loop:
 *
 *	struct dns64_plan p;
 *	dns64_plan_wire(cfg, wire, len, allowed, &p);     // or dns64_plan()
 *	while (p.step is DNS64_STEP_PLAIN/AAAA/A/PTR) {
 *		resolve (p.name, p.qtype, p.qclass) with the client's CD bit
 *		(p.cd) into a struct dns64_answer a;
 *		dns64_advance(cfg, &p, &a);                // dns64_after_*()
 *	}
 *	if (p.step == DNS64_STEP_DONE)
 *		dns64_reply_encode(p.reply, max, &w) and send w.buf;
 *	dns64_plan_free(&p);
 *
 * max is dns64_query_udp_max() (or p.query's) on UDP, 65535 on TCP.  With
 * the cache in front:
 *
 *	if (dns64_cache_key_wire(cache, wire, len, allowed, &k) == 0 &&
 *	    dns64_cache_lookup(cache, &k, now, buf, sizeof(buf), &n) == 0)
 *		send buf, n: done, no ldns, no upstream;
 *	... the loop above; then when the key was built and
 *	(p.flags & DNS64_F_CACHEABLE):
 *		dns64_reply_encode(p.reply, 65535, &full);
 *		dns64_cache_store(cache, &k, &full, now);
 *
 * Every step leaves a finished reply (dns64_reply_finish() applied: ID,
 * flags, the client's question with its case, EDNS) in p.reply when it
 * ends the exchange.  DNS wire format goes through ldns; the one hand
 * parser is dns64_cache_key_wire(), which reads only the header and the
 * question through bounded reads, for the cache's fast path.
 *
 * Names are stable.  Changes after the first version are listed here:
 *	- dns64_plan(): a query with QR set is DROPped, not FORMERR'd (no
 *	  answers to responses: reflection loops).
 *	- PTR under 64:ff9b::/96 is recognised even when only network-specific
 *	  prefixes are configured (§5.3.1 "or the default Well-Known Prefix").
 *	- dns64_cache_flush() added.
 *	- struct dns64_answer: own, to move sections out of the answer.
 */
#ifndef SIXGATE_DNS64_H
#define SIXGATE_DNS64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include <ldns/ldns.h>

#include "core/addr.h"
#include "core/xlat.h"   /* struct prefix4, XLAT_NONGLOBAL_MAX */

#define DNS64_PREFIX_MAX 16
#define DNS64_EXCLUDE_MAX 16
#define DNS64_MAPOUT_MAX 32

#define DNS64_TTL_CAP 600          /* RFC 6147 §5.1.7 */
#define DNS64_IPV4ONLY_TTL 3600    /* RFC 7050 §4; CONFORMANCE (PROJECT) */
#define DNS64_EDNS_UDP_SIZE 1232   /* advertised in replies to EDNS clients */

/* RFC 8880 §7.1 / RFC 7050 §2.2: the two well-known IPv4 addresses. */
#define DNS64_IPV4ONLY_170 0xc00000aaU  /* 192.0.0.170 */
#define DNS64_IPV4ONLY_171 0xc00000abU  /* 192.0.0.171 */

/* IPv6 prefix.  Same layout as conf.h's struct prefix6, which this header
 * does not include so that conf.h may include it. */
struct dns64_prefix6 {
	struct in6_addr addr;
	uint8_t len;
};

/* RFC 6147 §5 / §5.1.7: the Pref64 used for A records inside range.
 * range 0.0.0.0/0 is the catch-all. */
struct dns64_prefix {
	struct pref64 pref;
	struct prefix4 range;
};

struct dns64_config {
	/* Most specific range wins, ties go to the first listed.  Empty
	 * (nprefix 0) means DNS64 is off: everything is plain resolution,
	 * ipv4only.arpa included (RFC 8880 §7.1 item 4, first category).
	 * All prefixes are recognised for PTR (§5.3.1) and all are used for
	 * the ipv4only.arpa AAAA answer (RFC 8880 §7.1 item 4). */
	struct dns64_prefix prefix[DNS64_PREFIX_MAX];
	unsigned nprefix;
	/* RFC 6147 §5.1.4: AAAA inside these count as absent.  Default
	 * ::ffff:0:0/96. */
	struct dns64_prefix6 exclude[DNS64_EXCLUDE_MAX];
	unsigned nexclude;
	/* A records never synthesised, under any prefix.  Default
	 * DNS64_MAPOUT_DEFAULT below; the config may replace the list. */
	struct prefix4 mapout[DNS64_MAPOUT_MAX];
	unsigned nmapout;
	/* RFC 6052 §3.1: under 64:ff9b::/96 the non-global ranges are not
	 * synthesised unless allowed.  nonglobal defaults to the list that
	 * xlat_ctx_init() gives the translator. */
	bool allow_nonglobal_wkp;
	struct prefix4 nonglobal[XLAT_NONGLOBAL_MAX];
	unsigned nnonglobal;
	uint32_t ttl_cap;       /* §5.1.7: no SOA → min(A TTL, ttl_cap); 600 */
	uint32_t ipv4only_ttl;  /* local ipv4only.arpa answers; 3600 */
	/* §5.3.1 strategy (2): PTR for ip6.arpa names inside a prefix (or
	 * the WKP) is answered with a CNAME into in-addr.arpa.  Default on;
	 * off means such PTR queries are resolved as they are. */
	bool ptr;
};

/*
 * Default mapped-out IPv4 ranges, never synthesised under any prefix:
 *	0.0.0.0/8        "this network"        RFC 1122 §3.2.1.3, RFC 6890
 *	127.0.0.0/8      loopback              RFC 1122 §3.2.1.3
 *	169.254.0.0/16   link local            RFC 3927
 *	224.0.0.0/4      multicast             RFC 5771
 *	240.0.0.0/4      reserved, broadcast   RFC 1112 §4, RFC 919
 * None of these can be reached through a NAT64.  RFC 1918 and the other
 * non-global ranges are handled by the RFC 6052 §3.1 rule instead, so they
 * work under a network-specific prefix.
 */
#define DNS64_MAPOUT_DEFAULT                                            \
	{ { 0x00000000, 8 }, { 0x7f000000, 8 }, { 0xa9fe0000, 16 },     \
	  { 0xe0000000, 4 }, { 0xf0000000, 4 } }

/* Fill the defaults above: no prefix (DNS64 off), exclude ::ffff:0:0/96,
 * the mapout list, the translator's non-global list, TTLs, ptr on. */
void dns64_config_default(struct dns64_config *c);

/* Append a prefix for range (host order).  0 or -EINVAL (bad length per
 * RFC 6052 §2.2 / RFC 6147 §5.2: n <= 96, bits past len) or -ENOSPC. */
int dns64_config_add_prefix(struct dns64_config *c, const struct pref64 *p,
			    uint32_t range, unsigned range_len);

/* Validate a filled config; 0 or -EINVAL with *why a static reason. */
int dns64_config_check(const struct dns64_config *c, const char **why);

/* The prefix used for v4 (RFC 6147 §5.1.7 "MUST check each A RR"), or NULL
 * when v4 is not synthesised: no prefix covers it, it is mapped out, or
 * it is non-global under the WKP (RFC 6052 §3.1) and that is not allowed. */
const struct pref64 *dns64_prefix_for(const struct dns64_config *c,
				      uint32_t v4);

/* Is a inside a configured exclusion prefix (RFC 6147 §5.1.4)? */
bool dns64_excluded(const struct dns64_config *c, const struct in6_addr *a);

/* ------------------------------------------------------------------ */
/* The per-query state machine. */

enum dns64_step {
	DNS64_STEP_DONE = 0, /* reply holds the finished answer */
	DNS64_STEP_DROP,     /* send nothing (no header, or QR set) */
	DNS64_STEP_PLAIN,    /* resolve, then dns64_after_plain() */
	DNS64_STEP_AAAA,     /* resolve AAAA, then dns64_after_aaaa() */
	DNS64_STEP_A,        /* resolve A at the chain's end, dns64_after_a() */
	DNS64_STEP_PTR,      /* resolve the in-addr.arpa PTR, dns64_after_ptr() */
};

/* Flags for counters and the cache, OR-ed into plan.flags. */
#define DNS64_F_FORMERR   0x01u /* malformed query, FORMERR sent */
#define DNS64_F_NOTIMP    0x02u /* opcode other than QUERY */
#define DNS64_F_SYNTH     0x04u /* reply carries synthesised AAAA or PTR CNAME */
#define DNS64_F_LOCAL     0x08u /* answered locally (ipv4only.arpa, RFC 8880) */
#define DNS64_F_UPFAIL    0x10u /* an upstream answer timed out, failed or
				 * was an error treated as empty (§5.1.2) */
#define DNS64_F_BOGUS     0x20u /* SERVFAIL for a bogus answer (§5.5 item 2) */
#define DNS64_F_CACHEABLE 0x40u /* reply may go into struct dns64_cache */

/* DNSSEC state of an upstream answer, as the resolver reports it. */
enum dns64_sec {
	DNS64_SEC_UNCHECKED = 0, /* no validation configured */
	DNS64_SEC_INSECURE,
	DNS64_SEC_SECURE,
	DNS64_SEC_BOGUS,
};

/* One upstream answer handed to a dns64_after_*() step.  pkt is borrowed
 * (the step copies what it keeps); NULL means no answer, and timeout says
 * whether it timed out (§5.1.3) or failed otherwise.  own: NULL, or pkt
 * itself when the caller has no further use for its records: the step
 * then moves the sections it keeps out of it instead of copying them
 * record by record.  The caller frees pkt either way. */
struct dns64_answer {
	const ldns_pkt *pkt;
	bool timeout;
	enum dns64_sec sec;
	ldns_pkt *own;
};

/* Caller-allocated; dns64_plan*() initialise it, dns64_plan_free() clears
 * it.  Fields other than those marked "out" are private to this module. */
struct dns64_plan {
	enum dns64_step step;   /* out */
	unsigned flags;         /* out: DNS64_F_* */
	ldns_pkt *reply;        /* out: DONE: the finished reply (owned) */
	ldns_rdf *name;         /* out: what to resolve next (owned) */
	ldns_rr_type qtype;     /* out */
	ldns_rr_class qclass;   /* out */
	bool cd, dnssec_ok;     /* out: the client's CD and DO bits */
	bool synth_allowed;     /* out: as passed to dns64_plan() */

	ldns_pkt *query;        /* the client's query (owned) */
	ldns_pkt *aaaa;         /* the AAAA response kept for §5.1.7 / §5.4 */
	bool aaaa_secure;       /* §5.5 item 2: the negative AAAA validated */
	bool aaaa_soa;          /* aaaa carried a SOA: soa_ttl is valid */
	uint32_t soa_ttl;       /* min(SOA TTL, SOA MINIMUM), RFC 2308 §5 */
};

/*
 * Classify a client query (RFC 6147 §5.1, §5.3, §5.5; RFC 8880 §7.1 item 4,
 * §7.2.1).  synth_allowed: the client is in the ACL (the config's prefix
 * list decides whether DNS64 is on at all).
 *   - QR set → DROP (never answer a response: reflection loops);
 *   - no question, several questions → FORMERR;
 *     opcode other than QUERY → NOTIMP; EDNS version > 0 → BADVERS;
 *   - class other than IN, DNS64 off or not allowed → PLAIN (§5.1);
 *   - ipv4only.arpa and below → local answer (DONE), DS → PLAIN;
 *   - PTR in ip6.arpa for an address (all 32 nibbles) under a configured
 *     prefix or the WKP 64:ff9b::/96 → PTR step with the in-addr.arpa name
 *     (§5.3.1), or DONE with PTR ipv4only.arpa for Pref64::192.0.0.170/171
 *     (RFC 8880 §7.2.1);
 *   - AAAA → AAAA step, except CD=1 and DO=1 → PLAIN (§5.5 item 3);
 *   - anything else → PLAIN (§5.3.3).
 * Returns 0 (p is set up, even for FORMERR) or -ENOMEM.
 */
int dns64_plan(const struct dns64_config *cfg, const ldns_pkt *query,
	       bool synth_allowed, struct dns64_plan *p);

/* The same from wire bytes: input ldns cannot parse gets FORMERR with the
 * query's ID (or DROP under 12 bytes, RFC 1035 §4.1.1 has no header). */
int dns64_plan_wire(const struct dns64_config *cfg, const uint8_t *wire,
		    size_t len, bool synth_allowed, struct dns64_plan *p);

/*
 * After the AAAA answer (RFC 6147 §5.1.1–§5.1.6, §5.5):
 *   bogus with CD=0 → SERVFAIL (§5.5 item 2);
 *   NXDOMAIN → the answer as is (§5.1.2);
 *   non-excluded AAAA at the chain's end → only those, excluded ones
 *     removed (§5.1.1, §5.1.4);
 *   other rcodes, timeout, failure, NODATA, only excluded AAAA → step A
 *     for the final name of the CNAME/DNAME chain (§5.1.2, §5.1.3, §5.1.5,
 *     §5.1.6), in p->name.
 */
int dns64_after_aaaa(const struct dns64_config *cfg, struct dns64_plan *p,
		     const struct dns64_answer *a);

/*
 * After the A answer (RFC 6147 §5.1.6, §5.1.7, §5.3.2, §5.4, §5.5): the
 * client's question; answer = the AAAA response's CNAME/DNAME chain, then
 * any further chain in the A response, then one AAAA per A whose address
 * dns64_prefix_for() accepts, with TTL min(A TTL, soa_ttl) or
 * min(A TTL, ttl_cap) when the AAAA answer had no SOA; authority and
 * additional from the A response, unchanged.  An A error, timeout or
 * failure (SERVFAIL) or an empty A answer is what the client gets; when
 * every A is refused the reply is NODATA with the AAAA answer's authority.
 * AD only when DO=1, CD=0 and both answers were secure (§5.5 item 2);
 * with CD=1, DO=0 never (PROJECT, CONFORMANCE section 15).
 */
int dns64_after_a(const struct dns64_config *cfg, struct dns64_plan *p,
		  const struct dns64_answer *a);

/*
 * After the in-addr.arpa PTR answer (RFC 6147 §5.3.1 strategy (2)): if the
 * name owns PTR data and is not a CNAME, answer CNAME (ip6.arpa qname →
 * in-addr.arpa name, TTL of the PTR RRset) plus the PTR RRset.  Otherwise
 * the upstream's rcode (NXDOMAIN, or NOERROR/NODATA, SERVFAIL on timeout
 * or failure) with an empty answer and no authority: the SOA upstream sent
 * belongs to in-addr.arpa, not to the ip6.arpa question.
 */
int dns64_after_ptr(const struct dns64_config *cfg, struct dns64_plan *p,
		    const struct dns64_answer *a);

/* After a PLAIN answer: the upstream's reply with the client's header
 * (§5.1 other classes, §5.3.3 other types, §5.5 item 3).  Bogus with
 * CD=0 → SERVFAIL; timeout or failure → SERVFAIL; AD when secure and DO. */
int dns64_after_plain(const struct dns64_config *cfg, struct dns64_plan *p,
		      const struct dns64_answer *a);

/* Dispatch on p->step to the dns64_after_*() above; -EINVAL when the plan
 * is not waiting for an answer. */
int dns64_advance(const struct dns64_config *cfg, struct dns64_plan *p,
		  const struct dns64_answer *a);

void dns64_plan_free(struct dns64_plan *p);

/*
 * Give reply the header a recursive server owes query (RFC 1035 §4.1.1,
 * RFC 6147 §5.4): ID, opcode, RD and CD copied, QR and RA set, AA and TC
 * clear; the question replaced by the client's (case preserved); EDNS
 * (RFC 6891): OPT with DNS64_EDNS_UDP_SIZE and DO copied when the query
 * had EDNS, none otherwise; with DO=0, RRSIG/NSEC/NSEC3 records not asked
 * for are removed (RFC 4035 §3.2.1).  0 or -ENOMEM.
 */
int dns64_reply_finish(const ldns_pkt *query, ldns_pkt *reply);

/* A reply with rcode and the query's question (when it has one), through
 * dns64_reply_finish(); NULL on allocation failure. */
ldns_pkt *dns64_reply_error(const ldns_pkt *query, ldns_pkt_rcode rcode);

/* ------------------------------------------------------------------ */
/* Wire encoding with TTL positions, for sending and for the cache. */

struct dns64_wire {
	uint8_t *buf;          /* owned */
	size_t len;
	uint16_t *ttl_off;     /* owned: offsets of every RR TTL except OPT */
	unsigned nttl;
	uint32_t min_ttl;      /* min TTL; a SOA counts min(TTL, MINIMUM) */
	bool truncated;        /* TC set, sections dropped to fit */
};

/*
 * Encode reply without name compression (so TTL positions are known).  If
 * it exceeds max bytes (512 for plain UDP, the client's EDNS size, 65535
 * for TCP), encode instead the header with TC=1, the question and the OPT
 * record (RFC 2181 §9, RFC 6891 §7).  0, -EMSGSIZE (not even that fits)
 * or -ENOMEM.
 */
int dns64_reply_encode(const ldns_pkt *reply, size_t max,
		       struct dns64_wire *w);
void dns64_wire_free(struct dns64_wire *w);

/* Largest UDP reply the query allows: its EDNS size (at least 512), or
 * 512 without EDNS (RFC 1035 §4.2.1, RFC 6891 §6.2.5). */
size_t dns64_query_udp_max(const ldns_pkt *query);

/* ------------------------------------------------------------------ */
/* Answer cache: pure (now passed in, seconds on a monotonic clock),
 * bounded, LRU.  Not thread safe: one per event loop. */

#define DNS64_CACHE_NAME_MAX 255

#define DNS64_KEY_DO     0x01u
#define DNS64_KEY_CD     0x02u
#define DNS64_KEY_EDNS   0x04u
#define DNS64_KEY_SYNTH  0x08u  /* synthesis allowed for this client */

/* The key: the question (qname compared case-insensitively), DO, CD,
 * EDNS present and synth_allowed.  id, rd, qname case and max_reply come
 * from the query and are patched into a hit, they are not compared. */
struct dns64_cache_key {
	uint8_t name[DNS64_CACHE_NAME_MAX]; /* wire qname as the client sent it */
	uint16_t name_len;
	uint16_t qtype, qclass;
	uint8_t bits;          /* DNS64_KEY_* */
	uint16_t id;
	bool rd;
	uint16_t max_reply;    /* dns64_query_udp_max() of the query */
	uint64_t hash;         /* set by dns64_cache_key_*() for one cache */
};

struct dns64_cache;

/* max_entries >= 1; seed keys the bucket hash (SipHash).  NULL on ENOMEM. */
struct dns64_cache *dns64_cache_new(unsigned max_entries,
				    const uint8_t seed[16]);
void dns64_cache_free(struct dns64_cache *c);
unsigned dns64_cache_count(const struct dns64_cache *c);
/* Drop every entry (the prefixes or the config changed). */
void dns64_cache_flush(struct dns64_cache *c);

/*
 * Fast path: the key straight from the client's wire bytes, reading only
 * the 12-byte header, one uncompressed question and at most one OPT
 * record with bounded reads.  -EINVAL for anything else (several
 * questions, QR set, opcode not QUERY, answer or authority records, TC,
 * EDNS version > 0, trailing bytes...): take the slow path, no caching.
 */
int dns64_cache_key_wire(const struct dns64_cache *c, const uint8_t *wire,
			 size_t len, bool synth_allowed,
			 struct dns64_cache_key *k);

/* The same key from a parsed query (same -EINVAL cases where they apply). */
int dns64_cache_key_pkt(const struct dns64_cache *c, const ldns_pkt *query,
			bool synth_allowed, struct dns64_cache_key *k);

/*
 * A hit: the stored reply copied into out with k's ID, RD and qname case,
 * and every TTL reduced by the time spent in the cache.  0 with *outlen,
 * -ENOENT (miss; an expired entry is dropped), -EMSGSIZE (hit larger than
 * k->max_reply: answer through the slow path, which truncates), -ENOBUFS
 * (outcap too small).
 */
int dns64_cache_lookup(struct dns64_cache *c, const struct dns64_cache_key *k,
		       uint64_t now, uint8_t *out, size_t outcap,
		       size_t *outlen);

/*
 * Store the reply w (from dns64_reply_encode(), not truncated) under k
 * until now + w->min_ttl.  Replaces an entry with the same key; evicts the
 * least recently used one when full.  Not stored (returns 0): TTL 0, TC.
 * 0 or -ENOMEM / -EINVAL.
 */
int dns64_cache_store(struct dns64_cache *c, const struct dns64_cache_key *k,
		      const struct dns64_wire *w, uint64_t now);

#endif
