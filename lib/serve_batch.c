/* What wr-serve's four batch APIs share: the job store and its clock, faults and hangs, files on disk, and the routing of a call. */
#include "serve_batch.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "common.h"
#include "hash.h"
#include "json.h"
#include "serve_http.h"
#include "serve_batch_int.h"

/* Bodies of the calls other than uploads and Anthropic and Gemini creates are small. */
#define SMALL_BODY (1u << 20)

#define ANTHROPIC_BATCHES "/v1/messages/batches"
#define GEMINI_BATCHES "/v1beta/batches"
#define MISTRAL_JOBS "/v1/batch/jobs"

static const char *const fault_names[WR_NBFAULTS] = {
	"-", "invalid", "expire", "errors", "cancel", "create-429", "quota",
};
static const char *const step_names[WR_NHANG] = {"upload", "create", "retrieve", "content"};

static const struct wr_bat_api *const apis[V_N] = {
	[V_OPENAI] = &wr_bat_openai, [V_ANTHROPIC] = &wr_bat_anthropic,
	[V_GEMINI] = &wr_bat_gemini, [V_MISTRAL] = &wr_bat_mistral,
};

static const struct wr_serve_conf *conf;
unsigned wr_bat_port;
pthread_mutex_t wr_bat_lock = PTHREAD_MUTEX_INITIALIZER;
struct file **wr_bat_files;
struct job **wr_bat_jobs;
size_t wr_bat_nfiles, wr_bat_njobs;
unsigned long wr_bat_seq;
static size_t capfiles, capjobs;
static char *dir;
static unsigned long *faults_left;
static size_t fault_at;
static int hung[WR_NHANG];

int
wr_batch_fault_parse(const char *name)
{
	int i;

	for (i = 1; i < WR_NBFAULTS; i++)
		if (strcmp(name, fault_names[i]) == 0)
			return i;
	return -1;
}

const char *
wr_batch_fault_name(enum wr_batch_fault f)
{
	return (unsigned)f < WR_NBFAULTS ? fault_names[f] : "?";
}

