/* Provider dialects: finding one by name, URL or answer shape, and the helpers every dialect file shares. */
#include "dialect.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct wr_dialect *const dialects[] = {
	&wr_dialect_openai, &wr_dialect_anthropic, &wr_dialect_gemini,
};

const struct wr_dialect *
wr_dialect_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof dialects / sizeof *dialects; i++)
		if (strcmp(dialects[i]->name, name) == 0)
			return dialects[i];
	return NULL;
}

/*
 * Split url into its host (lowercased into host, without userinfo, port or
 * a trailing dot) and the path that follows. A URL without a scheme is read
 * as starting with its host. 0, or -1 when there is no host or it is too long.
 */
static int
split_url(const char *url, char *host, size_t cap, const char **path)
{
	const char *a = strstr(url, "://"), *end, *at, *h, *he;
	size_t n, i;

	a = a ? a + 3 : url;
	end = a + strcspn(a, "/?#");
	*path = end;
	/* Userinfo ends at the last '@' of the authority: "user:p@ss@host". */
	for (at = NULL, h = a; h < end; h++)
		if (*h == '@')
			at = h;
	h = at ? at + 1 : a;
	if (*h == '[') {
		he = memchr(h, ']', (size_t)(end - h));
		if (!he)
			return -1;
		h++;
	} else {
		for (he = h; he < end && *he != ':'; he++)
			;
	}
	n = (size_t)(he - h);
	if (n > 0 && h[n - 1] == '.')
		n--;
	if (n == 0 || n >= cap)
		return -1;
	for (i = 0; i < n; i++)
		host[i] = (char)tolower((unsigned char)h[i]);
	host[n] = '\0';
	return 0;
}

/* 1 when host is domain or a subdomain of it. */
static int
in_domain(const char *host, const char *domain)
{
	size_t h = strlen(host), d = strlen(domain);

	if (h == d)
		return strcmp(host, domain) == 0;
	return h > d && host[h - d - 1] == '.' && strcmp(host + h - d, domain) == 0;
}

const char *
wr_dialect_vendor(const char *url)
{
	char host[256];
	const char *path;

	if (split_url(url, host, sizeof host, &path) < 0)
		return NULL;
	if (in_domain(host, "openai.com"))
		return "openai";
	if (in_domain(host, "anthropic.com"))
		return "anthropic";
	if (in_domain(host, "googleapis.com"))
		return "google";
	return NULL;
}

const struct wr_dialect *
wr_dialect_infer(const char *url)
{
	char host[256];
	const char *path;
	size_t plen;

	if (split_url(url, host, sizeof host, &path) < 0)
		return &wr_dialect_openai;
	if (strcmp(host, "api.anthropic.com") == 0)
		return &wr_dialect_anthropic;
	if (strcmp(host, "generativelanguage.googleapis.com") == 0) {
		/* Only the path counts, not a query or fragment that names /openai. */
		plen = strcspn(path, "?#");
		while (plen >= 7) {
			const char *p = memchr(path, '/', plen);
			if (!p)
				break;
			plen -= (size_t)(p - path);
			path = p;
			if (plen >= 7 && memcmp(path, "/openai", 7) == 0 &&
			    (plen == 7 || path[7] == '/'))
				return &wr_dialect_openai;
			path++;
			plen--;
		}
		return &wr_dialect_gemini;
	}
	return &wr_dialect_openai;
}

const struct wr_dialect *
wr_dialect_of_body(const struct wr_json *j, int body)
{
	int c;

	if (body < 0 || body >= j->n || j->tok[body].type != JSMN_OBJECT)
		return NULL;
	if (wr_json_get(j, body, "choices") >= 0)
		return &wr_dialect_openai;
	if (wr_json_streq(j, wr_json_get(j, body, "type"), "message"))
		return &wr_dialect_anthropic;
	c = wr_json_get(j, body, "content");
	if (c >= 0 && j->tok[c].type == JSMN_ARRAY)
		return &wr_dialect_anthropic;
	if (wr_json_get(j, body, "candidates") >= 0 || wr_json_get(j, body, "promptFeedback") >= 0 ||
	    wr_json_get(j, body, "usageMetadata") >= 0)
		return &wr_dialect_gemini;
	return NULL;
}

