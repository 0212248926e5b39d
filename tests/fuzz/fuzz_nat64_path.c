/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz harness for the stateful NAT64 packet path (RFC 6146 §3.4-§3.8):
 * nat64_packet() and nat64_expire() on one struct nat64 across a sequence
 * of packets.  Random bytes would almost never hit a live binding, so each
 * 16-byte record describes a packet (direction, protocol, which of a few
 * clients, remotes and ports, TCP flags, ICMP type, fragment bits, length,
 * clock step) that the harness builds with valid headers, then the record
 * may overwrite a few bytes of it (a "raw" mutation) to reach the parsers'
 * error paths.  Packets from the IPv4 side aim at pool4 ports that earlier
 * outputs used, so replies, ICMP errors and hairpins find their state.
 *
 * Checked after every step: every emitted packet has a sane version and
 * length and, for IPv4, a right header checksum; the tables stay within
 * their limits.  At the end the clock runs 40 days on: every session,
 * dynamic BIB entry, held SYN, fragment and held port must be gone and
 * pool4 must hold only the static entry's port.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/csum.h"
#include "core/nat64.h"
#include "core/wire.h"
#include "fuzz_xlat.h"

#define NS 1000000000ull
#define MAX_SESS 64

static const uint32_t pool_addr = 0xc0000201;   /* 192.0.2.1 */
static const uint32_t remotes[4] = { 0xc633640a, 0xcb007105, 0xc0000201,
				     0xc6336401 };

struct fz {
	struct nat64 *n;
	struct xlat_ctx ctx;
	struct xlat_out *out;
	uint64_t now;
	uint16_t seen_ports[8]; /* pool4 ports that went out */
	unsigned nseen;
};

static void client(unsigned i, struct in6_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->s6_addr[0] = 0x20;
	a->s6_addr[1] = 0x01;
	a->s6_addr[2] = 0x0d;
	a->s6_addr[3] = 0xb8;
	a->s6_addr[7] = (uint8_t)(i >> 1); /* two clients per /64 */
	a->s6_addr[15] = (uint8_t)(0x10 + i);
}

/* Transport header at l (n bytes incl. payload), checksum left to fix. */
static size_t put_l4(uint8_t *l, uint8_t proto, bool v6, uint16_t sp,
		     uint16_t dp, const uint8_t *r, size_t plen)
{
	size_t h = proto == 6 ? 20 : 8;

	memset(l, 0, h + plen);
	if (proto == 6) {
		put16(l, sp);
		put16(l + 2, dp);
		put32(l + 4, get32(r + 8));
		l[12] = 5 << 4;
		l[13] = r[5] & 0x3f;
	} else if (proto == 17) {
		put16(l, sp);
		put16(l + 2, dp);
		put16(l + 4, (uint16_t)(h + plen));
	} else { /* ICMP: r[6] picks query or error type */
		static const uint8_t t4[] = { 8, 0, 3, 11, 12, 5, 13, 4 };
		static const uint8_t t6[] = { 128, 129, 1, 3, 4, 2, 130, 135 };
		l[0] = (v6 ? t6 : t4)[r[6] & 7];
		l[1] = r[6] >> 4;
		put16(l + 4, sp);
		put16(l + 6, dp);
	}
	for (size_t i = 0; i < plen; i++)
		l[h + i] = (uint8_t)(r[12] + i);
	return h + plen;
}

