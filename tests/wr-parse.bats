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

@test "entry;score lines give entry<TAB>score in the order of the request" {
	res a1 $'banana;3\napple;4\ncherry;5' apple banana cherry > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse "$BATS_TEST_TMPDIR/r"
	assert_success
	assert_output "$(printf 'apple\t4\nbanana\t3\ncherry\t5')"
	[ "$stderr" = "$(summary 1 0 0 3 0 0 0 0)" ]
}

@test "each separator is read: colon, dash, em dash, tab, equals, parentheses, a scale" {
	{
		res a1 'apple: 4' apple
		res a2 'apple - 3' apple
		res a3 'apple — 2' apple
		res a4 $'apple\t5' apple
		res a5 'apple = 1' apple
		res a6 'apple (4)' apple
		res a7 'apple 3/5' apple
	} > "$BATS_TEST_TMPDIR/r"
	run -0 wr-parse -q "$BATS_TEST_TMPDIR/r"
	assert_output "$(printf 'apple\t%s\n' 4 3 2 5 1 4 3)"
}

@test "numbered and bulleted lines with markdown emphasis are read" {
	res a1 $'Here are the ratings:\n\n1. **apple** — 4\n2. *banana*: 3\n- `cherry`: 2\n* **date:** 5\n\nLet me know!' \
		apple banana cherry date > "$BATS_TEST_TMPDIR/r"
	run -0 wr-parse -q "$BATS_TEST_TMPDIR/r"
	assert_output "$(printf 'apple\t4\nbanana\t3\ncherry\t2\ndate\t5')"
}

@test "a markdown table is read by its Entry and Score columns" {
	res a1 $'| # | Word | Rating |\n|---|------|:------:|\n| 1 | apple | 4 |\n| 2 | banana | 3 |' apple banana > "$BATS_TEST_TMPDIR/r"
	run -0 wr-parse -q "$BATS_TEST_TMPDIR/r"
	assert_output "$(printf 'apple\t4\nbanana\t3')"
}

@test "a JSON array of objects in a fence, with prose around, is read" {
	res a1 $'Sure:\n```json\n[\n  {"word": "apple", "score": 4},\n  {"entry": "banana", "rating": "3"}\n]\n```\nDone.' \
		apple banana > "$BATS_TEST_TMPDIR/r"
	run -0 wr-parse -q "$BATS_TEST_TMPDIR/r"
	assert_output "$(printf 'apple\t4\nbanana\t3')"
}

@test "a JSON object mapping entry to score, and a ratings wrapper, are read" {
	{
		res a1 '{"apple": 4, "banana": 3.5}' apple banana
		res a2 '{"ratings": [{"term": "cherry", "value": 2}]}' cherry
	} > "$BATS_TEST_TMPDIR/r"
	run -0 wr-parse -q "$BATS_TEST_TMPDIR/r"
	assert_output "$(printf 'apple\t4\nbanana\t3.5\ncherry\t2')"
}

@test "entries with spaces, digits, hyphens, apostrophes, & and accents keep their spelling" {
	res a1 $'catch-22: 4\nR&B;3\nx-ray - 2\nrock \'n\' roll: 5\ncafé;4\nice cream;3' \
		catch-22 'R&B' x-ray "rock 'n' roll" café 'ice cream' > "$BATS_TEST_TMPDIR/r"
	run -0 wr-parse -q "$BATS_TEST_TMPDIR/r"
	assert_output "$(printf "catch-22\t4\nR&B\t3\nx-ray\t2\nrock 'n' roll\t5\ncafé\t4\nice cream\t3")"
}

