/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Benchmark of the stateful NAT64 core alone (RFC 6146 §3.5.1 UDP path):
 * new sessions per second, packets of established sessions both ways, and
 * the memory a million live sessions take, each next to a baseline measured
 * in the same run (stateless xlat_6to4()/xlat_4to6() on packets of the same
 * shape; the 256 MiB target for memory).
 *
 *   build/bench/nat64_bench            full run: memory, one thread, two
 *   build/bench/nat64_bench -c         quick correctness run for CI
 *   build/bench/nat64_bench -r 9 -n 500000 -k 50 -p 32
 *
 * Every packet's verdict is counted by reason; anything but "ok" during a
 * fill makes the exit status 1, as does an allocation on the packet path.
 * Method and how to read the figures: docs/performance.md, "NAT64".
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/nat64.h"
#include "core/wire.h"
#include "core/xlat.h"

/* The targets. */
#define TARGET_NEW_PER_S 1e6             /* new sessions per second, 1 core */
#define TARGET_RSS_MIB 256.0             /* with TARGET_RSS_SESSIONS live */
#define TARGET_RSS_SESSIONS 1000000u

#include "bench.h"

/* ---- parameters ---------------------------------------------------------- */

#define PKT_LEN 64     /* whole IP packet, as core_bench's 64-byte cases */
#define DST_PORT 53
#define POOL4_BASE 0xc0000201u /* 192.0.2.1, then .2, .3 ... */
#define SERVER4 0xc633640au    /* 198.51.100.10 */

struct params {
	unsigned sessions;   /* speed runs: packets = flows = sessions */
	unsigned per_client; /* sessions (source ports) per /64 */
	unsigned mem_sessions;
	unsigned pool_addrs;
	unsigned runs;
	bool quick, threads;
};

/* Flow i: client c = i % nclients, its j-th source port, j = i / nclients,
 * so consecutive packets come from different clients (and shards). */
struct flows {
	unsigned n, nclients, per, stride;
};

static void flows_init(struct flows *f, unsigned n, unsigned per)
{
	f->n = n;
	f->per = per;
	f->nclients = (n + per - 1) / per;
	f->stride = 64000 / per;
}

/* 2001:db8:4000+hi:lo::iid/64, one /64 per client. */
static void client_addr(unsigned c, struct in6_addr *a)
{
	static const uint8_t p[4] = { 0x20, 0x01, 0x0d, 0xb8 };
	uint32_t iid = c * 2654435761u;

	memcpy(a->s6_addr, p, 4);
	a->s6_addr[4] = (uint8_t)(0x40 | (c >> 24));
	a->s6_addr[5] = (uint8_t)(c >> 16);
	a->s6_addr[6] = (uint8_t)(c >> 8);
	a->s6_addr[7] = (uint8_t)c;
	memset(a->s6_addr + 8, 0, 4);
	a->s6_addr[8] = 0x02;
	a->s6_addr[12] = (uint8_t)(iid >> 24);
	a->s6_addr[13] = (uint8_t)(iid >> 16);
	a->s6_addr[14] = (uint8_t)(iid >> 8);
	a->s6_addr[15] = (uint8_t)iid;
}

static unsigned client_of(const struct in6_addr *a)
{
	return (unsigned)(a->s6_addr[4] & 0x3f) << 24 |
	       (unsigned)a->s6_addr[5] << 16 | (unsigned)a->s6_addr[6] << 8 |
	       a->s6_addr[7];
}

/* Distinct within a client, both parities (RFC 4787 REQ-4 pools them
 * apart), all in the 1024-65535 class. */
static uint16_t flow_port(const struct flows *f, unsigned c, unsigned j)
{
	return (uint16_t)(1024 + j * f->stride + (c + j) % f->stride);
}

static unsigned flow_index(const struct flows *f, unsigned c, uint16_t port)
{
	return (unsigned)(port - 1024) / f->stride * f->nclients + c;
}

/* ---- packet construction -------------------------------------------------- */



