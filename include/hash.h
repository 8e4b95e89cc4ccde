/* Batch IDs and a string-keyed hash map. */
#ifndef WR_HASH_H
#define WR_HASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * The batch ID: XXH64 (seed 0) of the entries, each followed by one LF,
 * in batch order. Same entries, same ID, on any machine.
 */
uint64_t wr_batch_id(const char *const *entries, const size_t *lens, size_t n);
/* The same ID from the entries already laid out as "entry\n" back to back. */
uint64_t wr_batch_id_lines(const char *s, size_t n);
/* Write the 16 lowercase hex digits of id and a NUL into out. */
void wr_id_hex(uint64_t id, char out[17]);

/*
 * Open-addressing hash map from byte strings to a size_t value. Keys are
 * copied into an arena owned by the map.
 */
struct wr_map {
	struct wr_map_slot *slots;
	size_t cap, count;
	struct wr_map_arena *arena;
};

void wr_map_init(struct wr_map *m);
void wr_map_free(struct wr_map *m);
/* Pointer to the value of key, or NULL when absent. */
size_t *wr_map_get(const struct wr_map *m, const char *key, size_t len);
/* Pointer to the value of key; a new key gets value def and *added = 1. */
size_t *wr_map_put(struct wr_map *m, const char *key, size_t len, size_t def, int *added);
/* The map's own copy of key (valid until wr_map_free), or NULL when absent. */
const char *wr_map_key(const struct wr_map *m, const char *key, size_t len);

#endif
