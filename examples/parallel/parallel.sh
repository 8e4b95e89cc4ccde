#!/bin/sh
# Rate a word list with GNU parallel --pipe: the batches are dealt out in
# blocks of N lines to J wr-prompt | wr-query pipelines at once, and their
# results are gathered into one file.
#   examples/parallel/parallel.sh words.txt > scored.dict
# MODEL (default $WR_MODEL) and OPENAI_BASE_URL choose the model and server;
# J (default 4) pipelines, N (default 20) batches per block; the results
# are kept in RESULTS (default results.jsonl).
set -eu
words=${1:?usage: parallel.sh WORDS}
: "${MODEL:=${WR_MODEL:?set MODEL or WR_MODEL}}" "${J:=4}" "${N:=20}" \
    "${RESULTS:=results.jsonl}"
export MODEL
wr-batch -q "$words" |
    parallel --pipe -N "$N" -j "$J" 'wr-prompt -q -m "$MODEL" | wr-query -q' \
    > "$RESULTS"
wr-parse -q "$RESULTS" | wr-merge -q -f dict
