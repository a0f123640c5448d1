/* shang_gpt — see shang_gpt.h. The forward pass follows llm.c's structure, in
 * inference form: one residual buffer (B, T, C) and one layer's scratch. */
#include "shang_gpt.h"

#include <stdio.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <omp.h>

#include "shang_blas.h"
#include "shang_bpe.h"
#include "shang_h5.h"
#include "shang_kernels.h"
#include "shang_mem.h"
#include "shang_rng.h"

/* ---- configuration and the descriptor table ------------------------------------ */

int shang_gpt_config_check(const shang_gpt_config *c)
{
    if (c->L < 1 || c->L > 1024) return SHANG_FAIL(SHANG_EINVAL, "layers %d outside [1, 1024]", c->L);
    if (c->C < 1 || c->C > 65536) return SHANG_FAIL(SHANG_EINVAL, "width %d outside [1, 65536]", c->C);
    if (c->NH < 1 || c->C % c->NH) return SHANG_FAIL(SHANG_EINVAL, "width %d is not a multiple of heads %d", c->C, c->NH);
    if (c->T < 1 || c->T > 1 << 20) return SHANG_FAIL(SHANG_EINVAL, "context %d outside [1, 1048576]", c->T);
    if (c->V < 1 || c->V > 1 << 24) return SHANG_FAIL(SHANG_EINVAL, "vocabulary %d outside [1, 16777216]", c->V);
    if (!(c->eps > 0 && c->eps < 1)) return SHANG_FAIL(SHANG_EINVAL, "layer-norm epsilon %g outside (0, 1)", c->eps);
    return SHANG_OK;
}

static const char *const param_help[SHANG_N_PARAMS] = {
    "token embedding, tied unembedding", "learned position embedding",
    "block LN before attention: gain", "block LN before attention: bias",
    "attention q, k, v projection (out, in)", "attention q, k, v bias",
    "attention output projection (out, in)", "attention output bias",
    "block LN before MLP: gain", "block LN before MLP: bias",
    "MLP up projection (out, in)", "MLP up bias",
    "MLP down projection (out, in)", "MLP down bias",
    "final LN gain", "final LN bias",
};

size_t shang_gpt_describe(const shang_gpt_config *c, shang_tensor_desc d[SHANG_N_PARAMS])
{
    size_t L = (size_t)c->L, C = (size_t)c->C, V = (size_t)c->V, T = (size_t)c->T, F = 4 * C;
#define D1(i, nm, a, an) d[i] = (shang_tensor_desc){nm, 1, {a, 0, 0}, {an, 0, 0}, 0, 0}
#define D2(i, nm, a, b, an, bn) d[i] = (shang_tensor_desc){nm, 2, {a, b, 0}, {an, bn, 0}, 0, 0}
#define D3(i, nm, a, b, e, an, bn, en) d[i] = (shang_tensor_desc){nm, 3, {a, b, e}, {an, bn, en}, 0, 0}
    D2(SHANG_P_WTE, "wte", V, C, "V", "C");
    D2(SHANG_P_WPE, "wpe", T, C, "T", "C");
    D2(SHANG_P_LN1_W, "ln1_w", L, C, "L", "C");
    D2(SHANG_P_LN1_B, "ln1_b", L, C, "L", "C");
    D3(SHANG_P_QKV_W, "qkv_w", L, 3 * C, C, "L", "3C", "C");
    D2(SHANG_P_QKV_B, "qkv_b", L, 3 * C, "L", "3C");
    D3(SHANG_P_ATTPROJ_W, "attproj_w", L, C, C, "L", "C", "C");
    D2(SHANG_P_ATTPROJ_B, "attproj_b", L, C, "L", "C");
    D2(SHANG_P_LN2_W, "ln2_w", L, C, "L", "C");
    D2(SHANG_P_LN2_B, "ln2_b", L, C, "L", "C");
    D3(SHANG_P_FC_W, "fc_w", L, F, C, "L", "F", "C");
    D2(SHANG_P_FC_B, "fc_b", L, F, "L", "F");
    D3(SHANG_P_FCPROJ_W, "fcproj_w", L, C, F, "L", "C", "F");
    D2(SHANG_P_FCPROJ_B, "fcproj_b", L, C, "L", "C");
    D1(SHANG_P_LNF_W, "lnf_w", C, "C");
    D1(SHANG_P_LNF_B, "lnf_b", C, "C");
#undef D1
#undef D2
#undef D3
    size_t off = 0;
    for (int i = 0; i < SHANG_N_PARAMS; i++) {
        size_t n = 1;
        for (int k = 0; k < d[i].rank; k++) n *= d[i].dims[k];
        d[i].offset = off;
        d[i].size = n;
        off += n;
    }
    return off;
}

