/* shang_gpt — the GPT-2 architecture: configuration, parameters in one slab
 * carved by one descriptor table, random initialisation, model files, and the
 * batched forward pass with a capture hook.
 *
 * Exactly GPT-2 (so GPT-2 checkpoints import unchanged): token and learned
 * position embeddings; L pre-LayerNorm blocks (LN -> causal multi-head attention
 * -> residual; LN -> MLP 4x with tanh-GELU -> residual); final LN; unembedding tied
 * to the token embedding. Linear weights are stored (out, in); every matmul is an
 * OpenBLAS sgemm, the rest runs under OpenMP. The forward pass keeps one layer's
 * activations at a time (inference); the hook sees each named site as it is made
 * and may copy what it wants, so memory is bounded by the batch, not the corpus.
 * Results do not depend on the thread count: sgemm splits by output blocks and
 * every other loop is partitioned by output.
 * Training (backward pass, optimizer) is not here.
 */
#ifndef SHANG_GPT_H
#define SHANG_GPT_H

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include <gsl/gsl_rng.h>

#include "shang_err.h"

#define SHANG_MODEL_FORMAT "shang.model"
#define SHANG_MODEL_VERSION 1

typedef struct shang_gpt_config {
    int L;     /* layers */
    int C;     /* width (embedding size) */
    int NH;    /* attention heads; C % NH == 0, HS = C / NH */
    int T;     /* context length: positions the model knows */
    int V;     /* vocabulary size */
    float eps; /* layer-norm epsilon (GPT-2: 1e-5) */
} shang_gpt_config;

/* The parameter tensors, in slab order. Per-layer tensors carry a leading L. */
enum shang_param {
    SHANG_P_WTE,      /* (V, C) token embedding = unembedding */
    SHANG_P_WPE,      /* (T, C) position embedding */
    SHANG_P_LN1_W,    /* (L, C) */
    SHANG_P_LN1_B,    /* (L, C) */
    SHANG_P_QKV_W,    /* (L, 3C, C) */
    SHANG_P_QKV_B,    /* (L, 3C) */
    SHANG_P_ATTPROJ_W, /* (L, C, C) */
    SHANG_P_ATTPROJ_B, /* (L, C) */
    SHANG_P_LN2_W,    /* (L, C) */
    SHANG_P_LN2_B,    /* (L, C) */
    SHANG_P_FC_W,     /* (L, 4C, C) */
    SHANG_P_FC_B,     /* (L, 4C) */
    SHANG_P_FCPROJ_W, /* (L, C, 4C) */
    SHANG_P_FCPROJ_B, /* (L, C) */
    SHANG_P_LNF_W,    /* (C) */
    SHANG_P_LNF_B,    /* (C) */
    SHANG_N_PARAMS
};

/* One row of the descriptor table: drives allocation, file names, checkpoint
 * names, gradient-check coverage and test labels. */
typedef struct shang_tensor_desc {
    const char *name;     /* "qkv_w": the dataset name under /weights */
    int rank;
    size_t dims[3];
    const char *dim_names[3]; /* "L", "3C", "C" */
    size_t offset, size;  /* in floats, within the slab */
} shang_tensor_desc;

typedef struct shang_gpt {
    shang_gpt_config cfg;
    shang_tensor_desc desc[SHANG_N_PARAMS];
    float *params;                 /* the slab, n_params floats */
    size_t n_params;
    float *p[SHANG_N_PARAMS];      /* views into the slab */
} shang_gpt;

/* Checks a configuration; SHANG_EINVAL with a message naming the bad field. */
int shang_gpt_config_check(const shang_gpt_config *c) SHANG_MUST_CHECK;
/* Fills a descriptor table for `c` (offsets from 0); returns the slab size. */
size_t shang_gpt_describe(const shang_gpt_config *c, shang_tensor_desc desc[SHANG_N_PARAMS]);
/* A model with zeroed parameters. */
int shang_gpt_new(const shang_gpt_config *c, shang_gpt **out) SHANG_MUST_CHECK;
void shang_gpt_free(shang_gpt *m);
/* GPT-2's initialisation: N(0, 0.02) weights, residual projections N(0,
 * 0.02/sqrt(2L)), zero biases, unit LN gains; from stream SHANG_STREAM_INIT. */
