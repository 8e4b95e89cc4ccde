/* OpenAI's Files and Batches API (also spoken by Groq and other OpenAI-style services), and Mistral's batch jobs on the same files. */
#include <stdio.h>
#include <string.h>

#include "batch.h"

static int
openai_item(struct wr_buf *out, struct wr_buf *key, const char *uid, const struct wr_json *j, int body,
    const char *path, size_t nentries, void (*warn)(void *arg, const char *field), void *arg, const char **why)
{
	const char *s;
	size_t n;

	(void)nentries;
	(void)warn;
	(void)arg;
	(void)why;
	wr_buf_adds(key, path);
	wr_buf_printf(out, "{\"custom_id\":\"%s\",\"method\":\"POST\",\"url\":", uid);
	wr_json_escape(out, path, strlen(path));
	wr_buf_adds(out, ",\"body\":");
	s = wr_json_text(j, body, &n);
	wr_buf_add(out, s, n);
	wr_buf_addc(out, '}');
	return 0;
}

static int
openai_upload(struct wr_call *c, const char *items, struct wr_buf *id)
{
	struct wr_call_req rq = {.method = "POST", .path = "/v1/files", .form_file = items,
	    .form_purpose = "batch"};

	/* An upload made twice costs nothing but storage: it may be repeated. */
	rq.idempotent = 1;
	wr_call(c, &rq);
	return wr_batch_answer_id(c, "id", id);
}

/* POST the job's JSON body (freed) to path: what wr_batch_created makes of the answer. */
static int
post_job(struct wr_call *c, const char *path, struct wr_buf *body, struct wr_buf *id)
{
	struct wr_call_req rq = {.method = "POST", .path = path, .json = body->s, .json_len = body->len};

	wr_call(c, &rq);
	wr_buf_free(body);
	return wr_batch_created(c, "id", id);
}

static int
openai_create(struct wr_call *c, const char *items, const char *file, const char *endpoint, const char *set,
    long n, struct wr_buf *id)
{
	struct wr_buf body = {0};

	(void)items;
	wr_buf_adds(&body, "{\"input_file_id\":");
	wr_json_escapes(&body, file);
	wr_buf_adds(&body, ",\"endpoint\":");
	wr_json_escapes(&body, endpoint);
	wr_buf_printf(&body, ",\"completion_window\":\"24h\",\"metadata\":{\"wr_set\":\"%s\",\"wr_requests\":\"%ld\"}}",
	    set, n);
	return post_job(c, "/v1/batches", &body, id);
}

/*
 * Page through a list of jobs, newest first, for the one marked with set
 * in its metadata (wr_set) and not recorded yet: OpenAI pages with
 * after=LAST_ID while has_more, Mistral with page=N while a page has jobs.
 * A job made well before the set was prepared cannot be it: the search
 * stops there.
 */
static int
find_marked(struct wr_call *c, const char *list, int by_page, const char *set, double since,
    const struct wr_map *known, struct wr_buf *id)
{
	struct wr_buf path = {0}, after = {0}, s = {0};
	struct wr_json j;
	int page, i, k, found = 0;
	double t;

	wr_json_init(&j);
	for (page = 0; page < 50 && !found; page++) {
		int data, stop = 0;

		wr_buf_reset(&path);
		if (by_page)
			wr_buf_printf(&path, "%s?page=%d&page_size=100", list, page);
		else
			wr_buf_printf(&path, "%s?limit=100%s%s", list, after.len ? "&after=" : "", after.len ? after.s : "");
		if (wr_batch_get(c, "%s", path.s, &j) != 0) {
			found = -1;
			break;
		}
		data = wr_json_get(&j, 0, "data");
		wr_buf_reset(&after);
		for (k = 0, i = wr_json_first(&j, data); i >= 0; k++, i = wr_json_next(&j, data, i)) {
			if (wr_batch_str(&j, wr_json_path(&j, i, "metadata", "wr_set", NULL), &s) == 0 &&
			    strcmp(s.s, set) == 0 && wr_batch_str(&j, wr_json_get(&j, i, "id"), id) == 0 &&
			    !wr_map_get(known, id->s, id->len)) {
				found = 1;
				break;
			}
			if (wr_json_num(&j, wr_json_get(&j, i, "created_at"), &t) == 0 && t < since - 600)
				stop = 1;
			wr_batch_str(&j, wr_json_get(&j, i, "id"), &after);
		}
		if (found || stop || k == 0 || after.len == 0 ||
		    (!by_page && !wr_json_streq(&j, wr_json_get(&j, 0, "has_more"), "true")))
			break;
		if (!by_page && wr_batch_str(&j, wr_json_get(&j, 0, "last_id"), &s) == 0 && s.len) {
			wr_buf_reset(&after);
			wr_buf_add(&after, s.s, s.len);
		}
	}
	wr_json_free(&j);
	wr_buf_free(&path);
	wr_buf_free(&after);
	wr_buf_free(&s);
	return found;
}

