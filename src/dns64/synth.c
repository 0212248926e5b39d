/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The synthesis steps after each upstream answer: RFC 6147 §5.1.1–§5.1.7
 * (when to synthesise, exclusions, CNAME/DNAME chains, the synthetic AAAA
 * and its TTL), §5.3.1 strategy (2) (PTR through a CNAME into
 * in-addr.arpa), §5.3.2–§5.4 (sections of the reply) and §5.5 (DNSSEC:
 * AD, SERVFAIL for bogus data).
 */
#include <errno.h>
#include <string.h>

#include "dns64/dns64_int.h"

#define DNAME_MAX 255

static bool is_secure(const struct dns64_answer *a)
{
	return a->sec == DNS64_SEC_SECURE;
}

/* §5.5 item 2: bogus data with CD=0 is SERVFAIL (CD=1: the client checks). */
static bool bogus(const struct dns64_plan *p, const struct dns64_answer *a)
{
	return a->pkt && a->sec == DNS64_SEC_BOGUS && !p->cd;
}

static int fail_bogus(struct dns64_plan *p)
{
	p->flags |= DNS64_F_BOGUS;
	return dns64_done_error(p, LDNS_RCODE_SERVFAIL);
}

static int fail_upstream(struct dns64_plan *p)
{
	p->flags |= DNS64_F_UPFAIL;
	return dns64_done_error(p, LDNS_RCODE_SERVFAIL);
}

static uint32_t min32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Wire length of the first k labels of name (no root), or 0. */
static size_t labels_len(const ldns_rdf *name, size_t k)
{
	const uint8_t *d = ldns_rdf_data(name);
	size_t n = ldns_rdf_size(name), at = 0;

	while (k-- > 0) {
		if (at >= n || d[at] == 0 || d[at] > 63)
			return 0;
		at += 1 + (size_t)d[at];
	}
	return at <= n ? at : 0;
}

/* RFC 6672 §2.2: the DNAME substitution of name (a strict subdomain of
 * the DNAME owner), or NULL when the result is too long or on ENOMEM. */
static ldns_rdf *dname_subst(const ldns_rdf *name, const ldns_rr *dname)
{
	const ldns_rdf *owner = ldns_rr_owner(dname);
	const ldns_rdf *target = ldns_rr_rdf(dname, 0);
	size_t keep = labels_len(name, ldns_dname_label_count(name) -
				       ldns_dname_label_count(owner));
	uint8_t buf[DNAME_MAX + 1];

	if (!target || ldns_rdf_get_type(target) != LDNS_RDF_TYPE_DNAME ||
	    keep == 0 || keep + ldns_rdf_size(target) > DNAME_MAX)
		return NULL;
	memcpy(buf, ldns_rdf_data(name), keep);
	memcpy(buf + keep, ldns_rdf_data(target), ldns_rdf_size(target));
	return ldns_dname_new_frm_data((uint16_t)(keep + ldns_rdf_size(target)), buf);
}

/* One link of the chain from cur, or NULL when the chain ends there. */
static ldns_rdf *chain_next(const ldns_rr_list *ans, const ldns_rdf *cur)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);
		const ldns_rdf *t = ldns_rr_rdf(rr, 0);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && t &&
		    ldns_rdf_get_type(t) == LDNS_RDF_TYPE_DNAME &&
		    ldns_dname_compare(ldns_rr_owner(rr), cur) == 0)
			return ldns_rdf_clone(t);
	}
	for (size_t i = 0; i < ldns_rr_list_rr_count(ans); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(ans, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNAME &&
		    ldns_dname_is_subdomain(cur, ldns_rr_owner(rr)))
			return dname_subst(cur, rr);
	}
	return NULL;
}

/* RFC 6147 §5.1.5: the final name of the CNAME/DNAME chain from qname.
 * Loops end after as many links as there are records. */
