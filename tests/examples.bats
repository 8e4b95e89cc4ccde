#!/usr/bin/env bats
# The recipes of examples/, run against wr-serve on loopback.

setup() {
	load helper
	EX=$TOP/examples
	cp "$FIX/e2e-words.txt" "$BATS_TEST_TMPDIR/words.txt"
	cd "$BATS_TEST_TMPDIR"
	EXPECTED=$(cat "$FIX/e2e-expected.dict")
}

teardown() {
	stop_serve
	local p
	for p in ${MORE_PIDS:-}; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null || true; done
}

# serve_more [options]: one more wr-serve; its URL in URL_N, PID in MORE_PIDS.
serve_more() {
	local pid=${SERVE_PID:-} url=${SERVE_URL:-}
	start_serve "$@"
	MORE_PIDS="${MORE_PIDS:-} $SERVE_PID" URL_N=$SERVE_URL
	SERVE_PID=$pid SERVE_URL=$url
}

# requested LOG: the entries requested in a wr-serve log, sorted.
requested() { cut -f 4 "$1" | tr '|' '\n' | sed '/^$/d' | LC_ALL=C sort; }

# calls LOG: the calls of a wr-serve log, their IDs as ID, repeated polls once.
calls() { cut -f 4 "$1" | sed -E 's/(msgbatch|batch|file)[-_][0-9a-z]+/ID/g' | uniq; }

# creates LOG: how many batch jobs were created in a wr-serve log.
creates() { grep -cE $'\t(POST /v1/batches|POST /v1/messages/batches)$' "$1" || true; }

dataset() {
	make -s -C "$EX/dataset" WR_BIN="$WR_BIN" WORDS="$PWD/words.txt" OUT="$PWD/out" \
		DICT="$PWD/scored.dict" MODEL=m SHARDS=3 -j 3 "$@"
}

@test "the dataset Makefile builds the scored list in shards" {
	start_serve --log log
	run dataset URL="$SERVE_URL"
	assert_success
	assert_output "$PWD/scored.dict: 15 entries, 0 missing"
	run cat scored.dict
	assert_output "$EXPECTED"
	run bash -c 'ls out/results.*.jsonl | wc -l'
	assert_output 3
}

@test "after an edit of the word list the dataset Makefile rates only the new entries" {
	start_serve --log log
	dataset URL="$SERVE_URL" 2>/dev/null
	printf 'lobster\n# a comment\n  zzqx ;3\ncat\n' >> words.txt
	: > log
	run dataset URL="$SERVE_URL"
	assert_success
	assert_output "$PWD/scored.dict: 17 entries, 0 missing"
	run requested log
	assert_output $'lobster\nzzqx'
	run grep -c -e '^LOBSTER;75$' -e '^ZZQX;0$' scored.dict
	assert_output 2
	: > log
	run dataset URL="$SERVE_URL"
	assert_success
	run requested log
	assert_output ''
}

@test "the dataset Makefile drops entries removed from the word list" {
	start_serve
	dataset URL="$SERVE_URL" 2>/dev/null
	grep -v -e '^cat$' -e '^dog$' words.txt > w && mv w words.txt
	run dataset URL="$SERVE_URL"
	assert_success
	assert_output "$PWD/scored.dict: 13 entries, 0 missing"
	run grep -c -e '^CAT;' -e '^DOG;' scored.dict
	assert_output 0
}

@test "the dataset Makefile wants a model" {
	run make -s -C "$EX/dataset" WR_BIN="$WR_BIN" WORDS="$PWD/words.txt" OUT="$PWD/out" MODEL= WR_MODEL=
	assert_failure
	assert_output --partial 'set MODEL or WR_MODEL'
}

@test "make failover rates refused entries at the fallback and merges them" {
	start_serve --refuse 0.5 --seed 11
	serve_more --log log2
	run dataset URL="$SERVE_URL" BATCH=2
	assert_success
	assert_output "$PWD/scored.dict: 9 entries, 6 missing"
	refused=$(LC_ALL=C sort out/missing.txt)
	assert_equal "$(wc -l < out/missing.txt)" 6
	run dataset URL="$SERVE_URL" BATCH=2 FALLBACK_URL="$URL_N" FALLBACK_MODEL=b failover
	assert_success
	assert_output "$PWD/scored.dict: 15 entries, 0 missing"
	run cat scored.dict
	assert_output "$EXPECTED"
	run requested log2
	assert_output "$refused"
}

