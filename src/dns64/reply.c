/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Replies: the header a recursive server owes the client (RFC 1035 §4.1.1,
 * RFC 6147 §5.4), EDNS (RFC 6891), DNSSEC records only for DO=1 clients
 * (RFC 4035 §3.2.1), and an uncompressed wire encoding that records where
 * each TTL lies, for the cache, with truncation (RFC 2181 §9, RFC 6891 §7).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dns64/dns64_int.h"

#define DNS_HDR_LEN 12
#define DNS_MAX_MSG 65535

bool dns64_is_dnssec(const ldns_rr *rr)
{
	ldns_rr_type t = ldns_rr_get_type(rr);

	return t == LDNS_RR_TYPE_RRSIG || t == LDNS_RR_TYPE_NSEC ||
	       t == LDNS_RR_TYPE_NSEC3;
}

ldns_rr_type dns64_rrsig_covers(const ldns_rr *rr)
{
	const ldns_rdf *f;

	if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_RRSIG ||
	    ldns_rr_rd_count(rr) < 1)
		return 0;
	f = ldns_rr_rdf(rr, 0);
	if (!f || ldns_rdf_get_type(f) != LDNS_RDF_TYPE_TYPE ||
	    ldns_rdf_size(f) != 2)
		return 0;
	return ldns_rdf2rr_type(f);
}

void dns64_sync_counts(ldns_pkt *pkt)
{
	ldns_pkt_set_qdcount(pkt, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_question(pkt)));
	ldns_pkt_set_ancount(pkt, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_answer(pkt)));
	ldns_pkt_set_nscount(pkt, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_authority(pkt)));
	ldns_pkt_set_arcount(pkt, (uint16_t)ldns_rr_list_rr_count(ldns_pkt_additional(pkt)));
}

bool dns64_push_clone(ldns_pkt *pkt, ldns_pkt_section sec, const ldns_rr *rr)
{
	ldns_rr *c = ldns_rr_clone(rr);

	if (!c)
		return false;
	if (!ldns_pkt_push_rr(pkt, sec, c)) {
		ldns_rr_free(c);
		return false;
	}
	return true;
}

static bool copy_list(ldns_pkt *dst, ldns_pkt_section sec,
		      const ldns_rr_list *l)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++)
		if (!dns64_push_clone(dst, sec, ldns_rr_list_rr(l, i)))
			return false;
	return true;
}

/* A new reply holding clones of src's sections, with src's rcode. */
static ldns_pkt *copy_sections(const ldns_pkt *src)
{
	ldns_pkt *p = ldns_pkt_new();

	if (!p)
		return NULL;
	ldns_pkt_set_rcode(p, ldns_pkt_get_rcode(src));
	if (!copy_list(p, LDNS_SECTION_ANSWER, ldns_pkt_answer(src)) ||
	    !copy_list(p, LDNS_SECTION_AUTHORITY, ldns_pkt_authority(src)) ||
	    !copy_list(p, LDNS_SECTION_ADDITIONAL, ldns_pkt_additional(src))) {
		ldns_pkt_free(p);
		return NULL;
	}
	return p;
}

void dns64_move_section(ldns_pkt *dst, ldns_pkt *src, ldns_pkt_section sec)
{
	ldns_rr_list *d, *s;

	switch (sec) {
	case LDNS_SECTION_ANSWER:
		d = ldns_pkt_answer(dst);
		s = ldns_pkt_answer(src);
		ldns_pkt_set_answer(dst, s);
		ldns_pkt_set_answer(src, d);
		break;
	case LDNS_SECTION_AUTHORITY:
		d = ldns_pkt_authority(dst);
		s = ldns_pkt_authority(src);
		ldns_pkt_set_authority(dst, s);
		ldns_pkt_set_authority(src, d);
		break;
	default:
		d = ldns_pkt_additional(dst);
		s = ldns_pkt_additional(src);
		ldns_pkt_set_additional(dst, s);
		ldns_pkt_set_additional(src, d);
		break;
	}
}

/* A fresh packet, as copy_sections() makes it, so that nothing of the
 * upstream's header or EDNS carries over; only the lists move.  The owned
 * packet's counts are left stale: the caller only frees it. */
