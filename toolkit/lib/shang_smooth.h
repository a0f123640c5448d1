/* shang_smooth — held-out cross-entropy of a discrete Y given a chain of ever
 * coarser conditions, with each level's smoothing chosen by cross-validation over
 * folds of training documents (never on the held-out ones). In nats.
 *
 * A chain has levels 0..L-1, finest first, e.g. (X, K) -> X -> unigram; every
 * item has a condition at each level, and the last level backs off to the uniform
 * distribution over 0..V-1. Level l's estimate backs off to level l+1's at the same
 * item, q_{l+1}(y | c_{l+1}), by one of
 *
 *   Dirichlet (add-beta towards the back-off; the shipped add-alpha estimator of
 *   shang_heldout is beta = alpha V with an add-alpha unigram):
 *       q_l(y | c) = (n(c, y) + beta q_{l+1}(y)) / (n(c) + beta)
 *   absolute discounting with a concentration (the two-parameter, Pitman-Yor form
 *   of interpolated absolute discounting: Ney, Essen & Kneser 1994; Teh 2006):
 *       q_l(y | c) = (max(n(c, y) - d, 0) + (theta + d T(c)) q_{l+1}(y)) / (n(c) + theta),
 *       T(c) the distinct outcomes seen with c; q_{l+1}(y) where n(c) = 0.
 *   theta = 0 is plain interpolated absolute discounting, which cannot defer to
 *   its back-off: on a level that adds nothing (X, K) with K a function of X, it
 *   loses 0.08 nats against the truth 0 where theta lets it defer (test_smooth).
 *
 * Tuning: training items are cut into `folds` folds by document group (every item
 * of a group — a document, or the renderings of one chapter — in one fold, folds
 * drawn by `seed`). The coarsest level is tuned first: for each grid value, the
 * mean -log q of every training item under counts from the other folds (coarser
 * levels at their chosen values, also from the other folds); the value with the
 * least such cross-validated cross-entropy is kept, and with SHANG_SMOOTH_AUTO the
 * smoother with the lower one; then the next finer level is tuned above it. The
 * held-out cross-entropy uses counts from all training items at the chosen
 * values. Grids: beta and theta in 2^k, k = -6..20, theta also 0; d = 0.05, 0.10,
 * .., 1, each refined by 10 golden-section steps between the best grid value's
 * neighbours (in log scale for beta and theta), so that a choice is not
 * quantised to the grid. (d, theta) by coordinate descent from theta = 0: d,
 * then theta, then d.
 */
#ifndef SHANG_SMOOTH_H
#define SHANG_SMOOTH_H

#include <stddef.h>
#include <stdint.h>

#include "shang_err.h"

#define SHANG_SMOOTH_MAX_LEVELS 4

enum shang_smoother { SHANG_SMOOTH_DIRICHLET = 0, SHANG_SMOOTH_ABSDISC = 1, SHANG_SMOOTH_AUTO = 2 };

/* "dirichlet", "absdisc", "auto" (each level the one with the lower CV cross-entropy) */
const char *shang_smoother_name(int method);
int shang_smoother_parse(const char *name, int *method) SHANG_MUST_CHECK;
/* The grid of a smoother's parameter k (0: beta or d; 1: theta, absdisc only),
 * ascending, into g (SHANG_SMOOTH_MAX_GRID values at most; g NULL: only the
 * count); returns how many (0: the smoother has no such parameter). */
#define SHANG_SMOOTH_MAX_GRID 28
size_t shang_smoother_grid(int method, int k, double *g);

typedef struct shang_smooth_opts {
    int method;    /* SHANG_SMOOTH_*: one smoother at every level, or the better at each */
    int folds;     /* cross-validation folds of training groups, 2..64 */
    uint64_t seed; /* fold assignment (stream SHANG_STREAM_FOLDS) */
} shang_smooth_opts;

typedef struct shang_smooth shang_smooth;

/* Prepares and tunes a chain over n items: cond[l][i] is item i's condition at
 * level l, finest first (any int64 key; cond[l] NULL: one condition for all, the
 * unigram), y[i] in 0..V-1, group[i] its document group (any int32), test[i]
 * nonzero for a held-out item. Needs training items in at least `folds` groups
 * and one test item. Errors: SHANG_EINVAL (bad outcome, too few groups, bad
 * options). */
int shang_smooth_new(const int64_t *const *cond, int n_levels, const int32_t *y, const int32_t *group,
                     const unsigned char *test, size_t n, size_t V, const shang_smooth_opts *o,
                     shang_smooth **out) SHANG_MUST_CHECK;
/* The chain `below` with one finer level on top (cond: its conditions, as above),
 * tuned above below's choices, which it keeps: the same items, folds and options.
 * (X,K) -> X -> unigram is the extension of X -> unigram by (X,K). */
int shang_smooth_extend(const shang_smooth *below, const int64_t *cond, shang_smooth **out) SHANG_MUST_CHECK;
void shang_smooth_free(shang_smooth *s);

int shang_smooth_levels(const shang_smooth *s);
/* Level l's chosen smoother and its parameter k (0: beta or d; 1: theta, NaN
 * for the Dirichlet); the cross-validated cross-entropy of the whole chain at the
 * chosen values. */
int shang_smooth_method(const shang_smooth *s, int level);
double shang_smooth_param(const shang_smooth *s, int level, int k);
double shang_smooth_cv_ce(const shang_smooth *s);
/* Level l's cross-validated cross-entropy over smoother m's parameter k's grid,
 * its other parameter and the coarser levels at their chosen values (finer
 * levels not on: the chain cut at l): the sensitivity of the estimate to that
 * smoothing. NULL and *n = 0 where m was not tried or has no parameter k. */
const double *shang_smooth_cv_curve(const shang_smooth *s, int level, int m, int k, size_t *n);

/* The fold of item i (0..folds-1), -1 for a held-out item. */
int shang_smooth_fold(const shang_smooth *s, size_t i);

/* The held-out cross-entropy at the chosen values: counts from training items,
 * mean over test items, each item weighted by w[i] (NULL: 1; bootstrap
 * replicates pass multiplicities; the parameters stay as tuned). NaN (and
 * success) when no test item has positive weight. Thread-safe. */
int shang_smooth_ce(const shang_smooth *s, const uint32_t *w, double *ce) SHANG_MUST_CHECK;

#endif
