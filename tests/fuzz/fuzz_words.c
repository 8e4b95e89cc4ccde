/* libFuzzer harness for lib/words.c and lib/merge.c: word-list and dict line splitting, score parsing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "merge.h"
#include "words.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
inside(const char *p, size_t n, const char *buf, size_t size)
{
	if (p < buf || p + n > buf + size || p[n] != '\0')
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *entry, *score, out[64];
	size_t elen;
	double v;
	int r;

	/* one line, as the readers hand it over: NUL-terminated, no newline */
	if (memchr(data, '\n', size))
		return 0;
	buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	r = wr_word_split(buf, size, &entry, &elen, &score);
	if (r == 0) {
		inside(entry, elen, buf, size);
		if (elen == 0 || wr_isspace(entry[0]) || wr_isspace(entry[elen - 1]))
			abort();
		if (score)
			inside(score, strlen(score), buf, size);
	} else if (r != 1 && r != 2)
		abort();

	memcpy(buf, data, size);
	buf[size] = '\0';
	r = wr_merge_split(buf, size, &entry, &elen, &score);
	if (r == WR_SPLIT_OK) {
		inside(entry, elen, buf, size);
		inside(score, strlen(score), buf, size);
		if (elen == 0)
			abort();
	}

	memcpy(buf, data, size);
	buf[size] = '\0';
	if (wr_score_parse(buf, &v) == 0) {
		if (v != v)
			abort();
		for (int d = 0; d <= 6; d++)
			if (wr_score_format(out, sizeof out, v, d) >= (int)sizeof out && v > -1e40 && v < 1e40)
				abort();
	}
	free(buf);
	return 0;
}
