/* The batch API tables: each API's answer lines read into one meaning, and its items. */
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "unit.h"

/* One answer line and what it must mean. */
struct line_case {
	const struct wr_batch_api *api;
	const char *line;
	int ok;               /* read returns 0 */
	const char *uid;      /* NULL: none */
	long index;
	long status;
	const char *code;     /* NULL: none */
	int retry;
	const char *msg;      /* "" when none */
	const char *body;     /* the body's JSON text, or NULL */
};

static const struct line_case lines[] = {
	{&wr_batch_openai,
	    "{\"id\":\"batch_req_1\",\"custom_id\":\"s-0\",\"response\":{\"status_code\":200,\"request_id\":\"r1\","
	    "\"body\":{\"choices\":[]}},\"error\":null}",
	    1, "s-0", -1, 200, NULL, 0, "", "{\"choices\":[]}"},
	{&wr_batch_openai,
	    "{\"id\":\"b\",\"custom_id\":\"s-1\",\"response\":{\"status_code\":500,\"request_id\":\"r\","
	    "\"body\":{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}},\"error\":null}",
	    1, "s-1", -1, 500, "http_error", 1, "boom", "{\"error\":{\"message\":\"boom\",\"type\":\"server_error\"}}"},
	{&wr_batch_openai,
	    "{\"id\":\"b\",\"custom_id\":\"s-2\",\"response\":{\"status_code\":400,\"body\":{\"error\":{\"message\":\"bad\"}}},"
	    "\"error\":null}",
	    1, "s-2", -1, 400, "http_error", 0, "bad", "{\"error\":{\"message\":\"bad\"}}"},
	{&wr_batch_openai,
	    "{\"id\":\"b\",\"custom_id\":\"s-3\",\"response\":null,\"error\":{\"code\":\"batch_expired\","
	    "\"message\":\"This request could not be executed before the completion window expired.\"}}",
	    1, "s-3", -1, 0, "batch_expired", 1,
	    "This request could not be executed before the completion window expired.", NULL},
	{&wr_batch_openai,
	    "{\"custom_id\":\"s-4\",\"response\":null,\"error\":{\"code\":\"batch_cancelled\",\"message\":\"c\"}}",
	    1, "s-4", -1, 0, "batch_cancelled", 1, "c", NULL},
	{&wr_batch_openai,
	    "{\"custom_id\":\"s-5\",\"response\":null,\"error\":{\"code\":\"invalid_json\",\"message\":\"x\"}}",
	    1, "s-5", -1, 0, "batch_error", 0, "x", NULL},
	{&wr_batch_openai, "{\"custom_id\":\"s-6\",\"response\":null,\"error\":null}",
	    1, "s-6", -1, 0, "batch_error", 0, "the job gave no answer to this request", NULL},
	/* An error without a message is named by its status. */
	{&wr_batch_openai, "{\"custom_id\":\"s-7\",\"response\":{\"status_code\":503,\"body\":null},\"error\":null}",
	    1, "s-7", -1, 503, "http_error", 1, "HTTP 503", NULL},
	{&wr_batch_openai,
	    "{\"custom_id\":\"s-8\",\"response\":{\"status_code\":404,\"body\":{\"error\":{\"message\":\"\"}}}}",
	    1, "s-8", -1, 404, "http_error", 0, "HTTP 404", "{\"error\":{\"message\":\"\"}}"},
	{&wr_batch_openai, "{\"response\":{\"status_code\":200}}", 0, NULL, -1, 0, NULL, 0, "", NULL},
	{&wr_batch_openai, "not json", 0, NULL, -1, 0, NULL, 0, "", NULL},
	{&wr_batch_mistral,
	    "{\"id\":\"x\",\"custom_id\":\"s-0\",\"response\":{\"status_code\":200,\"body\":{\"id\":\"c\"}},\"error\":null}",
	    1, "s-0", -1, 200, NULL, 0, "", "{\"id\":\"c\"}"},
	{&wr_batch_anthropic,
	    "{\"custom_id\":\"s-0\",\"result\":{\"type\":\"succeeded\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\"}}}",
	    1, "s-0", -1, 200, NULL, 0, "", "{\"id\":\"msg_1\",\"type\":\"message\"}"},
	{&wr_batch_anthropic,
	    "{\"custom_id\":\"s-1\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\",\"error\":"
	    "{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: required\"}}}}",
	    1, "s-1", -1, 400, "http_error", 0, "max_tokens: required",
	    "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: required\"}}"},
	{&wr_batch_anthropic,
	    "{\"custom_id\":\"s-2\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\",\"error\":"
	    "{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}}}",
	    1, "s-2", -1, 529, "http_error", 1, "Overloaded",
	    "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"},
	{&wr_batch_anthropic, "{\"custom_id\":\"s-3\",\"result\":{\"type\":\"expired\"}}",
	    1, "s-3", -1, 0, "batch_expired", 1, "the batch expired before this request was processed", NULL},
	{&wr_batch_anthropic, "{\"custom_id\":\"s-4\",\"result\":{\"type\":\"canceled\"}}",
	    1, "s-4", -1, 0, "batch_cancelled", 1, "the batch was canceled before this request was processed", NULL},
	{&wr_batch_anthropic, "{\"custom_id\":\"s-5\",\"result\":{\"type\":\"later\"}}",
	    1, "s-5", -1, 0, "batch_error", 0, "a result of a type wr-submit does not know", NULL},
	{&wr_batch_anthropic,
	    "{\"custom_id\":\"s-7\",\"result\":{\"type\":\"errored\",\"error\":{\"type\":\"error\",\"error\":"
	    "{\"type\":\"rate_limit_error\"}}}}",
	    1, "s-7", -1, 429, "http_error", 1, "HTTP 429",
	    "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\"}}"},
	{&wr_batch_anthropic, "{\"custom_id\":\"s-6\"}", 0, NULL, -1, 0, NULL, 0, "", NULL},
	{&wr_batch_gemini,
	    "{\"index\":3,\"item\":{\"response\":{\"candidates\":[],\"responseId\":\"g1\"},\"metadata\":{\"key\":\"s-3\"}}}",
	    1, "s-3", 3, 200, NULL, 0, "", "{\"candidates\":[],\"responseId\":\"g1\"}"},
	{&wr_batch_gemini, "{\"index\":4,\"item\":{\"response\":{\"candidates\":[]}}}",
	    1, NULL, 4, 200, NULL, 0, "", "{\"candidates\":[]}"},
	{&wr_batch_gemini, "{\"index\":5,\"item\":{\"error\":{\"code\":429,\"message\":\"slow down\"}}}",
	    1, NULL, 5, 429, "http_error", 1, "slow down", "{\"code\":429,\"message\":\"slow down\"}"},
	{&wr_batch_gemini, "{\"index\":6,\"item\":{\"error\":{\"code\":400,\"message\":\"bad\"}}}",
	    1, NULL, 6, 400, "http_error", 0, "bad", "{\"code\":400,\"message\":\"bad\"}"},
	/* google.rpc.Status codes are gRPC codes: 3 is a request that will never do, 8 and 13 are worth another try. */
	{&wr_batch_gemini, "{\"index\":7,\"item\":{\"error\":{\"code\":3,\"message\":\"no\"}}}",
	    1, NULL, 7, 400, "http_error", 0, "no", "{\"code\":3,\"message\":\"no\"}"},
	{&wr_batch_gemini, "{\"index\":8,\"item\":{\"error\":{\"code\":8,\"message\":\"quota\"}}}",
	    1, NULL, 8, 429, "http_error", 1, "quota", "{\"code\":8,\"message\":\"quota\"}"},
	{&wr_batch_gemini, "{\"index\":9,\"item\":{\"error\":{\"code\":13,\"message\":\"internal\"}}}",
	    1, NULL, 9, 500, "http_error", 1, "internal", "{\"code\":13,\"message\":\"internal\"}"},
	{&wr_batch_gemini, "{\"index\":10,\"item\":{\"error\":{\"code\":503}}}",
	    1, NULL, 10, 503, "http_error", 1, "HTTP 503", "{\"code\":503}"},
	{&wr_batch_gemini, "{\"index\":11,\"item\":{}}", 1, NULL, 11, 500, "http_error", 1, "HTTP 500", NULL},
	{&wr_batch_gemini, "{\"index\":7}", 0, NULL, -1, 0, NULL, 0, "", NULL},
};

