/* Unit tests for lib/fold.c and lib/merge.c: keys, line splitting, scores, combining, order. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "common.h"
#include "fold.h"
#include "merge.h"
#include "unit.h"

static void
test_fold(void)
{
	static const struct { const char *in, *want; } v[] = {
		{"ice cream", "ICECREAM"}, {"Ice-Cream", "ICECREAM"}, {"ICECREAM", "ICECREAM"},
		{"  a.b,c'd ", "ABCD"}, {"R2-D2", "R2D2"}, {"---", ""}, {"", ""},
		{"crème brûlée", "CREMEBRULEE"}, {"straße", "STRASSE"}, {"Ærø", "AERO"},
		{"œuvre", "OEUVRE"}, {"Łódź", "LODZ"}, {"ĳssel", "IJSSEL"}, {"þorn", "THORN"},
		{"ÿ Ÿ ſ", "YYS"}, {"Ășț", "AST"}, {"ÀÁÂÃÄÅ àáâãäå", "AAAAAAAAAAAA"},
		{"Ññ Çç Ðð", "NNCCDD"}, {"×÷", ""}, {"ŉ ĸ", "NK"},
		{"cafe\xcc\x81", "CAFE"},                 /* combining acute */
		{"a\xc2\xa0" "b", "AB"},                  /* no-break space */
		{"don\xe2\x80\x99t", "DONT"},             /* right single quote */
		{"I \xe2\x9d\xa4\xef\xb8\x8f NY", "INY"}, /* heart and variation selector */
		{"wow\xf0\x9f\x98\x80", "WOW"},           /* emoji */
		{"東京", "東京"}, {"Αθήνα", "Αθήνα"}, {"Москва", "Москва"},
		{"\xff" "ab", "AB"},                      /* a stray byte is dropped */
	};
	struct wr_buf k = {0};
	size_t i, n;

	for (i = 0; i < sizeof v / sizeof *v; i++) {
		n = wr_fold_key(v[i].in, strlen(v[i].in), &k);
		CHECK(n == strlen(v[i].want) && memcmp(k.s, v[i].want, n) == 0 && k.s[n] == '\0',
		    "fold \"%s\": \"%.*s\", want \"%s\"", v[i].in, (int)n, k.s, v[i].want);
	}
	wr_buf_free(&k);
}

static void
test_split(void)
{
	static const struct { const char *in; int want; const char *entry, *score; } v[] = {
		{"ice cream\t4", WR_SPLIT_OK, "ice cream", "4"},
		{"ice cream\t4\tgpt\tid", WR_SPLIT_OK, "ice cream", "4"},
		{"ICECREAM;80", WR_SPLIT_OK, "ICECREAM", "80"},
		{"  oleo ; 30 ", WR_SPLIT_OK, "oleo", "30"},
		{"a;b\t3", WR_SPLIT_OK, "a;b", "3"},        /* a TAB line: ';' belongs to the entry */
		{"a;b;3", WR_SPLIT_OK, "a", "b;3"},
		{"", WR_SPLIT_SKIP, NULL, NULL},
		{" \t ", WR_SPLIT_SKIP, NULL, NULL},
		{"# note;5", WR_SPLIT_SKIP, NULL, NULL},
		{"  #x\t3", WR_SPLIT_SKIP, NULL, NULL},
		{"word", WR_SPLIT_NOSCORE, NULL, NULL},
		{"word;", WR_SPLIT_NOSCORE, NULL, NULL},
		{"word\t \t3", WR_SPLIT_NOSCORE, NULL, NULL},
		{";5", WR_SPLIT_NOENTRY, NULL, NULL},
		{" \t5", WR_SPLIT_NOENTRY, NULL, NULL},
	};
	char buf[64], *entry, *score;
	size_t i, elen;
	int r;

	for (i = 0; i < sizeof v / sizeof *v; i++) {
		strcpy(buf, v[i].in);
		r = (int)wr_merge_split(buf, strlen(buf), &entry, &elen, &score);
		CHECK(r == v[i].want, "split \"%s\": %d, want %d", v[i].in, r, v[i].want);
		if (r == WR_SPLIT_OK && v[i].want == WR_SPLIT_OK)
			CHECK(elen == strlen(v[i].entry) && strcmp(entry, v[i].entry) == 0 &&
			    strcmp(score, v[i].score) == 0, "split \"%s\": \"%s\" \"%s\"",
			    v[i].in, entry, score);
	}
}

