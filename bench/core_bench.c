/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Benchmark of the translation core alone (RFC 7915 §4 and §5 paths):
 * nanoseconds per packet for xlat_4to6() and xlat_6to4() on packets built
 * here, next to a memcpy of the same bytes measured in the same run, and a
 * count of heap allocations made while the core runs (there must be none).
 *
 *   build/bench/core_bench            full run, prints a table
 *   build/bench/core_bench -c         quick correctness run for CI
 *   build/bench/core_bench -r 9 -t 50 9 runs per case, 50 ms per run
 *
 * Method and how to read the figures: docs/performance.md.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/wire.h"
#include "core/xlat.h"

/* The target for a 64-byte packet, either direction. */
#define TARGET_NS_64 60.0

#include "bench.h"

/* ---- packet construction ------------------------------------------------ */

#define PKT_MAX 2048

struct bcase {
	const char *name;
	int dir;      /* 4: xlat_4to6, 6: xlat_6to4 */
	bool is64;    /* counts toward the 64-byte target */
	unsigned want_npkts;
	uint8_t pkt[PKT_MAX];
	size_t len;
	/* results */
	double core_ns, copy_ns;
	unsigned long allocs;
	unsigned npkts;
	enum xlat_verdict verdict;
};

static const uint32_t V4_CLIENT = 0xc633640a; /* 198.51.100.10 */
static const uint32_t V4_SERVER = 0xc0000201; /* 192.0.2.1 */

static struct in6_addr v6_client, v6_server; /* pool6 + the two above */



static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fin(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t pseudo4(uint32_t src, uint32_t dst, uint8_t proto, size_t len)
{
	return (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) +
	       proto + (uint32_t)len;
}

static uint32_t pseudo6(const struct in6_addr *src, const struct in6_addr *dst,
			uint8_t nh, size_t len)
{
	uint32_t sum = sum16(src->s6_addr, 16, 0);

	sum = sum16(dst->s6_addr, 16, sum);
	return sum + (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + nh;
}

/* Upper-layer header and payload of n bytes at l4; pseudo is the sum of
 * the pseudo-header (0 for ICMPv4). */
static void fill_l4(uint8_t *l4, size_t n, uint8_t proto, uint32_t pseudo)
{
	size_t i, off = 0;
	uint16_t c;

	memset(l4, 0, n);
	switch (proto) {
	case IPPROTO_UDP:
		put16(l4, 40000);
		put16(l4 + 2, 53);
		put16(l4 + 4, (uint16_t)n);
		off = 6;
		break;
	case IPPROTO_TCP:
		put16(l4, 40001);
		put16(l4 + 2, 443);
		put32(l4 + 4, 0x01020304);
		put32(l4 + 8, 0x05060708);
		l4[12] = 5 << 4;
		l4[13] = 0x18; /* PSH ACK */
		put16(l4 + 14, 65535);
		off = 16;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		l4[0] = proto == IPPROTO_ICMP ? 8 : 128; /* echo request */
		put16(l4 + 4, 0x1234);
		put16(l4 + 6, 1);
		off = 2;
		break;
	}
	for (i = proto == IPPROTO_TCP ? 20 : 8; i < n; i++)
		l4[i] = (uint8_t)(i * 7);
	c = csum_fin(sum16(l4, n, pseudo));
	if (proto == IPPROTO_UDP && c == 0)
		c = 0xffff;
	put16(l4 + off, c);
}

static void ip4_hdr(uint8_t *p, size_t total, uint8_t proto, bool df,
		    uint32_t src, uint32_t dst)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)total);
	put16(p + 4, 0x4242);
	if (df)
		p[6] = 0x40;
	p[8] = 64;
	p[9] = proto;
	put32(p + 12, src);
	put32(p + 16, dst);
	put16(p + 10, csum_fin(sum16(p, 20, 0)));
}

static void ip6_hdr(uint8_t *p, size_t total, uint8_t nh,
		    const struct in6_addr *src, const struct in6_addr *dst)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)(total - 40));
	p[6] = nh;
	p[7] = 64;
	memcpy(p + 8, src, 16);
	memcpy(p + 24, dst, 16);
}

static size_t build4(uint8_t *p, size_t total, uint8_t proto, bool df,
		     uint32_t src, uint32_t dst)
{
	ip4_hdr(p, total, proto, df, src, dst);
	fill_l4(p + 20, total - 20, proto,
		proto == IPPROTO_ICMP ? 0 : pseudo4(src, dst, proto, total - 20));
	return total;
}

static size_t build6(uint8_t *p, size_t total, uint8_t nh,
		     const struct in6_addr *src, const struct in6_addr *dst)
{
	ip6_hdr(p, total, nh, src, dst);
	fill_l4(p + 40, total - 40, nh, pseudo6(src, dst, nh, total - 40));
	return total;
}

/* ICMPv4 Port Unreachable from the server, quoting a 64-byte UDP packet the
 * client sent to it. */
