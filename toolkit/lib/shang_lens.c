/* shang_lens — see shang_lens.h. */
#include "shang_lens.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shang_blas.h"
#include "shang_cli.h"
#include "shang_extract.h"
#include "shang_kernels.h"
#include "shang_mem.h"
#include "shang_rng.h"
#include "shang_text.h"

/* ---- one forward pass read out at every layer ------------------------------------- */

struct shang_lens {
    const shang_gpt *m;
    shang_gpt_run *run;
    int B, T, L1;
    size_t R;            /* rows per read-out chunk */
    float *h;            /* (L1, B*T, C) the selected rows of every layer */
    float *ln;           /* (R, C) LN_f of a chunk */
    float *z;            /* (R, V) a layer's logits */
    float *zf, *pf;      /* (R, V) the final layer's logits and probabilities */
    double *lsef;        /* (R) the final log-partition */
    double *sumpf;       /* (R) sum of pf as stored (float rounding) */
    int32_t *f1;         /* (R) the final top-1 */
    /* the pass in progress */
    const int32_t *rows;
    size_t n;
};

int shang_lens_new(const shang_gpt *m, int B, int T, shang_lens **out)
{
    *out = NULL;
    shang_lens *x = shang_zalloc(1, sizeof *x, "x");
    if (!x) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    const size_t C = (size_t)m->cfg.C, V = (size_t)m->cfg.V, BT = (size_t)B * (size_t)T;
    x->m = m;
    x->B = B;
    x->T = T;
    x->L1 = m->cfg.L + 1;
    x->R = (size_t)(1 << 22) / V; /* 16 MB of logits per buffer */
    if (x->R < 16) x->R = 16;
    if (x->R > BT) x->R = BT;
    int rc = shang_gpt_run_new(m, B, T, &x->run);
    if (!rc) {
        x->h = shang_alloc((size_t)x->L1 * BT, C * sizeof(float), "lens states");
        x->ln = shang_alloc(x->R, C * sizeof(float), "lens LayerNorm");
        x->z = shang_alloc(x->R, V * sizeof(float), "lens logits");
        x->zf = shang_alloc(x->R, V * sizeof(float), "final logits");
        x->pf = shang_alloc(x->R, V * sizeof(float), "final probabilities");
        x->lsef = shang_alloc(x->R, sizeof(double), "final log-partition");
        x->sumpf = shang_alloc(x->R, sizeof(double), "final sums");
        x->f1 = shang_alloc(x->R, sizeof(int32_t), "final top-1");
        if (!x->h || !x->ln || !x->z || !x->zf || !x->pf || !x->lsef || !x->sumpf || !x->f1) rc = shang_err_code();
    }
    if (rc) {
        shang_lens_free(x);
        return rc;
    }
    *out = x;
    return SHANG_OK;
}

void shang_lens_free(shang_lens *x)
{
    if (!x) return;
    shang_gpt_run_free(x->run);
    free(x->h);
    free(x->ln);
    free(x->z);
    free(x->zf);
    free(x->pf);
    free(x->lsef);
    free(x->sumpf);
    free(x->f1);
    free(x);
}

/* keeps the selected rows of the residual stream at `layer` */
static int keep_rows(void *user, int site, int layer, const float *act)
{
    (void)site;
    shang_lens *x = user;
    const size_t C = (size_t)x->m->cfg.C;
    float *dst = x->h + (size_t)layer * x->n * C; /* (n, C) */
    for (size_t i = 0; i < x->n; i++) memcpy(dst + i * C, act + (size_t)x->rows[i] * C, C * sizeof *dst);
    return SHANG_OK;
}

/* logits (nr, V) = LN_f(h rows) W_U^T */
static void read_out(shang_lens *x, const float *h, size_t nr, float *z)
{
    const shang_gpt_config *c = &x->m->cfg;
    const size_t C = (size_t)c->C, V = (size_t)c->V;
    shang_k_layernorm_forward(x->ln, NULL, NULL, h, x->m->p[SHANG_P_LNF_W], x->m->p[SHANG_P_LNF_B], nr, c->C, c->eps);
    shang_sgemm(false, true, nr, V, C, 1.0f, x->ln, C, x->m->p[SHANG_P_WTE], C, 0.0f, z, V);
    /* a NaN or infinite logit makes its row's log-partition NaN: checked there */
}

