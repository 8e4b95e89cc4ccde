/* Merging scored entries: line splitting, score parsing, per-key combining, sorted output. */
#ifndef WR_MERGE_H
#define WR_MERGE_H

#include <stddef.h>

#include "line.h"
#include "progress.h"

/* What wr_merge_split found on a line. */
enum wr_split {
	WR_SPLIT_OK = 0,
	WR_SPLIT_SKIP,      /* blank, or a comment starting with '#' */
	WR_SPLIT_NOSCORE,   /* no separator, or nothing after it */
	WR_SPLIT_NOENTRY    /* nothing before the separator */
};

/*
 * Split a rating line "entry<TAB>score[<TAB>ignored...]" or a scored list
 * line "ENTRY;SCORE" in place: a TAB anywhere means the first form, else the
 * first ';' separates. Entry and score are trimmed of white space and
 * NUL-terminated inside line, which must hold a NUL at line[len].
 */
enum wr_split wr_merge_split(char *line, size_t len, char **entry, size_t *elen,
    char **score);

/* Parse a plain decimal number ([+-]digits[.digits]); 0 on success, -1 otherwise. */
int wr_score_parse(const char *s, double *v);

/*
 * v rounded half away from zero to `decimals` places (0-6), taking the
 * binary fuzz of decimal arithmetic (62.499999999999993) for the tie it
 * stands for. Never returns -0.
 */
double wr_score_round(double v, int decimals);

/*
 * Write v rounded as wr_score_round does, with trailing zeros and a trailing
 * point trimmed ("62.5", "80", "-3.25"); returns the length, as snprintf.
 */
int wr_score_format(char *buf, size_t size, double v, int decimals);

enum wr_merge_how { WR_MERGE_MEAN, WR_MERGE_MEDIAN, WR_MERGE_MIN, WR_MERGE_MAX };

/*
 * Every score seen, one record per distinct key (see fold.h): a running
 * sum, minimum or maximum, or for the median every score in a chain through
 * one shared array. A base score replaces whatever the ratings say.
 */
struct wr_merge;

struct wr_merge_item {
	const char *key;            /* borrowed, NUL-terminated */
	size_t keylen;
	const char *entry;          /* first spelling; NULL unless spellings are kept */
	size_t entrylen;
	double score;
	int base;                   /* the score came from a base list */
};

/* Caller frees with wr_merge_free. spelling: keep each key's first spelling. */
struct wr_merge *wr_merge_new(enum wr_merge_how how, int spelling);
void wr_merge_free(struct wr_merge *m);
/* Compare entries byte for byte instead of by folded key; call before the first add. */
void wr_merge_exact(struct wr_merge *m);
/*
 * Add a score for entry[0..len) (valid UTF-8). A base score wins over
 * ratings, and gives the key its spelling; of several base scores for one
 * key the first wins. Returns 0, or -1 when the entry has no letters or
 * digits.
 */
int wr_merge_add(struct wr_merge *m, const char *entry, size_t len, double score, int base);
/* Sort the keys bytewise; returns how many there are. Call once, after the last add. */
size_t wr_merge_sort(struct wr_merge *m);
/* The i-th key in sorted order with its combined score; valid until wr_merge_free. */
void wr_merge_get(struct wr_merge *m, size_t i, struct wr_merge_item *it);

/* The longest scored line read, in bytes. */
#define WR_MERGE_LINE_MAX 4096

/* What wr_merge_read counted, over every file read with it. */
struct wr_merge_counts {
	long lines, scores, bad;
	struct wr_progress *progress;   /* shows "N lines" every 2^20 lines; NULL: none */
};

/*
 * Add every scored line of path (scale lo..hi) to m, the score mapped
 * linearly onto to_lo..to_hi first unless that is the same scale, as base
 * scores if base. Bad lines (see wr_scored_next) and entries with no letters
 * or digits are reported with file:line, counted in c->bad and skipped. An
 * unreadable file or a read error exits 2.
 */
void wr_merge_read(struct wr_merge *m, const char *path, double lo, double hi, double to_lo, double to_hi,
    int base, struct wr_merge_counts *c);

#endif
