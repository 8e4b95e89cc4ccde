/* The timer queue: items come out by due time, first in first out among equals, past its first room. */
#include <stdint.h>

#include "queue.h"
#include "unit.h"

int
main(void)
{
	static const double dues[] = {5, 1, 3, 1, 9, 0, 3, 7, 1, 2};
	/* By due, and by push order (index) among equal dues. */
	static const int order[] = {5, 1, 3, 8, 9, 2, 6, 0, 7, 4};
	struct wr_queue q;
	double due = -1;
	size_t k;
	int round;

	for (round = 0; round < 2; round++) {
		/* Room for 2 items: the queue grows. */
		wr_queue_init(&q, 2);
		CHECK(wr_queue_top(&q, &due) == NULL && wr_queue_pop(&q) == NULL, "empty");
		for (k = 0; k < sizeof dues / sizeof *dues; k++)
			wr_queue_push(&q, (void *)(uintptr_t)(k + 1), dues[k]);
		CHECK(q.n == 10, "10 in, %zu", q.n);
		for (k = 0; k < sizeof order / sizeof *order; k++) {
			void *top = wr_queue_top(&q, &due);
			void *got = wr_queue_pop(&q);
			CHECK(top == got, "top is what pop takes, at %zu", k);
			CHECK((uintptr_t)got == (uintptr_t)order[k] + 1, "out %zu: item %lu, want %d", k,
			    (unsigned long)(uintptr_t)got - 1, order[k]);
			CHECK(due == dues[order[k]], "out %zu: due %g", k, due);
		}
		CHECK(wr_queue_pop(&q) == NULL && q.n == 0, "empty again");
		/* Pushed again after all were taken: still first in first out among equals. */
		wr_queue_push(&q, (void *)(uintptr_t)1, 4);
		wr_queue_push(&q, (void *)(uintptr_t)2, 4);
		CHECK((uintptr_t)wr_queue_pop(&q) == 1 && (uintptr_t)wr_queue_pop(&q) == 2, "equals after reuse");
		wr_queue_free(&q);
	}
	return unit_done();
}
