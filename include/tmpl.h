/* Prompt templates: {{entries}}, {{count}} and {{id}}. */
#ifndef WR_TMPL_H
#define WR_TMPL_H

#include <stddef.h>

#include "common.h"

/*
 * Check tmpl for placeholders; returns 0, or -1 with the offending
 * placeholder (a pointer into tmpl, length *badlen) in *bad.
 */
int wr_tmpl_check(const char *tmpl, const char **bad, size_t *badlen);
/* Append tmpl rendered for one batch to out. */
void wr_tmpl_render(struct wr_buf *out, const char *tmpl, const char *id,
    const char *const *entries, const size_t *lens, size_t n);

#endif
