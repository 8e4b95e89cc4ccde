/* Unit tests for lib/: UTF-8, batch IDs, the hash map, templates, word-list records, the line reader. */
#include <stdlib.h>
#include <unistd.h>

#include "hash.h"
#include "line.h"
#include "tmpl.h"
#include "unit.h"
#include "utf8.h"
#include "words.h"

static void
test_utf8(void)
{
	static const struct { const char *s; int ok; } v[] = {
		{"ascii", 1}, {"caf\xc3\xa9", 1}, {"\xe2\x82\xac", 1}, {"\xf0\x9f\x98\x80", 1},
		{"\xf4\x8f\xbf\xbf", 1}, {"\xc3", 0}, {"\xc0\xaf", 0}, {"\xe0\x80\xaf", 0},
		{"\xed\xa0\x80", 0}, {"\xf4\x90\x80\x80", 0}, {"\xff", 0}, {"\x80", 0},
		{"abcdefgh\xc3\xa9ijklmnop", 1}, {"abcdefghijklmno\xfe", 0},
	};
	size_t i;
	char out[4];

	for (i = 0; i < sizeof v / sizeof *v; i++)
		CHECK(wr_utf8_valid(v[i].s, strlen(v[i].s)) == v[i].ok, "utf8 case %zu", i);
	CHECK(wr_utf8_encode(0x1F600, out) == 4 && memcmp(out, "\xf0\x9f\x98\x80", 4) == 0, "encode");
	CHECK(wr_utf8_encode(0xD800, out) == 0, "no surrogates");
}

static void
test_ids(void)
{
	/* Recomputed with: printf 'cat\ndog\n' | xxh64sum */
	const char *e[] = {"cat", "dog"};
	size_t l[] = {3, 3};
	char hex[17];

	wr_id_hex(wr_batch_id(e, l, 2), hex);
	CHECK(strcmp(hex, "c5a62931ca6b6d20") == 0, "id %s", hex);
	wr_id_hex(wr_batch_id(e, l, 0), hex);
	CHECK(strcmp(hex, "ef46db3751d8e999") == 0, "empty id %s", hex);
}

static void
test_map(void)
{
	struct wr_map m;
	char key[32];
	int i, added, bad = 0;
	size_t *v;

	wr_map_init(&m);
	for (i = 0; i < 10000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		v = wr_map_put(&m, key, strlen(key), (size_t)i, &added);
		if (!added || *v != (size_t)i)
			bad++;
	}
	for (i = 0; i < 10000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		v = wr_map_get(&m, key, strlen(key));
		if (!v || *v != (size_t)i)
			bad++;
	}
	CHECK(bad == 0 && m.count == 10000, "map put/get (%d bad)", bad);
	wr_map_put(&m, "k5", 2, 99, &added);
	CHECK(!added, "existing key not added again");
	CHECK(wr_map_get(&m, "k10000", 6) == NULL, "absent key");
	CHECK(strcmp(wr_map_key(&m, "k7", 2), "k7") == 0, "stored key");
	wr_map_free(&m);
}

static void
test_tmpl(void)
{
	const char *bad;
	size_t badlen;
	struct wr_tmpl_part r[8];

	/* An unclosed "{{" is text, kept as it stands. */
	CHECK(wr_tmpl_parts("{{id}}: {{count}}\n{{entries}}{{x", r, 8) == 6 && r[0].kind == WR_TMPL_ID &&
	    r[1].kind == WR_TMPL_TEXT && r[1].len == 2 && r[2].kind == WR_TMPL_COUNT &&
	    r[3].kind == WR_TMPL_TEXT && r[4].kind == WR_TMPL_ENTRIES && r[5].kind == WR_TMPL_TEXT &&
	    r[5].len == 3 && memcmp(r[5].s, "{{x", 3) == 0, "render parts");
	CHECK(wr_tmpl_check("a {{entries}} {{count}} {{id}}", &bad, &badlen) == 0, "check ok");
	CHECK(wr_tmpl_check("a {{entry}} b", &bad, &badlen) == -1 && badlen == 9, "check bad");

	{
		struct wr_tmpl_part p[8];
		const char *t = "Rate {{count}} ({{id}}):\n{{entries}}{{entries}}";
		size_t n = wr_tmpl_parts(t, p, 8);
		CHECK(n == 7, "parts: %zu", n);
		CHECK(p[0].kind == WR_TMPL_TEXT && p[0].len == 5 && memcmp(p[0].s, "Rate ", 5) == 0, "text first");
		CHECK(p[1].kind == WR_TMPL_COUNT && p[2].kind == WR_TMPL_TEXT && p[2].len == 2 &&
		    p[3].kind == WR_TMPL_ID && p[4].kind == WR_TMPL_TEXT && p[4].len == 3 &&
		    p[5].kind == WR_TMPL_ENTRIES && p[6].kind == WR_TMPL_ENTRIES, "kinds in order");
		CHECK(wr_tmpl_parts("{{entries}}", p, 8) == 1 && p[0].kind == WR_TMPL_ENTRIES, "a bare placeholder");
		CHECK(wr_tmpl_parts("plain", p, 8) == 1 && p[0].len == 5, "no placeholder");
		CHECK(wr_tmpl_parts("a{{id}}b{{id}}c", p, 2) == 5, "more parts than room are counted");
	}
}

