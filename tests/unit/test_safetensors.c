/* The strict safetensors reader and the TSV reader: valid files read back exactly
 * (F32, F16 and BF16, against their closed-form values), and each kind of
 * malformed file refused with a message naming the problem. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shang.h"
#include "testutil.h"

/* writes a safetensors file: header JSON (as given) and `data` */
static char *st_file(const char *name, const char *header, const void *data, size_t n, long fake_len)
{
    char *p = test_path(name);
    FILE *f = fopen(p, "wb");
    uint64_t len = fake_len >= 0 ? (uint64_t)fake_len : strlen(header);
    unsigned char l8[8];
    for (int i = 0; i < 8; i++) l8[i] = (unsigned char)(len >> (8 * i));
    fwrite(l8, 1, 8, f);
    fwrite(header, 1, strlen(header), f);
    if (n) fwrite(data, 1, n, f);
    fclose(f);
    return p;
}

static void test_valid_and_dtypes(void **state)
{
    (void)state;
    /* a: F32 (2,2) = 1..4; b: F16 [1, -2, 2^-24 (smallest subnormal), inf];
     * c: BF16 [1, -0.5] */
    unsigned char data[16 + 8 + 4];
    float a[4] = {1, 2, 3, 4};
    uint16_t b[4] = {0x3c00, 0xc000, 0x0001, 0x7c00}, c[2] = {0x3f80, 0xbf00};
    memcpy(data, a, 16);
    memcpy(data + 16, b, 8);
    memcpy(data + 24, c, 4);
    char *p = st_file("ok.safetensors",
                      "{\"__metadata__\":{\"x\":\"y\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                      "\"b\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[16,24]},"
                      "\"c\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[24,28]}}  ",
                      data, sizeof data, -1);
    shang_safetensors *s;
    assert_int_equal(shang_st_open(p, &s), 0);
    assert_int_equal(s->n, 3);
    float out[4];
    assert_int_equal(shang_st_read_f32(s, shang_st_find(s, "a"), out), 0);
    assert_memory_equal(out, a, 16);
    assert_int_equal(shang_st_read_f32(s, shang_st_find(s, "b"), out), 0);
    assert_true(out[0] == 1.0f && out[1] == -2.0f && out[2] == ldexpf(1, -24) && isinf(out[3]));
    assert_int_equal(shang_st_read_f32(s, shang_st_find(s, "c"), out), 0);
    assert_true(out[0] == 1.0f && out[1] == -0.5f);
    assert_null(shang_st_find(s, "missing"));
    shang_st_close(s);
    /* every half value converts like the hardware does (checked against the
     * closed form (-1)^s 2^(e-15) (1 + m/1024), subnormals 2^-14 m/1024) */
    for (uint32_t h = 0; h < 0x10000; h++) {
        int sg = h >> 15, e = (h >> 10) & 31, m = h & 1023;
        if (e == 31) continue;
        double want = (sg ? -1 : 1) * (e ? ldexp(1 + m / 1024.0, e - 15) : ldexp(m / 1024.0, -14));
        if (shang_f16_to_f32((uint16_t)h) != (float)want) fail_msg("half 0x%04x", h);
    }
    free(p);
}

static void expect_refused(const char *name, const char *header, size_t data_len, long fake_len, const char *why)
{
    unsigned char data[64] = {0};
    char *p = st_file(name, header, data, data_len, fake_len);
    shang_safetensors *s = NULL;
    int rc = shang_st_open(p, &s);
    if (rc != SHANG_EFORMAT || !strstr(shang_err_msg(), why))
        fprintf(stderr, "%s: rc %d, message '%s', expected '%s'\n", name, rc, shang_err_msg(), why);
    assert_int_equal(rc, SHANG_EFORMAT);
    assert_non_null(strstr(shang_err_msg(), why));
    assert_non_null(strstr(shang_err_msg(), p));
    assert_null(s);
    free(p);
}

