/* Unit tests for lib/answer.c: every answer shape, mapping, rejections, cut-off answers, refusals. */
#include <stdlib.h>

#include "answer.h"
#include "common.h"
#include "json.h"
#include "unit.h"

struct rcase {
	const char *entries;   /* requested, separated by '|' */
	const char *text;      /* the answer */
	int flags;
	const char *want;      /* "entry=score ..." in request order; '-' missing, '~' duplicate */
	int rejected;
};

static const struct rcase cases[] = {
	/* Separators */
	{"apple|banana", "apple;4\nbanana;3", 0, "apple=4 banana=3", 0},
	{"apple", "apple: 4", 0, "apple=4", 0},
	{"apple", "apple - 4", 0, "apple=4", 0},
	{"apple", "apple \xe2\x80\x94 4", 0, "apple=4", 0},
	{"apple", "apple\xe2\x80\x93" "4", 0, "apple=4", 0},
	{"apple", "apple\t4", 0, "apple=4", 0},
	{"apple", "apple = 4", 0, "apple=4", 0},
	{"apple", "apple (4)", 0, "apple=4", 0},
	{"apple", "apple: (4)", 0, "apple=4", 0},
	{"apple", "apple 4/5", 0, "apple=4", 0},
	{"apple", "apple: 4/5", 0, "apple=4", 0},
	{"apple", "apple: 4 out of 5", 0, "apple=4", 0},
	{"apple", "apple -> 4", 0, "apple=4", 0},
	{"apple", "apple \xe2\x86\x92 4", 0, "apple=4", 0},
	{"apple", "apple, 4", 0, "apple=4", 0},
	{"apple", "apple | 4", 0, "apple=4", 0},
	{"apple", "apple;4\r\n", 0, "apple=4", 0},
	{"apple", "apple:4.", 0, "apple=4", 0},
	/* Lists and emphasis */
	{"apple|banana", "1. apple \xe2\x80\x94 4\n2. banana: 3", 0, "apple=4 banana=3", 0},
	{"apple|banana", "1) apple: 4\n2) banana: 3", 0, "apple=4 banana=3", 0},
	{"apple|banana|cherry|date", "- apple: 4\n* banana: 3\n\xe2\x80\xa2 cherry: 2\n+ date: 1", 0,
	    "apple=4 banana=3 cherry=2 date=1", 0},
	{"apple", "**apple**: 4", 0, "apple=4", 0},
	{"apple", "*apple*: 4", 0, "apple=4", 0},
	{"apple", "`apple`: 4", 0, "apple=4", 0},
	{"apple", "**apple:** 4", 0, "apple=4", 0},
	{"apple", "**apple: 4**", 0, "apple=4", 0},
	{"apple", "apple: **4**", 0, "apple=4", 0},
	{"apple", "__apple__ - 4", 0, "apple=4", 0},
	{"apple", "  \"apple\": 4,", 0, "apple=4", 0},
	{"apple", "1. **apple** \xe2\x80\x94 4 (a common fruit)", 0, "apple=4", 0},
	{"apple", "apple - 4 - very common", 0, "apple=4", 0},
	{"apple", "apple: 4 stars", 0, "apple=-", 0},
	/* Entries with spaces, digits, punctuation, accents */
	{"catch-22|R&B|x-ray|rock 'n' roll|caf\xc3\xa9|ice cream",
	    "catch-22: 4\nR&B;3\nx-ray - 2\nrock 'n' roll: 5\ncaf\xc3\xa9;4\nice cream;3", 0,
	    "catch-22=4 R&B=3 x-ray=2 rock 'n' roll=5 caf\xc3\xa9=4 ice cream=3", 0},
	{"catch-22", "catch-22;4", 0, "catch-22=4", 0},
	{"x-ray", "x-ray-3", 0, "x-ray=3", 0},
	{"1984|1. apple", "1984: 4\n1. 1984: 4", 0, "1984=4 1. apple=-", 0},
	/* An entry that ends in digits, written without a score, is not a score */
	{"catch-22", "catch-22", 0, "catch-22=-", 0},
	{"catch|catch-22", "catch-22\ncatch: 3", 0, "catch=3 catch-22=-", 0},
	{"apollo 13", "apollo 13", 0, "apollo 13=-", 0},
	/* Prose around */
	{"apple|banana", "Sure! Here are the ratings:\n\napple;4\nbanana;3\n\nLet me know if you need more.", 0,
	    "apple=4 banana=3", 0},
	{"apple|banana", "```\napple;4\nbanana;3\n```", 0, "apple=4 banana=3", 0},
	{"apple", "apple", 0, "apple=-", 0},
	{"apple", "apple 4", 0, "apple=-", 0},
	{"apple", "Scale: 1-5\napple;4", 0, "apple=4", 1},
	/* Markdown tables */
	{"apple|banana", "| Entry | Score |\n|---|---|\n| apple | 4 |\n| banana | 3 |", 0, "apple=4 banana=3", 0},
	{"apple|banana", "| # | Word | Rating |\n|:-:|---|--:|\n| 1 | apple | 4 |\n| 2 | **banana** | 3 |", 0,
	    "apple=4 banana=3", 0},
	{"apple|banana", "| Score | Word |\n|---|---|\n| 4 | apple |\n| 3 | banana |", 0, "apple=4 banana=3", 0},
	{"apple|banana", "Word | Score (1-5)\n--- | ---\napple | 4\nbanana | 3\n\nDone.", 0, "apple=4 banana=3", 0},
	{"apple|banana", "| apple | 4 |\n| banana | 3 |", 0, "apple=4 banana=3", 0},
	{"apple|banana", "| 1 | apple | 4 |\n| 2 | banana | N/A |", 0, "apple=4 banana=-", 0},
	/* JSON */
	{"apple|banana", "[{\"entry\":\"apple\",\"score\":4},{\"word\":\"banana\",\"rating\":3}]", 0,
	    "apple=4 banana=3", 0},
	{"apple|banana", "{\"apple\": 4, \"banana\": 3}", 0, "apple=4 banana=3", 0},
	{"apple|banana", "{\"ratings\": [{\"term\": \"apple\", \"value\": 4}, {\"answer\": \"banana\", \"score\": \"3\"}]}",
	    0, "apple=4 banana=3", 0},
	{"apple|banana", "{\"ratings\": {\"apple\": 4, \"banana\": 3}, \"count\": 2}", 0, "apple=4 banana=3", 0},
	{"apple|banana", "[[\"apple\", 4], [\"banana\", 3]]", 0, "apple=4 banana=3", 0},
	{"apple|banana", "[\"apple: 4\", \"banana: 3\"]", 0, "apple=4 banana=3", 0},
	{"apple|banana", "{\"apple\": {\"score\": 4, \"reason\": \"common\"}, \"banana\": {\"score\": 3}}", 0,
	    "apple=4 banana=3", 0},
	{"apple|banana", "Here you go:\n```json\n[\n  {\"word\": \"apple\", \"score\": 4},\n  {\"word\": \"banana\", \"score\": 3}\n]\n```\nHope this helps!",
	    0, "apple=4 banana=3", 0},
	{"apple|banana", "{\"word\": \"apple\", \"score\": 4}\n{\"word\": \"banana\", \"score\": 3}", 0,
	    "apple=4 banana=3", 0},
	{"caf\xc3\xa9|say \"hi\"", "{\"caf\\u00e9\": 4, \"say \\\"hi\\\"\": 3}", 0, "caf\xc3\xa9=4 say \"hi\"=3", 0},
	{"apple", "[{\"word\": \"apple\", \"score\": null}]", 0, "apple=-", 0},
	{"apple", "[{\"value\": \"fruit\", \"name\": \"Apple Inc.\", \"word\": \"apple\", \"score\": 4}]", 0,
	    "apple=4", 0},
	{"apple|banana", "[1] apple: 4\n[2] banana: 3", 0, "apple=4 banana=3", 0},
	/* Mapping: exact, then case-insensitive, then the key of letters and digits */
	{"ice cream", "ICE CREAM;4", 0, "ice cream=4", 0},
	{"ice cream", "icecream;4", 0, "ice cream=4", 0},
	{"ice cream", "Ice-cream;4", 0, "ice cream=4", 0},
	{"\xc3\x89" "clair", "\xc3\xa9" "clair;4", 0, "\xc3\x89" "clair=4", 0},
	{"Polish|polish", "polish;3\nPolish;4", 0, "Polish=4 polish=3", 0},
	{"Polish|polish", "POLISH;3", 0, "Polish=- polish=-", 1},
	{"ice cream|icecream", "Ice-Cream;4", 0, "ice cream=- icecream=-", 1},
	{"ice cream|icecream", "ICECREAM;4\nice cream;2", 0, "ice cream=2 icecream=4", 0},
	{"LEGHORNS", "LEGO;3", 0, "LEGHORNS=-", 1},
	{"MAINER|YOURIDEALWEIGHT", "MAINTER;2\nYOURIDEALWEALTH;4", 0, "MAINER=- YOURIDEALWEIGHT=-", 2},
	{"apple|apple", "apple;4", 0, "apple=4 apple=~", 0},
	/* Scores twice, out of range, other scales */
	{"apple", "apple;4\napple;2", 0, "apple=-", 1},
	{"apple", "apple;4\nAPPLE;4", 0, "apple=4", 0},
	{"apple", "apple;4\napple;4.0", 0, "apple=4", 0},
	{"apple", "apple;7", 0, "apple=-", 1},
	{"apple", "apple;0", 0, "apple=-", 1},
	{"apple", "apple: -2", 0, "apple=-", 1},
	{"apple", "apple;7\napple;4", 0, "apple=-", 1 + 0},
	{"apple", "apple: 4/10", 0, "apple=-", 1},
	{"apple|banana", "apple;3.5\nbanana;2.25", 0, "apple=3.5 banana=2.25", 0},
	{"apple", "{\"apple\": 6}", 0, "apple=-", 1},
	/* Cut off (finish_reason "length") */
	{"apple|banana", "apple;4\nbanana;3", WR_ANSWER_CUT, "apple=4 banana=-", 0},
	{"apple|banana", "apple;4\nbanana;3\n", WR_ANSWER_CUT, "apple=4 banana=3", 0},
	{"apple|banana", "apple;4\nbanana;3", 0, "apple=4 banana=3", 0},
	{"apple|banana", "[{\"entry\":\"apple\",\"score\":4},{\"entry\":\"banana\",\"sco", WR_ANSWER_CUT,
	    "apple=4 banana=-", 0},
	{"apple|banana", "{\"apple\": 4, \"banana\": 3", WR_ANSWER_CUT, "apple=4 banana=-", 0},
	{"apple|banana", "{\"ratings\": [{\"word\": \"apple\", \"score\": 4}, {\"word\": \"banana\", \"score\": 3",
	    WR_ANSWER_CUT, "apple=4 banana=-", 0},
	/* Thinking */
	{"apple", "<think>apple;1 maybe? no</think>\napple;4", 0, "apple=4", 0},
	{"apple", "\n<think>\napple;1\n", 0, "apple=-", 0},
	{"apple", "", 0, "apple=-", 0},
};

