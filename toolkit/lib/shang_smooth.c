/* shang_smooth — see shang_smooth.h. */
#include "shang_smooth.h"
#include "shang_mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "shang_rng.h"
#include "shang_strmap.h"

#define N_DIRICHLET 27 /* beta = 2^k, k = -6..20 */
#define N_ABSDISC 20   /* d = 0.05 j, j = 1..20 */
#define N_THETA 28     /* 0, then the Dirichlet grid */
#define MAX_GRID SHANG_SMOOTH_MAX_GRID

struct level {
    uint32_t *cond, *cell; /* (n) dense ids of the item's condition and (condition, outcome) */
    uint32_t *cell_cond;   /* (n_cell) the condition of each cell */
    size_t n_cond, n_cell;
    int method;                     /* chosen */
    double p[2];                    /* chosen parameters (theta 0 for the Dirichlet) */
    double curve[2][2][MAX_GRID];   /* [method][parameter] CV curves (NaN: not run) */
};

struct shang_smooth {
    int L, F, method_opt;
    size_t n, V, max_cell, max_cond;
    struct level lev[SHANG_SMOOTH_MAX_LEVELS]; /* [0] the finest */
    int32_t *y;
    unsigned char *fold; /* (n) 0..F-1 for a training item, 255 for a test item */
    double *cvb;         /* (n) each training item's CV probability under the whole chain */
    double cv_ce;
};

const char *shang_smoother_name(int method)
{
    return method == SHANG_SMOOTH_DIRICHLET ? "dirichlet" : method == SHANG_SMOOTH_ABSDISC ? "absdisc"
                                            : method == SHANG_SMOOTH_AUTO ? "auto" : "?";
}

int shang_smoother_parse(const char *name, int *method)
{
    for (int m = 0; m < 3; m++)
        if (!strcmp(name, shang_smoother_name(m))) {
            *method = m;
            return SHANG_OK;
        }
    return SHANG_FAIL(SHANG_EINVAL, "'%s' is not dirichlet, absdisc or auto", name);
}

size_t shang_smoother_grid(int method, int k, double *g)
{
    if (method == SHANG_SMOOTH_DIRICHLET && k == 0) {
        for (int j = 0; g && j < N_DIRICHLET; j++) g[j] = ldexp(1.0, j - 6);
        return N_DIRICHLET;
    }
    if (method == SHANG_SMOOTH_ABSDISC && k == 0) {
        for (int j = 0; g && j < N_ABSDISC; j++) g[j] = 0.05 * (double)(j + 1);
        return N_ABSDISC;
    }
    if (method == SHANG_SMOOTH_ABSDISC && k == 1) {
        if (g) g[0] = 0;
        shang_smoother_grid(SHANG_SMOOTH_DIRICHLET, 0, g ? g + 1 : NULL);
        return N_THETA;
    }
    return 0;
}

/* q_l(y | c) from the counts n(c, y), n(c), T(c), the parameters and the back-off value b */
static inline double q_of(int method, const double *p, double ncy, double nc, double T, double b)
{
    if (nc <= 0) return b;
    if (method == SHANG_SMOOTH_DIRICHLET) return (ncy + p[0] * b) / (nc + p[0]);
    double a = ncy - p[0];
    return ((a > 0 ? a : 0) + (p[1] + p[0] * T) * b) / (nc + p[1]);
}

static void level_free(struct level *v)
{
    free(v->cond);
    free(v->cell);
    free(v->cell_cond);
    v->cond = v->cell = v->cell_cond = NULL; /* a chain's free() may meet it again */
}

void shang_smooth_free(shang_smooth *s)
{
    if (!s) return;
    for (int l = 0; l < s->L; l++) level_free(&s->lev[l]);
    free(s->y); free(s->fold); free(s->cvb);
    free(s);
}

int shang_smooth_levels(const shang_smooth *s) { return s->L; }
int shang_smooth_method(const shang_smooth *s, int level) { return level >= 0 && level < s->L ? s->lev[level].method : -1; }
double shang_smooth_param(const shang_smooth *s, int level, int k)
{
    if (level < 0 || level >= s->L || k < 0 || k > 1) return NAN;
    const struct level *v = &s->lev[level];
    return k == 1 && v->method == SHANG_SMOOTH_DIRICHLET ? NAN : v->p[k];
}
double shang_smooth_cv_ce(const shang_smooth *s) { return s->cv_ce; }
int shang_smooth_fold(const shang_smooth *s, size_t i) { return i < s->n && s->fold[i] != 255 ? s->fold[i] : -1; }
const double *shang_smooth_cv_curve(const shang_smooth *s, int level, int method, int k, size_t *n)
{
    *n = 0;
    if (level < 0 || level >= s->L || method < 0 || method > 1 || k < 0 || k > 1) return NULL;
    const double *c = s->lev[level].curve[method][k];
    if (!shang_smoother_grid(method, k, NULL) || isnan(c[0])) return NULL;
    *n = shang_smoother_grid(method, k, NULL);
    return c;
}

