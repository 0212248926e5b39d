/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: rtnetlink (RFC 3549 framework; Linux rtnetlink(7)) through
 * libmnl.  Everything added is remembered so that exit and reload remove
 * exactly that (docs/daemon.md, "Startup" step 3).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "netlink.h"

struct nl {
	struct mnl_socket *sock;
	unsigned portid;
	unsigned seq;
	struct nl_obj *have; /* what we added and still own */
	size_t nhave, caphave;
	char buf[32768]; /* MNL_SOCKET_BUFFER_SIZE is not a constant */
};

int nl_open(struct nl **out)
{
	struct nl *nl = calloc(1, sizeof(*nl));
	int err;

	if (!nl)
		return -ENOMEM;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock || mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto fail;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned)time(NULL);
	*out = nl;
	return 0;
fail:
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
	return err;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl->have);
	free(nl);
}

/* Send the request in nl->buf and wait for its ACK or error. */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
		   void *arg)
{
	/* The answer lands in the same buffer as the request. */
	bool dump = (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	unsigned seq = nlh->nlmsg_seq;
	ssize_t got;
	int rc;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		got = mnl_socket_recvfrom(nl->sock, nl->buf, sizeof(nl->buf));
		if (got < 0)
			return -errno;
		rc = mnl_cb_run(nl->buf, (size_t)got, seq, nl->portid, cb, arg);
	} while (rc > 0 && dump);
	return rc < 0 ? -errno : 0;
}

static struct nlmsghdr *nl_msg(struct nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

/*
 * No IPv6 link-local address on the TUN: without one the kernel sends no
 * Router Solicitations, MLD reports or DAD probes into the translator, so
 * only routed traffic reaches it.  Must happen while the link is down,
 * before addrconf runs.
 */
static int nl_link_no_ll6(struct nl *nl, unsigned ifindex)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	struct nlattr *in6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, in6);
	mnl_attr_nest_end(nlh, spec);
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_link_inet_conf(struct nl *nl, unsigned ifindex, unsigned key,
		      uint32_t val)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	struct nlattr *in4 = mnl_attr_nest_start(nlh, AF_INET);
	struct nlattr *conf = mnl_attr_nest_start(nlh, IFLA_INET_CONF);
	mnl_attr_put_u32(nlh, (uint16_t)key, val);
	mnl_attr_nest_end(nlh, conf);
	mnl_attr_nest_end(nlh, in4);
	mnl_attr_nest_end(nlh, spec);
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_link_setup(struct nl *nl, unsigned ifindex, unsigned mtu)
{
	int err = nl_link_no_ll6(nl, ifindex);

	if (err)
		return err;
	struct nlmsghdr *nlh = nl_msg(nl, RTM_NEWLINK, NLM_F_ACK);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nl_talk(nl, nlh, NULL, NULL);
}

static unsigned nl_alen(const struct nl_obj *o)
{
	return o->family == AF_INET ? 4 : 16;
}

static void nl_put_route(struct nlmsghdr *nlh, const struct nl_obj *o)
{
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = o->family;
	rtm->rtm_dst_len = o->len;
	/* tables from 256 on go in RTA_TABLE only */
	rtm->rtm_table = !o->table ? RT_TABLE_MAIN :
			 o->table < 256 ? (uint8_t)o->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RTPROT_STATIC;
	/* A device route without a gateway: on-link for IPv4, as ip-route
	 * does; IPv6 routes are always universe. */
	rtm->rtm_scope = o->family == AF_INET ? RT_SCOPE_LINK
					      : RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	if (o->len)
		mnl_attr_put(nlh, RTA_DST, nl_alen(o), o->addr);
	mnl_attr_put_u32(nlh, RTA_OIF, o->ifindex);
	if (o->metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, o->metric);
	if (o->table)
		mnl_attr_put_u32(nlh, RTA_TABLE, o->table);
}

static void nl_put_addr(struct nlmsghdr *nlh, const struct nl_obj *o)
{
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = o->family;
	ifa->ifa_prefixlen = o->len;
	ifa->ifa_index = o->ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_LOCAL, nl_alen(o), o->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, nl_alen(o), o->addr);
	/* A TUN has no neighbours to collide with. */
	if (o->family == AF_INET6)
		mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
}

