/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: the control socket (docs/daemon.md, "Control protocol" and
 * "Counters").  Requests are parsed by control_parse() into a plain struct
 * (pure, fuzzed), run against the daemon.h views and changes, and answered
 * through a bounded builder.  EAM rows follow RFC 7757 §3.2; pref64 sources
 * are RFC 7050 and RFC 8781; bib, session and pool4 show the stateful NAT64
 * of RFC 6146 (§3.1 BIB, §3.2 sessions, §3.5.1.1 pool4).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "core/nat64.h"
#include "daemon.h"

#ifndef SIXGATE_VERSION
#define SIXGATE_VERSION "0.1"
#endif

/* Room kept in front of the body for the status line. */
#define CONTROL_STATUS_MAX 1024
/* Quoted request words are cut in messages so one line stays one line. */
#define CONTROL_QUOTE "%.64s"

/* ------------------------------------------------------------------ */
/* Bounded builder                                                     */

void control_buf_init(struct control_buf *b, char *mem, size_t cap)
{
	b->data = mem;
	b->cap = cap;
	b->len = 0;
	b->truncated = cap == 0;
	if (cap)
		mem[0] = '\0';
}

void control_buf_vprintf(struct control_buf *b, const char *fmt, va_list ap)
{
	size_t room;
	int n;

	if (b->truncated)
		return;
	room = b->cap - b->len;
	n = vsnprintf(b->data + b->len, room, fmt, ap);
	if (n < 0) {
		b->truncated = true;
		return;
	}
	if ((size_t)n >= room) {
		/* Keep the cut text but not vsnprintf's NUL as content. */
		b->len = b->cap - 1;
		b->truncated = true;
		return;
	}
	b->len += (size_t)n;
}

void control_buf_printf(struct control_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	control_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void control_buf_json_str(struct control_buf *b, const char *s)
{
	control_buf_printf(b, "\"");
	for (; *s && !b->truncated; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			control_buf_printf(b, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			control_buf_printf(b, "\\u%04x", ch);
		else
			control_buf_printf(b, "%c", ch);
	}
	control_buf_printf(b, "\"");
}

/* ------------------------------------------------------------------ */
/* Request parser                                                      */

struct control_words;
struct control_cmd_def;

/* Checks and stores the operands of one command. */
typedef int control_parse_fn(const struct control_words *ws, unsigned skip,
			     const struct control_cmd_def *def,
			     struct control_request *req, char *err,
			     size_t errlen);

static control_parse_fn control_parse_eam, control_parse_filter,
	control_parse_bib_add, control_parse_bib_del;

struct control_cmd_def {
	const char *word1, *word2;
	enum control_cmd cmd;
	unsigned nargs;       /* operands; UINT_MAX: any number (filters) */
	control_parse_fn *parse; /* NULL: no operands to look at */
	const char *usage;
	const char *help;
};

#define CONTROL_ANY_ARGS UINT_MAX

static const struct control_cmd_def control_cmds[] = {
	{ "status", NULL, CONTROL_CMD_STATUS, 0, NULL, "status",
	  "version, uptime, roles, pref64, devices, workers, config file" },
	{ "stats", NULL, CONTROL_CMD_STATS, 0, NULL, "stats",
	  "packet counters and drops per reason (and NAT64 counters)" },
	{ "workers", NULL, CONTROL_CMD_WORKERS, 0, NULL, "workers",
	  "each worker: role, TUN queue, CPU and its packet counters" },
	{ "eam", "show", CONTROL_CMD_EAM_SHOW, 0, NULL, "eam show",
	  "the Explicit Address Mapping table (RFC 7757)" },
	{ "eam", "add", CONTROL_CMD_EAM_ADD, 2, control_parse_eam,
	  "eam add IPV4[/LEN] IPV6[/LEN]",
	  "add an EAM row to the running table" },
	{ "eam", "del", CONTROL_CMD_EAM_DEL, 1, control_parse_eam,
	  "eam del IPV4[/LEN]",
	  "remove the EAM row with this IPv4 prefix" },
	{ "pref64", "show", CONTROL_CMD_PREF64_SHOW, 0, NULL, "pref64 show",
	  "the translation prefix in use, its source and lifetime" },
	{ "bib", "show", CONTROL_CMD_BIB_SHOW, CONTROL_ANY_ARGS,
	  control_parse_filter, "bib show [tcp|udp|icmp] [ipv6 ADDR] "
	  "[ipv4 ADDR] [port N] [static|dynamic] [limit N]",
	  "NAT64 BIB entries (RFC 6146 3.1), at most 1000 unless limit" },
	{ "bib", "add", CONTROL_CMD_BIB_ADD, 5, control_parse_bib_add,
	  "bib add tcp|udp|icmp IPV6 PORT IPV4 PORT",
	  "add a static NAT64 BIB entry" },
	{ "bib", "del", CONTROL_CMD_BIB_DEL, 3, control_parse_bib_del,
	  "bib del tcp|udp|icmp IPV4 PORT",
	  "remove a static NAT64 BIB entry and its sessions" },
	{ "session", "show", CONTROL_CMD_SESSION_SHOW, CONTROL_ANY_ARGS,
	  control_parse_filter, "session show [tcp|udp|icmp] [ipv6 ADDR] "
	  "[ipv4 ADDR] [port N] [limit N]",
	  "NAT64 sessions (RFC 6146 3.2), at most 1000 unless limit" },
	{ "pool4", "show", CONTROL_CMD_POOL4_SHOW, 0, NULL, "pool4 show",
	  "NAT64 IPv4 pool: ports in use / configured per address" },
	{ "reload", NULL, CONTROL_CMD_RELOAD, 0, NULL, "reload",
	  "re-read the configuration file" },
	{ "help", NULL, CONTROL_CMD_HELP, 0, NULL, "help", "this list" },
};

#define CONTROL_NCMDS (sizeof(control_cmds) / sizeof(control_cmds[0]))

struct control_words {
	char buf[CONTROL_REQ_MAX + 1];
	char *w[CONTROL_TOKENS_MAX];
	unsigned n;
};

static int control_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int control_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* One line of printable ASCII; *len loses the final "\n" or "\r\n". */
static int control_check_line(const char *text, size_t *len, char *err,
			      size_t errlen)
{
	size_t n = *len;

	if (n > CONTROL_REQ_MAX)
		return control_err(err, errlen, "request longer than %d bytes",
				   CONTROL_REQ_MAX);
	if (n && text[n - 1] == '\n')
		n--;
	if (n && text[n - 1] == '\r')
		n--;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)text[i];

		if (ch == '\0')
			return control_err(err, errlen, "NUL byte at offset "
					   "%zu", i);
		if (ch == '\n')
			return control_err(err, errlen, "more than one line "
					   "in the request");
		if ((ch < 0x20 && ch != '\t') || ch >= 0x7f)
			return control_err(err, errlen, "byte 0x%02x at offset "
					   "%zu is not printable ASCII", ch, i);
	}
	*len = n;
	return 0;
}

static int control_split(const char *text, size_t len,
			 struct control_words *ws, char *err, size_t errlen)
{
	char *p = ws->buf, *end = ws->buf + len;

	memcpy(ws->buf, text, len);
	ws->buf[len] = '\0';
	ws->n = 0;
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t'))
			*p++ = '\0';
		if (p == end)
			break;
		if (ws->n == CONTROL_TOKENS_MAX)
			return control_err(err, errlen, "too many words (at "
					   "most %d)", CONTROL_TOKENS_MAX);
		ws->w[ws->n++] = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
	}
	if (ws->n == 0)
		return control_err(err, errlen, "empty request (try 'help')");
	return 0;
}

/* Take "--json" out of the words; refuse any other option. */
static int control_options(struct control_words *ws, bool *json, char *err,
			   size_t errlen)
{
	unsigned k = 0;

	*json = false;
	for (unsigned i = 0; i < ws->n; i++) {
		if (strcmp(ws->w[i], "--json") == 0) {
			*json = true;
			continue;
		}
		if (ws->w[i][0] == '-' && ws->w[i][1] == '-')
			return control_err(err, errlen, "unknown option '"
					   CONTROL_QUOTE "'", ws->w[i]);
		ws->w[k++] = ws->w[i];
	}
	ws->n = k;
	if (k == 0)
		return control_err(err, errlen, "no command (try 'help')");
	return 0;
}

static const struct control_cmd_def *
control_find(const struct control_words *ws, char *err, size_t errlen)
{
	bool known = false;

	for (size_t i = 0; i < CONTROL_NCMDS; i++) {
		const struct control_cmd_def *c = &control_cmds[i];

		if (strcmp(ws->w[0], c->word1) != 0)
			continue;
		known = true;
		if (!c->word2 ||
		    (ws->n > 1 && strcmp(ws->w[1], c->word2) == 0))
			return c;
	}
	if (!known)
		control_err(err, errlen, "unknown command '" CONTROL_QUOTE
			    "' (try 'help')", ws->w[0]);
	else if (ws->n == 1)
		control_err(err, errlen, "'%s' needs a subcommand (try "
			    "'help')", ws->w[0]);
	else
		control_err(err, errlen, "unknown command '%s " CONTROL_QUOTE
			    "' (try 'help')", ws->w[0], ws->w[1]);
	return NULL;
}

