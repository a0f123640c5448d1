/* shang_heldout — held-out conditional cross-entropy of a discrete Y given a
 * discrete condition C (a token, a cluster, a pair of them as one 64-bit key):
 * counts from a training set, the mean negative log probability of a test set,
 *
 *   q(y | c) = (n(c, y) + a V q0(y)) / (n(c) + a V),
 *   q0(y)    = (n(y) + a) / (n + a V),
 *
 * add-a smoothing of each condition's distribution towards the add-a unigram,
 * which is what an unseen condition backs off to (a Dirichlet prior of total
 * mass a V centred on q0). Y takes values 0..V-1. In nats. Unlike the plug-in
 * H(Y | C), it cannot fall below the truth by memorising rare conditions: the
 * gap between the two measures how much the condition overfits. */
#ifndef SHANG_HELDOUT_H
#define SHANG_HELDOUT_H

#include <stddef.h>
#include <stdint.h>

#include "shang_err.h"

/* Items i < n_train / n_test with condition c[i], outcome y[i] and an optional
 * weight w[i] (NULL: 1 each; bootstrap replicates pass multiplicities). alpha >
 * 0. SHANG_EINVAL for an outcome outside 0..V-1 or no (weighted) test items. */
int shang_heldout_ce(const int64_t *c_train, const int32_t *y_train, const uint32_t *w_train, size_t n_train,
                     const int64_t *c_test, const int32_t *y_test, const uint32_t *w_test, size_t n_test,
                     double alpha, size_t V, double *ce) SHANG_MUST_CHECK;

/* The same on dense ids, for many evaluations of fixed items under changing
 * weights (bootstrap replicates): item i has condition cond[i] < n_cond, cell
 * (condition, outcome) cell[i] < n_cell, outcome y[i] < V, weight w[i] (NULL:
 * 1) and is a test item if test[i], else a training item. scratch: n_cond +
 * n_cell + V doubles. shang_heldout_ce computes these ids and calls this.
 * With no test item of positive weight (a bootstrap replicate that drew none)
 * the cross-entropy is undefined: *ce is NaN and the call succeeds. */
int shang_heldout_ce_ids(const uint32_t *cond, const uint32_t *cell, const int32_t *y, const uint32_t *w,
                         const unsigned char *test, size_t n, size_t n_cond, size_t n_cell, double alpha, size_t V,
                         double *scratch, double *ce) SHANG_MUST_CHECK;

/* The held-out split of N rows by group (a document, or a chapter's renderings):
 * the groups of the rows with a next token (next[i] >= 0), in order of first
 * appearance, are shuffled by (seed, SHANG_STREAM_SUBSAMPLE, 2^40) and the first
 * round(frac x G) of them (at least one, none if G is 1) are held out; test[i]
 * (N) is 1 for a row of a held-out group. A group with no next token is kept for
 * training. shang alias, and shang pca and shang cluster with --heldout, use it,
 * so one seed gives them one split. frac in (0, 1). */
int shang_heldout_split(const int32_t *group, const int32_t *next, size_t N, double frac, uint64_t seed,
                        unsigned char *test) SHANG_MUST_CHECK;

/* The held-out rows of a states file (*test, N, 1 = held out; free() it): whole
 * groups by shang_heldout_split(group, next_tokens, frac, seed), the split
 * shang alias makes with the same share, seed and groups (group: N, or NULL:
 * the documents). With keep (N, or NULL: all rows), keep[i] is cleared for every
 * held-out row (what a fit may use). */
struct shang_states;
int shang_heldout_states(const struct shang_states *s, const int32_t *group, double frac, uint64_t seed,
                         unsigned char *keep, unsigned char **test) SHANG_MUST_CHECK;

#endif
