/*
 * wr-serve's batch APIs: OpenAI Files and Batches, Anthropic Message Batches,
 * Gemini's batch mode and Mistral's batch jobs (on OpenAI's files), on a
 * compressed clock with job faults.
 */
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

#define GEMINI_BATCHES "/v1beta/batches"
#define GEMINI_MODELS "/v1beta/models/"
#define GEMINI_CREATE ":batchGenerateContent"
#define MISTRAL_JOBS "/v1/batch/jobs"

static const char *const fault_names[WR_NBFAULTS] = {
	"-", "invalid", "expire", "errors", "cancel", "create-429", "quota",
};
static const char *const step_names[WR_NHANG] = {"upload", "create", "retrieve", "content"};

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

static const char *const status_names[] = {
	"validating", "failed", "in_progress", "finalizing", "completed", "expired",
	"cancelling", "cancelled",
};

static const struct wr_serve_conf *conf;
static unsigned port;
static char *dir;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct file **files;
static size_t nfiles, capfiles;
static struct job **jobs;
static size_t njobs, capjobs;
static unsigned long seq;
static unsigned long *faults_left;
static size_t fault_at;
static int hung[WR_NHANG];
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
wr_bat_id(char *out, size_t size, const char *prefix, uint64_t seed, uint64_t kind, uint64_t a,
    uint64_t b, size_t ndigits)
{
	uint64_t in[4] = {kind, a, b, 0};
	char hex[17];
	size_t len = strlen(prefix), k;

	memcpy(out, prefix, len);
	for (k = 0; k < ndigits && len + 1 < size; k += 16) {
		in[3] = k;
		wr_id_hex(XXH3_64bits_withSeed(in, sizeof in, seed), hex);
		snprintf(out + len, size - len, "%.*s", (int)(ndigits - k < 16 ? ndigits - k : 16), hex);
		len = strlen(out);
	}
}

