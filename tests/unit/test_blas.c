/* BLAS wrapper and kernel correction. main() goes through the same start-up as
 * `shang` (re-executing under a corrected kernel when OpenBLAS picked a generic
 * one), so the sgemm comparisons below run under the kernel shang would use. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shang.h"
#include "testutil.h"

static void test_kernel_choice_table(void **state)
{
    (void)state;
    assert_string_equal(shang_blas_kernel_choice("Prescott", SHANG_SIMD_AVX512), "SkylakeX");
    assert_string_equal(shang_blas_kernel_choice("Nehalem", SHANG_SIMD_AVX512), "SkylakeX");
    assert_string_equal(shang_blas_kernel_choice("Haswell", SHANG_SIMD_AVX512), "SkylakeX");
    assert_null(shang_blas_kernel_choice("SkylakeX", SHANG_SIMD_AVX512));
    assert_null(shang_blas_kernel_choice("cooperlake", SHANG_SIMD_AVX512));
    assert_null(shang_blas_kernel_choice("SapphireRapids", SHANG_SIMD_AVX512));
    assert_string_equal(shang_blas_kernel_choice("Prescott", SHANG_SIMD_AVX2), "Haswell");
    assert_null(shang_blas_kernel_choice("Zen", SHANG_SIMD_AVX2));
    assert_null(shang_blas_kernel_choice("Prescott", SHANG_SIMD_GENERIC));
    assert_null(shang_blas_kernel_choice("SkylakeX", SHANG_SIMD_AVX2));
}

/* The kernel in use matches what this CPU can run (after correction). */
static void test_kernel_in_use_not_generic(void **state)
{
    (void)state;
    int cpu = shang_blas_cpu_simd();
    const char *k = shang_blas_kernel();
    fprintf(stderr, "# cpu simd level %d, kernel %s (%s)\n", cpu, k, shang_blas_kernel_origin());
    if (getenv("OPENBLAS_CORETYPE") && !getenv("SHANG_BLAS_DETECTED")) {
        /* the user chose; shang must have kept it */
        assert_true(strcasecmp(k, getenv("OPENBLAS_CORETYPE")) == 0);
        return;
    }
    assert_true(shang_blas_kernel_simd(k) >= cpu);
    assert_null(shang_blas_kernel_advice());
}

/* Naive double-precision reference of op(A) op(B), row-major. */
static void naive(int ta, int tb, size_t M, size_t N, size_t K, const float *A, size_t lda,
                  const float *B, size_t ldb, double *C)
{
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            double s = 0;
            for (size_t k = 0; k < K; k++) {
                double a = ta ? A[k * lda + i] : A[i * lda + k];
                double b = tb ? B[j * ldb + k] : B[k * ldb + j];
                s += a * b;
            }
            C[i * N + j] = s;
        }
}

static void fill(float *x, size_t n, gsl_rng *r)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)(2 * gsl_rng_uniform(r) - 1);
}

static void check_sgemm(size_t M, size_t N, size_t K, int ta, int tb, gsl_rng *r)
{
    size_t lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 1, ldc = N + 2;
    size_t arows = ta ? K : M, brows = tb ? N : K;
    float *A = malloc(arows * lda * sizeof *A), *B = malloc(brows * ldb * sizeof *B);
    float *C = malloc(M * ldc * sizeof *C);
    double *R = malloc(M * N * sizeof *R);
    fill(A, arows * lda, r);
    fill(B, brows * ldb, r);
    fill(C, M * ldc, r);
    float *C0 = malloc(M * ldc * sizeof *C0);
    memcpy(C0, C, M * ldc * sizeof *C);
    naive(ta, tb, M, N, K, A, lda, B, ldb, R);
    const float alpha = 0.75f, beta = -0.5f;
    shang_sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    /* float32 accumulation of K products of magnitude <= 1: error grows like
     * sqrt(K) * 2^-24 per unit of sum; 8 sqrt(K) eps32 is a loose bound */
    double atol = 8 * sqrt((double)K) * 5.96e-8 + 1e-6;
    int ok = 1;
    for (size_t i = 0; i < M && ok; i++)
        for (size_t j = 0; j < N && ok; j++)
            ok = test_close(C[i * ldc + j], alpha * R[i * N + j] + beta * (double)C0[i * ldc + j],
                            atol, 1e-6, "sgemm element", __FILE__, __LINE__);
    /* the padding between rows is untouched */
    for (size_t i = 0; i < M; i++)
        for (size_t j = N; j < ldc; j++) ok &= C[i * ldc + j] == C0[i * ldc + j];
    assert_true(ok);
    free(A);
    free(B);
    free(C);
    free(C0);
    free(R);
}

static void test_sgemm_matches_naive(void **state)
{
    (void)state;
    gsl_rng *r;
    assert_int_equal(shang_rng_new(1, SHANG_STREAM_TEST, 0, &r), 0);
    static const size_t shapes[][3] = {{1, 1, 1},   {7, 5, 3},    {64, 64, 64},
                                       {129, 67, 250}, {256, 768, 96}, {33, 1000, 513}};
    for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) check_sgemm(shapes[s][0], shapes[s][1], shapes[s][2], ta, tb, r);
    shang_rng_free(r);
}

static void test_sgemm_threads_identical(void **state)
{
    (void)state;
    /* OpenBLAS splits sgemm by output blocks, so 1 and 2 threads must agree bit
     * for bit (the toolkit's thread-count independence relies on it) */
    size_t M = 300, N = 257, K = 768;
    gsl_rng *r;
    assert_int_equal(shang_rng_new(2, SHANG_STREAM_TEST, 0, &r), 0);
    float *A = malloc(M * K * 4), *B = malloc(K * N * 4), *C1 = malloc(M * N * 4), *C2 = malloc(M * N * 4);
    fill(A, M * K, r);
    fill(B, K * N, r);
    int t0 = shang_threads();
    shang_threads_set(1);
    shang_sgemm(false, false, M, N, K, 1, A, K, B, N, 0, C1, N);
    shang_threads_set(2);
    shang_sgemm(false, false, M, N, K, 1, A, K, B, N, 0, C2, N);
    shang_threads_set(t0);
    assert_memory_equal(C1, C2, M * N * 4);
    free(A);
    free(B);
    free(C1);
    free(C2);
    shang_rng_free(r);
}

static void test_dgemm_matches_naive(void **state)
{
    (void)state;
    double A[6] = {1, 2, 3, 4, 5, 6}, B[6] = {7, 8, 9, 10, 11, 12}, C[4] = {0};
    /* (2x3)(3x2) = [[58, 64], [139, 154]] */
    shang_dgemm(false, false, 2, 2, 3, 1, A, 3, B, 2, 0, C, 2);
    assert_close(C[0], 58, 0, 1e-15);
    assert_close(C[1], 64, 0, 1e-15);
    assert_close(C[2], 139, 0, 1e-15);
    assert_close(C[3], 154, 0, 1e-15);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (shang_blas_reexec_if_generic(argv)) fprintf(stderr, "# %s\n", shang_err_msg());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kernel_choice_table),
        cmocka_unit_test(test_kernel_in_use_not_generic),
        cmocka_unit_test(test_sgemm_matches_naive),
        cmocka_unit_test(test_sgemm_threads_identical),
        cmocka_unit_test(test_dgemm_matches_naive),
    };
    return cmocka_run_group_tests_name("blas", tests, NULL, NULL);
}
