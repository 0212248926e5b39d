/* SPDX-License-Identifier: BSD-2-Clause */
/* Internet checksum, RFC 1071, and incremental update, RFC 1624 §3. */
#include "csum.h"

uint16_t csum_replace(uint16_t old_field, uint32_t old_sum, uint32_t new_sum)
{
	/* HC' = ~(~HC + ~m + m') with m, m' the folded old and new sums. */
	uint32_t s = (uint16_t)~old_field;
	s += (uint16_t)~csum_fold(old_sum);
	s += csum_fold(new_sum);
	return (uint16_t)~csum_fold(s);
}
