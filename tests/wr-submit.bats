#!/usr/bin/env bats
# wr-submit against wr-serve's batch APIs (OpenAI Files and Batches,
# Anthropic Message Batches, Gemini batch mode, Mistral batch jobs) on
# loopback: the same result lines as live
# calls, resumable after a kill at every step without a second paid job,
# and every fault a job can meet either sent again or written as failed.

setup_file() {
	load helper
	printf 'ant\nbee\ncat\ndog\nemu\nfox\ngnu\nhen\nqzxv\nyak\n' > "$BATS_FILE_TMPDIR/words.txt"
	wr-batch -q -n 2 "$BATS_FILE_TMPDIR/words.txt" | wr-prompt -q -m test > "$BATS_FILE_TMPDIR/req.jsonl"
}

setup() {
	load helper
	T=$BATS_TEST_TMPDIR
	R=$BATS_FILE_TMPDIR/req.jsonl
	export OPENAI_API_KEY=sk-test ANTHROPIC_API_KEY=sk-ant-test GEMINI_API_KEY=gm-test MISTRAL_API_KEY=mi-test
}

teardown() {
	[ -z "${SUB_PID:-}" ] || { kill -KILL "$SUB_PID" 2>/dev/null; wait "$SUB_PID" 2>/dev/null || true; }
	stop_serve
}

# serve ARGS...: wr-serve with a compressed clock and a log.
serve() {
	start_serve --batch-time 200 --log "$T/serve.log" "$@"
}

# calls METHOD PATH-REGEX: how many calls of that shape wr-serve answered with 200.
calls() {
	awk -F'\t' -v m="$1" -v p="$2" '$1 == 200 { split($4, a, " "); if (a[1] == m && a[2] ~ p) n++ } END { print n + 0 }' "$T/serve.log"
}

# base API: wr-serve's base URL for API (Gemini's is /v1beta).
base() {
	if [ "$1" = gemini ]; then echo "${SERVE_URL%/v1}/v1beta"; else echo "$SERVE_URL"; fi
}

# create_path API: the path (a regex) of the call that creates a job of API.
create_path() {
	case $1 in
	anthropic) echo '^/v1/messages/batches$' ;;
	gemini) echo '^/v1beta/models/[^/]*:batchGenerateContent$' ;;
	mistral) echo '^/v1/batch/jobs$' ;;
	*) echo '^/v1/batches$' ;;
	esac
}

# submit ARGS...: wr-submit at wr-serve (at the base URL of the --api given), quiet, fast polls.
submit() {
	local a prev= api=openai
	for a; do
		[ "$prev" != --api ] || api=$a
		prev=$a
	done
	wr-submit -q --poll 0.02 -u "$(base "$api")" "$@"
}

# successes FILE: "custom_id count" of the successes in a result file, sorted.
successes() {
	jq -r 'select(.response.status_code == 200 and .error == null) | .custom_id' "$1" | sort | uniq -c | awk '{ print $2, $1 }'
}

# ids: every custom_id of the requests, with a count of 1, as successes prints it.
ids() {
	jq -r .custom_id "$R" | sort | awk '{ print $1, 1 }'
}

# as_live WR-QUERY-ARGS...: each request has one success in res.jsonl, rated as wr-query with these arguments rates it live.
as_live() {
	run successes "$T/res.jsonl"
	assert_output "$(ids)"
	wr-query -q "$@" "$R" > "$T/live.jsonl"
	run diff <(wr-parse -q "$T/live.jsonl" | sort) <(wr-parse -q "$T/res.jsonl" | sort)
	assert_success
}

@test "openai: the result lines rate what live calls rate, and keep the extra fields" {
	serve
	run submit -o "$T/res.jsonl" "$R"
	assert_success
	as_live -u "$SERVE_URL"
	# entries and body_hash come back from the local record, as wr-query writes them
	run diff <(jq -c '[.custom_id, .entries, .body_hash]' "$T/live.jsonl" | sort) \
		<(jq -c '[.custom_id, .entries, .body_hash]' "$T/res.jsonl" | sort)
	assert_success
	assert_equal "$(calls POST '^/v1/files$')" 1
	assert_equal "$(calls POST '^/v1/batches$')" 1
}

@test "openai: the upload carries no extra field, and its custom_ids are the set's own" {
	serve
	submit -o "$T/res.jsonl" "$R"
	file=$(jq -r 'select(.file) | .file' "$T/res.jsonl.jobs/log")
	set=$(jq -r 'select(.set) | .set' "$T/res.jsonl.jobs/log")
	curl -s -H "Authorization: Bearer $OPENAI_API_KEY" "$SERVE_URL/files/$file/content" > "$T/upload.jsonl"
	run jq -r 'keys_unsorted | join(",")' "$T/upload.jsonl"
	assert_output "$(printf 'custom_id,method,url,body\n%.0s' 1 2 3 4 5)"
	run jq -r .custom_id "$T/upload.jsonl"
	assert_output "$(printf '%s-0\n%s-1\n%s-2\n%s-3\n%s-4' "$set" "$set" "$set" "$set" "$set")"
}

