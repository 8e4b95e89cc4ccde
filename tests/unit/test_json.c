/* Unit tests for lib/json.c: escapes, unescapes, round trips of hostile strings, lookups. */
#include <stdlib.h>

#include "json.h"
#include "unit.h"

static const struct {
	const char *in;     /* JSON string body, without quotes */
	const char *out;    /* decoded, or NULL when invalid */
} unesc[] = {
	{"plain", "plain"},
	{"", ""},
	{"a\\\"b", "a\"b"},
	{"back\\\\slash", "back\\slash"},
	{"\\/", "/"},
	{"\\b\\f\\n\\r\\t", "\b\f\n\r\t"},
	{"\\u0041", "A"},
	{"\\u00e9", "\xc3\xa9"},
	{"\\u00E9", "\xc3\xa9"},
	{"\\u20ac", "\xe2\x82\xac"},
	{"\\ud83d\\ude00", "\xf0\x9f\x98\x80"},
	{"\\uD834\\uDD1E", "\xf0\x9d\x84\x9e"},
	{"caf\xc3\xa9", "caf\xc3\xa9"},
	{"\\ud83d", NULL},            /* lone high surrogate */
	{"\\ude00", NULL},            /* lone low surrogate */
	{"\\ud83d\\u0041", NULL},     /* high surrogate, then not a low one */
	{"\\ud83dx", NULL},
	{"\\u12", NULL},
	{"\\u12g4", NULL},
	{"\\x41", NULL},
	{"\\", NULL},
	{"tab\there", NULL},          /* raw control character */
	{"\xc3", NULL},               /* truncated UTF-8 */
	{"\xed\xa0\x80", NULL},       /* UTF-8 encoded surrogate */
	{"\\u0000", "\0"},
	/* Longer than eight bytes: the word-at-a-time copy. */
	{"0123456789abcdef\\n0123456789abcdef", "0123456789abcdef\n0123456789abcdef"},
	{"longer than eight \xc3\xa9 bytes", "longer than eight \xc3\xa9 bytes"},
	{"0123456789\ttab", NULL},
	{"eight by\xc3tes and more", NULL},
	{"\xc3\\u00a9 a lead byte, then an escape", NULL},
	{"\\u00c3\xa9 an escape, then a stray continuation", NULL},
	{"0123456789\xf0\x9f\x98\x80\\ud83d\\ude00", "0123456789\xf0\x9f\x98\x80\xf0\x9f\x98\x80"},
};

static const char *const hostile[] = {
	"quote \" and backslash \\",
	"\x01\x02\x1f control",
	"line\nbreak\r\n",
	"emoji \xf0\x9f\x98\x80 and \xe2\x82\xac",
	"\\u0041 literally",
	"</script>",
	"",
	"\x7f del",
};

static void
test_unescape(void)
{
	size_t i;

	for (i = 0; i < sizeof unesc / sizeof *unesc; i++) {
		struct wr_buf b = {0};
		int r = wr_json_unescape(unesc[i].in, strlen(unesc[i].in), &b);
		if (!unesc[i].out)
			CHECK(r == -1, "case %zu: %s accepted", i, unesc[i].in);
		else if (unesc[i].out[0] == '\0' && strcmp(unesc[i].in, "\\u0000") == 0)
			CHECK(r == 0 && b.len == 1 && b.s[0] == '\0', "case %zu", i);
		else
			CHECK(r == 0 && b.len == strlen(unesc[i].out) && memcmp(b.s, unesc[i].out, b.len) == 0,
			    "case %zu: %s", i, unesc[i].in);
		wr_buf_free(&b);
	}
}

static void
test_roundtrip(void)
{
	size_t i;

	for (i = 0; i < sizeof hostile / sizeof *hostile; i++) {
		struct wr_buf esc = {0}, back = {0};
		struct wr_json j;
		const char *why;

		wr_json_escapes(&esc, hostile[i]);
		CHECK(wr_json_valid(esc.s, esc.len), "escaped %zu not valid: %s", i, esc.s);
		wr_json_init(&j);
		CHECK(wr_json_parse(&j, esc.s, esc.len, &why) == 0 && wr_json_str(&j, 0, &back) == 0 &&
		    strcmp(back.s ? back.s : "", hostile[i]) == 0, "round trip %zu", i);
		wr_json_free(&j);
		wr_buf_free(&esc);
		wr_buf_free(&back);
	}
}

static void
test_escape_exact(void)
{
	struct wr_buf b = {0};

	wr_json_escape(&b, "a\"\\\n\t\x01\xc3\xa9", 8);
	CHECK(strcmp(b.s, "\"a\\\"\\\\\\n\\t\\u0001\xc3\xa9\"") == 0, "got %s", b.s);
	wr_buf_free(&b);
}

