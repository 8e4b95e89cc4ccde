#!/usr/bin/env bats
# Reliability and security: TLS verification, the API key, hostile servers
# (tests/servers/hostile.py) and rude clients of wr-serve (tests/servers/client.py).

setup_file() {
	load helper
	local d=$BATS_FILE_TMPDIR e='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'
	# A CA and a server certificate for 127.0.0.1 made now, and an unrelated CA.
	openssl req -x509 $e -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 -subj /CN=wr-test-ca 2>/dev/null
	openssl req -x509 $e -keyout "$d/other.key" -out "$d/other.pem" -days 2 -subj /CN=wr-other-ca 2>/dev/null
	openssl req $e -keyout "$d/srv.key" -out "$d/srv.csr" -subj /CN=127.0.0.1 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\n' > "$d/ext"
	openssl x509 -req -in "$d/srv.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial \
	    -out "$d/srv.pem" -days 2 -extfile "$d/ext" 2>/dev/null
}

setup() {
	load helper
	T=$BATS_TEST_TMPDIR
	D=$BATS_FILE_TMPDIR
	SERVERS=$TOP/tests/servers
	REQ=$FIX/query-requests.jsonl
	head -n 1 "$REQ" > "$T/one.jsonl"
	HOSTILE_PID= QUERY_PID=
}

teardown() {
	local pid
	for pid in $QUERY_PID $HOSTILE_PID; do
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	stop_serve
}

# start_hostile MODE [ARGS...]: sets HOSTILE_PID, HOSTILE_PORT, HOSTILE_URL (http).
start_hostile() {
	local portfile=$T/hostile.port
	# A new file each time: the last server's port must not be read for this one.
	rm -f "$portfile"
	python3 "$SERVERS/hostile.py" "$@" > "$portfile" 3>&- &
	HOSTILE_PID=$!
	wait_port "$portfile" "$HOSTILE_PID" || return 1
	HOSTILE_PORT=$(head -n 1 "$portfile")
	HOSTILE_URL=http://127.0.0.1:$HOSTILE_PORT/v1
}

start_tls() {
	start_hostile ok --cert "$D/srv.pem" --key "$D/srv.key"
	TLS_URL=https://127.0.0.1:$HOSTILE_PORT/v1
}

# has_socket PID: the process has a socket open, so it is past its setup.
has_socket() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -q 'socket:'
}

# ---- TLS ---------------------------------------------------------------------

@test "TLS: a server whose CA is not trusted stops the run with one message and exit 2" {
	start_tls
	run --separate-stderr wr-query -q -u "$TLS_URL" "$T/one.jsonl"
	assert_failure 2
	assert_output ''
	[ "$stderr" = "wr-query: $TLS_URL/chat/completions: SSL certificate problem: unable to get local issuer certificate; stopping" ]
}

@test "TLS: --cacert with the CA that signed the server verifies it and the request succeeds" {
	start_tls
	run --separate-stderr bash -c "wr-query -q --cacert '$D/ca.pem' -u '$TLS_URL' '$T/one.jsonl' | jq -c '[.custom_id, .response.status_code, .error, .response.body.choices[0].message.content]'"
	assert_success
	assert_output '["c5a62931ca6b6d20",200,null,"cat;5"]'
	[ "$stderr" = "" ]
}

@test "TLS: --cacert with another CA fails verification" {
	start_tls
	run --separate-stderr wr-query -q --cacert "$D/other.pem" -u "$TLS_URL" "$T/one.jsonl"
	assert_failure 2
	assert_output ''
	[ "$stderr" = "wr-query: $TLS_URL/chat/completions: SSL certificate problem: unable to get local issuer certificate; stopping" ]
}

@test "TLS: a certificate for another host name is refused even with the right CA" {
	start_tls
	run --separate-stderr wr-query -q --cacert "$D/ca.pem" -u "https://localhost:$HOSTILE_PORT/v1" "$T/one.jsonl"
	assert_failure 2
	assert_output ''
	[[ $stderr == "wr-query: https://localhost:$HOSTILE_PORT/v1/chat/completions: "*"; stopping" ]]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
}