int shang_gpt_new(const shang_gpt_config *c, shang_gpt **out)
{
    *out = NULL;
    int rc = shang_gpt_config_check(c);
    if (rc) return rc;
    shang_gpt *m = shang_zalloc(1, sizeof *m, "m");
    if (!m) return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate a model");
    m->cfg = *c;
    m->n_params = shang_gpt_describe(c, m->desc);
    m->params = shang_zalloc(m->n_params, sizeof(float), "model parameters");
    if (!m->params) {
        free(m);
        return shang_err_code();
    }
    for (int i = 0; i < SHANG_N_PARAMS; i++) m->p[i] = m->params + m->desc[i].offset;
    *out = m;
    return SHANG_OK;
}

void shang_gpt_free(shang_gpt *m)
{
    if (!m) return;
    free(m->params);
    free(m);
}

int shang_gpt_init(shang_gpt *m, uint64_t seed)
{
    gsl_rng *r;
    int rc = shang_rng_new(seed, SHANG_STREAM_INIT, 0, &r);
    if (rc) return rc;
    double proj_sd = 0.02 / sqrt(2.0 * m->cfg.L);
    for (int i = 0; i < SHANG_N_PARAMS; i++) {
        float *p = m->p[i];
        size_t n = m->desc[i].size;
        switch (i) {
        case SHANG_P_LN1_W: case SHANG_P_LN2_W: case SHANG_P_LNF_W:
            for (size_t k = 0; k < n; k++) p[k] = 1.0f;
            break;
        case SHANG_P_WTE: case SHANG_P_WPE: case SHANG_P_QKV_W: case SHANG_P_FC_W:
            for (size_t k = 0; k < n; k++) p[k] = (float)gsl_ran_gaussian_ziggurat(r, 0.02);
            break;
        case SHANG_P_ATTPROJ_W: case SHANG_P_FCPROJ_W:
            for (size_t k = 0; k < n; k++) p[k] = (float)gsl_ran_gaussian_ziggurat(r, proj_sd);
            break;
        default:
            memset(p, 0, n * sizeof *p);
        }
    }
    shang_rng_free(r);
    return SHANG_OK;
}

/* ---- model files --------------------------------------------------------------- */

int shang_gpt_write(const shang_gpt *m, hid_t file)
{
    hid_t g, w;
    int rc = shang_h5_group(file, "config", &g);
    if (rc) return rc;
    const shang_gpt_config *c = &m->cfg;
    if (!(rc = shang_h5_attr_i64(g, "n_layer", c->L)) && !(rc = shang_h5_attr_i64(g, "n_embd", c->C)) &&
        !(rc = shang_h5_attr_i64(g, "n_head", c->NH)) && !(rc = shang_h5_attr_i64(g, "n_ctx", c->T)) &&
        !(rc = shang_h5_attr_i64(g, "vocab_size", c->V)) && !(rc = shang_h5_attr_i64(g, "mlp_width", 4 * (int64_t)c->C)) &&
        !(rc = shang_h5_attr_f64(g, "layer_norm_epsilon", c->eps)) &&
        !(rc = shang_h5_attr_str(g, "activation", "gelu_tanh")) &&
        !(rc = shang_h5_attr_str(g, "architecture", "GPT-2: pre-LN, tied unembedding, learned positions")))
        rc = shang_h5_attr_i64(g, "n_params", (int64_t)m->n_params);
    H5Gclose(g);
    if (rc || (rc = shang_h5_group(file, "weights", &w))) return rc;
    for (int i = 0; i < SHANG_N_PARAMS && !rc; i++)
        rc = shang_h5_write(w, m->desc[i].name, SHANG_DT_F32, m->desc[i].rank, m->desc[i].dims, m->p[i],
                            m->desc[i].dim_names, param_help[i], NULL);
    H5Gclose(w);
    return rc;
}

