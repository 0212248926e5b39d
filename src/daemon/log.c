/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated logging (docs/daemon.md).  No RFC; the rate limit follows the
 * spirit of RFC 4443 §2.4 (f): bad input must not buy unbounded work.
 */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static bool log_fg;
static bool log_dbg;

void log_init(bool foreground, bool debug)
{
	log_fg = foreground;
	log_dbg = debug;
	if (!foreground)
		openlog("sixgated", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !log_dbg)
		return;
	va_start(ap, fmt);
	if (log_fg) {
		/* One fprintf per line: stdio locks the stream per call, so
		 * lines from workers do not interleave. */
		char line[1024];

		vsnprintf(line, sizeof(line), fmt, ap);
		fprintf(stderr, "sixgated: %s\n", line);
	} else {
		vsyslog(prio, fmt, ap);
	}
	va_end(ap);
}

bool log_rl_allow(struct log_rl *rl, uint64_t now)
{
	if (now - rl->window >= 1000000000ull) {
		if (rl->suppressed)
			log_notice("%u per-packet log lines suppressed",
				   rl->suppressed);
		rl->window = now;
		rl->used = 0;
		rl->suppressed = 0;
	}
	if (rl->used < LOG_PKT_PER_SEC)
		return rl->used++, true;
	rl->suppressed++;
	return false;
}
