/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated [nat64]: pool4 ports on an address the host owns itself (the
 * RFC 6146 §3 default: the host's own address, ports 61001-65535).  The
 * kernel delivers such packets locally, so an nftables table marks the
 * ones whose destination port (or ICMP identifier, or the port quoted in
 * an ICMP error) falls in a pool4 range, and a policy rule placed before
 * the local table sends marked packets into the NAT64's TUN.  The TUN
 * accepts the translated packets that carry the host's address as their
 * source (accept_local).  docs/nat64.md, "pool4 on the host's own
 * address".
 */
#ifndef SIXGATE_STEER_H
#define SIXGATE_STEER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/pool4.h"
#include "netlink.h"

#define STEER_MAX_RANGES 48

struct steer {
	bool up;            /* rules in place */
	bool local_moved;   /* the local rule was moved behind ours */
	char tun[16];
	uint32_t mark;      /* fwmark bit(s); the rule matches mark/mark */
	uint32_t table;     /* routing table holding "default dev TUN" */
	unsigned nranges;
	struct pool4_range r[STEER_MAX_RANGES]; /* the host's own ranges */
};

/* Is addr (host order) one of the steered addresses? */
bool steer_has(const struct steer *s, uint32_t addr);

/*
 * Install the marking table, the sysctls of tun and the policy rule for
 * ranges r[0..n) (all on addresses of this host).  The route
 * "default dev tun table s->table" is the caller's (role.c adds it with
 * the other routes).  0, or a negative errno after logging why and
 * undoing what was done.
 */
int steer_up(struct steer *s, struct nl *nl, const char *tun,
	     unsigned ifindex, uint32_t mark, uint32_t table,
	     const struct pool4_range *r, unsigned n);

/* Remove what steer_up() installed; also after the privilege drop. */
void steer_down(struct steer *s, struct nl *nl);

#endif
