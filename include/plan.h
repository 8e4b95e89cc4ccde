/* Before a run and after it: token estimates, prices and costs, and how long a job takes under its limits. */
#ifndef WR_PLAN_H
#define WR_PLAN_H

#include <stddef.h>

#include "common.h"
#include "json.h"

struct wr_ledger;

/* Prices in US dollars per million tokens, as --price IN:OUT[:CACHED] gives them. */
struct wr_price {
	double in;      /* prompt tokens */
	double out;     /* completion tokens */
	double cached;  /* cached prompt tokens; < 0: charged as prompt tokens */
};

/* Parse "IN:OUT" or "IN:OUT:CACHED" (non-negative decimals). 0, or -1 for nonsense. */
int wr_price_parse(const char *s, struct wr_price *p);
/* The same, exiting 2 with "LABELs: expected ..." for nonsense (label "--price " or "WR_PRICE="). */
void wr_price_arg(const char *label, const char *s, struct wr_price *p);
/* Without a --price (have 0), the price in $WR_PRICE, if set; returns whether there is a price. */
int wr_price_env(struct wr_price *p, int have);
/* Dollars for the tokens; cached is the part of prompt served from the cache. */
double wr_price_cost(const struct wr_price *p, double prompt, double cached, double completion);
/* Append "$0.0123" (4 decimals; 2 from $100 on). */
void wr_cost_format(struct wr_buf *out, double dollars);

/*
 * A job planned before it runs: how long it takes under each limit alone
 * and all together. A limit of 0 is no limit.
 */
enum wr_limit { WR_LIMIT_JOBS, WR_LIMIT_RPM, WR_LIMIT_TPM, WR_LIMIT_RPD, WR_LIMIT_N };

struct wr_plan {
	double requests;
	double tokens;   /* as counted against tpm: the sum of the requests' est.charge */
	double jobs;     /* requests in flight */
	double latency;  /* seconds per request */
	double rpm, tpm, rpd;
	/* Set by wr_plan_time: */
	double alone[WR_LIMIT_N];  /* seconds under each limit alone; for rpd the days it spans */
	double total;              /* seconds, or for rpd binding the days the job spans */
	enum wr_limit binding;
};

/*
 * Fill alone[], total and binding. Concurrency takes ceil(requests / jobs)
 * * latency, rpm requests / rpm minutes, tpm tokens / tpm minutes. The
 * daily budget binds when the other limits would send more than rpd
 * requests in a day and the job has more than rpd requests: then the job
 * spans ceil(requests / rpd) days.
 */
void wr_plan_time(struct wr_plan *p);
/* Append a duration for people: "2.5 s", "42 s", "17 min", "3.5 h", "2.1 days". */
void wr_duration_format(struct wr_buf *out, double sec);

/*
 * Bytes of the text a request body sends to the model: every string
 * "content" of body.messages (or the "text" of its parts), or the string
 * body.prompt or body.input. -1 when the body has none of these.
 */
long long wr_prompt_bytes(const struct wr_json *j, int body);

/*
 * The one token estimate of a request, for --plan and for pacing to a
 * tokens-per-minute limit. The prompt is the bytes of the text the body
 * sends to the model (wr_prompt_bytes, else the whole body) divided by 4
 * and rounded up; the completion is max_completion_tokens or max_tokens
 * when the body gives one (limit, what providers count against a limit
 * with the prompt), else 4 per entry plus 8 (limit 0: a guess for the
 * plan's cost, which providers do not count before the answer). The
 * charge is what a tokens-per-minute limit counts when the request is
 * sent, as providers count it: the request's characters / 4 (the whole
 * body, framing included: OpenAI estimates from "the character count of
 * your request", and wr-serve and the bench's delay-server count body
 * bytes / 4) plus limit. Pacing and --plan's tpm time both use the charge;
 * a server's x-ratelimit-remaining-tokens corrects it (server.h).
 */
struct wr_estimate {
	long prompt, completion;
	long limit;      /* max_tokens as given, else 0 */
	long charge;     /* (body bytes + 3) / 4 + limit */
};
void wr_estimate_tokens(const struct wr_json *j, int body, size_t body_len, size_t entries,
    struct wr_estimate *e);

/* What --plan is told besides the requests. */
struct wr_plan_opts {
	int jobs;
	double latency, rpm, tpm, rpd;
	const struct wr_price *price;     /* NULL: no cost line */
	const struct wr_ledger *ledger;   /* the -o FILE read, or NULL */
};

/*
 * --plan: read every request line of the n inputs, send nothing, and print
 * to stdout the requests (less those the ledger holds as done), estimated
 * tokens, the cost, and how long they take under each limit. Returns the
 * exit status: 1 when some lines were unusable.
 */
int wr_plan_run(const struct wr_plan_opts *o, const int *fds, char *const *names, int n);

#endif
