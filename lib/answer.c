/* Model answers: find the ratings in an answer's text and map them back to the requested entries. */
#include "answer.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "common.h"
#include "fold.h"
#include "json.h"
#include "utf8.h"

enum { ST_NONE, ST_OK, ST_BAD, ST_DUP };

/* Lookup results that are not an entry index. */
#define NOT_FOUND (-1)
#define AMBIGUOUS (-2)

/* Nested JSON deeper than this is not an answer we read. */
#define MAX_DEPTH 64
/* Longest rated entry quoted in a message, in bytes. */
#define MSG_ENTRY 120

struct req {
	const char *s;
	size_t len;
	double score;
	int state;
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
	/*
	 * Scratch: fbuf belongs to lookup() and the tables; name, num and
	 * line to the JSON reader; doc holds a repaired JSON document.
	 */
	struct wr_buf fbuf, name, num, line, doc, msg;
	struct wr_json json;
};

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

size_t
wr_answer_rejected(const struct wr_answer *a)
{
	return a->rejected;
}

/* ---- Case folding and the fallback tables ---------------------------------- */

/* Simple lower-casing of Latin, Greek and Cyrillic capitals. */
static uint32_t
lower(uint32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) ||
	    (c >= 0x410 && c <= 0x42F))
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	if (c == 0x178)
		return 0xFF;
	if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
		return c | 1;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
		return (c & 1) ? c + 1 : c;
	return c;
}

/* Replace out with the case-folded s[0..n); returns its length. */
static size_t
casefold(const char *s, size_t n, struct wr_buf *out)
{
	size_t i = 0;
	uint32_t c;
	char u[4];
	int k;

	wr_buf_reset(out);
	wr_buf_grow(out, n);
	while (i < n) {
		unsigned char b = (unsigned char)s[i];
		if (b < 0x80) {
			out->s[out->len++] = (char)(b >= 'A' && b <= 'Z' ? b + 32 : b);
			i++;
			continue;
		}
		k = wr_utf8_decode(s + i, n - i, &c);
		if (!k) {
			out->s[out->len++] = (char)b;
			i++;
			continue;
		}
		i += (size_t)k;
		/* Each lower-case letter above takes as many bytes as its capital. */
		k = wr_utf8_encode(lower(c), u);
		memcpy(out->s + out->len, u, (size_t)k);
		out->len += (size_t)k;
	}
	out->s[out->len] = '\0';
	return out->len;
}

static size_t
fold_or_key(const char *s, size_t n, struct wr_buf *out, int keyed)
{
	return keyed ? wr_fold_key(s, n, out) : casefold(s, n, out);
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
static int
lookup(struct wr_answer *a, const char *name, size_t n)
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
	k = casefold(name, n, &a->fbuf);
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
static void
rate(struct wr_answer *a, const char *name, size_t n, double v, double denom)
{
	int i;
	struct req *r;

	a->found++;
	i = lookup(a, name, n);
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
		break;
	case ST_OK:
		if (r->score != v) {
			report(a, WR_ANSWER_CONFLICT, name, n, "scored twice, %g and %g", r->score, v);
			r->state = ST_BAD;
		}
		break;
	}
}

/* ---- Numbers ------------------------------------------------------------------ */

