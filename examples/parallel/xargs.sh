#!/bin/sh
# Rate a word list in N parts at once with xargs -P: one wr-query per part,
# each with its own resumable results file, then one merged list.
#   examples/parallel/xargs.sh words.txt 4 > scored.dict
# MODEL (default $WR_MODEL) and OPENAI_BASE_URL choose the model and server;
# DIR (default parts) keeps the parts and their results: a re-run after a
# crash sends only what failed (an edited list moves the part boundaries).
set -eu
words=${1:?usage: xargs.sh WORDS [N]} n=${2:-4}
: "${MODEL:=${WR_MODEL:?set MODEL or WR_MODEL}}" "${DIR:=parts}"
export MODEL
mkdir -p "$DIR"
split -n l/"$n" "$words" "$DIR/part."
for f in "$DIR"/part.*; do
	case $f in *.jsonl) ;; *) printf '%s\n' "$f" ;; esac
done | xargs -P "$n" -I{} sh -c \
    'wr-batch -q "$1" | wr-prompt -q -m "$MODEL" | wr-query -q -o "$1.jsonl"' sh {}
wr-parse -q "$DIR"/part.*.jsonl | wr-merge -q -f dict
