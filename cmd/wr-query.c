/* wr-query: request lines in, one result line per request out, over one libcurl multi loop. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "common.h"
#include "dialect.h"
#include "hash.h"
#include "http.h"
#include "json.h"
#include "key.h"
#include "ledger.h"
#include "line.h"
#include "multi.h"
#include "plan.h"
#include "progress.h"
#include "query.h"
#include "queue.h"
#include "server.h"
#include "verdict.h"

#define LINE_MAX_BYTES (16u << 20)        /* longest request line */
#define BACKOFF_CAP 60.0
#define BIG_BUF (1u << 20)                /* larger per-request buffers are freed after use */
#define LINES_PER_TURN 4096               /* input lines taken between two looks at the network */
/*
 * Transfers started between two looks at the network. With -j 1024, starting
 * all at once had libcurl open every connection before sending anything, so
 * the server sat idle, then took every request in one burst; starting them 32
 * at a time sends the first requests at once and spreads the bursts.
 */
#define STARTS_PER_TURN 32

enum state { FREE, WAITING, RUNNING };
enum stop { GOING, STOP_QUIET, STOP_FATAL };

/* One request in flight (waiting for its turn or on the wire); the slots are reused. */
struct req {
	enum state state;
	CURL *easy;
	char errbuf[CURL_ERROR_SIZE];
	struct wr_buf line;        /* the request line (owned); rq points into it */
	struct wr_request rq;
	struct wr_buf resp;        /* body of the current attempt */
	struct wr_buf url;
	struct wr_buf native;      /* the body in the dialect of --api (not openai) */
	struct wr_buf npath;       /* and its path under the base URL */
	struct wr_http_meta meta;
	int attempts;              /* made so far */
	int limited;               /* of them answered 429 or 529: a wait, not a failure */
	double first;              /* when the first attempt started */
	int ep;                    /* endpoint of the current attempt */
	int too_big;
	double due;                /* when it may start */
	double started;
};


static int jobs = 16, retries = 5, quiet, verbose;
static double connect_timeout_s = 30, backoff_base = 0.5;
static long long max_response = 64LL << 20;
static double rpm, tpm, rpd, latency_est = 3;
static const char *out_path;
static int plan;

static struct wr_server *eps;
static int n_eps, rr;
static struct wr_client cl = WR_CLIENT_INIT;
static struct wr_multi mw;
static struct wr_http_conf conf;

static struct req *slots;
static struct req **freelist;
static struct wr_queue waiting;   /* requests waiting for their turn, by when they are due */
static int n_free, n_running;

static struct wr_bucket rpm_bucket, tpm_bucket;
static struct wr_json json;
static struct wr_buf out, msg;
static const struct wr_dialect *api;
static struct wr_field_warn warned;   /* body fields the dialect cannot carry, said once */
static struct wr_json bodyj;   /* a request body, parsed for translation */
static struct wr_ledger ledger;
static int replace;

static char **in_names;
static int *in_fds, n_in;
static struct wr_inputs inputs;   /* the request lines, read in turn */

static int out_fd = STDOUT_FILENO;
static const char *out_name = "stdout";
static enum stop stopping;

static unsigned long n_ok, n_failed, n_retries, n_skipped, n_sent, n_blank;
static unsigned long long prompt_tokens, completion_tokens, cached_tokens;
static int saw_cached, budget_out;
static double t0;
static struct wr_progress prog;
static struct wr_buf line;   /* the progress line */
static long total = -1;      /* request lines of the file inputs, when every input is a file */
static uint64_t rnd_state;

