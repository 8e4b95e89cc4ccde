#!/usr/bin/env bats
# wr-serve through curl on 127.0.0.1: answers, styles, keys, faults, logs and limits.

setup() {
	load helper
	REQ=$FIX/serve-request.json
}

teardown() {
	stop_serve
}

# post [FILE [curl options...]]: POST a chat completion request, print the body.
post() {
	local file=${1:-$REQ}
	shift || true
	curl -s "$SERVE_URL/chat/completions" -H 'Content-Type: application/json' \
	    --data-binary @"$file" "$@"
}

# content [FILE]: the answer text of a request.
content() {
	post "$@" | jq -r '.choices[0].message.content'
}

# status [FILE [curl options...]]: the HTTP status of a request.
status() {
	local file=${1:-$REQ}
	shift || true
	curl -s -o /dev/null -w '%{http_code}\n' "$SERVE_URL/chat/completions" \
	    --data-binary @"$file" "$@"
}

# message: the content, refusal and finish_reason of the answer to the fixed request.
message() {
	post | jq -c '.choices[0] | [.message.content, .message.refusal, .finish_reason]'
}

# statuses N [FILE]: the statuses of N identical requests, on one line.
statuses() {
	local i out=
	for ((i = 0; i < $1; i++)); do
		out+="$(status "${2:-$REQ}") "
	done
	echo "${out% }"
}

# keyed_run [wr-serve options...]: run a wr-serve that requires a key
# (given by the options or WR_SERVE_KEY) with its stdout, stderr and --log
# in files of $T; send it the right key and a wrong one, stop it, and print
# the statuses it answered.
keyed_run() {
	local rc=0 url
	wr-serve -p 0 --log "$T/log" "$@" > "$T/out" 2> "$T/err" 3>&- &
	SERVE_PID=$!
	wait_port "$T/out" "$SERVE_PID" || return 1
	url=http://127.0.0.1:$(cat "$T/out")/v1
	curl -s -w ' %{http_code}\n' "$url/chat/completions" --data-binary @"$REQ" \
	    -H 'Authorization: Bearer sk-test-secret' > "$T/answers"
	curl -s -w ' %{http_code}\n' "$url/chat/completions" --data-binary @"$REQ" \
	    -H 'Authorization: Bearer sk-test-secret-not' >> "$T/answers"
	kill -TERM "$SERVE_PID"
	wait "$SERVE_PID" || rc=$?
	SERVE_PID=
	[ "$rc" -eq 0 ] || fail "wr-serve exited $rc"
	sed 's/.* //' "$T/answers" | tr '\n' ' '
}

# ---- The cases of tests/data/wr-serve.cases (its format is at its top) ----

CASES=$BATS_TEST_DIRNAME/data/wr-serve.cases

# case_script: the run: lines of the case in C, as one script.
case_script() {
	eval "${C[run]:-}"
}

# case_run: run the case in C (see run_cases in helper.bash) against a
# server of its own, started with its serve: options.
case_run() {
	local T
	T=$(mktemp -d "$BATS_TEST_TMPDIR/case.XXXXXX")
	if [ -n "${C[setup]:-}" ]; then eval "${C[setup]}"; fi
	if [ -n "${HAS[serve]:-}" ]; then
		eval "${C[env]:-} start_serve ${C[serve]}" || { CASE_BAD="  wr-serve did not start"$'\n'; return; }
	fi
	run --separate-stderr case_script
	stop_serve
	case_check status "${C[status]:-0}" "$status"
	case_check output "$(case_text out)" "$output"
	case_check stderr "$(case_text err)" "$stderr"
}

@test "every case of tests/data/wr-serve.cases gives its exact output, errors and status" {
	run_cases "$CASES" env setup serve run status out err
}

# ---- Cases of other shapes ----

@test "the key from --key-file shows in none of the server's output, answers or log" {
	T=$BATS_TEST_TMPDIR
	echo sk-test-secret > "$T/key"
	run keyed_run --key-file "$T/key"
	assert_output "200 401 "
	[ -s "$T/err" ] || fail "wr-serve wrote nothing on stderr"
	[ -s "$T/log" ] || fail "wr-serve logged nothing"
	run grep -c sk-test-secret "$T/out" "$T/err" "$T/log" "$T/answers"
	assert_output "$T/out:0
$T/err:0
$T/log:0
$T/answers:0"
}

