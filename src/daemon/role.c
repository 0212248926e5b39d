/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated roles on the wire (docs/daemon.md, "Roles on the wire"): the
 * TUN device of [siit] and [clat] and the addresses and routes that send
 * exactly the translated prefixes into it.
 *
 *   [siit]  pool6, each EAM prefix (both columns, except a side the host
 *           already routes through another device: that is the real
 *           side of the mapping), ipv4-route, ipv6-route
 *   [clat]  host: ipv4-address/32 on the TUN, ipv6-address/128 routed in;
 *           router: ipv6-prefix routed in (ipv4-prefix is the LAN and
 *           stays there); both: IPv4 default (ipv4-default-route), each
 *           extra eam row, ipv4-route.  The pref64 itself is never routed
 *           into a CLAT: translated packets leave through the host.
 * RFC 6877 §6.1/6.3, RFC 7335 (192.0.0.0/29), RFC 7757 §3.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "netlink.h"
#include "sixgated.h"
#include "tun.h"

/* A CLAT default route is a fallback: a native default added later (DHCP)
 * with the usual metric 0 wins and does not collide with it. */
#define ROLE_DEFAULT4_METRIC 2048

/*
 * RFC 7335 §4: 192.0.0.0/29 serves every IPv4 continuity mechanism, and a
 * host must not run two whose addresses overlap there.  An address from it
 * on another interface means one (DS-Lite, another CLAT) is active.
 */
static int clat_continuity_free(struct daemon *d, const char *tun)
{
	uint32_t a;
	unsigned ifx;
	bool found = false;
	int err = nl_addr4_in(d->nl, 0xc0000000, 29, if_nametoindex(tun), &a,
			      &ifx, &found);

	if (err) {
		log_warn("clat: looking for addresses in 192.0.0.0/29: %s",
			 strerror(-err));
		return 0;
	}
	if (!found)
		return 0;
	log_err("clat: %u.%u.%u.%u on ifindex %u is in 192.0.0.0/29: another "
		"IPv4 continuity mechanism is active, and RFC 7335 4 forbids "
		"overlapping ones; not starting the host CLAT", a >> 24,
		(a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff, ifx);
	return -EADDRINUSE;
}

int role_open(struct daemon *d, enum daemon_role_id r,
	      const struct conf_role *cr)
{
	struct daemon_role *dr = &d->role[r];
	int err;

	for (unsigned i = 0; i < DAEMON_MAX_WORKERS; i++)
		dr->fds[i] = -1;
	if (r == ROLE_CLAT && cr->mode == CONF_CLAT_HOST) {
		err = clat_continuity_free(d, cr->tun);
		if (err)
			return err;
	}
	err = tun_open(cr->tun, d->nqueues, dr->fds, d->offloads, &dr->caps);
	if (err) {
		log_err("%s: opening TUN: %s", cr->tun, strerror(-err));
		return err;
	}
	char caps[96];
	tun_caps_str(&dr->caps, caps, sizeof(caps));
	log_info("%s: offloads:%s%s", cr->tun, caps[0] == ' ' ? "" : " ", caps);
	dr->ifindex = if_nametoindex(cr->tun);
	if (dr->ifindex == 0) {
		err = -errno;
		tun_close(dr->fds, d->nqueues);
		return err;
	}
	memcpy(dr->tun, cr->tun, sizeof(dr->tun));
	dr->open = true;
	log_info("%s: TUN open, %u queue(s), ifindex %u", dr->tun, d->nqueues,
		 dr->ifindex);
	return 0;
}

void role_close(struct daemon *d, enum daemon_role_id r)
{
	struct daemon_role *dr = &d->role[r];

	if (!dr->open)
		return;
	for (unsigned i = 0; i < d->nqueues; i++)
		worker_stop(d, r, i);
	atomic_store(&dr->ctx, NULL);
	tun_close(dr->fds, d->nqueues);
	/* The device went with its last queue, and its routes with it. */
	nl_forget_ifindex(d->nl, dr->ifindex);
	dr->open = false;
	log_info("%s: closed", dr->tun);
}

int role_link(struct daemon *d, enum daemon_role_id r,
	      const struct conf_role *cr)
{
	int err = nl_link_setup(d->nl, d->role[r].ifindex, cr->mtu);

	if (err)
		log_err("%s: setting MTU %u and link up: %s", cr->tun, cr->mtu,
			strerror(-err));
	return err;
}

/* ---- the desired set --------------------------------------------------- */

struct role_want {
	struct nl_obj *o;
	size_t n, cap;
};

static int want_push(struct role_want *w, const struct nl_obj *o)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 32;
		struct nl_obj *p = realloc(w->o, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		w->o = p;
		w->cap = cap;
	}
	w->o[w->n++] = *o;
	return 0;
}

