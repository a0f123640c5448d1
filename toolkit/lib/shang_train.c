/* shang_train — see shang_train.h. The forward and backward passes follow
 * llm.c's gpt2_forward / gpt2_backward with shang's kernels. */
#include "shang_train.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "shang_blas.h"
#include "shang_h5.h"
#include "shang_kernels.h"
#include "shang_mem.h"
#include "shang_rng.h"
#include "shang_spectrum.h"

/* ---- the activation table ------------------------------------------------------- */

enum act {
    A_ENCODED,  /* (B, T, C) */
    A_LN1,      /* (L, B, T, C) */
    A_LN1_MEAN, /* (L, B, T) */
    A_LN1_RSTD, /* (L, B, T) */
    A_QKV,      /* (L, B, T, 3C) */
    A_ATT,      /* (L, B, NH, T, T) softmax probabilities */
    A_ATTY,     /* (L, B, T, C) */
    A_RES2,     /* (L, B, T, C) residual after attention */
    A_LN2,      /* (L, B, T, C) */
    A_LN2_MEAN, /* (L, B, T) */
    A_LN2_RSTD, /* (L, B, T) */
    A_FCH,      /* (L, B, T, F) before GELU */
    A_FCH_GELU, /* (L, B, T, F) */
    A_RES3,     /* (L, B, T, C) residual after the MLP: the block's output */
    A_LNF,      /* (B, T, C) */
    A_LNF_MEAN, /* (B, T) */
    A_LNF_RSTD, /* (B, T) */
    A_LOGITS,   /* (B, T, V): logits, then probabilities, then their gradient */
    A_LOSSES,   /* (B, T) */
    A_ENTROPY,  /* (B, T) */
    /* gradient scratch, one layer at a time */
    G_DRES,      /* (B, T, C) */
    G_DRES2,     /* (B, T, C) */
    G_DLN,       /* (B, T, C) */
    G_DQKV,      /* (B, T, 3C) */
    G_DATTY,     /* (B, T, C) */
    G_DFCH,      /* (B, T, F) */
    G_DFCH_GELU, /* (B, T, F) */
    G_DLNF,      /* (B, T, C) */
    G_SCRATCH,   /* (nthreads, T, T) attention backward */
    N_ACTS
};

struct shang_gpt_train_ws {
    const shang_gpt *m;
    int B, T, nthreads;
    float *slab;
    float *a[N_ACTS];
    size_t size[N_ACTS];
    int32_t *inputs, *targets; /* (B, T) copies */
    size_t counted;
};

int shang_train_ws_new(const shang_gpt *m, int B, int T, shang_gpt_train_ws **out)
{
    *out = NULL;
    if (B < 1 || T < 1 || T > m->cfg.T) return SHANG_FAIL(SHANG_EINVAL, "batch %d x %d outside 1.. x 1..%d", B, T, m->cfg.T);
    shang_gpt_train_ws *w = shang_zalloc(1, sizeof *w, "w");
    if (!w) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    w->m = m;
    w->B = B;
    w->T = T;
    w->nthreads = omp_get_max_threads();
    size_t L = (size_t)m->cfg.L, C = (size_t)m->cfg.C, NH = (size_t)m->cfg.NH, V = (size_t)m->cfg.V, F = 4 * C;
    size_t BT = (size_t)B * (size_t)T, TT = (size_t)T * (size_t)T;
    size_t sz[N_ACTS] = {
        [A_ENCODED] = BT * C, [A_LN1] = L * BT * C, [A_LN1_MEAN] = L * BT, [A_LN1_RSTD] = L * BT,
        [A_QKV] = L * BT * 3 * C, [A_ATT] = L * (size_t)B * NH * TT, [A_ATTY] = L * BT * C, [A_RES2] = L * BT * C,
        [A_LN2] = L * BT * C, [A_LN2_MEAN] = L * BT, [A_LN2_RSTD] = L * BT, [A_FCH] = L * BT * F,
        [A_FCH_GELU] = L * BT * F, [A_RES3] = L * BT * C, [A_LNF] = BT * C, [A_LNF_MEAN] = BT, [A_LNF_RSTD] = BT,
        [A_LOGITS] = BT * V, [A_LOSSES] = BT, [A_ENTROPY] = BT, [G_DRES] = BT * C, [G_DRES2] = BT * C,
        [G_DLN] = BT * C, [G_DQKV] = BT * 3 * C, [G_DATTY] = BT * C, [G_DFCH] = BT * F, [G_DFCH_GELU] = BT * F,
        [G_DLNF] = BT * C, [G_SCRATCH] = (size_t)w->nthreads * TT};
    size_t total = 0;
    for (int i = 0; i < N_ACTS; i++) total += (sz[i] + 15) & ~(size_t)15; /* 64-byte aligned views */
    w->slab = shang_alloc(total, sizeof(float), "training activations");
    w->inputs = shang_alloc(BT, sizeof *w->inputs, "inputs");
    w->targets = shang_alloc(BT, sizeof *w->targets, "targets");
    if (!w->slab || !w->inputs || !w->targets) {
        shang_train_ws_free(w);
        return shang_err_code();
    }
    float *p = w->slab;
    for (int i = 0; i < N_ACTS; i++) {
        w->a[i] = p;
        w->size[i] = sz[i];
        p += (sz[i] + 15) & ~(size_t)15;
    }
    *out = w;
    return SHANG_OK;
}

