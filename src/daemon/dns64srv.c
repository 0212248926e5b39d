/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated [dns64]: the DNS64 server's event loop (docs/dns64.md).
 *
 * Transport: UDP (RFC 1035 §4.2.1; replies cut to the client's EDNS size,
 * RFC 6891 §6.2.5, with TC=1 so that it retries over TCP, RFC 2181 §9)
 * and TCP with 2-byte length framing and several queries per connection
 * (RFC 1035 §4.2.2, RFC 7766 §6.2.1), an idle timeout and a connection
 * limit.  Everything runs on one libevent loop: the sockets, libunbound
 * (ub_ctx_create_event()) and the timers that bound each upstream answer
 * (RFC 6147 §5.1.3).
 *
 * UDP is read in batches (recvmmsg()).  A query takes the fast path when
 * the cache of src/dns64/ holds its answer: the hits of a batch go out
 * together (sendmmsg()).  Otherwise it becomes a struct srv_query driving
 * one struct dns64_plan through its resolution steps, with the A query
 * sent beside the AAAA one (RFC 6147 §5.1.8) unless validating.
 * libunbound may call back before ub_resolve_event() returns (local
 * zones, its own cache), so a function that hands a query to the resolver
 * touches it no more.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <unbound-event.h>
#include <unbound.h>

#include "dns64srv.h"
#include "log.h"

#define SRV_UDP_BATCH 64        /* datagrams per recvmmsg()/sendmmsg() */
#define SRV_UDP_ROUNDS 4        /* recvmmsg() calls per wakeup, at most */
#define SRV_MSG_MAX 65535       /* largest DNS message (RFC 1035 §4.2.2) */
#define SRV_TCP_PIPELINE 32     /* queries in flight per TCP connection */
#define SRV_INFLIGHT_MAX 16384  /* queries waiting for upstream, in all */

#define SRV_CTR(s, f) \
	atomic_fetch_add_explicit(&(s)->ctr->f, 1, memory_order_relaxed)

/* Intrusive doubly linked lists: e->prev, e->next, head. */
#define SRV_LINK(head, e)                                                 \
	do {                                                              \
		(e)->prev = NULL;                                         \
		(e)->next = (head);                                       \
		if (head)                                                 \
			(head)->prev = (e);                               \
		(head) = (e);                                             \
	} while (0)
#define SRV_UNLINK(head, e)                                               \
	do {                                                              \
		if ((e)->prev)                                            \
			(e)->prev->next = (e)->next;                      \
		else                                                      \
			(head) = (e)->next;                               \
		if ((e)->next)                                            \
			(e)->next->prev = (e)->prev;                      \
	} while (0)

struct srv_query;

/* One TCP client.  Queries in flight keep it alive after a close. */
struct srv_tcp {
	struct dns64_srv *s;
	struct bufferevent *bev;   /* NULL once closed */
	bool allowed;              /* allow-client, decided at accept */
	bool eof;                  /* the client is done sending */
	unsigned pending;
	struct srv_tcp *prev, *next;
};

/* One libunbound request; q is NULL once the query stopped waiting. */
struct srv_up {
	struct dns64_srv *s;
	struct srv_query *q;
	bool parallel_a;           /* q->up_a, not q->up */
	struct srv_up *prev, *next;
};

struct srv_query {
	struct dns64_srv *s;
	struct dns64_plan plan;
	struct dns64_cache_key key;
	bool keyed;                /* key is valid: the answer may be cached */
	bool allowed;
	int fd;                    /* UDP: the socket it came in on */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct srv_tcp *tcp;       /* TCP: the connection */
	struct srv_up *up;
	struct event *timer;       /* upstream-timeout */
	/* RFC 6147 §5.1.8: the A query sent beside the AAAA one. */
	struct srv_up *up_a;       /* in flight */
	ldns_rdf *a_name;          /* what it asked for; NULL: none */
	ldns_pkt *a_pkt;           /* its answer, once a_done */
	enum dns64_sec a_sec;
	bool a_done, a_timeout;
	bool a_wait;               /* the plan waits for it (step A) */
	struct srv_query *prev, *next;
};

