/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgatectl: command dispatch.  Offline tools today (translate, config
 * check); the control-socket commands join the table when sixgated exists.
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
};

#define CTL_NCMDS (sizeof(ctl_cmds) / sizeof(ctl_cmds[0]))

static void ctl_usage(FILE *f)
{
	fprintf(f, "usage: sixgatectl COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < CTL_NCMDS; i++)
		fprintf(f, "  %-40s %s\n", ctl_cmds[i].synopsis,
			ctl_cmds[i].help);
	fprintf(f, "\nsee sixgatectl(8) and sixgate.conf(5)\n");
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
