/* shang_states — reading a shang.states artefact (shang_extract.h writes it):
 * which sites and layers it holds, rows of one layer, and the per-row columns. */
#ifndef SHANG_STATES_H
#define SHANG_STATES_H

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "shang_err.h"
#include "shang_gpt.h"

typedef struct shang_states {
    char *path;
    hid_t file;
    size_t N, C;                        /* rows, width */
    int n_layers[SHANG_N_SITES];        /* layers stored per site (0: site absent) */
    int32_t *layers[SHANG_N_SITES];     /* their layer numbers */
    hid_t dset[SHANG_N_SITES];
} shang_states;

int shang_states_open(const char *path, shang_states **out) SHANG_MUST_CHECK;
void shang_states_close(shang_states *s);
/* The index of `layer` at `site` on axis 0 of states/<site>, or -1. */
int shang_states_index(const shang_states *s, int site, int layer);
/* Rows r0 .. r0+n-1 of (site, layer) into out (n, C). */
int shang_states_read(const shang_states *s, int site, int layer, size_t r0, size_t n, float *out) SHANG_MUST_CHECK;
/* A per-row int32 column ("tokens", "next_tokens", "doc", "pos", "item") into a
 * new array of N values (free() it). */
int shang_states_column(const shang_states *s, const char *name, int32_t **out) SHANG_MUST_CHECK;

/* The rows of (site, layer) whose keep[] is non-zero (keep NULL: all), gathered
 * into *rows (n, C), read in blocks. */
int shang_states_gather(const shang_states *s, int site, int layer, const unsigned char *keep, float **rows,
                        size_t *n) SHANG_MUST_CHECK;

/* Streams the kept rows of (site, layer) into a PCA accumulator, a block at a
 * time (memory: one block, whatever N); *n receives the rows added. */
struct shang_pca_acc;
int shang_states_accumulate(const shang_states *s, int site, int layer, const unsigned char *keep,
                            struct shang_pca_acc *acc, size_t *n) SHANG_MUST_CHECK;

/* The layers to use at `site`: a copy of want (n_want; each must be stored at
 * the site, else SHANG_EUSAGE naming it), or with want NULL every stored layer,
 * into *layers (malloc'd; the caller frees it) and *n. */
int shang_states_layers(const shang_states *s, int site, const int *want, int n_want, int **layers,
                        int *n) SHANG_MUST_CHECK;
/* The rows to use: NULL (all) unless exclude_first, then a mask (N) that leaves
 * out the first position of every document or item (pos == 0). */
int shang_states_keep(const shang_states *s, int exclude_first, unsigned char **keep) SHANG_MUST_CHECK;
/* Balanced sampling (Voita et al. 2019): of the rows *keep allows (NULL: all),
 * the F most frequent tokens that occur at least S times, and S occurrences of
 * each drawn without replacement (seeded). *keep is replaced by the new mask;
 * *kept receives its row count. */
int shang_states_balanced(const shang_states *s, unsigned char **keep, size_t F, size_t S, uint64_t seed,
                          size_t *kept) SHANG_MUST_CHECK;

/* The document group of each row (*group, N; free() it): its document, except
 * that documents of the input files whose names start with one of the n
 * `parallel` prefixes (renderings of one text: "kjv.", "web.") are grouped by
 * their index in the file, so a chapter's renderings are held out, folded and
 * resampled together. Needs the states' doc_file, doc_index and files (shang
 * extract writes them); a prefix no file has is an error. n 0: the documents. */
int shang_states_doc_groups(const shang_states *s, const char *const *parallel, int n, int32_t **group) SHANG_MUST_CHECK;

#endif
