/* shang_kernels — see shang_kernels.h. Backward kernels follow llm.c's. */
#include "shang_kernels.h"

#include <math.h>
#include <string.h>

#include <omp.h>

#include "shang_blas.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define KERNEL __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define KERNEL
#endif

/* this thread's share [*a, *b) of n items, by output */
static void my_share(size_t n, size_t *a, size_t *b)
{
    size_t t = (size_t)omp_get_thread_num(), nt = (size_t)omp_get_num_threads();
    *a = n * t / nt;
    *b = n * (t + 1) / nt;
}

/* exp(x) for float, vectorisable (no calls, no branches): x = n ln2 + r with
 * Cody-Waite reduction, |r| <= ln2/2, and the degree-6 Taylor polynomial of e^r
 * (truncation error r^7/7! < 1.3e-7 relative), scaled by 2^n through the exponent
 * bits. Relative error below 2.5e-7 on [-87, 88]; inputs are clamped there
 * (NaN included: the forward pass checks the residual stream for NaN itself). */
static inline float exp_approx(float x)
{
    x = x > -87.0f ? x : -87.0f;
    x = x < 88.0f ? x : 88.0f;
    const float shift = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    float n = (x * 1.44269504088896341f + shift) - shift;
    float r = x - n * 0.693145751953125f - n * 1.42860682030941723e-6f;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    union {
        uint32_t i;
        float f;
    } scale = {.i = (uint32_t)((int32_t)n + 127) << 23}; /* n + 127 is in [1, 255] */
    return p * scale.f;
}

/* ---- encoder ------------------------------------------------------------------ */

void shang_k_encoder_forward(float *x, const int32_t *tokens, const float *wte, const float *wpe, size_t N, int T, int C)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < N; i++) {
        const float *te = wte + (size_t)tokens[i] * C, *pe = wpe + (i % (size_t)T) * C;
        float *o = x + i * (size_t)C;
        for (int k = 0; k < C; k++) o[k] = te[k] + pe[k];
    }
}

/* forward: x[i] = wte[tokens[i]] + wpe[i % T]. Rows sharing a token add into one
 * row of dwte, so threads split the channels, and each sums rows in order. */
void shang_k_encoder_backward(float *dwte, float *dwpe, const float *dx, const int32_t *tokens, size_t N, int T, int C)
{
#pragma omp parallel
    {
        size_t a, z;
        my_share((size_t)C, &a, &z);
        for (size_t i = 0; i < N; i++) {
            const float *d = dx + i * (size_t)C;
            float *te = dwte + (size_t)tokens[i] * C, *pe = dwpe + (i % (size_t)T) * C;
            for (size_t k = a; k < z; k++) {
                te[k] += d[k];
                pe[k] += d[k];
            }
        }
    }
}

/* ---- layer norm ---------------------------------------------------------------- */

KERNEL static void layernorm_rows(float *out, float *mean, float *rstd, const float *in, const float *w, const float *b,
                                  size_t N, int C, float eps)
{
    for (size_t i = 0; i < N; i++) {
        const float *x = in + i * (size_t)C;
        float *o = out + i * (size_t)C;
        double mu = 0, var = 0;
        for (int c = 0; c < C; c++) mu += x[c];
        mu /= C;
        for (int c = 0; c < C; c++) var += (x[c] - mu) * (x[c] - mu);
        var /= C;
        float m = (float)mu, rs = (float)(1.0 / sqrt(var + eps));
        for (int c = 0; c < C; c++) o[c] = (x[c] - m) * rs * w[c] + b[c];
        if (mean) mean[i] = m;
        if (rstd) rstd[i] = rs;
    }
}

void shang_k_layernorm_forward(float *out, float *mean, float *rstd, const float *in, const float *w, const float *b,
                               size_t N, int C, float eps)
{
#pragma omp parallel
    {
        size_t a, z;
        my_share(N, &a, &z);
        layernorm_rows(out + a * (size_t)C, mean ? mean + a : NULL, rstd ? rstd + a : NULL, in + a * (size_t)C, w, b,
                       z - a, C, eps);
    }
}

/* forward: out = (in - mean) * rstd * w + b, norm = (in - mean) * rstd.
 * din += rstd * (dnorm - mean(dnorm) - norm * mean(dnorm * norm)), dnorm = dout * w;
 * dw += sum_rows dout * norm; db += sum_rows dout (threads split the channels). */
