/* One result line read into rating lines, missing and refused entries, and messages. */
#include "rate.h"

#include "dialect.h"

#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

void
wr_rec_msg(struct wr_buf *b, const char *file, long line, const char *fmt, ...)
{
	va_list ap;
	char text[512];

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	wr_buf_printf(b, "%s: %s:%ld: %s\n", wr_prog, file, line, text);
}

/* 1 when s[0..n) holds word (lower case ASCII), in any case. */
static int
strcasestr_n(const char *s, size_t n, const char *word)
{
	size_t k = strlen(word), i;

	for (i = 0; i + k <= n; i++)
		if (strncasecmp(s + i, word, k) == 0)
			return 1;
	return 0;
}

/* The answer's rejected ratings: printed only if the answer is used. */
static void
report(void *arg, enum wr_answer_problem what, const char *text)
{
	struct wr_rater *w = arg;

	(void)what;
	wr_rec_msg(&w->recs->notes, w->file, w->lineno, "%s: %s", w->res.id.s, text);
}

void
wr_rater_init(struct wr_rater *w, double lo, double hi, const struct wr_reqset *requests, int longfmt)
{
	memset(w, 0, sizeof *w);
	w->ans = wr_answer_new(lo, hi);
	wr_answer_set_report(w->ans, report, w);
	wr_result_init(&w->res);
	w->requests = requests;
	w->longfmt = longfmt;
	w->lo = lo;
	w->hi = hi;
	wr_logprobs_init(&w->lp);
}

void
wr_rater_free(struct wr_rater *w)
{
	wr_answer_free(w->ans);
	wr_result_free(&w->res);
	wr_entries_free(&w->ents);
	wr_buf_free(&w->text);
	wr_logprobs_free(&w->lp);
}

struct wr_rec *
wr_recs_new(struct wr_recs *b, long lineno)
{
	struct wr_rec *r;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->rec = wr_realloc(b->rec, b->cap * sizeof *b->rec);
	}
	r = &b->rec[b->n++];
	memset(r, 0, sizeof *r);
	r->kind = WR_REC_BAD;
	r->line = lineno;
	r->req = -1;
	return r;
}

void
wr_rec_entries(const struct wr_recs *b, const struct wr_rec *r, struct wr_entries *e)
{
	const char *p = b->ents.s + r->ents;
	size_t i, len;

	e->n = 0;
	for (i = 0; i < r->nents; i++) {
		len = strlen(p);
		wr_entries_add(e, p, len);
		p += len + 1;
	}
}

void
wr_recs_reset(struct wr_recs *b)
{
	b->n = 0;
	wr_buf_reset(&b->out);
	wr_buf_reset(&b->miss);
	wr_buf_reset(&b->ids);
	wr_buf_reset(&b->ents);
	wr_buf_reset(&b->msg);
	wr_buf_reset(&b->notes);
}

void
wr_recs_free(struct wr_recs *b)
{
	wr_buf_free(&b->out);
	wr_buf_free(&b->miss);
	wr_buf_free(&b->ids);
	wr_buf_free(&b->ents);
	wr_buf_free(&b->msg);
	wr_buf_free(&b->notes);
	free(b->rec);
}

static void
add_line(struct wr_buf *b, const char *s, size_t n)
{
	wr_buf_grow(b, n + 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len++] = '\n';
}

/* Keep the entries of a result that failed or was refused, for the end of the run. */
static void
keep_entries(struct wr_recs *b, struct wr_rec *r, const struct wr_entries *e)
{
	size_t i;

	r->ents = b->ents.len;
	r->nents = e->n;
	for (i = 0; i < e->n; i++) {
		wr_buf_add(&b->ents, e->s[i], e->len[i]);
		wr_buf_addc(&b->ents, '\0');
	}
}

/* Keep s[0..n) (or "-") in ids for the record's -E report. */
static void
keep_model(struct wr_recs *b, struct wr_rec *r, const char *s, size_t n)
{
	r->model = b->ids.len;
	if (s && n)
		wr_buf_add(&b->ids, s, n);
	else
		wr_buf_addc(&b->ids, '-');
	r->modellen = b->ids.len - r->model;
	wr_buf_addc(&b->ids, '\0');
}

