/* shang_lens — the logit lens (nostalgebraist 2020) and the model's own
 * predictions, position by position (E7, E8).
 *
 * Every layer's residual stream h_l (l = 0 the embeddings .. L after the last
 * block) is read out through the final LayerNorm and the tied unembedding,
 * q_l = softmax(W_U LN_f(h_l)); q_L is the model's prediction p. For each
 * position that has a next token y and each layer: the entropy H(q_l), the
 * divergence KL(p || q_l), the cross-entropy -ln q_l(y), the rank of p's top-1
 * token under q_l (0: the layer already agrees) and q_l's own top-1 (ties go to
 * the smaller id). Values are computed from float logits with double sums; every
 * row on one thread, so results do not depend on the thread count.
 *
 * Text goes in as extraction does it (shang_extract.h): documents, optionally
 * after <|endoftext|>, cut into windows (shang_windows) that tile each document
 * evenly, each position scored once (the last window is not moved back, so
 * that the ends of documents do not gather at the last places of the window);
 * or as whole sequences (the repeated-sequence probe). Rows accumulate in a shang_lens_data, (N, L + 1) per quantity.
 */
#ifndef SHANG_LENS_H
#define SHANG_LENS_H

#include <stddef.h>
#include <stdint.h>

#include "shang_bpe.h"
#include "shang_err.h"
#include "shang_gpt.h"
#include "shang_table.h"

#define SHANG_LENS_FORMAT "shang.lens"
#define SHANG_LENS_VERSION 1

/* The scored positions. */
typedef struct shang_lens_data {
    int L1;            /* layers read out: L + 1 */
    size_t N, cap;     /* rows, allocated rows */
    int32_t n_docs;    /* documents (sequences) read, scored or not */
    int32_t *doc;      /* (N) document (or sequence) index */
    int32_t *pos;      /* (N) position in the document (<|endoftext|> not counted) */
    int32_t *ctx_pos;  /* (N) position in the window the model saw (tokens of context before it) */
    int32_t *token;    /* (N) the token at the position */
    int32_t *next;     /* (N) the token that follows (the target) */
    float *entropy;    /* (N, L1) H(q_l), nats */
    float *kl;         /* (N, L1) KL(p || q_l), nats */
    float *ce;         /* (N, L1) -ln q_l(next), nats */
    int32_t *rank;     /* (N, L1) tokens q_l puts above p's top-1 */
    int32_t *top1;     /* (N, L1) q_l's most likely token */
} shang_lens_data;

void shang_lens_data_free(shang_lens_data *d);

typedef struct shang_lens_opts {
    int ctx;           /* window length, 1..model context; 0 = the model's */
    int stride;        /* 1..ctx - bos; 0 = ctx / 2 */
    int batch;         /* windows per forward pass, >= 1 */
    int bos;           /* prepend <|endoftext|> to every document (its row is not scored) */
    int docs_mode;     /* shang_text.h */
    uint64_t max_rows; /* stop after this many scored positions; 0 = all */
} shang_lens_opts;

/* Scores every document of the text files paths[0..n) (plain or gzip), one
 * batch stream over all of them, and appends the rows to d; document indices
 * continue from d's. Reports the rows to pr (NULL: none) after each file. Checks
 * and completes o (ctx, stride). */
struct shang_progress;
int shang_lens_text(const shang_gpt *m, const shang_tokenizer *t, shang_lens_opts *o, char *const *paths, int n_paths,
                    struct shang_progress *pr, shang_lens_data *d) SHANG_MUST_CHECK;
/* Scores S sequences seq (S, len) whole, every position but the last (doc = the
 * sequence, pos = ctx_pos = the position); len <= the model's context. */
int shang_lens_sequences(const shang_gpt *m, const int32_t *seq, int S, int len, int batch,
                         shang_lens_data *d) SHANG_MUST_CHECK;

/* The repeated-sequence probe (induction): S sequences [eot] r r (eot < 0:
 * none), r of n tokens drawn uniformly from pool (n_pool ids; pool NULL: the
 * whole vocabulary but eot) by the stream SHANG_STREAM_BASELINE of `seed`,
 * scored whole into d. */
int shang_lens_repeat(const shang_gpt *m, int32_t eot, const int32_t *pool, int n_pool, int S, int n, int batch,
                      uint64_t seed, shang_lens_data *d) SHANG_MUST_CHECK;
/* The class of each probe row of d (n tokens repeated, bos 0 or 1): 0 predicts
 * a token of the first copy (never seen), 1 a token of the second (seen n
 * positions earlier), -1 the two boundaries (the first token, the first
 * repeated token). */
void shang_lens_repeat_classes(const shang_lens_data *d, int n, int bos, int32_t *cls);
/* The n most frequent next tokens of d's rows (ties: the smaller id), `skip`
 * left out, into pool; returns how many there are (< n when fewer occur), or
 * a negative SHANG_E* code. */
