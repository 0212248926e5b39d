/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Classifying a client query: RFC 6147 §5.1 (class IN only), §5.3.1 (PTR
 * under a Pref64), §5.3.3 (other types), §5.5 item 3 (CD=1, DO=1: no
 * synthesis); RFC 8880 §7.1 item 4 (ipv4only.arpa answered locally by a
 * DNS64) and §7.2.1 (Pref64::192.0.0.170/171 reverse); RFC 1035 §4.1.1 and
 * RFC 6891 §6.1.3 for malformed queries and EDNS versions.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dns64/dns64_int.h"

void dns64_next(struct dns64_plan *p, enum dns64_step step, ldns_rdf *name,
		ldns_rr_type t)
{
	ldns_rdf_deep_free(p->name);
	p->name = name;
	p->qtype = t;
	p->qclass = LDNS_RR_CLASS_IN;
	p->step = step;
}

int dns64_done(struct dns64_plan *p, ldns_pkt *reply)
{
	if (!reply || dns64_reply_finish(p->query, reply) != 0) {
		ldns_pkt_free(reply);
		return dns64_done_error(p, LDNS_RCODE_SERVFAIL);
	}
	ldns_pkt_free(p->reply);
	p->reply = reply;
	ldns_rdf_deep_free(p->name);
	p->name = NULL;
	p->step = DNS64_STEP_DONE;
	return 0;
}

int dns64_done_error(struct dns64_plan *p, ldns_pkt_rcode rcode)
{
	ldns_pkt *r = dns64_reply_error(p->query, rcode);

	ldns_pkt_free(p->reply);
	ldns_rdf_deep_free(p->name);
	p->name = NULL;
	p->reply = r;
	p->step = r ? DNS64_STEP_DONE : DNS64_STEP_DROP;
	p->flags &= ~DNS64_F_CACHEABLE;
	return r ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------------ */
/* ipv4only.arpa, RFC 8880 §7.1 item 4. */

static ldns_rr *rr_from_str(const char *s)
{
	ldns_rr *rr = NULL;

	if (ldns_rr_new_frm_str(&rr, s, 0, NULL, NULL) != LDNS_STATUS_OK)
		return NULL;
	return rr;
}

/* The zone's SOA for negative answers; MINIMUM = the local TTL. */
static bool push_soa(ldns_pkt *r, uint32_t ttl)
{
	char s[160];
	ldns_rr *rr;

	snprintf(s, sizeof(s), "ipv4only.arpa. %u IN SOA localhost. "
		 "nobody.invalid. 1 3600 1200 604800 %u", ttl, ttl);
	rr = rr_from_str(s);
	if (!rr || !ldns_pkt_push_rr(r, LDNS_SECTION_AUTHORITY, rr)) {
		ldns_rr_free(rr);
		return false;
	}
	return true;
}

static ldns_rr *rr_addr(const ldns_rdf *owner, uint32_t ttl, ldns_rr_type t,
			const void *data, size_t len)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *d = ldns_rdf_new_frm_data(t == LDNS_RR_TYPE_A ?
					    LDNS_RDF_TYPE_A : LDNS_RDF_TYPE_AAAA,
					    len, data);
	ldns_rdf *o = ldns_rdf_clone(owner);

	if (!rr || !d || !o) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(d);
		ldns_rdf_deep_free(o);
		return NULL;
	}
	ldns_rr_set_owner(rr, o);
	ldns_rr_set_type(rr, t);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, ttl);
	ldns_rr_push_rdf(rr, d);
	return rr;
}

/* Append an A (host-order v4) or, with pref, the AAAA pref + v4. */
static bool push_addr(ldns_pkt *r, const ldns_rdf *owner, uint32_t ttl,
		      const struct pref64 *pref, uint32_t v4)
{
	struct in6_addr a6;
	uint8_t a4[4] = { v4 >> 24, v4 >> 16, v4 >> 8, v4 };
	ldns_rr *rr;

	if (pref) {
		addr_embed(pref, v4, &a6);
		rr = rr_addr(owner, ttl, LDNS_RR_TYPE_AAAA, a6.s6_addr, 16);
	} else {
		rr = rr_addr(owner, ttl, LDNS_RR_TYPE_A, a4, 4);
	}
	if (!rr || !ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr)) {
		ldns_rr_free(rr);
		return false;
	}
	return true;
}

/* A → 192.0.0.170/171; AAAA → both under every prefix, the WKP included
 * (RFC 7050 §3 relies on them); other types NODATA.  CD=1 and DO=1 asks
 * for no synthesis (RFC 6147 §5.5 item 3): the real zone has no AAAA, so
 * NODATA is what a plain resolver would give. */
