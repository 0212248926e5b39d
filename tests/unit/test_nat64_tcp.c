/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests for src/core/nat64_tcp.c and nat64_timeouts.c: the RFC 6146
 * §3.5.2 TCP state machine, one test per checklist line of CONFORMANCE.md
 * section 9 "TCP (§3.5.2)", the §4 timeouts and their floors, and an
 * exhaustive check of every (state, event, policy) input against the table
 * below.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "core/nat64_tcp.h"
#include "core/nat64_timeouts.h"

/* Short names for the table. */
#define CL NAT64_TCP_CLOSED
#define V4I NAT64_TCP_V4_INIT
#define V6I NAT64_TCP_V6_INIT
#define EST NAT64_TCP_ESTABLISHED
#define V4F NAT64_TCP_V4_FIN_RCV
#define V6F NAT64_TCP_V6_FIN_RCV
#define BF NAT64_TCP_V4_FIN_V6_FIN_RCV
#define TR NAT64_TCP_TRANS

#define E4S NAT64_TCP_EV_V4_SYN
#define E6S NAT64_TCP_EV_V6_SYN
#define E4F NAT64_TCP_EV_V4_FIN
#define E6F NAT64_TCP_EV_V6_FIN
#define E4R NAT64_TCP_EV_V4_RST
#define E6R NAT64_TCP_EV_V6_RST
#define E4O NAT64_TCP_EV_V4_OTHER
#define E6O NAT64_TCP_EV_V6_OTHER
#define EEX NAT64_TCP_EV_EXPIRY

#define KEEP NAT64_TCP_T_KEEP
#define TTR NAT64_TCP_T_TRANS
#define TOP NAT64_TCP_T_TRANS_OPEN
#define TEST_ NAT64_TCP_T_EST
#define TSYN NAT64_TCP_T_INCOMING_SYN

#define X NAT64_TCP_A_XLAT
#define CR NAT64_TCP_A_CREATE
#define ST NAT64_TCP_A_STORE_SYN
#define DS NAT64_TCP_A_DROP_STORED
#define IC NAT64_TCP_A_ICMP_STORED
#define PR NAT64_TCP_A_PROBE
#define DEL NAT64_TCP_A_DELETE

/* Condition on one policy input: any value, false, true. */
enum { A = -1, N = 0, Y = 1 };

struct row {
	int state, ev;
	int bib, stored, adf, drop_inbound; /* A, N or Y */
	int next, timer;
	unsigned actions;
};

/*
 * The expected machine, written from RFC 6146 §3.5.2.2 (with the derived
 * choices documented in nat64_tcp.c).  Every (state, event, policy) input
 * must match exactly one row.
 */