int shang_lens_frequent(const shang_lens_data *d, int V, int n, int32_t skip, int32_t *pool);

/* The low-level step: runs tokens (B, T) and reads out the n positions rows[i]
 * (= b * T + t) with targets next[i] (-1: no cross-entropy, NaN) into the
 * (n, L + 1) arrays. */
typedef struct shang_lens shang_lens;
int shang_lens_new(const shang_gpt *m, int B, int T, shang_lens **out) SHANG_MUST_CHECK;
void shang_lens_free(shang_lens *x);
int shang_lens_run(shang_lens *x, const int32_t *tokens, int B, int T, const int32_t *rows, const int32_t *next,
                   size_t n, float *entropy, float *kl, float *ce, int32_t *rank, int32_t *top1) SHANG_MUST_CHECK;

/* What the summaries average, per row and layer: */
enum shang_lens_value {
    SHANG_LENS_ENTROPY = 0, /* H(q_l) */
    SHANG_LENS_KL,          /* KL(p || q_l) */
    SHANG_LENS_CE,          /* -ln q_l(next) */
    SHANG_LENS_ACCURACY,    /* 1 if q_l's top-1 is the next token */
    SHANG_LENS_AGREE,       /* 1 if q_l's top-1 is p's */
    SHANG_LENS_TOP10,       /* 1 if p's top-1 is among q_l's 10 most likely */
    SHANG_LENS_INPUT,       /* 1 if q_l's top-1 is the position's own token */
    SHANG_LENS_LOG_UNIGRAM, /* ln u(q_l's top-1): how frequent the guess is */
    SHANG_LENS_NV
};
const char *shang_lens_value_name(int v);
const char *shang_lens_value_help(int v);
/* v (N, S) with S = SHANG_LENS_NV for one layer, or (L + 1) * SHANG_LENS_NV
 * (layer-major) for layer < 0; logu (V): the unigram log-probabilities
 * (shang_lens_unigram). *v malloc'd. */
int shang_lens_values(const shang_lens_data *d, const double *logu, int layer, float **v, size_t *S) SHANG_MUST_CHECK;
/* The unigram of the rows' next tokens, add-1/2: logu (V) = ln((n(t) + 1/2) /
 * (N + V/2)), and *h the plug-in entropy of the counts (nats). */
int shang_lens_unigram(const shang_lens_data *d, int V, double *logu, double *h) SHANG_MUST_CHECK;
/* The median over rows of the rank of p's top-1 under q_layer (NaN without rows). */
int shang_lens_median_rank(const shang_lens_data *d, int layer, double *median) SHANG_MUST_CHECK;

/* ---- the tables of `shang lens` --------------------------------------------
 * Means over positions with the bootstrap standard error over documents
 * (shang_bootstrap_means; intervals as shang_table_estimate makes them). */
typedef struct shang_lens_report {
    int bootstrap;   /* replicates, 0 for none */
    double level;    /* interval level */
    uint64_t seed;
} shang_lens_report;
/* 'layers': every value per layer, the median rank of p's top-1, the unigram
 * entropy h_uni and the positions scored; logu as for shang_lens_values. */
int shang_lens_layers_table(const shang_lens_report *r, const shang_lens_data *d, const double *logu, double h_uni,
                            shang_table **out) SHANG_MUST_CHECK;
/* Table `name`: the model's entropy and surprisal by class cls (N, K classes;
 * contrast with K = 2: a row more, class 1 - class 0) from the final layer's
 * values v (N, S); the class column `key` holds labels[k] (NULL: k); bootstrap
 * stream `stream`. Empty classes get no row. */
int shang_lens_class_table(const shang_lens_report *r, const shang_lens_data *d, const float *v, size_t S,
                           const int32_t *cls, size_t K, int contrast, const char *name, const char *desc,
                           const char *key, const char *const *labels, uint64_t stream,
                           shang_table **out) SHANG_MUST_CHECK;
/* 'trace': every layer at every position of documents < n_docs, with the
 * tokens' texts; punct (V): 1 for a punctuation token. */
int shang_lens_trace_table(const shang_lens_data *d, const shang_tokenizer *t, const uint8_t *punct, int n_docs,
                           shang_table **out) SHANG_MUST_CHECK;
/* 'repeat': per layer entropy, cross-entropy and accuracy on the first copy of
 * the repeated sequence (n tokens, after a BOS if bos), the second, and the
 * change; lnV the uniform guess's cross-entropy. */
int shang_lens_repeat_table(const shang_lens_report *r, const shang_lens_data *d, int n, int bos, double lnV,
                            shang_table **out) SHANG_MUST_CHECK;

/* 1 if the token's text, spaces and line breaks trimmed, is non-empty ASCII
 * punctuation (".", ",", " ?", "!\n", "--", "'"). */
int shang_token_is_punct(const char *s, size_t len);

#endif
