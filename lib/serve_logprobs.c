/* wr-serve's synthetic logprobs: the answer cut into simple tokens, alternatives around each score. */
#include "serve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "answer.h"
#include "dialect.h"

/* OpenAI's and Gemini's limit on alternatives. */
#define MAX_TOP 20
/* The scores wr-serve gives, and the alternatives of one score. */
#define LO 1
#define HI 5
#define NALT 6

int
wr_logprobs_asked(const struct wr_chat *c, int gemini)
{
	const struct wr_json *j = &c->json;
	int on, top, cfg = 0;
	double n = 0;

	if (gemini) {
		if ((cfg = wr_json_get(j, 0, "generationConfig")) < 0)
			cfg = wr_json_get(j, 0, "generation_config");
		if ((on = wr_json_get(j, cfg, "responseLogprobs")) < 0)
			on = wr_json_get(j, cfg, "response_logprobs");
		top = wr_json_get(j, cfg, "logprobs");
	} else {
		on = wr_json_get(j, 0, "logprobs");
		top = wr_json_get(j, 0, "top_logprobs");
	}
	if (wr_dialect_bool(j, on) != 1)
		return -1;
	if (top >= 0 && wr_json_num(j, top, &n) != 0)
		n = 0;
	return n < 0 ? 0 : n > MAX_TOP ? MAX_TOP : (int)n;
}

/* Where each score is: the byte offset of a one-digit score, and the entry it rates. */
struct spot {
	size_t off;
	size_t entry;
};

static int
by_off(const void *a, const void *b)
{
	const struct spot *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* The end of the token starting at s[i]: white space, then a word, one digit, or one other character. */
static size_t
token_end(const char *s, size_t i, size_t n)
{
	unsigned char c;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == n)
		return n;
	c = (unsigned char)s[i];
	if ((c | 32) >= 'a' && (c | 32) <= 'z') {
		while (i < n && (((unsigned char)s[i] | 32) >= 'a' && ((unsigned char)s[i] | 32) <= 'z'))
			i++;
		return i;
	}
	if (c >= 0x80) {
		/* A run of non-ASCII characters, whole. */
		while (i < n && (unsigned char)s[i] >= 0x80)
			i++;
		return i;
	}
	return i + 1;
}

/* A uniform number in [0, 1) from the entry, its score and k. */
static double
draw(const char *e, size_t len, int score, unsigned k)
{
	return (double)(XXH3_64bits_withSeed(e, len, (uint64_t)score * 64 + k) >> 11) * 0x1p-53;
}

struct alt {
	char digit;      /* '0' + score, or 0: the non-score "-" */
	double p;
};

static int
by_p(const void *a, const void *b)
{
	const struct alt *x = a, *y = b;

	return x->p > y->p ? -1 : x->p < y->p;
}

/*
 * The alternatives of score s of entry e, most likely first: s itself,
 * s±1 and s±2 with weights falling off (how fast, and which way they
 * lean, drawn from the entry), and a little of a token that is no score.
 */
static size_t
alternatives(const char *e, size_t len, int s, struct alt *alt)
{
	double a = 0.05 + 0.55 * draw(e, len, s, 0), up = 2 * draw(e, len, s, 1), sum = 0, w;
	size_t n = 0, i;
	int d;

	for (d = -2; d <= 2; d++) {
		if (s + d < LO || s + d > HI)
			continue;
		w = d == 0 ? 1 : a * (d > 0 ? up : 2 - up) * (abs(d) == 2 ? a / 2 : 1);
		if (w <= 0)
			continue;
		alt[n].digit = (char)('0' + s + d);
		alt[n++].p = w;
		sum += w;
	}
	alt[n].digit = 0;
	alt[n++].p = 0.02;
	sum += 0.02;
	for (i = 0; i < n; i++)
		alt[i].p /= sum;
	qsort(alt, n, sizeof *alt, by_p);
	return n;
}

/* One token as JSON: {"token":…,"logprob":…,"bytes":[…]} or Gemini's {"token":…,"logProbability":…}. */
static void
token_json(struct wr_buf *out, const char *t, size_t n, double lp, int gemini)
{
	size_t i;

	wr_buf_adds(out, "{\"token\":");
	wr_json_escape(out, t, n);
	wr_buf_printf(out, gemini ? ",\"logProbability\":%.9g" : ",\"logprob\":%.9g", lp);
	if (gemini) {
		wr_buf_addc(out, '}');
		return;
	}
	wr_buf_adds(out, ",\"bytes\":[");
	for (i = 0; i < n; i++)
		wr_buf_printf(out, i ? ",%u" : "%u", (unsigned char)t[i]);
	wr_buf_adds(out, "]");
}

