/* The model's answer to one parsed request, the same for a live call and for a batch line. */
#include "serve_model.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "hash.h"
#include "lexicon.h"

uint64_t
wr_model_hash(const char *body, size_t len)
{
	return XXH3_64bits(body, len);
}

enum wr_fault
wr_model_draw(const struct wr_serve_conf *conf, const struct wr_chat *c, uint64_t h, uint64_t n,
    char id[17])
{
	uint64_t in[2];

	in[0] = h;
	in[1] = n;
	wr_id_hex(XXH3_64bits(in, sizeof in), id);
	if (conf->refuse && conf->refuse->count && wr_chat_has_entry(c, conf->refuse))
		return WR_FAULT_REFUSE_ENTRY;
	return wr_fault_pick(conf->rates, conf->seed, h, n);
}

void
wr_model_answer(const struct wr_serve_conf *conf, const struct wr_serve_dialect *d,
    const struct wr_chat *c, enum wr_fault f, uint64_t h, const char *id,
    int **scores, size_t *nscores, struct wr_buf *out, struct wr_buf *text)
{
	struct wr_reply reply;
	size_t i;

	if (*nscores < c->n) {
		*nscores = c->n;
		*scores = wr_realloc(*scores, *nscores * sizeof **scores);
	}
	for (i = 0; i < c->n; i++)
		wr_lexicon_prefetch(conf->lex, c->entries[i], c->lens[i]);
	for (i = 0; i < c->n; i++)
		(*scores)[i] = wr_lexicon_score(conf->lex, c->entries[i], c->lens[i]);
	wr_buf_reset(out);
	reply.id = id;
	reply.created = WR_SERVE_CREATED;
	reply.style = wr_style_pick(conf->style, conf->seed, h);
	reply.fault = f;
	d->answer(out, c, *scores, &reply, text);
}