@test "TLS: no option turns verification off" {
	for opt in -k --insecure --no-verify --ssl-no-revoke; do
		run --separate-stderr wr-query "$opt" -u https://127.0.0.1:1/v1 /dev/null
		assert_failure 2
	done
	run wr-query --help
	refute_output --partial insecure
}

# ---- The key -------------------------------------------------------------------

@test "a key file readable by others draws a warning and still works" {
	(umask 077; echo sk-wr-secret-0099 > "$T/serverkey")
	echo sk-wr-secret-0099 > "$T/key"
	chmod 644 "$T/key"
	start_serve --key-file "$T/serverkey"
	run --separate-stderr bash -c "wr-query -q --api-key-file '$T/key' -u '$SERVE_URL' '$T/one.jsonl' | jq -c '[.custom_id, .response.status_code, .error]'"
	assert_success
	assert_output '["c5a62931ca6b6d20",200,null]'
	[ "$stderr" = "wr-query: the key file given to --api-key-file is readable by others" ]
}

@test "a key file its group may read draws the warning too" {
	echo sk-wr-secret-0099 > "$T/key"
	chmod 640 "$T/key"
	run --separate-stderr wr-query -q --api-key-file "$T/key" -u http://127.0.0.1:1/v1 --retries 0 /dev/null
	assert_success
	[ "$stderr" = "wr-query: the key file given to --api-key-file is readable by others" ]
}

@test "a key file only its owner can read draws no warning" {
	echo sk-wr-secret-0099 > "$T/key"
	chmod 600 "$T/key"
	run --separate-stderr wr-query -q --api-key-file "$T/key" -u http://127.0.0.1:1/v1 --retries 0 /dev/null
	assert_success
	[ "$stderr" = "" ]
}

@test "the key from a key file never shows in results, stdout, stderr or -v logs, right or refused" {
	(umask 077; echo sk-wr-secret-0099 > "$T/serverkey"; echo sk-wr-secret-0099 > "$T/key"
	 echo sk-wr-wrong-0077 > "$T/wrong")
	start_serve --key-file "$T/serverkey"
	wr-query -v -j 2 -o "$T/res" --api-key-file "$T/key" -u "$SERVE_URL" "$REQ" > "$T/out" 2> "$T/err"
	run bash -c "wr-query -v --api-key-file '$T/wrong' -u '$SERVE_URL' '$REQ' > '$T/out401' 2> '$T/err401'; echo \$?"
	assert_output 2
	[ "$(wc -l < "$T/res")" -eq 6 ]
	[ "$(grep -c 'HTTP 200' "$T/err")" -eq 6 ]
	grep -q 'HTTP 401' "$T/err401"
	run grep -c sk-wr- "$T/res" "$T/out" "$T/err" "$T/out401" "$T/err401"
	assert_output "$T/res:0
$T/out:0
$T/err:0
$T/out401:0
$T/err401:0"
}

@test "wr-query starts no child process: no child environment can hold the key" {
	start_hostile silent
	OPENAI_API_KEY=sk-wr-secret-0099 wr-query -q --timeout 30 -u "$HOSTILE_URL" "$T/one.jsonl" > /dev/null 2>&1 3>&- &
	QUERY_PID=$!
	wait_for "socket open by wr-query" has_socket "$QUERY_PID"
	run bash -c "cat /proc/$QUERY_PID/task/*/children"
	assert_success
	assert_output ''
}

# A non-dumpable process's /proc/PID files belong to root. As root we cannot
# see that for our own processes, so wr-query runs as nobody here.
proc_owner_once_running() {
	wait_for "socket open by wr-query" has_socket "$QUERY_PID" && stat -c %U "/proc/$QUERY_PID/environ"
}