void shang_train_ws_free(shang_gpt_train_ws *w)
{
    if (!w) return;
    free(w->slab);
    free(w->inputs);
    free(w->targets);
    free(w);
}

/* ---- forward and backward ------------------------------------------------------- */

/* the descriptor-table name of the first tensor of `slab` (parameter layout)
 * holding a NaN or infinity, or NULL */
static const char *bad_tensor(const shang_gpt *m, const float *slab)
{
    for (int i = 0; i < SHANG_N_PARAMS; i++)
        if (!shang_k_all_finite(slab + m->desc[i].offset, m->desc[i].size)) return m->desc[i].name;
    return NULL;
}

int shang_train_forward(shang_gpt_train_ws *w, const int32_t *inputs, const int32_t *targets, double *loss,
                        double *entropy)
{
    const shang_gpt *m = w->m;
    const shang_gpt_config *c = &m->cfg;
    const int B = w->B, T = w->T;
    const size_t C = (size_t)c->C, F = 4 * C, V = (size_t)c->V, N = (size_t)B * T, L = (size_t)c->L;
    const size_t att_l = (size_t)B * c->NH * (size_t)T * T;
    for (size_t i = 0; i < N; i++)
        if (inputs[i] < 0 || inputs[i] >= c->V || targets[i] >= c->V)
            return SHANG_FAIL(SHANG_EINVAL, "token id out of the vocabulary (%d) at position %zu", c->V, i);
    memcpy(w->inputs, inputs, N * sizeof *inputs);
    memcpy(w->targets, targets, N * sizeof *targets);
    float **a = w->a;
    shang_k_encoder_forward(a[A_ENCODED], inputs, m->p[SHANG_P_WTE], m->p[SHANG_P_WPE], N, T, c->C);
    for (size_t l = 0; l < L; l++) {
        const float *in = l ? a[A_RES3] + (l - 1) * N * C : a[A_ENCODED];
        float *ln1 = a[A_LN1] + l * N * C, *qkv = a[A_QKV] + l * N * 3 * C, *att = a[A_ATT] + l * att_l;
        float *atty = a[A_ATTY] + l * N * C, *res2 = a[A_RES2] + l * N * C, *ln2 = a[A_LN2] + l * N * C;
        float *fch = a[A_FCH] + l * N * F, *fchg = a[A_FCH_GELU] + l * N * F, *res3 = a[A_RES3] + l * N * C;
        shang_k_layernorm_forward(ln1, a[A_LN1_MEAN] + l * N, a[A_LN1_RSTD] + l * N, in, m->p[SHANG_P_LN1_W] + l * C,
                                  m->p[SHANG_P_LN1_B] + l * C, N, c->C, c->eps);
        shang_k_matmul_forward(qkv, ln1, m->p[SHANG_P_QKV_W] + l * 3 * C * C, m->p[SHANG_P_QKV_B] + l * 3 * C, N, C, 3 * C);
        shang_k_attention_forward(atty, att, qkv, NULL, w->nthreads, B, T, c->C, c->NH);
        shang_k_matmul_forward(res2, atty, m->p[SHANG_P_ATTPROJ_W] + l * C * C, m->p[SHANG_P_ATTPROJ_B] + l * C, N, C, C);
        shang_k_residual_forward(res2, in, N * C);
        shang_k_layernorm_forward(ln2, a[A_LN2_MEAN] + l * N, a[A_LN2_RSTD] + l * N, res2, m->p[SHANG_P_LN2_W] + l * C,
                                  m->p[SHANG_P_LN2_B] + l * C, N, c->C, c->eps);
        shang_k_matmul_forward(fch, ln2, m->p[SHANG_P_FC_W] + l * F * C, m->p[SHANG_P_FC_B] + l * F, N, C, F);
        shang_k_gelu_forward(fchg, fch, N * F);
        shang_k_matmul_forward(res3, fchg, m->p[SHANG_P_FCPROJ_W] + l * C * F, m->p[SHANG_P_FCPROJ_B] + l * C, N, F, C);
        shang_k_residual_forward(res3, res2, N * C);
    }
    const float *last = a[A_RES3] + (L - 1) * N * C;
    if (!shang_k_all_finite(last, N * C)) return SHANG_FAIL(SHANG_ENUMERIC, "the residual stream became NaN or infinite");
    shang_k_layernorm_forward(a[A_LNF], a[A_LNF_MEAN], a[A_LNF_RSTD], last, m->p[SHANG_P_LNF_W], m->p[SHANG_P_LNF_B], N,
                              c->C, c->eps);
    /* logits (N, V) = lnf wte^T */
    shang_sgemm(false, true, N, V, C, 1.0f, a[A_LNF], C, m->p[SHANG_P_WTE], C, 0.0f, a[A_LOGITS], V);
    if (!shang_k_all_finite(a[A_LOGITS], N * V)) return SHANG_FAIL(SHANG_ENUMERIC, "logits became NaN or infinite");
    w->counted = shang_k_softmax_xent(a[A_LOGITS], a[A_LOSSES], a[A_ENTROPY], targets, N, c->V);
    double s = 0, h = 0;
    for (size_t i = 0; i < N; i++) {
        s += a[A_LOSSES][i];
        h += targets[i] >= 0 ? a[A_ENTROPY][i] : 0;
    }
    *loss = w->counted ? s / (double)w->counted : 0;
    if (entropy) *entropy = w->counted ? h / (double)w->counted : 0;
    return SHANG_OK;
}

