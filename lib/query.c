/* Request lines in, result lines out: the OpenAI Batch formats as wr-query reads and writes them. */
#include "query.h"

#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "hash.h"
#include "utf8.h"

void
wr_request_clear(struct wr_request *rq)
{
	rq->cid = rq->body = NULL;
	rq->cid_len = rq->body_len = 0;
	rq->est_tokens = rq->est.prompt = rq->est.completion = rq->est.limit = rq->est.charge = 0;
	rq->hash = 0;
	rq->nentries = 0;
	wr_buf_reset(&rq->path);
	wr_buf_reset(&rq->id);
	wr_buf_reset(&rq->extra);
}

void
wr_request_free(struct wr_request *rq)
{
	wr_buf_free(&rq->path);
	wr_buf_free(&rq->id);
	wr_buf_free(&rq->extra);
}

/* The end of the JSON string starting at s[i] == '"', or 0. */
static size_t
string_end(const char *s, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return 0;
}

/* A line that is no valid JSON: look for "custom_id": "..." so the error result can name it. */
static void
recover_cid(const char *line, size_t len, struct wr_request *rq)
{
	static const char key[] = "\"custom_id\"";
	const char *p = line, *end = line + len;

	while ((p = memmem(p, (size_t)(end - p), key, sizeof key - 1)) != NULL) {
		size_t i = (size_t)(p - line) + sizeof key - 1, e;
		p += sizeof key - 1;
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= len || line[i] != ':')
			continue;
		for (i++; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
			;
		if (i >= len || line[i] != '"' || !(e = string_end(line, len, i)))
			continue;
		wr_buf_reset(&rq->id);
		if (wr_json_unescape(line + i + 1, e - i - 2, &rq->id) != 0)
			continue;
		rq->cid = line + i;
		rq->cid_len = e - i;
		return;
	}
}

int
wr_request_parse(struct wr_json *j, const char *line, size_t len, struct wr_request *rq,
    const char **why)
{
	int i, k, n, key, val, cid = -1, body = -1, url = -1, method = -1, entries = -1;
	size_t tl;
	const char *t;

	wr_request_clear(rq);
	if (!wr_utf8_valid(line, len)) {
		*why = "invalid UTF-8";
		recover_cid(line, len, rq);
		return -1;
	}
	if (wr_json_parse(j, line, len, why) != 0) {
		recover_cid(line, len, rq);
		return -1;
	}
	if (j->tok[0].type != JSMN_OBJECT) {
		*why = "not a JSON object";
		return -1;
	}
	/* jsmn lets control characters and bad escapes through inside strings. */
	if (!wr_json_check(j)) {
		*why = "invalid JSON";
		recover_cid(line, len, rq);
		return -1;
	}
	n = j->tok[0].size;
	for (i = 1, k = 0; k < n; k++) {
		key = i;
		val = i + 1;
		if (wr_json_streq(j, key, "custom_id"))
			cid = val;
		else if (wr_json_streq(j, key, "body"))
			body = val;
		else if (wr_json_streq(j, key, "url"))
			url = val;
		else if (wr_json_streq(j, key, "method"))
			method = val;
		else if (wr_json_streq(j, key, "body_hash"))
			;  /* the result's own field: never a copy of the request's */
		else {
			if (wr_json_streq(j, key, "entries") && j->tok[val].type == JSMN_ARRAY)
				entries = val;
			t = wr_json_text(j, key, &tl);
			wr_buf_addc(&rq->extra, ',');
			wr_buf_add(&rq->extra, t, tl);
			wr_buf_addc(&rq->extra, ':');
			t = wr_json_text(j, val, &tl);
			wr_buf_add(&rq->extra, t, tl);
		}
		i = wr_json_skip(j, val);
	}
	if (cid >= 0 && j->tok[cid].type == JSMN_STRING) {
		rq->cid = wr_json_text(j, cid, &rq->cid_len);
		wr_json_str(j, cid, &rq->id);
	}
	if (cid < 0) {
		*why = "no custom_id";
		return -1;
	}
	if (!rq->cid) {
		*why = "custom_id is not a string";
		return -1;
	}
	if (body < 0) {
		*why = "no body";
		return -1;
	}
	if (j->tok[body].type != JSMN_OBJECT) {
		*why = "body is not a JSON object";
		return -1;
	}
	if (method >= 0 && !wr_json_streq(j, method, "POST")) {
		*why = "method is not POST";
		return -1;
	}
	if (url < 0)
		wr_buf_adds(&rq->path, "/v1/chat/completions");
	else if (wr_json_str(j, url, &rq->path) != 0) {
		*why = "url is not a string";
		return -1;
	}
	/* A path on the server we were given: never a URL of its own, which would take the key elsewhere. */
	if (rq->path.len == 0 || rq->path.s[0] != '/' || rq->path.s[1] == '/' ||
	    strcspn(rq->path.s, " \t\r\n\\") != rq->path.len) {
		*why = "url is not a path such as /v1/chat/completions";
		return -1;
	}
	rq->body = wr_json_text(j, body, &rq->body_len);
	rq->nentries = entries >= 0 ? (size_t)j->tok[entries].size : 0;
	wr_estimate_tokens(j, body, rq->body_len, rq->nentries, &rq->est);
	rq->est_tokens = rq->est.charge;
	rq->hash = wr_body_hash(rq->body, rq->body_len);
	return 0;
}

