/* shang_strmap — a hash map from byte strings (any bytes, with a length) to a
 * 64-bit value, open addressing with linear probing; keys are copied into an
 * arena owned by the map. Used for vocabularies, word counts and encoder caches.
 * Not thread-safe; no deletion (not needed by its users). */
#ifndef SHANG_STRMAP_H
#define SHANG_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "shang_err.h"

typedef struct shang_strmap shang_strmap;

int shang_strmap_new(size_t capacity_hint, shang_strmap **out) SHANG_MUST_CHECK;
void shang_strmap_free(shang_strmap *m);
/* Pointer to the value of `key` (inserted as 0 if absent; *added says which), or
 * NULL with SHANG_ENOMEM. The pointer is valid until the next insertion. */
uint64_t *shang_strmap_put(shang_strmap *m, const void *key, size_t len, int *added);
/* Pointer to the value, or NULL if absent. */
uint64_t *shang_strmap_get(const shang_strmap *m, const void *key, size_t len);
size_t shang_strmap_size(const shang_strmap *m);
/* Iteration: slot i in [0, capacity) holds a key if *key != NULL. */
size_t shang_strmap_capacity(const shang_strmap *m);
void shang_strmap_slot(const shang_strmap *m, size_t i, const char **key, size_t *len, uint64_t *value);

uint64_t shang_hash_bytes(const void *p, size_t n);

/* Dense ids 0.. of n keys of `len` bytes each (keys + i * len), in order of
 * first appearance, into id (n); *distinct receives how many (NULL allowed). */
int shang_dense_ids(const void *keys, size_t len, size_t n, uint32_t *id, size_t *distinct) SHANG_MUST_CHECK;
/* The same for n strings ("b", "a", "b" -> 0, 1, 0). */
int shang_dense_strs(char *const *s, size_t n, int32_t *id) SHANG_MUST_CHECK;

#endif
