/* shang_senses_run — the three sense analyses of shang_senses.h, each a table
 * per layer with bootstrap intervals: WiC and nearest centroid (resampling
 * lemmas), paraphrase convergence (items), synonymy (synsets). */
#include "shang_senses.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shang_bootstrap.h"
#include "shang_h5.h"
#include "shang_mem.h"
#include "shang_metrics.h"
#include "shang_pca.h"
#include "shang_strmap.h"
#include "shang_tsv.h"

/* an estimate column (with its interval columns) per statistic */
static int estimate_columns(shang_table *t, int n, const char *const *name, const char *const *desc, int boot,
                            const char *unit, int (*col)[3])
{
    int rc = shang_table_column(t, "layer", SHANG_DT_I64, "layer") < 0 ? shang_err_code() : SHANG_OK;
    for (int q = 0; !rc && q < n; q++) rc = shang_table_estimate(t, name[q], desc[q], boot, unit, col[q]);
    return rc;
}

/* a layer's row: the estimates, and with a bootstrap their intervals */
static int push_estimates(shang_table *t, int layer, int n, const int (*col)[3], const double *est, const double *sd,
                          const shang_senses_opts *o)
{
    int rc = shang_table_push(t);
    if (rc) return rc;
    shang_table_i64(t, 0, layer);
    for (int q = 0; q < n; q++) shang_table_put_estimate(t, col[q], est[q], o->bootstrap ? sd[q] : NAN, o->level);
    return SHANG_OK;
}

static int bootstrap(const int32_t *group, size_t N, int n, shang_stat_fn stat, void *ctx, int layer,
                     const shang_senses_opts *o, double *sd)
{
    if (!o->bootstrap) return SHANG_OK;
    shang_bootstrap_opts bo = {.replicates = o->bootstrap, .level = o->level, .seed = o->seed, .stream = (uint64_t)layer};
    return shang_bootstrap_groups(group, N, (size_t)n, stat, ctx, &bo, sd, NULL, NULL);
}

static int gather(const shang_states *s, const shang_senses_opts *o, int layer, float **X, size_t *n)
{
    int rc = shang_states_gather(s, o->site, layer, NULL, X, n);
    if (!rc && o->standardize) shang_standardize_columns(*X, *n, s->C);
    return rc;
}

/* ---- WiC and nearest centroid ------------------------------------------------ */

struct wic_ctx {
    const float *X;
    size_t C, n;
    const int32_t *lemma, *sense[2];
    const shang_wic_pairs *pairs;   /* [2]: fine senses, lexicographer files */
    double *cos[2];                 /* per pair, computed once per layer */
    const double *row_val[4];       /* per row: its lemma's purity, NMI, AMI, its silhouette (NaN: none) */
    /* filled by the estimate (unweighted) call only: the fine-sense WiC
     * threshold, each row's nearest-centroid outcome, the rows scored */
    double *thr_out;
    signed char *right_out;
    size_t *scored_out;
};

enum { S_WIC, S_WIC_C, S_NC, S_MFS, S_NC_C, S_MFS_C, S_PUR, S_NMI, S_AMI, S_SIL, N_S };
static const char *const s_name[N_S] = {"wic", "wic_coarse", "nc", "mfs", "nc_coarse", "mfs_coarse",
                                        "purity", "nmi", "ami", "silhouette"};
static const char *const s_desc[N_S] = {
    "WiC-style test accuracy, fine senses (chance 0.5)", "WiC-style test accuracy, lexicographer files",
    "leave-one-out nearest-centroid sense accuracy", "most-frequent-sense baseline of the same rows",
    "nearest centroid over lexicographer files", "most-frequent lexicographer file baseline",
    "sense purity of k-means within a lemma (k = its senses), averaged over rows",
    "NMI (arithmetic) of k-means clusters and senses within a lemma, averaged over rows",
    "AMI of k-means clusters and senses within a lemma, averaged over rows",
    "silhouette of the senses (cosine distance), averaged over rows"};

static int wic_stats(const uint32_t *w, void *vc, double *out)
{
    const struct wic_ctx *c = vc;
    for (int s = 0; s < N_S; s++) out[s] = NAN;
    for (int g = 0; g < 2; g++) {
        const shang_wic_pairs *p = &c->pairs[g];
        uint32_t *pw = w ? shang_alloc(p->n, sizeof *pw, "pair weights") : NULL;
        if (w && !pw) return SHANG_ENOMEM;
        for (size_t q = 0; w && q < p->n; q++) pw[q] = w[p->a[q]]; /* a pair's lemma's weight */
        double thr, acc, nc, mfs;
        size_t scored;
        if (!shang_wic(c->X, c->C, p->a, p->b, p->same, p->train, pw, p->n, c->cos[g], 1, &thr, &acc)) {
            out[g ? S_WIC_C : S_WIC] = acc;
            if (!w && !g && c->thr_out) *c->thr_out = thr;
        } else {
            shang_err_clear();
        }
        free(pw);
        int est = !w && !g; /* the estimate's fine senses: keep the per-row outcomes */
        int rc = shang_nearest_centroid_rows(c->X, c->C, c->lemma, c->sense[g], w, c->n, &nc, &mfs, &scored,
                                             est ? c->right_out : NULL);
        if (rc) return rc;
        if (est && c->scored_out) *c->scored_out = scored;
        out[g ? S_NC_C : S_NC] = nc;
        out[g ? S_MFS_C : S_MFS] = mfs;
    }
    for (int v = 0; v < 4; v++) { /* row-weighted means of the per-row values */
        double sum = 0, m = 0;
        for (size_t i = 0; c->row_val[v] && i < c->n; i++)
            if (!isnan(c->row_val[v][i])) {
                double wi = w ? w[i] : 1;
                sum += wi * c->row_val[v][i];
                m += wi;
            }
        out[S_PUR + v] = m > 0 ? sum / m : NAN;
    }
    return SHANG_OK;
}

