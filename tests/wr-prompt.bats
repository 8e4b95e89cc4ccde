#!/usr/bin/env bats
# wr-prompt: batches in, OpenAI Batch API request lines out.

setup() { load helper; }

@test "the default prompt puts fixed instructions in the system message and the entries last" {
	run wr-prompt -q -m gpt-4o-mini "$FIX/prompt-batch.txt"
	assert_success
	assert_output "$(cat "$FIX/prompt-default.jsonl")"
}

@test "WR_MODEL gives the model when -m is absent" {
	run bash -c "WR_MODEL=gpt-4o-mini wr-prompt -q < '$FIX/prompt-batch.txt'"
	assert_success
	assert_output "$(cat "$FIX/prompt-default.jsonl")"
}

@test "without -m or WR_MODEL the error says how to give a model" {
	run --separate-stderr wr-prompt "$FIX/prompt-batch.txt"
	assert_failure 2
	[ "$stderr" = "wr-prompt: no model: give -m MODEL or set WR_MODEL" ]
}

@test "a template and a system message from files, with every placeholder" {
	printf 'Batch {{id}} has {{count}}:\n{{entries}}\n' > "$BATS_TEST_TMPDIR/t"
	printf 'Be brief.' > "$BATS_TEST_TMPDIR/s"
	run wr-prompt -q -m m -t "$BATS_TEST_TMPDIR/t" -s "$BATS_TEST_TMPDIR/s" "$FIX/prompt-batch.txt"
	assert_success
	assert_output '{"custom_id":"c5a62931ca6b6d20","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Batch c5a62931ca6b6d20 has 2:\ncat\ndog\n"}]},"entries":["cat","dog"]}'
}

@test "an empty system message file leaves the system message out" {
	run wr-prompt -q -m m -s /dev/null --strict "$FIX/prompt-batch.txt"
	assert_success
	assert_output '{"custom_id":"c5a62931ca6b6d20","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"Entries (2):\n\ncat\ndog"}]}}'
}

@test "-o adds JSON fields to every body, in order" {
	run bash -c "wr-prompt -q -m m -s /dev/null -o temperature=0 -o 'response_format={\"type\":\"text\"}' --option max_tokens=400 < '$FIX/prompt-batch.txt'"
	assert_success
	assert_output '{"custom_id":"c5a62931ca6b6d20","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"Entries (2):\n\ncat\ndog"}],"temperature":0,"response_format":{"type":"text"},"max_tokens":400},"entries":["cat","dog"]}'
}

@test "-o with invalid JSON is a usage error naming the option" {
	run --separate-stderr wr-prompt -m m -o 'temperature=zero' "$FIX/prompt-batch.txt"
	assert_failure 2
	assert_output ""
	[ "$stderr" = "wr-prompt: -o temperature=zero: value is not valid JSON" ]
	run --separate-stderr wr-prompt -m m -o 'temperature' "$FIX/prompt-batch.txt"
	assert_failure 2
	[ "$stderr" = "wr-prompt: -o temperature: expected KEY=JSON" ]
	run --separate-stderr wr-prompt -m m -o 'model="x"' "$FIX/prompt-batch.txt"
	assert_failure 2
	[ "$stderr" = "wr-prompt: -o model=\"x\": model is set by wr-prompt (use -m)" ]
}

@test "a template with an unknown placeholder or without entries is refused" {
	printf 'Rate {{words}}\n' > "$BATS_TEST_TMPDIR/t"
	run --separate-stderr wr-prompt -m m -t "$BATS_TEST_TMPDIR/t" "$FIX/prompt-batch.txt"
	assert_failure 2
	[ "$stderr" = "wr-prompt: $BATS_TEST_TMPDIR/t: unknown placeholder {{words}} (known: {{entries}}, {{count}}, {{id}})" ]
	printf 'Rate these.\n' > "$BATS_TEST_TMPDIR/t"
	run --separate-stderr wr-prompt -m m -t "$BATS_TEST_TMPDIR/t" "$FIX/prompt-batch.txt"
	assert_failure 2
	[ "$stderr" = "wr-prompt: $BATS_TEST_TMPDIR/t: template has no {{entries}}" ]
}

@test "any UTF-8 entry yields valid JSON that decodes to the same entry" {
	entries=$(printf 'say "hi"\nback\\\\slash\nemoji 😀\ncafé\n')
	run bash -c "printf '%s\n' \"\$1\" | wr-batch -q | wr-prompt -q -m m | jq -r '.entries[]'" _ "$entries"
	assert_success
	assert_output "$(printf 'say "hi"\nback\\\\slash\nemoji 😀\ncafé')"
}

@test "control characters inside a batch are escaped as \\u00XX" {
	run bash -c "printf '0123456789abcdef\tbell\001x\n' | wr-prompt -q -m m -s /dev/null --strict"
	assert_success
	assert_output '{"custom_id":"0123456789abcdef","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"Entries (1):\n\nbell\u0001x"}]}}'
}

