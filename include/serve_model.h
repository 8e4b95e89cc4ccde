/* The model's answer to one parsed request, the same for a live call and for a batch line. */
#ifndef WR_SERVE_MODEL_H
#define WR_SERVE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "serve.h"
#include "serve_http.h"

/*
 * The fault and the answer id (16 hex digits and a NUL) of request c, a
 * pure function of conf's seed and rates, h (the hash of the body) and n
 * (how often that body was seen before).
 */
enum wr_fault wr_model_draw(const struct wr_serve_conf *conf, const struct wr_chat *c,
    uint64_t h, uint64_t n, char id[17]);
/* The hash of a request body that wr_model_draw and the style draw take. */
uint64_t wr_model_hash(const char *body, size_t len);
/*
 * Rate c's entries from conf's lexicon into *scores (grown as needed, kept
 * in *nscores) and put d's native answer, shaped by fault f, in out
 * (emptied first). text is scratch space.
 */
void wr_model_answer(const struct wr_serve_conf *conf, const struct wr_serve_dialect *d,
    const struct wr_chat *c, enum wr_fault f, uint64_t h, const char *id,
    int **scores, size_t *nscores, struct wr_buf *out, struct wr_buf *text);

#endif
