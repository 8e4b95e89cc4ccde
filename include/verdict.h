/* How one attempt of a request ended: an answer, worth another try, final, or a reason to stop the run. */
#ifndef WR_VERDICT_H
#define WR_VERDICT_H

#include <stddef.h>

#include <curl/curl.h>

#include "common.h"
#include "dialect.h"
#include "json.h"

enum wr_outcome { WR_ANSWER, WR_RETRY, WR_FINAL, WR_STOP };

/* What an attempt gave. */
struct wr_attempt {
	CURLcode cc;               /* the transfer's result */
	long status;               /* its HTTP status (when cc is CURLE_OK) */
	const char *resp;          /* the answer as received, or NULL */
	size_t len;
	const char *errbuf;        /* libcurl's error text, or "" */
	int too_big;               /* cut off at max_response */
	long long max_response;
};

struct wr_verdict {
	enum wr_outcome what;
	long status;               /* 0: no HTTP answer */
	const char *body;          /* the answer, blank lines and keep-alive comments skipped */
	size_t blen;
	int body_json;             /* body is a JSON document (parsed in the json given) */
	const char *code;          /* the result line's error code; NULL for an answer */
	char why[CURL_ERROR_SIZE + 64];
	struct wr_buf pmsg;        /* the provider's own message, if any (caller frees) */
};

/*
 * Judge attempt a of a request to a server speaking dialect d: the body is
 * parsed into j; key_env names where the key comes from, for the message
 * of a refused key. A 200 answer that is not a JSON object is worth
 * another try; other statuses go by wr_http_classify, then by what the
 * provider's error body says (d->error).
 */
void wr_verdict_of(struct wr_verdict *v, const struct wr_attempt *a, const struct wr_dialect *d, struct wr_json *j,
    const char *key_env);

#endif
