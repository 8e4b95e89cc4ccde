/* Scored examples for the system message: a fixed few from the user's own list. */
#ifndef WR_EXAMPLES_H
#define WR_EXAMPLES_H

#include <stddef.h>

#include "common.h"

/* At most this many examples, and at most WR_EXAMPLES_PER_LEVEL of one score. */
#define WR_EXAMPLES_MAX 10
#define WR_EXAMPLES_PER_LEVEL 2

/*
 * Read the scored list at path ("-" is stdin): lines "entry<TAB>score" or,
 * without a TAB, "entry;score" (split at the last TAB or semicolon), scores
 * on the scale slo..shi. Each score is mapped linearly onto lo..hi and
 * rounded to an integer level. From each level the entries with the
 * smallest hash are taken, so the same list always gives the same examples:
 * WR_EXAMPLES_PER_LEVEL per level, fewer when that would pass
 * WR_EXAMPLES_MAX, and with more non-empty levels than WR_EXAMPLES_MAX one
 * each from levels spread evenly over them. The examples are appended to out
 * as "entry;level" lines joined by '\n', highest level first. Bad lines are
 * reported with file:line and counted in *bad. Returns how many were
 * appended; exits 2 when path cannot be read.
 */
size_t wr_examples_pick(struct wr_buf *out, const char *path, double slo, double shi,
    int lo, int hi, long *bad);

#endif
