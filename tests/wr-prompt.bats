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
	assert_line --index 0 "usage: wr-prompt [-q] [--schema] [--strict] [--logprobs[=N]] [-e FILE [--examples-scale LO:HI]]"
	assert_line --index 1 "       [-m MODEL] [-o KEY=JSON]... [-r LO:HI] [-s FILE] [-t FILE] [FILE...]"
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

# The default system message up to its format sentence, JSON-escaped.
SCALE='You rate candidate entries for American-style crossword puzzles by their quality as fill.\nScale:\n5 = lively and familiar: a word, phrase or name most solvers know and enjoy seeing.\n4 = solid and familiar, nothing wrong with it.\n3 = acceptable but plain, or known to only some solvers.\n2 = weak: obscure, crosswordese, an awkward partial phrase, an odd plural or inflection, or an abbreviation few know.\n1 = bad: not a real word or phrase, a misspelling, a random string, or offensive.\n'
LINES='Answer with exactly one line per entry, in the order given, in the form entry;score: the entry copied exactly as given, a semicolon, and a whole number from 1 to 5. Write nothing else: no heading, no numbering, no explanation.'
SCHEMA='"response_format":{"type":"json_schema","json_schema":{"name":"ratings","strict":true,"schema":{"type":"object","properties":{"ratings":{"type":"array","items":{"type":"object","properties":{"entry":{"type":"string"},"score":{"type":"integer","minimum":1,"maximum":5}},"required":["entry","score"],"additionalProperties":false}}},"required":["ratings"],"additionalProperties":false}}}'

@test "--schema asks for the JSON object in the system message and adds the json_schema response_format" {
	run wr-prompt -q -m m --schema "$FIX/prompt-batch.txt"
	assert_success
	assert_output '{"custom_id":"c5a62931ca6b6d20","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"system","content":"'"$SCALE"'Answer with one JSON object {\"ratings\":[...]} holding one item {\"entry\":...,\"score\":...} per entry, in the order given: the entry copied exactly as given, and a whole number from 1 to 5. Write nothing else: no heading, no explanation."},{"role":"user","content":"Entries (2):\n\ncat\ndog"}],'"$SCHEMA"'},"entries":["cat","dog"]}'
}

@test "--schema with -r and -s limits the scores to the range, after the -o fields" {
	printf 'Rate 0 to 100.' > "$BATS_TEST_TMPDIR/s"
	run wr-prompt -q -m m --strict --schema -r 0:100 -s "$BATS_TEST_TMPDIR/s" -o temperature=0 "$FIX/prompt-batch.txt"
	assert_success
	assert_output '{"custom_id":"c5a62931ca6b6d20","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"system","content":"Rate 0 to 100."},{"role":"user","content":"Entries (2):\n\ncat\ndog"}],"temperature":0,'"${SCHEMA/'"minimum":1,"maximum":5'/'"minimum":0,"maximum":100'}"'}}'
}

@test "--schema and -o response_format together are a usage error" {
	run --separate-stderr wr-prompt -m m --schema -o 'response_format={"type":"text"}' "$FIX/prompt-batch.txt"
	assert_failure 2
	assert_output ""
	[ "$stderr" = 'wr-prompt: --schema and -o response_format={"type":"text"} both set response_format' ]
}

@test "-r other than 1:5 needs a system message, and takes whole numbers only" {
	run --separate-stderr wr-prompt -m m -r 0:100 "$FIX/prompt-batch.txt"
	assert_failure 2
	[ "$stderr" = "wr-prompt: -r 0:100: the default system message rates from 1 to 5; give one for this range with -s FILE" ]
	run --separate-stderr wr-prompt -m m -r 1:4.5 -s /dev/null "$FIX/prompt-batch.txt"
	assert_failure 2
	[ "$stderr" = "wr-prompt: -r 1:4.5: the range must be whole numbers" ]
	run --separate-stderr wr-prompt -m m -r 5:1 -s /dev/null "$FIX/prompt-batch.txt"
	assert_failure 2
	[ "$stderr" = "wr-prompt: -r 5:1: LO must be below HI" ]
}

@test "--logprobs adds logprobs and top_logprobs 5 to every body" {
	run wr-prompt -q -m m -s /dev/null --strict --logprobs "$FIX/prompt-batch.txt"
	assert_success
	assert_output '{"custom_id":"c5a62931ca6b6d20","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"Entries (2):\n\ncat\ndog"}],"logprobs":true,"top_logprobs":5}}'
}