struct dns64_srv {
	struct dns64_srv_params p;
	struct dns64_counters *ctr;
	struct event_base *base;
	struct ub_ctx *ub;
	struct dns64_cache *cache;
	uint8_t seed[16];
	struct dns64_view *view;   /* the loop's; replaced between events */
	struct event *udp_ev[CONF_DNS64_LISTEN_MAX];
	struct evconnlistener *lis[CONF_DNS64_LISTEN_MAX];
	struct event *notify_ev;
	int notify_fd;
	pthread_mutex_t lock;      /* pending */
	struct dns64_view *pending;
	_Atomic bool stop;
	pthread_t thread;
	bool running;
	struct timeval up_timeout, tcp_idle;
	unsigned ntcp, inflight;
	struct srv_tcp *tcps;
	struct srv_query *queries;
	struct srv_up *ups;
	uint8_t out[SRV_MSG_MAX];  /* a cached answer for TCP */
	/* UDP batches: SRV_UDP_BATCH slots of SRV_MSG_MAX bytes each for the
	 * datagrams in and the cached answers out (pages touched only as far
	 * as the messages go). */
	uint8_t *rbuf, *obuf;
	struct mmsghdr rmsg[SRV_UDP_BATCH], smsg[SRV_UDP_BATCH];
	struct iovec riov[SRV_UDP_BATCH], siov[SRV_UDP_BATCH];
	struct sockaddr_storage rpeer[SRV_UDP_BATCH];
	unsigned nout;             /* answers waiting in smsg */
};

static void srv_query_run(struct srv_query *q);

static uint64_t srv_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

/* ---- access control ---------------------------------------------------- */

bool dns64_view_allows(const struct dns64_view *v, int family, const void *a)
{
	for (unsigned i = 0; i < v->nallow; i++) {
		const struct conf_netprefix *np = &v->allow[i];
		uint32_t v4;

		if (np->v6 && family == AF_INET6 &&
		    addr6_match(a, &np->p6.addr, np->p6.len))
			return true;
		if (np->v6 || family != AF_INET)
			continue;
		memcpy(&v4, a, 4);
		if (addr4_match(ntohl(v4), np->p4.addr, np->p4.len))
			return true;
	}
	return false;
}

static bool srv_allowed(const struct dns64_srv *s,
			const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *in = (const void *)ss;
	const struct sockaddr_in6 *in6 = (const void *)ss;

	if (ss->ss_family == AF_INET)
		return dns64_view_allows(s->view, AF_INET, &in->sin_addr);
	if (ss->ss_family == AF_INET6)
		return dns64_view_allows(s->view, AF_INET6, &in6->sin6_addr);
	return false;
}

/* ---- cache ------------------------------------------------------------- */

/* A new view can change any answer: start with an empty cache. */
static void srv_cache_reset(struct dns64_srv *s)
{
	dns64_cache_free(s->cache);
	s->cache = NULL;
	if (s->p.conf.cache_size)
		s->cache = dns64_cache_new(s->p.conf.cache_size, s->seed);
	if (s->p.conf.cache_size && !s->cache)
		log_err("dns64: cache: %s; answering without it",
			strerror(ENOMEM));
}

/* ---- queries ----------------------------------------------------------- */

static struct srv_query *srv_query_new(struct dns64_srv *s, bool allowed)
{
	struct srv_query *q;

	if (s->inflight >= SRV_INFLIGHT_MAX)
		return NULL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return NULL;
	q->timer = evtimer_new(s->base, NULL, NULL);
	if (!q->timer) {
		free(q);
		return NULL;
	}
	q->s = s;
	q->allowed = allowed;
	q->fd = -1;
	s->inflight++;
	SRV_LINK(s->queries, q);
	return q;
}

static void srv_tcp_unref(struct srv_tcp *c);

/* Forget the parallel A query: its answer, or the answer to come. */
static void srv_a_forget(struct srv_query *q)
{
	if (q->up_a)
		q->up_a->q = NULL;
	q->up_a = NULL;
	ldns_pkt_free(q->a_pkt);
	q->a_pkt = NULL;
	ldns_rdf_deep_free(q->a_name);
	q->a_name = NULL;
	q->a_done = q->a_timeout = q->a_wait = false;
}

static void srv_query_free(struct srv_query *q)
{
	struct dns64_srv *s = q->s;

	if (q->up)
		q->up->q = NULL;
	srv_a_forget(q);
	event_free(q->timer);
	dns64_plan_free(&q->plan);
	if (q->tcp)
		srv_tcp_unref(q->tcp);
	SRV_UNLINK(s->queries, q);
	s->inflight--;
	free(q);
}

static void srv_tcp_send(struct srv_tcp *c, const uint8_t *m, size_t len)
{
	uint8_t hdr[2] = { (uint8_t)(len >> 8), (uint8_t)len };

	if (!c->bev)
		return;
	if (bufferevent_write(c->bev, hdr, 2) != 0 ||
	    bufferevent_write(c->bev, m, len) != 0)
		SRV_CTR(c->s, dropped);
}

