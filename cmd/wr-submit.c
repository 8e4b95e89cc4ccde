/* wr-submit: request lines in, one result line per request out, through the providers' batch APIs. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "call.h"
#include "client.h"
#include "common.h"
#include "fill.h"
#include "hash.h"
#include "jobs.h"
#include "json.h"
#include "key.h"
#include "ledger.h"
#include "line.h"
#include "plan.h"
#include "progress.h"
#include "query.h"
#include "submit.h"

#define LINE_MAX_BYTES (16u << 20)

static struct wr_client cl = WR_CLIENT_INIT;
static const struct wr_batch_api *bapi;
static struct wr_call call;
static struct wr_jobs jobs;
static struct wr_ledger ledger;
static struct wr_fill fill;
static const char *out_path, *state_dir, *shown_url;
static int quiet, no_wait, plan, cancel, replace, retries = 2;
static long max_requests;
static long long max_bytes;
static double poll_s = 10, t0;
static int out_fd = STDOUT_FILENO;
static struct wr_json json, bodyj;
static struct wr_field_warn warned;   /* body fields the API cannot carry, said once */
static struct wr_buf out, tmp;
static struct wr_progress prog;

static struct wr_submit sub;
static unsigned long n_skipped, n_held, n_bad;
static int input_error;
/* --plan */
static double plan_prompt, plan_completion;

_Noreturn static void
usage(FILE *fp, int status)
{
	fprintf(fp,
	    "usage: %s [-q] [-H HEADER]... [-o FILE] [-u URL] [--api NAME] [--api-key-file FILE]\n"
	    "       [--cacert FILE] [--cancel] [--key-header NAME] [--max-bytes N] [--max-requests N]\n"
	    "       [--no-wait] [--plan] [--poll SEC] [--price IN:OUT[:CACHED]] [--rate-wait SEC]\n"
	    "       [--replace] [--retries N] [--state DIR] [--timeout SEC] [FILE...]\n"
	    "  -H, --header HEADER       add 'Name: value' to every call; repeatable\n"
	    "  -o, --output FILE         append results to FILE, not stdout; skip requests that\n"
	    "                            already succeeded there; the jobs are recorded in FILE.jobs/\n"
	    "  -q, --quiet               no progress, no summary\n"
	    "  -u, --url URL             base URL (default $OPENAI_BASE_URL, else\n"
	    "                            https://api.openai.com/v1)\n"
	    "      --api NAME            the batch API: openai, anthropic, gemini or mistral\n"
	    "                            (default: what the URL's host speaks, else openai)\n"
	    "      --api-key-file FILE   read the API key from the first line of FILE (default\n"
	    "                            $OPENAI_API_KEY, $ANTHROPIC_API_KEY, $GEMINI_API_KEY or\n"
	    "                            $MISTRAL_API_KEY)\n"
	    "      --cacert FILE         CA certificates to verify servers with\n"
	    "      --cancel              cancel this set's running jobs, collect what they answered\n"
	    "      --key-header NAME     send the key as 'NAME: KEY'\n"
	    "      --max-bytes N         bytes of requests a job holds at most (default: the API's)\n"
	    "      --max-requests N      requests a job holds at most (default: the API's)\n"
	    "      --no-wait             one round of submitting, polling and collecting; exit 75\n"
	    "                            while jobs still run\n"
	    "      --plan                send nothing: print the jobs, their sizes and the cost\n"
	    "      --poll SEC            first wait between polls, grown up to 30 times (default 10)\n"
	    "      --price IN:OUT[:CACHED]\n"
	    "                            live dollars per million tokens; the cost is shown at batch\n"
	    "                            prices, half of these (default $WR_PRICE)\n"
	    "      --rate-wait SEC       how long calls may wait out 429 and 529 answers (default 3600)\n"
	    "      --replace             send again requests whose answer in -o FILE was for another\n"
	    "                            body; the old lines go to FILE.replaced\n"
	    "      --retries N           submit again what a job did not answer, N times (default 2)\n"
	    "      --state DIR           where the jobs are recorded (default FILE.jobs)\n"
	    "      --timeout SEC         time for one call (default 600)\n"
	    "  -h, --help                this help\n"
	    "      --version             print the version\n", wr_prog);
	exit(status);
}

/* ---- output ---- */

static void
emit(const char *s, size_t n)
{
	if (wr_write_lines(out_fd, s, n) != 0) {
		/* The reader of stdout went away: a quiet end (wr(7)); the jobs stay recorded. */
		if (errno == EPIPE && !out_path)
			wr_stdout_closed();
		wr_die("%s: write error:", out_path ? out_path : "stdout");
	}
}

