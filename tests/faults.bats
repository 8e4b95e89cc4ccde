#!/usr/bin/env bats
# The fault matrix at small scale: wr-serve injecting each fault alone and all
# mixed, wr-query retrying, wr-parse accounting for every entry; SIGKILLs of
# wr-query with resumes, and of wr-parse and wr-merge in the middle of a write.
# The large-scale run of the same checks is scripts/soak (make soak).

setup_file() {
	load helper
	local d=$BATS_FILE_TMPDIR
	# 206 entries in 52 requests of 4; a clean run gives the reference scores.
	wr-batch -q -n 4 "$FIX/faults-words.txt" > "$d/batches"
	wr-prompt -q -m wr-serve "$d/batches" > "$d/req.jsonl"
	jq -r .custom_id "$d/req.jsonl" | sort > "$d/ids"
	cut -f 2- "$d/batches" | tr '\t' '\n' | sort > "$d/entries"
	start_serve
	wr-query -q -u "$SERVE_URL" "$d/req.jsonl" > "$d/clean.jsonl"
	stop_serve
	wr-parse -q "$d/clean.jsonl" | sort > "$d/clean.tsv"
	wr-parse -q "$d/clean.jsonl" | wr-merge -q -f dict > "$d/clean.dict"
}

setup() {
	load helper
	D=$BATS_FILE_TMPDIR
	T=$BATS_TEST_TMPDIR
	KILL_PID= GEN_PID=
}

teardown() {
	local pid
	for pid in $KILL_PID $GEN_PID; do
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	stop_serve
}

# killed PID: SIGKILL PID, a child of this shell, and check that it died of
# it: it was still running, not finished (a finished child not yet waited
# for is a zombie, and kill succeeds on it too, so only wait can tell).
killed() {
	local rc=0
	kill -9 "$1"
	wait "$1" 2>/dev/null || rc=$?
	[ "$rc" -eq 137 ] || fail "PID $1 was not killed while running: it exited $rc"
}

# faulty_run SERVE-OPTIONS... -- QUERY-OPTIONS...: one wr-query run of the
# request file against a wr-serve with those faults (logged to $T/log), then
# wr-parse. Sets QRC and PRC, the exit statuses of wr-query and wr-parse.
faulty_run() {
	local sopts=() qopts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do sopts+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	qopts=("$@")
	start_serve --log "$T/log" "${sopts[@]}"
	QRC=0
	wr-query -j 8 --backoff 0.01 "${qopts[@]}" -u "$SERVE_URL" "$D/req.jsonl" > "$T/res" 2> "$T/qerr" || QRC=$?
	stop_serve
	PRC=0
	wr-parse -M "$T/missing" -R "$T/refused" "$T/res" > "$T/ratings" 2> "$T/perr" || PRC=$?
}

# faults_seen NAME: how many requests wr-serve answered with fault NAME.
faults_seen() {
	awk -F '\t' -v f="$1" '$2 == f' "$T/log" | wc -l
}

# The invariants that every run must keep, checked line by line.
check_invariants() {
	local sum r f d n m x j b nerr
	# Exactly one result line per request.
	assert_equal "$(jq -r .custom_id "$T/res" | sort)" "$(cat "$D/ids")"
	# No entry rated twice; every rating is the score of the clean run.
	assert_equal "$(cut -f 1 "$T/ratings" | sort | uniq -d)" ""
	assert_equal "$(sort "$T/ratings" | comm -23 - "$D/clean.tsv")" ""
	# Every entry is either rated or listed as missing, once.
	assert_equal "$({ cut -f 1 "$T/ratings"; cat "$T/missing"; } | sort)" "$(cat "$D/entries")"
	# Refused entries are missing too, and are those of refused or filtered answers.
	assert_equal "$(sort "$T/refused" | comm -23 - <(sort "$T/missing"))" ""
	assert_equal "$(sort "$T/refused")" \
	    "$(awk -F '\t' '$2 == "refuse" || $2 == "filter" { print $4 }' "$T/log" | tr '|' '\n' | sed '/^$/d' | sort)"
	# Entries of requests that failed for good are missing.
	assert_equal "$(jq -r 'select(.error != null) | .entries[]' "$T/res" | sort | comm -23 - <(sort "$T/missing"))" ""
	# The summary counts what the files hold.
	sum=$(tail -n 1 "$T/perr")
	[[ $sum =~ ^wr-parse:\ ([0-9]+)\ results\ \(([0-9]+)\ failed,\ ([0-9]+)\ duplicate\),\ ([0-9]+)\ rated,\ ([0-9]+)\ missing,\ ([0-9]+)\ refused,\ ([0-9]+)\ rejected,\ ([0-9]+)\ bad\ lines$ ]] ||
	    fail "unexpected summary: $sum"
	r=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} d=${BASH_REMATCH[3]} n=${BASH_REMATCH[4]}
	m=${BASH_REMATCH[5]} x=${BASH_REMATCH[6]} j=${BASH_REMATCH[7]} b=${BASH_REMATCH[8]}
	nerr=$(jq -r 'select(.error != null) | .custom_id' "$T/res" | wc -l)
	assert_equal "$r $f $d $j $b" "$(wc -l < "$D/ids") $nerr 0 0 0"
	assert_equal "$n" "$(wc -l < "$T/ratings")"
	assert_equal "$((m + x))" "$(wc -l < "$T/missing")"
	assert_equal "$x" "$(wc -l < "$T/refused")"
	# Exit statuses as documented.
	if [ "$nerr" -gt 0 ]; then assert_equal "$QRC" 1; else assert_equal "$QRC" 0; fi
	if [ -s "$T/missing" ]; then assert_equal "$PRC" 1; else assert_equal "$PRC" 0; fi
}

