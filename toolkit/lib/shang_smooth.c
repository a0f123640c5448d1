/* shang_smooth — see shang_smooth.h. */
#include "shang_smooth.h"
#include "shang_mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "shang_rng.h"
#include "shang_strmap.h"

#define N_DIRICHLET 53 /* beta = 2^(k/2), k = -12..40 */
#define N_ABSDISC 50   /* d = 0.02 j, j = 1..50 */
#define N_THETA 54     /* 0, then the Dirichlet grid */
#define MAX_GRID SHANG_SMOOTH_MAX_GRID

struct level {
    uint32_t *cond, *cell; /* (n) dense ids of the item's condition and (condition, outcome) */
    uint32_t *cell_cond;   /* (n_cell) the condition of each cell */
    size_t n_cond, n_cell;
};

struct shang_smooth {
    int L, method, F;
    size_t n, V, n_grid;
    struct level lev[SHANG_SMOOTH_MAX_LEVELS];
    int32_t *y;
    unsigned char *fold; /* (n) 0..F-1 for a training item, 255 for a test item */
    double grid[2][MAX_GRID];
    size_t n_grid2;
    double param[SHANG_SMOOTH_MAX_LEVELS][2];
    double curve[SHANG_SMOOTH_MAX_LEVELS][2][MAX_GRID];
    double cv_ce;
    size_t max_cell, max_cond; /* the largest level's, for shang_smooth_ce's counts */
};

const char *shang_smoother_name(int method)
{
    return method == SHANG_SMOOTH_DIRICHLET ? "dirichlet" : method == SHANG_SMOOTH_ABSDISC ? "absdisc" : "?";
}

int shang_smoother_parse(const char *name, int *method)
{
    if (!strcmp(name, "dirichlet")) *method = SHANG_SMOOTH_DIRICHLET;
    else if (!strcmp(name, "absdisc")) *method = SHANG_SMOOTH_ABSDISC;
    else return SHANG_FAIL(SHANG_EINVAL, "'%s' is not dirichlet or absdisc", name);
    return SHANG_OK;
}

size_t shang_smoother_grid(int method, int k, double *g)
{
    if (method == SHANG_SMOOTH_DIRICHLET && k == 0) {
        for (int j = 0; g && j < N_DIRICHLET; j++) g[j] = pow(2.0, (double)(j - 12) / 2.0);
        return N_DIRICHLET;
    }
    if (method == SHANG_SMOOTH_ABSDISC && k == 0) {
        for (int j = 0; g && j < N_ABSDISC; j++) g[j] = 0.02 * (double)(j + 1);
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

void shang_smooth_free(shang_smooth *s)
{
    if (!s) return;
    for (int l = 0; l < s->L; l++) {
        free(s->lev[l].cond);
        free(s->lev[l].cell);
        free(s->lev[l].cell_cond);
    }
    free(s->y); free(s->fold);
    free(s);
}

double shang_smooth_param(const shang_smooth *s, int level, int k)
{
    return level >= 0 && level < s->L && k >= 0 && k < 2 && (k == 0 || s->n_grid2) ? s->param[level][k] : NAN;
}
double shang_smooth_cv_ce(const shang_smooth *s) { return s->cv_ce; }
int shang_smooth_fold(const shang_smooth *s, size_t i) { return i < s->n && s->fold[i] != 255 ? s->fold[i] : -1; }
const double *shang_smooth_cv_curve(const shang_smooth *s, int level, int k, size_t *n)
{
    *n = k == 0 ? s->n_grid : k == 1 ? s->n_grid2 : 0;
    return *n && level >= 0 && level < s->L ? s->curve[level][k] : (*n = 0, NULL);
}

/* dense ids of a level's conditions and cells */
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

/* -sum log q over training items, each under counts from the other folds (cc,
 * cn: [0] all training items, [1 + f] fold f's; ct: T_{-f}); with update, b[i]
 * becomes the item's q */
static double cv_pass(const shang_smooth *s, const struct level *v, const uint32_t *cc, const uint32_t *cn,
                      const uint32_t *ct, const double *p, double *b, int update)
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
            double q = q_of(s->method, p, ncy, nc, (double)ct[f * v->n_cond + c], b[i]);
            acc -= log(q);
            if (update) b[i] = q;
        }
        part[k] = acc;
    }
    double acc = 0;
    for (int k = 0; k < BLOCKS; k++) acc += part[k];
    return acc;
}

/* Tunes level l above the chosen coarser levels: b[i] holds, for each training
 * item, the coarser chain's probability of y[i] under counts from the other
 * folds; on return the chosen parameter is set and b[i] is level l's value. */
