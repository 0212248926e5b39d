/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz harness for the control socket's request parser and answer builder
 * (src/daemon/control.c, docs/daemon.md "Control protocol").  Any bytes go
 * in as one request message.  Checked besides "never crash": the reason
 * of a refused request is one line; the answer fits CONTROL_ANSWER_MAX and
 * starts with "ok\n" or "error: ...\n" (the parser's reason when parsing
 * failed); an accepted EAM row printed back parses to the same row.
 *
 * The daemon is a fake with a small canned state, defined here.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "daemon/control.h"
#include "daemon/daemon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct daemon {
	struct sixgate_conf conf;
	bool ready;
};

static struct daemon fake;
static const char *const fake_devs[] = { "siit0", NULL };

static void fake_init(void)
{
	static const char text[] = "pref64 = 2001:db8:64::/96\n[siit]\n"
				   "eam = 192.0.2.0/24 2001:db8:46::/120\n"
				   "[clat]\nmode = host\n"
				   "ipv6-address = 2001:db8:1::c1a7\n";
	char err[256];

	if (fake.ready)
		return;
	if (conf_parse_buf_warn("fake", text, sizeof(text) - 1, &fake.conf,
				err, sizeof(err), NULL, NULL) != 0) {
		fprintf(stderr, "fake config: %s\n", err);
		abort();
	}
	fake.ready = true;
}

const struct sixgate_conf *daemon_conf(const struct daemon *d)
{
	return &d->conf;
}

const char *daemon_conf_path(const struct daemon *d)
{
	return "/etc/sixgate/sixgate.conf";
}

time_t daemon_started(const struct daemon *d)
{
	return 1000000000;
}

unsigned daemon_nworkers(const struct daemon *d)
{
	return 2;
}

void daemon_stats(const struct daemon *d, struct stats_sum *sum)
{
	memset(sum, 0xa5, sizeof(*sum));
}

void daemon_pref64(const struct daemon *d, struct pref64 *p,
		   enum pref64_source *src, uint32_t *lifetime)
{
	*p = d->conf.pref64;
	*src = PREF64_SRC_RFC8781;
	*lifetime = 600;
}

const char *const *daemon_devices(const struct daemon *d)
{
	return fake_devs;
}

int daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	snprintf(err, errlen, "/etc/sixgate/sixgate.conf:3: refused\n(fuzz)");
	return -EINVAL;
}

int daemon_eam_add(struct daemon *d, const struct eam_entry *e, char *err,
		   size_t errlen)
{
	bool overlap;

	/* Bounded state: a long run must not grow the table forever. */
	if (eam_count(d->conf.siit.eam) >= 64)
		return -ENOSPC;
	return eam_add(d->conf.siit.eam, e, &overlap);
}

int daemon_eam_del4(struct daemon *d, uint32_t v4, unsigned len4, char *err,
		    size_t errlen)
{
	return eam_del4(d->conf.siit.eam, v4, len4);
}

void daemon_pref64_update(struct daemon *d, const struct pref64 *p,
			  enum pref64_source src, uint32_t lifetime)
{
}

static void fuzz_check_reason(const char *err, size_t errlen)
{
	if (strnlen(err, errlen) == errlen || strchr(err, '\n') ||
	    err[0] == '\0') {
		fprintf(stderr, "bad reason: '%.*s'\n", (int)errlen, err);
		abort();
	}
}

/* What was accepted, printed as a request, is accepted as the same row. */
static void fuzz_roundtrip(const struct control_request *r)
{
	struct control_request again;
	char a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN], text[128], err[256];
	struct in_addr in = { .s_addr = htonl(r->eam.v4) };
	int n;

	inet_ntop(AF_INET, &in, a4, sizeof(a4));
	inet_ntop(AF_INET6, &r->eam.v6, a6, sizeof(a6));
	if (r->cmd == CONTROL_CMD_EAM_ADD)
		n = snprintf(text, sizeof(text), "eam add %s/%u %s/%u", a4,
			     r->eam.len4, a6, r->eam.len6);
	else
		n = snprintf(text, sizeof(text), "eam del %s/%u", a4,
			     r->eam.len4);
	if (control_parse(text, (size_t)n, &again, err, sizeof(err)) != 0 ||
	    again.cmd != r->cmd ||
	    memcmp(&again.eam, &r->eam, sizeof(r->eam)) != 0) {
		fprintf(stderr, "round trip of '%s' failed: %s\n", text, err);
		abort();
	}
}

static void fuzz_check_answer(const char *a, size_t n, int rc,
			      const char *err)
{
	const char *nl = memchr(a, '\n', n);

	if (n > CONTROL_ANSWER_MAX || !nl ||
	    (strncmp(a, "ok\n", 3) != 0 && strncmp(a, "error: ", 7) != 0)) {
		fprintf(stderr, "bad answer: '%.*s'\n", (int)(n > 200 ? 200 : n),
			a);
		abort();
	}
	for (const char *p = a; p < nl; p++)
		if ((unsigned char)*p < 0x20)
			abort();
	if (rc != 0 && ((size_t)(nl - a) != 7 + strlen(err) ||
			memcmp(a + 7, err, strlen(err)) != 0)) {
		fprintf(stderr, "answer '%.*s' is not the parse error '%s'\n",
			(int)(nl - a), a, err);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char answer[CONTROL_ANSWER_MAX];
	struct control_request r;
	char err[512];
	size_t n;
	int rc;

	fake_init();
	rc = control_parse((const char *)data, size, &r, err, sizeof(err));
	if (rc != 0)
		fuzz_check_reason(err, sizeof(err));
	else if (r.cmd == CONTROL_CMD_EAM_ADD || r.cmd == CONTROL_CMD_EAM_DEL)
		fuzz_roundtrip(&r);
	n = control_answer(&fake, (const char *)data, size, answer);
	fuzz_check_answer(answer, n, rc, err);
	return 0;
}
