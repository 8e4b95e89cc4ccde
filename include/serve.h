/* wr-serve's model: reading a chat request, rating its entries, and shaping the answer or fault. */
#ifndef WR_SERVE_H
#define WR_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "hash.h"
#include "json.h"
#include "lexicon.h"

/* Answer shapes; WR_STYLE_MIX picks one of the others per request. */
enum wr_style {
	WR_STYLE_PLAIN, WR_STYLE_COLON, WR_STYLE_DASH, WR_STYLE_TAB,
	WR_STYLE_NUMBERED, WR_STYLE_BOLD, WR_STYLE_TABLE, WR_STYLE_JSON_ARRAY,
	WR_STYLE_JSON_OBJECT, WR_STYLE_FENCED, WR_STYLE_MIX
};
#define WR_NSTYLES WR_STYLE_MIX
/*
 * The answer to a request for structured output (response_format json_schema
 * or json_object): {"ratings":[{"entry":...,"score":N},...]}. Never drawn by
 * WR_STYLE_MIX and has no name.
 */
#define WR_STYLE_RATINGS (WR_STYLE_MIX + 1)

/* The style called name, or -1. */
int wr_style_parse(const char *name);
const char *wr_style_name(int style);

/* Injected faults, in the order they are drawn. */
enum wr_fault {
	WR_FAULT_NONE, WR_FAULT_DROP, WR_FAULT_PARTIAL, WR_FAULT_500,
	WR_FAULT_429, WR_FAULT_GARBLE, WR_FAULT_REFUSE, WR_FAULT_FILTER,
	WR_FAULT_TRUNCATE, WR_FAULT_OVERLOAD, WR_FAULT_REFUSE_ENTRY, WR_NFAULTS
};
/* The last fault that is drawn (WR_FAULT_REFUSE_ENTRY is chosen by entry). */
#define WR_FAULT_LAST_DRAWN WR_FAULT_OVERLOAD

/* "-", "drop", "partial", "fail-500", "fail-429", "garble", "refuse", ... */
const char *wr_fault_name(enum wr_fault f);
/*
 * The fault for one request: a pure function of the seed, the hash of the
 * request body and how often that body was seen before. One uniform draw
 * falls into consecutive intervals of width rates[f], f in enum order
 * (rates[WR_FAULT_NONE] and rates[WR_FAULT_REFUSE_ENTRY] are ignored).
 */
enum wr_fault wr_fault_pick(const double rates[WR_NFAULTS], uint64_t seed,
    uint64_t bodyhash, uint64_t seen);
/* The style for one request: style itself, or for WR_STYLE_MIX a pure function of seed and body. */
int wr_style_pick(int style, uint64_t seed, uint64_t bodyhash);

/* A parsed request, in any dialect. Reuse one across requests; entries point into user. */
struct wr_chat {
	struct wr_json json;
	struct wr_buf user;      /* text of the last user message */
	struct wr_buf model;     /* "model", or "wr-serve" when absent */
	const char **entries;
	size_t *lens, n, cap;
	long max_tokens;         /* max_tokens or max_completion_tokens; 0 when none */
	size_t prompt_bytes;     /* bytes of system and user content */
	struct wr_buf scratch;   /* wr_chat_count's */
};

void wr_chat_init(struct wr_chat *c);
void wr_chat_free(struct wr_chat *c);

/* The *why of a body that is not a JSON object (compare the pointer). */
extern const char wr_chat_bad_json[];
/* Empty c and parse body, which must be a JSON object, into c->json; -1 with *why if not. */
int wr_chat_begin(struct wr_chat *c, const char *body, size_t len, const char **why);
/* Add the bytes of the content at token t (as wr_chat_content reads it) to c->prompt_bytes; -1 when it is none. */
int wr_chat_count(struct wr_chat *c, const struct wr_json *j, int t);
/*
 * The text to rate is the content at token t, the last user message's
 * (read into c->user and split into entries); -1 with *why = no_user when
 * there is none (t < 0).
 */
