/* wr-serve's HTTP side: routing to the dialects, keys, limits, delayed answers, faults on the wire, log and counters. */
#include "serve_http.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>

#include <microhttpd.h>


#include "common.h"
#include "hash.h"
#include "serve_limit.h"
#include "serve_model.h"

/* Idle keep-alive connections are closed after this many seconds. */
#define IDLE_TIMEOUT 120

/* The dialects, asked in turn which requests are theirs; OpenAI's takes the rest. */
static const struct wr_serve_dialect *const dialects[] = {
	&wr_serve_anthropic, &wr_serve_gemini, &wr_serve_openai,
};

/* One HTTP request, from its first byte to its completion. */
struct req {
	const struct wr_serve_dialect *d;   /* NULL for /stats */
	enum wr_endpoint ep;
	struct wr_serve_req q;
	struct wr_limits lim;         /* the limits after this request's charge */
	int have_lim, limited;
	struct wr_buf body;
	int too_big;
	int delayed;                  /* suspended; the answer below waits for the timer */
	unsigned status;              /* 0: close the connection without an answer */
	struct MHD_Response *resp;
	int complete;                 /* the answer is whole (not a partial fault) */
	int wait;                     /* the answer is subject to the latency */
	struct wr_buf log;            /* the log line, written when the answer goes out */
	size_t entries;
	int counted;                  /* counted in n_busy until its answer goes out */
	struct wr_batch_call *bc;     /* a request to a batch API */
	int logged;                   /* its log line is written (--batch-hang logs before it waits) */
	int hung;                     /* counted in n_hung until it completes */
};

/* Per-thread scratch space, reused from request to request. */
struct scratch {
	struct scratch *next;
	struct wr_chat chat;
	struct wr_buf out, text;
	int *scores;
	size_t nscores;
};

/* A partial answer: the whole body's length is announced, only data[0..cut) is sent. */
struct partial {
	char *data;
	size_t cut;
};

static const struct wr_serve_conf *conf;
static struct MHD_Daemon *daemon_;
static _Thread_local struct scratch *my_scratch;
static struct scratch *all_scratch;
static pthread_mutex_t scratch_lock = PTHREAD_MUTEX_INITIALIZER;

/* Bodies seen so far (by hash) and how often: a retry draws its fault anew. */
static struct wr_map seen;
static pthread_mutex_t seen_lock = PTHREAD_MUTEX_INITIALIZER;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static int log_failed;
static atomic_ulong n_requests, n_ok, n_errors, n_entries, n_limited;
static atomic_long n_busy;
static atomic_long n_hung;   /* answers withheld by --batch-hang, until their connection completes */   /* model answers being made (within their latency) */

static struct wr_limiter limiter;
static pthread_mutex_t limit_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * Delayed answers. The latency is the same for every request and each
 * deadline is taken under the lock, so the queue is already in deadline
 * order: a ring buffer, not a heap.
 */
struct delayed {
	uint64_t due;
	struct MHD_Connection *conn;
};
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	struct delayed *q;
	size_t cap, head, n;
	int stopping, running;
} dq = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Answers withheld by --batch-hang: at most one a step. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	struct delayed q[WR_NHANG];
	size_t n;
	int stopping, running, joinable;
} hq = {.lock = PTHREAD_MUTEX_INITIALIZER};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct scratch *
scratch(void)
{
	struct scratch *s = my_scratch;

	if (!s) {
		s = wr_calloc(1, sizeof *s);
		wr_chat_init(&s->chat);
		pthread_mutex_lock(&scratch_lock);
		s->next = all_scratch;
		all_scratch = s;
		pthread_mutex_unlock(&scratch_lock);
		my_scratch = s;
	}
	return s;
}

