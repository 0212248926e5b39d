/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: NAT64 prefix discovery, the I/O half (pref64d.h).
 *
 *   RFC 8781 §4, §4.1  PREF64 options from Router Advertisements, lifetime
 *                      tracking and lifetime-0 withdrawal
 *   RFC 8781 §5, §5.1  several prefixes kept in order; one source only,
 *                      RA before RFC 7050; one interface
 *   RFC 4861 §6.1.2    RA validity: hop limit 255, link-local source
 *   RFC 4861 §6.3.7    one Router Solicitation at start (and when the RA
 *                      prefixes expire)
 *   RFC 7050 §3        AAAA ipv4only.arpa with CD = 0 through the system
 *                      resolver, re-query 10 s before the TTL, negative
 *                      answers wait their TTL, timeouts back off
 *
 * Parsing and timing decisions are core/pref64disc.c; this file only moves
 * bytes, reads the clock and reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <poll.h>
#include <pthread.h>
#include <resolv.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "core/pref64disc.h"
#include "daemon.h"
#include "log.h"
#include "pref64d.h"

/* Before the first DNS query, give the solicited RA this long to arrive:
 * RFC 8781 §5.1 prefers RA, and routers answer an RS within a second or
 * so (RFC 4861 §6.2.6: MAX_RA_DELAY_TIME 0.5 s). */
#define RA_HEADSTART 3
#define WAKE_MAX 60 /* poll at least this often (s) */
#define RA_BUF 4096 /* an RA is at most one MTU; larger ones are dropped */
#define DNS_BUF 4096
#define LOG_EVERY 60 /* s between two logs of dropped packets */

enum pd_drop {
	PD_DROP_TRUNC, PD_DROP_HOPLIMIT, PD_DROP_SOURCE, PD_DROP_IFACE,
	PD_DROP_MALFORMED, PD_DROP_OTHER_IF, PD_DROP__COUNT
};

static const char *const drop_name[PD_DROP__COUNT] = {
	"truncated", "hop limit not 255", "source not link-local",
	"other interface than configured", "malformed RA",
	"PREF64 on a second interface",
};

struct pref64d {
	struct pref64d_cfg cfg;
	char ifname[IF_NAMESIZE];
	unsigned ifindex;   /* configured interface, 0: any */
	int rawfd;          /* -1 without RA */
	int evfd;
	pthread_t thr;
	bool running;

	/* Thread state. */
	struct pref64disc_set ra, dns;
	unsigned ra_ifindex;      /* interface the RA set belongs to */
	uint64_t dns_next;        /* next query at (boot-time s) */
	unsigned dns_attempt;     /* consecutive failures */
	struct pref64 cur;        /* last reported */
	enum pref64_source cur_src;
	uint64_t cur_exp;
	uint64_t drops[PD_DROP__COUNT];
	uint64_t drop_logged;     /* time of the last drop log */
	bool dns_inflight;        /* a query is with the resolver thread */

	/* The resolver blocks for seconds per server, so it runs in a thread
	 * of its own and the loop keeps serving RAs and timers meanwhile.
	 * Loop -> resolver: want, stop (under mu, cv).  Resolver -> loop:
	 * the result under mu, then a write to dns_evfd. */
	pthread_t dthr;
	bool dns_running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool want, stop, ready;
	const char *dns_err;      /* result: NULL, or why it failed */
	struct pref64disc_dns result;
	int dns_evfd;
	struct __res_state res;   /* resolver thread only */
	bool res_ok;
};

/* Lifetimes are wall durations: CLOCK_BOOTTIME keeps counting in suspend. */
static uint64_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

__attribute__((format(printf, 3, 4)))
static void pd_log(struct pref64d *pd, int prio, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (pd->cfg.log)
		pd->cfg.log(pd->cfg.log_arg, prio, msg);
	else
		log_msg(prio, "pref64: %s", msg);
}

static const char *fmt_pref(const struct pref64 *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, &p->prefix, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->len);
	return buf;
}

/* Bad network input: counted per reason, logged at most once a minute. */
static void pd_drop(struct pref64d *pd, enum pd_drop why, uint64_t now)
{
	pd->drops[why]++;
	if (pd->drop_logged && now - pd->drop_logged < LOG_EVERY)
		return;
	pd->drop_logged = now;
	pd_log(pd, LOG_INFO, "RA dropped: %s (%llu so far)", drop_name[why],
	       (unsigned long long)pd->drops[why]);
}

