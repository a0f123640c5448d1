/* shang_kmeans — see shang_kmeans.h. */
#include "shang_kmeans.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shang_blas.h"
#include "shang_mem.h"
#include "shang_rng.h"

#define ROWS 2048 /* rows per distance block */

void shang_kmeans_free(shang_kmeans *k)
{
    if (!k) return;
    free(k->centers);
    free(k->labels);
    free(k->history);
    free(k);
}

/* For each row i: the nearest of the K centres c (K, D) (ties: the smaller index)
 * and its squared distance. x2 (N) = |x_i|^2. G is a (ROWS, K) scratch. */
static void assign(const float *x, const double *x2, size_t N, size_t D, const float *c, const double *c2, size_t K,
                   float *G, int32_t *label, double *dist)
{
    for (size_t r0 = 0; r0 < N; r0 += ROWS) {
        size_t n = N - r0 < ROWS ? N - r0 : ROWS;
        shang_sgemm(false, true, n, K, D, 1.0f, x + r0 * D, D, c, D, 0.0f, G, K);
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) {
            double best = DBL_MAX;
            int32_t arg = 0;
            for (size_t k = 0; k < K; k++) {
                double d = x2[r0 + i] - 2.0 * G[i * K + k] + c2[k];
                if (d < best) {
                    best = d;
                    arg = (int32_t)k;
                }
            }
            label[r0 + i] = arg;
            dist[r0 + i] = best > 0 ? best : 0;
        }
    }
}

/* Rows idx[0..n) (all rows if idx is NULL): nearest and second-nearest centre by
 * full GEMM distances; label, ub = distance to the nearest, lb = to the second. */
static void assign2(const float *x, const double *x2, const size_t *idx, size_t n, size_t D, const float *c,
                    const double *c2, size_t K, float *G, float *rows, int32_t *label, double *ub, double *lb)
{
    for (size_t r0 = 0; r0 < n; r0 += ROWS) {
        size_t m = n - r0 < ROWS ? n - r0 : ROWS;
        const float *src = x + r0 * D;
        if (idx) {
            for (size_t i = 0; i < m; i++) memcpy(rows + i * D, x + idx[r0 + i] * D, D * sizeof *rows);
            src = rows;
        }
        shang_sgemm(false, true, m, K, D, 1.0f, src, D, c, D, 0.0f, G, K);
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < m; i++) {
            size_t row = idx ? idx[r0 + i] : r0 + i;
            double b1 = DBL_MAX, b2 = DBL_MAX;
            int32_t arg = 0;
            for (size_t k = 0; k < K; k++) {
                double d = x2[row] - 2.0 * G[i * K + k] + c2[k];
                if (d < b1) {
                    b2 = b1;
                    b1 = d;
                    arg = (int32_t)k;
                } else if (d < b2) {
                    b2 = d;
                }
            }
            label[row] = arg;
            ub[row] = sqrt(b1 > 0 ? b1 : 0);
            lb[row] = K > 1 ? sqrt(b2 > 0 ? b2 : 0) : DBL_MAX;
        }
    }
}

/* exact |x - c| in double */
static double dist_direct(const float *x, const float *c, size_t D)
{
    double s = 0;
    for (size_t d = 0; d < D; d++) {
        double t = (double)x[d] - c[d];
        s += t * t;
    }
    return sqrt(s);
}

/* |c_k|^2 of the K centres, in double */
static void centre_norms(const float *c, size_t K, size_t D, double *c2)
{
    for (size_t k = 0; k < K; k++) {
        double t = 0;
        for (size_t d = 0; d < D; d++) t += (double)c[k * D + d] * c[k * D + d];
        c2[k] = t;
    }
}

static void norms(const float *x, size_t N, size_t D, double *out)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < N; i++) {
        double s = 0;
        for (size_t d = 0; d < D; d++) s += (double)x[i * D + d] * x[i * D + d];
        out[i] = s;
    }
}

