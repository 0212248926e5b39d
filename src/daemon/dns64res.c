/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated [dns64]: the upstream resolver, a libunbound context on the
 * DNS64 server's libevent loop (docs/dns64.md, "Resolution").
 *
 *  - forwarding (default): to the upstream lines, else to the servers of
 *    /etc/resolv.conf, minus this server's own addresses (a loop);
 *  - recursion = yes: iteration from unbound's built-in root hints;
 *  - dnssec = yes: validation (RFC 4035) from the trust-anchor file, which
 *    libunbound reads after the privilege drop.
 *
 * A forwarder answers whatever its upstream answers, so in forwarding mode
 * unbound's default local zones (RFC 6761 names, the AS112 and
 * documentation reverse zones) are switched off: a PTR the DNS64 turns
 * into an in-addr.arpa CNAME (RFC 6147 §5.3.1) must reach the upstream.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <unbound-event.h>
#include <unbound.h>

#include "dns64srv.h"
#include "log.h"

#define RES_RESOLV_CONF "/etc/resolv.conf"
#define RES_PORTS_MAX 4096   /* unbound's own outgoing-range default */
#define RES_PORTS_MIN 16     /* libunbound's */

/* unbound's default local zones that a forwarder passes on instead. */
static const char *const res_nodefault[] = {
	"test.", "invalid.", "onion.", "home.arpa.", "resolver.arpa.",
	"service.arpa.", "0.in-addr.arpa.", "254.169.in-addr.arpa.",
	"2.0.192.in-addr.arpa.", "100.51.198.in-addr.arpa.",
	"113.0.203.in-addr.arpa.", "255.255.255.255.in-addr.arpa.",
	"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	"ip6.arpa.",
	"8.b.d.0.1.0.0.2.ip6.arpa.",
};

static int res_opt(struct ub_ctx *u, const char *opt, const char *val)
{
	int rc = ub_ctx_set_option(u, opt, val);

	if (rc)
		log_err("dns64: resolver option %s %s: %s", opt, val,
			ub_strerror(rc));
	return rc ? -EINVAL : 0;
}

/* libunbound's library default is 16 upstream sockets (outgoing-range),
 * so that a library stays inside its caller's descriptor limit; unbound
 * the daemon uses 4096.  With 16, every query beyond the sixteenth in
 * flight waits in libunbound's queue for a free socket: under load that
 * cost a fifth more CPU per cache miss (more wake-ups and context
 * switches) and the waiting added latency.  Every upstream query still
 * gets its own socket on a random port, connected to the upstream (the
 * SAD DNS mitigation); only how many may be open at once changes.  Half
 * the descriptor limit, so that TUN queues, TCP clients and the control
 * socket keep theirs. */
static int res_ports(struct ub_ctx *u)
{
	struct rlimit rl;
	rlim_t n = RES_PORTS_MAX;
	char v[16];

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur / 2 < n)
		n = rl.rlim_cur / 2;
	if (n < RES_PORTS_MIN)
		n = RES_PORTS_MIN;
	snprintf(v, sizeof(v), "%u", (unsigned)n);
	return res_opt(u, "outgoing-range:", v);
}

static int res_fwd(struct ub_ctx *u, const struct conf_endpoint *e)
{
	char s[CONF_ENDPOINT_STRLEN];
	int rc;

	conf_endpoint_str(e, '@', s, sizeof(s));
	rc = ub_ctx_set_fwd(u, s);
	if (rc)
		log_err("dns64: upstream %s: %s", s, ub_strerror(rc));
	return rc ? -EINVAL : 0;
}

static bool res_is_loopback(const struct conf_endpoint *e)
{
	return e->v6 ? IN6_IS_ADDR_LOOPBACK(&e->addr6) : (e->v4 >> 24) == 127;
}

static bool res_is_any(const struct conf_endpoint *e)
{
	return e->v6 ? IN6_IS_ADDR_UNSPECIFIED(&e->addr6) : e->v4 == 0;
}

/* Would forwarding to e reach this server itself? */
static bool res_is_self(const struct conf_endpoint *e,
			const struct conf_endpoint *listen, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct conf_endpoint *l = &listen[i];

		if (l->port != e->port || l->v6 != e->v6)
			continue;
		if (res_is_any(l) ? res_is_loopback(e) || res_is_any(e)
				  : l->v6 ? memcmp(&l->addr6, &e->addr6, 16) == 0
					  : l->v4 == e->v4)
			return true;
	}
	return false;
}