static void
clear_progress(void)
{
	wr_progress_clear(&prog);
}

/* The engine's ways to write a result line and to clear the progress line. */
static void
emit_line(void *arg, const char *s, size_t n)
{
	(void)arg;
	emit(s, n);
}

static void
clear_line(void *arg)
{
	(void)arg;
	clear_progress();
}

/* ---- reading requests ---- */

/* custom_ids held by jobs that have not ended, with the job's number. */
static struct wr_map held;

/* One request line: into the job being filled, or answered as invalid. */
static void
take_request(struct wr_reader *rd, const char *s, size_t len, struct wr_request *rq, struct wr_buf *line)
{
	const char *why;
	char uid[64];
	static struct wr_buf draft, key;
	struct wr_buf item = {0}, keep = {0};

	wr_buf_reset(line);
	wr_buf_add(line, s, len);
	if (wr_request_parse(&json, line->s, line->len, rq, &why) != 0)
		goto bad;
	if (wr_ledger_state(&ledger, rq->id.s ? rq->id.s : "", rq->id.len, rq->hash) != WR_LEDGER_NEW) {
		n_skipped++;
		return;
	}
	if (rq->cid && wr_map_get(&held, rq->id.s, rq->id.len)) {
		n_held++;
		return;
	}
	if (wr_json_parse(&bodyj, rq->body, rq->body_len, &why) != 0)
		goto bad;
	wr_buf_reset(&key);
	if (bapi->item(&draft, &key, "-", &bodyj, 0, rq->path.s, rq->nentries, wr_field_warn, &warned, &why) != 0)
		goto bad;
	/* The uid is SET-INDEX: at most 27 bytes where the draft has 1. */
	wr_fill_uid(&fill, key.s, key.len, draft.len + 32, uid, sizeof uid);
	wr_batch_splice(bapi, &item, draft.s, draft.len, uid);
	if (plan) {
		plan_prompt += (double)rq->est.prompt;
		plan_completion += (double)(rq->est.limit > 0 ? rq->est.limit : rq->est.completion);
	}
	wr_keep_format(&keep, rq->cid, rq->cid_len, rq->hash, 0, rq->extra.s, rq->extra.len);
	wr_fill_add(&fill, item.s, item.len, keep.s, keep.len);
	wr_buf_free(&item);
	wr_buf_free(&keep);
	wr_buf_reset(&draft);
	return;
bad:
	wr_buf_free(&item);
	wr_buf_free(&keep);
	wr_buf_reset(&draft);
	clear_progress();
	wr_warn_at(rd->name, rd->lineno, "%s", why);
	n_bad++;
	if (plan)
		return;
	wr_buf_reset(&tmp);
	wr_buf_printf(&tmp, "request line %ld: %s", rd->lineno, why);
	{
		/* Without a custom_id, the result's id names the line, as wr-query's does. */
		struct wr_result_out r = {0};
		r.cid = rq->cid;
		r.cid_len = rq->cid ? rq->cid_len : 0;
		r.id = rq->cid ? wr_result_id(rq->cid, rq->cid_len) : wr_result_id(line->s, line->len);
		r.request_id = "";
		r.err_code = "invalid_request";
		r.err_msg = tmp.s;
		r.extra = rq->extra.s;
		r.extra_len = rq->extra.len;
		wr_buf_reset(&out);
		wr_result_format(&out, &r);
		emit(out.s, out.len);
	}
	sub.failed++;
}

/* Every request line of the inputs that is neither done nor held goes into new jobs. */
static void
read_requests(int *fds, char **names, int n)
{
	struct wr_request rq = {0};
	struct wr_buf line = {0};
	struct wr_reader rd;
	enum wr_line_status st;
	char *s;
	size_t len;
	int i;

	for (i = 0; i < n; i++) {
		wr_reader_fd(&rd, fds[i], names[i], LINE_MAX_BYTES);
		while ((st = wr_reader_next(&rd, &s, &len)) != WR_LINE_EOF) {
			if (st == WR_LINE_ERR) {
				wr_warn("%s:", names[i]);
				input_error = 1;
				break;
			}
			if (st == WR_LINE_LONG) {
				wr_warn_at(rd.name, rd.lineno, "line longer than 16 MiB");
				n_bad++;
				sub.failed++;
				continue;
			}
			if (wr_blank(s, len))
				continue;
			take_request(&rd, s, len, &rq, &line);
		}
		wr_reader_close(&rd);
	}
	wr_fill_close(&fill);
	wr_request_free(&rq);
	wr_buf_free(&line);
}