static const struct row table[] = {
	/* CLOSED */
	{ CL, E6S, A, A, A, A, V6I, TOP, CR | X },
	{ CL, E4S, A, A, A, Y, CL, KEEP, 0 },
	{ CL, E4S, N, A, A, N, V4I, TSYN, CR | ST },
	{ CL, E4S, Y, A, Y, N, V4I, TSYN, CR | ST },
	{ CL, E4S, Y, A, N, N, V4I, TOP, CR | X },
	{ CL, E6F, Y, A, A, A, CL, KEEP, X },
	{ CL, E6F, N, A, A, A, CL, KEEP, 0 },
	{ CL, E6R, Y, A, A, A, CL, KEEP, X },
	{ CL, E6R, N, A, A, A, CL, KEEP, 0 },
	{ CL, E6O, Y, A, A, A, CL, KEEP, X },
	{ CL, E6O, N, A, A, A, CL, KEEP, 0 },
	{ CL, E4F, Y, A, N, A, CL, KEEP, X },
	{ CL, E4F, Y, A, Y, A, CL, KEEP, 0 },
	{ CL, E4F, N, A, A, A, CL, KEEP, 0 },
	{ CL, E4R, Y, A, N, A, CL, KEEP, X },
	{ CL, E4R, Y, A, Y, A, CL, KEEP, 0 },
	{ CL, E4R, N, A, A, A, CL, KEEP, 0 },
	{ CL, E4O, Y, A, N, A, CL, KEEP, X },
	{ CL, E4O, Y, A, Y, A, CL, KEEP, 0 },
	{ CL, E4O, N, A, A, A, CL, KEEP, 0 },
	{ CL, EEX, A, A, A, A, CL, KEEP, 0 },
	/* V4 INIT */
	{ V4I, E6S, A, Y, A, A, EST, TEST_, X | DS },
	{ V4I, E6S, A, N, A, A, EST, TEST_, X },
	{ V4I, EEX, A, Y, A, A, CL, KEEP, DEL | IC },
	{ V4I, EEX, A, N, A, A, CL, KEEP, DEL },
	{ V4I, E4S, Y, N, A, A, V4I, KEEP, X },
	{ V4I, E4S, Y, Y, A, A, V4I, KEEP, 0 },
	{ V4I, E4S, N, A, A, A, V4I, KEEP, 0 },
	{ V4I, E4F, Y, N, A, A, V4I, KEEP, X },
	{ V4I, E4F, Y, Y, A, A, V4I, KEEP, 0 },
	{ V4I, E4F, N, A, A, A, V4I, KEEP, 0 },
	{ V4I, E4R, Y, N, A, A, V4I, KEEP, X },
	{ V4I, E4R, Y, Y, A, A, V4I, KEEP, 0 },
	{ V4I, E4R, N, A, A, A, V4I, KEEP, 0 },
	{ V4I, E4O, Y, N, A, A, V4I, KEEP, X },
	{ V4I, E4O, Y, Y, A, A, V4I, KEEP, 0 },
	{ V4I, E4O, N, A, A, A, V4I, KEEP, 0 },
	{ V4I, E6F, Y, A, A, A, V4I, KEEP, X },
	{ V4I, E6F, N, A, A, A, V4I, KEEP, 0 },
	{ V4I, E6R, Y, A, A, A, V4I, KEEP, X },
	{ V4I, E6R, N, A, A, A, V4I, KEEP, 0 },
	{ V4I, E6O, Y, A, A, A, V4I, KEEP, X },
	{ V4I, E6O, N, A, A, A, V4I, KEEP, 0 },
	/* V6 INIT */
	{ V6I, E4S, A, A, A, A, EST, TEST_, X },
	{ V6I, E6S, A, A, A, A, V6I, TOP, X },
	{ V6I, E4F, A, A, A, A, V6I, KEEP, X },
	{ V6I, E6F, A, A, A, A, V6I, KEEP, X },
	{ V6I, E4R, A, A, A, A, V6I, KEEP, X },
	{ V6I, E6R, A, A, A, A, V6I, KEEP, X },
	{ V6I, E4O, A, A, A, A, V6I, KEEP, X },
	{ V6I, E6O, A, A, A, A, V6I, KEEP, X },
	{ V6I, EEX, A, A, A, A, CL, KEEP, DEL },
	/* ESTABLISHED */
	{ EST, E4F, A, A, A, A, V4F, TEST_, X },
	{ EST, E6F, A, A, A, A, V6F, TEST_, X },
	{ EST, E4R, A, A, A, A, TR, TTR, X },
	{ EST, E6R, A, A, A, A, TR, TTR, X },
	{ EST, E4S, A, A, A, A, EST, TEST_, X },
	{ EST, E6S, A, A, A, A, EST, TEST_, X },
	{ EST, E4O, A, A, A, A, EST, TEST_, X },
	{ EST, E6O, A, A, A, A, EST, TEST_, X },
	{ EST, EEX, A, A, A, A, TR, TTR, PR },
	/* V4 FIN RCV */
	{ V4F, E6F, A, A, A, A, BF, TTR, X },
	{ V4F, E4R, A, A, A, A, TR, TTR, X },
	{ V4F, E6R, A, A, A, A, TR, TTR, X },
	{ V4F, E4S, A, A, A, A, V4F, TEST_, X },
	{ V4F, E6S, A, A, A, A, V4F, TEST_, X },
	{ V4F, E4F, A, A, A, A, V4F, TEST_, X },
	{ V4F, E4O, A, A, A, A, V4F, TEST_, X },
	{ V4F, E6O, A, A, A, A, V4F, TEST_, X },
	{ V4F, EEX, A, A, A, A, CL, KEEP, DEL },
	/* V6 FIN RCV */
	{ V6F, E4F, A, A, A, A, BF, TTR, X },
	{ V6F, E4R, A, A, A, A, TR, TTR, X },
	{ V6F, E6R, A, A, A, A, TR, TTR, X },
	{ V6F, E4S, A, A, A, A, V6F, TEST_, X },
	{ V6F, E6S, A, A, A, A, V6F, TEST_, X },
	{ V6F, E6F, A, A, A, A, V6F, TEST_, X },
	{ V6F, E4O, A, A, A, A, V6F, TEST_, X },
	{ V6F, E6O, A, A, A, A, V6F, TEST_, X },
	{ V6F, EEX, A, A, A, A, CL, KEEP, DEL },
	/* V6 FIN + V4 FIN RCV */
	{ BF, E4S, A, A, A, A, BF, KEEP, X },
	{ BF, E6S, A, A, A, A, BF, KEEP, X },
	{ BF, E4F, A, A, A, A, BF, KEEP, X },
	{ BF, E6F, A, A, A, A, BF, KEEP, X },
	{ BF, E4R, A, A, A, A, BF, KEEP, X },
	{ BF, E6R, A, A, A, A, BF, KEEP, X },
	{ BF, E4O, A, A, A, A, BF, KEEP, X },
	{ BF, E6O, A, A, A, A, BF, KEEP, X },
	{ BF, EEX, A, A, A, A, CL, KEEP, DEL },
	/* TRANS */
	{ TR, E4R, A, A, A, A, TR, KEEP, X },
	{ TR, E6R, A, A, A, A, TR, KEEP, X },
	{ TR, E4S, A, A, A, A, EST, TEST_, X },
	{ TR, E6S, A, A, A, A, EST, TEST_, X },
	{ TR, E4F, A, A, A, A, EST, TEST_, X },
	{ TR, E6F, A, A, A, A, EST, TEST_, X },
	{ TR, E4O, A, A, A, A, EST, TEST_, X },
	{ TR, E6O, A, A, A, A, EST, TEST_, X },
	{ TR, EEX, A, A, A, A, CL, KEEP, DEL },
};

