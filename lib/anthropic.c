/* The Anthropic dialect: the Messages API (POST /v1/messages) and its answers, errors and rate-limit headers. */
#include "dialect.h"

#include <string.h>

/* Body fields of an OpenAI chat request that the Messages API takes in another form. */
enum { F_MODEL, F_MESSAGES, F_MAX, F_MAXC, F_STOP, F_TEMP, F_TOPP, F_USER, F_SAFETY, F_N };

static const char *const fields[F_N] = {
	"model", "messages", "max_tokens", "max_completion_tokens", "stop", "temperature", "top_p",
	"user", "safety_identifier",
};

static int
anthropic_request(const struct wr_json *j, int body, size_t nentries, struct wr_buf *path, struct wr_buf *out,
    void (*warn)(void *arg, const char *field), void *arg, const char **why)
{
	static const struct wr_dialect_msgfmt fmt = {"user", "assistant", "content", "{\"type\":\"text\",\"text\":", 1};
	struct wr_buf seen = {0}, sys = {0}, msgs = {0};
	int f[F_N], i, rc = -1;
	double v;

	/* One choice, no streaming and no logprobs are what the Messages API does anyway. */
	static const struct wr_dialect_moot moot[] = {{"n", "1"}, {"stream", "false"}, {"logprobs", "false"}, {NULL, NULL}};

	if (wr_dialect_pick(j, body, fields, F_N, f, moot, &seen, warn, arg, why) != 0)
		return -1;
	if (f[F_MODEL] < 0 || j->tok[f[F_MODEL]].type != JSMN_STRING) {
		*why = "no model";
		goto done;
	}
	if (wr_dialect_messages(j, f[F_MESSAGES], &fmt, &sys, &msgs, &seen, warn, arg, why) < 0)
		goto done;

	wr_buf_adds(path, "/messages");
	wr_buf_adds(out, "{\"model\":");
	wr_dialect_add_text(out, j, f[F_MODEL]);
	wr_buf_adds(out, ",\"max_tokens\":");
	if (f[F_MAX] >= 0 && !wr_dialect_is_num(j, f[F_MAX])) {
		wr_dialect_warn_once(&seen, "max_tokens", warn, arg);
		f[F_MAX] = -1;
	}
	if (f[F_MAXC] >= 0 && !wr_dialect_is_num(j, f[F_MAXC])) {
		wr_dialect_warn_once(&seen, "max_completion_tokens", warn, arg);
		f[F_MAXC] = -1;
	}
	if (f[F_MAX] >= 0)
		wr_dialect_add_text(out, j, f[F_MAX]);
	else if (f[F_MAXC] >= 0)
		wr_dialect_add_text(out, j, f[F_MAXC]);
	else
		wr_buf_printf(out, "%zu", (size_t)WR_DIALECT_MAX_TOKENS(nentries));
	if (sys.len) {
		wr_buf_adds(out, ",\"system\":");
		wr_json_escape(out, sys.s, sys.len);
	}
	wr_buf_adds(out, ",\"messages\":[");
	wr_buf_add(out, msgs.s, msgs.len);
	wr_buf_addc(out, ']');
	wr_dialect_stop(out, 1, "stop_sequences", j, f[F_STOP], &seen, warn, arg);
	if (f[F_TEMP] >= 0) {
		if (wr_json_num(j, f[F_TEMP], &v) < 0) {
			wr_dialect_warn_once(&seen, "temperature", warn, arg);
			f[F_TEMP] = -1;
		} else if (v > 1) {
			/* OpenAI's range is 0..2, Anthropic's 0..1. */
			wr_dialect_warn_once(&seen, "temperature", warn, arg);
			wr_buf_adds(out, ",\"temperature\":1");
		} else {
			wr_buf_adds(out, ",\"temperature\":");
			wr_dialect_add_text(out, j, f[F_TEMP]);
		}
	}
	if (f[F_TOPP] >= 0) {
		/* Claude 4.5 and later reject temperature and top_p together; keep temperature. */
		if (f[F_TEMP] >= 0 || !wr_dialect_is_num(j, f[F_TOPP])) {
			wr_dialect_warn_once(&seen, "top_p", warn, arg);
		} else {
			wr_buf_adds(out, ",\"top_p\":");
			wr_dialect_add_text(out, j, f[F_TOPP]);
		}
	}
	i = f[F_SAFETY] >= 0 ? F_SAFETY : F_USER;
	if (f[i] >= 0) {
		if (j->tok[f[i]].type == JSMN_STRING) {
			wr_buf_adds(out, ",\"metadata\":{\"user_id\":");
			wr_dialect_add_text(out, j, f[i]);
			wr_buf_addc(out, '}');
		} else {
			wr_dialect_warn_once(&seen, fields[i], warn, arg);
		}
	}
	wr_buf_addc(out, '}');
	rc = 0;
done:
	wr_buf_free(&seen);
	wr_buf_free(&sys);
	wr_buf_free(&msgs);
	return rc;
}

