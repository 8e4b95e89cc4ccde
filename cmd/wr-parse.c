/* wr-parse: result lines in, one entry<TAB>score line per rated entry out. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#include "key.h"
#include "line.h"
#include "loaders.h"
#include "progress.h"
#include "rate.h"
#include "result.h"
#include "tally.h"

/* The longest line read (a result of 100000 entries fits). */
#define LINE_MAX_BYTES ((size_t)64 << 20)
/* Lines are handed to the parsing threads in jobs of about this size. */
#define JOB_BYTES ((size_t)1 << 18)
/*
 * The threads pay even on two cores: on a 1M-entry result file, 0.248 s
 * at -j 1, 0.130 s at -j 2 (the default there), 0.129 s at -j 4 (wall
 * medians of 21 paired runs, on a quiet machine).
 */
#define MAX_THREADS 16

struct line {
	size_t off, len;            /* in the job's input, or (bad) its message in recs.msg */
	long lineno;
	int bad;                    /* refused by the reader */
};

/* A run of lines from one file, parsed by one thread, committed in order. */
struct job {
	int file;
	struct wr_buf in;
	struct line *line;
	size_t nline, capline;
	struct wr_recs recs;
	int done;
};

/* A parsing thread and its reusable state. */
struct worker {
	pthread_t thread;
	struct wr_rater rater;
};

static double lo = 1, hi = 5;
static int longfmt, quiet, nthreads, expected;
static struct wr_out out = {.fd = STDOUT_FILENO, .name = "stdout"}, missing = {.fd = -1}, refused = {.fd = -1};
static struct wr_progress progress;
static struct wr_tally tally;       /* its requests are read-only while threads run */
static char **files;
static int *fds;       /* every input, opened before anything is written */
static int nfiles;

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
	    "usage: %s [-Elq] [-b FILE]... [-j N] [-M FILE] [-R FILE] [-r FILE]... [-s LO:HI] [FILE...]\n"
	    "  -b, --batches FILE   entries by custom_id from a batch file (wr-batch); repeatable\n"
	    "  -r, --requests FILE  entries by custom_id from a request file (wr-prompt); repeatable\n"
	    "  -E, --expected       expected scores from the answers' logprobs (wr-prompt --logprobs)\n"
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

/* Add s[0..n), whole lines, to o. */
static void
out_add(struct wr_out *o, const char *s, size_t n)
{
	if (o->fd < 0 || n == 0)
		return;
	wr_buf_add(&o->b, s, n);
	wr_out_done(o);
}

static void
out_line(struct wr_out *o, const char *s, size_t n)
{
	if (o->fd < 0)
		return;
	wr_buf_add(&o->b, s, n);
	wr_buf_addc(&o->b, '\n');
	wr_out_done(o);
}

static void
out_flush(struct wr_out *o)
{
	if (o->fd < 0)
		return;
	wr_out_flush(o);
}

static void
out_open(struct wr_out *o, const char *path)
{
	o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (o->fd < 0)
		wr_die("%s:", path);
	o->name = path;
}

static void
out_close(struct wr_out *o)
{
	if (o->fd < 0)
		return;
	out_flush(o);
	if (o->fd != STDOUT_FILENO && close(o->fd) != 0)
		wr_die("%s: write error:", o->name);
	wr_buf_free(&o->b);
}

static void
flush_all(void)
{
	out_flush(&out);
	out_flush(&missing);
	out_flush(&refused);
}

/* ---- Parsing (in a worker) ---- */

