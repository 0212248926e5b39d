/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz harness for the NAT64 building blocks: pool4 (RFC 6146 §3.5.1.1,
 * §3.5.2.3, RFC 6888 REQ-4) and the TCP state machine (RFC 6146 §3.5.2.2).
 * Neither parses bytes; the input is a program.  Its first four bytes set up
 * a small pool (subscriber length, quota, subscriber table size, parity);
 * then each four-byte record allocates, releases, or feeds one event to a
 * TCP session.  Besides memory safety it checks the promises: a port is
 * never handed out twice, counters match what is held, every release of a
 * held port works, UDP parity holds, and the state machine creates only from
 * CLOSED, deletes only on expiry and quotes only a stored SYN.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/nat64_tcp.h"
#include "core/pool4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HELD_MAX 256

struct held {
	int proto;
	struct in6_addr src;
	struct pool4_taddr t;
};

static const struct pool4_range ranges[] = {
	{ 0xc0000201, POOL4_TCP, 1000, 1030 },
	{ 0xc0000201, POOL4_UDP, 60000, 60040 },
	{ 0xc0000201, POOL4_ICMP, 0, 20 },
	{ 0xc0000202, POOL4_TCP, 100, 110 },
	{ 0xc0000202, POOL4_TCP, 5000, 5020 },
	{ 0xc0000202, POOL4_UDP, 500, 530 },
};

static struct in6_addr src_of(uint8_t b)
{
	struct in6_addr a;

	memset(&a, 0, sizeof(a));
	a.s6_addr[0] = 0x20;
	a.s6_addr[1] = 0x01;
	a.s6_addr[7] = b >> 2;    /* subscriber part */
	a.s6_addr[15] = b & 3;    /* host part */
	return a;
}

static void check_counts(const struct pool4 *p, const struct held *h,
			 size_t n)
{
	for (size_t i = 0; i < pool4_naddrs(p); i++) {
		struct pool4_stat st;
		if (pool4_stat(p, i, &st) != 0)
			abort();
		for (int k = 0; k < POOL4_NPROTO; k++) {
			uint32_t used = 0;
			for (size_t j = 0; j < n; j++)
				used += h[j].proto == k && h[j].t.addr == st.addr;
			if (used != st.in_use[k] || used > st.configured[k])
				abort();
		}
	}
}

static void do_alloc(struct pool4 *p, struct held *h, size_t *n,
		     const uint8_t *r, bool parity)
{
	int proto = r[1] % POOL4_NPROTO;
	struct in6_addr s = src_of(r[2]);
	uint16_t sport = (uint16_t)(r[3] << 8 | r[2]);
	struct pool4_taddr t;
	int rc = pool4_alloc(p, proto, &s, sport, &t);

	if (rc != 0 && rc != -EDQUOT && rc != -ENOSPC && rc != -ENOBUFS)
		abort();
	if (rc != 0)
		return;
	for (size_t j = 0; j < *n; j++)
		if (h[j].proto == proto && h[j].t.addr == t.addr &&
		    h[j].t.port == t.port)
			abort();
	if (!pool4_in_use(p, proto, t.addr, t.port) || *n == HELD_MAX)
		abort();
	if (parity && proto == POOL4_UDP && (t.port & 1) != (sport & 1))
		abort();
	h[(*n)++] = (struct held){ proto, s, t };
}

static void do_release(struct pool4 *p, struct held *h, size_t *n,
		       const uint8_t *r)
{
	size_t i;

	if (!*n)
		return;
	i = r[1] % *n;
	if (pool4_release(p, h[i].proto, &h[i].src, &h[i].t) != 0)
		abort();
	if (pool4_in_use(p, h[i].proto, h[i].t.addr, h[i].t.port))
		abort();
	h[i] = h[--*n];
}

static void do_tcp(enum nat64_tcp_state *s, bool *stored, const uint8_t *r)
{
	struct nat64_tcp_ctx c = { .bib = r[2] & 1, .stored = *stored,
				   .adf = r[2] & 2, .drop_inbound = r[2] & 4 };
	enum nat64_tcp_event ev = r[1] % 10 == 9
		? NAT64_TCP_EV_EXPIRY
		: nat64_tcp_classify(r[1] & 1, r[3]);
	struct nat64_tcp_step st = nat64_tcp_step(*s, ev, &c);

	if ((unsigned)st.state >= NAT64_TCP__NSTATES ||
	    ((st.actions & NAT64_TCP_A_CREATE) && *s != NAT64_TCP_CLOSED) ||
	    ((st.actions & NAT64_TCP_A_DELETE) && ev != NAT64_TCP_EV_EXPIRY) ||
	    ((st.actions & NAT64_TCP_A_STORE_SYN) &&
	     ev != NAT64_TCP_EV_V4_SYN) ||
	    ((st.actions & (NAT64_TCP_A_ICMP_STORED |
			    NAT64_TCP_A_DROP_STORED)) && !*stored))
		abort();
	if (st.actions & NAT64_TCP_A_STORE_SYN)
		*stored = true;
	if (st.actions & (NAT64_TCP_A_ICMP_STORED | NAT64_TCP_A_DROP_STORED))
		*stored = false;
	if (st.state == NAT64_TCP_CLOSED)
		*stored = false;
	*s = st.state;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct held h[HELD_MAX];
	enum nat64_tcp_state tcp = NAT64_TCP_CLOSED;
	struct pool4_config c;
	struct pool4 *p = NULL;
	bool stored = false;
	size_t n = 0;

	if (size < 4)
		return 0;
	pool4_config_default(&c);
	c.subscriber_len = data[0] % 129;
	c.quota[data[1] % POOL4_NPROTO] = data[1] >> 4;
	c.max_subscribers = 1 + data[2] % 16;
	c.udp_parity = data[3] & 1;
	c.key[0] = data[3];
	if (pool4_new(&p, ranges, sizeof(ranges) / sizeof(ranges[0]), &c))
		return 0;
	for (size_t off = 4; off + 4 <= size; off += 4) {
		const uint8_t *r = data + off;
		if (r[0] % 3 == 0)
			do_alloc(p, h, &n, r, c.udp_parity);
		else if (r[0] % 3 == 1)
			do_release(p, h, &n, r);
		else
			do_tcp(&tcp, &stored, r);
	}
	check_counts(p, h, n);
	while (n) {
		uint8_t r[4] = { 1, 0, 0, 0 };
		do_release(p, h, &n, r);
	}
	if (pool4_subscribers(p) != 0)
		abort();
	pool4_free(p);
	return 0;
}