const struct wr_serve_dialect *
wr_batch_route(const struct wr_serve_req *q)
{
	const char *p = q->path;

	size_t n = strlen(p), m = sizeof GEMINI_CREATE - 1;

	if (strncmp(p, "/v1/messages/batches", 20) == 0 && (p[20] == '\0' || p[20] == '/'))
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
	port = p;
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

static void free_job(struct job *j);

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

	for (i = 0; i < nfiles; i++)
		free_file(files[i]);
	for (i = 0; i < njobs; i++)
		free_job(jobs[i]);
	free(files);
	free(jobs);
	files = NULL;
	jobs = NULL;
	nfiles = njobs = capfiles = capjobs = 0;
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

static void
make_id(char *out, size_t size, const char *prefix, uint64_t kind, uint64_t a, uint64_t b,
    size_t ndigits)
{
	wr_bat_id(out, size, prefix, conf->seed, kind, a, b, ndigits);
}

/* A UUID-shaped ID drawn like make_id's, as Mistral's IDs are. */
static void
make_uuid(char *out, size_t size, uint64_t kind, uint64_t a, uint64_t b)
{
	char hex[40];

	wr_bat_id(hex, sizeof hex, "", conf->seed, kind + 100, a, b, 32);
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

static void
state_now(const struct job *j, struct state *s)
{
	state_at(j, mono_ms() - j->t0, s);
}

static int
ended(const struct state *s)
{
	return s->s == ST_FAILED || s->s == ST_COMPLETED || s->s == ST_EXPIRED || s->s == ST_CANCELLED;
}

/* Gemini's BatchState: no validating or cancelling of its own. */
static const char *
gemini_state(const struct state *s)
{
	switch (s->s) {
	case ST_VALIDATING: return "BATCH_STATE_PENDING";
	case ST_FAILED: return "BATCH_STATE_FAILED";
	case ST_COMPLETED: return "BATCH_STATE_SUCCEEDED";
	case ST_EXPIRED: return "BATCH_STATE_EXPIRED";
	case ST_CANCELLED: return "BATCH_STATE_CANCELLED";
	default: return "BATCH_STATE_RUNNING";
	}
}

/* Mistral's BatchJobStatus; an expired job is one that exceeded its timeout_hours. */
static const char *
mistral_status(const struct state *s)
{
	switch (s->s) {
	case ST_VALIDATING: return "QUEUED";
	case ST_FAILED: return "FAILED";
	case ST_COMPLETED: return "SUCCESS";
	case ST_EXPIRED: return "TIMEOUT_EXCEEDED";
	case ST_CANCELLING: return "CANCELLATION_REQUESTED";
	case ST_CANCELLED: return "CANCELLED";
	default: return "RUNNING";
	}
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

/* ---------------------------------------------------------------- answers */

static void
answer_json(struct wr_batch_answer *a, unsigned status, const struct wr_buf *b)
{
	a->status = status;
	a->resp = MHD_create_response_from_buffer(b->len, b->s ? b->s : (char *)"",
	    MHD_RESPMEM_MUST_COPY);
	if (!a->resp)
		wr_die("out of memory");
	MHD_add_response_header(a->resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
}

/*
 * An error in v's shape: OpenAI {"error":{message,type,param,code}},
 * Anthropic {"type":"error",...}, Google {"error":{code,message,status}}
 * (type is the status), Mistral {"object":"error",message,type,param,code}.
 */
static void
verror(struct wr_batch_answer *a, enum vendor v, unsigned status, const char *type, const char *code,
    const char *fmt, va_list ap)
{
	struct wr_buf out = {0};
	char msg[512];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (v == V_ANTHROPIC) {
		wr_buf_printf(&out, "{\"type\":\"error\",\"error\":{\"type\":\"%s\",\"message\":", type);
		wr_json_escapes(&out, msg);
		wr_buf_adds(&out, "}}");
	} else if (v == V_GEMINI) {
		wr_buf_printf(&out, "{\"error\":{\"code\":%u,\"message\":", status);
		wr_json_escapes(&out, msg);
		wr_buf_printf(&out, ",\"status\":\"%s\"}}", type);
	} else if (v == V_MISTRAL) {
		wr_buf_adds(&out, "{\"object\":\"error\",\"message\":");
		wr_json_escapes(&out, msg);
		wr_buf_printf(&out, ",\"type\":\"%s\",\"param\":null,\"code\":", type);
		if (code)
			wr_buf_printf(&out, "\"%s\"}", code);
		else
			wr_buf_adds(&out, "null}");
	} else {
		wr_error_json(&out, msg, type, code);
	}
	answer_json(a, status, &out);
	wr_buf_free(&out);
}

/* An error in the shape of the vendor whose API b is a call to. */
static void
call_error(struct wr_batch_answer *a, const struct wr_batch_call *b, unsigned status,
    const char *type, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* One of the dialect's own errors (its table's status, type and message). */
static void
answer_derror(struct wr_batch_answer *a, const struct wr_serve_dialect *d, enum wr_serve_err e,
    const char *message)
{
	struct wr_buf out = {0};
	unsigned status = d->error(&out, e, message);

	answer_json(a, status, &out);
	wr_buf_free(&out);
}

static void
add_time(struct wr_buf *b, const struct job *j, uint64_t at)
{
	if (at == NEVER)
		wr_buf_adds(b, "null");
	else
		wr_buf_printf(b, "%ld", (long)(j->wall0 + (double)at / 1000));
}

/* An RFC 3339 time, as Anthropic writes them. */
static void
add_rfc3339(struct wr_buf *b, double t)
{
	char s[40];
	struct tm tm;
	time_t sec = (time_t)t;

	gmtime_r(&sec, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
	wr_buf_printf(b, "\"%s.%06ldZ\"", s, (long)((t - (double)sec) * 1e6));
}

static void
add_rfc3339_at(struct wr_buf *b, const struct job *j, uint64_t at)
{
	if (at == NEVER)
		wr_buf_adds(b, "null");
	else
		add_rfc3339(b, j->wall0 + (double)at / 1000);
}

/* ---------------------------------------------------------------- files */

static void
add_file(struct file *f)
{
	if (nfiles == capfiles) {
		capfiles = capfiles ? capfiles * 2 : 16;
		files = wr_realloc(files, capfiles * sizeof *files);
	}
	files[nfiles++] = f;
}

/* Is f one of the Files API's? Gemini's inlined responses are kept in a file only to be read back. */
static int
listed(const struct file *f)
{
	return !f->job || f->job->vendor != V_GEMINI;
}

static struct file *
find_file(const char *id)
{
	size_t i;

	for (i = 0; i < nfiles; i++)
		if (!files[i]->deleted && listed(files[i]) && strcmp(files[i]->id, id) == 0)
			return files[i];
	return NULL;
}

static struct file *
new_file(const char *id, const char *filename, const char *purpose)
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

/* Map path read-only; *len 0 and NULL for an empty file. */
static char *
map_file(const char *path, size_t *len)
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

static void
file_json(struct wr_buf *b, struct file *f)
{
	wr_buf_printf(b, "{\"id\":\"%s\",\"object\":\"file\",\"bytes\":%zu,\"created_at\":%ld,"
	    "\"filename\":", f->id, f->bytes, f->created);
	wr_json_escapes(b, f->filename);
	wr_buf_printf(b, ",\"purpose\":\"%s\",\"status\":\"processed\"}", f->purpose);
}

/* When j has ended, name its output files (OpenAI: only those that are not empty). */
static void
name_outputs(struct job *j, const struct state *s)
{
	char id[48], name[96];
	size_t bad;

	if (!ended(s) || s->s == ST_FAILED || j->out || j->err || j->res)
		return;
	if (j->anthropic || j->vendor == V_GEMINI) {
		make_id(id, sizeof id, j->anthropic ? "results_" : "inlined_", 5, j->seq, 0, 24);
		j->res = new_file(id, "results.jsonl", "batch_output");
		j->res->job = j;
		return;
	}
	bad = wr_bat_errors_in(j, s->done);
	if (j->vendor == V_MISTRAL) {
		/* Mistral: the answers in one file, the errored lines in another; what the job did not reach in none. */
		if (s->done > bad) {
			make_uuid(id, sizeof id, 1, j->seq, 1);
			snprintf(name, sizeof name, "%s.jsonl", id);
			j->out = new_file(id, name, "batch_result");
			j->out->job = j;
		}
		if (bad) {
			make_uuid(id, sizeof id, 1, j->seq, 2);
			snprintf(name, sizeof name, "%s_error.jsonl", id);
			j->err = new_file(id, name, "batch_result");
			j->err->job = j;
		}
		return;
	}
	if (s->done > bad) {
		make_id(id, sizeof id, "file-", 1, j->seq, 1, 24);
		snprintf(name, sizeof name, "%s_output.jsonl", j->id);
		j->out = new_file(id, name, "batch_output");
		j->out->job = j;
	}
	if (bad || s->done < j->n) {
		make_id(id, sizeof id, "file-", 1, j->seq, 2, 24);
		snprintf(name, sizeof name, "%s_error.jsonl", j->id);
		j->err = new_file(id, name, "batch_output");
		j->err->job = j;
	}
}

/* Put the content of f on disk if it is a job's output not made yet; 0, or -1. */
static int
make_ready(struct file *f)
{
	struct state s;
	struct stat st;
	struct job *j = f->job;
	int ret;

	if (f->ready)
		return 0;
	state_now(j, &s);
	ret = j->anthropic ? wr_bat_write_results(conf, j, &s) : j->vendor == V_GEMINI ?
	    wr_bat_write_inlined(conf, j, &s) : wr_bat_write_output(conf, j, &s);
	if (ret)
		return -1;
	if (j->out && stat(j->out->path, &st) == 0) {
		j->out->bytes = (size_t)st.st_size;
		j->out->ready = 1;
	}
	if (j->err && stat(j->err->path, &st) == 0) {
		j->err->bytes = (size_t)st.st_size;
		j->err->ready = 1;
	}
	if (j->res && stat(j->res->path, &st) == 0) {
		j->res->bytes = (size_t)st.st_size;
		j->res->ready = 1;
	}
	return f->ready ? 0 : -1;
}

/* ---------------------------------------------------------------- jobs */

static void
add_job(struct job *j)
{
	if (njobs == capjobs) {
		capjobs = capjobs ? capjobs * 2 : 16;
		jobs = wr_realloc(jobs, capjobs * sizeof *jobs);
	}
	jobs[njobs++] = j;
}

static struct job *
find_job(const char *id, enum vendor v)
{
	size_t i;

	for (i = 0; i < njobs; i++)
		if (!jobs[i]->deleted && jobs[i]->vendor == v && strcmp(jobs[i]->id, id) == 0)
			return jobs[i];
	return NULL;
}

static void
add_lines(struct job *j, size_t *cap, const struct line *l)
{
	if (j->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		j->lines = wr_realloc(j->lines, *cap * sizeof *j->lines);
	}
	j->lines[j->n++] = *l;
}

static void
openai_batch_json(struct wr_buf *b, struct job *j)
{
	struct state s;
	size_t bad;

	state_now(j, &s);
	name_outputs(j, &s);
	bad = wr_bat_errors_in(j, s.done);
	wr_buf_printf(b, "{\"id\":\"%s\",\"object\":\"batch\",\"endpoint\":", j->id);
	wr_json_escapes(b, j->endpoint);
	wr_buf_adds(b, ",\"errors\":");
	if (j->errors && s.s == ST_FAILED)
		wr_buf_printf(b, "{\"object\":\"list\",\"data\":[%s]}", j->errors);
	else
		wr_buf_adds(b, "null");
	wr_buf_adds(b, ",\"input_file_id\":");
	wr_json_escapes(b, j->input_file_id);
	wr_buf_adds(b, ",\"completion_window\":");
	wr_json_escapes(b, j->window);
	wr_buf_printf(b, ",\"status\":\"%s\",\"output_file_id\":", status_names[s.s]);
	if (j->out)
		wr_buf_printf(b, "\"%s\"", j->out->id);
	else
		wr_buf_adds(b, "null");
	wr_buf_adds(b, ",\"error_file_id\":");
	if (j->err)
		wr_buf_printf(b, "\"%s\"", j->err->id);
	else
		wr_buf_adds(b, "null");
	wr_buf_printf(b, ",\"created_at\":%ld,\"in_progress_at\":", (long)j->wall0);
	add_time(b, j, s.at_progress);
	wr_buf_printf(b, ",\"expires_at\":%ld,\"finalizing_at\":", (long)j->wall0 + 86400);
	add_time(b, j, s.at_final);
	wr_buf_adds(b, ",\"completed_at\":");
	add_time(b, j, s.s == ST_COMPLETED ? s.at_end : NEVER);
	wr_buf_adds(b, ",\"failed_at\":");
	add_time(b, j, s.s == ST_FAILED ? s.at_end : NEVER);
	wr_buf_adds(b, ",\"expired_at\":");
	add_time(b, j, s.s == ST_EXPIRED ? s.at_end : NEVER);
	wr_buf_adds(b, ",\"cancelling_at\":");
	add_time(b, j, s.at_cancel);
	wr_buf_adds(b, ",\"cancelled_at\":");
	add_time(b, j, s.s == ST_CANCELLED ? s.at_end : NEVER);
	wr_buf_printf(b, ",\"request_counts\":{\"total\":%zu,\"completed\":%zu,\"failed\":%zu},"
	    "\"metadata\":%s}", j->errors ? 0 : j->n, s.done - bad, bad,
	    j->metadata ? j->metadata : "null");
}

static void
anthropic_batch_json(struct wr_buf *b, struct job *j)
{
	struct state s;
	size_t bad, rest;
	int end;

	state_now(j, &s);
	name_outputs(j, &s);
	end = ended(&s);
	bad = end ? wr_bat_errors_in(j, s.done) : 0;
	rest = end ? j->n - s.done : 0;
	wr_buf_printf(b, "{\"id\":\"%s\",\"type\":\"message_batch\",\"processing_status\":\"%s\","
	    "\"request_counts\":{\"processing\":%zu,\"succeeded\":%zu,\"errored\":%zu,"
	    "\"canceled\":%zu,\"expired\":%zu},\"ended_at\":", j->id,
	    end ? "ended" : s.s == ST_CANCELLING ? "canceling" : "in_progress",
	    end ? 0 : j->n, end ? s.done - bad : 0, bad,
	    s.s == ST_CANCELLED ? rest : 0, s.s == ST_EXPIRED ? rest : 0);
	add_rfc3339_at(b, j, end ? s.at_end : NEVER);
	wr_buf_adds(b, ",\"created_at\":");
	add_rfc3339(b, j->wall0);
	wr_buf_adds(b, ",\"expires_at\":");
	add_rfc3339(b, j->wall0 + 86400);
	wr_buf_adds(b, ",\"archived_at\":null,\"cancel_initiated_at\":");
	add_rfc3339_at(b, j, s.at_cancel);
	wr_buf_adds(b, ",\"results_url\":");
	if (end)
		wr_buf_printf(b, "\"http://127.0.0.1:%u/v1/messages/batches/%s/results\"", port, j->id);
	else
		wr_buf_adds(b, "null");
	wr_buf_adds(b, "}");
}


/* The latest moment of j's clock that has passed, for Gemini's updateTime. */
static uint64_t
last_event(const struct state *s)
{
	uint64_t t = 0;

	if (s->at_progress != NEVER && s->at_progress > t)
		t = s->at_progress;
	if (s->at_final != NEVER && s->at_final > t)
		t = s->at_final;
	if (s->at_cancel != NEVER && s->at_cancel > t)
		t = s->at_cancel;
	if (s->at_end != NEVER && s->at_end > t)
		t = s->at_end;
	return t;
}

/* Append the content of path; 0, or -1 with a warning. */
static int
add_file_text(struct wr_buf *b, const char *path)
{
	char *m;
	size_t len;

	m = map_file(path, &len);
	if (!m)
		return len == 0 && access(path, F_OK) == 0 ? 0 : -1;
	wr_buf_add(b, m, len);
	munmap(m, len);
	return 0;
}

/*
 * An Operation whose metadata is the GenerateContentBatch (int64 counts
 * as strings, zero counts left out, as proto3 JSON does). With full, an
 * ended batch carries its InlinedResponses twice, as the API does: in
 * metadata.output, which @google/genai reads, and in response.
 */
static void
gemini_batch_json(struct wr_buf *b, struct job *j, int full)
{
	struct state s;
	struct wr_buf out = {0};
	size_t bad;
	int end, have = 0;

	state_now(j, &s);
	name_outputs(j, &s);
	end = ended(&s);
	bad = wr_bat_errors_in(j, s.done);
	if (full && end && s.s != ST_FAILED && j->res) {
		if (make_ready(j->res) == 0 && add_file_text(&out, j->res->path) == 0)
			have = 1;
	}
	wr_buf_printf(b, "{\"name\":\"batches/%s\",\"metadata\":{\"@type\":\"type.googleapis.com/"
	    "google.ai.generativelanguage.v1main.GenerateContentBatch\",\"model\":\"models/", j->id);
	wr_json_escape_in(b, j->model, strlen(j->model));
	wr_buf_adds(b, "\",\"displayName\":");
	wr_json_escapes(b, j->display);
	if (have) {
		wr_buf_adds(b, ",\"output\":{\"inlinedResponses\":{\"inlinedResponses\":[");
		wr_buf_add(b, out.s, out.len);
		wr_buf_adds(b, "]}}");
	}
	wr_buf_adds(b, ",\"createTime\":");
	add_rfc3339(b, j->wall0);
	if (end) {
		wr_buf_adds(b, ",\"endTime\":");
		add_rfc3339_at(b, j, s.at_end);
	}
	wr_buf_adds(b, ",\"updateTime\":");
	add_rfc3339_at(b, j, last_event(&s));
	wr_buf_printf(b, ",\"batchStats\":{\"requestCount\":\"%zu\"", j->n);
	if (s.done > bad)
		wr_buf_printf(b, ",\"successfulRequestCount\":\"%zu\"", s.done - bad);
	if (bad)
		wr_buf_printf(b, ",\"failedRequestCount\":\"%zu\"", bad);
	if (!end && j->n > s.done)
		wr_buf_printf(b, ",\"pendingRequestCount\":\"%zu\"", j->n - s.done);
	wr_buf_printf(b, "},\"state\":\"%s\",\"name\":\"batches/%s\"}", gemini_state(&s), j->id);
	if (end) {
		wr_buf_adds(b, ",\"done\":true");
		if (s.s == ST_FAILED) {
			/* j->errors is the Status of the failure. */
			wr_buf_printf(b, ",\"error\":%s", j->errors);
		} else if (have) {
			wr_buf_adds(b, ",\"response\":{\"@type\":\"type.googleapis.com/google.ai."
			    "generativelanguage.v1main.GenerateContentBatchOutput\",\"inlinedResponses\":"
			    "{\"inlinedResponses\":[");
			wr_buf_add(b, out.s, out.len);
			wr_buf_adds(b, "]}}");
		}
	}
	wr_buf_addc(b, '}');
	wr_buf_free(&out);
}

/* Mistral's BatchJobOut. */
static void
mistral_batch_json(struct wr_buf *b, struct job *j)
{
	struct state s;
	size_t bad;
	int end;

	state_now(j, &s);
	name_outputs(j, &s);
	end = ended(&s);
	bad = wr_bat_errors_in(j, s.done);
	wr_buf_printf(b, "{\"id\":\"%s\",\"object\":\"batch\",\"input_files\":[", j->id);
	wr_json_escapes(b, j->input_file_id);
	wr_buf_printf(b, "],\"metadata\":%s,\"endpoint\":", j->metadata ? j->metadata : "null");
	wr_json_escapes(b, j->endpoint);
	wr_buf_adds(b, ",\"model\":");
	wr_json_escapes(b, j->model);
	wr_buf_adds(b, ",\"output_file\":");
	if (j->out)
		wr_buf_printf(b, "\"%s\"", j->out->id);
	else
		wr_buf_adds(b, "null");
	wr_buf_adds(b, ",\"error_file\":");
	if (j->err)
		wr_buf_printf(b, "\"%s\"", j->err->id);
	else
		wr_buf_adds(b, "null");
	wr_buf_printf(b, ",\"errors\":[%s],\"status\":\"%s\",\"created_at\":%ld,"
	    "\"total_requests\":%zu,\"completed_requests\":%zu,\"succeeded_requests\":%zu,"
	    "\"failed_requests\":%zu,\"started_at\":", j->errors && s.s == ST_FAILED ? j->errors : "",
	    mistral_status(&s), (long)j->wall0, j->errors ? 0 : j->n, s.done, s.done - bad, bad);
	add_time(b, j, s.at_progress);
	wr_buf_adds(b, ",\"completed_at\":");
	add_time(b, j, end ? s.at_end : NEVER);
	wr_buf_addc(b, '}');
}

static void
batch_json(struct wr_buf *b, struct job *j)
{
	if (j->anthropic)
		anthropic_batch_json(b, j);
	else if (j->vendor == V_GEMINI)
		gemini_batch_json(b, j, 1);
	else if (j->vendor == V_MISTRAL)
		mistral_batch_json(b, j);
	else
		openai_batch_json(b, j);
}

static struct job *
new_job(enum vendor v)
{
	struct job *j = wr_calloc(1, sizeof *j);

	j->vendor = v;
	j->anthropic = v == V_ANTHROPIC;
	j->seq = ++seq;
	if (v == V_ANTHROPIC)
		make_id(j->id, sizeof j->id, "msgbatch_", 6, j->seq, 0, 24);
	else if (v == V_GEMINI)
		make_id(j->id, sizeof j->id, "", 7, j->seq, 0, 32);
	else if (v == V_MISTRAL)
		make_uuid(j->id, sizeof j->id, 8, j->seq, 0);
	else
		make_id(j->id, sizeof j->id, "batch_", 2, j->seq, 0, 32);
	j->wall0 = wall();
	j->t0 = mono_ms();
	return j;
}

static void
free_job(struct job *j)
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

/* ---------------------------------------------------------------- calls */

enum op {
	OP_BAD, OP_UPLOAD, OP_FILES, OP_FILE, OP_FILE_DELETE, OP_CONTENT,
	OP_CREATE, OP_LIST, OP_GET, OP_CANCEL,
	OP_A_CREATE, OP_A_LIST, OP_A_GET, OP_A_CANCEL, OP_A_RESULTS, OP_A_DELETE,
	OP_G_CREATE, OP_G_LIST, OP_G_GET, OP_G_CANCEL, OP_G_DELETE,
	OP_M_CREATE, OP_M_LIST, OP_M_GET, OP_M_CANCEL,
	OP_UNKNOWN
};

struct wr_batch_call {
	const struct wr_serve_dialect *d;
	enum vendor v;
	enum op op;
	const char *allow;           /* for OP_BAD: the methods the URL takes */
	char id[128];                /* the object named in the path (Gemini's create: the model) */
	struct wr_buf body;
	int too_big;
	/* a multipart upload, or the body of an Anthropic or Gemini create, goes to a file */
	struct MHD_PostProcessor *pp;
	int pp_failed;
	int fd;
	char *path;
	size_t bytes;
	char *filename;
	struct wr_buf purpose;
	int write_failed;
};

static void
call_error(struct wr_batch_answer *a, const struct wr_batch_call *b, unsigned status,
    const char *type, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(a, b->v, status, type, code, fmt, ap);
	va_end(ap);
}

/* Split "/PREFIX/ID/SUB": copies ID (which may be empty) and points *sub at SUB or "". */
static int
split(const char *path, size_t prefix, char *id, size_t size, const char **sub)
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

/* Gemini: models/MODEL:batchGenerateContent, batches, batches/ID, batches/ID:cancel. */
static void
route_gemini(struct wr_batch_call *b, const char *method, const char *path)
{
	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	int post = strcmp(method, "POST") == 0, del = strcmp(method, "DELETE") == 0;
	size_t n;
	const char *sub, *colon;

	if (strncmp(path, GEMINI_MODELS, 15) == 0) {
		n = strlen(path) - 15 - (sizeof GEMINI_CREATE - 1);
		if (n == 0 || n >= sizeof b->id || memchr(path + 15, '/', n))
			return;
		memcpy(b->id, path + 15, n);
		b->id[n] = '\0';
		b->allow = "POST";
		b->op = post ? OP_G_CREATE : OP_BAD;
		return;
	}
	if (split(path, 15, b->id, sizeof b->id, &sub) || *sub)
		return;
	if (!b->id[0]) {
		b->allow = "GET, HEAD";
		b->op = get ? OP_G_LIST : OP_BAD;
		return;
	}
	if ((colon = strchr(b->id, ':')) != NULL) {
		if (strcmp(colon, ":cancel") != 0)
			return;
		b->id[colon - b->id] = '\0';
		b->allow = "POST";
		b->op = post ? OP_G_CANCEL : OP_BAD;
		return;
	}
	b->allow = "GET, HEAD, DELETE";
	b->op = get ? OP_G_GET : del ? OP_G_DELETE : OP_BAD;
}

static void
route_call(struct wr_batch_call *b, const char *method, const char *path)
{
	int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	int post = strcmp(method, "POST") == 0, del = strcmp(method, "DELETE") == 0;
	const char *sub;

	b->op = OP_UNKNOWN;
	b->v = b->d == &wr_serve_anthropic ? V_ANTHROPIC : b->d == &wr_serve_gemini ? V_GEMINI :
	    strncmp(path, MISTRAL_JOBS, 14) == 0 ? V_MISTRAL : V_OPENAI;
	if (b->v == V_GEMINI) {
		route_gemini(b, method, path);
		return;
	}
	if (b->v == V_MISTRAL) {
		if (split(path, 14, b->id, sizeof b->id, &sub))
			return;
		if (!b->id[0]) {
			b->allow = "GET, HEAD, POST";
			b->op = post ? OP_M_CREATE : get ? OP_M_LIST : OP_BAD;
		} else if (!*sub) {
			b->allow = "GET, HEAD";
			b->op = get ? OP_M_GET : OP_BAD;
		} else if (strcmp(sub, "cancel") == 0) {
			b->allow = "POST";
			b->op = post ? OP_M_CANCEL : OP_BAD;
		}
		return;
	}
	if (b->d == &wr_serve_anthropic) {
		if (split(path, 20, b->id, sizeof b->id, &sub))
			return;
		if (!b->id[0]) {
			b->allow = "GET, HEAD, POST";
			b->op = post ? OP_A_CREATE : get ? OP_A_LIST : OP_BAD;
		} else if (!*sub) {
			b->allow = "GET, HEAD, DELETE";
			b->op = get ? OP_A_GET : del ? OP_A_DELETE : OP_BAD;
		} else if (strcmp(sub, "cancel") == 0) {
			b->allow = "POST";
			b->op = post ? OP_A_CANCEL : OP_BAD;
		} else if (strcmp(sub, "results") == 0) {
			b->allow = "GET, HEAD";
			b->op = get ? OP_A_RESULTS : OP_BAD;
		}
		return;
	}
	if (strncmp(path, "/v1/files", 9) == 0) {
		if (split(path, 9, b->id, sizeof b->id, &sub))
			return;
		if (!b->id[0]) {
			b->allow = "GET, HEAD, POST";
			b->op = post ? OP_UPLOAD : get ? OP_FILES : OP_BAD;
		} else if (!*sub) {
			b->allow = "GET, HEAD, DELETE";
			b->op = get ? OP_FILE : del ? OP_FILE_DELETE : OP_BAD;
		} else if (strcmp(sub, "content") == 0) {
			b->allow = "GET, HEAD";
			b->op = get ? OP_CONTENT : OP_BAD;
		}
		return;
	}
	if (split(path, 11, b->id, sizeof b->id, &sub))
		return;
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
static int
open_upload(struct wr_batch_call *b)
{
	struct wr_buf p = {0};
	unsigned long n;

	pthread_mutex_lock(&lock);
	n = ++seq;
	if (!dir && make_dir()) {
		pthread_mutex_unlock(&lock);
		b->write_failed = 1;
		return -1;
	}
	pthread_mutex_unlock(&lock);
	wr_buf_printf(&p, "%s/upload-%lu", dir, n);
	b->path = p.s;
	if ((b->fd = wr_bat_create_temp(b->path)) < 0)
		b->write_failed = 1;
	return b->fd;
}

static void
write_upload(struct wr_batch_call *b, const char *data, size_t n, size_t limit)
{
	ssize_t w;

	if (b->too_big || b->write_failed)
		return;
	if (b->bytes + n > limit) {
		b->too_big = 1;
		return;
	}
	if (b->fd < 0 && open_upload(b) < 0)
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
			open_upload(b);
		if (size)
			write_upload(b, data, size, WR_BATCH_MAX_UPLOAD);
	}
	return MHD_YES;
}

struct wr_batch_call *
wr_batch_open(const struct wr_serve_req *q, const struct wr_serve_dialect *d,
    struct MHD_Connection *conn)
{
	struct wr_batch_call *b = wr_calloc(1, sizeof *b);

	b->d = d;
	b->fd = -1;
	route_call(b, q->method, q->path);
	if (b->op == OP_UPLOAD &&
	    !(b->pp = MHD_create_post_processor(conn, 65536, post_field, b)))
		b->pp_failed = 1;
	return b;
}

void
wr_batch_feed(struct wr_batch_call *b, const char *data, size_t n)
{
	if (b->op == OP_UPLOAD) {
		if (b->pp && MHD_post_process(b->pp, data, n) != MHD_YES)
			b->pp_failed = 1;
	} else if (b->op == OP_A_CREATE) {
		write_upload(b, data, n, WR_BATCH_MAX_CREATE);
	} else if (b->op == OP_G_CREATE) {
		write_upload(b, data, n, WR_BATCH_MAX_GEMINI);
	} else if (!b->too_big) {
		if (b->body.len + n > (conf->max_body > SMALL_BODY ? conf->max_body : SMALL_BODY)) {
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

/* Hang this answer if it is the first of step to succeed under --batch-hang. */
static void
maybe_hang(struct wr_batch_answer *a, enum wr_batch_step step)
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

static void
job_fault(struct wr_batch_answer *a, const struct job *j)
{
	if (j->fault != WR_BF_NONE)
		a->fault = fault_names[j->fault];
}

/* Parse a JSON body into *j; 0, or -1 with the error answered. */
static int
json_body(struct wr_batch_call *b, struct wr_json *j, struct wr_batch_answer *a)
{
	const char *why;

	if (b->too_big) {
		answer_derror(a, b->d, WR_ERR_TOO_BIG, NULL);
		return -1;
	}
	if (wr_json_parse(j, b->body.s ? b->body.s : "", b->body.len, &why) ||
	    j->tok[0].type != JSMN_OBJECT) {
		answer_derror(a, b->d, WR_ERR_JSON, "The request body is not a JSON object.");
		return -1;
	}
	return 0;
}

/* The string at token t, decoded into a new string; NULL unless t is a string. */
static char *
json_string(const struct wr_json *j, int t)
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

/* A ?NAME= from min to max, or def when absent; -1 when it is not one. */
static long
num_arg(const struct wr_serve_req *q, const char *name, long def, long min, long max)
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

/* ---------------------------------------------------------------- OpenAI */

static void
do_upload(struct wr_batch_call *b, struct wr_batch_answer *a)
{
	struct wr_buf out = {0};
	struct file *f;
	char id[48];

	if (b->pp) {
		MHD_destroy_post_processor(b->pp);
		b->pp = NULL;
	}
	if (b->pp_failed) {
		call_error(a, b, 400, "invalid_request_error", NULL,
		    "The body must be multipart/form-data with the fields purpose and file.");
		return;
	}
	if (b->too_big) {
		call_error(a, b, 413, "invalid_request_error", "file_too_large",
		    "File is larger than the %lu bytes allowed.", WR_BATCH_MAX_UPLOAD);
		return;
	}
	if (b->write_failed) {
		answer_derror(a, b->d, WR_ERR_SERVER, "The file could not be stored.");
		return;
	}
	if (!b->purpose.len) {
		call_error(a, b, 400, "invalid_request_error", NULL,
		    "Missing required parameter: 'purpose'.");
		return;
	}
	if (strcmp(b->purpose.s, "batch") != 0) {
		call_error(a, b, 400, "invalid_request_error", NULL,
		    "Invalid value for 'purpose': wr-serve takes files of purpose 'batch' only.");
		return;
	}
	if (!b->filename) {
		call_error(a, b, 400, "invalid_request_error", NULL,
		    "Missing required parameter: 'file'.");
		return;
	}
	if (b->fd < 0 && open_upload(b) < 0) {
		answer_derror(a, b->d, WR_ERR_SERVER, "The file could not be stored.");
		return;
	}
	pthread_mutex_lock(&lock);
	make_id(id, sizeof id, "file-", 1, ++seq, 0, 24);
	f = new_file(id, b->filename, "batch");
	f->bytes = b->bytes;
	if (rename(b->path, f->path)) {
		wr_warn("%s:", f->path);
		f->deleted = 1;
		pthread_mutex_unlock(&lock);
		answer_derror(a, b->d, WR_ERR_SERVER, "The file could not be stored.");
		return;
	}
	f->ready = 1;
	free(b->path);
	b->path = NULL;
	file_json(&out, f);
	pthread_mutex_unlock(&lock);
	answer_json(a, 200, &out);
	wr_buf_free(&out);
	maybe_hang(a, WR_HANG_UPLOAD);
}

static void
no_file(struct wr_batch_answer *a, const struct wr_batch_call *b, const char *id)
{
	call_error(a, b, 404, "invalid_request_error", NULL,
	    "No such File object: %.100s", id);
}

static void
no_batch(struct wr_batch_answer *a, const struct wr_batch_call *b, const char *id)
{
	if (b->v == V_ANTHROPIC)
		call_error(a, b, 404, "not_found_error", NULL, "No message batch with id %.100s.", id);
	else if (b->v == V_GEMINI)
		call_error(a, b, 404, "NOT_FOUND", NULL, "Requested entity was not found: batches/%.100s.", id);
	else if (b->v == V_MISTRAL)
		call_error(a, b, 404, "invalid_request_error", NULL, "No batch job with id %.100s.", id);
	else
		call_error(a, b, 404, "invalid_request_error", NULL, "No such Batch object: %.100s", id);
}

static void
do_files(struct wr_batch_call *b, struct wr_batch_answer *a)
{
	struct wr_buf out = {0};
	size_t i, k = 0;

	(void)b;
	wr_buf_adds(&out, "{\"object\":\"list\",\"data\":[");
	for (i = nfiles; i-- > 0;) {
		if (files[i]->deleted || !listed(files[i]) || (!files[i]->ready && make_ready(files[i])))
			continue;
		if (k++)
			wr_buf_addc(&out, ',');
		file_json(&out, files[i]);
	}
	wr_buf_adds(&out, "],\"has_more\":false}");
	answer_json(a, 200, &out);
	wr_buf_free(&out);
}

static void
do_file(struct wr_batch_call *b, struct wr_batch_answer *a, int del, int content)
{
	struct wr_buf out = {0};
	struct file *f = find_file(b->id);
	int fd;

	if (!f) {
		no_file(a, b, b->id);
		return;
	}
	if (f->job)
		job_fault(a, f->job);
	if (make_ready(f)) {
		answer_derror(a, b->d, WR_ERR_SERVER, "The file could not be made.");
		return;
	}
	if (del) {
		f->deleted = 1;
		unlink(f->path);
		wr_buf_printf(&out, "{\"id\":\"%s\",\"object\":\"file\",\"deleted\":true}", f->id);
		answer_json(a, 200, &out);
		wr_buf_free(&out);
		return;
	}
	if (!content) {
		file_json(&out, f);
		answer_json(a, 200, &out);
		wr_buf_free(&out);
		return;
	}
	if ((fd = open(f->path, O_RDONLY | O_CLOEXEC)) < 0) {
		wr_warn("%s:", f->path);
		answer_derror(a, b->d, WR_ERR_SERVER, "The file could not be read.");
		return;
	}
	a->status = 200;
	if (!(a->resp = MHD_create_response_from_fd64(f->bytes, fd)))
		wr_die("out of memory");
	MHD_add_response_header(a->resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	if (f->job)
		a->lines = f->job->n;
	maybe_hang(a, WR_HANG_CONTENT);
}

/*
 * The error of line lineno (0: of no line) of j's input file in j's shape:
 * OpenAI's {"code","message","param","line"}, Mistral's {"message","count"}.
 */
static void
input_error(struct wr_buf *e, const struct job *j, const char *code, const char *message,
    const char *param, size_t lineno)
{
	struct wr_buf m = {0};

	if (j->vendor == V_MISTRAL) {
		if (lineno)
			wr_buf_printf(&m, "Line %zu: ", lineno);
		wr_buf_adds(&m, message);
		wr_buf_adds(e, "{\"message\":");
		wr_json_escapes(e, m.s);
		wr_buf_adds(e, ",\"count\":1}");
		wr_buf_free(&m);
		return;
	}
	wr_buf_printf(e, "{\"code\":\"%s\",\"message\":", code);
	wr_json_escapes(e, message);
	wr_buf_adds(e, ",\"param\":");
	if (param)
		wr_buf_printf(e, "\"%s\"", param);
	else
		wr_buf_adds(e, "null");
	if (lineno)
		wr_buf_printf(e, ",\"line\":%zu}", lineno);
	else
		wr_buf_adds(e, ",\"line\":null}");
}

/*
 * Check the lines of an input file into j; the first error goes to
 * j->errors. OpenAI's lines name their method and url; Mistral's need not
 * (the job names the endpoint), and are answered by the job's model.
 */
static void
check_input(struct job *j)
{
	struct wr_json js;
	struct wr_map ids;
	struct wr_buf e = {0}, m = {0};
	const char *p = j->map, *end = j->map + j->maplen, *nl, *why;
	size_t cap = 0, lineno = 0, len;
	int t, id, body, added, mistral = j->vendor == V_MISTRAL;
	struct line l;

	wr_json_init(&js);
	wr_map_init(&ids);
	for (; p && p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		lineno++;
		len = (size_t)(nl - p);
		if (wr_blank(p, len))
			continue;
		memset(&l, 0, sizeof l);
		if (wr_json_parse(&js, p, len, &why) || js.tok[0].type != JSMN_OBJECT) {
			input_error(&e, j, "invalid_json_line", "This line is not parseable as valid JSON.",
			    NULL, lineno);
			break;
		}
		id = wr_json_get(&js, 0, "custom_id");
		body = wr_json_get(&js, 0, "body");
		t = wr_json_get(&js, 0, "url");
		if (id < 0 || js.tok[id].type != JSMN_STRING) {
			input_error(&e, j, "missing_required_parameter", "Missing required parameter: "
			    "'custom_id'.", "custom_id", lineno);
			break;
		}
		if (!mistral && !wr_json_streq(&js, wr_json_get(&js, 0, "method"), "POST")) {
			input_error(&e, j, "invalid_value", "The method of each request must be POST.",
			    "method", lineno);
			break;
		}
		if (!mistral && (t < 0 || !wr_json_streq(&js, t, j->endpoint))) {
			wr_buf_reset(&m);
			wr_buf_printf(&m, "The url of each request must be the batch's endpoint, %s.",
			    j->endpoint);
			input_error(&e, j, "mismatched_endpoint", m.s, "url", lineno);
			break;
		}
		if (body < 0 || js.tok[body].type != JSMN_OBJECT) {
			input_error(&e, j, "missing_required_parameter", "Missing required parameter: "
			    "'body'.", "body", lineno);
			break;
		}
		l.id_off = (size_t)(p - j->map) + (size_t)js.tok[id].start - 1;
		l.id_len = (uint32_t)(js.tok[id].end - js.tok[id].start + 2);
		l.body_off = (size_t)(p - j->map) + (size_t)js.tok[body].start;
		l.body_len = (uint32_t)(js.tok[body].end - js.tok[body].start);
		wr_map_put(&ids, j->map + l.id_off, l.id_len, 0, &added);
		if (!added) {
			input_error(&e, j, "duplicate_custom_id", "The custom_id of this request is used by "
			    "another request in the file.", "custom_id", lineno);
			break;
		}
		l.bad = !wr_bat_line_ok(&wr_serve_openai, "", j->map + l.body_off, l.body_len);
		add_lines(j, &cap, &l);
	}
	if (!e.len && j->n == 0)
		input_error(&e, j, "empty_file", "The input file has no requests.", NULL, 0);
	if (e.len)
		j->errors = e.s;
	wr_buf_free(&m);
	wr_json_free(&js);
	wr_map_free(&ids);
}

static void
do_create(struct wr_batch_call *b, const struct wr_serve_req *q, struct wr_batch_answer *a)
{
	struct wr_json js;
	struct wr_buf out = {0};
	struct file *f;
	struct job *j;
	char *fid = NULL, *ep = NULL, *win = NULL;
	enum wr_batch_fault fault;
	const char *text;
	size_t len;
	int t;

	(void)q;
	wr_json_init(&js);
	if (json_body(b, &js, a))
		goto done;
	fid = json_string(&js, wr_json_get(&js, 0, "input_file_id"));
	ep = json_string(&js, wr_json_get(&js, 0, "endpoint"));
	win = json_string(&js, wr_json_get(&js, 0, "completion_window"));
	if (!fid || !ep || !win) {
		call_error(a, b, 400, "invalid_request_error", NULL,
		    "Missing required parameter: '%s'.",
		    !fid ? "input_file_id" : !ep ? "endpoint" : "completion_window");
		goto done;
	}
	if (strcmp(ep, "/v1/chat/completions") != 0) {
		call_error(a, b, 400, "invalid_request_error", "invalid_value",
		    "Invalid value for 'endpoint': %.100s. wr-serve batches /v1/chat/completions only.", ep);
		goto done;
	}
	if (strcmp(win, "24h") != 0) {
		call_error(a, b, 400, "invalid_request_error", "invalid_value",
		    "Invalid value for 'completion_window': %.100s. Supported values are: '24h'.", win);
		goto done;
	}
	t = wr_json_get(&js, 0, "metadata");
	if (t >= 0 && !wr_json_isnull(&js, t) && js.tok[t].type != JSMN_OBJECT) {
		call_error(a, b, 400, "invalid_request_error", "invalid_type",
		    "Invalid type for 'metadata': expected an object.");
		goto done;
	}
	pthread_mutex_lock(&lock);
	if (!(f = find_file(fid)) || f->job) {
		pthread_mutex_unlock(&lock);
		no_file(a, b, fid);
		goto done;
	}
	fault = next_fault();
	if (fault == WR_BF_CREATE_429) {
		pthread_mutex_unlock(&lock);
		answer_derror(a, b->d, WR_ERR_RATE,
		    "Rate limit reached for batch creation (wr-serve --batch-fault create-429). "
		    "Please try again later.");
		MHD_add_response_header(a->resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		a->fault = fault_names[fault];
		goto done;
	}
	j = new_job(V_OPENAI);
	j->fault = fault;
	j->input_file_id = fid;
	j->endpoint = ep;
	j->window = win;
	fid = ep = win = NULL;
	if (t >= 0 && !wr_json_isnull(&js, t)) {
		text = wr_json_text(&js, t, &len);
		j->metadata = wr_strndup(text, len);
	}
	j->map = map_file(f->path, &j->maplen);
	check_input(j);
	if (!j->errors && fault == WR_BF_INVALID)
		wr_buf_adds(&out, "{\"code\":\"invalid_request\",\"message\":\"The request on this line "
		    "is invalid (wr-serve --batch-fault invalid).\",\"param\":null,\"line\":1}");
	if (!j->errors && fault == WR_BF_QUOTA) {
		wr_buf_adds(&out, "{\"code\":\"token_limit_exceeded\",\"message\":\"Enqueued token limit "
		    "reached for wr-serve in organization org-wr-serve. Limit: 90,000 enqueued tokens. Please "
		    "try again once some in_progress batches have been completed.\",\"param\":null,"
		    "\"line\":null}");
	}
	if (out.len) {
		j->errors = wr_strndup(out.s, out.len);
		wr_buf_reset(&out);
	}
	add_job(j);
	openai_batch_json(&out, j);
	a->lines = j->n;
	job_fault(a, j);
	pthread_mutex_unlock(&lock);
	answer_json(a, 200, &out);
	maybe_hang(a, WR_HANG_CREATE);
done:
	free(fid);
	free(ep);
	free(win);
	wr_buf_free(&out);
	wr_json_free(&js);
}

static void
do_get(struct wr_batch_call *b, struct wr_batch_answer *a, int cancel)
{
	struct wr_buf out = {0};
	struct state s;
	struct job *j;
	int anthropic = b->d == &wr_serve_anthropic, end;

	pthread_mutex_lock(&lock);
	if (!(j = find_job(b->id, b->v))) {
		pthread_mutex_unlock(&lock);
		no_batch(a, b, b->id);
		return;
	}
	job_fault(a, j);
	a->lines = j->n;
	state_now(j, &s);
	end = ended(&s);
	if (cancel) {
		if (end) {
			pthread_mutex_unlock(&lock);
			if (b->v == V_GEMINI)
				call_error(a, b, 400, "FAILED_PRECONDITION",
				    NULL, "Batch batches/%s has ended (its state is %s) and cannot be cancelled.",
				    j->id, gemini_state(&s));
			else
				call_error(a, b, b->v == V_MISTRAL ? 400 : 409, "invalid_request_error", NULL,
				    "Cannot cancel a batch that has ended (its status is %s).",
				    anthropic ? "ended" : b->v == V_MISTRAL ? mistral_status(&s) :
				    status_names[s.s]);
			return;
		}
		if (!j->cancel && s.s != ST_CANCELLING) {
			j->cancel = 1;
			j->cancel_t = mono_ms() - j->t0;
		}
	}
	if (cancel && b->v == V_GEMINI)
		wr_buf_adds(&out, "{}");
	else
		batch_json(&out, j);
	pthread_mutex_unlock(&lock);
	answer_json(a, 200, &out);
	wr_buf_free(&out);
	/* Gemini's answers are in the batch: reading an ended one is fetching its content. */
	if (!cancel)
		maybe_hang(a, b->v == V_GEMINI && end ? WR_HANG_CONTENT : WR_HANG_RETRIEVE);
}

/* The jobs of one vendor, newest first, after (older than) or before (newer than) the ID given. */
static void
do_list(struct wr_batch_call *b, const struct wr_serve_req *q, struct wr_batch_answer *a)
{
	struct wr_buf out = {0};
	int anthropic = b->d == &wr_serve_anthropic;
	enum vendor v = b->v;
	const char *after = q->arg(q, anthropic ? "after_id" : "after");
	const char *before = anthropic ? q->arg(q, "before_id") : NULL;
	long limit = num_arg(q, "limit", 20, 1, anthropic ? 1000 : 100);
	size_t i, lo = 0, hi = njobs, k = 0, first = 0, last = 0;
	int more = 0;
	struct job *j;

	if (limit < 0) {
		call_error(a, b, 400, "invalid_request_error", "invalid_value",
		    "limit: must be a whole number from 1 to %d.", anthropic ? 1000 : 100);
		return;
	}
	pthread_mutex_lock(&lock);
	/* Positions in jobs[], oldest first: the page is taken from hi-1 down to lo. */
	for (i = 0; i < njobs; i++) {
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
		batch_json(&out, j);
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
	pthread_mutex_unlock(&lock);
	answer_json(a, 200, &out);
	wr_buf_free(&out);
}

/* ---------------------------------------------------------------- Anthropic */

/* 1 when s[0..n) matches ^[a-zA-Z0-9_-]{1,64}$. */
static int
custom_id_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static void
do_a_create(struct wr_batch_call *b, struct wr_batch_answer *a)
{
	struct wr_json js;
	struct wr_map ids;
	struct wr_buf out = {0};
	struct job *j = NULL;
	struct line l;
	enum wr_batch_fault fault;
	const char *why, *s;
	char *map = NULL;
	size_t maplen = 0, cap = 0, n;
	int reqs, r, k, id, params, added;

	wr_json_init(&js);
	wr_map_init(&ids);
	if (b->too_big) {
		call_error(a, b, 413, "request_too_large", NULL,
		    "Request exceeds the maximum allowed size of %lu bytes.", WR_BATCH_MAX_CREATE);
		goto done;
	}
	if (b->write_failed) {
		answer_derror(a, b->d, WR_ERR_SERVER, "The batch could not be stored.");
		goto done;
	}
	if (b->fd >= 0) {
		close(b->fd);
		b->fd = -1;
		map = map_file(b->path, &maplen);
	}
	if (!map || wr_json_parse(&js, map, maplen, &why) || js.tok[0].type != JSMN_OBJECT) {
		answer_derror(a, b->d, WR_ERR_JSON, NULL);
		goto done;
	}
	reqs = wr_json_get(&js, 0, "requests");
	if (reqs < 0 || js.tok[reqs].type != JSMN_ARRAY || js.tok[reqs].size == 0) {
		call_error(a, b, 400, "invalid_request_error", NULL,
		    reqs < 0 ? "requests: Field required" :
		    "requests: Input should be a list of at least 1 item");
		goto done;
	}
	j = wr_calloc(1, sizeof *j);
	for (k = 0; (r = wr_json_index(&js, reqs, k)) >= 0; k++) {
		id = wr_json_get(&js, r, "custom_id");
		params = wr_json_get(&js, r, "params");
		if (id < 0 || js.tok[id].type != JSMN_STRING) {
			call_error(a, b, 400, "invalid_request_error", NULL,
			    "requests.%d.custom_id: Field required", k);
			goto done;
		}
		s = wr_json_raw(&js, id, &n);
		if (!custom_id_ok(s, n)) {
			call_error(a, b, 400, "invalid_request_error", NULL,
			    "requests.%d.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'", k);
			goto done;
		}
		wr_map_put(&ids, s, n, 0, &added);
		if (!added) {
			call_error(a, b, 400, "invalid_request_error", NULL,
			    "requests.%d.custom_id: the custom_id '%.64s' is used by another request; "
			    "each must be unique within the batch", k, wr_map_key(&ids, s, n));
			goto done;
		}
		if (params < 0 || js.tok[params].type != JSMN_OBJECT) {
			call_error(a, b, 400, "invalid_request_error", NULL,
			    "requests.%d.params: Field required", k);
			goto done;
		}
		memset(&l, 0, sizeof l);
		l.id_off = (size_t)js.tok[id].start - 1;
		l.id_len = (uint32_t)n + 2;
		l.body_off = (size_t)js.tok[params].start;
		l.body_len = (uint32_t)(js.tok[params].end - js.tok[params].start);
		add_lines(j, &cap, &l);
	}
	pthread_mutex_lock(&lock);
	fault = next_fault();
	if (fault == WR_BF_CREATE_429 || fault == WR_BF_QUOTA || fault == WR_BF_INVALID) {
		pthread_mutex_unlock(&lock);
		a->fault = fault_names[fault];
		if (fault == WR_BF_INVALID) {
			call_error(a, b, 400, "invalid_request_error", NULL,
			    "requests.0.params: the request is invalid (wr-serve --batch-fault invalid)");
		} else if (fault == WR_BF_QUOTA) {
			call_error(a, b, 429, "rate_limit_error", NULL,
			    "Number of batch requests in the processing queue exceeds your "
			    "organization's limit (wr-serve --batch-fault quota).");
		} else {
			answer_derror(a, b->d, WR_ERR_RATE,
			    "Rate limit exceeded for batch creation (wr-serve --batch-fault create-429). "
			    "Please try again later.");
			MHD_add_response_header(a->resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		}
		goto done;
	}
	{
		struct job *nj = new_job(V_ANTHROPIC);

		nj->lines = j->lines;
		nj->n = j->n;
		free(j);
		j = nj;
	}
	j->fault = fault;
	j->map = map;
	j->maplen = maplen;
	map = NULL;
	for (n = 0; n < j->n; n++)
		j->lines[n].bad = !wr_bat_line_ok(&wr_serve_anthropic, "", j->map + j->lines[n].body_off,
		    j->lines[n].body_len);
	add_job(j);
	anthropic_batch_json(&out, j);
	a->lines = j->n;
	job_fault(a, j);
	j = NULL;
	pthread_mutex_unlock(&lock);
	answer_json(a, 200, &out);
	maybe_hang(a, WR_HANG_CREATE);
done:
	if (j) {
		free(j->lines);
		free(j);
	}
	if (map)
		munmap(map, maplen);
	wr_buf_free(&out);
	wr_map_free(&ids);
	wr_json_free(&js);
}

static void
do_a_results(struct wr_batch_call *b, struct wr_batch_answer *a)
{
	struct state s;
	struct job *j;
	int fd;

	pthread_mutex_lock(&lock);
	if (!(j = find_job(b->id, V_ANTHROPIC))) {
		pthread_mutex_unlock(&lock);
		no_batch(a, b, b->id);
		return;
	}
	job_fault(a, j);
	state_now(j, &s);
	name_outputs(j, &s);
	if (!j->res) {
		pthread_mutex_unlock(&lock);
		call_error(a, b, 404, "not_found_error", NULL,
		    "Message batch %s has no results yet: it has not ended.", j->id);
		return;
	}
	if (make_ready(j->res) || (fd = open(j->res->path, O_RDONLY | O_CLOEXEC)) < 0) {
		pthread_mutex_unlock(&lock);
		answer_derror(a, b->d, WR_ERR_SERVER, "The results could not be made.");
		return;
	}
	a->lines = j->n;
	a->status = 200;
	if (!(a->resp = MHD_create_response_from_fd64(j->res->bytes, fd)))
		wr_die("out of memory");
	pthread_mutex_unlock(&lock);
	MHD_add_response_header(a->resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/binary");
	maybe_hang(a, WR_HANG_CONTENT);
}

static void
do_a_delete(struct wr_batch_call *b, struct wr_batch_answer *a)
{
	struct wr_buf out = {0};
	struct state s;
	struct job *j;

	pthread_mutex_lock(&lock);
	if (!(j = find_job(b->id, V_ANTHROPIC))) {
		pthread_mutex_unlock(&lock);
		no_batch(a, b, b->id);
		return;
	}
	state_now(j, &s);
	if (!ended(&s)) {
		pthread_mutex_unlock(&lock);
		call_error(a, b, 400, "invalid_request_error", NULL,
		    "Message batch %s cannot be deleted while it is processing; cancel it first.",
		    j->id);
		return;
	}
	j->deleted = 1;
	wr_buf_printf(&out, "{\"id\":\"%s\",\"type\":\"message_batch_deleted\"}", j->id);
	pthread_mutex_unlock(&lock);
	answer_json(a, 200, &out);
	wr_buf_free(&out);
}

/* ---------------------------------------------------------------- Gemini */

/*
 * models/MODEL:batchGenerateContent with inlined requests. The whole body
 * (up to Gemini's 20 MB) is in a file; each request is answered as a live
 * generateContent of MODEL.
 */
static void
do_g_create(struct wr_batch_call *b, struct wr_batch_answer *a)
{
	struct wr_json js;
	struct wr_buf out = {0}, path = {0};
	struct job *j = NULL;
	struct line l;
	enum wr_batch_fault fault;
	const char *why;
	char *map = NULL, *display = NULL;
	size_t maplen = 0, cap = 0, n, lines = 0;
	int batch, reqs, r, k, req, key, meta;

	wr_json_init(&js);
	if (b->too_big) {
		call_error(a, b, 400, "INVALID_ARGUMENT", NULL,
		    "Request payload size exceeds the limit: %lu bytes.", WR_BATCH_MAX_GEMINI);
		goto done;
	}
	if (b->write_failed) {
		answer_derror(a, b->d, WR_ERR_SERVER, "The batch could not be stored.");
		goto done;
	}
	if (b->fd >= 0) {
		close(b->fd);
		b->fd = -1;
		map = map_file(b->path, &maplen);
	}
	if (!map || wr_json_parse(&js, map, maplen, &why) || js.tok[0].type != JSMN_OBJECT) {
		answer_derror(a, b->d, WR_ERR_JSON, NULL);
		goto done;
	}
	batch = wr_json_get(&js, 0, "batch");
	if (batch < 0 || js.tok[batch].type != JSMN_OBJECT) {
		call_error(a, b, 400, "INVALID_ARGUMENT", NULL, "* BatchGenerateContentRequest.batch: "
		    "batch is not specified");
		goto done;
	}
	if (wr_json_path(&js, batch, "inputConfig", "fileName", NULL) >= 0) {
		call_error(a, b, 400, "INVALID_ARGUMENT", NULL, "wr-serve takes inlined requests only "
		    "(inputConfig.requests), not an uploaded file.");
		goto done;
	}
	reqs = wr_json_path(&js, batch, "inputConfig", "requests", "requests", NULL);
	if (reqs < 0 || js.tok[reqs].type != JSMN_ARRAY || js.tok[reqs].size == 0) {
		call_error(a, b, 400, "INVALID_ARGUMENT", NULL, "* BatchGenerateContentRequest.batch."
		    "input_config.requests: requests is not specified");
		goto done;
	}
	display = json_string(&js, wr_json_get(&js, batch, "displayName"));
	if (!display) {
		call_error(a, b, 400, "INVALID_ARGUMENT", NULL, "* BatchGenerateContentRequest.batch."
		    "display_name: display_name is not specified");
		goto done;
	}
	j = wr_calloc(1, sizeof *j);
	for (k = 0; (r = wr_json_index(&js, reqs, k)) >= 0; k++) {
		req = wr_json_get(&js, r, "request");
		meta = wr_json_get(&js, r, "metadata");
		key = meta >= 0 ? wr_json_get(&js, meta, "key") : -1;
		if (req < 0 || js.tok[req].type != JSMN_OBJECT) {
			call_error(a, b, 400, "INVALID_ARGUMENT", NULL, "* BatchGenerateContentRequest.batch."
			    "input_config.requests.requests[%d].request: request is not specified", k);
			goto done;
		}
		memset(&l, 0, sizeof l);
		if (key >= 0 && js.tok[key].type == JSMN_STRING) {
			wr_json_raw(&js, key, &n);
			l.id_off = (size_t)js.tok[key].start - 1;
			l.id_len = (uint32_t)n + 2;
		}
		l.body_off = (size_t)js.tok[req].start;
		l.body_len = (uint32_t)(js.tok[req].end - js.tok[req].start);
		add_lines(j, &cap, &l);
	}
	pthread_mutex_lock(&lock);
	fault = next_fault();
	if (fault == WR_BF_CREATE_429) {
		pthread_mutex_unlock(&lock);
		a->fault = fault_names[fault];
		answer_derror(a, b->d, WR_ERR_RATE, "Resource has been exhausted (wr-serve --batch-fault "
		    "create-429). Please try again later.");
		MHD_add_response_header(a->resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		goto done;
	}
	{
		struct job *nj = new_job(V_GEMINI);

		nj->lines = j->lines;
		nj->n = j->n;
		free(j);
		j = nj;
	}
	j->fault = fault;
	j->map = map;
	j->maplen = maplen;
	j->model = wr_strdup(b->id);
	j->display = display;
	map = display = NULL;
	wr_buf_printf(&path, "/v1beta/models/%s:generateContent", j->model);
	for (n = 0; n < j->n; n++)
		j->lines[n].bad = !wr_bat_line_ok(&wr_serve_gemini, path.s, j->map + j->lines[n].body_off,
		    j->lines[n].body_len);
	if (fault == WR_BF_INVALID)
		j->errors = wr_strdup("{\"code\":3,\"message\":\"The batch is invalid (wr-serve "
		    "--batch-fault invalid).\"}");
	else if (fault == WR_BF_QUOTA)
		j->errors = wr_strdup("{\"code\":8,\"message\":\"Resource has been exhausted: the "
		    "enqueued tokens of your batches exceed your limit (wr-serve --batch-fault quota).\"}");
	add_job(j);
	gemini_batch_json(&out, j, 0);
	lines = j->n;
	job_fault(a, j);
	j = NULL;
	pthread_mutex_unlock(&lock);
	answer_json(a, 200, &out);
	a->lines = lines;
	maybe_hang(a, WR_HANG_CREATE);
done:
	if (j) {
		free(j->lines);
		free(j);
	}
	if (map)
		munmap(map, maplen);
	free(display);
	wr_buf_free(&path);
	wr_buf_free(&out);
	wr_json_free(&js);
}

/* The batches newest first, pageSize (1 to 1000, default 50) at a time; the token is the last name listed. */
static void
do_g_list(struct wr_batch_call *b, const struct wr_serve_req *q, struct wr_batch_answer *a)
{
	struct wr_buf out = {0};
	const char *token = q->arg(q, "pageToken");
	long size = num_arg(q, "pageSize", 50, 1, 1000);
	size_t i, hi = njobs, k = 0, last = 0;
	int more = 0;

	if (size < 0) {
		call_error(a, b, 400, "INVALID_ARGUMENT", NULL, "page_size must be from 1 to 1000.");
		return;
	}
	pthread_mutex_lock(&lock);
	if (token && *token) {
		for (i = 0; i < njobs; i++)
			if (jobs[i]->vendor == V_GEMINI && strcmp(jobs[i]->id, token) == 0)
				break;
		if (i == njobs) {
			pthread_mutex_unlock(&lock);
			call_error(a, b, 400, "INVALID_ARGUMENT", NULL, "Invalid page token.");
			return;
		}
		hi = i;
	}
	wr_buf_adds(&out, "{\"operations\":[");
	for (i = hi; i-- > 0;) {
		if (jobs[i]->deleted || jobs[i]->vendor != V_GEMINI)
			continue;
		if (k == (size_t)size) {
			more = 1;
			break;
		}
		if (k++)
			wr_buf_addc(&out, ',');
		last = i;
		gemini_batch_json(&out, jobs[i], 0);
	}
	wr_buf_adds(&out, "]");
	if (more)
		wr_buf_printf(&out, ",\"nextPageToken\":\"%s\"", jobs[last]->id);
	wr_buf_adds(&out, "}");
	pthread_mutex_unlock(&lock);
	answer_json(a, 200, &out);
	wr_buf_free(&out);
}

static void
do_g_delete(struct wr_batch_call *b, struct wr_batch_answer *a)
{
	struct wr_buf out = {0};
	struct job *j;

	pthread_mutex_lock(&lock);
	if (!(j = find_job(b->id, V_GEMINI))) {
		pthread_mutex_unlock(&lock);
		no_batch(a, b, b->id);
		return;
	}
	j->deleted = 1;
	pthread_mutex_unlock(&lock);
	wr_buf_adds(&out, "{}");
	answer_json(a, 200, &out);
	wr_buf_free(&out);
}

/* ---------------------------------------------------------------- Mistral */

/* /v1/batch/jobs: one uploaded input file, the job's model answering every line. */
static void
do_m_create(struct wr_batch_call *b, struct wr_batch_answer *a)
{
	struct wr_json js;
	struct wr_buf out = {0}, e = {0};
	struct file *f;
	struct job *j;
	char *fid = NULL, *ep = NULL, *model = NULL;
	enum wr_batch_fault fault;
	const char *text;
	size_t len;
	int files_t, t, h;

	wr_json_init(&js);
	if (json_body(b, &js, a))
		goto done;
	files_t = wr_json_get(&js, 0, "input_files");
	ep = json_string(&js, wr_json_get(&js, 0, "endpoint"));
	model = json_string(&js, wr_json_get(&js, 0, "model"));
	if (files_t < 0 || js.tok[files_t].type != JSMN_ARRAY || js.tok[files_t].size != 1 ||
	    !(fid = json_string(&js, wr_json_index(&js, files_t, 0)))) {
		call_error(a, b, 400, "invalid_request_error", NULL,
		    "input_files: wr-serve takes a list of one file ID.");
		goto done;
	}
	if (!ep || strcmp(ep, "/v1/chat/completions") != 0) {
		call_error(a, b, 400, "invalid_request_error", NULL,
		    "endpoint: wr-serve batches /v1/chat/completions only.");
		goto done;
	}
	if (!model || !*model) {
		call_error(a, b, 400, "invalid_request_error", NULL,
		    "model: a batch job of /v1/chat/completions names its model.");
		goto done;
	}
	t = wr_json_get(&js, 0, "metadata");
	if (t >= 0 && !wr_json_isnull(&js, t) && js.tok[t].type != JSMN_OBJECT) {
		call_error(a, b, 400, "invalid_request_error", NULL, "metadata: expected an object.");
		goto done;
	}
	h = wr_json_get(&js, 0, "timeout_hours");
	if (h >= 0 && !wr_json_isnull(&js, h) && js.tok[h].type != JSMN_PRIMITIVE) {
		call_error(a, b, 400, "invalid_request_error", NULL, "timeout_hours: expected a number.");
		goto done;
	}
	pthread_mutex_lock(&lock);
	if (!(f = find_file(fid)) || f->job) {
		pthread_mutex_unlock(&lock);
		call_error(a, b, 404, "invalid_request_error", NULL, "No file with id %.100s.", fid);
		goto done;
	}
	fault = next_fault();
	if (fault == WR_BF_CREATE_429) {
		pthread_mutex_unlock(&lock);
		call_error(a, b, 429, "rate_limited", "1300", "Requests rate limit exceeded "
		    "(wr-serve --batch-fault create-429).");
		MHD_add_response_header(a->resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		a->fault = fault_names[fault];
		goto done;
	}
	j = new_job(V_MISTRAL);
	j->fault = fault;
	j->input_file_id = fid;
	j->endpoint = ep;
	j->model = model;
	fid = ep = model = NULL;
	if (t >= 0 && !wr_json_isnull(&js, t)) {
		text = wr_json_text(&js, t, &len);
		j->metadata = wr_strndup(text, len);
	}
	j->map = map_file(f->path, &j->maplen);
	check_input(j);
	if (!j->errors && fault == WR_BF_INVALID)
		input_error(&e, j, NULL, "The request on this line is invalid (wr-serve --batch-fault "
		    "invalid).", NULL, 1);
	if (!j->errors && fault == WR_BF_QUOTA)
		input_error(&e, j, NULL, "The batch exceeds the limit of requests queued for your "
		    "workspace (wr-serve --batch-fault quota).", NULL, 0);
	if (e.len) {
		j->errors = e.s;
		e.s = NULL;
	}
	add_job(j);
	mistral_batch_json(&out, j);
	a->lines = j->n;
	job_fault(a, j);
	pthread_mutex_unlock(&lock);
	answer_json(a, 200, &out);
	maybe_hang(a, WR_HANG_CREATE);
done:
	free(fid);
	free(ep);
	free(model);
	wr_buf_free(&e);
	wr_buf_free(&out);
	wr_json_free(&js);
}

/* The jobs newest first, page (from 0) of page_size (1 to 1000, default 100). */
static void
do_m_list(struct wr_batch_call *b, const struct wr_serve_req *q, struct wr_batch_answer *a)
{
	struct wr_buf out = {0};
	long page = num_arg(q, "page", 0, 0, 1000000), size = num_arg(q, "page_size", 100, 1, 1000);
	size_t i, k = 0, total = 0, from, to;

	if (page < 0 || size < 0) {
		call_error(a, b, 400, "invalid_request_error", NULL,
		    "page: a whole number from 0; page_size: from 1 to 1000.");
		return;
	}
	pthread_mutex_lock(&lock);
	for (i = 0; i < njobs; i++)
		total += !jobs[i]->deleted && jobs[i]->vendor == V_MISTRAL;
	from = (size_t)page * (size_t)size;
	to = from + (size_t)size;
	wr_buf_adds(&out, "{\"data\":[");
	for (i = njobs; i-- > 0;) {
		if (jobs[i]->deleted || jobs[i]->vendor != V_MISTRAL)
			continue;
		if (k >= from && k < to) {
			if (k > from)
				wr_buf_addc(&out, ',');
			mistral_batch_json(&out, jobs[i]);
		}
		k++;
	}
	wr_buf_printf(&out, "],\"object\":\"list\",\"total\":%zu}", total);
	pthread_mutex_unlock(&lock);
	answer_json(a, 200, &out);
	wr_buf_free(&out);
}

void
wr_batch_finish(struct wr_batch_call *b, const struct wr_serve_req *q, struct wr_batch_answer *a)
{
	const char *why;

	memset(a, 0, sizeof *a);
	if (b->d->check && (why = b->d->check(q)) != NULL) {
		answer_derror(a, b->d, WR_ERR_INVALID, why);
		return;
	}
	switch (b->op) {
	case OP_UPLOAD:
		do_upload(b, a);
		break;
	case OP_FILES:
		pthread_mutex_lock(&lock);
		do_files(b, a);
		pthread_mutex_unlock(&lock);
		break;
	case OP_FILE:
	case OP_FILE_DELETE:
	case OP_CONTENT:
		pthread_mutex_lock(&lock);
		do_file(b, a, b->op == OP_FILE_DELETE, b->op == OP_CONTENT);
		pthread_mutex_unlock(&lock);
		break;
	case OP_CREATE:
		do_create(b, q, a);
		break;
	case OP_LIST:
	case OP_A_LIST:
		do_list(b, q, a);
		break;
	case OP_GET:
	case OP_A_GET:
		do_get(b, a, 0);
		break;
	case OP_CANCEL:
	case OP_A_CANCEL:
		do_get(b, a, 1);
		break;
	case OP_A_CREATE:
		do_a_create(b, a);
		break;
	case OP_A_RESULTS:
		do_a_results(b, a);
		break;
	case OP_A_DELETE:
		do_a_delete(b, a);
		break;
	case OP_G_CREATE:
		do_g_create(b, a);
		break;
	case OP_G_LIST:
		do_g_list(b, q, a);
		break;
	case OP_G_GET:
	case OP_M_GET:
		do_get(b, a, 0);
		break;
	case OP_G_CANCEL:
	case OP_M_CANCEL:
		do_get(b, a, 1);
		break;
	case OP_G_DELETE:
		do_g_delete(b, a);
		break;
	case OP_M_CREATE:
		do_m_create(b, a);
		break;
	case OP_M_LIST:
		do_m_list(b, q, a);
		break;
	case OP_BAD:
		call_error(a, b, 405, b->v == V_GEMINI ? "UNIMPLEMENTED" : "invalid_request_error",
		    b->v == V_OPENAI ? "method_not_allowed" : NULL,
		    "Method %s is not allowed on %.200s.", q->method, q->path);
		MHD_add_response_header(a->resp, MHD_HTTP_HEADER_ALLOW, b->allow);
		break;
	default:
		call_error(a, b, 404, b->v == V_ANTHROPIC ? "not_found_error" : b->v == V_GEMINI ?
		    "NOT_FOUND" : "invalid_request_error", b->v == V_OPENAI ? "unknown_url" : NULL,
		    "Unknown request URL: %s %.200s.", q->method, q->path);
		break;
	}
}
