/* shang_alias — see shang_alias.h. */
#include "shang_alias.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "shang_bootstrap.h"
#include "shang_entropy.h"
#include "shang_exchange.h"
#include "shang_heldout.h"
#include "shang_mem.h"
#include "shang_metrics.h"
#include "shang_rng.h"
#include "shang_smooth.h"
#include "shang_strmap.h"

static const struct {
    const char *name, *description;
    int ci;          /* the bootstrap gives it an interval */
    int information; /* an entropy or information (nats, or bits on request) */
} stat_info[SHANG_A_N_STATS] = {
    [SHANG_A_N] = {"n", "rows", 0, 0},
    [SHANG_A_NY] = {"n_y", "rows with a next token", 0, 0},
    [SHANG_A_X_TYPES] = {"x_types", "distinct tokens", 0, 0},
    [SHANG_A_K_USED] = {"k_used", "distinct clusters", 0, 0},
    [SHANG_A_H_X] = {"h_x", "H(X), token entropy", 1, 1},
    [SHANG_A_H_K] = {"h_k", "H(K), cluster entropy", 1, 1},
    [SHANG_A_H_K_X] = {"h_k_given_x", "one-to-many H(K|X): one token, several states", 1, 1},
    [SHANG_A_H_X_K] = {"h_x_given_k", "many-to-one H(X|K): several tokens, one state", 1, 1},
    [SHANG_A_VI] = {"vi", "variation of information H(K|X) + H(X|K)", 1, 1},
    [SHANG_A_HOMOGENEITY] = {"homogeneity", "1 - H(X|K)/H(X)", 1, 0},
    [SHANG_A_COMPLETENESS] = {"completeness", "1 - H(K|X)/H(K)", 1, 0},
    [SHANG_A_V] = {"v_measure", "harmonic mean of homogeneity and completeness", 1, 0},
    [SHANG_A_NMI] = {"nmi", "I(X;K) / mean(H(X), H(K)) (scikit-learn's arithmetic; 1 if X and K are both constant, 0 if one is)", 1, 0},
    [SHANG_A_AMI] = {"ami", "adjusted mutual information (hypergeometric expectation, arithmetic normaliser; 0 where the normaliser equals E[MI]; NaN with --no-ami)", 0, 0},
    [SHANG_A_ARI] = {"ari", "adjusted Rand index (1 if X and K are both constant or both all-distinct)", 1, 0},
    [SHANG_A_H_XK] = {"h_xk", "H(X,K), joint entropy of token and cluster", 1, 1},
    [SHANG_A_NMI_GEOMETRIC] = {"nmi_geometric", "I(X;K) / sqrt(H(X) H(K))", 1, 0},
    [SHANG_A_NMI_MIN] = {"nmi_min", "I(X;K) / min(H(X), H(K))", 1, 0},
    [SHANG_A_NMI_MAX] = {"nmi_max", "I(X;K) / max(H(X), H(K))", 1, 0},
    [SHANG_A_AMI_GEOMETRIC] = {"ami_geometric", "AMI, geometric normaliser (NaN with --no-ami)", 0, 0},
    [SHANG_A_AMI_MIN] = {"ami_min", "AMI, min normaliser (NaN with --no-ami)", 0, 0},
    [SHANG_A_AMI_MAX] = {"ami_max", "AMI, max normaliser (NaN with --no-ami)", 0, 0},
    [SHANG_A_MI_XK] = {"mi_xk", "I(X;K)", 1, 1},
    [SHANG_A_MI_YK] = {"mi_yk", "I(Y;K), next token and cluster", 1, 1},
    [SHANG_A_H_Y] = {"h_y", "H(Y), next-token entropy (plug-in)", 1, 1},
    [SHANG_A_H_Y_X_PLUGIN] = {"h_y_given_x", "H(Y|X) plug-in", 1, 1},
    [SHANG_A_H_Y_X_MM] = {"h_y_given_x_mm", "H(Y|X) Miller-Madow", 1, 1},
    [SHANG_A_H_Y_X_CS] = {"h_y_given_x_cs", "H(Y|X) Chao-Shen", 1, 1},
    [SHANG_A_H_Y_X_GR] = {"h_y_given_x_gr", "H(Y|X) Grassberger", 1, 1},
    [SHANG_A_H_Y_K_PLUGIN] = {"h_y_given_k", "H(Y|K) plug-in", 1, 1},
    [SHANG_A_H_Y_K_MM] = {"h_y_given_k_mm", "H(Y|K) Miller-Madow", 1, 1},
    [SHANG_A_H_Y_K_CS] = {"h_y_given_k_cs", "H(Y|K) Chao-Shen", 1, 1},
    [SHANG_A_H_Y_K_GR] = {"h_y_given_k_gr", "H(Y|K) Grassberger", 1, 1},
    [SHANG_A_H_Y_XK_PLUGIN] = {"h_y_given_xk", "H(Y|X,K) plug-in", 1, 1},
    [SHANG_A_H_Y_XK_MM] = {"h_y_given_xk_mm", "H(Y|X,K) Miller-Madow", 1, 1},
    [SHANG_A_H_Y_XK_CS] = {"h_y_given_xk_cs", "H(Y|X,K) Chao-Shen", 1, 1},
    [SHANG_A_H_Y_XK_GR] = {"h_y_given_xk_gr", "H(Y|X,K) Grassberger", 1, 1},
    [SHANG_A_CE_Y] = {"ce_y", "held-out cross-entropy of Y, add-alpha unigram (NaN without a held-out row)", 1, 1},
    [SHANG_A_CE_Y_X] = {"ce_y_given_x", "held-out cross-entropy of Y given X (NaN without a held-out row)", 1, 1},
    [SHANG_A_CE_Y_K] = {"ce_y_given_k", "held-out cross-entropy of Y given K (NaN without a held-out row)", 1, 1},
    [SHANG_A_CE_Y_XK] = {"ce_y_given_xk", "held-out cross-entropy of Y given X and K (NaN without a held-out row)", 1, 1},
    [SHANG_A_H_Y_XTOP] = {"h_y_given_xtop", "H(Y|X_k) plug-in, X cut to its k-1 most frequent tokens + other", 1, 1},
    [SHANG_A_CE_Y_XTOP] = {"ce_y_given_xtop", "held-out cross-entropy of Y given X_k (as many parts as K) (NaN without a held-out row)", 1, 1},
    [SHANG_A_GAIN_PLUGIN] = {"gain", "H(Y|X) - H(Y|X,K) plug-in: what the state adds to the token", 1, 1},
    [SHANG_A_GAIN_CE] = {"gain_ce", "the same, held-out cross-entropies", 1, 1},
    [SHANG_A_ADV_CE] = {"adv_ce", "CE(Y|X) - CE(Y|K): how much better the state's clusters predict than the token", 1, 1},
    [SHANG_A_ADV_TOP_CE] = {"adv_top_ce", "CE(Y|X_k) - CE(Y|K): the same against the token partition of k parts", 1, 1},
    [SHANG_A_BIAS_Y_X] = {"bias_y_given_x", "plug-in bias of H(Y|X), sum_c (m_c - 1) / 2N", 1, 1},
    [SHANG_A_BIAS_Y_K] = {"bias_y_given_k", "plug-in bias of H(Y|K)", 1, 1},
    [SHANG_A_BIAS_WARNING] = {"bias_warning", "1 if the biases differ by more than H(Y|X) - H(Y|K)", 0, 0},
    [SHANG_A_RAND_H_K_X] = {"rand_h_k_given_x", "H(K|X), random partition of the same cluster sizes", 0, 1},
    [SHANG_A_RAND_H_X_K] = {"rand_h_x_given_k", "H(X|K), random partition", 0, 1},
    [SHANG_A_RAND_MI_XK] = {"rand_mi_xk", "I(X;K), random partition", 0, 1},
    [SHANG_A_RAND_MI_YK] = {"rand_mi_yk", "I(Y;K), random partition", 0, 1},
    [SHANG_A_RAND_H_Y_K] = {"rand_h_y_given_k", "H(Y|K) plug-in, random partition", 0, 1},
    [SHANG_A_RAND_CE_Y_K] = {"rand_ce_y_given_k", "held-out cross-entropy of Y given K, random partition (NaN without a held-out row)", 0, 1},
    [SHANG_A_SHUF_MI_YK] = {"shuf_mi_yk", "I(Y;K) with Y shuffled over the rows", 0, 1},
    [SHANG_A_SHUF_H_Y_K] = {"shuf_h_y_given_k", "H(Y|K) plug-in with Y shuffled", 0, 1},
    [SHANG_A_CET_Y] = {"ce_t_y", "held-out cross-entropy of Y, unigram smoothed by cross-validation (NaN with fewer training document groups than folds)", 1, 1},
    [SHANG_A_CET_Y_X] = {"ce_t_y_given_x", "held-out cross-entropy of Y given X, back-off X -> unigram tuned by cross-validation", 1, 1},
    [SHANG_A_CET_Y_K] = {"ce_t_y_given_k", "held-out cross-entropy of Y given K, back-off K -> unigram tuned", 1, 1},
    [SHANG_A_CET_Y_XK_X] = {"ce_t_y_given_xk_via_x", "held-out cross-entropy of Y given X and K, back-off (X,K) -> X -> unigram tuned", 1, 1},
    [SHANG_A_CET_Y_XK_K] = {"ce_t_y_given_xk_via_k", "held-out cross-entropy of Y given X and K, back-off (X,K) -> K -> unigram tuned", 1, 1},
    [SHANG_A_ADV_CET] = {"adv_ce_t", "CE(Y|X) - CE(Y|K), tuned: how much better the clusters predict than the token", 1, 1},
    [SHANG_A_GAIN_CET] = {"gain_ce_t", "CE(Y|X) - CE(Y|X,K), tuned: what the cluster adds to the token", 1, 1},
    [SHANG_A_XGAIN_CET] = {"xgain_ce_t", "CE(Y|K) - CE(Y|X,K), tuned: what the token adds to the cluster", 1, 1},
    [SHANG_A_SM_X] = {"smooth_x", "smoother chosen for X -> unigram: 0 Dirichlet, 1 absolute discounting", 0, 0},
    [SHANG_A_SM_X_A] = {"smooth_x_a", "its parameter at X: the Dirichlet's beta or the discount d", 0, 0},
    [SHANG_A_SM_X_THETA] = {"smooth_x_theta", "its concentration theta at X (NaN for the Dirichlet)", 0, 0},
    [SHANG_A_SM_K] = {"smooth_k", "smoother chosen for K -> unigram", 0, 0},
    [SHANG_A_SM_K_A] = {"smooth_k_a", "its beta or d at K", 0, 0},
    [SHANG_A_SM_K_THETA] = {"smooth_k_theta", "its theta at K", 0, 0},
    [SHANG_A_SM_XK_X] = {"smooth_xk_x", "smoother chosen for (X,K) -> X -> unigram", 0, 0},
    [SHANG_A_SM_XK_X_A] = {"smooth_xk_x_a", "its beta or d at (X,K)", 0, 0},
    [SHANG_A_SM_XK_X_THETA] = {"smooth_xk_x_theta", "its theta at (X,K)", 0, 0},
    [SHANG_A_SM_XK_K] = {"smooth_xk_k", "smoother chosen for (X,K) -> K -> unigram", 0, 0},
    [SHANG_A_SM_XK_K_A] = {"smooth_xk_k_a", "its beta or d at (X,K)", 0, 0},
    [SHANG_A_SM_XK_K_THETA] = {"smooth_xk_k_theta", "its theta at (X,K)", 0, 0},
    [SHANG_A_CET_Y_XTOP] = {"ce_t_y_given_xtop", "held-out cross-entropy of Y given X_k (k parts) -> unigram, tuned", 1, 1},
    [SHANG_A_ADV_TOP_CET] = {"adv_top_ce_t", "CE(Y|X_k) - CE(Y|K), tuned: the clusters against the token partition of k parts", 1, 1},
    [SHANG_A_CET_Y_XP] = {"ce_t_y_given_x_prev", "held-out cross-entropy of Y given X and the previous token, (X,P) -> X -> unigram, tuned (NaN without previous tokens)", 1, 1},
    [SHANG_A_GAIN_CET_PREV] = {"gain_ce_t_prev", "CE(Y|X) - CE(Y|X,P), tuned: what one more token of context adds to X", 1, 1},
    [SHANG_A_CET_Y_CTXK] = {"ce_t_y_given_ctxk", "held-out cross-entropy of Y given the context (X,P) cut to k parts -> unigram, tuned", 1, 1},
    [SHANG_A_ADV_CTX_CET] = {"adv_ctx_ce_t", "CE(Y|(X,P)_k) - CE(Y|K), tuned: the clusters against a bigram-context partition of k parts", 1, 1},
    [SHANG_A_CET_Y_XCLS] = {"ce_t_y_given_xclass", "held-out cross-entropy of Y given the token's exchange class (k classes trained for Y on the training rows) -> unigram, tuned", 1, 1},
    [SHANG_A_ADV_XCLS_CET] = {"adv_xclass_ce_t", "CE(Y|class(X)) - CE(Y|K), tuned: the clusters against k token classes trained to predict Y", 1, 1},
};