/* One "nameserver ADDR[%scope]" line of resolv.conf(5), or false. */
static bool res_ns_line(char *line, struct conf_endpoint *e)
{
	char *save = NULL, *kw = strtok_r(line, " \t\r\n", &save);
	char *a = strtok_r(NULL, " \t\r\n", &save), *pct;
	struct in_addr in;

	if (!kw || !a || strcmp(kw, "nameserver") != 0)
		return false;
	pct = strchr(a, '%');
	if (pct)
		*pct = '\0';
	memset(e, 0, sizeof(*e));
	e->port = 53;
	if (inet_pton(AF_INET6, a, &e->addr6) == 1)
		return e->v6 = true;
	if (inet_pton(AF_INET, a, &in) != 1)
		return false;
	e->v4 = ntohl(in.s_addr);
	return true;
}

static int res_resolvconf(struct ub_ctx *u, const struct conf_endpoint *listen,
			  unsigned nlisten)
{
	FILE *f = fopen(RES_RESOLV_CONF, "re");
	char *line = NULL;
	size_t cap = 0;
	unsigned n = 0;
	struct conf_endpoint e;

	if (!f) {
		log_err("dns64: %s: %s; set upstream or recursion = yes",
			RES_RESOLV_CONF, strerror(errno));
		return -errno;
	}
	while (getline(&line, &cap, f) > 0) {
		if (!res_ns_line(line, &e))
			continue;
		if (res_is_self(&e, listen, nlisten)) {
			log_warn("dns64: %s: skipping a nameserver that is "
				 "this DNS64 itself", RES_RESOLV_CONF);
			continue;
		}
		if (res_fwd(u, &e) == 0)
			n++;
	}
	free(line);
	fclose(f);
	if (n == 0)
		log_err("dns64: %s names no usable server; set upstream or "
			"recursion = yes", RES_RESOLV_CONF);
	return n ? 0 : -ENOENT;
}

static int res_forward(struct ub_ctx *u, const struct conf_dns64 *c,
		       const struct conf_endpoint *listen, unsigned nlisten)
{
	char zone[96];
	int err = 0;

	for (unsigned i = 0; err == 0 && i < c->nupstream; i++)
		err = res_fwd(u, &c->upstream[i]);
	if (err == 0 && c->nupstream == 0)
		err = res_resolvconf(u, listen, nlisten);
	if (err == 0)
		err = res_opt(u, "unblock-lan-zones:", "yes");
	if (err == 0)
		err = res_opt(u, "insecure-lan-zones:", "yes");
	for (size_t i = 0; err == 0 && i < sizeof(res_nodefault) /
				   sizeof(res_nodefault[0]); i++) {
		snprintf(zone, sizeof(zone), "%s transparent",
			 res_nodefault[i]);
		err = res_opt(u, "local-zone:", zone);
	}
	return err;
}

static int res_dnssec(struct ub_ctx *u, const struct conf_dns64 *c)
{
	int rc;

	if (!c->dnssec)
		return res_opt(u, "module-config:", "iterator");
	/* Read after the drop: the sixgate user must be able to. */
	if (access(c->trust_anchor, R_OK) != 0) {
		log_err("dns64: trust-anchor %s: %s", c->trust_anchor,
			strerror(errno));
		return -errno;
	}
	rc = ub_ctx_add_ta_file(u, c->trust_anchor);
	if (rc)
		log_err("dns64: trust-anchor %s: %s", c->trust_anchor,
			ub_strerror(rc));
	return rc ? -EINVAL : 0;
}

struct ub_ctx *dns64_res_new(struct event_base *base,
			     const struct conf_dns64 *c,
			     const struct conf_endpoint *listen,
			     unsigned nlisten)
{
	struct ub_ctx *u = ub_ctx_create_event(base);
	int err;

	if (!u) {
		log_err("dns64: cannot create the libunbound context");
		return NULL;
	}
	/* Forwarders and test servers on loopback are the usual case. */
	err = res_opt(u, "do-not-query-localhost:", "no");
	if (err == 0)
		err = res_ports(u);
	if (err == 0)
		err = res_dnssec(u, c);
	if (err == 0 && !c->recursion)
		err = res_forward(u, c, listen, nlisten);
	if (err) {
		ub_ctx_delete(u);
		return NULL;
	}
	return u;
}
