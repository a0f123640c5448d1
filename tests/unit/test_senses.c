/* Polysemy measures: WiC-style accuracy (separable pairs -> 1, the threshold
 * between the classes, weights = duplicated pairs, unlabelled noise near 0.5) and
 * leave-one-out nearest centroid against a naive reference, with the
 * most-frequent-sense baseline counted by hand. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include <gsl/gsl_randist.h>

#include "shang.h"
#include "testutil.h"

enum { C = 16 };

static void test_wic(void **state)
{
    (void)state;
    /* rows 0..99: direction e0 + noise; pairs (i, i+1) same if both in one half */
    gsl_rng *r;
    assert_int_equal(shang_rng_new(1, SHANG_STREAM_TEST, 0, &r), 0);
    float X[200 * C];
    for (int i = 0; i < 200; i++)
        for (int d = 0; d < C; d++) X[i * C + d] = (float)((d == (i < 100 ? 0 : 1)) * 5 + gsl_ran_gaussian(r, 0.3));
    enum { NP = 400 };
    uint32_t a[NP], b[NP], w[NP];
    unsigned char same[NP], train[NP];
    for (int p = 0; p < NP; p++) {
        a[p] = (uint32_t)gsl_rng_uniform_int(r, 200);
        b[p] = (uint32_t)gsl_rng_uniform_int(r, 200);
        same[p] = (a[p] < 100) == (b[p] < 100);
        train[p] = p % 2;
        w[p] = 1 + p % 3;
    }
    double cos[NP], thr, acc;
    assert_int_equal(shang_wic(X, C, a, b, same, train, NULL, NP, cos, 0, &thr, &acc), 0);
    assert_close(acc, 1, 0, 0);
    assert_true(thr > 0.05 && thr < 0.95); /* between the two classes' cosines */
    /* weights are multiplicities: the same accuracy on duplicated pairs */
    uint32_t a2[3 * NP], b2[3 * NP];
    unsigned char s2[3 * NP], t2[3 * NP];
    double c2[3 * NP], thr2, acc2, accw;
    size_t m = 0;
    for (int p = 0; p < NP; p++)
        for (uint32_t k = 0; k < w[p]; k++, m++) {
            a2[m] = a[p];
            b2[m] = b[p];
            s2[m] = (unsigned char)(p % 5 == 0 ? !same[p] : same[p]); /* some label noise */
            t2[m] = train[p];
        }
    for (int p = 0; p < NP; p++) same[p] = (unsigned char)(p % 5 == 0 ? !same[p] : same[p]);
    assert_int_equal(shang_wic(X, C, a, b, same, train, w, NP, cos, 1, &thr, &accw), 0);
    assert_int_equal(shang_wic(X, C, a2, b2, s2, t2, NULL, m, c2, 0, &thr2, &acc2), 0);
    assert_close(accw, acc2, 1e-12, 0);
    assert_close(thr, thr2, 1e-6, 0);
    assert_close(accw, 0.8, 0.06, 0); /* 20% of labels flipped */
    memset(train, 0, sizeof train);
    assert_int_equal(shang_wic(X, C, a, b, same, train, NULL, NP, cos, 1, &thr, &acc), SHANG_EINVAL);
    shang_rng_free(r);
}

/* naive leave-one-out nearest centroid in double */
static void naive_nc(const float *X, const int32_t *lemma, const int32_t *sense, int n, double *acc, double *mfs)
{
    double ok = 0, okm = 0, m = 0;
    for (int i = 0; i < n; i++) {
        int own = 0, cand = 0;
        for (int j = 0; j < n; j++) own += j != i && lemma[j] == lemma[i] && sense[j] == sense[i];
        int senses[64], cnt[64], ns = 0;
        for (int j = 0; j < n; j++) {
            if (lemma[j] != lemma[i]) continue;
            int q = 0;
            while (q < ns && senses[q] != sense[j]) q++;
            if (q == ns) {
                senses[ns] = sense[j];
                cnt[ns++] = 0;
            }
            cnt[q]++;
        }
        for (int q = 0; q < ns; q++) cand += cnt[q] >= 2;
        if (own < 1 || cand < 2) continue;
        double best = -2;
        int arg = -1, big = -1;
        for (int q = 0; q < ns; q++) {
            if (cnt[q] < 2) continue;
            if (big < 0 || cnt[q] > cnt[big] || (cnt[q] == cnt[big] && senses[q] < senses[big])) big = q;
            double cen[C] = {0}, k = 0;
            for (int j = 0; j < n; j++)
                if (j != i && lemma[j] == lemma[i] && sense[j] == senses[q]) {
                    for (int d = 0; d < C; d++) cen[d] += X[j * C + d];
                    k++;
                }
            double s = 0, a = 0, b = 0;
            for (int d = 0; d < C; d++) {
                s += cen[d] / k * X[i * C + d];
                a += cen[d] / k * cen[d] / k;
                b += (double)X[i * C + d] * X[i * C + d];
            }
            if (s / sqrt(a * b) > best) {
                best = s / sqrt(a * b);
                arg = q;
            }
        }
        ok += senses[arg] == sense[i];
        okm += senses[big] == sense[i];
        m++;
    }
    *acc = ok / m;
    *mfs = okm / m;
}

