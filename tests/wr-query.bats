#!/usr/bin/env bats
# wr-query: request lines in, result lines out, against real wr-serve
# instances on loopback. Servers without faults are shared by the whole
# file (tests count what they sent through /stats); a test that needs a
# server of its own starts one.

setup_file() {
	load helper
	(umask 077; printf 'sk-wr-secret-0042\n' > "$BATS_FILE_TMPDIR/key")
	start_serve; export PLAIN=$SERVE_URL PLAIN_PID=$SERVE_PID
	start_serve; export PLAIN2=$SERVE_URL PLAIN2_PID=$SERVE_PID
	start_serve --latency 300; export SLOW=$SERVE_URL SLOW_PID=$SERVE_PID
	start_serve --fail-500 1; export FAIL=$SERVE_URL FAIL_PID=$SERVE_PID
	start_serve --key-file "$BATS_FILE_TMPDIR/key" --latency 100; export KEYED=$SERVE_URL KEYED_PID=$SERVE_PID
	SERVE_PID=
	# Nothing listens on port 1: connections are refused at once.
	export DEAD=http://127.0.0.1:1/v1
	wr-query -q -u "$PLAIN" "$FIX/query-requests.jsonl" > "$BATS_FILE_TMPDIR/ref"
}

teardown_file() {
	local pid
	for pid in "$PLAIN_PID" "$PLAIN2_PID" "$SLOW_PID" "$FAIL_PID" "$KEYED_PID"; do
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	done
	wait 2>/dev/null || true
}

setup() {
	load helper
	REQ=$FIX/query-requests.jsonl
	T=$BATS_TEST_TMPDIR
	QUERY_PID= USAGE_PID=
}

# start_usage: tests/servers/usage.py (fixed usage with cached tokens, echoes the key headers); sets USAGE_URL.
start_usage() {
	python3 "$TOP/tests/servers/usage.py" > "$T/usage.port" 3>&- &
	USAGE_PID=$!
	wait_port "$T/usage.port" "$USAGE_PID" || return 1
	USAGE_URL=http://127.0.0.1:$(head -n 1 "$T/usage.port")/v1
}

teardown() {
	if [ -n "$USAGE_PID" ]; then
		kill -TERM "$USAGE_PID" 2>/dev/null
		wait "$USAGE_PID" 2>/dev/null
	fi
	if [ -n "$QUERY_PID" ]; then
		kill -9 "$QUERY_PID" 2>/dev/null
		wait "$QUERY_PID" 2>/dev/null
	fi
	stop_serve
}

# The parts of result lines that do not depend on the attempt: sorted by custom_id.
digest() {
	jq -c '[.custom_id, .response.status_code, .error, .entries, .response.body.choices[0].message.content]' "$@" | sort
}

# Result lines without the ids wr-serve draws per attempt, sorted.
stable() {
	jq -c 'del(.response.request_id, .response.body.id)' "$@" | sort
}

# A summary line with its elapsed time masked.
mask_time() {
	sed -E 's/; [0-9]+\.[0-9]+ s$/; T s/'
}

# Requests the server at base URL $1 has seen so far.
seen() {
	curl -s "${1%/v1}/stats" | jq .requests
}

EXPECTED='["417e56db6d5cbc6a",200,null,["ant","bee"],"ant;4\nbee;4"]
["625b5489314874b9",200,null,["zebra","owl"],"zebra;4\nowl;4"]
["aa66efd551a23471",200,null,["ice cream","xyzzyq"],"ice cream;5\nxyzzyq;1"]
["c5a62931ca6b6d20",200,null,["cat","dog"],"cat;5\ndog;5"]
["c694e0c66f1c8bc0",200,null,["emu","yak"],"emu;3\nyak;4"]
["f2f11b6e38c50ab6",200,null,["fox","hen"],"fox;4\nhen;4"]'