/* index of the row drawn with probability proportional to w (total `sum`) */
static size_t draw(const double *w, size_t N, double sum, gsl_rng *r)
{
    double u = gsl_rng_uniform(r) * sum, acc = 0;
    for (size_t i = 0; i < N; i++) {
        acc += w[i];
        if (u < acc) return i;
    }
    return N - 1;
}

/* greedy k-means++ into c (K, D) float */
static int seed_pp(const float *x, const double *x2, size_t N, size_t D, size_t K, gsl_rng *r, float *c)
{
    size_t trials = 2 + (size_t)log((double)K);
    double *d2 = malloc(N * sizeof *d2), *cand_d = malloc(N * trials * sizeof *cand_d), *c2 = malloc(trials * sizeof *c2);
    float *G = malloc((size_t)ROWS * trials * sizeof *G), *cc = malloc(trials * D * sizeof *cc);
    int32_t *lab = malloc(N * sizeof *lab);
    double *dist = malloc(N * sizeof *dist);
    size_t *idx = malloc(trials * sizeof *idx);
    if (!d2 || !cand_d || !c2 || !G || !cc || !lab || !dist || !idx) {
        free(d2); free(cand_d); free(c2); free(G); free(cc); free(lab); free(dist); free(idx);
        return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate k-means++ seeding");
    }
    size_t first = (size_t)gsl_rng_uniform_int(r, N);
    memcpy(c, x + first * D, D * sizeof *c);
    double cn = x2[first];
    assign(x, x2, N, D, c, &cn, 1, G, lab, d2);
    for (size_t k = 1; k < K; k++) {
        double pot = 0;
        for (size_t i = 0; i < N; i++) pot += d2[i];
        for (size_t t = 0; t < trials; t++) {
            idx[t] = pot > 0 ? draw(d2, N, pot, r) : (size_t)gsl_rng_uniform_int(r, N);
            memcpy(cc + t * D, x + idx[t] * D, D * sizeof *cc);
            c2[t] = x2[idx[t]];
        }
        /* distances of every row to every candidate */
        for (size_t r0 = 0; r0 < N; r0 += ROWS) {
            size_t n = N - r0 < ROWS ? N - r0 : ROWS;
            shang_sgemm(false, true, n, trials, D, 1.0f, x + r0 * D, D, cc, D, 0.0f, G, trials);
            for (size_t i = 0; i < n; i++)
                for (size_t t = 0; t < trials; t++) {
                    double d = x2[r0 + i] - 2.0 * G[i * trials + t] + c2[t];
                    cand_d[t * N + r0 + i] = d > 0 ? d : 0;
                }
        }
        size_t best = 0;
        double best_pot = DBL_MAX;
        for (size_t t = 0; t < trials; t++) {
            double p = 0;
            for (size_t i = 0; i < N; i++) p += fmin(d2[i], cand_d[t * N + i]);
            if (p < best_pot) {
                best_pot = p;
                best = t;
            }
        }
        memcpy(c + k * D, cc + best * D, D * sizeof *c);
        for (size_t i = 0; i < N; i++) d2[i] = fmin(d2[i], cand_d[best * N + i]);
    }
    free(d2); free(cand_d); free(c2); free(G); free(cc); free(lab); free(dist); free(idx);
    return SHANG_OK;
}

/* New centres: the mean of each cluster's rows, summed per cluster in row order
 * (counting sort); an empty cluster takes the farthest row (by dist) not yet
 * taken. Returns the summed squared movement of the (float) centres. */