/* The token t[0..n) with its digit at d replaced by alt's (or by "-"), as JSON. */
static void
alt_json(struct wr_buf *out, const char *t, size_t n, size_t d, const struct alt *alt, int gemini)
{
	char buf[64];

	if (n > sizeof buf)
		n = sizeof buf;
	memcpy(buf, t, n);
	buf[d] = alt->digit ? alt->digit : '-';
	token_json(out, buf, n, log(alt->p), gemini);
	if (!gemini)
		wr_buf_addc(out, '}');
}

void
wr_logprobs_json(struct wr_buf *out, const struct wr_chat *c, const int *scores, const char *text,
    size_t n, int top, int gemini)
{
	struct wr_answer *a = wr_answer_new(LO, HI);
	/* OpenAI: every token in chosen, its alternatives inside; Gemini: alternatives apart, in tops. */
	struct wr_buf chosen = {0}, tops = {0}, *alts = gemini ? &tops : &chosen;
	struct spot *spot = wr_malloc((c->n + 1) * sizeof *spot);
	struct alt alt[NALT];
	size_t i, k, q, ns = 0, e, nalt, off, len, ent;
	double sc;

	/* wr-parse's own reading of the answer finds the scores. */
	wr_answer_begin(a, c->entries, c->lens, c->n);
	wr_answer_parse(a, text, n, 0);
	for (i = 0; i < c->n; i++)
		if (wr_answer_score(a, i, &sc) == 1 && (int)sc == scores[i] && wr_answer_where(a, i, &off, &len) &&
		    len == 1) {
			spot[ns].off = off;
			spot[ns++].entry = i;
		}
	wr_answer_free(a);
	qsort(spot, ns, sizeof *spot, by_off);
	for (i = 0, k = 0; i < n; i = e) {
		e = token_end(text, i, n);
		while (k < ns && spot[k].off < i)
			k++;
		if (i > 0) {
			wr_buf_addc(&chosen, ',');
			if (gemini)
				wr_buf_addc(&tops, ',');
		}
		if (gemini)
			wr_buf_adds(&tops, "{\"candidates\":[");
		if (k < ns && spot[k].off == e - 1 && e - i <= 64) {
			/* A score: its own probability among its alternatives. */
			ent = spot[k].entry;
			nalt = alternatives(c->entries[ent], c->lens[ent], scores[ent], alt);
			for (q = 0; q < nalt; q++)
				if (alt[q].digit == '0' + scores[ent])
					token_json(&chosen, text + i, e - i, log(alt[q].p), gemini);
			if (!gemini)
				wr_buf_adds(&chosen, ",\"top_logprobs\":[");
			for (q = 0; q < nalt && q < (size_t)top; q++) {
				if (q)
					wr_buf_addc(alts, ',');
				alt_json(alts, text + i, e - i, e - 1 - i, &alt[q], gemini);
			}
		} else {
			token_json(&chosen, text + i, e - i, 0, gemini);
			if (!gemini)
				wr_buf_adds(&chosen, ",\"top_logprobs\":[");
			if (top > 0) {
				token_json(alts, text + i, e - i, 0, gemini);
				if (!gemini)
					wr_buf_addc(alts, '}');
			}
		}
		wr_buf_adds(alts, "]}");
	}
	/* An empty answer has no tokens, and its buffers no memory. */
	if (gemini) {
		wr_buf_adds(out, "{\"topCandidates\":[");
		if (tops.len)
			wr_buf_add(out, tops.s, tops.len);
		wr_buf_adds(out, "],\"chosenCandidates\":[");
		if (chosen.len)
			wr_buf_add(out, chosen.s, chosen.len);
		wr_buf_adds(out, "]}");
	} else {
		wr_buf_adds(out, "{\"content\":[");
		if (chosen.len)
			wr_buf_add(out, chosen.s, chosen.len);
		wr_buf_adds(out, "],\"refusal\":null}");
	}
	wr_buf_free(&chosen);
	wr_buf_free(&tops);
	free(spot);
}
