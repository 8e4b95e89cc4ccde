/* A tiny table-test harness for the lib/ unit tests. */
#ifndef WR_UNIT_H
#define WR_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_cases, unit_failed;

#define CHECK(cond, ...) do { \
	unit_cases++; \
	if (!(cond)) { \
		unit_failed++; \
		fprintf(stderr, "%s:%d: failed: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

static int
unit_done(void)
{
	if (unit_failed) {
		printf("%d of %d cases failed\n", unit_failed, unit_cases);
		return 1;
	}
	printf("%d cases\n", unit_cases);
	return 0;
}

#endif