static int
openai_find(struct wr_call *c, const char *set, long n, double since, const struct wr_map *known,
    struct wr_buf *id)
{
	(void)n;
	return find_marked(c, "/v1/batches", 0, set, since, known, id);
}

static int
openai_poll(struct wr_call *c, const char *id, struct wr_job_status *st)
{
	struct wr_json j;
	double v;
	int r = -1, e;

	wr_json_init(&j);
	if (wr_batch_get(c, "/v1/batches/%s", id, &j) == 0 &&
	    wr_batch_str(&j, wr_json_get(&j, 0, "status"), &st->label) == 0) {
		const char *s = st->label.s;
		st->state = strcmp(s, "failed") == 0 ? WR_JOB_FAILED :
		    strcmp(s, "completed") == 0 || strcmp(s, "expired") == 0 || strcmp(s, "cancelled") == 0 ?
		    WR_JOB_ENDED : WR_JOB_RUNNING;
		st->total = wr_json_num(&j, wr_json_path(&j, 0, "request_counts", "total", NULL), &v) == 0 ? (long)v : -1;
		st->done = -1;
		if (wr_json_num(&j, wr_json_path(&j, 0, "request_counts", "completed", NULL), &v) == 0) {
			double f = 0;
			wr_json_num(&j, wr_json_path(&j, 0, "request_counts", "failed", NULL), &f);
			st->done = (long)(v + f);
		}
		if (wr_batch_str(&j, wr_json_get(&j, 0, "output_file_id"), &st->output) != 0)
			wr_buf_reset(&st->output);
		if (wr_batch_str(&j, wr_json_get(&j, 0, "error_file_id"), &st->errors) != 0)
			wr_buf_reset(&st->errors);
		wr_buf_reset(&st->message);
		e = wr_json_index(&j, wr_json_path(&j, 0, "errors", "data", NULL), 0);
		if (e >= 0) {
			struct wr_buf m = {0};
			if (wr_batch_str(&j, wr_json_get(&j, e, "code"), &m) == 0 && m.len)
				wr_buf_printf(&st->message, "%s: ", m.s);
			if (wr_batch_str(&j, wr_json_get(&j, e, "message"), &m) == 0)
				wr_buf_add(&st->message, m.s, m.len);
			wr_buf_free(&m);
		}
		if (st->state == WR_JOB_FAILED && st->message.len == 0)
			wr_buf_adds(&st->message, "the job failed, and the provider said no more");
		r = 0;
	} else if (c->status >= 200 && c->status < 300 && c->why.len == 0)
		wr_buf_printf(&c->why, "HTTP %ld without a status", c->status);
	wr_json_free(&j);
	return r;
}

static int
openai_fetch(struct wr_call *c, const char *where, int (*sink)(void *arg, const char *s, size_t n), void *arg)
{
	return wr_batch_simple(c, "GET", "/v1/files/%s/content", where, sink, arg);
}

