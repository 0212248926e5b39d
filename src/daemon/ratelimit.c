/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: ICMP error token bucket, RFC 4443 §2.4 (f) ("a token bucket
 * ... limiting the average rate ... and the burst size"); the rate and the
 * burst are icmp-error-rate per second.
 */
#include "ratelimit.h"

#define NS 1000000000ull

void tbucket_init(struct tbucket *tb, uint64_t now, uint32_t rate)
{
	tb->last = now;
	tb->tokens = rate;
}

/* Credit whole tokens for the time since last; keep the remainder by
 * advancing last only by what was credited. */
static void tbucket_refill(struct tbucket *tb, uint64_t now, uint32_t rate)
{
	uint64_t elapsed = now - tb->last, add;

	if (now < tb->last)
		return;
	if (elapsed >= NS) {
		tb->tokens = rate;
		tb->last = now;
		return;
	}
	add = elapsed * rate / NS;
	if (add == 0)
		return;
	tb->tokens = tb->tokens + add > rate ? rate
					     : (uint32_t)(tb->tokens + add);
	tb->last += add * NS / rate;
}

bool tbucket_take(struct tbucket *tb, uint64_t now, uint32_t rate)
{
	if (rate == 0)
		return true;
	tbucket_refill(tb, now, rate);
	if (tb->tokens > rate)
		tb->tokens = rate;
	if (tb->tokens == 0)
		return false;
	tb->tokens--;
	return true;
}
