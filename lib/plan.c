/* Before a run and after it: token estimates, prices and costs, and how long a job takes under its limits. */
#include "plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ledger.h"
#include "line.h"
#include "query.h"

#define LINE_MAX_BYTES (16u << 20)        /* as wr-query reads request lines */
#define BATCH_MAX_LINES 50000             /* the OpenAI Batch API's limits per file */
#define BATCH_MAX_BYTES 200000000LL

/* A price: a non-negative decimal from s up to the next ':' or the end. */
static const char *
price_part(const char *s, double *v)
{
	size_t n = strcspn(s, ":");

	if ((*v = wr_decimal(s, n)) < 0 || *v > 1e6)
		return NULL;
	return s + n;
}

int
wr_price_parse(const char *s, struct wr_price *p)
{
	p->cached = -1;
	if (!(s = price_part(s, &p->in)) || *s++ != ':' || !(s = price_part(s, &p->out)))
		return -1;
	if (*s == '\0')
		return 0;
	if (*s++ != ':' || !(s = price_part(s, &p->cached)) || *s != '\0')
		return -1;
	return 0;
}

double
wr_price_cost(const struct wr_price *p, double prompt, double cached, double completion)
{
	double c = p->cached >= 0 ? p->cached : p->in;

	if (cached > prompt)
		cached = prompt;
	if (cached < 0)
		cached = 0;
	return ((prompt - cached) * p->in + cached * c + completion * p->out) / 1e6;
}

void
wr_cost_format(struct wr_buf *out, double dollars)
{
	wr_buf_printf(out, dollars >= 100 ? "$%.2f" : "$%.4f", dollars);
}

void
wr_plan_time(struct wr_plan *p)
{
	double other = 0, days;
	int k;

	for (k = 0; k < WR_LIMIT_N; k++)
		p->alone[k] = 0;
	if (p->jobs > 0)
		p->alone[WR_LIMIT_JOBS] = ceil(p->requests / p->jobs) * p->latency;
	if (p->rpm > 0)
		p->alone[WR_LIMIT_RPM] = p->requests / p->rpm * 60;
	if (p->tpm > 0)
		p->alone[WR_LIMIT_TPM] = p->tokens / p->tpm * 60;
	p->binding = WR_LIMIT_JOBS;
	for (k = WR_LIMIT_JOBS; k <= WR_LIMIT_TPM; k++)
		if (p->alone[k] > other) {
			other = p->alone[k];
			p->binding = (enum wr_limit)k;
		}
	p->total = other;
	if (p->rpd <= 0)
		return;
	days = ceil(p->requests / p->rpd);
	p->alone[WR_LIMIT_RPD] = days > 1 ? days : 1;
	/* The budget binds when the job outlasts it and the others would spend a day's budget within a day. */
	if (p->requests > p->rpd && (other <= 0 || p->rpd * other / p->requests < 86400)) {
		p->binding = WR_LIMIT_RPD;
		p->total = days;
	}
}

void
wr_duration_format(struct wr_buf *out, double sec)
{
	if (sec < 10)
		wr_buf_printf(out, "%.1f s", sec);
	else if (sec < 120)
		wr_buf_printf(out, "%.0f s", sec);
	else if (sec < 2 * 3600)
		wr_buf_printf(out, "%.0f min", sec / 60);
	else if (sec < 2 * 86400)
		wr_buf_printf(out, "%.1f h", sec / 3600);
	else
		wr_buf_printf(out, "%.1f days", sec / 86400);
}

/* Decoded bytes of string token t, or 0 when t is no string. */
static long long
str_bytes(const struct wr_json *j, int t, struct wr_buf *tmp)
{
	if (t < 0 || j->tok[t].type != JSMN_STRING)
		return 0;
	wr_buf_reset(tmp);
	if (wr_json_str(j, t, tmp) != 0)
		return 0;
	return (long long)tmp->len;
}

