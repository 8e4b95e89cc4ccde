/* Result and request lines of the OpenAI Batch API format, and entry sets keyed by custom_id. */
#include "result.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"
#include "utf8.h"

void
wr_result_init(struct wr_result *r)
{
	memset(r, 0, sizeof *r);
	wr_json_init(&r->json);
}

void
wr_result_free(struct wr_result *r)
{
	wr_json_free(&r->json);
	wr_buf_free(&r->id);
}

/* Key token k is the string key (compared raw). */
static int
key_is(const struct wr_json *j, int k, const char *key, size_t n)
{
	return (size_t)(j->tok[k].end - j->tok[k].start) == n && memcmp(j->js + j->tok[k].start, key, n) == 0;
}

#define KEY(j, k, lit) key_is(j, k, lit, sizeof lit - 1)

/*
 * The token after the value at i and everything inside it. Tokens come in
 * the order of their start, so that is the first one starting at or after
 * the value's end: a binary search, where wr_json_skip walks every token of
 * a long "entries" array.
 */
static int
skip(const struct wr_json *j, int i)
{
	int lo = i + 1, hi = j->n, mid;
	int end = j->tok[i].end;

	if (j->tok[i].type == JSMN_STRING || j->tok[i].type == JSMN_PRIMITIVE)
		return i + 1;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (j->tok[mid].start < end)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* 1 when raw[0..len), the body of a JSON string ending before end, holds a backslash or a control character. */
static int
needs_decoding(const char *raw, size_t len, const char *end)
{
	size_t q;

	for (q = 0; q + 8 <= len; q += 8)
		if (wr_json_special8(raw + q))
			return 1;
	if (q == len)
		return 0;
	if (len >= 8)
		return wr_json_special8(raw + len - 8) != 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* One word read past the short string (still inside the text), the bytes after it masked off. */
	if ((size_t)(end - raw) >= 8)
		return (wr_json_special8(raw) & ((1ULL << (8 * len)) - 1)) != 0;
#else
	(void)end;
#endif
	for (; q < len; q++)
		if (raw[q] == '\\' || (unsigned char)raw[q] < 0x20)
			return 1;
	return 0;
}

/* An answer body of Anthropic's or Gemini's dialect at token body, read by its dialect. */
static int
read_native(struct wr_result *r, int body)
{
	const struct wr_dialect *d = wr_dialect_of_body(&r->json, body);
	struct wr_reading rd;

	if (!d) {
		r->why = "the response body is not an answer of a known dialect";
		return 0;
	}
	d->read(&r->json, body, &rd);
	r->dialect = d;
	/* Gemini's logprobs; other native bodies have none, and the lookup finds nothing. */
	r->logprobs = wr_json_get(&r->json, wr_json_index(&r->json, wr_json_get(&r->json, body, "candidates"), 0),
	    "logprobsResult");
	r->content = rd.content;
	r->cut = rd.cut;
	if (rd.model >= 0 && r->json.tok[rd.model].type == JSMN_STRING)
		r->model = wr_json_raw(&r->json, rd.model, &r->model_len);
	switch (rd.kind) {
	case WR_READ_ANSWER:
		r->kind = WR_RESULT_ANSWER;
		break;
	case WR_READ_REFUSED:
		r->kind = WR_RESULT_REFUSED;
		break;
	default:
		r->why = rd.why ? rd.why : "no answer in the response body";
		break;
	}
	return 0;
}

/* {"custom_id":…,"result":{"type":"succeeded","message":{…}}} and its errored, canceled and expired kin. */
static int
read_anthropic_batch(struct wr_result *r, int result)
{
	const struct wr_json *j = &r->json;
	int type = wr_json_get(j, result, "type"), m = wr_json_get(j, result, "message");

	if (wr_json_streq(j, type, "succeeded") && m >= 0 && j->tok[m].type == JSMN_OBJECT)
		return read_native(r, m);
	r->why = wr_json_streq(j, type, "errored") ? "the batch request errored" :
	    wr_json_streq(j, type, "canceled") ? "the batch request was canceled" :
	    wr_json_streq(j, type, "expired") ? "the batch request expired" : "result holds no message";
	return 0;
}

int
wr_result_parse(struct wr_result *r, const char *line, size_t len, const char **why)
{
	struct wr_json *j = &r->json;
	int k, i, n, id = -1, resp = -1, err = -1, body = -1, status = -1, msg = -1, fin = -1;
	int refusal = -1, model = -1, result = -1, gemini_key = -1;
	size_t idlen;
	const char *raw;

	r->entries = r->content = r->logprobs = -1;
	r->kind = WR_RESULT_FAILED;
	r->why = NULL;
	r->model = NULL;
	r->model_len = 0;
	r->cut = 0;
	r->dialect = &wr_dialect_openai;
	wr_buf_reset(&r->id);
	if (!wr_utf8_valid(line, len)) {
		*why = "invalid UTF-8";
		return -1;
	}
	if (wr_json_parse(j, line, len, why) != 0)
		return -1;
	if (j->tok[0].type != JSMN_OBJECT) {
		*why = "not a JSON object";
		return -1;
	}
	n = j->tok[0].size;
	for (k = 0, i = 1; k < n; k++, i = skip(j, i + 1)) {
		if (KEY(j, i, "custom_id"))
			id = i + 1;
		else if (KEY(j, i, "response"))
			resp = i + 1;
		else if (KEY(j, i, "error"))
			err = i + 1;
		else if (KEY(j, i, "entries"))
			r->entries = i + 1;
		else if (KEY(j, i, "result"))
			result = i + 1;
		else if (KEY(j, i, "key") && id < 0)
			/* Gemini's batch lines name their request by "key". */
			gemini_key = id = i + 1;
	}
	if (id < 0 || j->tok[id].type != JSMN_STRING) {
		*why = id < 0 ? "no custom_id" : "custom_id is not a string";
		return -1;
	}
	raw = wr_json_raw(j, id, &idlen);
	if (wr_json_unescape(raw, idlen, &r->id) != 0) {
		*why = "custom_id is not a valid JSON string";
		return -1;
	}
	if (wr_utf8_has_control(r->id.s, r->id.len)) {
		*why = "control character in custom_id";
		return -1;
	}
	if (r->id.len == 0) {
		*why = "empty custom_id";
		return -1;
	}
	if (r->entries >= 0 && j->tok[r->entries].type != JSMN_ARRAY) {
		*why = "\"entries\" is not an array";
		return -1;
	}

	/* The answer, if this line holds one: a wr-query or OpenAI-style batch line, */
	if (resp >= 0 && j->tok[resp].type == JSMN_OBJECT && wr_json_isnull(j, err)) {
		n = j->tok[resp].size;
		for (k = 0, i = resp + 1; k < n; k++, i = skip(j, i + 1)) {
			if (KEY(j, i, "status_code"))
				status = i + 1;
			else if (KEY(j, i, "body"))
				body = i + 1;
		}
		/* a Gemini batch line, whose response is the answer itself, */
		if (status < 0 && body < 0 && gemini_key >= 0)
			return read_native(r, resp);
		if (status < 0 || !key_is(j, status, "200", 3) || j->tok[status].type != JSMN_PRIMITIVE)
			return 0;
	} else if (result >= 0 && j->tok[result].type == JSMN_OBJECT)
		/* or an Anthropic Message Batches line. */
		return read_anthropic_batch(r, result);
	else
		return 0;
	if (body >= 0 && j->tok[body].type == JSMN_OBJECT) {
		n = j->tok[body].size;
		for (k = 0, i = body + 1; k < n; k++, i = skip(j, i + 1)) {
			if (KEY(j, i, "model"))
				model = i + 1;
			else if (KEY(j, i, "choices"))
				msg = wr_json_index(j, i + 1, 0);
		}
		/* No choices: the body of another dialect (wr-query --api anthropic or gemini). */
		if (msg < 0 && wr_dialect_of_body(j, body) && wr_dialect_of_body(j, body) != &wr_dialect_openai)
			return read_native(r, body);
	}
	if (msg >= 0 && j->tok[msg].type == JSMN_OBJECT) {
		int choice = msg;
		msg = -1;
		n = j->tok[choice].size;
		for (k = 0, i = choice + 1; k < n; k++, i = skip(j, i + 1)) {
			if (KEY(j, i, "message"))
				msg = i + 1;
			else if (KEY(j, i, "finish_reason"))
				fin = i + 1;
			else if (KEY(j, i, "logprobs"))
				r->logprobs = i + 1;
		}
	} else
		msg = -1;
	if (msg < 0 || j->tok[msg].type != JSMN_OBJECT) {
		r->why = "status 200 but no choices[0].message in the response body";
		return 0;
	}
	n = j->tok[msg].size;
	for (k = 0, i = msg + 1; k < n; k++, i = skip(j, i + 1)) {
		if (KEY(j, i, "content"))
			r->content = i + 1;
		else if (KEY(j, i, "refusal"))
			refusal = i + 1;
	}
	if (model >= 0 && j->tok[model].type == JSMN_STRING)
		r->model = wr_json_raw(j, model, &r->model_len);
	r->kind = WR_RESULT_ANSWER;
	if ((refusal >= 0 && j->tok[refusal].type == JSMN_STRING && j->tok[refusal].end > j->tok[refusal].start) ||
	    (fin >= 0 && wr_json_streq(j, fin, "content_filter")))
		r->kind = WR_RESULT_REFUSED;
	else if (fin >= 0 && wr_json_streq(j, fin, "length"))
		r->cut = 1;
	return 0;
}

void
wr_entries_add(struct wr_entries *e, const char *s, size_t len)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 64;
		e->s = wr_realloc(e->s, e->cap * sizeof *e->s);
		e->len = wr_realloc(e->len, e->cap * sizeof *e->len);
	}
	e->s[e->n] = s;
	e->len[e->n] = len;
	e->n++;
}

