/* Prompt templates: {{entries}} (one per line), {{count}} and {{id}}; {{examples}} in the system message. */
#include "tmpl.h"

#include <string.h>

static const char *const names[] = {"entries", "count", "id"};

/* Index of the placeholder at s ("{{name}}"), its length in *len; -1 if none. */
static int
placeholder(const char *s, size_t *len)
{
	size_t i;

	for (i = 0; i < sizeof names / sizeof *names; i++) {
		size_t n = strlen(names[i]);
		if (strncmp(s + 2, names[i], n) == 0 && strncmp(s + 2 + n, "}}", 2) == 0) {
			*len = n + 4;
			return (int)i;
		}
	}
	return -1;
}

int
wr_tmpl_check(const char *tmpl, const char **bad, size_t *badlen)
{
	const char *p = tmpl;
	size_t len;

	while ((p = strstr(p, "{{")) != NULL) {
		if (placeholder(p, &len) < 0) {
			const char *end = strstr(p, "}}");
			*bad = p;
			*badlen = end ? (size_t)(end - p) + 2 : strlen(p);
			return -1;
		}
		p += len;
	}
	return 0;
}

size_t
wr_tmpl_parts(const char *tmpl, struct wr_tmpl_part *parts, size_t max)
{
	static const enum wr_tmpl_kind kinds[] = {WR_TMPL_ENTRIES, WR_TMPL_COUNT, WR_TMPL_ID};
	const char *p = tmpl, *q;
	size_t n = 0, len;
	int k;

	for (;;) {
		q = strstr(p, "{{");
		while (q && (k = placeholder(q, &len)) < 0)
			q = strstr(q + 2, "{{");
		if (!q)
			break;
		if (q > p && n++ < max)
			parts[n - 1] = (struct wr_tmpl_part){WR_TMPL_TEXT, p, (size_t)(q - p)};
		if (n++ < max)
			parts[n - 1] = (struct wr_tmpl_part){kinds[k], NULL, 0};
		p = q + len;
	}
	if (*p && n++ < max)
		parts[n - 1] = (struct wr_tmpl_part){WR_TMPL_TEXT, p, strlen(p)};
	return n;
}

size_t
wr_tmpl_subst(struct wr_buf *out, const char *s, const char *name, const char *value)
{
	size_t nlen = strlen(name), n = 0;
	const char *p;

	while ((p = strstr(s, "{{")) != NULL) {
		if (strncmp(p + 2, name, nlen) == 0 && strncmp(p + 2 + nlen, "}}", 2) == 0) {
			wr_buf_add(out, s, (size_t)(p - s));
			wr_buf_adds(out, value);
			s = p + nlen + 4;
			n++;
		} else {
			wr_buf_add(out, s, (size_t)(p + 2 - s));
			s = p + 2;
		}
	}
	wr_buf_adds(out, s);
	return n;
}