int shang_train_backward(shang_gpt_train_ws *w, float *grads)
{
    const shang_gpt *m = w->m;
    const shang_gpt_config *c = &m->cfg;
    const int B = w->B, T = w->T;
    const size_t C = (size_t)c->C, F = 4 * C, V = (size_t)c->V, N = (size_t)B * T, L = (size_t)c->L;
    const size_t att_l = (size_t)B * c->NH * (size_t)T * T;
    float **a = w->a, *g[SHANG_N_PARAMS];
    memset(grads, 0, m->n_params * sizeof *grads);
    for (int i = 0; i < SHANG_N_PARAMS; i++) g[i] = grads + m->desc[i].offset;
    if (!w->counted) return SHANG_OK;
    /* loss = mean -log p[target] -> dlogits = (p - onehot) / counted */
    shang_k_xent_backward(a[A_LOGITS], w->targets, 1.0f / (float)w->counted, N, c->V);
    /* logits = lnf wte^T -> dlnf = dlogits wte, dwte += dlogits^T lnf */
    shang_sgemm(false, false, N, C, V, 1.0f, a[A_LOGITS], V, m->p[SHANG_P_WTE], C, 0.0f, a[G_DLNF], C);
    shang_sgemm(true, false, V, C, N, 1.0f, a[A_LOGITS], V, a[A_LNF], C, 1.0f, g[SHANG_P_WTE], C);
    /* lnf = LN(res3[L-1]) */
    float *dres = a[G_DRES], *dres2 = a[G_DRES2], *dln = a[G_DLN];
    memset(dres, 0, N * C * sizeof *dres);
    shang_k_layernorm_backward(dres, g[SHANG_P_LNF_W], g[SHANG_P_LNF_B], a[G_DLNF], a[A_RES3] + (L - 1) * N * C,
                               m->p[SHANG_P_LNF_W], a[A_LNF_MEAN], a[A_LNF_RSTD], N, c->C);
    for (size_t l = L; l-- > 0;) {
        const float *in = l ? a[A_RES3] + (l - 1) * N * C : a[A_ENCODED];
        const float *ln1 = a[A_LN1] + l * N * C, *qkv = a[A_QKV] + l * N * 3 * C, *att = a[A_ATT] + l * att_l;
        const float *atty = a[A_ATTY] + l * N * C, *res2 = a[A_RES2] + l * N * C, *ln2 = a[A_LN2] + l * N * C;
        const float *fch = a[A_FCH] + l * N * F, *fchg = a[A_FCH_GELU] + l * N * F;
        /* res3 = res2 + fchg W^T + b: dres flows to res2 and into the projection */
        memset(a[G_DFCH_GELU], 0, N * F * sizeof(float));
        shang_k_matmul_backward(a[G_DFCH_GELU], g[SHANG_P_FCPROJ_W] + l * C * F, g[SHANG_P_FCPROJ_B] + l * C, dres, fchg,
                                m->p[SHANG_P_FCPROJ_W] + l * C * F, N, F, C);
        /* fchg = GELU(fch) */
        memset(a[G_DFCH], 0, N * F * sizeof(float));
        shang_k_gelu_backward(a[G_DFCH], fch, a[G_DFCH_GELU], N * F);
        /* fch = ln2 W^T + b */
        memset(dln, 0, N * C * sizeof *dln);
        shang_k_matmul_backward(dln, g[SHANG_P_FC_W] + l * F * C, g[SHANG_P_FC_B] + l * F, a[G_DFCH], ln2,
                                m->p[SHANG_P_FC_W] + l * F * C, N, C, F);
        /* ln2 = LN(res2); res2 also reaches res3 directly */
        memcpy(dres2, dres, N * C * sizeof *dres);
        shang_k_layernorm_backward(dres2, g[SHANG_P_LN2_W] + l * C, g[SHANG_P_LN2_B] + l * C, dln, res2,
                                   m->p[SHANG_P_LN2_W] + l * C, a[A_LN2_MEAN] + l * N, a[A_LN2_RSTD] + l * N, N, c->C);
        /* res2 = in + atty W^T + b */
        memset(a[G_DATTY], 0, N * C * sizeof(float));
        shang_k_matmul_backward(a[G_DATTY], g[SHANG_P_ATTPROJ_W] + l * C * C, g[SHANG_P_ATTPROJ_B] + l * C, dres2, atty,
                                m->p[SHANG_P_ATTPROJ_W] + l * C * C, N, C, C);
        /* atty = attention(qkv) */
        shang_k_attention_backward(a[G_DQKV], a[G_SCRATCH], w->nthreads, a[G_DATTY], att, qkv, B, T, c->C, c->NH);
        /* qkv = ln1 W^T + b */
        memset(dln, 0, N * C * sizeof *dln);
        shang_k_matmul_backward(dln, g[SHANG_P_QKV_W] + l * 3 * C * C, g[SHANG_P_QKV_B] + l * 3 * C, a[G_DQKV], ln1,
                                m->p[SHANG_P_QKV_W] + l * 3 * C * C, N, C, 3 * C);
        /* ln1 = LN(in); in also reaches res2 directly */
        memcpy(dres, dres2, N * C * sizeof *dres);
        shang_k_layernorm_backward(dres, g[SHANG_P_LN1_W] + l * C, g[SHANG_P_LN1_B] + l * C, dln, in,
                                   m->p[SHANG_P_LN1_W] + l * C, a[A_LN1_MEAN] + l * N, a[A_LN1_RSTD] + l * N, N, c->C);
    }
    /* encoded = wte[inputs] + wpe[t] */
    shang_k_encoder_backward(g[SHANG_P_WTE], g[SHANG_P_WPE], dres, w->inputs, N, T, c->C);
    const char *bad = bad_tensor(m, grads);
    if (bad) return SHANG_FAIL(SHANG_ENUMERIC, "the gradient of %s became NaN or infinite", bad);
    return SHANG_OK;
}

