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
 *
 * Two ways to use the TUN queue (io, issue 7; docs/performance.md): a
 * blocking read() and one write() per packet, or io_uring, with reads kept
 * posted on the non-blocking queue and a batch of translated packets
 * written with the one io_uring_enter() that also collects the next
 * reads.  Either way a worker that waits for packets holds no context
 * (WORKER_OFFLINE), and busy-poll keeps it polling a while before it
 * sleeps, so that the answer to a packet finds it awake.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/nat64.h"
#include "ratelimit.h"
#include "sixgated.h"
#include "tun.h"

/*
 * io_uring: up to WRING_READS reads stay posted (bench/tunio: 32 to 64
 * gain about a fifth in packets per second over read() and write()); up
 * to WRING_SLOTS packets are translated per batch, each into its own
 * output buffer, since their writes are only submitted at the end of the
 * batch.  Every posted read waits on the queue's wait queue and a packet
 * wakes them all (io_uring polls reads without EPOLLEXCLUSIVE), so a
 * worker posts about twice the reads its last batch used: many under
 * load, one when packets come one at a time.
 */
#define WRING_READS 32
#define WRING_SLOTS 16
#define WRING_ENTRIES 256
/* user_data: a read's buffer index, or a write's slot, family and the
 * length it must take. */
#define WRING_WRITE (1ull << 63)
#define WRING_V6 (1ull << 62)
#define WRING_CANCEL (1ull << 61)

struct wring_slot {
	struct xlat_out *out;
	unsigned pending;             /* writes in flight */
	struct tun_tx tx[XLAT_MAX_OUT];
};

struct worker_ring {
	struct io_uring ring;
	bool ring_up;
	unsigned char *rbuf;          /* WRING_READS * TUN_BUF */
	unsigned ready[WRING_READS];  /* completed reads, oldest first */
	int ready_res[WRING_READS];
	unsigned ready_head, nready;
	unsigned idle[WRING_READS];   /* buffers not posted */
	unsigned nidle;
	unsigned posted, want;        /* reads in flight, and the aim */
	unsigned next;                /* the slot the next packet takes */
	struct xlat_out *last;        /* carries the IPv4 ID on */
	struct wring_slot slot[WRING_SLOTS];
};

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

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Generated ICMP errors pass the token bucket; everything else goes. */
static bool worker_emit_ok(struct worker *w, const struct xlat_pkt *p,
			   uint64_t now)
{
	struct worker_stats *s = &w->stats;

	if (p->kind != XLAT_PKT_ICMP_ERROR)
		return true;
	if (!tbucket_take(&w->tb, now, atomic_load_explicit(
			  &w->d->icmp_rate, memory_order_relaxed))) {
		stat_add(&s->icmp_limited, 1);
		return false;
	}
	stat_add(&s->icmp_sent, 1);
	return true;
}

/*
 * The queue to write o, the translation of the packet in (inlen bytes),
 * on, chosen once for all its packets (segments and fragments of one
 * flow): that of the flow's IPv6 form (tun_pkt_queue), so that the kernel
 * sends the flow's next packets in both families to one worker.
 * Otherwise, with a server that answers at once, the answer to what a
 * worker writes is queued before the kernel notes that worker for the
 * flow, and an echo and its reply can settle on two workers that both
 * wake for every ping (docs/performance.md, "One queue per flow").
 * The queues stay open while any worker runs (role_close).
 */
static int worker_txfd(const struct worker *w, const uint8_t *in,
		       size_t inlen, const struct xlat_out *o)
{
	unsigned n = w->d->nqueues;
	int q = n < 2 || !o->npkts ? -1 :
		tun_pkt_queue(&o->pkts[0], in, inlen, n);

	return q < 0 ? w->fd : w->d->role[w->role].fds[q];
}

