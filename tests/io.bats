#!/usr/bin/env bats
# The I/O policy of wr(7), "Input and output", program by program: a reader
# that leaves early, inputs opened before any output, a full disk.

setup_file() {
	load helper
	local d=$BATS_FILE_TMPDIR
	# Outputs far larger than a pipe holds, so each program is still
	# writing when its reader leaves.
	seq 1 100000 | sed 's/^/w/' > "$d/words"
	wr-batch -q -n 1 "$d/words" > "$d/batches"
	head -n 2000 "$d/batches" | wr-prompt -q -m m > "$d/requests"
	awk 'BEGIN { for (i = 0; i < 3000; i++) printf "{\"custom_id\":\"r%d\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[{\"message\":{\"content\":\"alpha;4\\nbeta;3\\ngamma;2\\ndelta;5\"}}]}},\"error\":null,\"entries\":[\"alpha\",\"beta\",\"gamma\",\"delta\"]}\n", i }' \
		> "$d/results"
	sed 's/$/\t3/' "$d/words" > "$d/ratings"
	sed 's/$/\t4/' "$d/words" > "$d/ratings2"
	start_serve
	export IO_URL=$SERVE_URL IO_PID=$SERVE_PID
}

teardown_file() {
	[ -z "${IO_PID:-}" ] || { kill -TERM "$IO_PID" 2>/dev/null; wait "$IO_PID" 2>/dev/null; } || true
}

setup() {
	load helper
	D=$BATS_FILE_TMPDIR
}

CASES=$BATS_TEST_DIRNAME/data/io-policy.cases

# io_pipe: the run: lines of the case in C into its reader; then the
# program's status, as "status N".
io_pipe() {
	if [ "${C[sigpipe]:-}" = ignored ]; then trap '' PIPE; fi
	{ eval "${C[run]}"; } 2> "$T/err" | eval "${C[reader]:-head -n 1}"
	echo "status ${PIPESTATUS[0]}"
}

# case_run: run the case in C (see run_cases in helper.bash).
case_run() {
	local T got
	T=$(mktemp -d "$BATS_TEST_TMPDIR/case.XXXXXX")
	run io_pipe
	got=${output%status *}
	case_check status "${C[status]:-0}" "${output##*status }"
	case_check output "$(case_text out)" "$(sed -e "s#$D#\$D#g" <<< "${got%$'\n'}")"
	case_check stderr "$(case_text err)" "$(sed -e "s#$D#\$D#g" "$T/err")"
}

@test "every program follows the I/O policy of tests/data/io-policy.cases" {
	run_cases "$CASES" sigpipe run reader status out err
}

@test "the cases cover every program in bin/" {
	local prog missing=
	for prog in "$WR_BIN"/wr-*; do
		grep -q "^run: .*${prog##*/} " "$CASES" || missing+=" ${prog##*/}"
	done
	assert_equal "${missing# }" ""
}
