/* The logit lens against a naive double-precision reference: the softmax
 * summary kernel (entropy, log-partition, top-1 with ties, rank, the KL dot) on
 * random and extreme rows; shang_lens_run on a tiny random model against the
 * same quantities computed in double from the captured residual streams; the
 * final layer against the model's own logits; thread independence; the
 * windows' coverage; class means with bootstrap weights; punctuation tokens. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "shang.h"
#include "shang_kernels.h"
#include "testutil.h"

/* ---- the kernel ---------------------------------------------------------------- */

struct naive {
    double lse, ent, dot;
    int32_t top1, above;
};

static struct naive naive_stats(const float *z, int V, int32_t f, const float *zf, const float *pf)
{
    struct naive r = {0};
    double mx = z[0], s = 0, sz = 0;
    for (int j = 0; j < V; j++)
        if (z[j] > mx) {
            mx = z[j];
            r.top1 = j;
        }
    for (int j = 0; j < V; j++) s += exp(z[j] - mx);
    r.lse = mx + log(s);
    for (int j = 0; j < V; j++) sz += exp(z[j] - r.lse) * z[j];
    r.ent = r.lse - sz;
    for (int j = 0; f >= 0 && j < V; j++) r.above += z[j] > z[f] || (z[j] == z[f] && j < f);
    for (int j = 0; pf && j < V; j++) r.dot += (double)pf[j] * ((double)zf[j] - z[j]);
    return r;
}

static void check_row(const float *z, int V, int32_t f, const float *zf, const float *pf)
{
    struct naive want = naive_stats(z, V, f, zf, pf);
    double ent, dot = 0;
    int32_t top1, above = -1;
    double lse = shang_k_logit_stats(z, V, f, zf, pf, &ent, &top1, &above, &dot);
    /* float exponentials (2 ulp) summed in double: 1e-6 relative is generous */
    assert_close(lse, want.lse, 1e-6, 1e-7);
    assert_close(ent, want.ent, 2e-6, 1e-6);
    assert_int_equal(top1, want.top1);
    if (f >= 0) assert_int_equal(above, want.above);
    if (pf) assert_close(dot, want.dot, 1e-5, 1e-5); /* float products of O(1) terms in lanes of 16 */
}

static void test_logit_stats(void **state)
{
    (void)state;
    gsl_rng *r;
    assert_int_equal(shang_rng_new(5, SHANG_STREAM_TEST, 1, &r), 0);
    static const int Vs[] = {1, 5, 16, 17, 37, 300, 1000, 6448};
    for (size_t k = 0; k < sizeof Vs / sizeof *Vs; k++) {
        int V = Vs[k];
        float *z = malloc((size_t)V * sizeof *z), *zf = malloc((size_t)V * sizeof *zf), *pf = malloc((size_t)V * sizeof *pf);
        for (int rep = 0; rep < 4; rep++) {
            double sd = rep == 3 ? 30 : 3; /* rep 3: far from uniform, tails below exp(-87) */
            for (int j = 0; j < V; j++) {
                z[j] = (float)gsl_ran_gaussian(r, sd);
                zf[j] = (float)gsl_ran_gaussian(r, 3);
            }
            if (V > 9 && rep == 1) { /* a tie for the top: the smaller id wins; a tie at f's logit */
                float mx = z[0];
                for (int j = 0; j < V; j++) mx = z[j] > mx ? z[j] : mx;
                z[V - 1] = z[2] = mx;
                z[7] = z[V / 2];
            }
            double s = 0;
            for (int j = 0; j < V; j++) s += exp(zf[j]);
            for (int j = 0; j < V; j++) pf[j] = (float)(exp(zf[j]) / s);
            int32_t f = (int32_t)gsl_rng_uniform_int(r, (unsigned long)V);
            if (V > 9 && rep == 1) f = V / 2;
            check_row(z, V, f, zf, pf);
            check_row(z, V, -1, NULL, NULL);
        }
        /* uniform: entropy ln V; one dominant logit: entropy about 0 */
        for (int j = 0; j < V; j++) z[j] = 1.5f;
        double ent, dot;
        int32_t top1, above;
        double lse = shang_k_logit_stats(z, V, V - 1, NULL, NULL, &ent, &top1, &above, &dot);
        assert_close(ent, log(V), 1e-6, 1e-7);
        assert_close(lse, 1.5 + log(V), 1e-6, 1e-7);
        assert_int_equal(top1, 0);
        assert_int_equal(above, V - 1);
        z[V / 3] = 1000;
        lse = shang_k_logit_stats(z, V, V / 3, NULL, NULL, &ent, &top1, &above, &dot);
        assert_close(ent, 0, 1e-12, 0);
        assert_close(lse, 1000, 0, 1e-7);
        assert_int_equal(top1, V / 3);
        assert_int_equal(above, 0);
        free(z);
        free(zf);
        free(pf);
    }
    shang_rng_free(r);
}

