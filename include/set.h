/* A set of byte strings built for one lookup per line of a long list. */
#ifndef WR_SET_H
#define WR_SET_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

/*
 * Each key added is copied into keys, followed by a LF (a key must not hold
 * one). Lookups are batched: the caller queues keys (by reference: they must
 * stay in place until it has read the verdicts), then wr_set_resolve decides
 * them all, fetching the table slots of later keys while it decides earlier
 * ones, so that the cache misses of a large table overlap instead of being
 * paid one after another. Large tables live in huge pages where the kernel
 * has them.
 */
struct wr_set_q {
	const char *key;
	size_t len;
	uint64_t hash;
};

struct wr_set {
	uint64_t *slots;    /* hash >> 32 << 32 | (offset in keys + 1); 0 is empty */
	size_t cap, count;
	unsigned shift;     /* home slot = (hash >> 32) >> shift */
	struct wr_buf keys;
	struct wr_set_q *q;
	size_t nq, capq;
	size_t nlast;       /* keys decided by the last resolve, still in q */
};

enum wr_set_verdict {
	WR_SET_NEW,       /* added */
	WR_SET_SEEN,      /* present already, or earlier in the same queue */
	WR_SET_EXCLUDED   /* present in the exclusion set: not added */
};

void wr_set_init(struct wr_set *s);
void wr_set_free(struct wr_set *s);
/* Make room for n keys of bytes bytes in all (LFs included), saving the steps of growing. */
void wr_set_reserve(struct wr_set *s, size_t n, size_t bytes);
/* Queue key (not copied) for the next wr_set_resolve; returns the number queued. */
size_t wr_set_queue(struct wr_set *s, const char *key, size_t len);
/*
 * Decide every queued key, in queue order: a key present in exclude (may be
 * NULL) is excluded; else one present in s, or queued earlier, is seen; else
 * it is added. verdict (may be NULL) gets one enum wr_set_verdict per key.
 * Returns the number of keys decided and empties the queue.
 */
size_t wr_set_resolve(struct wr_set *s, const struct wr_set *exclude, unsigned char *verdict);
/* Key i (from 0) decided by the last resolve; valid until the next wr_set_queue. */
const char *wr_set_queued(const struct wr_set *s, size_t i, size_t *len);
/* One key, looked up at once (no queue). */
int wr_set_has(const struct wr_set *s, const char *key, size_t len);

#endif
