/* shang_pca — see shang_pca.h. */
#include "shang_pca.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shang_blas.h"
#include "shang_h5.h"
#include "shang_mem.h"

int shang_pca_acc_new(size_t D, shang_pca_acc **out)
{
    *out = NULL;
    if (D == 0) return SHANG_FAIL(SHANG_EINVAL, "zero features");
    shang_pca_acc *a = shang_zalloc(1, sizeof *a, "a");
    if (!a) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    a->D = D;
    a->mean = shang_zalloc(D, sizeof(double), "PCA mean");
    a->scatter = a->mean ? shang_zalloc(D * D, sizeof(double), "PCA scatter matrix") : NULL;
    if (!a->scatter) {
        shang_pca_acc_free(a);
        return shang_err_code();
    }
    *out = a;
    return SHANG_OK;
}

void shang_pca_acc_free(shang_pca_acc *a)
{
    if (!a) return;
    free(a->mean);
    free(a->scatter);
    free(a->xb);
    free(a->mb);
    free(a->Mb);
    free(a);
}

/* Chan et al.: n = na + nb, delta = mb - ma, mean = ma + delta nb / n,
 * M = Ma + Mb + delta delta^T na nb / n */
static int merge(shang_pca_acc *a, double nb, const double *mb, const double *Mb)
{
    size_t D = a->D;
    double na = a->n, n = na + nb;
    if (nb == 0) return SHANG_OK;
    double *delta = shang_alloc(D, sizeof *delta, "delta");
    if (!delta) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t i = 0; i < D; i++) delta[i] = mb[i] - a->mean[i];
    double f = na * nb / n;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < D; i++)
        for (size_t j = i; j < D; j++) a->scatter[i * D + j] += Mb[i * D + j] + delta[i] * delta[j] * f;
    for (size_t i = 0; i < D; i++) a->mean[i] += delta[i] * nb / n;
    a->n = n;
    free(delta);
    return SHANG_OK;
}

/* Rows in blocks of BLK: the block's mean in double (in row order), the rows
 * centred on it in double, the block's scatter by a double SYRK, the blocks'
 * scatters merged by Chan's formula. Against numpy's float64 eigvalsh the
 * explained variances agree to 1e-9 relative also on rank-deficient and nearly
 * collinear data (tests/py/test_sklearn_oracle.py). */
int shang_pca_acc_add(shang_pca_acc *a, const float *x, size_t N, size_t ld)
{
    const size_t D = a->D, BLK = 4096;
    if (!a->xb) { /* scratch for every call */
        a->xb = shang_alloc(BLK * D, sizeof(double), "PCA block");
        a->mb = a->xb ? shang_alloc(D, sizeof(double), "PCA block mean") : NULL;
        a->Mb = a->mb ? shang_alloc(D * D, sizeof(double), "PCA block scatter") : NULL;
        if (!a->Mb) {
            free(a->xb);
            free(a->mb);
            a->xb = a->mb = NULL;
            return shang_err_code();
        }
    }
    double *xb = a->xb, *mb = a->mb, *Mb = a->Mb;
    int rc = SHANG_OK;
    for (size_t r0 = 0; r0 < N && !rc; r0 += BLK) {
        size_t nb = N - r0 < BLK ? N - r0 : BLK;
        const float *xr = x + r0 * ld;
        int finite = 1;
        memset(mb, 0, D * sizeof *mb);
        for (size_t r = 0; r < nb; r++)
            for (size_t i = 0; i < D; i++) {
                finite = finite && isfinite(xr[r * ld + i]);
                mb[i] += xr[r * ld + i];
            }
        if (!finite) {
            size_t bad = 0;
            while (isfinite(xr[bad / D * ld + bad % D])) bad++;
            rc = SHANG_FAIL(SHANG_ENUMERIC, "row %zu feature %zu is NaN or infinite", r0 + bad / D, bad % D);
            break;
        }
        for (size_t i = 0; i < D; i++) mb[i] /= (double)nb;
#pragma omp parallel for schedule(static)
        for (size_t r = 0; r < nb; r++)
            for (size_t i = 0; i < D; i++) xb[r * D + i] = (double)xr[r * ld + i] - mb[i];
        shang_dsyrk_t(D, nb, 1.0, xb, D, 0.0, Mb, D);
        rc = merge(a, (double)nb, mb, Mb);
    }
    return rc;
}

