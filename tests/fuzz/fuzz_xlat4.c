/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz harness: the input is one IPv4 packet, fed to xlat_4to6() (RFC 7915
 * §4) under three contexts that between them flip every policy switch.
 * Each result is checked against the invariants in fuzz_xlat.h.
 */
#include "fuzz_xlat.h"

static struct xlat_ctx ctxs[3];
static struct xlat_out out;
static bool ready;
static uint64_t now = 1000000000ull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum xlat_verdict v;
	size_t i;

	if (!ready) {
		fz_ctx_lab(&ctxs[0]);
		fz_ctx_strict(&ctxs[1]);
		fz_ctx_wkp(&ctxs[2]);
		ready = true;
	}
	now += 1000;
	for (i = 0; i < sizeof(ctxs) / sizeof(ctxs[0]); i++) {
		v = xlat_4to6(&ctxs[i], data, size, now, &out);
		fz_check_out(&out, v);
		fz_check_l4(data, size, &out, v);
	}
	return 0;
}