@test "the key from WR_SERVE_KEY shows in none of the server's output, answers or log" {
	T=$BATS_TEST_TMPDIR
	export WR_SERVE_KEY=sk-test-secret
	run keyed_run
	assert_output "200 401 "
	[ -s "$T/err" ] || fail "wr-serve wrote nothing on stderr"
	[ -s "$T/log" ] || fail "wr-serve logged nothing"
	run grep -c sk-test-secret "$T/out" "$T/err" "$T/log" "$T/answers"
	assert_output "$T/out:0
$T/err:0
$T/log:0
$T/answers:0"
}

@test "the same seed and requests give the same statuses twice" {
	start_serve --fail-500 0.3 --fail-429 0.3 --seed 3
	run statuses 12
	first=$output
	stop_serve
	start_serve --fail-500 0.3 --fail-429 0.3 --seed 3
	run statuses 12
	assert_output "$first"
	assert_output '500 500 200 200 200 429 200 500 429 200 200 200'
}

# No timed assertion: a client that waits 2 s gets its answer from a server
# without latency and none from one with 30 s of it.
@test "--latency delays the answer past a client's timeout" {
	start_serve
	run post "$FIX/serve-request2.json" --max-time 2
	assert_success
	stop_serve
	start_serve --latency 30000
	run post "$FIX/serve-request2.json" --max-time 2
	assert_failure 28
	assert_output ""
}

@test "-p 0 prints only the port on stdout" {
	wr-serve -p 0 > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" 3>&- &
	SERVE_PID=$!
	wait_port "$BATS_TEST_TMPDIR/out" "$SERVE_PID"
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output --regexp '^[1-9][0-9]*$'
	SERVE_PORT=$output
	run curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SERVE_PORT/v1/models"
	assert_output 200
	stop_serve
	run cat "$BATS_TEST_TMPDIR/out"
	assert_output "$SERVE_PORT"
}

@test "SIGTERM stops the server with status 0 and a summary" {
	wr-serve -p 0 > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	wait_port "$BATS_TEST_TMPDIR/out" "$pid"
	SERVE_URL=http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/out")/v1
	status > /dev/null
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 0
	run cat "$BATS_TEST_TMPDIR/err"
	assert_line --index 0 --regexp "^wr-serve: serving $SERVE_URL \([0-9]+ words, [0-9]+ threads\)\$"
	assert_line --index 1 'wr-serve: 1 requests, 1 ok, 0 errors, 6 entries'
	assert_equal "${#lines[@]}" 2
}

@test "--help prints the usage on stdout" {
	run --separate-stderr wr-serve --help
	assert_success
	assert_line --index 0 'usage: wr-serve [-q] [-p PORT] [--latency MS] [--seed N] [--style STYLE] [--key-file FILE]'
	assert_line --index 3 '          [--refuse-entry ENTRY]... [--log FILE] [--max-body BYTES] [--threads N]'
	assert_equal "$stderr" ''
}

@test "--version prints the version" {
	run wr-serve --version
	assert_success
	assert_output --regexp '^wr-serve \(wr\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "a bad option prints the usage on stderr and exits 2" {
	run --separate-stderr wr-serve --bogus
	assert_failure 2
	assert_output ''
	assert_equal "$(sed -n 2p <<<"$stderr")" 'usage: wr-serve [-q] [-p PORT] [--latency MS] [--seed N] [--style STYLE] [--key-file FILE]'
}

# The dialects: Anthropic's Messages API and Gemini's generateContent.

# anthropic_body [MAX_TOKENS]: the fixed request as an Anthropic Messages body.
anthropic_body() {
	jq -c --argjson max "${1:-1000}" '{model, max_tokens: $max,
	    system: [{type: "text", text: .messages[0].content}],
	    messages: [{role: "user", content: [{type: "text", text: .messages[1].content}]}]}' "$REQ"
}

# gemini_body [MAX_TOKENS]: the fixed request as a Gemini generateContent body.
gemini_body() {
	jq -c --argjson max "${1:-1000}" '{systemInstruction: {parts: [{text: .messages[0].content}]},
	    contents: [{role: "user", parts: [{text: .messages[1].content}]}],
	    generationConfig: {maxOutputTokens: $max, temperature: 0}}' "$REQ"
}

# amsg [MAX_TOKENS [curl options...]]: POST the Anthropic body, print the answer.
amsg() {
	local max=${1:-1000}
	shift || true
	anthropic_body "$max" | curl -s "$SERVE_URL/messages" -H 'anthropic-version: 2023-06-01' \
	    -H 'Content-Type: application/json' --data-binary @- "$@"
}