const char *shang_alias_stat_name(int s) { return s >= 0 && s < SHANG_A_N_STATS ? stat_info[s].name : "?"; }
const char *shang_alias_stat_description(int s) { return s >= 0 && s < SHANG_A_N_STATS ? stat_info[s].description : ""; }
int shang_alias_stat_has_ci(int s) { return s >= 0 && s < SHANG_A_N_STATS && stat_info[s].ci; }
int shang_alias_stat_is_information(int s) { return s >= 0 && s < SHANG_A_N_STATS && stat_info[s].information; }

/* dense int32 ids of the pairs (a[i], b[i]) */
static int pair_ids(const int32_t *a, const int32_t *b, size_t N, int32_t *out)
{
    int32_t *key = shang_alloc(N * 2, sizeof *key, "key");
    if (!key) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t i = 0; i < N; i++) {
        key[2 * i] = a[i];
        key[2 * i + 1] = b[i];
    }
    int rc = shang_dense_ids(key, 2 * sizeof *key, N, (uint32_t *)out, NULL);
    free(key);
    return rc;
}

struct count {
    int32_t v;
    size_t n;
};

static int by_count_desc(const void *a, const void *b)
{
    const struct count *p = a, *q = b;
    return p->n != q->n ? (p->n < q->n ? 1 : -1) : (p->v > q->v) - (p->v < q->v);
}