static double update_centres(const float *x, size_t N, size_t D, size_t K, const int32_t *label, const double *dist,
                             float *cf, double *sum, size_t *count, size_t *start, size_t *order, unsigned char *taken)
{
    memset(count, 0, K * sizeof *count);
    for (size_t i = 0; i < N; i++) count[label[i]]++;
    start[0] = 0;
    for (size_t k = 0; k < K; k++) start[k + 1] = start[k] + count[k];
    memcpy(count, start, K * sizeof *count);
    for (size_t i = 0; i < N; i++) order[count[label[i]]++] = i;
#pragma omp parallel for schedule(dynamic, 4)
    for (size_t k = 0; k < K; k++) {
        double *s = sum + k * D;
        memset(s, 0, D * sizeof *s);
        for (size_t j = start[k]; j < start[k + 1]; j++)
            for (size_t d = 0; d < D; d++) s[d] += x[order[j] * D + d];
    }
    memset(taken, 0, N);
    double shift = 0;
    for (size_t k = 0; k < K; k++) {
        size_t n = start[k + 1] - start[k];
        double *s = sum + k * D;
        if (n == 0) {
            size_t far = 0;
            double fd = -1;
            for (size_t i = 0; i < N; i++)
                if (!taken[i] && dist[i] > fd) {
                    fd = dist[i];
                    far = i;
                }
            taken[far] = 1;
            for (size_t d = 0; d < D; d++) s[d] = x[far * D + d];
            n = 1;
        }
        for (size_t d = 0; d < D; d++) {
            float v = (float)(s[d] / (double)n); /* the centre as stored: a fixed point shifts by 0 */
            double diff = (double)v - cf[k * D + d];
            shift += diff * diff;
            cf[k * D + d] = v;
        }
    }
    return shift;
}

/* one restart: Lloyd from the centres in cf (K, D) float */
static int lloyd(const float *x, const double *x2, size_t N, size_t D, size_t K, const shang_kmeans_opts *o,
                 double tol_abs, float *cf, int32_t *label, double *inertia, int *iters, double *history)
{
    double *dist = malloc(N * sizeof *dist), *c2 = malloc(K * sizeof *c2), *sum = malloc(K * D * sizeof *sum);
    float *G = malloc((size_t)ROWS * K * sizeof *G);
    size_t *count = malloc(K * sizeof *count), *start = malloc((K + 1) * sizeof *start), *order = malloc(N * sizeof *order);
    unsigned char *taken = malloc(N);
    int rc = dist && c2 && sum && G && count && start && order && taken ? SHANG_OK
                                                                         : SHANG_FAIL(SHANG_ENOMEM, "cannot allocate k-means");
    int it = 0;
    for (it = 0; !rc && it < o->max_iter; it++) {
        centre_norms(cf, K, D, c2);
        assign(x, x2, N, D, cf, c2, K, G, label, dist);
        double in = 0;
        for (size_t i = 0; i < N; i++) in += dist[i];
        history[it] = in;
        double shift = update_centres(x, N, D, K, label, dist, cf, sum, count, start, order, taken);
        if (shift <= tol_abs) {
            it++;
            break;
        }
    }
    if (!rc) { /* final assignment to the final centres */
        centre_norms(cf, K, D, c2);
        assign(x, x2, N, D, cf, c2, K, G, label, dist);
        double in = 0;
        for (size_t i = 0; i < N; i++) in += dist[i];
        *inertia = in;
        *iters = it;
    }
    free(dist); free(c2); free(sum); free(G); free(count); free(start); free(order); free(taken);
    return rc;
}


/* one restart with Hamerly's bounds (Hamerly 2010): ub[i] >= |x_i - c_a(i)|,
 * lb[i] <= distance to the second-nearest centre, s[j] = half the distance from
 * c_j to its nearest other centre. A row keeps its centre when ub <= max(s, lb)
 * (after tightening ub); only the rest get all K distances (by GEMM). The
 * comparison keeps a 1e-5 relative margin against rounding. */