void
wr_entries_free(struct wr_entries *e)
{
	free(e->s);
	free(e->len);
	wr_buf_free(&e->buf);
	memset(e, 0, sizeof *e);
}

int
wr_result_entries(struct wr_result *r, struct wr_entries *e, const char **why)
{
	const struct wr_json *j = &r->json;
	int k, i, n;
	size_t len, q, off;
	const char *raw;

	e->n = 0;
	wr_buf_reset(&e->buf);
	if (r->entries < 0) {
		*why = "no entries";
		return -1;
	}
	n = j->tok[r->entries].size;
	if ((size_t)n > e->cap) {
		e->cap = (size_t)n;
		e->s = wr_realloc(e->s, e->cap * sizeof *e->s);
		e->len = wr_realloc(e->len, e->cap * sizeof *e->len);
	}
	/* Strings in an array have no children: the next element is the next token. */
	for (k = 0, i = r->entries + 1; k < n; k++, i++) {
		if (j->tok[i].type != JSMN_STRING) {
			*why = "\"entries\" holds something other than strings";
			return -1;
		}
		raw = j->js + j->tok[i].start;
		len = (size_t)(j->tok[i].end - j->tok[i].start);
		if (needs_decoding(raw, len, j->js + j->len)) {
			/* Decoded into buf; a NULL pointer for now, as buf may still move. */
			off = e->buf.len;
			if (wr_json_unescape(raw, len, &e->buf) != 0) {
				*why = "an entry is not a valid JSON string";
				return -1;
			}
			if (wr_utf8_has_control(e->buf.s + off, e->buf.len - off)) {
				*why = "control character in an entry";
				return -1;
			}
			len = e->buf.len - off;
			raw = NULL;
		}
		if (len == 0) {
			*why = "empty entry";
			return -1;
		}
		e->s[e->n] = raw;
		e->len[e->n++] = len;
	}
	for (q = 0, off = 0; q < e->n; q++)
		if (!e->s[q]) {
			e->s[q] = e->buf.s + off;
			off += e->len[q];
		}
	return 0;
}