@test "every request gets one result line with its entries copied" {
	run digest "$BATS_FILE_TMPDIR/ref"
	assert_success
	assert_output "$EXPECTED"
	run jq -r 'select(.custom_id == "c5a62931ca6b6d20") | .id' "$BATS_FILE_TMPDIR/ref"
	assert_output "wrq-$(printf '"c5a62931ca6b6d20"' | xxh64sum | cut -c1-16)"
}

@test "the answer body is embedded as the server sent it, on one line" {
	run bash -c "head -n 1 '$REQ' | wr-query -q -u '$PLAIN' | jq -c '.response | [.status_code, .body.object, .body.choices[0].finish_reason, .body.usage.total_tokens]'"
	assert_success
	assert_output '[200,"chat.completion","stop",13]'
}

@test "requests are read from stdin and the summary counts them" {
	run --separate-stderr bash -c "wr-query -u '$PLAIN' < '$REQ' > /dev/null"
	assert_success
	run mask_time <<< "$stderr"
	assert_output "wr-query: 6 requests: 6 ok, 0 failed; 0 retries; 62 prompt and 21 completion tokens; T s"
}

# ---- The cases of tests/data/wr-query-retry.cases (its format is at its top) ----

RETRY_CASES=$BATS_TEST_DIRNAME/data/wr-query-retry.cases

# case_input: the standard input of the case in C.
case_input() {
	if [ -n "${HAS[in]:-}" ]; then
		case_text in; echo
	elif [ -n "${HAS[requests]:-}" ]; then
		head -n "${C[requests]}" "$REQ"
	fi
}

# named_urls: stdin with the URLs of the servers and $T shown by name.
named_urls() {
	local own=()
	[ -z "${SERVE_URL:-}" ] || own=(-e "s#$SERVE_URL#\$SERVE_URL#g")
	sed -E -e 's/[0-9]+\.[0-9]+ s/N s/g' -e "s#$PLAIN#\$PLAIN#g" -e "s#$SLOW#\$SLOW#g" \
	    -e "s#$FAIL#\$FAIL#g" -e "s#$DEAD#\$DEAD#g" "${own[@]}" -e "s#$T#\$T#g"
}

# case_run: run the case in C (see run_cases in helper.bash).
case_run() {
	local T url= n= before=
	T=$(mktemp -d "$BATS_TEST_TMPDIR/case.XXXXXX")
	SERVE_URL=
	if [ -n "${HAS[serve]:-}" ]; then
		eval "start_serve ${C[serve]} --log \"\$T/log\"" || { CASE_BAD="  wr-serve did not start"$'\n'; return; }
	fi
	if [ -n "${HAS[sent]:-}" ]; then
		eval "set -- ${C[sent]}"
		url=$1 n=$2 before=$(seen "$url")
	fi
	eval "run --separate-stderr wr-query ${C[args]:-}" < <(case_input)
	case_check status "${C[status]:-0}" "$status"
	if [ -n "${HAS[results]:-}" ]; then
		case_check results "$(stable "$BATS_FILE_TMPDIR/ref")" "$(printf '%s\n' "$output" | stable)"
	elif [ -n "${HAS[filter]:-}" ]; then
		case_check output "$(case_text out)" "$(printf '%s\n' "$output" | jq -c "${C[filter]}" | sort)"
	else
		case_check output "$(case_text out)" "$output"
	fi
	if [ -n "${HAS[err]:-}" ]; then
		case_check stderr "$(case_text err)" "$(named_urls <<< "$stderr")"
	fi
	if [ -n "${HAS[log]:-}" ]; then
		case_check "server log" "a line with ${C[log]}" "$(grep -q -- "${C[log]}" "$T/log" && echo "a line with ${C[log]}")"
	fi
	if [ -n "${HAS[sent]:-}" ]; then
		case_check "requests sent to ${C[sent]% *}" "$n" "$(( $(seen "$url") - before ))"
	fi
	stop_serve
}

@test "every case of tests/data/wr-query-retry.cases gives its exact results, status and counts" {
	run_cases "$RETRY_CASES" serve args requests in status results filter out err log sent
}