static void
show_progress(void)
{
	long total = 0, done = 0;
	int i, live = 0;

	if (!prog.on)
		return;
	wr_buf_reset(&tmp);
	for (i = 0; i < jobs.n; i++) {
		struct wr_job *j = jobs.v[i];
		if (j->ended)
			continue;
		live++;
		total += j->requests;
		done += j->st.done > 0 ? j->st.done : 0;
		if (j->st.label.len && !strstr(tmp.s ? tmp.s : "", j->st.label.s))
			wr_buf_printf(&tmp, "%s%s", tmp.len ? ", " : "", j->st.label.s);
	}
	if (live == 0)
		return;
	wr_progress_show(&prog, "%s: %d job%s (%s): %ld of %ld requests done; %.0f s", wr_prog, live,
	    live == 1 ? "" : "s", tmp.len ? tmp.s : "submitting", done, total, wr_now() - t0);
}

/* Rounds of submitting, polling and collecting until no job runs (or one round, --no-wait). */
static int
run(void)
{
	double wait = poll_s, cap = poll_s * 30 > 600 ? (poll_s > 600 ? poll_s : 600) : poll_s * 30;
	int running, moved;

	for (;;) {
		moved = 0;
		wr_submit_round(&sub, &moved);
		running = wr_submit_running(&sub);
		show_progress();
		if (running == 0 || no_wait || sub.unreached)
			return running;
		if (sub.stuck) {
			clear_progress();
			wr_warn("the provider's answers failed round after round; stopping, with the jobs recorded "
			    "in %s: run again to resume", jobs.dir);
			return running;
		}
		wait = moved ? poll_s : (wait * 1.5 > cap ? cap : wait * 1.5);
		wr_sleep(wait);
	}
}

/* ---- setup ---- */

/* Jobs recorded at another provider cannot be polled here. */
static void
check_jobs(void)
{
	int i;

	for (i = 0; i < jobs.n; i++) {
		struct wr_job *j = jobs.v[i];
		if (j->ended || !j->api.len)
			continue;
		if (strcmp(j->api.s, bapi->name) != 0 || strcmp(j->url.s, cl.urls[0]) != 0) {
			struct wr_buf a = {0};
			wr_http_redact(&a, j->url.s);
			wr_die("%s: job %d runs at %s (--api %s); give that -u and --api to collect it, "
			    "or write to another -o", jobs.dir, j->n, a.s, j->api.s);
		}
	}
}

static void
open_output(int *fds, char **names, int n)
{
	wr_ledger_resume(&ledger, out_path, fds, names, n, replace, quiet);
	out_fd = ledger.fd;
}

static void
print_plan(void)
{
	printf("api: %s (%s)\n", bapi->name, cl.urls[0]);
	printf("requests: %lu\n", fill.requests);
	if (n_bad)
		printf("invalid lines: %lu (not counted)\n", n_bad);
	if (out_path)
		printf("already done in %s: %lu\n", out_path, n_skipped);
	if (n_held)
		printf("held by jobs already made: %lu\n", n_held);
	printf("jobs: %lu", fill.made);
	if (fill.made)
		printf(" (%s; at most %ld requests and %lld bytes a job)", fill.sizes.s, max_requests, max_bytes);
	printf("\n");
	printf("prompt tokens: %.0f (estimated)\n", plan_prompt);
	printf("completion tokens: %.0f (max_tokens, else estimated)\n", plan_completion);
	if (cl.have_price) {
		wr_buf_reset(&tmp);
		wr_cost_format(&tmp, wr_price_cost(&cl.price, plan_prompt, 0, plan_completion) / 2);
		printf("est. cost: %s at batch prices (half of --price)\n", tmp.s);
	}
	printf("window: 24 h; results often come much sooner\n");
}

