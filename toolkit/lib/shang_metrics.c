/* shang_metrics — see shang_metrics.h. */
#include "shang_metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shang_entropy.h"
#include "shang_mem.h"
#include "shang_strmap.h"

void shang_contingency_free(shang_contingency *t)
{
    if (!t) return;
    free(t->a_sum);
    free(t->b_sum);
    free(t->ci);
    free(t->cj);
    free(t->cn);
    free(t->a_label);
    free(t->b_label);
    free(t);
}

/* dense index of each label, in order of first appearance */
static int relabel(const int32_t *x, size_t N, uint32_t *idx, int32_t **labels, size_t *count)
{
    shang_strmap *m;
    int rc = shang_strmap_new(1024, &m);
    size_t k = 0, cap = 1024;
    int32_t *lab = rc ? NULL : shang_alloc(cap, sizeof *lab, "lab");
    if (!rc && !lab) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t i = 0; i < N && !rc; i++) {
        int added;
        uint64_t *v = shang_strmap_put(m, &x[i], sizeof x[i], &added);
        if (!v) {
            rc = shang_err_code();
            break;
        }
        if (added) {
            if (k == cap) {
                int32_t *l2 = shang_realloc(lab, 2 * cap, sizeof *lab, "l2");
                if (!l2) {
                    rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
                    break;
                }
                lab = l2;
                cap *= 2;
            }
            lab[k] = x[i];
            *v = k++;
        }
        idx[i] = (uint32_t)*v;
    }
    shang_strmap_free(m);
    if (rc) {
        free(lab);
        return rc;
    }
    *labels = lab;
    *count = k;
    return SHANG_OK;
}

int shang_contingency_new(const int32_t *a, const int32_t *b, size_t N, shang_contingency **out)
{
    return shang_contingency_new_weighted(a, b, NULL, N, out);
}

int shang_contingency_new_weighted(const int32_t *a, const int32_t *b, const uint32_t *w, size_t N,
                                   shang_contingency **out)
{
    *out = NULL;
    if (N == 0) return SHANG_FAIL(SHANG_EINVAL, "no items");
    if (N > UINT32_MAX) return SHANG_FAIL(SHANG_EINVAL, "more than 2^32 items");
    uint64_t total = 0;
    for (size_t i = 0; w && i < N; i++) total += w[i];
    if (w && total == 0) return SHANG_FAIL(SHANG_EINVAL, "every item has weight 0");
    shang_contingency *t = shang_zalloc(1, sizeof *t, "t");
    uint32_t *ia = shang_alloc(N, sizeof *ia, "ia"), *ib = shang_alloc(N, sizeof *ib, "ib");
    shang_strmap *cells = NULL;
    int rc = t && ia && ib ? SHANG_OK : SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    if (!rc) rc = relabel(a, N, ia, &t->a_label, &t->R);
    if (!rc) rc = relabel(b, N, ib, &t->b_label, &t->C);
    if (!rc) {
        t->N = w ? total : N;
        t->a_sum = shang_zalloc(t->R, sizeof *t->a_sum, "t->a_sum");
        t->b_sum = shang_zalloc(t->C, sizeof *t->b_sum, "t->b_sum");
        if (!t->a_sum || !t->b_sum) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    }
    if (!rc) rc = shang_strmap_new(N / 4 + 16, &cells);
    for (size_t i = 0; i < N && !rc; i++) {
        uint64_t key = (uint64_t)ia[i] << 32 | ib[i], wi = w ? w[i] : 1;
        if (!wi) continue;
        uint64_t *v = shang_strmap_put(cells, &key, sizeof key, NULL);
        if (!v) rc = shang_err_code();
        else *v += wi;
        t->a_sum[ia[i]] += wi;
        t->b_sum[ib[i]] += wi;
    }
    if (!rc) {
        size_t nnz = shang_strmap_size(cells), k = 0;
        t->ci = shang_alloc(nnz, sizeof *t->ci, "t->ci");
        t->cj = shang_alloc(nnz, sizeof *t->cj, "t->cj");
        t->cn = shang_alloc(nnz, sizeof *t->cn, "t->cn");
        if (!t->ci || !t->cj || !t->cn) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        for (size_t s = 0; !rc && s < shang_strmap_capacity(cells); s++) {
            const char *key;
            size_t len;
            uint64_t v, kk;
            shang_strmap_slot(cells, s, &key, &len, &v);
            if (!key) continue;
            memcpy(&kk, key, sizeof kk);
            t->ci[k] = (uint32_t)(kk >> 32);
            t->cj[k] = (uint32_t)kk;
            t->cn[k] = v;
            k++;
        }
        t->nnz = k;
    }
    shang_strmap_free(cells);
    free(ia);
    free(ib);
    if (rc) shang_contingency_free(t);
    else *out = t;
    return rc;
}

