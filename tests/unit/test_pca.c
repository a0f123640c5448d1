/* PCA: planted orthogonal directions recovered with their variances, components
 * orthonormal and sign-canonical, all variances summing to the total, merged
 * partial accumulators equal to one stream, standardisation undoing feature
 * scales. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "shang.h"
#include "testutil.h"

enum { N = 20000, D = 12 };
static const double SD[4] = {5, 3, 2, 1};   /* planted standard deviations */
static const int AXIS[4] = {7, 2, 10, 4};   /* along these axes */

static float *planted(uint64_t seed)
{
    gsl_rng *r;
    assert_int_equal(shang_rng_new(seed, SHANG_STREAM_TEST, 0, &r), 0);
    float *x = malloc((size_t)N * D * sizeof *x);
    for (size_t i = 0; i < N; i++) {
        for (int d = 0; d < D; d++) x[i * D + d] = (float)(1.5 + gsl_ran_gaussian(r, 0.1)); /* offset + noise */
        for (int k = 0; k < 4; k++) x[i * D + AXIS[k]] += (float)gsl_ran_gaussian(r, SD[k]);
    }
    shang_rng_free(r);
    return x;
}

static void test_planted_directions(void **state)
{
    (void)state;
    float *x = planted(1);
    shang_pca_acc *a;
    assert_int_equal(shang_pca_acc_new(D, &a), 0);
    assert_int_equal(shang_pca_acc_add(a, x, N, D), 0);
    shang_pca *p;
    assert_int_equal(shang_pca_fit(a, D, 0, &p), 0);
    for (int k = 0; k < 4; k++) {
        const double *v = p->components + (size_t)k * D;
        assert_true(v[AXIS[k]] > 0.999); /* the planted axis, sign made positive */
        /* sample variance of 20,000 normals: relative sd sqrt(2/N) = 1%; 5 sd */
        assert_close(p->variance[k], SD[k] * SD[k] + 0.01, 0, 0.05);
    }
    double sum = 0;
    for (int k = 0; k < D; k++) sum += p->variance[k];
    assert_close(sum, p->total_variance, 1e-9, 1e-12);
    for (int i = 0; i < D; i++)
        for (int j = 0; j < D; j++) {
            double d = 0;
            for (int c = 0; c < D; c++) d += p->components[i * D + c] * p->components[j * D + c];
            assert_close(d, i == j, 1e-12, 0);
        }
    /* projection: the first coordinate is the centred planted axis */
    float y[D * 2];
    assert_int_equal(shang_pca_project(p, x, 2, D, y), 0);
    assert_close(y[0], x[AXIS[0]] - p->mean[AXIS[0]], 0.05, 0.01);
    shang_pca_free(p);
    shang_pca_acc_free(a);
    free(x);
}

static void test_merge_and_standardize(void **state)
{
    (void)state;
    float *x = planted(2);
    shang_pca_acc *all, *h1, *h2;
    assert_int_equal(shang_pca_acc_new(D, &all), 0);
    assert_int_equal(shang_pca_acc_new(D, &h1), 0);
    assert_int_equal(shang_pca_acc_new(D, &h2), 0);
    assert_int_equal(shang_pca_acc_add(all, x, N, D), 0);
    /* split on a block boundary (4096 rows: each block's scatter is a float SYRK),
     * so the merged halves hold the same blocks and agree to double rounding */
    assert_int_equal(shang_pca_acc_add(h1, x, 8192, D), 0);
    assert_int_equal(shang_pca_acc_add(h2, x + (size_t)8192 * D, N - 8192, D), 0);
    assert_int_equal(shang_pca_acc_merge(h1, h2), 0);
    assert_close(h1->n, N, 0, 0);
    for (int i = 0; i < D; i++) assert_close(h1->mean[i], all->mean[i], 1e-12, 1e-12);
    for (int i = 0; i < D; i++)
        for (int j = i; j < D; j++) assert_close(h1->scatter[i * D + j], all->scatter[i * D + j], 1e-9, 1e-10);
    /* any split: within the float blocks' rounding, 1e-6 of the diagonal scale */
    shang_pca_acc *o1, *o2;
    assert_int_equal(shang_pca_acc_new(D, &o1), 0);
    assert_int_equal(shang_pca_acc_new(D, &o2), 0);
    assert_int_equal(shang_pca_acc_add(o1, x, 7001, D), 0);
    assert_int_equal(shang_pca_acc_add(o2, x + (size_t)7001 * D, N - 7001, D), 0);
    assert_int_equal(shang_pca_acc_merge(o1, o2), 0);
    for (int i = 0; i < D; i++)
        for (int j = i; j < D; j++)
            assert_close(o1->scatter[i * D + j], all->scatter[i * D + j],
                         1e-6 * sqrt(all->scatter[i * D + i] * all->scatter[j * D + j]), 0);
    shang_pca_acc_free(o1);
    shang_pca_acc_free(o2);
    /* scaling a feature by 1000 changes nothing after standardisation */
    float *y = malloc((size_t)N * D * sizeof *y);
    memcpy(y, x, (size_t)N * D * sizeof *y);
    for (size_t i = 0; i < N; i++) y[i * D + 3] *= 1000;
    shang_pca_acc *ay;
    assert_int_equal(shang_pca_acc_new(D, &ay), 0);
    assert_int_equal(shang_pca_acc_add(ay, y, N, D), 0);
    shang_pca *px, *py;
    assert_int_equal(shang_pca_fit(all, 3, 1, &px), 0);
    assert_int_equal(shang_pca_fit(ay, 3, 1, &py), 0);
    for (int k = 0; k < 3 * D; k++) assert_close(py->components[k], px->components[k], 1e-5, 0);
    assert_close(px->total_variance, D, 1e-9, 0); /* standardised: unit variances */
    float bad[D] = {0};
    bad[3] = NAN;
    assert_int_equal(shang_pca_acc_add(ay, bad, 1, D), SHANG_ENUMERIC);
    shang_pca *q;
    assert_int_equal(shang_pca_fit(all, D + 1, 0, &q), SHANG_EINVAL);
    shang_pca_free(px);
    shang_pca_free(py);
    shang_pca_acc_free(all);
    shang_pca_acc_free(h1);
    shang_pca_acc_free(h2);
    shang_pca_acc_free(ay);
    free(x);
    free(y);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_planted_directions),
                                       cmocka_unit_test(test_merge_and_standardize)};
    return cmocka_run_group_tests_name("pca", tests, NULL, NULL);
}
