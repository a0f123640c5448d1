/* shang_alias_tables — the tables of `shang alias` (see shang_alias.h): the
 * decomposition per layer, and per token and per cluster the entropies of the
 * other labelling within it. */
#include "shang_alias.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shang_bpe.h"
#include "shang_h5.h"
#include "shang_mem.h"
#include "shang_metrics.h"

int shang_alias_smoothing_new(shang_table **t)
{
    int rc = shang_table_new("smoothing", "cross-validated cross-entropy of each tuned chain's finest level over its smoothing grid", t);
    if (rc) return rc;
    int ok = shang_table_column(*t, "layer", SHANG_DT_I64, "layer") >= 0 &&
             shang_table_column(*t, "chain", SHANG_DT_STR, "the back-off chain (its finest condition)") >= 0 &&
             shang_table_column(*t, "smoother", SHANG_DT_STR, "dirichlet or absdisc") >= 0 &&
             shang_table_column(*t, "parameter", SHANG_DT_STR, "beta (dirichlet), d or theta (absdisc)") >= 0 &&
             shang_table_column(*t, "value", SHANG_DT_F64, "the parameter's grid value (the other at its chosen value)") >= 0 &&
             shang_table_column(*t, "cv_ce", SHANG_DT_F64, "mean -log q over training rows, counts from the other folds (nats)") >= 0;
    if (!ok) {
        shang_table_free(*t);
        *t = NULL;
        return shang_err_code();
    }
    return SHANG_OK;
}

int shang_alias_tables_new(int bootstrap, shang_table **layers, shang_table **tokens, shang_table **clusters)
{
    *layers = *tokens = *clusters = NULL;
    int rc = shang_table_new("layers", "the aliasing decomposition per layer", layers);
    if (!rc) rc = shang_table_new("tokens", "per frequent token and layer: exp H(K|X=t), its effective number of meanings", tokens);
    if (!rc)
        rc = shang_table_new("clusters", "per cluster and layer: exp H(X|K=c), its effective number of tokens, and its top tokens",
                             clusters);
    if (rc) return rc;
    shang_table *tl = *layers, *tt = *tokens, *tc = *clusters;
    int ok = shang_table_column(tl, "layer", SHANG_DT_I64, "layer (0: embeddings)") >= 0 &&
             shang_table_column(tl, "k", SHANG_DT_I64, "clusters asked for") >= 0;
    for (int st = 0; ok && st < SHANG_A_N_STATS; st++) {
        int cc[3];
        ok = !shang_table_estimate(tl, shang_alias_stat_name(st), shang_alias_stat_description(st),
                                   bootstrap && shang_alias_stat_has_ci(st), "documents", cc);
    }
    ok = ok && shang_table_column(tt, "layer", SHANG_DT_I64, "layer") >= 0 &&
         shang_table_column(tt, "token", SHANG_DT_I64, "token id") >= 0 &&
         shang_table_column(tt, "text", SHANG_DT_STR, "the token's bytes (control bytes escaped)") >= 0 &&
         shang_table_column(tt, "count", SHANG_DT_I64, "occurrences among the clustered rows") >= 0 &&
         shang_table_column(tt, "h_k_given_token", SHANG_DT_F64, "H(K | X = t)") >= 0 &&
         shang_table_column(tt, "meanings", SHANG_DT_F64, "exp H(K | X = t): effective number of clusters") >= 0;
    ok = ok && shang_table_column(tc, "layer", SHANG_DT_I64, "layer") >= 0 &&
         shang_table_column(tc, "cluster", SHANG_DT_I64, "cluster label") >= 0 &&
         shang_table_column(tc, "size", SHANG_DT_I64, "rows in the cluster") >= 0 &&
         shang_table_column(tc, "h_x_given_cluster", SHANG_DT_F64, "H(X | K = c)") >= 0 &&
         shang_table_column(tc, "tokens", SHANG_DT_F64, "exp H(X | K = c): effective number of tokens") >= 0 &&
         shang_table_column(tc, "distinct", SHANG_DT_I64, "distinct tokens in the cluster") >= 0 &&
         shang_table_column(tc, "top_tokens", SHANG_DT_STR, "the most frequent tokens (count)") >= 0;
    return ok ? SHANG_OK : shang_err_code();
}

int shang_alias_layer_row(shang_table *t, int layer, int64_t k, const double *st, const double *lo, const double *hi,
                          double unit)
{
    int rc = shang_table_push(t);
    if (rc) return rc;
    shang_table_i64(t, 0, layer);
    shang_table_i64(t, 1, k);
    for (int q = 0; q < SHANG_A_N_STATS; q++) {
        const double u = shang_alias_stat_is_information(q) ? unit : 1.0;
        char lo_name[64];
        snprintf(lo_name, sizeof lo_name, "%s_lo", shang_alias_stat_name(q));
        const int c = shang_table_find(t, shang_alias_stat_name(q)), c_lo = shang_table_find(t, lo_name);
        shang_table_f64(t, c, st[q] / u);
        if (c_lo >= 0) { /* the interval columns follow: name_lo, name_hi */
            shang_table_f64(t, c_lo, lo[q] / u);
            shang_table_f64(t, c_lo + 1, hi[q] / u);
        }
    }
    return SHANG_OK;
}

