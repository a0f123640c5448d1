/* shang_senses — see shang_senses.h. */
#include "shang_senses.h"
#include "shang_mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shang_kmeans.h"
#include "shang_metrics.h"

static double cosine(const float *x, const float *y, size_t C)
{
    double s = 0, a = 0, b = 0;
    for (size_t d = 0; d < C; d++) {
        s += (double)x[d] * y[d];
        a += (double)x[d] * x[d];
        b += (double)y[d] * y[d];
    }
    return a > 0 && b > 0 ? s / sqrt(a * b) : 0;
}

struct scored {
    double c;
    size_t p;
};

static int by_cos(const void *x, const void *y)
{
    const struct scored *a = x, *b = y;
    return a->c != b->c ? (a->c < b->c ? -1 : 1) : (a->p > b->p) - (a->p < b->p);
}

void shang_pair_cosines(const float *X, size_t C, const uint32_t *a, const uint32_t *b, size_t np, double *cos)
{
#pragma omp parallel for schedule(static)
    for (size_t p = 0; p < np; p++) cos[p] = cosine(X + (size_t)a[p] * C, X + (size_t)b[p] * C, C);
}

int shang_wic(const float *X, size_t C, const uint32_t *a, const uint32_t *b, const unsigned char *same,
              const unsigned char *train, const uint32_t *w, size_t np, double *cos, int have_cos, double *threshold,
              double *acc)
{
    *threshold = *acc = NAN;
    if (!have_cos) shang_pair_cosines(X, C, a, b, np, cos);
    struct scored *s = shang_alloc(np, sizeof *s, "s");
    if (!s) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    size_t nt = 0;
    double pos = 0;
    for (size_t p = 0; p < np; p++)
        if (train[p] && (!w || w[p])) {
            s[nt++] = (struct scored){cos[p], p};
            pos += (w ? w[p] : 1) * (same[p] != 0);
        }
    if (nt == 0) {
        free(s);
        return SHANG_FAIL(SHANG_EINVAL, "WiC: no training pairs");
    }
    qsort(s, nt, sizeof *s, by_cos);
    /* threshold below everything: all "same"; moving it past pair q turns q to "different" */
    double correct = pos, best = pos, thr = s[0].c - 1e-9;
    for (size_t q = 0; q < nt; q++) {
        double wq = w ? w[s[q].p] : 1;
        correct += same[s[q].p] ? -wq : wq;
        if ((q + 1 == nt || s[q + 1].c > s[q].c) && correct > best) {
            best = correct;
            thr = q + 1 < nt ? (s[q].c + s[q + 1].c) / 2 : s[q].c + 1e-9;
        }
    }
    free(s);
    double ok = 0, m = 0;
    for (size_t p = 0; p < np; p++) {
        if (train[p]) continue;
        double wp = w ? w[p] : 1;
        ok += wp * ((cos[p] > thr) == (same[p] != 0));
        m += wp;
    }
    if (m == 0) return SHANG_FAIL(SHANG_EINVAL, "WiC: no test pairs");
    *threshold = thr;
    *acc = ok / m;
    return SHANG_OK;
}

struct row {
    int32_t lemma, sense;
    size_t i;
};

