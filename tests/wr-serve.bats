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

@test "the default style answers entry;score lines in request order" {
	start_serve
	run content
	assert_success
	assert_output - <<-'EOF'
	cat;5
	ice cream;5
	quixotic;4
	zymurgy;3
	abidingness;2
	xyzzyq;1
	EOF
}

@test "the answer is a whole chat.completion that echoes the model" {
	start_serve
	run post
	assert_success
	assert_output '{"id":"chatcmpl-0c3179f700ed4dd5","object":"chat.completion","created":1735689600,"model":"test-model","choices":[{"index":0,"message":{"role":"assistant","content":"cat;5\nice cream;5\nquixotic;4\nzymurgy;3\nabidingness;2\nxyzzyq;1","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":31,"completion_tokens":16,"total_tokens":47},"system_fingerprint":"wr-serve"}'
}

@test "style colon answers entry: score" {
	start_serve --style colon
	run content
	assert_output - <<-'EOF'
	cat: 5
	ice cream: 5
	quixotic: 4
	zymurgy: 3
	abidingness: 2
	xyzzyq: 1
	EOF
}

@test "style dash answers entry - score" {
	start_serve --style dash
	run content
	assert_output - <<-'EOF'
	cat - 5
	ice cream - 5
	quixotic - 4
	zymurgy - 3
	abidingness - 2
	xyzzyq - 1
	EOF
}

@test "style tab answers entry TAB score" {
	start_serve --style tab
	run content
	assert_output "$(printf 'cat\t5\nice cream\t5\nquixotic\t4\nzymurgy\t3\nabidingness\t2\nxyzzyq\t1')"
}

@test "style numbered answers numbered lines with an em dash" {
	start_serve --style numbered
	run content
	assert_output - <<-'EOF'
	1. cat — 5
	2. ice cream — 5
	3. quixotic — 4
	4. zymurgy — 3
	5. abidingness — 2
	6. xyzzyq — 1
	EOF
}

@test "style bold answers **entry**: score" {
	start_serve --style bold
	run content
	assert_output - <<-'EOF'
	**cat**: 5
	**ice cream**: 5
	**quixotic**: 4
	**zymurgy**: 3
	**abidingness**: 2
	**xyzzyq**: 1
	EOF
}

@test "style table answers a markdown table with a header" {
	start_serve --style table
	run content
	assert_output - <<-'EOF'
	| Entry | Score |
	|-------|-------|
	| cat | 5 |
	| ice cream | 5 |
	| quixotic | 4 |
	| zymurgy | 3 |
	| abidingness | 2 |
	| xyzzyq | 1 |
	EOF
}

@test "style json-array answers an array of objects" {
	start_serve --style json-array
	run content
	assert_output - <<-'EOF'
	[
	  {"entry": "cat", "score": 5},
	  {"entry": "ice cream", "score": 5},
	  {"entry": "quixotic", "score": 4},
	  {"entry": "zymurgy", "score": 3},
	  {"entry": "abidingness", "score": 2},
	  {"entry": "xyzzyq", "score": 1}
	]
	EOF
}

@test "style json-object answers an object from entry to score" {
	start_serve --style json-object
	run content
	assert_output - <<-'EOF'
	{
	  "cat": 5,
	  "ice cream": 5,
	  "quixotic": 4,
	  "zymurgy": 3,
	  "abidingness": 2,
	  "xyzzyq": 1
	}
	EOF
}

@test "style fenced answers plain lines in a fence between two sentences" {
	start_serve --style fenced
	run content
	assert_output - <<-'EOF'
	Here are the ratings:

	```text
	cat;5
	ice cream;5
	quixotic;4
	zymurgy;3
	abidingness;2
	xyzzyq;1
	```

	Let me know if you would like any of them rated again.
	EOF
}

@test "style mix picks a style per request, the same for the same request" {
	start_serve --style mix
	both() { content "$FIX/serve-request2.json"; content "$FIX/serve-request2.json"; content; }
	run both
	assert_output - <<-'EOF'
	syzygy - 2
	hot dog - 5
	syzygy - 2
	hot dog - 5
	Here are the ratings:

	```text
	cat;5
	ice cream;5
	quixotic;4
	zymurgy;3
	abidingness;2
	xyzzyq;1
	```

	Let me know if you would like any of them rated again.
	EOF
}

