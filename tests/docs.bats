#!/usr/bin/env bats
# Every command shown in README.md (its ```sh blocks), in the EXAMPLES of
# wr(7) and in the EXAMPLES of every program's page is taken from the
# document, as written, and run against wr-serve on loopback, so the
# documentation cannot rot (the programs' pages get the rewrites described
# at run_man_blocks).  The extraction is mechanical;
# only these rewrites are made before a block runs:
#   http://127.0.0.1:8000/v1, :8001, :8002  ->  the URLs of three wr-serves
#   vllm run-batch -i IN -o OUT ...          ->  wr-query -q IN > OUT
# and blocks that call api.openai.com are checked for syntax only.
# OPENAI_BASE_URL points at a fourth wr-serve. Every wr-serve ends a batch
# job at once (--batch-time 0), so that wr-submit's first poll collects it.

setup() {
	load helper
	cd "$BATS_TEST_TMPDIR"
	cp "$FIX/e2e-words.txt" words.txt
	ln -s "$TOP/examples" examples
	EXPECTED=$(cat "$FIX/e2e-expected.dict")
}

teardown() {
	stop_serve
	local p
	for p in ${MORE_PIDS:-}; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done
}

# servers [wr-serve options for the default server]: the default server in
# OPENAI_BASE_URL, and the ones the documents call :8000, :8001 and :8002.
servers() {
	local i
	for i in 0 1 2; do
		start_serve --batch-time 0
		MORE_PIDS="${MORE_PIDS:-} $SERVE_PID"
		eval "URL_$i=\$SERVE_URL"
	done
	start_serve --batch-time 0 "$@"
	export OPENAI_BASE_URL=$SERVE_URL
}

# readme_blocks: the ```sh blocks of README.md, each ended by a line "%%".
readme_blocks() {
	awk '/^```sh$/ { on = 1; next } on && /^```$/ { on = 0; print "%%"; next } on' "$TOP/README.md"
}

# man_blocks PAGE: the literal displays of the EXAMPLES section of PAGE.
man_blocks() {
	awk '/^\.Sh / { ex = ($2 == "EXAMPLES") } \
	    ex && /^\.Bd -literal/ { on = 1; next } on && /^\.Ed/ { on = 0; print "%%"; next } \
	    on { gsub(/\\e/, "\\"); gsub(/\\&/, ""); print }' "$1"
}

# run_blocks NAME SYNTAX-ONLY SED-ARGS...: run the blocks read from stdin one
# after the other in this directory, each rewritten by sed -E SED-ARGS, with
# stdin /dev/null and its output in NAME.N.out and NAME.N.err; a block that
# matches the glob SYNTAX-ONLY is checked for syntax only. Print each block
# that does not exit 0, with its status and errors, then the number of blocks.
run_blocks() {
	local name=$1 syntax=$2 block= line n=0 bad=0 st
	shift 2
	while IFS= read -r line; do
		if [ "$line" != %% ]; then block+=$line$'\n'; continue; fi
		n=$((n + 1))
		block=$(printf '%s' "$block" | sed -E "$@" \
		    -e 's#^vllm run-batch -i ([^ ]*) -o ([^ ]*) .*#wr-query -q \1 > \2#')
		case $block in
		$syntax) bash -n -c "$block"; st=$? ;;
		*) bash -c "$block" > "$name.$n.out" 2> "$name.$n.err" < /dev/null; st=$? ;;
		esac
		if [ "$st" -ne 0 ]; then
			bad=1; printf 'block %d exited %d:\n%s\n' "$n" "$st" "$block"; cat "$name.$n.err"
		fi
		block=
	done
	echo "$n blocks"
	return "$bad"
}

# run_doc_blocks: the blocks of README.md and wr(7), with the URLs :8000,
# :8001 and :8002 on three wr-serves and api.openai.com for syntax only.
run_doc_blocks() {
	run_blocks block '*api.openai.com*' \
	    -e "s#http://127.0.0.1:8000/v1#$URL_0#g" \
	    -e "s#http://127.0.0.1:8001/v1#$URL_1#g" \
	    -e "s#http://127.0.0.1:8002/v1#$URL_2#g"
}

