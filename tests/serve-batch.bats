#!/usr/bin/env bats
# wr-serve's batch APIs through curl on 127.0.0.1: OpenAI Files and Batches,
# Anthropic Message Batches, the compressed clock, job faults and hangs.
# Times are short (--batch-time 100 to 2000 ms); every wait polls, at most 8 s.

setup() {
	load helper
	REQ=$FIX/serve-request.json
	T=$BATS_TEST_TMPDIR
}

teardown() {
	stop_serve
}

# body N: a chat completion body of its own for line N (compact, no newline).
body() {
	jq -c --arg e "word$1" '.messages[1].content += "\n" + $e' "$REQ"
}

# requests N [ID-PREFIX]: N lines of the OpenAI batch input format.
requests() {
	local i
	for ((i = 1; i <= $1; i++)); do
		printf '{"custom_id":"%s%d","method":"POST","url":"/v1/chat/completions","body":%s}\n' \
		    "${2:-r}" "$i" "$(body "$i")"
	done
}

# upload FILE [curl options...]: POST FILE to /v1/files, print the File object.
upload() {
	local file=$1
	shift
	curl -s "$SERVE_URL/files" -F purpose=batch -F "file=@$file" "$@"
}

# create FILE-ID [METADATA-JSON]: create a batch, print the Batch object.
create() {
	curl -s "$SERVE_URL/batches" -H 'Content-Type: application/json' --data-binary @- <<-EOF
	{"input_file_id":"$1","endpoint":"/v1/chat/completions","completion_window":"24h","metadata":${2:-null}}
	EOF
}

# job N [FAULT-OPTIONS...]: upload N requests and create a batch; sets FID and BID.
job() {
	requests "$1" > "$T/in.jsonl"
	FID=$(upload "$T/in.jsonl" | jq -r .id)
	BID=$(create "$FID" | jq -r .id)
}

get() {
	curl -s "$SERVE_URL/batches/$1"
}

# wait_batch ID: poll until the batch has ended; print it.
wait_batch() {
	local i out
	for ((i = 0; i < 400; i++)); do
		out=$(get "$1")
		case $(jq -r .status <<< "$out") in
		completed|failed|expired|cancelled) echo "$out"; return 0 ;;
		esac
		sleep 0.02
	done
	echo "batch $1 did not end: $out" >&2
	return 1
}

content() {
	curl -s "$SERVE_URL/files/$1/content"
}

# live FILE: the answer of a live call of each body in the request FILE, one a line.
live() {
	local b
	jq -c .body "$1" | while IFS= read -r b; do
		printf '%s' "$b" | curl -s "$SERVE_URL/chat/completions" --data-binary @-
		echo
	done
}

# Anthropic: the headers every call takes, and its calls.
AH=(-H 'anthropic-version: 2023-06-01' -H 'content-type: application/json')

# arequests N [ID-PREFIX]: a Message Batches create body of N requests.
arequests() {
	local i sep=
	printf '{"requests":['
	for ((i = 1; i <= $1; i++)); do
		printf '%s{"custom_id":"%s%d","params":{"model":"claude-test","max_tokens":1024,"messages":[{"role":"user","content":"Rate.\\n\\ncat\\nword%d"}]}}' \
		    "$sep" "${2:-a}" "$i" "$i"
		sep=,
	done
	printf ']}'
}

acreate() {
	curl -s "${AH[@]}" "$SERVE_URL/messages/batches" --data-binary @-
}

aget() {
	curl -s "${AH[@]}" "$SERVE_URL/messages/batches/$1"
}

await() {
	local i out
	for ((i = 0; i < 400; i++)); do
		out=$(aget "$1")
		[ "$(jq -r .processing_status <<< "$out")" != ended ] || { echo "$out"; return 0; }
		sleep 0.02
	done
	echo "message batch $1 did not end: $out" >&2
	return 1
}

# field JSON FILTER: jq -c of FILTER on JSON.
field() {
	jq -c "$2" <<< "$1"
}

# --- OpenAI Files

@test "an upload answers a File object of purpose batch" {
	start_serve
	requests 3 > "$T/in.jsonl"
	run upload "$T/in.jsonl"
	assert_success
	assert_equal "$(field "$output" 'keys_unsorted')" '["id","object","bytes","created_at","filename","purpose","status"]'
	assert_equal "$(field "$output" '[.object,.bytes,.filename,.purpose,.status]')" \
	    "[\"file\",$(wc -c < "$T/in.jsonl"),\"in.jsonl\",\"batch\",\"processed\"]"
	assert_equal "$(field "$output" '.id | test("^file-[0-9a-f]{24}$")')" true
}

@test "an upload is retrieved, read back byte for byte and deleted" {
	start_serve
	requests 3 > "$T/in.jsonl"
	FID=$(upload "$T/in.jsonl" | jq -r .id)
	run curl -s "$SERVE_URL/files/$FID"
	assert_equal "$(field "$output" '[.id,.object,.purpose]')" "[\"$FID\",\"file\",\"batch\"]"
	content "$FID" > "$T/back"
	cmp "$T/in.jsonl" "$T/back"
	run curl -s -X DELETE "$SERVE_URL/files/$FID"
	assert_output "{\"id\":\"$FID\",\"object\":\"file\",\"deleted\":true}"
	run curl -s -w ' %{http_code}' "$SERVE_URL/files/$FID"
	assert_output "{\"error\":{\"message\":\"No such File object: $FID\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}} 404"
}

@test "an upload of another purpose is refused" {
	start_serve
	requests 1 > "$T/in.jsonl"
	run curl -s -w ' %{http_code}' "$SERVE_URL/files" -F purpose=fine-tune -F "file=@$T/in.jsonl"
	assert_output "{\"error\":{\"message\":\"Invalid value for 'purpose': wr-serve takes files of purpose 'batch' only.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}} 400"
}

@test "an upload larger than --max-body is taken" {
	start_serve --max-body 1000
	requests 40 > "$T/in.jsonl"
	run upload "$T/in.jsonl"
	assert_equal "$(field "$output" .bytes)" "$(wc -c < "$T/in.jsonl")"
}