static const struct {
	const char *text;
	int refusal;
} refusals[] = {
	{"I'm sorry, but I can't help with that.", 1},
	{"I\xe2\x80\x99m sorry, I cannot rate these.", 1},
	{"As an AI language model, I do not rate words.", 1},
	{"I won't do that.", 1},
	{"Here are the ratings:", 0},
	{"", 0},
};

static const struct {
	double v;
	const char *want;
} formats[] = {
	{4, "4"}, {3.5, "3.5"}, {10, "10"}, {-1, "-1"}, {0, "0"}, {0.1 + 0.2, "0.3"}, {2.25, "2.25"},
	{1e20, "1e+20"}, {123456789012, "123456789012"},
};

/* Messages go here, one per line. */
static struct wr_buf msgs;

static void
collect(void *arg, enum wr_answer_problem what, const char *msg)
{
	(void)arg;
	(void)what;
	wr_buf_adds(&msgs, msg);
	wr_buf_addc(&msgs, '\n');
}

static void
run_case(struct wr_answer *a, const struct rcase *c)
{
	const char *e[64];
	size_t len[64], n = 0, i;
	char *list = wr_strdup(c->entries), *p = list, *bar;
	struct wr_buf got = {0};
	char num[32];
	double v;

	for (;;) {
		e[n] = p;
		bar = strchr(p, '|');
		len[n] = bar ? (size_t)(bar - p) : strlen(p);
		n++;
		if (!bar)
			break;
		p = bar + 1;
	}
	wr_buf_reset(&msgs);
	wr_answer_begin(a, e, len, n);
	wr_answer_parse(a, c->text, strlen(c->text), c->flags);
	for (i = 0; i < n; i++) {
		int r = wr_answer_score(a, i, &v);
		if (i)
			wr_buf_addc(&got, ' ');
		wr_buf_add(&got, e[i], len[i]);
		wr_buf_addc(&got, '=');
		if (r > 0) {
			wr_answer_format(v, num);
			wr_buf_adds(&got, num);
		} else
			wr_buf_adds(&got, r < 0 ? "~" : "-");
	}
	CHECK(strcmp(got.s, c->want) == 0, "%s: got \"%s\", want \"%s\"", c->text, got.s, c->want);
	CHECK((int)wr_answer_rejected(a) == c->rejected, "%s: %zu rejected, want %d (%s)", c->text,
	    wr_answer_rejected(a), c->rejected, msgs.s ? msgs.s : "");
	wr_buf_free(&got);
	free(list);
}