/* out[j] = v[j] if v[j] is among the k - 1 most frequent values of x (N rows;
 * k = distinct values of kl), else -1 */
static int top_values(const int32_t *x, const int32_t *kl, size_t N, const int32_t *v, size_t n, int32_t *out)
{
    shang_strmap *mx, *mk;
    int rc = shang_strmap_new(4096, &mx);
    if (!rc && (rc = shang_strmap_new(1024, &mk))) shang_strmap_free(mx);
    if (rc) return rc;
    for (size_t i = 0; !rc && i < N; i++) {
        uint64_t *a = shang_strmap_put(mx, &x[i], sizeof x[i], NULL), *b = shang_strmap_put(mk, &kl[i], sizeof kl[i], NULL);
        if (!a || !b) rc = shang_err_code();
        else (*a)++;
    }
    size_t nx = shang_strmap_size(mx), K = shang_strmap_size(mk), q = 0;
    struct count *cnt = rc ? NULL : shang_alloc(nx, sizeof *cnt, "cnt");
    if (!rc && !cnt) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t s = 0; !rc && s < shang_strmap_capacity(mx); s++) {
        const char *key;
        size_t len;
        uint64_t val;
        shang_strmap_slot(mx, s, &key, &len, &val);
        if (!key) continue;
        memcpy(&cnt[q].v, key, sizeof cnt[q].v);
        cnt[q++].n = (size_t)val;
    }
    if (!rc) {
        qsort(cnt, q, sizeof *cnt, by_count_desc);
        shang_strmap *top;
        if (!(rc = shang_strmap_new(K + 16, &top))) {
            for (size_t i = 0; !rc && i + 1 < K && i < q; i++)
                if (!shang_strmap_put(top, &cnt[i].v, sizeof cnt[i].v, NULL)) rc = shang_err_code();
            for (size_t j = 0; !rc && j < n; j++) out[j] = shang_strmap_get(top, &v[j], sizeof v[j]) ? v[j] : -1;
            shang_strmap_free(top);
        }
    }
    free(cnt);
    shang_strmap_free(mx);
    shang_strmap_free(mk);
    return rc;
}

/* A table of two labelings of n items whose ids are fixed once (hashing) and
 * whose counts are refilled for any weights by array passes: bootstrap
 * replicates reuse the ids and never hash again. */
struct ftab {
    size_t n, R, C, nnz;
    uint32_t *row, *col, *cell; /* per item */
    uint32_t *ci, *cj;          /* per cell */
};

static void ftab_free(struct ftab *f)
{
    free(f->row);
    free(f->col);
    free(f->cell);
    free(f->ci);
    free(f->cj);
    memset(f, 0, sizeof *f);
}

