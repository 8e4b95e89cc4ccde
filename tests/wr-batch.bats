#!/usr/bin/env bats
# wr-batch: word lists in, batches out.

setup() { load helper; }

@test "entries are trimmed, deduplicated and batched with stable IDs" {
	run --separate-stderr wr-batch -n 2 "$FIX/batch-words.txt"
	assert_failure 1
	assert_output "$(printf 'c5a62931ca6b6d20\tcat\tdog\ndde19610b2ad0764\tice cream\tcafé\n%s\tx-ray' "$(printf 'x-ray\n' | xxh64sum | cut -c1-16)")"
	[ "$stderr" = "wr-batch: $FIX/batch-words.txt:8: score with no entry, line skipped
wr-batch: 5 entries in 3 batches; 1 duplicates, 0 excluded, 1 bad lines" ]
}

@test "a batch ID is XXH64 of the entries, each followed by a newline" {
	run bash -c "printf 'ice cream\ncafé\n' | wr-batch -q | cut -f1"
	assert_success
	assert_output "$(printf 'ice cream\ncafé\n' | xxh64sum | cut -c1-16)"
}

@test "the same entries give the same ID whatever surrounds them" {
	a=$(printf '# v1\nalpha\nbeta\n' | wr-batch -q -n 2)
	b=$(printf 'alpha \r\n\nbeta;3\n' | wr-batch -q -n 2)
	assert_equal "$a" "$(printf '%s\talpha\tbeta' "$(printf 'alpha\nbeta\n' | xxh64sum | cut -c1-16)")"
	assert_equal "$b" "$a"
}

@test "invalid UTF-8 is skipped with file and line, and the rest flows" {
	run --separate-stderr wr-batch -n 10 "$FIX/batch-bad-utf8.txt"
	assert_failure 1
	assert_output "$(printf '%s\tcat\tsnake\towl' "$(printf 'cat\nsnake\nowl\n' | xxh64sum | cut -c1-16)")"
	[ "${stderr_lines[0]}" = "wr-batch: $FIX/batch-bad-utf8.txt:3: invalid UTF-8, line skipped" ]
}

@test "a NUL byte, an over-long line and a control character are skipped with their positions" {
	long=$(head -c 1100 /dev/zero | tr '\0' a)
	run --separate-stderr bash -c "printf 'one\nt\0wo\n%s\nth\001ree\nfour\n' '$long' | wr-batch -q"
	assert_failure 1
	assert_output "$(printf '%s\tone\tfour' "$(printf 'one\nfour\n' | xxh64sum | cut -c1-16)")"
	[ "$stderr" = "wr-batch: -:2: line holds a NUL byte, skipped
wr-batch: -:3: line longer than 1024 bytes, skipped
wr-batch: -:4: control character in entry, line skipped" ]
}

@test "-x skips entries found in plain lists, ratings and WORD;SCORE lists" {
	printf 'cat\n' > "$BATS_TEST_TMPDIR/plain"
	printf 'dog\t4\tgpt\t0123456789abcdef\n' > "$BATS_TEST_TMPDIR/ratings"
	printf 'owl;50\n' > "$BATS_TEST_TMPDIR/dict"
	run --separate-stderr bash -c "printf 'cat\ndog\nowl\nemu\n' | wr-batch -x '$BATS_TEST_TMPDIR/plain' -x '$BATS_TEST_TMPDIR/ratings' --exclude '$BATS_TEST_TMPDIR/dict'"
	assert_success
	assert_output "$(printf '%s\temu' "$(printf 'emu\n' | xxh64sum | cut -c1-16)")"
	[ "$stderr" = "wr-batch: 1 entries in 1 batches; 0 duplicates, 3 excluded, 0 bad lines" ]
}

@test "several files are read in order and the default batch holds 50 entries" {
	seq 1 60 > "$BATS_TEST_TMPDIR/a"
	seq 50 70 > "$BATS_TEST_TMPDIR/b"
	run bash -c "wr-batch -q '$BATS_TEST_TMPDIR/a' '$BATS_TEST_TMPDIR/b' | awk -F'\t' '{ print NF - 1 }'"
	assert_success
	assert_output "$(printf '50\n20')"
}

@test "an unreadable file is an error with status 2" {
	run --separate-stderr wr-batch /nonexistent/words
	assert_failure 2
	[ "$stderr" = "wr-batch: /nonexistent/words: No such file or directory" ]
}

@test "a bad -n value is a usage error naming the option" {
	run --separate-stderr wr-batch -n 0
	assert_failure 2
	[ "$stderr" = "wr-batch: -n 0: too small (minimum 1)" ]
	run --separate-stderr wr-batch -n lots
	assert_failure 2
	[ "$stderr" = "wr-batch: -n lots: not a number" ]
}

@test "an unknown option prints the usage on stderr with status 2" {
	run --separate-stderr wr-batch --bogus
	assert_failure 2
	assert_output ""
	[ "${stderr_lines[1]}" = "usage: wr-batch [-q] [-n N] [-x FILE]... [FILE...]" ]
}

@test "--help prints the usage on stdout and --version the version" {
	run wr-batch --help
	assert_success
	assert_line --index 0 "usage: wr-batch [-q] [-n N] [-x FILE]... [FILE...]"
	run wr-batch --version
	assert_success
	assert_output "wr-batch (wr) 0.1.0"
}

@test "a long list is de-duplicated across reads and files exactly as awk does" {
	# 200,000 lines (well over one 64 KiB read) with repeats near and far, some
	# lines on the slow path (spaces to trim, scores, CRLF, comments); the batches'
	# entries in order must be awk's first-seen order of the trimmed entries.
	awk 'BEGIN { for (i = 0; i < 200000; i++) {
		k = (i * 7919) % 90000
		if (i % 97 == 0) printf " w%d ;3\n", k
		else if (i % 89 == 0) printf "w%d\r\n", k
		else if (i % 83 == 0) printf "# note %d\n", i
		else printf "w%d\n", k } }' > "$BATS_TEST_TMPDIR/big"
	head -n 70000 "$BATS_TEST_TMPDIR/big" > "$BATS_TEST_TMPDIR/one"
	tail -n +70001 "$BATS_TEST_TMPDIR/big" > "$BATS_TEST_TMPDIR/two"
	sed -e 's/\r$//' -e 's/;.*//' -e 's/^ *//' -e 's/ *$//' -e '/^#/d' "$BATS_TEST_TMPDIR/big" |
		awk '!seen[$0]++' > "$BATS_TEST_TMPDIR/want"
	run --separate-stderr bash -c "wr-batch -n 7 '$BATS_TEST_TMPDIR/one' - < '$BATS_TEST_TMPDIR/two' | cut -f2- | tr '\t' '\n'"
	assert_success
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/want")" ]
	n=$(wc -l < "$BATS_TEST_TMPDIR/want")
	c=$(grep -c '^#' "$BATS_TEST_TMPDIR/big")
	[ "$stderr" = "wr-batch: $n entries in $(( (n + 6) / 7 )) batches; $((200000 - c - n)) duplicates, 0 excluded, 0 bad lines" ]
}

