/* wr-serve's batch outputs: each line answered as a first live call of its body, written to the job's files. */
#include "serve_batch_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "json.h"
#include "serve_model.h"

/* Scratch of the answer maker, used under the lock. */
static struct wr_chat chat = {0};
static struct wr_buf answer_buf, text_buf, line_buf;
static int *scores;
static size_t nscores;


int
wr_bat_create_temp(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		wr_warn("%s:", path);
	return fd;
}

/* Write b to fd and empty it; 0, or -1 with a warning. */
static int
spill(int fd, struct wr_buf *b, const char *path)
{
	size_t off = 0;
	ssize_t w;

	while (off < b->len) {
		if ((w = write(fd, b->s + off, b->len - off)) < 0) {
			if (errno == EINTR)
				continue;
			wr_warn("%s:", path);
			return -1;
		}
		off += (size_t)w;
	}
	wr_buf_reset(b);
	return 0;
}


static const char *
q_none(const struct wr_serve_req *q, const char *name)
{
	(void)q;
	(void)name;
	return NULL;
}

/*
 * The model's answer to one line's body in answer_buf, as a first live call
 * of the same body to path gets it (model, when not NULL, is the job's and
 * names the answer's model): 0, or -1 with the dialect's error body there
 * and *status set, and *why the reason. Faults on the wire (drop, partial,
 * garble, 500, 429, overload) have no batch counterpart and leave the
 * answer whole.
 */
static int
answer_line(const struct wr_serve_conf *conf, const struct wr_serve_dialect *d, const char *path,
    const char *model, const char *body, size_t len, unsigned *status, char id[17], const char **why)
{
	struct wr_serve_req q = {"POST", path, q_none, q_none, NULL};
	enum wr_fault f;
	uint64_t h;

	wr_buf_reset(&answer_buf);
	if (d->parse(&chat, &q, body, len, why)) {
		*status = d->error(&answer_buf, *why == wr_chat_bad_json ? WR_ERR_JSON : WR_ERR_INVALID,
		    *why);
		id[0] = '\0';
		return -1;
	}
	if (model) {
		wr_buf_reset(&chat.model);
		wr_buf_adds(&chat.model, model);
	}
	h = wr_model_hash(body, len);
	f = wr_model_draw(conf, &chat, h, 0, id);
	switch (f) {
	case WR_FAULT_DROP: case WR_FAULT_PARTIAL: case WR_FAULT_500: case WR_FAULT_429:
	case WR_FAULT_GARBLE: case WR_FAULT_OVERLOAD:
		f = WR_FAULT_NONE;
		break;
	default:
		break;
	}
	wr_model_answer(conf, d, &chat, f, h, id, &scores, &nscores, &answer_buf, &text_buf);
	*status = 200;
	return 0;
}

int
wr_bat_line_ok(const struct wr_serve_dialect *d, const char *path, const char *body, size_t len)
{
	struct wr_serve_req q = {"POST", path, q_none, q_none, NULL};
	const char *why;

	return d->parse(&chat, &q, body, len, &why) == 0;
}

static void
line_req_id(char *out, size_t size, const struct job *j, size_t i)
{
	wr_bat_make_id(out, size, j->vendor == V_MISTRAL ? "batch-" : "batch_req_", 3, j->seq, i, 32);
}

/* The start of an output line answered with status, up to the body: Mistral's carry no request_id. */
static void
line_head(struct wr_buf *b, const struct job *j, const struct line *l, const char *rid, unsigned status,
    const char *rq)
{
	wr_buf_printf(b, "{\"id\":\"%s\",\"custom_id\":%.*s,\"response\":{\"status_code\":%u,", rid,
	    (int)l->id_len, j->map + l->id_off, status);
	if (j->vendor != V_MISTRAL)
		wr_buf_printf(b, "\"request_id\":\"%s\",", rq);
	wr_buf_adds(b, "\"body\":");
}

/*
 * OpenAI's output and error files, or Mistral's: the same lines, except
 * that Mistral's lines have no request_id and a job that timed out or was
 * cancelled writes nothing for the lines it did not reach.
 */
