/* shang_blas — see shang_blas.h. */
#include "shang_blas.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cblas.h>
#include <lapacke.h>

int shang_blas_cpu_simd(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    /* libgcc reports AVX-512 features only when the OS saves the ZMM state */
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl"))
        return SHANG_SIMD_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return SHANG_SIMD_AVX2;
#endif
    return SHANG_SIMD_GENERIC;
}

int shang_blas_kernel_simd(const char *name)
{
    static const char *const avx512[] = {"SkylakeX", "Cooperlake", "SapphireRapids"};
    static const char *const avx2[] = {"Haswell", "Zen"};
    if (!name) return SHANG_SIMD_GENERIC;
    for (size_t i = 0; i < sizeof avx512 / sizeof *avx512; i++)
        if (!strcasecmp(name, avx512[i])) return SHANG_SIMD_AVX512;
    for (size_t i = 0; i < sizeof avx2 / sizeof *avx2; i++)
        if (!strcasecmp(name, avx2[i])) return SHANG_SIMD_AVX2;
    return SHANG_SIMD_GENERIC;
}

const char *shang_blas_kernel_choice(const char *detected, int cpu_simd)
{
    if (shang_blas_kernel_simd(detected) >= cpu_simd) return NULL;
    return cpu_simd == SHANG_SIMD_AVX512 ? "SkylakeX" : "Haswell";
}

static const char *detected_corename(void)
{
    const char *fake = getenv("SHANG_TEST_BLAS_CORENAME");
    return fake && *fake ? fake : openblas_get_corename();
}

const char *shang_blas_kernel_advice(void)
{
    if (getenv("OPENBLAS_CORETYPE")) return NULL;
    if (!strstr(openblas_get_config(), "DYNAMIC_ARCH")) return NULL;
    return shang_blas_kernel_choice(detected_corename(), shang_blas_cpu_simd());
}

int shang_blas_reexec_if_generic(char *const argv[])
{
    const char *want = shang_blas_kernel_advice();
    if (!want) return SHANG_OK;
    char *detected = strdup(detected_corename());
    if (!detected) return SHANG_FAIL(SHANG_ENOMEM, "cannot copy the kernel name");
    if (setenv("OPENBLAS_CORETYPE", want, 1) || setenv("SHANG_BLAS_DETECTED", detected, 1)) {
        free(detected);
        return SHANG_FAIL(SHANG_ENOMEM, "cannot set OPENBLAS_CORETYPE");
    }
    execv("/proc/self/exe", argv);
    int e = errno;
    unsetenv("OPENBLAS_CORETYPE");
    unsetenv("SHANG_BLAS_DETECTED");
    SHANG_FAIL(SHANG_EUNSUPPORTED,
               "OpenBLAS chose its generic kernel %s; re-executing with OPENBLAS_CORETYPE=%s "
               "failed: %s",
               detected, want, strerror(e));
    free(detected);
    return SHANG_EUNSUPPORTED;
}

const char *shang_blas_kernel(void) { return openblas_get_corename(); }
const char *shang_blas_config(void) { return openblas_get_config(); }

const char *shang_blas_kernel_origin(void)
{
    static _Thread_local char buf[160];
    const char *forced = getenv("OPENBLAS_CORETYPE");
    const char *detected = getenv("SHANG_BLAS_DETECTED");
    if (forced && detected)
        snprintf(buf, sizeof buf, "corrected by shang (OpenBLAS detected %s)", detected);
    else if (forced)
        snprintf(buf, sizeof buf, "set by OPENBLAS_CORETYPE");
    else
        snprintf(buf, sizeof buf, "detected by OpenBLAS");
    return buf;
}

void shang_blas_set_threads(int n)
{
    if (n > 0) openblas_set_num_threads(n);
}

int shang_blas_threads(void) { return openblas_get_num_threads(); }

static int fits(size_t n) { return n <= (size_t)INT_MAX; }