static void *
timer_main(void *arg)
{
	struct MHD_Connection *batch[256];
	struct timespec ts;
	uint64_t now, due;
	size_t k, i;

	(void)arg;
	pthread_mutex_lock(&dq.lock);
	for (;;) {
		while (!dq.stopping && dq.n == 0)
			pthread_cond_wait(&dq.cond, &dq.lock);
		now = now_ns();
		if (!dq.stopping && dq.q[dq.head].due > now) {
			due = dq.q[dq.head].due;
			ts.tv_sec = (time_t)(due / 1000000000u);
			ts.tv_nsec = (long)(due % 1000000000u);
			pthread_cond_timedwait(&dq.cond, &dq.lock, &ts);
			continue;
		}
		if (dq.stopping && dq.n == 0)
			break;
		for (k = 0; k < sizeof batch / sizeof *batch && dq.n &&
		    (dq.stopping || dq.q[dq.head].due <= now); k++) {
			batch[k] = dq.q[dq.head].conn;
			dq.head = (dq.head + 1) % dq.cap;
			dq.n--;
		}
		pthread_mutex_unlock(&dq.lock);
		for (i = 0; i < k; i++)
			MHD_resume_connection(batch[i]);
		pthread_mutex_lock(&dq.lock);
	}
	pthread_mutex_unlock(&dq.lock);
	return NULL;
}

/* Suspend conn until the latency has passed; 0 when stopping (answer at once). */
static int
delay(struct MHD_Connection *conn)
{
	size_t i, newcap;
	struct delayed *q;

	pthread_mutex_lock(&dq.lock);
	if (dq.stopping) {
		pthread_mutex_unlock(&dq.lock);
		return 0;
	}
	if (dq.n == dq.cap) {
		newcap = dq.cap ? dq.cap * 2 : 1024;
		q = wr_malloc(newcap * sizeof *q);
		for (i = 0; i < dq.n; i++)
			q[i] = dq.q[(dq.head + i) % dq.cap];
		free(dq.q);
		dq.q = q;
		dq.cap = newcap;
		dq.head = 0;
	}
	MHD_suspend_connection(conn);
	dq.q[(dq.head + dq.n) % dq.cap] = (struct delayed){
		now_ns() + (uint64_t)conf->latency_ms * 1000000u, conn};
	if (dq.n++ == 0)
		pthread_cond_signal(&dq.cond);
	pthread_mutex_unlock(&dq.lock);
	return 1;
}

static void *
hang_main(void *arg)
{
	struct timespec ts;
	uint64_t now, due;
	size_t i;

	(void)arg;
	pthread_mutex_lock(&hq.lock);
	while (hq.n) {
		now = now_ns();
		due = UINT64_MAX;
		for (i = 0; i < hq.n; i++) {
			if (hq.stopping || hq.q[i].due <= now) {
				MHD_resume_connection(hq.q[i].conn);
				hq.q[i--] = hq.q[--hq.n];
			} else if (hq.q[i].due < due) {
				due = hq.q[i].due;
			}
		}
		if (!hq.n)
			break;
		ts.tv_sec = (time_t)(due / 1000000000u);
		ts.tv_nsec = (long)(due % 1000000000u);
		pthread_cond_timedwait(&hq.cond, &hq.lock, &ts);
	}
	hq.running = 0;
	pthread_mutex_unlock(&hq.lock);
	return NULL;
}

/* Suspend conn for WR_BATCH_HANG_MS; 0 when it cannot wait (answer at once). */
static int
hang(struct MHD_Connection *conn)
{
	pthread_mutex_lock(&hq.lock);
	if (hq.stopping || hq.n == WR_NHANG) {
		pthread_mutex_unlock(&hq.lock);
		return 0;
	}
	/* The thread of the last hang may still be on its way out. */
	if (!hq.running && hq.joinable) {
		pthread_mutex_unlock(&hq.lock);
		pthread_join(hq.thread, NULL);
		pthread_mutex_lock(&hq.lock);
		hq.joinable = 0;
	}
	MHD_suspend_connection(conn);
	hq.q[hq.n++] = (struct delayed){now_ns() + (uint64_t)WR_BATCH_HANG_MS * 1000000u, conn};
	if (!hq.running) {
		if ((errno = pthread_create(&hq.thread, NULL, hang_main, NULL)) != 0)
			wr_die("cannot start the thread of --batch-hang:");
		hq.running = hq.joinable = 1;
	}
	pthread_cond_signal(&hq.cond);
	pthread_mutex_unlock(&hq.lock);
	return 1;
}

