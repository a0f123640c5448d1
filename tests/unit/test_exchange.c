/* The exchange algorithm: planted token classes (Y depends on the class only)
 * recovered exactly; the reported log-likelihood equals a naive recount of the
 * classes it returns and is no lower than the planted partition's (with random
 * restarts: Brown's start alone stops at a local optimum, L -174120 against the
 * planted -162057, two classes merged and two split); more sweeps never lower it; rows left out by the weights
 * change nothing; bad input is named. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "shang.h"
#include "shang_exchange.h"
#include "testutil.h"

enum { TOK = 60, CLS = 6, V = 40, N = 60000 };

static void planted(int32_t *x, int32_t *y, gsl_rng *r)
{
    double p[CLS][V], a[V];
    for (int v = 0; v < V; v++) a[v] = 0.3;
    for (int c = 0; c < CLS; c++) gsl_ran_dirichlet(r, V, a, p[c]);
    for (int i = 0; i < N; i++) {
        x[i] = 1000 + (int32_t)gsl_rng_uniform_int(r, TOK); /* ids need not be dense */
        int c = (x[i] - 1000) % CLS;
        double u = gsl_rng_uniform(r), s = 0;
        y[i] = V - 1;
        for (int v = 0; v < V - 1; v++)
            if (u < (s += p[c][v])) {
                y[i] = v;
                break;
            }
    }
}

static double naive_loglik(const int32_t *cls, const int32_t *y, const unsigned char *w, size_t n, size_t k)
{
    double *nb = calloc(k * V, sizeof *nb), *nc = calloc(k, sizeof *nc), L = 0;
    for (size_t i = 0; i < n; i++)
        if (!w || w[i]) nb[(size_t)cls[i] * V + (size_t)y[i]] += 1, nc[cls[i]] += 1;
    for (size_t j = 0; j < k * V; j++) L += nb[j] > 0 ? nb[j] * log(nb[j]) : 0;
    for (size_t c = 0; c < k; c++) L -= nc[c] > 0 ? nc[c] * log(nc[c]) : 0;
    free(nb);
    free(nc);
    return L;
}

static void test_planted(void **state)
{
    (void)state;
    int32_t *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y), *cls = malloc(N * sizeof *cls);
    int32_t *c1 = malloc(N * sizeof *c1), *c2 = malloc(N * sizeof *c2);
    gsl_rng *r;
    assert_int_equal(shang_rng_new(5, SHANG_STREAM_TEST, 60, &r), 0);
    planted(x, y, r);
    double L, L1, L2;
    int sw;
    assert_int_equal(shang_exchange(x, y, NULL, N, V, CLS, 30, 10, 3, cls, &L, &sw), 0);
    printf("# %d sweeps, L = %.3f\n", sw, L);
    /* the planted partition, up to the classes' names */
    int map[CLS], inv[CLS];
    for (int c = 0; c < CLS; c++) map[c] = inv[c] = -1;
    int ok = 1;
    for (int i = 0; i < N; i++) {
        int t = (x[i] - 1000) % CLS, c = cls[i];
        if (map[t] < 0 && inv[c] < 0) map[t] = c, inv[c] = t;
        ok &= map[t] == c && inv[c] == t;
    }
    int32_t *pl = malloc(N * sizeof *pl);
    for (int i = 0; i < N; i++) pl[i] = (x[i] - 1000) % CLS;
    double Lp = naive_loglik(pl, y, NULL, N, CLS);
    printf("# planted L = %.3f\n", Lp);
    assert_true(L >= Lp - 1e-9 * fabs(Lp)); /* at least as likely as the truth on the training rows */
    free(pl);
    assert_true(ok);
    assert_close(L, naive_loglik(cls, y, NULL, N, CLS), 0, 1e-12);
    /* more sweeps never lower L */
    assert_int_equal(shang_exchange(x, y, NULL, N, V, CLS, 1, 10, 3, c1, &L1, NULL), 0);
    assert_int_equal(shang_exchange(x, y, NULL, N, V, CLS, 2, 10, 3, c2, &L2, NULL), 0);
    assert_true(L1 <= L2 + 1e-9 * fabs(L2) && L2 <= L + 1e-9 * fabs(L));
    /* rows with weight 0 are not seen: the same as the subset alone */
    unsigned char *w = malloc(N);
    size_t m = 0;
    for (int i = 0; i < N; i++) w[i] = i % 3 != 0;
    int32_t *xs = malloc(N * sizeof *xs), *ys = malloc(N * sizeof *ys);
    for (int i = 0; i < N; i++)
        if (w[i]) xs[m] = x[i], ys[m++] = y[i];
    double Lw, Ls;
    assert_int_equal(shang_exchange(x, y, w, N, V, CLS, 30, 10, 3, c1, &Lw, NULL), 0);
    assert_int_equal(shang_exchange(xs, ys, NULL, m, V, CLS, 30, 10, 3, c2, &Ls, NULL), 0);
    assert_true(Lw == Ls);
    for (size_t i = 0, j = 0; i < N; i++)
        if (w[i]) assert_int_equal(c1[i], c2[j++]);
    assert_close(Lw, naive_loglik(c1, y, w, N, CLS), 0, 1e-12);
    /* the same classes for 1 and 2 threads (48 classes: the gains in parallel) */
    int t0 = shang_threads();
    double La, Lb;
    shang_threads_set(1);
    assert_int_equal(shang_exchange(x, y, NULL, N, V, 48, 30, 4, 9, c1, &La, NULL), 0);
    shang_threads_set(2);
    assert_int_equal(shang_exchange(x, y, NULL, N, V, 48, 30, 4, 9, c2, &Lb, NULL), 0);
    shang_threads_set(t0);
    assert_true(La == Lb);
    assert_memory_equal(c1, c2, N * sizeof *c1);
    /* bad input */
    y[7] = V;
    assert_int_equal(shang_exchange(x, y, NULL, N, V, CLS, 30, 10, 3, cls, NULL, NULL), SHANG_EINVAL);
    assert_non_null(strstr(shang_err_msg(), "row 7"));
    assert_int_equal(shang_exchange(x, y, NULL, N, V, 1, 30, 10, 3, cls, NULL, NULL), SHANG_EINVAL);
    shang_rng_free(r);
    free(x); free(y); free(cls); free(c1); free(c2); free(w); free(xs); free(ys);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (shang_blas_reexec_if_generic(argv)) fprintf(stderr, "# %s\n", shang_err_msg());
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_planted)};
    return cmocka_run_group_tests_name("exchange", tests, NULL, NULL);
}