const char *
wr_result_raw_text(const struct wr_result *r, size_t *len)
{
	if (r->content < 0 || r->json.tok[r->content].type != JSMN_STRING)
		return NULL;
	return wr_json_raw(&r->json, r->content, len);
}

int
wr_result_text(struct wr_result *r, struct wr_buf *text)
{
	const struct wr_json *j = &r->json;
	int c = r->content, k, i, n, t, ty;
	size_t len;
	const char *raw;

	wr_buf_reset(text);
	if (c < 0 || wr_json_isnull(j, c))
		return 0;
	if (r->dialect != &wr_dialect_openai) {
		/* Anthropic's blocks and Gemini's parts, thinking left out. */
		struct wr_reading rd = {.content = c};
		return wr_reading_text(j, &rd, text) == 0 || text->len == 0 ? 0 : -1;
	}
	if (j->tok[c].type == JSMN_STRING) {
		raw = wr_json_raw(j, c, &len);
		return wr_json_unescape(raw, len, text);
	}
	if (j->tok[c].type != JSMN_ARRAY)
		return -1;
	/* [{"type": "text", "text": "..."}, ...]: the text parts, one after another. */
	n = j->tok[c].size;
	for (k = 0, i = c + 1; k < n; k++, i = wr_json_skip(j, i)) {
		if (j->tok[i].type == JSMN_STRING)
			t = i;
		else {
			ty = wr_json_get(j, i, "type");
			if (ty >= 0 && !wr_json_streq(j, ty, "text") && !wr_json_streq(j, ty, "output_text"))
				continue;
			if ((t = wr_json_get(j, i, "text")) < 0 || j->tok[t].type != JSMN_STRING)
				continue;
		}
		if (text->len && text->s[text->len - 1] != '\n')
			wr_buf_addc(text, '\n');
		raw = wr_json_raw(j, t, &len);
		if (wr_json_unescape(raw, len, text) != 0)
			return -1;
	}
	return 0;
}