# The run ended with exactly the clean ratings.
check_clean() {
	assert_equal "$QRC $PRC" "0 0"
	assert_equal "$(sort "$T/ratings")" "$(cat "$D/clean.tsv")"
	[ ! -s "$T/missing" ]
	[ ! -s "$T/refused" ]
}

# ---- Each fault alone ----------------------------------------------------------

@test "500s alone are retried to exactly the clean ratings" {
	faulty_run --fail-500 0.3 --seed 1 -- --retries 20
	[ "$(faults_seen fail-500)" -gt 0 ]
	check_invariants
	check_clean
}

@test "429s with Retry-After 0 alone are retried to exactly the clean ratings" {
	faulty_run --fail-429 0.3 --retry-after 0 --seed 2 -- --retries 20
	[ "$(faults_seen fail-429)" -gt 0 ]
	check_invariants
	check_clean
}

@test "dropped connections alone are retried to exactly the clean ratings" {
	faulty_run --drop 0.3 --seed 3 -- --retries 20
	[ "$(faults_seen drop)" -gt 0 ]
	check_invariants
	check_clean
}

@test "garbled bodies alone are retried to exactly the clean ratings" {
	faulty_run --garble 0.3 --seed 4 -- --retries 20
	[ "$(faults_seen garble)" -gt 0 ]
	check_invariants
	check_clean
}

@test "partial bodies alone are retried to exactly the clean ratings" {
	faulty_run --partial 0.3 --seed 5 -- --retries 20
	[ "$(faults_seen partial)" -gt 0 ]
	check_invariants
	check_clean
}

@test "latency alone changes nothing" {
	faulty_run --latency 20 -- --retries 0
	[ "$(faults_seen -)" -eq 52 ]
	check_invariants
	check_clean
}

@test "refusals alone are missing and refused, the rest rated, wr-parse exits 1" {
	faulty_run --refuse 0.2 --seed 6 -- --retries 20
	[ "$(faults_seen refuse)" -gt 0 ]
	check_invariants
	assert_equal "$QRC $PRC" "0 1"
	[ -s "$T/refused" ]
	assert_equal "$(cat "$T/refused")" "$(cat "$T/missing")"
}

@test "content filters alone are missing and refused, the rest rated, wr-parse exits 1" {
	faulty_run --filter 0.2 --seed 7 -- --retries 20
	[ "$(faults_seen filter)" -gt 0 ]
	check_invariants
	assert_equal "$QRC $PRC" "0 1"
	[ -s "$T/refused" ]
	assert_equal "$(cat "$T/refused")" "$(cat "$T/missing")"
}

@test "cut-off answers alone leave entries missing but none refused" {
	faulty_run --truncate 0.2 --seed 8 -- --retries 20
	[ "$(faults_seen truncate)" -gt 0 ]
	check_invariants
	assert_equal "$QRC $PRC" "0 1"
	[ -s "$T/missing" ]
	[ ! -s "$T/refused" ]
}

@test "500s with --retries 0 fail for good: error lines, their entries missing, both exit 1" {
	faulty_run --fail-500 0.3 --seed 1 -- --retries 0
	check_invariants
	assert_equal "$QRC $PRC" "1 1"
	# Nothing but the failed requests' entries is missing.
	assert_equal "$(jq -r 'select(.error != null) | .entries[]' "$T/res" | sort)" "$(sort "$T/missing")"
	assert_equal "$(jq -r 'select(.error != null) | .error.code' "$T/res" | sort -u)" http_error
}

# ---- All mixed -------------------------------------------------------------------