/* ---- setup */

static int raw_open(struct pref64d *pd)
{
	struct icmp6_filter f;
	int on = 1, hops = 255;
	int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			IPPROTO_ICMPV6);

	if (fd < 0)
		return -errno;
	ICMP6_FILTER_SETBLOCKALL(&f);
	ICMP6_FILTER_SETPASS(ND_ROUTER_ADVERT, &f);
	if (setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
		       sizeof(hops)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops,
		       sizeof(hops)) < 0)
		goto fail;
	if (pd->ifindex &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, pd->ifname,
		       (socklen_t)strlen(pd->ifname)) < 0)
		goto fail;
	pd->rawfd = fd;
	return 0;
fail:;
	int e = -errno;
	close(fd);
	return e;
}

int pref64d_open(const struct pref64d_cfg *cfg, struct pref64d **out)
{
	struct pref64d *pd;
	int rc;

	if (!cfg->use_ra && !cfg->use_dns)
		return -EINVAL;
	if (cfg->ifname && strlen(cfg->ifname) >= IF_NAMESIZE)
		return -ENODEV;
	pd = calloc(1, sizeof(*pd));
	if (!pd)
		return -ENOMEM;
	pd->cfg = *cfg;
	pd->rawfd = -1;
	pd->cur_src = PREF64_SRC_NONE;
	if (cfg->ifname) {
		snprintf(pd->ifname, sizeof(pd->ifname), "%s", cfg->ifname);
		pd->cfg.ifname = pd->ifname;
		pd->ifindex = if_nametoindex(pd->ifname);
		if (pd->ifindex == 0) {
			rc = -ENODEV;
			goto fail;
		}
	}
	pd->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (pd->evfd < 0) {
		rc = -errno;
		goto fail;
	}
	pd->dns_evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (pd->dns_evfd < 0) {
		rc = -errno;
		close(pd->evfd);
		goto fail;
	}
	pthread_mutex_init(&pd->mu, NULL);
	pthread_cond_init(&pd->cv, NULL);
	if (cfg->use_ra && (rc = raw_open(pd)) < 0) {
		if (!cfg->use_dns)
			goto fail_ev;
		/* RFC 7050 alone is still worth having (no CAP_NET_RAW). */
		pd_log(pd, LOG_WARNING, "no Router Advertisements: raw ICMPv6 "
		       "socket: %s; ipv4only.arpa only", strerror(-rc));
	}
	*out = pd;
	return 0;
fail_ev:
	pthread_mutex_destroy(&pd->mu);
	pthread_cond_destroy(&pd->cv);
	close(pd->dns_evfd);
	close(pd->evfd);
fail:
	free(pd);
	return rc;
}

/* ---- reporting (RFC 8781 §5.1) */

static void log_others(struct pref64d *pd, const struct pref64disc_set *s)
{
	char b[64];

	for (unsigned i = 1; i < s->n; i++)
		pd_log(pd, LOG_INFO, "also offered: %s (not used: the "
		       "translator uses the first)", fmt_pref(&s->e[i].p, b,
							      sizeof(b)));
}

/* Report the first prefix of the preferred source when it, its source or
 * its expiry changed; report a withdrawal when nothing is left. */
