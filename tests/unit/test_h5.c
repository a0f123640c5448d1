/* HDF5 helpers and provenance: round trips of every type, streamed datasets,
 * atomic create (no partial output), format/version checks, provenance with
 * nested inputs, byte-identical output for identical content, the description.
 * Also leaves fixture.h5 in the scratch directory for the h5py read-back test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shang.h"
#include "shang_mem.h"
#include "testutil.h"

static int file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* number of entries in the scratch directory whose name starts with `prefix` */
static int count_prefix(const char *prefix)
{
    char *cmd = shang_asprintf("ls -1 %s | grep -c '^%s' || true", test_tmpdir(), prefix);
    FILE *p = popen(cmd, "r");
    int n = -1;
    if (p && fscanf(p, "%d", &n) != 1) n = -1;
    if (p) pclose(p);
    free(cmd);
    return n;
}

static const char *const DIMS_NC[] = {"N", "C"};
static const char *const DIMS_N[] = {"N"};

/* Writes the fixture: known values of every type, attributes, provenance with
 * parameters, and (if `input` is given) an input whose provenance is copied. */
static int write_fixture(const char *path, const char *input)
{
    shang_h5_file *f;
    int rc = shang_h5_create(path, "shang.test", 1, &f);
    if (rc) return rc;
    float x[4 * 3];
    double y[4];
    int32_t ids[4];
    int64_t big[4];
    uint8_t flags[4];
    for (int i = 0; i < 12; i++) x[i] = 0.5f * (float)i;
    for (int i = 0; i < 4; i++) {
        y[i] = 1.0 / (i + 1);
        ids[i] = -i;
        big[i] = (int64_t)1 << (40 + i);
        flags[i] = (uint8_t)(i % 2);
    }
    const char *words[] = {"bank", "river", "\xe7\x86\xb5", ""}; /* 熵 */
    size_t d2[2] = {4, 3}, d1[1] = {4};
    char *argv[] = {"shang", "test", "--name", "it's here", NULL};
    shang_prov *p = NULL;
    hid_t g = -1;
    if ((rc = shang_h5_write(f->id, "x", SHANG_DT_F32, 2, d2, x, DIMS_NC, "x[i] = i/2", NULL)) ||
        (rc = shang_h5_write(f->id, "y", SHANG_DT_F64, 1, d1, y, DIMS_N, "1/(i+1)", NULL)) ||
        (rc = shang_h5_write(f->id, "ids", SHANG_DT_I32, 1, d1, ids, DIMS_N, "-i", NULL)) ||
        (rc = shang_h5_write(f->id, "group/big", SHANG_DT_I64, 1, d1, big, DIMS_N, "2^(40+i)", NULL)) ||
        (rc = shang_h5_write(f->id, "flags", SHANG_DT_U8, 1, d1, flags, DIMS_N, "i mod 2", NULL)) ||
        (rc = shang_h5_write(f->id, "words", SHANG_DT_STR, 1, d1, words, DIMS_N, "tokens", NULL)))
        goto done;
    if ((rc = shang_h5_group(f->id, "group", &g)) || (rc = shang_h5_attr_str(g, "units", "nats")) ||
        (rc = shang_h5_attr_f64(g, "pi", 3.141592653589793)))
        goto done;
    if ((rc = shang_prov_new("test", 4, argv, &p)) || (rc = shang_prov_str(p, "name", "it's here")) ||
        (rc = shang_prov_i64(p, "k", 1024)) || (rc = shang_prov_f64(p, "alpha", 0.25)) ||
        (rc = shang_prov_i64(p, "k", 2048)))
        goto done;
    shang_prov_seed(p, 42);
    shang_prov_threads(p, 2);
    if (input && (rc = shang_prov_input(p, "parent", input))) goto done;
    rc = shang_prov_write(p, f->id);
done:
    if (g >= 0) H5Gclose(g);
    shang_prov_free(p);
    if (rc) {
        shang_h5_abort(f);
        return rc;
    }
    return shang_h5_commit(f);
}

