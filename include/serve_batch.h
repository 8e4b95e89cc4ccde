/* wr-serve's batch APIs: OpenAI Files and Batches, Anthropic Message Batches, Gemini batch mode, Mistral batch jobs, on a compressed clock with job faults. */
#ifndef WR_SERVE_BATCH_H
#define WR_SERVE_BATCH_H

#include <stddef.h>

#include "serve.h"

/* Job faults of --batch-fault, used in the order given. */
enum wr_batch_fault {
	WR_BF_NONE, WR_BF_INVALID, WR_BF_EXPIRE, WR_BF_ERRORS, WR_BF_CANCEL,
	WR_BF_CREATE_429, WR_BF_QUOTA, WR_NBFAULTS
};
/* The steps --batch-hang withholds the first answer of. */
enum wr_batch_step { WR_HANG_UPLOAD, WR_HANG_CREATE, WR_HANG_RETRIEVE, WR_HANG_CONTENT, WR_NHANG };

/* The fault called name ("invalid", "expire", ...), or -1. */
int wr_batch_fault_parse(const char *name);
const char *wr_batch_fault_name(enum wr_batch_fault f);
/* The step called name ("upload", "create", "retrieve", "content"), or -1. */
int wr_batch_step_parse(const char *name);

/* One fault of --batch-fault KIND:N: the next n create calls get it. */
struct wr_batch_fault_use {
	enum wr_batch_fault kind;
	unsigned long n;
};

/* Largest upload (OpenAI's file limit), Anthropic create body (its batch limit) and Gemini inlined create (its limit). */
#define WR_BATCH_MAX_UPLOAD (200ul << 20)
#define WR_BATCH_MAX_CREATE (256ul << 20)
#define WR_BATCH_MAX_GEMINI (20ul << 20)
/* How long --batch-hang withholds an answer, in milliseconds. */
#define WR_BATCH_HANG_MS 60000

struct wr_serve_conf;
struct MHD_Connection;
struct MHD_Response;

/* The dialect whose batch API q's path is in, or NULL when it is none of theirs. */
const struct wr_serve_dialect *wr_batch_route(const struct wr_serve_req *q);

/* Set up the job tables and the private directory of the files. */
void wr_batch_init(const struct wr_serve_conf *conf);
/* The port listened on, for Anthropic's results_url. */
void wr_batch_listening(unsigned port);
/* Remove every file and job. */
void wr_batch_free(void);

/* One request to a batch endpoint, from its first byte to its answer. */
struct wr_batch_call;

/* What a batch request is answered. */
struct wr_batch_answer {
	unsigned status;
	struct MHD_Response *resp;   /* passed to the caller */
	const char *fault;           /* the batch fault that shaped it, or NULL */
	size_t lines;                /* the request lines it carries or answers */
	int hang;                    /* withhold the answer (--batch-hang) */
};

/* Start a call (conn is for the multipart reader); caller closes it. */
struct wr_batch_call *wr_batch_open(const struct wr_serve_req *q,
    const struct wr_serve_dialect *d, struct MHD_Connection *conn);
/* Take the next piece of the request body. */
void wr_batch_feed(struct wr_batch_call *b, const char *data, size_t n);
/* Carry out the whole request and make its answer. */
void wr_batch_finish(struct wr_batch_call *b, const struct wr_serve_req *q, struct wr_batch_answer *a);
void wr_batch_close(struct wr_batch_call *b);

#endif
