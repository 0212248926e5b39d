/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcap input and output for the offline tools.  Input may be raw IP
 * (LINKTYPE_RAW 101, IPV4 228, IPV6 229) or Ethernet with 802.1Q/802.1ad
 * tags; output is always LINKTYPE_RAW.  libpcap stays behind this header so
 * the translate loop sees only IP packets and timestamps.
 */
#ifndef SIXGATE_CTL_PCAPIO_H
#define SIXGATE_CTL_PCAPIO_H

#include <stddef.h>
#include <stdint.h>

#include <pcap/pcap.h>

/* Why a frame was not handed to the translator (link layer, not IP). */
#define PCAPIO_DROPS(X)                                                        \
	X(TRUNCATED_CAPTURE, "truncated_capture") /* caplen < len */          \
	X(SHORT_FRAME, "short_frame")   /* shorter than its link header */    \
	X(NOT_IP, "not_ip")             /* ethertype neither IPv4 nor IPv6 */

enum pcapio_drop {
	PCAPIO_PASS = 0,
#define PCAPIO_ENUM(name, str) PCAPIO_##name,
	PCAPIO_DROPS(PCAPIO_ENUM)
#undef PCAPIO_ENUM
	PCAPIO__COUNT
};

const char *pcapio_drop_name(enum pcapio_drop d);

struct pcapio_in {
	pcap_t *p;
	int dlt;
};

/* One frame as read: ts in nanoseconds since the epoch. */
struct pcapio_frame {
	const uint8_t *data;
	size_t caplen;
	size_t len;
	uint64_t ts_ns;
};

struct pcapio_out {
	pcap_t *p;
	pcap_dumper_t *d;
};

/* Open a capture; unsupported link types are refused.  0 or -errno, with
 * "path: reason" in err. */
int pcapio_open_in(struct pcapio_in *in, const char *path, char *err,
		   size_t errlen);
/* 1 and *f filled, 0 at the end, -EIO with err set on a damaged file. */
int pcapio_next(struct pcapio_in *in, struct pcapio_frame *f, char *err,
		size_t errlen);
void pcapio_close_in(struct pcapio_in *in);

/* Find the IP packet inside a frame of the input's link type. */
enum pcapio_drop pcapio_decap(const struct pcapio_in *in,
			      const struct pcapio_frame *f,
			      const uint8_t **ip, size_t *iplen);

int pcapio_open_out(struct pcapio_out *out, const char *path, char *err,
		    size_t errlen);
void pcapio_write(struct pcapio_out *out, uint64_t ts_ns,
		  const uint8_t *data, size_t len);
/* Flush and close; -EIO if anything failed to reach the file. */
int pcapio_close_out(struct pcapio_out *out);

#endif
