/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated [dns64]: how the DNS64 server (dns64srv.c) hangs off the
 * daemon (docs/dns64.md).
 *
 *  - dns64d_open(), before the privilege drop: UDP and TCP sockets for
 *    every listen line (port 53 needs CAP_NET_BIND_SERVICE, which the
 *    drop then gives up).  They stay open until the daemon stops.
 *  - dns64d_start(), after the drop: the server thread.
 *  - dns64d_sync(), whenever state.c publishes a generation: the view
 *    (prefixes, lists, ACL) goes to the running thread; changed resolver,
 *    cache or TCP keys restart it on the same sockets; listen changes wait
 *    for the next start.
 *
 * RFC 6147 §5.2: the prefixes are the translator's.  The global pref64,
 * or with pref64 = auto the discovered one, serves every IPv4 range the
 * prefix lines do not name; with no prefix known DNS64 is off and every
 * query is resolved as it is (RFC 8880 §7.1 item 4: ipv4only.arpa too).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns64srv.h"
#include "sixgated.h"

struct dns64d {
	struct conf_endpoint listen[CONF_DNS64_LISTEN_MAX];
	unsigned nlisten;
	int udp[CONF_DNS64_LISTEN_MAX];
	int tcp[CONF_DNS64_LISTEN_MAX];
	struct conf_dns64 running;   /* what srv was made with */
	struct dns64_view view;      /* what srv was last given */
	struct dns64_srv *srv;
};

bool daemon_dns64_stats(const struct daemon *d, struct dns64_stats *s)
{
	const struct dns64_counters *c = &d->dns64_ctr;

	if (!d->dns64)
		return false;
#define DNS64D_LOAD(name, desc) \
	s->name = atomic_load_explicit(&c->name, memory_order_relaxed);
	DNS64_COUNTERS(DNS64D_LOAD)
#undef DNS64D_LOAD
	return true;
}

/* ---- sockets ----------------------------------------------------------- */

static socklen_t dns64d_sockaddr(const struct conf_endpoint *e,
				 struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (void *)ss;
	struct sockaddr_in6 *in6 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (e->v6) {
		in6->sin6_family = AF_INET6;
		in6->sin6_addr = e->addr6;
		in6->sin6_port = htons(e->port);
		return sizeof(*in6);
	}
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(e->v4);
	in->sin_port = htons(e->port);
	return sizeof(*in);
}

static int dns64d_socket(const struct conf_endpoint *e, int type)
{
	struct sockaddr_storage ss;
	socklen_t len = dns64d_sockaddr(e, &ss);
	int one = 1, err;
	int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* :: and 0.0.0.0 on the same port are two listen lines. */
	if (e->v6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 128) < 0)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static void dns64d_log_endpoint(const char *what,
				const struct conf_endpoint *e, int err)
{
	char a[CONF_ENDPOINT_STRLEN];

	log_err("dns64: listen %s (%s): %s%s",
		conf_endpoint_str(e, ' ', a, sizeof(a)), what,
		strerror(-err), err == -EACCES ? " (ports below 1024 need "
		"CAP_NET_BIND_SERVICE at start)" : "");
}

static void dns64d_close_sockets(struct dns64d *dd)
{
	for (unsigned i = 0; i < dd->nlisten; i++) {
		if (dd->udp[i] >= 0)
			close(dd->udp[i]);
		if (dd->tcp[i] >= 0)
			close(dd->tcp[i]);
	}
}

static int dns64d_bind_all(struct dns64d *dd, const struct conf_dns64 *c)
{
	dd->nlisten = c->nlisten;
	memcpy(dd->listen, c->listen, sizeof(dd->listen));
	for (unsigned i = 0; i < CONF_DNS64_LISTEN_MAX; i++)
		dd->udp[i] = dd->tcp[i] = -1;
	for (unsigned i = 0; i < c->nlisten; i++) {
		dd->udp[i] = dns64d_socket(&c->listen[i], SOCK_DGRAM);
		if (dd->udp[i] < 0) {
			dns64d_log_endpoint("udp", &c->listen[i], dd->udp[i]);
			return dd->udp[i];
		}
		dd->tcp[i] = dns64d_socket(&c->listen[i], SOCK_STREAM);
		if (dd->tcp[i] < 0) {
			dns64d_log_endpoint("tcp", &c->listen[i], dd->tcp[i]);
			return dd->tcp[i];
		}
	}
	return 0;
}