static ldns_rdf *chain_end(const ldns_pkt *pkt, const ldns_rdf *qname)
{
	const ldns_rr_list *ans = ldns_pkt_answer(pkt);
	ldns_rdf *cur = ldns_rdf_clone(qname), *next;

	for (size_t i = 0; cur && i <= ldns_rr_list_rr_count(ans); i++) {
		next = chain_next(ans, cur);
		if (!next)
			break;
		ldns_rdf_deep_free(cur);
		cur = next;
	}
	return cur;
}

bool dns64_soa_ttl(const ldns_pkt *pkt, uint32_t *ttl)
{
	const ldns_rr_list *l = ldns_pkt_authority(pkt);

	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);
		const ldns_rdf *m;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA ||
		    ldns_rr_rd_count(rr) != 7)
			continue;
		m = ldns_rr_rdf(rr, 6);
		*ttl = ldns_rr_ttl(rr);
		if (m && ldns_rdf_size(m) == 4)
			*ttl = min32(*ttl, ldns_rdf2native_int32(m));
		return true;
	}
	return false;
}

static const ldns_rdf *qname_of(const struct dns64_plan *p)
{
	return ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(p->query), 0));
}

static bool aaaa_excluded(const struct dns64_config *cfg, const ldns_rr *rr)
{
	const ldns_rdf *d = ldns_rr_rdf(rr, 0);

	return d && ldns_rdf_size(d) == 16 &&
	       dns64_excluded(cfg, (const struct in6_addr *)ldns_rdf_data(d));
}

/* §5.1.4: remove excluded AAAA from the answer section; how many AAAA
 * remain, *removed how many went. */
static size_t drop_excluded(const struct dns64_config *cfg, ldns_pkt *pkt,
			    size_t *removed)
{
	ldns_rr_list *l = ldns_pkt_answer(pkt);
	size_t n = ldns_rr_list_rr_count(l), k = 0, left = 0;

	*removed = 0;
	for (size_t i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);

		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA) {
			if (aaaa_excluded(cfg, rr)) {
				ldns_rr_free(rr);
				(*removed)++;
				continue;
			}
			left++;
		}
		ldns_rr_list_set_rr(l, rr, k++);
	}
	ldns_rr_list_set_rr_count(l, k);
	dns64_sync_counts(pkt);
	return left;
}

/* An answer relayed as the upstream gave it: AD when validated secure and
 * the client set DO (§5.5 item 1: never with DO=0). */
static int relay(struct dns64_plan *p, const struct dns64_answer *a,
		 ldns_pkt *r, bool modified)
{
	ldns_pkt_rcode rc = ldns_pkt_get_rcode(a->pkt);

	ldns_pkt_set_ad(r, is_secure(a) && p->dnssec_ok && !modified);
	if (rc == LDNS_RCODE_NOERROR || rc == LDNS_RCODE_NXDOMAIN)
		p->flags |= DNS64_F_CACHEABLE;
	return dns64_done(p, r);
}

int dns64_after_plain(const struct dns64_config *cfg, struct dns64_plan *p,
		      const struct dns64_answer *a)
{
	ldns_pkt *r;

	if (p->step != DNS64_STEP_PLAIN)
		return -EINVAL;
	if (!a->pkt)
		return fail_upstream(p);
	if (bogus(p, a))
		return fail_bogus(p);
	r = dns64_take_sections(a);
	if (!r)
		return dns64_done_error(p, LDNS_RCODE_SERVFAIL);
	return relay(p, a, r, false);
}

/* Empty AAAA (§5.1.2, §5.1.3, §5.1.6): ask A for the chain's end. */
static int ask_a(struct dns64_plan *p, ldns_pkt *aaaa, bool secure)
{
	ldns_rdf *end = aaaa ? chain_end(aaaa, qname_of(p))
			     : ldns_rdf_clone(qname_of(p));

	if (!end) {
		ldns_pkt_free(aaaa);
		return dns64_done_error(p, LDNS_RCODE_SERVFAIL);
	}
	ldns_pkt_free(p->aaaa);
	p->aaaa = aaaa;
	p->aaaa_secure = secure;
	p->aaaa_soa = aaaa && dns64_soa_ttl(aaaa, &p->soa_ttl);
	dns64_next(p, DNS64_STEP_A, end, LDNS_RR_TYPE_A);
	return 0;
}

