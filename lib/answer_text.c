/* Answers as text lines: "entry: 4", list markers, emphasis, scales, and the scores of cells. */
#include "answer.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "answer_int.h"
#include "common.h"

/* ---- Numbers ------------------------------------------------------------------ */

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
void
wr_ans_trim(const char *s, size_t *b, size_t *e)
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
void
wr_ans_strip_wrap(const char *s, size_t *b, size_t *e)
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
				wr_ans_trim(s, b, e);
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
			wr_ans_trim(s, b, e);
	}
}

/* ---- Text lines ---------------------------------------------------------------- */

/*
 * The score of a whole cell or JSON string: "4", " 3.5 ", "**4**", "4/5",
 * "4 out of 5". Returns 0 with *v and *denom, or -1.
 */
int
wr_ans_score_text(const char *s, size_t n, double *v, double *denom)
{
	size_t b = 0, e = n, i, j;
	int neg;

	wr_ans_trim(s, &b, &e);
	wr_ans_strip_wrap(s, &b, &e);
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
void
wr_ans_text_line(struct wr_answer *a, const char *s, size_t b, size_t e)
{
	size_t p, i, q, k, eb, ee, num_b, num_e, wb, we;
	double v, denom = 0;
	int dash = 0, tabbed = 0, spaced = 0, neg = 0, d2;

	wr_ans_trim(s, &b, &e);
	/*
	 * The form the prompt asks for, "entry;4", takes a short cut to the
	 * outcome the general path below would reach: no list marker or
	 * emphasis can start the line, no white space or emphasis end the entry.
	 */
	if (e - b >= 3 && isdig((unsigned char)s[e - 1]) && s[e - 2] == ';' && plain_entry(s + b, e - 2 - b)) {
		wr_ans_rate(a, s + b, e - 2 - b, s[e - 1] - '0', 0, s + e - 1, 1);
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
			wr_ans_strip_wrap(s, &wb, &we);
			if (we > wb && wr_ans_lookup(a, s + wb, we - wb) >= 0)
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
	wr_ans_trim(s, &eb, &ee);
	wr_ans_strip_wrap(s, &eb, &ee);
	if (ee <= eb)
		return;
	v = number(s + num_b, num_e - num_b);
	if (isnan(v))
		return;
	wr_ans_rate(a, s + eb, ee - eb, v, denom, s + num_b, num_e - num_b);
}