int dns64d_open(struct daemon *d, const struct sixgate_conf *c)
{
	struct dns64d *dd = calloc(1, sizeof(*dd));
	int err;

	if (!dd)
		return -ENOMEM;
	err = dns64d_bind_all(dd, &c->dns64);
	if (err) {
		dns64d_close_sockets(dd);
		free(dd);
		return err;
	}
	d->dns64 = dd;
	return 0;
}

/* ---- the view ---------------------------------------------------------- */

static void dns64d_copy_lists(struct dns64_config *cfg,
			      const struct sixgate_conf *c)
{
	const struct conf_dns64 *s = &c->dns64;

	for (unsigned i = 0; i < s->nexclude; i++) {
		cfg->exclude[i].addr = s->exclude[i].addr;
		cfg->exclude[i].len = s->exclude[i].len;
	}
	cfg->nexclude = s->nexclude;
	memcpy(cfg->mapout, s->mapout, s->nmapout * sizeof(s->mapout[0]));
	cfg->nmapout = s->nmapout;
	cfg->allow_nonglobal_wkp = c->allow_nonglobal_wkp;
	memcpy(cfg->nonglobal, c->nonglobal, sizeof(cfg->nonglobal));
	cfg->nnonglobal = c->nnonglobal;
	cfg->ttl_cap = s->ttl_cap;
	cfg->ipv4only_ttl = s->ipv4only_ttl;
	cfg->ptr = s->ptr;
}

/* RFC 6147 §5: the prefix lines first, the global prefix for the rest
 * (most specific range wins).  Under d->lock (d->pref64). */
static void dns64d_prefixes(const struct daemon *d,
			    const struct sixgate_conf *c,
			    struct dns64_config *cfg)
{
	const struct pref64 *global = c->pref64_auto ? &d->pref64 : &c->pref64;
	const struct conf_dns64 *s = &c->dns64;
	int rc = 0;

	if (!global->len)
		return;
	for (unsigned i = 0; rc == 0 && i < s->nprefix; i++)
		rc = dns64_config_add_prefix(cfg, &s->prefix[i].pref,
					     s->prefix[i].range.addr,
					     s->prefix[i].range.len);
	if (rc == 0)
		rc = dns64_config_add_prefix(cfg, global, 0, 0);
	if (rc) {
		log_err("dns64: prefixes refused (%s): DNS64 off",
			strerror(-rc));
		cfg->nprefix = 0;
	}
}

static void dns64d_view(const struct daemon *d, const struct sixgate_conf *c,
			struct dns64_view *v)
{
	const char *why = NULL;

	memset(v, 0, sizeof(*v));
	dns64_config_default(&v->cfg);
	dns64d_copy_lists(&v->cfg, c);
	dns64d_prefixes(d, c, &v->cfg);
	if (dns64_config_check(&v->cfg, &why) != 0) {
		log_err("dns64: %s: DNS64 off", why ? why : "invalid");
		v->cfg.nprefix = 0;
	}
	memcpy(v->allow, c->dns64.allow, sizeof(v->allow));
	v->nallow = c->dns64.nallow;
}

/* ---- the server thread ------------------------------------------------- */

static int dns64d_srv_up(struct daemon *d, const struct sixgate_conf *c)
{
	struct dns64d *dd = d->dns64;
	struct dns64_srv_params p = { .conf = c->dns64, .nsock = dd->nlisten,
				      .ctr = &d->dns64_ctr };
	struct dns64_view v;
	int err;

	memcpy(p.udp, dd->udp, sizeof(p.udp));
	memcpy(p.tcp, dd->tcp, sizeof(p.tcp));
	/* The sockets are bound to the listen lines of the start. */
	memcpy(p.conf.listen, dd->listen, sizeof(p.conf.listen));
	p.conf.nlisten = dd->nlisten;
	dns64d_view(d, c, &v);
	err = dns64_srv_new(&p, &v, &dd->srv);
	if (err == 0)
		err = dns64_srv_start(dd->srv);
	if (err) {
		log_err("dns64: server not started: %s", strerror(-err));
		dns64_srv_free(dd->srv);
		dd->srv = NULL;
		return err;
	}
	dd->running = c->dns64;
	dd->view = v;
	log_info("dns64: serving, %s", v.cfg.nprefix ? "synthesis on" :
		 "no prefix known yet: plain resolution");
	return 0;
}

