# cairn: a transparency log for software signatures.
# `make run` builds and starts cairnd; `make test` runs every test.

.DEFAULT_GOAL := all

BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
SAN     ?=
WERROR  ?=

PKGS      = lmdb libcrypto libmicrohttpd jansson libcurl cmocka
WARN      = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes
OPT      ?= -O2 -g
# Our flags live in XCFLAGS so that a user's CFLAGS/LDFLAGS add to them.
XCFLAGS   = $(OPT) -std=c11 $(WARN) -pthread -Ilog -MMD -MP
XLDFLAGS  =
ifeq ($(WERROR),1)
XCFLAGS  += -Werror
endif
ifneq ($(SAN),)
XCFLAGS  += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
XLDFLAGS += -fsanitize=$(SAN)
endif

# pkg-config flags are computed once per build dir, after mk/deps.sh has made
# sure the Debian packages are there (installing them when run as root).
ifeq ($(filter clean,$(MAKECMDGOALS)),)
-include $(BUILD)/config.mk
endif
$(BUILD)/config.mk: mk/deps.sh
	@sh mk/deps.sh
	@mkdir -p $(BUILD)
	@{ echo "PKG_CFLAGS = $$(pkg-config --cflags $(PKGS))"; \
	   echo "LIBS_CORE = $$(pkg-config --libs libcrypto jansson)"; \
	   echo "LIBS_LOG = $$(pkg-config --libs lmdb)"; \
	   echo "LIBS_HTTPD = $$(pkg-config --libs libmicrohttpd)"; \
	   echo "LIBS_CURL = $$(pkg-config --libs libcurl)"; \
	   echo "LIBS_TEST = $$(pkg-config --libs cmocka)"; } > $@.tmp && mv $@.tmp $@

XCFLAGS += $(PKG_CFLAGS)

# Pure modules: no LMDB, no HTTP. The verifier links only these.
CORE_SRC  = log/err.c log/codec.c log/merkle.c log/tiles.c log/jcs.c log/keys.c log/note.c log/entry.c
# The LMDB-backed log.
LOG_SRC   = log/store.c log/log.c
API_SRC   = $(wildcard api/*.c)
CLI_SRC   = $(wildcard verifier/*.c)
TEST_SRC  = $(wildcard tests/log/test_*.c tests/api/test_*.c tests/verifier/test_*.c tests/crash/test_*.c \
		      tests/hostile/test_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

CORE_LIB  = $(BUILD)/libcairn-core.a
LOG_LIB   = $(BUILD)/libcairn-log.a
TESTS     = $(patsubst %.c,$(BUILD)/%,$(TEST_SRC))
BINS      = $(if $(API_SRC),bin/cairnd) $(if $(CLI_SRC),bin/cairn)
ifneq ($(BUILD),build)
BINS      := $(patsubst bin/%,$(BUILD)/bin/%,$(BINS))
endif

.SECONDARY:
.PHONY: all test check run bench asan ubsan valgrind fuzz crash install clean deps
all: $(CORE_LIB) $(LOG_LIB) $(BINS)

deps:
	@sh mk/deps.sh

$(BUILD)/obj/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(dir $@)
	$(CC) $(XCFLAGS) $(CFLAGS) -c $< -o $@

$(CORE_LIB): $(call obj,$(CORE_SRC))
	@rm -f $@
	ar rcs $@ $^

$(LOG_LIB): $(call obj,$(LOG_SRC))
	@rm -f $@
	ar rcs $@ $^

bin/cairnd $(BUILD)/bin/cairnd: $(call obj,$(API_SRC)) $(LOG_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(XLDFLAGS) $(LDFLAGS) -pthread $^ -o $@ $(LIBS_HTTPD) $(LIBS_LOG) $(LIBS_CORE) -lm

bin/cairn $(BUILD)/bin/cairn: $(call obj,$(CLI_SRC)) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(XLDFLAGS) $(LDFLAGS) -pthread $^ -o $@ $(LIBS_CURL) $(LIBS_CORE) -lm

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(LOG_LIB) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(XLDFLAGS) $(LDFLAGS) -pthread $^ -o $@ $(LIBS_TEST) $(LIBS_LOG) $(LIBS_CURL) $(LIBS_CORE) -lm

# The crash test's write-level crash injector, preloaded into cairnd: not under
# $(BUILD)/tests, where every executable is run as a test.
$(BUILD)/crash/killpoint.so: tests/crash/killpoint.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -shared -fPIC $< -o $@ -ldl
$(BUILD)/tests/crash/test_crash: | $(BUILD)/crash/killpoint.so

# Every test binary, then the script tests; the last line is "N passed, N failed".
test check: all $(TESTS)
	@sh tests/run.sh $(BUILD) $(if $(filter build,$(BUILD)),bin,$(BUILD)/bin)

asan:
	$(MAKE) BUILD=build-asan SAN=address,undefined OPT="-O1 -g" test

ubsan:
	$(MAKE) BUILD=build-ubsan SAN=undefined OPT="-O1 -g" test

# The unit tests under valgrind memcheck: no errors, no leaks.
valgrind: all $(TESTS)
	@sh tests/valgrind.sh $(BUILD)

run: all
	./bin/cairnd

bench: all
	@CAIRN_BUILD=$(BUILD) CAIRN_BIN=$(if $(filter build,$(BUILD)),bin,$(BUILD)/bin) CC="$(CC)" sh bench/run.sh

FUZZ_SECONDS ?= 60
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
fuzz:
	@sh mk/deps.sh clang libclang-rt-14-dev
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)

# The crash test at length: 100 SIGKILL cycles (CRASH_CYCLES) under load.
CRASH_CYCLES ?= 100
crash: all $(BUILD)/tests/crash/test_crash
	@CAIRN_BIN=$(abspath $(if $(filter build,$(BUILD)),bin,$(BUILD)/bin)) CAIRN_BUILD=$(abspath $(BUILD)) \
		CAIRN_CRASH_CYCLES=$(CRASH_CYCLES) $(BUILD)/tests/crash/test_crash

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	$(if $(BINS),install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/)

clean:
	rm -rf build build-asan build-ubsan build-fuzz bin

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