static int
openai_read(struct wr_json *j, const char *line, size_t len, struct wr_job_line *r)
{
	double v;
	int resp, err, b;

	if (wr_batch_line(j, line, len, r) != 0)
		return -1;
	b = wr_json_get(j, 0, "custom_id");
	if (b < 0 || j->tok[b].type != JSMN_STRING)
		return -1;
	r->uid = wr_json_raw(j, b, &r->uid_len);
	resp = wr_json_get(j, 0, "response");
	err = wr_json_get(j, 0, "error");
	if (resp >= 0 && !wr_json_isnull(j, resp)) {
		if (wr_json_num(j, wr_json_get(j, resp, "status_code"), &v) == 0)
			r->status = (long)v;
		if ((b = wr_json_get(j, resp, "request_id")) >= 0 && j->tok[b].type == JSMN_STRING)
			r->request_id = wr_json_raw(j, b, &r->rid_len);
		if ((b = wr_json_get(j, resp, "body")) >= 0 && !wr_json_isnull(j, b))
			r->body = wr_json_text(j, b, &r->body_len);
		if (r->status == 200 && (err < 0 || wr_json_isnull(j, err)))
			return 0;
		wr_batch_http_error(j, wr_json_path(j, b, "error", "message", NULL), r);
		return 0;
	}
	r->code = "batch_error";
	if (err >= 0 && !wr_json_isnull(j, err)) {
		struct wr_buf code = {0};
		if (wr_batch_str(j, wr_json_get(j, err, "code"), &code) == 0) {
			r->code = strcmp(code.s, "batch_expired") == 0 ? "batch_expired" :
			    strcmp(code.s, "batch_cancelled") == 0 ? "batch_cancelled" : "batch_error";
			r->retry = strcmp(r->code, "batch_error") != 0;
		}
		wr_buf_free(&code);
		if (wr_batch_str(j, wr_json_get(j, err, "message"), &r->msg) != 0)
			wr_buf_reset(&r->msg);
	}
	if (r->msg.len == 0)
		wr_buf_adds(&r->msg, "the job gave no answer to this request");
	return 0;
}

static int
openai_cancel(struct wr_call *c, const char *id)
{
	return wr_batch_simple(c, "POST", "/v1/batches/%s/cancel", id, NULL, NULL);
}

const struct wr_batch_api wr_batch_openai = {
	.name = "openai",
	.dialect = &wr_dialect_openai,
	.max_requests = 50000,
	.max_bytes = 200LL << 20,
	.head = "", .sep = "\n", .tail = "\n", .uid_prefix = "{\"custom_id\":\"",
	.item = openai_item,
	.upload = openai_upload,
	.create = openai_create,
	.find = openai_find,
	.marks = 1,
	.poll = openai_poll,
	.fetch = openai_fetch,
	.read = openai_read,
	.cancel = openai_cancel,
};

/* Mistral's batch jobs: OpenAI-style files, a job of one model, its own job object. */

static int
mistral_item(struct wr_buf *out, struct wr_buf *key, const char *uid, const struct wr_json *j, int body,
    const char *path, size_t nentries, void (*warn)(void *arg, const char *field), void *arg, const char **why)
{
	struct wr_buf model = {0};
	const char *s;
	size_t n;

	(void)nentries;
	(void)warn;
	(void)arg;
	if (wr_batch_str(j, wr_json_get(j, body, "model"), &model) != 0 || model.len == 0 ||
	    strchr(model.s, '\t')) {
		wr_buf_free(&model);
		*why = "a Mistral batch job names its model: the body needs a \"model\" string";
		return -1;
	}
	/* The key: the model, a TAB, the endpoint. */
	wr_buf_printf(key, "%s\t%s", model.s, path);
	wr_buf_free(&model);
	wr_buf_printf(out, "{\"custom_id\":\"%s\",\"body\":", uid);
	s = wr_json_text(j, body, &n);
	wr_buf_add(out, s, n);
	wr_buf_addc(out, '}');
	return 0;
}