static void
test_words(void)
{
	static const struct { const char *in, *entry, *score; int r; } v[] = {
		{"cat", "cat", NULL, 0},
		{"  ice cream ;4\r", "ice cream", "4", 0},
		{"WORD;50", "WORD", "50", 0},
		{"word\t3.5\tmodel\tid", "word", "3.5\tmodel\tid", 0},
		{"# comment", NULL, NULL, 1},
		{"   ", NULL, NULL, 1},
		{"", NULL, NULL, 1},
		{";5", NULL, NULL, 2},
		{"a;", "a", "", 0},
	};
	size_t i;

	for (i = 0; i < sizeof v / sizeof *v; i++) {
		char buf[64], *entry = NULL, *score = NULL;
		size_t elen = 0;
		int r;

		strcpy(buf, v[i].in);
		r = wr_word_split(buf, strlen(buf), &entry, &elen, &score);
		CHECK(r == v[i].r, "words case %zu: returned %d", i, r);
		if (r == 0 && v[i].r == 0) {
			CHECK(elen == strlen(v[i].entry) && memcmp(entry, v[i].entry, elen) == 0, "entry %zu", i);
			CHECK(v[i].score ? score && strcmp(score, v[i].score) == 0 : !score, "score %zu", i);
		}
	}
}

/* A reader on a pipe that holds data and is then closed. */
static void
reader_on(struct wr_reader *r, int fds[2], const char *data, size_t max)
{
	if (pipe(fds))
		abort();
	if (write(fds[1], data, strlen(data)) < 0)
		abort();
	close(fds[1]);
	wr_reader_fd(r, fds[0], "pipe", max);
}

static void
test_reader(void)
{
	int fds[2];
	struct wr_reader r;
	char *s;
	size_t len;

	reader_on(&r, fds, "one\r\ntoo-long-line\nthree\nlast", 8);
	CHECK(wr_reader_next(&r, &s, &len) == WR_LINE_OK && len == 4 && wr_chomp_cr(s, len) == 3, "one");
	CHECK(wr_reader_next(&r, &s, &len) == WR_LINE_LONG && r.lineno == 2, "long line skipped");
	CHECK(wr_reader_next(&r, &s, &len) == WR_LINE_OK && strcmp(s, "three") == 0 && r.lineno == 3, "three");
	CHECK(wr_reader_next(&r, &s, &len) == WR_LINE_OK && strcmp(s, "last") == 0 && r.partial, "torn last line");
	CHECK(wr_reader_next(&r, &s, &len) == WR_LINE_EOF, "eof");
	wr_reader_close(&r);
	close(fds[0]);

	/* Bulk: the whole lines buffered at once, then one careful line that reads more. */
	reader_on(&r, fds, "ab\ncd\nef", 8);
	CHECK(wr_reader_take(&r, &s) == 0, "nothing buffered yet");
	CHECK(wr_reader_next(&r, &s, &len) == WR_LINE_OK && strcmp(s, "ab") == 0, "first line read");
	CHECK(wr_reader_take(&r, &s) == 3 && memcmp(s, "cd\n", 3) == 0, "the rest of the whole lines");
	CHECK(wr_reader_take(&r, &s) == 0, "a torn line is not taken");
	CHECK(wr_reader_next(&r, &s, &len) == WR_LINE_OK && strcmp(s, "ef") == 0 && r.partial, "torn line read");
	wr_reader_close(&r);
	close(fds[0]);

	wr_reader_fd(&r, -1, "list", 4);
	r.lineno = 7;
	CHECK(wr_reader_check(&r, "abcd", 4, NULL), "ASCII is text");
	CHECK(wr_reader_check(&r, "caf\xc3\xa9", 5, NULL) == 0, "too long");
	CHECK(wr_reader_check(&r, "\xc3\xa9", 2, NULL), "UTF-8 is text");
	CHECK(wr_reader_check(&r, "a\0b", 3, NULL) == 0, "a NUL is not");
	CHECK(wr_reader_check(&r, "\xff", 1, NULL) == 0, "invalid UTF-8 is not");
	CHECK(wr_utf8_text("abcdefghijklmnopq", 17) && !wr_utf8_text("abcdefgh\0", 9) &&
	    !wr_utf8_text("abcdefg\x80", 8), "eight at a time");
	wr_reader_close(&r);
}

int
main(void)
{
	test_utf8();
	test_ids();
	test_map();
	test_tmpl();
	test_words();
	test_reader();
	return unit_done();
}
