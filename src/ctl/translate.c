/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgatectl translate [-r siit|nat64] [-w SECONDS] -c CONFIG IN OUT
 *
 * Runs a capture through the [siit] translator (RFC 7915 with RFC 6052 and
 * RFC 7757 mapping) or the stateful [nat64] (RFC 6146) exactly as the
 * daemon would, using pcap timestamps as the clock, so conformance tests
 * can drive the core with scapy-built packets and no network namespace.
 * NAT64 state lives for the whole capture; before each packet the state
 * due by its timestamp expires (TCP probes and ICMP errors for held SYNs
 * are written with that timestamp), and -w runs the clock on after the
 * last packet.  The NAT64 hash keys are fixed, so a run is reproducible.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "core/nat64.h"
#include "core/wire.h"
#include "core/xlat.h"
#include "ctl.h"
#include "pcapio.h"

#define TRANSLATE_USAGE \
	"translate [-r siit|nat64] [-w SECONDS] -c CONFIG IN.pcap OUT.pcap"
/* Events are per packet; a capture full of them must not flood stderr. */
#define TRANSLATE_MAX_EVENTS 100

struct translate_stats {
	uint64_t in;
	uint64_t out;
	uint64_t dropped;
	uint64_t verdict[XLAT__COUNT];
	uint64_t link[PCAPIO__COUNT];
};

struct translate_job {
	const char *conf_path;
	const char *in_path;
	const char *out_path;
	struct sixgate_conf conf;
	struct pcapio_in in;
	struct pcapio_out out;
	struct xlat_out *xo; /* ~160 KiB: one, on the heap */
	struct translate_stats st;
	unsigned nevents;
	const char *role;        /* -r */
	double wait;             /* -w: seconds after the last packet */
	const struct xlat_ctx *ctx;
	struct nat64 *nat64;     /* NULL: [siit] */
	uint64_t last_ns;
};

static int translate_args(struct translate_job *j, int argc, char **argv)
{
	int ch;

	optind = 0; /* glibc: full reset, argv is a new vector */
	while ((ch = getopt(argc, argv, "c:r:w:h")) != -1) {
		char *end;
		switch (ch) {
		case 'c':
			j->conf_path = optarg;
			break;
		case 'r':
			if (strcmp(optarg, "siit") && strcmp(optarg, "nat64"))
				return -EINVAL;
			j->role = optarg;
			break;
		case 'w':
			j->wait = strtod(optarg, &end);
			if (*end || !(j->wait >= 0 && j->wait <= 86400 * 365))
				return -EINVAL;
			break;
		case 'h':
			printf("usage: sixgatectl %s\n", TRANSLATE_USAGE);
			return 1;
		default:
			return -EINVAL;
		}
	}
	if (!j->conf_path || argc - optind != 2)
		return -EINVAL;
	j->in_path = argv[optind];
	j->out_path = argv[optind + 1];
	return 0;
}

/* RFC 6888 §4 records on stderr, stamped with the capture's clock. */
static void translate_log(void *arg, const struct nat64_log *l)
{
	char rec[160];

	(void)arg;
	nat64_log_format(l, rec, sizeof(rec));
	fprintf(stderr, "sixgatectl: log: %" PRIu64 ".%09" PRIu64 " %s\n",
		l->now / 1000000000, l->now % 1000000000, rec);
}

/* The stateful NAT64 of [nat64], with the static BIB entries. */
static int translate_nat64(struct translate_job *j)
{
	struct conf_nat64 *n = &j->conf.nat64s;
	const char *why = NULL;
	int rc;

	if (n->pool4_auto) {
		fprintf(stderr, "%s: [nat64] without pool4 lines: sixgated "
			"would take the host's address, which translate does "
			"not have; give pool4\n", j->conf_path);
		return -EINVAL;
	}
	/* Fixed keys: reproducible port choice for tests. */
	memset(n->cfg.table.key, 0x5a, sizeof(n->cfg.table.key));
	memset(n->cfg.pool.key, 0xa5, sizeof(n->cfg.pool.key));
	n->cfg.log = translate_log;
	rc = nat64_new(&j->nat64, &n->cfg, n->pool4, n->npool4, &why);
	if (rc) {
		fprintf(stderr, "%s: [nat64]: %s\n", j->conf_path,
			why ? why : strerror(-rc));
		return rc;
	}
	for (unsigned i = 0; i < n->nbib; i++) {
		const struct conf_bib *b = &n->bib[i];
		rc = nat64_static_add(j->nat64, b->proto, &b->x6, b->x_port,
				      b->t4, b->t_port);
		if (rc) {
			fprintf(stderr, "%s: bib entry %u: %s\n", j->conf_path,
				i + 1, strerror(-rc));
			return rc;
		}
	}
	j->ctx = &j->conf.nat64.ctx;
	return 0;
}

