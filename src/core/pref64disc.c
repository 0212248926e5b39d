/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAT64 prefix discovery, client side, pure part.
 *
 *   RFC 8781 §4     PREF64 option: Length 2, Scaled Lifetime, PLC, prefix
 *   RFC 8781 §4.1   lifetime x 8 on receipt; sender rounding rules
 *   RFC 8781 §5/5.1 several prefixes, one source, RA before RFC 7050
 *   RFC 4861 §6.1.2 RA validity: code 0, length >= 16, no zero-length option
 *   RFC 7050 §3     well-known addresses at the RFC 6052 §2.2 positions,
 *                   order and dedup, re-query 10 s before the TTL, negative
 *                   answers wait their TTL
 *   RFC 2308 §5     negative TTL = min(SOA TTL, SOA MINIMUM)
 *
 * Untrusted bytes (RAs, DNS messages) are read only through core/wire.h.
 */
#include <errno.h>
#include <string.h>

#include "pref64disc.h"
#include "wire.h"

#define RA_HDR_LEN 16 /* type, code, cksum, hop, flags, lifetime, 2 timers */

/* RFC 8781 §4: PLC 0..5 = /96, /64, /56, /48, /40, /32. */
static const uint8_t plc_len[6] = { 96, 64, 56, 48, 40, 32 };

int pref64disc_plc_to_len(unsigned plc)
{
	return plc < 6 ? plc_len[plc] : -EINVAL;
}

int pref64disc_len_to_plc(unsigned len)
{
	for (unsigned i = 0; i < 6; i++)
		if (plc_len[i] == len)
			return (int)i;
	return -EINVAL;
}

int pref64disc_opt_decode(const uint8_t opt[PREF64DISC_OPT_LEN],
			  struct pref64disc_opt *o)
{
	struct wire w;

	wire_init(&w, opt, PREF64DISC_OPT_LEN);
	(void)wire_u8(&w); /* type, the caller matched it */
	uint8_t len8 = wire_u8(&w);
	uint16_t sl_plc = wire_u16(&w);
	const uint8_t *bits = wire_take(&w, 12);
	int plen = pref64disc_plc_to_len(sl_plc & 7);

	if (w.err || len8 != 2 || plen < 0)
		return -EINVAL;
	memset(o, 0, sizeof(*o));
	memcpy(o->p.prefix.s6_addr, bits, 12);
	o->p.len = (uint8_t)plen;
	/* RFC 8781 §4: the receiver ignores the bits past the length. */
	addr6_prefix(&o->p.prefix, o->p.len, &o->p.prefix);
	o->lifetime = (uint32_t)(sl_plc >> 3) * 8;
	return 0;
}

static void ra_add(struct pref64disc_ra *ra, const uint8_t *opt)
{
	struct pref64disc_opt o;

	if (pref64disc_opt_decode(opt, &o) < 0)
		ra->ignored++;
	else if (ra->n == PREF64DISC_MAX)
		ra->dropped++;
	else
		ra->opt[ra->n++] = o;
}

/* RFC 4861 §6.1.2: one zero-length option makes the whole RA invalid. */
static int ra_options(struct wire *w, struct pref64disc_ra *ra)
{
	while (wire_avail(w) > 0) {
		uint8_t type = wire_peek8(w, w->off);
		uint8_t len8 = wire_peek8(w, w->off + 1);

		if (w->err || len8 == 0)
			return -EBADMSG;
		const uint8_t *opt = wire_take(w, (size_t)len8 * 8);
		if (!opt)
			return -EBADMSG;
		if (type != PREF64DISC_OPT_PREF64)
			continue;
		if (len8 != 2) {
			ra->ignored++; /* RFC 8781 §4: MUST ignore */
			continue;
		}
		ra_add(ra, opt);
	}
	return 0;
}

int pref64disc_ra_parse(const uint8_t *icmp, size_t len,
			struct pref64disc_ra *ra)
{
	struct wire w;
	int rc;

