/* shang_alias — the aliasing decomposition of one layer (SCIENCE.md): tokens X,
 * next tokens Y and clusters K of the same N rows, grouped by document.
 *
 * X-K: H(X), H(K), one-to-many H(K|X), many-to-one H(X|K), VI, homogeneity,
 * completeness, V-measure, NMI (arithmetic), AMI, ARI, I(X;K).
 * Prediction (rows with a next token): I(Y;K), H(Y), and H(Y|X), H(Y|K),
 * H(Y|X,K) by plug-in, Miller-Madow, Chao-Shen and Grassberger (each as
 * H(C,Y) - H(C) with that estimator), the held-out cross-entropies of the same
 * (add-alpha with back-off to the add-alpha unigram, fit on the documents not
 * held out, measured on those held out), the gains H(Y|X) - H(Y|X,K), and the
 * plug-in biases sum_c (m_c - 1) / 2N of H(Y|X) and H(Y|K) (m_c: distinct Y
 * seen with condition c).
 * Matched size: X cut to its k - 1 most frequent tokens and one "other" (k the
 * clusters used), H(Y|X_k) plug-in and held-out: the token partition with as
 * many parts as K, to compare with H(Y|K).
 * Baselines: a random partition with the cluster sizes of K (K's labels
 * permuted over the rows) and a label shuffle (Y permuted over the rows).
 * Tuned (shang_smooth.h): the held-out cross-entropies of the back-off chains
 * Y | X -> unigram, Y | K -> unigram, Y | (X,K) -> X -> unigram and
 * Y | (X,K) -> K -> unigram (and the unigram alone), each level's smoothing chosen
 * by cross-validation over folds of the training document groups, the smoother
 * (Dirichlet or absolute discounting with a concentration) at each level the one
 * with the lower cross-validated cross-entropy; the finest level's choice is
 * reported; the coarser levels are those of the shorter chains. Their
 * differences: the advantage CE(Y|X) - CE(Y|K) and the conditional gains
 * CE(Y|X) - CE(Y|X,K) (what K adds to X) and CE(Y|K) - CE(Y|X,K) (what X adds to
 * K). The choices are made once, on the full data; bootstrap replicates re-count
 * at them. Token-side baselines, tuned the same way: X_k (as above) -> unigram;
 * with the previous token P (opts.prev), (X,P) -> X -> unigram, what one more
 * token of context adds to X, to set beside what K adds; and the context (X,P)
 * cut to its k - 1 most frequent pairs + other -> unigram, a partition of n-gram
 * contexts with as many parts as K; with exchange classes of the tokens
 * (opts.xclass, trained on the training rows to predict Y), class(X) -> unigram:
 * a token partition of k parts chosen for what K is scored on.
 * Intervals: the estimate +- z x its bootstrap standard error, resampling
 * documents (every statistic but counts, AMI and the baselines). Not the
 * percentile interval: resampling with replacement duplicates documents, which
 * lowers plug-in entropies and raises held-out cross-entropies, so the
 * replicates' distribution is shifted and need not contain the estimate. Nats. */
#ifndef SHANG_ALIAS_H
#define SHANG_ALIAS_H

#include <stddef.h>
#include <stdint.h>

#include "shang_bpe.h"
#include "shang_err.h"
#include "shang_metrics.h"
#include "shang_table.h"

