/* wr-submit's rounds: make the jobs at the provider, poll them, collect their answers into result lines. */
#ifndef WR_SUBMIT_H
#define WR_SUBMIT_H

#include <stddef.h>

#include "batch.h"
#include "call.h"
#include "common.h"
#include "fill.h"
#include "jobs.h"
#include "json.h"

struct wr_submit {
	/* Set by the caller. */
	const struct wr_batch_api *api;
	struct wr_call *call;
	struct wr_jobs *jobs;
	struct wr_fill *fill;        /* where what a job did not answer goes again */
	int retries;                 /* times a request is sent again */
	int cancel;                  /* --cancel: cancel the running jobs, make none */
	const char *shown_url;       /* the base URL for messages (no user information) */
	const char *key_env;         /* named when the key is refused */
	void (*emit)(void *arg, const char *s, size_t n);  /* writes one whole result line */
	void (*clear)(void *arg);    /* clears the progress line before a message; may be NULL */
	void *arg;
	/* Counted as the rounds go. */
	unsigned long ok, failed, again, created, adopted;
	unsigned long long prompt_tokens, completion_tokens, cached_tokens;
	int refused;                 /* a job was refused as a whole */
	int stuck;                   /* calls about a job failed round after round */
	int unreached;               /* the provider could not be reached at all */
	/* Private. */
	struct wr_json bodyj;
	struct wr_buf out;
};

void wr_submit_init(struct wr_submit *sub);
void wr_submit_free(struct wr_submit *sub);
/*
 * One round: make the jobs not made yet (or find the ones a killed run
 * made), poll the others, collect the ended ones (a result line for each of
 * their requests; what they did not answer into new jobs, made in the same
 * round). *moved is set when a job moved. A refused key exits 2.
 */
void wr_submit_round(struct wr_submit *sub, int *moved);
/* Jobs that have not ended. */
int wr_submit_running(const struct wr_submit *sub);

#endif
