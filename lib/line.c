/* Bounded line reader over a file descriptor: whole lines, a length limit, positions. */
#include "line.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "utf8.h"

#define CHUNK 65536

void
wr_reader_fd(struct wr_reader *r, int fd, const char *name, size_t max)
{
	memset(r, 0, sizeof *r);
	r->fd = fd;
	r->name = name;
	r->max = max;
	r->cap = CHUNK;
	r->buf = wr_malloc(r->cap + 1);
}

/* Inputs opened by wr_input_open that no reader has taken yet. */
static struct ahead {
	const char *path;
	int fd;
} *ahead;
static size_t nahead, ntaken;

void
wr_input_open(const char *path)
{
	int fd;

	if (!path || strcmp(path, "-") == 0)
		return;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		wr_die("%s:", path);
	ahead = wr_realloc(ahead, (nahead + 1) * sizeof *ahead);
	ahead[nahead].path = path;
	ahead[nahead++].fd = fd;
}

int *
wr_inputs_open(int *argc, char ***argv)
{
	static char *dash[] = {"-"};
	int i, *fds;

	if (*argc == 0) {
		*argc = 1;
		*argv = dash;
	}
	fds = wr_malloc((size_t)*argc * sizeof *fds);
	for (i = 0; i < *argc; i++)
		if (strcmp((*argv)[i], "-") == 0)
			fds[i] = STDIN_FILENO;
		else if ((fds[i] = open((*argv)[i], O_RDONLY | O_CLOEXEC)) < 0)
			wr_die("%s:", (*argv)[i]);
	return fds;
}

/* The descriptor wr_input_open opened for path, or -1. */
static int
take_ahead(const char *path)
{
	size_t i;
	int fd;

	for (i = 0; i < nahead; i++)
		if (ahead[i].fd >= 0 && strcmp(ahead[i].path, path) == 0) {
			fd = ahead[i].fd;
			ahead[i].fd = -1;
			if (++ntaken == nahead) {
				free(ahead);
				ahead = NULL;
				nahead = ntaken = 0;
			}
			return fd;
		}
	return -1;
}

void
wr_reader_open(struct wr_reader *r, const char *path, size_t max)
{
	int fd = STDIN_FILENO;

	if (path && strcmp(path, "-") != 0 && (fd = take_ahead(path)) < 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			wr_die("%s:", path);
	}
	wr_reader_fd(r, fd, path ? path : "-", max);
	r->owned = fd != STDIN_FILENO;
}

void
wr_reader_close(struct wr_reader *r)
{
	if (r->owned)
		close(r->fd);
	free(r->buf);
	r->buf = NULL;
}

/* Read more bytes after r->end; 1 if some came, 0 at EOF, -1 on error. */
static int
fill(struct wr_reader *r)
{
	ssize_t n;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		size_t want = r->max + 2 > r->cap * 2 ? r->cap * 2 : r->max + 2;
		if (want <= r->cap)
			want = r->cap + CHUNK;
		r->buf = wr_realloc(r->buf, want + 1);
		r->cap = want;
	}
	if (r->before_read)
		r->before_read(r->arg);
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->end += (size_t)n;
	return 1;
}

int
wr_reader_ready(const struct wr_reader *r)
{
	size_t avail = r->end - r->start;

	return r->eof || avail > r->max || memchr(r->buf + r->start, '\n', avail) != NULL;
}

/* Read once (poll(2) said the descriptor is readable): 1 when bytes came, 0 at the end, -1 on error. */
static int
wr_reader_fill(struct wr_reader *r)
{
	return r->eof ? 0 : fill(r);
}

enum wr_line_status
wr_reader_next(struct wr_reader *r, char **s, size_t *len)
{
	size_t scanned = 0;
	int skipping = 0;

	r->partial = 0;
	for (;;) {
		char *base = r->buf + r->start;
		size_t avail = r->end - r->start;
		char *nl = memchr(base + scanned, '\n', avail - scanned);

		if (nl) {
			size_t n = (size_t)(nl - base);
			r->start += n + 1;
			r->lineno++;
			if (skipping || n > r->max)
				return WR_LINE_LONG;
			*nl = '\0';
			*s = base;
			*len = n;
			return WR_LINE_OK;
		}
		scanned = avail;
		if (scanned > r->max) {
			/* Too long: drop what we hold and keep reading to its end. */
			skipping = 1;
			r->start = r->end;
			scanned = 0;
		}
		if (r->eof) {
			if (r->end == r->start && !skipping)
				return WR_LINE_EOF;
			r->lineno++;
			r->partial = 1;
			size_t n = r->end - r->start;
			*s = r->buf + r->start;
			r->start = r->end;
			if (skipping)
				return WR_LINE_LONG;
			(*s)[n] = '\0';
			*len = n;
			return WR_LINE_OK;
		}
		if (fill(r) < 0)
			return WR_LINE_ERR;
	}
}