static bool cond(int want, bool have)
{
	return want == A || want == (int)have;
}

static bool row_matches(const struct row *r, int s, int ev,
			const struct nat64_tcp_ctx *c)
{
	return r->state == s && r->ev == ev && cond(r->bib, c->bib) &&
	       cond(r->stored, c->stored) && cond(r->adf, c->adf) &&
	       cond(r->drop_inbound, c->drop_inbound);
}

static struct nat64_tcp_ctx ctx_bits(unsigned bits)
{
	return (struct nat64_tcp_ctx){ .bib = bits & 1, .stored = bits & 2,
				       .adf = bits & 4,
				       .drop_inbound = bits & 8 };
}

static void test_nat64_tcp_table_exhaustive(void **state)
{
	unsigned checked = 0;

	(void)state;
	for (int s = 0; s < NAT64_TCP__NSTATES; s++)
		for (int ev = 0; ev < NAT64_TCP__NEVENTS; ev++)
			for (unsigned bits = 0; bits < 16; bits++) {
				struct nat64_tcp_ctx c = ctx_bits(bits);
				const struct row *hit = NULL;
				unsigned n = 0;

				for (size_t i = 0;
				     i < sizeof(table) / sizeof(table[0]); i++)
					if (row_matches(&table[i], s, ev, &c)) {
						hit = &table[i];
						n++;
					}
				if (n != 1)
					print_error("state %d event %d bits %u:"
						    " %u rows\n", s, ev, bits, n);
				assert_int_equal(n, 1);
				struct nat64_tcp_step st =
					nat64_tcp_step(s, ev, &c);
				if ((int)st.state != hit->next ||
				    (int)st.timer != hit->timer ||
				    st.actions != hit->actions)
					print_error("state %d event %d bits %u\n",
						    s, ev, bits);
				assert_int_equal(st.state, hit->next);
				assert_int_equal(st.timer, hit->timer);
				assert_int_equal(st.actions, hit->actions);
				checked++;
			}
	assert_int_equal(checked, 8 * 9 * 16);
}

