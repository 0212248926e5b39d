/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgate.conf: text -> plain struct -> validate -> apply.
 *
 * The format is docs/configuration.md and sixgate.conf(5).  Prefixes are
 * checked against RFC 6052 §2.2 and RFC 8215 §5 (addr_pref64_check()), EAM
 * rows against RFC 7757 §3.2 and §5 (eam_add()).  Errors come back as one
 * "file:line: reason" string; a file with any error is refused whole.
 *
 * The same struct is what the daemon applies and what the control tool and
 * the fuzzer build, so nothing here touches a descriptor other than the
 * FILE * handed to conf_print() and the one conf_parse_file() opens.
 */
#ifndef SIXGATE_CONF_H
#define SIXGATE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/addr.h"
#include "core/eam.h"
#include "core/nat64.h"
#include "core/xlat.h"

#define CONF_ROUTES_MAX 32  /* ipv4-route / ipv6-route per role */
#define CONF_IFNAMSIZ 16    /* IFNAMSIZ, without pulling in <net/if.h> */
#define CONF_USER_MAX 32
#define CONF_PATH_MAX 108   /* sizeof(sockaddr_un.sun_path) */

struct prefix6 {
	struct in6_addr addr;
	uint8_t len;
};

enum conf_clat_mode {
	CONF_CLAT_NONE = 0,   /* not given (an error once [clat] is parsed) */
	CONF_CLAT_HOST = 1,   /* RFC 6877 §6.1 CLAT on the host itself */
	CONF_CLAT_ROUTER = 2, /* CLAT on a CE router, clients behind it */
};

/* [clat] ipv4-default-route */
enum conf_v4default {
	CONF_V4DEFAULT_AUTO = 0, /* only if the host has no IPv4 default */
	CONF_V4DEFAULT_YES = 1,
	CONF_V4DEFAULT_NO = 2,
};

/*
 * A translator role on a TUN device: [siit], [clat] or [nat64].  ctx is ready for
 * xlat_packet() once parsing succeeds: ctx.eam points at eam (owned here),
 * ctx.pool6 is pool6 or the global pref64 (len 0 while pref64 = auto has
 * found nothing), and the global non-global list and allow flags are
 * copied in.
 */
struct conf_role {
	bool enabled;          /* the section was present */
	struct xlat_ctx ctx;
	struct eam_table *eam; /* never NULL after a successful parse */
	bool pool6_set;        /* [siit] pool6 given: discovery leaves it */

	char tun[CONF_IFNAMSIZ];  /* siit0 / clat0 / nat64 */
	bool manage_routes;       /* default yes */
	uint32_t mtu;             /* TUN MTU, default 1500 */
	struct prefix4 routes4[CONF_ROUTES_MAX]; /* ipv4-route */
	unsigned nroutes4;
	struct prefix6 routes6[CONF_ROUTES_MAX]; /* ipv6-route ([siit]) */
	unsigned nroutes6;

	/* [clat] only.  Its own EAM row (host: clat_v4/32 <-> clat_v6/128,
	 * router: clat_prefix4 <-> clat_prefix6) is the first row of eam
	 * and is not printed as an eam line. */
	enum conf_clat_mode mode;
	uint32_t clat_v4;             /* host: default 192.0.0.1 (RFC 7335) */
	struct in6_addr clat_v6;      /* host: required */
	struct prefix4 clat_prefix4;  /* router: required */
	struct prefix6 clat_prefix6;  /* router: required */
	enum conf_v4default v4default;
};

/* Kept so that code written against the first parser still reads. */
#define conf_siit conf_role

#define CONF_POOL4_MAX 768   /* expanded ranges: one per (address, protocol) */
/* pool4 on the host's own addresses (docs/nat64.md): the default
 * ports (RFC 6146 §3 and Linux's ip_local_port_range ending at 60999),
 * the fwmark bit and the routing table. */
#define CONF_HOST_PORT_LO 61001
#define CONF_HOST_PORT_HI 65535
#define CONF_HOST_MARK 0x400000u
#define CONF_HOST_TABLE 6464u
#define CONF_POOL4_ADDRS 256 /* distinct pool4 addresses */

struct conf_bib {            /* a static BIB entry */
	uint8_t proto;           /* enum nat64_proto: NAT64_P_TCP/UDP/ICMP */
	struct in6_addr x6;
	uint16_t x_port;         /* ICMP: the query identifier */
	uint32_t t4;             /* host order */
	uint16_t t_port;
};

