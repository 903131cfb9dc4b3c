# Makefile - haven: one static musl multicall binary, plus sanitizer-built tests.
#   make            build/haven (static, musl, stripped: what we ship)
#   make check      lint, check-pure, then unit, scenario and binary tests under
#                   ASan+UBSan (test/README.md)
#   make bench      benchmarks (never part of check; UPSTREAM_SCENARIOS=DIR adds
#                   upstream's scenarios)
#   make fuzz       libFuzzer on every parser of outside input (clang, FUZZ_S=seconds)
#   make model      spin on the lock and fencing model (model/README.md)
#   make soak       randomized fault campaign on the local cluster (test/soak.sh;
#                   SOAK_ROUNDS, SOAK_SEED)
#   make differential ORACLE=SIM  ha-tester vs a reference simulator SIM
#   make install    PREFIX=/usr DESTDIR= : binary plus one symlink per applet, agents,
#                   systemd units, OpenRC scripts, man pages, haven.conf.example
#   make run        a 3-node demo cluster on this machine (test/demo.sh);
#                   STORE=etcd: on a 3-member etcd cluster
#   make lint       clang-tidy (.clang-tidy) and the format check; part of check
#   make format     clang-format our sources (never vendor/)
PROG     = haven
VERSION  = 0.1.0
MUSL_CC  = musl-gcc
CC       = cc
STRIP    = strip
AR       = gcc-ar
PREFIX   = /usr
SBINDIR  = $(PREFIX)/sbin
AGENTSDIR = $(PREFIX)/libexec/haven/agents
NOTIFYDIR = $(PREFIX)/libexec/haven/notify
SYSCONFDIR = /etc
MANDIR   = $(PREFIX)/share/man
UNITDIR  = $(PREFIX)/lib/systemd/system
# OpenRC scripts go to /etc/init.d only where OpenRC runs; elsewhere (a
# systemd host building an image) beside the other shared files.
OPENRCDIR = $(if $(wildcard /sbin/openrc-run),$(SYSCONFDIR)/init.d,$(PREFIX)/share/haven/openrc)
SERVICES = ha-watchdog ha-crm ha-lrm
# Man pages, made from the applets' --help texts by dist/man.sh.
MAN8     = ha-crm ha-lrm ha-watchdog ha-manager
MAN1     = haven ha-tester ha-sim
MAN_PAGES = $(MAN8:%=build/man/%.8) $(MAN1:%=build/man/%.1) build/man/watchdog-mux.8
CSTD     = -std=c11 -D_GNU_SOURCE
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
           -Wwrite-strings -Wvla -Wpointer-arith -Wcast-qual -Wundef -Wimplicit-fallthrough \
           -Wno-unused-parameter
WERROR   = -Werror
EV_DEFS  = -DEV_STANDALONE=1 -DEV_USE_EPOLL=1 -DEV_USE_EVENTFD=1 -DEV_USE_IOURING=0 -DEV_USE_LINUXAIO=0
CPPFLAGS = -I. -isystem vendor/libev -isystem vendor/cjson -isystem vendor/bearssl/inc $(EV_DEFS) \
           -DHAVEN_VERSION='"$(VERSION)"'
OPT      = -O2
# The shipped binary: size first (it runs on appliances); unused code dropped.
# -Oz (gcc 12, Debian 12's): 4 KiB below -Os, a round as fast (bench_round).
# No unwind tables (C without exceptions; a core dump still has the stack):
# they were 60 KiB, the bulk of what pushed the binary past 512 KiB with TLS.
# noseparate-code: code and read-only data share pages instead of each
# being padded to its own. No PIE: musl-gcc compiles position-independent
# code by default, which a static binary linked at a fixed address never
# uses (8 KiB of GOT-relative code). test/dispatch.test.sh checks the bound.
# Link-time optimisation (4 KiB): fat objects, so that each compile still runs
# the optimiser and -Werror sees the warnings it finds (with thin ones they
# would come at the link, outside WARN); one partition, so the output does not
# depend on how the work was split.
STATIC_OPT = -Oz -fno-pie -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
             -fno-unwind-tables -flto -ffat-lto-objects -flto-partition=one
# No RELRO segment: musl's start code for a static non-PIE binary never
# makes it read-only (the page stays rw-p in /proc/PID/maps), so it only
# padded the file to a page boundary (up to 4 KiB).
# Input sections sorted by alignment: less padding between them (216 bytes).
STATIC_LDFLAGS = -static -no-pie -Wl,--gc-sections -Wl,-z,noseparate-code -Wl,--build-id=none \
                 -Wl,-z,norelro -Wl,--wrap=sscanf -Wl,--sort-section=alignment
