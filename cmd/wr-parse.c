/* wr-parse: result lines in, one entry<TAB>score line per rated entry out. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "answer.h"
#include "common.h"
#include "key.h"
#include "line.h"
#include "result.h"

/* The longest line read (a result of 100000 entries fits). */
#define LINE_MAX_BYTES ((size_t)64 << 20)
/* Output is written in whole lines, this much at a time while input keeps coming. */
#define OUT_CHUNK ((size_t)1 << 16)
/* Lines are handed to the parsing threads in jobs of about this size. */
#define JOB_BYTES ((size_t)1 << 18)
#define MAX_THREADS 16

/* An output written in whole lines with write(2). */
struct out {
	int fd;
	const char *name;
	struct wr_buf b;
};

enum { R_BAD, R_FAILED, R_REFUSED, R_ANSWER };

/* What one result line gave; offsets point into the buffers of its job. */
struct rec {
	int kind;
	int bad;                    /* also a bad line (its entries still count as missing) */
	long line;
	long req;                   /* index in requests, or -1 */
	size_t id, idlen;           /* custom_id, in ids */
	size_t out, outlen;         /* rating lines, in out */
	size_t miss, misslen;       /* entries without a score, in miss */
	size_t warn, warnlen;       /* messages, in msg */
	size_t note, notelen;       /* messages printed only if this answer is used, in notes */
	size_t ents, nents;         /* entries of a failed or refused result, in ents */
	long rated, missing, rejected;
};

struct line {
	size_t off, len;            /* in the job's input, or (bad) its message in msg */
	long lineno;
	int bad;                    /* refused by the reader */
};

/* A run of lines from one file, parsed by one thread, committed in order. */
struct job {
	int file;
	struct wr_buf in;
	struct line *line;
	size_t nline, capline;
	struct wr_buf out, miss, ids, ents, msg, notes;
	struct rec *rec;
	size_t nrec, caprec;
	int done;
};

/* A parsing thread and its reusable state. */
struct worker {
	pthread_t thread;
	struct wr_answer *ans;
	struct wr_result res;
	struct wr_entries ents;
	struct wr_buf text;
	struct job *job;            /* for the report callback */
	const char *file;
	long lineno;
};

static double lo = 1, hi = 5;
static int longfmt, quiet, progress, nthreads;
static struct out out = {STDOUT_FILENO, "stdout", {0}}, missing = {-1, NULL, {0}}, refused = {-1, NULL, {0}};
static struct wr_reqset requests;   /* from -b and -r; read-only while threads run */
static struct wr_reqset pending;    /* failed or refused so far; flag 1 failed, 2 refused, 0 answered later */
static struct wr_map answered;      /* custom_id -> index into places */
static struct { int file; long line; } *places;
static size_t nplaces, capplaces;
static char **files;
static int nfiles;
static struct wr_entries scratch;

static long n_results, n_failed, n_dups, n_rated, n_missing, n_refused, n_rejected, n_bad, n_unseen;

/*
 * The job ring: filled by the main thread, parsed by the workers, committed
 * by the main thread. Only njobs slots are used, as many as can be in
 * flight, so that their buffers stay allocated and warm: going round all
 * of NJOBS made each job fault in fresh pages.
 */
#define NJOBS (2 * MAX_THREADS + 1)
static struct job jobs[NJOBS];
static unsigned long njobs;
static struct worker workers[MAX_THREADS];
static struct worker inline_worker;
static unsigned long n_filled, n_taken, n_committed;
static int quitting;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER, done_cv = PTHREAD_COND_INITIALIZER;

