/* Model answers: the entry-mapping core (requested entries, lookups, scores) and the whole answer. */
#include "answer.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "answer_int.h"
#include "common.h"
#include "fold.h"
#include "json.h"

/* Longest rated entry quoted in a message, in bytes. */
#define MSG_ENTRY 120

/* ---- Setup ----------------------------------------------------------------- */

struct wr_answer *
wr_answer_new(double lo, double hi)
{
	struct wr_answer *a = wr_calloc(1, sizeof *a);

	a->lo = lo;
	a->hi = hi;
	wr_json_init(&a->json);
	return a;
}

static void
table_free(struct table *t)
{
	free(t->slot);
	free(t->off);
	free(t->len);
	wr_buf_free(&t->str);
}

void
wr_answer_free(struct wr_answer *a)
{
	if (!a)
		return;
	free(a->req);
	free(a->exact);
	table_free(&a->fold);
	table_free(&a->key);
	wr_buf_free(&a->fbuf);
	wr_buf_free(&a->name);
	wr_buf_free(&a->num);
	wr_buf_free(&a->line);
	wr_buf_free(&a->doc);
	wr_buf_free(&a->msg);
	wr_json_free(&a->json);
	free(a);
}

void
wr_answer_set_report(struct wr_answer *a, wr_answer_report *fn, void *arg)
{
	a->report = fn;
	a->report_arg = arg;
}

static uint32_t
hash(const char *s, size_t n)
{
	return (uint32_t)XXH3_64bits(s, n);
}

void
wr_answer_begin(struct wr_answer *a, const char *const *entries, const size_t *lens, size_t n)
{
	size_t i, want = 16;

	while (want < 2 * n)
		want *= 2;
	if (n > a->cap) {
		a->cap = n;
		a->req = wr_realloc(a->req, n * sizeof *a->req);
	}
	if (want > a->slots) {
		a->slots = want;
		a->exact = wr_realloc(a->exact, want * sizeof *a->exact);
	}
	a->mask = want - 1;
	memset(a->exact, 0, want * sizeof *a->exact);
	a->n = n;
	a->have_alt = 0;
	a->has_dup = 0;
	a->next = 0;
	for (i = 0; i < n; i++) {
		struct req *r = &a->req[i];
		uint32_t h = hash(entries[i], lens[i]);
		size_t k;

		r->s = entries[i];
		r->len = lens[i];
		r->state = ST_NONE;
		r->at = SIZE_MAX;
		for (k = h & a->mask;; k = (k + 1) & a->mask) {
			struct slot *sl = &a->exact[k];
			if (!sl->idx) {
				sl->h = h;
				sl->idx = (int32_t)i + 1;
				break;
			}
			if (sl->h == h && a->req[sl->idx - 1].len == r->len &&
			    memcmp(a->req[sl->idx - 1].s, r->s, r->len) == 0) {
				r->state = ST_DUP;
				a->has_dup = 1;
				break;
			}
		}
	}
}

int
wr_answer_score(const struct wr_answer *a, size_t i, double *score)
{
	if (a->req[i].state == ST_DUP)
		return -1;
	if (a->req[i].state != ST_OK)
		return 0;
	*score = a->req[i].score;
	return 1;
}

int
wr_answer_where(const struct wr_answer *a, size_t i, size_t *off, size_t *len)
{
	if (a->req[i].state != ST_OK || a->req[i].at == SIZE_MAX)
		return 0;
	*off = a->req[i].at;
	*len = a->req[i].atlen;
	return 1;
}

size_t
wr_answer_rejected(const struct wr_answer *a)
{
	return a->rejected;
}

/* ---- The fallback tables ---------------------------------------------------- */

static size_t
fold_or_key(const char *s, size_t n, struct wr_buf *out, int keyed)
{
	return keyed ? wr_fold_key(s, n, out) : wr_fold_case(s, n, out);
}

