/* wr-parse's books: which requests got an answer, which failed or were refused, and the counts. */
#include "tally.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

void
wr_tally_init(struct wr_tally *t, char *const *files)
{
	memset(t, 0, sizeof *t);
	wr_reqset_init(&t->requests);
	wr_reqset_init(&t->pending);
	wr_map_init(&t->answered);
	t->files = files;
}

void
wr_tally_free(struct wr_tally *t)
{
	wr_reqset_free(&t->requests);
	wr_reqset_free(&t->pending);
	wr_map_free(&t->answered);
	wr_entries_free(&t->scratch);
	free(t->place);
	for (size_t i = 0; i < t->nmodels; i++)
		free(t->models[i].name);
	free(t->models);
	free(t->lperr_msg);
}

/* Keep the entries of a failed or refused result until an answer turns up, or the end. */
static void
defer(struct wr_tally *t, const char *id, size_t idlen, const struct wr_recs *recs, const struct wr_rec *r,
    int refusal)
{
	struct wr_reqset *p = &t->pending;
	size_t i;
	int added;

	wr_rec_entries(recs, r, &t->scratch);
	i = wr_reqset_add(p, id, idlen, t->scratch.s, t->scratch.len, t->scratch.n, &added);
	if (added)
		p->item[i].flag = refusal ? 2 : 1;
	else if (refusal && p->item[i].flag == 1)
		p->item[i].flag = 2;
}

/* An answer of model name[0..n) with rated entries and no logprobs. */
static void
no_logprobs(struct wr_tally *t, const char *name, size_t n, long rated, int anthropic)
{
	size_t i;

	for (i = 0; i < t->nmodels; i++)
		if (strlen(t->models[i].name) == n && memcmp(t->models[i].name, name, n) == 0) {
			t->models[i].entries += rated;
			return;
		}
	t->models = wr_realloc(t->models, (t->nmodels + 1) * sizeof *t->models);
	t->models[t->nmodels].name = wr_strndup(name, n);
	t->models[t->nmodels].entries = rated;
	t->models[t->nmodels++].anthropic = anthropic;
}

/* OpenAI's reasoning models: o1, o3-mini, o4-mini... */
static int
reasoning_model(const char *name)
{
	return name[0] == 'o' && name[1] >= '1' && name[1] <= '9';
}

void
wr_tally_expected(const struct wr_tally *t)
{
	size_t i;

	for (i = 0; i < t->nmodels; i++) {
		const struct wr_tally_model *m = &t->models[i];
		const char *why = m->anthropic || strncmp(m->name, "claude", 6) == 0 ? "Anthropic has none" :
		    reasoning_model(m->name) ? "a reasoning model refuses them" :
		    "ask for them with wr-prompt --logprobs";
		wr_warn("-E: model %s answered without logprobs (%s): plain scores for %ld %s", m->name, why,
		    m->entries, m->entries == 1 ? "entry" : "entries");
	}
	if (t->lperr)
		wr_warn("-E: %ld %s (%ld %s) failed over logprobs (reasoning models refuse them: "
		    "send these without --logprobs): \"%s\"", t->lperr, t->lperr == 1 ? "request" : "requests",
		    t->lperr_entries, t->lperr_entries == 1 ? "entry" : "entries", t->lperr_msg);
}

int
wr_tally_rec(struct wr_tally *t, int file, const struct wr_recs *recs, const struct wr_rec *r)
{
	const char *id = recs->ids.s + r->id;
	size_t *v;
	long p;
	int added;

	if (r->warnlen)
		fwrite(recs->msg.s + r->warn, 1, r->warnlen, stderr);
	if (r->kind == WR_REC_BAD || r->bad)
		t->bad++;
	if (r->kind == WR_REC_BAD)
		return 0;
	if (r->req >= 0)
		t->requests.item[r->req].flag = 1;
	t->results++;
	if (r->kind == WR_REC_FAILED)
		t->failed++;
	if (r->lperr) {
		if (!t->lperr_msg)
			t->lperr_msg = wr_strndup(recs->ids.s + r->model, r->modellen);
		t->lperr++;
		t->lperr_entries += (long)r->nents;
	}
	/* The first answer wins; a failure after it changes nothing. */
	v = r->kind == WR_REC_ANSWER ? wr_map_put(&t->answered, id, r->idlen, t->nplace, &added) :
	    wr_map_get(&t->answered, id, r->idlen);
	if (v && (r->kind != WR_REC_ANSWER || !added)) {
		if (r->kind != WR_REC_FAILED) {
			fprintf(stderr, "%s: %s:%ld: %s: answered already at %s:%ld, this answer skipped\n", wr_prog,
			    t->files[file], r->line, id, t->files[t->place[*v].file], t->place[*v].line);
			t->dups++;
		}
		return 0;
	}
	if (r->kind != WR_REC_ANSWER) {
		defer(t, id, r->idlen, recs, r, r->kind == WR_REC_REFUSED);
		return 0;
	}
	if (r->notelen)
		fwrite(recs->notes.s + r->note, 1, r->notelen, stderr);
	if (t->nplace == t->capplace) {
		t->capplace = t->capplace ? t->capplace * 2 : 1024;
		t->place = wr_realloc(t->place, t->capplace * sizeof *t->place);
	}
	t->place[t->nplace].file = file;
	t->place[t->nplace++].line = r->line;
	if (t->pending.count && (p = wr_reqset_find(&t->pending, id, r->idlen)) >= 0)
		t->pending.item[p].flag = 0;
	t->rated += r->rated;
	t->expected += r->expected;
	t->plain += r->plain;
	if (r->nolp && r->rated)
		no_logprobs(t, recs->ids.s + r->model, r->modellen, r->rated, r->anthropic);
	t->missing += r->missing;
	t->rejected += r->rejected;
	return 1;
}

void
wr_tally_finish(struct wr_tally *t, void (*fn)(void *arg, const char *s, size_t n, int refused), void *arg)
{
	struct wr_entries *e = &t->scratch;
	size_t i, k;

	for (i = 0; i < t->pending.count; i++) {
		int flag = t->pending.item[i].flag;
		if (!flag)
			continue;
		wr_reqset_get(&t->pending, i, e);
		for (k = 0; k < e->n; k++)
			fn(arg, e->s[k], e->len[k], flag == 2);
		if (flag == 2)
			t->refused += (long)e->n;
		else
			t->missing += (long)e->n;
	}
	for (i = 0; i < t->requests.count; i++) {
		if (t->requests.item[i].flag)
			continue;
		t->unseen++;
		wr_reqset_get(&t->requests, i, e);
		for (k = 0; k < e->n; k++)
			fn(arg, e->s[k], e->len[k], 0);
		t->missing += (long)e->n;
	}
	if (t->unseen)
		wr_warn("%ld requests of -b/-r have no result line; their entries count as missing", t->unseen);
}
