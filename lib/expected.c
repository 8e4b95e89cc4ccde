/* Expected scores from an answer's token logprobs: reading OpenAI's and Gemini's shapes, and the weighted mean. */
#include "expected.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A score read from an alternative has at most this many digits. */
#define MAX_DIGITS 6

void
wr_logprobs_init(struct wr_logprobs *lp)
{
	memset(lp, 0, sizeof *lp);
}

void
wr_logprobs_free(struct wr_logprobs *lp)
{
	wr_buf_free(&lp->text);
	wr_buf_free(&lp->alt);
	free(lp->tok);
	free(lp->alts);
	memset(lp, 0, sizeof *lp);
}

/*
 * The bytes of token object o into b: its "bytes" array when it has one,
 * else its decoded key string. Returns 0, or -1.
 */
static int
token_bytes(const struct wr_json *j, int o, const char *key, struct wr_buf *b)
{
	int by = wr_json_get(j, o, "bytes"), t, k, n;
	double d;

	if (by >= 0 && j->tok[by].type == JSMN_ARRAY) {
		n = j->tok[by].size;
		for (k = 0, t = by + 1; k < n; k++, t++) {
			if (wr_json_num(j, t, &d) != 0 || d < 0 || d > 255 || d != floor(d))
				return -1;
			wr_buf_addc(b, (char)(unsigned char)d);
		}
		return 0;
	}
	t = wr_json_get(j, o, key);
	if (t < 0 || j->tok[t].type != JSMN_STRING)
		return -1;
	return wr_json_str(j, t, b);
}

/* The logprob under key of object o; a missing one is 0 (Gemini leaves out fields at their default). */
static int
logprob(const struct wr_json *j, int o, const char *key, double *lp)
{
	int t = wr_json_get(j, o, key);

	*lp = 0;
	if (t < 0)
		return 0;
	return wr_json_num(j, t, lp);
}

static struct wr_lp_tok *
new_tok(struct wr_logprobs *lp)
{
	struct wr_lp_tok *t;

	if (lp->ntok == lp->captok) {
		lp->captok = lp->captok ? lp->captok * 2 : 64;
		lp->tok = wr_realloc(lp->tok, lp->captok * sizeof *lp->tok);
	}
	t = &lp->tok[lp->ntok++];
	memset(t, 0, sizeof *t);
	t->off = lp->text.len;
	t->alt = lp->nalts;
	return t;
}

/* The alternatives in array arr (objects with key and lpkey) for token t. */
static int
add_alts(struct wr_logprobs *lp, struct wr_lp_tok *t, const struct wr_json *j, int arr, const char *key,
    const char *lpkey)
{
	struct wr_lp_alt *a;
	int k, n, o;

	if (arr < 0 || wr_json_isnull(j, arr))
		return 0;
	if (j->tok[arr].type != JSMN_ARRAY)
		return -1;
	t->has_top = 1;
	n = j->tok[arr].size;
	for (k = 0, o = arr + 1; k < n; k++, o = wr_json_skip(j, o)) {
		if (j->tok[o].type != JSMN_OBJECT)
			return -1;
		if (lp->nalts == lp->capalts) {
			lp->capalts = lp->capalts ? lp->capalts * 2 : 256;
			lp->alts = wr_realloc(lp->alts, lp->capalts * sizeof *lp->alts);
		}
		a = &lp->alts[lp->nalts];
		a->off = lp->alt.len;
		if (token_bytes(j, o, key, &lp->alt) != 0 || logprob(j, o, lpkey, &a->lp) != 0)
			return -1;
		a->len = lp->alt.len - a->off;
		lp->nalts++;
		t->nalt++;
	}
	return 0;
}

/* OpenAI: {"content": [{"token", "logprob", "bytes", "top_logprobs": [...]}, ...]}. */
static int
read_openai(struct wr_logprobs *lp, const struct wr_json *j, int content)
{
	struct wr_lp_tok *t;
	int k, n, o;

	n = j->tok[content].size;
	for (k = 0, o = content + 1; k < n; k++, o = wr_json_skip(j, o)) {
		if (j->tok[o].type != JSMN_OBJECT)
			return -1;
		t = new_tok(lp);
		if (token_bytes(j, o, "token", &lp->text) != 0 || logprob(j, o, "logprob", &t->lp) != 0)
			return -1;
		t->len = lp->text.len - t->off;
		if (add_alts(lp, t, j, wr_json_get(j, o, "top_logprobs"), "token", "logprob") != 0)
			return -1;
	}
	return 0;
}

/* Gemini: {"chosenCandidates": [{"token", "logProbability"}], "topCandidates": [{"candidates": [...]}]}. */
static int
read_gemini(struct wr_logprobs *lp, const struct wr_json *j, int chosen, int top)
{
	struct wr_lp_tok *t;
	int k, n, o, p = -1, ntop = 0;

	if (top >= 0 && j->tok[top].type == JSMN_ARRAY) {
		ntop = j->tok[top].size;
		p = top + 1;
	}
	n = j->tok[chosen].size;
	for (k = 0, o = chosen + 1; k < n; k++, o = wr_json_skip(j, o)) {
		if (j->tok[o].type != JSMN_OBJECT)
			return -1;
		t = new_tok(lp);
		if (token_bytes(j, o, "token", &lp->text) != 0 || logprob(j, o, "logProbability", &t->lp) != 0)
			return -1;
		t->len = lp->text.len - t->off;
		/* topCandidates runs beside chosenCandidates, one entry per token. */
		if (k < ntop) {
			if (j->tok[p].type != JSMN_OBJECT ||
			    add_alts(lp, t, j, wr_json_get(j, p, "candidates"), "token", "logProbability") != 0)
				return -1;
			p = wr_json_skip(j, p);
		}
	}
	return 0;
}

