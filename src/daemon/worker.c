/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated workers: one thread per TUN queue, running RFC 7915 through
 * xlat_packet().  Generated ICMP errors pass a per-worker token bucket
 * (icmp-error-rate; RFC 7915 §4.4/§5.4 leave the rate to the
 * implementation, RFC 4443 §2.4 (f) asks for a limit; deviation D1 of
 * docs/conformance.md).
 *
 * The packet path takes no lock and does not allocate: the buffers are
 * allocated when the worker starts, counters are single-writer relaxed
 * atomics, and the context is one atomic pointer loaded per packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/nat64.h"
#include "ratelimit.h"
#include "sixgated.h"
#include "tun.h"

uint64_t daemon_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Only this worker writes its counters: a plain load and store is enough
 * and avoids a locked add per packet. */
static inline void stat_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed)
			      + n, memory_order_relaxed);
}

/* Quiescent point: nothing from an older context is held any more. */
static inline void worker_quiescent(struct worker *w)
{
	atomic_store(&w->qs, atomic_load(&w->d->epoch));
}

static void worker_emit(struct worker *w, const struct xlat_pkt *p,
			uint64_t now)
{
	struct worker_stats *s = &w->stats;

	if (p->kind == XLAT_PKT_ICMP_ERROR) {
		if (!tbucket_take(&w->tb, now, atomic_load_explicit(
				  &w->d->icmp_rate, memory_order_relaxed))) {
			stat_add(&s->icmp_limited, 1);
			return;
		}
		stat_add(&s->icmp_sent, 1);
	}
	if (tun_write(w->fd, w->d->role[w->role].caps.vnet, p->data, p->len,
		      p->family, &p->off) < 0)
		stat_add(&s->tun_write_err, 1);
	else
		stat_add(p->family == 4 ? &s->out4 : &s->out6, 1);
}

/* "192.0.2.1 -> 2001:db8::1" from a packet the core refused; every read
 * is bounded by len. */
static void worker_addrs(const uint8_t *pkt, size_t len, char *s, size_t n)
{
	char a[INET6_ADDRSTRLEN] = "?", b[INET6_ADDRSTRLEN] = "?";

	if (len >= 20 && pkt[0] >> 4 == 4) {
		inet_ntop(AF_INET, pkt + 12, a, sizeof(a));
		inet_ntop(AF_INET, pkt + 16, b, sizeof(b));
	} else if (len >= 40 && pkt[0] >> 4 == 6) {
		inet_ntop(AF_INET6, pkt + 8, a, sizeof(a));
		inet_ntop(AF_INET6, pkt + 24, b, sizeof(b));
	}
	snprintf(s, n, "%s -> %s", a, b);
}

static void worker_log_drop(struct worker *w, enum xlat_verdict v,
			    const uint8_t *pkt, size_t len, uint64_t now)
{
	char addrs[2 * INET6_ADDRSTRLEN + 8];

	if (!atomic_load_explicit(&w->d->log_packets, memory_order_relaxed) ||
	    !log_rl_allow(&w->rl, now))
		return;
	worker_addrs(pkt, len, addrs, sizeof(addrs));
	log_info("%s: drop %s: %s (%s)", w->d->role[w->role].tun,
		 xlat_reason_name(v), addrs, xlat_reason_desc(v));
}

static void worker_packet(struct worker *w, const uint8_t *pkt, size_t len,
			  const struct xlat_offload *off)
{
	const struct xlat_ctx *x =
		atomic_load_explicit(&w->d->role[w->role].ctx,
				     memory_order_acquire);
	uint64_t now = daemon_now_ns();
	struct worker_stats *s = &w->stats;
	enum xlat_verdict v;

	stat_add(len && pkt[0] >> 4 == 6 ? &s->in6 : &s->in4, 1);
	if (off->gso != XLAT_GSO_NONE)
		stat_add(&s->gso_in, 1);
	if (!x)
		return;
	if (w->role == ROLE_NAT64)
		v = nat64_packet_off(w->d->nat64, x, pkt, len, off, now, w->out);
	else
		v = xlat_packet_off(x, pkt, len, off, now, w->out);
	stat_add(&s->verdict[v], 1);
	if (v != XLAT_OK && v != XLAT_HELD)
		worker_log_drop(w, v, pkt, len, now);
	for (unsigned i = 0; i < w->out->npkts; i++)
		worker_emit(w, &w->out->pkts[i], now);
}

/*
 * Blocked in read() the worker holds no context: it is offline, so a change
 * never waits for traffic to arrive.  Back online, it first takes the
 * current epoch (a seq_cst store, so the context load that follows sees
 * anything published before that epoch).
 */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned char *bufs[1] = { w->buf };
	struct tun_rx rx[1];
	bool vnet = w->d->role[w->role].caps.vnet;

	while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
		atomic_store(&w->qs, WORKER_OFFLINE);
		int n = tun_read_batch(w->fd, vnet, bufs, rx, 1);
		worker_quiescent(w);
		if (n < 0) {
			if (n != -EAGAIN && n != -EINTR)
				stat_add(&w->stats.tun_read_err, 1);
			continue;
		}
		for (int i = 0; i < n; i++)
			worker_packet(w, bufs[i] + rx[i].start, rx[i].len,
				      &rx[i].off);
	}
	atomic_store(&w->qs, WORKER_OFFLINE);
	return NULL;
}

