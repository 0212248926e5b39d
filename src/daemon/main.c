/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: the sixgate daemon (docs/daemon.md, sixgated(8)).  Runs the
 * roles sixgate.conf enables -- [siit] (RFC 7915, RFC 7757) and [clat]
 * (RFC 6877) -- on TUN devices.  Startup order is the privsep order:
 * parse, open TUN + netlink + control socket, drop privileges, then start
 * the threads that read untrusted input.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "pref64d.h"
#include "privs.h"
#include "sdnotify.h"
#include "sixgated.h"

#ifndef SIXGATE_VERSION
#define SIXGATE_VERSION "0.1"
#endif

/* Without -c: discover the prefix, run no translator.  A host CLAT needs
 * an IPv6 address of its own that only the administrator can choose
 * (sixgated(8), "DEFAULT CONFIGURATION"). */
static const char main_default_conf[] =
	"# sixgated embedded default\n"
	"pref64 = auto\n";

struct main_opts {
	const char *conf_path;
	bool check;
	bool foreground;
	bool debug;
};

static void main_usage(FILE *f)
{
	fprintf(f, "usage: sixgated [-dfn] [-c file]\n"
		   "       sixgated -h | -V\n"
		   "  -c file  configuration (default: embedded, see "
		   "sixgated(8))\n"
		   "  -n       check the configuration, print it normalised, "
		   "exit\n"
		   "  -f       foreground: log to stderr instead of syslog\n"
		   "  -d       debug logging\n"
		   "  -h       this help\n"
		   "  -V       version\n");
}

/* 0: run; 1: exit 0; -1: usage error. */
static int main_args(int argc, char **argv, struct main_opts *o)
{
	int ch;

	while ((ch = getopt(argc, argv, "c:nfdhV")) != -1) {
		switch (ch) {
		case 'c': o->conf_path = optarg; break;
		case 'n': o->check = true; break;
		case 'f': o->foreground = true; break;
		case 'd': o->debug = true; break;
		case 'h': main_usage(stdout); return 1;
		case 'V': printf("sixgated %s\n", SIXGATE_VERSION); return 1;
		default: return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

static int main_conf(const struct main_opts *o, struct sixgate_conf *c)
{
	char err[512];
	int rc;

	if (o->conf_path)
		rc = conf_parse_file(o->conf_path, c, err, sizeof(err));
	else
		rc = conf_parse_buf("(embedded default)", main_default_conf,
				    sizeof(main_default_conf) - 1, c, err,
				    sizeof(err));
	if (rc)
		fprintf(stderr, "%s\n", err);
	return rc;
}

static void main_explain(const struct sixgate_conf *c, const char *path)
{
	if (c->siit.enabled || c->clat.enabled || c->nat64.enabled)
		return;
	log_notice("%s enables no translator: only prefix discovery runs. "
		   "A CLAT needs [clat] with mode and ipv6-address, see "
		   "sixgated(8)", path ? path : "the embedded default");
}

static void main_sigmask(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	/* Every thread inherits the mask; only the main loop takes them. */
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void main_reload(struct daemon *d)
{
	char err[512];

	sdnotify("RELOADING=1");
	if (daemon_reload(d, err, sizeof(err)) == 0)
		sdnotify("READY=1\nSTATUS=configuration reloaded");
	else
		sdnotify("READY=1\nSTATUS=reload refused, old configuration "
			 "running");
}

/* Signals and housekeeping until SIGTERM or SIGINT. */
static void main_loop(struct daemon *d, const sigset_t *set)
{
	struct timespec tick = { 1, 0 };

	for (;;) {
		int sig = sigtimedwait(set, NULL, &tick);

		if (sig == SIGTERM || sig == SIGINT) {
			log_notice("signal %d: shutting down", sig);
			return;
		}
		if (sig == SIGHUP)
			main_reload(d);
		daemon_tick(d);
	}
}

static void *main_control_thread(void *arg)
{
	int err = control_run(arg);

	if (err)
		log_err("control socket: %s", strerror(-err));
	return NULL;
}

struct main_state {
	struct daemon *d;
	struct control *ctl;
	pthread_t ctl_thread;
	bool ctl_running;
	struct pref64d *pd; /* pref64 = auto only */
};

/* pref64 = auto: RFC 8781 Router Advertisements on any interface, then
 * RFC 7050.  The raw ICMPv6 socket needs CAP_NET_RAW, so it opens before
 * the drop.  Without it the daemon still runs its EAM rows. */
static void main_pref64d_open(struct main_state *s)
{
	struct pref64d_cfg cfg = {
		.d = s->d, .ifname = NULL, .use_ra = true, .use_dns = true,
	};
	int err;

	if (!daemon_conf(s->d)->pref64_auto)
		return;
	err = pref64d_open(&cfg, &s->pd);
	if (err)
		log_err("pref64 discovery: %s; RFC 6052 translation waits for "
			"a prefix that cannot come (set pref64)",
			strerror(-err));
}

/* Everything that needs privileges, then the drop. */
static int main_privileged(struct main_state *s, const struct main_opts *o,
			   struct sixgate_conf *c)
{
	char user[CONF_USER_MAX];
	char path[CONF_PATH_MAX];
	int err;

	memcpy(user, c->user, sizeof(user));
	memcpy(path, c->control_socket, sizeof(path));
	err = daemon_new(o->conf_path, c, &s->d);
	if (err == 0)
		err = daemon_start(s->d);
	if (err)
		return err;
	err = control_open(s->d, path, &s->ctl);
	if (err) {
		log_err("control socket %s: %s", path, strerror(-err));
		return err;
	}
	main_pref64d_open(s);
	return privs_drop(user);
}

static int main_unprivileged(struct main_state *s)
{
	int err = daemon_run(s->d);

	if (err)
		return err;
	err = -pthread_create(&s->ctl_thread, NULL, main_control_thread,
			      s->ctl);
	if (err)
		return err;
	s->ctl_running = true;
	if (s->pd && (err = pref64d_run(s->pd)) != 0) {
		log_err("pref64 discovery: %s", strerror(-err));
		pref64d_stop(s->pd);
		s->pd = NULL;
	}
	return 0;
}

static void main_cleanup(struct main_state *s)
{
	sdnotify("STOPPING=1");
	if (s->ctl_running) {
		control_stop(s->ctl);
		pthread_join(s->ctl_thread, NULL);
	}
	control_close(s->ctl);
	pref64d_stop(s->pd);
	daemon_free(s->d);
}

int main(int argc, char **argv)
{
	struct main_opts o = { 0 };
	struct main_state s = { 0 };
	struct sixgate_conf c;
	sigset_t set;
	int rc = main_args(argc, argv, &o);

	if (rc)
		return rc > 0 ? 0 : (main_usage(stderr), 2);
	if (main_conf(&o, &c))
		return 1;
	if (o.check) {
		rc = conf_print(stdout, &c) ? 1 : 0;
		conf_free(&c);
		return rc;
	}
	log_init(o.foreground, o.debug);
	main_sigmask(&set);
	main_explain(&c, o.conf_path);
	rc = main_privileged(&s, &o, &c);
	conf_free(&c); /* daemon_new() took it over, or it failed */
	if (rc == 0)
		rc = main_unprivileged(&s);
	if (rc == 0) {
		log_notice("sixgated %s running", SIXGATE_VERSION);
		if (sdnotify("READY=1\nSTATUS=translating") < 0)
			log_warn("NOTIFY_SOCKET: cannot send READY=1");
		main_loop(s.d, &set);
	}
	main_cleanup(&s);
	return rc ? 1 : 0;
}