/* Index every entry of a under its folded (or keyed) string. */
static void
table_build(struct wr_answer *a, struct table *t, int keyed)
{
	size_t i, k, want = a->mask + 1;

	if (want > t->cap) {
		free(t->slot);
		t->slot = wr_malloc(want * sizeof *t->slot);
		t->cap = want;
	}
	memset(t->slot, 0, want * sizeof *t->slot);
	t->mask = a->mask;
	if (a->n > t->ncap) {
		t->ncap = a->n;
		t->off = wr_realloc(t->off, a->n * sizeof *t->off);
		t->len = wr_realloc(t->len, a->n * sizeof *t->len);
	}
	wr_buf_reset(&t->str);
	for (i = 0; i < a->n; i++) {
		size_t n;
		uint32_t h;

		t->off[i] = t->str.len;
		t->len[i] = 0;
		if (a->req[i].state == ST_DUP)
			continue;
		n = fold_or_key(a->req[i].s, a->req[i].len, &a->fbuf, keyed);
		if (n == 0)
			continue;
		wr_buf_add(&t->str, a->fbuf.s, n);
		t->len[i] = n;
		h = hash(a->fbuf.s, n);
		for (k = h & t->mask;; k = (k + 1) & t->mask) {
			struct slot *sl = &t->slot[k];
			size_t j;
			if (!sl->idx) {
				sl->h = h;
				sl->idx = (int32_t)i + 1;
				break;
			}
			j = (size_t)sl->idx - 1;
			if (sl->h == h && t->len[j] == n && memcmp(t->str.s + t->off[j], a->fbuf.s, n) == 0) {
				sl->ambiguous = 1;
				break;
			}
		}
	}
}

static int
table_find(const struct table *t, const char *s, size_t n)
{
	uint32_t h = hash(s, n);
	size_t k;

	for (k = h & t->mask;; k = (k + 1) & t->mask) {
		const struct slot *sl = &t->slot[k];
		size_t j;
		if (!sl->idx)
			return NOT_FOUND;
		j = (size_t)sl->idx - 1;
		if (sl->h == h && t->len[j] == n && memcmp(t->str.s + t->off[j], s, n) == 0)
			return sl->ambiguous ? AMBIGUOUS : (int)j;
	}
}

/*
 * The requested entry that name stands for: exact spelling first, then
 * case-insensitive, then the key of letters and digits. A folded string or
 * key shared by two requested entries matches neither (AMBIGUOUS).
 */
int
wr_ans_lookup(struct wr_answer *a, const char *name, size_t n)
{
	uint32_t h;
	size_t k;
	int r;

	/* The exact spelling of the entry after the last one found needs no hashing. */
	k = a->next;
	if (k < a->n && a->req[k].len == n && a->req[k].state != ST_DUP && memcmp(a->req[k].s, name, n) == 0) {
		a->next = k + 1;
		return (int)k;
	}
	h = hash(name, n);
	for (k = h & a->mask;; k = (k + 1) & a->mask) {
		const struct slot *sl = &a->exact[k];
		if (!sl->idx)
			break;
		if (sl->h == h && a->req[sl->idx - 1].len == n && memcmp(a->req[sl->idx - 1].s, name, n) == 0) {
			a->next = (size_t)sl->idx;
			return sl->idx - 1;
		}
	}
	if (!a->have_alt) {
		table_build(a, &a->fold, 0);
		table_build(a, &a->key, 1);
		a->have_alt = 1;
	}
	/* casefold may move fbuf: take fbuf.s only after it returns. */
	k = wr_fold_case(name, n, &a->fbuf);
	if ((r = table_find(&a->fold, a->fbuf.s, k)) != NOT_FOUND)
		return r;
	n = wr_fold_key(name, n, &a->fbuf);
	return n ? table_find(&a->key, a->fbuf.s, n) : NOT_FOUND;
}

/* ---- Recording ratings ------------------------------------------------------ */

static void
report(struct wr_answer *a, enum wr_answer_problem what, const char *name, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
report(struct wr_answer *a, enum wr_answer_problem what, const char *name, size_t n, const char *fmt, ...)
{
	va_list ap;
	char tail[160];
	size_t cut = n;

	a->rejected++;
	if (!a->report)
		return;
	if (cut > MSG_ENTRY) {
		/* Cut a long name at a character boundary. */
		cut = MSG_ENTRY;
		while (cut > 0 && ((unsigned char)name[cut] & 0xC0) == 0x80)
			cut--;
	}
	va_start(ap, fmt);
	vsnprintf(tail, sizeof tail, fmt, ap);
	va_end(ap);
	wr_buf_reset(&a->msg);
	wr_buf_addc(&a->msg, '"');
	/* The name comes from the model: control characters are escaped to keep the message one line. */
	for (size_t i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f)
			wr_buf_printf(&a->msg, "\\x%02x", c);
		else
			wr_buf_addc(&a->msg, (char)c);
	}
	wr_buf_printf(&a->msg, "%s\": %s", cut < n ? "..." : "", tail);
	a->report(a->report_arg, what, a->msg.s);
}

/*
 * A rating of name with score v; denom is the N of "v/N" or "v out of N"
 * (0: none). Each entry keeps the first valid score; a different second
 * score, or any score that is rejected, leaves the entry with none.
 */
