/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal interfaces of the translation core, shared by its files. */
#ifndef SIXGATE_CORE_INTERNAL_H
#define SIXGATE_CORE_INTERNAL_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>

#include "csum.h"
#include "wire.h"
#include "xlat.h"

#define IP4_HDR 20
#define IP6_HDR 40
#define FRAG6_HDR 8
#define ICMP_HDR 8

#define PROTO_HOPOPTS 0
#define PROTO_ICMP 1
#define PROTO_IGMP 2
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ROUTING 43
#define PROTO_FRAGMENT 44
#define PROTO_ESP 50
#define PROTO_AH 51
#define PROTO_ICMPV6 58
#define PROTO_NONE 59
#define PROTO_DSTOPTS 60

/* Minimum MTU of IPv6 (RFC 8200 §5) and the size ICMPv4 errors keep to
 * (RFC 1812 §4.3.2.3, RFC 4884 §7). */
#define IPV6_MIN_MTU 1280
#define ICMP4_ERR_MAX 576

/* Flags for one translation pass. */
enum {
	XF_INNER = 1,   /* the packet quoted inside an ICMP error */
	XF_HAIRPIN = 2, /* RFC 7757 §4.2.2 second pass */
};

/*
 * RFC 6146 §3.6-§3.7: the BIB binding a stateful pass applies.  The IPv6
 * client's transport address (X', x) stands for (T, t) on the IPv4 side;
 * every other address is mapped by RFC 6052.  x and t are ICMP query
 * identifiers for ICMP.  Positions, not addresses, decide what is
 * rewritten: v6→v4 the outer source and the quoted packet's destination,
 * v4→v6 the outer destination and the quoted packet's source.
 */
struct xlat_nat {
	struct in6_addr x6;
	uint16_t x_port;
	uint32_t t4;           /* host order */
	uint16_t t_port;
	bool router_dummy;     /* ICMPv6 error from another IPv6 node: the
				  untranslatable-source rule, not T */
	bool hairpin_out;      /* v6→v4: emit the IPv4 packet whole (no MTU
				  check, no fragmenting) for a second pass */
};

/* A parsed IPv4 header.  Offsets are from the start of the header. */
struct ip4 {
	const uint8_t *hdr;
	unsigned ihl;      /* header length in bytes */
	unsigned tot_len;  /* from the header */
	unsigned avail;    /* payload bytes present (≤ tot_len - ihl) */
	uint16_t id;
	uint16_t frag_off; /* in bytes */
	bool df, mf;
	uint8_t tos, ttl, proto;
	uint32_t src, dst; /* host order */
};

static inline bool ip4_is_fragment(const struct ip4 *ip)
{
	return ip->mf || ip->frag_off != 0;
}

/* A parsed IPv6 header and extension-header chain. */
struct ip6 {
	const uint8_t *hdr;
	unsigned payload_len; /* from the header */
	unsigned l4_off;      /* offset of the upper-layer header */
	unsigned avail;       /* upper-layer bytes present */
	uint8_t tc, hlim, proto; /* proto: the first non-extension header */
	uint32_t flow;
	struct in6_addr src, dst;
	bool frag;            /* carries a Fragment header */
	uint32_t frag_id;
	uint16_t frag_off;    /* in bytes */
	bool mf;
	int segleft_off;      /* offset of a non-zero Segments Left, or -1 */
};

static inline bool ip6_is_fragment(const struct ip6 *ip)
{
	return ip->frag && (ip->mf || ip->frag_off != 0);
}

enum xlat_verdict ip4_parse(const uint8_t *p, size_t len, bool inner,
			    struct ip4 *ip);
enum xlat_verdict ip6_parse(const uint8_t *p, size_t len, bool inner,
			    struct ip6 *ip);

/* Output area helpers (xlat.c). */
void out_reset(struct xlat_out *out, const struct xlat_offload *off);
uint8_t *out_reserve(struct xlat_out *out, size_t len);
void out_push(struct xlat_out *out, uint8_t *data, size_t len, int family,
	      enum xlat_kind kind);

/* Address mapping, RFC 7915 §6 (xlat.c). */
enum map_how { MAP_NONE, MAP_EAM, MAP_RFC6052 };
enum map_how map_4to6(const struct xlat_ctx *ctx, uint32_t a, bool use_eam,
		      struct in6_addr *out);
enum map_how map_6to4(const struct xlat_ctx *ctx, const struct in6_addr *a,
		      uint32_t *out);
/* Apply the RFC 6052 §3.1 rule to a mapping result. */
bool map_wkp_refused(const struct xlat_ctx *ctx, enum map_how how,
		     uint32_t v4, bool icmp_source);

/* ICMP tables (icmp.c). */
struct icmp_map {
	uint8_t type, code;
	bool has_ptr;     /* parameter problem: map the pointer */
	bool is_mtu;      /* packet too big / fragmentation needed */
	bool ext_ok;      /* the result can carry RFC 4884 extensions */
};
bool icmp4_is_error(uint8_t type);
bool icmp6_is_error(uint8_t type);
bool icmp_map_4to6(uint8_t type, uint8_t code, struct icmp_map *m);
bool icmp_map_6to4(uint8_t type, uint8_t code, struct icmp_map *m);
int icmp_ptr_4to6(unsigned ptr); /* -1 when untranslatable */
int icmp_ptr_6to4(unsigned ptr);
uint32_t icmp_mtu_4to6(const struct xlat_ctx *ctx, unsigned icmp_mtu,
		       unsigned inner_tot_len);
