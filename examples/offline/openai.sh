#!/bin/sh
# Offline batch, step 2: run the upload files on the OpenAI Batch API with
# curl.  The key comes from OPENAI_API_KEY; jq reads the answers.
#   examples/offline/openai.sh upload.001.jsonl ...   # writes output.NNN.jsonl
# Each file is uploaded, a batch is created for it, polled every POLL
# seconds (default 60) until it ends, and its output and error files are
# downloaded as output.NNN.jsonl and errors.NNN.jsonl.
set -eu
: "${OPENAI_API_KEY:?set OPENAI_API_KEY}" "${POLL:=60}"
api=${OPENAI_BASE_URL:-https://api.openai.com/v1}
auth="Authorization: Bearer $OPENAI_API_KEY"
for f; do
	n=${f#upload.}; n=${n%.jsonl}
	# Upload the file for batch use.
	file_id=$(curl -sS "$api/files" -H "$auth" \
	    -F purpose=batch -F file=@"$f" | jq -r .id)
	# Create the batch.
	batch=$(curl -sS "$api/batches" -H "$auth" -H 'Content-Type: application/json' \
	    -d '{"input_file_id":"'"$file_id"'","endpoint":"/v1/chat/completions","completion_window":"24h"}' |
	    jq -r .id)
	echo "$f: batch $batch" >&2
	# Poll until it is completed, failed, expired or cancelled.
	while :; do
		st=$(curl -sS "$api/batches/$batch" -H "$auth")
		case $(printf '%s' "$st" | jq -r .status) in
		completed|failed|expired|cancelled) break ;;
		esac
		sleep "$POLL"
	done
	# Download the output and the errors.
	for k in output:output_file_id errors:error_file_id; do
		id=$(printf '%s' "$st" | jq -r ".${k#*:} // empty")
		[ -z "$id" ] || curl -sS "$api/files/$id/content" -H "$auth" > "${k%%:*}.$n.jsonl"
	done
done
