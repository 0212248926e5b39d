/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: privilege drop with capabilities(7) kept through
 * PR_SET_KEEPCAPS and set with the raw capset(2) system call, so there is
 * no libcap dependency.  No RFC; what is kept and why: sixgated(8),
 * PRIVILEGES.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "privs.h"

/* Bounding set: everything but CAP_NET_ADMIN.  EPERM (no CAP_SETPCAP, as
 * under a systemd CapabilityBoundingSet=) and EINVAL (past the kernel's
 * last capability) just end the work; the unit already bounds it. */
static void privs_bound(void)
{
	for (unsigned long cap = 0; cap <= 63; cap++) {
		if (cap == CAP_NET_ADMIN)
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
		    errno != EPERM)
			break;
	}
}

static int privs_setid(const struct passwd *pw)
{
	gid_t gid = pw->pw_gid;

	if (setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
		return -errno;
	return 0;
}

static int privs_keep_net_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	data[CAP_TO_INDEX(CAP_NET_ADMIN)].permitted = CAP_TO_MASK(CAP_NET_ADMIN);
	data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective = CAP_TO_MASK(CAP_NET_ADMIN);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	return 0;
}

/* The drop must be irreversible: if root can be regained, refuse to run. */
static int privs_check(void)
{
	if (setuid(0) == 0 || seteuid(0) == 0)
		return -EPERM;
	return 0;
}

static int privs_lookup(const char *user, struct passwd *pw, char *buf,
			size_t len)
{
	struct passwd *res = NULL;
	int rc = getpwnam_r(user, pw, buf, len, &res);

	if (rc)
		return -rc;
	return res ? 0 : -ENOENT;
}

int privs_drop(const char *user)
{
	struct passwd pw;
	char buf[4096];
	int err;

	if (strcmp(user, "root") == 0)
		return 0;
	err = privs_lookup(user, &pw, buf, sizeof(buf));
	if (err) {
		log_err("user %s: %s (create it, e.g. with systemd-sysusers, "
			"or set user = root)", user,
			err == -ENOENT ? "no such user" : strerror(-err));
		return err;
	}
	privs_bound();
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return -errno;
	err = privs_setid(&pw);
	if (err == 0)
		err = privs_keep_net_admin();
	if (err == 0 && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		err = -errno;
	if (err == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		err = -errno;
	if (err == 0)
		err = privs_check();
	if (err)
		log_err("dropping privileges to %s: %s", user, strerror(-err));
	else
		log_info("running as %s (uid %u) with CAP_NET_ADMIN only", user,
			 (unsigned)pw.pw_uid);
	return err;
}