_Noreturn static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: %s [-qv] [-H HEADER]... [-j N] [-o FILE] [-u URL]... [--api NAME] [--api-key-file FILE]\n"
	    "       [--backoff SEC] [--cacert FILE] [--connect-timeout SEC] [--key-header NAME]\n"
	    "       [--latency-estimate SEC] [--max-response BYTES] [--plan] [--price IN:OUT[:CACHED]]\n"
	    "       [--rate-wait SEC] [--replace] [--retries N] [--rpd N] [--rpm N] [--timeout SEC]\n"
	    "       [--tpm N] [FILE...]\n"
	    "  -H, --header HEADER       add 'Name: value' to every request; repeatable\n"
	    "  -j, --jobs N              requests in flight (default 16)\n"
	    "  -o, --output FILE         append results to FILE, not stdout; skip requests\n"
	    "                            that already succeeded there\n"
	    "  -q, --quiet               no progress, no summary\n"
	    "  -u, --url URL             base URL (default $OPENAI_BASE_URL, else\n"
	    "                            https://api.openai.com/v1); repeatable\n"
	    "  -v, --verbose             log every attempt on stderr\n"
	    "      --api NAME            the provider's API: openai, anthropic or gemini (default:\n"
	    "                            what the URL's host speaks, else openai)\n"
	    "      --api-key-file FILE   read the API key from the first line of FILE (default\n"
	    "                            $OPENAI_API_KEY, $ANTHROPIC_API_KEY or $GEMINI_API_KEY)\n"
	    "      --backoff SEC         first retry delay, doubled per retry up to 60 (default 0.5)\n"
	    "      --cacert FILE         CA certificates to verify servers with\n"
	    "      --connect-timeout SEC time to connect (default 30)\n"
	    "      --key-header NAME     send the key as 'NAME: KEY', not 'Authorization: Bearer KEY'\n"
	    "      --latency-estimate SEC\n"
	    "                            seconds per request that --plan assumes (default 3)\n"
	    "      --max-response BYTES  largest answer accepted (default 67108864)\n"
	    "      --plan                send nothing: print requests, tokens, cost and time\n"
	    "      --price IN:OUT[:CACHED]\n"
	    "                            dollars per million prompt, completion (and cached\n"
	    "                            prompt) tokens, for an estimated cost (default $WR_PRICE)\n"
	    "      --rate-wait SEC       how long a request may wait out 429 and 529 answers,\n"
	    "                            which use up no retries (default 3600)\n"
	    "      --replace             send again the requests whose answer in -o FILE was for\n"
	    "                            another body; the old lines go to FILE.replaced\n"
	    "      --retries N           retries after a failed attempt (default 5)\n"
	    "      --rpd N               send at most N requests (a daily budget)\n"
	    "      --rpm N               at most N requests per minute (limits a server announces\n"
	    "                            are kept too)\n"
	    "      --timeout SEC         time for a whole attempt (default 600)\n"
	    "      --tpm N               at most about N tokens per minute\n"
	    "  -h, --help                this help\n"
	    "      --version             print the version\n", wr_prog);
	exit(status);
}

/* url for a message: user information hidden. The text lives until the next call. */
static const char *
shown(const char *url)
{
	static struct wr_buf b;

	wr_buf_reset(&b);
	wr_http_redact(&b, url);
	return b.s;
}

static void
clear_progress(void)
{
	wr_progress_clear(&prog);
}

/*
 * The live line: with file inputs, done of the whole, the rate against the
 * limits the servers announce, and the time left; on a pipe, what is done.
 */
static void
progress(double now)
{
	double el = now - t0, rate = el > 0 ? (double)(n_ok + n_failed) / el : 0, lim = 0;
	unsigned long done = n_ok + n_failed + n_skipped + n_blank;
	struct wr_buf *b = &line;
	int i;

	if (!prog.on)
		return;
	wr_buf_reset(b);
	if (total > 0)
		wr_buf_printf(b, "%lu of %ld (%.0f%%)", done, total, 100.0 * (double)done / (double)total);
	else
		wr_buf_printf(b, "%lu done", n_ok + n_failed);
	wr_buf_printf(b, ", %d in flight, %lu ok, %lu failed, %lu retries, %.1f req/s", n_running, n_ok,
	    n_failed, n_retries, rate);
	for (i = 0; i < n_eps && eps[i].lim_r > 0; i++)
		lim += eps[i].lim_r / 60;
	if (i == n_eps && lim > 0)
		wr_buf_printf(b, " of %.1f allowed", lim);
	if (total > 0 && rate > 0 && (long)done < total) {
		wr_buf_adds(b, ", ");
		wr_duration_format(b, (double)(total - (long)done) / rate);
		wr_buf_adds(b, " left");
	} else
		wr_buf_printf(b, ", %llu tokens", prompt_tokens + completion_tokens);
	wr_progress_show(&prog, "%s: %s", wr_prog, b->s);
}