@test "the xargs -P recipe rates split parts in parallel" {
	start_serve --log log
	run env MODEL=m OPENAI_BASE_URL="$SERVE_URL" "$EX/parallel/xargs.sh" words.txt 3
	assert_success
	assert_output "$EXPECTED"
	run bash -c 'ls parts/*.jsonl | wc -l; wc -l < log'
	assert_output $'3\n3'
}

@test "the GNU parallel --pipe recipe gives the same list" {
	start_serve
	run --separate-stderr env MODEL=m OPENAI_BASE_URL="$SERVE_URL" N=1 J=3 "$EX/parallel/parallel.sh" words.txt
	assert_success
	assert_output "$EXPECTED"
}

@test "the offline recipe splits upload files at 50,000 lines" {
	run env MODEL=gpt-4o-mini SIZE=2 MAX_LINES=3 "$EX/offline/prepare.sh" words.txt
	assert_success
	assert_output $'upload.001.jsonl\nupload.002.jsonl\nupload.003.jsonl'
	run bash -c 'wc -l < batches.txt; cat upload.* | wc -l; for f in upload.*; do echo $f $(wc -l < $f); done; grep -c '"entries":' upload.*'
	assert_output - <<-EOF
	8
	8
	upload.001.jsonl 3
	upload.002.jsonl 3
	upload.003.jsonl 2
	upload.001.jsonl:0
	upload.002.jsonl:0
	upload.003.jsonl:0
	EOF
}

@test "the offline recipe splits upload files at 200 MB, in whole lines" {
	run env MODEL=gpt-4o-mini SIZE=2 MAX_BYTES=1500 "$EX/offline/prepare.sh" words.txt
	assert_success
	run bash -c 'for f in upload.*; do [ $(wc -c < $f) -le 1500 ] || echo big $f; done; cat upload.* | wc -l; wr-prompt -q --strict -m gpt-4o-mini batches.txt | cmp - <(cat upload.*) && echo same'
	assert_output $'8\nsame'
	run bash -c 'ls upload.* | wc -l'
	refute_output 1
}

@test "the offline recipe reads the service's output back with the batch file" {
	start_serve --refuse 0.3 --seed 3
	env MODEL=gpt-4o-mini SIZE=2 MAX_LINES=3 "$EX/offline/prepare.sh" words.txt >/dev/null
	# wr-query stands in for vllm run-batch.
	for f in upload.*; do wr-query -q -u "$SERVE_URL" "$f" > "output.${f#upload.}"; done
	run grep -c '"entries":' output.001.jsonl
	assert_output 0
	run --separate-stderr "$EX/offline/read.sh" output.*.jsonl
	assert_failure 1
	local ratings=$output
	run bash -c 'cat missing.txt | LC_ALL=C sort | tr "\n" " "; echo; cmp missing.txt refused.txt && echo same'
	assert_output $'bucket list café x-ray xyzzyq \nsame'
	run wr-merge -q -f dict <(printf '%s\n' "$ratings")
	assert_output - <<-EOF
	AARDWOLF;25
	ABACUS;75
	CAT;100
	DOG;100
	ETUI;0
	HOTDOG;100
	ICECREAM;100
	QWZXV;0
	ROCKANDROLL;100
	SMORGASBORD;75
	ZYMURGY;50
	EOF
}

@test "the offline recipe rates a word list through OpenAI's batch API with wr-submit" {
	start_serve --batch-time 200 --log log
	run --separate-stderr env MODEL=m URL="$SERVE_URL" POLL=0.05 "$EX/offline/submit.sh" words.txt
	assert_success
	assert_output "$EXPECTED"
	run calls log
	assert_output - <<-EOF
	POST /v1/files
	POST /v1/batches
	GET /v1/batches/ID
	GET /v1/files/ID/content
	EOF
	run bash -c 'wc -l < missing.txt; grep -c "\"entries\":" results.jsonl'
	assert_output $'0\n1'
	# run again: the answers are there, nothing is sent, no job is paid for twice
	: > log
	run --separate-stderr env MODEL=m URL="$SERVE_URL" POLL=0.05 "$EX/offline/submit.sh" words.txt
	assert_success
	assert_output "$EXPECTED"
	run wc -l < log
	assert_output 0
}

