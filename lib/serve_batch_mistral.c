/* Mistral's batch jobs in wr-serve, on input files uploaded to OpenAI's Files API. */
#include "serve_batch_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "json.h"

/* Mistral's BatchJobStatus; an expired job is one that exceeded its timeout_hours. */
static const char *
mistral_status(const struct state *s)
{
	switch (s->s) {
	case ST_VALIDATING: return "QUEUED";
	case ST_FAILED: return "FAILED";
	case ST_COMPLETED: return "SUCCESS";
	case ST_EXPIRED: return "TIMEOUT_EXCEEDED";
	case ST_CANCELLING: return "CANCELLATION_REQUESTED";
	case ST_CANCELLED: return "CANCELLED";
	default: return "RUNNING";
	}
}

/* {"object":"error",message,type,param,code}. */
static void
mistral_error(struct wr_buf *out, unsigned status, const char *type, const char *code,
    const char *msg)
{
	(void)status;
	wr_buf_adds(out, "{\"object\":\"error\",\"message\":");
	wr_json_escapes(out, msg);
	wr_buf_printf(out, ",\"type\":\"%s\",\"param\":null,\"code\":", type);
	if (code)
		wr_buf_printf(out, "\"%s\"}", code);
	else
		wr_buf_adds(out, "null}");
}

/* Mistral's BatchJobOut. */
static void
mistral_batch_json(struct wr_buf *b, struct job *j)
{
	struct state s;
	size_t bad;
	int end;

	wr_bat_state_now(j, &s);
	wr_bat_name_outputs(j, &s);
	end = wr_bat_ended(&s);
	bad = wr_bat_errors_in(j, s.done);
	wr_buf_printf(b, "{\"id\":\"%s\",\"object\":\"batch\",\"input_files\":[", j->id);
	wr_json_escapes(b, j->input_file_id);
	wr_buf_printf(b, "],\"metadata\":%s,\"endpoint\":", j->metadata ? j->metadata : "null");
	wr_json_escapes(b, j->endpoint);
	wr_buf_adds(b, ",\"model\":");
	wr_json_escapes(b, j->model);
	wr_buf_adds(b, ",\"output_file\":");
	if (j->out)
		wr_buf_printf(b, "\"%s\"", j->out->id);
	else
		wr_buf_adds(b, "null");
	wr_buf_adds(b, ",\"error_file\":");
	if (j->err)
		wr_buf_printf(b, "\"%s\"", j->err->id);
	else
		wr_buf_adds(b, "null");
	wr_buf_printf(b, ",\"errors\":[%s],\"status\":\"%s\",\"created_at\":%ld,"
	    "\"total_requests\":%zu,\"completed_requests\":%zu,\"succeeded_requests\":%zu,"
	    "\"failed_requests\":%zu,\"started_at\":", j->errors && s.s == ST_FAILED ? j->errors : "",
	    mistral_status(&s), (long)j->wall0, j->errors ? 0 : j->n, s.done, s.done - bad, bad);
	wr_bat_add_time(b, j, s.at_progress);
	wr_buf_adds(b, ",\"completed_at\":");
	wr_bat_add_time(b, j, end ? s.at_end : NEVER);
	wr_buf_addc(b, '}');
}

/* The answers in one file, the errored lines in another; what the job did not reach in none. */
static void
mistral_outputs(struct job *j, const struct state *s)
{
	char id[48], name[96];
	size_t bad = wr_bat_errors_in(j, s->done);

	if (s->done > bad) {
		wr_bat_make_uuid(id, sizeof id, 1, j->seq, 1);
		snprintf(name, sizeof name, "%s.jsonl", id);
		j->out = wr_bat_job_file(j, id, name, "batch_result");
	}
	if (bad) {
		wr_bat_make_uuid(id, sizeof id, 1, j->seq, 2);
		snprintf(name, sizeof name, "%s_error.jsonl", id);
		j->err = wr_bat_job_file(j, id, name, "batch_result");
	}
}

