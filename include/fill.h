/* Filling batch jobs with requests: items and keep lines into each job's files, a new job at the API's limits. */
#ifndef WR_FILL_H
#define WR_FILL_H

#include <stdio.h>

#include "batch.h"
#include "common.h"
#include "jobs.h"

struct wr_fill {
	/* Set by the caller. */
	const struct wr_batch_api *api;
	struct wr_jobs *jobs;        /* where jobs are recorded; NULL: only count them (--plan) */
	const char *url;             /* the base URL each job records */
	long max_requests;
	long long max_bytes;
	/* What was filled. */
	unsigned long made;          /* jobs */
	unsigned long requests;
	struct wr_buf sizes;         /* "N (X MB), ..." for each job */
	/* Private. */
	struct wr_job *job, counted;
	FILE *items, *keep;
	long n;
	long long bytes;
	struct wr_buf key;
};

/*
 * The uid the next request gets, into buf: SET-INDEX of the job being
 * filled, after closing that job and opening the next when the request,
 * of job key key[0..klen) and about ilen bytes, does not fit it.
 */
const char *wr_fill_uid(struct wr_fill *f, const char *key, size_t klen, size_t ilen, char *buf, size_t size);
/* Add the request that got the last uid: its item and its keep line (wr_keep_format). */
void wr_fill_add(struct wr_fill *f, const char *item, size_t ilen, const char *keep, size_t klen);
/*
 * Close the job being filled, if any: its files synced and renamed into
 * place, then its "prepared" line logged. Until then a kill leaves only
 * temporary files, which no run reads.
 */
void wr_fill_close(struct wr_fill *f);
void wr_fill_free(struct wr_fill *f);

#endif
