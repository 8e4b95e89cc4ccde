#!/usr/bin/env bats
# wr-query at a provider's rate limit: limits learned from the answers'
# headers, 429 and 529 as waits that use up no retries. Counts only, never
# times: the machines running this are shared.

setup() {
	load helper
	T=$BATS_TEST_TMPDIR
	wr-batch -q -n 1 "$FIX/e2e-words.txt" | wr-prompt -q -m model-x > "$T/req.jsonl"
	{ cat "$T/req.jsonl"; jq -c '.custom_id += "-2"' "$T/req.jsonl"; } > "$T/30.jsonl"
}

teardown() {
	stop_serve
}

# count LOG WORD: lines of a wr-serve log whose fault column is WORD.
count() {
	awk -F '\t' -v w="$2" '$2 == w' "$1" | wc -l
}

@test "a storm of 429s loses no request and uses up no retries" {
	start_serve --fail-429 0.8 --retry-after 0 --seed 3 --log "$T/log"
	run --separate-stderr bash -c "wr-query -q --retries 0 -j 4 -u '$SERVE_URL' '$T/req.jsonl' | jq -r '.response.status_code' | sort | uniq -c | awk '{print \$1, \$2}'"
	assert_success
	assert_output '15 200'
	[ "$(count "$T/log" fail-429)" -gt 15 ]
}

@test "--rate-wait bounds how long a request waits out 429s" {
	start_serve --fail-429 1 --retry-after 5 --log "$T/log"
	run --separate-stderr bash -c "head -n 2 '$T/req.jsonl' | wr-query -q --rate-wait 1 -u '$SERVE_URL'"
	assert_failure 1
	run jq -r '[.response.status_code, .error.message] | @tsv' <<<"$output"
	assert_output "$(printf '429\tHTTP 429: Rate limit reached for requests (wr-serve fault injection). Please try again later. (1 attempt)\n%.0s' 1 2)"
	assert_equal "$(count "$T/log" fail-429)" 2
}

@test "the limits a server announces are paced to: no request runs into them" {
	# 600 requests a minute: 10 a second, a bucket of 10; 30 requests at once would meet 20 429s.
	start_serve --rpm 600 --log "$T/log"
	run --separate-stderr bash -c "wr-query -q -j 30 -u '$SERVE_URL' '$T/30.jsonl' | jq -r .response.status_code | sort | uniq -c | awk '{print \$1, \$2}'"
	assert_success
	assert_output '30 200'
	assert_equal "$(count "$T/log" limit)" 0
}

@test "an announced token limit is paced to as the server counts it: no request runs into it" {
	# 124,800 tokens a minute: 2,080 a second, about 10 of these requests (body bytes / 4:
	# about 208 each; their message text alone is about 183, which would meet 429s).
	start_serve --tpm 124800 --log "$T/log"
	run --separate-stderr bash -c "wr-query -q -j 30 -u '$SERVE_URL' '$T/30.jsonl' | jq -r .response.status_code | sort | uniq -c | awk '{print \$1, \$2}'"
	assert_success
	assert_output '30 200'
	assert_equal "$(count "$T/log" limit)" 0
}

@test "--tpm at the exact limit is charged what the server counts: no request runs into it" {
	start_serve --tpm 124800 --log "$T/log"
	run --separate-stderr bash -c "wr-query -q -j 30 --tpm 124800 -u '$SERVE_URL' '$T/30.jsonl' | jq -r .response.status_code | sort | uniq -c | awk '{print \$1, \$2}'"
	assert_success
	assert_output '30 200'
	assert_equal "$(count "$T/log" limit)" 0
}

@test "Anthropic's announced limits are paced to as well" {
	start_serve --rpm 600 --log "$T/log"
	run --separate-stderr bash -c "wr-query -q --api anthropic -j 30 -u '$SERVE_URL' '$T/30.jsonl' | jq -r .response.status_code | sort | uniq -c | awk '{print \$1, \$2}'"
	assert_success
	assert_output '30 200'
	assert_equal "$(count "$T/log" limit)" 0
}

@test "the first request to a server goes alone, so a refused key costs one request" {
	printf 'sk-right\n' > "$T/key"
	start_serve --key-file "$T/key" --log "$T/log"
	run --separate-stderr bash -c "OPENAI_API_KEY=sk-wrong wr-query -q -j 15 -u '$SERVE_URL' '$T/req.jsonl'"
	assert_failure 2
	assert_equal "$(wc -l < "$T/log")" 1
}

@test "a server whose own queue is full (503) gets fewer requests at once, and loses none" {
	start_serve --latency 100 --max-inflight 2 --log "$T/log"
	# A busy answer uses a retry: give enough that scheduling noise on a loaded
	# machine cannot use them up, and count the busy answers instead. With the
	# window, 30 requests meet about 20 of them; with 15 at once all the time,
	# about 13 a round for 15 rounds.
	run --separate-stderr bash -c "wr-query -q -j 15 --retries 8 --backoff 0.01 -u '$SERVE_URL' '$T/30.jsonl' | jq -r .response.status_code | sort | uniq -c | awk '{print \$1, \$2}'"
	assert_success
	assert_output '30 200'
	[ "$(count "$T/log" busy)" -ge 1 ]
	[ "$(count "$T/log" busy)" -le 60 ] || fail "$(count "$T/log" busy) busy answers: the window did not shrink"
}
