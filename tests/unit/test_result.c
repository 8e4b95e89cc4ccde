/* Unit tests for lib/result.c: result lines, content decoding, entries, entry sets. */
#include <stdio.h>
#include <stdlib.h>

#include "result.h"
#include "unit.h"

/* A result line around a content given as JSON text. */
static char *
line_with(const char *content_json, const char *finish, const char *extra)
{
	struct wr_buf b = {0};

	wr_buf_printf(&b, "{\"id\":\"x\",\"custom_id\":\"c1\",\"response\":{\"status_code\":200,\"body\":{\"model\":\"m\","
	    "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":%s%s},"
	    "\"finish_reason\":\"%s\"}]}},\"error\":null}", content_json, extra, finish);
	return b.s;
}

static const struct {
	const char *json;   /* content as JSON */
	const char *text;   /* decoded, or NULL when invalid */
} contents[] = {
	{"\"apple;4\\nbanana;3\"", "apple;4\nbanana;3"},
	{"\"\"", ""},
	{"null", ""},
	{"\"0123456\\n\"", "0123456\n"},
	{"\"01234567\\n89abcdef\\t\"", "01234567\n89abcdef\t"},
	{"\"\\\"quoted\\\" \\\\ \\/ \\b\\f\\r\"", "\"quoted\" \\ / \b\f\r"},
	{"\"caf\\u00e9 \\ud83d\\ude00 \\u20ac\"", "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe2\x82\xac"},
	{"\"\\u0041\\u0042\"", "AB"},
	{"\"abcdefgh\\u00e9ijklmnop\"", "abcdefgh\xc3\xa9ijklmnop"},
	{"\"caf\xc3\xa9 na\xc3\xafve\"", "caf\xc3\xa9 na\xc3\xafve"},
	{"\"\\ud83d\"", NULL},
	{"\"\\ude00x\"", NULL},
	{"\"\\x41\"", NULL},
	{"\"tab\there\"", NULL},
	{"\"0123456789\\q\"", NULL},
	{"[{\"type\":\"text\",\"text\":\"apple;4\"},{\"type\":\"text\",\"text\":\"banana;3\"}]", "apple;4\nbanana;3"},
	{"[{\"type\":\"reasoning\",\"text\":\"x;1\"},{\"type\":\"output_text\",\"text\":\"apple;4\\n\"},\"banana;3\"]",
	    "apple;4\nbanana;3"},
	{"{\"text\":\"apple;4\"}", NULL},
};

static void
test_contents(void)
{
	struct wr_result r;
	struct wr_buf text = {0};
	const char *why;
	size_t i;

	wr_result_init(&r);
	for (i = 0; i < sizeof contents / sizeof contents[0]; i++) {
		char *line = line_with(contents[i].json, "stop", "");
		int ok = wr_result_parse(&r, line, strlen(line), &why) == 0;
		/* jsmn itself refuses some bad escapes: then the line is not JSON. */
		CHECK((ok && r.kind == WR_RESULT_ANSWER) || (!ok && !contents[i].text), "parse %s", contents[i].json);
		if (ok) {
			int got = wr_result_text(&r, &text);
			if (contents[i].text)
				CHECK(got == 0 && text.len == strlen(contents[i].text) &&
				    memcmp(text.s, contents[i].text, text.len) == 0, "content %s", contents[i].json);
			else
				CHECK(got != 0, "content %s is invalid", contents[i].json);
		}
		free(line);
	}
	wr_result_free(&r);
	wr_buf_free(&text);
}

static const struct {
	const char *line;
	int ok;                  /* wr_result_parse succeeds */
	enum wr_result_kind kind;
	int cut;
	const char *id;          /* or the reason when !ok */
} lines[] = {
	{"{\"custom_id\":\"a\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":\"length\"}]}},\"error\":null}",
	    1, WR_RESULT_ANSWER, 1, "a"},
	{"{\"custom_id\":\"a\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[{\"message\":{\"content\":null,\"refusal\":\"No.\"}}]}}}",
	    1, WR_RESULT_REFUSED, 0, "a"},
	{"{\"custom_id\":\"a\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[{\"message\":{\"content\":\"x\",\"refusal\":\"\"}}]}}}",
	    1, WR_RESULT_ANSWER, 0, "a"},
	{"{\"custom_id\":\"a\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[{\"message\":{\"content\":\"x\"},\"finish_reason\":\"content_filter\"}]}}}",
	    1, WR_RESULT_REFUSED, 0, "a"},
	{"{\"custom_id\":\"a\",\"response\":{\"status_code\":429,\"body\":{}},\"error\":{\"code\":\"x\"}}", 1, WR_RESULT_FAILED, 0, "a"},
	{"{\"custom_id\":\"a\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[{\"message\":{\"content\":\"x\"}}]}},\"error\":\"boom\"}",
	    1, WR_RESULT_FAILED, 0, "a"},
	{"{\"custom_id\":\"a\",\"response\":null,\"error\":{\"code\":\"batch_expired\"}}", 1, WR_RESULT_FAILED, 0, "a"},
	{"{\"custom_id\":\"a\",\"response\":{\"status_code\":200,\"body\":{\"choices\":[]}}}", 1, WR_RESULT_FAILED, 0, "a"},
	{"{\"custom_id\":\"a\\u00e9\",\"method\":\"POST\",\"body\":{},\"entries\":[\"x\"]}", 1, WR_RESULT_FAILED, 0, "a\xc3\xa9"},
	{"{\"id\":\"a\"}", 0, WR_RESULT_FAILED, 0, "no custom_id"},
	{"{\"custom_id\":7}", 0, WR_RESULT_FAILED, 0, "custom_id is not a string"},
	{"{\"custom_id\":\"\"}", 0, WR_RESULT_FAILED, 0, "empty custom_id"},
	{"{\"custom_id\":\"a\\tb\"}", 0, WR_RESULT_FAILED, 0, "control character in custom_id"},
	{"{\"custom_id\":\"a\",\"entries\":\"x\"}", 0, WR_RESULT_FAILED, 0, "\"entries\" is not an array"},
	{"[1]", 0, WR_RESULT_FAILED, 0, "not a JSON object"},
	{"{\"custom_id\":\"a\"", 0, WR_RESULT_FAILED, 0, "truncated JSON"},
	{"this is not JSON", 0, WR_RESULT_FAILED, 0, "invalid JSON"},
	{"{\"custom_id\":\"caf\xc3\"}", 0, WR_RESULT_FAILED, 0, "invalid UTF-8"},
	{"{\"custom_id\":\"\xed\xa0\x80\"}", 0, WR_RESULT_FAILED, 0, "invalid UTF-8"},
	{"{\"custom_id\":\"caf\xc3\xa9 0123456789 \xe2\x82\xac\"}", 1, WR_RESULT_FAILED, 0, "caf\xc3\xa9 0123456789 \xe2\x82\xac"},
};

