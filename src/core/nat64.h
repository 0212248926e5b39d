/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stateful NAT64, RFC 6146: the packet path around the RFC 7915 core.
 *
 * One struct nat64 holds the BIB and session tables (nat64_table.h), the
 * IPv4 pool (pool4.h), the held-SYN store, the fragment tracker and the
 * port hold queue.  Every worker thread calls nat64_packet() on the same
 * struct nat64: the tables are sharded with one lock per shard (see
 * docs/nat64-tables.md), pool4 and the small stores have their own locks,
 * and counters are atomics.  nat64_expire() collects expired state in
 * bounded steps; whoever calls it (a timer in the daemon, the pcap clock in
 * sixgatectl translate) writes out what it emits: TCP probes and the ICMPv4
 * errors for held SYNs.
 *
 * Like the rest of src/core: no clock, no descriptors, no allocation after
 * nat64_new().  "now" is nanoseconds on the caller's monotonic scale.
 */
#ifndef SIXGATE_NAT64_H
#define SIXGATE_NAT64_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "nat64_table.h"
#include "nat64_tcp.h"
#include "nat64_timeouts.h"
#include "pool4.h"
#include "xlat.h"

/* What a log record is about (RFC 6888 §4). */
enum nat64_log_what {
	NAT64_LOG_BIB_ADD = 0,
	NAT64_LOG_BIB_DEL,
	NAT64_LOG_SESSION_ADD,
	NAT64_LOG_SESSION_DEL,
};

/*
 * One log record.  A BIB record carries no remote end (RFC 6888 REQ-12:
 * destinations are not logged unless session logging is asked for).
 * now is the caller's clock, as passed to nat64_packet()/nat64_expire().
 */
struct nat64_log {
	enum nat64_log_what what;
	uint64_t now;
	uint8_t proto;          /* enum nat64_proto */
	bool is_static;
	struct in6_addr x6;     /* IPv6 source X' */
	uint16_t x_port;
	uint32_t t4;            /* pool4 address T, host order */
	uint16_t t_port;
	uint32_t z4;            /* sessions: remote IPv4 Z, host order */
	uint16_t z_port;
};

/* Called with a shard lock held: must not block for long or call back. */
typedef void nat64_log_fn(void *arg, const struct nat64_log *l);

/* "bib add tcp [2001:db8::1]:40000 192.0.2.1:61001 [static][ -> Z:z]":
 * one record as sixgated and sixgatectl print it, without the time. */
void nat64_log_format(const struct nat64_log *l, char *s, size_t n);

struct nat64_config {
	struct nat64_timeouts to;      /* validated by nat64_new() */
	bool adf;                      /* address-dependent filtering (§3.5.1);
					  default endpoint-independent */
	bool drop_inbound_tcp;         /* refuse externally initiated TCP
					  (§3.5.2.2), default off */
	bool router_src_dummy;         /* ICMPv6 errors from IPv6 routers get
					  the RFC 6791 / 192.0.0.8 source, not
					  T (CONFORMANCE.md section 15) */
	uint32_t max_stored_syn;       /* held V4 SYNs, default 64 (§5.3) */
	uint32_t frag_max;             /* fragmented datagrams tracked at once,
					  default 1024 */
	uint32_t frag_hold_max;        /* out-of-order fragments held, default
					  64, each up to NAT64_FRAG_HOLD_LEN */
	uint32_t port_hold;            /* seconds a freed dynamic port stays
					  unused, RFC 6888 REQ-8, default 120 */
	uint32_t port_hold_max;        /* ports held at once, default 65536;
					  the oldest is freed early past it */
	struct nat64_table_config table; /* limits; client_len; key */
	struct pool4_config pool;        /* quota; parity; key */
	nat64_log_fn *log;             /* NULL: no logging */
	void *log_arg;
	bool log_bib, log_sessions;    /* which records go to log */
};

/* Largest fragment the out-of-order hold keeps. */
#define NAT64_FRAG_HOLD_LEN 2048
/* Largest held SYN kept whole (the ICMP error quotes at most 548). */
#define NAT64_SYN_LEN 576

/*
 * Counters that are not per-packet verdicts (those are the XLAT_NAT64_*
 * reasons of the verdict the packet path returns).
 */