static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fin(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* UDP header and payload of n bytes at l4; pseudo: its pseudo-header sum. */
static void fill_udp(uint8_t *l4, size_t n, uint16_t sp, uint16_t dp,
		     uint32_t pseudo)
{
	uint16_t c;

	put16(l4, sp);
	put16(l4 + 2, dp);
	put16(l4 + 4, (uint16_t)n);
	put16(l4 + 6, 0);
	for (size_t i = 8; i < n; i++)
		l4[i] = (uint8_t)(i * 7);
	c = csum_fin(sum16(l4, n, pseudo));
	put16(l4 + 6, c ? c : 0xffff);
}

static void build6(uint8_t *p, const struct in6_addr *src, uint16_t sp,
		   const struct in6_addr *dst, uint16_t dp)
{
	size_t n = PKT_LEN - 40;
	uint32_t pseudo;

	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)n);
	p[6] = IPPROTO_UDP;
	p[7] = 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
	pseudo = sum16(p + 8, 32, 0) + (uint32_t)n + IPPROTO_UDP;
	fill_udp(p + 40, n, sp, dp, pseudo);
}

static void build4(uint8_t *p, uint32_t src, uint16_t sp, uint32_t dst,
		   uint16_t dp)
{
	size_t n = PKT_LEN - 20;
	uint32_t pseudo;

	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, PKT_LEN);
	put16(p + 4, 0x4242);
	p[6] = 0x40; /* DF */
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	put32(p + 12, src);
	put32(p + 16, dst);
	put16(p + 10, csum_fin(sum16(p, 20, 0)));
	pseudo = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
		 IPPROTO_UDP + (uint32_t)n;
	fill_udp(p + 20, n, sp, dp, pseudo);
}

static struct xlat_ctx ctx;
static struct in6_addr server6;

/* Client packet of flow i: [X']:x -> [Pref64::198.51.100.10]:53. */
static void build_flow6(const struct flows *f, unsigned i, uint8_t *p)
{
	unsigned c = i % f->nclients, j = i / f->nclients;
	struct in6_addr x6;

	client_addr(c, &x6);
	build6(p, &x6, flow_port(f, c, j), &server6, DST_PORT);
}

/* The stateless baseline's packet i: the same shape, but from an address
 * under pool6 (10.0.0.0/8 embedded), which SIIT can map without an EAM. */
static void build_siit6(const struct flows *f, unsigned i, uint8_t *p)
{
	unsigned c = i % f->nclients, j = i / f->nclients;
	struct in6_addr src;

	addr_embed(&ctx.pool6, 0x0a000000u | (i & 0xffffff), &src);
	build6(p, &src, flow_port(f, c, j), &server6, DST_PORT);
}

/* ---- NAT64 set-up ------------------------------------------------------------ */

static int setup_ctx(void)
{
	unsigned len = 0;

	xlat_ctx_init(&ctx);
	if (addr_parse6_prefix("64:ff9b::/96", &ctx.pool6.prefix, &len, true))
		return -EINVAL;
	ctx.pool6.len = (uint8_t)len;
	/* Documentation addresses on both sides. */
	ctx.allow_nonglobal_wkp = true;
	addr_embed(&ctx.pool6, ctx.self4, &ctx.self6);
	addr_embed(&ctx.pool6, SERVER4, &server6);
	return 0;
}

/* max-sessions = max-bib: the default 1048576, or room for more. */
static uint32_t max_sessions(unsigned sessions)
{
	return sessions > (1u << 20) ? sessions + sessions / 8 : 1u << 20;
}

/* The daemon's defaults (64 shards, 1048576 sessions and BIB entries,
 * client limits, port hold 120 s), with room for the run's flows. */
static int bench_nat64_new(struct nat64 **n, const struct params *pa,
			   unsigned sessions)
{
	struct pool4_range r[256];
	struct nat64_config c;
	const char *why = NULL;
	int rc;

	nat64_config_default(&c);
	for (unsigned i = 0; i < SIPHASH_KEY_LEN; i++)
		c.table.key[i] = c.pool.key[i] = (uint8_t)(i * 29 + 7);
	c.table.max_sessions = c.table.max_bib = max_sessions(sessions);
	if (pa->per_client > c.table.client_max_sessions)
		c.table.client_max_sessions = pa->per_client;
	if (pa->per_client > c.table.client_max_bib)
		c.table.client_max_bib = pa->per_client;
	if (pa->per_client > c.pool.quota[POOL4_UDP])
		c.pool.quota[POOL4_UDP] = pa->per_client;
	for (unsigned i = 0; i < pa->pool_addrs; i++)
		r[i] = (struct pool4_range){ .addr = POOL4_BASE + i,
					     .proto = POOL4_UDP, .lo = 1024,
					     .hi = 65535 };
	rc = nat64_new(n, &c, r, pa->pool_addrs, &why);
	if (rc)
		fprintf(stderr, "nat64_bench: nat64_new: %s\n",
			why ? why : strerror(-rc));
	return rc;
}