static int
mistral_create(struct wr_call *c, const char *items, const char *file, const char *key, const char *set,
    long n, struct wr_buf *id)
{
	struct wr_buf body = {0};
	const char *tab = strchr(key, '\t');

	(void)items;
	wr_buf_adds(&body, "{\"input_files\":[");
	wr_json_escapes(&body, file);
	wr_buf_adds(&body, "],\"model\":");
	wr_json_escape(&body, key, tab ? (size_t)(tab - key) : strlen(key));
	wr_buf_adds(&body, ",\"endpoint\":");
	wr_json_escapes(&body, tab ? tab + 1 : "/v1/chat/completions");
	wr_buf_printf(&body, ",\"metadata\":{\"wr_set\":\"%s\",\"wr_requests\":\"%ld\"},\"timeout_hours\":24}", set, n);
	return post_job(c, "/v1/batch/jobs", &body, id);
}

static int
mistral_find(struct wr_call *c, const char *set, long n, double since, const struct wr_map *known,
    struct wr_buf *id)
{
	(void)n;
	return find_marked(c, "/v1/batch/jobs", 1, set, since, known, id);
}

static int
mistral_poll(struct wr_call *c, const char *id, struct wr_job_status *st)
{
	struct wr_json j;
	double v;
	int r = -1, e;

	wr_json_init(&j);
	if (wr_batch_get(c, "/v1/batch/jobs/%s", id, &j) == 0 &&
	    wr_batch_str(&j, wr_json_get(&j, 0, "status"), &st->label) == 0) {
		const char *s = st->label.s;
		if (wr_batch_str(&j, wr_json_get(&j, 0, "output_file"), &st->output) != 0)
			wr_buf_reset(&st->output);
		if (wr_batch_str(&j, wr_json_get(&j, 0, "error_file"), &st->errors) != 0)
			wr_buf_reset(&st->errors);
		st->state = strcmp(s, "SUCCESS") == 0 || strcmp(s, "TIMEOUT_EXCEEDED") == 0 ||
		    strcmp(s, "CANCELLED") == 0 ? WR_JOB_ENDED :
		    strcmp(s, "FAILED") == 0 ? (st->output.len ? WR_JOB_ENDED : WR_JOB_FAILED) : WR_JOB_RUNNING;
		st->total = wr_json_num(&j, wr_json_get(&j, 0, "total_requests"), &v) == 0 ? (long)v : -1;
		st->done = wr_json_num(&j, wr_json_get(&j, 0, "completed_requests"), &v) == 0 ? (long)v : -1;
		wr_buf_reset(&st->message);
		if ((e = wr_json_index(&j, wr_json_get(&j, 0, "errors"), 0)) >= 0 &&
		    wr_batch_str(&j, wr_json_get(&j, e, "message"), &st->message) != 0)
			wr_buf_reset(&st->message);
		if (st->state == WR_JOB_FAILED && st->message.len == 0)
			wr_buf_adds(&st->message, "the job failed, and the provider said no more");
		r = 0;
	} else if (c->status >= 200 && c->status < 300 && c->why.len == 0)
		wr_buf_printf(&c->why, "HTTP %ld without a status", c->status);
	wr_json_free(&j);
	return r;
}

static int
mistral_cancel(struct wr_call *c, const char *id)
{
	return wr_batch_simple(c, "POST", "/v1/batch/jobs/%s/cancel", id, NULL, NULL);
}

const struct wr_batch_api wr_batch_mistral = {
	.name = "mistral",
	.dialect = &wr_dialect_openai,
	.max_requests = 1000000,
	.max_bytes = 512LL << 20,
	.head = "", .sep = "\n", .tail = "\n", .uid_prefix = "{\"custom_id\":\"",
	.item = mistral_item,
	.upload = openai_upload,
	.create = mistral_create,
	.find = mistral_find,
	.marks = 1,
	.poll = mistral_poll,
	.fetch = openai_fetch,
	.read = openai_read,
	.cancel = mistral_cancel,
};
