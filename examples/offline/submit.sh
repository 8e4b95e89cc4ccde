#!/bin/sh
# Offline batch with wr-submit: a word list -> a scored list through a
# provider's batch API, at half the price, with nothing to upload by hand.
#   MODEL=... [URL=...] [API=...] examples/offline/submit.sh words.txt > scored.dict
# URL and API are wr-submit's -u and --api (default OPENAI_BASE_URL, else
# OpenAI; the API is what the host speaks: api.anthropic.com, Gemini's and
# Mistral's hosts are known); the key comes from the environment, as
# wr-submit(1) says.  SIZE (default 50) is the number of entries per
# request, POLL wr-submit's --poll.
#
# The requests go to requests.jsonl, their results to results.jsonl, the
# jobs are recorded in results.jsonl.jobs: a run killed at any point and
# run again polls the jobs it made instead of paying for them twice, and
# sends only what has no answer yet.  wr-submit waits for the jobs (within
# the provider's 24 hours, often minutes); when it cannot reach the
# provider, or the provider keeps failing, it stops with status 75, and
# this script sleeps SLEEP seconds (default 600) and runs it again, so an
# outage or a laptop asleep in the meantime costs nothing.
# Entries that got no score go to missing.txt, refused ones also to
# refused.txt, ready for another model (see ../failover).  Exit status:
# wr-submit's, 0 or 1 (some requests failed for good, their entries in
# missing.txt), once the list is written.
set -eu
words=${1:?usage: submit.sh WORDS}
: "${MODEL:=${WR_MODEL:?set MODEL or WR_MODEL}}" "${SIZE:=50}" "${SLEEP:=600}" \
    "${URL:=}" "${API:=}" "${POLL:=}"
wr-batch -q -n "$SIZE" "$words" | wr-prompt -q -m "$MODEL" > requests.jsonl
while :; do
	rc=0
	wr-submit ${URL:+-u "$URL"} ${API:+--api "$API"} ${POLL:+--poll "$POLL"} \
	    -o results.jsonl requests.jsonl || rc=$?
	[ "$rc" -eq 75 ] || break
	echo "submit.sh: jobs recorded in results.jsonl.jobs; running wr-submit again in $SLEEP s" >&2
	sleep "$SLEEP"
done
[ "$rc" -le 1 ] || exit "$rc"
wr-parse -q -M missing.txt -R refused.txt results.jsonl | wr-merge -q -f dict
exit "$rc"