# gcontent [MAX_TOKENS [curl options...]]: POST the Gemini body, print the answer.
gcontent() {
	local max=${1:-1000}
	shift || true
	gemini_body "$max" | curl -s "http://127.0.0.1:$SERVE_PORT/v1beta/models/gemini-2.0-flash:generateContent" \
	    -H 'Content-Type: application/json' --data-binary @- "$@"
}

# ajq FILTER [curl options...]: the Anthropic answer through jq -c FILTER.
ajq() {
	local f=$1
	shift
	amsg 1000 "$@" | jq -c "$f"
}

# gjq FILTER [MAX_TOKENS]: the Gemini answer through jq -c FILTER.
gjq() {
	gcontent "${2:-1000}" | jq -c "$1"
}

@test "every dialect gives the same text in every style" {
	local style a o g
	for style in plain colon numbered table json-object fenced; do
		start_serve --style "$style"
		o=$(content)
		a=$(amsg | jq -r '.content[0].text')
		g=$(gcontent | jq -r '.candidates[0].content.parts[0].text')
		assert_equal "$a" "$o"
		assert_equal "$g" "$o"
		stop_serve
	done
}

@test "anthropic: max_tokens is required and honoured" {
	start_serve
	run curl -s -w ' %{http_code}' "$SERVE_URL/messages" -H 'anthropic-version: 2023-06-01' \
	    -d '{"model":"m","messages":[{"role":"user","content":"cat"}]}'
	assert_output '{"type":"error","error":{"type":"invalid_request_error","message":"max_tokens: Field required"}} 400'
	run amsg 3
	assert_output --partial '"content":[{"type":"text","text":"cat;5\nice cr"}],"stop_reason":"max_tokens"'
}

@test "anthropic: the key goes in x-api-key or a Bearer token" {
	printf 'sk-ant-test\n' > "$BATS_TEST_TMPDIR/key"
	start_serve --key-file "$BATS_TEST_TMPDIR/key"
	run amsg 1000 -H 'x-api-key: sk-ant-test'
	assert_output --partial '"stop_reason":"end_turn"'
	run amsg 1000 -H 'Authorization: Bearer sk-ant-test'
	assert_output --partial '"stop_reason":"end_turn"'
	run amsg 1000 -H 'x-api-key: wrong' -w ' %{http_code}'
	assert_output '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}} 401'
	run amsg 1000 -w ' %{http_code}'
	assert_output '{"type":"error","error":{"type":"authentication_error","message":"x-api-key header is required"}} 401'
}

@test "gemini: the key goes in x-goog-api-key or ?key=" {
	printf 'AIza-test\n' > "$BATS_TEST_TMPDIR/key"
	start_serve --key-file "$BATS_TEST_TMPDIR/key"
	run gcontent 1000 -H 'x-goog-api-key: AIza-test'
	assert_output --partial '"finishReason":"STOP"'
	run sh -c "$(declare -f gemini_body); REQ=$REQ gemini_body | curl -s 'http://127.0.0.1:$SERVE_PORT/v1beta/models/m:generateContent?key=AIza-test' --data-binary @- | jq -r '.candidates[0].finishReason'"
	assert_output STOP
	run gcontent 1000 -H 'x-goog-api-key: wrong' -w ' %{http_code}'
	assert_output '{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}}]}} 400'
	run gcontent 1000 -w ' %{http_code}'
	assert_output --partial '"status":"PERMISSION_DENIED"}} 403'
}

@test "the same seed gives the same statuses on the Anthropic path" {
	local i out
	astatuses() {
		out=
		for ((i = 0; i < 12; i++)); do
			out+="$(amsg 1000 -o /dev/null -w '%{http_code}') "
		done
		echo "${out% }"
	}
	start_serve --fail-500 0.3 --overload 0.3 --seed 3
	run astatuses
	first=$output
	stop_serve
	start_serve --fail-500 0.3 --overload 0.3 --seed 3
	run astatuses
	assert_output "$first"
	assert_output --partial 529
	assert_output --partial 500
	assert_output --partial 200
}

# codes N CMD...: the HTTP statuses of N runs of CMD, counted, as "COUNT STATUS" lines.
codes() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" -o /dev/null -w '%{http_code}\n'
	done | sort | uniq -c | awk '{print $1, $2}'
}