static void
parse_job(struct worker *w, struct job *job)
{
	const struct line *ln;
	struct wr_rec *r;
	size_t i;

	w->rater.file = files[job->file];
	for (i = 0; i < job->nline; i++) {
		ln = &job->line[i];
		if (!ln->bad) {
			wr_rate_line(&w->rater, &job->recs, ln->lineno, job->in.s + ln->off, ln->len);
			continue;
		}
		/* Refused by the reader, which left its message. */
		r = wr_recs_new(&job->recs, ln->lineno);
		r->warn = ln->off;
		r->warnlen = ln->len;
	}
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

/* ---- Committing, in input order (main thread) ---- */

static void
commit_job(struct job *job)
{
	size_t i, run = 0, runlen = 0;

	/* The ratings of the records used, a run of neighbours at a time. */
	for (i = 0; i < job->recs.n; i++) {
		const struct wr_rec *r = &job->recs.rec[i];
		if (!wr_tally_rec(&tally, job->file, &job->recs, r))
			continue;
		out_add(&missing, job->recs.miss.s + r->miss, r->misslen);
		if (runlen && run + runlen == r->out) {
			runlen += r->outlen;
			continue;
		}
		out_add(&out, job->recs.out.s + run, runlen);
		run = r->out;
		runlen = r->outlen;
	}
	out_add(&out, job->recs.out.s + run, runlen);
	job->nline = 0;
	job->done = 0;
	wr_buf_reset(&job->in);
	wr_recs_reset(&job->recs);
	wr_progress_show(&progress, "%s: %ld results, %ld rated", wr_prog, tally.results, tally.rated);
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

	if (regular || wr_reader_ready(r))
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
		ln->off = job->recs.msg.len;
		wr_rec_msg(&job->recs.msg, r->name, r->lineno, "line longer than %zu bytes, skipped", r->max);
		ln->len = job->recs.msg.len - ln->off;
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

	wr_reader_fd(&r, fds[file], files[file], LINE_MAX_BYTES);
	r.owned = fds[file] != STDIN_FILENO;
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

/* An entry that never got an answer (see wr_tally_finish). */
static void
unanswered(void *arg, const char *s, size_t n, int refusal)
{
	(void)arg;
	out_line(&missing, s, n);
	if (refusal)
		out_line(&refused, s, n);
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
		{"expected", no_argument, NULL, 'E'},
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
	const char *missing_path = NULL, *refused_path = NULL;
	/* -b and -r files are read once every option is known, in the order given. */
	const char **reqfiles = wr_malloc((size_t)argc * sizeof *reqfiles);
	char *reqkind = wr_malloc((size_t)argc);
	int c, i, nreq = 0;

	wr_setprog(argv[0]);
	wr_key_argv(argc, argv, longopts, NULL, NULL);
	nthreads = default_threads();
	while ((c = getopt_long(argc, argv, "b:Ehj:lM:qR:r:s:", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
		case 'r':
			reqkind[nreq] = (char)c;
			reqfiles[nreq++] = optarg;
			break;
		case 'E':
			expected = 1;
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
	wr_progress_init(&progress, quiet, 10);
	/* Every thread parsing one job with one more waiting for it, and one being filled. */
	njobs = 2 * (unsigned long)nthreads + 1;
	files = argv + optind;
	nfiles = argc - optind;
	/* Each input is read from the descriptor opened here: opening twice would hang on a FIFO. */
	fds = wr_inputs_open(&nfiles, &files);
	wr_tally_init(&tally, files);
	for (i = 0; i < nreq; i++)
		if (reqkind[i] == 'b')
			wr_load_batches(&tally.requests, reqfiles[i], LINE_MAX_BYTES, &tally.bad);
		else
			wr_load_requests(&tally.requests, reqfiles[i], LINE_MAX_BYTES, &tally.bad);
	free(reqfiles);
	free(reqkind);
	if (missing_path)
		out_open(&missing, missing_path);
	if (refused_path)
		out_open(&refused, refused_path);

	wr_rater_init(&inline_worker.rater, lo, hi, &tally.requests, longfmt);
	inline_worker.rater.expected = expected;
	if (nthreads > 1)
		for (i = 0; i < nthreads; i++) {
			wr_rater_init(&workers[i].rater, lo, hi, &tally.requests, longfmt);
			workers[i].rater.expected = expected;
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
			wr_rater_free(&workers[i].rater);
		}
	}
	wr_progress_clear(&progress);
	wr_tally_finish(&tally, unanswered, NULL);
	out_close(&out);
	out_close(&missing);
	out_close(&refused);

	if (!quiet && expected)
		fprintf(stderr, "%s: %ld results (%ld failed, %ld duplicate), %ld rated (%ld expected, %ld plain), "
		    "%ld missing, %ld refused, %ld rejected, %ld bad lines\n", wr_prog, tally.results, tally.failed,
		    tally.dups, tally.rated, tally.expected, tally.plain, tally.missing, tally.refused, tally.rejected,
		    tally.bad);
	else if (!quiet)
		fprintf(stderr, "%s: %ld results (%ld failed, %ld duplicate), %ld rated, %ld missing, %ld refused, "
		    "%ld rejected, %ld bad lines\n", wr_prog, tally.results, tally.failed, tally.dups, tally.rated,
		    tally.missing, tally.refused, tally.rejected, tally.bad);
	if (expected)
		wr_tally_expected(&tally);
	wr_rater_free(&inline_worker.rater);
	for (i = 0; i < NJOBS; i++) {
		struct job *job = &jobs[i];
		wr_buf_free(&job->in);
		wr_recs_free(&job->recs);
		free(job->line);
	}
	wr_tally_free(&tally);
	free(fds);
	return tally.missing || tally.refused || tally.bad ? WR_EXIT_FAIL : WR_EXIT_OK;
}
