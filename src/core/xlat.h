/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgate translation core: the public entry points.
 *
 * Implements RFC 7915 (SIIT) §4 and §5 with address mapping per RFC 6052
 * (addr.h) and RFC 7757 (eam.h), ICMP extensions per RFC 4884 and
 * untranslatable ICMPv6 sources per RFC 6791 / the 192.0.0.8 draft.
 *
 * The core is pure: no file descriptors, no clock reads, no globals and no
 * allocation per packet.  A caller hands in a packet, a read-only context and
 * "now"; the core writes whatever must be emitted into a caller-owned
 * struct xlat_out and returns a verdict.
 */
#ifndef SIXGATE_XLAT_H
#define SIXGATE_XLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "eam.h"

/* Upper bound on packets one input can produce: a 65535-byte IPv4 packet
 * fragmented for a 1280-byte IPv6 MTU gives 54 fragments, plus one error. */
#define XLAT_MAX_OUT 64
#define XLAT_OUT_BUF (XLAT_MAX_OUT * 1536 + 65536)

#define XLAT_POOL6791_MAX 16
#define XLAT_PLATEAUS_MAX 16
#define XLAT_NONGLOBAL_MAX 32

/*
 * Verdicts, X(ENUM, name, description).  XLAT_OK means the packet was translated; every other value is a
 * drop reason.  A drop may still emit packets (an ICMP error back to the
 * sender).  Names and one-line explanations: xlat_reason_name(),
 * xlat_reason_desc().  The list is an X-macro so counters, the CLI and docs
 * stay in step.
 */
#define XLAT_REASONS(X)                                                        \
	X(OK, ok, "translated and emitted")                                        \
	X(TRUNCATED, truncated, "packet shorter than its headers say")                   \
	X(BAD_VERSION, bad_version, "IP version field does not match the direction")      \
	X(BAD_HEADER, bad_header, "malformed IP header (IHL, total or payload length)")   \
	X(BAD_IP4_CSUM, bad_ip4_csum, "IPv4 header checksum is wrong")                       \
	X(SRC_INVALID, src_invalid, "source address may not be forwarded (RFC 1812 5.3.7, "\
		       "RFC 4291)")                                            \
	X(DST_INVALID, dst_invalid, "destination address is multicast or otherwise not "   \
		       "translatable")                                         \
	X(NO_MAP_SRC, no_map_src, "source address matches neither the EAM table nor "     \
		      "the translation prefix")                                \
	X(NO_MAP_DST, no_map_dst, "destination address matches neither the EAM table "    \
		      "nor the translation prefix")                            \
	X(WKP_NONGLOBAL, wkp_nonglobal, "well-known prefix with a non-global IPv4 address "  \
			 "(RFC 6052 3.1)")                                     \
	X(TTL_EXPIRED, ttl_expired, "TTL or hop limit reached zero; Time Exceeded sent")   \
	X(SOURCE_ROUTE, source_route, "unexpired IPv4 source route option (RFC 7915 4.1)")  \
	X(SEGMENTS_LEFT, segments_left, "IPv6 routing header with Segments Left > 0 "        \
			 "(RFC 7915 5.1)")                                     \
	X(BAD_EXT_HDR, bad_ext_hdr, "malformed or truncated IPv6 extension header chain")  \
	X(FRAG_EXT_HDR, frag_ext_hdr, "extension header other than ESP after a Fragment "   \
			"header (RFC 7915 5.1.1)")                             \
	X(TOO_BIG, too_big, "DF set and larger than the next-hop MTU; ICMP error "     \
		   "sent")                                                     \
	X(ICMP_TYPE, icmp_type, "ICMP type or code that has no translation")             \
	X(ICMP_POINTER, icmp_pointer, "Parameter Problem pointer that has no translation")  \
	X(ICMP_FRAGMENTED, icmp_fragmented, "fragmented ICMP message (RFC 7915 1.2)")          \
	X(ICMP_NESTED, icmp_nested, "ICMP error quoting another ICMP error")               \
	X(ICMP_INNER, icmp_inner, "packet quoted in an ICMP error cannot be translated")  \
	X(ICMP_SHORT, icmp_short, "ICMP message too short for its type")                  \
	X(IGMP, igmp, "IGMP is never translated (RFC 7915 4.2)")                     \
	X(UDP_ZERO_CSUM, udp_zero_csum, "UDP with zero checksum, policy says drop "          \
			 "(RFC 7915 4.5, RFC 8200 8.1)")                       \
	X(FRAG_TOO_SMALL, frag_too_small, "fragment too small to be split further")           \
	X(NO_SPACE, no_space, "translated result does not fit the output buffer") \
	X(HELD, held, "NAT64: kept for later (held IPv4 SYN, out-of-order "     \
		"fragment)")                                                   \
	X(NAT64_NOT_POOL, nat64_not_pool, "NAT64: IPv6 destination outside pool6 " \
			  "or IPv4 destination not a pool4 address (RFC 6146 3.5)") \
	X(NAT64_SRC_POOL6, nat64_src_pool6, "NAT64: IPv6 source inside pool6 "   \
			   "(RFC 6146 3.5, 5.4)")                               \
	X(NAT64_PROTO, nat64_proto, "NAT64: not TCP, UDP or ICMP (RFC 6146 3.4)") \
	X(NAT64_NO_BIB, nat64_no_bib, "NAT64: IPv4 packet with no BIB entry "    \
			"(RFC 6146 3.5.1)")                                    \
	X(NAT64_FILTERED, nat64_filtered, "NAT64: refused by address-dependent " \
			  "filtering (RFC 6146 3.5.1)")                        \
	X(NAT64_TCP_STATE, nat64_tcp_state, "NAT64: TCP segment the state "      \
			   "machine drops (RFC 6146 3.5.2.2)")                  \
	X(NAT64_TCP_INBOUND, nat64_tcp_inbound, "NAT64: externally initiated "   \
			     "TCP refused by policy")                           \
	X(NAT64_POOL_EXHAUSTED, nat64_pool_exhausted, "NAT64: no free pool4 "    \
				"port or identifier; ICMPv6 1/3 sent")          \
	X(NAT64_CLIENT_LIMIT, nat64_client_limit, "NAT64: the IPv6 client is at " \
			      "its port or session limit (RFC 6888 REQ-4, "     \
			      "REQ-5); ICMPv6 1/3 sent")                        \
	X(NAT64_TABLE_FULL, nat64_table_full, "NAT64: session, BIB or "          \
			    "subscriber table full; ICMPv6 1/3 sent")           \
	X(NAT64_ICMP_NO_MATCH, nat64_icmp_no_match, "NAT64: ICMP error that "    \
			       "matches no BIB entry (RFC 5508 REQ-4)")         \
	X(NAT64_ICMP_CSUM, nat64_icmp_csum, "NAT64: ICMPv4 error with a wrong " \
			   "checksum or quoted IPv4 header checksum (RFC 5508 " \
			   "REQ-3)")                                            \
	X(NAT64_SYN_STORE_FULL, nat64_syn_store_full, "NAT64: unsolicited "      \
				"IPv4 SYN with the held-SYN store full")        \
	X(NAT64_FRAG_FULL, nat64_frag_full, "NAT64: fragment tracker or hold "   \
			   "full, or fragment too large to hold")

