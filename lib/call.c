/* One HTTP call at a time, for the batch APIs: retries, Retry-After, the answer kept or streamed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "call.h"
#include "common.h"
#include "json.h"

#define BACKOFF_CAP 60.0

#define SETOPT(h, opt, val) do { \
	if (curl_easy_setopt((h), (opt), (val)) != CURLE_OK) \
		wr_die("libcurl: cannot set " #opt); \
} while (0)

void
wr_call_init(struct wr_call *c)
{
	const struct curl_slist *l;
	int json = 0;

	for (l = c->cl->headers; l; l = l->next) {
		if (strncasecmp(l->data, "Content-Type", 12) == 0 && (l->data[12] == ':' || l->data[12] == ';'))
			json = 1;
		if (!(c->json_headers = curl_slist_append(c->json_headers, l->data)))
			wr_die("out of memory");
	}
	if (!json && !(c->json_headers = curl_slist_append(c->json_headers, "Content-Type: application/json")))
		wr_die("out of memory");
	if (!(c->easy = curl_easy_init()))
		wr_die("libcurl: cannot create a handle");
	c->rnd = wr_jitter_seed();
}

void
wr_call_free(struct wr_call *c)
{
	if (c->easy)
		curl_easy_cleanup(c->easy);
	curl_slist_free_all(c->json_headers);
	wr_buf_free(&c->body);
	wr_buf_free(&c->why);
	wr_buf_free(&c->url);
	c->easy = NULL;
	c->json_headers = NULL;
}

static size_t
on_body(char *p, size_t size, size_t n, void *data)
{
	struct wr_call *c = data;
	long status = 0;

	n *= size;
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	if (c->sink && status >= 200 && status < 300) {
		if (!c->sinking) {
			c->sinking = 1;
			c->sink(c->arg, NULL, 0);
		}
		if (c->sink(c->arg, p, n) != 0) {
			c->sink_failed = 1;
			return 0;
		}
		return n;
	}
	wr_buf_add(&c->body, p, n);
	return n;
}

static size_t
on_header(char *p, size_t size, size_t n, void *data)
{
	struct wr_call *c = data;

	wr_http_meta_header(&c->meta, c->cl->api, p, size * n, time(NULL));
	return size * n;
}

/* "scheme://host:port" of url: its length. */
static size_t
origin(const char *url)
{
	const char *p = strstr(url, "://");

	if (!p)
		return 0;
	p += 3;
	return (size_t)(p - url) + strcspn(p, "/?#");
}

/* The URL of a call: a path under the base URL, or a URL on the base URL's own host. 0 or -1. */
static int
make_url(struct wr_call *c, const char *path)
{
	const char *base = c->cl->urls[0];
	size_t n;

	wr_buf_reset(&c->url);
	if (strncasecmp(path, "http://", 7) != 0 && strncasecmp(path, "https://", 8) != 0) {
		wr_http_join(&c->url, base, path, strlen(path));
		return 0;
	}
	/* The key goes with every call: never to a host other than the one -u names. */
	n = origin(base);
	if (n == 0 || origin(path) != n || strncasecmp(base, path, n) != 0)
		return -1;
	wr_buf_adds(&c->url, path);
	return 0;
}

/* Once: set the handle up for rq. */
static curl_mime *
prepare(struct wr_call *c, const struct wr_call_req *rq, FILE **fp)
{
	CURL *h = c->easy;
	curl_mime *mime = NULL;
	curl_mimepart *part;

	curl_easy_reset(h);
	SETOPT(h, CURLOPT_URL, c->url.s);
	SETOPT(h, CURLOPT_ERRORBUFFER, c->errbuf);
	SETOPT(h, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(h, CURLOPT_WRITEDATA, c);
	SETOPT(h, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(h, CURLOPT_HEADERDATA, c);
	SETOPT(h, CURLOPT_USERAGENT, "wr-submit/" WR_VERSION);
	SETOPT(h, CURLOPT_NOSIGNAL, 1L);
	SETOPT(h, CURLOPT_NOPROGRESS, 1L);
	SETOPT(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	SETOPT(h, CURLOPT_TCP_KEEPALIVE, 1L);
	SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(h, CURLOPT_FOLLOWLOCATION, 0L);
	SETOPT(h, CURLOPT_ACCEPT_ENCODING, "");
	if (c->cacert)
		SETOPT(h, CURLOPT_CAINFO, c->cacert);
	SETOPT(h, CURLOPT_HTTPHEADER, rq->form_file ? c->cl->headers : c->json_headers);
	if (rq->form_file) {
		if (!(mime = curl_mime_init(h)) || !(part = curl_mime_addpart(mime)))
			wr_die("libcurl: cannot make a form");
		curl_mime_name(part, "purpose");
		curl_mime_data(part, rq->form_purpose, CURL_ZERO_TERMINATED);
		if (!(part = curl_mime_addpart(mime)))
			wr_die("libcurl: cannot make a form");
		curl_mime_name(part, "file");
		if (curl_mime_filedata(part, rq->form_file) != CURLE_OK)
			wr_die("%s: cannot be read", rq->form_file);
		curl_mime_type(part, "application/jsonl");
		SETOPT(h, CURLOPT_MIMEPOST, mime);
	} else if (rq->file) {
		if (!(*fp = fopen(rq->file, "rb")))
			wr_die("%s:", rq->file);
		fseeko(*fp, 0, SEEK_END);
		SETOPT(h, CURLOPT_POST, 1L);
		SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)ftello(*fp));
		rewind(*fp);
		SETOPT(h, CURLOPT_READDATA, *fp);
	} else if (rq->json) {
		SETOPT(h, CURLOPT_POSTFIELDS, rq->json);
		SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->json_len);
	}
	if (strcmp(rq->method, "POST") != 0 && strcmp(rq->method, "GET") != 0)
		SETOPT(h, CURLOPT_CUSTOMREQUEST, rq->method);
	else if (strcmp(rq->method, "POST") == 0 && !rq->json && !rq->file && !rq->form_file) {
		SETOPT(h, CURLOPT_POSTFIELDS, "");
		SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
	}
	return mime;
}

