/* The Gemini dialect: generateContent (POST /v1beta/models/{model}:generateContent) and its answers and errors. */
#include "dialect.h"

#include <string.h>

enum {
	F_MODEL, F_MESSAGES, F_MAX, F_MAXC, F_STOP, F_TEMP, F_TOPP, F_N, F_SEED, F_PRES, F_FREQ,
	F_LOGPROBS, F_TOPLOG, F_FORMAT, F_COUNT
};

static const char *const fields[F_COUNT] = {
	"model", "messages", "max_tokens", "max_completion_tokens", "stop", "temperature", "top_p",
	"n", "seed", "presence_penalty", "frequency_penalty", "logprobs", "top_logprobs", "response_format",
};

/* Append ,"key":value (or without the comma when cfg is empty). */
static void
cfg_key(struct wr_buf *cfg, const char *key)
{
	wr_buf_printf(cfg, "%s\"%s\":", cfg->len ? "," : "", key);
}

/* A number field copied as it is; a non-number is warned about. */
static void
cfg_num(struct wr_buf *cfg, const char *key, const struct wr_json *j, int val, const char *field,
    struct wr_buf *seen, void (*warn)(void *, const char *), void *arg)
{
	if (val < 0)
		return;
	if (!wr_dialect_is_num(j, val)) {
		wr_dialect_warn_once(seen, field, warn, arg);
		return;
	}
	cfg_key(cfg, key);
	wr_dialect_add_text(cfg, j, val);
}

/* The model's path: "models/NAME" (a leading "models/" dropped), or "tunedModels/NAME" as it is. */
static int
model_path(const struct wr_json *j, int model, struct wr_buf *path)
{
	struct wr_buf m = {0};
	const char *s;
	size_t i, n;

	if (model < 0 || j->tok[model].type != JSMN_STRING || wr_json_str(j, model, &m) < 0) {
		wr_buf_free(&m);
		return -1;
	}
	s = m.s;
	n = m.len;
	if (n >= 7 && memcmp(s, "models/", 7) == 0)
		s += 7, n -= 7;
	if (n > 12 && memcmp(s, "tunedModels/", 12) == 0) {
		wr_buf_adds(path, "/tunedModels/");
		s += 12, n -= 12;
	} else {
		wr_buf_adds(path, "/models/");
	}
	if (n == 0) {
		wr_buf_free(&m);
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		/* Unreserved bytes as they are; everything else, '/' and ':' among them, escaped. */
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~')
			wr_buf_addc(path, (char)c);
		else
			wr_buf_printf(path, "%%%02X", c);
	}
	wr_buf_adds(path, ":generateContent");
	wr_buf_free(&m);
	return 0;
}

