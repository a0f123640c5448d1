/* shang_bpe — see shang_bpe.h.
 *
 * Merge ranks live in an open-addressing table keyed by the pair (left, right);
 * a piece is encoded by repeatedly merging every occurrence, left to right, of
 * its lowest-ranked adjacent pair (GPT-2's bpe()), with a per-encoder cache of
 * pieces already seen. Learning keeps pair counts, the words each pair occurs in,
 * and a max-heap with lazy deletion, so a merge touches only the words it changes.
 */
#include "shang_bpe.h"
#include "shang_bpe_learn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <jansson.h>
#include <pcre2.h>

#include "shang_h5.h"
#include "shang_mem.h"

#define NO_RANK INT32_MAX

struct shang_tokenizer {
    size_t V, n_merges;
    char **tok;        /* (V) token bytes */
    uint32_t *tok_len; /* (V) */
    int32_t byte_id[256];
    int32_t (*merges)[3]; /* (n_merges, 3): left, right, result, in rank order */
    uint64_t *rank_key;   /* (rank_cap) (left << 32 | right) + 1; 0 = empty */
    int32_t *rank_val;    /* (rank_cap) rank */
    size_t rank_cap;
    int32_t eot;
    unsigned char *is_special; /* (V) */
    char *origin;
    pcre2_code *re;
};

int shang_ivec_push(shang_ivec *a, int32_t x)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 256;
        int32_t *v = shang_realloc(a->v, cap, sizeof *v, "token ids");
        if (!v) return shang_err_code();
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = x;
    return SHANG_OK;
}

int shang_lvec_push(shang_lvec *a, int64_t x)
{
    if (a->n == a->cap) {
        size_t cap = a->cap ? 2 * a->cap : 256;
        int64_t *v = shang_realloc(a->v, cap, sizeof *v, "token offsets");
        if (!v) return shang_err_code();
        a->v = v;
        a->cap = cap;
    }
    a->v[a->n++] = x;
    return SHANG_OK;
}

/* ---- GPT-2's byte <-> unicode map ------------------------------------------------ */

/* Printable bytes map to themselves; the other 68 to U+0100 upward, in order. */
static void byte_to_unicode(uint32_t map[256])
{
    int n = 0;
    for (int b = 0; b < 256; b++) {
        int printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        map[b] = printable ? (uint32_t)b : (uint32_t)(256 + n++);
    }
}

static size_t utf8_put(char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    o[0] = (char)(0xC0 | (c >> 6));
    o[1] = (char)(0x80 | (c & 0x3F));
    return 2; /* the map never exceeds U+0143 */
}

/* Mapped string (UTF-8) -> bytes; -1 if a code point is not in the map. */
static long unmap(const char *s, size_t len, char *out)
{
    static int inv[0x144];
    static int ready;
    if (!ready) {
        uint32_t m[256];
        byte_to_unicode(m);
        for (int i = 0; i < 0x144; i++) inv[i] = -1;
        for (int b = 0; b < 256; b++) inv[m[b]] = b;
        ready = 1;
    }
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        if (c < 0x80) {
            cp = c;
            i += 1;
        } else if ((c & 0xE0) == 0xC0 && i + 1 < len) {
            cp = ((uint32_t)(c & 0x1F) << 6) | ((unsigned char)s[i + 1] & 0x3F);
            i += 2;
        } else {
            return -1;
        }
        if (cp >= 0x144 || inv[cp] < 0) return -1;
        out[o++] = (char)inv[cp];
    }
    return (long)o;
}

/* bytes -> mapped string (malloc'd) */
static char *map_bytes(const char *s, size_t len)
{
    uint32_t m[256];
    byte_to_unicode(m);
    char *o = shang_alloc(2 * len + 1, 1, "o");
    if (!o) return NULL;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += utf8_put(o + n, m[(unsigned char)s[i]]);
    o[n] = '\0';
    return o;
}

/* ---- the tokenizer object -------------------------------------------------------- */

static int compile_regex(pcre2_code **out)
{
    int err;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)SHANG_BPE_PATTERN, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &err, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(err, msg, sizeof msg);
        return SHANG_FAIL(SHANG_EUNSUPPORTED, "cannot compile the pre-tokenisation regex: %s", msg);
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* falls back to the interpreter */
    *out = re;
    return SHANG_OK;
}

static int tok_alloc(size_t V, size_t n_merges, shang_tokenizer **out)
{
    shang_tokenizer *t = shang_zalloc(1, sizeof *t, "t");
    if (!t) return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate a tokenizer");
    t->V = V;
    t->n_merges = n_merges;
    t->eot = -1;
    t->tok = shang_zalloc(V, sizeof *t->tok, "t->tok");
    t->tok_len = shang_zalloc(V, sizeof *t->tok_len, "t->tok_len");
    t->is_special = shang_zalloc(V, 1, "t->is_special");
    t->merges = shang_zalloc(n_merges, sizeof *t->merges, "t->merges");
    if (!t->tok || !t->tok_len || !t->is_special || !t->merges) {
        shang_bpe_free(t);
        return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate a tokenizer of %zu tokens", V);
    }
    for (int b = 0; b < 256; b++) t->byte_id[b] = -1;
    int rc = compile_regex(&t->re);
    if (rc) {
        shang_bpe_free(t);
        return rc;
    }
    *out = t;
    return SHANG_OK;
}