static int ftab_build(struct ftab *f, const int32_t *a, const int32_t *b, size_t n)
{
    memset(f, 0, sizeof *f);
    f->n = n;
    size_t n1 = n ? n : 1;
    f->row = shang_alloc(n1, sizeof *f->row, "f->row");
    f->col = shang_alloc(n1, sizeof *f->col, "f->col");
    f->cell = shang_alloc(n1, sizeof *f->cell, "f->cell");
    uint32_t *pair = shang_alloc(2 * n1, sizeof *pair, "pair");
    int rc = f->row && f->col && f->cell && pair ? SHANG_OK : SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    if (!rc) rc = shang_dense_ids(a, sizeof *a, n, f->row, &f->R);
    if (!rc) rc = shang_dense_ids(b, sizeof *b, n, f->col, &f->C);
    for (size_t i = 0; !rc && i < n; i++) {
        pair[2 * i] = f->row[i];
        pair[2 * i + 1] = f->col[i];
    }
    if (!rc) rc = shang_dense_ids(pair, 2 * sizeof *pair, n, f->cell, &f->nnz);
    if (!rc) {
        f->ci = shang_alloc(f->nnz, sizeof *f->ci, "f->ci");
        f->cj = shang_alloc(f->nnz, sizeof *f->cj, "f->cj");
        if (!f->ci || !f->cj) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        for (size_t i = 0; !rc && i < n; i++) {
            f->ci[f->cell[i]] = f->row[i];
            f->cj[f->cell[i]] = f->col[i];
        }
    }
    free(pair);
    if (rc) ftab_free(f);
    return rc;
}

/* counts of the table under weights w (NULL: 1 each) as a contingency view;
 * *buf holds them (free() it). N = 0 if every weight is 0. */
static int ftab_fill(const struct ftab *f, const uint32_t *w, shang_contingency *t, uint64_t **buf)
{
    uint64_t *s = shang_zalloc(f->R + f->C + f->nnz + 1, sizeof *s, "s");
    if (!s) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    uint64_t *rs = s, *cs = s + f->R, *cn = s + f->R + f->C, tot = 0;
    for (size_t i = 0; i < f->n; i++) {
        uint64_t wi = w ? w[i] : 1;
        rs[f->row[i]] += wi;
        cs[f->col[i]] += wi;
        cn[f->cell[i]] += wi;
        tot += wi;
    }
    memset(t, 0, sizeof *t);
    t->N = tot;
    t->R = f->R;
    t->C = f->C;
    t->nnz = f->nnz;
    t->a_sum = rs;
    t->b_sum = cs;
    t->ci = f->ci;
    t->cj = f->cj;
    t->cn = cn;
    *buf = s;
    return SHANG_OK;
}

/* the tuned back-off chains: Y | unigram, X, K, (X,K) -> X, (X,K) -> K */
enum { CH_Y, CH_X, CH_K, CH_XK_X, CH_XK_K, CH_XTOP, CH_XP, CH_CTXK, CH_XCLS, N_CHAINS };
static const int chain_stat[N_CHAINS] = {SHANG_A_CET_Y,      SHANG_A_CET_Y_X,    SHANG_A_CET_Y_K,
                                         SHANG_A_CET_Y_XK_X, SHANG_A_CET_Y_XK_K, SHANG_A_CET_Y_XTOP,
                                         SHANG_A_CET_Y_XP,   SHANG_A_CET_Y_CTXK, SHANG_A_CET_Y_XCLS};

struct ctx {
    const int32_t *x, *k;
    size_t N;
    /* the rows with a next token: their x, k, (x, k) id, y, test flag */
    size_t ny;
    size_t *yrow;
    int32_t *yx, *yk, *yxk, *yy, *yxt; /* yxt: x cut to its k - 1 most frequent values + other (-1) */
    int32_t *yxp, *yctk; /* with a previous token: (x, prev) ids, and those cut to k - 1 + other */
    int32_t *ycls;       /* with exchange classes: the class of each row's token */
    unsigned char *test;
    uint32_t *zeros;      /* ny zeros: the one condition of the unconditional CE */
    struct ftab fxk;      /* (X, K) over all rows */
    struct ftab fy[4];    /* (X, Y), (K, Y), ((X,K), Y), (X_k, Y) over the rows with a next token */
    shang_smooth *sm[N_CHAINS]; /* the tuned chains (NULL: too few training groups) */
    const shang_alias_opts *o;
};

/* H(Y | A) with estimator e from the table (A, Y) into *h */
static int cond_h(const shang_contingency *t, int e, double *h)
{
    double hj, ha;
    int rc = shang_contingency_entropy(t, 'j', e, 0, &hj, NULL);
    if (!rc) rc = shang_contingency_entropy(t, 'a', e, 0, &ha, NULL);
    *h = rc ? NAN : hj - ha;
    return rc;
}

/* held-out CE of Y given the rows' conditions (ids cond < n_cond, (condition,
 * outcome) ids cell < n_cell), rows split by c->test, into *ce (NaN if no test
 * row has weight: undefined) */
static int heldout_ids(const struct ctx *c, const uint32_t *cond, size_t n_cond, const uint32_t *cell, size_t n_cell,
                       const uint32_t *wy, double *ce)
{
    *ce = NAN;
    double *scratch = shang_alloc(n_cond + n_cell + c->o->V, sizeof *scratch, "held-out counts");
    if (!scratch) return shang_err_code();
    int rc = shang_heldout_ce_ids(cond, cell, c->yy, wy, c->test, c->ny, n_cond, n_cell, c->o->alpha, c->o->V,
                                  scratch, ce);
    free(scratch);
    return rc;
}

/* held-out CE of Y given the condition a (baselines: labels that change) */
static int heldout(const struct ctx *c, const int32_t *a, double *ce)
{
    struct ftab f;
    *ce = NAN;
    int rc = ftab_build(&f, a, c->yy, c->ny);
    if (!rc) rc = heldout_ids(c, f.row, f.R, f.cell, f.nnz, NULL, ce);
    ftab_free(&f);
    return rc;
}

/* every statistic of the rows weighted by w (NULL: 1 each); full adds AMI.
 * Thread-safe: the tables' ids are only read. */
