/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: the token bucket that limits the ICMP errors a worker
 * generates (icmp-error-rate; RFC 4443 §2.4 (f), RFC 1812 §4.3.2.8).
 * Pure: the caller passes "now"; one bucket per worker, no locking.
 */
#ifndef SIXGATE_RATELIMIT_H
#define SIXGATE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct tbucket {
	uint64_t last;   /* ns of the last refill */
	uint32_t tokens; /* at most one second's worth */
};

/* A full bucket at now for rate tokens per second. */
void tbucket_init(struct tbucket *tb, uint64_t now, uint32_t rate);

/* Take one token at now (ns, monotonic); rate 0 means unlimited.  A
 * changed rate applies from the next refill. */
bool tbucket_take(struct tbucket *tb, uint64_t now, uint32_t rate);

#endif