@test "a line that is not a batch is reported with file and line, and the rest flows" {
	printf 'not a batch\n0123456789ABCDEF\tx\nc5a62931ca6b6d20\tcat\tdog\n' > "$BATS_TEST_TMPDIR/b"
	run --separate-stderr wr-prompt -m gpt-4o-mini "$BATS_TEST_TMPDIR/b"
	assert_failure 1
	assert_output "$(cat "$FIX/prompt-default.jsonl")"
	[ "$stderr" = "wr-prompt: $BATS_TEST_TMPDIR/b:1: not a batch (ID<TAB>entry...), line skipped
wr-prompt: $BATS_TEST_TMPDIR/b:2: not a batch (ID<TAB>entry...), line skipped
wr-prompt: 1 requests, 2 bad lines" ]
}

@test "--strict leaves out the entries field" {
	run bash -c "wr-prompt -q -m m --strict < '$FIX/prompt-batch.txt' | jq -c 'keys'"
	assert_success
	assert_output '["body","custom_id","method","url"]'
}

@test "--help, --version and a bad option" {
	run wr-prompt -h
	assert_success
	assert_line --index 0 "usage: wr-prompt [-q] [--strict] [-m MODEL] [-o KEY=JSON]... [-s FILE] [-t FILE] [FILE...]"
	run wr-prompt --version
	assert_success
	assert_output "wr-prompt (wr) 0.1.0"
	run wr-prompt -Z
	assert_failure 2
}

@test "a full disk is an error with status 2" {
	run bash -c "wr-prompt -q -m m < '$FIX/prompt-batch.txt' > /dev/full"
	assert_failure 2
	assert_output "wr-prompt: stdout: write error: No space left on device"
}

@test "a request is written as soon as its batch is read, while input is still open" {
	mkfifo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	wr-prompt -q -m m < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out" &
	pid=$!
	exec {w}> "$BATS_TEST_TMPDIR/in" {r}< "$BATS_TEST_TMPDIR/out"
	printf '0123456789abcdef\tcat\tdog\n' >&"$w"
	IFS= read -r -t 10 line <&"$r"
	exec {w}>&-
	IFS= read -r -t 10 last <&"$r" || true
	exec {r}<&-
	wait "$pid"
	[ "$(jq -c '[.custom_id, .entries]' <<< "$line")" = '["0123456789abcdef",["cat","dog"]]' ]
	[ -z "$last" ]
}

@test "many batches, some needing escapes, give one valid request each in order" {
	# Every third batch holds a quote and a backslash; every line has an empty field.
	awk 'BEGIN { for (i = 0; i < 30000; i++)
		if (i % 3) printf "%016x\tw%d\t\tv%d\n", i, i, i
		else printf "%016x\tw%d\tq\"%d\t\tx\\%d\n", i, i, i, i }' > "$BATS_TEST_TMPDIR/b"
	wr-prompt -q -m m "$BATS_TEST_TMPDIR/b" |
		jq -r '[.custom_id] + .entries + ["|"] + (.body.messages[1].content | split("\n") | .[2:]) | join("\t")' \
		> "$BATS_TEST_TMPDIR/got"
	awk -F'\t' -v OFS='\t' '{ s = $1; for (i = 2; i <= NF; i++) if ($i != "") s = s OFS $i
		t = ""; for (i = 2; i <= NF; i++) if ($i != "") t = t OFS $i
		print s OFS "|" t }' "$BATS_TEST_TMPDIR/b" > "$BATS_TEST_TMPDIR/want"
	run diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	assert_success
	run sed -n '1p' "$BATS_TEST_TMPDIR/got"
	assert_output "$(printf '0000000000000000\tw0\tq"0\tx\\0\t|\tw0\tq"0\tx\\0' | sed -n 1p)"
}

@test "a template may hold any number of placeholders" {
	for i in $(seq 200); do printf '{{count}}{{id}}|'; done > "$BATS_TEST_TMPDIR/t"
	printf '{{entries}}' >> "$BATS_TEST_TMPDIR/t"
	run bash -c "printf '0123456789abcdef\tcat\tdog\n' | wr-prompt -q -m m -t '$BATS_TEST_TMPDIR/t' | jq -r '.body.messages[1].content'"
	assert_success
	assert_output "$(for i in $(seq 200); do printf '20123456789abcdef|'; done; printf 'cat\ndog')"
}

@test "a last line cut short is skipped, a complete one without a newline is not" {
	id=$(printf 'cat\ndog\n' | xxh64sum | cut -c1-16)
	run --separate-stderr bash -c "set -o pipefail; printf '%s\tcat\tdog\n%s\tcat\tdo' '$id' '$id' | wr-prompt -m m | jq -c .entries"
	assert_failure 1
	assert_output '["cat","dog"]'
	[ "$stderr" = "wr-prompt: -:2: last line has no newline and its ID does not match its entries (cut short?), skipped
wr-prompt: 1 requests, 1 bad lines" ]
	run bash -c "printf '%s\tcat\tdog' '$id' | wr-prompt -q -m m | jq -c .entries"
	assert_success
	assert_output '["cat","dog"]'
}
