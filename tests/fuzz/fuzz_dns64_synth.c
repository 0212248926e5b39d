/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz harness for the DNS64 synthesis chain.  Input: one control byte
 * (bit 0: client allowed; bits 1-7: a DNSSEC verdict and timeout per
 * upstream answer), then chunks each preceded by a 16-bit big-endian
 * length: the client query, then up to three upstream answers handed to
 * dns64_advance() in order (an answer ldns cannot parse, or a missing one,
 * is a timeout).  Every finished reply is encoded and read back.  Each
 * input runs twice, the answers borrowed and handed over (own), and the
 * two replies must be the same bytes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_dns64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool chunk(const uint8_t **d, size_t *n, const uint8_t **out, size_t *len)
{
	size_t l;

	if (*n < 2)
		return false;
	l = (size_t)(*d)[0] << 8 | (*d)[1];
	if (l > *n - 2)
		l = *n - 2;
	*out = *d + 2;
	*len = l;
	*d += 2 + l;
	*n -= 2 + l;
	return true;
}

/* The plan for one input, the upstream answers borrowed or handed over
 * (struct dns64_answer.own: the steps move records out of them). */
static void run(const struct dns64_config *cfg, uint8_t ctl,
		const uint8_t *data, size_t size, bool own,
		struct dns64_plan *p)
{
	const uint8_t *q;
	size_t qlen;

	if (!chunk(&data, &size, &q, &qlen)) {
		memset(p, 0, sizeof(*p));
		p->step = DNS64_STEP_DROP;
		return;
	}
	dns64_plan_wire(cfg, q, qlen, ctl & 1, p);
	for (int i = 0; i < 4 && p->step >= DNS64_STEP_PLAIN; i++) {
		struct dns64_answer a = { .timeout = true };
		ldns_pkt *up = NULL;
		const uint8_t *r;
		size_t rlen;

		if (chunk(&data, &size, &r, &rlen) &&
		    ldns_wire2pkt(&up, r, rlen) == LDNS_STATUS_OK)
			a.pkt = up;
		if (own)
			a.own = up;
		a.sec = (enum dns64_sec)((ctl >> (1 + 2 * (i % 3))) & 3);
		if (dns64_advance(cfg, p, &a) != 0 && p->step >= DNS64_STEP_PLAIN)
			abort();
		ldns_pkt_free(up);
	}
}

/* Both ways must give the same reply, byte for byte. */
static void same_reply(const ldns_pkt *a, const ldns_pkt *b)
{
	struct dns64_wire wa, wb;
	int ea = dns64_reply_encode(a, 65535, &wa);
	int eb = dns64_reply_encode(b, 65535, &wb);

	if (ea == -ENOMEM || eb == -ENOMEM)
		goto out;
	if (ea != eb || (ea == 0 && (wa.len != wb.len ||
				     memcmp(wa.buf, wb.buf, wa.len) != 0)))
		abort();
out:
	dns64_wire_free(&wa);
	dns64_wire_free(&wb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns64_config cfg;
	static bool init;
	struct dns64_plan p, p2;
	uint8_t ctl;

	if (!init) {
		fuzz_dns64_config(&cfg);
		init = true;
	}
	if (size < 1)
		return 0;
	ctl = data[0];
	run(&cfg, ctl, data + 1, size - 1, false, &p);
	run(&cfg, ctl, data + 1, size - 1, true, &p2);
	if (p.step != p2.step)
		abort();
	if (p.step == DNS64_STEP_DONE) {
		fuzz_dns64_check_reply(p.reply);
		same_reply(p.reply, p2.reply);
	} else if (p.step != DNS64_STEP_DROP && !p.name) {
		abort();
	}
	dns64_plan_free(&p);
	dns64_plan_free(&p2);
	return 0;
}