static void srv_udp_send(struct dns64_srv *s, int fd, const uint8_t *m,
			 size_t len, const struct sockaddr_storage *peer,
			 socklen_t peerlen)
{
	if (sendto(fd, m, len, MSG_DONTWAIT, (const struct sockaddr *)peer,
		   peerlen) < 0)
		SRV_CTR(s, dropped);
}

/* The largest reply the transport takes from this query. */
static size_t srv_reply_max(const struct srv_query *q)
{
	if (q->tcp)
		return SRV_MSG_MAX;
	return q->plan.query ? dns64_query_udp_max(q->plan.query) : 512;
}

static void srv_count_done(struct srv_query *q)
{
	struct dns64_srv *s = q->s;

	if (q->plan.flags & DNS64_F_SYNTH)
		SRV_CTR(s, synthesized);
	if (q->plan.flags & DNS64_F_LOCAL)
		SRV_CTR(s, local);
	if (q->plan.flags & DNS64_F_BOGUS)
		SRV_CTR(s, bogus);
}

/* Encode the finished reply whole for the cache, then again cut to what
 * the client takes when it does not fit (TC=1). */
static void srv_query_finish(struct srv_query *q)
{
	struct dns64_srv *s = q->s;
	struct dns64_wire w = { 0 };
	size_t max = srv_reply_max(q);
	int rc = dns64_reply_encode(q->plan.reply, SRV_MSG_MAX, &w);

	srv_count_done(q);
	if (rc == 0 && q->keyed && s->cache && !w.truncated &&
	    (q->plan.flags & DNS64_F_CACHEABLE))
		dns64_cache_store(s->cache, &q->key, &w, srv_now());
	if (rc == 0 && w.len > max) {
		dns64_wire_free(&w);
		memset(&w, 0, sizeof(w));
		rc = dns64_reply_encode(q->plan.reply, max, &w);
		if (rc == 0 && w.truncated)
			SRV_CTR(s, truncated);
	}
	if (rc != 0)
		SRV_CTR(s, dropped);
	else if (q->tcp)
		srv_tcp_send(q->tcp, w.buf, w.len);
	else
		srv_udp_send(s, q->fd, w.buf, w.len, &q->peer, q->peerlen);
	dns64_wire_free(&w);
	srv_query_free(q);
}

static enum dns64_sec srv_sec(const struct dns64_srv *s, int sec)
{
	if (!s->p.conf.dnssec)
		return DNS64_SEC_UNCHECKED;
	return sec == 2 ? DNS64_SEC_SECURE : sec == 1 ? DNS64_SEC_BOGUS
						      : DNS64_SEC_INSECURE;
}

static void srv_advance(struct srv_query *q, const struct dns64_answer *a)
{
	if (dns64_advance(&q->s->view->cfg, &q->plan, a) != 0 &&
	    q->plan.step != DNS64_STEP_DONE)
		q->plan.step = DNS64_STEP_DROP;
	srv_query_run(q);
}

/* The plan reached step A: feed it the parallel A answer. */
static void srv_a_feed(struct srv_query *q)
{
	struct dns64_answer a = { .pkt = q->a_pkt, .timeout = q->a_timeout,
				  .sec = q->a_sec, .own = q->a_pkt };
	ldns_pkt *p = q->a_pkt;

	q->a_pkt = NULL;
	srv_a_forget(q);
	evtimer_del(q->timer);
	srv_advance(q, &a);
	ldns_pkt_free(p);
}

/* libunbound's answer.  pkt belongs to libunbound and is not to be read
 * when rcode is set (unbound-event.h). */
static void srv_up_done(void *arg, int rcode, void *pkt, int len, int sec,
			char *why_bogus, int ratelimited)
{
	struct srv_up *up = arg;
	struct dns64_srv *s = up->s;
	struct srv_query *q = up->q;
	bool parallel_a = up->parallel_a;
	struct dns64_answer a = { .sec = srv_sec(s, sec) };
	ldns_pkt *p = NULL;

	(void)why_bogus;
	(void)ratelimited;
	SRV_UNLINK(s->ups, up);
	free(up);
	if (!q)
		return;
	if (rcode == 0 && pkt && len > 0 &&
	    ldns_wire2pkt(&p, pkt, (size_t)len) != LDNS_STATUS_OK)
		p = NULL;
	if (!p)
		SRV_CTR(s, upstream_failures);
	if (parallel_a) {
		q->up_a = NULL;
		q->a_pkt = p;
		q->a_sec = a.sec;
		q->a_done = true;
		if (q->a_wait)
			srv_a_feed(q);
		return;
	}
	q->up = NULL;
	/* The timer also bounds the parallel A query still out. */
	if (!q->up_a)
		evtimer_del(q->timer);
	a.pkt = a.own = p;
	srv_advance(q, &a);
	ldns_pkt_free(p);
}