static int control_parse4(const char *s, struct eam_entry *e, char *err,
			  size_t errlen)
{
	uint32_t a;
	unsigned len;

	if (addr_parse4_prefix(s, &a, &len) != 0)
		return control_err(err, errlen, "'" CONTROL_QUOTE "' is not "
				   "an IPv4 address or prefix", s);
	if (len < 32 && (a & (UINT32_MAX >> len)) != 0)
		return control_err(err, errlen, "'" CONTROL_QUOTE "': bits "
				   "set past the prefix length", s);
	e->v4 = a;
	e->len4 = (uint8_t)len;
	return 0;
}

static int control_parse6(const char *s, struct eam_entry *e, char *err,
			  size_t errlen)
{
	struct in6_addr a;
	unsigned len;

	if (addr_parse6_prefix(s, &a, &len, false) != 0)
		return control_err(err, errlen, "'" CONTROL_QUOTE "' is not "
				   "an IPv6 address or prefix", s);
	for (unsigned bit = len; bit < 128; bit++)
		if (a.s6_addr[bit / 8] & (0x80 >> (bit % 8)))
			return control_err(err, errlen, "'" CONTROL_QUOTE
					   "': bits set past the prefix length",
					   s);
	e->v6 = a;
	e->len6 = (uint8_t)len;
	return 0;
}

static int control_parse_eam(const struct control_words *ws, unsigned skip,
			     const struct control_cmd_def *def,
			     struct control_request *req, char *err,
			     size_t errlen)
{
	struct eam_entry *e = &req->eam;
	int rc = control_parse4(ws->w[2], e, err, errlen);

	if (rc < 0 || req->cmd == CONTROL_CMD_EAM_DEL)
		return rc;
	rc = control_parse6(ws->w[3], e, err, errlen);
	if (rc < 0)
		return rc;
	if (32u - e->len4 > 128u - e->len6)
		return control_err(err, errlen, "RFC 7757 §3.2: IPv4 suffix "
				   "(%u bits) is longer than the IPv6 suffix "
				   "(%u bits)", 32u - e->len4,
				   128u - e->len6);
	return 0;
}

static const char *const control_proto_names[NAT64_NPROTO] = {
	[NAT64_P_TCP] = "tcp", [NAT64_P_UDP] = "udp", [NAT64_P_ICMP] = "icmp",
};

/* 0 and *proto, or -ENOENT when s names no protocol (no message). */
static int control_proto(const char *s, uint8_t *proto)
{
	for (uint8_t p = 0; p < NAT64_NPROTO; p++) {
		if (strcmp(s, control_proto_names[p]) == 0) {
			*proto = p;
			return 0;
		}
	}
	return -ENOENT;
}

static int control_parse_proto(const char *s, uint8_t *proto, char *err,
			       size_t errlen)
{
	if (control_proto(s, proto) == 0)
		return 0;
	return control_err(err, errlen, "'" CONTROL_QUOTE "' is not a "
			   "protocol (tcp, udp or icmp)", s);
}

