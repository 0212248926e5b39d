/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stateful NAT64 TCP state machine, RFC 6146 §3.5.2.2, with RFC 5382 REQ-4
 * and RFC 7857 §2.1, §2.2.
 *
 * Where RFC 6146 is silent the choices below are marked "derived":
 * - ESTABLISHED + FIN: the lifetime is set to the maximum, as any other
 *   segment in ESTABLISHED and in the FIN RCV states would set it.
 * - V4 INIT: an IPv4 segment is translated only when a BIB entry gives it an
 *   IPv6 destination and no SYN is held; a held SYN means filtering has not
 *   yet let the connection in, so later IPv4 segments stay out too (else a
 *   retransmitted SYN would bypass RFC 5382 REQ-4).
 * - CLOSED + non-SYN IPv4 segment under address-dependent filtering: there
 *   is no session towards its source, so it is filtered (§3.5.1).
 * - RST in V4 FIN RCV / V6 FIN RCV: RFC 7857 §2.2 (translate, keep 4 min
 *   unless more arrives) wins over the literal "any other packet" of
 *   RFC 6146, so it goes to TRANS as in ESTABLISHED.
 * - RST in TRANS: translated, lifetime kept, so a stream of RSTs cannot keep
 *   the session alive (RFC 7857 §2.2).
 */
#include "nat64_tcp.h"

enum kind { K_SYN, K_FIN, K_RST, K_OTHER };

static bool ev_v4(enum nat64_tcp_event ev)
{
	return ev == NAT64_TCP_EV_V4_SYN || ev == NAT64_TCP_EV_V4_FIN ||
	       ev == NAT64_TCP_EV_V4_RST || ev == NAT64_TCP_EV_V4_OTHER;
}

static enum kind ev_kind(enum nat64_tcp_event ev)
{
	switch (ev) {
	case NAT64_TCP_EV_V4_SYN:
	case NAT64_TCP_EV_V6_SYN:
		return K_SYN;
	case NAT64_TCP_EV_V4_FIN:
	case NAT64_TCP_EV_V6_FIN:
		return K_FIN;
	case NAT64_TCP_EV_V4_RST:
	case NAT64_TCP_EV_V6_RST:
		return K_RST;
	default:
		return K_OTHER;
	}
}

static struct nat64_tcp_step step(enum nat64_tcp_state s,
				  enum nat64_tcp_timer t, unsigned a)
{
	return (struct nat64_tcp_step){ .state = s, .timer = t, .actions = a };
}

static struct nat64_tcp_step drop(enum nat64_tcp_state s)
{
	return step(s, NAT64_TCP_T_KEEP, 0);
}

/* Timer expiry in the states that simply end. */
static struct nat64_tcp_step expire(void)
{
	return step(NAT64_TCP_CLOSED, NAT64_TCP_T_KEEP, NAT64_TCP_A_DELETE);
}

static struct nat64_tcp_step closed_v4_syn(const struct nat64_tcp_ctx *c)
{
	if (c->drop_inbound)
		return drop(NAT64_TCP_CLOSED);
	/* No BIB entry, or filtering would refuse it: hold the SYN for a
	 * simultaneous open (RFC 5382 REQ-4). */
	if (!c->bib || c->adf)
		return step(NAT64_TCP_V4_INIT, NAT64_TCP_T_INCOMING_SYN,
			    NAT64_TCP_A_CREATE | NAT64_TCP_A_STORE_SYN);
	return step(NAT64_TCP_V4_INIT, NAT64_TCP_T_TRANS_OPEN,
		    NAT64_TCP_A_CREATE | NAT64_TCP_A_XLAT);
}