/* One layer's row z (V): entropy, cross-entropy against y, top-1 and, against
 * the final row (zf, pf with sum spf, log-partition lsef, top-1 f1; pf NULL for
 * the final row itself), KL(p || q) and the rank of f1. Returns the row's
 * log-partition. */
static double row_stats(const float *z, int V, int32_t y, const float *zf, const float *pf, double spf, double lsef,
                        int32_t f1, float *ent, float *kl, float *ce, int32_t *rank, int32_t *top1)
{
    double h, dot = 0;
    int32_t above = 0;
    const double lse = shang_k_logit_stats(z, V, pf ? f1 : -1, zf, pf, &h, top1, &above, &dot);
    if (!isfinite(lse)) return NAN;
    *ent = (float)h;
    *ce = y >= 0 ? (float)(lse - z[y]) : NAN;
    *kl = 0;
    *rank = 0;
    if (pf) { /* KL = sum p (ln p - ln q) = sum p (zf - z) - (lsef - lse), p renormalised */
        double k = dot / spf - (lsef - lse);
        *kl = (float)(k > 0 ? k : 0);
        *rank = above;
    }
    return lse;
}

/* the final row: its statistics, and the distribution pf (sum *spf as stored)
 * with log-partition *lsef and top-1 *f1 that the other layers compare with */
static double final_row(const float *z, int V, int32_t y, float *pf, double *spf, double *lsef, int32_t *f1, float *ent,
                        float *kl, float *ce, int32_t *rank, int32_t *top1)
{
    const double lse = row_stats(z, V, y, NULL, NULL, 0, 0, -1, ent, kl, ce, rank, top1);
    *f1 = 0; /* the other layers compare with something defined; the pass fails */
    *spf = 1;
    *lsef = lse;
    if (isnan(lse)) return lse;
    double sum = 0;
    for (int32_t j = 0; j < V; j++) sum += pf[j] = (float)exp((double)z[j] - lse);
    *spf = sum;
    *f1 = *top1;
    return lse;
}

int shang_lens_run(shang_lens *x, const int32_t *tokens, int B, int T, const int32_t *rows, const int32_t *next,
                   size_t n, float *entropy, float *kl, float *ce, int32_t *rank, int32_t *top1)
{
    const shang_gpt_config *c = &x->m->cfg;
    const size_t C = (size_t)c->C, V = (size_t)c->V, L1 = (size_t)x->L1;
    if (B > x->B || T > x->T) return SHANG_FAIL(SHANG_EINVAL, "batch %d x %d exceeds the lens's %d x %d", B, T, x->B, x->T);
    for (size_t i = 0; i < n; i++) {
        if (rows[i] < 0 || (size_t)rows[i] >= (size_t)B * (size_t)T)
            return SHANG_FAIL(SHANG_EINVAL, "row %d outside the batch %d x %d", rows[i], B, T);
        if (next[i] >= c->V) return SHANG_FAIL(SHANG_EINVAL, "target %d outside the vocabulary (%d)", next[i], c->V);
    }
    if (n == 0) return SHANG_OK;
    x->rows = rows;
    x->n = n;
    int rc = shang_gpt_forward(x->run, tokens, B, T, NULL, 1u << SHANG_SITE_RESID, keep_rows, x);
    for (size_t r0 = 0; !rc && r0 < n; r0 += x->R) {
        const size_t nr = n - r0 < x->R ? n - r0 : x->R;
        /* the model's own prediction first: every layer is compared with it */
        read_out(x, x->h + ((L1 - 1) * n + r0) * C, nr, x->zf);
        int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad)
        for (size_t i = 0; i < nr; i++) {
            size_t o = (r0 + i) * L1 + L1 - 1;
            bad |= isnan(final_row(x->zf + i * V, c->V, next[r0 + i], x->pf + i * V, &x->sumpf[i], &x->lsef[i], &x->f1[i],
                      entropy + o, kl + o, ce + o, rank + o, top1 + o));
        }
        for (size_t l = 0; l + 1 < L1; l++) {
            read_out(x, x->h + (l * n + r0) * C, nr, x->z);
#pragma omp parallel for schedule(static) reduction(| : bad)
            for (size_t i = 0; i < nr; i++) {
                size_t o = (r0 + i) * L1 + l;
                bad |= isnan(row_stats(x->z + i * V, c->V, next[r0 + i], x->zf + i * V, x->pf + i * V, x->sumpf[i], x->lsef[i],
                          x->f1[i], entropy + o, kl + o, ce + o, rank + o, top1 + o));
            }
        }
        if (bad) rc = SHANG_FAIL(SHANG_ENUMERIC, "logit-lens logits became NaN or infinite");
    }
    x->rows = NULL;
    x->n = 0;
    return rc;
}