/* Out-of-range inputs drop and never crash. */
static void test_nat64_tcp_bad_input(void **state)
{
	struct nat64_tcp_ctx c = { 0 };
	struct nat64_tcp_step st;

	(void)state;
	st = nat64_tcp_step(NAT64_TCP_ESTABLISHED, NAT64_TCP__NEVENTS, &c);
	assert_int_equal(st.state, EST);
	assert_int_equal(st.actions, 0);
	st = nat64_tcp_step(NAT64_TCP__NSTATES, E6S, &c);
	assert_int_equal(st.state, CL);
	assert_int_equal(st.actions, 0);
	assert_string_equal(nat64_tcp_state_name(NAT64_TCP__NSTATES), "?");
}

static struct nat64_tcp_step go(int s, int ev, bool bib, bool stored,
				bool adf, bool drop_inbound)
{
	struct nat64_tcp_ctx c = { .bib = bib, .stored = stored, .adf = adf,
				   .drop_inbound = drop_inbound };

	return nat64_tcp_step(s, ev, &c);
}

static void expect(struct nat64_tcp_step st, int next, int timer,
		   unsigned actions)
{
	assert_int_equal(st.state, next);
	assert_int_equal(st.timer, timer);
	assert_int_equal(st.actions, actions);
}

/* §3.5.2.1: eight states, one machine per connection. */
static void test_rfc6146_3_5_2_1_states(void **state)
{
	static const char *const want[] = {
		"closed", "v4_init", "v6_init", "established",
		"v4_fin_rcv", "v6_fin_rcv", "v4_fin_v6_fin_rcv", "trans",
	};

	(void)state;
	assert_int_equal(NAT64_TCP__NSTATES, 8);
	for (int s = 0; s < NAT64_TCP__NSTATES; s++)
		assert_string_equal(nat64_tcp_state_name(s), want[s]);
}

static void test_rfc6146_3_5_2_2_closed_v6_syn_v6_init(void **state)
{
	struct nat64_timeouts t;

	(void)state;
	nat64_timeouts_default(&t);
	for (int bib = 0; bib < 2; bib++) {
		struct nat64_tcp_step st = go(CL, E6S, bib, 0, 0, 0);
		expect(st, V6I, TOP, CR | X);
		assert_true(nat64_tcp_lifetime(&t, st.timer) >=
			    NAT64_TO_TCP_TRANS);
	}
}

static void test_rfc6146_3_5_2_2_closed_v4_syn_policy_drop(void **state)
{
	(void)state;
	for (unsigned bits = 0; bits < 8; bits++)
		expect(go(CL, E4S, bits & 1, bits & 2, bits & 4, true), CL,
		       KEEP, 0);
}

static void test_rfc6146_3_5_2_2_closed_v4_syn_no_bib_stored(void **state)
{
	struct nat64_timeouts t;

	(void)state;
	nat64_timeouts_default(&t);
	for (int adf = 0; adf < 2; adf++) {
		struct nat64_tcp_step st = go(CL, E4S, false, 0, adf, 0);
		/* session created, SYN stored, nothing forwarded */
		expect(st, V4I, TSYN, CR | ST);
		assert_false(st.actions & X);
		assert_int_equal(nat64_tcp_lifetime(&t, st.timer), 6);
	}
}