static struct nat64_tcp_step closed(enum nat64_tcp_event ev,
				    const struct nat64_tcp_ctx *c)
{
	bool pass;

	if (ev == NAT64_TCP_EV_EXPIRY)
		return drop(NAT64_TCP_CLOSED);
	if (ev == NAT64_TCP_EV_V6_SYN)
		return step(NAT64_TCP_V6_INIT, NAT64_TCP_T_TRANS_OPEN,
			    NAT64_TCP_A_CREATE | NAT64_TCP_A_XLAT);
	if (ev == NAT64_TCP_EV_V4_SYN)
		return closed_v4_syn(c);
	/* Other segments create nothing; the BIB alone decides (derived for
	 * IPv4 under address-dependent filtering, see the top). */
	pass = c->bib && !(ev_v4(ev) && c->adf);
	return step(NAT64_TCP_CLOSED, NAT64_TCP_T_KEEP,
		    pass ? NAT64_TCP_A_XLAT : 0);
}

static struct nat64_tcp_step v4_init(enum nat64_tcp_event ev,
				     const struct nat64_tcp_ctx *c)
{
	unsigned held = c->stored ? NAT64_TCP_A_DROP_STORED : 0;

	if (ev == NAT64_TCP_EV_EXPIRY)
		return step(NAT64_TCP_CLOSED, NAT64_TCP_T_KEEP,
			    NAT64_TCP_A_DELETE |
				    (c->stored ? NAT64_TCP_A_ICMP_STORED : 0));
	if (ev == NAT64_TCP_EV_V6_SYN)
		return step(NAT64_TCP_ESTABLISHED, NAT64_TCP_T_EST,
			    NAT64_TCP_A_XLAT | held);
	if (ev_v4(ev) && (!c->bib || c->stored))
		return drop(NAT64_TCP_V4_INIT);
	return step(NAT64_TCP_V4_INIT, NAT64_TCP_T_KEEP,
		    c->bib ? NAT64_TCP_A_XLAT : 0);
}

static struct nat64_tcp_step v6_init(enum nat64_tcp_event ev)
{
	if (ev == NAT64_TCP_EV_EXPIRY)
		return expire();
	if (ev == NAT64_TCP_EV_V4_SYN)
		return step(NAT64_TCP_ESTABLISHED, NAT64_TCP_T_EST,
			    NAT64_TCP_A_XLAT);
	if (ev == NAT64_TCP_EV_V6_SYN)
		return step(NAT64_TCP_V6_INIT, NAT64_TCP_T_TRANS_OPEN,
			    NAT64_TCP_A_XLAT);
	return step(NAT64_TCP_V6_INIT, NAT64_TCP_T_KEEP, NAT64_TCP_A_XLAT);
}

static struct nat64_tcp_step established(enum nat64_tcp_event ev)
{
	if (ev == NAT64_TCP_EV_EXPIRY)
		return step(NAT64_TCP_TRANS, NAT64_TCP_T_TRANS,
			    NAT64_TCP_A_PROBE);
	if (ev == NAT64_TCP_EV_V4_FIN)
		return step(NAT64_TCP_V4_FIN_RCV, NAT64_TCP_T_EST,
			    NAT64_TCP_A_XLAT);
	if (ev == NAT64_TCP_EV_V6_FIN)
		return step(NAT64_TCP_V6_FIN_RCV, NAT64_TCP_T_EST,
			    NAT64_TCP_A_XLAT);
	if (ev_kind(ev) == K_RST)
		return step(NAT64_TCP_TRANS, NAT64_TCP_T_TRANS,
			    NAT64_TCP_A_XLAT);
	return step(NAT64_TCP_ESTABLISHED, NAT64_TCP_T_EST, NAT64_TCP_A_XLAT);
}

/* V4 FIN RCV waits for fin_other, V6 FIN RCV for the reverse. */
static struct nat64_tcp_step fin_rcv(enum nat64_tcp_state s,
				     enum nat64_tcp_event ev,
				     enum nat64_tcp_event fin_other)
{
	if (ev == NAT64_TCP_EV_EXPIRY)
		return expire();
	if (ev == fin_other)
		return step(NAT64_TCP_V4_FIN_V6_FIN_RCV, NAT64_TCP_T_TRANS,
			    NAT64_TCP_A_XLAT);
	if (ev_kind(ev) == K_RST)
		return step(NAT64_TCP_TRANS, NAT64_TCP_T_TRANS,
			    NAT64_TCP_A_XLAT);
	return step(s, NAT64_TCP_T_EST, NAT64_TCP_A_XLAT);
}

