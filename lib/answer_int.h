/* What lib/answer*.c share: the answer's state and the steps each answer shape calls (for those files only). */
#ifndef WR_ANSWER_INT_H
#define WR_ANSWER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "answer.h"
#include "common.h"
#include "json.h"

/* A requested entry: no score yet, a score, a rejected or conflicting one (so none), a repeat of an earlier entry. */
enum { ST_NONE, ST_OK, ST_BAD, ST_DUP };

/* Lookup results that are not an entry index. */
#define NOT_FOUND (-1)
#define AMBIGUOUS (-2)
/* Nested JSON deeper than this is not an answer we read. */
#define MAX_DEPTH 64

struct req {
	const char *s;
	size_t len;
	double score;
	int state;
	size_t at, atlen;   /* where the score is in the text parsed (at SIZE_MAX: not known) */
};

/* Open addressing; idx is the entry index plus one (0: empty slot). */
struct slot {
	uint32_t h;
	int32_t idx;
	int32_t ambiguous;   /* another entry has the same folded string */
};

/* The case-folded or keyed strings of the entries of one answer. */
struct table {
	struct slot *slot;
	size_t mask, cap;
	struct wr_buf str;
	size_t *off, *len, ncap;
};

struct wr_answer {
	double lo, hi;
	wr_answer_report *report;
	void *report_arg;

	struct req *req;
	size_t n, cap;
	struct slot *exact;
	size_t mask, slots;
	struct table fold, key;  /* built on the first miss of each answer */
	int have_alt;
	int has_dup;             /* some entry is an exact duplicate of an earlier one */
	size_t next;             /* the entry after the last one found: answers mostly keep the order */

	size_t found, rejected;
	const char *base;        /* the text being parsed, where score positions count from */
	size_t baselen;
	/*
	 * Scratch: fbuf belongs to wr_ans_lookup() and the tables; name, num and
	 * line to the JSON reader; doc holds a repaired JSON document.
	 */
	struct wr_buf fbuf, name, num, line, doc, msg;
	struct wr_json json;
};

/* A markdown table being read. */
struct wr_ans_tab {
	int on;
	int ecol, scol;    /* from the header; -1: find per row */
};

/* Column names of tables and keys of JSON records, compared without case. */
extern const char *const wr_ans_entry_names[];
extern const char *const wr_ans_score_names[];

static inline int
isdig(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static inline int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/*
 * An entry that no list marker, emphasis or white space can start or end:
 * "entry;4" with it needs none of the analysis of wr_ans_text_line().
 */
static inline int
plain_entry(const char *s, size_t n)
{
	unsigned char f = (unsigned char)s[0], l = (unsigned char)s[n - 1];

	return (((f | 32) >= 'a' && (f | 32) <= 'z') || (f >= 0x80 && f != 0xE2)) &&
	    !is_space(l) && l != 0xA0 && l != '*' && l != '`';
}

/* lib/answer.c: the requested entry that name stands for (or NOT_FOUND, AMBIGUOUS). */
int wr_ans_lookup(struct wr_answer *a, const char *name, size_t n);
/*
 * lib/answer.c: record a rating of name, score v on a scale of denom (0:
 * none), the score written at at[0..atlen) (NULL, or outside the text
 * parsed, when its position is not known).
 */
void wr_ans_rate(struct wr_answer *a, const char *name, size_t n, double v, double denom, const char *at,
    size_t atlen);

/* lib/answer_text.c: one line of text s[b..e). */
void wr_ans_text_line(struct wr_answer *a, const char *s, size_t b, size_t e);
/* lib/answer_text.c: a whole cell or JSON string as a score; 0 or -1. */
int wr_ans_score_text(const char *s, size_t n, double *v, double *denom);
/* lib/answer_text.c: white space off both ends of s[*b..*e), then emphasis and quotes. */
void wr_ans_trim(const char *s, size_t *b, size_t *e);
void wr_ans_strip_wrap(const char *s, size_t *b, size_t *e);

/* lib/answer_table.c: "|---|:--:|", a header row, a body row. */
int wr_ans_is_rule(const char *s, size_t b, size_t e);
void wr_ans_table_header(struct wr_ans_tab *t, const char *s, size_t b, size_t e);
void wr_ans_table_row(struct wr_answer *a, const struct wr_ans_tab *t, const char *s, size_t b, size_t e);

/*
 * lib/answer_json.c: the end of the JSON value at s[b] (0: text ends first,
 * SIZE_MAX: brackets do not match, at *stop); read a JSON answer (-1: not
 * JSON); read what precedes the last comma of a value cut off.
 */
size_t wr_ans_json_end(const char *s, size_t b, size_t e, char *stack, size_t *depth, size_t *comma, size_t *stop);
int wr_ans_json_answer(struct wr_answer *a, const char *s, size_t n);
void wr_ans_json_salvage(struct wr_answer *a, const char *s, size_t b, size_t comma);

#endif