/* Decimal digits only, no sign, no leading blanks, at most max. */
static bool control_number(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (*s == '\0' || strlen(s) > 10)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* A port of proto: 1-65535 for tcp and udp, 0-65535 for an ICMP
 * identifier (RFC 6146 3.1: identifiers take the place of ports). */
static int control_parse_port(const char *s, uint8_t proto, uint16_t *port,
			      char *err, size_t errlen)
{
	uint32_t v;

	if (proto == NAT64_P_ICMP) {
		if (!control_number(s, UINT16_MAX, &v))
			return control_err(err, errlen, "'" CONTROL_QUOTE
					   "' is not an ICMP identifier "
					   "(0-65535)", s);
	} else if (!control_number(s, UINT16_MAX, &v) || v == 0) {
		return control_err(err, errlen, "'" CONTROL_QUOTE "' is not a "
				   "%s port (1-65535)", s,
				   control_proto_names[proto]);
	}
	*port = (uint16_t)v;
	return 0;
}

static int control_parse_addr6(const char *s, struct in6_addr *a, char *err,
			       size_t errlen)
{
	if (inet_pton(AF_INET6, s, a) == 1)
		return 0;
	return control_err(err, errlen, "'" CONTROL_QUOTE "' is not an IPv6 "
			   "address", s);
}

static int control_parse_addr4(const char *s, uint32_t *a, char *err,
			       size_t errlen)
{
	struct in_addr in;

	if (inet_pton(AF_INET, s, &in) != 1)
		return control_err(err, errlen, "'" CONTROL_QUOTE "' is not an "
				   "IPv4 address", s);
	*a = ntohl(in.s_addr);
	return 0;
}

/* The value of one "KEY VALUE" filter (ipv6, ipv4, port, limit). */
static int control_filter_value(const char *key, const char *val,
				struct control_nat64_filter *f, char *err,
				size_t errlen)
{
	uint32_t v;

	if (strcmp(key, "ipv6") == 0) {
		f->has6 = true;
		return control_parse_addr6(val, &f->v6, err, errlen);
	}
	if (strcmp(key, "ipv4") == 0) {
		f->has4 = true;
		return control_parse_addr4(val, &f->v4, err, errlen);
	}
	if (strcmp(key, "port") == 0) {
		if (!control_number(val, UINT16_MAX, &v))
			return control_err(err, errlen, "'" CONTROL_QUOTE
					   "' is not a port (0-65535)", val);
		f->has_port = true;
		f->port = (uint16_t)v;
		return 0;
	}
	if (!control_number(val, UINT32_MAX, &f->limit))
		return control_err(err, errlen, "'" CONTROL_QUOTE "' is not a "
				   "row count (0: no limit)", val);
	return 0;
}

/* The filter at ws->w[i]: how many words it took (1 or 2), or -EINVAL.
 * seen holds one bit per kind of filter: a repeat is refused rather than
 * silently ANDed into nothing. */
static int control_filter_word(const struct control_words *ws, unsigned i,
			       const struct control_cmd_def *def,
			       struct control_nat64_filter *f, unsigned *seen,
			       char *err, size_t errlen)
{
	static const char *const keys[] = { "ipv6", "ipv4", "port", "limit" };
	bool bib = def->cmd == CONTROL_CMD_BIB_SHOW;
	const char *w = ws->w[i], *what = NULL;
	unsigned bit = 0;
	int used = 1;

	if (control_proto(w, &f->proto) == 0) {
		bit = 1;
		what = "protocol";
	} else if (bib && (strcmp(w, "static") == 0 ||
			   strcmp(w, "dynamic") == 0)) {
		f->kind = w[0] == 's' ? CONTROL_BIB_STATIC :
			  CONTROL_BIB_DYNAMIC;
		bit = 2;
		what = "static|dynamic";
	} else {
		for (unsigned k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strcmp(w, keys[k]) == 0)
				bit = 4u << k;
		used = 2;
	}
	if (!bit)
		return control_err(err, errlen, "unknown filter '"
				   CONTROL_QUOTE "' (usage: %s)", w,
				   def->usage);
	if (*seen & bit)
		return what ? control_err(err, errlen, "%s given twice", what) :
			      control_err(err, errlen, "'%s' given twice", w);
	*seen |= bit;
	if (used == 1)
		return 1;
	if (i + 1 == ws->n)
		return control_err(err, errlen, "'%s' needs a value (usage: "
				   "%s)", w, def->usage);
	return control_filter_value(w, ws->w[i + 1], f, err, errlen) < 0 ?
	       -EINVAL : 2;
}

/* bib show / session show: filters in any order, each at most once. */
static int control_parse_filter(const struct control_words *ws,
				unsigned skip,
				const struct control_cmd_def *def,
				struct control_request *req, char *err,
				size_t errlen)
{
	unsigned seen = 0;

	req->filter.proto = NAT64_NPROTO;
	req->filter.limit = CONTROL_LIMIT_DEFAULT;
	for (unsigned i = skip; i < ws->n;) {
		int used = control_filter_word(ws, i, def, &req->filter,
					       &seen, err, errlen);

		if (used < 0)
			return used;
		i += (unsigned)used;
	}
	return 0;
}

static int control_parse_bib_add(const struct control_words *ws,
				 unsigned skip,
				 const struct control_cmd_def *def,
				 struct control_request *req, char *err,
				 size_t errlen)
{
	struct control_bib_entry *e = &req->bib;
	const char *const *w = (const char *const *)ws->w + skip;

	if (control_parse_proto(w[0], &e->proto, err, errlen) < 0 ||
	    control_parse_addr6(w[1], &e->x6, err, errlen) < 0 ||
	    control_parse_port(w[2], e->proto, &e->x_port, err, errlen) < 0 ||
	    control_parse_addr4(w[3], &e->t4, err, errlen) < 0 ||
	    control_parse_port(w[4], e->proto, &e->t_port, err, errlen) < 0)
		return -EINVAL;
	return 0;
}

static int control_parse_bib_del(const struct control_words *ws,
				 unsigned skip,
				 const struct control_cmd_def *def,
				 struct control_request *req, char *err,
				 size_t errlen)
{
	struct control_bib_entry *e = &req->bib;
	const char *const *w = (const char *const *)ws->w + skip;

	if (control_parse_proto(w[0], &e->proto, err, errlen) < 0 ||
	    control_parse_addr4(w[1], &e->t4, err, errlen) < 0 ||
	    control_parse_port(w[2], e->proto, &e->t_port, err, errlen) < 0)
		return -EINVAL;
	return 0;
}

int control_parse(const char *text, size_t len, struct control_request *req,
		  char *err, size_t errlen)
{
	struct control_words ws;
	const struct control_cmd_def *def;
	unsigned skip;
	int rc;

	memset(req, 0, sizeof(*req));
	if (errlen)
		err[0] = '\0';
	rc = control_check_line(text, &len, err, errlen);
	if (rc == 0)
		rc = control_split(text, len, &ws, err, errlen);
	if (rc == 0)
		rc = control_options(&ws, &req->json, err, errlen);
	if (rc < 0)
		return rc;
	def = control_find(&ws, err, errlen);
	if (!def)
		return -EINVAL;
	skip = def->word2 ? 2 : 1;
	if (def->nargs != CONTROL_ANY_ARGS && ws.n - skip != def->nargs)
		return control_err(err, errlen, "usage: %s", def->usage);
	req->cmd = def->cmd;
	return def->parse ? def->parse(&ws, skip, def, req, err, errlen) : 0;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */

struct control_ctx {
	struct daemon *d;
	const struct control_request *req;
	struct control_buf *b;
	char *err;
	size_t errlen;
};

static const char *control_fmt4(char *s, size_t n, uint32_t v4,
				unsigned len)
{
	struct in_addr in = { .s_addr = htonl(v4) };
	char a[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &in, a, sizeof(a));
	snprintf(s, n, "%s/%u", a, len);
	return s;
}

static const char *control_fmt6(char *s, size_t n, const struct in6_addr *v6,
				unsigned len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, v6, a, sizeof(a));
	snprintf(s, n, "%s/%u", a, len);
	return s;
}

static int control_help(struct control_ctx *x)
{
	bool json = x->req->json;

	control_buf_printf(x->b, json ? "{\"commands\": [" : "");
	for (size_t i = 0; i < CONTROL_NCMDS; i++) {
		const struct control_cmd_def *c = &control_cmds[i];

		if (!json) {
			const char *u = c->usage;

			/* A long usage gets a line of its own. */
			if (strlen(u) > 32) {
				control_buf_printf(x->b, "%s\n", u);
				u = "";
			}
			control_buf_printf(x->b, "%-32s %s\n", u, c->help);
			continue;
		}
		control_buf_printf(x->b, "%s{\"usage\": ", i ? ", " : "");
		control_buf_json_str(x->b, c->usage);
		control_buf_printf(x->b, ", \"help\": ");
		control_buf_json_str(x->b, c->help);
		control_buf_printf(x->b, "}");
	}
	control_buf_printf(x->b, json ? "]}\n" :
			   "add --json to any command for JSON\n");
	return 0;
}

static const char *control_src_name(enum pref64_source s)
{
	switch (s) {
	case PREF64_SRC_CONFIG:
		return "config";
	case PREF64_SRC_RFC7050:
		return "rfc7050";
	case PREF64_SRC_RFC8781:
		return "rfc8781";
	case PREF64_SRC_NONE:
		break;
	}
	return "none";
}

static const char *control_src_desc(enum pref64_source s)
{
	switch (s) {
	case PREF64_SRC_CONFIG:
		return "configuration file";
	case PREF64_SRC_RFC7050:
		return "RFC 7050 (AAAA of ipv4only.arpa)";
	case PREF64_SRC_RFC8781:
		return "RFC 8781 (PREF64 option in a Router Advertisement)";
	case PREF64_SRC_NONE:
		break;
	}
	return "not discovered yet";
}

struct control_pref64 {
	struct pref64 p;
	enum pref64_source src;
	uint32_t lifetime;
	char text[INET6_ADDRSTRLEN + 8];
};

static void control_get_pref64(struct daemon *d, struct control_pref64 *p)
{
	memset(p, 0, sizeof(*p));
	daemon_pref64(d, &p->p, &p->src, &p->lifetime);
	if (p->p.len)
		control_fmt6(p->text, sizeof(p->text), &p->p.prefix,
			     p->p.len);
	else
		snprintf(p->text, sizeof(p->text), "none");
}

static void control_lifetime_text(char *s, size_t n, uint32_t lifetime)
{
	if (lifetime == UINT32_MAX)
		snprintf(s, n, "forever");
	else
		snprintf(s, n, "%" PRIu32 "s", lifetime);
}

/* {"prefix": "...", "source": "...", "lifetime": N|null}, or null. */
static void control_pref64_json(struct control_buf *b,
				const struct control_pref64 *p)
{
	if (!p->p.len) {
		control_buf_printf(b, "null");
		return;
	}
	control_buf_printf(b, "{\"prefix\": ");
	control_buf_json_str(b, p->text);
	control_buf_printf(b, ", \"source\": ");
	control_buf_json_str(b, control_src_name(p->src));
	if (p->lifetime == UINT32_MAX)
		control_buf_printf(b, ", \"lifetime\": null}");
	else
		control_buf_printf(b, ", \"lifetime\": %" PRIu32 "}",
				   p->lifetime);
}

static void control_uptime_text(char *s, size_t n, int64_t up)
{
	if (up < 0)
		up = 0;
	snprintf(s, n, "%" PRId64 "d %02" PRId64 "h %02" PRId64 "m %02"
		 PRId64 "s", up / 86400, up / 3600 % 24, up / 60 % 60,
		 up % 60);
}

/* The roles in the order eam add picks its table: [siit], then [clat]. */
struct control_role {
	const char *name;
	const struct conf_role *role;
};

static unsigned control_roles(const struct sixgate_conf *conf,
			      struct control_role out[2])
{
	unsigned n = 0;

	if (conf && conf->siit.enabled)
		out[n++] = (struct control_role){ "siit", &conf->siit };
	if (conf && conf->clat.enabled)
		out[n++] = (struct control_role){ "clat", &conf->clat };
	return n;
}

/* Every role for status: the EAM ones, then [nat64]. */
static unsigned control_role_names(const struct sixgate_conf *conf,
				   const char *out[3])
{
	struct control_role roles[2];
	unsigned n = control_roles(conf, roles);

	for (unsigned i = 0; i < n; i++)
		out[i] = roles[i].name;
	if (conf && conf->nat64.enabled)
		out[n++] = "nat64";
	return n;
}

static const char *control_clat_mode(const struct sixgate_conf *conf)
{
	if (!conf || !conf->clat.enabled)
		return NULL;
	switch (conf->clat.mode) {
	case CONF_CLAT_HOST:
		return "host";
	case CONF_CLAT_ROUTER:
		return "router";
	case CONF_CLAT_NONE:
		break;
	}
	return NULL;
}

static void control_status_text(struct control_ctx *x, int64_t up,
				const struct control_pref64 *p)
{
	const char *const *dev = daemon_devices(x->d);
	const char *path = daemon_conf_path(x->d);
	const struct sixgate_conf *conf = daemon_conf(x->d);
	const char *mode = control_clat_mode(conf);
	const char *roles[3];
	unsigned nroles = control_role_names(conf, roles);
	char uptime[64];

	control_uptime_text(uptime, sizeof(uptime), up);
	control_buf_printf(x->b, "version   %s\n", SIXGATE_VERSION);
	control_buf_printf(x->b, "uptime    %s\n", uptime);
	control_buf_printf(x->b, "roles    ");
	for (unsigned i = 0; i < nroles; i++)
		control_buf_printf(x->b, " %s", roles[i]);
	if (mode)
		control_buf_printf(x->b, " (clat mode %s)", mode);
	control_buf_printf(x->b, "%s\n", nroles ? "" : " none");
	control_buf_printf(x->b, "pref64    %s (%s)\n", p->text,
			   control_src_desc(p->src));
	control_buf_printf(x->b, "devices  ");
	for (size_t i = 0; dev && dev[i]; i++)
		control_buf_printf(x->b, " %s", dev[i]);
	control_buf_printf(x->b, "\nworkers   %u\n", daemon_nworkers(x->d));
	control_buf_printf(x->b, "config    %s\n",
			   path ? path : "(embedded default)");
}

static void control_status_json(struct control_ctx *x, int64_t up,
				const struct control_pref64 *p)
{
	const char *const *dev = daemon_devices(x->d);
	const char *path = daemon_conf_path(x->d);
	const struct sixgate_conf *conf = daemon_conf(x->d);
	const char *mode = control_clat_mode(conf);
	const char *roles[3];
	unsigned nroles = control_role_names(conf, roles);

	control_buf_printf(x->b, "{\"version\": ");
	control_buf_json_str(x->b, SIXGATE_VERSION);
	control_buf_printf(x->b, ", \"uptime\": %" PRId64 ", \"started\": %"
			   PRId64 ", \"roles\": [", up,
			   (int64_t)daemon_started(x->d));
	for (unsigned i = 0; i < nroles; i++)
		control_buf_printf(x->b, "%s\"%s\"", i ? ", " : "",
				   roles[i]);
	control_buf_printf(x->b, "], \"clat_mode\": ");
	if (mode)
		control_buf_printf(x->b, "\"%s\"", mode);
	else
		control_buf_printf(x->b, "null");
	control_buf_printf(x->b, ", \"pref64\": ");
	control_pref64_json(x->b, p);
	control_buf_printf(x->b, ", \"pref64_source\": ");
	control_buf_json_str(x->b, control_src_name(p->src));
	control_buf_printf(x->b, ", \"devices\": [");
	for (size_t i = 0; dev && dev[i]; i++) {
		control_buf_printf(x->b, i ? ", " : "");
		control_buf_json_str(x->b, dev[i]);
	}
	control_buf_printf(x->b, "], \"workers\": %u, \"config\": ",
			   daemon_nworkers(x->d));
	if (path)
		control_buf_json_str(x->b, path);
	else
		control_buf_printf(x->b, "null");
	control_buf_printf(x->b, "}\n");
}

static int control_status(struct control_ctx *x)
{
	struct control_pref64 p;
	int64_t up = (int64_t)time(NULL) - (int64_t)daemon_started(x->d);

	control_get_pref64(x->d, &p);
	if (x->req->json)
		control_status_json(x, up, &p);
	else
		control_status_text(x, up, &p);
	return 0;
}

struct control_counter {
	const char *name;
	size_t off;
	const char *desc;
};

static const struct control_counter control_counters[] = {
	{ "in4", offsetof(struct stats_sum, in4),
	  "IPv4 packets read from the TUN devices" },
	{ "in6", offsetof(struct stats_sum, in6),
	  "IPv6 packets read from the TUN devices" },
	{ "out4", offsetof(struct stats_sum, out4),
	  "IPv4 packets written (translated or generated)" },
	{ "out6", offsetof(struct stats_sum, out6),
	  "IPv6 packets written (translated or generated)" },
	{ "icmp_sent", offsetof(struct stats_sum, icmp_sent),
	  "ICMP errors the translator generated and sent" },
	{ "icmp_limited", offsetof(struct stats_sum, icmp_limited),
	  "generated ICMP errors dropped by icmp-error-rate" },
	{ "tun_read_err", offsetof(struct stats_sum, tun_read_err),
	  "failed reads from the TUN devices" },
	{ "tun_write_err", offsetof(struct stats_sum, tun_write_err),
	  "failed writes to the TUN devices" },
	{ "gso_in", offsetof(struct stats_sum, gso_in),
	  "GSO super-packets read (offloads), each counted once in in4/in6" },
};

#define CONTROL_NCOUNTERS (sizeof(control_counters) / \
			   sizeof(control_counters[0]))

