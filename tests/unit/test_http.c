/* Unit tests for lib/http.c and lib/query.c: header parsing, retry timing, buckets, request and result lines. */
#include <math.h>
#include <stdlib.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "http.h"
#include "query.h"
#include "server.h"
#include "unit.h"

static void
test_retry_after(void)
{
	static const struct { const char *s; double want; } v[] = {
		{"0", 0}, {"1", 1}, {" 120 ", 120}, {"2.5", 2.5},
		/* 2015-10-21 07:28:00 GMT is 1445412480; "now" below is 10 s earlier. */
		{"Wed, 21 Oct 2015 07:28:00 GMT", 10},
		{"Wed, 21 Oct 2015 07:20:00 GMT", 0},     /* a date in the past: now */
		{"-1", -1}, {"", -1}, {"soon", -1}, {"1s", -1}, {"1.2.3", -1},
	};
	size_t i;
	double d;

	for (i = 0; i < sizeof v / sizeof *v; i++) {
		int r = wr_http_retry_after(v[i].s, strlen(v[i].s), 1445412470, &d);
		if (v[i].want < 0)
			CHECK(r == -1, "retry-after %s gave %d", v[i].s, r);
		else
			CHECK(r == 0 && fabs(d - v[i].want) < 1e-9, "retry-after %s: %d %g", v[i].s, r, d);
	}
	CHECK(wr_http_retry_after("999999999", 9, 0, &d) == 0 && d == 86400, "capped at a day: %g", d);
}

static void
hdr(struct wr_http_meta *m, const char *line)
{
	wr_http_meta_header(m, &wr_dialect_openai, line, strlen(line), 0);
}

static void
test_meta(void)
{
	struct wr_http_meta m;
	const char *line;

	wr_http_meta_reset(&m);
	hdr(&m, "HTTP/1.1 429 Too Many Requests\r\n");
	hdr(&m, "Retry-After: 3\r\n");
	hdr(&m, "x-ratelimit-remaining-requests: 0\r\n");
	hdr(&m, "X-RateLimit-Reset-Requests: 1.5s\r\n");
	hdr(&m, "x-ratelimit-remaining-tokens: 100\r\n");
	hdr(&m, "x-ratelimit-reset-tokens: 6m0s\r\n");
	hdr(&m, "x-request-id: req_123\r\n");
	hdr(&m, "Content-Length: 42\r\n");
	CHECK(m.retry_after == 3, "retry-after %g", m.retry_after);
	CHECK(m.lim.remaining_requests == 0 && m.lim.reset_requests == 1.5, "requests %g %g",
	    m.lim.remaining_requests, m.lim.reset_requests);
	CHECK(m.lim.remaining_tokens == 100 && m.lim.reset_tokens == 360, "tokens");
	CHECK(strcmp(m.request_id, "req_123") == 0, "request id %s", m.request_id);
	CHECK(m.content_length == 42, "content-length");
	CHECK(wr_http_meta_wait(&m) == 1.5, "wait %g", wr_http_meta_wait(&m));
	hdr(&m, "x-ratelimit-remaining-tokens: 0\r\n");
	CHECK(wr_http_meta_wait(&m) == 360, "wait tokens %g", wr_http_meta_wait(&m));

	/* A new status line starts over; -1 and junk (Azure) are ignored. */
	hdr(&m, "HTTP/2 200\r\n");
	hdr(&m, "retry-after: -1\r\n");
	hdr(&m, "x-ratelimit-remaining-requests: -1\r\n");
	hdr(&m, "x-ratelimit-reset-requests: -1\r\n");
	hdr(&m, "x-ratelimit-remaining-tokens: 0\r\n");
	hdr(&m, "x-ratelimit-reset-tokens: soon\r\n");
	CHECK(m.retry_after < 0 && m.lim.remaining_requests == -1 && m.lim.reset_requests < 0, "nonsense ignored");
	CHECK(wr_http_meta_wait(&m) < 0, "no wait without a reset time");
	CHECK(m.request_id[0] == '\0', "request id reset");
	hdr(&m, "retry-after-not: 5\r\n");
	CHECK(m.retry_after < 0, "a longer header name is another header");
	hdr(&m, "request-id: req_a\r\n");
	CHECK(strcmp(m.request_id, "req_a") == 0, "Anthropic's request-id %s", m.request_id);
	/* Anthropic's limits, with RFC 3339 resets, through its dialect. */
	wr_http_meta_reset(&m);
	line = "anthropic-ratelimit-output-tokens-remaining: 0\r\n";
	wr_http_meta_header(&m, &wr_dialect_anthropic, line, strlen(line), 0);
	line = "anthropic-ratelimit-output-tokens-reset: 1970-01-01T00:00:07Z\r\n";
	wr_http_meta_header(&m, &wr_dialect_anthropic, line, strlen(line), 0);
	CHECK(wr_http_meta_wait(&m) == 7, "anthropic output tokens wait %g", wr_http_meta_wait(&m));
}