static int get_int(hid_t g, const char *name, int *v)
{
    int64_t x;
    int rc = shang_h5_attr_get_i64(g, name, &x);
    if (!rc && (x < INT32_MIN || x > INT32_MAX)) rc = SHANG_FAIL(SHANG_EFORMAT, "config %s = %lld", name, (long long)x);
    if (!rc) *v = (int)x;
    return rc;
}

int shang_gpt_read(hid_t file, shang_gpt **out)
{
    *out = NULL;
    if (!shang_h5_exists(file, "config")) return SHANG_FAIL(SHANG_EFORMAT, "no /config group");
    hid_t g = H5Gopen2(file, "config", H5P_DEFAULT);
    shang_gpt_config c = {0};
    double eps = 0;
    int rc;
    if ((rc = get_int(g, "n_layer", &c.L)) || (rc = get_int(g, "n_embd", &c.C)) || (rc = get_int(g, "n_head", &c.NH)) ||
        (rc = get_int(g, "n_ctx", &c.T)) || (rc = get_int(g, "vocab_size", &c.V)) ||
        (rc = shang_h5_attr_get_f64(g, "layer_norm_epsilon", &eps))) {
        H5Gclose(g);
        return rc;
    }
    H5Gclose(g);
    c.eps = (float)eps;
    shang_gpt *m;
    if ((rc = shang_gpt_new(&c, &m))) return rc;
    for (int i = 0; i < SHANG_N_PARAMS && !rc; i++) {
        char *path = shang_asprintf("weights/%s", m->desc[i].name);
        if (!path) {
            rc = shang_err_code();
            break;
        }
        hid_t d = shang_h5_exists(file, path) ? H5Dopen2(file, path, H5P_DEFAULT) : -1;
        int rank;
        size_t dims[8];
        if (d < 0) rc = SHANG_FAIL(SHANG_EFORMAT, "dataset %s is missing", path);
        else if (!(rc = shang_h5_dset_shape(d, 3, &rank, dims))) {
            int same = rank == m->desc[i].rank;
            for (int k = 0; same && k < rank; k++) same = dims[k] == m->desc[i].dims[k];
            size_t zero[3] = {0, 0, 0};
            if (!same) rc = SHANG_FAIL(SHANG_EFORMAT, "%s does not have the shape the config implies", path);
            else rc = shang_h5_dset_read_slab(d, SHANG_DT_F32, zero, m->desc[i].dims, m->p[i]);
        }
        if (d >= 0) H5Dclose(d);
        free(path);
    }
    for (size_t k = 0; !rc && k < m->n_params; k++)
        if (!isfinite(m->params[k])) rc = SHANG_FAIL(SHANG_ENUMERIC, "a weight is NaN or infinite (element %zu)", k);
    if (rc) shang_gpt_free(m);
    else *out = m;
    return rc;
}

int shang_gpt_load(const char *path, shang_gpt **m, struct shang_tokenizer **tok)
{
    *m = NULL;
    if (tok) *tok = NULL;
    hid_t f;
    int rc = shang_h5_open(path, SHANG_MODEL_FORMAT, SHANG_MODEL_VERSION, &f, NULL);
    if (rc) return rc;
    rc = shang_gpt_read(f, m);
    if (!rc && tok) rc = shang_bpe_read(f, "tokenizer", tok);
    if (!rc && tok && shang_bpe_vocab_size(*tok) != (size_t)(*m)->cfg.V)
        rc = SHANG_FAIL(SHANG_EFORMAT, "the tokenizer has %zu tokens, the model's vocab_size is %d",
                        shang_bpe_vocab_size(*tok), (*m)->cfg.V);
    H5Fclose(f);
    if (rc) {
        shang_err_prefix("%s", path);
        shang_gpt_free(*m);
        *m = NULL;
        if (tok) {
            shang_bpe_free(*tok);
            *tok = NULL;
        }
    }
    return rc;
}

