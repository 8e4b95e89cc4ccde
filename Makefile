# wr: build, test, demo and install.  See README.md.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

CC ?= cc
CFLAGS ?= -O2 -g
# Build flavours: make O=build/san SAN=1 builds the sanitizer copy.
O ?= build
B = $(O)/bin
SANITIZE = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SANFLAGS = $(if $(SAN),$(SANITIZE))
WR_CPPFLAGS = -Iinclude -D_GNU_SOURCE -DJSMN_STRICT -DJSMN_PARENT_LINKS
WR_CFLAGS = -std=c11 -Wall -Wextra -Werror $(SANFLAGS)
LDLIBS_ALL = -lxxhash -lm
LDLIBS_wr-query = -lcurl
LDLIBS_wr-serve = -lmicrohttpd -lpthread
LDLIBS_wr-parse = -lpthread

PROGS = $(patsubst cmd/%.c,%,$(wildcard cmd/*.c))
LIBSRC = $(wildcard lib/*.c)
LIBOBJ = $(patsubst lib/%.c,$(O)/lib/%.o,$(LIBSRC))
UNITSRC = $(wildcard tests/unit/*.c)
UNITS = $(patsubst tests/unit/%.c,$(O)/unit/%,$(UNITSRC))
HDRS = $(wildcard include/*.h)

all: $(addprefix bin/,$(PROGS))

# bin/ always holds the plain build; the programs are built in $(O) and copied.
ifeq ($(O),build)
# Copy then rename, so a program that is running (a benchmark) can be replaced.
bin/%: $(B)/%
	@mkdir -p bin
	cp $< $@.tmp && mv -f $@.tmp $@
endif

$(B)/%: $(O)/cmd/%.o $(O)/libwr.a
	@mkdir -p $(B)
	$(CC) $(WR_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_$*) $(LDLIBS_ALL)

$(O)/libwr.a: $(LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(O)/lib/%.o: lib/%.c $(HDRS)
	@mkdir -p $(O)/lib
	$(CC) $(WR_CPPFLAGS) $(CPPFLAGS) $(WR_CFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/cmd/%.o: cmd/%.c $(HDRS)
	@mkdir -p $(O)/cmd
	$(CC) $(WR_CPPFLAGS) $(CPPFLAGS) $(WR_CFLAGS) $(CFLAGS) -c -o $@ $<

$(O)/unit/%: tests/unit/%.c $(O)/libwr.a $(HDRS)
	@mkdir -p $(O)/unit
	$(CC) $(WR_CPPFLAGS) $(CPPFLAGS) $(WR_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(O)/libwr.a -lcurl $(LDLIBS_ALL)

programs: $(addprefix $(B)/,$(PROGS))
units: $(UNITS)

deps:
	@scripts/deps

# The suite runs twice: on the plain build, then on an ASan+UBSan build;
# the fuzz harnesses replay their corpora and run a few seconds each.
check: deps all units
	@$(MAKE) --no-print-directory O=build/san SAN=1 programs units
	@scripts/run-tests build build/san

fuzz: deps
	@scripts/fuzz

valgrind: deps all
	@scripts/valgrind

bench: deps all
	@bench/all

# Plain build only, for quick iterations.
check-fast: all units
	@scripts/run-tests build

demo: deps all
	@scripts/demo

lint-man:
	mandoc -Tlint -W warning man/*.1 man/*.7

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	install -m 755 $(addprefix bin/,$(PROGS)) $(DESTDIR)$(BINDIR)
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/*.7 $(DESTDIR)$(MANDIR)/man7

clean:
	rm -rf bin build

.PHONY: all programs units deps check check-fast demo fuzz valgrind bench lint-man install clean
.SECONDARY:
