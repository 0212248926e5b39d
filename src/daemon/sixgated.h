/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated internals: struct daemon and what main.c, state.c, role.c and
 * worker.c share.  control.c and pref64d.c see only daemon.h.
 *
 * Concurrency (docs/daemon.md, "Workers and reload"):
 *  - every change (reload, EAM, pref64) runs under d->lock, from whichever
 *    thread asked (main for SIGHUP, control, pref64 discovery);
 *  - a change builds a new generation (config + translator contexts),
 *    publishes it with one atomic store per role, bumps d->epoch and waits
 *    until every worker has passed a quiescent point or is idle (blocked
 *    in read() or io_uring_enter(), or busy-polling: WORKER_OFFLINE), so
 *    no worker still reads the old contexts;
 *  - the old generation is then kept DAEMON_GRACE_SEC more for readers of
 *    daemon_conf() in the control thread, and freed by daemon_tick().
 */
#ifndef SIXGATE_SIXGATED_H
#define SIXGATE_SIXGATED_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "daemon.h"
#include "log.h"
#include "ratelimit.h"
#include "steer.h"
#include "tun.h"

#define DAEMON_GRACE_SEC 10
#define WORKER_OFFLINE UINT64_MAX
/* Interrupts a worker's blocking read() or io_uring wait when it is to
 * stop. */
#define WORKER_WAKE_SIG SIGUSR2

enum daemon_role_id { ROLE_SIIT = 0, ROLE_CLAT = 1, ROLE_NAT64 = 2,
		      ROLE__COUNT };

/* One published state: what workers translate with and what the control
 * socket shows.  Never changed once published. */
struct daemon_gen {
	struct sixgate_conf conf;         /* owns its EAM tables */
	struct xlat_ctx ctx[ROLE__COUNT]; /* conf's, with the pref64 in use */
	const char *devs[ROLE__COUNT + 1];
	struct daemon_gen *retired_next;
	uint64_t retired_at;              /* monotonic ns */
};

struct worker_ring;

struct worker {
	struct worker_stats stats;   /* first: its own cache lines */
	_Atomic uint64_t qs;         /* epoch last seen, or WORKER_OFFLINE */
	_Atomic bool stop;
	bool running;
	struct daemon *d;
	enum daemon_role_id role;
	int fd;
	int cpu;                     /* pinned to; -1: not pinned */
	pthread_t thread;
	struct xlat_out *out;        /* 64-byte aligned, ~160 KiB */
	unsigned char *buf;          /* TUN_BUF bytes */
	struct worker_ring *ring;    /* io_uring; NULL: read() and write() */
	struct log_rl rl;
	struct tbucket tb;           /* ICMP errors, icmp-error-rate */
} __attribute__((aligned(64)));

struct daemon_role {
	bool open;                   /* TUN queues open */
	char tun[CONF_IFNAMSIZ];
	unsigned ifindex;
	int fds[DAEMON_MAX_WORKERS];
	struct tun_caps caps;        /* vnet header and offloads in force */
	_Atomic(const struct xlat_ctx *) ctx;
	struct worker w[DAEMON_MAX_WORKERS];
};

struct daemon {
	pthread_mutex_t lock;        /* serialises changes */
	const char *conf_path;       /* NULL: embedded default */
	time_t started;
	unsigned nqueues;            /* workers per role, fixed at start */
	bool offloads;               /* ask TUN devices for GSO/checksum
					offloads (issue 7) */
	bool pin_workers;            /* worker i of a role on CPU i mod n */
	/* io and busy-poll (issue 7), fixed when the first worker starts:
	 * io_uring or read()/write(), the ring's setup flags, and how long
	 * an idle worker polls before it sleeps. */
	bool io_fixed;
	bool io_uring;
	unsigned uring_flags;
	uint32_t busy_poll_ns;
	bool running;                /* workers may be started */
	_Atomic(struct daemon_gen *) gen;
	struct daemon_gen *retired;
	_Atomic uint64_t epoch;
	_Atomic uint32_t icmp_rate;
	_Atomic bool log_packets;
	struct nl *nl;
	struct daemon_role role[ROLE__COUNT];

	/* [nat64]: the stateful NAT64 shared by the role's workers, made
	 * at start (its pool4 and limits change only then), and the thread
	 * that expires its state (nat64d.c). */
	struct nat64 *nat64;
	pthread_t nat64_thread;
	bool nat64_thread_running;
	_Atomic bool nat64_stop;
	/* pool6 is routed into the NAT64's TUN only while it is healthy, so
	 * a routing daemon exporting that route (BIRD, docs/anycast.md)
	 * withdraws the prefix from a gateway that cannot translate. */
	_Atomic bool nat64_unhealthy;
	/* pool4 ports on the host's own addresses (steer.h). */
	struct steer steer;

	/* [dns64]: listening sockets bound before the drop and the server
	 * thread (dns64d.c); the counters outlive restarts of the thread. */
	struct dns64d *dns64;
	struct dns64_counters dns64_ctr;

	/* The discovered prefix (pref64 = auto), under lock. */
	struct pref64 pref64;
	enum pref64_source pref64_src;
	uint64_t pref64_expiry;      /* monotonic ns, 0 = never */
};

uint64_t daemon_now_ns(void);

/* state.c */
int daemon_new(const char *path, struct sixgate_conf *conf,
	       struct daemon **out);
int daemon_start(struct daemon *d);   /* TUN, links, routes */
int daemon_run(struct daemon *d);     /* workers; after the drop */
void daemon_tick(struct daemon *d);   /* reap, pref64 lifetime */
void daemon_free(struct daemon *d);   /* stop, remove routes, close */
const struct conf_role *daemon_conf_role(const struct sixgate_conf *c,
					 enum daemon_role_id r);

/* role.c */
int role_open(struct daemon *d, enum daemon_role_id r,
	      const struct conf_role *cr);
void role_close(struct daemon *d, enum daemon_role_id r);
int role_link(struct daemon *d, enum daemon_role_id r,
	      const struct conf_role *cr);
int role_sync(struct daemon *d, const struct daemon_gen *g);

/* nat64d.c */
int nat64d_create(struct daemon *d, const struct sixgate_conf *c);
int nat64d_start(struct daemon *d);
void nat64d_stop(struct daemon *d);
/* Make the static BIB entries those of c (reload). */
void nat64d_sync_static(struct daemon *d, const struct sixgate_conf *c);

/* dns64d.c: [dns64] (RFC 6147) beside the workers. */
int dns64d_open(struct daemon *d, const struct sixgate_conf *c); /* binds */
int dns64d_start(struct daemon *d);   /* after the drop: the thread */
/* Under d->lock, whenever a generation is published: prefixes and keys
 * to the running server, restart it for resolver keys, open or close. */
void dns64d_sync(struct daemon *d, const struct daemon_gen *g);
/* Reload: listen changes at the next start; keep the running ones. */
void dns64d_keep_fixed(const struct sixgate_conf *old,
		       struct sixgate_conf *nc);
void dns64d_close(struct daemon *d);  /* stop the thread, close sockets */

/* worker.c */
int worker_start(struct daemon *d, enum daemon_role_id r, unsigned i);
void worker_stop(struct daemon *d, enum daemon_role_id r, unsigned i);
void worker_sum(const struct worker *w, struct stats_sum *sum);
/* Wait until no worker can still hold a context published before. */
void worker_synchronize(struct daemon *d);

#endif
