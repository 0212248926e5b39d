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

/* A config file is a few kilobytes; anything this big is a mistake. */
#define CONF_MAX_FILE (16u << 20)
/* Quoted user text is cut in messages so one line stays one line. */
#define CONF_QUOTE "%.80s"

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
	/* Per section: bit i set when conf_keys[i] was given there, and the
	 * line it was given on. */
	uint64_t seen_sect[CONF_SECT_DNS64 + 1];
	unsigned line_sect[CONF_SECT_DNS64 + 1][64];
	bool nonglobal_given;     /* first wkp-nonglobal clears the default */
	unsigned sect_line[CONF_SECT_DNS64 + 1]; /* where [x] was opened */
};

#define CONF_S(x) (1u << (x))
#define CONF_ROLES (CONF_S(CONF_SECT_SIIT) | CONF_S(CONF_SECT_CLAT))

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

/* The role the current section configures; the core keys are shared. */
static struct conf_role *conf_role(struct conf_parser *p)
{
	return p->sect == CONF_SECT_CLAT ? &p->c->clat : &p->c->siit;
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
	p->c->siit.pool6_set = true;
	return conf_get_pref64(p, key, val, &p->c->siit.ctx.pool6);
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

/* Print order is table order; conf_print() follows it. */
static const struct conf_key conf_keys[] = {
#define G CONF_S(CONF_SECT_GLOBAL)
#define S CONF_S(CONF_SECT_SIIT)
#define C CONF_S(CONF_SECT_CLAT)
	{ G, "pref64", false, conf_set_pref64 },
	{ G, "allow-nonglobal-wkp", false, conf_set_allow_wkp },
	{ G, "allow-nonglobal-wkp-icmp", false, conf_set_allow_wkp_icmp },
	{ G, "wkp-nonglobal", true, conf_set_wkp_nonglobal },
	{ G, "workers", false, conf_set_workers },
	{ G, "user", false, conf_set_user },
	{ G, "control-socket", false, conf_set_control },
	{ G, "log-packets", false, conf_set_log_packets },
	{ G, "icmp-error-rate", false, conf_set_icmp_rate },
	{ C, "mode", false, conf_set_clat_mode },
	{ S | C, "tun", false, conf_set_tun },
	{ S | C, "manage-routes", false, conf_set_manage_routes },
	{ S | C, "mtu", false, conf_set_mtu },
	{ S | C, "ipv4-route", true, conf_set_route4 },
	{ S, "ipv6-route", true, conf_set_route6 },
	{ C, "ipv4-default-route", false, conf_set_v4default },
	{ C, "ipv4-address", false, conf_set_clat_v4 },
	{ C, "ipv6-address", false, conf_set_clat_v6 },
	{ C, "ipv4-prefix", false, conf_set_clat_prefix4 },
	{ C, "ipv6-prefix", false, conf_set_clat_prefix6 },
	{ S, "pool6", false, conf_set_pool6 },
	{ S | C, "eam", true, conf_set_eam },
	{ S | C, "pool6791", true, conf_set_pool6791 },
	{ S | C, "untranslatable-source", false, conf_set_untrans },
	{ S | C, "lowest-ipv6-mtu", false, conf_set_lowest_mtu },
	{ S | C, "ipv4-mtu", false, conf_set_ipv4_mtu },
	{ S | C, "ipv6-mtu", false, conf_set_ipv6_mtu },
	{ S | C, "mtu-plateaus", false, conf_set_plateaus },
	{ S | C, "udp-zero-checksum", false, conf_set_udp_zero },
	{ S | C, "traffic-class", false, conf_set_tc },
	{ S | C, "tos", false, conf_set_tos },
	{ S | C, "icmp-errors", false, conf_set_icmp_errors },
	{ S | C, "eam-hairpin", false, conf_set_hairpin },
	{ S | C, "icmp-source-object", false, conf_set_source_object },
	{ S | C, "drop-invalid-source", false, conf_set_drop_invalid },
	{ S, "ipv4-address", false, conf_set_self4 },
	{ S, "ipv6-address", false, conf_set_self6 },
#undef G
#undef S
#undef C
};

#define CONF_NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))
_Static_assert(CONF_NKEYS <= 64, "conf_parser.seen is a 64-bit mask");

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

/* Was the row for name in sect given?  The row's bit is shared by every
 * section that accepts it, so the parser resets seen at each section. */
static bool conf_seen(const struct conf_parser *p, enum conf_section sect,
		      const char *name)
{
	int k = conf_key_find(sect, name);

	return k >= 0 && (p->seen_sect[sect] & (1ull << k));
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
	for (int i = CONF_SECT_SIIT; i <= CONF_SECT_CLAT; i++) {
		struct conf_role *r = i == CONF_SECT_SIIT ? &p->c->siit
							  : &p->c->clat;

		if (strcmp(name, conf_section_names[i]) != 0)
			continue;
		if (r->enabled)
			return conf_err(p, "[%s] given twice", name);
		r->enabled = true;
		p->sect = (enum conf_section)i;
		p->sect_line[i] = p->line;
		return 0;
	}
	for (int i = CONF_SECT_NAT64; i <= CONF_SECT_DNS64; i++)
		if (strcmp(name, conf_section_names[i]) == 0)
			return conf_err(p, "[%s] is not supported yet", name);
	return conf_err(p, "unknown section [" CONF_QUOTE "]", name);
}

static int conf_key_unknown(struct conf_parser *p, const char *key, int i)
{
	if (i >= 0 && conf_keys[i].sects == CONF_S(CONF_SECT_GLOBAL))
		return conf_err(p, "'%s' is a global key: put it before the "
				"first section", key);
	if (i >= 0)
		return conf_err(p, "'%s' belongs in [%s]", key,
				conf_section_names[conf_keys[i].sects &
						   CONF_S(CONF_SECT_SIIT) ?
						   CONF_SECT_SIIT :
						   CONF_SECT_CLAT]);
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
	if ((p->seen_sect[p->sect] & (1ull << i)) && !conf_keys[i].repeatable)
		return conf_err(p, "%s: already set on line %u", key,
				p->line_sect[p->sect][i]);
	p->seen_sect[p->sect] |= 1ull << i;
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
	err = conf_role_defaults(&c->siit, "siit0");
	if (err == 0)
		err = conf_role_defaults(&c->clat, "clat0");
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

static int conf_apply(struct conf_parser *p)
{
	struct sixgate_conf *c = p->c;
	int err = 0;

	if (c->siit.enabled)
		conf_apply_siit(p);
	if (c->clat.enabled)
		err = conf_apply_clat(p);
	if (err == 0 && c->siit.enabled && c->clat.enabled &&
	    strcmp(c->siit.tun, c->clat.tun) == 0)
		err = conf_clat_err(p, "tun", "[siit] uses the same device");
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

/* The core keys both roles share. */
static void conf_print_core(FILE *f, const struct xlat_ctx *x)
{
	static const char *const untrans[] = { "auto", "pool", "dummy" };
	struct conf_buf6 b;

	for (unsigned i = 0; i < x->npool6791; i++)
		fprintf(f, "pool6791 = %s\n", conf_fmt4(&b, x->pool6791[i], -1));
	fprintf(f, "untranslatable-source = %s\n",
		(unsigned)x->untrans_src < 3 ? untrans[x->untrans_src] : "auto");
	conf_print_mtus(f, x);
	fprintf(f, "udp-zero-checksum = %s\n",
		x->udp_zero == XLAT_UDP_ZERO_DROP ? "drop" : "compute");
	conf_print_tos(f, "traffic-class", x->tc_mode, x->tc_value);
	conf_print_tos(f, "tos", x->tos_mode, x->tos_value);
	fprintf(f, "icmp-errors = %s\n", conf_fmt_bool(x->icmp_errors));
	fprintf(f, "eam-hairpin = %s\n", conf_fmt_bool(x->eam_hairpin));
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
	conf_print_core(f, x);
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
	conf_print_core(f, &r->ctx);
}

int conf_print(FILE *f, const struct sixgate_conf *c)
{
	conf_print_global(f, c);
	if (c->siit.enabled)
		conf_print_siit(f, &c->siit, c->pref64_auto);
	if (c->clat.enabled)
		conf_print_clat(f, &c->clat);
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
	       a->icmp_error_rate == b->icmp_error_rate;
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
	       conf_role_eq(&a->clat, &b->clat);
}
