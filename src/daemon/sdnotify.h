/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: the systemd notification protocol (sd_notify(3)) without
 * libsystemd: one datagram to $NOTIFY_SOCKET.
 */
#ifndef SIXGATE_SDNOTIFY_H
#define SIXGATE_SDNOTIFY_H

/* Send msg ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...").
 * Returns 0 (also when NOTIFY_SOCKET is unset) or a negative errno. */
int sdnotify(const char *msg);

#endif