static void
summary(void)
{
	unsigned long total = sub.ok + sub.failed, held_now = 0, unmade_req = 0;
	int i, made = 0, unmade = 0;

	clear_progress();
	if (quiet)
		return;
	fprintf(stderr, "%s: %lu request%s: %lu ok, %lu failed", wr_prog, total, total == 1 ? "" : "s", sub.ok,
	    sub.failed);
	if (sub.created || sub.adopted)
		fprintf(stderr, "; %lu job%s made", sub.created, sub.created == 1 ? "" : "s");
	if (sub.adopted)
		fprintf(stderr, ", %lu found again after a kill", sub.adopted);
	if (sub.again)
		fprintf(stderr, "; %lu sent again", sub.again);
	if (out_path && n_skipped)
		fprintf(stderr, "; %lu already done in %s", n_skipped, out_path);
	fprintf(stderr, "; %llu prompt and %llu completion tokens", sub.prompt_tokens, sub.completion_tokens);
	if (cl.have_price) {
		wr_buf_reset(&tmp);
		wr_cost_format(&tmp, wr_price_cost(&cl.price, (double)sub.prompt_tokens, (double)sub.cached_tokens,
		    (double)sub.completion_tokens) / 2);
		fprintf(stderr, "; est. cost %s at batch prices (half of --price)", tmp.s);
	}
	fprintf(stderr, "; %.2f s\n", wr_now() - t0);
	for (i = 0; i < jobs.n; i++)
		if (!jobs.v[i]->ended && jobs.v[i]->batch.len) {
			held_now += (unsigned long)jobs.v[i]->requests;
			made++;
		} else if (!jobs.v[i]->ended) {
			unmade_req += (unsigned long)jobs.v[i]->requests;
			unmade++;
		}
	if (made > 0)
		fprintf(stderr, "%s: %d job%s still running at the provider, holding %lu request%s: results come "
		    "within its 24-hour window, often much sooner; run again to collect them (a job that outlives "
		    "the window expires, and what it did not answer is sent again)\n", wr_prog, made,
		    made == 1 ? "" : "s", held_now, held_now == 1 ? "" : "s");
	if (unmade > 0)
		fprintf(stderr, "%s: %d job%s of %lu request%s not made yet; run again to make %s\n", wr_prog, unmade,
		    unmade == 1 ? "" : "s", unmade_req, unmade_req == 1 ? "" : "s", unmade == 1 ? "it" : "them");
}