static void test_malformed(void **state)
{
    (void)state;
    const char *one = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    expect_refused("huge.st", one, 8, 1L << 40, "does not fit the file");
    expect_refused("zero.st", one, 8, 0, "header length 0");
    expect_refused("notjson.st", "{\"a\": [1, 2", 0, -1, "not a JSON object");
    expect_refused("array.st", "[1, 2, 3]", 0, -1, "not a JSON object");
    expect_refused("dtype.st", "{\"a\":{\"dtype\":\"F31\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, -1, "unknown dtype");
    expect_refused("shape.st", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, -1, "bad shape");
    expect_refused("size.st", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, -1, "need 12");
    expect_refused("trunc.st", one, 4, -1, "truncated file");
    expect_refused("reversed.st", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8, -1, "bad data_offsets");
    expect_refused("overlap.st",
                   "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                   "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, -1, "overlap");
    expect_refused("gap.st", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, -1, "belong to no tensor");
    expect_refused("tail.st", one, 12, -1, "after the last tensor");
    expect_refused("nofield.st", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, -1, "lacks dtype");
    expect_refused("dup.st",
                   "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                   "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, -1, "not a JSON object");
    /* a tensor of another dtype opens but cannot be read as floats */
    unsigned char d8[8] = {0};
    char *p = st_file("int.st", "{\"a\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", d8, 8, -1);
    shang_safetensors *s;
    float f;
    assert_int_equal(shang_st_open(p, &s), 0);
    assert_int_equal(shang_st_read_f32(s, &s->t[0], &f), SHANG_EFORMAT);
    assert_non_null(strstr(shang_err_msg(), "I64"));
    shang_st_close(s);
    assert_int_equal(shang_st_open("/no/such.safetensors", &s), SHANG_EIO);
    char *tiny = st_file("tiny.st", "", NULL, 0, 0);
    FILE *t = fopen(tiny, "wb");
    fputs("abc", t);
    fclose(t);
    assert_int_equal(shang_st_open(tiny, &s), SHANG_EFORMAT);
    free(tiny);
    free(p);
}

static void expect_tsv(const char *text, int ok, size_t rows, const char *why)
{
    char *buf = strdup(text);
    shang_tsv *t = NULL;
    int rc = shang_tsv_parse(buf, strlen(buf), "t.tsv", &t);
    if (ok) {
        assert_int_equal(rc, 0);
        assert_int_equal(t->n_rows, rows);
        shang_tsv_free(t); /* buf is not the table's: freed below */
    } else {
        assert_int_equal(rc, SHANG_EFORMAT);
        assert_non_null(strstr(shang_err_msg(), why));
    }
    free(buf);
}

static void test_tsv(void **state)
{
    (void)state;
    char text[] = "lemma\tpos\tsentence\r\nbank\tn\tthe bank of the river\nrock\tn\t\n";
    shang_tsv *t;
    assert_int_equal(shang_tsv_parse(text, strlen(text), "x.tsv", &t), 0);
    assert_int_equal(t->n_cols, 3);
    assert_int_equal(t->n_rows, 2);
    assert_string_equal(t->header[2], "sentence");
    assert_int_equal(shang_tsv_col(t, "pos"), 1);
    assert_int_equal(shang_tsv_col(t, "nope"), -1);
    assert_string_equal(shang_tsv_get(t, 0, 2), "the bank of the river");
    assert_string_equal(shang_tsv_get(t, 1, 2), "");
    shang_tsv_free(t);
    expect_tsv("a\tb\n1\t2\n\n\n", 1, 1, NULL);
    expect_tsv("a\tb\n1\t2", 1, 1, NULL);
    expect_tsv("a\tb\n", 1, 0, NULL);
    expect_tsv("a\tb\n1\t2\t3\n", 0, 0, "t.tsv:2: 3 fields, the header has 2");
    expect_tsv("a\tb\n1\n", 0, 0, "t.tsv:2: 1 fields");
    expect_tsv("a\tb\n1\t2\n\n3\t4\n", 0, 0, "empty line inside");
    expect_tsv("\na\n", 0, 0, "empty header");
    expect_tsv("", 0, 0, "empty table");
    expect_tsv("a\ta\n", 0, 0, "appears twice");
    expect_tsv("a\tb\n\xff\t2\n", 0, 0, "not valid UTF-8");
    char nul[] = "a\tb\n1\0\t2\n";
    assert_int_equal(shang_tsv_parse(nul, sizeof nul - 1, "n.tsv", &t), SHANG_EFORMAT);
    assert_non_null(strstr(shang_err_msg(), "NUL"));
    assert_true(shang_utf8_valid("\xe7\x86\xb5", 3));
    assert_false(shang_utf8_valid("\xc0\xaf", 2));         /* overlong */
    assert_false(shang_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(shang_utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
    assert_false(shang_utf8_valid("\xe7\x86", 2));         /* truncated */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_and_dtypes),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_tsv),
    };
    return cmocka_run_group_tests_name("safetensors", tests, NULL, NULL);
}
