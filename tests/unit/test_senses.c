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

/* Sattolo: no fixed point, a permutation, one cycle, the same for the same seed */
static void test_derangement(void **state)
{
    (void)state;
    enum { N = 257 };
    uint32_t p[N], q[N];
    for (uint64_t seed = 1; seed <= 20; seed++) {
        gsl_rng *r;
        assert_int_equal(shang_rng_new(seed, SHANG_STREAM_TEST, 0, &r), 0);
        size_t n = 2 + (size_t)(seed * 37 % (N - 1));
        assert_int_equal(shang_derangement(r, n, p), 0);
        unsigned char seen[N] = {0};
        for (size_t i = 0; i < n; i++) {
            assert_true(p[i] != i && p[i] < n && !seen[p[i]]);
            seen[p[i]] = 1;
        }
        size_t len = 0, i = 0;
        do i = p[i], len++; while (i != 0 && len <= n);
        assert_int_equal(len, n); /* a single cycle through every item */
        shang_rng_free(r);
        assert_int_equal(shang_rng_new(seed, SHANG_STREAM_TEST, 0, &r), 0);
        assert_int_equal(shang_derangement(r, n, q), 0);
        assert_memory_equal(p, q, n * sizeof *p);
        shang_rng_free(r);
    }
    /* every one of the (n-1)! cycles of n = 4 is reached, each about as often */
    gsl_rng *r;
    assert_int_equal(shang_rng_new(9, SHANG_STREAM_TEST, 1, &r), 0);
    int count[256] = {0};
    for (int t = 0; t < 6000; t++) {
        assert_int_equal(shang_derangement(r, 4, p), 0);
        count[p[0] * 64 + p[1] * 16 + p[2] * 4 + p[3]]++;
    }
    int distinct = 0;
    for (int k = 0; k < 256; k++)
        if (count[k]) {
            distinct++;
            assert_true(count[k] > 850 && count[k] < 1150); /* 1000 expected, sd 29 */
        }
    assert_int_equal(distinct, 6);
    assert_int_equal(shang_derangement(r, 1, p), SHANG_EINVAL);
    shang_rng_free(r);
}

/* balancing: per split as many of each label as the rarer has, every rarer pair
 * kept, each of the others equally likely to be */
static void test_balance(void **state)
{
    (void)state;
    enum { N = 300 };
    unsigned char label[N], split[N], keep[N];
    for (int i = 0; i < N; i++) {
        split[i] = i % 3 != 0;                 /* 100 in split 0, 200 in split 1 */
        label[i] = split[i] ? i % 5 == 1 : i % 4 != 0; /* split 1: 40 of label 1; split 0: 75 of label 1 */
    }
    int chosen[N] = {0};
    for (uint64_t seed = 0; seed < 400; seed++) {
        gsl_rng *r;
        assert_int_equal(shang_rng_new(seed, SHANG_STREAM_TEST, 2, &r), 0);
        shang_balance_labels(label, split, N, r, keep);
        shang_rng_free(r);
        size_t k[2][2] = {{0}};
        for (int i = 0; i < N; i++)
            if (keep[i]) k[split[i]][label[i]]++, chosen[i]++;
        assert_int_equal(k[0][0], 25);
        assert_int_equal(k[0][1], 25);
        assert_int_equal(k[1][0], 40);
        assert_int_equal(k[1][1], 40);
    }
    for (int i = 0; i < N; i++) {
        int rarer = split[i] ? label[i] == 1 : label[i] == 0;
        double p = rarer ? 1 : split[i] ? 40.0 / 160 : 25.0 / 75;
        if (rarer) assert_int_equal(chosen[i], 400);
        else assert_close(chosen[i] / 400.0, p, 5 * sqrt(p * (1 - p) / 400), 0);
    }
}

/* WiC pairs read from a file: a bad line refused by number; the same seed, the
 * same balanced pairs; --same-form keeps one-token pairs only */
static void test_wic_pairs(void **state)
{
    (void)state;
    char *path = test_path("pairs.tsv");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "a\tb\tsame_sense\tsame_lexfile\tsplit\n");
    for (int q = 0; q < 200; q++)
        fprintf(f, "i%d\ti%d\t%d\t%d\t%s\n", q % 30, (q * 7 + 3) % 30, q % 3 == 0, q % 2, q % 4 ? "train" : "test");
    fclose(f);
    char *ids[30], buf[30][8];
    int32_t row[30], tok[30];
    for (int i = 0; i < 30; i++) {
        snprintf(buf[i], sizeof buf[i], "i%d", i);
        ids[i] = buf[i];
        row[i] = i == 5 ? -1 : 29 - i; /* item 5 was not extracted */
        tok[i] = i % 2;
    }
    shang_wic_pairs a[2], b[2];
    assert_int_equal(shang_wic_pairs_load(path, ids, row, 30, NULL, 11, a), 0);
    assert_int_equal(shang_wic_pairs_load(path, ids, row, 30, NULL, 11, b), 0);
    for (int g = 0; g < 2; g++) {
        assert_true(a[g].n > 20);
        assert_int_equal(a[g].n, b[g].n);
        assert_memory_equal(a[g].a, b[g].a, a[g].n * sizeof *a[g].a);
        assert_memory_equal(a[g].b, b[g].b, a[g].n * sizeof *a[g].b);
        size_t k[2][2] = {{0}};
        for (size_t p = 0; p < a[g].n; p++) {
            k[a[g].train[p]][a[g].same[p]]++;
            assert_true(a[g].a[p] != 29 - 5 && a[g].b[p] != 29 - 5);
        }
        assert_int_equal(k[0][0], k[0][1]);
        assert_int_equal(k[1][0], k[1][1]);
        shang_wic_pairs_free(&b[g]);
    }
    assert_int_equal(shang_wic_pairs_load(path, ids, row, 30, NULL, 12, b), 0);
    assert_true(b[0].n == a[0].n && memcmp(a[0].a, b[0].a, a[0].n * sizeof *a[0].a)); /* another seed, other pairs */
    for (int g = 0; g < 2; g++) shang_wic_pairs_free(&a[g]), shang_wic_pairs_free(&b[g]);
    assert_int_equal(shang_wic_pairs_load(path, ids, row, 30, tok, 11, a), 0);
    for (size_t p = 0; p < a[0].n; p++) assert_int_equal(tok[a[0].a[p]], tok[a[0].b[p]]);
    for (int g = 0; g < 2; g++) shang_wic_pairs_free(&a[g]);
    f = fopen(path, "a");
    fprintf(f, "i1\ti2\t2\t0\ttrain\n");
    fclose(f);
    assert_int_equal(shang_wic_pairs_load(path, ids, row, 30, NULL, 11, a), SHANG_EFORMAT);
    assert_non_null(strstr(shang_err_msg(), "pairs.tsv:202: same_sense (0 or 1) '2'"));
    free(path);
}