/* An IPv6 packet of client c toward remote r. */
static size_t build6(struct fz *f, const uint8_t *r, uint8_t *p)
{
	static const uint8_t protos[] = { 6, 17, 58, 47 };
	uint8_t proto = protos[r[1] & 3];
	struct in6_addr src, dst;
	unsigned plen = r[7] & 0x3f;
	uint8_t *l = p + 40;
	size_t fh = (r[4] & 0x30) ? 8 : 0;

	client(r[2] & 7, &src);
	addr_embed(&f->ctx.pool6, remotes[(r[2] >> 3) & 3], &dst);
	if (r[4] & 0x40) /* source inside pool6: §3.5 */
		addr_embed(&f->ctx.pool6, remotes[r[3] & 3], &src);
	size_t n = put_l4(l + fh, proto == 58 ? 1 : proto, true,
			  (uint16_t)(40000 + (r[3] & 7)),
			  (uint16_t)(53 + (r[3] >> 5)), r, plen);
	if (proto == 58 && (l[fh] < 128) && n >= 8) {
		/* An error quoting a packet the remote sent us. */
		uint8_t *q = l + fh + 8;
		memset(q, 0, 48);
		q[0] = 0x60;
		put16(q + 4, 8);
		q[6] = r[9] & 1 ? 17 : 6;
		q[7] = 60;
		memcpy(q + 8, &dst, 16);
		memcpy(q + 24, &src, 16);
		put16(q + 40, (uint16_t)(53 + (r[3] >> 5)));
		put16(q + 42, (uint16_t)(40000 + (r[3] & 7)));
		n = 8 + 48;
	}
	memset(p, 0, 40);
	put32(p, 0x60000000u);
	put16(p + 4, (uint16_t)(n + fh));
	p[6] = fh ? 44 : proto;
	p[7] = (uint8_t)(r[4] & 0x80 ? 1 : 64);
	memcpy(p + 8, &src, 16);
	memcpy(p + 24, &dst, 16);
	if (fh) {
		l[0] = proto;
		put16(l + 2, (uint16_t)((r[4] & 0x10 ? 8 : 0) |
					(r[4] & 0x20 ? 1 : 0)));
		put32(l + 4, r[9]);
	}
	uint8_t *t = l + fh;
	unsigned co = proto == 6 ? 16 : proto == 17 ? 6 : 2;
	if (proto != 47 && !(r[4] & 0x10)) {
		put16(t + co, 0);
		uint32_t s = csum_partial(p + 8, 32, 0) + (uint32_t)n + proto;
		put16(t + co, csum_finish(csum_partial(t, n, s)));
	}
	return 40 + fh + n;
}

/* An IPv4 packet from remote r toward a pool4 port seen before. */
static size_t build4(struct fz *f, const uint8_t *r, uint8_t *p)
{
	static const uint8_t protos[] = { 6, 17, 1, 47 };
	uint8_t proto = protos[r[1] & 3];
	uint16_t port = f->nseen ? f->seen_ports[r[3] % f->nseen] :
				   (uint16_t)(61000 + r[3]);
	uint32_t src = remotes[(r[2] >> 3) & 3];
	unsigned plen = r[7] & 0x3f;
	uint8_t *l = p + 20;

	if (r[3] & 0x80)
		port = (uint16_t)(8080 + (r[3] & 1)); /* the static entry */
	size_t n = put_l4(l, proto, false, (uint16_t)(53 + (r[2] >> 5)), port,
			  r, plen);
	if (proto == 1 && l[0] != 8 && l[0] != 0 && n >= 8) {
		uint8_t *q = l + 8; /* quote what we sent to src */
		memset(q, 0, 28);
		q[0] = 0x45;
		put16(q + 2, 28);
		q[8] = 60;
		q[9] = r[9] & 1 ? 17 : 6;
		put32(q + 12, pool_addr);
		put32(q + 16, src);
		put16(q + 20, port);
		put16(q + 22, (uint16_t)(53 + (r[2] >> 5)));
		n = 8 + 28;
	}
	memset(p, 0, 20);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)(20 + n));
	put16(p + 4, (uint16_t)r[9]);
	put16(p + 6, (uint16_t)((r[4] & 0x20 ? 0x2000 : 0) |
				(r[4] & 0x10 ? 1 : 0)));
	p[8] = (uint8_t)(r[4] & 0x80 ? 1 : 64);
	p[9] = proto;
	put32(p + 12, src);
	put32(p + 16, pool_addr);
	uint8_t *t = l;
	unsigned co = proto == 6 ? 16 : proto == 17 ? 6 : 2;
	if (proto != 47 && !(r[4] & 0x10) && !(r[10] & 1)) {
		put16(t + co, 0);
		uint32_t s = proto == 1 ? 0 :
			     csum_addr4(src, pool_addr) + (uint32_t)n + proto;
		put16(t + co, csum_finish(csum_partial(t, n, s)));
	}
	put16(p + 10, csum_finish(csum_partial(p, 20, 0)));
	return 20 + n;
}

