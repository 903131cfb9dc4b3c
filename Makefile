# Makefile - haven: one static musl multicall binary, plus sanitizer-built tests.
#   make            build/haven (static, musl, stripped: what we ship)
#   make check      unit tests, scenario tests and binary tests under ASan+UBSan
#   make bench      benchmarks (never part of check)
#   make differential  ha-tester vs the reference simulator (needs ../shared)
#   make install    PREFIX=/usr DESTDIR= : binary plus one symlink per applet, agents
#   make run        a 3-node demo cluster on this machine (test/demo.sh)
#   make format     clang-format our sources (never vendor/)
PROG     = haven
VERSION  = 0.1.0
MUSL_CC  = musl-gcc
CC       = cc
STRIP    = strip
PREFIX   = /usr
SBINDIR  = $(PREFIX)/sbin
AGENTSDIR = $(PREFIX)/libexec/haven/agents
CSTD     = -std=c11 -D_GNU_SOURCE
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
           -Wwrite-strings -Wvla -Wpointer-arith -Wcast-qual -Wundef -Wimplicit-fallthrough \
           -Wno-unused-parameter
WERROR   = -Werror
EV_DEFS  = -DEV_STANDALONE=1 -DEV_USE_EPOLL=1 -DEV_USE_EVENTFD=1 -DEV_USE_IOURING=0 -DEV_USE_LINUXAIO=0
CPPFLAGS = -I. -isystem vendor/libev -isystem vendor/cjson $(EV_DEFS) \
           -DHAVEN_VERSION='"$(VERSION)"'
OPT      = -O2
# The shipped binary: size first (it runs on appliances); unused code dropped.
STATIC_OPT = -Os -ffunction-sections -fdata-sections
STATIC_LDFLAGS = -static -Wl,--gc-sections
SAN      = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

