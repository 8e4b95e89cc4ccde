# wr: build, test, demo and install.  See README.md.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
COMPDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR ?=
# make deb: where the source is copied and the package built.
DEBDIR ?= build/deb

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
LDLIBS_wr-submit = -lcurl
LDLIBS_wr-serve = -lmicrohttpd -lpthread
LDLIBS_wr-parse = -lpthread

PROGS = $(patsubst cmd/%.c,%,$(wildcard cmd/*.c))
LIBSRC = $(wildcard lib/*.c)
LIBOBJ = $(patsubst lib/%.c,$(O)/lib/%.o,$(LIBSRC))
UNITSRC = $(wildcard tests/unit/*.c)
UNITS = $(patsubst tests/unit/%.c,$(O)/unit/%,$(UNITSRC))
HDRS = $(wildcard include/*.h lib/*.h)

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

# Large-scale faults and kills (not part of make check).
soak: deps all
	@scripts/soak

bench: deps all
	@bench/all

# Plain build only, for quick iterations.
check-fast: all units
	@scripts/run-tests build

demo: deps all
	@scripts/demo

lint-man:
	mandoc -Tlint -W warning man/*.1 man/*.7

# Programs, man pages, and one bash completion file with a link per program.
MAN1 = $(wildcard man/*.1)
MAN7 = $(wildcard man/*.7)
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(COMPDIR)
	install -m 755 $(addprefix bin/,$(PROGS)) $(DESTDIR)$(BINDIR)
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	install -m 644 completions/wr $(DESTDIR)$(COMPDIR)/wr
	for p in $(PROGS); do ln -sf wr $(DESTDIR)$(COMPDIR)/$$p || exit 1; done

uninstall:
	rm -f $(addprefix $(DESTDIR)$(BINDIR)/,$(PROGS))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN1)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man7/,$(notdir $(MAN7)))
	rm -f $(DESTDIR)$(COMPDIR)/wr $(addprefix $(DESTDIR)$(COMPDIR)/,$(PROGS))

# A Debian package, built by dpkg-buildpackage from a copy of the sources in
# $(DEBDIR) (so it never touches build/ or bin/); as root, installs the
# build dependencies first.
DEBSRC = Makefile cmd lib include man completions debian
DEBPKGS = build-essential dpkg-dev debhelper libcurl4-openssl-dev libjsmn-dev \
	libmicrohttpd-dev libxxhash-dev
deb:
	@if [ "$$(id -u)" -eq 0 ] && ! { command -v dh && dpkg-checkbuilddeps; } >/dev/null 2>&1; then \
	    export DEBIAN_FRONTEND=noninteractive; \
	    { apt-get update -q && apt-get install -y -q --no-install-recommends $(DEBPKGS); } >&2; fi
	@command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null || \
	    { echo "make deb: needs: apt-get install $(DEBPKGS)" >&2; exit 1; }
	rm -rf $(DEBDIR) && mkdir -p $(DEBDIR)/wr
	cp -R $(DEBSRC) $(DEBDIR)/wr/
	cd $(DEBDIR)/wr && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    dpkg-buildpackage -b -us -uc -J >../build.log 2>&1 || { tail -n 30 ../build.log >&2; exit 1; }
	@ls $(DEBDIR)/*.deb

clean:
	rm -rf bin build

.PHONY: all programs units deps check check-fast demo fuzz valgrind soak bench lint-man install uninstall deb clean
.SECONDARY:
