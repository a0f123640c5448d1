/* shang_senses — polysemy and synonymy measured on target states (E4, E5).
 *
 * Three layers, from the bottom:
 *   measures (shang_senses.c): WiC-style pair accuracy, leave-one-out nearest
 *     centroid, within-lemma k-means structure, paraphrase cosines, with weights
 *     per item or pair so that bootstrap replicates reuse them;
 *   the design (shang_senses_design.c): which pairs are compared and the random
 *     draws behind the baselines: WiC pairs read, checked and balanced, Sattolo
 *     derangements, synonym, antonym and frequency-matched random pairs;
 *   the analyses (shang_senses_run.c): each a table per layer with bootstrap
 *     intervals, what `shang senses` writes.
 * Similarity is the cosine of the two states. Every random draw comes from a
 * stream of the seed named below, so the same seed gives the same pairs. */
#ifndef SHANG_SENSES_H
#define SHANG_SENSES_H

#include <stddef.h>
#include <stdint.h>

#include "shang_err.h"
#include "shang_rng.h"
#include "shang_states.h"
#include "shang_table.h"

/* Within each lemma that has at least two senses and four rows: k-means of its
 * rows with k = its number of senses (k-means++, Lloyd, 3 restarts, seeded by
 * seed and the lemma), and per row the lemma's purity (share of rows in their
 * cluster's majority sense), NMI (arithmetic) and AMI of clusters against
 * senses; NaN for rows of
 * other lemmas. silhouette: per row of a sense with two rows or more (in a lemma
 * with two such senses), (b - a) / max(a, b) with cosine distance, a the mean
 * distance to its own sense's other rows, b the least mean distance to another
 * sense's rows; NaN elsewhere. */
int shang_lemma_structure(const float *X, size_t C, const int32_t *lemma, const int32_t *sense, size_t n,
                          uint64_t seed, double *purity, double *nmi, double *ami, double *silhouette) SHANG_MUST_CHECK;

/* cos (np): the cosine of rows a[p] and b[p] of X (rows of C floats) */
void shang_pair_cosines(const float *X, size_t C, const uint32_t *a, const uint32_t *b, size_t np, double *cos);

/* WiC-style: pairs p < np of rows a[p], b[p] of X (rows of C floats), label
 * same[p] (1: same sense), train[p] (1: threshold fitting, 0: test). The
 * threshold on the cosine that maximises the (weighted) training accuracy
 * (midway between neighbouring cosines); *acc: the weighted test accuracy. cos
 * (np) receives the cosines (pass the previous call's with have_cos to skip
 * recomputing them). w (np) may be NULL. SHANG_EINVAL without both sides. */
int shang_wic(const float *X, size_t C, const uint32_t *a, const uint32_t *b, const unsigned char *same,
              const unsigned char *train, const uint32_t *w, size_t np, double *cos, int have_cos, double *threshold,
              double *acc) SHANG_MUST_CHECK;

/* Leave-one-out nearest centroid: for each row i (weight w[i], NULL: 1) of a
 * lemma with at least two senses that have at least two rows each, the sense
 * whose centroid (of the lemma's other rows; i's own sense without i) is the
 * most cosine-similar; only senses with at least two rows are candidates.
 * Most-frequent-sense baseline: the candidate sense with the most rows (ties:
 * the smaller sense id). *acc, *mfs: weighted accuracies; *n: rows scored. */
int shang_nearest_centroid(const float *X, size_t C, const int32_t *lemma, const int32_t *sense, const uint32_t *w,
                           size_t n, double *acc, double *mfs, size_t *scored) SHANG_MUST_CHECK;
/* The same with each row's outcome in correct (n): 1 right, 0 wrong, -1 not
 * scored (per-lemma tables). */
int shang_nearest_centroid_rows(const float *X, size_t C, const int32_t *lemma, const int32_t *sense,
                                const uint32_t *w, size_t n, double *acc, double *mfs, size_t *scored,
                                signed char *correct) SHANG_MUST_CHECK;

/* Per item (ids 0..I-1 in item[], one per row of X; negative: no item): the
 * mean of its rows (mean, I x C; NULL to skip) and its last row (last, I x C;
 * NULL to skip); count[i] rows (0: the item's rows are zero vectors). */
