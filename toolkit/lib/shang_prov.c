/* shang_prov — see shang_prov.h. */
#include "shang_prov.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <gsl/gsl_version.h>
#include <nettle/sha2.h>

#include "shang_blas.h"
#include "shang_h5.h"
#include "shang_mem.h"
#include "shang_version.h"

enum kind { K_STR, K_I64, K_F64 };

struct param {
    char *key;
    int kind;
    char *s;
    int64_t i;
    double f;
};

struct input {
    char *role, *path;
    char sha256[65];
    uint64_t bytes;
};

struct shang_prov {
    char *verb, *command_line;
    uint64_t seed;
    int has_seed, threads;
    struct param *params;
    size_t n_params, cap_params;
    struct input *inputs;
    size_t n_inputs, cap_inputs;
};

/* argv joined with spaces, each argument shell-quoted when it needs it */
static char *join_argv(int argc, char *const argv[])
{
    size_t len = 1;
    for (int i = 0; i < argc; i++) len += 4 * strlen(argv[i]) + 3;
    char *s = shang_alloc(len, 1, "s"), *o = s;
    if (!s) return NULL;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        bool plain = *a && strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789-_./=:,+@%") == strlen(a);
        if (i) *o++ = ' ';
        if (plain) {
            o = stpcpy(o, a);
            continue;
        }
        *o++ = '\'';
        for (; *a; a++) {
            if (*a == '\'') o = stpcpy(o, "'\\''");
            else *o++ = *a;
        }
        *o++ = '\'';
    }
    *o = '\0';
    return s;
}

int shang_prov_new(const char *verb, int argc, char *const argv[], shang_prov **out)
{
    *out = NULL;
    shang_prov *p = shang_zalloc(1, sizeof *p, "p");
    if (!p) return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate a provenance record");
    p->verb = shang_strdup(verb);
    p->command_line = join_argv(argc, argv);
    if (!p->verb || !p->command_line) {
        shang_prov_free(p);
        return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate a provenance record");
    }
    *out = p;
    return SHANG_OK;
}

void shang_prov_free(shang_prov *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->n_params; i++) {
        free(p->params[i].key);
        free(p->params[i].s);
    }
    for (size_t i = 0; i < p->n_inputs; i++) {
        free(p->inputs[i].role);
        free(p->inputs[i].path);
    }
    free(p->params);
    free(p->inputs);
    free(p->verb);
    free(p->command_line);
    free(p);
}

static struct param *param_slot(shang_prov *p, const char *key)
{
    for (size_t i = 0; i < p->n_params; i++)
        if (!strcmp(p->params[i].key, key)) {
            free(p->params[i].s);
            p->params[i].s = NULL;
            return &p->params[i];
        }
    if (p->n_params == p->cap_params) {
        size_t cap = p->cap_params ? 2 * p->cap_params : 16;
        struct param *n = shang_realloc(p->params, cap, sizeof *n, "provenance parameters");
        if (!n) return NULL;
        p->params = n;
        p->cap_params = cap;
    }
    struct param *s = &p->params[p->n_params];
    memset(s, 0, sizeof *s);
    if (!(s->key = shang_strdup(key))) return NULL;
    p->n_params++;
    return s;
}

int shang_prov_str(shang_prov *p, const char *key, const char *value)
{
    struct param *s = param_slot(p, key);
    if (!s) return shang_err_code();
    s->kind = K_STR;
    s->s = shang_strdup(value ? value : "");
    return s->s ? SHANG_OK : shang_err_code();
}

int shang_prov_i64(shang_prov *p, const char *key, int64_t value)
{
    struct param *s = param_slot(p, key);
    if (!s) return shang_err_code();
    s->kind = K_I64;
    s->i = value;
    return SHANG_OK;
}

int shang_prov_f64(shang_prov *p, const char *key, double value)
{
    struct param *s = param_slot(p, key);
    if (!s) return shang_err_code();
    s->kind = K_F64;
    s->f = value;
    return SHANG_OK;
}

void shang_prov_seed(shang_prov *p, uint64_t seed)
{
    p->seed = seed;
    p->has_seed = 1;
}

void shang_prov_threads(shang_prov *p, int threads) { p->threads = threads; }

