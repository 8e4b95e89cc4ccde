#!/bin/sh
# Offline batch, step 3: the output (and error) files of the OpenAI Batch
# API or vllm run_batch -> ratings, with the batches the requests came from.
#   examples/offline/read.sh output.*.jsonl errors.*.jsonl > ratings.tsv
# Entries that got no score go to missing.txt, refused ones also to
# refused.txt, ready for wr-batch and another model.
exec wr-parse -b batches.txt -M missing.txt -R refused.txt "$@"