int shang_item_pool(const float *X, const int32_t *item, size_t n, size_t C, size_t I, float *mean, float *last,
                    size_t *count) SHANG_MUST_CHECK;

/* Paraphrase pairs (A_i, B_i), i < I (rows of C floats): per item the cosine to
 * its aligned partner, to a shuffled partner B_perm[i], and whether B_i is the
 * most cosine-similar of all B to A_i (retrieval at rank 1; ties: the smaller
 * index). Outputs are per item (I each), so weighted means give bootstrap
 * replicates without recomputing. */
int shang_paraphrase(const float *A, const float *B, size_t I, size_t C, const uint32_t *perm, double *aligned,
                     double *shuffled, unsigned char *hit) SHANG_MUST_CHECK;

/* ---- the design ---------------------------------------------------------------- */

/* A random derangement of 0..n-1 (Sattolo's algorithm: one cycle, so no
 * perm[i] == i), n >= 2 (else SHANG_EINVAL); n - 1 draws from r. */
int shang_derangement(gsl_rng *r, size_t n, uint32_t *perm) SHANG_MUST_CHECK;

/* Label balancing within each split (split[q] 0 or 1): as many pairs of each
 * label as the rarer label has there, the rarer all, the other chosen by
 * selection sampling in order (one draw from r per pair, split 0 first).
 * keep (n): 1 for a kept pair. */
void shang_balance_labels(const unsigned char *label, const unsigned char *split, size_t n, gsl_rng *r,
                          unsigned char *keep);

/* WiC pairs as rows of the states: a, b, same (label), train (1: the split that
 * fits the threshold, 0: test). */
typedef struct shang_wic_pairs {
    size_t n;
    uint32_t *a, *b;
    unsigned char *same, *train;
} shang_wic_pairs;
/* Reads the pairs file (columns a, b, same_sense, same_lexfile, split) against
 * the items ids (I) whose target rows are row[] (-1: none): every line must name
 * two items of the states, labels 0/1 and split train/test, else SHANG_EFORMAT
 * naming path and line. out[0] are the pairs labelled by same_sense, out[1] by
 * same_lexfile, each of those whose items both have a row (with tok, per row
 * token, non-NULL: and the same token), balanced per split by
 * shang_balance_labels from stream (SHANG_STREAM_SUBSAMPLE, 4 << 40) of seed
 * (out[0] drawn first). Free each with shang_wic_pairs_free. */
int shang_wic_pairs_load(const char *path, char *const *ids, const int32_t *row, size_t I, const int32_t *tok,
                         uint64_t seed, shang_wic_pairs out[2]) SHANG_MUST_CHECK;
void shang_wic_pairs_free(shang_wic_pairs *p);

enum {
    SHANG_PAIRS_PER_ITEM = 8,    /* synonym and antonym pairs per sentence (per word pair) at most */
    SHANG_CONTROL_DRAWS = 50,    /* candidates for a frequency-matched random control */
    SHANG_CONTROL_TRIES = 5000,  /* draws before a control is given up */
};
/* Synonym pairs: for each item i (target row row[i] >= 0), the next items j > i
 * of the same set with a different word (at most max_per): rows into a, b (room
 * for I * max_per). Returns the count. */
size_t shang_synonym_pairs(const int32_t *set, const int32_t *word, const int64_t *row, size_t I, size_t max_per,
                           uint32_t *a, uint32_t *b);
/* Pairs of items whose words are wa[q] and wb[q] (antonyms, say), every
 * sentence of the one with every sentence of the other, at most max_per per
 * word pair and cap in all. Returns the count. */
size_t shang_word_pairs(char *const *wa, char *const *wb, size_t n_words, char *const *word, const int64_t *row,
                        size_t I, size_t max_per, size_t cap, uint32_t *a, uint32_t *b);
/* A random control per pair (a[q], b[q]) (rows of items i, j): a[q] with the row
 * of an item k drawn uniformly from r whose set differs from i's and whose word
 * is neither i's nor j's. With logf (per item, NaN: unknown), of the first
 * SHANG_CONTROL_DRAWS such k with a known frequency the one nearest to j's log
 * frequency; without, the first such k. A pair with no k in SHANG_CONTROL_TRIES
 * draws gets none. (ca, cb) receive the controls; returns their count. */
