/* JSON on top of jsmn: growing token arrays, lookups, escaping and unescaping. */
#include <jsmn.h>

#include "json.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

void
wr_json_init(struct wr_json *j)
{
	memset(j, 0, sizeof *j);
}

void
wr_json_free(struct wr_json *j)
{
	free(j->tok);
	wr_buf_free(&j->stack);
	memset(j, 0, sizeof *j);
}

/* The bytes that end a primitive; a table, as strchr per byte showed in profiles. */
static const char delim[256] = {
	[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1, [','] = 1, [':'] = 1,
	['['] = 1, [']'] = 1, ['{'] = 1, ['}'] = 1, ['"'] = 1,
};

/*
 * Where the string whose body starts at s[i] ends: the offset after its
 * closing quote, or 0 if it has none. Strings are most of the bytes (a
 * model's whole answer), and jsmn has found their ends already: when its
 * next string token starts at i, that token ends at the first quote not
 * escaped, as jsmn accepts only valid escapes and none of them hides a
 * quote or a backslash. Anywhere jsmn saw something else (a primitive such
 * as tru"e"), jump from quote to quote with memchr and count the
 * backslashes before each to see whether it is escaped. *tok is a cursor
 * into the tokens, which come in the order of their start.
 */
static size_t
string_end(const struct wr_json *j, int *tok, size_t i)
{
	const char *s = j->js, *q;
	size_t start = i, k, b;

	while (*tok < j->n && (size_t)j->tok[*tok].start < i)
		(*tok)++;
	if (*tok < j->n && (size_t)j->tok[*tok].start == i && j->tok[*tok].type == JSMN_STRING)
		return (size_t)j->tok[*tok].end + 1;
	for (;;) {
		if (!(q = memchr(s + i, '"', j->len - i)))
			return 0;
		k = (size_t)(q - s);
		for (b = 0; k - b > start && s[k - b - 1] == '\\'; b++)
			;
		i = k + 1;
		if (b % 2 == 0)
			return i;
	}
}

/*
 * The punctuation between the values, which jsmn does not check: it takes
 * [1,], {"a":1,}, [1]: and {"a":1}, for JSON.  One pass with an explicit
 * stack, so that deep nesting costs no C stack.  String and primitive
 * contents are left to jsmn and wr_json_check.
 */
static int
syntax_ok(struct wr_json *j)
{
	enum { VAL, VAL_OR_CLOSE, KEY, KEY_OR_CLOSE, COLON, NEXT, END } st = VAL;
	struct wr_buf *stack = &j->stack;
	const char *s = j->js;
	size_t i = 0, n = j->len;
	int tok = 0;
	int ok = 0;
	char c;

	wr_buf_reset(stack);

	for (;;) {
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
			i++;
		if (i == n) {
			ok = st == END;
			break;
		}
		c = s[i];
		if (st == END)
			break;
		if (st == COLON) {
			if (c != ':')
				break;
			i++;
			st = VAL;
			continue;
		}
		if (st == NEXT) {
			char top = stack->s[stack->len - 1];
			if (c == ',') {
				i++;
				st = top == '[' ? VAL : KEY;
				continue;
			}
			if (c != (top == '[' ? ']' : '}'))
				break;
			i++;
			stack->len--;
			st = stack->len ? NEXT : END;
			continue;
		}
		if ((st == VAL_OR_CLOSE && c == ']') || (st == KEY_OR_CLOSE && c == '}')) {
			i++;
			stack->len--;
			st = stack->len ? NEXT : END;
			continue;
		}
		if (c == '"') {
			if ((i = string_end(j, &tok, i + 1)) == 0)
				break;
			st = st == KEY || st == KEY_OR_CLOSE ? COLON : stack->len ? NEXT : END;
			continue;
		}
		if (st == KEY || st == KEY_OR_CLOSE)
			break;
		if (c == '[' || c == '{') {
			wr_buf_addc(stack, c);
			i++;
			st = c == '[' ? VAL_OR_CLOSE : KEY_OR_CLOSE;
			continue;
		}
		if (c == ',' || c == ':' || c == ']' || c == '}')
			break;
		while (i < n && !delim[(unsigned char)s[i]])
			i++;
		st = stack->len ? NEXT : END;
	}
	return ok;
}

int
wr_json_parse(struct wr_json *j, const char *js, size_t len, const char **why)
{
	jsmn_parser p;
	int r, several = 0;

	j->js = js;
	j->len = len;
	j->n = 0;
	if (len > (size_t)0x7fffffff) {
		*why = "document too large";
		return -1;
	}
	/* jsmn stops at a NUL and would take "1\0garbage" for the value 1. */
	if (memchr(js, '\0', len)) {
		*why = "invalid JSON";
		return -1;
	}
	if (!j->tok) {
		j->cap = 256;
		j->tok = wr_malloc(j->cap * sizeof *j->tok);
	}
	for (;;) {
		jsmn_init(&p);
		r = jsmn_parse(&p, js, len, j->tok, j->cap);
		if (r != JSMN_ERROR_NOMEM)
			break;
		if (j->cap >= WR_JSON_MAX_TOKENS) {
			*why = "too many JSON values";
			return -1;
		}
		j->cap *= 2;
		j->tok = wr_realloc(j->tok, j->cap * sizeof *j->tok);
	}
	if (r == JSMN_ERROR_INVAL) {
		*why = "invalid JSON";
		return -1;
	}
	if (r == JSMN_ERROR_PART) {
		*why = "truncated JSON";
		return -1;
	}
	if (r < 1) {
		*why = "empty JSON";
		return -1;
	}
	j->n = r;
	/*
	 * jsmn lets a key go without its value ({"a"}); every key needs
	 * exactly one. It also accepts several values in a row, where we want
	 * exactly one: that is a token after the first with no parent. (A
	 * token's parent is one made before it, and its size counts the
	 * tokens whose parent it is, so this is the same as wr_json_skip(j, 0)
	 * falling short of r, without a second walk over the tokens.)
	 */
	for (int i = 1; i < r; i++) {
		int p = j->tok[i].parent;
		if (p < 0)
			several = 1;
		else if (j->tok[p].type == JSMN_OBJECT &&
		    (j->tok[i].type != JSMN_STRING || j->tok[i].size != 1)) {
			*why = "invalid JSON";
			return -1;
		}
	}
	if (several) {
		*why = "more than one JSON value";
		return -1;
	}
	if (!syntax_ok(j)) {
		*why = "invalid JSON";
		return -1;
	}
	return 0;
}

int
wr_json_skip(const struct wr_json *j, int i)
{
	int pending = 1;

	/* Every token's children follow it; count them down. */
	while (pending > 0 && i < j->n) {
		const jsmntok_t *t = &j->tok[i];
		/* An object counts its keys, a key its value, an array its items. */
		pending += t->size - 1;
		i++;
	}
	return i;
}

int
wr_json_get(const struct wr_json *j, int obj, const char *key)
{
	int i, k;
	size_t klen = strlen(key);

	if (obj < 0 || obj >= j->n || j->tok[obj].type != JSMN_OBJECT)
		return -1;
	i = obj + 1;
	for (k = 0; k < j->tok[obj].size; k++) {
		const jsmntok_t *t = &j->tok[i];
		if (t->type == JSMN_STRING && (size_t)(t->end - t->start) == klen &&
		    memcmp(j->js + t->start, key, klen) == 0)
			return i + 1 < j->n ? i + 1 : -1;
		i = wr_json_skip(j, i + 1);
	}
	return -1;
}

int
wr_json_path(const struct wr_json *j, int obj, ...)
{
	va_list ap;
	const char *key;

	va_start(ap, obj);
	while (obj >= 0 && (key = va_arg(ap, const char *)) != NULL)
		obj = wr_json_get(j, obj, key);
	va_end(ap);
	return obj;
}

int
wr_json_index(const struct wr_json *j, int arr, int k)
{
	int i;

	if (arr < 0 || arr >= j->n || j->tok[arr].type != JSMN_ARRAY || k < 0 || k >= j->tok[arr].size)
		return -1;
	i = arr + 1;
	while (k-- > 0)
		i = wr_json_skip(j, i);
	return i;
}

int
wr_json_first(const struct wr_json *j, int arr)
{
	return wr_json_index(j, arr, 0);
}

int
wr_json_next(const struct wr_json *j, int arr, int i)
{
	i = wr_json_skip(j, i);
	return i < j->n && j->tok[i].parent == arr ? i : -1;
}

int
wr_json_streq(const struct wr_json *j, int i, const char *s)
{
	size_t n = strlen(s);

	return i >= 0 && i < j->n && j->tok[i].type == JSMN_STRING &&
	    (size_t)(j->tok[i].end - j->tok[i].start) == n &&
	    memcmp(j->js + j->tok[i].start, s, n) == 0;
}

int
wr_json_isnull(const struct wr_json *j, int i)
{
	return i < 0 || (j->tok[i].type == JSMN_PRIMITIVE && j->js[j->tok[i].start] == 'n');
}

const char *
wr_json_raw(const struct wr_json *j, int i, size_t *len)
{
	*len = (size_t)(j->tok[i].end - j->tok[i].start);
	return j->js + j->tok[i].start;
}

const char *
wr_json_text(const struct wr_json *j, int i, size_t *len)
{
	int start = j->tok[i].start, end = j->tok[i].end;

	if (j->tok[i].type == JSMN_STRING) {
		start--;
		end++;
	}
	*len = (size_t)(end - start);
	return j->js + start;
}

/* The JSON number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
number_syntax(const char *s, size_t n)
{
	size_t i = 0, d;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else {
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < n && s[i] == '.') {
		for (d = ++i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (d = i; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			;
		if (i == d)
			return 0;
	}
	return i == n;
}

int
wr_json_num(const struct wr_json *j, int i, double *out)
{
	char tmp[64], *end;
	size_t n;
	const char *s;

	if (i < 0 || j->tok[i].type != JSMN_PRIMITIVE)
		return -1;
	s = wr_json_raw(j, i, &n);
	if (n == 0 || n >= sizeof tmp || !number_syntax(s, n))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	*out = strtod(tmp, &end);
	return *end == '\0' ? 0 : -1;
}

int
wr_json_str(const struct wr_json *j, int i, struct wr_buf *out)
{
	size_t n;
	const char *s;

	if (i < 0 || i >= j->n || j->tok[i].type != JSMN_STRING)
		return -1;
	s = wr_json_raw(j, i, &n);
	return wr_json_unescape(s, n, out);
}

static int
hex4(const char *s, uint32_t *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		char c = s[i];
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

/*
 * Every answer, custom_id and escaped entry goes through here, hence the
 * tight loop: eight bytes copied at a time up to the next special one, and
 * one UTF-8 check of the decoded text at the end, only when it has a byte
 * above ASCII. That check is the same as checking each run of plain bytes:
 * an escape decodes to whole characters, so a sequence broken by one is
 * still broken in the output.
 */
int
wr_json_unescape(const char *s, size_t n, struct wr_buf *out)
{
	size_t i = 0, start;
	uint64_t high = 0;
	uint32_t c, lo;
	char *d;
	int k;

	/* The output never outgrows the input: d always has room for eight more bytes of it. */
	wr_buf_grow(out, n);
	start = out->len;
	d = out->s + start;
	while (i < n) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		while (i + 8 <= n) {
			uint64_t x, m = wr_json_special8(s + i);
			size_t run = m ? (size_t)__builtin_ctzll(m) / 8 : 8;
			memcpy(&x, s + i, 8);
			memcpy(d, &x, 8);
			high |= x;
			d += run;
			i += run;
			if (run < 8)
				break;
		}
		if (i == n)
			break;
#endif
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '\\') {
			high |= c;
			*d++ = (char)c;
			i++;
			continue;
		}
		if (c < 0x20 || i + 1 >= n)
			return -1;
		switch (s[i + 1]) {
		case '"': *d++ = '"'; break;
		case '\\': *d++ = '\\'; break;
		case '/': *d++ = '/'; break;
		case 'b': *d++ = '\b'; break;
		case 'f': *d++ = '\f'; break;
		case 'n': *d++ = '\n'; break;
		case 'r': *d++ = '\r'; break;
		case 't': *d++ = '\t'; break;
		case 'u':
			if (n - i < 6 || hex4(s + i + 2, &c))
				return -1;
			i += 6;
			if (c >= 0xDC00 && c <= 0xDFFF)
				return -1;
			if (c >= 0xD800 && c <= 0xDBFF) {
				if (n - i < 6 || s[i] != '\\' || s[i + 1] != 'u' || hex4(s + i + 2, &lo) ||
				    lo < 0xDC00 || lo > 0xDFFF)
					return -1;
				i += 6;
				c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
			}
			/* Six bytes of escape give at most three, twelve at most four. */
			if (!(k = wr_utf8_encode(c, d)))
				return -1;
			d += k;
			continue;
		default:
			return -1;
		}
		i += 2;
	}
	if ((high & UINT64_C(0x8080808080808080)) && !wr_utf8_valid(out->s + start, (size_t)(d - out->s) - start))
		return -1;
	out->len = (size_t)(d - out->s);
	out->s[out->len] = '\0';
	return 0;
}