size_t
wr_chomp_cr(char *s, size_t len)
{
	if (len && s[len - 1] == '\r')
		s[--len] = '\0';
	return len;
}

int
wr_reader_check(const struct wr_reader *r, const char *s, size_t len, long *bad)
{
	if (len <= r->max && wr_utf8_text(s, len))
		return 1;
	if (len > r->max)
		wr_warn_at(r->name, r->lineno, "line longer than %zu bytes, skipped", r->max);
	else if (memchr(s, '\0', len))
		wr_warn_at(r->name, r->lineno, "line holds a NUL byte, skipped");
	else
		wr_warn_at(r->name, r->lineno, "invalid UTF-8, line skipped");
	if (bad)
		(*bad)++;
	return 0;
}

size_t
wr_reader_take(struct wr_reader *r, char **s)
{
	char *base = r->buf + r->start, *nl;
	size_t n;

	if (r->end == r->start || (nl = memrchr(base, '\n', r->end - r->start)) == NULL)
		return 0;
	n = (size_t)(nl - base) + 1;
	r->start += n;
	*s = base;
	return n;
}

enum wr_line_status
wr_reader_text(struct wr_reader *r, char **s, size_t *len, long *bad)
{
	for (;;) {
		enum wr_line_status st = wr_reader_next(r, s, len);

		switch (st) {
		case WR_LINE_OK:
			if (wr_reader_check(r, *s, *len, bad))
				return st;
			continue;
		case WR_LINE_LONG:
			wr_warn_at(r->name, r->lineno, "line longer than %zu bytes, skipped", r->max);
			break;
		case WR_LINE_ERR:
			wr_warn("%s: read error:", r->name);
			return st;
		case WR_LINE_EOF:
			return st;
		}
		if (bad)
			(*bad)++;
	}
}

long
wr_lines_left(const int *fds, int n_fds)
{
	char buf[65536];
	struct stat st;
	long n = 0;
	off_t at, pos;
	ssize_t k;
	int i, last;

	for (i = 0; i < n_fds; i++) {
		if (fstat(fds[i], &st) != 0 || !S_ISREG(st.st_mode) || (at = lseek(fds[i], 0, SEEK_CUR)) < 0)
			return -1;
		for (pos = at, last = '\n'; (k = pread(fds[i], buf, sizeof buf, pos)) > 0; pos += k) {
			char *p = buf, *end = buf + k;
			while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
				n++;
				p++;
			}
			last = buf[k - 1];
		}
		if (last != '\n')
			n++;
	}
	return n;
}

int
wr_inputs_next(struct wr_inputs *in, char **s, size_t *len)
{
	struct pollfd p;

	in->want = 0;
	for (;;) {
		if (in->done)
			return -1;
		if (!in->open) {
			if (in->cur == in->n) {
				in->done = 1;
				return -1;
			}
			wr_reader_fd(&in->r, in->fds[in->cur], in->names[in->cur], in->max);
			in->r.owned = in->fds[in->cur] != STDIN_FILENO;
			in->open = 1;
		}
		if (!wr_reader_ready(&in->r)) {
			/* Never block on a slow producer while answers wait to be read. */
			p.fd = in->r.fd;
			p.events = POLLIN;
			p.revents = 0;
			if (poll(&p, 1, 0) <= 0) {
				in->want = 1;
				return 0;
			}
			if (wr_reader_fill(&in->r) < 0)
				break;
			continue;
		}
		switch (wr_reader_next(&in->r, s, len)) {
		case WR_LINE_OK:
			*len = wr_chomp_cr(*s, *len);
			return 1;
		case WR_LINE_LONG:
			*s = NULL;
			*len = 0;
			return 1;
		case WR_LINE_EOF:
			wr_reader_close(&in->r);
			in->open = 0;
			in->cur++;
			continue;
		case WR_LINE_ERR:
			break;
		}
		break;
	}
	/* A read error: the reader stays open so that the caller can name it, then closes it. */
	in->done = in->error = 1;
	return -1;
}

void
wr_inputs_close(struct wr_inputs *in)
{
	if (in->open)
		wr_reader_close(&in->r);
	in->open = 0;
}
