/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz harness for the NAT64 BIB and session tables (RFC 6146 §3.1–§3.3,
 * §5.3; RFC 6888 REQ-4/REQ-5 limits).  The input is a program: its first
 * byte picks 1 or 4 shards, then every 6-byte record is one operation
 * (add, static add, delete, BIB delete, update, expire, advance time) on
 * small keys.  Each operation is applied to the table and to the naive
 * model of nat64_table_model.h, and every answer is compared; a
 * disagreement aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "nat64_table_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model m;

	if (size < 1)
		return 0;
	memset(&m, 0, sizeof(m));
	if (m_table(&m.tbl, data[0] & 1 ? 4 : 1) != 0)
		abort();
	for (size_t off = 1; off + 6 <= size && !m.bad; off += 6)
		m_step(&m, data + off);
	if (!m.bad)
		m_check_all(&m);
	if (m.bad) {
		fprintf(stderr, "nat64_table_model.h:%d: table and model "
			"disagree\n", m.bad);
		abort();
	}
	nat64_table_free(m.tbl);
	return 0;
}