static struct xlat_out *out_new(void)
{
	struct xlat_out *o = aligned_alloc(64, sizeof(*o));

	if (o)
		memset(o, 0, sizeof(*o));
	return o;
}

/* ---- verdict bookkeeping ---------------------------------------------------- */

struct tally {
	unsigned long v[XLAT__COUNT];
};

static unsigned long tally_bad(const struct tally *t)
{
	unsigned long bad = 0;

	for (unsigned i = 1; i < XLAT__COUNT; i++)
		bad += t->v[i];
	return bad;
}

/* Prints the non-ok verdicts of a phase; returns how many there were. */
static unsigned long tally_report(const char *what, const struct tally *t)
{
	unsigned long bad = tally_bad(t);

	if (!bad)
		return 0;
	fprintf(stderr, "nat64_bench: %s: %lu packets not translated:", what,
		bad);
	for (unsigned i = 1; i < XLAT__COUNT; i++)
		if (t->v[i])
			fprintf(stderr, " %s %lu",
				xlat_reason_name((enum xlat_verdict)i), t->v[i]);
	fprintf(stderr, "\n");
	return bad;
}

/* ---- timing ----------------------------------------------------------------- */


/* CPU time of the calling thread: unlike mono(), it leaves out the time
 * other processes had the CPU. */
static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

enum loop { L_NAT64, L_SIIT6, L_SIIT4 };

/* CLOCK_MONOTONIC in ns, read per packet as the daemon's workers do. */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Every packet of pkts[from, cnt) with the given step through one path;
 * verdicts counted in t.  Returns elapsed ns.  "now" is the monotonic
 * clock read for each packet, baseline loops included, as in a worker: a
 * made-up clock per thread would let one thread's sessions expire before
 * the other's, and every insert would then walk the shard's expiry list.
 */
static double run_loop(enum loop l, struct nat64 *n, const uint8_t *pkts,
		       unsigned from, unsigned cnt, unsigned step,
		       struct xlat_out *o, struct tally *t)
{
	double t0 = mono();

	for (unsigned i = from; i < cnt; i += step) {
		const uint8_t *p = pkts + (size_t)i * PKT_LEN;
		enum xlat_verdict v;

		if (l == L_NAT64)
			v = nat64_packet(n, &ctx, p, PKT_LEN, now_ns(), o);
		else if (l == L_SIIT6)
			v = xlat_6to4(&ctx, p, PKT_LEN, now_ns(), o);
		else
			v = xlat_4to6(&ctx, p, PKT_LEN, now_ns(), o);
		t->v[v]++;
	}
	return mono() - t0;
}

static double median(double *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned k = i; k > 0 && v[k] < v[k - 1]; k--) {
			double x = v[k];
			v[k] = v[k - 1];
			v[k - 1] = x;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- memory ----------------------------------------------------------------- */

/* VmRSS and VmHWM of this process in KiB. */
static void rss_kib(unsigned long *rss, unsigned long *hwm)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];

	*rss = *hwm = 0;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			*rss = strtoul(line + 6, NULL, 10);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			*hwm = strtoul(line + 6, NULL, 10);
	}
	fclose(f);
}

/*
 * A fresh NAT64 with the daemon's defaults filled with pa->mem_sessions UDP
 * sessions, packets built one at a time so that only the NAT64 grows.
 * Runs first, before anything else is allocated, so that VmHWM is its own.
 * Returns the failures (verdicts, session count).
 */
