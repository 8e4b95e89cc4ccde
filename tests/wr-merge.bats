#!/usr/bin/env bats
# wr-merge: ratings and scored lists in, one scored word list out.

setup() {
	load helper
	cd "$FIX" || return 1
}

# Ratings on the default 1:5 scale: ice cream 5 4 2, oleo 2 1, zebra 4 5, aardvark 3.

# ---- The cases of tests/data/wr-merge.cases (its format is at its top) ----

CASES=$BATS_TEST_DIRNAME/data/wr-merge.cases

# case_reset: forget the case being read.
case_reset() {
	c_name= c_line= c_args= c_status=0 c_in=() c_out=() c_err=()
}

# case_run: run the case just read; on a mismatch, print where it is, its
# name and what differed.
case_run() {
	local want_out= want_err= bad=
	NCASES=$((NCASES + 1))
	[ ${#c_out[@]} -eq 0 ] || want_out=$(printf '%b\n' "${c_out[@]}")
	[ ${#c_err[@]} -eq 0 ] || want_err=$(printf '%b\n' "${c_err[@]}")
	if [ ${#c_in[@]} -gt 0 ]; then
		eval "run --separate-stderr wr-merge $c_args" < <(printf '%b\n' "${c_in[@]}")
	else
		eval "run --separate-stderr wr-merge $c_args"
	fi
	[ "$status" = "$c_status" ] || bad+="  status: expected $c_status, got $status"$'\n'
	[ "$output" = "$want_out" ] || bad+="  output: expected"$'\n'"$want_out"$'\n'"  got"$'\n'"$output"$'\n'
	[ "$stderr" = "$want_err" ] || bad+="  stderr: expected"$'\n'"$want_err"$'\n'"  got"$'\n'"$stderr"$'\n'
	if [ -n "$bad" ]; then
		printf '%s:%d: case "%s": wr-merge %s\n%s' "${CASES#"$TOP"/}" "$c_line" "$c_name" "$c_args" "$bad"
	fi
}

# run_cases: run every case of $CASES, printing the failures; sets NCASES.
run_cases() {
	local line n=0 key val
	NCASES=0
	case_reset
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		case $line in
		'#'*) continue ;;
		'') if [ -n "$c_name" ]; then case_run; fi; case_reset; continue ;;
		*:*) ;;
		*) echo "${CASES#"$TOP"/}:$n: not KEY: VALUE: $line"; continue ;;
		esac
		key=${line%%:*} val=${line#*:} val=${val# }
		case $key in
		name) c_name=$val c_line=$n ;;
		args) c_args=$val ;;
		status) c_status=$val ;;
		in) c_in+=("$val") ;;
		out) c_out+=("$val") ;;
		err) c_err+=("$val") ;;
		*) echo "${CASES#"$TOP"/}:$n: unknown key: $key" ;;
		esac
	done < "$CASES"
	if [ -n "$c_name" ]; then case_run; fi
}

@test "every case of tests/data/wr-merge.cases gives its exact output, errors and status" {
	run_cases > "$BATS_TEST_TMPDIR/failures"
	assert_equal "$NCASES" "$(grep -c '^name: ' "$CASES")"
	[ ! -s "$BATS_TEST_TMPDIR/failures" ] || fail "$(cat "$BATS_TEST_TMPDIR/failures")"
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

# 30,000 lines do not fit in a pipe: wr-merge is still writing when head
# exits, and SIGPIPE ends it (128 + 13) before its summary.
@test "| head -1 ends quietly by SIGPIPE" {
	many() { seq 1 30000 | sed 's/$/\t3/' | wr-merge | head -1; echo "wr-merge: ${PIPESTATUS[2]}"; }
	run -0 --separate-stderr many
	assert_output "$(printf '1;50\nwr-merge: 141')"
	assert_equal "$stderr" ""
}

@test "| head -1 ends quietly when SIGPIPE is ignored" {
	many() { trap '' PIPE; seq 1 30000 | sed 's/$/\t3/' | wr-merge -q | head -1; echo "${PIPESTATUS[2]}" >&2; }
	run -0 --separate-stderr many
	assert_output "1;50"
	assert_equal "$stderr" "0"
}