	memset(ra, 0, sizeof(*ra));
	wire_init(&w, icmp, len);
	uint8_t type = wire_u8(&w);
	uint8_t code = wire_u8(&w);
	wire_skip(&w, 4); /* checksum, cur hop limit, flags */
	ra->router_lifetime = wire_u16(&w);
	wire_skip(&w, 8); /* reachable time, retrans timer */
	if (w.err || type != PREF64DISC_ND_RA || code != 0)
		return -EINVAL;
	rc = ra_options(&w, ra);
	if (rc < 0) {
		uint16_t rl = ra->router_lifetime;
		memset(ra, 0, sizeof(*ra));
		ra->router_lifetime = rl;
	}
	return rc;
}

uint16_t pref64disc_scaled_lifetime(uint32_t seconds)
{
	if (seconds == 0)
		return 0;
	if (seconds >= PREF64DISC_MAX_LIFETIME)
		return 8191;
	/* Round up to a multiple of 8; 1..7 s becomes 1 unit. */
	return (uint16_t)((seconds + 7) / 8);
}

uint16_t pref64disc_default_scaled(uint32_t max_rtr_adv_interval)
{
	uint64_t v = (uint64_t)max_rtr_adv_interval * 3 / 8;

	return v > 8191 ? 8191 : (uint16_t)v;
}

int pref64disc_opt_encode(const struct pref64 *p, uint32_t lifetime,
			  uint8_t out[PREF64DISC_OPT_LEN])
{
	int plc = pref64disc_len_to_plc(p->len);
	struct in6_addr a = p->prefix;

	if (plc < 0)
		return -EINVAL;
	addr6_prefix(&a, p->len, &a);
	out[0] = PREF64DISC_OPT_PREF64;
	out[1] = 2; /* RFC 8781 §4: the sender MUST set 2 */
	put16(out + 2, (uint16_t)(pref64disc_scaled_lifetime(lifetime) << 3 |
				  (unsigned)plc));
	memcpy(out + 4, a.s6_addr, 12);
	return 0;
}

/* ---- RFC 7050 §3 */

/* Where RFC 6052 §2.2 puts the four IPv4 bytes, skipping the u-octet. */
static const struct {
	uint8_t len;
	uint8_t off[4];
} wka_pos[6] = {
	{ 32, { 4, 5, 6, 7 } },   { 40, { 5, 6, 7, 9 } },
	{ 48, { 6, 7, 9, 10 } },  { 56, { 7, 9, 10, 11 } },
	{ 64, { 9, 10, 11, 12 } }, { 96, { 12, 13, 14, 15 } },
};

static bool bytes_at(const uint8_t *b, const uint8_t off[4], uint32_t v)
{
	return b[off[0]] == (uint8_t)(v >> 24) &&
	       b[off[1]] == (uint8_t)(v >> 16) &&
	       b[off[2]] == (uint8_t)(v >> 8) && b[off[3]] == (uint8_t)v;
}

/*
 * Count the instances of v on octet boundaries: every contiguous position
 * plus the three RFC 6052 positions that straddle the u-octet.  *len gets
 * the length of the last standard position that matched (0: none).
 */
static unsigned wka_count(const uint8_t *b, uint32_t v, unsigned *len)
{
	unsigned n = 0;

	*len = 0;
	for (uint8_t o = 0; o <= 12; o++) {
		const uint8_t off[4] = { o, (uint8_t)(o + 1), (uint8_t)(o + 2),
					 (uint8_t)(o + 3) };
		n += bytes_at(b, off, v);
	}
	for (unsigned i = 0; i < 6; i++) {
		bool contiguous = wka_pos[i].off[3] == wka_pos[i].off[0] + 3;

		if (!bytes_at(b, wka_pos[i].off, v))
			continue;
		*len = wka_pos[i].len;
		if (!contiguous)
			n++;
	}
	return n;
}

