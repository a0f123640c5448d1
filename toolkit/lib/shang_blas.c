/* shang_blas — see shang_blas.h. */
#include "shang_blas.h"
#include "shang_mem.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <omp.h>
#include <pthread.h>

#include <cblas.h>
#include <lapacke.h>

#include "shang_cli.h"

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
    char *detected = shang_strdup(detected_corename());
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

/* ---- thread-count-independent products --------------------------------------
 *
 * OpenBLAS's own threads split a product in ways that depend on the thread count
 * and, for some kernels (Haswell), change the order of the K reduction, so its
 * results are not the same bits for 1 and 2 threads. shang therefore keeps
 * OpenBLAS single-threaded for good and parallelises itself: a product is cut into
 * tiles of C whose layout depends only on M, N and K (never on the thread count),
 * each tile is one single-threaded BLAS call over the whole K (no reduction is
 * ever split), and OpenMP runs the tiles. Every element of C is then computed by
 * the same call on the same operands whatever the number of threads. */

/* Debian's OpenMP build of OpenBLAS follows OpenMP: a call runs single-threaded
 * inside an active parallel region or where omp_get_max_threads() is 1. So each
 * BLAS call below runs in a parallel region whose implicit tasks have set their
 * own thread count to 1 (omp_set_num_threads changes only the calling task's).
 * A pthreads build of OpenBLAS is told once to use one thread. */
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;

static void blas_single_threaded(void)
{
    if (openblas_get_parallel() != 2) openblas_set_num_threads(1); /* 2: OpenMP build */
}

static void blas_init(void) { pthread_once(&blas_once, blas_single_threaded); }

void shang_threads_set(int n)
{
    blas_init();
    if (n > 0) omp_set_num_threads(n);
}

int shang_threads(void) { return omp_get_max_threads(); }

int shang_threads_default(void)
{
    const char *e = getenv("OMP_NUM_THREADS");
    int n;
    if (e && shang_parse_int(e, 1, 4096, &n) == 0) return n;
    shang_err_clear();
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? (int)c : 1;
}


static int fits(size_t n) { return n <= (size_t)INT_MAX; }

/* n cut into the fewest parts of at most `max`, of equal size rounded up to a
 * multiple of 16 (the kernels' unrolling); the last part takes the rest */
static size_t even_tile(size_t n, size_t max)
{
    if (n <= max) return n ? n : 1;
    size_t parts = (n + max - 1) / max, t = (n + parts - 1) / parts;
    t = (t + 15) / 16 * 16;
    return t < max ? t : max;
}

/* tile sizes for C(M, N) over K: from the shapes only */
static void gemm_tiles(size_t M, size_t N, size_t K, size_t *tile_m, size_t *tile_n)
{
    /* a small product is one call */
    if ((double)M * (double)N * (double)K <= SHANG_GEMM_TILE_FLOPS) {
        *tile_m = M ? M : 1;
        *tile_n = N ? N : 1;
        return;
    }
    *tile_m = even_tile(M, SHANG_GEMM_TILE_M);
    *tile_n = even_tile(N, SHANG_GEMM_TILE_N);
}

/* C = beta C for an empty reduction (BLAS rejects lda = 0) */
#define SCALE_C(C, ldc, M, N, beta, upper)                                                                  \
    for (size_t i = 0; i < (M); i++)                                                                        \
        for (size_t j = (upper) ? i : 0; j < (N); j++) (C)[i * (ldc) + j] = (beta) == 0 ? 0 : (beta) * (C)[i * (ldc) + j]

/* Runs the statement for t = 0 .. nt-1, each tile once, on a team of up to the OpenMP
 * thread count (one thread inside a parallel region) whose tasks have set their
 * own thread count to 1, so that OpenBLAS runs single-threaded in each. */
#define TILES(nt, t, ...)                                                                                   \
    do {                                                                                                    \
        blas_init();                                                                                        \
        int team_ = (nt) > 1 && !omp_in_parallel() ? omp_get_max_threads() : 1;                             \
        if ((size_t)team_ > (nt)) team_ = (int)(nt);                                                        \
        _Pragma("omp parallel num_threads(team_)")                                                          \
        {                                                                                                   \
            omp_set_num_threads(1);                                                                         \
            _Pragma("omp for schedule(dynamic, 1)")                                                         \
            for (size_t t = 0; t < (nt); t++) __VA_ARGS__                                                   \
        }                                                                                                   \
    } while (0)

/* one call with OpenBLAS single-threaded, on the calling thread (LAPACK) */
#define BLAS_ALONE(call) TILES(1, one_, { (void)one_; call; })

/* the tiles of C(M, N), row-major over the grid: tile t is rows i0 .. i0 + mi,
 * columns j0 .. j0 + nj */
#define TILE_LOOP(M, N, K, ...)                                                                             \
    do {                                                                                                    \
        size_t tm_, tn_;                                                                                    \
        gemm_tiles(M, N, K, &tm_, &tn_);                                                                    \
        const size_t gn_ = ((N) + tn_ - 1) / tn_, nt_ = ((M) + tm_ - 1) / tm_ * gn_;                        \
        TILES(nt_, t_, {                                                                                    \
            const size_t i0 = t_ / gn_ * tm_, j0 = t_ % gn_ * tn_;                                          \
            const size_t mi = (M) - i0 < tm_ ? (M) - i0 : tm_, nj = (N) - j0 < tn_ ? (N) - j0 : tn_;        \
            __VA_ARGS__;                                                                                    \
        });                                                                                                 \
    } while (0)

