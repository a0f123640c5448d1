/* shang_ngram — see shang_ngram.h.
 *
 * For each length k = 1 .. K (k tokens: k-1 of context and the next), a map from
 * the k tokens to their raw count and continuation count N1+(. g) (the number of
 * distinct tokens seen before g), and a map from each (k-1)-token context to the
 * totals and the numbers of distinct continuations, under both counts. */
#include "shang_ngram.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shang_mem.h"
#include "shang_metrics.h"
#include "shang_strmap.h"

struct ctxstat {
    uint64_t raw_tot, raw_distinct, cont_tot, cont_distinct;
};

struct level {
    shang_strmap *grams; /* k tokens -> (raw << 32) | cont */
    shang_strmap *ctx;   /* k-1 tokens -> index into stats */
    struct ctxstat *stats;
    size_t n_stats, cap_stats;
    double d_raw, d_cont; /* discounts */
};

struct shang_ngram {
    int K, V; /* K = max_context + 1 */
    struct level lv[SHANG_NGRAM_MAX_CONTEXT + 2];
};

void shang_ngram_free(shang_ngram *g)
{
    if (!g) return;
    for (int k = 1; k <= g->K; k++) {
        shang_strmap_free(g->lv[k].grams);
        shang_strmap_free(g->lv[k].ctx);
        free(g->lv[k].stats);
    }
    free(g);
}

static struct ctxstat *ctx_stat(struct level *l, const int32_t *ctx, int len, int create)
{
    uint64_t *v = create ? shang_strmap_put(l->ctx, ctx, (size_t)len * 4, NULL) : shang_strmap_get(l->ctx, ctx, (size_t)len * 4);
    if (!v) return NULL;
    if (create && *v == 0) { /* new: index + 1 stored, 0 = unset */
        if (l->n_stats == l->cap_stats) {
            size_t cap = l->cap_stats ? 2 * l->cap_stats : 1024;
            struct ctxstat *s = shang_realloc(l->stats, cap, sizeof *s, "n-gram contexts");
            if (!s) return NULL;
            l->stats = s;
            l->cap_stats = cap;
        }
        memset(&l->stats[l->n_stats], 0, sizeof *l->stats);
        *v = ++l->n_stats;
    }
    return &l->stats[*v - 1];
}

/* D = n1 / (n1 + 2 n2) from the counts of count 1 and 2 (0.5 if undefined) */
static double discount(uint64_t n1, uint64_t n2)
{
    return n1 + 2 * n2 > 0 && n1 > 0 ? (double)n1 / (double)(n1 + 2 * n2) : 0.5;
}

int shang_ngram_fit(const int32_t *train, size_t n, int max_context, int V, shang_ngram **out)
{
    *out = NULL;
    if (max_context < 0 || max_context > SHANG_NGRAM_MAX_CONTEXT)
        return SHANG_FAIL(SHANG_EINVAL, "context %d outside [0, %d]", max_context, SHANG_NGRAM_MAX_CONTEXT);
    if (V < 1) return SHANG_FAIL(SHANG_EINVAL, "vocabulary %d", V);
    for (size_t i = 0; i < n; i++)
        if (train[i] < 0 || train[i] >= V) return SHANG_FAIL(SHANG_EINVAL, "token %d at %zu outside [0, %d)", train[i], i, V);
    shang_ngram *g = shang_zalloc(1, sizeof *g, "g");
    if (!g) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    g->K = max_context + 1;
    g->V = V;
    int rc = SHANG_OK;
    for (int k = 1; k <= g->K && !rc; k++)
        if ((rc = shang_strmap_new(n / 2 + 16, &g->lv[k].grams)) || (rc = shang_strmap_new(n / 4 + 16, &g->lv[k].ctx))) break;
    /* raw counts of every k-gram */
    for (int k = 1; k <= g->K && !rc; k++)
        for (size_t i = 0; i + (size_t)k <= n && !rc; i++) {
            uint64_t *v = shang_strmap_put(g->lv[k].grams, train + i, (size_t)k * 4, NULL);
            if (!v) rc = shang_err_code();
            else *v += (uint64_t)1 << 32;
        }
    /* continuation counts: each distinct (k+1)-gram adds 1 to its last k tokens */
    for (int k = 1; k < g->K && !rc; k++) {
        shang_strmap *up = g->lv[k + 1].grams;
        for (size_t s = 0; s < shang_strmap_capacity(up) && !rc; s++) {
            const char *key;
            size_t len;
            uint64_t v;
            shang_strmap_slot(up, s, &key, &len, &v);
            if (!key) continue;
            uint64_t *c = shang_strmap_get(g->lv[k].grams, key + 4, len - 4);
            if (c) (*c)++;
        }
    }
    /* context statistics and count-of-counts, per level */
    for (int k = 1; k <= g->K && !rc; k++) {
        struct level *l = &g->lv[k];
        uint64_t r1 = 0, r2 = 0, c1 = 0, c2 = 0;
        for (size_t s = 0; s < shang_strmap_capacity(l->grams) && !rc; s++) {
            const char *key;
            size_t len;
            uint64_t v;
            shang_strmap_slot(l->grams, s, &key, &len, &v);
            if (!key) continue;
            uint64_t raw = v >> 32, cont = v & 0xffffffffu;
            int32_t ctx[SHANG_NGRAM_MAX_CONTEXT + 1];
            memcpy(ctx, key, len - 4);
            struct ctxstat *cs = ctx_stat(l, ctx, k - 1, 1);
            if (!cs) {
                rc = shang_err_code();
                break;
            }
            cs->raw_tot += raw;
            cs->raw_distinct += raw > 0;
            cs->cont_tot += cont;
            cs->cont_distinct += cont > 0;
            r1 += raw == 1;
            r2 += raw == 2;
            c1 += cont == 1;
            c2 += cont == 2;
        }
        l->d_raw = discount(r1, r2);
        l->d_cont = discount(c1, c2);
    }
    if (rc) shang_ngram_free(g);
    else *out = g;
    return rc;
}