@test "the offline recipe rates through Anthropic's message batches with API=anthropic" {
	start_serve --batch-time 200 --log log
	run --separate-stderr env MODEL=claude-x URL="$SERVE_URL" API=anthropic POLL=0.05 \
		"$EX/offline/submit.sh" words.txt
	assert_success
	assert_output "$EXPECTED"
	run calls log
	assert_output - <<-EOF
	POST /v1/messages/batches
	GET /v1/messages/batches/ID
	GET /v1/messages/batches/ID/results
	EOF
	run jq -r '[.response.body.type, .response.body.model] | join(" ")' results.jsonl
	assert_output 'message claude-x'
}

@test "the offline recipe runs wr-submit again after a sleep when it exits 75" {
	start_serve --batch-time 200 --log log
	# a wr-submit whose first run finds the provider unreachable, as the real one says with 75
	mkdir shim
	printf '#!/bin/sh\n[ -e down ] || { : > down; exit 75; }\nexec %q "$@"\n' "$WR_BIN/wr-submit" > shim/wr-submit
	chmod +x shim/wr-submit
	run --separate-stderr env PATH="$PWD/shim:$PATH" MODEL=m URL="$SERVE_URL" POLL=0.05 SLEEP=0.1 \
		"$EX/offline/submit.sh" words.txt
	assert_success
	assert_output "$EXPECTED"
	assert_equal "${stderr%%$'\n'*}" "submit.sh: jobs recorded in results.jsonl.jobs; running wr-submit again in 0.1 s"
	assert_equal "$(creates log)" 1
}

@test "the offline recipe reads OpenAI Batch API fixtures" {
	cp "$FIX/parse-batches.txt" batches.txt
	run --separate-stderr "$EX/offline/read.sh" "$FIX/parse-openai-batch.jsonl"
	assert_equal "$output" "$(wr-parse -q -b "$FIX/parse-batches.txt" "$FIX/parse-openai-batch.jsonl" 2>/dev/null)"
	[ -n "$output" ]
}

@test "the failover recipe rates refused entries with a second model and merges both" {
	start_serve --refuse 0.5 --seed 11
	serve_more --log log2
	run --separate-stderr env MODEL=a URL="$SERVE_URL" FALLBACK_URL="$URL_N" FALLBACK_MODEL=b SIZE=2 \
		"$EX/failover/failover.sh" words.txt
	assert_success
	assert_output "$EXPECTED"
	run bash -c 'LC_ALL=C sort first-missing.txt | tr "\n" " "; wc -l < first.tsv; wc -l < missing.txt'
	assert_output $'ETUI aardwolf café hot dog ice cream qwzxv rock and roll smörgåsbord xyzzyq zymurgy 5\n0'
	run requested log2
	assert_output "$(LC_ALL=C sort first-missing.txt)"
}

@test "refusal bisection pins a refused batch to the single entries that sink it" {
	start_serve --refuse-entry xyzzyq --refuse-entry 'hot dog' --log log
	wr-batch -q words.txt | wr-prompt -q -m a | wr-query -q -u "$SERVE_URL" -o first.jsonl
	wr-parse -q -R refused.txt first.jsonl > ratings.tsv || [ $? -eq 1 ]
	run wc -l < refused.txt
	assert_output 15
	run --separate-stderr "$EX/bisect/wr-bisect" -n 50 -m a -u "$SERVE_URL" -R alone.txt refused.txt
	assert_success
	printf '%s\n' "$output" >> ratings.tsv
	assert_equal "$stderr" "wr-bisect: batches of 25: 15 entries sent, 15 refused
wr-bisect: batches of 13: 15 entries sent, 13 refused
wr-bisect: batches of 7: 13 entries sent, 13 refused
wr-bisect: batches of 4: 13 entries sent, 4 refused
wr-bisect: batches of 2: 4 entries sent, 4 refused
wr-bisect: batches of 1: 4 entries sent, 2 refused"
	run cat alone.txt
	assert_output $'xyzzyq\nhot dog'
	run cat bisect.d/missing.txt
	assert_output ''
	run wr-merge -q -f dict ratings.tsv
	assert_output "$(printf '%s\n' "$EXPECTED" | grep -v -e '^XYZZYQ;' -e '^HOTDOG;')"
}

@test "an ensemble of three models is merged by the median" {
	start_serve
	serve_more --style mix --seed 2
	u2=$URL_N
	serve_more --refuse 0.5 --seed 11
	run --separate-stderr "$EX/ensemble/ensemble.sh" words.txt "$SERVE_URL" a "$u2" b "$URL_N" c
	assert_success
	assert_output "$EXPECTED"
	run bash -c 'wc -l < run.1.tsv; wc -l < run.2.tsv; [ $(wc -l < run.3.tsv) -lt 15 ] && echo fewer'
	assert_output $'15\n15\nfewer'
}

