/* HTTP client pieces for wr-query: libcurl handles, response headers, retry timing, rate buckets. */
#ifndef WR_HTTP_H
#define WR_HTTP_H

#include <stddef.h>
#include <time.h>

#include <curl/curl.h>

#include "common.h"
#include "dialect.h"
#include "json.h"

/* What the response headers of one attempt said. */
struct wr_http_meta {
	double retry_after;       /* Retry-After in seconds; < 0 when absent or nonsense */
	struct wr_limits lim;     /* the rate-limit headers, as the dialect reads them */
	long long content_length; /* Content-Length; -1 when absent */
	char request_id[128];     /* x-request-id or request-id (cut to fit); "" when absent */
};

void wr_http_meta_reset(struct wr_http_meta *m);
/*
 * Take one header line as libcurl's header callback hands it over (with
 * its CRLF). A status line ("HTTP/...") starts a new response and resets m.
 * Rate-limit headers are read the way dialect d sends them.
 */
void wr_http_meta_header(struct wr_http_meta *m, const struct wr_dialect *d, const char *line, size_t n,
    time_t now);
/*
 * Seconds the rate-limit headers ask us to hold off before the next
 * request to this server (a remaining count of 0 with its reset time), or
 * < 0 when they ask nothing.
 */
double wr_http_meta_wait(const struct wr_http_meta *m);

/* Retry-After: delay-seconds or an HTTP-date. 0 with *sec set, or -1 for nonsense. */
int wr_http_retry_after(const char *s, size_t n, time_t now, double *sec);

/*
 * Offset of the answer in a response body: skips what a server sends while
 * it holds the connection before answering (blank lines, "\r\n", SSE
 * comments such as ": keep-alive", a UTF-8 BOM).
 */
size_t wr_http_body_start(const char *s, size_t n);

/*
 * Append to out the URL for a request: base (trailing slashes ignored)
 * followed by path without a leading "/v1" segment, so base ".../v1" and
 * path "/v1/chat/completions" give ".../v1/chat/completions".
 */
void wr_http_join(struct wr_buf *out, const char *base, const char *path, size_t pathlen);
/* Append url to out with any user:password@ replaced by "***@", for messages. */
void wr_http_redact(struct wr_buf *out, const char *url);

/* How to treat an HTTP status. */
enum wr_http_class {
	WR_HTTP_OK,     /* 200: the answer */
	WR_HTTP_RETRY,  /* 408, 409, 429, 5xx: try again later */
	WR_HTTP_FINAL,  /* any other status: a final error for this request */
	WR_HTTP_STOP    /* 401, 403: the key is refused, stop the whole run */
};
enum wr_http_class wr_http_classify(long status);
/* 1 when a libcurl error is worth another attempt (connection trouble, timeouts). */
int wr_http_curl_retryable(CURLcode c);
/*
 * 1 when a libcurl error means no request to this server can ever succeed
 * as things are set up (a certificate that cannot be verified, a bad CA
 * file, a URL libcurl cannot use): the run should stop.
 */
int wr_http_curl_fatal(CURLcode c);

/*
 * Backoff before retry number k (1 for the first retry): base * 2^(k-1)
 * capped at cap, then "equal jitter": half of it fixed, half scaled by r in
 * [0, 1).
 */
double wr_http_backoff(int k, double base, double cap, double r);

/*
 * Token bucket for a per-minute limit: refills at limit/60 per second and
 * holds at most one second's worth (at least 1), so a run stays under the
 * limit at every scale a provider measures. The level may go below zero
 * when one take is larger than the bucket; later takes then wait.
 */
struct wr_bucket {
	double rate;   /* per second */
	double cap;
	double level;
	double last;   /* time of the last refill, seconds */
};

void wr_bucket_init(struct wr_bucket *b, double per_minute, double now);
/* Seconds until n can be taken (0: now). n larger than the bucket waits for a full one. */
double wr_bucket_wait(struct wr_bucket *b, double now, double n);
/* Take n (the level may go negative). */
void wr_bucket_take(struct wr_bucket *b, double now, double n);
/* Give back n (or take more when n < 0), as a correction after the fact. */
void wr_bucket_put(struct wr_bucket *b, double n);

/* The options every transfer of a run shares. */
struct wr_http_conf {
	long timeout_ms;              /* whole attempt, keep-alive bytes included */
	long connect_timeout_ms;
	const char *cacert;           /* NULL: the system store */
	const struct curl_slist *headers;
	curl_write_callback body_cb;  /* CURLOPT_WRITEFUNCTION */
	curl_write_callback header_cb;
};

/*
 * A new easy handle set up from conf, with priv as CURLOPT_PRIVATE and as
 * the data of both callbacks, and errbuf (CURL_ERROR_SIZE bytes, living as
 * long as the handle) as CURLOPT_ERRORBUFFER. Exits 2 on failure.
 */
CURL *wr_http_easy(const struct wr_http_conf *conf, void *priv, char *errbuf);

#endif
