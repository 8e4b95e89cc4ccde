/* The batch API tables by name, and what they share. */
#include <string.h>
#include <strings.h>

#include "batch.h"

const struct wr_batch_api *
wr_batch_find(const char *name)
{
	if (strcmp(name, "openai") == 0)
		return &wr_batch_openai;
	if (strcmp(name, "anthropic") == 0)
		return &wr_batch_anthropic;
	if (strcmp(name, "gemini") == 0)
		return &wr_batch_gemini;
	if (strcmp(name, "mistral") == 0)
		return &wr_batch_mistral;
	return NULL;
}

int
wr_batch_vendor_mistral(const char *url)
{
	const char *h = strstr(url, "://");
	size_t n;

	if (!h)
		return 0;
	h += 3;
	if (strchr(h, '@') && strchr(h, '@') < h + strcspn(h, "/"))
		h = strchr(h, '@') + 1;
	n = strcspn(h, ":/?#");
	while (n > 0 && h[n - 1] == '.')
		n--;
	return (n == 10 && strncasecmp(h, "mistral.ai", 10) == 0) ||
	    (n > 11 && strncasecmp(h + n - 11, ".mistral.ai", 11) == 0);
}

const struct wr_batch_api *
wr_batch_of(const struct wr_dialect *d)
{
	return d == &wr_dialect_anthropic ? &wr_batch_anthropic : d == &wr_dialect_gemini ? &wr_batch_gemini :
	    d == &wr_dialect_openai ? &wr_batch_openai : NULL;
}

void
wr_job_status_free(struct wr_job_status *st)
{
	wr_buf_free(&st->label);
	wr_buf_free(&st->output);
	wr_buf_free(&st->errors);
	wr_buf_free(&st->message);
}

int
wr_batch_str(const struct wr_json *j, int i, struct wr_buf *out)
{
	wr_buf_reset(out);
	if (i < 0 || j->tok[i].type != JSMN_STRING)
		return -1;
	return wr_json_str(j, i, out);
}

int
wr_batch_answer(struct wr_call *c, struct wr_json *j)
{
	const char *why;

	if (c->status < 200 || c->status >= 300)
		return -1;
	if (wr_json_parse(j, c->body.s ? c->body.s : "", c->body.len, &why) != 0 || j->tok[0].type != JSMN_OBJECT) {
		wr_buf_reset(&c->why);
		wr_buf_printf(&c->why, "HTTP %ld with an answer that is no JSON object", c->status);
		return -1;
	}
	return 0;
}

int
wr_batch_line(struct wr_json *j, const char *line, size_t len, struct wr_job_line *r)
{
	const char *why;

	wr_buf_reset(&r->msg);
	r->uid = r->body = r->request_id = NULL;
	r->uid_len = r->body_len = r->rid_len = 0;
	r->status = 0;
	r->retry = 0;
	r->code = NULL;
	r->index = -1;
	return wr_json_parse(j, line, len, &why) == 0 && j->tok[0].type == JSMN_OBJECT ? 0 : -1;
}

void
wr_batch_http_error(const struct wr_json *j, int msg, struct wr_job_line *r)
{
	r->code = "http_error";
	if (wr_batch_str(j, msg, &r->msg) != 0 || r->msg.len == 0) {
		wr_buf_reset(&r->msg);
		wr_buf_printf(&r->msg, "HTTP %ld", r->status);
	}
	r->retry = wr_http_classify(r->status) == WR_HTTP_RETRY;
}

int
wr_batch_simple(struct wr_call *c, const char *method, const char *fmt, const char *id,
    int (*sink)(void *arg, const char *s, size_t n), void *arg)
{
	struct wr_buf path = {0};
	struct wr_call_req rq = {.method = method, .idempotent = 1, .sink = sink, .arg = arg};
	long st;

	wr_buf_printf(&path, fmt, id);
	rq.path = path.s;
	st = wr_call(c, &rq);
	wr_buf_free(&path);
	return st >= 200 && st < 300 ? 0 : -1;
}

int
wr_batch_get(struct wr_call *c, const char *fmt, const char *id, struct wr_json *j)
{
	struct wr_buf path = {0};
	struct wr_call_req rq = {.method = "GET", .idempotent = 1};
	int r;

	wr_buf_printf(&path, fmt, id);
	rq.path = path.s;
	r = wr_call(c, &rq) != 0 && wr_batch_answer(c, j) == 0 ? 0 : -1;
	wr_buf_free(&path);
	return r;
}

int
wr_batch_answer_id(struct wr_call *c, const char *field, struct wr_buf *id)
{
	struct wr_json j;
	int r = -1;

	wr_json_init(&j);
	if (wr_batch_answer(c, &j) == 0 && wr_batch_str(&j, wr_json_get(&j, 0, field), id) == 0 && id->len)
		r = 0;
	else if (c->status >= 200 && c->status < 300) {
		wr_buf_reset(&c->why);
		wr_buf_printf(&c->why, "HTTP %ld without an %s", c->status, field);
	}
	wr_json_free(&j);
	return r;
}

int
wr_batch_created(struct wr_call *c, const char *field, struct wr_buf *id)
{
	if (c->status == 0 || c->status >= 500)
		return -1;
	if (c->status < 200 || c->status >= 300)
		return 1;
	return wr_batch_answer_id(c, field, id) == 0 ? 0 : -1;
}

int
wr_batch_splice(const struct wr_batch_api *api, struct wr_buf *out, const char *s, size_t len, const char *uid)
{
	size_t p = strlen(api->uid_prefix);
	const char *q;

	if (len <= p || memcmp(s, api->uid_prefix, p) != 0 || !(q = memchr(s + p, '"', len - p)))
		return -1;
	wr_buf_add(out, s, p);
	wr_buf_adds(out, uid);
	wr_buf_add(out, q, len - (size_t)(q - s));
	return 0;
}