/*
 * [nat64] (RFC 6146) beyond its role part.  The ranges keep the order the
 * lines gave them; a range that repeats an earlier one exactly is dropped
 * (with a warning when a whole line repeats).
 */
struct conf_nat64 {
	struct nat64_config cfg;   /* keys (cfg.table.key, cfg.pool.key) left zero, log fn NULL: the user fills them */
	struct pool4_range *pool4; /* allocated, conf_free() frees; NULL when pool4_auto */
	unsigned npool4;
	bool pool4_auto;           /* no pool4 line: sixgated takes the
				      host's own address, ports 61001-65535
				      (docs/nat64.md); translate refuses it */
	uint32_t host_mark;        /* host-pool4-mark: fwmark of packets to
				      pool4 ports on the host's addresses */
	uint32_t host_table;       /* host-pool4-table: their routing table */
	struct conf_bib *bib;      /* allocated, conf_free() frees */
	unsigned nbib;
};

/* [dns64] list sizes; the synthesis lists match src/dns64/dns64.h (one
 * prefix slot there is the global pref64's). */
#define CONF_DNS64_LISTEN_MAX 16
#define CONF_DNS64_UPSTREAM_MAX 16
#define CONF_DNS64_CLIENT_MAX 64
#define CONF_DNS64_EXCLUDE_MAX 16
#define CONF_DNS64_MAPOUT_MAX 32
#define CONF_DNS64_PREFIX_MAX 15
#define CONF_DNS64_PATH_MAX 256

/* listen / upstream: an address and a port. */
struct conf_endpoint {
	bool v6;
	uint32_t v4;            /* host order, when !v6 */
	struct in6_addr addr6;  /* when v6 */
	uint16_t port;
};

/* allow-client: an IPv4 or an IPv6 prefix. */
struct conf_netprefix {
	bool v6;
	struct prefix4 p4;
	struct prefix6 p6;
};

/* prefix = IPV6/LEN IPV4/LEN (RFC 6147 §5): A records inside range are
 * synthesised with pref instead of the global pref64. */
struct conf_dns64_prefix {
	struct pref64 pref;
	struct prefix4 range;
};

/*
 * [dns64] (RFC 6147, RFC 7050, RFC 8880), served by sixgated.  Fixed-size
 * lists, so the struct copies by value.  The prefix for everything the
 * prefix lines do not cover is the global pref64 (with pref64 = auto the
 * discovered one); the non-global list and allow-nonglobal-wkp are the
 * global keys.
 */
struct conf_dns64 {
	bool enabled;                 /* the section was present */
	struct conf_endpoint listen[CONF_DNS64_LISTEN_MAX];
	unsigned nlisten;             /* default 127.0.0.1 53, ::1 53 */
	struct conf_endpoint upstream[CONF_DNS64_UPSTREAM_MAX];
	unsigned nupstream;           /* 0: /etc/resolv.conf */
	bool recursion;               /* full recursion from the root */
	bool dnssec;                  /* validate (RFC 4035); needs trust_anchor */
	char trust_anchor[CONF_DNS64_PATH_MAX]; /* "" when not given */
	struct conf_netprefix allow[CONF_DNS64_CLIENT_MAX];
	unsigned nallow;              /* default ::/0 and 0.0.0.0/0 */
	struct prefix6 exclude[CONF_DNS64_EXCLUDE_MAX];
	unsigned nexclude;            /* default ::ffff:0:0/96 (§5.1.4) */
	struct prefix4 mapout[CONF_DNS64_MAPOUT_MAX];
	unsigned nmapout;             /* default DNS64_MAPOUT_DEFAULT */
	struct conf_dns64_prefix prefix[CONF_DNS64_PREFIX_MAX];
	unsigned nprefix;
	uint32_t ttl_cap;             /* §5.1.7, default 600 */
	uint32_t ipv4only_ttl;        /* RFC 7050 §4, default 3600 */
	bool ptr;                     /* §5.3.1 CNAME into in-addr.arpa */
	uint32_t cache_size;          /* entries, 0 = no cache */
	uint32_t upstream_timeout;    /* seconds (§5.1.3) */
	uint32_t tcp_idle_timeout;    /* seconds */
	uint32_t tcp_max_clients;
};

