/* shang_bpe_learn — learning byte-level BPE merges from a corpus (what `shang bpe`
 * does). Internal: the piece counts live in the library's string map
 * (shang_strmap.h), which is not installed; the tokenizer it builds is used through
 * the public shang_bpe.h.
 */
#ifndef SHANG_BPE_LEARN_H
#define SHANG_BPE_LEARN_H

#include <stddef.h>
#include <stdint.h>

#include "shang_bpe.h"
#include "shang_err.h"
#include "shang_strmap.h"

/* Counting pre-token pieces of a corpus, for learning. */
int shang_bpe_count_pieces(const char *text, size_t len, shang_strmap *counts) SHANG_MUST_CHECK;

typedef struct shang_bpe_opts {
    size_t vocab_size; /* total, including 256 bytes and <|endoftext|>; >= 257 */
    uint64_t min_count; /* stop when the best pair occurs fewer times (>= 1) */
} shang_bpe_opts;
/* Learns merges from piece counts (as filled by shang_bpe_count_pieces). Merges
 * the most frequent adjacent pair, ties broken by the smaller left then right
 * id, until vocab_size or min_count; deterministic. Token 256+r is merge r;
 * <|endoftext|> is the last id. */
int shang_bpe_learn(const shang_strmap *counts, const shang_bpe_opts *opts,
                    shang_tokenizer **out) SHANG_MUST_CHECK;

#endif
