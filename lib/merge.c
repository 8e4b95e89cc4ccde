/* Merging scored entries: split lines, parse and round scores, combine per key, sort. */
#include "merge.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "common.h"
#include "fold.h"
#include "line.h"
#include "words.h"

#define NONE UINT32_MAX
/* Scores queued before the table is touched: their slots are prefetched meanwhile. */
#define BATCH 64
#define AHEAD 8
#define UNIT 8

/*
 * One distinct key, in the arena: this header, then the key and a NUL,
 * padded to UNIT bytes. Header and key share a cache line, so a lookup
 * costs one miss in the slot array and one in the arena.
 */
struct rec {
	double acc;         /* sum, minimum or maximum; the score itself for a base entry */
	uint32_t n;         /* scores counted */
	uint32_t head;      /* median: the last score of this key's chain, or NONE */
	uint64_t spell;     /* offset of the spelling in m->spell */
	uint32_t spelllen;
	unsigned keylen : 31;
	unsigned base : 1;
};

struct pend {
	uint64_t hash;
	double score;
	size_t key, spell;  /* offsets into m->bkeys and m->bspell */
	uint32_t keylen, spelllen;
	int base;
};

struct ent {
	uint64_t prefix;    /* the key's first 8 bytes, big-endian: most compares end here */
	uint64_t unit;
};

struct wr_merge {
	enum wr_merge_how how;
	int spelling;
	int exact;              /* keys are the entries byte for byte */
	/* Open addressing: hash high half << 32 | arena unit of the record; 0 is empty. */
	uint64_t *slots;
	size_t cap, count;
	char *arena;
	size_t used, capunits;  /* in UNITs; unit 0 is never a record */
	double *scores;         /* median only: every score, chained per key */
	uint32_t *next;
	size_t nscores, capscores;
	struct wr_buf spell;    /* spellings, back to back */
	struct wr_buf key;      /* scratch */
	struct pend pend[BATCH];
	size_t npend;
	struct wr_buf bkeys, bspell;
	double *tmp;
	size_t captmp;
	struct ent *sorted;
	size_t nsorted;
};

enum wr_split
wr_merge_split(char *line, size_t len, char **entry, size_t *elen, char **score)
{
	char *sep, *end = line + len, *send;
	size_t i, n;

	for (i = 0; i < len && wr_isspace(line[i]); i++)
		;
	if (i == len || line[i] == '#')
		return WR_SPLIT_SKIP;
	if ((sep = memchr(line, '\t', len))) {
		/* wr-parse -l adds fields after the score: ignore them. */
		if (!(send = memchr(sep + 1, '\t', (size_t)(end - sep - 1))))
			send = end;
	} else if ((sep = memchr(line, ';', len)))
		send = end;
	else
		return WR_SPLIT_NOSCORE;
	n = (size_t)(send - sep - 1);
	*score = wr_trim(sep + 1, &n);
	if (n == 0)
		return WR_SPLIT_NOSCORE;
	n = (size_t)(sep - line);
	*entry = wr_trim(line, &n);
	*elen = n;
	return n ? WR_SPLIT_OK : WR_SPLIT_NOENTRY;
}

/*
 * Next scored line of r whose score is a number within lo..hi: blank and
 * comment lines are skipped, bad lines reported with file:line and counted
 * in *bad. Returns WR_LINE_OK with the entry (in the reader's buffer) and
 * the score, or WR_LINE_EOF / WR_LINE_ERR.
 */
static enum wr_line_status
wr_scored_next(struct wr_reader *r, double lo, double hi, char **entry, size_t *elen,
    double *v, long *bad)
{
	enum wr_line_status st;
	char *line, *score;
	size_t len;

	while ((st = wr_reader_text(r, &line, &len, bad)) == WR_LINE_OK) {
		len = wr_chomp_cr(line, len);
		switch (wr_merge_split(line, len, entry, elen, &score)) {
		case WR_SPLIT_OK:
			break;
		case WR_SPLIT_SKIP:
			continue;
		case WR_SPLIT_NOSCORE:
			wr_warn_at(r->name, r->lineno, "no score, line skipped");
			(*bad)++;
			continue;
		case WR_SPLIT_NOENTRY:
			wr_warn_at(r->name, r->lineno, "no entry, line skipped");
			(*bad)++;
			continue;
		}
		if (wr_score_parse(score, v) != 0) {
			wr_warn_at(r->name, r->lineno, "score \"%s\" is not a number, line skipped", score);
			(*bad)++;
			continue;
		}
		if (*v < lo || *v > hi) {
			wr_warn_at(r->name, r->lineno, "score %s outside the scale %g:%g, line skipped",
			    score, lo, hi);
			(*bad)++;
			continue;
		}
		return WR_LINE_OK;
	}
	return st;
}