static int translate_load_conf(struct translate_job *j)
{
	char err[512];
	bool nat;

	if (conf_parse_file(j->conf_path, &j->conf, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -EINVAL;
	}
	nat = j->role ? strcmp(j->role, "nat64") == 0 :
			j->conf.nat64.enabled && !j->conf.siit.enabled;
	if (!(nat ? j->conf.nat64.enabled : j->conf.siit.enabled)) {
		fprintf(stderr, "%s: no [%s] section: translate needs one\n",
			j->conf_path, nat ? "nat64" : "siit");
		conf_free(&j->conf);
		return -EINVAL;
	}
	j->ctx = &j->conf.siit.ctx;
	if (nat && translate_nat64(j) < 0) {
		nat64_free(j->nat64);
		j->nat64 = NULL;
		conf_free(&j->conf);
		return -EINVAL;
	}
	return 0;
}

static int translate_open(struct translate_job *j)
{
	char err[PCAP_ERRBUF_SIZE + 256];

	if (pcapio_open_in(&j->in, j->in_path, err, sizeof(err)) < 0)
		goto fail;
	if (pcapio_open_out(&j->out, j->out_path, err, sizeof(err)) < 0)
		goto fail_in;
	j->xo = aligned_alloc(_Alignof(struct xlat_out),
			      sizeof(struct xlat_out));
	if (!j->xo) {
		snprintf(err, sizeof(err), "out of memory");
		goto fail_out;
	}
	memset(j->xo, 0, sizeof(*j->xo));
	return 0;
fail_out:
	pcapio_close_out(&j->out);
fail_in:
	pcapio_close_in(&j->in);
fail:
	fprintf(stderr, "sixgatectl: translate: %s\n", err);
	return -EIO;
}

static void translate_emit(struct translate_job *j, uint64_t ts_ns)
{
	const struct xlat_out *xo = j->xo;

	for (unsigned i = 0; i < xo->npkts && i < XLAT_MAX_OUT; i++) {
		pcapio_write(&j->out, ts_ns, xo->pkts[i].data,
			     xo->pkts[i].len);
		j->st.out++;
	}
}

static bool translate_event_ok(struct translate_job *j)
{
	if (j->nevents++ < TRANSLATE_MAX_EVENTS)
		return true;
	if (j->nevents == TRANSLATE_MAX_EVENTS + 1)
		fprintf(stderr, "sixgatectl: event: more than %d events, the "
			"rest are only counted\n", TRANSLATE_MAX_EVENTS);
	return false;
}

/* RFC 7915 §4.5: dropping an IPv4 UDP datagram with checksum 0 should
 * raise a management event naming its addresses and ports. */
static void translate_event_udp_zero(struct translate_job *j,
				     const uint8_t *ip, size_t len)
{
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	const uint8_t *a;
	uint16_t sport, dport;
	struct wire w;
	size_t ihl;

	wire_init(&w, ip, len);
	ihl = (size_t)(wire_peek8(&w, 0) & 0x0f) * 4;
	wire_skip(&w, 12);
	a = wire_take(&w, 8);
	wire_skip(&w, ihl > 20 ? ihl - 20 : 0);
	sport = wire_u16(&w);
	dport = wire_u16(&w);
	if (w.err || !translate_event_ok(j))
		return;
	inet_ntop(AF_INET, a, src, sizeof(src));
	inet_ntop(AF_INET, a + 4, dst, sizeof(dst));
	fprintf(stderr, "sixgatectl: event: packet %" PRIu64 ": udp_zero_csum:"
		" dropped UDP %s:%u -> %s:%u with checksum 0 (RFC 7915 4.5)\n",
		j->st.in, src, sport, dst, dport);
}

/* Expire what is due by now; what that emits goes out stamped now. */
static void translate_expire(struct translate_job *j, uint64_t now)
{
	if (!j->nat64)
		return;
	while (nat64_expire(j->nat64, j->ctx, now, 32, j->xo) > 0)
		translate_emit(j, now);
	translate_emit(j, now);
}

static void translate_frame(struct translate_job *j,
			    const struct pcapio_frame *f)
{
	enum pcapio_drop d;
	enum xlat_verdict v;
	const uint8_t *ip = NULL;
	size_t len = 0;

	j->st.in++;
	d = pcapio_decap(&j->in, f, &ip, &len);
	if (d != PCAPIO_PASS) {
		j->st.link[d]++;
		j->st.dropped++;
		return;
	}
	j->last_ns = f->ts_ns;
	if (j->nat64) {
		translate_expire(j, f->ts_ns);
		v = nat64_packet(j->nat64, j->ctx, ip, len, f->ts_ns, j->xo);
	} else {
		v = xlat_packet(j->ctx, ip, len, f->ts_ns, j->xo);
	}
	translate_emit(j, f->ts_ns);
	if ((unsigned)v >= XLAT__COUNT)
		v = XLAT_BAD_HEADER; /* cannot happen; keep counters sane */
	j->st.verdict[v]++;
	if (v != XLAT_OK)
		j->st.dropped++;
	if (v == XLAT_UDP_ZERO_CSUM)
		translate_event_udp_zero(j, ip, len);
}

static int translate_loop(struct translate_job *j)
{
	struct pcapio_frame f;
	char err[PCAP_ERRBUF_SIZE + 64];
	int rc;

	while ((rc = pcapio_next(&j->in, &f, err, sizeof(err))) > 0)
		translate_frame(j, &f);
	if (rc == 0 && j->wait > 0)
		translate_expire(j, j->last_ns + (uint64_t)(j->wait * 1e9));
	if (rc < 0)
		fprintf(stderr, "sixgatectl: translate: %s: %s\n", j->in_path,
			err);
	return rc;
}

/* Non-zero NAT64 counters and the table sizes, for tests and humans. */
static void translate_summary_nat64(const struct nat64 *n)
{
	struct nat64_stats s;
	const uint64_t *c = (const uint64_t *)&s;

	nat64_stats(n, &s);
	for (unsigned i = 0; i < nat64_ncounters; i++)
		if (c[i])
			fprintf(stderr, " nat64.%s=%" PRIu64,
				nat64_counter_names[i], c[i]);
	fprintf(stderr, " nat64.bib_entries=%" PRIu64 " nat64.sessions=%"
		PRIu64 " nat64.stored_syns=%" PRIu64 " nat64.held_ports=%"
		PRIu64, s.bib_entries, s.sessions, s.stored_syns,
		s.held_ports);
}

static void translate_summary(const struct translate_stats *st,
			      const struct nat64 *n)
{
	fprintf(stderr, "sixgatectl: translate: in=%" PRIu64 " out=%" PRIu64
		" dropped=%" PRIu64, st->in, st->out, st->dropped);
	for (unsigned v = 0; v < XLAT__COUNT; v++)
		if (v != XLAT_OK && st->verdict[v])
			fprintf(stderr, " %s=%" PRIu64,
				xlat_reason_name((enum xlat_verdict)v),
				st->verdict[v]);
	for (unsigned d = 1; d < PCAPIO__COUNT; d++)
		if (st->link[d])
			fprintf(stderr, " %s=%" PRIu64,
				pcapio_drop_name((enum pcapio_drop)d),
				st->link[d]);
	if (n)
		translate_summary_nat64(n);
	fprintf(stderr, "\n");
}

static int translate_run(struct translate_job *j)
{
	int rc;

	if (translate_load_conf(j) < 0)
		return CTL_EXIT_FAIL;
	if (translate_open(j) < 0) {
		nat64_free(j->nat64);
		conf_free(&j->conf);
		return CTL_EXIT_FAIL;
	}
	rc = translate_loop(j);
	if (pcapio_close_out(&j->out) < 0) {
		fprintf(stderr, "sixgatectl: translate: %s: write error\n",
			j->out_path);
		rc = -EIO;
	}
	pcapio_close_in(&j->in);
	translate_summary(&j->st, j->nat64);
	free(j->xo);
	nat64_free(j->nat64);
	conf_free(&j->conf);
	return rc < 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

int ctl_translate(int argc, char **argv)
{
	struct translate_job j;
	int rc;

	memset(&j, 0, sizeof(j));
	rc = translate_args(&j, argc, argv);
	if (rc > 0)
		return CTL_EXIT_OK;
	if (rc < 0)
		return ctl_usage_error(TRANSLATE_USAGE);
	return translate_run(&j);
}