ldns_pkt *dns64_take_sections(const struct dns64_answer *a)
{
	ldns_pkt *own = answer_owned(a), *p;

	if (!own)
		return copy_sections(a->pkt);
	p = ldns_pkt_new();
	if (!p)
		return NULL;
	ldns_pkt_set_rcode(p, ldns_pkt_get_rcode(own));
	dns64_move_section(p, own, LDNS_SECTION_ANSWER);
	dns64_move_section(p, own, LDNS_SECTION_AUTHORITY);
	dns64_move_section(p, own, LDNS_SECTION_ADDITIONAL);
	return p;
}

/* RFC 4035 §3.2.1: without DO, leave out DNSSEC records not asked for. */
static void strip_dnssec(ldns_rr_list *l, ldns_rr_type qtype)
{
	size_t n = ldns_rr_list_rr_count(l), k = 0;

	for (size_t i = 0; i < n; i++) {
		ldns_rr *rr = ldns_rr_list_rr(l, i);

		if (dns64_is_dnssec(rr) && ldns_rr_get_type(rr) != qtype)
			ldns_rr_free(rr);
		else
			ldns_rr_list_set_rr(l, rr, k++);
	}
	ldns_rr_list_set_rr_count(l, k);
}

static int set_question(const ldns_pkt *query, ldns_pkt *reply)
{
	ldns_rr_list *q = ldns_rr_list_clone(ldns_pkt_question(query));

	if (!q)
		return -ENOMEM;
	ldns_rr_list_deep_free(ldns_pkt_question(reply));
	ldns_pkt_set_question(reply, q);
	return 0;
}

static void set_edns(const ldns_pkt *query, ldns_pkt *reply)
{
	ldns_pkt_set_edns_version(reply, 0);
	ldns_pkt_set_edns_z(reply, 0);
	if (ldns_pkt_edns(query)) {
		ldns_pkt_set_edns_udp_size(reply, DNS64_EDNS_UDP_SIZE);
		ldns_pkt_set_edns_do(reply, ldns_pkt_edns_do(query));
	} else {
		ldns_pkt_set_edns_udp_size(reply, 0);
		ldns_pkt_set_edns_do(reply, false);
		ldns_pkt_set_edns_extended_rcode(reply, 0);
	}
}

int dns64_reply_finish(const ldns_pkt *query, ldns_pkt *reply)
{
	ldns_rr_type qtype = 0;

	if (set_question(query, reply) != 0)
		return -ENOMEM;
	if (ldns_rr_list_rr_count(ldns_pkt_question(query)) == 1)
		qtype = ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_question(query), 0));
	ldns_pkt_set_id(reply, ldns_pkt_id(query));
	ldns_pkt_set_qr(reply, true);
	ldns_pkt_set_opcode(reply, ldns_pkt_get_opcode(query));
	ldns_pkt_set_aa(reply, false);
	ldns_pkt_set_tc(reply, false);
	ldns_pkt_set_rd(reply, ldns_pkt_rd(query));
	ldns_pkt_set_ra(reply, true);
	ldns_pkt_set_cd(reply, ldns_pkt_cd(query));
	set_edns(query, reply);
	if (!ldns_pkt_edns_do(query)) {
		strip_dnssec(ldns_pkt_answer(reply), qtype);
		strip_dnssec(ldns_pkt_authority(reply), qtype);
		strip_dnssec(ldns_pkt_additional(reply), qtype);
	}
	dns64_sync_counts(reply);
	return 0;
}

ldns_pkt *dns64_reply_error(const ldns_pkt *query, ldns_pkt_rcode rcode)
{
	ldns_pkt *r = ldns_pkt_new();

	if (!r)
		return NULL;
	ldns_pkt_set_rcode(r, (uint8_t)rcode);
	if (dns64_reply_finish(query, r) != 0) {
		ldns_pkt_free(r);
		return NULL;
	}
	return r;
}

size_t dns64_query_udp_max(const ldns_pkt *query)
{
	size_t n = ldns_pkt_edns(query) ? ldns_pkt_edns_udp_size(query) : 0;

	return n < 512 ? 512 : n;
}

/* ------------------------------------------------------------------ */
/* Encoding. */

