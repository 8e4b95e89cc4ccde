/* Entry keys the way crossword software compares entries (letters and digits only, folded), and case folding. */
#ifndef WR_FOLD_H
#define WR_FOLD_H

#include <stddef.h>

#include "common.h"

/*
 * Replace the contents of key with the key of the UTF-8 entry s[0..n):
 * ASCII letters upper-cased; Latin-1 Supplement and Latin Extended-A
 * letters (and Romanian S/T with comma below) folded to their base letters
 * (é -> E, ß -> SS, æ -> AE, þ -> TH); ASCII punctuation, spaces and
 * controls, Latin-1 symbols, combining marks and the punctuation, symbol
 * and emoji blocks removed; any other character kept as it is. Bytes that
 * are not valid UTF-8 are removed. Returns the key's length (0: no letters
 * or digits).
 */
size_t wr_fold_key(const char *s, size_t n, struct wr_buf *key);

/*
 * Replace the contents of out with s[0..n) lower-cased: ASCII, and the
 * capitals of Latin-1, Latin Extended-A, Greek and Cyrillic (each letter
 * keeps its length in bytes). Bytes that are not valid UTF-8 are kept.
 * Returns the length.
 */
size_t wr_fold_case(const char *s, size_t n, struct wr_buf *out);

#endif
