/* shang_tokens — a tokenised corpus: token ids with their document and byte
 * offset, and each document's file and place; written as a `shang.tokens`
 * artefact (FORMATS.md) together with the tokenizer that made it, so that it can
 * be decoded on its own. Holds everything in memory (a corpus of 15 MB is 3.5 M
 * tokens, 56 MB here). */
#ifndef SHANG_TOKENS_H
#define SHANG_TOKENS_H

#include <hdf5.h>

#include "shang_bpe.h"
#include "shang_err.h"

#define SHANG_TOKENS_FORMAT "shang.tokens"
#define SHANG_TOKENS_VERSION 1

typedef struct shang_tokens {
    shang_ivec ids;       /* (N) token ids */
    shang_ivec doc;       /* (N) document index of each token */
    shang_lvec offset;    /* (N) byte offset of each token in its document */
    shang_ivec doc_file;  /* (D) file index of each document */
    shang_lvec doc_start; /* (D) byte offset of each document in its file's text */
    shang_lvec doc_first; /* (D) index of each document's first token */
    char **files;         /* (F) input paths */
    size_t n_files;
    uint64_t bytes;       /* text bytes encoded */
} shang_tokens;

/* Encodes every document of `path` (plain or gzip; `docs_mode` from shang_text.h)
 * and appends it. */
int shang_tokens_add_file(shang_tokens *tk, shang_encoder *e, const char *path,
                          int docs_mode) SHANG_MUST_CHECK;
/* Writes the datasets and /tokenizer into an open artefact. */
int shang_tokens_write(const shang_tokens *tk, const shang_tokenizer *t, hid_t file) SHANG_MUST_CHECK;
/* Reads ids, doc and doc_first back (the rest is left empty). */
int shang_tokens_read(hid_t file, shang_tokens *tk) SHANG_MUST_CHECK;
void shang_tokens_clear(shang_tokens *tk);

/* The token stream a language model trains on: for every document of the files
 * (the blank-line rule), <|endoftext|> then its tokens, appended to *out. */
int shang_tokens_stream(const shang_tokenizer *t, char *const *files, int n, shang_ivec *out) SHANG_MUST_CHECK;

#endif
