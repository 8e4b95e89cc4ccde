/* The OpenAI dialect: chat completions as they are, spoken by OpenAI and the many services that copy it. */
#include "dialect.h"

#include <string.h>

/* The request line's body is already this dialect's: nothing to translate. */
static int
openai_request(const struct wr_json *j, int body, size_t nentries, struct wr_buf *path, struct wr_buf *out,
    void (*warn)(void *arg, const char *field), void *arg, const char **why)
{
	(void)nentries, (void)path, (void)out, (void)warn, (void)arg;
	if (body < 0 || body >= j->n || j->tok[body].type != JSMN_OBJECT) {
		*why = "the body is not an object";
		return -1;
	}
	return 0;
}

static void
openai_read(const struct wr_json *j, int body, struct wr_reading *r)
{
	int choices, c, msg, content, refusal, fin, usage;

	memset(r, 0, sizeof *r);
	r->kind = WR_READ_NONE;
	r->content = -1;
	r->model = wr_dialect_string(j, wr_json_get(j, body, "model"));
	usage = wr_json_get(j, body, "usage");
	r->prompt_tokens = wr_dialect_num_or(j, wr_json_get(j, usage, "prompt_tokens"), -1);
	r->completion_tokens = wr_dialect_num_or(j, wr_json_get(j, usage, "completion_tokens"), -1);
	r->cached_tokens = wr_dialect_num_or(j, wr_json_path(j, usage, "prompt_tokens_details", "cached_tokens", NULL), -1);

	choices = wr_json_get(j, body, "choices");
	if ((c = wr_json_index(j, choices, 0)) < 0) {
		r->why = "no choices";
		return;
	}
	fin = wr_json_get(j, c, "finish_reason");
	r->cut = wr_json_streq(j, fin, "length");
	msg = wr_json_get(j, c, "message");
	content = wr_json_get(j, msg, "content");
	if (content >= 0 && (j->tok[content].type == JSMN_STRING || j->tok[content].type == JSMN_ARRAY))
		r->content = content;
	refusal = wr_json_get(j, msg, "refusal");
	if (refusal >= 0 && j->tok[refusal].type == JSMN_STRING && j->tok[refusal].end > j->tok[refusal].start) {
		r->kind = WR_READ_REFUSED;
		r->why = "refusal";
		return;
	}
	if (wr_json_streq(j, fin, "content_filter")) {
		r->kind = WR_READ_REFUSED;
		r->why = "finish_reason content_filter";
		return;
	}
	if (r->content < 0) {
		r->why = msg < 0 ? "no message" : "no content";
		return;
	}
	r->kind = WR_READ_ANSWER;
}

static int
openai_error(const struct wr_json *j, int root, long status, struct wr_buf *msg)
{
	int e = wr_json_get(j, root, "error"), m, code;

	/* OpenAI's statuses say enough; only the codes below say more. */
	(void)status;
	if (e >= 0 && j->tok[e].type == JSMN_STRING) {
		/* Some copies send {"error": "text"}. */
		wr_json_str(j, e, msg);
		return WR_ERR_DEFAULT;
	}
	if ((m = wr_dialect_string(j, wr_json_get(j, e, "message"))) >= 0)
		wr_json_str(j, m, msg);
	code = wr_json_get(j, e, "code");
	/* A 429 for a used-up quota does not pass with waiting; neither does a bad key. */
	if (wr_json_streq(j, code, "insufficient_quota") || wr_json_streq(j, wr_json_get(j, e, "type"), "insufficient_quota"))
		return WR_ERR_STOP;
	if (wr_json_streq(j, code, "invalid_api_key"))
		return WR_ERR_STOP;
	return WR_ERR_DEFAULT;
}

static void
openai_header(struct wr_limits *l, const char *name, size_t nlen, const char *val, size_t vlen, time_t now)
{
	static const struct wr_dialect_limit h[] = {
		{"x-ratelimit-limit-requests", offsetof(struct wr_limits, limit_requests), WR_LIMIT_COUNT},
		{"x-ratelimit-limit-tokens", offsetof(struct wr_limits, limit_tokens), WR_LIMIT_COUNT},
		{"x-ratelimit-remaining-requests", offsetof(struct wr_limits, remaining_requests), WR_LIMIT_COUNT},
		{"x-ratelimit-remaining-tokens", offsetof(struct wr_limits, remaining_tokens), WR_LIMIT_COUNT},
		{"x-ratelimit-reset-requests", offsetof(struct wr_limits, reset_requests), WR_LIMIT_DURATION},
		{"x-ratelimit-reset-tokens", offsetof(struct wr_limits, reset_tokens), WR_LIMIT_DURATION},
	};

	if (nlen >= 12 && wr_dialect_name_is(name, 12, "x-ratelimit-"))
		wr_dialect_limit(l, h, sizeof h / sizeof *h, name, nlen, val, vlen, now);
}

static const char *const openai_headers[] = {NULL};

const struct wr_dialect wr_dialect_openai = {
	.name = "openai",
	.base_url = "https://api.openai.com/v1",
	.key_env = "OPENAI_API_KEY",
	.key_header = "Authorization",
	.key_prefix = "Bearer ",
	.headers = openai_headers,
	.request = openai_request,
	.read = openai_read,
	.error = openai_error,
	.header = openai_header,
};