void
wr_merge_read(struct wr_merge *m, const char *path, double lo, double hi, double to_lo, double to_hi,
    int base, struct wr_merge_counts *c)
{
	struct wr_reader r;
	enum wr_line_status st;
	char *entry;
	size_t elen;
	double v, span = hi - lo, tspan = to_hi - to_lo;
	int same = lo == to_lo && hi == to_hi;

	wr_reader_open(&r, path, WR_MERGE_LINE_MAX);
	while ((st = wr_scored_next(&r, lo, hi, &entry, &elen, &v, &c->bad)) == WR_LINE_OK) {
		if ((++c->lines & 0xfffff) == 0 && c->progress)
			wr_progress_show(c->progress, "%s: %ld lines", wr_prog, c->lines);
		/* Multiply first: 1:5 -> 0:100 maps 3.5 to exactly 62.5. */
		if (!same)
			v = to_lo + (v - lo) * tspan / span;
		if (wr_merge_add(m, entry, elen, v, base) != 0) {
			wr_warn_at(r.name, r.lineno, "entry \"%s\" has no letters or digits, line skipped", entry);
			c->bad++;
			continue;
		}
		c->scores++;
	}
	if (st == WR_LINE_ERR)
		exit(WR_EXIT_USAGE);
	wr_reader_close(&r);
}

static const double pow10[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

static int
digit(char c)
{
	return c >= '0' && c <= '9';
}

int
wr_score_parse(const char *s, double *v)
{
	const char *p = s;
	uint64_t mant = 0;
	size_t before = 0, after = 0;
	int neg = 0, exact = 1;

	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	for (; digit(*p); p++, before++) {
		if (mant > ((UINT64_C(1) << 53) - 10) / 10)
			exact = 0;
		else
			mant = mant * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.')
		for (p++; digit(*p); p++, after++) {
			if (mant > ((UINT64_C(1) << 53) - 10) / 10)
				exact = 0;
			else
				mant = mant * 10 + (uint64_t)(*p - '0');
		}
	if (*p != '\0' || before + after == 0)
		return -1;
	/* Both operands exact, so the quotient is correctly rounded, as strtod's. */
	if (exact && after < sizeof pow10 / sizeof pow10[0]) {
		*v = (double)mant / pow10[after];
		if (neg)
			*v = -*v;
		return 0;
	}
	*v = strtod(s, NULL);
	return isfinite(*v) ? 0 : -1;
}

/* v * 10^decimals rounded half away from zero, as an integral double. */
static double
scaled(double v, int decimals)
{
	double t = v * pow10[decimals < 0 ? 0 : decimals > 6 ? 6 : decimals];

	/*
	 * A mean of decimal scores lands on 62.499999999999993 where the
	 * arithmetic meant 62.5: snap to a millionth of the last place first.
	 */
	if (fabs(t) < 1e9)
		t = nearbyint(t * 1e6) / 1e6;
	t = round(t);
	return t == 0 ? 0 : t;
}

double
wr_score_round(double v, int decimals)
{
	double t = scaled(v, decimals);

	return t == 0 ? 0 : t / pow10[decimals < 0 ? 0 : decimals > 6 ? 6 : decimals];
}

int
wr_score_format(char *buf, size_t size, double v, int decimals)
{
	double t = scaled(v, decimals);
	char tmp[32], *p = tmp + sizeof tmp;
	unsigned long long u;
	int d = decimals < 0 ? 0 : decimals > 6 ? 6 : decimals, n;

	if (fabs(t) >= 1e15) {
		n = snprintf(buf, size, "%.*f", d, t / pow10[d]);
		if (n > 0 && (size_t)n < size && d > 0) {
			while (buf[n - 1] == '0')
				n--;
			if (buf[n - 1] == '.')
				n--;
			buf[n] = '\0';
		}
		return n;
	}
	/* Digits from the right: the fraction without its trailing zeros, then the integer. */
	u = (unsigned long long)fabs(t);
	for (; d > 0 && u % 10 == 0; d--)
		u /= 10;
	for (; d > 0; d--, u /= 10)
		*--p = (char)('0' + u % 10);
	if (p != tmp + sizeof tmp)
		*--p = '.';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10));
	if (t < 0)
		*--p = '-';
	n = (int)(tmp + sizeof tmp - p);
	if ((size_t)n < size) {
		memcpy(buf, p, (size_t)n);
		buf[n] = '\0';
	}
	return n;
}