static void reconcile(struct pref64d *pd, uint64_t now)
{
	const struct pref64disc_set *s;
	struct pref64 p = { .len = 0 };
	enum pref64_source src = pd->cur_src;
	uint64_t exp = 0;
	char b[64];

	if (pref64disc_set_expire(&pd->ra, now))
		pd_log(pd, LOG_NOTICE, "RA prefix lifetime expired");
	if (pref64disc_set_expire(&pd->dns, now))
		pd_log(pd, LOG_NOTICE, "ipv4only.arpa prefix TTL expired");
	s = pref64disc_select(&pd->ra, &pd->dns);
	if (s) {
		p = s->e[0].p;
		src = s == &pd->ra ? PREF64_SRC_RFC8781 : PREF64_SRC_RFC7050;
		exp = s->e[0].expires;
	}
	if (p.len == pd->cur.len && src == pd->cur_src && exp == pd->cur_exp &&
	    memcmp(&p.prefix, &pd->cur.prefix, sizeof(p.prefix)) == 0)
		return;
	if (s) {
		bool same = src == pd->cur_src && p.len == pd->cur.len &&
			    memcmp(&p.prefix, &pd->cur.prefix,
				   sizeof(p.prefix)) == 0;

		/* A refresh is routine; a new prefix or source is news. */
		pd_log(pd, same ? LOG_DEBUG : LOG_NOTICE,
		       "using %s from %s, lifetime %llu s",
		       fmt_pref(&p, b, sizeof(b)),
		       src == PREF64_SRC_RFC8781 ? "RA (RFC 8781)"
						 : "ipv4only.arpa (RFC 7050)",
		       (unsigned long long)(exp - now));
		if (!same)
			log_others(pd, s);
		daemon_pref64_update(pd->cfg.d, &p, src,
				     exp - now > UINT32_MAX - 1 ? UINT32_MAX - 1
							: (uint32_t)(exp - now));
	} else if (pd->cur.len) {
		pd_log(pd, LOG_NOTICE, "%s withdrawn, no prefix known",
		       fmt_pref(&pd->cur, b, sizeof(b)));
		daemon_pref64_update(pd->cfg.d, &p, pd->cur_src, 0);
	}
	pd->cur = p;
	pd->cur_src = src;
	pd->cur_exp = exp;
}

/* ---- RFC 8781: Router Advertisements */

static void rs_send_one(struct pref64d *pd, unsigned ifindex)
{
	static const uint8_t rs[8] = { PREF64DISC_ND_RS }; /* RFC 4861 §4.1 */
	struct sockaddr_in6 dst = { .sin6_family = AF_INET6,
				    .sin6_scope_id = ifindex };

	/* ff02::2, all routers; the kernel fills in the checksum. */
	dst.sin6_addr.s6_addr[0] = 0xff;
	dst.sin6_addr.s6_addr[1] = 0x02;
	dst.sin6_addr.s6_addr[15] = 0x02;
	if (sendto(pd->rawfd, rs, sizeof(rs), 0, (struct sockaddr *)&dst,
		   sizeof(dst)) < 0 && errno != ENETDOWN && errno != ENXIO &&
	    errno != EADDRNOTAVAIL)
		pd_log(pd, LOG_DEBUG, "router solicitation on ifindex %u: %s",
		       ifindex, strerror(errno));
}

static void rs_send(struct pref64d *pd)
{
	struct if_nameindex *ifs, *i;

	if (pd->rawfd < 0)
		return;
	if (pd->ifindex) {
		rs_send_one(pd, pd->ifindex);
		return;
	}
	ifs = if_nameindex();
	if (!ifs)
		return;
	for (i = ifs; i->if_index; i++)
		if (strcmp(i->if_name, "lo") != 0)
			rs_send_one(pd, i->if_index);
	if_freenameindex(ifs);
}

struct ra_meta {
	unsigned ifindex;
	int hoplimit;
	struct sockaddr_in6 src;
};

static void ra_cmsgs(struct msghdr *m, struct ra_meta *meta)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		if (c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			meta->ifindex = pi.ipi6_ifindex;
		} else if (c->cmsg_type == IPV6_HOPLIMIT &&
			   c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&meta->hoplimit, CMSG_DATA(c), sizeof(int));
		}
	}
}

/* RFC 4861 §6.1.2 checks the bytes cannot make: hop limit, source. */
static int ra_check(struct pref64d *pd, const struct ra_meta *m)
{
	if (m->hoplimit != 255)
		return PD_DROP_HOPLIMIT;
	if (!IN6_IS_ADDR_LINKLOCAL(&m->src.sin6_addr))
		return PD_DROP_SOURCE;
	if (pd->ifindex && m->ifindex != pd->ifindex)
		return PD_DROP_IFACE;
	/* RFC 8781 §5.1: per interface.  With "any", the first interface that
	 * gave a prefix keeps it until its prefixes are gone. */
	if (pd->ra.n && m->ifindex != pd->ra_ifindex)
		return PD_DROP_OTHER_IF;
	return -1;
}

