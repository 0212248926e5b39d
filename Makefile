# SPDX-License-Identifier: BSD-2-Clause
# sixgate: GNU make build.  Honours CC, CFLAGS, LDFLAGS, PREFIX, DESTDIR.

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
PYTHON  ?= /usr/bin/python3
# systemd looks in $(PREFIX)/lib/... for PREFIX=/usr/local and /usr.
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
FUZZCC  ?= clang

CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter
ifdef WERROR
WARN    += -Werror
endif
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) -Isrc $(CFLAGS)

CORE_SRC := $(wildcard src/core/*.c)
CONF_SRC := $(wildcard src/conf/*.c)
CTL_SRC  := $(wildcard src/ctl/*.c)
DAEMON_SRC := $(wildcard src/daemon/*.c)

CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
CONF_OBJ := $(CONF_SRC:%.c=$(BUILD)/%.o)
CTL_OBJ  := $(CTL_SRC:%.c=$(BUILD)/%.o)
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(BUILD)/%.o)

LIBCORE  := $(BUILD)/libsixgate-core.a
LIBCONF  := $(BUILD)/libsixgate-conf.a
SIXGATECTL := $(BUILD)/sixgatectl
SIXGATED := $(BUILD)/sixgated

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/replay/%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

BENCH_BIN := $(BUILD)/bench/core_bench
NAT64_BENCH_BIN := $(BUILD)/bench/nat64_bench

.PHONY: all check check-all deps demo unit conformance fuzz-replay fuzz \
	bench install clean
all: $(LIBCORE) $(LIBCONF) $(SIXGATECTL) $(SIXGATED)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIBCORE): $(CORE_OBJ)
	$(AR) rcs $@ $^
$(LIBCONF): $(CONF_OBJ)
	$(AR) rcs $@ $^

# DNS64 synthesis logic (src/dns64, pure; issue 5).  The server and
# resolver glue (server.c, resolver.c, dns64d*.c) is not part of it.
# Users link $(LIBDNS64) $(LIBCORE) $(DNS64_LIBS).
DNS64_SRC := $(filter-out src/dns64/server.c src/dns64/resolver.c \
	src/dns64/dns64d%.c,$(wildcard src/dns64/*.c))
DNS64_OBJ := $(DNS64_SRC:%.c=$(BUILD)/%.o)
LIBDNS64 := $(BUILD)/libsixgate-dns64.a
DNS64_LIBS := -lldns
all: $(LIBDNS64)
$(LIBDNS64): $(DNS64_OBJ)
	$(AR) rcs $@ $^
DNS64_UNIT := $(filter $(BUILD)/tests/test_dns64%,$(UNIT_BIN))
$(DNS64_UNIT): $(BUILD)/tests/%: tests/unit/%.c $(LIBDNS64) $(LIBCONF) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -Itests/unit $(LDFLAGS) -o $@ $< $(LIBDNS64) $(LIBCONF) $(LIBCORE) $(DNS64_LIBS) -lcmocka

$(SIXGATECTL): $(CTL_OBJ) $(LIBCONF) $(LIBCORE)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(CTL_OBJ) $(LIBCONF) $(LIBCORE) -lpcap

# sixgated: TUN, netlink (libmnl), threads, resolver (pref64d.c, RFC 7050);
# no libcap (raw capset); liburing for the workers' io_uring path (issue 7).
# [dns64] (issue 5): the synthesis logic ($(LIBDNS64)) and the server's
# libraries, libunbound and libevent (src/daemon/dns64*.c).
SIXGATED_DNS64_LIBS := -lunbound -levent $(DNS64_LIBS)
$(SIXGATED): $(DAEMON_OBJ) $(LIBDNS64) $(LIBCONF) $(LIBCORE)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(DAEMON_OBJ) $(LIBDNS64) $(LIBCONF) $(LIBCORE) -lmnl -luring -lresolv -lpthread $(SIXGATED_DNS64_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIBCONF) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -Itests/unit $(LDFLAGS) -o $@ $< $(LIBCONF) $(LIBCORE) -lcmocka

# The control socket server alone (src/daemon/control.c), with the fake
# daemon that test_control.c and fuzz_control.c define; no other daemon file.
# test_control also drives sixgatectl's client side against it.
CONTROL_SRC := src/daemon/control.c
CONTROL_DEP := $(CONTROL_SRC) src/daemon/control.h src/daemon/daemon.h
CONTROL_CLIENT := src/ctl/control_client.c
$(BUILD)/tests/test_control: tests/unit/test_control.c $(CONTROL_DEP) $(CONTROL_CLIENT) src/ctl/ctl.h $(LIBCONF) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(CONTROL_SRC) $(CONTROL_CLIENT) $(LIBCONF) $(LIBCORE) -lcmocka -lpthread

# sixgated's pure ICMP error token bucket.
$(BUILD)/tests/test_ratelimit: tests/unit/test_ratelimit.c src/daemon/ratelimit.c src/daemon/ratelimit.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< src/daemon/ratelimit.c -lcmocka

# The workers' TUN helpers (queue choice).
$(BUILD)/tests/test_tun: tests/unit/test_tun.c src/daemon/tun.c src/daemon/tun.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< src/daemon/tun.c -lcmocka

# Corpus replay: the fuzz harnesses linked with a plain main() so that
# `make check` runs every committed input through them with any compiler.
FUZZ_HDR := $(wildcard tests/fuzz/*.h)
$(BUILD)/replay/%: tests/fuzz/%.c tests/fuzz/replay.c $(FUZZ_HDR) $(LIBCONF) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(LIBCONF) $(LIBCORE)
$(BUILD)/replay/fuzz_control: tests/fuzz/fuzz_control.c tests/fuzz/replay.c $(CONTROL_DEP) $(LIBCONF) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(CONTROL_SRC) $(LIBCONF) $(LIBCORE)

# libFuzzer builds (clang): make fuzz, then run build/fuzz/fuzz_X corpus/X
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -Isrc -g -O1 \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_HDR) $(CORE_SRC) $(CONF_SRC)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZ_FLAGS) -o $@ $< $(CORE_SRC) $(CONF_SRC)
$(BUILD)/fuzz/fuzz_control: tests/fuzz/fuzz_control.c $(CONTROL_DEP) $(CORE_SRC) $(CONF_SRC)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZ_FLAGS) -o $@ $< $(CONTROL_SRC) $(CORE_SRC) $(CONF_SRC)
# DNS64 harnesses (tests/fuzz/fuzz_dns64*.c) link ldns.
DNS64_REPLAY := $(filter $(BUILD)/replay/fuzz_dns64%,$(FUZZ_REPLAY))
$(DNS64_REPLAY): $(BUILD)/replay/%: tests/fuzz/%.c tests/fuzz/replay.c $(FUZZ_HDR) $(LIBDNS64) $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(LIBDNS64) $(LIBCORE) $(DNS64_LIBS)
DNS64_FUZZ := $(filter $(BUILD)/fuzz/fuzz_dns64%,$(FUZZ_BIN))
$(DNS64_FUZZ): $(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_HDR) $(DNS64_SRC) $(CORE_SRC)
	@mkdir -p $(dir $@)
	$(FUZZCC) $(FUZZ_FLAGS) -o $@ $< $(DNS64_SRC) $(CORE_SRC) $(DNS64_LIBS)
fuzz: $(FUZZ_BIN)

$(BENCH_BIN): bench/core_bench.c bench/bench.h $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 $(LDFLAGS) -o $@ $< $(LIBCORE)
# The stateful NAT64 benchmark (bench/nat64): built here, run on its own
# (about a minute and 1 GiB of memory).
$(NAT64_BENCH_BIN): bench/nat64_bench.c bench/bench.h $(LIBCORE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 $(LDFLAGS) -o $@ $< $(LIBCORE) -lpthread
# bench/tunio: does io_uring batching of TUN reads and writes pay off?
$(BUILD)/bench/tunio: bench/tunio.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O2 $(LDFLAGS) -o $@ $< -luring -lpthread
bench: $(BENCH_BIN) $(NAT64_BENCH_BIN)
	bench/core

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

fuzz-replay: $(FUZZ_REPLAY)
	@set -e; for f in $(FUZZ_REPLAY); do n=$$(basename $$f); \
	  echo "== replay tests/fuzz/corpus/$$n"; \
	  $$f tests/fuzz/corpus/$$n; done

conformance: $(SIXGATECTL)
	SIXGATECTL=$(abspath $(SIXGATECTL)) $(PYTHON) -m pytest -q tests/conformance

# Network-namespace tests (root): sixgated on TUN devices in namespaces.
.PHONY: net
net: $(BUILD)/sixgated $(SIXGATECTL)
	SIXGATED=$(abspath $(BUILD)/sixgated) SIXGATECTL=$(abspath $(SIXGATECTL)) \
		$(PYTHON) -m pytest -v tests/net

# DNS64 tests (root: sixgated runs with user = root): sixgated [dns64]
# against NSD and unbound that the tests start on loopback ports.
.PHONY: dns64
dns64: $(BUILD)/sixgated $(SIXGATECTL)
	SIXGATED=$(abspath $(BUILD)/sixgated) SIXGATECTL=$(abspath $(SIXGATECTL)) \
		$(PYTHON) -m pytest -v tests/dns64

check: all unit fuzz-replay conformance

# The README's two commands.  Both install missing Debian packages first
# (scripts/deps), then run make again so the build sees them.
deps:
	scripts/deps

check-all:
	scripts/deps
	$(MAKE) check
	@if [ "$$(id -u)" = 0 ]; then $(MAKE) net && $(MAKE) dns64 && \
	$(MAKE) lab && $(MAKE) check-systemd; \
	else echo "check-all: network, DNS64, lab and systemd tests skipped: they need root"; fi

# sixgated installed into a booted Debian 12 container (systemd as PID 1):
# start, privileges, routes, reload, stop.  Exit 77 = cannot boot here.
.PHONY: check-systemd
check-systemd: all
	@rc=0; tests/systemd/check || rc=$$?; \
	if [ $$rc = 77 ]; then echo "check-systemd: skipped (see SKIP above)"; \
	else exit $$rc; fi

# The README's first command: the 464XLAT lab (lab/lab) brought up, walked
# through in seven narrated steps (lab/demo) and torn down.
demo:
	scripts/deps
	$(MAKE) all
	lab/demo $(BUILD)

# The offline translator on the sample captures (the demo before the lab).
.PHONY: demo-captures
demo-captures: all
	scripts/demo $(BUILD)

# The lab kept running for exploration (lab/README.md), and removed again.
.PHONY: lab-up lab-down lab
lab-up: all
	lab/lab up $(BUILD)
lab-down:
	lab/lab down

# End-to-end tests on the lab (root): every demo step, DNS and iperf3
# through CLAT + NAT64, gateway failover and restart.
lab: $(BUILD)/sixgated $(SIXGATECTL)
	SIXGATED=$(abspath $(BUILD)/sixgated) SIXGATECTL=$(abspath $(SIXGATECTL)) \
		$(PYTHON) -m pytest -v tests/lab

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(SIXGATECTL) $(DESTDIR)$(PREFIX)/sbin/sixgatectl
	install -m 0644 man/sixgate.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 man/sixgatectl.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0755 $(SIXGATED) $(DESTDIR)$(PREFIX)/sbin/sixgated
	install -m 0644 man/sixgated.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	sed 's|/usr/local/|$(PREFIX)/|g' systemd/sixgated.service \
		> $(DESTDIR)$(UNITDIR)/sixgated.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/sixgated.service
	install -m 0644 systemd/sixgate.sysusers \
		$(DESTDIR)$(SYSUSERSDIR)/sixgate.conf

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
