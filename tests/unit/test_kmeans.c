/* k-means: planted blobs recovered exactly, the optimum of tiny inputs found
 * (against brute force over every assignment), inertia non-increasing over Lloyd
 * iterations, the same result for 1 and 2 threads, labels in order of first
 * appearance. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include <gsl/gsl_randist.h>

#include "shang.h"
#include "testutil.h"

static float *random_rows(size_t N, size_t D, uint64_t seed, int32_t *truth, int blobs)
{
    gsl_rng *r;
    assert_int_equal(shang_rng_new(seed, SHANG_STREAM_TEST, 0, &r), 0);
    float *x = malloc(N * D * sizeof *x);
    for (size_t i = 0; i < N; i++) {
        int b = blobs ? (int)gsl_rng_uniform_int(r, (unsigned long)blobs) : 0;
        if (truth) truth[i] = b;
        for (size_t d = 0; d < D; d++) x[i * D + d] = (float)((blobs ? 20.0 * ((b + d) % 5 == 0) + 7.0 * b : 0) + gsl_ran_gaussian(r, 1));
    }
    shang_rng_free(r);
    return x;
}

static void test_planted_blobs(void **state)
{
    (void)state;
    enum { N = 2000, D = 8 };
    int32_t truth[N];
    float *x = random_rows(N, D, 1, truth, 5);
    shang_kmeans_opts o = {.K = 5, .n_init = 3, .max_iter = 100, .tol = 1e-4, .seed = 42};
    shang_kmeans *k;
    assert_int_equal(shang_kmeans_fit(x, N, D, &o, &k), 0);
    shang_contingency *t;
    shang_cluster_scores s;
    assert_int_equal(shang_contingency_new(truth, k->labels, N, &t), 0);
    assert_int_equal(shang_cluster_scores_of(t, 0, &s), 0);
    assert_close(s.ari, 1.0, 1e-12, 0);
    assert_int_equal(k->labels[0], 0); /* first appearance order */
    int32_t seen = 0;
    for (size_t i = 0; i < N; i++) {
        assert_true(k->labels[i] <= seen);
        if (k->labels[i] == seen) seen++;
    }
    shang_contingency_free(t);
    shang_kmeans_free(k);
    free(x);
}

/* min over all K^N assignments of the within-cluster sum of squares */
static double brute(const float *x, int N, int D, int K)
{
    int lab[12] = {0};
    double best = DBL_MAX;
    for (long code = 0;; code++) {
        long c = code;
        for (int i = 0; i < N; i++, c /= K) lab[i] = (int)(c % K);
        if (c) break;
        double in = 0;
        for (int k = 0; k < K; k++) {
            double m[4] = {0};
            int n = 0;
            for (int i = 0; i < N; i++)
                if (lab[i] == k) {
                    n++;
                    for (int d = 0; d < D; d++) m[d] += x[i * D + d];
                }
            for (int i = 0; n && i < N; i++)
                if (lab[i] == k)
                    for (int d = 0; d < D; d++) in += (x[i * D + d] - m[d] / n) * (x[i * D + d] - m[d] / n);
        }
        if (in < best) best = in;
    }
    return best;
}

static void test_tiny_optimum(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 4; seed++) {
        float *x = random_rows(9, 2, seed, NULL, 0);
        /* nine points: 200 k-means++ restarts reach the global optimum */
        shang_kmeans_opts o = {.K = 3, .n_init = 200, .max_iter = 100, .tol = 0, .seed = seed};
        shang_kmeans *k;
        assert_int_equal(shang_kmeans_fit(x, 9, 2, &o, &k), 0);
        /* float centres: inertia to 1e-5 relative */
        assert_close(k->inertia, brute(x, 9, 2, 3), 0, 1e-5);
        shang_kmeans_free(k);
        free(x);
    }
}

