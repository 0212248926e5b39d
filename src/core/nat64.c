/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stateful NAT64, RFC 6146: state, configuration and management.
 *
 * The packet path is nat64_path.c; the stores for held SYNs and fragments
 * are nat64_store.c; the tables nat64_table.c; pool4 pool4.c.  This file
 * builds them, frees dynamic ports (with the RFC 6888 REQ-8 hold), logs
 * (RFC 6888 §4), expires state and serves the management calls.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat64_int.h"

const char *const nat64_counter_names[] = {
#define NAT64_CNT_NAME(name, desc) #name,
	NAT64_COUNTERS(NAT64_CNT_NAME)
#undef NAT64_CNT_NAME
};

const char *const nat64_counter_descs[] = {
#define NAT64_CNT_DESC(name, desc) desc,
	NAT64_COUNTERS(NAT64_CNT_DESC)
#undef NAT64_CNT_DESC
};

const unsigned nat64_ncounters =
	sizeof(nat64_counter_names) / sizeof(nat64_counter_names[0]);

void nat64_config_default(struct nat64_config *c)
{
	memset(c, 0, sizeof(*c));
	nat64_timeouts_default(&c->to);
	c->max_stored_syn = 64;
	c->frag_max = 1024;
	c->frag_hold_max = 64;
	c->port_hold = 120;
	c->port_hold_max = 65536;
	nat64_table_config_default(&c->table);
	c->table.nshards = 64;
	c->table.max_sessions = 1u << 20;
	c->table.max_bib = 1u << 20;
	c->table.client_max_sessions = 16384;
	c->table.client_max_bib = 3 * 4096;
	pool4_config_default(&c->pool);
	for (unsigned p = 0; p < POOL4_NPROTO; p++)
		c->pool.quota[p] = 4096;
}

static int config_check(const struct nat64_config *c, const char **why)
{
	const char *field = NULL;

	if (nat64_timeouts_validate(&c->to, &field)) {
		*why = field;
		return -EINVAL;
	}
	if (c->table.client_len != c->pool.subscriber_len) {
		*why = "client prefix length differs between table and pool4";
		return -EINVAL;
	}
	if (c->max_stored_syn > 65536 || c->frag_max > (1u << 20) ||
	    c->frag_hold_max > 65536 || c->port_hold_max > (1u << 24)) {
		*why = "a store size is out of range";
		return -EINVAL;
	}
	return 0;
}

int nat64_new(struct nat64 **out, const struct nat64_config *c,
	      const struct pool4_range *ranges, size_t nranges,
	      const char **why)
{
	const char *dummy;
	struct nat64 *n;
	int rc;

	why = why ? why : &dummy;
	*why = NULL;
	rc = config_check(c, why);
	if (rc)
		return rc;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->c = *c;
	pthread_mutex_init(&n->pool_lock, NULL);
	rc = syn_store_init(&n->syn, c->max_stored_syn);
	if (!rc)
		rc = frag_init(&n->frag, c->frag_max, c->frag_hold_max);
	if (!rc && c->port_hold_max) {
		n->hold = calloc(c->port_hold_max, sizeof(*n->hold));
		rc = n->hold ? 0 : -ENOMEM;
	}
	if (!rc) {
		rc = pool4_new(&n->pool, ranges, nranges, &c->pool);
		if (rc == -EINVAL)
			*why = "bad pool4";
	}
	if (!rc) {
		rc = nat64_table_new(&n->tab, &c->table);
		if (rc == -EINVAL)
			*why = "bad table limits";
	}
	if (rc) {
		nat64_free(n);
		return rc;
	}
	*out = n;
	return 0;
}

void nat64_free(struct nat64 *n)
{
	if (!n)
		return;
	nat64_table_free(n->tab);
	pool4_free(n->pool);
	free(n->hold);
	syn_store_fini(&n->syn);
	frag_fini(&n->frag);
	pthread_mutex_destroy(&n->pool_lock);
	free(n);
}

/* ---- logging (RFC 6888 §4) ------------------------------------------ */

