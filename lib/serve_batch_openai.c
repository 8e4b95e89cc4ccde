/* OpenAI's Files and Batches APIs in wr-serve; Mistral's batch jobs use the same files. */
#include "serve_batch_int.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common.h"
#include "json.h"

enum { OP_UPLOAD = OP_VENDOR, OP_FILES, OP_FILE, OP_FILE_DELETE, OP_CONTENT };

static const char *const status_names[] = {
	"validating", "failed", "in_progress", "finalizing", "completed", "expired",
	"cancelling", "cancelled",
};

static const char *
openai_status(const struct state *s)
{
	return status_names[s->s];
}

static void
openai_error(struct wr_buf *out, unsigned status, const char *type, const char *code, const char *msg)
{
	(void)status;
	wr_error_json(out, msg, type, code);
}

/* ---------------------------------------------------------------- files */

static void
file_json(struct wr_buf *b, struct file *f)
{
	wr_buf_printf(b, "{\"id\":\"%s\",\"object\":\"file\",\"bytes\":%zu,\"created_at\":%ld,"
	    "\"filename\":", f->id, f->bytes, f->created);
	wr_json_escapes(b, f->filename);
	wr_buf_printf(b, ",\"purpose\":\"%s\",\"status\":\"processed\"}", f->purpose);
}

/* The 404 of an ID that is no file, in the words of b's vendor (OpenAI's or Mistral's). */
static void
no_file(struct wr_batch_answer *a, const struct wr_batch_call *b, const char *id)
{
	wr_bat_error(a, b, 404, "invalid_request_error", NULL, "%s%.100s%s", b->api->no_file[0], id,
	    b->api->no_file[1]);
}

static void
do_upload(struct wr_batch_call *b, struct wr_batch_answer *a)
{
	struct wr_buf out = {0};
	struct file *f;
	char id[48];

	if (b->pp) {
		MHD_destroy_post_processor(b->pp);
		b->pp = NULL;
	}
	if (b->pp_failed) {
		wr_bat_error(a, b, 400, "invalid_request_error", NULL,
		    "The body must be multipart/form-data with the fields purpose and file.");
		return;
	}
	if (b->too_big) {
		wr_bat_error(a, b, 413, "invalid_request_error", "file_too_large",
		    "File is larger than the %lu bytes allowed.", WR_BATCH_MAX_UPLOAD);
		return;
	}
	if (b->write_failed) {
		wr_bat_derror(a, b, WR_ERR_SERVER, "The file could not be stored.");
		return;
	}
	if (!b->purpose.len) {
		wr_bat_error(a, b, 400, "invalid_request_error", NULL,
		    "Missing required parameter: 'purpose'.");
		return;
	}
	if (strcmp(b->purpose.s, "batch") != 0) {
		wr_bat_error(a, b, 400, "invalid_request_error", NULL,
		    "Invalid value for 'purpose': wr-serve takes files of purpose 'batch' only.");
		return;
	}
	if (!b->filename) {
		wr_bat_error(a, b, 400, "invalid_request_error", NULL,
		    "Missing required parameter: 'file'.");
		return;
	}
	if (b->fd < 0 && wr_bat_open_upload(b) < 0) {
		wr_bat_derror(a, b, WR_ERR_SERVER, "The file could not be stored.");
		return;
	}
	pthread_mutex_lock(&wr_bat_lock);
	wr_bat_make_id(id, sizeof id, "file-", 1, ++wr_bat_seq, 0, 24);
	f = wr_bat_new_file(id, b->filename, "batch");
	f->bytes = b->bytes;
	if (rename(b->path, f->path)) {
		wr_warn("%s:", f->path);
		f->deleted = 1;
		pthread_mutex_unlock(&wr_bat_lock);
		wr_bat_derror(a, b, WR_ERR_SERVER, "The file could not be stored.");
		return;
	}
	f->ready = 1;
	free(b->path);
	b->path = NULL;
	file_json(&out, f);
	pthread_mutex_unlock(&wr_bat_lock);
	wr_bat_answer_json(a, 200, &out);
	wr_buf_free(&out);
	wr_bat_hang(a, WR_HANG_UPLOAD);
}