void
wr_json_escape_in(struct wr_buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	wr_buf_grow(out, n);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		wr_buf_add(out, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': wr_buf_add(out, "\\\"", 2); break;
		case '\\': wr_buf_add(out, "\\\\", 2); break;
		case '\n': wr_buf_add(out, "\\n", 2); break;
		case '\r': wr_buf_add(out, "\\r", 2); break;
		case '\t': wr_buf_add(out, "\\t", 2); break;
		case '\b': wr_buf_add(out, "\\b", 2); break;
		case '\f': wr_buf_add(out, "\\f", 2); break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			wr_buf_add(out, u, 6);
		}
		}
	}
	wr_buf_add(out, s + run, n - run);
}

void
wr_json_escape(struct wr_buf *out, const char *s, size_t n)
{
	wr_buf_grow(out, n + 2);
	wr_buf_addc(out, '"');
	wr_json_escape_in(out, s, n);
	wr_buf_addc(out, '"');
}

void
wr_json_escapes(struct wr_buf *out, const char *s)
{
	wr_json_escape(out, s, strlen(s));
}

/*
 * Check that every string token decodes and every primitive is a JSON
 * literal or number.  The value is wrapped in brackets first: strict jsmn
 * wants a delimiter after a primitive, so a bare "0" would look truncated.
 */