int shang_pca_acc_merge(shang_pca_acc *a, const shang_pca_acc *b)
{
    if (a->D != b->D) return SHANG_FAIL(SHANG_EINVAL, "merging %zu and %zu features", a->D, b->D);
    return merge(a, b->n, b->mean, b->scatter);
}

void shang_pca_free(shang_pca *p)
{
    if (!p) return;
    free(p->mean);
    free(p->scale);
    free(p->components);
    free(p->variance);
    free(p);
}

int shang_pca_fit(const shang_pca_acc *a, size_t K, int standardize, shang_pca **out)
{
    *out = NULL;
    const size_t D = a->D;
    if (a->n < 2) return SHANG_FAIL(SHANG_EINVAL, "PCA needs at least 2 rows, has %.0f", a->n);
    if (K == 0 || K > D) return SHANG_FAIL(SHANG_EINVAL, "%zu components of %zu features", K, D);
    shang_pca *p = shang_zalloc(1, sizeof *p, "p");
    double *cov = shang_alloc(D * D, sizeof(double), "covariance");
    int rc = p && cov ? SHANG_OK : SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    if (!rc) {
        p->D = D;
        p->K = K;
        p->n = a->n;
        p->mean = shang_alloc(D, sizeof(double), "p->mean");
        p->scale = shang_alloc(D, sizeof(double), "p->scale");
        p->components = shang_alloc(K * D, sizeof(double), "p->components");
        p->variance = shang_alloc(K, sizeof(double), "p->variance");
        if (!p->mean || !p->scale || !p->components || !p->variance) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    }
    if (!rc) {
        memcpy(p->mean, a->mean, D * sizeof(double));
        for (size_t i = 0; i < D; i++) {
            double var = a->scatter[i * D + i] / (a->n - 1);
            p->scale[i] = standardize ? (var > 0 ? sqrt(var) : 1.0) : 1.0;
        }
        p->total_variance = 0;
        for (size_t i = 0; i < D; i++)
            for (size_t j = i; j < D; j++) {
                double c = a->scatter[i * D + j] / (a->n - 1) / (p->scale[i] * p->scale[j]);
                cov[i * D + j] = cov[j * D + i] = c;
                if (i == j) p->total_variance += c;
            }
        if (!(p->total_variance > 0))
            rc = SHANG_FAIL(SHANG_ENUMERIC, "every feature is constant over the %.0f rows: no principal components", a->n);
        if (!rc) rc = shang_sym_eigen_top(cov, D, K, p->variance, p->components);
    }
    for (size_t k = 0; !rc && k < K; k++) { /* sign: the largest-magnitude entry positive */
        double *v = p->components + k * D;
        size_t arg = 0;
        for (size_t i = 1; i < D; i++)
            if (fabs(v[i]) > fabs(v[arg])) arg = i;
        if (v[arg] < 0)
            for (size_t i = 0; i < D; i++) v[i] = -v[i];
        if (p->variance[k] < 0) p->variance[k] = 0; /* rounding of a zero eigenvalue */
    }
    free(cov);
    if (rc) shang_pca_free(p);
    else *out = p;
    return rc;
}