static void check_out(struct fz *f)
{
	const struct xlat_out *o = f->out;

	FZ_CHECK(o->npkts <= XLAT_MAX_OUT);
	for (unsigned i = 0; i < o->npkts; i++) {
		const struct xlat_pkt *p = &o->pkts[i];
		FZ_CHECK(p->data >= o->buf &&
			 p->data + p->len <= o->buf + sizeof(o->buf));
		if (p->family == 4) {
			FZ_CHECK(p->len >= 20 && p->data[0] >> 4 == 4);
			FZ_CHECK(get16(p->data + 2) == p->len);
			FZ_CHECK(csum_fold(csum_partial(p->data, 20, 0)) ==
				 0xffff);
			if (get32(p->data + 12) == pool_addr && p->len >= 24 &&
			    f->nseen < 8)
				f->seen_ports[f->nseen++] = get16(p->data + 20);
		} else {
			FZ_CHECK(p->family == 6 && p->len >= 40);
			FZ_CHECK(p->data[0] >> 4 == 6);
			FZ_CHECK(get16(p->data + 4) + 40u == p->len);
		}
	}
}

static void step(struct fz *f, const uint8_t *r)
{
	uint8_t pkt[256];
	size_t len;

	f->now += (uint64_t)r[11] * (r[0] & 0x80 ? 10 * NS : NS / 4);
	if (r[0] & 0x40) {
		while (nat64_expire(f->n, &f->ctx, f->now, 32, f->out))
			check_out(f);
		check_out(f);
	}
	len = r[0] & 1 ? build6(f, r, pkt) : build4(f, r, pkt);
	if (r[0] & 0x20) /* raw mutation */
		pkt[r[13] % len] ^= r[14] ? r[14] : 1;
	if (r[0] & 0x10)
		len -= r[15] % len;
	enum xlat_verdict v = nat64_packet(f->n, &f->ctx, pkt, len, f->now,
					   f->out);
	FZ_CHECK((unsigned)v < XLAT__COUNT);
	check_out(f);

	struct nat64_stats st;
	nat64_stats(f->n, &st);
	FZ_CHECK(st.sessions <= MAX_SESS);
}

static void setup(struct fz *f)
{
	struct nat64_config c;
	struct pool4_range r[3];
	const char *why;
	struct in6_addr x6;

	nat64_config_default(&c);
	c.table.nshards = 4;
	c.table.max_sessions = MAX_SESS;
	c.table.max_bib = MAX_SESS;
	c.table.client_max_sessions = 16;
	c.table.client_max_bib = 12;
	for (unsigned p = 0; p < 3; p++) {
		c.pool.quota[p] = 4;
		r[p] = (struct pool4_range){ pool_addr, (uint8_t)p, 61000, 61015 };
	}
	c.pool.max_subscribers = 8;
	c.max_stored_syn = 4;
	c.frag_max = 4;
	c.frag_hold_max = 2;
	c.port_hold_max = 8;
	FZ_CHECK(nat64_new(&f->n, &c, r, 3, &why) == 0);
	client(7, &x6);
	FZ_CHECK(nat64_static_add(f->n, 0, &x6, 80, pool_addr, 8080) == 0);
	xlat_ctx_init(&f->ctx);
	fz_pool6(&f->ctx, "64:ff9b::/96");
	f->ctx.allow_nonglobal_wkp = true;
	fz_set_self6(&f->ctx);
}

/* Everything dynamic must go once the clock is far enough on. */
static void drain(struct fz *f)
{
	struct nat64_stats st;
	struct pool4_stat ps;
	uint32_t used = 0;

	/* Three times: an idle TCP session is probed first (TRANS), and
	 * ports freed by a pass go on hold from then. */
	for (int round = 0; round < 3; round++) {
		f->now += 40ull * 86400 * NS;
		for (int i = 0; i < 100000 &&
				nat64_expire(f->n, &f->ctx, f->now, 32, f->out);
		     i++)
			check_out(f);
	}
	nat64_stats(f->n, &st);
	FZ_CHECK(st.sessions == 0 && st.bib_entries == 1);
	FZ_CHECK(st.stored_syns == 0 && st.frag_states == 0);
	FZ_CHECK(st.held_frags == 0 && st.held_ports == 0);
	FZ_CHECK(nat64_pool4_stat(f->n, 0, &ps) == 0);
	for (unsigned p = 0; p < 3; p++)
		used += ps.in_use[p];
	FZ_CHECK(used == 0); /* 8080 is outside the pool's ranges */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xlat_out out;
	struct fz f;

	memset(&f, 0, sizeof(f));
	f.out = &out;
	f.now = 1000 * NS;
	setup(&f);
	for (size_t off = 0; off + 16 <= size; off += 16)
		step(&f, data + off);
	drain(&f);
	nat64_free(f.n);
	return 0;
}
