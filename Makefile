# flowlua - build, test and install.
#
# Overridable variables:
#   PREFIX      install prefix for `make install`           (/usr/local)
#   CC          C compiler                                   (cc)
#   CFLAGS      optimisation and warning flags
#   LUA         Lua 5.4 interpreter used by build and tests  (lua5.4)
#   LUA_VERSION Lua version whose headers are used           (5.4)
#   LUA_INCDIR  directory of lua.h                           (/usr/include/lua$(LUA_VERSION))
#   BUSTED      busted runner script                         (/usr/bin/busted)
#   SPECS       spec files or directories to run             (spec)
#   FUZZ_SECONDS  run time of each fuzz target in `make fuzz` (60)
#
# Targets: all test lint bench install clean check-asan check-valgrind fuzz
#          conformance (traffic through Adobe's OAS; needs node and npm)
# `make rock-install` is what luarocks runs (see rockspec/).

PREFIX      ?= /usr/local
CC          ?= cc
LUA         ?= lua5.4
LUA_VERSION ?= 5.4
LUA_INCDIR  ?= /usr/include/lua$(LUA_VERSION)
LUA_LIB     ?= -llua$(LUA_VERSION)
BUSTED      ?= /usr/bin/busted
SPECS       ?= spec
FUZZ_SECONDS ?= 60
CFLAGS      ?= -O2 -g
WARNINGS    := -std=c11 -Wall -Wextra -Wshadow -Wmissing-prototypes \
               -Wstrict-prototypes -Wpointer-arith -Wcast-qual -Wvla
CPPFLAGS    += -I$(LUA_INCDIR) -Isrc -D_GNU_SOURCE
LIBS        := -lcurl -lmicrohttpd -lpcre2-8 -lpthread -lm
# Only what flowlua.h marks FLOWLUA_API (the luaopen_* functions) is
# exported from core.so and the executable; every other symbol is hidden.
VISIBILITY  := -fvisibility=hidden
SANITIZE    := -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=undefined

# src/<part>/*.c: one folder per part, see docs/internals.md "The C tree"
MAIN_SRC    := src/host/main.c
CORE_SRC    := $(filter-out $(MAIN_SRC),$(sort $(wildcard src/*/*.c)))
LUA_SRC     := $(sort $(shell find lua -name '*.lua'))
# data the Lua modules read (the emulator's catalogue), embedded and
# installed beside them
LUA_DATA    := $(sort $(shell find lua -name '*.json'))
HEADERS     := $(wildcard src/*.h src/*/*.h)

ifneq ($(V),1)
Q := @
endif

.PHONY: all test lint specs bench install rock-install clean check-asan \
        check-valgrind fuzz conformance

all: flowlua build/lib/flowlua/core.so

# -MMD -MP: each object gets a .d file naming the headers it includes, so
# a header change rebuilds exactly the objects that use it.
build/obj/%.o: src/%.c Makefile
	@echo "  CC      $<"
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(WARNINGS) $(VISIBILITY) $(CFLAGS) -fPIC -MMD -MP \
	  -c -o $@ $<

build/embedded.c: tools/embed.lua $(LUA_SRC) $(LUA_DATA) | build
	@echo "  EMBED   lua/"
	$(Q)$(LUA) tools/embed.lua $@ $(LUA_SRC) $(LUA_DATA)

build/obj/embedded.o: build/embedded.c | build/obj
	@echo "  CC      $<"
	$(Q)$(CC) $(CPPFLAGS) $(VISIBILITY) $(CFLAGS) -c -o $@ $<

CORE_OBJ := $(CORE_SRC:src/%.c=build/obj/%.o)
MAIN_OBJ := $(MAIN_SRC:src/%.c=build/obj/%.o)

-include $(CORE_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)

flowlua: $(MAIN_OBJ) build/obj/embedded.o $(CORE_OBJ)
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) -Wl,-E -o $@ $^ $(LUA_LIB) $(LIBS) $(LDFLAGS)

build/lib/flowlua/core.so: $(CORE_OBJ) | build/lib/flowlua
	@echo "  LINK    $@"
	$(Q)$(CC) $(CFLAGS) -shared -o $@ $^ $(LIBS) $(LDFLAGS)

build build/obj build/asan build/lib/flowlua:
	$(Q)mkdir -p $@

# --- tests -----------------------------------------------------------------

# FLOWLUA_BIN tells specs which executable to spawn for CLI and emulator
# processes, so sanitizer runs exercise the instrumented build everywhere.
test: lint specs

lint:
	$(Q)luacheck -q .

specs: all
	$(Q)FLOWLUA_BIN=$(CURDIR)/flowlua $(LUA) $(BUSTED) $(SPECS)

# one compiler run over every source, so it depends on every header
build/asan/flowlua: $(MAIN_SRC) build/embedded.c $(CORE_SRC) $(HEADERS) \
                    | build/asan
	@echo "  LINK    $@ (ASan+UBSan)"
	$(Q)clang $(CPPFLAGS) $(WARNINGS) $(VISIBILITY) -O1 -g $(SANITIZE) \
	  -Wl,-E -o $@ \
	  $(MAIN_SRC) build/embedded.c $(CORE_SRC) $(LUA_LIB) $(LIBS)

check-asan: build/asan/flowlua
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tools/lsan.supp \
	  FLOWLUA_BIN=$(CURDIR)/build/asan/flowlua \
	  build/asan/flowlua run $(BUSTED) $(SPECS)

check-valgrind: flowlua
	$(Q)FLOWLUA_BIN=$(CURDIR)/flowlua FLOWLUA_VALGRIND=1 \
	  valgrind -q --error-exitcode=99 --leak-check=full \
	  --errors-for-leak-kinds=definite --track-fds=no \
	  ./flowlua run $(BUSTED) $(SPECS)

# The scripts, a client tour and error cases, through Prism (Adobe's OAS)
# in front of the emulator; fails on any violation contract/oas-exceptions.json
# does not explain. See docs/conformance.md.
conformance: all
	$(Q)tools/conformance/run

bench: all
	$(Q)for b in bench/*/run; do echo "== $$b"; sh $$b || exit 1; done

fuzz: build/embedded.c
	$(Q)for t in fuzz/*_fuzz.c; do \
	  $(MAKE) --no-print-directory -f fuzz/Makefile \
	    TARGET=$$(basename $$t .c) SECONDS=$(FUZZ_SECONDS) || exit 1; done

# --- install -----------------------------------------------------------------

install: flowlua
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 flowlua $(DESTDIR)$(PREFIX)/bin/flowlua

# Called by `luarocks make` with INST_LIBDIR, INST_LUADIR and INST_BINDIR.
rock-install: all
	install -d $(INST_LIBDIR)/flowlua $(INST_BINDIR)
	install -m 0755 build/lib/flowlua/core.so $(INST_LIBDIR)/flowlua/core.so
	install -m 0755 flowlua $(INST_BINDIR)/flowlua
	cd lua && find . \( -name '*.lua' -o -name '*.json' \) \
	  -exec install -D -m 0644 {} $(INST_LUADIR)/{} \;

clean:
	rm -rf build flowlua
