/* Batch IDs (XXH64) and a string-keyed open-addressing hash map. */
#include "hash.h"

#include <stdlib.h>
#include <string.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "common.h"

uint64_t
wr_batch_id(const char *const *entries, const size_t *lens, size_t n)
{
	XXH64_state_t st;
	size_t i;

	XXH64_reset(&st, 0);
	for (i = 0; i < n; i++) {
		XXH64_update(&st, entries[i], lens[i]);
		XXH64_update(&st, "\n", 1);
	}
	return XXH64_digest(&st);
}

uint64_t
wr_batch_id_lines(const char *s, size_t n)
{
	return XXH64(s, n, 0);
}

void
wr_id_hex(uint64_t id, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 15; i >= 0; i--, id >>= 4)
		out[i] = hex[id & 15];
	out[16] = '\0';
}

struct wr_map_slot {
	const char *key;   /* NULL: empty */
	size_t len;
	uint64_t hash;
	size_t val;
};

#define ARENA_BLOCK (1u << 16)

struct wr_map_arena {
	struct wr_map_arena *next;
	size_t used, cap;
	char data[];
};

void
wr_map_init(struct wr_map *m)
{
	memset(m, 0, sizeof *m);
}

void
wr_map_free(struct wr_map *m)
{
	struct wr_map_arena *a, *next;

	for (a = m->arena; a; a = next) {
		next = a->next;
		free(a);
	}
	free(m->slots);
	memset(m, 0, sizeof *m);
}

static const char *
arena_copy(struct wr_map *m, const char *s, size_t n)
{
	struct wr_map_arena *a = m->arena;
	char *p;

	if (!a || a->cap - a->used < n + 1) {
		size_t cap = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;
		a = wr_malloc(sizeof *a + cap);
		a->cap = cap;
		a->used = 0;
		a->next = m->arena;
		m->arena = a;
	}
	p = a->data + a->used;
	memcpy(p, s, n);
	p[n] = '\0';
	a->used += n + 1;
	return p;
}

static struct wr_map_slot *
find(const struct wr_map *m, const char *key, size_t len, uint64_t h)
{
	size_t mask = m->cap - 1, i = (size_t)h & mask;

	for (;;) {
		struct wr_map_slot *s = &m->slots[i];
		if (!s->key || (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0))
			return s;
		i = (i + 1) & mask;
	}
}

size_t *
wr_map_get(const struct wr_map *m, const char *key, size_t len)
{
	struct wr_map_slot *s;

	if (!m->cap)
		return NULL;
	s = find(m, key, len, XXH3_64bits(key, len));
	return s->key ? &s->val : NULL;
}

const char *
wr_map_key(const struct wr_map *m, const char *key, size_t len)
{
	struct wr_map_slot *s;

	if (!m->cap)
		return NULL;
	s = find(m, key, len, XXH3_64bits(key, len));
	return s->key;
}

static void
grow(struct wr_map *m)
{
	struct wr_map_slot *old = m->slots;
	size_t oldcap = m->cap, i;

	m->cap = oldcap ? oldcap * 2 : 64;
	/*
	 * Not calloc: a large calloc block is fresh zero pages, which find()
	 * reads first; the first store to each then takes a copy-on-write
	 * fault and, with threads running, a TLB shootdown on every core.
	 */
	m->slots = wr_malloc(m->cap * sizeof *m->slots);
	memset(m->slots, 0, m->cap * sizeof *m->slots);
	for (i = 0; i < oldcap; i++)
		if (old[i].key)
			*find(m, old[i].key, old[i].len, old[i].hash) = old[i];
	free(old);
}

size_t *
wr_map_put(struct wr_map *m, const char *key, size_t len, size_t def, int *added)
{
	uint64_t h = XXH3_64bits(key, len);
	struct wr_map_slot *s;

	if ((m->count + 1) * 4 > m->cap * 3)
		grow(m);
	s = find(m, key, len, h);
	if (added)
		*added = !s->key;
	if (!s->key) {
		s->key = arena_copy(m, key, len);
		s->len = len;
		s->hash = h;
		s->val = def;
		m->count++;
	}
	return &s->val;
}

