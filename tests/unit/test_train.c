/* Training: finite-difference gradient checks of every backward kernel and of the
 * whole tiny model (every parameter tensor of the descriptor table), a tiny model
 * overfitting a tiny batch, N steps == N/2 + checkpoint + resume + N/2 bit for
 * bit, the learning-rate schedule, and the spectral summaries' closed forms. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "shang.h"
#include "shang_kernels.h"
#include "testutil.h"

static const shang_gpt_config CFG = {.L = 2, .C = 16, .NH = 2, .T = 8, .V = 23, .eps = 1e-5f};
enum { B = 3, T = 8 };

static gsl_rng *rng(uint64_t seed)
{
    gsl_rng *r;
    assert_int_equal(shang_rng_new(seed, SHANG_STREAM_TEST, 0, &r), 0);
    return r;
}

static void randn(float *x, size_t n, double sd, gsl_rng *r)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)gsl_ran_gaussian(r, sd);
}

/* Central difference of a scalar function of float inputs. In float32 a step h
 * gives rounding error ~ eps32 |f| / h and truncation ~ h^2 |f'''|: h = 1e-2 on
 * O(1) values keeps both near 1e-4 of the derivative's scale. */
#define FD_H 1e-2f

static shang_gpt *tiny_model(uint64_t seed)
{
    shang_gpt *m;
    assert_int_equal(shang_gpt_new(&CFG, &m), 0);
    gsl_rng *r = rng(seed);
    randn(m->params, m->n_params, 0.3, r);
    for (size_t i = 0; i < m->desc[SHANG_P_LN1_W].size; i++) m->p[SHANG_P_LN1_W][i] += 1;
    for (size_t i = 0; i < m->desc[SHANG_P_LN2_W].size; i++) m->p[SHANG_P_LN2_W][i] += 1;
    for (size_t i = 0; i < m->desc[SHANG_P_LNF_W].size; i++) m->p[SHANG_P_LNF_W][i] += 1;
    gsl_rng_free(r);
    return m;
}

static double model_loss(shang_gpt_train_ws *w, const int32_t *in, const int32_t *tg)
{
    double l;
    assert_int_equal(shang_train_forward(w, in, tg, &l, NULL), 0);
    return l;
}

static void test_model_gradients(void **state)
{
    (void)state;
    shang_gpt *m = tiny_model(1);
    shang_gpt_train_ws *w;
    assert_int_equal(shang_train_ws_new(m, B, T, &w), 0);
    gsl_rng *r = rng(2);
    int32_t in[B * T], tg[B * T];
    for (int i = 0; i < B * T; i++) {
        in[i] = (int32_t)gsl_rng_uniform_int(r, CFG.V);
        tg[i] = i % 7 == 3 ? -1 : (int32_t)gsl_rng_uniform_int(r, CFG.V); /* some targets ignored */
    }
    float *g = malloc(m->n_params * sizeof *g);
    model_loss(w, in, tg);
    assert_int_equal(shang_train_backward(w, g), 0);
    int checked = 0, bad = 0;
    for (int p = 0; p < SHANG_N_PARAMS; p++) {
        const shang_tensor_desc *d = &m->desc[p];
        for (int k = 0; k < 8; k++) {
            size_t i = k == 0 ? 0 : (size_t)gsl_rng_uniform_int(r, d->size);
            float *x = m->params + d->offset + i, x0 = *x;
            *x = x0 + FD_H;
            double lp = model_loss(w, in, tg);
            *x = x0 - FD_H;
            double lm = model_loss(w, in, tg);
            *x = x0;
            double fd = (lp - lm) / (2.0 * FD_H), an = g[d->offset + i];
            /* float32 forward: 2e-4 absolute (rounding of a loss ~3 over 2h) + 2% */
            if (!test_close(an, fd, 2e-4, 2e-2, d->name, __FILE__, __LINE__)) bad++;
            checked++;
        }
    }
    fprintf(stderr, "# %d gradient entries checked over %d tensors, %d off\n", checked, SHANG_N_PARAMS, bad);
    assert_int_equal(bad, 0);
    free(g);
    gsl_rng_free(r);
    shang_train_ws_free(w);
    shang_gpt_free(m);
}