int
wr_bat_write_output(const struct wr_serve_conf *conf, struct job *j, const struct state *s)
{
	struct wr_buf eb = {0};
	char rid[64], id[17], rq[48];
	const char *why;
	unsigned status;
	int ofd = -1, efd = -1, ret = -1;
	size_t i;

	if (j->out && (ofd = wr_bat_create_temp(j->out->path)) < 0)
		goto done;
	if (j->err && (efd = wr_bat_create_temp(j->err->path)) < 0)
		goto done;
	wr_buf_reset(&line_buf);
	for (i = 0; i < j->n; i++) {
		const struct line *l = &j->lines[i];
		struct wr_buf *b = &line_buf;
		int bad = 0;

		line_req_id(rid, sizeof rid, j, i);
		if (i < s->done && wr_bat_errs(j, i) && !l->bad) {
			b = &eb;
			wr_bat_make_id(rq, sizeof rq, "req_", 4, j->seq, i, 16);
			line_head(b, j, l, rid, 500, rq);
			wr_serve_openai.error(b, WR_ERR_SERVER, NULL);
			wr_buf_adds(b, "},\"error\":null}\n");
		} else if (i < s->done) {
			bad = answer_line(conf, &wr_serve_openai, "", j->model, j->map + l->body_off, l->body_len,
			    &status, id, &why);
			b = bad ? &eb : &line_buf;
			if (bad)
				wr_bat_make_id(rq, sizeof rq, "req_", 4, j->seq, i, 16);
			else
				snprintf(rq, sizeof rq, "req_%s", id);
			line_head(b, j, l, rid, status, rq);
			wr_buf_add(b, answer_buf.s, answer_buf.len);
			wr_buf_adds(b, "},\"error\":null}\n");
		} else if (j->vendor == V_MISTRAL) {
			continue;
		} else {
			b = &eb;
			wr_buf_printf(b, "{\"id\":\"%s\",\"custom_id\":%.*s,\"response\":null,\"error\":",
			    rid, (int)l->id_len, j->map + l->id_off);
			if (s->s == ST_EXPIRED)
				wr_buf_adds(b, "{\"code\":\"batch_expired\",\"message\":\"This request could "
				    "not be executed before the completion window expired.\"}}\n");
			else
				wr_buf_adds(b, "{\"code\":\"batch_cancelled\",\"message\":\"This request was "
				    "cancelled before it could be executed.\"}}\n");
		}
		if (b == &line_buf && ofd >= 0 && line_buf.len > (1u << 20) &&
		    spill(ofd, &line_buf, j->out->path))
			goto done;
		if (b == &eb && efd >= 0 && eb.len > (1u << 20) && spill(efd, &eb, j->err->path))
			goto done;
	}
	if (ofd >= 0 && spill(ofd, &line_buf, j->out->path))
		goto done;
	if (efd >= 0 && spill(efd, &eb, j->err->path))
		goto done;
	ret = 0;
done:
	if (ofd >= 0 && close(ofd) && ret == 0)
		ret = -1;
	if (efd >= 0 && close(efd) && ret == 0)
		ret = -1;
	wr_buf_free(&eb);
	wr_buf_reset(&line_buf);
	return ret;
}

/* Write the rest of line_buf to fd if ok, and close fd; 0, or -1. */
static int
end_file(int fd, const char *path, int ok)
{
	int ret = ok && spill(fd, &line_buf, path) == 0 ? 0 : -1;

	if (close(fd) && ret == 0)
		ret = -1;
	wr_buf_reset(&line_buf);
	return ret;
}

