/* shang_geometry — the geometry of one layer's states (Ethayarajh 2019; Timkey &
 * van Schijndel 2021), from rows (n, C) with their token and document:
 *
 *  - anisotropy: mean cosine of random pairs of rows (different tokens);
 *  - self-similarity: for each token seen at least twice, the mean cosine
 *    between its occurrences (up to max_occ of them, drawn at random), averaged
 *    over tokens; adjusted = minus the anisotropy;
 *  - intra-document similarity: mean cosine of each row with its document's
 *    mean state (Ethayarajh's intra-sentence similarity with documents or items
 *    as the sentences); adjusted = minus the anisotropy;
 *  - norms: mean, standard deviation and maximum of |h|;
 *  - rogue dimensions: the share of E|h|^2 carried by the largest 1 and 3
 *    dimensions (by E h_d^2), and of the mean cosine of random pairs carried by
 *    the top 1 and 3 dimensions' products.
 * With standardize, each dimension is first centred and scaled to unit variance
 * (the remedy for rogue dimensions). Deterministic for a seed. */
#ifndef SHANG_GEOMETRY_H
#define SHANG_GEOMETRY_H

#include <stddef.h>
#include <stdint.h>

#include "shang_err.h"

typedef struct shang_geometry {
    double anisotropy, self_similarity, self_similarity_adj, intra_doc, intra_doc_adj;
    double norm_mean, norm_sd, norm_max;
    double top1_energy, top3_energy, top1_cosine, top3_cosine;
    size_t pairs, self_tokens, docs;
    int top_dim; /* the largest dimension */
} shang_geometry;

typedef struct shang_geometry_opts {
    size_t pairs;   /* random pairs for the anisotropy [e.g. 20000] */
    size_t max_occ; /* occurrences per token for self-similarity [e.g. 20] */
    int standardize;
    uint64_t seed, stream;
} shang_geometry_opts;

/* x (n, C) float; tok, doc (n). x is modified when standardize is set. */
int shang_geometry_layer(float *x, const int32_t *tok, const int32_t *doc, size_t n, size_t C,
                         const shang_geometry_opts *o, shang_geometry *g) SHANG_MUST_CHECK;

#endif