/* The uint64_t at off in a counters struct. */
static uint64_t control_u64_at(const void *base, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)base + off, sizeof(v));
	return v;
}

static uint64_t control_counter(const struct stats_sum *s, size_t i)
{
	return control_u64_at(s, control_counters[i].off);
}

static uint64_t control_dropped(const struct stats_sum *s)
{
	uint64_t n = 0;

	for (int v = XLAT_OK + 1; v < XLAT__COUNT; v++)
		n += s->verdict[v];
	return n;
}

#define CONTROL_ROW "%-22s %20" PRIu64 "  %s\n"

static void control_stats_text(struct control_buf *b,
			       const struct stats_sum *s)
{
	control_buf_printf(b, "%-22s %20s  %s\n", "COUNTER", "VALUE",
			   "DESCRIPTION");
	for (size_t i = 0; i < CONTROL_NCOUNTERS; i++)
		control_buf_printf(b, CONTROL_ROW, control_counters[i].name,
				   control_counter(s, i),
				   control_counters[i].desc);
	control_buf_printf(b, CONTROL_ROW, "translated",
			   s->verdict[XLAT_OK], xlat_reason_desc(XLAT_OK));
	control_buf_printf(b, CONTROL_ROW, "dropped", control_dropped(s),
			   "packets not translated (sum of the reasons below)");
	control_buf_printf(b, "\n%-22s %20s  %s\n", "DROP REASON", "COUNT",
			   "DESCRIPTION");
	for (int v = XLAT_OK + 1; v < XLAT__COUNT; v++)
		control_buf_printf(b, CONTROL_ROW, xlat_reason_name(v),
				   s->verdict[v], xlat_reason_desc(v));
}

/* "in4": N, ..., "translated": N, "dropped": N: stats and workers. */
static void control_counters_json(struct control_buf *b,
				  const struct stats_sum *s)
{
	for (size_t i = 0; i < CONTROL_NCOUNTERS; i++)
		control_buf_printf(b, "\"%s\": %" PRIu64 ", ",
				   control_counters[i].name,
				   control_counter(s, i));
	control_buf_printf(b, "\"translated\": %" PRIu64 ", \"dropped\": %"
			   PRIu64, s->verdict[XLAT_OK], control_dropped(s));
}

static void control_stats_json(struct control_buf *b,
			       const struct stats_sum *s)
{
	control_buf_printf(b, "{\"counters\": {");
	control_counters_json(b, s);
	control_buf_printf(b, "}, \"drops\": {");
	for (int v = XLAT_OK + 1; v < XLAT__COUNT; v++) {
		control_buf_printf(b, "%s\"%s\": {\"count\": %" PRIu64
				   ", \"desc\": ", v > XLAT_OK + 1 ? ", " : "",
				   xlat_reason_name(v), s->verdict[v]);
		control_buf_json_str(b, xlat_reason_desc(v));
		control_buf_printf(b, "}");
	}
	control_buf_printf(b, "}");
}

/* The NAT64's own counters (nat64_counter_names[] order) and gauges;
 * its per-packet drops are XLAT_NAT64_* reasons, in the table above. */
#define CONTROL_NAT64_ONE(name, desc) +1
enum { CONTROL_NAT64_NCOUNTERS = 0 NAT64_COUNTERS(CONTROL_NAT64_ONE) };
#undef CONTROL_NAT64_ONE

static void control_nat64_values(const struct nat64_stats *s,
				 uint64_t v[CONTROL_NAT64_NCOUNTERS])
{
	size_t i = 0;

#define CONTROL_NAT64_VALUE(name, desc) v[i++] = s->name;
	NAT64_COUNTERS(CONTROL_NAT64_VALUE)
#undef CONTROL_NAT64_VALUE
}

static const struct control_counter control_nat64_gauges[] = {
	{ "bib_entries", offsetof(struct nat64_stats, bib_entries),
	  "BIB entries now, static and dynamic" },
	{ "sessions", offsetof(struct nat64_stats, sessions),
	  "sessions now" },
	{ "stored_syns", offsetof(struct nat64_stats, stored_syns),
	  "IPv4 SYNs held now" },
	{ "frag_states", offsetof(struct nat64_stats, frag_states),
	  "fragmented datagrams tracked now" },
	{ "held_frags", offsetof(struct nat64_stats, held_frags),
	  "out-of-order fragments held now" },
	{ "held_ports", offsetof(struct nat64_stats, held_ports),
	  "freed ports on hold now" },
};

#define CONTROL_NGAUGES (sizeof(control_nat64_gauges) / \
			 sizeof(control_nat64_gauges[0]))

static uint64_t control_gauge(const struct nat64_stats *s, size_t i)
{
	return control_u64_at(s, control_nat64_gauges[i].off);
}

static void control_nat64_stats_text(struct control_buf *b,
				     const struct nat64_stats *s)
{
	uint64_t v[CONTROL_NAT64_NCOUNTERS];

	control_nat64_values(s, v);
	control_buf_printf(b, "\n%-22s %20s  %s\n", "NAT64", "VALUE",
			   "DESCRIPTION");
	for (size_t i = 0; i < CONTROL_NAT64_NCOUNTERS; i++)
		control_buf_printf(b, CONTROL_ROW, nat64_counter_names[i], v[i],
				   nat64_counter_descs[i]);
	for (size_t i = 0; i < CONTROL_NGAUGES; i++)
		control_buf_printf(b, CONTROL_ROW, control_nat64_gauges[i].name,
				   control_gauge(s, i),
				   control_nat64_gauges[i].desc);
}

static void control_nat64_stats_json(struct control_buf *b,
				     const struct nat64_stats *s)
{
	uint64_t v[CONTROL_NAT64_NCOUNTERS];

	control_nat64_values(s, v);
	control_buf_printf(b, ", \"nat64\": {");
	for (size_t i = 0; i < CONTROL_NAT64_NCOUNTERS; i++)
		control_buf_printf(b, "\"%s\": %" PRIu64 ", ",
				   nat64_counter_names[i], v[i]);
	for (size_t i = 0; i < CONTROL_NGAUGES; i++)
		control_buf_printf(b, "%s\"%s\": %" PRIu64, i ? ", " : "",
				   control_nat64_gauges[i].name,
				   control_gauge(s, i));
	control_buf_printf(b, "}");
}

/* [dns64] (docs/dns64.md): the DNS64 thread's counters. */
#define CONTROL_DNS64_ROW(name, desc) { #name, desc },
static const struct {
	const char *name;
	const char *desc;
} control_dns64_rows[] = { DNS64_COUNTERS(CONTROL_DNS64_ROW) };
#undef CONTROL_DNS64_ROW
#define CONTROL_DNS64_N (sizeof(control_dns64_rows) / \
			 sizeof(control_dns64_rows[0]))

static void control_dns64_values(const struct dns64_stats *s,
				 uint64_t v[CONTROL_DNS64_N])
{
	size_t i = 0;

#define CONTROL_DNS64_VALUE(name, desc) v[i++] = s->name;
	DNS64_COUNTERS(CONTROL_DNS64_VALUE)
#undef CONTROL_DNS64_VALUE
}

static void control_dns64_stats(struct control_buf *b,
				const struct dns64_stats *s, bool json)
{
	uint64_t v[CONTROL_DNS64_N];

	control_dns64_values(s, v);
	if (json)
		control_buf_printf(b, ", \"dns64\": {");
	else
		control_buf_printf(b, "\n%-22s %20s  %s\n", "DNS64", "VALUE",
				   "DESCRIPTION");
	for (size_t i = 0; i < CONTROL_DNS64_N; i++) {
		if (json)
			control_buf_printf(b, "%s\"%s\": %" PRIu64,
					   i ? ", " : "",
					   control_dns64_rows[i].name, v[i]);
		else
			control_buf_printf(b, CONTROL_ROW,
					   control_dns64_rows[i].name, v[i],
					   control_dns64_rows[i].desc);
	}
	if (json)
		control_buf_printf(b, "}");
}

