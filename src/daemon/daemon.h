/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: the state the daemon's parts share (docs/daemon.md).  main.c,
 * worker.c, tun.c and netlink.c implement it; control.c (the control
 * socket) and pref64d.c (prefix discovery) use only what is declared here.
 */
#ifndef SIXGATE_DAEMON_H
#define SIXGATE_DAEMON_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf/conf.h"
#include "core/xlat.h"

/* Counters of one worker; only that worker writes them (relaxed atomics so
 * readers see whole values).  Summed on request. */
struct worker_stats {
	_Atomic uint64_t in4, in6;      /* packets read, by IP version */
	_Atomic uint64_t out4, out6;    /* packets written, by IP version */
	_Atomic uint64_t verdict[XLAT__COUNT]; /* XLAT_OK and each drop reason */
	_Atomic uint64_t icmp_sent;     /* generated ICMP errors written */
	_Atomic uint64_t icmp_limited;  /* generated errors the rate limit ate */
	_Atomic uint64_t tun_read_err, tun_write_err;
	_Atomic uint64_t gso_in;        /* GSO super-packets read (issue 7) */
} __attribute__((aligned(64)));

/* A plain snapshot of the above. */
struct stats_sum {
	uint64_t in4, in6, out4, out6;
	uint64_t verdict[XLAT__COUNT];
	uint64_t icmp_sent, icmp_limited, tun_read_err, tun_write_err;
	uint64_t gso_in;
};

/* [dns64] counters (docs/dns64.md): name, description.  The DNS64 thread
 * writes them (relaxed atomics), the control socket reads them; they
 * outlive restarts of that thread. */
#define DNS64_COUNTERS(X)                                                   \
	X(queries_udp, "DNS queries received over UDP")                    \
	X(queries_tcp, "DNS queries received over TCP")                    \
	X(cache_hits, "answers served from the DNS64 cache, no upstream")  \
	X(synthesized, "answers with synthesised AAAA or PTR CNAME "       \
	  "(RFC 6147 §5.1.7, §5.3.1)")                                     \
	X(local, "ipv4only.arpa answered locally (RFC 8880 §7.1)")         \
	X(not_allowed, "queries from outside allow-client, resolved "      \
	  "without synthesis")                                             \
	X(upstream_queries, "queries handed to the resolver (libunbound)") \
	X(upstream_failures, "upstream answers that failed (SERVFAIL, "    \
	  "resolver error)")                                               \
	X(upstream_timeouts, "upstream answers later than upstream-timeout "\
	  "(RFC 6147 §5.1.3)")                                             \
	X(bogus, "SERVFAIL for answers that failed DNSSEC validation "     \
	  "(RFC 6147 §5.5)")                                               \
	X(formerr, "malformed queries answered with FORMERR")              \
	X(notimp, "queries with an opcode other than QUERY (NOTIMP)")      \
	X(truncated, "UDP answers cut with TC=1 (the client retries over " \
	  "TCP)")                                                          \
	X(tcp_refused, "TCP connections closed at once: tcp-max-clients "  \
	  "reached")                                                       \
	X(dropped, "queries dropped: shorter than a DNS header, or the "   \
	  "answer could not be sent")

#define DNS64_COUNTER_FIELD(name, desc) _Atomic uint64_t name;
struct dns64_counters {
	DNS64_COUNTERS(DNS64_COUNTER_FIELD)
} __attribute__((aligned(64)));
#undef DNS64_COUNTER_FIELD

#define DNS64_STAT_FIELD(name, desc) uint64_t name;
/* A plain snapshot of the above. */
struct dns64_stats {
	DNS64_COUNTERS(DNS64_STAT_FIELD)
};
#undef DNS64_STAT_FIELD

/* Where the prefix in use came from. */
enum pref64_source {
	PREF64_SRC_CONFIG = 0,
	PREF64_SRC_RFC7050 = 1, /* AAAA of ipv4only.arpa */
	PREF64_SRC_RFC8781 = 2, /* PREF64 option in a Router Advertisement */
	PREF64_SRC_NONE = 3,    /* auto, nothing discovered yet */
};

struct daemon;

/* Read-only views for the control socket. */
const struct sixgate_conf *daemon_conf(const struct daemon *d);
const char *daemon_conf_path(const struct daemon *d); /* NULL: embedded */
time_t daemon_started(const struct daemon *d);
unsigned daemon_nworkers(const struct daemon *d);
void daemon_stats(const struct daemon *d, struct stats_sum *sum);
/* One worker thread, for `sixgatectl workers`: which role and TUN queue
 * it serves, where it runs and its own counters. */
struct worker_info {
	const char *role;      /* "siit", "clat" or "nat64" */
	char dev[16];          /* the role's TUN device (IFNAMSIZ) */
	unsigned queue;        /* the queue of that device it reads */
	int cpu;               /* the CPU it is pinned to; -1: not pinned */
	bool running;          /* false: stopped, counters kept */
	struct stats_sum s;
};
/* Workers per role, and rows daemon_workers() can give (three roles). */
#define DAEMON_MAX_WORKERS 64
#define DAEMON_WORKER_ROWS (3 * DAEMON_MAX_WORKERS)
/* The workers of the roles whose TUN device is open, role by role and
 * queue by queue, copied in one hold of the daemon's lock (a reload never
 * shows half): up to max rows into out, the number of rows returned. */
unsigned daemon_workers(const struct daemon *d, struct worker_info *out,
			unsigned max);
/* The prefix the translator uses now, its source and remaining lifetime in
 * seconds (UINT32_MAX: no expiry). */
void daemon_pref64(const struct daemon *d, struct pref64 *p,
		   enum pref64_source *src, uint32_t *lifetime);
/* Names of the TUN devices, NULL-terminated. */
const char *const *daemon_devices(const struct daemon *d);
struct nat64;
/* The stateful NAT64 of the [nat64] role, NULL when there is none.  Its
 * calls (src/core/nat64.h) are thread-safe. */
struct nat64 *daemon_nat64(const struct daemon *d);
/* The [dns64] counters; false (and *s untouched) without [dns64]. */
bool daemon_dns64_stats(const struct daemon *d, struct dns64_stats *s);

/*
 * Changes, serialised by the daemon.  Each returns 0, or a negative errno
 * with a one-line reason in err (for reload: "file:line: reason").  A
 * refused change leaves the running state untouched.
 */
int daemon_reload(struct daemon *d, char *err, size_t errlen);
int daemon_eam_add(struct daemon *d, const struct eam_entry *e, char *err,
		   size_t errlen);
int daemon_eam_del4(struct daemon *d, uint32_t v4, unsigned len4, char *err,
		    size_t errlen);
/* pref64 discovery reports a new prefix (len 0: withdrawn). */
void daemon_pref64_update(struct daemon *d, const struct pref64 *p,
			  enum pref64_source src, uint32_t lifetime);

#endif