@test "--logprobs=N takes 0 to 20, and comes after --schema's field" {
	run wr-prompt -q -m m -s /dev/null --strict --logprobs=0 "$FIX/prompt-batch.txt"
	assert_success
	assert_output --partial '}],"logprobs":true,"top_logprobs":0}}'
	run wr-prompt -q -m m -s /dev/null --strict --schema --logprobs=20 "$FIX/prompt-batch.txt"
	assert_success
	assert_output --partial '"additionalProperties":false}}},"logprobs":true,"top_logprobs":20}}'
	run --separate-stderr wr-prompt -m m --logprobs=21 "$FIX/prompt-batch.txt"
	assert_failure 2
	[ "$stderr" = "wr-prompt: --logprobs 21: too large (maximum 20)" ]
	run --separate-stderr wr-prompt -m m --logprobs=-1 "$FIX/prompt-batch.txt"
	assert_failure 2
	[ "$stderr" = "wr-prompt: --logprobs -1: too small (minimum 0)" ]
	run --separate-stderr wr-prompt -m m --logprobs -o top_logprobs=3 "$FIX/prompt-batch.txt"
	assert_failure 2
	[ "$stderr" = "wr-prompt: --logprobs and -o top_logprobs=3 both set top_logprobs" ]
}

@test "-e puts up to two examples per score, highest first, into the default system message" {
	printf 'apple;5\nbanana;5\ncherry;5\nxqz;1\nzzyzx;2\n\ncat\t4\nmid ; 3\nsemi;colon;2\n' > "$BATS_TEST_TMPDIR/ex"
	run wr-prompt -q -m m --strict -e "$BATS_TEST_TMPDIR/ex" "$FIX/prompt-batch.txt"
	assert_success
	assert_output '{"custom_id":"c5a62931ca6b6d20","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"system","content":"'"$SCALE"'Examples of entries and their scores on this scale:\ncherry;5\napple;5\ncat;4\nmid;3\nzzyzx;2\nsemi;colon;2\nxqz;1\n'"$LINES"'"},{"role":"user","content":"Entries (2):\n\ncat\ndog"}]}}'
}

@test "-e gives the same bytes for the same list, whatever its order" {
	seq 1 500 | awk '{ printf "w%d;%d\n", $1, $1 % 5 + 1 }' > "$BATS_TEST_TMPDIR/ex"
	wr-prompt -q -m m -e "$BATS_TEST_TMPDIR/ex" "$FIX/prompt-batch.txt" > "$BATS_TEST_TMPDIR/a"
	wr-prompt -q -m m -e "$BATS_TEST_TMPDIR/ex" "$FIX/prompt-batch.txt" > "$BATS_TEST_TMPDIR/b"
	tac "$BATS_TEST_TMPDIR/ex" | wr-prompt -q -m m -e - "$FIX/prompt-batch.txt" > "$BATS_TEST_TMPDIR/c"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/c"
	run bash -c "jq -r '.body.messages[0].content' '$BATS_TEST_TMPDIR/a' | sed -n '/^Examples/,/^Answer/p' | grep -c ';[0-9]$'"
	assert_output 10
}

@test "-e maps the list's own scale onto the range and spreads ten examples over many levels" {
	printf 'a;0\nb;100\nc;50\nd;24\ne;26\n' > "$BATS_TEST_TMPDIR/ex"
	run bash -c "wr-prompt -q -m m -e '$BATS_TEST_TMPDIR/ex' --examples-scale 0:100 '$FIX/prompt-batch.txt' | jq -r '.body.messages[0].content' | sed -n '/^Examples/,/^Answer/p'"
	assert_output - <<-'EOF'
	Examples of entries and their scores on this scale:
	b;5
	c;3
	e;2
	d;2
	a;1
	Answer with exactly one line per entry, in the order given, in the form entry;score: the entry copied exactly as given, a semicolon, and a whole number from 1 to 5. Write nothing else: no heading, no numbering, no explanation.
	EOF
	seq 0 100 | awk '{ printf "w%d\t%d\n", $1, $1 }' > "$BATS_TEST_TMPDIR/ex"
	printf 'Scale 0-100.\n{{examples}}' > "$BATS_TEST_TMPDIR/s"
	run bash -c "wr-prompt -q -m m -r 0:100 -s '$BATS_TEST_TMPDIR/s' -e '$BATS_TEST_TMPDIR/ex' '$FIX/prompt-batch.txt' | jq -r '.body.messages[0].content' | tr '\n' ' '"
	assert_output 'Scale 0-100. w100;100 w89;89 w78;78 w67;67 w56;56 w45;45 w34;34 w23;23 w12;12 w0;0 '
}

