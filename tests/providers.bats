#!/usr/bin/env bats
# One request file, three dialects: wr-query --api openai, anthropic and
# gemini against wr-serve's native endpoints, read back by wr-parse.

setup_file() {
	load helper
	wr-batch -q "$FIX/e2e-words.txt" | wr-prompt -q -m model-x > "$BATS_FILE_TMPDIR/req.jsonl"
}

setup() {
	load helper
	T=$BATS_TEST_TMPDIR
	REQ=$BATS_FILE_TMPDIR/req.jsonl
}

teardown() {
	stop_serve
}

# rate API BASE [wr-query options]: the ratings of REQ through dialect API at BASE, sorted.
rate() {
	local api=$1 base=$2
	shift 2
	wr-query -q --api "$api" -u "$base" "$@" "$REQ" > "$T/res.$api.jsonl"
	wr-parse -q "$T/res.$api.jsonl" | LC_ALL=C sort
}

@test "the same requests give the same ratings through every dialect" {
	start_serve
	run rate openai "$SERVE_URL"
	assert_success
	assert_equal "${#lines[@]}" 15
	want=$output
	run rate anthropic "$SERVE_URL"
	assert_success
	assert_output "$want"
	run rate gemini "${SERVE_URL%/v1}/v1beta"
	assert_success
	assert_output "$want"
	# Each result keeps the provider's own answer.
	run jq -r '.response.body.type' "$T/res.anthropic.jsonl"
	assert_equal "$(sort -u <<<"$output")" message
	run jq -r '.response.body.candidates[0].finishReason' "$T/res.gemini.jsonl"
	assert_equal "$(sort -u <<<"$output")" STOP
}

@test "each dialect sends its key its own way, from its own variable" {
	printf 'sk-ant-7\n' > "$T/key"
	start_serve --key-file "$T/key"
	run bash -c "ANTHROPIC_API_KEY=sk-ant-7 OPENAI_API_KEY=wrong wr-query -q --api anthropic -u '$SERVE_URL' '$REQ' | jq -r .response.status_code | sort -u"
	assert_output 200
	run bash -c "GEMINI_API_KEY=sk-ant-7 OPENAI_API_KEY=wrong wr-query -q --api gemini -u '${SERVE_URL%/v1}/v1beta' '$REQ' | jq -r .response.status_code | sort -u"
	assert_output 200
	run --separate-stderr bash -c "OPENAI_API_KEY=sk-ant-7 ANTHROPIC_API_KEY=wrong wr-query -q --api anthropic -u '$SERVE_URL' '$REQ'"
	assert_failure 2
	assert_equal "$stderr" "wr-query: $SERVE_URL/messages: HTTP 401: the API key was refused (see \$ANTHROPIC_API_KEY or --api-key-file); stopping"
}

@test "a body field a dialect cannot carry is left out with one warning per run" {
	start_serve
	wr-prompt -q -m model-x -o seed=1 -o 'response_format={"type":"json_object"}' <(wr-batch -q "$FIX/e2e-words.txt") > "$T/req.jsonl"
	run --separate-stderr bash -c "wr-query -q --api anthropic -u '$SERVE_URL' '$T/req.jsonl' | wc -l"
	assert_success
	assert_output 1
	assert_equal "$stderr" 'wr-query: --api anthropic cannot carry the body field "seed": it is left out of every request
wr-query: --api anthropic cannot carry the body field "response_format": it is left out of every request'
}

@test "Anthropic's 529 overload is retried, and its refusals go to --refused" {
	start_serve --overload 0.4 --refuse-entry aardwolf --log "$T/log"
	wr-batch -q -n 1 "$FIX/e2e-words.txt" | wr-prompt -q -m model-x > "$T/one.jsonl"
	run --separate-stderr bash -c "wr-query -q --api anthropic --retries 30 --backoff 0 -u '$SERVE_URL' '$T/one.jsonl' | wr-parse -q -R '$T/refused' | wc -l"
	assert_output 14
	grep -q '^529	' "$T/log"
	run cat "$T/refused"
	assert_output aardwolf
}

@test "Gemini's SAFETY stops and blocked prompts go to --refused" {
	start_serve --refuse-entry aardwolf --filter 1
	wr-batch -q -n 1 "$FIX/e2e-words.txt" | wr-prompt -q -m model-x > "$T/one.jsonl"
	run bash -c "wr-query -q --api gemini -u '${SERVE_URL%/v1}/v1beta' '$T/one.jsonl' | tee '$T/res' | wr-parse -q -R '$T/refused' | wc -l"
	assert_output 0
	run bash -c "wc -l < '$T/refused'"
	assert_output 15
	# aardwolf's request stops with SAFETY, every other prompt is blocked.
	run bash -c "jq -r '.response.body | if .candidates then \"finish \" + .candidates[0].finishReason else \"block \" + .promptFeedback.blockReason end' '$T/res' | sort | uniq -c | awk '{print \$1, \$2, \$3}'"
	assert_output "$(printf '14 block SAFETY\n1 finish SAFETY')"
}

@test "URLs of two vendors in one run are refused, so no key crosses over" {
	run --separate-stderr wr-query -u https://api.openai.com/v1 -u https://api.anthropic.com/v1 --api openai < /dev/null
	assert_failure 2
	assert_equal "$stderr" "wr-query: -u https://api.openai.com/v1 and -u https://api.anthropic.com/v1 are hosts of two vendors: a key of one is never sent to the other"
	run --separate-stderr wr-query -u https://api.openai.com/v1 -u https://api.anthropic.com/v1 < /dev/null
	assert_failure 2
	assert_equal "$stderr" "wr-query: -u https://api.openai.com/v1 speaks openai and -u https://api.anthropic.com/v1 speaks anthropic: give --api"
	run --separate-stderr wr-query --api claude < /dev/null
	assert_failure 2
	assert_equal "$stderr" "wr-query: --api claude: expected openai, anthropic or gemini"
}