static void
set_answer(struct req *r, unsigned status, const char *body, size_t len)
{
	r->status = status;
	r->complete = 1;
	r->resp = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r->resp)
		wr_die("out of memory");
	MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
}

/* Answer the error e in the dialect's shape; message NULL: the dialect's own. */
static void
set_error(struct req *r, enum wr_serve_err e, const char *message)
{
	struct scratch *s = scratch();
	unsigned status;

	wr_buf_reset(&s->out);
	status = r->d->error(&s->out, e, message);
	set_answer(r, status, s->out.s, s->out.len);
}

static ssize_t
partial_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct partial *p = cls;
	size_t n;

	if (pos >= p->cut)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = p->cut - (size_t)pos < max ? p->cut - (size_t)pos : max;
	memcpy(buf, p->data + pos, n);
	return (ssize_t)n;
}

static void
partial_free(void *cls)
{
	struct partial *p = cls;

	free(p->data);
	free(p);
}

/* Announce len bytes, send about half of them, then close. */
static void
set_partial(struct req *r, const char *body, size_t len)
{
	struct partial *p = wr_malloc(sizeof *p);

	p->data = wr_strndup(body, len);
	p->cut = len / 2;
	r->status = MHD_HTTP_OK;
	r->complete = 0;
	r->resp = MHD_create_response_from_callback(len, 4096, partial_read, p, partial_free);
	if (!r->resp)
		wr_die("out of memory");
	MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
}

/* Check the key the dialect finds in the request; 0 when it answered the error. */
static int
key_ok(struct req *r)
{
	const char *h;
	size_t klen, hlen, i;
	unsigned char diff;

	if (!conf->key)
		return 1;
	if (!(h = r->d->key(&r->q)) || !*h) {
		set_error(r, WR_ERR_NO_KEY, NULL);
		return 0;
	}
	/* Compare without an early exit, so that timing does not reveal the key. */
	klen = strlen(conf->key);
	hlen = strlen(h);
	diff = hlen != klen;
	for (i = 0; i < klen; i++)
		diff |= (unsigned char)(conf->key[i] ^ h[i < hlen ? i : 0]);
	if (diff) {
		set_error(r, WR_ERR_BAD_KEY, NULL);
		return 0;
	}
	return 1;
}

static uint64_t
count_seen(uint64_t h)
{
	size_t *v, n;

	pthread_mutex_lock(&seen_lock);
	v = wr_map_put(&seen, (const char *)&h, sizeof h, 0, NULL);
	n = (*v)++;
	pthread_mutex_unlock(&seen_lock);
	return n;
}

/* The log line of an answered chat request: STATUS TAB FAULT TAB N TAB entry|entry... */
static void
log_chat(struct req *r, const char *what, const struct wr_chat *c)
{
	size_t i;

	r->entries = c->n;
	wr_buf_printf(&r->log, "%u\t%s\t%zu\t", r->status, what, c->n);
	for (i = 0; i < c->n; i++) {
		if (i)
			wr_buf_addc(&r->log, '|');
		wr_buf_add(&r->log, c->entries[i], c->lens[i]);
	}
}

/* The model's answer to c, shaped by fault f, in s->out. */
static void
rate(struct req *r, struct scratch *s, const struct wr_chat *c, enum wr_fault f, uint64_t h,
    const char *id)
{
	wr_model_answer(conf, r->d, c, f, h, id, &s->scores, &s->nscores, &s->out, &s->text);
}

static void
add_retry_after(struct req *r, double sec)
{
	char hdr[32];

	snprintf(hdr, sizeof hdr, "%.0f", sec);
	MHD_add_response_header(r->resp, MHD_HTTP_HEADER_RETRY_AFTER, hdr);
}

