/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: TUN queues (Linux Documentation/networking/tuntap.rst).  No
 * RFC; the translation itself is RFC 7915 in src/core.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tun.h"

static int tun_open_queue(const char *name)
{
	struct ifreq ifr;
	int fd, err;

	/* Blocking: a worker sleeps in read() (one syscall per packet
	 * instead of poll + read + a read that says EAGAIN). */
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int tun_open(const char *name, unsigned nqueues, int *fds)
{
	for (unsigned i = 0; i < nqueues; i++) {
		int fd = tun_open_queue(name);

		if (fd < 0) {
			tun_close(fds, i);
			return fd;
		}
		fds[i] = fd;
	}
	return 0;
}

void tun_close(int *fds, unsigned nqueues)
{
	for (unsigned i = 0; i < nqueues; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int tun_read_batch(int fd, unsigned char *const *bufs, size_t *lens,
		   unsigned n)
{
	ssize_t got;

	if (n == 0)
		return 0;
	got = read(fd, bufs[0], TUN_BUF);
	if (got < 0)
		return -errno;
	if (got == 0)
		return -EAGAIN;
	lens[0] = (size_t)got;
	return 1;
}

int tun_write(int fd, const void *pkt, size_t len)
{
	ssize_t put = write(fd, pkt, len);

	if (put < 0)
		return -errno;
	return (size_t)put == len ? 0 : -EIO;
}