@test "bad lines deep in a long input are reported with their line numbers" {
	{ seq 1 99999; printf 'bad\377\n'; seq 100001 149999; printf 'x\001y\n'; printf 'tail'; } > "$BATS_TEST_TMPDIR/list"
	run --separate-stderr bash -c "wr-batch -n 100000 '$BATS_TEST_TMPDIR/list' | awk -F'\t' '{ print NF - 1, \$2, \$NF }'"
	assert_success
	assert_output "$(printf '100000 1 100001\n49999 100002 tail')"
	[ "$stderr" = "wr-batch: $BATS_TEST_TMPDIR/list:100000: invalid UTF-8, line skipped
wr-batch: $BATS_TEST_TMPDIR/list:150000: control character in entry, line skipped
wr-batch: 149999 entries in 2 batches; 0 duplicates, 0 excluded, 2 bad lines" ]
}

@test "a large exclusion list and duplicates of excluded entries" {
	seq 1 2 300000 > "$BATS_TEST_TMPDIR/done"
	run --separate-stderr bash -c "{ seq 1 300000; seq 1 300000; } | wr-batch -n 1000 -x '$BATS_TEST_TMPDIR/done' | cut -f2- | tr '\t' '\n'"
	assert_success
	[ "$output" = "$(seq 2 2 300000)" ]
	[ "$stderr" = "wr-batch: 150000 entries in 150 batches; 150000 duplicates, 300000 excluded, 0 bad lines" ]
}

@test "a batch is written as soon as it is full, while input is still open" {
	# The writer holds the pipe open until the first batch has come out: if
	# wr-batch kept it until end of input, read would time out.
	mkfifo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	wr-batch -q -n 3 < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out" &
	pid=$!
	exec {w}> "$BATS_TEST_TMPDIR/in" {r}< "$BATS_TEST_TMPDIR/out"
	printf 'a\nb\nc\nd\n' >&"$w"
	IFS= read -r -t 10 line <&"$r"
	exec {w}>&-
	IFS= read -r -t 10 last <&"$r"
	exec {r}<&-
	wait "$pid"
	[ "$line" = "$(printf '%s\ta\tb\tc' "$(printf 'a\nb\nc\n' | xxh64sum | cut -c1-16)")" ]
	[ "$last" = "$(printf '%s\td' "$(printf 'd\n' | xxh64sum | cut -c1-16)")" ]
}