void shang_bpe_free(shang_tokenizer *t)
{
    if (!t) return;
    if (t->tok)
        for (size_t i = 0; i < t->V; i++) free(t->tok[i]);
    free(t->tok);
    free(t->tok_len);
    free(t->is_special);
    free(t->merges);
    free(t->rank_key);
    free(t->rank_val);
    free(t->origin);
    if (t->re) pcre2_code_free(t->re);
    free(t);
}

static int set_token(shang_tokenizer *t, size_t id, const char *bytes, size_t len)
{
    t->tok[id] = shang_alloc(len + 1, 1, "t->tok[id]");
    if (!t->tok[id]) return SHANG_FAIL(SHANG_ENOMEM, "cannot store a token");
    memcpy(t->tok[id], bytes, len);
    t->tok[id][len] = '\0';
    t->tok_len[id] = (uint32_t)len;
    return SHANG_OK;
}

static uint64_t pair_key(int32_t l, int32_t r) { return ((uint64_t)(uint32_t)l << 32 | (uint32_t)r) + 1; }

static size_t pair_slot(const uint64_t *keys, size_t cap, uint64_t k)
{
    uint64_t h = k * 0x9e3779b97f4a7c15ULL;
    size_t i = (size_t)(h >> 20) & (cap - 1);
    while (keys[i] && keys[i] != k) i = (i + 1) & (cap - 1);
    return i;
}

static int32_t rank_of(const shang_tokenizer *t, int32_t l, int32_t r)
{
    uint64_t k = pair_key(l, r);
    size_t i = pair_slot(t->rank_key, t->rank_cap, k);
    return t->rank_key[i] ? t->rank_val[i] : NO_RANK;
}

/* Builds the rank table and checks that every merge is consistent; marks specials
 * (tokens that are neither a byte nor a merge result) and finds <|endoftext|>. */
static int finish(shang_tokenizer *t)
{
    t->rank_cap = 64;
    while (t->rank_cap < 2 * t->n_merges + 2) t->rank_cap *= 2;
    t->rank_key = shang_zalloc(t->rank_cap, sizeof *t->rank_key, "t->rank_key");
    t->rank_val = shang_zalloc(t->rank_cap, sizeof *t->rank_val, "t->rank_val");
    unsigned char *made = shang_zalloc(t->V, 1, "made");
    if (!t->rank_key || !t->rank_val || !made) {
        free(made);
        return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate the merge table");
    }
    int rc = SHANG_OK;
    for (size_t r = 0; r < t->n_merges && !rc; r++) {
        int32_t l = t->merges[r][0], rr = t->merges[r][1], m = t->merges[r][2];
        if (l < 0 || rr < 0 || m < 0 || (size_t)l >= t->V || (size_t)rr >= t->V || (size_t)m >= t->V) {
            rc = SHANG_FAIL(SHANG_EFORMAT, "merge %zu refers to a token outside the vocabulary", r);
            break;
        }
        if (t->tok_len[m] != t->tok_len[l] + t->tok_len[rr] ||
            memcmp(t->tok[m], t->tok[l], t->tok_len[l]) ||
            memcmp(t->tok[m] + t->tok_len[l], t->tok[rr], t->tok_len[rr])) {
            rc = SHANG_FAIL(SHANG_EFORMAT, "merge %zu: token %d is not the concatenation of %d and %d", r, m, l, rr);
            break;
        }
        size_t i = pair_slot(t->rank_key, t->rank_cap, pair_key(l, rr));
        if (!t->rank_key[i]) { /* the first (lowest) rank of a duplicated pair wins */
            t->rank_key[i] = pair_key(l, rr);
            t->rank_val[i] = (int32_t)r;
        }
        made[m] = 1;
    }
    for (size_t i = 0; i < t->V && !rc; i++) {
        if (t->tok_len[i] == 1 && t->byte_id[(unsigned char)t->tok[i][0]] < 0) {
            t->byte_id[(unsigned char)t->tok[i][0]] = (int32_t)i;
            made[i] = 1;
        }
    }
    for (int b = 0; b < 256 && !rc; b++)
        if (t->byte_id[b] < 0) rc = SHANG_FAIL(SHANG_EFORMAT, "no token for byte 0x%02x", b);
    for (size_t i = 0; i < t->V && !rc; i++) {
        t->is_special[i] = !made[i];
        if (!made[i] && t->tok_len[i] == strlen(SHANG_BPE_EOT) && !memcmp(t->tok[i], SHANG_BPE_EOT, t->tok_len[i]))
            t->eot = (int32_t)i;
    }
    free(made);
    return rc;
}

size_t shang_bpe_vocab_size(const shang_tokenizer *t) { return t->V; }
size_t shang_bpe_n_merges(const shang_tokenizer *t) { return t->n_merges; }
int32_t shang_bpe_eot(const shang_tokenizer *t) { return t->eot; }
const char *shang_bpe_origin(const shang_tokenizer *t) { return t->origin ? t->origin : ""; }

