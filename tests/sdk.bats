#!/usr/bin/env bats
# The vendors' own SDKs (tests/sdk, pinned in package-lock.json) drive wr-serve:
# openai, @anthropic-ai/sdk and @google/genai, each against its dialect
# (and the first two against its batch API).
# Without tests/sdk/node_modules (run "npm ci" there) they skip, except
# under CI, where .ci/run installs them and a missing SDK is a failure.

setup() {
	load helper
	SDK=$TOP/tests/sdk
	if [ -z "${CI:-}" ] && { [ ! -d "$SDK/node_modules" ] || ! command -v node >/dev/null; }; then
		skip "no tests/sdk/node_modules or no node: run 'npm ci' in tests/sdk to run the SDK tests"
	fi
	export WR_BIN
}

# sdk NAME: run tests/sdk/NAME.test.mjs with node's test runner.
sdk() {
	node --test "$SDK/$1.test.mjs"
}

@test "sdk: openai drives the OpenAI dialect" {
	run sdk openai
	assert_success
	assert_line '# fail 0'
	assert_line '# pass 11'
}

@test "sdk: @anthropic-ai/sdk drives the Anthropic dialect" {
	run sdk anthropic
	assert_success
	assert_line '# fail 0'
	assert_line '# pass 12'
}

@test "sdk: @google/genai drives the Gemini dialect" {
	run sdk genai
	assert_success
	assert_line '# fail 0'
	assert_line '# pass 7'
}