double shang_ngram_discount(const shang_ngram *g, int k, int raw)
{
    return k + 1 >= 1 && k + 1 <= g->K ? (raw ? g->lv[k + 1].d_raw : g->lv[k + 1].d_cont) : 0;
}

double shang_ngram_prob(const shang_ngram *g, int context, const int32_t *hist, int32_t next)
{
    double p = 1.0 / g->V; /* below the unigram level */
    int32_t key[SHANG_NGRAM_MAX_CONTEXT + 2];
    for (int k = 1; k <= context + 1; k++) {
        const struct level *l = &g->lv[k];
        int top = k == context + 1; /* the highest order uses raw counts */
        if (k > 1) memcpy(key, hist + context - (k - 1), (size_t)(k - 1) * 4);
        key[k - 1] = next;
        const uint64_t *cv = shang_strmap_get(l->ctx, key, (size_t)(k - 1) * 4);
        if (!cv) continue; /* unseen context: the lower order stands */
        const struct ctxstat *cs = &l->stats[*cv - 1];
        uint64_t tot = top ? cs->raw_tot : cs->cont_tot, distinct = top ? cs->raw_distinct : cs->cont_distinct;
        if (tot == 0) continue;
        const uint64_t *gv = shang_strmap_get(l->grams, key, (size_t)k * 4);
        uint64_t c = gv ? (top ? *gv >> 32 : *gv & 0xffffffffu) : 0;
        double d = top ? l->d_raw : l->d_cont;
        p = (c > d ? (double)c - d : 0.0) / (double)tot + d * (double)distinct / (double)tot * p;
    }
    return p;
}

int shang_ngram_xent(const shang_ngram *g, int context, const int32_t *eval, size_t n, double *nats, size_t *count)
{
    if (context < 0 || context >= g->K)
        return SHANG_FAIL(SHANG_EINVAL, "context %d outside the fitted [0, %d]", context, g->K - 1);
    double s = 0;
    size_t m = 0;
    for (size_t i = (size_t)context; i < n; i++) {
        if (eval[i] < 0 || eval[i] >= g->V) return SHANG_FAIL(SHANG_EINVAL, "token %d outside [0, %d)", eval[i], g->V);
        s -= log(shang_ngram_prob(g, context, eval + i - context, eval[i]));
        m++;
    }
    *nats = m ? s / (double)m : 0;
    if (count) *count = m;
    return SHANG_OK;
}

int shang_ngram_cond_entropy(const int32_t *tokens, size_t n, int context, int estimator, double *h, size_t *contexts)
{
    *h = NAN;
    if (context < 0 || context > SHANG_NGRAM_MAX_CONTEXT) return SHANG_FAIL(SHANG_EINVAL, "context %d", context);
    if (n <= (size_t)context) return SHANG_FAIL(SHANG_EINVAL, "%zu tokens for a context of %d", n, context);
    size_t m = n - (size_t)context;
    int32_t *cid = shang_alloc(m, sizeof *cid, "cid");
    shang_strmap *map = NULL;
    int rc = cid ? shang_strmap_new(m / 4 + 16, &map) : SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < m; i++) {
        int added;
        uint64_t *v = context ? shang_strmap_put(map, tokens + i, (size_t)context * sizeof *tokens, &added) : NULL;
        if (context && !v) rc = shang_err_code();
        else if (context) {
            if (added) *v = shang_strmap_size(map) - 1;
            cid[i] = (int32_t)*v;
        } else {
            cid[i] = 0;
        }
    }
    shang_contingency *t = NULL;
    if (!rc) rc = shang_contingency_new(cid, tokens + context, m, &t);
    double hj, hc;
    if (!rc) rc = shang_contingency_entropy(t, 'j', estimator, 0, &hj, NULL);
    if (!rc) rc = shang_contingency_entropy(t, 'a', estimator, 0, &hc, NULL);
    if (!rc) {
        *h = hj - hc;
        if (contexts) *contexts = t->R;
    }
    shang_contingency_free(t);
    shang_strmap_free(map);
    free(cid);
    return rc;
}