static void
test_lines(void)
{
	struct wr_result r;
	const char *why;
	size_t i;

	wr_result_init(&r);
	for (i = 0; i < sizeof lines / sizeof lines[0]; i++) {
		int ok = wr_result_parse(&r, lines[i].line, strlen(lines[i].line), &why) == 0;
		CHECK(ok == lines[i].ok, "%s", lines[i].line);
		if (ok && lines[i].ok)
			CHECK(r.kind == lines[i].kind && r.cut == lines[i].cut && strcmp(r.id.s, lines[i].id) == 0,
			    "%s: kind %d cut %d id %s", lines[i].line, r.kind, r.cut, r.id.s);
		else if (!ok)
			CHECK(strcmp(why, lines[i].id) == 0, "%s: %s", lines[i].line, why);
	}
	wr_result_free(&r);
}

static const struct {
	const char *array;
	const char *want;        /* entries joined by '|', or the reason */
	int ok;
} entries[] = {
	{"[\"apple\",\"ice cream\",\"caf\xc3\xa9\"]", "apple|ice cream|caf\xc3\xa9", 1},
	{"[\"caf\\u00e9\",\"plain\",\"say \\\"hi\\\"\",\"a long entry with escapes \\u0041\\u0042\"]",
	    "caf\xc3\xa9|plain|say \"hi\"|a long entry with escapes AB", 1},
	{"[\"exactly8\",\"sixteen bytes!!!\",\"nine byte\"]", "exactly8|sixteen bytes!!!|nine byte", 1},
	{"[]", "", 1},
	{"[\"a\",1]", "\"entries\" holds something other than strings", 0},
	{"[\"a\",\"\"]", "empty entry", 0},
	{"[\"tab\\there\"]", "control character in an entry", 0},
	{"[\"ends in a raw tab\t\"]", "an entry is not a valid JSON string", 0},
};

static void
test_entries(void)
{
	struct wr_result r;
	struct wr_entries e = {0};
	struct wr_buf got = {0}, line = {0};
	const char *why;
	size_t i, k;

	wr_result_init(&r);
	for (i = 0; i < sizeof entries / sizeof entries[0]; i++) {
		wr_buf_reset(&line);
		wr_buf_printf(&line, "{\"custom_id\":\"a\",\"entries\":%s}", entries[i].array);
		if (wr_result_parse(&r, line.s, line.len, &why) != 0) {
			CHECK(0, "%s: %s", entries[i].array, why);
			continue;
		}
		if (wr_result_entries(&r, &e, &why) != 0) {
			CHECK(!entries[i].ok && strcmp(why, entries[i].want) == 0, "%s: %s", entries[i].array, why);
			continue;
		}
		wr_buf_reset(&got);
		wr_buf_add(&got, "", 0);
		for (k = 0; k < e.n; k++) {
			if (k)
				wr_buf_addc(&got, '|');
			wr_buf_add(&got, e.s[k], e.len[k]);
		}
		CHECK(entries[i].ok && strcmp(got.s, entries[i].want) == 0, "%s: got %s", entries[i].array, got.s);
	}
	wr_result_free(&r);
	wr_entries_free(&e);
	wr_buf_free(&got);
	wr_buf_free(&line);
}

static void
test_reqset(void)
{
	struct wr_reqset set;
	struct wr_entries e = {0};
	const char *one[] = {"apple", "ice cream"}, *two[] = {"x"};
	size_t len1[] = {5, 9}, len2[] = {1};
	int added;
	long i;

	wr_reqset_init(&set);
	CHECK(wr_reqset_add(&set, "id1", 3, one, len1, 2, &added) == 0 && added, "add id1");
	CHECK(wr_reqset_add(&set, "id2", 3, two, len2, 1, &added) == 1 && added, "add id2");
	CHECK(wr_reqset_add(&set, "id1", 3, two, len2, 1, &added) == 0 && !added, "id1 again keeps the first");
	i = wr_reqset_find(&set, "id1", 3);
	CHECK(i == 0, "find id1");
	wr_reqset_get(&set, (size_t)i, &e);
	CHECK(e.n == 2 && e.len[1] == 9 && memcmp(e.s[1], "ice cream", 9) == 0, "entries of id1");
	CHECK(strcmp(wr_reqset_id(&set, 1), "id2") == 0, "id of item 1");
	CHECK(wr_reqset_find(&set, "id3", 3) == -1, "no id3");
	wr_reqset_free(&set);
	wr_entries_free(&e);
}

int
main(void)
{
	test_contents();
	test_lines();
	test_entries();
	test_reqset();
	return unit_done();
}
