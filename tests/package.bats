#!/usr/bin/env bats
# Packaging: make install/uninstall, bash completion, make deb.

# One install under PREFIX=/usr into a DESTDIR for the whole file.
setup_file() {
	export ROOT=$BATS_FILE_TMPDIR/root
	mk install DESTDIR="$ROOT" PREFIX=/usr
}

setup() { load helper; }

# mk ARGS...: the top Makefile, quiet, free of an outer make's flags.
mk() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	    make -s -C "$BATS_TEST_DIRNAME/.." --no-print-directory "$@"
}

# progs, man1, man7: what the source tree holds, one name a line.
progs() { for f in "$TOP"/cmd/*.c; do f=${f##*/}; echo "${f%.c}"; done; }
man1() { for f in "$TOP"/man/*.1; do echo "${f##*/}"; done; }
man7() { for f in "$TOP"/man/*.7; do echo "${f##*/}"; done; }

# listing DIR: "MODE PATH [-> TARGET]" for every file and link under DIR.
listing() {
	(cd "$1" && find . ! -type d -printf '%m %P -> %l\n' | sed 's/ -> $//' | sort)
}

# complete WORD...: what the completion offers for the last WORD of the
# command line WORD..., sorted, one a line; run from $BATS_TEST_TMPDIR.
complete() {
	(cd "$BATS_TEST_TMPDIR" && bash -c '
		source "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_wr "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		((${#COMPREPLY[@]} == 0)) || printf "%s\n" "${COMPREPLY[@]}" | sort' \
	    _ "$TOP/completions/wr" "$@")
}

# long_opts PROG: the long options in PROG --help, sorted.
long_opts() {
	"$1" --help | grep -oE '^ +(-[[:alnum:]], )?--[[:alnum:]-]+' |
	    grep -oE -- '--[[:alnum:]-]+' | sort
}

@test "the program list is not empty and holds the six first programs" {
	run bash -c "$(declare -f progs); TOP=$TOP; progs | grep -cxE 'wr-(batch|merge|parse|prompt|query|serve)'"
	assert_output 6
}

@test "make install puts programs, man pages and completions under DESTDIR/PREFIX" {
	expect() {
		local p m
		for p in $(progs); do
			echo "644 usr/share/bash-completion/completions/$p -> wr"
			echo "755 usr/bin/$p"
		done
		echo "644 usr/share/bash-completion/completions/wr"
		for m in $(man1); do echo "644 usr/share/man/man1/$m"; done
		for m in $(man7); do echo "644 usr/share/man/man7/$m"; done
	}
	run listing "$ROOT"
	assert_success
	# find prints a symlink's own mode as 777
	assert_output "$(expect | sed 's/^644 \(.*\) -> wr$/777 \1 -> wr/' | sort)"
}

@test "man finds every installed page through MANPATH" {
	export MANPATH=$ROOT/usr/share/man
	for m in $(man1) $(man7); do
		run man -w "${m%.*}"
		assert_success
		[ "$output" = "$ROOT/usr/share/man/man${m##*.}/$m" ]
	done
}

@test "man renders an installed page" {
	run env MANPATH="$ROOT/usr/share/man" MANWIDTH=80 man wr-batch
	assert_success
	assert_line --index 0 --regexp '^WR-BATCH\(1\) .* WR-BATCH\(1\)$'
	assert_line NAME
}

@test "the installed programs run" {
	run "$ROOT/usr/bin/wr-batch" --version
	assert_success
	assert_output "wr-batch (wr) $(wr-batch --version | cut -d' ' -f3)"
}

@test "PREFIX and BINDIR are honoured, and make uninstall removes every file" {
	local d=$BATS_TEST_TMPDIR/d
	mk install DESTDIR="$d" PREFIX=/opt/wr BINDIR=/opt/wr/libexec
	run listing "$d"
	assert_line "755 opt/wr/libexec/wr-batch"
	assert_line "644 opt/wr/share/man/man7/wr.7"
	assert_line "644 opt/wr/share/bash-completion/completions/wr"
	mk uninstall DESTDIR="$d" PREFIX=/opt/wr BINDIR=/opt/wr/libexec
	run listing "$d"
	assert_success
	assert_output ""
}

@test "every long option in each program's --help is completed after --" {
	for p in $(progs); do
		run complete "$p" --
		assert_success
		[ -n "$output" ]
		[ "$output" = "$(long_opts "$p")" ] || { echo "$p: $output"; false; }
	done
}

@test "short and long options are completed after a dash" {
	run complete wr-batch -
	assert_success
	assert_output - <<-EOF
		--exclude
		--help
		--quiet
		--size
		--version
		-h
		-n
		-q
		-x
	EOF
}

@test "-a and --combine of wr-merge complete the ways to combine" {
	run complete wr-merge -a ''
	assert_output "$(printf 'max\nmean\nmedian\nmin')"
	run complete wr-merge --combine me
	assert_output "$(printf 'mean\nmedian')"
}

@test "-f of wr-merge completes the formats, also as --format=" {
	run complete wr-merge -f ''
	assert_output "$(printf 'dict\ntsv')"
	run complete wr-merge --format = t
	assert_output tsv
	run complete wr-merge --format=d
	assert_output dict
}

@test "--style of wr-serve completes the styles of wr-serve(1)" {
	run complete wr-serve --style ''
	assert_success
	assert_output "$(sed -n '/^\.Ss Styles/,/^\.Ss /s/^\.It \([a-z-]*\)$/\1/p' "$TOP/man/wr-serve.1" | sort)"
	[ "${#lines[@]}" -ge 11 ]
}

@test "FILE arguments and operands complete file names" {
	mkdir "$BATS_TEST_TMPDIR/dir"
	touch "$BATS_TEST_TMPDIR/words.txt" "$BATS_TEST_TMPDIR/words.dict"
	run complete wr-batch -x words
	assert_output "$(printf 'words.dict\nwords.txt')"
	run complete wr-merge --base=words.d
	assert_output words.dict
	run complete wr-parse ''
	assert_output "$(printf 'dir\nwords.dict\nwords.txt')"
	run complete wr-query -- --x
	assert_output ""
}

@test "options that take no file complete nothing, and wr-serve takes no operands" {
	touch "$BATS_TEST_TMPDIR/words.txt"
	run complete wr-batch -n ''
	assert_output ""
	run complete wr-serve ''
	assert_output ""
}

@test "the installed completion registers the program it is loaded for" {
	run bash -c 'source "$1/wr-merge"; complete -p wr-merge' _ \
	    "$ROOT/usr/share/bash-completion/completions"
	assert_success
	assert_output "complete -F _wr wr-merge"
}

# The package: built once, only where debhelper is installed.
deb_built() {
	# The package builds from source whatever WR_BIN is: once per make check is enough.
	case $WR_BIN in */san/*) skip "the package is checked in the plain pass" ;; esac
	command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null ||
	    skip "dpkg-buildpackage or debhelper is not installed"
	DEB=$BATS_FILE_TMPDIR/deb
	if ! [ -d "$DEB" ]; then
		mk deb DEBDIR="$DEB" > /dev/null || return 1
	fi
	set -- "$DEB"/wr_*_*.deb
	[ -f "$1" ] || return 1
	DEBFILE=$1
}

@test "make deb builds a package holding exactly what make install installs" {
	deb_built
	expect() {
		local p m
		for p in $(progs); do
			echo "lrwxrwxrwx ./usr/share/bash-completion/completions/$p -> wr"
			echo "-rwxr-xr-x ./usr/bin/$p"
		done
		echo "-rw-r--r-- ./usr/share/bash-completion/completions/wr"
		echo "-rw-r--r-- ./usr/share/doc/wr/changelog.gz"
		echo "-rw-r--r-- ./usr/share/doc/wr/copyright"
		for m in $(man1); do echo "-rw-r--r-- ./usr/share/man/man1/$m.gz"; done
		for m in $(man7); do echo "-rw-r--r-- ./usr/share/man/man7/$m.gz"; done
	}
	run bash -c "dpkg-deb -c '$DEBFILE' | awk '\$1 !~ /^d/ { \$2 = \$3 = \$4 = \$5 = \"\"; print }' | tr -s ' ' | sort"
	assert_success
	assert_output "$(expect | sort)"
}

@test "the package depends on the runtime libraries and recommends scowl" {
	deb_built
	run bash -c "dpkg-deb -f '$DEBFILE' Depends | sed 's/ ([^)]*)//g'"
	assert_output "libc6, libcurl4, libmicrohttpd12"
	run dpkg-deb -f "$DEBFILE" Recommends
	assert_output scowl
}

@test "the package's version is the programs' version" {
	deb_built
	run dpkg-deb -f "$DEBFILE" Package Version Architecture
	assert_output "Package: wr
Version: $(wr-batch --version | cut -d' ' -f3)
Architecture: $(dpkg --print-architecture)"
}
