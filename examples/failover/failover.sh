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
set -eu
words=${1:?usage: failover.sh WORDS}
: "${MODEL:=${WR_MODEL:?set MODEL or WR_MODEL}}" \
    "${URL:=${OPENAI_BASE_URL:-https://api.openai.com/v1}}" \
    "${FALLBACK_URL:?set FALLBACK_URL}" "${FALLBACK_MODEL:=$MODEL}" "${SIZE:=50}"
# Status 1 (some requests failed, some entries missing) is no error here.

wr-batch -q -n "$SIZE" "$words" | wr-prompt -q -m "$MODEL" |
    wr-query -q -u "$URL" ${API:+--api "$API"} -o first.jsonl || [ $? -eq 1 ]
wr-parse -q -M first-missing.txt first.jsonl > first.tsv || [ $? -eq 1 ]
wr-batch -q -n "$SIZE" first-missing.txt | wr-prompt -q -m "$FALLBACK_MODEL" |
    wr-query -q -u "$FALLBACK_URL" ${FALLBACK_API:+--api "$FALLBACK_API"} -o second.jsonl || [ $? -eq 1 ]
wr-parse -q -M missing.txt second.jsonl > second.tsv || [ $? -eq 1 ]
wr-merge -q -f dict first.tsv second.tsv
