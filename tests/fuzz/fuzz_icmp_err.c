/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fuzz harness for ICMP error translation (RFC 7915 §4.2-4.3, §5.2-5.3,
 * RFC 4884): the input becomes the packet quoted inside a well-formed ICMP
 * or ICMPv6 error, so the fuzzer spends its time on the inner-packet path
 * rather than on getting an outer checksum right.
 *
 * Input layout:
 *   byte 0     bit 0: 0 = IPv4 ICMP error into xlat_4to6(),
 *                     1 = ICMPv6 error into xlat_6to4()
 *              bit 1: outer source: 0 = mapped by EAM, 1 = the other kind
 *                     (pool6 for IPv4, an untranslatable address for IPv6)
 *              bits 2-7: index into the type/code table of that family
 *   bytes 1-4  ICMP header bytes 4-7 (pointer, MTU, RFC 4884 length)
 *   bytes 5-   the quoted packet
 */
#include "fuzz_xlat.h"

struct fz_tc {
	uint8_t type, code;
};

static const struct fz_tc icmp4_errors[] = {
	{3, 0},  {3, 1},  {3, 2},  {3, 3},  {3, 4},  {3, 5},  {3, 6},
	{3, 7},  {3, 8},  {3, 9},  {3, 10}, {3, 11}, {3, 12}, {3, 13},
	{3, 14}, {3, 15}, {11, 0}, {11, 1}, {12, 0}, {12, 1}, {12, 2},
	{4, 0},  {5, 1},  {3, 16},
};

static const struct fz_tc icmp6_errors[] = {
	{1, 0}, {1, 1}, {1, 2}, {1, 3}, {1, 4}, {1, 5}, {1, 6}, {1, 7},
	{2, 0}, {3, 0}, {3, 1}, {4, 0}, {4, 1}, {4, 2}, {4, 3}, {5, 0},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define HDR_IN 5 /* selector + 4 header bytes */
#define MAX_INNER (65535 - 40 - 8)

static struct xlat_ctx ctx;
static struct xlat_out out;
static uint8_t pkt[65535];
static bool ready;
static uint64_t now = 1000000000ull;

static void put_addr6(uint8_t *p, const char *s)
{
	FZ_CHECK(inet_pton(AF_INET6, s, p) == 1);
}

/* 198.51.100.1 or 10.1.2.3 (EAM) -> 192.0.2.1 (EAM, 2001:db8:aaab::1). */
static size_t build4(uint8_t sel, const uint8_t *data, size_t n)
{
	const struct fz_tc *tc = &icmp4_errors[(sel >> 2) % NELEM(icmp4_errors)];
	static const uint8_t src_pool[4] = {198, 51, 100, 1};
	static const uint8_t src_eam[4] = {10, 1, 2, 3};
	static const uint8_t dst[4] = {192, 0, 2, 1};
	size_t len = 20 + 8 + n;

	memset(pkt, 0, 28);
	pkt[0] = 0x45;
	fz_put16(pkt + 2, (uint16_t)len);
	fz_put16(pkt + 4, 0x1234);
	pkt[8] = 64;
	pkt[9] = 1;
	memcpy(pkt + 12, sel & 2 ? src_pool : src_eam, 4);
	memcpy(pkt + 16, dst, 4);
	fz_put16(pkt + 10, (uint16_t)~fz_fold(fz_sum(pkt, 20, 0)));

	pkt[20] = tc->type;
	pkt[21] = tc->code;
	memcpy(pkt + 24, data + 1, 4);
	memcpy(pkt + 28, data + HDR_IN, n);
	fz_put16(pkt + 22, (uint16_t)~fz_fold(fz_sum(pkt + 20, len - 20, 0)));
	return len;
}

/* 2001:db8:aaaa::1 (EAM) or 2001:db8:ffff::1 (untranslatable) ->
 * 64:ff9b::198.51.100.10. */
static size_t build6(uint8_t sel, const uint8_t *data, size_t n)
{
	const struct fz_tc *tc = &icmp6_errors[(sel >> 2) % NELEM(icmp6_errors)];
	size_t plen = 8 + n;

	memset(pkt, 0, 48);
	pkt[0] = 0x60;
	fz_put16(pkt + 4, (uint16_t)plen);
	pkt[6] = 58;
	pkt[7] = 64;
	put_addr6(pkt + 8, sel & 2 ? "2001:db8:ffff::1" : "2001:db8:aaaa::1");
	put_addr6(pkt + 24, "64:ff9b::c633:640a");

	pkt[40] = tc->type;
	pkt[41] = tc->code;
	memcpy(pkt + 44, data + 1, 4);
	memcpy(pkt + 48, data + HDR_IN, n);
	fz_put16(pkt + 42, (uint16_t)~fz_sum6(pkt, pkt + 40, plen, 58));
	return 40 + plen;
}

/* The outer message was well formed, so whatever the core emits as its
 * translation must carry a valid ICMP checksum too. */
static void check_translated(void)
{
	unsigned i;

	for (i = 0; i < out.npkts; i++)
		if (out.pkts[i].kind == XLAT_PKT_TRANSLATED)
			fz_check_icmp_csum(&out.pkts[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum xlat_verdict v;
	size_t n, len;

	if (!ready) {
		fz_ctx_lab(&ctx);
		ready = true;
	}
	if (size < HDR_IN)
		return 0;
	n = size - HDR_IN;
	if (n > MAX_INNER)
		n = MAX_INNER;
	now += 1000;
	if (data[0] & 1) {
		len = build6(data[0], data, n);
		v = xlat_6to4(&ctx, pkt, len, now, &out);
	} else {
		len = build4(data[0], data, n);
		v = xlat_4to6(&ctx, pkt, len, now, &out);
	}
	fz_check_out(&out, v);
	if (v == XLAT_OK)
		check_translated();
	return 0;
}
