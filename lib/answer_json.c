/* Answers as JSON: arrays of records, objects of entry to score, cut-off values salvaged. */
#include "answer.h"

#include <string.h>
#include <strings.h>

#include "answer_int.h"
#include "common.h"
#include "json.h"

/*
 * End (one past) of the JSON value that starts at s[b], found by counting
 * brackets outside strings; 0 when the text ends first; SIZE_MAX when the
 * brackets do not match (at *stop).
 */
size_t
wr_ans_json_end(const char *s, size_t b, size_t e, char *stack, size_t *depth, size_t *comma, size_t *stop)
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
	return wr_ans_score_text(a->num.s, a->num.len, v, denom);
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
	wr_ans_trim(a->name.s, &b, &e);
	wr_ans_strip_wrap(a->name.s, &b, &e);
	/* A number's place in the text is known; a string's may hold more than the score ("4/5"). */
	if (e > b)
		wr_ans_rate(a, a->name.s + b, e - b, v, denom,
		    j->tok[vi].type == JSMN_PRIMITIVE ? j->js + j->tok[vi].start : NULL,
		    (size_t)(j->tok[vi].end - j->tok[vi].start));
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
	int ek = member(j, o, wr_ans_entry_names), sk = member(j, o, wr_ans_score_names);

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
					wr_ans_text_line(a, a->line.s, 0, a->line.len);
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
		    (j->tok[vi].type == JSMN_OBJECT && member(j, vi, wr_ans_score_names) < 0))
			json_walk(a, vi, depth + 1);
	}
	if (a->found > before)
		return;
	/* {"entry": 4, ...} and {"entry": {"score": 4, ...}} */
	for (k = 0, c = i + 1; k < n; k++, c = wr_json_skip(j, c + 1)) {
		vi = c + 1;
		if (j->tok[vi].type == JSMN_OBJECT) {
			if ((vi = member(j, vi, wr_ans_score_names)) >= 0)
				json_rate(a, c, vi);
		} else if (j->tok[vi].type != JSMN_ARRAY)
			json_rate(a, c, vi);
	}
}

/* Parse s[0..n) as JSON and read the ratings in it; -1 when it is not JSON. */
int
wr_ans_json_answer(struct wr_answer *a, const char *s, size_t n)
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
void
wr_ans_json_salvage(struct wr_answer *a, const char *s, size_t b, size_t comma)
{
	char stack[MAX_DEPTH];
	size_t depth = 0, last, stop;

	if (comma <= b)
		return;
	if (wr_ans_json_end(s, b, comma, stack, &depth, &last, &stop) != 0 || depth == 0)
		return;
	wr_buf_reset(&a->doc);
	wr_buf_add(&a->doc, s + b, comma - b);
	while (depth > 0)
		wr_buf_addc(&a->doc, stack[--depth] == '{' ? '}' : ']');
	wr_ans_json_answer(a, a->doc.s, a->doc.len);
}
