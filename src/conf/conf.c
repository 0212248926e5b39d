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
	uint64_t seen;            /* bit i: conf_keys[i] was set */
	unsigned key_line[64];    /* where conf_keys[i] was last set */
	bool nonglobal_given;     /* first wkp-nonglobal clears the default */
	unsigned siit_line;       /* where [siit] was opened */
};

struct conf_key {
	enum conf_section sect;
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

static int conf_set_pref64(struct conf_parser *p, const char *key, char *val)
{
	return conf_get_pref64(p, key, val, &p->c->pref64);
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
	err = eam_add(p->c->siit.eam, &e, &overlap);
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
	struct xlat_ctx *x = &p->c->siit.ctx;
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
			p->c->siit.ctx.untrans_src = (enum xlat_untrans_src)i;
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
			     &p->c->siit.ctx.lowest_ipv6_mtu);
}

static int conf_set_ipv4_mtu(struct conf_parser *p, const char *key,
			     char *val)
{
	return conf_get_uint(p, key, val, 68, 65535, &p->c->siit.ctx.ipv4_mtu);
}

static int conf_set_ipv6_mtu(struct conf_parser *p, const char *key,
			     char *val)
{
	return conf_get_uint(p, key, val, 1280, 65535,
			     &p->c->siit.ctx.ipv6_mtu);
}

/* RFC 1191 §7: the table is searched top down, so it must descend. */
static int conf_set_plateaus(struct conf_parser *p, const char *key,
			     char *val)
{
	uint16_t tab[XLAT_PLATEAUS_MAX];
	struct xlat_ctx *x = &p->c->siit.ctx;
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
	struct xlat_ctx *x = &p->c->siit.ctx;

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
	struct xlat_ctx *x = &p->c->siit.ctx;

	return conf_get_tos(p, key, val, &x->tc_mode, &x->tc_value);
}

static int conf_set_tos(struct conf_parser *p, const char *key, char *val)
{
	struct xlat_ctx *x = &p->c->siit.ctx;

	return conf_get_tos(p, key, val, &x->tos_mode, &x->tos_value);
}

static int conf_set_icmp_errors(struct conf_parser *p, const char *key,
				char *val)
{
	return conf_get_bool(p, key, val, &p->c->siit.ctx.icmp_errors);
}

static int conf_set_source_object(struct conf_parser *p, const char *key,
				  char *val)
{
	return conf_get_bool(p, key, val, &p->c->siit.ctx.icmp_source_object);
}

static int conf_set_hairpin(struct conf_parser *p, const char *key, char *val)
{
	return conf_get_bool(p, key, val, &p->c->siit.ctx.eam_hairpin);
}

static int conf_set_drop_invalid(struct conf_parser *p, const char *key,
				 char *val)
{
	return conf_get_bool(p, key, val, &p->c->siit.ctx.drop_invalid_src);
}

static int conf_set_self4(struct conf_parser *p, const char *key, char *val)
{
	return conf_get_addr4(p, key, val, &p->c->siit.ctx.self4);
}

static int conf_set_self6(struct conf_parser *p, const char *key, char *val)
{
	if (inet_pton(AF_INET6, val, &p->c->siit.ctx.self6) != 1)
		return conf_err(p, "%s: '" CONF_QUOTE "' is not an IPv6 "
				"address", key, val);
	return 0;
}

