/* wr-serve's rate limits: continuously refilled token buckets, all-or-nothing charges. */
#include "serve_limit.h"

#include <string.h>

static void
bucket_init(struct wr_bucket *b, double per_minute, double burst, uint64_t now)
{
	memset(b, 0, sizeof *b);
	if (per_minute <= 0)
		return;
	b->on = 1;
	b->limit = per_minute;
	b->rate = per_minute / 60;
	b->cap = b->rate * burst > 1 ? b->rate * burst : 1;
	b->level = b->cap;
	b->at = now;
}

void
wr_limiter_init(struct wr_limiter *l, double rpm, double tpm, double burst, uint64_t now)
{
	bucket_init(&l->b[WR_LIMIT_REQUESTS], rpm, burst, now);
	bucket_init(&l->b[WR_LIMIT_TOKENS], tpm, burst, now);
}

int
wr_limiter_on(const struct wr_limiter *l)
{
	return l->b[WR_LIMIT_REQUESTS].on || l->b[WR_LIMIT_TOKENS].on;
}

static void
refill(struct wr_bucket *b, uint64_t now)
{
	if (now > b->at) {
		b->level += (double)(now - b->at) * 1e-9 * b->rate;
		if (b->level > b->cap)
			b->level = b->cap;
	}
	b->at = now;
}

int
wr_limiter_charge(struct wr_limiter *l, uint64_t now, size_t tokens, int pay,
    struct wr_limits *v)
{
	double need[WR_NLIMITS] = {1, (double)tokens}, wait;
	struct wr_bucket *b;
	int i, ok = 1;

	v->refused = -1;
	v->wait = 0;
	for (i = 0; i < WR_NLIMITS; i++) {
		b = &l->b[i];
		if (!b->on)
			continue;
		refill(b, now);
		if (need[i] > b->cap)
			need[i] = b->cap;
		if (pay && b->level < need[i]) {
			ok = 0;
			wait = (need[i] - b->level) / b->rate;
			if (v->refused < 0 || wait > v->wait) {
				v->refused = i;
				v->wait = wait;
			}
		}
	}
	for (i = 0; i < WR_NLIMITS; i++) {
		b = &l->b[i];
		v->b[i].on = b->on;
		if (!b->on)
			continue;
		if (pay && ok)
			b->level -= need[i];
		v->b[i].limit = b->limit;
		v->b[i].remaining = b->level > 0 ? (long)b->level : 0;
		v->b[i].reset = (b->cap - b->level) / b->rate;
	}
	return ok ? 0 : -1;
}
