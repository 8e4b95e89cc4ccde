/* Gemini's batch mode in wr-serve: inlined requests, a batch as a long-running Operation. */
#include "serve_batch_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "json.h"

enum { OP_DELETE = OP_VENDOR };

/* Gemini's BatchState: no validating or cancelling of its own. */
static const char *
gemini_state(const struct state *s)
{
	switch (s->s) {
	case ST_VALIDATING: return "BATCH_STATE_PENDING";
	case ST_FAILED: return "BATCH_STATE_FAILED";
	case ST_COMPLETED: return "BATCH_STATE_SUCCEEDED";
	case ST_EXPIRED: return "BATCH_STATE_EXPIRED";
	case ST_CANCELLED: return "BATCH_STATE_CANCELLED";
	default: return "BATCH_STATE_RUNNING";
	}
}

/* Google's {"error":{code,message,status}}: type is the status. */
static void
gemini_error(struct wr_buf *out, unsigned status, const char *type, const char *code, const char *msg)
{
	(void)code;
	wr_buf_printf(out, "{\"error\":{\"code\":%u,\"message\":", status);
	wr_json_escapes(out, msg);
	wr_buf_printf(out, ",\"status\":\"%s\"}}", type);
}

/* The latest moment of j's clock that has passed, for Gemini's updateTime. */
static uint64_t
last_event(const struct state *s)
{
	uint64_t t = 0;

	if (s->at_progress != NEVER && s->at_progress > t)
		t = s->at_progress;
	if (s->at_final != NEVER && s->at_final > t)
		t = s->at_final;
	if (s->at_cancel != NEVER && s->at_cancel > t)
		t = s->at_cancel;
	if (s->at_end != NEVER && s->at_end > t)
		t = s->at_end;
	return t;
}

/* Append the content of path; 0, or -1 with a warning. */
static int
add_file_text(struct wr_buf *b, const char *path)
{
	char *m;
	size_t len;

	m = wr_bat_map_file(path, &len);
	if (!m)
		return len == 0 && access(path, F_OK) == 0 ? 0 : -1;
	wr_buf_add(b, m, len);
	munmap(m, len);
	return 0;
}

/*
 * An Operation whose metadata is the GenerateContentBatch (int64 counts
 * as strings, zero counts left out, as proto3 JSON does). With full, an
 * ended batch carries its InlinedResponses twice, as the API does: in
 * metadata.output, which @google/genai reads, and in response.
 */
static void
batch_json(struct wr_buf *b, struct job *j, int full)
{
	struct state s;
	struct wr_buf out = {0};
	size_t bad;
	int end, have = 0;

	wr_bat_state_now(j, &s);
	wr_bat_name_outputs(j, &s);
	end = wr_bat_ended(&s);
	bad = wr_bat_errors_in(j, s.done);
	if (full && end && s.s != ST_FAILED && j->res) {
		if (wr_bat_make_ready(j->res) == 0 && add_file_text(&out, j->res->path) == 0)
			have = 1;
	}
	wr_buf_printf(b, "{\"name\":\"batches/%s\",\"metadata\":{\"@type\":\"type.googleapis.com/"
	    "google.ai.generativelanguage.v1main.GenerateContentBatch\",\"model\":\"models/", j->id);
	wr_json_escape_in(b, j->model, strlen(j->model));
	wr_buf_adds(b, "\",\"displayName\":");
	wr_json_escapes(b, j->display);
	if (have) {
		wr_buf_adds(b, ",\"output\":{\"inlinedResponses\":{\"inlinedResponses\":[");
		wr_buf_add(b, out.s, out.len);
		wr_buf_adds(b, "]}}");
	}
	wr_buf_adds(b, ",\"createTime\":");
	wr_bat_add_rfc3339(b, j->wall0);
	if (end) {
		wr_buf_adds(b, ",\"endTime\":");
		wr_bat_add_rfc3339_at(b, j, s.at_end);
	}
	wr_buf_adds(b, ",\"updateTime\":");
	wr_bat_add_rfc3339_at(b, j, last_event(&s));
	wr_buf_printf(b, ",\"batchStats\":{\"requestCount\":\"%zu\"", j->n);
	if (s.done > bad)
		wr_buf_printf(b, ",\"successfulRequestCount\":\"%zu\"", s.done - bad);
	if (bad)
		wr_buf_printf(b, ",\"failedRequestCount\":\"%zu\"", bad);
	if (!end && j->n > s.done)
		wr_buf_printf(b, ",\"pendingRequestCount\":\"%zu\"", j->n - s.done);
	wr_buf_printf(b, "},\"state\":\"%s\",\"name\":\"batches/%s\"}", gemini_state(&s), j->id);
	if (end) {
		wr_buf_adds(b, ",\"done\":true");
		if (s.s == ST_FAILED) {
			/* j->errors is the Status of the failure. */
			wr_buf_printf(b, ",\"error\":%s", j->errors);
		} else if (have) {
			wr_buf_adds(b, ",\"response\":{\"@type\":\"type.googleapis.com/google.ai."
			    "generativelanguage.v1main.GenerateContentBatchOutput\",\"inlinedResponses\":"
			    "{\"inlinedResponses\":[");
			wr_buf_add(b, out.s, out.len);
			wr_buf_adds(b, "]}}");
		}
	}
	wr_buf_addc(b, '}');
	wr_buf_free(&out);
}