int shang_sha256_file(const char *path, char hex[65], uint64_t *bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f) return SHANG_FAIL(SHANG_EIO, "cannot open %s: %s", path, strerror(errno));
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    size_t bufsize = (size_t)1 << 20;
    unsigned char *buf = shang_alloc(bufsize, 1, "buf");
    uint64_t total = 0;
    size_t n;
    if (!buf) {
        fclose(f);
        return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate a read buffer");
    }
    while ((n = fread(buf, 1, bufsize, f)) > 0) {
        sha256_update(&ctx, n, buf);
        total += n;
    }
    int err = ferror(f);
    fclose(f);
    free(buf);
    if (err) return SHANG_FAIL(SHANG_EIO, "cannot read %s", path);
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof d, d);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
    if (bytes) *bytes = total;
    return SHANG_OK;
}

int shang_prov_input(shang_prov *p, const char *role, const char *path)
{
    if (p->n_inputs == p->cap_inputs) {
        size_t cap = p->cap_inputs ? 2 * p->cap_inputs : 4;
        struct input *n = shang_realloc(p->inputs, cap, sizeof *n, "provenance inputs");
        if (!n) return shang_err_code();
        p->inputs = n;
        p->cap_inputs = cap;
    }
    struct input *in = &p->inputs[p->n_inputs];
    memset(in, 0, sizeof *in);
    int rc = shang_sha256_file(path, in->sha256, &in->bytes);
    if (rc) return rc;
    in->role = shang_strdup(role);
    in->path = shang_strdup(path);
    if (!in->role || !in->path) {
        free(in->role);
        free(in->path);
        return shang_err_code();
    }
    p->n_inputs++;
    return SHANG_OK;
}

static void iso_time(char out[32])
{
    time_t t;
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    char *end = NULL;
    long long v = sde ? strtoll(sde, &end, 10) : 0;
    t = (sde && *sde && end && !*end && v >= 0) ? (time_t)v : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Copies a shang input's /provenance under `dst` (left out for other files).
 * Opened through shang_h5_open, with the same file-access settings as the
 * caller's own open handle of it (HDF5 refuses a second open that differs). */
static int copy_input_provenance(const struct input *in, hid_t dst)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Fis_hdf5(in->path) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return SHANG_OK;
    }
    hid_t f;
    char *fmt = NULL;
    int version = 0;
    int rc = shang_h5_open(in->path, NULL, INT32_MAX, &f, &version);
    if (rc == SHANG_EFORMAT) { /* an HDF5 file but not a shang artefact: nothing to copy */
        shang_err_clear();
        return SHANG_OK;
    }
    if (rc) return rc;
    rc = shang_h5_format(f, &fmt, &version);
    if (!rc) rc = shang_h5_attr_str(dst, "format", fmt);
    if (!rc) rc = shang_h5_attr_i64(dst, "format_version", version);
    if (!rc && shang_h5_exists(f, "/provenance") &&
        H5Ocopy(f, "/provenance", dst, "provenance", H5P_DEFAULT, H5P_DEFAULT) < 0)
        rc = SHANG_FAIL(SHANG_EIO, "cannot copy the provenance of %s", in->path);
    free(fmt);
    H5Eclear2(H5E_DEFAULT);
    H5Fclose(f);
    return rc;
}

int shang_prov_write(const shang_prov *p, hid_t file)
{
    hid_t g = -1, params = -1, inputs = -1;
    char *cwd = getcwd(NULL, 0); /* relative paths of the command line are relative to it */
    char created[32], gsl[32];
    iso_time(created);
    snprintf(gsl, sizeof gsl, "%s", GSL_VERSION);
    int rc = shang_h5_group(file, "/provenance", &g);
    if (rc) return rc;
    if ((rc = shang_h5_attr_str(g, "program", "shang")) ||
        (rc = shang_h5_attr_str(g, "shang_version", SHANG_VERSION)) ||
        (rc = shang_h5_attr_str(g, "git_commit", shang_git_commit())) ||
        (rc = shang_h5_attr_str(g, "verb", p->verb)) ||
        (rc = shang_h5_attr_str(g, "command_line", p->command_line)) ||
        (rc = shang_h5_attr_str(g, "cwd", cwd ? cwd : "")) ||
        (rc = shang_h5_attr_str(g, "created", created)))
        goto done;
    if (p->has_seed && (rc = shang_h5_attr_i64(g, "seed", (int64_t)p->seed))) goto done;
    if (p->threads > 0 && (rc = shang_h5_attr_i64(g, "threads", p->threads))) goto done;
    if ((rc = shang_h5_attr_str(g, "hdf5_version", shang_h5_version())) ||
        (rc = shang_h5_attr_str(g, "gsl_version", gsl)) ||
        (rc = shang_h5_attr_str(g, "openblas_config", shang_blas_config())) ||
        (rc = shang_h5_attr_str(g, "blas_kernel", shang_blas_kernel())) ||
        (rc = shang_h5_attr_str(g, "blas_kernel_origin", shang_blas_kernel_origin())) ||
        (rc = shang_h5_attr_str(g, "compiler", __VERSION__)))
        goto done;
    if ((rc = shang_h5_group(g, "parameters", &params))) goto done;
    for (size_t i = 0; i < p->n_params && !rc; i++) {
        const struct param *q = &p->params[i];
        rc = q->kind == K_STR   ? shang_h5_attr_str(params, q->key, q->s)
             : q->kind == K_I64 ? shang_h5_attr_i64(params, q->key, q->i)
                                : shang_h5_attr_f64(params, q->key, q->f);
    }
    if (rc || (rc = shang_h5_group(g, "inputs", &inputs))) goto done;
    for (size_t i = 0; i < p->n_inputs && !rc; i++) {
        const struct input *in = &p->inputs[i];
        hid_t r;
        if ((rc = shang_h5_group(inputs, in->role, &r))) break;
        if (!(rc = shang_h5_attr_str(r, "path", in->path)) &&
            !(rc = shang_h5_attr_i64(r, "bytes", (int64_t)in->bytes)) &&
            !(rc = shang_h5_attr_str(r, "sha256", in->sha256)))
            rc = copy_input_provenance(in, r);
        H5Gclose(r);
    }
done:
    free(cwd);
    if (rc) shang_err_prefix("writing provenance");
    if (inputs >= 0) H5Gclose(inputs);
    if (params >= 0) H5Gclose(params);
    H5Gclose(g);
    return rc;
}