enum xlat_verdict {
#define XLAT_ENUM(id, name, desc) XLAT_##id,
	XLAT_REASONS(XLAT_ENUM)
#undef XLAT_ENUM
	XLAT__COUNT
};

const char *xlat_reason_name(enum xlat_verdict v); /* "ttl_expired" */
const char *xlat_reason_desc(enum xlat_verdict v); /* one line */

/* What an emitted packet is. */
enum xlat_kind {
	XLAT_PKT_TRANSLATED = 0, /* the input, translated (or a fragment) */
	XLAT_PKT_ICMP_ERROR = 1, /* an error the translator generated */
};

/*
 * Segmentation and checksum offload state of a packet (the TUN device's
 * virtio_net_hdr, docs/performance.md).  A GSO packet is one TCP or UDP
 * "super-packet" that the kernel cuts into gso_size-byte segments; partial
 * means its L4 checksum field holds only the pseudo-header sum and the
 * rest is computed later (CHECKSUM_PARTIAL).
 */
enum xlat_gso {
	XLAT_GSO_NONE = 0,
	XLAT_GSO_TCP = 1,
	XLAT_GSO_UDP = 2, /* UDP_L4 (USO) */
};

struct xlat_offload {
	uint8_t gso;       /* enum xlat_gso */
	bool ecn;          /* TCP: the segments carry ECN (CWR) */
	bool partial;
	uint16_t gso_size; /* payload bytes per segment */
};

struct xlat_pkt {
	uint8_t *data; /* points into xlat_out.buf */
	uint32_t len;
	uint8_t family; /* 4 or 6: the IP version of data */
	uint8_t kind;   /* enum xlat_kind */
	struct xlat_offload off; /* zero unless the input had offloads */
};

/*
 * Caller-owned output area, one per worker.  xlat_*() reset npkts and used
 * before writing.  ipv4_id is the worker's IPv4 Identification generator
 * (RFC 7915 §5.1, RFC 6864): the core reads and advances it.
 */
struct xlat_out {
	unsigned npkts;
	size_t used;
	uint32_t ipv4_id;
	struct xlat_offload in_off; /* the input's, set by the entry point */
	struct xlat_pkt pkts[XLAT_MAX_OUT];
	uint8_t buf[XLAT_OUT_BUF] __attribute__((aligned(64)));
};

enum xlat_udp_zero {
	XLAT_UDP_ZERO_COMPUTE = 0, /* compute the checksum, then forward */
	XLAT_UDP_ZERO_DROP = 1,    /* drop and count (RFC 7915 4.5) */
};