/* ---- sites --------------------------------------------------------------------- */

static const char *const site_names[SHANG_N_SITES] = {"resid", "ln_f", "attn_out", "mlp_out"};

const char *shang_site_name(int site) { return site >= 0 && site < SHANG_N_SITES ? site_names[site] : "?"; }

int shang_site_parse(const char *name, int *site)
{
    for (int i = 0; i < SHANG_N_SITES; i++)
        if (!strcmp(name, site_names[i])) {
            *site = i;
            return SHANG_OK;
        }
    return SHANG_FAIL(SHANG_EINVAL, "'%s' is not a site (resid, ln_f, attn_out, mlp_out)", name);
}

/* ---- forward ------------------------------------------------------------------- */


struct shang_gpt_run {
    const shang_gpt *m;
    int B, T, nthreads;
    float *slab;
    float *x;      /* (B, T, C) residual stream */
    float *ln;     /* (B, T, C) LayerNorm output */
    float *qkv;    /* (B, T, 3C) */
    float *att;    /* (B, T, C) attention output, heads concatenated */
    float *proj;   /* (B, T, C) attention or MLP output projection */
    float *fc;     /* (B, T, F) MLP hidden */
    float *scores; /* (nthreads, SHANG_ATT_ROWS, T) */
};

int shang_gpt_run_new(const shang_gpt *m, int B, int T, shang_gpt_run **out)
{
    *out = NULL;
    if (B < 1 || T < 1 || T > m->cfg.T)
        return SHANG_FAIL(SHANG_EINVAL, "batch %d x %d outside 1.. x 1..%d", B, T, m->cfg.T);
    shang_gpt_run *r = shang_zalloc(1, sizeof *r, "r");
    if (!r) return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate a workspace");
    size_t BT = (size_t)B * (size_t)T, C = (size_t)m->cfg.C;
    r->m = m;
    r->B = B;
    r->T = T;
    r->nthreads = omp_get_max_threads();
    /* the buffers, each a view of one slab starting on a 64-byte boundary */
    const struct {
        float **view;
        size_t floats;
    } buf[] = {
        {&r->x, BT * C},    {&r->ln, BT * C}, {&r->qkv, BT * 3 * C}, {&r->att, BT * C},
        {&r->proj, BT * C}, {&r->fc, BT * 4 * C}, {&r->scores, (size_t)r->nthreads * SHANG_ATT_ROWS * (size_t)T},
    };
    const size_t n_buf = sizeof buf / sizeof *buf;
    size_t total = 0;
    for (size_t i = 0; i < n_buf; i++) total += (buf[i].floats + 15) & ~(size_t)15;
    r->slab = shang_alloc(total, sizeof(float), "activations");
    if (!r->slab) {
        free(r);
        return shang_err_code();
    }
    float *p = r->slab;
    for (size_t i = 0; i < n_buf; i++) {
        *buf[i].view = p;
        p += (buf[i].floats + 15) & ~(size_t)15;
    }
    *out = r;
    return SHANG_OK;
}

void shang_gpt_run_free(shang_gpt_run *r)
{
    if (!r) return;
    free(r->slab);
    free(r);
}