static int
isdig(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Value of the decimal number s[0..n) (digits, at most one '.', a leading '-'). */
static double
number(const char *s, size_t n)
{
	char buf[64];
	size_t i = 0;
	int neg = 0;
	double v = 0;

	if (n && s[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (n - i <= 15) {
		for (; i < n && s[i] != '.'; i++)
			v = v * 10 + (s[i] - '0');
		if (i == n)
			return neg ? -v : v;
	}
	if (n >= sizeof buf)
		return NAN;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return strtod(buf, NULL);
}

/*
 * The number that ends at s[end-1], as far back as start: digits with an
 * optional fraction. Returns where it begins, or SIZE_MAX.
 */
static size_t
number_back(const char *s, size_t start, size_t end)
{
	size_t i = end;

	while (i > start && isdig((unsigned char)s[i - 1]))
		i--;
	if (i == end)
		return SIZE_MAX;
	if (i > start + 1 && s[i - 1] == '.' && isdig((unsigned char)s[i - 2])) {
		i--;
		while (i > start && isdig((unsigned char)s[i - 1]))
			i--;
	}
	return i;
}

/* ---- Characters around entries and scores ------------------------------------ */

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Length of the white space character ending at s[i-1] (NBSP included), or 0. */
static size_t
space_before(const char *s, size_t start, size_t i)
{
	if (i > start && is_space((unsigned char)s[i - 1]))
		return 1;
	if (i >= start + 2 && (unsigned char)s[i - 2] == 0xC2 && (unsigned char)s[i - 1] == 0xA0)
		return 2;
	return 0;
}

/* Three-byte UTF-8 character ending at s[i-1] equal to E2 b1 b2? */
static int
u3_before(const char *s, size_t start, size_t i, unsigned char b1, unsigned char b2)
{
	return i >= start + 3 && (unsigned char)s[i - 3] == 0xE2 && (unsigned char)s[i - 2] == b1 &&
	    (unsigned char)s[i - 1] == b2;
}

/* A dash (- – — −) ending at s[i-1]: its length, or 0. */
static size_t
dash_before(const char *s, size_t start, size_t i)
{
	if (i > start && s[i - 1] == '-')
		return 1;
	if (u3_before(s, start, i, 0x80, 0x93) || u3_before(s, start, i, 0x80, 0x94) ||
	    u3_before(s, start, i, 0x88, 0x92))
		return 3;
	return 0;
}

/*
 * The separator between an entry and its score ending at s[i-1]: its length,
 * or 0. *dash is set when it is a dash, which may also be part of an entry.
 */
static size_t
sep_before(const char *s, size_t start, size_t i, int *dash)
{
	size_t k;

	*dash = 0;
	if (i <= start)
		return 0;
	switch (s[i - 1]) {
	case ';': case ':': case '=': case '|': case ',': case '(': case '\t':
		return 1;
	case '>':
		/* -> and => */
		return i >= start + 2 && (s[i - 2] == '-' || s[i - 2] == '=') ? 2 : 0;
	}
	if ((k = dash_before(s, start, i))) {
		*dash = 1;
		return k;
	}
	if (u3_before(s, start, i, 0x86, 0x92))   /* → */
		return 3;
	return 0;
}

/* Emphasis and closing marks that may follow a score: "4**", "(4)", "4.", "`4`". */
static size_t
suffix_after(const char *s, size_t i, size_t end)
{
	while (i < end) {
		unsigned char c = (unsigned char)s[i];
		if (is_space(c) || c == '*' || c == '_' || c == '`' || c == ')' || c == ']' || c == '.' ||
		    c == ',' || c == ';' || c == '|' || c == '"' || c == '\'' || c == '!') {
			i++;
			continue;
		}
		/* ” ’ and NBSP */
		if (c == 0xE2 && end - i >= 3 && (unsigned char)s[i + 1] == 0x80 &&
		    ((unsigned char)s[i + 2] == 0x9D || (unsigned char)s[i + 2] == 0x99)) {
			i += 3;
			continue;
		}
		if (c == 0xC2 && end - i >= 2 && (unsigned char)s[i + 1] == 0xA0) {
			i += 2;
			continue;
		}
		break;
	}
	return i;
}

static int
has_letter(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c | 32) >= 'a' && (c | 32) <= 'z')
			return 1;
		if (c >= 0xC3)
			return 1;
	}
	return 0;
}

/*
 * Text after the last digit of a line that is not a suffix: an explanation,
 * "(very common)" or "- a common word", is allowed (it holds no digit, so the
 * score is still the line's last number); anything else is not.
 */
