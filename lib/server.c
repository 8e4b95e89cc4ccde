/* The servers of -u: their health, their pauses, and the pace their announced rate limits set. */
#include "server.h"

#include <string.h>
#include <strings.h>

/* The longest a server is held off for, in seconds (as --backoff's cap). */
#define HOLD_MAX 60.0

void
wr_server_init(struct wr_server *s, const char *base)
{
	memset(s, 0, sizeof *s);
	s->base = base;
	s->tscale = 1;
	wr_http_redact(&s->shown, base);
	if (strncasecmp(base, "http://", 7) != 0 && strncasecmp(base, "https://", 8) != 0)
		wr_die("-u %s: not an http:// or https:// URL", s->shown.s);
}

void
wr_server_free(struct wr_server *s)
{
	wr_buf_free(&s->shown);
}

/*
 * Seconds until s may take a request of the given estimated tokens, by its
 * pause and its learned limits (0: now). Until a server has answered once,
 * one request goes to it alone: its answer tells the limits to pace to,
 * where a first burst of -j requests would run into them (429s) before
 * anything is known.
 */
static double
wr_server_wait(const struct wr_server *s, double now, double tokens)
{
	struct wr_bucket b;
	double w = s->pause_until - now, t;

	if ((!s->answered && s->running > 0) || (s->window > 0 && s->running >= (int)s->window))
		return HOLD_MAX;
	if (s->lim_r > 0 && (b = s->rb, t = wr_bucket_wait(&b, now, 1)) > w)
		w = t;
	if (s->lim_t > 0 && (b = s->tb, t = wr_bucket_wait(&b, now, tokens * s->tscale)) > w)
		w = t;
	return w > 0 ? w : 0;
}

int
wr_server_pick(struct wr_server *s, int n, int *rr, double now, int avoid, double tokens, double *wait)
{
	int k, e, best = -1;
	double w;

	for (k = 0; k < n; k++) {
		e = (*rr + k) % n;
		if (e != avoid && s[e].backoff_until <= now && wr_server_wait(&s[e], now, tokens) == 0) {
			*rr = (e + 1) % n;
			return e;
		}
	}
	/* Every server is failing: keep going on the one that recovers first; each request has its own backoff. */
	for (k = 0; k < n; k++) {
		e = (*rr + k) % n;
		if (wr_server_wait(&s[e], now, tokens) == 0 && (best < 0 || s[e].backoff_until < s[best].backoff_until))
			best = e;
	}
	if (best >= 0) {
		*rr = (best + 1) % n;
		return best;
	}
	*wait = HOLD_MAX;
	for (e = 0; e < n; e++)
		if ((w = wr_server_wait(&s[e], now, tokens)) < *wait)
			*wait = w;
	return -1;
}

void
wr_server_window(struct wr_server *s, int jobs)
{
	s->window = s->jobs = jobs;
}

double
wr_server_refund(const struct wr_server *s, double est, double used)
{
	return used < 0 || s->lim_t > 0 ? 0 : est - used;
}

void
wr_server_take(struct wr_server *s, double now, double tokens)
{
	s->running++;
	if (s->lim_r > 0)
		wr_bucket_take(&s->rb, now, 1);
	if (s->lim_t > 0)
		wr_bucket_take(&s->tb, now, tokens * s->tscale);
}

/*
 * Pace to the limits a server announces (x-ratelimit-limit-*,
 * anthropic-ratelimit-*-limit), a minute's worth refilled continuously and
 * one second's held, as providers enforce them. What the server says is
 * left caps what we think is left: other clients of the same key (xargs
 * -P, a second run) spend it too.
 */
static void
learn(struct wr_server *s, const struct wr_limits *l, double now)
{
	if (l->limit_requests > 0 && l->limit_requests != s->lim_r) {
		s->lim_r = l->limit_requests;
		wr_bucket_init(&s->rb, s->lim_r, now);
	}
	if (l->limit_tokens > 0 && l->limit_tokens != s->lim_t) {
		s->lim_t = l->limit_tokens;
		wr_bucket_init(&s->tb, s->lim_t, now);
	}
	if (s->lim_r > 0 && l->remaining_requests >= 0) {
		wr_bucket_wait(&s->rb, now, 0);
		if (l->remaining_requests < s->rb.level)
			s->rb.level = l->remaining_requests;
	}
	if (s->lim_t > 0 && l->remaining_tokens >= 0) {
		wr_bucket_wait(&s->tb, now, 0);
		if (l->remaining_tokens < s->tb.level)
			s->tb.level = l->remaining_tokens;
	}
}

double
wr_server_answered(struct wr_server *s, enum wr_server_outcome what, long status,
    const struct wr_http_meta *meta, double started, double now, double base, double cap, double r)
{
	double hold;

	s->running--;
	if (status)
		s->answered = 1;
	learn(s, &meta->lim, now);
	/*
	 * Our token estimate is not the provider's count (its tokenizer, what it
	 * charges for): a 429 on the token limit charges requests more from
	 * then on, once for the requests sent since the last time, and each
	 * answer a little less, so the pace settles just under the limit
	 * whatever the ratio.
	 */
	if (s->lim_t > 0 && status == 429 && meta->lim.remaining_requests != 0) {
		if (started >= s->tscaled) {
			s->tscale = s->tscale * 1.1 < 16 ? s->tscale * 1.1 : 16;
			s->tscaled = now;
		}
	} else if (s->lim_t > 0 && what == WR_SERVER_ANSWER && s->tscale > 1)
		s->tscale = s->tscale - 0.001 > 1 ? s->tscale - 0.001 : 1;
	/* A queue full, with nothing said about limits or waits: fewer at once. */
	if (s->jobs > 0 && (status == 503 || status == 529 || status == 429) && meta->retry_after < 0 &&
	    s->lim_r <= 0 && s->lim_t <= 0) {
		if (started >= s->shrunk) {
			s->window = s->window / 2 > 1 ? s->window / 2 : 1;
			s->shrunk = now;
		}
	} else if (s->jobs > 0 && what == WR_SERVER_ANSWER && s->window < s->jobs)
		s->window = s->window + 1 / s->window < s->jobs ? s->window + 1 / s->window : s->jobs;
	/* Its health decides how much new work it gets. */
	if (what == WR_SERVER_RETRY) {
		s->fails++;
		s->backoff_until = now + wr_http_backoff(s->fails, base, cap, r);
	} else {
		s->fails = 0;
		if (what == WR_SERVER_ANSWER)
			s->backoff_until = 0;
	}
	if (what != WR_SERVER_ANSWER && meta->retry_after >= 0)
		hold = meta->retry_after;
	else if (s->lim_r > 0 || s->lim_t > 0)
		/*
		 * Its limits are known and paced to: the buckets, set from what it
		 * says is left, are the wait. (Its reset times are the time to a
		 * full bucket, far longer than the time to the next request.)
		 */
		hold = status == 429 || status == 529 ? 0 : -1;
	else
		hold = wr_http_meta_wait(meta);
	if (hold > 0 && now + hold > s->pause_until)
		s->pause_until = now + hold;
	/* "Too many requests" with no hint of how long: slow all starts to it, not just this one. */
	if (what != WR_SERVER_ANSWER && status == 429 && hold < 0) {
		double p = wr_http_backoff(s->fails, base, cap, r);
		if (now + p > s->pause_until)
			s->pause_until = now + p;
	}
	return hold;
}