enum shang_alias_stat {
    SHANG_A_N, SHANG_A_NY, SHANG_A_X_TYPES, SHANG_A_K_USED,
    SHANG_A_H_X, SHANG_A_H_K, SHANG_A_H_K_X, SHANG_A_H_X_K, SHANG_A_VI,
    SHANG_A_HOMOGENEITY, SHANG_A_COMPLETENESS, SHANG_A_V, SHANG_A_NMI, SHANG_A_AMI, SHANG_A_ARI,
    SHANG_A_H_XK, SHANG_A_NMI_GEOMETRIC, SHANG_A_NMI_MIN, SHANG_A_NMI_MAX,
    SHANG_A_AMI_GEOMETRIC, SHANG_A_AMI_MIN, SHANG_A_AMI_MAX,
    SHANG_A_MI_XK, SHANG_A_MI_YK, SHANG_A_H_Y,
    SHANG_A_H_Y_X_PLUGIN, SHANG_A_H_Y_X_MM, SHANG_A_H_Y_X_CS, SHANG_A_H_Y_X_GR,
    SHANG_A_H_Y_K_PLUGIN, SHANG_A_H_Y_K_MM, SHANG_A_H_Y_K_CS, SHANG_A_H_Y_K_GR,
    SHANG_A_H_Y_XK_PLUGIN, SHANG_A_H_Y_XK_MM, SHANG_A_H_Y_XK_CS, SHANG_A_H_Y_XK_GR,
    SHANG_A_CE_Y, SHANG_A_CE_Y_X, SHANG_A_CE_Y_K, SHANG_A_CE_Y_XK,
    SHANG_A_H_Y_XTOP, SHANG_A_CE_Y_XTOP,
    SHANG_A_GAIN_PLUGIN, SHANG_A_GAIN_CE, SHANG_A_ADV_CE, SHANG_A_ADV_TOP_CE,
    SHANG_A_BIAS_Y_X, SHANG_A_BIAS_Y_K, SHANG_A_BIAS_WARNING,
    SHANG_A_RAND_H_K_X, SHANG_A_RAND_H_X_K, SHANG_A_RAND_MI_XK, SHANG_A_RAND_MI_YK,
    SHANG_A_RAND_H_Y_K, SHANG_A_RAND_CE_Y_K, SHANG_A_SHUF_MI_YK, SHANG_A_SHUF_H_Y_K,
    SHANG_A_CET_Y, SHANG_A_CET_Y_X, SHANG_A_CET_Y_K, SHANG_A_CET_Y_XK_X, SHANG_A_CET_Y_XK_K,
    SHANG_A_ADV_CET, SHANG_A_GAIN_CET, SHANG_A_XGAIN_CET,
    SHANG_A_SM_X, SHANG_A_SM_X_A, SHANG_A_SM_X_THETA, SHANG_A_SM_K, SHANG_A_SM_K_A, SHANG_A_SM_K_THETA,
    SHANG_A_SM_XK_X, SHANG_A_SM_XK_X_A, SHANG_A_SM_XK_X_THETA, SHANG_A_SM_XK_K, SHANG_A_SM_XK_K_A,
    SHANG_A_SM_XK_K_THETA,
    SHANG_A_CET_Y_XTOP, SHANG_A_ADV_TOP_CET, SHANG_A_CET_Y_XP, SHANG_A_GAIN_CET_PREV, SHANG_A_CET_Y_CTXK,
    SHANG_A_ADV_CTX_CET, SHANG_A_CET_Y_XCLS, SHANG_A_ADV_XCLS_CET,
    SHANG_A_N_STATS
};

/* column name ("h_k_given_x") and one-line description of a statistic */
const char *shang_alias_stat_name(int s);
const char *shang_alias_stat_description(int s);
/* whether the bootstrap gives the statistic an interval */
int shang_alias_stat_has_ci(int s);
/* whether it is an entropy, an information or a difference of them (in nats;
 * divided by ln 2 for bits), rather than a count, a ratio or an index */
int shang_alias_stat_is_information(int s);

typedef struct shang_alias_opts {
    size_t V;            /* Y's alphabet (vocabulary size), for add-alpha */
    double alpha;        /* add-alpha, > 0 */
    double heldout_frac; /* share of documents held out for the cross-entropies, in (0, 1) */
    int bootstrap;       /* replicates; 0: no intervals */
    double level;        /* interval level, e.g. 0.95 */
    int with_ami;        /* AMI costs O(|X| |K|) or more; 0 leaves it NaN */
    uint64_t seed;       /* held-out documents, baselines, bootstrap */
    uint64_t stream;     /* distinguishes layers: their baselines and replicates differ */
    int folds;           /* cross-validation folds for the tuned estimates, 2..64; 0: 5 */
    const int32_t *group; /* (N) document group of each row (held out, folded and resampled
                             together: a chapter's renderings), or NULL: its document */
    const unsigned char *heldout; /* (N) 1 for a held-out row (the split the clusters were
                                     fitted by), or NULL: shang_heldout_split's by group */
    const int32_t *prev;  /* (N) the token before each row's (-1: none), or NULL: no context baselines */
    struct shang_table *smoothing; /* rows appended (shang_alias_smoothing_new), or NULL */
    const int32_t *xclass; /* (N) each row's token's exchange class (shang_alias_token_classes), or NULL */
} shang_alias_opts;

