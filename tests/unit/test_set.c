/* Unit tests for lib/set.c: batched lookups checked against the plain hash map. */
#include <stdlib.h>

#include "hash.h"
#include "set.h"
#include "unit.h"

static uint64_t rng = 88172645463325252u;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A key from a small or a large space, so that repeats come near and far apart. */
static size_t
make_key(char *buf, size_t cap)
{
	uint64_t r = next();
	size_t len = 1 + r % 24, i;

	if (len > cap)
		len = cap;
	r = next() % (r & 1 ? 50 : 200000);
	for (i = 0; i < len; i++, r /= 7)
		buf[i] = (char)('a' + r % 7 + (i & 1) * 7);
	return len;
}

/*
 * Random workloads: queues of 1 to 5,000 keys, many repeats (within a queue
 * and across queues), some keys excluded; every verdict and the keys buffer
 * must match what the plain map says.
 */
static void
test_random(void)
{
	struct wr_set s, ex;
	struct wr_map ref, exref;
	struct wr_buf keys = {0}, want = {0};
	unsigned char *verdict = malloc(5000);
	size_t round, i, bad = 0, nadded = 0, nseen = 0, nexcl = 0;
	char buf[32];

	wr_set_init(&s);
	wr_set_init(&ex);
	wr_map_init(&ref);
	wr_map_init(&exref);
	/* 3,000 keys to exclude, queued 700 at a time from where they lie. */
	for (round = 0; round < 3000; round += 700) {
		size_t off[700], len[700], n = 3000 - round < 700 ? 3000 - round : 700;
		wr_buf_reset(&keys);
		for (i = 0; i < n; i++) {
			len[i] = make_key(buf, sizeof buf);
			off[i] = keys.len;
			wr_buf_add(&keys, buf, len[i]);
			wr_map_put(&exref, buf, len[i], 0, NULL);
		}
		for (i = 0; i < n; i++)
			wr_set_queue(&ex, keys.s + off[i], len[i]);
		wr_set_resolve(&ex, NULL, NULL);
	}
	CHECK(ex.count == exref.count, "exclusion set holds %zu keys, map %zu", ex.count, exref.count);

	for (round = 0; round < 200; round++) {
		size_t n = 1 + next() % 5000, *off = malloc(n * sizeof *off), *len = malloc(n * sizeof *len);

		wr_buf_reset(&keys);
		for (i = 0; i < n; i++) {
			len[i] = make_key(buf, sizeof buf);
			off[i] = keys.len;
			wr_buf_add(&keys, buf, len[i]);
		}
		/* Queue by reference: the keys stay in keys.s until the verdicts are read. */
		for (i = 0; i < n; i++)
			CHECK(wr_set_queue(&s, keys.s + off[i], len[i]) == i + 1, "queue count");
		CHECK(wr_set_resolve(&s, &ex, verdict) == n, "resolve count");
		for (i = 0; i < n; i++) {
			const char *k = keys.s + off[i];
			size_t qlen;
			int added, expect;

			if (wr_map_get(&exref, k, len[i]))
				expect = WR_SET_EXCLUDED;
			else {
				wr_map_put(&ref, k, len[i], 0, &added);
				expect = added ? WR_SET_NEW : WR_SET_SEEN;
			}
			if (verdict[i] != expect)
				bad++;
			if (expect == WR_SET_NEW) {
				wr_buf_add(&want, k, len[i]);
				wr_buf_addc(&want, '\n');
				nadded++;
			}
			nseen += expect == WR_SET_SEEN;
			nexcl += expect == WR_SET_EXCLUDED;
			CHECK(wr_set_queued(&s, i, &qlen) == k && qlen == len[i], "queued key %zu", i);
		}
		free(off);
		free(len);
	}
	CHECK(bad == 0, "%zu verdicts differ from the map's", bad);
	CHECK(s.count == ref.count && s.count == nadded, "set %zu, map %zu, added %zu", s.count, ref.count, nadded);
	CHECK(s.keys.len == want.len && memcmp(s.keys.s, want.s, want.len) == 0, "keys in the order added");
	CHECK(nseen > 10000 && nexcl > 1000 && nadded > 100000, "the workload mixes verdicts: %zu %zu %zu",
	    nadded, nseen, nexcl);
	CHECK(s.cap >= 2 * s.count && s.cap > 1024, "the table grew: %zu slots for %zu keys", s.cap, s.count);
	CHECK(wr_set_has(&s, want.s, strcspn(want.s, "\n")), "the first key added is found");
	CHECK(!wr_set_has(&s, "zzzzzzzzzzzzzzzzzzzzzzzzz", 25), "a key never added is not");
	wr_set_free(&s);
	wr_set_free(&ex);
	wr_map_free(&ref);
	wr_map_free(&exref);
	wr_buf_free(&keys);
	wr_buf_free(&want);
	free(verdict);
}

/* Edge cases: an empty queue, the empty key, a reserve, a key that is a prefix of another. */
static void
test_edges(void)
{
	struct wr_set s;
	unsigned char v[4];

	wr_set_init(&s);
	CHECK(wr_set_resolve(&s, NULL, v) == 0, "an empty queue decides nothing");
	CHECK(!wr_set_has(&s, "a", 1), "an empty set has nothing");
	wr_set_reserve(&s, 100000, 1 << 20);
	CHECK(s.cap >= 200002 && s.keys.cap > (1 << 20), "reserve makes room: %zu slots", s.cap);
	wr_set_queue(&s, "abc", 3);
	wr_set_queue(&s, "ab", 2);
	wr_set_queue(&s, "", 0);
	wr_set_queue(&s, "abc", 3);
	CHECK(wr_set_resolve(&s, NULL, v) == 4, "four decided");
	CHECK(v[0] == WR_SET_NEW && v[1] == WR_SET_NEW && v[2] == WR_SET_NEW && v[3] == WR_SET_SEEN,
	    "prefixes are other keys; a repeat in one queue is seen: %d %d %d %d", v[0], v[1], v[2], v[3]);
	CHECK(s.keys.len == 8 && memcmp(s.keys.s, "abc\nab\n\n", 8) == 0, "keys with their LFs");
	CHECK(wr_set_has(&s, "ab", 2) && !wr_set_has(&s, "a", 1), "lookups after the fact");
	wr_set_free(&s);
}

int
main(void)
{
	test_random();
	test_edges();
	return unit_done();
}
