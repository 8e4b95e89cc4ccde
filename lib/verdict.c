/* How one attempt of a request ended. */
#include <stdio.h>

#include "http.h"
#include "verdict.h"

void
wr_verdict_of(struct wr_verdict *v, const struct wr_attempt *a, const struct wr_dialect *d, struct wr_json *j,
    const char *key_env)
{
	const char *why;
	size_t off;

	v->status = a->status;
	if (a->cc != CURLE_OK) {
		v->status = 0;
		if (a->too_big) {
			v->what = WR_FINAL;
			v->code = "response_too_large";
			snprintf(v->why, sizeof v->why, "answer larger than %lld bytes (--max-response)", a->max_response);
			return;
		}
		v->code = a->cc == CURLE_OPERATION_TIMEDOUT ? "timeout" : "connection_error";
		snprintf(v->why, sizeof v->why, "%s", a->errbuf && a->errbuf[0] ? a->errbuf : curl_easy_strerror(a->cc));
		v->what = wr_http_curl_fatal(a->cc) ? WR_STOP : wr_http_curl_retryable(a->cc) ? WR_RETRY : WR_FINAL;
		return;
	}
	off = wr_http_body_start(a->resp ? a->resp : "", a->len);
	v->body = a->resp ? a->resp + off : "";
	v->blen = a->len - off;
	v->body_json = v->blen > 0 && wr_json_parse(j, v->body, v->blen, &why) == 0 && wr_json_check(j);
	switch (wr_http_classify(v->status)) {
	case WR_HTTP_OK:
		if (v->body_json && *v->body == '{') {
			v->what = WR_ANSWER;
			v->code = NULL;
			return;
		}
		v->what = WR_RETRY;
		v->code = "invalid_response";
		snprintf(v->why, sizeof v->why, "HTTP 200 with an answer that is not a JSON object");
		return;
	case WR_HTTP_STOP:
		v->what = WR_STOP;
		break;
	case WR_HTTP_RETRY:
		v->what = WR_RETRY;
		break;
	case WR_HTTP_FINAL:
		v->what = WR_FINAL;
		break;
	}
	/* The provider's own word on its error, and how it means it (a key used up, an overload). */
	switch (d->error(j, v->body_json ? 0 : -1, v->status, &v->pmsg)) {
	case WR_ERR_RETRY:
		v->what = WR_RETRY;
		break;
	case WR_ERR_FINAL:
		v->what = WR_FINAL;
		break;
	case WR_ERR_STOP:
		v->what = WR_STOP;
		break;
	}
	v->code = "http_error";
	if (v->what != WR_STOP)
		snprintf(v->why, sizeof v->why, "HTTP %ld", v->status);
	else if (v->status == 401)
		snprintf(v->why, sizeof v->why, "HTTP 401: the API key was refused (see $%s or --api-key-file)", key_env);
	else if (v->status == 403)
		snprintf(v->why, sizeof v->why, "HTTP 403: access denied to this key");
	else
		snprintf(v->why, sizeof v->why, "HTTP %ld: %s", v->status, v->pmsg.len ? v->pmsg.s :
		    "the provider refuses this key");
}
