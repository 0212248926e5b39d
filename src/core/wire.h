/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Bounded reading of untrusted packet bytes (STYLE rule 2).  Every read
 * checks the remaining length first; a failed read sets a sticky error and
 * returns zero, so a parser can read a whole header and test w->err once.
 * Multi-byte values are converted from network order here and nowhere else.
 */
#ifndef SIXGATE_WIRE_H
#define SIXGATE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct wire {
	const uint8_t *base;
	size_t len;
	size_t off;
	bool err;
};

static inline void wire_init(struct wire *w, const uint8_t *p, size_t len)
{
	w->base = p;
	w->len = len;
	w->off = 0;
	w->err = false;
}

static inline size_t wire_avail(const struct wire *w)
{
	return w->err ? 0 : w->len - w->off;
}

static inline bool wire_need(struct wire *w, size_t n)
{
	if (w->err || w->len - w->off < n) {
		w->err = true;
		return false;
	}
	return true;
}

static inline uint8_t wire_u8(struct wire *w)
{
	if (!wire_need(w, 1))
		return 0;
	return w->base[w->off++];
}

static inline uint16_t wire_u16(struct wire *w)
{
	if (!wire_need(w, 2))
		return 0;
	const uint8_t *p = w->base + w->off;
	w->off += 2;
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t wire_u32(struct wire *w)
{
	if (!wire_need(w, 4))
		return 0;
	const uint8_t *p = w->base + w->off;
	w->off += 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Pointer to the next n bytes, advancing past them; NULL on short input. */
static inline const uint8_t *wire_take(struct wire *w, size_t n)
{
	if (!wire_need(w, n))
		return NULL;
	const uint8_t *p = w->base + w->off;
	w->off += n;
	return p;
}

static inline void wire_skip(struct wire *w, size_t n)
{
	(void)wire_take(w, n);
}

/* Peek at byte off (absolute) without moving; 0 and err on overrun. */
static inline uint8_t wire_peek8(struct wire *w, size_t off)
{
	if (w->err || off >= w->len) {
		w->err = true;
		return 0;
	}
	return w->base[off];
}

/* Writers for caller-owned output buffers whose size the caller checked. */
static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

#endif