static void
test_body_start(void)
{
	static const struct { const char *s; size_t want; } v[] = {
		{"{}", 0},
		{"\n\n\n{\"a\":1}", 3},
		{"\r\n\r\n{}", 4},
		{": keep-alive\n\n: keep-alive\n\n{}", 28},
		{"\xef\xbb\xbf{}", 3},
		{"  \n", 3},
		{"", 0},
		{": only a comment", 16},
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof *v; i++)
		CHECK(wr_http_body_start(v[i].s, strlen(v[i].s)) == v[i].want, "body start %zu: %zu", i,
		    wr_http_body_start(v[i].s, strlen(v[i].s)));
}

static void
test_join(void)
{
	static const struct { const char *base, *path, *want; } v[] = {
		{"http://127.0.0.1:8080/v1", "/v1/chat/completions", "http://127.0.0.1:8080/v1/chat/completions"},
		{"http://127.0.0.1:8080/v1/", "/v1/chat/completions", "http://127.0.0.1:8080/v1/chat/completions"},
		{"https://api.groq.com/openai/v1", "/v1/chat/completions", "https://api.groq.com/openai/v1/chat/completions"},
		{"http://h/v1", "/chat/completions", "http://h/v1/chat/completions"},
		{"http://h/v1", "/v1x/y", "http://h/v1/v1x/y"},
		{"http://h", "/v1/embeddings", "http://h/embeddings"},
	};
	struct wr_buf b = {0};
	size_t i;

	for (i = 0; i < sizeof v / sizeof *v; i++) {
		wr_buf_reset(&b);
		wr_http_join(&b, v[i].base, v[i].path, strlen(v[i].path));
		CHECK(strcmp(b.s, v[i].want) == 0, "join %zu: %s", i, b.s);
	}
	static const struct { const char *in, *want; } r[] = {
		{"http://127.0.0.1:1/v1", "http://127.0.0.1:1/v1"},
		{"https://user:secret@host/v1", "https://***@host/v1"},
		{"https://a@b:c@host/v1?x=@", "https://***@host/v1?x=@"},
		{"http://host/v1/x@y", "http://host/v1/x@y"},
	};
	for (i = 0; i < sizeof r / sizeof *r; i++) {
		wr_buf_reset(&b);
		wr_http_redact(&b, r[i].in);
		CHECK(strcmp(b.s, r[i].want) == 0, "redact %zu: %s", i, b.s);
	}
	wr_buf_free(&b);
}

static void
test_policy(void)
{
	static const struct { long status; enum wr_http_class want; } v[] = {
		{200, WR_HTTP_OK}, {201, WR_HTTP_FINAL}, {400, WR_HTTP_FINAL}, {404, WR_HTTP_FINAL},
		{401, WR_HTTP_STOP}, {403, WR_HTTP_STOP}, {408, WR_HTTP_RETRY}, {409, WR_HTTP_RETRY},
		{413, WR_HTTP_FINAL}, {429, WR_HTTP_RETRY}, {500, WR_HTTP_RETRY}, {503, WR_HTTP_RETRY},
		{599, WR_HTTP_RETRY},
	};
	size_t i;
	int k;

	for (i = 0; i < sizeof v / sizeof *v; i++)
		CHECK(wr_http_classify(v[i].status) == v[i].want, "status %ld", v[i].status);
	CHECK(wr_http_curl_retryable(CURLE_COULDNT_CONNECT) && wr_http_curl_retryable(CURLE_GOT_NOTHING) &&
	    wr_http_curl_retryable(CURLE_PARTIAL_FILE) && wr_http_curl_retryable(CURLE_OPERATION_TIMEDOUT),
	    "connection trouble is retried");
	CHECK(!wr_http_curl_retryable(CURLE_URL_MALFORMAT) && !wr_http_curl_retryable(CURLE_WRITE_ERROR) &&
	    !wr_http_curl_retryable(CURLE_PEER_FAILED_VERIFICATION), "setup trouble is not");
	CHECK(wr_http_curl_fatal(CURLE_PEER_FAILED_VERIFICATION) && wr_http_curl_fatal(CURLE_SSL_CACERT_BADFILE) &&
	    !wr_http_curl_fatal(CURLE_COULDNT_CONNECT) && !wr_http_curl_fatal(CURLE_SSL_CONNECT_ERROR),
	    "a certificate that cannot be verified stops the run");
	/* 0.5, 1, 2, ... capped at 60; equal jitter keeps it in [d/2, d). */
	CHECK(wr_http_backoff(1, 0.5, 60, 0) == 0.25 && wr_http_backoff(1, 0.5, 60, 0.999) < 0.5, "first");
	CHECK(wr_http_backoff(4, 0.5, 60, 0) == 2, "fourth %g", wr_http_backoff(4, 0.5, 60, 0));
	for (k = 1; k < 40; k++)
		CHECK(wr_http_backoff(k, 0.5, 60, 0.99) <= 60, "cap at %d", k);
	CHECK(wr_http_backoff(30, 0.5, 60, 0) == 30, "capped");
	CHECK(wr_http_backoff(3, 0, 60, 0.5) == 0, "base 0");
}