static int compute(const struct ctx *c, const uint32_t *w, int full, double *st)
{
    for (int s = 0; s < SHANG_A_N_STATS; s++) st[s] = NAN;
    uint32_t *wy = NULL;
    uint64_t *buf = NULL;
    shang_contingency t;
    shang_cluster_scores sc;
    int rc = ftab_fill(&c->fxk, w, &t, &buf);
    if (!rc && t.N == 0) { /* a replicate that drew no rows: left out */
        free(buf);
        return SHANG_OK;
    }
    if (!rc) rc = shang_cluster_scores_of(&t, full && c->o->with_ami, &sc);
    if (!rc) {
        st[SHANG_A_N] = (double)t.N;
        size_t xr = 0, kc = 0;
        for (size_t i = 0; i < t.R; i++) xr += t.a_sum[i] > 0;
        for (size_t j = 0; j < t.C; j++) kc += t.b_sum[j] > 0;
        st[SHANG_A_X_TYPES] = (double)xr;
        st[SHANG_A_K_USED] = (double)kc;
        st[SHANG_A_H_X] = sc.h_a;
        st[SHANG_A_H_K] = sc.h_b;
        st[SHANG_A_H_K_X] = sc.h_b_given_a;
        st[SHANG_A_H_X_K] = sc.h_a_given_b;
        st[SHANG_A_VI] = sc.vi;
        st[SHANG_A_HOMOGENEITY] = sc.homogeneity;
        st[SHANG_A_COMPLETENESS] = sc.completeness;
        st[SHANG_A_V] = sc.v_measure;
        st[SHANG_A_NMI] = sc.nmi_arithmetic;
        st[SHANG_A_AMI] = sc.ami;
        st[SHANG_A_ARI] = sc.ari;
        st[SHANG_A_H_XK] = sc.h_ab;
        st[SHANG_A_NMI_GEOMETRIC] = sc.nmi_geometric;
        st[SHANG_A_NMI_MIN] = sc.nmi_min;
        st[SHANG_A_NMI_MAX] = sc.nmi_max;
        st[SHANG_A_AMI_GEOMETRIC] = sc.ami_geometric;
        st[SHANG_A_AMI_MIN] = sc.ami_min;
        st[SHANG_A_AMI_MAX] = sc.ami_max;
        st[SHANG_A_MI_XK] = sc.mi;
    }
    free(buf);
    buf = NULL;
    if (rc || c->ny == 0) return rc;
    if (w) {
        if (!(wy = shang_alloc(c->ny, sizeof *wy, "wy"))) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        uint64_t tot = 0;
        for (size_t j = 0; j < c->ny; j++) tot += wy[j] = w[c->yrow[j]];
        if (!tot) {
            free(wy);
            return SHANG_OK;
        }
    }
    static const int est[4] = {SHANG_H_PLUGIN, SHANG_H_MILLER_MADOW, SHANG_H_CHAO_SHEN, SHANG_H_GRASSBERGER};
    const int first[3] = {SHANG_A_H_Y_X_PLUGIN, SHANG_A_H_Y_K_PLUGIN, SHANG_A_H_Y_XK_PLUGIN};
    const int ce_of[4] = {SHANG_A_CE_Y_X, SHANG_A_CE_Y_K, SHANG_A_CE_Y_XK, SHANG_A_CE_Y_XTOP};
    double bias[2] = {0};
    for (int v = 0; !rc && v < 4; v++) {
        const struct ftab *f = &c->fy[v];
        if ((rc = ftab_fill(f, wy, &t, &buf))) break;
        if (v < 3) {
            for (int e = 0; e < 4 && !rc; e++) rc = cond_h(&t, est[e], &st[first[v] + e]);
        } else {
            rc = cond_h(&t, SHANG_H_PLUGIN, &st[SHANG_A_H_Y_XTOP]);
        }
        if (v < 2) { /* sum over conditions of (outcomes seen - 1) / 2N */
            size_t cells = 0, conds = 0;
            for (size_t z = 0; z < t.nnz; z++) cells += t.cn[z] > 0;
            for (size_t i = 0; i < t.R; i++) conds += t.a_sum[i] > 0;
            bias[v] = ((double)cells - (double)conds) / (2.0 * (double)t.N);
        }
        if (v == 1 && !(rc = shang_cluster_scores_of(&t, 0, &sc))) {
            st[SHANG_A_NY] = (double)t.N;
            st[SHANG_A_MI_YK] = sc.mi;
            st[SHANG_A_H_Y] = sc.h_b;
        }
        free(buf);
        buf = NULL;
        if (!rc) rc = heldout_ids(c, f->row, f->R, f->cell, f->nnz, wy, &st[ce_of[v]]);
    }
    if (!rc) {
        st[SHANG_A_BIAS_Y_X] = bias[0];
        st[SHANG_A_BIAS_Y_K] = bias[1];
        st[SHANG_A_BIAS_WARNING] = fabs(bias[0] - bias[1]) >= fabs(st[SHANG_A_H_Y_X_PLUGIN] - st[SHANG_A_H_Y_K_PLUGIN]);
        st[SHANG_A_GAIN_PLUGIN] = st[SHANG_A_H_Y_X_PLUGIN] - st[SHANG_A_H_Y_XK_PLUGIN];
        /* no condition: one condition, the outcome's own id as the cell */
        rc = heldout_ids(c, c->zeros, 1, c->fy[1].col, c->fy[1].C, wy, &st[SHANG_A_CE_Y]);
        st[SHANG_A_GAIN_CE] = st[SHANG_A_CE_Y_X] - st[SHANG_A_CE_Y_XK];
        st[SHANG_A_ADV_CE] = st[SHANG_A_CE_Y_X] - st[SHANG_A_CE_Y_K];
        st[SHANG_A_ADV_TOP_CE] = st[SHANG_A_CE_Y_XTOP] - st[SHANG_A_CE_Y_K];
    }
    for (int h = 0; !rc && h < N_CHAINS; h++)
        if (c->sm[h]) rc = shang_smooth_ce(c->sm[h], wy, &st[chain_stat[h]]);
    if (!rc) {
        st[SHANG_A_ADV_CET] = st[SHANG_A_CET_Y_X] - st[SHANG_A_CET_Y_K];
        st[SHANG_A_GAIN_CET] = st[SHANG_A_CET_Y_X] - st[SHANG_A_CET_Y_XK_X];
        st[SHANG_A_XGAIN_CET] = st[SHANG_A_CET_Y_K] - st[SHANG_A_CET_Y_XK_K];
        st[SHANG_A_ADV_TOP_CET] = st[SHANG_A_CET_Y_XTOP] - st[SHANG_A_CET_Y_K];
        st[SHANG_A_GAIN_CET_PREV] = st[SHANG_A_CET_Y_X] - st[SHANG_A_CET_Y_XP];
        st[SHANG_A_ADV_CTX_CET] = st[SHANG_A_CET_Y_CTXK] - st[SHANG_A_CET_Y_K];
        st[SHANG_A_ADV_XCLS_CET] = st[SHANG_A_CET_Y_XCLS] - st[SHANG_A_CET_Y_K];
    }
    free(wy);
    return rc;
}