static int nl_obj_do(struct nl *nl, const struct nl_obj *o, bool add)
{
	uint16_t type = o->kind == NL_ADDR ? (add ? RTM_NEWADDR : RTM_DELADDR)
					   : (add ? RTM_NEWROUTE : RTM_DELROUTE);
	uint16_t flags = NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_EXCL : 0);
	struct nlmsghdr *nlh = nl_msg(nl, type, flags);

	if (o->kind == NL_ADDR)
		nl_put_addr(nlh, o);
	else
		nl_put_route(nlh, o);
	return nl_talk(nl, nlh, NULL, NULL);
}

void nl_obj_str(const struct nl_obj *o, char *s, size_t n)
{
	char a[INET6_ADDRSTRLEN], t[20] = "";

	inet_ntop(o->family, o->addr, a, sizeof(a));
	if (o->table)
		snprintf(t, sizeof(t), " table %u", o->table);
	snprintf(s, n, "%s %s/%u dev #%u%s", o->kind == NL_ADDR ? "address"
							       : "route",
		 a, o->len, o->ifindex, t);
}

static bool nl_obj_eq(const struct nl_obj *a, const struct nl_obj *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static bool nl_obj_in(const struct nl_obj *o, const struct nl_obj *set,
		      size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (nl_obj_eq(o, &set[i]))
			return true;
	return false;
}

static int nl_remember(struct nl *nl, const struct nl_obj *o)
{
	if (nl->nhave == nl->caphave) {
		size_t cap = nl->caphave ? nl->caphave * 2 : 16;
		struct nl_obj *h = realloc(nl->have, cap * sizeof(*h));

		if (!h)
			return -ENOMEM;
		nl->have = h;
		nl->caphave = cap;
	}
	nl->have[nl->nhave++] = *o;
	return 0;
}

static void nl_log(const struct nl_obj *o, const char *what, int err)
{
	char s[96];

	nl_obj_str(o, s, sizeof(s));
	if (err)
		log_warn("netlink: %s %s: %s", what, s, strerror(-err));
	else
		log_debug("netlink: %s %s", what, s);
}

/* Remove what is no longer wanted; a missing object is already gone. */
static int nl_sync_del(struct nl *nl, const struct nl_obj *want, size_t n)
{
	int first = 0;
	size_t i = 0;

	while (i < nl->nhave) {
		const struct nl_obj *o = &nl->have[i];
		int err;

		if (nl_obj_in(o, want, n)) {
			i++;
			continue;
		}
		err = nl_obj_do(nl, o, false);
		if (err == -ESRCH || err == -EADDRNOTAVAIL || err == -ENODEV)
			err = 0;
		nl_log(o, "removed", err);
		if (err && !first)
			first = err;
		nl->have[i] = nl->have[--nl->nhave];
	}
	return first;
}

static int nl_sync_add(struct nl *nl, const struct nl_obj *want, size_t n)
{
	int first = 0;

	for (size_t i = 0; i < n; i++) {
		int err;

		if (nl_obj_in(&want[i], nl->have, nl->nhave) ||
		    nl_obj_in(&want[i], want, i))
			continue;
		err = nl_obj_do(nl, &want[i], true);
		if (err == -EEXIST) {
			nl_log(&want[i], "already present, left alone:", 0);
			continue;
		}
		if (err == 0)
			err = nl_remember(nl, &want[i]);
		nl_log(&want[i], "added", err);
		if (err && !first)
			first = err;
	}
	return first;
}

int nl_sync(struct nl *nl, const struct nl_obj *want, size_t n)
{
	int e1 = nl_sync_del(nl, want, n);
	int e2 = nl_sync_add(nl, want, n);

	return e1 ? e1 : e2;
}

void nl_forget_ifindex(struct nl *nl, unsigned ifindex)
{
	size_t i = 0;

	while (i < nl->nhave) {
		if (nl->have[i].ifindex == ifindex)
			nl->have[i] = nl->have[--nl->nhave];
		else
			i++;
	}
}

/* The main table's first IPv4 default route through a device other than
 * exclude: its device (0 for a multipath route) and preferred source. */
struct nl_default4 {
	unsigned exclude;
	bool found;
	uint32_t oif;
	uint32_t prefsrc; /* network order, 0 = none */
};

static int nl_default4_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type <= RTA_MAX && mnl_attr_get_payload_len(a) >= 4)
		tb[type] = a;
	return MNL_CB_OK;
}

