/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated [dns64]: the DNS64 server (docs/dns64.md).  One libevent loop
 * on a thread of its own serves UDP and TCP (RFC 1035 §4.2, RFC 7766) on
 * sockets the daemon bound before the privilege drop, answers from the
 * cache of src/dns64/, and resolves through libunbound on the same loop
 * (ub_ctx_create_event()).  The synthesis decisions are src/dns64/'s
 * (RFC 6147, RFC 8880); this file only moves bytes and keeps time.
 */
#ifndef SIXGATE_DNS64SRV_H
#define SIXGATE_DNS64SRV_H

#include "conf/conf.h"
#include "daemon.h"
#include "dns64/dns64.h"

/* What synthesis uses: replaced as a whole at run time (pref64 changes,
 * reload) through dns64_srv_update(). */
struct dns64_view {
	struct dns64_config cfg;              /* nprefix 0: DNS64 off */
	struct conf_netprefix allow[CONF_DNS64_CLIENT_MAX];
	unsigned nallow;
};

/* Fixed for a server's life: the [dns64] section (resolver, cache and
 * TCP keys) and the bound sockets, which stay the caller's. */
struct dns64_srv_params {
	struct conf_dns64 conf;
	int udp[CONF_DNS64_LISTEN_MAX];
	int tcp[CONF_DNS64_LISTEN_MAX];       /* listening already */
	unsigned nsock;
	struct dns64_counters *ctr;
};

struct dns64_srv;

/* Set up the loop, the resolver and the cache; no thread yet.  0 or a
 * negative errno (logged). */
int dns64_srv_new(const struct dns64_srv_params *p,
		  const struct dns64_view *v, struct dns64_srv **out);
/* Run the loop on a new thread. */
int dns64_srv_start(struct dns64_srv *s);
/* Hand the loop a new view (copied); it flushes the cache.  Any thread. */
int dns64_srv_update(struct dns64_srv *s, const struct dns64_view *v);
/* Stop the thread, drop what is in flight, free s; the sockets stay
 * open.  NULL is a no-op. */
void dns64_srv_free(struct dns64_srv *s);

/* dns64res.c: a libunbound context on base for c (forwarders, recursion,
 * DNSSEC); NULL with the reason logged.  listen: where this server
 * answers, so that /etc/resolv.conf cannot send it its own queries. */
struct event_base;
struct ub_ctx *dns64_res_new(struct event_base *base,
			     const struct conf_dns64 *c,
			     const struct conf_endpoint *listen,
			     unsigned nlisten);

/* Is a (AF_INET or AF_INET6 bytes) inside one of v's allow-client
 * prefixes? */
bool dns64_view_allows(const struct dns64_view *v, int family,
		       const void *a);

#endif