LIB_SRC    = $(wildcard state/*.c kv/*.c watchdog/*.c)
VENDOR_SRC = vendor/libev/ev.c vendor/cjson/cJSON.c
APP_SRC    = main.c $(wildcard applets/*.c)
TEST_LIB   = test/test_fakeenv.c
TESTS      = $(patsubst test/%.c,build/test/%,$(filter-out $(TEST_LIB),$(wildcard test/test_*.c)))
obj = $(patsubst %.c,build/$(1)/%.o,$(2))

all: build/$(PROG)

$(VENDOR_SRC) &: vendor/sources.txt vendor/fetch.sh
	sh vendor/fetch.sh
	touch $(VENDOR_SRC)

build/$(PROG): build/static/$(PROG)
	$(STRIP) -o $@ $<
	@echo "$@: $$(stat -c %s $@) bytes stripped, $$(file -b $@ | cut -d, -f1-5)"

build/static/$(PROG): $(call obj,static,$(APP_SRC) $(LIB_SRC) $(VENDOR_SRC))
	$(MUSL_CC) $(STATIC_LDFLAGS) -o $@ $^ -lm
build/static/vendor/%.o: vendor/%.c
	@mkdir -p $(@D)
	$(MUSL_CC) $(CSTD) $(CPPFLAGS) $(STATIC_OPT) -w -c -o $@ $<
build/static/%.o: %.c | $(VENDOR_SRC)
	@mkdir -p $(@D)
	$(MUSL_CC) $(CSTD) $(CPPFLAGS) $(WARN) $(WERROR) $(STATIC_OPT) -MMD -MP -c -o $@ $<

build/test/$(PROG): $(call obj,test,$(APP_SRC) $(LIB_SRC) $(VENDOR_SRC))
	$(CC) $(SAN) -o $@ $^ -lm
build/test/test_%: $(call obj,test,test/test_%.c $(TEST_LIB) $(LIB_SRC) $(VENDOR_SRC))
	$(CC) $(SAN) -o $@ $^ -lm
build/test/vendor/%.o: vendor/%.c
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(CPPFLAGS) $(SAN) -w -c -o $@ $<
build/test/%.o: %.c | $(VENDOR_SRC)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(CPPFLAGS) $(WARN) $(WERROR) $(SAN) -MMD -MP -c -o $@ $<

# Benchmark programs: host cc, optimised, no sanitizers.
build/bench/bench_%: $(call obj,bench,test/bench_%.c $(LIB_SRC) $(VENDOR_SRC))
	$(CC) -o $@ $^ -lm
build/bench/vendor/%.o: vendor/%.c
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(CPPFLAGS) $(OPT) -w -c -o $@ $<
build/bench/%.o: %.c | $(VENDOR_SRC)
	@mkdir -p $(@D)
	$(CC) $(CSTD) $(CPPFLAGS) $(WARN) $(WERROR) $(OPT) -MMD -MP -c -o $@ $<

check: build/$(PROG) build/test/$(PROG) $(TESTS) check-pure
	sh test/run.sh build/test/$(PROG) $(TESTS)

# state/ must not touch the OS: every such call goes through struct ha_env.
FORBIDDEN = open|close|read|write|time|clock_gettime|gettimeofday|sleep|usleep|nanosleep|\
	syslog|fopen|fclose|fread|fwrite|printf|fprintf|puts|fputs|socket|connect|fork|exec[a-z]*|\
	kill|getpid|rand|random|srand|exit|abort|ev_[a-z_]+|kv_[a-z_]+|wd_[a-z_]+
check-pure: $(call obj,test,$(wildcard state/*.c))
	@! nm -u $^ | grep -Ew '($(FORBIDDEN))' || { echo "state/ calls the OS directly"; exit 1; }
	@echo "check-pure: state/ calls no OS function"

# ha-tester against the reference simulator on generated scenarios (needs
# python3 and ../shared; not part of check): DIFF_COUNT scenarios from DIFF_SEED.
DIFF_COUNT = 300
DIFF_SEED  = 1
differential: build/$(PROG)
	sh test/differential.sh build/$(PROG) $(DIFF_COUNT) $(DIFF_SEED)

bench: build/$(PROG) build/bench/bench_round build/bench/bench_run
	sh test/bench.sh build/$(PROG)

format:
	clang-format -i $(APP_SRC) $(LIB_SRC) $(wildcard */*.h test/*.c test/*.h)
format-check:
	clang-format --dry-run -Werror $(APP_SRC) $(LIB_SRC) $(wildcard */*.h test/*.c test/*.h)

install: build/$(PROG)
	install -D -m 755 $< $(DESTDIR)$(SBINDIR)/$(PROG)
	for a in $$($< --list); do ln -sf $(PROG) $(DESTDIR)$(SBINDIR)/$$a; done
	install -D -m 755 applets/agents/daemon $(DESTDIR)$(AGENTSDIR)/daemon
	install -D -m 755 applets/agents/pve-guest $(DESTDIR)$(AGENTSDIR)/vm
	install -D -m 755 applets/agents/pve-guest $(DESTDIR)$(AGENTSDIR)/ct

# A 3-node demo cluster on this machine: status, one node killed, recovery.
run: build/$(PROG)
	sh test/demo.sh build/$(PROG)

# Everything a fresh Debian machine needs to build and test (run as root).
DEB_PACKAGES = make gcc libc6-dev musl-tools file binutils sshfs socat openssh-sftp-server
deps:
	@if [ "$$(id -u)" = 0 ]; then apt-get update -q >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(DEB_PACKAGES) >/dev/null && \
		echo "deps: installed $(DEB_PACKAGES)"; \
	else echo "deps: as root run: apt-get install -y $(DEB_PACKAGES)"; \
		dpkg -s $(DEB_PACKAGES) >/dev/null 2>&1; fi

clean:
	rm -rf build
distclean: clean
	rm -rf vendor/libev vendor/cjson vendor/downloads
.PHONY: all deps check check-pure differential bench format format-check install run clean distclean
.SECONDARY:
-include $(shell find build -name '*.d' 2>/dev/null)
