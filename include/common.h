/* Errors, checked allocation, growable buffers and option helpers shared by every wr program. */
#ifndef WR_COMMON_H
#define WR_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define WR_VERSION "0.1.0"

enum { WR_EXIT_OK = 0, WR_EXIT_FAIL = 1, WR_EXIT_USAGE = 2 };

extern const char *wr_prog;

/*
 * Name the program for its messages, and set the I/O policy of wr(7)
 * "Input and output": SIGPIPE is ignored, so that a closed output pipe
 * reaches the program as EPIPE whatever its parent left the signal at.
 */
void wr_setprog(const char *argv0);
/*
 * The reader of stdout has gone (EPIPE): stop at once, write nothing more,
 * say nothing, exit 0. wr_out_flush and wr_fshut call it on stdout's EPIPE.
 */
_Noreturn void wr_stdout_closed(void);
/* Flush stdout before a summary: on EPIPE stop as wr_stdout_closed does. */
void wr_stdout_flush(void);

/* Print "prog: message" to stderr; a format ending in ':' appends strerror(errno). */
void wr_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, then exit 2 (setup failure or unreadable input). */
_Noreturn void wr_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "prog: file:line: message". */
void wr_warn_at(const char *file, long line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void *wr_malloc(size_t n);
void *wr_calloc(size_t n, size_t size);
void *wr_realloc(void *p, size_t n);
/* Caller frees. */
char *wr_strdup(const char *s);
/* Caller frees; copies n bytes and adds a NUL. */
char *wr_strndup(const char *s, size_t n);

/* Growable byte string, always NUL-terminated once anything was added. */
struct wr_buf {
	char *s;
	size_t len, cap;
};

void wr_buf_grow(struct wr_buf *b, size_t extra);
void wr_buf_add(struct wr_buf *b, const char *s, size_t n);
void wr_buf_adds(struct wr_buf *b, const char *s);
void wr_buf_addc(struct wr_buf *b, char c);
void wr_buf_printf(struct wr_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void wr_buf_reset(struct wr_buf *b);
void wr_buf_free(struct wr_buf *b);

/*
 * Parse an integer option value in [min, max]; on error print
 * "prog: OPTION VALUE: reason" and exit 2.
 */
long long wr_strtonum(const char *s, long long min, long long max, const char *opt);
/* Parse a decimal number option value; same error handling. */
double wr_strtod(const char *s, const char *opt);
/* The same, within [lo, hi]: else exits 2 with "OPT S: must be from LO to HI". */
double wr_strtod_in(const char *s, const char *opt, double lo, double hi);
/* 1 when s[0..n) holds only spaces, TABs and CRs (a blank line). */
int wr_blank(const char *s, size_t n);
/* Seconds on the monotonic clock. */
double wr_now(void);
/*
 * Jitter for retries: a seed that differs between processes and runs
 * (never 0), and uniform draws in [0, 1) from it (xorshift64*).
 */
uint64_t wr_jitter_seed(void);
double wr_jitter(uint64_t *state);
/* Sleep for sec seconds (not below 0), resumed across signals. */
void wr_sleep(double sec);
/* A non-negative decimal number ("12", "3.5") filling s[0..n), or -1. */
double wr_decimal(const char *s, size_t n);
/* Parse "LO:HI" with LO < HI; same error handling. */
void wr_range(const char *s, double *lo, double *hi, const char *opt);

/*
 * Line-buffer stdout when it is not a terminal, so the next stage of a pipe
 * sees each record as soon as it is written.
 */
void wr_stdout_lines(void);
/*
 * Flush and check stream; return 0, or print the error and return -1. An
 * EPIPE on stdout is no error: see wr_stdout_closed.
 */
int wr_fshut(FILE *fp, const char *name);
/*
 * Write s[0..n) to fd in write(2) calls that end at line ends, so a killed
 * writer leaves no half line: to a pipe at most PIPE_BUF bytes a call
 * (POSIX makes such writes atomic), to a regular file no more than fits
 * in the page of the file its offset is in (SIGKILL can cut a write to a
 * file between pages; tests/faults.bats kills writers to check). A line
 * longer than that goes whole. 0 ok, -1 with errno set.
 */
int wr_write_lines(int fd, const char *s, size_t n);
/*
 * Buffered output of whole lines: a stage adds lines to b, calls wr_out_done
 * after each line or record (it writes once WR_OUT_HOLD bytes are held), and
 * sets wr_out_before_read as its reader's before_read hook, so that what it
 * has made goes out before it may wait for input. Writes go through
 * wr_write_lines. When the reader of stdout has gone (EPIPE), the program
 * stops quietly with status 0 (wr_stdout_closed); any other write error,
 * EPIPE on another output included, is reported with name and exits 2.
 */
#define WR_OUT_HOLD 65536
struct wr_out {
	int fd;
	const char *name;
	struct wr_buf b;
};
void wr_out_flush(struct wr_out *o);
void wr_out_done(struct wr_out *o);
void wr_out_before_read(void *o);
/* Print "prog (wr) VERSION" and exit 0. */
_Noreturn void wr_print_version(void);
/* True when the environment asks for progress (stderr is a terminal). */
int wr_progress_wanted(int quiet);

/* Read a whole small file (a template, a key); caller frees. Exits 2 on error. */
char *wr_slurp(const char *path, size_t max, size_t *len);

#endif
