/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for src/core/pool4.c and siphash.c: RFC 6146 §3.5.1.1 and
 * §3.5.2.3 allocation rules, RFC 4787 REQ-2/3/4, RFC 6888 REQ-2/3/4,
 * RFC 7857 §4 and §9, RFC 6056 §3.3.3-style spread; and the pool checked
 * against a deliberately naive model (a linear list of allocations) under
 * random operations (STYLE rule 12).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/pool4.h"
#include "core/siphash.h"

#define A1 0xc6336401u /* 198.51.100.1 */
#define A2 0xc6336402u
#define A3 0xc6336403u
#define A4 0xc6336404u

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	/* xorshift64*: the test's own reproducible generator */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static struct in6_addr host(unsigned net, uint64_t iid)
{
	struct in6_addr a;

	memset(&a, 0, sizeof(a));
	a.s6_addr[0] = 0x20;
	a.s6_addr[1] = 0x01;
	a.s6_addr[2] = 0x0d;
	a.s6_addr[3] = 0xb8;
	a.s6_addr[6] = (uint8_t)(net >> 8);
	a.s6_addr[7] = (uint8_t)net;
	for (int i = 0; i < 8; i++)
		a.s6_addr[8 + i] = (uint8_t)(iid >> (8 * i));
	return a;
}

static struct pool4_config cfg(void)
{
	struct pool4_config c;

	pool4_config_default(&c);
	for (int i = 0; i < SIPHASH_KEY_LEN; i++)
		c.key[i] = (uint8_t)(0xa5 ^ i * 7);
	return c;
}

static struct pool4 *mk(const struct pool4_range *r, size_t n,
			const struct pool4_config *c)
{
	struct pool4 *p = NULL;

	assert_int_equal(pool4_new(&p, r, n, c), 0);
	assert_non_null(p);
	return p;
}

