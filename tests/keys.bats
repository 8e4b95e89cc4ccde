#!/usr/bin/env bats
# Keys stay off the command line: in every program, the spellings people
# bring from other tools (--api-key, --key, --token...) and abbreviations of
# the key-file options are usage errors that never print what followed them.

setup() {
	load helper
	FAKE=sk-FAKE-7f3a9c-DO-NOT-PRINT
}

# spellings PROG HOW: every look-alike, with its value as the next word and
# after "=", exits 2 with one exact message, nothing on stdout, and the
# fake key nowhere.
spellings() {
	local prog=$1 how=$2 opt form
	for opt in --api-key --key --api_key --apikey --token --api-token --auth --secret --OPENAI_API_KEY $3; do
		for form in sep eq; do
			if [ "$form" = sep ]; then
				run --separate-stderr "$prog" "$opt" "$FAKE" < /dev/null
			else
				run --separate-stderr "$prog" "$opt=$FAKE" < /dev/null
			fi
			assert_failure 2
			assert_output ''
			assert_equal "$stderr" "$prog: $opt: not an option; $how"
		done
	done
}

TAKES_NONE='takes no key, and keys are never given on the command line'

@test "wr-batch refuses key options without printing the key" {
	spellings wr-batch "wr-batch $TAKES_NONE"
}

@test "wr-prompt refuses key options without printing the key" {
	spellings wr-prompt "wr-prompt $TAKES_NONE"
}

@test "wr-parse refuses key options without printing the key" {
	spellings wr-parse "wr-parse $TAKES_NONE"
}

@test "wr-merge refuses key options without printing the key" {
	spellings wr-merge "wr-merge $TAKES_NONE"
}

@test "wr-agree refuses key options without printing the key" {
	spellings wr-agree "wr-agree $TAKES_NONE"
}

@test "wr-query refuses key options and abbreviations of --api-key-file" {
	spellings wr-query 'keys are never given on the command line, where ps and shell history show them: set $OPENAI_API_KEY or use --api-key-file FILE' \
		'--api-key-f --api-key-fil --key-h'
}

@test "wr-submit refuses key options and abbreviations of --api-key-file" {
	spellings wr-submit 'keys are never given on the command line, where ps and shell history show them: set $OPENAI_API_KEY or use --api-key-file FILE' \
		'--api-key-f --api-key-fil --key-h'
}

@test "wr-serve refuses key options and abbreviations of --key-file" {
	spellings wr-serve 'keys are never given on the command line, where ps and shell history show them: set $WR_SERVE_KEY or use --key-file FILE' \
		'--key-f --key-fil'
}

@test "an unknown option with a value is named without its value" {
	for prog in wr-batch wr-prompt wr-query wr-submit wr-parse wr-merge wr-agree wr-serve; do
		run --separate-stderr "$prog" "--colour=$FAKE" < /dev/null
		assert_failure 2
		assert_output ''
		assert_equal "$stderr" "$prog: unrecognized option '--colour' (try --help)"
	done
}

@test "a key typed where the key file goes is never printed back" {
	run --separate-stderr wr-query --api-key-file "$FAKE" < /dev/null
	assert_failure 2
	assert_output ''
	assert_equal "$stderr" 'wr-query: the key file given to --api-key-file cannot be read: No such file or directory'
	run --separate-stderr wr-query "--api-key-file=$FAKE" < /dev/null
	assert_failure 2
	assert_equal "$stderr" 'wr-query: the key file given to --api-key-file cannot be read: No such file or directory'
	run --separate-stderr wr-serve --key-file "$FAKE"
	assert_failure 2
	assert_output ''
	assert_equal "$stderr" 'wr-serve: the key file given to --key-file cannot be read: No such file or directory'
}

@test "key file problems are reported without the file's name" {
	(umask 077; printf '\n  \n' > "$BATS_TEST_TMPDIR/$FAKE")
	run --separate-stderr wr-query --api-key-file "$BATS_TEST_TMPDIR/$FAKE" < /dev/null
	assert_failure 2
	assert_equal "$stderr" 'wr-query: the key file given to --api-key-file has no key on its first line'
	printf 'sk-a b\n' > "$BATS_TEST_TMPDIR/$FAKE"
	chmod 600 "$BATS_TEST_TMPDIR/$FAKE"
	run --separate-stderr wr-query --api-key-file "$BATS_TEST_TMPDIR/$FAKE" < /dev/null
	assert_failure 2
	assert_equal "$stderr" 'wr-query: the key in the file given to --api-key-file holds a character that cannot go in a header'
	printf 'sk-ok\n' > "$BATS_TEST_TMPDIR/$FAKE"
	chmod 644 "$BATS_TEST_TMPDIR/$FAKE"
	run --separate-stderr wr-query -q --api-key-file "$BATS_TEST_TMPDIR/$FAKE" < /dev/null
	assert_success
	assert_equal "$stderr" 'wr-query: the key file given to --api-key-file is readable by others'
}
