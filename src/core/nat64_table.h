/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stateful NAT64 BIB and session tables, RFC 6146 §3.1 (BIB), §3.2
 * (session table), §3.3 (dynamic BIB entries live as long as their
 * sessions), §5.3 (bounded growth); per-subscriber accounting for
 * RFC 6888 §3 REQ-4/REQ-5 and a global session limit (REQ-5, REQ-11).
 *
 * The tables are split into shards chosen by a keyed hash of the IPv6
 * source's subscriber prefix, so all state of one IPv6 client sits in one
 * shard.  The caller locks a shard explicitly (nat64_lock6/nat64_lock4),
 * does its lookup-step-update sequence under that one lock and unlocks.
 * Explicit locking because the TCP state machine is a read-modify-write of
 * a session: an internal per-call lock could not make it atomic.  Never
 * hold two shard locks at once (hairpinning: finish one side, unlock, then
 * lock the other).  docs/nat64-tables.md explains the design.
 *
 * Everything is allocated by nat64_table_new(); no other call allocates.
 * The table reads no clock: times are whatever unit the caller uses.
 */
#ifndef SIXGATE_NAT64_TABLE_H
#define SIXGATE_NAT64_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "siphash.h"

/* One BIB and one session table per protocol (§3.1); same order as
 * enum pool4_proto. */
enum nat64_proto {
	NAT64_P_TCP = 0,
	NAT64_P_UDP,
	NAT64_P_ICMP,
	NAT64_NPROTO
};

/* Expiry classes: sessions of one class sit in one list sorted by expiry
 * time, so expiry only looks at list heads.  The caller maps its timeouts
 * (UDP, TCP_EST, TCP_TRANS, ...) to classes; a class whose sessions all get
 * the same lifetime keeps insertions O(1). */
#define NAT64_NCLASSES 8

/* Upper bound on max_bib and max_sessions. */
#define NAT64_TABLE_MAX (1u << 28)

struct nat64_table_config {
	uint32_t nshards;         /* power of two, 1..4096 */
	uint32_t max_bib;         /* all protocols, all shards, >= 1 */
	uint32_t max_sessions;    /* RFC 6888 REQ-5 global limit, >= 1 */
	uint8_t client_len;       /* subscriber prefix length, default 64 */
	uint32_t client_max_bib;  /* dynamic BIB entries per subscriber, 0 = no limit */
	uint32_t client_max_sessions; /* sessions per subscriber, 0 = no limit */
	uint8_t key[SIPHASH_KEY_LEN]; /* hash secret, from a random source */
};

/* Transport addresses of a session (§3.2).  For ICMP queries x_port is i1,
 * t_port is i2 and y_port, z_port are 0.  A BIB entry is the (X',x) and
 * (T,t) half. */
struct nat64_tuple {
	uint8_t proto;          /* enum nat64_proto */
	struct in6_addr x6;     /* X' */
	uint16_t x_port;        /* x */
	struct in6_addr y6;     /* Y' */
	uint16_t y_port;        /* y */
	uint32_t t4;            /* T, host order */
	uint16_t t_port;        /* t */
	uint32_t z4;            /* Z, host order */
	uint16_t z_port;        /* z */
};

/* Copies handed out by lookups.  Ids stay valid only while the shard
 * stays locked: a slot may be reused once it is unlocked. */
struct nat64_bib {
	uint32_t id;
	uint8_t proto;
	struct in6_addr x6;
	uint16_t x_port;
	uint32_t t4;
	uint16_t t_port;
	bool is_static;
	uint32_t sessions;
};

struct nat64_session {
	uint32_t id;
	uint32_t bib_id;
	struct nat64_tuple tup;
	uint8_t state;    /* protocol state, opaque to the table */
	uint8_t flags;    /* caller's per-session bits, opaque */
	uint8_t cls;      /* expiry class */
	uint64_t expires;
	bool bib_static;
};

struct nat64_table;
struct nat64_shard;

/* nshards 1, max_bib 1024, max_sessions 4096, client_len 64, no client
 * limits, key zero (the caller must set it). */
void nat64_table_config_default(struct nat64_table_config *c);

