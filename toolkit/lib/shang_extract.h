/* shang_extract — hidden states of a model over a corpus or a table of items,
 * streamed into a `shang.states` artefact (FORMATS.md).
 *
 * Text: every document (shang_text.h's rule) is tokenised, optionally preceded by
 * <|endoftext|> (the separator the model was trained with; its own state is not
 * stored), and cut into windows of `ctx` tokens: the first window keeps all its
 * positions, each later one moves by `stride` and keeps only the positions not
 * yet kept, so every stored state saw at least ctx - stride tokens of context
 * (or the whole document so far). Items (a TSV: sense, synonym or paraphrase
 * sets): each row's text is one sequence, truncated to ctx; a target span
 * (character offsets) marks the target tokens; with targets_only one row per item
 * is stored (its last, first or mean target token). Sequences are batched,
 * right-padded (harmless: attention is causal), run through the model, and the
 * chosen sites and layers are appended to the file batch by batch: memory is
 * bounded by the batch and the largest input file, not by the corpus.
 */
#ifndef SHANG_EXTRACT_H
#define SHANG_EXTRACT_H

#include <stdint.h>

#include <hdf5.h>

#include "shang_bpe.h"
#include "shang_err.h"
#include "shang_gpt.h"
#include "shang_h5.h"

#define SHANG_STATES_FORMAT "shang.states"
#define SHANG_STATES_VERSION 1

enum shang_rep { SHANG_REP_LAST = 0, SHANG_REP_FIRST, SHANG_REP_MEAN };

typedef struct shang_extract_opts {
    unsigned site_mask;      /* 1 << SHANG_SITE_*; 0 = resid only */
    const int *layers;       /* layers to keep (0..L); NULL = all */
    int n_layers;
    int ctx;                 /* window length, 1..model context; 0 = the model's */
    int stride;              /* 1..ctx; 0 = ctx / 2 */
    int batch;               /* sequences per forward pass, >= 1 */
    uint64_t max_rows;       /* stop after this many stored positions; 0 = all */
    int bos;                 /* prepend <|endoftext|> to every document and item */
    int docs_mode;           /* shang_text.h */
    const char *text_col;    /* items: the text column ("sentence") */
    const char *start_col;   /* items: target span columns; NULL = target_start and
                                target_end if the table has them, else no targets */
    const char *end_col;
    int targets_only;        /* items: store only each item's target row */
    int rep;                 /* shang_rep: which target token represents it */
    shang_h5_opts storage;
} shang_extract_opts;

typedef struct shang_extract shang_extract;

/* Prepares the datasets in `file` (an open shang.states artefact). */
int shang_extract_new(const shang_gpt *m, const shang_tokenizer *t, const shang_extract_opts *o, hid_t file,
                      shang_extract **out) SHANG_MUST_CHECK;
int shang_extract_text(shang_extract *x, const char *path) SHANG_MUST_CHECK;
int shang_extract_items(shang_extract *x, const char *tsv_path) SHANG_MUST_CHECK;
/* Runs the last batch and writes the item tables and the root attributes
 * (bos_prepended, first_position, n_layer, n_embd). */
int shang_extract_finish(shang_extract *x) SHANG_MUST_CHECK;
void shang_extract_free(shang_extract *x);
uint64_t shang_extract_rows(const shang_extract *x);     /* positions stored */
uint64_t shang_extract_tokens(const shang_extract *x);   /* tokens run through the model */
int shang_extract_done(const shang_extract *x);          /* max_rows reached */
/* The target span's start column in effect (the default included), or NULL. */
const char *shang_extract_span(const shang_extract *x);

/* One window of a sequence: positions [start, end) run through the model, of
 * which [keep, end) are stored (each position once, with the most context). */
typedef struct shang_window {
    int start, end, keep;
} shang_window;
/* The windows over a sequence of `total` positions whose first `skip` (the
 * <|endoftext|> prefix) are never stored: windows of ctx positions moving by
 * `stride` (1 <= stride <= ctx); the first keeps all its positions, each later
 * one the positions not yet kept. With move_last the last is moved back to
 * full length (more context for the last positions); without, the windows tile
 * the sequence evenly, so a position's place in its window does not depend on
 * how near the end it is. *w is malloc'd (*n windows; none when total <= skip). */
int shang_windows(int total, int ctx, int stride, int skip, int move_last, shang_window **w, int *n) SHANG_MUST_CHECK;

#endif
