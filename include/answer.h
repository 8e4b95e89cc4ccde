/* Model answers: scores read out of free-form text and mapped back to the requested entries. */
#ifndef WR_ANSWER_H
#define WR_ANSWER_H

#include <stddef.h>

/*
 * One answer at a time: wr_answer_begin() with the requested entries, then
 * wr_answer_parse() on the text of the model's message, then wr_answer_score()
 * for each requested entry. Every buffer is reused from one answer to the next.
 */
struct wr_answer;

/* What wr_answer_parse() tells its report callback about. */
enum wr_answer_problem {
	WR_ANSWER_NOT_REQUESTED,  /* the rated entry maps to no requested entry */
	WR_ANSWER_AMBIGUOUS,      /* it maps to more than one */
	WR_ANSWER_RANGE,          /* the score is outside the range */
	WR_ANSWER_SCALE,          /* "4/10" or "4 out of 10" on another scale */
	WR_ANSWER_CONFLICT        /* the same entry scored twice, differently */
};

/*
 * Called once for each rejected rating: msg is a one-line description that
 * names the entry as the model wrote it.
 */
typedef void wr_answer_report(void *arg, enum wr_answer_problem what, const char *msg);

/* Flags of wr_answer_parse(). */
#define WR_ANSWER_CUT 1   /* the answer was cut off (finish_reason "length") */

/* Caller frees with wr_answer_free(). Scores outside [lo, hi] are rejected. */
struct wr_answer *wr_answer_new(double lo, double hi);
void wr_answer_free(struct wr_answer *a);
void wr_answer_set_report(struct wr_answer *a, wr_answer_report *fn, void *arg);

/*
 * Start an answer for the n requested entries (borrowed until the next
 * wr_answer_begin). An exact duplicate of an earlier entry is ignored: it
 * is neither scored nor missing (wr_answer_score returns -1 for it).
 */
void wr_answer_begin(struct wr_answer *a, const char *const *entries, const size_t *lens, size_t n);

/*
 * Read the scores out of text[0..len), the content of the model's message:
 * "entry;4", "entry: 4", "entry - 4", "entry = 4", "entry (4)", "entry 4/5",
 * numbered or bulleted lines, markdown emphasis and tables, JSON arrays of
 * objects, JSON objects mapping entry to score, any of them fenced or with
 * prose around. A leading <think>...</think> block is dropped. Each rated
 * entry is mapped to one requested entry: exact match, then case-insensitive,
 * then the key of letters and digits (wr_fold_key). Returns the number of
 * ratings found, used or rejected.
 */
size_t wr_answer_parse(struct wr_answer *a, const char *text, size_t len, int flags);

/*
 * The short cut for the shape the prompt asks for: raw[0..n) is the body of
 * the JSON string holding the answer (escapes not decoded). When it is
 * exactly one "entry;D" line per requested entry, in order, each with a
 * valid single-digit score, set the scores just as wr_answer_parse() on the
 * decoded text would and return 1; otherwise change nothing and return 0.
 */
int wr_answer_fast(struct wr_answer *a, const char *raw, size_t n);

/*
 * The outcome for requested entry i: 1 with its score in *score, 0 when it
 * got no valid score (missing), -1 when it is an ignored duplicate.
 */
int wr_answer_score(const struct wr_answer *a, size_t i, double *score);
/*
 * Where the score of requested entry i was written in the text given to
 * wr_answer_parse: 1 with its bytes [*off, *off + *len), 0 when it has no
 * score or its place is not known (wr_answer_fast, a JSON string, a
 * repaired JSON document).
 */
int wr_answer_where(const struct wr_answer *a, size_t i, size_t *off, size_t *len);
/* Ratings rejected by the last wr_answer_parse (each one was reported). */
size_t wr_answer_rejected(const struct wr_answer *a);

/* 1 when text reads as a refusal ("I'm sorry", "I can't", "as an AI"...). */
int wr_answer_refusal(const char *text, size_t len);

/*
 * Write score into out as "%.15g" would (integers without a fraction:
 * "4", "3.5"); returns the length. out must hold 32 bytes.
 */
size_t wr_answer_format(double score, char *out);

#endif
