/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgatectl: command dispatch.  Offline tools (translate, config check)
 * and the commands that ask a running sixgated over its control socket.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

struct ctl_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;
	const char *help;
};

static const struct ctl_cmd ctl_cmds[] = {
	{ "translate", ctl_translate, "translate -c CONFIG IN.pcap OUT.pcap",
	  "run a capture through the [siit] translator" },
	{ "config", ctl_config, "config check -c CONFIG",
	  "check a sixgate.conf and print it normalised" },
	{ "status", ctl_control, "status [--json]",
	  "version, uptime, roles, pref64, devices of sixgated" },
	{ "stats", ctl_control, "stats [--json]",
	  "packet counters and drops per reason" },
	{ "workers", ctl_control, "workers [--json]",
	  "each worker's TUN queue, CPU and packet counters" },
	{ "eam", ctl_control, "eam show|add|del ... [--json]",
	  "show or change the running EAM table" },
	{ "pref64", ctl_control, "pref64 show [--json]",
	  "the translation prefix in use and its source" },
	{ "bib", ctl_control, "bib show|add|del ... [--json]",
	  "show or change the NAT64 BIB (static entries)" },
	{ "session", ctl_control, "session show [FILTERS] [--json]",
	  "the NAT64 sessions" },
	{ "pool4", ctl_control, "pool4 show [--json]",
	  "NAT64 pool4 ports in use per address" },
	{ "reload", ctl_control, "reload",
	  "make sixgated re-read its configuration" },
};

#define CTL_NCMDS (sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

static void ctl_usage(FILE *f)
{
	fprintf(f, "usage: sixgatectl [-s SOCKET] COMMAND [ARGS]\n\n"
		"commands:\n");
	for (size_t i = 0; i < CTL_NCMDS; i++)
		fprintf(f, "  %-40s %s\n", ctl_cmds[i].synopsis,
			ctl_cmds[i].help);
	fprintf(f, "\n-s SOCKET: sixgated's control socket (default "
		"$SIXGATE_CONTROL,\nthen /run/sixgate/control)\n"
		"see sixgatectl(8) and sixgate.conf(5)\n");
}

int ctl_usage_error(const char *synopsis)
{
	fprintf(stderr, "usage: sixgatectl %s\n", synopsis);
	return CTL_EXIT_USAGE;
}

static int ctl_is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0 ||
	       strcmp(arg, "help") == 0;
}

int main(int argc, char **argv)
{
	/* The one global option; the control commands also take it later. */
	if (argc >= 3 && strcmp(argv[1], "-s") == 0) {
		ctl_set_socket(argv[2]);
		argc -= 2;
		argv += 2;
	}
	if (argc < 2) {
		ctl_usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (ctl_is_help(argv[1])) {
		ctl_usage(stdout);
		return CTL_EXIT_OK;
	}
	for (size_t i = 0; i < CTL_NCMDS; i++)
		if (strcmp(argv[1], ctl_cmds[i].name) == 0)
			return ctl_cmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "sixgatectl: unknown command '%s'\n", argv[1]);
	ctl_usage(stderr);
	return CTL_EXIT_USAGE;
}
