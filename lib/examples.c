/* Scored examples for the system message: a fixed few from the user's own list. */
#include "examples.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "line.h"

#define LINE_MAX_BYTES (1u << 16)

struct cand {
	uint64_t h;
	char *s;
	size_t len;
};

/* Does a sort before b? By hash, then by bytes, so that ties stay deterministic. */
static int
before(uint64_t h, const char *s, size_t len, const struct cand *b)
{
	int c;

	if (h != b->h)
		return h < b->h;
	c = memcmp(s, b->s, len < b->len ? len : b->len);
	return c ? c < 0 : len < b->len;
}

/* Keep the WR_EXAMPLES_PER_LEVEL first candidates of one level, in order. */
static void
keep(struct cand *lv, const char *s, size_t len)
{
	uint64_t h = wr_batch_id(&s, &len, 1);
	int i, j;

	for (i = 0; i < WR_EXAMPLES_PER_LEVEL && lv[i].s; i++) {
		if (lv[i].h == h && lv[i].len == len && memcmp(lv[i].s, s, len) == 0)
			return;         /* the same entry twice */
		if (before(h, s, len, &lv[i]))
			break;
	}
	if (i == WR_EXAMPLES_PER_LEVEL)
		return;
	free(lv[WR_EXAMPLES_PER_LEVEL - 1].s);
	for (j = WR_EXAMPLES_PER_LEVEL - 1; j > i; j--)
		lv[j] = lv[j - 1];
	lv[i] = (struct cand){h, wr_strndup(s, len), len};
}

static size_t
trim(const char *s, size_t len, const char **start)
{
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	*start = s;
	return len;
}

/* The level of line s[0..len) (written to), or -1 after a warning. */
static int
level(struct wr_reader *r, char *s, size_t len, double slo, double shi, int lo, int hi,
    const char **entry, size_t *elen)
{
	char *sep = NULL, *p, *end;
	const char *num;
	size_t nlen;
	double v;

	for (p = s; p < s + len; p++)
		if (*p == '\t')
			sep = p;
	if (!sep)
		for (p = s; p < s + len; p++)
			if (*p == ';')
				sep = p;
	if (!sep) {
		wr_warn_at(r->name, r->lineno, "not a scored entry (entry;score or entry<TAB>score), line skipped");
		return -1;
	}
	*elen = trim(s, (size_t)(sep - s), entry);
	nlen = trim(sep + 1, len - (size_t)(sep - s) - 1, &num);
	if (*elen == 0) {
		wr_warn_at(r->name, r->lineno, "empty entry, line skipped");
		return -1;
	}
	((char *)num)[nlen] = '\0';     /* num points into s, which is ours to change */
	errno = 0;
	v = strtod(num, &end);
	if (nlen == 0 || end != num + nlen || !isfinite(v)) {
		wr_warn_at(r->name, r->lineno, "score \"%s\" is not a number, line skipped", num);
		return -1;
	}
	if (v < slo || v > shi) {
		wr_warn_at(r->name, r->lineno, "score %s is outside the scale %g:%g, line skipped", num, slo, shi);
		return -1;
	}
	v = floor(lo + (v - slo) * (hi - lo) / (shi - slo) + 0.5);
	return (int)(v < lo ? lo : v > hi ? hi : v) - lo;
}

size_t
wr_examples_pick(struct wr_buf *out, const char *path, double slo, double shi,
    int lo, int hi, long *bad)
{
	size_t nlev = (size_t)(hi - lo) + 1, i, k = 0, per, n = 0, *full;
	struct cand *c = wr_calloc(nlev * WR_EXAMPLES_PER_LEVEL, sizeof *c);
	struct wr_reader r;
	enum wr_line_status st;
	const char *entry;
	size_t len, elen;
	char *line;
	int lv;

	wr_reader_open(&r, path, LINE_MAX_BYTES);
	while ((st = wr_reader_text(&r, &line, &len, bad)) == WR_LINE_OK) {
		len = wr_chomp_cr(line, len);
		if (wr_blank(line, len))
			continue;
		if ((lv = level(&r, line, len, slo, shi, lo, hi, &entry, &elen)) < 0) {
			++*bad;
			continue;
		}
		keep(&c[(size_t)lv * WR_EXAMPLES_PER_LEVEL], entry, elen);
	}
	if (st == WR_LINE_ERR)
		exit(WR_EXIT_USAGE);
	wr_reader_close(&r);

	/* The non-empty levels, highest first. */
	full = wr_malloc(nlev * sizeof *full);
	for (i = nlev; i-- > 0;)
		if (c[i * WR_EXAMPLES_PER_LEVEL].s)
			full[k++] = i;
	per = k == 0 ? 0 : k > WR_EXAMPLES_MAX ? 1 : WR_EXAMPLES_MAX / k;
	if (per > WR_EXAMPLES_PER_LEVEL)
		per = WR_EXAMPLES_PER_LEVEL;
	for (i = 0; i < k && i < WR_EXAMPLES_MAX; i++) {
		/* More levels than examples: spread the picks evenly, both ends included. */
		size_t l = k > WR_EXAMPLES_MAX ? full[i * (k - 1) / (WR_EXAMPLES_MAX - 1)] : full[i], j;

		for (j = 0; j < per && c[l * WR_EXAMPLES_PER_LEVEL + j].s; j++) {
			const struct cand *e = &c[l * WR_EXAMPLES_PER_LEVEL + j];
			if (n++)
				wr_buf_addc(out, '\n');
			wr_buf_add(out, e->s, e->len);
			wr_buf_printf(out, ";%d", lo + (int)l);
		}
	}
	for (i = 0; i < nlev * WR_EXAMPLES_PER_LEVEL; i++)
		free(c[i].s);
	free(c);
	free(full);
	return n;
}