# All of it at -Os, the manager round and the status codecs included: at
# -O2 they cost 12 KiB and a round at 10,000 services (bench_round linked
# against these objects) took the same 9 to 11 ms either way.
SAN      = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

LIB_SRC    = $(wildcard state/*.c kv/*.c kv/*/*.c watchdog/*.c)
VENDOR_SRC = vendor/libev/ev.c vendor/cjson/cJSON.c
BEARSSL_H  = vendor/bearssl/inc/bearssl.h
APP_SRC    = main.c $(wildcard applets/*.c applets/*/*.c)
# The --help texts (applets/help/), compressed at build time by dist/helpz.c
# into one generated source (applets/help.h); in the order of enum help_id.
HELP_TEXTS = $(patsubst %,applets/help/%.txt,haven ha-crm ha-lrm ha-manager ha-sim ha-tester ha-watchdog \
             ha-sim-commands)
HELP_GEN   = build/gen/help_z.c
TEST_LIB   = test/test_fakeenv.c
TESTS      = $(patsubst test/%.c,build/test/%,$(filter-out $(TEST_LIB),$(wildcard test/test_*.c)))
obj = $(patsubst %.c,build/$(1)/%.o,$(2))

all: build/$(PROG) $(MAN_PAGES)

$(VENDOR_SRC) $(BEARSSL_H) &: vendor/sources.txt vendor/fetch.sh
	sh vendor/fetch.sh
	touch $(VENDOR_SRC) $(BEARSSL_H)

