#!/usr/bin/env bats
# wr-parse: result lines in, entry<TAB>score ratings out.

setup() { load helper; }

# res ID CONTENT ENTRY...: one result line as wr-query writes it. $FINISH sets
# finish_reason (default stop), $REFUSAL message.refusal (JSON), $EXTRA more
# message fields (JSON with a leading comma), $CONTENT_JSON the content as JSON.
res() {
	local id=$1 content=$2
	shift 2
	[ -n "${CONTENT_JSON:-}" ] || content=$(printf '%s' "$content" | jq -Rs .)
	printf '{"id":"batch_req_%s","custom_id":"%s","response":{"status_code":200,"request_id":"req_%s","body":{"id":"chatcmpl-%s","object":"chat.completion","created":1732305600,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":%s,"refusal":%s%s},"logprobs":null,"finish_reason":"%s"}]}},"error":null,"entries":%s}\n' \
		"$id" "$id" "$id" "$id" "${CONTENT_JSON:-$content}" "${REFUSAL:-null}" "${EXTRA:-}" "${FINISH:-stop}" \
		"$(jq -cn '$ARGS.positional' --args "$@")"
}

# errline ID ENTRY...: the result line of a request that failed after its retries.
errline() {
	local id=$1
	shift
	printf '{"id":"batch_req_%s","custom_id":"%s","response":{"status_code":429,"request_id":"req_%s","body":{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}},"error":{"code":"rate_limit_exceeded","message":"Rate limit reached after 5 attempts"},"entries":%s}\n' \
		"$id" "$id" "$id" "$(jq -cn '$ARGS.positional' --args "$@")"
}

summary() {
	printf 'wr-parse: %s results (%s failed, %s duplicate), %s rated, %s missing, %s refused, %s rejected, %s bad lines' "$@"
}

# ---- The cases of tests/data/wr-parse.cases (its format is at its top) ----

CASES=$BATS_TEST_DIRNAME/data/wr-parse.cases

# case_file WHAT FILE KEY: compare FILE, byte for byte, with the lines of KEY.
case_file() {
	local want= got
	[ -n "${HAS[$3]:-}" ] || return 0
	[ -z "${C[$3]}" ] || want=$(case_text "$3"; printf '\n.')
	got=$(cat "$2" 2>&1; echo .)
	case_check "$1" "${want%.}" "${got%.}"
}

# case_run: run the case in C (see run_cases in helper.bash).
case_run() {
	local T
	T=$(mktemp -d "$BATS_TEST_TMPDIR/case.XXXXXX")
	if [ -n "${C[result]:-}" ]; then eval "${C[result]}" > "$T/r"; fi
	eval "run --separate-stderr wr-parse ${C[args]:-}"
	case_check status "${C[status]:-0}" "$status"
	case_check output "$(case_text out)" "$output"
	case_check stderr "$(case_text err)" "$(sed -e "s#$T#\$T#g" -e "s#$FIX#\$FIX#g" <<< "$stderr")"
	case_file "--missing file" "$T/m" missing
	case_file "--refused file" "$T/f" refused
}

@test "every case of tests/data/wr-parse.cases gives its exact ratings, messages, status and files" {
	run_cases "$CASES" result args status out err missing refused
}

# ---- Cases of other shapes ----