/* the polysemy items: their columns, dense lemma ("lemma/pos") and sense ids,
 * and the row of each item's target (-1: none) */
typedef struct wic_items {
    size_t I;
    char **ids, **lem, **pos, **key, **lex;
    int32_t *lemma, *sense[2], *row;
} wic_items;

static void wic_items_free(wic_items *it)
{
    char **const *col[] = {&it->ids, &it->lem, &it->pos, &it->key, &it->lex};
    for (int q = 0; q < 5; q++) shang_h5_free_strs(*col[q], *col[q] ? it->I : 0);
    free(it->lemma);
    free(it->sense[0]);
    free(it->sense[1]);
    free(it->row);
}

static int wic_items_read(const shang_states *s, wic_items *it)
{
    static const char *const cols[] = {"items/id", "items/lemma", "items/pos", "items/sense_key", "items/lexfile"};
    char ***dst[] = {&it->ids, &it->lem, &it->pos, &it->key, &it->lex};
    size_t d[1];
    int rank, rc = SHANG_OK;
    int64_t *trow = NULL;
    for (int q = 0; !rc && q < 5; q++) {
        if (!shang_h5_exists(s->file, cols[q]))
            rc = SHANG_FAIL(SHANG_EINVAL, "%s has no %s: extract it with --items over the polysemy set", s->path, cols[q]);
        else
            rc = shang_h5_read(s->file, cols[q], SHANG_DT_STR, 1, &rank, d, (void **)dst[q]);
        if (!rc && q && d[0] != it->I) rc = SHANG_FAIL(SHANG_EFORMAT, "%s: item columns of different lengths", s->path);
        it->I = d[0];
    }
    if (!rc) rc = shang_h5_read(s->file, "item_target_last", SHANG_DT_I64, 1, &rank, d, (void **)&trow);
    const size_t I = it->I;
    char **lp = NULL;
    if (!rc) {
        it->lemma = shang_alloc(I, sizeof *it->lemma, "item lemmas");
        it->sense[0] = shang_alloc(I, sizeof *it->sense[0], "item senses");
        it->sense[1] = shang_alloc(I, sizeof *it->sense[1], "item senses");
        it->row = shang_alloc(I, sizeof *it->row, "item rows");
        lp = shang_zalloc(I, sizeof *lp, "item lemmas");
        if (!it->lemma || !it->sense[0] || !it->sense[1] || !it->row || !lp) rc = SHANG_ENOMEM;
    }
    for (size_t i = 0; !rc && i < I; i++)
        if (!(lp[i] = shang_asprintf("%s/%s", it->lem[i], it->pos[i]))) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    if (!rc) rc = shang_dense_strs(lp, I, it->lemma);
    if (!rc) rc = shang_dense_strs(it->key, I, it->sense[0]);
    if (!rc) rc = shang_dense_strs(it->lex, I, it->sense[1]);
    for (size_t i = 0; lp && i < I; i++) free(lp[i]);
    free(lp);
    for (size_t i = 0; !rc && i < I; i++) it->row[i] = trow[i] >= 0 ? (int32_t)trow[i] : -1;
    free(trow);
    return rc;
}

/* table 'lemmas': one row per lemma with two senses or more, sums over its sentences */
static int lemma_rows(shang_table *tlm, int layer, const wic_items *it, size_t NL, const signed char *right,
                      const double *const *rv)
{
    const size_t I = it->I;
    double *acc = shang_zalloc(NL * 5 + 1, sizeof *acc, "per-lemma sums"); /* rows, scored, right, silh. sum, silh. n */
    if (!acc) return SHANG_ENOMEM;
    for (size_t i = 0; i < I; i++) {
        if (it->row[i] < 0) continue;
        size_t row = (size_t)it->row[i], L0 = (size_t)it->lemma[i] * 5;
        acc[L0]++;
        if (right[row] >= 0) {
            acc[L0 + 1]++;
            acc[L0 + 2] += right[row];
        }
        if (!isnan(rv[3][row])) {
            acc[L0 + 3] += rv[3][row];
            acc[L0 + 4]++;
        }
    }
    int rc = SHANG_OK;
    for (size_t lid = 0; !rc && lid < NL; lid++) {
        size_t first = I, ns = 0;
        for (size_t i = 0; i < I; i++)
            if (it->lemma[i] == (int32_t)lid && it->row[i] >= 0) {
                int seen = 0;
                for (size_t u = first; u < i && first < I; u++)
                    seen |= it->lemma[u] == (int32_t)lid && it->row[u] >= 0 && it->sense[0][u] == it->sense[0][i];
                ns += !seen;
                if (first == I) first = i;
            }
        if (first == I || ns < 2) continue;
        const double *a = acc + lid * 5;
        char lp[128];
        snprintf(lp, sizeof lp, "%s/%s", it->lem[first], it->pos[first]);
        if ((rc = shang_table_push(tlm))) break;
        shang_table_i64(tlm, 0, layer);
        rc = shang_table_str(tlm, 1, lp);
        shang_table_i64(tlm, 2, (int64_t)a[0]);
        shang_table_i64(tlm, 3, (int64_t)ns);
        shang_table_f64(tlm, 4, a[1] > 0 ? a[2] / a[1] : NAN);
        shang_table_f64(tlm, 5, rv[0][it->row[first]]);
        shang_table_f64(tlm, 6, rv[2][it->row[first]]);
        shang_table_f64(tlm, 7, a[4] > 0 ? a[3] / a[4] : NAN);
    }
    free(acc);
    return rc;
}

