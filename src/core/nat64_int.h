/* SPDX-License-Identifier: BSD-2-Clause */
/* Internals of the stateful NAT64 (nat64.c, nat64_store.c). */
#ifndef SIXGATE_NAT64_INT_H
#define SIXGATE_NAT64_INT_H

#include <pthread.h>

#include "internal.h"
#include "nat64.h"

#define NS_PER_S 1000000000ull

/* Expiry classes of the session table: one per distinct lifetime. */
enum {
	CLS_UDP = 0,
	CLS_ICMP,
	CLS_TCP_EST,
	CLS_TCP_TRANS,
	CLS_TCP_TRANS_OPEN,
	CLS_TCP_SYN,
};

/* Session flag bits (nat64_session.flags). */
#define SESS_SYN_HELD 0x01

struct nat64_counters {
#define NAT64_CNT_ATOMIC(name, desc) _Atomic uint64_t name;
	NAT64_COUNTERS(NAT64_CNT_ATOMIC)
#undef NAT64_CNT_ATOMIC
};

#define CNT_INC(n, f) atomic_fetch_add_explicit(&(n)->cnt.f, 1, \
						memory_order_relaxed)

/* A held IPv4 SYN (RFC 6146 §3.5.2.2, RFC 5382 REQ-4), keyed by its
 * IPv4 5-tuple (T,t,Z,z). */
struct syn_slot {
	uint32_t t4, z4;
	uint16_t t_port, z_port;
	uint64_t expires;
	uint32_t next;       /* hash chain or free list */
	uint16_t len;
	bool used;
	uint8_t pkt[NAT64_SYN_LEN];
};

struct syn_store {
	pthread_mutex_t lock;
	struct syn_slot *slot;
	uint32_t *head;
	uint32_t max, mask, nused, free;
};

/* One fragmented datagram whose first fragment was seen: its binding. */
struct frag_key {
	uint8_t fam;         /* 4 or 6: the IP version of the fragments */
	uint8_t proto;
	uint32_t id;
	struct in6_addr src, dst; /* IPv4 in the first 4 bytes for fam 4 */
};

struct frag_state {
	struct frag_key k;
	struct xlat_nat nat;
	uint64_t expires;
	uint32_t next;
	bool used;
};

struct frag_hold {
	struct frag_key k;
	uint64_t expires;
	uint16_t len;
	bool used;
	uint8_t pkt[NAT64_FRAG_HOLD_LEN];
};

struct frag_table {
	pthread_mutex_t lock;
	struct frag_state *st;
	uint32_t *head;
	uint32_t max, mask, nused, free;
	struct frag_hold *hold;
	uint32_t hold_max, nheld;
};

/* A freed pool4 port on hold (RFC 6888 REQ-8). */
struct held_port {
	uint64_t until;
	uint32_t t4;
	uint16_t t_port;
	uint8_t proto;
};

struct nat64 {
	struct nat64_config c;
	struct nat64_table *tab;
	struct pool4 *pool;
	pthread_mutex_t pool_lock;   /* pool4 and the hold ring; taken
					inside a shard lock, never outside */
	struct held_port *hold;      /* ring of port_hold_max */
	uint32_t hold_head, nhold;
	struct syn_store syn;
	struct frag_table frag;
	struct nat64_counters cnt;
};

/* nat64.c */
void nat64_log_bib(struct nat64 *n, enum nat64_log_what what, uint8_t proto,
		   const struct in6_addr *x6, uint16_t x_port, uint32_t t4,
		   uint16_t t_port, bool is_static, uint64_t now);
void nat64_log_session(struct nat64 *n, enum nat64_log_what what,
		       const struct nat64_tuple *k, uint64_t now);
/* pool4_alloc_hint() under the pool lock; h from pool4_hint() of x6. */
int nat64_port_alloc(struct nat64 *n, uint8_t proto, const struct in6_addr *x6,
		     uint16_t x_port, const struct pool4_hint *h,
		     struct pool4_taddr *ta);
/* Give a dynamic port back, on hold when hold is set. */
void nat64_port_free(struct nat64 *n, uint8_t proto, const struct in6_addr *x6,
		     uint32_t t4, uint16_t t_port, bool hold, uint64_t now);

/* nat64_path.c */
/* nat64_packet() without resetting out: for held fragments. */
enum xlat_verdict nat64_packet_inner(struct nat64 *n,
				     const struct xlat_ctx *ctx,
				     const uint8_t *pkt, size_t len,
				     uint64_t now, struct xlat_out *out);
uint8_t nat64_timer_class(enum nat64_tcp_timer t);
/* RFC 6146 §3.5.2.2: the ACK-only probe (seq 0, ack 0) to the IPv6 end of
 * an idle ESTABLISHED session. */
void nat64_probe(const struct xlat_ctx *ctx, const struct nat64_tuple *k,
		 struct xlat_out *out);

/* nat64_store.c */
int syn_store_init(struct syn_store *s, uint32_t max);
void syn_store_fini(struct syn_store *s);
/* 0; -EEXIST (already held: the copy is kept); -ENOSPC. */
int syn_store_put(struct syn_store *s, uint32_t t4, uint16_t t_port,
		  uint32_t z4, uint16_t z_port, const uint8_t *pkt, size_t len,
		  uint64_t expires);
/* Remove a held SYN; true when there was one. */
bool syn_store_drop(struct syn_store *s, uint32_t t4, uint16_t t_port,
		    uint32_t z4, uint16_t z_port);
/* Take out one SYN due by now into buf (NAT64_SYN_LEN); its length or 0. */
size_t syn_store_expire(struct syn_store *s, uint64_t now, uint8_t *buf);

int frag_init(struct frag_table *f, uint32_t max, uint32_t hold_max);
void frag_fini(struct frag_table *f);
/* Binding of a datagram's later fragments, recorded by its first. */
int frag_record(struct frag_table *f, const struct frag_key *k,
		const struct xlat_nat *nat, uint64_t expires);
bool frag_lookup(struct frag_table *f, const struct frag_key *k,
		 uint64_t now, struct xlat_nat *nat);
/* Hold an out-of-order fragment: 0, -ENOSPC, -EMSGSIZE. */
int frag_hold(struct frag_table *f, const struct frag_key *k,
	      const uint8_t *pkt, size_t len, uint64_t expires);
/* Take out one held fragment of k into buf; its length or 0. */
size_t frag_unhold(struct frag_table *f, const struct frag_key *k,
		   uint8_t *buf);
/* Drop states and held fragments due by now; returns fragments dropped. */
unsigned frag_expire(struct frag_table *f, uint64_t now);

#endif