@test "after a change of model the dataset Makefile rates again what the old model left unrated" {
	# Every answer of the first model is cut mid-line: its one-entry batches succeed with no rating.
	serve_more --truncate 1
	run dataset URL="$URL_N" BATCH=1
	assert_success
	assert_output "$PWD/scored.dict: 0 entries, 15 missing"
	start_serve --log log
	touch words.txt
	run dataset URL="$SERVE_URL" BATCH=1 MODEL=m2
	assert_success
	assert_output "$PWD/scored.dict: 15 entries, 0 missing"
	run cat scored.dict
	assert_output "$EXPECTED"
	run bash -c 'cat out/results.*.jsonl.replaced | wc -l'
	assert_output 15
	run bash -c "jq -r .response.body.model out/results.*.jsonl | sort -u"
	assert_output m2
}

@test "the failover recipe fails over to a provider of another dialect" {
	start_serve --refuse 0.5 --seed 11
	serve_more --log log2
	run --separate-stderr env MODEL=a URL="$SERVE_URL" FALLBACK_URL="$URL_N" FALLBACK_MODEL=claude-x \
		FALLBACK_API=anthropic SIZE=2 "$EX/failover/failover.sh" words.txt
	assert_success
	assert_output "$EXPECTED"
	run jq -r '.response.body.type' second.jsonl
	assert_equal "$(sort -u <<<"$output")" message
	run requested log2
	assert_output "$(LC_ALL=C sort first-missing.txt)"
}

@test "make failover goes to Gemini's dialect with FALLBACK_API" {
	start_serve --refuse 0.5 --seed 11
	serve_more --log log2
	run dataset URL="$SERVE_URL" BATCH=2
	assert_success
	run dataset URL="$SERVE_URL" BATCH=2 FALLBACK_URL="${URL_N%/v1}/v1beta" FALLBACK_MODEL=gemini-x \
		FALLBACK_API=gemini failover
	assert_success
	assert_output "$PWD/scored.dict: 15 entries, 0 missing"
	run cat scored.dict
	assert_output "$EXPECTED"
	run jq -r '.response.body.modelVersion' out/fallback.jsonl
	assert_equal "$(sort -u <<<"$output")" gemini-x
}

@test "make MODE=batch fails with 'run make again later' while the jobs run, and a later make writes the list" {
	start_serve --batch-time 1500 --log log
	# one make, even without -j, makes the jobs of every shard
	run --separate-stderr dataset URL="$SERVE_URL" MODE=batch -j 1
	assert_failure 2
	assert_output ''
	run grep -v '^make: ' <<<"$stderr"
	assert_output - <<-EOF
	$PWD/out/results.0.jsonl: batch jobs still running at the provider: run make again later
	$PWD/out/results.1.jsonl: batch jobs still running at the provider: run make again later
	$PWD/out/results.2.jsonl: batch jobs still running at the provider: run make again later
	EOF
	run grep '^make: ' <<<"$stderr"
	assert_output "$(printf 'make: *** [Makefile:%s: %s/out/rated.%s] Error 75\n' \
		"$(grep -n 'x $(OUT)/done.$\*.tsv' "$EX/dataset/Makefile" | cut -d: -f1)" "$PWD" 0 \
		"$(grep -n 'x $(OUT)/done.$\*.tsv' "$EX/dataset/Makefile" | cut -d: -f1)" "$PWD" 1 \
		"$(grep -n 'x $(OUT)/done.$\*.tsv' "$EX/dataset/Makefile" | cut -d: -f1)" "$PWD" 2)
make: Target 'all' not remade because of errors."
	# nothing is marked done or merged from half the answers
	run bash -c 'ls out/rated.* scored.dict 2>&1 | wc -l; ls -d out/results.*.jsonl.jobs | wc -l; cat out/results.*.jsonl | wc -l'
	assert_output $'2\n3\n0'
	# run make again, as cron would, until it succeeds
	again() {
		sleep 0.1
		dataset URL="$SERVE_URL" MODE=batch > make.out 2>&1
	}
	wait_for "a make that succeeds" again
	run cat make.out
	assert_output "$PWD/scored.dict: 15 entries, 0 missing"
	assert_equal "$(creates log)" 3
	# the same list as live mode's, from the same words and seed
	mkdir live
	run make -s -C "$EX/dataset" WR_BIN="$WR_BIN" WORDS="$PWD/words.txt" OUT="$PWD/live/out" \
		DICT="$PWD/live/scored.dict" MODEL=m SHARDS=3 -j 3 URL="$SERVE_URL"
	assert_success
	run cmp live/scored.dict scored.dict
	assert_success
	run cat scored.dict
	assert_output "$EXPECTED"
	# and once done, a make sends nothing
	: > log
	run dataset URL="$SERVE_URL" MODE=batch
	assert_success
	assert_output ''
	run wc -l < log
	assert_output 0
}