static struct nat64_tcp_step both_fin(enum nat64_tcp_event ev)
{
	if (ev == NAT64_TCP_EV_EXPIRY)
		return expire();
	return step(NAT64_TCP_V4_FIN_V6_FIN_RCV, NAT64_TCP_T_KEEP,
		    NAT64_TCP_A_XLAT);
}

static struct nat64_tcp_step trans(enum nat64_tcp_event ev)
{
	if (ev == NAT64_TCP_EV_EXPIRY)
		return expire();
	if (ev_kind(ev) == K_RST)
		return step(NAT64_TCP_TRANS, NAT64_TCP_T_KEEP,
			    NAT64_TCP_A_XLAT);
	return step(NAT64_TCP_ESTABLISHED, NAT64_TCP_T_EST, NAT64_TCP_A_XLAT);
}

struct nat64_tcp_step nat64_tcp_step(enum nat64_tcp_state s,
				     enum nat64_tcp_event ev,
				     const struct nat64_tcp_ctx *c)
{
	if ((unsigned)ev >= NAT64_TCP__NEVENTS)
		return drop(s);
	switch (s) {
	case NAT64_TCP_CLOSED:
		return closed(ev, c);
	case NAT64_TCP_V4_INIT:
		return v4_init(ev, c);
	case NAT64_TCP_V6_INIT:
		return v6_init(ev);
	case NAT64_TCP_ESTABLISHED:
		return established(ev);
	case NAT64_TCP_V4_FIN_RCV:
		return fin_rcv(s, ev, NAT64_TCP_EV_V6_FIN);
	case NAT64_TCP_V6_FIN_RCV:
		return fin_rcv(s, ev, NAT64_TCP_EV_V4_FIN);
	case NAT64_TCP_V4_FIN_V6_FIN_RCV:
		return both_fin(ev);
	case NAT64_TCP_TRANS:
		return trans(ev);
	default:
		return drop(NAT64_TCP_CLOSED);
	}
}

enum nat64_tcp_event nat64_tcp_classify(bool from_v6, uint8_t flags)
{
	/* RST first: a receiver acts on RST before SYN (RFC 9293 §3.10.7). */
	if (flags & NAT64_TCP_RST)
		return from_v6 ? NAT64_TCP_EV_V6_RST : NAT64_TCP_EV_V4_RST;
	if (flags & NAT64_TCP_SYN)
		return from_v6 ? NAT64_TCP_EV_V6_SYN : NAT64_TCP_EV_V4_SYN;
	if (flags & NAT64_TCP_FIN)
		return from_v6 ? NAT64_TCP_EV_V6_FIN : NAT64_TCP_EV_V4_FIN;
	return from_v6 ? NAT64_TCP_EV_V6_OTHER : NAT64_TCP_EV_V4_OTHER;
}

uint32_t nat64_tcp_lifetime(const struct nat64_timeouts *t,
			    enum nat64_tcp_timer timer)
{
	switch (timer) {
	case NAT64_TCP_T_TRANS:
		return t->tcp_trans;
	case NAT64_TCP_T_TRANS_OPEN:
		return t->tcp_trans_open;
	case NAT64_TCP_T_EST:
		return t->tcp_est;
	case NAT64_TCP_T_INCOMING_SYN:
		return t->tcp_incoming_syn;
	default:
		return 0;
	}
}

const char *nat64_tcp_state_name(enum nat64_tcp_state s)
{
	static const char *const names[NAT64_TCP__NSTATES] = {
		"closed", "v4_init", "v6_init", "established",
		"v4_fin_rcv", "v6_fin_rcv", "v4_fin_v6_fin_rcv", "trans",
	};

	return (unsigned)s < NAT64_TCP__NSTATES ? names[s] : "?";
}
