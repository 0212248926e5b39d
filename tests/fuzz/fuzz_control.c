/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz harness for the control socket's request parser and answer builder
 * (src/daemon/control.c, docs/daemon.md "Control protocol").  Any bytes go
 * in as one request message.  Checked besides "never crash": the reason
 * of a refused request is one line; the answer fits CONTROL_ANSWER_MAX and
 * starts with "ok\n" or "error: ...\n" (the parser's reason when parsing
 * failed); an accepted EAM row or static BIB entry printed back parses
 * to the same one.
 *
 * The daemon is a fake with a small canned state, defined here, and a real
 * stateful NAT64 (src/core/nat64.h) with a small pool4, a small table,
 * static entries and sessions made by IPv6 packets through nat64_packet(),
 * so bib, session, pool4 and stats run on real data.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "core/nat64.h"
#include "daemon/control.h"
#include "daemon/daemon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct daemon {
	struct sixgate_conf conf;
	struct nat64 *nat64;
	bool ready;
};

static struct daemon fake;
static const char *const fake_devs[] = { "siit0", NULL };

/* An IPv6 UDP datagram or ICMPv6 Echo Request (RFC 8200 §8.1 checksum). */
static size_t fake_pkt6(uint8_t *pkt, uint8_t nh, uint16_t src_low,
			uint16_t sport, uint32_t dst4, uint16_t dport)
{
	static const uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	static const uint8_t wkp[12] = { 0x00, 0x64, 0xff, 0x9b };
	uint8_t *u = pkt + 40;
	uint32_t sum = 12 + nh;

	memset(pkt, 0, 52);
	pkt[0] = 0x60;
	pkt[5] = 12;
	pkt[6] = nh;
	pkt[7] = 64;
	memcpy(pkt + 8, src, 16);
	pkt[22] = (uint8_t)(src_low >> 8);
	pkt[23] = (uint8_t)src_low;
	memcpy(pkt + 24, wkp, 12);
	for (int i = 0; i < 4; i++)
		pkt[36 + i] = (uint8_t)(dst4 >> (24 - 8 * i));
	if (nh == 58) {
		u[0] = 128;
		u[4] = (uint8_t)(sport >> 8);
		u[5] = (uint8_t)sport;
	} else {
		u[0] = (uint8_t)(sport >> 8);
		u[1] = (uint8_t)sport;
		u[2] = (uint8_t)(dport >> 8);
		u[3] = (uint8_t)dport;
		u[5] = 12;
	}
	for (int i = 8; i < 52; i += 2)
		sum += (uint32_t)pkt[i] << 8 | pkt[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	u[nh == 58 ? 2 : 6] = (uint8_t)(sum >> 8);
	u[nh == 58 ? 3 : 7] = (uint8_t)sum;
	return 52;
}

static void fake_nat64(void)
{
	static const struct pool4_range r[] = {
		{ 0xc0000201, POOL4_TCP, 61001, 61010 },
		{ 0xc0000201, POOL4_UDP, 61001, 61010 },
		{ 0xc0000201, POOL4_ICMP, 61001, 61010 },
	};
	static struct xlat_out out;
	struct nat64_config c;
	struct xlat_ctx ctx;
	struct in6_addr x6;
	uint8_t pkt[64];

	nat64_config_default(&c);
	c.table.nshards = 2;
	c.table.max_bib = 128; /* bib add from the fuzzer runs into -ENOSPC */
	c.table.max_sessions = 256;
	c.port_hold_max = 16;
	c.frag_max = 4;
	c.max_stored_syn = 4;
	memset(c.table.key, 0x11, sizeof(c.table.key));
	memset(c.pool.key, 0x22, sizeof(c.pool.key));
	if (nat64_new(&fake.nat64, &c, r, sizeof(r) / sizeof(r[0]), NULL))
		abort();
	inet_pton(AF_INET6, "2001:db8::1", &x6);
	nat64_static_add(fake.nat64, NAT64_P_TCP, &x6, 80, 0xc0000201, 61005);
	nat64_static_add(fake.nat64, NAT64_P_ICMP, &x6, 0, 0xc0000201, 61001);
	xlat_ctx_init(&ctx);
	inet_pton(AF_INET6, "64:ff9b::", &ctx.pool6.prefix);
	ctx.pool6.len = 96;
	ctx.allow_nonglobal_wkp = true;
	for (uint16_t i = 0; i < 8; i++)
		nat64_packet(fake.nat64, &ctx, pkt,
			     fake_pkt6(pkt, i % 4 ? 17 : 58, 2 + i % 3,
				       40000 + i, 0xc6336401 + i, 53), 1, &out);
}

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
	fake_nat64();
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

unsigned daemon_workers(const struct daemon *d, struct worker_info *out,
			unsigned max)
{
	unsigned k;

	for (k = 0; k < 2 && k < max; k++) {
		memset(&out[k], 0xa5, sizeof(out[k]));
		out[k].role = k ? "nat64" : "siit";
		snprintf(out[k].dev, sizeof(out[k].dev), "tun\"%u", k);
		out[k].queue = k;
		out[k].cpu = k ? -1 : 3;
	}
	return k;
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
static void fuzz_roundtrip_eam(const struct control_request *r)
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

/* The same for a static BIB entry (bib del leaves x6 and x_port zero). */
static void fuzz_roundtrip_bib(const struct control_request *r)
{
	static const char *const proto[] = { "tcp", "udp", "icmp" };
	const struct control_bib_entry *e = &r->bib;
	struct control_request again;
	char a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN], text[160], err[256];
	struct in_addr in = { .s_addr = htonl(e->t4) };
	int n;

	if (e->proto >= NAT64_NPROTO)
		abort();
	inet_ntop(AF_INET, &in, a4, sizeof(a4));
	inet_ntop(AF_INET6, &e->x6, a6, sizeof(a6));
	if (r->cmd == CONTROL_CMD_BIB_ADD)
		n = snprintf(text, sizeof(text), "bib add %s %s %u %s %u",
			     proto[e->proto], a6, e->x_port, a4, e->t_port);
	else
		n = snprintf(text, sizeof(text), "bib del %s %s %u",
			     proto[e->proto], a4, e->t_port);
	if (control_parse(text, (size_t)n, &again, err, sizeof(err)) != 0 ||
	    again.cmd != r->cmd || memcmp(&again.bib, e, sizeof(*e)) != 0) {
		fprintf(stderr, "round trip of '%s' failed: %s\n", text, err);
		abort();
	}
}

static void fuzz_roundtrip(const struct control_request *r)
{
	if (r->cmd == CONTROL_CMD_EAM_ADD || r->cmd == CONTROL_CMD_EAM_DEL)
		fuzz_roundtrip_eam(r);
	else if (r->cmd == CONTROL_CMD_BIB_ADD || r->cmd == CONTROL_CMD_BIB_DEL)
		fuzz_roundtrip_bib(r);
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
	else
		fuzz_roundtrip(&r);
	n = control_answer(&fake, (const char *)data, size, answer);
	fuzz_check_answer(answer, n, rc, err);
	return 0;
}