/* 0 and *out set; -EINVAL for a bad config; -ENOMEM. */
int nat64_table_new(struct nat64_table **out,
		    const struct nat64_table_config *c);
void nat64_table_free(struct nat64_table *t);

/* Lock the shard holding IPv6 client x6.  Always succeeds. */
struct nat64_shard *nat64_lock6(struct nat64_table *t,
				const struct in6_addr *x6);

/*
 * The keyed hashes of a tuple's IPv6 side, for a packet path that hashes
 * once.  nat64_key6() computes from k's proto, X', x, Y', y (no lock
 * needed) what every packet needs, the subscriber and the session hash,
 * and prefetches the session index slot; nat64_key6_bib() adds the BIB
 * hash that only a session miss, an ICMP error or a new session needs, and
 * prefetches the BIB and subscriber slots a first insertion reads (a
 * second call does nothing).  The *_key calls below take these hashes
 * instead of hashing again and otherwise behave as the calls without
 * _key; one that needs the BIB hash computes it when nat64_key6_bib() has
 * not.  h must be nat64_key6() of the same k, on the same table.
 */
struct nat64_key6 {
	uint64_t client;  /* subscriber prefix: shard and subscriber slot */
	uint32_t sess;    /* (proto, X', x, Y', y) */
	uint32_t bib;     /* (proto, X', x), once has_bib */
	bool has_bib;
};

void nat64_key6(struct nat64_table *t, const struct nat64_tuple *k,
		struct nat64_key6 *h);
void nat64_key6_bib(struct nat64_table *t, const struct nat64_tuple *k,
		    struct nat64_key6 *h);
struct nat64_shard *nat64_lock6_key(struct nat64_table *t,
				    const struct nat64_key6 *h);
/* Lock the shard holding the BIB entry (T,t) of proto and copy it to *b.
 * 0, or -ENOENT (nothing locked) when there is no such entry. */
int nat64_lock4(struct nat64_table *t, uint8_t proto, uint32_t t4,
		uint16_t t_port, struct nat64_shard **out, struct nat64_bib *b);
void nat64_unlock(struct nat64_shard *s);

/* The calls below need s locked. */

/* BIB lookups by IPv6 transport address (X',x) and by IPv4 (T,t).  0 or
 * -ENOENT; find4 answers -ENOENT for an entry held by another shard (reach
 * that one through nat64_lock4). */
int nat64_bib_find6(struct nat64_shard *s, uint8_t proto,
		    const struct in6_addr *x6, uint16_t x_port,
		    struct nat64_bib *out);
int nat64_bib_find4(struct nat64_shard *s, uint8_t proto, uint32_t t4,
		    uint16_t t_port, struct nat64_bib *out);
/* nat64_bib_find6() of k's proto, X', x. */
int nat64_bib_find6_key(struct nat64_shard *s, const struct nat64_tuple *k,
			const struct nat64_key6 *h, struct nat64_bib *out);

/*
 * Add a static BIB entry (§3.1: never expires, removed by nat64_bib_del
 * only).  x6 must belong to s.  0; -EEXIST when (X',x) or (T,t) is taken in
 * proto's BIB; -ENOSPC when the BIB is full; -EINVAL (bad proto, wrong
 * shard).  Client limits do not apply to what the administrator adds.
 */
int nat64_bib_add_static(struct nat64_shard *s, uint8_t proto,
			 const struct in6_addr *x6, uint16_t x_port,
			 uint32_t t4, uint16_t t_port, uint32_t *id);
/* Remove a BIB entry, static or not, and all its sessions.  0/-ENOENT. */
int nat64_bib_del(struct nat64_shard *s, uint32_t id);

/* Session lookups by the IPv6-side 5-tuple (proto, X',x, Y',y) and the
 * IPv4-side one (proto, T,t, Z,z).  0 or -ENOENT. */
int nat64_session_find6(struct nat64_shard *s, const struct nat64_tuple *k,
			struct nat64_session *out);
int nat64_session_find4(struct nat64_shard *s, const struct nat64_tuple *k,
			struct nat64_session *out);
