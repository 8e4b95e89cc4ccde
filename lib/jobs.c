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
	if (create && mkdir(dir, 0777) != 0 && errno != EEXIST)
		wr_die("%s:", dir);
	wr_buf_printf(&path, "%s/log", dir);
	if ((s->log_fd = open(path.s, O_RDWR | O_APPEND | O_CLOEXEC | (create ? O_CREAT : 0), 0666)) < 0) {
		if (!create && (errno == ENOENT || errno == ENOTDIR)) {
			wr_buf_free(&path);
			return;
		}
		wr_die("%s:", path.s);
	}
	/* --plan (create 0) only reads: a run at work on the set is no reason to stop. */
	if (create && flock(s->log_fd, LOCK_EX | LOCK_NB) != 0)
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

void
wr_keep_format(struct wr_buf *out, const char *cid, size_t cid_len, uint64_t hash, int tries, const char *extra,
    size_t extra_len)
{
	wr_buf_adds(out, "{\"custom_id\":");
	if (cid)
		wr_buf_add(out, cid, cid_len);
	else
		wr_buf_adds(out, "null");
	wr_buf_printf(out, ",\"body_hash\":\"%016llx\",\"try\":%d", (unsigned long long)hash, tries);
	wr_buf_add(out, extra ? extra : "", extra ? extra_len : 0);
	wr_buf_addc(out, '}');
}

void
wr_keep_load(const struct wr_jobs *s, int n, struct wr_keepfile *kf)
{
	struct wr_buf p = {0}, all = {0};
	struct wr_reader rd;
	enum wr_line_status st;
	char *line;
	size_t len, cap = 0;

	memset(kf, 0, sizeof *kf);
	wr_reader_open(&rd, wr_jobs_path(s, n, "keep", &p), 16u << 20);
	while ((st = wr_reader_next(&rd, &line, &len)) == WR_LINE_OK) {
		if ((size_t)kf->n == cap) {
			cap = cap ? 2 * cap : 1024;
			kf->off = wr_realloc(kf->off, cap * sizeof *kf->off);
		}
		kf->off[kf->n++] = all.len;
		wr_buf_add(&all, line, len);
		wr_buf_addc(&all, '\0');
	}
	if (st != WR_LINE_EOF)
		wr_die("%s: cannot be read", p.s);
	wr_reader_close(&rd);
	kf->buf = all.s;
	kf->len = all.len;
	wr_buf_free(&p);
}

void
wr_keep_free(struct wr_keepfile *kf)
{
	free(kf->buf);
	free(kf->off);
	memset(kf, 0, sizeof *kf);
}

int
wr_keep_line(const struct wr_keepfile *kf, long i, struct wr_json *j, struct wr_kept *k)
{
	const char *s, *why;
	struct wr_buf h = {0};
	size_t len, n;
	double v;
	int t, c;

	if (i < 0 || i >= kf->n)
		return -1;
	s = kf->buf + kf->off[i];
	len = strlen(s);
	if (wr_json_parse(j, s, len, &why) != 0 || j->tok[0].type != JSMN_OBJECT ||
	    (c = wr_json_get(j, 0, "custom_id")) < 0 || (t = wr_json_get(j, 0, "try")) < 0 ||
	    wr_json_num(j, t, &v) != 0 || wr_batch_str(j, wr_json_get(j, 0, "body_hash"), &h) != 0) {
		wr_buf_free(&h);
		return -1;
	}
	k->cid = wr_json_text(j, c, &k->cid_len);
	if (j->tok[c].type != JSMN_STRING)
		k->cid = NULL;
	k->tries = (int)v;
	k->hash = strtoull(h.s, NULL, 16);
	wr_buf_free(&h);
	/* Everything after "try":K, but the closing brace, is the request line's own extra fields. */
	n = (size_t)j->tok[t].end;
	k->extra = s + n;
	k->extra_len = len - n - 1;
	return 0;
}

void
wr_jobs_held(const struct wr_jobs *s, struct wr_map *held)
{
	struct wr_keepfile kf;
	struct wr_buf id = {0};
	struct wr_kept k;
	struct wr_json js;
	long i;
	int n;

	wr_json_init(&js);
	for (n = 0; n < s->n; n++) {
		if (s->v[n]->ended)
			continue;
		wr_keep_load(s, s->v[n]->n, &kf);
		for (i = 0; i < kf.n; i++)
			if (wr_keep_line(&kf, i, &js, &k) == 0 && k.cid) {
				wr_buf_reset(&id);
				if (wr_json_unescape(k.cid + 1, k.cid_len - 2, &id) == 0)
					wr_map_put(held, id.s ? id.s : "", id.len, (size_t)s->v[n]->n, NULL);
			}
		wr_keep_free(&kf);
	}
	wr_json_free(&js);
	wr_buf_free(&id);
}
