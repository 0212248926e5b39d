/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: TUN devices, one queue (descriptor) per worker.  Packets are
 * raw IPv4/IPv6 (IFF_TUN | IFF_NO_PI); the device disappears with its last
 * descriptor, so nothing is left behind when the daemon dies.
 *
 * Offloads (issue 7, docs/performance.md): when the kernel allows, every
 * packet carries a virtio_net_hdr (IFF_VNET_HDR) and the device takes TCP
 * and UDP segmentation and checksum offload (TUNSETOFFLOAD), so the kernel
 * hands over and takes back GSO "super-packets" of up to 64 KiB with
 * partial checksums, and one translation serves dozens of segments.
 * Whatever the kernel refuses is left off, and said once at open.
 */
#ifndef SIXGATE_TUN_H
#define SIXGATE_TUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "core/xlat.h"

/* A 64 KiB GSO packet and its virtio_net_hdr. */
#define TUN_BUF (65536 + 64)

/* TUN_F_* offloads in force (TUN_F_CSUM, TUN_F_TSO4, ...), 0 for none. */
struct tun_caps {
	bool vnet;         /* packets carry a virtio_net_hdr */
	unsigned offloads;
};

/*
 * Open name with nqueues queues (IFF_MULTI_QUEUE), descriptors into
 * fds[0..nqueues), blocking and close-on-exec.  With want_offloads, ask
 * for the vnet header and the offloads the kernel has and say in *caps
 * what was granted.  Returns 0 or a negative errno; on error nothing stays
 * open.
 */
int tun_open(const char *name, unsigned nqueues, int *fds, bool want_offloads,
	     struct tun_caps *caps);

void tun_close(int *fds, unsigned nqueues);

/* "csum tso4 tso6 uso4 uso6" for logs. */
void tun_caps_str(const struct tun_caps *caps, char *s, size_t n);

/*
 * Read up to n packets into bufs[i] (each TUN_BUF bytes).  For each, the
 * packet starts at bufs[i] + offs[i].hdr... see struct tun_rx.  Returns
 * the number read (> 0), or a negative errno (-EAGAIN when empty).
 */
struct tun_rx {
	size_t start;              /* the IP packet's offset in the buffer */
	size_t len;                /* its length */
	struct xlat_offload off;   /* from the virtio_net_hdr */
};
int tun_read_batch(int fd, bool vnet, unsigned char *const *bufs,
		   struct tun_rx *rx, unsigned n);

/* The packet read into buf (got bytes, the header first when vnet) as
 * rx; -EPROTO for a header the core cannot carry.  For callers that read
 * themselves (io_uring). */
int tun_rx_parse(bool vnet, const unsigned char *buf, size_t got,
		 struct tun_rx *rx);

/* Write one packet, with a virtio_net_hdr built from off (NULL: none
 * needed) when vnet.  family is 4 or 6.  0 or a negative errno. */
int tun_write(int fd, bool vnet, const void *pkt, size_t len, int family,
	      const struct xlat_offload *off);

/*
 * One packet's write prepared for a caller that submits it later
 * (io_uring): its virtio_net_hdr and the iovecs (header, packet; the
 * packet alone without vnet).  t and pkt must stay put until the write
 * completes; a complete write takes exactly t->len bytes.
 */
struct tun_tx {
	unsigned char hdr[12] __attribute__((aligned(8)));
	unsigned niov;
	size_t len;
	struct iovec iov[2];
};
void tun_tx_prep(struct tun_tx *t, bool vnet, const void *pkt, size_t len,
		 int family, const struct xlat_offload *off);

/*
 * The queue, of n, for both directions of the flow whose IPv6 form is the
 * packet pkt (len bytes): a hash of its two addresses and, when a TCP or
 * UDP header follows the fixed header, its ports, that stays the same with
 * source and destination swapped.  As coarse as the kernel's own flow hash
 * (which has no ports for ICMP and fragments), so that two flows the kernel
 * takes for one never pull it to two queues.  A packet's translation is
 * written on this queue whichever worker translated it, so that the kernel
 * (which sends a flow to the queue that last wrote it) keeps a flow and
 * its answers on one worker; see docs/performance.md, "One queue per
 * flow".  0 when n < 2 or pkt is not IPv6.
 */
unsigned tun_flow_queue(const void *pkt, size_t len, unsigned n);

/* The queue to write p, a translation of the packet in (inlen bytes; NULL
 * and 0 for a packet the daemon makes itself), on: the flow queue of p
 * when p is IPv6, else of in when in is IPv6; -1 when neither is (the
 * writer's own queue will do). */
int tun_pkt_queue(const struct xlat_pkt *p, const void *in, size_t inlen,
		  unsigned n);

/* O_NONBLOCK on a queue read through io_uring, which otherwise hands every
 * read to a kernel thread (bench/tunio).  0 or a negative errno. */
int tun_set_nonblock(int fd);

#endif