/*
 * -E: the logprobs of the answer, when it has them and they spell its
 * text (the offsets the parser found count in the text). Returns 1 then.
 */
static int
answer_logprobs(struct wr_rater *w, struct wr_rec *r)
{
	const struct wr_result *res = &w->res;

	if (wr_logprobs_read(&w->lp, &res->json, res->logprobs) != 0) {
		r->nolp = 1;
		r->anthropic = res->dialect == &wr_dialect_anthropic;
		return 0;
	}
	return wr_logprobs_spell(&w->lp, w->text.s, w->text.len);
}

/* Score i as text in num: -E's expected score with two decimals where the logprobs tell, else the plain one. */
static size_t
format_score(struct wr_rater *w, struct wr_rec *r, int have, size_t i, double score, char *num)
{
	size_t off, len;
	double ev;
	int n;

	if (!w->expected)
		return wr_answer_format(score, num);
	if (have && wr_answer_where(w->ans, i, &off, &len) &&
	    wr_expected(&w->lp, off, len, w->lo, w->hi, &ev) == 0 &&
	    (n = snprintf(num, 32, "%.2f", ev)) > 0 && n < 32) {
		r->expected++;
		return (size_t)n;
	}
	r->plain++;
	return wr_answer_format(score, num);
}

/* The rating lines of an answer in out, its entries without a score in miss. */
static void
write_ratings(struct wr_rater *w, struct wr_recs *b, struct wr_rec *r)
{
	const struct wr_result *res = &w->res;
	const struct wr_entries *e = &w->ents;
	struct wr_buf *out = &b->out;
	double score;
	char num[32];
	size_t i, n;
	int got, have = w->expected && answer_logprobs(w, r);

	r->out = out->len;
	r->miss = b->miss.len;
	/* Room for every line without -l: entry, TAB, score, newline. */
	for (i = 0, n = 0; i < e->n; i++)
		n += e->len[i] + 34;
	wr_buf_grow(out, n);
	for (i = 0; i < e->n; i++) {
		if ((got = wr_answer_score(w->ans, i, &score)) == 0) {
			add_line(&b->miss, e->s[i], e->len[i]);
			r->missing++;
			continue;
		}
		if (got < 0)
			continue;
		n = format_score(w, r, have, i, score, num);
		if (w->longfmt)
			wr_buf_grow(out, e->len[i] + n + 2);
		memcpy(out->s + out->len, e->s[i], e->len[i]);
		out->len += e->len[i];
		out->s[out->len++] = '\t';
		memcpy(out->s + out->len, num, n);
		out->len += n;
		if (w->longfmt) {
			wr_buf_addc(out, '\t');
			/* The model as written, unless it would need decoding. */
			if (res->model && res->model_len && !memchr(res->model, '\\', res->model_len))
				wr_buf_add(out, res->model, res->model_len);
			else
				wr_buf_addc(out, '-');
			wr_buf_addc(out, '\t');
			wr_buf_add(out, res->id.s, res->id.len);
		}
		out->s[out->len++] = '\n';
		r->rated++;
	}
	r->outlen = out->len - r->out;
	r->misslen = b->miss.len - r->miss;
	if (r->nolp)
		keep_model(b, r, res->model && !memchr(res->model, '\\', res->model_len) ? res->model : NULL,
		    res->model_len);
}

/* Read the answer of a result that has one: rated, refused, or (content not valid JSON text) failed. */
static void
read_answer(struct wr_rater *w, struct wr_recs *b, struct wr_rec *r)
{
	struct wr_result *res = &w->res;
	struct wr_entries *e = &w->ents;
	const char *raw;
	size_t n;

	wr_answer_begin(w->ans, e->s, e->len, e->n);
	/* -E needs the decoded text, where the parser's offsets count. */
	raw = res->cut || w->expected ? NULL : wr_result_raw_text(res, &n);
	if (!raw || !wr_answer_fast(w->ans, raw, n)) {
		if (wr_result_text(res, &w->text) != 0) {
			wr_rec_msg(&b->msg, w->file, w->lineno, "%s: message content is not valid JSON text, "
			    "its entries are missing", res->id.s);
			r->kind = WR_REC_FAILED;
			r->bad = 1;
			keep_entries(b, r, e);
			return;
		}
		if (wr_answer_parse(w->ans, w->text.s, w->text.len, res->cut ? WR_ANSWER_CUT : 0) == 0 &&
		    wr_answer_refusal(w->text.s, w->text.len)) {
			r->kind = WR_REC_REFUSED;
			keep_entries(b, r, e);
			return;
		}
	}
	r->kind = WR_REC_ANSWER;
	r->rejected = (long)wr_answer_rejected(w->ans);
	write_ratings(w, b, r);
}