static void
test_messages(struct wr_answer *a)
{
	const char *e[] = {"LEGHORNS", "apple", "Polish", "polish"};
	size_t len[] = {8, 5, 6, 6};
	const char *text = "LEGO;3\napple;4\napple;2\nPOLISH;1\nPolish: 9\npolish 2/10";

	wr_buf_reset(&msgs);
	wr_answer_begin(a, e, len, 4);
	wr_answer_parse(a, text, strlen(text), 0);
	CHECK(msgs.s && strcmp(msgs.s,
	    "\"LEGO\": not requested\n"
	    "\"apple\": scored twice, 4 and 2\n"
	    "\"POLISH\": matches more than one requested entry\n"
	    "\"Polish\": score 9 out of range 1:5\n"
	    "\"polish\": score 2/10 is not on the scale 1:5\n") == 0, "messages: %s", msgs.s ? msgs.s : "(none)");

	/* A name the model wrote with control characters in it stays on one line. */
	text = "{\"x\\ny\": 4}";
	wr_buf_reset(&msgs);
	wr_answer_begin(a, e, len, 4);
	wr_answer_parse(a, text, strlen(text), 0);
	CHECK(msgs.s && strcmp(msgs.s, "\"x\\x0ay\": not requested\n") == 0,
	    "control characters escaped: %s", msgs.s ? msgs.s : "(none)");
}