static int level_new(struct level *v, const int64_t *cond, const int32_t *y, size_t n)
{
    int64_t *keys = shang_alloc(n, 2 * sizeof *keys, "condition keys");
    v->cond = shang_alloc(n, sizeof *v->cond, "condition ids");
    v->cell = shang_alloc(n, sizeof *v->cell, "cell ids");
    if (!keys || !v->cond || !v->cell) {
        free(keys);
        return shang_err_code();
    }
    int rc = SHANG_OK;
    if (cond) rc = shang_dense_ids(cond, sizeof *cond, n, v->cond, &v->n_cond);
    else {
        memset(v->cond, 0, n * sizeof *v->cond);
        v->n_cond = 1;
    }
    for (size_t i = 0; !rc && i < n; i++) {
        keys[2 * i] = v->cond[i];
        keys[2 * i + 1] = y[i];
    }
    if (!rc) rc = shang_dense_ids(keys, 2 * sizeof *keys, n, v->cell, &v->n_cell);
    free(keys);
    if (!rc && !(v->cell_cond = shang_alloc(v->n_cell, sizeof *v->cell_cond, "cell conditions"))) rc = shang_err_code();
    for (size_t i = 0; !rc && i < n; i++) v->cell_cond[v->cell[i]] = v->cond[i];
    return rc;
}
static int assign_folds(shang_smooth *s, const int32_t *group, const unsigned char *test, uint64_t seed)
{
    const size_t n = s->n;
    size_t n_train = 0, G = 0;
    for (size_t i = 0; i < n; i++) n_train += !test[i];
    int32_t *g = shang_alloc(n_train, sizeof *g, "training groups");
    uint32_t *gid = shang_alloc(n_train, sizeof *gid, "group ids"), *perm = NULL;
    unsigned char *gfold = NULL;
    gsl_rng *r = NULL;
    int rc = g && gid ? SHANG_OK : shang_err_code();
    for (size_t i = 0, k = 0; !rc && i < n; i++)
        if (!test[i]) g[k++] = group[i];
    if (!rc) rc = shang_dense_ids(g, sizeof *g, n_train, gid, &G);
    if (!rc && G < (size_t)s->F)
        rc = SHANG_FAIL(SHANG_EINVAL, "%zu training document groups for %d folds", G, s->F);
    if (!rc && (!(perm = shang_alloc(G, sizeof *perm, "group order")) || !(gfold = shang_alloc(G, 1, "group folds"))))
        rc = shang_err_code();
    if (!rc) rc = shang_rng_new(seed, SHANG_STREAM_FOLDS, 0, &r);
    if (!rc) {
        for (size_t k = 0; k < G; k++) perm[k] = (uint32_t)k;
        for (size_t k = G - 1; k > 0; k--) { /* Fisher-Yates */
            size_t j = (size_t)gsl_rng_uniform_int(r, k + 1);
            uint32_t t = perm[k];
            perm[k] = perm[j];
            perm[j] = t;
        }
        for (size_t k = 0; k < G; k++) gfold[perm[k]] = (unsigned char)(k % (size_t)s->F);
        for (size_t i = 0, k = 0; i < n; i++) s->fold[i] = test[i] ? 255 : gfold[gid[k++]];
    }
    shang_rng_free(r);
    free(g); free(gid); free(perm); free(gfold);
    return rc;
}

/* -sum log q over training items, each under counts from the other folds (cc,
 * cn: [0] all training items, [1 + f] fold f's; ct: T_{-f}), b[i] the coarser
 * chain's CV probability; with out, out[i] becomes the item's q */
static double cv_pass(const shang_smooth *s, const struct level *v, const uint32_t *cc, const uint32_t *cn,
                      const uint32_t *ct, int method, const double *p, const double *b, double *out)
{
    /* fixed blocks summed in order: the same bits for any thread count */
    enum { BLOCKS = 64 };
    double part[BLOCKS];
    const size_t n = s->n;
#pragma omp parallel for schedule(static) if (n > 65536)
    for (int k = 0; k < BLOCKS; k++) {
        double acc = 0;
        for (size_t i = n * (size_t)k / BLOCKS; i < n * (size_t)(k + 1) / BLOCKS; i++) {
            if (s->fold[i] == 255) continue;
            size_t f = s->fold[i], c = v->cond[i], j = v->cell[i];
            double ncy = (double)(cc[j] - cc[(1 + f) * v->n_cell + j]);
            double nc = (double)(cn[c] - cn[(1 + f) * v->n_cond + c]);
            double q = q_of(method, p, ncy, nc, (double)ct[f * v->n_cond + c], b[i]);
            acc -= log(q);
            if (out) out[i] = q;
        }
        part[k] = acc;
    }
    double acc = 0;
    for (int k = 0; k < BLOCKS; k++) acc += part[k];
    return acc;
}

