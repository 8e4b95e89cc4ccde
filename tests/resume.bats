#!/usr/bin/env bats
# wr-query -o FILE never answers a request from a line that answered
# another request under the same custom_id: another model, template or
# option. A re-run refuses before sending anything; --replace sends the
# changed requests again and sets the old answers aside.

setup_file() {
	load helper
	printf 'ant\nbee\ncat\ndog\nemu\nfox\n' > "$BATS_FILE_TMPDIR/words.txt"
	wr-batch -q -n 2 "$BATS_FILE_TMPDIR/words.txt" > "$BATS_FILE_TMPDIR/batches.txt"
}

setup() {
	load helper
	T=$BATS_TEST_TMPDIR
	B=$BATS_FILE_TMPDIR/batches.txt
	start_serve
}

teardown() {
	stop_serve
}

# Requests the server has answered so far.
seen() {
	curl -s "${SERVE_URL%/v1}/stats" | jq .requests
}

# prompt ARGS...: the requests for the three batches with wr-prompt ARGS.
prompt() {
	wr-prompt -q "$@" "$B"
}

# The model each custom_id's answers name, in file order.
models() {
	jq -r '[.custom_id, .response.body.model] | @tsv' "$1"
}

@test "a result line records the hash of the request body it answers" {
	prompt -m model-a > "$T/req.jsonl"
	wr-query -q -u "$SERVE_URL" -o "$T/res.jsonl" "$T/req.jsonl"
	# Each request's body as written in its line, hashed with XXH64, beside its custom_id.
	while IFS= read -r line; do
		printf '%s' "$line" | sed -E 's/^.*"body":(\{.*\}),"entries":.*$/\1/' > "$T/body"
		printf '%s\t%s\n' "$(jq -r .custom_id <<<"$line")" "$(xxh64sum "$T/body" | cut -c1-16)"
	done < "$T/req.jsonl" | sort > "$T/want"
	run bash -c "jq -r '[.custom_id, .body_hash] | @tsv' '$T/res.jsonl' | sort"
	assert_success
	assert_output "$(cat "$T/want")"
	assert_equal "${#lines[@]}" 3
}

@test "the same requests again are skipped as done" {
	prompt -m model-a > "$T/req.jsonl"
	wr-query -q -u "$SERVE_URL" -o "$T/res.jsonl" "$T/req.jsonl"
	run --separate-stderr wr-query -u "$SERVE_URL" -o "$T/res.jsonl" "$T/req.jsonl"
	assert_success
	assert_equal "$(sed -E 's/; [0-9.]+ s$//' <<<"$stderr")" "wr-query: 0 requests: 0 ok, 0 failed; 0 retries; 3 already done in $T/res.jsonl; 0 prompt and 0 completion tokens"
	assert_equal "$(seen)" 3
}

# changed ARGS...: model-a first, then the same batches with wr-prompt ARGS are refused, nothing sent.
changed() {
	prompt -m model-a > "$T/a.jsonl"
	wr-query -q -u "$SERVE_URL" -o "$T/res.jsonl" "$T/a.jsonl"
	cp "$T/res.jsonl" "$T/before.jsonl"
	prompt "$@" > "$T/b.jsonl"
	run --separate-stderr wr-query -u "$SERVE_URL" -o "$T/res.jsonl" "$T/b.jsonl"
	assert_failure 2
	assert_output ''
	assert_equal "$stderr" "wr-query: $T/res.jsonl: 3 requests were answered there for another body under the same custom_id (another model, prompt or option); nothing sent: write to another file, or give --replace to send them again and set the old answers aside in $T/res.jsonl.replaced"
	assert_equal "$(seen)" 3
	cmp "$T/before.jsonl" "$T/res.jsonl"
}

@test "another model in the same file is refused before anything is sent" {
	changed -m model-b
}

@test "another template in the same file is refused before anything is sent" {
	printf 'Rate these, 1 to 5:\n\n{{entries}}\n' > "$T/tmpl"
	changed -m model-a -t "$T/tmpl"
}

@test "another body option in the same file is refused before anything is sent" {
	changed -m model-a -o temperature=0
}