static int
trailer_ok(const char *s, size_t i, size_t end)
{
	size_t k = suffix_after(s, i, end), d;

	if (k == end)
		return 1;
	if (k == i || !space_before(s, i, k))
		return 0;
	if (s[k] == '(')
		return s[end - 1] == ')' && has_letter(s + k, end - k);
	/* A dash or a colon, white space, words. */
	if (s[k] == ':' || s[k] == '-')
		d = 1;
	else if (end - k >= 3 && (dash_before(s, k, k + 3) == 3))
		d = 3;
	else
		return 0;
	return k + d < end && is_space((unsigned char)s[k + d]) && has_letter(s + k + d, end - k - d);
}

/* Trim white space from both ends of s[*b..*e). */
static void
trim(const char *s, size_t *b, size_t *e)
{
	size_t k;

	while (*b < *e && is_space((unsigned char)s[*b]))
		(*b)++;
	while ((k = space_before(s, *b, *e)))
		*e -= k;
}

/* Leading list markers: "- ", "* ", "+ ", "• ", "1. ", "2) ", "> ", "| ". */
static void
strip_marker(const char *s, size_t *b, size_t e)
{
	int again = 1;

	while (again && *b < e) {
		size_t i = *b;
		unsigned char c = (unsigned char)s[i];
		again = 0;
		if ((c == '-' || c == '*' || c == '+' || c == '>') && i + 1 < e && is_space((unsigned char)s[i + 1]))
			i += 1;
		else if (c == '|')
			i += 1;
		else if (c == 0xE2 && e - i > 3 && (unsigned char)s[i + 1] == 0x80 &&
		    (unsigned char)s[i + 2] == 0xA2 && is_space((unsigned char)s[i + 3]))
			i += 3;
		else if (isdig(c) || (c == '[' && i + 1 < e && isdig((unsigned char)s[i + 1]))) {
			/* "1. ", "1) ", "[1] " */
			i += c == '[';
			while (i < e && isdig((unsigned char)s[i]))
				i++;
			if (i + 1 < e && (s[i] == '.' || s[i] == ')' || (c == '[' && s[i] == ']')) &&
			    is_space((unsigned char)s[i + 1]))
				i++;
			else
				i = *b;
		}
		if (i != *b) {
			*b = i;
			while (*b < e && is_space((unsigned char)s[*b]))
				(*b)++;
			again = 1;
		}
	}
}

static int
starts(const char *s, size_t b, size_t e, const char *m, size_t n)
{
	return e - b >= n && memcmp(s + b, m, n) == 0;
}

static int
ends(const char *s, size_t b, size_t e, const char *m, size_t n)
{
	return e - b >= n && memcmp(s + e - n, m, n) == 0;
}

/* Markdown emphasis, code and quotes around an entry: **x**, *x*, __x__, `x`, "x", 'x', “x”. */
static void
strip_wrap(const char *s, size_t *b, size_t *e)
{
	static const struct { const char *open, *close; } wrap[] = {
		{"**", "**"}, {"__", "__"}, {"*", "*"}, {"_", "_"}, {"`", "`"}, {"\"", "\""},
		{"'", "'"}, {"\xe2\x80\x9c", "\xe2\x80\x9d"}, {"\xe2\x80\x98", "\xe2\x80\x99"},
	};
	size_t k, lo, lc;
	int again = 1;

	while (again && *e > *b) {
		unsigned char f = (unsigned char)s[*b];
		again = 0;
		if (f != '*' && f != '_' && f != '`' && f != '"' && f != '\'' && f != 0xE2 &&
		    s[*e - 1] != '*' && s[*e - 1] != '`')
			return;
		for (k = 0; k < sizeof wrap / sizeof wrap[0]; k++) {
			lo = strlen(wrap[k].open);
			lc = strlen(wrap[k].close);
			if (*e - *b > lo + lc && starts(s, *b, *e, wrap[k].open, lo) &&
			    ends(s, *b, *e, wrap[k].close, lc)) {
				*b += lo;
				*e -= lc;
				trim(s, b, e);
				again = 1;
				break;
			}
		}
		if (again)
			continue;
		/* Unbalanced bold or code from "**entry: 4**" or "**entry:** 4". */
		if (starts(s, *b, *e, "**", 2) || starts(s, *b, *e, "`", 1)) {
			*b += s[*b] == '`' ? 1 : 2;
			again = 1;
		} else if (ends(s, *b, *e, "**", 2) || ends(s, *b, *e, "`", 1)) {
			*e -= s[*e - 1] == '`' ? 1 : 2;
			again = 1;
		}
		if (again)
			trim(s, b, e);
	}
}