int
wr_reading_text(const struct wr_json *j, const struct wr_reading *r, struct wr_buf *text)
{
	int c = r->content, k, part, t;

	if (c < 0 || c >= j->n)
		return -1;
	if (j->tok[c].type == JSMN_STRING)
		return wr_json_str(j, c, text);
	if (j->tok[c].type != JSMN_ARRAY)
		return -1;
	wr_buf_add(text, "", 0);
	for (k = 0, part = c + 1; k < j->tok[c].size; k++, part = wr_json_skip(j, part)) {
		if (j->tok[part].type != JSMN_OBJECT)
			continue;
		t = wr_json_get(j, part, "type");
		if (wr_json_streq(j, t, "thinking") || wr_json_streq(j, t, "redacted_thinking"))
			continue;
		if (wr_dialect_bool(j, wr_json_get(j, part, "thought")) == 1)
			continue;
		t = wr_json_get(j, part, "text");
		if (t < 0 || j->tok[t].type != JSMN_STRING)
			continue;
		if (wr_json_str(j, t, text) < 0)
			return -1;
	}
	return 0;
}

void
wr_dialect_header_line(const struct wr_dialect *d, struct wr_limits *l, const char *line, size_t len,
    time_t now)
{
	const char *colon = memchr(line, ':', len);
	size_t nlen;

	if (!colon)
		return;
	/* A status line has no colon, or one after a space that no header name matches. */
	nlen = (size_t)(colon - line);
	d->header(l, line, nlen, colon + 1, len - nlen - 1, now);
}

void
wr_limits_reset(struct wr_limits *l)
{
	l->limit_requests = l->remaining_requests = l->reset_requests = -1;
	l->limit_tokens = l->remaining_tokens = l->reset_tokens = -1;
	l->limit_input_tokens = l->remaining_input_tokens = l->reset_input_tokens = -1;
	l->limit_output_tokens = l->remaining_output_tokens = l->reset_output_tokens = -1;
}

/* Trim white space (and a CR or LF) from both ends of s[0..*n). */
static const char *
trim(const char *s, size_t *n)
{
	while (*n > 0 && isspace((unsigned char)*s))
		s++, (*n)--;
	while (*n > 0 && isspace((unsigned char)s[*n - 1]))
		(*n)--;
	return s;
}

/* Read an unsigned decimal number (digits, optionally ".digits") at s[*i..n). 0 or -1. */
static int
decimal(const char *s, size_t n, size_t *i, double *out)
{
	double v = 0, scale = 1;
	size_t start = *i;
	int digits = 0;

	for (; *i < n && isdigit((unsigned char)s[*i]); (*i)++, digits++)
		v = v * 10 + (s[*i] - '0');
	if (*i < n && s[*i] == '.') {
		(*i)++;
		for (; *i < n && isdigit((unsigned char)s[*i]); (*i)++, digits++) {
			scale /= 10;
			v += (s[*i] - '0') * scale;
		}
	}
	if (!digits) {
		*i = start;
		return -1;
	}
	*out = v;
	return 0;
}