/* The options, read into the settings above; returns how many words of argv they took. */
static int
options(int argc, char **argv)
{
	enum { O_API = WR_CLIENT_OPT_END, O_CANCEL, O_MAXBYTES, O_MAXREQ, O_NOWAIT, O_PLAN, O_POLL, O_REPLACE,
		O_RETRIES, O_STATE, O_VERSION };
	static const struct option longopts[] = {
		WR_CLIENT_LONGOPTS,
		{"api", required_argument, NULL, O_API},
		{"cancel", no_argument, NULL, O_CANCEL},
		{"help", no_argument, NULL, 'h'},
		{"max-bytes", required_argument, NULL, O_MAXBYTES},
		{"max-requests", required_argument, NULL, O_MAXREQ},
		{"no-wait", no_argument, NULL, O_NOWAIT},
		{"output", required_argument, NULL, 'o'},
		{"plan", no_argument, NULL, O_PLAN},
		{"poll", required_argument, NULL, O_POLL},
		{"quiet", no_argument, NULL, 'q'},
		{"replace", no_argument, NULL, O_REPLACE},
		{"retries", required_argument, NULL, O_RETRIES},
		{"state", required_argument, NULL, O_STATE},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	static const char *const keyfile_opts[] = {"api-key-file", NULL};
	int c;

	wr_setprog(argv[0]);
	wr_key_argv(argc, argv, longopts, keyfile_opts, "set $OPENAI_API_KEY or use --api-key-file FILE");
	while ((c = getopt_long(argc, argv, "H:ho:qu:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout, WR_EXIT_OK);
		case 'o':
			out_path = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'u':
			if (cl.n_urls > 0)
				wr_die("-u: wr-submit sends a set of jobs to one provider; give -u once");
			wr_client_url(&cl, optarg);
			break;
		case O_API:
			if (!(bapi = wr_batch_find(optarg)))
				wr_die("--api %s: expected openai, anthropic, gemini or mistral", optarg);
			cl.api = bapi->dialect;
			break;
		case O_CANCEL:
			cancel = 1;
			break;
		case O_MAXBYTES:
			max_bytes = wr_strtonum(optarg, 1024, 1LL << 40, "--max-bytes");
			break;
		case O_MAXREQ:
			max_requests = (long)wr_strtonum(optarg, 1, 100000000, "--max-requests");
			break;
		case O_NOWAIT:
			no_wait = 1;
			break;
		case O_PLAN:
			plan = 1;
			break;
		case O_POLL:
			poll_s = wr_strtod_in(optarg, "--poll", 0.001, 86400);
			break;
		case O_REPLACE:
			replace = 1;
			break;
		case O_RETRIES:
			retries = (int)wr_strtonum(optarg, 0, 1000, "--retries");
			break;
		case O_STATE:
			state_dir = optarg;
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

/*
 * After the options: the provider and its batch API (--api, else what -u
 * says; Mistral's hosts and key are its own), the job limits (options go
 * lower than the API's, never higher), and where the jobs are recorded.
 */
static void
choose(struct wr_buf *shown_buf, struct wr_buf *dir)
{
	if (!bapi && cl.n_urls > 0 && wr_batch_vendor_mistral(cl.urls[0]))
		bapi = &wr_batch_mistral;
	if (bapi == &wr_batch_mistral && cl.n_urls == 0)
		wr_client_url(&cl, "https://api.mistral.ai/v1");
	wr_client_choose(&cl);
	if (bapi == &wr_batch_mistral && !wr_dialect_vendor(cl.urls[0]))
		cl.key_env = "MISTRAL_API_KEY";
	wr_http_redact(shown_buf, cl.urls[0]);
	shown_url = shown_buf->s;
	if (!bapi && !(bapi = wr_batch_of(cl.api)))
		wr_die("--api %s: no batch API; give --api openai, anthropic, gemini or mistral", cl.api->name);
	if (!max_requests || max_requests > bapi->max_requests)
		max_requests = bapi->max_requests;
	if (!max_bytes || max_bytes > bapi->max_bytes)
		max_bytes = bapi->max_bytes;
	fill.api = bapi;
	fill.url = cl.urls[0];
	fill.max_requests = max_requests;
	fill.max_bytes = max_bytes;
	if (!out_path && !state_dir && !plan)
		wr_die("batch jobs outlive this process: give -o FILE (they are recorded in FILE.jobs/) "
		    "or --state DIR");
	if (!state_dir) {
		wr_buf_printf(dir, "%s.jobs", out_path ? out_path : "");
		state_dir = dir->s;
	}
}

/* The caller of the provider's batch API and the engine that runs the jobs (lib/submit.c). */
static void
setup(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		wr_die("libcurl: cannot initialise");
	wr_client_headers(&cl, 0);
	call.cl = &cl;
	call.cacert = cl.cacert;
	call.timeout_ms = (long)(cl.timeout_s * 1000);
	call.connect_timeout_ms = 30000;
	call.retries = retries;
	call.backoff = 0.5;
	call.rate_wait = cl.rate_wait;
	wr_call_init(&call);
	fill.jobs = &jobs;
	sub.api = bapi;
	sub.call = &call;
	sub.jobs = &jobs;
	sub.fill = &fill;
	sub.retries = retries;
	sub.cancel = cancel;
	sub.shown_url = shown_url;
	sub.key_env = cl.key_env;
	sub.emit = emit_line;
	sub.clear = clear_line;
	wr_submit_init(&sub);
}

/* Free what the run holds and close the output: the exit status, made 2 by a write error. */
static int
teardown(int status)
{
	wr_client_free(&cl);
	wr_jobs_free(&jobs);
	if (out_path)
		wr_ledger_free(&ledger);
	wr_map_free(&held);
	wr_map_free(&warned.said);
	wr_json_free(&json);
	wr_json_free(&bodyj);
	wr_buf_free(&out);
	wr_buf_free(&tmp);
	wr_fill_free(&fill);
	if (out_fd != STDOUT_FILENO && close(out_fd) != 0) {
		wr_warn("%s: write error:", out_path);
		status = WR_EXIT_USAGE;
	}
	if (wr_fshut(stdout, "stdout"))
		status = WR_EXIT_USAGE;
	return status;
}

int
main(int argc, char **argv)
{
	struct wr_buf dir = {0}, shown_buf = {0};
	int n = options(argc, argv), *fds, running, status;

	argc -= n;
	argv += n;
	choose(&shown_buf, &dir);
	fds = wr_inputs_open(&argc, &argv);
	warned.api = bapi->name;
	warned.prog = &prog;
	wr_map_init(&held);
	wr_json_init(&json);
	wr_json_init(&bodyj);
	t0 = wr_now();
	wr_progress_init(&prog, quiet, 2);
	if (plan) {
		if (out_path)
			wr_ledger_peek(&ledger, out_path);
		wr_jobs_open(&jobs, state_dir, 0);
		wr_jobs_held(&jobs, &held);
		read_requests(fds, argv, argc);
		print_plan();
		status = WR_EXIT_OK;
	} else {
		wr_jobs_open(&jobs, state_dir, 1);
		check_jobs();
		if (out_path)
			open_output(fds, argv, argc);
		setup();
		wr_jobs_held(&jobs, &held);
		if (!cancel)
			read_requests(fds, argv, argc);
		running = run();
		summary();
		status = input_error ? WR_EXIT_USAGE :
		    running > 0 ? 75 : sub.failed || sub.refused ? WR_EXIT_FAIL : WR_EXIT_OK;
		wr_submit_free(&sub);
		wr_call_free(&call);
		curl_global_cleanup();
	}
	free(fds);
	wr_buf_free(&dir);
	wr_buf_free(&shown_buf);
	return teardown(status);
}