static int want4(struct role_want *w, int kind, unsigned ifindex,
		 uint32_t a, unsigned len, uint32_t metric)
{
	struct nl_obj o = { .kind = (uint8_t)kind, .family = AF_INET,
			    .len = (uint8_t)len, .ifindex = ifindex,
			    .metric = metric };
	uint32_t be = htonl(a);

	memcpy(o.addr, &be, 4);
	return want_push(w, &o);
}

static int want6(struct role_want *w, unsigned ifindex,
		 const struct in6_addr *a, unsigned len)
{
	struct nl_obj o = { .kind = NL_ROUTE, .family = AF_INET6,
			    .len = (uint8_t)len, .ifindex = ifindex };

	memcpy(o.addr, a, 16);
	return want_push(w, &o);
}

static bool eam_row_eq(const struct eam_entry *a, const struct eam_entry *b)
{
	return a->v4 == b->v4 && a->len4 == b->len4 && a->len6 == b->len6 &&
	       memcmp(&a->v6, &b->v6, sizeof(a->v6)) == 0;
}

/* Is this EAM side the real one, already reached through another
 * device?  Then routing it into the TUN would loop translated packets
 * back in. */
static bool want_elsewhere(struct daemon *d, unsigned ifx, int family,
			   const void *a)
{
	bool elsewhere = false;
	int err = nl_route_elsewhere(d->nl, family, a, ifx, &elsewhere);

	if (err)
		log_debug("netlink: route lookup: %s", strerror(-err));
	return elsewhere;
}

static int want_eam_row(struct daemon *d, struct role_want *w, unsigned ifx,
			const struct eam_entry *e)
{
	uint32_t be = htonl(e->v4);
	int err = 0;

	if (!want_elsewhere(d, ifx, AF_INET, &be))
		err = want4(w, NL_ROUTE, ifx, e->v4, e->len4, 0);
	if (err == 0 && !want_elsewhere(d, ifx, AF_INET6, &e->v6))
		err = want6(w, ifx, &e->v6, e->len6);
	return err;
}

/* Both columns of each EAM row, except a side the host already routes
 * elsewhere; own (the CLAT's row) only its IPv6 side, always. */
static int want_eam(struct daemon *d, struct role_want *w, unsigned ifx,
		    const struct eam_table *t, const struct eam_entry *own)
{
	size_t n = t ? eam_count(t) : 0;
	int err = 0;

	for (size_t i = 0; i < n && err == 0; i++) {
		const struct eam_entry *e = eam_get(t, i);

		if (own && eam_row_eq(e, own))
			err = want6(w, ifx, &e->v6, e->len6);
		else
			err = want_eam_row(d, w, ifx, e);
	}
	return err;
}

static int want_routes(struct role_want *w, unsigned ifx,
		       const struct conf_role *cr)
{
	int err = 0;

	for (unsigned i = 0; i < cr->nroutes4 && err == 0; i++)
		err = want4(w, NL_ROUTE, ifx, cr->routes4[i].addr,
			    cr->routes4[i].len, 0);
	for (unsigned i = 0; i < cr->nroutes6 && err == 0; i++)
		err = want6(w, ifx, &cr->routes6[i].addr, cr->routes6[i].len);
	return err;
}

