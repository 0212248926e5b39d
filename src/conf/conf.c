/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgate.conf parser: text -> struct sixgate_conf -> validate -> apply.
 *
 * Values checked here on behalf of the RFCs:
 *   RFC 6052 §2.2  prefix lengths and the u-octet (addr_pref64_check())
 *   RFC 6052 §3.1  the non-global IPv4 list; a WKP pool6 is warned about
 *   RFC 8215 §5    64:ff9b::/47 is an aggregate, not a translation prefix
 *   RFC 7757 §3.2  EAM suffix rule; §5 duplicates refused, overlaps warned
 *   RFC 6791 §3.1  the ICMPv6 error source pool; private space warned
 *   RFC 7915 §4.1  lowest IPv6 MTU (1280 floor), §4.5 UDP zero checksum
 *   RFC 1191 §7    MTU plateaus
 *   RFC 6146       [nat64]: §3.1 static BIB entries, §3.5 pool6 and the BIB,
 *                  §3.5.4 prefix length <= 96, §3.4 UDP zero checksum fixed;
 *                  the RFC 6146 §3.4 / §3.5.1 / §3.5.2.2, RFC 5382 REQ-4/5
 *                  and RFC 5508 REQ-2 timeout floors (nat64_timeouts.h)
 *   RFC 6888       per-subscriber limits, port hold (REQ-4, REQ-5, REQ-8)
 *   RFC 6147       [dns64]: §5 per-range prefixes, §5.1.4 exclusions,
 *                  §5.1.7 TTL cap, §5.2 prefix rules (addr_pref64_check());
 *                  RFC 7050 §4 ipv4only.arpa TTL
 *
 * The whole input is copied once and cut into lines in place, so there is no
 * line-length limit and nothing is truncated: a NUL byte or a stray control
 * character is an error, never a silent end of line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "dns64/dns64.h" /* defaults and list sizes only: no link */

/* A config file is a few kilobytes; anything this big is a mistake. */
#define CONF_MAX_FILE (16u << 20)
/* Quoted user text is cut in messages so one line stays one line. */
#define CONF_QUOTE "%.80s"
/* Rows of conf_keys[]. */
#define CONF_KEYS_MAX 128
/* Static BIB entries in the file; more belong in `sixgatectl bib add`.  Also
 * keeps the duplicate check (quadratic) cheap on hostile input. */
#define CONF_BIB_MAX 4096

enum conf_section {
	CONF_SECT_GLOBAL,
	CONF_SECT_SIIT,
	CONF_SECT_CLAT,
	CONF_SECT_NAT64,
	CONF_SECT_DNS64,
};

static const char *const conf_section_names[] = {
	[CONF_SECT_GLOBAL] = "global",
	[CONF_SECT_SIIT] = "siit",
	[CONF_SECT_CLAT] = "clat",
	[CONF_SECT_NAT64] = "nat64",
	[CONF_SECT_DNS64] = "dns64",
};

struct conf_parser {
	const char *name;
	unsigned line;
	struct sixgate_conf *c;
	char *err;
	size_t errlen;
	conf_warn_fn *warn;
	void *warn_arg;

	enum conf_section sect;
	/* Per section: the line conf_keys[i] was given on there, 0 if it was
	 * not (lines count from 1). */
	unsigned line_sect[CONF_SECT_DNS64 + 1][CONF_KEYS_MAX];
	bool nonglobal_given;     /* first wkp-nonglobal clears the default */
	unsigned sect_line[CONF_SECT_DNS64 + 1]; /* where [x] was opened */
	/* [dns64] lists whose first line replaces the default. */
	bool listen_given, allow_given, exclude_given, mapout_given;
	unsigned *bib_line;       /* line of each nat64s.bib row */
	unsigned bib_cap;         /* rows allocated in both arrays */
};

#define CONF_S(x) (1u << (x))

/* A key may be valid in several sections (the core keys in [siit] and
 * [clat]); a name may also appear twice with different meanings
 * (ipv4-address).  Each row has its own seen bit, so a key may be given
 * once per section. */
struct conf_key {
	unsigned sects; /* CONF_S() of the sections that accept it */
	const char *name;
	bool repeatable;
	int (*set)(struct conf_parser *p, const char *key, char *val);
};

/* ---- messages ---------------------------------------------------------- */

__attribute__((format(printf, 2, 3)))
static int conf_err(struct conf_parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->errlen == 0)
		return -EINVAL;
	n = snprintf(p->err, p->errlen, "%s:%u: ", p->name, p->line);
	if (n < 0 || (size_t)n >= p->errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

__attribute__((format(printf, 3, 4)))
static void conf_warn_at(struct conf_parser *p, unsigned line,
			 const char *fmt, ...)
{
	char *msg = NULL, *full = NULL;
	va_list ap;
	int n;

	if (!p->warn)
		return;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (asprintf(&full, "%s:%u: warning: %s", p->name, line, msg) >= 0)
		p->warn(p->warn_arg, full);
	free(full);
	free(msg);
}

static void conf_warn_stderr(void *arg, const char *msg)
{
	fprintf(stderr, "%s\n", msg);
}

/* The role section sect configures, or NULL for the others. */
static struct conf_role *conf_sect_role(struct sixgate_conf *c,
					enum conf_section sect)
{
	switch (sect) {
	case CONF_SECT_SIIT:
		return &c->siit;
	case CONF_SECT_CLAT:
		return &c->clat;
	case CONF_SECT_NAT64:
		return &c->nat64;
	default:
		return NULL;
	}
}

/* The role the current section configures; the core keys are shared. */
static struct conf_role *conf_role(struct conf_parser *p)
{
	struct conf_role *r = conf_sect_role(p->c, p->sect);

	return r ? r : &p->c->siit;
}

static struct xlat_ctx *conf_ctx(struct conf_parser *p)
{
	return &conf_role(p)->ctx;
}

/* ---- value readers ----------------------------------------------------- */

static int conf_get_bool(struct conf_parser *p, const char *key,
			 const char *val, bool *out)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(val, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(val, no[i]) == 0)
			return *out = false, 0;
	}
	return conf_err(p, "%s: '" CONF_QUOTE "' is not a boolean "
			"(yes/no, on/off, true/false, 1/0)", key, val);
}

/* Decimal only: a config that says 0x500 or +1280 is more likely a typo. */
static int conf_get_uint(struct conf_parser *p, const char *key,
			 const char *val, uint32_t min, uint32_t max,
			 uint32_t *out)
{
	uint64_t v = 0;
	const char *s;

	for (s = val; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			break;
	}
	if (s == val || (*s && v <= UINT32_MAX))
		return conf_err(p, "%s: '" CONF_QUOTE "' is not a number",
				key, val);
	if (v < min || v > max)
		return conf_err(p, "%s: " CONF_QUOTE " is out of range "
				"(%u-%u)", key, val, min, max);
	*out = (uint32_t)v;
	return 0;
}

static int conf_get_addr4(struct conf_parser *p, const char *key,
			  const char *val, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, val, &a) != 1)
		return conf_err(p, "%s: '" CONF_QUOTE "' is not an IPv4 "
				"address", key, val);
	*out = ntohl(a.s_addr);
	return 0;
}

static uint32_t conf_mask4(unsigned len)
{
	return len == 0 ? 0 : UINT32_MAX << (32 - len);
}

static int conf_get_prefix4(struct conf_parser *p, const char *key,
			    const char *val, struct prefix4 *out)
{
	uint32_t a;
	unsigned len;

	if (addr_parse4_prefix(val, &a, &len) < 0 || len > 32)
		return conf_err(p, "%s: '" CONF_QUOTE "' is not an IPv4 "
				"prefix", key, val);
	if (a & ~conf_mask4(len))
		return conf_err(p, "%s: " CONF_QUOTE " has bits set past "
				"/%u", key, val, len);
	out->addr = a;
	out->len = (uint8_t)len;
	return 0;
}

/* A translation prefix: syntax here, RFC 6052 §2.2 / RFC 8215 §5 in the
 * core's addr_pref64_check() so the daemon and this parser agree. */
static int conf_get_pref64(struct conf_parser *p, const char *key,
			   const char *val, struct pref64 *out)
{
	struct pref64 pf = { 0 };
	const char *why = "invalid";
	unsigned len;

	if (addr_parse6_prefix(val, &pf.prefix, &len, true) < 0 || len > 128)
		return conf_err(p, "%s: '" CONF_QUOTE "' is not an IPv6 "
				"prefix (ADDRESS/LENGTH)", key, val);
	pf.len = (uint8_t)len;
	if (addr_pref64_check(&pf, &why) < 0)
		return conf_err(p, "%s: " CONF_QUOTE ": %s", key, val, why);
	*out = pf;
	return 0;
}

/* "copy" or a fixed 0-255 value, for traffic-class and tos. */
static int conf_get_tos(struct conf_parser *p, const char *key,
			const char *val, enum xlat_tos_mode *mode,
			uint8_t *value)
{
	uint32_t v;
	int err;

	if (strcasecmp(val, "copy") == 0) {
		*mode = XLAT_TOS_COPY;
		*value = 0;
		return 0;
	}
	err = conf_get_uint(p, key, val, 0, 255, &v);
	if (err)
		return conf_err(p, "%s: '" CONF_QUOTE "' is neither 'copy' "
				"nor 0-255", key, val);
	*mode = XLAT_TOS_FIXED;
	*value = (uint8_t)v;
	return 0;
}

/* ---- global keys ------------------------------------------------------- */

/* auto: RFC 7050 / RFC 8781 discovery at run time; nothing is translated
 * through RFC 6052 until a prefix is known. */
static int conf_set_pref64(struct conf_parser *p, const char *key, char *val)
{
	if (strcasecmp(val, "auto") == 0) {
		p->c->pref64_auto = true;
		memset(&p->c->pref64, 0, sizeof(p->c->pref64));
		return 0;
	}
	p->c->pref64_auto = false;
	return conf_get_pref64(p, key, val, &p->c->pref64);
}

static int conf_set_workers(struct conf_parser *p, const char *key, char *val)
{
	if (strcasecmp(val, "auto") == 0)
		return p->c->workers = 0, 0;
	return conf_get_uint(p, key, val, 1, 64, &p->c->workers);
}