static uint16_t hdr_flags(const ldns_pkt *p, bool tc)
{
	return (uint16_t)((ldns_pkt_qr(p) ? 0x8000 : 0) |
			  ((ldns_pkt_get_opcode(p) & 0xf) << 11) |
			  (ldns_pkt_aa(p) ? 0x0400 : 0) | (tc ? 0x0200 : 0) |
			  (ldns_pkt_rd(p) ? 0x0100 : 0) |
			  (ldns_pkt_ra(p) ? 0x0080 : 0) |
			  (ldns_pkt_ad(p) ? 0x0020 : 0) |
			  (ldns_pkt_cd(p) ? 0x0010 : 0) |
			  (ldns_pkt_get_rcode(p) & 0xf));
}

/* ldns_buffer_write_*() assert room rather than grow: reserve first. */
static bool room(ldns_buffer *b, size_t n)
{
	return ldns_buffer_status_ok(b) && ldns_buffer_reserve(b, n);
}

static bool put_header(ldns_buffer *b, const ldns_pkt *p, bool tc)
{
	if (!room(b, DNS_HDR_LEN))
		return false;
	ldns_buffer_write_u16(b, ldns_pkt_id(p));
	ldns_buffer_write_u16(b, hdr_flags(p, tc));
	ldns_buffer_write_u16(b, 0); /* counts: patched at the end */
	ldns_buffer_write_u16(b, 0);
	ldns_buffer_write_u16(b, 0);
	ldns_buffer_write_u16(b, 0);
	return true;
}

/* RFC 6891 §6.1.2/§6.1.3: owner root, class = UDP size, TTL = extended
 * rcode, version, DO; no options. */
static bool put_opt(ldns_buffer *b, const ldns_pkt *p)
{
	uint32_t ttl = ((uint32_t)ldns_pkt_edns_extended_rcode(p) << 24) |
		       ((uint32_t)ldns_pkt_edns_version(p) << 16) |
		       (ldns_pkt_edns_do(p) ? 0x8000u : 0);

	if (!room(b, 11))
		return false;
	ldns_buffer_write_u8(b, 0);
	ldns_buffer_write_u16(b, LDNS_RR_TYPE_OPT);
	ldns_buffer_write_u16(b, ldns_pkt_edns_udp_size(p));
	ldns_buffer_write_u32(b, ttl);
	ldns_buffer_write_u16(b, 0);
	return true;
}

/* Negative-caching lifetime of a SOA: min(TTL, MINIMUM), RFC 2308 §5. */
static uint32_t rr_cache_ttl(const ldns_rr *rr)
{
	uint32_t t = ldns_rr_ttl(rr);

	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA && ldns_rr_rd_count(rr) == 7) {
		const ldns_rdf *m = ldns_rr_rdf(rr, 6);

		if (m && ldns_rdf_size(m) == 4 && ldns_rdf2native_int32(m) < t)
			t = ldns_rdf2native_int32(m);
	}
	return t;
}

static int put_section(ldns_buffer *b, const ldns_rr_list *l, int sec,
		       struct dns64_wire *w)
{
	for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
		const ldns_rr *rr = ldns_rr_list_rr(l, i);
		size_t at = ldns_buffer_position(b);

		if (ldns_rr2buffer_wire(b, rr, sec) != LDNS_STATUS_OK)
			return -ENOMEM;
		if (sec == LDNS_SECTION_QUESTION)
			continue;
		at += ldns_rdf_size(ldns_rr_owner(rr)) + 4;
		if (!ldns_buffer_status_ok(b) || at + 4 > ldns_buffer_position(b))
			return -ENOMEM;
		if (at + 4 > DNS_MAX_MSG)
			return -EMSGSIZE;
		/* The offset is ours to patch later: make sure it is the TTL. */
		if (ldns_buffer_read_u32_at(b, at) != ldns_rr_ttl(rr))
			return -EINVAL;
		w->ttl_off[w->nttl++] = (uint16_t)at;
		if (rr_cache_ttl(rr) < w->min_ttl)
			w->min_ttl = rr_cache_ttl(rr);
	}
	return 0;
}