/* ---- the optimiser, the data and the log ------------------------------------------- */

double shang_train_lr(const shang_train_opts *o, int64_t step)
{
    if (o->warmup > 0 && step < o->warmup) return o->lr * (double)(step + 1) / (double)o->warmup;
    int64_t span = o->steps - o->warmup;
    double t = span > 1 ? (double)(step - o->warmup) / (double)(span - 1) : 1.0;
    if (t > 1) t = 1;
    return o->min_lr + 0.5 * (o->lr - o->min_lr) * (1.0 + cos(M_PI * t));
}

/* a growable table of doubles with `width` columns */
typedef struct {
    double *v;
    size_t rows, cap, width;
} table;

static int table_add(table *t, const double *row)
{
    if (t->rows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 256;
        double *v = shang_realloc(t->v, cap * t->width, sizeof *v, "training log");
        if (!v) return shang_err_code();
        t->v = v;
        t->cap = cap;
    }
    memcpy(t->v + t->rows * t->width, row, t->width * sizeof *row);
    t->rows++;
    return SHANG_OK;
}


struct shang_trainer {
    shang_gpt *m;
    shang_train_opts o;
    const int32_t *train, *valid;
    size_t n_train, n_valid;
    shang_gpt_train_ws *ws;
    float *grads, *mom, *vel; /* (n_params) each */
    gsl_rng *data;
    int64_t step;
    int32_t *inputs, *targets; /* (B, T) */
    table steps;   /* step, loss, lr, grad_norm, tok_per_s */
    table evals;   /* step, val_loss, val_entropy */
    table spectra; /* step, then per matrix: effective rank, matrix entropy, stable rank */
    int n_mats;
    char *changes;   /* resumable settings changed on resume: "lr 0.0003 -> 0.0001 at step 400; ..." */
};