/* x, k (N): any int32 labels; y (N): next token in 0..V-1, or -1 (no next token:
 * left out of the Y statistics); doc (N): document of each row. stats, lo, hi:
 * SHANG_A_N_STATS each (lo, hi NaN without an interval). */
int shang_alias_layer(const int32_t *x, const int32_t *y, const int32_t *k, const int32_t *doc, size_t N,
                      const shang_alias_opts *o, double *stats, double *lo, double *hi) SHANG_MUST_CHECK;

/* The exchange classes (shang_exchange.h) of the tokens x into k classes, trained
 * on the rows shang_alias_layer uses for training with the same opts (a next
 * token, not held out: o->heldout, else shang_heldout_split by group with
 * o->heldout_frac and o->seed): cls (N). The same for every layer, so computed
 * once. At most 10 sweeps, 2 starts (Brown's and one random, o->seed). */
int shang_alias_token_classes(const int32_t *x, const int32_t *y, const int32_t *group, size_t N,
                              const shang_alias_opts *o, size_t k, int32_t *cls) SHANG_MUST_CHECK;

/* ---- the tables of `shang alias` ------------------------------------------- */

/* The sensitivity of the tuned estimates to their smoothing: per layer (the
 * opts' stream), chain ("y", "x", "k", "xk_via_x", "xk_via_k", "xtop", "x_prev",
 * "ctxk", "xclass"), smoother and parameter, the cross-validated cross-entropy of the
 * chain's finest level at each grid value, the rest at their chosen values. */
int shang_alias_smoothing_new(shang_table **t) SHANG_MUST_CHECK;

/* The three tables, with their columns: 'layers' (layer, k, and per statistic
 * its estimate and, where bootstrap and shang_alias_stat_has_ci, name_lo and
 * name_hi), 'tokens' and 'clusters' (shang_alias_label_rows). */
int shang_alias_tables_new(int bootstrap, shang_table **layers, shang_table **tokens,
                           shang_table **clusters) SHANG_MUST_CHECK;
/* A row of 'layers' from shang_alias_layer's output; information statistics
 * divided by unit (1: nats, ln 2: bits). */
int shang_alias_layer_row(shang_table *layers, int layer, int64_t k, const double *stats, const double *lo,
                          const double *hi, double unit) SHANG_MUST_CHECK;
/* Per label of the contingency table of x and k (*t; free with
 * shang_contingency_free): h_k_x[i] = H(K | X = a_label[i]) and h_x_k[j] =
 * H(X | K = b_label[j]), plug-in, nats (free() both). */
int shang_alias_label_entropies(const int32_t *x, const int32_t *k, size_t N, shang_contingency **t, double **h_k_x,
                                double **h_x_k) SHANG_MUST_CHECK;
/* The rows of one layer: into tt, per token seen min_count times or more (by
 * id) its count, H(K|X=t) / unit and exp H(K|X=t), its effective number of
 * meanings; into tc, per cluster its size, H(X|K=c) / unit, exp H(X|K=c), its
 * distinct tokens and its top tokens ("text (count) | ...", most frequent
 * first, ties by id). tok (may be NULL: "#id") gives the tokens' text. */
int shang_alias_label_rows(const int32_t *x, const int32_t *k, size_t N, int layer, int min_count, int top,
                           double unit, const shang_tokenizer *tok, shang_table *tt, shang_table *tc) SHANG_MUST_CHECK;
/* A token's bytes for a table cell: control bytes and backslash escaped ("#id"
 * without a tokenizer or for an id it lacks). */
void shang_token_text(const shang_tokenizer *tok, int32_t id, char *out, size_t cap);

#endif
