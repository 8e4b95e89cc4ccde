/*
 * libFuzzer harness for lib/answer.c. Input: requested entries, one per
 * line, then a 0x01 byte, then the model's answer text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "common.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct wr_answer *ans;

static void
nothing(void *arg, enum wr_answer_problem what, const char *msg)
{
	(void)arg;
	(void)what;
	if (strchr(msg, '\n'))
		abort();   /* a report is one line */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *sep, *p, *nl, *ents[64];
	size_t lens[64], n = 0, i, tlen;
	char *text, buf[32];
	double v;

	if (!ans) {
		ans = wr_answer_new(1, 5);
		wr_answer_set_report(ans, nothing, NULL);
	}
	if (!wr_utf8_valid(s, size) || memchr(s, 0, size))
		return 0;   /* callers hand over decoded JSON strings: valid UTF-8 */
	sep = memchr(s, 1, size);
	if (!sep)
		return 0;
	for (p = s; p < sep && n < 64; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(sep - p));
		if (!nl)
			nl = sep;
		if (nl > p) {
			ents[n] = p;
			lens[n++] = (size_t)(nl - p);
		}
		if (nl == sep)
			break;
	}
	tlen = size - (size_t)(sep + 1 - s);
	text = malloc(tlen + 1);
	memcpy(text, sep + 1, tlen);
	text[tlen] = '\0';
	for (int flags = 0; flags <= WR_ANSWER_CUT; flags++) {
		wr_answer_begin(ans, ents, lens, n);
		(void)wr_answer_parse(ans, text, tlen, flags);
		for (i = 0; i < n; i++)
			if (wr_answer_score(ans, i, &v) == 1 && (v < 1 || v > 5 || v != v))
				abort();
		(void)wr_answer_rejected(ans);
	}
	/* the raw fast path on the same bytes */
	wr_answer_begin(ans, ents, lens, n);
	if (wr_answer_fast(ans, text, tlen))
		for (i = 0; i < n; i++)
			if (wr_answer_score(ans, i, &v) == 1 && (v < 1 || v > 5))
				abort();
	(void)wr_answer_refusal(text, tlen);
	if (tlen >= sizeof(double)) {
		memcpy(&v, text, sizeof v);
		if (wr_answer_format(v, buf) >= 32)
			abort();
	}
	free(text);
	return 0;
}