# --- OpenAI Batches

@test "a new batch is validating, with every field of OpenAI's Batch object" {
	start_serve --batch-time 5000
	requests 3 > "$T/in.jsonl"
	FID=$(upload "$T/in.jsonl" | jq -r .id)
	run create "$FID" '{"run":"a"}'
	assert_equal "$(field "$output" 'keys_unsorted')" '["id","object","endpoint","errors","input_file_id","completion_window","status","output_file_id","error_file_id","created_at","in_progress_at","expires_at","finalizing_at","completed_at","failed_at","expired_at","cancelling_at","cancelled_at","request_counts","metadata"]'
	assert_equal "$(field "$output" '[.object,.endpoint,.errors,.input_file_id,.completion_window,.status,.output_file_id,.error_file_id,.in_progress_at,.request_counts,.metadata]')" \
	    "[\"batch\",\"/v1/chat/completions\",null,\"$FID\",\"24h\",\"validating\",null,null,null,{\"total\":3,\"completed\":0,\"failed\":0},{\"run\":\"a\"}]"
	assert_equal "$(field "$output" '(.id | test("^batch_[0-9a-f]{32}$")) and .expires_at == .created_at + 86400')" true
}

@test "a batch goes in_progress with a growing count, then completed" {
	start_serve --batch-time 2000
	job 100
	sleep 1
	run get "$BID"
	assert_equal "$(field "$output" '.status')" '"in_progress"'
	assert_equal "$(field "$output" '.request_counts.completed > 0 and .request_counts.completed < 100 and .in_progress_at != null')" true
	run wait_batch "$BID"
	assert_equal "$(field "$output" '[.status,.request_counts,.error_file_id,(.completed_at != null),(.finalizing_at != null)]')" \
	    '["completed",{"total":100,"completed":100,"failed":0},null,true,true]'
}

@test "the output lines are the live answers of the same bodies" {
	start_serve --batch-time 100 --style mix --seed 7
	job 20
	OUT=$(wait_batch "$BID" | jq -r .output_file_id)
	content "$OUT" > "$T/out.jsonl"
	run jq -c '[.custom_id, .response.status_code, .error]' "$T/out.jsonl"
	assert_line --index 0 '["r1",200,null]'
	assert_line --index 19 '["r20",200,null]'
	assert_equal "${#lines[@]}" 20
	jq -c .response.body "$T/out.jsonl" > "$T/batch-bodies"
	live "$T/in.jsonl" > "$T/live-bodies"
	cmp "$T/batch-bodies" "$T/live-bodies"
	assert_equal "$(jq -r '"\(.response.request_id) \(.response.body.id)"' "$T/out.jsonl" | head -n 1 | sed 's/req_\(.*\) chatcmpl-\1$/same/')" same
}

@test "an input file that is not a batch input fails validation" {
	start_serve --batch-time 100
	{ requests 1; echo 'not json'; } > "$T/in.jsonl"
	FID=$(upload "$T/in.jsonl" | jq -r .id)
	BID=$(create "$FID" | jq -r .id)
	run wait_batch "$BID"
	assert_equal "$(field "$output" '[.status,.errors,.output_file_id,.error_file_id]')" \
	    '["failed",{"object":"list","data":[{"code":"invalid_json_line","message":"This line is not parseable as valid JSON.","param":null,"line":2}]},null,null]'
}

@test "a line whose body is no chat request is a 400 in the error file" {
	start_serve --batch-time 100
	{ requests 2; echo '{"custom_id":"bad","method":"POST","url":"/v1/chat/completions","body":{"model":"m"}}'; } > "$T/in.jsonl"
	FID=$(upload "$T/in.jsonl" | jq -r .id)
	BID=$(create "$FID" | jq -r .id)
	run wait_batch "$BID"
	assert_equal "$(field "$output" '.request_counts')" '{"total":3,"completed":2,"failed":1}'
	run content "$(jq -r .error_file_id <<< "$output")"
	assert_equal "$(field "$output" '[.custom_id,.response.status_code,.response.body,.error]')" \
	    '["bad",400,{"error":{"message":"messages must be an array.","type":"invalid_request_error","param":null,"code":"invalid_request"}},null]'
}

@test "a batch of an unknown file is 404 and of another endpoint 400" {
	start_serve
	run curl -s -w ' %{http_code}' "$SERVE_URL/batches" -d '{"input_file_id":"file-nope","endpoint":"/v1/chat/completions","completion_window":"24h"}'
	assert_output '{"error":{"message":"No such File object: file-nope","type":"invalid_request_error","param":null,"code":null}} 404'
	requests 1 > "$T/in.jsonl"
	FID=$(upload "$T/in.jsonl" | jq -r .id)
	run curl -s -w ' %{http_code}' "$SERVE_URL/batches" -d "{\"input_file_id\":\"$FID\",\"endpoint\":\"/v1/embeddings\",\"completion_window\":\"24h\"}"
	assert_output "{\"error\":{\"message\":\"Invalid value for 'endpoint': /v1/embeddings. wr-serve batches /v1/chat/completions only.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_value\"}} 400"
}

@test "the list is newest first, pages with limit and after, and keeps metadata" {
	start_serve
	requests 1 > "$T/in.jsonl"
	FID=$(upload "$T/in.jsonl" | jq -r .id)
	A=$(create "$FID" '{"n":"1"}' | jq -r .id)
	B=$(create "$FID" '{"n":"2"}' | jq -r .id)
	C=$(create "$FID" '{"n":"3"}' | jq -r .id)
	run curl -s "$SERVE_URL/batches?limit=2"
	assert_equal "$(field "$output" '[.object,[.data[].metadata.n],.first_id,.last_id,.has_more]')" "[\"list\",[\"3\",\"2\"],\"$C\",\"$B\",true]"
	run curl -s "$SERVE_URL/batches?limit=2&after=$B"
	assert_equal "$(field "$output" '[[.data[].id],.first_id,.last_id,.has_more]')" "[[\"$A\"],\"$A\",\"$A\",false]"
	run curl -s "$SERVE_URL/batches"
	assert_equal "$(field "$output" '[(.data | length), .has_more]')" '[3,false]'
	run curl -s -w ' %{http_code}' "$SERVE_URL/batches?limit=101"
	assert_equal "${output##* }" 400
}

