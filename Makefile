# SPDX-License-Identifier: BSD-2-Clause
# siprec-tools: one non-recursive Makefile.  `make help` lists the targets.

PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
PKG_CONFIG  ?= pkg-config
CC          ?= cc
CFLAGS      ?= -O2 -g
INSTALL     ?= install
VERSION      = 0.1.0

PKGS = libxml-2.0 libosip2 libgcrypt libpcap sndfile libsrtp2 spandsp libbcg729 opus

WARN = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wold-style-definition -Wvla -Wpointer-arith \
       -Wcast-qual -Wwrite-strings -Wundef -Wimplicit-fallthrough \
       -Wnull-dereference

ifeq ($(filter clean help deps,$(MAKECMDGOALS)),)
PKG_MISSING := $(shell for p in $(PKGS); do $(PKG_CONFIG) --exists $$p || echo $$p; done)
ifneq ($(PKG_MISSING),)
$(error missing pkg-config modules: $(PKG_MISSING); run 'make deps' first)
endif
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS)) -pthread
endif

SR_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -pthread $(WARN) -Ilib/include -MMD -MP \
            -DSIPREC_VERSION='"$(VERSION)"' $(PKG_CFLAGS)
ifeq ($(WERROR),1)
SR_CFLAGS += -Werror
endif
ifeq ($(SAN),1)
SR_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SR_LDFLAGS += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q =
else
Q = @
endif

# Sanitizer builds live apart so objects of the two kinds never mix.
ifeq ($(SAN),1)
B = build/san
else
B = build
endif

# Every lib/*.c is part of the library; every tools/siprec-*/ is a program
# built from the .c files in its folder.
LIB_SRCS = $(sort $(wildcard lib/*.c))
LIB_OBJS = $(LIB_SRCS:%.c=$(B)/%.o) $(B)/lib/schema_data.o
LIB      = $(B)/libsiprec.a

COMMON_SRCS = tools/common/cli.c tools/common/out.c
COMMON_OBJS = $(COMMON_SRCS:%.c=$(B)/%.o)

TOOLS = $(sort $(notdir $(wildcard tools/siprec-*)))
BINS  = $(TOOLS:%=$(B)/bin/%)

UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)

TEST_TOOLS = $(B)/tests/gen-metadata $(B)/tests/gen-capture $(B)/tests/capdump \
             $(B)/tests/srs-rtpsend

SCHEMAS = lib/schema/rs-metadata.xsd lib/schema/xml.xsd

.PHONY: all check install uninstall deps demo bench fuzz clean help regen regen-man
all: $(BINS)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) $(SR_CFLAGS) -c -o $@ $<

$(B)/lib/schema_data.c: $(SCHEMAS) tests/tools/bin2c.sh
	@mkdir -p $(@D)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)sh tests/tools/bin2c.sh $(SCHEMAS) > $@.tmp && mv $@.tmp $@

$(B)/lib/schema_data.o: $(B)/lib/schema_data.c
	$(Q)$(CC) $(CFLAGS) $(SR_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

.SECONDEXPANSION:
$(B)/bin/%: $$(addprefix $(B)/,$$(addsuffix .o,$$(basename $$(wildcard tools/$$*/*.c)))) $(COMMON_OBJS) $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(SR_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(B)/tests/test_%: tests/unit/test_%.c tests/unit/check.h $(LIB)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) $(SR_CFLAGS) $(SR_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

$(B)/tests/gen-metadata: tests/tools/gen-metadata.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SR_CFLAGS) -o $@ $<

$(B)/tests/capdump: tests/tools/capdump.c $(LIB)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SR_CFLAGS) $(SR_LDFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

$(B)/tests/pcapfloor: tests/tools/pcapfloor.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SR_CFLAGS) -o $@ $< $(shell $(PKG_CONFIG) --libs libpcap)

$(B)/tests/srs-rtpsend: tests/tools/srs-rtpsend.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SR_CFLAGS) -o $@ $< $(shell $(PKG_CONFIG) --libs libsrtp2)

$(B)/tests/src-rtprecv: tests/tools/src-rtprecv.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SR_CFLAGS) -o $@ $<

$(B)/tests/gen-capture: tests/tools/gen-capture.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(SR_CFLAGS) $(SR_LDFLAGS) -o $@ $< -lm \
	    $(shell $(PKG_CONFIG) --libs libsrtp2)

# The README's test command.  Installs what it needs (make deps), builds,
# then runs every unit, CLI and interop test and the man-page lint; the
# last line is "N passed, N failed".
check: deps
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BINS) $(TEST_TOOLS)
	$(Q)B=$(B) sh tests/run.sh $(UNIT_BINS)

deps:
	$(Q)sh tests/tools/deps.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all $(B)/tests/gen-capture
	$(Q)B=$(B) sh samples/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all $(TEST_TOOLS) $(B)/tests/pcapfloor $(B)/tests/src-rtprecv
	$(Q)B=$(B) sh tests/bench/run.sh

FUZZ_CC ?= clang
FUZZERS = fuzz_meta fuzz_sipmsg fuzz_capture
fuzz: $(B)/tests/gen-capture
	$(Q)B=$(B) FUZZ_CC=$(FUZZ_CC) sh tests/fuzz/build.sh $(FUZZERS)

# Rewrite golden outputs and the generated man-page section; review the diff.
regen: all
	$(Q)B=$(B) REGEN=1 sh tests/cli/golden.sh
regen-man: all
	$(Q)sh tests/tools/gen-man-diagnostics.sh $(B)/bin/siprec-meta-lint man/siprec-meta-lint.1

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
	    $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	$(INSTALL) -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	$(INSTALL) -m 644 $(wildcard man/*.1) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 644 $(wildcard man/*.7) $(DESTDIR)$(MANDIR)/man7
	$(if $(wildcard man/*.5),$(INSTALL) -m 644 $(wildcard man/*.5) $(DESTDIR)$(MANDIR)/man5)
	for t in $(TOOLS); do \
	    $(INSTALL) -m 644 completions/bash/$$t $(DESTDIR)$(BASHCOMPDIR)/$$t; \
	    $(INSTALL) -m 644 completions/zsh/_$$t $(DESTDIR)$(ZSHCOMPDIR)/_$$t; \
	done

uninstall:
	for t in $(TOOLS); do rm -f $(DESTDIR)$(BINDIR)/$$t \
	    $(DESTDIR)$(MANDIR)/man1/$$t.1 $(DESTDIR)$(BASHCOMPDIR)/$$t \
	    $(DESTDIR)$(ZSHCOMPDIR)/_$$t; done
	rm -f $(DESTDIR)$(MANDIR)/man7/siprec.7

clean:
	rm -rf $(B)

help:
	@echo "Targets:"
	@echo "  all        build the programs (default)"
	@echo "  check      install test dependencies, build, run every test"
	@echo "  demo       run the main job on the bundled samples"
	@echo "  bench      run the benchmarks against their peers"
	@echo "  fuzz       build the libFuzzer harnesses (clang)"
	@echo "  deps       install the Debian packages the project needs"
	@echo "  install    install programs, man pages, completions"
	@echo "  regen      rewrite golden test outputs"
	@echo "  regen-man  regenerate DIAGNOSTICS in siprec-meta-lint(1)"
	@echo "  clean      remove the build tree"
	@echo "Knobs: WERROR=1 SAN=1 V=1 CFLAGS= PREFIX= DESTDIR= BINDIR= MANDIR="

-include $(shell find $(B) -name '*.d' 2>/dev/null)
.SECONDARY:
