/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated state: the daemon.h interface, generations, reload, EAM changes
 * (RFC 7757 §3.2 / §5 through eam_add()) and the pref64 in use (RFC 6052;
 * discovered per RFC 7050 / RFC 8781 by pref64d.c).  See sixgated.h for
 * the concurrency rules.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/nat64.h"
#include "netlink.h"
#include "sixgated.h"

/* ---- generations ------------------------------------------------------- */

const struct conf_role *daemon_conf_role(const struct sixgate_conf *c,
					 enum daemon_role_id r)
{
	switch (r) {
	case ROLE_SIIT:
		return &c->siit;
	case ROLE_CLAT:
		return &c->clat;
	default:
		return &c->nat64;
	}
}

static struct conf_role *gen_role(struct daemon_gen *g, enum daemon_role_id r)
{
	return (struct conf_role *)daemon_conf_role(&g->conf, r);
}

struct nat64 *daemon_nat64(const struct daemon *d)
{
	return d->nat64;
}

static void gen_free(struct daemon_gen *g)
{
	if (!g)
		return;
	conf_free(&g->conf);
	free(g);
}

/* With pref64 = auto the roles that follow pref64 take the discovered
 * prefix (len 0: RFC 6052 translation stays off until one is known). */
static void gen_finish(struct daemon *d, struct daemon_gen *g)
{
	size_t n = 0;

	for (int r = 0; r < ROLE__COUNT; r++) {
		struct conf_role *cr = gen_role(g, r);
		struct xlat_ctx *x = &g->ctx[r];

		*x = cr->ctx;
		x->eam = cr->eam;
		if (cr->enabled)
			g->devs[n++] = cr->tun;
		if (!g->conf.pref64_auto ||
		    (r != ROLE_CLAT && cr->pool6_set))
			continue;
		x->pool6 = d->pref64;
		if (r == ROLE_SIIT && IN6_IS_ADDR_UNSPECIFIED(&cr->ctx.self6))
			conf_self6_default(x);
	}
	g->devs[n] = NULL;
}

/* A generation that takes over conf (and its EAM tables). */
static struct daemon_gen *gen_from_conf(struct daemon *d,
					struct sixgate_conf *conf)
{
	struct daemon_gen *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->conf = *conf;
	memset(conf, 0, sizeof(*conf));
	gen_finish(d, g);
	return g;
}

/* Do two [nat64] sections configure the same stateful part, static BIB
 * entries aside? */
static bool conf_nat64_same(const struct conf_nat64 *a,
			    const struct conf_nat64 *b)
{
	return memcmp(&a->cfg, &b->cfg, sizeof(a->cfg)) == 0 &&
	       a->pool4_auto == b->pool4_auto && a->npool4 == b->npool4 &&
	       (!a->npool4 || memcmp(a->pool4, b->pool4,
				     a->npool4 * sizeof(*a->pool4)) == 0);
}

/* Deep copy of the [nat64] arrays, which conf_free() frees. */
static int conf_nat64_copy(struct conf_nat64 *dst,
			   const struct conf_nat64 *src)
{
	if (src->npool4) {
		dst->pool4 = malloc(src->npool4 * sizeof(*src->pool4));
		if (!dst->pool4)
			return -ENOMEM;
		memcpy(dst->pool4, src->pool4, src->npool4 * sizeof(*src->pool4));
	}
	if (src->nbib) {
		dst->bib = malloc(src->nbib * sizeof(*src->bib));
		if (!dst->bib)
			return -ENOMEM;
		memcpy(dst->bib, src->bib, src->nbib * sizeof(*src->bib));
	}
	return 0;
}

/* A copy of the running generation with its own EAM tables. */
static struct daemon_gen *gen_clone(struct daemon *d)
{
	const struct daemon_gen *cur = atomic_load(&d->gen);
	struct daemon_gen *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->conf = cur->conf;
	g->conf.siit.eam = eam_clone(cur->conf.siit.eam);
	g->conf.clat.eam = eam_clone(cur->conf.clat.eam);
	g->conf.nat64.eam = cur->conf.nat64.eam ?
				    eam_clone(cur->conf.nat64.eam) : NULL;
	g->conf.siit.ctx.eam = g->conf.siit.eam;
	g->conf.clat.ctx.eam = g->conf.clat.eam;
	g->conf.nat64.ctx.eam = g->conf.nat64.eam;
	/* The [nat64] arrays are the generation's own too. */
	g->conf.nat64s.pool4 = NULL;
	g->conf.nat64s.bib = NULL;
	if (!g->conf.siit.eam || !g->conf.clat.eam ||
	    (cur->conf.nat64.eam && !g->conf.nat64.eam) ||
	    conf_nat64_copy(&g->conf.nat64s, &cur->conf.nat64s)) {
		gen_free(g);
		return NULL;
	}
	gen_finish(d, g);
	return g;
}

