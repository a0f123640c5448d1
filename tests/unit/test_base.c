/* Unit tests of the small foundations: errors, allocation, random streams,
 * strict number parsing. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shang.h"
#include "shang_cli.h"
#include "shang_mem.h"
#include "testutil.h"

static int fail_here(void) { return SHANG_FAIL(SHANG_EINVAL, "bad value %d in %s", 7, "x.tsv"); }

static void test_err_message_and_site(void **state)
{
    (void)state;
    shang_err_clear();
    assert_int_equal(fail_here(), SHANG_EINVAL);
    assert_int_equal(shang_err_code(), SHANG_EINVAL);
    assert_string_equal(shang_err_msg(), "bad value 7 in x.tsv");
    assert_non_null(strstr(shang_err_where(), "fail_here"));
    assert_non_null(strstr(shang_err_where(), "test_base.c"));
    shang_err_prefix("reading %s", "corpus");
    assert_string_equal(shang_err_msg(), "reading corpus: bad value 7 in x.tsv");
    shang_err_clear();
    assert_string_equal(shang_err_msg(), "");
    assert_int_equal(shang_err_code(), 0);
}

static void test_err_exit_status(void **state)
{
    (void)state;
    assert_int_equal(shang_err_exit_status(SHANG_OK), 0);
    assert_int_equal(shang_err_exit_status(SHANG_EIO), 1);
    assert_int_equal(shang_err_exit_status(SHANG_EFORMAT), 1);
    assert_int_equal(shang_err_exit_status(SHANG_ENOMEM), 1);
    assert_int_equal(shang_err_exit_status(SHANG_ENUMERIC), 3);
    assert_string_equal(shang_strerror(SHANG_ENUMERIC), "numerical failure");
}

static void test_mem_overflow(void **state)
{
    (void)state;
    size_t out = 0;
    assert_int_equal(shang_size_mul(SIZE_MAX / 2 + 1, 2, &out), SHANG_ENOMEM);
    assert_int_equal(shang_size_mul(1u << 20, 1u << 20, &out), 0);
    assert_true(out == (size_t)1 << 40);
    assert_int_equal(shang_size_mul3(1u << 30, 1u << 30, 1u << 30, &out), SHANG_ENOMEM);
    shang_err_clear();
    assert_null(shang_alloc(SIZE_MAX / 4, 8, "huge buffer"));
    assert_int_equal(shang_err_code(), SHANG_ENOMEM);
    assert_non_null(strstr(shang_err_msg(), "huge buffer"));
    float *p = shang_alloc(3, sizeof(float), "small");
    assert_non_null(p);
    assert_true(((uintptr_t)p & 63) == 0);
    free(p);
    void *z = shang_zalloc(0, 8, "empty");
    assert_non_null(z);
    free(z);
    char *s = shang_asprintf("%s-%d", "a", 3);
    assert_string_equal(s, "a-3");
    free(s);
}

static void test_rng_streams(void **state)
{
    (void)state;
    /* SplitMix64's first output for seed 0 (Vigna's reference implementation) */
    assert_true(shang_rng_mix64(0) == 0xe220a8397b1dcdafULL);
    assert_true(shang_rng_derive(42, SHANG_STREAM_INIT, 0) == shang_rng_derive(42, SHANG_STREAM_INIT, 0));
    assert_true(shang_rng_derive(42, SHANG_STREAM_INIT, 0) != shang_rng_derive(42, SHANG_STREAM_DATA, 0));
    assert_true(shang_rng_derive(42, SHANG_STREAM_KMEANS, 0) != shang_rng_derive(42, SHANG_STREAM_KMEANS, 1));
    assert_true(shang_rng_derive(42, SHANG_STREAM_INIT, 0) != shang_rng_derive(43, SHANG_STREAM_INIT, 0));
    gsl_rng *a, *b, *c;
    assert_int_equal(shang_rng_new(7, SHANG_STREAM_TEST, 0, &a), 0);
    assert_int_equal(shang_rng_new(7, SHANG_STREAM_TEST, 0, &b), 0);
    assert_int_equal(shang_rng_new(7, SHANG_STREAM_TEST, 1, &c), 0);
    int same_ab = 1, same_ac = 1;
    double mean = 0;
    for (int i = 0; i < 10000; i++) {
        unsigned long x = gsl_rng_get(a), y = gsl_rng_get(b), z = gsl_rng_get(c);
        same_ab &= x == y;
        same_ac &= x == z;
        mean += gsl_rng_uniform(a) / 10000;
        (void)gsl_rng_uniform(b);
    }
    assert_true(same_ab);
    assert_false(same_ac);
    /* mean of 10^4 uniforms: sd = sqrt(1/12/1e4) = 0.0029; 5 sd */
    assert_close(mean, 0.5, 0.015, 0);
    shang_rng_free(a);
    shang_rng_free(b);
    shang_rng_free(c);
    shang_rng_free(NULL);
}