/* /v1/batch/jobs: one uploaded input file, the job's model answering every line. */
static void
do_create(struct wr_batch_call *b, struct wr_batch_answer *a)
{
	struct wr_json js;
	struct job *j;
	char *fid = NULL, *ep = NULL, *model = NULL;
	int files_t, t, h;

	wr_json_init(&js);
	if (wr_bat_json_body(b, &js, a))
		goto done;
	files_t = wr_json_get(&js, 0, "input_files");
	ep = wr_bat_json_string(&js, wr_json_get(&js, 0, "endpoint"));
	model = wr_bat_json_string(&js, wr_json_get(&js, 0, "model"));
	if (files_t < 0 || js.tok[files_t].type != JSMN_ARRAY || js.tok[files_t].size != 1 ||
	    !(fid = wr_bat_json_string(&js, wr_json_index(&js, files_t, 0)))) {
		wr_bat_error(a, b, 400, "invalid_request_error", NULL,
		    "input_files: wr-serve takes a list of one file ID.");
		goto done;
	}
	if (!ep || strcmp(ep, "/v1/chat/completions") != 0) {
		wr_bat_error(a, b, 400, "invalid_request_error", NULL,
		    "endpoint: wr-serve batches /v1/chat/completions only.");
		goto done;
	}
	if (!model || !*model) {
		wr_bat_error(a, b, 400, "invalid_request_error", NULL,
		    "model: a batch job of /v1/chat/completions names its model.");
		goto done;
	}
	t = wr_json_get(&js, 0, "metadata");
	if (t >= 0 && !wr_json_isnull(&js, t) && js.tok[t].type != JSMN_OBJECT) {
		wr_bat_error(a, b, 400, "invalid_request_error", NULL, "metadata: expected an object.");
		goto done;
	}
	h = wr_json_get(&js, 0, "timeout_hours");
	if (h >= 0 && !wr_json_isnull(&js, h) && js.tok[h].type != JSMN_PRIMITIVE) {
		wr_bat_error(a, b, 400, "invalid_request_error", NULL, "timeout_hours: expected a number.");
		goto done;
	}
	j = wr_calloc(1, sizeof *j);
	j->input_file_id = fid;
	j->endpoint = ep;
	j->model = model;
	fid = ep = model = NULL;
	j->metadata = wr_bat_json_object(&js, t);
	wr_bat_create_on_input(b, a, j, "The request on this line is invalid (wr-serve --batch-fault "
	    "invalid).", "The batch exceeds the limit of requests queued for your workspace (wr-serve "
	    "--batch-fault quota).");
done:
	free(fid);
	free(ep);
	free(model);
	wr_json_free(&js);
}

/* The jobs newest first, page (from 0) of page_size (1 to 1000, default 100). */
static void
do_list(struct wr_batch_call *b, const struct wr_serve_req *q, struct wr_batch_answer *a)
{
	struct wr_buf out = {0};
	long page = wr_bat_num_arg(q, "page", 0, 0, 1000000);
	long size = wr_bat_num_arg(q, "page_size", 100, 1, 1000);
	size_t i, k = 0, total = 0, from, to;
	struct job *j;

	if (page < 0 || size < 0) {
		wr_bat_error(a, b, 400, "invalid_request_error", NULL,
		    "page: a whole number from 0; page_size: from 1 to 1000.");
		return;
	}
	pthread_mutex_lock(&wr_bat_lock);
	for (i = 0; i < wr_bat_njobs; i++)
		total += !wr_bat_jobs[i]->deleted && wr_bat_jobs[i]->vendor == V_MISTRAL;
	from = (size_t)page * (size_t)size;
	to = from + (size_t)size;
	wr_buf_adds(&out, "{\"data\":[");
	for (i = wr_bat_njobs; i-- > 0;) {
		j = wr_bat_jobs[i];
		if (j->deleted || j->vendor != V_MISTRAL)
			continue;
		if (k >= from && k < to) {
			if (k > from)
				wr_buf_addc(&out, ',');
			mistral_batch_json(&out, j);
		}
		k++;
	}
	wr_buf_printf(&out, "],\"object\":\"list\",\"total\":%zu}", total);
	pthread_mutex_unlock(&wr_bat_lock);
	wr_bat_answer_json(a, 200, &out);
	wr_buf_free(&out);
}

static void
mistral_route(struct wr_batch_call *b, int get, int post, int del, const char *path)
{
	(void)del;
	wr_bat_route_jobs(b, get, post, path, 14);
}

const struct wr_bat_api wr_bat_mistral = {
	.route = mistral_route,
	.create = do_create,
	.list = do_list,
	.error = mistral_error,
	.json = mistral_batch_json,
	.status = mistral_status,
	.outputs = mistral_outputs,
	.write = wr_bat_write_output,
	.bad_method = {"invalid_request_error", NULL},
	.unknown = {"invalid_request_error", NULL},
	.no_batch = {"No batch job with id ", "."},
	.no_file = {"No file with id ", "."},
	.cancel_ended = 400,
	.rate_limited = {"rate_limited", "1300",
	    "Requests rate limit exceeded (wr-serve --batch-fault create-429)."},
	.id_prefix = NULL, .id_kind = 8, .id_digits = 0,
};
