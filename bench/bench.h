/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shared by bench/core_bench.c and bench/nat64_bench.c: the allocation
 * counter behind "no allocation on the packet path", the clock and the CPU
 * name the reports print.  Include it in exactly one file of a program: it
 * defines malloc and friends.
 */
#ifndef SIXGATE_BENCH_H
#define SIXGATE_BENCH_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* CLOCK_MONOTONIC in nanoseconds. */
static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The "model name" of /proc/cpuinfo. */
static void cpu_name(char *buf, size_t n)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];

	snprintf(buf, n, "unknown CPU");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && v) {
			snprintf(buf, n, "%s", v + 2);
			buf[strcspn(buf, "\n")] = '\0';
			break;
		}
	}
	fclose(f);
}


/*
 * Allocation counter.  The bench binary replaces glibc's malloc family with
 * wrappers that count while `counting` is set and forward to glibc's own
 * implementation, so anything the core allocates on the packet path shows
 * up.  Not under sanitizers, which bring their own allocator.
 */
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define BENCH_NO_INTERPOSE 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define BENCH_NO_INTERPOSE 1
#endif

static volatile unsigned long nalloc;
static volatile int counting;

#if defined(__GLIBC__) && !defined(BENCH_NO_INTERPOSE)
#define BENCH_COUNTS_ALLOC 1
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t m);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

void *malloc(size_t n)
{
	if (counting)
		nalloc++;
	return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
	if (counting)
		nalloc++;
	return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
	if (counting)
		nalloc++;
	return __libc_realloc(p, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	void *p;

	if (counting)
		nalloc++;
	p = __libc_memalign(align, n);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
	if (counting)
		nalloc++;
	return __libc_memalign(align, n);
}

void free(void *p)
{
	__libc_free(p);
}
#else
#define BENCH_COUNTS_ALLOC 0
#endif

#endif