/* kernel checks: objective = sum(out * R) in double; its gradient wrt out is R */
static double dot(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

static void test_layernorm_gelu_matmul_grads(void **state)
{
    (void)state;
    enum { N = 5, C = 12, OC = 7 };
    gsl_rng *r = rng(3);
    float x[N * C], w[C], b[C], R[N * C], out[N * C], mean[N], rstd[N], dx[N * C] = {0}, dw[C] = {0}, db[C] = {0};
    randn(x, N * C, 1, r);
    randn(w, C, 1, r);
    randn(b, C, 1, r);
    randn(R, N * C, 1, r);
    shang_k_layernorm_forward(out, mean, rstd, x, w, b, N, C, 1e-5f);
    shang_k_layernorm_backward(dx, dw, db, R, x, w, mean, rstd, N, C);
    float *vars[3] = {x, w, b}, *grads[3] = {dx, dw, db};
    int sizes[3] = {N * C, C, C};
    for (int v = 0; v < 3; v++)
        for (int i = 0; i < sizes[v]; i++) {
            float x0 = vars[v][i];
            vars[v][i] = x0 + FD_H;
            shang_k_layernorm_forward(out, NULL, NULL, x, w, b, N, C, 1e-5f);
            double fp = dot(out, R, N * C);
            vars[v][i] = x0 - FD_H;
            shang_k_layernorm_forward(out, NULL, NULL, x, w, b, N, C, 1e-5f);
            double fm = dot(out, R, N * C);
            vars[v][i] = x0;
            assert_close(grads[v][i], (fp - fm) / (2 * FD_H), 1e-3, 2e-2);
        }
    /* GELU */
    float y[N * C], dy[N * C] = {0};
    shang_k_gelu_backward(dy, x, R, N * C);
    for (int i = 0; i < N * C; i++) {
        float x0 = x[i];
        x[i] = x0 + FD_H;
        shang_k_gelu_forward(y, x, N * C);
        double fp = dot(y, R, N * C);
        x[i] = x0 - FD_H;
        shang_k_gelu_forward(y, x, N * C);
        double fm = dot(y, R, N * C);
        x[i] = x0;
        assert_close(dy[i], (fp - fm) / (2 * FD_H), 1e-3, 2e-2);
    }
    /* linear layer */
    float W[OC * C], bias[OC], o[N * OC], Ro[N * OC], dX[N * C] = {0}, dW[OC * C] = {0}, dB[OC] = {0};
    randn(W, OC * C, 1, r);
    randn(bias, OC, 1, r);
    randn(Ro, N * OC, 1, r);
    shang_k_matmul_backward(dX, dW, dB, Ro, x, W, N, C, OC);
    float *mv[3] = {x, W, bias}, *mg[3] = {dX, dW, dB};
    int ms[3] = {N * C, OC * C, OC};
    for (int v = 0; v < 3; v++)
        for (int i = 0; i < ms[v]; i++) {
            float x0 = mv[v][i];
            mv[v][i] = x0 + FD_H;
            shang_k_matmul_forward(o, x, W, bias, N, C, OC);
            double fp = dot(o, Ro, N * OC);
            mv[v][i] = x0 - FD_H;
            shang_k_matmul_forward(o, x, W, bias, N, C, OC);
            double fm = dot(o, Ro, N * OC);
            mv[v][i] = x0;
            assert_close(mg[v][i], (fp - fm) / (2 * FD_H), 2e-3, 2e-2);
        }
    gsl_rng_free(r);
}

static void test_attention_and_xent_grads(void **state)
{
    (void)state;
    enum { BB = 2, TT = 6, C = 8, NH = 2, V = 9 };
    gsl_rng *r = rng(4);
    float qkv[BB * TT * 3 * C], out[BB * TT * C], R[BB * TT * C], probs[BB * NH * TT * TT];
    float dqkv[BB * TT * 3 * C], scratch[4 * TT * TT];
    randn(qkv, sizeof qkv / 4, 1, r);
    randn(R, sizeof R / 4, 1, r);
    shang_k_attention_forward(out, probs, qkv, NULL, 1, BB, TT, C, NH);
    shang_k_attention_backward(dqkv, scratch, 1, R, probs, qkv, BB, TT, C, NH);
    for (size_t i = 0; i < sizeof qkv / 4; i++) {
        float x0 = qkv[i];
        qkv[i] = x0 + FD_H;
        shang_k_attention_forward(out, probs, qkv, NULL, 1, BB, TT, C, NH);
        double fp = dot(out, R, sizeof out / 4);
        qkv[i] = x0 - FD_H;
        shang_k_attention_forward(out, probs, qkv, NULL, 1, BB, TT, C, NH);
        double fm = dot(out, R, sizeof out / 4);
        qkv[i] = x0;
        assert_close(dqkv[i], (fp - fm) / (2 * FD_H), 1e-3, 2e-2);
    }
    /* softmax + cross-entropy: d(mean loss)/dlogits = (p - onehot) / n */
    enum { N = 4 };
    float lg[N * V], p[N * V], loss[N];
    int32_t tg[N] = {3, -1, 0, 8};
    randn(lg, N * V, 2, r);
    memcpy(p, lg, sizeof lg);
    size_t n = shang_k_softmax_xent(p, loss, NULL, tg, N, V);
    assert_int_equal(n, 3);
    assert_true(loss[1] == 0.0f);
    shang_k_xent_backward(p, tg, 1.0f / (float)n, N, V);
    for (int i = 0; i < N * V; i++) {
        float x0 = lg[i], tmp[N * V];
        double f[2];
        for (int s = 0; s < 2; s++) {
            lg[i] = x0 + (s ? -FD_H : FD_H);
            memcpy(tmp, lg, sizeof lg);
            shang_k_softmax_xent(tmp, loss, NULL, tg, N, V);
            f[s] = (loss[0] + loss[1] + loss[2] + loss[3]) / 3.0;
        }
        lg[i] = x0;
        assert_close(p[i], (f[0] - f[1]) / (2 * FD_H), 1e-3, 2e-2);
    }
    gsl_rng_free(r);
}

static shang_train_opts tiny_opts(int64_t steps)
{
    shang_train_opts o = {.B = B, .T = T, .steps = steps, .lr = 1e-2, .min_lr = 1e-3, .warmup = 5,
                          .weight_decay = 0.01, .beta1 = 0.9, .beta2 = 0.95, .adam_eps = 1e-8, .clip = 1.0,
                          .seed = 7, .eval_every = 10, .eval_tokens = 16};
    return o;
}

static void test_overfit_tiny_batch(void **state)
{
    (void)state;
    shang_gpt *m;
    assert_int_equal(shang_gpt_new(&CFG, &m), 0);
    assert_int_equal(shang_gpt_init(m, 1), 0);
    /* the stream is exactly one window: every step trains on the same batch */
    int32_t stream[T + 1];
    for (int i = 0; i <= T; i++) stream[i] = (int32_t)((i * 7 + 3) % CFG.V);
    shang_train_opts o = tiny_opts(150);
    shang_trainer *t;
    assert_int_equal(shang_trainer_new(m, &o, stream, T + 1, stream, T + 1, &t), 0);
    double loss = 0, first = 0, gn, lr;
    for (int s = 0; s < 150; s++) {
        assert_int_equal(shang_trainer_step(t, &loss, &gn, &lr), 0);
        if (s == 0) first = loss;
    }
    fprintf(stderr, "# tiny batch: loss %.3f -> %.4f\n", first, loss);
    assert_close(first, log((double)CFG.V), 0.2, 0); /* random init: about ln V */
    assert_true(loss < 0.05);
    shang_trainer_free(t);
    shang_gpt_free(m);
}

static void run_steps(shang_trainer *t, int n)
{
    double loss, gn, lr;
    for (int s = 0; s < n; s++) {
        assert_int_equal(shang_trainer_step(t, &loss, &gn, &lr), 0);
        assert_int_equal(shang_trainer_log_step(t, loss, gn, lr, 0), 0);
    }
}

static void test_resume_bit_for_bit(void **state)
{
    (void)state;
    int32_t stream[400];
    for (int i = 0; i < 400; i++) stream[i] = (int32_t)((i * i + 3 * i) % CFG.V);
    shang_train_opts o = tiny_opts(20);
    shang_gpt *a, *b;
    assert_int_equal(shang_gpt_new(&CFG, &a), 0);
    assert_int_equal(shang_gpt_init(a, 3), 0);
    shang_trainer *ta;
    assert_int_equal(shang_trainer_new(a, &o, stream, 400, stream, 400, &ta), 0);
    run_steps(ta, 20);
    /* the same run cut in two, through a checkpoint file */
    assert_int_equal(shang_gpt_new(&CFG, &b), 0);
    assert_int_equal(shang_gpt_init(b, 3), 0);
    shang_trainer *tb;
    assert_int_equal(shang_trainer_new(b, &o, stream, 400, stream, 400, &tb), 0);
    run_steps(tb, 10);
    assert_int_equal(shang_trainer_log_spectra(tb), 0);
    char *path = test_path("ckpt.h5");
    shang_h5_file *f;
    assert_int_equal(shang_h5_create(path, "shang.checkpoint", 1, &f), 0);
    assert_int_equal(shang_gpt_write(b, f->id), 0);
    assert_int_equal(shang_trainer_save(tb, f->id), 0);
    assert_int_equal(shang_h5_commit(f), 0);
    shang_trainer_free(tb);
    shang_gpt_free(b);
    hid_t h;
    assert_int_equal(shang_h5_open(path, "shang.checkpoint", 1, &h, NULL), 0);
    assert_int_equal(shang_gpt_read(h, &b), 0);
    assert_int_equal(shang_trainer_new(b, &o, stream, 400, stream, 400, &tb), 0);
    assert_int_equal(shang_trainer_load(tb, h), 0);
    H5Fclose(h);
    assert_int_equal(shang_trainer_step_index(tb), 10);
    run_steps(tb, 10);
    assert_memory_equal(a->params, b->params, a->n_params * sizeof(float));
    shang_trainer_free(ta);
    shang_trainer_free(tb);
    shang_gpt_free(a);
    shang_gpt_free(b);
    free(path);
}

static void test_schedule_and_svd(void **state)
{
    (void)state;
    shang_train_opts o = tiny_opts(110);
    o.warmup = 10;
    assert_close(shang_train_lr(&o, 0), 1e-3, 1e-12, 0);   /* 1/10 of the peak */
    assert_close(shang_train_lr(&o, 9), 1e-2, 1e-12, 0);   /* peak */
    assert_close(shang_train_lr(&o, 10), 1e-2, 1e-12, 0);  /* cosine start */
    assert_close(shang_train_lr(&o, 109), 1e-3, 1e-12, 0); /* the floor */
    assert_close(shang_train_lr(&o, 59), 1e-3 + 0.5 * 9e-3 * (1 + cos(M_PI * 49 / 99.0)), 1e-12, 0);
    /* singular values of a known matrix: diag(3, 1) rotated */
    float A[4] = {0.6f * 3, -0.8f * 1, 0.8f * 3, 0.6f * 1};
    double sv[2];
    assert_int_equal(shang_singular_values(A, 2, 2, sv), 0);
    assert_close(sv[0], 3, 1e-6, 0);
    assert_close(sv[1], 1, 1e-6, 0);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (shang_blas_reexec_if_generic(argv)) fprintf(stderr, "# %s\n", shang_err_msg());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_gradients),         cmocka_unit_test(test_layernorm_gelu_matmul_grads),
        cmocka_unit_test(test_attention_and_xent_grads), cmocka_unit_test(test_overfit_tiny_batch),
        cmocka_unit_test(test_resume_bit_for_bit),      cmocka_unit_test(test_schedule_and_svd),
    };
    return cmocka_run_group_tests_name("train", tests, NULL, NULL);
}