const char *shang_bpe_token(const shang_tokenizer *t, int32_t id, size_t *len)
{
    if (id < 0 || (size_t)id >= t->V) return NULL;
    *len = t->tok_len[id];
    return t->tok[id];
}

/* ---- GPT-2 files --------------------------------------------------------------- */

int shang_bpe_load_gpt2(const char *vocab_json, const char *merges_txt, shang_tokenizer **out)
{
    *out = NULL;
    json_error_t jerr;
    json_t *root = json_load_file(vocab_json, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return SHANG_FAIL(SHANG_EFORMAT, "%s: line %d: %s", vocab_json, jerr.line, jerr.text);
    int rc = SHANG_OK;
    shang_tokenizer *t = NULL;
    shang_strmap *ids = NULL;
    FILE *f = NULL;
    char *line = NULL, *buf = NULL;
    size_t cap = 0, V = json_object_size(root);
    if (!json_is_object(root) || V == 0) {
        rc = SHANG_FAIL(SHANG_EFORMAT, "%s: not a JSON object of tokens", vocab_json);
        goto done;
    }
    /* count merges first to size the tokenizer */
    f = fopen(merges_txt, "r");
    if (!f) {
        rc = SHANG_FAIL(SHANG_EIO, "cannot open %s", merges_txt);
        goto done;
    }
    size_t n_merges = 0, lineno = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) > 0)
        if (!(lineno++ == 0 && !strncmp(line, "#version", 8)) && got > 1) n_merges++;
    rewind(f);
    if ((rc = tok_alloc(V, n_merges, &t)) || (rc = shang_strmap_new(V, &ids))) goto done;
    const char *key;
    json_t *val;
    buf = shang_alloc(4096, 1, "buf");
    if (!buf) {
        rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        goto done;
    }
    json_object_foreach(root, key, val) {
        size_t klen = strlen(key);
        json_int_t id = json_is_integer(val) ? json_integer_value(val) : -1;
        if (id < 0 || (size_t)id >= V || t->tok[id] || klen > 2048) {
            rc = SHANG_FAIL(SHANG_EFORMAT, "%s: token \"%s\" has a bad or repeated id", vocab_json, key);
            goto done;
        }
        long n = unmap(key, klen, buf);
        rc = n >= 0 ? set_token(t, (size_t)id, buf, (size_t)n) : set_token(t, (size_t)id, key, klen);
        uint64_t *slot = rc ? NULL : shang_strmap_put(ids, key, klen, NULL);
        if (!slot) {
            rc = shang_err_code();
            goto done;
        }
        *slot = (uint64_t)id;
    }
    for (size_t i = 0; i < V; i++)
        if (!t->tok[i]) {
            rc = SHANG_FAIL(SHANG_EFORMAT, "%s: no token has id %zu", vocab_json, i);
            goto done;
        }
    lineno = 0;
    size_t r = 0;
    while ((got = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (lineno == 1 && !strncmp(line, "#version", 8)) continue;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r')) line[--got] = '\0';
        if (got == 0) continue;
        char *sp = strchr(line, ' ');
        if (!sp || sp == line || !sp[1] || strchr(sp + 1, ' ') || (size_t)got > 2048) {
            rc = SHANG_FAIL(SHANG_EFORMAT, "%s:%zu: expected two tokens separated by one space", merges_txt, lineno);
            goto done;
        }
        size_t la = (size_t)(sp - line), lb = (size_t)got - la - 1;
        uint64_t *a = shang_strmap_get(ids, line, la), *b = shang_strmap_get(ids, sp + 1, lb);
        memcpy(buf, line, la);
        memcpy(buf + la, sp + 1, lb);
        uint64_t *m = shang_strmap_get(ids, buf, la + lb);
        if (!a || !b || !m) {
            rc = SHANG_FAIL(SHANG_EFORMAT, "%s:%zu: merge '%s' uses or makes a token not in %s",
                            merges_txt, lineno, line, vocab_json);
            goto done;
        }
        t->merges[r][0] = (int32_t)*a;
        t->merges[r][1] = (int32_t)*b;
        t->merges[r][2] = (int32_t)*m;
        r++;
    }
    t->n_merges = r;
    t->origin = shang_strdup("gpt2");
    if (!t->origin || (rc = finish(t))) {
        if (!rc) rc = shang_err_code();
        shang_err_prefix("%s + %s", vocab_json, merges_txt);
    }
done:
    if (f) fclose(f);
    free(line);
    free(buf);
    shang_strmap_free(ids);
    json_decref(root);
    if (rc) shang_bpe_free(t);
    else *out = t;
    return rc;
}

/* ---- pre-tokenisation ---------------------------------------------------------- */

struct pretok {
    const pcre2_code *re;
    pcre2_match_data *md;
};

/* Next piece at or after *pos: [*s, *e). Bytes no regex branch can match (invalid
 * UTF-8) become a piece of their own. Returns 0 at the end of the text. */