void shang_k_layernorm_backward(float *din, float *dw, float *db, const float *dout, const float *in, const float *w,
                                const float *mean, const float *rstd, size_t N, int C)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < N; i++) {
        const float *x = in + i * (size_t)C, *d = dout + i * (size_t)C;
        float *dx = din + i * (size_t)C;
        float m = mean[i], rs = rstd[i];
        double s1 = 0, s2 = 0;
        for (int c = 0; c < C; c++) {
            float dn = d[c] * w[c];
            s1 += dn;
            s2 += dn * (x[c] - m) * rs;
        }
        float a = (float)(s1 / C), bb = (float)(s2 / C);
        for (int c = 0; c < C; c++) {
            float norm = (x[c] - m) * rs;
            dx[c] += rs * (d[c] * w[c] - a - norm * bb);
        }
    }
#pragma omp parallel
    {
        size_t a, z;
        my_share((size_t)C, &a, &z);
        for (size_t i = 0; i < N; i++) {
            const float *x = in + i * (size_t)C, *d = dout + i * (size_t)C;
            for (size_t c = a; c < z; c++) {
                dw[c] += d[c] * (x[c] - mean[i]) * rstd[i];
                db[c] += d[c];
            }
        }
    }
}

/* ---- linear layers -------------------------------------------------------------- */

void shang_k_matmul_forward(float *out, const float *in, const float *W, const float *bias, size_t N, size_t IC, size_t OC)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < N; i++) memcpy(out + i * OC, bias, OC * sizeof *out);
    shang_sgemm(false, true, N, OC, IC, 1.0f, in, IC, W, IC, 1.0f, out, OC);
}

/* forward: out (N, OC) = in (N, IC) W^T + bias.
 * din (N, IC) += dout W; dW (OC, IC) += dout^T in; dbias (OC) += sum_rows dout. */
void shang_k_matmul_backward(float *din, float *dW, float *dbias, const float *dout, const float *in, const float *W,
                             size_t N, size_t IC, size_t OC)
{
    if (din) shang_sgemm(false, false, N, IC, OC, 1.0f, dout, OC, W, IC, 1.0f, din, IC);
    shang_sgemm(true, false, OC, IC, N, 1.0f, dout, OC, in, IC, 1.0f, dW, IC);
#pragma omp parallel
    {
        size_t a, z;
        my_share(OC, &a, &z);
        for (size_t i = 0; i < N; i++)
            for (size_t o = a; o < z; o++) dbias[o] += dout[i * OC + o];
    }
}

/* ---- GELU ---------------------------------------------------------------------- */

#define GELU_S 0.7978845608028654f /* sqrt(2/pi) */

/* 0.5 v (1 + tanh(u)) = v sigma(2u), u = sqrt(2/pi) (v + 0.044715 v^3) */
KERNEL static void gelu_range(float *out, const float *in, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = in[i];
        out[i] = v / (1.0f + exp_approx(-2.0f * GELU_S * (v + 0.044715f * v * v * v)));
    }
}

void shang_k_gelu_forward(float *out, const float *in, size_t n)
{
#pragma omp parallel
    {
        size_t a, z;
        my_share(n, &a, &z);
        gelu_range(out + a, in + a, z - a);
    }
}

/* forward: out = v s, s = sigma(2u). d/dv = s + v * 2 s (1 - s) du/dv,
 * du/dv = sqrt(2/pi) (1 + 3 * 0.044715 v^2). */
KERNEL static void gelu_back_range(float *din, const float *in, const float *dout, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float v = in[i];
        float s = 1.0f / (1.0f + exp_approx(-2.0f * GELU_S * (v + 0.044715f * v * v * v)));
        float du = GELU_S * (1.0f + 3.0f * 0.044715f * v * v);
        din[i] += dout[i] * (s + v * 2.0f * s * (1.0f - s) * du);
    }
}

void shang_k_gelu_backward(float *din, const float *in, const float *dout, size_t n)
{
#pragma omp parallel
    {
        size_t a, z;
        my_share(n, &a, &z);
        gelu_back_range(din + a, in + a, dout + a, z - a);
    }
}

KERNEL static void add_range(float *x, const float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] += y[i];
}