@test "a cancelled batch keeps what was answered; the rest is batch_cancelled" {
	start_serve --batch-time 2000
	job 100
	sleep 0.8
	run curl -s "$SERVE_URL/batches/$BID/cancel" -X POST
	assert_equal "$(field "$output" '[.status, (.cancelling_at != null)]')" '["cancelling",true]'
	run wait_batch "$BID"
	assert_equal "$(field "$output" '[.status, (.cancelled_at != null), .request_counts.failed]')" '["cancelled",true,0]'
	done=$(field "$output" .request_counts.completed)
	[ "$done" -gt 0 ] && [ "$done" -lt 100 ]
	assert_equal "$(content "$(jq -r .output_file_id <<< "$output")" | wc -l)" "$done"
	run content "$(jq -r .error_file_id <<< "$output")"
	assert_equal "${#lines[@]}" $((100 - done))
	assert_equal "$(field "${lines[0]}" '[.response,.error.code]')" '[null,"batch_cancelled"]'
	run curl -s -w ' %{http_code}' "$SERVE_URL/batches/$BID/cancel" -X POST
	assert_equal "${output##* }" 409
}

# --- OpenAI job faults

@test "--batch-fault invalid fails the job in validation with an error on line 1" {
	start_serve --batch-time 4000 --batch-fault invalid
	job 3
	run get "$BID"
	assert_equal "$(field "$output" .status)" '"validating"'
	run wait_batch "$BID"
	assert_equal "$(field "$output" '[.status,.errors.data[0].code,.errors.data[0].line,.output_file_id,.error_file_id,(.failed_at != null)]')" \
	    '["failed","invalid_request",1,null,null,true]'
}

@test "--batch-fault quota fails the job with token_limit_exceeded" {
	start_serve --batch-time 100 --batch-fault quota
	job 3
	run wait_batch "$BID"
	assert_equal "$(field "$output" '[.status,.errors.data[0].code]')" '["failed","token_limit_exceeded"]'
	assert_equal "$(field "$output" '.errors.data[0].message | test("^Enqueued token limit reached for .* Please try again once some in_progress batches have been completed[.]$")')" true
}

@test "--batch-fault expire answers half the lines; the rest are batch_expired" {
	start_serve --batch-time 200 --batch-fault expire
	job 10
	run wait_batch "$BID"
	assert_equal "$(field "$output" '[.status,.request_counts,(.expired_at != null)]')" '["expired",{"total":10,"completed":5,"failed":0},true]'
	assert_equal "$(content "$(jq -r .output_file_id <<< "$output")" | jq -r .custom_id | tr '\n' ' ')" 'r1 r2 r3 r4 r5 '
	run content "$(jq -r .error_file_id <<< "$output")"
	assert_equal "${#lines[@]}" 5
	assert_equal "${lines[0]}" "$(jq -c .id <<< "${lines[0]}" | sed 's/^/{"id":/'),\"custom_id\":\"r6\",\"response\":null,\"error\":{\"code\":\"batch_expired\",\"message\":\"This request could not be executed before the completion window expired.\"}}"
}

@test "--batch-fault errors fails every fifth line with a 500" {
	start_serve --batch-time 100 --batch-fault errors
	job 10
	run wait_batch "$BID"
	assert_equal "$(field "$output" '[.status,.request_counts]')" '["completed",{"total":10,"completed":8,"failed":2}]'
	run content "$(jq -r .error_file_id <<< "$output")"
	assert_equal "$(jq -c '[.custom_id,.response.status_code,.response.body.error.type,.error]' <<< "$output" | tr '\n' ' ')" \
	    '["r5",500,"server_error",null] ["r10",500,"server_error",null] '
}

@test "--batch-fault cancel has the provider cancel the job half-way" {
	start_serve --batch-time 200 --batch-fault cancel
	job 10
	run wait_batch "$BID"
	assert_equal "$(field "$output" '[.status,.request_counts.completed,(.cancelling_at != null)]')" '["cancelled",5,true]'
	assert_equal "$(content "$(jq -r .error_file_id <<< "$output")" | jq -r '.custom_id + " " + .error.code' | head -n 1)" 'r6 batch_cancelled'
}

@test "--batch-fault create-429 refuses the first create calls with Retry-After" {
	start_serve --batch-fault create-429:2
	requests 1 > "$T/in.jsonl"
	FID=$(upload "$T/in.jsonl" | jq -r .id)
	for i in 1 2; do
		run curl -s -i "$SERVE_URL/batches" -d "{\"input_file_id\":\"$FID\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}"
		assert_line --partial 'HTTP/1.1 429'
		assert_line --partial 'Retry-After: 1'
		assert_line --partial '"code":"rate_limit_exceeded"'
	done
	run create "$FID"
	assert_equal "$(field "$output" .status)" '"validating"'
	run curl -s "$SERVE_URL/batches"
	assert_equal "$(field "$output" '.data | length')" 1
}

@test "batch faults are used in the order given, each for its count" {
	start_serve --batch-time 100 --batch-fault invalid --batch-fault expire:2
	requests 4 > "$T/in.jsonl"
	FID=$(upload "$T/in.jsonl" | jq -r .id)
	for i in 1 2 3 4; do
		ids[i]=$(create "$FID" | jq -r .id)
	done
	out=
	for i in 1 2 3 4; do
		out+="$(wait_batch "${ids[i]}" | jq -r .status) "
	done
	assert_equal "$out" 'failed expired expired completed '
}

# --- keys, log and hangs

