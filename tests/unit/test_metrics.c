/* Clustering metrics against SCIENCE.md's golden values (including the aliasing
 * example: one-to-many H(K|X), many-to-one H(X|K)) and closed forms. */
#include <math.h>
#include <stdlib.h>

#include "shang.h"
#include "testutil.h"

static shang_cluster_scores scores(const int32_t *a, const int32_t *b, size_t n)
{
    shang_contingency *t;
    assert_int_equal(shang_contingency_new(a, b, n, &t), 0);
    shang_cluster_scores s;
    assert_int_equal(shang_cluster_scores_of(t, 1, &s), 0);
    shang_contingency_free(t);
    return s;
}

static void test_golden_truth_clusters(void **state)
{
    (void)state;
    int32_t truth[6] = {0, 0, 0, 1, 1, 1}, clus[6] = {0, 0, 1, 2, 2, 2};
    shang_cluster_scores s = scores(truth, clus, 6);
    assert_close(s.homogeneity, 1, 1e-6, 0);
    assert_close(s.completeness, 0.685331, 1e-6, 0);
    assert_close(s.v_measure, 0.813290, 1e-6, 0);
    assert_close(s.vi, 0.318257, 1e-6, 0);
    assert_close(s.ari, 0.705882, 1e-6, 0);
    assert_close(s.ami, 0.727608, 1e-6, 0);
}

static void test_golden_aliasing(void **state)
{
    (void)state;
    /* tokens bank x4, car x2, automobile x2, river x2; clusters R R F F V V V V R R */
    int32_t tok[10] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3}, k[10] = {7, 7, 8, 8, 9, 9, 9, 9, 7, 7};
    shang_cluster_scores s = scores(tok, k, 10);
    assert_close(s.h_b_given_a, 0.277259, 1e-6, 0); /* one-to-many H(K|X) */
    assert_close(s.h_a_given_b, 0.554518, 1e-6, 0); /* many-to-one H(X|K) */
    assert_close(s.vi, 0.831777, 1e-6, 0);
    assert_close(s.homogeneity, 0.583751, 1e-6, 0);
    assert_close(s.completeness, 0.737175, 1e-6, 0);
    assert_close(s.v_measure, 0.651553, 1e-6, 0);
    assert_close(s.ari, 0.285714, 1e-6, 0);
    assert_close(s.ami, 0.460562, 1e-6, 0);
}

static void test_closed_forms(void **state)
{
    (void)state;
    /* identical labelings (renamed): every score 1, VI 0 */
    int32_t a[8] = {1, 1, 2, 2, 3, 3, 4, 4}, b[8] = {9, 9, -5, -5, 0, 0, 7, 7};
    shang_cluster_scores s = scores(a, b, 8);
    assert_close(s.vi, 0, 1e-12, 0);
    assert_close(s.ari, 1, 1e-12, 0);
    assert_close(s.ami, 1, 1e-9, 0);
    assert_close(s.nmi_geometric, 1, 1e-12, 0);
    assert_close(s.mi, log(4.0), 1e-12, 0);
    /* independent labelings on a full grid: MI 0, H(A,B) = H(A) + H(B) */
    int32_t x[12], y[12];
    for (int i = 0; i < 12; i++) {
        x[i] = i % 3;
        y[i] = i / 3;
    }
    s = scores(x, y, 12);
    assert_close(s.mi, 0, 1e-12, 0);
    assert_close(s.h_ab, log(3.0) + log(4.0), 1e-12, 0);
    assert_true(s.ami < 0); /* below chance */
    shang_contingency *t;
    assert_int_equal(shang_contingency_new(x, y, 0, &t), SHANG_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_golden_truth_clusters),
                                       cmocka_unit_test(test_golden_aliasing), cmocka_unit_test(test_closed_forms)};
    return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
