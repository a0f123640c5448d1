/* shang_metrics — information between two labelings of the same N items (tokens X
 * and clusters K; classes and clusters): the sparse contingency table, built in
 * O(N) with hashing (never a dense |X| x |K| array), and from it entropies,
 * conditional entropies, mutual information, variation of information,
 * homogeneity / completeness / V-measure (Rosenberg & Hirschberg 2007), NMI under
 * each normalisation, ARI (Hubert & Arabie 1985) and AMI with the hypergeometric
 * expected MI (Vinh, Epps & Bailey 2010). Plug-in, nats. Labels are any int32. */
#ifndef SHANG_METRICS_H
#define SHANG_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "shang_err.h"

typedef struct shang_contingency {
    size_t N, R, C, nnz;  /* items (their total weight), distinct a labels, distinct b labels, non-zero cells */
    uint64_t *a_sum;      /* (R) row sums */
    uint64_t *b_sum;      /* (C) column sums */
    uint32_t *ci, *cj;    /* (nnz) cell coordinates */
    uint64_t *cn;         /* (nnz) cell counts */
    int32_t *a_label, *b_label; /* (R), (C): the original labels, in order of first appearance */
} shang_contingency;

int shang_contingency_new(const int32_t *a, const int32_t *b, size_t N, shang_contingency **out) SHANG_MUST_CHECK;
/* The same with a weight per item (an item counted w[i] times; 0 leaves it out
 * of every count, though its labels are still listed): bootstrap replicates. */
int shang_contingency_new_weighted(const int32_t *a, const int32_t *b, const uint32_t *w, size_t N,
                                   shang_contingency **out) SHANG_MUST_CHECK;
void shang_contingency_free(shang_contingency *t);

/* H(A) (which 'a'), H(B) ('b') or H(A, B) ('j') with any shang_entropy estimator
 * (K: NSB's alphabet size, 0 asymptotic; *sd as shang_entropy). Conditional
 * entropies and MI follow as differences, e.g. H(B | A) = H(A, B) - H(A): for
 * Miller-Madow that is the plug-in value + (cells - rows) / 2N. */
int shang_contingency_entropy(const shang_contingency *t, char which, int estimator, double K, double *h,
                              double *sd) SHANG_MUST_CHECK;

typedef struct shang_cluster_scores {
    double h_a, h_b, h_ab;        /* H(A), H(B), H(A, B) */
    double h_a_given_b, h_b_given_a;
    double mi, vi;
    double homogeneity, completeness, v_measure; /* A = classes (truth), B = clusters */
    double nmi_arithmetic, nmi_geometric, nmi_min, nmi_max;
    double ari, ami;              /* AMI with the arithmetic normaliser, as scikit-learn */
    double emi;                   /* expected MI under the hypergeometric model */
    double ami_geometric, ami_min, ami_max; /* AMI with scikit-learn's other average_method */
} shang_cluster_scores;

/* All scores; the expected MI (hence AMI) costs O(R C min(a, b)) and is computed
 * only if with_ami. */
int shang_cluster_scores_of(const shang_contingency *t, int with_ami, shang_cluster_scores *s) SHANG_MUST_CHECK;

#endif