static void gen_retire(struct daemon *d, struct daemon_gen *g)
{
	if (!g)
		return;
	g->retired_at = daemon_now_ns();
	g->retired_next = d->retired;
	d->retired = g;
}

/* Make g the running generation: contexts first, then wait for workers,
 * then the routes that follow from it. */
static void gen_publish(struct daemon *d, struct daemon_gen *g)
{
	struct daemon_gen *old = atomic_exchange(&d->gen, g);

	for (int r = 0; r < ROLE__COUNT; r++)
		atomic_store(&d->role[r].ctx, d->role[r].open &&
			     gen_role(g, r)->enabled ? &g->ctx[r] : NULL);
	atomic_store(&d->icmp_rate, g->conf.icmp_error_rate);
	atomic_store(&d->log_packets, g->conf.log_packets);
	worker_synchronize(d);
	gen_retire(d, old);
	role_sync(d, g);
	dns64d_sync(d, g);
}

/* ---- read-only views --------------------------------------------------- */

const struct sixgate_conf *daemon_conf(const struct daemon *d)
{
	struct daemon_gen *g = atomic_load(&((struct daemon *)d)->gen);

	return g ? &g->conf : NULL;
}

const char *daemon_conf_path(const struct daemon *d)
{
	return d->conf_path;
}

time_t daemon_started(const struct daemon *d)
{
	return d->started;
}

unsigned daemon_nworkers(const struct daemon *d)
{
	unsigned n = 0;

	for (int r = 0; r < ROLE__COUNT; r++)
		for (unsigned i = 0; i < d->nqueues; i++)
			n += d->role[r].w[i].running;
	return n;
}

void daemon_stats(const struct daemon *d, struct stats_sum *sum)
{
	memset(sum, 0, sizeof(*sum));
	/* Stopped workers keep their counters, so totals never go back. */
	for (int r = 0; r < ROLE__COUNT; r++)
		for (unsigned i = 0; i < DAEMON_MAX_WORKERS; i++)
			worker_sum(&d->role[r].w[i], sum);
}

static_assert(ROLE__COUNT * DAEMON_MAX_WORKERS <= DAEMON_WORKER_ROWS,
	      "DAEMON_WORKER_ROWS counts every role");

unsigned daemon_workers(const struct daemon *d, struct worker_info *out,
			unsigned max)
{
	static const char *const names[ROLE__COUNT] = {
		[ROLE_SIIT] = "siit", [ROLE_CLAT] = "clat",
		[ROLE_NAT64] = "nat64",
	};
	struct daemon *m = (struct daemon *)d;
	unsigned n = 0;

	pthread_mutex_lock(&m->lock);
	for (int r = 0; r < ROLE__COUNT; r++) {
		const struct daemon_role *dr = &d->role[r];

		for (unsigned i = 0; dr->open && i < d->nqueues && n < max;
		     i++, n++) {
			const struct worker *w = &dr->w[i];

			memset(&out[n], 0, sizeof(out[n]));
			out[n].role = names[r];
			snprintf(out[n].dev, sizeof(out[n].dev), "%s",
				 dr->tun);
			out[n].queue = i;
			out[n].cpu = w->running ? w->cpu : -1;
			out[n].running = w->running;
			worker_sum(w, &out[n].s);
		}
	}
	pthread_mutex_unlock(&m->lock);
	return n;
}

static uint32_t daemon_lifetime_left(const struct daemon *d)
{
	uint64_t now = daemon_now_ns();

	if (d->pref64_expiry == 0)
		return UINT32_MAX;
	if (now >= d->pref64_expiry)
		return 0;
	return (uint32_t)((d->pref64_expiry - now) / 1000000000ull);
}