static void
test_bucket(void)
{
	struct wr_bucket b;

	/* 60 per minute: one now, the next a second later. */
	wr_bucket_init(&b, 60, 100);
	CHECK(wr_bucket_wait(&b, 100, 1) == 0, "first at once");
	wr_bucket_take(&b, 100, 1);
	CHECK(fabs(wr_bucket_wait(&b, 100, 1) - 1) < 1e-9, "second after 1 s");
	CHECK(fabs(wr_bucket_wait(&b, 100.5, 1) - 0.5) < 1e-9, "half a second later");
	CHECK(wr_bucket_wait(&b, 101, 1) == 0, "after a second");
	/* 6000 per minute: 100 at once, then 100 per second. */
	wr_bucket_init(&b, 6000, 0);
	for (int i = 0; i < 100; i++)
		wr_bucket_take(&b, 0, 1);
	CHECK(fabs(wr_bucket_wait(&b, 0, 1) - 0.01) < 1e-9, "burst of one second");
	/* A take larger than the bucket goes into debt and the next waits it off. */
	wr_bucket_init(&b, 600, 0);
	CHECK(wr_bucket_wait(&b, 0, 500) == 0, "a large take waits for a full bucket only");
	wr_bucket_take(&b, 0, 500);
	CHECK(fabs(wr_bucket_wait(&b, 0, 1) - 49.1) < 1e-9, "debt: %g", wr_bucket_wait(&b, 0, 1));
	wr_bucket_put(&b, 1000);
	CHECK(b.level == b.cap, "a refund never overfills");
}

static const char good[] =
    "{\"custom_id\":\"abc\\u00e9\",\"method\":\"POST\",\"url\":\"\\/v1\\/chat\\/completions\","
    "\"body\":{\"model\":\"m\",\"max_tokens\":100,\"messages\":[]},\"entries\":[\"a\",\"b c\"],\"n\":1}";