static void
test_valid(void)
{
	static const struct { const char *s; int ok; } v[] = {
		{"0", 1}, {"-1.5e3", 1}, {"true", 1}, {"null", 1}, {"\"x\"", 1},
		{"{\"a\":[1,2,{\"b\":null}]}", 1}, {" [ ] ", 1},
		{"", 0}, {"01", 0}, {"1.", 0}, {"tru", 0}, {"[1,", 0}, {"{\"a\"}", 0},
		{"1 2", 0}, {"\"\\ud800\"", 0}, {"0x10", 0}, {"nul", 0}, {"{'a':1}", 0},
		/* jsmn lets these through; wr_json_parse checks the punctuation itself */
		{"[1,]", 0}, {"{\"a\":1,}", 0}, {"[1]:", 0}, {"{\"a\":1}:", 0}, {"[1] ,", 0},
		{"\"\"]:", 0}, {"[,1]", 0}, {"{,\"a\":1}", 0}, {"[1:2]", 0}, {"{\"a\",1}", 0},
		{"{\"a\":1 \"b\":2}", 0}, {"[1 2]", 0}, {"[[],[{}]]", 1}, {"{\"a\":\"]:,\"}", 1},
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof *v; i++)
		CHECK(wr_json_valid(v[i].s, strlen(v[i].s)) == v[i].ok, "valid(%s)", v[i].s);
	/* jsmn stops at a NUL: what follows it must not be ignored */
	CHECK(!wr_json_valid("{}\0x", 4), "valid with a NUL");
}

static void
test_lookup(void)
{
	const char *doc = "{\"a\":{\"x\":[1,{\"y\":2}],\"b\":\"c\"},\"list\":[\"p\",[\"q\"],\"r\"],\"n\":4.5,\"z\":null}";
	struct wr_json j;
	const char *why;
	double d;
	size_t len;
	int i;

	wr_json_init(&j);
	CHECK(wr_json_parse(&j, doc, strlen(doc), &why) == 0, "parse");
	i = wr_json_path(&j, 0, "a", "b", NULL);
	CHECK(wr_json_streq(&j, i, "c"), "path a.b");
	i = wr_json_get(&j, 0, "list");
	CHECK(wr_json_streq(&j, wr_json_index(&j, i, 2), "r"), "list[2] after a nested array");
	CHECK(wr_json_index(&j, i, 3) == -1, "list[3] absent");
	{
		/* A step at a time: the same elements as by index, then -1 (the "n" after the list is not one). */
		int e = wr_json_first(&j, i), k = 0;
		for (; e >= 0; e = wr_json_next(&j, i, e), k++)
			CHECK(e == wr_json_index(&j, i, k), "list element %d in order", k);
		CHECK(k == 3, "three elements walked, %d", k);
		CHECK(wr_json_first(&j, wr_json_get(&j, 0, "n")) == -1, "no first element of a number");
	}
	CHECK(wr_json_num(&j, wr_json_get(&j, 0, "n"), &d) == 0 && d == 4.5, "n");
	CHECK(wr_json_isnull(&j, wr_json_get(&j, 0, "z")), "z null");
	CHECK(wr_json_get(&j, 0, "y") == -1, "nested key not found at top");
	CHECK(wr_json_get(&j, 0, "missing") == -1, "missing");
	i = wr_json_get(&j, 0, "a");
	wr_json_text(&j, wr_json_get(&j, i, "b"), &len);
	CHECK(len == 3, "text of a string includes quotes");
	CHECK(wr_json_parse(&j, "{} {}", 5, &why) == -1, "two values rejected");
	CHECK(wr_json_parse(&j, "{\"a\":", 5, &why) == -1, "truncated rejected");
	wr_json_free(&j);
}

static void
test_many_tokens(void)
{
	struct wr_buf b = {0};
	struct wr_json j;
	const char *why;
	int i;

	wr_buf_addc(&b, '[');
	for (i = 0; i < 5000; i++)
		wr_buf_adds(&b, i ? ",1" : "1");
	wr_buf_addc(&b, ']');
	wr_json_init(&j);
	CHECK(wr_json_parse(&j, b.s, b.len, &why) == 0 && j.n == 5001, "token array grows");
	CHECK(wr_json_index(&j, 0, 4999) == 5000, "last item");
	wr_json_free(&j);
	wr_buf_free(&b);
}

int
main(void)
{
	test_unescape();
	test_roundtrip();
	test_escape_exact();
	test_valid();
	test_lookup();
	test_many_tokens();
	return unit_done();
}