static int next_piece(struct pretok *p, const char *text, size_t len, size_t *pos, size_t *s, size_t *e)
{
    if (*pos >= len) return 0;
    int rc = pcre2_match(p->re, (PCRE2_SPTR)text, len, *pos, 0, p->md, NULL);
    if (rc < 0) { /* no match in the rest: all of it is unmatched bytes */
        *s = *pos;
        *e = len;
    } else {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(p->md);
        if (ov[0] > *pos) { /* unmatched bytes before the match */
            *s = *pos;
            *e = ov[0];
        } else {
            *s = ov[0];
            *e = ov[1] > ov[0] ? ov[1] : ov[0] + 1; /* never empty */
        }
    }
    *pos = *e;
    return 1;
}

int shang_bpe_count_pieces(const char *text, size_t len, shang_strmap *counts)
{
    pcre2_code *re;
    int rc = compile_regex(&re);
    if (rc) return rc;
    struct pretok p = {re, pcre2_match_data_create_from_pattern(re, NULL)};
    if (!p.md) {
        pcre2_code_free(re);
        return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate regex match data");
    }
    size_t pos = 0, s, e;
    while (!rc && next_piece(&p, text, len, &pos, &s, &e)) {
        uint64_t *c = shang_strmap_put(counts, text + s, e - s, NULL);
        if (!c) rc = shang_err_code();
        else (*c)++;
    }
    pcre2_match_data_free(p.md);
    pcre2_code_free(re);
    return rc;
}

/* ---- encoding ------------------------------------------------------------------ */

#define CACHE_MAX_PIECE 64
#define CACHE_MAX_ENTRIES (1u << 20)

struct shang_encoder {
    const shang_tokenizer *t;
    struct pretok p;
    int32_t *sym; /* scratch, grows */
    size_t sym_cap;
    shang_strmap *cache; /* piece -> (offset into cached << 8) | count */
    shang_ivec cached;
};

int shang_encoder_new(const shang_tokenizer *t, shang_encoder **out)
{
    *out = NULL;
    shang_encoder *e = shang_zalloc(1, sizeof *e, "e");
    if (!e) return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate an encoder");
    e->t = t;
    e->p.re = t->re;
    e->p.md = pcre2_match_data_create_from_pattern(t->re, NULL);
    int rc = e->p.md ? shang_strmap_new(1 << 14, &e->cache) : SHANG_FAIL(SHANG_ENOMEM, "cannot allocate regex match data");
    if (rc) {
        shang_encoder_free(e);
        return rc;
    }
    *out = e;
    return SHANG_OK;
}

void shang_encoder_free(shang_encoder *e)
{
    if (!e) return;
    if (e->p.md) pcre2_match_data_free(e->p.md);
    shang_strmap_free(e->cache);
    free(e->cached.v);
    free(e->sym);
    free(e);
}

/* GPT-2's bpe(): merge every occurrence of the lowest-ranked pair, left to right,
 * until no adjacent pair has a rank. Returns the number of symbols in e->sym. */
static size_t bpe_piece(shang_encoder *e, const unsigned char *p, size_t n)
{
    const shang_tokenizer *t = e->t;
    int32_t *s = e->sym;
    for (size_t i = 0; i < n; i++) s[i] = t->byte_id[p[i]];
    size_t m = n;
    while (m > 1) {
        int32_t best = NO_RANK;
        for (size_t i = 0; i + 1 < m; i++) {
            int32_t r = rank_of(t, s[i], s[i + 1]);
            if (r < best) best = r;
        }
        if (best == NO_RANK) break;
        int32_t l = t->merges[best][0], r = t->merges[best][1], mm = t->merges[best][2];
        size_t j = 0;
        for (size_t i = 0; i < m;) {
            if (i + 1 < m && s[i] == l && s[i + 1] == r) {
                s[j++] = mm;
                i += 2;
            } else {
                s[j++] = s[i++];
            }
        }
        m = j;
    }
    return m;
}

int shang_encode(shang_encoder *e, const char *text, size_t len, shang_ivec *ids, shang_lvec *offs)
{
    size_t pos = 0, s, end;
    int rc = SHANG_OK;
    while (!rc && next_piece(&e->p, text, len, &pos, &s, &end)) {
        size_t n = end - s;
        const int32_t *toks = NULL;
        size_t count = 0;
        uint64_t *hit = n <= CACHE_MAX_PIECE ? shang_strmap_get(e->cache, text + s, n) : NULL;
        if (hit) {
            toks = e->cached.v + (*hit >> 8);
            count = *hit & 0xff;
        } else {
            if (n > e->sym_cap) {
                int32_t *b = shang_realloc(e->sym, n, sizeof *b, "encoder scratch");
                if (!b) return shang_err_code();
                e->sym = b;
                e->sym_cap = n;
            }
            count = bpe_piece(e, (const unsigned char *)text + s, n);
            toks = e->sym;
            if (n <= CACHE_MAX_PIECE) {
                if (shang_strmap_size(e->cache) >= CACHE_MAX_ENTRIES) { /* bound memory */
                    shang_strmap_free(e->cache);
                    e->cache = NULL;
                    e->cached.n = 0;
                    if ((rc = shang_strmap_new(1 << 14, &e->cache))) return rc;
                }
                uint64_t *slot = shang_strmap_put(e->cache, text + s, n, NULL);
                if (!slot) return shang_err_code();
                *slot = ((uint64_t)e->cached.n << 8) | count;
                for (size_t i = 0; i < count && !rc; i++) rc = shang_ivec_push(&e->cached, e->sym[i]);
                toks = e->cached.v + e->cached.n - count;
            }
        }
        size_t off = s;
        for (size_t i = 0; i < count && !rc; i++) {
            rc = shang_ivec_push(ids, toks[i]);
            if (!rc && offs) rc = shang_lvec_push(offs, (int64_t)off);
            off += e->t->tok_len[toks[i]];
        }
    }
    return rc;
}