static int finish_buf(ldns_buffer *b, struct dns64_wire *w, size_t counts[4])
{
	size_t len = ldns_buffer_position(b);

	if (!ldns_buffer_status_ok(b))
		return -ENOMEM;
	if (len > DNS_MAX_MSG)
		return -EMSGSIZE;
	for (int i = 0; i < 4; i++)
		ldns_buffer_write_u16_at(b, 4 + 2 * i, (uint16_t)counts[i]);
	/* The buffer's storage becomes w->buf (malloc()ed by ldns, so
	 * free() releases it): no second allocation and copy. */
	w->buf = ldns_buffer_export(b);
	w->len = len;
	return 0;
}

static int encode_full(const ldns_pkt *r, struct dns64_wire *w)
{
	size_t counts[4] = {
		ldns_rr_list_rr_count(ldns_pkt_question(r)),
		ldns_rr_list_rr_count(ldns_pkt_answer(r)),
		ldns_rr_list_rr_count(ldns_pkt_authority(r)),
		ldns_rr_list_rr_count(ldns_pkt_additional(r)),
	};
	size_t nrr = counts[1] + counts[2] + counts[3];
	ldns_buffer *b;
	int err;

	if (counts[0] > 0xffff || counts[1] > 0xffff || counts[2] > 0xffff ||
	    counts[3] >= 0xffff)
		return -EMSGSIZE;
	w->ttl_off = malloc((nrr ? nrr : 1) * sizeof(*w->ttl_off));
	b = ldns_buffer_new(512);
	if (!w->ttl_off || !b) {
		err = -ENOMEM;
		goto out;
	}
	w->min_ttl = UINT32_MAX;
	if (!put_header(b, r, false)) {
		err = -ENOMEM;
		goto out;
	}
	if ((err = put_section(b, ldns_pkt_question(r), LDNS_SECTION_QUESTION, w)) ||
	    (err = put_section(b, ldns_pkt_answer(r), LDNS_SECTION_ANSWER, w)) ||
	    (err = put_section(b, ldns_pkt_authority(r), LDNS_SECTION_AUTHORITY, w)) ||
	    (err = put_section(b, ldns_pkt_additional(r), LDNS_SECTION_ADDITIONAL, w)))
		goto out;
	if (ldns_pkt_edns(r)) {
		if (!put_opt(b, r)) {
			err = -ENOMEM;
			goto out;
		}
		counts[3]++;
	}
	if (w->nttl == 0)
		w->min_ttl = 0;
	err = finish_buf(b, w, counts);
out:
	ldns_buffer_free(b);
	return err;
}

static int encode_truncated(const ldns_pkt *r, struct dns64_wire *w)
{
	size_t counts[4] = { ldns_rr_list_rr_count(ldns_pkt_question(r)), 0, 0, 0 };
	ldns_buffer *b = ldns_buffer_new(512);
	int err;

	if (!b)
		return -ENOMEM;
	err = put_header(b, r, true) ? 0 : -ENOMEM;
	if (!err)
		err = put_section(b, ldns_pkt_question(r), LDNS_SECTION_QUESTION, w);
	if (!err && ldns_pkt_edns(r)) {
		err = put_opt(b, r) ? 0 : -ENOMEM;
		counts[3] = 1;
	}
	if (!err)
		err = finish_buf(b, w, counts);
	ldns_buffer_free(b);
	w->truncated = true;
	w->nttl = 0;
	w->min_ttl = 0;
	return err;
}

int dns64_reply_encode(const ldns_pkt *reply, size_t max,
		       struct dns64_wire *w)
{
	int err;

	memset(w, 0, sizeof(*w));
	if (max > DNS_MAX_MSG)
		max = DNS_MAX_MSG;
	err = encode_full(reply, w);
	if (err == 0 && w->len <= max)
		return 0;
	if (err != 0 && err != -EMSGSIZE)
		goto fail;
	dns64_wire_free(w);
	err = encode_truncated(reply, w);
	if (err == 0 && w->len > max)
		err = -EMSGSIZE;
	if (err == 0)
		return 0;
fail:
	dns64_wire_free(w);
	return err;
}

void dns64_wire_free(struct dns64_wire *w)
{
	free(w->buf);
	free(w->ttl_off);
	memset(w, 0, sizeof(*w));
}
