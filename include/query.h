/* Request lines in, result lines out: the OpenAI Batch formats as wr-query reads and writes them. */
#ifndef WR_QUERY_H
#define WR_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "json.h"
#include "plan.h"

/* One request line, taken apart. Pointers borrow the line. */
struct wr_request {
	const char *cid;      /* JSON text of custom_id (a string), or NULL */
	size_t cid_len;
	const char *body;     /* JSON text of body (an object) */
	size_t body_len;
	struct wr_buf path;   /* decoded url ("/v1/chat/completions" when absent) */
	struct wr_buf id;     /* decoded custom_id */
	struct wr_buf extra;  /* ",\"key\":value" for every other top-level field */
	size_t nentries;      /* length of its "entries" array (0 when none) */
	struct wr_estimate est;  /* tokens it may use (plan.h) */
	long est_tokens;      /* est.charge: what a tokens-per-minute limit charges */
	uint64_t hash;        /* wr_body_hash of the body: which request a result answers */
};

/* Reset rq's buffers for reuse; wr_request_free releases them. */
void wr_request_clear(struct wr_request *rq);
void wr_request_free(struct wr_request *rq);
/*
 * The hash of a request's body as written in its line (XXH64, never 0),
 * recorded in its result line as "body_hash" so that a resumed run can
 * tell an answer to this request from one to another request under the
 * same custom_id (another model, prompt or option).
 */
uint64_t wr_body_hash(const char *body, size_t len);

/*
 * Take a request line apart into rq. Returns 0, or -1 with the reason in
 * *why; then rq->cid is still set when the custom_id could be found, and
 * rq->extra holds the other fields when the line was a JSON object.
 */
int wr_request_parse(struct wr_json *j, const char *line, size_t len, struct wr_request *rq,
    const char **why);

/* What a result line says; status 0 means "response": null, err_code NULL means "error": null. */
struct wr_result_out {
	uint64_t id;                 /* "id": "wrq-" and 16 hex digits */
	const char *cid;             /* JSON text of custom_id, or NULL for null */
	size_t cid_len;
	long status;
	const char *request_id;      /* NULL or "" for null */
	const char *body;            /* the response body */
	size_t body_len;
	int body_json;               /* 1: body is valid JSON, embedded as is; 0: embedded as a string */
	const char *err_code;
	const char *err_msg;
	uint64_t body_hash;          /* of the request answered; 0: not known (an invalid request line) */
	const char *extra;           /* ",\"key\":value..." or NULL */
	size_t extra_len;
};

/* The "id" of a result: XXH64 of the custom_id's JSON text. */
uint64_t wr_result_id(const char *cid, size_t cid_len);
/* Append one whole result line, newline included, to out. */
void wr_result_format(struct wr_buf *out, const struct wr_result_out *r);
/*
 * 1 when line is a result line of a success (status_code 200, error null),
 * 0 for any other JSON object, -1 when line is not a JSON object at all.
 * Unless -1, the decoded custom_id (when it is a string) is appended to id
 * and *hash is its "body_hash" (0 when it has none: a line written before
 * results recorded their request, or an invalid request line).
 */
int wr_result_succeeded(struct wr_json *j, const char *line, size_t len, struct wr_buf *id, uint64_t *hash);

#endif