static int control_stats(struct control_ctx *x)
{
	struct dns64_stats ds;
	struct nat64 *n = daemon_nat64(x->d);
	struct nat64_stats ns;
	struct stats_sum s;

	memset(&s, 0, sizeof(s));
	daemon_stats(x->d, &s);
	if (n)
		nat64_stats(n, &ns);
	if (x->req->json)
		control_stats_json(x->b, &s);
	else
		control_stats_text(x->b, &s);
	if (n && x->req->json)
		control_nat64_stats_json(x->b, &ns);
	else if (n)
		control_nat64_stats_text(x->b, &ns);
	if (daemon_dns64_stats(x->d, &ds))
		control_dns64_stats(x->b, &ds, x->req->json);
	if (x->req->json)
		control_buf_printf(x->b, "}\n");
	return 0;
}

static void control_worker_json(struct control_buf *b,
				const struct worker_info *w, bool first)
{
	control_buf_printf(b, "%s{\"role\": \"%s\", \"device\": ",
			   first ? "" : ", ", w->role);
	control_buf_json_str(b, w->dev);
	control_buf_printf(b, ", \"queue\": %u, \"cpu\": ", w->queue);
	if (w->cpu >= 0)
		control_buf_printf(b, "%d", w->cpu);
	else
		control_buf_printf(b, "null");
	control_buf_printf(b, ", \"running\": %s, ",
			   w->running ? "true" : "false");
	control_counters_json(b, &w->s);
	control_buf_printf(b, "}");
}