/* ---- Text lines ---------------------------------------------------------------- */

/*
 * An entry that no list marker, emphasis or white space can start or end:
 * "entry;4" with it needs none of the analysis of text_line().
 */
static int
plain_entry(const char *s, size_t n)
{
	unsigned char f = (unsigned char)s[0], l = (unsigned char)s[n - 1];

	return (((f | 32) >= 'a' && (f | 32) <= 'z') || (f >= 0x80 && f != 0xE2)) &&
	    !is_space(l) && l != 0xA0 && l != '*' && l != '`';
}

/*
 * The score of a whole cell or JSON string: "4", " 3.5 ", "**4**", "4/5",
 * "4 out of 5". Returns 0 with *v and *denom, or -1.
 */
static int
score_text(const char *s, size_t n, double *v, double *denom)
{
	size_t b = 0, e = n, i, j;
	int neg;

	trim(s, &b, &e);
	strip_wrap(s, &b, &e);
	*denom = 0;
	if ((i = number_back(s, b, e)) == SIZE_MAX)
		return -1;
	j = i;
	while (j > b && is_space((unsigned char)s[j - 1]))
		j--;
	if (j > b && s[j - 1] == '/') {
		*denom = number(s + i, e - i);
		e = j - 1;
	} else if (j >= b + 6 && j - b >= 7 && strncasecmp(s + j - 6, "out of", 6) == 0 &&
	    is_space((unsigned char)s[j - 7])) {
		*denom = number(s + i, e - i);
		e = j - 7;
	}
	if (*denom != 0) {
		while (e > b && is_space((unsigned char)s[e - 1]))
			e--;
		if ((i = number_back(s, b, e)) == SIZE_MAX)
			return -1;
	}
	neg = i > b && s[i - 1] == '-';
	if (i - neg != b)
		return -1;
	*v = number(s + i - neg, e - i + neg);
	return isnan(*v) ? -1 : 0;
}

/*
 * One line of text: "[marker] entry SEP score [suffix] [explanation]". The
 * score is the line's last number and the entry is everything before the
 * last separator in front of it, so entries may hold digits, spaces,
 * hyphens and other separators ("catch-22: 4", "rock 'n' roll - 4").
 */
