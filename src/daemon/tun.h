/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: TUN devices, one queue (descriptor) per worker.  Packets are
 * raw IPv4/IPv6 (IFF_TUN | IFF_NO_PI); the device disappears with its last
 * descriptor, so nothing is left behind when the daemon dies.
 */
#ifndef SIXGATE_TUN_H
#define SIXGATE_TUN_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Room for a 64 KiB GSO packet once offloads are on (docs/performance.md). */
#define TUN_BUF 65536

/*
 * Open name with nqueues queues (IFF_MULTI_QUEUE), descriptors into
 * fds[0..nqueues), non-blocking and close-on-exec.  Returns 0 or a
 * negative errno; on error nothing stays open.
 */
int tun_open(const char *name, unsigned nqueues, int *fds);

void tun_close(int *fds, unsigned nqueues);

/*
 * Read up to n packets into bufs[i] (each TUN_BUF bytes), lengths into
 * lens[i].  Returns the number read (> 0), or a negative errno (-EAGAIN
 * when the queue is empty).  Reads one packet today; the signature leaves
 * room for batching (recvmmsg-like or vnet headers) without touching the
 * workers.
 */
int tun_read_batch(int fd, unsigned char *const *bufs, size_t *lens,
		   unsigned n);

/* Write one packet.  0 or a negative errno. */
int tun_write(int fd, const void *pkt, size_t len);

#endif
