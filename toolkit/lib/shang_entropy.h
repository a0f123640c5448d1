/* shang_entropy — entropy estimators from counts, in nats (divide by ln 2 for
 * bits). Plug-in -sum p ln p; Miller-Madow plug-in + (m - 1)/(2N), m = non-empty
 * bins; Chao-Shen coverage-adjusted Horvitz-Thompson (Chao & Shen 2003);
 * Grassberger ln N - (1/N) sum n G(n), G(n) = psi(n) + (-1)^n/2 (psi((n+1)/2) -
 * psi(n/2)) (Grassberger 2003); NSB, the Nemenman-Shafee-Bialek posterior mean
 * and standard deviation under a mixture of Dirichlet priors flat in the prior
 * entropy, for a given alphabet size K, or its large-K asymptote (Nemenman 2011)
 * when K is 0. Empty bins may be passed; they matter only to NSB's K. */
#ifndef SHANG_ENTROPY_H
#define SHANG_ENTROPY_H

#include <stddef.h>
#include <stdint.h>

#include "shang_err.h"

enum shang_estimator {
    SHANG_H_PLUGIN = 0,
    SHANG_H_MILLER_MADOW,
    SHANG_H_CHAO_SHEN,
    SHANG_H_GRASSBERGER,
    SHANG_H_NSB,
    SHANG_N_ESTIMATORS
};

const char *shang_estimator_name(int e);
int shang_estimator_parse(const char *name, int *e) SHANG_MUST_CHECK;

/* Entropy of the distribution behind `counts` (n bins). For NSB, K is the
 * alphabet size (>= the non-empty bins; 0 = asymptotic) and *sd (if not NULL)
 * receives the posterior standard deviation (NaN for the other estimators).
 * SHANG_EINVAL for no observations; SHANG_ENUMERIC if NSB's integral fails. */
int shang_entropy(const uint64_t *counts, size_t n, int estimator, double K, double *h, double *sd) SHANG_MUST_CHECK;

#endif