# BearSSL (the etcd client's TLS): one archive per build, from which the
# linker takes only what is used.
BEARSSL_CFLAGS = -isystem vendor/bearssl/inc -Ivendor/bearssl/src -w
define bearssl_lib
	@mkdir -p $(@D)/bearssl
	ls vendor/bearssl/src/*/*.c | xargs -P 2 -I{} sh -c \
		'$(1) $(BEARSSL_CFLAGS) $(2) -c {} -o $(@D)/bearssl/$$(basename {} .c).o'
	rm -f $@ && $(AR) rcs $@ $(@D)/bearssl/*.o
endef
build/static/libbearssl.a: $(BEARSSL_H) build/static/flags
	$(call bearssl_lib,$(MUSL_CC),$(STATIC_OPT))
build/test/libbearssl.a: $(BEARSSL_H)
	$(call bearssl_lib,$(CC),$(SAN))
build/bench/libbearssl.a: $(BEARSSL_H)
	$(call bearssl_lib,$(CC),$(OPT))

build/$(PROG): build/static/$(PROG)
	$(STRIP) -o $@ $<
	@echo "$@: $$(stat -c %s $@) bytes stripped, $$(file -b $@ | cut -d, -f1-5)"

# The static build's flags: when they change, everything is built again
# (a stale object would keep the old size).
STATIC_FLAGS = $(MUSL_CC) $(STATIC_OPT) $(STATIC_LDFLAGS)
build/static/flags: FORCE
	@mkdir -p $(@D)
	@echo '$(STATIC_FLAGS)' | cmp -s - $@ || echo '$(STATIC_FLAGS)' >$@
# sscanf is applets/sscanf_lg.c's, for cJSON alone: none of ours may call it.
build/static/$(PROG): $(call obj,static,$(APP_SRC) $(HELP_GEN) $(LIB_SRC) $(VENDOR_SRC)) build/static/libbearssl.a
	@! nm -u $(call obj,static,$(APP_SRC) $(LIB_SRC)) | grep -Ew '(__isoc99_)?sscanf' || \
		{ echo "sscanf in our sources: parse with state/scan.h"; exit 1; }
	$(MUSL_CC) $(STATIC_OPT) $(STATIC_LDFLAGS) -o $@ $(filter-out build/static/flags,$^) -lm
build/static/vendor/%.o: vendor/%.c build/static/flags
	@mkdir -p $(@D)
	$(MUSL_CC) $(CSTD) $(CPPFLAGS) $(STATIC_OPT) -w -c -o $@ $<
build/static/%.o: %.c build/static/flags | $(VENDOR_SRC) $(BEARSSL_H)
	@mkdir -p $(@D)
	$(MUSL_CC) $(CSTD) $(CPPFLAGS) $(WARN) $(WERROR) $(STATIC_OPT) -MMD -MP -c -o $@ $<

build/test/$(PROG): $(call obj,test,$(APP_SRC) $(HELP_GEN) $(LIB_SRC) $(VENDOR_SRC)) build/test/libbearssl.a
	$(CC) $(SAN) -o $@ $^ -lm
build/test/test_%: $(call obj,test,test/test_%.c $(TEST_LIB) $(LIB_SRC) $(VENDOR_SRC)) build/test/libbearssl.a
	$(CC) $(SAN) -o $@ $^ -lm
# test_codec also covers the simulator's scenario codec
build/test/test_codec: $(call obj,test,applets/sim/sim_codec.c)
build/test/vendor/%.o: vendor/%.c
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(CPPFLAGS) $(SAN) -w -c -o $@ $<
build/test/%.o: %.c | $(VENDOR_SRC) $(BEARSSL_H)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(CPPFLAGS) $(WARN) $(WERROR) $(SAN) -MMD -MP -c -o $@ $<

# The help stream: 7,536 bytes of text in 3,706, expanded only when a help
# text is printed; the decoder (help.c) is 219 bytes of code.
build/gen/helpz: dist/helpz.c applets/conf.h
	@mkdir -p $(@D)
	$(CC) $(CSTD) -I. $(WARN) $(WERROR) -O2 -o $@ $<
$(HELP_GEN): build/gen/helpz $(HELP_TEXTS)
	build/gen/helpz $@.tmp $(HELP_TEXTS)
	mv $@.tmp $@

build/man/%.8 build/man/%.1: build/$(PROG) dist/man.sh
	@mkdir -p $(@D)
	sh dist/man.sh build/$(PROG) $* $(subst .,,$(suffix $@)) $(VERSION) >$@.tmp
	mv $@.tmp $@
build/man/watchdog-mux.8: # upstream's name of ha-watchdog
	@mkdir -p $(@D)
	printf '.so man8/ha-watchdog.8\n' >$@

# Benchmark programs: host cc, optimised, no sanitizers.
build/bench/bench_%: $(call obj,bench,test/bench_%.c $(LIB_SRC) $(VENDOR_SRC)) build/bench/libbearssl.a
	$(CC) -o $@ $^ -lm
build/bench/vendor/%.o: vendor/%.c
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(CPPFLAGS) $(OPT) -w -c -o $@ $<
build/bench/%.o: %.c | $(VENDOR_SRC) $(BEARSSL_H)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(CPPFLAGS) $(WARN) $(WERROR) $(OPT) -MMD -MP -c -o $@ $<

# UPSTREAM_SCENARIOS=DIR: check also runs upstream's regression scenario folders
# in DIR under the sanitizer build (test/upstream.test.sh; CI passes them).
UPSTREAM_SCENARIOS =
# The fuzz harnesses (below); defined before check, whose prerequisites
# make expands as it reads the rule.
FUZZ_CC      = clang
FUZZ_S       = 10
FUZZ_SECONDS = $(FUZZ_S)
FUZZ_FLAGS   = -g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_TARGETS = $(patsubst test/fuzz_%.c,%,$(wildcard test/fuzz_*.c))
FUZZ_BINS    = $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
FUZZ_LIB_SRC = $(wildcard state/*.c applets/sim/*.c kv/dir/*.c) kv/store.c kv/store_util.c \
               kv/etcd/http_parse.c kv/etcd/etcd_json.c kv/etcd/etcd_snap_page.c kv/store_snap.c \
               kv/etcd/base64.c applets/conf.c \
               applets/local_file.c watchdog/wd.c test/test_fakeenv.c vendor/cjson/cJSON.c
HAVE_FUZZ_CC := $(shell command -v $(FUZZ_CC) 2>/dev/null)
# what check builds: the harnesses, or nothing without clang ("not run")
FUZZ_CHECK_BINS = $(if $(HAVE_FUZZ_CC),$(FUZZ_BINS))
check: lint build/$(PROG) $(MAN_PAGES) build/test/$(PROG) $(TESTS) $(FUZZ_CHECK_BINS) check-pure
	UPSTREAM_SCENARIOS=$(UPSTREAM_SCENARIOS) sh test/run.sh build/test/$(PROG) $(TESTS)

# state/ must not touch the OS: every such call goes through struct ha_env.
FORBIDDEN = open|close|read|write|time|clock_gettime|gettimeofday|sleep|usleep|nanosleep|\
	syslog|fopen|fclose|fread|fwrite|printf|fprintf|puts|fputs|socket|connect|fork|exec[a-z]*|\
	kill|getpid|rand|random|srand|exit|abort|ev_[a-z_]+|kv_[a-z_]+|wd_[a-z_]+
check-pure: $(call obj,test,$(wildcard state/*.c))
	@! nm -u $^ | grep -Ew '($(FORBIDDEN))' || { echo "state/ calls the OS directly"; exit 1; }
	@echo "check-pure: state/ calls no OS function"

# ha-tester against a reference simulator on generated scenarios (needs
# python3 and ORACLE=SIM, the simulator's script; not part of check):
# DIFF_COUNT scenarios from DIFF_SEED.
DIFF_COUNT = 300
DIFF_SEED  = 1
differential: build/$(PROG)
	ORACLE="$(ORACLE)" sh test/differential.sh build/$(PROG) $(DIFF_COUNT) $(DIFF_SEED)

# libFuzzer harnesses (test/fuzz_*.c, clang with ASan+UBSan), one per parser
# of what another node, an operator or a socket peer wrote; seeds and the
# regression inputs of every crash found are in test/fuzz/<target>/.
#   make fuzz FUZZ_S=N   each target N seconds, a table of execs and crashes
# check builds them (when FUZZ_CC exists) and replays each corpus for a few
# seconds (test/fuzz.test.sh). The library the harnesses link is an archive
# of the sources compiled for fuzzing, so each takes only what it uses.
build/fuzz/vendor/%.o: vendor/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CSTD) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined -w -c -o $@ $<
build/fuzz/test/fuzz_%.o: test/fuzz_%.c | $(VENDOR_SRC) $(BEARSSL_H)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CSTD) $(CPPFLAGS) $(WARN) $(WERROR) $(FUZZ_FLAGS) \
		-fsanitize=fuzzer-no-link,address,undefined -MMD -MP -c -o $@ $<
build/fuzz/%.o: %.c | $(VENDOR_SRC) $(BEARSSL_H)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CSTD) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined \
		-w -MMD -MP -c -o $@ $<
build/fuzz/libhaven.a: $(call obj,fuzz,$(FUZZ_LIB_SRC))
	rm -f $@ && ar rcs $@ $^
build/fuzz/fuzz_%: build/fuzz/test/fuzz_%.o build/fuzz/libhaven.a
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined -o $@ $^ -lm
fuzz: $(FUZZ_BINS)
	sh test/bench_fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

bench: build/$(PROG) build/test/$(PROG) build/bench/bench_round build/bench/bench_run build/bench/bench_etcd $(FUZZ_CHECK_BINS)
	UPSTREAM_SCENARIOS="$(UPSTREAM_SCENARIOS)" BENCH_FUZZ_S=$(FUZZ_SECONDS) sh test/bench.sh build/$(PROG)
	@echo "== model (states explored by spin)"
	sh test/model.sh full
	@echo "== soak: $(BENCH_SOAK_ROUNDS) rounds (the bench figure is 500; BENCH_SOAK_ROUNDS=N to shorten)"
	SOAK_ROUNDS=$(BENCH_SOAK_ROUNDS) SOAK_SEED=$(SOAK_SEED) sh test/soak.sh build/test/$(PROG)

# The Promela model of the lock protocol and fencing (model/README.md):
# safety with MODEL_MAXF faults, liveness, and the broken variants.
model:
	sh test/model.sh full

# Randomized fault campaign on the local cluster harness (test/README.md,
# "The soak"): SOAK_ROUNDS rounds from SOAK_SEED, sanitizer build.
SOAK_ROUNDS = 30
SOAK_SEED   = 1
BENCH_SOAK_ROUNDS = 500
soak: build/test/$(PROG)
	SOAK_ROUNDS=$(SOAK_ROUNDS) SOAK_SEED=$(SOAK_SEED) sh test/soak.sh build/test/$(PROG)

# clang-tidy with the repository's .clang-tidy over LINT_SRC, then the format
# check. Findings are fixed, never silenced (no NOLINT). LINT_SRC is every
# source file of ours; a shorter list can be given on the command line, e.g.
# make lint LINT_SRC=applets/conf.c.
TIDY     = clang-tidy
LINT_ALL = $(APP_SRC) $(LIB_SRC) dist/helpz.c
LINT_SRC = $(LINT_ALL)
lint: format-check | $(VENDOR_SRC)
	$(TIDY) --quiet $(LINT_SRC) -- $(CSTD) $(CPPFLAGS)
	@echo "lint: clang-tidy clean: $(words $(LINT_SRC)) files"

format:
	clang-format -i $(APP_SRC) $(LIB_SRC) dist/helpz.c $(wildcard */*.h applets/*/*.h kv/*/*.h test/*.c test/*.h)
format-check:
	clang-format --dry-run -Werror $(APP_SRC) $(LIB_SRC) dist/helpz.c $(wildcard */*.h applets/*/*.h kv/*/*.h test/*.c test/*.h)

# The units and scripts name /usr/sbin and /etc: rewritten for SBINDIR and
# SYSCONFDIR. An existing haven.conf is never touched.
SUBST = sed -e 's|/usr/sbin/|$(SBINDIR)/|g' -e 's|/etc/haven/|$(SYSCONFDIR)/haven/|g'
install: build/$(PROG) $(MAN_PAGES)
	install -D -m 755 build/$(PROG) $(DESTDIR)$(SBINDIR)/$(PROG)
	for a in $$(build/$(PROG) --list); do ln -sf $(PROG) $(DESTDIR)$(SBINDIR)/$$a; done
	install -D -m 755 applets/agents/daemon $(DESTDIR)$(AGENTSDIR)/daemon
	install -D -m 755 applets/agents/pve-guest $(DESTDIR)$(AGENTSDIR)/vm
	install -D -m 755 applets/agents/pve-guest $(DESTDIR)$(AGENTSDIR)/ct
	install -D -m 755 dist/notify/log $(DESTDIR)$(NOTIFYDIR)/log
	install -D -m 755 dist/notify/mail $(DESTDIR)$(NOTIFYDIR)/mail
	install -D -m 644 applets/cli/ha-manager.bash-completion $(DESTDIR)$(PREFIX)/share/bash-completion/completions/ha-manager
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(OPENRCDIR)
	for s in $(SERVICES); do \
		$(SUBST) dist/systemd/$$s.service >$(DESTDIR)$(UNITDIR)/$$s.service && \
		chmod 644 $(DESTDIR)$(UNITDIR)/$$s.service && \
		$(SUBST) dist/openrc/$$s >$(DESTDIR)$(OPENRCDIR)/$$s && \
		chmod 755 $(DESTDIR)$(OPENRCDIR)/$$s || exit 1; \
	done
	install -D -m 644 dist/haven.conf.example $(DESTDIR)$(SYSCONFDIR)/haven/haven.conf.example
	for p in $(MAN_PAGES); do \
		s=$${p##*.}; install -D -m 644 $$p $(DESTDIR)$(MANDIR)/man$$s/$${p##*/} || exit 1; \
	done