static struct rec *
rec_at(const struct wr_merge *m, uint64_t unit)
{
	return (struct rec *)(void *)(m->arena + unit * UNIT);
}

static size_t
rec_units(size_t keylen)
{
	return (sizeof(struct rec) + keylen + 1 + UNIT - 1) / UNIT;
}

struct wr_merge *
wr_merge_new(enum wr_merge_how how, int spelling)
{
	struct wr_merge *m = wr_calloc(1, sizeof *m);

	m->how = how;
	m->spelling = spelling;
	m->used = 1;
	return m;
}

void
wr_merge_exact(struct wr_merge *m)
{
	m->exact = 1;
}

void
wr_merge_free(struct wr_merge *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m->arena);
	free(m->scores);
	free(m->next);
	free(m->tmp);
	free(m->sorted);
	wr_buf_free(&m->spell);
	wr_buf_free(&m->key);
	wr_buf_free(&m->bkeys);
	wr_buf_free(&m->bspell);
	free(m);
}

/* The slot holding key, or the empty slot where it belongs. */
static uint64_t *
lookup(const struct wr_merge *m, const char *key, size_t len, uint64_t h)
{
	size_t mask = m->cap - 1, i = (size_t)h & mask;
	uint64_t tag = h & ~UINT64_C(0xffffffff), s;

	while ((s = m->slots[i])) {
		if ((s & ~UINT64_C(0xffffffff)) == tag) {
			const struct rec *r = rec_at(m, s & 0xffffffff);
			if (r->keylen == len && memcmp(r + 1, key, len) == 0)
				break;
		}
		i = (i + 1) & mask;
	}
	return &m->slots[i];
}

/*
 * Quadruple the table (each rehash is a pass of random writes, so do few);
 * the arena is walked in order, so rehashing reads memory sequentially.
 */
static void
grow_table(struct wr_merge *m)
{
	size_t u;

	free(m->slots);
	m->cap = m->cap ? m->cap * 4 : 1024;
	m->slots = wr_calloc(m->cap, sizeof *m->slots);
	for (u = 1; u < m->used; ) {
		const struct rec *r = rec_at(m, u);
		const char *key = (const char *)(r + 1);
		uint64_t h = XXH3_64bits(key, r->keylen);
		*lookup(m, key, r->keylen, h) = (h & ~UINT64_C(0xffffffff)) | u;
		u += rec_units(r->keylen);
	}
}

static uint64_t
new_rec(struct wr_merge *m, const char *key, size_t len)
{
	size_t need = rec_units(len), u = m->used;
	struct rec *r;

	if (m->used + need > m->capunits) {
		size_t cap = m->capunits ? m->capunits : 4096;
		while (cap < m->used + need)
			cap *= 2;
		if (cap > UINT32_MAX)
			wr_die("too many entries");
		m->arena = wr_realloc(m->arena, cap * UNIT);
		m->capunits = cap;
	}
	r = rec_at(m, u);
	memset(r, 0, sizeof *r);
	r->head = NONE;
	r->keylen = (unsigned)len;
	memcpy(r + 1, key, len);
	((char *)(r + 1))[len] = '\0';
	m->used += need;
	return u;
}

static void
set_spelling(struct wr_merge *m, struct rec *r, const char *s, size_t n)
{
	r->spell = m->spell.len;
	r->spelllen = (uint32_t)n;
	wr_buf_add(&m->spell, s, n);
}

static void
push_score(struct wr_merge *m, struct rec *r, double score)
{
	if (m->nscores == m->capscores) {
		if (m->capscores >= NONE / 2)
			wr_die("more than %u scores", NONE / 2);
		m->capscores = m->capscores ? m->capscores * 2 : 1024;
		m->scores = wr_realloc(m->scores, m->capscores * sizeof *m->scores);
		m->next = wr_realloc(m->next, m->capscores * sizeof *m->next);
	}
	m->scores[m->nscores] = score;
	m->next[m->nscores] = r->head;
	r->head = (uint32_t)m->nscores++;
}