static void
text_line(struct wr_answer *a, const char *s, size_t b, size_t e)
{
	size_t p, i, q, k, eb, ee, num_b, num_e, wb, we;
	double v, denom = 0;
	int dash = 0, tabbed = 0, spaced = 0, neg = 0, d2;

	trim(s, &b, &e);
	/*
	 * The form the prompt asks for, "entry;4", takes a short cut to the
	 * outcome the general path below would reach: no list marker or
	 * emphasis can start the line, no white space or emphasis end the entry.
	 */
	if (e - b >= 3 && isdig((unsigned char)s[e - 1]) && s[e - 2] == ';' && plain_entry(s + b, e - 2 - b)) {
		rate(a, s + b, e - 2 - b, s[e - 1] - '0', 0);
		return;
	}
	/* The last digit of the line ends the score. */
	for (p = e; p > b && !isdig((unsigned char)s[p - 1]); p--)
		;
	if (p == b || !trailer_ok(s, p, e))
		return;
	if ((num_b = number_back(s, b, p)) == SIZE_MAX)
		return;
	num_e = p;
	/* "4/5" or "4 out of 5": the number found is the scale. */
	for (q = num_b; q > b && is_space((unsigned char)s[q - 1]); q--)
		;
	if (q > b && s[q - 1] == '/') {
		denom = number(s + num_b, num_e - num_b);
		for (num_e = q - 1; num_e > b && is_space((unsigned char)s[num_e - 1]); num_e--)
			;
	} else if (q >= b + 7 && (s[q - 1] | 32) == 'f' && strncasecmp(s + q - 6, "out of", 6) == 0 &&
	    is_space((unsigned char)s[q - 7])) {
		denom = number(s + num_b, num_e - num_b);
		for (num_e = q - 7; num_e > b && is_space((unsigned char)s[num_e - 1]); num_e--)
			;
	}
	if (denom != 0 && (num_b = number_back(s, b, num_e)) == SIZE_MAX)
		return;
	if (num_b > b && isdig((unsigned char)s[num_b - 1]))
		return;
	/* A '-' right before the digits, after a space or separator, is a minus sign. */
	if (num_b > b && s[num_b - 1] == '-' &&
	    (num_b - 1 == b || space_before(s, b, num_b - 1) || sep_before(s, b, num_b - 1, &d2))) {
		neg = 1;
		num_b--;
	}
	/* Back over white space and emphasis to the separator. */
	for (i = num_b; i > b; ) {
		if ((k = space_before(s, b, i))) {
			if (s[i - 1] == '\t')
				tabbed = 1;
			spaced = 1;
			i -= k;
		} else if (s[i - 1] == '*' || s[i - 1] == '_' || s[i - 1] == '`')
			i--;
		else
			break;
	}
	if ((k = sep_before(s, b, i, &dash))) {
		if (dash && !spaced && !neg && i - k > b && !space_before(s, b, i - k)) {
			/*
			 * "catch-22": if the whole text is a requested entry,
			 * this is an entry without a score, not "catch" with 22.
			 */
			wb = b;
			we = num_e;
			strip_marker(s, &wb, we);
			strip_wrap(s, &wb, &we);
			if (we > wb && lookup(a, s + wb, we - wb) >= 0)
				return;
		}
		i -= k;
		if (s[i] == '(' || s[i] == '\t') {
			/* "entry: (4)", "entry -\t4" */
			while (i > b && is_space((unsigned char)s[i - 1]))
				i--;
			if ((k = sep_before(s, b, i, &d2)) && s[i - 1] != '(')
				i -= k;
		}
	} else if (!tabbed && !(denom != 0 && spaced))
		return;
	eb = b;
	ee = i;
	strip_marker(s, &eb, ee);
	trim(s, &eb, &ee);
	strip_wrap(s, &eb, &ee);
	if (ee <= eb)
		return;
	v = number(s + num_b, num_e - num_b);
	if (isnan(v))
		return;
	rate(a, s + eb, ee - eb, v, denom);
}

/* ---- Markdown tables -------------------------------------------------------------- */

/* Cells of a table row s[b..e): the positions of up to max cells; returns the count. */
static size_t
cells(const char *s, size_t b, size_t e, size_t *cb, size_t *ce, size_t max)
{
	size_t n = 0, i;

	trim(s, &b, &e);
	if (b < e && s[b] == '|')
		b++;
	if (e > b && s[e - 1] == '|' && (e - 1 == b || s[e - 2] != '\\'))
		e--;
	while (n < max) {
		for (i = b; i < e && !(s[i] == '|' && (i == b || s[i - 1] != '\\')); i++)
			;
		cb[n] = b;
		ce[n] = i;
		trim(s, &cb[n], &ce[n]);
		n++;
		if (i >= e)
			break;
		b = i + 1;
	}
	return n;
}