static size_t build4_icmp_err(uint8_t *p)
{
	uint8_t *icmp = p + 20;
	size_t inner = build4(icmp + 8, 64, IPPROTO_UDP, false, V4_CLIENT,
			      V4_SERVER);
	size_t total = 20 + 8 + inner;

	ip4_hdr(p, total, IPPROTO_ICMP, false, V4_SERVER, V4_CLIENT);
	memset(icmp, 0, 8);
	icmp[0] = 3;
	icmp[1] = 3;
	put16(icmp + 2, csum_fin(sum16(icmp, 8 + inner, 0)));
	return total;
}

/* ICMPv6 Port Unreachable, the same situation seen from the IPv6 side. */
static size_t build6_icmp_err(uint8_t *p)
{
	uint8_t *icmp = p + 40;
	size_t inner = build6(icmp + 8, 64, IPPROTO_UDP, &v6_client,
			      &v6_server);
	size_t total = 40 + 8 + inner;

	ip6_hdr(p, total, IPPROTO_ICMPV6, &v6_server, &v6_client);
	memset(icmp, 0, 8);
	icmp[0] = 1;
	icmp[1] = 4;
	put16(icmp + 2, csum_fin(sum16(icmp, 8 + inner,
				       pseudo6(&v6_server, &v6_client,
					       IPPROTO_ICMPV6, 8 + inner))));
	return total;
}

#define NCASES 12
static struct bcase cases[NCASES];

static void setup_cases(void)
{
	struct bcase *c = cases;

#define CASE4(nm, sz, proto, df, is64_, want)                                  \
	do {                                                                   \
		c->name = nm; c->dir = 4; c->is64 = is64_;                     \
		c->want_npkts = want;                                          \
		c->len = build4(c->pkt, sz, proto, df, V4_CLIENT, V4_SERVER);  \
		c++;                                                           \
	} while (0)
#define CASE6(nm, sz, proto, is64_, want)                                      \
	do {                                                                   \
		c->name = nm; c->dir = 6; c->is64 = is64_;                     \
		c->want_npkts = want;                                          \
		c->len = build6(c->pkt, sz, proto, &v6_server, &v6_client);    \
		c++;                                                           \
	} while (0)

	CASE4("udp 64", 64, IPPROTO_UDP, true, true, 1);
	CASE4("tcp 64", 64, IPPROTO_TCP, true, true, 1);
	CASE4("udp 1500", 1500, IPPROTO_UDP, true, false, 1);
	CASE4("tcp 1500", 1500, IPPROTO_TCP, true, false, 1);
	CASE6("udp 64", 64, IPPROTO_UDP, true, 1);
	CASE6("tcp 64", 64, IPPROTO_TCP, true, 1);
	CASE6("udp 1500", 1500, IPPROTO_UDP, false, 1);
	CASE6("tcp 1500", 1500, IPPROTO_TCP, false, 1);

	c->name = "icmp error";
	c->dir = 4;
	c->want_npkts = 1;
	c->len = build4_icmp_err(c->pkt);
	c++;
	c->name = "icmp error";
	c->dir = 6;
	c->want_npkts = 1;
	c->len = build6_icmp_err(c->pkt);
	c++;
	/* 1500 bytes, DF=0, lowest-ipv6-mtu 1280: two IPv6 fragments. */
	CASE4("udp 1500 frag", 1500, IPPROTO_UDP, false, false, 2);
	CASE4("icmp echo 64", 64, IPPROTO_ICMP, false, false, 1);
#undef CASE4
#undef CASE6
}

/* ---- timing ------------------------------------------------------------- */

static struct xlat_ctx ctx;
static struct xlat_out out;
static uint64_t now_ns = 1;
static volatile unsigned sink;


static void run_core(const struct bcase *c, unsigned long n)
{
	unsigned long i;
	unsigned acc = 0;

	if (c->dir == 4) {
		for (i = 0; i < n; i++)
			acc += xlat_4to6(&ctx, c->pkt, c->len, now_ns++, &out);
	} else {
		for (i = 0; i < n; i++)
			acc += xlat_6to4(&ctx, c->pkt, c->len, now_ns++, &out);
	}
	sink += acc;
}

static void run_copy(const struct bcase *c, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		memcpy(out.buf, c->pkt, c->len);
		/* Make the copy observable so it is not optimised away. */
		__asm__ __volatile__("" : : "r"(out.buf) : "memory");
	}
}

/* Best of `runs` runs of n iterations, in ns per iteration. */
static double best_of(void (*fn)(const struct bcase *, unsigned long),
		      const struct bcase *c, unsigned long n, unsigned runs)
{
	double best = 1e300, t0, dt;
	unsigned r;

	for (r = 0; r < runs; r++) {
		t0 = mono();
		fn(c, n);
		dt = (mono() - t0) / (double)n;
		if (dt < best)
			best = dt;
	}
	return best;
}

/* Iterations for one run to last about run_ms, after a warm-up. */
static unsigned long calibrate(void (*fn)(const struct bcase *, unsigned long),
			       const struct bcase *c, double run_ms)
{
	unsigned long n = 1000;
	double t0, dt;

	for (;;) {
		t0 = mono();
		fn(c, n);
		dt = mono() - t0;
		if (dt >= run_ms * 1e6 / 4 || n >= (1ul << 30))
			break;
		n *= 2;
	}
	return (unsigned long)((double)n * (run_ms * 1e6) / (dt > 0 ? dt : 1));
}