static void
apply(struct wr_merge *m, const struct pend *p)
{
	const char *key = m->bkeys.s + p->key;
	const char *spell = m->spelling ? m->bspell.s + p->spell : NULL;
	uint64_t *slot;
	struct rec *r;
	int added = 0;

	if ((m->count + 1) * 2 > m->cap)
		grow_table(m);
	slot = lookup(m, key, p->keylen, p->hash);
	if (!*slot) {
		uint64_t u = new_rec(m, key, p->keylen);
		*slot = (p->hash & ~UINT64_C(0xffffffff)) | u;
		m->count++;
		added = 1;
		r = rec_at(m, u);
		if (m->spelling)
			set_spelling(m, r, spell, p->spelllen);
	} else
		r = rec_at(m, *slot & 0xffffffff);
	if (r->base)
		return;
	if (p->base) {
		r->base = 1;
		r->acc = p->score;
		if (m->spelling && !added)
			set_spelling(m, r, spell, p->spelllen);
		return;
	}
	if (r->n == UINT32_MAX)
		return;  /* four billion scores for one key: the rest change nothing */
	switch (m->how) {
	case WR_MERGE_MEAN:
		r->acc += p->score;
		break;
	case WR_MERGE_MIN:
		if (r->n == 0 || p->score < r->acc)
			r->acc = p->score;
		break;
	case WR_MERGE_MAX:
		if (r->n == 0 || p->score > r->acc)
			r->acc = p->score;
		break;
	case WR_MERGE_MEDIAN:
		push_score(m, r, p->score);
		break;
	}
	r->n++;
}

static void
prefetch_rec(const struct wr_merge *m, const struct pend *p)
{
	uint64_t s = m->slots[(size_t)p->hash & (m->cap - 1)];

	if (s && (s & ~UINT64_C(0xffffffff)) == (p->hash & ~UINT64_C(0xffffffff)))
		__builtin_prefetch(m->arena + (s & 0xffffffff) * UNIT);
}

static void
flush(struct wr_merge *m)
{
	size_t i;

	/* The slots were fetched while the batch filled; now fetch the records. */
	if (m->cap)
		for (i = 0; i < m->npend; i++)
			prefetch_rec(m, &m->pend[i]);
	for (i = 0; i < m->npend; i++)
		apply(m, &m->pend[i]);
	m->npend = 0;
	wr_buf_reset(&m->bkeys);
	wr_buf_reset(&m->bspell);
}

int
wr_merge_add(struct wr_merge *m, const char *entry, size_t len, double score, int base)
{
	struct pend *p;
	size_t klen;

	if (m->exact) {
		wr_buf_reset(&m->key);
		wr_buf_add(&m->key, entry, len);
		klen = len;
	} else if (!(klen = wr_fold_key(entry, len, &m->key)))
		return -1;
	if (klen > INT32_MAX || len > UINT32_MAX)
		wr_die("entry longer than %d bytes", INT32_MAX);
	p = &m->pend[m->npend++];
	p->hash = XXH3_64bits(m->key.s, klen);
	if (m->cap)
		__builtin_prefetch(&m->slots[(size_t)p->hash & (m->cap - 1)]);
	p->score = score;
	p->base = base;
	p->key = m->bkeys.len;
	p->keylen = (uint32_t)klen;
	wr_buf_add(&m->bkeys, m->key.s, klen);
	p->spell = m->bspell.len;
	p->spelllen = m->spelling ? (uint32_t)len : 0;
	if (m->spelling)
		wr_buf_add(&m->bspell, entry, len);
	if (m->npend == BATCH)
		flush(m);
	return 0;
}

static const char *sort_arena;

static int
cmp_ent(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	const struct rec *rx, *ry;
	size_t n;
	int c;

	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	/* Same first 8 bytes, and no key holds a NUL: both are at least 8 long. */
	rx = (const struct rec *)(const void *)(sort_arena + x->unit * UNIT);
	ry = (const struct rec *)(const void *)(sort_arena + y->unit * UNIT);
	n = rx->keylen < ry->keylen ? rx->keylen : ry->keylen;
	if ((c = memcmp((const char *)(rx + 1) + 8, (const char *)(ry + 1) + 8, n - 8)))
		return c;
	return rx->keylen < ry->keylen ? -1 : rx->keylen > ry->keylen;
}

