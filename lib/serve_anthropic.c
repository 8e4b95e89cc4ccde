/* wr-serve's Anthropic dialect: the Messages API, its model list, errors and anthropic-ratelimit-* headers. */
#include "serve.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "serve_limit.h"

static enum wr_endpoint
route(const struct wr_serve_req *q, const char **allow)
{
	int get = strcmp(q->method, "GET") == 0 || strcmp(q->method, "HEAD") == 0;

	if (strcmp(q->path, "/v1/messages") == 0) {
		*allow = "POST";
		return strcmp(q->method, "POST") == 0 ? WR_EP_GENERATE : WR_EP_BAD_METHOD;
	}
	/* The same URL as OpenAI's list: Anthropic's clients are known by their version header. */
	if (!q->header(q, "anthropic-version"))
		return WR_EP_NONE;
	if (strcmp(q->path, "/v1/models") == 0) {
		*allow = "GET, HEAD";
		return get ? WR_EP_MODELS : WR_EP_BAD_METHOD;
	}
	if (strncmp(q->path, "/v1/models/", 11) == 0 && q->path[11] && !strchr(q->path + 11, '/')) {
		*allow = "GET, HEAD";
		return get ? WR_EP_MODEL : WR_EP_BAD_METHOD;
	}
	return WR_EP_UNKNOWN;
}

/* x-api-key, or the Bearer token that newer SDKs send for authToken. */
static const char *
key(const struct wr_serve_req *q)
{
	const char *k = q->header(q, "x-api-key");

	return k ? k : wr_serve_bearer(q);
}

static const char *
check(const struct wr_serve_req *q)
{
	return q->header(q, "anthropic-version") ? NULL : "anthropic-version: header is required";
}

static int
parse(struct wr_chat *c, const struct wr_serve_req *q, const char *body, size_t len,
    const char **why)
{
	struct wr_json *j = &c->json;
	int msgs, m, k, role, user = -1, t;

	(void)q;
	if (wr_chat_begin(c, body, len, why))
		return -1;
	t = wr_json_get(j, 0, "model");
	if (t < 0) {
		*why = "model: Field required";
		return -1;
	}
	if (wr_chat_model(c, t, why) || wr_chat_no_stream(j, wr_json_get(j, 0, "stream"), why))
		return -1;
	t = wr_json_get(j, 0, "max_tokens");
	if (t < 0 || wr_json_isnull(j, t)) {
		*why = "max_tokens: Field required";
		return -1;
	}
	if (wr_chat_max_tokens(c, t, "max_tokens", why))
		return -1;
	t = wr_json_get(j, 0, "system");
	if (t >= 0 && wr_chat_count(c, j, t)) {
		*why = "system: Input should be a valid string or a list of text blocks";
		return -1;
	}
	msgs = wr_json_get(j, 0, "messages");
	if (msgs < 0 || j->tok[msgs].type != JSMN_ARRAY) {
		*why = "messages: Field required";
		return -1;
	}
	for (k = 0; (m = wr_json_index(j, msgs, k)) >= 0; k++) {
		role = wr_json_get(j, m, "role");
		if (role < 0 || !(wr_json_streq(j, role, "user") || wr_json_streq(j, role, "assistant"))) {
			*why = "messages: each message needs a role of \"user\" or \"assistant\"";
			return -1;
		}
		if (!wr_json_streq(j, role, "user"))
			continue;
		user = m;
		if (wr_chat_count(c, j, wr_json_get(j, m, "content"))) {
			*why = "messages: content must be a string or a list of content blocks";
			return -1;
		}
	}
	return wr_chat_user(c, j, user < 0 ? -1 : wr_json_get(j, user, "content"),
	    "messages: at least one user message is required", why);
}

/*
 * A refusal says so in a short text block; a filter (the classifiers
 * stepping in before any output) has no content at all. Both stop with
 * "refusal".
 */
static void
answer(struct wr_buf *out, const struct wr_chat *c, const int *scores,
    const struct wr_reply *r, struct wr_buf *text)
{
	static const char *const stop_reason[] = {"end_turn", "max_tokens", "refusal", "refusal"};
	enum wr_stop stop = wr_reply_text(text, c, scores, r);

	if (stop == WR_STOP_REFUSAL)
		wr_buf_adds(text, wr_refusal_text);
	wr_buf_printf(out, "{\"id\":\"msg_%s\",\"type\":\"message\",\"role\":\"assistant\",\"model\":",
	    r->id);
	wr_json_escape(out, c->model.s, c->model.len);
	wr_buf_adds(out, ",\"content\":[");
	if (stop != WR_STOP_FILTER) {
		wr_buf_adds(out, "{\"type\":\"text\",\"text\":");
		wr_json_escape(out, text->s, text->len);
		wr_buf_adds(out, "}");
	}
	wr_buf_printf(out, "],\"stop_reason\":\"%s\",\"stop_sequence\":null,"
	    "\"usage\":{\"input_tokens\":%zu,\"output_tokens\":%zu}}",
	    stop_reason[stop], wr_tokens(c->prompt_bytes), wr_tokens(text->len));
}