void
wr_ans_rate(struct wr_answer *a, const char *name, size_t n, double v, double denom, const char *at,
    size_t atlen)
{
	int i;
	struct req *r;

	a->found++;
	i = wr_ans_lookup(a, name, n);
	if (i == NOT_FOUND) {
		report(a, WR_ANSWER_NOT_REQUESTED, name, n, "not requested");
		return;
	}
	if (i == AMBIGUOUS) {
		report(a, WR_ANSWER_AMBIGUOUS, name, n, "matches more than one requested entry");
		return;
	}
	r = &a->req[i];
	if (denom != 0 && denom != a->hi) {
		report(a, WR_ANSWER_SCALE, name, n, "score %g/%g is not on the scale %g:%g", v, denom, a->lo, a->hi);
		r->state = ST_BAD;
		return;
	}
	if (!(v >= a->lo && v <= a->hi)) {
		report(a, WR_ANSWER_RANGE, name, n, "score %g out of range %g:%g", v, a->lo, a->hi);
		r->state = ST_BAD;
		return;
	}
	switch (r->state) {
	case ST_NONE:
		r->state = ST_OK;
		r->score = v;
		r->at = SIZE_MAX;
		/* A score in a copy (a decoded JSON string, a repaired document) has no place in the text. */
		if (at && a->base && (uintptr_t)at >= (uintptr_t)a->base &&
		    (uintptr_t)at + atlen <= (uintptr_t)a->base + a->baselen) {
			r->at = (size_t)(at - a->base);
			r->atlen = atlen;
		}
		break;
	case ST_OK:
		if (r->score != v) {
			report(a, WR_ANSWER_CONFLICT, name, n, "scored twice, %g and %g", r->score, v);
			r->state = ST_BAD;
		}
		break;
	}
}

/* ---- The whole answer ----------------------------------------------------------------- */

/* Nothing but white space, a comma or a fence follows a JSON value on its line ("[1] entry: 4" is text). */
static int
json_alone(const char *s, size_t i, size_t n)
{
	for (; i < n && s[i] != '\n'; i++)
		if (!is_space((unsigned char)s[i]) && s[i] != ',' && s[i] != '`')
			return 0;
	return 1;
}

/* Skip a leading <think>...</think> (or <thinking>) block. */
static size_t
skip_think(const char *s, size_t b, size_t n)
{
	static const struct { const char *open, *close; } tags[] = {
		{"<think>", "</think>"}, {"<thinking>", "</thinking>"},
	};
	size_t k;

	while (b < n && (is_space((unsigned char)s[b]) || s[b] == '\n'))
		b++;
	for (k = 0; k < 2; k++) {
		size_t lo = strlen(tags[k].open), lc = strlen(tags[k].close);
		const char *end;
		if (n - b < lo || memcmp(s + b, tags[k].open, lo) != 0)
			continue;
		end = memmem(s + b, n - b, tags[k].close, lc);
		/* Thinking that never ended leaves no answer. */
		return end ? (size_t)(end - s) + lc : n;
	}
	return b;
}

size_t
wr_answer_parse(struct wr_answer *a, const char *s, size_t n, int flags)
{
	size_t pos, eol, b, cut, end, depth, comma, stop, no_json = 0;
	struct wr_ans_tab tab = {0, -1, -1};
	char stack[MAX_DEPTH];

	a->found = 0;
	a->rejected = 0;
	a->base = s;
	a->baselen = n;
	pos = skip_think(s, 0, n);
	/* Cut off: only lines ended by a newline are complete. */
	cut = n;
	if (flags & WR_ANSWER_CUT) {
		const char *nl = memrchr(s + pos, '\n', n - pos);
		cut = nl ? (size_t)(nl - s) + 1 : pos;
	}
	while (pos < n) {
		const char *nl = memchr(s + pos, '\n', n - pos);
		eol = nl ? (size_t)(nl - s) : n;
		for (b = pos; b < eol && is_space((unsigned char)s[b]); b++)
			;
		/* JSON, unless this is inside text that already failed to be JSON (no quadratic rescans). */
		if (b < eol && (s[b] == '{' || s[b] == '[') && b >= no_json) {
			end = wr_ans_json_end(s, b, n, stack, &depth, &comma, &stop);
			if (end == 0) {
				/* The text ends inside the value: an answer cut off, or a stray bracket. */
				size_t before = a->found;
				wr_ans_json_salvage(a, s, b, comma);
				if (a->found > before)
					break;
				stop = n;
			}
			if (end != SIZE_MAX && json_alone(s, end, n) && wr_ans_json_answer(a, s + b, end - b) == 0) {
				nl = memchr(s + end, '\n', n - end);
				pos = nl ? (size_t)(nl - s) + 1 : n;
				tab.on = 0;
				continue;
			}
			no_json = end == SIZE_MAX || end == 0 ? stop : end;
		}
		if (pos >= cut)
			break;
		if (memchr(s + b, '|', eol - b)) {
			const char *nl2 = eol < n ? memchr(s + eol + 1, '\n', n - eol - 1) : NULL;
			size_t e2 = nl2 ? (size_t)(nl2 - s) : n;
			if (eol < n && (nl2 || cut == n) && wr_ans_is_rule(s, eol + 1, e2) && !wr_ans_is_rule(s, b, eol)) {
				wr_ans_table_header(&tab, s, b, eol);
				pos = e2 < n ? e2 + 1 : n;
				continue;
			}
			if (tab.on || s[b] == '|') {
				if (!wr_ans_is_rule(s, b, eol))
					wr_ans_table_row(a, &tab, s, b, eol);
				pos = eol + 1;
				continue;
			}
		} else
			tab.on = 0;
		wr_ans_text_line(a, s, b, eol);
		pos = eol + 1;
	}
	return a->found;
}