void daemon_pref64(const struct daemon *d, struct pref64 *p,
		   enum pref64_source *src, uint32_t *lifetime)
{
	struct daemon *m = (struct daemon *)d;
	const struct sixgate_conf *c;

	pthread_mutex_lock(&m->lock);
	c = daemon_conf(d);
	if (c && !c->pref64_auto) {
		*p = c->pref64;
		*src = PREF64_SRC_CONFIG;
		*lifetime = UINT32_MAX;
	} else {
		*p = d->pref64;
		*src = d->pref64.len ? d->pref64_src : PREF64_SRC_NONE;
		*lifetime = d->pref64.len ? daemon_lifetime_left(d) : 0;
	}
	pthread_mutex_unlock(&m->lock);
}

const char *const *daemon_devices(const struct daemon *d)
{
	struct daemon_gen *g = atomic_load(&((struct daemon *)d)->gen);

	return g ? g->devs : NULL;
}

/* ---- changes ----------------------------------------------------------- */

/* Start the workers of a role whose TUN is open and up. */
static void daemon_role_up(struct daemon *d, enum daemon_role_id r,
			   const struct conf_role *cr)
{
	int err = 0;

	for (unsigned i = 0; err == 0 && d->running && i < d->nqueues; i++)
		err = worker_start(d, r, i);
	if (err)
		log_err("%s: starting workers: %s", cr->tun, strerror(-err));
}

/* Keys that only take effect at start: keep the running values so that
 * daemon_conf() shows what is in force. */
/* What a reload cannot change: kept as it is, with a warning.  steered:
 * pool4 ports of a host address go into the [nat64] TUN (steer.h), whose
 * nftables table, rule and device settings name that TUN. */
static void daemon_keep_fixed(const struct sixgate_conf *old,
			      struct sixgate_conf *nc, bool steered)
{
	if (nc->workers != old->workers)
		log_warn("reload: workers changes at the next start");
	if (nc->offloads != old->offloads ||
	    nc->pin_workers != old->pin_workers || nc->io != old->io ||
	    nc->busy_poll != old->busy_poll)
		log_warn("reload: offloads, pin-workers, io and busy-poll "
			 "change at the next start");
	nc->offloads = old->offloads;
	nc->pin_workers = old->pin_workers;
	nc->io = old->io;
	nc->busy_poll = old->busy_poll;
	if (strcmp(nc->user, old->user) != 0)
		log_warn("reload: user changes at the next start");
	if (strcmp(nc->control_socket, old->control_socket) != 0)
		log_warn("reload: control-socket changes at the next start");
	if (old->nat64.enabled && nc->nat64.enabled &&
	    !conf_nat64_same(&old->nat64s, &nc->nat64s))
		log_warn("reload: [nat64] pool4, limits, timeouts and "
			 "policies change at the next start; static bib lines "
			 "apply now");
	if (steered && nc->nat64.enabled &&
	    strcmp(nc->nat64.tun, old->nat64.tun) != 0) {
		log_warn("reload: [nat64] tun changes at the next start while "
			 "pool4 is on a host address (its ports are steered "
			 "into %s)", old->nat64.tun);
		memcpy(nc->nat64.tun, old->nat64.tun, sizeof(nc->nat64.tun));
	}
	dns64d_keep_fixed(old, nc);
	nc->workers = old->workers;
	memcpy(nc->user, old->user, sizeof(nc->user));
	memcpy(nc->control_socket, old->control_socket,
	       sizeof(nc->control_socket));
}

/* Roles that appear are opened before anything changes, so a TUN that
 * cannot be created refuses the reload with the old state intact. */
static int daemon_open_new(struct daemon *d, const struct sixgate_conf *nc,
			   bool opened[ROLE__COUNT], char *err, size_t errlen)
{
	for (int r = 0; r < ROLE__COUNT; r++) {
		const struct conf_role *cr = daemon_conf_role(nc, r);
		int rc;

		opened[r] = false;
		if (!cr->enabled || d->role[r].open)
			continue;
		rc = role_open(d, r, cr);
		if (rc) {
			snprintf(err, errlen, "%s: cannot open TUN: %s",
				 cr->tun, strerror(-rc));
			for (int k = 0; k < r; k++)
				if (opened[k])
					role_close(d, k);
			return rc;
		}
		opened[r] = true;
	}
	return 0;
}

