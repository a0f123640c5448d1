/* shang_exchange — token classes trained to predict the next token: the
 * exchange algorithm (Kneser & Ney 1993; Martin, Liermann & Ney 1998) for the
 * one-sided class model q(y | class(x)). It maximises the training
 * log-likelihood
 *
 *     L = sum_{c,y} n(c,y) log n(c,y) - sum_c n(c) log n(c)
 *
 * by moving one token at a time to the class that raises L most. Starts: the
 * k - 1 most frequent tokens in classes of their own, every other token in the
 * last (Brown's start), then restarts - 1 random assignments (seed; single moves
 * reach only a local optimum: two planted classes merged while another is split
 * in two is one); the highest L is kept. From each start, sweeps over the tokens in order of frequency (ties: the
 * smaller id) until a sweep moves none or max_sweeps; a move must raise L by more
 * than 1e-9 |L| (ties stay; ties between classes: the smaller class). Each sweep
 * raises L or stops, so each result is a local optimum; all is deterministic. The
 * token-side baseline with as many parts as K: a partition of the token
 * vocabulary chosen for exactly what K is scored on.
 */
#ifndef SHANG_EXCHANGE_H
#define SHANG_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "shang_err.h"

/* Classes of the tokens x (any int32 ids) from the n pairs (x[i], y[i]) with
 * w[i] nonzero (w NULL: all), y in 0..V-1, k >= 2 classes: cls[i] (n) the class
 * of x[i], for every row (a token with no weighted row keeps its start's class);
 * *loglik the best L (nats, may be NULL); *sweeps those of its start (may be
 * NULL). */
int shang_exchange(const int32_t *x, const int32_t *y, const unsigned char *w, size_t n, size_t V, size_t k,
                   int max_sweeps, int restarts, uint64_t seed, int32_t *cls, double *loglik, int *sweeps) SHANG_MUST_CHECK;

#endif