/* One row per worker; the sums are `stats`. */
static int control_workers(struct control_ctx *x)
{
	struct worker_info *ws = calloc(DAEMON_WORKER_ROWS, sizeof(*ws));
	unsigned n;

	if (!ws) {
		snprintf(x->err, x->errlen, "workers: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	n = daemon_workers(x->d, ws, DAEMON_WORKER_ROWS);
	if (x->req->json)
		control_buf_printf(x->b, "{\"workers\": [");
	else
		control_buf_printf(x->b, "%-6s %-15s %5s %4s %-8s %14s %14s "
				   "%14s %14s %12s\n", "ROLE", "DEVICE",
				   "QUEUE", "CPU", "STATE", "IN4", "IN6",
				   "OUT4", "OUT6", "DROPPED");
	for (unsigned k = 0; k < n; k++) {
		const struct worker_info *w = &ws[k];
		char cpu[12] = "-";

		if (x->req->json) {
			control_worker_json(x->b, w, k == 0);
			continue;
		}
		if (w->cpu >= 0)
			snprintf(cpu, sizeof(cpu), "%d", w->cpu);
		control_buf_printf(x->b, "%-6s %-15s %5u %4s %-8s %14" PRIu64
				   " %14" PRIu64 " %14" PRIu64 " %14" PRIu64
				   " %12" PRIu64 "\n", w->role, w->dev, w->queue,
				   cpu, w->running ? "running" : "stopped",
				   w->s.in4, w->s.in6, w->s.out4, w->s.out6,
				   control_dropped(&w->s));
	}
	if (x->req->json)
		control_buf_printf(x->b, "]}\n");
	else if (n == 0)
		control_buf_printf(x->b, "(no TUN device open)\n");
	free(ws);
	return 0;
}

static void control_eam_row(struct control_buf *b, const char *role,
			    const struct eam_entry *e, bool json, bool first)
{
	char s4[INET_ADDRSTRLEN + 4], s6[INET6_ADDRSTRLEN + 5];

	control_fmt4(s4, sizeof(s4), e->v4, e->len4);
	control_fmt6(s6, sizeof(s6), &e->v6, e->len6);
	if (!json) {
		control_buf_printf(b, "%-5s %-19s %s\n", role, s4, s6);
		return;
	}
	control_buf_printf(b, "%s{\"role\": \"%s\", \"ipv4\": \"%s\", "
			   "\"ipv6\": \"%s\"}", first ? "" : ", ", role, s4,
			   s6);
}

/* Rows of every role: [siit] (where eam add goes when it is on), then
 * [clat], whose first row is the CLAT's own mapping. */
static int control_eam_show(struct control_ctx *x)
{
	struct control_role roles[2];
	unsigned nroles = control_roles(daemon_conf(x->d), roles);
	size_t shown = 0;

	if (x->req->json)
		control_buf_printf(x->b, "{\"eam\": [");
	else
		control_buf_printf(x->b, "%-5s %-19s %s\n", "ROLE", "IPV4",
				   "IPV6");
	for (unsigned r = 0; r < nroles; r++) {
		const struct eam_table *t = roles[r].role->eam;
		size_t n = t ? eam_count(t) : 0;

		for (size_t i = 0; i < n; i++, shown++)
			control_eam_row(x->b, roles[r].name, eam_get(t, i),
					x->req->json, shown == 0);
	}
	if (x->req->json)
		control_buf_printf(x->b, "]}\n");
	else if (shown == 0)
		control_buf_printf(x->b, "(no rows)\n");
	return 0;
}

/* Daemon changes report their reason in err; fill one in if they forgot. */
static int control_changed(struct control_ctx *x, int rc, const char *what)
{
	if (rc < 0 && x->err[0] == '\0')
		snprintf(x->err, x->errlen, "%s: %s", what, strerror(-rc));
	return rc < 0 ? rc : 0;
}

static int control_eam_add(struct control_ctx *x)
{
	const struct eam_entry *e = &x->req->eam;
	char s4[INET_ADDRSTRLEN + 4], s6[INET6_ADDRSTRLEN + 5];
	int rc = daemon_eam_add(x->d, e, x->err, x->errlen);

	if (control_changed(x, rc, "eam add") < 0)
		return rc;
	control_fmt4(s4, sizeof(s4), e->v4, e->len4);
	control_fmt6(s6, sizeof(s6), &e->v6, e->len6);
	if (x->req->json)
		control_buf_printf(x->b, "{\"added\": {\"ipv4\": \"%s\", "
				   "\"ipv6\": \"%s\"}}\n", s4, s6);
	else
		control_buf_printf(x->b, "added %s %s\n", s4, s6);
	return 0;
}

static int control_eam_del(struct control_ctx *x)
{
	const struct eam_entry *e = &x->req->eam;
	char s4[INET_ADDRSTRLEN + 4];
	int rc = daemon_eam_del4(x->d, e->v4, e->len4, x->err, x->errlen);

	if (control_changed(x, rc, "eam del") < 0)
		return rc;
	control_fmt4(s4, sizeof(s4), e->v4, e->len4);
	if (x->req->json)
		control_buf_printf(x->b, "{\"deleted\": {\"ipv4\": \"%s\"}}\n",
				   s4);
	else
		control_buf_printf(x->b, "deleted %s\n", s4);
	return 0;
}

static int control_pref64_show(struct control_ctx *x)
{
	struct control_pref64 p;
	char life[32];

	control_get_pref64(x->d, &p);
	if (x->req->json) {
		control_buf_printf(x->b, "{\"pref64\": [");
		if (p.p.len)
			control_pref64_json(x->b, &p);
		control_buf_printf(x->b, "], \"source\": ");
		control_buf_json_str(x->b, control_src_name(p.src));
		control_buf_printf(x->b, "}\n");
		return 0;
	}
	control_buf_printf(x->b, "%-43s %-8s %s\n", "PREFIX", "SOURCE",
			   "LIFETIME");
	if (!p.p.len) {
		control_buf_printf(x->b, "(none: %s)\n",
				   control_src_desc(p.src));
		return 0;
	}
	control_lifetime_text(life, sizeof(life), p.lifetime);
	control_buf_printf(x->b, "%-43s %-8s %s\n", p.text,
			   control_src_name(p.src), life);
	return 0;
}

static int control_reload(struct control_ctx *x)
{
	const char *path = daemon_conf_path(x->d);
	int rc = daemon_reload(x->d, x->err, x->errlen);

	if (control_changed(x, rc, "reload") < 0)
		return rc;
	if (!x->req->json) {
		control_buf_printf(x->b, "reloaded %s\n",
				   path ? path : "(embedded default)");
		return 0;
	}
	control_buf_printf(x->b, "{\"reloaded\": ");
	if (path)
		control_buf_json_str(x->b, path);
	else
		control_buf_printf(x->b, "null");
	control_buf_printf(x->b, "}\n");
	return 0;
}

/* ---- NAT64 (RFC 6146): bib, session, pool4 ------------------------ */

/* Room kept at the end of a table for its trailer (or JSON close), so a
 * table cut by the answer size still ends well-formed and says so. */
#define CONTROL_TRAILER_MAX 384
/* One formatted row of bib show or session show, JSON included. */
#define CONTROL_ROW_MAX 512

static struct nat64 *control_nat64(struct control_ctx *x)
{
	struct nat64 *n = daemon_nat64(x->d);

	if (!n)
		snprintf(x->err, x->errlen, "no [nat64] role configured");
	return n;
}

/* Rows of a table that may be larger than one answer: all are counted,
 * the first ones are shown while the limit and the answer allow. */
struct control_rows {
	struct control_buf *b;
	uint32_t limit;      /* 0: no limit but the answer's size */
	uint64_t shown, total;
	bool full;           /* a row found no room: later ones are not shown */
};

/* Is the next row to be shown (so worth formatting)?  Counts it. */
static bool control_rows_want(struct control_rows *r)
{
	r->total++;
	return !r->full && !(r->limit && r->shown >= r->limit);
}

/* Append a row whole, or stop showing rows when it does not fit. */
static void control_rows_put(struct control_rows *r,
			     const struct control_buf *row)
{
	if (row->truncated || r->b->truncated ||
	    r->b->cap - r->b->len <= row->len + CONTROL_TRAILER_MAX) {
		r->full = true;
		return;
	}
	memcpy(r->b->data + r->b->len, row->data, row->len + 1);
	r->b->len += row->len;
	r->shown++;
}

/* "... N more" in text; shown, total and truncated in JSON. */
static void control_rows_end(struct control_rows *r, bool json,
			     const char *none)
{
	uint64_t more = r->total - r->shown;

	if (json) {
		control_buf_printf(r->b, "], \"shown\": %" PRIu64
				   ", \"total\": %" PRIu64 ", \"truncated\": "
				   "%s}\n",
				   r->shown, r->total, more ? "true" : "false");
		return;
	}
	if (r->total == 0)
		control_buf_printf(r->b, "%s\n", none);
	else if (more && !r->full)
		control_buf_printf(r->b, "... %" PRIu64 " more (use limit)\n",
				   more);
	else if (more)
		control_buf_printf(r->b, "... %" PRIu64 " more (the answer is "
				   "full at %d bytes: narrow with filters)\n",
				   more, CONTROL_ANSWER_MAX);
}

static void control_ntop4(char s[INET_ADDRSTRLEN], uint32_t v4)
{
	struct in_addr in = { .s_addr = htonl(v4) };

	inet_ntop(AF_INET, &in, s, INET_ADDRSTRLEN);
}

/* "[2001:db8::1]:40000" and "192.0.2.1:61001"; no port when has_port is
 * false (the remote end of an ICMP query). */
static const char *control_taddr6(char *s, size_t n,
				  const struct in6_addr *a, uint16_t port,
				  bool has_port)
{
	char t[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, a, t, sizeof(t));
	if (has_port)
		snprintf(s, n, "[%s]:%u", t, port);
	else
		snprintf(s, n, "[%s]", t);
	return s;
}

static const char *control_taddr4(char *s, size_t n, uint32_t a,
				  uint16_t port, bool has_port)
{
	char t[INET_ADDRSTRLEN];

	control_ntop4(t, a);
	if (has_port)
		snprintf(s, n, "%s:%u", t, port);
	else
		snprintf(s, n, "%s", t);
	return s;
}

/* "key": "addr", "key_port": N; the port is null without one. */
static void control_json_port(struct control_buf *b, const char *key,
			      const char *addr, uint16_t port, bool has_port)
{
	control_buf_printf(b, "\"%s\": \"%s\", \"%s_port\": ", key, addr,
			   key);
	if (has_port)
		control_buf_printf(b, "%u", port);
	else
		control_buf_printf(b, "null");
}

static void control_json_taddr6(struct control_buf *b, const char *key,
				const struct in6_addr *a, uint16_t port,
				bool has_port)
{
	char t[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, a, t, sizeof(t));
	control_json_port(b, key, t, port, has_port);
}

static void control_json_taddr4(struct control_buf *b, const char *key,
				uint32_t a, uint16_t port, bool has_port)
{
	char t[INET_ADDRSTRLEN];

	control_ntop4(t, a);
	control_json_port(b, key, t, port, has_port);
}

struct control_walk {
	struct control_rows rows;
	const struct control_nat64_filter *f;
	bool json;
	uint64_t now;  /* CLOCK_MONOTONIC ns, the daemon's clock */
};

static bool control_bib_match(const struct control_nat64_filter *f,
			      const struct nat64_bib *e)
{
	if (f->has6 && memcmp(&f->v6, &e->x6, sizeof(f->v6)) != 0)
		return false;
	if (f->has4 && f->v4 != e->t4)
		return false;
	if (f->has_port && f->port != e->x_port && f->port != e->t_port)
		return false;
	if (f->kind == CONTROL_BIB_STATIC && !e->is_static)
		return false;
	return f->kind != CONTROL_BIB_DYNAMIC || !e->is_static;
}

#define CONTROL_BIB_FMT "%-5s %-30s %-21s %-7s %s\n"

static void control_bib_row(struct control_buf *b, const struct nat64_bib *e,
			    bool json, bool first)
{
	const char *proto = control_proto_names[e->proto % NAT64_NPROTO];
	char s6[INET6_ADDRSTRLEN + 8], s4[INET_ADDRSTRLEN + 6], n[16];

	if (!json) {
		snprintf(n, sizeof(n), "%" PRIu32, e->sessions);
		control_buf_printf(b, CONTROL_BIB_FMT, proto,
				   control_taddr6(s6, sizeof(s6), &e->x6,
						  e->x_port, true),
				   control_taddr4(s4, sizeof(s4), e->t4,
						  e->t_port, true),
				   e->is_static ? "static" : "dynamic", n);
		return;
	}
	control_buf_printf(b, "%s{\"proto\": \"%s\", ", first ? "" : ", ",
			   proto);
	control_json_taddr6(b, "ipv6", &e->x6, e->x_port, true);
	control_buf_printf(b, ", ");
	control_json_taddr4(b, "ipv4", e->t4, e->t_port, true);
	control_buf_printf(b, ", \"static\": %s, \"sessions\": %" PRIu32 "}",
			   e->is_static ? "true" : "false", e->sessions);
}

/* Runs under a shard lock: format into a local row, no call into n. */
static int control_bib_cb(void *arg, const struct nat64_bib *e)
{
	struct control_walk *w = arg;
	char mem[CONTROL_ROW_MAX];
	struct control_buf row;

	if (!control_bib_match(w->f, e) || !control_rows_want(&w->rows))
		return 0;
	control_buf_init(&row, mem, sizeof(mem));
	control_bib_row(&row, e, w->json, w->rows.shown == 0);
	control_rows_put(&w->rows, &row);
	return 0;
}

static int control_bib_show(struct control_ctx *x)
{
	struct nat64 *n = control_nat64(x);
	struct control_walk w = { .rows = { .b = x->b,
					    .limit = x->req->filter.limit },
				  .f = &x->req->filter, .json = x->req->json };

	if (!n)
		return -ENOENT;
	if (w.json)
		control_buf_printf(x->b, "{\"bib\": [");
	else
		control_buf_printf(x->b, CONTROL_BIB_FMT, "PROTO", "IPV6",
				   "IPV4", "KIND", "SESSIONS");
	nat64_bib_walk(n, w.f->proto, control_bib_cb, &w);
	control_rows_end(&w.rows, w.json, "(no entries)");
	return 0;
}

static bool control_session_match(const struct control_nat64_filter *f,
				  const struct nat64_session *s)
{
	const struct nat64_tuple *t = &s->tup;
	bool icmp = t->proto == NAT64_P_ICMP;

	if (f->has6 && memcmp(&f->v6, &t->x6, sizeof(f->v6)) != 0 &&
	    memcmp(&f->v6, &t->y6, sizeof(f->v6)) != 0)
		return false;
	if (f->has4 && f->v4 != t->t4 && f->v4 != t->z4)
		return false;
	/* An ICMP query has an identifier on each side, no remote port. */
	return !f->has_port || f->port == t->x_port || f->port == t->t_port ||
	       (!icmp && (f->port == t->y_port || f->port == t->z_port));
}

/* "ESTABLISHED" for TCP; NULL for the protocols without states. */
static const char *control_tcp_state(const struct nat64_session *s,
				     char *buf, size_t n)
{
	const char *name;
	size_t i;

	if (s->tup.proto != NAT64_P_TCP)
		return NULL;
	name = nat64_tcp_state_name((enum nat64_tcp_state)s->state);
	for (i = 0; name[i] && i + 1 < n; i++)
		buf[i] = (char)toupper((unsigned char)name[i]);
	buf[i] = '\0';
	return buf;
}

/* Seconds until expiry, rounded up; 0 when due. */
static uint64_t control_expires_in(uint64_t expires, uint64_t now)
{
	return expires > now ? (expires - now + 999999999u) / 1000000000u : 0;
}

#define CONTROL_SESSION_FMT "%-5s %-30s %-30s %-21s %-21s %-17s %s\n"

static void control_session_text(struct control_buf *b,
				 const struct nat64_session *s,
				 const char *state, uint64_t secs)
{
	const struct nat64_tuple *t = &s->tup;
	bool ports = t->proto != NAT64_P_ICMP;
	char x6[INET6_ADDRSTRLEN + 8], y6[INET6_ADDRSTRLEN + 8];
	char t4[INET_ADDRSTRLEN + 6], z4[INET_ADDRSTRLEN + 6], e[24];

	snprintf(e, sizeof(e), "%" PRIu64 "s", secs);
	control_buf_printf(b, CONTROL_SESSION_FMT,
			   control_proto_names[t->proto % NAT64_NPROTO],
			   control_taddr6(x6, sizeof(x6), &t->x6, t->x_port,
					  true),
			   control_taddr6(y6, sizeof(y6), &t->y6, t->y_port,
					  ports),
			   control_taddr4(t4, sizeof(t4), t->t4, t->t_port,
					  true),
			   control_taddr4(z4, sizeof(z4), t->z4, t->z_port,
					  ports),
			   state ? state : "-", e);
}

static void control_session_json(struct control_buf *b,
				 const struct nat64_session *s,
				 const char *state, uint64_t secs, bool first)
{
	const struct nat64_tuple *t = &s->tup;
	bool ports = t->proto != NAT64_P_ICMP;

	control_buf_printf(b, "%s{\"proto\": \"%s\", ", first ? "" : ", ",
			   control_proto_names[t->proto % NAT64_NPROTO]);
	control_json_taddr6(b, "ipv6", &t->x6, t->x_port, true);
	control_buf_printf(b, ", ");
	control_json_taddr6(b, "ipv6_remote", &t->y6, t->y_port, ports);
	control_buf_printf(b, ", ");
	control_json_taddr4(b, "ipv4", t->t4, t->t_port, true);
	control_buf_printf(b, ", ");
	control_json_taddr4(b, "ipv4_remote", t->z4, t->z_port, ports);
	if (state)
		control_buf_printf(b, ", \"state\": \"%s\"", state);
	else
		control_buf_printf(b, ", \"state\": null");
	control_buf_printf(b, ", \"expires\": %" PRIu64 "}", secs);
}

static int control_session_cb(void *arg, const struct nat64_session *s)
{
	struct control_walk *w = arg;
	char mem[CONTROL_ROW_MAX], st[24];
	const char *state;
	uint64_t secs;
	struct control_buf row;

	if (!control_session_match(w->f, s) || !control_rows_want(&w->rows))
		return 0;
	state = control_tcp_state(s, st, sizeof(st));
	secs = control_expires_in(s->expires, w->now);
	control_buf_init(&row, mem, sizeof(mem));
	if (w->json)
		control_session_json(&row, s, state, secs, w->rows.shown == 0);
	else
		control_session_text(&row, s, state, secs);
	control_rows_put(&w->rows, &row);
	return 0;
}

/* The daemon's clock (daemon_now_ns()): nat64 expiry times are on it. */
static uint64_t control_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int control_session_show(struct control_ctx *x)
{
	struct nat64 *n = control_nat64(x);
	struct control_walk w = { .rows = { .b = x->b,
					    .limit = x->req->filter.limit },
				  .f = &x->req->filter, .json = x->req->json,
				  .now = control_now_ns() };

	if (!n)
		return -ENOENT;
	if (w.json)
		control_buf_printf(x->b, "{\"sessions\": [");
	else
		control_buf_printf(x->b, CONTROL_SESSION_FMT, "PROTO",
				   "IPV6 CLIENT", "IPV6 REMOTE", "IPV4",
				   "IPV4 REMOTE", "STATE", "EXPIRES");
	nat64_session_walk(n, w.f->proto, control_session_cb, &w);
	control_rows_end(&w.rows, w.json, "(no sessions)");
	return 0;
}

/* Why nat64_static_add/del refused, in the words of sixgatectl(8). */
static int control_bib_refused(struct control_ctx *x, int rc,
			       const char *what)
{
	const struct control_bib_entry *e = &x->req->bib;
	char s6[INET6_ADDRSTRLEN + 8], s4[INET_ADDRSTRLEN + 6];
	const char *proto = control_proto_names[e->proto % NAT64_NPROTO];

	control_taddr6(s6, sizeof(s6), &e->x6, e->x_port, true);
	control_taddr4(s4, sizeof(s4), e->t4, e->t_port, true);
	if (rc == -EEXIST)
		snprintf(x->err, x->errlen, "%s: already mapped: %s %s or %s "
			 "has a BIB entry", what, proto, s6, s4);
	else if (rc == -ENOENT)
		snprintf(x->err, x->errlen, "%s: no static entry for %s %s",
			 what, proto, s4);
	else if (rc == -ENOSPC)
		snprintf(x->err, x->errlen, "%s: BIB full", what);
	else if (rc == -EINVAL)
		snprintf(x->err, x->errlen, "%s: invalid entry", what);
	else
		snprintf(x->err, x->errlen, "%s: %s", what, strerror(-rc));
	return rc;
}

static void control_bib_entry_json(struct control_buf *b,
				   const struct control_bib_entry *e, bool v6)
{
	control_buf_printf(b, "{\"proto\": \"%s\", ",
			   control_proto_names[e->proto % NAT64_NPROTO]);
	if (v6) {
		control_json_taddr6(b, "ipv6", &e->x6, e->x_port, true);
		control_buf_printf(b, ", ");
	}
	control_json_taddr4(b, "ipv4", e->t4, e->t_port, true);
	control_buf_printf(b, "}");
}

static int control_bib_add(struct control_ctx *x)
{
	const struct control_bib_entry *e = &x->req->bib;
	char s6[INET6_ADDRSTRLEN + 8], s4[INET_ADDRSTRLEN + 6];
	struct nat64 *n = control_nat64(x);
	int rc;

	if (!n)
		return -ENOENT;
	rc = nat64_static_add(n, e->proto, &e->x6, e->x_port, e->t4,
			      e->t_port);
	if (rc < 0)
		return control_bib_refused(x, rc, "bib add");
	if (x->req->json) {
		control_buf_printf(x->b, "{\"added\": ");
		control_bib_entry_json(x->b, e, true);
		control_buf_printf(x->b, "}\n");
		return 0;
	}
	control_buf_printf(x->b, "added %s %s %s\n",
			   control_proto_names[e->proto % NAT64_NPROTO],
			   control_taddr6(s6, sizeof(s6), &e->x6, e->x_port,
					  true),
			   control_taddr4(s4, sizeof(s4), e->t4, e->t_port,
					  true));
	return 0;
}

static int control_bib_del(struct control_ctx *x)
{
	const struct control_bib_entry *e = &x->req->bib;
	char s4[INET_ADDRSTRLEN + 6];
	struct nat64 *n = control_nat64(x);
	int rc;

	if (!n)
		return -ENOENT;
	rc = nat64_static_del(n, e->proto, e->t4, e->t_port);
	if (rc < 0)
		return control_bib_refused(x, rc, "bib del");
	if (x->req->json) {
		control_buf_printf(x->b, "{\"deleted\": ");
		control_bib_entry_json(x->b, e, false);
		control_buf_printf(x->b, "}\n");
		return 0;
	}
	control_buf_printf(x->b, "deleted %s %s\n",
			   control_proto_names[e->proto % NAT64_NPROTO],
			   control_taddr4(s4, sizeof(s4), e->t4, e->t_port,
					  true));
	return 0;
}

static void control_pool4_text(struct control_buf *b, const char *addr,
			       const struct pool4_stat *st)
{
	char c[POOL4_NPROTO][24];

	for (int p = 0; p < POOL4_NPROTO; p++)
		snprintf(c[p], sizeof(c[p]), "%" PRIu32 "/%" PRIu32,
			 st->in_use[p], st->configured[p]);
	control_buf_printf(b, "%-15s %13s %13s %13s\n", addr, c[POOL4_TCP],
			   c[POOL4_UDP], c[POOL4_ICMP]);
}

/* "tcp": {"in_use": N, "configured": M}, ... */
static void control_pool4_json(struct control_buf *b,
			       const struct pool4_stat *st)
{
	for (int p = 0; p < POOL4_NPROTO; p++)
		control_buf_printf(b, "%s\"%s\": {\"in_use\": %" PRIu32
				   ", \"configured\": %" PRIu32 "}",
				   p ? ", " : "", control_proto_names[p],
				   st->in_use[p], st->configured[p]);
}

static void control_pool4_row(struct control_rows *r,
			      const struct pool4_stat *st, bool json)
{
	char mem[CONTROL_ROW_MAX], a[INET_ADDRSTRLEN];
	struct control_buf row;

	if (!control_rows_want(r))
		return;
	control_ntop4(a, st->addr);
	control_buf_init(&row, mem, sizeof(mem));
	if (json) {
		control_buf_printf(&row, "%s{\"address\": \"%s\", ",
				   r->shown ? ", " : "", a);
		control_pool4_json(&row, st);
		control_buf_printf(&row, "}");
	} else {
		control_pool4_text(&row, a, st);
	}
	control_rows_put(r, &row);
}

/* Every address (a pool may be larger than one answer: the totals always
 * cover all of it), then the totals. */
static int control_pool4_show(struct control_ctx *x)
{
	struct nat64 *n = control_nat64(x);
	struct control_rows r = { .b = x->b };
	struct pool4_stat st, sum = { 0 };
	bool json = x->req->json;

	if (!n)
		return -ENOENT;
	control_buf_printf(x->b, json ? "{\"pool4\": [" :
			   "ADDRESS                   TCP           UDP"
			   "          ICMP\n");
	for (size_t i = 0; nat64_pool4_stat(n, i, &st) == 0; i++) {
		control_pool4_row(&r, &st, json);
		for (int p = 0; p < POOL4_NPROTO; p++) {
			sum.in_use[p] += st.in_use[p];
			sum.configured[p] += st.configured[p];
		}
	}
	if (!json) {
		control_rows_end(&r, false, "(no addresses)");
		control_pool4_text(x->b, "total", &sum);
		return 0;
	}
	control_buf_printf(x->b, "], \"total\": {");
	control_pool4_json(x->b, &sum);
	control_buf_printf(x->b, "}, \"addresses\": %" PRIu64 ", "
			   "\"truncated\": %s}\n", r.total,
			   r.shown < r.total ? "true" : "false");
	return 0;
}

static int control_exec(struct control_ctx *x)
{
	switch (x->req->cmd) {
	case CONTROL_CMD_HELP:
		return control_help(x);
	case CONTROL_CMD_STATUS:
		return control_status(x);
	case CONTROL_CMD_STATS:
		return control_stats(x);
	case CONTROL_CMD_EAM_SHOW:
		return control_eam_show(x);
	case CONTROL_CMD_EAM_ADD:
		return control_eam_add(x);
	case CONTROL_CMD_EAM_DEL:
		return control_eam_del(x);
	case CONTROL_CMD_PREF64_SHOW:
		return control_pref64_show(x);
	case CONTROL_CMD_RELOAD:
		return control_reload(x);
	case CONTROL_CMD_BIB_SHOW:
		return control_bib_show(x);
	case CONTROL_CMD_BIB_ADD:
		return control_bib_add(x);
	case CONTROL_CMD_BIB_DEL:
		return control_bib_del(x);
	case CONTROL_CMD_SESSION_SHOW:
		return control_session_show(x);
	case CONTROL_CMD_POOL4_SHOW:
		return control_pool4_show(x);
	case CONTROL_CMD_WORKERS:
		return control_workers(x);
	}
	snprintf(x->err, x->errlen, "unknown command");
	return -ENOSYS;
}

/* The status line: "ok" or "error: reason", one line whatever the reason
 * holds. */
static size_t control_status_line(char *s, size_t n, int rc,
				  const char *reason)
{
	int len;

	if (rc == 0)
		len = snprintf(s, n, "ok\n");
	else
		len = snprintf(s, n, "error: %.*s\n", (int)(n - 16),
			       reason[0] ? reason : "failed");
	if (len < 0)
		return 0;
	if ((size_t)len >= n)
		len = (int)n - 1;
	for (int i = 0; i < len - 1; i++)
		if ((unsigned char)s[i] < 0x20)
			s[i] = ' ';
	s[len - 1] = '\n';
	return (size_t)len;
}

size_t control_answer(struct daemon *d, const char *req, size_t len,
		      char *out)
{
	struct control_request r;
	struct control_buf body;
	char err[CONTROL_STATUS_MAX - 32], status[CONTROL_STATUS_MAX];
	struct control_ctx x = { .d = d, .req = &r, .b = &body, .err = err,
				 .errlen = sizeof(err) };
	size_t slen;
	int rc;

	control_buf_init(&body, out + CONTROL_STATUS_MAX,
			 CONTROL_ANSWER_MAX - CONTROL_STATUS_MAX);
	rc = control_parse(req, len, &r, err, sizeof(err));
	if (rc == 0) {
		err[0] = '\0';
		rc = control_exec(&x);
	}
	if (rc == 0 && body.truncated) {
		snprintf(err, sizeof(err), "answer truncated at %zu bytes "
			 "(limit %d)", body.len, CONTROL_ANSWER_MAX);
		rc = -EMSGSIZE;
	}
	slen = control_status_line(status, sizeof(status), rc, err);
	memcpy(out, status, slen);
	memmove(out + slen, body.data, body.len);
	return slen + body.len;
}

/* ------------------------------------------------------------------ */
/* Server                                                              */

struct control_conn {
	int fd;
	time_t last; /* CLOCK_MONOTONIC seconds of the last request */
};

struct control {
	struct daemon *d;
	int lfd, efd;
	char *path;
	struct control_conn conn[CONTROL_CLIENTS_MAX];
	char req[CONTROL_REQ_MAX + 1];
	char answer[CONTROL_ANSWER_MAX];
};

static time_t control_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static int control_mkdir_parent(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) == 0)
		return chmod(dir, 0755) < 0 ? -errno : 0; /* past the umask */
	return errno == EEXIST ? 0 : -errno;
}