int dns64_after_aaaa(const struct dns64_config *cfg, struct dns64_plan *p,
		     const struct dns64_answer *a)
{
	ldns_pkt_rcode rc;
	ldns_pkt *r;
	size_t removed;

	if (p->step != DNS64_STEP_AAAA)
		return -EINVAL;
	if (!a->pkt) {
		p->flags |= DNS64_F_UPFAIL; /* §5.1.3: as RCODE 2, so empty */
		return ask_a(p, NULL, false);
	}
	if (bogus(p, a))
		return fail_bogus(p);
	rc = ldns_pkt_get_rcode(a->pkt);
	if (rc != LDNS_RCODE_NOERROR && rc != LDNS_RCODE_NXDOMAIN) {
		/* §5.1.2; counted as a failure, and the result is not
		 * cached: a real AAAA may be behind a passing error. */
		p->flags |= DNS64_F_UPFAIL;
		return ask_a(p, NULL, false);
	}
	r = dns64_take_sections(a);
	if (!r)
		return dns64_done_error(p, LDNS_RCODE_SERVFAIL);
	if (rc == LDNS_RCODE_NXDOMAIN)
		return relay(p, a, r, false);
	if (drop_excluded(cfg, r, &removed) > 0)
		return relay(p, a, r, removed > 0); /* §5.1.1, §5.1.4 */
	return ask_a(p, r, is_secure(a));
}

/* ------------------------------------------------------------------ */
/* §5.1.6, §5.1.7, §5.4 */

static bool is_chain_rr(const ldns_rr *rr)
{
	ldns_rr_type t = ldns_rr_get_type(rr);
	ldns_rr_type c = dns64_rrsig_covers(rr);

	return t == LDNS_RR_TYPE_CNAME || t == LDNS_RR_TYPE_DNAME ||
	       c == LDNS_RR_TYPE_CNAME || c == LDNS_RR_TYPE_DNAME;
}

static bool in_list(const ldns_rr_list *l, const ldns_rr *rr)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (ldns_rr_compare(ldns_rr_list_rr(l, i), rr) == 0)
			return true;
	return false;
}

/* The AAAA answer's chain, then the A answer's chain records not in it. */
static bool push_chain(ldns_pkt *r, const ldns_pkt *aaaa, const ldns_pkt *a)
{
	const ldns_rr_list *l;

	if (aaaa) {
		l = ldns_pkt_answer(aaaa);
		for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
			if (is_chain_rr(ldns_rr_list_rr(l, i)) &&
			    !dns64_push_clone(r, LDNS_SECTION_ANSWER, ldns_rr_list_rr(l, i)))
				return false;
	}
	l = ldns_pkt_answer(a);
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);

		if (is_chain_rr(rr) && !in_list(ldns_pkt_answer(r), rr) &&
		    !dns64_push_clone(r, LDNS_SECTION_ANSWER, rr))
			return false;
	}
	return true;
}

static bool a_v4(const ldns_rr *rr, uint32_t *v4)
{
	const ldns_rdf *d = ldns_rr_rdf(rr, 0);
	const uint8_t *b;

	if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_A ||
	    ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN || !d ||
	    ldns_rdf_size(d) != 4)
		return false;
	b = ldns_rdf_data(d);
	*v4 = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	      (uint32_t)b[2] << 8 | b[3];
	return true;
}