static void
test_request(void)
{
	static const struct { const char *line, *why, *cid, *extra; } bad[] = {
		{"not json", "invalid JSON", NULL, ""},
		{"{\"custom_id\":\"x1\",\"body\":{\"a\":", "truncated JSON", "\"x1\"", ""},
		{"{\"custom_id\": \"x2\" ,\"body\":{\"a\":\"\x01\"}}", "invalid JSON", "\"x2\"", ""},
		{"[1]", "not a JSON object", NULL, ""},
		{"{\"body\":{},\"entries\":[1]}", "no custom_id", NULL, ",\"entries\":[1]"},
		{"{\"custom_id\":7,\"body\":{}}", "custom_id is not a string", NULL, ""},
		{"{\"custom_id\":\"y\",\"entries\":[\"e\"]}", "no body", "\"y\"", ",\"entries\":[\"e\"]"},
		{"{\"custom_id\":\"y\",\"body\":\"hi\"}", "body is not a JSON object", "\"y\"", ""},
		{"{\"custom_id\":\"y\",\"method\":\"GET\",\"body\":{}}", "method is not POST", "\"y\"", ""},
		{"{\"custom_id\":\"y\",\"url\":\"https://evil/x\",\"body\":{}}",
		    "url is not a path such as /v1/chat/completions", "\"y\"", ""},
		{"{\"custom_id\":\"y\",\"url\":\"//evil/x\",\"body\":{}}",
		    "url is not a path such as /v1/chat/completions", "\"y\"", ""},
		{"{\"custom_id\":\"y\xff\",\"body\":{}}", "invalid UTF-8", NULL, ""},
	};
	struct wr_json j;
	struct wr_request rq = {0};
	const char *why = NULL;
	size_t i;

	wr_json_init(&j);
	CHECK(wr_request_parse(&j, good, strlen(good), &rq, &why) == 0, "good line: %s", why);
	CHECK(rq.cid_len == 11 && memcmp(rq.cid, "\"abc\\u00e9\"", 11) == 0, "cid %.*s", (int)rq.cid_len, rq.cid);
	CHECK(strcmp(rq.id.s, "abc\xc3\xa9") == 0, "decoded id %s", rq.id.s);
	CHECK(strcmp(rq.path.s, "/v1/chat/completions") == 0, "path %s", rq.path.s);
	CHECK(rq.body_len == 44 && memcmp(rq.body, "{\"model\"", 8) == 0, "body %.*s", (int)rq.body_len, rq.body);
	/* what a tpm limit charges: (44 body bytes + 3) / 4 + max_tokens 100 */
	CHECK(rq.est.prompt == 0 && rq.est.completion == 100 && rq.est_tokens == 111, "estimate %ld", rq.est_tokens);
	CHECK(strcmp(rq.extra.s, ",\"entries\":[\"a\",\"b c\"],\"n\":1") == 0, "extra %s", rq.extra.s);
	CHECK(rq.hash == XXH64(rq.body, rq.body_len, 0) && rq.hash == wr_body_hash(rq.body, rq.body_len),
	    "body hash %016llx", (unsigned long long)rq.hash);
	CHECK(wr_request_parse(&j, "{\"custom_id\":\"z\",\"body_hash\":\"0000000000000001\",\"body\":{\"m\":1}}",
	    63, &rq, &why) == 0 && rq.extra.len == 0 && rq.hash == wr_body_hash("{\"m\":1}", 7),
	    "a body_hash in the request is not copied: %s", rq.extra.s ? rq.extra.s : "");
	CHECK(wr_request_parse(&j, "{\"custom_id\":\"z\",\"body\":{}}", 27, &rq, &why) == 0 &&
	    strcmp(rq.path.s, "/v1/chat/completions") == 0 && rq.extra.len == 0, "defaults");
	for (i = 0; i < sizeof bad / sizeof *bad; i++) {
		why = NULL;
		int r = wr_request_parse(&j, bad[i].line, strlen(bad[i].line), &rq, &why);
		CHECK(r == -1 && why && strcmp(why, bad[i].why) == 0, "bad %zu: %s", i, why ? why : "accepted");
		if (bad[i].cid)
			CHECK(rq.cid && rq.cid_len == strlen(bad[i].cid) && memcmp(rq.cid, bad[i].cid, rq.cid_len) == 0,
			    "bad %zu cid", i);
		else
			CHECK(!rq.cid, "bad %zu has no cid", i);
		CHECK(strcmp(rq.extra.s ? rq.extra.s : "", bad[i].extra) == 0, "bad %zu extra", i);
	}
	wr_request_free(&rq);
	wr_json_free(&j);
}

static int
succeeded(struct wr_json *j, const char *line)
{
	struct wr_buf id = {0};
	uint64_t hash;
	int r = wr_result_succeeded(j, line, strlen(line), &id, &hash);

	wr_buf_free(&id);
	return r;
}