long
wr_call(struct wr_call *c, const struct wr_call_req *rq)
{
	const char *jwhy;
	struct wr_json j;
	curl_mime *mime;
	FILE *fp = NULL;
	CURLcode cc;
	double t0 = wr_now(), wait;
	int tries = 0, again, cls;

	wr_buf_reset(&c->why);
	c->status = 0;
	c->unreached = 0;
	if (make_url(c, rq->path) != 0) {
		wr_buf_printf(&c->why, "the provider pointed to %.*s, another host than -u: not followed",
		    (int)origin(rq->path), rq->path);
		return 0;
	}
	c->sink = rq->sink;
	c->arg = rq->arg;
	mime = prepare(c, rq, &fp);
	wr_json_init(&j);
	for (;;) {
		wr_buf_reset(&c->body);
		wr_buf_reset(&c->why);
		wr_http_meta_reset(&c->meta);
		c->errbuf[0] = '\0';
		c->sinking = c->sink_failed = 0;
		c->status = 0;
		if (fp)
			rewind(fp);
		cc = curl_easy_perform(c->easy);
		if (cc == CURLE_OK)
			curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &c->status);
		again = 0;
		wait = -1;
		if (c->sink_failed) {
			c->status = 0;
			wr_buf_adds(&c->why, "the answer could not be taken in");
			break;
		}
		c->unreached = cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_COULDNT_RESOLVE_PROXY ||
		    cc == CURLE_COULDNT_CONNECT;
		if (cc != CURLE_OK) {
			wr_buf_adds(&c->why, c->errbuf[0] ? c->errbuf : curl_easy_strerror(cc));
			again = rq->idempotent ? wr_http_curl_retryable(cc) : cc == CURLE_COULDNT_CONNECT;
		} else if (c->status < 200 || c->status >= 300) {
			int root = wr_json_parse(&j, c->body.s ? c->body.s : "", c->body.len, &jwhy) == 0 ? 0 : -1;
			struct wr_buf pm = {0};

			cls = c->cl->api->error(&j, root, c->status, &pm);
			wr_buf_printf(&c->why, "HTTP %ld", c->status);
			if (pm.len)
				wr_buf_printf(&c->why, ": %s", pm.s);
			wr_buf_free(&pm);
			if (c->status == 429 || c->status == 529 || c->status == 503) {
				/* The provider did nothing and says "later": a wait, bounded by time, not a retry. */
				wait = c->meta.retry_after >= 0 ? c->meta.retry_after :
				    wr_http_backoff(tries + 1, c->backoff, BACKOFF_CAP, wr_jitter(&c->rnd));
				if (wr_now() + wait - t0 <= c->rate_wait) {
					wr_sleep(wait);
					continue;
				}
			} else if (rq->idempotent && (cls == WR_ERR_RETRY ||
			    (cls == WR_ERR_DEFAULT && wr_http_classify(c->status) == WR_HTTP_RETRY)))
				again = 1;
		}
		if (!again || tries >= c->retries)
			break;
		tries++;
		wr_sleep(c->meta.retry_after >= 0 ? c->meta.retry_after :
		    wr_http_backoff(tries, c->backoff, BACKOFF_CAP, wr_jitter(&c->rnd)));
	}
	wr_json_free(&j);
	if (fp)
		fclose(fp);
	curl_mime_free(mime);
	return c->status;
}
