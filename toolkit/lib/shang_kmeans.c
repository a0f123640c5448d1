/* shang_kmeans — see shang_kmeans.h. */
#include "shang_kmeans.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "shang_blas.h"
#include "shang_h5.h"
#include "shang_kernels.h"
#include "shang_mem.h"
#include "shang_rng.h"

#define ROWS 2048 /* rows per distance block */

static const char *const algorithm_names[] = {"lloyd", "yinyang", "minibatch"};

int shang_kmeans_algorithm_parse(const char *name, int *algorithm)
{
    for (int a = 0; a < 3; a++)
        if (!strcmp(name, algorithm_names[a])) {
            *algorithm = a;
            return SHANG_OK;
        }
    return SHANG_FAIL(SHANG_EINVAL, "'%s' is not lloyd, yinyang or minibatch", name);
}

const char *shang_kmeans_algorithm_name(int algorithm)
{
    return algorithm >= 0 && algorithm < 3 ? algorithm_names[algorithm] : "unknown";
}

void shang_kmeans_free(shang_kmeans *k)
{
    if (!k) return;
    free(k->centers);
    free(k->labels);
    free(k->history);
    free(k);
}

/* exact |x - c|^2 in double */
static double sq_direct(const float *x, const float *c, size_t D)
{
    double s = 0;
    for (size_t d = 0; d < D; d++) {
        double t = (double)x[d] - c[d];
        s += t * t;
    }
    return s;
}

/* For each row i: the nearest of the K centres c (K, D) and its squared distance,
 * exact in double. The float GEMM (|x|^2 - 2 x.c + |c|^2) shortlists: every
 * centre within the GEMM's rounding error of the minimum (|2 x.c| is off by at
 * most about 1e-5 (|x|^2 + |c|^2) in float) is measured directly, the nearest
 * kept (ties: the smaller index). x2 (N) = |x_i|^2; G is a (ROWS, K) scratch.
 * With lb (N, T), also each row's Yinyang bounds: the distance to the nearest
 * centre of each group (gid: the centres' groups) other than the row's own,
 * lowered by the GEMM's possible error. */
static void assign(const float *x, const double *x2, size_t N, size_t D, const float *c, const double *c2, size_t K,
                   float *G, int32_t *label, double *dist, const int32_t *gid, size_t T, float *lb)
{
    for (size_t r0 = 0; r0 < N; r0 += ROWS) {
        size_t n = N - r0 < ROWS ? N - r0 : ROWS;
        shang_sgemm(false, true, n, K, D, 1.0f, x + r0 * D, D, c, D, 0.0f, G, K);
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) {
            const float *g = G + i * K, *xi = x + (r0 + i) * D;
            const double xx = x2[r0 + i];
            double m = DBL_MAX;
#pragma omp simd reduction(min : m)
            for (size_t k = 0; k < K; k++) {
                double v = c2[k] - 2.0 * g[k];
                m = v < m ? v : m;
            }
            size_t arg = 0;
            double best = DBL_MAX;
            for (size_t k = 0; k < K; k++)
                if (c2[k] - 2.0 * g[k] <= m + 1e-5 * (xx + c2[k])) {
                    double d = sq_direct(xi, c + k * D, D);
                    if (d < best) {
                        best = d;
                        arg = k;
                    }
                }
            label[r0 + i] = (int32_t)arg;
            dist[r0 + i] = best;
            if (!lb) continue;
            float *L = lb + (r0 + i) * T;
            for (size_t t = 0; t < T; t++) L[t] = FLT_MAX;
            for (size_t k = 0; k < K; k++) {
                if (k == arg) continue;
                float d = (float)(xx - 2.0 * g[k] + c2[k] - 1e-5 * (xx + c2[k]));
                if (d < L[gid[k]]) L[gid[k]] = d;
            }
            for (size_t t = 0; t < T; t++) L[t] = L[t] > 0 ? sqrtf(L[t]) * (1 - 1e-6f) : 0;
        }
    }
}