void shang_token_text(const shang_tokenizer *tok, int32_t id, char *out, size_t cap)
{
    size_t len = 0, o = 0;
    const char *b = tok ? shang_bpe_token(tok, id, &len) : NULL;
    if (!b) {
        snprintf(out, cap, "#%d", id);
        return;
    }
    for (size_t i = 0; i < len && o + 5 < cap; i++) {
        unsigned char ch = (unsigned char)b[i];
        if (ch == '\\') o += (size_t)snprintf(out + o, cap - o, "\\\\");
        else if (ch == '\n') o += (size_t)snprintf(out + o, cap - o, "\\n");
        else if (ch < 0x20 || ch == 0x7f) o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
        else out[o++] = (char)ch;
    }
    out[o] = 0;
}

struct cell {
    uint64_t n;
    int32_t x;
};

static int by_count(const void *a, const void *b)
{
    const struct cell *p = a, *q = b;
    return p->n != q->n ? (p->n < q->n ? 1 : -1) : (p->x > q->x) - (p->x < q->x);
}

int shang_alias_label_entropies(const int32_t *x, const int32_t *k, size_t N, shang_contingency **t, double **h_k_x,
                                double **h_x_k)
{
    int rc = shang_contingency_new(x, k, N, t);
    if (rc) return rc;
    const shang_contingency *c = *t;
    *h_k_x = shang_zalloc(c->R, sizeof **h_k_x, "per-token entropies");
    *h_x_k = shang_zalloc(c->C, sizeof **h_x_k, "per-cluster entropies");
    if (!*h_k_x || !*h_x_k) {
        free(*h_k_x);
        free(*h_x_k);
        shang_contingency_free(*t);
        *t = NULL;
        return SHANG_ENOMEM;
    }
    for (size_t z = 0; z < c->nnz; z++) {
        double n = (double)c->cn[z], a = (double)c->a_sum[c->ci[z]], b = (double)c->b_sum[c->cj[z]];
        (*h_k_x)[c->ci[z]] -= n / a * log(n / a);
        (*h_x_k)[c->cj[z]] -= n / b * log(n / b);
    }
    return SHANG_OK;
}

int shang_alias_label_rows(const int32_t *x, const int32_t *k, size_t N, int layer, int min_count, int top, double unit,
                           const shang_tokenizer *tok, shang_table *tt, shang_table *tc)
{
    shang_contingency *t;
    double *hr, *hc;
    int rc = shang_alias_label_entropies(x, k, N, &t, &hr, &hc);
    if (rc) return rc;
    struct cell *cells = shang_alloc(t->nnz, sizeof *cells, "cluster tokens");
    size_t *start = shang_zalloc(t->C + 1, sizeof *start, "cluster tokens"),
           *fill = shang_alloc(t->C, sizeof *fill, "cluster tokens");
    int32_t *order = shang_alloc(t->R, sizeof *order, "tokens");
    if (!cells || !start || !fill || !order) rc = SHANG_ENOMEM;
    for (size_t z = 0; !rc && z < t->nnz; z++) start[t->cj[z] + 1]++;
    for (size_t j = 0; !rc && j < t->C; j++) start[j + 1] += start[j];
    if (!rc) memcpy(fill, start, t->C * sizeof *fill);
    for (size_t z = 0; !rc && z < t->nnz; z++) cells[fill[t->cj[z]]++] = (struct cell){t->cn[z], t->a_label[t->ci[z]]};
    char text[256], list[4096];
    /* tokens seen min_count times or more, by id */
    size_t no = 0;
    for (size_t i = 0; !rc && i < t->R; i++)
        if (t->a_sum[i] >= (uint64_t)min_count) order[no++] = (int32_t)i;
    for (size_t a = 1; !rc && a < no; a++) /* insertion sort by token id (few thousand) */
        for (size_t b = a; b > 0 && t->a_label[order[b - 1]] > t->a_label[order[b]]; b--) {
            int32_t tmp = order[b];
            order[b] = order[b - 1];
            order[b - 1] = tmp;
        }
    for (size_t q = 0; !rc && q < no; q++) {
        size_t i = (size_t)order[q];
        if ((rc = shang_table_push(tt))) break;
        shang_token_text(tok, t->a_label[i], text, sizeof text);
        shang_table_i64(tt, 0, layer);
        shang_table_i64(tt, 1, t->a_label[i]);
        rc = shang_table_str(tt, 2, text);
        shang_table_i64(tt, 3, (int64_t)t->a_sum[i]);
        shang_table_f64(tt, 4, hr[i] / unit);
        shang_table_f64(tt, 5, exp(hr[i]));
    }
    /* clusters, in the contingency table's order, each with its top tokens */
    for (size_t j = 0; !rc && j < t->C; j++) {
        size_t n = start[j + 1] - start[j], o = 0;
        qsort(cells + start[j], n, sizeof *cells, by_count);
        list[0] = 0;
        for (size_t q = 0; q < n && q < (size_t)top && o + 300 < sizeof list; q++) {
            shang_token_text(tok, cells[start[j] + q].x, text, sizeof text);
            o += (size_t)snprintf(list + o, sizeof list - o, "%s%s (%llu)", q ? " | " : "", text,
                                  (unsigned long long)cells[start[j] + q].n);
        }
        if ((rc = shang_table_push(tc))) break;
        shang_table_i64(tc, 0, layer);
        shang_table_i64(tc, 1, t->b_label[j]);
        shang_table_i64(tc, 2, (int64_t)t->b_sum[j]);
        shang_table_f64(tc, 3, hc[j] / unit);
        shang_table_f64(tc, 4, exp(hc[j]));
        shang_table_i64(tc, 5, (int64_t)n);
        rc = shang_table_str(tc, 6, list);
    }
    free(order);
    free(hr);
    free(hc);
    free(cells);
    free(start);
    free(fill);
    shang_contingency_free(t);
    return rc;
}
