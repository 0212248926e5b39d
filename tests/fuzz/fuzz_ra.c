/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz harness for the PREF64 Router Advertisement parser (RFC 8781 §4,
 * §4.1, RFC 4861 §6.1.2).  The input is an ICMPv6 message starting at the
 * type byte, as the raw socket delivers it.  Besides memory safety it checks
 * the parser's promises: at most PREF64DISC_MAX results, six lengths only,
 * no bits past the length, lifetimes a multiple of 8 up to 65528, the
 * encoder reproducing each option, and the per-source set staying bounded.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pref64disc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_opt(const struct pref64disc_opt *o)
{
	struct pref64disc_opt back;
	uint8_t enc[PREF64DISC_OPT_LEN];

	if (!addr_pref64_len_ok(o->p.len) || o->lifetime % 8 != 0 ||
	    o->lifetime > PREF64DISC_MAX_LIFETIME)
		abort();
	for (unsigned b = o->p.len / 8; b < 16; b++)
		if (o->p.prefix.s6_addr[b] != 0)
			abort();
	if (pref64disc_opt_encode(&o->p, o->lifetime, enc) != 0 ||
	    pref64disc_opt_decode(enc, &back) != 0 ||
	    memcmp(&back.p, &o->p, sizeof(back.p)) != 0 ||
	    back.lifetime != o->lifetime)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pref64disc_set set;
	static uint64_t now;
	struct pref64disc_ra ra;
	int rc = pref64disc_ra_parse(data, size, &ra);

	if (rc != 0 && rc != -EINVAL && rc != -EBADMSG)
		abort();
	if (ra.n > PREF64DISC_MAX || (rc != 0 && ra.n != 0))
		abort();
	for (unsigned i = 0; i < ra.n; i++) {
		check_opt(&ra.opt[i]);
		(void)pref64disc_set_update(&set, &ra.opt[i].p,
					    ra.opt[i].lifetime, now);
	}
	now += 60;
	(void)pref64disc_set_expire(&set, now);
	if (set.n > PREF64DISC_MAX)
		abort();
	return 0;
}