/* SipHash paper, Appendix A: key 00..0f, message 00..0e. */
static void test_siphash24_vector(void **state)
{
	uint8_t k[16], m[15];

	(void)state;
	for (int i = 0; i < 16; i++)
		k[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		m[i] = (uint8_t)i;
	assert_true(siphash24(k, m, 15) == 0xa129ca6149be45e5ull);
	assert_true(siphash24(k, m, 0) == 0x726fdb47dd0e0e31ull);
}

static void test_pool4_new_refusals(void **state)
{
	struct pool4_config c = cfg();
	struct pool4_range ok = { A1, POOL4_TCP, 1024, 2047 };
	struct pool4_range bad[] = {
		{ A1, POOL4_TCP, 2000, 1000 },
		{ A1, POOL4_TCP, 0, 1000 },
		{ A1, POOL4_UDP, 0, 0 },
		{ A1, POOL4_NPROTO, 1, 2 },
	};
	struct pool4 *p = NULL;

	(void)state;
	assert_int_equal(pool4_new(&p, &ok, 0, &c), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(pool4_new(&p, &bad[i], 1, &c), -EINVAL);
	c.subscriber_len = 129;
	assert_int_equal(pool4_new(&p, &ok, 1, &c), -EINVAL);
	c = cfg();
	c.max_subscribers = 0;
	assert_int_equal(pool4_new(&p, &ok, 1, &c), -EINVAL);
	assert_null(p);
	/* ICMP identifier 0 is a valid identifier */
	c = cfg();
	struct pool4_range icmp = { A1, POOL4_ICMP, 0, 0 };
	p = mk(&icmp, 1, &c);
	pool4_free(p);
	pool4_free(NULL);
}

/* covers: RFC 6888 §3 REQ-3 (non-contiguous pool), `pool4 show` figures */
static void test_rfc6888_req3_noncontiguous_stats(void **state)
{
	static const struct pool4_range r[] = {
		{ A3, POOL4_TCP, 5000, 5009 },
		{ A1, POOL4_TCP, 61001, 65535 },
		{ A1, POOL4_UDP, 61001, 65535 },
		{ A3, POOL4_TCP, 5005, 5019 }, /* overlaps: merged */
		{ A3, POOL4_ICMP, 0, 99 },
	};
	struct pool4_config c = cfg();
	struct pool4 *p = mk(r, 5, &c);
	struct pool4_stat st;
	struct in6_addr s = host(1, 1);
	struct pool4_taddr t;

	(void)state;
	assert_int_equal(pool4_naddrs(p), 2);
	assert_true(pool4_contains(p, A1));
	assert_true(pool4_contains(p, A3));
	assert_false(pool4_contains(p, A2));
	assert_int_equal(pool4_stat(p, 0, &st), 0);
	assert_int_equal(st.addr, A1);
	assert_int_equal(st.configured[POOL4_TCP], 4535);
	assert_int_equal(st.configured[POOL4_UDP], 4535);
	assert_int_equal(st.configured[POOL4_ICMP], 0);
	assert_int_equal(pool4_stat(p, 1, &st), 0);
	assert_int_equal(st.addr, A3);
	assert_int_equal(st.configured[POOL4_TCP], 20);
	assert_int_equal(st.configured[POOL4_ICMP], 100);
	assert_int_equal(pool4_stat(p, 2, &st), -ENOENT);
	/* ICMP is only on A3: the subscriber gets A3 for it */
	assert_int_equal(pool4_alloc(p, POOL4_ICMP, &s, 7, &t), 0);
	assert_int_equal(t.addr, A3);
	assert_true(t.port <= 99);
	assert_int_equal(pool4_stat(p, 1, &st), 0);
	assert_int_equal(st.in_use[POOL4_ICMP], 1);
	assert_true(pool4_in_use(p, POOL4_ICMP, A3, t.port));
	/* Paired with A1 through TCP; A1 has no ICMP ids, so ICMP comes from
	 * A3 and TCP stays on A1. */
	struct in6_addr s2;
	unsigned net = 2;
	do {
		s2 = host(net++, 1);
		assert_int_equal(pool4_alloc(p, POOL4_TCP, &s2, 40000, &t), 0);
	} while (t.addr != A1 && net < 40);
	assert_int_equal(t.addr, A1);
	assert_int_equal(pool4_alloc(p, POOL4_ICMP, &s2, 1, &t), 0);
	assert_int_equal(t.addr, A3);
	assert_int_equal(pool4_alloc(p, POOL4_TCP, &s2, 40001, &t), 0);
	assert_int_equal(t.addr, A1);
	pool4_free(p);
}

static void test_rfc6146_3_5_1_1_udp_parity(void **state)
{
	struct pool4_range r = { A1, POOL4_UDP, 1024, 4095 };
	struct pool4_config c = cfg();
	struct pool4 *p = mk(&r, 1, &c);
	unsigned mismatch = 0;

	(void)state;
	for (unsigned i = 0; i < 1000; i++) {
		struct in6_addr s = host(i % 50, i);
		uint16_t sport = (uint16_t)(1024 + rnd() % 64512);
		struct pool4_taddr t;
		assert_int_equal(pool4_alloc(p, POOL4_UDP, &s, sport, &t), 0);
		assert_int_equal(t.port & 1, sport & 1);
	}
	pool4_free(p);
	/* RFC 7857 §8: parity can be switched off */
	c.udp_parity = false;
	p = mk(&r, 1, &c);
	for (unsigned i = 0; i < 200; i++) {
		struct in6_addr s = host(i, i);
		struct pool4_taddr t;
		assert_int_equal(pool4_alloc(p, POOL4_UDP, &s, 40000, &t), 0);
		mismatch += t.port & 1;
	}
	assert_true(mismatch > 20 && mismatch < 180);
	pool4_free(p);
}

/* covers: RFC 6146 §3.5.2.3 (no parity rule for TCP) */
static void test_rfc6146_3_5_2_3_tcp_no_parity(void **state)
{
	struct pool4_range r = { A1, POOL4_TCP, 1024, 65535 };
	struct pool4_config c = cfg();
	struct pool4 *p = mk(&r, 1, &c);
	unsigned odd = 0;

	(void)state;
	for (unsigned i = 0; i < 200; i++) {
		struct in6_addr s = host(i, 1);
		struct pool4_taddr t;
		assert_int_equal(pool4_alloc(p, POOL4_TCP, &s, 40000, &t), 0);
		odd += t.port & 1;
	}
	assert_true(odd > 20 && odd < 180);
	pool4_free(p);
}

/* covers: RFC 6146 §3.5.1.1, §3.5.2.3 port range; RFC 4787 §12 REQ-3 */
static void test_rfc6146_3_5_1_1_range_class(void **state)
{
	static const struct pool4_range r[] = {
		{ A1, POOL4_UDP, 600, 609 },
		{ A1, POOL4_UDP, 5000, 5099 },
	};
	struct pool4_config c = cfg();
	struct pool4 *p = mk(r, 2, &c);
	struct in6_addr s = host(1, 1);
	struct pool4_taddr t;

	(void)state;
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(pool4_alloc(p, POOL4_UDP, &s, 53, &t), 0);
		assert_true(t.port >= 600 && t.port <= 609);
		assert_int_equal(pool4_alloc(p, POOL4_UDP, &s, 40001, &t), 0);
		assert_true(t.port >= 5000 && t.port <= 5099);
	}
	/* The five odd low ports are gone: the other range (MAY). */
	assert_int_equal(pool4_alloc(p, POOL4_UDP, &s, 53, &t), 0);
	assert_true(t.port >= 5000 && t.port <= 5099);
	assert_int_equal(t.port & 1, 1);
	pool4_free(p);
}

/* covers: RFC 6146 §3.5.1.1 and §3.5.2.3 address reuse, RFC 4787 §12 REQ-2 */
static void test_rfc6888_req2_paired_pooling(void **state)
{
	static const struct pool4_range r[] = {
		{ A1, POOL4_TCP, 1024, 65535 }, { A1, POOL4_UDP, 1024, 65535 },
		{ A1, POOL4_ICMP, 0, 65535 },   { A2, POOL4_TCP, 1024, 65535 },
		{ A2, POOL4_UDP, 1024, 65535 }, { A2, POOL4_ICMP, 0, 65535 },
		{ A3, POOL4_TCP, 1024, 65535 }, { A3, POOL4_UDP, 1024, 65535 },
		{ A3, POOL4_ICMP, 0, 65535 },   { A4, POOL4_TCP, 1024, 65535 },
		{ A4, POOL4_UDP, 1024, 65535 }, { A4, POOL4_ICMP, 0, 65535 },
	};
	struct pool4_config c = cfg();
	struct pool4 *p = mk(r, 12, &c);
	unsigned seen = 0;

	(void)state;
	for (unsigned net = 0; net < 32; net++) {
		struct pool4_taddr t, u;
		struct in6_addr s = host(net, 1);
		assert_int_equal(pool4_alloc(p, POOL4_TCP, &s, 1234, &t), 0);
		for (unsigned k = 0; k < 20; k++) {
			/* other hosts of the /64, every protocol */
			struct in6_addr s2 = host(net, rnd());
			int proto = (int)(k % 3);
			assert_int_equal(pool4_alloc(p, proto, &s2,
					(uint16_t)(1024 + k), &u), 0);
			assert_int_equal(u.addr, t.addr);
		}
		seen |= 1u << (t.addr - A1);
	}
	/* subscribers are spread over the addresses */
	assert_true(__builtin_popcount(seen) >= 3);
	assert_int_equal(pool4_subscribers(p), 32);
	pool4_free(p);
}

/* The paired address is full: the subscriber's new mappings fail rather
 * than move to another address. */
static void test_rfc7857_4_paired_exhausted(void **state)
{
	static const struct pool4_range r[] = {
		{ A1, POOL4_TCP, 2000, 2003 },
		{ A2, POOL4_TCP, 2000, 2003 },
	};
	struct pool4_config c = cfg();
	struct pool4 *p = mk(r, 2, &c);
	struct in6_addr s = host(9, 9);
	struct pool4_taddr t, first;
	int n = 0;

	(void)state;
	assert_int_equal(pool4_alloc(p, POOL4_TCP, &s, 5000, &first), 0);
	while (pool4_alloc(p, POOL4_TCP, &s, (uint16_t)(5001 + n), &t) == 0) {
		assert_int_equal(t.addr, first.addr);
		n++;
	}
	assert_int_equal(n, 3);
	assert_int_equal(pool4_alloc(p, POOL4_TCP, &s, 6000, &t), -ENOSPC);
	/* someone else still gets the other address */
	struct in6_addr o = host(10, 1);
	int rc;
	for (unsigned net = 10; net < 40; net++) {
		o = host(net, 1);
		rc = pool4_alloc(p, POOL4_TCP, &o, 6000, &t);
		if (rc == 0)
			break;
	}
	assert_int_equal(rc, 0);
	assert_int_not_equal(t.addr, first.addr);
	pool4_free(p);
}

/* covers: RFC 6888 §3 REQ-4 (per-subscriber port cap, per protocol) */
static void test_rfc6888_req4_quota(void **state)
{
	struct pool4_range r[] = {
		{ A1, POOL4_TCP, 1024, 65535 },
		{ A1, POOL4_UDP, 1024, 65535 },
	};
	struct pool4_config c = cfg();
	struct pool4_taddr t[6], u;
	struct pool4 *p;

	(void)state;
	c.quota[POOL4_TCP] = 5;
	c.subscriber_len = 56;
	p = mk(r, 2, &c);
	for (int i = 0; i < 5; i++) {
		/* hosts in different /64s of one /56 share the quota */
		struct in6_addr s = host((unsigned)i, (uint64_t)i);
		assert_int_equal(pool4_alloc(p, POOL4_TCP, &s,
					     (uint16_t)(2000 + i), &t[i]), 0);
	}
	struct in6_addr s = host(0x20, 1); /* 0x20 is in the same /56 */
	assert_int_equal(pool4_alloc(p, POOL4_TCP, &s, 3000, &u), -EDQUOT);
	assert_int_equal(pool4_subscriber_ports(p, POOL4_TCP, &s), 5);
	/* UDP has no quota; another /56 is unaffected */
	assert_int_equal(pool4_alloc(p, POOL4_UDP, &s, 3000, &u), 0);
	struct in6_addr other = host(0x100, 1);
	assert_int_equal(pool4_alloc(p, POOL4_TCP, &other, 3000, &u), 0);
	assert_int_equal(pool4_release(p, POOL4_TCP, &s, &t[2]), 0);
	assert_int_equal(pool4_alloc(p, POOL4_TCP, &s, 3000, &u), 0);
	assert_int_equal(pool4_alloc(p, POOL4_TCP, &s, 3001, &u), -EDQUOT);
	pool4_free(p);
}

/* covers: RFC 6146 §3.5.1.1, §3.5.2.3 (T,t) unique (MUST); RFC 4787 REQ-3
 * no port overloading; RFC 6888 REQ-11 exhaustion reported, never evicts */
static void test_rfc6146_3_5_1_1_unique_and_exhaustion(void **state)
{
	struct pool4_range r = { A1, POOL4_TCP, 40000, 40063 };
	struct pool4_config c = cfg();
	struct pool4 *p = mk(&r, 1, &c);
	struct pool4_taddr t[64], u;
	uint64_t seen = 0;

	(void)state;
	for (unsigned i = 0; i < 64; i++) {
		struct in6_addr s = host(i, 1);
		assert_int_equal(pool4_alloc(p, POOL4_TCP, &s, 50000, &t[i]),
				 0);
		assert_true(t[i].port >= 40000 && t[i].port <= 40063);
		assert_false(seen >> (t[i].port - 40000) & 1);
		seen |= 1ull << (t[i].port - 40000);
	}
	struct in6_addr s = host(100, 1);
	assert_int_equal(pool4_alloc(p, POOL4_TCP, &s, 50000, &u), -ENOSPC);
	/* a well-known source port falls back, and still finds nothing */
	assert_int_equal(pool4_alloc(p, POOL4_TCP, &s, 80, &u), -ENOSPC);
	assert_int_equal(pool4_subscribers(p), 64);
	s = host(7, 1);
	assert_int_equal(pool4_release(p, POOL4_TCP, &s, &t[7]), 0);
	s = host(100, 1);
	assert_int_equal(pool4_alloc(p, POOL4_TCP, &s, 50000, &u), 0);
	assert_int_equal(u.port, t[7].port);
	pool4_free(p);
}

static void test_pool4_release_errors(void **state)
{
	struct pool4_range r = { A1, POOL4_UDP, 40000, 40099 };
	struct pool4_config c = cfg();
	struct pool4 *p = mk(&r, 1, &c);
	struct in6_addr s = host(1, 1), o = host(2, 1);
	struct pool4_taddr t, bogus = { A2, 40000 };

	(void)state;
	assert_int_equal(pool4_alloc(p, POOL4_UDP, &s, 40000, &t), 0);
	assert_int_equal(pool4_release(p, POOL4_UDP, &s, &bogus), -ENOENT);
	bogus = (struct pool4_taddr){ A1, (uint16_t)(t.port ^ 2) };
	assert_int_equal(pool4_release(p, POOL4_UDP, &s, &bogus), -ENOENT);
	assert_int_equal(pool4_release(p, POOL4_TCP, &s, &t), -ENOENT);
	assert_int_equal(pool4_release(p, POOL4_UDP, &o, &t), -ENOENT);
	assert_true(pool4_in_use(p, POOL4_UDP, A1, t.port));
	assert_int_equal(pool4_release(p, POOL4_UDP, &s, &t), 0);
	assert_int_equal(pool4_release(p, POOL4_UDP, &s, &t), -ENOENT);
	assert_int_equal(pool4_subscribers(p), 0);
	assert_int_equal(pool4_alloc(p, POOL4_NPROTO, &s, 1, &t), -EINVAL);
	pool4_free(p);
}

static void test_pool4_subscriber_table_full(void **state)
{
	struct pool4_range r = { A1, POOL4_TCP, 1024, 65535 };
	struct pool4_config c = cfg();
	struct pool4_taddr t[3];
	struct in6_addr s[3] = { host(1, 1), host(2, 1), host(3, 1) };
	struct pool4 *p;

	(void)state;
	c.max_subscribers = 2;
	p = mk(&r, 1, &c);
	assert_int_equal(pool4_alloc(p, POOL4_TCP, &s[0], 2000, &t[0]), 0);
	assert_int_equal(pool4_alloc(p, POOL4_TCP, &s[1], 2000, &t[1]), 0);
	assert_int_equal(pool4_alloc(p, POOL4_TCP, &s[2], 2000, &t[2]),
			 -ENOBUFS);
	/* existing subscribers still allocate */
	assert_int_equal(pool4_alloc(p, POOL4_TCP, &s[0], 2001, &t[2]), 0);
	assert_int_equal(pool4_release(p, POOL4_TCP, &s[1], &t[1]), 0);
	assert_int_equal(pool4_alloc(p, POOL4_TCP, &s[2], 2000, &t[1]), 0);
	pool4_free(p);
}

/* covers: RFC 7857 §9 / RFC 6056 §3.3.3 obfuscation, RFC 6888 §5 REQ-15;
 * RFC 4787 REQ-11 determinism (one flow finds the same port again) */
static void test_rfc6056_3_3_spread(void **state)
{
	struct pool4_range r = { A1, POOL4_TCP, 1024, 65535 };
	struct pool4_config c = cfg();
	struct pool4 *p = mk(&r, 1, &c);
	unsigned bucket[16] = { 0 }, close = 0, prev = 0;
	const unsigned n = 4000;

	(void)state;
	for (unsigned i = 0; i < n; i++) {
		/* one host, consecutive source ports: the worst case for a
		 * sequential allocator */
		struct in6_addr s = host(1, 1);
		struct pool4_taddr t;
		assert_int_equal(pool4_alloc(p, POOL4_TCP, &s,
					     (uint16_t)(30000 + i), &t), 0);
		bucket[(t.port - 1024) * 16 / 64512]++;
		if (i && (t.port > prev ? t.port - prev : prev - t.port) <= 16)
			close++;
		prev = t.port;
	}
	/* chi-square, 15 degrees of freedom: 37.7 is the 0.1% tail */
	double chi = 0, e = n / 16.0;
	for (int b = 0; b < 16; b++)
		chi += (bucket[b] - e) * (bucket[b] - e) / e;
	assert_true(chi < 37.7);
	assert_true(close < n / 50);
	pool4_free(p);

	/* Same flow, same start; another key, another start. */
	struct in6_addr s = host(5, 5);
	struct pool4_taddr a, b;
	p = mk(&r, 1, &c);
	assert_int_equal(pool4_alloc(p, POOL4_TCP, &s, 40000, &a), 0);
	assert_int_equal(pool4_release(p, POOL4_TCP, &s, &a), 0);
	assert_int_equal(pool4_alloc(p, POOL4_TCP, &s, 40000, &b), 0);
	assert_int_equal(a.port, b.port);
	pool4_free(p);
	unsigned differ = 0;
	for (int k = 0; k < 8; k++) {
		c.key[0] = (uint8_t)(k + 1);
		p = mk(&r, 1, &c);
		assert_int_equal(pool4_alloc(p, POOL4_TCP, &s, 40000, &b), 0);
		differ += b.port != a.port;
		pool4_free(p);
	}
	assert_true(differ >= 7);
}

/* The naive model: every allocation in a list, every question answered by
 * scanning it and the configured ranges. */

#define M_MAX 4096

struct held {
	int proto;
	struct pool4_taddr t;
	struct in6_addr src, pfx;
};

static const struct pool4_range m_ranges[] = {
	{ A1, POOL4_TCP, 100, 120 },    { A1, POOL4_TCP, 2000, 2030 },
	{ A1, POOL4_UDP, 100, 120 },    { A1, POOL4_UDP, 2000, 2030 },
	{ A1, POOL4_ICMP, 0, 30 },      { A2, POOL4_TCP, 3000, 3040 },
	{ A2, POOL4_UDP, 3000, 3040 },  { A2, POOL4_UDP, 500, 505 },
	{ A2, POOL4_ICMP, 100, 140 },   { A3, POOL4_TCP, 60000, 60020 },
	{ A3, POOL4_TCP, 60010, 60030 }, { A3, POOL4_UDP, 65500, 65535 },
	{ A3, POOL4_ICMP, 65500, 65535 },
};
#define M_NR (sizeof(m_ranges) / sizeof(m_ranges[0]))
static const uint32_t m_addrs[] = { A1, A2, A3 };

static struct held model[M_MAX];
static size_t nmodel;

static struct in6_addr m_prefix(const struct in6_addr *src)
{
	struct in6_addr a = *src;

	memset(a.s6_addr + 8, 0, 8); /* /64 */
	return a;
}

static bool m_configured(int proto, uint32_t addr, unsigned port)
{
	for (size_t i = 0; i < M_NR; i++)
		if (m_ranges[i].proto == proto && m_ranges[i].addr == addr &&
		    port >= m_ranges[i].lo && port <= m_ranges[i].hi)
			return true;
	return false;
}

static bool m_used(int proto, uint32_t addr, unsigned port)
{
	for (size_t i = 0; i < nmodel; i++)
		if (model[i].proto == proto && model[i].t.addr == addr &&
		    model[i].t.port == port)
			return true;
	return false;
}

/* A free port of proto on addr in [lo, hi] with the parity (or -1 any). */
static bool m_free_in(int proto, uint32_t addr, unsigned lo, unsigned hi,
		      int parity)
{
	for (size_t i = 0; i < M_NR; i++) {
		const struct pool4_range *r = &m_ranges[i];
		if (r->proto != proto || r->addr != addr)
			continue;
		for (unsigned port = r->lo; port <= r->hi; port++)
			if (port >= lo && port <= hi &&
			    (parity < 0 || (int)(port & 1) == parity) &&
			    !m_used(proto, addr, port))
				return true;
	}
	return false;
}

static bool m_free_any_class(int proto, uint32_t addr, int parity)
{
	return m_free_in(proto, addr, 0, 65535, parity);
}

static unsigned m_count(const struct in6_addr *pfx, int proto)
{
	unsigned n = 0;

	for (size_t i = 0; i < nmodel; i++)
		if ((proto < 0 || model[i].proto == proto) &&
		    memcmp(&model[i].pfx, pfx, 16) == 0)
			n++;
	return n;
}

static unsigned m_subscribers(void)
{
	unsigned n = 0;

	for (size_t i = 0; i < nmodel; i++) {
		bool first = true;
		for (size_t j = 0; j < i; j++)
			if (memcmp(&model[j].pfx, &model[i].pfx, 16) == 0)
				first = false;
		n += first;
	}
	return n;
}

static const struct held *m_paired(const struct in6_addr *pfx)
{
	for (size_t i = 0; i < nmodel; i++)
		if (memcmp(&model[i].pfx, pfx, 16) == 0)
			return &model[i];
	return NULL;
}

#define M_QUOTA 20
#define M_SUBS 6

static int m_expect_alloc(int proto, const struct in6_addr *pfx, int parity)
{
	const struct held *pair = m_paired(pfx);

	if (m_count(pfx, proto) >= M_QUOTA)
		return -EDQUOT;
	if (!pair && m_subscribers() >= M_SUBS)
		return -ENOBUFS;
	if (pair)
		return m_free_any_class(proto, pair->t.addr, parity) ? 0
								      : -ENOSPC;
	for (int a = 0; a < 3; a++)
		if (m_free_any_class(proto, m_addrs[a], parity))
			return 0;
	return -ENOSPC;
}

/* How often each outcome was seen: the run must reach all of them. */
static unsigned m_seen_ok, m_seen_quota, m_seen_nobufs, m_seen_nospc,
	m_seen_fallback;

static void m_check_alloc(struct pool4 *p, int proto,
			  const struct in6_addr *src, uint16_t sport)
{
	struct in6_addr pfx = m_prefix(src);
	int parity = proto == POOL4_UDP ? sport & 1 : -1;
	unsigned lo = sport < 1024 ? 0 : 1024, hi = sport < 1024 ? 1023 : 65535;
	const struct held *pair = m_paired(&pfx);
	int want = m_expect_alloc(proto, &pfx, parity);
	struct pool4_taddr t;
	int rc = pool4_alloc(p, proto, src, sport, &t);

	assert_int_equal(rc, want);
	m_seen_quota += rc == -EDQUOT;
	m_seen_nobufs += rc == -ENOBUFS;
	m_seen_nospc += rc == -ENOSPC;
	m_seen_ok += rc == 0;
	if (rc)
		return;
	if (pair)
		assert_int_equal(t.addr, pair->t.addr);
	assert_true(m_configured(proto, t.addr, t.port));
	assert_false(m_used(proto, t.addr, t.port));
	if (parity >= 0)
		assert_int_equal(t.port & 1, parity);
	if (proto != POOL4_ICMP && (t.port < lo || t.port > hi)) {
		assert_false(m_free_in(proto, t.addr, lo, hi, parity));
		m_seen_fallback++;
	}
	assert_true(nmodel < M_MAX);
	model[nmodel++] = (struct held){ proto, t, *src, pfx };
}

static void m_check_release(struct pool4 *p)
{
	size_t i = rnd() % nmodel;
	/* any host of the subscriber may give it back */
	struct in6_addr s = model[i].src;

	if (rnd() & 1)
		s.s6_addr[15] ^= 0x5a;
	assert_int_equal(pool4_release(p, model[i].proto, &s, &model[i].t), 0);
	model[i] = model[--nmodel];
}

static void m_check_bogus(struct pool4 *p)
{
	int proto = (int)(rnd() % 3);
	struct pool4_taddr t = { m_addrs[rnd() % 3], (uint16_t)rnd() };
	struct in6_addr s = host((unsigned)(rnd() % 12), 1);

	if (m_used(proto, t.addr, t.port))
		return;
	assert_int_equal(pool4_release(p, proto, &s, &t), -ENOENT);
}

static void m_check_stats(const struct pool4 *p)
{
	assert_int_equal(pool4_subscribers(p), m_subscribers());
	for (size_t i = 0; i < 3; i++) {
		struct pool4_stat st;
		assert_int_equal(pool4_stat(p, i, &st), 0);
		assert_int_equal(st.addr, m_addrs[i]);
		for (int k = 0; k < POOL4_NPROTO; k++) {
			unsigned used = 0, conf = 0;
			for (size_t j = 0; j < nmodel; j++)
				used += model[j].proto == k &&
					model[j].t.addr == st.addr;
			for (unsigned port = 0; port < 65536; port++)
				conf += m_configured(k, st.addr, port);
			assert_int_equal(st.in_use[k], used);
			assert_int_equal(st.configured[k], conf);
		}
	}
	for (unsigned n = 0; n < 12; n++) {
		struct in6_addr s = host(n, 3), pfx = m_prefix(&s);
		for (int k = 0; k < POOL4_NPROTO; k++)
			assert_int_equal(pool4_subscriber_ports(p, k, &s),
					 m_count(&pfx, k));
	}
	for (int k = 0; k < 200; k++) {
		int proto = (int)(rnd() % 3);
		uint32_t a = m_addrs[rnd() % 3];
		uint16_t port = (uint16_t)(rnd() % 2 ? rnd() : 2000 + rnd() % 64);
		assert_int_equal(pool4_in_use(p, proto, a, port),
				 m_used(proto, a, port));
	}
}

static void test_pool4_random_vs_naive(void **state)
{
	struct pool4_config c = cfg();
	struct pool4 *p;

	(void)state;
	c.quota[POOL4_TCP] = c.quota[POOL4_UDP] = c.quota[POOL4_ICMP] = M_QUOTA;
	c.max_subscribers = M_SUBS;
	p = mk(m_ranges, M_NR, &c);
	nmodel = 0;
	for (unsigned op = 0; op < 30000; op++) {
		/* phases that fill the pool and phases that drain it */
		unsigned fill = (op / 2000) % 2 ? 85 : 30;
		unsigned r = (unsigned)(rnd() % 100);
		if (r < fill || nmodel == 0) {
			struct in6_addr s = host((unsigned)(rnd() % 8),
						 rnd() % 4);
			uint16_t sport = (uint16_t)(rnd() % 2 ? rnd() % 1024
							      : rnd());
			m_check_alloc(p, (int)(rnd() % 3), &s, sport);
		} else if (r < 97) {
			m_check_release(p);
		} else {
			m_check_bogus(p);
		}
		if (op % 1000 == 0)
			m_check_stats(p);
	}
	m_check_stats(p);
	while (nmodel)
		m_check_release(p);
	m_check_stats(p);
	assert_int_equal(pool4_subscribers(p), 0);
	print_message("ok %u quota %u nobufs %u nospc %u fallback %u\n",
		      m_seen_ok, m_seen_quota, m_seen_nobufs, m_seen_nospc,
		      m_seen_fallback);
	assert_true(m_seen_ok > 1000 && m_seen_quota && m_seen_nobufs &&
		    m_seen_nospc && m_seen_fallback);
	pool4_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash24_vector),
		cmocka_unit_test(test_pool4_new_refusals),
		cmocka_unit_test(test_rfc6888_req3_noncontiguous_stats),
		cmocka_unit_test(test_rfc6146_3_5_1_1_udp_parity),
		cmocka_unit_test(test_rfc6146_3_5_2_3_tcp_no_parity),
		cmocka_unit_test(test_rfc6146_3_5_1_1_range_class),
		cmocka_unit_test(test_rfc6888_req2_paired_pooling),
		cmocka_unit_test(test_rfc7857_4_paired_exhausted),
		cmocka_unit_test(test_rfc6888_req4_quota),
		cmocka_unit_test(test_rfc6146_3_5_1_1_unique_and_exhaustion),
		cmocka_unit_test(test_pool4_release_errors),
		cmocka_unit_test(test_pool4_subscriber_table_full),
		cmocka_unit_test(test_rfc6056_3_3_spread),
		cmocka_unit_test(test_pool4_random_vs_naive),
	};
	return cmocka_run_group_tests_name("pool4", tests, NULL, NULL);
}