static void
test_result(void)
{
	struct wr_result_out r = {0};
	struct wr_buf b = {0}, id = {0};
	struct wr_json j;
	uint64_t hash;
	const char *body = "\n{\"a\":\r\n [1,\n2]}\n\n";

	r.id = 0x0123456789abcdefULL;
	r.cid = "\"c1\"";
	r.cid_len = 4;
	r.status = 200;
	r.request_id = "req_1";
	r.body = body + 1;
	r.body_len = strlen(body) - 1;
	r.body_json = 1;
	r.extra = ",\"entries\":[\"x\"]";
	r.extra_len = strlen(r.extra);
	wr_result_format(&b, &r);
	CHECK(strcmp(b.s, "{\"id\":\"wrq-0123456789abcdef\",\"custom_id\":\"c1\",\"response\":{\"status_code\":200,"
	    "\"request_id\":\"req_1\",\"body\":{\"a\": [1,2]}},\"error\":null,\"entries\":[\"x\"]}\n") == 0,
	    "success: %s", b.s);
	wr_json_init(&j);
	CHECK(wr_result_succeeded(&j, b.s, b.len - 1, &id, &hash) == 1 && strcmp(id.s, "c1") == 0 && hash == 0,
	    "read back");

	/* A result names the request body it answers; the hash reads back. */
	wr_buf_reset(&b);
	wr_buf_reset(&id);
	r.body_hash = 0xfedcba9876543210ULL;
	wr_result_format(&b, &r);
	CHECK(strcmp(b.s, "{\"id\":\"wrq-0123456789abcdef\",\"custom_id\":\"c1\",\"response\":{\"status_code\":200,"
	    "\"request_id\":\"req_1\",\"body\":{\"a\": [1,2]}},\"error\":null,\"body_hash\":\"fedcba9876543210\","
	    "\"entries\":[\"x\"]}\n") == 0, "with hash: %s", b.s);
	CHECK(wr_result_succeeded(&j, b.s, b.len - 1, &id, &hash) == 1 && hash == 0xfedcba9876543210ULL,
	    "hash read back");
	r.body_hash = 0;

	wr_buf_reset(&b);
	r.status = 502;
	r.request_id = NULL;
	r.body = "<html>bad \xff gateway</html>";
	r.body_len = strlen(r.body);
	r.body_json = 0;
	r.err_code = "http_error";
	r.err_msg = "HTTP 502 (6 attempts)";
	r.extra = NULL;
	wr_result_format(&b, &r);
	CHECK(strcmp(b.s, "{\"id\":\"wrq-0123456789abcdef\",\"custom_id\":\"c1\",\"response\":{\"status_code\":502,"
	    "\"request_id\":null,\"body\":\"<html>bad \xef\xbf\xbd gateway</html>\"},\"error\":{\"code\":"
	    "\"http_error\",\"message\":\"HTTP 502 (6 attempts)\"}}\n") == 0, "error: %s", b.s);
	CHECK(wr_json_valid(b.s, b.len - 1), "error line is valid JSON");
	CHECK(wr_result_succeeded(&j, b.s, b.len - 1, &id, &hash) == 0, "an error is no success");

	wr_buf_reset(&b);
	r.cid = NULL;
	r.status = 0;
	r.err_code = "invalid_request";
	r.err_msg = "request line 3: invalid JSON";
	wr_result_format(&b, &r);
	CHECK(strcmp(b.s, "{\"id\":\"wrq-0123456789abcdef\",\"custom_id\":null,\"response\":null,\"error\":"
	    "{\"code\":\"invalid_request\",\"message\":\"request line 3: invalid JSON\"}}\n") == 0, "invalid: %s", b.s);

	CHECK(succeeded(&j, "{\"custom_id\":\"a\",\"response\":{\"status_code\":200,\"body\":{}},"
	    "\"error\":null}") == 1, "minimal success");
	CHECK(succeeded(&j, "{\"custom_id\":\"a\",\"response\":{\"status_code\":429,\"body\":{}},"
	    "\"error\":null}") == 0, "429 is no success");
	CHECK(succeeded(&j, "{\"custom_id\":\"a\",\"response\":{\"status_code\":200,\"body\":{}},"
	    "\"error\":{\"code\":\"x\"}}") == 0, "an error beside 200 is no success");
	CHECK(wr_result_succeeded(&j, "{\"id\":\"torn", 11, &id, &hash) == -1, "a torn line is no result");
	CHECK(succeeded(&j, "{\"custom_id\":\"a\",\"response\":{\"status_code\":200,\"body\":{}},"
	    "\"error\":null,\"body_hash\":\"XYZ\"}") == 1, "a bad hash is no hash");
	CHECK(wr_result_id("\"c1\"", 4) == wr_result_id("\"c1\"", 4) &&
	    wr_result_id("\"c1\"", 4) != wr_result_id("\"c2\"", 4), "ids");
	wr_json_free(&j);
	wr_buf_free(&b);
	wr_buf_free(&id);
}