size_t shang_random_controls(const uint32_t *a, const uint32_t *b, size_t np, const int32_t *set, const int32_t *word,
                             const int64_t *row, const double *logf, size_t I, gsl_rng *r, uint32_t *ca,
                             uint32_t *cb);
/* logf[i]: the log of word[i]'s corpus_freq in the TSV at path (columns word,
 * corpus_freq; a word listed twice: its larger count), NaN if absent or 0. */
int shang_log_frequencies(const char *path, char *const *word, size_t I, double *logf) SHANG_MUST_CHECK;

/* ---- the analyses ------------------------------------------------------------ */

typedef struct shang_senses_opts {
    int site;                 /* SHANG_SITE_* */
    const int *layers;        /* the layers to measure (NULL: every stored one) */
    int n_layers;
    int standardize;          /* z-score every dimension first (each states file on its own) */
    int same_form;            /* WiC: only pairs whose two targets are one token */
    const char *scatter;      /* WiC: lemmas ("play,light") for table 'scatter', or NULL */
    int bootstrap;            /* replicates, 0 for none */
    double level;             /* interval level */
    uint64_t seed;            /* pairs, controls, k-means and bootstrap */
} shang_senses_opts;

enum { SHANG_SENSES_MAX_TABLES = 3 };
/* Polysemy per layer from the target states of sense-labelled sentences (items
 * id, lemma, pos, sense_key, lexfile): table 'layers' (WiC-style accuracy, fine
 * and coarse; leave-one-out nearest centroid with its most-frequent-sense
 * baseline; within-lemma purity, NMI, AMI, silhouette; intervals resampling
 * lemmas), 'scatter' (with o->scatter) and 'lemmas' (per lemma), in that order,
 * into out; *n_out their number. */
int shang_senses_wic(const shang_states *s, const char *pairs_path, const shang_senses_opts *o,
                     shang_table *out[SHANG_SENSES_MAX_TABLES], int *n_out) SHANG_MUST_CHECK;
/* Paraphrase convergence per layer: a and b hold two renderings of the same
 * items in the same order; per item the cosine of its mean-pooled (and
 * last-token) states to its partner's and to a shuffled partner's (a
 * derangement from stream (SHANG_STREAM_BASELINE, 5 << 40)), and retrieval at
 * rank 1; intervals resampling items. Table 'paraphrase'. */
int shang_senses_paraphrase(const shang_states *a, const shang_states *b, const shang_senses_opts *o,
                            shang_table **out) SHANG_MUST_CHECK;
/* Synonymy per layer from the target states of synonym sentences (items set_id,
 * word): mean cosine of synonym pairs (shang_synonym_pairs), of antonym pairs
 * (the word_a, word_b columns of antonyms_path) and of random controls
 * (shang_random_controls from stream (SHANG_STREAM_BASELINE, 6 << 40), matched
 * in log frequency with freq_path, NULL for none); intervals resampling
 * synsets. Table 'synonyms'. */
int shang_senses_synonyms(const shang_states *s, const char *antonyms_path, const char *freq_path,
                          const shang_senses_opts *o, shang_table **out) SHANG_MUST_CHECK;

/* The statistics behind two of the tables, for a bootstrap (shang_stat_fn):
 * per item (I) of the paraphrase, v[0..2] the aligned cosine, shuffled cosine
 * and retrieval hit of the mean-pooled states, v[3..5] of the last token; out
 * (8): per kind the means of the three and of aligned - shuffled. The mean over
 * items of paired values, not shang_bootstrap_means: the values are doubles and
 * the difference is of the pair. */
typedef struct shang_paraphrase_items {
    size_t I;
    const double *v[6];
} shang_paraphrase_items;
int shang_paraphrase_stats(const uint32_t *w, void *ctx, double *out);
/* Synonym, antonym and control pairs (np[g], g < 3): cos[g][p], weighted by the
 * replicate weight of the row first[g][p] (its synset); out (4): the three mean
 * cosines and synonyms - random. */
typedef struct shang_synonym_cosines {
    size_t np[3];
    const uint32_t *first[3];
    const double *cos[3];
} shang_synonym_cosines;
int shang_synonym_stats(const uint32_t *w, void *ctx, double *out);

#endif