_Noreturn static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: %s [-lq] [-b FILE]... [-j N] [-M FILE] [-R FILE] [-r FILE]... [-s LO:HI] [FILE...]\n"
	    "  -b, --batches FILE   entries by custom_id from a batch file (wr-batch); repeatable\n"
	    "  -r, --requests FILE  entries by custom_id from a request file (wr-prompt); repeatable\n"
	    "  -l, --long           add model and custom_id columns\n"
	    "  -M, --missing FILE   write every requested entry that got no valid score\n"
	    "  -R, --refused FILE   write the entries of refused requests\n"
	    "  -s, --range LO:HI    valid scores (default 1:5)\n"
	    "  -j, --jobs N         parsing threads (default: one per processor)\n"
	    "  -q, --quiet          no summary on stderr\n"
	    "  -h, --help           this help\n"
	    "      --version        print the version\n", wr_prog);
	exit(status);
}

/* ---- Output ---- */

/* Write all of s[0..n) to o. */
static void
write_all(const struct out *o, const char *s, size_t n)
{
	if (wr_write_lines(o->fd, s, n) != 0) {
		/* The reader went away (| head): stop without a word. */
		if (errno == EPIPE)
			exit(WR_EXIT_USAGE);
		wr_die("%s: write error:", o->name);
	}
}

static void
out_flush(struct out *o)
{
	if (o->fd >= 0)
		write_all(o, o->b.s, o->b.len);
	wr_buf_reset(&o->b);
}

static void
out_open(struct out *o, const char *path)
{
	o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (o->fd < 0)
		wr_die("%s:", path);
	o->name = path;
}

static void
out_close(struct out *o)
{
	if (o->fd < 0)
		return;
	out_flush(o);
	if (o->fd != STDOUT_FILENO && close(o->fd) != 0)
		wr_die("%s: write error:", o->name);
	wr_buf_free(&o->b);
}

/* Add s[0..n), whole lines, to o; a large run goes out without a copy. */
static void
out_add(struct out *o, const char *s, size_t n)
{
	if (o->fd < 0 || n == 0)
		return;
	if (o->b.len + n < OUT_CHUNK) {
		wr_buf_add(&o->b, s, n);
		return;
	}
	out_flush(o);
	write_all(o, s, n);
}

static void
out_line(struct out *o, const char *s, size_t n)
{
	if (o->fd < 0)
		return;
	wr_buf_add(&o->b, s, n);
	wr_buf_addc(&o->b, '\n');
	if (o->b.len >= OUT_CHUNK)
		out_flush(o);
}

static void
flush_all(void)
{
	out_flush(&out);
	out_flush(&missing);
	out_flush(&refused);
}

/* ---- Parsing one result line (in a worker) ---- */

static void
add_line(struct wr_buf *b, const char *s, size_t n)
{
	wr_buf_grow(b, n + 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len++] = '\n';
}