static void
test_check(void)
{
	static const struct { const char *s; int ok; } v[] = {
		{"{\"a\":[1,2.5e3,true,false,null,\"x\\u00e9\"]}", 1},
		{"{\"a\":\"tab\there\"}", 0},          /* a raw control character in a string */
		{"{\"a\":\"\\ud83d\"}", 0},             /* a lone surrogate */
		{"{\"a\":tru}", 0},
		{"{\"a\":01}", 0},
		{"{\"a\":\"\xff\"}", 0},
		{"[\"ok\"]", 1},
	};
	struct wr_json j;
	const char *why;
	size_t i;

	wr_json_init(&j);
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		int ok = wr_json_parse(&j, v[i].s, strlen(v[i].s), &why) == 0 && wr_json_check(&j);
		CHECK(ok == v[i].ok, "check %zu", i);
		CHECK(ok == wr_json_valid(v[i].s, strlen(v[i].s)), "check %zu agrees with wr_json_valid", i);
	}
	wr_json_free(&j);
}

static void
test_price(void)
{
	static const struct { const char *s; double in, out, cached; } ok[] = {
		{"2.5:10", 2.5, 10, -1}, {"0:0", 0, 0, -1}, {"1.25:10:0.125", 1.25, 10, 0.125},
	};
	static const char *const bad[] = {"", "2.5", "2.5:", ":10", "1:2:", "1:2:3:4", "-1:2", "1:x",
		"1e3:2", " 1:2", "1:2 "};
	struct wr_price p;
	struct wr_buf b = {0};
	size_t i;

	for (i = 0; i < sizeof ok / sizeof *ok; i++)
		CHECK(wr_price_parse(ok[i].s, &p) == 0 && p.in == ok[i].in && p.out == ok[i].out &&
		    p.cached == ok[i].cached, "price %s", ok[i].s);
	for (i = 0; i < sizeof bad / sizeof *bad; i++)
		CHECK(wr_price_parse(bad[i], &p) == -1, "price '%s' accepted", bad[i]);
	wr_price_parse("1000:2000:500", &p);
	CHECK(fabs(wr_price_cost(&p, 200, 80, 20) - 0.2) < 1e-12, "cost with cached");
	CHECK(fabs(wr_price_cost(&p, 10, 50, 0) - 0.005) < 1e-12, "cached above prompt is capped");
	wr_price_parse("1000:2000", &p);
	CHECK(fabs(wr_price_cost(&p, 200, 80, 20) - 0.24) < 1e-12, "cached at the prompt price");
	wr_cost_format(&b, 0.01234);
	CHECK(strcmp(b.s, "$0.0123") == 0, "%s", b.s);
	wr_buf_reset(&b);
	wr_cost_format(&b, 1234.567);
	CHECK(strcmp(b.s, "$1234.57") == 0, "%s", b.s);
	wr_buf_free(&b);
}

static void
test_plan(void)
{
	static const struct { double sec; const char *want; } d[] = {
		{0, "0.0 s"}, {2.54, "2.5 s"}, {42, "42 s"}, {119, "119 s"}, {120, "2 min"},
		{3599, "60 min"}, {7200, "2.0 h"}, {172799, "48.0 h"}, {172800, "2.0 days"},
	};
	struct wr_plan p = {0};
	struct wr_buf b = {0};
	size_t i;

	for (i = 0; i < sizeof d / sizeof *d; i++) {
		wr_buf_reset(&b);
		wr_duration_format(&b, d[i].sec);
		CHECK(strcmp(b.s, d[i].want) == 0, "%g: %s", d[i].sec, b.s);
	}
	wr_buf_free(&b);
	p.requests = 100, p.tokens = 10000, p.jobs = 16, p.latency = 3;
	wr_plan_time(&p);
	CHECK(p.binding == WR_LIMIT_JOBS && p.total == 21, "jobs: %d %g", p.binding, p.total);
	p.rpm = 60;
	wr_plan_time(&p);
	CHECK(p.binding == WR_LIMIT_RPM && p.total == 100, "rpm: %d %g", p.binding, p.total);
	p.tpm = 1000;
	wr_plan_time(&p);
	CHECK(p.binding == WR_LIMIT_TPM && p.total == 600, "tpm: %d %g", p.binding, p.total);
	p.rpd = 30;
	wr_plan_time(&p);
	CHECK(p.binding == WR_LIMIT_RPD && p.total == 4 && p.alone[WR_LIMIT_RPD] == 4, "rpd: %d %g",
	    p.binding, p.total);
	p.rpd = 100;
	wr_plan_time(&p);
	CHECK(p.binding == WR_LIMIT_TPM && p.alone[WR_LIMIT_RPD] == 1, "rpd within a day: %d", p.binding);
	/* The others take more than a day per daily budget: the budget never binds. */
	p.rpd = 30, p.rpm = 0.01, p.tpm = 0;
	wr_plan_time(&p);
	CHECK(p.binding == WR_LIMIT_RPM, "slow rpm: %d", p.binding);
}

