#!/usr/bin/env bats
# wr-merge: ratings and scored lists in, one scored word list out.

setup() {
	load helper
	cd "$FIX" || return 1
}

# Ratings on the default 1:5 scale: ice cream 5 4 2, oleo 2 1, zebra 4 5, aardvark 3.

# ---- The cases of tests/data/wr-merge.cases (its format is at its top) ----

CASES=$BATS_TEST_DIRNAME/data/wr-merge.cases

# case_run: run the case in C (see run_cases in helper.bash).
case_run() {
	if [ -n "${HAS[in]:-}" ]; then
		eval "run --separate-stderr wr-merge ${C[args]:-}" < <(case_text in; echo)
	else
		eval "run --separate-stderr wr-merge ${C[args]:-}"
	fi
	case_check status "${C[status]:-0}" "$status"
	case_check output "$(case_text out)" "$output"
	case_check stderr "$(case_text err)" "$stderr"
}

@test "every case of tests/data/wr-merge.cases gives its exact output, errors and status" {
	run_cases "$CASES" args status in out err
}

# ---- Cases of other shapes ----

@test "a base score outside the output scale is rejected" {
	run -1 --separate-stderr wr-merge -q -B <(printf 'oleo;120\n') merge-ratings.tsv
	assert_output - <<-'EOF'
	AARDVARK;50
	ICECREAM;67
	OLEO;13
	ZEBRA;88
	EOF
	[[ $stderr =~ ^wr-merge:\ .+:1:\ score\ 120\ outside\ the\ scale\ 0:100,\ line\ skipped$ ]]
}

@test "bad lines are reported with file and line while the rest flows" {
	cd "$BATS_TEST_TMPDIR"
	{
		printf 'good\t4\n'
		printf 'nosep\n'
		printf ';50\n'
		printf 'oleo\t \n'
		printf 'zebra\thigh\n'
		printf -- '---\t3\n'
		printf 'nul\0x\t3\n'
		printf 'bad\xff\t3\n'
		printf 'long%5000s\t3\n' ''
		printf 'etui\t2\n'
	} > bad.tsv
	run -1 --separate-stderr wr-merge bad.tsv
	assert_output - <<-'EOF'
	ETUI;25
	GOOD;75
	EOF
	assert_equal "$stderr" "wr-merge: bad.tsv:2: no score, line skipped
wr-merge: bad.tsv:3: no entry, line skipped
wr-merge: bad.tsv:4: no score, line skipped
wr-merge: bad.tsv:5: score \"high\" is not a number, line skipped
wr-merge: bad.tsv:6: entry \"---\" has no letters or digits, line skipped
wr-merge: bad.tsv:7: line holds a NUL byte, skipped
wr-merge: bad.tsv:8: invalid UTF-8, line skipped
wr-merge: bad.tsv:9: line longer than 4096 bytes, skipped
wr-merge: 2 entries written, 0 below the minimum; 2 scores read, 8 bad lines"
}

@test "usage errors exit 2" {
	run -2 --separate-stderr wr-merge -a mode merge-ratings.tsv
	assert_output ""
	assert_equal "$stderr" "wr-merge: -a mode: expected mean, median, min or max"
	run -2 --separate-stderr wr-merge -f csv merge-ratings.tsv
	assert_equal "$stderr" "wr-merge: -f csv: expected dict or tsv"
	run -2 --separate-stderr wr-merge -t 5:1 merge-ratings.tsv
	assert_equal "$stderr" "wr-merge: -t 5:1: LO must be below HI"
	run -2 --separate-stderr wr-merge --bogus
	assert_output ""
	assert_equal "${stderr_lines[0]}" "wr-merge: unrecognized option '--bogus'"
	assert_equal "${stderr_lines[1]}" "usage: wr-merge [-eq] [-a HOW] [-f FORMAT] [-m N] [-t LO:HI] [-B FILE ...]"
}

@test "-h prints the usage on stdout" {
	run -0 --separate-stderr wr-merge -h
	assert_line --index 0 "usage: wr-merge [-eq] [-a HOW] [-f FORMAT] [-m N] [-t LO:HI] [-B FILE ...]"
	assert_equal "$stderr" ""
}

@test "--version prints the version" {
	run -0 wr-merge --version
	assert_output --regexp '^wr-merge \(wr\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "a write error such as /dev/full exits 2" {
	run -2 --separate-stderr bash -c 'wr-merge -q merge-ratings.tsv > /dev/full'
	assert_equal "$stderr" "wr-merge: stdout: write error: No space left on device"
}