int shang_gpt_forward(shang_gpt_run *r, const int32_t *tokens, int B, int T, float *logits, unsigned site_mask,
                      shang_capture_fn fn, void *user)
{
    const shang_gpt *m = r->m;
    const shang_gpt_config *c = &m->cfg;
    if (B < 1 || B > r->B || T < 1 || T > r->T)
        return SHANG_FAIL(SHANG_EINVAL, "batch %d x %d exceeds the workspace's %d x %d", B, T, r->B, r->T);
    const size_t C = (size_t)c->C, F = 4 * C, BT = (size_t)B * (size_t)T;
    for (size_t i = 0; i < BT; i++)
        if (tokens[i] < 0 || tokens[i] >= c->V)
            return SHANG_FAIL(SHANG_EINVAL, "token id %d at position %zu is outside the vocabulary (%d)", tokens[i], i, c->V);
#define CAPTURE(site, layer, buf) \
    do { \
        if (fn && (site_mask & (1u << (site)))) { \
            int crc_ = fn(user, (site), (layer), (buf)); \
            if (crc_) return crc_; \
        } \
    } while (0)
    shang_k_encoder_forward(r->x, tokens, m->p[SHANG_P_WTE], m->p[SHANG_P_WPE], BT, T, c->C);
    CAPTURE(SHANG_SITE_RESID, 0, r->x);
    for (int l = 0; l < c->L; l++) {
        const size_t lc = (size_t)l * C;
        shang_k_layernorm_forward(r->ln, NULL, NULL, r->x, m->p[SHANG_P_LN1_W] + lc, m->p[SHANG_P_LN1_B] + lc, BT, c->C, c->eps);
        shang_k_matmul_forward(r->qkv, r->ln, m->p[SHANG_P_QKV_W] + lc * 3 * C, m->p[SHANG_P_QKV_B] + 3 * lc, BT, C, 3 * C);
        shang_k_attention_forward(r->att, NULL, r->qkv, r->scores, r->nthreads, B, T, c->C, c->NH);
        shang_k_matmul_forward(r->proj, r->att, m->p[SHANG_P_ATTPROJ_W] + lc * C, m->p[SHANG_P_ATTPROJ_B] + lc, BT, C, C);
        CAPTURE(SHANG_SITE_ATTN_OUT, l + 1, r->proj);
        shang_k_residual_forward(r->x, r->proj, BT * C);
        shang_k_layernorm_forward(r->ln, NULL, NULL, r->x, m->p[SHANG_P_LN2_W] + lc, m->p[SHANG_P_LN2_B] + lc, BT, c->C, c->eps);
        shang_k_matmul_forward(r->fc, r->ln, m->p[SHANG_P_FC_W] + lc * F, m->p[SHANG_P_FC_B] + 4 * lc, BT, C, F);
        shang_k_gelu_forward(r->fc, r->fc, BT * F);
        shang_k_matmul_forward(r->proj, r->fc, m->p[SHANG_P_FCPROJ_W] + lc * F, m->p[SHANG_P_FCPROJ_B] + lc, BT, F, C);
        CAPTURE(SHANG_SITE_MLP_OUT, l + 1, r->proj);
        shang_k_residual_forward(r->x, r->proj, BT * C);
        CAPTURE(SHANG_SITE_RESID, l + 1, r->x);
    }
    if (!shang_k_all_finite(r->x, BT * C))
        return SHANG_FAIL(SHANG_ENUMERIC, "the residual stream became NaN or infinite");
    if (logits || (fn && (site_mask & (1u << SHANG_SITE_LNF)))) {
        shang_k_layernorm_forward(r->ln, NULL, NULL, r->x, m->p[SHANG_P_LNF_W], m->p[SHANG_P_LNF_B], BT, c->C, c->eps);
        CAPTURE(SHANG_SITE_LNF, c->L, r->ln);
    }
    if (logits) {
        /* logits (BT, V) = ln_f(x) wte^T (tied unembedding) */
        shang_sgemm(false, true, BT, (size_t)c->V, C, 1.0f, r->ln, C, m->p[SHANG_P_WTE], C, 0.0f, logits, (size_t)c->V);
        if (!shang_k_all_finite(logits, BT * (size_t)c->V)) return SHANG_FAIL(SHANG_ENUMERIC, "logits became NaN or infinite");
    }
#undef CAPTURE
    return SHANG_OK;
}