@test "anthropic: message batches give the same ratings as live calls" {
	serve
	run submit --api anthropic -o "$T/res.jsonl" "$R"
	assert_success
	as_live -u "$SERVE_URL"
	assert_equal "$(calls POST '^/v1/messages/batches$')" 1
	run jq -r .response.body.type "$T/res.jsonl"
	assert_output "$(printf 'message\n%.0s' 1 2 3 4 5)"
}

@test "anthropic: a body field the API cannot carry is said once a run, and the requests still go" {
	serve
	jq -c '.body.seed = 7' "$R" > "$T/seeded.jsonl"
	run --separate-stderr wr-submit --plan --api anthropic -u "$SERVE_URL" "$T/seeded.jsonl"
	assert_success
	assert_equal "$stderr" 'wr-submit: --api anthropic cannot carry the body field "seed": it is left out of every request'
	run --separate-stderr submit --api anthropic -o "$T/res.jsonl" "$T/seeded.jsonl"
	assert_success
	assert_equal "$stderr" 'wr-submit: --api anthropic cannot carry the body field "seed": it is left out of every request'
	run successes "$T/res.jsonl"
	assert_output "$(ids)"
}

@test "gemini: batch mode gives the same ratings as live calls" {
	serve
	run submit --api gemini -o "$T/res.jsonl" "$R"
	assert_success
	as_live --api gemini -u "$(base gemini)"
	assert_equal "$(calls POST "$(create_path gemini)")" 1
	run jq -r '.response.body.candidates[0].finishReason' "$T/res.jsonl"
	assert_output "$(printf 'STOP\n%.0s' 1 2 3 4 5)"
}

@test "mistral: batch jobs give the same ratings as live calls, from lines without method or url" {
	serve
	run submit --api mistral -o "$T/res.jsonl" "$R"
	assert_success
	as_live -u "$SERVE_URL"
	assert_equal "$(calls POST '^/v1/files$')" 1
	assert_equal "$(calls POST "$(create_path mistral)")" 1
	file=$(jq -r 'select(.file) | .file' "$T/res.jsonl.jobs/log")
	curl -s -H "Authorization: Bearer $MISTRAL_API_KEY" "$SERVE_URL/files/$file/content" > "$T/upload.jsonl"
	run jq -r 'keys_unsorted | join(",")' "$T/upload.jsonl"
	assert_output "$(printf 'custom_id,body\n%.0s' 1 2 3 4 5)"
}

@test "--max-requests splits the requests into jobs" {
	serve
	run submit --max-requests 2 -o "$T/res.jsonl" "$R"
	assert_success
	assert_equal "$(calls POST '^/v1/batches$')" 3
	run jq -r 'select(.requests) | .requests' "$T/res.jsonl.jobs/log"
	assert_output "$(printf '2\n2\n1')"
	run successes "$T/res.jsonl"
	assert_output "$(ids)"
}

@test "a second run sends nothing when every request has its answer" {
	serve
	submit -o "$T/res.jsonl" "$R"
	: > "$T/serve.log"
	run --separate-stderr wr-submit --poll 0.02 -u "$SERVE_URL" -o "$T/res.jsonl" "$R"
	assert_success
	assert_equal "$(wc -l < "$T/serve.log")" 0
	assert_equal "$(wc -l < "$T/res.jsonl")" 5
	[[ $stderr == "wr-submit: 0 requests: 0 ok, 0 failed; 5 already done in $T/res.jsonl; 0 prompt and 0 completion tokens; "* ]]
}

@test "--no-wait exits 75 while the job runs, and a later run collects it" {
	start_serve --batch-time 1500 --log "$T/serve.log"
	run --separate-stderr wr-submit --no-wait --poll 0.02 -u "$SERVE_URL" -o "$T/res.jsonl" "$R"
	assert_failure 75
	assert_equal "$(wc -c < "$T/res.jsonl")" 0
	[[ $stderr == *"1 job still running at the provider, holding 5 requests: results come within its 24-hour window"* ]]
	# run again, as cron would, until the job has ended
	again() {
		rc=0
		submit --no-wait -o "$T/res.jsonl" "$R" || rc=$?
		[ "$rc" -ne 75 ]
	}
	wait_for "the end of the job" again
	assert_equal "$rc" 0
	assert_equal "$(calls POST '^/v1/batches$')" 1
	run successes "$T/res.jsonl"
	assert_output "$(ids)"
}