/* Roles that go away or change device close; a renamed one reopens. */
static int daemon_close_old(struct daemon *d, const struct sixgate_conf *nc,
			    bool opened[ROLE__COUNT])
{
	int first = 0;

	for (int r = 0; r < ROLE__COUNT; r++) {
		const struct conf_role *cr = daemon_conf_role(nc, r);
		struct daemon_role *dr = &d->role[r];
		int rc;

		if (!dr->open || opened[r])
			continue;
		if (cr->enabled && strcmp(dr->tun, cr->tun) == 0)
			continue;
		role_close(d, r);
		if (!cr->enabled)
			continue;
		rc = role_open(d, r, cr);
		opened[r] = rc == 0;
		if (rc && !first)
			first = rc;
	}
	return first;
}

static void daemon_apply(struct daemon *d, struct sixgate_conf *nc,
			 const bool opened[ROLE__COUNT])
{
	const struct sixgate_conf *old = daemon_conf(d);
	struct daemon_gen *g;

	/* Links up before the routes that gen_publish() adds: the kernel
	 * refuses IPv4 routes through a device that is down. */
	for (int r = 0; r < ROLE__COUNT; r++) {
		const struct conf_role *cr = daemon_conf_role(nc, r);

		if (opened[r] || (d->role[r].open &&
				  cr->mtu != daemon_conf_role(old, r)->mtu))
			role_link(d, r, cr);
	}
	if (nc->nat64.enabled && !d->nat64 && nat64d_create(d, nc) == 0 &&
	    d->running)
		nat64d_start(d);
	nat64d_sync_static(d, nc);
	g = gen_from_conf(d, nc);
	if (!g)
		return;
	gen_publish(d, g);
	for (int r = 0; r < ROLE__COUNT; r++)
		if (opened[r])
			daemon_role_up(d, r, gen_role(g, r));
}

int daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	struct sixgate_conf nc;
	bool opened[ROLE__COUNT];
	int rc;

	if (errlen)
		err[0] = '\0';
	if (!d->conf_path) {
		log_info("reload: running on the embedded default, nothing to "
			 "read");
		return 0;
	}
	rc = conf_parse_file(d->conf_path, &nc, err, errlen);
	if (rc) {
		log_err("reload refused, old configuration kept: %s", err);
		return rc;
	}
	pthread_mutex_lock(&d->lock);
	daemon_keep_fixed(daemon_conf(d), &nc, d->steer.up);
	rc = daemon_open_new(d, &nc, opened, err, errlen);
	if (rc == 0) {
		rc = daemon_close_old(d, &nc, opened);
		if (rc)
			snprintf(err, errlen, "reopening a renamed TUN: %s",
				 strerror(-rc));
		daemon_apply(d, &nc, opened);
	}
	pthread_mutex_unlock(&d->lock);
	conf_free(&nc); /* empty unless the reload failed early */
	if (rc)
		log_err("reload: %s", err);
	else
		log_notice("reloaded %s", d->conf_path);
	return rc;
}

/* EAM changes go to [siit], or to [clat] when only that runs. */
static int daemon_eam_role(struct daemon *d, char *err, size_t errlen)
{
	const struct sixgate_conf *c = daemon_conf(d);

	if (c && c->siit.enabled)
		return ROLE_SIIT;
	if (c && c->clat.enabled)
		return ROLE_CLAT;
	snprintf(err, errlen, "no [siit] or [clat] role is configured");
	return -ENOENT;
}

static int daemon_eam_refused(const struct eam_entry *e, int rc, char *err,
			      size_t errlen)
{
	if (rc == -EEXIST)
		snprintf(err, errlen, "RFC 7757 §5: one side of this row is "
			 "already in the table");
	else if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	else if (32 - e->len4 > 128 - e->len6)
		snprintf(err, errlen, "RFC 7757 §3.2: IPv4 suffix (%u bits) "
			 "is longer than IPv6 suffix (%u bits)",
			 32 - e->len4, 128 - e->len6);
	else
		snprintf(err, errlen, "bits set past a prefix length");
	return rc;
}

