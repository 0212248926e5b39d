/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pcap reading and writing for sixgatectl translate.
 *
 * Link layers: LINKTYPE_RAW / DLT_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6 and
 * Ethernet II with IEEE 802.1Q / 802.1ad tags.  Ethernet pads short frames
 * to 60 bytes; the padding is trimmed using the IP length field so the core
 * sees the datagram the sender built (RFC 894 leaves padding to the link).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/wire.h"
#include "pcapio.h"

/* libpcap maps LINKTYPE_RAW (101) to DLT_RAW, which is 12 on most systems
 * and 14 on OpenBSD; older builds hand back 101 itself. */
#define PCAPIO_DLT_RAW_A 12
#define PCAPIO_DLT_RAW_B 14
#define PCAPIO_LINKTYPE_RAW 101
#define PCAPIO_DLT_IPV4 228
#define PCAPIO_DLT_IPV6 229
#define PCAPIO_DLT_EN10MB 1

#define ETH_HDR 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_8021Q 0x8100
#define ETHERTYPE_8021AD 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100

/* Output snap length; ipv6-mtu tops out at 65535 so nothing emitted is
 * longer. */
#define PCAPIO_SNAPLEN 65535

static const char *const pcapio_drop_names[PCAPIO__COUNT] = {
	[PCAPIO_PASS] = "pass",
#define PCAPIO_NAME(name, str) [PCAPIO_##name] = str,
	PCAPIO_DROPS(PCAPIO_NAME)
#undef PCAPIO_NAME
};

const char *pcapio_drop_name(enum pcapio_drop d)
{
	return (unsigned)d < PCAPIO__COUNT ? pcapio_drop_names[d] : "unknown";
}

static int pcapio_dlt_ok(int dlt)
{
	switch (dlt) {
	case PCAPIO_DLT_RAW_A:
	case PCAPIO_DLT_RAW_B:
	case PCAPIO_LINKTYPE_RAW:
	case PCAPIO_DLT_IPV4:
	case PCAPIO_DLT_IPV6:
	case PCAPIO_DLT_EN10MB:
		return 1;
	}
	return 0;
}

int pcapio_open_in(struct pcapio_in *in, const char *path, char *err,
		   size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";

	/* Nanosecond precision keeps both pcap flavours exact for "now". */
	in->p = pcap_open_offline_with_tstamp_precision(path,
			PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (!in->p) {
		/* libpcap names the file itself when fopen() failed. */
		if (strncmp(ebuf, path, strlen(path)) == 0)
			snprintf(err, errlen, "%s", ebuf);
		else
			snprintf(err, errlen, "%s: %s", path, ebuf);
		return -EIO;
	}
	in->dlt = pcap_datalink(in->p);
	if (!pcapio_dlt_ok(in->dlt)) {
		snprintf(err, errlen, "%s: unsupported link type %d (want RAW, "
			 "IPV4, IPV6 or EN10MB)", path, in->dlt);
		pcapio_close_in(in);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

int pcapio_next(struct pcapio_in *in, struct pcapio_frame *f, char *err,
		size_t errlen)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(in->p, &h, &data);

	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1) {
		snprintf(err, errlen, "%s", pcap_geterr(in->p));
		return -EIO;
	}
	f->data = data;
	f->caplen = h->caplen;
	f->len = h->len;
	f->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u +
		   (uint64_t)h->ts.tv_usec;
	return 1;
}

void pcapio_close_in(struct pcapio_in *in)
{
	if (in->p)
		pcap_close(in->p);
	in->p = NULL;
}

/* Drop Ethernet padding: keep what the IP header says, if it is shorter.
 * Only peeks at length fields; a bad header is the core's to judge. */
static size_t pcapio_trim_pad(uint16_t type, const uint8_t *ip, size_t len)
{
	struct wire w;
	size_t want = len;

	wire_init(&w, ip, len);
	if (type == ETHERTYPE_IPV4 && wire_peek8(&w, 0) >> 4 == 4) {
		wire_skip(&w, 2);
		want = wire_u16(&w);
	} else if (type == ETHERTYPE_IPV6 && wire_peek8(&w, 0) >> 4 == 6) {
		wire_skip(&w, 4);
		want = wire_u16(&w);
		want = want ? want + 40 : len; /* 0: jumbogram, leave it */
	}
	return !w.err && want >= 20 && want < len ? want : len;
}

static int pcapio_is_vlan(uint16_t type)
{
	return type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD ||
	       type == ETHERTYPE_QINQ_OLD;
}

static enum pcapio_drop pcapio_decap_eth(const uint8_t *d, size_t len,
					 const uint8_t **ip, size_t *iplen)
{
	struct wire w;
	uint16_t type;
	size_t n;

	wire_init(&w, d, len);
	wire_skip(&w, ETH_HDR - 2); /* destination and source MAC */
	type = wire_u16(&w);
	while (!w.err && pcapio_is_vlan(type)) {
		wire_skip(&w, 2); /* the tag's TCI; its ethertype follows */
		type = wire_u16(&w);
	}
	if (w.err)
		return PCAPIO_SHORT_FRAME;
	if (type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6)
		return PCAPIO_NOT_IP;
	n = wire_avail(&w);
	*ip = wire_take(&w, n);
	*iplen = pcapio_trim_pad(type, *ip, n);
	return PCAPIO_PASS;
}

enum pcapio_drop pcapio_decap(const struct pcapio_in *in,
			      const struct pcapio_frame *f,
			      const uint8_t **ip, size_t *iplen)
{
	if (f->caplen < f->len)
		return PCAPIO_TRUNCATED_CAPTURE;
	if (in->dlt == PCAPIO_DLT_EN10MB)
		return pcapio_decap_eth(f->data, f->caplen, ip, iplen);
	*ip = f->data;
	*iplen = f->caplen;
	return PCAPIO_PASS;
}

int pcapio_open_out(struct pcapio_out *out, const char *path, char *err,
		    size_t errlen)
{
	out->d = NULL;
	out->p = pcap_open_dead(DLT_RAW, PCAPIO_SNAPLEN);
	if (!out->p) {
		snprintf(err, errlen, "%s: cannot create a pcap handle", path);
		return -ENOMEM;
	}
	out->d = pcap_dump_open(out->p, path);
	if (!out->d) {
		snprintf(err, errlen, "%s", pcap_geterr(out->p));
		pcap_close(out->p);
		out->p = NULL;
		return -EIO;
	}
	return 0;
}

/* Microsecond pcap: what every reader understands. */
void pcapio_write(struct pcapio_out *out, uint64_t ts_ns,
		  const uint8_t *data, size_t len)
{
	struct pcap_pkthdr h;

	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(ts_ns / 1000000000u);
	h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000u / 1000u);
	h.caplen = (bpf_u_int32)len;
	h.len = (bpf_u_int32)len;
	pcap_dump((u_char *)out->d, &h, data);
}

int pcapio_close_out(struct pcapio_out *out)
{
	int rc = 0;

	if (out->d) {
		if (pcap_dump_flush(out->d) != 0 ||
		    ferror(pcap_dump_file(out->d)))
			rc = -EIO;
		pcap_dump_close(out->d);
	}
	if (out->p)
		pcap_close(out->p);
	out->d = NULL;
	out->p = NULL;
	return rc;
}
