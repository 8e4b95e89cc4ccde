/* Gemini's batch mode: requests inlined in the create call, answers inlined in the batch, in the same order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

static int
gemini_item(struct wr_buf *out, struct wr_buf *key, const char *uid, const struct wr_json *j, int body,
    const char *path, size_t nentries, void (*warn)(void *arg, const char *field), void *arg, const char **why)
{
	struct wr_buf npath = {0};
	size_t at = out->len, n;
	const char *suffix = ":generateContent";
	int r;

	(void)path;
	wr_buf_printf(out, "{\"metadata\":{\"key\":\"%s\"},\"request\":", uid);
	r = wr_dialect_gemini.request(j, body, nentries, &npath, out, warn, arg, why);
	n = strlen(suffix);
	if (r == 0 && (npath.len <= n || strcmp(npath.s + npath.len - n, suffix) != 0)) {
		*why = "no model path for the batch";
		r = -1;
	}
	if (r != 0) {
		out->len = at;
		wr_buf_free(&npath);
		return -1;
	}
	/* The key: the model's batch URL, "/models/NAME:batchGenerateContent". */
	wr_buf_add(key, npath.s, npath.len - n);
	wr_buf_adds(key, ":batchGenerateContent");
	wr_buf_addc(out, '}');
	wr_buf_free(&npath);
	return 0;
}

static int
gemini_create(struct wr_call *c, const char *items, const char *file, const char *key, const char *set, long n,
    struct wr_buf *id)
{
	struct wr_call_req rq = {.method = "POST", .path = key, .file = items};

	(void)file;
	(void)set;
	(void)n;
	wr_call(c, &rq);
	return wr_batch_created(c, "name", id);
}

/* The batch of an operation: its metadata, or the object itself when it is the batch. */
static int
batch_of(const struct wr_json *j, int op)
{
	int m = wr_json_get(j, op, "metadata");

	return m >= 0 && j->tok[m].type == JSMN_OBJECT ? m : op;
}

/* An int64 as the API writes it: a string of digits, or a number. */
static long
int64_of(const struct wr_json *j, int i)
{
	struct wr_buf s = {0};
	double v;
	long r = -1;

	if (wr_json_num(j, i, &v) == 0)
		r = (long)v;
	else if (wr_batch_str(j, i, &s) == 0 && s.len)
		r = strtol(s.s, NULL, 10);
	wr_buf_free(&s);
	return r;
}

static int
gemini_find(struct wr_call *c, const char *set, long n, double since, const struct wr_map *known,
    struct wr_buf *id)
{
	struct wr_buf path = {0}, token = {0}, s = {0}, want = {0};
	struct wr_json j;
	int page, i, k, found = 0;

	(void)n;
	(void)since;
	wr_buf_printf(&want, "wr-%s", set);
	wr_json_init(&j);
	for (page = 0; page < 50 && !found; page++) {
		int ops;

		wr_buf_reset(&path);
		wr_buf_adds(&path, "/batches?pageSize=100");
		if (token.len)
			wr_buf_printf(&path, "&pageToken=%s", token.s);
		if (wr_batch_get(c, "%s", path.s, &j) != 0) {
			found = -1;
			break;
		}
		ops = wr_json_get(&j, 0, "operations");
		if (ops < 0)
			ops = wr_json_get(&j, 0, "batches");
		for (k = 0; (i = wr_json_index(&j, ops, k)) >= 0; k++)
			if (wr_batch_str(&j, wr_json_get(&j, batch_of(&j, i), "displayName"), &s) == 0 &&
			    strcmp(s.s, want.s) == 0 && wr_batch_str(&j, wr_json_get(&j, i, "name"), id) == 0 &&
			    !wr_map_get(known, id->s, id->len)) {
				found = 1;
				break;
			}
		if (found || wr_batch_str(&j, wr_json_get(&j, 0, "nextPageToken"), &token) != 0 || token.len == 0)
			break;
	}
	wr_json_free(&j);
	wr_buf_free(&path);
	wr_buf_free(&token);
	wr_buf_free(&s);
	wr_buf_free(&want);
	return found;
}

static int
gemini_poll(struct wr_call *c, const char *id, struct wr_job_status *st)
{
	struct wr_json j;
	int r = -1, b, stats;
	long ok, bad;

	wr_json_init(&j);
	if (wr_batch_get(c, "/%s", id, &j) == 0 &&
	    wr_batch_str(&j, wr_json_get(&j, b = batch_of(&j, 0), "state"), &st->label) == 0) {
		const char *s = st->label.s;
		st->state = strcmp(s, "BATCH_STATE_SUCCEEDED") == 0 || strcmp(s, "BATCH_STATE_CANCELLED") == 0 ||
		    strcmp(s, "BATCH_STATE_EXPIRED") == 0 ? WR_JOB_ENDED :
		    strcmp(s, "BATCH_STATE_FAILED") == 0 ? WR_JOB_FAILED : WR_JOB_RUNNING;
		stats = wr_json_get(&j, b, "batchStats");
		st->total = int64_of(&j, wr_json_get(&j, stats, "requestCount"));
		ok = int64_of(&j, wr_json_get(&j, stats, "successfulRequestCount"));
		bad = int64_of(&j, wr_json_get(&j, stats, "failedRequestCount"));
		st->done = ok < 0 && bad < 0 ? -1 : (ok > 0 ? ok : 0) + (bad > 0 ? bad : 0);
		/* The answers are in the batch itself: fetching is reading it again. */
		wr_buf_reset(&st->output);
		wr_buf_adds(&st->output, id);
		wr_buf_reset(&st->errors);
		wr_buf_reset(&st->message);
		if (wr_batch_str(&j, wr_json_path(&j, 0, "error", "message", NULL), &st->message) != 0)
			wr_buf_reset(&st->message);
		if (st->state == WR_JOB_FAILED && st->message.len == 0)
			wr_buf_adds(&st->message, "the batch failed, and the provider said no more");
		r = 0;
	} else if (c->status >= 200 && c->status < 300 && c->why.len == 0)
		wr_buf_printf(&c->why, "HTTP %ld without a state", c->status);
	wr_json_free(&j);
	return r;
}