/* POSIX portable user names; anything else is more likely a typo. */
static int conf_set_user(struct conf_parser *p, const char *key, char *val)
{
	size_t n = strlen(val);

	if (n >= CONF_USER_MAX || val[0] == '-' ||
	    strspn(val, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789._-") != n)
		return conf_err(p, "%s: '" CONF_QUOTE "' is not a user name",
				key, val);
	memcpy(p->c->user, val, n + 1);
	return 0;
}

static int conf_set_control(struct conf_parser *p, const char *key,
			    char *val)
{
	size_t n = strlen(val);

	if (val[0] != '/')
		return conf_err(p, "%s: '" CONF_QUOTE "' is not an absolute "
				"path", key, val);
	if (n >= CONF_PATH_MAX)
		return conf_err(p, "%s: longer than %d bytes", key,
				CONF_PATH_MAX - 1);
	memcpy(p->c->control_socket, val, n + 1);
	return 0;
}

static int conf_set_log_packets(struct conf_parser *p, const char *key,
				char *val)
{
	return conf_get_bool(p, key, val, &p->c->log_packets);
}

static int conf_set_offloads(struct conf_parser *p, const char *key,
			     char *val)
{
	return conf_get_bool(p, key, val, &p->c->offloads);
}

static int conf_set_pin_workers(struct conf_parser *p, const char *key,
				char *val)
{
	return conf_get_bool(p, key, val, &p->c->pin_workers);
}

/* io and busy-poll (issue 7): how workers use their TUN queue. */
static const char *const conf_io_names[] = {
	[CONF_IO_AUTO] = "auto",
	[CONF_IO_URING] = "uring",
	[CONF_IO_SYSCALLS] = "syscalls",
};

static int conf_set_io(struct conf_parser *p, const char *key, char *val)
{
	for (size_t i = 0; i < sizeof(conf_io_names) / sizeof(conf_io_names[0]);
	     i++) {
		if (strcasecmp(val, conf_io_names[i]) == 0) {
			p->c->io = (enum conf_io)i;
			return 0;
		}
	}
	return conf_err(p, "%s: '" CONF_QUOTE "' is not auto, uring or "
			"syscalls", key, val);
}

static int conf_set_busy_poll(struct conf_parser *p, const char *key,
			      char *val)
{
	return conf_get_uint(p, key, val, 0, CONF_BUSY_POLL_MAX,
			     &p->c->busy_poll);
}

static int conf_set_icmp_rate(struct conf_parser *p, const char *key,
			      char *val)
{
	return conf_get_uint(p, key, val, 0, 1000000, &p->c->icmp_error_rate);
}

static int conf_set_allow_wkp(struct conf_parser *p, const char *key,
			      char *val)
{
	return conf_get_bool(p, key, val, &p->c->allow_nonglobal_wkp);
}

static int conf_set_allow_wkp_icmp(struct conf_parser *p, const char *key,
				   char *val)
{
	return conf_get_bool(p, key, val, &p->c->allow_nonglobal_wkp_icmp);
}

static int conf_set_wkp_nonglobal(struct conf_parser *p, const char *key,
				  char *val)
{
	struct sixgate_conf *c = p->c;
	struct prefix4 pf;
	int err;

	err = conf_get_prefix4(p, key, val, &pf);
	if (err)
		return err;
	if (!p->nonglobal_given) {
		c->nnonglobal = 0;
		p->nonglobal_given = true;
	}
	if (c->nnonglobal >= XLAT_NONGLOBAL_MAX)
		return conf_err(p, "%s: more than %d prefixes", key,
				XLAT_NONGLOBAL_MAX);
	c->nonglobal[c->nnonglobal++] = pf;
	return 0;
}

/* ---- [siit] keys ------------------------------------------------------- */

static int conf_set_pool6(struct conf_parser *p, const char *key, char *val)
{
	conf_role(p)->pool6_set = true;
	return conf_get_pref64(p, key, val, &conf_ctx(p)->pool6);
}

/* RFC 6052 §3.1 says the WKP SHOULD NOT stand for IPv4-translatable
 * addresses; an EAM row inside it is exactly that. */
static void conf_eam_warn_wkp(struct conf_parser *p,
			      const struct eam_entry *e)
{
	struct in6_addr wkp = { .s6_addr = { 0x00, 0x64, 0xff, 0x9b } };

	if (e->len6 >= 96 && addr6_match(&e->v6, &wkp, 96))
		conf_warn_at(p, p->line, "eam: IPv6 side is inside the "
			     "well-known prefix 64:ff9b::/96 (RFC 6052 §3.1)");
}

static int conf_eam_parse(struct conf_parser *p, char *val,
			  struct eam_entry *e)
{
	char *save = NULL, *s4, *s6, *extra;
	unsigned len4, len6;

	s4 = strtok_r(val, " \t", &save);
	s6 = strtok_r(NULL, " \t", &save);
	extra = strtok_r(NULL, " \t", &save);
	if (!s4 || !s6 || extra)
		return conf_err(p, "eam: expected 'IPV4[/LEN] IPV6[/LEN]'");
	if (addr_parse4_prefix(s4, &e->v4, &len4) < 0 || len4 > 32)
		return conf_err(p, "eam: '" CONF_QUOTE "' is not an IPv4 "
				"prefix", s4);
	if (addr_parse6_prefix(s6, &e->v6, &len6, false) < 0 || len6 > 128)
		return conf_err(p, "eam: '" CONF_QUOTE "' is not an IPv6 "
				"prefix", s6);
	/* RFC 7757 §3.1: a bare address is a /32 or /128 row. */
	e->len4 = (uint8_t)len4;
	e->len6 = strchr(s6, '/') ? (uint8_t)len6 : 128;
	return 0;
}

static int conf_eam_refused(struct conf_parser *p, const struct eam_entry *e,
			    int err)
{
	if (err == -EEXIST)
		return conf_err(p, "eam: RFC 7757 §5: one side of this row is "
				"already in the table");
	if (err == -ENOMEM)
		return conf_err(p, "eam: out of memory"), -ENOMEM;
	if (32 - e->len4 > 128 - e->len6)
		return conf_err(p, "eam: RFC 7757 §3.2: IPv4 suffix (%u bits) "
				"is longer than IPv6 suffix (%u bits)",
				32 - e->len4, 128 - e->len6);
	return conf_err(p, "eam: bits set past a prefix length");
}

static int conf_set_eam(struct conf_parser *p, const char *key, char *val)
{
	struct eam_entry e;
	bool overlap = false;
	int err;

	memset(&e, 0, sizeof(e));
	err = conf_eam_parse(p, val, &e);
	if (err)
		return err;
	err = eam_add(conf_role(p)->eam, &e, &overlap);
	if (err)
		return conf_eam_refused(p, &e, err);
	if (overlap)
		conf_warn_at(p, p->line, "eam: RFC 7757 §5: row overlaps an "
			     "earlier row; the longest match wins");
	conf_eam_warn_wkp(p, &e);
	return 0;
}

/* RFC 6791 §3.1: uRPF filters are likely to drop errors sourced from
 * RFC 1918 or RFC 6598 space, so such a pool defeats its purpose. */
static void conf_pool6791_warn_private(struct conf_parser *p, uint32_t a,
				       const char *val)
{
	static const struct prefix4 private[] = {
		{ 0x0a000000, 8 },  /* 10/8, RFC 1918 */
		{ 0xac100000, 12 }, /* 172.16/12, RFC 1918 */
		{ 0xc0a80000, 16 }, /* 192.168/16, RFC 1918 */
		{ 0x64400000, 10 }, /* 100.64/10, RFC 6598 */
	};

	for (size_t i = 0; i < sizeof(private) / sizeof(private[0]); i++)
		if (addr4_match(a, private[i].addr, private[i].len))
			conf_warn_at(p, p->line, "pool6791: " CONF_QUOTE " is "
				     "RFC 1918/6598 space; errors from it are "
				     "likely dropped by uRPF (RFC 6791 §3.1)",
				     val);
}

static int conf_set_pool6791(struct conf_parser *p, const char *key,
			     char *val)
{
	struct xlat_ctx *x = conf_ctx(p);
	uint32_t a = 0;
	int err;

	err = conf_get_addr4(p, key, val, &a);
	if (err)
		return err;
	for (unsigned i = 0; i < x->npool6791; i++)
		if (x->pool6791[i] == a)
			return conf_err(p, "%s: " CONF_QUOTE " listed twice",
					key, val);
	if (x->npool6791 >= XLAT_POOL6791_MAX)
		return conf_err(p, "%s: more than %d addresses", key,
				XLAT_POOL6791_MAX);
	x->pool6791[x->npool6791++] = a;
	conf_pool6791_warn_private(p, a, val);
	return 0;
}

static int conf_set_untrans(struct conf_parser *p, const char *key, char *val)
{
	static const char *const names[] = {
		[XLAT_UNTRANS_AUTO] = "auto",
		[XLAT_UNTRANS_POOL] = "pool",
		[XLAT_UNTRANS_DUMMY] = "dummy",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(val, names[i]) == 0) {
			conf_ctx(p)->untrans_src = (enum xlat_untrans_src)i;
			return 0;
		}
	}
	return conf_err(p, "%s: '" CONF_QUOTE "' is not auto, pool or dummy",
			key, val);
}

static int conf_set_lowest_mtu(struct conf_parser *p, const char *key,
			       char *val)
{
	return conf_get_uint(p, key, val, 1280, 65535,
			     &conf_ctx(p)->lowest_ipv6_mtu);
}

static int conf_set_ipv4_mtu(struct conf_parser *p, const char *key,
			     char *val)
{
	return conf_get_uint(p, key, val, 68, 65535, &conf_ctx(p)->ipv4_mtu);
}

static int conf_set_ipv6_mtu(struct conf_parser *p, const char *key,
			     char *val)
{
	return conf_get_uint(p, key, val, 1280, 65535,
			     &conf_ctx(p)->ipv6_mtu);
}

/* RFC 1191 §7: the table is searched top down, so it must descend. */
static int conf_set_plateaus(struct conf_parser *p, const char *key,
			     char *val)
{
	uint16_t tab[XLAT_PLATEAUS_MAX];
	struct xlat_ctx *x = conf_ctx(p);
	char *save = NULL, *tok;
	unsigned n = 0;
	uint32_t v;
	int err;

	for (tok = strtok_r(val, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (n >= XLAT_PLATEAUS_MAX)
			return conf_err(p, "%s: more than %d values", key,
					XLAT_PLATEAUS_MAX);
		err = conf_get_uint(p, key, tok, 68, 65535, &v);
		if (err)
			return err;
		if (n > 0 && v >= tab[n - 1])
			return conf_err(p, "%s: %u does not descend from %u",
					key, v, tab[n - 1]);
		tab[n++] = (uint16_t)v;
	}
	memcpy(x->plateaus, tab, n * sizeof(tab[0]));
	x->nplateaus = n;
	return 0;
}

static int conf_set_udp_zero(struct conf_parser *p, const char *key,
			     char *val)
{
	struct xlat_ctx *x = conf_ctx(p);

	if (strcasecmp(val, "compute") == 0)
		x->udp_zero = XLAT_UDP_ZERO_COMPUTE;
	else if (strcasecmp(val, "drop") == 0)
		x->udp_zero = XLAT_UDP_ZERO_DROP;
	else
		return conf_err(p, "%s: '" CONF_QUOTE "' is not compute or "
				"drop", key, val);
	return 0;
}

static int conf_set_tc(struct conf_parser *p, const char *key, char *val)
{
	struct xlat_ctx *x = conf_ctx(p);

	return conf_get_tos(p, key, val, &x->tc_mode, &x->tc_value);
}

static int conf_set_tos(struct conf_parser *p, const char *key, char *val)
{
	struct xlat_ctx *x = conf_ctx(p);

	return conf_get_tos(p, key, val, &x->tos_mode, &x->tos_value);
}

static int conf_set_icmp_errors(struct conf_parser *p, const char *key,
				char *val)
{
	return conf_get_bool(p, key, val, &conf_ctx(p)->icmp_errors);
}

static int conf_set_source_object(struct conf_parser *p, const char *key,
				  char *val)
{
	return conf_get_bool(p, key, val, &conf_ctx(p)->icmp_source_object);
}

static int conf_set_hairpin(struct conf_parser *p, const char *key, char *val)
{
	return conf_get_bool(p, key, val, &conf_ctx(p)->eam_hairpin);
}

static int conf_set_drop_invalid(struct conf_parser *p, const char *key,
				 char *val)
{
	return conf_get_bool(p, key, val, &conf_ctx(p)->drop_invalid_src);
}

static int conf_set_self4(struct conf_parser *p, const char *key, char *val)
{
	return conf_get_addr4(p, key, val, &conf_ctx(p)->self4);
}

static int conf_set_self6(struct conf_parser *p, const char *key, char *val)
{
	if (inet_pton(AF_INET6, val, &conf_ctx(p)->self6) != 1)
		return conf_err(p, "%s: '" CONF_QUOTE "' is not an IPv6 "
				"address", key, val);
	return 0;
}

/* ---- TUN keys of both roles -------------------------------------------- */

static int conf_get_prefix6(struct conf_parser *p, const char *key,
			    const char *val, struct prefix6 *out)
{
	struct in6_addr m;
	unsigned len;

	if (addr_parse6_prefix(val, &out->addr, &len, true) < 0 || len > 128)
		return conf_err(p, "%s: '" CONF_QUOTE "' is not an IPv6 "
				"prefix (ADDRESS/LENGTH)", key, val);
	m = out->addr;
	for (unsigned i = len; i < 128; i++)
		m.s6_addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	if (memcmp(&m, &out->addr, sizeof(m)) != 0)
		return conf_err(p, "%s: " CONF_QUOTE " has bits set past "
				"/%u", key, val, len);
	out->len = (uint8_t)len;
	return 0;
}

/* Interface names as the kernel's dev_valid_name() takes them, minus the
 * characters that would need quoting in this file or in a shell. */
static int conf_set_tun(struct conf_parser *p, const char *key, char *val)
{
	size_t n = strlen(val);

	if (n == 0 || n >= CONF_IFNAMSIZ || strcmp(val, ".") == 0 ||
	    strcmp(val, "..") == 0 ||
	    strspn(val, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		   "0123456789._-") != n)
		return conf_err(p, "%s: '" CONF_QUOTE "' is not an interface "
				"name (1-15 of A-Z a-z 0-9 . _ -)", key, val);
	memcpy(conf_role(p)->tun, val, n + 1);
	return 0;
}

static int conf_set_manage_routes(struct conf_parser *p, const char *key,
				  char *val)
{
	return conf_get_bool(p, key, val, &conf_role(p)->manage_routes);
}

/* The TUN carries IPv6, so RFC 8200 §5's 1280 is the floor. */
static int conf_set_mtu(struct conf_parser *p, const char *key, char *val)
{
	return conf_get_uint(p, key, val, 1280, 65535, &conf_role(p)->mtu);
}

static int conf_set_route4(struct conf_parser *p, const char *key, char *val)
{
	struct conf_role *r = conf_role(p);
	int err;

	if (r->nroutes4 >= CONF_ROUTES_MAX)
		return conf_err(p, "%s: more than %d prefixes", key,
				CONF_ROUTES_MAX);
	err = conf_get_prefix4(p, key, val, &r->routes4[r->nroutes4]);
	if (err == 0)
		r->nroutes4++;
	return err;
}

static int conf_set_route6(struct conf_parser *p, const char *key, char *val)
{
	struct conf_role *r = conf_role(p);
	int err;

	if (r->nroutes6 >= CONF_ROUTES_MAX)
		return conf_err(p, "%s: more than %d prefixes", key,
				CONF_ROUTES_MAX);
	err = conf_get_prefix6(p, key, val, &r->routes6[r->nroutes6]);
	if (err == 0)
		r->nroutes6++;
	return err;
}

/* ---- [clat] keys (RFC 6877) ---------------------------------------------- */

static int conf_set_clat_mode(struct conf_parser *p, const char *key,
			      char *val)
{
	if (strcasecmp(val, "host") == 0)
		p->c->clat.mode = CONF_CLAT_HOST;
	else if (strcasecmp(val, "router") == 0)
		p->c->clat.mode = CONF_CLAT_ROUTER;
	else
		return conf_err(p, "%s: '" CONF_QUOTE "' is not host or "
				"router", key, val);
	return 0;
}

static int conf_set_clat_v4(struct conf_parser *p, const char *key,
			    char *val)
{
	return conf_get_addr4(p, key, val, &p->c->clat.clat_v4);
}

static int conf_set_clat_v6(struct conf_parser *p, const char *key,
			    char *val)
{
	if (inet_pton(AF_INET6, val, &p->c->clat.clat_v6) != 1)
		return conf_err(p, "%s: '" CONF_QUOTE "' is not an IPv6 "
				"address", key, val);
	return 0;
}

static int conf_set_clat_prefix4(struct conf_parser *p, const char *key,
				 char *val)
{
	return conf_get_prefix4(p, key, val, &p->c->clat.clat_prefix4);
}

static int conf_set_clat_prefix6(struct conf_parser *p, const char *key,
				 char *val)
{
	return conf_get_prefix6(p, key, val, &p->c->clat.clat_prefix6);
}

static const char *const conf_v4default_names[] = {
	[CONF_V4DEFAULT_AUTO] = "auto",
	[CONF_V4DEFAULT_YES] = "yes",
	[CONF_V4DEFAULT_NO] = "no",
};

static int conf_set_v4default(struct conf_parser *p, const char *key,
			      char *val)
{
	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(val, conf_v4default_names[i]) == 0) {
			p->c->clat.v4default = (enum conf_v4default)i;
			return 0;
		}
	}
	return conf_err(p, "%s: '" CONF_QUOTE "' is not auto, yes or no",
			key, val);
}

/* ---- [nat64] keys (RFC 6146) ------------------------------------------- */

static struct conf_nat64 *conf_n64(struct conf_parser *p)
{
	return &p->c->nat64s;
}

static const char *const conf_proto_names[] = {
	[NAT64_P_TCP] = "tcp",
	[NAT64_P_UDP] = "udp",
	[NAT64_P_ICMP] = "icmp",
};

_Static_assert((int)NAT64_P_TCP == (int)POOL4_TCP &&
	       (int)NAT64_P_UDP == (int)POOL4_UDP &&
	       (int)NAT64_P_ICMP == (int)POOL4_ICMP,
	       "pool4 and the BIB number protocols alike");

/* tcp, udp or icmp; -1 for anything else. */
static int conf_proto(const char *s)
{
	for (int i = 0; i < NAT64_NPROTO; i++)
		if (strcasecmp(s, conf_proto_names[i]) == 0)
			return i;
	return -1;
}

/* Addresses that can never be a NAT64's IPv4 transport address: 0/8 ("this
 * network", RFC 1122 §3.2.1.3), loopback, multicast, limited broadcast.
 * NULL when a is fine. */
static const char *conf_bad_addr4(uint32_t a)
{
	if (a == UINT32_MAX)
		return "the limited broadcast address";
	if (addr4_match(a, 0, 8))
		return "an address of 0.0.0.0/8 (this network)";
	if (addr4_match(a, 0x7f000000, 8))
		return "a loopback address";
	if (addr4_match(a, 0xe0000000, 4))
		return "a multicast address";
	return NULL;
}

/* One pool4 line before expansion.  proto POOL4_NPROTO means all three;
 * without a range, tcp and udp take 1-65535 and icmp 0-65535. */
struct conf_pool4_line {
	uint32_t addr;
	uint8_t len;
	uint8_t proto;
	bool range_given;
	uint16_t lo, hi;
};

/* The ranges a line stands for: each address of the prefix in ascending
 * order, then tcp, udp, icmp.  out has room for CONF_POOL4_MAX. */
static unsigned conf_pool4_expand(const struct conf_pool4_line *l,
				  struct pool4_range *out)
{
	uint32_t naddr = 1u << (32 - l->len);
	unsigned n = 0;

	for (uint32_t i = 0; i < naddr; i++) {
		for (uint8_t pr = 0; pr < POOL4_NPROTO; pr++) {
			if (l->proto != POOL4_NPROTO && l->proto != pr)
				continue;
			/* Zeroed padding: the daemon memcmp()s ranges to
			 * see whether a reload changes pool4. */
			memset(&out[n], 0, sizeof(out[n]));
			out[n].addr = l->addr + i;
			out[n].proto = pr;
			out[n].lo = l->range_given ? l->lo
						   : pr == POOL4_ICMP ? 0 : 1;
			out[n].hi = l->range_given ? l->hi : 65535;
			n++;
		}
	}
	return n;
}

static int conf_pool4_syntax(struct conf_parser *p)
{
	return conf_err(p, "pool4: expected 'ADDRESS[/LENGTH] "
			"[tcp|udp|icmp|all] [PORT[-PORT]]'");
}