static int boot_stat(const uint32_t *w, void *ctx, double *out) { return compute(ctx, w, 0, out); }

/* the baselines: K's labels permuted over the rows; Y permuted over its rows */
static int baselines(const struct ctx *c, double *st)
{
    gsl_rng *r;
    int rc = shang_rng_new(c->o->seed, SHANG_STREAM_BASELINE, c->o->stream, &r);
    if (rc) return rc;
    int32_t *kp = shang_alloc(c->N, sizeof *kp, "kp"), *kpy = shang_alloc(c->ny, sizeof *kpy, "kpy");
    int32_t *yp = shang_alloc(c->ny, sizeof *yp, "yp");
    shang_contingency *t = NULL;
    shang_cluster_scores sc;
    if (!kp || !kpy || !yp) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    if (!rc) {
        memcpy(kp, c->k, c->N * sizeof *kp);
        gsl_ran_shuffle(r, kp, c->N, sizeof *kp);
        rc = shang_contingency_new(c->x, kp, c->N, &t);
    }
    if (!rc && !(rc = shang_cluster_scores_of(t, 0, &sc))) {
        st[SHANG_A_RAND_H_K_X] = sc.h_b_given_a;
        st[SHANG_A_RAND_H_X_K] = sc.h_a_given_b;
        st[SHANG_A_RAND_MI_XK] = sc.mi;
    }
    shang_contingency_free(t);
    t = NULL;
    if (!rc && c->ny) {
        for (size_t j = 0; j < c->ny; j++) kpy[j] = kp[c->yrow[j]];
        if (!(rc = shang_contingency_new(kpy, c->yy, c->ny, &t)) && !(rc = shang_cluster_scores_of(t, 0, &sc))) {
            st[SHANG_A_RAND_MI_YK] = sc.mi;
            st[SHANG_A_RAND_H_Y_K] = sc.h_b_given_a;
        }
        shang_contingency_free(t);
        t = NULL;
        if (!rc) rc = heldout(c, kpy, &st[SHANG_A_RAND_CE_Y_K]);
        memcpy(yp, c->yy, c->ny * sizeof *yp);
        gsl_ran_shuffle(r, yp, c->ny, sizeof *yp);
        if (!rc && !(rc = shang_contingency_new(c->yk, yp, c->ny, &t)) && !(rc = shang_cluster_scores_of(t, 0, &sc))) {
            st[SHANG_A_SHUF_MI_YK] = sc.mi;
            st[SHANG_A_SHUF_H_Y_K] = sc.h_b_given_a;
        }
        shang_contingency_free(t);
    }
    shang_rng_free(r);
    free(kp); free(kpy); free(yp);
    return rc;
}

/* test (N): 1 for a held-out row, the given split (o->heldout) or
 * shang_heldout_split's by group: what shang_alias_layer and
 * shang_alias_token_classes both score against */
static int heldout_rows(const int32_t *group, const int32_t *y, size_t N, const shang_alias_opts *o, unsigned char *test)
{
    if (!o->heldout) return shang_heldout_split(group, y, N, o->heldout_frac, o->seed, test);
    for (size_t i = 0; i < N; i++) test[i] = o->heldout[i] != 0;
    return SHANG_OK;
}

/* Tunes the chains on the rows with a next token (at each level the smoother
 * with the lower cross-validated cross-entropy) and writes the choices into st.
 * Fewer training groups than folds: no chain (their statistics stay NaN). */