static double
wall_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Pay for c from the limits; 0 when paid, else the 429 is answered. */
static int
charge(struct req *r, const struct wr_chat *c)
{
	size_t tokens = r->body.len / 4 + (size_t)c->max_tokens;
	int refused;

	pthread_mutex_lock(&limit_lock);
	refused = wr_limiter_charge(&limiter, now_ns(), tokens, 1, &r->lim);
	pthread_mutex_unlock(&limit_lock);
	r->lim.wall = wall_clock();
	r->have_lim = 1;
	if (!refused)
		return 0;
	r->limited = 1;
	set_error(r, r->lim.refused == WR_LIMIT_TOKENS ? WR_ERR_LIMIT_TOKENS : WR_ERR_LIMIT_REQUESTS,
	    NULL);
	if (conf->limit_retry_after || r->d->limit_retry_after)
		add_retry_after(r, r->lim.wait < 1 ? 1 : ceil(r->lim.wait));
	log_chat(r, "limit", c);
	return -1;
}

/*
 * Decide the answer to a whole request to rate, in its dialect. Sets
 * r->wait when the answer is the model's (or a fault in its place), which
 * the latency delays; errors in the request itself are answered at once.
 */
static void
generate(struct req *r)
{
	struct scratch *s;
	struct wr_chat *c;
	enum wr_fault f;
	const char *why;
	uint64_t h, n;
	char id[17], hdr[32];

	if (!key_ok(r))
		return;
	if (r->d->check && (why = r->d->check(&r->q)) != NULL) {
		set_error(r, WR_ERR_INVALID, why);
		return;
	}
	if (r->too_big) {
		s = scratch();
		wr_buf_reset(&s->text);
		wr_buf_printf(&s->text, "The request body is larger than %zu bytes.", conf->max_body);
		set_error(r, WR_ERR_TOO_BIG, s->text.s);
		return;
	}
	s = scratch();
	c = &s->chat;
	if (r->d->parse(c, &r->q, r->body.s ? r->body.s : "", r->body.len, &why)) {
		set_error(r, why == wr_chat_bad_json ? WR_ERR_JSON : WR_ERR_INVALID, why);
		return;
	}
	if (wr_limiter_on(&limiter) && charge(r, c))
		return;
	/* A server with a queue of its own (vLLM, llama.cpp slots): busy beyond --max-inflight. */
	if (conf->max_inflight) {
		if (atomic_fetch_add(&n_busy, 1) >= (long)conf->max_inflight) {
			atomic_fetch_sub(&n_busy, 1);
			set_error(r, WR_ERR_OVERLOAD, NULL);
			log_chat(r, "busy", c);
			return;
		}
		r->counted = 1;
	}
	h = wr_model_hash(r->body.s, r->body.len);
	n = count_seen(h);
	f = wr_model_draw(conf, c, h, n, id);
	r->wait = 1;
	switch (f) {
	case WR_FAULT_DROP:
		r->status = 0;
		break;
	case WR_FAULT_500:
		set_error(r, WR_ERR_SERVER, NULL);
		break;
	case WR_FAULT_429:
		set_error(r, WR_ERR_RATE, NULL);
		add_retry_after(r, (double)conf->retry_after);
		break;
	case WR_FAULT_OVERLOAD:
		set_error(r, WR_ERR_OVERLOAD, NULL);
		break;
	default:
		rate(r, s, c, f, h, id);
		if (f == WR_FAULT_GARBLE)
			set_answer(r, MHD_HTTP_OK, s->out.s, wr_utf8_cut(s->out.s, s->out.len / 2));
		else if (f == WR_FAULT_PARTIAL)
			set_partial(r, s->out.s, s->out.len);
		else
			set_answer(r, MHD_HTTP_OK, s->out.s, s->out.len);
		snprintf(hdr, sizeof hdr, "req_%s", id);
		MHD_add_response_header(r->resp, r->d->request_id_header, hdr);
	}
	log_chat(r, wr_fault_name(f), c);
}