/* table 'scatter': the rows of each listed lemma (three or more) on their own
 * first two principal components */
static int scatter_rows(shang_table *ts, int layer, const wic_items *it, const char *list, const float *X, size_t C)
{
    const size_t I = it->I;
    int rc = SHANG_OK;
    for (const char *q = list; !rc && q && *q;) {
        size_t len = strcspn(q, ",");
        size_t m = 0;
        for (size_t i = 0; i < I; i++) m += it->row[i] >= 0 && strlen(it->lem[i]) == len && !strncmp(it->lem[i], q, len);
        if (m >= 3) {
            shang_pca_acc *pacc = NULL;
            shang_pca *pc = NULL;
            float *rows = shang_alloc(m * C, sizeof *rows, "scatter rows"), *xy = shang_alloc(m * 2, sizeof *xy, "scatter");
            size_t *which = shang_alloc(m, sizeof *which, "scatter rows");
            if (!rows || !xy || !which) rc = SHANG_ENOMEM;
            for (size_t i = 0, j = 0; !rc && i < I; i++)
                if (it->row[i] >= 0 && strlen(it->lem[i]) == len && !strncmp(it->lem[i], q, len)) {
                    memcpy(rows + j * C, X + (size_t)it->row[i] * C, C * sizeof *rows);
                    which[j++] = i;
                }
            if (!rc) rc = shang_pca_acc_new(C, &pacc);
            if (!rc) rc = shang_pca_acc_add(pacc, rows, m, C);
            if (!rc) rc = shang_pca_fit(pacc, 2, 0, &pc);
            if (!rc) rc = shang_pca_project(pc, rows, m, C, xy);
            for (size_t j = 0; !rc && j < m; j++) {
                size_t i = which[j];
                int64_t lx = 0; /* the lexicographer file's rank among the lemma's files */
                for (size_t u = 0; u < m; u++) {
                    int seen = 0;
                    for (size_t v = 0; v < u; v++) seen |= !strcmp(it->lex[which[v]], it->lex[which[u]]);
                    if (!seen && strcmp(it->lex[which[u]], it->lex[i]) < 0) lx++;
                }
                char lp[128];
                snprintf(lp, sizeof lp, "%s/%s", it->lem[i], it->pos[i]);
                if ((rc = shang_table_push(ts))) break;
                shang_table_i64(ts, 0, layer);
                if (!(rc = shang_table_str(ts, 1, lp)) && !(rc = shang_table_str(ts, 2, it->ids[i])) &&
                    !(rc = shang_table_str(ts, 3, it->key[i])))
                    rc = shang_table_str(ts, 4, it->lex[i]);
                shang_table_i64(ts, 5, lx);
                shang_table_f64(ts, 6, xy[2 * j]);
                shang_table_f64(ts, 7, xy[2 * j + 1]);
            }
            shang_pca_free(pc);
            shang_pca_acc_free(pacc);
            free(rows);
            free(xy);
            free(which);
        }
        q += len + (q[len] == ',');
    }
    return rc;
}

static int columns(shang_table *t, int n, const char *const *name, const int *type, const char *const *desc)
{
    for (int q = 0; q < n; q++)
        if (shang_table_column(t, name[q], type[q], desc[q]) < 0) return shang_err_code();
    return SHANG_OK;
}