int wr_chat_user(struct wr_chat *c, const struct wr_json *j, int t, const char *no_user, const char **why);
/* c->model from token t (absent or null: "wr-serve"); -1 with *why if not a string. */
int wr_chat_model(struct wr_chat *c, int t, const char **why);
/* c->max_tokens from token t (absent or null: 0); -1 with *why unless a positive integer. */
int wr_chat_max_tokens(struct wr_chat *c, int t, const char *name, const char **why);
/* -1 with *why when token t is true: wr-serve does not stream. */
int wr_chat_no_stream(const struct wr_json *j, int t, const char **why);
/*
 * Parse an OpenAI chat completion body. The entries are the trimmed,
 * non-blank lines of the last user message after its last blank line.
 * Returns 0, or -1 with the reason (an English sentence) in *why.
 */
int wr_chat_parse(struct wr_chat *c, const char *body, size_t len, const char **why);
/* 1 when one of the entries is a key of set. */
int wr_chat_has_entry(const struct wr_chat *c, const struct wr_map *set);

/* Append the answer text rating entries[0..n) in style to out. */
void wr_answer_text(struct wr_buf *out, int style, const char *const *entries,
    const size_t *lens, const int *scores, size_t n);

/* What the answer writers need besides the request. */
struct wr_reply {
	const char *id;          /* "chatcmpl-..." for wr_completion_json; the bare hex id for a dialect */
	long created;
	int style;               /* a concrete style, not WR_STYLE_MIX */
	enum wr_fault fault;     /* NONE, REFUSE, REFUSE_ENTRY, FILTER or TRUNCATE shape the body */
};

/* How an answer ends, whatever the dialect calls it. */
enum wr_stop { WR_STOP_END, WR_STOP_LENGTH, WR_STOP_REFUSAL, WR_STOP_FILTER };

/* What a refusal says. */
extern const char wr_refusal_text[];
/*
 * The answer text to c in text (emptied first; empty for a refusal or a
 * filter), shaped by r's style and fault and cut at max_tokens, and how it ends.
 */
enum wr_stop wr_reply_text(struct wr_buf *text, const struct wr_chat *c, const int *scores,
    const struct wr_reply *r);

/*
 * Append the chat.completion JSON answering c to out. scores[i] rates
 * c->entries[i]; text is scratch space. Honours max_tokens, and answers in
 * WR_STYLE_RATINGS when c asks for a response_format of type json_schema or
 * json_object.
 */
void wr_completion_json(struct wr_buf *out, const struct wr_chat *c, const int *scores,
    const struct wr_reply *r, struct wr_buf *text);
/* Append {"error":{"message":...,"type":...,"param":null,"code":...}}; code may be NULL. */
void wr_error_json(struct wr_buf *out, const char *message, const char *type, const char *code);
/* Where to cut s[0..n) so that it ends in the middle of a line (on a UTF-8 boundary). */
size_t wr_mid_line(const char *s, size_t n);
/* The largest cut <= at that does not split a UTF-8 sequence of s. */
size_t wr_utf8_cut(const char *s, size_t at);
/* Token estimate used in usage and for max_tokens: ceil(bytes / 4). */
size_t wr_tokens(size_t bytes);

/* What a request asks for, as a dialect's route sees it. */
enum wr_endpoint {
	WR_EP_NONE,              /* not this dialect's */
	WR_EP_GENERATE,          /* a request to rate (POST) */
	WR_EP_MODELS,            /* the model list */
	WR_EP_MODEL,             /* one model */
	WR_EP_UNKNOWN,           /* this dialect's, but no such URL */
	WR_EP_BAD_METHOD         /* a known URL with the wrong method */
};

