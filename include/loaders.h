/* Batch lines split, and the batch and request files that give wr-parse its entries by custom_id. */
#ifndef WR_LOADERS_H
#define WR_LOADERS_H

#include <stddef.h>

#include "result.h"

/* The warning for a line that wr_batch_split refuses (wr-prompt and wr-parse word it alike). */
#define WR_BATCH_NOT "not a batch (ID<TAB>entry...), line skipped"

/*
 * Split a batch line, "ID<TAB>entry<TAB>entry...", without copying: the ID's
 * length into *idlen, every field after it into e (pointers into line; empty
 * ones too: each caller decides about those). Returns the number of entries
 * that are not empty, or -1 when there is no TAB or the ID is empty (warn
 * with WR_BATCH_NOT).
 */
long wr_batch_split(const char *line, size_t len, size_t *idlen, struct wr_entries *e);

/*
 * Add the batches of a wr-batch file (-b), or the requests of a wr-prompt
 * file (-r), to set by custom_id. Lines longer than max bytes and bad lines
 * are reported with file:line, counted in *bad and skipped; an unreadable
 * file exits 2.
 */
void wr_load_batches(struct wr_reqset *set, const char *path, size_t max, long *bad);
void wr_load_requests(struct wr_reqset *set, const char *path, size_t max, long *bad);

#endif
