/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgatectl status | stats | eam ... | pref64 show | bib ... | session show
 * | pool4 show | reload: the client
 * side of sixgated's control socket (docs/daemon.md, "Control protocol").
 * One request line out, one answer message back; the body is printed as
 * the daemon formatted it (a table, or JSON with --json), the status line
 * decides the exit status.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "daemon/control.h"

/* Reload re-reads the config and may adjust routes: give it time. */
#define CTL_ANSWER_TIMEOUT_SEC 30

/* A control command: its words and how many operands it takes (a range:
 * the filters of bib show and session show are checked by sixgated). */
struct ctl_control_cmd {
	const char *word1, *word2;
	unsigned nmin, nmax;
	const char *synopsis;
};

static const struct ctl_control_cmd ctl_control_cmds[] = {
	{ "status", NULL, 0, 0, "status [--json]" },
	{ "stats", NULL, 0, 0, "stats [--json]" },
	{ "workers", NULL, 0, 0, "workers [--json]" },
	{ "eam", "show", 0, 0, "eam show [--json]" },
	{ "eam", "add", 2, 2, "eam add IPV4[/LEN] IPV6[/LEN]" },
	{ "eam", "del", 1, 1, "eam del IPV4[/LEN]" },
	{ "pref64", "show", 0, 0, "pref64 show [--json]" },
	{ "bib", "show", 0, 10, "bib show [--json] [tcp|udp|icmp] [ipv6 ADDR] "
	  "[ipv4 ADDR] [port N] [static|dynamic] [limit N]" },
	{ "bib", "add", 5, 5, "bib add tcp|udp|icmp IPV6 PORT IPV4 PORT" },
	{ "bib", "del", 3, 3, "bib del tcp|udp|icmp IPV4 PORT" },
	{ "session", "show", 0, 9, "session show [--json] [tcp|udp|icmp] "
	  "[ipv6 ADDR] [ipv4 ADDR] [port N] [limit N]" },
	{ "pool4", "show", 0, 0, "pool4 show [--json]" },
	{ "reload", NULL, 0, 0, "reload" },
};

#define CTL_NCONTROL (sizeof(ctl_control_cmds) / sizeof(ctl_control_cmds[0]))

static const char *ctl_socket_opt; /* -s, before or after the command */

void ctl_set_socket(const char *path)
{
	ctl_socket_opt = path;
}

static const char *ctl_socket_path(void)
{
	const char *env = getenv("SIXGATE_CONTROL");

	if (ctl_socket_opt)
		return ctl_socket_opt;
	return env && *env ? env : CONTROL_PATH_DEFAULT;
}

/* The usage line(s) of every form that starts with word1. */
static int ctl_control_usage(const char *word1, FILE *f, int rc)
{
	for (size_t i = 0; i < CTL_NCONTROL; i++)
		if (strcmp(ctl_control_cmds[i].word1, word1) == 0)
			fprintf(f, "usage: sixgatectl [-s SOCKET] %s\n",
				ctl_control_cmds[i].synopsis);
	return rc;
}

struct ctl_request {
	const struct ctl_control_cmd *cmd;
	bool json;
	char text[CONTROL_REQ_MAX];
	size_t len;
};

/* Operands become words of one line: a blank inside one would split it. */
static int ctl_append(struct ctl_request *r, const char *word)
{
	int n;

	if (word[strcspn(word, " \t\r\n")] != '\0') {
		fprintf(stderr, "sixgatectl: '%s': blanks and line breaks are "
			"not allowed in an argument\n", word);
		return -EINVAL;
	}
	n = snprintf(r->text + r->len, sizeof(r->text) - r->len, "%s%s",
		     r->len ? " " : "", word);
	if (n < 0 || (size_t)n >= sizeof(r->text) - r->len) {
		fprintf(stderr, "sixgatectl: request too long\n");
		return -EINVAL;
	}
	r->len += (size_t)n;
	return 0;
}

static const struct ctl_control_cmd *ctl_find(const char *w1, const char *w2)
{
	for (size_t i = 0; i < CTL_NCONTROL; i++) {
		const struct ctl_control_cmd *c = &ctl_control_cmds[i];

		if (strcmp(c->word1, w1) == 0 &&
		    (!c->word2 || (w2 && strcmp(c->word2, w2) == 0)))
			return c;
	}
	return NULL;
}

/* Split argv into options (-s, --json, -h) and operands. 0, 1 for -h,
 * or -EINVAL. */
static int ctl_args(int argc, char **argv, char **ops, unsigned *nops,
		    bool *json)
{
	*nops = 0;
	*json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			*json = true;
		} else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
			ctl_set_socket(argv[++i]);
		} else if (strcmp(argv[i], "-h") == 0 ||
			   strcmp(argv[i], "--help") == 0) {
			return 1;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0' &&
			   strcmp(argv[i], "--") != 0) {
			fprintf(stderr, "sixgatectl: unknown option '%s'\n",
				argv[i]);
			return -EINVAL;
		} else if (*nops == CONTROL_TOKENS_MAX) {
			return -EINVAL;
		} else if (strcmp(argv[i], "--") != 0) {
			ops[(*nops)++] = argv[i];
		}
	}
	return 0;
}