static void test_monotone_and_threads(void **state)
{
    (void)state;
    enum { N = 3000, D = 16 };
    float *x = random_rows(N, D, 5, NULL, 0);
    shang_kmeans_opts o = {.K = 20, .n_init = 2, .max_iter = 50, .tol = 0, .seed = 9};
    shang_kmeans *a, *b;
    int t0 = shang_threads_default();
    shang_threads_set(1);
    assert_int_equal(shang_kmeans_fit(x, N, D, &o, &a), 0);
    shang_threads_set(2);
    assert_int_equal(shang_kmeans_fit(x, N, D, &o, &b), 0);
    shang_threads_set(t0);
    assert_memory_equal(a->labels, b->labels, N * sizeof *a->labels);
    assert_memory_equal(a->centers, b->centers, 20 * D * sizeof *a->centers);
    for (int i = 1; i < a->iterations; i++) assert_true(a->history[i] <= a->history[i - 1] * (1 + 1e-6));
    assert_true(a->iterations < 50); /* converged: a fixed point moves by exactly 0 */
    assert_true(a->inertia <= a->history[0]);
    shang_kmeans_opts bad = o;
    bad.K = N + 1;
    shang_kmeans *c;
    assert_int_equal(shang_kmeans_fit(x, N, D, &bad, &c), SHANG_EINVAL);
    shang_kmeans_free(a);
    shang_kmeans_free(b);
    free(x);
}

/* Yinyang's bounds skip distances but not iterations: the same centres, labels
 * and inertia as Lloyd from the same start (with K = 40 and K = 7: one group,
 * Hamerly's bound), for 1 and 2 threads */
static void test_yinyang_equals_lloyd(void **state)
{
    (void)state;
    enum { N = 4000, D = 24 };
    for (int blobs = 0; blobs <= 7; blobs += 7) {
        int t0 = shang_threads_default();
        shang_threads_set(1 + (blobs > 0));
        float *x = random_rows(N, D, 11 + (uint64_t)blobs, NULL, blobs);
        for (size_t K = 7; K <= 40; K += 33) {
            shang_kmeans_opts o = {.K = K, .n_init = 2, .max_iter = 60, .tol = 1e-6, .seed = 3};
            shang_kmeans *a, *b;
            assert_int_equal(shang_kmeans_fit(x, N, D, &o, &a), 0);
            o.algorithm = SHANG_KMEANS_YINYANG;
            assert_int_equal(shang_kmeans_fit(x, N, D, &o, &b), 0);
            assert_int_equal(a->iterations, b->iterations);
            assert_memory_equal(a->labels, b->labels, N * sizeof *a->labels);
            assert_memory_equal(a->centers, b->centers, K * D * sizeof *a->centers);
            assert_true(b->inertia == a->inertia);
            shang_kmeans_free(a);
            shang_kmeans_free(b);
        }
        shang_threads_set(t0);
        free(x);
    }
}

/* mini-batch: planted blobs found, an inertia near Lloyd's, the same result for
 * 1 and 2 threads, a history per pass */
