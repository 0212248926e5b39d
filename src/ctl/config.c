/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgatectl config check -c FILE: parse sixgate.conf(5) and print it back
 * normalised (every key with its effective value), or "file:line: reason".
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "ctl.h"

#define CONFIG_USAGE "config check -c CONFIG"

static int config_check(int argc, char **argv)
{
	struct sixgate_conf c;
	const char *path = NULL;
	char err[512];
	int ch, rc;

	optind = 0;
	while ((ch = getopt(argc, argv, "c:h")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			printf("usage: sixgatectl %s\n", CONFIG_USAGE);
			return CTL_EXIT_OK;
		default:
			return ctl_usage_error(CONFIG_USAGE);
		}
	}
	if (!path || optind != argc)
		return ctl_usage_error(CONFIG_USAGE);
	if (conf_parse_file(path, &c, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return CTL_EXIT_FAIL;
	}
	rc = conf_print(stdout, &c);
	conf_free(&c);
	if (rc == 0 && fflush(stdout) != 0)
		rc = -EIO;
	return rc < 0 ? CTL_EXIT_FAIL : CTL_EXIT_OK;
}

int ctl_config(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return config_check(argc - 1, argv + 1);
	return ctl_usage_error(CONFIG_USAGE);
}