/*
 * The short cut on the raw JSON text must reach what the general path
 * reaches on the decoded text, or decline.
 */
static const struct {
	const char *entries;
	const char *text;      /* decoded */
	int fast;              /* wr_answer_fast takes it */
} fast_cases[] = {
	{"apple|banana", "apple;4\nbanana;3", 1},
	{"apple|banana", "apple;4\nbanana;3\n", 1},
	{"caf\xc3\xa9|R&B|catch-22|a;b", "caf\xc3\xa9;4\nR&B;3\ncatch-22;5\na;b;1", 1},
	{"apple|banana", "banana;3\napple;4", 0},
	{"apple|banana", "apple;4", 0},
	{"apple|banana", "apple;4\nbanana;3\ncherry;2", 0},
	{"apple|banana", "apple;4\r\nbanana;3", 0},
	{"apple|banana", "apple;4\nbanana;34", 0},
	{"apple|banana", "apple;4\nbanana;7", 0},
	{"apple|banana", "apple;4\n\nbanana;3", 0},
	{"apple|apple", "apple;4\napple;2", 0},
	{"- x|y", "- x;4\ny;3", 0},
	{"**x**|y", "**x**;4\ny;3", 0},
	{"1. x|y", "1. x;4\ny;3", 0},
	{"a\\nb|c", "a\nb;4\nc;3", 0},
	{"x|y", "x;4\ny;3.5", 0},
	{"x", " x;4", 0},
	{"x", "", 0},
};