/* exact |x - c| in double */
static double dist_direct(const float *x, const float *c, size_t D)
{
    return sqrt(sq_direct(x, c, D));
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

/* Greedy k-means++ into c (K, D) float. Each new centre: 2 + ln K candidates
 * drawn with probability proportional to the squared distance to the nearest
 * centre so far, the one lowering the potential most kept. Only rows a candidate
 * can move are measured: a row of cluster j (radius R_j, the largest distance of
 * its rows to c_j) is nearer to candidate c than to c_j only if
 * |c - c_j| < 2 R_j (triangle inequality), so whole clusters are skipped and the
 * work shrinks as centres are added. Distances by shang_k_sqdist. */
static int seed_pp(const float *x, size_t N, size_t D, size_t K, gsl_rng *r, float *c)
{
    const size_t trials = 2 + (size_t)log((double)K); /* < 32 for any K that fits in memory */
    double *d2 = shang_alloc(N, sizeof *d2, "d2"), *R = shang_alloc(K, sizeof *R, "R"), *cand = shang_alloc(N * trials, sizeof *cand, "cand");
    double *gain = shang_alloc(trials, sizeof *gain, "gain"), *cc = shang_alloc(trials * K, sizeof *cc, "cc");
    int32_t *lab = shang_zalloc(N, sizeof *lab, "lab");
    size_t *idx = shang_alloc(trials, sizeof *idx, "idx"), *rows = shang_alloc(N, sizeof *rows, "rows");
    uint32_t *hit = shang_alloc(K, sizeof *hit, "hit"); /* per cluster: the candidates that can take its rows */
    if (!d2 || !R || !cand || !gain || !cc || !lab || !idx || !rows || !hit) {
        free(d2); free(R); free(cand); free(gain); free(cc); free(lab); free(idx); free(rows); free(hit);
        return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate k-means++ seeding");
    }
    size_t first = (size_t)gsl_rng_uniform_int(r, N);
    memcpy(c, x + first * D, D * sizeof *c);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < N; i++) d2[i] = shang_k_sqdist(x + i * D, c, D);
    R[0] = 0;
    for (size_t i = 0; i < N; i++) R[0] = fmax(R[0], sqrt(d2[i]));
    for (size_t k = 1; k < K; k++) {
        double pot = 0;
        for (size_t i = 0; i < N; i++) pot += d2[i];
        /* the candidates, and the clusters they can take rows from */
        memset(hit, 0, k * sizeof *hit);
        for (size_t t = 0; t < trials; t++) {
            idx[t] = pot > 0 ? draw(d2, N, pot, r) : (size_t)gsl_rng_uniform_int(r, N);
            const float *ct = x + idx[t] * D;
#pragma omp parallel for schedule(static)
            for (size_t j = 0; j < k; j++) {
                cc[t * K + j] = shang_k_sqdist(ct, c + j * D, D);
                if (sqrt(cc[t * K + j]) < 2 * R[j] * (1 + 1e-5) + 1e-30) hit[j] |= 1u << t;
            }
        }
        size_t n = 0;
        for (size_t i = 0; i < N; i++)
            if (hit[lab[i]]) rows[n++] = i;
#pragma omp parallel for schedule(static)
        for (size_t m = 0; m < n; m++)
            for (size_t t = 0; t < trials; t++) {
            {
                size_t i = rows[m], j = (size_t)lab[i];
                /* the row itself: nearer to the candidate only if |c - c_j|^2 < 4 d2 */
                cand[m * trials + t] = cc[t * K + j] < 4 * d2[i] * (1 + 1e-5) + 1e-30
                                           ? shang_k_sqdist(x + i * D, x + idx[t] * D, D)
                                           : DBL_MAX;
            }
            }
        size_t best = 0;
        for (size_t t = 0; t < trials; t++) {
            gain[t] = 0;
            for (size_t m = 0; m < n; m++) gain[t] += fmin(cand[m * trials + t] - d2[rows[m]], 0);
            if (gain[t] < gain[best]) best = t;
        }
        memcpy(c + k * D, x + idx[best] * D, D * sizeof *c);
        /* move the rows the new centre takes; the radii of the clusters touched */
        for (size_t j = 0; j < k; j++)
            if (hit[j]) R[j] = 0;
        R[k] = 0;
        for (size_t m = 0; m < n; m++) {
            size_t i = rows[m];
            if (cand[m * trials + best] < d2[i]) {
                d2[i] = cand[m * trials + best];
                lab[i] = (int32_t)k;
            }
            R[lab[i]] = fmax(R[lab[i]], sqrt(d2[i]));
        }
    }
    free(d2); free(R); free(cand); free(gain); free(cc); free(lab); free(idx); free(rows); free(hit);
    return SHANG_OK;
}

/* mini-batch seeding (scikit-learn's): greedy k-means++ on max(3 batch, 3 K)
 * rows drawn without replacement (all rows if N is smaller) */
static int seed_subsample(const float *x, size_t N, size_t D, size_t K, const shang_kmeans_opts *o, gsl_rng *r,
                          float *c)
{
    size_t B = o->batch ? o->batch : 1024, n = 3 * (B > K ? B : K);
    if (n >= N) return seed_pp(x, N, D, K, r, c);
    size_t *all = shang_alloc(N, sizeof *all, "all"), *pick = shang_alloc(n, sizeof *pick, "pick");
    float *sx = shang_alloc(n * D, sizeof *sx, "sx");
    int rc = all && pick && sx ? SHANG_OK : SHANG_FAIL(SHANG_ENOMEM, "cannot allocate k-means seeding");
    if (!rc) {
        for (size_t i = 0; i < N; i++) all[i] = i;
        gsl_ran_choose(r, pick, n, all, N, sizeof *all); /* in row order */
        for (size_t i = 0; i < n; i++) memcpy(sx + i * D, x + pick[i] * D, D * sizeof *sx);
        rc = seed_pp(sx, n, D, K, r, c);
    }
    free(all); free(pick); free(sx);
    return rc;
}

