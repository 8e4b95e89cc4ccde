/* Errors, checked allocation, growable buffers and option helpers. */
#include "common.h"

/* The unit in which a file write can be cut by SIGKILL. */
#define FILE_PAGE 4096

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *wr_prog = "wr";

void
wr_setprog(const char *argv0)
{
	const char *p = argv0 ? strrchr(argv0, '/') : NULL;

	if (argv0 && *argv0)
		wr_prog = p ? p + 1 : argv0;
	signal(SIGPIPE, SIG_IGN);
}

/*
 * Like cat | head, but with status 0 rather than death by SIGPIPE (141):
 * the reader chose to stop, nothing failed, and under "set -o pipefail" a
 * stage that exits 0 leaves the pipeline's status to the stage that did
 * fail. Nothing more is written: counts and side files would be partial.
 */
void
wr_stdout_closed(void)
{
	exit(WR_EXIT_OK);
}

void
wr_stdout_flush(void)
{
	if ((fflush(stdout) != 0 || ferror(stdout)) && errno == EPIPE)
		wr_stdout_closed();
}

static void
vwarn(const char *file, long line, const char *fmt, va_list ap)
{
	int saved = errno;
	size_t n = strlen(fmt);

	fflush(stdout);
	fprintf(stderr, "%s: ", wr_prog);
	if (file)
		fprintf(stderr, "%s:%ld: ", file, line);
	vfprintf(stderr, fmt, ap);
	if (n && fmt[n - 1] == ':')
		fprintf(stderr, " %s", strerror(saved));
	fputc('\n', stderr);
}

void
wr_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(NULL, 0, fmt, ap);
	va_end(ap);
}

void
wr_warn_at(const char *file, long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(file, line, fmt, ap);
	va_end(ap);
}

void
wr_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(NULL, 0, fmt, ap);
	va_end(ap);
	exit(WR_EXIT_USAGE);
}

void *
wr_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		wr_die("out of memory");
	return p;
}

void *
wr_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		wr_die("out of memory");
	return p;
}

void *
wr_realloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		wr_die("out of memory");
	return p;
}

char *
wr_strdup(const char *s)
{
	return wr_strndup(s, strlen(s));
}

char *
wr_strndup(const char *s, size_t n)
{
	char *p = wr_malloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void
wr_buf_grow(struct wr_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need < b->len)
		wr_die("out of memory");
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->s = wr_realloc(b->s, cap);
	b->cap = cap;
	b->s[b->len] = '\0';
}