void shang_k_residual_forward(float *x, const float *y, size_t n)
{
#pragma omp parallel
    {
        size_t a, z;
        my_share(n, &a, &z);
        add_range(x + a, y + a, z - a);
    }
}

/* ---- attention ------------------------------------------------------------------ */

/* softmax over keys 0..last, zeros after (to width) */
KERNEL static void softmax_causal_row(float *row, int last, int width)
{
    float mx = row[0];
    for (int j = 1; j <= last; j++) mx = row[j] > mx ? row[j] : mx;
    for (int j = 0; j <= last; j++) row[j] = exp_approx(row[j] - mx);
    float sum = 0;
    for (int j = 0; j <= last; j++) sum += row[j];
    float inv = 1.0f / sum;
    for (int j = 0; j <= last; j++) row[j] *= inv;
    for (int j = last + 1; j < width; j++) row[j] = 0.0f;
}

/* Each (b, h) is one task with single-threaded sgemm (OpenMP OpenBLAS runs
 * single-threaded inside a parallel region). Row blocks of SHANG_ATT_ROWS queries
 * see keys 0..end of the block: S = Q K^T / sqrt(HS), causal row softmax, O = S V. */
void shang_k_attention_forward(float *out, float *probs, const float *qkv, float *scratch, int nthreads, int B, int T,
                               int C, int NH)
{
    const int HS = C / NH;
    const size_t C3 = 3 * (size_t)C, TT = (size_t)T * T;
    const float scale = 1.0f / sqrtf((float)HS);
#pragma omp parallel for collapse(2) schedule(static) num_threads(nthreads)
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const float *Q = qkv + (size_t)b * T * C3 + (size_t)h * HS;
            const float *K = Q + C, *Vv = Q + 2 * C;
            float *O = out + (size_t)b * T * C + (size_t)h * HS;
            float *P = probs ? probs + ((size_t)b * NH + h) * TT : NULL;
            for (int r0 = 0; r0 < T; r0 += SHANG_ATT_ROWS) {
                int r1 = r0 + SHANG_ATT_ROWS < T ? r0 + SHANG_ATT_ROWS : T, rows = r1 - r0;
                float *S = P ? P + (size_t)r0 * T : scratch + (size_t)omp_get_thread_num() * SHANG_ATT_ROWS * (size_t)T;
                size_t ld = P ? (size_t)T : (size_t)r1;
                shang_sgemm(false, true, (size_t)rows, (size_t)r1, (size_t)HS, scale, Q + (size_t)r0 * C3, C3, K, C3,
                            0.0f, S, ld);
                for (int i = 0; i < rows; i++) softmax_causal_row(S + (size_t)i * ld, r0 + i, P ? T : r1);
                shang_sgemm(false, false, (size_t)rows, (size_t)HS, (size_t)r1, 1.0f, S, ld, Vv, C3, 0.0f,
                            O + (size_t)r0 * C, (size_t)C);
            }
        }
}

/* dS = P * (dP - rowsum(P * dP)), the softmax's backward (row of width n) */
KERNEL static void softmax_back_row(float *dS, const float *P, int n)
{
    double dot = 0;
    for (int j = 0; j < n; j++) dot += (double)P[j] * dS[j];
    float d = (float)dot;
    for (int j = 0; j < n; j++) dS[j] = P[j] * (dS[j] - d);
}

/* forward: S = Q K^T / sqrt(HS) (causal), P = softmax(S), O = P V, per (b, h).
 * dV = P^T dO; dP = dO V^T; dS = softmax'(P, dP); dQ = dS K / sqrt(HS);
 * dK = dS^T Q / sqrt(HS). dqkv is overwritten (each (b, h) owns its columns). */