/* The one estimate --plan and --tpm share: prompt bytes / 4 up, plus max_tokens or 4 per entry + 8. */
static void
test_estimate(void)
{
	/* charge: (body bytes + 3) / 4 plus max_tokens as given, what a tpm limit counts */
	static const struct { const char *body; size_t entries; long prompt, completion, charge; } v[] = {
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"abcde\"}]}", 3, 2, 20, 12},
		{"{\"messages\":[{\"content\":\"abcd\"}],\"max_tokens\":7}", 3, 1, 7, 19},
		{"{\"messages\":[{\"content\":\"abcd\"}],\"max_completion_tokens\":9,\"max_tokens\":7}", 0, 1, 9, 28},
		{"{\"messages\":[],\"max_tokens\":-1}", 2, 0, 16, 8},
		{"{\"model\":\"m\"}", 0, 4, 8, 4},
	};
	struct wr_estimate e;
	struct wr_json j;
	const char *why;
	size_t i;

	wr_json_init(&j);
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		CHECK(wr_json_parse(&j, v[i].body, strlen(v[i].body), &why) == 0, "parse %s", v[i].body);
		wr_estimate_tokens(&j, 0, strlen(v[i].body), v[i].entries, &e);
		CHECK(e.prompt == v[i].prompt && e.completion == v[i].completion && e.charge == v[i].charge,
		    "%s: %ld %ld %ld", v[i].body, e.prompt, e.completion, e.charge);
	}
	wr_json_free(&j);
}

/* A --tpm bucket takes the usage as the count only from a server that does not announce its token limit. */
static void
test_refund(void)
{
	struct wr_server s;
	struct wr_http_meta m;

	wr_server_init(&s, "http://127.0.0.1:9/v1");
	CHECK(wr_server_refund(&s, 94, 132) == -38, "no limit announced: %g", wr_server_refund(&s, 94, 132));
	CHECK(wr_server_refund(&s, 94, -1) == 0, "no usage: %g", wr_server_refund(&s, 94, -1));
	wr_http_meta_reset(&m);
	m.lim.limit_tokens = 114000;
	m.lim.remaining_tokens = 1800;
	wr_server_take(&s, 0, 94);
	wr_server_answered(&s, WR_SERVER_ANSWER, 200, &m, 0, 0.5, 0.1, 60, 0.5);
	CHECK(s.lim_t == 114000, "learned %g", s.lim_t);
	CHECK(wr_server_refund(&s, 94, 132) == 0, "limit announced: %g", wr_server_refund(&s, 94, 132));
	wr_server_free(&s);
}

static void
test_prompt_bytes(void)
{
	static const struct { const char *body; long long want; } v[] = {
		{"{\"messages\":[{\"role\":\"user\",\"content\":\"abc\\ndef\"}]}", 7},
		{"{\"messages\":[{\"content\":\"ab\"},{\"content\":[{\"type\":\"text\",\"text\":\"\\u00e9\"},{\"x\":1}]},{\"content\":null}]}", 4},
		{"{\"prompt\":\"hello\"}", 5},
		{"{\"input\":\"hi\"}", 2},
		{"{\"model\":\"m\"}", -1},
		{"[1]", -1},
	};
	struct wr_json j;
	const char *why;
	size_t i;

	wr_json_init(&j);
	for (i = 0; i < sizeof v / sizeof *v; i++) {
		CHECK(wr_json_parse(&j, v[i].body, strlen(v[i].body), &why) == 0, "parse %s", v[i].body);
		CHECK(wr_prompt_bytes(&j, 0) == v[i].want, "%s: %lld", v[i].body, wr_prompt_bytes(&j, 0));
	}
	wr_json_free(&j);
}

int
main(void)
{
	test_check();
	test_retry_after();
	test_meta();
	test_body_start();
	test_join();
	test_policy();
	test_bucket();
	test_request();
	test_result();
	test_price();
	test_plan();
	test_prompt_bytes();
	test_estimate();
	test_refund();
	return unit_done();
}