static void ra_apply(struct pref64d *pd, const struct pref64disc_ra *ra,
		     unsigned ifindex, uint64_t now)
{
	char b[64], ifn[IF_NAMESIZE] = "?";

	if_indextoname(ifindex, ifn);
	if (ra->ignored || ra->dropped)
		pd_log(pd, LOG_INFO, "RA on %s: %u PREF64 option(s) ignored "
		       "(RFC 8781 4), %u over the limit", ifn, ra->ignored,
		       ra->dropped);
	for (unsigned i = 0; i < ra->n; i++) {
		const struct pref64disc_opt *o = &ra->opt[i];
		const char *why;

		if (o->lifetime && addr_pref64_check(&o->p, &why) < 0) {
			pd_log(pd, LOG_WARNING, "RA on %s: %s refused: %s", ifn,
			       fmt_pref(&o->p, b, sizeof(b)), why);
			continue;
		}
		if (pref64disc_set_update(&pd->ra, &o->p, o->lifetime, now) ==
		    -ENOSPC)
			pd_log(pd, LOG_WARNING, "RA on %s: %s over the limit of "
			       "%d prefixes", ifn, fmt_pref(&o->p, b, sizeof(b)),
			       PREF64DISC_MAX);
	}
	if (pd->ra.n) {
		pd->ra_ifindex = ifindex;
		pd->dns.n = 0; /* RFC 8781 §5.1: trust one source only */
	}
}

/* Read and handle one datagram; false when there was none. */
static bool ra_recv_one(struct pref64d *pd, uint64_t now)
{
	uint8_t buf[RA_BUF];
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			  CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct ra_meta meta = { .hoplimit = -1 };
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { .msg_name = &meta.src,
			    .msg_namelen = sizeof(meta.src),
			    .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = cbuf.b,
			    .msg_controllen = sizeof(cbuf.b) };
	struct pref64disc_ra ra;
	ssize_t n = recvmsg(pd->rawfd, &m, MSG_DONTWAIT);
	int why;

	if (n < 0)
		return false;
	if (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
		pd_drop(pd, PD_DROP_TRUNC, now);
		return true;
	}
	ra_cmsgs(&m, &meta);
	if ((why = ra_check(pd, &meta)) >= 0) {
		/* Quiet for RAs that carry no PREF64 anyway. */
		if (why != PD_DROP_OTHER_IF ||
		    (pref64disc_ra_parse(buf, (size_t)n, &ra) == 0 && ra.n))
			pd_drop(pd, (enum pd_drop)why, now);
		return true;
	}
	if (pref64disc_ra_parse(buf, (size_t)n, &ra) < 0)
		pd_drop(pd, PD_DROP_MALFORMED, now);
	else
		ra_apply(pd, &ra, meta.ifindex, now);
	return true;
}

static void ra_recv(struct pref64d *pd, uint64_t now)
{
	/* Bounded: a flood cannot keep the loop from its timers. */
	for (int i = 0; i < 64 && ra_recv_one(pd, now); i++)
		;
}

/* ---- RFC 7050: ipv4only.arpa */

static int res_reload(struct pref64d *pd)
{
	if (pd->res_ok)
		res_nclose(&pd->res);
	memset(&pd->res, 0, sizeof(pd->res));
	pd->res_ok = res_ninit(&pd->res) == 0;
	if (!pd->res_ok)
		return -EIO;
	/* Short tries: pref64d_stop() waits for a query in flight. */
	pd->res.retrans = 2;
	pd->res.retry = 2;
	return 0;
}

static void dns_failed(struct pref64d *pd, uint64_t now, const char *what)
{
	uint32_t d = pref64disc_retry_delay(++pd->dns_attempt);

	pd->dns_next = now + d;
	pd_log(pd, pd->dns_attempt == 1 ? LOG_NOTICE : LOG_DEBUG,
	       "ipv4only.arpa: %s, retry in %u s", what, d);
}

static void dns_found(struct pref64d *pd, const struct pref64disc_dns *r,
		      const struct pref64 *p, int n, uint64_t now)
{
	struct pref64disc_set fresh = { 0 };
	uint32_t life = pref64disc_dns_lifetime(r->ttl);
	char b[64];

	for (int i = 0; i < n; i++) {
		const char *why;

		if (addr_pref64_check(&p[i], &why) < 0) {
			pd_log(pd, LOG_WARNING, "ipv4only.arpa: %s refused: %s",
			       fmt_pref(&p[i], b, sizeof(b)), why);
			continue;
		}
		(void)pref64disc_set_update(&fresh, &p[i], life, now);
	}
	/* RFC 7050 §3: the answer replaces what the last one said. */
	if (fresh.n)
		pd->dns = fresh;
	pd->dns_attempt = 0;
	pd->dns_next = now + pref64disc_requery_delay(r->ttl);
}