/* RFC 6147 §5.1.3: no answer in time counts as SERVFAIL.  The request is
 * left to finish inside libunbound (ub_cancel() is not for event
 * contexts); its late answer is dropped.  The AAAA query and the A query
 * sent beside it started together and time out together. */
static void srv_up_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct srv_query *q = arg;
	struct dns64_answer a = { .timeout = true };

	(void)fd;
	(void)what;
	if (q->up_a) {
		SRV_CTR(q->s, upstream_timeouts);
		q->up_a->q = NULL;
		q->up_a = NULL;
		q->a_done = q->a_timeout = true;
		if (q->a_wait) {
			srv_a_feed(q);
			return;
		}
	}
	SRV_CTR(q->s, upstream_timeouts);
	if (q->up) {
		q->up->q = NULL;
		q->up = NULL;
	}
	srv_advance(q, &a);
}

static void srv_resolve_failed(struct srv_query *q)
{
	struct dns64_answer a = { .pkt = NULL };

	SRV_CTR(q->s, upstream_failures);
	srv_advance(q, &a);
}

/* A wire name in presentation format for ub_resolve_event(), which
 * reads it back with sldns_str2wire_dname(): the escapes of RFC 4343 §2.1
 * (\. \\ and \DDD).  false when it does not fit. */
static bool srv_name_str(const ldns_rdf *rdf, char *out, size_t cap)
{
	const uint8_t *d = ldns_rdf_data(rdf);
	size_t n = ldns_rdf_size(rdf), i = 0, o = 0;

	if (n == 0 || n > 255)
		return false;
	if (d[0] == 0)
		return cap >= 2 && (memcpy(out, ".", 2), true);
	while (i < n && d[i] != 0) {
		uint8_t l = d[i++];

		if (l > 63 || i + l > n)
			return false;
		for (unsigned j = 0; j < l; j++, i++) {
			uint8_t c = d[i];

			if (o + 5 > cap)
				return false;
			if (c == '.' || c == '\\' || c == '"' || c == ';' ||
			    c == '(' || c == ')' || c == '@' || c == '$') {
				out[o++] = '\\';
				out[o++] = (char)c;
			} else if (c <= 0x20 || c >= 0x7f) {
				out[o++] = '\\';
				out[o++] = (char)('0' + c / 100);
				out[o++] = (char)('0' + c / 10 % 10);
				out[o++] = (char)('0' + c % 10);
			} else {
				out[o++] = (char)c;
			}
		}
		if (o + 2 > cap)
			return false;
		out[o++] = '.';
	}
	out[o] = '\0';
	return true;
}

/* Hand (name, type) to libunbound as q's lookup (parallel_a: the A query
 * beside the AAAA one).  0, or -1 with nothing started.  q may be finished
 * and freed when this returns 0. */
static int srv_ub_start(struct srv_query *q, const char *name, int type,
			bool parallel_a)
{
	struct dns64_srv *s = q->s;
	struct srv_up *up = calloc(1, sizeof(*up));
	int rc;

	if (!up)
		return -1;
	up->s = s;
	up->q = q;
	up->parallel_a = parallel_a;
	if (parallel_a)
		q->up_a = up;
	else
		q->up = up;
	SRV_LINK(s->ups, up);
	SRV_CTR(s, upstream_queries);
	rc = ub_resolve_event(s->ub, name, type, q->plan.qclass, up,
			      srv_up_done, NULL);
	if (rc == 0)
		return 0;
	/* No callback comes for a refused request. */
	log_debug("dns64: resolver: %s", ub_strerror(rc));
	SRV_UNLINK(s->ups, up);
	free(up);
	if (parallel_a)
		q->up_a = NULL;
	else
		q->up = NULL;
	return -1;
}

/* Hand the plan's next question to libunbound.  For the AAAA step the A
 * query for the same name goes out at the same time (RFC 6147 §5.1.8);
 * its answer is used when the AAAA answer leads to step A for that very
 * name (no CNAME/DNAME chain), and dropped otherwise.  Not with dnssec:
 * a validating DNS64 MUST validate the negative AAAA answer before it
 * asks for A (§5.5 item 2).  The A query goes first: libunbound may
 * answer the AAAA one before returning, and the query may then be
 * finished and freed. */