static int wic_tables(const shang_senses_opts *o, shang_table **t, shang_table **tlm, shang_table **ts, int (*col)[3],
                      int *extra)
{
    int rc = shang_table_new("layers", "polysemy per layer: WiC-style and nearest-centroid accuracies", t);
    if (!rc) rc = estimate_columns(*t, N_S, s_name, s_desc, o->bootstrap, "lemmas", col);
    if (!rc) rc = shang_table_new("lemmas", "per layer and lemma (with two senses or more): the same measures", tlm);
    static const char *const ln[] = {"layer", "lemma", "rows", "senses", "nc", "purity", "ami", "silhouette"};
    static const int lty[] = {SHANG_DT_I64, SHANG_DT_STR, SHANG_DT_I64, SHANG_DT_I64,
                              SHANG_DT_F64, SHANG_DT_F64, SHANG_DT_F64, SHANG_DT_F64};
    static const char *const ld[] = {"layer", "lemma/pos", "sentences", "distinct senses",
                                     "leave-one-out nearest-centroid accuracy (NaN: not scored)",
                                     "k-means purity within the lemma", "AMI of k-means and senses",
                                     "mean silhouette of its sentences"};
    if (!rc) rc = columns(*tlm, 8, ln, lty, ld);
    if (!rc && o->scatter)
        rc = shang_table_new("scatter", "listed lemmas' rows on their first two principal components, per layer", ts);
    static const char *const sn[] = {"layer", "lemma", "item", "sense_key", "lexfile", "lexfile_index", "x", "y"};
    static const int sty[] = {SHANG_DT_I64, SHANG_DT_STR, SHANG_DT_STR, SHANG_DT_STR,
                              SHANG_DT_STR, SHANG_DT_I64, SHANG_DT_F64, SHANG_DT_F64};
    static const char *const sd[] = {"layer", "lemma/pos", "the sentence's id", "WordNet sense key",
                                     "lexicographer file", "the file's number within the lemma (for colours)",
                                     "first principal coordinate", "second principal coordinate"};
    if (!rc && o->scatter) rc = columns(*ts, 8, sn, sty, sd);
    if (rc) return rc;
    extra[0] = shang_table_column(*t, "wic_threshold", SHANG_DT_F64, "the cosine threshold fit on train pairs");
    extra[1] = shang_table_column(*t, "pairs", SHANG_DT_I64, "balanced WiC pairs (train + test)");
    extra[2] = shang_table_column(*t, "items_scored", SHANG_DT_I64, "rows scored by the nearest centroid");
    return extra[0] < 0 || extra[1] < 0 || extra[2] < 0 ? shang_err_code() : SHANG_OK;
}

/* one layer of the WiC analysis: the estimates, the lemma and scatter rows */
static int wic_layer(const shang_states *s, const shang_senses_opts *o, int layer, const wic_items *it, size_t NL,
                     struct wic_ctx *cx, shang_table *t, shang_table *tlm, shang_table *ts, const int (*col)[3],
                     const int *extra)
{
    float *X = NULL;
    size_t nr;
    double *rv[4] = {NULL}, est[N_S], sd[N_S], thr = NAN;
    signed char *right = NULL;
    size_t scored = 0;
    int rc = gather(s, o, layer, &X, &nr);
    for (int v = 0; !rc && v < 4; v++)
        if (!(rv[v] = shang_alloc(nr, sizeof(double), "per-row sense structure"))) rc = SHANG_ENOMEM;
    if (!rc && !(right = shang_alloc(nr, 1, "nearest-centroid outcomes"))) rc = SHANG_ENOMEM;
    if (!rc) {
        cx->X = X;
        cx->n = nr;
        for (int g = 0; g < 2; g++) /* the cosines, once per layer */
            shang_pair_cosines(X, s->C, cx->pairs[g].a, cx->pairs[g].b, cx->pairs[g].n, cx->cos[g]);
        rc = shang_lemma_structure(X, s->C, cx->lemma, cx->sense[0], nr, o->seed, rv[0], rv[1], rv[2], rv[3]);
    }
    for (int v = 0; v < 4; v++) cx->row_val[v] = rv[v];
    cx->thr_out = &thr;
    cx->right_out = right;
    cx->scored_out = &scored;
    if (!rc) rc = wic_stats(NULL, cx, est);
    cx->thr_out = NULL;
    cx->right_out = NULL;
    cx->scored_out = NULL;
    if (!rc) rc = lemma_rows(tlm, layer, it, NL, right, (const double *const *)rv);
    if (!rc) rc = bootstrap(cx->lemma, nr, N_S, wic_stats, cx, layer, o, sd);
    if (!rc) rc = push_estimates(t, layer, N_S, col, est, sd, o);
    if (!rc) {
        shang_table_f64(t, extra[0], thr);
        shang_table_i64(t, extra[1], (int64_t)cx->pairs[0].n);
        shang_table_i64(t, extra[2], (int64_t)scored);
        shang_log(SHANG_LOG_INFO, "%5d %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f\n", layer, est[S_WIC], est[S_WIC_C],
                  est[S_NC], est[S_MFS], est[S_PUR], est[S_AMI], est[S_SIL]);
    }
    if (!rc && ts) rc = scatter_rows(ts, layer, it, o->scatter, X, s->C);
    free(X);
    free(right);
    for (int v = 0; v < 4; v++) {
        free(rv[v]);
        cx->row_val[v] = NULL;
    }
    return rc;
}