int shang_contingency_entropy(const shang_contingency *t, char which, int estimator, double K, double *h, double *sd)
{
    switch (which) {
    case 'a': return shang_entropy(t->a_sum, t->R, estimator, K, h, sd);
    case 'b': return shang_entropy(t->b_sum, t->C, estimator, K, h, sd);
    case 'j': return shang_entropy(t->cn, t->nnz, estimator, K, h, sd);
    default: return SHANG_FAIL(SHANG_EINVAL, "no marginal '%c' (a, b or j)", which);
    }
}

static double h_of(const uint64_t *c, size_t n, double N)
{
    double h = 0;
    for (size_t i = 0; i < n; i++)
        if (c[i]) {
            double p = (double)c[i] / N;
            h -= p * log(p);
        }
    return h;
}

static double pairs(double n) { return n * (n - 1) / 2; }

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* the distinct non-zero values of v (n) and how often each occurs */
static size_t distinct_counts(const uint64_t *v, size_t n, uint64_t *val, double *mult)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i]) val[m++] = v[i];
    qsort(val, m, sizeof *val, cmp_u64);
    size_t d = 0;
    for (size_t i = 0; i < m; i++) {
        if (d && val[d - 1] == val[i]) {
            mult[d - 1]++;
        } else {
            val[d] = val[i];
            mult[d++] = 1;
        }
    }
    return d;
}

/* E[MI] under the hypergeometric model of random labelings with the same sums.
 * A term depends on a row's and a column's sums only, so it is computed once
 * per distinct pair of sums and weighted by how many pairs share them; log n!
 * comes from a table (up to 2^24 items). */
static double expected_mi(const shang_contingency *t)
{
    const double N = (double)t->N;
    uint64_t *av = shang_alloc(t->R, sizeof *av, "av"), *bv = shang_alloc(t->C, sizeof *bv, "bv");
    double *am = shang_alloc(t->R, sizeof *am, "am"), *bm = shang_alloc(t->C, sizeof *bm, "bm");
    size_t T = t->N <= ((size_t)1 << 24) ? (size_t)t->N + 1 : 0;
    double *lf = T ? shang_alloc(T, sizeof *lf, "log factorials") : NULL;
    if (!av || !bv || !am || !bm || (T && !lf)) {
        free(av); free(bv); free(am); free(bm); free(lf);
        return NAN;
    }
    for (size_t m = 0; m < T; m++) lf[m] = lgamma((double)m + 1);
#define LF(x) (lf ? lf[(size_t)(x)] : lgamma((x) + 1))
    size_t da = distinct_counts(t->a_sum, t->R, av, am), db = distinct_counts(t->b_sum, t->C, bv, bm);
    double lgN = LF(N), emi = 0;
    for (size_t i = 0; i < da; i++) {
        double ai = (double)av[i];
        for (size_t j = 0; j < db; j++) {
            double bj = (double)bv[j], term = 0;
            double lo = fmax(1, ai + bj - N), hi = fmin(ai, bj);
            double base = LF(ai) + LF(bj) + LF(N - ai) + LF(N - bj) - lgN;
            for (double n = lo; n <= hi; n++) {
                double lp = base - LF(n) - LF(ai - n) - LF(bj - n) - LF(N - ai - bj + n);
                term += n / N * log(N * n / (ai * bj)) * exp(lp);
            }
            emi += am[i] * bm[j] * term;
        }
    }
#undef LF
    free(av); free(bv); free(am); free(bm); free(lf);
    return emi;
}

