#!/usr/bin/env bats
# Every page in man/ renders without a warning: through man(1) in the C
# locale (ASCII output, where groff has no glyph for many letters) and in a
# UTF-8 locale, and under mandoc's linter.

setup() {
	load helper
}

# pages: the pages in man/, one a line.
pages() {
	ls "$TOP"/man/*.[1-9]
}

# quiet_under CMD...: run CMD PAGE for every page; print each page that
# writes to stderr (or, for a linter, to stdout) or exits non-zero, with
# what it wrote.
quiet_under() {
	local page out rc
	for page in $(pages); do
		rc=0
		out=$("$@" "$page" 2>&1 > /dev/null) || rc=$?
		if [ -n "$out" ] || [ "$rc" -ne 0 ]; then
			printf '%s: exit %d\n%s\n' "${page#"$TOP"/}" "$rc" "$out"
		fi
	done
}

# lint PAGE: mandoc's warnings on PAGE, on stderr, with its status.
lint() {
	mandoc -Tlint -Wwarning "$1" >&2
}

@test "there are pages to check" {
	run pages
	assert_success
	assert_line "$TOP/man/wr.7"
	assert_line "$TOP/man/wr-merge.1"
}

@test "every page renders with nothing on stderr under LC_ALL=C man -l" {
	run quiet_under env LC_ALL=C MANPAGER=cat man -l
	assert_output ""
}

@test "every page renders with nothing on stderr under LC_ALL=C.UTF-8 man -l" {
	run quiet_under env LC_ALL=C.UTF-8 MANPAGER=cat man -l
	assert_output ""
}

@test "every page is clean under mandoc -Tlint -Wwarning" {
	run quiet_under lint
	assert_output ""
}
