/* wr-serve's model: chat requests in, rated entries out in one of many shapes, faults on demand. */
#include "serve.h"

#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

static int wr_chat_content(const struct wr_json *j, int t, struct wr_buf *out);
static void wr_chat_split(struct wr_chat *c);

static const char *const style_names[] = {
	"plain", "colon", "dash", "tab", "numbered", "bold", "table",
	"json-array", "json-object", "fenced", "mix",
};

static const char *const fault_names[WR_NFAULTS] = {
	"-", "drop", "partial", "fail-500", "fail-429", "garble", "refuse",
	"filter", "truncate", "overload", "refuse-entry",
};

const char wr_refusal_text[] = "I'm sorry, but I can't help with rating these entries.";
const char wr_chat_bad_json[] = "We could not parse the JSON body of your request.";

int
wr_style_parse(const char *name)
{
	int i;

	for (i = 0; i <= WR_STYLE_MIX; i++)
		if (strcmp(name, style_names[i]) == 0)
			return i;
	return -1;
}

const char *
wr_style_name(int style)
{
	return style >= 0 && style <= WR_STYLE_MIX ? style_names[style] : "?";
}

const char *
wr_fault_name(enum wr_fault f)
{
	return (unsigned)f < WR_NFAULTS ? fault_names[f] : "?";
}

/* A uniform number in [0, 1) from the hash of (a, b) under seed. */
static double
draw(uint64_t seed, uint64_t a, uint64_t b)
{
	uint64_t in[2] = {a, b};

	return (double)(XXH3_64bits_withSeed(in, sizeof in, seed) >> 11) * 0x1p-53;
}

enum wr_fault
wr_fault_pick(const double rates[WR_NFAULTS], uint64_t seed, uint64_t bodyhash, uint64_t seen)
{
	double u = draw(seed, bodyhash, seen), edge = 0;
	int f;

	for (f = WR_FAULT_NONE + 1; f <= WR_FAULT_LAST_DRAWN; f++) {
		if (rates[f] <= 0)
			continue;
		edge += rates[f];
		if (u < edge)
			return (enum wr_fault)f;
	}
	return WR_FAULT_NONE;
}

int
wr_style_pick(int style, uint64_t seed, uint64_t bodyhash)
{
	if (style != WR_STYLE_MIX)
		return style;
	/* A different stream from the fault draw (which never uses UINT64_MAX as a count). */
	return (int)(draw(seed, bodyhash, UINT64_MAX) * WR_NSTYLES);
}

void
wr_chat_init(struct wr_chat *c)
{
	memset(c, 0, sizeof *c);
	wr_json_init(&c->json);
}

void
wr_chat_free(struct wr_chat *c)
{
	wr_json_free(&c->json);
	wr_buf_free(&c->user);
	wr_buf_free(&c->model);
	wr_buf_free(&c->scratch);
	free(c->entries);
	free(c->lens);
	memset(c, 0, sizeof *c);
}

int
wr_chat_count(struct wr_chat *c, const struct wr_json *j, int t)
{
	wr_buf_reset(&c->scratch);
	if (wr_chat_content(j, t, &c->scratch))
		return -1;
	c->prompt_bytes += c->scratch.len;
	return 0;
}

int
wr_chat_user(struct wr_chat *c, const struct wr_json *j, int t, const char *no_user, const char **why)
{
	if (t < 0) {
		*why = no_user;
		return -1;
	}
	wr_chat_content(j, t, &c->user);
	wr_chat_split(c);
	return 0;
}

static int
blank(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/*
 * Append the text of a message content at token t: a string, or an array
 * of strings and {"text":...} parts (parts with another "type" are skipped).
 * null appends nothing. -1 when t is none of these.
 */
static int
wr_chat_content(const struct wr_json *j, int t, struct wr_buf *out)
{
	int k, part, text;

	if (t < 0)
		return -1;
	if (j->tok[t].type == JSMN_STRING)
		return wr_json_str(j, t, out);
	if (j->tok[t].type != JSMN_ARRAY)
		return wr_json_isnull(j, t) ? 0 : -1;
	for (k = 0; (part = wr_json_index(j, t, k)) >= 0; k++) {
		if (j->tok[part].type == JSMN_STRING) {
			text = part;
		} else {
			text = wr_json_get(j, part, "text");
			if (text < 0 || (wr_json_get(j, part, "type") >= 0 &&
			    !wr_json_streq(j, wr_json_get(j, part, "type"), "text")))
				continue;
		}
		if (out->len && out->s[out->len - 1] != '\n')
			wr_buf_addc(out, '\n');
		if (wr_json_str(j, text, out))
			return -1;
	}
	return 0;
}

static void
add_entry(struct wr_chat *c, const char *s, size_t n)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->entries = wr_realloc(c->entries, c->cap * sizeof *c->entries);
		c->lens = wr_realloc(c->lens, c->cap * sizeof *c->lens);
	}
	c->entries[c->n] = s;
	c->lens[c->n] = n;
	c->n++;
}