int shang_gpt_init(shang_gpt *m, uint64_t seed) SHANG_MUST_CHECK;

/* Model files: /config attributes and /weights/<name> (FORMATS.md). */
int shang_gpt_write(const shang_gpt *m, hid_t file) SHANG_MUST_CHECK;
int shang_gpt_read(hid_t file, shang_gpt **out) SHANG_MUST_CHECK;
/* The weight matrices whose spectra are studied: 0 wte (V, C), 1 wpe (T, C), then
 * per layer l qkv_w (3C, C), attproj_w (C, C), fc_w (4C, C), fcproj_w (C, 4C),
 * named "wte", "wpe", "h<l>.qkv_w", ... */
int shang_gpt_n_matrices(const shang_gpt_config *c);
const float *shang_gpt_matrix(const shang_gpt *m, int k, size_t *rows, size_t *cols, char *name, size_t name_len);

/* Opens a shang.model file: the model and (if tok != NULL) its tokenizer. */
struct shang_tokenizer;
int shang_gpt_load(const char *path, shang_gpt **m, struct shang_tokenizer **tok) SHANG_MUST_CHECK;

/* Named hidden-state sites (DESIGN.md). `layer` numbering: resid 0 = embeddings,
 * l = after block l (0..L); attn_out / mlp_out l = block l's attention / MLP
 * output before the residual add (1..L); ln_f = the final LayerNorm's output
 * (layer L). */
enum shang_site { SHANG_SITE_RESID = 0, SHANG_SITE_LNF, SHANG_SITE_ATTN_OUT, SHANG_SITE_MLP_OUT, SHANG_N_SITES };
const char *shang_site_name(int site);
int shang_site_parse(const char *name, int *site) SHANG_MUST_CHECK;

/* Receives x (B, T, C) of `site` at `layer`; a non-zero return stops the pass. */
typedef int (*shang_capture_fn)(void *user, int site, int layer, const float *x);

typedef struct shang_gpt_run shang_gpt_run;
/* A workspace for batches of up to B sequences of up to T tokens (T <= cfg.T). */
int shang_gpt_run_new(const shang_gpt *m, int B, int T, shang_gpt_run **out) SHANG_MUST_CHECK;
void shang_gpt_run_free(shang_gpt_run *r);
/* Forward pass of tokens (B, T) (ids < V; B, T within the workspace's). Calls
 * `fn` for every site in `site_mask` (bit 1 << site); writes logits (B, T, V) if
 * `logits` is not NULL. SHANG_ENUMERIC if a NaN/Inf appears. */
int shang_gpt_forward(shang_gpt_run *r, const int32_t *tokens, int B, int T, float *logits,
                      unsigned site_mask, shang_capture_fn fn, void *user) SHANG_MUST_CHECK;

/* FLOPs of one forward pass over B x T tokens (matmuls and attention; with logits). */
double shang_gpt_flops(const shang_gpt_config *c, int B, int T, int with_logits);

/* Logits (V) of the token after tokens[0, T) (one sequence, T <= the workspace's). */
int shang_gpt_next_logits(shang_gpt_run *r, const int32_t *tokens, int T, float *logits) SHANG_MUST_CHECK;

/* Draws a token from softmax(logits / temperature) restricted to the top_k most
 * likely (0 = all) and to the smallest set whose probability reaches top_p (1 =
 * all); temperature 0 takes the most likely token. Ties go to the smaller id.
 * Deterministic for a given generator state. */
int shang_sample(const float *logits, int V, double temperature, int top_k, double top_p, gsl_rng *rng,
                 int32_t *out) SHANG_MUST_CHECK;

/* Mean cross-entropy and predictive entropy (nats) of a token stream under the
 * model: consecutive windows of T + 1 tokens (T <= the context), each token but a
 * window's first predicted once; B windows per pass. *count = tokens scored. */
int shang_gpt_stream_loss(const shang_gpt *m, const int32_t *stream, size_t n, int T, int B, double *loss,
                          double *entropy, size_t *count) SHANG_MUST_CHECK;

#endif
