/* shang_senses — polysemy measured on target states (E4): WiC-style pair
 * accuracy and leave-one-out nearest-centroid sense accuracy, with weights per
 * item or pair so that bootstrap replicates (resampling lemmas) reuse them.
 * Similarity is the cosine of the two states. */
#ifndef SHANG_SENSES_H
#define SHANG_SENSES_H

#include <stddef.h>
#include <stdint.h>

#include "shang_err.h"

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

#endif