static int
span_is(const char *s, size_t n, const char *want)
{
	if (!want)
		return s == NULL;
	return s && n == strlen(want) && memcmp(s, want, n) == 0;
}

static void
test_lines(void)
{
	struct wr_job_line r = {0};
	struct wr_json j;
	size_t k;

	wr_json_init(&j);
	for (k = 0; k < sizeof lines / sizeof *lines; k++) {
		const struct line_case *c = &lines[k];
		int ok = c->api->read(&j, c->line, strlen(c->line), &r) == 0;
		CHECK(ok == c->ok, "%s case %zu", c->api->name, k);
		if (!ok || !c->ok)
			continue;
		CHECK(span_is(r.uid, r.uid_len, c->uid), "%s case %zu: uid %.*s", c->api->name, k,
		    (int)r.uid_len, r.uid ? r.uid : "");
		CHECK(r.index == c->index, "%s case %zu: index %ld", c->api->name, k, r.index);
		CHECK(r.status == c->status, "%s case %zu: status %ld", c->api->name, k, r.status);
		CHECK((r.code == NULL && c->code == NULL) || (r.code && c->code && strcmp(r.code, c->code) == 0),
		    "%s case %zu: code %s", c->api->name, k, r.code ? r.code : "(none)");
		CHECK(r.retry == c->retry, "%s case %zu: retry %d", c->api->name, k, r.retry);
		CHECK(strcmp(r.msg.s ? r.msg.s : "", c->msg) == 0, "%s case %zu: msg %s", c->api->name, k,
		    r.msg.s ? r.msg.s : "");
		CHECK(span_is(r.body, r.body_len, c->body), "%s case %zu: body %.*s", c->api->name, k,
		    (int)r.body_len, r.body ? r.body : "");
	}
	wr_buf_free(&r.msg);
	wr_json_free(&j);
}

