/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz harness for RFC 7050 §3 discovery: the input is a DNS response to
 * AAAA ipv4only.arpa (the whole message, as res_nsend() returns it).  It
 * goes through pref64disc_dns_parse() and, when that succeeds, through
 * pref64disc_rfc7050(); the input read as a plain list of 16-byte AAAA
 * RDATAs goes through pref64disc_rfc7050() too.  Checked: every prefix has
 * one of the six lengths, no bits past it, covers an address of the
 * answer, and appears once.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pref64disc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXADDR 64

static void check(const struct in6_addr *a, size_t na)
{
	struct pref64 out[PREF64DISC_MAX];
	int n = pref64disc_rfc7050(a, na, out, PREF64DISC_MAX);

	if (n == -ENOENT)
		return;
	if (n <= 0 || n > PREF64DISC_MAX)
		abort();
	for (int i = 0; i < n; i++) {
		bool covers = false;

		if (!addr_pref64_len_ok(out[i].len))
			abort();
		for (unsigned b = out[i].len / 8; b < 16; b++)
			if (out[i].prefix.s6_addr[b] != 0)
				abort();
		for (size_t j = 0; j < na && !covers; j++)
			covers = addr6_match(&a[j], &out[i].prefix, out[i].len);
		for (int k = 0; k < i; k++)
			if (memcmp(&out[k], &out[i], sizeof(out[i])) == 0)
				abort();
		if (!covers)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pref64disc_dns r;
	struct in6_addr a[MAXADDR];
	size_t na = size / 16 < MAXADDR ? size / 16 : MAXADDR;

	if (pref64disc_dns_parse(data, size, &r) == 0) {
		if (r.naaaa > PREF64DISC_MAX_AAAA)
			abort();
		check(r.aaaa, r.naaaa);
		if (pref64disc_negative_wait(&r) < PREF64DISC_NEG_MIN ||
		    pref64disc_requery_delay(r.ttl) >= pref64disc_dns_lifetime(r.ttl))
			abort();
	}
	memcpy(a, data, na * 16);
	check(a, na);
	return 0;
}