void shang_sgemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, float alpha,
                 const float *A, size_t lda, const float *B, size_t ldb, float beta,
                 float *C, size_t ldc)
{
    assert(fits(M) && fits(N) && fits(K) && fits(lda) && fits(ldb) && fits(ldc));
    if (M == 0 || N == 0) return;
    if (K == 0) {
        SCALE_C(C, ldc, M, N, beta, 0);
        return;
    }
    TILE_LOOP(M, N, K,
              cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                          (int)mi, (int)nj, (int)K, alpha, trans_a ? A + i0 : A + i0 * lda, (int)lda,
                          trans_b ? B + j0 * ldb : B + j0, (int)ldb, beta, C + i0 * ldc + j0, (int)ldc));
}

void shang_dgemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, double alpha,
                 const double *A, size_t lda, const double *B, size_t ldb, double beta,
                 double *C, size_t ldc)
{
    assert(fits(M) && fits(N) && fits(K) && fits(lda) && fits(ldb) && fits(ldc));
    if (M == 0 || N == 0) return;
    if (K == 0) {
        SCALE_C(C, ldc, M, N, beta, 0);
        return;
    }
    TILE_LOOP(M, N, K,
              cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
                          (int)mi, (int)nj, (int)K, alpha, trans_a ? A + i0 : A + i0 * lda, (int)lda,
                          trans_b ? B + j0 * ldb : B + j0, (int)ldb, beta, C + i0 * ldc + j0, (int)ldc));
}

void shang_dsyrk_t(size_t N, size_t K, double alpha, const double *A, size_t lda, double beta, double *C, size_t ldc)
{
    assert(fits(N) && fits(K) && fits(lda) && fits(ldc));
    if (N == 0) return;
    if (K == 0) {
        SCALE_C(C, ldc, N, N, beta, 1);
        return;
    }
    /* square tiles on and above the diagonal: a diagonal tile is a SYRK of its
     * columns, one above it a GEMM of two column ranges */
    size_t ts = (double)N * (double)N * (double)K <= SHANG_GEMM_TILE_FLOPS ? N : even_tile(N, SHANG_GEMM_TILE_M);
    const size_t g = (N + ts - 1) / ts, nt = g * (g + 1) / 2;
    TILES(nt, t, {
        size_t bi = 0, rest = t; /* t-th (bi, bj) with bi <= bj, row by row */
        while (rest >= g - bi) rest -= g - bi++;
        const size_t bj = bi + rest, i0 = bi * ts, j0 = bj * ts;
        const size_t mi = N - i0 < ts ? N - i0 : ts, nj = N - j0 < ts ? N - j0 : ts;
        if (bi == bj)
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)mi, (int)K, alpha, A + i0, (int)lda, beta,
                        C + i0 * ldc + i0, (int)ldc);
        else
            cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)mi, (int)nj, (int)K, alpha, A + i0, (int)lda,
                        A + j0, (int)lda, beta, C + i0 * ldc + j0, (int)ldc);
    });
}

int shang_singular_values(const float *A, size_t rows, size_t cols, double *s)
{
    if (rows == 0 || cols == 0) return SHANG_OK;
    if (!fits(rows) || !fits(cols)) return SHANG_FAIL(SHANG_EINVAL, "matrix %zu x %zu too large for LAPACK", rows, cols);
    double *a = shang_alloc(rows * cols, sizeof *a, "a");
    if (!a) return SHANG_FAIL(SHANG_ENOMEM, "cannot copy a %zu x %zu matrix", rows, cols);
    for (size_t i = 0; i < rows * cols; i++) a[i] = A[i];
    lapack_int info = 0;
    BLAS_ALONE(info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, 'N', (lapack_int)rows, (lapack_int)cols, a, (lapack_int)cols, s,
                                     NULL, (lapack_int)rows, NULL, (lapack_int)cols)); /* u, vt unused with N */
    free(a);
    if (info != 0) return SHANG_FAIL(SHANG_ENUMERIC, "LAPACK dgesdd failed (info %d) on a %zu x %zu matrix", (int)info, rows, cols);
    return SHANG_OK;
}

int shang_sym_eigen_top(double *A, size_t n, size_t k, double *w, double *vecs)
{
    if (k == 0 || k > n) return SHANG_FAIL(SHANG_EINVAL, "%zu eigenvectors of a %zu x %zu matrix", k, n, n);
    if (!fits(n)) return SHANG_FAIL(SHANG_EINVAL, "matrix %zu x %zu too large for LAPACK", n, n);
    double *ev = shang_alloc(n, sizeof *ev, "ev"), *Z = shang_alloc(n * k, sizeof *Z, "Z");
    lapack_int *isuppz = shang_alloc(2 * k, sizeof *isuppz, "isuppz"), m = 0;
    if (!ev || !Z || !isuppz) {
        free(ev);
        free(Z);
        free(isuppz);
        return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate an eigen-decomposition of size %zu", n);
    }
    /* eigenvalues il..iu in ascending order: the top k are n-k+1 .. n. The
     * row-major upper triangle is the column-major lower one: called column-major,
     * LAPACKE need not transpose A (and Z comes back column by column). */
    lapack_int info = 0;
    BLAS_ALONE(info = LAPACKE_dsyevr(LAPACK_COL_MAJOR, 'V', 'I', 'L', (lapack_int)n, A, (lapack_int)n, 0, 0,
                                     (lapack_int)(n - k + 1), (lapack_int)n, 0.0, &m, ev, Z, (lapack_int)n, isuppz));
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
