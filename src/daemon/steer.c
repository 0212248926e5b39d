/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated [nat64]: steering pool4 ports of the host's own addresses into
 * the NAT64's TUN (steer.h; docs/nat64.md, "pool4 on the host's own
 * address").  Three pieces, each undone by steer_down():
 *
 *   1. nftables table "ip sixgate_TUN", prerouting at mangle priority:
 *      packets to a steered address whose destination port (TCP, UDP),
 *      echo-reply identifier (ICMP) or quoted source port / echo
 *      identifier (ICMP errors about a packet we sent) is inside a pool4
 *      range get the mark bit(s) ORed in.  Packets coming out of the TUN
 *      are never marked.
 *   2. policy rule "priority 0 fwmark M/M lookup T", placed before the
 *      local rule: the local rule is re-added behind ours (a duplicate is
 *      allowed without NLM_F_EXCL) and the original deleted, so the host
 *      never loses local delivery, not even for a moment.  The other rules
 *      keep their order relative to the local one.
 *   3. the TUN's accept_local = 1 and rp_filter = 0 (set over rtnetlink,
 *      which works where /proc/sys is read-only): translated packets
 *      leave sixgated with the host's address as their source.  Any
 *      net.ipv4.conf.all.rp_filter but 0 would still drop them: the kernel
 *      uses the larger of "all" and the device's value, and loose mode
 *      (2) rejects every source arriving on a device without an IPv4
 *      address, which the TUN is.  So that is refused, saying why.
 *
 * The nft program runs as a child; after the privilege drop it inherits
 * CAP_NET_ADMIN as an ambient capability, so steer_down() works then too.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/ip.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "steer.h"

#define STEER_RULE_PREF 0
#define STEER_LOCAL_TABLE 255 /* RT_TABLE_LOCAL */

bool steer_has(const struct steer *s, uint32_t addr)
{
	for (unsigned i = 0; i < s->nranges; i++)
		if (s->r[i].addr == addr)
			return true;
	return false;
}

/* nft identifiers: letters, digits and underscores. */
static void steer_table_name(const struct steer *s, char *out, size_t len)
{
	size_t k = 0;

	k += (size_t)snprintf(out, len, "sixgate_");
	for (const char *c = s->tun; *c && k + 1 < len; c++, k++)
		out[k] = (char)((*c >= 'a' && *c <= 'z') ||
					(*c >= 'A' && *c <= 'Z') ||
					(*c >= '0' && *c <= '9')
				? *c : '_');
	out[k < len ? k : len - 1] = '\0';
}

struct steer_buf {
	char *p;
	size_t len, used;
	bool overflow;
};

__attribute__((format(printf, 2, 3)))
static void steer_put(struct steer_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->used, b->len - b->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->len - b->used)
		b->overflow = true;
	else
		b->used += (size_t)n;
}

static const char steer_errors[] =
	"icmp type { destination-unreachable, time-exceeded, "
	"parameter-problem }";

/*
 * One range's rules.  In an ICMP error the quoted IPv4 header starts 8
 * bytes into the ICMP header; only headers without options (0x45) are
 * matched, which is what the NAT64 itself sends.  Bit offsets from the
 * ICMP header: 136 quoted protocol, 160 quoted source, 224 quoted source
 * port or ICMP type, 256 quoted echo identifier.
 */
static void steer_range(struct steer_buf *b, const struct pool4_range *r,
			uint32_t mark)
{
	char a[INET_ADDRSTRLEN];
	struct in_addr in = { .s_addr = htonl(r->addr) };
	char set[40];

	inet_ntop(AF_INET, &in, a, sizeof(a));
	snprintf(set, sizeof(set), "meta mark set meta mark | 0x%x", mark);
	if (r->proto == POOL4_TCP || r->proto == POOL4_UDP) {
		const char *p = r->proto == POOL4_TCP ? "tcp" : "udp";
		steer_put(b, "\t\tip daddr %s %s dport %u-%u %s\n", a, p, r->lo,
			  r->hi, set);
		steer_put(b, "\t\tip daddr %s %s @th,64,8 0x45 @th,136,8 %u "
			  "@th,160,32 0x%08x @th,224,16 %u-%u %s\n", a,
			  steer_errors, r->proto == POOL4_TCP ? 6u : 17u,
			  r->addr, r->lo, r->hi, set);
		return;
	}
	steer_put(b, "\t\tip daddr %s icmp type echo-reply icmp id %u-%u %s\n",
		  a, r->lo, r->hi, set);
	steer_put(b, "\t\tip daddr %s %s @th,64,8 0x45 @th,136,8 1 "
		  "@th,160,32 0x%08x @th,224,8 8 @th,256,16 %u-%u %s\n", a,
		  steer_errors, r->addr, r->lo, r->hi, set);
}