int shang_senses_wic(const shang_states *s, const char *pairs_path, const shang_senses_opts *o,
                     shang_table *out[SHANG_SENSES_MAX_TABLES], int *n_out)
{
    wic_items it = {0};
    shang_wic_pairs pairs[2] = {{0}};
    shang_table *t = NULL, *tlm = NULL, *ts = NULL;
    int32_t *tok = NULL, *rl = NULL, *rs[2] = {NULL, NULL};
    int *layers = NULL, n_layers = 0, col[N_S][3], extra[3];
    struct wic_ctx cx = {.C = s->C, .pairs = pairs};
    const size_t n = s->N;
    *n_out = 0;
    int rc = shang_states_layers(s, o->site, o->layers, o->n_layers, &layers, &n_layers);
    if (!rc) rc = wic_items_read(s, &it);
    if (!rc) rc = shang_states_column(s, "tokens", &tok);
    /* WiC pairs, mapped to rows, balanced per split and kind by sampling */
    if (!rc) rc = shang_wic_pairs_load(pairs_path, it.ids, it.row, it.I, o->same_form ? tok : NULL, o->seed, pairs);
    for (int g = 0; !rc && g < 2; g++)
        if (!(cx.cos[g] = shang_alloc(pairs[g].n, sizeof *cx.cos[g], "pair cosines"))) rc = SHANG_ENOMEM;
    /* per-row lemma and senses (rows without an item get their own lemma) */
    if (!rc) {
        rl = shang_alloc(n, sizeof *rl, "row lemmas");
        rs[0] = shang_alloc(n, sizeof *rs[0], "row senses");
        rs[1] = shang_alloc(n, sizeof *rs[1], "row senses");
        if (!rl || !rs[0] || !rs[1]) rc = SHANG_ENOMEM;
    }
    for (size_t i = 0; !rc && i < n; i++) rl[i] = -1 - (int32_t)i, rs[0][i] = rs[1][i] = -1 - (int32_t)i;
    for (size_t i = 0; !rc && i < it.I; i++)
        if (it.row[i] >= 0) {
            rl[it.row[i]] = it.lemma[i];
            rs[0][it.row[i]] = it.sense[0][i];
            rs[1][it.row[i]] = it.sense[1][i];
        }
    cx.lemma = rl;
    cx.sense[0] = rs[0];
    cx.sense[1] = rs[1];
    size_t NL = 0;
    for (size_t i = 0; !rc && i < it.I; i++)
        if ((size_t)it.lemma[i] + 1 > NL) NL = (size_t)it.lemma[i] + 1;
    if (!rc) rc = wic_tables(o, &t, &tlm, &ts, col, extra);
    if (!rc)
        shang_log(SHANG_LOG_INFO, "%5s %7s %7s %7s %7s %7s %7s %7s\n", "layer", "WiC", "WiC-lex", "NC", "MFS", "purity",
                  "AMI", "silh.");
    for (int l = 0; !rc && l < n_layers; l++)
        if ((rc = wic_layer(s, o, layers[l], &it, NL, &cx, t, tlm, ts, (const int (*)[3])col, extra)))
            shang_err_prefix("layer %d", layers[l]);
    if (!rc) {
        out[(*n_out)++] = t;
        if (ts) out[(*n_out)++] = ts;
        out[(*n_out)++] = tlm;
    } else {
        shang_table_free(t);
        shang_table_free(ts);
        shang_table_free(tlm);
    }
    wic_items_free(&it);
    for (int g = 0; g < 2; g++) {
        shang_wic_pairs_free(&pairs[g]);
        free(cx.cos[g]);
        free(rs[g]);
    }
    free(tok);
    free(rl);
    free(layers);
    return rc;
}

/* ---- paraphrase -------------------------------------------------------------- */

enum { P_AL, P_SH, P_DIFF, P_RET, P_AL_L, P_SH_L, P_DIFF_L, P_RET_L, N_P };
static const char *const p_name[N_P] = {"aligned", "shuffled", "difference", "retrieval",
                                        "aligned_last", "shuffled_last", "difference_last", "retrieval_last"};
static const char *const p_desc[N_P] = {
    "mean cosine of an item's mean-pooled states to its partner's", "the same to a shuffled partner's",
    "aligned - shuffled", "share of items whose partner is the nearest of all (mean-pooled)",
    "mean cosine, last-token states", "shuffled, last-token states", "aligned - shuffled, last token",
    "retrieval accuracy, last token"};

int shang_paraphrase_stats(const uint32_t *w, void *ctx, double *out)
{
    const shang_paraphrase_items *c = ctx;
    for (int g = 0; g < 2; g++) {
        double sa = 0, ss = 0, sh = 0, m = 0;
        for (size_t i = 0; i < c->I; i++) {
            double wi = w ? w[i] : 1;
            sa += wi * c->v[3 * g][i];
            ss += wi * c->v[3 * g + 1][i];
            sh += wi * c->v[3 * g + 2][i];
            m += wi;
        }
        out[4 * g + 0] = m ? sa / m : NAN;
        out[4 * g + 1] = m ? ss / m : NAN;
        out[4 * g + 2] = m ? (sa - ss) / m : NAN; /* the mean of the paired differences */
        out[4 * g + 3] = m ? sh / m : NAN;
    }
    return SHANG_OK;
}

/* the number of items both renderings hold (item_target_last), equal on both sides */
static int paraphrase_items(const shang_states *sa, const shang_states *sb, size_t *I)
{
    int64_t *tl = NULL;
    size_t d[1];
    int rank, rc = shang_h5_read(sa->file, "item_target_last", SHANG_DT_I64, 1, &rank, d, (void **)&tl);
    free(tl);
    tl = NULL;
    if (rc) return rc;
    *I = d[0];
    rc = shang_h5_read(sb->file, "item_target_last", SHANG_DT_I64, 1, &rank, d, (void **)&tl);
    free(tl);
    if (!rc && d[0] != *I) rc = SHANG_FAIL(SHANG_EINVAL, "%s has %zu items, %s %zu", sa->path, *I, sb->path, d[0]);
    if (!rc && *I < 2) rc = SHANG_FAIL(SHANG_EINVAL, "paraphrase needs 2 items or more");
    return rc;
}