/* A non-negative number that is the whole of s[0..n) (spaces around allowed). 0 or -1. */
static int
wr_dialect_count(const char *s, size_t n, double *out)
{
	size_t i = 0;
	double v;

	s = trim(s, &n);
	if (decimal(s, n, &i, &v) < 0 || i != n || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

int
wr_dialect_duration(const char *s, size_t n, double *out)
{
	static const struct { const char *u; double f; } units[] = {
		/* Longest first, so that "ms" is not read as "m" then "s". */
		{"ms", 1e-3}, {"us", 1e-6}, {"\xc2\xb5s", 1e-6}, {"ns", 1e-9},
		{"h", 3600}, {"m", 60}, {"s", 1},
	};
	double total = 0, v;
	size_t i = 0, k, ul;

	s = trim(s, &n);
	if (n == 0)
		return -1;
	if (wr_dialect_count(s, n, out) == 0)
		return 0;
	while (i < n) {
		if (decimal(s, n, &i, &v) < 0)
			return -1;
		for (k = 0; k < sizeof units / sizeof *units; k++) {
			ul = strlen(units[k].u);
			if (n - i >= ul && memcmp(s + i, units[k].u, ul) == 0)
				break;
		}
		if (k == sizeof units / sizeof *units)
			return -1;
		i += ul;
		total += v * units[k].f;
	}
	if (!isfinite(total))
		return -1;
	*out = total;
	return 0;
}

/* Exactly w digits at s[*i..n) as a number in [lo, hi]. */
static int
digits(const char *s, size_t n, size_t *i, int w, int lo, int hi, int *out)
{
	int v = 0, k;

	if (n - *i < (size_t)w)
		return -1;
	for (k = 0; k < w; k++) {
		if (!isdigit((unsigned char)s[*i + k]))
			return -1;
		v = v * 10 + (s[*i + k] - '0');
	}
	if (v < lo || v > hi)
		return -1;
	*i += (size_t)w;
	*out = v;
	return 0;
}

/* s[*i] is c (advanced past), 0, or -1. */
static int
expect(const char *s, size_t n, size_t *i, const char *set)
{
	if (*i >= n || !strchr(set, s[*i]) || s[*i] == '\0')
		return -1;
	(*i)++;
	return 0;
}

int
wr_dialect_rfc3339(const char *s, size_t n, double *out)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	struct tm tm;
	int y, mo, d, h, mi, se, oh, om, leap;
	double frac = 0, scale = 1, off = 0;
	size_t i = 0;
	time_t t;

	s = trim(s, &n);
	if (digits(s, n, &i, 4, 0, 9999, &y) < 0 || expect(s, n, &i, "-") < 0 ||
	    digits(s, n, &i, 2, 1, 12, &mo) < 0 || expect(s, n, &i, "-") < 0 ||
	    digits(s, n, &i, 2, 1, 31, &d) < 0 || expect(s, n, &i, "Tt ") < 0 ||
	    digits(s, n, &i, 2, 0, 23, &h) < 0 || expect(s, n, &i, ":") < 0 ||
	    digits(s, n, &i, 2, 0, 59, &mi) < 0 || expect(s, n, &i, ":") < 0 ||
	    digits(s, n, &i, 2, 0, 60, &se) < 0)
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap))
		return -1;
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || !isdigit((unsigned char)s[i]))
			return -1;
		for (; i < n && isdigit((unsigned char)s[i]); i++) {
			scale /= 10;
			frac += (s[i] - '0') * scale;
		}
	}
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i++] == '-' ? -1 : 1;
		if (digits(s, n, &i, 2, 0, 23, &oh) < 0 || expect(s, n, &i, ":") < 0 ||
		    digits(s, n, &i, 2, 0, 59, &om) < 0)
			return -1;
		off = sign * (oh * 3600.0 + om * 60.0);
	} else {
		return -1;
	}
	if (i != n)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	/* The fields are checked, so timegm cannot fail (-1 is 1969-12-31T23:59:59). */
	t = timegm(&tm);
	/* "+01:00" means an hour ahead of UTC: subtract it. */
	*out = (double)t + frac - off;
	return 0;
}

/* Seconds from now until the RFC 3339 time s, 0 when it is past; 0 or -1. */
static int
wr_dialect_reset_at(const char *s, size_t n, time_t now, double *out)
{
	double t;

	if (wr_dialect_rfc3339(s, n, &t) < 0)
		return -1;
	*out = t > (double)now ? t - (double)now : 0;
	return 0;
}

