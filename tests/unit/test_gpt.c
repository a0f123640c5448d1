/* The Transformer forward pass against a naive double-precision reference written
 * from the equations (GPT-2: pre-LN blocks, causal attention, tanh-GELU, tied
 * unembedding): every site of every layer and the logits, on a tiny random model
 * with a context longer than the attention row block. Also: thread-count
 * independence (bit for bit), model files, bad tokens, NaN detection. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "shang.h"
#include "shang_mem.h"
#include "shang_gpt.h"
#include "testutil.h"

static const shang_gpt_config CFG = {.L = 2, .C = 24, .NH = 3, .T = 80, .V = 37, .eps = 1e-5f};
enum { B = 2, T = 70 };

/* every parameter random and O(0.3), so that every tensor matters */
static shang_gpt *random_model(uint64_t seed)
{
    shang_gpt *m = test_random_model(&CFG, seed, 0, SHANG_P_LN1_W);
    assert_non_null(m);
    return m;
}

/* ---- the naive double reference ----------------------------------------------- */

typedef struct {
    double *site[SHANG_N_SITES]; /* (L+1, B, T, C) each, indexed by layer */
    double *logits;              /* (B, T, V) */
} ref_out;

static void ref_ln(double *o, const double *x, const float *w, const float *b, int C, double eps)
{
    double mu = 0, var = 0;
    for (int c = 0; c < C; c++) mu += x[c];
    mu /= C;
    for (int c = 0; c < C; c++) var += (x[c] - mu) * (x[c] - mu);
    var /= C;
    for (int c = 0; c < C; c++) o[c] = (x[c] - mu) / sqrt(var + eps) * w[c] + b[c];
}

/* y (OC) = W (OC, IC) x + b */
static void ref_linear(double *y, const double *x, const float *W, const float *b, int IC, int OC)
{
    for (int o = 0; o < OC; o++) {
        double s = b[o];
        for (int i = 0; i < IC; i++) s += (double)W[(size_t)o * IC + i] * x[i];
        y[o] = s;
    }
}