/* The nftables script steer_up() loads into buf. */
static int steer_script(const struct steer *s, char *buf, size_t len)
{
	struct steer_buf b = { .p = buf, .len = len };
	char t[40];

	steer_table_name(s, t, sizeof(t));
	/* "add" then "delete" makes the load idempotent: a table left by
	 * a crash is replaced in the same transaction. */
	steer_put(&b, "add table ip %s\ndelete table ip %s\n", t, t);
	steer_put(&b, "table ip %s {\n\tchain pool4 {\n\t\ttype filter hook "
		  "prerouting priority mangle; policy accept;\n"
		  "\t\tiifname \"%s\" return\n", t, s->tun);
	for (unsigned i = 0; i < s->nranges; i++)
		steer_range(&b, &s->r[i], s->mark);
	steer_put(&b, "\t}\n}\n");
	return b.overflow ? -ENOSPC : (int)b.used;
}

/* Keep CAP_NET_ADMIN across execve() when we are no longer root. */
static void steer_child_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (getuid() == 0)
		return;
	if (syscall(SYS_capget, &hdr, data) < 0)
		return;
	data[CAP_TO_INDEX(CAP_NET_ADMIN)].inheritable |=
		CAP_TO_MASK(CAP_NET_ADMIN);
	if (syscall(SYS_capset, &hdr, data) == 0)
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN, 0, 0);
}