int shang_prov_commit(const shang_prov *p, shang_h5_file **f)
{
    int rc = shang_prov_write(p, (*f)->id);
    if (rc) shang_h5_abort(*f);
    else rc = shang_h5_commit(*f);
    *f = NULL;
    return rc;
}

int shang_prov_split_command(const char *line, char ***argv, int *argc)
{
    *argv = NULL;
    *argc = 0;
    size_t n = strlen(line), cap = 8, k = 0;
    char **v = shang_zalloc(cap + 1, sizeof *v, "v");
    char *buf = shang_alloc(n + 1, 1, "buf");
    int rc = v && buf ? SHANG_OK : SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < n;) {
        while (i < n && line[i] == ' ') i++;
        if (i == n) break;
        size_t o = 0;
        while (i < n && line[i] != ' ') {
            if (line[i] == '\'') { /* '...' (a quote itself is written '\'') */
                size_t j = i + 1;
                while (j < n && line[j] != '\'') buf[o++] = line[j++];
                if (j == n) {
                    rc = SHANG_FAIL(SHANG_EFORMAT, "unbalanced quote in the command line");
                    break;
                }
                i = j + 1;
            } else if (line[i] == '\\' && i + 1 < n) {
                buf[o++] = line[i + 1];
                i += 2;
            } else {
                buf[o++] = line[i++];
            }
        }
        if (rc) break;
        if (k == cap) {
            char **w = shang_realloc(v, (2 * cap + 1), sizeof *w, "w");
            if (!w) {
                rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
                break;
            }
            v = w;
            cap *= 2;
        }
        if (!(v[k] = strndup(buf, o))) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        else v[++k] = NULL;
    }
    free(buf);
    if (rc) {
        for (size_t i = 0; v && i < k; i++) free(v[i]);
        free(v);
        return rc;
    }
    *argv = v;
    *argc = (int)k;
    return SHANG_OK;
}

int shang_prov_same_input(hid_t file, const char *name, const char *role, const char *path)
{
    char *where = shang_asprintf("provenance/inputs/%s", role);
    if (!where) return shang_err_code();
    char *want = NULL, *was = NULL, got[65];
    int rc = SHANG_OK;
    if (shang_h5_exists(file, where)) {
        hid_t g = H5Gopen2(file, where, H5P_DEFAULT);
        if (g < 0) rc = SHANG_FAIL(SHANG_EFORMAT, "%s: cannot read /%s", name, where);
        if (!rc) rc = shang_h5_attr_get_str(g, "sha256", &want);
        if (!rc && shang_h5_attr_get_str(g, "path", &was)) shang_err_clear();
        if (g >= 0) H5Gclose(g);
        if (!rc) rc = shang_sha256_file(path, got, NULL);
        if (!rc && strcmp(want, got) != 0)
            rc = SHANG_FAIL(SHANG_EINVAL, "%s was made from other %s (%s, sha256 %.12s...) than %s (sha256 %.12s...)", name,
                            role, was ? was : "?", want, path, got);
    }
    free(where);
    free(want);
    free(was);
    return rc;
}
