/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated [nat64]: the stateful NAT64 (src/core/nat64.h) the role's
 * workers share, its static BIB entries, its RFC 6888 §4 log and the
 * thread that expires its state.
 *
 * The expiry thread wakes every NAT64D_PERIOD_MS, collects what is due in
 * bounded steps (nat64_expire(): no stop-the-world sweep) and writes what
 * that emits, TCP probes (RFC 6146 §3.5.2.2) and ICMPv4 3/3 for held SYNs
 * (RFC 5382 REQ-4), into the role's TUN.  It reads the role's context
 * like a worker would; a retired context outlives a pass by
 * DAEMON_GRACE_SEC.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/nat64.h"
#include "netlink.h"
#include "steer.h"
#include "sixgated.h"
#include "tun.h"

#define NAT64D_PERIOD_MS 100

static const char *const nat64d_proto[] = { "tcp", "udp", "icmp" };

/*
 * One log line per record.  Wall-clock time in UTC because abuse reports
 * arrive with wall-clock times (RFC 6888 §4); the destination only in
 * session records, which are off by default (REQ-12).
 */
static void nat64d_log(void *arg, const struct nat64_log *l)
{
	char when[32], rec[160];
	struct timespec ts;
	struct tm tm;

	(void)arg;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	nat64_log_format(l, rec, sizeof(rec));
	log_info("nat64: %s.%03ldZ %s", when, ts.tv_nsec / 1000000, rec);
}

static void nat64d_add_static(struct daemon *d, const struct conf_bib *b)
{
	char x[INET6_ADDRSTRLEN];
	int rc = nat64_static_add(d->nat64, b->proto, &b->x6, b->x_port, b->t4,
				  b->t_port);

	if (rc == 0 || rc == -EEXIST)
		return;
	inet_ntop(AF_INET6, &b->x6, x, sizeof(x));
	log_err("nat64: static bib %s [%s]:%u: %s", nat64d_proto[b->proto % 3],
		x, b->x_port, strerror(-rc));
}

/* pool4 with no line: the host's own address, ports 61001-65535 of all
 * three protocols (RFC 6146 §3; docs/nat64.md). */
