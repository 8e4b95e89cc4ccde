/*
 * Unit tests for lib/expected.c and the score positions of lib/answer*.c:
 * logprobs in OpenAI's and Gemini's shapes, expected scores computed by hand.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "common.h"
#include "expected.h"
#include "json.h"
#include "unit.h"

/*
 * Probabilities as logprobs, written as JSON numbers: ln 0.5, ln 0.2 ... so
 * that each expected value can be worked out by hand (in the comments).
 */
#define L50 "-0.6931471805599453"
#define L40 "-0.916290731874155"
#define L30 "-1.2039728043259361"
#define L20 "-1.6094379124341003"
#define L15 "-1.8971199848858813"
#define L10 "-2.3025850929940455"
#define L05 "-2.995732273553991"
#define TOP(t, lp) "{\"token\":\"" t "\",\"logprob\":" lp ",\"bytes\":null}"
#define TOK(t, lp, tops) "{\"token\":\"" t "\",\"logprob\":" lp ",\"bytes\":null,\"top_logprobs\":[" tops "]}"
#define SURE(t) TOK(t, "0", TOP(t, "0"))

struct ecase {
	const char *name;
	const char *logprobs;   /* the choice's "logprobs" value */
	const char *text;       /* the answer text the tokens must spell */
	size_t off, len;        /* the score's place in it */
	double lo, hi;
	int ok;                 /* 0: an expected score, -1: fall back */
	double want;
};

