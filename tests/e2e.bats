#!/usr/bin/env bats
# The whole pipeline through real pipes and a real wr-serve on loopback.

setup() {
	load helper
	WORDS=$FIX/e2e-words.txt
	EXPECTED=$(cat "$FIX/e2e-expected.dict")
}

teardown() {
	stop_serve
	[ -z "${SERVE2_PID:-}" ] || { kill -TERM "$SERVE2_PID"; wait "$SERVE2_PID" 2>/dev/null || true; }
}

pipeline() {
	wr-batch -q -n 4 "$WORDS" | wr-prompt -q -m wr-serve | wr-query -q -j 4 --backoff 0.01 --retries 20 -u "$SERVE_URL" "$@"
}

@test "a word list becomes a scored dict through all five stages" {
	start_serve
	run bash -c "$(declare -f pipeline); WORDS='$WORDS' SERVE_URL='$SERVE_URL' pipeline | wr-parse -q | wr-merge -q -f dict"
	assert_success
	assert_output "$EXPECTED"
}

@test "every answer shape gives the same scored list" {
	start_serve --style mix --seed 3
	run bash -c "$(declare -f pipeline); WORDS='$WORDS' SERVE_URL='$SERVE_URL' pipeline | wr-parse -q | wr-merge -q -f dict"
	assert_success
	assert_output "$EXPECTED"
}

@test "500s, 429s, drops, garbled and partial bodies are retried to the same list" {
	start_serve --style mix --fail-500 0.15 --fail-429 0.1 --retry-after 0 --drop 0.1 --garble 0.1 --partial 0.1 --seed 5
	run bash -c "$(declare -f pipeline); WORDS='$WORDS' SERVE_URL='$SERVE_URL' pipeline | wr-parse -q | wr-merge -q -f dict"
	assert_success
	assert_output "$EXPECTED"
}

@test "refused entries go to --missing and a second provider rates them for the merge" {
	start_serve --refuse 0.5 --seed 11
	SERVE2_PID=$SERVE_PID SERVE2_URL=$SERVE_URL
	start_serve
	first=$BATS_TEST_TMPDIR/first.jsonl
	wr-batch -q -n 4 "$WORDS" | wr-prompt -q -m a | wr-query -q -u "$SERVE2_URL" -o "$first"
	run --separate-stderr wr-parse --missing "$BATS_TEST_TMPDIR/missing" --refused "$BATS_TEST_TMPDIR/refused" "$first"
	assert_failure 1
	echo "$output" > "$BATS_TEST_TMPDIR/a.tsv"
	[ -s "$BATS_TEST_TMPDIR/missing" ]
	run diff "$BATS_TEST_TMPDIR/missing" "$BATS_TEST_TMPDIR/refused"
	assert_success
	wr-batch -q "$BATS_TEST_TMPDIR/missing" | wr-prompt -q -m b | wr-query -q -u "$SERVE_URL" -o "$BATS_TEST_TMPDIR/second.jsonl"
	run bash -c "wr-parse -q '$BATS_TEST_TMPDIR/second.jsonl' | wr-merge -q -f dict '$BATS_TEST_TMPDIR/a.tsv' -"
	assert_success
	assert_output "$EXPECTED"
}

@test "an offline batch round trip: --strict upload, output without entries, parsed with -b" {
	start_serve
	wr-batch -q -n 4 "$WORDS" > "$BATS_TEST_TMPDIR/batches.txt"
	wr-prompt -q --strict -m m "$BATS_TEST_TMPDIR/batches.txt" > "$BATS_TEST_TMPDIR/upload.jsonl"
	run grep -c '"entries"' "$BATS_TEST_TMPDIR/upload.jsonl"
	assert_output 0
	# wr-query stands in for the batch service: it writes the same output shape.
	wr-query -q -u "$SERVE_URL" "$BATS_TEST_TMPDIR/upload.jsonl" > "$BATS_TEST_TMPDIR/output.jsonl"
	run bash -c "wr-parse -q -b '$BATS_TEST_TMPDIR/batches.txt' '$BATS_TEST_TMPDIR/output.jsonl' | wr-merge -q -f dict"
	assert_success
	assert_output "$EXPECTED"
}