@test "OpenAI answers carry x-ratelimit-* headers, 429s Retry-After only with --limit-retry-after" {
	start_serve --rpm 1 --limit-burst 120
	post "$REQ" -D "$BATS_TEST_TMPDIR/h1" -o /dev/null
	post "$REQ" -D "$BATS_TEST_TMPDIR/h2" -o /dev/null
	post "$REQ" -D "$BATS_TEST_TMPDIR/h3" -o /dev/null
	run grep -i '^x-ratelimit-\(limit\|remaining\)' "$BATS_TEST_TMPDIR/h1"
	assert_output - <<-EOF
	x-ratelimit-limit-requests: 1$(printf '\r')
	x-ratelimit-remaining-requests: 1$(printf '\r')
	EOF
	run grep -ci '^x-ratelimit-reset-requests: [0-9.]*m\?s' "$BATS_TEST_TMPDIR/h2"
	assert_output 1
	run grep -ci '^x-ratelimit-remaining-requests: 0' "$BATS_TEST_TMPDIR/h3"
	assert_output 1
	run grep -ci '^retry-after' "$BATS_TEST_TMPDIR/h3"
	assert_output 0
	run grep -c '^HTTP/1.1 429' "$BATS_TEST_TMPDIR/h3"
	assert_output 1
	stop_serve
	start_serve --rpm 1 --limit-retry-after
	post "$REQ" -o /dev/null
	post "$REQ" -D "$BATS_TEST_TMPDIR/h4" -o /dev/null
	run grep -i '^retry-after' "$BATS_TEST_TMPDIR/h4"
	assert_output "Retry-After: 60$(printf '\r')"
}

@test "Anthropic answers carry anthropic-ratelimit-* headers with RFC 3339 resets, 429s retry-after" {
	start_serve --rpm 1 --tpm 6000
	amsg 1000 -D "$BATS_TEST_TMPDIR/h1" -o /dev/null
	amsg 1000 -D "$BATS_TEST_TMPDIR/h2" -o /dev/null
	run grep -ci '^anthropic-ratelimit-requests-reset: 20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z' "$BATS_TEST_TMPDIR/h1"
	assert_output 1
	run grep -i '^anthropic-ratelimit-\(requests\|tokens\)-limit' "$BATS_TEST_TMPDIR/h1"
	assert_output - <<-EOF
	anthropic-ratelimit-requests-limit: 1$(printf '\r')
	anthropic-ratelimit-tokens-limit: 6000$(printf '\r')
	EOF
	run grep -ci '^anthropic-ratelimit-tokens-reset: 20' "$BATS_TEST_TMPDIR/h1"
	assert_output 1
	run grep -ci '^retry-after: [1-9]' "$BATS_TEST_TMPDIR/h2"
	assert_output 1
	run grep -ci '^x-ratelimit' "$BATS_TEST_TMPDIR/h1"
	assert_output 0
}

@test "Gemini answers carry no rate headers" {
	start_serve --rpm 1
	gcontent 1000 -D "$BATS_TEST_TMPDIR/h1" -o /dev/null
	gcontent 1000 -D "$BATS_TEST_TMPDIR/h2" -o /dev/null
	run grep -ci 'ratelimit\|^retry-after' "$BATS_TEST_TMPDIR/h1" "$BATS_TEST_TMPDIR/h2"
	assert_output - <<-EOF
	$BATS_TEST_TMPDIR/h1:0
	$BATS_TEST_TMPDIR/h2:0
	EOF
	run grep -c '^HTTP/1.1 429' "$BATS_TEST_TMPDIR/h2"
	assert_output 1
}

@test "--tpm charges body bytes / 4 plus max_tokens" {
	local bytes cost
	# 1 token a minute, holding 100: nothing refills during the test.
	start_serve --tpm 1 --limit-burst 6000
	printf '{"model":"m","max_tokens":30,"messages":[{"role":"user","content":"cat"}]}' \
	    > "$BATS_TEST_TMPDIR/body"
	bytes=$(wc -c < "$BATS_TEST_TMPDIR/body")
	cost=$((bytes / 4 + 30))
	run curl -s -D - -o /dev/null "$SERVE_URL/messages" -H 'anthropic-version: 1' \
	    --data-binary @"$BATS_TEST_TMPDIR/body"
	assert_line --partial "anthropic-ratelimit-tokens-remaining: $((100 - cost))"
	run codes 3 curl -s "$SERVE_URL/messages" -H 'anthropic-version: 1' \
	    --data-binary @"$BATS_TEST_TMPDIR/body"
	assert_output - <<-EOF
	$(( (100 - cost) / cost )) 200
	$(( 3 - (100 - cost) / cost )) 429
	EOF
}