static void test_rfc6146_3_5_2_2_closed_v4_syn_bib_adf_eif(void **state)
{
	struct nat64_timeouts t;

	(void)state;
	nat64_timeouts_default(&t);
	expect(go(CL, E4S, true, 0, true, 0), V4I, TSYN, CR | ST);
	struct nat64_tcp_step st = go(CL, E4S, true, 0, false, 0);
	expect(st, V4I, TOP, CR | X);
	assert_true(nat64_tcp_lifetime(&t, st.timer) >= NAT64_TO_TCP_TRANS);
}

static void test_rfc6146_3_5_2_2_closed_other_segment(void **state)
{
	static const int v6[] = { E6F, E6R, E6O }, v4[] = { E4F, E4R, E4O };

	(void)state;
	for (int i = 0; i < 3; i++) {
		expect(go(CL, v6[i], true, 0, 0, 0), CL, KEEP, X);
		expect(go(CL, v6[i], false, 0, 0, 0), CL, KEEP, 0);
		expect(go(CL, v4[i], true, 0, false, 0), CL, KEEP, X);
		expect(go(CL, v4[i], true, 0, true, 0), CL, KEEP, 0);
		expect(go(CL, v4[i], false, 0, false, 0), CL, KEEP, 0);
	}
}

/* covers: RFC 5382 §8 REQ-4 (outbound SYN within the window) */
static void test_rfc6146_3_5_2_2_v4_init_v6_syn_established(void **state)
{
	(void)state;
	expect(go(V4I, E6S, true, true, 0, 0), EST, TEST_, X | DS);
	expect(go(V4I, E6S, true, false, 0, 0), EST, TEST_, X);
}

/* covers: RFC 5382 §8 REQ-4 (ICMP 3/3 after the window) */
static void test_rfc6146_3_5_2_2_v4_init_expiry_icmp(void **state)
{
	(void)state;
	expect(go(V4I, EEX, false, true, 0, 0), CL, KEEP, DEL | IC);
	expect(go(V4I, EEX, true, false, 0, 0), CL, KEEP, DEL);
}

static void test_rfc6146_3_5_2_2_v6_init_v4_syn_established(void **state)
{
	static const uint8_t synack = NAT64_TCP_SYN | NAT64_TCP_ACK;

	(void)state;
	/* with or without ACK */
	assert_int_equal(nat64_tcp_classify(false, synack), E4S);
	assert_int_equal(nat64_tcp_classify(false, NAT64_TCP_SYN), E4S);
	expect(go(V6I, E4S, 0, 0, 0, 0), EST, TEST_, X);
	expect(go(V6I, E4S, 0, 0, 1, 1), EST, TEST_, X);
	expect(go(V6I, E6S, 0, 0, 0, 0), V6I, TOP, X);
	expect(go(V6I, EEX, 0, 0, 0, 0), CL, KEEP, DEL);
}

static void test_rfc6146_3_5_2_2_init_other_segments(void **state)
{
	static const int other[] = { E4F, E6F, E4R, E6R, E4O, E6O };

	(void)state;
	for (int i = 0; i < 6; i++) {
		expect(go(V6I, other[i], 0, 0, 0, 0), V6I, KEEP, X);
		expect(go(V4I, other[i], true, false, 0, 0), V4I, KEEP, X);
	}
}

static void test_rfc6146_3_5_2_2_established_fin_rst_other(void **state)
{
	(void)state;
	expect(go(EST, E4F, 0, 0, 0, 0), V4F, TEST_, X);
	expect(go(EST, E6F, 0, 0, 0, 0), V6F, TEST_, X);
	expect(go(EST, E4R, 0, 0, 0, 0), TR, TTR, X);
	expect(go(EST, E6R, 0, 0, 0, 0), TR, TTR, X);
	expect(go(EST, E4O, 0, 0, 0, 0), EST, TEST_, X);
	expect(go(EST, E6O, 0, 0, 0, 0), EST, TEST_, X);
}