/* ---- Entry sets ---- */

void
wr_reqset_init(struct wr_reqset *set)
{
	memset(set, 0, sizeof *set);
	wr_map_init(&set->ids);
}

void
wr_reqset_free(struct wr_reqset *set)
{
	wr_map_free(&set->ids);
	wr_buf_free(&set->blob);
	wr_buf_free(&set->idblob);
	free(set->item);
	memset(set, 0, sizeof *set);
}

size_t
wr_reqset_add(struct wr_reqset *set, const char *id, size_t idlen,
    const char *const *s, const size_t *len, size_t n, int *added)
{
	size_t *v = wr_map_put(&set->ids, id, idlen, set->count, added), i;
	struct wr_reqset_item *it;

	if (!*added)
		return *v;
	if (set->count == set->cap) {
		set->cap = set->cap ? set->cap * 2 : 256;
		set->item = wr_realloc(set->item, set->cap * sizeof *set->item);
	}
	it = &set->item[set->count++];
	it->off = set->blob.len;
	it->n = n;
	it->flag = 0;
	it->id = set->idblob.len;
	wr_buf_add(&set->idblob, id, idlen);
	wr_buf_addc(&set->idblob, '\0');
	for (i = 0; i < n; i++) {
		wr_buf_add(&set->blob, s[i], len[i]);
		wr_buf_addc(&set->blob, '\0');
	}
	return *v;
}

long
wr_reqset_find(const struct wr_reqset *set, const char *id, size_t idlen)
{
	size_t *v = wr_map_get(&set->ids, id, idlen);

	return v ? (long)*v : -1;
}

void
wr_reqset_get(const struct wr_reqset *set, size_t i, struct wr_entries *e)
{
	const struct wr_reqset_item *it = &set->item[i];
	const char *p = set->blob.s + it->off;
	size_t k, len;

	e->n = 0;
	for (k = 0; k < it->n; k++) {
		len = strlen(p);
		wr_entries_add(e, p, len);
		p += len + 1;
	}
}

const char *
wr_reqset_id(const struct wr_reqset *set, size_t i)
{
	return set->idblob.s + set->item[i].id;
}