/* the settings a checkpoint records: resuming may change them (each change is
 * recorded with its step), except the seed, which fixes the data order */
enum { S_INT, S_I64, S_F64 };
static const struct {
    const char *name;
    size_t off;
    int type;
} settings[] = {
    {"B", offsetof(shang_train_opts, B), S_INT},          {"T", offsetof(shang_train_opts, T), S_INT},
    {"steps", offsetof(shang_train_opts, steps), S_I64},  {"lr", offsetof(shang_train_opts, lr), S_F64},
    {"min_lr", offsetof(shang_train_opts, min_lr), S_F64}, {"warmup", offsetof(shang_train_opts, warmup), S_I64},
    {"weight_decay", offsetof(shang_train_opts, weight_decay), S_F64},
    {"beta1", offsetof(shang_train_opts, beta1), S_F64},  {"beta2", offsetof(shang_train_opts, beta2), S_F64},
    {"clip", offsetof(shang_train_opts, clip), S_F64},
};

static double setting_value(const shang_train_opts *o, size_t i)
{
    const char *p = (const char *)o + settings[i].off;
    return settings[i].type == S_INT ? *(const int *)p : settings[i].type == S_I64 ? (double)*(const int64_t *)p
                                                                                   : *(const double *)p;
}

const char *shang_trainer_setting_changes(const shang_trainer *t) { return t->changes ? t->changes : ""; }

int64_t shang_trainer_step_index(const shang_trainer *t) { return t->step; }

int shang_trainer_new(shang_gpt *m, const shang_train_opts *o, const int32_t *train, size_t n_train,
                      const int32_t *valid, size_t n_valid, shang_trainer **out)
{
    *out = NULL;
    if (n_train < (size_t)o->T + 1) return SHANG_FAIL(SHANG_EINVAL, "%zu training tokens: fewer than one window of %d", n_train, o->T + 1);
    if (o->steps < 1 || o->lr <= 0 || o->min_lr < 0 || o->min_lr > o->lr || o->warmup < 0 || o->beta1 < 0 ||
        o->beta1 >= 1 || o->beta2 < 0 || o->beta2 >= 1 || o->adam_eps <= 0 || o->weight_decay < 0 || o->clip < 0)
        return SHANG_FAIL(SHANG_EINVAL, "bad optimiser settings");
    shang_trainer *t = shang_zalloc(1, sizeof *t, "t");
    if (!t) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    t->m = m;
    t->o = *o;
    t->train = train;
    t->n_train = n_train;
    t->valid = valid;
    t->n_valid = n_valid;
    t->n_mats = shang_gpt_n_matrices(&m->cfg);
    t->steps.width = 5;
    t->evals.width = 3;
    t->spectra.width = 1 + 3 * (size_t)t->n_mats;
    size_t BT = (size_t)o->B * (size_t)o->T;
    int rc = shang_train_ws_new(m, o->B, o->T, &t->ws);
    if (!rc) rc = shang_rng_new(o->seed, SHANG_STREAM_DATA, 0, &t->data);
    t->grads = rc ? NULL : shang_zalloc(m->n_params, sizeof(float), "gradients");
    t->mom = rc ? NULL : shang_zalloc(m->n_params, sizeof(float), "Adam first moments");
    t->vel = rc ? NULL : shang_zalloc(m->n_params, sizeof(float), "Adam second moments");
    t->inputs = rc ? NULL : shang_alloc(BT, sizeof(int32_t), "inputs");
    t->targets = rc ? NULL : shang_alloc(BT, sizeof(int32_t), "targets");
    if (!rc && (!t->grads || !t->mom || !t->vel || !t->inputs || !t->targets)) rc = shang_err_code();
    if (rc) {
        shang_trainer_free(t);
        return rc;
    }
    *out = t;
    return SHANG_OK;
}

void shang_trainer_free(shang_trainer *t)
{
    if (!t) return;
    free(t->changes);
    shang_train_ws_free(t->ws);
    shang_rng_free(t->data);
    free(t->grads);
    free(t->mom);
    free(t->vel);
    free(t->inputs);
    free(t->targets);
    free(t->steps.v);
    free(t->evals.v);
    free(t->spectra.v);
    free(t);
}