int shang_decode(const shang_tokenizer *t, const int32_t *ids, size_t n, char **out, size_t *len)
{
    *out = NULL;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (ids[i] < 0 || (size_t)ids[i] >= t->V)
            return SHANG_FAIL(SHANG_EINVAL, "token id %d at position %zu is outside the vocabulary (%zu)",
                              ids[i], i, t->V);
        total += t->tok_len[ids[i]];
    }
    char *o = shang_alloc(total + 1, 1, "o");
    if (!o) return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate %zu bytes of text", total);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(o + k, t->tok[ids[i]], t->tok_len[ids[i]]);
        k += t->tok_len[ids[i]];
    }
    o[k] = '\0';
    *out = o;
    *len = k;
    return SHANG_OK;
}

/* ---- learning ------------------------------------------------------------------ */

struct word {
    int32_t *sym;
    uint32_t n;
    uint64_t count;
};

struct pairinfo {
    int64_t count;
    shang_ivec words; /* words the pair occurs (or occurred) in; may repeat */
};

struct pairmap {
    uint64_t *keys;
    uint32_t *idx; /* index into infos */
    size_t cap, n;
    struct pairinfo *infos;
    size_t infos_cap;
};

static struct pairinfo *pair_get(struct pairmap *m, int32_t l, int32_t r, int create)
{
    uint64_t k = pair_key(l, r);
    size_t i = pair_slot(m->keys, m->cap, k);
    if (m->keys[i]) return &m->infos[m->idx[i]];
    if (!create) return NULL;
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap * 2;
        uint64_t *nk = shang_zalloc(cap, sizeof *nk, "nk");
        uint32_t *ni = shang_zalloc(cap, sizeof *ni, "ni");
        if (!nk || !ni) {
            free(nk);
            free(ni);
            SHANG_FAIL(SHANG_ENOMEM, "cannot grow the pair table");
            return NULL;
        }
        for (size_t j = 0; j < m->cap; j++)
            if (m->keys[j]) {
                size_t s = pair_slot(nk, cap, m->keys[j]);
                nk[s] = m->keys[j];
                ni[s] = m->idx[j];
            }
        free(m->keys);
        free(m->idx);
        m->keys = nk;
        m->idx = ni;
        m->cap = cap;
        i = pair_slot(m->keys, m->cap, k);
    }
    if (m->n == m->infos_cap) {
        size_t cap = m->infos_cap ? 2 * m->infos_cap : 1024;
        struct pairinfo *p = shang_realloc(m->infos, cap, sizeof *p, "pair counts");
        if (!p) return NULL;
        m->infos = p;
        m->infos_cap = cap;
    }
    m->keys[i] = k;
    m->idx[i] = (uint32_t)m->n;
    memset(&m->infos[m->n], 0, sizeof m->infos[m->n]);
    return &m->infos[m->n++];
}

struct heapent {
    int64_t count;
    int32_t l, r;
};

/* a before b: higher count, then smaller left id, then smaller right id */
static int heap_before(const struct heapent *a, const struct heapent *b)
{
    if (a->count != b->count) return a->count > b->count;
    if (a->l != b->l) return a->l < b->l;
    return a->r < b->r;
}

struct heap {
    struct heapent *v;
    size_t n, cap;
};

static int heap_push(struct heap *h, struct heapent e)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 4096;
        struct heapent *v = shang_realloc(h->v, cap, sizeof *v, "pair heap");
        if (!v) return shang_err_code();
        h->v = v;
        h->cap = cap;
    }
    size_t i = h->n++;
    h->v[i] = e;
    while (i > 0 && heap_before(&h->v[i], &h->v[(i - 1) / 2])) {
        struct heapent t = h->v[i];
        h->v[i] = h->v[(i - 1) / 2];
        h->v[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
    return SHANG_OK;
}

static struct heapent heap_pop(struct heap *h)
{
    struct heapent top = h->v[0];
    h->v[0] = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t a = 2 * i + 1, b = a + 1, m = i;
        if (a < h->n && heap_before(&h->v[a], &h->v[m])) m = a;
        if (b < h->n && heap_before(&h->v[b], &h->v[m])) m = b;
        if (m == i) break;
        struct heapent t = h->v[i];
        h->v[i] = h->v[m];
        h->v[m] = t;
        i = m;
    }
    return top;
}