int
wr_bat_write_results(const struct wr_serve_conf *conf, struct job *j, const struct state *s)
{
	struct file *f = j->res;
	const char *why;
	char id[17];
	unsigned status;
	int fd;
	size_t i;

	if ((fd = wr_bat_create_temp(f->path)) < 0)
		return -1;
	wr_buf_reset(&line_buf);
	for (i = 0; i < j->n; i++) {
		const struct line *l = &j->lines[i];

		wr_buf_printf(&line_buf, "{\"custom_id\":%.*s,\"result\":", (int)l->id_len,
		    j->map + l->id_off);
		if (i < s->done && wr_bat_errs(j, i) && !l->bad) {
			wr_buf_adds(&line_buf, "{\"type\":\"errored\",\"error\":");
			wr_serve_anthropic.error(&line_buf, WR_ERR_SERVER, NULL);
			wr_buf_adds(&line_buf, "}}\n");
		} else if (i < s->done) {
			if (answer_line(conf, &wr_serve_anthropic, "", NULL, j->map + l->body_off, l->body_len,
			    &status, id, &why)) {
				wr_buf_adds(&line_buf, "{\"type\":\"errored\",\"error\":");
				wr_buf_add(&line_buf, answer_buf.s, answer_buf.len);
			} else {
				wr_buf_adds(&line_buf, "{\"type\":\"succeeded\",\"message\":");
				wr_buf_add(&line_buf, answer_buf.s, answer_buf.len);
			}
			wr_buf_adds(&line_buf, "}}\n");
		} else {
			wr_buf_adds(&line_buf, s->s == ST_EXPIRED ? "{\"type\":\"expired\"}}\n" :
			    "{\"type\":\"canceled\"}}\n");
		}
		if (line_buf.len > (1u << 20) && spill(fd, &line_buf, f->path))
			break;
	}
	return end_file(fd, f->path, i == j->n);
}

/*
 * Gemini's InlinedResponse of each line, in the order of the requests,
 * joined by commas: {"response":GenerateContentResponse,"metadata":{"key"}}
 * or {"error":Status,"metadata":...}, where a Status has a google.rpc.Code
 * (13 INTERNAL, 3 INVALID_ARGUMENT), not an HTTP status. Lines the job did
 * not reach (expired, cancelled) are left out.
 */
int
wr_bat_write_inlined(const struct wr_serve_conf *conf, struct job *j, const struct state *s)
{
	struct file *f = j->res;
	struct wr_buf path = {0};
	const char *why;
	char id[17];
	unsigned status;
	int fd;
	size_t i;

	if ((fd = wr_bat_create_temp(f->path)) < 0)
		return -1;
	wr_buf_printf(&path, "/v1beta/models/%s:generateContent", j->model);
	wr_buf_reset(&line_buf);
	for (i = 0; i < s->done; i++) {
		const struct line *l = &j->lines[i];

		if (i)
			wr_buf_addc(&line_buf, ',');
		if (wr_bat_errs(j, i) && !l->bad) {
			wr_buf_adds(&line_buf, "{\"error\":{\"code\":13,\"message\":\"An internal error has "
			    "occurred (wr-serve --batch-fault errors). Please retry.\"}");
		} else if (answer_line(conf, &wr_serve_gemini, path.s, NULL, j->map + l->body_off,
		    l->body_len, &status, id, &why)) {
			wr_buf_adds(&line_buf, "{\"error\":{\"code\":3,\"message\":");
			wr_json_escapes(&line_buf, why);
			wr_buf_addc(&line_buf, '}');
		} else {
			wr_buf_adds(&line_buf, "{\"response\":");
			wr_buf_add(&line_buf, answer_buf.s, answer_buf.len);
		}
		if (l->id_len)
			wr_buf_printf(&line_buf, ",\"metadata\":{\"key\":%.*s}", (int)l->id_len,
			    j->map + l->id_off);
		wr_buf_addc(&line_buf, '}');
		if (line_buf.len > (1u << 20) && spill(fd, &line_buf, f->path))
			break;
	}
	wr_buf_free(&path);
	return end_file(fd, f->path, i == s->done);
}

void
wr_bat_out_free(void)
{
	wr_chat_free(&chat);
	wr_chat_init(&chat);
	wr_buf_free(&answer_buf);
	wr_buf_free(&text_buf);
	wr_buf_free(&line_buf);
	free(scores);
	scores = NULL;
	nscores = 0;
}