/*
 * The inlined answers, in the order of the requests, each handed to sink as
 * one line {"index":K,"item":ANSWER}: the API may leave out the metadata
 * key, so the position is what names the request.
 */
static int
gemini_fetch(struct wr_call *c, const char *where, int (*sink)(void *arg, const char *s, size_t n), void *arg)
{
	struct wr_buf line = {0};
	struct wr_json j;
	const char *s;
	size_t n;
	int list, k, i, r = -1;

	wr_json_init(&j);
	/*
	 * The poll that saw the batch end is the last call, and its answer
	 * carries the responses: read them there rather than download them again.
	 */
	if ((c->status == 200 && wr_batch_answer(c, &j) == 0 &&
	    wr_json_streq(&j, wr_json_get(&j, 0, "name"), where)) || wr_batch_get(c, "/%s", where, &j) == 0) {
		list = wr_json_path(&j, 0, "response", "inlinedResponses", "inlinedResponses", NULL);
		if (list < 0)
			list = wr_json_path(&j, batch_of(&j, 0), "output", "inlinedResponses", "inlinedResponses", NULL);
		sink(arg, NULL, 0);
		for (k = 0, i = wr_json_first(&j, list); i >= 0; k++, i = wr_json_next(&j, list, i)) {
			wr_buf_reset(&line);
			wr_buf_printf(&line, "{\"index\":%d,\"item\":", k);
			s = wr_json_text(&j, i, &n);
			wr_buf_add(&line, s, n);
			wr_buf_adds(&line, "}\n");
			if (sink(arg, line.s, line.len) != 0)
				break;
		}
		r = 0;
	}
	wr_json_free(&j);
	wr_buf_free(&line);
	return r;
}

/*
 * The HTTP status of a per-request error: Google gives a google.rpc.Status,
 * whose code is a gRPC code (3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 13
 * INTERNAL...), mapped as Google maps them onto HTTP; a code that already
 * is an HTTP status is kept.
 */
static long
http_of(double code)
{
	static const long http[17] = {200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401};

	if (code >= 100 && code < 600)
		return (long)code;
	if (code >= 0 && code < 17)
		return http[(int)code];
	return 500;
}

static int
gemini_read(struct wr_json *j, const char *line, size_t len, struct wr_job_line *r)
{
	double v;
	int item, b, e;

	if (wr_batch_line(j, line, len, r) != 0 || (item = wr_json_get(j, 0, "item")) < 0)
		return -1;
	if (wr_json_num(j, wr_json_get(j, 0, "index"), &v) == 0)
		r->index = (long)v;
	if ((b = wr_json_path(j, item, "metadata", "key", NULL)) >= 0 && j->tok[b].type == JSMN_STRING)
		r->uid = wr_json_raw(j, b, &r->uid_len);
	if ((b = wr_json_get(j, item, "response")) >= 0 && j->tok[b].type == JSMN_OBJECT) {
		r->status = 200;
		r->body = wr_json_text(j, b, &r->body_len);
		if ((b = wr_json_get(j, b, "responseId")) >= 0 && j->tok[b].type == JSMN_STRING)
			r->request_id = wr_json_raw(j, b, &r->rid_len);
		return 0;
	}
	e = wr_json_get(j, item, "error");
	r->status = wr_json_num(j, wr_json_get(j, e, "code"), &v) == 0 ? http_of(v) : 500;
	if (e >= 0)
		r->body = wr_json_text(j, e, &r->body_len);
	wr_batch_http_error(j, wr_json_get(j, e, "message"), r);
	return 0;
}

static int
gemini_cancel(struct wr_call *c, const char *id)
{
	return wr_batch_simple(c, "POST", "/%s:cancel", id, NULL, NULL);
}

const struct wr_batch_api wr_batch_gemini = {
	.name = "gemini",
	.dialect = &wr_dialect_gemini,
	.max_requests = 100000,
	.max_bytes = 20LL << 20,
	.head = "{\"batch\":{\"displayName\":\"wr-%s\",\"inputConfig\":{\"requests\":{\"requests\":[\n",
	.sep = ",\n", .tail = "\n]}}}}\n", .uid_prefix = "{\"metadata\":{\"key\":\"",
	.item = gemini_item,
	.upload = NULL,
	.create = gemini_create,
	.find = gemini_find,
	.marks = 1,
	.poll = gemini_poll,
	.fetch = gemini_fetch,
	.read = gemini_read,
	.cancel = gemini_cancel,
};
