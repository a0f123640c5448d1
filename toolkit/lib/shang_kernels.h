/* shang_kernels — the Transformer's compute kernels, forward and backward, shared
 * by inference (shang_gpt) and training (shang_train). Linear maps are OpenBLAS
 * sgemm; element-wise and per-row kernels are OpenMP loops compiled for AVX-512,
 * AVX2 and a baseline (chosen at run time, same bits). Every loop is partitioned
 * by output and no sum is reordered, so results do not depend on the thread count.
 * Each backward kernel quotes the forward line it differentiates. Shapes: B batch,
 * T time, C width, NH heads, HS = C/NH, N = B*T rows, OC/IC output/input width.
 * Gradients named d<x> accumulate (+=) unless said otherwise.
 */
#ifndef SHANG_KERNELS_H
#define SHANG_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/* query rows per block of causal attention (bounds the wasted upper triangle) */
#define SHANG_ATT_ROWS 64

/* x (N, C) = wte[tokens] + wpe[t], t = row % T */
void shang_k_encoder_forward(float *x, const int32_t *tokens, const float *wte, const float *wpe, size_t N, int T, int C);
/* dwte, dwpe += from dx (N, C) */
void shang_k_encoder_backward(float *dwte, float *dwpe, const float *dx, const int32_t *tokens, size_t N, int T, int C);

/* out (N, C) = (in - mean) * rstd * w + b per row; mean, rstd (N) stored if not NULL */
void shang_k_layernorm_forward(float *out, float *mean, float *rstd, const float *in, const float *w, const float *b,
                               size_t N, int C, float eps);
void shang_k_layernorm_backward(float *din, float *dw, float *db, const float *dout, const float *in, const float *w,
                                const float *mean, const float *rstd, size_t N, int C);

/* out (N, OC) = in (N, IC) W^T + bias, W (OC, IC) */
void shang_k_matmul_forward(float *out, const float *in, const float *W, const float *bias, size_t N, size_t IC, size_t OC);
void shang_k_matmul_backward(float *din, float *dW, float *dbias, const float *dout, const float *in, const float *W,
                             size_t N, size_t IC, size_t OC);

/* out (n) = GELU(in) (tanh form); in place allowed */
void shang_k_gelu_forward(float *out, const float *in, size_t n);
void shang_k_gelu_backward(float *din, const float *in, const float *dout, size_t n);

/* x += y */
void shang_k_residual_forward(float *x, const float *y, size_t n);

/* Causal self-attention: qkv (B, T, 3C) -> out (B, T, C). If probs (B, NH, T, T)
 * is not NULL the softmax rows are kept there (zeros above the diagonal); else
 * scratch (nthreads, SHANG_ATT_ROWS, T) is used. Runs on at most nthreads threads. */
void shang_k_attention_forward(float *out, float *probs, const float *qkv, float *scratch, int nthreads, int B, int T,
                               int C, int NH);
/* dqkv (B, T, 3C) = (overwritten) from dout (B, T, C), probs, qkv;
 * scratch (nthreads, T, T) */
void shang_k_attention_backward(float *dqkv, float *scratch, int nthreads, const float *dout, const float *probs,
                                const float *qkv, int B, int T, int C, int NH);

/* Softmax and cross-entropy over logits (N, V) in place: logits become
 * probabilities; losses (N) = -log p[target]; entropy (N) = H(p) if not NULL.
 * Targets < 0 are ignored (loss 0). Returns the number of counted rows. */
size_t shang_k_softmax_xent(float *logits, float *losses, float *entropy, const int32_t *targets, size_t N, int V);
/* probs (N, V) -> dlogits in place: (p - onehot(target)) * scale; rows with
 * target < 0 become zero */
void shang_k_xent_backward(float *probs, const int32_t *targets, float scale, size_t N, int V);

/* 1 if every value is finite */
int shang_k_all_finite(const float *x, size_t n);
/* sum of (a[d] - b[d])^2 over n terms in float, in a fixed order (64 lanes) */
float shang_k_sqdist(const float *a, const float *b, size_t n);

/* The softmax q of one row of logits z (V), summarised; returns ln sum_j exp z_j.
 * *ent = H(q) (nats); *top1 = argmax z (ties: the smaller id); *above (if f >= 0)
 * = #{j : z_j > z_f, or z_j == z_f and j < f}, the rank of token f under q; *dot
 * (if pf) = sum_j pf_j (zf_j - z_j) for another row's logits zf and
 * probabilities pf. Exponentials by a polynomial good to 2 ulp; sums over 16
 * lanes, in float for 16 terms per lane, then in double, in a fixed order: the
 * same result on any instruction set. */
double shang_k_logit_stats(const float *z, int V, int32_t f, const float *zf, const float *pf, double *ent,
                           int32_t *top1, int32_t *above, double *dot);

#endif