static void
test_fast(struct wr_answer *a)
{
	size_t i, k;

	for (i = 0; i < sizeof fast_cases / sizeof fast_cases[0]; i++) {
		const char *e[8];
		size_t len[8], n = 0;
		char *list = wr_strdup(fast_cases[i].entries), *p = list, *bar;
		struct wr_buf raw = {0};
		double general[8], fast[8];
		int gs[8], took;

		for (;;) {
			e[n] = p;
			bar = strchr(p, '|');
			len[n] = bar ? (size_t)(bar - p) : strlen(p);
			n++;
			if (!bar)
				break;
			p = bar + 1;
		}
		wr_json_escapes(&raw, fast_cases[i].text);
		wr_answer_begin(a, e, len, n);
		wr_answer_parse(a, fast_cases[i].text, strlen(fast_cases[i].text), 0);
		for (k = 0; k < n; k++)
			gs[k] = wr_answer_score(a, k, &general[k]);
		wr_answer_begin(a, e, len, n);
		took = wr_answer_fast(a, raw.s + 1, raw.len - 2);
		CHECK(took == fast_cases[i].fast, "fast %s: took %d", fast_cases[i].text, took);
		for (k = 0; took && k < n; k++) {
			int fs = wr_answer_score(a, k, &fast[k]);
			CHECK(fs == gs[k] && (fs != 1 || fast[k] == general[k]), "fast %s: entry %zu differs",
			    fast_cases[i].text, k);
		}
		if (!took)
			for (k = 0; k < n; k++)
				CHECK(wr_answer_score(a, k, &fast[k]) == (gs[k] < 0 ? -1 : 0),
				    "fast %s: declined but changed entry %zu", fast_cases[i].text, k);
		wr_buf_free(&raw);
		free(list);
	}
}

/* A deterministic generator for the differential test below. */
static unsigned long rng = 12345;

static unsigned
rnd(unsigned n)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return (unsigned)(rng >> 33) % n;
}

/*
 * Random entries and answers near the fast shape: whenever the short cut
 * takes an answer, the general path must give every entry the same outcome.
 */