enum xlat_tos_mode {
	XLAT_TOS_COPY = 0,  /* copy TOS <-> Traffic Class (default) */
	XLAT_TOS_FIXED = 1, /* v4→v6: tc = tos_value; v6→v4: tos = tos_value */
};

/* Source for an ICMPv6 error whose IPv6 source cannot be translated. */
enum xlat_untrans_src {
	XLAT_UNTRANS_AUTO = 0,   /* pool6791 if configured, else 192.0.0.8 */
	XLAT_UNTRANS_POOL = 1,   /* RFC 6791 pool only; drop if empty */
	XLAT_UNTRANS_DUMMY = 2,  /* draft-ietf-v6ops-icmpext-xlat-v6only-source */
};

/* IPv4 prefix, host byte order. */
struct prefix4 {
	uint32_t addr;
	uint8_t len;
};

/*
 * The translator context.  Read-only for the core; the daemon swaps whole
 * contexts on reload.  xlat_ctx_init() fills the RFC defaults.
 */
struct xlat_ctx {
	struct pref64 pool6;       /* RFC 6052 prefix; len 0 = none */
	const struct eam_table *eam; /* may be NULL */

	uint32_t pool6791[XLAT_POOL6791_MAX]; /* host order */
	unsigned npool6791;
	enum xlat_untrans_src untrans_src;
	/* Append the untranslatable IPv6 source to the ICMPv4 error as a Node
	 * Identification Object (draft §4.1, RFC 6791 §4); default on. */
	bool icmp_source_object;

	uint32_t lowest_ipv6_mtu; /* RFC 7915 4.1, default 1280 */
	uint32_t ipv4_mtu;        /* next-hop MTU toward IPv4, default 1500 */
	uint32_t ipv6_mtu;        /* next-hop MTU toward IPv6, default 1500 */
	uint16_t plateaus[XLAT_PLATEAUS_MAX]; /* RFC 1191 §7, descending */
	unsigned nplateaus;

	enum xlat_udp_zero udp_zero;
	enum xlat_tos_mode tc_mode;  /* v4→v6 Traffic Class */
	uint8_t tc_value;
	enum xlat_tos_mode tos_mode; /* v6→v4 TOS */
	uint8_t tos_value;

	/* RFC 6052 §3.1: WKP + non-global IPv4 is dropped unless allowed. */
	bool allow_nonglobal_wkp;
	/* Section 15 of CONFORMANCE.md: allow it for ICMP error sources. */
	bool allow_nonglobal_wkp_icmp;
	struct prefix4 nonglobal[XLAT_NONGLOBAL_MAX];
	unsigned nnonglobal;

	/* Sources of errors the translator itself generates (Time Exceeded,
	 * Fragmentation Needed, Packet Too Big...). */
	uint32_t self4;          /* default 192.0.0.8 (RFC 7600 dummy) */
	struct in6_addr self6;   /* default pool6 + self4 */

	bool icmp_errors;  /* generate ICMP errors at all (RFC 7915 4.4/5.4) */
	bool eam_hairpin;  /* RFC 7757 §4.2.2 intrinsic hairpinning */
	bool drop_invalid_src; /* RFC 7915 4.1/5.1 SHOULD, default on */
};

/* Fill ctx with defaults: no prefix, MTUs 1280/1500/1500, RFC 1191 plateaus,
 * RFC 6052 §3.1 non-global list incl. 100.64.0.0/10, errors on, hairpin on. */
void xlat_ctx_init(struct xlat_ctx *ctx);

/*
 * Translate one IPv4 packet (starting at the IPv4 header) to IPv6, RFC 7915
 * §4.  now is in nanoseconds on any monotonic scale; it seeds choices that
 * must vary (RFC 6791 pool pick).  Returns XLAT_OK or a drop reason; in both
 * cases out->pkts[0..npkts) holds what to emit, in order.
 */
enum xlat_verdict xlat_4to6(const struct xlat_ctx *ctx, const uint8_t *pkt,
			    size_t len, uint64_t now, struct xlat_out *out);

/* Translate one IPv6 packet to IPv4, RFC 7915 §5.  Same contract. */
enum xlat_verdict xlat_6to4(const struct xlat_ctx *ctx, const uint8_t *pkt,
			    size_t len, uint64_t now, struct xlat_out *out);

/* Dispatch on the version nibble. */
enum xlat_verdict xlat_packet(const struct xlat_ctx *ctx, const uint8_t *pkt,
			      size_t len, uint64_t now, struct xlat_out *out);

/*
 * The same for a packet with offload state (off may be NULL): a GSO packet
 * is translated whole, its segment size lowered where the larger IPv6
 * header would push a segment past the next-hop MTU, and a partial
 * checksum stays partial (only its pseudo-header part changes).  Each
 * emitted packet says its own state in pkts[i].off.
 */
enum xlat_verdict xlat_packet_off(const struct xlat_ctx *ctx,
				  const uint8_t *pkt, size_t len,
				  const struct xlat_offload *off, uint64_t now,
				  struct xlat_out *out);

#endif
