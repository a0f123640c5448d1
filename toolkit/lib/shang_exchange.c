/* shang_exchange — see shang_exchange.h. */
#include "shang_exchange.h"
#include "shang_mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "shang_rng.h"
#include "shang_strmap.h"

static inline double g(double t) { return t > 0 ? t * log(t) : 0; }

struct tok {
    int32_t x;    /* the token's own id */
    double m;     /* training rows */
    size_t first; /* its cells: [first, first + nnz) of the CSR arrays */
    size_t nnz;
};

static int by_frequency(const void *a, const void *b)
{
    const struct tok *p = *(struct tok *const *)a, *q = *(struct tok *const *)b;
    return p->m != q->m ? (p->m < q->m ? 1 : -1) : (p->x > q->x) - (p->x < q->x);
}

/* class counts of the assignment tcls into N (k, V) and nc (k), then exchange
 * sweeps from it; returns L recounted from the final counts */
static double climb(const struct tok *tk, struct tok *const *order, size_t T, const size_t *pos, const double *ccount,
                    const int32_t *cy, const uint32_t *ctok, size_t C, size_t V, size_t k, int max_sweeps,
                    int32_t *tcls, double *N, double *nc, double *gain, int *sweeps)
{
    memset(N, 0, k * V * sizeof *N);
    memset(nc, 0, k * sizeof *nc);
    for (size_t c = 0; c < C; c++) {
        size_t b = (size_t)tcls[ctok[c]];
        N[b * V + (size_t)cy[c]] += ccount[c];
        nc[b] += ccount[c];
    }
    double L = 0;
    for (size_t b = 0; b < k; b++) {
        for (size_t v = 0; v < V; v++) L += g(N[b * V + v]);
        L -= g(nc[b]);
    }
    int sw = 0;
    while (sw < max_sweeps) {
        size_t moved = 0;
        sw++;
        for (size_t r = 0; r < T; r++) {
            const struct tok *t = order[r];
            if (t->m <= 0) continue;
            const size_t a = (size_t)tcls[t - tk];
            /* take the token out of its class, then the class it adds most to */
            for (size_t q = 0; q < t->nnz; q++) {
                size_t c = pos[t->first + q];
                N[a * V + (size_t)cy[c]] -= ccount[c];
            }
            nc[a] -= t->m;
            /* the gain of each class, each by one thread in a fixed order; the
             * argmax serially (ties: the smaller class): the same for any thread count */
#pragma omp parallel for schedule(static) if (k * t->nnz > 1024)
            for (size_t b = 0; b < k; b++) {
                double G = -(g(nc[b] + t->m) - g(nc[b]));
                for (size_t q = 0; q < t->nnz; q++) {
                    size_t c = pos[t->first + q];
                    double nby = N[b * V + (size_t)cy[c]];
                    G += g(nby + ccount[c]) - g(nby);
                }
                gain[b] = G;
            }
            double best = -INFINITY, at_a = gain[a];
            size_t bb = a;
            for (size_t b = 0; b < k; b++)
                if (gain[b] > best) best = gain[b], bb = b;
            if (!(best > at_a + 1e-9 * (fabs(L) + 1))) bb = a; /* not worth a move: stay */
            for (size_t q = 0; q < t->nnz; q++) {
                size_t c = pos[t->first + q];
                N[bb * V + (size_t)cy[c]] += ccount[c];
            }
            nc[bb] += t->m;
            if (bb != a) {
                L += best - at_a;
                tcls[t - tk] = (int32_t)bb;
                moved++;
            }
        }
        if (!moved) break;
    }
    *sweeps = sw;
    L = 0; /* recounted, not accumulated */
    for (size_t b = 0; b < k; b++) {
        for (size_t v = 0; v < V; v++) L += g(N[b * V + v]);
        L -= g(nc[b]);
    }
    return L;
}

