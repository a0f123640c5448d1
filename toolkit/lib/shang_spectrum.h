/* shang_spectrum — summaries of a weight matrix's singular values s (n,
 * descending; shang_singular_values computes them): how many directions it
 * uses, and the power-law exponent of the tail of its eigenvalues s^2
 * (heavy-tailed self-regularisation, Martin & Mahoney 2021). `shang spectrum`
 * reports them per matrix against a Gaussian matrix of the same shape and
 * scale; `shang train` logs the first three during training. */
#ifndef SHANG_SPECTRUM_H
#define SHANG_SPECTRUM_H

#include <stddef.h>

/* Effective rank exp(H(s / sum s)) (Roy & Vetterli 2007); matrix entropy
 * H(s^2 / sum s^2) / ln n; stable rank sum s^2 / max s^2. */
void shang_spectrum_stats(const double *s, int n, double *eff_rank, double *mat_entropy, double *stable_rank);

/* The exponent alpha of a density p(l) ~ l^-alpha fitted to the largest k =
 * max(5, floor(tail n)) eigenvalues l_i = s_i^2 by maximum likelihood with the
 * k-th as the threshold (Hill 1975): the k - 1 larger values are, given it,
 * Pareto above it, so alpha = 1 + (k - 1) / sum_{i < k} ln(l_i / l_k) (its mean
 * exceeds the truth by the factor (k - 1) / (k - 2) in the tail index alpha - 1).
 * NaN if k > n or the values above the threshold all equal it. */
double shang_spectrum_tail_alpha(const double *s, size_t n, double tail);

#endif