/* A socket file nobody listens on is left by a daemon that died. */
static int control_clear_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	rc = rc == 0 ? -EADDRINUSE : -errno;
	close(fd);
	if (rc == -EAGAIN)
		return -EADDRINUSE; /* live, and busy */
	if (rc != -ECONNREFUSED)
		return rc;
	return unlink(sa->sun_path) < 0 && errno != ENOENT ? -errno : 0;
}

static int control_listen(struct control *c, const struct sockaddr_un *sa)
{
	c->lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);
	if (c->lfd < 0)
		return -errno;
	/* Linux creates the socket file with the socket inode's mode, so
	 * this closes the window before the chmod() below. */
	(void)fchmod(c->lfd, 0600);
	if (bind(c->lfd, (const struct sockaddr *)sa, sizeof(*sa)) < 0)
		return -errno;
	if (chmod(sa->sun_path, 0600) < 0 ||
	    (geteuid() == 0 && chown(sa->sun_path, 0, 0) < 0) ||
	    listen(c->lfd, CONTROL_CLIENTS_MAX) < 0 ||
	    (c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		int rc = -errno;

		unlink(sa->sun_path); /* ours: bind() succeeded */
		return rc;
	}
	return 0;
}

int control_open(struct daemon *d, const char *path, struct control **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct control *c;
	int rc;

	*out = NULL;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c = calloc(1, sizeof(*c));
	if (!c || !(c->path = strdup(path))) {
		free(c);
		return -ENOMEM;
	}
	c->d = d;
	c->lfd = c->efd = -1;
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		c->conn[i].fd = -1;
	rc = control_mkdir_parent(path);
	if (rc == 0)
		rc = control_clear_stale(&sa);
	if (rc == 0)
		rc = control_listen(c, &sa);
	if (rc < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	if (c->lfd >= 0)
		close(c->lfd);
	free(c->path);
	free(c);
	return rc;
}

static void control_drop(struct control_conn *k)
{
	close(k->fd);
	k->fd = -1;
}

/* A refusal for a connection that never gets a slot. */
static void control_refuse(int fd, const char *msg)
{
	(void)send(fd, msg, strlen(msg), MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
}

/* The socket is 0600 root; this catches a descriptor passed elsewhere. */
static bool control_peer_ok(int fd)
{
	struct ucred cr;
	socklen_t n = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &n) < 0)
		return false;
	return cr.uid == 0 || cr.uid == geteuid();
}