/* Under the lock. */
static void
do_files(struct wr_batch_answer *a)
{
	struct wr_buf out = {0};
	struct file *f;
	size_t i, k = 0;

	wr_buf_adds(&out, "{\"object\":\"list\",\"data\":[");
	for (i = wr_bat_nfiles; i-- > 0;) {
		f = wr_bat_files[i];
		if (f->deleted || !wr_bat_listed(f) || (!f->ready && wr_bat_make_ready(f)))
			continue;
		if (k++)
			wr_buf_addc(&out, ',');
		file_json(&out, f);
	}
	wr_buf_adds(&out, "],\"has_more\":false}");
	wr_bat_answer_json(a, 200, &out);
	wr_buf_free(&out);
}

/* Under the lock. */
static void
do_file(struct wr_batch_call *b, struct wr_batch_answer *a, int del, int content)
{
	struct wr_buf out = {0};
	struct file *f = wr_bat_find_file(b->id);
	int fd;

	if (!f) {
		no_file(a, b, b->id);
		return;
	}
	if (f->job)
		wr_bat_job_fault(a, f->job);
	if (wr_bat_make_ready(f)) {
		wr_bat_derror(a, b, WR_ERR_SERVER, "The file could not be made.");
		return;
	}
	if (del) {
		f->deleted = 1;
		unlink(f->path);
		wr_buf_printf(&out, "{\"id\":\"%s\",\"object\":\"file\",\"deleted\":true}", f->id);
		wr_bat_answer_json(a, 200, &out);
		wr_buf_free(&out);
		return;
	}
	if (!content) {
		file_json(&out, f);
		wr_bat_answer_json(a, 200, &out);
		wr_buf_free(&out);
		return;
	}
	if ((fd = open(f->path, O_RDONLY | O_CLOEXEC)) < 0) {
		wr_warn("%s:", f->path);
		wr_bat_derror(a, b, WR_ERR_SERVER, "The file could not be read.");
		return;
	}
	a->status = 200;
	if (!(a->resp = MHD_create_response_from_fd64(f->bytes, fd)))
		wr_die("out of memory");
	MHD_add_response_header(a->resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	if (f->job)
		a->lines = f->job->n;
	wr_bat_hang(a, WR_HANG_CONTENT);
}

/* ---------------------------------------------------------------- input files */

/*
 * The error of line lineno (0: of no line) of j's input file in j's shape:
 * OpenAI's {"code","message","param","line"}, Mistral's {"message","count"}.
 */
static void
input_error(struct wr_buf *e, const struct job *j, const char *code, const char *message,
    const char *param, size_t lineno)
{
	struct wr_buf m = {0};

	if (j->vendor == V_MISTRAL) {
		if (lineno)
			wr_buf_printf(&m, "Line %zu: ", lineno);
		wr_buf_adds(&m, message);
		wr_buf_adds(e, "{\"message\":");
		wr_json_escapes(e, m.s);
		wr_buf_adds(e, ",\"count\":1}");
		wr_buf_free(&m);
		return;
	}
	wr_buf_printf(e, "{\"code\":\"%s\",\"message\":", code);
	wr_json_escapes(e, message);
	wr_buf_adds(e, ",\"param\":");
	if (param)
		wr_buf_printf(e, "\"%s\"", param);
	else
		wr_buf_adds(e, "null");
	if (lineno)
		wr_buf_printf(e, ",\"line\":%zu}", lineno);
	else
		wr_buf_adds(e, ",\"line\":null}");
}

/*
 * Check the lines of an input file into j; the first error goes to
 * j->errors. OpenAI's lines name their method and url; Mistral's need not
 * (the job names the endpoint), and are answered by the job's model.
 */
static void
check_input(struct job *j)
{
	struct wr_json js;
	struct wr_map ids;
	struct wr_buf e = {0}, m = {0};
	const char *p = j->map, *end = j->map + j->maplen, *nl, *why;
	size_t cap = 0, lineno = 0, len;
	int t, id, body, added, mistral = j->vendor == V_MISTRAL;
	struct line l;

	wr_json_init(&js);
	wr_map_init(&ids);
	for (; p && p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		lineno++;
		len = (size_t)(nl - p);
		if (wr_blank(p, len))
			continue;
		if (wr_json_parse(&js, p, len, &why) || js.tok[0].type != JSMN_OBJECT) {
			input_error(&e, j, "invalid_json_line", "This line is not parseable as valid JSON.",
			    NULL, lineno);
			break;
		}
		id = wr_json_get(&js, 0, "custom_id");
		body = wr_json_get(&js, 0, "body");
		t = wr_json_get(&js, 0, "url");
		if (id < 0 || js.tok[id].type != JSMN_STRING) {
			input_error(&e, j, "missing_required_parameter", "Missing required parameter: "
			    "'custom_id'.", "custom_id", lineno);
			break;
		}
		if (!mistral && !wr_json_streq(&js, wr_json_get(&js, 0, "method"), "POST")) {
			input_error(&e, j, "invalid_value", "The method of each request must be POST.",
			    "method", lineno);
			break;
		}
		if (!mistral && (t < 0 || !wr_json_streq(&js, t, j->endpoint))) {
			wr_buf_reset(&m);
			wr_buf_printf(&m, "The url of each request must be the batch's endpoint, %s.",
			    j->endpoint);
			input_error(&e, j, "mismatched_endpoint", m.s, "url", lineno);
			break;
		}
		if (body < 0 || js.tok[body].type != JSMN_OBJECT) {
			input_error(&e, j, "missing_required_parameter", "Missing required parameter: "
			    "'body'.", "body", lineno);
			break;
		}
		wr_bat_tok_line(&l, &js, (size_t)(p - j->map), id, body);
		wr_map_put(&ids, j->map + l.id_off, l.id_len, 0, &added);
		if (!added) {
			input_error(&e, j, "duplicate_custom_id", "The custom_id of this request is used by "
			    "another request in the file.", "custom_id", lineno);
			break;
		}
		l.bad = !wr_bat_line_ok(&wr_serve_openai, "", j->map + l.body_off, l.body_len);
		wr_bat_add_line(j, &cap, &l);
	}
	if (!e.len && j->n == 0)
		input_error(&e, j, "empty_file", "The input file has no requests.", NULL, 0);
	if (e.len)
		j->errors = e.s;
	wr_buf_free(&m);
	wr_json_free(&js);
	wr_map_free(&ids);
}

/* Read f into j and check its lines into j, then j's fault (worded invalid or quota). */
static void
read_input(struct job *j, const struct file *f, const char *invalid, const char *quota)
{
	struct wr_buf e = {0};

	j->map = wr_bat_map_file(f->path, &j->maplen);
	check_input(j);
	if (j->errors)
		return;
	if (j->fault == WR_BF_INVALID)
		input_error(&e, j, "invalid_request", invalid, NULL, 1);
	else if (j->fault == WR_BF_QUOTA)
		input_error(&e, j, "token_limit_exceeded", quota, NULL, 0);
	j->errors = e.s;
}

/* The end of OpenAI's and Mistral's creates, from taking the lock. */
void
wr_bat_create_on_input(struct wr_batch_call *b, struct wr_batch_answer *a, struct job *j,
    const char *invalid, const char *quota)
{
	enum wr_batch_fault fault;
	struct file *f;

	pthread_mutex_lock(&wr_bat_lock);
	if (!(f = wr_bat_find_file(j->input_file_id)) || f->job) {
		pthread_mutex_unlock(&wr_bat_lock);
		no_file(a, b, j->input_file_id);
	} else if (!wr_bat_create_fault(b, a, &fault)) {
		wr_bat_start_job(j, b->v, fault);
		read_input(j, f, invalid, quota);
		wr_bat_created(a, j, b->api->json);
		pthread_mutex_unlock(&wr_bat_lock);
		return;
	}
	wr_bat_free_job(j);
}

/* ---------------------------------------------------------------- batches */

static void
openai_batch_json(struct wr_buf *b, struct job *j)
{
	struct state s;
	size_t bad;

	wr_bat_state_now(j, &s);
	wr_bat_name_outputs(j, &s);
	bad = wr_bat_errors_in(j, s.done);
	wr_buf_printf(b, "{\"id\":\"%s\",\"object\":\"batch\",\"endpoint\":", j->id);
	wr_json_escapes(b, j->endpoint);
	wr_buf_adds(b, ",\"errors\":");
	if (j->errors && s.s == ST_FAILED)
		wr_buf_printf(b, "{\"object\":\"list\",\"data\":[%s]}", j->errors);
	else
		wr_buf_adds(b, "null");
	wr_buf_adds(b, ",\"input_file_id\":");
	wr_json_escapes(b, j->input_file_id);
	wr_buf_adds(b, ",\"completion_window\":");
	wr_json_escapes(b, j->window);
	wr_buf_printf(b, ",\"status\":\"%s\",\"output_file_id\":", status_names[s.s]);
	if (j->out)
		wr_buf_printf(b, "\"%s\"", j->out->id);
	else
		wr_buf_adds(b, "null");
	wr_buf_adds(b, ",\"error_file_id\":");
	if (j->err)
		wr_buf_printf(b, "\"%s\"", j->err->id);
	else
		wr_buf_adds(b, "null");
	wr_buf_printf(b, ",\"created_at\":%ld,\"in_progress_at\":", (long)j->wall0);
	wr_bat_add_time(b, j, s.at_progress);
	wr_buf_printf(b, ",\"expires_at\":%ld,\"finalizing_at\":", (long)j->wall0 + 86400);
	wr_bat_add_time(b, j, s.at_final);
	wr_buf_adds(b, ",\"completed_at\":");
	wr_bat_add_time(b, j, s.s == ST_COMPLETED ? s.at_end : NEVER);
	wr_buf_adds(b, ",\"failed_at\":");
	wr_bat_add_time(b, j, s.s == ST_FAILED ? s.at_end : NEVER);
	wr_buf_adds(b, ",\"expired_at\":");
	wr_bat_add_time(b, j, s.s == ST_EXPIRED ? s.at_end : NEVER);
	wr_buf_adds(b, ",\"cancelling_at\":");
	wr_bat_add_time(b, j, s.at_cancel);
	wr_buf_adds(b, ",\"cancelled_at\":");
	wr_bat_add_time(b, j, s.s == ST_CANCELLED ? s.at_end : NEVER);
	wr_buf_printf(b, ",\"request_counts\":{\"total\":%zu,\"completed\":%zu,\"failed\":%zu},"
	    "\"metadata\":%s}", j->errors ? 0 : j->n, s.done - bad, bad,
	    j->metadata ? j->metadata : "null");
}

/* The output file of the answered lines, the error file of the errored and those never reached: only those not empty. */
static void
openai_outputs(struct job *j, const struct state *s)
{
	char id[48], name[96];
	size_t bad = wr_bat_errors_in(j, s->done);

	if (s->done > bad) {
		wr_bat_make_id(id, sizeof id, "file-", 1, j->seq, 1, 24);
		snprintf(name, sizeof name, "%s_output.jsonl", j->id);
		j->out = wr_bat_job_file(j, id, name, "batch_output");
	}
	if (bad || s->done < j->n) {
		wr_bat_make_id(id, sizeof id, "file-", 1, j->seq, 2, 24);
		snprintf(name, sizeof name, "%s_error.jsonl", j->id);
		j->err = wr_bat_job_file(j, id, name, "batch_output");
	}
}

static void
do_create(struct wr_batch_call *b, struct wr_batch_answer *a)
{
	struct wr_json js;
	struct job *j;
	char *fid = NULL, *ep = NULL, *win = NULL;
	int t;

	wr_json_init(&js);
	if (wr_bat_json_body(b, &js, a))
		goto done;
	fid = wr_bat_json_string(&js, wr_json_get(&js, 0, "input_file_id"));
	ep = wr_bat_json_string(&js, wr_json_get(&js, 0, "endpoint"));
	win = wr_bat_json_string(&js, wr_json_get(&js, 0, "completion_window"));
	if (!fid || !ep || !win) {
		wr_bat_error(a, b, 400, "invalid_request_error", NULL,
		    "Missing required parameter: '%s'.",
		    !fid ? "input_file_id" : !ep ? "endpoint" : "completion_window");
		goto done;
	}
	if (strcmp(ep, "/v1/chat/completions") != 0) {
		wr_bat_error(a, b, 400, "invalid_request_error", "invalid_value",
		    "Invalid value for 'endpoint': %.100s. wr-serve batches /v1/chat/completions only.", ep);
		goto done;
	}
	if (strcmp(win, "24h") != 0) {
		wr_bat_error(a, b, 400, "invalid_request_error", "invalid_value",
		    "Invalid value for 'completion_window': %.100s. Supported values are: '24h'.", win);
		goto done;
	}
	t = wr_json_get(&js, 0, "metadata");
	if (t >= 0 && !wr_json_isnull(&js, t) && js.tok[t].type != JSMN_OBJECT) {
		wr_bat_error(a, b, 400, "invalid_request_error", "invalid_type",
		    "Invalid type for 'metadata': expected an object.");
		goto done;
	}
	j = wr_calloc(1, sizeof *j);
	j->input_file_id = fid;
	j->endpoint = ep;
	j->window = win;
	fid = ep = win = NULL;
	j->metadata = wr_bat_json_object(&js, t);
	wr_bat_create_on_input(b, a, j, "The request on this line is invalid (wr-serve --batch-fault "
	    "invalid).", "Enqueued token limit reached for wr-serve in organization org-wr-serve. "
	    "Limit: 90,000 enqueued tokens. Please try again once some in_progress batches have been "
	    "completed.");
done:
	free(fid);
	free(ep);
	free(win);
	wr_json_free(&js);
}

/* ---------------------------------------------------------------- the table */

static void
openai_route(struct wr_batch_call *b, int get, int post, int del, const char *path)
{
	const char *sub;

	if (strncmp(path, "/v1/files", 9) == 0) {
		if (wr_bat_split(path, 9, b->id, sizeof b->id, &sub))
			return;
		if (!b->id[0]) {
			b->allow = "GET, HEAD, POST";
			b->op = post ? OP_UPLOAD : get ? OP_FILES : OP_BAD;
			if (post) {
				b->to = B_MULTIPART;
				b->limit = WR_BATCH_MAX_UPLOAD;
			}
		} else if (!*sub) {
			b->allow = "GET, HEAD, DELETE";
			b->op = get ? OP_FILE : del ? OP_FILE_DELETE : OP_BAD;
		} else if (strcmp(sub, "content") == 0) {
			b->allow = "GET, HEAD";
			b->op = get ? OP_CONTENT : OP_BAD;
		}
		return;
	}
	wr_bat_route_jobs(b, get, post, path, 11);
}

/* The Files API. */
static void
openai_finish(struct wr_batch_call *b, const struct wr_serve_req *q, struct wr_batch_answer *a)
{
	(void)q;
	switch (b->op) {
	case OP_UPLOAD:
		do_upload(b, a);
		break;
	case OP_FILES:
		pthread_mutex_lock(&wr_bat_lock);
		do_files(a);
		pthread_mutex_unlock(&wr_bat_lock);
		break;
	case OP_FILE:
	case OP_FILE_DELETE:
	case OP_CONTENT:
		pthread_mutex_lock(&wr_bat_lock);
		do_file(b, a, b->op == OP_FILE_DELETE, b->op == OP_CONTENT);
		pthread_mutex_unlock(&wr_bat_lock);
		break;
	}
}

const struct wr_bat_api wr_bat_openai = {
	.route = openai_route,
	.create = do_create,
	.list = wr_bat_list,
	.finish = openai_finish,
	.error = openai_error,
	.json = openai_batch_json,
	.status = openai_status,
	.outputs = openai_outputs,
	.write = wr_bat_write_output,
	.bad_method = {"invalid_request_error", "method_not_allowed"},
	.unknown = {"invalid_request_error", "unknown_url"},
	.no_batch = {"No such Batch object: ", ""},
	.no_file = {"No such File object: ", ""},
	.cancel_ended = 409,
	.rate_limited = {"rate_limit_error", "rate_limit_exceeded", "Rate limit reached for batch "
	    "creation (wr-serve --batch-fault create-429). Please try again later."},
	.id_prefix = "batch_", .id_kind = 2, .id_digits = 32,
};