static void ref_forward(const shang_gpt *m, const int32_t *tok, ref_out *out)
{
    const int C = CFG.C, L = CFG.L, NH = CFG.NH, HS = C / NH, F = 4 * C, V = CFG.V;
    size_t layer = (size_t)B * T * C;
    for (int s = 0; s < SHANG_N_SITES; s++) out->site[s] = calloc((L + 1) * layer, sizeof(double));
    out->logits = calloc((size_t)B * T * V, sizeof(double));
    double *x = calloc(layer, 8), *ln = calloc(layer, 8), *qkv = calloc(3 * layer, 8), *att = calloc(layer, 8);
    double *proj = calloc(layer, 8), *h = calloc((size_t)B * T * F, 8);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++)
            for (int c = 0; c < C; c++)
                x[((size_t)b * T + t) * C + c] = (double)m->p[SHANG_P_WTE][(size_t)tok[b * T + t] * C + c] +
                                                 m->p[SHANG_P_WPE][(size_t)t * C + c];
    memcpy(out->site[SHANG_SITE_RESID], x, layer * 8);
    for (int l = 0; l < L; l++) {
        for (int i = 0; i < B * T; i++) {
            ref_ln(ln + (size_t)i * C, x + (size_t)i * C, m->p[SHANG_P_LN1_W] + l * C, m->p[SHANG_P_LN1_B] + l * C, C, CFG.eps);
            ref_linear(qkv + (size_t)i * 3 * C, ln + (size_t)i * C, m->p[SHANG_P_QKV_W] + (size_t)l * 3 * C * C,
                       m->p[SHANG_P_QKV_B] + l * 3 * C, C, 3 * C);
        }
        /* att[b,t,h] = sum_{u<=t} softmax_u(q_t . k_u / sqrt(HS)) v_u */
        for (int b = 0; b < B; b++)
            for (int hh = 0; hh < NH; hh++)
                for (int t = 0; t < T; t++) {
                    const double *q = qkv + ((size_t)b * T + t) * 3 * C + hh * HS;
                    double w[T], mx = -1e300, sum = 0;
                    for (int u = 0; u <= t; u++) {
                        const double *k = qkv + ((size_t)b * T + u) * 3 * C + C + hh * HS;
                        double d = 0;
                        for (int e = 0; e < HS; e++) d += q[e] * k[e];
                        w[u] = d / sqrt((double)HS);
                        mx = w[u] > mx ? w[u] : mx;
                    }
                    for (int u = 0; u <= t; u++) sum += (w[u] = exp(w[u] - mx));
                    for (int e = 0; e < HS; e++) {
                        double s = 0;
                        for (int u = 0; u <= t; u++) s += w[u] / sum * qkv[((size_t)b * T + u) * 3 * C + 2 * C + hh * HS + e];
                        att[((size_t)b * T + t) * C + hh * HS + e] = s;
                    }
                }
        for (int i = 0; i < B * T; i++)
            ref_linear(proj + (size_t)i * C, att + (size_t)i * C, m->p[SHANG_P_ATTPROJ_W] + (size_t)l * C * C,
                       m->p[SHANG_P_ATTPROJ_B] + l * C, C, C);
        memcpy(out->site[SHANG_SITE_ATTN_OUT] + (l + 1) * layer, proj, layer * 8);
        for (size_t i = 0; i < layer; i++) x[i] += proj[i];
        for (int i = 0; i < B * T; i++) {
            ref_ln(ln + (size_t)i * C, x + (size_t)i * C, m->p[SHANG_P_LN2_W] + l * C, m->p[SHANG_P_LN2_B] + l * C, C, CFG.eps);
            ref_linear(h + (size_t)i * F, ln + (size_t)i * C, m->p[SHANG_P_FC_W] + (size_t)l * F * C, m->p[SHANG_P_FC_B] + l * F, C, F);
            for (int k = 0; k < F; k++) {
                double v = h[(size_t)i * F + k];
                h[(size_t)i * F + k] = 0.5 * v * (1 + tanh(sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
            }
            ref_linear(proj + (size_t)i * C, h + (size_t)i * F, m->p[SHANG_P_FCPROJ_W] + (size_t)l * C * F,
                       m->p[SHANG_P_FCPROJ_B] + l * C, F, C);
        }
        memcpy(out->site[SHANG_SITE_MLP_OUT] + (l + 1) * layer, proj, layer * 8);
        for (size_t i = 0; i < layer; i++) x[i] += proj[i];
        memcpy(out->site[SHANG_SITE_RESID] + (l + 1) * layer, x, layer * 8);
    }
    for (int i = 0; i < B * T; i++) {
        double *o = out->site[SHANG_SITE_LNF] + L * layer + (size_t)i * C;
        ref_ln(o, x + (size_t)i * C, m->p[SHANG_P_LNF_W], m->p[SHANG_P_LNF_B], C, CFG.eps);
        for (int v = 0; v < V; v++) {
            double s = 0;
            for (int c = 0; c < C; c++) s += o[c] * m->p[SHANG_P_WTE][(size_t)v * C + c];
            out->logits[(size_t)i * V + v] = s;
        }
    }
    free(x); free(ln); free(qkv); free(att); free(proj); free(h);
}

/* ---- capture into (L+1, B, T, C) float buffers --------------------------------- */

typedef struct {
    float *site[SHANG_N_SITES];
    int calls[SHANG_N_SITES];
} capture;

static int grab(void *user, int site, int layer, const float *x)
{
    capture *c = user;
    size_t layer_sz = (size_t)B * T * CFG.C;
    memcpy(c->site[site] + (size_t)layer * layer_sz, x, layer_sz * sizeof *x);
    c->calls[site]++;
    return 0;
}

static void run_model(const shang_gpt *m, const int32_t *tok, capture *cap, float *logits)
{
    size_t n = (size_t)(CFG.L + 1) * B * T * CFG.C;
    for (int s = 0; s < SHANG_N_SITES; s++) {
        cap->site[s] = calloc(n, sizeof(float));
        cap->calls[s] = 0;
    }
    shang_gpt_run *r;
    assert_int_equal(shang_gpt_run_new(m, B, T, &r), 0);
    assert_int_equal(shang_gpt_forward(r, tok, B, T, logits, 0xf, grab, cap), 0);
    shang_gpt_run_free(r);
}

static void free_capture(capture *c)
{
    for (int s = 0; s < SHANG_N_SITES; s++) free(c->site[s]);
}

static void tokens(int32_t *tok, uint64_t seed)
{
    gsl_rng *r;
    assert_int_equal(shang_rng_new(seed, SHANG_STREAM_TEST, 1, &r), 0);
    for (int i = 0; i < B * T; i++) tok[i] = (int32_t)gsl_rng_uniform_int(r, CFG.V);
    shang_rng_free(r);
}

static void test_forward_matches_reference(void **state)
{
    (void)state;
    shang_gpt *m = random_model(3);
    int32_t tok[B * T];
    tokens(tok, 3);
    capture cap;
    float *logits = malloc((size_t)B * T * CFG.V * sizeof *logits);
    run_model(m, tok, &cap, logits);
    ref_out ref;
    ref_forward(m, tok, &ref);
    size_t layer = (size_t)B * T * CFG.C;
    /* float32 through two layers of O(1) activations: relative error ~1e-6;
     * 1e-4 absolute + relative leaves room for exp/tanh differences */
    const double tol = 1e-4;
    assert_int_equal(cap.calls[SHANG_SITE_RESID], CFG.L + 1);
    assert_int_equal(cap.calls[SHANG_SITE_ATTN_OUT], CFG.L);
    assert_int_equal(cap.calls[SHANG_SITE_MLP_OUT], CFG.L);
    assert_int_equal(cap.calls[SHANG_SITE_LNF], 1);
    for (int s = 0; s < SHANG_N_SITES; s++) {
        int lo = s == SHANG_SITE_RESID ? 0 : s == SHANG_SITE_LNF ? CFG.L : 1;
        for (int l = lo; l <= CFG.L; l++) {
            int ok = 1;
            for (size_t i = 0; i < layer && ok; i++)
                ok = test_close(cap.site[s][l * layer + i], ref.site[s][l * layer + i], tol, tol,
                                shang_site_name(s), __FILE__, __LINE__);
            if (!ok) fprintf(stderr, "site %s layer %d differs\n", shang_site_name(s), l);
            assert_true(ok);
        }
    }
    int ok = 1;
    for (size_t i = 0; i < (size_t)B * T * CFG.V && ok; i++)
        ok = test_close(logits[i], ref.logits[i], tol, tol, "logits", __FILE__, __LINE__);
    assert_true(ok);
    /* causality: changing the last token changes nothing before it */
    tok[T - 1] = (tok[T - 1] + 1) % CFG.V;
    capture cap2;
    run_model(m, tok, &cap2, NULL);
    size_t before = (size_t)(T - 1) * CFG.C;
    assert_memory_equal(cap2.site[SHANG_SITE_RESID] + CFG.L * layer, cap.site[SHANG_SITE_RESID] + CFG.L * layer,
                        before * sizeof(float));
    free_capture(&cap2);
    for (int s = 0; s < SHANG_N_SITES; s++) free(ref.site[s]);
    free(ref.logits);
    free(logits);
    free_capture(&cap);
    shang_gpt_free(m);
}

static void test_threads_bit_identical(void **state)
{
    (void)state;
    shang_gpt *m = random_model(4);
    int32_t tok[B * T];
    tokens(tok, 4);
    capture one, two;
    int t0 = omp_get_max_threads();
    shang_threads_set(1);
    run_model(m, tok, &one, NULL);
    shang_threads_set(2);
    run_model(m, tok, &two, NULL);
    shang_threads_set(t0);
    size_t n = (size_t)(CFG.L + 1) * B * T * CFG.C * sizeof(float);
    for (int s = 0; s < SHANG_N_SITES; s++) assert_memory_equal(one.site[s], two.site[s], n);
    free_capture(&one);
    free_capture(&two);
    shang_gpt_free(m);
}

static void test_model_file_roundtrip(void **state)
{
    (void)state;
    shang_gpt *m = random_model(5);
    char *path = test_path("model.h5");
    shang_h5_file *f;
    assert_int_equal(shang_h5_create(path, SHANG_MODEL_FORMAT, SHANG_MODEL_VERSION, &f), 0);
    assert_int_equal(shang_gpt_write(m, f->id), 0);
    assert_int_equal(shang_h5_commit(f), 0);
    shang_gpt *back;
    assert_int_equal(shang_gpt_load(path, &back, NULL), 0);
    assert_memory_equal(&back->cfg, &m->cfg, sizeof m->cfg);
    assert_int_equal(back->n_params, m->n_params);
    assert_memory_equal(back->params, m->params, m->n_params * sizeof(float));
    /* every tensor of the table is in the file under its name */
    hid_t h;
    assert_int_equal(shang_h5_open(path, SHANG_MODEL_FORMAT, 1, &h, NULL), 0);
    for (int i = 0; i < SHANG_N_PARAMS; i++) {
        char *p = shang_asprintf("weights/%s", m->desc[i].name);
        assert_true(shang_h5_exists(h, p));
        free(p);
    }
    H5Fclose(h);
    shang_gpt *bad;
    assert_int_equal(shang_gpt_load("/no/model.h5", &bad, NULL), SHANG_EIO);
    free(path);
    shang_gpt_free(back);
    shang_gpt_free(m);
}

static void test_bad_input_and_nan(void **state)
{
    (void)state;
    shang_gpt *m = random_model(6);
    shang_gpt_run *r;
    assert_int_equal(shang_gpt_run_new(m, B, T, &r), 0);
    int32_t tok[B * T];
    tokens(tok, 6);
    tok[5] = CFG.V;
    assert_int_equal(shang_gpt_forward(r, tok, B, T, NULL, 0, NULL, NULL), SHANG_EINVAL);
    assert_non_null(strstr(shang_err_msg(), "outside the vocabulary"));
    tok[5] = 0;
    assert_int_equal(shang_gpt_forward(r, tok, B + 1, T, NULL, 0, NULL, NULL), SHANG_EINVAL);
    m->p[SHANG_P_FC_B][3] = NAN;
    assert_int_equal(shang_gpt_forward(r, tok, B, T, NULL, 0, NULL, NULL), SHANG_ENUMERIC);
    shang_gpt_run_free(r);
    shang_gpt_config c = CFG;
    c.NH = 5;
    shang_gpt *x;
    assert_int_equal(shang_gpt_new(&c, &x), SHANG_EINVAL);
    assert_non_null(strstr(shang_err_msg(), "multiple of heads"));
    assert_int_equal(shang_gpt_run_new(m, 1, CFG.T + 1, &r), SHANG_EINVAL);
    shang_gpt_free(m);
}

static void test_init_statistics(void **state)
{
    (void)state;
    shang_gpt_config c = {.L = 4, .C = 64, .NH = 4, .T = 32, .V = 500, .eps = 1e-5f};
    shang_gpt *m;
    assert_int_equal(shang_gpt_new(&c, &m), 0);
    assert_int_equal(shang_gpt_init(m, 42), 0);
    double s2 = 0;
    size_t n = m->desc[SHANG_P_WTE].size;
    for (size_t i = 0; i < n; i++) s2 += (double)m->p[SHANG_P_WTE][i] * m->p[SHANG_P_WTE][i];
    /* sd 0.02 over 32,000 draws: the sample sd is within 2% */
    assert_close(sqrt(s2 / n), 0.02, 0, 0.02);
    s2 = 0;
    n = m->desc[SHANG_P_FCPROJ_W].size;
    for (size_t i = 0; i < n; i++) s2 += (double)m->p[SHANG_P_FCPROJ_W][i] * m->p[SHANG_P_FCPROJ_W][i];
    assert_close(sqrt(s2 / n), 0.02 / sqrt(8.0), 0, 0.02);
    assert_true(m->p[SHANG_P_LNF_W][7] == 1.0f && m->p[SHANG_P_QKV_B][9] == 0.0f);
    shang_gpt_free(m);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (shang_blas_reexec_if_generic(argv)) fprintf(stderr, "# %s\n", shang_err_msg());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forward_matches_reference), cmocka_unit_test(test_threads_bit_identical),
        cmocka_unit_test(test_model_file_roundtrip),      cmocka_unit_test(test_bad_input_and_nan),
        cmocka_unit_test(test_init_statistics),
    };
    return cmocka_run_group_tests_name("gpt", tests, NULL, NULL);
}