/* §5.1.7: one AAAA per A; returns how many, or -ENOMEM; *na = A count. */
static int push_synth(const struct dns64_config *cfg,
		      const struct dns64_plan *p, ldns_pkt *r,
		      const ldns_pkt *apkt, size_t *na)
{
	const ldns_rr_list *l = ldns_pkt_answer(apkt);
	uint32_t cap = p->aaaa_soa ? p->soa_ttl : cfg->ttl_cap;
	int n = 0;

	*na = 0;
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);
		const struct pref64 *pf;
		struct in6_addr a6;
		ldns_rdf *d, *o;
		ldns_rr *s;
		uint32_t v4;

		if (!a_v4(rr, &v4))
			continue;
		(*na)++;
		if (!(pf = dns64_prefix_for(cfg, v4)))
			continue;
		addr_embed(pf, v4, &a6);
		s = ldns_rr_new();
		d = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16, a6.s6_addr);
		o = ldns_rdf_clone(ldns_rr_owner(rr));
		if (!s || !d || !o) {
			ldns_rr_free(s);
			ldns_rdf_deep_free(d);
			ldns_rdf_deep_free(o);
			return -ENOMEM;
		}
		ldns_rr_set_owner(s, o);
		ldns_rr_set_type(s, LDNS_RR_TYPE_AAAA);
		ldns_rr_set_class(s, LDNS_RR_CLASS_IN);
		ldns_rr_set_ttl(s, min32(ldns_rr_ttl(rr), cap));
		ldns_rr_push_rdf(s, d);
		if (!ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, s)) {
			ldns_rr_free(s);
			return -ENOMEM;
		}
		n++;
	}
	return n;
}

static bool push_section(ldns_pkt *r, ldns_pkt_section sec,
			 const ldns_rr_list *l)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (!dns64_push_clone(r, sec, ldns_rr_list_rr(l, i)))
			return false;
	return true;
}

/* Authority and additional (§5.3.2, §5.4): the final query's, except for
 * a NODATA made by refusing every A, which takes the AAAA answer's (it
 * holds the SOA of the negative answer). */
static bool push_tail(ldns_pkt *r, const struct dns64_plan *p,
		      const struct dns64_answer *a, bool refused)
{
	const ldns_pkt *apkt = a->pkt;
	const ldns_pkt *auth = refused && p->aaaa ? p->aaaa : apkt;
	ldns_pkt *own = answer_owned(a);

	if (own) {
		/* r's authority and additional are still empty */
		dns64_move_section(r, own, LDNS_SECTION_ADDITIONAL);
		if (auth == apkt) {
			dns64_move_section(r, own, LDNS_SECTION_AUTHORITY);
			return true;
		}
		return push_section(r, LDNS_SECTION_AUTHORITY,
				    ldns_pkt_authority(auth));
	}
	return push_section(r, LDNS_SECTION_AUTHORITY, ldns_pkt_authority(auth)) &&
	       push_section(r, LDNS_SECTION_ADDITIONAL, ldns_pkt_additional(apkt));
}

int dns64_after_a(const struct dns64_config *cfg, struct dns64_plan *p,
		  const struct dns64_answer *a)
{
	ldns_pkt_rcode rc;
	ldns_pkt *r;
	size_t na;
	int n = 0;

	if (p->step != DNS64_STEP_A)
		return -EINVAL;
	if (!a->pkt)
		return fail_upstream(p); /* §5.1.6: the failure is the answer */
	if (bogus(p, a))
		return fail_bogus(p);
	rc = ldns_pkt_get_rcode(a->pkt);
	r = ldns_pkt_new();
	if (!r)
		return dns64_done_error(p, LDNS_RCODE_SERVFAIL);
	ldns_pkt_set_rcode(r, (uint8_t)rc);
	if (!push_chain(r, p->aaaa, a->pkt))
		goto nomem;
	na = 0;
	if (rc == LDNS_RCODE_NOERROR && (n = push_synth(cfg, p, r, a->pkt, &na)) < 0)
		goto nomem;
	if (!push_tail(r, p, a, na > 0 && n == 0))
		goto nomem;
	/* §5.5: AD on synthesised data only with CD=0, DO=1 and both
	 * answers secure; CD=1, DO=0 never (PROJECT). */
	ldns_pkt_set_ad(r, p->dnssec_ok && !p->cd && p->aaaa_secure &&
			   is_secure(a));
	if (n > 0)
		p->flags |= DNS64_F_SYNTH;
	if ((rc == LDNS_RCODE_NOERROR || rc == LDNS_RCODE_NXDOMAIN) &&
	    !(p->flags & DNS64_F_UPFAIL))
		p->flags |= DNS64_F_CACHEABLE;
	return dns64_done(p, r);
nomem:
	ldns_pkt_free(r);
	return dns64_done_error(p, LDNS_RCODE_SERVFAIL);
}