static bool ipv4only_apex(const struct dns64_config *cfg,
			  const struct dns64_plan *p, const ldns_rdf *qname,
			  ldns_rr_type t, ldns_pkt *r)
{
	uint32_t ttl = cfg->ipv4only_ttl;
	bool ok = true;

	if (t == LDNS_RR_TYPE_A) {
		ok = push_addr(r, qname, ttl, NULL, DNS64_IPV4ONLY_170) &&
		     push_addr(r, qname, ttl, NULL, DNS64_IPV4ONLY_171);
	} else if (t == LDNS_RR_TYPE_AAAA && !(p->cd && p->dnssec_ok)) {
		for (unsigned i = 0; ok && i < cfg->nprefix; i++) {
			const struct pref64 *pf = &cfg->prefix[i].pref;

			ok = push_addr(r, qname, ttl, pf, DNS64_IPV4ONLY_170) &&
			     push_addr(r, qname, ttl, pf, DNS64_IPV4ONLY_171);
		}
	}
	if (ok && ldns_rr_list_rr_count(ldns_pkt_answer(r)) == 0)
		ok = push_soa(r, ttl);
	return ok;
}

static int plan_ipv4only(const struct dns64_config *cfg, struct dns64_plan *p,
			 const ldns_rdf *qname, const ldns_rdf *apex,
			 ldns_rr_type t)
{
	ldns_pkt *r;
	bool ok;

	if (ldns_dname_compare(qname, apex) == 0 && t == LDNS_RR_TYPE_DS)
		return 1; /* resolved the usual way */
	r = ldns_pkt_new();
	if (!r)
		return -ENOMEM;
	if (ldns_dname_compare(qname, apex) == 0) {
		ok = ipv4only_apex(cfg, p, qname, t, r);
	} else {
		ldns_pkt_set_rcode(r, LDNS_RCODE_NXDOMAIN);
		ok = push_soa(r, cfg->ipv4only_ttl);
	}
	if (!ok) {
		ldns_pkt_free(r);
		return -ENOMEM;
	}
	p->flags |= DNS64_F_LOCAL | DNS64_F_CACHEABLE;
	if (dns64_done(p, r) != 0)
		return -ENOMEM;
	ldns_pkt_set_aa(p->reply, true); /* "act as authoritative" */
	return 0;
}

/* ------------------------------------------------------------------ */
/* PTR under a Pref64, RFC 6147 §5.3.1 and RFC 8880 §7.2.1. */

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* x.x.(32 nibbles).ip6.arpa → address; false for anything else. */
static bool ip6arpa_addr(const ldns_rdf *name, struct in6_addr *a)
{
	static const uint8_t tail[] = "\3ip6\4arpa";
	const uint8_t *d = ldns_rdf_data(name);
	size_t n = ldns_rdf_size(name);

	if (n != 32 * 2 + sizeof(tail))
		return false;
	if (strncasecmp((const char *)d + 64, (const char *)tail, sizeof(tail)) != 0)
		return false;
	memset(a, 0, sizeof(*a));
	for (int i = 0; i < 32; i++) {
		int v = hexval(d[2 * i + 1]);

		if (d[2 * i] != 1 || v < 0)
			return false;
		/* the first label is the lowest nibble */
		a->s6_addr[15 - i / 2] |= (uint8_t)(i % 2 ? v << 4 : v);
	}
	return true;
}

static int plan_ptr_local(const struct dns64_config *cfg,
			  struct dns64_plan *p, const ldns_rdf *qname)
{
	ldns_pkt *r = ldns_pkt_new();
	ldns_rr *rr;
	char s[120];

	if (!r)
		return -ENOMEM;
	snprintf(s, sizeof(s), "x. %u IN PTR ipv4only.arpa.", cfg->ipv4only_ttl);
	rr = rr_from_str(s);
	if (rr)
		ldns_rdf_deep_free(ldns_rr_owner(rr));
	if (rr)
		ldns_rr_set_owner(rr, ldns_rdf_clone(qname));
	if (!rr || !ldns_rr_owner(rr) ||
	    !ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr)) {
		ldns_rr_free(rr);
		ldns_pkt_free(r);
		return -ENOMEM;
	}
	p->flags |= DNS64_F_LOCAL | DNS64_F_CACHEABLE;
	return dns64_done(p, r);
}