/* ---- rows ------------------------------------------------------------------------- */

void shang_lens_data_free(shang_lens_data *d)
{
    if (!d) return;
    free(d->doc);
    free(d->pos);
    free(d->ctx_pos);
    free(d->token);
    free(d->next);
    free(d->entropy);
    free(d->kl);
    free(d->ce);
    free(d->rank);
    free(d->top1);
    memset(d, 0, sizeof *d);
}

static int data_push(shang_lens_data *d, int32_t doc, int32_t pos, int32_t ctx_pos, int32_t token, int32_t next)
{
    if (d->N == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 4096, L1 = (size_t)d->L1;
        int32_t **iv[5] = {&d->doc, &d->pos, &d->ctx_pos, &d->token, &d->next};
        for (int k = 0; k < 5; k++) {
            int32_t *p = shang_realloc(*iv[k], cap, sizeof **iv[k], "lens rows");
            if (!p) return shang_err_code();
            *iv[k] = p;
        }
        float **fv[3] = {&d->entropy, &d->kl, &d->ce};
        for (int k = 0; k < 3; k++) {
            float *p = shang_realloc(*fv[k], cap * L1, sizeof **fv[k], "lens values");
            if (!p) return shang_err_code();
            *fv[k] = p;
        }
        int32_t **lv[2] = {&d->rank, &d->top1};
        for (int k = 0; k < 2; k++) {
            int32_t *p = shang_realloc(*lv[k], cap * L1, sizeof **lv[k], "lens ranks");
            if (!p) return shang_err_code();
            *lv[k] = p;
        }
        d->cap = cap;
    }
    size_t i = d->N++;
    d->doc[i] = doc;
    d->pos[i] = pos;
    d->ctx_pos[i] = ctx_pos;
    d->token[i] = token;
    d->next[i] = next;
    return SHANG_OK;
}

/* windows waiting for a forward pass, and their scored rows */
struct batcher {
    shang_lens *x;
    shang_lens_data *d;
    int B, ctx;
    int32_t *tok;          /* (B, ctx) the windows */
    int32_t *packed;       /* (B, T) the batch as run, T its longest window */
    int *len;              /* (B) */
    int nb;
    shang_ivec rows, next; /* b * ctx + t, and the targets */
    size_t first;          /* d's row of the first waiting one */
    uint64_t max_rows;
    int done;
};

static int batcher_init(struct batcher *q, const shang_gpt *m, int B, int ctx, uint64_t max_rows, shang_lens_data *d)
{
    memset(q, 0, sizeof *q);
    q->d = d;
    q->B = B;
    q->ctx = ctx;
    q->max_rows = max_rows;
    if (d->L1 == 0) d->L1 = m->cfg.L + 1;
    if (d->L1 != m->cfg.L + 1) return SHANG_FAIL(SHANG_EINVAL, "rows of a %d-layer model, not %d", d->L1 - 1, m->cfg.L);
    q->first = d->N;
    q->tok = shang_alloc((size_t)B * (size_t)ctx, sizeof *q->tok, "lens batch");
    q->packed = shang_alloc((size_t)B * (size_t)ctx, sizeof *q->packed, "lens batch");
    q->len = shang_alloc((size_t)B, sizeof *q->len, "lens batch");
    if (!q->tok || !q->packed || !q->len) return shang_err_code();
    return shang_lens_new(m, B, ctx, &q->x);
}

static void batcher_free(struct batcher *q)
{
    shang_lens_free(q->x);
    free(q->tok);
    free(q->packed);
    free(q->len);
    free(q->rows.v);
    free(q->next.v);
}

static int flush(struct batcher *q)
{
    if (q->nb == 0) return SHANG_OK;
    int T = 0;
    for (int b = 0; b < q->nb; b++) T = q->len[b] > T ? q->len[b] : T;
    int32_t *packed = q->packed;
    for (int b = 0; b < q->nb; b++) { /* right-padded: harmless, attention is causal */
        memcpy(packed + (size_t)b * T, q->tok + (size_t)b * q->ctx, (size_t)q->len[b] * sizeof *packed);
        for (int t = q->len[b]; t < T; t++) packed[(size_t)b * T + t] = 0;
    }
    for (size_t i = 0; i < q->rows.n; i++) q->rows.v[i] = q->rows.v[i] / q->ctx * T + q->rows.v[i] % q->ctx;
    const size_t o = q->first * (size_t)q->d->L1;
    int rc = shang_lens_run(q->x, packed, q->nb, T, q->rows.v, q->next.v, q->rows.n, q->d->entropy + o, q->d->kl + o,
                            q->d->ce + o, q->d->rank + o, q->d->top1 + o);
    q->nb = 0;
    q->rows.n = q->next.n = 0;
    q->first = q->d->N;
    return rc;
}

