/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: rtnetlink through libmnl.  Links are set up (MTU, up) and
 * addresses and routes are added and removed as one desired set: nl_sync()
 * adds what is missing, removes what this daemon added that is no longer
 * wanted, and never touches what it did not add itself.
 */
#ifndef SIXGATE_NETLINK_H
#define SIXGATE_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum nl_kind {
	NL_ADDR = 0,  /* address on ifindex */
	NL_ROUTE = 1, /* route to addr/len via ifindex, in table (0: main) */
};

/* An address or a route, compared field by field. */
struct nl_obj {
	uint8_t kind;     /* enum nl_kind */
	uint8_t family;   /* AF_INET or AF_INET6 */
	uint8_t len;      /* prefix length */
	uint8_t pad;
	uint32_t ifindex;
	uint32_t metric;  /* routes: RTA_PRIORITY, 0 = kernel default */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
	uint32_t table;   /* routes: 0 = the main table */
};

struct nl;

int nl_open(struct nl **out);
/* Close without removing anything (use nl_sync(nl, NULL, 0) first). */
void nl_close(struct nl *nl);

/* One IPv4 per-device setting (IPV4_DEVCONF_*, linux/ip.h), what
 * net.ipv4.conf.DEV.KEY sets, without /proc/sys (read-only under
 * systemd's ProtectKernelTunables=). */
int nl_link_inet_conf(struct nl *nl, unsigned ifindex, unsigned key,
		      uint32_t val);

/* Set the MTU and bring the link up.  0 or a negative errno. */
int nl_link_setup(struct nl *nl, unsigned ifindex, unsigned mtu);

/*
 * Make what this daemon added equal want[0..n).  Objects that already
 * exist without us (EEXIST) are left alone and not remembered, so exit
 * does not remove them.  Failures are logged; returns 0 or the first
 * negative errno.
 */
int nl_sync(struct nl *nl, const struct nl_obj *want, size_t n);

/* The device is gone and took its addresses and routes with it. */
void nl_forget_ifindex(struct nl *nl, unsigned ifindex);

/* Is there an IPv4 default route in the main table that does not go
 * through exclude_ifindex?  0 and *has, or a negative errno. */
int nl_has_default4(struct nl *nl, unsigned exclude_ifindex, bool *has);
/* Is an IPv4 address inside prefix/len configured on any interface other
 * than exclude_ifindex?  The first one found is returned. */
int nl_addr4_in(struct nl *nl, uint32_t prefix, unsigned len,
		unsigned exclude_ifindex, uint32_t *addr, unsigned *ifindex,
		bool *found);

/*
 * Does the kernel already reach addr (network order) through a route more
 * specific than a default, on a device other than ifindex?  Such an
 * address is the real side of an EAM row and must not be routed into the
 * TUN.  0 and *elsewhere, or a negative errno.
 */
int nl_route_elsewhere(struct nl *nl, int family, const void *addr,
		       unsigned ifindex, bool *elsewhere);

/*
 * The address the host uses as its IPv4 source: the preferred source of
 * the main table's IPv4 default route, else the first primary global
 * address of that route's device.  -ENETUNREACH without a default route,
 * -EADDRNOTAVAIL when its device has no usable address.
 */
int nl_host_addr4(struct nl *nl, unsigned exclude_ifindex, uint32_t *addr,
		  unsigned *ifindex);

/*
 * An IPv4 policy rule "priority pref [fwmark mark/mask] lookup table"
 * (rule_add: add, else delete the first rule that matches).  excl refuses
 * an identical rule that exists already (-EEXIST); without it a duplicate
 * is added after the existing ones, which is how the local rule is moved
 * without a gap (docs/nat64.md, "pool4 on the host's own address").
 */
int nl_rule4(struct nl *nl, bool rule_add, bool excl, uint32_t pref,
	     uint32_t table, uint32_t mark, uint32_t mask);

/* How many IPv4 rules "priority pref [fwmark mark/mask] lookup table"
 * exist.  mark 0 counts only rules without a fwmark. */
int nl_rule4_count(struct nl *nl, uint32_t pref, uint32_t table,
		   uint32_t mark, uint32_t mask, unsigned *count);

/* "route 192.0.2.0/24 dev 5" for logs. */
void nl_obj_str(const struct nl_obj *o, char *s, size_t n);

#endif