uint32_t icmp_mtu_6to4(const struct xlat_ctx *ctx, unsigned icmp_mtu,
		       bool inner_frag);
size_t icmp_ext_layout(uint8_t *q, size_t qlen, const uint8_t *ext,
		       size_t elen, size_t room, unsigned unit, bool trim_quote,
		       unsigned *lenattr);

/* Translator-generated errors (icmperr.c).  The offending packet is quoted;
 * nothing is sent when errors are off or the packet is itself an error. */
void icmperr_send4(const struct xlat_ctx *ctx, struct xlat_out *out,
		   const uint8_t *pkt, size_t len, uint8_t type, uint8_t code,
		   uint32_t rest);
/* The same from a given source address (a NAT64's pool4 address). */
void icmperr_send4_from(const struct xlat_ctx *ctx, struct xlat_out *out,
			const uint8_t *pkt, size_t len, uint8_t type,
			uint8_t code, uint32_t rest, uint32_t src);
void icmperr_send6(const struct xlat_ctx *ctx, struct xlat_out *out,
		   const uint8_t *pkt, size_t len, uint8_t type, uint8_t code,
		   uint32_t rest);

/* One translation pass (xlat46.c / xlat64.c). */
enum xlat_verdict x46(const struct xlat_ctx *ctx, const uint8_t *pkt,
		      size_t len, uint64_t now, struct xlat_out *out,
		      unsigned flags, const struct xlat_nat *nat);
enum xlat_verdict x64(const struct xlat_ctx *ctx, const uint8_t *pkt,
		      size_t len, uint64_t now, struct xlat_out *out,
		      const struct xlat_nat *nat);
/* The same for a header the caller parsed already (ip4_parse() /
 * ip6_parse() returned XLAT_OK for it): the NAT64 path parses first to
 * find the packet's tuple. */
enum xlat_verdict x46_ip(const struct xlat_ctx *ctx, const struct ip4 *ip,
			 uint64_t now, struct xlat_out *out, unsigned flags,
			 const struct xlat_nat *nat);
enum xlat_verdict x64_ip(const struct xlat_ctx *ctx, const struct ip6 *ip,
			 uint64_t now, struct xlat_out *out,
			 const struct xlat_nat *nat);

/*
 * Translate the packet quoted in an ICMP error into dst (cap bytes).
 * Returns the number of bytes written or a negative verdict.
 */
int inner_4to6(const struct xlat_ctx *ctx, const uint8_t *p, size_t len,
	       unsigned flags, const struct xlat_nat *nat, uint8_t *dst,
	       size_t cap);
int inner_6to4(const struct xlat_ctx *ctx, const uint8_t *p, size_t len,
	       const struct xlat_nat *nat, uint8_t *dst, size_t cap,
	       bool *inner_frag, uint32_t *inner_src, enum map_how *src_how);

/* Fragmentation helpers (frag.c). */
enum xlat_verdict frag_emit6(struct xlat_out *out, const uint8_t *pkt,
			     size_t len, unsigned mtu);
enum xlat_verdict frag_emit4(struct xlat_out *out, const uint8_t *pkt,
			     size_t len, unsigned mtu);

/* Pseudo-header sum of an IPv6 upper layer (RFC 8200 §8.1). */
static inline uint32_t pseudo6(const struct in6_addr *s,
			       const struct in6_addr *d, unsigned ulen,
			       uint8_t nh)
{
	return csum_addr6(s, d) + (ulen >> 16) + (ulen & 0xffff) + nh;
}

/*
 * RFC 7915 §4.5/§5.5: update a TCP or UDP checksum (n bytes of the
 * transport header present) after the pseudo-header's address sum went from
 * old to new.  A UDP checksum of 0 stays 0 (the callers decide about it);
 * a computed 0 is sent as 0xffff (RFC 768).  partial: the field holds the
 * uncomplemented pseudo-header sum of an offloaded packet.
 */
void l4_readdress(uint8_t *l4, size_t n, uint8_t proto, uint32_t old,
		  uint32_t new, bool partial);

/*
 * RFC 6146 §3.7: set the source (dst false) or destination port of a TCP or
 * UDP header, or the identifier of an ICMP/ICMPv6 query, at l4 (n bytes
 * present, proto as it is now), updating the checksum incrementally.
 */
void l4_port(uint8_t *l4, size_t n, uint8_t proto, bool dst, uint16_t port,
	     bool partial);

/* A partial checksum (the pseudo-header sum only) made whole, for a
 * packet that is about to be fragmented. */
void l4_complete(uint8_t *l4, size_t n, uint8_t proto);

/* Offload state of a translated TCP/UDP packet (xlat46.c). */
void gso_fit(struct xlat_pkt *p, const struct xlat_offload *in,
	     const uint8_t *l4, size_t ulen, uint8_t proto, unsigned room);

/* Write a finished IPv4 header checksum. */
void ip4_set_csum(uint8_t *hdr);

#endif
