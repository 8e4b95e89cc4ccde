/* How one attempt ended: transfers, statuses and provider error bodies, as a table. */
#include <string.h>

#include "verdict.h"
#include "unit.h"

struct vcase {
	const struct wr_dialect *d;
	CURLcode cc;
	long status;
	const char *resp;
	int too_big;
	enum wr_outcome what;
	const char *code;        /* NULL: none */
	const char *why;         /* "" when not checked (an answer) */
};

static const struct vcase cases[] = {
	{&wr_dialect_openai, CURLE_OK, 200, "{\"choices\":[]}", 0, WR_ANSWER, NULL, ""},
	{&wr_dialect_openai, CURLE_OK, 200, "\r\n: keep-alive\n\n{\"choices\":[]}", 0, WR_ANSWER, NULL, ""},
	{&wr_dialect_openai, CURLE_OK, 200, "[1]", 0, WR_RETRY, "invalid_response",
	    "HTTP 200 with an answer that is not a JSON object"},
	{&wr_dialect_openai, CURLE_OK, 200, "{\"choices\":", 0, WR_RETRY, "invalid_response",
	    "HTTP 200 with an answer that is not a JSON object"},
	{&wr_dialect_openai, CURLE_OK, 500, "oops", 0, WR_RETRY, "http_error", "HTTP 500"},
	{&wr_dialect_openai, CURLE_OK, 429, "{\"error\":{\"message\":\"slow\",\"type\":\"requests\"}}", 0, WR_RETRY,
	    "http_error", "HTTP 429"},
	{&wr_dialect_openai, CURLE_OK, 429, "{\"error\":{\"message\":\"You exceeded your current quota\","
	    "\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}", 0, WR_STOP, "http_error",
	    "HTTP 429: You exceeded your current quota"},
	{&wr_dialect_openai, CURLE_OK, 400, "{\"error\":{\"message\":\"bad\"}}", 0, WR_FINAL, "http_error", "HTTP 400"},
	{&wr_dialect_openai, CURLE_OK, 401, "", 0, WR_STOP, "http_error",
	    "HTTP 401: the API key was refused (see $KEY_ENV or --api-key-file)"},
	{&wr_dialect_openai, CURLE_OK, 403, "", 0, WR_STOP, "http_error", "HTTP 403: access denied to this key"},
	{&wr_dialect_anthropic, CURLE_OK, 529, "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
	    "\"message\":\"Overloaded\"}}", 0, WR_RETRY, "http_error", "HTTP 529"},
	{&wr_dialect_openai, CURLE_OPERATION_TIMEDOUT, 0, NULL, 0, WR_RETRY, "timeout", "Timeout was reached"},
	{&wr_dialect_openai, CURLE_COULDNT_CONNECT, 0, NULL, 0, WR_RETRY, "connection_error",
	    "Couldn't connect to server"},
	{&wr_dialect_openai, CURLE_WRITE_ERROR, 200, "{", 1, WR_FINAL, "response_too_large",
	    "answer larger than 100 bytes (--max-response)"},
	{&wr_dialect_openai, CURLE_PEER_FAILED_VERIFICATION, 0, NULL, 0, WR_STOP, "connection_error",
	    "SSL peer certificate or SSH remote key was not OK"},
};

int
main(void)
{
	struct wr_json j;
	size_t k;

	wr_json_init(&j);
	for (k = 0; k < sizeof cases / sizeof *cases; k++) {
		const struct vcase *c = &cases[k];
		struct wr_attempt a = {c->cc, c->status, c->resp, c->resp ? strlen(c->resp) : 0, "", c->too_big, 100};
		struct wr_verdict v = {0};

		wr_verdict_of(&v, &a, c->d, &j, "KEY_ENV");
		CHECK(v.what == c->what, "case %zu: outcome %d", k, (int)v.what);
		CHECK((!v.code && !c->code) || (v.code && c->code && strcmp(v.code, c->code) == 0), "case %zu: code %s",
		    k, v.code ? v.code : "(none)");
		CHECK(!*c->why || strcmp(v.why, c->why) == 0, "case %zu: why %s", k, v.why);
		CHECK(v.what != WR_ANSWER || (v.body_json && v.body[0] == '{'), "case %zu: the answer is the object", k);
		wr_buf_free(&v.pmsg);
	}
	wr_json_free(&j);
	return unit_done();
}