/* 1: not ours (resolve plainly), 0: planned, <0: error. */
static int plan_ptr(const struct dns64_config *cfg, struct dns64_plan *p,
		    const ldns_rdf *qname)
{
	static const struct pref64 wkp = {
		.prefix.s6_addr = { 0, 0x64, 0xff, 0x9b }, .len = 96,
	};
	struct in6_addr a;
	ldns_rdf *target;
	char s[40];

	if (!cfg->ptr || !ip6arpa_addr(qname, &a))
		return 1;
	/* "any of the locally configured Pref64::/n or the default
	 * Well-Known Prefix" (§5.3.1): the WKP last, index nprefix. */
	for (unsigned i = 0; i <= cfg->nprefix; i++) {
		const struct pref64 *pf = i < cfg->nprefix ? &cfg->prefix[i].pref
							   : &wkp;
		uint32_t v4;

		if (!addr_in_pref64(pf, &a))
			continue;
		v4 = addr_extract(pf, &a);
		if (v4 == DNS64_IPV4ONLY_170 || v4 == DNS64_IPV4ONLY_171)
			return plan_ptr_local(cfg, p, qname);
		if (p->cd && p->dnssec_ok)
			return 1; /* §5.5 item 3 */
		snprintf(s, sizeof(s), "%u.%u.%u.%u.in-addr.arpa.", v4 & 0xff,
			 (v4 >> 8) & 0xff, (v4 >> 16) & 0xff, v4 >> 24);
		target = ldns_dname_new_frm_str(s);
		if (!target)
			return -ENOMEM;
		dns64_next(p, DNS64_STEP_PTR, target, LDNS_RR_TYPE_PTR);
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------------------ */

static int plan_plain(struct dns64_plan *p, const ldns_rr *q)
{
	ldns_rdf *n = ldns_rdf_clone(ldns_rr_owner(q));

	if (!n)
		return -ENOMEM;
	dns64_next(p, DNS64_STEP_PLAIN, n, ldns_rr_get_type(q));
	p->qclass = ldns_rr_get_class(q);
	return 0;
}

/* Wire names the plan compares against, as rdfs over static bytes: no
 * parsing and no allocation per query (ldns_dname_new_frm_str() was). */
static const uint8_t ipv4only_wire[] = "\010ipv4only\004arpa";
static const uint8_t rev170_wire[] = "\003170\0010\0010\003192\007in-addr\004arpa";
static const uint8_t rev171_wire[] = "\003171\0010\0010\003192\007in-addr\004arpa";

static ldns_rdf static_dname(const uint8_t *wire, size_t size)
{
	ldns_rdf r;

	memset(&r, 0, sizeof(r));
	ldns_rdf_set_type(&r, LDNS_RDF_TYPE_DNAME);
	ldns_rdf_set_size(&r, size);
	ldns_rdf_set_data(&r, (void *)wire);
	return r;
}

static bool is_ipv4only(const ldns_rdf *qname, const ldns_rdf *apex)
{
	return ldns_dname_compare(qname, apex) == 0 ||
	       ldns_dname_is_subdomain(qname, apex);
}

/* 170.0.0.192.in-addr.arpa and 171.0.0.192.in-addr.arpa: the reverse
 * names of ipv4only.arpa's addresses (RFC 8880 §7.1 item 4, §7.2.1) are
 * answered here, never asked upstream. */
static bool is_ipv4only_v4_reverse(const ldns_rdf *qname)
{
	ldns_rdf r170 = static_dname(rev170_wire, sizeof(rev170_wire));
	ldns_rdf r171 = static_dname(rev171_wire, sizeof(rev171_wire));

	return ldns_dname_compare(qname, &r170) == 0 ||
	       ldns_dname_compare(qname, &r171) == 0;
}

/* The DNS64 part: 1 when the query is resolved plainly after all. */
static int plan_dns64(const struct dns64_config *cfg, struct dns64_plan *p,
		      const ldns_rr *q)
{
	const ldns_rdf *qname = ldns_rr_owner(q);
	ldns_rr_type t = ldns_rr_get_type(q);
	ldns_rdf apex = static_dname(ipv4only_wire, sizeof(ipv4only_wire));
	ldns_rdf *n;

	if (is_ipv4only(qname, &apex))
		return plan_ipv4only(cfg, p, qname, &apex, t);
	if (t == LDNS_RR_TYPE_PTR && is_ipv4only_v4_reverse(qname))
		return plan_ptr_local(cfg, p, qname);
	if (t == LDNS_RR_TYPE_PTR)
		return plan_ptr(cfg, p, qname);
	if (t != LDNS_RR_TYPE_AAAA || (p->cd && p->dnssec_ok))
		return 1; /* §5.3.3; §5.5 item 3 */
	n = ldns_rdf_clone(qname);
	if (!n)
		return -ENOMEM;
	dns64_next(p, DNS64_STEP_AAAA, n, LDNS_RR_TYPE_AAAA);
	return 0;
}

static int plan_header_error(struct dns64_plan *p)
{
	if (ldns_pkt_get_opcode(p->query) != LDNS_PACKET_QUERY) {
		p->flags |= DNS64_F_NOTIMP;
		return dns64_done_error(p, LDNS_RCODE_NOTIMPL);
	}
	if (ldns_rr_list_rr_count(ldns_pkt_question(p->query)) != 1) {
		p->flags |= DNS64_F_FORMERR;
		return dns64_done_error(p, LDNS_RCODE_FORMERR);
	}
	if (ldns_pkt_edns(p->query) && ldns_pkt_edns_version(p->query) > 0) {
		/* RFC 6891 §6.1.3: BADVERS, extended rcode 16 */
		int err = dns64_done_error(p, LDNS_RCODE_NOERROR);

		if (p->reply)
			ldns_pkt_set_edns_extended_rcode(p->reply, 1);
		return err;
	}
	return 1;
}

static int plan_query(const struct dns64_config *cfg, struct dns64_plan *p)
{
	const ldns_rr *q;
	int r;

	p->cd = ldns_pkt_cd(p->query);
	p->dnssec_ok = ldns_pkt_edns_do(p->query);
	if (ldns_pkt_qr(p->query)) {
		p->step = DNS64_STEP_DROP;
		return 0;
	}
	if ((r = plan_header_error(p)) <= 0)
		return r;
	q = ldns_rr_list_rr(ldns_pkt_question(p->query), 0);
	if (cfg->nprefix > 0 && p->synth_allowed &&
	    ldns_rr_get_class(q) == LDNS_RR_CLASS_IN) {
		if ((r = plan_dns64(cfg, p, q)) <= 0)
			return r;
	}
	return plan_plain(p, q);
}

int dns64_plan(const struct dns64_config *cfg, const ldns_pkt *query,
	       bool synth_allowed, struct dns64_plan *p)
{
	int err;

	memset(p, 0, sizeof(*p));
	p->synth_allowed = synth_allowed;
	p->query = ldns_pkt_clone(query);
	if (!p->query) {
		p->step = DNS64_STEP_DROP;
		return -ENOMEM;
	}
	err = plan_query(cfg, p);
	if (err < 0 && p->step != DNS64_STEP_DONE && p->step != DNS64_STEP_DROP)
		dns64_done_error(p, LDNS_RCODE_SERVFAIL);
	return err;
}

/* RFC 1035 §4.1.1: FORMERR keeps the ID, opcode, RD and CD we can read. */
static int plan_unparseable(struct dns64_plan *p, const uint8_t *w)
{
	ldns_pkt *r;

	p->flags |= DNS64_F_FORMERR;
	if (w[2] & 0x80) {
		p->step = DNS64_STEP_DROP;
		return 0;
	}
	r = ldns_pkt_new();
	if (!r) {
		p->step = DNS64_STEP_DROP;
		return -ENOMEM;
	}
	ldns_pkt_set_id(r, (uint16_t)(w[0] << 8 | w[1]));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_opcode(r, (ldns_pkt_opcode)((w[2] >> 3) & 0xf));
	ldns_pkt_set_rd(r, w[2] & 1);
	ldns_pkt_set_ra(r, true);
	ldns_pkt_set_cd(r, (w[3] & 0x10) != 0);
	ldns_pkt_set_rcode(r, LDNS_RCODE_FORMERR);
	p->reply = r;
	p->step = DNS64_STEP_DONE;
	return 0;
}

int dns64_plan_wire(const struct dns64_config *cfg, const uint8_t *wire,
		    size_t len, bool synth_allowed, struct dns64_plan *p)
{
	ldns_pkt *q = NULL;
	int err;

	memset(p, 0, sizeof(*p));
	p->synth_allowed = synth_allowed;
	if (len < 12) {
		p->flags |= DNS64_F_FORMERR;
		p->step = DNS64_STEP_DROP;
		return 0;
	}
	if (ldns_wire2pkt(&q, wire, len) != LDNS_STATUS_OK || !q)
		return plan_unparseable(p, wire);
	p->query = q;
	err = plan_query(cfg, p);
	if (err < 0 && p->step != DNS64_STEP_DONE && p->step != DNS64_STEP_DROP)
		dns64_done_error(p, LDNS_RCODE_SERVFAIL);
	return err;
}

int dns64_advance(const struct dns64_config *cfg, struct dns64_plan *p,
		  const struct dns64_answer *a)
{
	switch (p->step) {
	case DNS64_STEP_PLAIN:
		return dns64_after_plain(cfg, p, a);
	case DNS64_STEP_AAAA:
		return dns64_after_aaaa(cfg, p, a);
	case DNS64_STEP_A:
		return dns64_after_a(cfg, p, a);
	case DNS64_STEP_PTR:
		return dns64_after_ptr(cfg, p, a);
	default:
		return -EINVAL;
	}
}

void dns64_plan_free(struct dns64_plan *p)
{
	ldns_pkt_free(p->reply);
	ldns_pkt_free(p->query);
	ldns_pkt_free(p->aaaa);
	ldns_rdf_deep_free(p->name);
	memset(p, 0, sizeof(*p));
}