/* Print order is table order; conf_print() follows it. */
static const struct conf_key conf_keys[] = {
	{ CONF_SECT_GLOBAL, "pref64", false, conf_set_pref64 },
	{ CONF_SECT_GLOBAL, "allow-nonglobal-wkp", false, conf_set_allow_wkp },
	{ CONF_SECT_GLOBAL, "allow-nonglobal-wkp-icmp", false,
	  conf_set_allow_wkp_icmp },
	{ CONF_SECT_GLOBAL, "wkp-nonglobal", true, conf_set_wkp_nonglobal },
	{ CONF_SECT_SIIT, "pool6", false, conf_set_pool6 },
	{ CONF_SECT_SIIT, "eam", true, conf_set_eam },
	{ CONF_SECT_SIIT, "pool6791", true, conf_set_pool6791 },
	{ CONF_SECT_SIIT, "untranslatable-source", false, conf_set_untrans },
	{ CONF_SECT_SIIT, "lowest-ipv6-mtu", false, conf_set_lowest_mtu },
	{ CONF_SECT_SIIT, "ipv4-mtu", false, conf_set_ipv4_mtu },
	{ CONF_SECT_SIIT, "ipv6-mtu", false, conf_set_ipv6_mtu },
	{ CONF_SECT_SIIT, "mtu-plateaus", false, conf_set_plateaus },
	{ CONF_SECT_SIIT, "udp-zero-checksum", false, conf_set_udp_zero },
	{ CONF_SECT_SIIT, "traffic-class", false, conf_set_tc },
	{ CONF_SECT_SIIT, "tos", false, conf_set_tos },
	{ CONF_SECT_SIIT, "icmp-errors", false, conf_set_icmp_errors },
	{ CONF_SECT_SIIT, "eam-hairpin", false, conf_set_hairpin },
	{ CONF_SECT_SIIT, "icmp-source-object", false, conf_set_source_object },
	{ CONF_SECT_SIIT, "drop-invalid-source", false, conf_set_drop_invalid },
	{ CONF_SECT_SIIT, "ipv4-address", false, conf_set_self4 },
	{ CONF_SECT_SIIT, "ipv6-address", false, conf_set_self6 },
};

#define CONF_NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))
_Static_assert(CONF_NKEYS <= 64, "conf_parser.seen is a 64-bit mask");

static int conf_key_index(const char *name)
{
	for (size_t i = 0; i < CONF_NKEYS; i++)
		if (strcmp(conf_keys[i].name, name) == 0)
			return (int)i;
	return -1;
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
	if (strcmp(name, "siit") == 0) {
		if (p->c->siit.enabled)
			return conf_err(p, "[siit] given twice");
		p->c->siit.enabled = true;
		p->sect = CONF_SECT_SIIT;
		p->siit_line = p->line;
		return 0;
	}
	for (int i = CONF_SECT_CLAT; i <= CONF_SECT_DNS64; i++)
		if (strcmp(name, conf_section_names[i]) == 0)
			return conf_err(p, "[%s] is not supported yet", name);
	return conf_err(p, "unknown section [" CONF_QUOTE "]", name);
}