/* ------------------------------------------------------------------ */
/* §5.3.1 strategy (2) */

static ldns_rr *ptr_cname(const ldns_rdf *owner, const ldns_rdf *target,
			  uint32_t ttl)
{
	ldns_rr *rr = ldns_rr_new();
	ldns_rdf *o = ldns_rdf_clone(owner), *t = ldns_rdf_clone(target);

	if (!rr || !o || !t) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(o);
		ldns_rdf_deep_free(t);
		return NULL;
	}
	ldns_rr_set_owner(rr, o);
	ldns_rr_set_type(rr, LDNS_RR_TYPE_CNAME);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, ttl);
	ldns_rr_push_rdf(rr, t);
	return rr;
}

/* The PTR RRset at the target (with its RRSIGs) into r; how many PTR,
 * 0 when the target is a CNAME.  *ttl = the RRset's smallest TTL. */
static size_t ptr_rrset(const ldns_pkt *up, const ldns_rdf *target,
			ldns_rr_list *out, uint32_t *ttl)
{
	const ldns_rr_list *l = ldns_pkt_answer(up);
	size_t n = 0;

	*ttl = UINT32_MAX;
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);
		ldns_rr_type t = ldns_rr_get_type(rr);

		if (ldns_dname_compare(ldns_rr_owner(rr), target) != 0)
			continue;
		if (t == LDNS_RR_TYPE_CNAME)
			return 0;
		if (t == LDNS_RR_TYPE_PTR) {
			n++;
			*ttl = min32(*ttl, ldns_rr_ttl(rr));
		}
		if (t == LDNS_RR_TYPE_PTR || dns64_rrsig_covers(rr) == LDNS_RR_TYPE_PTR)
			ldns_rr_list_push_rr(out, rr);
	}
	return n;
}

int dns64_after_ptr(const struct dns64_config *cfg, struct dns64_plan *p,
		    const struct dns64_answer *a)
{
	ldns_rr_list *set;
	ldns_rr *cname;
	ldns_pkt *r;
	uint32_t ttl;
	size_t n = 0;

	if (p->step != DNS64_STEP_PTR)
		return -EINVAL;
	if (!a->pkt)
		return fail_upstream(p);
	if (bogus(p, a))
		return fail_bogus(p);
	set = ldns_rr_list_new();
	r = ldns_pkt_new();
	if (!set || !r)
		goto nomem;
	ldns_pkt_set_rcode(r, ldns_pkt_get_rcode(a->pkt));
	if (ldns_pkt_get_rcode(a->pkt) == LDNS_RCODE_NOERROR)
		n = ptr_rrset(a->pkt, p->name, set, &ttl);
	if (n > 0) {
		cname = ptr_cname(qname_of(p), p->name, ttl);
		if (!cname || !ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, cname)) {
			ldns_rr_free(cname);
			goto nomem;
		}
		if (!push_section(r, LDNS_SECTION_ANSWER, set) ||
		    !push_section(r, LDNS_SECTION_AUTHORITY, ldns_pkt_authority(a->pkt)) ||
		    !push_section(r, LDNS_SECTION_ADDITIONAL, ldns_pkt_additional(a->pkt)))
			goto nomem;
		p->flags |= DNS64_F_SYNTH | DNS64_F_CACHEABLE;
	}
	ldns_rr_list_free(set); /* borrowed records: the list only */
	return dns64_done(p, r);
nomem:
	ldns_rr_list_free(set);
	ldns_pkt_free(r);
	return dns64_done_error(p, LDNS_RCODE_SERVFAIL);
}
