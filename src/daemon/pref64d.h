/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: NAT64 prefix discovery for `pref64 = auto` (RFC 8781 PREF64
 * Router Advertisement option, RFC 7050 ipv4only.arpa), the I/O half.
 * The parsing and timing rules live in core/pref64disc.c.
 *
 * One thread listens for Router Advertisements on a raw ICMPv6 socket and,
 * while no RA has given a prefix, has a second thread ask the system
 * resolver for AAAA ipv4only.arpa (the resolver blocks; RAs do not wait).  It reports every change of the prefix in use through
 * daemon_pref64_update() (a refreshed lifetime counts as a change; len 0
 * with the old source means withdrawn).  RFC 8781 §5.1: one source only,
 * RA before RFC 7050, prefixes of one interface only.
 *
 * Privileges: pref64d_open() creates the raw socket, which needs
 * CAP_NET_RAW, and binds it to the interface; call it before dropping
 * privileges.  pref64d_run() starts the thread and may be called after the
 * drop: the thread only uses the open socket, eventfd and the resolver
 * (UDP/TCP sockets, /etc/resolv.conf, re-read before each query).
 * Untrusted bytes are only parsed in that thread, so after the drop.
 */
#ifndef SIXGATE_PREF64D_H
#define SIXGATE_PREF64D_H

#include <stdbool.h>

struct daemon;
struct pref64d;

struct pref64d_cfg {
	struct daemon *d;
	const char *ifname; /* NULL: any; the first interface giving a PREF64
			     * is used until its prefixes expire */
	bool use_ra;        /* RFC 8781 */
	bool use_dns;       /* RFC 7050 */
	/* Log sink (prio is a syslog level, LOG_ERR..LOG_DEBUG); NULL: the
	 * daemon's log_msg() (log.h) with a "pref64: " prefix. */
	void (*log)(void *arg, int prio, const char *msg);
	void *log_arg;
};

/*
 * Open what needs privileges: the raw ICMPv6 socket (ICMP6_FILTER: RAs
 * only; IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT; SO_BINDTODEVICE when ifname
 * is set) and the stop eventfd.  No thread yet.  When the raw socket
 * cannot be opened and use_dns is set, RA listening is off (logged) and
 * RFC 7050 still runs.  Returns 0 and *out, or a negative errno (-ENODEV:
 * no such interface, -EINVAL: neither source).
 */
int pref64d_open(const struct pref64d_cfg *cfg, struct pref64d **out);

/* Start the discovery threads: one Router Solicitation, then the loop.
 * Returns 0 or a negative errno (then call pref64d_stop()); call it once. */
int pref64d_run(struct pref64d *pd);

/* pref64d_open() with a default cfg, then pref64d_run(). */
int pref64d_start(struct daemon *d, const char *ifname, bool use_ra,
		  bool use_dns, struct pref64d **out);

/* Stop the threads (waits for a DNS query in flight: a few seconds per
 * name server at most), close everything, free pd.  NULL is fine.  The prefix
 * last reported is left with the daemon. */
void pref64d_stop(struct pref64d *pd);

#endif
