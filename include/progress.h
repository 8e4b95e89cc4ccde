/* A live progress line on stderr ("\r...\033[K"), shown only on a terminal and at most so often. */
#ifndef WR_PROGRESS_H
#define WR_PROGRESS_H

#include <time.h>

struct wr_progress {
	int on;               /* stderr is a terminal and -q was not given */
	long gap_ns;          /* least time between two lines */
	struct timespec last;
	int shown;            /* a line is on the screen */
};

/* Show at most per_second lines a second, and none when quiet or stderr is not a terminal. */
void wr_progress_init(struct wr_progress *p, int quiet, int per_second);
/* Replace the line with the formatted text, unless one was shown less than a gap ago. */
void wr_progress_show(struct wr_progress *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Clear the line, so that what comes next on stderr starts on a clean line. */
void wr_progress_clear(struct wr_progress *p);

#endif