/*
 * The entries: the trimmed lines after the last blank line (all lines when
 * none is blank). A final newline ends the last line; it starts no new one.
 */
static void
wr_chat_split(struct wr_chat *c)
{
	const char *s = c->user.s ? c->user.s : "", *end = s + c->user.len, *p, *nl, *from = s;
	size_t a, b;

	for (p = s; p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		for (a = 0; p + a < nl && blank(p[a]); a++)
			;
		if (p + a == nl)
			from = nl + 1;
	}
	for (p = from; p < end; p = nl + 1) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		a = 0;
		b = (size_t)(nl - p);
		while (a < b && blank(p[a]))
			a++;
		while (b > a && blank(p[b - 1]))
			b--;
		if (b > a)
			add_entry(c, p + a, b - a);
	}
}

int
wr_chat_begin(struct wr_chat *c, const char *body, size_t len, const char **why)
{
	wr_buf_reset(&c->user);
	wr_buf_reset(&c->model);
	c->n = 0;
	c->max_tokens = 0;
	c->prompt_bytes = 0;
	if (wr_json_parse(&c->json, body, len, why) || c->json.tok[0].type != JSMN_OBJECT) {
		*why = wr_chat_bad_json;
		return -1;
	}
	return 0;
}

int
wr_chat_model(struct wr_chat *c, int t, const char **why)
{
	const struct wr_json *j = &c->json;

	if (t < 0 || wr_json_isnull(j, t)) {
		wr_buf_adds(&c->model, "wr-serve");
		return 0;
	}
	if (j->tok[t].type != JSMN_STRING || wr_json_str(j, t, &c->model)) {
		*why = "model must be a string.";
		return -1;
	}
	return 0;
}

int
wr_chat_max_tokens(struct wr_chat *c, int t, const char *name, const char **why)
{
	static _Thread_local char msg[96];
	const struct wr_json *j = &c->json;
	double v;

	if (t < 0 || wr_json_isnull(j, t))
		return 0;
	if (wr_json_num(j, t, &v) || v < 1 || v >= 0x1p62 || v != (double)(long)v) {
		snprintf(msg, sizeof msg, "%s must be a positive integer.", name);
		*why = msg;
		return -1;
	}
	c->max_tokens = (long)v;
	return 0;
}

int
wr_chat_no_stream(const struct wr_json *j, int t, const char **why)
{
	if (t >= 0 && j->tok[t].type == JSMN_PRIMITIVE && j->js[j->tok[t].start] == 't') {
		*why = "wr-serve does not stream; leave out \"stream\": true.";
		return -1;
	}
	return 0;
}

int
wr_chat_has_entry(const struct wr_chat *c, const struct wr_map *set)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (wr_map_get(set, c->entries[i], c->lens[i]))
			return 1;
	return 0;
}

/* An entry inside a markdown table cell: a '|' would end the cell. */
static void
add_cell(struct wr_buf *out, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '|')
			wr_buf_addc(out, '\\');
		wr_buf_addc(out, s[i]);
	}
}

