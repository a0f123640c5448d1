/* shang_kmeans — k-means on rows of float data: greedy k-means++ seeding (as
 * scikit-learn: 2 + ln K candidates per centre, the one lowering the potential
 * most, candidates evaluated by GEMM), then one of
 *  - Lloyd: squared distances from one sgemm per block of rows
 *    (|x|^2 - 2 x.c + |c|^2), argmin in double;
 *  - Yinyang (Ding et al. 2015): Lloyd's iterations, but each row keeps a lower
 *    bound on its distance to every group of 4 to 10 centres (fewer for wider
 *    rows; the centres grouped once by k-means); a group whose bound, lowered by the group's
 *    largest centre drift, still exceeds the distance to the row's own centre is
 *    skipped, and within a group so is every centre whose own drift leaves the
 *    bound above it. The same iterations and (up to float rounding of near-ties)
 *    the same labels as Lloyd, most distances never computed;
 *  - mini-batch (Sculley 2010, as scikit-learn): centres moved towards random
 *    batches with per-centre learning rates 1/count; approximate, for very
 *    large N; stops after max_iter passes over the data or when the smoothed
 *    batch inertia has not improved for 10 batches.
 * Empty clusters are refilled with the farthest points, convergence is when the
 * centres move less than tol x the mean feature variance (squared), restarts keep
 * the lowest inertia, and labels are renumbered in order of first appearance.
 * Deterministic for a seed and independent of the thread count: every sum runs
 * in a fixed order. Centres in double; the inertia is summed exactly in double
 * from the final labels and centres. */
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
    int algorithm;     /* SHANG_KMEANS_LLOYD, _YINYANG, _MINIBATCH */
    size_t batch;      /* mini-batch size; 0: 1024 */
} shang_kmeans_opts;

enum { SHANG_KMEANS_LLOYD = 0, SHANG_KMEANS_YINYANG = 1, SHANG_KMEANS_MINIBATCH = 2 };

typedef struct shang_kmeans {
    size_t K, D, N;
    double *centers;   /* (K, D) */
    int32_t *labels;   /* (N), 0..K-1 in order of first appearance */
    double inertia;    /* sum of squared distances to the assigned centres */
    int iterations;    /* of the kept restart */
    double *history;   /* (iterations) inertia after each assignment of the kept restart */
} shang_kmeans;

/* "lloyd", "yinyang", "minibatch" <-> SHANG_KMEANS_*; parse fails with SHANG_EINVAL */
int shang_kmeans_algorithm_parse(const char *name, int *algorithm) SHANG_MUST_CHECK;
const char *shang_kmeans_algorithm_name(int algorithm);

int shang_kmeans_fit(const float *x, size_t N, size_t D, const shang_kmeans_opts *o, shang_kmeans **out) SHANG_MUST_CHECK;
void shang_kmeans_free(shang_kmeans *k);
/* The nearest of km's centres for each of N new rows x (N, km->D), exact in
 * double, ties to the smaller label (held-out rows assigned to the centres fitted
 * on the training rows). */
/* k-means fitted on the rows not marked test (test NULL: shang_kmeans_fit), the
 * rows marked test then assigned to the nearest centre: labels (N) for every
 * row, in x's order, numbered by first appearance among the training rows;
 * inertia and history of the training rows. */
int shang_kmeans_fit_split(const float *x, size_t N, size_t D, const unsigned char *test, const shang_kmeans_opts *o,
                           shang_kmeans **out) SHANG_MUST_CHECK;
int shang_kmeans_assign(const shang_kmeans *km, const float *x, size_t N, int32_t *labels) SHANG_MUST_CHECK;
/* Centres for `layer` from the dataset `centers` of the HDF5 file at path: (K,
 * D), the same for every layer, or (L, K, D) with a `layers` dataset (a
 * shang.clusters file); each checked finite; *out (K, D) floats, free() it. */
int shang_kmeans_read_centers(const char *path, int layer, size_t K, size_t D, float **out) SHANG_MUST_CHECK;

#endif
