/* Answers as markdown tables: a header naming the columns, or rows with a score cell. */
#include "answer.h"

#include <string.h>
#include <strings.h>

#include "answer_int.h"

/* Cells of a table row s[b..e): the positions of up to max cells; returns the count. */
static size_t
cells(const char *s, size_t b, size_t e, size_t *cb, size_t *ce, size_t max)
{
	size_t n = 0, i;

	wr_ans_trim(s, &b, &e);
	if (b < e && s[b] == '|')
		b++;
	if (e > b && s[e - 1] == '|' && (e - 1 == b || s[e - 2] != '\\'))
		e--;
	while (n < max) {
		for (i = b; i < e && !(s[i] == '|' && (i == b || s[i - 1] != '\\')); i++)
			;
		cb[n] = b;
		ce[n] = i;
		wr_ans_trim(s, &cb[n], &ce[n]);
		n++;
		if (i >= e)
			break;
		b = i + 1;
	}
	return n;
}

/* "|---|:--:|" */
int
wr_ans_is_rule(const char *s, size_t b, size_t e)
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

const char *const wr_ans_entry_names[] = {
	"entry", "word", "term", "answer", "item", "phrase", "name", "fill", "candidate", "entries", "words", NULL
};
const char *const wr_ans_score_names[] = {"score", "rating", "value", "grade", "rate", "scores", "ratings", NULL};

#define MAX_CELLS 32

/* A header row: find the entry and score columns by name. */
void
wr_ans_table_header(struct wr_ans_tab *t, const char *s, size_t b, size_t e)
{
	size_t cb[MAX_CELLS], ce[MAX_CELLS], n, i;

	n = cells(s, b, e, cb, ce, MAX_CELLS);
	t->on = 1;
	t->ecol = t->scol = -1;
	for (i = 0; i < n; i++) {
		size_t x = cb[i], y = ce[i], w;
		wr_ans_strip_wrap(s, &x, &y);
		/* "Score (1-5)" counts as "Score". */
		for (w = x; w < y && ((s[w] | 32) >= 'a' && (s[w] | 32) <= 'z'); w++)
			;
		if (t->ecol < 0 && name_in(s + x, w - x, wr_ans_entry_names))
			t->ecol = (int)i;
		else if (t->scol < 0 && name_in(s + x, w - x, wr_ans_score_names))
			t->scol = (int)i;
	}
	if (t->ecol < 0 || t->scol < 0)
		t->ecol = t->scol = -1;
}

void
wr_ans_table_row(struct wr_answer *a, const struct wr_ans_tab *t, const char *s, size_t b, size_t e)
{
	size_t cb[MAX_CELLS], ce[MAX_CELLS], n, x, y, sb, se;
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
			if (wr_ans_score_text(s + cb[i], ce[i] - cb[i], &v, &denom) == 0)
				sc = i;
		for (i = 0; i < sc && ec < 0; i++)
			if (ce[i] > cb[i] && wr_ans_score_text(s + cb[i], ce[i] - cb[i], &v, &denom) != 0)
				ec = i;
		if (sc < 0 || ec < 0)
			return;
	}
	if (wr_ans_score_text(s + cb[sc], ce[sc] - cb[sc], &v, &denom) != 0)
		return;
	/* The score is the cell's first number ("4", "**4**", "4/5"). */
	for (sb = cb[sc]; sb < ce[sc] && !isdig((unsigned char)s[sb]) && s[sb] != '-'; sb++)
		;
	for (se = sb + 1; se < ce[sc] && (isdig((unsigned char)s[se]) || s[se] == '.'); se++)
		;
	x = cb[ec];
	y = ce[ec];
	wr_ans_strip_wrap(s, &x, &y);
	if (y > x)
		wr_ans_rate(a, s + x, y - x, v, denom, sb < ce[sc] ? s + sb : NULL, se - sb);
}
