/* The aliasing decomposition of one layer: SCIENCE.md's golden values (bank /
 * car / automobile / river), closed forms when the next token is a function of
 * the cluster, the baselines' expected behaviour, and thread-independent
 * bootstrap intervals that cover the estimate. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "shang.h"
#include "testutil.h"

static void test_golden(void **state)
{
    (void)state;
    /* bank x4, car x2, automobile x2, river x2; clusters R R F F V V V V R R */
    int32_t x[10] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3}, k[10] = {0, 0, 1, 1, 2, 2, 2, 2, 0, 0};
    int32_t y[10] = {1, 2, 1, 2, 0, 0, 0, 0, 3, -1}, doc[10] = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4};
    shang_alias_opts o = {.V = 4, .alpha = 0.5, .heldout_frac = 0.4, .with_ami = 1, .seed = 1, .level = 0.95};
    double st[SHANG_A_N_STATS], lo[SHANG_A_N_STATS], hi[SHANG_A_N_STATS];
    assert_int_equal(shang_alias_layer(x, y, k, doc, 10, &o, st, lo, hi), 0);
    assert_close(st[SHANG_A_H_K_X], 0.277259, 1e-6, 0);
    assert_close(st[SHANG_A_H_X_K], 0.554518, 1e-6, 0);
    assert_close(st[SHANG_A_VI], 0.831777, 1e-6, 0);
    assert_close(st[SHANG_A_HOMOGENEITY], 0.583751, 1e-6, 0);
    assert_close(st[SHANG_A_COMPLETENESS], 0.737175, 1e-6, 0);
    assert_close(st[SHANG_A_V], 0.651553, 1e-6, 0);
    assert_close(st[SHANG_A_ARI], 0.285714, 1e-6, 0);
    assert_close(st[SHANG_A_AMI], 0.460562, 1e-6, 0);
    assert_close(st[SHANG_A_N], 10, 0, 0);
    assert_close(st[SHANG_A_NY], 9, 0, 0); /* the last row has no next token */
    assert_close(st[SHANG_A_X_TYPES], 4, 0, 0);
    assert_close(st[SHANG_A_K_USED], 3, 0, 0);
    assert_true(isnan(lo[SHANG_A_H_K_X])); /* no bootstrap asked */
    /* y is 0 exactly on cluster V: H(Y|X,K) plug-in on the 9 rows by hand */
    /* conditions (x,k): (0,0): y 1,2 -> ln 2; (0,1): 1,2 -> ln 2; (1,2): 0,0; (2,2): 0,0; (3,0): 3 */
    assert_close(st[SHANG_A_H_Y_XK_PLUGIN], (2 * log(2) + 2 * log(2)) / 9, 1e-12, 0);
    assert_close(st[SHANG_A_GAIN_PLUGIN], st[SHANG_A_H_Y_X_PLUGIN] - st[SHANG_A_H_Y_XK_PLUGIN], 1e-15, 0);
    /* Miller-Madow: plug-in + (cells - conditions) / 2N for the (X, Y) table:
     * cells (0,1) (0,2) (1,0) (2,0) (3,3) = 5, conditions 4 */
    assert_close(st[SHANG_A_H_Y_X_MM] - st[SHANG_A_H_Y_X_PLUGIN], (5.0 - 4.0) / 18, 1e-12, 0);
    assert_close(st[SHANG_A_BIAS_Y_X], (5.0 - 4.0) / 18, 1e-12, 0);
    /* X cut to its k - 1 = 2 most frequent tokens (bank 4; car wins the tie at 2
     * by the smaller id) + other {automobile, river}: by hand on the 9 rows */
    double other = -(2.0 / 3 * log(2.0 / 3) + 1.0 / 3 * log(1.0 / 3));
    assert_close(st[SHANG_A_H_Y_XTOP], (4 * log(2) + 3 * other) / 9, 1e-12, 0);
    int32_t bad[10];
    memcpy(bad, y, sizeof bad);
    bad[0] = 4;
    assert_int_equal(shang_alias_layer(x, bad, k, doc, 10, &o, st, lo, hi), SHANG_EINVAL);
}