static int by_lemma_sense(const void *x, const void *y)
{
    const struct row *a = x, *b = y;
    if (a->lemma != b->lemma) return a->lemma < b->lemma ? -1 : 1;
    if (a->sense != b->sense) return a->sense < b->sense ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

int shang_nearest_centroid(const float *X, size_t C, const int32_t *lemma, const int32_t *sense, const uint32_t *w,
                           size_t n, double *acc, double *mfs, size_t *scored)
{
    return shang_nearest_centroid_rows(X, C, lemma, sense, w, n, acc, mfs, scored, NULL);
}

int shang_nearest_centroid_rows(const float *X, size_t C, const int32_t *lemma, const int32_t *sense,
                                const uint32_t *w, size_t n, double *acc, double *mfs, size_t *scored,
                                signed char *correct)
{
    if (correct) memset(correct, -1, n);
    *acc = *mfs = NAN;
    *scored = 0;
    struct row *r = shang_alloc(n, sizeof *r, "r");
    double *sum = NULL, *cen = shang_alloc(C, sizeof *cen, "cen");
    if (!r || !cen) {
        free(r);
        free(cen);
        return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) r[i] = (struct row){lemma[i], sense[i], i};
    qsort(r, n, sizeof *r, by_lemma_sense);
    double ok = 0, okm = 0, m = 0;
    int rc = SHANG_OK;
    for (size_t l0 = 0; !rc && l0 < n;) {
        size_t l1 = l0;
        while (l1 < n && r[l1].lemma == r[l0].lemma) l1++;
        /* the lemma's senses [starts) with their row counts */
        size_t ns = 0, cand = 0;
        for (size_t j = l0; j < l1; j++)
            if (j == l0 || r[j].sense != r[j - 1].sense) ns++;
        size_t *st = shang_alloc((ns + 1), sizeof *st, "st");
        free(sum);
        sum = shang_zalloc(ns * C, sizeof *sum, "sum");
        if (!st || !sum) {
            free(st);
            rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
            break;
        }
        for (size_t j = l0, q = 0; j < l1; j++)
            if (j == l0 || r[j].sense != r[j - 1].sense) st[q++] = j;
        st[ns] = l1;
        for (size_t q = 0; q < ns; q++) {
            cand += st[q + 1] - st[q] >= 2;
            for (size_t j = st[q]; j < st[q + 1]; j++)
                for (size_t d = 0; d < C; d++) sum[q * C + d] += X[r[j].i * C + d];
        }
        if (cand >= 2) {
            /* the most-frequent candidate sense (ties: the smaller sense id) */
            size_t big = ns;
            for (size_t q = 0; q < ns; q++)
                if (st[q + 1] - st[q] >= 2 && (big == ns || st[q + 1] - st[q] > st[big + 1] - st[big])) big = q;
            for (size_t q = 0; q < ns; q++) {
                if (st[q + 1] - st[q] < 2) continue; /* its own sense needs another row */
                for (size_t j = st[q]; j < st[q + 1]; j++) {
                    const float *xi = X + r[j].i * C;
                    double wi = w ? w[r[j].i] : 1, best = -2;
                    size_t arg = ns;
                    for (size_t u = 0; u < ns; u++) {
                        size_t cnt = st[u + 1] - st[u];
                        if (cnt < 2) continue;
                        for (size_t d = 0; d < C; d++)
                            cen[d] = (sum[u * C + d] - (u == q ? xi[d] : 0)) / (double)(cnt - (u == q));
                        double s = 0, a = 0, b = 0;
                        for (size_t d = 0; d < C; d++) {
                            s += cen[d] * xi[d];
                            a += cen[d] * cen[d];
                            b += (double)xi[d] * xi[d];
                        }
                        double cs = a > 0 && b > 0 ? s / sqrt(a * b) : 0;
                        if (cs > best) {
                            best = cs;
                            arg = u;
                        }
                    }
                    ok += wi * (arg == q);
                    okm += wi * (big == q);
                    if (correct) correct[r[j].i] = arg == q;
                    m += wi;
                    if (wi > 0) (*scored)++;
                }
            }
        }
        free(st);
        l0 = l1;
    }
    free(r);
    free(sum);
    free(cen);
    if (!rc && m > 0) {
        *acc = ok / m;
        *mfs = okm / m;
    }
    return rc;
}

int shang_item_pool(const float *X, const int32_t *item, size_t n, size_t C, size_t I, float *mean, float *last,
                    size_t *count)
{
    double *sum = mean ? shang_zalloc(I * C, sizeof *sum, "per-lemma sums") : NULL;
    if (mean && !sum) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    memset(count, 0, I * sizeof *count);
    if (last) memset(last, 0, I * C * sizeof *last);
    for (size_t r = 0; r < n; r++) {
        if (item[r] < 0) continue;
        if ((size_t)item[r] >= I) {
            free(sum);
            return SHANG_FAIL(SHANG_EINVAL, "row %zu has item %d, not below %zu", r, item[r], I);
        }
        size_t i = (size_t)item[r];
        count[i]++;
        for (size_t d = 0; sum && d < C; d++) sum[i * C + d] += X[r * C + d];
        if (last) memcpy(last + i * C, X + r * C, C * sizeof *last); /* rows come in order */
    }
    for (size_t i = 0; mean && i < I; i++)
        for (size_t d = 0; d < C; d++) mean[i * C + d] = count[i] ? (float)(sum[i * C + d] / (double)count[i]) : 0;
    free(sum);
    return SHANG_OK;
}

int shang_paraphrase(const float *A, const float *B, size_t I, size_t C, const uint32_t *perm, double *aligned,
                     double *shuffled, unsigned char *hit)
{
    double *nb = shang_alloc(I, sizeof *nb, "nb");
    if (!nb) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t j = 0; j < I; j++) {
        double t = 0;
        for (size_t d = 0; d < C; d++) t += (double)B[j * C + d] * B[j * C + d];
        nb[j] = sqrt(t);
    }
#pragma omp parallel for schedule(dynamic, 16)
    for (size_t i = 0; i < I; i++) {
        const float *a = A + i * C;
        double na = 0;
        for (size_t d = 0; d < C; d++) na += (double)a[d] * a[d];
        na = sqrt(na);
        double best = -2;
        size_t arg = 0;
        for (size_t j = 0; j < I; j++) {
            double sdot = 0;
            for (size_t d = 0; d < C; d++) sdot += (double)a[d] * B[j * C + d];
            double cs = na > 0 && nb[j] > 0 ? sdot / (na * nb[j]) : 0;
            if (j == i) aligned[i] = cs;
            if (j == perm[i]) shuffled[i] = cs;
            if (cs > best) {
                best = cs;
                arg = j;
            }
        }
        hit[i] = arg == i;
    }
    free(nb);
    return SHANG_OK;
}