static void srv_resolve(struct srv_query *q)
{
	struct dns64_srv *s = q->s;
	struct timeval tv = s->up_timeout;
	char name[4 * 255 + 2];

	if (!srv_name_str(q->plan.name, name, sizeof(name))) {
		srv_resolve_failed(q);
		return;
	}
	evtimer_del(q->timer);
	evtimer_assign(q->timer, s->base, srv_up_timeout, q);
	evtimer_add(q->timer, &tv);
	if (q->plan.step == DNS64_STEP_AAAA && !s->p.conf.dnssec &&
	    q->plan.qtype == LDNS_RR_TYPE_AAAA) {
		q->a_name = ldns_rdf_clone(q->plan.name);
		if (q->a_name && srv_ub_start(q, name, LDNS_RR_TYPE_A, true))
			srv_a_forget(q);
	}
	if (srv_ub_start(q, name, q->plan.qtype, false) == 0)
		return;
	srv_a_forget(q);
	evtimer_del(q->timer);
	srv_resolve_failed(q);
}

static void srv_query_run(struct srv_query *q)
{
	switch (q->plan.step) {
	case DNS64_STEP_DONE:
		srv_query_finish(q);
		return;
	case DNS64_STEP_DROP:
		SRV_CTR(q->s, dropped);
		srv_query_free(q);
		return;
	case DNS64_STEP_A:
		if (q->a_name && q->plan.qtype == LDNS_RR_TYPE_A &&
		    ldns_dname_compare(q->a_name, q->plan.name) == 0) {
			if (q->a_done)
				srv_a_feed(q);
			else
				q->a_wait = true;  /* the timer runs */
			return;
		}
		srv_a_forget(q);
		srv_resolve(q);
		return;
	default:
		srv_a_forget(q);
		srv_resolve(q);
		return;
	}
}

/* The slow path: parse, classify (src/dns64/), resolve. */
static void srv_query_start(struct srv_query *q, const uint8_t *m,
			    size_t len)
{
	struct dns64_srv *s = q->s;

	if (dns64_plan_wire(&s->view->cfg, m, len, q->allowed, &q->plan)) {
		SRV_CTR(s, dropped);
		srv_query_free(q);
		return;
	}
	if (q->plan.flags & DNS64_F_FORMERR)
		SRV_CTR(s, formerr);
	if (q->plan.flags & DNS64_F_NOTIMP)
		SRV_CTR(s, notimp);
	srv_query_run(q);
}

/* ---- UDP --------------------------------------------------------------- */

/* Send the cached answers gathered during one recvmmsg() batch with as
 * few sendmmsg() calls as the socket takes; one that fails is dropped. */
static void srv_udp_flush(struct dns64_srv *s, int fd)
{
	unsigned done = 0, n = s->nout;

	s->nout = 0;
	while (done < n) {
		int r = sendmmsg(fd, s->smsg + done, n - done, MSG_DONTWAIT);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			SRV_CTR(s, dropped);   /* the first one failed */
			done++;
			continue;
		}
		done += (unsigned)r;
	}
}

/* The fast path: a hit goes into the next free batch slot, answered by
 * srv_udp_flush() after the batch. */
static bool srv_udp_cached(struct dns64_srv *s, const struct dns64_cache_key *k,
			   uint64_t now, struct sockaddr_storage *peer,
			   socklen_t pl)
{
	unsigned i = s->nout;
	uint8_t *out = s->obuf + (size_t)i * SRV_MSG_MAX;
	size_t n = 0;

	if (dns64_cache_lookup(s->cache, k, now, out, SRV_MSG_MAX, &n) != 0)
		return false;
	SRV_CTR(s, cache_hits);
	s->siov[i].iov_base = out;
	s->siov[i].iov_len = n;
	memset(&s->smsg[i], 0, sizeof(s->smsg[i]));
	s->smsg[i].msg_hdr.msg_name = peer;
	s->smsg[i].msg_hdr.msg_namelen = pl;
	s->smsg[i].msg_hdr.msg_iov = &s->siov[i];
	s->smsg[i].msg_hdr.msg_iovlen = 1;
	s->nout++;
	return true;
}