int nat64_session_find6_key(struct nat64_shard *s,
			    const struct nat64_tuple *k,
			    const struct nat64_key6 *h,
			    struct nat64_session *out);
/* Any session of BIB entry bib_id whose remote IPv4 address is z4, for
 * address-dependent filtering (§3.5.1).  Scans the entry's sessions. */
int nat64_session_find_remote(struct nat64_shard *s, uint32_t bib_id,
			      uint32_t z4, struct nat64_session *out);

/*
 * Add a session for k, creating the dynamic BIB entry (X',x) ↔ (T,t) when
 * there is none (the caller got (T,t) from pool4); an existing entry must
 * map to k's (T,t).  Nothing changes on failure.  0 and *out filled;
 * -EEXIST (the IPv6 or the IPv4 5-tuple is a session's already, or (T,t)
 * is another entry's); -EINVAL (bad proto
 * or class, wrong shard, (T,t) differs from the entry's); -EDQUOT (the
 * subscriber is at its limit); -ENOSPC (table or shard full).
 */
int nat64_session_add(struct nat64_shard *s, const struct nat64_tuple *k,
		      uint8_t state, uint8_t cls, uint64_t expires,
		      struct nat64_session *out);
int nat64_session_add_key(struct nat64_shard *s, const struct nat64_tuple *k,
			  const struct nat64_key6 *h, uint8_t state,
			  uint8_t cls, uint64_t expires,
			  struct nat64_session *out);
/* Set a session's state, flags, expiry class and time.  0/-ENOENT/-EINVAL. */
int nat64_session_update(struct nat64_shard *s, uint32_t id, uint8_t state,
			 uint8_t flags, uint8_t cls, uint64_t expires);
/* Remove a session and, with its last session, a dynamic BIB entry
 * (*bib_gone then true: release its pool4 port).  0/-ENOENT. */
int nat64_session_del(struct nat64_shard *s, uint32_t id, bool *bib_gone);

/* Sessions and dynamic+static BIB entries of x6's subscriber. */
void nat64_client_counts(struct nat64_shard *s, const struct in6_addr *x6,
			 uint32_t *bibs, uint32_t *sessions);

/*
 * Expiry.  The callback sees each expired session (expires <= now) before
 * anything is removed.  It returns false to delete it, or true after
 * setting *state, *cls and *expires (> now) to keep it (TCP ESTABLISHED
 * → probe → TRANS).  last_of_dynamic tells that deleting also removes the
 * dynamic BIB entry.  It runs under the shard lock: it must not call the
 * table or block; queue the probe or ICMP error instead.
 */
struct nat64_expired {
	struct nat64_session s;
	bool last_of_dynamic;
};
typedef bool (*nat64_expire_fn)(void *arg, const struct nat64_expired *e,
				uint8_t *state, uint8_t *cls,
				uint64_t *expires);

/*
 * Look at no more than budget sessions, shard after shard from a shared
 * cursor, and remove the expired ones (cb may be NULL: delete all).  Takes
 * each shard's lock in turn; call it with no shard locked.  Returns how
 * many sessions it removed.
 */
unsigned nat64_expire_step(struct nat64_table *t, uint64_t now,
			   unsigned budget, nat64_expire_fn cb, void *arg);

/*
 * Walk every BIB entry / session of proto (NAT64_NPROTO: all), one shard
 * locked at a time; cb gets a copy under that lock and must not call the
 * table.  cb returns non-zero to stop; the walk returns that value or 0.
 */
typedef int nat64_table_bib_cb(void *arg, const struct nat64_bib *b);
typedef int nat64_table_session_cb(void *arg, const struct nat64_session *s);
int nat64_table_bib_walk(struct nat64_table *t, unsigned proto,
			 nat64_table_bib_cb *cb, void *arg);
int nat64_table_session_walk(struct nat64_table *t, unsigned proto,
			     nat64_table_session_cb *cb, void *arg);

/* Whole-table counts, read without locks (may be a moment old). */
uint32_t nat64_table_sessions(const struct nat64_table *t);
uint32_t nat64_table_bibs(const struct nat64_table *t);

#endif