long long
wr_prompt_bytes(const struct wr_json *j, int body)
{
	struct wr_buf tmp = {0};
	long long n = -1;
	int msgs, m, c, part, k, q;

	if (body < 0 || j->tok[body].type != JSMN_OBJECT)
		return -1;
	if ((msgs = wr_json_get(j, body, "messages")) >= 0 && j->tok[msgs].type == JSMN_ARRAY) {
		n = 0;
		for (k = 0, m = msgs + 1; k < j->tok[msgs].size; k++, m = wr_json_skip(j, m)) {
			if ((c = wr_json_get(j, m, "content")) < 0)
				continue;
			if (j->tok[c].type == JSMN_STRING) {
				n += str_bytes(j, c, &tmp);
				continue;
			}
			if (j->tok[c].type != JSMN_ARRAY)
				continue;
			for (q = 0, part = c + 1; q < j->tok[c].size; q++, part = wr_json_skip(j, part))
				n += str_bytes(j, wr_json_get(j, part, "text"), &tmp);
		}
	} else if ((c = wr_json_get(j, body, "prompt")) >= 0 && j->tok[c].type == JSMN_STRING)
		n = str_bytes(j, c, &tmp);
	else if ((c = wr_json_get(j, body, "input")) >= 0 && j->tok[c].type == JSMN_STRING)
		n = str_bytes(j, c, &tmp);
	wr_buf_free(&tmp);
	return n;
}

void
wr_estimate_tokens(const struct wr_json *j, int body, size_t body_len, size_t entries, struct wr_estimate *e)
{
	long long pb = wr_prompt_bytes(j, body);
	double max = -1;
	int t = wr_json_get(j, body, "max_completion_tokens");

	if (pb < 0)
		pb = (long long)body_len;
	e->prompt = (long)((pb + 3) / 4);
	if (t < 0)
		t = wr_json_get(j, body, "max_tokens");
	e->limit = 0;
	if (t < 0 || wr_json_num(j, t, &max) != 0 || max < 0 || max > 1e9)
		max = 4.0 * (double)entries + 8;
	else
		e->limit = (long)max;
	e->completion = (long)max;
	e->charge = (long)((body_len + 3) / 4) + e->limit;
}

static const char *const limit_name[WR_LIMIT_N] = {"concurrency", "rpm", "tpm", "rpd"};

/* "(16 in flight, 3 s each)" and the like, for the limit k of p. */
static void
limit_desc(struct wr_buf *b, const struct wr_plan *p, enum wr_limit k)
{
	switch (k) {
	case WR_LIMIT_JOBS:
		wr_buf_printf(b, "%.0f in flight, ", p->jobs);
		wr_duration_format(b, p->latency);
		wr_buf_adds(b, " each");
		break;
	case WR_LIMIT_RPM:
		wr_buf_printf(b, "%.15g requests per minute", p->rpm);
		break;
	case WR_LIMIT_TPM:
		wr_buf_printf(b, "%.15g tokens per minute", p->tpm);
		break;
	default:
		wr_buf_printf(b, "%.15g requests per day", p->rpd);
		break;
	}
}

static void
plan_line(struct wr_buf *out, const struct wr_plan *p, enum wr_limit k, const char *lead, double t, int days)
{
	wr_buf_reset(out);
	wr_buf_printf(out, "%s%s (", lead, limit_name[k]);
	limit_desc(out, p, k);
	wr_buf_adds(out, "): ");
	if (days)
		wr_buf_printf(out, "%.0f day%s", t, t == 1 ? "" : "s");
	else
		wr_duration_format(out, t);
	wr_buf_addc(out, '\n');
	fputs(out->s, stdout);
}