struct probe {
    const shang_smooth *s;
    const struct level *v;
    const uint32_t *cc, *cn, *ct;
    const double *b;
    int m, k, lg;
    double p[2], best, fbest; /* the best value seen and its CV sum */
};

/* the CV sum at t (log of the parameter where lg), noting the best */
static double probe_at(struct probe *q, double t)
{
    q->p[q->k] = q->lg ? exp(t) : t;
    double f = cv_pass(q->s, q->v, q->cc, q->cn, q->ct, q->m, q->p, q->b, NULL);
    if (f < q->fbest) q->fbest = f, q->best = q->p[q->k];
    return f;
}

/* Golden-section search for parameter k between the grid neighbours lo and hi
 * of the best grid value x0 (CV sum f0), in log scale where lo > 0, 10 steps:
 * the choice is not quantised to the grid (a coarse grid leaves a finer level a
 * spurious gain from re-smoothing its back-off). Returns the best value seen. */
static double refine(struct probe *q, double lo, double hi, double x0, double f0)
{
    if (!(hi > lo)) return x0;
    q->lg = lo > 0;
    q->best = x0;
    q->fbest = f0;
    const double r = 0.6180339887498949;
    double a = q->lg ? log(lo) : lo, z = q->lg ? log(hi) : hi;
    double x1 = z - r * (z - a), x2 = a + r * (z - a), f1 = probe_at(q, x1), f2 = probe_at(q, x2);
    for (int it = 0; it < 10; it++) {
        if (f1 <= f2) {
            z = x2, x2 = x1, f2 = f1;
            x1 = z - r * (z - a);
            f1 = probe_at(q, x1);
        } else {
            a = x1, x1 = x2, f1 = f2;
            x2 = a + r * (z - a);
            f2 = probe_at(q, x2);
        }
    }
    return q->best;
}

/* Tunes level v above the coarser chain whose CV probabilities are b: for each
 * smoother allowed, sweeps of its parameters (Dirichlet: beta; absolute
 * discounting: d, theta, d, then theta's curve at the final d), then the
 * smoother with the lower CV cross-entropy (ties: the Dirichlet); out[i]
 * becomes each training item's CV probability under the level. */
static int tune_level(const shang_smooth *s, struct level *v, const double *b, double *out, double *cv)
{
    const size_t F = (size_t)s->F, n = s->n;
    uint32_t *cc = shang_zalloc((F + 1) * v->n_cell, sizeof *cc, "CV cell counts");
    uint32_t *cn = shang_zalloc((F + 1) * v->n_cond, sizeof *cn, "CV condition counts");
    uint32_t *ct = shang_zalloc(F * v->n_cond, sizeof *ct, "CV outcome types");
    if (!cc || !cn || !ct) {
        free(cc); free(cn); free(ct);
        return shang_err_code();
    }
    size_t n_train = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->fold[i] == 255) continue;
        size_t f = 1 + s->fold[i];
        cc[v->cell[i]]++;
        cc[f * v->n_cell + v->cell[i]]++;
        cn[v->cond[i]]++;
        cn[f * v->n_cond + v->cond[i]]++;
        n_train++;
    }
    for (size_t j = 0; j < v->n_cell; j++) /* T_{-f}(c): cells of c seen outside fold f */
        for (size_t f = 0; f < F; f++)
            if (cc[j] > cc[(1 + f) * v->n_cell + j]) ct[f * v->n_cond + v->cell_cond[j]]++;
    for (int m = 0; m < 2; m++)
        for (int k = 0; k < 2; k++)
            for (int g = 0; g < MAX_GRID; g++) v->curve[m][k][g] = NAN;
    double best_cv = INFINITY, best_p[2] = {0, 0};
    int best_m = -1;
    for (int m = 0; m < 2; m++) {
        if (s->method_opt != SHANG_SMOOTH_AUTO && s->method_opt != m) continue;
        double p[2] = {0, 0}, grid[MAX_GRID];
        const int sweeps[4] = {0, 1, 0, 1}, n_sweeps = m == SHANG_SMOOTH_ABSDISC ? 4 : 1;
        for (int w = 0; w < n_sweeps; w++) {
            const int k = sweeps[w];
            const size_t ng = shang_smoother_grid(m, k, grid);
            const double keep = p[k];
            for (size_t g = 0; g < ng; g++) {
                p[k] = grid[g];
                v->curve[m][k][g] = cv_pass(s, v, cc, cn, ct, m, p, b, NULL) / (double)n_train;
            }
            size_t best = 0;
            for (size_t g = 1; g < ng; g++)
                if (v->curve[m][k][g] < v->curve[m][k][best]) best = g; /* ties: the smaller value */
            /* the last sweep only draws theta's curve at the final d: theta stays */
            if (w == 3) {
                p[k] = keep;
                continue;
            }
            struct probe q = {s, v, cc, cn, ct, b, m, k, 0, {p[0], p[1]}, 0, 0};
            p[k] = refine(&q, grid[best ? best - 1 : 0], grid[best + 1 < ng ? best + 1 : best], grid[best],
                          v->curve[m][k][best] * (double)n_train);
        }
        double c = cv_pass(s, v, cc, cn, ct, m, p, b, NULL) / (double)n_train;
        if (c < best_cv) best_cv = c, best_m = m, best_p[0] = p[0], best_p[1] = p[1];
    }
    v->method = best_m;
    v->p[0] = best_p[0];
    v->p[1] = best_p[1];
    *cv = cv_pass(s, v, cc, cn, ct, best_m, best_p, b, out) / (double)n_train;
    free(cc); free(cn); free(ct);
    return SHANG_OK;
}