void
wr_dialect_limit(struct wr_limits *l, const struct wr_dialect_limit *h, size_t n, const char *name, size_t nlen,
    const char *val, size_t vlen, time_t now)
{
	size_t i;
	double v;
	int r;

	for (i = 0; i < n; i++) {
		if (!wr_dialect_name_is(name, nlen, h[i].name))
			continue;
		if (h[i].how == WR_LIMIT_RESET_AT)
			r = wr_dialect_reset_at(val, vlen, now, &v);
		else if (h[i].how == WR_LIMIT_DURATION)
			r = wr_dialect_duration(val, vlen, &v);
		else
			r = wr_dialect_count(val, vlen, &v);
		if (r == 0)
			*(double *)((char *)l + h[i].off) = v;
		return;
	}
}

/*
 * Append the decoded text of an OpenAI message's content (a string, or an
 * array of parts whose "text" parts are concatenated) to out. Non-text parts
 * are counted in *other. 0, or -1 when content is neither or does not decode.
 */
static int
wr_dialect_content_text(const struct wr_json *j, int content, struct wr_buf *out, int *other)
{
	int k, part, t;

	if (content < 0 || content >= j->n)
		return -1;
	if (j->tok[content].type == JSMN_STRING)
		return wr_json_str(j, content, out);
	if (j->tok[content].type != JSMN_ARRAY)
		return -1;
	wr_buf_add(out, "", 0);
	for (k = 0, part = content + 1; k < j->tok[content].size; k++, part = wr_json_skip(j, part)) {
		t = wr_json_get(j, part, "text");
		if (t >= 0 && j->tok[t].type == JSMN_STRING &&
		    (wr_json_get(j, part, "type") < 0 || wr_json_streq(j, wr_json_get(j, part, "type"), "text"))) {
			if (wr_json_str(j, t, out) < 0)
				return -1;
		} else {
			(*other)++;
		}
	}
	return 0;
}

void
wr_dialect_warn_once(struct wr_buf *seen, const char *field,
    void (*warn)(void *arg, const char *field), void *arg)
{
	size_t i = 0, n = strlen(field);

	while (i < seen->len) {
		size_t l = strlen(seen->s + i);
		if (l == n && memcmp(seen->s + i, field, n) == 0)
			return;
		i += l + 1;
	}
	wr_buf_add(seen, field, n + 1);
	if (warn)
		warn(arg, field);
}

int
wr_dialect_bool(const struct wr_json *j, int i)
{
	if (i < 0 || i >= j->n || j->tok[i].type != JSMN_PRIMITIVE)
		return -1;
	if (j->js[j->tok[i].start] == 't')
		return 1;
	return j->js[j->tok[i].start] == 'f' ? 0 : -1;
}

