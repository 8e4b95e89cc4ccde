/* The -o result file: locked, a torn last line repaired, what it already answers read back. */
#ifndef WR_LEDGER_H
#define WR_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "hash.h"
#include "json.h"

struct wr_ledger {
	const char *path;
	int fd;               /* open for appending (wr_ledger_open), else -1 */
	int active;           /* a regular file: resuming applies */
	struct wr_map done;   /* custom_id -> body hash of its last success (0: a line without one) */
	size_t hashed;        /* successes that name the request they answer */
	struct wr_json json;
};

/* The same reading for --plan: no lock, nothing changed; a missing file is empty. */
void wr_ledger_peek(struct wr_ledger *l, const char *path);
void wr_ledger_free(struct wr_ledger *l);

enum wr_ledger_state {
	WR_LEDGER_NEW,      /* no success for this custom_id */
	WR_LEDGER_DONE,     /* answered, for this very body (or by a line that does not say) */
	WR_LEDGER_CHANGED   /* answered, but for another body: another model, prompt or option */
};
enum wr_ledger_state wr_ledger_state(const struct wr_ledger *l, const char *id, size_t len, uint64_t hash);

/*
 * -o FILE for a run: open it (wr_ledger_open) and, when it names the bodies
 * it answered, read the n inputs first (wr_ledger_scan): a request answered
 * there for another body stops the run before anything is sent (exit 2,
 * one message), or with replace is set aside (wr_ledger_replace) and sent
 * again. Write to l->fd afterwards.
 */
void wr_ledger_resume(struct wr_ledger *l, const char *path, int *fds, char *const *names, int n, int replace,
    int quiet);

#endif
