# wgbench — plain Makefile in the wireguard-tools manner: wildcard objects,
# -MMD -MP dependencies, quiet unless V=1, PREFIX/DESTDIR for install.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/wgbench
DESTDIR ?=

# The layers, bottom up (doc/ARCHITECTURE.md); tests/check-layers enforces the order.
SRCDIRS := lib topo harness/measure harness/knob harness/report harness/history harness/run harness/agent harness/qemu harness/hosts harness/live harness/doctor harness/tune harness/cli

PKGS    := libnl-3.0 libnl-route-3.0 libnl-genl-3.0 json-c libsodium gsl libnftables sqlite3 libpq
CC      ?= cc
CFLAGS  ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
           -DHAVE_STDATOMIC_H $(addprefix -I,$(SRCDIRS)) \
           -DWGB_DATADIR='"$(DATADIR)"' \
           -DWGB_VERSION='"$(VERSION)"' -DWGB_GITREV='"$(GITREV)"' \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(WNO)
LDLIBS  += -liperf $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

VERSION := 0.1.0
GITREV  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)

ifeq ($(V),1)
Q :=
else
Q := @
endif

BUILD   ?= build
SRCS    := $(wildcard $(addsuffix /*.c,$(SRCDIRS)))
OBJS    := $(SRCS:%.c=$(BUILD)/%.o)
LIBOBJS := $(filter-out $(BUILD)/harness/cli/main.o,$(OBJS))

# Unit tests: tests/t_*.c, each linked with every object but main.o.
UNIT_SRCS := $(wildcard tests/t_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/%.c=$(BUILD)/tests/%)
# Tools the e2e tests run, linked the same way (tun_kernel_guest.c is built
# static by its own script).
TOOL_BINS := $(BUILD)/tests/tools/latency_probe

all: wgbench

wgbench: $(BUILD)/wgbench
	$(Q)ln -sf $(BUILD)/wgbench wgbench

$(BUILD)/wgbench: $(OBJS)
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  CC      $@"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/%.c $(LIBOBJS)
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -MMD -MP -o $@ $(filter %.c %.o,$^) $(LDLIBS)

# The test targets build their trees on every core (JOBS=1: one at a time):
# three trees of ~240 files each, a few minutes of `make test` otherwise.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)

# The sanitizer build used by the tests lives in its own tree.
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

# The folder tree is the layer diagram: no include from above (doc/ARCHITECTURE.md).
layers:
	$(Q)tests/check-layers
	$(Q)tests/check-layers-test

unit: deps layers
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) BUILD=build-san CFLAGS="$(SAN_FLAGS)" build-san/wgbench $(UNIT_SRCS:tests/%.c=build-san/tests/%) build-san/tests/tools/latency_probe
	$(Q)WGB_UNIT_JOBS=$(JOBS) tests/run-unit build-san

# The unit tests again under valgrind, on the plain build (ASan and valgrind
# do not mix): what ASan's allocator hides, valgrind sees.
valgrind: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) $(UNIT_BINS)
	$(Q)WGB_UNIT_JOBS=$(JOBS) tests/run-unit $(BUILD) valgrind

# Fuzzing (doc/reliability.md): a libFuzzer harness per parser,
# tests/fuzz/fuzz_<name>.c, seeds in tests/fuzz/corpus/<name>/, every crash
# found kept in tests/fuzz/regress/<name>/. Built by clang in build-fuzz/:
# the library objects with -fsanitize=fuzzer-no-link, each harness linked
# with the fuzzer. `make fuzz [FUZZ_SECONDS=N] [FUZZ="name..."]` runs each
# for N seconds (crashes in build-fuzz/crashes/<name>/, totals in
# build-fuzz/fuzz-log.tsv); `make fuzz-smoke` replays the regressions and
# runs each for FUZZ_SMOKE_SECONDS (part of `make test`).
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ ?= $(FUZZ_NAMES)
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 4
FUZZ_CC ?= clang
# Two idioms of the tree that gcc accepts silently and clang warns about: the
# ethtool ioctl structs with a flexible array inside a struct, and
# "/path" + 1 for a path without its leading slash.
FUZZ_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_WNO := -Wno-gnu-variable-sized-type-not-at-end -Wno-string-plus-int

fuzz-build: deps
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) BUILD=build-fuzz CC=$(FUZZ_CC) WNO="$(FUZZ_WNO)" \
		CFLAGS="$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link" $(FUZZ:%=build-fuzz/fuzz/fuzz_%)

build-fuzz/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/common.c $(LIBOBJS)
	@mkdir -p $(dir $@)
	@[ "$(V)" = 1 ] || echo "  FUZZ    $@"
	$(Q)$(CC) $(CFLAGS) -Itests/fuzz -fsanitize=fuzzer -MMD -MP -o $@ $(filter %.c %.o,$^) $(LDLIBS)

fuzz: fuzz-build
	$(Q)tests/fuzz/run build-fuzz $(FUZZ_SECONDS) $(FUZZ)

# JOBS harnesses at once (xargs: non-zero when any failed)
fuzz-smoke: fuzz-build
	$(Q)printf '%s\n' $(FUZZ) | xargs -P $(JOBS) -n 1 tests/fuzz/run --smoke build-fuzz $(FUZZ_SMOKE_SECONDS)

# `make test`: the README's test command (root: it installs packages and
# builds namespaces). Unit tests, the fuzz smoke runs, then end-to-end tests
# (the unit and e2e tests on the ASan/UBSan build), several at a time
# (tests/run-e2e; E2E_JOBS, default 4). The plain build/wgbench is the
# guests' agent: made first, not by tests running side by side.
E2E_JOBS ?= 4
test: unit valgrind fuzz-smoke wgbench
	$(Q)WGB_E2E_JOBS=$(E2E_JOBS) tests/run-e2e build-san

# The long kill test (tests/e2e/kill_random.sh; `make test` runs a short
# one): kill -9 at KILLS random moments of each command, spread over its
# measured duration, each followed by `wgbench cleanup`; one line per kill
# and the N/N figures per command.
KILLS ?= 20
test-kill: unit
	$(Q)WGB_KILLS=$(KILLS) WGB_KILL_MEASURE=1 WGB_E2E_ONLY=kill_random tests/run-e2e build-san; \
		rc=$$?; grep '^kill' /tmp/wgb-e2e-kill_random.log; exit $$rc

# The e2e suite inside a QEMU guest on Debian's standard kernel (WireGuard,
# netem, fq built as modules), the host's / shared read-only over 9p: the
# netns backend on kernel WireGuard (tests/guest/run; TCG, hours). On the
# plain build: under TCG the sanitizers' cost comes on top of the emulator's,
# and the host's `make test` runs the same tests under ASan anyway.
test-guest: wgbench $(BUILD)/tests/tools/latency_probe
	$(Q)tests/guest/run $(BUILD)

deps:
	$(Q)ci/install-deps

# `sudo make run`: the README's main command on a fresh Debian/Ubuntu machine:
# install what is missing, build, run the default suite. RUN_ARGS adds options.
run: deps wgbench
	$(Q)./wgbench run $(RUN_ARGS)

bench: wgbench
	$(Q)tests/bench

install: wgbench
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)
	install -m 0755 $(BUILD)/wgbench $(DESTDIR)$(BINDIR)/wgbench
	cp -r scenarios plots $(DESTDIR)$(DATADIR)/

clean:
	rm -rf build build-san build-fuzz wgbench

.PHONY: all wgbench layers unit valgrind fuzz-build fuzz fuzz-smoke test test-kill test-guest deps run bench install clean
-include $(OBJS:.o=.d) $(UNIT_BINS:=.d) $(TOOL_BINS:=.d) $(wildcard build-fuzz/fuzz/*.d)