static int nl_default4_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct nl_default4 *d = data;
	uint32_t table = rtm->rtm_table;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_dst_len != 0 ||
	    rtm->rtm_type != RTN_UNICAST || d->found)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rtm), nl_default4_attr, tb);
	if (tb[RTA_TABLE])
		table = mnl_attr_get_u32(tb[RTA_TABLE]);
	if (table != RT_TABLE_MAIN)
		return MNL_CB_OK;
	if (tb[RTA_OIF] && mnl_attr_get_u32(tb[RTA_OIF]) == d->exclude)
		return MNL_CB_OK;
	d->found = true;
	d->oif = tb[RTA_OIF] ? mnl_attr_get_u32(tb[RTA_OIF]) : 0;
	if (tb[RTA_PREFSRC])
		memcpy(&d->prefsrc, mnl_attr_get_payload(tb[RTA_PREFSRC]), 4);
	return MNL_CB_OK;
}

static int nl_default4(struct nl *nl, struct nl_default4 *d)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	return nl_talk(nl, nlh, nl_default4_cb, d);
}

int nl_has_default4(struct nl *nl, unsigned exclude_ifindex, bool *has)
{
	struct nl_default4 d = { .exclude = exclude_ifindex };
	int err = nl_default4(nl, &d);

	if (err == 0)
		*has = d.found;
	return err;
}

struct nl_addr4_in {
	uint32_t prefix;   /* host order */
	unsigned len;
	unsigned exclude;
	unsigned only;     /* 0, or: primary global addresses of this device */
	bool found;
	uint32_t addr;     /* host order */
	unsigned ifindex;
};

static int nl_addr4_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type <= IFA_MAX && mnl_attr_get_payload_len(a) >= 4)
		tb[type] = a;
	return MNL_CB_OK;
}

static int nl_addr4_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	struct nl_addr4_in *q = data;
	uint32_t a;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET ||
	    ifa->ifa_index == q->exclude)
		return MNL_CB_OK;
	if (q->only && (ifa->ifa_index != q->only ||
			ifa->ifa_scope != RT_SCOPE_UNIVERSE ||
			(ifa->ifa_flags & IFA_F_SECONDARY)))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), nl_addr4_attr, tb);
	const struct nlattr *at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!at)
		return MNL_CB_OK;
	memcpy(&a, mnl_attr_get_payload(at), 4);
	a = ntohl(a);
	if (!q->found && (q->len == 0 || ((a ^ q->prefix) >> (32 - q->len)) == 0)) {
		q->found = true;
		q->addr = a;
		q->ifindex = ifa->ifa_index;
	}
	return MNL_CB_OK;
}

static int nl_addr4_dump(struct nl *nl, struct nl_addr4_in *q)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	return nl_talk(nl, nlh, nl_addr4_cb, q);
}

int nl_addr4_in(struct nl *nl, uint32_t prefix, unsigned len,
		unsigned exclude_ifindex, uint32_t *addr, unsigned *ifindex,
		bool *found)
{
	struct nl_addr4_in q = { .prefix = prefix, .len = len,
				 .exclude = exclude_ifindex };
	int err = nl_addr4_dump(nl, &q);

	if (err == 0) {
		*found = q.found;
		*addr = q.addr;
		*ifindex = q.ifindex;
	}
	return err;
}

struct nl_fib {
	int dst_len;
	uint32_t oif;
};

static int nl_fib_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct nl_fib *f = data;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rtm), nl_default4_attr, tb);
	f->dst_len = rtm->rtm_dst_len;
	f->oif = tb[RTA_OIF] ? mnl_attr_get_u32(tb[RTA_OIF]) : 0;
	return MNL_CB_OK;
}

int nl_route_elsewhere(struct nl *nl, int family, const void *addr,
		       unsigned ifindex, bool *elsewhere)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETROUTE, 0);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	struct nl_fib f = { .dst_len = -1 };
	int err;

	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = family == AF_INET ? 32 : 128;
	/* The FIB entry that matched, with its own prefix length, rather
	 * than a /32 or /128 clone (ip route get fibmatch). */
	rtm->rtm_flags = RTM_F_FIB_MATCH;
	mnl_attr_put(nlh, RTA_DST, family == AF_INET ? 4 : 16, addr);
	err = nl_talk(nl, nlh, nl_fib_cb, &f);
	*elsewhere = false;
	if (err == -ENETUNREACH || err == -EHOSTUNREACH)
		return 0;
	if (err)
		return err;
	*elsewhere = f.dst_len > 0 && f.oif != ifindex;
	return 0;
}