static void dns_answer(struct pref64d *pd, const struct pref64disc_dns *r,
		       uint64_t now)
{
	struct pref64 p[PREF64DISC_MAX];
	int n;

	if (r->rcode == 3 || (r->rcode == 0 && r->naaaa == 0)) {
		uint32_t w = pref64disc_negative_wait(r);
		pd->dns_attempt = 0;
		pd->dns_next = now + w;
		pd_log(pd, LOG_NOTICE, "ipv4only.arpa: %s, no DNS64; asking "
		       "again in %u s", r->rcode ? "NXDOMAIN" : "no AAAA", w);
		return;
	}
	if (r->rcode != 0) {
		dns_failed(pd, now, "server failure");
		return;
	}
	n = pref64disc_rfc7050(r->aaaa, r->naaaa, p, PREF64DISC_MAX);
	if (n < 0) {
		uint32_t w = pref64disc_negative_wait(r);
		pd->dns_next = now + w;
		pd_log(pd, LOG_WARNING, "ipv4only.arpa: no well-known address "
		       "at an RFC 6052 position, discovery failed; asking again "
		       "in %u s", w);
		return;
	}
	dns_found(pd, r, p, n, now);
}

/* Resolver thread: one AAAA ipv4only.arpa; NULL or why it failed. */
static const char *dns_ask(struct pref64d *pd, struct pref64disc_dns *r)
{
	uint8_t q[NS_PACKETSZ], ans[DNS_BUF];
	int ql, n;

	if (res_reload(pd) < 0)
		return "cannot read the resolver configuration";
	ql = res_nmkquery(&pd->res, ns_o_query, "ipv4only.arpa", ns_c_in,
			  ns_t_aaaa, NULL, 0, NULL, q, sizeof(q));
	if (ql < 12)
		return "cannot build the query";
	q[3] &= (uint8_t)~0x10; /* RFC 7050 §3: CD = 0 (MUST) */
	n = res_nsend(&pd->res, q, ql, ans, sizeof(ans));
	if (n < 0)
		return "no answer";
	if ((size_t)n > sizeof(ans))
		n = sizeof(ans); /* the rest was not stored */
	if (pref64disc_dns_parse(ans, (size_t)n, r) < 0)
		return "malformed answer";
	return NULL;
}

static void *dns_thread(void *arg)
{
	struct pref64d *pd = arg;
	struct pref64disc_dns r;
	uint64_t one = 1;

	pthread_mutex_lock(&pd->mu);
	for (;;) {
		while (!pd->want && !pd->stop)
			pthread_cond_wait(&pd->cv, &pd->mu);
		if (pd->stop)
			break;
		pd->want = false;
		pthread_mutex_unlock(&pd->mu);
		const char *err = dns_ask(pd, &r);
		pthread_mutex_lock(&pd->mu);
		pd->result = r;
		pd->dns_err = err;
		pd->ready = true;
		if (write(pd->dns_evfd, &one, sizeof(one)) < 0)
			break; /* cannot happen: the counter is far from full */
	}
	pthread_mutex_unlock(&pd->mu);
	return NULL;
}

static void dns_request(struct pref64d *pd)
{
	pthread_mutex_lock(&pd->mu);
	pd->want = true;
	pthread_cond_signal(&pd->cv);
	pthread_mutex_unlock(&pd->mu);
	pd->dns_inflight = true;
}

/* Loop: take the resolver's result and act on it. */
static void dns_collect(struct pref64d *pd, uint64_t now)
{
	struct pref64disc_dns r;
	const char *err;
	uint64_t v;
	bool ready;

	if (read(pd->dns_evfd, &v, sizeof(v)) < 0)
		return;
	pthread_mutex_lock(&pd->mu);
	ready = pd->ready;
	pd->ready = false;
	r = pd->result;
	err = pd->dns_err;
	pthread_mutex_unlock(&pd->mu);
	if (!ready)
		return;
	pd->dns_inflight = false;
	if (pd->ra.n) {
		/* An RA came meanwhile: RFC 8781 §5.1, one source only. */
		pd->dns_attempt = 0;
		return;
	}
	if (err)
		dns_failed(pd, now, err);
	else
		dns_answer(pd, &r, now);
}

