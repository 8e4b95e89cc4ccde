/* HTTP client pieces for wr-query: libcurl handles, response headers, retry timing, rate buckets. */
#include "http.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest Retry-After or reset we believe; more is a broken server. */
#define MAX_WAIT (24.0 * 3600.0)

void
wr_http_meta_reset(struct wr_http_meta *m)
{
	m->retry_after = -1;
	wr_limits_reset(&m->lim);
	m->content_length = -1;
	m->request_id[0] = '\0';
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A non-negative decimal integer filling s[0..n); -1 otherwise. */
static long long
count(const char *s, size_t n)
{
	long long v = 0;
	size_t i;

	if (n == 0 || n > 18)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
wr_http_retry_after(const char *s, size_t n, time_t now, double *sec)
{
	char tmp[64];
	double v;
	time_t t;

	while (n && is_space(*s))
		s++, n--;
	while (n && is_space(s[n - 1]))
		n--;
	if (n == 0 || n >= sizeof tmp)
		return -1;
	if ((*s >= '0' && *s <= '9') || *s == '-' || *s == '.') {
		if ((v = wr_decimal(s, n)) < 0)
			return -1;
	} else {
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		if ((t = curl_getdate(tmp, NULL)) == -1)
			return -1;
		v = t > now ? (double)(t - now) : 0;
	}
	*sec = v > MAX_WAIT ? MAX_WAIT : v;
	return 0;
}

/* Case-insensitive: does the header line start with name and a colon? Sets the trimmed value. */
static int
header_is(const char *line, size_t n, const char *name, const char **val, size_t *vlen)
{
	size_t k = strlen(name);

	if (n <= k || line[k] != ':' || strncasecmp(line, name, k) != 0)
		return 0;
	line += k + 1;
	n -= k + 1;
	while (n && is_space(*line))
		line++, n--;
	while (n && is_space(line[n - 1]))
		n--;
	*val = line;
	*vlen = n;
	return 1;
}

void
wr_http_meta_header(struct wr_http_meta *m, const struct wr_dialect *d, const char *line, size_t n, time_t now)
{
	const char *v;
	size_t vn;
	double dv;

	if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		wr_http_meta_reset(m);
		return;
	}
	/* -1 and other nonsense (seen from Azure) leave the field unset. */
	if (header_is(line, n, "retry-after", &v, &vn)) {
		if (wr_http_retry_after(v, vn, now, &dv) == 0)
			m->retry_after = dv;
	} else if (header_is(line, n, "content-length", &v, &vn)) {
		m->content_length = count(v, vn);
	} else if (header_is(line, n, "x-request-id", &v, &vn) || header_is(line, n, "request-id", &v, &vn)) {
		if (vn >= sizeof m->request_id)
			vn = sizeof m->request_id - 1;
		memcpy(m->request_id, v, vn);
		m->request_id[vn] = '\0';
	} else
		wr_dialect_header_line(d, &m->lim, line, n, now);
}

/* The reset of a limit whose remaining count is 0, or -1. */
static double
spent(double remaining, double reset)
{
	return remaining == 0 && reset >= 0 ? (reset > MAX_WAIT ? MAX_WAIT : reset) : -1;
}

double
wr_http_meta_wait(const struct wr_http_meta *m)
{
	const struct wr_limits *l = &m->lim;
	double w = spent(l->remaining_requests, l->reset_requests), t;

	if ((t = spent(l->remaining_tokens, l->reset_tokens)) > w)
		w = t;
	if ((t = spent(l->remaining_input_tokens, l->reset_input_tokens)) > w)
		w = t;
	if ((t = spent(l->remaining_output_tokens, l->reset_output_tokens)) > w)
		w = t;
	return w;
}

size_t
wr_http_body_start(const char *s, size_t n)
{
	size_t i = 0;

	if (n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	for (;;) {
		while (i < n && is_space(s[i]))
			i++;
		if (i >= n || s[i] != ':')
			return i;
		/* An SSE comment line: skip to its end. */
		while (i < n && s[i] != '\n')
			i++;
	}
}

void
wr_http_join(struct wr_buf *out, const char *base, const char *path, size_t pathlen)
{
	size_t blen = strlen(base);

	while (blen && base[blen - 1] == '/')
		blen--;
	wr_buf_add(out, base, blen);
	if (pathlen >= 3 && memcmp(path, "/v1", 3) == 0 && (pathlen == 3 || path[3] == '/')) {
		path += 3;
		pathlen -= 3;
	}
	if (pathlen && *path != '/')
		wr_buf_addc(out, '/');
	wr_buf_add(out, path, pathlen);
}

void
wr_http_redact(struct wr_buf *out, const char *url)
{
	const char *p = strstr(url, "://"), *host, *at, *end;

	host = p ? p + 3 : url;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	if (!at) {
		wr_buf_adds(out, url);
		return;
	}
	/* The last '@' of the authority ends the user information. */
	while (memchr(at + 1, '@', (size_t)(end - at - 1)))
		at = memchr(at + 1, '@', (size_t)(end - at - 1));
	wr_buf_add(out, url, (size_t)(host - url));
	wr_buf_adds(out, "***");
	wr_buf_adds(out, at);
}

enum wr_http_class
wr_http_classify(long status)
{
	if (status == 200)
		return WR_HTTP_OK;
	if (status == 401 || status == 403)
		return WR_HTTP_STOP;
	if (status == 408 || status == 409 || status == 429 || (status >= 500 && status <= 599))
		return WR_HTTP_RETRY;
	return WR_HTTP_FINAL;
}

int
wr_http_curl_retryable(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_PARTIAL_FILE:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_AGAIN:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP3:
	case CURLE_QUIC_CONNECT_ERROR:
		return 1;
	default:
		return 0;
	}
}

int
wr_http_curl_fatal(CURLcode c)
{
	switch (c) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return 1;
	default:
		return 0;
	}
}