@test "bad lines of the -e list are reported with file and line, and the rest is used" {
	printf 'apple;5\nno score here\n;4\nfoo;x\nbar;9\nbaz\t\n' > "$BATS_TEST_TMPDIR/ex"
	run --separate-stderr wr-prompt -m m -s /dev/null -e "$BATS_TEST_TMPDIR/ex" "$FIX/prompt-batch.txt"
	assert_failure 2
	printf 'Examples: {{examples}}' > "$BATS_TEST_TMPDIR/s"
	run --separate-stderr wr-prompt -m m --strict -s "$BATS_TEST_TMPDIR/s" -e "$BATS_TEST_TMPDIR/ex" "$FIX/prompt-batch.txt"
	assert_failure 1
	assert_output '{"custom_id":"c5a62931ca6b6d20","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"system","content":"Examples: apple;5"},{"role":"user","content":"Entries (2):\n\ncat\ndog"}]}}'
	[ "$stderr" = "wr-prompt: $BATS_TEST_TMPDIR/ex:2: not a scored entry (entry;score or entry<TAB>score), line skipped
wr-prompt: $BATS_TEST_TMPDIR/ex:3: empty entry, line skipped
wr-prompt: $BATS_TEST_TMPDIR/ex:4: score \"x\" is not a number, line skipped
wr-prompt: $BATS_TEST_TMPDIR/ex:5: score 9 is outside the scale 1:5, line skipped
wr-prompt: $BATS_TEST_TMPDIR/ex:6: score \"\" is not a number, line skipped
wr-prompt: 1 requests, 5 bad lines" ]
}

@test "a system message without {{examples}} under -e, or with it but no -e, is a usage error" {
	printf 'Be brief.' > "$BATS_TEST_TMPDIR/s"
	printf 'apple;5\n' > "$BATS_TEST_TMPDIR/ex"
	run --separate-stderr wr-prompt -m m -s "$BATS_TEST_TMPDIR/s" -e "$BATS_TEST_TMPDIR/ex" "$FIX/prompt-batch.txt"
	assert_failure 2
	assert_output ""
	[ "$stderr" = "wr-prompt: $BATS_TEST_TMPDIR/s: system message has no {{examples}} for -e $BATS_TEST_TMPDIR/ex" ]
	printf 'Be brief. {{examples}}' > "$BATS_TEST_TMPDIR/s"
	run --separate-stderr wr-prompt -m m -s "$BATS_TEST_TMPDIR/s" "$FIX/prompt-batch.txt"
	assert_failure 2
	[ "$stderr" = "wr-prompt: $BATS_TEST_TMPDIR/s: system message has {{examples}} but no -e FILE gives them" ]
	run --separate-stderr wr-prompt -m m -e /nonexistent "$FIX/prompt-batch.txt"
	assert_failure 2
	assert_output ""
	run --separate-stderr wr-prompt -m m --examples-scale 0:10 "$FIX/prompt-batch.txt"
	assert_failure 2
	[ "$stderr" = "wr-prompt: --examples-scale 0:10: no -e FILE to apply it to" ]
}

@test "-e - with the batches on standard input too is a usage error" {
	run --separate-stderr bash -c "printf 'apple;5\n' | wr-prompt -m m -e - < '$FIX/prompt-batch.txt'"
	assert_failure 2
	[ "$stderr" = "wr-prompt: -e -: the batches are read from standard input too" ]
	run --separate-stderr bash -c "wr-prompt -m m -e - '$FIX/prompt-batch.txt' - < /dev/null"
	assert_failure 2
	run bash -c "printf 'apple;5\n' | wr-prompt -q -m m -e - '$FIX/prompt-batch.txt' | jq -r '.body.messages[0].content' | grep -x 'apple;5'"
	assert_success
}