int dns64d_start(struct daemon *d)
{
	const struct sixgate_conf *c = daemon_conf(d);

	if (!d->dns64 || d->dns64->srv)
		return 0;
	return dns64d_srv_up(d, c);
}

static bool dns64d_endpoints_eq(const struct conf_endpoint *a, unsigned na,
				const struct conf_endpoint *b, unsigned nb)
{
	if (na != nb)
		return false;
	for (unsigned i = 0; i < na; i++)
		if (a[i].v6 != b[i].v6 || a[i].port != b[i].port ||
		    (a[i].v6 ? memcmp(&a[i].addr6, &b[i].addr6, 16) != 0
			     : a[i].v4 != b[i].v4))
			return false;
	return true;
}

/* Keys a running server cannot take: the resolver, the cache, TCP. */
static bool dns64d_same_server(const struct conf_dns64 *a,
			       const struct conf_dns64 *b)
{
	return dns64d_endpoints_eq(a->upstream, a->nupstream, b->upstream,
				   b->nupstream) &&
	       a->recursion == b->recursion && a->dnssec == b->dnssec &&
	       strcmp(a->trust_anchor, b->trust_anchor) == 0 &&
	       a->cache_size == b->cache_size &&
	       a->upstream_timeout == b->upstream_timeout &&
	       a->tcp_idle_timeout == b->tcp_idle_timeout &&
	       a->tcp_max_clients == b->tcp_max_clients;
}

void dns64d_sync(struct daemon *d, const struct daemon_gen *g)
{
	const struct sixgate_conf *c = &g->conf;
	struct dns64d *dd = d->dns64;
	struct dns64_view v;

	if (!d->running)
		return;  /* dns64d_start() comes */
	if (!c->dns64.enabled) {
		if (dd)
			log_notice("dns64: [dns64] removed, DNS64 stops");
		dns64d_close(d);
		return;
	}
	if (!dd) {
		/* Added by a reload, after the drop: low ports fail. */
		if (dns64d_open(d, c) == 0)
			dns64d_srv_up(d, c);
		return;
	}
	if (dd->srv && !dns64d_same_server(&dd->running, &c->dns64)) {
		log_notice("dns64: resolver, cache or TCP keys changed: "
			   "restarting the DNS64 thread");
		dns64_srv_free(dd->srv);
		dd->srv = NULL;
	}
	if (!dd->srv) {
		dns64d_srv_up(d, c);
		return;
	}
	/* Built the same way from zeroed memory, so equal views compare
	 * equal byte for byte; an EAM change need not empty the cache. */
	dns64d_view(d, c, &v);
	if (memcmp(&v, &dd->view, sizeof(v)) == 0)
		return;
	if (dns64_srv_update(dd->srv, &v) != 0) {
		log_err("dns64: new prefixes not applied: %s",
			strerror(ENOMEM));
		return;
	}
	dd->view = v;
}

void dns64d_keep_fixed(const struct sixgate_conf *old,
		       struct sixgate_conf *nc)
{
	const struct conf_dns64 *o = &old->dns64;
	struct conf_dns64 *n = &nc->dns64;

	if (!o->enabled || !n->enabled)
		return;
	if (!dns64d_endpoints_eq(o->listen, o->nlisten, n->listen, n->nlisten))
		log_warn("reload: [dns64] listen changes at the next start");
	memcpy(n->listen, o->listen, sizeof(n->listen));
	n->nlisten = o->nlisten;
}

void dns64d_close(struct daemon *d)
{
	struct dns64d *dd = d->dns64;

	if (!dd)
		return;
	dns64_srv_free(dd->srv);
	dns64d_close_sockets(dd);
	free(dd);
	d->dns64 = NULL;
}