/* one window seq[start, end) of a sequence of `total` positions; scores
 * positions [keep, end) that have a next token */
static int add_window(struct batcher *q, const int32_t *seq, int total, int start, int end, int keep, int bos, int32_t doc)
{
    int rc = SHANG_OK;
    if (q->nb == q->B && (rc = flush(q))) return rc;
    const int b = q->nb++;
    memcpy(q->tok + (size_t)b * q->ctx, seq + start, (size_t)(end - start) * sizeof *seq);
    q->len[b] = end - start;
    for (int p = keep; p < end && p + 1 < total && !rc; p++) {
        if (q->max_rows && q->d->N >= q->max_rows) {
            q->done = 1;
            break;
        }
        rc = data_push(q->d, doc, p - bos, p - start, seq[p], seq[p + 1]);
        if (!rc) rc = shang_ivec_push(&q->rows, b * q->ctx + (p - start));
        if (!rc) rc = shang_ivec_push(&q->next, seq[p + 1]);
    }
    return rc;
}

/* the documents of one file into the batcher */
static int add_file(struct batcher *q, const shang_tokenizer *t, shang_encoder *enc, const shang_lens_opts *o,
                    const char *path)
{
    const int bos = o->bos ? 1 : 0;
    char *text = NULL;
    size_t len, nd = 0;
    shang_span *docs = NULL;
    shang_ivec ids = {0}, seq = {0};
    int rc = shang_text_read(path, &text, &len);
    if (!rc) rc = shang_text_docs(text, len, o->docs_mode, &docs, &nd);
    for (size_t k = 0; !rc && k < nd && !q->done; k++) {
        ids.n = seq.n = 0;
        rc = shang_encode(enc, text + docs[k].start, docs[k].len, &ids, NULL);
        if (!rc && ids.n > INT32_MAX / 2) rc = SHANG_FAIL(SHANG_EINVAL, "document %zu is too long", k);
        if (!rc && bos) rc = shang_ivec_push(&seq, shang_bpe_eot(t));
        for (size_t i = 0; !rc && i < ids.n; i++) rc = shang_ivec_push(&seq, ids.v[i]);
        shang_window *w = NULL;
        int nw = 0;
        if (!rc) rc = shang_windows((int)seq.n, o->ctx, o->stride, bos, 0, &w, &nw);
        for (int i = 0; !rc && i < nw && !q->done; i++)
            rc = add_window(q, seq.v, (int)seq.n, w[i].start, w[i].end, w[i].keep, bos, q->d->n_docs);
        free(w);
        if (!rc && ids.n) q->d->n_docs++;
    }
    if (rc) shang_err_prefix("%s", path);
    free(ids.v);
    free(seq.v);
    free(docs);
    free(text);
    return rc;
}

int shang_lens_text(const shang_gpt *m, const shang_tokenizer *t, shang_lens_opts *o, char *const *paths, int n_paths,
                    shang_progress *pr, shang_lens_data *d)
{
    const int bos = o->bos ? 1 : 0;
    if (!o->ctx) o->ctx = m->cfg.T;
    if (!o->stride) o->stride = o->ctx / 2 > 0 ? o->ctx / 2 : 1;
    if (o->ctx < 2 || o->ctx > m->cfg.T)
        return SHANG_FAIL(SHANG_EUSAGE, "--ctx %d outside [2, %d] (the model's context)", o->ctx, m->cfg.T);
    if (o->stride < 1 || o->stride > o->ctx - bos)
        return SHANG_FAIL(SHANG_EUSAGE, "--stride %d outside [1, %d] (the window)", o->stride, o->ctx - bos);
    if (o->batch < 1) return SHANG_FAIL(SHANG_EINVAL, "batch %d", o->batch);
    if (bos && shang_bpe_eot(t) < 0) return SHANG_FAIL(SHANG_EINVAL, "the tokenizer has no <|endoftext|> to prepend");
    shang_encoder *enc = NULL;
    struct batcher q;
    int rc = batcher_init(&q, m, o->batch, o->ctx, o->max_rows, d);
    if (!rc) rc = shang_encoder_new(t, &enc);
    for (int i = 0; !rc && i < n_paths && !q.done; i++) {
        rc = add_file(&q, t, enc, o, paths[i]);
        shang_progress_update(pr, d->N, NULL);
    }
    if (!rc) rc = flush(&q);
    batcher_free(&q);
    shang_encoder_free(enc);
    return rc;
}

