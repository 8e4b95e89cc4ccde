/* Prompt templates: {{entries}}, {{count}} and {{id}}; {{examples}} in the system message. */
#ifndef WR_TMPL_H
#define WR_TMPL_H

#include <stddef.h>

#include "common.h"

/*
 * Check tmpl for placeholders; returns 0, or -1 with the offending
 * placeholder (a pointer into tmpl, length *badlen) in *bad.
 */
int wr_tmpl_check(const char *tmpl, const char **bad, size_t *badlen);
/* A template cut at its placeholders. */
enum wr_tmpl_kind { WR_TMPL_TEXT, WR_TMPL_ENTRIES, WR_TMPL_COUNT, WR_TMPL_ID };
struct wr_tmpl_part {
	enum wr_tmpl_kind kind;
	const char *s;      /* TEXT: the text, a pointer into the template */
	size_t len;
};
/*
 * Cut a checked template (wr_tmpl_check) into at most max parts, in order;
 * returns how many there are (more than max: only max were stored).
 */
size_t wr_tmpl_parts(const char *tmpl, struct wr_tmpl_part *parts, size_t max);

/*
 * Append s to out with every "{{name}}" replaced by value; returns how
 * many were replaced.
 */
size_t wr_tmpl_subst(struct wr_buf *out, const char *s, const char *name, const char *value);

#endif
