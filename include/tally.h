/* wr-parse's books: which requests got an answer, which failed or were refused, and the counts. */
#ifndef WR_TALLY_H
#define WR_TALLY_H

#include <stddef.h>

#include "hash.h"
#include "rate.h"
#include "result.h"

struct wr_tally {
	struct wr_reqset requests;  /* from -b and -r; flag 1 once a result line names it */
	struct wr_reqset pending;   /* failed or refused so far; flag 1 failed, 2 refused, 0 answered later */
	struct wr_map answered;     /* custom_id -> index into place */
	struct wr_tally_place { int file; long line; } *place;
	size_t nplace, capplace;
	struct wr_entries scratch;
	char *const *files;         /* the input names, for messages (borrowed) */
	long results, failed, dups, rated, missing, refused, rejected, bad, unseen;
	long expected, plain;       /* -E: of rated */
	/* -E: the models that answered without logprobs, and failures over logprobs. */
	struct wr_tally_model { char *name; long entries; int anthropic; } *models;
	size_t nmodels;
	long lperr, lperr_entries;
	char *lperr_msg;
};

void wr_tally_init(struct wr_tally *t, char *const *files);
void wr_tally_free(struct wr_tally *t);

/*
 * Take record r of input file (from recs), in input order: print its
 * messages, count it, and keep what a failure or refusal left missing. The
 * first answer for a custom_id wins. Returns 1 when r is an answer that is
 * used: then its rating and missing lines are to be written.
 */
int wr_tally_rec(struct wr_tally *t, int file, const struct wr_recs *recs, const struct wr_rec *r);

/*
 * At the end of the input: every entry that never got an answer (failed and
 * refused results, requests of -b/-r with no result line) goes to fn, with
 * refused set for a refusal, and is counted as missing or refused.
 */
void wr_tally_finish(struct wr_tally *t, void (*fn)(void *arg, const char *s, size_t n, int refused), void *arg);

/*
 * -E: one line on stderr for each model whose answers carried no logprobs
 * (their entries have plain scores) and one for failures over logprobs.
 */
void wr_tally_expected(const struct wr_tally *t);

#endif
