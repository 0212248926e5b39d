/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz harness: the input is one IPv4 packet, fed to xlat_4to6() (RFC 7915
 * §4) under the contexts and invariants of fuzz_xlat.h.
 */
#include "fuzz_xlat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(xlat_4to6, data, size);
}
