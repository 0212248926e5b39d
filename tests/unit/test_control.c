/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Control socket tests (docs/daemon.md, "Control protocol"): the pure
 * request parser, the bounded answer builder, and the server end to end
 * against a fake daemon that implements daemon.h with canned state.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "conf/conf.h"
#include "core/nat64.h"
#include "ctl/ctl.h"
#include "daemon/control.h"
#include "daemon/daemon.h"

/* ------------------------------------------------------------------ */
/* The fake daemon                                                     */

struct daemon {
	struct sixgate_conf conf;
	struct stats_sum stats;
	struct pref64 pref64;
	enum pref64_source src;
	uint32_t lifetime;
	const char *path;
	const char *devs[3];
	time_t started;
	int reload_rc;
	const char *reload_err;
	unsigned reloads;
	struct nat64 *nat64;
	struct worker_info workers[3];
	unsigned nworkers;
};

static struct daemon fake;

const struct sixgate_conf *daemon_conf(const struct daemon *d)
{
	return &d->conf;
}

const char *daemon_conf_path(const struct daemon *d)
{
	return d->path;
}

time_t daemon_started(const struct daemon *d)
{
	return d->started;
}

unsigned daemon_nworkers(const struct daemon *d)
{
	return 4;
}

void daemon_stats(const struct daemon *d, struct stats_sum *sum)
{
	*sum = d->stats;
}

unsigned daemon_workers(const struct daemon *d, struct worker_info *out,
			unsigned max)
{
	unsigned n = d->nworkers < max ? d->nworkers : max;

	memcpy(out, d->workers, n * sizeof(*out));
	return n;
}

void daemon_pref64(const struct daemon *d, struct pref64 *p,
		   enum pref64_source *src, uint32_t *lifetime)
{
	*p = d->pref64;
	*src = d->src;
	*lifetime = d->lifetime;
}

const char *const *daemon_devices(const struct daemon *d)
{
	return d->devs;
}

struct nat64 *daemon_nat64(const struct daemon *d)
{
	return d->nat64;
}

/* No [dns64] in the fake daemon. */
bool daemon_dns64_stats(const struct daemon *d, struct dns64_stats *s)
{
	(void)d;
	(void)s;
	return false;
}

int daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	d->reloads++;
	if (d->reload_rc < 0 && d->reload_err)
		snprintf(err, errlen, "%s", d->reload_err);
	return d->reload_rc;
}

int daemon_eam_add(struct daemon *d, const struct eam_entry *e, char *err,
		   size_t errlen)
{
	bool overlap;
	int rc = eam_add(d->conf.siit.eam, e, &overlap);

	if (rc == -EEXIST)
		snprintf(err, errlen, "RFC 7757 §5: a row has this prefix");
	return rc;
}

int daemon_eam_del4(struct daemon *d, uint32_t v4, unsigned len4, char *err,
		    size_t errlen)
{
	/* No reason on purpose: control.c must supply one. */
	return eam_del4(d->conf.siit.eam, v4, len4);
}

void daemon_pref64_update(struct daemon *d, const struct pref64 *p,
			  enum pref64_source src, uint32_t lifetime)
{
	d->pref64 = *p;
	d->src = src;
	d->lifetime = lifetime;
}

#define FAKE_CONF                                                            \
	"pref64 = 2001:db8:64::/96\n"                                        \
	"[siit]\n"                                                           \
	"eam = 192.0.2.0/24 2001:db8:46::/120\n"                             \
	"eam = 198.51.100.7 2001:db8:47::7\n"

/* A real NAT64 with a small pool4: 192.0.2.1 ports 61001-61010 for each
 * protocol, fixed keys. */
static struct nat64 *fake_nat64_new(void)
{
	static const struct pool4_range r[] = {
		{ 0xc0000201, POOL4_TCP, 61001, 61010 },
		{ 0xc0000201, POOL4_UDP, 61001, 61010 },
		{ 0xc0000201, POOL4_ICMP, 61001, 61010 },
	};
	struct nat64_config c;
	struct nat64 *n = NULL;
	const char *why = NULL;

	nat64_config_default(&c);
	c.table.nshards = 4;
	c.table.max_bib = 4096;
	c.table.max_sessions = 8192;
	c.port_hold_max = 64;
	c.frag_max = 16;
	c.max_stored_syn = 8;
	memset(c.table.key, 0x5a, sizeof(c.table.key));
	memset(c.pool.key, 0xa5, sizeof(c.pool.key));
	if (nat64_new(&n, &c, r, sizeof(r) / sizeof(r[0]), &why) != 0)
		fail_msg("nat64_new: %s", why ? why : "failed");
	return n;
}

static int fake_setup(void **state)
{
	char err[256];

	memset(&fake, 0, sizeof(fake));
	if (conf_parse_buf_warn("fake.conf", FAKE_CONF, strlen(FAKE_CONF),
				&fake.conf, err, sizeof(err), NULL, NULL) != 0)
		fail_msg("fake config: %s", err);
	fake.pref64 = fake.conf.pref64;
	fake.src = PREF64_SRC_CONFIG;
	fake.lifetime = UINT32_MAX;
	fake.path = "/etc/sixgate/\"odd\"\tname.conf";
	fake.devs[0] = "siit0";
	fake.started = time(NULL) - 3725;
	for (int v = 0; v < XLAT__COUNT; v++)
		fake.stats.verdict[v] = 1000 + (uint64_t)v;
	fake.stats.in4 = 11;
	fake.stats.in6 = 12;
	fake.stats.out4 = 13;
	fake.stats.out6 = 14;
	fake.stats.icmp_sent = 15;
	fake.stats.icmp_limited = 16;
	fake.stats.tun_read_err = 17;
	fake.stats.tun_write_err = UINT64_MAX;
	fake.nat64 = fake_nat64_new();
	return 0;
}

static int fake_teardown(void **state)
{
	conf_free(&fake.conf);
	nat64_free(fake.nat64);
	fake.nat64 = NULL;
	return 0;
}

/* ------------------------------------------------------------------ */
/* A minimal JSON checker: is the text exactly one JSON value?          */

struct json {
	const char *p, *end;
	int depth;
};

static bool json_value(struct json *j);

static void json_ws(struct json *j)
{
	while (j->p < j->end && strchr(" \t\r\n", *j->p))
		j->p++;
}

static bool json_lit(struct json *j, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
		return false;
	j->p += n;
	return true;
}

static bool json_string(struct json *j)
{
	if (j->p >= j->end || *j->p++ != '"')
		return false;
	while (j->p < j->end && *j->p != '"') {
		unsigned char ch = (unsigned char)*j->p++;

		if (ch < 0x20)
			return false;
		if (ch != '\\')
			continue;
		if (j->p >= j->end)
			return false;
		ch = (unsigned char)*j->p++;
		if (ch == 'u') {
			for (int i = 0; i < 4; i++)
				if (j->p >= j->end || !strchr(
				    "0123456789abcdefABCDEF", *j->p++))
					return false;
		} else if (!strchr("\"\\/bfnrt", ch)) {
			return false;
		}
	}
	return j->p++ < j->end;
}

static bool json_number(struct json *j)
{
	const char *s = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
		j->p++;
	return j->p > s && j->p[-1] != '-';
}

static bool json_seq(struct json *j, char close, bool object)
{
	json_ws(j);
	if (j->p < j->end && *j->p == close)
		return j->p++, true;
	for (;;) {
		json_ws(j);
		if (object) {
			if (!json_string(j))
				return false;
			json_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return false;
		}
		if (!json_value(j))
			return false;
		json_ws(j);
		if (j->p >= j->end)
			return false;
		if (*j->p == close)
			return j->p++, true;
		if (*j->p++ != ',')
			return false;
	}
}

static bool json_value(struct json *j)
{
	bool ok;

	json_ws(j);
	if (j->p >= j->end || ++j->depth > 32)
		return false;
	if (*j->p == '{')
		ok = (j->p++, json_seq(j, '}', true));
	else if (*j->p == '[')
		ok = (j->p++, json_seq(j, ']', false));
	else if (*j->p == '"')
		ok = json_string(j);
	else if (*j->p == 't' || *j->p == 'f' || *j->p == 'n')
		ok = json_lit(j, "true") || json_lit(j, "false") ||
		     json_lit(j, "null");
	else
		ok = json_number(j);
	j->depth--;
	return ok;
}

static void assert_json(const char *text)
{
	struct json j = { text, text + strlen(text), 0 };

	if (!json_value(&j))
		fail_msg("not JSON near offset %td: %s", j.p - text, text);
	json_ws(&j);
	if (j.p != j.end)
		fail_msg("trailing bytes after JSON: %s", j.p);
}

static void test_json_checker_itself(void **state)
{
	struct json bad = { "{\"a\": [1, }", NULL, 0 };

	bad.end = bad.p + strlen(bad.p);
	assert_json("{\"a\": [1, -2, \"x\\u0001\"], \"b\": null, \"c\": {}}");
	assert_false(json_value(&bad));
}

/* ------------------------------------------------------------------ */
/* The request parser                                                  */

static struct control_request parse_ok(const char *text)
{
	struct control_request r;
	char err[256];

