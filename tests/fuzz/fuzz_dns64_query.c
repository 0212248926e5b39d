/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz harness for the DNS64 query path: the input is a client query (raw
 * wire).  It goes through dns64_plan_wire() for an allowed and a refused
 * client, every finished reply is encoded and read back, and through the
 * cache's fast key parser, which must agree with the ldns-built key and
 * round-trip a stored reply.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_dns64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t seed[16] = { 0x5e, 0xed };

static void cache_roundtrip(struct dns64_cache *c, const struct dns64_cache_key *k,
			    const ldns_pkt *reply)
{
	struct dns64_wire w;
	uint8_t out[65535];
	size_t n;
	ldns_pkt *back = NULL;

	if (dns64_reply_encode(reply, 65535, &w) != 0)
		return;
	if (dns64_cache_store(c, k, &w, 10) == 0 &&
	    dns64_cache_lookup(c, k, 11, out, sizeof(out), &n) == 0) {
		if (n != w.len || ldns_wire2pkt(&back, out, n) != LDNS_STATUS_OK)
			abort();
		ldns_pkt_free(back);
	}
	dns64_wire_free(&w);
}

static void one(const struct dns64_config *cfg, struct dns64_cache *c,
		const uint8_t *data, size_t size, bool allowed)
{
	struct dns64_plan p;
	struct dns64_cache_key k, k2;
	int kerr = dns64_cache_key_wire(c, data, size, allowed, &k);

	dns64_plan_wire(cfg, data, size, allowed, &p);
	if (kerr == 0 && p.query &&
	    dns64_cache_key_pkt(c, p.query, allowed, &k2) == 0 &&
	    (k.hash != k2.hash || k.bits != k2.bits || k.id != k2.id ||
	     k.max_reply != k2.max_reply || k.rd != k2.rd))
		abort();
	if (p.step == DNS64_STEP_DONE) {
		fuzz_dns64_check_reply(p.reply);
		if (kerr == 0 && (p.flags & DNS64_F_CACHEABLE))
			cache_roundtrip(c, &k, p.reply);
	} else if (p.step != DNS64_STEP_DROP && !p.name) {
		abort();
	}
	dns64_plan_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns64_config cfg;
	static struct dns64_cache *c;

	if (!c) {
		fuzz_dns64_config(&cfg);
		c = dns64_cache_new(64, seed);
		if (!c)
			abort();
	}
	one(&cfg, c, data, size, true);
	one(&cfg, c, data, size, false);
	return 0;
}