@test "the batch APIs check the key as live calls do" {
	echo sk-batch-key > "$T/key"
	start_serve --key-file "$T/key"
	requests 1 > "$T/in.jsonl"
	run curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/files" -F purpose=batch -F "file=@$T/in.jsonl"
	assert_output 401
	run curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/batches" -H 'Authorization: Bearer wrong'
	assert_output 401
	run curl -s -w ' %{http_code}' "${AH[@]}" "$SERVE_URL/messages/batches"
	assert_output '{"type":"error","error":{"type":"authentication_error","message":"x-api-key header is required"}} 401'
	run upload "$T/in.jsonl" -H 'Authorization: Bearer sk-batch-key'
	assert_equal "$(field "$output" .object)" '"file"'
	run curl -s "${AH[@]}" -H 'x-api-key: sk-batch-key' "$SERVE_URL/messages/batches"
	assert_equal "$(field "$output" .data)" '[]'
}

@test "a batch request refused for its key is logged with its path" {
	echo sk-batch-key > "$T/key"
	start_serve --key-file "$T/key" --log "$T/log"
	curl -s -o /dev/null "$SERVE_URL/batches"
	run cat "$T/log"
	assert_output '401	-	0	GET /v1/batches'
}

@test "batch requests are logged with their fault" {
	start_serve --batch-time 100 --batch-fault expire --log "$T/log"
	job 4
	wait_batch "$BID" > /dev/null
	run cat "$T/log"
	assert_line --index 0 '200	-	0	POST /v1/files'
	assert_line --index 1 "200	expire	4	POST /v1/batches"
	assert_line "200	expire	4	GET /v1/batches/$BID"
}

@test "--batch-hang create creates the batch, logs hang and withholds the answer" {
	start_serve --batch-hang create --log "$T/log"
	requests 2 > "$T/in.jsonl"
	FID=$(upload "$T/in.jsonl" | jq -r .id)
	run curl -s -m 1 "$SERVE_URL/batches" -d "{\"input_file_id\":\"$FID\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}"
	assert_failure 28
	assert_equal "$(tail -n 1 "$T/log")" '200	hang	2	POST /v1/batches'
	run curl -s "$SERVE_URL/batches"
	assert_equal "$(field "$output" '[(.data | length), .data[0].input_file_id]')" "[1,\"$FID\"]"
	run create "$FID"
	assert_equal "$(field "$output" .object)" '"batch"'
}

@test "a hung answer goes out when wr-serve stops" {
	start_serve --batch-hang upload --log "$T/log"
	requests 2 > "$T/in.jsonl"
	upload "$T/in.jsonl" > "$T/answer" 3>&- &
	pid=$!
	for ((i = 0; i < 250; i++)); do
		grep -q hang "$T/log" 2>/dev/null && break
		sleep 0.02
	done
	assert_equal "$(cat "$T/log")" '200	hang	0	POST /v1/files'
	stop_serve
	wait "$pid"
	assert_equal "$(jq -r .object "$T/answer")" file
}

@test "--batch-hang retrieve and content withhold only the first answer" {
	start_serve --batch-time 0 --batch-hang retrieve --batch-hang content
	job 2
	run curl -s -m 1 "$SERVE_URL/batches/$BID"
	assert_failure 28
	OUT=$(get "$BID" | jq -r .output_file_id)
	run curl -s -m 1 "$SERVE_URL/files/$OUT/content"
	assert_failure 28
	assert_equal "$(content "$OUT" | wc -l)" 2
}

@test "an unknown batch option value is a usage error" {
	run wr-serve --batch-fault sometimes
	assert_failure 2
	assert_output 'wr-serve: --batch-fault sometimes: unknown fault (invalid, expire, errors, cancel, create-429, quota)'
	run wr-serve --batch-hang poll
	assert_failure 2
	assert_output 'wr-serve: --batch-hang poll: unknown step (upload, create, retrieve, content)'
}

# --- Anthropic Message Batches

@test "a new message batch is in_progress with every field of Anthropic's MessageBatch" {
	start_serve --batch-time 5000
	run acreate < <(arequests 3)
	assert_equal "$(field "$output" 'keys_unsorted')" '["id","type","processing_status","request_counts","ended_at","created_at","expires_at","archived_at","cancel_initiated_at","results_url"]'
	assert_equal "$(field "$output" '[.type,.processing_status,.request_counts,.ended_at,.archived_at,.cancel_initiated_at,.results_url]')" \
	    '["message_batch","in_progress",{"processing":3,"succeeded":0,"errored":0,"canceled":0,"expired":0},null,null,null,null]'
	assert_equal "$(field "$output" '(.id | test("^msgbatch_[0-9a-f]{24}$")) and (.created_at | test("^[0-9-]{10}T[0-9:]{8}[.][0-9]{6}Z$"))')" true
}

@test "an ended message batch has its results at wr-serve's results_url" {
	start_serve --batch-time 100
	ID=$(arequests 3 | acreate | jq -r .id)
	run await "$ID"
	assert_equal "$(field "$output" '[.request_counts,.results_url,(.ended_at != null)]')" \
	    "[{\"processing\":0,\"succeeded\":3,\"errored\":0,\"canceled\":0,\"expired\":0},\"http://127.0.0.1:$SERVE_PORT/v1/messages/batches/$ID/results\",true]"
	curl -s "${AH[@]}" "$(jq -r .results_url <<< "$output")" > "$T/results"
	run jq -c '[.custom_id,.result.type]' "$T/results"
	assert_output - <<-'EOF'
	["a1","succeeded"]
	["a2","succeeded"]
	["a3","succeeded"]
	EOF
	arequests 3 | jq -c '.requests[].params' | while IFS= read -r p; do
		printf '%s' "$p" | curl -s "${AH[@]}" "$SERVE_URL/messages" --data-binary @-
		echo
	done > "$T/live"
	cmp "$T/live" <(jq -c .result.message "$T/results")
}

@test "results before the end are 404 in Anthropic's shape" {
	start_serve --batch-time 5000
	ID=$(arequests 1 | acreate | jq -r .id)
	run curl -s -w ' %{http_code}' "${AH[@]}" "$SERVE_URL/messages/batches/$ID/results"
	assert_output "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"Message batch $ID has no results yet: it has not ended.\"}} 404"
}

