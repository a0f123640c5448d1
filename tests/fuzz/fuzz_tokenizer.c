/* libFuzzer target: the tokenizers and the document splitter on arbitrary bytes.
 * For GPT-2's tokenizer and a learnt one: decode(encode(x)) == x, offsets tile the
 * input, no special token appears; decoding arbitrary ids never reads out of
 * bounds; document spans lie inside the text, in order, and never start with an
 * empty line. The input also serves as a merges.txt for the GPT-2 loader, which
 * must accept or refuse it cleanly. Build and run: make fuzz (clang). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "shang.h"
#include "shang_bpe_learn.h"

static shang_tokenizer *tok[2];
static shang_encoder *enc[2];
static char vocab_path[64], merges_path[64];

/* GPT-2's first 600 tokens (the 256 bytes and 344 merge results) as a small
 * vocab.json for the merges parser, so each run stays fast */
static void write_small_vocab(void)
{
    json_t *all = json_load_file("datasets/gpt2/encoder.json", 0, NULL), *small = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(all, k, v) if (json_integer_value(v) < 600) json_object_set(small, k, v);
    snprintf(vocab_path, sizeof vocab_path, "/tmp/fuzz-vocab-%d.json", (int)getpid());
    snprintf(merges_path, sizeof merges_path, "/tmp/fuzz-merges-%d.txt", (int)getpid());
    if (json_dump_file(small, vocab_path, 0)) abort();
    json_decref(all);
    json_decref(small);
}

static void init(void)
{
    if (shang_bpe_load_gpt2_dir("datasets/gpt2", &tok[0])) {
        fprintf(stderr, "fuzz: run from the repository root: %s\n", shang_err_msg());
        abort();
    }
    char *text;
    size_t len;
    shang_strmap *c;
    shang_bpe_opts o = {1024, 2};
    if (shang_text_read("datasets/corpus/devil.valid.txt.gz", &text, &len) || shang_strmap_new(64, &c) ||
        shang_bpe_count_pieces(text, len, c) || shang_bpe_learn(c, &o, &tok[1]))
        abort();
    free(text);
    shang_strmap_free(c);
    for (int i = 0; i < 2; i++)
        if (shang_encoder_new(tok[i], &enc[i])) abort();
    write_small_vocab();
}

static void check_tokenizer(int k, const char *s, size_t n)
{
    shang_ivec ids = {0};
    shang_lvec offs = {0};
    if (shang_encode(enc[k], s, n, &ids, &offs)) abort();
    char *out;
    size_t len;
    if (shang_decode(tok[k], ids.v, ids.n, &out, &len)) abort();
    if (len != n || memcmp(out, s, n)) abort();
    size_t at = 0;
    for (size_t i = 0; i < ids.n; i++) {
        size_t tl;
        if (ids.v[i] == shang_bpe_eot(tok[k]) || (size_t)offs.v[i] != at || !shang_bpe_token(tok[k], ids.v[i], &tl)) abort();
        at += tl;
    }
    free(out);
    /* arbitrary ids: in range decode, out of range refused */
    size_t m = n / 4;
    int32_t *raw = malloc(m * 4 + 4);
    memcpy(raw, s, m * 4);
    int rc = shang_decode(tok[k], raw, m, &out, &len);
    if (!rc) free(out);
    free(raw);
    free(ids.v);
    free(offs.v);
}

static void check_docs(const char *s, size_t n)
{
    for (int mode = 0; mode < 3; mode++) {
        shang_span *d;
        size_t nd;
        if (shang_text_docs(s, n, mode, &d, &nd)) abort();
        size_t prev = 0;
        for (size_t i = 0; i < nd; i++) {
            if (d[i].start < prev || d[i].len == 0 || d[i].start + d[i].len > n) abort();
            if (mode != SHANG_DOCS_FILE && s[d[i].start] == '\n') abort();
            prev = d[i].start + d[i].len;
        }
        free(d);
    }
}

static void check_merges_parser(const char *s, size_t n)
{
    FILE *f = fopen(merges_path, "wb");
    if (!f) return;
    fwrite(s, 1, n, f);
    fclose(f);
    shang_tokenizer *t = NULL;
    if (shang_bpe_load_gpt2(vocab_path, merges_path, &t) == 0) shang_bpe_free(t);
    shang_err_clear();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!tok[0]) init();
    const char *s = (const char *)data;
    check_tokenizer(0, s, size);
    check_tokenizer(1, s, size);
    check_docs(s, size);
    check_merges_parser(s, size);
    return 0;
}