/* Feed script to "nft -f -".  0, or a negative errno. */
static int steer_nft(const char *script, size_t len)
{
	static const char *const paths[] = { "/usr/sbin/nft", "/sbin/nft",
					     "/usr/bin/nft" };
	int fds[2], status;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (dup2(fds[0], STDIN_FILENO) < 0)
			_exit(126);
		steer_child_caps();
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			execl(paths[i], "nft", "-f", "-", (char *)NULL);
		execlp("nft", "nft", "-f", "-", (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fds[1], script + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	close(fds[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -ENOENT;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int steer_sysctl_read(const char *path, int *v)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%d", v) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

static int steer_devconf(struct nl *nl, const char *tun, unsigned ifindex,
			 unsigned key, const char *name)
{
	int err = nl_link_inet_conf(nl, ifindex, key, key ==
				    IPV4_DEVCONF_ACCEPT_LOCAL ? 1 : 0);

	if (err)
		log_err("nat64: net.ipv4.conf.%s.%s: %s", tun, name,
			strerror(-err));
	return err;
}

/* Rules of ours left by a daemon that did not stop cleanly. */
static void steer_rule_flush(struct steer *s, struct nl *nl)
{
	for (int i = 0; i < 16; i++)
		if (nl_rule4(nl, false, false, STEER_RULE_PREF, s->table,
			     s->mark, s->mark) < 0)
			break;
}

/* Our rule, then the local rule moved behind it (see the top). */
static int steer_rules_up(struct steer *s, struct nl *nl)
{
	unsigned nlocal = 0;
	int err;

	steer_rule_flush(s, nl);
	err = nl_rule4_count(nl, STEER_RULE_PREF, STEER_LOCAL_TABLE, 0, 0,
			     &nlocal);
	if (err == 0)
		err = nl_rule4(nl, true, true, STEER_RULE_PREF, s->table,
			       s->mark, s->mark);
	if (err) {
		log_err("nat64: policy rule fwmark 0x%x lookup %u: %s",
			s->mark, s->table, strerror(-err));
		return err;
	}
	if (nlocal == 0) {
		/* The host keeps its local rule elsewhere (behind priority
		 * 0), so ours already comes first. */
		log_notice("nat64: no local rule at priority 0; the fwmark "
			   "rule at priority 0 precedes it");
		return 0;
	}
	err = nl_rule4(nl, true, false, STEER_RULE_PREF, STEER_LOCAL_TABLE,
		       0, 0);
	if (err == 0)
		err = nl_rule4(nl, false, false, STEER_RULE_PREF,
			       STEER_LOCAL_TABLE, 0, 0);
	if (err) {
		log_err("nat64: moving the local rule behind ours: %s",
			strerror(-err));
		return err;
	}
	s->local_moved = true;
	return 0;
}

static void steer_rules_down(struct steer *s, struct nl *nl)
{
	int err = 0;

	/* Local first again: add a duplicate ahead of nothing (it goes
	 * behind ours), remove ours, then the extra local rule. */
	if (s->local_moved)
		err = nl_rule4(nl, true, false, STEER_RULE_PREF,
			       STEER_LOCAL_TABLE, 0, 0);
	steer_rule_flush(s, nl);
	if (s->local_moved && err == 0)
		err = nl_rule4(nl, false, false, STEER_RULE_PREF,
			       STEER_LOCAL_TABLE, 0, 0);
	if (err)
		log_warn("nat64: restoring the local rule: %s", strerror(-err));
	s->local_moved = false;
}

static int steer_nft_down(const struct steer *s)
{
	char t[40], script[128];
	int n;

	steer_table_name(s, t, sizeof(t));
	n = snprintf(script, sizeof(script),
		     "add table ip %s\ndelete table ip %s\n", t, t);
	return steer_nft(script, (size_t)n);
}

int steer_up(struct steer *s, struct nl *nl, const char *tun,
	     unsigned ifindex, uint32_t mark, uint32_t table,
	     const struct pool4_range *r, unsigned n)
{
	char *script;
	int rpf = 0, err, len;

	memset(s, 0, sizeof(*s));
	if (n > STEER_MAX_RANGES) {
		log_err("nat64: more than %d pool4 ranges on the host's own "
			"addresses", STEER_MAX_RANGES);
		return -E2BIG;
	}
	snprintf(s->tun, sizeof(s->tun), "%s", tun);
	s->mark = mark;
	s->table = table;
	s->nranges = n;
	memcpy(s->r, r, n * sizeof(*r));
	if (steer_sysctl_read("/proc/sys/net/ipv4/conf/all/rp_filter", &rpf) ==
		    0 && rpf != 0) {
		log_err("nat64: net.ipv4.conf.all.rp_filter = %d drops the "
			"translated packets that leave %s with the host's own "
			"address (the kernel applies the larger of \"all\" and "
			"the device's value); set it to 0 and filter per "
			"interface (net.ipv4.conf.IFACE.rp_filter) to use pool4 "
			"on the host's address", rpf, tun);
		return -EPERM;
	}
	err = steer_devconf(nl, tun, ifindex, IPV4_DEVCONF_ACCEPT_LOCAL,
			    "accept_local");
	if (err == 0)
		err = steer_devconf(nl, tun, ifindex, IPV4_DEVCONF_RP_FILTER,
				    "rp_filter");
	if (err)
		return err;
	script = malloc(16384);
	if (!script)
		return -ENOMEM;
	len = steer_script(s, script, 16384);
	err = len < 0 ? len : steer_nft(script, (size_t)len);
	free(script);
	if (err) {
		log_err("nat64: loading the nftables table that marks pool4 "
			"packets for %s: %s", tun, err == -ENOENT ?
			"nft not found (install nftables)" : err == -EIO ?
			"nft failed (its message is above)" : strerror(-err));
		return err;
	}
	err = steer_rules_up(s, nl);
	if (err) {
		steer_nft_down(s);
		return err;
	}
	s->up = true;
	char t[40];
	steer_table_name(s, t, sizeof(t));
	log_info("nat64: pool4 on the host's own address: nftables table "
		 "ip %s marks 0x%x, rule priority %d fwmark 0x%x/0x%x lookup "
		 "%u -> %s", t, mark, STEER_RULE_PREF, mark, mark, table, tun);
	return 0;
}

void steer_down(struct steer *s, struct nl *nl)
{
	int err;

	if (!s->up)
		return;
	steer_rules_down(s, nl);
	err = steer_nft_down(s);
	if (err)
		log_warn("nat64: removing the nftables table of %s: %s", s->tun,
			 strerror(-err));
	s->up = false;
}