/* Each cluster's sum and count of rows, kept up to date by moving only the rows
 * whose label changed (in row order: the same sums for any thread count) */
typedef struct sums {
    double *sum;    /* (K, D) */
    size_t *count;  /* (K) */
    int32_t *prev;  /* (N) the label each row is counted under, -1: none yet */
    unsigned char *taken;
} sums;

static void sums_free(sums *s)
{
    free(s->sum);
    free(s->count);
    free(s->prev);
    free(s->taken);
}

static int sums_init(sums *s, size_t N, size_t D, size_t K)
{
    s->sum = shang_zalloc(K * D, sizeof *s->sum, "s->sum");
    s->count = shang_zalloc(K, sizeof *s->count, "s->count");
    s->prev = shang_alloc(N, sizeof *s->prev, "s->prev");
    s->taken = shang_alloc(N, 1, "s->taken");
    if (!s->sum || !s->count || !s->prev || !s->taken) {
        sums_free(s);
        return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate k-means sums");
    }
    for (size_t i = 0; i < N; i++) s->prev[i] = -1;
    return SHANG_OK;
}

/* New centres into cf: the mean of each cluster's rows; an empty cluster takes
 * the row farthest from its centre (dist: exact squared distances to the centres
 * the rows were assigned to; NULL: measured here) not yet taken. Returns the
 * summed squared movement of the (float) centres. */
static double update_centres(const float *x, size_t N, size_t D, size_t K, const int32_t *label, const double *dist,
                             float *cf, sums *s)
{
    for (size_t i = 0; i < N; i++) {
        int32_t a = s->prev[i], b = label[i];
        if (a == b) continue;
        const float *xi = x + i * D;
        if (a >= 0) {
            double *sa = s->sum + (size_t)a * D;
            for (size_t d = 0; d < D; d++) sa[d] -= xi[d];
            s->count[a]--;
        }
        double *sb = s->sum + (size_t)b * D;
        for (size_t d = 0; d < D; d++) sb[d] += xi[d];
        s->count[b]++;
        s->prev[i] = b;
    }
    double *own = NULL;
    int empty = 0;
    for (size_t k = 0; k < K; k++) empty |= s->count[k] == 0;
    if (empty && !dist) {
        own = shang_alloc(N, sizeof *own, "own");
        if (own) {
#pragma omp parallel for schedule(static)
            for (size_t i = 0; i < N; i++) own[i] = sq_direct(x + i * D, cf + (size_t)label[i] * D, D);
        }
        dist = own; /* out of memory: the first free row instead of the farthest */
    }
    if (empty) memset(s->taken, 0, N);
    double shift = 0;
    for (size_t k = 0; k < K; k++) {
        size_t n = s->count[k];
        const double *sk = s->sum + k * D;
        const float *far_row = NULL;
        if (n == 0) {
            size_t far = 0;
            double fd = -1;
            for (size_t i = 0; i < N; i++)
                if (!s->taken[i] && (dist ? dist[i] : 0) > fd) {
                    fd = dist ? dist[i] : 0;
                    far = i;
                }
            s->taken[far] = 1;
            far_row = x + far * D;
        }
        for (size_t d = 0; d < D; d++) {
            /* the centre as stored: a fixed point shifts by 0 */
            float v = far_row ? far_row[d] : (float)(sk[d] / (double)n);
            double diff = (double)v - cf[k * D + d];
            shift += diff * diff;
            cf[k * D + d] = v;
        }
    }
    free(own);
    return shift;
}

/* one restart: Lloyd from the centres in cf (K, D) float */
static int lloyd(const float *x, const double *x2, size_t N, size_t D, size_t K, const shang_kmeans_opts *o,
                 double tol_abs, float *cf, int32_t *label, int *iters, double *history)
{
    double *dist = shang_alloc(N, sizeof *dist, "dist"), *c2 = shang_alloc(K, sizeof *c2, "c2");
    float *G = shang_alloc((size_t)ROWS * K, sizeof *G, "G");
    sums sm = {0};
    int rc = dist && c2 && G ? sums_init(&sm, N, D, K) : SHANG_FAIL(SHANG_ENOMEM, "cannot allocate k-means");
    int it = 0;
    for (it = 0; !rc && it < o->max_iter; it++) {
        centre_norms(cf, K, D, c2);
        assign(x, x2, N, D, cf, c2, K, G, label, dist, NULL, 0, NULL);
        double in = 0;
        for (size_t i = 0; i < N; i++) in += dist[i];
        history[it] = in;
        double shift = update_centres(x, N, D, K, label, dist, cf, &sm);
        if (shift <= tol_abs) {
            it++;
            break;
        }
    }
    if (!rc) *iters = it;
    free(dist); free(c2); free(G);
    sums_free(&sm);
    return rc;
}


