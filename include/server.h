/* The servers of -u: their health, their pauses, and the pace their announced rate limits set. */
#ifndef WR_SERVER_H
#define WR_SERVER_H

#include "common.h"
#include "dialect.h"
#include "http.h"

struct wr_server {
	const char *base;
	struct wr_buf shown;       /* base without user information, for messages */
	int fails;                 /* retryable failures in a row */
	double backoff_until;      /* prefer other servers until then */
	double pause_until;        /* it asked us to hold off until then */
	double lim_r, lim_t;       /* requests and tokens a minute its headers announce; 0: none */
	struct wr_bucket rb, tb;   /* paced to those limits */
	double tscale;             /* what its token limit charges a request, over our estimate */
	double tscaled;            /* when tscale last grew */
	int answered;              /* it has answered once (so its limits, if any, are known) */
	int running;               /* requests on the wire to it */
	double window, jobs;       /* requests it may have at once (AIMD), and -j; 0: no window */
	double shrunk;             /* when the window last shrank */
};

/* What one attempt's answer was, as the server's bookkeeping needs it. */
enum wr_server_outcome { WR_SERVER_ANSWER, WR_SERVER_RETRY, WR_SERVER_FINAL };

/* A server at base (a URL; borrowed). Exits 2 when it is no http(s) URL. */
void wr_server_init(struct wr_server *s, const char *base);
void wr_server_free(struct wr_server *s);

/*
 * Round robin over the n servers that may take a request now, passing over
 * those backing off and avoid (the one a retry just failed on, or -1);
 * when every one is failing, the one that recovers first. Returns the
 * index, or -1 with *wait set when all hold off.
 */
int wr_server_pick(struct wr_server *s, int n, int *rr, double now, int avoid, double tokens, double *wait);
/*
 * A server that neither announces limits nor says how long to wait, but
 * answers 503, 529 or 429 when its own queue is full (vLLM, llama.cpp,
 * DeepSeek under load), gets a window of requests in flight: halved at
 * such an answer (once a round trip), grown by one a window of answers,
 * up to jobs (-j).
 */
void wr_server_window(struct wr_server *s, int jobs);
/*
 * What to give back to a --tpm bucket that charged est tokens for a request
 * to s whose answer reported used tokens (prompt + completion; < 0: none).
 * A server that announces a token limit says in its remaining headers what
 * it counted, which is the estimate's kind of count (characters / 4 plus
 * max_tokens, at the request), not the usage (its tokenizer, the answer's
 * length): nothing. Otherwise the usage is the best count there is:
 * est - used.
 */
double wr_server_refund(const struct wr_server *s, double est, double used);
/* A request of tokens goes to s now. */
void wr_server_take(struct wr_server *s, double now, double tokens);
/*
 * The answer to a request started at started came back: learn the limits
 * its headers in meta announce, keep the server's health, and return how
 * long the answer asks us to hold off (< 0: nothing said). r is a uniform
 * draw in [0, 1) for the jitter of backoffs; base and cap those of
 * --backoff.
 */
double wr_server_answered(struct wr_server *s, enum wr_server_outcome what, long status,
    const struct wr_http_meta *meta, double started, double now, double base, double cap, double r);

#endif