void nat64_log_format(const struct nat64_log *l, char *s, size_t n)
{
	static const char *const what[] = { "bib add", "bib del",
					    "session add", "session del" };
	static const char *const proto[] = { "tcp", "udp", "icmp" };
	char x[INET6_ADDRSTRLEN], t[INET_ADDRSTRLEN], z[INET_ADDRSTRLEN];
	uint32_t t4 = htonl(l->t4), z4 = htonl(l->z4);
	int k;

	inet_ntop(AF_INET6, &l->x6, x, sizeof(x));
	inet_ntop(AF_INET, &t4, t, sizeof(t));
	k = snprintf(s, n, "%s %s [%s]:%u %s:%u%s", what[l->what % 4],
		     proto[l->proto % 3], x, l->x_port, t, l->t_port,
		     l->is_static ? " static" : "");
	/* A session's remote end only (RFC 6888 REQ-12: BIB records carry
	 * no destination). */
	if (l->what >= NAT64_LOG_SESSION_ADD && k >= 0 && (size_t)k < n) {
		inet_ntop(AF_INET, &z4, z, sizeof(z));
		snprintf(s + k, n - (size_t)k, " -> %s:%u", z, l->z_port);
	}
}

void nat64_log_bib(struct nat64 *n, enum nat64_log_what what, uint8_t proto,
		   const struct in6_addr *x6, uint16_t x_port, uint32_t t4,
		   uint16_t t_port, bool is_static, uint64_t now)
{
	if (!n->c.log || !n->c.log_bib)
		return;
	struct nat64_log l = { .what = what, .now = now, .proto = proto,
			       .is_static = is_static, .x6 = *x6,
			       .x_port = x_port, .t4 = t4, .t_port = t_port };
	n->c.log(n->c.log_arg, &l);
}

void nat64_log_session(struct nat64 *n, enum nat64_log_what what,
		       const struct nat64_tuple *k, uint64_t now)
{
	if (!n->c.log || !n->c.log_sessions)
		return;
	struct nat64_log l = { .what = what, .now = now, .proto = k->proto,
			       .x6 = k->x6, .x_port = k->x_port, .t4 = k->t4,
			       .t_port = k->t_port, .z4 = k->z4,
			       .z_port = k->z_port };
	n->c.log(n->c.log_arg, &l);
}

/* ---- pool4 ports ------------------------------------------------------ */

int nat64_port_alloc(struct nat64 *n, uint8_t proto, const struct in6_addr *x6,
		     uint16_t x_port, const struct pool4_hint *h,
		     struct pool4_taddr *ta)
{
	pthread_mutex_lock(&n->pool_lock);
	int rc = pool4_alloc_hint(n->pool, proto, x6, x_port, h, ta);
	pthread_mutex_unlock(&n->pool_lock);
	return rc;
}

/* Oldest held port back into allocation.  Needs pool_lock. */
static void hold_pop(struct nat64 *n)
{
	const struct held_port *h = &n->hold[n->hold_head];

	pool4_unreserve(n->pool, h->proto, h->t4, h->t_port);
	n->hold_head = (n->hold_head + 1) % n->c.port_hold_max;
	__atomic_fetch_sub(&n->nhold, 1, __ATOMIC_RELAXED);
}

/*
 * A dynamic BIB entry went: its port leaves the subscriber now but stays
 * out of allocation for port_hold seconds (RFC 6888 REQ-8), so a new
 * mapping cannot receive what was meant for the old one.  With the hold
 * queue full the oldest held port is freed early (counted).
 */
void nat64_port_free(struct nat64 *n, uint8_t proto, const struct in6_addr *x6,
		     uint32_t t4, uint16_t t_port, bool hold, uint64_t now)
{
	struct pool4_taddr ta = { .addr = t4, .port = t_port };

	pthread_mutex_lock(&n->pool_lock);
	if (pool4_release(n->pool, proto, x6, &ta) == 0 && hold &&
	    n->c.port_hold && n->c.port_hold_max) {
		if (n->nhold == n->c.port_hold_max) {
			hold_pop(n);
			CNT_INC(n, ports_hold_early);
		}
		if (pool4_reserve(n->pool, proto, t4, t_port) == 0) {
			uint32_t i = (n->hold_head + n->nhold) %
				     n->c.port_hold_max;
			n->hold[i] = (struct held_port){
				.until = now + n->c.port_hold * NS_PER_S,
				.t4 = t4, .t_port = t_port, .proto = proto };
			__atomic_fetch_add(&n->nhold, 1, __ATOMIC_RELAXED);
			CNT_INC(n, ports_held);
		}
	}
	pthread_mutex_unlock(&n->pool_lock);
}

