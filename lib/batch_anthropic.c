/* Anthropic's Message Batches API. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "batch.h"

static int
anthropic_item(struct wr_buf *out, struct wr_buf *key, const char *uid, const struct wr_json *j, int body,
    const char *path, size_t nentries, void (*warn)(void *arg, const char *field), void *arg, const char **why)
{
	struct wr_buf npath = {0};
	size_t at = out->len;
	int r;

	(void)path;
	wr_buf_adds(key, "/v1/messages/batches");
	wr_buf_printf(out, "{\"custom_id\":\"%s\",\"params\":", uid);
	r = wr_dialect_anthropic.request(j, body, nentries, &npath, out, warn, arg, why);
	wr_buf_free(&npath);
	if (r != 0) {
		out->len = at;
		return -1;
	}
	wr_buf_addc(out, '}');
	return 0;
}

static int
anthropic_create(struct wr_call *c, const char *items, const char *file, const char *endpoint, const char *set,
    long n, struct wr_buf *id)
{
	struct wr_call_req rq = {.method = "POST", .path = "/v1/messages/batches", .file = items};

	(void)file;
	(void)endpoint;
	(void)set;
	(void)n;
	wr_call(c, &rq);
	return wr_batch_created(c, "id", id);
}

/* The sum of a batch's request_counts. */
static double
count_all(const struct wr_json *j, int batch, double *ended)
{
	static const char *const names[] = {"processing", "succeeded", "errored", "canceled", "expired"};
	int counts = wr_json_get(j, batch, "request_counts");
	double v, sum = 0;
	size_t k;

	*ended = 0;
	for (k = 0; k < sizeof names / sizeof *names; k++)
		if (wr_json_num(j, wr_json_get(j, counts, names[k]), &v) == 0) {
			sum += v;
			if (k > 0)
				*ended += v;
		}
	return sum;
}

/*
 * Message batches carry no mark of their own: a batch of exactly n
 * requests made from since on, not recorded yet, is taken to be it, and
 * its custom_ids are checked when its answers come.
 */
static int
anthropic_find(struct wr_call *c, const char *set, long n, double since, const struct wr_map *known,
    struct wr_buf *id)
{
	struct wr_buf path = {0}, after = {0}, s = {0};
	struct wr_json j;
	int page, i, k, found = 0;
	double t, ended;

	(void)set;
	wr_json_init(&j);
	for (page = 0; page < 20 && !found; page++) {
		int data, stop = 0;

		wr_buf_reset(&path);
		wr_buf_adds(&path, "/v1/messages/batches?limit=100");
		if (after.len)
			wr_buf_printf(&path, "&after_id=%s", after.s);
		if (wr_batch_get(c, "%s", path.s, &j) != 0) {
			found = -1;
			break;
		}
		data = wr_json_get(&j, 0, "data");
		for (k = 0; (i = wr_json_index(&j, data, k)) >= 0; k++) {
			const char *ts;
			size_t tn;
			int at = wr_json_get(&j, i, "created_at");
			if (at < 0 || j.tok[at].type != JSMN_STRING)
				continue;
			ts = wr_json_raw(&j, at, &tn);
			if (wr_dialect_rfc3339(ts, tn, &t) != 0)
				continue;
			if (t < since - 300) {
				stop = 1;
				break;
			}
			if ((long)count_all(&j, i, &ended) == n && wr_batch_str(&j, wr_json_get(&j, i, "id"), id) == 0 &&
			    !wr_map_get(known, id->s, id->len)) {
				found = 1;
				break;
			}
		}
		if (found || stop || !wr_json_streq(&j, wr_json_get(&j, 0, "has_more"), "true") ||
		    wr_batch_str(&j, wr_json_get(&j, 0, "last_id"), &s) != 0 || s.len == 0)
			break;
		wr_buf_reset(&after);
		wr_buf_add(&after, s.s, s.len);
	}
	wr_json_free(&j);
	wr_buf_free(&path);
	wr_buf_free(&after);
	wr_buf_free(&s);
	return found;
}

