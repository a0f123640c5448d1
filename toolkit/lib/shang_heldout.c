/* shang_heldout — see shang_heldout.h. */
#include "shang_heldout.h"
#include "shang_mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "shang_rng.h"
#include "shang_states.h"
#include "shang_strmap.h"

int shang_heldout_ce_ids(const uint32_t *cond, const uint32_t *cell, const int32_t *y, const uint32_t *w,
                         const unsigned char *test, size_t n, size_t n_cond, size_t n_cell, double alpha, size_t V,
                         double *scratch, double *ce)
{
    *ce = NAN;
    if (!(alpha > 0) || V == 0) return SHANG_FAIL(SHANG_EINVAL, "add-alpha needs alpha > 0 and V > 0");
    double *nc = scratch, *ncy = scratch + n_cond, *uni = scratch + n_cond + n_cell, ntr = 0;
    memset(scratch, 0, (n_cond + n_cell + V) * sizeof *scratch);
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1;
        if (test[i] || !wi) continue;
        nc[cond[i]] += wi;
        ncy[cell[i]] += wi;
        uni[y[i]] += wi;
        ntr += wi;
    }
    double aV = alpha * (double)V, sum = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        double wi = w ? w[i] : 1;
        if (!test[i] || !wi) continue;
        double q0 = (uni[y[i]] + alpha) / (ntr + aV);
        sum -= wi * log((ncy[cell[i]] + aV * q0) / (nc[cond[i]] + aV));
        m += wi;
    }
    *ce = m > 0 ? sum / m : NAN; /* no weighted test item: undefined, not an error */
    return SHANG_OK;
}

int shang_heldout_ce(const int64_t *c_train, const int32_t *y_train, const uint32_t *w_train, size_t n_train,
                     const int64_t *c_test, const int32_t *y_test, const uint32_t *w_test, size_t n_test,
                     double alpha, size_t V, double *ce)
{
    *ce = NAN;
    if (!(alpha > 0) || V == 0) return SHANG_FAIL(SHANG_EINVAL, "add-alpha needs alpha > 0 and V > 0");
    for (size_t i = 0; i < n_train; i++)
        if (y_train[i] < 0 || (size_t)y_train[i] >= V)
            return SHANG_FAIL(SHANG_EINVAL, "training outcome %d at item %zu is outside 0..%zu", y_train[i], i, V - 1);
    for (size_t i = 0; i < n_test; i++)
        if (y_test[i] < 0 || (size_t)y_test[i] >= V)
            return SHANG_FAIL(SHANG_EINVAL, "test outcome %d at item %zu is outside 0..%zu", y_test[i], i, V - 1);
    /* the two sets as one list of items: conditions, cells, outcomes, weights */
    size_t n = n_train + n_test, n_cond = 0, n_cell = 0;
    int64_t *keys = shang_alloc(n * 2, sizeof *keys, "keys");
    uint32_t *cond = shang_alloc(n, sizeof *cond, "cond"), *cell = shang_alloc(n, sizeof *cell, "cell");
    uint32_t *w = (w_train || w_test) ? shang_alloc(n, sizeof *w, "w") : NULL;
    int32_t *y = shang_alloc(n, sizeof *y, "y");
    unsigned char *test = shang_alloc(n, 1, "test");
    double *scratch = NULL;
    int rc = keys && cond && cell && y && test && (w || !(w_train || w_test))
                 ? SHANG_OK
                 : SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) {
        int tr = i < n_train;
        size_t j = tr ? i : i - n_train;
        keys[i] = tr ? c_train[j] : c_test[j];
        y[i] = tr ? y_train[j] : y_test[j];
        test[i] = !tr;
        if (w) w[i] = tr ? (w_train ? w_train[j] : 1) : (w_test ? w_test[j] : 1);
    }
    if (!rc) rc = shang_dense_ids(keys, sizeof *keys, n, cond, &n_cond);
    for (size_t i = 0; !rc && i < n; i++) { /* (condition, outcome) pairs */
        keys[2 * i] = cond[i];
        keys[2 * i + 1] = y[i];
    }
    if (!rc) rc = shang_dense_ids(keys, 2 * sizeof *keys, n, cell, &n_cell);
    if (!rc && !(scratch = shang_alloc((n_cond + n_cell + V), sizeof *scratch, "scratch")))
        rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    if (!rc) rc = shang_heldout_ce_ids(cond, cell, y, w, test, n, n_cond, n_cell, alpha, V, scratch, ce);
    free(keys); free(cond); free(cell); free(w); free(y); free(test); free(scratch);
    return rc;
}

