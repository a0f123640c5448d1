/* shang_strmap — see shang_strmap.h. */
#include "shang_strmap.h"

#include <stdlib.h>
#include <string.h>

#include "shang_mem.h"

struct slot {
    uint64_t hash, value;
    uint32_t len;
    const char *key; /* in the arena; NULL = empty */
};

struct chunk {
    struct chunk *next;
    size_t used, size;
    char data[];
};

struct shang_strmap {
    struct slot *slots;
    size_t cap, n;
    struct chunk *arena;
};

uint64_t shang_hash_bytes(const void *p, size_t n)
{
    /* FNV-1a over 64 bits, then a SplitMix64-style finaliser for the low bits */
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h;
}

int shang_strmap_new(size_t hint, shang_strmap **out)
{
    *out = NULL;
    shang_strmap *m = shang_zalloc(1, sizeof *m, "m");
    size_t cap = 64;
    while (cap < 2 * hint) cap *= 2;
    if (m) m->slots = shang_zalloc(cap, sizeof *m->slots, "m->slots");
    if (!m || !m->slots) {
        free(m);
        return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate a hash map of %zu slots", cap);
    }
    m->cap = cap;
    *out = m;
    return SHANG_OK;
}

void shang_strmap_free(shang_strmap *m)
{
    if (!m) return;
    for (struct chunk *c = m->arena, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(m->slots);
    free(m);
}

static const char *arena_copy(shang_strmap *m, const void *key, size_t len)
{
    struct chunk *c = m->arena;
    if (!c || c->size - c->used < len + 1) {
        size_t size = len + 1 > ((size_t)1 << 16) ? len + 1 : ((size_t)1 << 16);
        c = shang_alloc(1, sizeof *c + size, "c");
        if (!c) return NULL;
        c->next = m->arena;
        c->used = 0;
        c->size = size;
        m->arena = c;
    }
    char *d = c->data + c->used;
    memcpy(d, key, len);
    d[len] = '\0';
    c->used += len + 1;
    return d;
}

static struct slot *find(const shang_strmap *m, const void *key, size_t len, uint64_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct slot *s = &m->slots[i];
        if (!s->key || (s->hash == h && s->len == len && !memcmp(s->key, key, len))) return s;
    }
}

static int grow(shang_strmap *m)
{
    size_t cap = m->cap * 2;
    struct slot *old = m->slots, *n = shang_zalloc(cap, sizeof *n, "n");
    if (!n) return SHANG_FAIL(SHANG_ENOMEM, "cannot grow a hash map to %zu slots", cap);
    for (size_t i = 0; i < m->cap; i++) {
        if (!old[i].key) continue;
        for (size_t j = old[i].hash & (cap - 1);; j = (j + 1) & (cap - 1))
            if (!n[j].key) {
                n[j] = old[i];
                break;
            }
    }
    free(old);
    m->slots = n;
    m->cap = cap;
    return SHANG_OK;
}

uint64_t *shang_strmap_put(shang_strmap *m, const void *key, size_t len, int *added)
{
    if (len > UINT32_MAX) {
        SHANG_FAIL(SHANG_EINVAL, "hash map key of %zu bytes", len);
        return NULL;
    }
    uint64_t h = shang_hash_bytes(key, len);
    struct slot *s = find(m, key, len, h);
    if (s->key) {
        if (added) *added = 0;
        return &s->value;
    }
    if (2 * (m->n + 1) > m->cap) {
        if (grow(m)) return NULL;
        s = find(m, key, len, h);
    }
    s->key = arena_copy(m, key, len);
    if (!s->key) {
        SHANG_FAIL(SHANG_ENOMEM, "cannot store a hash map key");
        return NULL;
    }
    s->hash = h;
    s->len = (uint32_t)len;
    s->value = 0;
    m->n++;
    if (added) *added = 1;
    return &s->value;
}

uint64_t *shang_strmap_get(const shang_strmap *m, const void *key, size_t len)
{
    struct slot *s = find(m, key, len, shang_hash_bytes(key, len));
    return s->key ? &s->value : NULL;
}

size_t shang_strmap_size(const shang_strmap *m) { return m->n; }
size_t shang_strmap_capacity(const shang_strmap *m) { return m->cap; }

void shang_strmap_slot(const shang_strmap *m, size_t i, const char **key, size_t *len, uint64_t *value)
{
    const struct slot *s = &m->slots[i];
    *key = s->key;
    *len = s->len;
    *value = s->value;
}

int shang_dense_ids(const void *keys, size_t len, size_t n, uint32_t *id, size_t *distinct)
{
    shang_strmap *m;
    int rc = shang_strmap_new(n / 4 + 16, &m);
    for (size_t i = 0; !rc && i < n; i++) {
        int added;
        uint64_t *v = shang_strmap_put(m, (const char *)keys + i * len, len, &added);
        if (!v) rc = shang_err_code();
        else {
            if (added) *v = shang_strmap_size(m) - 1;
            id[i] = (uint32_t)*v;
        }
    }
    if (!rc && distinct) *distinct = shang_strmap_size(m);
    shang_strmap_free(m);
    return rc;
}

int shang_dense_strs(char *const *s, size_t n, int32_t *id)
{
    shang_strmap *m;
    int rc = shang_strmap_new(n / 2 + 16, &m);
    for (size_t i = 0; !rc && i < n; i++) {
        int added;
        uint64_t *v = shang_strmap_put(m, s[i], strlen(s[i]), &added);
        if (!v) rc = shang_err_code();
        else {
            if (added) *v = shang_strmap_size(m) - 1;
            id[i] = (int32_t)*v;
        }
    }
    shang_strmap_free(m);
    return rc;
}