@test "the first answer for a custom_id wins and a later one is skipped with a warning" {
	res x1 $'apple;5' apple > "$BATS_TEST_TMPDIR/a"
	{ res x1 $'apple;1' apple; errline x1 apple; } > "$BATS_TEST_TMPDIR/b"
	run --separate-stderr wr-parse "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	assert_success
	assert_output "$(printf 'apple\t5')"
	[ "$stderr" = "wr-parse: $BATS_TEST_TMPDIR/b:1: x1: answered already at $BATS_TEST_TMPDIR/a:1, this answer skipped
$(summary 3 1 1 1 0 0 0 0)" ]
}

@test "a malformed line is reported with file and line and the rest flows" {
	{
		res a1 'apple;4' apple
		echo 'this is not JSON'
		echo '{"id":"x","response":null}'
		printf '{"custom_id":"a3",\xff"entries":[]}\n'
		res a4 'banana;3' banana
	} > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse "$BATS_TEST_TMPDIR/r"
	assert_failure 1
	assert_output "$(printf 'apple\t4\nbanana\t3')"
	[ "$stderr" = "wr-parse: $BATS_TEST_TMPDIR/r:2: invalid JSON, line skipped
wr-parse: $BATS_TEST_TMPDIR/r:3: no custom_id, line skipped
wr-parse: $BATS_TEST_TMPDIR/r:4: invalid UTF-8, line skipped
$(summary 2 0 0 2 0 0 0 3)" ]
}

@test "a line longer than 64 MiB is skipped with its position" {
	{
		res a1 'apple;4' apple
		head -c 67108865 /dev/zero | tr '\0' x
		echo
		res a2 'banana;3' banana
	} > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse "$BATS_TEST_TMPDIR/r"
	assert_failure 1
	assert_output "$(printf 'apple\t4\nbanana\t3')"
	[ "${stderr_lines[0]}" = "wr-parse: $BATS_TEST_TMPDIR/r:2: line longer than 67108864 bytes, skipped" ]
}

@test "a result with an unknown custom_id and no entries is reported" {
	res a1 'apple;4' apple | sed 's/,"entries":\[[^]]*\]//' > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse "$BATS_TEST_TMPDIR/r"
	assert_failure 1
	assert_output ''
	[ "$stderr" = "wr-parse: $BATS_TEST_TMPDIR/r:1: a1: unknown custom_id and no \"entries\" (give -b or -r), line skipped
$(summary 0 0 0 0 0 0 0 1)" ]
}

@test "requests of -b with no result line count as missing" {
	printf 'a1\tapple\nb2\tbanana\tcherry\n' > "$BATS_TEST_TMPDIR/b"
	res a1 'apple;4' apple | sed 's/,"entries":\[[^]]*\]//' > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse -b "$BATS_TEST_TMPDIR/b" -M "$BATS_TEST_TMPDIR/m" "$BATS_TEST_TMPDIR/r"
	assert_failure 1
	assert_output "$(printf 'apple\t4')"
	[ "$stderr" = "wr-parse: 1 requests of -b/-r have no result line; their entries count as missing
$(summary 1 0 0 1 2 0 0 0)" ]
	[ "$(cat "$BATS_TEST_TMPDIR/m")" = "$(printf 'banana\ncherry')" ]
}

@test "a request file without entries (--strict) is reported once" {
	printf '{"custom_id":"a1","method":"POST","url":"/v1/chat/completions","body":{}}\n%.0s' 1 2 > "$BATS_TEST_TMPDIR/q"
	run --separate-stderr wr-parse -q -r "$BATS_TEST_TMPDIR/q" /dev/null
	assert_failure 1
	[ "$stderr" = "wr-parse: $BATS_TEST_TMPDIR/q:1: no \"entries\" (a --strict request file? give its batch file with -b); such lines are skipped" ]
}

@test "results are read from stdin and from several files in order" {
	res a1 'apple;4' apple > "$BATS_TEST_TMPDIR/a"
	res a2 'banana;3' banana > "$BATS_TEST_TMPDIR/b"
	run -0 bash -c "cat '$BATS_TEST_TMPDIR/b' | wr-parse -q '$BATS_TEST_TMPDIR/a' -"
	assert_output "$(printf 'apple\t4\nbanana\t3')"
}

@test "one thread and several give the same output" {
	for i in $(seq 1 300); do printf 'r%s\tw%sa\tw%sb\n' "$i" "$i" "$i"; done > "$BATS_TEST_TMPDIR/b"
	awk '{ printf "{\"custom_id\":\"r%d\",\"response\":{\"status_code\":200,\"body\":{\"model\":\"m\",\"choices\":[{\"message\":{\"content\":\"w%da;%d\\nW%dB: %d\\nw%dx;1\"},\"finish_reason\":\"stop\"}]}},\"error\":null}\n", NR, NR, NR % 5 + 1, NR, NR % 3 + 1, NR }' \
		"$BATS_TEST_TMPDIR/b" > "$BATS_TEST_TMPDIR/r"
	wr-parse -j 1 -b "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/r" > "$BATS_TEST_TMPDIR/one" 2> "$BATS_TEST_TMPDIR/one.err" || true
	wr-parse -j 4 -b "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/r" > "$BATS_TEST_TMPDIR/four" 2> "$BATS_TEST_TMPDIR/four.err" || true
	[ "$(wc -l < "$BATS_TEST_TMPDIR/one")" -eq 600 ]
	cmp "$BATS_TEST_TMPDIR/one" "$BATS_TEST_TMPDIR/four"
	cmp "$BATS_TEST_TMPDIR/one.err" "$BATS_TEST_TMPDIR/four.err"
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/one.err")" = "$(summary 300 0 0 600 0 0 300 0)" ]
}

@test "exit status is 0 when every entry got a score" {
	res a1 $'apple;4\nbanana;3' apple banana > "$BATS_TEST_TMPDIR/r"
	run wr-parse -q "$BATS_TEST_TMPDIR/r"
	assert_success
}

@test "an unreadable input file exits 2 before any output" {
	res a1 'apple;4' apple > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse "$BATS_TEST_TMPDIR/r" "$BATS_TEST_TMPDIR/nonexistent"
	assert_failure 2
	assert_output ''
	[ "$stderr" = "wr-parse: $BATS_TEST_TMPDIR/nonexistent: No such file or directory" ]
}

@test "an unknown option is a usage error" {
	run --separate-stderr wr-parse --frobnicate
	assert_failure 2
	[ "${stderr_lines[1]}" = "usage: wr-parse [-Elq] [-b FILE]... [-j N] [-M FILE] [-R FILE] [-r FILE]... [-s LO:HI] [FILE...]" ]
}

@test "-h prints the usage on stdout" {
	run --separate-stderr wr-parse -h
	assert_success
	assert_line --index 0 "usage: wr-parse [-Elq] [-b FILE]... [-j N] [-M FILE] [-R FILE] [-r FILE]... [-s LO:HI] [FILE...]"
	[ "$stderr" = "" ]
}

@test "--version prints the version" {
	run -0 wr-parse --version
	assert_output --regexp '^wr-parse \(wr\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "writing to a full disk fails with status 2" {
	res a1 'apple;4' apple > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr bash -c "wr-parse -q '$BATS_TEST_TMPDIR/r' > /dev/full"
	assert_failure 2
	[ "$stderr" = "wr-parse: stdout: write error: No space left on device" ]
}

# ---- Anthropic and Gemini answers ----

@test "a -b line that is not a batch is worded as wr-prompt words it" {
	printf 'a1\tapple\nno tab here\nb2\t\nc3\tx\t\ty\n' > "$BATS_TEST_TMPDIR/b"
	res a1 'apple;4' apple | sed 's/,"entries":\[[^]]*\]//' > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse -b "$BATS_TEST_TMPDIR/b" "$BATS_TEST_TMPDIR/r"
	assert_failure 1
	assert_output "$(printf 'apple\t4')"
	[ "$stderr" = "wr-parse: $BATS_TEST_TMPDIR/b:2: not a batch (ID<TAB>entry...), line skipped
wr-parse: $BATS_TEST_TMPDIR/b:3: not a batch (ID<TAB>entry...), line skipped
wr-parse: $BATS_TEST_TMPDIR/b:4: empty entry or control character, line skipped
$(summary 1 0 0 1 0 0 0 3)" ]
}

@test "a named FIFO is read as an input, opened once" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	cat "$FIX/parse-native.jsonl" > "$BATS_TEST_TMPDIR/fifo" &
	run --separate-stderr timeout 20 wr-parse -q "$BATS_TEST_TMPDIR/fifo"
	wait
	assert_failure 1
	assert_equal "$(wc -l <<<"$output")" 7
	assert_line --index 0 "ant	4"
}