/* "|---|:--:|" */
static int
is_rule(const char *s, size_t b, size_t e)
{
	int bar = 0, dash = 0;

	for (; b < e; b++) {
		if (s[b] == '|')
			bar = 1;
		else if (s[b] == '-')
			dash = 1;
		else if (s[b] != ':' && !is_space((unsigned char)s[b]))
			return 0;
	}
	return bar && dash;
}

static int
name_in(const char *s, size_t n, const char *const *names)
{
	for (; *names; names++)
		if (strlen(*names) == n && strncasecmp(s, *names, n) == 0)
			return 1;
	return 0;
}

static const char *const entry_names[] = {
	"entry", "word", "term", "answer", "item", "phrase", "name", "fill", "candidate", "entries", "words", NULL
};
static const char *const score_names[] = {"score", "rating", "value", "grade", "rate", "scores", "ratings", NULL};

#define MAX_CELLS 32

struct tab {
	int on;
	int ecol, scol;    /* from the header; -1: find per row */
};

/* A header row: find the entry and score columns by name. */
static void
table_header(struct tab *t, const char *s, size_t b, size_t e)
{
	size_t cb[MAX_CELLS], ce[MAX_CELLS], n, i;

	n = cells(s, b, e, cb, ce, MAX_CELLS);
	t->on = 1;
	t->ecol = t->scol = -1;
	for (i = 0; i < n; i++) {
		size_t x = cb[i], y = ce[i], w;
		strip_wrap(s, &x, &y);
		/* "Score (1-5)" counts as "Score". */
		for (w = x; w < y && ((s[w] | 32) >= 'a' && (s[w] | 32) <= 'z'); w++)
			;
		if (t->ecol < 0 && name_in(s + x, w - x, entry_names))
			t->ecol = (int)i;
		else if (t->scol < 0 && name_in(s + x, w - x, score_names))
			t->scol = (int)i;
	}
	if (t->ecol < 0 || t->scol < 0)
		t->ecol = t->scol = -1;
}

static void
table_row(struct wr_answer *a, const struct tab *t, const char *s, size_t b, size_t e)
{
	size_t cb[MAX_CELLS], ce[MAX_CELLS], n, x, y;
	double v, denom;
	int i, sc = -1, ec = -1;

	n = cells(s, b, e, cb, ce, MAX_CELLS);
	if (t->on && t->ecol >= 0) {
		if ((size_t)t->ecol >= n || (size_t)t->scol >= n)
			return;
		ec = t->ecol;
		sc = t->scol;
	} else {
		/* The score is the last numeric cell; the entry the first other cell. */
		for (i = (int)n - 1; i >= 0 && sc < 0; i--)
			if (score_text(s + cb[i], ce[i] - cb[i], &v, &denom) == 0)
				sc = i;
		for (i = 0; i < sc && ec < 0; i++)
			if (ce[i] > cb[i] && score_text(s + cb[i], ce[i] - cb[i], &v, &denom) != 0)
				ec = i;
		if (sc < 0 || ec < 0)
			return;
	}
	if (score_text(s + cb[sc], ce[sc] - cb[sc], &v, &denom) != 0)
		return;
	x = cb[ec];
	y = ce[ec];
	strip_wrap(s, &x, &y);
	if (y > x)
		rate(a, s + x, y - x, v, denom);
}

/* ---- JSON answers ------------------------------------------------------------------ */

/*
 * End (one past) of the JSON value that starts at s[b], found by counting
 * brackets outside strings; 0 when the text ends first; SIZE_MAX when the
 * brackets do not match (at *stop).
 */