/* ---- main --------------------------------------------------------------- */

static int setup_ctx(void)
{
	unsigned len = 0;

	xlat_ctx_init(&ctx);
	if (addr_parse6_prefix("64:ff9b::/96", &ctx.pool6.prefix, &len, true))
		return -EINVAL;
	ctx.pool6.len = (uint8_t)len;
	ctx.allow_nonglobal_wkp = true;
	ctx.lowest_ipv6_mtu = 1280;
	/* A 1500-byte IPv4 packet with DF set grows to 1520 bytes; a jumbo
	 * IPv6 link lets it through instead of timing Fragmentation Needed. */
	ctx.ipv6_mtu = 9000;
	addr_embed(&ctx.pool6, ctx.self4, &ctx.self6);
	addr_embed(&ctx.pool6, V4_CLIENT, &v6_client);
	addr_embed(&ctx.pool6, V4_SERVER, &v6_server);
	return 0;
}

/* One untimed call: is the verdict and output what the case expects? */
static bool check_case(struct bcase *c)
{
	c->verdict = c->dir == 4 ?
		xlat_4to6(&ctx, c->pkt, c->len, now_ns++, &out) :
		xlat_6to4(&ctx, c->pkt, c->len, now_ns++, &out);
	c->npkts = out.npkts;
	if (c->verdict != XLAT_OK || c->npkts != c->want_npkts ||
	    out.pkts[0].family != (c->dir == 4 ? 6 : 4)) {
		fprintf(stderr,
			"core_bench: %s %d->%d: verdict %s, %u packets "
			"(expected ok, %u)\n",
			c->name, c->dir, c->dir == 4 ? 6 : 4,
			xlat_reason_name(c->verdict), c->npkts, c->want_npkts);
		return false;
	}
	return true;
}


static void usage(void)
{
	fprintf(stderr, "usage: core_bench [-c] [-r runs] [-t ms-per-run]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned runs = 7, i, nbad = 0;
	double run_ms = 20.0, worst64 = 0;
	unsigned long total_allocs = 0;
	bool quick = false;
	char cpu[128];
	int opt;

	while ((opt = getopt(argc, argv, "cr:t:")) != -1) {
		switch (opt) {
		case 'c':
			quick = true;
			break;
		case 'r':
			runs = (unsigned)atoi(optarg);
			break;
		case 't':
			run_ms = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (runs < 1 || run_ms <= 0)
		usage();
	if (quick) {
		runs = 1;
		run_ms = 1;
	}
	if (setup_ctx()) {
		fprintf(stderr, "core_bench: cannot set up the context\n");
		return 1;
	}
	setup_cases();
	for (i = 0; i < NCASES; i++)
		if (!check_case(&cases[i]))
			nbad++;
	if (nbad)
		return 1;

	cpu_name(cpu, sizeof(cpu));
	printf("sixgate core benchmark: %s, %u runs/case, ~%.0f ms/run, "
	       "best run shown\n", cpu, runs, run_ms);
	printf("compiler: %s\n\n", __VERSION__);
	printf("%-14s %-5s %6s %4s %9s %9s %6s %7s %6s\n", "case", "dir",
	       "bytes", "out", "core ns", "memcpy ns", "ratio", "Mpps", "allocs");
	for (i = 0; i < NCASES; i++) {
		struct bcase *c = &cases[i];
		unsigned long n = calibrate(run_core, c, run_ms);
		unsigned long nc;

		nalloc = 0;
		counting = 1;
		c->core_ns = best_of(run_core, c, n, runs);
		counting = 0;
		c->allocs = nalloc;
		total_allocs += c->allocs;
		nc = calibrate(run_copy, c, run_ms);
		c->copy_ns = best_of(run_copy, c, nc, runs);
		if (c->is64 && c->core_ns > worst64)
			worst64 = c->core_ns;
		printf("%-14s %d->%d %6zu %4u %9.1f %9.1f %6.1f %7.2f %6lu\n",
		       c->name, c->dir, c->dir == 4 ? 6 : 4, c->len, c->npkts,
		       c->core_ns, c->copy_ns, c->core_ns / c->copy_ns,
		       1e3 / c->core_ns, c->allocs);
	}

	printf("\n");
	if (BENCH_COUNTS_ALLOC)
		printf("allocations on the packet path: %lu (malloc family "
		       "counted during every timed core loop) %s\n",
		       total_allocs, total_allocs ? "FAIL" : "PASS");
	else
		printf("allocations on the packet path: not counted in this "
		       "build (sanitizer or non-glibc allocator)\n");
	printf("target <= %.0f ns per 64-byte UDP/TCP packet, either "
	       "direction: worst %.1f ns %s%s\n", TARGET_NS_64, worst64,
	       worst64 <= TARGET_NS_64 ? "PASS" : "FAIL",
	       quick ? " (quick run, timing not meaningful)" : "");
	return total_allocs ? 1 : 0;
}
