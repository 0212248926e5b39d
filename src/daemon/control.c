/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: the control socket (docs/daemon.md, "Control protocol" and
 * "Counters").  Requests are parsed by control_parse() into a plain struct
 * (pure, fuzzed), run against the daemon.h views and changes, and answered
 * through a bounded builder.  EAM rows follow RFC 7757 §3.2; pref64 sources
 * are RFC 7050 and RFC 8781.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
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

struct control_cmd_def {
	const char *word1, *word2;
	enum control_cmd cmd;
	unsigned nargs;
	const char *usage;
	const char *help;
};

static const struct control_cmd_def control_cmds[] = {
	{ "status", NULL, CONTROL_CMD_STATUS, 0, "status",
	  "version, uptime, roles, pref64, devices, workers, config file" },
	{ "stats", NULL, CONTROL_CMD_STATS, 0, "stats",
	  "packet counters and drops per reason" },
	{ "eam", "show", CONTROL_CMD_EAM_SHOW, 0, "eam show",
	  "the Explicit Address Mapping table (RFC 7757)" },
	{ "eam", "add", CONTROL_CMD_EAM_ADD, 2, "eam add IPV4[/LEN] IPV6[/LEN]",
	  "add an EAM row to the running table" },
	{ "eam", "del", CONTROL_CMD_EAM_DEL, 1, "eam del IPV4[/LEN]",
	  "remove the EAM row with this IPv4 prefix" },
	{ "pref64", "show", CONTROL_CMD_PREF64_SHOW, 0, "pref64 show",
	  "the translation prefix in use, its source and lifetime" },
	{ "reload", NULL, CONTROL_CMD_RELOAD, 0, "reload",
	  "re-read the configuration file" },
	{ "help", NULL, CONTROL_CMD_HELP, 0, "help", "this list" },
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

static int control_parse_eam(const struct control_words *ws,
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
	if (ws.n - skip != def->nargs)
		return control_err(err, errlen, "usage: %s", def->usage);
	req->cmd = def->cmd;
	if (def->cmd == CONTROL_CMD_EAM_ADD || def->cmd == CONTROL_CMD_EAM_DEL)
		return control_parse_eam(&ws, req, err, errlen);
	return 0;
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
			control_buf_printf(x->b, "%-32s %s\n", c->usage,
					   c->help);
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
	struct control_role roles[2];
	unsigned nroles = control_roles(conf, roles);
	char uptime[64];

	control_uptime_text(uptime, sizeof(uptime), up);
	control_buf_printf(x->b, "version   %s\n", SIXGATE_VERSION);
	control_buf_printf(x->b, "uptime    %s\n", uptime);
	control_buf_printf(x->b, "roles    ");
	for (unsigned i = 0; i < nroles; i++)
		control_buf_printf(x->b, " %s", roles[i].name);
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
	struct control_role roles[2];
	unsigned nroles = control_roles(conf, roles);

	control_buf_printf(x->b, "{\"version\": ");
	control_buf_json_str(x->b, SIXGATE_VERSION);
	control_buf_printf(x->b, ", \"uptime\": %" PRId64 ", \"started\": %"
			   PRId64 ", \"roles\": [", up,
			   (int64_t)daemon_started(x->d));
	for (unsigned i = 0; i < nroles; i++)
		control_buf_printf(x->b, "%s\"%s\"", i ? ", " : "",
				   roles[i].name);
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
};

#define CONTROL_NCOUNTERS (sizeof(control_counters) / \
			   sizeof(control_counters[0]))

static uint64_t control_counter(const struct stats_sum *s, size_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)s + control_counters[i].off, sizeof(v));
	return v;
}

static uint64_t control_dropped(const struct stats_sum *s)
{
	uint64_t n = 0;

	for (int v = XLAT_OK + 1; v < XLAT__COUNT; v++)
		n += s->verdict[v];
	return n;
}

#define CONTROL_ROW "%-16s %20" PRIu64 "  %s\n"

static void control_stats_text(struct control_buf *b,
			       const struct stats_sum *s)
{
	control_buf_printf(b, "%-16s %20s  %s\n", "COUNTER", "VALUE",
			   "DESCRIPTION");
	for (size_t i = 0; i < CONTROL_NCOUNTERS; i++)
		control_buf_printf(b, CONTROL_ROW, control_counters[i].name,
				   control_counter(s, i),
				   control_counters[i].desc);
	control_buf_printf(b, CONTROL_ROW, "translated",
			   s->verdict[XLAT_OK], xlat_reason_desc(XLAT_OK));
	control_buf_printf(b, CONTROL_ROW, "dropped", control_dropped(s),
			   "packets not translated (sum of the reasons below)");
	control_buf_printf(b, "\n%-16s %20s  %s\n", "DROP REASON", "COUNT",
			   "DESCRIPTION");
	for (int v = XLAT_OK + 1; v < XLAT__COUNT; v++)
		control_buf_printf(b, CONTROL_ROW, xlat_reason_name(v),
				   s->verdict[v], xlat_reason_desc(v));
}

static void control_stats_json(struct control_buf *b,
			       const struct stats_sum *s)
{
	control_buf_printf(b, "{\"counters\": {");
	for (size_t i = 0; i < CONTROL_NCOUNTERS; i++)
		control_buf_printf(b, "\"%s\": %" PRIu64 ", ",
				   control_counters[i].name,
				   control_counter(s, i));
	control_buf_printf(b, "\"translated\": %" PRIu64 ", \"dropped\": %"
			   PRIu64 "}, \"drops\": {", s->verdict[XLAT_OK],
			   control_dropped(s));
	for (int v = XLAT_OK + 1; v < XLAT__COUNT; v++) {
		control_buf_printf(b, "%s\"%s\": {\"count\": %" PRIu64
				   ", \"desc\": ", v > XLAT_OK + 1 ? ", " : "",
				   xlat_reason_name(v), s->verdict[v]);
		control_buf_json_str(b, xlat_reason_desc(v));
		control_buf_printf(b, "}");
	}
	control_buf_printf(b, "}}\n");
}

static int control_stats(struct control_ctx *x)
{
	struct stats_sum s;

	memset(&s, 0, sizeof(s));
	daemon_stats(x->d, &s);
	if (x->req->json)
		control_stats_json(x->b, &s);
	else
		control_stats_text(x->b, &s);
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