int daemon_eam_add(struct daemon *d, const struct eam_entry *e, char *err,
		   size_t errlen)
{
	struct daemon_gen *g = NULL;
	bool overlap = false;
	int r, rc;

	pthread_mutex_lock(&d->lock);
	r = daemon_eam_role(d, err, errlen);
	rc = r < 0 ? r : 0;
	if (rc == 0 && !(g = gen_clone(d)))
		rc = -ENOMEM;
	if (rc == 0)
		rc = eam_add(gen_role(g, r)->eam, e, &overlap);
	if (rc && r >= 0)
		daemon_eam_refused(e, rc, err, errlen);
	if (rc == 0) {
		gen_publish(d, g);
		g = NULL;
		log_info("eam: row added%s", overlap ? " (overlaps another "
			 "row; the longest match wins, RFC 7757 §5)" : "");
	}
	gen_free(g);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* The CLAT's own row follows from its keys; only a reload changes it. */
static bool daemon_is_clat_row(const struct sixgate_conf *c, int r,
			       uint32_t v4, unsigned len4)
{
	struct eam_entry own;

	if (r != ROLE_CLAT)
		return false;
	conf_clat_row(&c->clat, &own);
	return own.v4 == v4 && own.len4 == len4;
}

int daemon_eam_del4(struct daemon *d, uint32_t v4, unsigned len4, char *err,
		    size_t errlen)
{
	struct daemon_gen *g = NULL;
	int r, rc;

	pthread_mutex_lock(&d->lock);
	r = daemon_eam_role(d, err, errlen);
	rc = r < 0 ? r : 0;
	if (rc == 0 && daemon_is_clat_row(daemon_conf(d), r, v4, len4)) {
		snprintf(err, errlen, "that is the CLAT's own mapping; change "
			 "[clat] in the configuration instead");
		rc = -EPERM;
	}
	if (rc == 0 && !(g = gen_clone(d)))
		rc = -ENOMEM;
	if (rc == 0) {
		rc = eam_del4(gen_role(g, r)->eam, v4, len4);
		if (rc == -ENOENT)
			snprintf(err, errlen, "no row with that IPv4 prefix");
	}
	if (rc == 0) {
		gen_publish(d, g);
		g = NULL;
		log_info("eam: row removed");
	}
	gen_free(g);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static void daemon_pref64_log(const struct pref64 *p,
			      enum pref64_source src)
{
	static const char *const names[] = { "configuration", "RFC 7050",
					     "RFC 8781", "none" };
	char s[INET6_ADDRSTRLEN];

	if (!p->len) {
		log_notice("pref64 withdrawn: RFC 6052 translation stops");
		return;
	}
	inet_ntop(AF_INET6, &p->prefix, s, sizeof(s));
	log_notice("pref64 %s/%u from %s", s, p->len,
		   (unsigned)src < 4 ? names[src] : "?");
}

/* Under d->lock. */
static void daemon_pref64_set(struct daemon *d, const struct pref64 *p,
			      enum pref64_source src, uint32_t lifetime)
{
	struct pref64 np = { 0 };
	bool same;
	struct daemon_gen *g;

	if (p && p->len && lifetime > 0)
		np = *p;
	same = np.len == d->pref64.len &&
	       memcmp(&np.prefix, &d->pref64.prefix, sizeof(np.prefix)) == 0;
	d->pref64 = np;
	d->pref64_src = np.len ? src : PREF64_SRC_NONE;
	d->pref64_expiry = !np.len || lifetime == UINT32_MAX ? 0 :
			   daemon_now_ns() + lifetime * 1000000000ull;
	if (same)
		return;
	g = gen_clone(d);
	if (!g) {
		log_err("pref64: out of memory, prefix not applied");
		return;
	}
	gen_publish(d, g);
	daemon_pref64_log(&np, src);
}

void daemon_pref64_update(struct daemon *d, const struct pref64 *p,
			  enum pref64_source src, uint32_t lifetime)
{
	const char *why = NULL;

	pthread_mutex_lock(&d->lock);
	if (!daemon_conf(d) || !daemon_conf(d)->pref64_auto)
		log_debug("pref64: discovered prefix ignored, pref64 is set "
			  "in the configuration");
	else if (p && p->len && addr_pref64_check(p, &why) < 0)
		log_warn("pref64: discovered prefix refused: %s", why);
	else
		daemon_pref64_set(d, p, src, lifetime);
	pthread_mutex_unlock(&d->lock);
}

/* ---- life cycle -------------------------------------------------------- */

static unsigned daemon_queues(unsigned configured)
{
	long n = configured ? (long)configured : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	return n > DAEMON_MAX_WORKERS ? DAEMON_MAX_WORKERS : (unsigned)n;
}

int daemon_new(const char *path, struct sixgate_conf *conf,
	       struct daemon **out)
{
	struct daemon *d = aligned_alloc(64, sizeof(*d));
	struct daemon_gen *g;
	int err;

	if (!d)
		return -ENOMEM;
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	d->conf_path = path;
	d->started = time(NULL);
	d->nqueues = daemon_queues(conf->workers);
	d->offloads = conf->offloads;
	d->pin_workers = conf->pin_workers;
	d->pref64_src = PREF64_SRC_NONE;
	err = nl_open(&d->nl);
	if (err) {
		log_err("netlink: %s", strerror(-err));
		free(d);
		return err;
	}
	g = gen_from_conf(d, conf);
	if (!g) {
		nl_close(d->nl);
		free(d);
		return -ENOMEM;
	}
	atomic_store(&d->gen, g);
	*out = d;
	return 0;
}

/* Before the drop: TUN devices, links up, addresses and routes. */
int daemon_start(struct daemon *d)
{
	struct daemon_gen *g = atomic_load(&d->gen);
	int err = 0;

	pthread_mutex_lock(&d->lock);
	for (int r = 0; r < ROLE__COUNT && err == 0; r++) {
		const struct conf_role *cr = gen_role(g, r);

		if (!cr->enabled)
			continue;
		err = role_open(d, r, cr);
		if (err == 0)
			err = role_link(d, r, cr);
	}
	if (err == 0 && g->conf.nat64.enabled)
		err = nat64d_create(d, &g->conf);
	if (err == 0 && g->conf.dns64.enabled)
		err = dns64d_open(d, &g->conf);
	if (err == 0) {
		/* Publishing the generation that is already current only
		 * sets the role pointers and the routes. */
		atomic_store(&d->gen, NULL);
		gen_publish(d, g);
	}
	pthread_mutex_unlock(&d->lock);
	return err;
}

/* After the drop: the workers. */
int daemon_run(struct daemon *d)
{
	int err = 0;

	pthread_mutex_lock(&d->lock);
	d->running = true;
	for (int r = 0; r < ROLE__COUNT && err == 0; r++)
		for (unsigned i = 0; d->role[r].open && i < d->nqueues &&
				     err == 0; i++)
			err = worker_start(d, r, i);
	if (err == 0)
		err = nat64d_start(d);
	if (err == 0)
		err = dns64d_start(d);
	pthread_mutex_unlock(&d->lock);
	if (err)
		log_err("starting workers: %s", strerror(-err));
	return err;
}

void daemon_tick(struct daemon *d)
{
	uint64_t now = daemon_now_ns(), grace = DAEMON_GRACE_SEC * 1000000000ull;
	struct daemon_gen **pp;

	pthread_mutex_lock(&d->lock);
	for (pp = &d->retired; *pp;) {
		struct daemon_gen *g = *pp;

		if (now - g->retired_at < grace) {
			pp = &g->retired_next;
			continue;
		}
		*pp = g->retired_next;
		gen_free(g);
	}
	/* RFC 8781 §5: a prefix is not used past its lifetime. */
	if (d->pref64.len && d->pref64_expiry && now >= d->pref64_expiry) {
		log_notice("pref64: lifetime expired");
		daemon_pref64_set(d, NULL, PREF64_SRC_NONE, 0);
	}
	pthread_mutex_unlock(&d->lock);
}

void daemon_free(struct daemon *d)
{
	struct daemon_gen *g;

	if (!d)
		return;
	/* Before the lock: the thread takes it to change routes. */
	nat64d_stop(d);
	pthread_mutex_lock(&d->lock);
	d->running = false;
	dns64d_close(d);
	steer_down(&d->steer, d->nl);
	for (int r = 0; r < ROLE__COUNT; r++)
		role_close(d, r);
	nat64_free(d->nat64);
	d->nat64 = NULL;
	nl_sync(d->nl, NULL, 0);
	nl_close(d->nl);
	gen_free(atomic_load(&d->gen));
	while ((g = d->retired)) {
		d->retired = g->retired_next;
		gen_free(g);
	}
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
