/* shang_kmeans — k-means on rows of float data: greedy k-means++ seeding (as
 * scikit-learn: 2 + ln K candidates per centre, the one lowering the potential
 * most), Lloyd iterations with squared distances from one sgemm per block of
 * rows (|x|^2 - 2 x.c + |c|^2), empty clusters refilled with the farthest points,
 * convergence when the centres move less than tol x the mean feature variance,
 * restarts keeping the lowest inertia, and labels renumbered in order of first
 * appearance. Deterministic for a seed and independent of the thread count:
 * every sum runs in a fixed order. Centres and inertia in double. */
#ifndef SHANG_KMEANS_H
#define SHANG_KMEANS_H

#include <stddef.h>
#include <stdint.h>

#include "shang_err.h"

typedef struct shang_kmeans_opts {
    size_t K;          /* clusters, 1..N */
    int n_init;        /* restarts, >= 1 */
    int max_iter;      /* Lloyd iterations per restart, >= 1 */
    double tol;        /* relative tolerance (scikit-learn's), >= 0 */
    uint64_t seed;     /* master seed; restart r uses stream (KMEANS, r) */
    const float *init; /* (K, D) initial centres instead of k-means++ (n_init must be 1), or NULL */
    int hamerly;       /* prune distance computations with Hamerly's bounds (2010): the
                          same iterations as Lloyd, most distances skipped */
} shang_kmeans_opts;

typedef struct shang_kmeans {
    size_t K, D, N;
    double *centers;   /* (K, D) */
    int32_t *labels;   /* (N), 0..K-1 in order of first appearance */
    double inertia;    /* sum of squared distances to the assigned centres */
    int iterations;    /* of the kept restart */
    double *history;   /* (iterations) inertia after each assignment of the kept restart */
} shang_kmeans;

int shang_kmeans_fit(const float *x, size_t N, size_t D, const shang_kmeans_opts *o, shang_kmeans **out) SHANG_MUST_CHECK;
void shang_kmeans_free(shang_kmeans *k);

#endif