static int decays(int p)
{
    return p == SHANG_P_WTE || p == SHANG_P_WPE || p == SHANG_P_QKV_W || p == SHANG_P_ATTPROJ_W || p == SHANG_P_FC_W ||
           p == SHANG_P_FCPROJ_W;
}

/* sum of squares in fixed blocks, added in block order: the same for any thread count */
static double norm2(const float *x, size_t n)
{
    const size_t blk = 1 << 16;
    size_t nb = (n + blk - 1) / blk;
    double *part = shang_zalloc(nb, sizeof *part, "part"), s = 0;
    if (!part) {
        for (size_t i = 0; i < n; i++) s += (double)x[i] * x[i];
        return s;
    }
#pragma omp parallel for schedule(static)
    for (size_t b = 0; b < nb; b++) {
        double acc = 0;
        size_t end = (b + 1) * blk < n ? (b + 1) * blk : n;
        for (size_t i = b * blk; i < end; i++) acc += (double)x[i] * x[i];
        part[b] = acc;
    }
    for (size_t b = 0; b < nb; b++) s += part[b];
    free(part);
    return s;
}

int shang_trainer_step(shang_trainer *t, double *loss, double *grad_norm, double *lr)
{
    const shang_train_opts *o = &t->o;
    const size_t T = (size_t)o->T;
    /* B windows of T + 1 tokens at positions from the data stream */
    for (int b = 0; b < o->B; b++) {
        size_t s = (size_t)gsl_rng_uniform_int(t->data, t->n_train - T);
        memcpy(t->inputs + b * T, t->train + s, T * sizeof(int32_t));
        memcpy(t->targets + b * T, t->train + s + 1, T * sizeof(int32_t));
    }
    int rc = shang_train_forward(t->ws, t->inputs, t->targets, loss, NULL);
    if (!rc) rc = shang_train_backward(t->ws, t->grads);
    if (rc) return shang_err_prefix("step %lld", (long long)t->step);
    double gn = sqrt(norm2(t->grads, t->m->n_params));
    float clip = o->clip > 0 && gn > o->clip ? (float)(o->clip / gn) : 1.0f;
    double rate = shang_train_lr(o, t->step);
    /* AdamW (Loshchilov & Hutter 2019): decoupled weight decay */
    int64_t k = t->step + 1;
    float b1 = (float)o->beta1, b2 = (float)o->beta2, eps = (float)o->adam_eps, lrf = (float)rate;
    float c1 = (float)(1.0 / (1.0 - pow(o->beta1, (double)k))), c2 = (float)(1.0 / (1.0 - pow(o->beta2, (double)k)));
    for (int p = 0; p < SHANG_N_PARAMS; p++) {
        const shang_tensor_desc *d = &t->m->desc[p];
        float wd = decays(p) ? (float)o->weight_decay : 0.0f;
        float *w = t->m->params + d->offset, *g = t->grads + d->offset, *mm = t->mom + d->offset, *vv = t->vel + d->offset;
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < d->size; i++) {
            float gi = g[i] * clip;
            mm[i] = b1 * mm[i] + (1.0f - b1) * gi;
            vv[i] = b2 * vv[i] + (1.0f - b2) * gi * gi;
            float mh = mm[i] * c1, vh = vv[i] * c2;
            w[i] -= lrf * (mh / (sqrtf(vh) + eps) + wd * w[i]);
        }
    }
    const char *bad = bad_tensor(t->m, t->m->params);
    if (bad) return SHANG_FAIL(SHANG_ENUMERIC, "step %lld: %s became NaN or infinite", (long long)t->step, bad);
    t->step++;
    *grad_norm = gn;
    *lr = rate;
    return SHANG_OK;
}

int shang_trainer_eval(shang_trainer *t, double *loss, double *entropy)
{
    /* the first eval_tokens of the validation stream, scored as shang loss does */
    size_t n = (size_t)t->o.eval_tokens + 1 < t->n_valid ? (size_t)t->o.eval_tokens + 1 : t->n_valid;
    return shang_gpt_stream_loss(t->m, t->valid, n, t->o.T, t->o.B, loss, entropy, NULL);
}

int shang_trainer_log_step(shang_trainer *t, double loss, double grad_norm, double lr, double tok_per_s)
{
    double row[5] = {(double)t->step, loss, lr, grad_norm, tok_per_s};
    return table_add(&t->steps, row);
}

int shang_trainer_log_eval(shang_trainer *t, double val_loss, double val_entropy)
{
    double row[3] = {(double)t->step, val_loss, val_entropy};
    return table_add(&t->evals, row);
}