/* Y a function of K with many documents: H(Y|K) = 0, I(Y;K) = H(Y), the random
 * partition and the shuffle lose that; the bootstrap covers the estimate and
 * does not depend on the thread count */
static void test_function_of_cluster(void **state)
{
    (void)state;
    enum { N = 6000, DOCS = 60 };
    int32_t *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *k = malloc(N * sizeof *k), *doc = malloc(N * sizeof *doc);
    gsl_rng *r;
    assert_int_equal(shang_rng_new(7, SHANG_STREAM_TEST, 0, &r), 0);
    for (int i = 0; i < N; i++) {
        x[i] = (int32_t)gsl_rng_uniform_int(r, 40);
        k[i] = (int32_t)((x[i] + gsl_rng_uniform_int(r, 2)) % 20); /* each token in two clusters */
        y[i] = k[i] % 5;
        doc[i] = i / (N / DOCS);
    }
    shang_rng_free(r);
    shang_alias_opts o = {.V = 5, .alpha = 0.01, .heldout_frac = 0.25, .bootstrap = 40, .level = 0.9, .seed = 3, .stream = 2};
    double st[SHANG_A_N_STATS], lo[SHANG_A_N_STATS], hi[SHANG_A_N_STATS];
    double st2[SHANG_A_N_STATS], lo2[SHANG_A_N_STATS], hi2[SHANG_A_N_STATS];
    int t0 = shang_threads_default();
    shang_threads_set(1);
    assert_int_equal(shang_alias_layer(x, y, k, doc, N, &o, st, lo, hi), 0);
    shang_threads_set(2);
    assert_int_equal(shang_alias_layer(x, y, k, doc, N, &o, st2, lo2, hi2), 0);
    shang_threads_set(t0);
    for (int s = 0; s < SHANG_A_N_STATS; s++) {
        assert_true(st[s] == st2[s] || (isnan(st[s]) && isnan(st2[s])));
        assert_true(lo[s] == lo2[s] || (isnan(lo[s]) && isnan(lo2[s])));
    }
    assert_close(st[SHANG_A_H_Y_K_PLUGIN], 0, 1e-12, 0);
    assert_close(st[SHANG_A_H_Y_XK_PLUGIN], 0, 1e-12, 0);
    assert_close(st[SHANG_A_MI_YK], st[SHANG_A_H_Y], 1e-12, 0);
    assert_close(st[SHANG_A_CE_Y_K], 0, 0.01, 0); /* add-0.01 of 5 outcomes, every condition well seen */
    assert_true(st[SHANG_A_CE_Y_X] > 0.5);        /* a token has two clusters: about ln 2 of doubt */
    assert_close(st[SHANG_A_GAIN_PLUGIN], st[SHANG_A_H_Y_X_PLUGIN], 1e-12, 0);
    assert_true(st[SHANG_A_RAND_MI_YK] < 0.05 && st[SHANG_A_SHUF_MI_YK] < 0.05);
    assert_close(st[SHANG_A_RAND_H_Y_K], st[SHANG_A_H_Y], 0.05, 0);
    assert_true(st[SHANG_A_RAND_H_K_X] > st[SHANG_A_H_K_X] + 1);
    for (int s = 0; s < SHANG_A_N_STATS; s++)
        if (shang_alias_stat_has_ci(s) && !isnan(st[s]) && s != SHANG_A_N && s != SHANG_A_NY) {
            if (!(lo[s] <= hi[s])) fprintf(stderr, "# %s: %g [%g, %g]\n", shang_alias_stat_name(s), st[s], lo[s], hi[s]);
            assert_true(lo[s] <= hi[s]);
            assert_true(lo[s] <= st[s] && st[s] <= hi[s]);
        }
    assert_true(isnan(lo[SHANG_A_RAND_MI_YK]));
    assert_true(hi[SHANG_A_H_K_X] > lo[SHANG_A_H_K_X]);
    /* the intervals contain the estimate by construction (estimate +- z sd), so
     * their width is what is tested: H(X) of 40 near-uniform tokens over 6,000
     * rows varies by about sd(-ln p)/sqrt(N) ~ 0.003 (a little more with 60
     * documents as the unit): the half-width must be near 2 x that */
    double half = (hi[SHANG_A_H_X] - lo[SHANG_A_H_X]) / 2;
    assert_true(half > 0.001 && half < 0.03);
    assert_string_equal(shang_alias_stat_name(SHANG_A_H_K_X), "h_k_given_x");
    free(x);
    free(y);
    free(k);
    free(doc);
}