int
wr_json_valid(const char *s, size_t len)
{
	struct wr_json j;
	struct wr_buf wrapped = {0};
	const char *why;
	int ok;

	wr_buf_addc(&wrapped, '[');
	wr_buf_add(&wrapped, s, len);
	wr_buf_addc(&wrapped, ']');
	wr_json_init(&j);
	ok = wr_json_parse(&j, wrapped.s, wrapped.len, &why) == 0 && j.tok[0].size == 1 &&
	    wr_json_check(&j);
	wr_buf_free(&wrapped);
	wr_json_free(&j);
	return ok;
}

int
wr_json_check(const struct wr_json *j)
{
	struct wr_buf tmp = {0};
	int ok = 1, i;

	for (i = 0; ok && i < j->n; i++) {
		size_t n;
		const char *r = wr_json_raw(j, i, &n);
		double d;
		if (j->tok[i].type == JSMN_STRING) {
			wr_buf_reset(&tmp);
			ok = wr_json_unescape(r, n, &tmp) == 0;
		} else if (j->tok[i].type == JSMN_PRIMITIVE) {
			ok = (n == 4 && memcmp(r, "true", 4) == 0) || (n == 5 && memcmp(r, "false", 5) == 0) ||
			    (n == 4 && memcmp(r, "null", 4) == 0) || wr_json_num(j, i, &d) == 0;
		}
	}
	wr_buf_free(&tmp);
	return ok;
}