/* LSD radix sort on the 8-byte prefixes: 8 counting passes, fewer when bytes agree. */
static void
radix_sort(struct ent *a, size_t n)
{
	struct ent *tmp = wr_malloc(n * sizeof *tmp), *src = a, *dst = tmp, *t;
	size_t cnt[256], i, sum;
	int shift, b;

	for (shift = 0; shift < 64; shift += 8) {
		memset(cnt, 0, sizeof cnt);
		for (i = 0; i < n; i++)
			cnt[src[i].prefix >> shift & 255]++;
		if (n == 0 || cnt[src[0].prefix >> shift & 255] == n)
			continue;
		for (b = 0, sum = 0; b < 256; b++) {
			size_t c = cnt[b];
			cnt[b] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[cnt[src[i].prefix >> shift & 255]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof *a);
	free(tmp);
}

size_t
wr_merge_sort(struct wr_merge *m)
{
	size_t u, n = 0, i, j, k, l;

	flush(m);
	free(m->sorted);
	m->sorted = wr_malloc(m->count * sizeof *m->sorted);
	for (u = 1; u < m->used; u += rec_units(rec_at(m, u)->keylen)) {
		const struct rec *r = rec_at(m, u);
		const unsigned char *k = (const unsigned char *)(r + 1);
		uint64_t prefix = 0;
		for (i = 0; i < 8; i++)
			prefix = prefix << 8 | (i < r->keylen ? k[i] : 0);
		m->sorted[n].prefix = prefix;
		m->sorted[n].unit = u;
		n++;
	}
	radix_sort(m->sorted, n);
	/* Keys that share their first 8 bytes: order each such run by the rest. */
	sort_arena = m->arena;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && m->sorted[j].prefix == m->sorted[i].prefix; j++)
			;
		if (j - i > 16)
			qsort(m->sorted + i, j - i, sizeof *m->sorted, cmp_ent);
		else
			for (k = i + 1; k < j; k++) {
				struct ent e = m->sorted[k];
				for (l = k; l > i && cmp_ent(&m->sorted[l - 1], &e) > 0; l--)
					m->sorted[l] = m->sorted[l - 1];
				m->sorted[l] = e;
			}
	}
	m->nsorted = n;
	return n;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(struct wr_merge *m, const struct rec *r)
{
	size_t n = 0, i, j;
	uint32_t k;

	if (r->n > m->captmp) {
		m->captmp = r->n;
		m->tmp = wr_realloc(m->tmp, m->captmp * sizeof *m->tmp);
	}
	for (k = r->head; k != NONE; k = m->next[k])
		m->tmp[n++] = m->scores[k];
	if (n > 16)
		qsort(m->tmp, n, sizeof *m->tmp, cmp_double);
	else
		for (i = 1; i < n; i++) {
			double x = m->tmp[i];
			for (j = i; j > 0 && m->tmp[j - 1] > x; j--)
				m->tmp[j] = m->tmp[j - 1];
			m->tmp[j] = x;
		}
	return n % 2 ? m->tmp[n / 2] : (m->tmp[n / 2 - 1] + m->tmp[n / 2]) / 2;
}

void
wr_merge_get(struct wr_merge *m, size_t i, struct wr_merge_item *it)
{
	const struct rec *r = rec_at(m, m->sorted[i].unit);

	/* Sorted order visits the arena at random: fetch a few records ahead. */
	if (i + AHEAD < m->nsorted)
		__builtin_prefetch(m->arena + m->sorted[i + AHEAD].unit * UNIT);
	it->key = (const char *)(r + 1);
	it->keylen = r->keylen;
	it->entry = m->spelling ? m->spell.s + r->spell : NULL;
	it->entrylen = m->spelling ? r->spelllen : 0;
	it->base = r->base;
	if (r->base || m->how == WR_MERGE_MIN || m->how == WR_MERGE_MAX)
		it->score = r->acc;
	else if (m->how == WR_MERGE_MEAN)
		it->score = r->acc / r->n;
	else
		it->score = median(m, r);
}
