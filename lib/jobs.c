/* The record of a set of batch jobs: FILE.jobs/log and each job's files. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jobs.h"
#include "json.h"
#include "line.h"

double
wr_jobs_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
wr_jobs_mark(char out[17])
{
	unsigned char b[8];
	uint64_t v = 0;
	size_t k;

	if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
		/* No random source: the time and the process make it unique enough on one machine. */
		v = (uint64_t)(wr_jobs_clock() * 1e6) ^ ((uint64_t)getpid() << 40);
	} else
		for (k = 0; k < sizeof b; k++)
			v = v << 8 | b[k];
	wr_id_hex(v, out);
}

static struct wr_job *
job_of(struct wr_jobs *s, int n)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->v[i]->n == n)
			return s->v[i];
	return NULL;
}

static struct wr_job *
new_job(struct wr_jobs *s, int n)
{
	struct wr_job *j = wr_calloc(1, sizeof *j);

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 16;
		s->v = wr_realloc(s->v, (size_t)s->cap * sizeof *s->v);
	}
	j->n = n;
	s->v[s->n++] = j;
	return j;
}

/* One log line into the jobs it speaks of. */
static void
take_line(struct wr_jobs *s, struct wr_json *js, const char *line, size_t len, long lineno)
{
	struct wr_buf str = {0};
	struct wr_job *j;
	const char *why;
	double v;
	int t;

	if (wr_json_parse(js, line, len, &why) != 0 || js->tok[0].type != JSMN_OBJECT ||
	    wr_json_num(js, wr_json_get(js, 0, "job"), &v) != 0 || v < 1 || v > 1e9) {
		wr_warn("%s/log:%ld: not a line of wr-submit's log; ignored", s->dir, lineno);
		return;
	}
	if (!(j = job_of(s, (int)v)))
		j = new_job(s, (int)v);
	if (wr_batch_str(js, wr_json_get(js, 0, "set"), &str) == 0 && str.len == 16)
		memcpy(j->set, str.s, 17);
	if ((t = wr_json_get(js, 0, "api")) >= 0)
		wr_batch_str(js, t, &j->api);
	if ((t = wr_json_get(js, 0, "url")) >= 0)
		wr_batch_str(js, t, &j->url);
	if ((t = wr_json_get(js, 0, "endpoint")) >= 0)
		wr_batch_str(js, t, &j->endpoint);
	if (wr_json_num(js, wr_json_get(js, 0, "requests"), &v) == 0)
		j->requests = (long)v;
	if (wr_json_num(js, wr_json_get(js, 0, "prepared"), &v) == 0)
		j->prepared = v;
	if (wr_json_num(js, wr_json_get(js, 0, "creating"), &v) == 0)
		j->creating = v;
	if ((t = wr_json_get(js, 0, "file")) >= 0)
		wr_batch_str(js, t, &j->file);
	if ((t = wr_json_get(js, 0, "batch")) >= 0 && wr_batch_str(js, t, &j->batch) == 0) {
		wr_map_put(&s->known, j->batch.s, j->batch.len, (size_t)j->n, NULL);
	}
	if (wr_json_get(js, 0, "cancel") >= 0)
		j->cancel = 1;
	if (wr_json_get(js, 0, "ended") >= 0)
		j->ended = 1;
	wr_buf_free(&str);
}

void
wr_jobs_open(struct wr_jobs *s, const char *dir, int create)
{
	struct wr_buf path = {0};
	struct wr_reader rd;
	struct wr_json js;
	enum wr_line_status st;
	char *line;
	size_t len;

	memset(s, 0, sizeof *s);
	s->log_fd = -1;
	s->dir = wr_strdup(dir);
	wr_map_init(&s->known);
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		wr_die("%s:", dir);
	wr_buf_printf(&path, "%s/log", dir);
	if ((s->log_fd = open(path.s, O_RDWR | O_APPEND | O_CLOEXEC | (create ? O_CREAT : 0), 0666)) < 0) {
		if (!create && errno == ENOENT) {
			wr_buf_free(&path);
			return;
		}
		wr_die("%s:", path.s);
	}
	if (flock(s->log_fd, LOCK_EX | LOCK_NB) != 0)
		wr_die("%s: another wr-submit is working on this set of jobs", dir);
	wr_json_init(&js);
	wr_reader_fd(&rd, s->log_fd, path.s, 1u << 20);
	while ((st = wr_reader_next(&rd, &line, &len)) == WR_LINE_OK || st == WR_LINE_LONG) {
		/* A line cut by a kill has no newline: it never happened. */
		if (st == WR_LINE_OK && !rd.partial && len > 0)
			take_line(s, &js, line, len, rd.lineno);
	}
	if (st == WR_LINE_ERR)
		wr_die("%s:", path.s);
	wr_reader_close(&rd);
	wr_json_free(&js);
	wr_buf_free(&path);
}

void
wr_jobs_free(struct wr_jobs *s)
{
	int i;

	for (i = 0; i < s->n; i++) {
		struct wr_job *j = s->v[i];
		wr_buf_free(&j->api);
		wr_buf_free(&j->url);
		wr_buf_free(&j->endpoint);
		wr_buf_free(&j->file);
		wr_buf_free(&j->batch);
		wr_job_status_free(&j->st);
		free(j);
	}
	free(s->v);
	free(s->dir);
	wr_map_free(&s->known);
	if (s->log_fd >= 0)
		close(s->log_fd);
	memset(s, 0, sizeof *s);
	s->log_fd = -1;
}

struct wr_job *
wr_jobs_add(struct wr_jobs *s)
{
	int i, top = 0;

	for (i = 0; i < s->n; i++)
		if (s->v[i]->n > top)
			top = s->v[i]->n;
	return new_job(s, top + 1);
}

void
wr_jobs_log(struct wr_jobs *s, const char *fmt, ...)
{
	struct wr_buf b = {0};
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = wr_malloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	wr_buf_adds(&b, p);
	wr_buf_addc(&b, '\n');
	free(p);
	if (s->log_fd < 0 || wr_write_lines(s->log_fd, b.s, b.len) != 0 || fdatasync(s->log_fd) != 0)
		wr_die("%s/log: cannot record a job:", s->dir);
	wr_buf_free(&b);
}

const char *
wr_jobs_path(const struct wr_jobs *s, int n, const char *suffix, struct wr_buf *out)
{
	wr_buf_reset(out);
	wr_buf_printf(out, "%s/%d.%s", s->dir, n, suffix);
	return out->s;
}
