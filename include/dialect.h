/* Provider dialects: the steps in which each provider's API differs, one table per dialect. */
#ifndef WR_DIALECT_H
#define WR_DIALECT_H

#include <stddef.h>
#include <time.h>

#include "common.h"
#include "hash.h"
#include "json.h"
#include "progress.h"

/* What an answer body means (struct wr_reading.kind). */
enum { WR_READ_ANSWER, WR_READ_REFUSED, WR_READ_NONE };

/* How to treat an error answer (what wr_dialect.error returns). */
enum {
	WR_ERR_DEFAULT,  /* decide by status: 408/409/429/5xx retry, 401/403 stop, others final */
	WR_ERR_RETRY,
	WR_ERR_FINAL,
	WR_ERR_STOP      /* the key is refused or used up: stop the run */
};

/*
 * Anthropic requires max_tokens. When the OpenAI body has neither max_tokens
 * nor max_completion_tokens, the bound comes from the request's entries: a
 * rating line ("entry;4") is a few tokens, so 16 a line plus 64 to spare.
 */
#define WR_DIALECT_MAX_TOKENS(nentries) (64 + 16 * (nentries))

/* One answer body read into one meaning. */
struct wr_reading {
	int kind;          /* WR_READ_ANSWER, WR_READ_REFUSED, or WR_READ_NONE (no message: no candidates, no choices) */
	int cut;           /* cut off by the token limit (openai "length", anthropic "max_tokens", gemini MAX_TOKENS) */
	const char *why;   /* NONE and REFUSED: a short static reason ("no choices", "stop_reason refusal"); else NULL */
	int content;       /* token of the answer text: a JSON string, or an array of parts; -1 */
	int model;         /* token of the model name string, or -1 */
	double prompt_tokens, completion_tokens, cached_tokens;   /* -1 when absent */
};

/* What rate-limit headers said; -1 = not said. Resets are seconds from now, never negative. */
struct wr_limits {
	double limit_requests, remaining_requests, reset_requests;
	double limit_tokens, remaining_tokens, reset_tokens;
	/* Anthropic limits input and output tokens apart as well. */
	double limit_input_tokens, remaining_input_tokens, reset_input_tokens;
	double limit_output_tokens, remaining_output_tokens, reset_output_tokens;
};

/* Every slot is set in every dialect: callers call through the table without checks. */
struct wr_dialect {
	const char *name;           /* "openai", "anthropic", "gemini" (the --api names) */
	const char *base_url;       /* default base URL, no trailing slash */
	const char *key_env;        /* OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY */
	const char *key_header;     /* "Authorization", "x-api-key", "x-goog-api-key" */
	const char *key_prefix;     /* "Bearer " or "" */
	const char *const *headers; /* fixed extra header lines, NULL-terminated */
	/*
	 * Translate the OpenAI chat body (object token body of j; the request
	 * line has nentries entries) into this dialect: append the request path
	 * relative to the base URL to path and the native body to out. openai
	 * appends nothing to either: use the request line's url and send the
	 * body as it is. Each body field the dialect cannot carry is reported
	 * once through warn(arg, "field") and dropped; a null field is absent.
	 * Returns 0, or -1 with an English reason in *why (no messages, no
	 * model); path and out then hold a part to be reset.
	 */
	int (*request)(const struct wr_json *j, int body, size_t nentries, struct wr_buf *path,
	    struct wr_buf *out, void (*warn)(void *arg, const char *field), void *arg, const char **why);
	/* Read an answer body (object token body of j) into *r. */
	void (*read)(const struct wr_json *j, int body, struct wr_reading *r);
	/*
	 * An error answer with HTTP status (root token of j, or -1 when the body
	 * is not JSON): append the provider's message to msg, if it gave one, and
	 * return a WR_ERR_* class.
	 */
	int (*error)(const struct wr_json *j, int root, long status, struct wr_buf *msg);
	/*
	 * One response header (name without the colon, value trimmed or not):
	 * its rate-limit news into *l. Retry-After is common and handled elsewhere.
	 */
	void (*header)(struct wr_limits *l, const char *name, size_t nlen, const char *val, size_t vlen,
	    time_t now);
};

extern const struct wr_dialect wr_dialect_openai, wr_dialect_anthropic, wr_dialect_gemini;

/* The dialect of an --api name, or NULL. */
const struct wr_dialect *wr_dialect_find(const char *name);
/*
 * The dialect a base URL speaks: api.anthropic.com is anthropic;
 * generativelanguage.googleapis.com is gemini unless its path holds
 * "/openai" (the compatibility layer); everything else is openai.
 */
const struct wr_dialect *wr_dialect_infer(const char *url);
/*
 * The vendor that owns a URL's host: "openai" (openai.com and its
 * subdomains), "anthropic" (anthropic.com), "google" (googleapis.com), or
 * NULL for any other host. A key of one vendor must never go to another
 * vendor's host. Userinfo, port and a trailing dot are ignored.
 */
const char *wr_dialect_vendor(const char *url);
/*
 * Guess the dialect from an answer body's shape: choices is openai;
 * "type":"message" or a content array is anthropic; candidates,
 * promptFeedback or usageMetadata is gemini. NULL if none.
 */
const struct wr_dialect *wr_dialect_of_body(const struct wr_json *j, int body);
/*
 * Append the answer text of r to text: the string, or the text parts
 * concatenated as the vendors' SDKs do (no separator: Anthropic citations
 * and Gemini split one text into parts), skipping Anthropic "thinking" and
 * "redacted_thinking" blocks, Gemini parts with "thought": true, and parts
 * without text. 0, or -1 when there is no content or it is not valid JSON text.
 */
int wr_reading_text(const struct wr_json *j, const struct wr_reading *r, struct wr_buf *text);