int
wr_plan_run(const struct wr_plan_opts *o, const int *fds, char *const *names, int n)
{
	struct wr_request rq = {0};
	struct wr_json json;
	struct wr_reader r;
	struct wr_plan p = {0};
	struct wr_buf out = {0};
	struct stat st;
	unsigned long long prompt = 0, completion = 0, charge = 0;
	unsigned long bad = 0, skipped = 0, changed = 0, lines;
	long long bytes;
	enum wr_line_status ls;
	const char *why;
	char *s;
	size_t len;
	int i;

	wr_json_init(&json);
	for (i = 0; i < n; i++) {
		wr_reader_fd(&r, fds[i], names[i], LINE_MAX_BYTES);
		r.owned = fds[i] != STDIN_FILENO;
		lines = 0;
		bytes = 0;
		while ((ls = wr_reader_next(&r, &s, &len)) != WR_LINE_EOF) {
			if (ls == WR_LINE_ERR)
				wr_die("%s: read error:", names[i]);
			if (ls == WR_LINE_LONG) {
				wr_warn_at(names[i], r.lineno, "line longer than 16 MiB");
				bad++;
				lines++;
				continue;
			}
			bytes += (long long)len + 1;
			len = wr_chomp_cr(s, len);
			if (wr_blank(s, len))
				continue;
			lines++;
			if (wr_request_parse(&json, s, len, &rq, &why) != 0) {
				wr_warn_at(names[i], r.lineno, "%s", why);
				bad++;
				continue;
			}
			switch (o->ledger ? wr_ledger_state(o->ledger, rq.id.s ? rq.id.s : "", rq.id.len, rq.hash) :
			    WR_LEDGER_NEW) {
			case WR_LEDGER_DONE:
				skipped++;
				continue;
			case WR_LEDGER_CHANGED:
				changed++;
				break;
			case WR_LEDGER_NEW:
				break;
			}
			prompt += (unsigned long long)rq.est.prompt;
			completion += (unsigned long long)rq.est.completion;
			charge += (unsigned long long)rq.est.charge;
			p.requests++;
		}
		if (fstat(r.fd, &st) == 0 && S_ISREG(st.st_mode))
			bytes = (long long)st.st_size;
		wr_reader_close(&r);
		if (lines > BATCH_MAX_LINES)
			printf("%s: %lu requests, over the OpenAI Batch limit of %d per file\n", names[i],
			    lines, BATCH_MAX_LINES);
		if (bytes > BATCH_MAX_BYTES)
			printf("%s: %lld bytes, over the OpenAI Batch limit of %lld per file\n", names[i],
			    bytes, BATCH_MAX_BYTES);
	}
	wr_request_free(&rq);
	wr_json_free(&json);

	printf("requests: %.0f\n", p.requests);
	if (bad)
		printf("invalid lines: %lu (not counted)\n", bad);
	if (o->ledger) {
		printf("already done in %s: %lu\n", o->ledger->path, skipped);
		if (changed)
			printf("answered in %s for another body: %lu (sent only with --replace)\n",
			    o->ledger->path, changed);
	}
	printf("prompt tokens: %llu (estimated)\n", prompt);
	printf("completion tokens: %llu (max_tokens, else estimated)\n", completion);
	if (o->price) {
		wr_buf_adds(&out, "est. cost: ");
		wr_cost_format(&out, wr_price_cost(o->price, (double)prompt, 0, (double)completion));
		puts(out.s);
	}
	/* What a tokens-per-minute limit counts, as pacing charges it. */
	p.tokens = (double)charge;
	p.jobs = o->jobs;
	p.latency = o->latency;
	p.rpm = o->rpm;
	p.tpm = o->tpm;
	p.rpd = o->rpd;
	wr_plan_time(&p);
	plan_line(&out, &p, WR_LIMIT_JOBS, "", p.alone[WR_LIMIT_JOBS], 0);
	if (p.rpm > 0)
		plan_line(&out, &p, WR_LIMIT_RPM, "", p.alone[WR_LIMIT_RPM], 0);
	if (p.tpm > 0)
		plan_line(&out, &p, WR_LIMIT_TPM, "", p.alone[WR_LIMIT_TPM], 0);
	if (p.rpd > 0)
		plan_line(&out, &p, WR_LIMIT_RPD, "", p.alone[WR_LIMIT_RPD], 1);
	plan_line(&out, &p, p.binding, "binding limit: ", p.total, p.binding == WR_LIMIT_RPD);
	wr_buf_free(&out);
	return bad ? WR_EXIT_FAIL : WR_EXIT_OK;
}

void
wr_price_arg(const char *label, const char *s, struct wr_price *p)
{
	if (wr_price_parse(s, p) != 0)
		wr_die("%s%s: expected IN:OUT or IN:OUT:CACHED, dollars per million tokens", label, s);
}

int
wr_price_env(struct wr_price *p, int have)
{
	const char *env = getenv("WR_PRICE");

	if (have || !env || !*env)
		return have;
	wr_price_arg("WR_PRICE=", env, p);
	return 1;
}