/* synonym pairs within a set, antonyms by word, controls from other sets and
 * matched in log frequency */
static void test_synonym_design(void **state)
{
    (void)state;
    enum { I = 120 };
    int32_t set[I], word[I];
    int64_t row[I];
    char *wstr[I], wb[I][8];
    double logf[I];
    for (int i = 0; i < I; i++) {
        set[i] = i / 12;          /* 10 sets of 12 sentences */
        word[i] = i / 4;          /* 3 words per set, 4 sentences each */
        row[i] = i == 7 ? -1 : i; /* one sentence without a target */
        snprintf(wb[i], sizeof wb[i], "w%d", word[i]);
        wstr[i] = wb[i];
        logf[i] = word[i] % 6 == 5 ? NAN : (double)(word[i] % 3); /* each set's words: 0, 1, 2 */
    }
    uint32_t a[I * 8], b[I * 8], ca[I * 8], cb[I * 8];
    size_t n = shang_synonym_pairs(set, word, row, I, 8, a, b);
    assert_true(n > 0);
    for (size_t p = 0; p < n; p++) {
        assert_int_equal(set[a[p]], set[b[p]]);
        assert_true(word[a[p]] != word[b[p]] && a[p] < b[p] && a[p] != 7 && b[p] != 7);
    }
    /* item 0: items 4..11 of its set have other words, 7 of them a target */
    size_t first = 0;
    while (first < n && a[first] == 0) first++;
    assert_int_equal(first, 7);
    /* at most max_per = 3: items 0..3 (word 0) 3 each, 4..6 (word 1) 3 each with
     * word 2, item 7 no target, 8..11 no later word: 21 */
    assert_int_equal(shang_synonym_pairs(set, word, row, 4, 3, ca, cb), 0); /* items 0..3: one word */
    assert_int_equal(shang_synonym_pairs(set, word, row, 12, 3, ca, cb), 21);
    char *x[1] = {"w0"}, *y[1] = {"w2"};
    size_t m = shang_word_pairs(x, y, 1, wstr, row, I, 8, I * 8, ca, cb);
    assert_int_equal(m, 8);
    for (size_t p = 0; p < m; p++) assert_true(word[ca[p]] == 0 && word[cb[p]] == 2);
    for (int matched = 0; matched < 2; matched++) {
        gsl_rng *r;
        assert_int_equal(shang_rng_new(3, SHANG_STREAM_TEST, 4, &r), 0);
        size_t k = shang_random_controls(a, b, n, set, word, row, matched ? logf : NULL, I, r, ca, cb);
        shang_rng_free(r);
        double gap = 0;
        size_t scored = 0;
        for (size_t p = 0, q = 0; p < n && q < k; p++) {
            if (ca[q] != a[p]) continue; /* a pair left without a control */
            uint32_t c = cb[q++];
            assert_true(set[c] != set[a[p]] && word[c] != word[a[p]] && word[c] != word[b[p]] && c != 7);
            if (matched) assert_true(isnan(logf[b[p]]) || !isnan(logf[c]));
            if (!isnan(logf[b[p]]) && !isnan(logf[c])) {
                gap += fabs(logf[c] - logf[b[p]]);
                scored++;
            }
        }
        if (matched) {
            /* a third of the other sets' words have b's frequency: of 50 draws one
             * has it but with probability 1 - (2/3)^50 (unmatched, the mean gap is 2/3 or more) */
            assert_true(scored > n / 2);
            assert_true(gap / (double)scored < 0.01);
        } else {
            assert_int_equal(k, n);
            assert_true(gap / (double)scored > 0.4); /* the first draw: |difference| of two of 0, 1, 2 */
        }
    }
}

int main(int argc, char **argv)
{
    (void)argc;
    if (shang_blas_reexec_if_generic(argv)) fprintf(stderr, "# %s\n", shang_err_msg());
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_wic), cmocka_unit_test(test_nearest_centroid),
                                       cmocka_unit_test(test_lemma_structure), cmocka_unit_test(test_derangement),
                                       cmocka_unit_test(test_balance), cmocka_unit_test(test_wic_pairs),
                                       cmocka_unit_test(test_synonym_design)};
    return cmocka_run_group_tests_name("senses", tests, NULL, NULL);
}