/*
 * One raw header line as libcurl's header callback gives it ("Name: value\r\n"):
 * split it at the first colon and pass it to d->header (status lines match
 * no header name).
 */
void wr_dialect_header_line(const struct wr_dialect *d, struct wr_limits *l, const char *line, size_t len,
    time_t now);
/* Set every field of *l to -1 (not said). */
void wr_limits_reset(struct wr_limits *l);

/* Helpers the dialect files share (lib/dialect.c); exposed for the unit tests. */

/*
 * A duration as OpenAI's x-ratelimit-reset-* send it: "12ms", "1s", "6m0s",
 * "1h2m3.5s" (units h m s ms us ns), or bare seconds. 0, or -1 for anything else.
 */
int wr_dialect_duration(const char *s, size_t n, double *out);
/*
 * An RFC 3339 date-time ("2026-12-01T20:30:00Z", fractions and offsets
 * allowed) as seconds since the epoch. 0, or -1 for anything else.
 */
int wr_dialect_rfc3339(const char *s, size_t n, double *out);
/* How a rate-limit header's value reads (struct wr_dialect_limit.how). */
enum { WR_LIMIT_COUNT, WR_LIMIT_DURATION, WR_LIMIT_RESET_AT };
/* One rate-limit header a dialect reads: its name and the wr_limits field (offsetof) it sets. */
struct wr_dialect_limit {
	const char *name;
	size_t off;
	int how;   /* WR_LIMIT_COUNT, WR_LIMIT_DURATION (wr_dialect_duration), WR_LIMIT_RESET_AT (an RFC 3339 time) */
};
/*
 * Of the n headers of h, the one named name[0..nlen) (ASCII case ignored)
 * sets its field of *l from val, if val reads; any other name sets nothing.
 */
void wr_dialect_limit(struct wr_limits *l, const struct wr_dialect_limit *h, size_t n, const char *name, size_t nlen,
    const char *val, size_t vlen, time_t now);
/*
 * Warn about field once per request: seen holds the names warned about,
 * NUL-separated (reset it per request).
 */
void wr_dialect_warn_once(struct wr_buf *seen, const char *field,
    void (*warn)(void *arg, const char *field), void *arg);
/*
 * How a dialect writes a chat message: {"role":user_or_assistant,KEY:...}
 * where KEY is key; each text part is part_open, the escaped text, "}";
 * bare_string writes string content as a bare JSON string instead of parts.
 */
struct wr_dialect_msgfmt {
	const char *user, *assistant, *key, *part_open;
	int bare_string;
};
/*
 * Walk an OpenAI messages array (token messages, -1 when absent): the text of
 * "system" and "developer" messages goes to sys, joined by "\n\n"; "user"
 * and "assistant" messages are appended to out as fmt says, comma-separated.
 * Other roles, other message fields, non-text parts and messages without
 * text are warned about once and dropped. Returns the number of messages
 * written (at least one), or -1 with *why: "no messages", "messages is not
 * an array of valid messages" (not an array, or a string does not decode),
 * or "no user or assistant messages".
 */
int wr_dialect_messages(const struct wr_json *j, int messages, const struct wr_dialect_msgfmt *fmt,
    struct wr_buf *sys, struct wr_buf *out, struct wr_buf *seen,
    void (*warn)(void *arg, const char *field), void *arg, const char **why);
/*
 * Append OpenAI's stop (token stop: a string or an array of strings; -1
 * absent) to out as the array "key":[...], after a comma when comma is set.
 * Anything else is warned about once as "stop" and dropped.
 */
void wr_dialect_stop(struct wr_buf *out, int comma, const char *key, const struct wr_json *j, int stop,
    struct wr_buf *seen, void (*warn)(void *arg, const char *field), void *arg);
/* A field a dialect drops without a word when it has this value: what its API does anyway. */
struct wr_dialect_moot {
	const char *name;
	const char *value;   /* "false", "true", or a number ("1") */
};
/*
 * Take the fields of the OpenAI body (object token body) apart: the value
 * token of each of the n names in fields into f[i] (-1 when absent or
 * null); a field of moot (a NULL-named end) at its value is dropped
 * quietly; any other field is warned about once (seen) and dropped.
 * 0, or -1 with *why when body is no object.
 */
int wr_dialect_pick(const struct wr_json *j, int body, const char *const *fields, int n, int *f,
    const struct wr_dialect_moot *moot, struct wr_buf *seen, void (*warn)(void *arg, const char *field), void *arg,
    const char **why);
/* Token i as a number, or dflt when it is none. */
double wr_dialect_num_or(const struct wr_json *j, int i, double dflt);
/* Token i when it is a JSON string, else -1. */
int wr_dialect_string(const struct wr_json *j, int i);
/* 1 when token i is a number. */
int wr_dialect_is_num(const struct wr_json *j, int i);
/* Append the JSON text of token i (a string with its quotes) to out. */
void wr_dialect_add_text(struct wr_buf *out, const struct wr_json *j, int i);
/* Token i as a JSON boolean: 1 true, 0 false, -1 anything else. */
int wr_dialect_bool(const struct wr_json *j, int i);
/* 1 when name[0..nlen) equals s, ignoring ASCII case. */
int wr_dialect_name_is(const char *name, size_t nlen, const char *s);

/*
 * What a program gives as the warn argument of a request builder: each
 * body field --api cannot carry is said once a run, on a clean line.
 */
struct wr_field_warn {
	const char *api;            /* the --api name, for the message */
	struct wr_progress *prog;   /* cleared before the message */
	struct wr_map said;         /* the fields said so far (zero to start) */
};
/* The warn callback: arg is a struct wr_field_warn. */
void wr_field_warn(void *arg, const char *field);

#endif
