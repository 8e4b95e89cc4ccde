/* Prompt templates: {{entries}} (one per line), {{count}} and {{id}}. */
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

void
wr_tmpl_render(struct wr_buf *out, const char *tmpl, const char *id,
    const char *const *entries, const size_t *lens, size_t n)
{
	const char *p = tmpl, *q;
	size_t len, i;

	while ((q = strstr(p, "{{")) != NULL) {
		int k = placeholder(q, &len);
		wr_buf_add(out, p, (size_t)(q - p));
		switch (k) {
		case 0:
			for (i = 0; i < n; i++) {
				if (i)
					wr_buf_addc(out, '\n');
				wr_buf_add(out, entries[i], lens[i]);
			}
			break;
		case 1:
			wr_buf_printf(out, "%zu", n);
			break;
		case 2:
			wr_buf_adds(out, id);
			break;
		default:
			wr_buf_add(out, q, 2);
			len = 2;
			break;
		}
		p = q + len;
	}
	wr_buf_adds(out, p);
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
