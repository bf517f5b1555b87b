# wgbench — plain Makefile in the wireguard-tools manner: wildcard objects,
# -MMD -MP dependencies, quiet unless V=1, PREFIX/DESTDIR for install.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/wgbench
DESTDIR ?=

PKGS    := libnl-3.0 libnl-route-3.0 libnl-genl-3.0 json-c libsodium gsl libnftables
CC      ?= cc
CFLAGS  ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE \
           -DHAVE_STDATOMIC_H -Iharness -Itopo \
           -DWGB_DATADIR='"$(DATADIR)"' \
           -DWGB_VERSION='"$(VERSION)"' -DWGB_GITREV='"$(GITREV)"' \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += -liperf $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

VERSION := 0.1.0
GITREV  := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)

ifeq ($(V),1)
Q :=
else
Q := @
endif

BUILD   ?= build
SRCS    := $(wildcard harness/*.c topo/*.c)
OBJS    := $(SRCS:%.c=$(BUILD)/%.o)
LIBOBJS := $(filter-out $(BUILD)/harness/main.o,$(OBJS))

# Unit tests: tests/t_*.c, each linked with every object but main.o.
UNIT_SRCS := $(wildcard tests/t_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/%.c=$(BUILD)/tests/%)

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

# The sanitizer build used by the tests lives in its own tree.
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

unit: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build-san CFLAGS="$(SAN_FLAGS)" build-san/wgbench $(UNIT_SRCS:tests/%.c=build-san/tests/%)
	$(Q)tests/run-unit build-san

# `make test`: the README's test command (root: it installs packages and
# builds namespaces). Unit tests, then end-to-end tests, both on the ASan/UBSan build.
test: unit
	$(Q)tests/run-e2e build-san

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
	rm -rf build build-san wgbench

.PHONY: all wgbench unit test deps run bench install clean
-include $(OBJS:.o=.d) $(UNIT_BINS:=.d)