static int conf_key_unknown(struct conf_parser *p, const char *key, int i)
{
	if (i >= 0 && conf_keys[i].sect == CONF_SECT_GLOBAL)
		return conf_err(p, "'%s' is a global key: put it before the "
				"first section", key);
	if (i >= 0)
		return conf_err(p, "'%s' belongs in [%s]", key,
				conf_section_names[conf_keys[i].sect]);
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
	i = conf_key_index(key);
	if (i < 0 || conf_keys[i].sect != p->sect)
		return conf_key_unknown(p, key, i);
	if (!*val)
		return conf_err(p, "%s: missing value", key);
	if ((p->seen & (1ull << i)) && !conf_keys[i].repeatable)
		return conf_err(p, "%s: already set on line %u", key,
				p->key_line[i]);
	p->seen |= 1ull << i;
	p->key_line[i] = p->line;
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

/* ---- defaults, validate, apply ----------------------------------------- */

static int conf_defaults(struct sixgate_conf *c)
{
	static const struct in6_addr wkp = {
		.s6_addr = { 0x00, 0x64, 0xff, 0x9b },
	};

	memset(c, 0, sizeof(*c));
	xlat_ctx_init(&c->siit.ctx);
	c->pref64.prefix = wkp; /* RFC 6052 §2.1 */
	c->pref64.len = 96;
	/* One source of truth for the RFC 6052 §3.1 list: the core's. */
	memcpy(c->nonglobal, c->siit.ctx.nonglobal, sizeof(c->nonglobal));
	c->nnonglobal = c->siit.ctx.nnonglobal;
	c->siit.eam = eam_new();
	return c->siit.eam ? 0 : -ENOMEM;
}

/* RFC 6052 §3.1: the WKP SHOULD NOT be used for IPv4-translatable
 * addresses.  SIIT derives the IPv6 hosts' own addresses from pool6 (those
 * without an EAM row), so a WKP pool6 does exactly that. */
static void conf_validate_pool6(struct conf_parser *p)
{
	int k = conf_key_index("pool6");
	unsigned line = p->seen & (1ull << k) ? p->key_line[k] : p->siit_line;

	if (addr_pref64_is_wkp(&p->c->siit.ctx.pool6))
		conf_warn_at(p, line, "pool6 is the well-known prefix "
			     "64:ff9b::/96, which SHOULD NOT be used for "
			     "IPv4-translatable addresses (RFC 6052 §3.1); "
			     "prefer a network-specific prefix");
}

static void conf_validate_siit(struct conf_parser *p)
{
	const struct xlat_ctx *x = &p->c->siit.ctx;
	int lo = conf_key_index("lowest-ipv6-mtu");
	int un = conf_key_index("untranslatable-source");

	conf_validate_pool6(p);

	if (x->lowest_ipv6_mtu > x->ipv6_mtu)
		conf_warn_at(p, p->key_line[lo], "lowest-ipv6-mtu %u is above "
			     "ipv6-mtu %u", x->lowest_ipv6_mtu, x->ipv6_mtu);
	if (x->untrans_src == XLAT_UNTRANS_POOL && x->npool6791 == 0)
		conf_warn_at(p, p->key_line[un], "untranslatable-source = "
			     "pool without pool6791: such ICMPv6 errors will "
			     "be dropped");
}

/* Globals flow into the role context; defaults that depend on other keys
 * are computed only now, so key order in the file does not matter. */
static void conf_apply_siit(struct conf_parser *p)
{
	struct sixgate_conf *c = p->c;
	struct xlat_ctx *x = &c->siit.ctx;

	if (!(p->seen & (1ull << conf_key_index("pool6"))))
		x->pool6 = c->pref64;
	if (!(p->seen & (1ull << conf_key_index("ipv6-address"))))
		addr_embed(&x->pool6, x->self4, &x->self6);
	x->eam = c->siit.eam;
	x->allow_nonglobal_wkp = c->allow_nonglobal_wkp;
	x->allow_nonglobal_wkp_icmp = c->allow_nonglobal_wkp_icmp;
	memcpy(x->nonglobal, c->nonglobal, sizeof(x->nonglobal));
	x->nnonglobal = c->nnonglobal;
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
	if (rc == 0 && p->c->siit.enabled) {
		conf_apply_siit(p);
		conf_validate_siit(p);
	}
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
}

static void conf_print_eam(FILE *f, const struct eam_table *t)
{
	struct conf_buf6 b4, b6;
	size_t n = t ? eam_count(t) : 0;

	for (size_t i = 0; i < n; i++) {
		const struct eam_entry *e = eam_get(t, i);

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

static void conf_print_siit(FILE *f, const struct conf_siit *s)
{
	static const char *const untrans[] = { "auto", "pool", "dummy" };
	const struct xlat_ctx *x = &s->ctx;
	struct conf_buf6 b;

	fprintf(f, "\n[siit]\n");
	fprintf(f, "pool6 = %s\n", conf_fmt6(&b, &x->pool6.prefix,
					     x->pool6.len));
	conf_print_eam(f, s->eam);
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
	fprintf(f, "ipv4-address = %s\n", conf_fmt4(&b, x->self4, -1));
	fprintf(f, "ipv6-address = %s\n", conf_fmt6(&b, &x->self6, -1));
}

int conf_print(FILE *f, const struct sixgate_conf *c)
{
	conf_print_global(f, c);
	if (c->siit.enabled)
		conf_print_siit(f, &c->siit);
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
	for (size_t i = 0; i < n; i++) {
		const struct eam_entry *x = eam_get(a, i), *y = eam_get(b, i);

		if (x->v4 != y->v4 || x->len4 != y->len4 ||
		    x->len6 != y->len6 ||
		    memcmp(&x->v6, &y->v6, sizeof(x->v6)) != 0)
			return false;
	}
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

bool conf_equal(const struct sixgate_conf *a, const struct sixgate_conf *b)
{
	if (!conf_pref64_eq(&a->pref64, &b->pref64) ||
	    a->allow_nonglobal_wkp != b->allow_nonglobal_wkp ||
	    a->allow_nonglobal_wkp_icmp != b->allow_nonglobal_wkp_icmp ||
	    !conf_prefix4_list_eq(a->nonglobal, a->nnonglobal, b->nonglobal,
				  b->nnonglobal) ||
	    a->siit.enabled != b->siit.enabled)
		return false;
	return !a->siit.enabled || conf_ctx_eq(&a->siit.ctx, &b->siit.ctx);
}