int
wr_answer_fast(struct wr_answer *a, const char *raw, size_t n)
{
	size_t i, pos = 0;
	struct req *r;
	int d;

	if (a->n == 0 || a->has_dup)
		return 0;
	for (i = 0; i < a->n; i++) {
		r = &a->req[i];
		if (i > 0) {
			if (n - pos < 2 || raw[pos] != '\\' || raw[pos + 1] != 'n')
				return 0;
			pos += 2;
		}
		if (n - pos < r->len + 2 || memcmp(raw + pos, r->s, r->len) != 0)
			return 0;
		pos += r->len;
		if (raw[pos] != ';' || !isdig((unsigned char)raw[pos + 1]))
			return 0;
		d = raw[pos + 1] - '0';
		pos += 2;
		/*
		 * An entry with a backslash could match an escape of the raw
		 * text; one with a marker or emphasis would be read otherwise.
		 */
		if (!(d >= a->lo && d <= a->hi) || !plain_entry(r->s, r->len) || memchr(r->s, '\\', r->len))
			return 0;
		r->score = d;
	}
	if (pos != n && !(n - pos == 2 && raw[pos] == '\\' && raw[pos + 1] == 'n'))
		return 0;
	for (i = 0; i < a->n; i++)
		a->req[i].state = ST_OK;
	a->found = a->n;
	a->rejected = 0;
	return 1;
}

/* ---- Refusals --------------------------------------------------------------------------- */

int
wr_answer_refusal(const char *s, size_t n)
{
	static const char *const phrases[] = {
		"i can't", "i cannot", "i can not", "i won't", "i will not", "i'm sorry", "i am sorry",
		"i'm unable", "i am unable", "unable to", "i'm not able", "i am not able", "as an ai",
		"i apologize", "i must decline", "can't assist", "cannot assist", "can't help with",
		"cannot help with", "not able to help", "against my guidelines", NULL,
	};
	struct wr_buf low = {0};
	const char *const *p;
	size_t i;
	int found = 0;

	/* Lower-case ASCII, and the typographic apostrophe as a plain one. */
	wr_buf_grow(&low, n);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] == 0x99) {
			low.s[low.len++] = '\'';
			i += 2;
		} else
			low.s[low.len++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	for (p = phrases; *p && !found; p++)
		found = memmem(low.s, low.len, *p, strlen(*p)) != NULL;
	wr_buf_free(&low);
	return found;
}

/* ---- Scores out ---------------------------------------------------------------------------- */

size_t
wr_answer_format(double v, char *out)
{
	char tmp[24];
	size_t n = 0, k = 0;
	unsigned long long u;

	/* Whole numbers are the common case: no need for printf's %g. */
	if (v >= 0 && v < 10 && v == (int)v) {
		out[0] = (char)('0' + (int)v);
		out[1] = '\0';
		return 1;
	}
	if (v == floor(v) && fabs(v) < 1e15 && !(v == 0 && signbit(v))) {
		if (v < 0) {
			out[n++] = '-';
			v = -v;
		}
		u = (unsigned long long)v;
		do
			tmp[k++] = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		while (k)
			out[n++] = tmp[--k];
		out[n] = '\0';
		return n;
	}
	return (size_t)snprintf(out, 32, "%.15g", v);
}