static void
test_parse(void)
{
	static const struct { const char *in; int ok; double want; } v[] = {
		{"4", 1, 4}, {"4.5", 1, 4.5}, {"-3", 1, -3}, {"+2", 1, 2}, {"0.1", 1, 0.1},
		{"3.", 1, 3}, {".5", 1, 0.5}, {"007", 1, 7}, {"0.30000000000000004", 1, 0.30000000000000004},
		{"123456789012345678901234567890", 1, 123456789012345678901234567890.0},
		{"1.00000000000000000000000000001", 1, 1},
		{"", 0, 0}, {"-", 0, 0}, {".", 0, 0}, {"1e3", 0, 0}, {"0x10", 0, 0},
		{"nan", 0, 0}, {"inf", 0, 0}, {"4 ", 0, 0}, {"1,5", 0, 0}, {"--1", 0, 0},
	};
	size_t i;
	double d;

	for (i = 0; i < sizeof v / sizeof *v; i++) {
		int r = wr_score_parse(v[i].in, &d);
		if (v[i].ok)
			CHECK(r == 0 && d == v[i].want, "parse \"%s\": %d %.17g", v[i].in, r, d);
		else
			CHECK(r == -1, "parse \"%s\" gave %d", v[i].in, r);
	}
	/* The fast path agrees with strtod bit for bit. */
	for (i = 0; i < 20000; i++) {
		char s[32];
		snprintf(s, sizeof s, "%lu.%03lu", (unsigned long)(i * 7919 % 1000), (unsigned long)(i * 104729 % 1000));
		CHECK(wr_score_parse(s, &d) == 0 && d == strtod(s, NULL), "parse %s: %.17g", s, d);
	}
}

static void
test_format(void)
{
	static const struct { double v; int dec; const char *want; } v[] = {
		{62.5, 0, "63"}, {12.5, 0, "13"}, {-7.5, 0, "-8"}, {-0.4, 0, "0"}, {0, 0, "0"},
		{87.5, 2, "87.5"}, {200.0 / 3, 2, "66.67"}, {50, 2, "50"}, {0.05, 2, "0.05"},
		{-0.05, 2, "-0.05"}, {-0.004, 2, "0"}, {1.005, 2, "1.01"}, {2.675, 2, "2.68"},
		{62.499999999999993, 0, "63"}, {0.1 + 0.2, 1, "0.3"}, {100, 0, "100"},
		{1e16, 0, "10000000000000000"}, {123.456, 6, "123.456"},
	};
	char buf[64];
	size_t i;

	for (i = 0; i < sizeof v / sizeof *v; i++) {
		int n = wr_score_format(buf, sizeof buf, v[i].v, v[i].dec);
		CHECK(n == (int)strlen(v[i].want) && strcmp(buf, v[i].want) == 0,
		    "format %.17g/%d: \"%s\", want \"%s\"", v[i].v, v[i].dec, buf, v[i].want);
	}
	CHECK(wr_score_round(12.5, 0) == 13 && wr_score_round(-12.5, 0) == -13, "round ties");
	CHECK(!signbit(wr_score_round(-0.2, 0)), "no negative zero");
}

static double
score_of(struct wr_merge *m, const char *key)
{
	struct wr_merge_item it;
	size_t i, n = wr_merge_sort(m);

	for (i = 0; i < n; i++) {
		wr_merge_get(m, i, &it);
		if (strcmp(it.key, key) == 0)
			return it.score;
	}
	return NAN;
}