@test "a cancelled message batch is canceling, then ended with canceled results" {
	start_serve --batch-time 2000
	ID=$(arequests 50 | acreate | jq -r .id)
	sleep 0.8
	run curl -s -X POST "${AH[@]}" "$SERVE_URL/messages/batches/$ID/cancel"
	assert_equal "$(field "$output" '[.processing_status,(.cancel_initiated_at != null)]')" '["canceling",true]'
	run await "$ID"
	n=$(field "$output" .request_counts.canceled)
	[ "$n" -gt 0 ] && [ "$n" -lt 50 ]
	assert_equal "$(field "$output" '.request_counts.succeeded + .request_counts.canceled')" 50
	run curl -s "${AH[@]}" "$SERVE_URL/messages/batches/$ID/results"
	assert_equal "${lines[49]}" '{"custom_id":"a50","result":{"type":"canceled"}}'
}

@test "a custom_id off the pattern or used twice is a 400" {
	start_serve
	run acreate <<< '{"requests":[{"custom_id":"has space","params":{}}]}'
	assert_output '{"type":"error","error":{"type":"invalid_request_error","message":"requests.0.custom_id: String should match pattern '"'"'^[a-zA-Z0-9_-]{1,64}$'"'"'"}}'
	run acreate < <(arequests 1 | jq -c '.requests += .requests')
	assert_output '{"type":"error","error":{"type":"invalid_request_error","message":"requests.1.custom_id: the custom_id '"'"'a1'"'"' is used by another request; each must be unique within the batch"}}'
	run acreate < <(arequests 1 | jq -c --arg id "$(printf 'x%.0s' {1..65})" '.requests[0].custom_id = $id')
	assert_output --partial 'String should match pattern'
}

@test "the message batch list pages newest first with after_id and before_id" {
	start_serve
	A=$(arequests 1 | acreate | jq -r .id)
	B=$(arequests 1 | acreate | jq -r .id)
	C=$(arequests 1 | acreate | jq -r .id)
	run curl -s "${AH[@]}" "$SERVE_URL/messages/batches?limit=2"
	assert_equal "$(field "$output" '[[.data[].id],.has_more,.first_id,.last_id]')" "[[\"$C\",\"$B\"],true,\"$C\",\"$B\"]"
	run curl -s "${AH[@]}" "$SERVE_URL/messages/batches?limit=2&after_id=$B"
	assert_equal "$(field "$output" '[[.data[].id],.has_more]')" "[[\"$A\"],false]"
	run curl -s "${AH[@]}" "$SERVE_URL/messages/batches?limit=1&before_id=$A"
	assert_equal "$(field "$output" '[[.data[].id],.has_more]')" "[[\"$B\"],true]"
	run curl -s "${AH[@]}" "$SERVE_URL/messages/batches?limit=5&before_id=$A"
	assert_equal "$(field "$output" '[[.data[].id],.has_more]')" "[[\"$C\",\"$B\"],false]"
}

@test "Anthropic job faults: expire, errors and cancel shape the results" {
	start_serve --batch-time 100 --batch-fault expire --batch-fault errors --batch-fault cancel
	for f in expire errors cancel; do
		id=$(arequests 10 | acreate | jq -r .id)
		await "$id" > "$T/$f.batch"
		curl -s "${AH[@]}" "$SERVE_URL/messages/batches/$id/results" | jq -r .result.type | sort | uniq -c | tr -s ' \n' ' ' > "$T/$f"
	done
	assert_equal "$(cat "$T/expire")" ' 5 expired 5 succeeded '
	assert_equal "$(cat "$T/errors")" ' 2 errored 8 succeeded '
	assert_equal "$(cat "$T/cancel")" ' 5 canceled 5 succeeded '
	assert_equal "$(jq -c .request_counts "$T/errors.batch")" '{"processing":0,"succeeded":8,"errored":2,"canceled":0,"expired":0}'
}

@test "Anthropic create faults: invalid is 400, quota and create-429 are 429" {
	start_serve --batch-fault invalid --batch-fault quota --batch-fault create-429
	run curl -s -w ' %{http_code}' "${AH[@]}" "$SERVE_URL/messages/batches" --data-binary "$(arequests 1)"
	assert_output '{"type":"error","error":{"type":"invalid_request_error","message":"requests.0.params: the request is invalid (wr-serve --batch-fault invalid)"}} 400'
	run curl -s -w ' %{http_code}' "${AH[@]}" "$SERVE_URL/messages/batches" --data-binary "$(arequests 1)"
	assert_equal "$(field "${output% *}" .error.type) ${output##* }" '"rate_limit_error" 429'
	run curl -s -i "${AH[@]}" "$SERVE_URL/messages/batches" --data-binary "$(arequests 1)"
	assert_line --partial 'HTTP/1.1 429'
	assert_line --partial 'Retry-After: 1'
	run acreate < <(arequests 1)
	assert_equal "$(field "$output" .processing_status)" '"in_progress"'
}

# --- Gemini batch mode

# groot: the Gemini base URL of the running wr-serve.
groot() {
	echo "${SERVE_URL%/v1}/v1beta"
}

# grequest N: a GenerateContentRequest of its own for request N.
grequest() {
	printf '{"contents":[{"role":"user","parts":[{"text":"Rate.\\n\\ncat\\nword%d"}]}]}' "$1"
}

# grequests N [KEY-PREFIX]: a batchGenerateContent body of N inlined requests.
grequests() {
	local i sep=
	printf '{"batch":{"displayName":"wr-test","inputConfig":{"requests":{"requests":['
	for ((i = 1; i <= $1; i++)); do
		printf '%s{"request":%s,"metadata":{"key":"%s%d"}}' "$sep" "$(grequest "$i")" "${2:-g}" "$i"
		sep=,
	done
	printf ']}}}}'
}

# gcreate [MODEL]: create a batch from the body on stdin; print the Operation.
gcreate() {
	curl -s "$(groot)/models/${1:-gemini-test}:batchGenerateContent" --data-binary @-
}

gget() {
	curl -s "$(groot)/$1"
}

# gwait NAME: poll until the Operation is done; print it.
gwait() {
	local i out
	for ((i = 0; i < 400; i++)); do
		out=$(gget "$1")
		[ "$(jq -r .done <<< "$out")" != true ] || { echo "$out"; return 0; }
		sleep 0.02
	done
	echo "batch $1 did not end: $out" >&2
	return 1
}

