/* Geometry of states: closed forms (identical occurrences -> self-similarity 1;
 * isotropic Gaussian rows -> anisotropy near 0; a common direction -> near 1),
 * a rogue dimension's shares before and after standardisation, and the norms
 * against a direct computation. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include <gsl/gsl_randist.h>

#include "shang.h"
#include "testutil.h"

enum { N = 4000, C = 64 };

static float *rows(uint64_t seed, double offset, double rogue, int32_t *tok, int32_t *doc, int same_per_token)
{
    gsl_rng *r;
    assert_int_equal(shang_rng_new(seed, SHANG_STREAM_TEST, 0, &r), 0);
    float *x = malloc((size_t)N * C * sizeof *x), *proto = malloc(100 * C * sizeof *proto);
    for (int i = 0; i < 100 * C; i++) proto[i] = (float)gsl_ran_gaussian(r, 1);
    for (int i = 0; i < N; i++) {
        tok[i] = (int32_t)gsl_rng_uniform_int(r, 100);
        doc[i] = i / 50;
        for (int d = 0; d < C; d++) {
            double v = same_per_token ? proto[tok[i] * C + d] : gsl_ran_gaussian(r, 1);
            x[i * C + d] = (float)(v + offset + (d == 5 ? rogue * (1 + 0.1 * gsl_ran_gaussian(r, 1)) : 0));
        }
    }
    shang_rng_free(r);
    free(proto);
    return x;
}

static void test_closed_forms(void **state)
{
    (void)state;
    int32_t tok[N], doc[N];
    shang_geometry g;
    shang_geometry_opts o = {.pairs = 20000, .max_occ = 20, .seed = 1};
    /* isotropic: cosines near 0 (sd 1/sqrt(C) per pair; 20000 pairs) */
    float *x = rows(1, 0, 0, tok, doc, 0);
    assert_int_equal(shang_geometry_layer(x, tok, doc, N, C, &o, &g), 0);
    assert_close(g.anisotropy, 0, 0.01, 0);
    assert_close(g.self_similarity, 0, 0.01, 0);
    assert_close(g.intra_doc, 1 / sqrt(50.0), 0.03, 0); /* a row against the mean of 50 iid rows */
    /* norms against a direct computation */
    double s = 0, mx = 0;
    for (int i = 0; i < N; i++) {
        double t = 0;
        for (int d = 0; d < C; d++) t += (double)x[i * C + d] * x[i * C + d];
        s += sqrt(t);
        mx = fmax(mx, sqrt(t));
    }
    assert_close(g.norm_mean, s / N, 1e-9, 0);
    assert_close(g.norm_max, mx, 1e-9, 0);
    free(x);
    /* every occurrence of a token is the same vector: self-similarity 1 */
    x = rows(2, 0, 0, tok, doc, 1);
    assert_int_equal(shang_geometry_layer(x, tok, doc, N, C, &o, &g), 0);
    assert_close(g.self_similarity, 1, 1e-6, 0);
    assert_close(g.self_similarity_adj, 1 - g.anisotropy, 1e-12, 0);
    free(x);
    /* a common offset: anisotropy near offset^2 / (offset^2 + 1) */
    x = rows(3, 3, 0, tok, doc, 0);
    assert_int_equal(shang_geometry_layer(x, tok, doc, N, C, &o, &g), 0);
    assert_close(g.anisotropy, 0.9, 0.02, 0);
    free(x);
}

static void test_rogue_dimension(void **state)
{
    (void)state;
    int32_t tok[N], doc[N];
    shang_geometry g, z;
    shang_geometry_opts o = {.pairs = 20000, .max_occ = 20, .seed = 1};
    float *x = rows(4, 0, 40, tok, doc, 0);
    assert_int_equal(shang_geometry_layer(x, tok, doc, N, C, &o, &g), 0);
    assert_int_equal(g.top_dim, 5);
    assert_true(g.top1_energy > 0.9);   /* 1600 of about 1600 + 63 */
    assert_true(g.anisotropy > 0.9);    /* every row points along dimension 5 */
    assert_true(g.top1_cosine > 0.95);  /* and that dimension makes the cosine */
    o.standardize = 1;
    assert_int_equal(shang_geometry_layer(x, tok, doc, N, C, &o, &z), 0);
    assert_close(z.top1_energy, 1.0 / C, 0.01, 0); /* unit variance everywhere */
    assert_close(z.anisotropy, 0, 0.01, 0);
    free(x);
    assert_int_equal(shang_geometry_layer(NULL, tok, doc, 1, C, &o, &g), SHANG_EINVAL);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (shang_blas_reexec_if_generic(argv)) fprintf(stderr, "# %s\n", shang_err_msg());
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_closed_forms), cmocka_unit_test(test_rogue_dimension)};
    return cmocka_run_group_tests_name("geometry", tests, NULL, NULL);
}