static int hamerly(const float *x, const double *x2, size_t N, size_t D, size_t K, const shang_kmeans_opts *o,
                   double tol_abs, float *cf, int32_t *label, double *inertia, int *iters, double *history)
{
    double *ub = malloc(N * sizeof *ub), *lb = malloc(N * sizeof *lb), *dist = malloc(N * sizeof *dist);
    double *c2 = malloc(K * sizeof *c2), *sj = malloc(K * sizeof *sj), *drift = malloc(K * sizeof *drift);
    double *sum = malloc(K * D * sizeof *sum);
    float *G = malloc((size_t)ROWS * K * sizeof *G), *rows = malloc((size_t)ROWS * D * sizeof *rows);
    float *old = malloc(K * D * sizeof *old), *CC = malloc(K * K * sizeof *CC);
    size_t *count = malloc(K * sizeof *count), *start = malloc((K + 1) * sizeof *start), *order = malloc(N * sizeof *order);
    size_t *need = malloc(N * sizeof *need);
    unsigned char *taken = malloc(N), *flag = malloc(N);
    int rc = ub && lb && dist && c2 && sj && drift && sum && G && rows && old && CC && count && start && order && need &&
                     taken && flag
                 ? SHANG_OK
                 : SHANG_FAIL(SHANG_ENOMEM, "cannot allocate k-means");
    int it = 0;
    if (!rc) {
        centre_norms(cf, K, D, c2);
        assign2(x, x2, NULL, N, D, cf, c2, K, G, rows, label, ub, lb);
    }
    for (it = 0; !rc && it < o->max_iter; it++) {
        double in = 0;
        for (size_t i = 0; i < N; i++) in += (dist[i] = ub[i] * ub[i]);
        history[it] = in; /* an upper bound: exact for rows whose distance was just computed */
        memcpy(old, cf, K * D * sizeof *old);
        double shift = update_centres(x, N, D, K, label, dist, cf, sum, count, start, order, taken);
        if (shift <= tol_abs) {
            it++;
            break;
        }
        size_t r1 = 0, r2 = K > 1 ? 1 : 0;
        for (size_t k = 0; k < K; k++) drift[k] = dist_direct(cf + k * D, old + k * D, D);
        centre_norms(cf, K, D, c2);
        for (size_t k = 0; k < K; k++)
            if (drift[k] > drift[r1]) r1 = k;
        r2 = r1 == 0 && K > 1 ? 1 : 0;
        for (size_t k = 0; k < K; k++)
            if (k != r1 && drift[k] > drift[r2]) r2 = k;
        /* half the distance from each centre to its nearest other centre */
        shang_sgemm(false, true, K, K, D, 1.0f, cf, D, cf, D, 0.0f, CC, K);
        for (size_t j = 0; j < K; j++) {
            double mn = DBL_MAX;
            for (size_t k = 0; k < K; k++)
                if (k != j) {
                    double d2 = c2[j] + c2[k] - 2.0 * CC[j * K + k];
                    mn = d2 < mn ? d2 : mn;
                }
            sj[j] = K > 1 ? 0.5 * sqrt(mn > 0 ? mn : 0) : DBL_MAX;
        }
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < N; i++) {
            size_t a = (size_t)label[i];
            ub[i] += drift[a];
            lb[i] -= a == r1 ? drift[r2] : drift[r1];
            double m = (sj[a] > lb[i] ? sj[a] : lb[i]) * (1 - 1e-5);
            flag[i] = 0;
            if (ub[i] > m) {
                ub[i] = dist_direct(x + i * D, cf + a * D, D);
                flag[i] = ub[i] > m;
            }
        }
        size_t n_need = 0;
        for (size_t i = 0; i < N; i++)
            if (flag[i]) need[n_need++] = i;
        assign2(x, x2, need, n_need, D, cf, c2, K, G, rows, label, ub, lb);
    }
    if (!rc) { /* final assignment to the final centres, all distances */
        centre_norms(cf, K, D, c2);
        assign(x, x2, N, D, cf, c2, K, G, label, dist);
        double in = 0;
        for (size_t i = 0; i < N; i++) in += dist[i];
        *inertia = in;
        *iters = it;
    }
    free(ub); free(lb); free(dist); free(c2); free(sj); free(drift); free(sum); free(G); free(rows); free(old);
    free(CC); free(count); free(start); free(order); free(need); free(taken); free(flag);
    return rc;
}