/* io: how workers read and write their TUN queue.  auto takes io_uring
 * when the kernel allows it and read()/write() otherwise. */
enum conf_io { CONF_IO_AUTO = 0, CONF_IO_URING = 1, CONF_IO_SYSCALLS = 2 };
#define CONF_BUSY_POLL_MAX 10000        /* µs */

struct sixgate_conf {
	/* Global keys. */
	struct pref64 pref64; /* default 64:ff9b::/96; len 0 when auto */
	bool pref64_auto;     /* pref64 = auto: RFC 7050 / RFC 8781 */
	bool allow_nonglobal_wkp;
	bool allow_nonglobal_wkp_icmp;
	struct prefix4 nonglobal[XLAT_NONGLOBAL_MAX]; /* RFC 6052 §3.1 */
	unsigned nnonglobal;
	unsigned workers;               /* 1-64; 0 = one per online CPU */
	char user[CONF_USER_MAX];       /* default "sixgate"; "root": no drop */
	char control_socket[CONF_PATH_MAX]; /* default /run/sixgate/control */
	bool log_packets;               /* per-packet logs, rate-limited */
	bool offloads;                  /* TUN GSO/checksum offloads, default
					   on (issue 7) */
	bool pin_workers;               /* worker i on CPU i mod n */
	enum conf_io io;                /* worker TUN I/O (issue 7) */
	uint32_t busy_poll;             /* µs a worker polls before it
					   sleeps, 0 = never (issue 7) */
	uint32_t icmp_error_rate;       /* per second per worker, 0 = no limit */

	struct conf_role siit;
	struct conf_role clat;
	/* [nat64]: nat64.ctx has an empty EAM table, udp_zero compute
	 * (RFC 6146 §3.4); nat64s holds the stateful part. */
	struct conf_role nat64;
	struct conf_nat64 nat64s;
	struct conf_dns64 dns64;
};

/* Receives one "file:line: warning: ..." line (no newline). */
typedef void conf_warn_fn(void *arg, const char *msg);

/*
 * Parse len bytes of text (any bytes: NUL, no final newline...) into *c.
 * name is used in messages.  Returns 0, or -EINVAL (syntax or value) /
 * -ENOMEM with "name:line: reason" in err; on error *c holds nothing that
 * needs conf_free().  Warnings go to stderr.
 */
int conf_parse_buf(const char *name, const char *text, size_t len,
		   struct sixgate_conf *c, char *err, size_t errlen);

/* Same, with warnings handed to warn(arg, msg); warn may be NULL to drop
 * them. */
int conf_parse_buf_warn(const char *name, const char *text, size_t len,
			struct sixgate_conf *c, char *err, size_t errlen,
			conf_warn_fn *warn, void *arg);

/* Read path and parse it; an unreadable file is "path: strerror" and the
 * negative errno. */
int conf_parse_file(const char *path, struct sixgate_conf *c, char *err,
		    size_t errlen);

/* Release what a successful parse allocated; safe on a zeroed struct. */
void conf_free(struct sixgate_conf *c);

/* Print every key with its effective value, in a form conf_parse_buf()
 * reads back to an equal struct.  0 or -EIO. */
int conf_print(FILE *f, const struct sixgate_conf *c);

/* The [siit] ipv6-address default: pool6 + ipv4-address, or :: while
 * there is no pool6 (pref64 = auto before discovery). */
void conf_self6_default(struct xlat_ctx *x);

/* The [clat] role's own EAM row (RFC 6877 §6.3 / RFC 7757): host mode
 * ipv4-address/32 <-> ipv6-address/128, router mode ipv4-prefix <->
 * ipv6-prefix. */
void conf_clat_row(const struct conf_role *r, struct eam_entry *e);

/* Do a and b configure the same behaviour?  (EAM rows, pool4 ranges and
 * static BIB entries compared in order.) */
bool conf_equal(const struct sixgate_conf *a, const struct sixgate_conf *b);

/* An endpoint as "ADDRESS<sep>PORT" ("192.0.2.53 53", "2001:db8::53@53"):
 * sep is what the consumer wants between the two.  Returns buf. */
#define CONF_ENDPOINT_STRLEN (46 + 8)
const char *conf_endpoint_str(const struct conf_endpoint *e, char sep,
			      char *buf, size_t n);

#endif
