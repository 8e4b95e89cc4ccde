/* wr-serve's Gemini dialect: generateContent, the model list and Google's errors (no rate headers). */
#include "serve.h"

#include <stdio.h>
#include <string.h>

#define PREFIX "/v1beta/models"
#define PREFIX_LEN (sizeof PREFIX - 1)
#define METHOD ":generateContent"
#define METHOD_LEN (sizeof METHOD - 1)

/* The model named in path after PREFIX "/", and its length up to any ':'. */
static const char *
path_model(const char *path, size_t *len)
{
	const char *m = path + PREFIX_LEN + 1, *colon = strchr(m, ':');

	*len = colon ? (size_t)(colon - m) : strlen(m);
	return m;
}

static enum wr_endpoint
route(const struct wr_serve_req *q, const char **allow)
{
	int get = strcmp(q->method, "GET") == 0 || strcmp(q->method, "HEAD") == 0;
	const char *p = q->path, *colon;
	size_t n;

	if (strncmp(p, "/v1beta/", 8) != 0 && strcmp(p, "/v1beta") != 0)
		return WR_EP_NONE;
	if (strcmp(p, PREFIX) == 0) {
		*allow = "GET, HEAD";
		return get ? WR_EP_MODELS : WR_EP_BAD_METHOD;
	}
	if (strncmp(p, PREFIX "/", PREFIX_LEN + 1) != 0 || strchr(p + PREFIX_LEN + 1, '/'))
		return WR_EP_UNKNOWN;
	path_model(p, &n);
	if (n == 0)
		return WR_EP_UNKNOWN;
	colon = strchr(p + PREFIX_LEN + 1, ':');
	if (!colon) {
		*allow = "GET, HEAD";
		return get ? WR_EP_MODEL : WR_EP_BAD_METHOD;
	}
	if (strcmp(colon, METHOD) != 0)
		return WR_EP_UNKNOWN;
	*allow = "POST";
	return strcmp(q->method, "POST") == 0 ? WR_EP_GENERATE : WR_EP_BAD_METHOD;
}

static const char *
key(const struct wr_serve_req *q)
{
	const char *k = q->header(q, "x-goog-api-key");

	return k ? k : q->arg(q, "key");
}

/* A field by its JSON name or its proto name (the REST API takes both). */
static int
get2(const struct wr_json *j, int obj, const char *camel, const char *snake)
{
	int t = wr_json_get(j, obj, camel);

	return t >= 0 ? t : wr_json_get(j, obj, snake);
}

static int
parse(struct wr_chat *c, const struct wr_serve_req *q, const char *body, size_t len,
    const char **why)
{
	struct wr_json *j = &c->json;
	const char *model;
	size_t n;
	int contents, m, k, role, user = -1, t, gc;

	if (wr_chat_begin(c, body, len, why))
		return -1;
	model = path_model(q->path, &n);
	wr_buf_add(&c->model, model, n);
	gc = get2(j, 0, "generationConfig", "generation_config");
	if (gc >= 0 && !wr_json_isnull(j, gc)) {
		if (j->tok[gc].type != JSMN_OBJECT) {
			*why = "Invalid value at 'generation_config': not an object.";
			return -1;
		}
		if (wr_chat_max_tokens(c, get2(j, gc, "maxOutputTokens", "max_output_tokens"),
		    "generation_config.max_output_tokens", why))
			return -1;
	}
	t = get2(j, 0, "systemInstruction", "system_instruction");
	if (t >= 0 && !wr_json_isnull(j, t)) {
		if (j->tok[t].type != JSMN_OBJECT || wr_chat_count(c, j, wr_json_get(j, t, "parts"))) {
			*why = "Invalid value at 'system_instruction': expected a Content with parts.";
			return -1;
		}
	}
	contents = wr_json_get(j, 0, "contents");
	if (contents < 0 || j->tok[contents].type != JSMN_ARRAY) {
		*why = "* GenerateContentRequest.contents: contents is not specified";
		return -1;
	}
	for (k = 0; (m = wr_json_index(j, contents, k)) >= 0; k++) {
		role = wr_json_get(j, m, "role");
		if (role >= 0 && !wr_json_isnull(j, role) && !wr_json_streq(j, role, "user")) {
			if (wr_json_streq(j, role, "model"))
				continue;
			*why = "Please use a valid role: user, model.";
			return -1;
		}
		user = m;
		if (j->tok[m].type != JSMN_OBJECT || wr_chat_count(c, j, wr_json_get(j, m, "parts"))) {
			*why = "Invalid value at 'contents': expected a Content with parts.";
			return -1;
		}
	}
	return wr_chat_user(c, j, user < 0 ? -1 : wr_json_get(j, user, "parts"),
	    "* GenerateContentRequest.contents: contents is not specified", why);
}

