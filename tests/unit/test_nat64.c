/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the stateful NAT64 packet path (src/core/nat64*.c) that
 * the offline conformance tests (tests/conformance/test_nat64_*.py, through
 * sixgatectl translate) cannot reach: several threads on one struct nat64
 * (issue 4: tables shared by all workers, no global lock; run under TSan in
 * CI), the bounded stores, and the incremental port checksum update
 * against a full recomputation.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/csum.h"
#include "core/internal.h"
#include "core/nat64.h"
#include "core/nat64_int.h"

#define NS 1000000000ull
#define POOL 0xc0000201u /* 192.0.2.1 */
#define REMOTE 0xc633640au /* 198.51.100.10 */
#define THREADS 4
#define PER_THREAD 2000

static void ctx_init(struct xlat_ctx *ctx)
{
	unsigned len = 0;

	xlat_ctx_init(ctx);
	assert_int_equal(addr_parse6_prefix("64:ff9b::/96", &ctx->pool6.prefix,
					    &len, true), 0);
	ctx->pool6.len = (uint8_t)len;
	ctx->allow_nonglobal_wkp = true;
	addr_embed(&ctx->pool6, ctx->self4, &ctx->self6);
}

static struct nat64 *nat_new(uint32_t max_sessions)
{
	struct nat64_config c;
	struct pool4_range r[3];
	struct nat64 *n = NULL;

	nat64_config_default(&c);
	c.table.nshards = 16;
	c.table.max_sessions = max_sessions;
	c.table.max_bib = max_sessions;
	memset(c.table.key, 7, sizeof(c.table.key));
	memset(c.pool.key, 9, sizeof(c.pool.key));
	for (unsigned p = 0; p < 3; p++)
		r[p] = (struct pool4_range){ POOL, (uint8_t)p, 1024, 65535 };
	assert_int_equal(nat64_new(&n, &c, r, 3, NULL), 0);
	return n;
}

/* IPv6 UDP from client (thread, i) to REMOTE:53. */
static size_t udp6(uint8_t *p, const struct xlat_ctx *ctx, unsigned t,
		   unsigned i)
{
	struct in6_addr s, d;

	memset(&s, 0, sizeof(s));
	s.s6_addr[0] = 0x20;
	s.s6_addr[1] = 0x01;
	s.s6_addr[2] = 0x0d;
	s.s6_addr[3] = 0xb8;
	s.s6_addr[5] = (uint8_t)t;
	s.s6_addr[6] = (uint8_t)(i >> 8);
	s.s6_addr[7] = (uint8_t)i; /* one /64 per flow */
	s.s6_addr[15] = 1;
	addr_embed(&ctx->pool6, REMOTE, &d);
	memset(p, 0, 56);
	put32(p, 0x60000000u);
	put16(p + 4, 16);
	p[6] = PROTO_UDP;
	p[7] = 64;
	memcpy(p + 8, &s, 16);
	memcpy(p + 24, &d, 16);
	put16(p + 40, (uint16_t)(10000 + i));
	put16(p + 42, 53);
	put16(p + 44, 16);
	uint32_t sum = csum_partial(p + 8, 32, 0) + 16 + PROTO_UDP;
	put16(p + 46, csum_finish(csum_partial(p + 40, 16, sum)));
	return 56;
}

/* The IPv4 reply to what udp6() became: REMOTE:53 -> T:t. */
static size_t udp4_reply(uint8_t *p, const uint8_t *out4)
{
	memset(p, 0, 28);
	p[0] = 0x45;
	put16(p + 2, 28);
	p[8] = 64;
	p[9] = PROTO_UDP;
	put32(p + 12, REMOTE);
	put32(p + 16, get32(out4 + 12));
	put16(p + 20, 53);
	put16(p + 22, get16(out4 + 20));
	put16(p + 24, 8);
	put16(p + 10, csum_finish(csum_partial(p, 20, 0)));
	return 28;
}

struct worker_arg {
	struct nat64 *n;
	const struct xlat_ctx *ctx;
	unsigned t;
	unsigned ok, back;
};

