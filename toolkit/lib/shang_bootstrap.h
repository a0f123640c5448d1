/* shang_bootstrap — confidence intervals by resampling groups (documents,
 * lemmas, verse pairs) with replacement: items of one document are not
 * independent, so the document is the unit drawn. A replicate gives every item
 * the weight "times its group was drawn" and calls the statistic with those
 * weights. What a caller reports is the estimate on all items with the normal
 * interval estimate -/+ z sd (shang_normal_interval), sd the standard deviation
 * of the replicates: resampling with replacement duplicates groups, which
 * shifts plug-in entropies down and held-out cross-entropies up, so the
 * percentile interval of the replicates need not even contain the estimate.
 * The percentile interval is returned on request.
 * Replicate b draws from its own random stream (SHANG_STREAM_BOOTSTRAP, index
 * stream << 32 | b), so results depend on the seed only; replicates run in
 * parallel (OpenMP), so the statistic must be thread-safe. */
#ifndef SHANG_BOOTSTRAP_H
#define SHANG_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#include "shang_err.h"

/* A statistic of weighted items: n_stats values into out (NaN allowed: that
 * replicate is left out of that value's interval). Returns SHANG_OK or an error. */
typedef int (*shang_stat_fn)(const uint32_t *w, void *ctx, double *out);

typedef struct shang_bootstrap_opts {
    int replicates;   /* B, >= 2 (200 for 95% intervals is usual; 1000 for tails) */
    double level;     /* e.g. 0.95 */
    uint64_t seed;
    uint64_t stream;  /* which of the caller's analyses (a layer, say) */
} shang_bootstrap_opts;

/* group (N): any int32 per item. sd (n_stats): the standard deviation of each
 * statistic over the replicates (NaN where fewer than two replicates gave a
 * number); lo, hi (n_stats each, or both NULL): their percentile interval at
 * o->level. */
int shang_bootstrap_groups(const int32_t *group, size_t N, size_t n_stats, shang_stat_fn stat, void *ctx,
                           const shang_bootstrap_opts *o, double *sd, double *lo, double *hi) SHANG_MUST_CHECK;

/* The normal interval est -/+ z sd, z the standard normal quantile of the
 * two-sided level (1.96 at 0.95): the interval every shang table reports. */
void shang_normal_interval(double est, double sd, double level, double *lo, double *hi);

/* Means of the S columns of v (N, S) within K classes, the rows weighted by
 * their group's draws: row i counts in class cls[i] (cls NULL: every row in
 * class 0; negative: in none), a NaN value in no mean. est (K, S), and with
 * contrast (K == 2) S values more: class 1's mean minus class 0's. With o (NULL:
 * no bootstrap) sd gets the bootstrap standard deviation of each; count (K, S;
 * may be NULL) the values behind each mean. An empty mean is NaN. */
int shang_bootstrap_means(const float *v, size_t N, size_t S, const int32_t *cls, size_t K, int contrast,
                          const int32_t *group, const shang_bootstrap_opts *o, double *est, double *sd,
                          uint64_t *count) SHANG_MUST_CHECK;

#endif