/* ---- the lens on a tiny random model ----------------------------------------------- */

static const shang_gpt_config CFG = {.L = 2, .C = 24, .NH = 3, .T = 40, .V = 53, .eps = 1e-5f};
enum { B = 2, T = 33 };

static shang_gpt *random_model(uint64_t seed)
{
    shang_gpt *m = test_random_model(&CFG, seed, 2, SHANG_P_LNF_W);
    assert_non_null(m);
    return m;
}

struct capture {
    float *h; /* (L+1, B, T, C) */
};

static int keep_all(void *user, int site, int layer, const float *x)
{
    (void)site;
    struct capture *c = user;
    memcpy(c->h + (size_t)layer * B * T * CFG.C, x, (size_t)B * T * CFG.C * sizeof(float));
    return SHANG_OK;
}

struct lens_out {
    float *ent, *kl, *ce;
    int32_t *rank, *top1;
};

static struct lens_out run_lens(shang_gpt *m, const int32_t *tok, const int32_t *rows, const int32_t *next, size_t n)
{
    const size_t L1 = (size_t)CFG.L + 1;
    struct lens_out o = {malloc(n * L1 * sizeof(float)), malloc(n * L1 * sizeof(float)), malloc(n * L1 * sizeof(float)),
                         malloc(n * L1 * sizeof(int32_t)), malloc(n * L1 * sizeof(int32_t))};
    shang_lens *x;
    assert_int_equal(shang_lens_new(m, B, T, &x), 0);
    int rc = shang_lens_run(x, tok, B, T, rows, next, n, o.ent, o.kl, o.ce, o.rank, o.top1);
    if (rc) fprintf(stderr, "# %s\n", shang_err_msg());
    assert_int_equal(rc, 0);
    shang_lens_free(x);
    return o;
}

static void free_out(struct lens_out *o)
{
    free(o->ent);
    free(o->kl);
    free(o->ce);
    free(o->rank);
    free(o->top1);
}

/* log q (V) in double from a float residual row h (C) */
static void ref_logq(const shang_gpt *m, const float *h, double *lq)
{
    const int C = CFG.C, V = CFG.V;
    double mu = 0, var = 0, ln[64];
    for (int c = 0; c < C; c++) mu += h[c];
    mu /= C;
    for (int c = 0; c < C; c++) var += (h[c] - mu) * (h[c] - mu);
    var /= C;
    for (int c = 0; c < C; c++) ln[c] = (h[c] - mu) / sqrt(var + CFG.eps) * m->p[SHANG_P_LNF_W][c] + m->p[SHANG_P_LNF_B][c];
    double mx = -INFINITY, s = 0;
    for (int v = 0; v < V; v++) {
        double z = 0;
        for (int c = 0; c < C; c++) z += ln[c] * m->p[SHANG_P_WTE][(size_t)v * C + c];
        lq[v] = z;
        mx = z > mx ? z : mx;
    }
    for (int v = 0; v < V; v++) s += exp(lq[v] - mx);
    for (int v = 0; v < V; v++) lq[v] -= mx + log(s);
}