static void
test_fast_random(struct wr_answer *a)
{
	static const char *const bits[] = {
		"a", "b", "Z", "1", "-", "*", " ", ";", "\\", "\"", "\xc3\xa9", "|", "`", "_", "[", "'",
	};
	char ent[6][16], text[256];
	const char *e[6];
	size_t len[6], n, k, t, m, fast_taken = 0;
	double v1[6], v2[6];
	int s1[6], s2[6], took, differ = 0, iter;

	for (iter = 0; iter < 20000; iter++) {
		struct wr_buf raw = {0};
		n = 1 + rnd(5);
		for (k = 0; k < n; k++) {
			ent[k][0] = '\0';
			/* Mostly plain letters, sometimes the awkward characters. */
			for (m = 1 + rnd(4); m > 0; m--)
				strcat(ent[k], rnd(3) ? bits[rnd(3)] : bits[rnd(sizeof bits / sizeof bits[0])]);
			e[k] = ent[k];
			len[k] = strlen(ent[k]);
		}
		text[0] = '\0';
		for (k = 0; k < n; k++) {
			t = rnd(20);
			if (k && t != 1)
				strcat(text, t == 2 ? "\r\n" : "\n");
			strcat(text, t == 3 ? ent[rnd((unsigned)n)] : ent[k]);
			strcat(text, t == 4 ? ":" : ";");
			text[strlen(text) + 1] = '\0';
			text[strlen(text)] = (char)(t == 5 ? '9' : '0' + 1 + rnd(5));
			if (t == 6)
				strcat(text, "5");
		}
		if (rnd(4) == 0)
			strcat(text, "\n");
		wr_json_escapes(&raw, text);
		wr_answer_begin(a, e, len, n);
		wr_answer_parse(a, text, strlen(text), 0);
		for (k = 0; k < n; k++)
			s1[k] = wr_answer_score(a, k, &v1[k]);
		wr_answer_begin(a, e, len, n);
		if ((took = wr_answer_fast(a, raw.s + 1, raw.len - 2)))
			fast_taken++;
		for (k = 0; took && k < n; k++) {
			s2[k] = wr_answer_score(a, k, &v2[k]);
			if (s1[k] != s2[k] || (s1[k] == 1 && v1[k] != v2[k])) {
				if (!differ++)
					fprintf(stderr, "fast differs on: %s\n", text);
			}
		}
		wr_buf_free(&raw);
	}
	CHECK(differ == 0, "the short cut differs from the general path %d times", differ);
	CHECK(fast_taken > 1000, "the short cut was taken %zu times", fast_taken);
}

/* Brackets that never close are text, read in one pass. */
static void
test_brackets(struct wr_answer *a)
{
	struct wr_buf t = {0};
	const char *e[2] = {"apple", "[a"};
	size_t len[2] = {5, 2}, k;
	double v;

	for (k = 0; k < 20000; k++)
		wr_buf_adds(&t, "[a\n{\"b\n");
	wr_buf_adds(&t, "[note: the scores]\napple;4\n[a: 3\n");
	wr_answer_begin(a, e, len, 2);
	wr_answer_parse(a, t.s, t.len, 0);
	CHECK(wr_answer_score(a, 0, &v) == 1 && v == 4, "stray brackets: apple");
	CHECK(wr_answer_score(a, 1, &v) == 1 && v == 3, "stray brackets: [a");
	wr_buf_free(&t);
}

/* A long answer of the usual shape, with an entry list reused many times. */
static void
test_reuse(struct wr_answer *a)
{
	const char *e[3] = {"one", "two", "three"};
	size_t len[3] = {3, 3, 5}, k;
	double v;
	int ok = 1;

	for (k = 0; k < 1000; k++) {
		const char *text = k % 2 ? "one;1\ntwo;2\nthree;3\n" : "ONE;5\nTwo;4\nthree;3\n";
		wr_answer_begin(a, e, len, 3);
		wr_answer_parse(a, text, strlen(text), 0);
		ok &= wr_answer_score(a, 0, &v) == 1 && v == (k % 2 ? 1 : 5);
		ok &= wr_answer_score(a, 2, &v) == 1 && v == 3;
	}
	CHECK(ok, "answers reuse their buffers");
}

int
main(void)
{
	struct wr_answer *a = wr_answer_new(1, 5);
	size_t i;
	char num[32];

	wr_answer_set_report(a, collect, NULL);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		run_case(a, &cases[i]);
	test_messages(a);
	test_fast(a);
	test_fast_random(a);
	test_brackets(a);
	test_reuse(a);
	for (i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
		CHECK(wr_answer_refusal(refusals[i].text, strlen(refusals[i].text)) == refusals[i].refusal,
		    "refusal: %s", refusals[i].text);
	for (i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		wr_answer_format(formats[i].v, num);
		CHECK(strcmp(num, formats[i].want) == 0, "format %g: got %s, want %s", formats[i].v, num,
		    formats[i].want);
	}
	wr_answer_free(a);
	wr_buf_free(&msgs);
	return unit_done();
}
