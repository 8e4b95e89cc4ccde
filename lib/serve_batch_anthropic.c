/* Anthropic's Message Batches API in wr-serve. */
#include "serve_batch_int.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "common.h"
#include "json.h"

enum { OP_RESULTS = OP_VENDOR, OP_DELETE };

static const char *
anthropic_status(const struct state *s)
{
	return wr_bat_ended(s) ? "ended" : s->s == ST_CANCELLING ? "canceling" : "in_progress";
}

static void
anthropic_error(struct wr_buf *out, unsigned status, const char *type, const char *code,
    const char *msg)
{
	(void)status;
	(void)code;
	wr_buf_printf(out, "{\"type\":\"error\",\"error\":{\"type\":\"%s\",\"message\":", type);
	wr_json_escapes(out, msg);
	wr_buf_adds(out, "}}");
}

static void
anthropic_batch_json(struct wr_buf *b, struct job *j)
{
	struct state s;
	size_t bad, rest;
	int end;

	wr_bat_state_now(j, &s);
	wr_bat_name_outputs(j, &s);
	end = wr_bat_ended(&s);
	bad = end ? wr_bat_errors_in(j, s.done) : 0;
	rest = end ? j->n - s.done : 0;
	wr_buf_printf(b, "{\"id\":\"%s\",\"type\":\"message_batch\",\"processing_status\":\"%s\","
	    "\"request_counts\":{\"processing\":%zu,\"succeeded\":%zu,\"errored\":%zu,"
	    "\"canceled\":%zu,\"expired\":%zu},\"ended_at\":", j->id, anthropic_status(&s),
	    end ? 0 : j->n, end ? s.done - bad : 0, bad,
	    s.s == ST_CANCELLED ? rest : 0, s.s == ST_EXPIRED ? rest : 0);
	wr_bat_add_rfc3339_at(b, j, end ? s.at_end : NEVER);
	wr_buf_adds(b, ",\"created_at\":");
	wr_bat_add_rfc3339(b, j->wall0);
	wr_buf_adds(b, ",\"expires_at\":");
	wr_bat_add_rfc3339(b, j->wall0 + 86400);
	wr_buf_adds(b, ",\"archived_at\":null,\"cancel_initiated_at\":");
	wr_bat_add_rfc3339_at(b, j, s.at_cancel);
	wr_buf_adds(b, ",\"results_url\":");
	if (end)
		wr_buf_printf(b, "\"http://127.0.0.1:%u/v1/messages/batches/%s/results\"", wr_bat_port,
		    j->id);
	else
		wr_buf_adds(b, "null");
	wr_buf_adds(b, "}");
}

/* One results file of every line. */
static void
anthropic_outputs(struct job *j, const struct state *s)
{
	char id[48];

	(void)s;
	wr_bat_make_id(id, sizeof id, "results_", 5, j->seq, 0, 24);
	j->res = wr_bat_job_file(j, id, "results.jsonl", "batch_output");
}

/* 1 when s[0..n) matches ^[a-zA-Z0-9_-]{1,64}$. */
static int
custom_id_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static void
do_create(struct wr_batch_call *b, struct wr_batch_answer *a)
{
	struct wr_json js;
	struct wr_map ids;
	struct job *j = wr_calloc(1, sizeof *j);
	struct line l;
	enum wr_batch_fault fault;
	const char *s;
	size_t cap = 0, n;
	int reqs, r, k, id, params, added;

	wr_json_init(&js);
	wr_map_init(&ids);
	if (b->too_big) {
		wr_bat_error(a, b, 413, "request_too_large", NULL,
		    "Request exceeds the maximum allowed size of %lu bytes.", WR_BATCH_MAX_CREATE);
		goto done;
	}
	if (!(j->map = wr_bat_map_body(b, &js, &j->maplen, a)))
		goto done;
	reqs = wr_json_get(&js, 0, "requests");
	if (reqs < 0 || js.tok[reqs].type != JSMN_ARRAY || js.tok[reqs].size == 0) {
		wr_bat_error(a, b, 400, "invalid_request_error", NULL,
		    reqs < 0 ? "requests: Field required" :
		    "requests: Input should be a list of at least 1 item");
		goto done;
	}
	for (k = 0, r = wr_json_first(&js, reqs); r >= 0; k++, r = wr_json_next(&js, reqs, r)) {
		id = wr_json_get(&js, r, "custom_id");
		params = wr_json_get(&js, r, "params");
		if (id < 0 || js.tok[id].type != JSMN_STRING) {
			wr_bat_error(a, b, 400, "invalid_request_error", NULL,
			    "requests.%d.custom_id: Field required", k);
			goto done;
		}
		s = wr_json_raw(&js, id, &n);
		if (!custom_id_ok(s, n)) {
			wr_bat_error(a, b, 400, "invalid_request_error", NULL,
			    "requests.%d.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'", k);
			goto done;
		}
		wr_map_put(&ids, s, n, 0, &added);
		if (!added) {
			wr_bat_error(a, b, 400, "invalid_request_error", NULL,
			    "requests.%d.custom_id: the custom_id '%.64s' is used by another request; "
			    "each must be unique within the batch", k, wr_map_key(&ids, s, n));
			goto done;
		}
		if (params < 0 || js.tok[params].type != JSMN_OBJECT) {
			wr_bat_error(a, b, 400, "invalid_request_error", NULL,
			    "requests.%d.params: Field required", k);
			goto done;
		}
		wr_bat_tok_line(&l, &js, 0, id, params);
		wr_bat_add_line(j, &cap, &l);
	}
	pthread_mutex_lock(&wr_bat_lock);
	if (wr_bat_create_fault(b, a, &fault))
		goto done;
	if (fault == WR_BF_QUOTA || fault == WR_BF_INVALID) {
		pthread_mutex_unlock(&wr_bat_lock);
		a->fault = wr_batch_fault_name(fault);
		if (fault == WR_BF_INVALID)
			wr_bat_error(a, b, 400, "invalid_request_error", NULL,
			    "requests.0.params: the request is invalid (wr-serve --batch-fault invalid)");
		else
			wr_bat_error(a, b, 429, "rate_limit_error", NULL,
			    "Number of batch requests in the processing queue exceeds your "
			    "organization's limit (wr-serve --batch-fault quota).");
		goto done;
	}
	wr_bat_start_job(j, V_ANTHROPIC, fault);
	wr_bat_check_lines(j, &wr_serve_anthropic, "");
	wr_bat_created(a, j, anthropic_batch_json);
	j = NULL;
	pthread_mutex_unlock(&wr_bat_lock);
done:
	if (j)
		wr_bat_free_job(j);
	wr_map_free(&ids);
	wr_json_free(&js);
}