static int paraphrase_layer(const shang_states *sa, const shang_states *sb, const shang_senses_opts *o, int layer,
                            const int32_t *ia, const int32_t *ib, size_t I, const uint32_t *perm, const int32_t *group,
                            shang_table *t, const int (*col)[3], int c_n)
{
    const size_t C = sa->C;
    float *XA = NULL, *XB = NULL, *pool[4] = {NULL};
    size_t na, nb, *cnt = shang_alloc(I, sizeof *cnt, "item counts");
    double *v[6] = {NULL}, est[N_P], sd[N_P];
    unsigned char *hit[2] = {shang_alloc(I, 1, "retrieval hits"), shang_alloc(I, 1, "retrieval hits")};
    int rc = cnt && hit[0] && hit[1] ? SHANG_OK : SHANG_ENOMEM;
    for (int q = 0; !rc && q < 6; q++)
        if (!(v[q] = shang_alloc(I, sizeof *v[q], "per-item cosines"))) rc = SHANG_ENOMEM;
    for (int q = 0; !rc && q < 4; q++)
        if (!(pool[q] = shang_alloc(I * C, sizeof *pool[q], "pooled states"))) rc = SHANG_ENOMEM;
    if (!rc) rc = gather(sa, o, layer, &XA, &na); /* each rendering standardised on its own */
    if (!rc) rc = gather(sb, o, layer, &XB, &nb);
    if (!rc) rc = shang_item_pool(XA, ia, na, C, I, pool[0], pool[2], cnt);
    if (!rc) rc = shang_item_pool(XB, ib, nb, C, I, pool[1], pool[3], cnt);
    for (int g = 0; !rc && g < 2; g++) {
        rc = shang_paraphrase(pool[2 * g], pool[2 * g + 1], I, C, perm, v[3 * g], v[3 * g + 1], hit[g]);
        for (size_t i = 0; !rc && i < I; i++) v[3 * g + 2][i] = hit[g][i];
    }
    shang_paraphrase_items pc = {.I = I, .v = {v[0], v[1], v[2], v[3], v[4], v[5]}};
    if (!rc) rc = shang_paraphrase_stats(NULL, &pc, est);
    if (!rc) rc = bootstrap(group, I, N_P, shang_paraphrase_stats, &pc, layer, o, sd);
    if (!rc) rc = push_estimates(t, layer, N_P, col, est, sd, o);
    if (!rc) {
        shang_table_i64(t, c_n, (int64_t)I);
        shang_log(SHANG_LOG_INFO, "%5d %8.3f %8.3f %9.3f %8.3f %9.3f\n", layer, est[P_AL], est[P_SH], est[P_RET],
                  est[P_AL_L], est[P_RET_L]);
    }
    free(XA);
    free(XB);
    free(cnt);
    free(hit[0]);
    free(hit[1]);
    for (int q = 0; q < 6; q++) free(v[q]);
    for (int q = 0; q < 4; q++) free(pool[q]);
    return rc;
}

int shang_senses_paraphrase(const shang_states *sa, const shang_states *sb, const shang_senses_opts *o,
                            shang_table **out)
{
    shang_table *t = NULL;
    int32_t *ia = NULL, *ib = NULL, *group = NULL;
    uint32_t *perm = NULL;
    gsl_rng *r = NULL;
    size_t I = 0;
    int *layers = NULL, n_layers = 0, col[N_P][3], c_n = -1;
    int rc = shang_states_layers(sa, o->site, o->layers, o->n_layers, &layers, &n_layers);
    if (!rc && sa->C != sb->C) rc = SHANG_FAIL(SHANG_EINVAL, "%s and %s have different widths", sa->path, sb->path);
    if (!rc) rc = shang_states_column(sa, "item", &ia);
    if (!rc) rc = shang_states_column(sb, "item", &ib);
    if (!rc) rc = paraphrase_items(sa, sb, &I);
    /* the shuffled partners: a random derangement (no item its own partner) */
    if (!rc && (!(perm = shang_alloc(I, sizeof *perm, "derangement")) || !(group = shang_alloc(I, sizeof *group, "items"))))
        rc = SHANG_ENOMEM;
    if (!rc) rc = shang_rng_new(o->seed, SHANG_STREAM_BASELINE, UINT64_C(5) << 40, &r);
    if (!rc) rc = shang_derangement(r, I, perm);
    shang_rng_free(r);
    for (size_t i = 0; !rc && i < I; i++) group[i] = (int32_t)i;
    if (!rc) rc = shang_table_new("paraphrase", "paraphrase convergence per layer", &t);
    if (!rc) rc = estimate_columns(t, N_P, p_name, p_desc, o->bootstrap, "items", col);
    if (!rc && (c_n = shang_table_column(t, "items", SHANG_DT_I64, "paraphrase pairs")) < 0) rc = shang_err_code();
    if (!rc)
        shang_log(SHANG_LOG_INFO, "%5s %8s %8s %9s %8s %9s\n", "layer", "aligned", "shuffled", "retrieval", "last",
                  "ret-last");
    for (int l = 0; !rc && l < n_layers; l++)
        if ((rc = paraphrase_layer(sa, sb, o, layers[l], ia, ib, I, perm, group, t, (const int (*)[3])col, c_n)))
            shang_err_prefix("layer %d", layers[l]);
    if (rc) shang_table_free(t);
    else *out = t;
    free(ia);
    free(ib);
    free(group);
    free(perm);
    free(layers);
    return rc;
}