# A 3-node demo cluster on this machine: status, one node killed, recovery.
# STORE=etcd: the same on a 3-member etcd cluster started on loopback.
STORE = dir
run: build/$(PROG)
	CL_STORE=$(STORE) sh test/demo.sh build/$(PROG)

# Everything a fresh Debian machine needs to build and test (run as root).
# etcd-server and etcd-client: the etcd store's tests run against real etcd members;
# sshfs, socat and openssh-sftp-server: the folder store's network file system tests;
# socat also gives each node of the etcd cluster test its own TCP forwarder;
# prometheus (promtool) and curl: the metrics test scrapes and validates the endpoint;
# spin checks the model of the lock protocol (model/); gdb holds a daemon
# at its watchdog feed (test/feed.test.sh); clang and its libFuzzer runtime
# (libclang-rt-14-dev, only recommended by clang) build the fuzz harnesses.
DEB_PACKAGES = make gcc libc6-dev musl-tools file binutils clang-tidy clang-format \
               etcd-server etcd-client sshfs socat openssh-sftp-server groff-base \
               prometheus curl spin gdb clang libclang-rt-14-dev
deps:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -q >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEB_PACKAGES) >/dev/null && \
		echo "deps: installed $(DEB_PACKAGES)"; \
	else echo "deps: as root run: apt-get install -y $(DEB_PACKAGES)"; \
		dpkg -s $(DEB_PACKAGES) >/dev/null 2>&1; fi

clean:
	rm -rf build
distclean: clean
	rm -rf vendor/libev vendor/cjson vendor/bearssl vendor/downloads
.PHONY: FORCE all deps check check-pure differential fuzz bench model soak lint format format-check install run clean distclean
.SECONDARY:
-include $(shell find build -name '*.d' 2>/dev/null)
