/* Tokenizers: GPT-2's published test vectors, decode(encode(x)) == x on random
 * byte strings (invalid UTF-8 and NUL included) for GPT-2's and a learnt
 * tokenizer, BPE learning on a hand-worked example, determinism, HDF5 round
 * trip, malformed GPT-2 files, and the corpus document rule. Run from the
 * repository root (reads datasets/gpt2). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shang.h"
#include "shang_mem.h"
#include "shang_bpe_learn.h"
#include "testutil.h"

static shang_tokenizer *gpt2;

static int setup(void **state)
{
    (void)state;
    if (shang_bpe_load_gpt2_dir("datasets/gpt2", &gpt2)) {
        fprintf(stderr, "%s\n", shang_err_msg());
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    shang_bpe_free(gpt2);
    return 0;
}

static void encode_str(const shang_tokenizer *t, const char *s, size_t len, shang_ivec *ids, shang_lvec *offs)
{
    shang_encoder *e;
    assert_int_equal(shang_encoder_new(t, &e), 0);
    ids->n = 0;
    if (offs) offs->n = 0;
    assert_int_equal(shang_encode(e, s, len, ids, offs), 0);
    shang_encoder_free(e);
}

static void expect_ids(const char *text, const int32_t *want, size_t n)
{
    shang_ivec ids = {0};
    encode_str(gpt2, text, strlen(text), &ids, NULL);
    assert_int_equal(ids.n, n);
    assert_memory_equal(ids.v, want, n * sizeof *want);
    free(ids.v);
}

static void test_gpt2_vectors(void **state)
{
    (void)state;
    assert_int_equal(shang_bpe_vocab_size(gpt2), 50257);
    assert_int_equal(shang_bpe_n_merges(gpt2), 50000);
    assert_int_equal(shang_bpe_eot(gpt2), 50256);
    /* the gpt-3-encoder package's JS encoder gives these */
    expect_ids("hello world", (int32_t[]){31373, 995}, 2);
    expect_ids("The bank of the river.", (int32_t[]){464, 3331, 286, 262, 7850, 13}, 6);
    expect_ids(" bass guitar", (int32_t[]){12702, 10047}, 2);
    expect_ids("Hello, world! \xe4\xbd\xa0\xe5\xa5\xbd", (int32_t[]){15496, 11, 995, 0, 220, 19526, 254, 25001, 121}, 9);
    /* <|endoftext|> in text is text, not the special token */
    shang_ivec ids = {0};
    encode_str(gpt2, SHANG_BPE_EOT, strlen(SHANG_BPE_EOT), &ids, NULL);
    assert_true(ids.n > 1);
    for (size_t i = 0; i < ids.n; i++) assert_int_not_equal(ids.v[i], 50256);
    free(ids.v);
}

/* random byte strings: mostly ASCII words and spaces, with UTF-8, invalid bytes, NUL */
static size_t random_text(gsl_rng *r, char *buf, size_t max)
{
    static const char *const parts[] = {"the", " bank", " ", "  ", "\n", "\n\n", "'s", "'ll", "123", " 4",
                                        "!?", "\xe4\xbd\xa0\xe5\xa5\xbd", "\xc3\xa9t\xc3\xa9", "\xf0\x9f\x98\x80",
                                        "\xff", "\xc3", "\x80\x80", "\0", "\t", "\r\n", "\xed\xa0\x80", "Zz"};
    size_t n = 0, len = gsl_rng_uniform_int(r, max / 4);
    while (n < len) {
        if (gsl_rng_uniform(r) < 0.15) {
            buf[n++] = (char)gsl_rng_uniform_int(r, 256);
        } else {
            const char *p = parts[gsl_rng_uniform_int(r, sizeof parts / sizeof *parts)];
            size_t l = p[0] ? strlen(p) : 1;
            if (n + l > max) break;
            memcpy(buf + n, p, l);
            n += l;
        }
    }
    return n;
}

static void check_roundtrip(const shang_tokenizer *t, uint64_t seed)
{
    gsl_rng *r;
    assert_int_equal(shang_rng_new(seed, SHANG_STREAM_TEST, 0, &r), 0);
    char buf[512];
    shang_ivec ids = {0};
    shang_lvec offs = {0};
    for (int k = 0; k < 3000; k++) {
        size_t n = random_text(r, buf, sizeof buf);
        encode_str(t, buf, n, &ids, &offs);
        char *out;
        size_t len;
        assert_int_equal(shang_decode(t, ids.v, ids.n, &out, &len), 0);
        assert_int_equal(len, n);
        assert_memory_equal(out, buf, n);
        free(out);
        /* offsets: each token starts where the previous one ended */
        size_t at = 0;
        for (size_t i = 0; i < ids.n; i++) {
            size_t tl;
            assert_non_null(shang_bpe_token(t, ids.v[i], &tl));
            assert_int_equal(offs.v[i], at);
            assert_int_not_equal(ids.v[i], shang_bpe_eot(t));
            at += tl;
        }
        assert_int_equal(at, n);
    }
    free(ids.v);
    free(offs.v);
    shang_rng_free(r);
}

