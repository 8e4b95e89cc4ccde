/* libFuzzer harness for lib/json.c: tokenize, validate, and unescape + re-escape round trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "json.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct wr_json j;
static struct wr_buf dec, enc, dec2;

static void
round_trip(const char *s, size_t n)
{
	/* unescape -> escape -> parse -> unescape gives the same bytes */
	wr_buf_reset(&dec);
	if (wr_json_unescape(s, n, &dec) != 0)
		return;
	if (!wr_utf8_valid(dec.s ? dec.s : "", dec.len))
		abort();
	wr_buf_reset(&enc);
	wr_json_escape(&enc, dec.s ? dec.s : "", dec.len);
	if (enc.len < 2 || enc.s[0] != '"' || enc.s[enc.len - 1] != '"')
		abort();
	if (!wr_json_valid(enc.s, enc.len))
		abort();
	wr_buf_reset(&dec2);
	if (wr_json_unescape(enc.s + 1, enc.len - 2, &dec2) != 0)
		abort();
	if (dec2.len != dec.len || (dec.len && memcmp(dec.s, dec2.s, dec.len) != 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *js = (const char *)data, *why;
	struct wr_json j2;
	int valid, i;

	valid = wr_json_valid(js, size);
	if (wr_json_parse(&j, js, size, &why) == 0) {
		/* wr_json_valid and parse + check agree */
		if (wr_json_check(&j) != valid)
			abort();
		if (wr_json_skip(&j, 0) != j.n)
			abort();
		for (i = 0; i < j.n && i < 4096; i++) {
			size_t n;
			const char *raw;
			double d;
			raw = wr_json_raw(&j, i, &n);
			(void)raw;
			(void)wr_json_num(&j, i, &d);
			if (j.tok[i].type == JSMN_STRING && valid)
				round_trip(raw, n);
			if (j.tok[i].type == JSMN_OBJECT)
				(void)wr_json_get(&j, i, "custom_id");
			if (j.tok[i].type == JSMN_ARRAY)
				(void)wr_json_index(&j, i, j.tok[i].size - 1);
		}
		(void)wr_json_path(&j, 0, "response", "body", "choices", NULL);
	} else if (valid && size > 0 && (js[0] == '{' || js[0] == '[' || js[0] == '"')) {
		/* valid but not parsable (strict jsmn wants a delimiter after a bare primitive) */
		abort();
	}
	/* the whole input taken as the body of a string */
	round_trip(js, size);
	/* escaping anything gives one valid JSON string */
	wr_buf_reset(&enc);
	wr_json_escape(&enc, js, size);
	if (wr_utf8_valid(js, size) && memchr(js, 0, size) == NULL) {
		wr_json_init(&j2);
		if (wr_json_parse(&j2, enc.s, enc.len, &why) != 0 || !wr_json_check(&j2))
			abort();
		wr_buf_reset(&dec);
		if (wr_json_str(&j2, 0, &dec) != 0 || dec.len != size || memcmp(dec.s, js, size) != 0)
			abort();
		wr_json_free(&j2);
	}
	return 0;
}
