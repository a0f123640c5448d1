/* shang_blas — the one door to BLAS and LAPACK, and the OpenBLAS kernel check.
 *
 * This is the only file of the library that includes cblas.h or lapacke.h. It
 * wraps the routines shang uses with size_t dimensions (row-major throughout), and
 * it knows which OpenBLAS kernel runs: Debian's OpenBLAS 0.3.21 falls back to its
 * generic "Prescott" kernel on some AVX-512 CPUs it does not recognise, five to
 * six times slower. OpenBLAS reads OPENBLAS_CORETYPE only when it is loaded, so
 * the correction is a re-execution of the program with the variable set;
 * shang_blas_reexec_if_generic() does that (programs call it first thing in main).
 * Embedders that cannot re-execute can read shang_blas_kernel_advice().
 */
#ifndef SHANG_BLAS_H
#define SHANG_BLAS_H

#include <stdbool.h>
#include <stddef.h>

#include "shang_err.h"

/* SIMD level of a CPU or of an OpenBLAS kernel. */
enum shang_simd { SHANG_SIMD_GENERIC = 0, SHANG_SIMD_AVX2 = 1, SHANG_SIMD_AVX512 = 2 };

/* Level this CPU (and OS) supports: AVX512 needs F, CD, BW, DQ and VL (what the
 * SkylakeX kernel uses); AVX2 needs AVX2 and FMA. */
int shang_blas_cpu_simd(void);
/* Level an OpenBLAS core name's kernels use (case-insensitive; unknown = generic). */
int shang_blas_kernel_simd(const char *corename);
/* The OPENBLAS_CORETYPE to force when `detected` under-uses a CPU of level
 * `cpu_simd` ("SkylakeX" or "Haswell"), or NULL when the detected kernel is fine. */
const char *shang_blas_kernel_choice(const char *detected, int cpu_simd);

/* If OPENBLAS_CORETYPE is unset, OpenBLAS is a DYNAMIC_ARCH build and it picked a
 * kernel below this CPU's level, re-executes /proc/self/exe with argv and
 * OPENBLAS_CORETYPE set (recording the detected name in SHANG_BLAS_DETECTED).
 * Returns 0 when nothing needed doing; does not return when it re-executed; on a
 * failed exec restores the environment and returns SHANG_EUNSUPPORTED (callers warn
 * and continue with the generic kernel). The environment variable
 * SHANG_TEST_BLAS_CORENAME, for tests only, pretends OpenBLAS detected that name. */
int shang_blas_reexec_if_generic(char *const argv[]);

const char *shang_blas_kernel(void);        /* OpenBLAS core name in use */
const char *shang_blas_config(void);        /* openblas_get_config() */
/* How the kernel was chosen: "detected by OpenBLAS", "set by OPENBLAS_CORETYPE",
 * or "corrected by shang (OpenBLAS detected Prescott)". Owned by the library. */
const char *shang_blas_kernel_origin(void);
/* Kernel a re-execution would force now, or NULL (for embedders' warnings). */
const char *shang_blas_kernel_advice(void);

/* Threads for shang's parallel loops and products (OpenMP's count; n < 1 is
 * ignored). OpenBLAS itself always runs single-threaded: shang parallelises
 * products over fixed tiles (below), so that every result is the same bits for
 * any thread count. */
void shang_threads_set(int n);
int shang_threads(void);
/* Threads to use when none is asked for: OMP_NUM_THREADS if it is an integer in
 * [1, 4096], else the number of online cores. */
int shang_threads_default(void);

/* Tiling of the products: C(M, N) is cut into the fewest tiles of at most TILE_M
 * rows and TILE_N columns, of equal size (a multiple of 16) but the last, a product
 * of at most TILE_FLOPS multiply-adds being one tile; each
 * tile computed by one single-threaded BLAS call over the whole K, the tiles run
 * in parallel. The layout depends only on the shapes, never on the thread count;
 * inside a parallel region the tiles run on the calling thread. */
#define SHANG_GEMM_TILE_M 512
#define SHANG_GEMM_TILE_N 1024
#define SHANG_GEMM_TILE_FLOPS (1 << 21)

/* C(M,N) = alpha * op(A) * op(B) + beta * C, row-major, single precision.
 * op(A) is (M,K): A is (M,K) with lda >= K, or (K,M) with lda >= M if trans_a.
 * op(B) is (K,N): B is (K,N) with ldb >= N, or (N,K) with ldb >= K if trans_b.
 * Dimensions must fit in int (OpenBLAS's index type); callers validate shapes. */
void shang_sgemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, float alpha,
                 const float *A, size_t lda, const float *B, size_t ldb, float beta,
                 float *C, size_t ldc);
/* The same in double precision. */
void shang_dgemm(bool trans_a, bool trans_b, size_t M, size_t N, size_t K, double alpha,
                 const double *A, size_t lda, const double *B, size_t ldb, double beta,
                 double *C, size_t ldc);
/* Upper triangle of C (N, N) = alpha A^T A + beta C, A (K, N) row-major (ld lda),
 * in double, tiled like the products (square tiles of TILE_M). */
void shang_dsyrk_t(size_t N, size_t K, double alpha, const double *A, size_t lda, double beta, double *C, size_t ldc);

/* Singular values of A (rows, cols), row-major float32, in double, descending,
 * into s (min(rows, cols) values); LAPACK dgesdd. SHANG_ENUMERIC if it fails. */
int shang_singular_values(const float *A, size_t rows, size_t cols, double *s) SHANG_MUST_CHECK;

/* Eigen-decomposition of the symmetric A (n, n) row-major (only its upper triangle
 * is read; A is destroyed): the k largest eigenvalues in w (descending) and their
 * eigenvectors as the rows of vecs (k, n). LAPACK dsyevr. */
int shang_sym_eigen_top(double *A, size_t n, size_t k, double *w, double *vecs) SHANG_MUST_CHECK;

#endif