@test "changed requests on a pipe are counted before anything is sent" {
	prompt -m model-a | wr-query -q -u "$SERVE_URL" -o "$T/res.jsonl"
	{ prompt -m model-b; printf '%s\n' "$(head -n 1 "$B" | sed 's/^[0-9a-f]*/0123456789abcdef/')" | wr-prompt -q -m model-b; } > "$T/b.jsonl"
	run --separate-stderr bash -c "cat '$T/b.jsonl' | wr-query -u '$SERVE_URL' -o '$T/res.jsonl'"
	assert_failure 2
	assert_equal "$stderr" "wr-query: $T/res.jsonl: 3 requests were answered there for another body under the same custom_id (another model, prompt or option); nothing sent: write to another file, or give --replace to send them again and set the old answers aside in $T/res.jsonl.replaced"
	assert_equal "$(seen)" 3
}

@test "--replace sends the changed requests again and wr-parse reads the new answers" {
	prompt -m model-a > "$T/a.jsonl"
	wr-query -q -u "$SERVE_URL" -o "$T/res.jsonl" "$T/a.jsonl"
	cp "$T/res.jsonl" "$T/old.jsonl"
	# One request of model-b is new, two replace answers of model-a.
	{ prompt -m model-b | head -n 2; printf 'fedcba9876543210\tgnu\then\n' | wr-prompt -q -m model-b; } > "$T/b.jsonl"
	run --separate-stderr wr-query --replace -u "$SERVE_URL" -o "$T/res.jsonl" "$T/b.jsonl"
	assert_success
	assert_equal "${stderr_lines[0]}" "wr-query: $T/res.jsonl: 2 old answers to another body set aside in $T/res.jsonl.replaced"
	assert_equal "$(seen)" 6
	# The kept answer of model-a first, then the new ones.
	kept=$(tail -n 1 "$B" | cut -f 1)
	run models "$T/res.jsonl"
	assert_line --index 0 "$kept	model-a"
	assert_equal "$(printf '%s\n' "${lines[@]:1}" | sort)" "$(jq -r '[.custom_id, "model-b"] | @tsv' "$T/b.jsonl" | sort)"
	cmp <(grep -v "\"$kept\"" "$T/old.jsonl") "$T/res.jsonl.replaced"
	run --separate-stderr wr-parse -l "$T/res.jsonl"
	assert_success
	assert_equal "$(cut -f 1,3 <<<"$output" | sort)" "$(printf 'ant\tmodel-b\nbee\tmodel-b\ncat\tmodel-b\ndog\tmodel-b\nemu\tmodel-a\nfox\tmodel-a\ngnu\tmodel-b\nhen\tmodel-b' | sort)"
	# The re-run has nothing left to send.
	run --separate-stderr wr-query --replace -q -u "$SERVE_URL" -o "$T/res.jsonl" "$T/b.jsonl"
	assert_success
	assert_equal "$(seen)" 6
}

@test "--plan counts the requests answered for another body" {
	prompt -m model-a | wr-query -q -u "$SERVE_URL" -o "$T/res.jsonl"
	prompt -m model-b > "$T/b.jsonl"
	run --separate-stderr wr-query --plan -o "$T/res.jsonl" "$T/b.jsonl"
	assert_success
	assert_line --index 1 "already done in $T/res.jsonl: 0"
	assert_line --index 2 "answered in $T/res.jsonl for another body: 3 (sent only with --replace)"
}

@test "a file written before results named their request resumes as before" {
	prompt -m model-a | wr-query -q -u "$SERVE_URL" -o "$T/res.jsonl"
	jq -c 'del(.body_hash)' "$T/res.jsonl" > "$T/old.jsonl" && mv "$T/old.jsonl" "$T/res.jsonl"
	run --separate-stderr bash -c "wr-prompt -q -m model-b '$B' | wr-query -u '$SERVE_URL' -o '$T/res.jsonl'"
	assert_success
	assert_equal "$(sed -E 's/; [0-9.]+ s$//' <<<"$stderr")" "wr-query: 0 requests: 0 ok, 0 failed; 0 retries; 3 already done in $T/res.jsonl; 0 prompt and 0 completion tokens"
	assert_equal "$(seen)" 3
}