/* coverage of a known value: X uniform over 8 tokens, K = 2X with probability
 * 0.8, else 2X + 1, so H(K|X) = h(0.8) = 0.500402 nats exactly; 200 simulated
 * data sets of 50 documents x 24 rows, each with a 95% interval from 200
 * bootstrap replicates over documents. The plug-in's bias (8/2N = 0.003) is a
 * tenth of the sd (0.03), so about 95% of the intervals must hold the truth:
 * the binomial 99.9% range for 200 intervals is 171..199 */
static void test_interval_coverage(void **state)
{
    (void)state;
    enum { DOCS = 50, PER = 24, N = DOCS * PER, SETS = 200 };
    int32_t x[N], y[N], k[N], doc[N];
    const double truth = -(0.8 * log(0.8) + 0.2 * log(0.2));
    gsl_rng *r;
    assert_int_equal(shang_rng_new(9, SHANG_STREAM_TEST, 0, &r), 0);
    int covered = 0;
    double mean_half = 0;
    for (int set = 0; set < SETS; set++) {
        for (int i = 0; i < N; i++) {
            x[i] = (int32_t)gsl_rng_uniform_int(r, 8);
            k[i] = 2 * x[i] + (gsl_rng_uniform(r) < 0.2);
            y[i] = (int32_t)gsl_rng_uniform_int(r, 4);
            doc[i] = i / PER;
        }
        shang_alias_opts o = {.V = 4, .alpha = 0.1, .heldout_frac = 0.2, .bootstrap = 200, .level = 0.95,
                              .seed = (uint64_t)set + 1};
        double st[SHANG_A_N_STATS], lo[SHANG_A_N_STATS], hi[SHANG_A_N_STATS];
        assert_int_equal(shang_alias_layer(x, y, k, doc, N, &o, st, lo, hi), 0);
        covered += lo[SHANG_A_H_K_X] <= truth && truth <= hi[SHANG_A_H_K_X];
        mean_half += (hi[SHANG_A_H_K_X] - lo[SHANG_A_H_K_X]) / 2 / SETS;
    }
    shang_rng_free(r);
    /* sd of the plug-in: sqrt(p(1-p)) |ln(p/(1-p))| / sqrt(N) = 0.0160 */
    fprintf(stderr, "# %d of %d intervals cover H(K|X) = %.6f; mean half-width %.4f (1.96 x 0.0160 = %.4f)\n",
            covered, SETS, truth, mean_half, 1.96 * 0.0160);
    assert_true(covered >= 171 && covered <= 199);
    assert_close(mean_half, 1.96 * 0.0160, 0, 0.15);
}

/* The tuned estimates against known truth: Y = (X + P) mod 6 with probability
 * 0.9 (else uniform), P the previous token (uniform over 4), K an independent
 * random 8-way partition. What K adds to X is 0 in truth, and its interval must
 * hold 0; what P adds to X is H(Y|X) - H(Y|X,P) in closed form. */