static void
models(struct req *r)
{
	struct scratch *s;

	if (!key_ok(r))
		return;
	s = scratch();
	wr_buf_reset(&s->out);
	r->d->models(&s->out, &r->q, r->ep);
	set_answer(r, MHD_HTTP_OK, s->out.s, s->out.len);
}

static void
stats(struct req *r)
{
	struct scratch *s = scratch();

	wr_buf_reset(&s->out);
	wr_buf_printf(&s->out, "{\"requests\":%lu,\"ok\":%lu,\"errors\":%lu,\"entries\":%lu,"
	    "\"rate_limited\":%lu}",
	    atomic_load(&n_requests), atomic_load(&n_ok), atomic_load(&n_errors),
	    atomic_load(&n_entries), atomic_load(&n_limited));
	set_answer(r, MHD_HTTP_OK, s->out.s, s->out.len);
}

static void
write_log(struct req *r)
{
	if (!r->log.len)
		wr_buf_printf(&r->log, "%u\t-\t0\t", r->status);
	wr_buf_addc(&r->log, '\n');
	pthread_mutex_lock(&log_lock);
	if ((fwrite(r->log.s, 1, r->log.len, conf->log) != r->log.len || fflush(conf->log)) &&
	    !log_failed) {
		wr_warn("log: write error:");
		log_failed = 1;
	}
	pthread_mutex_unlock(&log_lock);
}

static void
add_header(void *ctx, const char *name, const char *value)
{
	MHD_add_response_header(ctx, name, value);
}

/* Send the decided answer (or drop the connection), after counting and logging it. */
static enum MHD_Result
answer(struct req *r, struct MHD_Connection *conn)
{
	enum MHD_Result ret;

	if (r->counted) {
		atomic_fetch_sub(&n_busy, 1);
		r->counted = 0;
	}
	if (r->d) {
		atomic_fetch_add(&n_requests, 1);
		atomic_fetch_add(r->status == MHD_HTTP_OK && r->complete ? &n_ok : &n_errors, 1);
		atomic_fetch_add(&n_entries, r->entries);
		if (r->limited)
			atomic_fetch_add(&n_limited, 1);
		if (conf->log && !r->logged)
			write_log(r);
	}
	if (!r->resp)
		return MHD_NO;
	/* The limits on every answer of the dialects that announce them. */
	if (r->d && r->d->limit_headers && wr_limiter_on(&limiter)) {
		if (!r->have_lim) {
			pthread_mutex_lock(&limit_lock);
			wr_limiter_charge(&limiter, now_ns(), 0, 0, &r->lim);
			pthread_mutex_unlock(&limit_lock);
			r->lim.wall = wall_clock();
		}
		r->d->limit_headers(&r->lim, add_header, r->resp);
	}
	ret = MHD_queue_response(conn, r->status, r->resp);
	MHD_destroy_response(r->resp);
	r->resp = NULL;
	return ret;
}

/* Append s for an error message, printable ASCII only (a URL may decode to any bytes). */
static void
add_printable(struct wr_buf *b, const char *s)
{
	for (; *s; s++)
		wr_buf_addc(b, *s >= 0x20 && *s < 0x7f ? *s : '?');
}

static const char *
req_header(const struct wr_serve_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->ctx, MHD_HEADER_KIND, name);
}

static const char *
req_arg(const struct wr_serve_req *q, const char *name)
{
	return MHD_lookup_connection_value(q->ctx, MHD_GET_ARGUMENT_KIND, name);
}