static void test_lens_matches_reference(void **state)
{
    (void)state;
    shang_gpt *m = random_model(11);
    const size_t BT = (size_t)B * T, L1 = (size_t)CFG.L + 1, V = (size_t)CFG.V;
    int32_t tok[B * T], rows[B * T], next[B * T];
    gsl_rng *r;
    assert_int_equal(shang_rng_new(3, SHANG_STREAM_TEST, 3, &r), 0);
    for (size_t i = 0; i < BT; i++) tok[i] = (int32_t)gsl_rng_uniform_int(r, V);
    size_t n = 0; /* every position but two, in a scrambled order; the last of each sequence without a target */
    for (size_t i = 0; i < BT; i++) {
        size_t k = (i * 7) % BT;
        if (k == 5 || k == 40) continue;
        rows[n] = (int32_t)k;
        next[n++] = k % T + 1 < T ? tok[k + 1] : -1;
    }
    struct lens_out o = run_lens(m, tok, rows, next, n);
    /* the reference from the captured float residual streams */
    struct capture cap = {malloc(L1 * BT * CFG.C * sizeof(float))};
    float *logits = malloc(BT * V * sizeof *logits);
    shang_gpt_run *run;
    assert_int_equal(shang_gpt_run_new(m, B, T, &run), 0);
    assert_int_equal(shang_gpt_forward(run, tok, B, T, logits, 1u << SHANG_SITE_RESID, keep_all, &cap), 0);
    double *lq = malloc(L1 * V * sizeof *lq);
    int compared_ranks = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t l = 0; l < L1; l++) ref_logq(m, cap.h + ((size_t)l * BT + (size_t)rows[i]) * CFG.C, lq + l * V);
        const double *lp = lq + (L1 - 1) * V;
        size_t f1 = 0;
        for (size_t v = 0; v < V; v++) f1 = lp[v] > lp[f1] ? v : f1;
        for (size_t l = 0; l < L1; l++) {
            const double *q = lq + l * V;
            double h = 0, kl = 0, best = -INFINITY, second = -INFINITY;
            size_t t1 = 0;
            int32_t above = 0;
            for (size_t v = 0; v < V; v++) {
                h -= exp(q[v]) * q[v];
                kl += exp(lp[v]) * (lp[v] - q[v]);
                above += q[v] > q[f1];
                if (q[v] > best) {
                    second = best;
                    best = q[v];
                    t1 = v;
                } else if (q[v] > second) {
                    second = q[v];
                }
            }
            size_t k = i * L1 + l;
            /* float residuals through LN_f and a float matmul of 24 terms: 1e-5 of O(1) logits */
            assert_close(o.ent[k], h, 5e-5, 5e-5);
            assert_close(o.kl[k], kl, 5e-5, 5e-5);
            if (next[i] >= 0) assert_close(o.ce[k], -q[next[i]], 5e-5, 5e-5);
            else assert_true(isnan(o.ce[k]));
            if (best - second > 1e-3) { /* no near-tie: the orders must agree */
                assert_int_equal(o.top1[k], (int32_t)t1);
                compared_ranks++;
            }
            if (l + 1 == L1) {
                assert_true(o.kl[k] == 0 && o.rank[k] == 0);
            } else {
                int near = 0;
                for (size_t v = 0; v < V; v++) near += v != f1 && fabs(q[v] - q[f1]) < 1e-4;
                if (!near) assert_int_equal(o.rank[k], above);
            }
        }
        /* the final layer is the model: entropy of its own logits */
        const float *zl = logits + (size_t)rows[i] * V;
        double mx = zl[0], s = 0, sz = 0;
        for (size_t v = 0; v < V; v++) mx = zl[v] > mx ? zl[v] : mx;
        for (size_t v = 0; v < V; v++) s += exp(zl[v] - mx);
        for (size_t v = 0; v < V; v++) sz += exp(zl[v] - mx) / s * (zl[v] - mx - log(s));
        assert_close(o.ent[i * L1 + L1 - 1], -sz, 1e-6, 1e-6);
    }
    assert_true(compared_ranks > (int)(n * L1 * 9 / 10));
    shang_gpt_run_free(run);
    shang_rng_free(r);
    free(lq);
    free(logits);
    free(cap.h);
    free_out(&o);
    shang_gpt_free(m);
}