int shang_lens_sequences(const shang_gpt *m, const int32_t *seq, int S, int len, int batch, shang_lens_data *d)
{
    if (len < 2 || len > m->cfg.T || batch < 1)
        return SHANG_FAIL(SHANG_EINVAL, "sequences of %d tokens (2..%d), batch %d", len, m->cfg.T, batch);
    struct batcher q;
    int rc = batcher_init(&q, m, batch, len, 0, d);
    for (int s = 0; !rc && s < S; s++) rc = add_window(&q, seq + (size_t)s * (size_t)len, len, 0, len, 0, 0, d->n_docs++);
    if (!rc) rc = flush(&q);
    batcher_free(&q);
    return rc;
}

int shang_lens_repeat(const shang_gpt *m, int32_t eot, const int32_t *pool, int n_pool, int S, int n, int batch,
                      uint64_t seed, shang_lens_data *d)
{
    const int bos = eot >= 0, len = 2 * n + bos, V = m->cfg.V;
    if (n < 2 || S < 1 || len > m->cfg.T)
        return SHANG_FAIL(SHANG_EINVAL, "repeat %d: 2 x %d%s tokens exceed the model's context %d", n, n, bos ? " + 1" : "",
                          m->cfg.T);
    if (pool ? n_pool < 1 : V - bos < 1) return SHANG_FAIL(SHANG_EINVAL, "no tokens to draw the probe from");
    int32_t *seq = shang_alloc((size_t)S * (size_t)len, sizeof *seq, "probe sequences"); /* (S, len) */
    gsl_rng *r = NULL;
    int rc = seq ? shang_rng_new(seed, SHANG_STREAM_BASELINE, UINT64_C(9) << 40, &r) : shang_err_code();
    for (int s = 0; !rc && s < S; s++) {
        int32_t *q = seq + (size_t)s * (size_t)len;
        if (bos) q[0] = eot;
        for (int i = 0; i < n; i++) {
            if (pool) {
                q[bos + i] = pool[gsl_rng_uniform_int(r, (unsigned long)n_pool)];
            } else {
                do q[bos + i] = (int32_t)gsl_rng_uniform_int(r, (unsigned long)V);
                while (q[bos + i] == eot);
            }
            q[bos + n + i] = q[bos + i];
        }
    }
    if (!rc) rc = shang_lens_sequences(m, seq, S, len, batch, d);
    shang_rng_free(r);
    free(seq);
    return rc;
}

void shang_lens_repeat_classes(const shang_lens_data *d, int n, int bos, int32_t *cls)
{
    /* position p predicts seq[p + 1]: a first-copy token for bos <= p <= bos + n - 2, a second-copy token
     * for bos + n <= p <= bos + 2n - 2 */
    for (size_t i = 0; i < d->N; i++) {
        int p = d->ctx_pos[i];
        cls[i] = p >= bos && p <= bos + n - 2 ? 0 : p >= bos + n && p <= bos + 2 * n - 2 ? 1 : -1;
    }
}

struct freq {
    double n;
    int32_t id;
};

/* most frequent first; ties: the smaller id */
static int by_freq(const void *a, const void *b)
{
    const struct freq *x = a, *y = b;
    if (x->n != y->n) return x->n < y->n ? 1 : -1;
    return (x->id > y->id) - (x->id < y->id);
}

int shang_lens_frequent(const shang_lens_data *d, int V, int n, int32_t skip, int32_t *pool)
{
    struct freq *f = shang_zalloc((size_t)V, sizeof *f, "f");
    if (!f) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (int32_t t = 0; t < V; t++) f[t].id = t;
    for (size_t i = 0; i < d->N; i++)
        if (d->next[i] >= 0 && d->next[i] < V) f[d->next[i]].n++;
    qsort(f, (size_t)V, sizeof *f, by_freq);
    int k = 0;
    for (int32_t j = 0; j < V && k < n && f[j].n > 0; j++)
        if (f[j].id != skip) pool[k++] = f[j].id;
    free(f);
    return k;
}