MIXED=(--drop 0.1 --partial 0.1 --fail-500 0.15 --fail-429 0.1 --retry-after 0
    --garble 0.1 --refuse 0.1 --filter 0.1 --truncate 0.1 --latency 5)

@test "all faults mixed: every entry rated as clean or missing, refusals counted" {
	faulty_run "${MIXED[@]}" --seed 9 -- --retries 20
	local kind
	for kind in drop partial fail-500 fail-429 garble refuse filter truncate; do
		[ "$(faults_seen "$kind")" -gt 0 ] || fail "no $kind fault was drawn"
	done
	check_invariants
	assert_equal "$QRC $PRC" "0 1"
	[ -s "$T/refused" ]
	[ "$(wc -l < "$T/ratings")" -gt 0 ]
}

@test "all faults mixed in every answer shape: the invariants hold" {
	faulty_run "${MIXED[@]}" --style mix --seed 10 -- --retries 20
	check_invariants
	assert_equal "$QRC $PRC" "0 1"
}

@test "all faults mixed with --retries 1: some fail for good and both programs exit 1" {
	faulty_run "${MIXED[@]}" --seed 11 -- --retries 1
	check_invariants
	assert_equal "$QRC $PRC" "1 1"
	[ "$(jq -r 'select(.error != null) | .custom_id' "$T/res" | wc -l)" -gt 0 ]
}

@test "all faults mixed, second pass on --missing: the merge equals the clean list" {
	faulty_run "${MIXED[@]}" --seed 12 -- --retries 1
	check_invariants
	start_serve
	wr-batch -q "$T/missing" | wr-prompt -q -m wr-serve | wr-query -q -u "$SERVE_URL" > "$T/res2"
	run bash -c "wr-parse -q '$T/res' '$T/res2' | wr-merge -q -f dict"
	assert_success
	assert_output "$(cat "$D/clean.dict")"
}

# ---- Crash and resume ------------------------------------------------------------

# lines FILE: its line count, 0 if it does not exist.
lines() {
	if [ -e "$1" ]; then wc -l < "$1"; else echo 0; fi
}

# With 150 ms of latency and 4 requests in flight the 15 requests left after
# the last kill take at least 600 ms: each kill lands while wr-query runs.
@test "wr-query SIGKILLed four times mid-run resumes to a list byte-identical to a clean run" {
	local k
	start_serve --latency 150 --fail-500 0.1 --drop 0.1 --garble 0.1 --seed 13
	for k in 3 12 24 37; do
		wr-query -q -j 4 --backoff 0.01 --retries 20 -o "$T/res" -u "$SERVE_URL" "$D/req.jsonl" 3>&- &
		KILL_PID=$!
		wait_for "progress to $k lines" at_least "$k" lines "$T/res"
		killed "$KILL_PID"
		KILL_PID=
		[ "$(lines "$T/res")" -lt 52 ] || fail "all 52 lines written before kill $k"
	done
	run --separate-stderr wr-query -q -j 4 --backoff 0.01 --retries 20 -o "$T/res" -u "$SERVE_URL" "$D/req.jsonl"
	assert_success
	# Exactly one success per request, and no torn line.
	assert_equal "$(jq -r 'select(.error == null) | .custom_id' "$T/res" | sort)" "$(cat "$D/ids")"
	wr-parse -q "$T/res" | wr-merge -q -f dict > "$T/final.dict"
	cmp "$T/final.dict" "$D/clean.dict"
}

# at_least N CMD...: CMD prints a number of N or more.
at_least() {
	local n=$1
	shift
	[ "$("$@")" -ge "$n" ]
}

# in_pipe_write PID: the process is blocked writing to a pipe.
in_pipe_write() {
	[[ $(cat "/proc/$1/wchan" 2>/dev/null) == *pipe_write* ]]
}

# killed_in_write PROG ARGS...: run PROG with its output into a pipe that
# nobody reads yet, SIGKILL it once it blocks in write(2), then read what
# it wrote into $T/out.
killed_in_write() {
	mkfifo "$T/fifo"
	"$@" > "$T/fifo" 3>&- &
	KILL_PID=$!
	exec 4< "$T/fifo"
	wait_for "$1 blocked in write(2)" in_pipe_write "$KILL_PID"
	killed "$KILL_PID"
	KILL_PID=
	cat <&4 > "$T/out"
	exec 4<&-
}

# results N: N result lines of 25 rated entries each, unique ids and
# entries; without end for N = 0.
results() {
	awk -v n="$1" 'BEGIN {
		for (i = 1; n == 0 || i <= n; i++) {
			c = ""; e = ""
			for (j = 1; j <= 25; j++) {
				w = "w" i "x" j
				c = c (j > 1 ? "\\n" : "") w ";" (1 + (i + j) % 5)
				e = e (j > 1 ? "," : "") "\"" w "\""
			}
			printf "{\"custom_id\":\"c%d\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[{\"message\":{\"content\":\"%s\"}}]}},\"error\":null,\"entries\":[%s]}\n", i, c, e
		}
	}'
}

