/* A set of batch jobs as recorded beside -o FILE: the log of each job's life, its kept fields and its items. */
#ifndef WR_JOBS_H
#define WR_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "common.h"
#include "hash.h"
#include "json.h"

/*
 * FILE.jobs/ holds "log", one JSON line per step of a job, appended whole
 * and synced before the next step:
 *   {"job":N,"set":"16hex","api":"openai","url":"...","endpoint":"...","requests":R,"prepared":T}
 *   {"job":N,"file":"file-..."}        the items are uploaded
 *   {"job":N,"creating":T}             a create call is about to be made
 *   {"job":N,"batch":"batch_..."}      the job exists at the provider
 *   {"job":N,"cancel":T}               --cancel asked the provider to cancel it
 *   {"job":N,"ended":"completed"}      every request of it has its result line
 * and, for each job not ended, N.items (what is uploaded, one item a line)
 * and N.keep (one line an item, in the same order: the custom_id, the
 * body hash, the attempt and every extra field of its request line).
 */
struct wr_job {
	int n;
	char set[17];             /* the job's mark; its items' custom_ids are SET-INDEX */
	struct wr_buf api, url, endpoint;
	long requests;
	double prepared;          /* seconds since the epoch */
	double creating;          /* a create call was made at this time (0: none) */
	struct wr_buf file;       /* the uploaded items' ID, or empty */
	struct wr_buf batch;      /* the provider's job ID, or empty */
	int cancel, ended;
	/* This run's view of it. */
	struct wr_job_status st;
	int polled;
	int troubles;             /* rounds in a row whose calls about it failed */
};

struct wr_jobs {
	char *dir;                /* FILE.jobs */
	int log_fd;
	struct wr_job **v;
	int n, cap;
	struct wr_map known;      /* batch IDs recorded */
};

/*
 * Open (creating when create is set) the state directory dir, lock it
 * against a second run, and read its log. A torn last line (a kill) is
 * ignored. Exits 2 on failure. When create is 0 and dir does not exist,
 * the set is empty and nothing is made.
 */
void wr_jobs_open(struct wr_jobs *s, const char *dir, int create);
void wr_jobs_free(struct wr_jobs *s);
/* A new job, numbered after the last one (not recorded until wr_jobs_log). */
struct wr_job *wr_jobs_add(struct wr_jobs *s);
/* Append one whole line to the log and sync it. Exits 2 when it cannot. */
void wr_jobs_log(struct wr_jobs *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Replace out with the path of job n's file of this suffix ("items", "keep", "items.tmp"). */
const char *wr_jobs_path(const struct wr_jobs *s, int n, const char *suffix, struct wr_buf *out);
/* A fresh mark: 16 hex digits from the system's random source. */
void wr_jobs_mark(char out[17]);
/* Seconds since the epoch. */
double wr_jobs_clock(void);

/* One line of N.keep, taken apart. Pointers borrow the keep file. */
struct wr_kept {
	const char *cid;     /* JSON text of the request's custom_id, or NULL for null */
	size_t cid_len;
	uint64_t hash;       /* the body hash its result line records */
	int tries;           /* jobs it has been sent in before this one */
	const char *extra;   /* ",\"key\":value..." of the request line, or "" */
	size_t extra_len;
};

/* A job's N.keep in memory, while its answers are written. */
struct wr_keepfile {
	char *buf;
	size_t len;
	size_t *off;         /* where each line starts */
	long n;
};

/*
 * Append one keep line (no newline): {"custom_id":CID,"body_hash":"HEX",
 * "try":K and the extra fields}. cid NULL writes null.
 */
void wr_keep_format(struct wr_buf *out, const char *cid, size_t cid_len, uint64_t hash, int tries,
    const char *extra, size_t extra_len);
/* Read job n's N.keep into kf. Exits 2 when it cannot be read. */
void wr_keep_load(const struct wr_jobs *s, int n, struct wr_keepfile *kf);
void wr_keep_free(struct wr_keepfile *kf);
/* Line i of kf taken apart into *k (j holds its tokens). 0, or -1 for a damaged line. */
int wr_keep_line(const struct wr_keepfile *kf, long i, struct wr_json *j, struct wr_kept *k);
/* The decoded custom_id of every request held by a job that has not ended, into held (value: the job). */
void wr_jobs_held(const struct wr_jobs *s, struct wr_map *held);

#endif
