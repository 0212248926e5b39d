/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench/tunio: does batching the TUN system calls pay off?  (issue 7)
 *
 * A worker does one read() and one write() per packet: a TUN descriptor
 * hands out one packet per read and takes one per write, so readv/writev
 * cannot batch across packets.  The one interface that can is io_uring:
 * many reads kept posted and many writes submitted with one
 * io_uring_enter().  This program measures both ways on the same device.
 *
 * Run by bench/tunio inside a fresh network namespace:
 *   a TUN device tio0 (198.51.100.1/24, 203.0.113.0/24 routed into it);
 *   a sender thread blasts 64-byte UDP datagrams at 203.0.113.10 (sendmmsg),
 *   which the kernel routes into tio0;
 *   the loop under test reads each packet from tio0 and writes it back with
 *   source and destination swapped (as a translator writes its result), so
 *   the kernel delivers it to a local UDP socket that a drain thread empties.
 * It prints packets per second through the loop and the loop's CPU time per
 * packet (CLOCK_THREAD_CPUTIME_ID), for: syscalls (read + write per packet)
 * and io_uring with Q reads posted, writes batched.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <net/route.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF 2048
#define QD 64

static _Atomic bool stop;
static _Atomic uint64_t loop_pkts;

static double now_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int tun_open(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		return -1;
	return fd;
}

/* Swap IPv4 source and destination and UDP ports: the checksums hold
 * (both sums are symmetric), so the kernel takes the packet back. */
static void turn(uint8_t *p)
{
	uint8_t t[4];
	unsigned ihl = (p[0] & 0x0f) * 4u;

	memcpy(t, p + 12, 4);
	memcpy(p + 12, p + 16, 4);
	memcpy(p + 16, t, 4);
	memcpy(t, p + ihl, 2);
	memcpy(p + ihl, p + ihl + 2, 2);
	memcpy(p + ihl + 2, t, 2);
}

static void *sender(void *arg)
{
	(void)arg;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct sockaddr_in src = { .sin_family = AF_INET,
				   .sin_port = htons(4000) };
	char payload[64 - 28] = { 0 };
	struct mmsghdr m[64];
	struct iovec iov = { payload, sizeof(payload) };

	inet_pton(AF_INET, "203.0.113.10", &dst.sin_addr);
	inet_pton(AF_INET, "198.51.100.1", &src.sin_addr);
	bind(s, (struct sockaddr *)&src, sizeof(src));
	connect(s, (struct sockaddr *)&dst, sizeof(dst));
	memset(m, 0, sizeof(m));
	for (int i = 0; i < 64; i++) {
		m[i].msg_hdr.msg_iov = &iov;
		m[i].msg_hdr.msg_iovlen = 1;
	}
	while (!atomic_load(&stop))
		sendmmsg(s, m, 64, 0);
	close(s);
	return NULL;
}

static void loop_syscalls(int fd)
{
	uint8_t b[BUF];

	while (!atomic_load(&stop)) {
		ssize_t n = read(fd, b, sizeof(b));
		if (n < 20 || b[0] >> 4 != 4)
			continue;
		turn(b);
		if (write(fd, b, (size_t)n) == n)
			atomic_fetch_add_explicit(&loop_pkts, 1,
						  memory_order_relaxed);
	}
}

/* Q reads posted; each completed read becomes a write in the same
 * submission batch, and each completed write a read again. */
static void loop_uring(int fd, unsigned q)
{
	static uint8_t bufs[QD][BUF];
	struct io_uring ring;
	struct io_uring_cqe *cqe;

	/* Non-blocking, so that io_uring polls the device and completes reads
	 * inline instead of handing them to its worker threads. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (io_uring_queue_init(2 * q, &ring, 0) < 0) {
		perror("io_uring_queue_init");
		exit(1);
	}
	for (unsigned i = 0; i < q; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		io_uring_prep_read(sqe, fd, bufs[i], BUF, 0);
		io_uring_sqe_set_data64(sqe, i << 1);
	}
	io_uring_submit(&ring);
	while (!atomic_load(&stop)) {
		struct __kernel_timespec ts = { 0, 100000000 };
		if (io_uring_wait_cqe_timeout(&ring, &cqe, &ts) < 0)
			continue;
		unsigned head, n = 0;
		io_uring_for_each_cqe(&ring, head, cqe) {
			uint64_t d = io_uring_cqe_get_data64(cqe);
			unsigned i = (unsigned)(d >> 1);
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
			if ((d & 1) == 0 && cqe->res >= 20) {
				turn(bufs[i]);
				io_uring_prep_write(sqe, fd, bufs[i],
						    (unsigned)cqe->res, 0);
				io_uring_sqe_set_data64(sqe, d | 1);
			} else {
				if (d & 1)
					atomic_fetch_add_explicit(
						&loop_pkts, 1,
						memory_order_relaxed);
				io_uring_prep_read(sqe, fd, bufs[i], BUF, 0);
				io_uring_sqe_set_data64(sqe, (uint64_t)i << 1);
			}
			n++;
		}
		io_uring_cq_advance(&ring, n);
		io_uring_submit(&ring);
	}
	io_uring_queue_exit(&ring);
}

struct run {
	int fd;
	unsigned q; /* 0: syscalls */
	double cpu;
};

static void *looper(void *arg)
{
	struct run *r = arg;
	double c0 = now_s(CLOCK_THREAD_CPUTIME_ID);

	if (r->q)
		loop_uring(r->fd, r->q);
	else
		loop_syscalls(r->fd);
	r->cpu = now_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	return NULL;
}

static void pin(pthread_t t, int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	pthread_setaffinity_np(t, sizeof(s), &s);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 5;
	unsigned q = argc > 2 ? (unsigned)atoi(argv[2]) : 0;
	int fd = tun_open("tio0");
	pthread_t ts, tl;
	struct run r = { .fd = fd, .q = q > QD ? QD : q };

	if (fd < 0) {
		perror("tun");
		return 1;
	}
	if (system("ip link set tio0 up && ip addr add 198.51.100.1/24 dev lo "
		   "2>/dev/null; ip route add 203.0.113.0/24 dev tio0 && "
		   "sysctl -qw net.ipv4.conf.all.rp_filter=0 "
		   "net.ipv4.conf.tio0.rp_filter=0 "
		   "net.ipv4.conf.tio0.accept_local=1") != 0)
		return 1;
	pthread_create(&tl, NULL, looper, &r);
	pin(tl, 1);
	pthread_create(&ts, NULL, sender, NULL);
	pin(ts, 0);
	usleep(500000);
	uint64_t p0 = atomic_load(&loop_pkts);
	double t0 = now_s(CLOCK_MONOTONIC);
	usleep((useconds_t)(secs * 1e6));
	uint64_t p1 = atomic_load(&loop_pkts);
	double t1 = now_s(CLOCK_MONOTONIC);
	atomic_store(&stop, true);
	pthread_join(ts, NULL);
	pthread_join(tl, NULL);
	double pps = (double)(p1 - p0) / (t1 - t0);
	printf("%-14s %10.0f pps  %8.0f ns CPU/packet (loop thread)\n",
	       q ? "io_uring" : "read+write", pps,
	       r.cpu * 1e9 / (double)atomic_load(&loop_pkts));
	if (q)
		printf("  (queue depth %u)\n", q);
	return 0;
}