int shang_heldout_split(const int32_t *group, const int32_t *next, size_t N, double frac, uint64_t seed,
                        unsigned char *test)
{
    if (!(frac > 0 && frac < 1)) return SHANG_FAIL(SHANG_EINVAL, "held-out share %g outside (0, 1)", frac);
    memset(test, 0, N);
    size_t ny = 0, D = 0;
    for (size_t i = 0; i < N; i++) ny += next[i] >= 0;
    if (!ny) return SHANG_OK;
    /* dense ids of all rows' groups, numbered by first appearance among the rows with a next token */
    int32_t *yg = shang_alloc(ny, sizeof *yg, "groups");
    uint32_t *dense = shang_alloc(ny, sizeof *dense, "group ids");
    size_t *dord = NULL;
    unsigned char *is_test = NULL;
    gsl_rng *r = NULL;
    shang_strmap *m = NULL;
    int rc = yg && dense ? SHANG_OK : shang_err_code();
    for (size_t i = 0, j = 0; !rc && i < N; i++)
        if (next[i] >= 0) yg[j++] = group[i];
    if (!rc) rc = shang_dense_ids(yg, sizeof *yg, ny, dense, &D);
    if (!rc && (!(is_test = shang_zalloc(D, 1, "held-out groups")) || !(dord = shang_alloc(D, sizeof *dord, "group order"))))
        rc = shang_err_code();
    if (!rc) rc = shang_rng_new(seed, SHANG_STREAM_SUBSAMPLE, UINT64_C(1) << 40, &r);
    if (!rc) {
        for (size_t d = 0; d < D; d++) dord[d] = d;
        gsl_ran_shuffle(r, dord, D, sizeof *dord);
        size_t nt = (size_t)(frac * (double)D + 0.5);
        if (nt < 1) nt = 1;
        for (size_t d = 0; d < nt && D > 1; d++) is_test[dord[d]] = 1;
    }
    /* every row of a held-out group: its group's dense id through a map */
    if (!rc) rc = shang_strmap_new(D, &m);
    for (size_t j = 0; !rc && j < ny; j++) {
        uint64_t *v = shang_strmap_put(m, &yg[j], sizeof *yg, NULL);
        if (!v) rc = shang_err_code();
        else *v = dense[j];
    }
    for (size_t i = 0; !rc && i < N; i++) {
        const uint64_t *v = shang_strmap_get(m, &group[i], sizeof *group);
        test[i] = v && is_test[*v];
    }
    shang_strmap_free(m);
    shang_rng_free(r);
    free(yg); free(dense); free(dord); free(is_test);
    return rc;
}

int shang_heldout_states(const shang_states *s, const int32_t *group, double frac, uint64_t seed, unsigned char *keep,
                         unsigned char **test)
{
    *test = NULL;
    int32_t *doc = NULL, *next = NULL;
    unsigned char *t = shang_alloc(s->N, 1, "held-out rows");
    int rc = t ? SHANG_OK : shang_err_code();
    if (!rc && !group) rc = shang_states_column(s, "doc", &doc);
    if (!rc) rc = shang_states_column(s, "next_tokens", &next);
    if (!rc) rc = shang_heldout_split(group ? group : doc, next, s->N, frac, seed, t);
    for (size_t i = 0; !rc && keep && i < s->N; i++) keep[i] = keep[i] && !t[i];
    free(doc);
    free(next);
    if (rc) free(t);
    else *test = t;
    return rc;
}