static unsigned hold_expire(struct nat64 *n, uint64_t now)
{
	unsigned k = 0;

	pthread_mutex_lock(&n->pool_lock);
	while (n->nhold && n->hold[n->hold_head].until <= now) {
		hold_pop(n);
		k++;
	}
	pthread_mutex_unlock(&n->pool_lock);
	return k;
}

/* ---- expiry ----------------------------------------------------------- */

struct exp_arg {
	struct nat64 *n;
	const struct xlat_ctx *ctx;
	struct xlat_out *out;
	uint64_t now;
};

static bool expire_tcp(struct exp_arg *a, const struct nat64_expired *e,
		       uint8_t *state, uint8_t *cls, uint64_t *expires)
{
	struct nat64 *n = a->n;
	struct nat64_tcp_ctx tc = { .bib = true,
				    .stored = e->s.flags & SESS_SYN_HELD,
				    .adf = n->c.adf,
				    .drop_inbound = n->c.drop_inbound_tcp };
	struct nat64_tcp_step st = nat64_tcp_step(e->s.state,
						  NAT64_TCP_EV_EXPIRY, &tc);

	if (!(st.actions & NAT64_TCP_A_PROBE))
		return false;
	nat64_probe(a->ctx, &e->s.tup, a->out);
	CNT_INC(n, tcp_probes);
	*state = (uint8_t)st.state;
	*cls = nat64_timer_class(st.timer);
	*expires = a->now + nat64_tcp_lifetime(&n->c.to, st.timer) * NS_PER_S;
	return true;
}

static bool expire_cb(void *arg, const struct nat64_expired *e,
		      uint8_t *state, uint8_t *cls, uint64_t *expires)
{
	struct exp_arg *a = arg;
	struct nat64 *n = a->n;
	const struct nat64_tuple *k = &e->s.tup;

	if (k->proto == NAT64_P_TCP && expire_tcp(a, e, state, cls, expires))
		return true;
	/* A held SYN of an expiring V4 INIT session is answered by the
	 * store's own expiry, which runs on the same clock. */
	nat64_log_session(n, NAT64_LOG_SESSION_DEL, k, a->now);
	CNT_INC(n, sessions_expired);
	if (e->last_of_dynamic) {
		nat64_port_free(n, k->proto, &k->x6, k->t4, k->t_port, true,
				a->now);
		nat64_log_bib(n, NAT64_LOG_BIB_DEL, k->proto, &k->x6,
			      k->x_port, k->t4, k->t_port, false, a->now);
		CNT_INC(n, bib_removed);
	}
	return false;
}

unsigned nat64_expire(struct nat64 *n, const struct xlat_ctx *ctx,
		      uint64_t now, unsigned budget, struct xlat_out *out)
{
	struct exp_arg a = { .n = n, .ctx = ctx, .out = out, .now = now };
	uint8_t syn[NAT64_SYN_LEN];
	unsigned done, k;
	size_t len;

	out_reset(out, NULL);
	if (budget > XLAT_MAX_OUT / 2)
		budget = XLAT_MAX_OUT / 2;
	done = nat64_expire_step(n->tab, now, budget, expire_cb, &a);
	/* RFC 6146 §3.5.2.2 V4 INIT expiry / RFC 5382 REQ-4: ICMPv4 3/3
	 * quoting the held SYN, from the address it was sent to. */
	for (k = 0; k < XLAT_MAX_OUT / 4 &&
		    (len = syn_store_expire(&n->syn, now, syn)) > 0; k++) {
		unsigned before = out->npkts;
		icmperr_send4_from(ctx, out, syn, len, 3, 3, 0, get32(syn + 16));
		if (out->npkts > before)
			CNT_INC(n, syn_icmp);
		else
			CNT_INC(n, syn_evicted);
	}
	done += k;
	k = frag_expire(&n->frag, now);
	atomic_fetch_add_explicit(&n->cnt.frag_expired, k,
				  memory_order_relaxed);
	done += k;
	return done + hold_expire(n, now);
}

