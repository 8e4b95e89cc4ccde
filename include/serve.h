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

/* The style called name, or -1. */
int wr_style_parse(const char *name);
const char *wr_style_name(int style);

/* Injected faults, in the order they are drawn. */
enum wr_fault {
	WR_FAULT_NONE, WR_FAULT_DROP, WR_FAULT_PARTIAL, WR_FAULT_500,
	WR_FAULT_429, WR_FAULT_GARBLE, WR_FAULT_REFUSE, WR_FAULT_FILTER,
	WR_FAULT_TRUNCATE, WR_FAULT_REFUSE_ENTRY, WR_NFAULTS
};

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

/* A parsed chat completion request. Reuse one across requests; entries point into user. */
struct wr_chat {
	struct wr_json json;
	struct wr_buf user;      /* text of the last user message */
	struct wr_buf model;     /* "model", or "wr-serve" when absent */
	const char **entries;
	size_t *lens, n, cap;
	long max_tokens;         /* max_tokens or max_completion_tokens; 0 when none */
	size_t prompt_bytes;     /* bytes of system and user content */
};

void wr_chat_init(struct wr_chat *c);
void wr_chat_free(struct wr_chat *c);
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

/* What wr_completion_json needs besides the request. */
struct wr_reply {
	const char *id;          /* "chatcmpl-..." */
	long created;
	int style;               /* a concrete style, not WR_STYLE_MIX */
	enum wr_fault fault;     /* NONE, REFUSE, REFUSE_ENTRY, FILTER or TRUNCATE shape the body */
};

/*
 * Append the chat.completion JSON answering c to out. scores[i] rates
 * c->entries[i]; text is scratch space. Honours max_tokens.
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

#endif
