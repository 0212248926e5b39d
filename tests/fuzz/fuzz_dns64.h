/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by the DNS64 harnesses: a config with several prefixes (WKP
 * catch-all, a /48 for 203.0.113.0/24, a /32 for 198.51.100.128/25) and
 * checks on every finished reply. */
#ifndef SIXGATE_FUZZ_DNS64_H
#define SIXGATE_FUZZ_DNS64_H

#include <stdlib.h>
#include <string.h>

#include "dns64/dns64.h"

static void fuzz_dns64_config(struct dns64_config *c)
{
	struct pref64 p = { .len = 96 };

	dns64_config_default(c);
	p.prefix.s6_addr[1] = 0x64;
	p.prefix.s6_addr[2] = 0xff;
	p.prefix.s6_addr[3] = 0x9b;
	dns64_config_add_prefix(c, &p, 0, 0);
	memset(&p, 0, sizeof(p));
	p.prefix.s6_addr[0] = 0x20;
	p.prefix.s6_addr[1] = 0x01;
	p.prefix.s6_addr[2] = 0x0d;
	p.prefix.s6_addr[3] = 0xb8;
	p.len = 48;
	dns64_config_add_prefix(c, &p, 0xcb007100, 24);
	p.len = 32;
	dns64_config_add_prefix(c, &p, 0xc6336480, 25);
}

/* The reply must encode (full and truncated) into something ldns reads
 * back with our ID and the counts we wrote. */
static void fuzz_dns64_check_reply(const ldns_pkt *reply)
{
	static const size_t max[] = { 512, 1232, 65535 };
	struct dns64_wire w;
	ldns_pkt *back;

	if (!ldns_pkt_qr(reply))
		abort();
	for (size_t i = 0; i < sizeof(max) / sizeof(max[0]); i++) {
		int err = dns64_reply_encode(reply, max[i], &w);

		if (err == -EMSGSIZE)
			continue;
		if (err == -ENOMEM)
			return;
		if (err != 0 || w.len > max[i])
			abort();
		back = NULL;
		if (ldns_wire2pkt(&back, w.buf, w.len) != LDNS_STATUS_OK)
			abort();
		if (ldns_pkt_id(back) != ldns_pkt_id(reply) ||
		    ldns_pkt_tc(back) != w.truncated)
			abort();
		for (unsigned j = 0; j < w.nttl; j++)
			if ((size_t)w.ttl_off[j] + 4 > w.len)
				abort();
		ldns_pkt_free(back);
		dns64_wire_free(&w);
	}
}

#endif