static void test_gpt2_roundtrip_random_bytes(void **state)
{
    (void)state;
    check_roundtrip(gpt2, 11);
}

static shang_tokenizer *learn(const char *text, size_t vocab, uint64_t min_count)
{
    shang_strmap *c;
    assert_int_equal(shang_strmap_new(16, &c), 0);
    assert_int_equal(shang_bpe_count_pieces(text, strlen(text), c), 0);
    shang_bpe_opts o = {vocab, min_count};
    shang_tokenizer *t;
    assert_int_equal(shang_bpe_learn(c, &o, &t), 0);
    shang_strmap_free(c);
    return t;
}

static void expect_token(const shang_tokenizer *t, int32_t id, const char *s)
{
    size_t len;
    const char *p = shang_bpe_token(t, id, &len);
    assert_non_null(p);
    assert_int_equal(len, strlen(s));
    assert_memory_equal(p, s, len);
}

/* aaabdaaabac (one piece): pairs aa:4 -> merge "aa"; then (aa,a):2 and (a,b):2
 * tie, the smaller left id wins -> "ab"; then (aa,ab):2 -> "aaab"; then every
 * pair occurs once and min_count 2 stops. */
static void test_learn_worked_example(void **state)
{
    (void)state;
    shang_tokenizer *t = learn("aaabdaaabac", 1000, 2);
    assert_int_equal(shang_bpe_n_merges(t), 3);
    assert_int_equal(shang_bpe_vocab_size(t), 260);
    expect_token(t, 256, "aa");
    expect_token(t, 257, "ab");
    expect_token(t, 258, "aaab");
    expect_token(t, 259, SHANG_BPE_EOT);
    assert_int_equal(shang_bpe_eot(t), 259);
    shang_ivec ids = {0};
    encode_str(t, "aaabdaaabac", 11, &ids, NULL);
    assert_int_equal(ids.n, 5);
    assert_memory_equal(ids.v, ((int32_t[]){258, 'd', 258, 'a', 'c'}), 5 * sizeof(int32_t));
    free(ids.v);
    shang_bpe_free(t);
    /* the vocabulary size caps the merges */
    t = learn("aaabdaaabac", 258, 1);
    assert_int_equal(shang_bpe_n_merges(t), 1);
    shang_bpe_free(t);
    shang_strmap *c;
    assert_int_equal(shang_strmap_new(16, &c), 0);
    shang_bpe_opts bad = {256, 1};
    assert_int_equal(shang_bpe_learn(c, &bad, &t), SHANG_EINVAL);
    shang_strmap_free(c);
}

static const char *corpus =
    "In the beginning God created the heaven and the earth. And the earth was without form, "
    "and void; and darkness was upon the face of the deep. It is a truth universally acknowledged, "
    "that a single man in possession of a good fortune, must be in want of a wife. The bank of "
    "the river; the bank that holds the money; 123 456 7890 don't can't we'll";