static void worker_emit(struct worker *w, int fd, const struct xlat_pkt *p,
			uint64_t now)
{
	struct worker_stats *s = &w->stats;

	if (!worker_emit_ok(w, p, now))
		return;
	if (tun_write(fd, w->d->role[w->role].caps.vnet, p->data, p->len,
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

/* Count and translate one packet into out; false when there is nothing
 * to emit (no context yet). */
static bool worker_xlat(struct worker *w, const uint8_t *pkt, size_t len,
			const struct xlat_offload *off, struct xlat_out *out,
			uint64_t now)
{
	const struct xlat_ctx *x =
		atomic_load_explicit(&w->d->role[w->role].ctx,
				     memory_order_acquire);
	struct worker_stats *s = &w->stats;
	enum xlat_verdict v;

	stat_add(len && pkt[0] >> 4 == 6 ? &s->in6 : &s->in4, 1);
	if (off->gso != XLAT_GSO_NONE)
		stat_add(&s->gso_in, 1);
	if (!x)
		return false;
	if (w->role == ROLE_NAT64)
		v = nat64_packet_off(w->d->nat64, x, pkt, len, off, now, out);
	else
		v = xlat_packet_off(x, pkt, len, off, now, out);
	stat_add(&s->verdict[v], 1);
	if (v != XLAT_OK && v != XLAT_HELD)
		worker_log_drop(w, v, pkt, len, now);
	return true;
}

static void worker_packet(struct worker *w, const uint8_t *pkt, size_t len,
			  const struct xlat_offload *off)
{
	uint64_t now = daemon_now_ns();

	if (!worker_xlat(w, pkt, len, off, w->out, now))
		return;
	int fd = worker_txfd(w, pkt, len, w->out);

	for (unsigned i = 0; i < w->out->npkts; i++)
		worker_emit(w, fd, &w->out->pkts[i], now);
}

/* ---- read() and write() ------------------------------------------------ */

/*
 * busy-poll on the non-blocking queue: read until a packet comes or the
 * time is up, then sleep in poll() until one does.  Offline throughout.
 */
static int worker_read_poll(struct worker *w, unsigned char *const *bufs,
			    struct tun_rx *rx, bool vnet)
{
	uint64_t end = daemon_now_ns() + w->d->busy_poll_ns;
	struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
	int n;

	/* the caller has just read EAGAIN: without busy-poll, sleep at once */
	while (daemon_now_ns() < end &&
	       !atomic_load_explicit(&w->stop, memory_order_relaxed)) {
		cpu_relax();
		n = tun_read_batch(w->fd, vnet, bufs, rx, 1);
		if (n != -EAGAIN)
			return n;
	}
	if (poll(&pfd, 1, -1) < 0)
		return -errno;
	return tun_read_batch(w->fd, vnet, bufs, rx, 1);
}

/*
 * Blocked in read() the worker holds no context: it is offline, so a change
 * never waits for traffic to arrive.  Back online, it first takes the
 * current epoch (a seq_cst store, so the context load that follows sees
 * anything published before that epoch).
 */
static void worker_run_syscalls(struct worker *w, bool nonblock)
{
	unsigned char *bufs[1] = { w->buf };
	struct tun_rx rx[1];
	bool vnet = w->d->role[w->role].caps.vnet;

	while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
		atomic_store(&w->qs, WORKER_OFFLINE);
		int n = tun_read_batch(w->fd, vnet, bufs, rx, 1);
		if (n == -EAGAIN && nonblock)
			n = worker_read_poll(w, bufs, rx, vnet);
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
}

/* ---- io_uring ----------------------------------------------------------- */

/* An SQE, submitting what is queued when the ring is full. */
static struct io_uring_sqe *wring_sqe(struct worker_ring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

	if (!sqe) {
		io_uring_submit(&r->ring);
		sqe = io_uring_get_sqe(&r->ring);
	}
	return sqe;
}

/* Post a read into buffer i, or keep it idle when enough are posted. */
static void wring_post_read(struct worker *w, unsigned i)
{
	struct worker_ring *r = w->ring;
	struct io_uring_sqe *sqe = r->posted < r->want ? wring_sqe(r) : NULL;

	if (!sqe) {
		r->idle[r->nidle++] = i;
		return;
	}
	io_uring_prep_read(sqe, w->fd, r->rbuf + (size_t)i * TUN_BUF, TUN_BUF,
			   0);
	io_uring_sqe_set_data64(sqe, i);
	r->posted++;
}

static bool wring_can_post(const struct worker_ring *r)
{
	return r->nidle && r->posted < r->want;
}

static void wring_write(struct worker *w, unsigned k, int fd,
			const struct xlat_pkt *p, struct tun_tx *t)
{
	struct worker_ring *r = w->ring;
	struct io_uring_sqe *sqe;

	tun_tx_prep(t, w->d->role[w->role].caps.vnet, p->data, p->len,
		    p->family, &p->off);
	sqe = wring_sqe(r);
	if (!sqe) {
		stat_add(&w->stats.tun_write_err, 1);
		return;
	}
	io_uring_prep_writev(sqe, fd, t->iov, t->niov, 0);
	io_uring_sqe_set_data64(sqe, WRING_WRITE | (uint64_t)k << 32 |
				(p->family == 6 ? WRING_V6 : 0) | t->len);
	r->slot[k].pending++;
}

/* Translate the read into buffer i (res bytes or an error) into slot k
 * and queue its writes.  The core copies what it emits into the slot's
 * output buffer, so buffer i can take the next read at once. */
static void wring_packet(struct worker *w, unsigned i, int res, unsigned k,
			 uint64_t now)
{
	struct worker_ring *r = w->ring;
	struct wring_slot *s = &r->slot[k];
	const unsigned char *buf = r->rbuf + (size_t)i * TUN_BUF;
	struct tun_rx rx;

	if (res <= 0) {
		if (res < 0 && res != -EAGAIN && res != -EINTR &&
		    res != -ECANCELED)
			stat_add(&w->stats.tun_read_err, 1);
		return;
	}
	if (tun_rx_parse(w->d->role[w->role].caps.vnet, buf, (size_t)res,
			 &rx) < 0) {
		stat_add(&w->stats.tun_read_err, 1);
		return;
	}
	s->out->ipv4_id = r->last->ipv4_id;
	r->last = s->out;
	if (!worker_xlat(w, buf + rx.start, rx.len, &rx.off, s->out, now))
		return;
	int fd = worker_txfd(w, buf + rx.start, rx.len, s->out);

	for (unsigned j = 0; j < s->out->npkts; j++)
		if (worker_emit_ok(w, &s->out->pkts[j], now))
			wring_write(w, k, fd, &s->out->pkts[j], &s->tx[j]);
}

static void wring_complete(struct worker *w, uint64_t ud, int res)
{
	struct worker_ring *r = w->ring;
	struct worker_stats *s = &w->stats;

	if (ud & WRING_CANCEL)
		return;
	if (!(ud & WRING_WRITE)) {
		unsigned at = (r->ready_head + r->nready) % WRING_READS;

		r->posted--;
		r->ready[at] = (unsigned)ud;
		r->ready_res[at] = res;
		r->nready++;
		return;
	}
	r->slot[(ud >> 32) & 0xff].pending--;
	if (res < 0 || (uint32_t)res != (uint32_t)ud)
		stat_add(&s->tun_write_err, 1);
	else
		stat_add(ud & WRING_V6 ? &s->out6 : &s->out4, 1);
}

/* Take every completion there is; no system call. */
static void wring_reap(struct worker *w)
{
	struct io_uring *ring = &w->ring->ring;
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;

	io_uring_for_each_cqe(ring, head, cqe) {
		wring_complete(w, cqe->user_data, cqe->res);
		n++;
	}
	io_uring_cq_advance(ring, n);
}

static bool wring_can_work(const struct worker_ring *r)
{
	return r->nready && r->slot[r->next].pending == 0;
}

/* Translate what was read, while slots are free (one clock read for the
 * batch, as the read() path has one per batch of one); post reads again,
 * about twice as many as this batch used. */
static void wring_batch(struct worker *w)
{
	struct worker_ring *r = w->ring;
	uint64_t now = r->nready ? daemon_now_ns() : 0;
	unsigned n = 0;

	while (wring_can_work(r)) {
		unsigned i = r->ready[r->ready_head];
		int res = r->ready_res[r->ready_head];

		r->ready_head = (r->ready_head + 1) % WRING_READS;
		r->nready--;
		wring_packet(w, i, res, r->next, now);
		r->next = (r->next + 1) % WRING_SLOTS;
		r->idle[r->nidle++] = i;
		n++;
	}
	if (n)
		r->want = 2 * n < WRING_READS ? 2 * n : WRING_READS;
	/* bounded: a read that finds no SQE goes back to idle */
	for (unsigned k = r->nidle; k && wring_can_post(r); k--)
		wring_post_read(w, r->idle[--r->nidle]);
}

/*
 * busy-poll: spin until a completion is there or the time is up.  With
 * deferred task work (IORING_SETUP_DEFER_TASKRUN) a read that became
 * ready only shows as IORING_SQ_TASKRUN, and one io_uring_enter() posts
 * its completion.  Offline throughout.
 */
static bool wring_poll(struct worker *w)
{
	struct io_uring *ring = &w->ring->ring;
	uint64_t end = daemon_now_ns() + w->d->busy_poll_ns;

	do {
		if (io_uring_cq_ready(ring))
			return true;
		if (IO_URING_READ_ONCE(*ring->sq.kflags) & IORING_SQ_TASKRUN) {
			io_uring_get_events(ring);
			continue;
		}
		cpu_relax();
	} while (daemon_now_ns() < end &&
		 !atomic_load_explicit(&w->stop, memory_order_relaxed));
	return io_uring_cq_ready(ring) != 0;
}

/*
 * Waiting in io_uring_enter() (or busy-polling) the worker holds no
 * context: offline, exactly like a worker blocked in read().  It is back
 * online (worker_quiescent(), before any context load) only to translate
 * a batch, so a change waits at most for one batch.  The signal of
 * worker_stop() makes the wait return -EINTR.
 */
static void worker_run_ring(struct worker *w)
{
	struct worker_ring *r = w->ring;

	r->want = WRING_READS;
	for (unsigned i = 0; i < WRING_READS; i++)
		wring_post_read(w, i);
	while (!atomic_load_explicit(&w->stop, memory_order_relaxed)) {
		wring_reap(w);
		if (wring_can_work(r) || wring_can_post(r)) {
			worker_quiescent(w);
			wring_batch(w);
			/* writes out, reposted reads in, new completions */
			io_uring_submit_and_get_events(&r->ring);
			continue;
		}
		atomic_store(&w->qs, WORKER_OFFLINE);
		if (w->d->busy_poll_ns && wring_poll(w))
			continue;
		int err = io_uring_submit_and_wait(&r->ring, 1);
		if (err < 0 && err != -EINTR && err != -EAGAIN &&
		    err != -EBUSY && err != -ETIME)
			stat_add(&w->stats.tun_read_err, 1);
	}
}

static bool wring_busy(const struct worker_ring *r)
{
	if (r->posted)
		return true;
	for (unsigned k = 0; k < WRING_SLOTS; k++)
		if (r->slot[k].pending)
			return true;
	return false;
}

/*
 * Cancel the posted reads and wait until no request is left: a request
 * holds the queue's file, and the ring drops what it still holds only
 * later, from a kernel thread, so the TUN device (and the routes on it)
 * would outlive the close() of its last queue (role_close()).  Bounded,
 * so that stop never hangs here.
 */
static void wring_drain(struct worker *w)
{
	struct worker_ring *r = w->ring;
	struct __kernel_timespec ts = { .tv_sec = 0, .tv_nsec = 10000000 };
	uint64_t end = daemon_now_ns() + 2000000000ull;
	struct io_uring_cqe *cqe;

	for (unsigned i = 0; i < WRING_READS; i++) {
		struct io_uring_sqe *sqe = wring_sqe(r);

		if (!sqe)
			break;
		io_uring_prep_cancel64(sqe, i, 0);
		io_uring_sqe_set_data64(sqe, WRING_CANCEL);
	}
	io_uring_submit_and_get_events(&r->ring);
	for (wring_reap(w); wring_busy(r) && daemon_now_ns() < end;
	     wring_reap(w))
		io_uring_wait_cqe_timeout(&r->ring, &cqe, &ts);
}

/* The thread that enables a SINGLE_ISSUER ring becomes its submitter. */
static int wring_enable(struct worker *w)
{
	struct worker_ring *r = w->ring;
	int err;

	if (!(w->d->uring_flags & IORING_SETUP_R_DISABLED))
		return 0;
	/* liburing 2.3 declares io_uring_enable_rings() but does not
	 * export it */
	err = (int)syscall(__NR_io_uring_register, r->ring.ring_fd,
			   IORING_REGISTER_ENABLE_RINGS, NULL, 0);
	if (err < 0)
		err = -errno;
	if (err < 0) {
		log_warn("%s: io_uring: enabling the ring: %s; read() and "
			 "write() instead", w->d->role[w->role].tun,
			 strerror(-err));
		io_uring_queue_exit(&r->ring);
		r->ring_up = false;
	}
	return err;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	if (w->ring && wring_enable(w) == 0)
		worker_run_ring(w);
	else /* the queue is non-blocking if it was set up for a ring */
		worker_run_syscalls(w, w->ring || w->d->busy_poll_ns);
	atomic_store(&w->qs, WORKER_OFFLINE);
	if (w->ring && w->ring->ring_up) {
		wring_drain(w);
		io_uring_queue_exit(&w->ring->ring);
		w->ring->ring_up = false;
	}
	return NULL;
}

/* No SA_RESTART: the signal only makes a blocked read(), poll() or
 * io_uring_enter() return EINTR. */
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

static void wring_free(struct worker *w)
{
	struct worker_ring *r = w->ring;

	if (!r)
		return;
	if (r->ring_up)
		io_uring_queue_exit(&r->ring);
	/* slot 0 borrows w->out */
	for (unsigned k = 1; k < WRING_SLOTS; k++)
		free(r->slot[k].out);
	free(r->rbuf);
	free(r);
	w->ring = NULL;
}

/* The worker's ring, its buffers and a non-blocking queue (bench/tunio: a
 * blocking one makes io_uring hand every read to a kernel thread). */
static int wring_new(struct worker *w)
{
	struct worker_ring *r = calloc(1, sizeof(*r));
	int err;

	w->ring = r;
	if (!r)
		return -ENOMEM;
	r->rbuf = malloc((size_t)WRING_READS * TUN_BUF);
	r->slot[0].out = w->out;
	r->last = w->out;
	for (unsigned k = 1; k < WRING_SLOTS; k++) {
		r->slot[k].out = aligned_alloc(64, sizeof(*w->out));
		if (!r->slot[k].out)
			return -ENOMEM;
		memset(r->slot[k].out, 0, sizeof(*w->out));
	}
	if (!r->rbuf)
		return -ENOMEM;
	err = io_uring_queue_init(WRING_ENTRIES, &r->ring, w->d->uring_flags);
	if (err < 0)
		return err;
	r->ring_up = true;
	return tun_set_nonblock(w->fd);
}

static void worker_release(struct worker *w)
{
	wring_free(w);
	free(w->out);
	free(w->buf);
	w->out = NULL;
	w->buf = NULL;
}

/* A ring with these flags can be set up here (kernel, seccomp,
 * io_uring_disabled): 0 or a negative errno. */
static int wring_probe(unsigned flags)
{
	struct io_uring t;
	int err = io_uring_queue_init(4, &t, flags);

	if (err == 0)
		io_uring_queue_exit(&t);
	return err;
}

/*
 * io and busy-poll, fixed for the daemon's life when the first worker
 * starts (after the privilege drop, so the probe sees what the workers
 * will be allowed).  Deferred task work (Linux 6.1) where the kernel has
 * it: completions are posted when the worker asks, never by interrupting
 * it.  Logged once.
 */
static int worker_io_fix(struct daemon *d)
{
	static const unsigned tries[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
			IORING_SETUP_TASKRUN_FLAG | IORING_SETUP_R_DISABLED,
		IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
		0,
	};
	const struct sixgate_conf *c = daemon_conf(d);
	enum conf_io io = c ? c->io : CONF_IO_AUTO;
	int err = -EPERM;

	if (d->io_fixed)
		return 0;
	d->busy_poll_ns = (c ? c->busy_poll : 0) * 1000u;
	d->io_uring = false;
	if (io != CONF_IO_SYSCALLS) {
		for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
			err = wring_probe(tries[i]);
			if (err != -EINVAL) {
				d->uring_flags = tries[i];
				break;
			}
		}
		d->io_uring = err == 0;
	}
	if (io == CONF_IO_URING && !d->io_uring) {
		log_err("io = uring: io_uring is not available: %s",
			strerror(-err));
		return err;
	}
	d->io_fixed = true;
	if (d->io_uring)
		log_info("workers: io_uring (up to %u reads posted, batches "
			 "of %u%s), busy-poll %u us", WRING_READS, WRING_SLOTS,
			 d->uring_flags & IORING_SETUP_DEFER_TASKRUN ?
			 ", deferred task work" : "", d->busy_poll_ns / 1000);
	else if (io == CONF_IO_SYSCALLS)
		log_info("workers: read() and write() (io = syscalls), "
			 "busy-poll %u us", d->busy_poll_ns / 1000);
	else
		log_notice("workers: read() and write(): io_uring is not "
			   "available (%s), busy-poll %u us", strerror(-err),
			   d->busy_poll_ns / 1000);
	return 0;
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
		else
			w->cpu = c;
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
	w->cpu = -1;
	atomic_store(&w->stop, false);
	atomic_store(&w->qs, WORKER_OFFLINE);
	tbucket_init(&w->tb, daemon_now_ns(), atomic_load(&d->icmp_rate));
	worker_wake_install();
	err = worker_io_fix(d);
	if (err == 0)
		err = worker_alloc(w);
	if (err == 0 && d->io_uring) {
		err = wring_new(w);
		if (err) {
			log_warn("%s: worker %u: io_uring: %s; read() and "
				 "write() instead", d->role[r].tun, i,
				 strerror(-err));
			wring_free(w);
			err = 0;
		}
	}
	/* busy-poll through read() needs a queue that says EAGAIN */
	if (err == 0 && !w->ring && d->busy_poll_ns)
		err = tun_set_nonblock(w->fd);
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
	/* The signal may land just before read(), poll() or
	 * io_uring_enter() blocks: repeat it until the thread is gone. */
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