# killed_at API STEP: kill wr-submit -9 while wr-serve withholds the answer
# to the first call of STEP (which it has carried out), run it again, and
# check that exactly one job was made and each request has one success.
killed_at() {
	local api=$1 step=$2 create
	serve --batch-hang "$step"
	wr-submit -q --api "$api" --poll 0.02 -u "$(base "$api")" -o "$T/res.jsonl" "$R" 2> "$T/first.err" &
	SUB_PID=$!
	wait_for -p "$SUB_PID" "a withheld $step answer" grep -qP '^\d+\thang\t' "$T/serve.log"
	kill -KILL "$SUB_PID"
	rc=0
	wait "$SUB_PID" 2>/dev/null || rc=$?
	assert_equal "$rc" 137
	SUB_PID=
	run submit --api "$api" -o "$T/res.jsonl" "$R"
	assert_success
	create=$(create_path "$api")
	assert_equal "$(awk -F'\t' '$2 == "hang"' "$T/serve.log" | wc -l)" 1
	# one create call in all, the one of the first run unless it was killed before it
	assert_equal "$(calls POST "$create")" 1
	assert_equal "$(awk -F'\t' -v c="$create" '{ split($4, a, " ") } a[1] == "POST" && a[2] ~ c' "$T/serve.log" | wc -l)" 1
	run successes "$T/res.jsonl"
	assert_output "$(ids)"
}

@test "openai: killed after the upload, the re-run makes one job" {
	killed_at openai upload
	assert_equal "$(awk -F'\t' '{ split($4, a, " ") } a[1] == "POST" && a[2] == "/v1/files"' "$T/serve.log" | wc -l)" 2
}

@test "openai: killed while the create call is on the wire, the re-run finds the job by its mark" {
	killed_at openai create
	run jq -c 'select(.found) | .found' "$T/res.jsonl.jobs/log"
	assert_output true
}

@test "openai: killed while polling, the re-run polls the same job" {
	killed_at openai retrieve
}

@test "openai: killed while downloading, the re-run downloads again and writes each answer once" {
	killed_at openai content
}

@test "anthropic: killed while the create call is on the wire, the re-run finds the batch by size and time" {
	killed_at anthropic create
	run jq -c 'select(.found) | .found' "$T/res.jsonl.jobs/log"
	assert_output true
}

@test "anthropic: killed while polling or fetching results, the re-run makes no second batch" {
	killed_at anthropic retrieve
	stop_serve
	rm -rf "$T/res.jsonl" "$T/res.jsonl.jobs" "$T/serve.log"
	killed_at anthropic content
}

@test "gemini: killed while the create call is on the wire, the re-run finds the batch by its displayName" {
	killed_at gemini create
	run jq -c 'select(.found) | .found' "$T/res.jsonl.jobs/log"
	assert_output true
}

@test "mistral: killed while the create call is on the wire, the re-run finds the job by its metadata" {
	killed_at mistral create
	run jq -c 'select(.found) | .found' "$T/res.jsonl.jobs/log"
	assert_output true
}

