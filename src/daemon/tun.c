/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: TUN queues (Linux Documentation/networking/tuntap.rst).  No
 * RFC; the translation itself is RFC 7915 in src/core.
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/wire.h"
#include "tun.h"

/* Older headers lack the UDP segmentation offload bits (Linux 6.2). */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

#define VNET_HDR sizeof(struct virtio_net_hdr)

static int tun_open_queue(const char *name, bool vnet)
{
	struct ifreq ifr;
	int fd, err;

	/* Blocking: a worker sleeps in read() (one syscall per packet
	 * instead of poll + read + a read that says EAGAIN). */
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE |
			(vnet ? IFF_VNET_HDR : 0);
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * The richest offload set the kernel accepts: checksum plus TCP
 * segmentation both ways (with ECN), then UDP segmentation where the
 * kernel has it (6.2 and later); each step down is tried in turn.
 */
static unsigned tun_offloads(int fd)
{
	static const unsigned tries[] = {
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN |
			TUN_F_USO4 | TUN_F_USO6,
		TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN,
		TUN_F_CSUM,
	};

	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++)
		if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)tries[i]) == 0)
			return tries[i];
	return 0;
}

int tun_open(const char *name, unsigned nqueues, int *fds, bool want_offloads,
	     struct tun_caps *caps)
{
	caps->vnet = false;
	caps->offloads = 0;
	for (unsigned i = 0; i < nqueues; i++) {
		int fd = tun_open_queue(name, want_offloads);

		/* A kernel without vnet headers on TUN: plain packets. */
		if (fd == -EINVAL && i == 0 && want_offloads) {
			want_offloads = false;
			fd = tun_open_queue(name, false);
		}
		if (fd < 0) {
			tun_close(fds, i);
			return fd;
		}
		fds[i] = fd;
	}
	caps->vnet = want_offloads;
	/* A device-wide setting: once, through any queue. */
	if (caps->vnet)
		caps->offloads = tun_offloads(fds[0]);
	return 0;
}

void tun_caps_str(const struct tun_caps *caps, char *s, size_t n)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ TUN_F_CSUM, " csum" }, { TUN_F_TSO4, " tso4" },
		{ TUN_F_TSO6, " tso6" }, { TUN_F_TSO_ECN, " tso-ecn" },
		{ TUN_F_USO4, " uso4" }, { TUN_F_USO6, " uso6" },
	};
	size_t k = 0;

	s[0] = '\0';
	if (!caps->vnet) {
		snprintf(s, n, "none (no vnet header)");
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((caps->offloads & names[i].bit) && k < n)
			k += (size_t)snprintf(s + k, n - k, "%s", names[i].name);
	if (!k)
		snprintf(s, n, "none (kernel refused TUNSETOFFLOAD)");
}