/* ---- synonyms ----------------------------------------------------------------- */

enum { Y_SYN, Y_ANT, Y_RAND, Y_DIFF, N_Y };
static const char *const y_name[N_Y] = {"synonyms", "antonyms", "random", "synonyms_minus_random"};
static const char *const y_desc[N_Y] = {
    "mean cosine of two different words of one synset, each in its own sentence",
    "mean cosine of antonym pairs in their sentences",
    "mean cosine of a word and a word of another synset (with --freq: matched in frequency)", "synonyms - random"};

int shang_synonym_stats(const uint32_t *w, void *ctx, double *out)
{
    const shang_synonym_cosines *c = ctx;
    for (int g = 0; g < 3; g++) {
        double sum = 0, m = 0;
        for (size_t p = 0; p < c->np[g]; p++) {
            double wp = w ? w[c->first[g][p]] : 1;
            sum += wp * c->cos[g][p];
            m += wp;
        }
        out[g] = m ? sum / m : NAN;
    }
    out[Y_DIFF] = out[Y_SYN] - out[Y_RAND];
    return SHANG_OK;
}

/* the synonym sentences' synsets and words, as dense ids, and target rows */
typedef struct syn_items {
    size_t I;
    char **set, **word;
    int64_t *row;
    int32_t *sid, *wid;
} syn_items;

static void syn_items_free(syn_items *it)
{
    shang_h5_free_strs(it->set, it->set ? it->I : 0);
    shang_h5_free_strs(it->word, it->word ? it->I : 0);
    free(it->row);
    free(it->sid);
    free(it->wid);
}

static int syn_items_read(const shang_states *s, syn_items *it)
{
    size_t d[1];
    int rank, rc = SHANG_OK;
    if (!shang_h5_exists(s->file, "items/set_id") || !shang_h5_exists(s->file, "items/word"))
        return SHANG_FAIL(SHANG_EINVAL, "%s has no items/set_id and items/word: extract the synonym sentences with --items",
                          s->path);
    rc = shang_h5_read(s->file, "items/set_id", SHANG_DT_STR, 1, &rank, d, (void **)&it->set);
    if (!rc) {
        it->I = d[0];
        rc = shang_h5_read(s->file, "items/word", SHANG_DT_STR, 1, &rank, d, (void **)&it->word);
    }
    if (!rc) rc = shang_h5_read(s->file, "item_target_last", SHANG_DT_I64, 1, &rank, d, (void **)&it->row);
    if (!rc && (!(it->sid = shang_alloc(it->I, sizeof *it->sid, "synsets")) ||
                !(it->wid = shang_alloc(it->I, sizeof *it->wid, "words"))))
        rc = SHANG_ENOMEM;
    if (!rc) rc = shang_dense_strs(it->set, it->I, it->sid);
    if (!rc) rc = shang_dense_strs(it->word, it->I, it->wid);
    return rc;
}

/* antonym pairs from the word_a, word_b columns of path */
static int antonym_pairs(const char *path, const syn_items *it, size_t cap, uint32_t *a, uint32_t *b, size_t *n)
{
    shang_tsv *t = NULL;
    char **wa = NULL, **wb = NULL;
    int rc = shang_tsv_read(path, &t);
    int ca = t ? shang_tsv_col(t, "word_a") : -1, cb = t ? shang_tsv_col(t, "word_b") : -1;
    if (!rc && (ca < 0 || cb < 0)) rc = SHANG_FAIL(SHANG_EFORMAT, "%s lacks word_a or word_b", path);
    if (!rc && (!(wa = shang_alloc(t->n_rows, sizeof *wa, "antonyms")) || !(wb = shang_alloc(t->n_rows, sizeof *wb, "antonyms"))))
        rc = SHANG_ENOMEM;
    for (size_t q = 0; !rc && q < t->n_rows; q++) {
        wa[q] = (char *)shang_tsv_get(t, q, ca);
        wb[q] = (char *)shang_tsv_get(t, q, cb);
    }
    if (!rc) *n = shang_word_pairs(wa, wb, t->n_rows, it->word, it->row, it->I, SHANG_PAIRS_PER_ITEM, cap, a, b);
    free(wa);
    free(wb);
    shang_tsv_free(t);
    return rc;
}

