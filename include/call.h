/* One HTTP call at a time, for the batch APIs: retried while the provider says "later", the answer kept or streamed. */
#ifndef WR_CALL_H
#define WR_CALL_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "client.h"
#include "common.h"
#include "http.h"

struct wr_call {
	/* Set by the caller before the first call. */
	const struct wr_client *cl;   /* base URL (cl->urls[0]), dialect, headers (with the key) */
	const char *cacert;
	long timeout_ms, connect_timeout_ms;
	int retries;                  /* attempts after a failed one (429 and 529 use none) */
	double backoff;               /* first retry delay, doubled per retry */
	double rate_wait;             /* how long 429 and 529 answers may be waited out */
	/* The outcome of the last call. */
	long status;                  /* HTTP status; 0: no answer (why says) */
	struct wr_buf body;           /* the answer, unless it went to a sink */
	struct wr_http_meta meta;
	struct wr_buf why;            /* for messages: "HTTP 500: message", "Connection refused" */
	int unreached;                /* no answer because the server was never reached (name, connect) */
	/* Private. */
	CURL *easy;
	struct curl_slist *json_headers;
	char errbuf[CURL_ERROR_SIZE];
	struct wr_buf url;
	int (*sink)(void *arg, const char *s, size_t n);
	void *arg;
	int sinking, sink_failed;
	uint64_t rnd;
};

/* What one call sends. */
struct wr_call_req {
	const char *method;           /* "GET", "POST", "DELETE" */
	const char *path;             /* under the base URL ("/v1/batches"), or an http(s) URL of the same host */
	const char *json;             /* a JSON body, or NULL */
	size_t json_len;
	const char *file;             /* or: the bytes of this file as the body (application/json) */
	const char *form_file;        /* or: multipart/form-data with purpose=form_purpose and file=@form_file */
	const char *form_purpose;
	/*
	 * Hand a 2xx answer to sink as it arrives instead of keeping it in
	 * body; sink(arg, NULL, 0) starts every attempt (forget what came
	 * before). A sink that returns -1 ends the call (status 0).
	 */
	int (*sink)(void *arg, const char *s, size_t n);
	void *arg;
	/*
	 * The call may be made twice with no harm (GET, a cancel). A call that
	 * is not (a create) is repeated only when the provider said it did
	 * nothing (429, 503, 529) or could not be reached at all; after any
	 * other failure the caller must find out what happened.
	 */
	int idempotent;
};

void wr_call_init(struct wr_call *c);
void wr_call_free(struct wr_call *c);
/*
 * Make the call, retrying as above, and return the final HTTP status (also
 * in c->status) with the answer in c->body, or 0 when there was no answer
 * (c->why says why). The provider's message of an error answer is in c->why.
 */
long wr_call(struct wr_call *c, const struct wr_call_req *rq);

#endif