static unsigned long memory_phase(const struct params *pa)
{
	unsigned long rss[3], hwm[3], bad;
	struct xlat_out *o = out_new();
	struct nat64_stats st;
	struct tally t = { { 0 } };
	struct nat64 *n = NULL;
	struct flows f;
	uint8_t pkt[PKT_LEN];
	double mib;

	if (!o)
		return 1;
	flows_init(&f, pa->mem_sessions, pa->per_client);
	rss_kib(&rss[0], &hwm[0]);
	if (bench_nat64_new(&n, pa, pa->mem_sessions)) {
		free(o);
		return 1;
	}
	rss_kib(&rss[1], &hwm[1]);
	for (unsigned i = 0; i < f.n; i++) {
		build_flow6(&f, i, pkt);
		t.v[nat64_packet(n, &ctx, pkt, PKT_LEN, now_ns(), o)]++;
	}
	rss_kib(&rss[2], &hwm[2]);
	nat64_stats(n, &st);
	bad = tally_report("memory fill", &t);
	if (st.sessions != f.n) {
		fprintf(stderr, "nat64_bench: memory fill: %llu sessions, "
			"expected %u\n", (unsigned long long)st.sessions, f.n);
		bad++;
	}

	printf("memory: %u UDP sessions (%llu BIB entries), %u clients (/64) "
	       "x %u, daemon defaults (64 shards, max-sessions = max-bib = "
	       "%u)\n", f.n, (unsigned long long)st.bib_entries, f.nclients,
	       f.per, max_sessions(f.n));
	printf("%-28s %10s %10s\n", "stage", "VmRSS MiB", "VmHWM MiB");
	static const char *const stage[3] = { "before nat64_new",
					      "after nat64_new",
					      "after the fill" };
	for (unsigned i = 0; i < 3; i++)
		printf("%-28s %10.1f %10.1f\n", stage[i], rss[i] / 1024.0,
		       hwm[i] / 1024.0);
	mib = (double)(rss[2] - rss[0]) / 1024.0;
	printf("NAT64 state: %.1f MiB, %.0f bytes per session "
	       "(%.0f of them preallocated by nat64_new)\n", mib,
	       mib * 1048576.0 / f.n, (double)(rss[1] - rss[0]) * 1024.0 / f.n);
	if (f.n >= TARGET_RSS_SESSIONS)
		printf("target <= %.0f MiB RSS with %u sessions: process RSS "
		       "%.1f MiB, ratio %.2f %s\n\n", TARGET_RSS_MIB, f.n,
		       rss[2] / 1024.0, rss[2] / 1024.0 / TARGET_RSS_MIB,
		       rss[2] / 1024.0 <= TARGET_RSS_MIB ? "PASS" : "FAIL");
	else
		printf("target <= %.0f MiB RSS with %u sessions: not checked "
		       "(only %u sessions)\n\n", TARGET_RSS_MIB,
		       TARGET_RSS_SESSIONS, f.n);
	nat64_free(n);
	free(o);
	return bad;
}

/* ---- speed: one thread -------------------------------------------------------- */

/* Per-run figures in ns per packet. */
enum fig { F_SIIT6, F_NEW, F_EST, F_REPLY, F_SIIT4, F_2T, F_NEW_CPU,
	   F_2T_CPU, F_NFIG };

static const char *const fig_name[F_NFIG] = {
	"stateless xlat_6to4 (base)", "nat64 6->4 new session",
	"nat64 6->4 established", "nat64 4->6 reply",
	"stateless xlat_4to6 (base)", "nat64 6->4 new, 2 threads",
	"CPU time per new session", "CPU time per new session, 2 threads",
};

struct reply_build {
	const struct flows *f;
	uint8_t *pkts;
	unsigned long seen, bad;
};

/* The server's answer to session s: 198.51.100.10:53 -> (T,t), put where
 * the flow's own packet sits so both directions walk the same order. */
static int reply_cb(void *arg, const struct nat64_session *s)
{
	struct reply_build *rb = arg;
	unsigned c = client_of(&s->tup.x6);
	unsigned i = flow_index(rb->f, c, s->tup.x_port);

	rb->seen++;
	if (c >= rb->f->nclients || i >= rb->f->n) {
		rb->bad++;
		return 0;
	}
	build4(rb->pkts + (size_t)i * PKT_LEN, s->tup.z4, s->tup.z_port,
	       s->tup.t4, s->tup.t_port);
	return 0;
}

struct bufs {
	uint8_t *nat6, *siit6, *reply4;
	struct xlat_out *o;
};