static const struct ecase cases[] = {
	/*
	 * "4" .5, "four" .2 (not a score), "5" .15, " 4" .1 (reads as 4), "x" .05:
	 * (4 * (.5 + .1) + 5 * .15) / (.5 + .1 + .15) = 3.15 / .75 = 4.2
	 */
	{"non-scores among the alternatives",
	    "{\"content\":[" SURE("apple") "," SURE(";") "," TOK("4", L50, TOP("4", L50) "," TOP("four", L20) ","
	    TOP("5", L15) "," TOP(" 4", L10) "," TOP("x", L05)) "]}",
	    "apple;4", 6, 1, 1, 5, 0, 4.2},
	/* The chosen token missing from top_logprobs still counts: (3 * .5 + 2 * .3) / .8 = 2.625 */
	{"the chosen token counts once",
	    "{\"content\":[" SURE("a") "," SURE(";") "," TOK("3", L50, TOP("2", L30)) "]}",
	    "a;3", 2, 1, 1, 5, 0, 2.625},
	/* 1:10, "10" one token: 10 * .5 + 9 * .3 + 1 * .1 + 8 * .1 = 8.6 */
	{"10 as one token",
	    "{\"content\":[" SURE("dog") "," SURE(";") "," TOK("10", L50, TOP("10", L50) "," TOP("9", L30) ","
	    TOP("1", L10) "," TOP("8", L10)) "]}",
	    "dog;10", 4, 2, 1, 10, 0, 8.6},
	/* 1:10, "10" as "1" then "0": P("0" | "1") is all there is, so the plain score stands. */
	{"10 as two tokens falls back",
	    "{\"content\":[" SURE("dog") "," SURE(";") "," TOK("1", L50, TOP("1", L50) "," TOP("9", L50)) ","
	    SURE("0") "]}",
	    "dog;10", 4, 2, 1, 10, -1, 0},
	/* The score token's prefix must come with an alternative: ";5" is 5, ":5" is not. (4*.5+5*.3)/.8 */
	{"a prefix in the token",
	    "{\"content\":[" SURE("a") "," TOK(";4", L50, TOP(";4", L50) "," TOP(";5", L30) "," TOP(":5", L20)) "]}",
	    "a;4", 2, 1, 1, 5, 0, 4.375},
	/* Out of range alternatives are not scores: "6" and "0" dropped, (4*.5 + 3*.1)/.6 */
	{"alternatives out of range",
	    "{\"content\":[" SURE("a") "," SURE(";") "," TOK("4", L50, TOP("4", L50) "," TOP("6", L30) ","
	    TOP("0", L10) "," TOP("3", L10)) "]}",
	    "a;4", 2, 1, 1, 5, 0, 3.8333333333333335},
	/* A -9999 placeholder for the chosen token: nothing to weigh. */
	{"a placeholder logprob falls back",
	    "{\"content\":[" SURE("a") "," SURE(";") "," TOK("5", "-9999.0", TOP("5", "-9999.0") "," TOP("4", L20))
	    "]}",
	    "a;5", 2, 1, 1, 5, -1, 0},
	/* A placeholder alternative weighs nothing: (5*.5 + 4*.5)/1 with "3" at -9999 left out. */
	{"a placeholder alternative is left out",
	    "{\"content\":[" SURE("a") "," SURE(";") "," TOK("5", L50, TOP("5", L50) "," TOP("4", L50) ","
	    TOP("3", "-9999.0")) "]}",
	    "a;5", 2, 1, 1, 5, 0, 4.5},
	/* No top_logprobs (logprobs without top_logprobs): no alternatives to weigh. */
	{"no alternatives falls back",
	    "{\"content\":[{\"token\":\"a;4\",\"logprob\":-0.1,\"bytes\":null}]}",
	    "a;4", 2, 1, 1, 5, -1, 0},
	/* A token holding more than the score's digits. */
	{"other digits in the token fall back",
	    "{\"content\":[" SURE("a") "," TOK(";4\\n2", L50, TOP(";4\\n2", L50)) "]}",
	    "a;4\n2", 2, 1, 1, 5, -1, 0},
	/* bytes win over the token text: "\u00e9" arrives as two tokens of one byte each. */
	{"bytes of a split character",
	    "{\"content\":[{\"token\":\"caf\",\"logprob\":0,\"bytes\":[99,97,102],\"top_logprobs\":[]},"
	    "{\"token\":\"\\\\xc3\",\"logprob\":0,\"bytes\":[195],\"top_logprobs\":[]},"
	    "{\"token\":\"\\\\xa9\",\"logprob\":0,\"bytes\":[169],\"top_logprobs\":[]},"
	    SURE(";") "," TOK("2", L50, TOP("2", L50) "," TOP("3", L50)) "]}",
	    "caf\xc3\xa9;2", 6, 1, 1, 5, 0, 2.5},
	/* Gemini: chosenCandidates beside topCandidates; a missing logProbability is 0. 3*.8 + 2*.2 */
	{"Gemini's logprobsResult",
	    "{\"topCandidates\":[{\"candidates\":[{\"token\":\"a\"}]},{\"candidates\":[{\"token\":\";\"}]},"
	    "{\"candidates\":[{\"token\":\"3\",\"logProbability\":-0.2231435513142097},"
	    "{\"token\":\"2\",\"logProbability\":" L20 "}]}],"
	    "\"chosenCandidates\":[{\"token\":\"a\"},{\"token\":\";\"},"
	    "{\"token\":\"3\",\"logProbability\":-0.2231435513142097}]}",
	    "a;3", 2, 1, 1, 5, 0, 2.8},
};

static void
run_cases(void)
{
	struct wr_logprobs lp;
	struct wr_json j;
	const char *why;
	size_t i;
	double v;
	int r;

	wr_logprobs_init(&lp);
	wr_json_init(&j);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct ecase *c = &cases[i];
		if (wr_json_parse(&j, c->logprobs, strlen(c->logprobs), &why) != 0) {
			CHECK(0, "%s: the case is not JSON: %s", c->name, why);
			continue;
		}
		CHECK(wr_logprobs_read(&lp, &j, 0) == 0, "%s: read", c->name);
		CHECK(wr_logprobs_spell(&lp, c->text, strlen(c->text)), "%s: the tokens spell the text", c->name);
		v = -1;
		r = wr_expected(&lp, c->off, c->len, c->lo, c->hi, &v);
		CHECK(r == c->ok, "%s: got %d, want %d", c->name, r, c->ok);
		if (r == 0 && c->ok == 0)
			CHECK(fabs(v - c->want) < 1e-9, "%s: got %.17g, want %.17g", c->name, v, c->want);
	}
	wr_json_free(&j);
	wr_logprobs_free(&lp);
}