double shang_gpt_flops(const shang_gpt_config *c, int B, int T, int with_logits)
{
    double Cd = c->C, L = c->L, tokens = (double)B * T;
    double linear = 24.0 * Cd * Cd * L * tokens;          /* qkv 6C^2, proj 2C^2, MLP 16C^2 */
    double attn = 2.0 * Cd * (double)T * (T + 1) * L * B; /* QK^T and PV, causal */
    return linear + attn + (with_logits ? 2.0 * Cd * c->V * tokens : 0);
}

/* ---- next-token logits and sampling ---------------------------------------------- */

struct last_row {
    const float *row; /* ln_f output of the last position */
    int T;
    int C;
    float *copy;
};

static int keep_last(void *user, int site, int layer, const float *x)
{
    (void)site;
    (void)layer;
    struct last_row *l = user;
    memcpy(l->copy, x + (size_t)(l->T - 1) * l->C, (size_t)l->C * sizeof(float));
    return SHANG_OK;
}

int shang_gpt_next_logits(shang_gpt_run *r, const int32_t *tokens, int T, float *logits)
{
    const shang_gpt_config *c = &r->m->cfg;
    float *h = shang_alloc((size_t)c->C, sizeof *h, "last hidden state");
    if (!h) return shang_err_code();
    struct last_row l = {NULL, T, c->C, h};
    int rc = shang_gpt_forward(r, tokens, 1, T, NULL, 1u << SHANG_SITE_LNF, keep_last, &l);
    /* logits (1, V) = h (1, C) wte^T */
    if (!rc) shang_sgemm(false, true, 1, (size_t)c->V, (size_t)c->C, 1.0f, h, (size_t)c->C, r->m->p[SHANG_P_WTE],
                         (size_t)c->C, 0.0f, logits, (size_t)c->V);
    free(h);
    return rc;
}

/* qsort_r comparator: token ids by logit, descending (ties: the smaller id) */
static int by_logit_desc(const void *a, const void *b, void *ctx)
{
    const float *logit = ctx;
    int32_t i = *(const int32_t *)a, j = *(const int32_t *)b;
    if (logit[i] != logit[j]) return logit[i] < logit[j] ? 1 : -1;
    return (i > j) - (i < j);
}

int shang_sample(const float *logits, int V, double temperature, int top_k, double top_p, gsl_rng *rng, int32_t *out)
{
    if (V < 1) return SHANG_FAIL(SHANG_EINVAL, "empty vocabulary");
    for (int i = 0; i < V; i++)
        if (!isfinite(logits[i])) return SHANG_FAIL(SHANG_ENUMERIC, "logit %d is NaN or infinite", i);
    int32_t *idx = shang_alloc((size_t)V, sizeof *idx, "sampling order");
    double *p = shang_alloc((size_t)V, sizeof *p, "sampling probabilities");
    if (!idx || !p) {
        free(idx);
        free(p);
        return shang_err_code();
    }
    for (int i = 0; i < V; i++) idx[i] = i;
    qsort_r(idx, (size_t)V, sizeof *idx, by_logit_desc, (void *)logits); /* no global: thread-safe */
    int n = top_k > 0 && top_k < V ? top_k : V;
    if (temperature <= 0) n = 1;
    double sum = 0;
    for (int k = 0; k < n; k++) sum += p[k] = temperature > 0 ? exp((logits[idx[k]] - logits[idx[0]]) / temperature) : 1;
    if (top_p < 1) { /* smallest prefix reaching top_p */
        double cum = 0;
        for (int k = 0; k < n; k++) {
            cum += p[k] / sum;
            if (cum >= top_p) {
                n = k + 1;
                break;
            }
        }
        sum = 0;
        for (int k = 0; k < n; k++) sum += p[k];
    }
    double u = gsl_rng_uniform(rng) * sum, cum = 0;
    int pick = n - 1;
    for (int k = 0; k < n; k++) {
        cum += p[k];
        if (u < cum) {
            pick = k;
            break;
        }
    }
    *out = idx[pick];
    free(idx);
    free(p);
    return SHANG_OK;
}