static int cmp_piece(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    size_t lx = *(const size_t *)(x + 1), ly = *(const size_t *)(y + 1);
    int c = memcmp(x[0], y[0], lx < ly ? lx : ly);
    return c ? c : (lx > ly) - (lx < ly);
}

int shang_bpe_learn(const shang_strmap *counts, const shang_bpe_opts *opts, shang_tokenizer **out)
{
    *out = NULL;
    if (opts->vocab_size < 257)
        return SHANG_FAIL(SHANG_EINVAL, "vocabulary size %zu is below 257 (256 bytes + <|endoftext|>)", opts->vocab_size);
    size_t max_merges = opts->vocab_size - 257;
    int rc = SHANG_OK;
    size_t nw = shang_strmap_size(counts), k = 0;
    /* pieces sorted by bytes, so that nothing depends on hash order */
    struct { const char *s; size_t len; uint64_t count; } *pieces = shang_zalloc(nw, sizeof *pieces, "pieces");
    struct word *words = shang_zalloc(nw, sizeof *words, "words");
    struct pairmap pm = {0};
    struct heap heap = {0};
    shang_ivec merges = {0}, touched = {0};
    uint32_t *stamp = shang_zalloc(nw, sizeof *stamp, "stamp");
    pm.cap = 1 << 16;
    pm.keys = shang_zalloc(pm.cap, sizeof *pm.keys, "pm.keys");
    pm.idx = shang_zalloc(pm.cap, sizeof *pm.idx, "pm.idx");
    if (!pieces || !words || !stamp || !pm.keys || !pm.idx) {
        rc = SHANG_FAIL(SHANG_ENOMEM, "cannot allocate BPE state for %zu pieces", nw);
        goto done;
    }
    for (size_t i = 0; i < shang_strmap_capacity(counts); i++) {
        const char *key;
        size_t len;
        uint64_t c;
        shang_strmap_slot(counts, i, &key, &len, &c);
        if (key) {
            pieces[k].s = key;
            pieces[k].len = len;
            pieces[k].count = c;
            k++;
        }
    }
    qsort(pieces, nw, sizeof *pieces, cmp_piece);
    for (size_t w = 0; w < nw; w++) {
        words[w].n = (uint32_t)pieces[w].len;
        words[w].count = pieces[w].count;
        words[w].sym = shang_alloc(pieces[w].len, sizeof *words[w].sym, "words[w].sym");
        if (!words[w].sym) {
            rc = SHANG_FAIL(SHANG_ENOMEM, "cannot allocate BPE words");
            goto done;
        }
        for (size_t i = 0; i < pieces[w].len; i++) words[w].sym[i] = (unsigned char)pieces[w].s[i];
        for (size_t i = 0; i + 1 < pieces[w].len; i++) {
            struct pairinfo *p = pair_get(&pm, words[w].sym[i], words[w].sym[i + 1], 1);
            if (!p || (rc = shang_ivec_push(&p->words, (int32_t)w))) {
                if (!rc) rc = shang_err_code();
                goto done;
            }
            p->count += (int64_t)words[w].count;
        }
    }
    for (size_t i = 0; i < pm.cap; i++)
        if (pm.keys[i]) {
            uint64_t key = pm.keys[i] - 1;
            struct heapent e = {pm.infos[pm.idx[i]].count, (int32_t)(key >> 32), (int32_t)(key & 0xffffffffu)};
            if ((rc = heap_push(&heap, e))) goto done;
        }
    size_t n_merges = 0;
    while (n_merges < max_merges && heap.n > 0) {
        struct heapent top = heap_pop(&heap);
        struct pairinfo *p = pair_get(&pm, top.l, top.r, 0);
        if (!p || p->count != top.count) continue; /* stale entry */
        if (top.count < (int64_t)opts->min_count || top.count <= 0) break;
        int32_t newid = (int32_t)(256 + n_merges);
        if ((rc = shang_ivec_push(&merges, top.l)) || (rc = shang_ivec_push(&merges, top.r)) ||
            (rc = shang_ivec_push(&merges, newid)))
            goto done;
        n_merges++;
        touched.n = 0;
        /* the list grows while we work: walk a snapshot of its length */
        size_t nlist = p->words.n;
        for (size_t li = 0; li < nlist; li++) {
            struct pairinfo *pp = pair_get(&pm, top.l, top.r, 0);
            int32_t w = pp->words.v[li];
            if (stamp[w] == n_merges) continue;
            stamp[w] = (uint32_t)n_merges;
            struct word *wd = &words[w];
            int has = 0;
            for (uint32_t i = 0; i + 1 < wd->n; i++) has |= wd->sym[i] == top.l && wd->sym[i + 1] == top.r;
            if (!has) continue;
            int64_t c = (int64_t)wd->count;
            for (uint32_t i = 0; i + 1 < wd->n; i++) {
                struct pairinfo *q = pair_get(&pm, wd->sym[i], wd->sym[i + 1], 0);
                q->count -= c;
                if ((rc = shang_ivec_push(&touched, wd->sym[i])) || (rc = shang_ivec_push(&touched, wd->sym[i + 1])))
                    goto done;
            }
            uint32_t j = 0;
            for (uint32_t i = 0; i < wd->n;) {
                if (i + 1 < wd->n && wd->sym[i] == top.l && wd->sym[i + 1] == top.r) {
                    wd->sym[j++] = newid;
                    i += 2;
                } else {
                    wd->sym[j++] = wd->sym[i++];
                }
            }
            wd->n = j;
            for (uint32_t i = 0; i + 1 < wd->n; i++) {
                struct pairinfo *q = pair_get(&pm, wd->sym[i], wd->sym[i + 1], 1);
                if (!q) {
                    rc = shang_err_code();
                    goto done;
                }
                q->count += c;
                if ((wd->sym[i] == newid || wd->sym[i + 1] == newid) &&
                    (rc = shang_ivec_push(&q->words, w)))
                    goto done;
                if ((rc = shang_ivec_push(&touched, wd->sym[i])) || (rc = shang_ivec_push(&touched, wd->sym[i + 1])))
                    goto done;
            }
        }
        /* fresh heap entries for every pair whose count changed */
        for (size_t i = 0; i + 1 < touched.n; i += 2) {
            struct pairinfo *q = pair_get(&pm, touched.v[i], touched.v[i + 1], 0);
            if (q && q->count > 0) {
                struct heapent e = {q->count, touched.v[i], touched.v[i + 1]};
                if ((rc = heap_push(&heap, e))) goto done;
            }
        }
    }
    /* assemble the tokenizer: bytes, merges, <|endoftext|> */
    shang_tokenizer *t = NULL;
    if ((rc = tok_alloc(257 + n_merges, n_merges, &t))) goto done;
    for (int b = 0; b < 256 && !rc; b++) {
        char c = (char)b;
        rc = set_token(t, (size_t)b, &c, 1);
    }
    for (size_t r = 0; r < n_merges && !rc; r++) {
        int32_t l = merges.v[3 * r], rr = merges.v[3 * r + 1];
        size_t ll = t->tok_len[l], lr = t->tok_len[rr];
        char *buf = shang_alloc(ll + lr + 1, 1, "buf");
        if (!buf) {
            rc = SHANG_FAIL(SHANG_ENOMEM, "cannot build token %zu", 256 + r);
            break;
        }
        memcpy(buf, t->tok[l], ll);
        memcpy(buf + ll, t->tok[rr], lr);
        rc = set_token(t, 256 + r, buf, ll + lr);
        free(buf);
        t->merges[r][0] = l;
        t->merges[r][1] = rr;
        t->merges[r][2] = (int32_t)(256 + r);
    }
    if (!rc) rc = set_token(t, 256 + n_merges, SHANG_BPE_EOT, strlen(SHANG_BPE_EOT));
    if (!rc && !(t->origin = shang_strdup("shang bpe"))) rc = shang_err_code();
    if (!rc) rc = finish(t);
    if (rc) shang_bpe_free(t);
    else *out = t;
done:
    for (size_t w = 0; words && w < nw; w++) free(words[w].sym);
    for (size_t i = 0; i < pm.n; i++) free(pm.infos[i].words.v);
    free(pm.infos);
    free(pm.keys);
    free(pm.idx);
    free(heap.v);
    free(merges.v);
    free(touched.v);
    free(stamp);
    free(words);
    free(pieces);
    return rc;
}

