/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated logging: stderr in the foreground, syslog(3) otherwise, and a
 * per-worker rate limit for per-packet lines (log-packets = yes), so a
 * flood of bad input cannot turn into a flood of log writes.
 */
#ifndef SIXGATE_LOG_H
#define SIXGATE_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

/* Per-packet lines allowed per second and per worker. */
#define LOG_PKT_PER_SEC 10

/* foreground: stderr instead of syslog; debug: LOG_DEBUG lines too. */
void log_init(bool foreground, bool debug);

void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* One worker's budget of per-packet lines; only that worker touches it. */
struct log_rl {
	uint64_t window;     /* start of the current second, ns */
	unsigned used;       /* lines written in this window */
	unsigned suppressed; /* lines refused in this window */
};

/* May a per-packet line be written at now (ns, monotonic)?  Reports how
 * many were suppressed in the window that just ended. */
bool log_rl_allow(struct log_rl *rl, uint64_t now);

#endif
