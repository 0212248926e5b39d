/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: the privilege drop (OpenBSD privsep in spirit, STYLE.md 4).
 * Called once, after the TUN devices, the netlink socket and the control
 * socket are open and before any thread starts or any untrusted input is
 * read.
 */
#ifndef SIXGATE_PRIVS_H
#define SIXGATE_PRIVS_H

/*
 * Become user (its primary group, no supplementary groups), keeping only
 * CAP_NET_ADMIN in the permitted and effective sets (netlink changes on
 * reload and pref64 updates, TUNSETIFF for a renamed device), drop every
 * other capability from the bounding set where allowed, and set
 * PR_SET_NO_NEW_PRIVS.  user "root" keeps root and all its capabilities.
 * Returns 0, -ENOENT when the user does not exist, or a negative errno.
 */
int privs_drop(const char *user);

#endif
