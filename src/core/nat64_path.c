/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Stateful NAT64 packet path, RFC 6146 §3.4-§3.8:
 *  §3.4 the incoming tuple (an ICMP error's from its quoted packet, source
 *       and destination swapped) and fragments;
 *  §3.5 filtering and updating the BIB and session tables: UDP (§3.5.1),
 *       TCP through the state machine of nat64_tcp.c (§3.5.2), ICMP
 *       queries (§3.5.3);
 *  §3.6-§3.7 translation: the RFC 7915 core (x46/x64) with the binding
 *       (X',x) <-> (T,t) in struct xlat_nat; the other end by RFC 6052;
 *  §3.8 hairpinning: an outgoing packet to a pool4 address comes back in
 *       as an IPv4 packet.
 * Locks: one shard lock for the lookup-update sequence; pool4 and the
 * stores have their own leaf locks.  Translation runs with no lock held.
 */
#include <errno.h>
#include <string.h>

#include "nat64_int.h"

/* What the incoming tuple parser found (§3.4). */
struct flow {
	uint8_t proto;       /* enum nat64_proto */
	bool is_err;         /* an ICMP error: tuple from the quoted packet */
	bool first_frag;     /* offset 0, more fragments follow */
	bool later_frag;     /* offset > 0: no transport header */
	uint8_t tcp_flags;
	struct nat64_tuple k;
	struct frag_key fk;
};

uint8_t nat64_timer_class(enum nat64_tcp_timer t)
{
	switch (t) {
	case NAT64_TCP_T_TRANS:
		return CLS_TCP_TRANS;
	case NAT64_TCP_T_TRANS_OPEN:
		return CLS_TCP_TRANS_OPEN;
	case NAT64_TCP_T_INCOMING_SYN:
		return CLS_TCP_SYN;
	default:
		return CLS_TCP_EST;
	}
}

static uint64_t ns(uint32_t s)
{
	return (uint64_t)s * NS_PER_S;
}

static uint8_t nat_proto(uint8_t ip_proto)
{
	switch (ip_proto) {
	case PROTO_TCP:
		return NAT64_P_TCP;
	case PROTO_UDP:
		return NAT64_P_UDP;
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		return NAT64_P_ICMP;
	default:
		return NAT64_NPROTO;
	}
}

/* Ports (or the query identifier) of a transport header: src, dst. */
static bool l4_ports(uint8_t proto, const uint8_t *l4, size_t n,
		     uint16_t *sp, uint16_t *dp)
{
	if (proto == NAT64_P_ICMP) {
		if (n < ICMP_HDR)
			return false;
		*sp = *dp = get16(l4 + 4);
		return true;
	}
	if (n < (proto == NAT64_P_TCP ? 14u : 8u))
		return false;
	*sp = get16(l4);
	*dp = get16(l4 + 2);
	return true;
}

/* ---- the IPv6 side -------------------------------------------------- */

static bool icmp6_is_query(uint8_t t)
{
	return t == 128 || t == 129;
}

/* §3.4: an ICMPv6 error's tuple is its quoted packet's, swapped. */
static enum xlat_verdict parse6_err(const uint8_t *icmp, size_t n,
				    struct flow *f)
{
	struct ip6 in;
	uint16_t sp, dp;

	if (ip6_parse(icmp + ICMP_HDR, n - ICMP_HDR, true, &in) != XLAT_OK)
		return XLAT_ICMP_INNER;
	const uint8_t *l4 = in.hdr + in.l4_off;
	f->proto = nat_proto(in.proto);
	if (f->proto == NAT64_NPROTO || in.frag_off != 0)
		return XLAT_ICMP_INNER;
	if (f->proto == NAT64_P_ICMP && in.avail &&
	    (icmp6_is_error(l4[0]) || !icmp6_is_query(l4[0])))
		return in.avail && icmp6_is_error(l4[0]) ? XLAT_ICMP_NESTED :
							 XLAT_ICMP_INNER;
	if (!l4_ports(f->proto, l4, in.avail, &sp, &dp))
		return XLAT_ICMP_INNER;
	f->is_err = true;
	f->k.x6 = in.dst;
	f->k.x_port = dp;
	f->k.y6 = in.src;
	f->k.y_port = f->proto == NAT64_P_ICMP ? 0 : sp;
	return XLAT_OK;
}

static enum xlat_verdict parse6(const struct ip6 *ip, struct flow *f)
{
	const uint8_t *l4 = ip->hdr + ip->l4_off;
	uint16_t sp, dp;

	memset(f, 0, sizeof(*f));
	f->proto = nat_proto(ip->proto);
	f->fk = (struct frag_key){ .fam = 6, .proto = ip->proto,
				   .id = ip->frag_id, .src = ip->src,
				   .dst = ip->dst };
	if (f->proto == NAT64_NPROTO)
		return XLAT_NAT64_PROTO;
	if (ip->frag && ip->frag_off) {
		f->later_frag = true;
		return f->proto == NAT64_P_ICMP ? XLAT_ICMP_FRAGMENTED : XLAT_OK;
	}
	f->first_frag = ip->frag && ip->mf;
	if (f->proto == NAT64_P_ICMP) {
		if (f->first_frag)
			return XLAT_ICMP_FRAGMENTED;
		if (ip->avail < ICMP_HDR)
			return XLAT_ICMP_SHORT;
		if (icmp6_is_error(l4[0]))
			return parse6_err(l4, ip->avail, f);
		if (!icmp6_is_query(l4[0]))
			return XLAT_ICMP_TYPE; /* §3.5.3: not ours to pass */
	}
	if (!l4_ports(f->proto, l4, ip->avail, &sp, &dp))
		return XLAT_TRUNCATED; /* §3.4 MAY: ports in the first one */
	f->k.x6 = ip->src;
	f->k.x_port = sp;
	f->k.y6 = ip->dst;
	f->k.y_port = f->proto == NAT64_P_ICMP ? 0 : dp;
	if (f->proto == NAT64_P_TCP)
		f->tcp_flags = l4[13];
	return XLAT_OK;
}

/* A packet's keyed hashes, each computed once: the table's session hash
 * before the lock, its BIB hash and pool4's (the subscriber record a
 * first packet needs) only when the session lookup misses. */
struct hashes {
	struct nat64_key6 tab;
	struct pool4_hint pool;
};

static enum xlat_verdict alloc_verdict(int rc, bool from_pool)
{
	switch (rc) {
	case -EDQUOT:
		return XLAT_NAT64_CLIENT_LIMIT;
	case -ENOSPC:
		return from_pool ? XLAT_NAT64_POOL_EXHAUSTED :
				   XLAT_NAT64_TABLE_FULL;
	default:
		return XLAT_NAT64_TABLE_FULL;
	}
}

/*
 * §3.5.1.1, §3.5.2.3, §3.5.3: a session for k, with the existing BIB
 * entry of (X',x) or a new one from pool4.  k->t4/t_port are filled.
 */
static enum xlat_verdict sess_create6(struct nat64 *n, struct nat64_shard *s,
				      struct nat64_tuple *k, struct hashes *h,
				      uint8_t state, uint8_t cls, uint64_t exp,
				      uint64_t now, struct nat64_session *out)
{
	struct nat64_bib b;
	struct pool4_taddr ta;
	bool alloc = false;
	int rc;

	/* Both fetches started before either is read, so that the BIB and
	 * subscriber slots and pool4's subscriber record arrive together;
	 * the pool4 hint is wasted when (X',x) has its entry already. */
	nat64_key6_bib(n->tab, k, &h->tab);
	pool4_hint(n->pool, &k->x6, &h->pool);
	if (nat64_bib_find6_key(s, k, &h->tab, &b) == 0) {
		k->t4 = b.t4;
		k->t_port = b.t_port;
	} else {
		rc = nat64_port_alloc(n, k->proto, &k->x6, k->x_port,
				      &h->pool, &ta);
		if (rc)
			return alloc_verdict(rc, true);
		k->t4 = ta.addr;
		k->t_port = ta.port;
		alloc = true;
	}
	rc = nat64_session_add_key(s, k, &h->tab, state, cls, exp, out);
	if (rc) {
		if (alloc)
			nat64_port_free(n, k->proto, &k->x6, k->t4, k->t_port,
					false, now);
		return alloc_verdict(rc, false);
	}
	if (alloc) {
		CNT_INC(n, bib_created);
		nat64_log_bib(n, NAT64_LOG_BIB_ADD, k->proto, &k->x6, k->x_port,
			      k->t4, k->t_port, false, now);
	}
	CNT_INC(n, sessions_created);
	nat64_log_session(n, NAT64_LOG_SESSION_ADD, k, now);
	return XLAT_OK;
}

/* UDP (§3.5.1) and ICMP queries (§3.5.3) from the IPv6 side. */
static enum xlat_verdict simple6(struct nat64 *n, struct nat64_shard *s,
				 struct flow *f, struct hashes *h, uint64_t now)
{
	bool udp = f->proto == NAT64_P_UDP;
	uint8_t cls = udp ? CLS_UDP : CLS_ICMP;
	uint64_t exp = now + ns(udp ? n->c.to.udp : n->c.to.icmp);
	struct nat64_session ss;

	if (nat64_session_find6_key(s, &f->k, &h->tab, &ss) == 0) {
		f->k = ss.tup;
		nat64_session_update(s, ss.id, ss.state, ss.flags, cls, exp);
		return XLAT_OK;
	}
	return sess_create6(n, s, &f->k, h, 0, cls, exp, now, &ss);
}

/* §3.5.2: TCP from the IPv6 side through the state machine. */
static enum xlat_verdict tcp6(struct nat64 *n, struct nat64_shard *s,
			      struct flow *f, struct hashes *h, uint64_t now)
{
	struct nat64_session ss;
	struct nat64_bib b;
	bool have = nat64_session_find6_key(s, &f->k, &h->tab, &ss) == 0;

	if (!have)
		nat64_key6_bib(n->tab, &f->k, &h->tab);
	bool bib = have || nat64_bib_find6_key(s, &f->k, &h->tab, &b) == 0;
	struct nat64_tcp_ctx tc = {
		.bib = bib, .stored = have && (ss.flags & SESS_SYN_HELD),
		.adf = n->c.adf, .drop_inbound = n->c.drop_inbound_tcp };
	struct nat64_tcp_step st = nat64_tcp_step(
		have ? ss.state : NAT64_TCP_CLOSED,
		nat64_tcp_classify(true, f->tcp_flags), &tc);
	uint64_t exp = now + ns(nat64_tcp_lifetime(&n->c.to, st.timer));
	uint8_t cls = nat64_timer_class(st.timer);

	if (st.actions & NAT64_TCP_A_CREATE) {
		enum xlat_verdict v = sess_create6(n, s, &f->k, h, st.state,
						   cls, exp, now, &ss);
		if (v != XLAT_OK)
			return v;
		/* A SYN held without a BIB entry that this one now matches:
		 * simultaneous open (RFC 5382 REQ-4). */
		if (syn_store_drop(&n->syn, f->k.t4, f->k.t_port, f->k.z4,
				   f->k.z_port)) {
			CNT_INC(n, syn_dropped);
			nat64_session_update(s, ss.id, NAT64_TCP_ESTABLISHED, 0,
					     CLS_TCP_EST,
					     now + ns(n->c.to.tcp_est));
		}
	} else if (have) {
		uint8_t flags = ss.flags;
		f->k = ss.tup;
		if (st.actions & NAT64_TCP_A_DROP_STORED) {
			if (syn_store_drop(&n->syn, f->k.t4, f->k.t_port,
					   f->k.z4, f->k.z_port))
				CNT_INC(n, syn_dropped);
			flags &= (uint8_t)~SESS_SYN_HELD;
		}
		if (st.timer != NAT64_TCP_T_KEEP || st.state != ss.state ||
		    flags != ss.flags)
			nat64_session_update(s, ss.id, st.state, flags,
					     st.timer != NAT64_TCP_T_KEEP ?
						     cls : ss.cls,
					     st.timer != NAT64_TCP_T_KEEP ?
						     exp : ss.expires);
	} else if (bib) {
		f->k.t4 = b.t4;
		f->k.t_port = b.t_port;
	}
	if (!(st.actions & NAT64_TCP_A_XLAT) || (!have && !bib &&
						 !(st.actions & NAT64_TCP_A_CREATE)))
		return XLAT_NAT64_TCP_STATE;
	return XLAT_OK;
}

/*
 * §3.5 for an IPv6 packet: fills f->k.t4/t_port or says why not.  The
 * tuple is hashed once, before the lock (which also starts fetching the
 * table slots the lookups will read), and the hashes go to every call.
 * An established flow needs the subscriber and session hashes only; the
 * BIB hash is added for an ICMP error here and for a session miss in
 * tcp6() and sess_create6().
 */
static enum xlat_verdict state6(struct nat64 *n, struct flow *f, uint64_t now)
{
	struct hashes h;
	struct nat64_shard *s;
	enum xlat_verdict v;
	struct nat64_bib b;

	nat64_key6(n->tab, &f->k, &h.tab);
	if (f->is_err)
		nat64_key6_bib(n->tab, &f->k, &h.tab);
	s = nat64_lock6_key(n->tab, &h.tab);
	if (f->is_err) {
		/* §3.5: errors change no state; RFC 5508 REQ-4. */
		v = nat64_bib_find6_key(s, &f->k, &h.tab, &b) ?
			    XLAT_NAT64_ICMP_NO_MATCH : XLAT_OK;
		f->k.t4 = b.t4;
		f->k.t_port = b.t_port;
	} else if (f->proto == NAT64_P_TCP) {
		v = tcp6(n, s, f, &h, now);
	} else {
		v = simple6(n, s, f, &h, now);
	}
	nat64_unlock(s);
	return v;
}

static void nat_of(const struct nat64 *n, const struct nat64_tuple *k,
		   struct xlat_nat *nat)
{
	*nat = (struct xlat_nat){ .x6 = k->x6, .x_port = k->x_port,
				  .t4 = k->t4, .t_port = k->t_port,
				  .router_dummy = n->c.router_src_dummy };
}

static enum xlat_verdict in4(struct nat64 *n, const struct xlat_ctx *ctx,
			     const uint8_t *pkt, size_t len, uint64_t now,
			     struct xlat_out *out, bool hairpin);

/*
 * §3.8: the IPv4 packet x64() left last in out goes back in as one
 * received on the IPv4 side.
 */
static enum xlat_verdict hairpin4(struct nat64 *n, const struct xlat_ctx *ctx,
				  uint64_t now, struct xlat_out *out)
{
	struct xlat_pkt *p = &out->pkts[--out->npkts];

	CNT_INC(n, hairpins);
	return in4(n, ctx, p->data, p->len, now, out, true);
}

static enum xlat_verdict xlat6(struct nat64 *n, const struct xlat_ctx *ctx,
			       const struct ip6 *ip, uint64_t now,
			       struct xlat_out *out, struct xlat_nat *nat,
			       uint32_t z4)
{
	nat->hairpin_out = pool4_contains(n->pool, z4);
	enum xlat_verdict v = x64_ip(ctx, ip, now, out, nat);
	if (v == XLAT_OK && nat->hairpin_out && out->npkts &&
	    out->pkts[out->npkts - 1].family == 4)
		v = hairpin4(n, ctx, now, out);
	return v;
}

/* §3.4: a fragment after the first follows the first one's binding, or
 * waits for it. */
static enum xlat_verdict later6(struct nat64 *n, const struct xlat_ctx *ctx,
				const struct ip6 *ip, const struct flow *f,
				uint64_t now, struct xlat_out *out)
{
	struct xlat_nat nat;

	if (frag_lookup(&n->frag, &f->fk, now, &nat))
		return xlat6(n, ctx, ip, now, out, &nat,
			     addr_extract(&ctx->pool6, &ip->dst));
	if (frag_hold(&n->frag, &f->fk, ip->hdr, IP6_HDR + ip->payload_len,
		      now + ns(n->c.to.fragment)))
		return XLAT_NAT64_FRAG_FULL;
	CNT_INC(n, frag_held);
	return XLAT_HELD;
}

/* Fragments that arrived before their first one, now that it is here. */
static void release_held(struct nat64 *n, const struct xlat_ctx *ctx,
			 const struct frag_key *fk, uint64_t now,
			 struct xlat_out *out)
{
	uint8_t buf[NAT64_FRAG_HOLD_LEN];
	size_t len;

	while (out->npkts + 4 < XLAT_MAX_OUT &&
	       (len = frag_unhold(&n->frag, fk, buf)) > 0) {
		CNT_INC(n, frag_released);
		nat64_packet_inner(n, ctx, buf, len, now, out);
	}
}

/* Translate with the binding; a first fragment records it for the rest. */
static enum xlat_verdict emit6(struct nat64 *n, const struct xlat_ctx *ctx,
			       const struct ip6 *ip, uint64_t now,
			       struct xlat_out *out, const struct flow *f)
{
	struct xlat_nat nat;

	nat_of(n, &f->k, &nat);
	if (f->first_frag)
		frag_record(&n->frag, &f->fk, &nat,
			    now + ns(n->c.to.fragment));
	enum xlat_verdict v = xlat6(n, ctx, ip, now, out, &nat, f->k.z4);
	if (f->first_frag)
		release_held(n, ctx, &f->fk, now, out);
	return v;
}

/* Drop with ICMPv6 1/3 (CONFORMANCE.md section 15) for failed mappings. */
static enum xlat_verdict refuse6(const struct xlat_ctx *ctx,
				 const struct ip6 *ip, enum xlat_verdict v,
				 struct xlat_out *out)
{
	if (v == XLAT_NAT64_POOL_EXHAUSTED || v == XLAT_NAT64_CLIENT_LIMIT ||
	    v == XLAT_NAT64_TABLE_FULL)
		icmperr_send6(ctx, out, ip->hdr, IP6_HDR + ip->payload_len, 1, 3,
			      0);
	return v;
}

static enum xlat_verdict in6(struct nat64 *n, const struct xlat_ctx *ctx,
			     const uint8_t *pkt, size_t len, uint64_t now,
			     struct xlat_out *out)
{
	struct xlat_nat none = { .t4 = 0 };
	struct ip6 ip;
	struct flow f;
	enum xlat_verdict v = ip6_parse(pkt, len, false, &ip);

	if (v != XLAT_OK) /* the core sends what RFC 7915 asks, if anything */
		return x64(ctx, pkt, len, now, out, &none);
	/* §3.5: only what is addressed into Pref64::/n; never from it. */
	if (!addr_in_pref64(&ctx->pool6, &ip.dst))
		return XLAT_NAT64_NOT_POOL;
	if (addr_in_pref64(&ctx->pool6, &ip.src))
		return XLAT_NAT64_SRC_POOL6;
	/* Expiring hop limits and routing headers are answered by the core
	 * before any state is made (pre64() refuses them before mapping). */
	if (ip.hlim <= 1 || ip.segleft_off >= 0)
		return x64_ip(ctx, &ip, now, out, &none);
	v = parse6(&ip, &f);
	if (v == XLAT_NAT64_PROTO) {
		/* §3.4 SHOULD: ICMPv6 1/4 */
		icmperr_send6(ctx, out, pkt, IP6_HDR + ip.payload_len, 1, 4, 0);
		return v;
	}
	if (v != XLAT_OK)
		return v;
	if (f.later_frag)
		return later6(n, ctx, &ip, &f, now, out);
	f.k.proto = f.proto;
	f.k.z4 = addr_extract(&ctx->pool6, &f.k.y6);
	f.k.z_port = f.k.y_port;
	v = state6(n, &f, now);
	if (v != XLAT_OK)
		return f.is_err ? v : refuse6(ctx, &ip, v, out);
	if (f.is_err) /* the outer destination is the one that matters */
		f.k.z4 = addr_extract(&ctx->pool6, &ip.dst);
	return emit6(n, ctx, &ip, now, out, &f);
}

/* ---- the IPv4 side -------------------------------------------------- */

static bool icmp4_is_query(uint8_t t)
{
	return t == 8 || t == 0;
}

/* §3.4: an ICMPv4 error's tuple is its quoted packet's, swapped. */
static enum xlat_verdict parse4_err(const uint8_t *icmp, size_t n,
				    struct flow *f)
{
	struct ip4 in;
	uint16_t sp, dp;

	/* RFC 5508 REQ-3: a wrong ICMP checksum or quoted IPv4 header
	 * checksum is not worth translating.  The quoted transport checksum
	 * is not checked (SHOULD NOT). */
	if (csum_fold(csum_partial(icmp, n, 0)) != 0xffff)
		return XLAT_NAT64_ICMP_CSUM;
	if (ip4_parse(icmp + ICMP_HDR, n - ICMP_HDR, true, &in) != XLAT_OK)
		return XLAT_ICMP_INNER;
	if (csum_fold(csum_partial(in.hdr, in.ihl, 0)) != 0xffff)
		return XLAT_NAT64_ICMP_CSUM;
	const uint8_t *l4 = in.hdr + in.ihl; /* options skipped: REQ-3 */
	f->proto = nat_proto(in.proto);
	if (f->proto == NAT64_NPROTO || in.frag_off != 0)
		return XLAT_ICMP_INNER;
	if (f->proto == NAT64_P_ICMP && in.avail &&
	    (icmp4_is_error(l4[0]) || !icmp4_is_query(l4[0])))
		return icmp4_is_error(l4[0]) ? XLAT_ICMP_NESTED :
					       XLAT_ICMP_INNER;
	if (!l4_ports(f->proto, l4, in.avail, &sp, &dp))
		return XLAT_ICMP_INNER;
	f->is_err = true;
	f->k.t4 = in.src;
	f->k.t_port = sp;
	f->k.z4 = in.dst;
	f->k.z_port = f->proto == NAT64_P_ICMP ? 0 : dp;
	return XLAT_OK;
}

static enum xlat_verdict parse4(const struct ip4 *ip, struct flow *f)
{
	const uint8_t *l4 = ip->hdr + ip->ihl;
	uint16_t sp, dp;

	memset(f, 0, sizeof(*f));
	f->proto = nat_proto(ip->proto);
	f->fk = (struct frag_key){ .fam = 4, .proto = ip->proto, .id = ip->id };
	put32(f->fk.src.s6_addr, ip->src);
	put32(f->fk.dst.s6_addr, ip->dst);
	if (f->proto == NAT64_NPROTO || ip->proto == PROTO_ICMPV6)
		return XLAT_NAT64_PROTO;
	if (ip->frag_off) {
		f->later_frag = true;
		return f->proto == NAT64_P_ICMP ? XLAT_ICMP_FRAGMENTED : XLAT_OK;
	}
	f->first_frag = ip->mf;
	if (f->proto == NAT64_P_ICMP) {
		if (f->first_frag)
			return XLAT_ICMP_FRAGMENTED;
		if (ip->avail < ICMP_HDR)
			return XLAT_ICMP_SHORT;
		if (icmp4_is_error(l4[0]))
			return parse4_err(l4, ip->avail, f);
		if (!icmp4_is_query(l4[0]))
			return XLAT_ICMP_TYPE;
	}
	if (!l4_ports(f->proto, l4, ip->avail, &sp, &dp))
		return XLAT_TRUNCATED;
	f->k.t4 = ip->dst;
	f->k.t_port = dp;
	f->k.z4 = ip->src;
	f->k.z_port = f->proto == NAT64_P_ICMP ? 0 : sp;
	if (f->proto == NAT64_P_TCP)
		f->tcp_flags = l4[13];
	return XLAT_OK;
}

/* §3.5.1 / §3.5.3 address-dependent filtering: a session of the entry
 * toward the sender's address must exist. */
static bool adf_pass(struct nat64 *n, struct nat64_shard *s, uint32_t bib_id,
		     uint32_t z4)
{
	struct nat64_session ss;

	return !n->c.adf || nat64_session_find_remote(s, bib_id, z4, &ss) == 0;
}

static enum xlat_verdict sess_create4(struct nat64 *n, struct nat64_shard *s,
				      const struct nat64_tuple *k,
				      uint8_t state, uint8_t flags, uint8_t cls,
				      uint64_t exp, uint64_t now)
{
	struct nat64_session ss;
	int rc = nat64_session_add(s, k, state, cls, exp, &ss);

	if (rc)
		return alloc_verdict(rc, false);
	if (flags)
		nat64_session_update(s, ss.id, state, flags, cls, exp);
	CNT_INC(n, sessions_created);
	nat64_log_session(n, NAT64_LOG_SESSION_ADD, k, now);
	return XLAT_OK;
}

/* UDP and ICMP queries from the IPv4 side, with the BIB entry found. */
static enum xlat_verdict simple4(struct nat64 *n, struct nat64_shard *s,
				 const struct nat64_bib *b, struct flow *f,
				 uint64_t now)
{
	bool udp = f->proto == NAT64_P_UDP;
	uint8_t cls = udp ? CLS_UDP : CLS_ICMP;
	uint64_t exp = now + ns(udp ? n->c.to.udp : n->c.to.icmp);
	struct nat64_session ss;

	if (nat64_session_find4(s, &f->k, &ss) == 0) {
		nat64_session_update(s, ss.id, ss.state, ss.flags, cls, exp);
		return XLAT_OK;
	}
	if (!adf_pass(n, s, b->id, f->k.z4))
		return XLAT_NAT64_FILTERED;
	return sess_create4(n, s, &f->k, 0, 0, cls, exp, now);
}

/* §3.5.2: TCP from the IPv4 side, BIB entry or not (b NULL). */
static enum xlat_verdict tcp4(struct nat64 *n, struct nat64_shard *s,
			      const struct nat64_bib *b, struct flow *f,
			      const uint8_t *pkt, size_t len, uint64_t now)
{
	struct nat64_session ss;
	bool have = b && nat64_session_find4(s, &f->k, &ss) == 0;
	struct nat64_tcp_ctx tc = {
		.bib = b != NULL, .stored = have && (ss.flags & SESS_SYN_HELD),
		.adf = n->c.adf && !(b && adf_pass(n, s, b->id, f->k.z4)),
		.drop_inbound = n->c.drop_inbound_tcp };
	struct nat64_tcp_step st = nat64_tcp_step(
		have ? ss.state : NAT64_TCP_CLOSED,
		nat64_tcp_classify(false, f->tcp_flags), &tc);
	uint64_t exp = now + ns(nat64_tcp_lifetime(&n->c.to, st.timer));
	uint8_t cls = nat64_timer_class(st.timer);
	uint8_t flags = 0;

	if (st.actions & NAT64_TCP_A_STORE_SYN) {
		int rc = syn_store_put(&n->syn, f->k.t4, f->k.t_port, f->k.z4,
				       f->k.z_port, pkt, len,
				       now + ns(n->c.to.tcp_incoming_syn));
		if (rc == -ENOSPC)
			return XLAT_NAT64_SYN_STORE_FULL;
		if (rc == 0)
			CNT_INC(n, syn_stored);
		flags = SESS_SYN_HELD;
	}
	if ((st.actions & NAT64_TCP_A_CREATE) && b) {
		enum xlat_verdict v = sess_create4(n, s, &f->k, st.state, flags,
						   cls, exp, now);
		if (v != XLAT_OK)
			return v;
	} else if (have && (st.timer != NAT64_TCP_T_KEEP ||
			    st.state != ss.state)) {
		nat64_session_update(s, ss.id, st.state, ss.flags | flags,
				     st.timer != NAT64_TCP_T_KEEP ? cls : ss.cls,
				     st.timer != NAT64_TCP_T_KEEP ? exp :
								    ss.expires);
	}
	if (st.actions & NAT64_TCP_A_XLAT)
		return XLAT_OK;
	if (st.actions & NAT64_TCP_A_STORE_SYN)
		return XLAT_HELD;
	bool refused = n->c.drop_inbound_tcp && !have &&
		       nat64_tcp_classify(false, f->tcp_flags) ==
			       NAT64_TCP_EV_V4_SYN;
	if (refused)
		return XLAT_NAT64_TCP_INBOUND;
	return b ? XLAT_NAT64_TCP_STATE : XLAT_NAT64_NO_BIB;
}

/* §3.5 for an IPv4 packet: fills f->k's IPv6 side or says why not. */
static enum xlat_verdict state4(struct nat64 *n, const struct xlat_ctx *ctx,
				struct flow *f, const uint8_t *pkt, size_t len,
				uint64_t now, bool in_pool)
{
	struct nat64_shard *s;
	struct nat64_bib b;
	enum xlat_verdict v;

	if (nat64_lock4(n->tab, f->proto, f->k.t4, f->k.t_port, &s, &b)) {
		/* Outside pool4 only static entries (port forwarding to an
		 * address routed here by ipv4-route) are ours. */
		if (!in_pool)
			return XLAT_NAT64_NOT_POOL;
		if (f->is_err)
			return XLAT_NAT64_ICMP_NO_MATCH;
		if (f->proto != NAT64_P_TCP)
			return XLAT_NAT64_NO_BIB;
		/* The SYN store has its own lock: no shard is needed. */
		return tcp4(n, NULL, NULL, f, pkt, len, now);
	}
	f->k.x6 = b.x6;
	f->k.x_port = b.x_port;
	addr_embed(&ctx->pool6, f->k.z4, &f->k.y6);
	f->k.y_port = f->k.z_port;
	if (f->is_err)
		v = XLAT_OK; /* §3.5: errors change no state */
	else if (f->proto == NAT64_P_TCP)
		v = tcp4(n, s, &b, f, pkt, len, now);
	else
		v = simple4(n, s, &b, f, now);
	nat64_unlock(s);
	return v;
}

static enum xlat_verdict later4(struct nat64 *n, const struct xlat_ctx *ctx,
				const struct ip4 *ip, const struct flow *f,
				uint64_t now, struct xlat_out *out,
				bool hairpin)
{
	struct xlat_nat nat;

	if (frag_lookup(&n->frag, &f->fk, now, &nat))
		return x46_ip(ctx, ip, now, out, hairpin ? XF_HAIRPIN : 0,
			      &nat);
	if (frag_hold(&n->frag, &f->fk, ip->hdr, ip->tot_len,
		      now + ns(n->c.to.fragment)))
		return XLAT_NAT64_FRAG_FULL;
	CNT_INC(n, frag_held);
	return XLAT_HELD;
}

static enum xlat_verdict in4(struct nat64 *n, const struct xlat_ctx *ctx,
			     const uint8_t *pkt, size_t len, uint64_t now,
			     struct xlat_out *out, bool hairpin)
{
	unsigned fl = hairpin ? XF_HAIRPIN : 0;
	struct ip4 ip;
	struct flow f;
	enum xlat_verdict v = ip4_parse(pkt, len, false, &ip);

	if (v != XLAT_OK)
		return x46(ctx, pkt, len, now, out, fl,
			   &(struct xlat_nat){ .t4 = 0 });
	/* §3.5: only packets to a pool4 address, or to a static BIB entry
	 * outside pool4 (checked in state4()). */
	bool in_pool = pool4_contains(n->pool, ip.dst);
	struct xlat_nat self = { .t4 = ip.dst };
	if (!hairpin && ip.ttl <= 1) /* answered before any state */
		return x46_ip(ctx, &ip, now, out, fl, &self);
	v = parse4(&ip, &f);
	if (v == XLAT_NAT64_PROTO && !hairpin) /* §3.4 SHOULD: 3/2 */
		icmperr_send4_from(ctx, out, pkt, ip.tot_len, 3, 2, 0, ip.dst);
	if (v != XLAT_OK)
		return v;
	if (f.later_frag)
		return later4(n, ctx, &ip, &f, now, out, hairpin);
	f.k.proto = f.proto;
	v = state4(n, ctx, &f, pkt, ip.tot_len, now, in_pool);
	if (v != XLAT_OK)
		return v;
	struct xlat_nat nat;
	nat_of(n, &f.k, &nat);
	if (f.first_frag)
		frag_record(&n->frag, &f.fk, &nat,
			    now + ns(n->c.to.fragment));
	v = x46_ip(ctx, &ip, now, out, fl, &nat);
	if (f.first_frag)
		release_held(n, ctx, &f.fk, now, out);
	return v;
}

/* ---- entry points ---------------------------------------------------- */

enum xlat_verdict nat64_packet_inner(struct nat64 *n,
				     const struct xlat_ctx *ctx,
				     const uint8_t *pkt, size_t len,
				     uint64_t now, struct xlat_out *out)
{
	if (len == 0)
		return XLAT_TRUNCATED;
	if (pkt[0] >> 4 == 6)
		return in6(n, ctx, pkt, len, now, out);
	return in4(n, ctx, pkt, len, now, out, false);
}

enum xlat_verdict nat64_packet_off(struct nat64 *n,
				   const struct xlat_ctx *ctx,
				   const uint8_t *pkt, size_t len,
				   const struct xlat_offload *off, uint64_t now,
				   struct xlat_out *out)
{
	out_reset(out, off);
	return nat64_packet_inner(n, ctx, pkt, len, now, out);
}

enum xlat_verdict nat64_packet(struct nat64 *n, const struct xlat_ctx *ctx,
			       const uint8_t *pkt, size_t len, uint64_t now,
			       struct xlat_out *out)
{
	return nat64_packet_off(n, ctx, pkt, len, NULL, now, out);
}

void nat64_probe(const struct xlat_ctx *ctx, const struct nat64_tuple *k,
		 struct xlat_out *out)
{
	uint8_t *p = out_reserve(out, IP6_HDR + 20);

	if (!p)
		return;
	memset(p, 0, IP6_HDR + 20);
	put32(p, 0x60000000u);
	put16(p + 4, 20);
	p[6] = PROTO_TCP;
	p[7] = 64;
	memcpy(p + 8, &k->y6, 16);
	memcpy(p + 24, &k->x6, 16);
	uint8_t *t = p + IP6_HDR;
	put16(t, k->y_port);
	put16(t + 2, k->x_port);
	t[12] = 5 << 4;
	t[13] = NAT64_TCP_ACK;
	uint32_t sum = pseudo6(&k->y6, &k->x6, 20, PROTO_TCP);
	put16(t + 16, csum_finish(csum_partial(t, 20, sum)));
	out_push(out, p, IP6_HDR + 20, 6, XLAT_PKT_TRANSLATED);
}