/* ---- HDF5 ---------------------------------------------------------------------- */

int shang_bpe_write(const shang_tokenizer *t, hid_t loc, const char *name)
{
    hid_t g;
    int rc = shang_h5_group(loc, name, &g);
    if (rc) return rc;
    char **mapped = shang_zalloc(t->V, sizeof *mapped, "mapped");
    int32_t *spec = shang_zalloc(t->V, sizeof *spec, "spec");
    size_t n_spec = 0;
    if (!mapped || !spec) {
        rc = SHANG_FAIL(SHANG_ENOMEM, "cannot store a tokenizer");
        goto done;
    }
    for (size_t i = 0; i < t->V && !rc; i++) {
        /* specials keep their literal names; others are stored as GPT-2's mapped strings */
        mapped[i] = t->is_special[i] ? shang_strdup(t->tok[i]) : map_bytes(t->tok[i], t->tok_len[i]);
        if (!mapped[i]) rc = SHANG_FAIL(SHANG_ENOMEM, "cannot store token %zu", i);
        if (t->is_special[i]) spec[n_spec++] = (int32_t)i;
    }
    static const char *const dV[] = {"V"}, *const dM3[] = {"M", "3"}, *const dS[] = {"S"};
    size_t v[1] = {t->V}, m[2] = {t->n_merges, 3}, s[1] = {n_spec};
    if (!rc) rc = shang_h5_attr_str(g, "kind", "byte-level BPE");
    if (!rc) rc = shang_h5_attr_str(g, "origin", shang_bpe_origin(t));
    if (!rc) rc = shang_h5_attr_str(g, "pattern", SHANG_BPE_PATTERN);
    if (!rc) rc = shang_h5_attr_i64(g, "vocab_size", (int64_t)t->V);
    if (!rc) rc = shang_h5_attr_i64(g, "eot_id", t->eot);
    if (!rc) rc = shang_h5_write(g, "tokens", SHANG_DT_STR, 1, v, mapped, dV,
                                 "token strings in GPT-2's byte-to-unicode mapping (specials literal)", NULL);
    if (!rc) rc = shang_h5_write(g, "merges", SHANG_DT_I32, 2, m, t->merges, dM3,
                                 "merges in rank order: left id, right id, result id", NULL);
    if (!rc) rc = shang_h5_write(g, "special_ids", SHANG_DT_I32, 1, s, spec, dS,
                                 "ids of special tokens (never produced by encoding text)", NULL);
done:
    if (mapped)
        for (size_t i = 0; i < t->V; i++) free(mapped[i]);
    free(mapped);
    free(spec);
    H5Gclose(g);
    return rc;
}

