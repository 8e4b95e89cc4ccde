/* Bounded line reader: whole lines, a length limit, file:line positions. */
#ifndef WR_LINE_H
#define WR_LINE_H

#include <stddef.h>

enum wr_line_status {
	WR_LINE_OK = 0,  /* a line; s[len] == '\0', the newline removed */
	WR_LINE_EOF,     /* no more input */
	WR_LINE_LONG,    /* a line longer than the limit, skipped whole */
	WR_LINE_ERR      /* read error; errno is set */
};

struct wr_reader {
	const char *name;   /* for messages: the path, or "-" for stdin */
	long lineno;        /* number of the line last returned */
	size_t max;         /* longest line accepted, in bytes, without newline */
	int partial;        /* the line last returned had no final newline */
	int fd;
	int owned;          /* close fd at the end */
	char *buf;          /* read buffer */
	size_t cap, start, end;
	int eof;
	/*
	 * Called before each read(2), which may wait for input: a stage that
	 * buffers its output writes what it holds here, so the next stage of a
	 * pipe never waits on lines this one has already made.
	 */
	void (*before_read)(void *arg);
	void *arg;
};

/*
 * Open an input now, before any output, and keep it for the wr_reader_open
 * of the same path: a stage opens all its inputs first, so an unreadable
 * one exits 2 before anything is written (wr(7), "Input and output"), and
 * a FIFO is opened once. Exits 2 if unreadable; "-" is left to stdin.
 */
void wr_input_open(const char *path);
/*
 * The descriptors of a stage's operands, all opened now, in order, before
 * any output (wr(7), "Input and output"); "-" is stdin, and no operand at
 * all makes *argv the one name "-". Exits 2 naming an unreadable file.
 */
int *wr_inputs_open(int *argc, char ***argv);
/*
 * Open path ("-" or NULL is stdin) with a line limit, or take the input
 * wr_input_open opened for it; exits 2 if unreadable.
 */
void wr_reader_open(struct wr_reader *r, const char *path, size_t max);
/* Read from an already open descriptor (not closed at the end). */
void wr_reader_fd(struct wr_reader *r, int fd, const char *name, size_t max);
/*
 * Next line. The returned bytes live until the next call. A trailing CR is
 * kept (callers that accept CRLF strip it; see wr_chomp_cr).
 */
enum wr_line_status wr_reader_next(struct wr_reader *r, char **s, size_t *len);
void wr_reader_close(struct wr_reader *r);

/*
 * For an event loop that must not block on input (wr_inputs): whether
 * wr_reader_next can return without reading (a whole line, the end of
 * input, or more than max bytes of a line that will be skipped are
 * buffered).
 */
int wr_reader_ready(const struct wr_reader *r);

/*
 * Bulk reading for hot loops: every complete line already buffered, as one
 * run of bytes that ends in '\n' (*s; returns its length; the bytes live
 * until the next read), taken from the buffer. Returns 0 when no complete
 * line is buffered: then wr_reader_next or wr_reader_text reads more and
 * deals with long, torn and last lines. The caller counts the lines it takes
 * in r->lineno and checks each (wr_reader_check).
 */
size_t wr_reader_take(struct wr_reader *r, char **s);
/*
 * Check a line as wr_reader_text does: at most r->max bytes, no NUL, valid
 * UTF-8. Otherwise report it at r->lineno, count it in *bad and return 0.
 */
int wr_reader_check(const struct wr_reader *r, const char *s, size_t len, long *bad);
/* Remove one trailing CR; returns the new length. */
size_t wr_chomp_cr(char *s, size_t len);

/*
 * Read the next line and check it: over-long lines, NULs and invalid UTF-8
 * are reported as "prog: file:line: ..." and skipped (*bad is incremented).
 * Returns WR_LINE_OK, WR_LINE_EOF or WR_LINE_ERR (after a message).
 */
enum wr_line_status wr_reader_text(struct wr_reader *r, char **s, size_t *len, long *bad);

/*
 * Several inputs read in turn without ever blocking, for an event loop
 * (wr-query): set fds, names, n and max, then call wr_inputs_next.
 */
struct wr_inputs {
	int *fds;             /* open descriptors, in order (stdin is not closed at its end) */
	char **names;         /* for messages */
	int n;
	size_t max;           /* longest line */
	/* State. */
	int cur;              /* the input being read */
	int open;             /* r reads fds[cur] */
	int done;             /* every input read to its end, or a read error */
	int error;            /* a read error on r.name (errno set): the caller says so */
	int want;             /* nothing ready: poll r.fd for input before the next call */
	struct wr_reader r;
};
/*
 * The next line: 1 with it in s[0..len) (a trailing CR removed; s NULL for
 * a line longer than max, skipped whole; r.name and r.lineno say where), 0
 * when none is ready without waiting (want is set), -1 at the end of the
 * last input or after a read error (error is set).
 */
int wr_inputs_next(struct wr_inputs *in, char **s, size_t *len);
void wr_inputs_close(struct wr_inputs *in);

/*
 * The lines left to read in the n_fds inputs (from where each stands, a last
 * line without a newline counted), when every one is a regular file; else -1.
 * Nothing is consumed: the count is made with pread.
 */
long wr_lines_left(const int *fds, int n_fds);

#endif