@test "--help lists the dialects and the limit options, as the man page does" {
	run --separate-stderr wr-serve --help
	assert_success
	assert_line --index 4 '          [--overload RATE] [--rpm N] [--tpm N] [--limit-burst SEC] [--limit-retry-after]'
	assert_line --partial 'Anthropic POST /v1/messages'
	run diff <(wr-serve --help | grep -o -- '--[a-z0-9-]*' | sort -u) \
	    <(grep -o 'Fl -[a-z0-9-]*' "$TOP/man/wr-serve.1" | sed 's/Fl -/--/' | sort -u)
	assert_success
}

@test "limit options need a positive number" {
	run wr-serve --rpm 0
	assert_failure 2
	assert_output --partial 'wr-serve: --rpm 0: not a positive number'
	run wr-serve --tpm -5
	assert_failure 2
}

@test "anthropic: answers carry request-id, OpenAI's and Gemini's x-request-id" {
	start_serve
	amsg 1000 -D "$BATS_TEST_TMPDIR/h" -o /dev/null
	run grep -ci '^request-id: req_b2cee3c8d88d1c9d' "$BATS_TEST_TMPDIR/h"
	assert_output 1
	gcontent 1000 -D "$BATS_TEST_TMPDIR/h" -o /dev/null
	run grep -ci '^x-request-id: req_4d977c46ae3e8669' "$BATS_TEST_TMPDIR/h"
	assert_output 1
}

# lpjq FILTER [EDIT]: the answer to $REQ edited by EDIT (default: logprobs with 3 alternatives), through jq FILTER.
lpjq() {
	local edit='. + {logprobs: true, top_logprobs: 3}'
	jq -c "${2:-$edit}" "$REQ" | post /dev/stdin | jq -c "$1"
}

@test "logprobs: the tokens spell the answer, which is the same as without logprobs" {
	start_serve
	run -0 lpjq '[([.choices[0].logprobs.content[].token] | join("")) == .choices[0].message.content, .choices[0].message.content]'
	assert_output "[true,$(content | jq -Rsc 'rtrimstr("\n")')]"
}

@test "logprobs: a score token has its alternatives around the score, most likely first" {
	start_serve
	run -0 lpjq '.choices[0].logprobs.content[2]'
	assert_output '{"token":"5","logprob":-0.497793464,"bytes":[53],"top_logprobs":[{"token":"5","logprob":-0.497793464,"bytes":[53]},{"token":"4","logprob":-1.13927345,"bytes":[52]},{"token":"3","logprob":-2.81473409,"bytes":[51]}]}'
	run -0 lpjq '.choices[0].logprobs.content[1]'
	assert_output '{"token":";","logprob":0,"bytes":[59],"top_logprobs":[{"token":";","logprob":0,"bytes":[59]}]}'
}

@test "logprobs: top_logprobs sets the number of alternatives; without logprobs there are none" {
	start_serve
	run -0 lpjq '[.choices[0].logprobs.content[] | .top_logprobs | length] | unique' '. + {logprobs: true}'
	assert_output '[0]'
	run -0 lpjq '.choices[0].logprobs.content[2].top_logprobs | length' '. + {logprobs: true, top_logprobs: 20}'
	assert_output '4'
	run -0 lpjq '.choices[0].logprobs' '. + {logprobs: false, top_logprobs: 3}'
	assert_output 'null'
}

@test "logprobs: the same under every seed" {
	start_serve --seed 99
	run -0 lpjq '.choices[0].logprobs.content[2].top_logprobs[1]'
	assert_output '{"token":"4","logprob":-1.13927345,"bytes":[52]}'
}

@test "gemini: responseLogprobs answers a logprobsResult" {
	start_serve
	run -0 bash -c "jq -c '{contents: [{role: \"user\", parts: [{text: .messages[1].content}]}],
	    generationConfig: {responseLogprobs: true, logprobs: 2}}' '$REQ' |
	    curl -s 'http://127.0.0.1:$SERVE_PORT/v1beta/models/gemini-2.0-flash:generateContent' --data-binary @- |
	    jq -c '.candidates[0].logprobsResult | [.chosenCandidates[2], .topCandidates[2]]'"
	assert_output '[{"token":"5","logProbability":-0.497793464},{"candidates":[{"token":"5","logProbability":-0.497793464},{"token":"4","logProbability":-1.13927345}]}]'
}