/* A batch as get answers it, with its responses. */
static void
gemini_batch_json(struct wr_buf *b, struct job *j)
{
	batch_json(b, j, 1);
}

/* A batch as create and list answer it, without them. */
static void
gemini_batch_brief(struct wr_buf *b, struct job *j)
{
	batch_json(b, j, 0);
}

/* The inlined responses, in a file of their own that the Files API does not list. */
static void
gemini_outputs(struct job *j, const struct state *s)
{
	char id[48];

	(void)s;
	wr_bat_make_id(id, sizeof id, "inlined_", 5, j->seq, 0, 24);
	j->res = wr_bat_job_file(j, id, "results.jsonl", "batch_output");
}

/*
 * models/MODEL:batchGenerateContent with inlined requests. The whole body
 * (up to Gemini's 20 MB) is in a file; each request is answered as a live
 * generateContent of MODEL.
 */
static void
do_create(struct wr_batch_call *b, struct wr_batch_answer *a)
{
	struct wr_json js;
	struct wr_buf path = {0};
	struct job *j = wr_calloc(1, sizeof *j);
	struct line l;
	enum wr_batch_fault fault;
	size_t cap = 0;
	int batch, reqs, r, k, req, key, meta;

	wr_json_init(&js);
	if (b->too_big) {
		wr_bat_error(a, b, 400, "INVALID_ARGUMENT", NULL,
		    "Request payload size exceeds the limit: %lu bytes.", WR_BATCH_MAX_GEMINI);
		goto done;
	}
	if (!(j->map = wr_bat_map_body(b, &js, &j->maplen, a)))
		goto done;
	batch = wr_json_get(&js, 0, "batch");
	if (batch < 0 || js.tok[batch].type != JSMN_OBJECT) {
		wr_bat_error(a, b, 400, "INVALID_ARGUMENT", NULL, "* BatchGenerateContentRequest.batch: "
		    "batch is not specified");
		goto done;
	}
	if (wr_json_path(&js, batch, "inputConfig", "fileName", NULL) >= 0) {
		wr_bat_error(a, b, 400, "INVALID_ARGUMENT", NULL, "wr-serve takes inlined requests only "
		    "(inputConfig.requests), not an uploaded file.");
		goto done;
	}
	reqs = wr_json_path(&js, batch, "inputConfig", "requests", "requests", NULL);
	if (reqs < 0 || js.tok[reqs].type != JSMN_ARRAY || js.tok[reqs].size == 0) {
		wr_bat_error(a, b, 400, "INVALID_ARGUMENT", NULL, "* BatchGenerateContentRequest.batch."
		    "input_config.requests: requests is not specified");
		goto done;
	}
	j->display = wr_bat_json_string(&js, wr_json_get(&js, batch, "displayName"));
	if (!j->display) {
		wr_bat_error(a, b, 400, "INVALID_ARGUMENT", NULL, "* BatchGenerateContentRequest.batch."
		    "display_name: display_name is not specified");
		goto done;
	}
	for (k = 0, r = wr_json_first(&js, reqs); r >= 0; k++, r = wr_json_next(&js, reqs, r)) {
		req = wr_json_get(&js, r, "request");
		meta = wr_json_get(&js, r, "metadata");
		key = meta >= 0 ? wr_json_get(&js, meta, "key") : -1;
		if (req < 0 || js.tok[req].type != JSMN_OBJECT) {
			wr_bat_error(a, b, 400, "INVALID_ARGUMENT", NULL, "* BatchGenerateContentRequest.batch."
			    "input_config.requests.requests[%d].request: request is not specified", k);
			goto done;
		}
		wr_bat_tok_line(&l, &js, 0, key >= 0 && js.tok[key].type == JSMN_STRING ? key : -1, req);
		wr_bat_add_line(j, &cap, &l);
	}
	pthread_mutex_lock(&wr_bat_lock);
	if (wr_bat_create_fault(b, a, &fault))
		goto done;
	wr_bat_start_job(j, V_GEMINI, fault);
	j->model = wr_strdup(b->id);
	wr_buf_printf(&path, "/v1beta/models/%s:generateContent", j->model);
	wr_bat_check_lines(j, &wr_serve_gemini, path.s);
	if (fault == WR_BF_INVALID)
		j->errors = wr_strdup("{\"code\":3,\"message\":\"The batch is invalid (wr-serve "
		    "--batch-fault invalid).\"}");
	else if (fault == WR_BF_QUOTA)
		j->errors = wr_strdup("{\"code\":8,\"message\":\"Resource has been exhausted: the "
		    "enqueued tokens of your batches exceed your limit (wr-serve --batch-fault quota).\"}");
	wr_bat_created(a, j, gemini_batch_brief);
	j = NULL;
	pthread_mutex_unlock(&wr_bat_lock);
done:
	if (j)
		wr_bat_free_job(j);
	wr_buf_free(&path);
	wr_json_free(&js);
}