/* ---- Yinyang ------------------------------------------------------------------- */

#define YY_EPS 1e-5 /* relative margin on every bound test, against float rounding */

/* Group the K centres into T groups: 5 Lloyd iterations on the centres from the
 * centres K g / T (g < T) as seeds. gid (K) gets each centre's group. */
static void group_centres(const float *c, size_t K, size_t D, size_t T, int32_t *gid, double *seeds, size_t *cnt)
{
    for (size_t g = 0; g < T; g++)
        for (size_t d = 0; d < D; d++) seeds[g * D + d] = c[(g * K / T) * D + d];
    for (int it = 0; it < 5; it++) {
        for (size_t k = 0; k < K; k++) {
            double best = DBL_MAX;
            for (size_t g = 0; g < T; g++) {
                double s = 0;
                for (size_t d = 0; d < D; d++) s += (c[k * D + d] - seeds[g * D + d]) * (c[k * D + d] - seeds[g * D + d]);
                if (s < best) {
                    best = s;
                    gid[k] = (int32_t)g;
                }
            }
        }
        memset(cnt, 0, T * sizeof *cnt);
        for (size_t k = 0; k < K; k++) cnt[gid[k]]++;
        for (size_t g = 0; g < T; g++)
            if (cnt[g]) memset(seeds + g * D, 0, D * sizeof *seeds);
        for (size_t k = 0; k < K; k++)
            for (size_t d = 0; d < D; d++) seeds[(size_t)gid[k] * D + d] += c[k * D + d];
        for (size_t g = 0; g < T; g++)
            for (size_t d = 0; cnt[g] && d < D; d++) seeds[g * D + d] /= (double)cnt[g];
    }
}