static void test_lens_threads(void **state)
{
    (void)state;
    shang_gpt *m = random_model(12);
    const size_t BT = (size_t)B * T, L1 = (size_t)CFG.L + 1;
    int32_t tok[B * T], rows[B * T], next[B * T];
    for (size_t i = 0; i < BT; i++) tok[i] = (int32_t)((i * 31 + 7) % (size_t)CFG.V);
    for (size_t i = 0; i < BT; i++) {
        rows[i] = (int32_t)i;
        next[i] = i % T + 1 < T ? tok[i + 1] : -1;
    }
    int t0 = omp_get_max_threads();
    shang_threads_set(1);
    struct lens_out a = run_lens(m, tok, rows, next, BT);
    shang_threads_set(2);
    struct lens_out b = run_lens(m, tok, rows, next, BT);
    shang_threads_set(t0);
    assert_memory_equal(a.ent, b.ent, BT * L1 * sizeof(float));
    assert_memory_equal(a.kl, b.kl, BT * L1 * sizeof(float));
    assert_memory_equal(a.rank, b.rank, BT * L1 * sizeof(int32_t));
    free_out(&a);
    free_out(&b);
    /* bad input: a row outside the batch, a target outside the vocabulary */
    shang_lens *x;
    float f[8];
    int32_t i32[8], bad_row = B * T, bad_next = CFG.V, zero = 0;
    assert_int_equal(shang_lens_new(m, B, T, &x), 0);
    assert_int_equal(shang_lens_run(x, tok, B, T, &bad_row, &zero, 1, f, f, f, i32, i32), SHANG_EINVAL);
    assert_int_equal(shang_lens_run(x, tok, B, T, &zero, &bad_next, 1, f, f, f, i32, i32), SHANG_EINVAL);
    shang_lens_free(x);
    shang_gpt_free(m);
}

/* ---- windows, class means, punctuation ------------------------------------------- */

static void test_windows(void **state)
{
    (void)state;
    for (int total = 0; total < 60; total++)
        for (int ctx = 1; ctx <= 12; ctx++)
            for (int stride = 1; stride <= ctx; stride++)
                for (int skip = 0; skip <= 1 && skip < ctx; skip++)
                    for (int move = 0; move <= 1; move++) {
                    if (skip && stride > ctx - skip) continue;
                    shang_window *w;
                    int n, kept[64] = {0};
                    assert_int_equal(shang_windows(total, ctx, stride, skip, move, &w, &n), 0);
                    for (int i = 0; i < n; i++) {
                        assert_true(w[i].start <= w[i].keep && w[i].keep <= w[i].end && w[i].end - w[i].start <= ctx);
                        for (int p = w[i].keep; p < w[i].end; p++) {
                            kept[p]++;
                            /* the context every kept position sees */
                            int need = p < ctx - stride ? p : ctx - stride;
                            assert_true(p - w[i].start >= need);
                        }
                    }
                    for (int p = 0; p < total; p++) assert_int_equal(kept[p], p >= skip);
                    /* tiling: every window but the first starts a stride after the one before */
                    for (int i = 1; !move && i < n; i++) assert_int_equal(w[i].start, w[i - 1].start + stride);
                    free(w);
                }
    shang_window *w;
    int n;
    assert_int_equal(shang_windows(10, 4, 5, 0, 1, &w, &n), SHANG_EINVAL);
}