static int conf_pool4_prefix(struct conf_parser *p, const char *s,
			     struct conf_pool4_line *l)
{
	uint32_t a;
	unsigned len;
	const char *why;

	if (addr_parse4_prefix(s, &a, &len) < 0 || len > 32)
		return conf_err(p, "pool4: '" CONF_QUOTE "' is not an IPv4 "
				"address or prefix", s);
	if (len < 24)
		return conf_err(p, "pool4: " CONF_QUOTE " is too large: the "
				"length must be 24-32 (at most %d addresses in "
				"all)", s, CONF_POOL4_ADDRS);
	if (a & ~conf_mask4(len))
		return conf_err(p, "pool4: " CONF_QUOTE " has bits set past "
				"/%u", s, len);
	/* The special blocks are /4 to /8 and the broadcast address is the
	 * last of its /24, so the first and last address tell. */
	why = conf_bad_addr4(a);
	if (!why)
		why = conf_bad_addr4(a | ~conf_mask4(len));
	if (why)
		return conf_err(p, "pool4: " CONF_QUOTE " %s %s", s,
				len == 32 ? "is" : "contains", why);
	l->addr = a;
	l->len = (uint8_t)len;
	return 0;
}

/* PORT or LO-HI, for ranges and for the bib ports. */
static int conf_get_ports(struct conf_parser *p, const char *key, char *s,
			  uint16_t *lo, uint16_t *hi)
{
	char *dash = strchr(s, '-');
	uint32_t a, b;
	int err;

	if (dash)
		*dash = '\0';
	err = conf_get_uint(p, key, s, 0, 65535, &a);
	if (err == 0 && dash)
		err = conf_get_uint(p, key, dash + 1, 0, 65535, &b);
	else
		b = a;
	if (err)
		return err;
	if (a > b)
		return conf_err(p, "%s: port range %u-%u: the first port is "
				"above the last", key, a, b);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static int conf_pool4_parse(struct conf_parser *p, char *val,
			    struct conf_pool4_line *l)
{
	char *save = NULL, *tok[4];
	unsigned n = 0, i = 1;
	int err;

	for (char *t = strtok_r(val, " \t", &save); t && n < 4;
	     t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	if (n == 0 || n > 3)
		return conf_pool4_syntax(p);
	err = conf_pool4_prefix(p, tok[0], l);
	if (err)
		return err;
	l->proto = POOL4_NPROTO;
	if (i < n && strcasecmp(tok[i], "all") == 0)
		i++;
	else if (i < n && conf_proto(tok[i]) >= 0)
		l->proto = (uint8_t)conf_proto(tok[i++]);
	l->range_given = i < n;
	if (i < n && (tok[i][0] < '0' || tok[i][0] > '9'))
		return conf_err(p, "pool4: '" CONF_QUOTE "' is not tcp, udp, "
				"icmp, all or a port range", tok[i]);
	if (i < n && conf_get_ports(p, "pool4", tok[i++], &l->lo, &l->hi))
		return -EINVAL;
	if (i < n)
		return conf_pool4_syntax(p);
	if (l->range_given && l->lo == 0 && l->proto != POOL4_ICMP)
		return conf_err(p, "pool4: port 0 is not usable for tcp and "
				"udp (only icmp identifiers start at 0)");
	return 0;
}

static bool conf_range_eq(const struct pool4_range *a,
			  const struct pool4_range *b)
{
	return a->addr == b->addr && a->proto == b->proto && a->lo == b->lo &&
	       a->hi == b->hi;
}

static bool conf_pool4_has(const struct conf_nat64 *n,
			   const struct pool4_range *r, bool addr_only)
{
	for (unsigned i = 0; i < n->npool4; i++) {
		const struct pool4_range *q = &n->pool4[i];

		if (addr_only ? q->addr == r->addr : conf_range_eq(q, r))
			return true;
	}
	return false;
}

static unsigned conf_pool4_naddrs(const struct conf_nat64 *n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n->npool4; i++) {
		unsigned j;

		for (j = 0; j < i && n->pool4[j].addr != n->pool4[i].addr; j++)
			;
		k += j == i;
	}
	return k;
}

/* Append what the line adds; an exact repeat of a range is left out (pool4
 * would merge it anyway). */
static int conf_pool4_add(struct conf_parser *p, const struct pool4_range *r,
			  unsigned nr, unsigned *added)
{
	struct conf_nat64 *n = conf_n64(p);
	unsigned naddrs = conf_pool4_naddrs(n);

	if (!n->pool4) {
		n->pool4 = calloc(CONF_POOL4_MAX, sizeof(*n->pool4));
		if (!n->pool4)
			return -ENOMEM;
	}
	for (unsigned i = 0; i < nr; i++) {
		if (conf_pool4_has(n, &r[i], false))
			continue;
		if (!conf_pool4_has(n, &r[i], true) &&
		    ++naddrs > CONF_POOL4_ADDRS)
			return conf_err(p, "pool4: more than %d distinct "
					"addresses", CONF_POOL4_ADDRS);
		if (n->npool4 >= CONF_POOL4_MAX)
			return conf_err(p, "pool4: more than %d ranges (one "
					"per address and protocol)",
					CONF_POOL4_MAX);
		n->pool4[n->npool4++] = r[i];
		(*added)++;
	}
	return 0;
}

static int conf_set_pool4(struct conf_parser *p, const char *key, char *val)
{
	struct pool4_range r[CONF_POOL4_MAX];
	struct conf_pool4_line l;
	unsigned nr, added = 0;
	int err;

	memset(&l, 0, sizeof(l));
	err = conf_pool4_parse(p, val, &l);
	if (err)
		return err;
	nr = conf_pool4_expand(&l, r);
	err = conf_pool4_add(p, r, nr, &added);
	if (err)
		return err;
	conf_n64(p)->pool4_auto = false;
	if (added == 0)
		conf_warn_at(p, p->line, "pool4: every range of this line is "
			     "already configured");
	return 0;
}

static int conf_bib_syntax(struct conf_parser *p)
{
	return conf_err(p, "bib: expected 'tcp|udp|icmp IPV6 PORT IPV4 "
			"PORT'");
}

static int conf_bib_port(struct conf_parser *p, char *s, uint8_t proto,
			 uint16_t *port)
{
	uint32_t v;
	int err;

	err = conf_get_uint(p, "bib", s, 0, 65535, &v);
	if (err)
		return err;
	if (v == 0 && proto != NAT64_P_ICMP)
		return conf_err(p, "bib: port 0 is not usable for tcp and udp");
	*port = (uint16_t)v;
	return 0;
}

static int conf_bib_addr6(struct conf_parser *p, const char *s,
			  struct in6_addr *a)
{
	if (inet_pton(AF_INET6, s, a) != 1)
		return conf_err(p, "bib: '" CONF_QUOTE "' is not an IPv6 "
				"address", s);
	if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_LOOPBACK(a) ||
	    IN6_IS_ADDR_MULTICAST(a))
		return conf_err(p, "bib: " CONF_QUOTE " is not a unicast "
				"IPv6 address", s);
	return 0;
}

static int conf_bib_parse(struct conf_parser *p, char *val,
			  struct conf_bib *b)
{
	char *save = NULL, *tok[6];
	const char *why;
	unsigned n = 0;
	int proto;