@test "an echo that is not a requested entry is reported and no entry gets its score" {
	res a1 $'LEGO;2\nMAINER;1' LEGHORNS MAINER > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse -M "$BATS_TEST_TMPDIR/m" "$BATS_TEST_TMPDIR/r"
	assert_failure 1
	assert_output "$(printf 'MAINER\t1')"
	[ "$stderr" = "wr-parse: $BATS_TEST_TMPDIR/r:1: a1: \"LEGO\": not requested
$(summary 1 0 0 1 1 0 1 0)" ]
	[ "$(cat "$BATS_TEST_TMPDIR/m")" = LEGHORNS ]
}

@test "case and punctuation differences find the requested entry, spelled as requested" {
	{
		res a1 'ICE CREAM;4' 'ice cream'
		res a2 'icecream;3' 'ice cream'
		res a3 'Ice-cream: 2' 'ice cream'
	} > "$BATS_TEST_TMPDIR/r"
	run -0 wr-parse -q "$BATS_TEST_TMPDIR/r"
	assert_output "$(printf 'ice cream\t%s\n' 4 3 2)"
}

@test "a rated entry that matches two requested entries is rejected" {
	res a1 $'POLISH;3\nnice;4' Polish polish nice > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse "$BATS_TEST_TMPDIR/r"
	assert_failure 1
	assert_output "$(printf 'nice\t4')"
	[ "$stderr" = "wr-parse: $BATS_TEST_TMPDIR/r:1: a1: \"POLISH\": matches more than one requested entry
$(summary 1 0 0 1 2 0 1 0)" ]
}

@test "an entry scored twice with different scores gets no score" {
	res a1 $'apple;4\nbanana;3\nApple;2\nbanana;3' apple banana > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse "$BATS_TEST_TMPDIR/r"
	assert_failure 1
	assert_output "$(printf 'banana\t3')"
	[ "$stderr" = "wr-parse: $BATS_TEST_TMPDIR/r:1: a1: \"Apple\": scored twice, 4 and 2
$(summary 1 0 0 1 1 0 1 0)" ]
}

@test "a score outside the range is rejected with its entry, file and line" {
	res a1 $'apple;7\nbanana;3' apple banana > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse "$BATS_TEST_TMPDIR/r"
	assert_failure 1
	assert_output "$(printf 'banana\t3')"
	[ "$stderr" = "wr-parse: $BATS_TEST_TMPDIR/r:1: a1: \"apple\": score 7 out of range 1:5
$(summary 1 0 0 1 1 0 1 0)" ]
}

@test "--range sets the valid scores" {
	res a1 $'apple;7\nbanana;0.5\ncherry;11' apple banana cherry > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse --range 0:10 "$BATS_TEST_TMPDIR/r"
	assert_failure 1
	assert_output "$(printf 'apple\t7\nbanana\t0.5')"
	[ "${stderr_lines[0]}" = "wr-parse: $BATS_TEST_TMPDIR/r:1: a1: \"cherry\": score 11 out of range 0:10" ]
}

@test "a bad --range is a usage error" {
	run --separate-stderr wr-parse --range 5:1 /dev/null
	assert_failure 2
	[ "$stderr" = "wr-parse: --range 5:1: LO must be below HI" ]
}

@test "a refusal field refuses the whole result: its entries go to --missing and --refused" {
	{
		REFUSAL='"I am sorry, I cannot help with that."' CONTENT_JSON=null res a1 '' apple banana
		res a2 'cherry;4' cherry
	} > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse -M "$BATS_TEST_TMPDIR/m" -R "$BATS_TEST_TMPDIR/f" "$BATS_TEST_TMPDIR/r"
	assert_failure 1
	assert_output "$(printf 'cherry\t4')"
	[ "$stderr" = "$(summary 2 0 0 1 0 2 0 0)" ]
	[ "$(cat "$BATS_TEST_TMPDIR/m")" = "$(printf 'apple\nbanana')" ]
	[ "$(cat "$BATS_TEST_TMPDIR/f")" = "$(printf 'apple\nbanana')" ]
}

@test "finish_reason content_filter refuses the result even with scores in it" {
	FINISH=content_filter res a1 $'apple;4\nbanana;' apple banana > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse -R "$BATS_TEST_TMPDIR/f" "$BATS_TEST_TMPDIR/r"
	assert_failure 1
	assert_output ''
	[ "$stderr" = "$(summary 1 0 0 0 0 2 0 0)" ]
	[ "$(cat "$BATS_TEST_TMPDIR/f")" = "$(printf 'apple\nbanana')" ]
}

@test "an apology with no scores counts as a refusal" {
	res a1 "I’m sorry, but I can't rate these words." apple > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse -R "$BATS_TEST_TMPDIR/f" "$BATS_TEST_TMPDIR/r"
	assert_failure 1
	assert_output ''
	[ "$stderr" = "$(summary 1 0 0 0 0 1 0 0)" ]
	[ "$(cat "$BATS_TEST_TMPDIR/f")" = apple ]
}

@test "an answer with no scores and no refusal leaves its entries missing" {
	res a1 'Here are the ratings you asked for.' apple > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse -M "$BATS_TEST_TMPDIR/m" -R "$BATS_TEST_TMPDIR/f" "$BATS_TEST_TMPDIR/r"
	assert_failure 1
	[ "$stderr" = "$(summary 1 0 0 0 1 0 0 0)" ]
	[ "$(cat "$BATS_TEST_TMPDIR/m")" = apple ]
	[ ! -s "$BATS_TEST_TMPDIR/f" ]
}

@test "an answer cut off by length keeps only its complete lines" {
	FINISH=length res a1 $'apple;4\nbanana;3\ncherry;5' apple banana cherry date > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse -M "$BATS_TEST_TMPDIR/m" "$BATS_TEST_TMPDIR/r"
	assert_failure 1
	assert_output "$(printf 'apple\t4\nbanana\t3')"
	[ "$(cat "$BATS_TEST_TMPDIR/m")" = "$(printf 'cherry\ndate')" ]
}

@test "scores only in reasoning_content and a think block are ignored" {
	{
		EXTRA=',"reasoning_content":"apple;4\nbanana;3"' res a1 'I will answer now.' apple banana
		res a2 $'<think>\ncherry;1 seems too low\n</think>\ncherry;3' cherry
	} > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse -M "$BATS_TEST_TMPDIR/m" "$BATS_TEST_TMPDIR/r"
	assert_failure 1
	assert_output "$(printf 'cherry\t3')"
	[ "$(cat "$BATS_TEST_TMPDIR/m")" = "$(printf 'apple\nbanana')" ]
}

@test "content given as an array of text parts is read" {
	CONTENT_JSON='[{"type":"text","text":"apple;4\n"},{"type":"text","text":"banana;3"}]' res a1 '' apple banana \
		> "$BATS_TEST_TMPDIR/r"
	run -0 wr-parse -q "$BATS_TEST_TMPDIR/r"
	assert_output "$(printf 'apple\t4\nbanana\t3')"
}

@test "OpenAI Batch output and error files are read with the batch file given by -b" {
	run --separate-stderr wr-parse -b "$FIX/parse-batches.txt" -M "$BATS_TEST_TMPDIR/m" -R "$BATS_TEST_TMPDIR/f" \
		"$FIX/parse-openai-batch.jsonl" "$FIX/parse-openai-batch-errors.jsonl"
	assert_failure 1
	assert_output "$(printf "MAINER\t1\nrock 'n' roll\t5\napple\t4\nbanana\t3\ncherry\t5\nice cream\t5\ncatch-22\t4\ncafé\t3")"
	[ "$stderr" = "wr-parse: $FIX/parse-openai-batch.jsonl:1: 53aa1190ccd9d1ca: \"LEGO\": not requested
$(summary 6 2 0 8 7 3 1 0)" ]
	[ "$(cat "$BATS_TEST_TMPDIR/m")" = "$(printf 'LEGHORNS\norange\ngrape\nmelon\nkiwi\nlemon\nlime\nplum\npeach\npear')" ]
	[ "$(cat "$BATS_TEST_TMPDIR/f")" = "$(printf 'orange\ngrape\nmelon')" ]
}

@test "vLLM run_batch output is read with the request file given by -r, with -l" {
	run --separate-stderr wr-parse -l -r "$FIX/parse-vllm-requests.jsonl" -M "$BATS_TEST_TMPDIR/m" "$FIX/parse-vllm.jsonl"
	assert_failure 1
	m=Qwen/Qwen2.5-7B-Instruct
	assert_output "alpha	4	$m	7734d22aed3e2fb1
beta	4	$m	7734d22aed3e2fb1
gamma	3	$m	7734d22aed3e2fb1
delta	4	$m	07a978269670ad51
epsilon	3	$m	07a978269670ad51
zeta	3	$m	07a978269670ad51
kappa	3	$m	d30559087e2fea02
lambda	4	$m	d30559087e2fea02
mu	3	$m	d30559087e2fea02"
	[ "$stderr" = "$(summary 6 2 0 9 9 0 0 0)" ]
	[ "$(cat "$BATS_TEST_TMPDIR/m")" = "$(printf 'eta\ntheta\niota\nnu\nxi\nomicron\npi\nrho\nsigma')" ]
}

@test "-l adds the model and the custom_id" {
	res a1 'apple;4' apple > "$BATS_TEST_TMPDIR/r"
	run -0 wr-parse -q --long "$BATS_TEST_TMPDIR/r"
	assert_output "$(printf 'apple\t4\tgpt-4o-mini-2024-07-18\ta1')"
}

@test "error lines send their entries to --missing" {
	{
		errline e1 apple banana
		res a2 'cherry;4' cherry
	} > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse --missing "$BATS_TEST_TMPDIR/m" "$BATS_TEST_TMPDIR/r"
	assert_failure 1
	assert_output "$(printf 'cherry\t4')"
	[ "$stderr" = "$(summary 2 1 0 1 2 0 0 0)" ]
	[ "$(cat "$BATS_TEST_TMPDIR/m")" = "$(printf 'apple\nbanana')" ]
}

@test "a custom_id that failed and then succeeded is rated, not missing" {
	{
		errline x1 apple banana
		res a2 'cherry;4' cherry
		res x1 $'apple;5\nbanana;2' apple banana
	} > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse -M "$BATS_TEST_TMPDIR/m" "$BATS_TEST_TMPDIR/r"
	assert_success
	assert_output "$(printf 'cherry\t4\napple\t5\nbanana\t2')"
	[ "$stderr" = "$(summary 3 1 0 3 0 0 0 0)" ]
	[ ! -s "$BATS_TEST_TMPDIR/m" ]
}

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

@test "a reader that stops early (| head -1) ends the run quietly by SIGPIPE" {
	awk 'BEGIN { for (i = 0; i < 3000; i++) printf "{\"custom_id\":\"r%d\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[{\"message\":{\"content\":\"alpha;4\\nbeta;3\\ngamma;2\\ndelta;5\"}}]}},\"error\":null,\"entries\":[\"alpha\",\"beta\",\"gamma\",\"delta\"]}\n", i }' \
		> "$BATS_TEST_TMPDIR/r"
	run --separate-stderr bash -c "wr-parse -q '$BATS_TEST_TMPDIR/r' | head -1; echo \"wr-parse: \${PIPESTATUS[0]}\""
	assert_success
	# 96 KB of ratings do not fit in a pipe: wr-parse is still writing when
	# head exits, and SIGPIPE ends it (128 + 13).
	assert_output "$(printf 'alpha\t4\nwr-parse: 141')"
	[ "$stderr" = "" ]
}

# ---- Anthropic and Gemini answers ----

@test "Anthropic and Gemini answers are read: thinking left out, cut-offs kept whole, refusals to --refused" {
	run --separate-stderr wr-parse -l -M "$BATS_TEST_TMPDIR/missing" -R "$BATS_TEST_TMPDIR/refused" "$FIX/parse-native.jsonl"
	assert_failure 1
	assert_output "$(printf '%s\n' 'ant	4	claude-sonnet-4-5	a1' 'bee	3	claude-sonnet-4-5	a1' \
		'emu	3	claude-sonnet-4-5	a3' 'fox	4	claude-sonnet-4-5	a3' 'hen	5	gemini-2.5-flash	g1' \
		'owl	2	gemini-2.5-flash	g1' 'elk	2	gemini-2.5-flash	g4')"
	assert_equal "$stderr" "wr-parse: 7 results (0 failed, 0 duplicate), 7 rated, 2 missing, 6 refused, 0 rejected, 0 bad lines"
	run cat "$BATS_TEST_TMPDIR/missing"
	assert_output "$(printf '%s\n' gnu asp cat dog pig rat yak ape)"
	run cat "$BATS_TEST_TMPDIR/refused"
	assert_output "$(printf '%s\n' cat dog pig rat yak ape)"
}

@test "Anthropic Message Batches results are read with -b; errored, expired and canceled lines count as failed" {
	run --separate-stderr wr-parse -b "$FIX/parse-anthropic-batch.txt" -M "$BATS_TEST_TMPDIR/missing" -R "$BATS_TEST_TMPDIR/refused" "$FIX/parse-anthropic-batch.jsonl"
	assert_failure 1
	assert_output "$(printf 'ant\t4\nbee\t3')"
	assert_equal "$stderr" "wr-parse: $FIX/parse-anthropic-batch.jsonl:2: b2: the batch request errored
wr-parse: $FIX/parse-anthropic-batch.jsonl:3: b3: the batch request expired
wr-parse: $FIX/parse-anthropic-batch.jsonl:4: b4: the batch request was canceled
wr-parse: 5 results (3 failed, 0 duplicate), 2 rated, 6 missing, 2 refused, 0 rejected, 0 bad lines"
	run cat "$BATS_TEST_TMPDIR/missing"
	assert_output "$(printf '%s\n' cat dog emu fox hen owl pig rat)"
	run cat "$BATS_TEST_TMPDIR/refused"
	assert_output "$(printf '%s\n' pig rat)"
}

@test "Gemini batch output lines are read by their key with -b" {
	run --separate-stderr wr-parse -b "$FIX/parse-gemini-batch.txt" -M "$BATS_TEST_TMPDIR/missing" -R "$BATS_TEST_TMPDIR/refused" "$FIX/parse-gemini-batch.jsonl"
	assert_failure 1
	assert_output "$(printf 'ant\t5\nbee\t4')"
	assert_equal "$stderr" "wr-parse: 3 results (1 failed, 0 duplicate), 2 rated, 2 missing, 2 refused, 0 rejected, 0 bad lines"
	run cat "$BATS_TEST_TMPDIR/missing"
	assert_output "$(printf '%s\n' cat dog emu fox)"
	run cat "$BATS_TEST_TMPDIR/refused"
	assert_output "$(printf '%s\n' emu fox)"
}

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

@test "with SIGPIPE ignored, a reader that stops early ends the run with status 2 and no word" {
	awk 'BEGIN { for (i = 0; i < 30000; i++) printf "{\"custom_id\":\"r%d\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[{\"message\":{\"content\":\"alpha;4\\nbeta;3\\ngamma;2\\ndelta;5\"}}]}},\"error\":null,\"entries\":[\"alpha\",\"beta\",\"gamma\",\"delta\"]}\n", i }' \
		> "$BATS_TEST_TMPDIR/r"
	run --separate-stderr bash -c "trap '' PIPE; wr-parse '$BATS_TEST_TMPDIR/r' 2> '$BATS_TEST_TMPDIR/err' | head -1; echo \${PIPESTATUS[0]}"
	assert_success
	assert_output "$(printf 'alpha\t4\n2')"
	[ "$(cat "$BATS_TEST_TMPDIR/err")" = "" ]
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
