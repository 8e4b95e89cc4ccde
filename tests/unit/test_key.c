/* Unit tests for lib/key.c: key look-alikes on the command line, key headers, header checks. */
#include <getopt.h>
#include <stdlib.h>

#include "key.h"
#include "unit.h"

static const struct option opts[] = {
	{"api-key-file", required_argument, NULL, 1},
	{"key-header", required_argument, NULL, 2},
	{"header", required_argument, NULL, 'H'},
	{"quiet", no_argument, NULL, 'q'},
	{"replace", no_argument, NULL, 3},
	{"retries", required_argument, NULL, 4},
	{NULL, 0, NULL, 0},
};
static const char *const keyfile[] = {"api-key-file", NULL};

static void
test_arg(void)
{
	static const struct { const char *arg; enum wr_key_arg want; size_t len; } v[] = {
		{"--api-key-file", WR_KEY_ARG_OK, 12},
		{"--api-key-file=/k", WR_KEY_ARG_OK, 12},
		{"--key-header", WR_KEY_ARG_OK, 10},
		{"--quiet", WR_KEY_ARG_OK, 5},
		{"--qui", WR_KEY_ARG_OK, 3},          /* an abbreviation of a plain option: getopt's */
		{"--re", WR_KEY_ARG_OK, 2},           /* ambiguous: getopt says so, with no value */
		{"--bogus", WR_KEY_ARG_OK, 5},        /* unknown, no value: getopt names it */
		{"--bogus=sk-1", WR_KEY_ARG_UNKNOWN, 5},
		{"--api-key", WR_KEY_ARG_ABBREV, 7},
		{"--api-key=sk-1", WR_KEY_ARG_ABBREV, 7},
		{"--api", WR_KEY_ARG_ABBREV, 3},
		{"--key", WR_KEY_ARG_LOOKALIKE, 3},   /* a prefix of --key-header */
		{"--key-h", WR_KEY_ARG_LOOKALIKE, 5},
		{"--api_key", WR_KEY_ARG_LOOKALIKE, 7},
		{"--apikey", WR_KEY_ARG_LOOKALIKE, 6},
		{"--APIKEY", WR_KEY_ARG_LOOKALIKE, 6},
		{"--token", WR_KEY_ARG_LOOKALIKE, 5},
		{"--access-token=x", WR_KEY_ARG_LOOKALIKE, 12},
		{"--secret", WR_KEY_ARG_LOOKALIKE, 6},
		{"--password", WR_KEY_ARG_LOOKALIKE, 8},
		{"--bearer", WR_KEY_ARG_LOOKALIKE, 6},
		{"--auth", WR_KEY_ARG_LOOKALIKE, 4},
		{"-k", WR_KEY_ARG_OK, 0},
		{"--", WR_KEY_ARG_OK, 0},
		{"sk-1", WR_KEY_ARG_OK, 0},
		{"-", WR_KEY_ARG_OK, 0},
	};
	size_t i, len;

	for (i = 0; i < sizeof v / sizeof *v; i++) {
		enum wr_key_arg got = wr_key_arg(v[i].arg, opts, keyfile, &len);
		CHECK(got == v[i].want && len == v[i].len, "%s: %d (len %zu)", v[i].arg, (int)got, len);
	}
	/* A program with no key file option: --api-key is a look-alike, not an abbreviation. */
	CHECK(wr_key_arg("--api-key", opts + 1, NULL, &len) == WR_KEY_ARG_LOOKALIKE, "no key-file option");
}

static void
test_headers(void)
{
	static const struct { const char *h; const char *extra; int want; } keyed[] = {
		{"Authorization: Bearer x", NULL, 1}, {"authorization:x", NULL, 1},
		{"Proxy-Authorization: Basic x", NULL, 1}, {"api-key: x", NULL, 1}, {"X-Api-Key: x", NULL, 1},
		{"x-goog-api-key: x", NULL, 1}, {"X-Custom: x", "x-custom", 1}, {"X-Custom: x", NULL, 0},
		{"Content-Type: text/plain", NULL, 0}, {"Authorization-Extra: x", NULL, 0}, {"api-key;", NULL, 1},
	};
	static const struct { const char *h; const char *want; } check[] = {
		{"X-A: b", NULL}, {"X-A;", NULL}, {"X-A:", NULL}, {"no colon", "expected 'Name: value'"},
		{": v", "expected 'Name: value'"}, {"X A: b", "expected 'Name: value'"},
		{"X-A: b\001", "a header holds a control character"}, {"X-A: b\tc", NULL},
	};
	static const struct { const char *name; const char *want; } names[] = {
		{"x-api-key", NULL}, {"", "empty header name"}, {"a b", "not a header name"},
		{"a:b", "not a header name"}, {"\xc3\xa9", "not a header name"}, {"a/b", "not a header name"},
	};
	size_t i;
	const char *got;

	for (i = 0; i < sizeof keyed / sizeof *keyed; i++)
		CHECK(wr_key_header(keyed[i].h, keyed[i].extra) == keyed[i].want, "%s", keyed[i].h);
	for (i = 0; i < sizeof check / sizeof *check; i++) {
		got = wr_header_check(check[i].h);
		CHECK(check[i].want ? got && strcmp(got, check[i].want) == 0 : !got, "%s: %s", check[i].h,
		    got ? got : "ok");
	}
	for (i = 0; i < sizeof names / sizeof *names; i++) {
		got = wr_header_name_check(names[i].name);
		CHECK(names[i].want ? got && strcmp(got, names[i].want) == 0 : !got, "%s: %s", names[i].name,
		    got ? got : "ok");
	}
}

static void
test_read(void)
{
	char *k;

	setenv("WR_TEST_KEY", "  sk-env-1 \n", 1);
	k = wr_key_read(NULL, "--api-key-file", "WR_TEST_KEY");
	CHECK(k && strcmp(k, "sk-env-1") == 0, "trimmed: %s", k ? k : "(null)");
	wr_key_free(k);
	setenv("WR_TEST_KEY", " \n", 1);
	CHECK(wr_key_read(NULL, "--api-key-file", "WR_TEST_KEY") == NULL, "blank is no key");
	unsetenv("WR_TEST_KEY");
	CHECK(wr_key_read(NULL, "--api-key-file", "WR_TEST_KEY") == NULL, "unset is no key");
}

int
main(void)
{
	test_arg();
	test_headers();
	test_read();
	return unit_done();
}