/* one restart with Yinyang's group bounds, from the centres in cf (K, D) */
static int yinyang(const float *x, const double *x2, size_t N, size_t D, size_t K, const shang_kmeans_opts *o,
                   double tol_abs, float *cf, int32_t *label, int *iters, double *history)
{
    /* groups of 10 centres at D <= 256, down to 4 at D >= 640: the wider the
     * rows, the more a distance costs against a bound (measured, bench/analysis) */
    const size_t per = 2560 / D < 4 ? 4 : 2560 / D > 10 ? 10 : 2560 / D, T = K / per > 0 ? K / per : 1;
    double *dist = shang_alloc(N, sizeof *dist, "dist"), *c2 = shang_alloc(K, sizeof *c2, "c2"), *ub = shang_alloc(N, sizeof *ub, "ub");
    double *drift = shang_alloc(K, sizeof *drift, "drift"), *gdrift = shang_alloc(T, sizeof *gdrift, "gdrift"), *seeds = shang_alloc(T * D, sizeof *seeds, "seeds");
    double *mdrift = shang_alloc(K, sizeof *mdrift, "mdrift");
    float *G = shang_alloc((size_t)ROWS * K, sizeof *G, "G"), *old = shang_alloc(K * D, sizeof *old, "old"), *cg = shang_alloc(K * D, sizeof *cg, "cg");
    float *lb = shang_alloc(N * T, sizeof *lb, "lb");
    int32_t *gid = shang_alloc(K, sizeof *gid, "gid"), *mem = shang_alloc(K, sizeof *mem, "mem");
    size_t *count = shang_alloc(T, sizeof *count, "count"), *gstart = shang_alloc((T + 1), sizeof *gstart, "gstart");
    sums sm = {0};
    int rc = dist && c2 && ub && drift && gdrift && seeds && mdrift && G && old && cg && lb && gid && mem && count && gstart
                 ? sums_init(&sm, N, D, K)
                 : SHANG_FAIL(SHANG_ENOMEM, "cannot allocate k-means (Yinyang bounds: %zu x %zu floats)", N, T);
    int it = 0;
    if (!rc) {
        group_centres(cf, K, D, T, gid, seeds, count);
        /* members of each group, contiguous */
        memset(gstart, 0, (T + 1) * sizeof *gstart);
        for (size_t k = 0; k < K; k++) gstart[gid[k] + 1]++;
        for (size_t g = 0; g < T; g++) gstart[g + 1] += gstart[g];
        memcpy(count, gstart, T * sizeof *count);
        for (size_t k = 0; k < K; k++) mem[count[gid[k]]++] = (int32_t)k;
        centre_norms(cf, K, D, c2);
        assign(x, x2, N, D, cf, c2, K, G, label, dist, gid, T, lb);
        for (size_t i = 0; i < N; i++) ub[i] = sqrt(dist[i]);
    }
    for (it = 0; !rc && it < o->max_iter; it++) {
        double in = 0;
        for (size_t i = 0; i < N; i++) in += dist[i];
        history[it] = in; /* after the first: an upper bound, exact for rows measured */
        memcpy(old, cf, K * D * sizeof *old);
        /* exact distances only from the first (GEMM) assignment; later ones are
         * measured again if a cluster empties, as Lloyd has them */
        double shift = update_centres(x, N, D, K, label, it == 0 ? dist : NULL, cf, &sm);
        if (shift <= tol_abs) {
            it++;
            break;
        }
        for (size_t k = 0; k < K; k++) drift[k] = dist_direct(cf + k * D, old + k * D, D);
        for (size_t g = 0; g < T; g++) {
            gdrift[g] = 0;
            for (size_t m = gstart[g]; m < gstart[g + 1]; m++) {
                size_t k = (size_t)mem[m];
                memcpy(cg + m * D, cf + k * D, D * sizeof *cg);
                mdrift[m] = drift[k];
                if (drift[k] > gdrift[g]) gdrift[g] = drift[k];
            }
        }
#pragma omp parallel for schedule(dynamic, 64)
        for (size_t i = 0; i < N; i++) {
            const float *xi = x + i * D;
            float *L = lb + i * T;
            size_t best = (size_t)label[i];
            double bd = ub[i] + drift[best], glb = DBL_MAX;
            for (size_t g = 0; g < T; g++) {
                double v = (double)L[g] - gdrift[g];
                L[g] = (float)v;
                if (v < glb) glb = v;
            }
            if (bd > glb * (1 - YY_EPS)) /* not settled by the bounds: measure the own distance */
                bd = sqrt((double)shang_k_sqdist(xi, cf + best * D, D));
            if (bd <= glb * (1 - YY_EPS)) {
                ub[i] = bd;
                dist[i] = bd * bd;
                continue;
            }
            /* distances in float; a contender within the margin of the best is
             * measured again in double, as Lloyd's assignment does */
            const size_t own = best;
            double d_own = bd;
            int exact = 0;
            for (size_t g = 0; g < T; g++) {
                double lg = L[g];
                if (lg * (1 - YY_EPS) >= bd) continue;
                double before = lg + gdrift[g]; /* the group's bound before this iteration */
                double m1 = DBL_MAX, m2 = DBL_MAX, mb = DBL_MAX;
                size_t j1 = 0;
                for (size_t m = gstart[g]; m < gstart[g + 1]; m++) {
                    size_t j = (size_t)mem[m];
                    double d;
                    if (j == own) {
                        d = d_own;
                    } else {
                        double bound = before - mdrift[m];
                        if (bound * (1 - YY_EPS) >= bd) { /* this centre cannot be nearer */
                            if (bound < mb) mb = bound;
                            continue;
                        }
                        d = sqrt((double)shang_k_sqdist(xi, cg + m * D, D));
                        if (d <= bd * (1 + YY_EPS)) {
                            if (!exact) {
                                bd = sqrt(sq_direct(xi, cf + best * D, D));
                                if (best == own) d_own = bd;
                                exact = 1;
                            }
                            d = sqrt(sq_direct(xi, cg + m * D, D));
                        }
                    }
                    if (d < m1) {
                        m2 = m1;
                        m1 = d;
                        j1 = j;
                    } else if (d < m2) {
                        m2 = d;
                    }
                }
                if (j1 != best && (m1 < bd || (m1 == bd && j1 < best))) {
                    /* a new nearest centre: the old one joins its group's bound */
                    size_t gb = (size_t)gid[best];
                    if (gb != g && bd < L[gb]) L[gb] = (float)bd;
                    best = j1;
                    bd = m1;
                    L[g] = (float)(m2 < mb ? m2 : mb);
                } else if (j1 == best) {
                    L[g] = (float)(m2 < mb ? m2 : mb);
                } else {
                    L[g] = (float)(m1 < mb ? m1 : mb);
                }
            }
            label[i] = (int32_t)best;
            ub[i] = bd;
            dist[i] = bd * bd;
        }
    }
    if (!rc) *iters = it;
    free(dist); free(c2); free(ub); free(drift); free(gdrift); free(seeds); free(mdrift); free(G); free(old); free(cg);
    free(lb); free(gid); free(mem); free(count); free(gstart);
    sums_free(&sm);
    return rc;
}

/* ---- mini-batch ------------------------------------------------------------------ */

