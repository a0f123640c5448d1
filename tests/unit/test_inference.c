/* Weighted contingency tables, entropies of their margins with any estimator,
 * held-out conditional cross-entropy (add-alpha with back-off) and the group
 * bootstrap: closed forms, a naive double-precision reference, weights equal to
 * duplicated items, and bootstrap intervals against the normal theory of a mean
 * of independent groups. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include <gsl/gsl_randist.h>

#include "shang.h"
#include "testutil.h"

/* weights w[i] give the same table as item i repeated w[i] times */
static void test_weighted_contingency(void **state)
{
    (void)state;
    int32_t a[6] = {1, 1, 2, 2, 3, 3}, b[6] = {5, 6, 5, 5, 6, 7};
    uint32_t w[6] = {2, 0, 1, 3, 1, 2};
    int32_t ra[9], rb[9];
    size_t n = 0;
    for (int i = 0; i < 6; i++)
        for (uint32_t k = 0; k < w[i]; k++) {
            ra[n] = a[i];
            rb[n++] = b[i];
        }
    shang_contingency *t, *u;
    assert_int_equal(shang_contingency_new_weighted(a, b, w, 6, &t), 0);
    assert_int_equal(shang_contingency_new(ra, rb, n, &u), 0);
    assert_int_equal(t->N, 9);
    assert_int_equal(t->nnz, u->nnz);
    shang_cluster_scores s1, s2;
    assert_int_equal(shang_cluster_scores_of(t, 1, &s1), 0);
    assert_int_equal(shang_cluster_scores_of(u, 1, &s2), 0);
    assert_close(s1.mi, s2.mi, 1e-15, 0);
    assert_close(s1.ari, s2.ari, 1e-15, 0);
    assert_close(s1.ami, s2.ami, 1e-12, 0);
    /* H(B|A) with Miller-Madow: the plug-in + (cells - rows) / 2N */
    double hj, ha, hjp, hap;
    assert_int_equal(shang_contingency_entropy(t, 'j', SHANG_H_MILLER_MADOW, 0, &hj, NULL), 0);
    assert_int_equal(shang_contingency_entropy(t, 'a', SHANG_H_MILLER_MADOW, 0, &ha, NULL), 0);
    assert_int_equal(shang_contingency_entropy(t, 'j', SHANG_H_PLUGIN, 0, &hjp, NULL), 0);
    assert_int_equal(shang_contingency_entropy(t, 'a', SHANG_H_PLUGIN, 0, &hap, NULL), 0);
    assert_close(hjp - hap, s1.h_b_given_a, 1e-15, 0);
    /* cells with weight: (1,5) (2,5) (3,6) (3,7) = 4; rows with weight: 3 */
    assert_close((hj - ha) - (hjp - hap), (4.0 - 3.0) / (2 * 9.0), 1e-15, 0);
    double h;
    assert_int_equal(shang_contingency_entropy(t, 'x', SHANG_H_PLUGIN, 0, &h, NULL), SHANG_EINVAL);
    uint32_t zero[6] = {0};
    shang_contingency *z;
    assert_int_equal(shang_contingency_new_weighted(a, b, zero, 6, &z), SHANG_EINVAL);
    shang_contingency_free(t);
    shang_contingency_free(u);
}

/* naive reference of the add-alpha / back-off formula */
static double naive_ce(const int64_t *ct, const int32_t *yt, size_t nt, const int64_t *ce, const int32_t *ye, size_t ne,
                       double a, int V)
{
    double s = 0;
    for (size_t i = 0; i < ne; i++) {
        double nc = 0, ncy = 0, ny = 0;
        for (size_t j = 0; j < nt; j++) {
            nc += ct[j] == ce[i];
            ncy += ct[j] == ce[i] && yt[j] == ye[i];
            ny += yt[j] == ye[i];
        }
        double q0 = (ny + a) / ((double)nt + a * V);
        s -= log((ncy + a * V * q0) / (nc + a * V));
    }
    return s / (double)ne;
}

static void test_heldout(void **state)
{
    (void)state;
    gsl_rng *r;
    assert_int_equal(shang_rng_new(3, SHANG_STREAM_TEST, 0, &r), 0);
    enum { NT = 600, NE = 300, V = 7 };
    int64_t ct[NT], ce[NE];
    int32_t yt[NT], ye[NE];
    for (int i = 0; i < NT + NE; i++) {
        int64_t c = (int64_t)gsl_rng_uniform_int(r, 12) * 1000003; /* keys need not be dense */
        int32_t y = (int32_t)((c / 1000003 + gsl_rng_uniform_int(r, 3)) % V);
        if (i < NT) ct[i] = c, yt[i] = y;
        else ce[i - NT] = c + (i % 50 == 0), ye[i - NT] = y; /* a few unseen conditions */
    }
    shang_rng_free(r);
    for (double a = 0.01; a < 20; a *= 10) {
        double got;
        assert_int_equal(shang_heldout_ce(ct, yt, NULL, NT, ce, ye, NULL, NE, a, V, &got), 0);
        assert_close(got, naive_ce(ct, yt, NT, ce, ye, NE, a, V), 1e-12, 0);
    }
    /* tested on its own training data with alpha -> 0: the plug-in H(Y|C) */
    int32_t c32[NT];
    for (int i = 0; i < NT; i++) c32[i] = (int32_t)(ct[i] / 1000003);
    shang_contingency *t;
    shang_cluster_scores s;
    assert_int_equal(shang_contingency_new(c32, yt, NT, &t), 0);
    assert_int_equal(shang_cluster_scores_of(t, 0, &s), 0);
    double self;
    assert_int_equal(shang_heldout_ce(ct, yt, NULL, NT, ct, yt, NULL, NT, 1e-12, V, &self), 0);
    assert_close(self, s.h_b_given_a, 1e-9, 0);
    /* weights are multiplicities */
    uint32_t w[NT];
    for (int i = 0; i < NT; i++) w[i] = (uint32_t)(i % 3);
    int64_t cr[2 * NT];
    int32_t yr[2 * NT];
    size_t n = 0;
    for (int i = 0; i < NT; i++)
        for (uint32_t k = 0; k < w[i]; k++) cr[n] = ct[i], yr[n++] = yt[i];
    double wa, wb;
    assert_int_equal(shang_heldout_ce(ct, yt, w, NT, ce, ye, NULL, NE, 0.5, V, &wa), 0);
    assert_int_equal(shang_heldout_ce(cr, yr, NULL, n, ce, ye, NULL, NE, 0.5, V, &wb), 0);
    assert_close(wa, wb, 1e-13, 0);
    /* an outcome outside 0..V-1 */
    yt[5] = V;
    assert_int_equal(shang_heldout_ce(ct, yt, NULL, NT, ce, ye, NULL, NE, 1, V, &wa), SHANG_EINVAL);
    shang_contingency_free(t);
}

