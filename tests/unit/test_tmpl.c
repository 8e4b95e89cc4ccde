/* Unit tests for lib/tmpl.c's {{name}} substitution and lib/examples.c's picks. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "examples.h"
#include "tmpl.h"
#include "unit.h"

static void
test_subst(void)
{
	static const struct {
		const char *s, *value, *want;
		size_t n;
	} t[] = {
		{"", "X", "", 0},
		{"no placeholder", "X", "no placeholder", 0},
		{"{{examples}}", "X", "X", 1},
		{"a {{examples}} b {{examples}}", "X", "a X b X", 2},
		{"{{example}} {{examples}", "X", "{{example}} {{examples}", 0},
		{"{{{{examples}}}}", "X", "{{X}}", 1},
		{"{{examples}}", "{{examples}}", "{{examples}}", 1},   /* not substituted again */
		{"{{entries}} {{examples}}", "", "{{entries}} ", 1},
	};
	struct wr_buf b = {0};
	size_t i, n;

	for (i = 0; i < sizeof t / sizeof *t; i++) {
		wr_buf_reset(&b);
		wr_buf_adds(&b, "");
		n = wr_tmpl_subst(&b, t[i].s, "examples", t[i].value);
		CHECK(strcmp(b.s, t[i].want) == 0 && n == t[i].n, "\"%s\": got \"%s\" (%zu)", t[i].s, b.s, n);
	}
	wr_buf_free(&b);
}

/* The examples picked from text, written to a temporary file. */
static char *
pick(const char *text, double slo, double shi, int lo, int hi, long *bad)
{
	static struct wr_buf b;
	char path[] = "/tmp/wr-test-examples-XXXXXX";
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");
	int err = dup(2), null = open("/dev/null", O_WRONLY);

	fputs(text, fp);
	fclose(fp);
	wr_buf_reset(&b);
	wr_buf_adds(&b, "");
	*bad = 0;
	/* The bad lines' warnings are expected: keep them off the test's output. */
	dup2(null, 2);
	wr_examples_pick(&b, path, slo, shi, lo, hi, bad);
	dup2(err, 2);
	close(err);
	close(null);
	unlink(path);
	return b.s;
}

static void
test_pick(void)
{
	static const struct {
		const char *text;
		double slo, shi;
		int lo, hi;
		const char *want;
		long bad;
	} t[] = {
		{"a;1\n", 1, 5, 1, 5, "a;1", 0},
		{"a;1\na;1\n", 1, 5, 1, 5, "a;1", 0},
		{"x;3\n\n  y\t 3 \r\nz;oops\n", 1, 5, 1, 5, "x;3\ny;3", 1},
		/* 0..100 onto 1..5: 12.5 rounds up to 1.5 -> 2, 12.4 stays 1. */
		{"lo;0\nhi;100\nup;12.5\ndown;12.4\n", 0, 100, 1, 5, "hi;5\nup;2\nlo;1\ndown;1", 0},
		/* 0..1 decimals onto 0..10. */
		{"a;0.25\nb;0.24\n", 0, 1, 0, 10, "a;3\nb;2", 0},
		{"a;6\nb;0\n", 1, 5, 1, 5, "", 2},
	};
	long bad;
	size_t i;
	char *got;

	for (i = 0; i < sizeof t / sizeof *t; i++) {
		got = pick(t[i].text, t[i].slo, t[i].shi, t[i].lo, t[i].hi, &bad);
		CHECK(strcmp(got, t[i].want) == 0 && bad == t[i].bad, "case %zu: got \"%s\", %ld bad", i, got, bad);
	}
}

int
main(void)
{
	wr_setprog("test_tmpl");
	test_subst();
	test_pick();
	return unit_done();
}