int shang_lemma_structure(const float *X, size_t C, const int32_t *lemma, const int32_t *sense, size_t n,
                          uint64_t seed, double *purity, double *nmi, double *ami, double *silhouette)
{
    for (size_t i = 0; i < n; i++) purity[i] = nmi[i] = ami[i] = silhouette[i] = NAN;
    struct row *r = shang_alloc(n, sizeof *r, "r");
    if (!r) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) r[i] = (struct row){lemma[i], sense[i], i};
    qsort(r, n, sizeof *r, by_lemma_sense);
    int rc = SHANG_OK;
    for (size_t l0 = 0; !rc && l0 < n;) {
        size_t l1 = l0, ns = 0;
        while (l1 < n && r[l1].lemma == r[l0].lemma) l1++;
        for (size_t j = l0; j < l1; j++) ns += j == l0 || r[j].sense != r[j - 1].sense;
        size_t m = l1 - l0;
        float *rows = shang_alloc(m * C, sizeof *rows, "rows");
        int32_t *lab = shang_alloc(m, sizeof *lab, "lab");
        double *dist = shang_alloc(m * m, sizeof *dist, "dist");
        if (!rows || !lab || !dist) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        for (size_t j = 0; !rc && j < m; j++) {
            memcpy(rows + j * C, X + r[l0 + j].i * C, C * sizeof *rows);
            lab[j] = r[l0 + j].sense;
        }
        if (!rc && ns >= 2 && m >= 4) { /* k-means with k = the senses */
            shang_kmeans_opts o = {.K = ns, .n_init = 3, .max_iter = 100, .tol = 1e-4,
                                   .seed = seed ^ ((uint64_t)(uint32_t)r[l0].lemma << 20)};
            shang_kmeans *km = NULL;
            shang_contingency *t = NULL;
            shang_cluster_scores sc;
            rc = shang_kmeans_fit(rows, m, C, &o, &km);
            if (!rc) rc = shang_contingency_new(lab, km->labels, m, &t);
            if (!rc) rc = shang_cluster_scores_of(t, 1, &sc);
            if (!rc) {
                double *best = shang_zalloc(t->C, sizeof *best, "best"), pur = 0;
                if (!best) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
                for (size_t z = 0; !rc && z < t->nnz; z++)
                    if ((double)t->cn[z] > best[t->cj[z]]) best[t->cj[z]] = (double)t->cn[z];
                for (size_t q = 0; !rc && q < t->C; q++) pur += best[q];
                for (size_t j = 0; !rc && j < m; j++) {
                    purity[r[l0 + j].i] = pur / (double)m;
                    nmi[r[l0 + j].i] = sc.nmi_arithmetic;
                    ami[r[l0 + j].i] = sc.ami;
                }
                free(best);
            }
            shang_contingency_free(t);
            shang_kmeans_free(km);
        }
        /* silhouette over the senses with two rows or more */
        size_t big = 0;
        for (size_t j = 0, run = 0; j < m; j++) {
            run = j && lab[j] == lab[j - 1] ? run + 1 : 1;
            if (run == 2) big++;
        }
        if (!rc && big >= 2) {
            for (size_t a = 0; a < m; a++)
                for (size_t b = 0; b < m; b++) dist[a * m + b] = 1 - cosine(rows + a * C, rows + b * C, C);
            for (size_t a = 0; a < m; a++) {
                size_t own = 0;
                for (size_t b = 0; b < m; b++) own += lab[b] == lab[a];
                if (own < 2) continue;
                double in = 0, out = INFINITY;
                for (size_t b = 0; b < m; b++)
                    if (b != a && lab[b] == lab[a]) in += dist[a * m + b];
                in /= (double)(own - 1);
                for (size_t b0 = 0; b0 < m;) { /* each other sense with two rows or more */
                    size_t b1 = b0;
                    while (b1 < m && lab[b1] == lab[b0]) b1++;
                    if (lab[b0] != lab[a] && b1 - b0 >= 2) {
                        double d = 0;
                        for (size_t b = b0; b < b1; b++) d += dist[a * m + b];
                        d /= (double)(b1 - b0);
                        if (d < out) out = d;
                    }
                    b0 = b1;
                }
                double mx = in > out ? in : out;
                silhouette[r[l0 + a].i] = mx > 0 ? (out - in) / mx : 0;
            }
        }
        free(rows);
        free(lab);
        free(dist);
        l0 = l1;
    }
    free(r);
    return rc;
}