uint64_t
wr_body_hash(const char *body, size_t len)
{
	uint64_t h = XXH64(body, len, 0);

	return h ? h : 1;
}

uint64_t
wr_result_id(const char *cid, size_t cid_len)
{
	return XXH64(cid, cid_len, 0);
}

/* Append s as a JSON string, invalid UTF-8 replaced by U+FFFD so that the line stays valid. */
static void
add_string(struct wr_buf *out, const char *s, size_t n)
{
	struct wr_buf clean = {0};
	size_t i = 0;
	uint32_t c;

	if (wr_utf8_valid(s, n)) {
		wr_json_escape(out, s, n);
		return;
	}
	while (i < n) {
		int k = wr_utf8_decode(s + i, n - i, &c);
		if (k > 0) {
			wr_buf_add(&clean, s + i, (size_t)k);
			i += (size_t)k;
		} else {
			wr_buf_add(&clean, "\xef\xbf\xbd", 3);
			i++;
		}
	}
	wr_json_escape(out, clean.s, clean.len);
	wr_buf_free(&clean);
}

/* Append valid JSON text on one line: CR and LF can only be white space between tokens there. */
static void
add_json(struct wr_buf *out, const char *s, size_t n)
{
	size_t i, run = 0;

	wr_buf_grow(out, n);
	for (i = 0; i < n; i++) {
		if (s[i] != '\n' && s[i] != '\r')
			continue;
		wr_buf_add(out, s + run, i - run);
		run = i + 1;
	}
	wr_buf_add(out, s + run, n - run);
}

void
wr_result_format(struct wr_buf *out, const struct wr_result_out *r)
{
	char hex[17];
	size_t n = r->body_len;

	wr_id_hex(r->id, hex);
	wr_buf_adds(out, "{\"id\":\"wrq-");
	wr_buf_add(out, hex, 16);
	wr_buf_adds(out, "\",\"custom_id\":");
	if (r->cid)
		wr_buf_add(out, r->cid, r->cid_len);
	else
		wr_buf_adds(out, "null");
	if (r->status) {
		wr_buf_printf(out, ",\"response\":{\"status_code\":%ld,\"request_id\":", r->status);
		if (r->request_id && *r->request_id)
			add_string(out, r->request_id, strlen(r->request_id));
		else
			wr_buf_adds(out, "null");
		wr_buf_adds(out, ",\"body\":");
		while (n && (r->body[n - 1] == ' ' || r->body[n - 1] == '\t' ||
		    r->body[n - 1] == '\r' || r->body[n - 1] == '\n'))
			n--;
		if (r->body_json)
			add_json(out, r->body, n);
		else
			add_string(out, r->body ? r->body : "", n);
		wr_buf_addc(out, '}');
	} else
		wr_buf_adds(out, ",\"response\":null");
	if (r->err_code) {
		wr_buf_adds(out, ",\"error\":{\"code\":");
		wr_json_escapes(out, r->err_code);
		wr_buf_adds(out, ",\"message\":");
		add_string(out, r->err_msg ? r->err_msg : "", r->err_msg ? strlen(r->err_msg) : 0);
		wr_buf_addc(out, '}');
	} else
		wr_buf_adds(out, ",\"error\":null");
	if (r->body_hash) {
		wr_id_hex(r->body_hash, hex);
		wr_buf_adds(out, ",\"body_hash\":\"");
		wr_buf_add(out, hex, 16);
		wr_buf_addc(out, '"');
	}
	if (r->extra)
		wr_buf_add(out, r->extra, r->extra_len);
	wr_buf_adds(out, "}\n");
}

/* The 16 lowercase hex digits of string token t as a number; 0 when t is anything else. */
static uint64_t
hex_hash(const struct wr_json *j, int t)
{
	const char *s;
	size_t n, i;
	uint64_t v = 0;

	if (t < 0 || j->tok[t].type != JSMN_STRING || (s = wr_json_raw(j, t, &n), n != 16))
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			v = v << 4 | (uint64_t)(s[i] - '0');
		else if (s[i] >= 'a' && s[i] <= 'f')
			v = v << 4 | (uint64_t)(s[i] - 'a' + 10);
		else
			return 0;
	}
	return v;
}

int
wr_result_succeeded(struct wr_json *j, const char *line, size_t len, struct wr_buf *id, uint64_t *hash)
{
	const char *why;
	double status;
	int cid;

	*hash = 0;
	if (wr_json_parse(j, line, len, &why) != 0 || j->tok[0].type != JSMN_OBJECT)
		return -1;
	cid = wr_json_get(j, 0, "custom_id");
	if (cid < 0 || j->tok[cid].type != JSMN_STRING || wr_json_str(j, cid, id) != 0)
		return 0;
	*hash = hex_hash(j, wr_json_get(j, 0, "body_hash"));
	if (!wr_json_isnull(j, wr_json_get(j, 0, "error")))
		return 0;
	if (wr_json_num(j, wr_json_path(j, 0, "response", "status_code", NULL), &status) != 0 ||
	    status != 200)
		return 0;
	return wr_json_get(j, wr_json_get(j, 0, "response"), "body") >= 0;
}
