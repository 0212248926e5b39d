/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers shared by the DNS64 logic files; not part of the API. */
#ifndef SIXGATE_DNS64_INT_H
#define SIXGATE_DNS64_INT_H

#include "dns64/dns64.h"

/* a->own when the caller handed a->pkt over (its sections may be moved
 * out), else NULL. */
static inline ldns_pkt *answer_owned(const struct dns64_answer *a)
{
	return a->own && a->own == a->pkt ? a->own : NULL;
}
/* A new reply with a->pkt's rcode and its three sections: moved out of an
 * owned answer (left with empty sections, its header counts stale),
 * cloned otherwise.  NULL on ENOMEM. */
ldns_pkt *dns64_take_sections(const struct dns64_answer *a);
/* Swap the lists of section sec (ANSWER, AUTHORITY or ADDITIONAL) of dst
 * and src: moves src's records into an empty dst section.  Counts are
 * left to dns64_sync_counts(). */
void dns64_move_section(ldns_pkt *dst, ldns_pkt *src, ldns_pkt_section sec);
/* Clone rr onto the end of sec; false on ENOMEM. */
bool dns64_push_clone(ldns_pkt *pkt, ldns_pkt_section sec, const ldns_rr *rr);
/* Make the section counts agree with the lists. */
void dns64_sync_counts(ldns_pkt *pkt);
/* Finish reply for p's query and end the plan with it (takes reply). */
int dns64_done(struct dns64_plan *p, ldns_pkt *reply);
/* End the plan with an error reply (SERVFAIL...); -ENOMEM if even that
 * cannot be built (the plan then says DROP). */
int dns64_done_error(struct dns64_plan *p, ldns_pkt_rcode rcode);
/* Resolve next: owns name. */
void dns64_next(struct dns64_plan *p, enum dns64_step step, ldns_rdf *name,
		ldns_rr_type t);
/* The SOA TTL of the negative answer (RFC 2308 §5: min(TTL, MINIMUM)). */
bool dns64_soa_ttl(const ldns_pkt *pkt, uint32_t *ttl);
/* Is rr a DNSSEC record (RRSIG, NSEC, NSEC3)? */
bool dns64_is_dnssec(const ldns_rr *rr);
/* The type an RRSIG covers, 0 for other records. */
ldns_rr_type dns64_rrsig_covers(const ldns_rr *rr);

#endif