/* The batches newest first, pageSize (1 to 1000, default 50) at a time; the token is the last name listed. */
static void
do_list(struct wr_batch_call *b, const struct wr_serve_req *q, struct wr_batch_answer *a)
{
	struct wr_buf out = {0};
	const char *token = q->arg(q, "pageToken");
	long size = wr_bat_num_arg(q, "pageSize", 50, 1, 1000);
	size_t i, hi, k = 0, last = 0;
	struct job **jobs;
	int more = 0;

	if (size < 0) {
		wr_bat_error(a, b, 400, "INVALID_ARGUMENT", NULL, "page_size must be from 1 to 1000.");
		return;
	}
	pthread_mutex_lock(&wr_bat_lock);
	jobs = wr_bat_jobs;
	hi = wr_bat_njobs;
	if (token && *token) {
		for (i = 0; i < wr_bat_njobs; i++)
			if (jobs[i]->vendor == V_GEMINI && strcmp(jobs[i]->id, token) == 0)
				break;
		if (i == wr_bat_njobs) {
			pthread_mutex_unlock(&wr_bat_lock);
			wr_bat_error(a, b, 400, "INVALID_ARGUMENT", NULL, "Invalid page token.");
			return;
		}
		hi = i;
	}
	wr_buf_adds(&out, "{\"operations\":[");
	for (i = hi; i-- > 0;) {
		if (jobs[i]->deleted || jobs[i]->vendor != V_GEMINI)
			continue;
		if (k == (size_t)size) {
			more = 1;
			break;
		}
		if (k++)
			wr_buf_addc(&out, ',');
		last = i;
		gemini_batch_brief(&out, jobs[i]);
	}
	wr_buf_adds(&out, "]");
	if (more)
		wr_buf_printf(&out, ",\"nextPageToken\":\"%s\"", jobs[last]->id);
	wr_buf_adds(&out, "}");
	pthread_mutex_unlock(&wr_bat_lock);
	wr_bat_answer_json(a, 200, &out);
	wr_buf_free(&out);
}

static void
do_delete(struct wr_batch_call *b, const struct wr_serve_req *q, struct wr_batch_answer *a)
{
	struct wr_buf out = {0};
	struct job *j;

	(void)q;
	if (!(j = wr_bat_lock_job(b, a)))
		return;
	j->deleted = 1;
	pthread_mutex_unlock(&wr_bat_lock);
	wr_buf_adds(&out, "{}");
	wr_bat_answer_json(a, 200, &out);
	wr_buf_free(&out);
}

/* models/MODEL:batchGenerateContent, batches, batches/ID, batches/ID:cancel. */
static void
gemini_route(struct wr_batch_call *b, int get, int post, int del, const char *path)
{
	size_t n;
	const char *sub, *colon;

	if (strncmp(path, GEMINI_MODELS, 15) == 0) {
		n = strlen(path) - 15 - (sizeof GEMINI_CREATE - 1);
		if (n == 0 || n >= sizeof b->id || memchr(path + 15, '/', n))
			return;
		memcpy(b->id, path + 15, n);
		b->id[n] = '\0';
		b->allow = "POST";
		b->op = post ? OP_CREATE : OP_BAD;
		if (post) {
			b->to = B_FILE;
			b->limit = WR_BATCH_MAX_GEMINI;
		}
		return;
	}
	if (wr_bat_split(path, 15, b->id, sizeof b->id, &sub) || *sub)
		return;
	if (!b->id[0]) {
		b->allow = "GET, HEAD";
		b->op = get ? OP_LIST : OP_BAD;
		return;
	}
	if ((colon = strchr(b->id, ':')) != NULL) {
		if (strcmp(colon, ":cancel") != 0)
			return;
		b->id[colon - b->id] = '\0';
		b->allow = "POST";
		b->op = post ? OP_CANCEL : OP_BAD;
		return;
	}
	b->allow = "GET, HEAD, DELETE";
	b->op = get ? OP_GET : del ? OP_DELETE : OP_BAD;
}

const struct wr_bat_api wr_bat_gemini = {
	.route = gemini_route,
	.create = do_create,
	.list = do_list,
	.finish = do_delete,
	.error = gemini_error,
	.json = gemini_batch_json,
	.status = gemini_state,
	.outputs = gemini_outputs,
	.write = wr_bat_write_inlined,
	.bad_method = {"UNIMPLEMENTED", NULL},
	.unknown = {"NOT_FOUND", NULL},
	.no_batch = {"Requested entity was not found: batches/", "."},
	.cancel_ended = 400,
	.rate_limited = {"RESOURCE_EXHAUSTED", NULL, "Resource has been exhausted (wr-serve "
	    "--batch-fault create-429). Please try again later."},
	.id_prefix = "", .id_kind = 7, .id_digits = 32,
	.operation = 1,
};
