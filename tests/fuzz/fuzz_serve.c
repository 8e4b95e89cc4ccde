/* libFuzzer harness for lib/serve.c: wr-serve's request parsing and the answers built from it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "json.h"
#include "serve.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct wr_chat chat;
static struct wr_buf out, text;
static int inited;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why;
	int *scores;
	size_t i, cut;
	struct wr_reply r = {"chatcmpl-fuzz", 1700000000, 0, WR_FAULT_NONE};

	if (!inited) {
		wr_chat_init(&chat);
		inited = 1;
	}
	if (wr_chat_parse(&chat, (const char *)data, size, &why) != 0) {
		wr_buf_reset(&out);
		wr_error_json(&out, why, "invalid_request_error", NULL);
		if (!wr_json_valid(out.s, out.len))
			abort();
		return 0;
	}
	scores = malloc((chat.n + 1) * sizeof *scores);
	for (i = 0; i < chat.n; i++) {
		if (chat.lens[i] == 0 || !wr_utf8_valid(chat.entries[i], chat.lens[i]))
			abort();
		scores[i] = (int)(i % 5) + 1;
	}
	/* every style and every body-shaping fault gives valid JSON */
	r.style = data[size / 2] % WR_NSTYLES;
	{
		static const enum wr_fault faults[] = {WR_FAULT_NONE, WR_FAULT_REFUSE,
		    WR_FAULT_REFUSE_ENTRY, WR_FAULT_FILTER, WR_FAULT_TRUNCATE};
		r.fault = faults[data[0] % 5];
	}
	wr_buf_reset(&out);
	wr_completion_json(&out, &chat, scores, &r, &text);
	if (!wr_json_valid(out.s, out.len))
		abort();
	cut = wr_mid_line(out.s, out.len);
	if (cut > out.len)
		abort();
	cut = wr_utf8_cut(out.s, out.len / 2);
	if (cut > out.len / 2 || !wr_utf8_valid(out.s, cut))
		abort();
	free(scores);
	return 0;
}