__attribute__((format(printf, 1, 2)))
static void
say(const char *fmt, ...)
{
	va_list ap;

	clear_progress();
	fprintf(stderr, "%s: ", wr_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Write one whole result line with one write(2) where the kernel allows it. */
static void
emit(const char *s, size_t n)
{
	ssize_t w;

	while (n && stopping == GOING) {
		w = write(out_fd, s, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			/* The reader went away (head, a closed pipe): wr(7), "Input and output". */
			if (errno == EPIPE && out_fd == STDOUT_FILENO) {
				clear_progress();
				wr_stdout_closed();
			}
			if (errno == EPIPE)
				stopping = STOP_QUIET;
			else {
				clear_progress();
				wr_warn("%s: write error:", out_name);
				stopping = STOP_FATAL;
			}
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

static void
release(struct req *r)
{
	r->state = FREE;
	if (json.cap > 1u << 16) {
		wr_json_free(&json);
		wr_json_init(&json);
	}
	/* Keep memory bounded by the work in flight: drop what one huge request grew. */
	if (r->line.cap > BIG_BUF)
		wr_buf_free(&r->line);
	if (r->resp.cap > BIG_BUF)
		wr_buf_free(&r->resp);
	if (r->rq.extra.cap > BIG_BUF)
		wr_buf_free(&r->rq.extra);
	if (r->native.cap > BIG_BUF)
		wr_buf_free(&r->native);
	freelist[n_free++] = r;
}

/* ---- result lines ---- */

static void
write_result(struct req *r, long status, const char *body, size_t blen, int body_json,
    const char *code, const char *message)
{
	struct wr_result_out res = {0};

	res.cid = r->rq.cid;
	res.cid_len = r->rq.cid_len;
	res.id = r->rq.cid ? wr_result_id(r->rq.cid, r->rq.cid_len) : wr_result_id(r->line.s, r->line.len);
	res.status = status;
	res.request_id = r->meta.request_id;
	res.body = body;
	res.body_len = blen;
	res.body_json = body_json;
	res.err_code = code;
	res.err_msg = message;
	res.body_hash = r->rq.hash;
	res.extra = r->rq.extra.s;
	res.extra_len = r->rq.extra.len;
	wr_buf_reset(&out);
	wr_result_format(&out, &res);
	emit(out.s, out.len);
}

/* ---- input ---- */

/* The next request line: 1 with a line, 0 when none is ready yet, -1 at the end of input. */
static int
next_line(char **s, size_t *len)
{
	int r = wr_inputs_next(&inputs, s, len), e;

	if (r < 0 && inputs.error && inputs.open) {
		e = errno;
		clear_progress();
		errno = e;
		wr_warn("%s: read error:", inputs.r.name);
		wr_inputs_close(&inputs);
	}
	return r;
}

/* The request in the dialect of --api: its own body and path for all but openai. */
static int
translate(struct req *r, const char **why)
{
	wr_buf_reset(&r->native);
	wr_buf_reset(&r->npath);
	if (api == &wr_dialect_openai)
		return 0;
	if (wr_json_parse(&bodyj, r->rq.body, r->rq.body_len, why) != 0)
		return -1;
	if (api->request(&bodyj, 0, r->rq.nentries, &r->npath, &r->native, wr_field_warn, &warned, why) != 0) {
		wr_buf_reset(&r->native);
		wr_buf_reset(&r->npath);
		return -1;
	}
	return 0;
}

/* Take request lines while slots are free. */
static void
fill_slots(double now)
{
	char *s;
	size_t len;
	const char *why;
	int k, got;
	struct req *r;

	inputs.want = 0;
	if (budget_out)
		return;
	for (k = 0; k < LINES_PER_TURN && n_free > 0 && stopping == GOING; k++) {
		if ((got = next_line(&s, &len)) <= 0)
			return;
		if (s && wr_blank(s, len)) {
			n_blank++;
			continue;
		}
		r = freelist[--n_free];
		wr_buf_reset(&r->line);
		wr_http_meta_reset(&r->meta);
		if (!s) {
			/* Over-long: the reader skipped it whole, nothing of it is left to name. */
			wr_request_clear(&r->rq);
			wr_buf_adds(&r->line, inputs.r.name);
			wr_buf_printf(&r->line, ":%ld", inputs.r.lineno);
			why = "line longer than 16 MiB";
			goto bad;
		}
		wr_buf_add(&r->line, s, len);
		if (wr_request_parse(&json, r->line.s, r->line.len, &r->rq, &why) != 0)
			goto bad;
		if (wr_ledger_state(&ledger, r->rq.id.s ? r->rq.id.s : "", r->rq.id.len, r->rq.hash) !=
		    WR_LEDGER_NEW) {
			n_skipped++;
			release(r);
			continue;
		}
		if (translate(r, &why) != 0)
			goto bad;
		r->attempts = r->limited = 0;
		r->due = now;
		r->state = WAITING;
		wr_queue_push(&waiting, r, r->due);
		continue;
bad:
		clear_progress();
		wr_warn_at(inputs.r.name, inputs.r.lineno, "%s", why);
		wr_buf_reset(&msg);
		wr_buf_printf(&msg, "request line %ld: %s", inputs.r.lineno, why);
		write_result(r, 0, NULL, 0, 0, "invalid_request", msg.s);
		n_failed++;
		release(r);
	}
}

/* ---- scheduling ---- */

/*
 * Round robin over the servers, passing over those backing off and, for a
 * retry, the one that just failed it; -1 (and *wait) when all hold off.
 */
static void
start(struct req *r, int ep, double now)
{
	CURL *h;

	if (!r->easy)
		r->easy = wr_http_easy(&conf, r, r->errbuf);
	h = r->easy;
	wr_buf_reset(&r->url);
	if (r->npath.len)
		wr_http_join(&r->url, eps[ep].base, r->npath.s, r->npath.len);
	else
		wr_http_join(&r->url, eps[ep].base, r->rq.path.s, r->rq.path.len);
	wr_buf_reset(&r->resp);
	wr_http_meta_reset(&r->meta);
	r->too_big = 0;
	r->errbuf[0] = '\0';
	curl_easy_setopt(h, CURLOPT_URL, r->url.s);
	if (r->native.len) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->native.len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->native.s);
	} else {
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->rq.body_len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->rq.body);
	}
	/* Wait for a connection that may multiplex (HTTP/2 over TLS); plain http is HTTP/1.1 and must not wait. */
	curl_easy_setopt(h, CURLOPT_PIPEWAIT, strncasecmp(r->url.s, "https:", 6) == 0 ? 1L : 0L);
	wr_multi_add(&mw, h);
	r->ep = ep;
	r->started = now;
	r->state = RUNNING;
	n_running++;
	n_sent++;
	if (!r->attempts++)
		r->first = now;
	if (rpm > 0)
		wr_bucket_take(&rpm_bucket, now, 1);
	if (tpm > 0)
		wr_bucket_take(&tpm_bucket, now, (double)r->rq.est_tokens);
	wr_server_take(&eps[ep], now, (double)r->rq.est_tokens);
}

/* Start every request that is due and allowed; return seconds until the next may be, or -1. */
static double
schedule(double now)
{
	struct req *r;
	double w;
	int ep, started = 0;

	while ((r = wr_queue_top(&waiting, NULL)) != NULL) {
		if (started == STARTS_PER_TURN)
			return 0;
		if (r->due > now)
			return r->due - now;
		if (rpd > 0 && (double)n_sent >= rpd) {
			budget_out = 1;
			return -1;
		}
		w = 0;
		if (rpm > 0)
			w = wr_bucket_wait(&rpm_bucket, now, 1);
		if (tpm > 0) {
			double t = wr_bucket_wait(&tpm_bucket, now, (double)r->rq.est_tokens);
			if (t > w)
				w = t;
		}
		if (w > 0)
			return w;
		if ((ep = wr_server_pick(eps, n_eps, &rr, now, r->attempts > 0 && n_eps > 1 ? r->ep : -1,
		    (double)r->rq.est_tokens, &w)) < 0)
			return w;
		wr_queue_pop(&waiting);
		start(r, ep, now);
		started++;
	}
	return -1;
}

/* ---- answers ---- */

static size_t
on_body(char *p, size_t size, size_t n, void *data)
{
	struct req *r = data;

	n *= size;
	if ((long long)(r->resp.len + n) > max_response) {
		r->too_big = 1;
		return 0;
	}
	wr_buf_add(&r->resp, p, n);
	return n;
}

static size_t
on_header(char *p, size_t size, size_t n, void *data)
{
	struct req *r = data;

	n *= size;
	wr_http_meta_header(&r->meta, api, p, n, time(NULL));
	if (r->meta.content_length > max_response) {
		r->too_big = 1;
		return 0;
	}
	return n;
}

/* A good answer; it is in json. */
static void
success(struct req *r, const char *body, size_t blen, double now)
{
	struct wr_reading rd;
	double pt, ct, tt;

	api->read(&json, 0, &rd);
	pt = rd.prompt_tokens > 0 ? rd.prompt_tokens : 0;
	ct = rd.completion_tokens > 0 ? rd.completion_tokens : 0;
	tt = rd.prompt_tokens >= 0 || rd.completion_tokens >= 0 ? pt + ct : -1;
	if (rd.cached_tokens >= 0) {
		saw_cached = 1;
		cached_tokens += (unsigned long long)rd.cached_tokens;
	}
	prompt_tokens += (unsigned long long)pt;
	completion_tokens += (unsigned long long)ct;
	/* Correct the token bucket by what the request really cost. */
	if (tpm > 0)
		wr_bucket_put(&tpm_bucket, wr_server_refund(&eps[r->ep], (double)r->rq.est_tokens, tt));
	if (verbose)
		say("%.*s attempt %d: %s: HTTP 200 in %.3f s", (int)r->rq.cid_len, r->rq.cid, r->attempts,
		    shown(r->url.s), now - r->started);
	write_result(r, 200, body, blen, 1, NULL, NULL);
	n_ok++;
}

/* Nothing can succeed as things are set up: one message instead of an error line per request. */
static void
stop_run(struct req *r, const char *why)
{
	clear_progress();
	wr_warn("%s: %s; stopping", shown(r->url.s), why);
	stopping = STOP_FATAL;
}

/* Classify the attempt r made (lib/verdict.c). */
static void
classify(struct req *r, CURLcode cc, struct wr_verdict *v)
{
	struct wr_attempt a = {cc, 0, r->resp.s, r->resp.len, r->errbuf, r->too_big, max_response};

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &a.status);
	wr_verdict_of(v, &a, api, &json, cl.key_env);
}

/* What the answer says about its server, and how long to hold off (< 0: nothing said). */
static double
judge_server(struct req *r, const struct wr_verdict *v, double now)
{
	double hold = wr_server_answered(&eps[r->ep], v->what == WR_ANSWER ? WR_SERVER_ANSWER :
	    v->what == WR_RETRY ? WR_SERVER_RETRY : WR_SERVER_FINAL, v->status, &r->meta, r->started, now,
	    backoff_base, BACKOFF_CAP, wr_jitter(&rnd_state));

	/* A request the limit turned away was not charged. */
	if (v->status == 429 && tpm > 0)
		wr_bucket_put(&tpm_bucket, (double)r->rq.est_tokens);
	if (v->status == 429 && rpm > 0)
		wr_bucket_put(&rpm_bucket, 1);
	return hold;
}

/* An attempt is over: write its answer, try it again, or write its error. */
static void
finish(struct req *r, CURLcode cc, double now)
{
	struct wr_verdict v = {0};
	double hold, delay;

	curl_multi_remove_handle(mw.m, r->easy);
	n_running--;
	classify(r, cc, &v);
	if (v.what == WR_STOP) {
		stop_run(r, v.why);
		release(r);
		wr_buf_free(&v.pmsg);
		return;
	}
	hold = judge_server(r, &v, now);
	if (v.what == WR_ANSWER) {
		success(r, v.body, v.blen, now);
		release(r);
		wr_buf_free(&v.pmsg);
		return;
	}
	/* 429 and 529 say "wait": they use up time (--rate-wait), not --retries. */
	if (v.status == 429 || v.status == 529)
		r->limited++;
	delay = hold >= 0 ? hold + hold * 0.1 * wr_jitter(&rnd_state) :
	    wr_http_backoff(v.status == 429 || v.status == 529 ? r->limited : r->attempts - r->limited,
	    backoff_base, BACKOFF_CAP, wr_jitter(&rnd_state));
	if (v.what == WR_RETRY && (v.status == 429 || v.status == 529 ? now + delay - r->first <= cl.rate_wait :
	    r->attempts - r->limited <= retries)) {
		if (verbose)
			say("%.*s attempt %d: %s: %s in %.3f s; retry in %.2f s", (int)r->rq.cid_len, r->rq.cid,
			    r->attempts, shown(r->url.s), v.why, now - r->started, delay);
		n_retries++;
		r->due = now + delay;
		r->state = WAITING;
		wr_queue_push(&waiting, r, r->due);
		wr_buf_free(&v.pmsg);
		return;
	}
	if (verbose)
		say("%.*s attempt %d: %s: %s in %.3f s; giving up", (int)r->rq.cid_len, r->rq.cid,
		    r->attempts, shown(r->url.s), v.why, now - r->started);
	wr_buf_reset(&msg);
	wr_buf_adds(&msg, v.why);
	if (v.pmsg.len) {
		wr_buf_adds(&msg, ": ");
		wr_buf_adds(&msg, v.pmsg.s);
	}
	wr_buf_printf(&msg, " (%d attempt%s)", r->attempts, r->attempts == 1 ? "" : "s");
	write_result(r, v.status, v.body, v.blen, v.body_json, v.code, msg.s);
	n_failed++;
	release(r);
	wr_buf_free(&v.pmsg);
}

/* ---- the loop ---- */

static int
drain(void)
{
	CURLMsg *m;
	char *p;
	int left, n = 0;

	while (stopping == GOING && (m = curl_multi_info_read(mw.m, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p);
		finish((struct req *)(void *)p, m->data.result, wr_now());
		n++;
	}
	return n;
}

static void
run(void)
{
	double now, next, wait;

	for (;;) {
		now = wr_now();
		progress(now);
		if (stopping == GOING)
			fill_slots(now);
		next = stopping == GOING ? schedule(now) : -1;
		if (stopping != GOING || (inputs.done && n_free == jobs) || (budget_out && n_running == 0))
			break;
		wr_multi_start(&mw);
		if (drain() > 0)
			continue;
		wait = prog.on ? 0.25 : 5;
		if (next >= 0 && next < wait)
			wait = next;
		wr_multi_wait(&mw, wait, inputs.want && inputs.open ? inputs.r.fd : -1);
	}
}

/* ---- setup ---- */

/* The servers of -u, once the client has chosen its dialect and URLs. */
static void
add_servers(void)
{
	int i;

	n_eps = cl.n_urls;
	eps = wr_calloc((size_t)n_eps, sizeof *eps);
	for (i = 0; i < n_eps; i++)
		wr_server_init(&eps[i], cl.urls[i]);
}

/*
 * -o FILE: append there, and skip what already succeeded. A request whose
 * answer there was for another body is never skipped as done: the run
 * stops before sending anything, or with --replace sends it again and sets
 * the old answer aside.
 */
static void
open_output(void)
{
	wr_ledger_resume(&ledger, out_path, in_fds, in_names, n_in, replace, quiet);
	out_fd = ledger.fd;
	out_name = out_path;
}

static void
open_inputs(int argc, char **argv)
{
	/* Every file first, so that a bad name stops the run before any request is sent. */
	in_fds = wr_inputs_open(&argc, &argv);
	in_names = argv;
	n_in = argc;
	inputs.fds = in_fds;
	inputs.names = in_names;
	inputs.n = n_in;
	inputs.max = LINE_MAX_BYTES;
}

static void
setup(void)
{
	struct rlimit rl;
	int i;

	wr_client_headers(&cl, 1);

	/* Each request may hold a connection to each server. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max &&
	    rl.rlim_cur < (rlim_t)jobs * 2 + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		wr_die("libcurl: cannot initialise");
	/* Keep a connection for every request in flight, to each server, between transfers. */
	wr_multi_init(&mw, (long)jobs * n_eps + 4);

	conf.timeout_ms = (long)(cl.timeout_s * 1000);
	conf.connect_timeout_ms = (long)(connect_timeout_s * 1000);
	conf.cacert = cl.cacert;
	conf.headers = cl.headers;
	conf.body_cb = on_body;
	conf.header_cb = on_header;

	slots = wr_calloc((size_t)jobs, sizeof *slots);
	freelist = wr_malloc((size_t)jobs * sizeof *freelist);
	wr_queue_init(&waiting, (size_t)jobs);
	for (i = jobs - 1; i >= 0; i--)
		freelist[n_free++] = &slots[i];
	t0 = wr_now();
	if (rpm > 0)
		wr_bucket_init(&rpm_bucket, rpm, t0);
	if (tpm > 0)
		wr_bucket_init(&tpm_bucket, tpm, t0);
	warned.api = api->name;
	warned.prog = &prog;
	wr_json_init(&bodyj);
	rnd_state = wr_jitter_seed();
	for (i = 0; i < n_eps; i++)
		wr_server_window(&eps[i], jobs);
	wr_progress_init(&prog, quiet, 4);
	if (prog.on)
		total = wr_lines_left(in_fds, n_in);
}

static void
teardown(void)
{
	int i;

	for (i = 0; i < jobs; i++) {
		struct req *r = &slots[i];
		if (r->easy) {
			if (r->state == RUNNING)
				curl_multi_remove_handle(mw.m, r->easy);
			curl_easy_cleanup(r->easy);
		}
		wr_buf_free(&r->line);
		wr_buf_free(&r->resp);
		wr_buf_free(&r->url);
		wr_buf_free(&r->native);
		wr_buf_free(&r->npath);
		wr_request_free(&r->rq);
	}
	wr_multi_free(&mw);
	wr_client_free(&cl);
	curl_global_cleanup();
	for (i = 0; i < n_eps; i++)
		wr_server_free(&eps[i]);
	free(eps);
	free(slots);
	free(freelist);
	wr_queue_free(&waiting);
	free(in_fds);
	wr_inputs_close(&inputs);
	if (out_path)
		wr_ledger_free(&ledger);
	wr_json_free(&json);
	wr_json_free(&bodyj);
	wr_map_free(&warned.said);
	wr_buf_free(&out);
	wr_buf_free(&msg);
	wr_buf_free(&line);
}

/* --plan: what the run would send, cost and take, from the inputs alone. */
static int
run_plan(void)
{
	struct wr_plan_opts po = {jobs, latency_est, rpm, tpm, rpd, cl.have_price ? &cl.price : NULL, NULL};
	int i, status;

	if (out_path) {
		wr_ledger_peek(&ledger, out_path);
		po.ledger = &ledger;
	}
	status = wr_plan_run(&po, in_fds, in_names, n_in);
	free(in_fds);
	wr_client_free(&cl);
	for (i = 0; i < n_eps; i++)
		wr_server_free(&eps[i]);
	free(eps);
	if (out_path)
		wr_ledger_free(&ledger);
	wr_json_free(&json);
	wr_buf_free(&out);
	if (wr_fshut(stdout, "stdout"))
		status = WR_EXIT_USAGE;
	return status;
}

/* The one line at the end: requests, retries, what was not sent, tokens and cost. */
static void
summary(void)
{
	clear_progress();
	if (quiet)
		return;
	fprintf(stderr, "%s: %lu request%s: %lu ok, %lu failed; %lu retr%s", wr_prog,
	    n_ok + n_failed, n_ok + n_failed == 1 ? "" : "s", n_ok, n_failed, n_retries,
	    n_retries == 1 ? "y" : "ies");
	if (out_path)
		fprintf(stderr, "; %lu already done in %s", n_skipped, out_path);
	if (stopping != GOING && n_running + (int)waiting.n > 0)
		fprintf(stderr, "; %d not answered", n_running + (int)waiting.n);
	if (budget_out && (waiting.n > 0 || !inputs.done))
		fprintf(stderr, "; --rpd %.0f reached, the rest not sent", rpd);
	fprintf(stderr, "; %llu prompt", prompt_tokens);
	if (saw_cached)
		fprintf(stderr, " (%llu cached, %.0f%%)", cached_tokens,
		    prompt_tokens ? 100.0 * (double)cached_tokens / (double)prompt_tokens : 0.0);
	fprintf(stderr, " and %llu completion tokens", completion_tokens);
	if (cl.have_price) {
		wr_buf_reset(&msg);
		wr_cost_format(&msg, wr_price_cost(&cl.price, (double)prompt_tokens, (double)cached_tokens,
		    (double)completion_tokens));
		fprintf(stderr, "; est. cost %s", msg.s);
	}
	fprintf(stderr, "; %.2f s\n", wr_now() - t0);
}

static double
positive(const char *s, const char *opt)
{
	double v = wr_strtod(s, opt);

	if (v <= 0 || v > 1e7)
		wr_die("%s %s: must be above 0 and at most 10000000", opt, s);
	return v;
}

/* The options, read into the settings above; returns how many words of argv they took. */
static int
options(int argc, char **argv)
{
	enum { O_API = WR_CLIENT_OPT_END, O_BACKOFF, O_CONNTO, O_LATENCY, O_MAXRESP, O_PLAN, O_REPLACE,
		O_RETRIES, O_RPD, O_RPM, O_TPM, O_VERSION };
	static const struct option longopts[] = {
		WR_CLIENT_LONGOPTS,
		{"api", required_argument, NULL, O_API},
		{"backoff", required_argument, NULL, O_BACKOFF},
		{"connect-timeout", required_argument, NULL, O_CONNTO},
		{"help", no_argument, NULL, 'h'},
		{"jobs", required_argument, NULL, 'j'},
		{"latency-estimate", required_argument, NULL, O_LATENCY},
		{"max-response", required_argument, NULL, O_MAXRESP},
		{"output", required_argument, NULL, 'o'},
		{"plan", no_argument, NULL, O_PLAN},
		{"quiet", no_argument, NULL, 'q'},
		{"replace", no_argument, NULL, O_REPLACE},
		{"retries", required_argument, NULL, O_RETRIES},
		{"rpd", required_argument, NULL, O_RPD},
		{"rpm", required_argument, NULL, O_RPM},
		{"tpm", required_argument, NULL, O_TPM},
		{"verbose", no_argument, NULL, 'v'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	static const char *const keyfile_opts[] = {"api-key-file", NULL};
	int c;

	wr_setprog(argv[0]);
	wr_key_argv(argc, argv, longopts, keyfile_opts, "set $OPENAI_API_KEY or use --api-key-file FILE");
	/* libcurl writes to sockets whose peer may be gone; EPIPE is handled where it happens. */
	signal(SIGPIPE, SIG_IGN);
	while ((c = getopt_long(argc, argv, "H:hj:o:qu:v", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout, WR_EXIT_OK);
		case 'j':
			jobs = (int)wr_strtonum(optarg, 1, 10000, "-j");
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case O_API:
			if (!(cl.api = wr_dialect_find(optarg)))
				wr_die("--api %s: expected openai, anthropic or gemini", optarg);
			break;
		case O_BACKOFF:
			backoff_base = wr_strtod_in(optarg, "--backoff", 0, BACKOFF_CAP);
			break;
		case O_CONNTO:
			connect_timeout_s = positive(optarg, "--connect-timeout");
			break;
		case O_LATENCY:
			latency_est = positive(optarg, "--latency-estimate");
			break;
		case O_PLAN:
			plan = 1;
			break;
		case O_REPLACE:
			replace = 1;
			break;
		case O_RPD:
			rpd = (double)wr_strtonum(optarg, 1, 1000000000, "--rpd");
			break;
		case O_MAXRESP:
			max_response = wr_strtonum(optarg, 1, 1LL << 40, "--max-response");
			break;
		case O_RETRIES:
			retries = (int)wr_strtonum(optarg, 0, 1000, "--retries");
			break;
		case O_RPM:
			rpm = positive(optarg, "--rpm");
			break;
		case O_TPM:
			tpm = positive(optarg, "--tpm");
			break;
		case O_VERSION:
			wr_print_version();
		default:
			if (!wr_client_option(&cl, c, optarg))
				usage(stderr, WR_EXIT_USAGE);
		}
	}
	return optind;
}

int
main(int argc, char **argv)
{
	int n = options(argc, argv), status;

	argc -= n;
	argv += n;
	wr_client_choose(&cl);
	api = cl.api;
	add_servers();

	open_inputs(argc, argv);
	if (plan)
		return run_plan();
	if (out_path)
		open_output();
	setup();
	run();

	summary();
	status = n_failed || (budget_out && (waiting.n > 0 || !inputs.done)) ? WR_EXIT_FAIL : WR_EXIT_OK;
	if (stopping == STOP_FATAL || inputs.error)
		status = WR_EXIT_USAGE;
	teardown();
	if (out_fd != STDOUT_FILENO && close(out_fd) != 0) {
		wr_warn("%s: write error:", out_path);
		status = WR_EXIT_USAGE;
	}
	if (wr_fshut(stdout, "stdout"))
		status = WR_EXIT_USAGE;
	return status;
}
