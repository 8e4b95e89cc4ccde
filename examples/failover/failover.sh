#!/bin/sh
# Refusal failover: rate a word list with a first model; the entries it
# refused or left unrated go to a second endpoint and model; both runs are
# merged into one scored list.
#   URL=... MODEL=... FALLBACK_URL=... FALLBACK_MODEL=... [API=...] [FALLBACK_API=...] \
#       examples/failover/failover.sh words.txt > scored.dict
# Results stay in first.jsonl and second.jsonl: a re-run sends only what
# neither has answered yet.  A re-run with another MODEL or FALLBACK_MODEL
# in the same directory is refused by wr-query (exit 2) before anything is
# sent, since those files hold answers to the old requests: run it in a
# new directory.  Entries neither model rated end in missing.txt.
# SIZE (default 50) is the number of entries per request; API and
# FALLBACK_API are wr-query's --api for each side (openai, anthropic or
# gemini; default what the host speaks), so OpenAI can fail over to Claude
# or Gemini and back.
#
# MODE=batch sends both sides through the providers' batch APIs at half the
# price (wr-submit, which waits for its jobs; API and FALLBACK_API also take
# mistral; POLL is its --poll).  Each side's jobs are recorded beside its
# results (first.jsonl.jobs, second.jsonl.jobs), so a run killed at any
# point and run again collects them instead of paying twice.  With NO_WAIT=1
# each run does one round (wr-submit --no-wait) and exits 75 while a side's
# jobs run, printing nothing on stdout: run it again later, from cron, into
# a file of its own (failover.sh words.txt > new.dict && mv new.dict scored.dict).
set -eu
words=${1:?usage: failover.sh WORDS}
: "${MODEL:=${WR_MODEL:?set MODEL or WR_MODEL}}" \
    "${URL:=${OPENAI_BASE_URL:-https://api.openai.com/v1}}" \
    "${FALLBACK_URL:?set FALLBACK_URL}" "${FALLBACK_MODEL:=$MODEL}" "${SIZE:=50}" \
    "${MODE:=live}" "${NO_WAIT:=}" "${POLL:=}"
case $MODE in
live|batch) ;;
*) echo "failover.sh: MODE=$MODE: expected live or batch" >&2; exit 2 ;;
esac

# rate URL API FILE: the requests on stdin rated into FILE, live or in batch
# jobs.  Status 1 (some requests failed) is no error here; 75 (jobs still
# running) ends the run.
rate() {
	rc=0
	case $MODE in
	live) wr-query -q -u "$1" ${2:+--api "$2"} -o "$3" || rc=$? ;;
	batch) wr-submit -q ${NO_WAIT:+--no-wait} ${POLL:+--poll "$POLL"} -u "$1" ${2:+--api "$2"} \
	    -o "$3" || rc=$? ;;
	esac
	case $rc in
	0|1) ;;
	75) echo "failover.sh: $3: batch jobs still running at the provider, recorded in $3.jobs: run again later" >&2
	    exit 75 ;;
	*) exit "$rc" ;;
	esac
}

wr-batch -q -n "$SIZE" "$words" | wr-prompt -q -m "$MODEL" | rate "$URL" "${API:-}" first.jsonl
wr-parse -q -M first-missing.txt first.jsonl > first.tsv || [ $? -eq 1 ]
wr-batch -q -n "$SIZE" first-missing.txt | wr-prompt -q -m "$FALLBACK_MODEL" |
    rate "$FALLBACK_URL" "${FALLBACK_API:-}" second.jsonl
wr-parse -q -M missing.txt second.jsonl > second.tsv || [ $? -eq 1 ]
wr-merge -q -f dict first.tsv second.tsv