static int
gemini_request(const struct wr_json *j, int body, size_t nentries, struct wr_buf *path, struct wr_buf *out,
    void (*warn)(void *arg, const char *field), void *arg, const char **why)
{
	static const struct wr_dialect_msgfmt fmt = {"user", "model", "parts", "{\"text\":", 0};
	struct wr_buf seen = {0}, sys = {0}, msgs = {0}, cfg = {0};
	int f[F_COUNT], rc = -1, lp;
	double v;

	(void)nentries;
	static const struct wr_dialect_moot moot[] = {{"stream", "false"}, {NULL, NULL}};

	if (wr_dialect_pick(j, body, fields, F_COUNT, f, moot, &seen, warn, arg, why) != 0)
		return -1;
	if (model_path(j, f[F_MODEL], path) < 0) {
		*why = "no model";
		goto done;
	}
	if (wr_dialect_messages(j, f[F_MESSAGES], &fmt, &sys, &msgs, &seen, warn, arg, why) < 0)
		goto done;

	if (f[F_MAX] >= 0 && !wr_dialect_is_num(j, f[F_MAX])) {
		wr_dialect_warn_once(&seen, "max_tokens", warn, arg);
		f[F_MAX] = -1;
	}
	cfg_num(&cfg, "maxOutputTokens", j, f[F_MAX] >= 0 ? f[F_MAX] : f[F_MAXC],
	    f[F_MAX] >= 0 ? "max_tokens" : "max_completion_tokens", &seen, warn, arg);
	cfg_num(&cfg, "temperature", j, f[F_TEMP], "temperature", &seen, warn, arg);
	cfg_num(&cfg, "topP", j, f[F_TOPP], "top_p", &seen, warn, arg);
	wr_dialect_stop(&cfg, cfg.len > 0, "stopSequences", j, f[F_STOP], &seen, warn, arg);
	cfg_num(&cfg, "candidateCount", j, f[F_N], "n", &seen, warn, arg);
	cfg_num(&cfg, "seed", j, f[F_SEED], "seed", &seen, warn, arg);
	cfg_num(&cfg, "presencePenalty", j, f[F_PRES], "presence_penalty", &seen, warn, arg);
	cfg_num(&cfg, "frequencyPenalty", j, f[F_FREQ], "frequency_penalty", &seen, warn, arg);
	lp = wr_dialect_bool(j, f[F_LOGPROBS]) == 1;
	if (f[F_LOGPROBS] >= 0 && wr_dialect_bool(j, f[F_LOGPROBS]) < 0)
		wr_dialect_warn_once(&seen, "logprobs", warn, arg);
	if (lp) {
		cfg_key(&cfg, "responseLogprobs");
		wr_buf_adds(&cfg, "true");
	}
	if (f[F_TOPLOG] >= 0) {
		/* Gemini, like OpenAI, gives top candidates only along with the chosen tokens' logprobs. */
		if (!lp || wr_json_num(j, f[F_TOPLOG], &v) < 0)
			wr_dialect_warn_once(&seen, "top_logprobs", warn, arg);
		else if (v > 0) {
			cfg_key(&cfg, "logprobs");
			wr_dialect_add_text(&cfg, j, f[F_TOPLOG]);
		}
	}
	if (f[F_FORMAT] >= 0) {
		int t = wr_json_get(j, f[F_FORMAT], "type"), schema;
		if (wr_json_streq(j, t, "text")) {
			;
		} else if (wr_json_streq(j, t, "json_object")) {
			cfg_key(&cfg, "responseMimeType");
			wr_buf_adds(&cfg, "\"application/json\"");
		} else if (wr_json_streq(j, t, "json_schema") &&
		    (schema = wr_json_path(j, f[F_FORMAT], "json_schema", "schema", NULL)) >= 0 &&
		    j->tok[schema].type == JSMN_OBJECT) {
			/* responseJsonSchema takes JSON Schema as it is; responseSchema wants OpenAPI's subset. */
			cfg_key(&cfg, "responseMimeType");
			wr_buf_adds(&cfg, "\"application/json\"");
			cfg_key(&cfg, "responseJsonSchema");
			wr_dialect_add_text(&cfg, j, schema);
		} else {
			wr_dialect_warn_once(&seen, "response_format", warn, arg);
		}
	}

	wr_buf_adds(out, "{\"contents\":[");
	wr_buf_add(out, msgs.s, msgs.len);
	wr_buf_addc(out, ']');
	if (sys.len) {
		wr_buf_adds(out, ",\"systemInstruction\":{\"parts\":[{\"text\":");
		wr_json_escape(out, sys.s, sys.len);
		wr_buf_adds(out, "}]}");
	}
	if (cfg.len) {
		wr_buf_adds(out, ",\"generationConfig\":{");
		wr_buf_add(out, cfg.s, cfg.len);
		wr_buf_addc(out, '}');
	}
	wr_buf_addc(out, '}');
	rc = 0;
done:
	wr_buf_free(&seen);
	wr_buf_free(&sys);
	wr_buf_free(&msgs);
	wr_buf_free(&cfg);
	return rc;
}

/* finishReason values that mean the answer was withheld, each with its reason. */
static const char *const refused[] = {
	"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT",
};
static const char *const refused_why[] = {
	"finishReason SAFETY", "finishReason PROHIBITED_CONTENT", "finishReason BLOCKLIST",
	"finishReason SPII", "finishReason IMAGE_SAFETY", "finishReason IMAGE_PROHIBITED_CONTENT",
};