/* Carry out a whole request to a batch API; --batch-hang logs it and withholds the answer. */
static enum MHD_Result
batch(struct req *r, struct MHD_Connection *conn)
{
	struct wr_batch_answer a;

	wr_batch_finish(r->bc, &r->q, &a);
	r->status = a.status;
	r->resp = a.resp;
	r->complete = 1;
	wr_buf_printf(&r->log, "%u\t%s\t%zu\t", a.status, a.fault ? a.fault : "-", a.lines);
	add_printable(&r->log, r->q.method);
	wr_buf_addc(&r->log, ' ');
	add_printable(&r->log, r->q.path);
	if (a.hang) {
		if (conf->log)
			write_log(r);
		r->logged = 1;
		r->delayed = 1;
		if (hang(conn)) {
			r->hung = 1;
			atomic_fetch_add(&n_hung, 1);
			return MHD_YES;
		}
	}
	return answer(r, conn);
}

/* Find the dialect and endpoint of a new request; answer at once what needs no body. */
static enum MHD_Result
start(struct req *r, struct MHD_Connection *conn, const char *url, const char *method)
{
	struct scratch *s;
	const char *cl, *allow = NULL;
	unsigned long long len;
	char *end;
	size_t i;

	r->q = (struct wr_serve_req){method, url, req_header, req_arg, conn};
	if (strcmp(url, "/stats") == 0 && (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)) {
		stats(r);
		return answer(r, conn);
	}
	if ((r->d = wr_batch_route(&r->q)) != NULL) {
		if (!key_ok(r)) {
			wr_buf_printf(&r->log, "%u\t-\t0\t", r->status);
			add_printable(&r->log, method);
			wr_buf_addc(&r->log, ' ');
			add_printable(&r->log, url);
			return answer(r, conn);
		}
		r->bc = wr_batch_open(&r->q, r->d, conn);
		return MHD_YES;
	}
	for (i = 0; i < sizeof dialects / sizeof *dialects; i++) {
		r->d = dialects[i];
		if ((r->ep = r->d->route(&r->q, &allow)) != WR_EP_NONE)
			break;
	}
	if (strcmp(url, "/stats") == 0) {
		r->ep = WR_EP_BAD_METHOD;
		allow = "GET, HEAD";
	}
	switch (r->ep) {
	case WR_EP_GENERATE:
		/* A declared length over the limit is refused before the body is read. */
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && (errno = 0, len = strtoull(cl, &end, 10), !errno) &&
		    end != cl && len > conf->max_body) {
			r->too_big = 1;
			generate(r);
			return answer(r, conn);
		}
		return MHD_YES;
	case WR_EP_MODELS:
	case WR_EP_MODEL:
		models(r);
		break;
	case WR_EP_BAD_METHOD:
		s = scratch();
		wr_buf_reset(&s->text);
		wr_buf_adds(&s->text, "Method ");
		add_printable(&s->text, method);
		wr_buf_adds(&s->text, " is not allowed on ");
		add_printable(&s->text, url);
		wr_buf_addc(&s->text, '.');
		set_error(r, WR_ERR_METHOD, s->text.s);
		MHD_add_response_header(r->resp, MHD_HTTP_HEADER_ALLOW, allow ? allow : "GET, HEAD");
		break;
	default:
		s = scratch();
		wr_buf_reset(&s->text);
		wr_buf_adds(&s->text, "Unknown request URL: ");
		add_printable(&s->text, method);
		wr_buf_addc(&s->text, ' ');
		add_printable(&s->text, url);
		wr_buf_addc(&s->text, '.');
		set_error(r, WR_ERR_NOT_FOUND, s->text.s);
		break;
	}
	return answer(r, conn);
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)version;
	if (!r) {
		r = wr_calloc(1, sizeof *r);
		*con_cls = r;
		return start(r, conn, url, method);
	}
	/* libmicrohttpd passes the same request line on every call; take it anew all the same. */
	r->q.method = method;
	r->q.path = url;
	if (r->delayed)
		return answer(r, conn);
	if (r->bc) {
		if (!*upload_size)
			return batch(r, conn);
		wr_batch_feed(r->bc, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		if (!r->too_big && r->body.len + *upload_size > conf->max_body) {
			r->too_big = 1;
			wr_buf_free(&r->body);
		}
		if (!r->too_big)
			wr_buf_add(&r->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->ep != WR_EP_GENERATE)
		return MHD_YES;
	generate(r);
	if (conf->latency_ms && r->wait) {
		/* Set first: once suspended, the timer may resume the connection at any time. */
		r->delayed = 1;
		if (delay(conn))
			return MHD_YES;
	}
	return answer(r, conn);
}

static void
completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode why)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)conn;
	(void)why;
	if (!r)
		return;
	if (r->hung)
		atomic_fetch_sub(&n_hung, 1);
	if (r->resp)
		MHD_destroy_response(r->resp);
	wr_batch_close(r->bc);
	wr_buf_free(&r->body);
	wr_buf_free(&r->log);
	free(r);
	*con_cls = NULL;
}