/* One run: a fresh NAT64, then each loop timed once.  ns[] per packet. */
static unsigned long speed_run(const struct params *pa, const struct flows *f,
			       const struct bufs *b, double ns[F_NFIG],
			       unsigned long *allocs)
{
	struct reply_build rb = { .f = f, .pkts = b->reply4 };
	struct tally t[F_NFIG];
	struct nat64 *n = NULL;
	unsigned long bad = 0;

	memset(t, 0, sizeof(t));
	if (bench_nat64_new(&n, pa, f->n))
		return 1;
	nalloc = 0;
	counting = 1;
	ns[F_SIIT6] = run_loop(L_SIIT6, NULL, b->siit6, 0, f->n, 1, b->o,
			       &t[F_SIIT6]);
	ns[F_NEW_CPU] = thread_cpu();
	ns[F_NEW] = run_loop(L_NAT64, n, b->nat6, 0, f->n, 1, b->o,
			     &t[F_NEW]);
	ns[F_NEW_CPU] = (thread_cpu() - ns[F_NEW_CPU]) / f->n;
	ns[F_EST] = run_loop(L_NAT64, n, b->nat6, 0, f->n, 1, b->o,
			     &t[F_EST]);
	counting = 0;
	*allocs += nalloc;
	nat64_session_walk(n, NAT64_NPROTO, reply_cb, &rb);
	if (rb.seen != f->n || rb.bad) {
		fprintf(stderr, "nat64_bench: %lu sessions in the table "
			"(%lu unknown), expected %u\n", rb.seen, rb.bad, f->n);
		bad++;
	}
	nalloc = 0;
	counting = 1;
	ns[F_REPLY] = run_loop(L_NAT64, n, b->reply4, 0, f->n, 1, b->o,
			       &t[F_REPLY]);
	ns[F_SIIT4] = run_loop(L_SIIT4, NULL, b->reply4, 0, f->n, 1, b->o,
			       &t[F_SIIT4]);
	counting = 0;
	*allocs += nalloc;
	for (unsigned i = 0; i < F_2T; i++) {
		bad += tally_report(fig_name[i], &t[i]);
		ns[i] /= f->n;
	}
	nat64_free(n);
	return bad;
}

/* ---- speed: two threads ------------------------------------------------------- */

struct worker {
	pthread_t th;
	struct nat64 *n;
	const uint8_t *pkts;
	unsigned idx, nthreads, cnt, cpu;
	pthread_barrier_t *bar;
	struct xlat_out *o;
	struct tally t;
	double t0, t1, cpu_ns; /* wall clock; the thread's own CPU time */
};

static void pin(unsigned cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	pin(w->cpu);
	pthread_barrier_wait(w->bar);
	w->cpu_ns = thread_cpu();
	w->t0 = mono();
	/* Flow i belongs to client i % nclients: with an even client count,
	 * thread k sees only its own clients, as a flow hash would give it. */
	run_loop(L_NAT64, w->n, w->pkts, w->idx, w->cnt, w->nthreads, w->o,
		 &w->t);
	w->t1 = mono();
	w->cpu_ns = thread_cpu() - w->cpu_ns;
	return NULL;
}

/* CPUs this process may run on, at most max of them, into cpus[]. */
static unsigned usable_cpus(unsigned *cpus, unsigned max)
{
	cpu_set_t set;
	unsigned k = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 0;
	for (unsigned c = 0; c < CPU_SETSIZE && k < max; c++)
		if (CPU_ISSET(c, &set))
			cpus[k++] = c;
	return k;
}

/* A fresh NAT64 filled by two threads at once; ns per new session of the
 * pair (wall time / sessions), or < 0 on failure.  *cpu_ns: CPU time the
 * two threads spent per session (one thread's wall time when nothing
 * contends). */
static double threads_run(const struct params *pa, const struct flows *f,
			  const struct bufs *b, const unsigned cpus[2],
			  struct xlat_out *o2, double *cpu_ns, unsigned long *bad)
{
	struct worker w[2];
	pthread_barrier_t bar;
	struct nat64_stats st;
	struct nat64 *n = NULL;
	double t0, t1;