static void test_roundtrip_all_types(void **state)
{
    (void)state;
    char *path = test_path("roundtrip.h5");
    assert_int_equal(write_fixture(path, NULL), 0);
    hid_t f;
    int version = 0;
    assert_int_equal(shang_h5_open(path, "shang.test", 1, &f, &version), 0);
    assert_int_equal(version, 1);
    int rank;
    size_t dims[8];
    void *data;
    assert_int_equal(shang_h5_read(f, "x", SHANG_DT_F32, 2, &rank, dims, &data), 0);
    assert_int_equal(rank, 2);
    assert_int_equal(dims[0], 4);
    assert_int_equal(dims[1], 3);
    for (int i = 0; i < 12; i++) assert_true(((float *)data)[i] == 0.5f * (float)i);
    free(data);
    /* read converting int64 -> double */
    assert_int_equal(shang_h5_read(f, "group/big", SHANG_DT_F64, 1, &rank, dims, &data), 0);
    assert_true(((double *)data)[3] == (double)((int64_t)1 << 43));
    free(data);
    assert_int_equal(shang_h5_read(f, "words", SHANG_DT_STR, 1, &rank, dims, &data), 0);
    char **w = data;
    assert_string_equal(w[0], "bank");
    assert_string_equal(w[2], "\xe7\x86\xb5");
    assert_string_equal(w[3], "");
    shang_h5_free_strs(w, dims[0]);
    /* a rank limit is enforced */
    assert_int_equal(shang_h5_read(f, "x", SHANG_DT_F32, 1, &rank, dims, &data), SHANG_EFORMAT);
    assert_int_equal(shang_h5_read(f, "nope", SHANG_DT_F32, 1, &rank, dims, &data), SHANG_EFORMAT);
    assert_non_null(strstr(shang_err_msg(), "nope"));
    char *s;
    double pi;
    int64_t k;
    hid_t g = H5Gopen2(f, "group", H5P_DEFAULT);
    assert_int_equal(shang_h5_attr_get_str(g, "units", &s), 0);
    assert_string_equal(s, "nats");
    free(s);
    assert_int_equal(shang_h5_attr_get_f64(g, "pi", &pi), 0);
    assert_true(pi == 3.141592653589793);
    assert_int_equal(shang_h5_attr_get_str(g, "missing", &s), SHANG_EFORMAT);
    H5Gclose(g);
    g = H5Gopen2(f, "provenance/parameters", H5P_DEFAULT);
    assert_int_equal(shang_h5_attr_get_i64(g, "k", &k), 0);
    assert_int_equal(k, 2048); /* last value kept */
    assert_int_equal(shang_h5_attr_get_str(g, "name", &s), 0);
    assert_string_equal(s, "it's here");
    free(s);
    H5Gclose(g);
    g = H5Gopen2(f, "provenance", H5P_DEFAULT);
    assert_int_equal(shang_h5_attr_get_str(g, "command_line", &s), 0);
    assert_string_equal(s, "shang test --name 'it'\\''s here'");
    free(s);
    assert_int_equal(shang_h5_attr_get_str(g, "blas_kernel", &s), 0);
    assert_string_equal(s, shang_blas_kernel());
    free(s);
    assert_int_equal(shang_h5_attr_get_i64(g, "seed", &k), 0);
    assert_int_equal(k, 42);
    H5Gclose(g);
    H5Fclose(f);
    free(path);
}

