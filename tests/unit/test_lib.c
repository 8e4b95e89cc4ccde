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
	const char *e[] = {"ice cream", "cat"};
	size_t l[] = {9, 3};
	struct wr_buf b = {0};
	const char *bad;
	size_t badlen;

	wr_tmpl_render(&b, "{{id}}: {{count}}\n{{entries}}{{x", "0123", e, l, 2);
	CHECK(strcmp(b.s, "0123: 2\nice cream\ncat{{x") == 0, "render: %s", b.s);
	CHECK(wr_tmpl_check("a {{entries}} {{count}} {{id}}", &bad, &badlen) == 0, "check ok");
	CHECK(wr_tmpl_check("a {{entry}} b", &bad, &badlen) == -1 && badlen == 9, "check bad");
	wr_buf_free(&b);
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

static void
test_reader(void)
{
	int fds[2];
	struct wr_reader r;
	char *s;
	size_t len;
	const char *data = "one\r\ntoo-long-line\nthree\nlast";

	if (pipe(fds))
		abort();
	if (write(fds[1], data, strlen(data)) < 0)
		abort();
	close(fds[1]);
	wr_reader_fd(&r, fds[0], "pipe", 8);
	CHECK(wr_reader_next(&r, &s, &len) == WR_LINE_OK && len == 4 && wr_chomp_cr(s, len) == 3, "one");
	CHECK(wr_reader_next(&r, &s, &len) == WR_LINE_LONG && r.lineno == 2, "long line skipped");
	CHECK(wr_reader_next(&r, &s, &len) == WR_LINE_OK && strcmp(s, "three") == 0 && r.lineno == 3, "three");
	CHECK(wr_reader_next(&r, &s, &len) == WR_LINE_OK && strcmp(s, "last") == 0 && r.partial, "torn last line");
	CHECK(wr_reader_next(&r, &s, &len) == WR_LINE_EOF, "eof");
	wr_reader_close(&r);
	close(fds[0]);
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