static void
anthropic_read(const struct wr_json *j, int body, struct wr_reading *r)
{
	int content, stop, usage;
	double in, cw, cr;

	memset(r, 0, sizeof *r);
	r->kind = WR_READ_NONE;
	r->content = -1;
	r->model = wr_dialect_string(j, wr_json_get(j, body, "model"));
	usage = wr_json_get(j, body, "usage");
	in = wr_dialect_num_or(j, wr_json_get(j, usage, "input_tokens"), -1);
	cw = wr_dialect_num_or(j, wr_json_get(j, usage, "cache_creation_input_tokens"), -1);
	cr = wr_dialect_num_or(j, wr_json_get(j, usage, "cache_read_input_tokens"), -1);
	/* input_tokens counts only what was neither written to nor read from the cache. */
	r->prompt_tokens = in < 0 && cw < 0 && cr < 0 ? -1 : (in > 0 ? in : 0) + (cw > 0 ? cw : 0) + (cr > 0 ? cr : 0);
	r->cached_tokens = cr;
	r->completion_tokens = wr_dialect_num_or(j, wr_json_get(j, usage, "output_tokens"), -1);

	stop = wr_json_get(j, body, "stop_reason");
	/* model_context_window_exceeded: the answer ran into the context window, cut as by max_tokens. */
	r->cut = wr_json_streq(j, stop, "max_tokens") || wr_json_streq(j, stop, "model_context_window_exceeded");
	content = wr_json_get(j, body, "content");
	if (content >= 0 && j->tok[content].type == JSMN_ARRAY)
		r->content = content;
	if (wr_json_streq(j, stop, "refusal")) {
		r->kind = WR_READ_REFUSED;
		r->why = "stop_reason refusal";
		return;
	}
	if (r->content < 0) {
		r->why = "no content";
		return;
	}
	r->kind = WR_READ_ANSWER;
}

static int
anthropic_error(const struct wr_json *j, int root, long status, struct wr_buf *msg)
{
	static const struct { const char *type; int how; } types[] = {
		{"overloaded_error", WR_ERR_RETRY}, {"rate_limit_error", WR_ERR_RETRY},
		{"api_error", WR_ERR_RETRY}, {"timeout_error", WR_ERR_RETRY},
		{"authentication_error", WR_ERR_STOP}, {"permission_error", WR_ERR_STOP},
		/* 402: no credit left; every further request would fail alike. */
		{"billing_error", WR_ERR_STOP},
		{"invalid_request_error", WR_ERR_FINAL}, {"not_found_error", WR_ERR_FINAL},
		{"request_too_large", WR_ERR_FINAL},
	};
	int e = wr_json_get(j, root, "error"), m, t;
	size_t i;

	if ((m = wr_dialect_string(j, wr_json_get(j, e, "message"))) >= 0)
		wr_json_str(j, m, msg);
	/* 529 is Anthropic's "overloaded", whatever (or whether) the body says. */
	if (status == 529)
		return WR_ERR_RETRY;
	t = wr_json_get(j, e, "type");
	for (i = 0; i < sizeof types / sizeof *types; i++)
		if (wr_json_streq(j, t, types[i].type))
			return types[i].how;
	return WR_ERR_DEFAULT;
}

static void
anthropic_header(struct wr_limits *l, const char *name, size_t nlen, const char *val, size_t vlen, time_t now)
{
	static const struct wr_dialect_limit h[] = {
		{"requests-limit", offsetof(struct wr_limits, limit_requests), WR_LIMIT_COUNT},
		{"requests-remaining", offsetof(struct wr_limits, remaining_requests), WR_LIMIT_COUNT},
		{"requests-reset", offsetof(struct wr_limits, reset_requests), WR_LIMIT_RESET_AT},
		{"tokens-limit", offsetof(struct wr_limits, limit_tokens), WR_LIMIT_COUNT},
		{"tokens-remaining", offsetof(struct wr_limits, remaining_tokens), WR_LIMIT_COUNT},
		{"tokens-reset", offsetof(struct wr_limits, reset_tokens), WR_LIMIT_RESET_AT},
		{"input-tokens-limit", offsetof(struct wr_limits, limit_input_tokens), WR_LIMIT_COUNT},
		{"input-tokens-remaining", offsetof(struct wr_limits, remaining_input_tokens), WR_LIMIT_COUNT},
		{"input-tokens-reset", offsetof(struct wr_limits, reset_input_tokens), WR_LIMIT_RESET_AT},
		{"output-tokens-limit", offsetof(struct wr_limits, limit_output_tokens), WR_LIMIT_COUNT},
		{"output-tokens-remaining", offsetof(struct wr_limits, remaining_output_tokens), WR_LIMIT_COUNT},
		{"output-tokens-reset", offsetof(struct wr_limits, reset_output_tokens), WR_LIMIT_RESET_AT},
	};
	static const char prefix[] = "anthropic-ratelimit-";
	const size_t pl = sizeof prefix - 1;

	if (nlen > pl && wr_dialect_name_is(name, pl, prefix))
		wr_dialect_limit(l, h, sizeof h / sizeof *h, name + pl, nlen - pl, val, vlen, now);
}

static const char *const anthropic_headers[] = {"anthropic-version: 2023-06-01", NULL};

const struct wr_dialect wr_dialect_anthropic = {
	.name = "anthropic",
	.base_url = "https://api.anthropic.com/v1",
	.key_env = "ANTHROPIC_API_KEY",
	.key_header = "x-api-key",
	.key_prefix = "",
	.headers = anthropic_headers,
	.request = anthropic_request,
	.read = anthropic_read,
	.error = anthropic_error,
	.header = anthropic_header,
};