static void test_streamed_dataset(void **state)
{
    (void)state;
    char *path = test_path("stream.h5");
    shang_h5_file *f;
    assert_int_equal(shang_h5_create(path, "shang.test", 1, &f), 0);
    hid_t d;
    size_t dims[2] = {0, 5};
    shang_h5_opts opts = {.chunk_rows = 3, .deflate = 4, .shuffle = true};
    assert_int_equal(shang_h5_dset_create(f->id, "rows", SHANG_DT_F32, 2, dims, 0, DIMS_NC,
                                          "appended rows", &opts, &d), 0);
    float buf[7 * 5];
    size_t total = 0;
    for (int piece = 0; piece < 4; piece++) {
        size_t rows = (size_t)piece * 2 + 1; /* 1, 3, 5, 7 rows */
        for (size_t i = 0; i < rows * 5; i++) buf[i] = (float)(total * 5 + i);
        assert_int_equal(shang_h5_dset_append(d, SHANG_DT_F32, rows, buf), 0);
        total += rows;
    }
    /* a (L, N, C)-style dataset grown along axis 1 */
    hid_t d3;
    size_t dims3[3] = {2, 4, 3};
    assert_int_equal(shang_h5_dset_create(f->id, "layers", SHANG_DT_F32, 3, dims3, -1, NULL,
                                          "per layer", NULL, &d3), 0);
    float layer[4 * 3];
    for (size_t l = 0; l < 2; l++) {
        for (int i = 0; i < 12; i++) layer[i] = (float)(100 * l + (size_t)i);
        size_t start[3] = {l, 0, 0}, count[3] = {1, 4, 3};
        assert_int_equal(shang_h5_dset_write_slab(d3, SHANG_DT_F32, start, count, layer), 0);
    }
    /* growing a fixed axis fails with a message */
    assert_int_not_equal(shang_h5_dset_extend(d3, 1, 10), 0);
    H5Dclose(d3);
    H5Dclose(d);
    assert_int_equal(shang_h5_commit(f), 0);

    hid_t r;
    assert_int_equal(shang_h5_open(path, "shang.test", 1, &r, NULL), 0);
    int rank;
    size_t got[3];
    void *data;
    assert_int_equal(shang_h5_read(r, "rows", SHANG_DT_F32, 2, &rank, got, &data), 0);
    assert_int_equal(got[0], 16);
    for (size_t i = 0; i < 16 * 5; i++) assert_true(((float *)data)[i] == (float)i);
    free(data);
    hid_t dl = H5Dopen2(r, "layers", H5P_DEFAULT);
    size_t start[3] = {1, 2, 0}, count[3] = {1, 2, 3};
    float part[6];
    assert_int_equal(shang_h5_dset_read_slab(dl, SHANG_DT_F32, start, count, part), 0);
    for (int i = 0; i < 6; i++) assert_true(part[i] == (float)(100 + 6 + i));
    H5Dclose(dl);
    H5Fclose(r);
    free(path);
}

static void test_atomic_create(void **state)
{
    (void)state;
    char *path = test_path("atomic.h5");
    unlink(path);
    shang_h5_file *f;
    assert_int_equal(shang_h5_create(path, "shang.test", 1, &f), 0);
    /* while being written the artefact does not exist under its name */
    assert_false(file_exists(path));
    assert_true(file_exists(f->tmp_path));
    char *tmp = shang_strdup(f->tmp_path);
    shang_h5_abort(f);
    assert_false(file_exists(path));
    assert_false(file_exists(tmp));
    free(tmp);
    assert_int_equal(count_prefix("atomic.h5"), 0);
    /* a directory that does not exist: clear error naming the path */
    assert_int_equal(shang_h5_create("/nonexistent-dir/x.h5", "shang.test", 1, &f), SHANG_EIO);
    assert_non_null(strstr(shang_err_msg(), "/nonexistent-dir/x.h5"));
    free(path);
}

static void test_format_checks(void **state)
{
    (void)state;
    char *path = test_path("future.h5"), *txt = test_path("not.h5");
    shang_h5_file *f;
    assert_int_equal(shang_h5_create(path, "shang.test", 7, &f), 0);
    shang_prov *p;
    char *argv[] = {"shang", "future"};
    assert_int_equal(shang_prov_new("future", 2, argv, &p), 0);
    assert_int_equal(shang_prov_write(p, f->id), 0);
    shang_prov_free(p);
    assert_int_equal(shang_h5_commit(f), 0);
    hid_t h;
    assert_int_equal(shang_h5_open(path, "shang.test", 1, &h, NULL), SHANG_EFORMAT);
    assert_non_null(strstr(shang_err_msg(), "version 7"));
    assert_non_null(strstr(shang_err_msg(), "written by shang " SHANG_VERSION));
    assert_int_equal(shang_h5_open(path, "shang.states", 9, &h, NULL), SHANG_EFORMAT);
    assert_non_null(strstr(shang_err_msg(), "is a shang.test file, expected shang.states"));
    FILE *t = fopen(txt, "w");
    fputs("not hdf5\n", t);
    fclose(t);
    assert_int_equal(shang_h5_open(txt, NULL, 1, &h, NULL), SHANG_EFORMAT);
    assert_non_null(strstr(shang_err_msg(), "not an HDF5 file"));
    assert_int_equal(shang_h5_open("/no/such/file.h5", NULL, 1, &h, NULL), SHANG_EIO);
    assert_non_null(strstr(shang_err_msg(), "/no/such/file.h5"));
    free(path);
    free(txt);
}

