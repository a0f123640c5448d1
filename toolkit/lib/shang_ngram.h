/* shang_ngram — token-space n-gram models: the "entropy under the token
 * projection" baselines. Fitted on a token stream (documents joined with
 * <|endoftext|>), evaluated as held-out cross-entropy on another stream.
 *
 * Smoothing: interpolated Kneser-Ney (Kneser & Ney 1995; Chen & Goodman 1998,
 * sec. 3.5) with one discount per order D = n1 / (n1 + 2 n2) (Ney et al. 1994),
 * raw counts at the highest order, continuation counts N1+(. g) below, and the
 * uniform distribution over the V tokens under the unigram level, so every token
 * has non-zero probability. `context` n = the number of previous tokens (n = 0:
 * unigram). */
#ifndef SHANG_NGRAM_H
#define SHANG_NGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "shang_err.h"

#define SHANG_NGRAM_MAX_CONTEXT 8

typedef struct shang_ngram shang_ngram;

/* Counts every n-gram of up to max_context + 1 tokens in train[0, n); ids in [0, V). */
int shang_ngram_fit(const int32_t *train, size_t n, int max_context, int V, shang_ngram **out) SHANG_MUST_CHECK;
void shang_ngram_free(shang_ngram *g);
/* p(next | the `context` tokens before it): hist[0, context) are those tokens. */
double shang_ngram_prob(const shang_ngram *g, int context, const int32_t *hist, int32_t next);
/* Mean -ln p over eval[i] for i >= context (nats per token), and the count. */
int shang_ngram_xent(const shang_ngram *g, int context, const int32_t *eval, size_t n, double *nats,
                     size_t *count) SHANG_MUST_CHECK;
/* H(Y | the `context` previous tokens) over tokens[i], i >= context, by a
 * shang_entropy estimator as H(C, Y) - H(C) (C: the context, hashed to an id):
 * the plug-in family next to the held-out cross-entropy. *contexts receives the
 * distinct contexts seen (NULL allowed). */
int shang_ngram_cond_entropy(const int32_t *tokens, size_t n, int context, int estimator, double *h,
                             size_t *contexts) SHANG_MUST_CHECK;
/* The discount of level k (k tokens of context; raw = the highest order's). */
double shang_ngram_discount(const shang_ngram *g, int k, int raw);

#endif
