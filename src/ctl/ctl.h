/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgatectl: subcommands share this header.  Each takes the argv that
 * starts at its own name and returns the process exit status.
 */
#ifndef SIXGATE_CTL_H
#define SIXGATE_CTL_H

/* Exit statuses, sixgatectl(8). */
enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAIL = 1,  /* bad config, unreadable or unwritable file */
	CTL_EXIT_USAGE = 2,
};

int ctl_translate(int argc, char **argv);
int ctl_config(int argc, char **argv);

/* "sixgatectl: usage: ..." for one subcommand, to stderr; returns 2. */
int ctl_usage_error(const char *synopsis);

#endif
