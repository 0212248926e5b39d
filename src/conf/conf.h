/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgate.conf: text -> plain struct -> validate -> apply.
 *
 * The format is docs/configuration.md and sixgate.conf(5).  Prefixes are
 * checked against RFC 6052 §2.2 and RFC 8215 §5 (addr_pref64_check()), EAM
 * rows against RFC 7757 §3.2 and §5 (eam_add()).  Errors come back as one
 * "file:line: reason" string; a file with any error is refused whole.
 *
 * The same struct is what the daemon applies and what the control tool and
 * the fuzzer build, so nothing here touches a descriptor other than the
 * FILE * handed to conf_print() and the one conf_parse_file() opens.
 */
#ifndef SIXGATE_CONF_H
#define SIXGATE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/addr.h"
#include "core/eam.h"
#include "core/xlat.h"

/* The [siit] role.  ctx is ready for xlat_packet() once parsing succeeds:
 * ctx.eam points at eam (owned here), ctx.pool6 is pool6 or the global
 * pref64, and the global non-global list and allow flags are copied in. */
struct conf_siit {
	bool enabled;          /* a [siit] section was present */
	struct xlat_ctx ctx;
	struct eam_table *eam; /* never NULL after a successful parse */
};

struct sixgate_conf {
	/* Global keys. */
	struct pref64 pref64; /* default 64:ff9b::/96 */
	bool allow_nonglobal_wkp;
	bool allow_nonglobal_wkp_icmp;
	struct prefix4 nonglobal[XLAT_NONGLOBAL_MAX]; /* RFC 6052 §3.1 */
	unsigned nnonglobal;

	struct conf_siit siit;
};

/* Receives one "file:line: warning: ..." line (no newline). */
typedef void conf_warn_fn(void *arg, const char *msg);

/*
 * Parse len bytes of text (any bytes: NUL, no final newline...) into *c.
 * name is used in messages.  Returns 0, or -EINVAL (syntax or value) /
 * -ENOMEM with "name:line: reason" in err; on error *c holds nothing that
 * needs conf_free().  Warnings go to stderr.
 */
int conf_parse_buf(const char *name, const char *text, size_t len,
		   struct sixgate_conf *c, char *err, size_t errlen);

/* Same, with warnings handed to warn(arg, msg); warn may be NULL to drop
 * them. */
int conf_parse_buf_warn(const char *name, const char *text, size_t len,
			struct sixgate_conf *c, char *err, size_t errlen,
			conf_warn_fn *warn, void *arg);

/* Read path and parse it; an unreadable file is "path: strerror" and the
 * negative errno. */
int conf_parse_file(const char *path, struct sixgate_conf *c, char *err,
		    size_t errlen);

/* Release what a successful parse allocated; safe on a zeroed struct. */
void conf_free(struct sixgate_conf *c);

/* Print every key with its effective value, in a form conf_parse_buf()
 * reads back to an equal struct.  0 or -EIO. */
int conf_print(FILE *f, const struct sixgate_conf *c);

/* Do a and b configure the same behaviour?  (EAM rows compared in order.) */
bool conf_equal(const struct sixgate_conf *a, const struct sixgate_conf *b);

#endif
