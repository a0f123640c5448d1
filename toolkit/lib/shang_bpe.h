/* shang_bpe — byte-level BPE tokenizers: GPT-2's (loaded from vocab.json and
 * merges.txt) and shang's own (learnt on a corpus: shang_bpe_learn.h, internal), encoding,
 * decoding, and storage in HDF5 so that a model file can embed its tokenizer.
 *
 * Text is split into pieces by GPT-2's pre-tokenisation regex (PCRE2, UTF mode with
 * Unicode properties, JIT); each piece's bytes are merged by rank. Bytes the regex
 * cannot match — invalid UTF-8 — form pieces of their own, so every byte string
 * encodes and decode(encode(x)) == x for any x, NUL bytes included. Special tokens
 * (<|endoftext|>) are never produced by encoding text; callers insert them by id.
 * A tokenizer is read-only once built and may be shared by threads; an encoder
 * (regex match state and a cache) belongs to one thread.
 */
#ifndef SHANG_BPE_H
#define SHANG_BPE_H

#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "shang_err.h"

/* GPT-2's pre-tokenisation pattern. */
#define SHANG_BPE_PATTERN \
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"
#define SHANG_BPE_EOT "<|endoftext|>"

typedef struct shang_tokenizer shang_tokenizer;
typedef struct shang_encoder shang_encoder;

/* A growable array of token ids (or offsets). */
typedef struct shang_ivec {
    int32_t *v;
    size_t n, cap;
} shang_ivec;
typedef struct shang_lvec {
    int64_t *v;
    size_t n, cap;
} shang_lvec;
int shang_ivec_push(shang_ivec *a, int32_t x) SHANG_MUST_CHECK;
int shang_lvec_push(shang_lvec *a, int64_t x) SHANG_MUST_CHECK;

/* GPT-2 files: vocab.json (encoder.json) and merges.txt (vocab.bpe). Errors name
 * the file and, for merges, the line. */
int shang_bpe_load_gpt2(const char *vocab_json, const char *merges_txt,
                        shang_tokenizer **out) SHANG_MUST_CHECK;
/* Stores / loads a tokenizer as group `name` under `loc` (see FORMATS.md). */
int shang_bpe_write(const shang_tokenizer *t, hid_t loc, const char *name) SHANG_MUST_CHECK;
int shang_bpe_read(hid_t loc, const char *name, shang_tokenizer **out) SHANG_MUST_CHECK;
void shang_bpe_free(shang_tokenizer *t);

size_t shang_bpe_vocab_size(const shang_tokenizer *t);
size_t shang_bpe_n_merges(const shang_tokenizer *t);
int32_t shang_bpe_eot(const shang_tokenizer *t); /* id of <|endoftext|>, -1 if none */
/* The bytes of token `id` (not NUL-terminated); NULL for an id out of range. */
const char *shang_bpe_token(const shang_tokenizer *t, int32_t id, size_t *len);
const char *shang_bpe_origin(const shang_tokenizer *t); /* "gpt2" or "shang bpe" */

int shang_encoder_new(const shang_tokenizer *t, shang_encoder **out) SHANG_MUST_CHECK;
void shang_encoder_free(shang_encoder *e);
/* Appends the ids of text[0, len) to *ids and, if offs is not NULL, each token's
 * first byte offset (relative to text) to *offs. */
int shang_encode(shang_encoder *e, const char *text, size_t len, shang_ivec *ids,
                 shang_lvec *offs) SHANG_MUST_CHECK;
/* Concatenated bytes of ids[0, n) into *out (malloc'd, NUL after the last byte);
 * special tokens decode to their names. SHANG_EINVAL for an id out of range. */
int shang_decode(const shang_tokenizer *t, const int32_t *ids, size_t n, char **out,
                 size_t *len) SHANG_MUST_CHECK;

/* The tokenizer of any shang artefact that has one (group /tokenizer: a
 * shang.tokenizer, shang.tokens or shang.model file). Errors name the file. */
int shang_bpe_load_file(const char *path, shang_tokenizer **out) SHANG_MUST_CHECK;
/* GPT-2's files in `dir`: encoder.json or vocab.json, and vocab.bpe or merges.txt. */
int shang_bpe_load_gpt2_dir(const char *dir, shang_tokenizer **out) SHANG_MUST_CHECK;

#endif