void
wr_buf_add(struct wr_buf *b, const char *s, size_t n)
{
	wr_buf_grow(b, n);
	if (n)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
wr_buf_adds(struct wr_buf *b, const char *s)
{
	wr_buf_add(b, s, strlen(s));
}

void
wr_buf_addc(struct wr_buf *b, char c)
{
	wr_buf_grow(b, 1);
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

void
wr_buf_printf(struct wr_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		wr_die("vsnprintf failed");
	wr_buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
wr_buf_reset(struct wr_buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void
wr_buf_free(struct wr_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

long long
wr_strtonum(const char *s, long long min, long long max, const char *opt)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0')
		wr_die("%s %s: not a number", opt, s);
	if (errno == ERANGE || v < min)
		wr_die("%s %s: too small (minimum %lld)", opt, s, min);
	if (errno == ERANGE || v > max)
		wr_die("%s %s: too large (maximum %lld)", opt, s, max);
	return v;
}

double
wr_strtod(const char *s, const char *opt)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
		wr_die("%s %s: not a number", opt, s);
	return v;
}

void
wr_range(const char *s, double *lo, double *hi, const char *opt)
{
	const char *colon = strchr(s, ':');
	char *a, *end;

	if (!colon)
		wr_die("%s %s: expected LO:HI", opt, s);
	a = wr_strndup(s, (size_t)(colon - s));
	errno = 0;
	*lo = strtod(a, &end);
	if (end == a || *end != '\0' || !isfinite(*lo)) {
		free(a);
		wr_die("%s %s: expected LO:HI", opt, s);
	}
	free(a);
	*hi = strtod(colon + 1, &end);
	if (end == colon + 1 || *end != '\0' || !isfinite(*hi))
		wr_die("%s %s: expected LO:HI", opt, s);
	if (!(*lo < *hi))
		wr_die("%s %s: LO must be below HI", opt, s);
}

void
wr_stdout_lines(void)
{
	if (!isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOLBF, 0);
}

int
wr_fshut(FILE *fp, const char *name)
{
	int ret = 0;

	if (fflush(fp) != 0 || ferror(fp)) {
		if (errno == EPIPE && fp == stdout)
			wr_stdout_closed();
		wr_warn("%s: write error:", name);
		ret = -1;
	}
	return ret;
}

void
wr_print_version(void)
{
	printf("%s (wr) %s\n", wr_prog, WR_VERSION);
	exit(wr_fshut(stdout, "stdout") ? WR_EXIT_USAGE : WR_EXIT_OK);
}

int
wr_progress_wanted(int quiet)
{
	return !quiet && isatty(STDERR_FILENO);
}

char *
wr_slurp(const char *path, size_t max, size_t *len)
{
	struct wr_buf b = {0};
	char tmp[8192];
	ssize_t n;
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		wr_die("%s:", path);
	while ((n = read(fd, tmp, sizeof tmp)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			wr_die("%s:", path);
		}
		if (b.len + (size_t)n > max)
			wr_die("%s: larger than %zu bytes", path, max);
		wr_buf_add(&b, tmp, (size_t)n);
	}
	if (fd != STDIN_FILENO)
		close(fd);
	if (!b.s)
		wr_buf_add(&b, "", 0);
	if (len)
		*len = b.len;
	return b.s;
}

int
wr_write_lines(int fd, const char *s, size_t n)
{
	struct stat st;
	const char *nl;
	long long off = -1;
	size_t len, room;
	ssize_t k;
	int fl;

	/* A file's offset, where writes land: its end when it is opened for appending. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		fl = fcntl(fd, F_GETFL);
		off = fl >= 0 && (fl & O_APPEND) ? (long long)st.st_size : (long long)lseek(fd, 0, SEEK_CUR);
	}
	while (n > 0) {
		/* A pipe: PIPE_BUF bytes go whole. A file: what fits in the page the offset is in. */
		room = off >= 0 ? FILE_PAGE - (size_t)(off % FILE_PAGE) : PIPE_BUF;
		len = n;
		if (len > room) {
			if ((nl = memrchr(s, '\n', room)) == NULL)
				nl = memchr(s + room, '\n', n - room);
			if (nl != NULL)
				len = (size_t)(nl - s) + 1;
		}
		while (len > 0) {
			k = write(fd, s, len);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				return -1;
			s += k;
			n -= (size_t)k;
			len -= (size_t)k;
			if (off >= 0)
				off += k;
		}
	}
	return 0;
}

void
wr_out_flush(struct wr_out *o)
{
	if (o->b.len && wr_write_lines(o->fd, o->b.s, o->b.len) != 0) {
		if (errno == EPIPE && o->fd == STDOUT_FILENO)
			wr_stdout_closed();
		wr_die("%s: write error:", o->name);
	}
	wr_buf_reset(&o->b);
}

void
wr_out_done(struct wr_out *o)
{
	if (o->b.len >= WR_OUT_HOLD)
		wr_out_flush(o);
}

void
wr_out_before_read(void *o)
{
	wr_out_flush(o);
}

double
wr_decimal(const char *s, size_t n)
{
	double v = 0, scale = 1;
	size_t i, digits = 0;
	int frac = 0;

	if (n == 0 || n > 32)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] == '.' && !frac) {
			frac = 1;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return -1;
		digits++;
		if (frac) {
			scale /= 10;
			v += (s[i] - '0') * scale;
		} else
			v = v * 10 + (s[i] - '0');
	}
	return digits ? v : -1;
}

double
wr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t
wr_jitter_seed(void)
{
	struct timespec ts;
	uint64_t s;

	clock_gettime(CLOCK_REALTIME, &ts);
	s = (uint64_t)ts.tv_sec ^ ((uint64_t)getpid() << 32) ^ ((uint64_t)ts.tv_nsec << 16);
	return s ? s : 1;
}

double
wr_jitter(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return (double)((x * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

void
wr_sleep(double sec)
{
	struct timespec ts;

	if (!(sec > 0))
		return;
	if (sec > 1e7)
		sec = 1e7;
	ts.tv_sec = (time_t)sec;
	ts.tv_nsec = (long)((sec - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

double
wr_strtod_in(const char *s, const char *opt, double lo, double hi)
{
	double v = wr_strtod(s, opt);

	if (!(v >= lo && v <= hi))
		wr_die("%s %s: must be from %.15g to %.15g", opt, s, lo, hi);
	return v;
}

int
wr_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}