@test "entries come from the last user message after its last blank line, parts joined" {
	start_serve
	cat > "$BATS_TEST_TMPDIR/req.json" <<-'EOF'
	{"model":"m","messages":[{"role":"user","content":"old\n\nxyzzyq"},{"role":"assistant","content":"xyzzyq;1"},
	 {"role":"user","content":[{"type":"text","text":"Rate:\n\n  dog \r\n"},{"type":"text","text":"NASA\n"}]}]}
	EOF
	run content "$BATS_TEST_TMPDIR/req.json"
	assert_output - <<-'EOF'
	dog;5
	NASA;4
	EOF
}

@test "max_tokens cuts the answer and sets finish_reason length" {
	start_serve
	jq -c '.max_tokens = 3' "$REQ" > "$BATS_TEST_TMPDIR/req.json"
	cut_answer() { post "$BATS_TEST_TMPDIR/req.json" | jq -c '(.choices[0] | [.message.content, .finish_reason]), .usage'; }
	run cut_answer
	assert_output - <<-'EOF'
	["cat;5\nice cr","length"]
	{"prompt_tokens":31,"completion_tokens":3,"total_tokens":34}
	EOF
}

@test "GET /v1/models lists one model" {
	start_serve
	run curl -s "$SERVE_URL/models"
	assert_success
	assert_output '{"object":"list","data":[{"id":"wr-serve","object":"model","created":1735689600,"owned_by":"wr"}]}'
}

@test "an unknown path gets 404 with error JSON" {
	start_serve
	run curl -s -w ' %{http_code}' "$SERVE_URL/embeddings"
	assert_output '{"error":{"message":"Unknown request URL: GET /v1/embeddings.","type":"invalid_request_error","param":null,"code":"unknown_url"}} 404'
}

@test "GET on the chat completions path gets 405" {
	start_serve
	run curl -s -w ' %{http_code}' "$SERVE_URL/chat/completions"
	assert_output '{"error":{"message":"Method GET is not allowed on /v1/chat/completions.","type":"invalid_request_error","param":null,"code":"method_not_allowed"}} 405'
}

@test "a key file makes requests without the key get 401" {
	echo sk-test-secret > "$BATS_TEST_TMPDIR/key"
	start_serve --key-file "$BATS_TEST_TMPDIR/key"
	run post
	assert_output '{"error":{"message":"Incorrect API key provided. Give it as \"Authorization: Bearer KEY\".","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}'
	run status
	assert_output 401
}