static int nat64d_pool4_auto(struct daemon *d, struct pool4_range *r)
{
	unsigned ifx = 0;
	uint32_t a = 0;
	int rc = nl_host_addr4(d->nl, d->role[ROLE_NAT64].ifindex, &a, &ifx);

	if (rc) {
		log_err("nat64: no pool4 line, and the host's own IPv4 address "
			"cannot be found (%s): give pool4 (sixgate.conf(5))",
			rc == -ENETUNREACH ? "no IPv4 default route" :
			rc == -EADDRNOTAVAIL ? "the default route has no "
			"preferred source and its device no global address" :
			strerror(-rc));
		return rc;
	}
	for (unsigned p = 0; p < POOL4_NPROTO; p++)
		r[p] = (struct pool4_range){ .addr = a, .proto = (uint8_t)p,
					     .lo = CONF_HOST_PORT_LO,
					     .hi = CONF_HOST_PORT_HI };
	log_notice("nat64: no pool4 line: pool4 is the host's address "
		   "%u.%u.%u.%u (ifindex %u), ports %u-%u", a >> 24,
		   (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff, ifx,
		   CONF_HOST_PORT_LO, CONF_HOST_PORT_HI);
	return 0;
}

/* A pool4 address the host has on an interface is delivered locally:
 * its pool4 ports are steered into the TUN (steer.h).  Addresses the
 * host does not have are routed into the TUN whole (role.c). */
static int nat64d_steer(struct daemon *d, const struct sixgate_conf *c,
			const struct pool4_range *r, unsigned n)
{
	struct pool4_range own[STEER_MAX_RANGES];
	unsigned nown = 0, ifx;
	uint32_t got;

	for (unsigned i = 0; i < n; i++) {
		bool found = false;
		int rc = nl_addr4_in(d->nl, r[i].addr, 32, 0, &got, &ifx,
				     &found);
		if (rc)
			return rc;
		if (!found)
			continue;
		if (nown == STEER_MAX_RANGES) {
			log_err("nat64: more than %d pool4 ranges on the "
				"host's own addresses", STEER_MAX_RANGES);
			return -E2BIG;
		}
		own[nown++] = r[i];
	}
	if (nown == 0)
		return 0;
	return steer_up(&d->steer, d->nl, d->role[ROLE_NAT64].tun,
			d->role[ROLE_NAT64].ifindex, c->nat64s.host_mark,
			c->nat64s.host_table, own, nown);
}

int nat64d_create(struct daemon *d, const struct sixgate_conf *c)
{
	struct nat64_config cfg = c->nat64s.cfg;
	const struct pool4_range *pool = c->nat64s.pool4;
	unsigned npool = c->nat64s.npool4;
	struct pool4_range host[POOL4_NPROTO];
	const char *why = NULL;
	int rc;

	if (c->nat64s.pool4_auto) {
		rc = nat64d_pool4_auto(d, host);
		if (rc)
			return rc;
		pool = host;
		npool = POOL4_NPROTO;
	}
	rc = nat64d_steer(d, c, pool, npool);
	if (rc)
		return rc;
	if (getrandom(cfg.table.key, sizeof(cfg.table.key), 0) < 0 ||
	    getrandom(cfg.pool.key, sizeof(cfg.pool.key), 0) < 0) {
		rc = -errno;
		steer_down(&d->steer, d->nl);
		return rc;
	}
	cfg.log = nat64d_log;
	rc = nat64_new(&d->nat64, &cfg, pool, npool, &why);
	if (rc) {
		log_err("nat64: %s", why ? why : strerror(-rc));
		steer_down(&d->steer, d->nl);
		return rc;
	}
	for (unsigned i = 0; i < c->nat64s.nbib; i++)
		nat64d_add_static(d, &c->nat64s.bib[i]);
	return 0;
}

struct nat64d_static {
	struct conf_bib *v;
	unsigned n, max;
};

static int nat64d_collect(void *arg, const struct nat64_bib *b)
{
	struct nat64d_static *s = arg;

	if (!b->is_static)
		return 0;
	if (s->n == s->max)
		return 1;
	s->v[s->n++] = (struct conf_bib){ .proto = b->proto, .x6 = b->x6,
					  .x_port = b->x_port, .t4 = b->t4,
					  .t_port = b->t_port };
	return 0;
}

static bool nat64d_has(const struct conf_bib *v, unsigned n,
		       const struct conf_bib *b)
{
	for (unsigned i = 0; i < n; i++)
		if (v[i].proto == b->proto && v[i].t4 == b->t4 &&
		    v[i].t_port == b->t_port && v[i].x_port == b->x_port &&
		    memcmp(&v[i].x6, &b->x6, 16) == 0)
			return true;
	return false;
}

/* Like EAM rows, the file's static entries replace those added at run
 * time (docs/daemon.md). */
void nat64d_sync_static(struct daemon *d, const struct sixgate_conf *c)
{
	struct nat64d_static cur = { .max = 65536 };

	if (!d->nat64)
		return;
	cur.v = calloc(cur.max, sizeof(*cur.v));
	if (!cur.v) {
		log_err("nat64: reload: static BIB entries unchanged: %s",
			strerror(ENOMEM));
		return;
	}
	nat64_bib_walk(d->nat64, NAT64_NPROTO, nat64d_collect, &cur);
	for (unsigned i = 0; i < cur.n; i++)
		if (!nat64d_has(c->nat64s.bib, c->nat64s.nbib, &cur.v[i]))
			nat64_static_del(d->nat64, cur.v[i].proto, cur.v[i].t4,
					 cur.v[i].t_port);
	for (unsigned i = 0; i < c->nat64s.nbib; i++)
		if (!nat64d_has(cur.v, cur.n, &c->nat64s.bib[i]))
			nat64d_add_static(d, &c->nat64s.bib[i]);
	free(cur.v);
}

/* Each packet on its flow's queue, as the workers write (tun_pkt_queue):
 * probes and errors of different sessions, so chosen one by one. */
static void nat64d_write(struct daemon *d, const struct xlat_out *o)
{
	const struct daemon_role *dr = &d->role[ROLE_NAT64];

	for (unsigned i = 0; i < o->npkts; i++) {
		int q = tun_pkt_queue(&o->pkts[i], NULL, 0, d->nqueues);
		int fd = dr->fds[q < 0 ? 0 : q];

		if (fd >= 0)
			tun_write(fd, dr->caps.vnet, o->pkts[i].data,
				  o->pkts[i].len, o->pkts[i].family, NULL);
	}
}

/* ---- health ------------------------------------------------------- */

/* A worker that has been inside one packet (online, no packet counted)
 * for NAT64D_STUCK_TICKS health checks is stuck. */
#define NAT64D_HEALTH_TICKS 10 /* expiry periods between checks: 1 s */
#define NAT64D_STUCK_TICKS 3

struct nat64d_health {
	uint64_t seen[DAEMON_MAX_WORKERS];
	unsigned still[DAEMON_MAX_WORKERS];
	unsigned tick;
};

/* No free TCP or UDP port left on any pool4 address: new flows of
 * most clients would fail. */
static bool nat64d_pool_full(struct nat64 *n)
{
	uint64_t conf[POOL4_NPROTO] = { 0 }, used[POOL4_NPROTO] = { 0 };
	struct pool4_stat st;

	for (size_t i = 0; nat64_pool4_stat(n, i, &st) == 0; i++)
		for (unsigned p = 0; p < POOL4_NPROTO; p++) {
			conf[p] += st.configured[p];
			used[p] += st.in_use[p];
		}
	return (conf[POOL4_TCP] && used[POOL4_TCP] >= conf[POOL4_TCP]) ||
	       (conf[POOL4_UDP] && used[POOL4_UDP] >= conf[POOL4_UDP]);
}

static bool nat64d_worker_stuck(struct daemon *d, struct nat64d_health *h)
{
	bool stuck = false;

	for (unsigned i = 0; i < DAEMON_MAX_WORKERS; i++) {
		struct worker *w = &d->role[ROLE_NAT64].w[i];
		uint64_t in = atomic_load(&w->stats.in4) +
			      atomic_load(&w->stats.in6);
		bool online = w->running &&
			      atomic_load(&w->qs) != WORKER_OFFLINE;
		h->still[i] = online && in == h->seen[i] ? h->still[i] + 1 : 0;
		h->seen[i] = in;
		stuck |= h->still[i] >= NAT64D_STUCK_TICKS;
	}
	return stuck;
}

/* Route pool6 in or out when the verdict changes (issue 6: a gateway
 * announces the prefix only while it can translate). */
static void nat64d_health(struct daemon *d, struct nat64d_health *h)
{
	if (++h->tick % NAT64D_HEALTH_TICKS)
		return;
	bool full = nat64d_pool_full(d->nat64);
	bool stuck = nat64d_worker_stuck(d, h);
	bool bad = full || stuck;

	if (bad == atomic_load(&d->nat64_unhealthy))
		return;
	pthread_mutex_lock(&d->lock);
	atomic_store(&d->nat64_unhealthy, bad);
	struct daemon_gen *g = atomic_load(&d->gen);
	int err = g ? role_sync(d, g) : 0;
	pthread_mutex_unlock(&d->lock);
	if (bad)
		log_warn("nat64: unhealthy (%s): pool6 route withdrawn%s",
			 full ? "pool4 exhausted" : "a worker is stuck",
			 err ? ", but the route update failed" : "");
	else
		log_notice("nat64: healthy again: pool6 route restored%s",
			   err ? ", but the route update failed" : "");
}

static void *nat64d_main(void *arg)
{
	struct daemon *d = arg;
	struct xlat_out *o = aligned_alloc(64, sizeof(*o));
	struct timespec nap = { 0, NAT64D_PERIOD_MS * 1000000L };
	struct nat64d_health h;

	if (!o) {
		log_err("nat64: expiry thread: %s", strerror(ENOMEM));
		return NULL;
	}
	memset(o, 0, sizeof(*o));
	memset(&h, 0, sizeof(h));
	while (!atomic_load(&d->nat64_stop)) {
		nat64d_health(d, &h);
		const struct xlat_ctx *x = atomic_load_explicit(
			&d->role[ROLE_NAT64].ctx, memory_order_acquire);
		if (x) {
			uint64_t now = daemon_now_ns();
			while (nat64_expire(d->nat64, x, now, 32, o) > 0)
				nat64d_write(d, o);
			nat64d_write(d, o);
		}
		nanosleep(&nap, NULL);
	}
	free(o);
	return NULL;
}

int nat64d_start(struct daemon *d)
{
	int rc;

	if (!d->nat64 || d->nat64_thread_running)
		return 0;
	atomic_store(&d->nat64_stop, false);
	rc = -pthread_create(&d->nat64_thread, NULL, nat64d_main, d);
	if (rc == 0)
		d->nat64_thread_running = true;
	return rc;
}

void nat64d_stop(struct daemon *d)
{
	if (!d->nat64_thread_running)
		return;
	atomic_store(&d->nat64_stop, true);
	pthread_join(d->nat64_thread, NULL);
	d->nat64_thread_running = false;
}