/* ---- the host's own IPv4 address ---------------------------------- */

int nl_host_addr4(struct nl *nl, unsigned exclude_ifindex, uint32_t *addr,
		  unsigned *ifindex)
{
	struct nl_default4 d = { .exclude = exclude_ifindex };
	int err = nl_default4(nl, &d);

	if (err)
		return err;
	if (!d.found)
		return -ENETUNREACH;
	*ifindex = d.oif;
	if (d.prefsrc) {
		*addr = ntohl(d.prefsrc);
		return 0;
	}
	if (!d.oif)
		return -EADDRNOTAVAIL; /* multipath, no preferred source */
	struct nl_addr4_in q = { .only = d.oif };
	err = nl_addr4_dump(nl, &q);
	if (err)
		return err;
	if (!q.found)
		return -EADDRNOTAVAIL;
	*addr = q.addr;
	return 0;
}

/* ---- policy rules --------------------------------------------------- */

static void nl_put_rule4(struct nlmsghdr *nlh, uint32_t pref, uint32_t table,
			 uint32_t mark, uint32_t mask)
{
	struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh,
							      sizeof(*frh));

	frh->family = AF_INET;
	frh->action = FR_ACT_TO_TBL;
	frh->table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	mnl_attr_put_u32(nlh, FRA_TABLE, table);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, pref);
	if (mark) {
		mnl_attr_put_u32(nlh, FRA_FWMARK, mark);
		mnl_attr_put_u32(nlh, FRA_FWMASK, mask);
	}
}

int nl_rule4(struct nl *nl, bool rule_add, bool excl, uint32_t pref,
	     uint32_t table, uint32_t mark, uint32_t mask)
{
	uint16_t flags = NLM_F_ACK;

	if (rule_add)
		flags |= NLM_F_CREATE | (excl ? NLM_F_EXCL : 0);
	struct nlmsghdr *nlh = nl_msg(nl, rule_add ? RTM_NEWRULE : RTM_DELRULE,
				      flags);
	nl_put_rule4(nlh, pref, table, mark, mask);
	return nl_talk(nl, nlh, NULL, NULL);
}

struct nl_rule_q {
	uint32_t pref, table, mark, mask;
	unsigned count;
};

static int nl_rule_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (type <= FRA_MAX && mnl_attr_get_payload_len(a) >= 4)
		tb[type] = a;
	return MNL_CB_OK;
}

static uint32_t nl_attr_u32_or(const struct nlattr *a, uint32_t dflt)
{
	return a ? mnl_attr_get_u32(a) : dflt;
}

static int nl_rule_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[FRA_MAX + 1] = { 0 };
	struct nl_rule_q *q = data;

	if (nlh->nlmsg_type != RTM_NEWRULE || frh->family != AF_INET ||
	    frh->action != FR_ACT_TO_TBL)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*frh), nl_rule_attr, tb);
	if (nl_attr_u32_or(tb[FRA_PRIORITY], 0) == q->pref &&
	    nl_attr_u32_or(tb[FRA_TABLE], frh->table) == q->table &&
	    nl_attr_u32_or(tb[FRA_FWMARK], 0) == q->mark &&
	    (!q->mark || nl_attr_u32_or(tb[FRA_FWMASK], 0) == q->mask) &&
	    !tb[FRA_SRC] && !tb[FRA_DST] && frh->src_len == 0 &&
	    frh->dst_len == 0)
		q->count++;
	return MNL_CB_OK;
}

int nl_rule4_count(struct nl *nl, uint32_t pref, uint32_t table,
		   uint32_t mark, uint32_t mask, unsigned *count)
{
	struct nlmsghdr *nlh = nl_msg(nl, RTM_GETRULE, NLM_F_DUMP);
	struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh,
							      sizeof(*frh));
	struct nl_rule_q q = { .pref = pref, .table = table, .mark = mark,
			       .mask = mask };
	int err;

	frh->family = AF_INET;
	err = nl_talk(nl, nlh, nl_rule_cb, &q);
	if (err == 0)
		*count = q.count;
	return err;
}
