/* Spectral summaries against closed forms (equal values, one value), and the
 * Hill tail exponent on eigenvalues drawn from a known power law: its mean over
 * replicates against the closed form of the estimator's expectation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "shang.h"
#include "testutil.h"

static void test_stats(void **state)
{
    (void)state;
    double s[4] = {2, 2, 2, 2}, er, me, sr;
    shang_spectrum_stats(s, 4, &er, &me, &sr);
    assert_close(er, 4, 1e-12, 0);
    assert_close(me, 1, 1e-12, 0);
    assert_close(sr, 4, 1e-12, 0);
    double one[3] = {5, 0, 0};
    shang_spectrum_stats(one, 3, &er, &me, &sr);
    assert_close(er, 1, 1e-12, 0);
    assert_close(me, 0, 1e-12, 0);
    assert_close(sr, 1, 1e-12, 0);
    /* s = (2, 1): p = (2/3, 1/3), q = (4/5, 1/5) */
    double two[2] = {2, 1};
    shang_spectrum_stats(two, 2, &er, &me, &sr);
    assert_close(er, exp(-(2.0 / 3) * log(2.0 / 3) - (1.0 / 3) * log(1.0 / 3)), 1e-12, 0);
    assert_close(me, (-0.8 * log(0.8) - 0.2 * log(0.2)) / log(2), 1e-12, 0);
    assert_close(sr, 5.0 / 4, 1e-12, 0);
}

static int descending(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

static void test_tail_alpha(void **state)
{
    (void)state;
    /* eigenvalues l = s^2 Pareto with density exponent alpha (tail index a =
     * alpha - 1): given the k-th largest, the k - 1 above it are Pareto above
     * it, so (k - 1) / sum ln(l_i / l_k) is a / Gamma(k - 1, 1) draws scaled:
     * its mean is a (k - 1) / (k - 2) */
    gsl_rng *r;
    assert_int_equal(shang_rng_new(5, SHANG_STREAM_TEST, 0, &r), 0);
    enum { N = 2000, REPS = 400 };
    double *s = malloc(N * sizeof *s);
    assert_non_null(s);
    const double alpha = 3.0, a = alpha - 1;
    for (int kk = 0; kk < 2; kk++) {
        const double tail = kk ? 0.1 : 5.0 / N; /* k = 200, and k = 5 (the floor) */
        const size_t k = kk ? 200 : 5;
        double mean = 0;
        for (int rep = 0; rep < REPS; rep++) {
            for (int i = 0; i < N; i++) s[i] = sqrt(pow(1 - gsl_rng_uniform(r), -1 / a)); /* l = U^(-1/a) */
            qsort(s, N, sizeof *s, descending);
            double est = shang_spectrum_tail_alpha(s, N, tail) - 1;
            mean += est / REPS;
        }
        const double want = a * (double)(k - 1) / (double)(k - 2);
        /* sd of one estimate: a (k-1) / ((k-2) sqrt(k-3)); of the mean over REPS */
        const double se = want / sqrt((double)(k - 3)) / sqrt(REPS);
        fprintf(stderr, "# k = %zu: mean tail index %.4f, expected %.4f (se %.4f); k / sum would give %.4f\n", k, mean,
                want, se, a * (double)k / (double)(k - 2));
        assert_close(mean, want, 4 * se, 0);
    }
    /* too few values, and a flat top */
    double flat[6] = {1, 1, 1, 1, 1, 1};
    assert_true(isnan(shang_spectrum_tail_alpha(flat, 4, 0.1)));
    assert_true(isnan(shang_spectrum_tail_alpha(flat, 6, 0.1)));
    free(s);
    shang_rng_free(r);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (shang_blas_reexec_if_generic(argv)) fprintf(stderr, "# %s\n", shang_err_msg());
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_stats), cmocka_unit_test(test_tail_alpha)};
    return cmocka_run_group_tests_name("spectrum", tests, NULL, NULL);
}