int shang_bpe_read(hid_t loc, const char *name, shang_tokenizer **out)
{
    *out = NULL;
    if (!shang_h5_exists(loc, name)) return SHANG_FAIL(SHANG_EFORMAT, "no tokenizer group %s", name);
    hid_t g = H5Gopen2(loc, name, H5P_DEFAULT);
    if (g < 0) return SHANG_FAIL(SHANG_EIO, "cannot open tokenizer group %s", name);
    char **tokens = NULL, *origin = NULL;
    int32_t *merges = NULL, *spec = NULL;
    int rank;
    size_t dv[2] = {0}, dm[2] = {0}, ds[2] = {0};
    shang_tokenizer *t = NULL;
    int rc = shang_h5_read(g, "tokens", SHANG_DT_STR, 1, &rank, dv, (void **)&tokens);
    if (!rc) rc = shang_h5_read(g, "merges", SHANG_DT_I32, 2, &rank, dm, (void **)&merges);
    if (!rc && (rank != 2 || dm[1] != 3)) rc = SHANG_FAIL(SHANG_EFORMAT, "merges is not (M, 3)");
    if (!rc) rc = shang_h5_read(g, "special_ids", SHANG_DT_I32, 1, &rank, ds, (void **)&spec);
    if (!rc) rc = shang_h5_attr_get_str(g, "origin", &origin);
    if (!rc) rc = tok_alloc(dv[0], dm[0], &t);
    unsigned char *isspec = rc ? NULL : shang_zalloc(dv[0], 1, "isspec");
    if (!rc && !isspec) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < ds[0]; i++) {
        if (spec[i] < 0 || (size_t)spec[i] >= dv[0]) rc = SHANG_FAIL(SHANG_EFORMAT, "special id %d out of range", spec[i]);
        else isspec[spec[i]] = 1;
    }
    char *buf = NULL;
    for (size_t i = 0; !rc && i < dv[0]; i++) {
        size_t len = strlen(tokens[i]);
        free(buf);
        buf = shang_alloc(len + 1, 1, "buf");
        long n = buf ? (isspec[i] ? -2 : unmap(tokens[i], len, buf)) : -3;
        if (n == -3) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        else if (n == -1) rc = SHANG_FAIL(SHANG_EFORMAT, "token %zu is not in GPT-2's byte mapping", i);
        else rc = n == -2 ? set_token(t, i, tokens[i], len) : set_token(t, i, buf, (size_t)n);
    }
    free(buf);
    if (!rc) {
        memcpy(t->merges, merges, dm[0] * sizeof *t->merges);
        t->origin = origin;
        origin = NULL;
        rc = finish(t);
    }
    if (!rc && H5Aexists(g, "eot_id") > 0) { /* the recorded id must be the token's */
        int64_t eot;
        if (!(rc = shang_h5_attr_get_i64(g, "eot_id", &eot)) && eot != t->eot)
            rc = SHANG_FAIL(SHANG_EFORMAT, "eot_id %lld, but <|endoftext|> is token %d of %zu", (long long)eot,
                            (int)t->eot, dv[0]);
    }
    free(isspec);
    if (rc) {
        shang_err_prefix("tokenizer %s", name);
        shang_bpe_free(t);
    } else {
        *out = t;
    }
    shang_h5_free_strs(tokens, dv[0]);
    free(merges);
    free(spec);
    free(origin);
    H5Gclose(g);
    return rc;
}

int shang_bpe_load_file(const char *path, shang_tokenizer **out)
{
    hid_t f;
    int rc = shang_h5_open(path, NULL, 1 << 30, &f, NULL);
    if (rc) return rc;
    rc = shang_bpe_read(f, "/tokenizer", out);
    if (rc) shang_err_prefix("%s", path);
    H5Fclose(f);
    return rc;
}

static char *first_existing(const char *dir, const char *a, const char *b)
{
    char *p = shang_asprintf("%s/%s", dir, a);
    if (p && access(p, R_OK) == 0) return p;
    free(p);
    return shang_asprintf("%s/%s", dir, b);
}

int shang_bpe_load_gpt2_dir(const char *dir, shang_tokenizer **out)
{
    char *v = first_existing(dir, "vocab.json", "encoder.json");
    char *m = first_existing(dir, "merges.txt", "vocab.bpe");
    int rc = v && m ? shang_bpe_load_gpt2(v, m, out) : SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    free(v);
    free(m);
    return rc;
}
