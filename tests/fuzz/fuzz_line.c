/* libFuzzer harness for lib/line.c and lib/utf8.c: the bounded line reader and the UTF-8 validator. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"
#include "line.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The reference: decode one sequence at a time. */
static int
valid_by_decode(const char *s, size_t n)
{
	uint32_t c;
	char out[4];
	int k;

	while (n > 0) {
		k = wr_utf8_decode(s, n, &c);
		if (k <= 0 || (size_t)k > n)
			return 0;
		if (wr_utf8_encode(c, out) != k || memcmp(out, s, (size_t)k) != 0)
			abort();   /* decode and encode disagree */
		s += k;
		n -= (size_t)k;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct wr_reader r;
	char *line;
	size_t len, max, total = 0;
	long bad = 0, lines = 0;
	enum wr_line_status st;
	int fd;

	if (wr_utf8_valid(s, size) != valid_by_decode(s, size))
		abort();
	if (size < 1)
		return 0;
	max = data[0] % 64 + 1;   /* a small limit reaches the long-line paths */
	fd = memfd_create("fuzz", 0);
	if (fd < 0 || write(fd, s + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	lseek(fd, 0, SEEK_SET);
	wr_reader_fd(&r, fd, "fuzz", max);
	while ((st = wr_reader_text(&r, &line, &len, &bad)) == WR_LINE_OK) {
		if (len > max || line[len] != '\0' || memchr(line, '\n', len) ||
		    memchr(line, 0, len) || !wr_utf8_valid(line, len))
			abort();
		len = wr_chomp_cr(line, len);
		total += len;
		lines++;
	}
	if (st != WR_LINE_EOF || total > size || r.lineno < lines)
		abort();
	wr_reader_close(&r);
	close(fd);
	return 0;
}