int
wr_dialect_name_is(const char *name, size_t nlen, const char *s)
{
	size_t i;

	if (strlen(s) != nlen)
		return 0;
	for (i = 0; i < nlen; i++)
		if (tolower((unsigned char)name[i]) != tolower((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Replace b with prefix and the raw text of token i (a field name); returns b->s. */
static const char *
wr_dialect_field(struct wr_buf *b, const char *prefix, const struct wr_json *j, int i)
{
	size_t n;
	const char *s = wr_json_raw(j, i, &n);

	wr_buf_reset(b);
	wr_buf_adds(b, prefix);
	wr_buf_add(b, s, n);
	return b->s;
}

/* Append the parts of one message's content as fmt says; the number of text parts, or -1. */
static int
message_parts(const struct wr_json *j, int content, const struct wr_dialect_msgfmt *fmt,
    struct wr_buf *out, struct wr_buf *tmp, int *other)
{
	int k, part, t, np = 0;

	if (j->tok[content].type == JSMN_STRING) {
		wr_buf_reset(tmp);
		if (wr_json_str(j, content, tmp) < 0)
			return -1;
		if (fmt->bare_string) {
			wr_json_escape(out, tmp->s, tmp->len);
			return 1;
		}
		wr_buf_addc(out, '[');
		wr_buf_adds(out, fmt->part_open);
		wr_json_escape(out, tmp->s, tmp->len);
		wr_buf_adds(out, "}]");
		return 1;
	}
	wr_buf_addc(out, '[');
	for (k = 0, part = content + 1; k < j->tok[content].size; k++, part = wr_json_skip(j, part)) {
		int ty = wr_json_get(j, part, "type");
		t = wr_json_get(j, part, "text");
		if (t < 0 || j->tok[t].type != JSMN_STRING || (ty >= 0 && !wr_json_streq(j, ty, "text"))) {
			(*other)++;
			continue;
		}
		wr_buf_reset(tmp);
		if (wr_json_str(j, t, tmp) < 0)
			return -1;
		if (np++)
			wr_buf_addc(out, ',');
		wr_buf_adds(out, fmt->part_open);
		wr_json_escape(out, tmp->s, tmp->len);
		wr_buf_addc(out, '}');
	}
	wr_buf_addc(out, ']');
	return np;
}

int
wr_dialect_messages(const struct wr_json *j, int messages, const struct wr_dialect_msgfmt *fmt,
    struct wr_buf *sys, struct wr_buf *out, struct wr_buf *seen,
    void (*warn)(void *arg, const char *field), void *arg, const char **why)
{
	struct wr_buf tmp = {0}, name = {0};
	int k, m, nmsg = 0, rc = 0;

	if (messages < 0) {
		*why = "no messages";
		return -1;
	}
	if (j->tok[messages].type != JSMN_ARRAY) {
		*why = "messages is not an array of valid messages";
		return -1;
	}
	for (k = 0, m = messages + 1; k < j->tok[messages].size && rc == 0; k++, m = wr_json_skip(j, m)) {
		int role, content, key, i, other = 0, np;
		const char *r;
		size_t mark;

		if (j->tok[m].type != JSMN_OBJECT) {
			wr_dialect_warn_once(seen, "messages (not an object)", warn, arg);
			continue;
		}
		role = wr_json_get(j, m, "role");
		content = wr_json_get(j, m, "content");
		for (i = 0, key = m + 1; i < j->tok[m].size; i++, key = wr_json_skip(j, key + 1))
			if (!wr_json_streq(j, key, "role") && !wr_json_streq(j, key, "content") &&
			    !wr_json_isnull(j, key + 1))
				wr_dialect_warn_once(seen, wr_dialect_field(&name, "messages.", j, key), warn, arg);
		if (wr_json_streq(j, role, "system") || wr_json_streq(j, role, "developer")) {
			if (content < 0 || (j->tok[content].type != JSMN_STRING && j->tok[content].type != JSMN_ARRAY))
				continue;
			wr_buf_reset(&tmp);
			if (wr_dialect_content_text(j, content, &tmp, &other) < 0) {
				rc = -1;
				break;
			}
			if (other)
				wr_dialect_warn_once(seen, "messages.content (non-text part)", warn, arg);
			if (tmp.len == 0)
				continue;
			if (sys->len)
				wr_buf_adds(sys, "\n\n");
			wr_buf_add(sys, tmp.s, tmp.len);
			continue;
		}
		if (wr_json_streq(j, role, "user"))
			r = fmt->user;
		else if (wr_json_streq(j, role, "assistant"))
			r = fmt->assistant;
		else {
			if (role >= 0 && j->tok[role].type == JSMN_STRING)
				wr_dialect_warn_once(seen, wr_dialect_field(&name, "role ", j, role), warn, arg);
			else
				wr_dialect_warn_once(seen, "messages.role", warn, arg);
			continue;
		}
		if (content < 0 || (j->tok[content].type != JSMN_STRING && j->tok[content].type != JSMN_ARRAY)) {
			wr_dialect_warn_once(seen, "messages.content", warn, arg);
			continue;
		}
		mark = out->len;
		if (nmsg)
			wr_buf_addc(out, ',');
		wr_buf_printf(out, "{\"role\":\"%s\",\"%s\":", r, fmt->key);
		np = message_parts(j, content, fmt, out, &tmp, &other);
		if (other)
			wr_dialect_warn_once(seen, "messages.content (non-text part)", warn, arg);
		if (np < 0) {
			rc = -1;
			break;
		}
		if (np == 0) {
			/* Nothing left to send of this message. */
			out->len = mark;
			out->s[mark] = '\0';
			wr_dialect_warn_once(seen, "messages.content", warn, arg);
			continue;
		}
		wr_buf_addc(out, '}');
		nmsg++;
	}
	wr_buf_free(&tmp);
	wr_buf_free(&name);
	if (rc < 0)
		*why = "messages is not an array of valid messages";
	else if (nmsg == 0)
		*why = "no user or assistant messages";
	return rc < 0 || nmsg == 0 ? -1 : nmsg;
}

void
wr_dialect_stop(struct wr_buf *out, int comma, const char *key, const struct wr_json *j, int stop,
    struct wr_buf *seen, void (*warn)(void *arg, const char *field), void *arg)
{
	if (stop < 0)
		return;
	if (j->tok[stop].type != JSMN_STRING && j->tok[stop].type != JSMN_ARRAY) {
		wr_dialect_warn_once(seen, "stop", warn, arg);
		return;
	}
	wr_buf_printf(out, "%s\"%s\":", comma ? "," : "", key);
	if (j->tok[stop].type == JSMN_STRING)
		wr_buf_addc(out, '[');
	wr_dialect_add_text(out, j, stop);
	if (j->tok[stop].type == JSMN_STRING)
		wr_buf_addc(out, ']');
}

int
wr_dialect_string(const struct wr_json *j, int i)
{
	return i >= 0 && i < j->n && j->tok[i].type == JSMN_STRING ? i : -1;
}

int
wr_dialect_is_num(const struct wr_json *j, int i)
{
	double v;

	return wr_json_num(j, i, &v) == 0;
}

void
wr_dialect_add_text(struct wr_buf *out, const struct wr_json *j, int i)
{
	size_t n;
	const char *s = wr_json_text(j, i, &n);

	wr_buf_add(out, s, n);
}

double
wr_dialect_num_or(const struct wr_json *j, int i, double dflt)
{
	double v;

	return wr_json_num(j, i, &v) == 0 ? v : dflt;
}

/* 1 when token i has the moot value v. */
static int
moot_value(const struct wr_json *j, int i, const char *v)
{
	double a;

	if (strcmp(v, "false") == 0 || strcmp(v, "true") == 0)
		return wr_dialect_bool(j, i) == (strcmp(v, "true") == 0);
	return wr_json_num(j, i, &a) == 0 && a == strtod(v, NULL);
}

int
wr_dialect_pick(const struct wr_json *j, int body, const char *const *fields, int n, int *f,
    const struct wr_dialect_moot *moot, struct wr_buf *seen, void (*warn)(void *arg, const char *field), void *arg,
    const char **why)
{
	struct wr_buf name = {0};
	const struct wr_dialect_moot *m;
	int k, key, val, i;

	for (i = 0; i < n; i++)
		f[i] = -1;
	if (body < 0 || body >= j->n || j->tok[body].type != JSMN_OBJECT) {
		*why = "the body is not an object";
		return -1;
	}
	for (k = 0, key = body + 1; k < j->tok[body].size; k++, key = wr_json_skip(j, val)) {
		val = key + 1;
		if (wr_json_isnull(j, val))
			continue;
		for (i = 0; i < n && !wr_json_streq(j, key, fields[i]); i++)
			;
		if (i < n) {
			f[i] = val;
			continue;
		}
		for (m = moot; m && m->name && !(wr_json_streq(j, key, m->name) && moot_value(j, val, m->value)); m++)
			;
		if (m && m->name)
			continue;
		wr_dialect_warn_once(seen, wr_dialect_field(&name, "", j, key), warn, arg);
	}
	wr_buf_free(&name);
	return 0;
}

void
wr_field_warn(void *arg, const char *field)
{
	struct wr_field_warn *w = arg;
	int added;

	wr_map_put(&w->said, field, strlen(field), 0, &added);
	if (added) {
		wr_progress_clear(w->prog);
		wr_warn("--api %s cannot carry the body field \"%s\": it is left out of every request", w->api, field);
	}
}