static void srv_udp_query(struct dns64_srv *s, int fd, const uint8_t *m,
			  size_t len, struct sockaddr_storage *peer,
			  socklen_t pl, uint64_t now)
{
	bool allowed = srv_allowed(s, peer);
	struct dns64_cache_key k;
	bool keyed = s->cache && dns64_cache_key_wire(s->cache, m, len,
						      allowed, &k) == 0;
	struct srv_query *q;

	if (!allowed)
		SRV_CTR(s, not_allowed);
	if (keyed && srv_udp_cached(s, &k, now, peer, pl))
		return;
	q = srv_query_new(s, allowed);
	if (!q) {
		SRV_CTR(s, dropped);
		return;
	}
	q->fd = fd;
	memcpy(&q->peer, peer, pl);
	q->peerlen = pl;
	q->keyed = keyed;
	if (keyed)
		q->key = k;
	srv_query_start(q, m, len);
}

/* The receive batch's headers: each slot's buffer and address. */
static void srv_udp_init(struct dns64_srv *s)
{
	for (int i = 0; i < SRV_UDP_BATCH; i++) {
		struct msghdr *h = &s->rmsg[i].msg_hdr;

		s->riov[i].iov_base = s->rbuf + (size_t)i * SRV_MSG_MAX;
		s->riov[i].iov_len = SRV_MSG_MAX;
		memset(h, 0, sizeof(*h));
		h->msg_name = &s->rpeer[i];
		h->msg_namelen = sizeof(s->rpeer[i]);
		h->msg_iov = &s->riov[i];
		h->msg_iovlen = 1;
	}
}

/* Up to SRV_UDP_ROUNDS batches of SRV_UDP_BATCH datagrams per wakeup:
 * one recvmmsg() each, cache hits answered with one sendmmsg(), misses
 * handed to the resolver one by one. */
static void srv_udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct dns64_srv *s = arg;

	(void)what;
	for (int round = 0; round < SRV_UDP_ROUNDS; round++) {
		uint64_t now;
		int n;

		/* The kernel writes back only the address length (and
		 * msg_len, msg_flags); the rest is set once (srv_udp_init()). */
		for (int i = 0; i < SRV_UDP_BATCH; i++)
			s->rmsg[i].msg_hdr.msg_namelen = sizeof(s->rpeer[i]);
		n = recvmmsg(fd, s->rmsg, SRV_UDP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		now = srv_now();
		for (int i = 0; i < n; i++) {
			SRV_CTR(s, queries_udp);
			srv_udp_query(s, fd, s->riov[i].iov_base,
				      s->rmsg[i].msg_len, &s->rpeer[i],
				      s->rmsg[i].msg_hdr.msg_namelen, now);
		}
		srv_udp_flush(s, fd);
		if (n < SRV_UDP_BATCH)
			return;
	}
}

/* ---- TCP --------------------------------------------------------------- */

static void srv_tcp_free(struct srv_tcp *c)
{
	struct dns64_srv *s = c->s;

	if (c->bev) {
		bufferevent_free(c->bev);
		c->bev = NULL;
		SRV_UNLINK(s->tcps, c);
		s->ntcp--;
	}
	if (c->pending == 0)
		free(c);
}

static void srv_tcp_event(struct bufferevent *bev, short what, void *arg);

static void srv_tcp_drained(struct bufferevent *bev, void *arg)
{
	(void)bev;
	srv_tcp_free(arg);
}

/* After the client's EOF: close once every answer is written. */
static void srv_tcp_close_when_done(struct srv_tcp *c)
{
	if (!c->bev || c->pending)
		return;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		srv_tcp_free(c);
		return;
	}
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setcb(c->bev, NULL, srv_tcp_drained, srv_tcp_event, c);
}

/* A query of c is done.  Input held back by the pipeline limit is read
 * from the loop, not from here: the reader may be on the stack. */
static void srv_tcp_unref(struct srv_tcp *c)
{
	c->pending--;
	if (!c->bev) {
		if (c->pending == 0)
			free(c);
		return;
	}
	if (c->eof)
		srv_tcp_close_when_done(c);
	else if (c->pending + 1 == SRV_TCP_PIPELINE) {
		bufferevent_enable(c->bev, EV_READ);
		bufferevent_trigger(c->bev, EV_READ, BEV_TRIG_DEFER_CALLBACKS);
	}
}