@test "README.md has the blocks the test expects" {
	run bash -c "$(declare -f readme_blocks); TOP='$TOP' readme_blocks | grep -c '^%%$'"
	assert_output 7
}

@test "every command block of README.md runs against wr-serve" {
	servers --refuse-entry xyzzyq
	run run_doc_blocks < <(readme_blocks)
	assert_success
	assert_output '7 blocks'
	run cat scored.dict
	assert_output "$(printf '%s\nNEWENTRY;100' "$EXPECTED" | LC_ALL=C sort)"
	# the one request of batch.jsonl holds xyzzyq, so its whole batch was refused
	run bash -c 'wr-parse -q batch.jsonl | wc -l; jq -r .response.body.type claude-batch.jsonl'
	assert_output $'0\nmessage'
	run cat batch.dict
	assert_output "$EXPECTED"
	run bash -c 'ls batch.jsonl.jobs claude-batch.jsonl.jobs'
	assert_output $'batch.jsonl.jobs:\nlog\n\nclaude-batch.jsonl.jobs:\nlog'
	run cmp ensemble.dict scored.dict
	assert_success
	run cat refused-alone.txt
	assert_output xyzzyq
	run wc -l < refused.txt
	assert_output 15
}

@test "every example of wr(7) runs against wr-serve" {
	servers
	run run_doc_blocks < <(man_blocks "$TOP/man/wr.7")
	assert_success
	assert_output '10 blocks'
	run cat scored.dict
	assert_output "$EXPECTED"
	run cat batch.dict
	assert_output "$EXPECTED"
	run bash -c 'wr-merge -q ratings.tsv'
	assert_output "$EXPECTED"
	for f in part.*.jsonl results.jsonl upload.jsonl output.jsonl batch.jsonl a.jsonl b.jsonl c.jsonl out/results.0.jsonl; do
		[ -s "$f" ] || { echo "no $f"; false; }
	done
}

# man_setup: the files the programs' EXAMPLES name, made the way a user would
# make them (a first rating run against the default server) or from fixtures.
man_setup() {
	wr-batch -q words.txt > batches.txt
	wr-prompt -q -m m batches.txt > requests.jsonl
	wr-query -q -o results.jsonl requests.jsonl
	wr-parse -q results.jsonl > ratings.tsv
	wr-prompt -q --strict -m m batches.txt | wr-query -q > output.jsonl
	: > errors.jsonl
	cp ratings.tsv cheap.tsv; cp ratings.tsv good.tsv
	cp ratings.tsv run1.tsv; cp ratings.tsv run2.tsv
	cp "$FIX/merge-broda.txt" broda.txt
	cp "$FIX/merge-stwl.dict" stwl.dict
	cp "$FIX/merge-base.dict" MyEdits.dict
	mkdir -p home/.config/wr && printf 'sk-docs\n' > home/.config/wr/key && chmod 600 home/.config/wr/key
}

# run_man_blocks: the blocks of a program's page: any http(s)://HOST[:PORT]/v1
# becomes the default server, a key file under ~ lives in ./home, and a block
# that starts wr-serve on a fixed port (a sketch of a terminal session) is
# checked for syntax only.
run_man_blocks() {
	run_blocks man '*wr-serve *-p 8080*' \
	    -e "s#https?://[A-Za-z0-9.:-]+/v1#$OPENAI_BASE_URL#g" \
	    -e "s#~/#$PWD/home/#g"
}

@test "every example of every program's man page runs against wr-serve" {
	servers
	man_setup
	local page out=
	for page in "$TOP"/man/wr-*.1; do
		run run_man_blocks < <(man_blocks "$page")
		echo "# $(basename "$page"): ${output##*$'\n'}" >&3
		[ "$status" -eq 0 ] || out+="$(basename "$page"): $output"$'\n'
	done
	[ -z "$out" ] || { printf '%s' "$out"; false; }
}