/* The errors a dialect writes in its own shape. */
enum wr_serve_err {
	WR_ERR_INVALID,          /* a request that cannot be answered as it is */
	WR_ERR_JSON,             /* a body that is not a JSON object */
	WR_ERR_NO_KEY, WR_ERR_BAD_KEY,
	WR_ERR_NOT_FOUND, WR_ERR_METHOD, WR_ERR_TOO_BIG,
	WR_ERR_SERVER,           /* --fail-500 */
	WR_ERR_RATE,             /* --fail-429 */
	WR_ERR_LIMIT_REQUESTS,   /* --rpm */
	WR_ERR_LIMIT_TOKENS,     /* --tpm */
	WR_ERR_OVERLOAD          /* --overload */
};

/* A request as the dialects see it, without the HTTP library. */
struct wr_serve_req {
	const char *method, *path;   /* path without the query */
	/* A request header or query argument, or NULL. */
	const char *(*header)(const struct wr_serve_req *q, const char *name);
	const char *(*arg)(const struct wr_serve_req *q, const char *name);
	void *ctx;
};

/* A snapshot of the rate limits, for the headers (see serve_limit.h). */
struct wr_limits;
typedef void wr_add_header(void *ctx, const char *name, const char *value);

/*
 * The steps in which the dialects differ: each file lib/serve_NAME.c fills
 * one, and serve_http.c only calls through it. NULL where a dialect has
 * nothing to do.
 */
struct wr_serve_dialect {
	const char *name;
	/* Which endpoint q is; *allow gets the methods allowed for WR_EP_BAD_METHOD. */
	enum wr_endpoint (*route)(const struct wr_serve_req *q, const char **allow);
	/* The key the request presents, or NULL. */
	const char *(*key)(const struct wr_serve_req *q);
	/* NULL, or why a WR_EP_GENERATE request is refused before its body is read. */
	const char *(*check)(const struct wr_serve_req *q);
	/* Parse a native request body into c; -1 with *why (wr_chat_bad_json for bad JSON). */
	int (*parse)(struct wr_chat *c, const struct wr_serve_req *q, const char *body, size_t len,
	    const char **why);
	/* Append the native answer to c; text is scratch space. */
	void (*answer)(struct wr_buf *out, const struct wr_chat *c, const int *scores,
	    const struct wr_reply *r, struct wr_buf *text);
	/* Append the native error body for e (message NULL: the dialect's own); return the status. */
	unsigned (*error)(struct wr_buf *out, enum wr_serve_err e, const char *message);
	/* Append the model list (WR_EP_MODELS) or one model (WR_EP_MODEL, named in q->path). */
	void (*models)(struct wr_buf *out, const struct wr_serve_req *q, enum wr_endpoint ep);
	/* Add the rate-limit headers of l to every answer. */
	void (*limit_headers)(const struct wr_limits *l, wr_add_header *add, void *ctx);
	/* 429s of --rpm/--tpm carry Retry-After even without --limit-retry-after. */
	int limit_retry_after;
	/* The header that carries "req_HEX" on the model's answers. */
	const char *request_id_header;
};

/* The key of "Authorization: Bearer KEY", or NULL. */
const char *wr_serve_bearer(const struct wr_serve_req *q);

extern const struct wr_serve_dialect wr_serve_openai, wr_serve_anthropic, wr_serve_gemini;

/*
 * lib/serve_logprobs.c: synthetic logprobs. The number of alternatives asked
 * for (0 to 20) when c asks for logprobs in OpenAI's way ("logprobs": true,
 * "top_logprobs": N) or Gemini's (generationConfig "responseLogprobs": true,
 * "logprobs": N), else -1.
 */
int wr_logprobs_asked(const struct wr_chat *c, int gemini);
/*
 * Append the logprobs of answer text[0..n) to c: OpenAI's {"content":[...]}
 * or Gemini's logprobsResult, with top alternatives each. The text is cut
 * into words, digits, punctuation and newlines (white space joins the token
 * after it); each score's token gets alternatives around scores[i], a pure
 * function of the entry and its score; every other token is certain.
 */
void wr_logprobs_json(struct wr_buf *out, const struct wr_chat *c, const int *scores, const char *text,
    size_t n, int top, int gemini);

/* The fixed "created" time of answers, so that the same request gives the same bytes. */
#define WR_SERVE_CREATED 1735689600L

#endif
