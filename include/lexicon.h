/* Word frequency from the SCOWL lists: how common an entry is, as a 1..5 score. */
#ifndef WR_LEXICON_H
#define WR_LEXICON_H

#include <stddef.h>
#include <stdint.h>

/* Where Debian's scowl package puts its lists. */
#define WR_SCOWL_DIR "/usr/share/dict/scowl"

/*
 * Words keyed by their ASCII-folded spelling, with the smallest SCOWL size
 * each was found at. The lists are read whole into text, folded in place,
 * and indexed by a compact open-addressing table of offsets into it.
 */
struct wr_lexicon {
	char *text;
	size_t tlen, tcap;
	struct wr_lexicon_slot *slots;
	size_t cap, count;     /* count: distinct words */
	size_t files, lines;   /* lists read, words read */
};

/*
 * Load the english-* and american-* lists (words, upper, proper-names,
 * abbreviations, contractions; the size is the file name suffix) from dir.
 * Exits 2 with a message when dir is unreadable or holds no such list.
 */
void wr_lexicon_load(struct wr_lexicon *lx, const char *dir);
/* Add one word at a SCOWL size (keeps the smallest size seen). */
void wr_lexicon_add(struct wr_lexicon *lx, const char *word, size_t len, int size);
void wr_lexicon_free(struct wr_lexicon *lx);
/*
 * Start fetching the table slot of entry as a single word: call it for every
 * entry of a request before scoring them, so the cache misses overlap.
 */
void wr_lexicon_prefetch(const struct wr_lexicon *lx, const char *entry, size_t len);
/*
 * SCOWL size of an entry, 0 when unknown. Case-insensitive (ASCII). An entry
 * of several words (split at spaces and hyphens) takes the size of its
 * rarest word, and is unknown if any word is.
 */
int wr_lexicon_size(const struct wr_lexicon *lx, const char *entry, size_t len);
/* Score of a SCOWL size: <= 20 -> 5, <= 40 -> 4, <= 60 -> 3, <= 95 -> 2, unknown -> 1. */
int wr_lexicon_score_of(int size);
/* wr_lexicon_score_of(wr_lexicon_size(...)). */
int wr_lexicon_score(const struct wr_lexicon *lx, const char *entry, size_t len);

#endif
