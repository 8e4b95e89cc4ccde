/* wr-submit's rounds: make the jobs at the provider, poll them, collect their answers into result lines. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "line.h"
#include "query.h"
#include "submit.h"

#define TROUBLE_ROUNDS 10

static void
clear(struct wr_submit *sub)
{
	if (sub->clear)
		sub->clear(sub->arg);
}

static void
put_result(struct wr_submit *sub, const struct wr_kept *k, long status, const char *rid, size_t rid_len, const char *body, size_t blen,
    const char *code, const char *message)
{
	struct wr_result_out r = {0};
	char id[160];

	if (rid_len >= sizeof id)
		rid_len = sizeof id - 1;
	memcpy(id, rid ? rid : "", rid ? rid_len : 0);
	id[rid ? rid_len : 0] = '\0';
	r.cid = k->cid;
	r.cid_len = k->cid_len;
	r.id = wr_result_id(k->cid, k->cid_len);
	r.status = status;
	r.request_id = id;
	r.body = body;
	r.body_len = blen;
	r.body_json = body != NULL;
	r.err_code = code;
	r.err_msg = message;
	r.body_hash = k->hash;
	r.extra = k->extra;
	r.extra_len = k->extra_len;
	wr_buf_reset(&sub->out);
	wr_result_format(&sub->out, &r);
	sub->emit(sub->arg, sub->out.s, sub->out.len);
}

/*
 * A call about job j failed (the reason is in call.why): a refused key stops
 * the run; anything else is said and tried again next round, and a job whose
 * calls fail round after round makes the run stop waiting (its record stays).
 */
static void
trouble(struct wr_submit *sub, struct wr_job *j, const char *what)
{
	clear(sub);
	if (sub->call->status == 401 || sub->call->status == 403)
		wr_die("%s: HTTP %ld: the API key was refused (see $%s or --api-key-file)", sub->shown_url,
		    sub->call->status, sub->key_env);
	if (sub->call->unreached) {
		/* Nothing reached the provider: waiting rounds for it helps no one. */
		wr_warn("%s: %s; stopping, with the jobs recorded in %s: run again to resume", sub->shown_url,
		    sub->call->why.s, sub->jobs->dir);
		sub->stuck = sub->unreached = 1;
		return;
	}
	wr_warn("job %d%s%s: %s: %s", j->n, j->batch.len ? " " : "", j->batch.len ? j->batch.s : "", what,
	    sub->call->why.s);
	if (++j->troubles >= TROUBLE_ROUNDS)
		sub->stuck = 1;
}

/* ---- collecting answers ---- */

/* What one job's answers did to each of its requests. */
enum mark { UNSEEN, WRITTEN, AGAIN };

struct collect {
	struct wr_submit *sub;
	struct wr_job *job;
	struct wr_keepfile kf;
	unsigned char *mark;
	struct wr_buf part;        /* a line not yet whole */
	struct wr_job_line jl;
	struct wr_json lj, kj;
	long ours, foreign, dup;
};

static void
count_tokens(struct wr_submit *sub, const char *body, size_t len)
{
	struct wr_reading rd;
	const char *why;

	if (wr_json_parse(&sub->bodyj, body, len, &why) != 0)
		return;
	sub->api->dialect->read(&sub->bodyj, 0, &rd);
	if (rd.prompt_tokens > 0)
		sub->prompt_tokens += (unsigned long long)rd.prompt_tokens;
	if (rd.completion_tokens > 0)
		sub->completion_tokens += (unsigned long long)rd.completion_tokens;
	if (rd.cached_tokens > 0)
		sub->cached_tokens += (unsigned long long)rd.cached_tokens;
}

/* One answer line of a job. */
static void
answer_line(struct wr_submit *sub, struct collect *c, const char *s, size_t len)
{
	struct wr_job *j = c->job;
	struct wr_kept k;
	char *end;
	long i;

	if (wr_blank(s, len))
		return;
	if (sub->api->read(&c->lj, s, len, &c->jl) != 0) {
		c->foreign++;
		return;
	}
	if (!c->jl.uid) {
		/* An API that goes by order (Gemini's may leave out the key). */
		i = c->jl.index;
	} else if (c->jl.uid_len < 18 || memcmp(c->jl.uid, j->set, 16) != 0 || c->jl.uid[16] != '-' ||
	    (i = strtol(c->jl.uid + 17, &end, 10), end != c->jl.uid + c->jl.uid_len))
		i = -1;
	if (i < 0 || i >= c->kf.n) {
		c->foreign++;
		return;
	}
	c->ours++;
	if (c->mark[i] != UNSEEN) {
		c->dup++;
		return;
	}
	if (wr_keep_line(&c->kf, i, &c->kj, &k) != 0)
		wr_die("%s/%d.keep: line %ld is damaged", sub->jobs->dir, j->n, i + 1);
	if (c->jl.status == 200) {
		put_result(sub, &k, 200, c->jl.request_id, c->jl.rid_len, c->jl.body, c->jl.body_len, NULL, NULL);
		count_tokens(sub, c->jl.body, c->jl.body_len);
		sub->ok++;
		c->mark[i] = WRITTEN;
	} else if (c->jl.retry && !j->cancel && k.tries < sub->retries) {
		c->mark[i] = AGAIN;
	} else {
		put_result(sub, &k, c->jl.status, c->jl.request_id, c->jl.rid_len, c->jl.body, c->jl.body_len,
		    c->jl.code, c->jl.msg.s);
		sub->failed++;
		c->mark[i] = WRITTEN;
	}
}