/* What has no usable logprobs at all. */
static void
test_none(void)
{
	static const char *const none[] = {
		"null", "{}", "{\"content\":null,\"refusal\":null}", "{\"content\":[]}", "[1,2]",
		"{\"content\":[{\"token\":4}]}",
	};
	struct wr_logprobs lp;
	struct wr_json j;
	const char *why;
	size_t i;

	wr_logprobs_init(&lp);
	wr_json_init(&j);
	for (i = 0; i < sizeof none / sizeof none[0]; i++) {
		if (wr_json_parse(&j, none[i], strlen(none[i]), &why) != 0)
			continue;
		CHECK(wr_logprobs_read(&lp, &j, 0) == -1, "no logprobs in %s", none[i]);
	}
	CHECK(wr_logprobs_read(&lp, &j, -1) == -1, "no logprobs token");
	/* Tokens that do not spell the text find no score. */
	wr_json_parse(&j, "{\"content\":[" SURE("a;4") "]}", strlen("{\"content\":[" SURE("a;4") "]}"), &why);
	CHECK(wr_logprobs_read(&lp, &j, 0) == 0, "one token");
	CHECK(!wr_logprobs_spell(&lp, "a; 4", 4), "a text other than the tokens'");
	wr_json_free(&j);
	wr_logprobs_free(&lp);
}

/* Where the parser found each score: text lines, table cells, JSON numbers; not JSON strings. */
static void
test_where(void)
{
	static const struct {
		const char *text;
		long off;               /* -1: not known */
		size_t len;
	} w[] = {
		{"apple;4", 6, 1},
		{"1. **apple** \xe2\x80\x94 4 (a fruit)", 17, 1},
		{"apple: 3.5", 7, 3},
		{"apple: 4/5", 7, 1},
		{"| Entry | Score |\n|---|---|\n| apple | **4** |", 40, 1},
		{"{\"ratings\":[{\"entry\":\"apple\",\"score\":4}]}", 37, 1},
		{"Here:\n[{\"word\": \"apple\", \"score\": 4}]", 34, 1},
		{"{\"apple\": \"4\"}", -1, 0},
		{"[\"apple: 4\"]", -1, 0},
	};
	struct wr_answer *a = wr_answer_new(1, 5);
	const char *e[] = {"apple"};
	size_t len[] = {5}, i, off, n;
	double v;

	for (i = 0; i < sizeof w / sizeof w[0]; i++) {
		wr_answer_begin(a, e, len, 1);
		wr_answer_parse(a, w[i].text, strlen(w[i].text), 0);
		CHECK(wr_answer_score(a, 0, &v) == 1, "%s: scored", w[i].text);
		if (w[i].off < 0) {
			CHECK(!wr_answer_where(a, 0, &off, &n), "%s: no place", w[i].text);
			continue;
		}
		off = n = 0;
		CHECK(wr_answer_where(a, 0, &off, &n) && off == (size_t)w[i].off && n == w[i].len,
		    "%s: at %zu+%zu, want %ld+%zu", w[i].text, off, n, w[i].off, w[i].len);
	}
	/* The short cut on the raw JSON string knows no places. */
	wr_answer_begin(a, e, len, 1);
	CHECK(wr_answer_fast(a, "apple;4", 7) == 1, "fast");
	CHECK(!wr_answer_where(a, 0, &off, &n), "fast: no place");
	wr_answer_free(a);
}

int
main(void)
{
	run_cases();
	test_none();
	test_where();
	return unit_done();
}
