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
	{"requests":3,"ok":2,"errors":1,"entries":8}
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
	assert_equal "$stderr" "wr-serve: $BATS_TEST_TMPDIR/nokey: No such file or directory"
}
