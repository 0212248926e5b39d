/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stateful NAT64 TCP session state machine, RFC 6146 §3.5.2.1 and §3.5.2.2,
 * with RFC 5382 REQ-4 (held inbound SYN) and RFC 7857 §2.2 (RST keeps the
 * session for the transitory time); NAT64 timeouts, RFC 6146 §4.
 *
 * The machine is a pure function of (state, event, policy).  It does not
 * touch tables, packets or clocks: it says which state comes next, which
 * timer to arm and what the caller must do.  The BIB/session layer owns the
 * session and applies the answer.
 */
#ifndef SIXGATE_NAT64_TCP_H
#define SIXGATE_NAT64_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "nat64_timeouts.h"

/* §3.5.2.1.  CLOSED is the absence of a session. */
enum nat64_tcp_state {
	NAT64_TCP_CLOSED = 0,
	NAT64_TCP_V4_INIT,
	NAT64_TCP_V6_INIT,
	NAT64_TCP_ESTABLISHED,
	NAT64_TCP_V4_FIN_RCV,
	NAT64_TCP_V6_FIN_RCV,
	NAT64_TCP_V4_FIN_V6_FIN_RCV,
	NAT64_TCP_TRANS,
	NAT64_TCP__NSTATES
};

/* §3.5.2.2 inputs: a segment from one side, or the session timer firing. */
enum nat64_tcp_event {
	NAT64_TCP_EV_V4_SYN = 0,
	NAT64_TCP_EV_V6_SYN,
	NAT64_TCP_EV_V4_FIN,
	NAT64_TCP_EV_V6_FIN,
	NAT64_TCP_EV_V4_RST,
	NAT64_TCP_EV_V6_RST,
	NAT64_TCP_EV_V4_OTHER,
	NAT64_TCP_EV_V6_OTHER,
	NAT64_TCP_EV_EXPIRY,
	NAT64_TCP__NEVENTS
};

/* Which timeout the session's lifetime is set to (struct nat64_timeouts). */
enum nat64_tcp_timer {
	NAT64_TCP_T_KEEP = 0,     /* leave the lifetime as it is */
	NAT64_TCP_T_TRANS,        /* TCP_TRANS, closing phase */
	NAT64_TCP_T_TRANS_OPEN,   /* TCP_TRANS, partially open (RFC 7857 §2.1) */
	NAT64_TCP_T_EST,          /* the maximum session lifetime, TCP_EST */
	NAT64_TCP_T_INCOMING_SYN, /* TCP_INCOMING_SYN, held V4 SYN */
};

/* What the caller does, as a bit set.  0 means drop the segment silently. */
enum nat64_tcp_action {
	NAT64_TCP_A_XLAT = 1 << 0,        /* translate and forward the segment */
	NAT64_TCP_A_CREATE = 1 << 1,      /* create the session (and, for a V6
					     SYN, the BIB entry, §3.5.2.3) */
	NAT64_TCP_A_STORE_SYN = 1 << 2,   /* keep the V4 SYN, forward nothing */
	NAT64_TCP_A_DROP_STORED = 1 << 3, /* discard the held SYN silently */
	NAT64_TCP_A_ICMP_STORED = 1 << 4, /* ICMPv4 3/3 quoting the held SYN to
					     its sender, then discard it */
	NAT64_TCP_A_PROBE = 1 << 5,       /* ACK-only probe (seq 0, ack 0) */
	NAT64_TCP_A_DELETE = 1 << 6,      /* delete the session */
};

/*
 * Facts and policy the transitions depend on.  bib: a TCP BIB entry exists
 * for the IPv4 destination (X,x) of a V4 segment or the IPv6 source (X',x)
 * of a V6 segment.  stored: the session holds a V4 SYN.
 */
struct nat64_tcp_ctx {
	bool bib;
	bool stored;
	bool adf;           /* address-dependent filtering (§3.5.1) */
	bool drop_inbound;  /* policy drops externally initiated connections */
};

struct nat64_tcp_step {
	enum nat64_tcp_state state;
	enum nat64_tcp_timer timer;
	unsigned actions; /* enum nat64_tcp_action bits */
};

/* §3.5.2.2: one transition.  Never fails; unknown inputs drop. */
struct nat64_tcp_step nat64_tcp_step(enum nat64_tcp_state s,
				     enum nat64_tcp_event ev,
				     const struct nat64_tcp_ctx *ctx);

/* TCP header flag bits, as on the wire (RFC 9293 §3.1). */
#define NAT64_TCP_FIN 0x01
#define NAT64_TCP_SYN 0x02
#define NAT64_TCP_RST 0x04
#define NAT64_TCP_ACK 0x10

/* Classify a segment by its flags: RST, then SYN, then FIN, else other. */
enum nat64_tcp_event nat64_tcp_classify(bool from_v6, uint8_t flags);

/* Seconds for timer from t; 0 for NAT64_TCP_T_KEEP. */
uint32_t nat64_tcp_lifetime(const struct nat64_timeouts *t,
			    enum nat64_tcp_timer timer);

const char *nat64_tcp_state_name(enum nat64_tcp_state s); /* "v4_init" */

#endif
