/* wr-serve's rate limits: token buckets for requests and tokens, as OpenAI describes them. */
#ifndef WR_SERVE_LIMIT_H
#define WR_SERVE_LIMIT_H

#include <stddef.h>
#include <stdint.h>

enum { WR_LIMIT_REQUESTS, WR_LIMIT_TOKENS, WR_NLIMITS };

/*
 * A bucket of LIMIT a minute, refilled continuously at LIMIT/60 a second
 * and holding burst seconds' worth (at least 1). Not locked: the caller
 * serialises.
 */
struct wr_bucket {
	int on;
	double limit, rate, cap, level;
	uint64_t at;             /* monotonic nanoseconds of the last refill */
};

struct wr_limiter {
	struct wr_bucket b[WR_NLIMITS];
};

/* What the headers say about one bucket, after a charge or a look. */
struct wr_limit_view {
	int on;
	double limit;
	long remaining;          /* whole units left */
	double reset;            /* seconds until the bucket is full */
};

struct wr_limits {
	struct wr_limit_view b[WR_NLIMITS];
	int refused;             /* WR_LIMIT_REQUESTS or WR_LIMIT_TOKENS when a charge failed, else -1 */
	double wait;             /* seconds until the refused request could be paid */
	double wall;             /* the wall clock (seconds since the epoch) of the view */
};

/* rpm, tpm 0: no such limit. */
void wr_limiter_init(struct wr_limiter *l, double rpm, double tpm, double burst, uint64_t now);
/* 1 when any limit is on. */
int wr_limiter_on(const struct wr_limiter *l);
/*
 * Refill at now; with pay, charge one request and tokens (each capped at
 * the bucket's size), all or nothing. Fills *v; returns 0 when paid (or
 * not paying), -1 when refused.
 */
int wr_limiter_charge(struct wr_limiter *l, uint64_t now, size_t tokens, int pay,
    struct wr_limits *v);

#endif