static void test_rfc6146_3_5_2_2_established_expiry_probe(void **state)
{
	(void)state;
	expect(go(EST, EEX, 0, 0, 0, 0), TR, TTR, PR);
}

static void test_rfc6146_3_5_2_2_fin_rcv_both(void **state)
{
	(void)state;
	expect(go(V4F, E6F, 0, 0, 0, 0), BF, TTR, X);
	expect(go(V6F, E4F, 0, 0, 0, 0), BF, TTR, X);
	expect(go(V4F, E4O, 0, 0, 0, 0), V4F, TEST_, X);
	expect(go(V6F, E6O, 0, 0, 0, 0), V6F, TEST_, X);
	expect(go(V4F, E4F, 0, 0, 0, 0), V4F, TEST_, X);
	expect(go(V4F, EEX, 0, 0, 0, 0), CL, KEEP, DEL);
	expect(go(V6F, EEX, 0, 0, 0, 0), CL, KEEP, DEL);
}

static void test_rfc6146_3_5_2_2_both_fin_no_refresh(void **state)
{
	(void)state;
	for (int ev = 0; ev < EEX; ev++)
		expect(go(BF, ev, 0, 0, 0, 0), BF, KEEP, X);
	expect(go(BF, EEX, 0, 0, 0, 0), CL, KEEP, DEL);
}

static void test_rfc6146_3_5_2_2_trans_back_to_established(void **state)
{
	(void)state;
	expect(go(TR, E6O, 0, 0, 0, 0), EST, TEST_, X);
	expect(go(TR, E4O, 0, 0, 0, 0), EST, TEST_, X);
	expect(go(TR, E4S, 0, 0, 0, 0), EST, TEST_, X);
	expect(go(TR, EEX, 0, 0, 0, 0), CL, KEEP, DEL);
}

static void test_rfc6146_3_5_2_2_max_lifetime_floor(void **state)
{
	struct nat64_timeouts t;
	const char *f = NULL;

	(void)state;
	nat64_timeouts_default(&t);
	assert_int_equal(nat64_tcp_lifetime(&t, TEST_), 7200);
	t.tcp_est = 7199;
	assert_int_equal(nat64_timeouts_validate(&t, &f), -EINVAL);
	assert_string_equal(f, "tcp_est");
	t.tcp_est = 86400;
	assert_int_equal(nat64_timeouts_validate(&t, &f), 0);
	assert_int_equal(nat64_tcp_lifetime(&t, TEST_), 86400);
}

/* covers: RFC 6146 §4, RFC 4787 REQ-5, RFC 5508 REQ-2 defaults */
static void test_rfc6146_4_defaults(void **state)
{
	struct nat64_timeouts t;

	(void)state;
	nat64_timeouts_default(&t);
	assert_int_equal(t.udp, 300);
	assert_int_equal(t.tcp_est, 7200);
	assert_int_equal(t.tcp_trans, 240);
	assert_int_equal(t.tcp_trans_open, 240);
	assert_int_equal(t.tcp_incoming_syn, 6);
	assert_int_equal(t.fragment, 2);
	assert_int_equal(t.icmp, 60);
	assert_int_equal(nat64_timeouts_validate(&t, NULL), 0);
	assert_int_equal(nat64_tcp_lifetime(&t, KEEP), 0);
	/* RFC 5382's 2 h 4 min is TCP_EST + TCP_TRANS (§4) */
	assert_int_equal(t.tcp_est + t.tcp_trans, 2 * 3600 + 4 * 60);
}

