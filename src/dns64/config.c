/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * DNS64 configuration: defaults, prefix selection per IPv4 range
 * (RFC 6147 §5, §5.1.7, §5.2), the AAAA exclusion set (§5.1.4), the
 * mapped-out ranges and the RFC 6052 §3.1 well-known-prefix rule.
 */
#include <errno.h>
#include <string.h>

#include "dns64/dns64.h"

static const struct prefix4 default_mapout[] = DNS64_MAPOUT_DEFAULT;

void dns64_config_default(struct dns64_config *c)
{
	struct xlat_ctx x;

	memset(c, 0, sizeof(*c));
	/* ::ffff:0:0/96, RFC 6147 §5.1.4 */
	c->exclude[0].addr.s6_addr[10] = 0xff;
	c->exclude[0].addr.s6_addr[11] = 0xff;
	c->exclude[0].len = 96;
	c->nexclude = 1;
	c->nmapout = sizeof(default_mapout) / sizeof(default_mapout[0]);
	memcpy(c->mapout, default_mapout, sizeof(default_mapout));
	/* The translator's list, so that DNS64 never hands out an address
	 * the translator would drop (RFC 6147 §5.2: same algorithm). */
	xlat_ctx_init(&x);
	c->nnonglobal = x.nnonglobal;
	memcpy(c->nonglobal, x.nonglobal, sizeof(c->nonglobal));
	c->ttl_cap = DNS64_TTL_CAP;
	c->ipv4only_ttl = DNS64_IPV4ONLY_TTL;
	c->ptr = true;
}

static bool range_ok(uint32_t a, unsigned len)
{
	return len <= 32 && (len == 32 || (a & (0xffffffffu >> len)) == 0);
}

int dns64_config_add_prefix(struct dns64_config *c, const struct pref64 *p,
			    uint32_t range, unsigned range_len)
{
	const char *why;

	if (addr_pref64_check(p, &why) != 0 || !range_ok(range, range_len))
		return -EINVAL;
	if (c->nprefix >= DNS64_PREFIX_MAX)
		return -ENOSPC;
	c->prefix[c->nprefix].pref = *p;
	c->prefix[c->nprefix].range.addr = range;
	c->prefix[c->nprefix].range.len = (uint8_t)range_len;
	c->nprefix++;
	return 0;
}

int dns64_config_check(const struct dns64_config *c, const char **why)
{
	if (c->nprefix > DNS64_PREFIX_MAX || c->nexclude > DNS64_EXCLUDE_MAX ||
	    c->nmapout > DNS64_MAPOUT_MAX || c->nnonglobal > XLAT_NONGLOBAL_MAX) {
		*why = "list too long";
		return -EINVAL;
	}
	for (unsigned i = 0; i < c->nprefix; i++) {
		if (addr_pref64_check(&c->prefix[i].pref, why) != 0)
			return -EINVAL;
		if (!range_ok(c->prefix[i].range.addr, c->prefix[i].range.len)) {
			*why = "IPv4 range has bits set past its length";
			return -EINVAL;
		}
	}
	for (unsigned i = 0; i < c->nexclude; i++)
		if (c->exclude[i].len > 128) {
			*why = "exclude prefix length over 128";
			return -EINVAL;
		}
	for (unsigned i = 0; i < c->nmapout; i++)
		if (c->mapout[i].len > 32) {
			*why = "mapout prefix length over 32";
			return -EINVAL;
		}
	if (c->ipv4only_ttl > 0x7fffffffu || c->ttl_cap > 0x7fffffffu) {
		*why = "TTL over 2^31 - 1 (RFC 2181 §8)";
		return -EINVAL;
	}
	return 0;
}

static bool in_list4(const struct prefix4 *l, unsigned n, uint32_t v4)
{
	for (unsigned i = 0; i < n; i++)
		if (addr4_match(v4, l[i].addr, l[i].len))
			return true;
	return false;
}

const struct pref64 *dns64_prefix_for(const struct dns64_config *c,
				      uint32_t v4)
{
	const struct dns64_prefix *best = NULL;

	for (unsigned i = 0; i < c->nprefix; i++) {
		const struct dns64_prefix *p = &c->prefix[i];

		if (addr4_match(v4, p->range.addr, p->range.len) &&
		    (!best || p->range.len > best->range.len))
			best = p;
	}
	if (!best || in_list4(c->mapout, c->nmapout, v4))
		return NULL;
	if (addr_pref64_is_wkp(&best->pref) && !c->allow_nonglobal_wkp &&
	    in_list4(c->nonglobal, c->nnonglobal, v4))
		return NULL;
	return &best->pref;
}

bool dns64_excluded(const struct dns64_config *c, const struct in6_addr *a)
{
	for (unsigned i = 0; i < c->nexclude; i++)
		if (addr6_match(a, &c->exclude[i].addr, c->exclude[i].len))
			return true;
	return false;
}