static int
anthropic_poll(struct wr_call *c, const char *id, struct wr_job_status *st)
{
	struct wr_json j;
	double ended;
	int r = -1;

	wr_json_init(&j);
	if (wr_batch_get(c, "/v1/messages/batches/%s", id, &j) == 0 &&
	    wr_batch_str(&j, wr_json_get(&j, 0, "processing_status"), &st->label) == 0) {
		st->state = strcmp(st->label.s, "ended") == 0 ? WR_JOB_ENDED : WR_JOB_RUNNING;
		st->total = (long)count_all(&j, 0, &ended);
		st->done = (long)ended;
		if (wr_batch_str(&j, wr_json_get(&j, 0, "results_url"), &st->output) != 0)
			wr_buf_reset(&st->output);
		wr_buf_reset(&st->errors);
		wr_buf_reset(&st->message);
		if (st->state == WR_JOB_ENDED && st->output.len == 0) {
			wr_buf_reset(&c->why);
			wr_buf_adds(&c->why, "an ended batch without a results_url");
			r = -1;
		} else
			r = 0;
	} else if (c->status >= 200 && c->status < 300 && c->why.len == 0)
		wr_buf_printf(&c->why, "HTTP %ld without a processing_status", c->status);
	wr_json_free(&j);
	return r;
}

static int
anthropic_fetch(struct wr_call *c, const char *where, int (*sink)(void *arg, const char *s, size_t n), void *arg)
{
	/* results_url as the API gives it: the caller refuses a host other than -u's. */
	return wr_batch_simple(c, "GET", "%s", where, sink, arg);
}

/* The HTTP status the live API gives an error of this type. */
static long
error_status(const struct wr_json *j, int type)
{
	static const struct { const char *type; long status; } types[] = {
		{"invalid_request_error", 400}, {"authentication_error", 401}, {"billing_error", 402},
		{"permission_error", 403}, {"not_found_error", 404}, {"request_too_large", 413},
		{"rate_limit_error", 429}, {"api_error", 500}, {"overloaded_error", 529},
	};
	size_t k;

	for (k = 0; k < sizeof types / sizeof *types; k++)
		if (wr_json_streq(j, type, types[k].type))
			return types[k].status;
	return 500;
}

static int
anthropic_read(struct wr_json *j, const char *line, size_t len, struct wr_job_line *r)
{
	int res, b, type, err;

	if (wr_batch_line(j, line, len, r) != 0)
		return -1;
	b = wr_json_get(j, 0, "custom_id");
	res = wr_json_get(j, 0, "result");
	if (b < 0 || j->tok[b].type != JSMN_STRING || res < 0)
		return -1;
	r->uid = wr_json_raw(j, b, &r->uid_len);
	type = wr_json_get(j, res, "type");
	if (wr_json_streq(j, type, "succeeded") && (b = wr_json_get(j, res, "message")) >= 0 &&
	    j->tok[b].type == JSMN_OBJECT) {
		r->status = 200;
		r->body = wr_json_text(j, b, &r->body_len);
		if ((b = wr_json_get(j, b, "id")) >= 0 && j->tok[b].type == JSMN_STRING)
			r->request_id = wr_json_raw(j, b, &r->rid_len);
		return 0;
	}
	if (wr_json_streq(j, type, "errored")) {
		err = wr_json_path(j, res, "error", "error", NULL);
		if (err < 0)
			err = wr_json_get(j, res, "error");
		r->status = error_status(j, wr_json_get(j, err, "type"));
		if ((b = wr_json_get(j, res, "error")) >= 0)
			r->body = wr_json_text(j, b, &r->body_len);
		wr_batch_http_error(j, wr_json_get(j, err, "message"), r);
		return 0;
	}
	r->retry = 1;
	if (wr_json_streq(j, type, "expired")) {
		r->code = "batch_expired";
		wr_buf_adds(&r->msg, "the batch expired before this request was processed");
	} else if (wr_json_streq(j, type, "canceled")) {
		r->code = "batch_cancelled";
		wr_buf_adds(&r->msg, "the batch was canceled before this request was processed");
	} else {
		r->code = "batch_error";
		wr_buf_adds(&r->msg, "a result of a type wr-submit does not know");
		r->retry = 0;
	}
	return 0;
}

static int
anthropic_cancel(struct wr_call *c, const char *id)
{
	return wr_batch_simple(c, "POST", "/v1/messages/batches/%s/cancel", id, NULL, NULL);
}

const struct wr_batch_api wr_batch_anthropic = {
	.name = "anthropic",
	.dialect = &wr_dialect_anthropic,
	.max_requests = 100000,
	.max_bytes = 256LL << 20,
	.head = "{\"requests\":[\n", .sep = ",\n", .tail = "\n]}\n", .uid_prefix = "{\"custom_id\":\"",
	.item = anthropic_item,
	.upload = NULL,
	.create = anthropic_create,
	.find = anthropic_find,
	.marks = 0,
	.poll = anthropic_poll,
	.fetch = anthropic_fetch,
	.read = anthropic_read,
	.cancel = anthropic_cancel,
};