int shang_cluster_scores_of(const shang_contingency *t, int with_ami, shang_cluster_scores *s)
{
    memset(s, 0, sizeof *s);
    const double N = (double)t->N;
    s->h_a = h_of(t->a_sum, t->R, N);
    s->h_b = h_of(t->b_sum, t->C, N);
    s->h_ab = h_of(t->cn, t->nnz, N);
    s->h_a_given_b = s->h_ab - s->h_b;
    s->h_b_given_a = s->h_ab - s->h_a;
    s->mi = s->h_a + s->h_b - s->h_ab;
    if (s->mi < 0) s->mi = 0; /* rounding */
    s->vi = s->h_a_given_b + s->h_b_given_a;
    s->homogeneity = s->h_a > 0 ? 1 - s->h_a_given_b / s->h_a : 1;
    s->completeness = s->h_b > 0 ? 1 - s->h_b_given_a / s->h_b : 1;
    s->v_measure = s->homogeneity + s->completeness > 0
                       ? 2 * s->homogeneity * s->completeness / (s->homogeneity + s->completeness) : 0;
    /* scikit-learn 1.2's conventions: two labelings that do not split the data
     * (one class and one cluster, or none) score 1; NMI is MI over the
     * normaliser, 0 when MI is 0 (a normaliser of 0 then means one side is
     * constant); AMI is (MI - E[MI]) / (normaliser - E[MI]), 0 where the
     * denominator vanishes (then MI = E[MI]: the labelings are as agreeing as
     * chance); ARI is 1 also when both labelings put every item apart. */
    const int unsplit = t->R == t->C && t->R <= 1;
    double norm[4] = {(s->h_a + s->h_b) / 2, sqrt(s->h_a * s->h_b), fmin(s->h_a, s->h_b), fmax(s->h_a, s->h_b)};
    double *nmi[4] = {&s->nmi_arithmetic, &s->nmi_geometric, &s->nmi_min, &s->nmi_max};
    for (int m = 0; m < 4; m++) *nmi[m] = unsplit ? 1 : s->mi > 0 && norm[m] > 0 ? s->mi / norm[m] : 0;
    /* ARI from pair counts */
    double sum_ij = 0, sum_a = 0, sum_b = 0;
    for (size_t k = 0; k < t->nnz; k++) sum_ij += pairs((double)t->cn[k]);
    for (size_t i = 0; i < t->R; i++) sum_a += pairs((double)t->a_sum[i]);
    for (size_t j = 0; j < t->C; j++) sum_b += pairs((double)t->b_sum[j]);
    if (unsplit || (t->R == t->C && t->R == t->N)) {
        s->ari = 1;
    } else {
        double expect = sum_a * sum_b / pairs(N), maxi = (sum_a + sum_b) / 2;
        s->ari = maxi - expect != 0 ? (sum_ij - expect) / (maxi - expect) : 1;
    }
    double *ami[4] = {&s->ami, &s->ami_geometric, &s->ami_min, &s->ami_max};
    if (with_ami) {
        s->emi = expected_mi(t);
        if (isnan(s->emi)) return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate the expected mutual information's tables");
        for (int m = 0; m < 4; m++) {
            double den = norm[m] - s->emi;
            *ami[m] = unsplit ? 1 : fabs(den) > 1e-15 ? (s->mi - s->emi) / den : 0;
        }
    } else {
        s->emi = NAN;
        for (int m = 0; m < 4; m++) *ami[m] = NAN;
    }
    return SHANG_OK;
}