	if (bench_nat64_new(&n, pa, f->n))
		return -1;
	pthread_barrier_init(&bar, NULL, 2);
	for (unsigned k = 0; k < 2; k++) {
		w[k] = (struct worker){ .n = n, .pkts = b->nat6, .idx = k,
					.nthreads = 2, .cnt = f->n,
					.cpu = cpus[k], .bar = &bar,
					.o = k ? o2 : b->o };
		pthread_create(&w[k].th, NULL, worker_main, &w[k]);
	}
	for (unsigned k = 0; k < 2; k++)
		pthread_join(w[k].th, NULL);
	pthread_barrier_destroy(&bar);
	t0 = w[0].t0 < w[1].t0 ? w[0].t0 : w[1].t0;
	t1 = w[0].t1 > w[1].t1 ? w[0].t1 : w[1].t1;
	*cpu_ns = (w[0].cpu_ns + w[1].cpu_ns) / f->n;
	for (unsigned k = 0; k < 2; k++)
		*bad += tally_report(fig_name[F_2T], &w[k].t);
	nat64_stats(n, &st);
	if (st.sessions != f->n) {
		fprintf(stderr, "nat64_bench: 2 threads: %llu sessions, "
			"expected %u\n", (unsigned long long)st.sessions, f->n);
		(*bad)++;
	}
	nat64_free(n);
	return (t1 - t0) / f->n;
}

/* ---- main ------------------------------------------------------------------- */


static int bufs_new(struct bufs *b, const struct flows *f)
{
	size_t sz = (size_t)f->n * PKT_LEN;

	b->nat6 = malloc(sz);
	b->siit6 = malloc(sz);
	b->reply4 = malloc(sz);
	b->o = out_new();
	if (!b->nat6 || !b->siit6 || !b->reply4 || !b->o)
		return -ENOMEM;
	for (unsigned i = 0; i < f->n; i++) {
		build_flow6(f, i, b->nat6 + (size_t)i * PKT_LEN);
		build_siit6(f, i, b->siit6 + (size_t)i * PKT_LEN);
	}
	return 0;
}

static void bufs_free(struct bufs *b)
{
	free(b->nat6);
	free(b->siit6);
	free(b->reply4);
	free(b->o);
}

static void print_row(const char *name, double ns, double base)
{
	printf("%-28s %9.1f %8.2f", name, ns, 1e3 / ns);
	if (base > 0)
		printf(" %11.2f", ns / base);
	printf("\n");
}