static bool dns_due(const struct pref64d *pd, uint64_t now)
{
	return pd->dns_running && !pd->dns_inflight && pd->ra.n == 0 &&
	       now >= pd->dns_next;
}

/* ---- the loop */

static int next_wake_ms(const struct pref64d *pd, uint64_t now)
{
	uint64_t t = now + WAKE_MAX;
	uint64_t ra = pref64disc_set_next_expiry(&pd->ra);
	uint64_t dns = pref64disc_set_next_expiry(&pd->dns);

	if (ra < t)
		t = ra;
	if (dns < t)
		t = dns;
	if (pd->dns_running && !pd->dns_inflight && pd->ra.n == 0 &&
	    pd->dns_next < t)
		t = pd->dns_next;
	return t <= now ? 0 : (int)(t - now) * 1000;
}

/* Timers: ask the resolver, report, and solicit when the RA prefixes are
 * gone (the router may still be there). */
static void pd_tick(struct pref64d *pd, uint64_t now)
{
	unsigned had_ra = pd->ra.n;

	if (dns_due(pd, now))
		dns_request(pd);
	reconcile(pd, now);
	if (had_ra && pd->ra.n == 0) {
		rs_send(pd);
		if (pd->dns_next < now + RA_HEADSTART)
			pd->dns_next = now + RA_HEADSTART;
	}
}

static void *pd_thread(void *arg)
{
	struct pref64d *pd = arg;
	uint64_t now = now_s();

	rs_send(pd);
	pd->dns_next = pd->rawfd >= 0 ? now + RA_HEADSTART : now;
	for (;;) {
		/* poll() skips the raw socket when it is -1 (no RA). */
		struct pollfd pfd[3] = { { pd->evfd, POLLIN, 0 },
					 { pd->dns_evfd, POLLIN, 0 },
					 { pd->rawfd, POLLIN, 0 } };

		pd_tick(pd, now_s());
		if (poll(pfd, 3, next_wake_ms(pd, now_s())) < 0 &&
		    errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		if (pfd[1].revents & POLLIN)
			dns_collect(pd, now_s());
		if (pfd[2].revents & POLLIN)
			ra_recv(pd, now_s());
	}
	return NULL;
}

/* Both threads start with every signal blocked: signals stay with the
 * daemon's main thread. */
static int pd_spawn(pthread_t *t, void *(*fn)(void *), struct pref64d *pd)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(t, NULL, fn, pd);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -rc;
}

int pref64d_run(struct pref64d *pd)
{
	int rc;

	if (pd->running)
		return -EALREADY;
	if (pd->cfg.use_dns) {
		rc = pd_spawn(&pd->dthr, dns_thread, pd);
		if (rc)
			return rc;
		pd->dns_running = true;
	}
	rc = pd_spawn(&pd->thr, pd_thread, pd);
	if (rc)
		return rc; /* pref64d_stop() ends the resolver thread */
	pd->running = true;
	return 0;
}

int pref64d_start(struct daemon *d, const char *ifname, bool use_ra,
		  bool use_dns, struct pref64d **out)
{
	struct pref64d_cfg cfg = { .d = d, .ifname = ifname, .use_ra = use_ra,
				   .use_dns = use_dns };
	struct pref64d *pd;
	int rc = pref64d_open(&cfg, &pd);

	if (rc < 0)
		return rc;
	rc = pref64d_run(pd);
	if (rc < 0) {
		pref64d_stop(pd);
		return rc;
	}
	*out = pd;
	return 0;
}

void pref64d_stop(struct pref64d *pd)
{
	uint64_t one = 1;

	if (!pd)
		return;
	if (pd->running) {
		if (write(pd->evfd, &one, sizeof(one)) < 0)
			pd_log(pd, LOG_ERR, "stop: %s", strerror(errno));
		pthread_join(pd->thr, NULL);
	}
	if (pd->dns_running) {
		pthread_mutex_lock(&pd->mu);
		pd->stop = true;
		pthread_cond_signal(&pd->cv);
		pthread_mutex_unlock(&pd->mu);
		pthread_join(pd->dthr, NULL); /* a query in flight ends first */
	}
	if (pd->res_ok)
		res_nclose(&pd->res);
	if (pd->rawfd >= 0)
		close(pd->rawfd);
	pthread_mutex_destroy(&pd->mu);
	pthread_cond_destroy(&pd->cv);
	close(pd->dns_evfd);
	close(pd->evfd);
	free(pd);
}