@test "a job fault is sent again or written as failed, as tests/data/submit-faults.cases says" {
	local api fault args want_rc want_creates want_lines rc name bad=0
	while IFS='|' read -r name api fault args want_rc want_creates want_lines; do
		[[ -z $name || $name == \#* ]] && continue
		rm -rf "$T/res.jsonl" "$T/res.jsonl.jobs" "$T/serve.log"
		serve --batch-fault "$fault"
		rc=0
		# shellcheck disable=SC2086
		submit --api "$api" $args -o "$T/res.jsonl" "$R" 2> "$T/err" || rc=$?
		got_lines=$(jq -r '(.error.code // "ok")' "$T/res.jsonl" | sort | uniq -c | awk '{ printf "%s%s=%s", s, $2, $1; s = "," }')
		got_creates=$(calls POST "$(create_path "$api")")
		if [ "$rc" != "$want_rc" ] || [ "$got_creates" != "$want_creates" ] || [ "$got_lines" != "$want_lines" ]; then
			echo "case $name: exit $rc (want $want_rc), jobs made $got_creates (want $want_creates), lines $got_lines (want $want_lines)"
			cat "$T/err"
			bad=1
		fi
		stop_serve
	done < "$TOP/tests/data/submit-faults.cases"
	[ "$bad" -eq 0 ]
}

@test "a job refused as a whole is reported once, with the provider's message" {
	serve --batch-fault invalid
	run --separate-stderr submit -o "$T/res.jsonl" "$R"
	assert_failure 1
	assert_equal "$(grep -c 'the provider refused it' <<< "$stderr")" 1
	[[ $stderr == "wr-submit: job 1 batch_"*": the provider refused it: invalid_request: "*"; its 5 requests are written as failed" ]]
	run jq -r '[.custom_id, .error.code] | @tsv' "$T/res.jsonl"
	assert_output "$(jq -r '[.custom_id, "batch_failed"] | @tsv' "$R")"
	# the failures are sent again by the next run
	run submit -o "$T/res.jsonl" "$R"
	assert_success
	run successes "$T/res.jsonl"
	assert_output "$(ids)"
}

@test "--cancel cancels the running jobs and writes what they did not answer as cancelled" {
	start_serve --batch-time 60000 --log "$T/serve.log"
	run submit --no-wait -o "$T/res.jsonl" "$R"
	assert_failure 75
	run submit --cancel -o "$T/res.jsonl" "$R"
	assert_failure 1
	assert_equal "$(calls POST '^/v1/batches/[^/]*/cancel$')" 1
	run bash -c "jq -r '[.custom_id, .error.code] | @tsv' '$T/res.jsonl' | sort"
	assert_output "$(jq -r '[.custom_id, "batch_cancelled"] | @tsv' "$R" | sort)"
	assert_equal "$(calls POST '^/v1/batches$')" 1
}

# The cost: 916 prompt tokens at $2 and 80 completion tokens at $8 a million
# is $0.002472 live, $0.001236 at batch prices.
@test "--plan prints the jobs and the cost at batch prices, and sends nothing" {
	run wr-submit --plan --price 2:8 --max-requests 2 -u http://127.0.0.1:9/v1 "$R"
	assert_success
	assert_output - <<-EOF
		api: openai (http://127.0.0.1:9/v1)
		requests: 5
		jobs: 3 (2 (0.0 MB), 2 (0.0 MB), 1 (0.0 MB); at most 2 requests and 209715200 bytes a job)
		prompt tokens: $(wr-query --plan "$R" | sed -n 's/^prompt tokens: \([0-9]*\).*/\1/p') (estimated)
		completion tokens: 80 (max_tokens, else estimated)
		est. cost: \$0.0012 at batch prices (half of --price)
		window: 24 h; results often come much sooner
	EOF
	# With -o it reads what is done there, and makes nothing.
	run wr-submit --plan -o "$T/p.jsonl" -u http://127.0.0.1:9/v1 "$R"
	assert_success
	assert_line 'already done in '"$T"'/p.jsonl: 0'
	[ ! -e "$T/p.jsonl" ] && [ ! -e "$T/p.jsonl.jobs" ]
}

@test "usage: jobs need a record, one URL, and a known API" {
	run --separate-stderr wr-submit -u http://127.0.0.1:9/v1 "$R"
	assert_failure 2
	assert_equal "$stderr" "wr-submit: batch jobs outlive this process: give -o FILE (they are recorded in FILE.jobs/) or --state DIR"
	run --separate-stderr wr-submit -u http://127.0.0.1:9/v1 -u http://127.0.0.1:8/v1 -o "$T/x" "$R"
	assert_failure 2
	assert_equal "$stderr" "wr-submit: -u: wr-submit sends a set of jobs to one provider; give -u once"
	run --separate-stderr wr-submit --api cohere -o "$T/x" "$R"
	assert_failure 2
	assert_equal "$stderr" "wr-submit: --api cohere: expected openai, anthropic, gemini or mistral"
}

@test "a refused key stops the run with one message and no key printed" {
	printf 'right-key\n' > "$T/key"
	chmod 600 "$T/key"
	serve --key-file "$T/key"
	run --separate-stderr submit -o "$T/res.jsonl" "$R"
	assert_failure 2
	assert_equal "$stderr" "wr-submit: http://127.0.0.1:$SERVE_PORT/v1: HTTP 401: the API key was refused (see \$OPENAI_API_KEY or --api-key-file)"
	OPENAI_API_KEY=right-key run submit -o "$T/res.jsonl" "$R"
	assert_success
}

@test "jobs recorded at one provider are not polled at another" {
	start_serve --batch-time 60000
	run submit --no-wait -o "$T/res.jsonl" "$R"
	assert_failure 75
	run --separate-stderr wr-submit -q -u http://127.0.0.1:9/v1 -o "$T/res.jsonl" "$R"
	assert_failure 2
	assert_equal "$stderr" "wr-submit: $T/res.jsonl.jobs: job 1 runs at $SERVE_URL (--api openai); give that -u and --api to collect it, or write to another -o"
}
