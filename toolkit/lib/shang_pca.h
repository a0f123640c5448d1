/* shang_pca — principal components of rows of float data, streamed.
 *
 * An accumulator keeps the count, mean and centred scatter matrix in double,
 * updated a block at a time with Chan, Golub & LeVeque's pairwise formula, so that
 * partial accumulators (threads, files, MPI ranks) merge exactly as if the data had
 * come in one stream. The components are the top K eigenvectors of the covariance
 * (LAPACK dsyevr), each with its sign fixed so that its largest-magnitude entry is
 * positive. Optional standardisation divides every feature by its standard
 * deviation first (rogue dimensions dominate raw GPT-2 states). */
#ifndef SHANG_PCA_H
#define SHANG_PCA_H

#include <stddef.h>
#include <stdint.h>

#include "shang_err.h"

typedef struct shang_pca_acc {
    size_t D;
    double n;
    double *mean;    /* (D) */
    double *scatter; /* (D, D) sum of (x - mean)(x - mean)^T, upper triangle kept */
    double *xb, *mb, *Mb; /* scratch of shang_pca_acc_add, kept between calls */
} shang_pca_acc;

int shang_pca_acc_new(size_t D, shang_pca_acc **out) SHANG_MUST_CHECK;
void shang_pca_acc_free(shang_pca_acc *a);
/* Adds rows x (N, D) float32 with row stride ld (>= D). */
int shang_pca_acc_add(shang_pca_acc *a, const float *x, size_t N, size_t ld) SHANG_MUST_CHECK;
/* a += b (Chan's merge); b is left as it was. */
int shang_pca_acc_merge(shang_pca_acc *a, const shang_pca_acc *b) SHANG_MUST_CHECK;

typedef struct shang_pca {
    size_t D, K;
    double *mean;       /* (D) */
    double *scale;      /* (D) divisor per feature (1 without standardisation) */
    double *components; /* (K, D) orthonormal rows, sign-canonical */
    double *variance;   /* (K) explained variance (eigenvalues of the covariance, n - 1 denominator) */
    double total_variance; /* trace of the covariance (of the standardised data if so) */
    double n;
} shang_pca;

/* The top K components from an accumulator. */
int shang_pca_fit(const shang_pca_acc *a, size_t K, int standardize, shang_pca **out) SHANG_MUST_CHECK;
void shang_pca_free(shang_pca *p);
/* The PCA of `layer` from a shang.pca file (shang pca), for states of width C,
 * its first dims components (0: all). */
int shang_pca_read(const char *path, int layer, size_t dims, size_t C, shang_pca **out) SHANG_MUST_CHECK;
/* y (N, K) = ((x - mean) / scale) components^T, x (N, D) with row stride ld. */
int shang_pca_project(const shang_pca *p, const float *x, size_t N, size_t ld, float *y) SHANG_MUST_CHECK;

/* Centres every column of X (n, C) and divides it by its standard deviation (n - 1
 * denominator; a constant column becomes 0), in place, in double: the remedy
 * for rogue dimensions before cosines. */
void shang_standardize_columns(float *X, size_t n, size_t C);

#endif
