/* A live progress line on stderr, shown only on a terminal and at most so many times a second. */
#include "progress.h"

#include <stdarg.h>
#include <stdio.h>

#include "common.h"

void
wr_progress_init(struct wr_progress *p, int quiet, int per_second)
{
	p->on = wr_progress_wanted(quiet);
	p->gap_ns = per_second > 0 ? 1000000000L / per_second : 0;
	p->last.tv_sec = 0;
	p->last.tv_nsec = 0;
	p->shown = 0;
}

void
wr_progress_show(struct wr_progress *p, const char *fmt, ...)
{
	struct timespec now;
	va_list ap;

	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (p->shown && (now.tv_sec - p->last.tv_sec) * 1000000000L + (now.tv_nsec - p->last.tv_nsec) < p->gap_ns)
		return;
	p->last = now;
	p->shown = 1;
	fputc('\r', stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\033[K", stderr);
}

void
wr_progress_clear(struct wr_progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = 0;
}