static void test_learnt_roundtrip_and_h5(void **state)
{
    (void)state;
    shang_tokenizer *a = learn(corpus, 400, 1), *b = learn(corpus, 400, 1);
    /* deterministic: same merges */
    assert_int_equal(shang_bpe_n_merges(a), shang_bpe_n_merges(b));
    for (int32_t i = 0; i < (int32_t)shang_bpe_vocab_size(a); i++) {
        size_t la, lb;
        const char *pa = shang_bpe_token(a, i, &la), *pb = shang_bpe_token(b, i, &lb);
        assert_int_equal(la, lb);
        assert_memory_equal(pa, pb, la);
    }
    check_roundtrip(a, 12);
    /* HDF5 round trip: same encoding */
    char *path = test_path("tok.h5");
    shang_h5_file *f;
    assert_int_equal(shang_h5_create(path, "shang.tokenizer", 1, &f), 0);
    assert_int_equal(shang_bpe_write(a, f->id, "tokenizer"), 0);
    assert_int_equal(shang_bpe_write(gpt2, f->id, "gpt2"), 0);
    assert_int_equal(shang_h5_commit(f), 0);
    hid_t h;
    assert_int_equal(shang_h5_open(path, "shang.tokenizer", 1, &h, NULL), 0);
    shang_tokenizer *c, *g;
    assert_int_equal(shang_bpe_read(h, "tokenizer", &c), 0);
    assert_int_equal(shang_bpe_read(h, "gpt2", &g), 0);
    H5Fclose(h);
    assert_string_equal(shang_bpe_origin(c), "shang bpe");
    assert_int_equal(shang_bpe_eot(g), 50256);
    shang_ivec x = {0}, y = {0};
    encode_str(a, corpus, strlen(corpus), &x, NULL);
    encode_str(c, corpus, strlen(corpus), &y, NULL);
    assert_int_equal(x.n, y.n);
    assert_memory_equal(x.v, y.v, x.n * sizeof *x.v);
    encode_str(gpt2, corpus, strlen(corpus), &x, NULL);
    encode_str(g, corpus, strlen(corpus), &y, NULL);
    assert_int_equal(x.n, y.n);
    assert_memory_equal(x.v, y.v, x.n * sizeof *x.v);
    free(x.v);
    free(y.v);
    shang_bpe_free(a);
    shang_bpe_free(b);
    shang_bpe_free(c);
    shang_bpe_free(g);
    free(path);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void test_gpt2_malformed(void **state)
{
    (void)state;
    char *v = test_path("vocab.json"), *m = test_path("merges.txt");
    shang_tokenizer *t = NULL;
    write_file(v, "{\"a\": 0, \"b\": 1,");
    write_file(m, "#version: 0.2\na b\n");
    assert_int_equal(shang_bpe_load_gpt2(v, m, &t), SHANG_EFORMAT);
    assert_non_null(strstr(shang_err_msg(), v));
    /* a vocabulary missing bytes */
    write_file(v, "{\"a\": 0, \"b\": 1, \"ab\": 2}");
    assert_int_equal(shang_bpe_load_gpt2(v, m, &t), SHANG_EFORMAT);
    assert_non_null(strstr(shang_err_msg(), "no token for byte"));
    /* a merge naming a token the vocabulary lacks: file and line */
    write_file(m, "#version: 0.2\na b\na c\n");
    assert_int_equal(shang_bpe_load_gpt2(v, m, &t), SHANG_EFORMAT);
    assert_non_null(strstr(shang_err_msg(), ":3:"));
    write_file(m, "#version: 0.2\na  b\n");
    assert_int_equal(shang_bpe_load_gpt2(v, m, &t), SHANG_EFORMAT);
    write_file(v, "[1, 2]");
    assert_int_equal(shang_bpe_load_gpt2(v, m, &t), SHANG_EFORMAT);
    assert_int_equal(shang_bpe_load_gpt2("/no/such/vocab.json", m, &t), SHANG_EFORMAT);
    assert_null(t);
    free(v);
    free(m);
}

static void expect_docs(const char *text, int mode, size_t n, const char *const *want)
{
    shang_span *d;
    size_t got;
    assert_int_equal(shang_text_docs(text, strlen(text), mode, &d, &got), 0);
    assert_int_equal(got, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(d[i].len, strlen(want[i]));
        assert_memory_equal(text + d[i].start, want[i], d[i].len);
    }
    free(d);
}

static void test_document_rule(void **state)
{
    (void)state;
    expect_docs("a\nb\n\nc\n", SHANG_DOCS_BLANK, 2, (const char *[]){"a\nb\n", "c\n"});
    expect_docs("\n\na\n\n\n\nb", SHANG_DOCS_BLANK, 2, (const char *[]){"a\n", "b"});
    expect_docs("a\r\n\r\nb\n", SHANG_DOCS_BLANK, 1, (const char *[]){"a\r\n\r\nb\n"});
    expect_docs("", SHANG_DOCS_BLANK, 0, NULL);
    expect_docs("\n\n", SHANG_DOCS_BLANK, 0, NULL);
    expect_docs("a\nb\n\nc", SHANG_DOCS_LINE, 3, (const char *[]){"a\n", "b\n", "c"});
    expect_docs("a\n\nb\n", SHANG_DOCS_FILE, 1, (const char *[]){"a\n\nb\n"});
    int mode;
    assert_int_equal(shang_text_docs_mode("line", &mode), 0);
    assert_int_equal(mode, SHANG_DOCS_LINE);
    assert_int_equal(shang_text_docs_mode("para", &mode), SHANG_EINVAL);
}

static void test_text_read_gzip(void **state)
{
    (void)state;
    char *p = test_path("t.txt"), *cmd;
    write_file(p, "plain\n\0x");
    char *data;
    size_t len;
    assert_int_equal(shang_text_read(p, &data, &len), 0);
    assert_int_equal(len, 6);
    free(data);
    cmd = shang_asprintf("printf 'zipped text\\n' | gzip -c > %s.gz && head -c 20 %s.gz > %s.cut.gz", p, p, p);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    char *gz = shang_asprintf("%s.gz", p), *cut = shang_asprintf("%s.cut.gz", p);
    assert_int_equal(shang_text_read(gz, &data, &len), 0);
    assert_int_equal(len, 12);
    assert_memory_equal(data, "zipped text\n", 12);
    free(data);
    assert_int_equal(shang_text_read(cut, &data, &len), SHANG_EIO);
    assert_non_null(strstr(shang_err_msg(), cut));
    assert_int_equal(shang_text_read("/no/such/file.txt", &data, &len), SHANG_EIO);
    assert_non_null(strstr(shang_err_msg(), "/no/such/file.txt"));
    free(gz);
    free(cut);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gpt2_vectors),
        cmocka_unit_test(test_gpt2_roundtrip_random_bytes),
        cmocka_unit_test(test_learn_worked_example),
        cmocka_unit_test(test_learnt_roundtrip_and_h5),
        cmocka_unit_test(test_gpt2_malformed),
        cmocka_unit_test(test_document_rule),
        cmocka_unit_test(test_text_read_gzip),
    };
    return cmocka_run_group_tests_name("bpe", tests, setup, teardown);
}