@test "a re-run after an edit of the word list rates only the new entries" {
	start_serve --log "$BATS_TEST_TMPDIR/serve.log"
	head -n 8 "$WORDS" > "$BATS_TEST_TMPDIR/words"
	wr-batch -q -n 4 "$BATS_TEST_TMPDIR/words" | wr-prompt -q -m m | wr-query -q -u "$SERVE_URL" -o "$BATS_TEST_TMPDIR/r.jsonl"
	wr-parse -q "$BATS_TEST_TMPDIR/r.jsonl" > "$BATS_TEST_TMPDIR/ratings.tsv"
	cp "$WORDS" "$BATS_TEST_TMPDIR/words"
	: > "$BATS_TEST_TMPDIR/serve.log"
	wr-batch -q -n 4 -x "$BATS_TEST_TMPDIR/ratings.tsv" "$BATS_TEST_TMPDIR/words" | wr-prompt -q -m m | wr-query -q -u "$SERVE_URL" -o "$BATS_TEST_TMPDIR/r.jsonl"
	run bash -c "cut -f4 '$BATS_TEST_TMPDIR/serve.log' | tr '|' '\n' | sort"
	assert_output "$(tail -n +9 "$WORDS" | sort)"
	run bash -c "wr-parse -q '$BATS_TEST_TMPDIR/r.jsonl' | wr-merge -q -f dict"
	assert_output "$EXPECTED"
}

@test "content filters and cut-off answers go to --missing and are rated on a second pass" {
	start_serve --filter 0.3 --truncate 0.3 --seed 2
	SERVE2_PID=$SERVE_PID SERVE2_URL=$SERVE_URL
	start_serve
	wr-batch -q -n 4 "$WORDS" | wr-prompt -q -m a | wr-query -q -u "$SERVE2_URL" -o "$BATS_TEST_TMPDIR/first.jsonl"
	run --separate-stderr wr-parse --missing "$BATS_TEST_TMPDIR/missing" "$BATS_TEST_TMPDIR/first.jsonl"
	assert_failure 1
	echo "$output" > "$BATS_TEST_TMPDIR/a.tsv"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/a.tsv")" -lt 15 ]
	[ "$(( $(wc -l < "$BATS_TEST_TMPDIR/a.tsv") + $(wc -l < "$BATS_TEST_TMPDIR/missing") ))" -eq 15 ]
	wr-batch -q "$BATS_TEST_TMPDIR/missing" | wr-prompt -q -m b | wr-query -q -u "$SERVE_URL" -o "$BATS_TEST_TMPDIR/second.jsonl"
	run bash -c "wr-parse -q '$BATS_TEST_TMPDIR/first.jsonl' '$BATS_TEST_TMPDIR/second.jsonl' | wr-merge -q -f dict"
	assert_success
	assert_output "$EXPECTED"
}

@test "wr-prompt --schema through wr-serve gives the same ratings as plain lines" {
	start_serve --style mix
	wr-batch -q -n 4 "$WORDS" | wr-prompt -q -m m --schema | wr-query -q -u "$SERVE_URL" -o "$BATS_TEST_TMPDIR/json.jsonl"
	wr-batch -q -n 4 "$WORDS" | wr-prompt -q -m m | wr-query -q -u "$SERVE_URL" -o "$BATS_TEST_TMPDIR/lines.jsonl"
	run jq -r '.response.body.choices[0].message.content' "$BATS_TEST_TMPDIR/json.jsonl"
	assert_line --index 0 --regexp '^\{"ratings":\[\{"entry":'
	run bash -c "wr-parse -q '$BATS_TEST_TMPDIR/json.jsonl' | sort"
	assert_success
	[ -n "$output" ]
	assert_output "$(wr-parse -q "$BATS_TEST_TMPDIR/lines.jsonl" | sort)"
	run bash -c "wr-parse -q '$BATS_TEST_TMPDIR/json.jsonl' | wr-merge -q -f dict"
	assert_output "$EXPECTED"
}