int shang_exchange(const int32_t *x, const int32_t *y, const unsigned char *w, size_t n, size_t V, size_t k,
                   int max_sweeps, int restarts, uint64_t seed, int32_t *cls, double *loglik, int *sweeps)
{
    if (restarts < 1) return SHANG_FAIL(SHANG_EINVAL, "%d restarts: at least 1", restarts);
    if (k < 2) return SHANG_FAIL(SHANG_EINVAL, "%zu classes: at least 2", k);
    if (max_sweeps < 1) return SHANG_FAIL(SHANG_EINVAL, "%d sweeps: at least 1", max_sweeps);
    for (size_t i = 0; i < n; i++)
        if ((!w || w[i]) && (y[i] < 0 || (size_t)y[i] >= V))
            return SHANG_FAIL(SHANG_EINVAL, "next token %d at row %zu is outside 0..%zu", y[i], i, V - 1);
    size_t T = 0, C = 0;
    uint32_t *tid = shang_alloc(n, sizeof *tid, "token ids"), *cell = shang_alloc(n, sizeof *cell, "cell ids");
    int64_t *key = shang_alloc(n, 2 * sizeof *key, "cell keys");
    int rc = tid && cell && key ? SHANG_OK : shang_err_code();
    if (!rc) rc = shang_dense_ids(x, sizeof *x, n, tid, &T);
    /* the training (token, next token) cells, in CSR by token */
    size_t nt = 0;
    for (size_t i = 0; !rc && i < n; i++)
        if (!w || w[i]) {
            key[2 * nt] = tid[i];
            key[2 * nt + 1] = y[i];
            nt++;
        }
    if (!rc) rc = shang_dense_ids(key, 2 * sizeof *key, nt, cell, &C);
    struct tok *tk = rc ? NULL : shang_zalloc(T, sizeof *tk, "tokens");
    struct tok **order = rc ? NULL : shang_alloc(T, sizeof *order, "token order");
    double *ccount = rc ? NULL : shang_zalloc(C, sizeof *ccount, "cell counts");
    int32_t *cy = rc ? NULL : shang_alloc(C, sizeof *cy, "cell outcomes");
    uint32_t *ctok = rc ? NULL : shang_alloc(C, sizeof *ctok, "cell tokens");
    size_t *pos = rc ? NULL : shang_alloc(C, sizeof *pos, "cell order");
    int32_t *tcls = rc ? NULL : shang_alloc(T, sizeof *tcls, "token classes");
    double *N = rc ? NULL : shang_zalloc(k * V, sizeof *N, "class counts"), *nc = rc ? NULL : shang_zalloc(k, sizeof *nc, "class sizes");
    if (!rc && (!tk || !order || !ccount || !cy || !ctok || !pos || !tcls || !N || !nc)) rc = shang_err_code();
    for (size_t i = 0; !rc && i < n; i++) tk[tid[i]].x = x[i];
    for (size_t j = 0; !rc && j < nt; j++) {
        ccount[cell[j]] += 1;
        cy[cell[j]] = (int32_t)key[2 * j + 1];
        ctok[cell[j]] = (uint32_t)key[2 * j];
    }
    if (!rc) { /* counting sort of the cells by token */
        for (size_t c = 0; c < C; c++) tk[ctok[c]].nnz++, tk[ctok[c]].m += ccount[c];
        size_t at = 0;
        for (size_t t = 0; t < T; t++) tk[t].first = at, at += tk[t].nnz, tk[t].nnz = 0;
        for (size_t c = 0; c < C; c++) pos[tk[ctok[c]].first + tk[ctok[c]].nnz++] = c;
        for (size_t t = 0; t < T; t++) order[t] = &tk[t];
        qsort(order, T, sizeof *order, by_frequency);
    }
    int sw = 0;
    double L = -INFINITY;
    int32_t *best = rc ? NULL : shang_alloc(T, sizeof *best, "best classes");
    double *gain = rc ? NULL : shang_alloc(k, sizeof *gain, "class gains");
    gsl_rng *r = NULL;
    if (!rc && (!best || !gain)) rc = shang_err_code();
    if (!rc && restarts > 1) rc = shang_rng_new(seed, SHANG_STREAM_KMEANS, UINT64_C(1) << 41, &r);
    for (int s0 = 0; !rc && s0 < restarts; s0++) {
        /* start: Brown's (restart 0), else every token in a class drawn uniformly */
        for (size_t q = 0; q < T; q++)
            tcls[order[q] - tk] = s0 == 0 ? (int32_t)(q + 1 < k ? q : k - 1) : (int32_t)gsl_rng_uniform_int(r, k);
        int n_sw = 0;
        double l = climb(tk, order, T, pos, ccount, cy, ctok, C, V, k, max_sweeps, tcls, N, nc, gain, &n_sw);
        if (l > L) { /* ties: the earlier restart */
            L = l;
            sw = n_sw;
            memcpy(best, tcls, T * sizeof *best);
        }
    }
    if (!rc) memcpy(tcls, best, T * sizeof *tcls);
    shang_rng_free(r);
    free(best);
    free(gain);
    if (!rc) {
        for (size_t i = 0; i < n; i++) cls[i] = tcls[tid[i]];
        if (loglik) *loglik = L;
        if (sweeps) *sweeps = sw;
    }
    free(tid); free(cell); free(key); free(tk); free(order); free(ccount); free(cy); free(ctok); free(pos);
    free(tcls); free(N); free(nc);
    return rc;
}