static int tune_chains(struct ctx *c, const int32_t *ygroup, double *st)
{
    const int folds = c->o->folds ? c->o->folds : 5;
    uint32_t *gid = shang_alloc(c->ny, sizeof *gid, "group ids");
    unsigned char *seen = NULL;
    size_t G = 0, Gtrain = 0;
    int rc = gid ? shang_dense_ids(ygroup, sizeof *ygroup, c->ny, gid, &G) : shang_err_code();
    if (!rc && !(seen = shang_zalloc(G, 1, "groups seen"))) rc = shang_err_code();
    for (size_t j = 0; !rc && j < c->ny; j++)
        if (!c->test[j] && !seen[gid[j]]) seen[gid[j]] = 1, Gtrain++;
    free(gid);
    free(seen);
    if (rc || Gtrain < (size_t)folds) {
        if (!rc) shang_log(SHANG_LOG_INFO, "alias: %zu training document groups for %d folds: no tuned estimates\n", Gtrain, folds);
        return rc;
    }
    int64_t *kx = shang_alloc(c->ny, sizeof *kx, "token keys"), *kk = shang_alloc(c->ny, sizeof *kk, "cluster keys");
    int64_t *kxk = shang_alloc(c->ny, sizeof *kxk, "token-cluster keys"), *kxt = shang_alloc(c->ny, sizeof *kxt, "cut tokens");
    int64_t *kxp = c->yxp ? shang_alloc(c->ny, sizeof *kxp, "context keys") : NULL;
    int64_t *kct = c->yxp ? shang_alloc(c->ny, sizeof *kct, "cut contexts") : NULL;
    int64_t *kcl = c->ycls ? shang_alloc(c->ny, sizeof *kcl, "token classes") : NULL;
    if (!kx || !kk || !kxk || !kxt || (c->yxp && (!kxp || !kct)) || (c->ycls && !kcl)) rc = shang_err_code();
    for (size_t j = 0; !rc && j < c->ny; j++) {
        kx[j] = c->yx[j];
        kk[j] = c->yk[j];
        kxk[j] = c->yxk[j];
        kxt[j] = c->yxt[j];
        if (kxp) kxp[j] = c->yxp[j], kct[j] = c->yctk[j];
        if (kcl) kcl[j] = c->ycls[j];
    }
    /* unigram; X and K above it; (X,K) above each: each level tuned once */
    const int64_t *const none[1] = {NULL};
    shang_smooth_opts so = {.method = SHANG_SMOOTH_AUTO, .folds = folds, .seed = c->o->seed};
    if (!rc) rc = shang_smooth_new(none, 1, c->yy, ygroup, c->test, c->ny, c->o->V, &so, &c->sm[CH_Y]);
    if (!rc) rc = shang_smooth_extend(c->sm[CH_Y], kx, &c->sm[CH_X]);
    if (!rc) rc = shang_smooth_extend(c->sm[CH_Y], kk, &c->sm[CH_K]);
    if (!rc) rc = shang_smooth_extend(c->sm[CH_X], kxk, &c->sm[CH_XK_X]);
    if (!rc) rc = shang_smooth_extend(c->sm[CH_K], kxk, &c->sm[CH_XK_K]);
    if (!rc) rc = shang_smooth_extend(c->sm[CH_Y], kxt, &c->sm[CH_XTOP]);
    if (!rc && kxp) rc = shang_smooth_extend(c->sm[CH_X], kxp, &c->sm[CH_XP]);
    if (!rc && kxp) rc = shang_smooth_extend(c->sm[CH_Y], kct, &c->sm[CH_CTXK]);
    if (!rc && kcl) rc = shang_smooth_extend(c->sm[CH_Y], kcl, &c->sm[CH_XCLS]);
    const int first[N_CHAINS] = {-1, SHANG_A_SM_X, SHANG_A_SM_K, SHANG_A_SM_XK_X, SHANG_A_SM_XK_K};
    static const char *const chain_name[N_CHAINS] = {"y", "x", "k", "xk_via_x", "xk_via_k", "xtop", "x_prev", "ctxk", "xclass"};
    static const char *const param_name[2][2] = {{"beta", ""}, {"d", "theta"}};
    for (int h = 0; !rc && c->o->smoothing && h < N_CHAINS; h++) {
        if (!c->sm[h]) continue;
        double grid[SHANG_SMOOTH_MAX_GRID];
        for (int m = 0; !rc && m < 2; m++)
            for (int k = 0; !rc && k < 2; k++) {
                size_t ng = shang_smoother_grid(m, k, grid), n;
                const double *cv = shang_smooth_cv_curve(c->sm[h], 0, m, k, &n);
                for (size_t g = 0; !rc && cv && g < ng; g++) {
                    shang_table *t = c->o->smoothing;
                    if ((rc = shang_table_push(t))) break;
                    shang_table_i64(t, 0, (int64_t)c->o->stream);
                    if ((rc = shang_table_str(t, 1, chain_name[h])) || (rc = shang_table_str(t, 2, shang_smoother_name(m))) ||
                        (rc = shang_table_str(t, 3, param_name[m][k])))
                        break;
                    shang_table_f64(t, 4, grid[g]);
                    shang_table_f64(t, 5, cv[g]);
                }
            }
    }
    for (int h = 1; !rc && h <= CH_XK_K; h++) { /* the finest level's choice */
        st[first[h]] = (double)shang_smooth_method(c->sm[h], 0);
        st[first[h] + 1] = shang_smooth_param(c->sm[h], 0, 0);
        st[first[h] + 2] = shang_smooth_param(c->sm[h], 0, 1);
    }
    free(kx); free(kk); free(kxk); free(kxt); free(kxp); free(kct); free(kcl);
    return rc;
}