/* The speed table: medians over the runs; returns the failures. */
static unsigned long speed_phase(const struct params *pa)
{
	double runs[F_NFIG][64], med[F_NFIG] = { 0 };
	unsigned long bad = 0, allocs = 0;
	unsigned cpus[2], ncpu = usable_cpus(cpus, 2);
	bool two = pa->threads && ncpu >= 2;
	struct xlat_out *o2 = two ? out_new() : NULL;
	struct flows f;
	struct bufs b;

	/* The one-thread loops stay on the first usable CPU. */
	if (ncpu)
		pin(cpus[0]);
	flows_init(&f, pa->sessions, pa->per_client);
	if (bufs_new(&b, &f) || (two && !o2)) {
		fprintf(stderr, "nat64_bench: out of memory\n");
		return 1;
	}
	for (unsigned r = 0; r < pa->runs; r++) {
		double ns[F_NFIG] = { 0 };

		bad += speed_run(pa, &f, &b, ns, &allocs);
		if (two)
			ns[F_2T] = threads_run(pa, &f, &b, cpus, o2,
					       &ns[F_2T_CPU], &bad);
		for (unsigned i = 0; i < F_NFIG; i++)
			runs[i][r] = ns[i];
	}
	for (unsigned i = 0; i < F_NFIG; i++)
		med[i] = median(runs[i], pa->runs);

	printf("speed: %u flows of 64-byte UDP packets, %u clients (/64) x %u "
	       "source ports -> [64:ff9b::198.51.100.10]:53, interleaved by "
	       "client; pool4 192.0.2.1-%u udp 1024-65535; a fresh NAT64 per "
	       "run; median of %u runs\n", f.n, f.nclients, f.per,
	       pa->pool_addrs, pa->runs);
	printf("%-28s %9s %8s %11s\n", "case", "ns/pkt", "Mpps",
	       "x stateless");
	print_row(fig_name[F_SIIT6], med[F_SIIT6], 0);
	print_row(fig_name[F_NEW], med[F_NEW], med[F_SIIT6]);
	print_row(fig_name[F_EST], med[F_EST], med[F_SIIT6]);
	print_row(fig_name[F_SIIT4], med[F_SIIT4], 0);
	print_row(fig_name[F_REPLY], med[F_REPLY], med[F_SIIT4]);
	if (two) {
		print_row(fig_name[F_2T], med[F_2T], med[F_SIIT6]);
		printf("two threads (CPUs %u and %u) against one: %.2fx the "
		       "new sessions per second\n", cpus[0], cpus[1],
		       med[F_NEW] / med[F_2T]);
		printf("CPU time per new session (CLOCK_THREAD_CPUTIME_ID, "
		       "both threads summed): one thread %.1f ns, two threads "
		       "%.1f ns (%.2fx)\n", med[F_NEW_CPU], med[F_2T_CPU],
		       med[F_2T_CPU] / med[F_NEW_CPU]);
	} else if (pa->threads) {
		printf("two threads: skipped, this process may use %u CPU "
		       "(taskset)\n", ncpu);
	}
	printf("\n");
	if (BENCH_COUNTS_ALLOC)
		printf("allocations on the packet path: %lu (malloc family "
		       "counted during the one-thread loops) %s\n", allocs,
		       allocs ? "FAIL" : "PASS");
	else
		printf("allocations on the packet path: not counted in this "
		       "build (sanitizer or non-glibc allocator)\n");
	printf("target >= %.2f M new sessions/s on one core: %.2f M/s %s%s\n",
	       TARGET_NEW_PER_S / 1e6, 1e3 / med[F_NEW],
	       1e9 / med[F_NEW] >= TARGET_NEW_PER_S ? "PASS" : "FAIL",
	       pa->quick ? " (quick run, timing not meaningful)" : "");
	bufs_free(&b);
	free(o2);
	return bad + allocs;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: nat64_bench [-c] [-1] [-r runs] [-n sessions] "
		"[-m memory-sessions] [-k per-client] [-p pool4-addresses]\n");
	exit(2);
}

static void parse_args(int argc, char **argv, struct params *pa)
{
	int opt;

	*pa = (struct params){ .sessions = 1000000, .per_client = 100,
			       .mem_sessions = TARGET_RSS_SESSIONS,
			       .pool_addrs = 32, .runs = 5, .threads = true };
	while ((opt = getopt(argc, argv, "c1r:n:m:k:p:")) != -1) {
		switch (opt) {
		case 'c':
			pa->quick = true;
			break;
		case '1':
			pa->threads = false;
			break;
		case 'r':
			pa->runs = (unsigned)atoi(optarg);
			break;
		case 'n':
			pa->sessions = (unsigned)atoi(optarg);
			break;
		case 'm':
			pa->mem_sessions = (unsigned)atoi(optarg);
			break;
		case 'k':
			pa->per_client = (unsigned)atoi(optarg);
			break;
		case 'p':
			pa->pool_addrs = (unsigned)atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (pa->quick) {
		pa->runs = 1;
		pa->sessions = pa->mem_sessions = 20000;
	}
	if (pa->runs < 1 || pa->runs > 64 || pa->sessions < 2 ||
	    pa->mem_sessions < 1 || pa->per_client < 1 ||
	    pa->per_client > 64000 || pa->pool_addrs < 1 ||
	    pa->pool_addrs > 256 || optind != argc)
		usage();
}

int main(int argc, char **argv)
{
	struct params pa;
	unsigned long bad;
	char cpu[128];

	parse_args(argc, argv, &pa);
	if (setup_ctx()) {
		fprintf(stderr, "nat64_bench: cannot set up the context\n");
		return 1;
	}
	cpu_name(cpu, sizeof(cpu));
	printf("sixgate NAT64 core benchmark: %s\n", cpu);
	printf("compiler: %s\n\n", __VERSION__);
	fflush(stdout);
	bad = memory_phase(&pa);
	fflush(stdout);
	bad += speed_phase(&pa);
	if (bad)
		printf("FAIL: %lu failures (verdicts other than ok, session "
		       "counts, allocations); see above\n", bad);
	return bad ? 1 : 0;
}