int pref64disc_wka_find(const struct in6_addr *a, struct pref64 *p)
{
	static const uint32_t wka[2] = { PREF64DISC_WKA1, PREF64DISC_WKA2 };
	unsigned best = 0;

	/*
	 * 170 found once wins; if it is absent or there twice, the search is
	 * repeated with 171 (RFC 7050 §3).  Refinement: when both are found
	 * once (a prefix that happens to hold one of them), the later
	 * position wins, because RFC 6052 puts the embedded address after the
	 * prefix and zeroes everything behind it.
	 */
	for (unsigned i = 0; i < 2; i++) {
		unsigned len;

		if (wka_count(a->s6_addr, wka[i], &len) == 1 && len > best)
			best = len;
	}
	if (best == 0)
		return -ENOENT;
	memset(p, 0, sizeof(*p));
	p->prefix = *a;
	p->len = (uint8_t)best;
	addr6_prefix(&p->prefix, best, &p->prefix);
	return 0;
}

static bool pref64_eq(const struct pref64 *x, const struct pref64 *y)
{
	return x->len == y->len &&
	       memcmp(&x->prefix, &y->prefix, sizeof(x->prefix)) == 0;
}

int pref64disc_rfc7050(const struct in6_addr *aaaa, size_t naaaa,
		       struct pref64 *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < naaaa && n < max; i++) {
		struct pref64 p;
		bool dup = false;

		if (pref64disc_wka_find(&aaaa[i], &p) < 0)
			continue;
		for (size_t j = 0; j < n && !dup; j++)
			dup = pref64_eq(&out[j], &p);
		if (!dup)
			out[n++] = p;
	}
	return n ? (int)n : -ENOENT;
}

/* ---- DNS response (RFC 1035 §4.1) */

#define DNS_T_SOA 6
#define DNS_T_AAAA 28
#define DNS_C_IN 1

/* Skip a possibly compressed name without following pointers. */
static void dns_skip_name(struct wire *w)
{
	for (unsigned total = 0; !w->err;) {
		uint8_t l = wire_u8(w);

		if (l == 0)
			return;
		if ((l & 0xc0) == 0xc0) {
			(void)wire_u8(w);
			return;
		}
		total += l + 1u;
		if ((l & 0xc0) != 0 || total > 255) {
			w->err = true; /* RFC 6891 label types, overlong name */
			return;
		}
		wire_skip(w, l);
	}
}

/* RFC 2181 §8: a TTL with the top bit set counts as 0. */
static uint32_t dns_ttl(uint32_t ttl)
{
	return ttl & 0x80000000u ? 0 : ttl;
}

static void dns_answer_rr(struct pref64disc_dns *r, uint16_t type,
			  uint16_t cls, uint32_t ttl, const uint8_t *rd,
			  uint16_t rdlen)
{
	if (type != DNS_T_AAAA || cls != DNS_C_IN || rdlen != 16 ||
	    r->naaaa == PREF64DISC_MAX_AAAA)
		return;
	memcpy(r->aaaa[r->naaaa].s6_addr, rd, 16);
	if (r->naaaa == 0 || ttl < r->ttl)
		r->ttl = ttl;
	r->naaaa++;
}

static void dns_authority_rr(struct pref64disc_dns *r, uint16_t type,
			     uint16_t cls, uint32_t ttl, const uint8_t *rd,
			     uint16_t rdlen)
{
	struct wire w;

	if (type != DNS_T_SOA || cls != DNS_C_IN || r->has_soa)
		return;
	wire_init(&w, rd, rdlen);
	dns_skip_name(&w); /* MNAME */
	dns_skip_name(&w); /* RNAME */
	wire_skip(&w, 16); /* serial, refresh, retry, expire */
	uint32_t minimum = dns_ttl(wire_u32(&w));
	if (w.err)
		return;
	r->has_soa = true;
	r->neg_ttl = minimum < ttl ? minimum : ttl;
}

/* One resource record of section sec (1 answer, 2 authority). */
static void dns_rr(struct wire *w, struct pref64disc_dns *r, int sec)
{
	dns_skip_name(w);
	uint16_t type = wire_u16(w);
	uint16_t cls = wire_u16(w);
	uint32_t ttl = dns_ttl(wire_u32(w));
	uint16_t rdlen = wire_u16(w);
	const uint8_t *rd = wire_take(w, rdlen);

	if (w->err)
		return;
	if (sec == 1)
		dns_answer_rr(r, type, cls, ttl, rd, rdlen);
	else
		dns_authority_rr(r, type, cls, ttl, rd, rdlen);
}