@test "a new Gemini batch is a pending Operation with the GenerateContentBatch as metadata" {
	start_serve --batch-time 5000
	run gcreate gemini-2.5-flash < <(grequests 3)
	assert_equal "$(field "$output" '[keys_unsorted, (.metadata | keys_unsorted)]')" \
	    '[["name","metadata"],["@type","model","displayName","createTime","updateTime","batchStats","state","name"]]'
	assert_equal "$(field "$output" '.metadata | [."@type",.model,.displayName,.batchStats,.state]')" \
	    '["type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch","models/gemini-2.5-flash","wr-test",{"requestCount":"3","pendingRequestCount":"3"},"BATCH_STATE_PENDING"]'
	assert_equal "$(field "$output" '(.name | test("^batches/[0-9a-f]{32}$")) and .name == .metadata.name and (.metadata.createTime | test("^[0-9-]{10}T[0-9:]{8}[.][0-9]{6}Z$"))')" true
}

@test "a Gemini batch runs, then succeeds with the live answers inlined in request order" {
	start_serve --batch-time 300
	NAME=$(grequests 3 | gcreate | jq -r .name)
	run gwait "$NAME"
	assert_equal "$(field "$output" '[.done,.metadata.state,.metadata.batchStats,.response."@type",(.metadata.endTime != null)]')" \
	    '[true,"BATCH_STATE_SUCCEEDED",{"requestCount":"3","successfulRequestCount":"3"},"type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput",true]'
	assert_equal "$(field "$output" '[.response.inlinedResponses.inlinedResponses[].metadata.key]')" '["g1","g2","g3"]'
	assert_equal "$(field "$output" '.metadata.output.inlinedResponses == .response.inlinedResponses')" true
	for i in 1 2 3; do
		curl -s "$(groot)/models/gemini-test:generateContent" -d "$(grequest "$i")"
		echo
	done > "$T/live"
	cmp "$T/live" <(jq -c '.response.inlinedResponses.inlinedResponses[].response' <<< "$output")
}

@test "a Gemini request that is no GenerateContentRequest is an INVALID_ARGUMENT Status in its place" {
	start_serve --batch-time 100
	NAME=$(grequests 2 | jq -c '.batch.inputConfig.requests.requests[0].request = {"contents":"x"}' | gcreate | jq -r .name)
	run gwait "$NAME"
	assert_equal "$(field "$output" '[.metadata.batchStats, .response.inlinedResponses.inlinedResponses[0]]')" \
	    '[{"requestCount":"2","successfulRequestCount":"1","failedRequestCount":"1"},{"error":{"code":3,"message":"* GenerateContentRequest.contents: contents is not specified"},"metadata":{"key":"g1"}}]'
}