static void *worker(void *arg)
{
	struct worker_arg *a = arg;
	struct xlat_out *o = aligned_alloc(64, sizeof(*o));
	uint8_t p[64], q[64];

	memset(o, 0, sizeof(*o));
	for (unsigned i = 0; i < PER_THREAD; i++) {
		size_t len = udp6(p, a->ctx, a->t, i);
		if (nat64_packet(a->n, a->ctx, p, len, 1000 * NS, o) != XLAT_OK ||
		    o->npkts != 1)
			continue;
		a->ok++;
		len = udp4_reply(q, o->pkts[0].data);
		if (nat64_packet(a->n, a->ctx, q, len, 1001 * NS, o) == XLAT_OK &&
		    o->npkts == 1 &&
		    memcmp(o->pkts[0].data + 24, p + 8, 16) == 0 &&
		    get16(o->pkts[0].data + 42) == 10000 + i)
			a->back++;
	}
	free(o);
	return NULL;
}

struct expirer_arg {
	struct nat64 *n;
	const struct xlat_ctx *ctx;
	_Atomic bool stop;
};

static void *expirer(void *arg)
{
	struct expirer_arg *a = arg;
	struct xlat_out *o = aligned_alloc(64, sizeof(*o));

	memset(o, 0, sizeof(*o));
	while (!atomic_load(&a->stop))
		nat64_expire(a->n, a->ctx, 1002 * NS, 32, o); /* nothing due */
	free(o);
	return NULL;
}

/* Issue 4 "Threads": every worker on one struct nat64, with expiry
 * running alongside; each flow's reply comes back to its client.
 * covers: RFC 6146 §3.1 (uniqueness under concurrency), §3.5.1 */
static void test_rfc6146_3_5_1_threads_share_tables(void **state)
{
	(void)state;
	struct xlat_ctx ctx;
	struct nat64 *n;
	struct worker_arg wa[THREADS];
	struct expirer_arg ea;
	pthread_t th[THREADS], ex;
	struct nat64_stats st;

	ctx_init(&ctx);
	n = nat_new(THREADS * PER_THREAD + 16);
	ea.n = n;
	ea.ctx = &ctx;
	atomic_store(&ea.stop, false);
	assert_int_equal(pthread_create(&ex, NULL, expirer, &ea), 0);
	for (unsigned t = 0; t < THREADS; t++) {
		wa[t] = (struct worker_arg){ .n = n, .ctx = &ctx, .t = t };
		assert_int_equal(pthread_create(&th[t], NULL, worker, &wa[t]),
				 0);
	}
	for (unsigned t = 0; t < THREADS; t++) {
		pthread_join(th[t], NULL);
		assert_int_equal(wa[t].ok, PER_THREAD);
		assert_int_equal(wa[t].back, PER_THREAD);
	}
	atomic_store(&ea.stop, true);
	pthread_join(ex, NULL);
	nat64_stats(n, &st);
	assert_int_equal(st.sessions, THREADS * PER_THREAD);
	assert_int_equal(st.bib_entries, THREADS * PER_THREAD);
	/* UDP lifetime is 300 s: nothing expires at 1300 s, all at 1302 s. */
	struct xlat_out *o = aligned_alloc(64, sizeof(*o));
	while (nat64_expire(n, &ctx, 1300 * NS, 32, o))
		;
	nat64_stats(n, &st);
	assert_int_equal(st.sessions, THREADS * PER_THREAD);
	while (nat64_expire(n, &ctx, 1302 * NS, 32, o))
		;
	nat64_stats(n, &st);
	assert_int_equal(st.sessions, 0);
	assert_int_equal(st.bib_entries, 0);
	assert_int_equal(st.held_ports, THREADS * PER_THREAD);
	free(o);
	nat64_free(n);
}