static void test_class_means(void **state)
{
    (void)state;
    /* 6 rows, 2 columns, classes 0/1/-1, a NaN, documents 0,0,1,1,2,2 */
    const float v[12] = {1, 10, 2, 20, 3, NAN, 4, 40, 5, 50, 100, 100};
    const int32_t cls[6] = {0, 1, 1, 0, 0, -1}, doc[6] = {0, 0, 1, 1, 2, 2};
    double est[6], sd[6];
    uint64_t cnt[4];
    assert_int_equal(shang_bootstrap_means(v, 6, 2, cls, 2, 1, doc, NULL, est, sd, cnt), 0);
    assert_close(est[0], 10.0 / 3, 1e-12, 0);  /* class 0: rows 0, 3, 4 */
    assert_close(est[1], 100.0 / 3, 1e-12, 0);
    assert_close(est[2], 2.5, 1e-12, 0);       /* class 1: rows 1, 2 */
    assert_close(est[3], 20, 1e-12, 0);        /* row 2's NaN left out */
    assert_close(est[4], 2.5 - 10.0 / 3, 1e-12, 0);
    assert_close(est[5], 20 - 100.0 / 3, 1e-12, 0);
    assert_true(cnt[0] == 3 && cnt[1] == 3 && cnt[2] == 2 && cnt[3] == 1);
    /* one class, no contrast: the plain column means over rows with a class */
    double e1[2];
    assert_int_equal(shang_bootstrap_means(v, 5, 2, NULL, 1, 0, doc, NULL, e1, NULL, NULL), 0);
    assert_close(e1[0], 3, 1e-12, 0);
    assert_close(e1[1], 30, 1e-12, 0);
    /* the bootstrap: sd > 0, and the same with 1 and 2 threads */
    shang_bootstrap_opts bo = {.replicates = 50, .level = 0.9, .seed = 1, .stream = 0};
    double sa[6], sb[6];
    int t0 = omp_get_max_threads();
    shang_threads_set(1);
    assert_int_equal(shang_bootstrap_means(v, 6, 2, cls, 2, 1, doc, &bo, est, sa, NULL), 0);
    shang_threads_set(2);
    assert_int_equal(shang_bootstrap_means(v, 6, 2, cls, 2, 1, doc, &bo, est, sb, NULL), 0);
    shang_threads_set(t0);
    assert_memory_equal(sa, sb, sizeof sa);
    assert_true(sa[0] > 0 && sa[4] > 0);
    const int32_t bad[6] = {0, 2, 0, 0, 0, 0};
    assert_int_equal(shang_bootstrap_means(v, 6, 2, bad, 2, 0, doc, NULL, est, sd, NULL), SHANG_EINVAL);
    assert_int_equal(shang_bootstrap_means(v, 6, 2, cls, 3, 1, doc, NULL, est, sd, NULL), SHANG_EINVAL);
}

static void test_punct(void **state)
{
    (void)state;
    static const char *const yes[] = {".", ",", " ,", "?\n", "--", "'", " \"", ";:", "!)"};
    static const char *const no[] = {"", " ", "\n", "a", " the", ".a", "3", "\xe2\x80\x94", " .x"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) assert_true(shang_token_is_punct(yes[i], strlen(yes[i])));
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) assert_false(shang_token_is_punct(no[i], strlen(no[i])));
}

int main(int argc, char **argv)
{
    (void)argc;
    if (shang_blas_reexec_if_generic(argv)) fprintf(stderr, "# %s\n", shang_err_msg());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logit_stats), cmocka_unit_test(test_lens_matches_reference),
        cmocka_unit_test(test_lens_threads), cmocka_unit_test(test_windows),
        cmocka_unit_test(test_class_means), cmocka_unit_test(test_punct),
    };
    return cmocka_run_group_tests_name("lens", tests, NULL, NULL);
}