static size_t
json_end(const char *s, size_t b, size_t e, char *stack, size_t *depth, size_t *comma, size_t *stop)
{
	size_t i, d = 0;
	int str = 0;

	*comma = 0;
	for (i = b; i < e; i++) {
		*stop = i;
		char c = s[i];
		if (str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				str = 0;
			continue;
		}
		switch (c) {
		case '"':
			str = 1;
			break;
		case '{':
		case '[':
			if (d == MAX_DEPTH)
				return SIZE_MAX;
			stack[d++] = c;
			break;
		case '}':
		case ']':
			if (d == 0 || stack[d - 1] != (c == '}' ? '{' : '['))
				return SIZE_MAX;
			if (--d == 0)
				return i + 1;
			break;
		case ',':
			*comma = i;
			break;
		}
	}
	*depth = d;
	return 0;
}

static int
is_num_token(const struct wr_json *j, int i)
{
	double d;

	return j->tok[i].type == JSMN_PRIMITIVE && wr_json_num(j, i, &d) == 0;
}

/* A JSON token as a score: a number, or a string such as "4" or "4/5". */
static int
json_score(struct wr_answer *a, int i, double *v, double *denom)
{
	const struct wr_json *j = &a->json;

	*denom = 0;
	if (j->tok[i].type == JSMN_PRIMITIVE)
		return wr_json_num(j, i, v);
	if (j->tok[i].type != JSMN_STRING)
		return -1;
	wr_buf_reset(&a->num);
	if (wr_json_str(j, i, &a->num) != 0)
		return -1;
	return score_text(a->num.s, a->num.len, v, denom);
}

/* A rating from name token k (a string or number) and score token vi. */
static void
json_rate(struct wr_answer *a, int k, int vi)
{
	const struct wr_json *j = &a->json;
	double v, denom;
	size_t b = 0, e;

	if (json_score(a, vi, &v, &denom) != 0)
		return;
	wr_buf_reset(&a->name);
	if (j->tok[k].type == JSMN_STRING) {
		if (wr_json_str(j, k, &a->name) != 0)
			return;
	} else if (is_num_token(j, k)) {
		const char *raw = wr_json_raw(j, k, &e);
		wr_buf_add(&a->name, raw, e);
	} else
		return;
	e = a->name.len;
	trim(a->name.s, &b, &e);
	strip_wrap(a->name.s, &b, &e);
	if (e > b)
		rate(a, a->name.s + b, e - b, v, denom);
}

/*
 * The value in object o under the first of names (compared without case)
 * that it has as a key, or -1: {"value": "x", "score": 4} gives the score.
 */
static int
member(const struct wr_json *j, int o, const char *const *names)
{
	int i, k;

	for (; *names; names++) {
		size_t n = strlen(*names);
		for (k = 0, i = o + 1; k < j->tok[o].size; k++, i = wr_json_skip(j, i + 1))
			if (j->tok[i].type == JSMN_STRING && (size_t)(j->tok[i].end - j->tok[i].start) == n &&
			    strncasecmp(j->js + j->tok[i].start, *names, n) == 0)
				return i + 1;
	}
	return -1;
}

static void json_walk(struct wr_answer *a, int i, int depth);

/* {"entry": "x", "score": 4}: 1 when o is such a record (rated or not). */
static int
json_record(struct wr_answer *a, int o)
{
	const struct wr_json *j = &a->json;
	int ek = member(j, o, entry_names), sk = member(j, o, score_names);

	if (ek < 0 || sk < 0 || (j->tok[ek].type != JSMN_STRING && !is_num_token(j, ek)))
		return 0;
	json_rate(a, ek, sk);
	return 1;
}