/* A message for stderr, "prog: file:line: ...", kept in b until the record is committed. */
static void
msg(struct wr_buf *b, const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
msg(struct wr_buf *b, const char *file, long line, const char *fmt, ...)
{
	va_list ap;
	char text[512];

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	wr_buf_printf(b, "%s: %s:%ld: %s\n", wr_prog, file, line, text);
}

/* The answer's rejected ratings: printed only if the answer is used. */
static void
report(void *arg, enum wr_answer_problem what, const char *text)
{
	struct worker *w = arg;

	(void)what;
	msg(&w->job->notes, w->file, w->lineno, "%s: %s", w->res.id.s, text);
}

static struct rec *
new_rec(struct job *job, long lineno)
{
	struct rec *r;

	if (job->nrec == job->caprec) {
		job->caprec = job->caprec ? job->caprec * 2 : 256;
		job->rec = wr_realloc(job->rec, job->caprec * sizeof *job->rec);
	}
	r = &job->rec[job->nrec++];
	memset(r, 0, sizeof *r);
	r->kind = R_BAD;
	r->line = lineno;
	r->req = -1;
	return r;
}

/* Keep the entries of a result that failed or was refused, for the end of the run. */
static void
keep_entries(struct job *job, struct rec *r, const struct wr_entries *e)
{
	size_t i;

	r->ents = job->ents.len;
	r->nents = e->n;
	for (i = 0; i < e->n; i++) {
		wr_buf_add(&job->ents, e->s[i], e->len[i]);
		wr_buf_addc(&job->ents, '\0');
	}
}

/* The rating lines of an answer in out, its entries without a score in miss. */
static void
write_ratings(struct worker *w, struct job *job, struct rec *r)
{
	const struct wr_result *res = &w->res;
	const struct wr_entries *e = &w->ents;
	double score;
	char num[32];
	size_t i, n;
	int got;

	r->out = job->out.len;
	r->miss = job->miss.len;
	/* Room for every line without -l: entry, TAB, score, newline. */
	for (i = 0, n = 0; i < e->n; i++)
		n += e->len[i] + 34;
	wr_buf_grow(&job->out, n);
	for (i = 0; i < e->n; i++) {
		if ((got = wr_answer_score(w->ans, i, &score)) == 0) {
			add_line(&job->miss, e->s[i], e->len[i]);
			r->missing++;
			continue;
		}
		if (got < 0)
			continue;
		n = wr_answer_format(score, num);
		if (longfmt)
			wr_buf_grow(&job->out, e->len[i] + n + 2);
		memcpy(job->out.s + job->out.len, e->s[i], e->len[i]);
		job->out.len += e->len[i];
		job->out.s[job->out.len++] = '\t';
		memcpy(job->out.s + job->out.len, num, n);
		job->out.len += n;
		if (longfmt) {
			wr_buf_addc(&job->out, '\t');
			/* The model as written, unless it would need decoding. */
			if (res->model && res->model_len && !memchr(res->model, '\\', res->model_len))
				wr_buf_add(&job->out, res->model, res->model_len);
			else
				wr_buf_addc(&job->out, '-');
			wr_buf_addc(&job->out, '\t');
			wr_buf_add(&job->out, res->id.s, res->id.len);
		}
		job->out.s[job->out.len++] = '\n';
		r->rated++;
	}
	r->outlen = job->out.len - r->out;
	r->misslen = job->miss.len - r->miss;
}

/* Read the answer of a result that has one: rated, refused, or (content not valid JSON text) failed. */
static void
read_answer(struct worker *w, struct job *job, struct rec *r)
{
	struct wr_result *res = &w->res;
	struct wr_entries *e = &w->ents;
	const char *raw;
	size_t n;

	wr_answer_begin(w->ans, e->s, e->len, e->n);
	raw = res->cut ? NULL : wr_result_raw_text(res, &n);
	if (!raw || !wr_answer_fast(w->ans, raw, n)) {
		if (wr_result_text(res, &w->text) != 0) {
			msg(&job->msg, w->file, w->lineno, "%s: message content is not valid JSON text, "
			    "its entries are missing", res->id.s);
			r->kind = R_FAILED;
			r->bad = 1;
			keep_entries(job, r, e);
			return;
		}
		if (wr_answer_parse(w->ans, w->text.s, w->text.len, res->cut ? WR_ANSWER_CUT : 0) == 0 &&
		    wr_answer_refusal(w->text.s, w->text.len)) {
			r->kind = R_REFUSED;
			keep_entries(job, r, e);
			return;
		}
	}
	r->kind = R_ANSWER;
	r->rejected = (long)wr_answer_rejected(w->ans);
	write_ratings(w, job, r);
}

/* Where the entries of the result come from: its own "entries", or -b/-r. */
static int
find_entries(struct worker *w, struct job *job, struct rec *r)
{
	struct wr_result *res = &w->res;
	const char *why;

	r->req = wr_reqset_find(&requests, res->id.s, res->id.len);
	if (res->entries >= 0) {
		if (wr_result_entries(res, &w->ents, &why) == 0)
			return 0;
		msg(&job->msg, w->file, w->lineno, "%s: %s, line skipped", res->id.s, why);
		return -1;
	}
	if (r->req >= 0) {
		wr_reqset_get(&requests, (size_t)r->req, &w->ents);
		return 0;
	}
	msg(&job->msg, w->file, w->lineno, "%s: unknown custom_id and no \"entries\" (give -b or -r), line skipped",
	    res->id.s);
	return -1;
}

static void
read_result(struct worker *w, struct job *job, struct rec *r, const char *s, size_t len)
{
	struct wr_result *res = &w->res;
	const char *why;

	/* A NUL ends the text for jsmn, so look for one only when the line is bad. */
	if (wr_result_parse(res, s, len, &why) != 0) {
		msg(&job->msg, w->file, w->lineno, "%s, line skipped", memchr(s, '\0', len) ? "NUL byte" : why);
		return;
	}
	r->id = job->ids.len;
	r->idlen = res->id.len;
	wr_buf_add(&job->ids, res->id.s, res->id.len);
	wr_buf_addc(&job->ids, '\0');
	if (find_entries(w, job, r) != 0)
		return;
	switch (res->kind) {
	case WR_RESULT_FAILED:
		if (res->why)
			msg(&job->msg, w->file, w->lineno, "%s: %s", res->id.s, res->why);
		r->kind = R_FAILED;
		keep_entries(job, r, &w->ents);
		break;
	case WR_RESULT_REFUSED:
		r->kind = R_REFUSED;
		keep_entries(job, r, &w->ents);
		break;
	case WR_RESULT_ANSWER:
		read_answer(w, job, r);
		break;
	}
}

static void
parse_line(struct worker *w, struct job *job, const struct line *ln)
{
	struct rec *r = new_rec(job, ln->lineno);

	w->lineno = ln->lineno;
	if (ln->bad) {
		/* Refused by the reader, which left its message. */
		r->warn = ln->off;
		r->warnlen = ln->len;
		return;
	}
	r->warn = job->msg.len;
	r->note = job->notes.len;
	read_result(w, job, r, job->in.s + ln->off, ln->len);
	r->warnlen = job->msg.len - r->warn;
	r->notelen = job->notes.len - r->note;
}

static void
parse_job(struct worker *w, struct job *job)
{
	size_t i;

	w->job = job;
	w->file = files[job->file];
	for (i = 0; i < job->nline; i++)
		parse_line(w, job, &job->line[i]);
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct job *job;

	for (;;) {
		pthread_mutex_lock(&mu);
		while (n_taken == n_filled && !quitting)
			pthread_cond_wait(&work_cv, &mu);
		if (n_taken == n_filled) {
			pthread_mutex_unlock(&mu);
			return NULL;
		}
		job = &jobs[n_taken++ % njobs];
		pthread_mutex_unlock(&mu);
		parse_job(w, job);
		pthread_mutex_lock(&mu);
		job->done = 1;
		pthread_cond_broadcast(&done_cv);
		pthread_mutex_unlock(&mu);
	}
}

static void
worker_init(struct worker *w)
{
	w->ans = wr_answer_new(lo, hi);
	wr_answer_set_report(w->ans, report, w);
	wr_result_init(&w->res);
}

static void
worker_free(struct worker *w)
{
	wr_answer_free(w->ans);
	wr_result_free(&w->res);
	wr_entries_free(&w->ents);
	wr_buf_free(&w->text);
}

/* ---- Committing, in input order (main thread) ---- */

static void
defer(const char *id, size_t idlen, const struct job *job, const struct rec *r, int refusal)
{
	const char *p = job->ents.s + r->ents;
	size_t i, len;
	int added;

	scratch.n = 0;
	for (i = 0; i < r->nents; i++) {
		len = strlen(p);
		wr_entries_add(&scratch, p, len);
		p += len + 1;
	}
	i = wr_reqset_add(&pending, id, idlen, scratch.s, scratch.len, scratch.n, &added);
	if (added)
		pending.item[i].flag = refusal ? 2 : 1;
	else if (refusal && pending.item[i].flag == 1)
		pending.item[i].flag = 2;
}

/* Count, report and keep what r gave; 1 when its ratings are to be written. */
static int
commit_rec(const struct job *job, const struct rec *r)
{
	const char *id = job->ids.s + r->id;
	size_t *v;
	long p;
	int added;

	if (r->warnlen)
		fwrite(job->msg.s + r->warn, 1, r->warnlen, stderr);
	if (r->kind == R_BAD || r->bad)
		n_bad++;
	if (r->kind == R_BAD)
		return 0;
	if (r->req >= 0)
		requests.item[r->req].flag = 1;
	n_results++;
	if (r->kind == R_FAILED)
		n_failed++;
	/* The first answer wins; a failure after it changes nothing. */
	v = r->kind == R_ANSWER ? wr_map_put(&answered, id, r->idlen, nplaces, &added) :
	    wr_map_get(&answered, id, r->idlen);
	if (v && (r->kind != R_ANSWER || !added)) {
		if (r->kind != R_FAILED) {
			fprintf(stderr, "%s: %s:%ld: %s: answered already at %s:%ld, this answer skipped\n", wr_prog,
			    files[job->file], r->line, id, files[places[*v].file], places[*v].line);
			n_dups++;
		}
		return 0;
	}
	if (r->kind != R_ANSWER) {
		defer(id, r->idlen, job, r, r->kind == R_REFUSED);
		return 0;
	}
	if (r->notelen)
		fwrite(job->notes.s + r->note, 1, r->notelen, stderr);
	if (nplaces == capplaces) {
		capplaces = capplaces ? capplaces * 2 : 1024;
		places = wr_realloc(places, capplaces * sizeof *places);
	}
	places[nplaces].file = job->file;
	places[nplaces++].line = r->line;
	if (pending.count && (p = wr_reqset_find(&pending, id, r->idlen)) >= 0)
		pending.item[p].flag = 0;
	out_add(&missing, job->miss.s + r->miss, r->misslen);
	n_rated += r->rated;
	n_missing += r->missing;
	n_rejected += r->rejected;
	return 1;
}

/* "wr-parse: N results, R rated" on a terminal, at most ten times a second. */
static void
show_progress(void)
{
	static struct timespec last;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((now.tv_sec - last.tv_sec) * 1000000000L + (now.tv_nsec - last.tv_nsec) < 100000000L)
		return;
	last = now;
	fprintf(stderr, "\r%s: %ld results, %ld rated", wr_prog, n_results, n_rated);
}

static void
commit_job(struct job *job)
{
	size_t i, run = 0, runlen = 0;

	/* The ratings of the records used, in runs written without copying. */
	for (i = 0; i < job->nrec; i++) {
		const struct rec *r = &job->rec[i];
		if (commit_rec(job, r) && r->outlen) {
			if (runlen && run + runlen == r->out) {
				runlen += r->outlen;
				continue;
			}
			out_add(&out, job->out.s + run, runlen);
			run = r->out;
			runlen = r->outlen;
		}
	}
	out_add(&out, job->out.s + run, runlen);
	job->nline = job->nrec = 0;
	job->done = 0;
	wr_buf_reset(&job->in);
	wr_buf_reset(&job->out);
	wr_buf_reset(&job->miss);
	wr_buf_reset(&job->ids);
	wr_buf_reset(&job->ents);
	wr_buf_reset(&job->msg);
	wr_buf_reset(&job->notes);
	if (progress)
		show_progress();
}

/* Commit the oldest job; wait for it when wait is set. Returns 1 if one was committed. */
static int
commit_next(int wait)
{
	struct job *job;
	int done;

	if (n_committed == n_filled)
		return 0;
	job = &jobs[n_committed % njobs];
	pthread_mutex_lock(&mu);
	while (!job->done && wait)
		pthread_cond_wait(&done_cv, &mu);
	done = job->done;
	pthread_mutex_unlock(&mu);
	if (!done)
		return 0;
	commit_job(job);
	n_committed++;
	return 1;
}

static void
submit(struct job *job)
{
	if (job->nline == 0)
		return;
	if (nthreads <= 1) {
		parse_job(&inline_worker, job);
		job->done = 1;
		n_filled++;
		commit_next(1);
		return;
	}
	pthread_mutex_lock(&mu);
	n_filled++;
	pthread_cond_signal(&work_cv);
	pthread_mutex_unlock(&mu);
	while (commit_next(0))
		;
}

/* The job to fill next, once the ring has room. */
static struct job *
next_job(int file)
{
	struct job *job;

	while (n_filled - n_committed >= njobs)
		commit_next(1);
	job = &jobs[n_filled % njobs];
	job->file = file;
	return job;
}

static void
drain(void)
{
	while (commit_next(1))
		;
}

/* ---- Reading ---- */

/* 1 when reading the next line will not wait: it is buffered, or input is ready. */
static int
input_ready(const struct wr_reader *r, int regular)
{
	struct pollfd pfd;

	if (regular || r->eof || memchr(r->buf + r->start, '\n', r->end - r->start))
		return 1;
	pfd.fd = r->fd;
	pfd.events = POLLIN;
	return poll(&pfd, 1, 0) > 0;
}

static void
add_to_job(struct job *job, const struct wr_reader *r, const char *s, size_t len)
{
	struct line *ln;

	if (job->nline == job->capline) {
		job->capline = job->capline ? job->capline * 2 : 256;
		job->line = wr_realloc(job->line, job->capline * sizeof *job->line);
	}
	ln = &job->line[job->nline++];
	ln->lineno = r->lineno;
	ln->bad = !s;
	if (!s) {
		ln->off = job->msg.len;
		msg(&job->msg, r->name, r->lineno, "line longer than %zu bytes, skipped", r->max);
		ln->len = job->msg.len - ln->off;
		return;
	}
	ln->off = job->in.len;
	ln->len = len;
	wr_buf_add(&job->in, s, len);
	wr_buf_addc(&job->in, '\0');
}

static void
read_results(int file)
{
	struct wr_reader r;
	enum wr_line_status st;
	struct job *job = next_job(file);
	struct stat sb;
	char *line;
	size_t len;
	int regular;

	wr_reader_open(&r, files[file], LINE_MAX_BYTES);
	regular = fstat(r.fd, &sb) == 0 && S_ISREG(sb.st_mode);
	for (;;) {
		/* Never sit on finished lines while the input makes us wait. */
		if (!input_ready(&r, regular)) {
			submit(job);
			drain();
			flush_all();
			job = next_job(file);
		}
		st = wr_reader_next(&r, &line, &len);
		if (st == WR_LINE_EOF || st == WR_LINE_ERR)
			break;
		if (st == WR_LINE_LONG)
			add_to_job(job, &r, NULL, 0);
		else if ((len = wr_chomp_cr(line, len)) > 0)
			add_to_job(job, &r, line, len);
		if (job->in.len >= JOB_BYTES) {
			submit(job);
			job = next_job(file);
		}
	}
	if (st == WR_LINE_ERR) {
		int saved = errno;
		submit(job);
		drain();
		flush_all();
		errno = saved;
		wr_die("%s: read error:", r.name);
	}
	submit(job);
	wr_reader_close(&r);
}

/* What never got an answer: failed and refused results, and requests with no result line. */
static void
finish(void)
{
	size_t i, k;

	for (i = 0; i < pending.count; i++) {
		if (!pending.item[i].flag)
			continue;
		wr_reqset_get(&pending, i, &scratch);
		for (k = 0; k < scratch.n; k++) {
			out_line(&missing, scratch.s[k], scratch.len[k]);
			if (pending.item[i].flag == 2)
				out_line(&refused, scratch.s[k], scratch.len[k]);
		}
		if (pending.item[i].flag == 2)
			n_refused += (long)scratch.n;
		else
			n_missing += (long)scratch.n;
	}
	for (i = 0; i < requests.count; i++) {
		if (requests.item[i].flag)
			continue;
		n_unseen++;
		wr_reqset_get(&requests, i, &scratch);
		for (k = 0; k < scratch.n; k++)
			out_line(&missing, scratch.s[k], scratch.len[k]);
		n_missing += (long)scratch.n;
	}
	if (n_unseen)
		wr_warn("%ld requests of -b/-r have no result line; their entries count as missing", n_unseen);
}

/* ---- Request files ---- */

static int
has_control(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
}

static void
load_batches(const char *path)
{
	struct wr_reader r;
	enum wr_line_status st;
	char *line, *p, *tab, *end;
	size_t len, idlen, i;
	int added;

	wr_reader_open(&r, path, LINE_MAX_BYTES);
	while ((st = wr_reader_text(&r, &line, &len, &n_bad)) == WR_LINE_OK) {
		if ((len = wr_chomp_cr(line, len)) == 0)
			continue;
		end = line + len;
		tab = memchr(line, '\t', len);
		if (!tab || tab == line || tab + 1 == end) {
			wr_warn_at(r.name, r.lineno, "not a batch line (ID<TAB>entry...), skipped");
			n_bad++;
			continue;
		}
		idlen = (size_t)(tab - line);
		scratch.n = 0;
		for (p = tab + 1; p <= end; p = tab + 1) {
			if (!(tab = memchr(p, '\t', (size_t)(end - p))))
				tab = end;
			wr_entries_add(&scratch, p, (size_t)(tab - p));
		}
		for (i = 0; i < scratch.n; i++)
			if (scratch.len[i] == 0 || has_control(scratch.s[i], scratch.len[i]))
				break;
		if (i < scratch.n || has_control(line, idlen)) {
			wr_warn_at(r.name, r.lineno, "empty entry or control character, line skipped");
			n_bad++;
			continue;
		}
		wr_reqset_add(&requests, line, idlen, scratch.s, scratch.len, scratch.n, &added);
	}
	if (st == WR_LINE_ERR)
		exit(WR_EXIT_USAGE);
	wr_reader_close(&r);
}

static void
load_requests(const char *path)
{
	struct wr_reader r;
	struct wr_result *res = &inline_worker.res;
	enum wr_line_status st;
	char *line;
	size_t len;
	const char *why;
	int added, told = 0;

	wr_reader_open(&r, path, LINE_MAX_BYTES);
	while ((st = wr_reader_text(&r, &line, &len, &n_bad)) == WR_LINE_OK) {
		if ((len = wr_chomp_cr(line, len)) == 0)
			continue;
		if (wr_result_parse(res, line, len, &why) != 0) {
			wr_warn_at(r.name, r.lineno, "%s, line skipped", why);
			n_bad++;
			continue;
		}
		if (res->entries < 0) {
			/* wr-prompt --strict output: say it once per file. */
			if (!told++)
				wr_warn_at(r.name, r.lineno, "no \"entries\" (a --strict request file? give its batch "
				    "file with -b); such lines are skipped");
			n_bad++;
			continue;
		}
		if (wr_result_entries(res, &scratch, &why) != 0) {
			wr_warn_at(r.name, r.lineno, "%s: %s, line skipped", res->id.s, why);
			n_bad++;
			continue;
		}
		wr_reqset_add(&requests, res->id.s, res->id.len, scratch.s, scratch.len, scratch.n, &added);
	}
	if (st == WR_LINE_ERR)
		exit(WR_EXIT_USAGE);
	wr_reader_close(&r);
}

static int
default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > MAX_THREADS ? MAX_THREADS : (int)n;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"batches", required_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{"jobs", required_argument, NULL, 'j'},
		{"long", no_argument, NULL, 'l'},
		{"missing", required_argument, NULL, 'M'},
		{"quiet", no_argument, NULL, 'q'},
		{"range", required_argument, NULL, 's'},
		{"refused", required_argument, NULL, 'R'},
		{"requests", required_argument, NULL, 'r'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	char *stdin_only[] = {"-"};
	const char *missing_path = NULL, *refused_path = NULL;
	/* -b and -r files are read once every option is known, in the order given. */
	const char **reqfiles = wr_malloc((size_t)argc * sizeof *reqfiles);
	char *reqkind = wr_malloc((size_t)argc);
	int c, i, nreq = 0;

	wr_setprog(argv[0]);
	wr_key_argv(argc, argv, longopts, NULL, NULL);
	nthreads = default_threads();
	while ((c = getopt_long(argc, argv, "b:hj:lM:qR:r:s:", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
		case 'r':
			reqkind[nreq] = (char)c;
			reqfiles[nreq++] = optarg;
			break;
		case 'h':
			usage(stdout, WR_EXIT_OK);
		case 'j':
			nthreads = (int)wr_strtonum(optarg, 1, MAX_THREADS, "-j");
			break;
		case 'l':
			longfmt = 1;
			break;
		case 'M':
			missing_path = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'R':
			refused_path = optarg;
			break;
		case 's':
			wr_range(optarg, &lo, &hi, "--range");
			break;
		case 'V':
			wr_print_version();
		default:
			usage(stderr, WR_EXIT_USAGE);
		}
	}
	progress = wr_progress_wanted(quiet);
	/* Every thread parsing one job with one more waiting for it, and one being filled. */
	njobs = 2 * (unsigned long)nthreads + 1;
	files = argv + optind;
	nfiles = argc - optind;
	if (nfiles == 0) {
		files = stdin_only;
		nfiles = 1;
	}
	/* Every input must be readable before anything is written. */
	for (i = 0; i < nfiles; i++) {
		int fd;
		if (strcmp(files[i], "-") == 0)
			continue;
		if ((fd = open(files[i], O_RDONLY | O_CLOEXEC)) < 0)
			wr_die("%s:", files[i]);
		close(fd);
	}
	wr_reqset_init(&requests);
	wr_reqset_init(&pending);
	wr_map_init(&answered);
	worker_init(&inline_worker);
	for (i = 0; i < nreq; i++)
		if (reqkind[i] == 'b')
			load_batches(reqfiles[i]);
		else
			load_requests(reqfiles[i]);
	free(reqfiles);
	free(reqkind);
	if (missing_path)
		out_open(&missing, missing_path);
	if (refused_path)
		out_open(&refused, refused_path);

	if (nthreads > 1)
		for (i = 0; i < nthreads; i++) {
			worker_init(&workers[i]);
			if ((errno = pthread_create(&workers[i].thread, NULL, work, &workers[i])) != 0)
				wr_die("cannot start a thread:");
		}
	for (i = 0; i < nfiles; i++)
		read_results(i);
	drain();
	if (nthreads > 1) {
		pthread_mutex_lock(&mu);
		quitting = 1;
		pthread_cond_broadcast(&work_cv);
		pthread_mutex_unlock(&mu);
		for (i = 0; i < nthreads; i++) {
			pthread_join(workers[i].thread, NULL);
			worker_free(&workers[i]);
		}
	}
	if (progress)
		fprintf(stderr, "\r\033[K");
	finish();
	out_close(&out);
	out_close(&missing);
	out_close(&refused);

	if (!quiet)
		fprintf(stderr, "%s: %ld results (%ld failed, %ld duplicate), %ld rated, %ld missing, %ld refused, "
		    "%ld rejected, %ld bad lines\n", wr_prog, n_results, n_failed, n_dups, n_rated, n_missing,
		    n_refused, n_rejected, n_bad);
	worker_free(&inline_worker);
	for (i = 0; i < NJOBS; i++) {
		struct job *job = &jobs[i];
		wr_buf_free(&job->in);
		wr_buf_free(&job->out);
		wr_buf_free(&job->miss);
		wr_buf_free(&job->ids);
		wr_buf_free(&job->ents);
		wr_buf_free(&job->msg);
		wr_buf_free(&job->notes);
		free(job->line);
		free(job->rec);
	}
	wr_entries_free(&scratch);
	wr_reqset_free(&requests);
	wr_reqset_free(&pending);
	wr_map_free(&answered);
	free(places);
	return n_missing || n_refused || n_bad ? WR_EXIT_FAIL : WR_EXIT_OK;
}
