/* Request lines in, result lines out: the OpenAI Batch formats as wr-query reads and writes them. */
#ifndef WR_QUERY_H
#define WR_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "json.h"

/* One request line, taken apart. Pointers borrow the line. */
struct wr_request {
	const char *cid;      /* JSON text of custom_id (a string), or NULL */
	size_t cid_len;
	const char *body;     /* JSON text of body (an object) */
	size_t body_len;
	struct wr_buf path;   /* decoded url ("/v1/chat/completions" when absent) */
	struct wr_buf id;     /* decoded custom_id */
	struct wr_buf extra;  /* ",\"key\":value" for every other top-level field */
	long est_tokens;      /* body bytes / 4 + max_tokens, for --tpm */
};

/* Reset rq's buffers for reuse; wr_request_free releases them. */
void wr_request_clear(struct wr_request *rq);
void wr_request_free(struct wr_request *rq);
/*
 * Take a request line apart into rq. Returns 0, or -1 with the reason in
 * *why; then rq->cid is still set when the custom_id could be found, and
 * rq->extra holds the other fields when the line was a JSON object.
 */
int wr_request_parse(struct wr_json *j, const char *line, size_t len, struct wr_request *rq,
    const char **why);

/* What a result line says; status 0 means "response": null, err_code NULL means "error": null. */
struct wr_result {
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
	const char *extra;           /* ",\"key\":value..." or NULL */
	size_t extra_len;
};

/* The "id" of a result: XXH64 of the custom_id's JSON text. */
uint64_t wr_result_id(const char *cid, size_t cid_len);
/* Append one whole result line, newline included, to out. */
void wr_result_format(struct wr_buf *out, const struct wr_result *r);
/*
 * 1 when line is a result line of a success (status_code 200, error null),
 * and then its decoded custom_id is appended to id; 0 for any other JSON
 * object; -1 when line is not a JSON object at all.
 */
int wr_result_succeeded(struct wr_json *j, const char *line, size_t len, struct wr_buf *id);

#endif