static void
json_walk(struct wr_answer *a, int i, int depth)
{
	const struct wr_json *j = &a->json;
	int k, n, c, vi;
	size_t before;

	if (depth > MAX_DEPTH)
		return;
	n = j->tok[i].size;
	if (j->tok[i].type == JSMN_ARRAY) {
		for (k = 0, c = i + 1; k < n; k++, c = wr_json_skip(j, c)) {
			if (j->tok[c].type == JSMN_OBJECT) {
				if (!json_record(a, c))
					json_walk(a, c, depth + 1);
			} else if (j->tok[c].type == JSMN_ARRAY) {
				/* ["entry", 4] */
				if (j->tok[c].size == 2 && j->tok[c + 1].type == JSMN_STRING &&
				    j->tok[c + 2].type != JSMN_OBJECT && j->tok[c + 2].type != JSMN_ARRAY)
					json_rate(a, c + 1, c + 2);
				else
					json_walk(a, c, depth + 1);
			} else if (j->tok[c].type == JSMN_STRING) {
				/* ["entry: 4", ...] */
				wr_buf_reset(&a->line);
				if (wr_json_str(j, c, &a->line) == 0 && !memchr(a->line.s, '\n', a->line.len))
					text_line(a, a->line.s, 0, a->line.len);
			}
		}
		return;
	}
	if (j->tok[i].type != JSMN_OBJECT || json_record(a, i))
		return;
	/* Wrappers first: {"ratings": [...]}; if they hold ratings, nothing else counts. */
	before = a->found;
	for (k = 0, c = i + 1; k < n; k++, c = wr_json_skip(j, c + 1)) {
		vi = c + 1;
		if (j->tok[vi].type == JSMN_ARRAY ||
		    (j->tok[vi].type == JSMN_OBJECT && member(j, vi, score_names) < 0))
			json_walk(a, vi, depth + 1);
	}
	if (a->found > before)
		return;
	/* {"entry": 4, ...} and {"entry": {"score": 4, ...}} */
	for (k = 0, c = i + 1; k < n; k++, c = wr_json_skip(j, c + 1)) {
		vi = c + 1;
		if (j->tok[vi].type == JSMN_OBJECT) {
			if ((vi = member(j, vi, score_names)) >= 0)
				json_rate(a, c, vi);
		} else if (j->tok[vi].type != JSMN_ARRAY)
			json_rate(a, c, vi);
	}
}

/* Parse s[0..n) as JSON and read the ratings in it; -1 when it is not JSON. */
static int
json_answer(struct wr_answer *a, const char *s, size_t n)
{
	const char *why;

	if (wr_json_parse(&a->json, s, n, &why) != 0)
		return -1;
	json_walk(a, 0, 0);
	return 0;
}

/*
 * A JSON value cut off before its end: keep the elements before the last
 * comma (each complete) and close the brackets still open.
 */
static void
json_salvage(struct wr_answer *a, const char *s, size_t b, size_t comma)
{
	char stack[MAX_DEPTH];
	size_t depth = 0, last, stop;

	if (comma <= b)
		return;
	if (json_end(s, b, comma, stack, &depth, &last, &stop) != 0 || depth == 0)
		return;
	wr_buf_reset(&a->doc);
	wr_buf_add(&a->doc, s + b, comma - b);
	while (depth > 0)
		wr_buf_addc(&a->doc, stack[--depth] == '{' ? '}' : ']');
	json_answer(a, a->doc.s, a->doc.len);
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
	struct tab tab = {0, -1, -1};
	char stack[MAX_DEPTH];

	a->found = 0;
	a->rejected = 0;
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
			end = json_end(s, b, n, stack, &depth, &comma, &stop);
			if (end == 0) {
				/* The text ends inside the value: an answer cut off, or a stray bracket. */
				size_t before = a->found;
				json_salvage(a, s, b, comma);
				if (a->found > before)
					break;
				stop = n;
			}
			if (end != SIZE_MAX && json_alone(s, end, n) && json_answer(a, s + b, end - b) == 0) {
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
			if (eol < n && (nl2 || cut == n) && is_rule(s, eol + 1, e2) && !is_rule(s, b, eol)) {
				table_header(&tab, s, b, eol);
				pos = e2 < n ? e2 + 1 : n;
				continue;
			}
			if (tab.on || s[b] == '|') {
				if (!is_rule(s, b, eol))
					table_row(a, &tab, s, b, eol);
				pos = eol + 1;
				continue;
			}
		} else
			tab.on = 0;
		text_line(a, s, b, eol);
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