# big_results: 4,000 result lines in $T/big.jsonl.
big_results() {
	results 4000 > "$T/big.jsonl"
}

# complete_lines FILE REGEX: FILE is not empty, ends with a newline, and
# every line matches REGEX.
complete_lines() {
	[ -s "$1" ] || fail "nothing was written"
	[ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] || fail "a half line at the end: $(tail -c 40 "$1")"
	assert_equal "$(grep -cvE "$2" "$1")" 0
}

@test "wr-parse SIGKILLed while blocked writing to a pipe leaves no half line" {
	big_results
	killed_in_write wr-parse -q -j 2 "$T/big.jsonl"
	complete_lines "$T/out" $'^w[0-9]+x[0-9]+\t[1-5]$'
}

@test "wr-merge SIGKILLed while blocked writing to a pipe leaves no half line" {
	big_results
	wr-parse -q "$T/big.jsonl" > "$T/big.tsv"
	killed_in_write wr-merge -q "$T/big.tsv"
	complete_lines "$T/out" '^W[0-9]+X[0-9]+;[0-9]+$'
}

# Its input has no end, so wr-parse is still writing whenever it is killed.
# (The FIFO is its stdin: wr-parse opens a named input twice.)
@test "wr-parse SIGKILLed while writing a file leaves no half line" {
	mkfifo "$T/in"
	results 0 > "$T/in" 3>&- &
	GEN_PID=$!
	wr-parse -q -j 2 < "$T/in" > "$T/out" 3>&- &
	KILL_PID=$!
	wait_for "100 kB from wr-parse" at_least 100001 stat -c %s "$T/out"
	killed "$KILL_PID"
	KILL_PID=
	complete_lines "$T/out" $'^w[0-9]+x[0-9]+\t[1-5]$'
}

# wr-merge writes only once it has read all its input, and then for a few
# milliseconds: watch for its first output without sleeping and kill it at
# once. Should it still have finished first, try again; it must have been
# killed while writing in one of 20 tries.
@test "wr-merge SIGKILLed while writing a file leaves no half line" {
	local attempt rc n full st
	big_results
	wr-parse -q "$T/big.jsonl" > "$T/big.tsv"
	full=$(wr-merge -q "$T/big.tsv" | wc -l)
	for attempt in $(seq 20); do
		: > "$T/out"
		wr-merge -q "$T/big.tsv" > "$T/out" 3>&- &
		KILL_PID=$!
		st=R
		until [ -s "$T/out" ] || [ "$st" = Z ]; do
			read -r _ _ st _ < "/proc/$KILL_PID/stat" 2>/dev/null || st=Z
		done
		# It may have finished, and bash reaped it, before the kill: then try again.
		kill -9 "$KILL_PID" 2>/dev/null || true
		rc=0
		wait "$KILL_PID" 2>/dev/null || rc=$?
		KILL_PID=
		n=$(wc -l < "$T/out")
		if [ "$rc" -eq 137 ] && [ "$n" -lt "$full" ]; then break; fi
	done
	assert_equal "$rc" 137
	[ "$n" -lt "$full" ] || fail "all $full lines written before the kill"
	complete_lines "$T/out" '^W[0-9]+X[0-9]+;[0-9]+$'
}

# ---- Disk full: what wr-parse.bats and tests/io.bats leave out ----

# A refused result and a rated one, in $T/r.
refused_results() {
	printf '%s\n' \
	    '{"custom_id":"a","response":{"status_code":200,"body":{"choices":[{"message":{"content":null,"refusal":"I cannot help with that."},"finish_reason":"stop"}]}},"error":null,"entries":["alpha"]}' \
	    '{"custom_id":"b","response":{"status_code":200,"body":{"choices":[{"message":{"content":"beta;4"},"finish_reason":"stop"}]}},"error":null,"entries":["beta"]}' \
	    > "$T/r"
}

@test "wr-parse --missing on a full disk exits 2 with one message" {
	refused_results
	run --separate-stderr wr-parse -q --missing /dev/full "$T/r"
	assert_failure 2
	[ "$stderr" = "wr-parse: /dev/full: write error: No space left on device" ]
}

@test "wr-parse --refused on a full disk exits 2 with one message" {
	refused_results
	run --separate-stderr wr-parse -q --refused /dev/full "$T/r"
	assert_failure 2
	[ "$stderr" = "wr-parse: /dev/full: write error: No space left on device" ]
}