int shang_pca_project(const shang_pca *p, const float *x, size_t N, size_t ld, float *y)
{
    const size_t D = p->D, K = p->K, BLK = 4096;
    double *xb = shang_alloc(BLK * D, sizeof(double), "PCA projection block");
    double *yb = xb ? shang_alloc(BLK * K, sizeof(double), "PCA projection block") : NULL;
    if (!yb) {
        free(xb);
        return shang_err_code();
    }
    /* blocks of rows centred and scaled in double, projected by one dgemm */
    for (size_t r0 = 0; r0 < N; r0 += BLK) {
        size_t nb = N - r0 < BLK ? N - r0 : BLK;
#pragma omp parallel for schedule(static)
        for (size_t r = 0; r < nb; r++)
            for (size_t i = 0; i < D; i++) xb[r * D + i] = ((double)x[(r0 + r) * ld + i] - p->mean[i]) / p->scale[i];
        shang_dgemm(false, true, nb, K, D, 1.0, xb, D, p->components, D, 0.0, yb, K);
        for (size_t q = 0; q < nb * K; q++) y[r0 * K + q] = (float)yb[q];
    }
    free(xb);
    free(yb);
    return SHANG_OK;
}

void shang_standardize_columns(float *X, size_t n, size_t C)
{
#pragma omp parallel for schedule(static)
    for (size_t d = 0; d < C; d++) {
        double m = 0, v = 0;
        for (size_t i = 0; i < n; i++) m += X[i * C + d];
        m /= (double)(n ? n : 1);
        for (size_t i = 0; i < n; i++) v += (X[i * C + d] - m) * (X[i * C + d] - m);
        double sd = sqrt(v / (double)(n > 1 ? n - 1 : 1));
        for (size_t i = 0; i < n; i++) X[i * C + d] = (float)(sd > 0 ? (X[i * C + d] - m) / sd : 0);
    }
}

int shang_pca_read(const char *path, int layer, size_t dims, size_t C, shang_pca **out)
{
    hid_t f;
    int rc = shang_h5_open(path, "shang.pca", 1, &f, NULL), rank;
    size_t dl[1], dm[2], dc[3];
    int32_t *layers = NULL;
    double *mean = NULL, *scale = NULL, *comp = NULL;
    shang_pca *p = NULL;
    if (!rc) rc = shang_h5_read(f, "layers", SHANG_DT_I32, 1, &rank, dl, (void **)&layers);
    if (!rc) rc = shang_h5_read(f, "mean", SHANG_DT_F64, 2, &rank, dm, (void **)&mean);
    if (!rc) rc = shang_h5_read(f, "scale", SHANG_DT_F64, 2, &rank, dm, (void **)&scale);
    if (!rc) rc = shang_h5_read(f, "components", SHANG_DT_F64, 3, &rank, dc, (void **)&comp);
    size_t li = 0;
    if (!rc) rc = shang_h5_layer_index(layers, dl[0], layer, path, &li);
    if (!rc && dc[2] != C) rc = SHANG_FAIL(SHANG_EINVAL, "%s was made for width %zu, the states have %zu", path, dc[2], C);
    if (!rc && dims > dc[1]) rc = SHANG_FAIL(SHANG_EINVAL, "%zu dimensions asked for, %s has %zu components", dims, path, dc[1]);
    if (!rc) {
        size_t K = dims ? dims : dc[1];
        p = shang_zalloc(1, sizeof *p, "p");
        if (p) {
            p->D = C;
            p->K = K;
            p->mean = shang_alloc(C, sizeof(double), "p->mean");
            p->scale = shang_alloc(C, sizeof(double), "p->scale");
            p->components = shang_alloc(K * C, sizeof(double), "p->components");
            p->variance = shang_zalloc(K, 8, "p->variance");
        }
        if (!p || !p->mean || !p->scale || !p->components || !p->variance) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        else {
            memcpy(p->mean, mean + li * C, C * 8);
            memcpy(p->scale, scale + li * C, C * 8);
            memcpy(p->components, comp + li * dc[1] * C, K * C * 8);
        }
    }
    if (f >= 0) H5Fclose(f);
    free(layers); free(mean); free(scale); free(comp);
    if (rc) shang_pca_free(p);
    else *out = p;
    return rc;
}