int shang_gpt_stream_loss(const shang_gpt *m, const int32_t *stream, size_t n, int T, int B, double *loss,
                          double *entropy, size_t *count)
{
    if (T < 1 || T > m->cfg.T || B < 1) return SHANG_FAIL(SHANG_EINVAL, "window %d outside [1, %d]", T, m->cfg.T);
    size_t windows = n > (size_t)T ? (n - 1) / (size_t)T : 0, V = (size_t)m->cfg.V, BT = (size_t)B * (size_t)T;
    if (windows == 0) return SHANG_FAIL(SHANG_EINVAL, "%zu tokens: not one window of %d", n, T + 1);
    shang_gpt_run *r = NULL;
    float *logits = shang_alloc(BT * V, sizeof(float), "logits"), *losses = shang_alloc(BT, sizeof(float), "losses");
    float *ent = shang_alloc(BT, sizeof(float), "entropies");
    int32_t *in = shang_alloc(BT, sizeof(int32_t), "inputs"), *tg = shang_alloc(BT, sizeof(int32_t), "targets");
    int rc = logits && losses && ent && in && tg ? shang_gpt_run_new(m, B, T, &r) : shang_err_code();
    double sl = 0, sh = 0;
    size_t cnt = 0;
    for (size_t w0 = 0; !rc && w0 < windows; w0 += (size_t)B) {
        int nb = windows - w0 < (size_t)B ? (int)(windows - w0) : B;
        for (size_t i = 0; i < (size_t)nb * (size_t)T; i++) {
            size_t wi = w0 + i / (size_t)T, t = i % (size_t)T;
            in[i] = stream[wi * (size_t)T + t];
            tg[i] = stream[wi * (size_t)T + t + 1];
        }
        rc = shang_gpt_forward(r, in, nb, T, logits, 0, NULL, NULL);
        if (rc) break;
        size_t rows = (size_t)nb * (size_t)T;
        cnt += shang_k_softmax_xent(logits, losses, ent, tg, rows, m->cfg.V);
        for (size_t i = 0; i < rows; i++) {
            sl += losses[i];
            sh += ent[i];
        }
    }
    if (!rc) {
        *loss = sl / (double)cnt;
        *entropy = sh / (double)cnt;
        if (count) *count = cnt;
    }
    shang_gpt_run_free(r);
    free(logits);
    free(losses);
    free(ent);
    free(in);
    free(tg);
    return rc;
}

#define N_MATRIX_KINDS 4

int shang_gpt_n_matrices(const shang_gpt_config *c) { return 2 + N_MATRIX_KINDS * c->L; }

const float *shang_gpt_matrix(const shang_gpt *m, int k, size_t *rows, size_t *cols, char *name, size_t name_len)
{
    static const int param[N_MATRIX_KINDS] = {SHANG_P_QKV_W, SHANG_P_ATTPROJ_W, SHANG_P_FC_W, SHANG_P_FCPROJ_W};
    static const char *const kind[N_MATRIX_KINDS] = {"qkv_w", "attproj_w", "fc_w", "fcproj_w"};
    const size_t C = (size_t)m->cfg.C, F = 4 * C;
    if (k == 0 || k == 1) {
        *rows = (size_t)(k == 0 ? m->cfg.V : m->cfg.T);
        *cols = C;
        if (name) snprintf(name, name_len, "%s", k == 0 ? "wte" : "wpe");
        return m->p[k == 0 ? SHANG_P_WTE : SHANG_P_WPE];
    }
    int l = (k - 2) / N_MATRIX_KINDS, q = (k - 2) % N_MATRIX_KINDS;
    size_t r[N_MATRIX_KINDS] = {3 * C, C, F, C}, c[N_MATRIX_KINDS] = {C, C, C, F};
    *rows = r[q];
    *cols = c[q];
    if (name) snprintf(name, name_len, "h%d.%s", l, kind[q]);
    return m->p[param[q]] + (size_t)l * r[q] * c[q];
}