static void
test_combine(void)
{
	static const double s[] = {100, 75, 25, 50};
	static const struct { enum wr_merge_how how; double want; } v[] = {
		{WR_MERGE_MEAN, 62.5}, {WR_MERGE_MEDIAN, 62.5}, {WR_MERGE_MIN, 25}, {WR_MERGE_MAX, 100},
	};
	struct wr_merge *m;
	size_t i, j;

	for (i = 0; i < sizeof v / sizeof *v; i++) {
		m = wr_merge_new(v[i].how, 0);
		for (j = 0; j < 4; j++)
			wr_merge_add(m, "Ice cream", 9, s[j], 0);
		CHECK(score_of(m, "ICECREAM") == v[i].want, "combine %d", (int)v[i].how);
		wr_merge_free(m);
	}
	m = wr_merge_new(WR_MERGE_MEDIAN, 0);
	for (j = 0; j < 3; j++)
		wr_merge_add(m, "x", 1, s[j], 0);
	CHECK(score_of(m, "X") == 75, "odd median");
	wr_merge_free(m);

	/* A base score wins, first base wins, and it brings its spelling. */
	m = wr_merge_new(WR_MERGE_MEAN, 1);
	CHECK(wr_merge_add(m, "oleo", 4, 10, 0) == 0, "add");
	CHECK(wr_merge_add(m, "OLEO", 4, 40, 1) == 0, "add base");
	CHECK(wr_merge_add(m, "Oleo", 4, 90, 1) == 0, "add second base");
	CHECK(wr_merge_add(m, "o-l-e-o", 7, 100, 0) == 0, "add after base");
	CHECK(wr_merge_add(m, "--", 2, 100, 0) == -1, "empty key");
	{
		struct wr_merge_item it;
		CHECK(wr_merge_sort(m) == 1, "one key");
		wr_merge_get(m, 0, &it);
		CHECK(it.score == 40 && it.base && it.entrylen == 4 && memcmp(it.entry, "OLEO", 4) == 0,
		    "base: %g %d %.*s", it.score, it.base, (int)it.entrylen, it.entry);
	}
	wr_merge_free(m);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Many keys, many sharing their first 8 bytes: the order is strcmp's. */
static void
test_order(void)
{
	enum { N = 50000 };
	struct wr_merge *m = wr_merge_new(WR_MERGE_MEAN, 0);
	struct wr_merge_item it;
	char **want = wr_malloc(N * sizeof *want), buf[64];
	size_t i, n, bad = 0;
	uint32_t x = 12345;

	for (i = 0; i < N; i++) {
		x = x * 1103515245 + 12345;
		switch (i % 3) {
		case 0:
			snprintf(buf, sizeof buf, "INTERNATIONAL%u", (unsigned)(x >> 8) % 100000);
			break;
		case 1:
			snprintf(buf, sizeof buf, "K%u", (unsigned)(x >> 8));
			break;
		default:
			snprintf(buf, sizeof buf, "ZZ%uÉ", (unsigned)(x >> 12) % 5000);
			break;
		}
		want[i] = wr_strdup(buf);
		wr_merge_add(m, buf, strlen(buf), (double)(i % 5), 0);
		wr_merge_add(m, buf, strlen(buf), (double)(i % 5), 0);
	}
	qsort(want, N, sizeof *want, cmp_str);
	/* Folding turns É into E, which sorts the same among these keys. */
	for (i = 0; i < N; i++) {
		char *e = strstr(want[i], "É");
		if (e) {
			e[0] = 'E';
			e[1] = '\0';
		}
	}
	for (i = n = 0; i < N; i++)
		if (i == 0 || strcmp(want[i], want[n - 1]) != 0)
			want[n++] = want[i];
		else
			free(want[i]);
	CHECK(wr_merge_sort(m) == n, "distinct keys %zu", n);
	for (i = 0; i < n; i++) {
		wr_merge_get(m, i, &it);
		if (strcmp(it.key, want[i]) != 0 && bad++ < 3)
			CHECK(0, "order at %zu: %s, want %s", i, it.key, want[i]);
	}
	CHECK(bad == 0, "%zu keys out of order", bad);
	for (i = 0; i < n; i++)
		free(want[i]);
	free(want);
	wr_merge_free(m);
}

int
main(void)
{
	test_fold();
	test_split();
	test_parse();
	test_format();
	test_combine();
	test_order();
	return unit_done();
}