static void
safety_ratings(struct wr_buf *out)
{
	wr_buf_adds(out, "\"safetyRatings\":["
	    "{\"category\":\"HARM_CATEGORY_HATE_SPEECH\",\"probability\":\"NEGLIGIBLE\"},"
	    "{\"category\":\"HARM_CATEGORY_DANGEROUS_CONTENT\",\"probability\":\"HIGH\",\"blocked\":true},"
	    "{\"category\":\"HARM_CATEGORY_HARASSMENT\",\"probability\":\"NEGLIGIBLE\"},"
	    "{\"category\":\"HARM_CATEGORY_SEXUALLY_EXPLICIT\",\"probability\":\"NEGLIGIBLE\"}]");
}

/*
 * A refusal is a candidate that stopped for SAFETY with no content; a
 * filter blocks the prompt itself: no candidates, promptFeedback.blockReason.
 */
static void
answer(struct wr_buf *out, const struct wr_chat *c, const int *scores,
    const struct wr_reply *r, struct wr_buf *text)
{
	static const char *const finish[] = {"STOP", "MAX_TOKENS", "SAFETY", "SAFETY"};
	enum wr_stop stop = wr_reply_text(text, c, scores, r);
	size_t in = wr_tokens(c->prompt_bytes), outn = wr_tokens(text->len);
	int top;

	wr_buf_adds(out, "{");
	if (stop == WR_STOP_FILTER) {
		wr_buf_adds(out, "\"promptFeedback\":{\"blockReason\":\"SAFETY\",");
		safety_ratings(out);
		wr_buf_printf(out, "},\"usageMetadata\":{\"promptTokenCount\":%zu,\"totalTokenCount\":%zu}",
		    in, in);
	} else {
		wr_buf_adds(out, "\"candidates\":[{");
		if (stop == WR_STOP_REFUSAL) {
			wr_buf_adds(out, "\"finishReason\":\"SAFETY\",\"index\":0,");
			safety_ratings(out);
		} else {
			wr_buf_adds(out, "\"content\":{\"parts\":[{\"text\":");
			wr_json_escape(out, text->s, text->len);
			wr_buf_printf(out, "}],\"role\":\"model\"},\"finishReason\":\"%s\",\"index\":0",
			    finish[stop]);
			if ((top = wr_logprobs_asked(c, 1)) >= 0) {
				wr_buf_adds(out, ",\"logprobsResult\":");
				wr_logprobs_json(out, c, scores, text->s, text->len, top, 1);
			}
		}
		wr_buf_printf(out, "}],\"usageMetadata\":{\"promptTokenCount\":%zu,"
		    "\"candidatesTokenCount\":%zu,\"totalTokenCount\":%zu}", in, outn, in + outn);
	}
	wr_buf_adds(out, ",\"modelVersion\":");
	wr_json_escape(out, c->model.s, c->model.len);
	wr_buf_printf(out, ",\"responseId\":\"%s\"}", r->id);
}

