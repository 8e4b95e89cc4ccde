#!/bin/sh
# Ensemble: the same word list rated by several models, each on its own
# endpoint, merged by the median of their scores.
#   examples/ensemble/ensemble.sh words.txt URL1 MODEL1 URL2 MODEL2 ... > scored.dict
# Run K keeps its results in run.K.jsonl (resumable) and its ratings in
# run.K.tsv; HOW (default median) is wr-merge's -a.  Run K must keep its
# model: a re-run that puts another MODEL in place K is refused by
# wr-query before anything is sent (run.K.jsonl answers the old one).
set -eu
words=${1:?usage: ensemble.sh WORDS URL MODEL [URL MODEL ...]}
shift
[ $# -ge 2 ] && [ $(($# % 2)) -eq 0 ] || { echo "usage: ensemble.sh WORDS URL MODEL [URL MODEL ...]" >&2; exit 2; }
k=0 runs=
wr-batch -q "$words" > batches.txt
while [ $# -gt 0 ]; do
	k=$((k + 1))
	wr-prompt -q -m "$2" batches.txt | wr-query -q -u "$1" -o run.$k.jsonl || [ $? -eq 1 ]
	wr-parse -q run.$k.jsonl > run.$k.tsv || [ $? -eq 1 ]
	runs="$runs run.$k.tsv"
	shift 2
done
wr-merge -q -f dict -a "${HOW:-median}" $runs