static void
do_results(struct wr_batch_call *b, struct wr_batch_answer *a)
{
	struct state s;
	struct job *j;
	int fd;

	if (!(j = wr_bat_lock_job(b, a)))
		return;
	wr_bat_job_fault(a, j);
	wr_bat_state_now(j, &s);
	wr_bat_name_outputs(j, &s);
	if (!j->res) {
		pthread_mutex_unlock(&wr_bat_lock);
		wr_bat_error(a, b, 404, "not_found_error", NULL,
		    "Message batch %s has no results yet: it has not ended.", j->id);
		return;
	}
	if (wr_bat_make_ready(j->res) || (fd = open(j->res->path, O_RDONLY | O_CLOEXEC)) < 0) {
		pthread_mutex_unlock(&wr_bat_lock);
		wr_bat_derror(a, b, WR_ERR_SERVER, "The results could not be made.");
		return;
	}
	a->lines = j->n;
	a->status = 200;
	if (!(a->resp = MHD_create_response_from_fd64(j->res->bytes, fd)))
		wr_die("out of memory");
	pthread_mutex_unlock(&wr_bat_lock);
	MHD_add_response_header(a->resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/binary");
	wr_bat_hang(a, WR_HANG_CONTENT);
}

static void
do_delete(struct wr_batch_call *b, struct wr_batch_answer *a)
{
	struct wr_buf out = {0};
	struct state s;
	struct job *j;

	if (!(j = wr_bat_lock_job(b, a)))
		return;
	wr_bat_state_now(j, &s);
	if (!wr_bat_ended(&s)) {
		pthread_mutex_unlock(&wr_bat_lock);
		wr_bat_error(a, b, 400, "invalid_request_error", NULL,
		    "Message batch %s cannot be deleted while it is processing; cancel it first.",
		    j->id);
		return;
	}
	j->deleted = 1;
	wr_buf_printf(&out, "{\"id\":\"%s\",\"type\":\"message_batch_deleted\"}", j->id);
	pthread_mutex_unlock(&wr_bat_lock);
	wr_bat_answer_json(a, 200, &out);
	wr_buf_free(&out);
}

static void
anthropic_route(struct wr_batch_call *b, int get, int post, int del, const char *path)
{
	const char *sub;

	if (!(sub = wr_bat_route_jobs(b, get, post, path, 20)))
		return;
	if (b->op == OP_CREATE) {
		b->to = B_FILE;
		b->limit = WR_BATCH_MAX_CREATE;
	} else if (b->id[0] && !*sub) {
		b->allow = "GET, HEAD, DELETE";
		b->op = get ? OP_GET : del ? OP_DELETE : OP_BAD;
	} else if (strcmp(sub, "results") == 0) {
		b->allow = "GET, HEAD";
		b->op = get ? OP_RESULTS : OP_BAD;
	}
}

static void
anthropic_finish(struct wr_batch_call *b, const struct wr_serve_req *q, struct wr_batch_answer *a)
{
	(void)q;
	if (b->op == OP_RESULTS)
		do_results(b, a);
	else
		do_delete(b, a);
}

const struct wr_bat_api wr_bat_anthropic = {
	.route = anthropic_route,
	.create = do_create,
	.list = wr_bat_list,
	.finish = anthropic_finish,
	.error = anthropic_error,
	.json = anthropic_batch_json,
	.status = anthropic_status,
	.outputs = anthropic_outputs,
	.write = wr_bat_write_results,
	.bad_method = {"invalid_request_error", NULL},
	.unknown = {"not_found_error", NULL},
	.no_batch = {"No message batch with id ", "."},
	.cancel_ended = 409,
	.rate_limited = {"rate_limit_error", NULL, "Rate limit exceeded for batch creation "
	    "(wr-serve --batch-fault create-429). Please try again later."},
	.id_prefix = "msgbatch_", .id_kind = 6, .id_digits = 24,
};
