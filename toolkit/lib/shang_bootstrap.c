/* shang_bootstrap — see shang_bootstrap.h. */
#include "shang_bootstrap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "shang_rng.h"
#include "shang_strmap.h"

int shang_bootstrap_groups(const int32_t *group, size_t N, size_t n_stats, shang_stat_fn stat, void *ctx,
                           const shang_bootstrap_opts *o, double *lo, double *hi, double *sd)
{
    if (N == 0 || n_stats == 0) return SHANG_FAIL(SHANG_EINVAL, "bootstrap of nothing");
    if (o->replicates < 2 || !(o->level > 0 && o->level < 1))
        return SHANG_FAIL(SHANG_EINVAL, "bootstrap needs >= 2 replicates and a level in (0, 1)");
    const size_t B = (size_t)o->replicates;
    uint32_t *gi = malloc(N * sizeof *gi), *w = malloc(N * sizeof *w), *drawn = NULL;
    double *rep = malloc(B * n_stats * sizeof *rep), *col = malloc(B * sizeof *col);
    shang_strmap *m = NULL;
    int rc = gi && w && rep && col ? SHANG_OK : SHANG_FAIL(SHANG_ENOMEM, "cannot allocate the bootstrap");
    if (!rc) rc = shang_strmap_new(1024, &m);
    for (size_t i = 0; !rc && i < N; i++) { /* dense group index, in order of first appearance */
        int added;
        uint64_t *v = shang_strmap_put(m, &group[i], sizeof group[i], &added);
        if (!v) rc = shang_err_code();
        else {
            if (added) *v = shang_strmap_size(m) - 1;
            gi[i] = (uint32_t)*v;
        }
    }
    const size_t G = m ? shang_strmap_size(m) : 0;
    if (!rc && !(drawn = malloc(G * sizeof *drawn))) rc = SHANG_FAIL(SHANG_ENOMEM, "cannot allocate the bootstrap");
    for (size_t b = 0; !rc && b < B; b++) {
        gsl_rng *r;
        if ((rc = shang_rng_new(o->seed, SHANG_STREAM_BOOTSTRAP, o->stream << 32 | b, &r))) break;
        memset(drawn, 0, G * sizeof *drawn);
        for (size_t g = 0; g < G; g++) drawn[gsl_rng_uniform_int(r, G)]++;
        shang_rng_free(r);
        for (size_t i = 0; i < N; i++) w[i] = drawn[gi[i]];
        rc = stat(w, ctx, rep + b * n_stats);
    }
    for (size_t s = 0; !rc && s < n_stats; s++) {
        size_t n = 0;
        for (size_t b = 0; b < B; b++)
            if (!isnan(rep[b * n_stats + s])) col[n++] = rep[b * n_stats + s];
        if (n < 2) {
            lo[s] = hi[s] = NAN;
            if (sd) sd[s] = NAN;
            continue;
        }
        gsl_sort(col, 1, n);
        lo[s] = gsl_stats_quantile_from_sorted_data(col, 1, n, (1 - o->level) / 2);
        hi[s] = gsl_stats_quantile_from_sorted_data(col, 1, n, 1 - (1 - o->level) / 2);
        if (sd) sd[s] = gsl_stats_sd(col, 1, n);
    }
    shang_strmap_free(m);
    free(gi); free(w); free(drawn); free(rep); free(col);
    return rc;
}