int shang_trainer_log_spectra(shang_trainer *t)
{
    double *row = shang_zalloc(t->spectra.width, sizeof *row, "row"), *s = NULL;
    if (!row) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    row[0] = (double)t->step;
    int rc = SHANG_OK;
    for (int k = 0; k < t->n_mats && !rc; k++) {
        size_t r, c;
        const float *A = shang_gpt_matrix(t->m, k, &r, &c, NULL, 0);
        size_t n = r < c ? r : c;
        free(s);
        s = shang_alloc(n, sizeof *s, "s");
        if (!s) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        else rc = shang_singular_values(A, r, c, s);
        if (!rc) shang_spectrum_stats(s, (int)n, &row[1 + 3 * k], &row[2 + 3 * k], &row[3 + 3 * k]);
    }
    if (!rc) rc = table_add(&t->spectra, row);
    free(s);
    free(row);
    return rc;
}

/* ---- checkpoints and the log ---------------------------------------------------- */

static int write_table(hid_t g, const char *name, const table *t, const char *const *cols, const char *help)
{
    static const char *const dims[] = {"R", "K"};
    size_t d[2] = {t->rows, t->width};
    int rc = shang_h5_write(g, name, SHANG_DT_F64, 2, d, t->v ? t->v : (double[]){0}, dims, help, NULL);
    if (rc || !cols) return rc;
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    rc = shang_h5_attr_strs(ds, "columns", t->width, cols);
    H5Dclose(ds);
    return rc;
}

static int read_table(hid_t g, const char *name, table *t)
{
    int rank;
    size_t d[2];
    void *v;
    int rc = shang_h5_read(g, name, SHANG_DT_F64, 2, &rank, d, &v);
    if (rc) return rc;
    if (rank != 2 || d[1] != t->width) {
        free(v);
        return SHANG_FAIL(SHANG_EFORMAT, "%s has %zu columns, %zu expected", name, rank == 2 ? d[1] : 0, t->width);
    }
    free(t->v);
    t->v = v;
    t->rows = t->cap = d[0];
    return SHANG_OK;
}

int shang_trainer_write_log(const shang_trainer *t, hid_t file)
{
    hid_t g;
    int rc = shang_h5_group(file, "training", &g);
    if (rc) return rc;
    static const char *const sc[] = {"step", "loss", "lr", "grad_norm", "tokens_per_s"};
    static const char *const ec[] = {"step", "val_loss", "val_entropy"};
    char **names = shang_zalloc((size_t)t->n_mats, sizeof *names, "names"), **spc = shang_zalloc(t->spectra.width, sizeof *spc, "spc");
    if (!names || !spc) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    static const char *const stat[3] = {"effective_rank", "matrix_entropy", "stable_rank"};
    for (int k = 0; !rc && k < t->n_mats; k++) {
        char nm[32];
        size_t r, c;
        shang_gpt_matrix(t->m, k, &r, &c, nm, sizeof nm);
        names[k] = shang_strdup(nm);
        for (int j = 0; j < 3 && names[k]; j++) spc[1 + 3 * k + j] = shang_asprintf("%s:%s", names[k], stat[j]);
    }
    if (spc) spc[0] = shang_strdup("step");
    if (!rc) rc = write_table(g, "steps", &t->steps, sc, "one row per optimiser step (loss in nats)");
    if (!rc) rc = write_table(g, "evals", &t->evals, ec, "validation: mean cross-entropy and predictive entropy (nats)");
    if (!rc) rc = write_table(g, "spectra", &t->spectra, (const char *const *)spc,
                              "per weight matrix at log-spaced steps: effective rank exp(H(s/sum s)), "
                              "matrix entropy H(s^2/sum s^2)/ln n, stable rank sum s^2/max s^2");
    if (!rc) rc = shang_h5_attr_strs(g, "matrices", (size_t)t->n_mats, (const char *const *)names);
    if (!rc) rc = shang_h5_attr_str(g, "units", "nats");
    for (int k = 0; names && k < t->n_mats; k++) free(names[k]);
    for (size_t k = 0; spc && k < t->spectra.width; k++) free(spc[k]);
    free(names);
    free(spc);
    H5Gclose(g);
    return rc;
}