/* No SA_RESTART: the signal only makes a blocked read() return EINTR. */
static void worker_wake_handler(int sig)
{
	(void)sig;
}

static void worker_wake_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_wake_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(WORKER_WAKE_SIG, &sa, NULL);
}

static int worker_alloc(struct worker *w)
{
	w->out = aligned_alloc(64, sizeof(*w->out));
	w->buf = malloc(TUN_BUF);
	if (!w->out || !w->buf)
		return -ENOMEM;
	memset(w->out, 0, sizeof(*w->out));
	/* RFC 7915 §5.1.1 / RFC 6864: start each worker's IPv4 ID apart and
	 * unpredictable. */
	if (getrandom(&w->out->ipv4_id, sizeof(w->out->ipv4_id), 0) < 0)
		w->out->ipv4_id = (uint32_t)daemon_now_ns();
	return 0;
}

static void worker_release(struct worker *w)
{
	free(w->out);
	free(w->buf);
	w->out = NULL;
	w->buf = NULL;
}

/* pin-workers: queue i of every role on CPU i (mod the CPUs this process
 * may use), so a flow's packets, which the kernel steers to one queue, stay
 * on one core's caches. */
static void worker_pin(struct worker *w, unsigned i)
{
	cpu_set_t allowed, one;
	int n = 0, want;

	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		return;
	want = (int)(i % (unsigned)CPU_COUNT(&allowed));
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &allowed) || n++ != want)
			continue;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		int err = pthread_setaffinity_np(w->thread, sizeof(one), &one);
		if (err)
			log_warn("%s: worker %u: pinning to CPU %d: %s",
				 w->d->role[w->role].tun, i, c, strerror(err));
		return;
	}
}

int worker_start(struct daemon *d, enum daemon_role_id r, unsigned i)
{
	struct worker *w = &d->role[r].w[i];
	int err;

	w->d = d;
	w->role = r;
	w->fd = d->role[r].fds[i];
	atomic_store(&w->stop, false);
	atomic_store(&w->qs, WORKER_OFFLINE);
	tbucket_init(&w->tb, daemon_now_ns(), atomic_load(&d->icmp_rate));
	worker_wake_install();
	err = worker_alloc(w);
	if (err == 0)
		err = -pthread_create(&w->thread, NULL, worker_main, w);
	if (err) {
		worker_release(w);
		return err;
	}
	if (d->pin_workers)
		worker_pin(w, i);
	w->running = true;
	return 0;
}

void worker_stop(struct daemon *d, enum daemon_role_id r, unsigned i)
{
	struct worker *w = &d->role[r].w[i];

	if (!w->running)
		return;
	atomic_store(&w->stop, true);
	/* The signal may land just before read() blocks: repeat it until the
	 * thread is gone. */
	for (;;) {
		struct timespec t;
		pthread_kill(w->thread, WORKER_WAKE_SIG);
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += 20 * 1000000;
		if (t.tv_nsec >= 1000000000) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000;
		}
		if (pthread_timedjoin_np(w->thread, NULL, &t) == 0)
			break;
	}
	w->running = false;
	atomic_store(&w->qs, WORKER_OFFLINE);
	worker_release(w);
}

/* Bump the epoch, then wait for each running worker to be offline or to
 * have seen the new epoch (seq_cst on both sides: a worker that reads the
 * new epoch also reads the new context pointers). */
void worker_synchronize(struct daemon *d)
{
	uint64_t e = atomic_fetch_add(&d->epoch, 1) + 1;
	struct timespec nap = { 0, 100000 };

	for (int r = 0; r < ROLE__COUNT; r++) {
		for (unsigned i = 0; i < DAEMON_MAX_WORKERS; i++) {
			struct worker *w = &d->role[r].w[i];
			uint64_t qs;

			if (!w->running)
				continue;
			while ((qs = atomic_load(&w->qs)) != WORKER_OFFLINE &&
			       qs < e)
				nanosleep(&nap, NULL);
		}
	}
}

void worker_sum(const struct worker *w, struct stats_sum *sum)
{
	const struct worker_stats *s = &w->stats;

	sum->in4 += atomic_load_explicit(&s->in4, memory_order_relaxed);
	sum->in6 += atomic_load_explicit(&s->in6, memory_order_relaxed);
	sum->out4 += atomic_load_explicit(&s->out4, memory_order_relaxed);
	sum->out6 += atomic_load_explicit(&s->out6, memory_order_relaxed);
	for (int v = 0; v < XLAT__COUNT; v++)
		sum->verdict[v] += atomic_load_explicit(&s->verdict[v],
							memory_order_relaxed);
	sum->icmp_sent += atomic_load_explicit(&s->icmp_sent,
					       memory_order_relaxed);
	sum->icmp_limited += atomic_load_explicit(&s->icmp_limited,
						  memory_order_relaxed);
	sum->tun_read_err += atomic_load_explicit(&s->tun_read_err,
						  memory_order_relaxed);
	sum->tun_write_err += atomic_load_explicit(&s->tun_write_err,
						   memory_order_relaxed);
	sum->gso_in += atomic_load_explicit(&s->gso_in, memory_order_relaxed);
}
