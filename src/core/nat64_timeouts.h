/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stateful NAT64 timeouts: RFC 6146 §4 constants as defaults, and the floors
 * that configured values may not go below: RFC 6146 §3.4 (FRAGMENT_MIN),
 * §3.5.1 (UDP_MIN), §3.5.2.2 (TCP_EST), RFC 5382 REQ-4 and REQ-5
 * (TCP_INCOMING_SYN, TCP_TRANS), RFC 5508 REQ-2 (ICMP), with the separate
 * partially-open and closing transitory timeouts of RFC 7857 §2.1.
 */
#ifndef SIXGATE_NAT64_TIMEOUTS_H
#define SIXGATE_NAT64_TIMEOUTS_H

#include <stdint.h>

/* RFC 6146 §4, in seconds. */
#define NAT64_TO_UDP_MIN 120
#define NAT64_TO_UDP_DEFAULT 300
#define NAT64_TO_TCP_TRANS 240
#define NAT64_TO_TCP_EST 7200
#define NAT64_TO_TCP_INCOMING_SYN 6
#define NAT64_TO_FRAGMENT_MIN 2
#define NAT64_TO_ICMP_DEFAULT 60

/* Upper bound on any timeout: 30 days.  Keeps now + lifetime far from
 * overflow and catches milliseconds typed where seconds are meant. */
#define NAT64_TO_MAX (30u * 24 * 3600)

/* All in seconds. */
struct nat64_timeouts {
	uint32_t udp;              /* UDP session lifetime */
	uint32_t tcp_est;          /* maximum TCP session lifetime */
	uint32_t tcp_trans;        /* TCP closing phase: TRANS, both FINs */
	uint32_t tcp_trans_open;   /* TCP partially open: V6 INIT, V4 INIT */
	uint32_t tcp_incoming_syn; /* held V4 SYN (simultaneous open) */
	uint32_t icmp;             /* ICMP query session lifetime */
	uint32_t fragment;         /* reassembly window */
};

/* The RFC 6146 §4 defaults. */
void nat64_timeouts_default(struct nat64_timeouts *t);

/*
 * 0, or -EINVAL when a value is below its RFC floor, -ERANGE when above
 * NAT64_TO_MAX; *field (if not NULL) then names the offending member.
 */
int nat64_timeouts_validate(const struct nat64_timeouts *t,
			    const char **field);

#endif