@test "a Gemini create over 20 MB, or without requests, is a 400 INVALID_ARGUMENT" {
	start_serve
	head -c $((20 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' > "$T/big"
	run curl -s -w ' %{http_code}' "$(groot)/models/m:batchGenerateContent" --data-binary "@$T/big"
	assert_output '{"error":{"code":400,"message":"Request payload size exceeds the limit: 20971520 bytes.","status":"INVALID_ARGUMENT"}} 400'
	run curl -s -w ' %{http_code}' "$(groot)/models/m:batchGenerateContent" -d '{"batch":{"displayName":"x","inputConfig":{"requests":{"requests":[]}}}}'
	assert_output '{"error":{"code":400,"message":"* BatchGenerateContentRequest.batch.input_config.requests: requests is not specified","status":"INVALID_ARGUMENT"}} 400'
}

@test "Gemini batches list newest first by pageSize and pageToken; cancel answers {}; DELETE removes" {
	start_serve --batch-time 60000
	A=$(grequests 1 | gcreate | jq -r .name)
	B=$(grequests 1 | gcreate | jq -r .name)
	C=$(grequests 1 | gcreate | jq -r .name)
	run curl -s "$(groot)/batches?pageSize=2"
	assert_equal "$(field "$output" '[[.operations[].name],.nextPageToken]')" "[[\"$C\",\"$B\"],\"${B#batches/}\"]"
	run curl -s "$(groot)/batches?pageSize=2&pageToken=$(jq -r .nextPageToken <<< "$output")"
	assert_equal "$(field "$output" '[[.operations[].name],.nextPageToken]')" "[[\"$A\"],null]"
	run curl -s -X POST "$(groot)/$B:cancel"
	assert_output '{}'
	run gwait "$B"
	assert_equal "$(field "$output" '[.metadata.state,.done]')" '["BATCH_STATE_CANCELLED",true]'
	run curl -s -X DELETE "$(groot)/$A"
	assert_output '{}'
	run curl -s -w ' %{http_code}' "$(groot)/$A"
	assert_output "{\"error\":{\"code\":404,\"message\":\"Requested entity was not found: $A.\",\"status\":\"NOT_FOUND\"}} 404"
}

# One fault a line: fault|state|batchStats|the inlined items, k for a response, an error's code otherwise|the Operation's error
GFAULTS='expire|BATCH_STATE_EXPIRED|{"requestCount":"10","successfulRequestCount":"5"}|k k k k k|null
errors|BATCH_STATE_SUCCEEDED|{"requestCount":"10","successfulRequestCount":"8","failedRequestCount":"2"}|k k k k 13 k k k k 13|null
cancel|BATCH_STATE_CANCELLED|{"requestCount":"10","successfulRequestCount":"5"}|k k k k k|null
invalid|BATCH_STATE_FAILED|{"requestCount":"10"}||{"code":3,"message":"The batch is invalid (wr-serve --batch-fault invalid)."}
quota|BATCH_STATE_FAILED|{"requestCount":"10"}||{"code":8,"message":"Resource has been exhausted: the enqueued tokens of your batches exceed your limit (wr-serve --batch-fault quota)."}'

@test "Gemini job faults: expire, errors, cancel, invalid and quota shape the Operation" {
	local fault state stats items error got
	while IFS='|' read -r fault state stats items error; do
		start_serve --batch-time 100 --batch-fault "$fault"
		got=$(grequests 10 | gcreate | jq -r .name)
		got=$(gwait "$got")
		assert_equal "$fault $(field "$got" '[.metadata.state,.metadata.batchStats]')" "$fault [\"$state\",$stats]"
		assert_equal "$fault $(jq -r '[.response.inlinedResponses.inlinedResponses[]? | if .response then "k" else .error.code end] | join(" ")' <<< "$got")" "$fault $items"
		assert_equal "$fault $(field "$got" .error)" "$fault $error"
		stop_serve
	done <<< "$GFAULTS"
}

# --- Mistral batch jobs

# mrequests N: N lines of Mistral's batch input: custom_id and body, whose model the job names.
mrequests() {
	local i
	for ((i = 1; i <= $1; i++)); do
		printf '{"custom_id":"m%d","body":%s}\n' "$i" "$(body "$i" | jq -c 'del(.model)')"
	done
}

# mcreate FILE-ID [MODEL]: create a batch job, print the BatchJobOut.
mcreate() {
	curl -s "$SERVE_URL/batch/jobs" -d "{\"input_files\":[\"$1\"],\"model\":\"${2:-mistral-test}\",\"endpoint\":\"/v1/chat/completions\",\"metadata\":{\"set\":\"s1\"},\"timeout_hours\":24}"
}

mget() {
	curl -s "$SERVE_URL/batch/jobs/$1"
}

# mjob N: upload N Mistral lines and create a job; sets FID and MID.
mjob() {
	mrequests "$1" > "$T/in.jsonl"
	FID=$(upload "$T/in.jsonl" | jq -r .id)
	MID=$(mcreate "$FID" | jq -r .id)
}

# mwait ID: poll until the job has ended; print it.
mwait() {
	local i out
	for ((i = 0; i < 400; i++)); do
		out=$(mget "$1")
		case $(jq -r .status <<< "$out") in
		SUCCESS|FAILED|TIMEOUT_EXCEEDED|CANCELLED) echo "$out"; return 0 ;;
		esac
		sleep 0.02
	done
	echo "job $1 did not end: $out" >&2
	return 1
}

@test "a new Mistral batch job is QUEUED with every field of Mistral's BatchJobOut" {
	start_serve --batch-time 5000
	mjob 3
	run mget "$MID"
	assert_equal "$(field "$output" keys_unsorted)" \
	    '["id","object","input_files","metadata","endpoint","model","output_file","error_file","errors","status","created_at","total_requests","completed_requests","succeeded_requests","failed_requests","started_at","completed_at"]'
	assert_equal "$(field "$output" '[.object,.input_files,.metadata,.endpoint,.model,.output_file,.error_file,.errors,.status,.total_requests,.completed_requests,.succeeded_requests,.failed_requests,.started_at,.completed_at]')" \
	    "[\"batch\",[\"$FID\"],{\"set\":\"s1\"},\"/v1/chat/completions\",\"mistral-test\",null,null,[],\"QUEUED\",3,0,0,0,null,null]"
	assert_equal "$(field "$output" '.id | test("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")')" true
}

@test "a Mistral job runs, then SUCCESS with the live answers of the job's model in its output file" {
	start_serve --batch-time 300
	mjob 3
	run mwait "$MID"
	assert_equal "$(field "$output" '[.status,.total_requests,.completed_requests,.succeeded_requests,.failed_requests,.error_file,(.started_at != null),(.completed_at != null)]')" \
	    '["SUCCESS",3,3,3,0,null,true,true]'
	content "$(jq -r .output_file <<< "$output")" > "$T/out"
	run jq -c '[keys_unsorted, (.response | keys_unsorted), .custom_id, .response.status_code, .error, (.id | test("^batch-[0-9a-f]{32}$"))]' "$T/out"
	assert_output - <<-'EOF'
	[["id","custom_id","response","error"],["status_code","body"],"m1",200,null,true]
	[["id","custom_id","response","error"],["status_code","body"],"m2",200,null,true]
	[["id","custom_id","response","error"],["status_code","body"],"m3",200,null,true]
	EOF
	# the live answer of the same body, which names no model, with the job's model
	jq -c .body "$T/in.jsonl" | while IFS= read -r b; do
		curl -s "$SERVE_URL/chat/completions" -d "$b" | jq -c '.model = "mistral-test"'
	done > "$T/live"
	cmp "$T/live" <(jq -c .response.body "$T/out")
}

@test "a Mistral cancel is CANCELLATION_REQUESTED, then CANCELLED with what was answered" {
	start_serve --batch-time 2000
	mjob 50
	sleep 0.8
	run curl -s -X POST "$SERVE_URL/batch/jobs/$MID/cancel"
	assert_equal "$(field "$output" .status)" '"CANCELLATION_REQUESTED"'
	run mwait "$MID"
	n=$(field "$output" .completed_requests)
	[ "$n" -gt 0 ] && [ "$n" -lt 50 ]
	assert_equal "$(field "$output" .status)" '"CANCELLED"'
	assert_equal "$(content "$(jq -r .output_file <<< "$output")" | wc -l)" "$n"
	run curl -s -w ' %{http_code}' -X POST "$SERVE_URL/batch/jobs/$MID/cancel"
	assert_output '{"object":"error","message":"Cannot cancel a batch that has ended (its status is CANCELLED).","type":"invalid_request_error","param":null,"code":null} 400'
}

@test "the Mistral job list pages newest first with page and page_size, and counts them all" {
	start_serve
	mrequests 1 > "$T/in.jsonl"
	for i in 1 2 3; do
		ids[i]=$(mcreate "$(upload "$T/in.jsonl" | jq -r .id)" | jq -r .id)
	done
	run curl -s "$SERVE_URL/batch/jobs?page=0&page_size=2"
	assert_equal "$(field "$output" '[[.data[].id],.object,.total]')" "[[\"${ids[3]}\",\"${ids[2]}\"],\"list\",3]"
	run curl -s "$SERVE_URL/batch/jobs?page=1&page_size=2"
	assert_equal "$(field "$output" '[[.data[].id],.total]')" "[[\"${ids[1]}\"],3]"
	run curl -s "$SERVE_URL/batches"
	assert_equal "$(field "$output" .data)" '[]'
}

# One case a line: fault, or input lines for no fault|status|total,completed,succeeded,failed|output lines|error file lines|errors
MFAULTS='expire|TIMEOUT_EXCEEDED|10,5,5,0|5|0|[]
errors|SUCCESS|10,10,8,2|8|2|[]
cancel|CANCELLED|10,5,5,0|5|0|[]
invalid|FAILED|0,0,0,0|0|0|[{"message":"Line 1: The request on this line is invalid (wr-serve --batch-fault invalid).","count":1}]
quota|FAILED|0,0,0,0|0|0|[{"message":"The batch exceeds the limit of requests queued for your workspace (wr-serve --batch-fault quota).","count":1}]
{"custom_id":"m1"}|FAILED|0,0,0,0|0|0|[{"message":"Line 1: Missing required parameter: '"'"'body'"'"'.","count":1}]'

@test "Mistral job faults and a bad input file shape the job and its files" {
	local fault status counts nout nerr errors got f
	while IFS='|' read -r fault status counts nout nerr errors; do
		if [[ $fault == '{'* ]]; then
			start_serve --batch-time 100
			printf '%s\n' "$fault" > "$T/in.jsonl"
			MID=$(mcreate "$(upload "$T/in.jsonl" | jq -r .id)" | jq -r .id)
		else
			start_serve --batch-time 100 --batch-fault "$fault"
			mjob 10
		fi
		got=$(mwait "$MID")
		assert_equal "$fault $(jq -r '[.status,([.total_requests,.completed_requests,.succeeded_requests,.failed_requests] | join(","))] | join(" ")' <<< "$got")" "$fault $status $counts"
		for f in output_file error_file; do
			n=0
			[ "$(jq -r ".$f" <<< "$got")" = null ] || n=$(content "$(jq -r ".$f" <<< "$got")" | wc -l)
			if [ "$f" = output_file ]; then assert_equal "$fault out $n" "$fault out $nout"; else assert_equal "$fault err $n" "$fault err $nerr"; fi
		done
		assert_equal "$fault $(field "$got" .errors)" "$fault $errors"
		stop_serve
	done <<< "$MFAULTS"
}

# --- Gemini and Mistral together

@test "Gemini and Mistral create-429 answer 429 in the vendor's shape with Retry-After" {
	start_serve --batch-fault create-429:2
	run curl -s -i "$(groot)/models/m:batchGenerateContent" --data-binary "$(grequests 1)"
	assert_line --partial 'HTTP/1.1 429'
	assert_line --partial 'Retry-After: 1'
	assert_line '{"error":{"code":429,"message":"Resource has been exhausted (wr-serve --batch-fault create-429). Please try again later.","status":"RESOURCE_EXHAUSTED"}}'
	mrequests 1 > "$T/in.jsonl"
	FID=$(upload "$T/in.jsonl" | jq -r .id)
	run curl -s -i "$SERVE_URL/batch/jobs" -d "{\"input_files\":[\"$FID\"],\"model\":\"m\",\"endpoint\":\"/v1/chat/completions\"}"
	assert_line --partial 'HTTP/1.1 429'
	assert_line --partial 'Retry-After: 1'
	assert_line '{"object":"error","message":"Requests rate limit exceeded (wr-serve --batch-fault create-429).","type":"rate_limited","param":null,"code":"1300"}'
	run mcreate "$FID"
	assert_equal "$(field "$output" .status)" '"QUEUED"'
}

@test "Gemini's batch calls take the key as x-goog-api-key or ?key=, Mistral's as a bearer" {
	echo sk-batch-key > "$T/key"
	start_serve --key-file "$T/key"
	run curl -s -w ' %{http_code}' "$(groot)/batches"
	assert_output --partial '"status":"PERMISSION_DENIED"}} 403'
	run curl -s "$(groot)/batches" -H 'x-goog-api-key: sk-batch-key'
	assert_output '{"operations":[]}'
	run curl -s "$(groot)/batches?key=sk-batch-key"
	assert_output '{"operations":[]}'
	run curl -s -o /dev/null -w '%{http_code}' "$SERVE_URL/batch/jobs"
	assert_output 401
	run curl -s "$SERVE_URL/batch/jobs" -H 'Authorization: Bearer sk-batch-key'
	assert_output '{"data":[],"object":"list","total":0}'
}

@test "Gemini and Mistral batch calls are logged with their fault and line count" {
	start_serve --batch-time 100 --batch-fault errors:2 --log "$T/log"
	NAME=$(grequests 4 | gcreate | jq -r .name)
	gwait "$NAME" > /dev/null
	mjob 3
	mwait "$MID" > /dev/null
	run cat "$T/log"
	assert_line --index 0 '200	errors	4	POST /v1beta/models/gemini-test:batchGenerateContent'
	assert_line "200	errors	4	GET /v1beta/$NAME"
	assert_line "200	errors	3	POST /v1/batch/jobs"
	assert_line "200	errors	3	GET /v1/batch/jobs/$MID"
}

@test "--batch-hang: Gemini's content is the first read of an ended batch, Mistral's create is withheld" {
	start_serve --batch-time 0 --batch-hang content --batch-hang create --log "$T/log"
	run curl -s -m 1 "$(groot)/models/m:batchGenerateContent" --data-binary "$(grequests 2)"
	assert_failure 28
	NAME=$(curl -s "$(groot)/batches" | jq -r '.operations[0].name')
	run curl -s -m 1 "$(groot)/$NAME"
	assert_failure 28
	assert_equal "$(gget "$NAME" | jq -c .metadata.batchStats)" '{"requestCount":"2","successfulRequestCount":"2"}'
	assert_equal "$(awk -F'\t' '$2 == "hang" { print $4 }' "$T/log")" "POST /v1beta/models/m:batchGenerateContent
GET /v1beta/$NAME"
}