/* one restart of mini-batch k-means from the centres in cf (K, D) */
static int minibatch(const float *x, const double *x2, size_t N, size_t D, size_t K, const shang_kmeans_opts *o,
                     gsl_rng *r, float *cf, int *iters, double *history)
{
    const size_t B = o->batch ? (o->batch < N ? o->batch : N) : (N < 1024 ? N : 1024);
    double *cd = shang_alloc(K * D, sizeof *cd, "cd"), *c2 = shang_alloc(K, sizeof *c2, "c2"), *bx2 = shang_alloc(B, sizeof *bx2, "bx2");
    double *bd = shang_alloc(B, sizeof *bd, "bd"), *cnt = shang_zalloc(K, sizeof *cnt, "cnt"), *bsum = shang_alloc(K * D, sizeof *bsum, "bsum");
    float *G = shang_alloc(B * K, sizeof *G, "G"), *bx = shang_alloc(B * D, sizeof *bx, "bx");
    int32_t *bl = shang_alloc(B, sizeof *bl, "bl");
    size_t *bn = shang_alloc(K, sizeof *bn, "bn");
    int rc = cd && c2 && bx2 && bd && cnt && bsum && G && bx && bl && bn
                 ? SHANG_OK
                 : SHANG_FAIL(SHANG_ENOMEM, "cannot allocate mini-batch k-means");
    if (!rc)
        for (size_t i = 0; i < K * D; i++) cd[i] = cf[i];
    const size_t per = (N + B - 1) / B; /* batches per pass over the data */
    size_t steps = (size_t)o->max_iter * per, step = 0, stale = 0;
    double ewa = -1, best = DBL_MAX, alpha = fmin(1.0, 2.0 * (double)B / ((double)N + 1));
    int passes = 0;
    for (step = 0; !rc && step < steps && stale < 10; step++) {
        for (size_t b = 0; b < B; b++) {
            size_t i = (size_t)gsl_rng_uniform_int(r, N);
            memcpy(bx + b * D, x + i * D, D * sizeof *bx);
            bx2[b] = x2[i];
        }
        centre_norms(cf, K, D, c2);
        assign(bx, bx2, B, D, cf, c2, K, G, bl, bd, NULL, 0, NULL);
        double in = 0;
        for (size_t b = 0; b < B; b++) in += bd[b];
        /* c_j <- (count_j c_j + sum of its batch rows) / (count_j + n_j), rows in batch order */
        memset(bn, 0, K * sizeof *bn);
        for (size_t b = 0; b < B; b++) {
            size_t j = (size_t)bl[b];
            if (!bn[j]++) memset(bsum + j * D, 0, D * sizeof *bsum);
            for (size_t d = 0; d < D; d++) bsum[j * D + d] += bx[b * D + d];
        }
        for (size_t j = 0; j < K; j++) {
            if (!bn[j]) continue;
            double c = cnt[j], n = (double)bn[j];
            for (size_t d = 0; d < D; d++) {
                cd[j * D + d] = (cd[j * D + d] * c + bsum[j * D + d]) / (c + n);
                cf[j * D + d] = (float)cd[j * D + d];
            }
            cnt[j] = c + n;
        }
        /* stop when the smoothed batch inertia per row has not improved for 10 batches */
        in /= (double)B;
        ewa = ewa < 0 ? in : ewa * (1 - alpha) + in * alpha;
        if (ewa < best) {
            best = ewa;
            stale = 0;
        } else {
            stale++;
        }
        if ((step + 1) % per == 0) history[passes++] = ewa * (double)N;
    }
    if (!rc) {
        if (step % per) history[passes++] = ewa * (double)N; /* stopped within a pass */
        *iters = passes;
    }
    free(cd); free(c2); free(bx2); free(bd); free(cnt); free(bsum); free(G); free(bx); free(bl); free(bn);
    return rc;
}

/* exact inertia in double of the rows against their centres (dist: N scratch),
 * summed in row order */
static double inertia_of(const float *x, size_t N, size_t D, const float *c, const int32_t *label, double *dist)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < N; i++) dist[i] = sq_direct(x + i * D, c + (size_t)label[i] * D, D);
    double in = 0;
    for (size_t i = 0; i < N; i++) in += dist[i];
    return in;
}

