/* A timer queue: a binary heap of items by when they are due, first in first out among equals. */
#ifndef WR_QUEUE_H
#define WR_QUEUE_H

#include <stddef.h>

struct wr_queue_slot {
	double due;
	unsigned long seq;
	void *item;
};

struct wr_queue {
	struct wr_queue_slot *v;
	size_t n, cap;
	unsigned long seq;
};

/* Room for cap items up front (it grows past that when needed). */
void wr_queue_init(struct wr_queue *q, size_t cap);
void wr_queue_free(struct wr_queue *q);
/* Add item, due at due. */
void wr_queue_push(struct wr_queue *q, void *item, double due);
/* The item due first (of those due at once, the one pushed first), or NULL; *due gets its time. */
void *wr_queue_top(const struct wr_queue *q, double *due);
/* Take the item due first out; NULL when empty. */
void *wr_queue_pop(struct wr_queue *q);

#endif