static void srv_tcp_query(struct srv_tcp *c, const uint8_t *m, size_t len)
{
	struct dns64_srv *s = c->s;
	struct dns64_cache_key k;
	bool keyed = s->cache && dns64_cache_key_wire(s->cache, m, len,
						      c->allowed, &k) == 0;
	struct srv_query *q;
	size_t n = 0;

	SRV_CTR(s, queries_tcp);
	if (!c->allowed)
		SRV_CTR(s, not_allowed);
	k.max_reply = SRV_MSG_MAX;
	if (keyed && dns64_cache_lookup(s->cache, &k, srv_now(), s->out,
					sizeof(s->out), &n) == 0) {
		SRV_CTR(s, cache_hits);
		srv_tcp_send(c, s->out, n);
		return;
	}
	q = srv_query_new(s, c->allowed);
	if (!q) {
		SRV_CTR(s, dropped);
		return;
	}
	q->tcp = c;
	c->pending++;
	q->keyed = keyed;
	if (keyed)
		q->key = k;
	srv_query_start(q, m, len);
}

/* Every whole length-prefixed message in the input, up to the pipeline
 * limit; reading pauses there until answers go out. */
static void srv_tcp_read(struct bufferevent *bev, void *arg)
{
	struct srv_tcp *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[2];

	while (c->bev && !c->eof) {
		size_t n;
		uint8_t *m;

		if (c->pending >= SRV_TCP_PIPELINE) {
			bufferevent_disable(bev, EV_READ);
			return;
		}
		if (evbuffer_copyout(in, hdr, 2) < 2)
			return;
		n = (size_t)hdr[0] << 8 | hdr[1];
		if (evbuffer_get_length(in) < n + 2)
			return;
		evbuffer_drain(in, 2);
		m = evbuffer_pullup(in, (ev_ssize_t)n);
		if (n == 0 || !m)
			SRV_CTR(c->s, dropped);
		else
			srv_tcp_query(c, m, n);
		evbuffer_drain(in, n);
	}
}

static void srv_tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct srv_tcp *c = arg;

	/* Idle means no query for tcp-idle-timeout, not a slow upstream. */
	if ((what & BEV_EVENT_TIMEOUT) && (what & BEV_EVENT_READING) &&
	    c->pending) {
		bufferevent_enable(bev, EV_READ);
		return;
	}
	if ((what & BEV_EVENT_EOF) && c->pending) {
		c->eof = true;
		bufferevent_disable(bev, EV_READ);
		return;
	}
	srv_tcp_free(c);
}

static void srv_tcp_accept(struct evconnlistener *l, evutil_socket_t fd,
			   struct sockaddr *sa, int salen, void *arg)
{
	struct dns64_srv *s = arg;
	struct sockaddr_storage peer = { 0 };
	struct srv_tcp *c;

	(void)l;
	if (s->ntcp >= s->p.conf.tcp_max_clients ||
	    !(c = calloc(1, sizeof(*c)))) {
		SRV_CTR(s, tcp_refused);
		close(fd);
		return;
	}
	memcpy(&peer, sa, (size_t)salen < sizeof(peer) ? (size_t)salen
						      : sizeof(peer));
	c->s = s;
	c->allowed = srv_allowed(s, &peer);
	c->bev = bufferevent_socket_new(s->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		SRV_CTR(s, tcp_refused);
		close(fd);
		free(c);
		return;
	}
	SRV_LINK(s->tcps, c);
	s->ntcp++;
	bufferevent_setcb(c->bev, srv_tcp_read, NULL, srv_tcp_event, c);
	bufferevent_set_timeouts(c->bev, &s->tcp_idle, &s->tcp_idle);
	bufferevent_enable(c->bev, EV_READ);
}

/* ---- the loop ---------------------------------------------------------- */

/* Another thread asked to stop or published a view. */
static void srv_notify(evutil_socket_t fd, short what, void *arg)
{
	struct dns64_srv *s = arg;
	struct dns64_view *v;
	uint64_t n;

	(void)what;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_debug("dns64: notify: %s", strerror(errno));
	if (atomic_load(&s->stop)) {
		event_base_loopbreak(s->base);
		return;
	}
	pthread_mutex_lock(&s->lock);
	v = s->pending;
	s->pending = NULL;
	pthread_mutex_unlock(&s->lock);
	if (!v)
		return;
	free(s->view);
	s->view = v;
	srv_cache_reset(s);
}

static void srv_kick(struct dns64_srv *s)
{
	uint64_t one = 1;

	if (write(s->notify_fd, &one, sizeof(one)) < 0)
		log_err("dns64: notify: %s", strerror(errno));
}

