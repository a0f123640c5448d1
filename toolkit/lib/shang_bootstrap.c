/* shang_bootstrap — see shang_bootstrap.h. */
#include "shang_bootstrap.h"
#include "shang_mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "shang_err.h"
#include "shang_rng.h"
#include "shang_strmap.h"

int shang_bootstrap_groups(const int32_t *group, size_t N, size_t n_stats, shang_stat_fn stat, void *ctx,
                           const shang_bootstrap_opts *o, double *sd, double *lo, double *hi)
{
    if (N == 0 || n_stats == 0) return SHANG_FAIL(SHANG_EINVAL, "bootstrap of nothing");
    if (o->replicates < 2 || !(o->level > 0 && o->level < 1))
        return SHANG_FAIL(SHANG_EINVAL, "bootstrap needs >= 2 replicates and a level in (0, 1)");
    const size_t B = (size_t)o->replicates;
    uint32_t *gi = shang_alloc(N, sizeof *gi, "gi");
    double *rep = shang_alloc(B * n_stats, sizeof *rep, "rep"), *col = shang_alloc(B, sizeof *col, "col");
    int rc = gi && rep && col ? SHANG_OK : SHANG_FAIL(SHANG_ENOMEM, "cannot allocate the bootstrap");
    size_t G = 0;
    if (!rc) rc = shang_dense_ids(group, sizeof *group, N, gi, &G); /* in order of first appearance */
    /* replicates in parallel: each its own stream and weights, so the result is
     * the same for any thread count; a failure's message is carried out */
    int failed = 0;
    char *why = NULL;
#pragma omp parallel if (!rc)
    {
        uint32_t *w = shang_alloc(N, sizeof *w, "w"), *drawn = shang_alloc(G, sizeof *drawn, "drawn");
#pragma omp for schedule(dynamic, 1)
        for (size_t b = 0; b < B; b++) {
            int e = w && drawn ? SHANG_OK : SHANG_FAIL(SHANG_ENOMEM, "cannot allocate a bootstrap replicate");
            gsl_rng *r = NULL;
            if (!e) e = shang_rng_new(o->seed, SHANG_STREAM_BOOTSTRAP, o->stream << 32 | b, &r);
            if (!e) {
                memset(drawn, 0, G * sizeof *drawn);
                for (size_t g = 0; g < G; g++) drawn[gsl_rng_uniform_int(r, G)]++;
                for (size_t i = 0; i < N; i++) w[i] = drawn[gi[i]];
                e = stat(w, ctx, rep + b * n_stats);
            }
            shang_rng_free(r);
            if (e) {
#pragma omp critical(shang_bootstrap_err)
                if (!failed) {
                    failed = e;
                    why = shang_strdup(shang_err_msg());
                }
            }
        }
        free(w);
        free(drawn);
    }
    if (!rc && failed) rc = SHANG_FAIL(failed, "bootstrap: %s", why ? why : "a replicate failed");
    free(why);
    for (size_t s = 0; !rc && s < n_stats; s++) {
        size_t n = 0;
        for (size_t b = 0; b < B; b++)
            if (!isnan(rep[b * n_stats + s])) col[n++] = rep[b * n_stats + s];
        if (n < 2) {
            sd[s] = NAN;
            if (lo) lo[s] = hi[s] = NAN;
            continue;
        }
        sd[s] = gsl_stats_sd(col, 1, n);
        if (!lo) continue;
        gsl_sort(col, 1, n);
        lo[s] = gsl_stats_quantile_from_sorted_data(col, 1, n, (1 - o->level) / 2);
        hi[s] = gsl_stats_quantile_from_sorted_data(col, 1, n, 1 - (1 - o->level) / 2);
        if (lo[s] > hi[s]) lo[s] = hi[s]; /* interpolating equal values can round apart */
    }
    free(gi); free(rep); free(col);
    return rc;
}

struct means {
    const float *v;   /* (N, S) */
    const int32_t *cls; /* (N) or NULL */
    size_t N, S, K;
    int contrast;
    uint64_t *count;  /* (K, S): filled by the unweighted call only */
};

static int means_stat(const uint32_t *w, void *ctx, double *out)
{
    const struct means *c = ctx;
    const size_t KS = c->K * c->S;
    double *sum = shang_zalloc(KS, sizeof *sum, "sum"), *cnt = shang_zalloc(KS, sizeof *cnt, "cnt");
    if (!sum || !cnt) {
        free(sum);
        free(cnt);
        return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate %zu class means", KS);
    }
    for (size_t i = 0; i < c->N; i++) {
        double wi = w ? w[i] : 1;
        int64_t k = c->cls ? c->cls[i] : 0;
        if (wi == 0 || k < 0) continue;
        const float *x = c->v + i * c->S;
        double *s = sum + (size_t)k * c->S, *n = cnt + (size_t)k * c->S;
        for (size_t j = 0; j < c->S; j++)
            if (!isnan(x[j])) {
                s[j] += wi * x[j];
                n[j] += wi;
            }
    }
    for (size_t j = 0; j < KS; j++) {
        out[j] = cnt[j] > 0 ? sum[j] / cnt[j] : NAN;
        if (!w && c->count) c->count[j] = (uint64_t)cnt[j];
    }
    if (c->contrast)
        for (size_t j = 0; j < c->S; j++) out[KS + j] = out[c->S + j] - out[j];
    free(sum);
    free(cnt);
    return SHANG_OK;
}

int shang_bootstrap_means(const float *v, size_t N, size_t S, const int32_t *cls, size_t K, int contrast,
                          const int32_t *group, const shang_bootstrap_opts *o, double *est, double *sd, uint64_t *count)
{
    if (S == 0 || K == 0 || (contrast && K != 2))
        return SHANG_FAIL(SHANG_EINVAL, "means of %zu columns in %zu classes%s", S, K, contrast ? " with a contrast" : "");
    for (size_t i = 0; cls && i < N; i++)
        if (cls[i] >= 0 && (size_t)cls[i] >= K) return SHANG_FAIL(SHANG_EINVAL, "row %zu: class %d of %zu", i, cls[i], K);
    struct means c = {v, cls, N, S, K, contrast, count};
    const size_t n_out = K * S + (contrast ? S : 0);
    int rc = means_stat(NULL, &c, est);
    if (rc || !o) return rc;
    c.count = NULL;
    return shang_bootstrap_groups(group, N, n_out, means_stat, &c, o, sd, NULL, NULL);
}

void shang_normal_interval(double est, double sd, double level, double *lo, double *hi)
{
    const double z = gsl_cdf_ugaussian_Pinv(1 - (1 - level) / 2);
    *lo = est - z * sd;
    *hi = est + z * sd;
}