/* an empty chain over n items: its outcomes, folds and CV values allocated, not filled */
static shang_smooth *chain_new(int F, int method_opt, size_t n, size_t V)
{
    shang_smooth *s = shang_zalloc(1, sizeof *s, "smoother");
    if (!s) return NULL;
    s->F = F;
    s->method_opt = method_opt;
    s->n = n;
    s->V = V;
    s->y = shang_alloc(n, sizeof *s->y, "outcomes");
    s->fold = shang_alloc(n, 1, "folds");
    s->cvb = shang_alloc(n, sizeof *s->cvb, "CV probabilities");
    if (!s->y || !s->fold || !s->cvb) {
        shang_smooth_free(s);
        return NULL;
    }
    return s;
}

static int level_copy(struct level *d, const struct level *v, size_t n)
{
    *d = *v;
    d->cond = shang_alloc(n, sizeof *d->cond, "condition ids");
    d->cell = shang_alloc(n, sizeof *d->cell, "cell ids");
    d->cell_cond = shang_alloc(v->n_cell, sizeof *d->cell_cond, "cell conditions");
    if (!d->cond || !d->cell || !d->cell_cond) {
        level_free(d);
        return shang_err_code();
    }
    memcpy(d->cond, v->cond, n * sizeof *d->cond);
    memcpy(d->cell, v->cell, n * sizeof *d->cell);
    memcpy(d->cell_cond, v->cell_cond, v->n_cell * sizeof *d->cell_cond);
    return SHANG_OK;
}

int shang_smooth_extend(const shang_smooth *below, const int64_t *cond, shang_smooth **out)
{
    *out = NULL;
    if (below->L >= SHANG_SMOOTH_MAX_LEVELS)
        return SHANG_FAIL(SHANG_EINVAL, "a chain of more than %d levels", SHANG_SMOOTH_MAX_LEVELS);
    shang_smooth *s = chain_new(below->F, below->method_opt, below->n, below->V);
    if (!s) return shang_err_code();
    memcpy(s->y, below->y, s->n * sizeof *s->y);
    memcpy(s->fold, below->fold, s->n);
    s->L = below->L + 1; /* lev[0] is filled last; freeing a zeroed level is harmless */
    int rc = SHANG_OK;
    for (int l = 0; !rc && l < below->L; l++) rc = level_copy(&s->lev[l + 1], &below->lev[l], s->n);
    if (!rc) rc = level_new(&s->lev[0], cond, s->y, s->n);
    if (!rc) {
        s->max_cell = below->max_cell > s->lev[0].n_cell ? below->max_cell : s->lev[0].n_cell;
        s->max_cond = below->max_cond > s->lev[0].n_cond ? below->max_cond : s->lev[0].n_cond;
        rc = tune_level(s, &s->lev[0], below->cvb, s->cvb, &s->cv_ce);
    }
    if (rc) {
        shang_smooth_free(s);
        return rc;
    }
    *out = s;
    return SHANG_OK;
}