void
wr_answer_text(struct wr_buf *out, int style, const char *const *entries,
    const size_t *lens, const int *scores, size_t n)
{
	size_t i;

	if (style == WR_STYLE_RATINGS) {
		wr_buf_adds(out, "{\"ratings\":[");
		for (i = 0; i < n; i++) {
			wr_buf_adds(out, i ? ",{\"entry\":" : "{\"entry\":");
			wr_json_escape(out, entries[i], lens[i]);
			wr_buf_printf(out, ",\"score\":%d}", scores[i]);
		}
		wr_buf_adds(out, "]}");
		return;
	}
	if (n == 0) {
		wr_buf_adds(out, "There are no entries to rate.");
		return;
	}
	switch (style) {
	case WR_STYLE_TABLE:
		wr_buf_adds(out, "| Entry | Score |\n|-------|-------|\n");
		break;
	case WR_STYLE_JSON_ARRAY:
		wr_buf_adds(out, "[\n");
		break;
	case WR_STYLE_JSON_OBJECT:
		wr_buf_adds(out, "{\n");
		break;
	case WR_STYLE_FENCED:
		wr_buf_adds(out, "Here are the ratings:\n\n```text\n");
		break;
	}
	for (i = 0; i < n; i++) {
		const char *e = entries[i];
		size_t len = lens[i];
		int s = scores[i];

		switch (style) {
		case WR_STYLE_COLON:
			wr_buf_add(out, e, len);
			wr_buf_printf(out, ": %d", s);
			break;
		case WR_STYLE_DASH:
			wr_buf_add(out, e, len);
			wr_buf_printf(out, " - %d", s);
			break;
		case WR_STYLE_TAB:
			wr_buf_add(out, e, len);
			wr_buf_printf(out, "\t%d", s);
			break;
		case WR_STYLE_NUMBERED:
			wr_buf_printf(out, "%zu. ", i + 1);
			wr_buf_add(out, e, len);
			wr_buf_printf(out, " \xe2\x80\x94 %d", s);
			break;
		case WR_STYLE_BOLD:
			wr_buf_adds(out, "**");
			wr_buf_add(out, e, len);
			wr_buf_printf(out, "**: %d", s);
			break;
		case WR_STYLE_TABLE:
			wr_buf_adds(out, "| ");
			add_cell(out, e, len);
			wr_buf_printf(out, " | %d |", s);
			break;
		case WR_STYLE_JSON_ARRAY:
			wr_buf_adds(out, "  {\"entry\": ");
			wr_json_escape(out, e, len);
			wr_buf_printf(out, ", \"score\": %d}%s", s, i + 1 < n ? "," : "");
			break;
		case WR_STYLE_JSON_OBJECT:
			wr_buf_adds(out, "  ");
			wr_json_escape(out, e, len);
			wr_buf_printf(out, ": %d%s", s, i + 1 < n ? "," : "");
			break;
		default: /* plain, and the lines of fenced */
			wr_buf_add(out, e, len);
			wr_buf_printf(out, ";%d", s);
			break;
		}
		if (i + 1 < n)
			wr_buf_addc(out, '\n');
	}
	switch (style) {
	case WR_STYLE_JSON_ARRAY:
		wr_buf_adds(out, "\n]");
		break;
	case WR_STYLE_JSON_OBJECT:
		wr_buf_adds(out, "\n}");
		break;
	case WR_STYLE_FENCED:
		wr_buf_adds(out, "\n```\n\nLet me know if you would like any of them rated again.");
		break;
	}
}

size_t
wr_tokens(size_t bytes)
{
	return (bytes + 3) / 4;
}

size_t
wr_utf8_cut(const char *s, size_t at)
{
	while (at > 0 && ((unsigned char)s[at] & 0xc0) == 0x80)
		at--;
	return at;
}

size_t
wr_mid_line(const char *s, size_t n)
{
	size_t mid = n / 2, start, end, cut;

	start = mid;
	while (start > 0 && s[start - 1] != '\n')
		start--;
	end = mid;
	while (end < n && s[end] != '\n')
		end++;
	/* Keep at least one character of the line and drop at least one where we can. */
	cut = wr_utf8_cut(s, start + (end - start) / 2);
	if (cut == start && cut < end)
		for (cut++; cut < end && ((unsigned char)s[cut] & 0xc0) == 0x80; cut++)
			;
	return cut;
}

enum wr_stop
wr_reply_text(struct wr_buf *text, const struct wr_chat *c, const int *scores,
    const struct wr_reply *r)
{
	enum wr_stop stop = WR_STOP_END;

	wr_buf_reset(text);
	wr_buf_adds(text, "");
	if (r->fault == WR_FAULT_REFUSE || r->fault == WR_FAULT_REFUSE_ENTRY)
		return WR_STOP_REFUSAL;
	if (r->fault == WR_FAULT_FILTER)
		return WR_STOP_FILTER;
	wr_answer_text(text, r->style, c->entries, c->lens, scores, c->n);
	if (r->fault == WR_FAULT_TRUNCATE) {
		text->len = wr_mid_line(text->s, text->len);
		text->s[text->len] = '\0';
		stop = WR_STOP_LENGTH;
	}
	if (c->max_tokens > 0 && wr_tokens(text->len) > (size_t)c->max_tokens) {
		text->len = wr_utf8_cut(text->s, (size_t)c->max_tokens * 4);
		text->s[text->len] = '\0';
		stop = WR_STOP_LENGTH;
	}
	return stop;
}