static void control_accept(struct control *c)
{
	int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (!control_peer_ok(fd)) {
		control_refuse(fd, "error: permission denied (root only)\n");
		return;
	}
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++) {
		if (c->conn[i].fd >= 0)
			continue;
		c->conn[i].fd = fd;
		c->conn[i].last = control_now();
		return;
	}
	/* Not reached: the listen fd is not polled while every slot is
	 * taken. */
	control_refuse(fd, "error: too many clients\n");
}

/* One request in, one answer out; a client that cannot take its answer
 * right now is dropped rather than waited for. */
static void control_serve(struct control *c, struct control_conn *k)
{
	ssize_t n = recv(k->fd, c->req, sizeof(c->req),
			 MSG_DONTWAIT | MSG_TRUNC);
	size_t alen;

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		control_drop(k);
		return;
	}
	if ((size_t)n > sizeof(c->req))
		n = sizeof(c->req); /* parsed as "too long" */
	k->last = control_now();
	alen = control_answer(c->d, c->req, (size_t)n, c->answer);
	if (send(k->fd, c->answer, alen, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		control_drop(k);
}

static void control_reap_idle(struct control *c)
{
	time_t now = control_now();

	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		if (c->conn[i].fd >= 0 &&
		    now - c->conn[i].last > CONTROL_IDLE_SEC)
			control_drop(&c->conn[i]);
}

static unsigned control_nconn(const struct control *c)
{
	unsigned n = 0;

	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		n += c->conn[i].fd >= 0;
	return n;
}

int control_run(struct control *c)
{
	struct pollfd pfd[2 + CONTROL_CLIENTS_MAX];

	for (;;) {
		unsigned n = control_nconn(c);

		pfd[0] = (struct pollfd){ .fd = c->efd, .events = POLLIN };
		/* With every slot taken, new clients wait in the listen
		 * backlog until one frees up (at worst CONTROL_IDLE_SEC). */
		pfd[1] = (struct pollfd){ .events = POLLIN,
			.fd = n < CONTROL_CLIENTS_MAX ? c->lfd : -1 };
		/* Free slots hold fd -1, which poll() skips. */
		for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
			pfd[2 + i] = (struct pollfd){ .fd = c->conn[i].fd,
						      .events = POLLIN };
		if (poll(pfd, 2 + CONTROL_CLIENTS_MAX, n ? 1000 : -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[0].revents) {
			uint64_t ticks;

			/* Drain it, so a later control_run() serves again. */
			if (read(c->efd, &ticks, sizeof(ticks)) < 0)
				ticks = 0;
			return 0;
		}
		for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
			if (c->conn[i].fd >= 0 && pfd[2 + i].revents)
				control_serve(c, &c->conn[i]);
		if (pfd[1].revents & POLLIN)
			control_accept(c);
		control_reap_idle(c);
	}
}

void control_stop(struct control *c)
{
	uint64_t one = 1;

	if (write(c->efd, &one, sizeof(one)) < 0) {
		/* Only EAGAIN (counter full) is possible: already stopping. */
	}
}

void control_close(struct control *c)
{
	if (!c)
		return;
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		if (c->conn[i].fd >= 0)
			control_drop(&c->conn[i]);
	if (c->lfd >= 0) {
		close(c->lfd);
		unlink(c->path);
	}
	if (c->efd >= 0)
		close(c->efd);
	free(c->path);
	free(c);
}