/* RFC 6146 §5.3: the held-SYN store is bounded and keyed by 5-tuple. */
static void test_rfc6146_5_3_syn_store_bounded(void **state)
{
	(void)state;
	struct syn_store s;
	uint8_t pkt[40] = { 0x45 }, buf[NAT64_SYN_LEN];

	assert_int_equal(syn_store_init(&s, 2), 0);
	assert_int_equal(syn_store_put(&s, 1, 1, 2, 2, pkt, 40, 10), 0);
	assert_int_equal(syn_store_put(&s, 1, 1, 2, 2, pkt, 40, 99), -EEXIST);
	assert_int_equal(syn_store_put(&s, 1, 2, 2, 2, pkt, 40, 20), 0);
	assert_int_equal(syn_store_put(&s, 1, 3, 2, 2, pkt, 40, 20), -ENOSPC);
	assert_true(syn_store_drop(&s, 1, 2, 2, 2));
	assert_false(syn_store_drop(&s, 1, 2, 2, 2));
	assert_int_equal(syn_store_expire(&s, 9, buf), 0);
	assert_int_equal(syn_store_expire(&s, 10, buf), 40); /* first copy */
	assert_int_equal(syn_store_expire(&s, 1000, buf), 0);
	syn_store_fini(&s);
}

/* RFC 6146 §3.4: fragment states and the out-of-order hold are bounded
 * and expire. */
static void test_rfc6146_3_4_fragment_store_bounded(void **state)
{
	(void)state;
	struct frag_table f;
	struct frag_key k1 = { .fam = 6, .proto = 17, .id = 1 },
			k2 = { .fam = 6, .proto = 17, .id = 2 };
	struct xlat_nat nat = { .t4 = POOL, .t_port = 5 }, got;
	uint8_t pkt[100] = { 0 }, buf[NAT64_FRAG_HOLD_LEN];

	assert_int_equal(frag_init(&f, 1, 1), 0);
	assert_int_equal(frag_record(&f, &k1, &nat, 10), 0);
	assert_int_equal(frag_record(&f, &k2, &nat, 10), -ENOSPC);
	assert_true(frag_lookup(&f, &k1, 5, &got));
	assert_int_equal(got.t_port, 5);
	assert_false(frag_lookup(&f, &k1, 10, &got)); /* timed out */
	assert_int_equal(frag_hold(&f, &k2, pkt, 100, 10), 0);
	assert_int_equal(frag_hold(&f, &k2, pkt, 100, 10), -ENOSPC);
	assert_int_equal(frag_hold(&f, &k2, buf, sizeof(buf) + 1, 10),
			 -EMSGSIZE);
	assert_int_equal(frag_unhold(&f, &k1, buf), 0);
	assert_int_equal(frag_unhold(&f, &k2, buf), 100);
	assert_int_equal(frag_hold(&f, &k2, pkt, 100, 10), 0);
	assert_int_equal(frag_expire(&f, 10), 1);
	frag_fini(&f);
}

/* RFC 6146 §3.7 (RFC 3022 style incremental update): l4_port() gives the
 * checksum a full recomputation gives, for TCP, UDP and ICMP queries. */
static void test_rfc6146_3_7_port_checksum_incremental(void **state)
{
	(void)state;
	static const uint8_t protos[] = { PROTO_TCP, PROTO_UDP, PROTO_ICMP };
	uint8_t l4[64];

	srand(6146);
	for (int it = 0; it < 3000; it++) {
		uint8_t proto = protos[it % 3];
		unsigned co = proto == PROTO_TCP ? 16 : proto == PROTO_UDP ? 6 : 2;
		bool dst = it & 4;
		uint16_t port = (uint16_t)rand();
		for (unsigned i = 0; i < sizeof(l4); i++)
			l4[i] = (uint8_t)rand();
		put16(l4 + co, 0);
		put16(l4 + co, csum_finish(csum_partial(l4, sizeof(l4), 0)));
		if (proto == PROTO_UDP && get16(l4 + co) == 0)
			continue;
		l4_port(l4, sizeof(l4), proto, dst, port, false);
		unsigned off = proto == PROTO_ICMP ? 4 : dst ? 2 : 0;
		assert_int_equal(get16(l4 + off), port);
		assert_int_equal(csum_fold(csum_partial(l4, sizeof(l4), 0)),
				 0xffff);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6146_3_5_1_threads_share_tables),
		cmocka_unit_test(test_rfc6146_5_3_syn_store_bounded),
		cmocka_unit_test(test_rfc6146_3_4_fragment_store_bounded),
		cmocka_unit_test(test_rfc6146_3_7_port_checksum_incremental),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