/* ---- management ------------------------------------------------------- */

int nat64_static_add(struct nat64 *n, uint8_t proto, const struct in6_addr *x6,
		     uint16_t x_port, uint32_t t4, uint16_t t_port)
{
	struct nat64_shard *s;
	uint32_t id;
	int rc, rr;

	if (proto >= NAT64_NPROTO)
		return -EINVAL;
	s = nat64_lock6(n->tab, x6);
	pthread_mutex_lock(&n->pool_lock);
	rr = pool4_reserve(n->pool, proto, t4, t_port);
	pthread_mutex_unlock(&n->pool_lock);
	rc = rr == -EEXIST ? -EEXIST : 0;
	if (!rc)
		rc = nat64_bib_add_static(s, proto, x6, x_port, t4, t_port, &id);
	if (rc && rr == 0) {
		pthread_mutex_lock(&n->pool_lock);
		pool4_unreserve(n->pool, proto, t4, t_port);
		pthread_mutex_unlock(&n->pool_lock);
	}
	if (!rc)
		nat64_log_bib(n, NAT64_LOG_BIB_ADD, proto, x6, x_port, t4,
			      t_port, true, 0);
	nat64_unlock(s);
	return rc;
}

int nat64_static_del(struct nat64 *n, uint8_t proto, uint32_t t4,
		     uint16_t t_port)
{
	struct nat64_shard *s;
	struct nat64_bib b;
	int rc;

	if (proto >= NAT64_NPROTO)
		return -EINVAL;
	rc = nat64_lock4(n->tab, proto, t4, t_port, &s, &b);
	if (rc)
		return rc;
	if (!b.is_static) {
		nat64_unlock(s);
		return -ENOENT;
	}
	rc = nat64_bib_del(s, b.id);
	if (!rc) {
		pthread_mutex_lock(&n->pool_lock);
		pool4_unreserve(n->pool, proto, t4, t_port);
		pthread_mutex_unlock(&n->pool_lock);
		nat64_log_bib(n, NAT64_LOG_BIB_DEL, proto, &b.x6, b.x_port, t4,
			      t_port, true, 0);
	}
	nat64_unlock(s);
	return rc;
}

int nat64_bib_walk(struct nat64 *n, unsigned proto, nat64_bib_cb *cb,
		   void *arg)
{
	return nat64_table_bib_walk(n->tab, proto, cb, arg);
}

int nat64_session_walk(struct nat64 *n, unsigned proto, nat64_session_cb *cb,
		       void *arg)
{
	return nat64_table_session_walk(n->tab, proto, cb, arg);
}

size_t nat64_pool4_naddrs(struct nat64 *n)
{
	return pool4_naddrs(n->pool);
}

int nat64_pool4_stat(struct nat64 *n, size_t i, struct pool4_stat *out)
{
	pthread_mutex_lock(&n->pool_lock);
	int rc = pool4_stat(n->pool, i, out);
	pthread_mutex_unlock(&n->pool_lock);
	return rc;
}

void nat64_stats(const struct nat64 *n, struct nat64_stats *s)
{
	memset(s, 0, sizeof(*s));
#define NAT64_CNT_READ(name, desc)                                             \
	s->name = atomic_load_explicit(&n->cnt.name, memory_order_relaxed);
	NAT64_COUNTERS(NAT64_CNT_READ)
#undef NAT64_CNT_READ
	s->bib_entries = nat64_table_bibs(n->tab);
	s->sessions = nat64_table_sessions(n->tab);
	s->stored_syns = __atomic_load_n(&n->syn.nused, __ATOMIC_RELAXED);
	s->frag_states = __atomic_load_n(&n->frag.nused, __ATOMIC_RELAXED);
	s->held_frags = __atomic_load_n(&n->frag.nheld, __ATOMIC_RELAXED);
	s->held_ports = __atomic_load_n(&n->nhold, __ATOMIC_RELAXED);
}