/* The sink of a download: whole lines to answer_line. */
static int
sink(void *arg, const char *s, size_t n)
{
	struct collect *c = arg;
	struct wr_submit *sub = c->sub;
	const char *nl;

	if (!s) {
		/* A new attempt starts from the top; lines already taken are marked and skipped. */
		wr_buf_reset(&c->part);
		return 0;
	}
	while (n > 0 && (nl = memchr(s, '\n', n)) != NULL) {
		if (c->part.len) {
			wr_buf_add(&c->part, s, (size_t)(nl - s));
			answer_line(sub, c, c->part.s, c->part.len);
			wr_buf_reset(&c->part);
		} else
			answer_line(sub, c, s, (size_t)(nl - s));
		n -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
	wr_buf_add(&c->part, s, n);
	return 0;
}

/*
 * A request a job ended without a line for: expired or cancelled when the
 * job's own status says so (APIs that leave such requests out of their
 * answers: Gemini, Mistral), else missing.
 */
static const char *
unseen_code(const struct wr_job *j)
{
	const char *s = j->st.label.s ? j->st.label.s : "";

	if (j->cancel || strcasestr(s, "cancel"))
		return "batch_cancelled";
	if (strcasestr(s, "expire") || strcasestr(s, "timeout"))
		return "batch_expired";
	return "batch_missing";
}

static const char *
unseen_message(const struct wr_job *j)
{
	const char *code = unseen_code(j);

	return strcmp(code, "batch_cancelled") == 0 ? "the job was cancelled before this request was answered" :
	    strcmp(code, "batch_expired") == 0 ? "the job's window ended before this request was answered" :
	    "the job ended without an answer to this request";
}

/* What a job did not answer goes into new jobs (up to --retries), else gets its error line. */
static void
retry_requests(struct wr_submit *sub, struct collect *c)
{
	struct wr_buf p = {0}, item = {0}, keep = {0};
	struct wr_reader rd;
	enum wr_line_status st;
	struct wr_kept k;
	char *s, uid[64];
	size_t len;
	long i = -1;

	wr_reader_open(&rd, wr_jobs_path(sub->jobs, c->job->n, "items", &p), (16u << 20));
	while ((st = wr_reader_next(&rd, &s, &len)) == WR_LINE_OK) {
		if (len <= strlen(sub->api->uid_prefix) || memcmp(s, sub->api->uid_prefix, strlen(sub->api->uid_prefix)) != 0)
			continue;
		if (++i >= c->kf.n)
			break;
		if (c->mark[i] == WRITTEN)
			continue;
		if (wr_keep_line(&c->kf, i, &c->kj, &k) != 0)
			wr_die("%s/%d.keep: line %ld is damaged", sub->jobs->dir, c->job->n, i + 1);
		if (c->mark[i] == UNSEEN && (c->job->cancel || k.tries >= sub->retries)) {
			put_result(sub, &k, 0, NULL, 0, NULL, 0, unseen_code(c->job), unseen_message(c->job));
			sub->failed++;
			continue;
		}
		if (len > 0 && s[len - 1] == ',')
			len--;
		sub->again++;
		wr_buf_reset(&keep);
		wr_keep_format(&keep, k.cid, k.cid_len, k.hash, k.tries + 1, k.extra, k.extra_len);
		wr_fill_uid(sub->fill, c->job->endpoint.s, c->job->endpoint.len, len + 32, uid, sizeof uid);
		wr_buf_reset(&item);
		if (wr_batch_splice(sub->api, &item, s, len, uid) != 0)
			wr_die("%s: item %ld is damaged", p.s, i + 1);
		wr_fill_add(sub->fill, item.s, item.len, keep.s, keep.len);
	}
	wr_reader_close(&rd);
	wr_fill_close(sub->fill);
	wr_buf_free(&p);
	wr_buf_free(&item);
	wr_buf_free(&keep);
}

/* Every request of a job has its result line: forget its files. */
static void
job_ended(struct wr_submit *sub, struct wr_job *j, const char *how)
{
	struct wr_buf p = {0};

	wr_jobs_log(sub->jobs, "{\"job\":%d,\"ended\":\"%s\"}", j->n, how);
	j->ended = 1;
	unlink(wr_jobs_path(sub->jobs, j->n, "items", &p));
	unlink(wr_jobs_path(sub->jobs, j->n, "keep", &p));
	wr_buf_free(&p);
}

/* A job the provider refused as a whole: each of its requests gets the provider's reason. */
static void
job_failed(struct wr_submit *sub, struct wr_job *j, const char *why)
{
	struct wr_keepfile kf;
	struct wr_json js;
	struct wr_kept k;
	long i;

	clear(sub);
	wr_warn("job %d%s%s: the provider refused it: %s; its %ld requests are written as failed", j->n,
	    j->batch.len ? " " : "", j->batch.len ? j->batch.s : "", why, j->requests);
	wr_keep_load(sub->jobs, j->n, &kf);
	wr_json_init(&js);
	for (i = 0; i < kf.n; i++)
		if (wr_keep_line(&kf, i, &js, &k) == 0) {
			put_result(sub, &k, 0, NULL, 0, NULL, 0, "batch_failed", why);
			sub->failed++;
		}
	wr_json_free(&js);
	wr_keep_free(&kf);
	sub->refused = 1;
	job_ended(sub, j, "failed");
}

/* A job has ended: write the result line of each request, and send again what it did not answer. */
static int
collect(struct wr_submit *sub, struct wr_job *j)
{
	struct collect c;
	int r = 0;

	memset(&c, 0, sizeof c);
	c.sub = sub;
	c.job = j;
	wr_keep_load(sub->jobs, j->n, &c.kf);
	c.mark = wr_calloc((size_t)c.kf.n + 1, 1);
	wr_json_init(&c.lj);
	wr_json_init(&c.kj);
	if (j->st.output.len && (r = sub->api->fetch(sub->call, j->st.output.s, sink, &c)) == 0 && c.part.len) {
		answer_line(sub, &c, c.part.s, c.part.len);
		wr_buf_reset(&c.part);
	}
	if (r == 0 && j->st.errors.len && (r = sub->api->fetch(sub->call, j->st.errors.s, sink, &c)) == 0 && c.part.len)
		answer_line(sub, &c, c.part.s, c.part.len);
	if (r != 0) {
		trouble(sub, j, "its answers cannot be fetched; trying again later");
	} else if (c.ours == 0 && c.foreign > 0 && !sub->api->marks) {
		/* Taken for ours by its size and time, but its custom_ids are another set's. */
		clear(sub);
		wr_warn("job %d: %s is not this set's batch after all; making the job again", j->n, j->batch.s);
		wr_jobs_log(sub->jobs, "{\"job\":%d,\"batch\":\"\",\"foreign\":\"%s\"}", j->n, j->batch.s);
		wr_buf_reset(&j->batch);
		j->creating = 0;
		r = 1;
	} else {
		if (c.foreign) {
			clear(sub);
			wr_warn("job %d %s: %ld answer lines name no request of this job; ignored", j->n, j->batch.s,
			    c.foreign);
		}
		retry_requests(sub, &c);
		job_ended(sub, j, j->st.label.len ? j->st.label.s : "ended");
	}
	wr_json_free(&c.lj);
	wr_json_free(&c.kj);
	wr_buf_free(&c.part);
	wr_buf_free(&c.jl.msg);
	free(c.mark);
	wr_keep_free(&c.kf);
	return r;
}

/* ---- submitting and polling ---- */

/* Make the job at the provider (upload, create), or find the one a killed run made. */
static void
submit(struct wr_submit *sub, struct wr_job *j)
{
	struct wr_buf p = {0};
	int r, tries;

	if (j->creating > 0 && !j->batch.len) {
		/* A run made the create call and was stopped before it heard the answer. */
		r = sub->api->find(sub->call, j->set, j->requests, j->creating, &sub->jobs->known, &j->batch);
		if (r < 0) {
			trouble(sub, j, "cannot look for it at the provider; trying again later");
			return;
		}
		if (r == 1) {
			wr_map_put(&sub->jobs->known, j->batch.s, j->batch.len, (size_t)j->n, NULL);
			wr_jobs_log(sub->jobs, "{\"job\":%d,\"batch\":\"%s\",\"found\":true}", j->n, j->batch.s);
			sub->adopted++;
			return;
		}
	}
	if (sub->api->upload && !j->file.len) {
		if (sub->api->upload(sub->call, wr_jobs_path(sub->jobs, j->n, "items", &p), &j->file) != 0) {
			trouble(sub, j, "the upload failed; trying again later");
			wr_buf_reset(&j->file);
			goto out;
		}
		wr_jobs_log(sub->jobs, "{\"job\":%d,\"file\":\"%s\"}", j->n, j->file.s);
	}
	for (tries = 0;; tries++) {
		j->creating = wr_jobs_clock();
		wr_jobs_log(sub->jobs, "{\"job\":%d,\"creating\":%.3f}", j->n, j->creating);
		r = sub->api->create(sub->call, wr_jobs_path(sub->jobs, j->n, "items", &p), j->file.s, j->endpoint.s, j->set,
		    j->requests, &j->batch);
		if (r == 0) {
			wr_map_put(&sub->jobs->known, j->batch.s, j->batch.len, (size_t)j->n, NULL);
			wr_jobs_log(sub->jobs, "{\"job\":%d,\"batch\":\"%s\"}", j->n, j->batch.s);
			sub->created++;
			break;
		}
		if (r == 1) {
			if (sub->call->status == 401 || sub->call->status == 403)
				trouble(sub, j, "refused");
			job_failed(sub, j, sub->call->why.s);
			break;
		}
		/* No answer: it may have been made all the same. */
		if ((r = sub->api->find(sub->call, j->set, j->requests, j->creating, &sub->jobs->known, &j->batch)) == 1) {
			wr_map_put(&sub->jobs->known, j->batch.s, j->batch.len, (size_t)j->n, NULL);
			wr_jobs_log(sub->jobs, "{\"job\":%d,\"batch\":\"%s\",\"found\":true}", j->n, j->batch.s);
			sub->adopted++;
			break;
		}
		wr_buf_reset(&j->batch);
		if (r < 0 || tries >= sub->retries || !sub->api->marks) {
			/* Without a mark to find it by, a second create could pay twice: the next run looks again. */
			trouble(sub, j, "the create call got no answer; it is looked for before another is made");
			break;
		}
	}
out:
	wr_buf_free(&p);
}

/* Ask the provider how each job stands; collect the ended ones. */
static void
poll_all(struct wr_submit *sub, int *moved)
{
	int i;
	long done;

	for (i = 0; i < sub->jobs->n && !sub->unreached; i++) {
		struct wr_job *j = sub->jobs->v[i];
		if (j->ended || !j->batch.len)
			continue;
		if (sub->cancel && !j->cancel) {
			if (sub->api->cancel(sub->call, j->batch.s) != 0) {
				trouble(sub, j, "cannot cancel it");
			} else {
				wr_jobs_log(sub->jobs, "{\"job\":%d,\"cancel\":%.3f}", j->n, wr_jobs_clock());
				j->cancel = 1;
			}
		}
		done = j->polled ? j->st.done : -2;
		if (sub->api->poll(sub->call, j->batch.s, &j->st) != 0) {
			trouble(sub, j, "cannot read its status");
			continue;
		}
		j->troubles = 0;
		if (!j->polled || j->st.done != done)
			*moved = 1;
		j->polled = 1;
		if (j->st.state == WR_JOB_FAILED) {
			job_failed(sub, j, j->st.message.s);
			*moved = 1;
		} else if (j->st.state == WR_JOB_ENDED) {
			*moved = 1;
			collect(sub, j);
		}
	}
}

/* Make every job not made yet; with --cancel, write them as cancelled instead. */
static void
submit_all(struct wr_submit *sub)
{
	int i;

	for (i = 0; i < sub->jobs->n && !sub->unreached; i++)
		if (!sub->jobs->v[i]->ended && !sub->jobs->v[i]->batch.len) {
			if (sub->cancel) {
				/* Never made at the provider: nothing to cancel, nothing answered. */
				sub->jobs->v[i]->cancel = 1;
				job_failed(sub, sub->jobs->v[i], "cancelled (--cancel) before it was made");
			} else
				submit(sub, sub->jobs->v[i]);
		}
}


void
wr_submit_init(struct wr_submit *sub)
{
	wr_json_init(&sub->bodyj);
}

void
wr_submit_free(struct wr_submit *sub)
{
	wr_json_free(&sub->bodyj);
	wr_buf_free(&sub->out);
}

void
wr_submit_round(struct wr_submit *sub, int *moved)
{
	submit_all(sub);
	poll_all(sub, moved);
	/* What the ended jobs did not answer is in new jobs: make them in this round too. */
	submit_all(sub);
}

int
wr_submit_running(const struct wr_submit *sub)
{
	int i, n = 0;

	for (i = 0; i < sub->jobs->n; i++)
		n += !sub->jobs->v[i]->ended;
	return n;
}