static void
gemini_read(const struct wr_json *j, int body, struct wr_reading *r)
{
	int c, fin, parts, usage;
	double cand, thoughts;
	size_t i;

	memset(r, 0, sizeof *r);
	r->kind = WR_READ_NONE;
	r->content = -1;
	r->model = wr_dialect_string(j, wr_json_get(j, body, "modelVersion"));
	usage = wr_json_get(j, body, "usageMetadata");
	/* promptTokenCount includes the cached tokens. */
	r->prompt_tokens = wr_dialect_num_or(j, wr_json_get(j, usage, "promptTokenCount"), -1);
	r->cached_tokens = wr_dialect_num_or(j, wr_json_get(j, usage, "cachedContentTokenCount"), -1);
	cand = wr_dialect_num_or(j, wr_json_get(j, usage, "candidatesTokenCount"), -1);
	thoughts = wr_dialect_num_or(j, wr_json_get(j, usage, "thoughtsTokenCount"), -1);
	/* Thinking is billed as output. */
	r->completion_tokens = cand < 0 && thoughts < 0 ? -1 : (cand > 0 ? cand : 0) + (thoughts > 0 ? thoughts : 0);

	if ((c = wr_json_index(j, wr_json_get(j, body, "candidates"), 0)) < 0) {
		if (wr_json_path(j, body, "promptFeedback", "blockReason", NULL) >= 0) {
			r->kind = WR_READ_REFUSED;
			r->why = "promptFeedback blockReason";
		} else {
			r->why = "no candidates";
		}
		return;
	}
	fin = wr_json_get(j, c, "finishReason");
	r->cut = wr_json_streq(j, fin, "MAX_TOKENS");
	parts = wr_json_path(j, c, "content", "parts", NULL);
	if (parts >= 0 && j->tok[parts].type == JSMN_ARRAY)
		r->content = parts;
	for (i = 0; i < sizeof refused / sizeof *refused; i++) {
		if (wr_json_streq(j, fin, refused[i])) {
			r->kind = WR_READ_REFUSED;
			r->why = refused_why[i];
			return;
		}
	}
	if (r->content < 0) {
		r->why = wr_json_streq(j, fin, "RECITATION") ? "finishReason RECITATION" : "no content";
		return;
	}
	r->kind = WR_READ_ANSWER;
}

static int
gemini_error(const struct wr_json *j, int root, long status, struct wr_buf *msg)
{
	static const struct { const char *status; int how; } st[] = {
		{"RESOURCE_EXHAUSTED", WR_ERR_RETRY}, {"UNAVAILABLE", WR_ERR_RETRY},
		{"INTERNAL", WR_ERR_RETRY}, {"DEADLINE_EXCEEDED", WR_ERR_RETRY},
		{"UNAUTHENTICATED", WR_ERR_STOP}, {"PERMISSION_DENIED", WR_ERR_STOP},
		{"NOT_FOUND", WR_ERR_FINAL},
	};
	int e = wr_json_get(j, root, "error"), m, s, d, k, item;
	size_t i;

	/* Batch and some proxies wrap the error in an array. */
	if (root >= 0 && j->tok[root].type == JSMN_ARRAY)
		e = wr_json_get(j, wr_json_index(j, root, 0), "error");
	if ((m = wr_dialect_string(j, wr_json_get(j, e, "message"))) >= 0)
		wr_json_str(j, m, msg);
	s = wr_json_get(j, e, "status");
	/* A bad key comes as 400 INVALID_ARGUMENT; only the details tell it apart. */
	d = wr_json_get(j, e, "details");
	if (d >= 0 && j->tok[d].type == JSMN_ARRAY)
		for (k = 0, item = d + 1; k < j->tok[d].size; k++, item = wr_json_skip(j, item))
			if (wr_json_streq(j, wr_json_get(j, item, "reason"), "API_KEY_INVALID"))
				return WR_ERR_STOP;
	for (i = 0; i < sizeof st / sizeof *st; i++)
		if (wr_json_streq(j, s, st[i].status))
			return st[i].how;
	if (wr_json_streq(j, s, "INVALID_ARGUMENT") && status == 400)
		return WR_ERR_FINAL;
	return WR_ERR_DEFAULT;
}

/* Gemini sends no rate-limit headers; a 429 carries RESOURCE_EXHAUSTED and Retry-After at most. */
static void
gemini_header(struct wr_limits *l, const char *name, size_t nlen, const char *val, size_t vlen, time_t now)
{
	(void)l, (void)name, (void)nlen, (void)val, (void)vlen, (void)now;
}

static const char *const gemini_headers[] = {NULL};

const struct wr_dialect wr_dialect_gemini = {
	.name = "gemini",
	.base_url = "https://generativelanguage.googleapis.com/v1beta",
	.key_env = "GEMINI_API_KEY",
	.key_header = "x-goog-api-key",
	.key_prefix = "",
	.headers = gemini_headers,
	.request = gemini_request,
	.read = gemini_read,
	.error = gemini_error,
	.header = gemini_header,
};