void shang_k_attention_backward(float *dqkv, float *scratch, int nthreads, const float *dout, const float *probs,
                                const float *qkv, int B, int T, int C, int NH)
{
    const int HS = C / NH;
    const size_t C3 = 3 * (size_t)C, TT = (size_t)T * T;
    const float scale = 1.0f / sqrtf((float)HS);
#pragma omp parallel for collapse(2) schedule(static) num_threads(nthreads)
    for (int b = 0; b < B; b++)
        for (int h = 0; h < NH; h++) {
            const float *Q = qkv + (size_t)b * T * C3 + (size_t)h * HS, *K = Q + C, *Vv = Q + 2 * C;
            float *dQ = dqkv + (size_t)b * T * C3 + (size_t)h * HS, *dK = dQ + C, *dV = dQ + 2 * C;
            const float *dO = dout + (size_t)b * T * C + (size_t)h * HS;
            const float *P = probs + ((size_t)b * NH + h) * TT;
            float *dS = scratch + (size_t)omp_get_thread_num() * TT;
            shang_sgemm(true, false, (size_t)T, (size_t)HS, (size_t)T, 1.0f, P, (size_t)T, dO, (size_t)C, 0.0f, dV, C3);
            shang_sgemm(false, true, (size_t)T, (size_t)T, (size_t)HS, 1.0f, dO, (size_t)C, Vv, C3, 0.0f, dS, (size_t)T);
            for (int i = 0; i < T; i++) {
                softmax_back_row(dS + (size_t)i * T, P + (size_t)i * T, i + 1);
                for (int j = i + 1; j < T; j++) dS[(size_t)i * T + j] = 0.0f;
            }
            shang_sgemm(false, false, (size_t)T, (size_t)HS, (size_t)T, scale, dS, (size_t)T, K, C3, 0.0f, dQ, C3);
            shang_sgemm(true, false, (size_t)T, (size_t)HS, (size_t)T, scale, dS, (size_t)T, Q, C3, 0.0f, dK, C3);
        }
}

/* ---- softmax and cross-entropy -------------------------------------------------- */

size_t shang_k_softmax_xent(float *logits, float *losses, float *entropy, const int32_t *targets, size_t N, int V)
{
    size_t counted = 0;
#pragma omp parallel for schedule(static) reduction(+ : counted)
    for (size_t i = 0; i < N; i++) {
        float *p = logits + i * (size_t)V;
        float target_logit = targets[i] >= 0 ? p[targets[i]] : 0.0f; /* before p is overwritten */
        float mx = p[0];
        for (int v = 1; v < V; v++) mx = p[v] > mx ? p[v] : mx;
        double sum = 0;
        for (int v = 0; v < V; v++) sum += exp((double)p[v] - mx);
        double logz = mx + log(sum), h = 0;
        for (int v = 0; v < V; v++) {
            double lp = (double)p[v] - logz;
            p[v] = (float)exp(lp);
            h -= p[v] > 0 ? p[v] * lp : 0;
        }
        if (entropy) entropy[i] = (float)h;
        losses[i] = targets[i] >= 0 ? (float)(logz - target_logit) : 0.0f;
        counted += targets[i] >= 0;
    }
    return counted;
}

/* forward: loss = -log p[target], p = softmax(logits). dlogits = (p - onehot) * scale */
void shang_k_xent_backward(float *probs, const int32_t *targets, float scale, size_t N, int V)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < N; i++) {
        float *p = probs + i * (size_t)V;
        if (targets[i] < 0) {
            memset(p, 0, (size_t)V * sizeof *p);
            continue;
        }
        for (int v = 0; v < V; v++) p[v] *= scale;
        p[targets[i]] -= scale;
    }
}

int shang_k_all_finite(const float *x, size_t n)
{
    int ok = 1;
#pragma omp parallel for reduction(&& : ok) schedule(static)
    for (size_t i = 0; i < n; i++) ok = ok && isfinite(x[i]);
    return ok;
}

/* n >= 64: 64 lanes, each summing every 64th term (four independent vector
 * chains at AVX-512, so the adds' latency overlaps), then 16-term blocks into
 * the first 16 lanes; n < 64: 16 lanes only. The last few terms go into the
 * first lanes, and the lanes are summed pairwise. The order depends on n only,
 * not on the vector width the compiler picked, and so do the bits. */
KERNEL float shang_k_sqdist(const float *a, const float *b, size_t n)
{
    float acc[64] = {0};
    size_t d = 0;
    int lanes = n >= 64 ? 64 : 16;
    for (; d + 64 <= n; d += 64)
        for (int l = 0; l < 64; l++) {
            float t = a[d + l] - b[d + l];
            acc[l] += t * t;
        }
    for (; d + 16 <= n; d += 16)
        for (int l = 0; l < 16; l++) {
            float t = a[d + l] - b[d + l];
            acc[l] += t * t;
        }
    for (int l = 0; d < n; d++, l++) {
        float t = a[d] - b[d];
        acc[l] += t * t;
    }
    for (int w = lanes / 2; w >= 1; w /= 2)
        for (int l = 0; l < w; l++) acc[l] += acc[l + w];
    return acc[0];
}

