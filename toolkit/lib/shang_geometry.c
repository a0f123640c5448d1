/* shang_geometry — see shang_geometry.h. */
#include "shang_geometry.h"
#include "shang_mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "shang_pca.h"
#include "shang_rng.h"
#include "shang_strmap.h"

static double cosine(const float *a, const float *b, size_t C, double na, double nb)
{
    double s = 0;
    for (size_t d = 0; d < C; d++) s += (double)a[d] * b[d];
    return na > 0 && nb > 0 ? s / (na * nb) : 0;
}

int shang_geometry_layer(float *x, const int32_t *tok, const int32_t *doc, size_t n, size_t C,
                         const shang_geometry_opts *o, shang_geometry *g)
{
    memset(g, 0, sizeof *g);
    if (n < 2 || C == 0) return SHANG_FAIL(SHANG_EINVAL, "geometry needs 2 rows or more");
    double *nrm = shang_alloc(n, sizeof *nrm, "nrm"), *mom = shang_zalloc(C, sizeof *mom, "mom");
    int rc = nrm && mom ? SHANG_OK : SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    gsl_rng *r = NULL;
    if (!rc) rc = shang_rng_new(o->seed, SHANG_STREAM_SUBSAMPLE, o->stream, &r);
    if (!rc && o->standardize) shang_standardize_columns(x, n, C);
    /* norms and the energy per dimension */
    double s1 = 0, s2 = 0, mx = 0, energy = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        double t = 0;
        for (size_t d = 0; d < C; d++) {
            double v = x[i * C + d];
            t += v * v;
            mom[d] += v * v;
        }
        nrm[i] = sqrt(t);
        s1 += nrm[i];
        s2 += nrm[i] * nrm[i];
        mx = fmax(mx, nrm[i]);
        energy += t;
    }
    if (!rc) {
        g->norm_mean = s1 / (double)n;
        g->norm_sd = sqrt(fmax(0, (s2 - s1 * s1 / (double)n) / (double)(n - 1)));
        g->norm_max = mx;
        int top[3] = {-1, -1, -1};
        for (int q = 0; q < 3 && (size_t)q < C; q++)
            for (size_t d = 0; d < C; d++) {
                int used = 0;
                for (int p = 0; p < q; p++) used |= top[p] == (int)d;
                if (!used && (top[q] < 0 || mom[d] > mom[top[q]])) top[q] = (int)d;
            }
        g->top_dim = top[0];
        g->top1_energy = energy > 0 ? mom[top[0]] / energy : NAN;
        g->top3_energy = energy > 0 && C >= 3 ? (mom[top[0]] + mom[top[1]] + mom[top[2]]) / energy : NAN;
        /* anisotropy: random pairs of rows with different tokens; the top
         * dimensions' share of the summed cosines */
        double cs = 0, c1 = 0, c3 = 0;
        size_t m = 0;
        for (size_t t = 0; t < o->pairs; t++) {
            size_t a = (size_t)gsl_rng_uniform_int(r, n), b = (size_t)gsl_rng_uniform_int(r, n);
            if (a == b || tok[a] == tok[b] || !(nrm[a] > 0 && nrm[b] > 0)) continue;
            cs += cosine(x + a * C, x + b * C, C, nrm[a], nrm[b]);
            double den = nrm[a] * nrm[b];
            c1 += (double)x[a * C + top[0]] * x[b * C + top[0]] / den;
            for (int q = 0; q < 3 && C >= 3; q++) c3 += (double)x[a * C + top[q]] * x[b * C + top[q]] / den;
            m++;
        }
        g->pairs = m;
        g->anisotropy = m ? cs / (double)m : NAN;
        g->top1_cosine = m && cs != 0 ? c1 / cs : NAN;
        g->top3_cosine = m && cs != 0 ? c3 / cs : NAN;
    }
    /* self-similarity: occurrences grouped by token (counting sort by dense id) */
    uint32_t *tid = rc ? NULL : shang_alloc(n, sizeof *tid, "tid");
    size_t *start = NULL, *order = NULL, *pick = NULL, T = 0;
    if (!rc && !tid) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    if (!rc) rc = shang_dense_ids(tok, sizeof *tok, n, tid, &T);
    if (!rc) {
        start = shang_zalloc(T + 1, sizeof *start, "start");
        order = shang_alloc(n, sizeof *order, "order");
        pick = shang_alloc(o->max_occ, sizeof *pick, "pick");
        if (!start || !order || !pick) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    }
    if (!rc) {
        for (size_t i = 0; i < n; i++) start[tid[i] + 1]++;
        for (size_t t = 0; t < T; t++) start[t + 1] += start[t];
        size_t *fill = shang_alloc(T, sizeof *fill, "fill");
        if (!fill) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        else {
            memcpy(fill, start, T * sizeof *fill);
            for (size_t i = 0; i < n; i++) order[fill[tid[i]]++] = i;
            free(fill);
        }
    }
    double ss = 0;
    size_t st = 0;
    for (size_t t = 0; !rc && t < T; t++) {
        size_t cnt = start[t + 1] - start[t];
        if (cnt < 2) continue;
        size_t m = cnt < o->max_occ ? cnt : o->max_occ;
        if (m < 2) continue;
        gsl_ran_choose(r, pick, m, order + start[t], cnt, sizeof *pick);
        double s = 0;
        size_t p = 0;
        for (size_t a = 0; a < m; a++)
            for (size_t b = a + 1; b < m; b++, p++)
                s += cosine(x + pick[a] * C, x + pick[b] * C, C, nrm[pick[a]], nrm[pick[b]]);
        ss += s / (double)p;
        st++;
    }
    g->self_tokens = st;
    g->self_similarity = st ? ss / (double)st : NAN;
    g->self_similarity_adj = g->self_similarity - g->anisotropy;
    /* intra-document similarity: each row against its document's mean */
    double *dsum = NULL;
    uint32_t *did = tid; /* reuse */
    size_t D = 0;
    if (!rc) rc = shang_dense_ids(doc, sizeof *doc, n, did, &D);
    if (!rc && !(dsum = shang_zalloc(D * C, sizeof *dsum, "dsum"))) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < n; i++)
        for (size_t d = 0; d < C; d++) dsum[did[i] * C + d] += x[i * C + d];
    if (!rc) {
        double is = 0;
        double *dn = shang_zalloc(D, sizeof *dn, "dn");
        if (!dn) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        for (size_t q = 0; !rc && q < D; q++) {
            double t = 0;
            for (size_t d = 0; d < C; d++) t += dsum[q * C + d] * dsum[q * C + d];
            dn[q] = sqrt(t);
        }
        for (size_t i = 0; !rc && i < n; i++) {
            double s = 0;
            for (size_t d = 0; d < C; d++) s += x[i * C + d] * dsum[did[i] * C + d];
            is += nrm[i] > 0 && dn[did[i]] > 0 ? s / (nrm[i] * dn[did[i]]) : 0;
        }
        g->docs = D;
        g->intra_doc = is / (double)n;
        g->intra_doc_adj = g->intra_doc - g->anisotropy;
        free(dn);
    }
    shang_rng_free(r);
    free(nrm); free(mom); free(tid); free(start); free(order); free(pick); free(dsum);
    return rc;
}
