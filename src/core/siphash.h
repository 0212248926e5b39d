/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF",
 * 2012): the keyed hash behind sixgate's RFC 6056 §3.3.3-style port
 * randomisation and its table hashing, so that an outside observer can
 * neither predict ports nor aim collisions at a bucket.
 */
#ifndef SIXGATE_SIPHASH_H
#define SIXGATE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN 16

/* 64-bit SipHash-2-4 of len bytes at data under a 128-bit key. */
uint64_t siphash24(const uint8_t key[SIPHASH_KEY_LEN], const void *data,
		   size_t len);
/* SipHash-1-3: the same with one round per word and three at the end. */
uint64_t siphash13(const uint8_t key[SIPHASH_KEY_LEN], const void *data,
		   size_t len);

#endif
