/* Result and request lines of the OpenAI Batch API format: the parts that wr-parse reads. */
#ifndef WR_RESULT_H
#define WR_RESULT_H

#include <stddef.h>

#include "common.h"
#include "hash.h"
#include "json.h"

struct wr_dialect;

enum wr_result_kind {
	WR_RESULT_ANSWER,   /* HTTP 200 with a message: read its content */
	WR_RESULT_REFUSED,  /* message.refusal, or finish_reason "content_filter" */
	WR_RESULT_FAILED    /* "error" set, no response, a status other than 200, or no message */
};

/* A list of entries; the pointers are borrowed (see where each is filled). */
struct wr_entries {
	const char **s;
	size_t *len;
	size_t n, cap;
	struct wr_buf buf;   /* decoded entries that had JSON escapes */
};

struct wr_result {
	struct wr_json json;
	struct wr_buf id;          /* custom_id, decoded */
	int entries;               /* token of the "entries" array, or -1 */
	enum wr_result_kind kind;
	const char *why;           /* FAILED: a short reason; NULL for an ordinary error line */
	const char *model;         /* response body "model" (raw JSON string body), or NULL */
	size_t model_len;
	int cut;                   /* finish_reason "length", or another dialect's cut-off */
	const struct wr_dialect *dialect;   /* whose answer body it is (dialect.h) */
	int content;               /* token of message.content, or -1 */
	int logprobs;              /* token of choices[0].logprobs or candidates[0].logprobsResult, or -1 */
};

void wr_result_init(struct wr_result *r);
void wr_result_free(struct wr_result *r);

/*
 * Parse one result line (or request line: then kind is FAILED and only
 * id and entries matter). The line must stay unchanged while r is used.
 * Returns 0, or -1 with a reason in *why (invalid UTF-8, not JSON, not an
 * object, no custom_id...).
 */
int wr_result_parse(struct wr_result *r, const char *line, size_t len, const char **why);

/*
 * Decode the "entries" array into e (pointers into the line or e->buf).
 * Returns 0, or -1 with a reason: not an array of strings, an empty entry,
 * a control character.
 */
int wr_result_entries(struct wr_result *r, struct wr_entries *e, const char **why);

/* The raw body of message.content when it is a JSON string (escapes not decoded), or NULL. */
const char *wr_result_raw_text(const struct wr_result *r, size_t *len);

/*
 * Replace text with the message content: a string, or the concatenated
 * text parts of an array. Returns 0, or -1 when it is not valid JSON text.
 */
int wr_result_text(struct wr_result *r, struct wr_buf *text);

void wr_entries_add(struct wr_entries *e, const char *s, size_t len);
void wr_entries_free(struct wr_entries *e);

/*
 * Entries by custom_id, copied in (the -b and -r files, and the results
 * that failed). Each set has a caller-defined flag byte.
 */
struct wr_reqset {
	struct wr_map ids;
	struct wr_buf blob;                     /* the entries, each ending in NUL */
	struct wr_reqset_item { size_t off, n, id; unsigned char flag; } *item;
	size_t count, cap;
	struct wr_buf idblob;                   /* the IDs, each ending in NUL */
};

void wr_reqset_init(struct wr_reqset *set);
void wr_reqset_free(struct wr_reqset *set);
/* Add entries under id; returns the item index, and *added = 0 if id was there (nothing changed). */
size_t wr_reqset_add(struct wr_reqset *set, const char *id, size_t idlen,
    const char *const *s, const size_t *len, size_t n, int *added);
/* Item index of id, or -1. */
long wr_reqset_find(const struct wr_reqset *set, const char *id, size_t idlen);
/* The entries of item i into e (pointers into set: valid until the next add). */
void wr_reqset_get(const struct wr_reqset *set, size_t i, struct wr_entries *e);
/* The custom_id of item i. */
const char *wr_reqset_id(const struct wr_reqset *set, size_t i);

#endif