int shang_trainer_save(const shang_trainer *t, hid_t file)
{
    hid_t g;
    int rc = shang_trainer_write_log(t, file);
    if (!rc) rc = shang_h5_group(file, "optimizer", &g);
    if (rc) return rc;
    static const char *const dP[] = {"P"}, *const dS[] = {"S"};
    size_t np[1] = {t->m->n_params}, ns[1] = {gsl_rng_size(t->data)};
    if (!(rc = shang_h5_write(g, "m", SHANG_DT_F32, 1, np, t->mom, dP, "Adam first moments (parameter slab layout)", NULL)) &&
        !(rc = shang_h5_write(g, "v", SHANG_DT_F32, 1, np, t->vel, dP, "Adam second moments", NULL)) &&
        !(rc = shang_h5_write(g, "data_rng", SHANG_DT_U8, 1, ns, gsl_rng_state(t->data), dS,
                              "state of the data-order generator (GSL mt19937)", NULL)))
        rc = shang_h5_attr_i64(g, "step", t->step);
    if (!rc) rc = shang_h5_attr_i64(g, "seed", (int64_t)t->o.seed);
    for (size_t i = 0; !rc && i < sizeof settings / sizeof *settings; i++)
        rc = shang_h5_attr_f64(g, settings[i].name, setting_value(&t->o, i));
    if (!rc) rc = shang_h5_attr_str(g, "setting_changes", shang_trainer_setting_changes(t));
    H5Gclose(g);
    return rc;
}

int shang_trainer_load(shang_trainer *t, hid_t file)
{
    if (!shang_h5_exists(file, "optimizer")) return SHANG_FAIL(SHANG_EFORMAT, "no /optimizer group: not a checkpoint");
    hid_t g = H5Gopen2(file, "optimizer", H5P_DEFAULT), tr = -1;
    int rank, rc;
    size_t d[1];
    void *v = NULL;
    int64_t step;
    if ((rc = shang_h5_attr_get_i64(g, "step", &step))) goto done;
    if (H5Aexists(g, "seed") > 0) { /* checkpoints that record their settings */
        int64_t seed;
        if ((rc = shang_h5_attr_get_i64(g, "seed", &seed))) goto done;
        if ((uint64_t)seed != t->o.seed) {
            rc = SHANG_FAIL(SHANG_EUSAGE, "--seed %llu, but the checkpoint's run has seed %lld (it fixes the data order)",
                            (unsigned long long)t->o.seed, (long long)seed);
            goto done;
        }
        /* the changes recorded before, and this resume's */
        char *ch = NULL;
        if (H5Aexists(g, "setting_changes") > 0 && (rc = shang_h5_attr_get_str(g, "setting_changes", &ch))) goto done;
        for (size_t i = 0; !rc && i < sizeof settings / sizeof *settings; i++) {
            double was, now = setting_value(&t->o, i);
            if (H5Aexists(g, settings[i].name) <= 0) continue;
            if ((rc = shang_h5_attr_get_f64(g, settings[i].name, &was)) || was == now) continue;
            char *more = shang_asprintf("%s%s%s %.17g -> %.17g at step %lld", ch ? ch : "", ch && *ch ? "; " : "",
                                        settings[i].name, was, now, (long long)step);
            if (!more) rc = shang_err_code();
            free(ch);
            ch = more;
        }
        if (rc) {
            free(ch);
            goto done;
        }
        free(t->changes);
        t->changes = ch;
    }
    const char *names[2] = {"m", "v"};
    float *dst[2] = {t->mom, t->vel};
    for (int i = 0; i < 2 && !rc; i++) {
        if ((rc = shang_h5_read(g, names[i], SHANG_DT_F32, 1, &rank, d, &v))) break;
        if (d[0] != t->m->n_params) rc = SHANG_FAIL(SHANG_EFORMAT, "optimizer/%s has %zu values, the model %zu", names[i], d[0], t->m->n_params);
        else memcpy(dst[i], v, d[0] * sizeof(float));
        free(v);
        v = NULL;
    }
    if (!rc && !(rc = shang_h5_read(g, "data_rng", SHANG_DT_U8, 1, &rank, d, &v))) {
        if (d[0] != gsl_rng_size(t->data)) rc = SHANG_FAIL(SHANG_EFORMAT, "data generator state has the wrong size");
        else memcpy(gsl_rng_state(t->data), v, d[0]);
        free(v);
    }
    if (!rc) {
        tr = H5Gopen2(file, "training", H5P_DEFAULT);
        if (tr < 0) rc = SHANG_FAIL(SHANG_EFORMAT, "no /training group");
    }
    if (!rc) rc = read_table(tr, "steps", &t->steps);
    if (!rc) rc = read_table(tr, "evals", &t->evals);
    if (!rc) rc = read_table(tr, "spectra", &t->spectra);
    if (!rc) t->step = step;
done:
    if (tr >= 0) H5Gclose(tr);
    H5Gclose(g);
    return rc;
}