@test "an invalid request line yields a message and an error line, and the rest flows" {
	run --separate-stderr bash -c "wr-query -q -u '$PLAIN' '$FIX/query-bad.jsonl' > '$T/out'"
	assert_failure 1
	[ "$stderr" = "wr-query: $FIX/query-bad.jsonl:2: invalid JSON
wr-query: $FIX/query-bad.jsonl:3: no body" ]
	run bash -c "jq -c '[.custom_id, .response.status_code, .error, .entries]' '$T/out' | sort"
	assert_output '["aa66efd551a23471",200,null,["ice cream","xyzzyq"]]
["broken1",null,{"code":"invalid_request","message":"request line 2: invalid JSON"},null]
["c5a62931ca6b6d20",200,null,["cat","dog"]]
["nobody",null,{"code":"invalid_request","message":"request line 3: no body"},["elk"]]'
}

@test "-o appends results to FILE and writes nothing on stdout" {
	echo '{"earlier":"line","custom_id":"old","response":{"status_code":200,"body":{}},"error":null}' > "$T/res"
	run wr-query -q -o "$T/res" -u "$PLAIN" "$REQ"
	assert_success
	assert_output ""
	run digest <(tail -n +2 "$T/res")
	assert_output "$EXPECTED"
	run head -n 1 "$T/res"
	assert_output '{"earlier":"line","custom_id":"old","response":{"status_code":200,"body":{}},"error":null}'
}

@test "-o skips requests that already succeeded in FILE and retries the failed ones" {
	head -n 2 "$REQ" | wr-query -q --retries 0 -o "$T/res" -u "$FAIL" || true
	head -n 3 "$REQ" | tail -n 1 | wr-query -q -o "$T/res" -u "$PLAIN"
	before=$(seen "$PLAIN")
	run --separate-stderr wr-query -o "$T/res" -u "$PLAIN" "$REQ"
	assert_success
	run mask_time <<< "$stderr"
	assert_output "wr-query: 5 requests: 5 ok, 0 failed; 0 retries; 1 already done in $T/res; 52 prompt and 17 completion tokens; T s"
	assert_equal "$(( $(seen "$PLAIN") - before ))" 5
	run bash -c "jq -c 'select(.error == null)' '$T/res' | jq -c '[.custom_id, .response.status_code, .error, .entries, .response.body.choices[0].message.content]' | sort"
	assert_output "$EXPECTED"
}

@test "a run killed mid-way resumes with exactly one success per custom_id" {
	wr-query -q -j 2 -o "$T/res" -u "$SLOW" "$REQ" 3>&- &
	QUERY_PID=$!
	wait_for "2 result lines in $T/res" has_lines "$T/res" 2
	kill -9 "$QUERY_PID"
	rc=0
	wait "$QUERY_PID" 2>/dev/null || rc=$?
	QUERY_PID=
	# It died of the SIGKILL, with some but not all results written.
	assert_equal "$rc" 137
	before=$(wc -l < "$T/res")
	[ "$before" -ge 2 ] || fail "only $before result lines before the kill"
	[ "$before" -lt 6 ] || fail "all $before result lines before the kill"
	run --separate-stderr wr-query -j 4 -o "$T/res" -u "$SLOW" "$REQ"
	assert_success
	assert_output ""
	[[ "$stderr" == *"; $before already done in $T/res;"* ]]
	run bash -c "jq -r 'select(.error == null) | .custom_id' '$T/res' | sort"
	assert_output "$(jq -r .custom_id "$REQ" | sort)"
	run digest "$T/res"
	assert_output "$EXPECTED"
}

@test "a torn last line left by a killed run is cut away with a warning" {
	head -n 3 "$REQ" | wr-query -q -o "$T/res" -u "$PLAIN"
	printf '{"id":"wrq-0123","custom_id":"f2f11b6e' >> "$T/res"
	before=$(seen "$PLAIN")
	run --separate-stderr wr-query -q -o "$T/res" -u "$PLAIN" "$REQ"
	assert_success
	[ "$stderr" = "wr-query: $T/res: removed a torn last line (38 bytes) left by an interrupted run" ]
	run digest "$T/res"
	assert_output "$EXPECTED"
	assert_equal "$(( $(seen "$PLAIN") - before ))" 3
}

# has_lines FILE N: FILE holds N lines or more.
has_lines() {
	[ "$(cat "$1" 2>/dev/null | wc -l)" -ge "$2" ]
}

# locked FILE: another process holds a lock on FILE, as /proc/locks shows
# (trying the lock with flock(1) would hold it for a moment, and the run
# that takes it then would find it taken).
locked() {
	local ino
	ino=$(stat -c %i "$1" 2>/dev/null) || return 1
	grep -q ":$ino " /proc/locks
}

@test "a second run on the same -o FILE at once is refused" {
	local rc=0
	head -n 1 "$REQ" | wr-query -q -o "$T/res" -u "$SLOW" 3>&- &
	QUERY_PID=$!
	wait_for "lock on $T/res" locked "$T/res"
	run --separate-stderr wr-query -q -o "$T/res" -u "$PLAIN" "$REQ"
	assert_failure 2
	[ "$stderr" = "wr-query: $T/res: another process is writing it" ]
	# The first run goes on undisturbed.
	wait "$QUERY_PID" || rc=$?
	QUERY_PID=
	assert_equal "$rc" 0
	assert_equal "$(wc -l < "$T/res")" 1
}

@test "the key from OPENAI_API_KEY never shows in the results, stdout or -v messages" {
	OPENAI_API_KEY=sk-wr-secret-0042 wr-query -v -j 2 -o "$T/res" -u "$KEYED" "$REQ" > "$T/out" 2> "$T/err"
	run grep -c sk-wr-secret "$T/out" "$T/res" "$T/err"
	assert_output "$T/out:0
$T/res:0
$T/err:0"
	run digest "$T/res"
	assert_output "$EXPECTED"
	assert_equal "$(grep -c 'HTTP 200' "$T/err")" 6
}

@test "--api-key-file reads the key from the first line of FILE" {
	(umask 077; printf '  sk-wr-secret-0042  \nsecond line\n' > "$T/key")
	run --separate-stderr bash -c "OPENAI_API_KEY=wrong wr-query -q -j 6 --api-key-file '$T/key' -u '$KEYED' '$REQ' | jq -r .response.status_code | sort -u"
	assert_success
	assert_output "200"
}

@test "HTTP 401 stops the whole run with one message" {
	before=$(seen "$KEYED")
	run --separate-stderr env OPENAI_API_KEY=sk-wrong wr-query -q -j 2 -u "$KEYED" "$REQ"
	assert_failure 2
	assert_output ""
	[ "$stderr" = "wr-query: $KEYED/chat/completions: HTTP 401: the API key was refused (see \$OPENAI_API_KEY or --api-key-file); stopping" ]
	# The first request goes alone (to learn the server's limits): a refused key costs one.
	assert_equal "$(( $(seen "$KEYED") - before ))" 1
}

@test "without a key no Authorization header is sent" {
	run --separate-stderr wr-query -q -u "$KEYED" "$REQ"
	assert_failure 2
	[ "$stderr" = "wr-query: $KEYED/chat/completions: HTTP 401: the API key was refused (see \$OPENAI_API_KEY or --api-key-file); stopping" ]
	run --separate-stderr env OPENAI_API_KEY=sk-wr-secret-0042 wr-query -q -u "$KEYED" "$REQ"
	assert_success
}

@test "-u twice spreads the requests over both servers" {
	a=$(seen "$PLAIN") b=$(seen "$PLAIN2")
	run --separate-stderr wr-query -j 2 -u "$PLAIN" -u "$PLAIN2" "$REQ"
	assert_success
	run digest <<< "$output"
	assert_output "$EXPECTED"
	# Each server's first request goes alone; both get a share of the six.
	a=$(( $(seen "$PLAIN") - a )) b=$(( $(seen "$PLAIN2") - b ))
	assert_equal "$(( a + b ))" 6
	[ "$a" -ge 1 ]
	[ "$b" -ge 1 ]
}

@test "a server that refuses connections gets fewer requests than a healthy one" {
	before=$(seen "$PLAIN")
	run --separate-stderr wr-query -v -j 2 --backoff 0.2 -u "$DEAD" -u "$PLAIN" "$REQ"
	assert_success
	run digest <<< "$output"
	assert_output "$EXPECTED"
	assert_equal "$(( $(seen "$PLAIN") - before ))" 6
	assert_equal "$(grep -c '127.0.0.1:1/' <<< "$stderr")" 1
	[[ "$stderr" == *"6 requests: 6 ok, 0 failed; 1 retry;"* ]]
}

# saw_more URL N: the server at URL has seen N requests more than $before.
saw_more() {
	[ "$(( $(seen "$1") - before ))" -ge "$2" ]
}

# The limits are set so low that the next request is due many seconds after
# the first: counting right after the first arrived does not race with it.
@test "--rpm 6 starts one request and holds the next back" {
	before=$(seen "$PLAIN")
	wr-query -q --rpm 6 -j 6 -u "$PLAIN" "$REQ" > /dev/null 3>&- &
	QUERY_PID=$!
	wait_for "first request at $PLAIN" saw_more "$PLAIN" 1
	assert_equal "$(( $(seen "$PLAIN") - before ))" 1
}

@test "--tpm holds back requests whose estimated tokens exceed the budget" {
	before=$(seen "$PLAIN")
	wr-query -q --tpm 60 -j 6 -u "$PLAIN" "$REQ" > /dev/null 3>&- &
	QUERY_PID=$!
	wait_for "first request at $PLAIN" saw_more "$PLAIN" 1
	assert_equal "$(( $(seen "$PLAIN") - before ))" 1
}

@test "a write error on stdout exits 2" {
	run --separate-stderr bash -c "wr-query -q -u '$PLAIN' '$REQ' > /dev/full"
	assert_failure 2
	assert_equal "$stderr" "wr-query: stdout: write error: No space left on device"
}

@test "an unreadable input file exits 2 before anything is sent" {
	before=$(seen "$PLAIN")
	run --separate-stderr wr-query -q -u "$PLAIN" "$REQ" "$T/missing"
	assert_failure 2
	assert_output ""
	assert_equal "$stderr" "wr-query: $T/missing: No such file or directory"
	assert_equal "$(( $(seen "$PLAIN") - before ))" 0
}

@test "--help prints the usage on stdout" {
	run --separate-stderr wr-query --help
	assert_success
	assert_line --index 0 "usage: wr-query [-qv] [-H HEADER]... [-j N] [-o FILE] [-u URL]... [--api NAME] [--api-key-file FILE]"
	assert_equal "$stderr" ""
}

@test "--version prints the version" {
	run wr-query --version
	assert_success
	assert_output --regexp '^wr-query \(wr\) [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "a bad option prints the usage on stderr and exits 2" {
	run --separate-stderr wr-query --bogus
	assert_failure 2
	assert_output ""
	[[ "${stderr_lines[1]}" == "usage: wr-query "* ]]
}

@test "bad option values are named and exit 2" {
	run --separate-stderr wr-query -j 0
	assert_failure 2
	assert_equal "$stderr" "wr-query: -j 0: too small (minimum 1)"
	run --separate-stderr wr-query -u ftp://user:secret@example.org/v1
	assert_failure 2
	assert_equal "$stderr" "wr-query: -u ftp://***@example.org/v1: not an http:// or https:// URL"
	run --separate-stderr wr-query -H 'no colon'
	assert_failure 2
	assert_equal "$stderr" "wr-query: -H no: expected 'Name: value'"
	run --separate-stderr wr-query --timeout 0
	assert_failure 2
	assert_equal "$stderr" "wr-query: --timeout 0: must be above 0 and at most 10000000"
}

# ---- cost, plan, keys ----

@test "--price turns the summary's tokens into an estimated cost" {
	run --separate-stderr bash -c "wr-query --price 1000:2000 -u '$PLAIN' '$REQ' > /dev/null"
	assert_success
	run mask_time <<< "$stderr"
	assert_output "wr-query: 6 requests: 6 ok, 0 failed; 0 retries; 62 prompt and 21 completion tokens; est. cost \$0.1040; T s"
}

@test "WR_PRICE gives the prices when --price does not" {
	run --separate-stderr bash -c "WR_PRICE=1000:2000 wr-query -u '$PLAIN' '$REQ' > /dev/null"
	assert_success
	run mask_time <<< "$stderr"
	assert_output "wr-query: 6 requests: 6 ok, 0 failed; 0 retries; 62 prompt and 21 completion tokens; est. cost \$0.1040; T s"
	run --separate-stderr bash -c "WR_PRICE=1:1 wr-query --price 1000:2000 -u '$PLAIN' '$REQ' > /dev/null"
	run mask_time <<< "$stderr"
	assert_output "wr-query: 6 requests: 6 ok, 0 failed; 0 retries; 62 prompt and 21 completion tokens; est. cost \$0.1040; T s"
}

@test "cached prompt tokens are shown and priced at the third price" {
	start_usage
	run --separate-stderr bash -c "head -n 2 '$REQ' | wr-query --price 1000:2000:500 -u '$USAGE_URL' > /dev/null"
	assert_success
	run mask_time <<< "$stderr"
	assert_output "wr-query: 2 requests: 2 ok, 0 failed; 0 retries; 200 prompt (80 cached, 40%) and 20 completion tokens; est. cost \$0.2000; T s"
}

@test "without a cached price cached tokens cost as prompt tokens" {
	start_usage
	run --separate-stderr bash -c "head -n 2 '$REQ' | wr-query --price 1000:2000 -u '$USAGE_URL' > /dev/null"
	assert_success
	run mask_time <<< "$stderr"
	assert_output "wr-query: 2 requests: 2 ok, 0 failed; 0 retries; 200 prompt (80 cached, 40%) and 20 completion tokens; est. cost \$0.2400; T s"
}

@test "a bad price is a usage error" {
	run --separate-stderr wr-query --price 2.5
	assert_failure 2
	assert_equal "$stderr" "wr-query: --price 2.5: expected IN:OUT or IN:OUT:CACHED, dollars per million tokens"
	run --separate-stderr env WR_PRICE=1:-2 wr-query /dev/null
	assert_failure 2
	assert_equal "$stderr" "wr-query: WR_PRICE=1:-2: expected IN:OUT or IN:OUT:CACHED, dollars per million tokens"
}

@test "--plan counts requests and tokens and sends nothing" {
	before=$(seen "$PLAIN")
	run --separate-stderr wr-query --plan -u "$PLAIN" "$REQ"
	assert_success
	assert_output - <<'EOF'
requests: 6
prompt tokens: 62 (estimated)
completion tokens: 96 (max_tokens, else estimated)
concurrency (16 in flight, 3.0 s each): 3.0 s
binding limit: concurrency (16 in flight, 3.0 s each): 3.0 s
EOF
	assert_equal "$stderr" ""
	assert_equal "$(( $(seen "$PLAIN") - before ))" 0
}

@test "--plan reads stdin, takes max_tokens and prices the job" {
	run --separate-stderr bash -c "sed 's/\"model\"/\"max_tokens\":100,&/' '$REQ' | wr-query --plan --price 1000:2000"
	assert_success
	assert_output - <<'EOF'
requests: 6
prompt tokens: 62 (estimated)
completion tokens: 600 (max_tokens, else estimated)
est. cost: $1.2620
concurrency (16 in flight, 3.0 s each): 3.0 s
binding limit: concurrency (16 in flight, 3.0 s each): 3.0 s
EOF
}

@test "--plan says which of -j, --rpm and --tpm binds" {
	run wr-query --plan -j 2 --latency-estimate 10 --rpm 12 --tpm 600 "$REQ"
	assert_success
	assert_output - <<'EOF'
requests: 6
prompt tokens: 62 (estimated)
completion tokens: 96 (max_tokens, else estimated)
concurrency (2 in flight, 10 s each): 30 s
rpm (12 requests per minute): 30 s
tpm (600 tokens per minute): 16 s
binding limit: concurrency (2 in flight, 10 s each): 30 s
EOF
	run wr-query --plan --rpm 6 --tpm 600 "$REQ"
	assert_success
	assert_line "binding limit: rpm (6 requests per minute): 60 s"
	run wr-query --plan --rpm 600 --tpm 60 "$REQ"
	assert_success
	assert_line "binding limit: tpm (60 tokens per minute): 3 min"
}

@test "--plan's tpm time charges what pacing charges: body bytes / 4 plus max_tokens" {
	sed 's/"model"/"max_tokens":100,&/' "$REQ" > "$T/max.jsonl"
	# (bytes + 3) / 4 of each body as the line holds it, plus its max_tokens; twice that a minute is 30 s.
	charge=$(jq -c .body "$T/max.jsonl" | awk '{ t += int((length($0) + 3) / 4) + 100 } END { print t }')
	run wr-query --plan --tpm $((2 * charge)) "$T/max.jsonl"
	assert_success
	assert_line "tpm ($((2 * charge)) tokens per minute): 30 s"
}

@test "--plan says when the daily request budget binds" {
	run wr-query --plan --rpd 4 "$REQ"
	assert_success
	assert_output - <<'EOF'
requests: 6
prompt tokens: 62 (estimated)
completion tokens: 96 (max_tokens, else estimated)
concurrency (16 in flight, 3.0 s each): 3.0 s
rpd (4 requests per day): 2 days
binding limit: rpd (4 requests per day): 2 days
EOF
	run wr-query --plan --rpd 6 "$REQ"
	assert_line "rpd (6 requests per day): 1 day"
	assert_line "binding limit: concurrency (16 in flight, 3.0 s each): 3.0 s"
}

@test "--plan counts only what -o FILE has not done yet" {
	head -n 2 "$BATS_FILE_TMPDIR/ref" > "$T/res"
	run wr-query --plan -o "$T/res" "$REQ"
	assert_success
	assert_line --index 0 "requests: 4"
	assert_line --index 1 "already done in $T/res: 2"
	run wr-query --plan -o "$T/none" "$REQ"
	assert_line --index 0 "requests: 6"
	[ ! -e "$T/none" ]
}

@test "--plan warns about bad lines, leaves them out and exits 1" {
	{ head -n 1 "$REQ"; echo 'not json'; } > "$T/in"
	run --separate-stderr wr-query --plan "$T/in"
	assert_failure 1
	assert_line --index 0 "requests: 1"
	assert_line --index 1 "invalid lines: 1 (not counted)"
	[[ "$stderr" == "wr-query: $T/in:2: "* ]]
}

@test "--plan says when a file is over the OpenAI Batch line limit" {
	awk '{ for (i = 0; i < 8334; i++) print }' "$REQ" > "$T/big"
	run wr-query --plan "$T/big"
	assert_success
	assert_line --index 0 "$T/big: 50004 requests, over the OpenAI Batch limit of 50000 per file"
	assert_line --index 1 "requests: 50004"
}

@test "--rpd stops sending after N requests and exits 1" {
	run --separate-stderr wr-query -j 1 --rpd 4 -u "$PLAIN" "$REQ"
	assert_failure 1
	assert_equal "${#lines[@]}" 4
	run mask_time <<< "$stderr"
	assert_output --regexp '^wr-query: 4 requests: 4 ok, 0 failed; 0 retries; --rpd 4 reached, the rest not sent; [0-9]+ prompt and [0-9]+ completion tokens; T s$'
}

@test "--rpd that covers every request changes nothing" {
	run --separate-stderr wr-query -j 1 --rpd 6 -u "$PLAIN" "$REQ"
	assert_success
	run mask_time <<< "$stderr"
	assert_output "wr-query: 6 requests: 6 ok, 0 failed; 0 retries; 62 prompt and 21 completion tokens; T s"
}

@test "--rpd with -o lets a later run send the rest" {
	run --separate-stderr wr-query -q -j 1 --rpd 4 -o "$T/res" -u "$PLAIN" "$REQ"
	assert_failure 1
	run --separate-stderr wr-query -q --rpd 4 -o "$T/res" -u "$PLAIN" "$REQ"
	assert_success
	run digest "$T/res"
	assert_output "$EXPECTED"
}

@test "a key header on the command line is refused" {
	for h in 'Authorization: Bearer sk-x' 'authorization:sk-x' 'api-key: sk-x' 'X-Api-Key: sk-x' 'Proxy-Authorization: Basic x'; do
		run --separate-stderr wr-query -H "$h" -u "$PLAIN" "$REQ"
		assert_failure 2
		assert_output ""
		assert_equal "$stderr" "wr-query: -H ${h%%:*}: a key on the command line is visible to other users; give it in \$OPENAI_API_KEY or --api-key-file (and --key-header NAME for a header other than Authorization)"
	done
}

@test "--key-header sends the key from the environment under another name" {
	start_usage
	run --separate-stderr bash -c "head -n 1 '$REQ' | OPENAI_API_KEY=sk-wr-1 wr-query -q --key-header x-api-key -u '$USAGE_URL' | jq -r '.response.body.choices[0].message.content'"
	assert_success
	assert_output "authorization=-;api-key=-;x-api-key=sk-wr-1"
	run --separate-stderr bash -c "head -n 1 '$REQ' | wr-query -q --key-header api-key --api-key-file '$BATS_FILE_TMPDIR/key' -u '$USAGE_URL' | jq -r '.response.body.choices[0].message.content'"
	assert_output "authorization=-;api-key=sk-wr-secret-0042;x-api-key=-"
	run --separate-stderr bash -c "head -n 1 '$REQ' | OPENAI_API_KEY=sk-wr-1 wr-query -q -u '$USAGE_URL' | jq -r '.response.body.choices[0].message.content'"
	assert_output "authorization=Bearer sk-wr-1;api-key=-;x-api-key=-"
}

@test "-H with the --key-header name is refused too, and a bad name is a usage error" {
	run --separate-stderr wr-query --key-header X-Goog-Api-Key -H 'x-goog-api-key: k' "$REQ"
	assert_failure 2
	assert_equal "$stderr" "wr-query: -H x-goog-api-key: a key on the command line is visible to other users; give it in \$OPENAI_API_KEY or --api-key-file (and --key-header NAME for a header other than Authorization)"
	run --separate-stderr wr-query --key-header 'api key'
	assert_failure 2
	assert_equal "$stderr" "wr-query: --key-header api key: not a header name"
}

@test "on a terminal the live line shows done of the whole and the time left for file inputs" {
	command -v script > /dev/null || skip "no script(1)"
	start_serve --latency 300
	run script -qec "wr-query -j 1 -u '$SERVE_URL' '$REQ' > /dev/null" /dev/null
	assert_success
	# Six requests of 300 ms one at a time: the line, drawn at most four times a second, shows up.
	run grep -aoE 'wr-query: [0-9] of 6 \([0-9]+%\), [01] in flight, [0-9] ok, 0 failed, 0 retries, [0-9.]+ req/s, [0-9.]+ s left' <<<"$(tr '\r' '\n' <<<"$output")"
	assert_success
	run script -qec "cat '$REQ' | wr-query -j 1 -u '$SERVE_URL' > /dev/null" /dev/null
	run grep -aoE 'wr-query: [0-9] done, [01] in flight' <<<"$(tr '\r' '\n' <<<"$output")"
	assert_success
}