#define NAT64_COUNTERS(X)                                                      \
	X(bib_created, "dynamic BIB entries created")                        \
	X(bib_removed, "dynamic BIB entries removed with their last session") \
	X(sessions_created, "sessions created")                              \
	X(sessions_expired, "sessions removed at expiry")                    \
	X(tcp_probes, "ACK probes sent for idle ESTABLISHED TCP sessions")    \
	X(syn_stored, "IPv4 SYNs held for simultaneous open")                \
	X(syn_icmp, "held SYNs expired and answered with ICMPv4 3/3")       \
	X(syn_dropped, "held SYNs dropped: an IPv6 SYN arrived in time")     \
	X(syn_evicted, "held SYN expired with no room to answer")           \
	X(frag_held, "out-of-order fragments held for their first fragment")\
	X(frag_released, "held fragments translated after their first one") \
	X(frag_expired, "held fragments dropped at the reassembly timeout") \
	X(ports_held, "freed ports put on hold (RFC 6888 REQ-8)")            \
	X(ports_hold_early, "held ports freed early: hold queue full")       \
	X(hairpins, "packets hairpinned (RFC 6146 3.8)")

struct nat64_stats {
#define NAT64_CNT_FIELD(name, desc) uint64_t name;
	NAT64_COUNTERS(NAT64_CNT_FIELD)
#undef NAT64_CNT_FIELD
	/* Gauges. */
	uint64_t bib_entries, sessions, stored_syns, frag_states,
		 held_frags, held_ports;
};

struct nat64;

/* RFC defaults for everything; keys zeroed (the caller must fill
 * cfg->table.key and cfg->pool.key from a random source). */
void nat64_config_default(struct nat64_config *c);

/*
 * Build the NAT64 state.  ranges: pool4 (at least one).  The client
 * prefix length of table and pool must agree.  0, -EINVAL with *why naming
 * the problem, -ENOMEM.
 */
int nat64_new(struct nat64 **out, const struct nat64_config *c,
	      const struct pool4_range *ranges, size_t nranges,
	      const char **why);
void nat64_free(struct nat64 *n);

/*
 * Translate one packet (version from its first nibble) under RFC 6146,
 * with ctx giving the RFC 7915 settings and pool6 (the Pref64::/n).  Same
 * output contract as xlat_packet(); XLAT_HELD means the packet was kept
 * (held SYN, out-of-order fragment) and may come out later.  May emit
 * more than one packet (held fragments released, hairpins, errors).
 */
enum xlat_verdict nat64_packet(struct nat64 *n, const struct xlat_ctx *ctx,
			       const uint8_t *pkt, size_t len, uint64_t now,
			       struct xlat_out *out);

/* The same with the packet's offload state (xlat_packet_off()). */
enum xlat_verdict nat64_packet_off(struct nat64 *n,
				   const struct xlat_ctx *ctx,
				   const uint8_t *pkt, size_t len,
				   const struct xlat_offload *off, uint64_t now,
				   struct xlat_out *out);

/*
 * Expire state: up to budget sessions, then held SYNs, fragments and held
 * ports due by now.  Resets out and emits into it the TCP probes and the
 * ICMPv4 3/3 errors; never more than XLAT_MAX_OUT / 2 per call, so call it
 * again while it returns non-zero.  Returns how many items it handled.
 */
unsigned nat64_expire(struct nat64 *n, const struct xlat_ctx *ctx,
		      uint64_t now, unsigned budget, struct xlat_out *out);

/* Counters and gauges. */
void nat64_stats(const struct nat64 *n, struct nat64_stats *s);
/* Counter names/descriptions in NAT64_COUNTERS order. */
extern const char *const nat64_counter_names[];
extern const char *const nat64_counter_descs[];
extern const unsigned nat64_ncounters;

/*
 * Static BIB entries (§3.1), for the config and `sixgatectl bib add|del`.
 * (T,t) inside pool4 is taken out of dynamic allocation while the entry
 * lives.  add: 0, -EEXIST (either side taken), -ENOSPC, -EINVAL.
 * del: by the IPv4 side; 0 or -ENOENT; its sessions go with it.
 */
int nat64_static_add(struct nat64 *n, uint8_t proto, const struct in6_addr *x6,
		     uint16_t x_port, uint32_t t4, uint16_t t_port);
int nat64_static_del(struct nat64 *n, uint8_t proto, uint32_t t4,
		  uint16_t t_port);

/*
 * Walks for the control socket: every BIB entry / session of proto
 * (NAT64_NPROTO: all), one shard locked at a time, cb called with a copy
 * under that lock (it must not call into n).  cb returns non-zero to stop;
 * the walk returns that value, or 0.
 */
typedef int nat64_bib_cb(void *arg, const struct nat64_bib *b);
typedef int nat64_session_cb(void *arg, const struct nat64_session *s);
int nat64_bib_walk(struct nat64 *n, unsigned proto, nat64_bib_cb *cb,
		   void *arg);
int nat64_session_walk(struct nat64 *n, unsigned proto, nat64_session_cb *cb,
		       void *arg);

/* pool4 figures for `pool4 show`: address i in ascending order. */
size_t nat64_pool4_naddrs(struct nat64 *n);
int nat64_pool4_stat(struct nat64 *n, size_t i, struct pool4_stat *out);

#endif