/* Where the entries of the result come from: its own "entries", or -b/-r. */
static int
find_entries(struct wr_rater *w, struct wr_recs *b, struct wr_rec *r)
{
	struct wr_result *res = &w->res;
	const char *why;

	r->req = wr_reqset_find(w->requests, res->id.s, res->id.len);
	if (res->entries >= 0) {
		if (wr_result_entries(res, &w->ents, &why) == 0)
			return 0;
		wr_rec_msg(&b->msg, w->file, w->lineno, "%s: %s, line skipped", res->id.s, why);
		return -1;
	}
	if (r->req >= 0) {
		wr_reqset_get(w->requests, (size_t)r->req, &w->ents);
		return 0;
	}
	wr_rec_msg(&b->msg, w->file, w->lineno, "%s: unknown custom_id and no \"entries\" (give -b or -r), "
	    "line skipped", res->id.s);
	return -1;
}

/*
 * -E: a failure whose error message is about logprobs, such as OpenAI's
 * 403 "You are not allowed to request logprobs from this model" to a
 * reasoning model, or Gemini's 400 "Logprobs is not enabled for models/…".
 */
static void
logprobs_error(struct wr_rater *w, struct wr_recs *b, struct wr_rec *r)
{
	const struct wr_json *j = &w->res.json;
	int m = wr_json_path(j, 0, "error", "message", NULL);
	const char *raw;
	size_t n;

	if (m < 0 || j->tok[m].type != JSMN_STRING)
		m = wr_json_path(j, 0, "response", "body", "error", "message", NULL);
	if (m < 0 || j->tok[m].type != JSMN_STRING)
		return;
	raw = wr_json_raw(j, m, &n);
	if (!strcasestr_n(raw, n, "logprob"))
		return;
	r->lperr = 1;
	r->model = b->ids.len;
	if (wr_json_str(j, m, &b->ids) != 0)
		wr_buf_add(&b->ids, raw, n);
	r->modellen = b->ids.len - r->model;
	wr_buf_addc(&b->ids, '\0');
}

static void
read_result(struct wr_rater *w, struct wr_recs *b, struct wr_rec *r, const char *s, size_t len)
{
	struct wr_result *res = &w->res;
	const char *why;

	/* A NUL ends the text for jsmn, so look for one only when the line is bad. */
	if (wr_result_parse(res, s, len, &why) != 0) {
		wr_rec_msg(&b->msg, w->file, w->lineno, "%s, line skipped", memchr(s, '\0', len) ? "NUL byte" : why);
		return;
	}
	r->id = b->ids.len;
	r->idlen = res->id.len;
	wr_buf_add(&b->ids, res->id.s, res->id.len);
	wr_buf_addc(&b->ids, '\0');
	if (find_entries(w, b, r) != 0)
		return;
	switch (res->kind) {
	case WR_RESULT_FAILED:
		if (res->why)
			wr_rec_msg(&b->msg, w->file, w->lineno, "%s: %s", res->id.s, res->why);
		if (w->expected)
			logprobs_error(w, b, r);
		r->kind = WR_REC_FAILED;
		keep_entries(b, r, &w->ents);
		break;
	case WR_RESULT_REFUSED:
		r->kind = WR_REC_REFUSED;
		keep_entries(b, r, &w->ents);
		break;
	case WR_RESULT_ANSWER:
		read_answer(w, b, r);
		break;
	}
}

struct wr_rec *
wr_rate_line(struct wr_rater *w, struct wr_recs *b, long lineno, const char *s, size_t len)
{
	struct wr_rec *r = wr_recs_new(b, lineno);

	w->recs = b;
	w->lineno = lineno;
	r->warn = b->msg.len;
	r->note = b->notes.len;
	read_result(w, b, r, s, len);
	r->warnlen = b->msg.len - r->warn;
	r->notelen = b->notes.len - r->note;
	return r;
}