void tun_close(int *fds, unsigned nqueues)
{
	for (unsigned i = 0; i < nqueues; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* virtio_net_hdr → xlat_offload; anything the core cannot carry whole
 * (UFO, an unknown type) makes the packet unreadable (-EPROTO). */
static int tun_vnet_in(const struct virtio_net_hdr *h, struct xlat_offload *o)
{
	*o = (struct xlat_offload){ 0 };
	o->partial = h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM;
	o->ecn = h->gso_type & VIRTIO_NET_HDR_GSO_ECN;
	switch (h->gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return 0;
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		o->gso = XLAT_GSO_TCP;
		break;
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		o->gso = XLAT_GSO_UDP;
		break;
	default:
		return -EPROTO;
	}
	o->gso_size = h->gso_size;
	return o->partial && o->gso_size ? 0 : -EPROTO;
}

int tun_rx_parse(bool vnet, const unsigned char *buf, size_t got,
		 struct tun_rx *rx)
{
	struct virtio_net_hdr h;

	rx->start = 0;
	rx->len = got;
	rx->off = (struct xlat_offload){ 0 };
	if (!vnet)
		return 0;
	if (got < VNET_HDR)
		return -EPROTO;
	memcpy(&h, buf, VNET_HDR);
	if (tun_vnet_in(&h, &rx->off))
		return -EPROTO;
	rx->start = VNET_HDR;
	rx->len = got - VNET_HDR;
	return 0;
}

int tun_read_batch(int fd, bool vnet, unsigned char *const *bufs,
		   struct tun_rx *rx, unsigned n)
{
	ssize_t got;
	int err;

	if (n == 0)
		return 0;
	got = read(fd, bufs[0], TUN_BUF);
	if (got < 0)
		return -errno;
	if (got == 0)
		return -EAGAIN;
	err = tun_rx_parse(vnet, bufs[0], (size_t)got, &rx[0]);
	return err ? err : 1;
}

/* The virtio_net_hdr of a translated packet: where its transport header
 * and checksum are, and how the kernel is to cut it. */
static void tun_vnet_out(struct virtio_net_hdr *h, const uint8_t *pkt,
			 size_t len, int family, const struct xlat_offload *o)
{
	memset(h, 0, sizeof(*h));
	if (!o || !o->partial)
		return;
	size_t l3 = family == 4 ? (pkt[0] & 0x0f) * 4u : 40;
	uint8_t proto = family == 4 ? pkt[9] : pkt[6];
	if (len < l3 + 8 || (proto != 6 && proto != 17))
		return;
	h->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	h->csum_start = (uint16_t)l3;
	h->csum_offset = proto == 6 ? 16 : 6;
	if (o->gso == XLAT_GSO_NONE)
		return;
	size_t l4h = proto == 6 && len >= l3 + 13 ? (pkt[l3 + 12] >> 4) * 4u :
						    8u;
	h->hdr_len = (uint16_t)(l3 + l4h);
	h->gso_size = o->gso_size;
	if (o->gso == XLAT_GSO_UDP)
		h->gso_type = VIRTIO_NET_HDR_GSO_UDP_L4;
	else
		h->gso_type = family == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 :
					    VIRTIO_NET_HDR_GSO_TCPV6;
	if (o->ecn)
		h->gso_type |= VIRTIO_NET_HDR_GSO_ECN;
}

static_assert(sizeof(struct virtio_net_hdr) <=
	      sizeof(((struct tun_tx *)0)->hdr), "tun_tx holds the header");

void tun_tx_prep(struct tun_tx *t, bool vnet, const void *pkt, size_t len,
		 int family, const struct xlat_offload *off)
{
	struct virtio_net_hdr h;

	t->niov = 0;
	t->len = len;
	if (vnet) {
		tun_vnet_out(&h, pkt, len, family, off);
		memcpy(t->hdr, &h, sizeof(h));
		t->iov[t->niov++] = (struct iovec){ t->hdr, sizeof(h) };
		t->len += sizeof(h);
	}
	t->iov[t->niov++] = (struct iovec){ (void *)pkt, len };
}

int tun_write(int fd, bool vnet, const void *pkt, size_t len, int family,
	      const struct xlat_offload *off)
{
	struct tun_tx t;
	ssize_t put;

	tun_tx_prep(&t, vnet, pkt, len, family, off);
	put = t.niov == 1 ? write(fd, pkt, len) : writev(fd, t.iov, (int)t.niov);
	if (put < 0)
		return -errno;
	return (size_t)put == t.len ? 0 : -EIO;
}

int tun_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

unsigned tun_flow_queue(const void *pkt, size_t len, unsigned n)
{
	const uint8_t *p = pkt;
	uint32_t h = 0;

	if (n < 2 || len < 40 || p[0] >> 4 != 6)
		return 0;
	for (size_t i = 8; i < 24; i += 4)
		h += get32(p + i) ^ get32(p + i + 16);
	/* the kernel's flow hash has ports for these only; ICMP echoes
	 * between two addresses are one flow to it, whatever their ids */
	if ((p[6] == IPPROTO_TCP || p[6] == IPPROTO_UDP) && len >= 44) {
		uint32_t ports = get32(p + 40);

		h += (ports ^ ports >> 16) & 0xffff;
	}
	/* murmur3's finaliser, then multiply-shift onto [0, n) */
	h += p[6];
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return (unsigned)(((uint64_t)h * n) >> 32);
}

int tun_pkt_queue(const struct xlat_pkt *p, const void *in, size_t inlen,
		  unsigned n)
{
	const uint8_t *i = in;

	if (p->family == 6)
		return (int)tun_flow_queue(p->data, p->len, n);
	if (inlen && i[0] >> 4 == 6)
		return (int)tun_flow_queue(in, inlen, n);
	return -1;
}