@test "while it holds a key wr-query is not dumpable (no core, no ptrace, /proc closed)" {
	[ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null || skip "needs root and setpriv"
	case $WR_BIN in /tmp/*|/root/*) skip "the build is not reachable for nobody" ;; esac
	start_hostile silent
	setpriv --reuid=nobody --regid=nogroup --clear-groups env OPENAI_API_KEY=sk-wr-secret-0099 \
	    "$WR_BIN/wr-query" -q --timeout 30 -u "$HOSTILE_URL" "$FIX/query-requests.jsonl" > /dev/null 2>&1 3>&- &
	QUERY_PID=$!
	run proc_owner_once_running
	assert_output root
}

@test "without a key wr-query stays an ordinary process (the check above can tell)" {
	[ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null || skip "needs root and setpriv"
	case $WR_BIN in /tmp/*|/root/*) skip "the build is not reachable for nobody" ;; esac
	start_hostile silent
	setpriv --reuid=nobody --regid=nogroup --clear-groups env -u OPENAI_API_KEY \
	    "$WR_BIN/wr-query" -q --timeout 30 -u "$HOSTILE_URL" "$FIX/query-requests.jsonl" > /dev/null 2>&1 3>&- &
	QUERY_PID=$!
	run proc_owner_once_running
	assert_output nobody
}

# ---- Hostile servers -------------------------------------------------------------

# Memory of wr-query capped at 300 MB (not under ASan, which reserves far more).
capped_query() {
	local libs
	# Not ldd | grep -q: under pipefail, ldd's SIGPIPE would read as "no ASan".
	libs=$(ldd "$(command -v wr-query)" 2>/dev/null)
	if [[ $libs != *libasan* ]]; then
		ulimit -v 300000
	fi
	wr-query "$@"
}

@test "a 1 GiB answer ends in one response_too_large line, in bounded memory" {
	start_hostile huge
	run --separate-stderr bash -c "set -o pipefail; $(declare -f capped_query); capped_query -q --max-response 1000000 -u '$HOSTILE_URL' '$T/one.jsonl' | jq -c '[.custom_id, .response, .error.code]'"
	# Every request failed and got its error line: wr-query exits 1.
	assert_failure 1
	assert_output '["c5a62931ca6b6d20",null,"response_too_large"]'
}

@test "a server that never answers gives one timeout line per request after --timeout" {
	start_hostile silent
	run --separate-stderr bash -c "set -o pipefail; wr-query -q -j 2 --retries 1 --backoff 0 --timeout 0.3 -u '$HOSTILE_URL' '$REQ' | jq -c '[.custom_id, .response, .error.code, (.error.message | test(\"2 attempts\"))]' | sort"
	# Every request failed and got its error line: wr-query exits 1.
	assert_failure 1
	assert_output '["417e56db6d5cbc6a",null,"timeout",true]
["625b5489314874b9",null,"timeout",true]
["aa66efd551a23471",null,"timeout",true]
["c5a62931ca6b6d20",null,"timeout",true]
["c694e0c66f1c8bc0",null,"timeout",true]
["f2f11b6e38c50ab6",null,"timeout",true]'
}

@test "an answer sent byte by byte past the deadline is a timeout" {
	start_hostile slow
	run --separate-stderr bash -c "set -o pipefail; wr-query -q --retries 0 --timeout 0.5 -u '$HOSTILE_URL' '$T/one.jsonl' | jq -c '[.custom_id, .response, .error.code]'"
	# Every request failed and got its error line: wr-query exits 1.
	assert_failure 1
	assert_output '["c5a62931ca6b6d20",null,"timeout"]'
}

@test "an answer with invalid UTF-8 is an invalid_response, its body kept as valid JSON" {
	start_hostile badutf8
	run --separate-stderr bash -c "set -o pipefail; wr-query -q --retries 0 -u '$HOSTILE_URL' '$T/one.jsonl' | jq -c '[.custom_id, .response.status_code, .error.code, .response.body]'"
	# Every request failed and got its error line: wr-query exits 1.
	assert_failure 1
	assert_output '["c5a62931ca6b6d20",200,"invalid_response","{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"cat;5 '$'\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd''\"}}]}"]'
}

@test "an answer of 100,000 nested brackets is an invalid_response" {
	start_hostile nested
	run --separate-stderr bash -c "set -o pipefail; wr-query -q --retries 0 -u '$HOSTILE_URL' '$T/one.jsonl' | jq -c '[.custom_id, .response.status_code, .error.code, (.response.body | length)]'"
	# Every request failed and got its error line: wr-query exits 1.
	assert_failure 1
	assert_output '["c5a62931ca6b6d20",200,"invalid_response",100000]'
}

@test "a connection closed in the middle of the header is one error line" {
	start_hostile midheader
	run --separate-stderr bash -c "set -o pipefail; wr-query -q --retries 2 --backoff 0 -u '$HOSTILE_URL' '$T/one.jsonl' | jq -c '[.custom_id, .error.code, (.error.message | test(\"3 attempts\"))]'"
	# Every request failed and got its error line: wr-query exits 1.
	assert_failure 1
	assert_output '["c5a62931ca6b6d20","invalid_response",true]'
}

@test "hostile answers never break the result stream: every line is JSON, one per request" {
	local mode rc
	for mode in badutf8 nested midheader; do
		start_hostile "$mode"
		rc=0
		wr-query -q --retries 0 -u "$HOSTILE_URL" "$REQ" >> "$T/res" 2>/dev/null || rc=$?
		# Every request failed, and was written: exit 1.
		assert_equal "$mode $rc" "$mode 1"
		kill -TERM "$HOSTILE_PID"
		wait "$HOSTILE_PID" 2>/dev/null || true
		HOSTILE_PID=
	done
	assert_equal "$(wc -l < "$T/res")" 18
	run jq -r .error.code "$T/res"
	assert_equal "$(printf '%s\n' "$output" | sort | uniq -c | awk '{print $1, $2}')" "18 invalid_response"
	# Nothing to rate: every entry is missing, wr-parse exits 1.
	run --separate-stderr wr-parse -q "$T/res"
	assert_failure 1
	assert_output ""
}

# ---- Rude clients of wr-serve -------------------------------------------------------

@test "wr-serve answers a request that is not HTTP with 400 and goes on" {
	start_serve
	run bash -c "printf 'NOT HTTP AT ALL\r\n\r\n' | python3 '$SERVERS/client.py' raw $SERVE_PORT"
	assert_output 'HTTP/1.1 400 Bad Request'
	run python3 "$SERVERS/client.py" flood "$SERVE_PORT" 1
	assert_output 'HTTP/1.1 200 OK 1'
}

@test "wr-serve answers a bad Content-Length with 400 and goes on" {
	start_serve
	run bash -c "printf 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n' | python3 '$SERVERS/client.py' raw $SERVE_PORT"
	assert_output 'HTTP/1.1 400 Bad Request'
	run python3 "$SERVERS/client.py" flood "$SERVE_PORT" 1
	assert_output 'HTTP/1.1 200 OK 1'
}

@test "wr-serve answers a 200 kB header with 431 and goes on" {
	start_serve
	run bash -c "{ printf 'GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: '; head -c 200000 /dev/zero | tr '\0' a; printf '\r\n\r\n'; } | python3 '$SERVERS/client.py' raw $SERVE_PORT"
	assert_output 'HTTP/1.1 431 Request Header Fields Too Large'
	run python3 "$SERVERS/client.py" flood "$SERVE_PORT" 1
	assert_output 'HTTP/1.1 200 OK 1'
}

@test "wr-serve answers 1,000 concurrent connections" {
	start_serve
	run python3 "$SERVERS/client.py" flood "$SERVE_PORT" 1000
	assert_success
	assert_output 'HTTP/1.1 200 OK 1000'
}

@test "wr-serve keeps answering while 50 clients hang in the middle of their bodies" {
	start_serve
	run python3 "$SERVERS/client.py" stall "$SERVE_PORT" 50
	assert_success
	assert_output 'HTTP/1.1 200 OK'
}
