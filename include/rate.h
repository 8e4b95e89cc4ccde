/* One result line read into rating lines, missing and refused entries, and messages (wr-parse's work). */
#ifndef WR_RATE_H
#define WR_RATE_H

#include <stddef.h>

#include "answer.h"
#include "common.h"
#include "expected.h"
#include "result.h"

enum wr_rec_kind {
	WR_REC_BAD,      /* not a result line we can use (its message says why) */
	WR_REC_FAILED,   /* a failed request: its entries are missing */
	WR_REC_REFUSED,  /* a refusal: its entries are refused */
	WR_REC_ANSWER    /* an answer: rating lines and missing entries */
};

/* What one result line gave; offsets point into the buffers of its struct wr_recs. */
struct wr_rec {
	enum wr_rec_kind kind;
	int bad;                    /* also a bad line (its entries still count as missing) */
	long line;
	long req;                   /* index in the requests, or -1 */
	size_t id, idlen;           /* custom_id, in ids */
	size_t out, outlen;         /* rating lines, in out */
	size_t miss, misslen;       /* entries without a score, one a line, in miss */
	size_t warn, warnlen;       /* messages, in msg */
	size_t note, notelen;       /* messages to print only if this answer is used, in notes */
	size_t ents, nents;         /* entries of a failed or refused result, each ending in NUL, in ents */
	long rated, missing, rejected;
	long expected, plain;       /* -E: rated with an expected score, rated with the plain one */
	int nolp;                   /* -E: an answer that carries no logprobs at all */
	int anthropic;              /* ... in Anthropic's dialect, which has none */
	int lperr;                  /* -E: a failure whose message is about logprobs */
	size_t model, modellen;     /* -E: nolp's model, or lperr's message, in ids */
};

/* The records of a run of lines and the bytes they point to; reused from run to run. */
struct wr_recs {
	struct wr_buf out, miss, ids, ents, msg, notes;
	struct wr_rec *rec;
	size_t n, cap;
};

/*
 * A reader of result lines and its reusable state: one per thread. The
 * requests (-b, -r) are borrowed and only read.
 */
struct wr_rater {
	struct wr_answer *ans;
	struct wr_result res;
	struct wr_entries ents;
	struct wr_buf text;
	const struct wr_reqset *requests;
	int longfmt;                /* add model and custom_id columns */
	int expected;               /* -E: expected scores from the answers' logprobs */
	double lo, hi;
	struct wr_logprobs lp;
	const char *file;           /* for messages: set it before each run */
	struct wr_recs *recs;       /* the run being read, for the report callback */
	long lineno;
};

void wr_rater_init(struct wr_rater *w, double lo, double hi, const struct wr_reqset *requests, int longfmt);
void wr_rater_free(struct wr_rater *w);

/*
 * Read result line s[0..len) (NUL at s[len]), line number lineno of
 * w->file, into a new record of b; returns it (valid until the next one).
 */
struct wr_rec *wr_rate_line(struct wr_rater *w, struct wr_recs *b, long lineno, const char *s, size_t len);

/* A new record of kind WR_REC_BAD at lineno (valid until the next one). */
struct wr_rec *wr_recs_new(struct wr_recs *b, long lineno);
/* The entries of a failed or refused record into e (pointers into b). */
void wr_rec_entries(const struct wr_recs *b, const struct wr_rec *r, struct wr_entries *e);
/* Empty b for the next run, keeping its memory. */
void wr_recs_reset(struct wr_recs *b);
void wr_recs_free(struct wr_recs *b);

/* Append "prog: file:line: message\n" to b: a message held until its record is committed. */
void wr_rec_msg(struct wr_buf *b, const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
