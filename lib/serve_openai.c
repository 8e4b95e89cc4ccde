/* wr-serve's OpenAI dialect: chat completions, the model list, OpenAI's errors and x-ratelimit-* headers. */
#include "serve.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "serve_limit.h"

int
wr_chat_parse(struct wr_chat *c, const char *body, size_t len, const char **why)
{
	struct wr_json *j = &c->json;
	int msgs, m, k, role, user = -1, t;

	if (wr_chat_begin(c, body, len, why) ||
	    wr_chat_model(c, wr_json_get(j, 0, "model"), why) ||
	    wr_chat_no_stream(j, wr_json_get(j, 0, "stream"), why))
		return -1;
	if ((t = wr_json_get(j, 0, "max_completion_tokens")) < 0 || wr_json_isnull(j, t))
		t = wr_json_get(j, 0, "max_tokens");
	if (wr_chat_max_tokens(c, t, "max_tokens", why))
		return -1;
	msgs = wr_json_get(j, 0, "messages");
	if (msgs < 0 || j->tok[msgs].type != JSMN_ARRAY) {
		*why = "messages must be an array.";
		return -1;
	}
	for (k = 0; (m = wr_json_index(j, msgs, k)) >= 0; k++) {
		role = wr_json_get(j, m, "role");
		if (role < 0)
			continue;
		if (wr_json_streq(j, role, "user"))
			user = m;
		if ((wr_json_streq(j, role, "user") || wr_json_streq(j, role, "system") ||
		    wr_json_streq(j, role, "developer")) && wr_chat_count(c, j, wr_json_get(j, m, "content"))) {
			*why = "message content must be a string or an array of text parts.";
			return -1;
		}
	}
	return wr_chat_user(c, j, user < 0 ? -1 : wr_json_get(j, user, "content"),
	    "messages must include a user message.", why);
}

/* Does c ask for a JSON answer (response_format json_schema or json_object)? */
static int
wants_json(const struct wr_chat *c)
{
	int f = wr_json_get(&c->json, 0, "response_format"), t;

	if (f < 0 || c->json.tok[f].type != JSMN_OBJECT || (t = wr_json_get(&c->json, f, "type")) < 0)
		return 0;
	return wr_json_streq(&c->json, t, "json_schema") || wr_json_streq(&c->json, t, "json_object");
}