int shang_smooth_new(const int64_t *const *cond, int n_levels, const int32_t *y, const int32_t *group,
                     const unsigned char *test, size_t n, size_t V, const shang_smooth_opts *o, shang_smooth **out)
{
    *out = NULL;
    if (n_levels < 1 || n_levels > SHANG_SMOOTH_MAX_LEVELS)
        return SHANG_FAIL(SHANG_EINVAL, "%d levels outside 1..%d", n_levels, SHANG_SMOOTH_MAX_LEVELS);
    if (o->folds < 2 || o->folds > 64) return SHANG_FAIL(SHANG_EINVAL, "%d folds outside 2..64", o->folds);
    if (o->method < 0 || o->method > SHANG_SMOOTH_AUTO) return SHANG_FAIL(SHANG_EINVAL, "unknown smoother %d", o->method);
    if (V == 0) return SHANG_FAIL(SHANG_EINVAL, "an empty outcome alphabet");
    size_t n_test = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] < 0 || (size_t)y[i] >= V)
            return SHANG_FAIL(SHANG_EINVAL, "outcome %d at item %zu is outside 0..%zu", y[i], i, V - 1);
        n_test += test[i] != 0;
    }
    if (!n_test) return SHANG_FAIL(SHANG_EINVAL, "no held-out item");
    /* the coarsest level, above the uniform distribution */
    shang_smooth *s = chain_new(o->folds, o->method, n, V);
    if (!s) return shang_err_code();
    s->L = 1;
    double *uni = shang_alloc(n, sizeof *uni, "uniform");
    int rc = uni ? SHANG_OK : shang_err_code();
    if (!rc) {
        memcpy(s->y, y, n * sizeof *y);
        rc = assign_folds(s, group, test, o->seed);
    }
    if (!rc) rc = level_new(&s->lev[0], cond[n_levels - 1], y, n);
    if (!rc) {
        s->max_cell = s->lev[0].n_cell;
        s->max_cond = s->lev[0].n_cond;
        for (size_t i = 0; i < n; i++) uni[i] = 1.0 / (double)V;
        rc = tune_level(s, &s->lev[0], uni, s->cvb, &s->cv_ce);
    }
    free(uni);
    /* then each finer level above the chain so far */
    for (int l = n_levels - 2; !rc && l >= 0; l--) {
        shang_smooth *t = NULL;
        rc = shang_smooth_extend(s, cond[l], &t);
        shang_smooth_free(s);
        s = t;
    }
    if (rc) {
        shang_smooth_free(s);
        return rc;
    }
    *out = s;
    return SHANG_OK;
}

int shang_smooth_ce(const shang_smooth *s, const uint32_t *w, double *ce)
{
    *ce = NAN;
    const size_t n = s->n;
    double *ncell = shang_alloc(s->max_cell, sizeof *ncell, "cell counts");
    double *ncond = shang_alloc(s->max_cond, sizeof *ncond, "condition counts");
    double *ntype = shang_alloc(s->max_cond, sizeof *ntype, "outcome types");
    double *b = shang_alloc(n, sizeof *b, "back-off values");
    if (!ncell || !ncond || !ntype || !b) {
        free(ncell); free(ncond); free(ntype); free(b);
        return shang_err_code();
    }
    for (size_t i = 0; i < n; i++) b[i] = 1.0 / (double)s->V;
    for (int l = s->L - 1; l >= 0; l--) {
        const struct level *v = &s->lev[l];
        memset(ncell, 0, v->n_cell * sizeof *ncell);
        memset(ncond, 0, v->n_cond * sizeof *ncond);
        memset(ntype, 0, v->n_cond * sizeof *ntype);
        for (size_t i = 0; i < n; i++) {
            double wi = w ? w[i] : 1;
            if (s->fold[i] == 255 || !wi) continue;
            ncell[v->cell[i]] += wi;
            ncond[v->cond[i]] += wi;
        }
        for (size_t j = 0; j < v->n_cell; j++) ntype[v->cell_cond[j]] += ncell[j] > 0;
        for (size_t i = 0; i < n; i++) {
            if (s->fold[i] != 255) continue;
            size_t c = v->cond[i];
            b[i] = q_of(v->method, v->p, ncell[v->cell[i]], ncond[c], ntype[c], b[i]);
        }
    }
    double sum = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1;
        if (s->fold[i] != 255 || !wi) continue;
        sum -= wi * log(b[i]);
        m += wi;
    }
    *ce = m > 0 ? sum / m : NAN;
    free(ncell); free(ncond); free(ntype); free(b);
    return SHANG_OK;
}