static unsigned
error(struct wr_buf *out, enum wr_serve_err e, const char *message)
{
	static const struct {
		unsigned status;
		const char *type, *message;
	} t[] = {
		[WR_ERR_INVALID] = {400, "invalid_request_error", "Invalid request."},
		[WR_ERR_JSON] = {400, "invalid_request_error", "The request body is not valid JSON."},
		[WR_ERR_NO_KEY] = {401, "authentication_error", "x-api-key header is required"},
		[WR_ERR_BAD_KEY] = {401, "authentication_error", "invalid x-api-key"},
		[WR_ERR_NOT_FOUND] = {404, "not_found_error", "Not found"},
		[WR_ERR_METHOD] = {405, "invalid_request_error", "Method not allowed"},
		[WR_ERR_TOO_BIG] = {413, "request_too_large", "Request exceeds the maximum allowed size"},
		[WR_ERR_SERVER] = {500, "api_error", "Internal server error (wr-serve fault injection)"},
		[WR_ERR_RATE] = {429, "rate_limit_error",
		    "Rate limit exceeded (wr-serve fault injection). Please try again later."},
		[WR_ERR_LIMIT_REQUESTS] = {429, "rate_limit_error",
		    "This request would exceed the rate limit for requests per minute."},
		[WR_ERR_LIMIT_TOKENS] = {429, "rate_limit_error",
		    "This request would exceed the rate limit for tokens per minute."},
		[WR_ERR_OVERLOAD] = {529, "overloaded_error", "Overloaded (wr-serve fault injection)"},
	};

	wr_buf_printf(out, "{\"type\":\"error\",\"error\":{\"type\":\"%s\",\"message\":", t[e].type);
	wr_json_escapes(out, message ? message : t[e].message);
	wr_buf_adds(out, "}}");
	return t[e].status;
}

static void
add_model(struct wr_buf *out, const char *id, size_t len)
{
	wr_buf_adds(out, "{\"type\":\"model\",\"id\":");
	wr_json_escape(out, id, len);
	wr_buf_adds(out, ",\"display_name\":");
	wr_json_escape(out, id, len);
	/* WR_SERVE_CREATED */
	wr_buf_adds(out, ",\"created_at\":\"2025-01-01T00:00:00Z\"}");
}

static void
models(struct wr_buf *out, const struct wr_serve_req *q, enum wr_endpoint ep)
{
	if (ep == WR_EP_MODEL) {
		add_model(out, q->path + 11, strlen(q->path + 11));
		return;
	}
	wr_buf_adds(out, "{\"data\":[");
	add_model(out, "wr-serve", 8);
	wr_buf_adds(out, "],\"has_more\":false,\"first_id\":\"wr-serve\",\"last_id\":\"wr-serve\"}");
}

static void
limit_headers(const struct wr_limits *l, wr_add_header *add, void *ctx)
{
	static const char *const names[WR_NLIMITS] = {"requests", "tokens"};
	char name[48], value[32];
	struct tm tm;
	time_t at;
	int i;

	for (i = 0; i < WR_NLIMITS; i++) {
		if (!l->b[i].on)
			continue;
		snprintf(name, sizeof name, "anthropic-ratelimit-%s-limit", names[i]);
		snprintf(value, sizeof value, "%.0f", l->b[i].limit);
		add(ctx, name, value);
		snprintf(name, sizeof name, "anthropic-ratelimit-%s-remaining", names[i]);
		snprintf(value, sizeof value, "%ld", l->b[i].remaining);
		add(ctx, name, value);
		/* An RFC 3339 time, rounded up to the second. */
		at = (time_t)(l->wall + l->b[i].reset + 0.999999);
		gmtime_r(&at, &tm);
		strftime(value, sizeof value, "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(name, sizeof name, "anthropic-ratelimit-%s-reset", names[i]);
		add(ctx, name, value);
	}
}

const struct wr_serve_dialect wr_serve_anthropic = {
	.name = "anthropic",
	.route = route,
	.key = key,
	.check = check,
	.parse = parse,
	.answer = answer,
	.error = error,
	.models = models,
	.limit_headers = limit_headers,
	.limit_retry_after = 1,
	.request_id_header = "request-id",
};