int shang_kmeans_fit(const float *x, size_t N, size_t D, const shang_kmeans_opts *o, shang_kmeans **out)
{
    *out = NULL;
    const size_t K = o->K;
    if (N == 0 || D == 0) return SHANG_FAIL(SHANG_EINVAL, "no data (%zu x %zu)", N, D);
    if (K < 1 || K > N) return SHANG_FAIL(SHANG_EINVAL, "%zu clusters for %zu rows", K, N);
    if (o->n_init < 1 || o->max_iter < 1 || !(o->tol >= 0)) return SHANG_FAIL(SHANG_EINVAL, "bad k-means settings");
    if (o->init && o->n_init != 1) return SHANG_FAIL(SHANG_EINVAL, "given initial centres need n_init = 1");
    for (size_t i = 0; i < N * D; i++)
        if (!isfinite(x[i])) return SHANG_FAIL(SHANG_ENUMERIC, "row %zu is NaN or infinite", i / D);
    shang_kmeans *km = calloc(1, sizeof *km);
    double *x2 = malloc(N * sizeof *x2), *hist = malloc((size_t)o->max_iter * sizeof *hist);
    float *cf = malloc(K * D * sizeof *cf), *best_c = malloc(K * D * sizeof *best_c);
    int32_t *lab = malloc(N * sizeof *lab);
    int rc = km && x2 && hist && cf && best_c && lab ? SHANG_OK : SHANG_FAIL(SHANG_ENOMEM, "cannot allocate k-means");
    if (!rc) {
        km->K = K;
        km->D = D;
        km->N = N;
        km->labels = malloc(N * sizeof *km->labels);
        km->centers = malloc(K * D * sizeof *km->centers);
        km->history = malloc((size_t)o->max_iter * sizeof *km->history);
        if (!km->labels || !km->centers || !km->history) rc = SHANG_FAIL(SHANG_ENOMEM, "cannot allocate k-means");
    }
    /* tolerance relative to the mean feature variance (scikit-learn's) */
    double tol_abs = 0;
    if (!rc) {
        norms(x, N, D, x2);
        for (size_t d = 0; d < D; d++) {
            double m = 0, v = 0;
            for (size_t i = 0; i < N; i++) m += x[i * D + d];
            m /= (double)N;
            for (size_t i = 0; i < N; i++) v += (x[i * D + d] - m) * (x[i * D + d] - m);
            tol_abs += v / (double)N;
        }
        tol_abs = o->tol * tol_abs / (double)D;
    }
    double best = DBL_MAX;
    for (int r = 0; !rc && r < o->n_init; r++) {
        gsl_rng *g;
        if ((rc = shang_rng_new(o->seed, SHANG_STREAM_KMEANS, (uint64_t)r, &g))) break;
        if (o->init) memcpy(cf, o->init, K * D * sizeof *cf);
        else rc = seed_pp(x, x2, N, D, K, g, cf);
        shang_rng_free(g);
        double inertia;
        int iters;
        if (!rc) rc = (o->hamerly ? hamerly : lloyd)(x, x2, N, D, K, o, tol_abs, cf, lab, &inertia, &iters, hist);
        if (!rc && inertia < best) {
            best = inertia;
            memcpy(best_c, cf, K * D * sizeof *cf);
            memcpy(km->labels, lab, N * sizeof *lab);
            memcpy(km->history, hist, (size_t)iters * sizeof *hist);
            km->iterations = iters;
        }
    }
    if (!rc) { /* labels in order of first appearance; centres follow */
        int32_t *map = malloc(K * sizeof *map);
        if (!map) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        for (size_t k = 0; !rc && k < K; k++) map[k] = -1;
        int32_t next = 0;
        for (size_t i = 0; !rc && i < N; i++)
            if (map[km->labels[i]] < 0) map[km->labels[i]] = next++;
        for (size_t k = 0; !rc && k < K; k++)
            if (map[k] < 0) map[k] = next++; /* a centre nobody is nearest to */
        for (size_t i = 0; !rc && i < N; i++) km->labels[i] = map[km->labels[i]];
        for (size_t k = 0; !rc && k < K; k++)
            for (size_t d = 0; d < D; d++) km->centers[(size_t)map[k] * D + d] = best_c[k * D + d];
        km->inertia = best;
        free(map);
    }
    free(x2);
    free(hist);
    free(cf);
    free(best_c);
    free(lab);
    if (rc) shang_kmeans_free(km);
    else *out = km;
    return rc;
}