@test "make MODE=batch failover sends the refused entries to the fallback as batch jobs" {
	start_serve --batch-time 200 --refuse 0.5 --seed 11
	serve_more --batch-time 200 --log log2
	wait_make() { dataset URL="$SERVE_URL" BATCH=2 MODE=batch "$@" > make.out 2>&1; }
	wait_for "the first model's jobs" wait_make
	run cat make.out
	assert_output "$PWD/scored.dict: 9 entries, 6 missing"
	wait_for "the fallback's jobs" wait_make FALLBACK_URL="$URL_N" FALLBACK_MODEL=claude-x FALLBACK_API=anthropic failover
	run cat make.out
	assert_output "$PWD/scored.dict: 15 entries, 0 missing"
	run cat scored.dict
	assert_output "$EXPECTED"
	run calls log2
	assert_output - <<-EOF
	POST /v1/messages/batches
	GET /v1/messages/batches/ID
	GET /v1/messages/batches/ID/results
	EOF
	run bash -c 'jq -r ".entries[]" out/fallback.jsonl | LC_ALL=C sort | cmp - <(LC_ALL=C sort out/missing.txt) && echo same'
	assert_output same
}

@test "the failover recipe runs both sides as batch jobs with MODE=batch" {
	start_serve --batch-time 200 --refuse 0.5 --seed 11 --log log1
	serve_more --batch-time 200 --log log2
	run --separate-stderr env MODE=batch POLL=0.05 MODEL=a URL="$SERVE_URL" FALLBACK_URL="$URL_N" \
		FALLBACK_MODEL=claude-x FALLBACK_API=anthropic SIZE=2 "$EX/failover/failover.sh" words.txt
	assert_success
	assert_output "$EXPECTED"
	run bash -c 'LC_ALL=C sort first-missing.txt | tr "\n" " "; wc -l < first.tsv; wc -l < missing.txt'
	assert_output $'ETUI aardwolf café hot dog ice cream qwzxv rock and roll smörgåsbord xyzzyq zymurgy 5\n0'
	run bash -c 'jq -r ".entries[]" second.jsonl | LC_ALL=C sort | cmp - <(LC_ALL=C sort first-missing.txt) && echo same'
	assert_output same
	run calls log1
	assert_output - <<-EOF
	POST /v1/files
	POST /v1/batches
	GET /v1/batches/ID
	GET /v1/files/ID/content
	EOF
	run calls log2
	assert_output - <<-EOF
	POST /v1/messages/batches
	GET /v1/messages/batches/ID
	GET /v1/messages/batches/ID/results
	EOF
}

@test "with NO_WAIT=1 the failover recipe exits 75 until both sides' jobs have ended" {
	start_serve --batch-time 1500 --refuse 0.5 --seed 11 --log log1
	serve_more --batch-time 1500 --log log2
	fo() {
		env MODE=batch NO_WAIT=1 MODEL=a URL="$SERVE_URL" FALLBACK_URL="$URL_N" FALLBACK_MODEL=b SIZE=2 \
			"$EX/failover/failover.sh" words.txt
	}
	run --separate-stderr fo
	assert_failure 75
	assert_output ''
	assert_equal "$stderr" "failover.sh: first.jsonl: batch jobs still running at the provider, recorded in first.jsonl.jobs: run again later"
	run wc -l < log2
	assert_output 0
	# from cron: again until it exits 0, the second side's jobs made once the first's have ended
	again() {
		sleep 0.1
		rc=0
		fo > new.dict 2> fo.err || rc=$?
		[ "$rc" -eq 75 ] || return 0
		grep -q second.jsonl fo.err && seen=1
		return 1
	}
	seen=
	wait_for "the end of both sides' jobs" again
	assert_equal "$rc" 0
	assert_equal "$seen" 1
	run cat new.dict
	assert_output "$EXPECTED"
	assert_equal "$(creates log1) $(creates log2)" "1 1"
}