static void test_tuned_truth(void **state)
{
    (void)state;
    enum { N = 12000, DOCS = 120 };
    int32_t *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *k = malloc(N * sizeof *k);
    int32_t *doc = malloc(N * sizeof *doc), *prev = malloc(N * sizeof *prev);
    gsl_rng *r;
    assert_int_equal(shang_rng_new(12, SHANG_STREAM_TEST, 0, &r), 0);
    for (int i = 0; i < N; i++) {
        x[i] = (int32_t)gsl_rng_uniform_int(r, 30);
        prev[i] = (int32_t)gsl_rng_uniform_int(r, 4);
        k[i] = (int32_t)gsl_rng_uniform_int(r, 8);
        y[i] = gsl_rng_uniform(r) < 0.9 ? (x[i] + prev[i]) % 6 : (int32_t)gsl_rng_uniform_int(r, 6);
        doc[i] = i / (N / DOCS);
    }
    shang_rng_free(r);
    const double a = 0.9 + 0.1 / 6, b = 0.1 / 6, m = 0.9 / 4 + 0.1 / 6;
    const double h_xp = -(a * log(a) + 5 * b * log(b)), h_x = -(4 * m * log(m) + 2 * b * log(b));
    shang_alias_opts o = {.V = 6, .alpha = 0.1, .heldout_frac = 0.25, .bootstrap = 100, .level = 0.95, .seed = 4,
                          .prev = prev};
    double st[SHANG_A_N_STATS], lo[SHANG_A_N_STATS], hi[SHANG_A_N_STATS];
    assert_int_equal(shang_alias_layer(x, y, k, doc, N, &o, st, lo, hi), 0);
    fprintf(stderr, "# gain of K %.4f [%.4f, %.4f]; gain of P %.4f [%.4f, %.4f], truth %.4f; add-alpha gain of K %.4f\n",
            st[SHANG_A_GAIN_CET], lo[SHANG_A_GAIN_CET], hi[SHANG_A_GAIN_CET], st[SHANG_A_GAIN_CET_PREV],
            lo[SHANG_A_GAIN_CET_PREV], hi[SHANG_A_GAIN_CET_PREV], h_x - h_xp, st[SHANG_A_GAIN_CE]);
    assert_true(lo[SHANG_A_GAIN_CET] <= 0 && 0 <= hi[SHANG_A_GAIN_CET]);
    assert_close(st[SHANG_A_GAIN_CET], 0, 0.01, 0);
    /* held out, (X,P)'s 120 contexts x 6 outcomes are estimated from ~75 training
     * rows each: CE(Y|X,P) sits above H(Y|X,P) by about (6 - 1) / (2 x 75) = 0.033 */
    assert_close(st[SHANG_A_GAIN_CET_PREV], h_x - h_xp, 0.05, 0);
    assert_true(lo[SHANG_A_GAIN_CET_PREV] <= h_x - h_xp && h_x - h_xp <= hi[SHANG_A_GAIN_CET_PREV]);
    assert_true(lo[SHANG_A_GAIN_CET_PREV] > 0.5);
    assert_true(st[SHANG_A_GAIN_CE] < -0.05); /* the add-alpha back-off of (X,K) to the unigram */
    /* without previous tokens the context columns are NaN */
    o.prev = NULL;
    o.bootstrap = 0;
    assert_int_equal(shang_alias_layer(x, y, k, doc, N, &o, st, lo, hi), 0);
    assert_true(isnan(st[SHANG_A_GAIN_CET_PREV]) && !isnan(st[SHANG_A_GAIN_CET]));
    free(x); free(y); free(k); free(doc); free(prev);
}

/* Per label, the golden example: bank (4 rows) splits 2:2 between R and F, so
 * H(K|X=bank) = ln 2 and 2 meanings; car, automobile and river sit in one
 * cluster (0, 1 meaning); cluster V holds car and automobile 2:2 (ln 2, 2
 * tokens), R holds bank and river 2:2, F bank alone. In bits ln 2 is 1. */