static int ctl_build(struct ctl_request *r, int argc, char **argv)
{
	char *ops[CONTROL_TOKENS_MAX];
	unsigned nops, skip;
	int rc = ctl_args(argc, argv, ops, &nops, &r->json);

	if (rc != 0)
		return rc;
	r->cmd = ctl_find(argv[0], nops ? ops[0] : NULL);
	if (!r->cmd)
		return -EINVAL;
	skip = r->cmd->word2 ? 1 : 0;
	if (nops - skip < r->cmd->nmin || nops - skip > r->cmd->nmax)
		return -EINVAL;
	r->len = 0;
	rc = ctl_append(r, r->cmd->word1);
	for (unsigned i = 0; rc == 0 && i < nops; i++)
		rc = ctl_append(r, ops[i]);
	if (rc == 0 && r->json)
		rc = ctl_append(r, "--json");
	return rc;
}

static int ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CTL_ANSWER_TIMEOUT_SEC };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "sixgatectl: %s: socket path too long\n", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "sixgatectl: socket: %s\n", strerror(errno));
		return -errno;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	err = errno;
	close(fd);
	if (err == ENOENT || err == ECONNREFUSED)
		fprintf(stderr, "sixgatectl: sixgated is not running (no "
			"socket at %s)\n", path);
	else if (err == EACCES || err == EPERM)
		fprintf(stderr, "sixgatectl: permission denied on %s (root "
			"only)\n", path);
	else
		fprintf(stderr, "sixgatectl: %s: %s\n", path, strerror(err));
	return -err;
}

static char ctl_answer[CONTROL_ANSWER_MAX + 1];

/* Send the request, receive the answer into ctl_answer; its length or a
 * negative errno (already reported). */
static ssize_t ctl_exchange(int fd, const struct ctl_request *r)
{
	ssize_t n;

	if (send(fd, r->text, r->len, MSG_NOSIGNAL) < 0) {
		fprintf(stderr, "sixgatectl: sending to sixgated: %s\n",
			strerror(errno));
		return -errno;
	}
	n = recv(fd, ctl_answer, sizeof(ctl_answer) - 1, MSG_TRUNC);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		fprintf(stderr, "sixgatectl: no answer from sixgated within "
			"%d s\n", CTL_ANSWER_TIMEOUT_SEC);
	else if (n < 0)
		fprintf(stderr, "sixgatectl: reading from sixgated: %s\n",
			strerror(errno));
	else if (n == 0)
		fprintf(stderr, "sixgatectl: sixgated closed the connection "
			"without answering\n");
	else if ((size_t)n >= sizeof(ctl_answer))
		fprintf(stderr, "sixgatectl: answer longer than %d bytes\n",
			CONTROL_ANSWER_MAX);
	else
		return n;
	return n < 0 ? -errno : -EPROTO;
}

/* Print the body; the status line becomes the exit status. */
static int ctl_print_answer(const char *a, size_t n)
{
	const char *nl = memchr(a, '\n', n);
	size_t body;

	if (!nl) {
		fprintf(stderr, "sixgatectl: malformed answer from sixgated\n");
		return CTL_EXIT_FAIL;
	}
	body = n - (size_t)(nl + 1 - a);
	if (body && fwrite(nl + 1, 1, body, stdout) != body)
		return CTL_EXIT_FAIL;
	if (fflush(stdout) != 0)
		return CTL_EXIT_FAIL;
	if (nl - a == 2 && memcmp(a, "ok", 2) == 0)
		return CTL_EXIT_OK;
	if (nl - a > 7 && memcmp(a, "error: ", 7) == 0)
		fprintf(stderr, "sixgatectl: %.*s\n", (int)(nl - a - 7), a + 7);
	else
		fprintf(stderr, "sixgatectl: malformed answer from sixgated: "
			"%.*s\n", (int)(nl - a), a);
	return CTL_EXIT_FAIL;
}

/* Every control command: argv[0] is its first word. */
int ctl_control(int argc, char **argv)
{
	struct ctl_request r;
	ssize_t n;
	int fd, rc = ctl_build(&r, argc, argv);

	if (rc == 1)
		return ctl_control_usage(argv[0], stdout, CTL_EXIT_OK);
	if (rc < 0)
		return ctl_control_usage(argv[0], stderr, CTL_EXIT_USAGE);
	fd = ctl_connect(ctl_socket_path());
	if (fd < 0)
		return CTL_EXIT_FAIL;
	n = ctl_exchange(fd, &r);
	close(fd);
	if (n < 0)
		return CTL_EXIT_FAIL;
	return ctl_print_answer(ctl_answer, (size_t)n);
}