int shang_alias_layer(const int32_t *x, const int32_t *y, const int32_t *k, const int32_t *doc, size_t N,
                      const shang_alias_opts *o, double *stats, double *lo, double *hi)
{
    for (int s = 0; s < SHANG_A_N_STATS; s++) stats[s] = lo[s] = hi[s] = NAN;
    if (N == 0) return SHANG_FAIL(SHANG_EINVAL, "no rows");
    if (!(o->alpha > 0) || o->V == 0 || !(o->heldout_frac > 0 && o->heldout_frac < 1))
        return SHANG_FAIL(SHANG_EINVAL, "alias needs alpha > 0, V > 0 and a held-out share in (0, 1)");
    struct ctx c = {.x = x, .k = k, .N = N, .o = o};
    const int32_t *group = o->group ? o->group : doc;
    if (o->folds && (o->folds < 2 || o->folds > 64)) return SHANG_FAIL(SHANG_EINVAL, "%d folds outside 2..64", o->folds);
    int rc = SHANG_OK;
    for (size_t i = 0; i < N; i++) {
        if (y[i] >= 0 && (size_t)y[i] >= o->V)
            return SHANG_FAIL(SHANG_EINVAL, "next token %d at row %zu is not below V = %zu", y[i], i, o->V);
        c.ny += y[i] >= 0;
    }
    size_t n1 = c.ny ? c.ny : 1;
    c.yrow = shang_alloc(n1, sizeof *c.yrow, "c.yrow");
    c.yx = shang_alloc(n1, sizeof *c.yx, "c.yx");
    c.yk = shang_alloc(n1, sizeof *c.yk, "c.yk");
    c.yxk = shang_alloc(n1, sizeof *c.yxk, "c.yxk");
    c.yy = shang_alloc(n1, sizeof *c.yy, "c.yy");
    c.yxt = shang_alloc(n1, sizeof *c.yxt, "c.yxt");
    c.test = shang_alloc(n1, 1, "c.test");
    int32_t *ydoc = shang_alloc(n1, sizeof *ydoc, "ydoc");
    if (!c.yrow || !c.yx || !c.yk || !c.yxk || !c.yy || !c.yxt || !c.test || !ydoc)
        rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t i = 0, j = 0; !rc && i < N; i++)
        if (y[i] >= 0) {
            c.yrow[j] = i;
            c.yx[j] = x[i];
            c.yk[j] = k[i];
            c.yy[j] = y[i];
            ydoc[j++] = group[i];
        }
    if (!rc && c.ny) rc = pair_ids(c.yx, c.yk, c.ny, c.yxk);
    if (!rc && c.ny) rc = top_values(x, k, N, c.yx, c.ny, c.yxt);
    int32_t *pid = NULL; /* (x, prev) ids of every row */
    if (!rc && c.ny && o->prev) {
        pid = shang_alloc(N, sizeof *pid, "context ids");
        c.yxp = shang_alloc(c.ny, sizeof *c.yxp, "context ids");
        c.yctk = shang_alloc(c.ny, sizeof *c.yctk, "cut contexts");
        rc = pid && c.yxp && c.yctk ? pair_ids(x, o->prev, N, pid) : shang_err_code();
        for (size_t j = 0; !rc && j < c.ny; j++) c.yxp[j] = pid[c.yrow[j]];
        if (!rc) rc = top_values(pid, k, N, c.yxp, c.ny, c.yctk);
    }
    free(pid);
    if (!rc && c.ny && o->xclass) {
        if (!(c.ycls = shang_alloc(c.ny, sizeof *c.ycls, "token classes"))) rc = shang_err_code();
        for (size_t j = 0; !rc && j < c.ny; j++) c.ycls[j] = o->xclass[c.yrow[j]];
    }
    /* held-out rows: given, or the groups shang_heldout_split holds out (the same
     * for every layer: their own stream) */
    if (!rc && c.ny) {
        unsigned char *t = shang_alloc(N, 1, "held-out rows");
        rc = t ? heldout_rows(group, y, N, o, t) : shang_err_code();
        for (size_t j = 0; !rc && j < c.ny; j++) c.test[j] = t[c.yrow[j]];
        free(t);
    }
    /* the tables' ids, once for the estimate and every replicate */
    if (!rc) rc = ftab_build(&c.fxk, x, k, N);
    const int32_t *conds[4] = {c.yx, c.yk, c.yxk, c.yxt};
    for (int v = 0; !rc && c.ny && v < 4; v++) rc = ftab_build(&c.fy[v], conds[v], c.yy, c.ny);
    if (!rc && !(c.zeros = shang_zalloc(n1, sizeof *c.zeros, "c.zeros"))) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    if (!rc && c.ny) rc = tune_chains(&c, ydoc, stats);
    double choice[SHANG_A_N_STATS];
    memcpy(choice, stats, sizeof choice);
    if (!rc) rc = compute(&c, NULL, 1, stats);
    for (int s = SHANG_A_SM_X; !rc && s <= SHANG_A_SM_XK_K_THETA; s++) stats[s] = choice[s];
    if (!rc) rc = baselines(&c, stats);
    if (!rc && o->bootstrap > 0) {
        shang_bootstrap_opts bo = {.replicates = o->bootstrap, .level = o->level, .seed = o->seed, .stream = o->stream};
        double sd[SHANG_A_N_STATS];
        rc = shang_bootstrap_groups(group, N, SHANG_A_N_STATS, boot_stat, &c, &bo, sd, NULL, NULL);
        /* normal intervals around the estimate (shang_bootstrap.h says why) */
        for (int s = 0; !rc && s < SHANG_A_N_STATS; s++) {
            if (stat_info[s].ci) shang_normal_interval(stats[s], sd[s], o->level, &lo[s], &hi[s]);
            else lo[s] = hi[s] = NAN;
        }
    }
    free(c.yrow); free(c.yx); free(c.yk); free(c.yxk); free(c.yy); free(c.yxt); free(c.test); free(c.zeros);
    free(c.yxp); free(c.yctk); free(c.ycls);
    ftab_free(&c.fxk);
    for (int v = 0; v < 4; v++) ftab_free(&c.fy[v]);
    for (int h = 0; h < N_CHAINS; h++) shang_smooth_free(c.sm[h]);
    free(ydoc);
    return rc;
}

int shang_alias_token_classes(const int32_t *x, const int32_t *y, const int32_t *group, size_t N,
                              const shang_alias_opts *o, size_t k, int32_t *cls)
{
    unsigned char *train = shang_alloc(N, 1, "training rows");
    int32_t *yy = shang_alloc(N, sizeof *yy, "next tokens");
    int rc = train && yy ? heldout_rows(group, y, N, o, train) : shang_err_code();
    for (size_t i = 0; !rc && i < N; i++) {
        train[i] = y[i] >= 0 && !train[i];
        yy[i] = y[i] >= 0 ? y[i] : 0; /* rows without a next token are not trained on */
    }
    int sw = 0;
    double L = 0;
    if (!rc) rc = shang_exchange(x, yy, train, N, o->V, k, 10, 2, o->seed, cls, &L, &sw);
    if (!rc) shang_log(SHANG_LOG_DEBUG, "alias: exchange classes, k = %zu: L = %.6g after %d sweeps\n", k, L, sw);
    free(train); free(yy);
    return rc;
}