int pref64disc_dns_parse(const uint8_t *msg, size_t len,
			 struct pref64disc_dns *r)
{
	struct wire w;

	memset(r, 0, sizeof(*r));
	wire_init(&w, msg, len);
	(void)wire_u16(&w); /* ID: the resolver library matched it */
	uint16_t flags = wire_u16(&w);
	uint16_t qd = wire_u16(&w), an = wire_u16(&w), ns = wire_u16(&w);
	(void)wire_u16(&w); /* additional: not read */
	if (w.err || !(flags & 0x8000) || (flags >> 11 & 0xf) != 0)
		return -EBADMSG; /* not a response to a standard QUERY */
	r->rcode = flags & 0xf;
	for (unsigned i = 0; i < qd && !w.err; i++) {
		dns_skip_name(&w);
		wire_skip(&w, 4);
	}
	for (unsigned i = 0; i < an && !w.err; i++)
		dns_rr(&w, r, 1);
	for (unsigned i = 0; i < ns && !w.err; i++)
		dns_rr(&w, r, 2);
	if (w.err) {
		memset(r, 0, sizeof(*r));
		return -EBADMSG;
	}
	return 0;
}

/* ---- timing */

uint32_t pref64disc_requery_delay(uint32_t ttl)
{
	if (ttl < PREF64DISC_REQUERY_MIN + 10)
		return PREF64DISC_REQUERY_MIN;
	return ttl - 10;
}

uint32_t pref64disc_dns_lifetime(uint32_t ttl)
{
	return ttl < PREF64DISC_REQUERY_MIN + 10 ? PREF64DISC_REQUERY_MIN + 10
						 : ttl;
}

uint32_t pref64disc_negative_wait(const struct pref64disc_dns *r)
{
	uint32_t t = r->has_soa ? r->neg_ttl : PREF64DISC_NEG_DEFAULT;

	/* Waiting longer than the TTL obeys it; the floor bounds the rate. */
	return t < PREF64DISC_NEG_MIN ? PREF64DISC_NEG_MIN : t;
}

uint32_t pref64disc_retry_delay(unsigned attempt)
{
	if (attempt == 0)
		attempt = 1;
	if (attempt >= 9)
		return PREF64DISC_RETRY_MAX;
	uint32_t d = 1u << attempt;
	return d > PREF64DISC_RETRY_MAX ? PREF64DISC_RETRY_MAX : d;
}

/* ---- RFC 8781 §5, §5.1 */

int pref64disc_set_update(struct pref64disc_set *s, const struct pref64 *p,
			  uint32_t lifetime, uint64_t now)
{
	uint64_t exp = now + lifetime;

	for (unsigned i = 0; i < s->n; i++) {
		if (!pref64_eq(&s->e[i].p, p))
			continue;
		if (lifetime == 0) {
			memmove(&s->e[i], &s->e[i + 1],
				(s->n - i - 1) * sizeof(s->e[0]));
			s->n--;
			return 1;
		}
		if (s->e[i].expires == exp)
			return 0;
		s->e[i].expires = exp;
		return 1;
	}
	if (lifetime == 0)
		return 0; /* stop using what we never used */
	if (s->n == PREF64DISC_MAX)
		return -ENOSPC;
	s->e[s->n].p = *p;
	s->e[s->n].expires = exp;
	s->n++;
	return 1;
}

unsigned pref64disc_set_expire(struct pref64disc_set *s, uint64_t now)
{
	unsigned kept = 0, n = s->n;

	for (unsigned i = 0; i < n; i++)
		if (s->e[i].expires > now)
			s->e[kept++] = s->e[i];
	s->n = kept;
	return n - kept;
}

uint64_t pref64disc_set_next_expiry(const struct pref64disc_set *s)
{
	uint64_t t = UINT64_MAX;

	for (unsigned i = 0; i < s->n; i++)
		if (s->e[i].expires < t)
			t = s->e[i].expires;
	return t;
}

const struct pref64disc_set *
pref64disc_select(const struct pref64disc_set *ra,
		  const struct pref64disc_set *dns)
{
	if (ra && ra->n)
		return ra;
	if (dns && dns->n)
		return dns;
	return NULL;
}