double
wr_http_backoff(int k, double base, double cap, double r)
{
	double d = base;

	while (--k > 0 && d < cap)
		d *= 2;
	if (d > cap)
		d = cap;
	return d / 2 + d / 2 * r;
}

void
wr_bucket_init(struct wr_bucket *b, double per_minute, double now)
{
	b->rate = per_minute / 60.0;
	b->cap = b->rate > 1 ? b->rate : 1;
	b->level = b->cap;
	b->last = now;
}

static void
refill(struct wr_bucket *b, double now)
{
	if (now > b->last) {
		b->level += (now - b->last) * b->rate;
		if (b->level > b->cap)
			b->level = b->cap;
		b->last = now;
	}
}

double
wr_bucket_wait(struct wr_bucket *b, double now, double n)
{
	double need = n < b->cap ? n : b->cap;

	refill(b, now);
	if (b->level >= need)
		return 0;
	return (need - b->level) / b->rate;
}

void
wr_bucket_take(struct wr_bucket *b, double now, double n)
{
	refill(b, now);
	b->level -= n;
}

void
wr_bucket_put(struct wr_bucket *b, double n)
{
	b->level += n;
	if (b->level > b->cap)
		b->level = b->cap;
}

#define SETOPT(h, opt, val) do { \
	if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK) \
		wr_die("libcurl refused option %s", #opt); \
} while (0)

CURL *
wr_http_easy(const struct wr_http_conf *c, void *priv, char *errbuf)
{
	CURL *h = curl_easy_init();

	if (!h)
		wr_die("libcurl: cannot create a handle");
	SETOPT(h, CURLOPT_PRIVATE, priv);
	SETOPT(h, CURLOPT_ERRORBUFFER, errbuf);
	SETOPT(h, CURLOPT_WRITEFUNCTION, c->body_cb);
	SETOPT(h, CURLOPT_WRITEDATA, priv);
	SETOPT(h, CURLOPT_HEADERFUNCTION, c->header_cb);
	SETOPT(h, CURLOPT_HEADERDATA, priv);
	SETOPT(h, CURLOPT_HTTPHEADER, (struct curl_slist *)c->headers);
	SETOPT(h, CURLOPT_USERAGENT, "wr-query/" WR_VERSION);
	SETOPT(h, CURLOPT_NOSIGNAL, 1L);
	SETOPT(h, CURLOPT_NOPROGRESS, 1L);
	SETOPT(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(h, CURLOPT_TCP_NODELAY, 1L);
	SETOPT(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(h, CURLOPT_SSL_VERIFYPEER, 1L);
	SETOPT(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->cacert)
		SETOPT(h, CURLOPT_CAINFO, c->cacert);
	return h;
}