void shang_sgemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, float alpha,
                 const float *A, size_t lda, const float *B, size_t ldb, float beta,
                 float *C, size_t ldc)
{
    assert(fits(M) && fits(N) && fits(K) && fits(lda) && fits(ldb) && fits(ldc));
    if (M == 0 || N == 0) return;
    if (K == 0) { /* BLAS rejects lda = 0; the product is empty */
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++) C[i * ldc + j] = beta == 0 ? 0 : beta * C[i * ldc + j];
        return;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K, alpha, A,
                (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

void shang_ssyrk_t(size_t N, size_t K, float alpha, const float *A, size_t lda, float beta, float *C, size_t ldc)
{
    assert(fits(N) && fits(K) && fits(lda) && fits(ldc));
    if (N == 0) return;
    if (K == 0) {
        for (size_t i = 0; i < N; i++)
            for (size_t j = i; j < N; j++) C[i * ldc + j] = beta == 0 ? 0 : beta * C[i * ldc + j];
        return;
    }
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)N, (int)K, alpha, A, (int)lda, beta, C, (int)ldc);
}

void shang_dgemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, double alpha,
                 const double *A, size_t lda, const double *B, size_t ldb, double beta,
                 double *C, size_t ldc)
{
    assert(fits(M) && fits(N) && fits(K) && fits(lda) && fits(ldb) && fits(ldc));
    if (M == 0 || N == 0) return;
    if (K == 0) { /* BLAS rejects lda = 0; the product is empty */
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < N; j++) C[i * ldc + j] = beta == 0 ? 0 : beta * C[i * ldc + j];
        return;
    }
    cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K, alpha, A,
                (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

int shang_singular_values(const float *A, size_t rows, size_t cols, double *s)
{
    if (rows == 0 || cols == 0) return SHANG_OK;
    if (!fits(rows) || !fits(cols)) return SHANG_FAIL(SHANG_EINVAL, "matrix %zu x %zu too large for LAPACK", rows, cols);
    double *a = malloc(rows * cols * sizeof *a);
    if (!a) return SHANG_FAIL(SHANG_ENOMEM, "cannot copy a %zu x %zu matrix", rows, cols);
    for (size_t i = 0; i < rows * cols; i++) a[i] = A[i];
    lapack_int info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'N', (lapack_int)rows, (lapack_int)cols, a, (lapack_int)cols,
                                     s, NULL, (lapack_int)rows, NULL, (lapack_int)cols); /* u, vt unused with N */
    free(a);
    if (info != 0) return SHANG_FAIL(SHANG_ENUMERIC, "LAPACK dgesdd failed (info %d) on a %zu x %zu matrix", (int)info, rows, cols);
    return SHANG_OK;
}

int shang_sym_eigen_top(double *A, size_t n, size_t k, double *w, double *vecs)
{
    if (k == 0 || k > n) return SHANG_FAIL(SHANG_EINVAL, "%zu eigenvectors of a %zu x %zu matrix", k, n, n);
    if (!fits(n)) return SHANG_FAIL(SHANG_EINVAL, "matrix %zu x %zu too large for LAPACK", n, n);
    double *ev = malloc(n * sizeof *ev), *Z = malloc(n * k * sizeof *Z);
    lapack_int *isuppz = malloc(2 * k * sizeof *isuppz), m = 0;
    if (!ev || !Z || !isuppz) {
        free(ev);
        free(Z);
        free(isuppz);
        return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate an eigen-decomposition of size %zu", n);
    }
    /* eigenvalues il..iu in ascending order: the top k are n-k+1 .. n. The
     * row-major upper triangle is the column-major lower one: called column-major,
     * LAPACKE need not transpose A (and Z comes back column by column). */
    lapack_int info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'V', 'I', 'L', (lapack_int)n, A, (lapack_int)n, 0, 0,
                                     (lapack_int)(n - k + 1), (lapack_int)n, 0.0, &m, ev, Z, (lapack_int)n, isuppz);
    int rc = SHANG_OK;
    if (info != 0 || (size_t)m != k) {
        rc = SHANG_FAIL(SHANG_ENUMERIC, "LAPACK dsyevr failed (info %d, %d of %zu eigenvalues)", (int)info, (int)m, k);
    } else {
        /* Z: k columns of n, ascending -> rows of vecs descending */
        for (size_t r = 0; r < k; r++) {
            size_t col = k - 1 - r;
            w[r] = ev[col];
            memcpy(vecs + r * n, Z + col * n, n * sizeof *vecs);
        }
    }
    free(ev);
    free(Z);
    free(isuppz);
    return rc;
}