static unsigned
error(struct wr_buf *out, enum wr_serve_err e, const char *message)
{
	static const struct {
		unsigned status;
		const char *status_name, *message;
	} t[] = {
		[WR_ERR_INVALID] = {400, "INVALID_ARGUMENT", "Request contains an invalid argument."},
		[WR_ERR_JSON] = {400, "INVALID_ARGUMENT", "Invalid JSON payload received."},
		[WR_ERR_NO_KEY] = {403, "PERMISSION_DENIED",
		    "Method doesn't allow unregistered callers (callers without established identity). "
		    "Please use API Key or other form of API consumer identity to call this API."},
		[WR_ERR_BAD_KEY] = {400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key."},
		[WR_ERR_NOT_FOUND] = {404, "NOT_FOUND", "Not found."},
		[WR_ERR_METHOD] = {405, "UNIMPLEMENTED", "Method not allowed."},
		[WR_ERR_TOO_BIG] = {400, "INVALID_ARGUMENT", NULL},
		[WR_ERR_SERVER] = {500, "INTERNAL",
		    "An internal error has occurred (wr-serve fault injection). Please retry."},
		[WR_ERR_RATE] = {429, "RESOURCE_EXHAUSTED",
		    "Resource has been exhausted (wr-serve fault injection)."},
		[WR_ERR_LIMIT_REQUESTS] = {429, "RESOURCE_EXHAUSTED",
		    "You exceeded your current quota of requests per minute."},
		[WR_ERR_LIMIT_TOKENS] = {429, "RESOURCE_EXHAUSTED",
		    "You exceeded your current quota of input tokens per minute."},
		[WR_ERR_OVERLOAD] = {503, "UNAVAILABLE", "The model is overloaded. Please try again later."},
	};

	wr_buf_printf(out, "{\"error\":{\"code\":%u,\"message\":", t[e].status);
	wr_json_escapes(out, message ? message : t[e].message);
	wr_buf_printf(out, ",\"status\":\"%s\"", t[e].status_name);
	if (e == WR_ERR_BAD_KEY)
		wr_buf_adds(out, ",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\","
		    "\"reason\":\"API_KEY_INVALID\",\"domain\":\"googleapis.com\","
		    "\"metadata\":{\"service\":\"generativelanguage.googleapis.com\"}}]");
	wr_buf_adds(out, "}}");
	return t[e].status;
}

static void
add_model(struct wr_buf *out, const char *id, size_t len)
{
	struct wr_buf name = {0};

	wr_buf_adds(&name, "models/");
	wr_buf_add(&name, id, len);
	wr_buf_adds(out, "{\"name\":");
	wr_json_escape(out, name.s, name.len);
	wr_buf_free(&name);
	wr_buf_adds(out, ",\"version\":\"001\",\"displayName\":");
	wr_json_escape(out, id, len);
	wr_buf_adds(out, ",\"description\":\"wr-serve rates crossword entries from the SCOWL lists.\","
	    "\"inputTokenLimit\":1048576,\"outputTokenLimit\":65536,"
	    "\"supportedGenerationMethods\":[\"generateContent\"]}");
}

static void
models(struct wr_buf *out, const struct wr_serve_req *q, enum wr_endpoint ep)
{
	const char *m;
	size_t n;

	if (ep == WR_EP_MODEL) {
		m = path_model(q->path, &n);
		add_model(out, m, n);
		return;
	}
	wr_buf_adds(out, "{\"models\":[");
	add_model(out, "wr-serve", 8);
	wr_buf_adds(out, "]}");
}

const struct wr_serve_dialect wr_serve_gemini = {
	.name = "gemini",
	.route = route,
	.key = key,
	.check = NULL,
	.parse = parse,
	.answer = answer,
	.error = error,
	.models = models,
	.limit_headers = NULL,
	.limit_retry_after = 0,
	.request_id_header = "x-request-id",
};
