/* shang_senses — polysemy measured on target states (E4): WiC-style pair
 * accuracy and leave-one-out nearest-centroid sense accuracy, with weights per
 * item or pair so that bootstrap replicates (resampling lemmas) reuse them.
 * Similarity is the cosine of the two states. */
#ifndef SHANG_SENSES_H
#define SHANG_SENSES_H

#include <stddef.h>
#include <stdint.h>

#include "shang_err.h"

/* Within each lemma that has at least two senses and four rows: k-means of its
 * rows with k = its number of senses (k-means++, Lloyd, 3 restarts, seeded by
 * seed and the lemma), and per row the lemma's purity (share of rows in their
 * cluster's majority sense), NMI (arithmetic) and AMI of clusters against
 * senses; NaN for rows of
 * other lemmas. silhouette: per row of a sense with two rows or more (in a lemma
 * with two such senses), (b - a) / max(a, b) with cosine distance, a the mean
 * distance to its own sense's other rows, b the least mean distance to another
 * sense's rows; NaN elsewhere. */
int shang_lemma_structure(const float *X, size_t C, const int32_t *lemma, const int32_t *sense, size_t n,
                          uint64_t seed, double *purity, double *nmi, double *ami, double *silhouette) SHANG_MUST_CHECK;

/* cos (np): the cosine of rows a[p] and b[p] of X (rows of C floats) */
void shang_pair_cosines(const float *X, size_t C, const uint32_t *a, const uint32_t *b, size_t np, double *cos);

/* WiC-style: pairs p < np of rows a[p], b[p] of X (rows of C floats), label
 * same[p] (1: same sense), train[p] (1: threshold fitting, 0: test). The
 * threshold on the cosine that maximises the (weighted) training accuracy
 * (midway between neighbouring cosines); *acc: the weighted test accuracy. cos
 * (np) receives the cosines (pass the previous call's with have_cos to skip
 * recomputing them). w (np) may be NULL. SHANG_EINVAL without both sides. */
int shang_wic(const float *X, size_t C, const uint32_t *a, const uint32_t *b, const unsigned char *same,
              const unsigned char *train, const uint32_t *w, size_t np, double *cos, int have_cos, double *threshold,
              double *acc) SHANG_MUST_CHECK;

/* Leave-one-out nearest centroid: for each row i (weight w[i], NULL: 1) of a
 * lemma with at least two senses that have at least two rows each, the sense
 * whose centroid (of the lemma's other rows; i's own sense without i) is the
 * most cosine-similar; only senses with at least two rows are candidates.
 * Most-frequent-sense baseline: the candidate sense with the most rows (ties:
 * the smaller sense id). *acc, *mfs: weighted accuracies; *n: rows scored. */
int shang_nearest_centroid(const float *X, size_t C, const int32_t *lemma, const int32_t *sense, const uint32_t *w,
                           size_t n, double *acc, double *mfs, size_t *scored) SHANG_MUST_CHECK;
/* The same with each row's outcome in correct (n): 1 right, 0 wrong, -1 not
 * scored (per-lemma tables). */
int shang_nearest_centroid_rows(const float *X, size_t C, const int32_t *lemma, const int32_t *sense,
                                const uint32_t *w, size_t n, double *acc, double *mfs, size_t *scored,
                                signed char *correct) SHANG_MUST_CHECK;

/* Per item (ids 0..I-1 in item[], one per row of X; negative: no item): the
 * mean of its rows (mean, I x C; NULL to skip) and its last row (last, I x C;
 * NULL to skip); count[i] rows (0: the item's rows are zero vectors). */
int shang_item_pool(const float *X, const int32_t *item, size_t n, size_t C, size_t I, float *mean, float *last,
                    size_t *count) SHANG_MUST_CHECK;

/* Paraphrase pairs (A_i, B_i), i < I (rows of C floats): per item the cosine to
 * its aligned partner, to a shuffled partner B_perm[i], and whether B_i is the
 * most cosine-similar of all B to A_i (retrieval at rank 1; ties: the smaller
 * index). Outputs are per item (I each), so weighted means give bootstrap
 * replicates without recomputing. */
int shang_paraphrase(const float *A, const float *B, size_t I, size_t C, const uint32_t *perm, double *aligned,
                     double *shuffled, unsigned char *hit) SHANG_MUST_CHECK;

#endif