void
wr_completion_json(struct wr_buf *out, const struct wr_chat *c, const int *scores,
    const struct wr_reply *reply, struct wr_buf *text)
{
	static const char *const finish[] = {"stop", "length", "stop", "content_filter"};
	struct wr_reply json = *reply;
	const struct wr_reply *r = reply;
	enum wr_stop stop;
	size_t answer_bytes;
	int top;

	if (wants_json(c)) {
		json.style = WR_STYLE_RATINGS;
		r = &json;
	}
	stop = wr_reply_text(text, c, scores, r);
	answer_bytes = stop == WR_STOP_REFUSAL ? strlen(wr_refusal_text) : text->len;

	wr_buf_printf(out, "{\"id\":\"%s\",\"object\":\"chat.completion\",\"created\":%ld,\"model\":",
	    r->id, r->created);
	wr_json_escape(out, c->model.s, c->model.len);
	wr_buf_adds(out, ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
	if (stop == WR_STOP_REFUSAL || stop == WR_STOP_FILTER)
		wr_buf_adds(out, "null");
	else
		wr_json_escape(out, text->s, text->len);
	wr_buf_adds(out, ",\"refusal\":");
	if (stop == WR_STOP_REFUSAL)
		wr_json_escapes(out, wr_refusal_text);
	else
		wr_buf_adds(out, "null");
	wr_buf_adds(out, "},\"logprobs\":");
	if ((top = wr_logprobs_asked(c, 0)) >= 0 && stop != WR_STOP_REFUSAL && stop != WR_STOP_FILTER)
		wr_logprobs_json(out, c, scores, text->s, text->len, top, 0);
	else
		wr_buf_adds(out, "null");
	wr_buf_printf(out, ",\"finish_reason\":\"%s\"}],"
	    "\"usage\":{\"prompt_tokens\":%zu,\"completion_tokens\":%zu,\"total_tokens\":%zu},"
	    "\"system_fingerprint\":\"wr-serve\"}",
	    finish[stop], wr_tokens(c->prompt_bytes), wr_tokens(answer_bytes),
	    wr_tokens(c->prompt_bytes) + wr_tokens(answer_bytes));
}

void
wr_error_json(struct wr_buf *out, const char *message, const char *type, const char *code)
{
	wr_buf_adds(out, "{\"error\":{\"message\":");
	wr_json_escapes(out, message);
	wr_buf_adds(out, ",\"type\":");
	wr_json_escapes(out, type);
	wr_buf_adds(out, ",\"param\":null,\"code\":");
	if (code)
		wr_json_escapes(out, code);
	else
		wr_buf_adds(out, "null");
	wr_buf_adds(out, "}}");
}

static enum wr_endpoint
route(const struct wr_serve_req *q, const char **allow)
{
	int get = strcmp(q->method, "GET") == 0 || strcmp(q->method, "HEAD") == 0;

	if (strcmp(q->path, "/v1/chat/completions") == 0) {
		*allow = "POST";
		return strcmp(q->method, "POST") == 0 ? WR_EP_GENERATE : WR_EP_BAD_METHOD;
	}
	if (strcmp(q->path, "/v1/models") == 0) {
		*allow = "GET, HEAD";
		return get ? WR_EP_MODELS : WR_EP_BAD_METHOD;
	}
	/* The last dialect asked: every other URL is unknown in OpenAI's words. */
	return WR_EP_UNKNOWN;
}

const char *
wr_serve_bearer(const struct wr_serve_req *q)
{
	const char *h = q->header(q, "Authorization");

	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	for (h += 7; *h == ' '; h++)
		;
	return h;
}

static int
parse(struct wr_chat *c, const struct wr_serve_req *q, const char *body, size_t len,
    const char **why)
{
	(void)q;
	return wr_chat_parse(c, body, len, why);
}

static void
answer(struct wr_buf *out, const struct wr_chat *c, const int *scores,
    const struct wr_reply *r, struct wr_buf *text)
{
	struct wr_reply rr = *r;
	char id[48];

	snprintf(id, sizeof id, "chatcmpl-%s", r->id);
	rr.id = id;
	wr_completion_json(out, c, scores, &rr, text);
}

static unsigned
error(struct wr_buf *out, enum wr_serve_err e, const char *message)
{
	static const struct {
		unsigned status;
		const char *type, *code, *message;
	} t[] = {
		[WR_ERR_INVALID] = {400, "invalid_request_error", "invalid_request", "Invalid request."},
		[WR_ERR_JSON] = {400, "invalid_request_error", "invalid_json", NULL},
		[WR_ERR_NO_KEY] = {401, "invalid_request_error", "invalid_api_key",
		    "Incorrect API key provided. Give it as \"Authorization: Bearer KEY\"."},
		[WR_ERR_BAD_KEY] = {401, "invalid_request_error", "invalid_api_key",
		    "Incorrect API key provided. Give it as \"Authorization: Bearer KEY\"."},
		[WR_ERR_NOT_FOUND] = {404, "invalid_request_error", "unknown_url", "Unknown request URL."},
		[WR_ERR_METHOD] = {405, "invalid_request_error", "method_not_allowed", "Method not allowed."},
		[WR_ERR_TOO_BIG] = {413, "invalid_request_error", "request_too_large", NULL},
		[WR_ERR_SERVER] = {500, "server_error", "internal_error",
		    "The server had an error while processing your request (wr-serve fault injection)."},
		[WR_ERR_RATE] = {429, "rate_limit_error", "rate_limit_exceeded",
		    "Rate limit reached for requests (wr-serve fault injection). Please try again later."},
		[WR_ERR_LIMIT_REQUESTS] = {429, "requests", "rate_limit_exceeded",
		    "Rate limit reached for requests per min (RPM). Please try again later."},
		[WR_ERR_LIMIT_TOKENS] = {429, "tokens", "rate_limit_exceeded",
		    "Rate limit reached for tokens per min (TPM). Please try again later."},
		[WR_ERR_OVERLOAD] = {503, "server_error", "overloaded",
		    "The server is overloaded (wr-serve fault injection). Please try again later."},
	};

	wr_error_json(out, message ? message : t[e].message, t[e].type, t[e].code);
	return t[e].status;
}

static void
models(struct wr_buf *out, const struct wr_serve_req *q, enum wr_endpoint ep)
{
	(void)q;
	(void)ep;
	wr_buf_printf(out, "{\"object\":\"list\",\"data\":[{\"id\":\"wr-serve\",\"object\":\"model\","
	    "\"created\":%ld,\"owned_by\":\"wr\"}]}", WR_SERVE_CREATED);
}

/* OpenAI's reset durations: "123ms" under a second, "1.5s" above. */
static void
duration(char *buf, size_t size, double sec)
{
	if (sec < 1)
		snprintf(buf, size, "%.0fms", sec * 1000);
	else if (sec < 1000)
		snprintf(buf, size, "%.3gs", sec);
	else
		snprintf(buf, size, "%.0fs", sec);
}

static void
limit_headers(const struct wr_limits *l, wr_add_header *add, void *ctx)
{
	static const char *const names[WR_NLIMITS] = {"requests", "tokens"};
	char name[48], value[32];
	int i;

	for (i = 0; i < WR_NLIMITS; i++) {
		if (!l->b[i].on)
			continue;
		snprintf(name, sizeof name, "x-ratelimit-limit-%s", names[i]);
		snprintf(value, sizeof value, "%.0f", l->b[i].limit);
		add(ctx, name, value);
		snprintf(name, sizeof name, "x-ratelimit-remaining-%s", names[i]);
		snprintf(value, sizeof value, "%ld", l->b[i].remaining);
		add(ctx, name, value);
		snprintf(name, sizeof name, "x-ratelimit-reset-%s", names[i]);
		duration(value, sizeof value, l->b[i].reset);
		add(ctx, name, value);
	}
}

const struct wr_serve_dialect wr_serve_openai = {
	.name = "openai",
	.route = route,
	.key = wr_serve_bearer,
	.check = NULL,
	.parse = parse,
	.answer = answer,
	.error = error,
	.models = models,
	.limit_headers = limit_headers,
	.limit_retry_after = 0,
	.request_id_header = "x-request-id",
};
