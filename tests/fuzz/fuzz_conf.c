/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz harness for the sixgate.conf parser (sixgate.conf(5); RFC 6052,
 * RFC 7757 and RFC 8215 checks on values).  Besides "never crash, never
 * leak", it checks the normalisation contract: what conf_print() writes
 * parses back to an equal config that prints identically.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fuzz_print(const struct sixgate_conf *c, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	if (conf_print(f, c) != 0) {
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	return buf;
}

static void fuzz_roundtrip(const struct sixgate_conf *a)
{
	struct sixgate_conf b;
	char err[256], *t1, *t2;
	size_t n1 = 0, n2 = 0;

	t1 = fuzz_print(a, &n1);
	if (!t1)
		return;
	if (conf_parse_buf_warn("print", t1, n1, &b, err, sizeof(err), NULL,
				NULL) != 0) {
		fprintf(stderr, "printed config refused: %s\n%s", err, t1);
		abort();
	}
	t2 = fuzz_print(&b, &n2);
	if (!conf_equal(a, &b) || !t2 || n1 != n2 || memcmp(t1, t2, n1)) {
		fprintf(stderr, "round trip differs:\n%s---\n%s", t1,
			t2 ? t2 : "(null)\n");
		abort();
	}
	conf_free(&b);
	free(t1);
	free(t2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sixgate_conf c;
	char err[256];

	if (conf_parse_buf_warn("fuzz", (const char *)data, size, &c, err,
				sizeof(err), NULL, NULL) != 0)
		return 0;
	fuzz_roundtrip(&c);
	conf_free(&c);
	return 0;
}
