/* Word-list records: entries with an optional ";score" or TAB score suffix. */
#ifndef WR_WORDS_H
#define WR_WORDS_H

#include <stddef.h>

/*
 * Split a word-list line in place: trim white space, cut at the first ';' or
 * TAB. Returns 0 with the entry in *entry and *elen and the score text (trimmed,
 * possibly empty; NULL when there was no separator) in *score; 1 when the
 * line is blank or a comment (starts with '#'); 2 when a score has no entry.
 */
int wr_word_split(char *line, size_t len, char **entry, size_t *elen, char **score);

/* 1 for the ASCII white space characters (space, TAB, CR, LF, VT, FF). */
int wr_isspace(char c);
/* Trim s[0..*n) of white space and NUL-terminate it (s[*n] must be writable); returns the new start. */
char *wr_trim(char *s, size_t *n);

#endif