static int synonym_layer(const shang_states *s, const shang_senses_opts *o, int layer, uint32_t *const *pa,
                         uint32_t *const *pb, const size_t *np, const int32_t *group, shang_table *t,
                         const int (*col)[3], const int *c_n)
{
    float *X = NULL;
    size_t n;
    double *cs[3] = {NULL}, est[N_Y], sd[N_Y];
    int rc = gather(s, o, layer, &X, &n);
    for (int g = 0; !rc && g < 3; g++) {
        if (!(cs[g] = shang_alloc(np[g], sizeof *cs[g], "pair cosines"))) rc = SHANG_ENOMEM;
        else shang_pair_cosines(X, s->C, pa[g], pb[g], np[g], cs[g]);
    }
    shang_synonym_cosines yc = {.np = {np[0], np[1], np[2]}, .first = {pa[0], pa[1], pa[2]}, .cos = {cs[0], cs[1], cs[2]}};
    if (!rc) rc = shang_synonym_stats(NULL, &yc, est);
    if (!rc) rc = bootstrap(group, n, N_Y, shang_synonym_stats, &yc, layer, o, sd);
    if (!rc) rc = push_estimates(t, layer, N_Y, col, est, sd, o);
    if (!rc) {
        for (int g = 0; g < 3; g++) shang_table_i64(t, c_n[g], (int64_t)np[g]);
        shang_log(SHANG_LOG_INFO, "%5d %9.3f %9.3f %9.3f\n", layer, est[Y_SYN], est[Y_ANT], est[Y_RAND]);
    }
    free(X);
    for (int g = 0; g < 3; g++) free(cs[g]);
    return rc;
}

int shang_senses_synonyms(const shang_states *s, const char *antonyms_path, const char *freq_path,
                          const shang_senses_opts *o, shang_table **out)
{
    syn_items it = {0};
    shang_table *t = NULL;
    int32_t *group = NULL;
    uint32_t *pa[3] = {NULL}, *pb[3] = {NULL};
    size_t np[3] = {0};
    double *logf = NULL;
    gsl_rng *r = NULL;
    int *layers = NULL, n_layers = 0, col[N_Y][3], c_n[3];
    int rc = shang_states_layers(s, o->site, o->layers, o->n_layers, &layers, &n_layers);
    if (!rc) rc = syn_items_read(s, &it);
    const size_t I = it.I, cap = I * SHANG_PAIRS_PER_ITEM + 16;
    if (!rc && !(group = shang_alloc(s->N, sizeof *group, "row synsets"))) rc = SHANG_ENOMEM;
    for (int g = 0; !rc && g < 3; g++)
        if (!(pa[g] = shang_alloc(cap, sizeof *pa[g], "pairs")) || !(pb[g] = shang_alloc(cap, sizeof *pb[g], "pairs")))
            rc = SHANG_ENOMEM;
    /* the unit resampled: a synset (its sentences' rows); other rows alone */
    for (size_t q = 0; !rc && q < s->N; q++) group[q] = -1 - (int32_t)q;
    for (size_t i = 0; !rc && i < I; i++)
        if (it.row[i] >= 0) group[it.row[i]] = it.sid[i];
    if (!rc) np[0] = shang_synonym_pairs(it.sid, it.wid, it.row, I, SHANG_PAIRS_PER_ITEM, pa[0], pb[0]);
    if (!rc) rc = antonym_pairs(antonyms_path, &it, I * SHANG_PAIRS_PER_ITEM, pa[1], pb[1], &np[1]);
    if (!rc && freq_path) {
        if (!(logf = shang_alloc(I, sizeof *logf, "log frequencies"))) rc = SHANG_ENOMEM;
        else rc = shang_log_frequencies(freq_path, it.word, I, logf);
    }
    if (!rc) rc = shang_rng_new(o->seed, SHANG_STREAM_BASELINE, UINT64_C(6) << 40, &r);
    if (!rc) np[2] = shang_random_controls(pa[0], pb[0], np[0], it.sid, it.wid, it.row, logf, I, r, pa[2], pb[2]);
    shang_rng_free(r);
    if (!rc) rc = shang_table_new("synonyms", "synonymy per layer: synonyms vs antonyms and random pairs", &t);
    if (!rc) rc = estimate_columns(t, N_Y, y_name, y_desc, o->bootstrap, "synsets", col);
    static const char *const cn_name[3] = {"synonym_pairs", "antonym_pairs", "random_pairs"};
    for (int g = 0; !rc && g < 3; g++)
        if ((c_n[g] = shang_table_column(t, cn_name[g], SHANG_DT_I64, "pairs measured")) < 0) rc = shang_err_code();
    if (!rc)
        shang_log(SHANG_LOG_INFO, "%5s %9s %9s %9s   (%zu synonym, %zu antonym, %zu random pairs)\n", "layer", "synonyms",
                  "antonyms", "random", np[0], np[1], np[2]);
    for (int l = 0; !rc && l < n_layers; l++)
        if ((rc = synonym_layer(s, o, layers[l], pa, pb, np, group, t, (const int (*)[3])col, c_n)))
            shang_err_prefix("layer %d", layers[l]);
    if (rc) shang_table_free(t);
    else *out = t;
    syn_items_free(&it);
    for (int g = 0; g < 3; g++) {
        free(pa[g]);
        free(pb[g]);
    }
    free(group);
    free(logf);
    free(layers);
    return rc;
}