/* Room for as many connections as the descriptor limit allows. */
static unsigned
connection_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 65536)
		rl.rlim_cur = 65536;
	return rl.rlim_cur > 128 ? (unsigned)rl.rlim_cur - 64 : 64;
}

unsigned
wr_serve_start(const struct wr_serve_conf *c)
{
	struct sockaddr_in sa;
	pthread_condattr_t ca;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_ALLOW_SUSPEND_RESUME;

	conf = c;
	wr_map_init(&seen);
	wr_limiter_init(&limiter, conf->rpm, conf->tpm, conf->burst, now_ns());
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&dq.cond, &ca);
	pthread_cond_init(&hq.cond, &ca);
	pthread_condattr_destroy(&ca);
	if (conf->latency_ms) {
		if ((errno = pthread_create(&dq.thread, NULL, timer_main, NULL)) != 0)
			wr_die("cannot start the timer thread:");
		dq.running = 1;
	}

	wr_batch_init(conf);
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)conf->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	errno = 0;
	daemon_ = MHD_start_daemon(flags, (uint16_t)conf->port, NULL, NULL, handle, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, connection_limit(),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, 4096u,
	    MHD_OPTION_THREAD_POOL_SIZE, conf->threads > 1 ? conf->threads : 0u,
	    MHD_OPTION_END);
	if (!daemon_) {
		if (errno)
			wr_die("cannot listen on 127.0.0.1:%u:", conf->port);
		wr_die("cannot listen on 127.0.0.1:%u", conf->port);
	}
	if (!(info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT)) || !info->port)
		wr_die("cannot find the port listened on");
	wr_batch_listening(info->port);
	return info->port;
}

void
wr_serve_stop(struct wr_serve_stats *st)
{
	struct scratch *s, *next;
	int i;

	/* Suspended connections must be resumed before the daemon stops. */
	pthread_mutex_lock(&dq.lock);
	dq.stopping = 1;
	pthread_cond_broadcast(&dq.cond);
	pthread_mutex_unlock(&dq.lock);
	if (dq.running)
		pthread_join(dq.thread, NULL);
	pthread_mutex_lock(&hq.lock);
	hq.stopping = 1;
	pthread_cond_broadcast(&hq.cond);
	pthread_mutex_unlock(&hq.lock);
	if (hq.joinable)
		pthread_join(hq.thread, NULL);
	/* Let the resumed answers go out (for at most 2 s) before the daemon closes their connections. */
	for (i = 0; i < 200 && atomic_load(&n_hung) > 0; i++)
		nanosleep(&(struct timespec){0, 10000000}, NULL);
	MHD_stop_daemon(daemon_);
	daemon_ = NULL;
	wr_batch_free();
	free(dq.q);
	dq.q = NULL;
	for (s = all_scratch; s; s = next) {
		next = s->next;
		wr_chat_free(&s->chat);
		wr_buf_free(&s->out);
		wr_buf_free(&s->text);
		free(s->scores);
		free(s);
	}
	all_scratch = NULL;
	wr_map_free(&seen);
	st->requests = atomic_load(&n_requests);
	st->ok = atomic_load(&n_ok);
	st->errors = atomic_load(&n_errors);
	st->entries = atomic_load(&n_entries);
	st->rate_limited = atomic_load(&n_limited);
}
