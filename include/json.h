/* JSON on top of jsmn: tokenizing with a growing token array, lookups, and our own escaper/unescaper. */
#ifndef WR_JSON_H
#define WR_JSON_H

#define JSMN_HEADER
#include <jsmn.h>
#undef JSMN_HEADER

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common.h"

struct wr_json {
	const char *js;      /* borrowed text */
	size_t len;
	jsmntok_t *tok;      /* owned, grown on demand */
	unsigned cap;
	int n;               /* tokens in use */
	struct wr_buf stack; /* syntax check's open brackets, kept to spare a malloc per document */
};

/* Largest number of tokens one document may use (a guard against hostile input). */
#define WR_JSON_MAX_TOKENS (1u << 22)

void wr_json_init(struct wr_json *j);
void wr_json_free(struct wr_json *j);
/*
 * Tokenize js[0..len) as exactly one JSON value (surrounding white space
 * allowed). Returns 0, or -1 with a short reason in *why.
 */
int wr_json_parse(struct wr_json *j, const char *js, size_t len, const char **why);
/* 1 when s is exactly one valid JSON value (strings checked for escapes and UTF-8). */
int wr_json_valid(const char *s, size_t len);
/*
 * 1 when the document wr_json_parse took apart in j passes wr_json_valid's
 * checks (every string decodes, every primitive is a literal or a number),
 * without parsing it again.
 */
int wr_json_check(const struct wr_json *j);

/* Index of the token after the whole subtree at i. */
int wr_json_skip(const struct wr_json *j, int i);
/* Value token of key in object token obj, or -1 (also when obj is not an object). */
int wr_json_get(const struct wr_json *j, int obj, const char *key);
/* Follow a path of keys: wr_json_path(j, 0, "response", "body", NULL). */
int wr_json_path(const struct wr_json *j, int obj, ...);
/*
 * Walking an array in order, a step at a time (wr_json_index walks from the
 * start each time): its first element, or -1; the element after element i,
 * or -1 after the last.
 */
int wr_json_first(const struct wr_json *j, int arr);
int wr_json_next(const struct wr_json *j, int arr, int i);
/* Token i of array arr (0-based), or -1. */
int wr_json_index(const struct wr_json *j, int arr, int k);
/* 1 when token i is the string s (compared raw; s must need no escaping). */
int wr_json_streq(const struct wr_json *j, int i, const char *s);
/* 1 when token i is the primitive null (or i < 0). */
int wr_json_isnull(const struct wr_json *j, int i);
/* Raw bytes of token i (strings without quotes). */
const char *wr_json_raw(const struct wr_json *j, int i, size_t *len);
/* Raw bytes of token i including the quotes of a string: the JSON text of the value. */
const char *wr_json_text(const struct wr_json *j, int i, size_t *len);
/* Token i as a number; 0 on success, -1 if not a number primitive. */
int wr_json_num(const struct wr_json *j, int i, double *out);
/* Append the decoded string of token i to out; 0, or -1 if not a valid string. */
int wr_json_str(const struct wr_json *j, int i, struct wr_buf *out);

/*
 * Decode the body of a JSON string (without quotes) and append it to out.
 * Handles every escape, joins surrogate pairs and rejects lone surrogates,
 * control characters and invalid UTF-8. Returns 0, or -1 (then out->len is
 * unchanged, though bytes past it may be).
 */
int wr_json_unescape(const char *s, size_t n, struct wr_buf *out);
/* Append s[0..n) as a quoted JSON string ("\u00XX" for controls, "\\", "\""). */
void wr_json_escape(struct wr_buf *out, const char *s, size_t n);
/* The same without the quotes: what goes between them. */
void wr_json_escape_in(struct wr_buf *out, const char *s, size_t n);
void wr_json_escapes(struct wr_buf *out, const char *s);

/*
 * The bytes among the 8 at s that are a backslash or a control character
 * (< 0x20): the ones a JSON string body needs decoded, as a mask of their
 * high bits. A borrow can flag a byte above a flagged one, never below, so
 * the lowest flag is always exact.
 */
static inline uint64_t
wr_json_special8(const char *s)
{
	const uint64_t ones = UINT64_C(0x0101010101010101);
	uint64_t x, y;

	memcpy(&x, s, 8);
	y = x ^ (ones * '\\');
	return (((y - ones) & ~y) | ((x - ones * 0x20) & ~x)) & UINT64_C(0x8080808080808080);
}

#endif