static void test_label_rows(void **state)
{
    (void)state;
    int32_t x[10] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3}, k[10] = {0, 0, 1, 1, 2, 2, 2, 2, 0, 0};
    shang_contingency *t;
    double *hkx, *hxk;
    assert_int_equal(shang_alias_label_entropies(x, k, 10, &t, &hkx, &hxk), 0);
    for (size_t i = 0; i < t->R; i++) assert_close(hkx[i], t->a_label[i] == 0 ? log(2) : 0, 1e-15, 0);
    for (size_t j = 0; j < t->C; j++) assert_close(hxk[j], t->b_label[j] == 1 ? 0 : log(2), 1e-15, 0);
    free(hkx);
    free(hxk);
    shang_contingency_free(t);
    shang_table *tl, *tt, *tc;
    assert_int_equal(shang_alias_tables_new(1, &tl, &tt, &tc), 0);
    /* min_count 2 keeps every token, 3 only bank; top 1 lists the most frequent token (ties: the smaller id) */
    assert_int_equal(shang_alias_label_rows(x, k, 10, 4, 3, 1, log(2), NULL, tt, tc), 0);
    assert_int_equal(shang_table_rows(tt), 1);
    assert_int_equal(shang_table_get_i64(tt, 1, 0), 0);
    assert_int_equal(shang_table_get_i64(tt, 3, 0), 4);
    assert_close(shang_table_get_f64(tt, 4, 0), 1, 1e-15, 0);  /* bits */
    assert_close(shang_table_get_f64(tt, 5, 0), 2, 1e-14, 0);  /* exp of nats */
    assert_int_equal(shang_table_rows(tc), 3);
    for (size_t r = 0; r < 3; r++) {
        int64_t c = shang_table_get_i64(tc, 1, r);
        assert_int_equal(shang_table_get_i64(tc, 2, r), c == 1 ? 2 : 4);
        assert_close(shang_table_get_f64(tc, 4, r), c == 1 ? 1 : 2, 1e-14, 0);
        assert_int_equal(shang_table_get_i64(tc, 5, r), c == 1 ? 1 : 2);
        assert_string_equal(shang_table_get_str(tc, 6, r), c == 0 ? "#0 (2)" : c == 1 ? "#0 (2)" : "#1 (2)");
    }
    /* every statistic with an interval has name_lo and name_hi; information in bits */
    double st[SHANG_A_N_STATS], lo[SHANG_A_N_STATS], hi[SHANG_A_N_STATS];
    for (int q = 0; q < SHANG_A_N_STATS; q++) st[q] = lo[q] = hi[q] = log(2);
    assert_int_equal(shang_alias_layer_row(tl, 4, 3, st, lo, hi, log(2)), 0);
    for (int q = 0; q < SHANG_A_N_STATS; q++) {
        char nm[64];
        int c = shang_table_find(tl, shang_alias_stat_name(q));
        snprintf(nm, sizeof nm, "%s_hi", shang_alias_stat_name(q));
        assert_true(c >= 0);
        assert_int_equal(shang_table_find(tl, nm) >= 0, shang_alias_stat_has_ci(q));
        assert_close(shang_table_get_f64(tl, (size_t)c, 0), shang_alias_stat_is_information(q) ? 1 : log(2), 1e-15, 0);
    }
    assert_true(shang_alias_stat_is_information(SHANG_A_ADV_CE) && shang_alias_stat_is_information(SHANG_A_H_K_X));
    assert_false(shang_alias_stat_is_information(SHANG_A_NMI) || shang_alias_stat_is_information(SHANG_A_N) ||
                 shang_alias_stat_is_information(SHANG_A_BIAS_WARNING));
    shang_table_free(tl);
    shang_table_free(tt);
    shang_table_free(tc);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (shang_blas_reexec_if_generic(argv)) fprintf(stderr, "# %s\n", shang_err_msg());
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_golden), cmocka_unit_test(test_function_of_cluster),
                                       cmocka_unit_test(test_interval_coverage), cmocka_unit_test(test_label_rows),
                                       cmocka_unit_test(test_tuned_truth)};
    return cmocka_run_group_tests_name("alias", tests, NULL, NULL);
}
