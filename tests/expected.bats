#!/usr/bin/env bats
# wr-parse -E: expected scores from logprobs, on fixtures worked out by hand
# (tests/fixtures/expected.md), through wr-merge and wr-agree, and end to end.

setup() { load helper; }

# A test that fails half-way leaves no wr-serve behind.
teardown() { stop_serve; }

@test "-E weighs the score alternatives of each answer, as worked out by hand" {
	run --separate-stderr wr-parse -E "$FIX/expected-openai.jsonl"
	assert_failure 1
	assert_output "$(printf 'apple\t4.20\nbanana\t2.20\ncherry\t5\ndate\t3\nfig\t3.44\ngrape\t1.80\nkiwi\t1.50')"
	[ "$stderr" = "wr-parse: 5 results (1 failed, 0 duplicate), 7 rated (5 expected, 2 plain), 1 missing, 0 refused, 0 rejected, 0 bad lines
wr-parse: -E: model gpt-4o-mini-2024-07-18 answered without logprobs (ask for them with wr-prompt --logprobs): plain scores for 1 entry
wr-parse: -E: 1 request (1 entry) failed over logprobs (reasoning models refuse them: send these without --logprobs): \"You are not allowed to request logprobs from this model\"" ]
}

@test "without -E the same answers give their plain scores" {
	run --separate-stderr wr-parse "$FIX/expected-openai.jsonl"
	assert_failure 1
	assert_output "$(printf 'apple\t4\nbanana\t2\ncherry\t5\ndate\t3\nfig\t3\ngrape\t2\nkiwi\t1')"
	[ "$stderr" = "wr-parse: 5 results (1 failed, 0 duplicate), 7 rated, 1 missing, 0 refused, 0 rejected, 0 bad lines" ]
}

@test "on 1:10 a one-token 10 is weighed and a 10 in two tokens keeps its plain score" {
	run --separate-stderr wr-parse -E -s 1:10 "$FIX/expected-ten.jsonl"
	assert_success
	assert_output "$(printf 'dog\t8.60\ncat\t10\neel\t8.00')"
	[ "$stderr" = "wr-parse: 1 results (0 failed, 0 duplicate), 3 rated (2 expected, 1 plain), 0 missing, 0 refused, 0 rejected, 0 bad lines" ]
}

@test "Gemini's logprobsResult is weighed; an Anthropic answer is named as having none" {
	run --separate-stderr wr-parse -E "$FIX/expected-native.jsonl"
	assert_success
	assert_output "$(printf 'melon\t2.80\nonion\t3.75\npear\t2')"
	[ "$stderr" = "wr-parse: 2 results (0 failed, 0 duplicate), 3 rated (2 expected, 1 plain), 0 missing, 0 refused, 0 rejected, 0 bad lines
wr-parse: -E: model claude-sonnet-4-5 answered without logprobs (Anthropic has none): plain scores for 1 entry" ]
}

@test "-E -l keeps the model and custom_id columns, on any number of threads" {
	run -0 wr-parse -qEl -s 1:10 -j 1 "$FIX/expected-ten.jsonl"
	assert_output "$(printf 'dog\t8.60\tgpt-4o-mini-2024-07-18\tt1\ncat\t10\tgpt-4o-mini-2024-07-18\tt1\neel\t8.00\tgpt-4o-mini-2024-07-18\tt1')"
	one=$output
	run -0 wr-parse -qEl -s 1:10 -j 4 "$FIX/expected-ten.jsonl"
	assert_output "$one"
}

@test "a reasoning model answering without logprobs is named" {
	sed 's/gpt-4o-mini-2024-07-18/o3-mini-2025-01-31/' "$FIX/expected-openai.jsonl" | sed -n 2p > "$BATS_TEST_TMPDIR/r"
	run --separate-stderr wr-parse -E "$BATS_TEST_TMPDIR/r"
	assert_success
	assert_output "$(printf 'date\t3')"
	[ "${stderr##*$'\n'}" = "wr-parse: -E: model o3-mini-2025-01-31 answered without logprobs (a reasoning model refuses them): plain scores for 1 entry" ]
}

@test "wr-merge reads the expected scores onto its scale" {
	wr-parse -qE "$FIX/expected-openai.jsonl" > "$BATS_TEST_TMPDIR/e.tsv" 2>/dev/null || true
	run -0 wr-merge -q -f tsv "$BATS_TEST_TMPDIR/e.tsv"
	assert_output "$(printf 'apple\t80\nbanana\t30\ncherry\t100\ndate\t50\nfig\t61\ngrape\t20\nkiwi\t12.5')"
}

@test "wr-agree counts the distinct values of expected scores" {
	wr-parse -qE "$FIX/expected-openai.jsonl" > "$BATS_TEST_TMPDIR/e.tsv" 2>/dev/null || true
	wr-parse -q "$FIX/expected-openai.jsonl" > "$BATS_TEST_TMPDIR/p.tsv" 2>/dev/null || true
	run -0 wr-agree "$BATS_TEST_TMPDIR/p.tsv" "$BATS_TEST_TMPDIR/e.tsv"
	assert_line --index 2 "  distinct values 5; the most shared, 2, by 2 entries (28.6%)"
	assert_line --partial "  distinct values 7; the most shared, 1.5, by 1 entry (14.3%)"
	assert_line "  3.44 1 ########################################"
}

# rate_through OPTIONS...: the six words of the fixed request rated through
# wr-serve with logprobs asked, wr-prompt OPTIONS added, read back with -E.
rate_through() {
	printf '%s\n' cat 'ice cream' quixotic zymurgy abidingness xyzzyq |
		wr-batch -q -n 3 | wr-prompt -q -m test-model --logprobs "$@" |
		wr-query -q ${API:+--api "$API"} -u "$SERVE_URL${API:+beta}" | wr-parse -E
}

@test "end to end through wr-serve, every entry gets an expected score, in each answer shape" {
	start_serve --style mix --seed 3
	want=$(printf 'cat\t4.55\nice cream\t4.63\nquixotic\t3.93\nzymurgy\t2.99\nabidingness\t2.04\nxyzzyq\t1.14')
	run --separate-stderr rate_through
	assert_success
	assert_output "$want"
	[ "$stderr" = "wr-parse: 2 results (0 failed, 0 duplicate), 6 rated (6 expected, 0 plain), 0 missing, 0 refused, 0 rejected, 0 bad lines" ]
	run -0 --separate-stderr rate_through --schema
	assert_output "$want"
	API=gemini run -0 --separate-stderr rate_through
	assert_output "$want"
}
