/* The providers' batch APIs: the steps of a batch job, one table per API, as wr-submit drives them. */
#ifndef WR_BATCH_H
#define WR_BATCH_H

#include <stddef.h>

#include "call.h"
#include "common.h"
#include "dialect.h"
#include "hash.h"
#include "json.h"

enum wr_job_state {
	WR_JOB_RUNNING,  /* validating, in progress, finalizing, cancelling */
	WR_JOB_ENDED,    /* completed, expired or cancelled: its answers can be fetched */
	WR_JOB_FAILED    /* refused as a whole (validation, quota): nothing was answered */
};

/* What the provider says of one job. */
struct wr_job_status {
	enum wr_job_state state;
	struct wr_buf label;      /* the provider's own word: "in_progress", "ended", ... */
	long total, done;         /* request counts; -1 when not said */
	struct wr_buf output;     /* where the answers are: a file ID, or a results URL */
	struct wr_buf errors;     /* where the failed lines are (OpenAI's error file), or empty */
	struct wr_buf message;    /* FAILED: the provider's reason */
};

/* One line of a job's answers, read. Pointers borrow the line. */
struct wr_job_line {
	const char *uid;          /* the custom_id the upload gave it (no escapes in ours), or NULL */
	size_t uid_len;
	long index;               /* its place among the job's requests, when the API goes by order; else -1 */
	long status;              /* 200: answered; else the HTTP status of its error, 0 when none */
	const char *body;         /* the JSON text of the answer or of the error body, or NULL */
	size_t body_len;
	const char *request_id;   /* or NULL */
	size_t rid_len;
	const char *code;         /* an error: "batch_expired", "batch_cancelled", "http_error", ... */
	struct wr_buf msg;        /* an error: the provider's message */
	int retry;                /* an error worth submitting again (expired, cancelled, 429, 5xx) */
};

struct wr_batch_api {
	const char *name;                 /* the --api name */
	const struct wr_dialect *dialect; /* how its requests are translated and its answers read */
	long max_requests;                /* a job's limits */
	long long max_bytes;
	/*
	 * The items file is head (a printf format given the job's mark), the
	 * items joined by sep, then tail: what upload or create sends. Each
	 * item starts with uid_prefix, then its uid and a '"'.
	 */
	const char *head, *sep, *tail, *uid_prefix;
	/*
	 * Append one item for uid to out, made from the OpenAI request whose
	 * url is path and whose body is token body of j, and the job key to
	 * key: what every item of one job shares and create is given (the
	 * endpoint; with the model where a job names one model). 0, or -1
	 * with *why (a body the dialect cannot translate). A body field the
	 * dialect cannot carry is dropped and named through warn.
	 */
	int (*item)(struct wr_buf *out, struct wr_buf *key, const char *uid, const struct wr_json *j, int body,
	    const char *path, size_t nentries, void (*warn)(void *arg, const char *field), void *arg,
	    const char **why);
	/* Upload the items file; its ID into id. 0, or -1 (c->why). NULL: create sends the items itself. */
	int (*upload)(struct wr_call *c, const char *items, struct wr_buf *id);
	/*
	 * Create the job of key from file (an uploaded ID) or the items file, marked
	 * with set where the API keeps marks; its ID into id. 0; 1 when the
	 * provider refused it (c->why); -1 when it is not known whether the
	 * job was made (no answer): find it before making another.
	 */
	int (*create)(struct wr_call *c, const char *items, const char *file, const char *key,
	    const char *set, long n, struct wr_buf *id);
	/*
	 * Look for a job of this set (n requests, prepared at since, seconds
	 * since the epoch) made by a run that was killed before it recorded
	 * it; known holds the IDs recorded already. 1 with its ID, 0 when there
	 * is none, -1 on failure.
	 */
	int (*find)(struct wr_call *c, const char *set, long n, double since, const struct wr_map *known,
	    struct wr_buf *id);
	/* 1 when find goes by a mark of the set; 0 when it can only go by size and time (then check the IDs). */
	int marks;
	int (*poll)(struct wr_call *c, const char *id, struct wr_job_status *st);
	/* Stream the answers at where (st->output or st->errors) to sink. 0 or -1. */
	int (*fetch)(struct wr_call *c, const char *where, int (*sink)(void *arg, const char *s, size_t n),
	    void *arg);
	/* Read one answer line into *r. 0, or -1 when it is no answer line. */
	int (*read)(struct wr_json *j, const char *line, size_t len, struct wr_job_line *r);
	int (*cancel)(struct wr_call *c, const char *id);
};

extern const struct wr_batch_api wr_batch_openai, wr_batch_anthropic, wr_batch_mistral, wr_batch_gemini;

/* The batch API of an --api name, or NULL. */
const struct wr_batch_api *wr_batch_find(const char *name);
/* 1 when url's host is Mistral's (mistral.ai), whose batch API is its own on an OpenAI-style dialect. */
int wr_batch_vendor_mistral(const char *url);
/* The batch API of a dialect. */
const struct wr_batch_api *wr_batch_of(const struct wr_dialect *d);

void wr_job_status_free(struct wr_job_status *st);

/* Shared by the tables: the string at token i into out (reset first); 0 or -1. */
int wr_batch_str(const struct wr_json *j, int i, struct wr_buf *out);
/*
 * A call that may be repeated (a cancel, a download) to the path fmt makes
 * of id, its answer to sink when given: 0 on a 2xx answer, else -1 (c->why).
 */
int wr_batch_simple(struct wr_call *c, const char *method, const char *fmt, const char *id,
    int (*sink)(void *arg, const char *s, size_t n), void *arg);
/* The string field of c's 2xx JSON answer into id: 0, or -1 (c->why). */
int wr_batch_answer_id(struct wr_call *c, const char *field, struct wr_buf *id);
/*
 * What a create call's answer in c means, as create returns it: 0 with the
 * job's ID (field of the answer) in id; 1 when the provider refused (4xx);
 * -1 when it is not known whether the job was made (no answer, 5xx, or a
 * 2xx answer without the ID).
 */
int wr_batch_created(struct wr_call *c, const char *field, struct wr_buf *id);
/*
 * Append item s[0..len) of api to out under another uid (every item starts
 * with the API's uid prefix, the uid and a quote). 0, or -1 when s is none.
 */
int wr_batch_splice(const struct wr_batch_api *api, struct wr_buf *out, const char *s, size_t len, const char *uid);
/* GET the path fmt makes of id, its JSON object answer into j: 0, or -1 (c->why). */
int wr_batch_get(struct wr_call *c, const char *fmt, const char *id, struct wr_json *j);
/* A 2xx answer of c parsed into j: 0, or -1 with c->why set. */
int wr_batch_answer(struct wr_call *c, struct wr_json *j);
/* Start read: r emptied (index -1), line parsed into j; 0 when it is a JSON object, else -1. */
int wr_batch_line(struct wr_json *j, const char *line, size_t len, struct wr_job_line *r);
/* Make r an http_error of r->status, retried as that status is: its message token msg of j, else "HTTP STATUS". */
void wr_batch_http_error(const struct wr_json *j, int msg, struct wr_job_line *r);

#endif
