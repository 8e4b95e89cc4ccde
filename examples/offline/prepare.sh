#!/bin/sh
# Offline batch, step 1: a word list -> batches.txt and upload files for
# vllm run-batch (or a batch API by hand), split at 50,000 lines and 200 MB,
# the limits of the OpenAI Batch API.
#   examples/offline/prepare.sh words.txt    # writes batches.txt, upload.NNN.jsonl
# MODEL (default $WR_MODEL); SIZE entries per request (default 50);
# MAX_LINES and MAX_BYTES change the limits.
set -eu
words=${1:?usage: prepare.sh WORDS}
: "${MODEL:=${WR_MODEL:?set MODEL or WR_MODEL}}" "${SIZE:=50}" "${MAX_LINES:=50000}" \
    "${MAX_BYTES:=200000000}"
wr-batch -q -n "$SIZE" "$words" > batches.txt
rm -f upload.[0-9][0-9][0-9].jsonl
wr-prompt -q --strict -m "$MODEL" batches.txt |
    LC_ALL=C awk -v maxl="$MAX_LINES" -v maxb="$MAX_BYTES" '
	function next_file() { if (out) close(out); n++; l = b = 0
		out = sprintf("upload.%03d.jsonl", n) }
	BEGIN { next_file() }
	{ s = length($0) + 1
	  if (l > 0 && (l + 1 > maxl || b + s > maxb)) next_file()
	  print > out; l++; b += s }'
ls upload.[0-9][0-9][0-9].jsonl