int shang_kmeans_fit(const float *x, size_t N, size_t D, const shang_kmeans_opts *o, shang_kmeans **out)
{
    *out = NULL;
    const size_t K = o->K;
    if (N == 0 || D == 0) return SHANG_FAIL(SHANG_EINVAL, "no data (%zu x %zu)", N, D);
    if (K < 1 || K > N) return SHANG_FAIL(SHANG_EINVAL, "%zu clusters for %zu rows", K, N);
    if (o->n_init < 1 || o->max_iter < 1 || !(o->tol >= 0)) return SHANG_FAIL(SHANG_EINVAL, "bad k-means settings");
    if (o->init && o->n_init != 1) return SHANG_FAIL(SHANG_EINVAL, "given initial centres need n_init = 1");
    if (o->algorithm < SHANG_KMEANS_LLOYD || o->algorithm > SHANG_KMEANS_MINIBATCH)
        return SHANG_FAIL(SHANG_EINVAL, "unknown k-means algorithm %d", o->algorithm);
    if (!shang_k_all_finite(x, N * D)) return SHANG_FAIL(SHANG_ENUMERIC, "the rows hold NaN or infinite values");
    shang_kmeans *km = shang_zalloc(1, sizeof *km, "km");
    double *x2 = shang_alloc(N, sizeof *x2, "x2"), *hist = shang_alloc((size_t)o->max_iter, sizeof *hist, "hist");
    double *dist = shang_alloc(N, sizeof *dist, "dist"), *mean = shang_zalloc(D, sizeof *mean, "mean"), *var = shang_zalloc(D, sizeof *var, "var");
    double *cn = shang_alloc(K, sizeof *cn, "cn");
    float *cf = shang_alloc(K * D, sizeof *cf, "cf"), *best_c = shang_alloc(K * D, sizeof *best_c, "best_c");
    float *G = shang_alloc((size_t)ROWS * K, sizeof *G, "G");
    int32_t *lab = shang_alloc(N, sizeof *lab, "lab");
    int rc = km && x2 && hist && dist && mean && var && cn && cf && best_c && G && lab
                 ? SHANG_OK
                 : SHANG_FAIL(SHANG_ENOMEM, "cannot allocate k-means");
    if (!rc) {
        km->K = K;
        km->D = D;
        km->N = N;
        km->labels = shang_alloc(N, sizeof *km->labels, "km->labels");
        km->centers = shang_alloc(K * D, sizeof *km->centers, "km->centers");
        km->history = shang_alloc((size_t)o->max_iter, sizeof *km->history, "km->history");
        if (!km->labels || !km->centers || !km->history) rc = SHANG_FAIL(SHANG_ENOMEM, "cannot allocate k-means");
    }
    /* tolerance relative to the mean feature variance (scikit-learn's), two passes in row order */
    double tol_abs = 0;
    if (!rc) {
        norms(x, N, D, x2);
        for (size_t i = 0; i < N; i++)
            for (size_t d = 0; d < D; d++) mean[d] += x[i * D + d];
        for (size_t d = 0; d < D; d++) mean[d] /= (double)N;
        for (size_t i = 0; i < N; i++)
            for (size_t d = 0; d < D; d++) var[d] += (x[i * D + d] - mean[d]) * (x[i * D + d] - mean[d]);
        for (size_t d = 0; d < D; d++) tol_abs += var[d] / (double)N;
        tol_abs = o->tol * tol_abs / (double)D;
    }
    double best = DBL_MAX;
    for (int r = 0; !rc && r < o->n_init; r++) {
        gsl_rng *g;
        if ((rc = shang_rng_new(o->seed, SHANG_STREAM_KMEANS, (uint64_t)r, &g))) break;
        if (o->init) memcpy(cf, o->init, K * D * sizeof *cf);
        else if (o->algorithm == SHANG_KMEANS_MINIBATCH) rc = seed_subsample(x, N, D, K, o, g, cf);
        else rc = seed_pp(x, N, D, K, g, cf);
        int iters = 0;
        if (!rc) {
            if (o->algorithm == SHANG_KMEANS_LLOYD) rc = lloyd(x, x2, N, D, K, o, tol_abs, cf, lab, &iters, hist);
            else if (o->algorithm == SHANG_KMEANS_YINYANG) rc = yinyang(x, x2, N, D, K, o, tol_abs, cf, lab, &iters, hist);
            else rc = minibatch(x, x2, N, D, K, o, g, cf, &iters, hist);
        }
        shang_rng_free(g);
        if (rc) break;
        /* final assignment to the final centres; the inertia exactly */
        centre_norms(cf, K, D, cn);
        assign(x, x2, N, D, cf, cn, K, G, lab, dist, NULL, 0, NULL);
        double inertia = inertia_of(x, N, D, cf, lab, dist);
        if (inertia < best) {
            best = inertia;
            memcpy(best_c, cf, K * D * sizeof *cf);
            memcpy(km->labels, lab, N * sizeof *lab);
            memcpy(km->history, hist, (size_t)iters * sizeof *hist);
            km->iterations = iters;
        }
    }
    if (!rc) { /* labels in order of first appearance; centres follow */
        int32_t *map = shang_alloc(K, sizeof *map, "map");
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
    free(dist);
    free(mean);
    free(var);
    free(cn);
    free(cf);
    free(best_c);
    free(G);
    free(lab);
    if (rc) shang_kmeans_free(km);
    else *out = km;
    return rc;
}

int shang_kmeans_read_centers(const char *path, int layer, size_t K, size_t D, float **out)
{
    *out = NULL;
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return SHANG_FAIL(SHANG_EIO, "%s: cannot open it as HDF5", path);
    int rank = 0, rl = 0, rc = SHANG_OK;
    size_t dc[3] = {0}, dl[1] = {0};
    double *c = NULL;
    int32_t *layers = NULL;
    if (!shang_h5_exists(f, "centers"))
        rc = SHANG_FAIL(SHANG_EFORMAT, "%s has no dataset 'centers'", path);
    if (!rc) rc = shang_h5_read(f, "centers", SHANG_DT_F64, 3, &rank, dc, (void **)&c);
    size_t off = 0, k = rank == 3 ? dc[1] : dc[0], d = rank == 3 ? dc[2] : dc[1];
    if (!rc && rank != 2 && rank != 3)
        rc = SHANG_FAIL(SHANG_EFORMAT, "%s: 'centers' has rank %d, expected (K, D) or (L, K, D)", path, rank);
    if (!rc && (k != K || d != D))
        rc = SHANG_FAIL(SHANG_EINVAL, "%s: 'centers' holds %zu centres of width %zu, the run needs %zu of width %zu",
                        path, k, d, K, D);
    if (!rc && rank == 3) {
        if (!shang_h5_exists(f, "layers"))
            rc = SHANG_FAIL(SHANG_EFORMAT, "%s: (L, K, D) centres need a 'layers' dataset", path);
        if (!rc) rc = shang_h5_read(f, "layers", SHANG_DT_I32, 1, &rl, dl, (void **)&layers);
        if (!rc && dl[0] != dc[0])
            rc = SHANG_FAIL(SHANG_EFORMAT, "%s: %zu layers for %zu sets of centres", path, dl[0], dc[0]);
        size_t li = 0;
        if (!rc) rc = shang_h5_layer_index(layers, dl[0], layer, path, &li);
        off = li * K * D;
    }
    float *fc = rc ? NULL : shang_alloc(K * D, sizeof *fc, "initial centres");
    if (!rc && !fc) rc = shang_err_code();
    for (size_t i = 0; !rc && i < K * D; i++) {
        if (!isfinite(c[off + i]))
            rc = SHANG_FAIL(SHANG_ENUMERIC, "%s: centre %zu is NaN or infinite", path, i / D);
        fc[i] = (float)c[off + i];
    }
    H5Fclose(f);
    free(c);
    free(layers);
    if (rc) free(fc);
    else *out = fc;
    return rc;
}


int shang_kmeans_assign(const shang_kmeans *km, const float *x, size_t N, int32_t *labels)
{
    const size_t K = km->K, D = km->D;
    if (!N) return SHANG_OK;
    if (!shang_k_all_finite(x, N * D)) return SHANG_FAIL(SHANG_ENUMERIC, "the rows hold NaN or infinite values");
    double *x2 = shang_alloc(N, sizeof *x2, "row norms"), *dist = shang_alloc(N, sizeof *dist, "distances");
    double *c2 = shang_alloc(K, sizeof *c2, "centre norms");
    float *cf = shang_alloc(K * D, sizeof *cf, "centres"), *G = shang_alloc((size_t)ROWS * K, sizeof *G, "distance block");
    int rc = x2 && dist && c2 && cf && G ? SHANG_OK : shang_err_code();
    if (!rc) {
        for (size_t j = 0; j < K * D; j++) cf[j] = (float)km->centers[j]; /* exact: the centres are floats */
        norms(x, N, D, x2);
        centre_norms(cf, K, D, c2);
        assign(x, x2, N, D, cf, c2, K, G, labels, dist, NULL, 0, NULL);
    }
    free(x2); free(dist); free(c2); free(cf); free(G);
    return rc;
}

int shang_kmeans_fit_split(const float *x, size_t N, size_t D, const unsigned char *test, const shang_kmeans_opts *o,
                           shang_kmeans **out)
{
    *out = NULL;
    if (!test) return shang_kmeans_fit(x, N, D, o, out);
    size_t n_tr = 0;
    for (size_t i = 0; i < N; i++) n_tr += !test[i];
    float *tr = shang_alloc(n_tr * D, sizeof *tr, "training rows"), *te = shang_alloc((N - n_tr) * D, sizeof *te, "held-out rows");
    int32_t *lte = shang_alloc(N - n_tr, sizeof *lte, "held-out labels"), *all = shang_alloc(N, sizeof *all, "labels");
    shang_kmeans *km = NULL;
    int rc = tr && te && lte && all ? SHANG_OK : shang_err_code();
    for (size_t i = 0, a = 0, b = 0; !rc && i < N; i++) {
        if (test[i]) memcpy(te + b++ * D, x + i * D, D * sizeof *x);
        else memcpy(tr + a++ * D, x + i * D, D * sizeof *x);
    }
    if (!rc) rc = shang_kmeans_fit(tr, n_tr, D, o, &km);
    if (!rc) rc = shang_kmeans_assign(km, te, N - n_tr, lte);
    if (!rc) {
        for (size_t i = 0, a = 0, b = 0; i < N; i++) all[i] = test[i] ? lte[b++] : km->labels[a++];
        free(km->labels);
        km->labels = all;
        all = NULL;
        km->N = N;
        *out = km;
        km = NULL;
    }
    shang_kmeans_free(km);
    free(tr); free(te); free(lte); free(all);
    return rc;
}
