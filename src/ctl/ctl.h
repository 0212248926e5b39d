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
	CTL_EXIT_FAIL = 1,  /* bad config, unreadable or unwritable file,
			     * sixgated refused or is not reachable */
	CTL_EXIT_USAGE = 2,
};

int ctl_translate(int argc, char **argv);
int ctl_config(int argc, char **argv);
/* status, stats, eam, pref64, bib, session, pool4, reload: ask sixgated
 * over its control socket (control_client.c); argv[0] is the command's
 * first word. */
int ctl_control(int argc, char **argv);
/* -s SOCKET; otherwise $SIXGATE_CONTROL, then /run/sixgate/control. */
void ctl_set_socket(const char *path);

/* "sixgatectl: usage: ..." for one subcommand, to stderr; returns 2. */
int ctl_usage_error(const char *synopsis);

#endif