struct mean_ctx {
    const double *v;
    size_t n;
};

static int weighted_mean(const uint32_t *w, void *ctx, double *out)
{
    const struct mean_ctx *m = ctx;
    double s = 0, n = 0;
    for (size_t i = 0; i < m->n; i++) {
        s += w[i] * m->v[i];
        n += w[i];
    }
    out[0] = s / n;
    out[1] = NAN; /* a statistic that is never defined */
    return SHANG_OK;
}

/* the mean of G independent groups of 5 identical items: the bootstrap sd is
 * close to the sample sd / sqrt(G), the interval covers the mean, and one seed
 * gives the same interval for 1 and 2 threads */
static void test_bootstrap(void **state)
{
    (void)state;
    enum { G = 400, PER = 5, N = G * PER };
    double v[N], gv[G];
    int32_t group[N];
    gsl_rng *r;
    assert_int_equal(shang_rng_new(4, SHANG_STREAM_TEST, 0, &r), 0);
    double mean = 0;
    for (int g = 0; g < G; g++) {
        gv[g] = gsl_ran_gaussian(r, 2.0);
        mean += gv[g] / G;
    }
    for (int i = 0; i < N; i++) {
        group[i] = 1000 - i / PER;
        v[i] = gv[i / PER];
    }
    shang_rng_free(r);
    double var = 0;
    for (int g = 0; g < G; g++) var += (gv[g] - mean) * (gv[g] - mean) / (G - 1);
    struct mean_ctx ctx = {v, N};
    shang_bootstrap_opts o = {.replicates = 2000, .level = 0.95, .seed = 11, .stream = 2};
    double lo[2], hi[2], sd[2], lo2[2], hi2[2], sd2[2], nlo, nhi;
    int t0 = shang_threads_default();
    shang_threads_set(1);
    assert_int_equal(shang_bootstrap_groups(group, N, 2, weighted_mean, &ctx, &o, sd, lo, hi), 0);
    shang_threads_set(2);
    assert_int_equal(shang_bootstrap_groups(group, N, 2, weighted_mean, &ctx, &o, sd2, lo2, hi2), 0);
    shang_threads_set(t0);
    assert_true(lo[0] == lo2[0] && hi[0] == hi2[0] && sd[0] == sd2[0]);
    /* the percentile interval is optional; the standard deviation is the same */
    assert_int_equal(shang_bootstrap_groups(group, N, 2, weighted_mean, &ctx, &o, sd2, NULL, NULL), 0);
    assert_true(sd2[0] == sd[0]);
    /* the normal interval: est -/+ 1.959964 sd at 0.95, 2.575829 at 0.99 */
    shang_normal_interval(mean, sd[0], 0.95, &nlo, &nhi);
    assert_close(nlo, mean - 1.959964 * sd[0], 1e-6, 0);
    assert_close(nhi, mean + 1.959964 * sd[0], 1e-6, 0);
    shang_normal_interval(0, 1, 0.99, &nlo, &nhi);
    assert_close(nhi, 2.575829, 1e-6, 0);
    assert_close(nlo, -2.575829, 1e-6, 0);
    assert_true(lo[0] < mean && mean < hi[0]);
    /* sd of the bootstrap mean: sqrt(var (G-1)/G / G); 2000 replicates: ~3% error */
    assert_close(sd[0], sqrt(var * (G - 1) / G / G), 0, 0.08);
    assert_close(hi[0] - lo[0], 2 * 1.959964 * sd[0], 0, 0.08);
    assert_true(isnan(lo[1]) && isnan(hi[1]) && isnan(sd[1]));
    o.replicates = 1;
    assert_int_equal(shang_bootstrap_groups(group, N, 2, weighted_mean, &ctx, &o, sd, lo, hi), SHANG_EINVAL);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (shang_blas_reexec_if_generic(argv)) fprintf(stderr, "# %s\n", shang_err_msg());
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_weighted_contingency), cmocka_unit_test(test_heldout),
                                       cmocka_unit_test(test_bootstrap)};
    return cmocka_run_group_tests_name("inference", tests, NULL, NULL);
}