static void test_parse_strict(void **state)
{
    (void)state;
    int64_t v;
    uint64_t u;
    double d;
    int i;
    assert_int_equal(shang_parse_i64("42", 0, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(shang_parse_i64("-5", -10, 10, &v), 0);
    assert_int_equal(v, -5);
    const char *bad_int[] = {"", "12x", "x", " 1", "1 ", "1.0", "0x10", "99999999999999999999"};
    for (size_t k = 0; k < sizeof bad_int / sizeof *bad_int; k++)
        assert_int_equal(shang_parse_i64(bad_int[k], INT64_MIN, INT64_MAX, &v), SHANG_EINVAL);
    assert_int_equal(shang_parse_i64("101", 0, 100, &v), SHANG_EINVAL);
    assert_non_null(strstr(shang_err_msg(), "outside [0, 100]"));
    assert_int_equal(shang_parse_int("3000000000", INT_MIN, INT_MAX, &i), SHANG_EINVAL);
    assert_int_equal(shang_parse_u64("-1", 0, UINT64_MAX, &u), SHANG_EINVAL);
    assert_int_equal(shang_parse_u64("18446744073709551615", 0, UINT64_MAX, &u), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(shang_parse_f64("1e-3", 0, 1, &d), 0);
    assert_close(d, 1e-3, 0, 1e-15);
    const char *bad_f[] = {"", "nan", "inf", "-inf", "1e999", "1,5", "0.5x", " 0.5"};
    for (size_t k = 0; k < sizeof bad_f / sizeof *bad_f; k++)
        assert_int_equal(shang_parse_f64(bad_f[k], -1e300, 1e300, &d), SHANG_EINVAL);
    assert_int_equal(shang_parse_f64("2", 0, 1, &d), SHANG_EINVAL);
    shang_err_clear();
}

/* Progress on a non-terminal: key=value lines, a final line, nothing when quiet. */
static void test_progress_lines(void **state)
{
    (void)state;
    char *path = test_path("progress.txt");
    fflush(stderr);
    int saved = dup(2);
    FILE *f = fopen(path, "w");
    dup2(fileno(f), 2);
    shang_progress *p = shang_progress_new("train", "tok", 1000);
    shang_progress_update(p, 10, "loss=3.5"); /* rate-limited: no line yet */
    shang_progress_finish(p, 1000, "loss=2.25");
    shang_log_set_level(SHANG_LOG_QUIET);
    p = shang_progress_new("quiet", "tok", 5);
    assert_null(p);
    shang_progress_finish(p, 5, NULL);
    shang_log_set_level(SHANG_LOG_INFO);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(f);
    f = fopen(path, "r");
    char line[512] = "";
    assert_non_null(fgets(line, sizeof line, f));
    assert_non_null(strstr(line, "progress verb=train done=1000 total=1000 unit=tok"));
    assert_non_null(strstr(line, "final=1 loss=2.25"));
    assert_null(fgets(line, sizeof line, f)); /* one line only */
    fclose(f);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_message_and_site), cmocka_unit_test(test_err_exit_status),
        cmocka_unit_test(test_mem_overflow),         cmocka_unit_test(test_rng_streams),
        cmocka_unit_test(test_parse_strict),         cmocka_unit_test(test_progress_lines),
    };
    return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}