static void test_minibatch(void **state)
{
    (void)state;
    enum { N = 20000, D = 8 };
    int32_t *truth = malloc(N * sizeof *truth);
    float *x = random_rows(N, D, 21, truth, 5);
    shang_kmeans_opts o = {.K = 5, .n_init = 3, .max_iter = 20, .tol = 0, .seed = 5,
                           .algorithm = SHANG_KMEANS_MINIBATCH, .batch = 256};
    shang_kmeans *a, *b, *l;
    int t0 = shang_threads_default();
    shang_threads_set(1);
    assert_int_equal(shang_kmeans_fit(x, N, D, &o, &a), 0);
    shang_threads_set(2);
    assert_int_equal(shang_kmeans_fit(x, N, D, &o, &b), 0);
    shang_threads_set(t0);
    assert_memory_equal(a->labels, b->labels, N * sizeof *a->labels);
    assert_memory_equal(a->centers, b->centers, 5 * D * sizeof *a->centers);
    assert_true(a->iterations >= 1 && a->iterations <= 20);
    for (int i = 0; i < a->iterations; i++) assert_true(a->history[i] > 0);
    o.algorithm = SHANG_KMEANS_LLOYD;
    assert_int_equal(shang_kmeans_fit(x, N, D, &o, &l), 0);
    assert_true(a->inertia < 1.01 * l->inertia);
    shang_contingency *t;
    shang_cluster_scores s;
    assert_int_equal(shang_contingency_new(truth, a->labels, N, &t), 0);
    assert_int_equal(shang_cluster_scores_of(t, 0, &s), 0);
    assert_close(s.ari, 1.0, 1e-3, 0);
    o.algorithm = 7;
    shang_kmeans *bad;
    assert_int_equal(shang_kmeans_fit(x, N, D, &o, &bad), SHANG_EINVAL);
    int alg;
    assert_int_equal(shang_kmeans_algorithm_parse("minibatch", &alg), 0);
    assert_int_equal(alg, SHANG_KMEANS_MINIBATCH);
    assert_int_equal(shang_kmeans_algorithm_parse("hamerly", &alg), SHANG_EINVAL);
    assert_string_equal(shang_kmeans_algorithm_name(SHANG_KMEANS_YINYANG), "yinyang");
    shang_contingency_free(t);
    shang_kmeans_free(a);
    shang_kmeans_free(b);
    shang_kmeans_free(l);
    free(truth);
    free(x);
}

static void test_fit_split(void **state)
{
    /* fitting on the training rows and assigning the held-out ones: the training
     * rows' result is shang_kmeans_fit's on them alone, every held-out row gets
     * its nearest centre (naive double distances) */
    (void)state;
    const size_t N = 3000, D = 6, K = 7;
    float *x = random_rows(N, D, 31, NULL, 5), *tr = malloc(N * D * sizeof *tr);
    unsigned char *test = malloc(N);
    size_t n_tr = 0;
    for (size_t i = 0; i < N; i++) {
        test[i] = (i / 50) % 4 == 1; /* blocks of 50 rows: documents */
        if (!test[i]) memcpy(tr + n_tr++ * D, x + i * D, D * sizeof *x);
    }
    shang_kmeans_opts o = {.K = K, .n_init = 2, .max_iter = 50, .tol = 1e-6, .seed = 5};
    shang_kmeans *a = NULL, *b = NULL;
    assert_int_equal(shang_kmeans_fit_split(x, N, D, test, &o, &a), 0);
    assert_int_equal(shang_kmeans_fit(tr, n_tr, D, &o, &b), 0);
    assert_int_equal(a->N, N);
    assert_memory_equal(a->centers, b->centers, K * D * sizeof *a->centers);
    assert_true(a->inertia == b->inertia);
    for (size_t i = 0, t = 0; i < N; i++) {
        if (!test[i]) {
            assert_int_equal(a->labels[i], b->labels[t++]);
            continue;
        }
        double best = INFINITY;
        int32_t arg = -1;
        for (size_t k = 0; k < K; k++) {
            double d = 0;
            for (size_t j = 0; j < D; j++) d += (x[i * D + j] - a->centers[k * D + j]) * (x[i * D + j] - a->centers[k * D + j]);
            if (d < best) best = d, arg = (int32_t)k;
        }
        assert_int_equal(a->labels[i], arg);
    }
    shang_kmeans_free(a);
    shang_kmeans_free(b);
    free(x); free(tr); free(test);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (shang_blas_reexec_if_generic(argv)) fprintf(stderr, "# %s\n", shang_err_msg());
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_planted_blobs), cmocka_unit_test(test_tiny_optimum),
                                       cmocka_unit_test(test_monotone_and_threads),
                                       cmocka_unit_test(test_yinyang_equals_lloyd), cmocka_unit_test(test_minibatch),
                                       cmocka_unit_test(test_fit_split)};
    return cmocka_run_group_tests_name("kmeans", tests, NULL, NULL);
}