static void test_nearest_centroid(void **state)
{
    (void)state;
    enum { N = 300 };
    gsl_rng *r;
    assert_int_equal(shang_rng_new(2, SHANG_STREAM_TEST, 0, &r), 0);
    float X[N * C];
    int32_t lemma[N], sense[N];
    for (int i = 0; i < N; i++) {
        lemma[i] = (int32_t)gsl_rng_uniform_int(r, 20);
        sense[i] = (int32_t)gsl_rng_uniform_int(r, 4);
        for (int d = 0; d < C; d++)
            X[i * C + d] = (float)(gsl_ran_gaussian(r, 1) + (d == sense[i] + (lemma[i] % 3)) * 1.5);
    }
    double acc, mfs, ra, rm;
    size_t n;
    assert_int_equal(shang_nearest_centroid(X, C, lemma, sense, NULL, N, &acc, &mfs, &n), 0);
    naive_nc(X, lemma, sense, N, &ra, &rm);
    assert_close(acc, ra, 1e-12, 0);
    assert_close(mfs, rm, 1e-12, 0);
    assert_true(acc > mfs); /* the senses are planted */
    shang_rng_free(r);
}

/* within-lemma structure: senses planted far apart -> purity 1, AMI 1,
 * silhouette near 1; senses with no structure -> AMI near 0, silhouette near 0 */
static void test_lemma_structure(void **state)
{
    (void)state;
    enum { N = 240 };
    gsl_rng *r;
    assert_int_equal(shang_rng_new(3, SHANG_STREAM_TEST, 0, &r), 0);
    float X[N * C];
    int32_t lemma[N], sense[N];
    double pur[N], nmi[N], ami[N], sil[N];
    for (int planted = 1; planted >= 0; planted--) {
        for (int i = 0; i < N; i++) {
            lemma[i] = i / 24;            /* 10 lemmas of 24 rows */
            sense[i] = 100 * lemma[i] + i % 3; /* 3 senses each */
            for (int d = 0; d < C; d++)
                X[i * C + d] = (float)(gsl_ran_gaussian(r, 0.1) + (planted && d == (sense[i] % 100) + 3 * (lemma[i] % 4)) * 5);
        }
        assert_int_equal(shang_lemma_structure(X, C, lemma, sense, N, 7, pur, nmi, ami, sil), 0);
        double mp = 0, ma = 0, ms = 0, mn = 0;
        for (int i = 0; i < N; i++) {
            mn += nmi[i] / N;
            mp += pur[i] / N;
            ma += ami[i] / N;
            ms += sil[i] / N;
        }
        if (planted) {
            assert_close(mp, 1, 1e-12, 0);
            assert_close(ma, 1, 1e-12, 0);
            assert_close(mn, 1, 1e-12, 0);
            assert_true(ms > 0.9);
        } else {
            assert_close(ma, 0, 0.1, 0);
            assert_close(ms, 0, 0.1, 0);
        }
    }
    /* a lemma with one sense: NaN */
    for (int i = 0; i < 24; i++) sense[i] = 0;
    assert_int_equal(shang_lemma_structure(X, C, lemma, sense, N, 7, pur, nmi, ami, sil), 0);
    assert_true(isnan(pur[0]) && isnan(nmi[0]) && isnan(ami[0]) && isnan(sil[0]));
    shang_rng_free(r);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (shang_blas_reexec_if_generic(argv)) fprintf(stderr, "# %s\n", shang_err_msg());
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_wic), cmocka_unit_test(test_nearest_centroid),
                                       cmocka_unit_test(test_lemma_structure)};
    return cmocka_run_group_tests_name("senses", tests, NULL, NULL);
}