@test "a wrong key gets 401 and the right key 200" {
	echo sk-test-secret > "$BATS_TEST_TMPDIR/key"
	start_serve --key-file "$BATS_TEST_TMPDIR/key"
	run status "$REQ" -H 'Authorization: Bearer sk-test-wrong'
	assert_output 401
	run status "$REQ" -H 'Authorization: Bearer sk-test-secret'
	assert_output 200
	run curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/models"
	assert_output 401
	run curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer sk-test-secret' "$SERVE_URL/models"
	assert_output 200
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

@test "WR_SERVE_KEY sets the key too" {
	WR_SERVE_KEY=sk-env-secret start_serve
	run status "$REQ" -H 'Authorization: Bearer sk-env-secret'
	assert_output 200
	run status
	assert_output 401
}

@test "--fail-500 1 answers 500 with error JSON" {
	start_serve --fail-500 1
	run curl -s -w ' %{http_code}' "$SERVE_URL/chat/completions" --data-binary @"$REQ"
	assert_output '{"error":{"message":"The server had an error while processing your request (wr-serve fault injection).","type":"server_error","param":null,"code":"internal_error"}} 500'
}

@test "--fail-429 1 answers 429 with Retry-After and a rate limit error" {
	start_serve --fail-429 1 --retry-after 7
	run curl -s -w ' %{http_code}' -D "$BATS_TEST_TMPDIR/headers" "$SERVE_URL/chat/completions" --data-binary @"$REQ"
	assert_output '{"error":{"message":"Rate limit reached for requests (wr-serve fault injection). Please try again later.","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}} 429'
	run grep -i '^retry-after:' "$BATS_TEST_TMPDIR/headers"
	assert_output $'Retry-After: 7\r'
}

@test "--retry-after 0 is allowed" {
	start_serve --fail-429 1 --retry-after 0
	run curl -s -o /dev/null -D "$BATS_TEST_TMPDIR/headers" "$SERVE_URL/chat/completions" --data-binary @"$REQ"
	run grep -i '^retry-after:' "$BATS_TEST_TMPDIR/headers"
	assert_output $'Retry-After: 0\r'
}

@test "--refuse 1 answers 200 with a refusal and no content" {
	start_serve --refuse 1
	run message
	assert_output '[null,"I'"'"'m sorry, but I can'"'"'t help with rating these entries.","stop"]'
}

@test "--filter 1 answers 200 with finish_reason content_filter and null content" {
	start_serve --filter 1
	run message
	assert_output '[null,null,"content_filter"]'
}

@test "--truncate 1 cuts the answer in the middle of a line with finish_reason length" {
	start_serve --truncate 1
	run message
	assert_output '["cat;5\nice cream;5\nquixotic;4\nzymu",null,"length"]'
}

@test "--garble 1 answers 200 with a body that is not JSON" {
	start_serve --garble 1
	run status
	assert_output 200
	run post
	assert_output '{"id":"chatcmpl-5b891cf5e443572c","object":"chat.completion","created":1735689600,"model":"test-model","choices":[{"index":0,"message":{"role":"assistant","content":"cat;5\nice cream;5\nquixotic;4'
	run jq . <<<"$output"
	assert_failure
}

@test "--partial 1 sends less than its Content-Length and closes" {
	start_serve --partial 1
	run curl -s -o "$BATS_TEST_TMPDIR/body" -D "$BATS_TEST_TMPDIR/headers" "$SERVE_URL/chat/completions" --data-binary @"$REQ"
	assert_failure 18    # curl: transfer closed with outstanding read data remaining
	run grep -i '^content-length:' "$BATS_TEST_TMPDIR/headers"
	assert_output $'Content-Length: 393\r'
	run wc -c < "$BATS_TEST_TMPDIR/body"
	assert_output 196
}

@test "--drop 1 closes the connection without an answer" {
	start_serve --drop 1
	run curl -s "$SERVE_URL/chat/completions" --data-binary @"$REQ"
	assert_failure 52    # curl: empty reply from server
	assert_output ''
}

@test "--refuse-entry refuses every request holding the entry and only those" {
	start_serve --refuse-entry zymurgy --refuse-entry 'hot dog x'
	together() {
		post | jq -c '.choices[0].message | [.content, .refusal]'
		post | jq -c '.choices[0].message | [.content, .refusal]'
		content "$FIX/serve-request2.json"
	}
	run together
	assert_output - <<-'EOF'
	[null,"I'm sorry, but I can't help with rating these entries."]
	[null,"I'm sorry, but I can't help with rating these entries."]
	syzygy;2
	hot dog;5
	EOF
}

@test "--log appends one line per request: status, fault, count, entries" {
	start_serve --log "$BATS_TEST_TMPDIR/log" --refuse-entry syzygy
	several() {
		status
		status "$FIX/serve-request2.json"
		curl -s -o /dev/null "$SERVE_URL/chat/completions" -d '{bad'
		curl -s -o /dev/null "$SERVE_URL/models"
	}
	run several
	run cat "$BATS_TEST_TMPDIR/log"
	assert_output - <<-EOF
	200	-	6	cat|ice cream|quixotic|zymurgy|abidingness|xyzzyq
	200	refuse-entry	2	syzygy|hot dog
	400	-	0	
	200	-	0	
	EOF
}

@test "the log names each fault" {
	start_serve --log "$BATS_TEST_TMPDIR/log" --fail-500 0.5 --drop 0.5
	run statuses 6
	assert_output '500 500 000 500 500 000'
	run cut -f 1-3 "$BATS_TEST_TMPDIR/log"
	assert_output - <<-EOF
	500	fail-500	6
	500	fail-500	6
	0	drop	6
	500	fail-500	6
	500	fail-500	6
	0	drop	6
	EOF
}

@test "GET /stats counts requests, answers, errors and entries" {
	start_serve
	several() {
		status
		status "$FIX/serve-request2.json"
		curl -s -o /dev/null "$SERVE_URL/chat/completions" -d '{bad'
		curl -s "http://127.0.0.1:$SERVE_PORT/stats"
	}
	run several
	assert_output - <<-'EOF'
	200
	200
	{"requests":3,"ok":2,"errors":1,"entries":8,"rate_limited":0}
	EOF
}

@test "a body over --max-body gets 413 and the server goes on" {
	start_serve --max-body 100
	run status
	assert_output 413
	run post
	assert_output '{"error":{"message":"The request body is larger than 100 bytes.","type":"invalid_request_error","param":null,"code":"request_too_large"}}'
	printf '{"messages":[{"role":"user","content":"cat"}]}' > "$BATS_TEST_TMPDIR/small.json"
	run content "$BATS_TEST_TMPDIR/small.json"
	assert_output 'cat;5'
}

@test "a chunked body over --max-body gets 413 too" {
	start_serve --max-body 100
	run status "$REQ" -H 'Transfer-Encoding: chunked'
	assert_output 413
}

@test "malformed JSON gets 400 and the server goes on" {
	start_serve
	run curl -s -w ' %{http_code}' "$SERVE_URL/chat/completions" -d '{"messages":['
	assert_output '{"error":{"message":"We could not parse the JSON body of your request.","type":"invalid_request_error","param":null,"code":"invalid_json"}} 400'
	run status
	assert_output 200
}

@test "a request without a user message gets 400" {
	start_serve
	run curl -s -w ' %{http_code}' "$SERVE_URL/chat/completions" -d '{"messages":[{"role":"system","content":"x"}]}'
	assert_output '{"error":{"message":"messages must include a user message.","type":"invalid_request_error","param":null,"code":"invalid_request"}} 400'
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

@test "a fault at rate 0.5 over 20 identical requests shows both outcomes" {
	start_serve --fail-500 0.5
	run statuses 20
	assert_output '200 200 500 200 200 500 200 200 500 500 500 200 500 500 500 200 500 500 500 500'
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

@test "--latency does not change the answer's content" {
	start_serve --latency 50
	run content "$FIX/serve-request2.json"
	assert_output - <<-'EOF'
	syzygy;2
	hot dog;5
	EOF
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

@test "a rate outside 0..1 exits 2" {
	run --separate-stderr wr-serve --fail-500 1.5
	assert_failure 2
	assert_equal "$stderr" 'wr-serve: --fail-500 1.5: not a rate between 0 and 1'
}

@test "an unknown style exits 2" {
	run --separate-stderr wr-serve --style yaml
	assert_failure 2
	assert_equal "$stderr" 'wr-serve: --style yaml: unknown style (plain, colon, dash, tab, numbered, bold, table, json-array, json-object, fenced, mix)'
}

@test "a missing key file exits 2" {
	run --separate-stderr wr-serve --key-file "$BATS_TEST_TMPDIR/nokey"
	assert_failure 2
	assert_equal "$stderr" "wr-serve: the key file given to --key-file cannot be read: No such file or directory"
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

@test "anthropic: /v1/messages answers a Message" {
	start_serve
	run amsg
	assert_success
	assert_output '{"id":"msg_b2cee3c8d88d1c9d","type":"message","role":"assistant","model":"test-model","content":[{"type":"text","text":"cat;5\nice cream;5\nquixotic;4\nzymurgy;3\nabidingness;2\nxyzzyq;1"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":31,"output_tokens":16}}'
}

@test "gemini: generateContent answers a GenerateContentResponse" {
	start_serve
	run gcontent
	assert_success
	assert_output '{"candidates":[{"content":{"parts":[{"text":"cat;5\nice cream;5\nquixotic;4\nzymurgy;3\nabidingness;2\nxyzzyq;1"}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":31,"candidatesTokenCount":16,"totalTokenCount":47},"modelVersion":"gemini-2.0-flash","responseId":"4d977c46ae3e8669"}'
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

@test "anthropic: a missing anthropic-version header gets 400" {
	start_serve
	run sh -c "$(declare -f anthropic_body); REQ=$REQ anthropic_body | curl -s -w ' %{http_code}' '$SERVE_URL/messages' --data-binary @-"
	assert_output '{"type":"error","error":{"type":"invalid_request_error","message":"anthropic-version: header is required"}} 400'
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

@test "gemini: maxOutputTokens cuts the answer with MAX_TOKENS" {
	start_serve
	run gjq '.candidates[0] | [.content.parts[0].text, .finishReason]' 3
	assert_output '["cat;5\nice cr","MAX_TOKENS"]'
}

@test "refusals and filters in each dialect's words" {
	start_serve --refuse 1
	run ajq '[.content, .stop_reason]'
	assert_output '[[{"type":"text","text":"I'\''m sorry, but I can'\''t help with rating these entries."}],"refusal"]'
	run gjq '.candidates[0] | [.content, .finishReason, (.safetyRatings | length)]'
	assert_output '[null,"SAFETY",4]'
	stop_serve
	start_serve --filter 1
	run ajq '[.content, .stop_reason]'
	assert_output '[[],"refusal"]'
	run gjq '[.candidates, .promptFeedback.blockReason, .usageMetadata]'
	assert_output '[null,"SAFETY",{"promptTokenCount":31,"totalTokenCount":31}]'
}

@test "--refuse-entry refuses on every dialect" {
	start_serve --refuse-entry zymurgy
	run message
	assert_output '[null,"I'\''m sorry, but I can'\''t help with rating these entries.","stop"]'
	run ajq .stop_reason
	assert_output '"refusal"'
	run gjq '.candidates[0].finishReason'
	assert_output '"SAFETY"'
}

@test "--overload answers 529 on Anthropic, 503 on OpenAI and Gemini" {
	start_serve --overload 1
	run amsg 1000 -w ' %{http_code}'
	assert_output '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded (wr-serve fault injection)"}} 529'
	run gcontent 1000 -w ' %{http_code}'
	assert_output '{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}} 503'
	run status
	assert_output 503
}

@test "--fail-429 and --fail-500 in each dialect's error shape" {
	start_serve --fail-429 1 --retry-after 7
	run amsg 1000 -D "$BATS_TEST_TMPDIR/h" -w ' %{http_code}'
	assert_output '{"type":"error","error":{"type":"rate_limit_error","message":"Rate limit exceeded (wr-serve fault injection). Please try again later."}} 429'
	run grep -ci '^retry-after: 7' "$BATS_TEST_TMPDIR/h"
	assert_output 1
	run gcontent 1000 -w ' %{http_code}'
	assert_output '{"error":{"code":429,"message":"Resource has been exhausted (wr-serve fault injection).","status":"RESOURCE_EXHAUSTED"}} 429'
	stop_serve
	start_serve --fail-500 1
	run amsg 1000 -w ' %{http_code}'
	assert_output '{"type":"error","error":{"type":"api_error","message":"Internal server error (wr-serve fault injection)"}} 500'
	run gcontent 1000 -w ' %{http_code}'
	assert_output '{"error":{"code":500,"message":"An internal error has occurred (wr-serve fault injection). Please retry.","status":"INTERNAL"}} 500'
}

@test "garble and partial break the answer on every dialect" {
	start_serve --garble 1
	run ajq .
	assert_failure
	run gjq .
	assert_failure
	stop_serve
	start_serve --partial 1
	run amsg
	assert_equal "$status" 18
	run gcontent
	assert_equal "$status" 18
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

@test "--log logs the requests of every dialect" {
	start_serve --log "$BATS_TEST_TMPDIR/log"
	amsg > /dev/null
	gcontent > /dev/null
	stop_serve
	run cat "$BATS_TEST_TMPDIR/log"
	assert_output - <<-'EOF'
	200	-	6	cat|ice cream|quixotic|zymurgy|abidingness|xyzzyq
	200	-	6	cat|ice cream|quixotic|zymurgy|abidingness|xyzzyq
	EOF
}

@test "GET /v1/models answers Anthropic's list with anthropic-version, OpenAI's without" {
	start_serve
	run curl -s "$SERVE_URL/models" -H 'anthropic-version: 2023-06-01'
	assert_output '{"data":[{"type":"model","id":"wr-serve","display_name":"wr-serve","created_at":"2025-01-01T00:00:00Z"}],"has_more":false,"first_id":"wr-serve","last_id":"wr-serve"}'
	run curl -s "$SERVE_URL/models"
	assert_output '{"object":"list","data":[{"id":"wr-serve","object":"model","created":1735689600,"owned_by":"wr"}]}'
}

@test "gemini: GET /v1beta/models lists the model" {
	start_serve
	run sh -c "curl -s 'http://127.0.0.1:$SERVE_PORT/v1beta/models' | jq -c '[.models[] | .name, .supportedGenerationMethods]'"
	assert_output '["models/wr-serve",["generateContent"]]'
	run sh -c "curl -s 'http://127.0.0.1:$SERVE_PORT/v1beta/models/gemini-x' | jq -r .name"
	assert_output models/gemini-x
	run curl -s -w ' %{http_code}' "http://127.0.0.1:$SERVE_PORT/v1beta/models/m:streamGenerateContent" -d '{}'
	assert_output '{"error":{"code":404,"message":"Unknown request URL: POST /v1beta/models/m:streamGenerateContent.","status":"NOT_FOUND"}} 404'
}

# codes N CMD...: the HTTP statuses of N runs of CMD, counted, as "COUNT STATUS" lines.
codes() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" -o /dev/null -w '%{http_code}\n'
	done | sort | uniq -c | awk '{print $1, $2}'
}

@test "--rpm lets a bucket's worth through and answers 429 to the rest" {
	# 1 a minute holding 300 s: 5 requests now, the next one a minute later.
	start_serve --rpm 1 --limit-burst 300
	run codes 20 post "$REQ"
	assert_output - <<-'EOF'
	5 200
	15 429
	EOF
	run sh -c "curl -s http://127.0.0.1:$SERVE_PORT/stats | jq -c '[.requests, .ok, .rate_limited]'"
	assert_output '[20,5,15]'
}

@test "--rpm is shared by every dialect and limits each in its shape" {
	start_serve --rpm 1 --limit-burst 120
	run codes 1 post "$REQ"
	assert_output '1 200'
	run codes 1 amsg 1000
	assert_output '1 200'
	run amsg 1000 -w ' %{http_code}'
	assert_output '{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for requests per minute."}} 429'
	run gcontent 1000 -w ' %{http_code}'
	assert_output '{"error":{"code":429,"message":"You exceeded your current quota of requests per minute.","status":"RESOURCE_EXHAUSTED"}} 429'
	run post "$REQ" -w ' %{http_code}'
	assert_output '{"error":{"message":"Rate limit reached for requests per min (RPM). Please try again later.","type":"requests","param":null,"code":"rate_limit_exceeded"}} 429'
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

@test "--rpm under 20 concurrent requests on 4 threads: exactly a bucket's worth get 200" {
	start_serve --rpm 1 --limit-burst 420 --threads 4
	run sh -c "seq 20 | xargs -P 20 -I{} curl -s -o /dev/null -w '%{http_code}\n' \
	    '$SERVE_URL/chat/completions' --data-binary @'$REQ' | sort | uniq -c | awk '{print \$1, \$2}'"
	assert_output - <<-'EOF'
	7 200
	13 429
	EOF
	run sh -c "curl -s http://127.0.0.1:$SERVE_PORT/stats | jq -c '[.requests, .ok, .rate_limited]'"
	assert_output '[20,7,13]'
}

@test "--max-body and --drop on the Anthropic and Gemini paths" {
	start_serve --max-body 100
	run amsg 1000 -w ' %{http_code}'
	assert_output '{"type":"error","error":{"type":"request_too_large","message":"The request body is larger than 100 bytes."}} 413'
	run gcontent 1000 -w ' %{http_code}'
	assert_output '{"error":{"code":400,"message":"The request body is larger than 100 bytes.","status":"INVALID_ARGUMENT"}} 400'
	stop_serve
	start_serve --drop 1
	run amsg
	assert_equal "$status" 52
	run gcontent
	assert_equal "$status" 52
}

@test "a response_format of type json_schema or json_object gets the ratings as one JSON object" {
	start_serve --style colon
	local t
	for t in json_schema json_object; do
		jq -c --arg t "$t" '. + {response_format: {type: $t}}' "$REQ" > "$BATS_TEST_TMPDIR/req.json"
		run content "$BATS_TEST_TMPDIR/req.json"
		assert_success
		assert_output '{"ratings":[{"entry":"cat","score":5},{"entry":"ice cream","score":5},{"entry":"quixotic","score":4},{"entry":"zymurgy","score":3},{"entry":"abidingness","score":2},{"entry":"xyzzyq","score":1}]}'
	done
	jq -c '. + {response_format: {type: "text"}}' "$REQ" > "$BATS_TEST_TMPDIR/req.json"
	run content "$BATS_TEST_TMPDIR/req.json"
	assert_line --index 0 'cat: 5'
}

@test "the ratings object of a json_schema answer is valid JSON with entries in request order, escapes too" {
	start_serve
	jq -c '. + {response_format: {type: "json_schema"}} | .messages[-1].content = "Rate:\n\nsay \"hi\"\nback\\slash\ncat"' \
	    "$REQ" > "$BATS_TEST_TMPDIR/req.json"
	run bash -c "curl -s '$SERVE_URL/chat/completions' --data-binary @'$BATS_TEST_TMPDIR/req.json' | jq -r '.choices[0].message.content' | jq -c '[.ratings[].entry]'"
	assert_success
	assert_output '["say \"hi\"","back\\slash","cat"]'
}

# Logprobs (synthetic): every token certain but the scores, whose alternatives lie around them.

# lpjq FILTER [JQ_EDIT]: the answer to the fixed request with logprobs asked, through jq -c FILTER.
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
