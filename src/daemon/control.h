/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sixgated: the control socket (docs/daemon.md, "Control protocol").
 *
 * A SOCK_SEQPACKET Unix socket.  A request is one message holding one text
 * line, "command [args...] [--json]", at most CONTROL_REQ_MAX bytes; the
 * answer is one message of at most CONTROL_ANSWER_MAX bytes: a status line,
 * "ok" or "error: reason", then the body (a table, or JSON with --json).
 *
 * Requests are untrusted text: control_parse() turns them into a plain
 * struct request and is pure, so it is unit tested and fuzzed on its own;
 * control_answer() runs one request against the daemon and formats the
 * answer into a bounded buffer.  The server loop only moves messages.
 */
#ifndef SIXGATE_CONTROL_H
#define SIXGATE_CONTROL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/eam.h"
#include "core/nat64_table.h"

struct daemon;
struct control;

#define CONTROL_PATH_DEFAULT "/run/sixgate/control"
#define CONTROL_REQ_MAX 4096      /* bytes in one request message */
#define CONTROL_ANSWER_MAX 65536  /* bytes in one answer message */
#define CONTROL_TOKENS_MAX 16     /* words in one request, --json included */
#define CONTROL_CLIENTS_MAX 16    /* connections served at once */
#define CONTROL_IDLE_SEC 30       /* a silent client is closed after this */

/*
 * Open the socket at path: create its parent directory (mode 0755) if it
 * is missing, remove a stale socket (refuse with -EADDRINUSE when a live
 * server answers on it, -ENOTSOCK when path is something else), bind, set
 * mode 0600 (and owner root when running as root), listen.  Call it before
 * dropping privileges; the daemon keeps the descriptor, so the unprivileged
 * daemon still serves it.  Returns 0 and *out, or a negative errno.
 */
int control_open(struct daemon *d, const char *path, struct control **out);

/*
 * Serve clients until control_stop(): one poll() loop, up to
 * CONTROL_CLIENTS_MAX connections, never blocking on a client.  Meant to
 * run in a thread of its own; it calls the daemon_*() functions of
 * daemon.h from that thread.  Returns 0 after control_stop(), or a
 * negative errno if poll() itself fails.
 */
int control_run(struct control *c);

/* Ask control_run() to return.  Safe from any thread and from a signal
 * handler (one write() to an eventfd). */
void control_stop(struct control *c);

/* Close every connection and the socket, remove the socket file, free c.
 * Call after control_run() has returned (or was never started).  NULL is
 * a no-op.  Removing the file may fail after the privilege drop; the next
 * control_open() then removes it as stale. */
void control_close(struct control *c);

/* ---- The pure parts, for tests and fuzzers. ---- */

enum control_cmd {
	CONTROL_CMD_HELP = 0,
	CONTROL_CMD_STATUS,
	CONTROL_CMD_STATS,
	CONTROL_CMD_EAM_SHOW,
	CONTROL_CMD_EAM_ADD,
	CONTROL_CMD_EAM_DEL,
	CONTROL_CMD_PREF64_SHOW,
	CONTROL_CMD_RELOAD,
	CONTROL_CMD_BIB_SHOW,
	CONTROL_CMD_BIB_ADD,
	CONTROL_CMD_BIB_DEL,
	CONTROL_CMD_SESSION_SHOW,
	CONTROL_CMD_POOL4_SHOW,
	CONTROL_CMD_WORKERS,
};

/* Rows bib show and session show print unless "limit N" says otherwise. */
#define CONTROL_LIMIT_DEFAULT 1000

enum control_bib_kind {
	CONTROL_BIB_ANY = 0,
	CONTROL_BIB_STATIC,
	CONTROL_BIB_DYNAMIC,
};

/* bib show / session show filters; they combine with AND. */
struct control_nat64_filter {
	uint8_t proto;        /* enum nat64_proto; NAT64_NPROTO: any */
	bool has6, has4, has_port;
	struct in6_addr v6;   /* bib: X'; session: X' or Y' */
	uint32_t v4;          /* host order; bib: T; session: T or Z */
	uint16_t port;        /* either side's port (icmp: identifier) */
	enum control_bib_kind kind; /* bib only */
	uint32_t limit;       /* rows; 0: as many as fit in one answer */
};

/* bib add: all of it; bib del: proto, t4, t_port. */
struct control_bib_entry {
	uint8_t proto;        /* enum nat64_proto */
	struct in6_addr x6;
	uint16_t x_port;
	uint32_t t4;          /* host order */
	uint16_t t_port;
};

struct control_request {
	enum control_cmd cmd;
	bool json;            /* --json was given */
	struct eam_entry eam; /* eam add: the row; eam del: v4 and len4 */
	struct control_nat64_filter filter;  /* bib show, session show */
	struct control_bib_entry bib;        /* bib add, bib del */
};

/*
 * Parse one request of len bytes (any bytes).  Accepts one line of
 * printable ASCII, words separated by blanks, an optional final "\n" or
 * "\r\n", "--json" anywhere after the command.  EAM rows are checked like
 * the config file checks them (host bits, RFC 7757 §3.2 suffix lengths);
 * BIB entries and filters for protocol, address and port syntax and range.
 * Returns 0, or -EINVAL with a one-line reason (no newline) in err.
 */
int control_parse(const char *text, size_t len, struct control_request *req,
		  char *err, size_t errlen);

/*
 * A bounded text builder over caller memory.  Appends never write past
 * cap; an append that does not fit is cut and sets truncated, and later
 * appends are ignored, so the text is always a prefix of what was meant.
 */
struct control_buf {
	char *data;
	size_t cap;
	size_t len;
	bool truncated;
};

void control_buf_init(struct control_buf *b, char *mem, size_t cap);
void control_buf_printf(struct control_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void control_buf_vprintf(struct control_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* s as a JSON string, quotes included; control bytes become \u00XX. */
void control_buf_json_str(struct control_buf *b, const char *s);

/*
 * Handle one request message: parse it, run it against d, and write the
 * whole answer (status line and body) into out, which must hold
 * CONTROL_ANSWER_MAX bytes.  An answer that would not fit is cut and its
 * status line says "error: answer truncated ...".  Returns the length of
 * the answer (not NUL-terminated).
 */
size_t control_answer(struct daemon *d, const char *req, size_t len,
		      char *out);

#endif