	if (control_parse(text, strlen(text), &r, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", text, err);
	return r;
}

static void parse_err(const char *text, size_t len, const char *msg)
{
	struct control_request r;
	char err[256];

	assert_int_equal(control_parse(text, len, &r, err, sizeof(err)),
			 -EINVAL);
	if (!strstr(err, msg))
		fail_msg("'%.*s': error '%s' lacks '%s'", (int)len, text, err,
			 msg);
}

#define PARSE_ERR(text, msg) parse_err(text, strlen(text), msg)

static void test_parse_every_command(void **state)
{
	static const struct {
		const char *text;
		enum control_cmd cmd;
	} ok[] = {
		{ "help", CONTROL_CMD_HELP },
		{ "status", CONTROL_CMD_STATUS },
		{ "stats", CONTROL_CMD_STATS },
		{ "eam show", CONTROL_CMD_EAM_SHOW },
		{ "eam add 192.0.2.0/24 2001:db8::/120", CONTROL_CMD_EAM_ADD },
		{ "eam del 192.0.2.0/24", CONTROL_CMD_EAM_DEL },
		{ "pref64 show", CONTROL_CMD_PREF64_SHOW },
		{ "reload", CONTROL_CMD_RELOAD },
		{ "bib show", CONTROL_CMD_BIB_SHOW },
		{ "bib add tcp 2001:db8::1 80 192.0.2.1 8080",
		  CONTROL_CMD_BIB_ADD },
		{ "bib del udp 192.0.2.1 53", CONTROL_CMD_BIB_DEL },
		{ "session show", CONTROL_CMD_SESSION_SHOW },
		{ "pool4 show", CONTROL_CMD_POOL4_SHOW },
		{ "workers", CONTROL_CMD_WORKERS },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char json[128];
		struct control_request r = parse_ok(ok[i].text);

		assert_int_equal(r.cmd, ok[i].cmd);
		assert_false(r.json);
		snprintf(json, sizeof(json), "%s --json", ok[i].text);
		r = parse_ok(json);
		assert_int_equal(r.cmd, ok[i].cmd);
		assert_true(r.json);
	}
}

static void test_parse_blanks_and_line_ends(void **state)
{
	struct control_request r;

	r = parse_ok("  \team\t show  \n");
	assert_int_equal(r.cmd, CONTROL_CMD_EAM_SHOW);
	r = parse_ok("stats --json\r\n");
	assert_int_equal(r.cmd, CONTROL_CMD_STATS);
	assert_true(r.json);
	r = parse_ok("--json status");
	assert_int_equal(r.cmd, CONTROL_CMD_STATUS);
	assert_true(r.json);
	r = parse_ok("eam --json show");
	assert_int_equal(r.cmd, CONTROL_CMD_EAM_SHOW);
	assert_true(r.json);
}

static void test_parse_eam_values(void **state)
{
	struct control_request r;
	struct in6_addr a;

	r = parse_ok("eam add 192.0.2.0/24 2001:db8:46::/120");
	assert_int_equal(r.eam.v4, 0xc0000200);
	assert_int_equal(r.eam.len4, 24);
	inet_pton(AF_INET6, "2001:db8:46::", &a);
	assert_memory_equal(&r.eam.v6, &a, sizeof(a));
	assert_int_equal(r.eam.len6, 120);

	r = parse_ok("eam add 198.51.100.7 2001:db8::7");
	assert_int_equal(r.eam.len4, 32);
	assert_int_equal(r.eam.len6, 128);

	/* RFC 7757 §3.2: equal suffixes and a longer IPv6 suffix are fine. */
	parse_ok("eam add 10.0.0.0/8 2001:db8::/64");
	parse_ok("eam add 0.0.0.0/0 2001:db8::/96");

	r = parse_ok("eam del 203.0.113.0/25");
	assert_int_equal(r.eam.v4, 0xcb007100);
	assert_int_equal(r.eam.len4, 25);
}

static void test_parse_eam_refused(void **state)
{
	PARSE_ERR("eam add 192.0.2.1/24 2001:db8::/120",
		  "'192.0.2.1/24': bits set past the prefix length");
	PARSE_ERR("eam add 192.0.2.0/24 2001:db8::1/120",
		  "'2001:db8::1/120': bits set past the prefix length");
	PARSE_ERR("eam add 192.0.2.0/24 2001:db8::/121",
		  "RFC 7757 §3.2: IPv4 suffix (8 bits) is longer than the "
		  "IPv6 suffix (7 bits)");
	PARSE_ERR("eam add 192.0.2.300 2001:db8::",
		  "'192.0.2.300' is not an IPv4 address or prefix");
	PARSE_ERR("eam add 192.0.2.0/33 2001:db8::",
		  "not an IPv4 address or prefix");
	PARSE_ERR("eam add 2001:db8:: 192.0.2.0",
		  "'2001:db8::' is not an IPv4");
	PARSE_ERR("eam add 192.0.2.1 2001:db8::/129",
		  "not an IPv6 address or prefix");
	PARSE_ERR("eam add 192.0.2.1 zzz", "'zzz' is not an IPv6");
	PARSE_ERR("eam del 192.0.2.0/24 2001:db8::/120",
		  "usage: eam del IPV4[/LEN]");
	PARSE_ERR("eam del", "usage: eam del IPV4[/LEN]");
	PARSE_ERR("eam add 192.0.2.1", "usage: eam add IPV4[/LEN] IPV6[/LEN]");
	PARSE_ERR("eam del 192.0.2.1/24", "bits set past the prefix length");
}

static void test_parse_bad_words(void **state)
{
	PARSE_ERR("", "empty request");
	PARSE_ERR(" \t ", "empty request");
	PARSE_ERR("\n", "empty request");
	PARSE_ERR("--json", "no command");
	PARSE_ERR("frobnicate", "unknown command 'frobnicate' (try 'help')");
	PARSE_ERR("eam", "'eam' needs a subcommand");
	PARSE_ERR("pref64", "'pref64' needs a subcommand");
	PARSE_ERR("eam list", "unknown command 'eam list'");
	PARSE_ERR("status now", "usage: status");
	PARSE_ERR("reload --force", "unknown option '--force'");
	PARSE_ERR("STATUS", "unknown command");
	PARSE_ERR("a b c d e f g h i j k l m n o p q",
		  "too many words (at most 16)");
}

static void test_parse_hostile_bytes(void **state)
{
	static const char nul[] = "status\0--json";
	char big[CONTROL_REQ_MAX + 2];
	char word[300];

	parse_err(nul, sizeof(nul) - 1, "NUL byte at offset 6");
	PARSE_ERR("status\n--json", "more than one line");
	PARSE_ERR("status\n\n", "more than one line");
	PARSE_ERR("sta\x01tus", "byte 0x01 at offset 3 is not printable");
	PARSE_ERR("st\xc3\xa4tus", "byte 0xc3 at offset 2");
	PARSE_ERR("status\x7f", "byte 0x7f");
	assert_int_equal(parse_ok("status\r").cmd, CONTROL_CMD_STATUS);
	PARSE_ERR("status\r\r", "byte 0x0d at offset 6");

	/* Exactly the limit is parsed; one byte more is refused. */
	memset(big, ' ', sizeof(big));
	memcpy(big, "status", 6);
	parse_ok((big[CONTROL_REQ_MAX] = '\0', big));
	big[CONTROL_REQ_MAX] = ' ';
	parse_err(big, CONTROL_REQ_MAX + 1, "request longer than 4096 bytes");

	/* A long word is quoted cut, so the message stays short. */
	memset(word, 'x', sizeof(word));
	word[sizeof(word) - 1] = '\0';
	{
		struct control_request r;
		char err[256];

		assert_int_equal(control_parse(word, strlen(word), &r, err,
					       sizeof(err)), -EINVAL);
		assert_true(strlen(err) < 120);
	}
}

static void test_parse_tiny_err_buffer(void **state)
{
	struct control_request r;
	char err[4] = "zzz";

	assert_int_equal(control_parse("bogus", 5, &r, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "unk");
	assert_int_equal(control_parse("bogus", 5, &r, NULL, 0), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* The bounded builder                                                 */

static void test_buf_bounds(void **state)
{
	char mem[16];
	struct control_buf b;

	memset(mem, 'G', sizeof(mem));
	control_buf_init(&b, mem, 8);
	control_buf_printf(&b, "abc");
	assert_false(b.truncated);
	assert_int_equal(b.len, 3);
	control_buf_printf(&b, "defghijk");
	assert_true(b.truncated);
	assert_int_equal(b.len, 7);
	assert_memory_equal(mem, "abcdefg", 8); /* NUL at mem[7] */
	control_buf_printf(&b, "more");
	control_buf_json_str(&b, "more");
	assert_int_equal(b.len, 7);
	for (size_t i = 8; i < sizeof(mem); i++)
		assert_int_equal(mem[i], 'G');

	control_buf_init(&b, mem, 0);
	control_buf_printf(&b, "x");
	assert_true(b.truncated);
	assert_int_equal(b.len, 0);
	assert_int_equal(mem[0], 'a');
}

static void test_buf_json_escapes(void **state)
{
	char mem[128];
	struct control_buf b;

	control_buf_init(&b, mem, sizeof(mem));
	control_buf_json_str(&b, "a\"b\\c\nd\x01\x7f");
	assert_string_equal(mem, "\"a\\\"b\\\\c\\u000ad\\u0001\\u007f\"");
	assert_json(mem);

	/* Cut inside an escape: still inside the buffer, flagged. */
	control_buf_init(&b, mem, 6);
	control_buf_json_str(&b, "ab\n");
	assert_true(b.truncated);
	assert_true(b.len < 6);
}

/* ------------------------------------------------------------------ */
/* Answers, without a socket                                           */

static char answer[CONTROL_ANSWER_MAX + 1];

static const char *ask(const char *req)
{
	size_t n = control_answer(&fake, req, strlen(req), answer);

	assert_true(n <= CONTROL_ANSWER_MAX);
	answer[n] = '\0';
	return answer;
}

static const char *ask_ok(const char *req)
{
	const char *a = ask(req);

	if (strncmp(a, "ok\n", 3) != 0)
		fail_msg("'%s' answered: %s", req, a);
	return a + 3;
}

static void ask_err(const char *req, const char *status)
{
	const char *a = ask(req);

	if (strncmp(a, status, strlen(status)) != 0)
		fail_msg("'%s': expected '%s', got: %s", req, status, a);
	assert_non_null(strchr(a, '\n'));
}

static void test_answer_status(void **state)
{
	const char *a = ask_ok("status");

	assert_non_null(strstr(a, "uptime    0d 01h 02m 05s\n"));
	assert_non_null(strstr(a, "roles     siit\n"));
	assert_null(strstr(a, "clat"));
	assert_non_null(strstr(a, "pref64    2001:db8:64::/96 (configuration "
				  "file)\n"));
	assert_non_null(strstr(a, "devices   siit0\n"));
	assert_non_null(strstr(a, "workers   4\n"));
	assert_non_null(strstr(a, "config    /etc/sixgate/"));

	a = ask_ok("status --json");
	assert_json(a);
	assert_non_null(strstr(a, "\"uptime\": 3725"));
	assert_non_null(strstr(a, "\"roles\": [\"siit\"], \"clat_mode\": null"));
	assert_non_null(strstr(a, "\"pref64\": {\"prefix\": "
				  "\"2001:db8:64::/96\", \"source\": "
				  "\"config\", \"lifetime\": null}"));
	assert_non_null(strstr(a, "\"devices\": [\"siit0\"]"));
	assert_non_null(strstr(a, "\"workers\": 4"));
	assert_non_null(strstr(a, "\"config\": \"/etc/sixgate/\\\"odd\\\"\\u0009"
				  "name.conf\""));
}

static void test_answer_status_embedded_no_prefix(void **state)
{
	const char *a;

	fake.path = NULL;
	fake.pref64.len = 0;
	fake.src = PREF64_SRC_NONE;
	fake.devs[0] = NULL;
	a = ask_ok("status");
	assert_non_null(strstr(a, "config    (embedded default)\n"));
	assert_non_null(strstr(a, "pref64    none (not discovered yet)\n"));
	a = ask_ok("status --json");
	assert_json(a);
	assert_non_null(strstr(a, "\"pref64\": null"));
	assert_non_null(strstr(a, "\"config\": null"));
	assert_non_null(strstr(a, "\"devices\": []"));
	a = ask_ok("pref64 show");
	assert_non_null(strstr(a, "(none: not discovered yet)"));
	a = ask_ok("pref64 show --json");
	assert_json(a);
	assert_string_equal(a, "{\"pref64\": [], \"source\": \"none\"}\n");
}

static void test_answer_stats_every_counter(void **state)
{
	const char *a = ask_ok("stats");
	char line[256];

	snprintf(line, sizeof(line), "%-22s %20u  IPv4 packets read", "in4",
		 11u);
	assert_non_null(strstr(a, line));
	snprintf(line, sizeof(line), "%-22s %20s  ", "tun_write_err",
		 "18446744073709551615");
	assert_non_null(strstr(a, line));
	snprintf(line, sizeof(line), "%-22s %20u  %s\n", "translated", 1000u,
		 xlat_reason_desc(XLAT_OK));
	assert_non_null(strstr(a, line));
	for (int v = XLAT_OK + 1; v < XLAT__COUNT; v++) {
		snprintf(line, sizeof(line), "\n%-22s %20u  %s\n",
			 xlat_reason_name(v), 1000u + v, xlat_reason_desc(v));
		if (!strstr(a, line))
			fail_msg("stats lacks: %s", line);
	}
	static const char *const names[] = { "in4", "in6", "out4", "out6",
		"icmp_sent", "icmp_limited", "tun_read_err", "tun_write_err",
		"dropped" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(line, sizeof(line), "\n%s ", names[i]);
		assert_non_null(strstr(a, line));
	}
}

static void test_answer_stats_json(void **state)
{
	const char *a = ask_ok("stats --json");
	char item[256];

	assert_json(a);
	assert_non_null(strstr(a, "{\"counters\": {\"in4\": 11, \"in6\": 12, "
				  "\"out4\": 13, \"out6\": 14, \"icmp_sent\": "
				  "15, \"icmp_limited\": 16, \"tun_read_err\": "
				  "17, \"tun_write_err\": 18446744073709551615"
				  ", \"gso_in\": 0, \"translated\": 1000"));
	assert_non_null(strstr(a, "\"drops\": {"));
	assert_null(strstr(a, "\"ok\""));
	for (int v = XLAT_OK + 1; v < XLAT__COUNT; v++) {
		snprintf(item, sizeof(item), "\"%s\": {\"count\": %u, "
			 "\"desc\": \"%s\"}", xlat_reason_name(v), 1000u + v,
			 xlat_reason_desc(v));
		if (!strstr(a, item))
			fail_msg("stats --json lacks: %s", item);
	}
}

/* workers: one row per worker with its own counters; `stats` sums them. */
static void test_answer_workers(void **state)
{
	const char *a;
	char line[256];

	fake.nworkers = 3;
	fake.workers[0] = (struct worker_info){ .role = "siit", .dev = "siit0",
		.queue = 0, .cpu = 1, .running = true,
		.s = { .in4 = 5, .in6 = 7, .out4 = 6, .out6 = 4 } };
	fake.workers[0].s.verdict[XLAT_OK] = 9;
	fake.workers[0].s.verdict[XLAT_OK + 1] = 2;
	fake.workers[0].s.verdict[XLAT__COUNT - 1] = 1;
	fake.workers[1] = (struct worker_info){ .role = "siit", .dev = "siit0",
		.queue = 1, .cpu = -1, .running = false,
		.s = { .in4 = UINT64_MAX } };
	fake.workers[2] = (struct worker_info){ .role = "nat64",
		.dev = "a\"b", .queue = 0, .cpu = -1, .running = true };
	a = ask_ok("workers");
	assert_non_null(strstr(a, "ROLE   DEVICE          QUEUE  CPU STATE"));
	snprintf(line, sizeof(line), "\n%-6s %-15s %5u %4s %-8s %14u %14u "
		 "%14u %14u %12u\n", "siit", "siit0", 0u, "1", "running", 5u,
		 7u, 6u, 4u, 3u);
	if (!strstr(a, line))
		fail_msg("workers lacks: %sin: %s", line, a);
	snprintf(line, sizeof(line), "\n%-6s %-15s %5u %4s %-8s %14s ",
		 "siit", "siit0", 1u, "-", "stopped", "18446744073709551615");
	assert_non_null(strstr(a, line));
	assert_non_null(strstr(a, "\nnat64  a\"b "));

	a = ask_ok("workers --json");
	assert_json(a);
	assert_non_null(strstr(a, "{\"workers\": [{\"role\": \"siit\", "
				  "\"device\": \"siit0\", \"queue\": 0, "
				  "\"cpu\": 1, \"running\": true, \"in4\": 5, "
				  "\"in6\": 7, \"out4\": 6, \"out6\": 4, "));
	assert_non_null(strstr(a, "\"translated\": 9, \"dropped\": 3}, "
				  "{\"role\": \"siit\", \"device\": \"siit0\", "
				  "\"queue\": 1, \"cpu\": null, \"running\": "
				  "false, \"in4\": 18446744073709551615, "));
	assert_non_null(strstr(a, "\"device\": \"a\\\"b\""));

	fake.nworkers = 0;
	assert_non_null(strstr(ask_ok("workers"), "(no TUN device open)\n"));
	assert_string_equal(ask_ok("workers --json"), "{\"workers\": []}\n");
}

static void test_answer_eam(void **state)
{
	const char *a = ask_ok("eam show");

	assert_string_equal(a, "ROLE  IPV4                IPV6\n"
			       "siit  192.0.2.0/24        2001:db8:46::/120\n"
			       "siit  198.51.100.7/32     2001:db8:47::7/128\n");
	a = ask_ok("eam show --json");
	assert_json(a);
	assert_string_equal(a, "{\"eam\": [{\"role\": \"siit\", \"ipv4\": "
			       "\"192.0.2.0/24\", \"ipv6\": "
			       "\"2001:db8:46::/120\"}, {\"role\": \"siit\", "
			       "\"ipv4\": \"198.51.100.7/32\", \"ipv6\": "
			       "\"2001:db8:47::7/128\"}]}\n");

	a = ask_ok("eam add 203.0.113.0/24 2001:db8:48::/120");
	assert_string_equal(a, "added 203.0.113.0/24 "
			       "2001:db8:48::/120\n");
	assert_int_equal(eam_count(fake.conf.siit.eam), 3);
	ask_err("eam add 203.0.113.0/24 2001:db8:49::/120",
		"error: RFC 7757 §5: a row has this prefix\n");
	a = ask_ok("eam del 203.0.113.0/24 --json");
	assert_json(a);
	assert_string_equal(a, "{\"deleted\": {\"ipv4\": \"203.0.113.0/24\"}}"
			       "\n");
	assert_int_equal(eam_count(fake.conf.siit.eam), 2);
	ask_err("eam del 203.0.113.0/24",
		"error: eam del: No such file or directory\n");
	a = ask_ok("eam add 203.0.113.9 2001:db8:48::9 --json");
	assert_json(a);
	ask_err("eam add 192.0.2.1/24 2001:db8::/120",
		"error: '192.0.2.1/24': bits set");
}

static void test_answer_eam_empty(void **state)
{
	const char *a;

	while (eam_count(fake.conf.siit.eam))
		eam_del4(fake.conf.siit.eam, eam_get(fake.conf.siit.eam, 0)->v4,
			 eam_get(fake.conf.siit.eam, 0)->len4);
	a = ask_ok("eam show");
	assert_string_equal(a, "ROLE  IPV4                IPV6\n(no rows)\n");
	a = ask_ok("eam show --json");
	assert_string_equal(a, "{\"eam\": []}\n");
}

static void test_answer_pref64(void **state)
{
	const char *a;

	a = ask_ok("pref64 show");
	assert_non_null(strstr(a, "2001:db8:64::/96"));
	assert_non_null(strstr(a, " config   forever\n"));
	fake.src = PREF64_SRC_RFC8781;
	fake.lifetime = 1800;
	a = ask_ok("pref64 show");
	assert_non_null(strstr(a, " rfc8781  1800s\n"));
	a = ask_ok("pref64 show --json");
	assert_json(a);
	assert_string_equal(a, "{\"pref64\": [{\"prefix\": \"2001:db8:64::/96\""
			       ", \"source\": \"rfc8781\", \"lifetime\": 1800}]"
			       ", \"source\": \"rfc8781\"}\n");
	fake.src = PREF64_SRC_RFC7050;
	a = ask_ok("status");
	assert_non_null(strstr(a, "(RFC 7050 (AAAA of ipv4only.arpa))"));
}

static void test_answer_reload(void **state)
{
	const char *a;

	a = ask_ok("reload");
	assert_string_equal(a, "reloaded /etc/sixgate/\"odd\"\tname.conf\n");
	a = ask_ok("reload --json");
	assert_json(a);
	assert_int_equal(fake.reloads, 2);

	fake.reload_rc = -EINVAL;
	fake.reload_err = "/etc/sixgate/sixgate.conf:12: pref64: bad\nline";
	ask_err("reload", "error: /etc/sixgate/sixgate.conf:12: pref64: bad "
		"line\n");
	assert_string_equal(answer, "error: /etc/sixgate/sixgate.conf:12: "
			    "pref64: bad line\n");
	fake.reload_err = NULL;
	fake.reload_rc = -EIO;
	ask_err("reload --json", "error: reload: Input/output error\n");
}

static void test_answer_help(void **state)
{
	const char *a = ask_ok("help");

	assert_non_null(strstr(a, "eam add IPV4[/LEN] IPV6[/LEN]"));
	assert_non_null(strstr(a, "pref64 show"));
	assert_non_null(strstr(a, "\nbib show [tcp|udp|icmp] [ipv6 ADDR] "
				  "[ipv4 ADDR] [port N] [static|dynamic] "
				  "[limit N]\n     "));
	assert_non_null(strstr(a, "\nbib add tcp|udp|icmp IPV6 PORT IPV4 "
				  "PORT\n"));
	assert_non_null(strstr(a, "\nbib del tcp|udp|icmp IPV4 PORT "));
	assert_non_null(strstr(a, "\nsession show [tcp|udp|icmp] "));
	assert_non_null(strstr(a, "\npool4 show "));
	a = ask_ok("help --json");
	assert_json(a);
}

static void test_answer_parse_error(void **state)
{
	ask_err("bogus --json", "error: unknown command 'bogus' (try 'help')\n");
	assert_string_equal(answer,
			    "error: unknown command 'bogus' (try 'help')\n");
}

/* An EAM table larger than an answer: cut, and the status line says so. */
static void test_answer_truncated(void **state)
{
	const char *a;
	size_t n;

	for (uint32_t i = 0; i < 3000; i++) {
		struct eam_entry e = { .v4 = 0x0a000000 | i << 8, .len4 = 24,
				       .len6 = 120 };
		bool overlap;

		inet_pton(AF_INET6, "2001:db8:ffff::", &e.v6);
		e.v6.s6_addr[12] = (uint8_t)(i >> 8);
		e.v6.s6_addr[13] = (uint8_t)i;
		e.v6.s6_addr[14] = 0;
		assert_int_equal(eam_add(fake.conf.siit.eam, &e, &overlap), 0);
	}
	n = control_answer(&fake, "eam show --json", 15, answer);
	assert_true(n <= CONTROL_ANSWER_MAX);
	assert_true(n > CONTROL_ANSWER_MAX - 2048);
	answer[n] = '\0';
	a = answer;
	assert_int_equal(strncmp(a, "error: answer truncated at ", 27), 0);
	assert_non_null(strstr(a, "(limit 65536)\n{\"eam\": [{"));
}

/* Both roles: status names them, eam show lists [siit] then [clat] (whose
 * first row is the CLAT's own mapping). */
static void test_answer_roles_siit_and_clat(void **state)
{
	static const char text[] =
		"pref64 = 2001:db8:64::/96\n"
		"[siit]\neam = 192.0.2.0/24 2001:db8:46::/120\n"
		"[clat]\nmode = host\nipv6-address = 2001:db8:1::c1a7\n";
	const char *a;
	char err[256];

	conf_free(&fake.conf);
	if (conf_parse_buf_warn("clat.conf", text, sizeof(text) - 1,
				&fake.conf, err, sizeof(err), NULL, NULL) != 0)
		fail_msg("clat config: %s", err);
	a = ask_ok("status");
	assert_non_null(strstr(a, "roles     siit clat (clat mode host)\n"));
	a = ask_ok("status --json");
	assert_json(a);
	assert_non_null(strstr(a, "\"roles\": [\"siit\", \"clat\"], "
				  "\"clat_mode\": \"host\""));
	a = ask_ok("eam show");
	assert_string_equal(a, "ROLE  IPV4                IPV6\n"
			       "siit  192.0.2.0/24        2001:db8:46::/120\n"
			       "clat  192.0.0.1/32        2001:db8:1::c1a7/128\n");
	assert_json(ask_ok("eam show --json"));
}

/* ------------------------------------------------------------------ */
/* NAT64 (RFC 6146) state: bib, session, pool4 and the stats block      */

/* The daemon's clock, as control.c reads it. */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

/* IPv6 header in front of an upper-layer header of len bytes at pkt + 40,
 * whose checksum sits at csum_off (RFC 8200 §8.1 pseudo-header). */
static size_t ip6_finish(uint8_t *pkt, const char *src, const char *dst,
			 uint8_t nh, size_t len, size_t csum_off)
{
	uint32_t sum;

	pkt[0] = 0x60;
	pkt[1] = pkt[2] = pkt[3] = 0;
	pkt[4] = (uint8_t)(len >> 8);
	pkt[5] = (uint8_t)len;
	pkt[6] = nh;
	pkt[7] = 64;
	assert_int_equal(inet_pton(AF_INET6, src, pkt + 8), 1);
	assert_int_equal(inet_pton(AF_INET6, dst, pkt + 24), 1);
	pkt[40 + csum_off] = pkt[41 + csum_off] = 0;
	sum = sum16(pkt + 8, 32, (uint32_t)len + nh);
	sum = sum16(pkt + 40, len, sum);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	pkt[40 + csum_off] = (uint8_t)(sum >> 8);
	pkt[41 + csum_off] = (uint8_t)sum;
	return 40 + len;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static struct xlat_out xout;

/* Through the real packet path, with pool6 64:ff9b::/96. */
static void nat64_in6(const uint8_t *pkt, size_t len)
{
	struct xlat_ctx ctx;
	enum xlat_verdict v;

	xlat_ctx_init(&ctx);
	assert_int_equal(inet_pton(AF_INET6, "64:ff9b::", &ctx.pool6.prefix),
			 1);
	ctx.pool6.len = 96;
	ctx.allow_nonglobal_wkp = true;
	v = nat64_packet(fake.nat64, &ctx, pkt, len, now_ns(), &xout);
	if (v != XLAT_OK)
		fail_msg("nat64_packet: %s", xlat_reason_name(v));
}

static void udp6(const char *src, uint16_t sport, const char *dst,
		 uint16_t dport)
{
	uint8_t pkt[64] = { 0 };
	uint8_t *u = pkt + 40;

	put16(u, sport);
	put16(u + 2, dport);
	put16(u + 4, 12);
	memcpy(u + 8, "ping", 4);
	nat64_in6(pkt, ip6_finish(pkt, src, dst, 17, 12, 6));
}

static void tcp6_syn(const char *src, uint16_t sport, const char *dst,
		     uint16_t dport)
{
	uint8_t pkt[64] = { 0 };
	uint8_t *t = pkt + 40;

	put16(t, sport);
	put16(t + 2, dport);
	t[7] = 1;            /* seq 1 */
	t[12] = 5 << 4;      /* data offset */
	t[13] = 0x02;        /* SYN */
	put16(t + 14, 65535);
	nat64_in6(pkt, ip6_finish(pkt, src, dst, 6, 20, 16));
}

static void echo6(const char *src, uint16_t id, const char *dst)
{
	uint8_t pkt[64] = { 0 };
	uint8_t *e = pkt + 40;

	e[0] = 128;          /* Echo Request */
	put16(e + 4, id);
	put16(e + 6, 1);
	memcpy(e + 8, "ping", 4);
	nat64_in6(pkt, ip6_finish(pkt, src, dst, 58, 12, 2));
}

static unsigned count_lines(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

#define BIB_FMT "%-5s %-30s %-21s %-7s %s\n"

static void test_answer_nat64_no_role(void **state)
{
	static const char *const reqs[] = {
		"bib show", "bib show --json", "session show udp",
		"session show --json", "pool4 show", "pool4 show --json",
		"bib add tcp 2001:db8::1 80 192.0.2.1 61001",
		"bib del icmp 192.0.2.1 0 --json",
	};
	const char *a;

	/* status names the role when the configuration has one. */
	fake.conf.nat64.enabled = true;
	assert_non_null(strstr(ask_ok("status"), "roles     siit nat64\n"));
	assert_non_null(strstr(ask_ok("status --json"),
			       "\"roles\": [\"siit\", \"nat64\"]"));
	fake.conf.nat64.enabled = false;

	nat64_free(fake.nat64);
	fake.nat64 = NULL;
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		ask_err(reqs[i], "error: no [nat64] role configured\n");
		assert_string_equal(answer,
				    "error: no [nat64] role configured\n");
	}
	a = ask_ok("stats");
	assert_null(strstr(a, "\nNAT64 "));
	assert_null(strstr(a, "bib_created"));
	a = ask_ok("stats --json");
	assert_json(a);
	assert_null(strstr(a, "\"nat64\": {"));
	/* Bad words are still refused first, with their own reason. */
	ask_err("bib add tcp 2001:db8::1 0 192.0.2.1 61001",
		"error: '0' is not a tcp port (1-65535)\n");
}

static void test_parse_nat64_values(void **state)
{
	struct control_request r;
	struct in6_addr a;

	r = parse_ok("bib show");
	assert_int_equal(r.filter.proto, NAT64_NPROTO);
	assert_int_equal(r.filter.limit, CONTROL_LIMIT_DEFAULT);
	assert_int_equal(r.filter.kind, CONTROL_BIB_ANY);
	assert_false(r.filter.has6 || r.filter.has4 || r.filter.has_port);

	r = parse_ok("bib show limit 0 static ipv4 192.0.2.1 --json icmp "
		     "port 0 ipv6 2001:db8::1");
	assert_true(r.json);
	assert_int_equal(r.filter.proto, NAT64_P_ICMP);
	assert_int_equal(r.filter.limit, 0);
	assert_int_equal(r.filter.kind, CONTROL_BIB_STATIC);
	assert_true(r.filter.has4 && r.filter.has6 && r.filter.has_port);
	assert_int_equal(r.filter.v4, 0xc0000201);
	assert_int_equal(r.filter.port, 0);
	inet_pton(AF_INET6, "2001:db8::1", &a);
	assert_memory_equal(&r.filter.v6, &a, sizeof(a));

	r = parse_ok("bib show dynamic udp limit 4294967295");
	assert_int_equal(r.filter.kind, CONTROL_BIB_DYNAMIC);
	assert_int_equal(r.filter.proto, NAT64_P_UDP);
	assert_int_equal(r.filter.limit, UINT32_MAX);

	r = parse_ok("session show tcp port 65535 limit 7");
	assert_int_equal(r.cmd, CONTROL_CMD_SESSION_SHOW);
	assert_int_equal(r.filter.proto, NAT64_P_TCP);
	assert_int_equal(r.filter.port, 65535);
	assert_int_equal(r.filter.limit, 7);

	r = parse_ok("bib add udp 2001:db8::5 53 198.51.100.9 65535");
	assert_int_equal(r.bib.proto, NAT64_P_UDP);
	inet_pton(AF_INET6, "2001:db8::5", &a);
	assert_memory_equal(&r.bib.x6, &a, sizeof(a));
	assert_int_equal(r.bib.x_port, 53);
	assert_int_equal(r.bib.t4, 0xc6336409);
	assert_int_equal(r.bib.t_port, 65535);

	/* ICMP identifiers may be 0 (RFC 6146 3.1). */
	r = parse_ok("bib add icmp 2001:db8::5 0 192.0.2.1 0");
	assert_int_equal(r.bib.proto, NAT64_P_ICMP);
	assert_int_equal(r.bib.x_port, 0);
	r = parse_ok("bib del tcp 192.0.2.1 1");
	assert_int_equal(r.bib.proto, NAT64_P_TCP);
	assert_int_equal(r.bib.t4, 0xc0000201);
	assert_int_equal(r.bib.t_port, 1);
}

static void test_parse_nat64_refused(void **state)
{
	char big[700], req[800];

	PARSE_ERR("bib add sctp 2001:db8::1 80 192.0.2.1 80",
		  "'sctp' is not a protocol (tcp, udp or icmp)");
	PARSE_ERR("bib add TCP 2001:db8::1 80 192.0.2.1 80",
		  "'TCP' is not a protocol");
	PARSE_ERR("bib add tcp 2001:db8::1 0 192.0.2.1 80",
		  "'0' is not a tcp port (1-65535)");
	PARSE_ERR("bib add udp 2001:db8::1 80 192.0.2.1 65536",
		  "'65536' is not a udp port (1-65535)");
	PARSE_ERR("bib add udp 2001:db8::1 +80 192.0.2.1 80",
		  "'+80' is not a udp port");
	PARSE_ERR("bib add udp 2001:db8::1 0x50 192.0.2.1 80",
		  "'0x50' is not a udp port");
	PARSE_ERR("bib add udp 2001:db8::1 99999999999999999999 192.0.2.1 80",
		  "'99999999999999999999' is not a udp port");
	PARSE_ERR("bib add icmp 2001:db8::1 65536 192.0.2.1 80",
		  "'65536' is not an ICMP identifier (0-65535)");
	PARSE_ERR("bib add tcp 2001:db8::/64 80 192.0.2.1 80",
		  "'2001:db8::/64' is not an IPv6 address");
	PARSE_ERR("bib add tcp 192.0.2.1 80 192.0.2.1 80",
		  "'192.0.2.1' is not an IPv6 address");
	PARSE_ERR("bib add tcp 2001:db8::1 80 192.0.2.256 80",
		  "'192.0.2.256' is not an IPv4 address");
	PARSE_ERR("bib add tcp 2001:db8::1 80 192.0.2 80",
		  "'192.0.2' is not an IPv4 address");
	PARSE_ERR("bib add tcp 2001:db8::1 80 192.0.2.1",
		  "usage: bib add tcp|udp|icmp IPV6 PORT IPV4 PORT");
	PARSE_ERR("bib del tcp 192.0.2.1", "usage: bib del tcp|udp|icmp "
		  "IPV4 PORT");
	PARSE_ERR("bib del tcp 192.0.2.1 0", "'0' is not a tcp port");
	PARSE_ERR("bib del tcp 2001:db8::1 80", "is not an IPv4 address");
	PARSE_ERR("bib", "'bib' needs a subcommand");
	PARSE_ERR("bib list", "unknown command 'bib list'");
	PARSE_ERR("session add", "unknown command 'session add'");
	PARSE_ERR("pool4 show tcp", "usage: pool4 show");

	PARSE_ERR("bib show sctp", "unknown filter 'sctp' (usage: bib show ");
	PARSE_ERR("session show static",
		  "unknown filter 'static' (usage: session show ");
	PARSE_ERR("bib show ipv6", "'ipv6' needs a value");
	PARSE_ERR("bib show tcp limit", "'limit' needs a value");
	PARSE_ERR("bib show ipv6 192.0.2.1",
		  "'192.0.2.1' is not an IPv6 address");
	PARSE_ERR("session show ipv4 2001:db8::1",
		  "'2001:db8::1' is not an IPv4 address");
	PARSE_ERR("bib show port 65536", "'65536' is not a port (0-65535)");
	PARSE_ERR("bib show port -1", "'-1' is not a port (0-65535)");
	PARSE_ERR("bib show limit 4294967296",
		  "'4294967296' is not a row count (0: no limit)");
	PARSE_ERR("bib show limit 1e3", "'1e3' is not a row count");
	PARSE_ERR("bib show tcp udp", "protocol given twice");
	PARSE_ERR("bib show static dynamic", "static|dynamic given twice");
	PARSE_ERR("session show port 1 port 2", "'port' given twice");
	PARSE_ERR("bib show limit 1 limit 2", "'limit' given twice");
	PARSE_ERR("bib show ipv4 ipv4 ipv4", "'ipv4' is not an IPv4 address");

	/* Long words are quoted cut: the reason stays one short line. */
	memset(big, '7', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(req, sizeof(req), "bib show port %s", big);
	{
		struct control_request r;
		char err[256];

		assert_int_equal(control_parse(req, strlen(req), &r, err,
					       sizeof(err)), -EINVAL);
		assert_true(strlen(err) < 120);
		assert_non_null(strstr(err, "is not a port"));
		snprintf(req, sizeof(req), "bib add udp %s 1 192.0.2.1 1",
			 big);
		assert_int_equal(control_parse(req, strlen(req), &r, err,
					       sizeof(err)), -EINVAL);
		assert_true(strlen(err) < 120);
	}
}

static void test_answer_bib_static(void **state)
{
	const char *a;
	char line[256];

	a = ask_ok("bib show");
	snprintf(line, sizeof(line), BIB_FMT "(no entries)\n", "PROTO", "IPV6",
		 "IPV4", "KIND", "SESSIONS");
	assert_string_equal(a, line);
	assert_string_equal(ask_ok("bib show --json"), "{\"bib\": [], "
			    "\"shown\": 0, \"total\": 0, \"truncated\": "
			    "false}\n");

	a = ask_ok("bib add tcp 2001:db8::1 80 192.0.2.1 61005");
	assert_string_equal(a, "added tcp [2001:db8::1]:80 192.0.2.1:61005\n");
	/* Outside pool4 is the administrator's business. */
	a = ask_ok("bib add udp 2001:db8::2 53 198.51.100.9 53 --json");
	assert_json(a);
	assert_string_equal(a, "{\"added\": {\"proto\": \"udp\", \"ipv6\": "
			       "\"2001:db8::2\", \"ipv6_port\": 53, \"ipv4\": "
			       "\"198.51.100.9\", \"ipv4_port\": 53}}\n");
	ask_ok("bib add icmp 2001:db8::3 0 192.0.2.1 61001");
	/* One BIB per protocol (RFC 6146 3.1): the same (X',x) for udp. */
	ask_ok("bib add udp 2001:db8::1 80 192.0.2.1 61002");

	ask_err("bib add tcp 2001:db8::1 80 192.0.2.1 61006",
		"error: bib add: already mapped: tcp [2001:db8::1]:80 or "
		"192.0.2.1:61006 has a BIB entry\n");
	ask_err("bib add tcp 2001:db8::9 80 192.0.2.1 61005",
		"error: bib add: already mapped: ");

	a = ask_ok("bib show");
	assert_int_equal(count_lines(a), 5);
	snprintf(line, sizeof(line), BIB_FMT, "tcp", "[2001:db8::1]:80",
		 "192.0.2.1:61005", "static", "0");
	assert_non_null(strstr(a, line));
	snprintf(line, sizeof(line), BIB_FMT, "icmp", "[2001:db8::3]:0",
		 "192.0.2.1:61001", "static", "0");
	assert_non_null(strstr(a, line));

	/* Filters, ANDed. */
	assert_int_equal(count_lines(ask_ok("bib show tcp")), 2);
	assert_int_equal(count_lines(ask_ok("bib show ipv6 2001:db8::1")), 3);
	assert_int_equal(count_lines(ask_ok("bib show ipv6 2001:db8::1 udp")),
			 2);
	assert_int_equal(count_lines(ask_ok("bib show ipv4 198.51.100.9")), 2);
	assert_int_equal(count_lines(ask_ok("bib show port 80")), 3);
	assert_int_equal(count_lines(ask_ok("bib show port 61001")), 2);
	assert_int_equal(count_lines(ask_ok("bib show static udp port 53")),
			 2);
	a = ask_ok("bib show dynamic");
	assert_non_null(strstr(a, "\n(no entries)\n"));
	a = ask_ok("bib show icmp ipv4 192.0.2.1 port 9");
	assert_non_null(strstr(a, "\n(no entries)\n"));

	a = ask_ok("bib show tcp --json");
	assert_json(a);
	assert_string_equal(a, "{\"bib\": [{\"proto\": \"tcp\", \"ipv6\": "
			       "\"2001:db8::1\", \"ipv6_port\": 80, \"ipv4\": "
			       "\"192.0.2.1\", \"ipv4_port\": 61005, "
			       "\"static\": true, \"sessions\": 0}], \"shown\": "
			       "1, \"total\": 1, \"truncated\": false}\n");
	assert_json(ask_ok("bib show --json"));

	a = ask_ok("bib del tcp 192.0.2.1 61005");
	assert_string_equal(a, "deleted tcp 192.0.2.1:61005\n");
	ask_err("bib del tcp 192.0.2.1 61005", "error: bib del: no static "
		"entry for tcp 192.0.2.1:61005\n");
	ask_err("bib del udp 192.0.2.1 61005", "error: bib del: no static "
		"entry for udp 192.0.2.1:61005\n");
	a = ask_ok("bib del udp 198.51.100.9 53 --json");
	assert_json(a);
	assert_string_equal(a, "{\"deleted\": {\"proto\": \"udp\", \"ipv4\": "
			       "\"198.51.100.9\", \"ipv4_port\": 53}}\n");
	assert_int_equal(count_lines(ask_ok("bib show")), 3);
	/* The freed (T,t) can be mapped again. */
	ask_ok("bib add tcp 2001:db8::7 7 192.0.2.1 61005");
}

/* Sessions made by real IPv6 packets through nat64_packet(). */
static void make_sessions(void)
{
	udp6("2001:db8::1", 40000, "64:ff9b::198.51.100.1", 53);
	udp6("2001:db8::1", 40000, "64:ff9b::198.51.100.2", 53);
	tcp6_syn("2001:db8::2", 40001, "64:ff9b::203.0.113.5", 443);
	echo6("2001:db8::3", 7, "64:ff9b::198.51.100.1");
}

static void test_answer_sessions(void **state)
{
	const char *a, *p;
	char line[512];

	a = ask_ok("session show");
	assert_non_null(strstr(a, "PROTO IPV6 CLIENT"));
	assert_non_null(strstr(a, "\n(no sessions)\n"));
	make_sessions();

	a = ask_ok("session show");
	assert_int_equal(count_lines(a), 5);
	/* UDP: the remote ends, no state, 5 minutes to live (RFC 6146 4). */
	p = strstr(a, "\nudp   [2001:db8::1]:40000");
	assert_non_null(p);
	snprintf(line, sizeof(line), "%-30s %-30s ", "[2001:db8::1]:40000",
		 "[64:ff9b::c633:6401]:53");
	assert_non_null(strstr(a, line));
	assert_non_null(strstr(a, "198.51.100.1:53       -                 "
				  "300s\n"));
	/* TCP after a V6 SYN. */
	p = strstr(a, "\ntcp   [2001:db8::2]:40001");
	assert_non_null(p);
	assert_non_null(strstr(p, "203.0.113.5:443       V6_INIT           "));
	/* ICMP: identifiers, no remote ports. */
	snprintf(line, sizeof(line), "\nicmp  %-30s %-30s 192.0.2.1:610",
		 "[2001:db8::3]:7", "[64:ff9b::c633:6401]");
	assert_non_null(strstr(a, line));
	assert_non_null(strstr(a, " 198.51.100.1          -  "));

	/* Filters: ipv6 matches X' or Y', ipv4 T or Z, port any side. */
	assert_int_equal(count_lines(ask_ok("session show udp")), 3);
	assert_int_equal(count_lines(ask_ok("session show ipv6 2001:db8::1")),
			 3);
	assert_int_equal(count_lines(ask_ok("session show ipv6 "
					    "64:ff9b::198.51.100.1")), 3);
	assert_int_equal(count_lines(ask_ok("session show ipv4 "
					    "198.51.100.1")), 3);
	assert_int_equal(count_lines(ask_ok("session show ipv4 192.0.2.1")),
			 5);
	assert_int_equal(count_lines(ask_ok("session show port 443")), 2);
	assert_int_equal(count_lines(ask_ok("session show port 7 icmp")), 2);
	assert_int_equal(count_lines(ask_ok("session show tcp port 53")), 2);
	assert_non_null(strstr(ask_ok("session show tcp port 53"),
			       "(no sessions)"));

	a = ask_ok("session show tcp --json");
	assert_json(a);
	assert_non_null(strstr(a, "{\"sessions\": [{\"proto\": \"tcp\", "
				  "\"ipv6\": \"2001:db8::2\", \"ipv6_port\": "
				  "40001, \"ipv6_remote\": \"64:ff9b::cb00:7105"
				  "\", \"ipv6_remote_port\": 443, \"ipv4\": "
				  "\"192.0.2.1\", \"ipv4_port\": 610"));
	assert_non_null(strstr(a, "\"ipv4_remote\": \"203.0.113.5\", "
				  "\"ipv4_remote_port\": 443, \"state\": "
				  "\"V6_INIT\", \"expires\": "));
	assert_non_null(strstr(a, "\"shown\": 1, \"total\": 1, \"truncated\": "
				  "false}\n"));
	a = ask_ok("session show icmp --json");
	assert_json(a);
	assert_non_null(strstr(a, "\"ipv6_remote_port\": null"));
	assert_non_null(strstr(a, "\"state\": null"));
	assert_json(ask_ok("session show --json"));

	/* The dynamic BIB entries they made. */
	a = ask_ok("bib show dynamic udp");
	assert_int_equal(count_lines(a), 2);
	assert_non_null(strstr(a, "\nudp   [2001:db8::1]:40000"));
	assert_non_null(strstr(a, " dynamic 2\n"));
	a = ask_ok("bib show dynamic --json");
	assert_json(a);
	assert_non_null(strstr(a, "\"static\": false, \"sessions\": 2}"));
	assert_non_null(strstr(a, "\"total\": 3"));
}

static void test_answer_pool4(void **state)
{
	const char *a;

	a = ask_ok("pool4 show");
	assert_string_equal(a, "ADDRESS                   TCP           UDP"
			       "          ICMP\n"
			       "192.0.2.1                0/10          0/10"
			       "          0/10\n"
			       "total                    0/10          0/10"
			       "          0/10\n");
	make_sessions();
	ask_ok("bib add tcp 2001:db8::9 9 192.0.2.1 61009");
	a = ask_ok("pool4 show");
	assert_non_null(strstr(a, "\n192.0.2.1                2/10          "
				  "1/10          1/10\n"));
	a = ask_ok("pool4 show --json");
	assert_json(a);
	assert_string_equal(a, "{\"pool4\": [{\"address\": \"192.0.2.1\", "
			       "\"tcp\": {\"in_use\": 2, \"configured\": 10}, "
			       "\"udp\": {\"in_use\": 1, \"configured\": 10}, "
			       "\"icmp\": {\"in_use\": 1, \"configured\": 10}}]"
			       ", \"total\": {\"tcp\": {\"in_use\": 2, "
			       "\"configured\": 10}, \"udp\": {\"in_use\": 1, "
			       "\"configured\": 10}, \"icmp\": {\"in_use\": 1, "
			       "\"configured\": 10}}, \"addresses\": 1, "
			       "\"truncated\": false}\n");
}

static void test_answer_stats_nat64(void **state)
{
	struct nat64_stats ns;
	const char *a;
	char line[256];

	make_sessions();
	nat64_stats(fake.nat64, &ns);
	assert_int_equal(ns.sessions, 4);
	a = ask_ok("stats");
	snprintf(line, sizeof(line), "\n%-22s %20s  DESCRIPTION\n", "NAT64",
		 "VALUE");
	assert_non_null(strstr(a, line));
	for (unsigned i = 0; i < nat64_ncounters; i++) {
		snprintf(line, sizeof(line), "\n%-22s ", nat64_counter_names[i]);
		if (!strstr(a, line) || !strstr(a, nat64_counter_descs[i]))
			fail_msg("stats lacks %s", nat64_counter_names[i]);
	}
	snprintf(line, sizeof(line), "\n%-22s %20u  ", "sessions_created", 4u);
	assert_non_null(strstr(a, line));
	snprintf(line, sizeof(line), "\n%-22s %20u  ", "sessions", 4u);
	assert_non_null(strstr(a, line));
	snprintf(line, sizeof(line), "\n%-22s %20u  ", "bib_entries", 3u);
	assert_non_null(strstr(a, line));
	/* The NAT64 drop reasons come with the X-macro. */
	snprintf(line, sizeof(line), "\n%-22s %20u  %s\n", "nat64_no_bib",
		 1000u + XLAT_NAT64_NO_BIB, xlat_reason_desc(XLAT_NAT64_NO_BIB));
	assert_non_null(strstr(a, line));

	a = ask_ok("stats --json");
	assert_json(a);
	assert_non_null(strstr(a, "\"nat64_no_bib\": {\"count\": "));
	assert_non_null(strstr(a, "}}, \"nat64\": {\"bib_created\": 3, "));
	assert_non_null(strstr(a, "\"sessions_created\": 4, "));
	assert_non_null(strstr(a, "\"bib_entries\": 3, \"sessions\": 4, "
				  "\"stored_syns\": 0, \"frag_states\": 0, "
				  "\"held_frags\": 0, \"held_ports\": 0}}\n"));
	for (unsigned i = 0; i < nat64_ncounters; i++) {
		snprintf(line, sizeof(line), "\"%s\": ", nat64_counter_names[i]);
		assert_non_null(strstr(a, line));
	}
}

/* Fill one shard's BIB with static entries (one subscriber /64): the
 * table says -ENOSPC once that shard is full. */
static unsigned fill_bib(void)
{
	unsigned n = 0;

	for (;; n++) {
		struct in6_addr x6;
		int rc;

		inet_pton(AF_INET6, "2001:db8:1::", &x6);
		x6.s6_addr[14] = (uint8_t)(n >> 8);
		x6.s6_addr[15] = (uint8_t)n;
		rc = nat64_static_add(fake.nat64, NAT64_P_UDP, &x6, 1,
				      0x0a000000u + n, 1);
		if (rc == -ENOSPC)
			return n;
		assert_int_equal(rc, 0);
		assert_true(n < 4096);
	}
}

static void test_answer_bib_full_and_limit(void **state)
{
	unsigned n = fill_bib();
	char want[128];
	const char *a;
	size_t len;

	assert_true(n > 1000);
	ask_err("bib add udp 2001:db8:1::ffff 2 10.255.0.1 1",
		"error: bib add: BIB full\n");

	a = ask_ok("bib show limit 10");
	assert_int_equal(count_lines(a), 1 + 10 + 1);
	snprintf(want, sizeof(want), "\n... %u more (use limit)\n", n - 10);
	assert_non_null(strstr(a, want));
	a = ask_ok("bib show limit 10 --json");
	assert_json(a);
	snprintf(want, sizeof(want), "], \"shown\": 10, \"total\": %u, "
		 "\"truncated\": true}\n", n);
	assert_non_null(strstr(a, want));
	/* Exactly as many as asked: nothing more to say. */
	a = ask_ok("bib show ipv4 10.0.0.5");
	assert_int_equal(count_lines(a), 2);
	assert_non_null(strstr(a, "[2001:db8:1::5]:1"));
	a = ask_ok("bib show ipv6 2001:db8:1::5 --json");
	assert_json(a);
	assert_non_null(strstr(a, "\"shown\": 1, \"total\": 1, \"truncated\": "
				  "false}\n"));

	/* The default and "limit 0" stop at the answer size, cut at a row,
	 * and still end with the count and well-formed JSON. */
	len = strlen(ask_ok("bib show"));
	a = answer + 3;
	assert_true(len > CONTROL_ANSWER_MAX - 4096);
	assert_non_null(strstr(a, "more (the answer is full at 65536 bytes: "
				  "narrow with filters)\n"));
	assert_true(count_lines(a) < 1 + 1000 + 1);
	a = ask_ok("bib show limit 0 --json");
	assert_json(a);
	snprintf(want, sizeof(want), "\"total\": %u, \"truncated\": true}\n",
		 n);
	assert_non_null(strstr(a, want));
	assert_true(strlen(a) > CONTROL_ANSWER_MAX - 4096);
}

/* Many sessions through the packet path: one client, one BIB entry
 * (endpoint-independent mapping), 2000 destinations. */
static void test_answer_session_limit(void **state)
{
	char want[128];
	const char *a;

	for (unsigned i = 0; i < 2000; i++)
		udp6("2001:db8::1", 40000, "64:ff9b::198.51.100.1",
		     (uint16_t)(1 + i));
	a = ask_ok("bib show --json");
	assert_non_null(strstr(a, "\"sessions\": 2000}"));

	a = ask_ok("session show limit 5");
	assert_int_equal(count_lines(a), 1 + 5 + 1);
	assert_non_null(strstr(a, "\n... 1995 more (use limit)\n"));
	a = ask_ok("session show port 1777");
	assert_int_equal(count_lines(a), 2);
	assert_non_null(strstr(a, "198.51.100.1:1777"));

	a = ask_ok("session show");
	assert_true(strlen(a) <= CONTROL_ANSWER_MAX - 3);
	assert_non_null(strstr(a, "more (the answer is full at 65536 bytes"));
	a = ask_ok("session show limit 0 --json");
	assert_json(a);
	assert_non_null(strstr(a, "\"total\": 2000, \"truncated\": true}\n"));
	a = ask_ok("session show limit 1000 udp --json");
	assert_json(a);
	snprintf(want, sizeof(want), "\"total\": 2000, \"truncated\": true}");
	assert_non_null(strstr(a, want));
}

/* Whatever goes in, the answer is one bounded message with a status. */
static void test_answer_nat64_hostile(void **state)
{
	static char req[CONTROL_REQ_MAX + 1];
	size_t n;

	make_sessions();
	memset(req, 0, sizeof(req));
	snprintf(req, sizeof(req), "session show ipv6 ");
	memset(req + strlen(req), ':', 3000);
	ask_err(req, "error: '::::::");
	assert_true(strlen(answer) < 200);
	snprintf(req, sizeof(req), "bib add udp 2001:db8::1 1 192.0.2.1 1 "
		 "extra words here");
	ask_err(req, "error: usage: bib add ");
	ask_err("bib show limit 0 limit 0", "error: 'limit' given twice\n");
	ask_err("bib show ipv4", "error: 'ipv4' needs a value");
	ask_err("session show port 99999", "error: '99999' is not a port");
	for (unsigned i = 0; i < 64; i++) {
		snprintf(req, sizeof(req), "session show port %u limit %u%s",
			 i * 1013, i % 4, i % 2 ? " --json" : "");
		n = control_answer(&fake, req, strlen(req), answer);
		assert_true(n <= CONTROL_ANSWER_MAX);
		answer[n] = '\0';
		assert_int_equal(strncmp(answer, "ok\n", 3), 0);
		if (i % 2)
			assert_json(answer + 3);
	}
}

/* ------------------------------------------------------------------ */
/* The server, end to end                                              */

struct server {
	char dir[64];
	char path[128];
	struct control *c;
	pthread_t thread;
	int rc;
};

static void *server_main(void *arg)
{
	struct server *s = arg;

	s->rc = control_run(s->c);
	return NULL;
}

static int server_setup(void **state)
{
	struct server *s = calloc(1, sizeof(*s));

	fake_setup(state);
	assert_non_null(s);
	snprintf(s->dir, sizeof(s->dir), "/tmp/sixgate-ctl.XXXXXX");
	assert_non_null(mkdtemp(s->dir));
	/* "run" does not exist yet: control_open() creates it. */
	snprintf(s->path, sizeof(s->path), "%s/run/control", s->dir);
	assert_int_equal(control_open(&fake, s->path, &s->c), 0);
	assert_int_equal(pthread_create(&s->thread, NULL, server_main, s), 0);
	*state = s;
	return 0;
}

static int server_teardown(void **state)
{
	struct server *s = *state;
	char run[128];
	struct stat st;

	control_stop(s->c);
	pthread_join(s->thread, NULL);
	assert_int_equal(s->rc, 0);
	control_close(s->c);
	assert_int_equal(lstat(s->path, &st), -1); /* removed on close */
	snprintf(run, sizeof(run), "%s/run", s->dir);
	rmdir(run);
	rmdir(s->dir);
	free(s);
	return fake_teardown(state);
}

static int client_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail_msg("connect %s: %s", path, strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

static char reply[CONTROL_ANSWER_MAX + 2];

/* One message back, NUL-terminated in reply; its length, 0 on EOF. */
static ssize_t client_recv(int fd)
{
	ssize_t n = recv(fd, reply, sizeof(reply) - 1, 0);

	if (n < 0)
		fail_msg("recv: %s", strerror(errno));
	assert_true(n <= CONTROL_ANSWER_MAX);
	reply[n] = '\0';
	return n;
}

static const char *client_ask(int fd, const void *req, size_t len)
{
	assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
	client_recv(fd);
	return reply;
}

static const char *client_ask_str(int fd, const char *req)
{
	return client_ask(fd, req, strlen(req));
}

static void test_server_socket_modes(void **state)
{
	struct server *s = *state;
	char run[128];
	struct stat st;

	assert_int_equal(lstat(s->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(run, sizeof(run), "%s/run", s->dir);
	assert_int_equal(stat(run, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
}

static void test_server_every_command(void **state)
{
	struct server *s = *state;
	static const char *const reqs[] = { "help", "status", "stats",
		"workers", "eam show", "pref64 show", "reload", "bib show",
		"session show", "pool4 show", "bib show udp limit 3",
		"session show ipv4 192.0.2.1 port 61001" };
	int fd = client_connect(s->path);
	char req[64];

	/* One connection carries any number of requests. */
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		const char *a = client_ask_str(fd, reqs[i]);

		if (strncmp(a, "ok\n", 3) != 0)
			fail_msg("%s: %s", reqs[i], a);
		snprintf(req, sizeof(req), "%s --json\n", reqs[i]);
		a = client_ask_str(fd, req);
		assert_int_equal(strncmp(a, "ok\n", 3), 0);
		assert_json(a + 3);
	}
	assert_string_equal(client_ask_str(fd, "eam add 203.0.113.0/24 "
					   "2001:db8:48::/120"),
			    "ok\nadded 203.0.113.0/24 2001:db8:48::/120\n");
	assert_string_equal(client_ask_str(fd, "eam del 203.0.113.0/24"),
			    "ok\ndeleted 203.0.113.0/24\n");
	assert_string_equal(client_ask_str(fd, "eam del 203.0.113.0/24"),
			    "error: eam del: No such file or directory\n");
	close(fd);
}

static void test_server_hostile_input(void **state)
{
	struct server *s = *state;
	static char big[3 * CONTROL_REQ_MAX];
	static const char nul[] = "stats\0\0\0";
	int fd = client_connect(s->path);
	char junk[512];

	memset(big, 'A', sizeof(big));
	assert_string_equal(client_ask(fd, big, sizeof(big)),
			    "error: request longer than 4096 bytes\n");
	assert_string_equal(client_ask(fd, nul, sizeof(nul)),
			    "error: NUL byte at offset 5\n");
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 7 + 3);
	assert_int_equal(strncmp(client_ask(fd, junk, sizeof(junk)),
				 "error: ", 7), 0);
	assert_string_equal(client_ask_str(fd, "a b c d e f g h i j k l m n o "
					   "p q r s"),
			    "error: too many words (at most 16)\n");
	/* Still serving the same connection. */
	assert_int_equal(strncmp(client_ask_str(fd, "status"), "ok\n", 3), 0);

	/* An empty message reads as end of file: the server hangs up. */
	assert_int_equal(send(fd, "", 0, MSG_NOSIGNAL), 0);
	assert_int_equal(client_recv(fd), 0);
	close(fd);

	fd = client_connect(s->path);
	assert_int_equal(strncmp(client_ask_str(fd, "status"), "ok\n", 3), 0);
	close(fd);
}

static void test_server_many_clients(void **state)
{
	struct server *s = *state;
	int fd[CONTROL_CLIENTS_MAX], extra;

	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		fd[i] = client_connect(s->path);
	/* Answered in any order, each on its own connection. */
	for (int i = CONTROL_CLIENTS_MAX - 1; i >= 0; i--)
		assert_int_equal(strncmp(client_ask_str(fd[i], i % 2 ?
			"stats --json" : "eam show"), "ok\n", 3), 0);
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		assert_int_equal(send(fd[i], "status", 6, MSG_NOSIGNAL), 6);
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++) {
		client_recv(fd[i]);
		assert_int_equal(strncmp(reply, "ok\nversion ", 11), 0);
	}

	/* One more waits in the backlog until a slot frees up. */
	extra = client_connect(s->path);
	assert_int_equal(send(extra, "status", 6, MSG_NOSIGNAL), 6);
	assert_int_equal(recv(extra, reply, sizeof(reply),
			      MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	usleep(100000);
	assert_int_equal(recv(extra, reply, sizeof(reply),
			      MSG_DONTWAIT), -1);
	close(fd[3]);
	client_recv(extra);
	assert_int_equal(strncmp(reply, "ok\nversion ", 11), 0);
	close(extra);
	for (int i = 0; i < CONTROL_CLIENTS_MAX; i++)
		if (i != 3)
			close(fd[i]);
}

/* A client that sends and never reads cannot stall the server. */
static void test_server_client_never_reads(void **state)
{
	struct server *s = *state;
	int hog = client_connect(s->path), fd;
	struct timeval tv = { .tv_usec = 200000 };
	int sent = 0;

	setsockopt(hog, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	for (int i = 0; i < 200; i++) {
		if (send(hog, "stats --json", 12, MSG_NOSIGNAL) < 0)
			break;
		sent++;
	}
	assert_true(sent > 0);
	fd = client_connect(s->path);
	assert_int_equal(strncmp(client_ask_str(fd, "status"), "ok\n", 3), 0);
	close(fd);
	close(hog);
}

static void test_server_open_refusals(void **state)
{
	struct server *s = *state;
	struct control *c = NULL;
	char path[160];
	int fd;

	/* A live server on the path is not "stale". */
	assert_int_equal(control_open(&fake, s->path, &c), -EADDRINUSE);
	assert_null(c);

	/* Something that is not a socket is left alone. */
	snprintf(path, sizeof(path), "%s/file", s->dir);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(control_open(&fake, path, &c), -EEXIST);
	unlink(path);

	memset(path, 'x', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(control_open(&fake, path, &c), -ENAMETOOLONG);
}

/* A socket left by a daemon that died is removed and replaced. */
static void test_server_stale_socket(void **state)
{
	struct server *s = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct control *c;
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "%s/stale", s->dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(control_open(&fake, path, &c), 0);
	fd = client_connect(path);
	close(fd);
	control_close(c);
	assert_int_equal(access(path, F_OK), -1);
}

/* ------------------------------------------------------------------ */
/* sixgatectl's client side (src/ctl/control_client.c) against it      */

struct ctl_run {
	int rc;
	char out[8192];
	char err[1024];
};

static void slurp(FILE *f, char *buf, size_t len)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* ctl_control() with stdout and stderr caught; argv is NULL-terminated. */
static void ctl_run(struct ctl_run *r, const char *sock, char **argv)
{
	FILE *out = tmpfile(), *err = tmpfile();
	int argc = 0, save1 = dup(1), save2 = dup(2);

	assert_non_null(out);
	assert_non_null(err);
	while (argv[argc])
		argc++;
	ctl_set_socket(sock);
	fflush(stdout);
	fflush(stderr);
	dup2(fileno(out), 1);
	dup2(fileno(err), 2);
	r->rc = ctl_control(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(save1, 1);
	dup2(save2, 2);
	close(save1);
	close(save2);
	slurp(out, r->out, sizeof(r->out));
	slurp(err, r->err, sizeof(r->err));
}

#define CTL(r, sock, ...) ctl_run(r, sock, (char *[]){ __VA_ARGS__, NULL })

static void test_client_commands(void **state)
{
	struct server *s = *state;
	struct ctl_run r;

	CTL(&r, s->path, "status");
	assert_int_equal(r.rc, CTL_EXIT_OK);
	assert_int_equal(strncmp(r.out, "version   ", 10), 0);
	assert_string_equal(r.err, "");

	CTL(&r, s->path, "stats", "--json");
	assert_int_equal(r.rc, CTL_EXIT_OK);
	assert_json(r.out);
	CTL(&r, s->path, "workers", "--json");
	assert_int_equal(r.rc, CTL_EXIT_OK);
	assert_json(r.out);
	assert_string_equal(r.out, "{\"workers\": []}\n");

	CTL(&r, s->path, "eam", "add", "203.0.113.0/24", "2001:db8:48::/120");
	assert_int_equal(r.rc, CTL_EXIT_OK);
	assert_string_equal(r.out, "added 203.0.113.0/24 2001:db8:48::/120\n");
	CTL(&r, s->path, "eam", "add", "203.0.113.0/24", "2001:db8:49::/120");
	assert_int_equal(r.rc, CTL_EXIT_FAIL);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "sixgatectl: RFC 7757 §5: a row has this "
			    "prefix\n");
	CTL(&r, s->path, "eam", "--json", "show");
	assert_int_equal(r.rc, CTL_EXIT_OK);
	assert_json(r.out);
	assert_non_null(strstr(r.out, "203.0.113.0/24"));
	CTL(&r, s->path, "eam", "del", "203.0.113.0/24");
	assert_int_equal(r.rc, CTL_EXIT_OK);
	CTL(&r, s->path, "pref64", "show", "--json");
	assert_int_equal(r.rc, CTL_EXIT_OK);
	assert_json(r.out);

	fake.reload_rc = -EINVAL;
	fake.reload_err = "/etc/sixgate/sixgate.conf:3: pref64: bad";
	CTL(&r, s->path, "reload");
	assert_int_equal(r.rc, CTL_EXIT_FAIL);
	assert_string_equal(r.err, "sixgatectl: /etc/sixgate/sixgate.conf:3: "
			    "pref64: bad\n");
}

static void test_client_nat64(void **state)
{
	struct server *s = *state;
	struct ctl_run r;

	CTL(&r, s->path, "bib", "add", "tcp", "2001:db8::1", "80", "192.0.2.1",
	    "61005");
	assert_int_equal(r.rc, CTL_EXIT_OK);
	assert_string_equal(r.out, "added tcp [2001:db8::1]:80 "
			    "192.0.2.1:61005\n");
	CTL(&r, s->path, "bib", "add", "tcp", "2001:db8::1", "80", "192.0.2.1",
	    "61005");
	assert_int_equal(r.rc, CTL_EXIT_FAIL);
	assert_string_equal(r.out, "");
	assert_string_equal(r.err, "sixgatectl: bib add: already mapped: tcp "
			    "[2001:db8::1]:80 or 192.0.2.1:61005 has a BIB "
			    "entry\n");
	CTL(&r, s->path, "bib", "show", "tcp", "--json", "limit", "5");
	assert_int_equal(r.rc, CTL_EXIT_OK);
	assert_json(r.out);
	assert_non_null(strstr(r.out, "\"ipv4_port\": 61005"));
	/* Every filter at once: ten operands. */
	CTL(&r, s->path, "bib", "show", "ipv6", "2001:db8::1", "ipv4",
	    "192.0.2.1", "port", "80", "static", "limit", "1", "tcp");
	assert_int_equal(r.rc, CTL_EXIT_OK);
	assert_non_null(strstr(r.out, "\ntcp   [2001:db8::1]:80 "));
	CTL(&r, s->path, "session", "show");
	assert_int_equal(r.rc, CTL_EXIT_OK);
	assert_non_null(strstr(r.out, "(no sessions)\n"));
	CTL(&r, s->path, "session", "show", "udp", "ipv4", "192.0.2.1",
	    "--json");
	assert_int_equal(r.rc, CTL_EXIT_OK);
	assert_json(r.out);
	CTL(&r, s->path, "pool4", "show");
	assert_int_equal(r.rc, CTL_EXIT_OK);
	assert_non_null(strstr(r.out, "\n192.0.2.1                1/10 "));
	CTL(&r, s->path, "pool4", "show", "--json");
	assert_int_equal(r.rc, CTL_EXIT_OK);
	assert_json(r.out);
	CTL(&r, s->path, "bib", "del", "tcp", "192.0.2.1", "61005");
	assert_int_equal(r.rc, CTL_EXIT_OK);
	assert_string_equal(r.out, "deleted tcp 192.0.2.1:61005\n");

	/* Refused by the daemon: exit 1 with its reason. */
	CTL(&r, s->path, "bib", "add", "tcp", "2001:db8::1", "0", "192.0.2.1",
	    "1");
	assert_int_equal(r.rc, CTL_EXIT_FAIL);
	assert_string_equal(r.err, "sixgatectl: '0' is not a tcp port "
			    "(1-65535)\n");
	CTL(&r, s->path, "session", "show", "frob");
	assert_int_equal(r.rc, CTL_EXIT_FAIL);
	assert_non_null(strstr(r.err, "unknown filter 'frob'"));

	/* Usage errors stay local: exit 2. */
	CTL(&r, s->path, "bib", "del", "tcp");
	assert_int_equal(r.rc, CTL_EXIT_USAGE);
	assert_non_null(strstr(r.err, "usage: sixgatectl [-s SOCKET] bib del "
				      "tcp|udp|icmp IPV4 PORT\n"));
	assert_non_null(strstr(r.err, "usage: sixgatectl [-s SOCKET] bib show "
				      "[--json] [tcp|udp|icmp]"));
	CTL(&r, s->path, "bib", "show", "a", "b", "c", "d", "e", "f", "g", "h",
	    "i", "j", "k");
	assert_int_equal(r.rc, CTL_EXIT_USAGE);
	CTL(&r, s->path, "pool4");
	assert_int_equal(r.rc, CTL_EXIT_USAGE);
	CTL(&r, s->path, "session", "show", "-h");
	assert_int_equal(r.rc, CTL_EXIT_OK);
	assert_non_null(strstr(r.out, "usage: sixgatectl [-s SOCKET] session "
				      "show [--json]"));

	/* No [nat64] role. */
	nat64_free(fake.nat64);
	fake.nat64 = NULL;
	CTL(&r, s->path, "bib", "show");
	assert_int_equal(r.rc, CTL_EXIT_FAIL);
	assert_string_equal(r.err, "sixgatectl: no [nat64] role configured\n");
}

static void test_client_usage(void **state)
{
	struct server *s = *state;
	struct ctl_run r;

	CTL(&r, s->path, "eam");
	assert_int_equal(r.rc, CTL_EXIT_USAGE);
	assert_non_null(strstr(r.err, "usage: sixgatectl [-s SOCKET] eam add "
				      "IPV4[/LEN] IPV6[/LEN]\n"));
	CTL(&r, s->path, "status", "extra");
	assert_int_equal(r.rc, CTL_EXIT_USAGE);
	CTL(&r, s->path, "reload", "--force");
	assert_int_equal(r.rc, CTL_EXIT_USAGE);
	CTL(&r, s->path, "eam", "add", "192.0.2.0/24 x", "2001:db8::/120");
	assert_int_equal(r.rc, CTL_EXIT_USAGE);
	assert_non_null(strstr(r.err, "blanks and line breaks"));
	CTL(&r, s->path, "stats", "-h");
	assert_int_equal(r.rc, CTL_EXIT_OK);
	assert_string_equal(r.out, "usage: sixgatectl [-s SOCKET] stats "
			    "[--json]\n");
	/* The daemon's refusal of a bad row is exit 1, not a usage error. */
	CTL(&r, s->path, "eam", "del", "192.0.2.1/24");
	assert_int_equal(r.rc, CTL_EXIT_FAIL);
	assert_string_equal(r.err, "sixgatectl: '192.0.2.1/24': bits set "
			    "past the prefix length\n");
}

static void test_client_not_running(void **state)
{
	struct server *s = *state;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ctl_run r;
	char path[96], msg[160];
	int fd;

	snprintf(path, sizeof(path), "%s/nothing", s->dir);
	CTL(&r, path, "status");
	assert_int_equal(r.rc, CTL_EXIT_FAIL);
	snprintf(msg, sizeof(msg), "sixgatectl: sixgated is not running (no "
		 "socket at %s)\n", path);
	assert_string_equal(r.err, msg);

	/* A socket file nobody listens on: the same message. */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	CTL(&r, path, "stats");
	assert_int_equal(r.rc, CTL_EXIT_FAIL);
	assert_string_equal(r.err, msg);
	unlink(path);

	/* SIXGATE_CONTROL is used when -s is not given. */
	setenv("SIXGATE_CONTROL", s->path, 1);
	CTL(&r, NULL, "status");
	unsetenv("SIXGATE_CONTROL");
	assert_int_equal(r.rc, CTL_EXIT_OK);
}

/* The socket is 0600 root: another user is told so. */
static void test_client_permission_denied(void **state)
{
	struct server *s = *state;
	struct ctl_run r;
	char msg[256];
	pid_t pid;
	int st;

	if (geteuid() != 0)
		skip();
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			_exit(99);
		CTL(&r, s->path, "status");
		snprintf(msg, sizeof(msg), "sixgatectl: permission denied on "
			 "%s (root only)\n", s->path);
		_exit(r.rc == CTL_EXIT_FAIL && strcmp(r.err, msg) == 0 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_checker_itself),
		cmocka_unit_test(test_parse_every_command),
		cmocka_unit_test(test_parse_blanks_and_line_ends),
		cmocka_unit_test(test_parse_eam_values),
		cmocka_unit_test(test_parse_eam_refused),
		cmocka_unit_test(test_parse_bad_words),
		cmocka_unit_test(test_parse_hostile_bytes),
		cmocka_unit_test(test_parse_tiny_err_buffer),
		cmocka_unit_test(test_buf_bounds),
		cmocka_unit_test(test_buf_json_escapes),
		cmocka_unit_test_setup_teardown(test_answer_status, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(
			test_answer_status_embedded_no_prefix, fake_setup,
			fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_stats_every_counter,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_stats_json,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_workers,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_eam, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_eam_empty,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_pref64, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_reload, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_help, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_parse_error,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_truncated,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_roles_siit_and_clat,
						fake_setup, fake_teardown),
		cmocka_unit_test(test_parse_nat64_values),
		cmocka_unit_test(test_parse_nat64_refused),
		cmocka_unit_test_setup_teardown(test_answer_nat64_no_role,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_bib_static,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_sessions,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_pool4, fake_setup,
						fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_stats_nat64,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_bib_full_and_limit,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_session_limit,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_answer_nat64_hostile,
						fake_setup, fake_teardown),
		cmocka_unit_test_setup_teardown(test_server_socket_modes,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(test_server_every_command,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(test_server_hostile_input,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(test_server_many_clients,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(test_server_client_never_reads,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(test_server_open_refusals,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(test_server_stale_socket,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(test_client_commands,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(test_client_usage,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(test_client_nat64,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(test_client_not_running,
						server_setup, server_teardown),
		cmocka_unit_test_setup_teardown(test_client_permission_denied,
						server_setup, server_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
