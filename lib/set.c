/* A set of byte strings with batched, prefetched lookups (see set.h). */
#include "set.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#define LOW UINT64_C(0xffffffff)
#define MIN_CAP 1024
#define HUGE_PAGE ((size_t)2 << 20)
/* How many keys ahead wr_set_resolve fetches slots. */
#define AHEAD 32

void
wr_set_init(struct wr_set *s)
{
	memset(s, 0, sizeof *s);
}

/*
 * Slot tables of 2 MiB and more come straight from mmap, already zeroed, in
 * huge pages where the kernel allows them (fewer faults and TLB misses).
 */
static uint64_t *
table_alloc(size_t cap)
{
	size_t bytes = cap * sizeof(uint64_t);
	void *p;

	if (bytes < HUGE_PAGE)
		return wr_calloc(cap, sizeof(uint64_t));
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		wr_die("out of memory");
#ifdef MADV_HUGEPAGE
	madvise(p, bytes, MADV_HUGEPAGE);
#endif
	return p;
}

static void
table_free(uint64_t *t, size_t cap)
{
	if (cap * sizeof(uint64_t) < HUGE_PAGE)
		free(t);
	else
		munmap(t, cap * sizeof(uint64_t));
}

void
wr_set_free(struct wr_set *s)
{
	table_free(s->slots, s->cap);
	wr_buf_free(&s->keys);
	free(s->q);
	memset(s, 0, sizeof *s);
}

static size_t
home(const struct wr_set *s, uint64_t h)
{
	return (size_t)((h >> 32) >> s->shift);
}

/* The slot holding key, or the empty slot where it belongs. */
static inline uint64_t *
find(const struct wr_set *s, const char *key, size_t len, uint64_t h)
{
	size_t mask = s->cap - 1, i = home(s, h);
	uint64_t tag = h & ~LOW, v;

	while ((v = s->slots[i])) {
		if ((v & ~LOW) == tag) {
			const char *k = s->keys.s + (v & LOW) - 1;
			if (memcmp(k, key, len) == 0 && k[len] == '\n')
				break;
		}
		i = (i + 1) & mask;
	}
	return &s->slots[i];
}

int
wr_set_has(const struct wr_set *s, const char *key, size_t len)
{
	return s->count && *find(s, key, len, XXH3_64bits(key, len)) != 0;
}

/* Double the table: the old slots, read in order, land in the new one in order. */
static void
grow(struct wr_set *s)
{
	uint64_t *old = s->slots;
	size_t oldcap = s->cap, i, j, mask;

	if (oldcap && s->shift == 0)
		wr_die("too many distinct entries");
	s->cap = oldcap ? oldcap * 2 : MIN_CAP;
	s->shift = 32;
	for (i = s->cap; i > 1; i >>= 1)
		s->shift--;
	s->slots = table_alloc(s->cap);
	mask = s->cap - 1;
	for (i = 0; i < oldcap; i++) {
		if (!old[i])
			continue;
		for (j = home(s, old[i]); s->slots[j]; j = (j + 1) & mask)
			;
		s->slots[j] = old[i];
	}
	if (old)
		table_free(old, oldcap);
}

/* Huge pages for the parts of b's block that they can cover (see table_alloc). */
static void
advise_huge(struct wr_buf *b)
{
#ifdef MADV_HUGEPAGE
	uintptr_t lo = ((uintptr_t)b->s + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	uintptr_t hi = ((uintptr_t)b->s + b->cap) & ~(uintptr_t)(HUGE_PAGE - 1);

	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
	(void)b;
#endif
}

static void
grow_keys(struct wr_set *s, size_t extra)
{
	size_t cap = s->keys.cap;

	wr_buf_grow(&s->keys, extra);
	if (s->keys.cap != cap && s->keys.cap >= 2 * HUGE_PAGE)
		advise_huge(&s->keys);
}

void
wr_set_reserve(struct wr_set *s, size_t n, size_t bytes)
{
	while ((n + 1) * 2 > s->cap)
		grow(s);
	if (bytes > s->keys.len)
		grow_keys(s, bytes - s->keys.len);
}

size_t
wr_set_queue(struct wr_set *s, const char *key, size_t len)
{
	struct wr_set_q *q;

	s->nlast = 0;
	if (s->nq == s->capq) {
		s->capq = s->capq ? s->capq * 2 : 1024;
		s->q = wr_realloc(s->q, s->capq * sizeof *s->q);
	}
	q = &s->q[s->nq];
	q->key = key;
	q->len = len;
	q->hash = XXH3_64bits(key, len);
	return ++s->nq;
}

/* Add key, known absent, at slot. */
static void
add(struct wr_set *s, uint64_t *slot, const struct wr_set_q *q)
{
	if (s->keys.len + q->len + 1 >= LOW)
		wr_die("more than 4 GiB of distinct entries");
	*slot = (q->hash & ~LOW) | (s->keys.len + 1);
	s->count++;
	if (s->keys.cap - s->keys.len <= q->len + 1)
		grow_keys(s, q->len + 1);
	memcpy(s->keys.s + s->keys.len, q->key, q->len);
	s->keys.len += q->len;
	s->keys.s[s->keys.len++] = '\n';
	s->keys.s[s->keys.len] = '\0';
}

size_t
wr_set_resolve(struct wr_set *s, const struct wr_set *exclude, unsigned char *verdict)
{
	size_t n = s->nq, k;
	int ex = exclude && exclude->count;

	if (n == 0)
		return 0;
	while ((s->count + n + 1) * 2 > s->cap)
		grow(s);
	for (k = 0; k < n && k < AHEAD; k++) {
		__builtin_prefetch(&s->slots[home(s, s->q[k].hash)]);
		if (ex)
			__builtin_prefetch(&exclude->slots[home(exclude, s->q[k].hash)]);
	}
	for (k = 0; k < n; k++) {
		const struct wr_set_q *q = &s->q[k];
		uint64_t *slot;
		unsigned char v = WR_SET_NEW;

		if (k + AHEAD < n) {
			__builtin_prefetch(&s->slots[home(s, s->q[k + AHEAD].hash)]);
			if (ex)
				__builtin_prefetch(&exclude->slots[home(exclude, s->q[k + AHEAD].hash)]);
		}
		if (ex && *find(exclude, q->key, q->len, q->hash))
			v = WR_SET_EXCLUDED;
		else if (*(slot = find(s, q->key, q->len, q->hash)))
			v = WR_SET_SEEN;
		else
			add(s, slot, q);
		if (verdict)
			verdict[k] = v;
	}
	s->nq = 0;
	s->nlast = n;
	return n;
}

const char *
wr_set_queued(const struct wr_set *s, size_t i, size_t *len)
{
	if (i >= s->nlast)
		wr_die("wr_set_queued: no key %zu", i);
	*len = s->q[i].len;
	return s->q[i].key;
}