/* ---- summaries -------------------------------------------------------------------- */

static const char *const value_name[SHANG_LENS_NV] = {"entropy", "kl", "ce", "accuracy", "agree", "top10", "input", "log_unigram"};
static const char *const value_help[SHANG_LENS_NV] = {
    "entropy of the layer's read-out q_l (nats)", "KL(p || q_l): the model's prediction against the layer's (nats)",
    "cross-entropy -ln q_l(next token) (nats)", "share of positions where q_l's top-1 is the next token",
    "share of positions where q_l's top-1 is the model's (rank 0)",
    "share of positions where the model's top-1 is among q_l's 10 most likely",
    "share of positions where q_l's top-1 is the position's own token",
    "mean ln u(q_l's top-1) under the next-token unigram (add-1/2): how frequent the guess is"};

const char *shang_lens_value_name(int v) { return v >= 0 && v < SHANG_LENS_NV ? value_name[v] : "?"; }
const char *shang_lens_value_help(int v) { return v >= 0 && v < SHANG_LENS_NV ? value_help[v] : "?"; }

int shang_lens_values(const shang_lens_data *d, const double *logu, int layer, float **v, size_t *S)
{
    const size_t L1 = (size_t)d->L1, nl = layer < 0 ? L1 : 1, NV = SHANG_LENS_NV;
    if (layer >= d->L1) return SHANG_FAIL(SHANG_EINVAL, "layer %d of %d", layer, d->L1 - 1);
    *S = nl * NV;
    *v = shang_alloc(d->N, *S * sizeof **v, "lens values");
    if (!*v) return shang_err_code();
    for (size_t i = 0; i < d->N; i++)
        for (size_t k = 0; k < nl; k++) {
            size_t l = layer < 0 ? k : (size_t)layer, o = i * L1 + l;
            float *x = *v + i * *S + k * NV;
            int32_t t1 = d->top1[o];
            x[SHANG_LENS_ENTROPY] = d->entropy[o];
            x[SHANG_LENS_KL] = d->kl[o];
            x[SHANG_LENS_CE] = d->ce[o];
            x[SHANG_LENS_ACCURACY] = t1 == d->next[i];
            x[SHANG_LENS_AGREE] = d->rank[o] == 0;
            x[SHANG_LENS_TOP10] = d->rank[o] < 10;
            x[SHANG_LENS_INPUT] = t1 == d->token[i];
            x[SHANG_LENS_LOG_UNIGRAM] = logu ? (float)logu[t1] : NAN;
        }
    return SHANG_OK;
}

int shang_lens_unigram(const shang_lens_data *d, int V, double *logu, double *h)
{
    double *n = shang_zalloc((size_t)V, sizeof *n, "n");
    if (!n) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t i = 0; i < d->N; i++)
        if (d->next[i] >= 0 && d->next[i] < V) n[d->next[i]]++;
    const double N = (double)d->N;
    *h = 0;
    for (int t = 0; t < V; t++) {
        if (n[t] > 0) *h -= n[t] / N * log(n[t] / N);
        logu[t] = log((n[t] + 0.5) / (N + 0.5 * V));
    }
    free(n);
    return SHANG_OK;
}

static int by_int(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

int shang_lens_median_rank(const shang_lens_data *d, int layer, double *median)
{
    *median = NAN;
    if (layer < 0 || layer >= d->L1) return SHANG_FAIL(SHANG_EINVAL, "layer %d outside [0, %d)", layer, d->L1);
    if (d->N == 0) return SHANG_OK;
    int32_t *r = shang_alloc(d->N, sizeof *r, "lens ranks");
    if (!r) return shang_err_code();
    for (size_t i = 0; i < d->N; i++) r[i] = d->rank[i * (size_t)d->L1 + (size_t)layer];
    qsort(r, d->N, sizeof *r, by_int);
    *median = d->N % 2 ? r[d->N / 2] : 0.5 * ((double)r[d->N / 2 - 1] + r[d->N / 2]);
    free(r);
    return SHANG_OK;
}

int shang_token_is_punct(const char *s, size_t len)
{
    size_t a = 0, b = len;
    while (a < b && isspace((unsigned char)s[a])) a++;
    while (b > a && isspace((unsigned char)s[b - 1])) b--;
    if (a == b) return 0;
    for (size_t i = a; i < b; i++)
        if (!ispunct((unsigned char)s[i])) return 0;
    return 1;
}
