/* A timer queue: a binary heap keyed by (due, seq). */
#include <stdlib.h>

#include "common.h"
#include "queue.h"

static int
before(const struct wr_queue_slot *a, const struct wr_queue_slot *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

void
wr_queue_init(struct wr_queue *q, size_t cap)
{
	q->n = 0;
	q->seq = 0;
	q->cap = cap ? cap : 16;
	q->v = wr_malloc(q->cap * sizeof *q->v);
}

void
wr_queue_free(struct wr_queue *q)
{
	free(q->v);
	q->v = NULL;
	q->n = q->cap = 0;
}

void
wr_queue_push(struct wr_queue *q, void *item, double due)
{
	struct wr_queue_slot s = {due, q->seq++, item};
	size_t i;

	if (q->n == q->cap) {
		q->cap *= 2;
		q->v = wr_realloc(q->v, q->cap * sizeof *q->v);
	}
	for (i = q->n++; i > 0 && before(&s, &q->v[(i - 1) / 2]); i = (i - 1) / 2)
		q->v[i] = q->v[(i - 1) / 2];
	q->v[i] = s;
}

void *
wr_queue_top(const struct wr_queue *q, double *due)
{
	if (q->n == 0)
		return NULL;
	if (due)
		*due = q->v[0].due;
	return q->v[0].item;
}

void *
wr_queue_pop(struct wr_queue *q)
{
	struct wr_queue_slot last;
	void *top;
	size_t i = 0, c;

	if (q->n == 0)
		return NULL;
	top = q->v[0].item;
	last = q->v[--q->n];
	while ((c = 2 * i + 1) < q->n) {
		if (c + 1 < q->n && before(&q->v[c + 1], &q->v[c]))
			c++;
		if (!before(&q->v[c], &last))
			break;
		q->v[i] = q->v[c];
		i = c;
	}
	if (q->n)
		q->v[i] = last;
	return top;
}
