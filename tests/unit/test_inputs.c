/* Inputs: the operands opened first, then read in turn without blocking (a file, a pipe slow to come, the end). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "line.h"
#include "unit.h"

int
main(void)
{
	char path[] = "/tmp/wr-test-inputs.XXXXXX", *s;
	char *names[2] = {path, "pipe"};
	struct wr_inputs in = {0};
	int fds[2], p[2], f;
	size_t len;

	if ((f = mkstemp(path)) < 0 || pipe(p) != 0)
		return 2;
	if (write(f, "one\r\n0123456789ABC\ntwo", 22) != 22)
		return 2;
	close(f);
	fds[0] = open(path, O_RDONLY);
	fds[1] = p[0];
	in.fds = fds;
	in.names = names;
	in.n = 2;
	in.max = 12;
	CHECK(wr_inputs_next(&in, &s, &len) == 1 && len == 3 && memcmp(s, "one", 3) == 0, "a CRLF line, CR removed");
	CHECK(wr_inputs_next(&in, &s, &len) == 1 && s == NULL && in.r.lineno == 2, "a line over max, skipped whole");
	CHECK(wr_inputs_next(&in, &s, &len) == 1 && len == 3 && memcmp(s, "two", 3) == 0, "a last line without newline");
	/* The pipe has nothing yet: no wait, and want says to poll it. */
	CHECK(wr_inputs_next(&in, &s, &len) == 0 && in.want && in.r.fd == p[0], "nothing ready on the pipe");
	CHECK(write(p[1], "thr", 3) == 3, "write");
	CHECK(wr_inputs_next(&in, &s, &len) == 0 && in.want, "half a line is not a line");
	CHECK(write(p[1], "ee\n", 3) == 3, "write");
	CHECK(wr_inputs_next(&in, &s, &len) == 1 && len == 5 && memcmp(s, "three", 5) == 0 && !in.want,
	    "the line once whole");
	CHECK(strcmp(in.r.name, "pipe") == 0 && in.r.lineno == 1, "named by its input, counted from 1");
	close(p[1]);
	CHECK(wr_inputs_next(&in, &s, &len) == -1 && in.done && !in.error, "the end of the last input");
	CHECK(wr_inputs_next(&in, &s, &len) == -1, "and it stays the end");
	wr_inputs_close(&in);

	/* Opening the operands: none is stdin, "-" is stdin, a file is opened now, in order. */
	{
		char *none[] = {NULL}, *two[] = {"-", path}, **av = none;
		int ac = 0, *got = wr_inputs_open(&ac, &av);

		CHECK(ac == 1 && strcmp(av[0], "-") == 0 && got[0] == STDIN_FILENO, "no operand: stdin, named -");
		free(got);
		ac = 2;
		av = two;
		got = wr_inputs_open(&ac, &av);
		CHECK(ac == 2 && got[0] == STDIN_FILENO && got[1] > 2 && read(got[1], s = (char[4]){0}, 3) == 3 &&
		    memcmp(s, "one", 3) == 0, "- and a file, the file open at its start");
		close(got[1]);
		free(got);
	}
	unlink(path);
	return unit_done();
}
