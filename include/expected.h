/* Expected scores from an answer's token logprobs (wr-parse -E): the G-Eval weighted mean at the score's token. */
#ifndef WR_EXPECTED_H
#define WR_EXPECTED_H

#include <stddef.h>

#include "common.h"
#include "json.h"

/* A logprob at or below this is a placeholder (OpenAI's -9999.0), not a probability. */
#define WR_LOGPROB_PLACEHOLDER (-9999.0)

/*
 * The tokens of one answer: the chosen tokens' bytes one after another in
 * text, and each token's alternatives. Reused from answer to answer.
 */
struct wr_logprobs {
	struct wr_buf text, alt;
	struct wr_lp_tok { size_t off, len; double lp; size_t alt, nalt; int has_top; } *tok;
	size_t ntok, captok;
	struct wr_lp_alt { size_t off, len; double lp; } *alts;
	size_t nalts, capalts;
};

void wr_logprobs_init(struct wr_logprobs *lp);
void wr_logprobs_free(struct wr_logprobs *lp);

/*
 * Read the logprobs at token t of j into lp: OpenAI's choices[].logprobs
 * ({"content":[{token, logprob, bytes, top_logprobs:[…]}]}) or Gemini's
 * candidates[].logprobsResult ({chosenCandidates, topCandidates}). A
 * token's "bytes", when given, win over its text (a token may hold part of
 * a character). Returns 0, or -1 when t holds none (absent, null, empty,
 * or not of either shape).
 */
int wr_logprobs_read(struct wr_logprobs *lp, const struct wr_json *j, int t);

/* 1 when the chosen tokens spell exactly text[0..n): only then do offsets in the text find tokens. */
int wr_logprobs_spell(const struct wr_logprobs *lp, const char *text, size_t n);

/*
 * The expected score of the score written at bytes [off, off+len) of the
 * text lp spells: the alternatives at its token that read as a whole score
 * in [lo, hi], their probabilities renormalised, the mean of the scores
 * weighted by them. Returns 0 with *out, or -1 when the logprobs cannot
 * say: the score spans several tokens (a "10" written "1" "0"), its token
 * holds other digits, its logprob is a placeholder, it has no alternatives.
 */
int wr_expected(const struct wr_logprobs *lp, size_t off, size_t len, double lo, double hi, double *out);

#endif