/* One request body and the item and job key each API makes of it. */
struct item_case {
	const struct wr_batch_api *api;
	const char *body;
	int ok;
	const char *item;
	const char *key;
};

static const struct item_case items[] = {
	{&wr_batch_openai, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 1,
	    "{\"custom_id\":\"S-0\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":"
	    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}",
	    "/v1/chat/completions"},
	{&wr_batch_mistral, "{\"model\":\"mistral-small\",\"messages\":[]}", 1,
	    "{\"custom_id\":\"S-0\",\"body\":{\"model\":\"mistral-small\",\"messages\":[]}}",
	    "mistral-small\t/v1/chat/completions"},
	{&wr_batch_mistral, "{\"messages\":[]}", 0, NULL, NULL},
	{&wr_batch_anthropic, "{\"model\":\"claude\",\"max_tokens\":50,\"messages\":[{\"role\":\"system\","
	    "\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hi\"}]}", 1,
	    "{\"custom_id\":\"S-0\",\"params\":{\"model\":\"claude\",\"max_tokens\":50,\"system\":\"be brief\","
	    "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}",
	    "/v1/messages/batches"},
	{&wr_batch_gemini, "{\"model\":\"gemini-2.5-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 1,
	    "{\"metadata\":{\"key\":\"S-0\"},\"request\":{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"hi\"}]}]}}",
	    "/models/gemini-2.5-flash:batchGenerateContent"},
};

static void
no_warn(void *arg, const char *field)
{
	(void)arg;
	(void)field;
}

static void
test_items(void)
{
	struct wr_buf out = {0}, key = {0};
	struct wr_json j;
	const char *why;
	size_t k;

	wr_json_init(&j);
	for (k = 0; k < sizeof items / sizeof *items; k++) {
		const struct item_case *c = &items[k];
		int ok;

		wr_buf_reset(&out);
		wr_buf_reset(&key);
		CHECK(wr_json_parse(&j, c->body, strlen(c->body), &why) == 0, "case %zu parses", k);
		ok = c->api->item(&out, &key, "S-0", &j, 0, "/v1/chat/completions", 1, no_warn, NULL, &why) == 0;
		CHECK(ok == c->ok, "%s item case %zu", c->api->name, k);
		if (!ok || !c->ok)
			continue;
		CHECK(strcmp(out.s, c->item) == 0, "%s item case %zu: %s", c->api->name, k, out.s);
		CHECK(strcmp(key.s, c->key) == 0, "%s item case %zu: key %s", c->api->name, k, key.s);
		CHECK(strncmp(out.s, c->api->uid_prefix, strlen(c->api->uid_prefix)) == 0,
		    "%s item case %zu starts with the uid prefix", c->api->name, k);
	}
	wr_buf_free(&out);
	wr_buf_free(&key);
	wr_json_free(&j);
}

static void
test_names(void)
{
	CHECK(wr_batch_find("openai") == &wr_batch_openai, "openai");
	CHECK(wr_batch_find("anthropic") == &wr_batch_anthropic, "anthropic");
	CHECK(wr_batch_find("gemini") == &wr_batch_gemini, "gemini");
	CHECK(wr_batch_find("mistral") == &wr_batch_mistral, "mistral");
	CHECK(wr_batch_find("cohere") == NULL, "cohere");
	CHECK(wr_batch_vendor_mistral("https://api.mistral.ai/v1"), "api.mistral.ai");
	CHECK(wr_batch_vendor_mistral("https://u:p@api.mistral.ai./v1"), "userinfo, trailing dot");
	CHECK(!wr_batch_vendor_mistral("https://mistral.ai.evil.example/v1"), "a look-alike host");
	CHECK(!wr_batch_vendor_mistral("https://notmistral.ai/v1"), "a suffix without a dot");
	CHECK(!wr_batch_vendor_mistral("http://127.0.0.1:8080/v1?mistral.ai"), "in the query");
}

int
main(void)
{
	test_lines();
	test_items();
	test_names();
	return unit_done();
}