static int want_siit(struct daemon *d, struct role_want *w,
		     const struct daemon_gen *g)
{
	const struct conf_role *cr = &g->conf.siit;
	const struct xlat_ctx *x = &g->ctx[ROLE_SIIT];
	unsigned ifx = d->role[ROLE_SIIT].ifindex;
	int err = 0;

	if (!cr->manage_routes)
		return 0;
	if (x->pool6.len)
		err = want6(w, ifx, &x->pool6.prefix, x->pool6.len);
	if (err == 0)
		err = want_eam(d, w, ifx, cr->eam, NULL);
	return err ? err : want_routes(w, ifx, cr);
}

/* [nat64]: pool6 and every pool4 address (RFC 6146 §3.5: exactly what
 * the NAT64 processes) but the host's own, whose pool4 ports reach the
 * TUN through the steering table instead, then ipv4-route / ipv6-route. */
static int want_nat64(struct daemon *d, struct role_want *w,
		      const struct daemon_gen *g)
{
	const struct conf_role *cr = &g->conf.nat64;
	const struct conf_nat64 *n = &g->conf.nat64s;
	const struct xlat_ctx *x = &g->ctx[ROLE_NAT64];
	unsigned ifx = d->role[ROLE_NAT64].ifindex;
	int err = 0;

	if (!cr->manage_routes)
		return 0;
	if (x->pool6.len && !atomic_load(&d->nat64_unhealthy))
		err = want6(w, ifx, &x->pool6.prefix, x->pool6.len);
	for (unsigned i = 0; i < n->npool4 && err == 0; i++) {
		bool dup = steer_has(&d->steer, n->pool4[i].addr);
		for (unsigned k = 0; k < i && !dup; k++)
			dup = n->pool4[k].addr == n->pool4[i].addr;
		if (!dup)
			err = want4(w, NL_ROUTE, ifx, n->pool4[i].addr, 32, 0);
	}
	/* The host's own addresses: marked packets use this table. */
	if (err == 0 && d->steer.up) {
		struct nl_obj o = { .kind = NL_ROUTE, .family = AF_INET,
				    .ifindex = ifx, .table = d->steer.table };
		err = want_push(w, &o);
	}
	return err ? err : want_routes(w, ifx, cr);
}

/* ipv4-default-route: yes, no, or auto = only while the host has no other
 * IPv4 default route. */
static bool want_default4(struct daemon *d, const struct conf_role *cr)
{
	bool has = false;
	int err;

	if (cr->v4default != CONF_V4DEFAULT_AUTO)
		return cr->v4default == CONF_V4DEFAULT_YES;
	err = nl_has_default4(d->nl, d->role[ROLE_CLAT].ifindex, &has);
	if (err)
		log_warn("clat: looking for an IPv4 default route: %s",
			 strerror(-err));
	return err == 0 && !has;
}

static int want_clat(struct daemon *d, struct role_want *w,
		     const struct daemon_gen *g)
{
	const struct conf_role *cr = &g->conf.clat;
	unsigned ifx = d->role[ROLE_CLAT].ifindex;
	struct eam_entry own;
	int err = 0;

	/* RFC 7335: the host CLAT's IPv4 address lives on its TUN so local
	 * applications pick it as their source. */
	if (cr->mode == CONF_CLAT_HOST)
		err = want4(w, NL_ADDR, ifx, cr->clat_v4, 32, 0);
	if (err || !cr->manage_routes)
		return err;
	if (want_default4(d, cr))
		err = want4(w, NL_ROUTE, ifx, 0, 0, ROLE_DEFAULT4_METRIC);
	conf_clat_row(cr, &own);
	if (err == 0)
		err = want_eam(d, w, ifx, cr->eam, &own);
	return err ? err : want_routes(w, ifx, cr);
}

int role_sync(struct daemon *d, const struct daemon_gen *g)
{
	struct role_want w = { 0 };
	int err = 0;

	if (d->role[ROLE_SIIT].open && g->conf.siit.enabled)
		err = want_siit(d, &w, g);
	if (err == 0 && d->role[ROLE_CLAT].open && g->conf.clat.enabled)
		err = want_clat(d, &w, g);
	if (err == 0 && d->role[ROLE_NAT64].open && g->conf.nat64.enabled)
		err = want_nat64(d, &w, g);
	if (err == 0)
		err = nl_sync(d->nl, w.o, w.n);
	free(w.o);
	return err;
}