	for (char *t = strtok_r(val, " \t", &save); t && n < 6;
	     t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	if (n != 5)
		return conf_bib_syntax(p);
	proto = conf_proto(tok[0]);
	if (proto < 0)
		return conf_err(p, "bib: '" CONF_QUOTE "' is not tcp, udp or "
				"icmp", tok[0]);
	b->proto = (uint8_t)proto;
	if (conf_bib_addr6(p, tok[1], &b->x6) ||
	    conf_bib_port(p, tok[2], b->proto, &b->x_port) ||
	    conf_get_addr4(p, "bib", tok[3], &b->t4) ||
	    conf_bib_port(p, tok[4], b->proto, &b->t_port))
		return -EINVAL;
	why = conf_bad_addr4(b->t4);
	if (why)
		return conf_err(p, "bib: " CONF_QUOTE " is %s", tok[3], why);
	return 0;
}

/* RFC 6146 §3.1: each BIB maps (X',x) <-> (T,t) one to one. */
static int conf_bib_dup(struct conf_parser *p, const struct conf_bib *b)
{
	const struct conf_nat64 *n = conf_n64(p);
	char s[INET6_ADDRSTRLEN];

	for (unsigned i = 0; i < n->nbib; i++) {
		const struct conf_bib *q = &n->bib[i];
		struct in_addr in = { .s_addr = htonl(b->t4) };

		if (q->proto != b->proto)
			continue;
		if (q->x_port == b->x_port &&
		    memcmp(&q->x6, &b->x6, sizeof(b->x6)) == 0) {
			inet_ntop(AF_INET6, &b->x6, s, sizeof(s));
			return conf_err(p, "bib: RFC 6146 §3.1: %s %s port %u "
					"is already mapped on line %u",
					conf_proto_names[b->proto], s,
					b->x_port, p->bib_line[i]);
		}
		if (q->t4 == b->t4 && q->t_port == b->t_port) {
			inet_ntop(AF_INET, &in, s, sizeof(s));
			return conf_err(p, "bib: RFC 6146 §3.1: %s %s port %u "
					"is already mapped on line %u",
					conf_proto_names[b->proto], s,
					b->t_port, p->bib_line[i]);
		}
	}
	return 0;
}

/* Grow the rows and their line numbers together. */
static int conf_bib_grow(struct conf_parser *p)
{
	struct conf_nat64 *n = conf_n64(p);
	unsigned cap = p->bib_cap ? p->bib_cap * 2 : 16;
	struct conf_bib *nb;
	unsigned *nl;

	nb = realloc(n->bib, cap * sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	n->bib = nb;
	nl = realloc(p->bib_line, cap * sizeof(*nl));
	if (!nl)
		return -ENOMEM;
	p->bib_line = nl;
	p->bib_cap = cap;
	return 0;
}

static int conf_set_bib(struct conf_parser *p, const char *key, char *val)
{
	struct conf_nat64 *n = conf_n64(p);
	struct conf_bib b;
	int err;

	memset(&b, 0, sizeof(b));
	err = conf_bib_parse(p, val, &b);
	if (err == 0)
		err = conf_bib_dup(p, &b);
	if (err)
		return err;
	if (n->nbib >= CONF_BIB_MAX)
		return conf_err(p, "bib: more than %d entries (add more with "
				"sixgatectl)", CONF_BIB_MAX);
	if (n->nbib == p->bib_cap) {
		err = conf_bib_grow(p);
		if (err)
			return err;
	}
	p->bib_line[n->nbib] = p->line;
	n->bib[n->nbib++] = b;
	return 0;
}

/* A key with exactly two spellings: out = (val is yes_name). */
static int conf_get_pair(struct conf_parser *p, const char *key,
			 const char *val, const char *no_name,
			 const char *yes_name, bool *out)
{
	if (strcasecmp(val, no_name) == 0)
		return *out = false, 0;
	if (strcasecmp(val, yes_name) == 0)
		return *out = true, 0;
	return conf_err(p, "%s: '" CONF_QUOTE "' is not %s or %s", key, val,
			no_name, yes_name);
}

static int conf_set_filtering(struct conf_parser *p, const char *key,
			      char *val)
{
	return conf_get_pair(p, key, val, "endpoint-independent",
			     "address-dependent", &conf_n64(p)->cfg.adf);
}

static int conf_set_drop_inbound_tcp(struct conf_parser *p, const char *key,
				     char *val)
{
	return conf_get_bool(p, key, val, &conf_n64(p)->cfg.drop_inbound_tcp);
}

static int conf_set_router_src(struct conf_parser *p, const char *key,
			       char *val)
{
	return conf_get_pair(p, key, val, "pool4", "dummy",
			     &conf_n64(p)->cfg.router_src_dummy);
}

/* The timeout keys, with the floor nat64_timeouts_validate() applies and
 * the requirement it comes from. */
struct conf_timeout {
	const char *key;
	const char *field; /* as nat64_timeouts_validate() names it */
	size_t off;
	uint32_t min;
	const char *rfc;
};

#define CONF_TO(k, f, m, r) \
	{ k, #f, offsetof(struct nat64_timeouts, f), m, r }
static const struct conf_timeout conf_timeouts[] = {
	CONF_TO("udp-timeout", udp, NAT64_TO_UDP_MIN, "RFC 6146 §3.5.1"),
	CONF_TO("tcp-est-timeout", tcp_est, NAT64_TO_TCP_EST,
		"RFC 6146 §3.5.2.2"),
	CONF_TO("tcp-trans-timeout", tcp_trans, NAT64_TO_TCP_TRANS,
		"RFC 5382 REQ-5"),
	CONF_TO("tcp-trans-open-timeout", tcp_trans_open, NAT64_TO_TCP_TRANS,
		"RFC 5382 REQ-5"),
	CONF_TO("tcp-incoming-syn-timeout", tcp_incoming_syn,
		NAT64_TO_TCP_INCOMING_SYN, "RFC 5382 REQ-4"),
	CONF_TO("icmp-timeout", icmp, NAT64_TO_ICMP_DEFAULT, "RFC 5508 REQ-2"),
	CONF_TO("fragment-timeout", fragment, NAT64_TO_FRAGMENT_MIN,
		"RFC 6146 §3.4"),
};
#undef CONF_TO
#define CONF_NTIMEOUTS (sizeof(conf_timeouts) / sizeof(conf_timeouts[0]))

static uint32_t *conf_timeout_ptr(struct nat64_timeouts *t,
				  const struct conf_timeout *k)
{
	return (uint32_t *)((char *)t + k->off);
}

static int conf_set_timeout(struct conf_parser *p, const char *key,
			    char *val)
{
	struct nat64_timeouts *t = &conf_n64(p)->cfg.to;
	const struct conf_timeout *k = NULL;
	const char *field = NULL;
	uint32_t v;
	int err;

	for (size_t i = 0; i < CONF_NTIMEOUTS && !k; i++)
		if (strcmp(conf_timeouts[i].key, key) == 0)
			k = &conf_timeouts[i];
	if (!k)
		return conf_err(p, "%s: not a timeout", key);
	err = conf_get_uint(p, key, val, 0, UINT32_MAX, &v);
	if (err)
		return err;
	*conf_timeout_ptr(t, k) = v;
	/* The other values are defaults or already checked, so only this
	 * one can fail. */
	err = nat64_timeouts_validate(t, &field);
	if (err == -EINVAL)
		return conf_err(p, "%s: %u is below the %s minimum of %u", key,
				v, k->rfc, k->min);
	if (err)
		return conf_err(p, "%s: %u is above the maximum of %u (30 "
				"days)", key, v, NAT64_TO_MAX);
	return 0;
}

static int conf_set_max_sessions(struct conf_parser *p, const char *key,
				 char *val)
{
	return conf_get_uint(p, key, val, 1, NAT64_TABLE_MAX,
			     &conf_n64(p)->cfg.table.max_sessions);
}

static int conf_set_max_bib(struct conf_parser *p, const char *key,
			    char *val)
{
	return conf_get_uint(p, key, val, 1, NAT64_TABLE_MAX,
			     &conf_n64(p)->cfg.table.max_bib);
}

/* One key for both: pool4 pairs and counts ports per subscriber prefix,
 * the table shards and counts sessions per the same prefix. */
static int conf_set_client_len(struct conf_parser *p, const char *key,
			       char *val)
{
	struct nat64_config *cfg = &conf_n64(p)->cfg;
	uint32_t v;
	int err;

	err = conf_get_uint(p, key, val, 32, 128, &v);
	if (err)
		return err;
	cfg->table.client_len = (uint8_t)v;
	cfg->pool.subscriber_len = (uint8_t)v;
	return 0;
}

/* RFC 6888 REQ-4: ports per subscriber and protocol.  One dynamic BIB
 * entry holds one port, so the table's per-subscriber BIB limit is the sum
 * over the three protocols. */
static int conf_set_client_ports(struct conf_parser *p, const char *key,
				 char *val)
{
	struct nat64_config *cfg = &conf_n64(p)->cfg;
	uint32_t v;
	int err;

	err = conf_get_uint(p, key, val, 0, 65536, &v);
	if (err)
		return err;
	for (int i = 0; i < POOL4_NPROTO; i++)
		cfg->pool.quota[i] = v;
	cfg->table.client_max_bib = v * POOL4_NPROTO;
	return 0;
}

static int conf_set_client_sessions(struct conf_parser *p, const char *key,
				    char *val)
{
	return conf_get_uint(p, key, val, 0, NAT64_TABLE_MAX,
			     &conf_n64(p)->cfg.table.client_max_sessions);
}

static int conf_set_max_subscribers(struct conf_parser *p, const char *key,
				    char *val)
{
	return conf_get_uint(p, key, val, 1, 1u << 30,
			     &conf_n64(p)->cfg.pool.max_subscribers);
}

static int conf_set_shards(struct conf_parser *p, const char *key, char *val)
{
	uint32_t v;
	int err;

	err = conf_get_uint(p, key, val, 1, 4096, &v);
	if (err)
		return err;
	if (v & (v - 1))
		return conf_err(p, "%s: %u is not a power of two", key, v);
	conf_n64(p)->cfg.table.nshards = v;
	return 0;
}

static int conf_set_udp_parity(struct conf_parser *p, const char *key,
			       char *val)
{
	return conf_get_bool(p, key, val, &conf_n64(p)->cfg.pool.udp_parity);
}

static int conf_set_port_hold(struct conf_parser *p, const char *key,
			      char *val)
{
	return conf_get_uint(p, key, val, 0, 3600,
			     &conf_n64(p)->cfg.port_hold);
}

static int conf_set_port_hold_max(struct conf_parser *p, const char *key,
				  char *val)
{
	return conf_get_uint(p, key, val, 0, 1u << 24,
			     &conf_n64(p)->cfg.port_hold_max);
}

/* host-pool4-mark: decimal or 0x hex, not zero (a zero mark matches
 * every packet in a rule with mask 0). */
static int conf_set_host_mark(struct conf_parser *p, const char *key,
			      char *val)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(val, &end, 0);
	if (errno || end == val || *end || *val == '-' || v == 0 ||
	    v > UINT32_MAX)
		return conf_err(p, "%s: '" CONF_QUOTE "' is not a non-zero "
				"32-bit mark", key, val);
	conf_n64(p)->host_mark = (uint32_t)v;
	return 0;
}

/* host-pool4-table: any table but unspec, default, main and local. */
static int conf_set_host_table(struct conf_parser *p, const char *key,
			       char *val)
{
	uint32_t t;
	int err = conf_get_uint(p, key, val, 1, UINT32_MAX, &t);

	if (err)
		return err;
	if (t >= 253 && t <= 255)
		return conf_err(p, "%s: table %u is the kernel's own "
				"(default, main or local)", key, t);
	conf_n64(p)->host_table = t;
	return 0;
}

static int conf_set_stored_syn(struct conf_parser *p, const char *key,
			       char *val)
{
	return conf_get_uint(p, key, val, 0, 65536,
			     &conf_n64(p)->cfg.max_stored_syn);
}

static int conf_set_frag_max(struct conf_parser *p, const char *key,
			     char *val)
{
	return conf_get_uint(p, key, val, 1, 1u << 20,
			     &conf_n64(p)->cfg.frag_max);
}

static int conf_set_frag_hold_max(struct conf_parser *p, const char *key,
				  char *val)
{
	return conf_get_uint(p, key, val, 0, 65536,
			     &conf_n64(p)->cfg.frag_hold_max);
}

static int conf_set_log_bib(struct conf_parser *p, const char *key,
			    char *val)
{
	return conf_get_bool(p, key, val, &conf_n64(p)->cfg.log_bib);
}

static int conf_set_log_sessions(struct conf_parser *p, const char *key,
				 char *val)
{
	return conf_get_bool(p, key, val, &conf_n64(p)->cfg.log_sessions);
}

/* ---- [dns64] keys (RFC 6147, RFC 7050, RFC 8880) ----------------------- */

static struct conf_dns64 *conf_d64(struct conf_parser *p)
{
	return &p->c->dns64;
}

/* "ADDR [PORT]"; port defaults to 53. */
static int conf_get_endpoint(struct conf_parser *p, const char *key,
			     char *val, struct conf_endpoint *e)
{
	char *save = NULL, *addr = strtok_r(val, " \t", &save);
	char *port = strtok_r(NULL, " \t", &save);
	uint32_t v = 53;
	int err;

	memset(e, 0, sizeof(*e));
	if (strtok_r(NULL, " \t", &save))
		return conf_err(p, "%s: expected ADDRESS [PORT]", key);
	if (inet_pton(AF_INET6, addr, &e->addr6) == 1)
		e->v6 = true;
	else if (conf_get_addr4(p, key, addr, &e->v4))
		return conf_err(p, "%s: '" CONF_QUOTE "' is not an IPv4 or "
				"IPv6 address", key, addr);
	if (port && (err = conf_get_uint(p, key, port, 1, 65535, &v)))
		return err;
	e->port = (uint16_t)v;
	return 0;
}

static bool conf_endpoint_eq(const struct conf_endpoint *a,
			     const struct conf_endpoint *b)
{
	return a->v6 == b->v6 && a->port == b->port &&
	       (a->v6 ? memcmp(&a->addr6, &b->addr6, 16) == 0
		      : a->v4 == b->v4);
}

static int conf_endpoint_add(struct conf_parser *p, const char *key,
			     char *val, struct conf_endpoint *list,
			     unsigned *n, unsigned max)
{
	struct conf_endpoint e;
	int err = conf_get_endpoint(p, key, val, &e);

	if (err)
		return err;
	for (unsigned i = 0; i < *n; i++)
		if (conf_endpoint_eq(&list[i], &e))
			return conf_err(p, "%s: given twice", key);
	if (*n >= max)
		return conf_err(p, "%s: more than %u", key, max);
	list[(*n)++] = e;
	return 0;
}

static int conf_set_d64_listen(struct conf_parser *p, const char *key,
			       char *val)
{
	struct conf_dns64 *d = conf_d64(p);

	if (!p->listen_given) {
		d->nlisten = 0;
		p->listen_given = true;
	}
	return conf_endpoint_add(p, key, val, d->listen, &d->nlisten,
				 CONF_DNS64_LISTEN_MAX);
}

static int conf_set_d64_upstream(struct conf_parser *p, const char *key,
				 char *val)
{
	struct conf_dns64 *d = conf_d64(p);

	return conf_endpoint_add(p, key, val, d->upstream, &d->nupstream,
				 CONF_DNS64_UPSTREAM_MAX);
}

static int conf_set_d64_recursion(struct conf_parser *p, const char *key,
				  char *val)
{
	return conf_get_bool(p, key, val, &conf_d64(p)->recursion);
}

static int conf_set_d64_dnssec(struct conf_parser *p, const char *key,
			       char *val)
{
	return conf_get_bool(p, key, val, &conf_d64(p)->dnssec);
}

static int conf_set_d64_anchor(struct conf_parser *p, const char *key,
			       char *val)
{
	size_t n = strlen(val);

	if (val[0] != '/')
		return conf_err(p, "%s: '" CONF_QUOTE "' is not an absolute "
				"path", key, val);
	if (n >= CONF_DNS64_PATH_MAX)
		return conf_err(p, "%s: longer than %d bytes", key,
				CONF_DNS64_PATH_MAX - 1);
	if (strpbrk(val, " \t\"'"))
		return conf_err(p, "%s: blanks and quotes are not supported "
				"in the path", key);
	memcpy(conf_d64(p)->trust_anchor, val, n + 1);
	return 0;
}

/* An IPv6 prefix when the text has a ':', else an IPv4 one; a bare
 * address is a host prefix. */
static int conf_get_netprefix(struct conf_parser *p, const char *key,
			      char *val, struct conf_netprefix *np)
{
	char buf[INET6_ADDRSTRLEN + 8];

	memset(np, 0, sizeof(*np));
	if (!strchr(val, ':'))
		return conf_get_prefix4(p, key, val, &np->p4);
	np->v6 = true;
	if (strchr(val, '/') || strlen(val) >= INET6_ADDRSTRLEN)
		return conf_get_prefix6(p, key, val, &np->p6);
	snprintf(buf, sizeof(buf), "%s/128", val);
	return conf_get_prefix6(p, key, buf, &np->p6);
}

static bool conf_netprefix_eq(const struct conf_netprefix *a,
			      const struct conf_netprefix *b)
{
	if (a->v6 != b->v6)
		return false;
	if (a->v6)
		return a->p6.len == b->p6.len &&
		       memcmp(&a->p6.addr, &b->p6.addr, 16) == 0;
	return a->p4.addr == b->p4.addr && a->p4.len == b->p4.len;
}

static int conf_set_d64_allow(struct conf_parser *p, const char *key,
			      char *val)
{
	struct conf_dns64 *d = conf_d64(p);
	struct conf_netprefix np;
	int err = conf_get_netprefix(p, key, val, &np);

	if (err)
		return err;
	if (!p->allow_given) {
		d->nallow = 0;
		p->allow_given = true;
	}
	for (unsigned i = 0; i < d->nallow; i++)
		if (conf_netprefix_eq(&d->allow[i], &np))
			return conf_err(p, "%s: " CONF_QUOTE " given twice",
					key, val);
	if (d->nallow >= CONF_DNS64_CLIENT_MAX)
		return conf_err(p, "%s: more than %d prefixes", key,
				CONF_DNS64_CLIENT_MAX);
	d->allow[d->nallow++] = np;
	return 0;
}

static int conf_set_d64_exclude(struct conf_parser *p, const char *key,
				char *val)
{
	struct conf_dns64 *d = conf_d64(p);
	struct prefix6 pf;
	int err = conf_get_prefix6(p, key, val, &pf);

	if (err)
		return err;
	if (!p->exclude_given) {
		d->nexclude = 0;
		p->exclude_given = true;
	}
	if (d->nexclude >= CONF_DNS64_EXCLUDE_MAX)
		return conf_err(p, "%s: more than %d prefixes", key,
				CONF_DNS64_EXCLUDE_MAX);
	d->exclude[d->nexclude++] = pf;
	return 0;
}

static int conf_set_d64_mapout(struct conf_parser *p, const char *key,
			       char *val)
{
	struct conf_dns64 *d = conf_d64(p);
	struct prefix4 pf;
	int err = conf_get_prefix4(p, key, val, &pf);

	if (err)
		return err;
	if (!p->mapout_given) {
		d->nmapout = 0;
		p->mapout_given = true;
	}
	if (d->nmapout >= CONF_DNS64_MAPOUT_MAX)
		return conf_err(p, "%s: more than %d prefixes", key,
				CONF_DNS64_MAPOUT_MAX);
	d->mapout[d->nmapout++] = pf;
	return 0;
}

/* RFC 6147 §5: "IPV6/LEN IPV4/LEN".  The prefix is checked like pref64
 * (RFC 6052 §2.2, all lengths <= 96 as §5.2 wants); 0.0.0.0/0 is the
 * global pref64's. */
static int conf_set_d64_prefix(struct conf_parser *p, const char *key,
			       char *val)
{
	struct conf_dns64 *d = conf_d64(p);
	char *save = NULL, *s6 = strtok_r(val, " \t", &save);
	char *s4 = strtok_r(NULL, " \t", &save);
	struct conf_dns64_prefix e;
	int err;

	if (!s4 || strtok_r(NULL, " \t", &save))
		return conf_err(p, "%s: expected IPV6/LEN IPV4/LEN", key);
	err = conf_get_pref64(p, key, s6, &e.pref);
	if (err == 0)
		err = conf_get_prefix4(p, key, s4, &e.range);
	if (err)
		return err;
	if (e.range.len == 0)
		return conf_err(p, "%s: 0.0.0.0/0 is the global pref64's "
				"range", key);
	for (unsigned i = 0; i < d->nprefix; i++)
		if (d->prefix[i].range.addr == e.range.addr &&
		    d->prefix[i].range.len == e.range.len)
			return conf_err(p, "%s: " CONF_QUOTE " already has a "
					"prefix", key, s4);
	if (d->nprefix >= CONF_DNS64_PREFIX_MAX)
		return conf_err(p, "%s: more than %d lines", key,
				CONF_DNS64_PREFIX_MAX);
	d->prefix[d->nprefix++] = e;
	return 0;
}

static int conf_set_d64_ttl_cap(struct conf_parser *p, const char *key,
				char *val)
{
	return conf_get_uint(p, key, val, 1, 86400, &conf_d64(p)->ttl_cap);
}

static int conf_set_d64_v4only_ttl(struct conf_parser *p, const char *key,
				   char *val)
{
	return conf_get_uint(p, key, val, 1, 86400,
			     &conf_d64(p)->ipv4only_ttl);
}

static int conf_set_d64_ptr(struct conf_parser *p, const char *key, char *val)
{
	return conf_get_bool(p, key, val, &conf_d64(p)->ptr);
}

static int conf_set_d64_cache(struct conf_parser *p, const char *key,
			      char *val)
{
	return conf_get_uint(p, key, val, 0, 1u << 24,
			     &conf_d64(p)->cache_size);
}

static int conf_set_d64_up_timeout(struct conf_parser *p, const char *key,
				   char *val)
{
	return conf_get_uint(p, key, val, 1, 60,
			     &conf_d64(p)->upstream_timeout);
}

static int conf_set_d64_tcp_idle(struct conf_parser *p, const char *key,
				 char *val)
{
	return conf_get_uint(p, key, val, 1, 3600,
			     &conf_d64(p)->tcp_idle_timeout);
}

static int conf_set_d64_tcp_max(struct conf_parser *p, const char *key,
				char *val)
{
	return conf_get_uint(p, key, val, 1, 65536,
			     &conf_d64(p)->tcp_max_clients);
}

/* [siit] / [clat] keys that [nat64] refuses, and why. */
static const struct {
	const char *name;
	const char *why;
} conf_nat64_refused[] = {
	{ "eam", "stateful NAT64 uses no EAM (RFC 6146); static mappings "
		 "are bib lines" },
	{ "eam-hairpin", "stateful NAT64 hairpins through its BIB "
			 "(RFC 6146 §3.8)" },
	{ "udp-zero-checksum", "RFC 6146 §3.4 fixes the behaviour: the "
			       "checksum is computed" },
	{ "ipv4-address", "a [siit] key; the NAT64's IPv4 addresses are "
			  "pool4" },
	{ "ipv6-address", "a [siit] key; the NAT64's IPv6 addresses are "
			  "pool6" },
};

/* Print order is table order; conf_print() follows it. */
static const struct conf_key conf_keys[] = {
#define G CONF_S(CONF_SECT_GLOBAL)
#define S CONF_S(CONF_SECT_SIIT)
#define C CONF_S(CONF_SECT_CLAT)
#define N CONF_S(CONF_SECT_NAT64)
#define D CONF_S(CONF_SECT_DNS64)
	{ G, "pref64", false, conf_set_pref64 },
	{ G, "allow-nonglobal-wkp", false, conf_set_allow_wkp },
	{ G, "allow-nonglobal-wkp-icmp", false, conf_set_allow_wkp_icmp },
	{ G, "wkp-nonglobal", true, conf_set_wkp_nonglobal },
	{ G, "workers", false, conf_set_workers },
	{ G, "user", false, conf_set_user },
	{ G, "control-socket", false, conf_set_control },
	{ G, "log-packets", false, conf_set_log_packets },
	{ G, "icmp-error-rate", false, conf_set_icmp_rate },
	{ G, "offloads", false, conf_set_offloads },
	{ G, "pin-workers", false, conf_set_pin_workers },
	{ G, "io", false, conf_set_io },
	{ G, "busy-poll", false, conf_set_busy_poll },
	{ C, "mode", false, conf_set_clat_mode },
	{ S | C | N, "tun", false, conf_set_tun },
	{ S | C | N, "manage-routes", false, conf_set_manage_routes },
	{ S | C | N, "mtu", false, conf_set_mtu },
	{ S | C | N, "ipv4-route", true, conf_set_route4 },
	{ S | N, "ipv6-route", true, conf_set_route6 },
	{ C, "ipv4-default-route", false, conf_set_v4default },
	{ C, "ipv4-address", false, conf_set_clat_v4 },
	{ C, "ipv6-address", false, conf_set_clat_v6 },
	{ C, "ipv4-prefix", false, conf_set_clat_prefix4 },
	{ C, "ipv6-prefix", false, conf_set_clat_prefix6 },
	{ S | N, "pool6", false, conf_set_pool6 },
	{ S | C, "eam", true, conf_set_eam },
	{ S | C | N, "pool6791", true, conf_set_pool6791 },
	{ S | C | N, "untranslatable-source", false, conf_set_untrans },
	{ S | C | N, "lowest-ipv6-mtu", false, conf_set_lowest_mtu },
	{ S | C | N, "ipv4-mtu", false, conf_set_ipv4_mtu },
	{ S | C | N, "ipv6-mtu", false, conf_set_ipv6_mtu },
	{ S | C | N, "mtu-plateaus", false, conf_set_plateaus },
	{ S | C, "udp-zero-checksum", false, conf_set_udp_zero },
	{ S | C | N, "traffic-class", false, conf_set_tc },
	{ S | C | N, "tos", false, conf_set_tos },
	{ S | C | N, "icmp-errors", false, conf_set_icmp_errors },
	{ S | C, "eam-hairpin", false, conf_set_hairpin },
	{ S | C | N, "icmp-source-object", false, conf_set_source_object },
	{ S | C | N, "drop-invalid-source", false, conf_set_drop_invalid },
	{ S, "ipv4-address", false, conf_set_self4 },
	{ S, "ipv6-address", false, conf_set_self6 },
	{ N, "pool4", true, conf_set_pool4 },
	{ N, "bib", true, conf_set_bib },
	{ N, "filtering", false, conf_set_filtering },
	{ N, "drop-externally-initiated-tcp", false,
	  conf_set_drop_inbound_tcp },
	{ N, "router-error-source", false, conf_set_router_src },
	{ N, "udp-timeout", false, conf_set_timeout },
	{ N, "tcp-est-timeout", false, conf_set_timeout },
	{ N, "tcp-trans-timeout", false, conf_set_timeout },
	{ N, "tcp-trans-open-timeout", false, conf_set_timeout },
	{ N, "tcp-incoming-syn-timeout", false, conf_set_timeout },
	{ N, "icmp-timeout", false, conf_set_timeout },
	{ N, "fragment-timeout", false, conf_set_timeout },
	{ N, "max-sessions", false, conf_set_max_sessions },
	{ N, "max-bib", false, conf_set_max_bib },
	{ N, "client-prefix-length", false, conf_set_client_len },
	{ N, "client-max-ports", false, conf_set_client_ports },
	{ N, "client-max-sessions", false, conf_set_client_sessions },
	{ N, "max-subscribers", false, conf_set_max_subscribers },
	{ N, "shards", false, conf_set_shards },
	{ N, "udp-parity", false, conf_set_udp_parity },
	{ N, "port-hold-time", false, conf_set_port_hold },
	{ N, "port-hold-max", false, conf_set_port_hold_max },
	{ N, "host-pool4-mark", false, conf_set_host_mark },
	{ N, "host-pool4-table", false, conf_set_host_table },
	{ N, "max-stored-syn", false, conf_set_stored_syn },
	{ N, "fragment-max", false, conf_set_frag_max },
	{ N, "fragment-hold-max", false, conf_set_frag_hold_max },
	{ N, "log-bib", false, conf_set_log_bib },
	{ N, "log-sessions", false, conf_set_log_sessions },
	{ D, "listen", true, conf_set_d64_listen },
	{ D, "upstream", true, conf_set_d64_upstream },
	{ D, "recursion", false, conf_set_d64_recursion },
	{ D, "dnssec", false, conf_set_d64_dnssec },
	{ D, "trust-anchor", false, conf_set_d64_anchor },
	{ D, "allow-client", true, conf_set_d64_allow },
	{ D, "exclude", true, conf_set_d64_exclude },
	{ D, "map-out", true, conf_set_d64_mapout },
	{ D, "prefix", true, conf_set_d64_prefix },
	{ D, "ttl-cap", false, conf_set_d64_ttl_cap },
	{ D, "ipv4only-ttl", false, conf_set_d64_v4only_ttl },
	{ D, "ptr", false, conf_set_d64_ptr },
	{ D, "cache-size", false, conf_set_d64_cache },
	{ D, "upstream-timeout", false, conf_set_d64_up_timeout },
	{ D, "tcp-idle-timeout", false, conf_set_d64_tcp_idle },
	{ D, "tcp-max-clients", false, conf_set_d64_tcp_max },
#undef G
#undef S
#undef C
#undef N
#undef D
};

#define CONF_NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))
_Static_assert(CONF_NKEYS <= CONF_KEYS_MAX, "conf_parser.line_sect is too "
	       "small");

/* The row for name in section sect, or -1. */
static int conf_key_find(enum conf_section sect, const char *name)
{
	for (size_t i = 0; i < CONF_NKEYS; i++)
		if ((conf_keys[i].sects & CONF_S(sect)) &&
		    strcmp(conf_keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Any row for name, for "belongs in [x]" messages; -1 if none. */
static int conf_key_index(const char *name)
{
	for (size_t i = 0; i < CONF_NKEYS; i++)
		if (strcmp(conf_keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Was the row for name given in sect? */
static bool conf_seen(const struct conf_parser *p, enum conf_section sect,
		      const char *name)
{
	int k = conf_key_find(sect, name);

	return k >= 0 && p->line_sect[sect][k] != 0;
}

/* Where name was set in sect, else where sect was opened. */
static unsigned conf_line_of(const struct conf_parser *p,
			     enum conf_section sect, const char *name)
{
	int k = conf_key_find(sect, name);

	return conf_seen(p, sect, name) ? p->line_sect[sect][k]
					: p->sect_line[sect];
}

/* ---- lines ------------------------------------------------------------- */

static bool conf_is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Trim in place: returns the first non-blank, cuts trailing blanks. */
static char *conf_trim(char *s)
{
	size_t n;

	while (conf_is_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && conf_is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static int conf_open_section(struct conf_parser *p, char *s)
{
	size_t n = strlen(s);
	char *name;

	if (s[n - 1] != ']')
		return conf_err(p, "expected ']' at the end of a section "
				"header");
	s[n - 1] = '\0';
	name = conf_trim(s + 1);
	for (int i = CONF_SECT_SIIT; i <= CONF_SECT_NAT64; i++) {
		struct conf_role *r = conf_sect_role(p->c,
						     (enum conf_section)i);

		if (strcmp(name, conf_section_names[i]) != 0)
			continue;
		if (r->enabled)
			return conf_err(p, "[%s] given twice", name);
		r->enabled = true;
		p->sect = (enum conf_section)i;
		p->sect_line[i] = p->line;
		return 0;
	}
	if (strcmp(name, conf_section_names[CONF_SECT_DNS64]) == 0) {
		if (p->c->dns64.enabled)
			return conf_err(p, "[%s] given twice", name);
		p->c->dns64.enabled = true;
		p->sect = CONF_SECT_DNS64;
		p->sect_line[CONF_SECT_DNS64] = p->line;
		return 0;
	}
	return conf_err(p, "unknown section [" CONF_QUOTE "]", name);
}

/* The first section that accepts row i. */
static const char *conf_key_home(int i)
{
	int s = CONF_SECT_SIIT;

	while (s < CONF_SECT_DNS64 && !(conf_keys[i].sects & CONF_S(s)))
		s++;
	return conf_section_names[s];
}

static int conf_key_unknown(struct conf_parser *p, const char *key, int i)
{
	for (size_t k = 0; p->sect == CONF_SECT_NAT64 &&
	     k < sizeof(conf_nat64_refused) / sizeof(conf_nat64_refused[0]);
	     k++)
		if (strcmp(key, conf_nat64_refused[k].name) == 0)
			return conf_err(p, "%s: not in [nat64]: %s", key,
					conf_nat64_refused[k].why);
	if (i >= 0 && conf_keys[i].sects == CONF_S(CONF_SECT_GLOBAL))
		return conf_err(p, "'%s' is a global key: put it before the "
				"first section", key);
	if (i >= 0)
		return conf_err(p, "'%s' belongs in [%s]", key,
				conf_key_home(i));
	if (p->sect == CONF_SECT_GLOBAL)
		return conf_err(p, "unknown key '" CONF_QUOTE "'", key);
	return conf_err(p, "unknown key '" CONF_QUOTE "' in [%s]", key,
			conf_section_names[p->sect]);
}

static int conf_assign(struct conf_parser *p, char *s)
{
	char *eq = strchr(s, '='), *key, *val;
	int i;

	if (!eq)
		return conf_err(p, "expected 'key = value' or '[section]'");
	*eq = '\0';
	key = conf_trim(s);
	val = conf_trim(eq + 1);
	if (!*key)
		return conf_err(p, "missing key before '='");
	i = conf_key_find(p->sect, key);
	if (i < 0)
		return conf_key_unknown(p, key, conf_key_index(key));
	if (!*val)
		return conf_err(p, "%s: missing value", key);
	if (p->line_sect[p->sect][i] && !conf_keys[i].repeatable)
		return conf_err(p, "%s: already set on line %u", key,
				p->line_sect[p->sect][i]);
	p->line_sect[p->sect][i] = p->line;
	return conf_keys[i].set(p, key, val);
}

/* s is NUL-terminated; n is where the line ended, so an embedded NUL shows
 * up as strlen(s) < n. */
static int conf_line(struct conf_parser *p, char *s, size_t n)
{
	char *hash;

	if (strlen(s) != n)
		return conf_err(p, "NUL byte in line");
	hash = strchr(s, '#');
	if (hash)
		*hash = '\0';
	for (char *q = s; *q; q++)
		if ((unsigned char)*q < 0x20 ? !conf_is_space(*q)
					     : (unsigned char)*q >= 0x7f)
			return conf_err(p, "invalid byte 0x%02x",
					(unsigned char)*q);
	s = conf_trim(s);
	if (!*s)
		return 0;
	if (*s == '[')
		return conf_open_section(p, s);
	return conf_assign(p, s);
}

static int conf_lines(struct conf_parser *p, char *text, size_t len)
{
	char *end = text + len, *line = text;
	int err;

	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);

		line[n] = '\0';
		p->line++;
		err = conf_line(p, line, n);
		if (err)
			return err;
		line += n + 1;
	}
	return 0;
}

void conf_self6_default(struct xlat_ctx *x)
{
	if (x->pool6.len == 0)
		memset(&x->self6, 0, sizeof(x->self6));
	else
		addr_embed(&x->pool6, x->self4, &x->self6);
}

/* ---- defaults, validate, apply ----------------------------------------- */

static int conf_role_defaults(struct conf_role *r, const char *tun)
{
	xlat_ctx_init(&r->ctx);
	snprintf(r->tun, sizeof(r->tun), "%s", tun);
	r->manage_routes = true;
	r->mtu = 1500;
	r->clat_v4 = 0xc0000001; /* 192.0.0.1, RFC 7335 */
	r->eam = eam_new();
	return r->eam ? 0 : -ENOMEM;
}

/* The [nat64] defaults (docs/configuration.md), the same values as
 * nat64_config_default().  Filled from the building blocks' own defaults
 * so that the parser does not pull the packet path (nat64.c) into every
 * program that reads a config; test_nat64_defaults pins each value. */
static void conf_nat64_defaults(struct conf_nat64 *n)
{
	struct nat64_config *cfg = &n->cfg;

	memset(n, 0, sizeof(*n));
	n->pool4_auto = true;
	n->host_mark = CONF_HOST_MARK;
	n->host_table = CONF_HOST_TABLE;
	nat64_timeouts_default(&cfg->to);
	cfg->max_stored_syn = 64;
	cfg->frag_max = 1024;
	cfg->frag_hold_max = 64;
	cfg->port_hold = 120;     /* RFC 6888 REQ-8 */
	cfg->port_hold_max = 65536;
	nat64_table_config_default(&cfg->table);
	cfg->table.nshards = 64;
	cfg->table.max_sessions = 1u << 20;
	cfg->table.max_bib = 0;   /* = max-sessions unless given */
	cfg->table.client_len = 64;
	cfg->table.client_max_sessions = 16384;
	pool4_config_default(&cfg->pool);
	cfg->pool.subscriber_len = 64;
	cfg->pool.udp_parity = true;
	cfg->pool.max_subscribers = 65536;
	for (int i = 0; i < POOL4_NPROTO; i++)
		cfg->pool.quota[i] = 4096;
	cfg->table.client_max_bib = 4096 * POOL4_NPROTO;
}

static void conf_dns64_defaults(struct conf_dns64 *d)
{
	static const struct prefix4 mapout[] = DNS64_MAPOUT_DEFAULT;

	memset(d, 0, sizeof(*d));
	d->listen[0] = (struct conf_endpoint){ .v4 = 0x7f000001, .port = 53 };
	d->listen[1] = (struct conf_endpoint){ .v6 = true, .port = 53,
					       .addr6 = IN6ADDR_LOOPBACK_INIT };
	d->nlisten = 2;
	d->allow[0] = (struct conf_netprefix){ .v6 = true };
	d->allow[1] = (struct conf_netprefix){ .v6 = false };
	d->nallow = 2;
	/* RFC 6147 §5.1.4: ::ffff:0:0/96 */
	d->exclude[0].addr.s6_addr[10] = 0xff;
	d->exclude[0].addr.s6_addr[11] = 0xff;
	d->exclude[0].len = 96;
	d->nexclude = 1;
	memcpy(d->mapout, mapout, sizeof(mapout));
	d->nmapout = sizeof(mapout) / sizeof(mapout[0]);
	d->ttl_cap = DNS64_TTL_CAP;
	d->ipv4only_ttl = DNS64_IPV4ONLY_TTL;
	d->ptr = true;
	d->cache_size = 65536;
	d->upstream_timeout = 5;
	d->tcp_idle_timeout = 10;
	d->tcp_max_clients = 256;
}

_Static_assert(CONF_DNS64_EXCLUDE_MAX == DNS64_EXCLUDE_MAX &&
	       CONF_DNS64_MAPOUT_MAX == DNS64_MAPOUT_MAX &&
	       CONF_DNS64_PREFIX_MAX + 1 <= DNS64_PREFIX_MAX,
	       "[dns64] lists must fit struct dns64_config");

static int conf_defaults(struct sixgate_conf *c)
{
	static const struct in6_addr wkp = {
		.s6_addr = { 0x00, 0x64, 0xff, 0x9b },
	};
	int err;

	memset(c, 0, sizeof(*c));
	c->pref64.prefix = wkp; /* RFC 6052 §2.1 */
	c->pref64.len = 96;
	snprintf(c->user, sizeof(c->user), "sixgate");
	snprintf(c->control_socket, sizeof(c->control_socket),
		 "/run/sixgate/control");
	c->icmp_error_rate = 100;
	c->offloads = true;
	err = conf_role_defaults(&c->siit, "siit0");
	if (err == 0)
		err = conf_role_defaults(&c->clat, "clat0");
	if (err == 0)
		err = conf_role_defaults(&c->nat64, "nat64");
	conf_nat64_defaults(&c->nat64s);
	conf_dns64_defaults(&c->dns64);
	/* One source of truth for the RFC 6052 §3.1 list: the core's. */
	memcpy(c->nonglobal, c->siit.ctx.nonglobal, sizeof(c->nonglobal));
	c->nnonglobal = c->siit.ctx.nnonglobal;
	return err;
}

/* RFC 6052 §3.1: the WKP SHOULD NOT be used for IPv4-translatable
 * addresses.  SIIT derives the IPv6 hosts' own addresses from pool6 (those
 * without an EAM row), so a WKP pool6 does exactly that. */
static void conf_validate_pool6(struct conf_parser *p)
{
	unsigned line = conf_line_of(p, CONF_SECT_SIIT, "pool6");

	if (addr_pref64_is_wkp(&p->c->siit.ctx.pool6))
		conf_warn_at(p, line, "pool6 is the well-known prefix "
			     "64:ff9b::/96, which SHOULD NOT be used for "
			     "IPv4-translatable addresses (RFC 6052 §3.1); "
			     "prefer a network-specific prefix");
}

static void conf_validate_ctx(struct conf_parser *p, enum conf_section sect,
			      const struct xlat_ctx *x)
{
	if (x->lowest_ipv6_mtu > x->ipv6_mtu)
		conf_warn_at(p, conf_line_of(p, sect, "lowest-ipv6-mtu"),
			     "lowest-ipv6-mtu %u is above ipv6-mtu %u",
			     x->lowest_ipv6_mtu, x->ipv6_mtu);
	if (x->untrans_src == XLAT_UNTRANS_POOL && x->npool6791 == 0)
		conf_warn_at(p, conf_line_of(p, sect, "untranslatable-source"),
			     "untranslatable-source = pool without pool6791: "
			     "such ICMPv6 errors will be dropped");
}

/* Globals flow into a role context; defaults that depend on other keys
 * are computed only now, so key order in the file does not matter. */
static void conf_apply_globals(struct sixgate_conf *c, struct xlat_ctx *x,
			       struct eam_table *eam)
{
	x->eam = eam;
	x->allow_nonglobal_wkp = c->allow_nonglobal_wkp;
	x->allow_nonglobal_wkp_icmp = c->allow_nonglobal_wkp_icmp;
	memcpy(x->nonglobal, c->nonglobal, sizeof(x->nonglobal));
	x->nnonglobal = c->nnonglobal;
}

static void conf_apply_siit(struct conf_parser *p)
{
	struct sixgate_conf *c = p->c;
	struct xlat_ctx *x = &c->siit.ctx;

	if (!c->siit.pool6_set)
		x->pool6 = c->pref64;
	if (!conf_seen(p, CONF_SECT_SIIT, "ipv6-address"))
		conf_self6_default(x);
	conf_apply_globals(c, x, c->siit.eam);
	conf_validate_pool6(p);
	conf_validate_ctx(p, CONF_SECT_SIIT, x);
}

/* An error about a key that is missing or misplaced in [clat]. */
static int conf_clat_err(struct conf_parser *p, const char *name,
			 const char *why)
{
	p->line = conf_line_of(p, CONF_SECT_CLAT, name);
	return conf_err(p, "[clat] %s: %s", name, why);
}

static int conf_clat_keys(struct conf_parser *p, bool host)
{
	static const char *const host_keys[] = { "ipv4-address",
						 "ipv6-address" };
	static const char *const router_keys[] = { "ipv4-prefix",
						   "ipv6-prefix" };
	const char *const *need = host ? host_keys : router_keys;
	const char *const *deny = host ? router_keys : host_keys;

	for (int i = 0; i < 2; i++)
		if (conf_seen(p, CONF_SECT_CLAT, deny[i]))
			return conf_clat_err(p, deny[i], host ?
					     "only with mode = router" :
					     "only with mode = host");
	/* ipv4-address has a default (RFC 7335); the rest are required. */
	for (int i = host ? 1 : 0; i < 2; i++)
		if (!conf_seen(p, CONF_SECT_CLAT, need[i]))
			return conf_clat_err(p, need[i], "required with this "
					     "mode");
	return 0;
}

/* The CLAT's own EAM row: host 192.0.0.1/32 <-> ipv6-address/128, router
 * ipv4-prefix <-> ipv6-prefix (RFC 7757 §3.2 suffix rule). */
void conf_clat_row(const struct conf_role *r, struct eam_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (r->mode == CONF_CLAT_HOST) {
		e->v4 = r->clat_v4;
		e->len4 = 32;
		e->v6 = r->clat_v6;
		e->len6 = 128;
		return;
	}
	e->v4 = r->clat_prefix4.addr;
	e->len4 = r->clat_prefix4.len;
	e->v6 = r->clat_prefix6.addr;
	e->len6 = r->clat_prefix6.len;
}

static int conf_clat_add_row(struct conf_parser *p)
{
	struct conf_role *r = &p->c->clat;
	const char *key = r->mode == CONF_CLAT_HOST ? "ipv6-address"
						    : "ipv6-prefix";
	struct eam_entry e;
	bool overlap = false;
	int err;

	conf_clat_row(r, &e);
	err = eam_add(r->eam, &e, &overlap);
	if (err == -ENOMEM)
		return err;
	if (err == -EEXIST)
		return conf_clat_err(p, key, "an eam row already maps this "
				     "address (RFC 7757 §5)");
	if (err)
		return conf_clat_err(p, key, "RFC 7757 §3.2: the IPv4 suffix "
				     "is longer than the IPv6 suffix");
	if (overlap)
		conf_warn_at(p, conf_line_of(p, CONF_SECT_CLAT, key), "[clat] "
			     "an eam row overlaps the CLAT's own mapping");
	return 0;
}

static int conf_apply_clat(struct conf_parser *p)
{
	struct sixgate_conf *c = p->c;
	struct conf_role *r = &c->clat;
	int err;

	if (r->mode == CONF_CLAT_NONE)
		return conf_clat_err(p, "mode", "required (host or router)");
	err = conf_clat_keys(p, r->mode == CONF_CLAT_HOST);
	if (err == 0)
		err = conf_clat_add_row(p);
	if (err)
		return err;
	r->ctx.pool6 = c->pref64;
	/* Errors the CLAT sends toward IPv6 come from an address that
	 * routes back to it. */
	r->ctx.self6 = r->mode == CONF_CLAT_HOST ? r->clat_v6
						 : r->clat_prefix6.addr;
	conf_apply_globals(c, &r->ctx, r->eam);
	conf_validate_ctx(p, CONF_SECT_CLAT, &r->ctx);
	return 0;
}

static bool conf_pref64_eq(const struct pref64 *a, const struct pref64 *b);

/* An error about a key of [nat64], reported on its line (or the
 * section's). */
static int conf_nat64_err(struct conf_parser *p, unsigned line,
			  const char *name, const char *why)
{
	p->line = line;
	return conf_err(p, "%s: %s", name, why);
}

/* RFC 6146 §3.5: IPv6 packets from inside Pref64::/n are dropped, so a
 * static entry there could never be used.  Unknown until discovery with
 * pref64 = auto and no pool6. */
static int conf_nat64_bib_pool6(struct conf_parser *p)
{
	const struct conf_nat64 *n = &p->c->nat64s;
	const struct pref64 *pf = &p->c->nat64.ctx.pool6;
	char s[INET6_ADDRSTRLEN];

	for (unsigned i = 0; pf->len && i < n->nbib; i++) {
		if (!addr6_match(&n->bib[i].x6, &pf->prefix, pf->len))
			continue;
		inet_ntop(AF_INET6, &n->bib[i].x6, s, sizeof(s));
		p->line = p->bib_line[i];
		return conf_err(p, "bib: RFC 6146 §3.5: %s is inside pool6, "
				"whose packets the NAT64 drops", s);
	}
	return 0;
}

/* Limits that depend on each other. */
static int conf_nat64_limits(struct conf_parser *p)
{
	struct conf_nat64 *n = &p->c->nat64s;
	struct nat64_table_config *t = &n->cfg.table;
	char why[96];

	if (!conf_seen(p, CONF_SECT_NAT64, "max-bib"))
		t->max_bib = t->max_sessions;
	if (n->nbib > t->max_bib) {
		snprintf(why, sizeof(why), "%u static bib entries do not fit "
			 "in %u", n->nbib, t->max_bib);
		return conf_nat64_err(p, conf_line_of(p, CONF_SECT_NAT64,
						      "max-bib"), "max-bib",
				      why);
	}
	return 0;
}

static int conf_apply_nat64(struct conf_parser *p)
{
	struct sixgate_conf *c = p->c;
	struct xlat_ctx *x = &c->nat64.ctx;
	int err;

	if (!c->nat64.pool6_set)
		x->pool6 = c->pref64;
	/* RFC 6146 §3.5.4: n <= 96; every RFC 6052 length is, so this only
	 * guards against the prefix checks changing. */
	if (x->pool6.len > 96)
		return conf_nat64_err(p, conf_line_of(p, CONF_SECT_NAT64,
						      "pool6"), "pool6",
				      "RFC 6146 §3.5.4: longer than /96");
	conf_self6_default(x);
	conf_apply_globals(c, x, c->nat64.eam);
	/* RFC 6146 §3.4 overrides RFC 7915 §4.5; no EAM, so no EAM
	 * hairpinning (the NAT64 hairpins per §3.8). */
	x->udp_zero = XLAT_UDP_ZERO_COMPUTE;
	x->eam_hairpin = false;
	conf_validate_ctx(p, CONF_SECT_NAT64, x);
	err = conf_nat64_limits(p);
	if (err == 0)
		err = conf_nat64_bib_pool6(p);
	if (err == 0 && c->siit.enabled && x->pool6.len &&
	    conf_pref64_eq(&x->pool6, &c->siit.ctx.pool6))
		conf_warn_at(p, conf_line_of(p, CONF_SECT_NAT64, "pool6"),
			     "[nat64] pool6 is [siit]'s pool6 as well: both "
			     "roles claim the same prefix");
	return err;
}

/* Two roles on one TUN device cannot work; the error goes to the section
 * opened later in the file. */
static int conf_tun_clash(struct conf_parser *p, enum conf_section a,
			  enum conf_section b)
{
	enum conf_section later = p->sect_line[a] > p->sect_line[b] ? a : b;
	enum conf_section other = later == a ? b : a;

	p->line = conf_line_of(p, later, "tun");
	return conf_err(p, "[%s] tun: [%s] uses the same device",
			conf_section_names[later], conf_section_names[other]);
}

static int conf_check_tuns(struct conf_parser *p)
{
	for (int i = CONF_SECT_SIIT; i <= CONF_SECT_NAT64; i++) {
		const struct conf_role *r;

		r = conf_sect_role(p->c, (enum conf_section)i);
		for (int j = CONF_SECT_SIIT; r->enabled && j < i; j++) {
			const struct conf_role *q;

			q = conf_sect_role(p->c, (enum conf_section)j);
			if (q->enabled && strcmp(r->tun, q->tun) == 0)
				return conf_tun_clash(p, (enum conf_section)i,
						      (enum conf_section)j);
		}
	}
	return 0;
}

/* [dns64] keys that depend on each other. */
static int conf_apply_dns64(struct conf_parser *p)
{
	const struct conf_dns64 *d = &p->c->dns64;

	if (d->recursion && d->nupstream) {
		p->line = conf_line_of(p, CONF_SECT_DNS64, "upstream");
		return conf_err(p, "upstream: not used with recursion = yes "
				"(remove one of them)");
	}
	if (d->dnssec && !d->trust_anchor[0]) {
		p->line = conf_line_of(p, CONF_SECT_DNS64, "dnssec");
		return conf_err(p, "dnssec: needs trust-anchor = FILE (the "
				"root key, e.g. /usr/share/dns/root.key)");
	}
	if (!d->dnssec && d->trust_anchor[0])
		conf_warn_at(p, conf_line_of(p, CONF_SECT_DNS64,
					     "trust-anchor"),
			     "trust-anchor is not used without dnssec = yes");
	return 0;
}

static int conf_apply(struct conf_parser *p)
{
	struct sixgate_conf *c = p->c;
	int err = 0;

	if (c->siit.enabled)
		conf_apply_siit(p);
	if (c->clat.enabled)
		err = conf_apply_clat(p);
	if (err == 0 && c->nat64.enabled)
		err = conf_apply_nat64(p);
	if (err == 0)
		err = conf_check_tuns(p);
	if (err == 0 && c->dns64.enabled)
		err = conf_apply_dns64(p);
	return err;
}

/* ---- public ------------------------------------------------------------ */

/* Cut a private copy into lines, then fill in what depends on the whole
 * file. */
static int conf_run(struct conf_parser *p, const char *text, size_t len)
{
	char *copy = malloc(len + 1);
	int rc;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	rc = conf_lines(p, copy, len);
	free(copy);
	if (rc == 0)
		rc = conf_apply(p);
	return rc;
}

int conf_parse_buf_warn(const char *name, const char *text, size_t len,
			struct sixgate_conf *c, char *err, size_t errlen,
			conf_warn_fn *warn, void *arg)
{
	struct sixgate_conf tmp;
	struct conf_parser p = {
		.name = name, .c = &tmp, .err = err, .errlen = errlen,
		.warn = warn, .warn_arg = arg,
	};
	int rc;

	memset(&tmp, 0, sizeof(tmp)); /* conf_free() is safe on any path */
	if (errlen)
		err[0] = '\0';
	if (len > CONF_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %u bytes", name,
			 CONF_MAX_FILE);
		return -EFBIG;
	}
	rc = conf_defaults(&tmp);
	if (rc == 0)
		rc = conf_run(&p, text, len);
	free(p.bib_line);
	if (rc == -ENOMEM && errlen && !err[0])
		snprintf(err, errlen, "%s: out of memory", name);
	if (rc) {
		conf_free(&tmp);
		return rc;
	}
	*c = tmp;
	return 0;
}

int conf_parse_buf(const char *name, const char *text, size_t len,
		   struct sixgate_conf *c, char *err, size_t errlen)
{
	return conf_parse_buf_warn(name, text, len, c, err, errlen,
				   conf_warn_stderr, NULL);
}

/* Whole file into memory; returns 0 or -errno. */
static int conf_slurp(FILE *f, char **buf, size_t *len)
{
	size_t cap = 0, n = 0, got;
	char *b = NULL, *nb;

	do {
		if (n == cap) {
			if (cap >= CONF_MAX_FILE)
				return free(b), -EFBIG;
			cap = cap ? cap * 2 : 4096;
			nb = realloc(b, cap);
			if (!nb)
				return free(b), -ENOMEM;
			b = nb;
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	if (ferror(f))
		return free(b), -EIO;
	*buf = b;
	*len = n;
	return 0;
}

int conf_parse_file(const char *path, struct sixgate_conf *c, char *err,
		    size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	rc = conf_slurp(f, &buf, &len);
	fclose(f);
	if (rc) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	rc = conf_parse_buf(path, buf ? buf : "", len, c, err, errlen);
	free(buf);
	return rc;
}

void conf_free(struct sixgate_conf *c)
{
	if (!c)
		return;
	eam_free(c->siit.eam);
	c->siit.eam = NULL;
	c->siit.ctx.eam = NULL;
	eam_free(c->clat.eam);
	c->clat.eam = NULL;
	c->clat.ctx.eam = NULL;
	eam_free(c->nat64.eam);
	c->nat64.eam = NULL;
	c->nat64.ctx.eam = NULL;
	free(c->nat64s.pool4);
	c->nat64s.pool4 = NULL;
	c->nat64s.npool4 = 0;
	free(c->nat64s.bib);
	c->nat64s.bib = NULL;
	c->nat64s.nbib = 0;
}

/* ---- printing ---------------------------------------------------------- */

/* Big enough for any address plus "/" and any int, so nothing is cut. */
struct conf_buf6 {
	char s[INET6_ADDRSTRLEN + 16];
};

static const char *conf_fmt_len(struct conf_buf6 *b, const char *addr,
				int len)
{
	if (len >= 0)
		snprintf(b->s, sizeof(b->s), "%s/%d", addr, len);
	else
		snprintf(b->s, sizeof(b->s), "%s", addr);
	return b->s;
}

static const char *conf_fmt6(struct conf_buf6 *b, const struct in6_addr *a,
			     int len)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, a, s, sizeof(s));
	return conf_fmt_len(b, s, len);
}

static const char *conf_fmt4(struct conf_buf6 *b, uint32_t a, int len)
{
	struct in_addr in = { .s_addr = htonl(a) };
	char s[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &in, s, sizeof(s));
	return conf_fmt_len(b, s, len);
}

static const char *conf_fmt_bool(bool v)
{
	return v ? "yes" : "no";
}

static void conf_print_global(FILE *f, const struct sixgate_conf *c)
{
	struct conf_buf6 b;

	if (c->pref64_auto)
		fprintf(f, "pref64 = auto\n");
	else
		fprintf(f, "pref64 = %s\n",
			conf_fmt6(&b, &c->pref64.prefix, c->pref64.len));
	fprintf(f, "allow-nonglobal-wkp = %s\n",
		conf_fmt_bool(c->allow_nonglobal_wkp));
	fprintf(f, "allow-nonglobal-wkp-icmp = %s\n",
		conf_fmt_bool(c->allow_nonglobal_wkp_icmp));
	for (unsigned i = 0; i < c->nnonglobal; i++)
		fprintf(f, "wkp-nonglobal = %s\n",
			conf_fmt4(&b, c->nonglobal[i].addr,
				  c->nonglobal[i].len));
	if (c->workers)
		fprintf(f, "workers = %u\n", c->workers);
	else
		fprintf(f, "workers = auto\n");
	fprintf(f, "user = %s\n", c->user);
	fprintf(f, "control-socket = %s\n", c->control_socket);
	fprintf(f, "log-packets = %s\n", conf_fmt_bool(c->log_packets));
	fprintf(f, "icmp-error-rate = %u\n", c->icmp_error_rate);
	fprintf(f, "offloads = %s\n", conf_fmt_bool(c->offloads));
	fprintf(f, "pin-workers = %s\n", conf_fmt_bool(c->pin_workers));
	fprintf(f, "io = %s\n", conf_io_names[c->io]);
	fprintf(f, "busy-poll = %u\n", c->busy_poll);
}

static void conf_print_tun(FILE *f, const struct conf_role *r, bool v6routes)
{
	struct conf_buf6 b;

	fprintf(f, "tun = %s\n", r->tun);
	fprintf(f, "mtu = %u\n", r->mtu);
	fprintf(f, "manage-routes = %s\n", conf_fmt_bool(r->manage_routes));
	for (unsigned i = 0; i < r->nroutes4; i++)
		fprintf(f, "ipv4-route = %s\n", conf_fmt4(&b, r->routes4[i].addr,
							 r->routes4[i].len));
	for (unsigned i = 0; v6routes && i < r->nroutes6; i++)
		fprintf(f, "ipv6-route = %s\n", conf_fmt6(&b, &r->routes6[i].addr,
							 r->routes6[i].len));
}

static bool conf_eam_row_eq(const struct eam_entry *x,
			    const struct eam_entry *y)
{
	return x->v4 == y->v4 && x->len4 == y->len4 && x->len6 == y->len6 &&
	       memcmp(&x->v6, &y->v6, sizeof(x->v6)) == 0;
}

/* skip: a row not to print (the CLAT's own, which its keys imply). */
static void conf_print_eam(FILE *f, const struct eam_table *t,
			   const struct eam_entry *skip)
{
	struct conf_buf6 b4, b6;
	size_t n = t ? eam_count(t) : 0;

	for (size_t i = 0; i < n; i++) {
		const struct eam_entry *e = eam_get(t, i);

		if (skip && conf_eam_row_eq(e, skip))
			continue;

		fprintf(f, "eam = %s %s\n", conf_fmt4(&b4, e->v4, e->len4),
			conf_fmt6(&b6, &e->v6, e->len6));
	}
}

static void conf_print_tos(FILE *f, const char *key, enum xlat_tos_mode m,
			   uint8_t v)
{
	if (m == XLAT_TOS_COPY)
		fprintf(f, "%s = copy\n", key);
	else
		fprintf(f, "%s = %u\n", key, v);
}

static void conf_print_mtus(FILE *f, const struct xlat_ctx *x)
{
	fprintf(f, "lowest-ipv6-mtu = %u\n", x->lowest_ipv6_mtu);
	fprintf(f, "ipv4-mtu = %u\n", x->ipv4_mtu);
	fprintf(f, "ipv6-mtu = %u\n", x->ipv6_mtu);
	if (x->nplateaus == 0)
		return;
	fprintf(f, "mtu-plateaus =");
	for (unsigned i = 0; i < x->nplateaus; i++)
		fprintf(f, " %u", x->plateaus[i]);
	fprintf(f, "\n");
}

/* The core keys the roles share; [nat64] has neither udp-zero-checksum
 * nor eam-hairpin. */
static void conf_print_core(FILE *f, const struct xlat_ctx *x, bool stateless)
{
	static const char *const untrans[] = { "auto", "pool", "dummy" };
	struct conf_buf6 b;

	for (unsigned i = 0; i < x->npool6791; i++)
		fprintf(f, "pool6791 = %s\n", conf_fmt4(&b, x->pool6791[i], -1));
	fprintf(f, "untranslatable-source = %s\n",
		(unsigned)x->untrans_src < 3 ? untrans[x->untrans_src] : "auto");
	conf_print_mtus(f, x);
	if (stateless)
		fprintf(f, "udp-zero-checksum = %s\n",
			x->udp_zero == XLAT_UDP_ZERO_DROP ? "drop"
							  : "compute");
	conf_print_tos(f, "traffic-class", x->tc_mode, x->tc_value);
	conf_print_tos(f, "tos", x->tos_mode, x->tos_value);
	fprintf(f, "icmp-errors = %s\n", conf_fmt_bool(x->icmp_errors));
	if (stateless)
		fprintf(f, "eam-hairpin = %s\n",
			conf_fmt_bool(x->eam_hairpin));
	fprintf(f, "icmp-source-object = %s\n",
		conf_fmt_bool(x->icmp_source_object));
	fprintf(f, "drop-invalid-source = %s\n",
		conf_fmt_bool(x->drop_invalid_src));
}

/* With pref64 = auto and no pool6, pool6 and the derived ipv6-address
 * stay unprinted so that discovery keeps filling them in. */
static void conf_print_siit(FILE *f, const struct conf_role *s,
			    bool pref64_auto)
{
	const struct xlat_ctx *x = &s->ctx;
	bool fixed = s->pool6_set || !pref64_auto;
	struct conf_buf6 b;

	fprintf(f, "\n[siit]\n");
	conf_print_tun(f, s, true);
	if (fixed)
		fprintf(f, "pool6 = %s\n", conf_fmt6(&b, &x->pool6.prefix,
						     x->pool6.len));
	conf_print_eam(f, s->eam, NULL);
	conf_print_core(f, x, true);
	fprintf(f, "ipv4-address = %s\n", conf_fmt4(&b, x->self4, -1));
	if (fixed || !IN6_IS_ADDR_UNSPECIFIED(&x->self6))
		fprintf(f, "ipv6-address = %s\n",
			conf_fmt6(&b, &x->self6, -1));
}

static void conf_print_clat(FILE *f, const struct conf_role *r)
{
	struct eam_entry own;
	struct conf_buf6 b;

	fprintf(f, "\n[clat]\n");
	fprintf(f, "mode = %s\n", r->mode == CONF_CLAT_HOST ? "host"
							   : "router");
	conf_print_tun(f, r, false);
	fprintf(f, "ipv4-default-route = %s\n",
		conf_v4default_names[r->v4default]);
	if (r->mode == CONF_CLAT_HOST) {
		fprintf(f, "ipv4-address = %s\n",
			conf_fmt4(&b, r->clat_v4, -1));
		fprintf(f, "ipv6-address = %s\n",
			conf_fmt6(&b, &r->clat_v6, -1));
	} else {
		fprintf(f, "ipv4-prefix = %s\n",
			conf_fmt4(&b, r->clat_prefix4.addr,
				  r->clat_prefix4.len));
		fprintf(f, "ipv6-prefix = %s\n",
			conf_fmt6(&b, &r->clat_prefix6.addr,
				  r->clat_prefix6.len));
	}
	conf_clat_row(r, &own);
	conf_print_eam(f, r->eam, &own);
	conf_print_core(f, &r->ctx, true);
}

/* The pool4 line that stands for the most ranges from r[i] on: a prefix
 * (largest first) of addresses each with the same protocol set and ports.
 * Returns how many ranges it covers (at least 1). */
static unsigned conf_pool4_line_at(const struct pool4_range *r, unsigned n,
				   unsigned i, struct conf_pool4_line *best)
{
	struct pool4_range tmp[CONF_POOL4_MAX];
	struct conf_pool4_line forms[3] = {
		{ .proto = POOL4_NPROTO },
		{ .proto = POOL4_NPROTO, .range_given = true,
		  .lo = r[i].lo, .hi = r[i].hi },
		{ .proto = r[i].proto, .range_given = true,
		  .lo = r[i].lo, .hi = r[i].hi },
	};
	unsigned got = 1;

	*best = forms[2];
	best->addr = r[i].addr;
	best->len = 32;
	for (unsigned len = 24; len <= 32; len++) {
		if (r[i].addr & ~conf_mask4(len))
			continue;
		for (int k = 0; k < 3; k++) {
			struct conf_pool4_line l = forms[k];
			unsigned m, j = 0;

			l.addr = r[i].addr;
			l.len = (uint8_t)len;
			m = conf_pool4_expand(&l, tmp);
			if (m <= got || m > n - i)
				continue;
			while (j < m && conf_range_eq(&tmp[j], &r[i + j]))
				j++;
			if (j < m)
				continue;
			*best = l;
			got = m;
		}
	}
	return got;
}

static void conf_print_pool4(FILE *f, const struct conf_nat64 *n)
{
	struct conf_pool4_line l;
	struct conf_buf6 b;

	for (unsigned i = 0; i < n->npool4;) {
		memset(&l, 0, sizeof(l));
		i += conf_pool4_line_at(n->pool4, n->npool4, i, &l);
		fprintf(f, "pool4 = %s", conf_fmt4(&b, l.addr, l.len < 32 ?
							     l.len : -1));
		if (l.proto < POOL4_NPROTO)
			fprintf(f, " %s", conf_proto_names[l.proto]);
		if (l.range_given && l.lo == l.hi)
			fprintf(f, "%s %u", l.proto < POOL4_NPROTO ? "" :
				" all", l.lo);
		else if (l.range_given)
			fprintf(f, "%s %u-%u", l.proto < POOL4_NPROTO ? "" :
				" all", l.lo, l.hi);
		fprintf(f, "\n");
	}
}

static void conf_print_bib(FILE *f, const struct conf_nat64 *n)
{
	struct conf_buf6 b6, b4;

	for (unsigned i = 0; i < n->nbib; i++) {
		const struct conf_bib *e = &n->bib[i];

		fprintf(f, "bib = %s %s %u %s %u\n",
			conf_proto_names[e->proto < NAT64_NPROTO ? e->proto
								 : 0],
			conf_fmt6(&b6, &e->x6, -1), e->x_port,
			conf_fmt4(&b4, e->t4, -1), e->t_port);
	}
}

static void conf_print_timeouts(FILE *f, const struct nat64_timeouts *t)
{
	for (size_t i = 0; i < CONF_NTIMEOUTS; i++)
		fprintf(f, "%s = %u\n", conf_timeouts[i].key,
			*conf_timeout_ptr((struct nat64_timeouts *)t,
					  &conf_timeouts[i]));
}

static void conf_print_nat64_limits(FILE *f, const struct nat64_config *c)
{
	fprintf(f, "max-sessions = %u\n", c->table.max_sessions);
	fprintf(f, "max-bib = %u\n", c->table.max_bib);
	fprintf(f, "client-prefix-length = %u\n", c->table.client_len);
	fprintf(f, "client-max-ports = %u\n", c->pool.quota[POOL4_TCP]);
	fprintf(f, "client-max-sessions = %u\n",
		c->table.client_max_sessions);
	fprintf(f, "max-subscribers = %u\n", c->pool.max_subscribers);
	fprintf(f, "shards = %u\n", c->table.nshards);
	fprintf(f, "udp-parity = %s\n", conf_fmt_bool(c->pool.udp_parity));
	fprintf(f, "port-hold-time = %u\n", c->port_hold);
	fprintf(f, "port-hold-max = %u\n", c->port_hold_max);
	fprintf(f, "max-stored-syn = %u\n", c->max_stored_syn);
	fprintf(f, "fragment-max = %u\n", c->frag_max);
	fprintf(f, "fragment-hold-max = %u\n", c->frag_hold_max);
}

/* pool6 as [siit] prints it: left out while it follows pref64 = auto. */
static void conf_print_nat64(FILE *f, const struct conf_role *r,
			     const struct conf_nat64 *n, bool pref64_auto)
{
	const struct nat64_config *c = &n->cfg;
	struct conf_buf6 b;

	fprintf(f, "\n[nat64]\n");
	conf_print_tun(f, r, true);
	if (r->pool6_set || !pref64_auto)
		fprintf(f, "pool6 = %s\n", conf_fmt6(&b, &r->ctx.pool6.prefix,
						     r->ctx.pool6.len));
	conf_print_core(f, &r->ctx, false);
	conf_print_pool4(f, n);
	conf_print_bib(f, n);
	fprintf(f, "filtering = %s\n", c->adf ? "address-dependent"
					      : "endpoint-independent");
	fprintf(f, "drop-externally-initiated-tcp = %s\n",
		conf_fmt_bool(c->drop_inbound_tcp));
	fprintf(f, "router-error-source = %s\n",
		c->router_src_dummy ? "dummy" : "pool4");
	fprintf(f, "host-pool4-mark = 0x%x\n", n->host_mark);
	fprintf(f, "host-pool4-table = %u\n", n->host_table);
	conf_print_timeouts(f, &c->to);
	conf_print_nat64_limits(f, c);
	fprintf(f, "log-bib = %s\n", conf_fmt_bool(c->log_bib));
	fprintf(f, "log-sessions = %s\n", conf_fmt_bool(c->log_sessions));
}

const char *conf_endpoint_str(const struct conf_endpoint *e, char sep,
			      char *buf, size_t n)
{
	char s[INET6_ADDRSTRLEN];
	struct in_addr in = { .s_addr = htonl(e->v4) };

	if (e->v6)
		inet_ntop(AF_INET6, &e->addr6, s, sizeof(s));
	else
		inet_ntop(AF_INET, &in, s, sizeof(s));
	snprintf(buf, n, "%s%c%u", s, sep, e->port);
	return buf;
}

static const char *conf_fmt_endpoint(struct conf_buf6 *b,
				     const struct conf_endpoint *e)
{
	return conf_endpoint_str(e, ' ', b->s, sizeof(b->s));
}

static void conf_print_dns64_lists(FILE *f, const struct conf_dns64 *d)
{
	struct conf_buf6 b, b4;

	for (unsigned i = 0; i < d->nallow; i++) {
		const struct conf_netprefix *np = &d->allow[i];

		fprintf(f, "allow-client = %s\n", np->v6 ?
			conf_fmt6(&b, &np->p6.addr, np->p6.len) :
			conf_fmt4(&b, np->p4.addr, np->p4.len));
	}
	for (unsigned i = 0; i < d->nexclude; i++)
		fprintf(f, "exclude = %s\n", conf_fmt6(&b, &d->exclude[i].addr,
							d->exclude[i].len));
	for (unsigned i = 0; i < d->nmapout; i++)
		fprintf(f, "map-out = %s\n", conf_fmt4(&b, d->mapout[i].addr,
							d->mapout[i].len));
	for (unsigned i = 0; i < d->nprefix; i++)
		fprintf(f, "prefix = %s %s\n",
			conf_fmt6(&b, &d->prefix[i].pref.prefix,
				  d->prefix[i].pref.len),
			conf_fmt4(&b4, d->prefix[i].range.addr,
				  d->prefix[i].range.len));
}

static void conf_print_dns64(FILE *f, const struct conf_dns64 *d)
{
	struct conf_buf6 b;

	fprintf(f, "\n[dns64]\n");
	for (unsigned i = 0; i < d->nlisten; i++)
		fprintf(f, "listen = %s\n", conf_fmt_endpoint(&b, &d->listen[i]));
	for (unsigned i = 0; i < d->nupstream; i++)
		fprintf(f, "upstream = %s\n",
			conf_fmt_endpoint(&b, &d->upstream[i]));
	fprintf(f, "recursion = %s\n", conf_fmt_bool(d->recursion));
	fprintf(f, "dnssec = %s\n", conf_fmt_bool(d->dnssec));
	if (d->trust_anchor[0])
		fprintf(f, "trust-anchor = %s\n", d->trust_anchor);
	conf_print_dns64_lists(f, d);
	fprintf(f, "ttl-cap = %u\n", d->ttl_cap);
	fprintf(f, "ipv4only-ttl = %u\n", d->ipv4only_ttl);
	fprintf(f, "ptr = %s\n", conf_fmt_bool(d->ptr));
	fprintf(f, "cache-size = %u\n", d->cache_size);
	fprintf(f, "upstream-timeout = %u\n", d->upstream_timeout);
	fprintf(f, "tcp-idle-timeout = %u\n", d->tcp_idle_timeout);
	fprintf(f, "tcp-max-clients = %u\n", d->tcp_max_clients);
}

int conf_print(FILE *f, const struct sixgate_conf *c)
{
	conf_print_global(f, c);
	if (c->siit.enabled)
		conf_print_siit(f, &c->siit, c->pref64_auto);
	if (c->clat.enabled)
		conf_print_clat(f, &c->clat);
	if (c->nat64.enabled)
		conf_print_nat64(f, &c->nat64, &c->nat64s, c->pref64_auto);
	if (c->dns64.enabled)
		conf_print_dns64(f, &c->dns64);
	return ferror(f) ? -EIO : 0;
}

/* ---- comparison -------------------------------------------------------- */

static bool conf_pref64_eq(const struct pref64 *a, const struct pref64 *b)
{
	return a->len == b->len &&
	       memcmp(&a->prefix, &b->prefix, sizeof(a->prefix)) == 0;
}

static bool conf_prefix4_list_eq(const struct prefix4 *a, unsigned na,
				 const struct prefix4 *b, unsigned nb)
{
	if (na != nb)
		return false;
	for (unsigned i = 0; i < na; i++)
		if (a[i].addr != b[i].addr || a[i].len != b[i].len)
			return false;
	return true;
}

static bool conf_eam_eq(const struct eam_table *a, const struct eam_table *b)
{
	size_t n = a ? eam_count(a) : 0;

	if (n != (b ? eam_count(b) : 0))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!conf_eam_row_eq(eam_get(a, i), eam_get(b, i)))
			return false;
	return true;
}

static bool conf_ctx_mtu_eq(const struct xlat_ctx *a, const struct xlat_ctx *b)
{
	return a->lowest_ipv6_mtu == b->lowest_ipv6_mtu &&
	       a->ipv4_mtu == b->ipv4_mtu && a->ipv6_mtu == b->ipv6_mtu &&
	       a->nplateaus == b->nplateaus &&
	       memcmp(a->plateaus, b->plateaus,
		      a->nplateaus * sizeof(a->plateaus[0])) == 0;
}

static bool conf_ctx_eq(const struct xlat_ctx *a, const struct xlat_ctx *b)
{
	return conf_pref64_eq(&a->pool6, &b->pool6) &&
	       a->npool6791 == b->npool6791 &&
	       memcmp(a->pool6791, b->pool6791,
		      a->npool6791 * sizeof(a->pool6791[0])) == 0 &&
	       a->untrans_src == b->untrans_src && conf_ctx_mtu_eq(a, b) &&
	       a->udp_zero == b->udp_zero && a->tc_mode == b->tc_mode &&
	       a->tc_value == b->tc_value && a->tos_mode == b->tos_mode &&
	       a->tos_value == b->tos_value &&
	       a->allow_nonglobal_wkp == b->allow_nonglobal_wkp &&
	       a->allow_nonglobal_wkp_icmp == b->allow_nonglobal_wkp_icmp &&
	       conf_prefix4_list_eq(a->nonglobal, a->nnonglobal,
				    b->nonglobal, b->nnonglobal) &&
	       a->self4 == b->self4 &&
	       memcmp(&a->self6, &b->self6, sizeof(a->self6)) == 0 &&
	       a->icmp_errors == b->icmp_errors &&
	       a->eam_hairpin == b->eam_hairpin &&
	       a->icmp_source_object == b->icmp_source_object &&
	       a->drop_invalid_src == b->drop_invalid_src &&
	       conf_eam_eq(a->eam, b->eam);
}

static bool conf_prefix6_list_eq(const struct prefix6 *a, unsigned na,
				 const struct prefix6 *b, unsigned nb)
{
	if (na != nb)
		return false;
	for (unsigned i = 0; i < na; i++)
		if (a[i].len != b[i].len ||
		    memcmp(&a[i].addr, &b[i].addr, sizeof(a[i].addr)) != 0)
			return false;
	return true;
}

static bool conf_tun_eq(const struct conf_role *a, const struct conf_role *b)
{
	return strcmp(a->tun, b->tun) == 0 && a->mtu == b->mtu &&
	       a->manage_routes == b->manage_routes &&
	       conf_prefix4_list_eq(a->routes4, a->nroutes4, b->routes4,
				    b->nroutes4) &&
	       conf_prefix6_list_eq(a->routes6, a->nroutes6, b->routes6,
				    b->nroutes6);
}

static bool conf_clat_eq(const struct conf_role *a, const struct conf_role *b)
{
	return a->mode == b->mode && a->v4default == b->v4default &&
	       a->clat_v4 == b->clat_v4 &&
	       memcmp(&a->clat_v6, &b->clat_v6, sizeof(a->clat_v6)) == 0 &&
	       conf_prefix4_list_eq(&a->clat_prefix4, 1, &b->clat_prefix4, 1) &&
	       conf_prefix6_list_eq(&a->clat_prefix6, 1, &b->clat_prefix6, 1);
}

/* Only what the daemon and translator see; pool6_set is how a value was
 * written, not what it is. */
static bool conf_role_eq(const struct conf_role *a, const struct conf_role *b)
{
	if (a->enabled != b->enabled)
		return false;
	return !a->enabled || (conf_ctx_eq(&a->ctx, &b->ctx) &&
			       conf_tun_eq(a, b) && conf_clat_eq(a, b));
}

static bool conf_daemon_eq(const struct sixgate_conf *a,
			   const struct sixgate_conf *b)
{
	return a->workers == b->workers && strcmp(a->user, b->user) == 0 &&
	       strcmp(a->control_socket, b->control_socket) == 0 &&
	       a->log_packets == b->log_packets &&
	       a->icmp_error_rate == b->icmp_error_rate &&
	       a->offloads == b->offloads && a->pin_workers == b->pin_workers &&
	       a->io == b->io && a->busy_poll == b->busy_poll;
}

static bool conf_timeouts_eq(const struct nat64_timeouts *a,
			     const struct nat64_timeouts *b)
{
	return a->udp == b->udp && a->tcp_est == b->tcp_est &&
	       a->tcp_trans == b->tcp_trans &&
	       a->tcp_trans_open == b->tcp_trans_open &&
	       a->tcp_incoming_syn == b->tcp_incoming_syn &&
	       a->icmp == b->icmp && a->fragment == b->fragment;
}

/* The keys and the log function are the user's, not the file's. */
static bool conf_nat64_cfg_eq(const struct nat64_config *a,
			      const struct nat64_config *b)
{
	const struct nat64_table_config *ta = &a->table, *tb = &b->table;
	const struct pool4_config *pa = &a->pool, *pb = &b->pool;

	return conf_timeouts_eq(&a->to, &b->to) && a->adf == b->adf &&
	       a->drop_inbound_tcp == b->drop_inbound_tcp &&
	       a->router_src_dummy == b->router_src_dummy &&
	       a->max_stored_syn == b->max_stored_syn &&
	       a->frag_max == b->frag_max &&
	       a->frag_hold_max == b->frag_hold_max &&
	       a->port_hold == b->port_hold &&
	       a->port_hold_max == b->port_hold_max &&
	       a->log_bib == b->log_bib && a->log_sessions == b->log_sessions &&
	       ta->nshards == tb->nshards && ta->max_bib == tb->max_bib &&
	       ta->max_sessions == tb->max_sessions &&
	       ta->client_len == tb->client_len &&
	       ta->client_max_bib == tb->client_max_bib &&
	       ta->client_max_sessions == tb->client_max_sessions &&
	       pa->subscriber_len == pb->subscriber_len &&
	       pa->udp_parity == pb->udp_parity &&
	       memcmp(pa->quota, pb->quota, sizeof(pa->quota)) == 0 &&
	       pa->max_subscribers == pb->max_subscribers;
}

static bool conf_pool4_eq(const struct conf_nat64 *a,
			  const struct conf_nat64 *b)
{
	if (a->pool4_auto != b->pool4_auto || a->npool4 != b->npool4 ||
	    a->host_mark != b->host_mark || a->host_table != b->host_table)
		return false;
	for (unsigned i = 0; i < a->npool4; i++) {
		const struct pool4_range *x = &a->pool4[i], *y = &b->pool4[i];

		if (!conf_range_eq(x, y))
			return false;
	}
	return true;
}

static bool conf_bib_eq(const struct conf_nat64 *a,
			const struct conf_nat64 *b)
{
	if (a->nbib != b->nbib)
		return false;
	for (unsigned i = 0; i < a->nbib; i++) {
		const struct conf_bib *x = &a->bib[i], *y = &b->bib[i];

		if (x->proto != y->proto || x->x_port != y->x_port ||
		    x->t4 != y->t4 || x->t_port != y->t_port ||
		    memcmp(&x->x6, &y->x6, sizeof(x->x6)) != 0)
			return false;
	}
	return true;
}

static bool conf_nat64_eq(const struct sixgate_conf *a,
			  const struct sixgate_conf *b)
{
	if (!conf_role_eq(&a->nat64, &b->nat64))
		return false;
	return !a->nat64.enabled ||
	       (conf_nat64_cfg_eq(&a->nat64s.cfg, &b->nat64s.cfg) &&
		conf_pool4_eq(&a->nat64s, &b->nat64s) &&
		conf_bib_eq(&a->nat64s, &b->nat64s));
}

static bool conf_endpoints_eq(const struct conf_endpoint *a, unsigned na,
			      const struct conf_endpoint *b, unsigned nb)
{
	if (na != nb)
		return false;
	for (unsigned i = 0; i < na; i++)
		if (!conf_endpoint_eq(&a[i], &b[i]))
			return false;
	return true;
}

static bool conf_d64_lists_eq(const struct conf_dns64 *a,
			      const struct conf_dns64 *b)
{
	if (a->nallow != b->nallow || a->nprefix != b->nprefix)
		return false;
	for (unsigned i = 0; i < a->nallow; i++)
		if (!conf_netprefix_eq(&a->allow[i], &b->allow[i]))
			return false;
	for (unsigned i = 0; i < a->nprefix; i++)
		if (!conf_pref64_eq(&a->prefix[i].pref, &b->prefix[i].pref) ||
		    !conf_prefix4_list_eq(&a->prefix[i].range, 1,
					  &b->prefix[i].range, 1))
			return false;
	return conf_prefix6_list_eq(a->exclude, a->nexclude, b->exclude,
				    b->nexclude) &&
	       conf_prefix4_list_eq(a->mapout, a->nmapout, b->mapout,
				    b->nmapout);
}

static bool conf_dns64_eq(const struct conf_dns64 *a,
			  const struct conf_dns64 *b)
{
	if (a->enabled != b->enabled)
		return false;
	return !a->enabled ||
	       (conf_endpoints_eq(a->listen, a->nlisten, b->listen,
				  b->nlisten) &&
		conf_endpoints_eq(a->upstream, a->nupstream, b->upstream,
				  b->nupstream) &&
		a->recursion == b->recursion && a->dnssec == b->dnssec &&
		strcmp(a->trust_anchor, b->trust_anchor) == 0 &&
		conf_d64_lists_eq(a, b) && a->ttl_cap == b->ttl_cap &&
		a->ipv4only_ttl == b->ipv4only_ttl && a->ptr == b->ptr &&
		a->cache_size == b->cache_size &&
		a->upstream_timeout == b->upstream_timeout &&
		a->tcp_idle_timeout == b->tcp_idle_timeout &&
		a->tcp_max_clients == b->tcp_max_clients);
}

bool conf_equal(const struct sixgate_conf *a, const struct sixgate_conf *b)
{
	if (!conf_pref64_eq(&a->pref64, &b->pref64) ||
	    a->pref64_auto != b->pref64_auto ||
	    a->allow_nonglobal_wkp != b->allow_nonglobal_wkp ||
	    a->allow_nonglobal_wkp_icmp != b->allow_nonglobal_wkp_icmp ||
	    !conf_prefix4_list_eq(a->nonglobal, a->nnonglobal, b->nonglobal,
				  b->nnonglobal) ||
	    !conf_daemon_eq(a, b))
		return false;
	return conf_role_eq(&a->siit, &b->siit) &&
	       conf_role_eq(&a->clat, &b->clat) && conf_nat64_eq(a, b) &&
	       conf_dns64_eq(&a->dns64, &b->dns64);
}