static int srv_listen(struct dns64_srv *s)
{
	for (unsigned i = 0; i < s->p.nsock; i++) {
		s->udp_ev[i] = event_new(s->base, s->p.udp[i],
					 EV_READ | EV_PERSIST, srv_udp_read, s);
		/* backlog 0: the socket listens already; it stays ours. */
		s->lis[i] = evconnlistener_new(s->base, srv_tcp_accept, s, 0,
					       0, s->p.tcp[i]);
		if (!s->udp_ev[i] || !s->lis[i] ||
		    event_add(s->udp_ev[i], NULL) != 0)
			return -ENOMEM;
	}
	return 0;
}

static int srv_setup(struct dns64_srv *s)
{
	int err;

	s->base = event_base_new();
	if (!s->base)
		return -ENOMEM;
	s->notify_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->notify_fd < 0)
		return -errno;
	s->notify_ev = event_new(s->base, s->notify_fd, EV_READ | EV_PERSIST,
				 srv_notify, s);
	if (!s->notify_ev || event_add(s->notify_ev, NULL) != 0)
		return -ENOMEM;
	err = srv_listen(s);
	if (err)
		return err;
	if (getrandom(s->seed, sizeof(s->seed), 0) != sizeof(s->seed))
		return -EIO;
	srv_cache_reset(s);
	s->ub = dns64_res_new(s->base, &s->p.conf, s->p.conf.listen,
			      s->p.conf.nlisten);
	return s->ub ? 0 : -EINVAL;
}

int dns64_srv_new(const struct dns64_srv_params *p,
		  const struct dns64_view *v, struct dns64_srv **out)
{
	struct dns64_srv *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->p = *p;
	s->ctr = p->ctr;
	s->notify_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	s->up_timeout.tv_sec = p->conf.upstream_timeout;
	s->tcp_idle.tv_sec = p->conf.tcp_idle_timeout;
	s->view = malloc(sizeof(*s->view));
	s->rbuf = malloc((size_t)SRV_UDP_BATCH * SRV_MSG_MAX);
	s->obuf = malloc((size_t)SRV_UDP_BATCH * SRV_MSG_MAX);
	err = s->view && s->rbuf && s->obuf ? 0 : -ENOMEM;
	if (err == 0) {
		*s->view = *v;
		srv_udp_init(s);
		err = srv_setup(s);
	}
	if (err) {
		dns64_srv_free(s);
		return err;
	}
	*out = s;
	return 0;
}

static void *srv_main(void *arg)
{
	struct dns64_srv *s = arg;

	event_base_dispatch(s->base);
	return NULL;
}

int dns64_srv_start(struct dns64_srv *s)
{
	int rc = -pthread_create(&s->thread, NULL, srv_main, s);

	s->running = rc == 0;
	return rc;
}

int dns64_srv_update(struct dns64_srv *s, const struct dns64_view *v)
{
	struct dns64_view *nv = malloc(sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	*nv = *v;
	pthread_mutex_lock(&s->lock);
	free(s->pending);
	s->pending = nv;
	pthread_mutex_unlock(&s->lock);
	srv_kick(s);
	return 0;
}

/* What is in flight when the loop stops is dropped: clients retry. */
static void srv_drop_all(struct dns64_srv *s)
{
	while (s->queries) {
		struct srv_query *q = s->queries;

		if (q->tcp) {
			q->tcp->pending--;
			if (!q->tcp->bev && q->tcp->pending == 0)
				free(q->tcp);
			q->tcp = NULL;
		}
		srv_query_free(q);
	}
	while (s->tcps)
		srv_tcp_free(s->tcps);
	while (s->ups) {
		struct srv_up *up = s->ups;

		SRV_UNLINK(s->ups, up);
		free(up);
	}
}

void dns64_srv_free(struct dns64_srv *s)
{
	if (!s)
		return;
	if (s->running) {
		atomic_store(&s->stop, true);
		srv_kick(s);
		pthread_join(s->thread, NULL);
	}
	/* libunbound first: it calls nothing back once deleted. */
	if (s->ub)
		ub_ctx_delete(s->ub);
	srv_drop_all(s);
	for (unsigned i = 0; i < CONF_DNS64_LISTEN_MAX; i++) {
		if (s->udp_ev[i])
			event_free(s->udp_ev[i]);
		if (s->lis[i])
			evconnlistener_free(s->lis[i]);
	}
	if (s->notify_ev)
		event_free(s->notify_ev);
	if (s->notify_fd >= 0)
		close(s->notify_fd);
	if (s->base)
		event_base_free(s->base);
	dns64_cache_free(s->cache);
	free(s->view);
	free(s->pending);
	free(s->rbuf);
	free(s->obuf);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