/* exp(x) for x <= 0 (below -87: exp(-87), which no sum of V < 2^20 terms feels):
 * x = n ln 2 + r, |r| <= ln 2 / 2, exp r by Cephes' degree-7 polynomial, 2^n by
 * the exponent bits; branch-free, so loops of it vectorise */
static inline float exp_le0(float x)
{
    x = x < -87.0f ? -87.0f : x;
    float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f; /* round to nearest */
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    union {
        int32_t i;
        float f;
    } s = {.i = ((int32_t)n + 127) << 23};
    return p * s.f;
}

#define LG_LANES 16
#define LG_BLOCK 256 /* float partial sums over 16 terms per lane, then double */

/* #{j in [a, b) : z_j > t} and, for eq, #{... : z_j == t}, in lanes */
static inline int32_t count_cmp(const float *z, int32_t a, int32_t b, float t, int eq)
{
    int32_t cnt[LG_LANES] = {0}, j = a;
    for (; j + LG_LANES <= b; j += LG_LANES)
        for (int l = 0; l < LG_LANES; l++) cnt[l] += eq ? z[j + l] == t : z[j + l] > t;
    for (; j < b; j++) cnt[0] += eq ? z[j] == t : z[j] > t;
    int32_t c = 0;
    for (int l = 0; l < LG_LANES; l++) c += cnt[l];
    return c;
}

KERNEL double shang_k_logit_stats(const float *z, int V, int32_t f, const float *zf, const float *pf, double *ent,
                                  int32_t *top1, int32_t *above, double *dot)
{
    const int32_t nv = V / LG_LANES * LG_LANES;
    float m[LG_LANES];
    for (int l = 0; l < LG_LANES; l++) m[l] = z[0];
    for (int32_t j = 0; j < nv; j += LG_LANES)
        for (int l = 0; l < LG_LANES; l++) m[l] = z[j + l] > m[l] ? z[j + l] : m[l];
    for (int32_t j = nv; j < V; j++) m[0] = z[j] > m[0] ? z[j] : m[0];
    float mx = m[0];
    for (int l = 1; l < LG_LANES; l++) mx = m[l] > mx ? m[l] : mx;
    int32_t arg = 0;
    while (z[arg] != mx) arg++;
    double s[LG_LANES] = {0}, sz[LG_LANES] = {0}, dt[LG_LANES] = {0};
    for (int32_t j0 = 0; j0 < nv; j0 += LG_BLOCK) {
        const int32_t j1 = j0 + LG_BLOCK < nv ? j0 + LG_BLOCK : nv;
        float sf[LG_LANES] = {0}, szf[LG_LANES] = {0}, df[LG_LANES] = {0};
        for (int32_t j = j0; j < j1; j += LG_LANES)
            for (int l = 0; l < LG_LANES; l++) {
                float d = z[j + l] - mx, e = exp_le0(d);
                sf[l] += e;
                szf[l] += e * d;
            }
        if (pf)
            for (int32_t j = j0; j < j1; j += LG_LANES)
                for (int l = 0; l < LG_LANES; l++) df[l] += pf[j + l] * (zf[j + l] - z[j + l]);
        for (int l = 0; l < LG_LANES; l++) {
            s[l] += sf[l];
            sz[l] += szf[l];
            dt[l] += df[l];
        }
    }
    for (int32_t j = nv; j < V; j++) {
        float d = z[j] - mx, e = exp_le0(d);
        s[0] += e;
        sz[0] += (double)e * d;
        if (pf) dt[0] += (double)pf[j] * ((double)zf[j] - z[j]);
    }
    for (int w = LG_LANES / 2; w >= 1; w /= 2)
        for (int l = 0; l < w; l++) {
            s[l] += s[l + w];
            sz[l] += sz[l + w];
            dt[l] += dt[l + w];
        }
    const double lns = log(s[0]);
    *ent = lns - sz[0] / s[0];
    *top1 = arg;
    if (f >= 0) *above = count_cmp(z, 0, V, z[f], 0) + count_cmp(z, 0, f, z[f], 1);
    if (pf) *dot = dt[0];
    return mx + lns;
}