static void test_provenance_chain_and_bytes(void **state)
{
    (void)state;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    char *a = test_path("parent.h5"), *b1 = test_path("child1.h5"), *b2 = test_path("child2.h5");
    assert_int_equal(write_fixture(a, NULL), 0);
    assert_int_equal(write_fixture(b1, a), 0);
    assert_int_equal(write_fixture(b2, a), 0);
    /* same content, fixed time -> the same bytes */
    char *cmd = shang_asprintf("cmp -s %s %s", b1, b2);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    hid_t f;
    assert_int_equal(shang_h5_open(b1, NULL, 1, &f, NULL), 0);
    hid_t g = H5Gopen2(f, "provenance/inputs/parent", H5P_DEFAULT);
    assert_true(g >= 0);
    char *s, hex[65];
    uint64_t bytes;
    assert_int_equal(shang_h5_attr_get_str(g, "sha256", &s), 0);
    assert_int_equal(shang_sha256_file(a, hex, &bytes), 0);
    assert_string_equal(s, hex);
    free(s);
    assert_int_equal(shang_h5_attr_get_str(g, "format", &s), 0);
    assert_string_equal(s, "shang.test");
    free(s);
    H5Gclose(g);
    g = H5Gopen2(f, "provenance/inputs/parent/provenance", H5P_DEFAULT);
    assert_true(g >= 0);
    assert_int_equal(shang_h5_attr_get_str(g, "created", &s), 0);
    assert_string_equal(s, "2023-11-14T22:13:20Z");
    free(s);
    H5Gclose(g);
    char *text;
    assert_int_equal(shang_h5_describe(f, &text), 0);
    const char *expect[] = {"format: shang.test version 1", "provenance:", "command_line: shang test",
                            "blas_kernel: ", "parameters:", "k: 2048", "inputs:", "parent:",
                            "sha256: ", "/x  float32 (4, 3)", "dims: [N, C]",
                            "description: x[i] = i/2", "/words  string (4,)"};
    for (size_t i = 0; i < sizeof expect / sizeof *expect; i++) {
        if (!strstr(text, expect[i])) fprintf(stderr, "missing '%s' in:\n%s", expect[i], text);
        assert_non_null(strstr(text, expect[i]));
    }
    free(text);
    H5Fclose(f);
    unsetenv("SOURCE_DATE_EPOCH");
    /* the fixture the h5py test reads */
    char *fx = test_path("fixture.h5");
    assert_int_equal(write_fixture(fx, a), 0);
    free(fx);
    free(a);
    free(b1);
    free(b2);
}

static void test_sha256_known(void **state)
{
    (void)state;
    char *p = test_path("abc.txt"), hex[65];
    FILE *f = fopen(p, "w");
    fputs("abc", f);
    fclose(f);
    uint64_t n;
    assert_int_equal(shang_sha256_file(p, hex, &n), 0);
    /* FIPS 180-2 appendix B.1 */
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(n, 3);
    free(p);
}

int main(int argc, char **argv)
{
    (void)argc;
    if (shang_blas_reexec_if_generic(argv)) fprintf(stderr, "# %s\n", shang_err_msg());
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_all_types), cmocka_unit_test(test_streamed_dataset),
        cmocka_unit_test(test_atomic_create),       cmocka_unit_test(test_format_checks),
        cmocka_unit_test(test_provenance_chain_and_bytes), cmocka_unit_test(test_sha256_known),
    };
    return cmocka_run_group_tests_name("h5", tests, NULL, NULL);
}