int
wr_logprobs_read(struct wr_logprobs *lp, const struct wr_json *j, int t)
{
	int c, r;

	wr_buf_reset(&lp->text);
	wr_buf_reset(&lp->alt);
	/* Never a NULL base, even when every token is empty. */
	wr_buf_grow(&lp->text, 1);
	wr_buf_grow(&lp->alt, 1);
	lp->ntok = lp->nalts = 0;
	if (t < 0 || j->tok[t].type != JSMN_OBJECT)
		return -1;
	if ((c = wr_json_get(j, t, "content")) >= 0 && j->tok[c].type == JSMN_ARRAY)
		r = read_openai(lp, j, c);
	else if ((c = wr_json_get(j, t, "chosenCandidates")) >= 0 && j->tok[c].type == JSMN_ARRAY)
		r = read_gemini(lp, j, c, wr_json_get(j, t, "topCandidates"));
	else
		return -1;
	if (r != 0 || lp->ntok == 0) {
		lp->ntok = lp->nalts = 0;
		return -1;
	}
	return 0;
}

int
wr_logprobs_spell(const struct wr_logprobs *lp, const char *text, size_t n)
{
	return lp->ntok > 0 && lp->text.len == n && memcmp(lp->text.s, text, n) == 0;
}

static int
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static void
trim(const char *s, size_t *b, size_t *e)
{
	while (*b < *e && is_ws((unsigned char)s[*b]))
		(*b)++;
	while (*e > *b && is_ws((unsigned char)s[*e - 1]))
		(*e)--;
}

/*
 * Token s[0..n) as a score, in the place of a chosen token that held
 * pre, the score, then suf (each without its white space): "5" for " 4",
 * ";5" for ";4"; white space around counts for nothing, as it does to the
 * text parser. Returns 1 with *v when it is a whole score in [lo, hi].
 */
static int
score_of(const char *s, size_t n, const char *pre, size_t npre, const char *suf, size_t nsuf, double lo,
    double hi, double *v)
{
	size_t b = 0, e = n, i;
	double d = 0;

	trim(s, &b, &e);
	if (e - b < npre || memcmp(s + b, pre, npre) != 0)
		return 0;
	b += npre;
	if (e - b < nsuf || memcmp(s + e - nsuf, suf, nsuf) != 0)
		return 0;
	e -= nsuf;
	trim(s, &b, &e);
	if (e == b || e - b > MAX_DIGITS)
		return 0;
	for (i = b; i < e; i++) {
		if (!is_digit((unsigned char)s[i]))
			return 0;
		d = d * 10 + (s[i] - '0');
	}
	*v = d;
	return d >= lo && d <= hi;
}

/* The token holding byte off: the last one starting at or before it. */
static size_t
find_tok(const struct wr_logprobs *lp, size_t off)
{
	size_t lo = 0, hi = lp->ntok, mid;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (lp->tok[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	/* Empty tokens share an offset with the next one: step past them. */
	while (lo + 1 < lp->ntok && lp->tok[lo].len == 0)
		lo++;
	return lo;
}

int
wr_expected(const struct wr_logprobs *lp, size_t off, size_t len, double lo, double hi, double *out)
{
	const struct wr_lp_tok *t;
	const char *s;
	size_t k, a, b, pb, pe, sb, se;
	double v, p, sum = 0, wsum = 0;

	if (lp->ntok == 0 || len == 0 || off + len > lp->text.len)
		return -1;
	t = &lp->tok[find_tok(lp, off)];
	/* The whole score in one token: "10" as "1" then "0" cannot be read (see wr-parse(1)). */
	if (off < t->off || off + len > t->off + t->len)
		return -1;
	if (!t->has_top || t->nalt == 0 || !isfinite(t->lp) || t->lp <= WR_LOGPROB_PLACEHOLDER)
		return -1;
	s = lp->text.s + t->off;
	a = off - t->off;
	b = a + len;
	for (k = 0; k < t->len; k++)
		if (is_digit((unsigned char)s[k]) != (k >= a && k < b))
			return -1;
	pb = 0;
	pe = a;
	trim(s, &pb, &pe);
	sb = b;
	se = t->len;
	trim(s, &sb, &se);
	if (!score_of(s, t->len, s + pb, pe - pb, s + sb, se - sb, lo, hi, &v))
		return -1;
	/* The chosen token, whether or not the alternatives list it. */
	p = exp(t->lp);
	sum += p;
	wsum += p * v;
	for (k = t->alt; k < t->alt + t->nalt; k++) {
		const struct wr_lp_alt *al = &lp->alts[k];
		const char *as = lp->alt.s + al->off;
		if (al->len == t->len && memcmp(as, s, t->len) == 0)
			continue;
		if (!isfinite(al->lp) || al->lp <= WR_LOGPROB_PLACEHOLDER)
			continue;
		if (!score_of(as, al->len, s + pb, pe - pb, s + sb, se - sb, lo, hi, &v))
			continue;
		p = exp(al->lp);
		sum += p;
		wsum += p * v;
	}
	if (!(sum > 0))
		return -1;
	*out = wsum / sum;
	return 0;
}