static void floor_case(size_t off, uint32_t min, const char *name)
{
	struct nat64_timeouts t;
	const char *f = NULL;

	nat64_timeouts_default(&t);
	memcpy((char *)&t + off, &min, sizeof(min));
	assert_int_equal(nat64_timeouts_validate(&t, &f), 0);
	uint32_t below = min - 1;
	memcpy((char *)&t + off, &below, sizeof(below));
	assert_int_equal(nat64_timeouts_validate(&t, &f), -EINVAL);
	assert_string_equal(f, name);
	uint32_t above = NAT64_TO_MAX + 1;
	memcpy((char *)&t + off, &above, sizeof(above));
	assert_int_equal(nat64_timeouts_validate(&t, &f), -ERANGE);
	assert_string_equal(f, name);
}

#define FLOOR(field, min) \
	floor_case(offsetof(struct nat64_timeouts, field), min, #field)

/* covers: RFC 6146 §3.5.1 (UDP_MIN), RFC 4787 §12 REQ-5 */
static void test_rfc4787_req5_udp_floor(void **state)
{
	(void)state;
	FLOOR(udp, 120);
}

/* covers: RFC 5382 §8 REQ-5, RFC 7857 §2.1 (MAY below 4 min not taken) */
static void test_rfc5382_req5_transitory_floor(void **state)
{
	(void)state;
	FLOOR(tcp_trans, 240);
	FLOOR(tcp_trans_open, 240);
	FLOOR(tcp_est, 7200);
}

/* covers: RFC 5382 §8 REQ-4 (no reply to an inbound SYN for 6 s) */
static void test_rfc5382_req4_incoming_syn_floor(void **state)
{
	(void)state;
	FLOOR(tcp_incoming_syn, 6);
}

static void test_rfc5508_req2_icmp_floor(void **state)
{
	(void)state;
	FLOOR(icmp, 60);
}

/* covers: RFC 6146 §3.4 (FRAGMENT_MIN) */
static void test_rfc6146_3_4_fragment_floor(void **state)
{
	(void)state;
	FLOOR(fragment, 2);
}

/* Partially open and closing transitory timeouts are separate settings. */
static void test_rfc7857_2_1_separate_transitory(void **state)
{
	struct nat64_timeouts t;

	(void)state;
	nat64_timeouts_default(&t);
	t.tcp_trans_open = 300;
	t.tcp_trans = 600;
	assert_int_equal(nat64_tcp_lifetime(&t, go(CL, E6S, 0, 0, 0, 0).timer),
			 300);
	assert_int_equal(nat64_tcp_lifetime(&t, go(EST, E4R, 0, 0, 0, 0).timer),
			 600);
	assert_int_equal(nat64_tcp_lifetime(&t, go(V4F, E6F, 0, 0, 0, 0).timer),
			 600);
}

/* An RST is translated and the session waits TCP_TRANS; more RSTs do not
 * extend it, other segments bring it back. */
static void test_rfc7857_2_2_rst_keeps_session(void **state)
{
	(void)state;
	expect(go(EST, E6R, 0, 0, 0, 0), TR, TTR, X);
	expect(go(V4F, E4R, 0, 0, 0, 0), TR, TTR, X);
	expect(go(V6F, E6R, 0, 0, 0, 0), TR, TTR, X);
	expect(go(TR, E4R, 0, 0, 0, 0), TR, KEEP, X);
	expect(go(TR, E6R, 0, 0, 0, 0), TR, KEEP, X);
}

static void test_nat64_tcp_classify(void **state)
{
	(void)state;
	assert_int_equal(nat64_tcp_classify(true, NAT64_TCP_SYN), E6S);
	assert_int_equal(nat64_tcp_classify(true, NAT64_TCP_FIN |
						 NAT64_TCP_ACK), E6F);
	assert_int_equal(nat64_tcp_classify(false, NAT64_TCP_RST), E4R);
	assert_int_equal(nat64_tcp_classify(false, NAT64_TCP_RST |
						  NAT64_TCP_SYN), E4R);
	assert_int_equal(nat64_tcp_classify(true, NAT64_TCP_SYN |
						 NAT64_TCP_FIN), E6S);
	assert_int_equal(nat64_tcp_classify(true, NAT64_TCP_ACK), E6O);
	assert_int_equal(nat64_tcp_classify(false, 0), E4O);
}

/* A whole connection from the IPv6 side, simultaneous-open style. */
static void test_nat64_tcp_lifecycle(void **state)
{
	static const struct { bool v6; uint8_t fl; int want; } seq[] = {
		{ true, NAT64_TCP_SYN, V6I },
		{ false, NAT64_TCP_SYN | NAT64_TCP_ACK, EST },
		{ true, NAT64_TCP_ACK, EST },
		{ false, NAT64_TCP_FIN | NAT64_TCP_ACK, V4F },
		{ true, NAT64_TCP_ACK, V4F },
		{ true, NAT64_TCP_FIN | NAT64_TCP_ACK, BF },
		{ false, NAT64_TCP_ACK, BF },
	};
	struct nat64_tcp_ctx c = { .bib = true };
	int s = CL;

	(void)state;
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		struct nat64_tcp_step st =
			nat64_tcp_step(s, nat64_tcp_classify(seq[i].v6,
							     seq[i].fl), &c);
		assert_true(st.actions & X);
		assert_int_equal(st.state, seq[i].want);
		s = st.state;
	}
	assert_int_equal(nat64_tcp_step(s, EEX, &c).actions, DEL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6146_3_5_2_1_states),
		cmocka_unit_test(test_rfc6146_3_5_2_2_closed_v6_syn_v6_init),
		cmocka_unit_test(test_rfc6146_3_5_2_2_closed_v4_syn_policy_drop),
		cmocka_unit_test(test_rfc6146_3_5_2_2_closed_v4_syn_no_bib_stored),
		cmocka_unit_test(test_rfc6146_3_5_2_2_closed_v4_syn_bib_adf_eif),
		cmocka_unit_test(test_rfc6146_3_5_2_2_closed_other_segment),
		cmocka_unit_test(test_rfc6146_3_5_2_2_v4_init_v6_syn_established),
		cmocka_unit_test(test_rfc6146_3_5_2_2_v4_init_expiry_icmp),
		cmocka_unit_test(test_rfc6146_3_5_2_2_v6_init_v4_syn_established),
		cmocka_unit_test(test_rfc6146_3_5_2_2_init_other_segments),
		cmocka_unit_test(test_rfc6146_3_5_2_2_established_fin_rst_other),
		cmocka_unit_test(test_rfc6146_3_5_2_2_established_expiry_probe),
		cmocka_unit_test(test_rfc6146_3_5_2_2_fin_rcv_both),
		cmocka_unit_test(test_rfc6146_3_5_2_2_both_fin_no_refresh),
		cmocka_unit_test(test_rfc6146_3_5_2_2_trans_back_to_established),
		cmocka_unit_test(test_rfc6146_3_5_2_2_max_lifetime_floor),
		cmocka_unit_test(test_rfc6146_4_defaults),
		cmocka_unit_test(test_rfc6146_3_4_fragment_floor),
		cmocka_unit_test(test_rfc4787_req5_udp_floor),
		cmocka_unit_test(test_rfc5382_req4_incoming_syn_floor),
		cmocka_unit_test(test_rfc5382_req5_transitory_floor),
		cmocka_unit_test(test_rfc5508_req2_icmp_floor),
		cmocka_unit_test(test_rfc7857_2_1_separate_transitory),
		cmocka_unit_test(test_rfc7857_2_2_rst_keeps_session),
		cmocka_unit_test(test_nat64_tcp_classify),
		cmocka_unit_test(test_nat64_tcp_lifecycle),
		cmocka_unit_test(test_nat64_tcp_bad_input),
		cmocka_unit_test(test_nat64_tcp_table_exhaustive),
	};
	return cmocka_run_group_tests_name("nat64_tcp", tests, NULL, NULL);
}