int
wr_batch_step_parse(const char *name)
{
	int i;

	for (i = 0; i < WR_NHANG; i++)
		if (strcmp(name, step_names[i]) == 0)
			return i;
	return -1;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static double
wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* prefix and ndigits hex digits drawn from the seed, a kind and a number: the same under --seed. */
void
wr_bat_make_id(char *out, size_t size, const char *prefix, uint64_t kind, uint64_t a, uint64_t b,
    size_t ndigits)
{
	uint64_t in[4] = {kind, a, b, 0};
	char hex[17];
	size_t len = strlen(prefix), k;

	memcpy(out, prefix, len);
	for (k = 0; k < ndigits && len + 1 < size; k += 16) {
		in[3] = k;
		wr_id_hex(XXH3_64bits_withSeed(in, sizeof in, conf->seed), hex);
		snprintf(out + len, size - len, "%.*s", (int)(ndigits - k < 16 ? ndigits - k : 16), hex);
		len = strlen(out);
	}
}

const struct wr_serve_dialect *
wr_batch_route(const struct wr_serve_req *q)
{
	const char *p = q->path;

	size_t n = strlen(p), m = sizeof GEMINI_CREATE - 1;

	if (strncmp(p, ANTHROPIC_BATCHES, 20) == 0 && (p[20] == '\0' || p[20] == '/'))
		return &wr_serve_anthropic;
	if ((strncmp(p, GEMINI_BATCHES, 15) == 0 && (p[15] == '\0' || p[15] == '/')) ||
	    (strncmp(p, GEMINI_MODELS, 15) == 0 && n > 15 + m && strcmp(p + n - m, GEMINI_CREATE) == 0))
		return &wr_serve_gemini;
	if (strncmp(p, MISTRAL_JOBS, 14) == 0 && (p[14] == '\0' || p[14] == '/'))
		return &wr_serve_openai;
	if ((strncmp(p, "/v1/files", 9) == 0 && (p[9] == '\0' || p[9] == '/')) ||
	    (strncmp(p, "/v1/batches", 11) == 0 && (p[11] == '\0' || p[11] == '/')))
		return &wr_serve_openai;
	return NULL;
}

void
wr_batch_listening(unsigned p)
{
	wr_bat_port = p;
}

void
wr_batch_init(const struct wr_serve_conf *c)
{
	size_t i;

	conf = c;
	faults_left = wr_calloc(conf->nbatch_faults + 1, sizeof *faults_left);
	for (i = 0; i < conf->nbatch_faults; i++)
		faults_left[i] = conf->batch_faults[i].n;
}

static void
free_file(struct file *f)
{
	if (f->path && !f->deleted)
		unlink(f->path);
	free(f->path);
	free(f->filename);
	free(f);
}

void
wr_batch_free(void)
{
	size_t i;

	for (i = 0; i < wr_bat_nfiles; i++)
		free_file(wr_bat_files[i]);
	for (i = 0; i < wr_bat_njobs; i++)
		wr_bat_free_job(wr_bat_jobs[i]);
	free(wr_bat_files);
	free(wr_bat_jobs);
	wr_bat_files = NULL;
	wr_bat_jobs = NULL;
	wr_bat_nfiles = wr_bat_njobs = capfiles = capjobs = 0;
	if (dir && rmdir(dir))
		wr_warn("%s:", dir);
	free(dir);
	dir = NULL;
	free(faults_left);
	faults_left = NULL;
	wr_bat_out_free();
}

/* The fault of the next create call: --batch-fault in the order given, each for its count. */
static enum wr_batch_fault
next_fault(void)
{
	while (fault_at < conf->nbatch_faults && faults_left[fault_at] == 0)
		fault_at++;
	if (fault_at == conf->nbatch_faults)
		return WR_BF_NONE;
	faults_left[fault_at]--;
	return conf->batch_faults[fault_at].kind;
}

/* A UUID-shaped ID drawn like wr_bat_make_id's, as Mistral's IDs are. */
void
wr_bat_make_uuid(char *out, size_t size, uint64_t kind, uint64_t a, uint64_t b)
{
	char hex[40];

	wr_bat_make_id(hex, sizeof hex, "", kind + 100, a, b, 32);
	snprintf(out, size, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

/* ---------------------------------------------------------------- the clock */

/* Lines answered e ms after creation, growing linearly from the end of validation to finalizing. */
static size_t
linear(const struct job *j, uint64_t e)
{
	uint64_t t = conf->batch_ms, v = t / 10, fin = t - t / 20;

	if (e < v)
		return 0;
	if (e >= fin || fin <= v)
		return j->n;
	return (size_t)((double)j->n * (double)(e - v) / (double)(fin - v));
}

static void
state_at(const struct job *j, uint64_t e, struct state *s)
{
	uint64_t t = conf->batch_ms, v = t / 10, fin = t - t / 20, c = NEVER, cend = NEVER;
	size_t cap = j->fault == WR_BF_EXPIRE || j->fault == WR_BF_CANCEL ? j->n / 2 : j->n;

	s->at_progress = s->at_final = s->at_cancel = s->at_end = NEVER;
	s->done = 0;
	if (j->errors) {
		s->s = e < v ? ST_VALIDATING : ST_FAILED;
		if (e >= v)
			s->at_end = v;
		return;
	}
	if (j->fault == WR_BF_CANCEL) {
		c = t / 2;
		cend = t;
	}
	if (j->cancel && j->cancel_t < c) {
		c = j->cancel_t;
		cend = c + v;
	}
	if (c != NEVER && e >= c) {
		s->at_cancel = c;
		if (c >= v)
			s->at_progress = v;
		s->done = j->fault == WR_BF_CANCEL && c == t / 2 ? cap : linear(j, c);
		if (s->done > cap)
			s->done = cap;
		s->s = e >= cend ? ST_CANCELLED : ST_CANCELLING;
		if (e >= cend)
			s->at_end = cend;
		return;
	}
	if (e < v) {
		s->s = ST_VALIDATING;
		return;
	}
	s->at_progress = v;
	if (j->fault == WR_BF_EXPIRE) {
		s->done = e < t ? linear(j, e) : cap;
		if (s->done > cap)
			s->done = cap;
		s->s = e < t ? ST_IN_PROGRESS : ST_EXPIRED;
		if (e >= t)
			s->at_end = t;
		return;
	}
	if (e < fin) {
		s->s = ST_IN_PROGRESS;
		s->done = linear(j, e);
		return;
	}
	s->at_final = fin;
	s->done = j->n;
	s->s = e < t ? ST_FINALIZING : ST_COMPLETED;
	if (e >= t)
		s->at_end = t;
}

void
wr_bat_state_now(const struct job *j, struct state *s)
{
	state_at(j, mono_ms() - j->t0, s);
}

int
wr_bat_ended(const struct state *s)
{
	return s->s == ST_FAILED || s->s == ST_COMPLETED || s->s == ST_EXPIRED || s->s == ST_CANCELLED;
}

/* Is line i answered with an error? */
int
wr_bat_errs(const struct job *j, size_t i)
{
	return j->lines[i].bad || (j->fault == WR_BF_ERRORS && (i + 1) % 5 == 0);
}

/* How many of the first k lines are answered with an error. */
size_t
wr_bat_errors_in(const struct job *j, size_t k)
{
	size_t i, n = 0;

	for (i = 0; i < k; i++)
		n += (size_t)wr_bat_errs(j, i);
	return n;
}

void
wr_bat_add_time(struct wr_buf *b, const struct job *j, uint64_t at)
{
	if (at == NEVER)
		wr_buf_adds(b, "null");
	else
		wr_buf_printf(b, "%ld", (long)(j->wall0 + (double)at / 1000));
}

void
wr_bat_add_rfc3339(struct wr_buf *b, double t)
{
	char s[40];
	struct tm tm;
	time_t sec = (time_t)t;

	gmtime_r(&sec, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
	wr_buf_printf(b, "\"%s.%06ldZ\"", s, (long)((t - (double)sec) * 1e6));
}

void
wr_bat_add_rfc3339_at(struct wr_buf *b, const struct job *j, uint64_t at)
{
	if (at == NEVER)
		wr_buf_adds(b, "null");
	else
		wr_bat_add_rfc3339(b, j->wall0 + (double)at / 1000);
}

/* ---------------------------------------------------------------- answers */

void
wr_bat_answer_json(struct wr_batch_answer *a, unsigned status, const struct wr_buf *b)
{
	a->status = status;
	a->resp = MHD_create_response_from_buffer(b->len, b->s ? b->s : (char *)"",
	    MHD_RESPMEM_MUST_COPY);
	if (!a->resp)
		wr_die("out of memory");
	MHD_add_response_header(a->resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
}

void
wr_bat_error(struct wr_batch_answer *a, const struct wr_batch_call *b, unsigned status,
    const char *type, const char *code, const char *fmt, ...)
{
	struct wr_buf out = {0};
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	b->api->error(&out, status, type, code, msg);
	wr_bat_answer_json(a, status, &out);
	wr_buf_free(&out);
}

/* One of the dialect's own errors (its table's status, type and message). */
void
wr_bat_derror(struct wr_batch_answer *a, const struct wr_batch_call *b, enum wr_serve_err e,
    const char *message)
{
	struct wr_buf out = {0};
	unsigned status = b->d->error(&out, e, message);

	wr_bat_answer_json(a, status, &out);
	wr_buf_free(&out);
}

/* The 404 of an ID that is no batch of b's vendor. */
static void
no_batch(struct wr_batch_answer *a, const struct wr_batch_call *b, const char *id)
{
	wr_bat_error(a, b, 404, b->api->unknown[0], NULL, "%s%.100s%s", b->api->no_batch[0], id,
	    b->api->no_batch[1]);
}

/* Draw a create's fault; refuse a create-429 in the vendor's words, with Retry-After: 1. */
int
wr_bat_create_fault(struct wr_batch_call *b, struct wr_batch_answer *a, enum wr_batch_fault *fault)
{
	const char *const *r = b->api->rate_limited;

	if ((*fault = next_fault()) != WR_BF_CREATE_429)
		return 0;
	pthread_mutex_unlock(&wr_bat_lock);
	wr_bat_error(a, b, 429, r[0], r[1], "%s", r[2]);
	MHD_add_response_header(a->resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	a->fault = fault_names[WR_BF_CREATE_429];
	return -1;
}

void
wr_bat_hang(struct wr_batch_answer *a, enum wr_batch_step step)
{
	/* Its own lock: some callers hold the batch lock, some do not. */
	static pthread_mutex_t hang_lock = PTHREAD_MUTEX_INITIALIZER;

	if (!conf->batch_hang[step] || a->status / 100 != 2)
		return;
	pthread_mutex_lock(&hang_lock);
	if (!hung[step]) {
		hung[step] = 1;
		a->hang = 1;
		a->fault = "hang";
	}
	pthread_mutex_unlock(&hang_lock);
}

void
wr_bat_job_fault(struct wr_batch_answer *a, const struct job *j)
{
	if (j->fault != WR_BF_NONE)
		a->fault = fault_names[j->fault];
}

/* ---------------------------------------------------------------- files */

static void
add_file(struct file *f)
{
	if (wr_bat_nfiles == capfiles) {
		capfiles = capfiles ? capfiles * 2 : 16;
		wr_bat_files = wr_realloc(wr_bat_files, capfiles * sizeof *wr_bat_files);
	}
	wr_bat_files[wr_bat_nfiles++] = f;
}

/* Gemini's inlined responses are kept in a file only to be read back. */
int
wr_bat_listed(const struct file *f)
{
	return !f->job || !apis[f->job->vendor]->operation;
}

struct file *
wr_bat_find_file(const char *id)
{
	size_t i;
	struct file *f;

	for (i = 0; i < wr_bat_nfiles; i++) {
		f = wr_bat_files[i];
		if (!f->deleted && wr_bat_listed(f) && strcmp(f->id, id) == 0)
			return f;
	}
	return NULL;
}

struct file *
wr_bat_new_file(const char *id, const char *filename, const char *purpose)
{
	struct file *f = wr_calloc(1, sizeof *f);
	struct wr_buf p = {0};

	snprintf(f->id, sizeof f->id, "%s", id);
	f->filename = wr_strdup(filename);
	f->purpose = purpose;
	f->created = (long)wall();
	wr_buf_printf(&p, "%s/%s", dir, id);
	f->path = p.s;
	add_file(f);
	return f;
}

struct file *
wr_bat_job_file(struct job *j, const char *id, const char *filename, const char *purpose)
{
	struct file *f = wr_bat_new_file(id, filename, purpose);

	f->job = j;
	return f;
}

/* Map path read-only; *len 0 and NULL for an empty file. */
char *
wr_bat_map_file(const char *path, size_t *len)
{
	struct stat st;
	void *m;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*len = 0;
	if (fd < 0 || fstat(fd, &st)) {
		wr_warn("%s:", path);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (st.st_size == 0) {
		close(fd);
		return NULL;
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED) {
		wr_warn("%s: mmap:", path);
		return NULL;
	}
	*len = (size_t)st.st_size;
	return m;
}

void
wr_bat_name_outputs(struct job *j, const struct state *s)
{
	if (!wr_bat_ended(s) || s->s == ST_FAILED || j->out || j->err || j->res)
		return;
	apis[j->vendor]->outputs(j, s);
}

static void
mark_ready(struct file *f)
{
	struct stat st;

	if (f && stat(f->path, &st) == 0) {
		f->bytes = (size_t)st.st_size;
		f->ready = 1;
	}
}

/* Put the content of f on disk if it is a job's output not made yet; 0, or -1. */
int
wr_bat_make_ready(struct file *f)
{
	struct state s;
	struct job *j = f->job;

	if (f->ready)
		return 0;
	wr_bat_state_now(j, &s);
	if (apis[j->vendor]->write(conf, j, &s))
		return -1;
	mark_ready(j->out);
	mark_ready(j->err);
	mark_ready(j->res);
	return f->ready ? 0 : -1;
}

/* ---------------------------------------------------------------- jobs */

void
wr_bat_start_job(struct job *j, enum vendor v, enum wr_batch_fault fault)
{
	const struct wr_bat_api *api = apis[v];

	j->vendor = v;
	j->fault = fault;
	j->seq = ++wr_bat_seq;
	if (api->id_digits)
		wr_bat_make_id(j->id, sizeof j->id, api->id_prefix, api->id_kind, j->seq, 0,
		    api->id_digits);
	else
		wr_bat_make_uuid(j->id, sizeof j->id, api->id_kind, j->seq, 0);
	j->wall0 = wall();
	j->t0 = mono_ms();
}

static void
add_job(struct job *j)
{
	if (wr_bat_njobs == capjobs) {
		capjobs = capjobs ? capjobs * 2 : 16;
		wr_bat_jobs = wr_realloc(wr_bat_jobs, capjobs * sizeof *wr_bat_jobs);
	}
	wr_bat_jobs[wr_bat_njobs++] = j;
}

static struct job *
find_job(const char *id, enum vendor v)
{
	size_t i;
	struct job *j;

	for (i = 0; i < wr_bat_njobs; i++) {
		j = wr_bat_jobs[i];
		if (!j->deleted && j->vendor == v && strcmp(j->id, id) == 0)
			return j;
	}
	return NULL;
}

struct job *
wr_bat_lock_job(struct wr_batch_call *b, struct wr_batch_answer *a)
{
	struct job *j;

	pthread_mutex_lock(&wr_bat_lock);
	if (!(j = find_job(b->id, b->v))) {
		pthread_mutex_unlock(&wr_bat_lock);
		no_batch(a, b, b->id);
	}
	return j;
}

/* Fill l from js's tokens id and body; the ID keeps its quotes, to be written back as it came. */
void
wr_bat_tok_line(struct line *l, const struct wr_json *js, size_t base, int id, int body)
{
	const jsmntok_t *t = js->tok;

	memset(l, 0, sizeof *l);
	if (id >= 0) {
		l->id_off = base + (size_t)t[id].start - 1;
		l->id_len = (uint32_t)(t[id].end - t[id].start + 2);
	}
	l->body_off = base + (size_t)t[body].start;
	l->body_len = (uint32_t)(t[body].end - t[body].start);
}

void
wr_bat_add_line(struct job *j, size_t *cap, const struct line *l)
{
	if (j->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		j->lines = wr_realloc(j->lines, *cap * sizeof *j->lines);
	}
	j->lines[j->n++] = *l;
}

void
wr_bat_check_lines(struct job *j, const struct wr_serve_dialect *d, const char *path)
{
	const struct line *l;
	size_t i;

	for (i = 0; i < j->n; i++) {
		l = &j->lines[i];
		j->lines[i].bad = !wr_bat_line_ok(d, path, j->map + l->body_off, l->body_len);
	}
}

void
wr_bat_free_job(struct job *j)
{
	if (j->map)
		munmap(j->map, j->maplen);
	free(j->input_file_id);
	free(j->endpoint);
	free(j->window);
	free(j->metadata);
	free(j->model);
	free(j->display);
	free(j->lines);
	free(j->errors);
	free(j);
}

void
wr_bat_created(struct wr_batch_answer *a, struct job *j, void (*json)(struct wr_buf *, struct job *))
{
	struct wr_buf out = {0};

	add_job(j);
	json(&out, j);
	a->lines = j->n;
	wr_bat_job_fault(a, j);
	wr_bat_answer_json(a, 200, &out);
	wr_buf_free(&out);
	wr_bat_hang(a, WR_HANG_CREATE);
}

/* Get or cancel the batch b names. */
static void
get_batch(struct wr_batch_call *b, struct wr_batch_answer *a, int cancel)
{
	const struct wr_bat_api *api = b->api;
	struct wr_buf out = {0};
	struct state s;
	struct job *j;
	int end;

	if (!(j = wr_bat_lock_job(b, a)))
		return;
	wr_bat_job_fault(a, j);
	a->lines = j->n;
	wr_bat_state_now(j, &s);
	end = wr_bat_ended(&s);
	if (cancel) {
		if (end) {
			pthread_mutex_unlock(&wr_bat_lock);
			if (api->operation)
				wr_bat_error(a, b, 400, "FAILED_PRECONDITION",
				    NULL, "Batch batches/%s has ended (its state is %s) and cannot be cancelled.",
				    j->id, api->status(&s));
			else
				wr_bat_error(a, b, api->cancel_ended, "invalid_request_error", NULL,
				    "Cannot cancel a batch that has ended (its status is %s).", api->status(&s));
			return;
		}
		if (!j->cancel && s.s != ST_CANCELLING) {
			j->cancel = 1;
			j->cancel_t = mono_ms() - j->t0;
		}
	}
	if (cancel && api->operation)
		wr_buf_adds(&out, "{}");
	else
		api->json(&out, j);
	pthread_mutex_unlock(&wr_bat_lock);
	wr_bat_answer_json(a, 200, &out);
	wr_buf_free(&out);
	/* Gemini's answers are in the batch: reading an ended one is fetching its content. */
	if (!cancel)
		wr_bat_hang(a, api->operation && end ? WR_HANG_CONTENT : WR_HANG_RETRIEVE);
}

/* The jobs of one vendor, newest first, after (older than) or before (newer than) the ID given. */
void
wr_bat_list(struct wr_batch_call *b, const struct wr_serve_req *q, struct wr_batch_answer *a)
{
	struct wr_buf out = {0};
	int anthropic = b->v == V_ANTHROPIC;
	enum vendor v = b->v;
	const char *after = q->arg(q, anthropic ? "after_id" : "after");
	const char *before = anthropic ? q->arg(q, "before_id") : NULL;
	long limit = wr_bat_num_arg(q, "limit", 20, 1, anthropic ? 1000 : 100);
	size_t i, lo = 0, hi, k = 0, first = 0, last = 0;
	int more = 0;
	struct job *j, **jobs;

	if (limit < 0) {
		wr_bat_error(a, b, 400, "invalid_request_error", "invalid_value",
		    "limit: must be a whole number from 1 to %d.", anthropic ? 1000 : 100);
		return;
	}
	pthread_mutex_lock(&wr_bat_lock);
	jobs = wr_bat_jobs;
	hi = wr_bat_njobs;
	/* Positions in jobs[], oldest first: the page is taken from hi-1 down to lo. */
	for (i = 0; i < wr_bat_njobs; i++) {
		j = jobs[i];
		if (j->deleted || j->vendor != v)
			continue;
		if (after && strcmp(j->id, after) == 0)
			hi = i;
		if (before && strcmp(j->id, before) == 0)
			lo = i + 1;
	}
	wr_buf_adds(&out, anthropic ? "{\"data\":[" : "{\"object\":\"list\",\"data\":[");
	if (before) {
		/* The page nearest before_id: the oldest limit jobs newer than it. */
		size_t n = 0;

		for (i = lo; i < hi; i++)
			if (!jobs[i]->deleted && jobs[i]->vendor == v && n++ == (size_t)limit)
				break;
		more = i < hi;
		hi = i;
	}
	for (i = hi; i-- > lo;) {
		j = jobs[i];
		if (j->deleted || j->vendor != v)
			continue;
		if (k == (size_t)limit) {
			k++;
			break;
		}
		if (k++)
			wr_buf_addc(&out, ',');
		else
			first = i;
		last = i;
		b->api->json(&out, j);
	}
	wr_buf_adds(&out, "]");
	if (!before)
		more = k > (size_t)limit;
	if (anthropic)
		wr_buf_printf(&out, ",\"has_more\":%s", more ? "true" : "false");
	wr_buf_adds(&out, ",\"first_id\":");
	if (k)
		wr_buf_printf(&out, "\"%s\"", jobs[first]->id);
	else
		wr_buf_adds(&out, "null");
	wr_buf_adds(&out, ",\"last_id\":");
	if (k)
		wr_buf_printf(&out, "\"%s\"", jobs[last]->id);
	else
		wr_buf_adds(&out, "null");
	if (!anthropic)
		wr_buf_printf(&out, ",\"has_more\":%s", more ? "true" : "false");
	wr_buf_adds(&out, "}");
	pthread_mutex_unlock(&wr_bat_lock);
	wr_bat_answer_json(a, 200, &out);
	wr_buf_free(&out);
}

/* ---------------------------------------------------------------- calls */

int
wr_bat_split(const char *path, size_t prefix, char *id, size_t size, const char **sub)
{
	const char *p = path + prefix, *slash;
	size_t n;

	*sub = "";
	id[0] = '\0';
	if (*p == '\0')
		return 0;
	p++;
	slash = strchr(p, '/');
	n = slash ? (size_t)(slash - p) : strlen(p);
	if (n == 0 || n >= size)
		return -1;
	memcpy(id, p, n);
	id[n] = '\0';
	if (slash) {
		*sub = slash + 1;
		if (strchr(*sub, '/') || !**sub)
			return -1;
	}
	return 0;
}

const char *
wr_bat_route_jobs(struct wr_batch_call *b, int get, int post, const char *path, size_t prefix)
{
	const char *sub;

	if (wr_bat_split(path, prefix, b->id, sizeof b->id, &sub))
		return NULL;
	if (!b->id[0]) {
		b->allow = "GET, HEAD, POST";
		b->op = post ? OP_CREATE : get ? OP_LIST : OP_BAD;
	} else if (!*sub) {
		b->allow = "GET, HEAD";
		b->op = get ? OP_GET : OP_BAD;
	} else if (strcmp(sub, "cancel") == 0) {
		b->allow = "POST";
		b->op = post ? OP_CANCEL : OP_BAD;
	}
	return sub;
}

/*
 * Make the private directory, under the lock. Only once something is
 * uploaded: a server that never sees a batch, or is killed, leaves nothing.
 */
static int
make_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	struct wr_buf b = {0};

	wr_buf_printf(&b, "%s/wr-serve.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(b.s)) {
		wr_warn("%s: cannot make the directory of the batch files:", b.s);
		wr_buf_free(&b);
		return -1;
	}
	dir = b.s;
	return 0;
}

/* A new file in the private directory for what a call uploads; every other file comes after one. */
int
wr_bat_open_upload(struct wr_batch_call *b)
{
	struct wr_buf p = {0};
	unsigned long n;

	pthread_mutex_lock(&wr_bat_lock);
	n = ++wr_bat_seq;
	if (!dir && make_dir()) {
		pthread_mutex_unlock(&wr_bat_lock);
		b->write_failed = 1;
		return -1;
	}
	pthread_mutex_unlock(&wr_bat_lock);
	wr_buf_printf(&p, "%s/upload-%lu", dir, n);
	b->path = p.s;
	if ((b->fd = wr_bat_create_temp(b->path)) < 0)
		b->write_failed = 1;
	return b->fd;
}

static void
write_upload(struct wr_batch_call *b, const char *data, size_t n)
{
	ssize_t w;

	if (b->too_big || b->write_failed)
		return;
	if (b->bytes + n > b->limit) {
		b->too_big = 1;
		return;
	}
	if (b->fd < 0 && wr_bat_open_upload(b) < 0)
		return;
	b->bytes += n;
	while (n) {
		if ((w = write(b->fd, data, n)) < 0) {
			if (errno == EINTR)
				continue;
			wr_warn("%s:", b->path);
			b->write_failed = 1;
			return;
		}
		data += w;
		n -= (size_t)w;
	}
}

static enum MHD_Result
post_field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
    const char *content_type, const char *transfer_encoding, const char *data, uint64_t off,
    size_t size)
{
	struct wr_batch_call *b = cls;

	(void)kind;
	(void)content_type;
	(void)transfer_encoding;
	(void)off;
	if (strcmp(key, "purpose") == 0) {
		if (b->purpose.len + size <= 64)
			wr_buf_add(&b->purpose, data, size);
	} else if (strcmp(key, "file") == 0) {
		if (!b->filename)
			b->filename = wr_strdup(filename ? filename : "upload.jsonl");
		if (b->fd < 0 && !b->write_failed)
			wr_bat_open_upload(b);
		if (size)
			write_upload(b, data, size);
	}
	return MHD_YES;
}

struct wr_batch_call *
wr_batch_open(const struct wr_serve_req *q, const struct wr_serve_dialect *d,
    struct MHD_Connection *conn)
{
	struct wr_batch_call *b = wr_calloc(1, sizeof *b);
	const char *m = q->method, *path = q->path;
	int get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;

	b->d = d;
	b->fd = -1;
	b->op = OP_UNKNOWN;
	b->v = d == &wr_serve_anthropic ? V_ANTHROPIC : d == &wr_serve_gemini ? V_GEMINI :
	    strncmp(path, MISTRAL_JOBS, 14) == 0 ? V_MISTRAL : V_OPENAI;
	b->api = apis[b->v];
	b->api->route(b, get, strcmp(m, "POST") == 0, strcmp(m, "DELETE") == 0, path);
	if (b->to == B_MULTIPART &&
	    !(b->pp = MHD_create_post_processor(conn, 65536, post_field, b)))
		b->pp_failed = 1;
	return b;
}

void
wr_batch_feed(struct wr_batch_call *b, const char *data, size_t n)
{
	size_t max = conf->max_body;

	if (b->to == B_MULTIPART) {
		if (b->pp && MHD_post_process(b->pp, data, n) != MHD_YES)
			b->pp_failed = 1;
	} else if (b->to == B_FILE) {
		write_upload(b, data, n);
	} else if (!b->too_big) {
		if (b->body.len + n > (max > SMALL_BODY ? max : SMALL_BODY)) {
			b->too_big = 1;
			wr_buf_free(&b->body);
		} else {
			wr_buf_add(&b->body, data, n);
		}
	}
}

void
wr_batch_close(struct wr_batch_call *b)
{
	if (!b)
		return;
	if (b->pp)
		MHD_destroy_post_processor(b->pp);
	if (b->fd >= 0)
		close(b->fd);
	if (b->path) {
		unlink(b->path);
		free(b->path);
	}
	free(b->filename);
	wr_buf_free(&b->purpose);
	wr_buf_free(&b->body);
	free(b);
}

int
wr_bat_json_body(struct wr_batch_call *b, struct wr_json *j, struct wr_batch_answer *a)
{
	const char *why;

	if (b->too_big) {
		wr_bat_derror(a, b, WR_ERR_TOO_BIG, NULL);
		return -1;
	}
	if (wr_json_parse(j, b->body.s ? b->body.s : "", b->body.len, &why) ||
	    j->tok[0].type != JSMN_OBJECT) {
		wr_bat_derror(a, b, WR_ERR_JSON, "The request body is not a JSON object.");
		return -1;
	}
	return 0;
}

/* The caller has answered a body too big. */
char *
wr_bat_map_body(struct wr_batch_call *b, struct wr_json *j, size_t *len, struct wr_batch_answer *a)
{
	const char *why;
	char *map = NULL;

	*len = 0;
	if (b->write_failed) {
		wr_bat_derror(a, b, WR_ERR_SERVER, "The batch could not be stored.");
		return NULL;
	}
	if (b->fd >= 0) {
		close(b->fd);
		b->fd = -1;
		map = wr_bat_map_file(b->path, len);
	}
	if (!map || wr_json_parse(j, map, *len, &why) || j->tok[0].type != JSMN_OBJECT) {
		wr_bat_derror(a, b, WR_ERR_JSON, NULL);
		if (map)
			munmap(map, *len);
		return NULL;
	}
	return map;
}

char *
wr_bat_json_string(const struct wr_json *j, int t)
{
	struct wr_buf s = {0};

	if (t < 0 || j->tok[t].type != JSMN_STRING || wr_json_str(j, t, &s)) {
		wr_buf_free(&s);
		return NULL;
	}
	if (!s.s)
		wr_buf_adds(&s, "");
	return s.s;
}

char *
wr_bat_json_object(const struct wr_json *j, int t)
{
	const char *text;
	size_t len;

	if (t < 0 || wr_json_isnull(j, t))
		return NULL;
	text = wr_json_text(j, t, &len);
	return wr_strndup(text, len);
}

long
wr_bat_num_arg(const struct wr_serve_req *q, const char *name, long def, long min, long max)
{
	const char *s = q->arg(q, name);
	char *end;
	long v;

	if (!s)
		return def;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	return v;
}

void
wr_batch_finish(struct wr_batch_call *b, const struct wr_serve_req *q, struct wr_batch_answer *a)
{
	const char *why;

	memset(a, 0, sizeof *a);
	if (b->d->check && (why = b->d->check(q)) != NULL) {
		wr_bat_derror(a, b, WR_ERR_INVALID, why);
		return;
	}
	switch (b->op) {
	case OP_UNKNOWN:
		wr_bat_error(a, b, 404, b->api->unknown[0], b->api->unknown[1],
		    "Unknown request URL: %s %.200s.", q->method, q->path);
		break;
	case OP_BAD:
		wr_bat_error(a, b, 405, b->api->bad_method[0], b->api->bad_method[1],
		    "Method %s is not allowed on %.200s.", q->method, q->path);
		MHD_add_response_header(a->resp, MHD_HTTP_HEADER_ALLOW, b->allow);
		break;
	case OP_CREATE:
		b->api->create(b, a);
		break;
	case OP_LIST:
		b->api->list(b, q, a);
		break;
	case OP_GET:
	case OP_CANCEL:
		get_batch(b, a, b->op == OP_CANCEL);
		break;
	default:
		b->api->finish(b, q, a);
		break;
	}
}