static int tune_level(shang_smooth *s, int l, double *b, double *cv)
{
    const struct level *v = &s->lev[l];
    const size_t F = (size_t)s->F, n = s->n;
    /* counts: [0] all training items, [1 + f] fold f's */
    uint32_t *cc = shang_zalloc((F + 1) * v->n_cell, sizeof *cc, "CV cell counts");
    uint32_t *cn = shang_zalloc((F + 1) * v->n_cond, sizeof *cn, "CV condition counts");
    uint32_t *ct = shang_zalloc(F * v->n_cond, sizeof *ct, "CV outcome types");
    int rc = cc && cn && ct ? SHANG_OK : shang_err_code();
    size_t n_train = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        if (s->fold[i] == 255) continue;
        size_t f = 1 + s->fold[i];
        cc[v->cell[i]]++;
        cc[f * v->n_cell + v->cell[i]]++;
        cn[v->cond[i]]++;
        cn[f * v->n_cond + v->cond[i]]++;
        n_train++;
    }
    /* T_{-f}(c): cells of c seen outside fold f */
    for (size_t j = 0; !rc && j < v->n_cell; j++)
        for (size_t f = 0; f < F; f++)
            if (cc[j] > cc[(1 + f) * v->n_cell + j]) ct[f * v->n_cond + v->cell_cond[j]]++;
    /* a sweep of parameter k over its grid, the other held: the curve and the argmin */
    double p[2] = {0, 0};
    const int sweeps[4] = {0, 1, 0, 1}, n_sweeps = s->n_grid2 ? 4 : 1;
    for (int w = 0; !rc && w < n_sweeps; w++) {
        const int k = sweeps[w];
        const size_t ng = k ? s->n_grid2 : s->n_grid;
        const double keep = p[k];
        for (size_t g = 0; g < ng; g++) {
            p[k] = s->grid[k][g];
            s->curve[l][k][g] = cv_pass(s, v, cc, cn, ct, p, b, 0) / (double)n_train;
        }
        size_t best = 0;
        for (size_t g = 1; g < ng; g++)
            if (s->curve[l][k][g] < s->curve[l][k][best]) best = g; /* ties: the smaller value */
        /* the last sweep only draws theta's curve at the final d: theta stays */
        p[k] = w == 3 ? keep : s->grid[k][best];
    }
    if (!rc) {
        s->param[l][0] = p[0];
        s->param[l][1] = p[1];
        *cv = cv_pass(s, v, cc, cn, ct, p, b, 1) / (double)n_train;
    }
    free(cc); free(cn); free(ct);
    return rc;
}

/* folds of the training items' groups: a seeded permutation of the groups, dealt round-robin */
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

int shang_smooth_new(const int64_t *const *cond, int n_levels, const int32_t *y, const int32_t *group,
                     const unsigned char *test, size_t n, size_t V, const shang_smooth_opts *o, shang_smooth **out)
{
    *out = NULL;
    if (n_levels < 1 || n_levels > SHANG_SMOOTH_MAX_LEVELS)
        return SHANG_FAIL(SHANG_EINVAL, "%d levels outside 1..%d", n_levels, SHANG_SMOOTH_MAX_LEVELS);
    if (o->folds < 2 || o->folds > 64) return SHANG_FAIL(SHANG_EINVAL, "%d folds outside 2..64", o->folds);
    if (o->method != SHANG_SMOOTH_DIRICHLET && o->method != SHANG_SMOOTH_ABSDISC)
        return SHANG_FAIL(SHANG_EINVAL, "unknown smoother %d", o->method);
    if (V == 0) return SHANG_FAIL(SHANG_EINVAL, "an empty outcome alphabet");
    size_t n_test = 0;
    for (size_t i = 0; i < n; i++) {
        if (y[i] < 0 || (size_t)y[i] >= V)
            return SHANG_FAIL(SHANG_EINVAL, "outcome %d at item %zu is outside 0..%zu", y[i], i, V - 1);
        n_test += test[i] != 0;
    }
    if (!n_test) return SHANG_FAIL(SHANG_EINVAL, "no held-out item");
    shang_smooth *s = shang_zalloc(1, sizeof *s, "smoother");
    if (!s) return shang_err_code();
    s->L = n_levels;
    s->method = o->method;
    s->F = o->folds;
    s->n = n;
    s->V = V;
    s->n_grid = shang_smoother_grid(o->method, 0, s->grid[0]);
    s->n_grid2 = shang_smoother_grid(o->method, 1, s->grid[1]);
    s->y = shang_alloc(n, sizeof *s->y, "outcomes");
    s->fold = shang_alloc(n, 1, "folds");
    double *b = shang_alloc(n, sizeof *b, "back-off values");
    int rc = s->y && s->fold && b ? SHANG_OK : shang_err_code();
    if (!rc) {
        memcpy(s->y, y, n * sizeof *y);
        rc = assign_folds(s, group, test, o->seed);
    }
    for (int l = 0; !rc && l < n_levels; l++) {
        rc = level_new(&s->lev[l], cond[l], y, n);
        if (!rc && s->lev[l].n_cell > s->max_cell) s->max_cell = s->lev[l].n_cell;
        if (!rc && s->lev[l].n_cond > s->max_cond) s->max_cond = s->lev[l].n_cond;
    }
    /* tune from the coarsest level up; b starts at the uniform distribution */
    for (size_t i = 0; !rc && i < n; i++) b[i] = 1.0 / (double)V;
    for (int l = n_levels - 1; !rc && l >= 0; l--) rc = tune_level(s, l, b, &s->cv_ce);
    free(b);
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
            b[i] = q_of(s->method, s->param[l], ncell[v->cell[i]], ncond[c], ntype[c], b[i]);
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
