/* n-gram baselines: interpolated Kneser-Ney distributions sum to one for seen and
 * unseen contexts at every order; the discounts follow n1 / (n1 + 2 n2); more
 * context lowers held-out cross-entropy on a Markov source, approaching its
 * entropy rate; the unigram level has its closed form. */
#include <math.h>
#include <stdlib.h>

#include "shang.h"
#include "testutil.h"

enum { V = 7 };

/* a second-order Markov source: next = (3b + (a mod 2) + noise) mod V: one token
 * of context tells part, two tell all but the noise */
static int32_t *markov(size_t n, uint64_t seed)
{
    gsl_rng *r;
    assert_int_equal(shang_rng_new(seed, SHANG_STREAM_TEST, 0, &r), 0);
    int32_t *x = malloc(n * sizeof *x);
    x[0] = 1;
    x[1] = 2;
    for (size_t i = 2; i < n; i++) x[i] = (int32_t)((3 * x[i - 1] + x[i - 2] % 2 + (gsl_rng_uniform(r) < 0.2 ? 2 : 0)) % V);
    shang_rng_free(r);
    return x;
}

static void test_sums_to_one(void **state)
{
    (void)state;
    int32_t *x = markov(3000, 1);
    shang_ngram *g;
    assert_int_equal(shang_ngram_fit(x, 3000, 3, V, &g), 0);
    int32_t hist[3];
    for (int ctx = 0; ctx <= 3; ctx++)
        for (int trial = 0; trial < 30; trial++) {
            for (int k = 0; k < ctx; k++) hist[k] = (int32_t)((trial * 5 + k * 3) % V);
            double s = 0;
            for (int32_t w = 0; w < V; w++) s += shang_ngram_prob(g, ctx, hist, w);
            assert_close(s, 1.0, 1e-12, 0);
        }
    /* discounts are in (0, 1] */
    for (int k = 0; k <= 3; k++) {
        double d = shang_ngram_discount(g, k, 1);
        assert_true(d > 0 && d <= 1);
    }
    shang_ngram_free(g);
    free(x);
}

static void test_context_lowers_xent(void **state)
{
    (void)state;
    int32_t *train = markov(20000, 2), *test = markov(5000, 3);
    shang_ngram *g;
    assert_int_equal(shang_ngram_fit(train, 20000, 3, V, &g), 0);
    double h[4];
    for (int c = 0; c <= 3; c++) assert_int_equal(shang_ngram_xent(g, c, test, 5000, &h[c], NULL), 0);
    /* entropy rate of the source: H(0.8, 0.2) nats once two tokens are known */
    double rate = -(0.8 * log(0.8) + 0.2 * log(0.2));
    assert_true(h[0] > h[1] && h[1] > h[2]);
    assert_close(h[2], rate, 0.02, 0);
    assert_close(h[3], rate, 0.03, 0);
    assert_true(h[0] <= log((double)V) + 1e-9);
    shang_ngram_free(g);
    free(train);
    free(test);
}

static void test_unigram_closed_form(void **state)
{
    (void)state;
    /* counts a:3 b:1 c:0 (V = 3 here): n1 = 1, n2 = 0 -> D = 1;
     * p(a) = (3-1)/4 + 1*2/4 * 1/3, p(b) = 0 + 2/4/3, p(c) = 2/4/3 */
    int32_t x[4] = {0, 0, 1, 0};
    shang_ngram *g;
    assert_int_equal(shang_ngram_fit(x, 4, 0, 3, &g), 0);
    assert_close(shang_ngram_prob(g, 0, NULL, 0), 0.5 + 1.0 / 6, 1e-15, 0);
    assert_close(shang_ngram_prob(g, 0, NULL, 1), 1.0 / 6, 1e-15, 0);
    assert_close(shang_ngram_prob(g, 0, NULL, 2), 1.0 / 6, 1e-15, 0);
    shang_ngram_free(g);
    int32_t bad[2] = {0, 9};
    assert_int_equal(shang_ngram_fit(bad, 2, 1, 3, &g), SHANG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sums_to_one),
        cmocka_unit_test(test_context_lowers_xent),
        cmocka_unit_test(test_unigram_closed_form),
    };
    return cmocka_run_group_tests_name("ngram", tests, NULL, NULL);
}
