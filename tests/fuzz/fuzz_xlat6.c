/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz harness: the input is one IPv6 packet, fed to xlat_6to4() (RFC 7915
 * §5) under the contexts and invariants of fuzz_xlat.h.
 */
#include "fuzz_xlat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(xlat_6to4, data, size);
}
