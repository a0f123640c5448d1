/* shang_safetensors — see shang_safetensors.h. */
#include "shang_safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "shang_mem.h"

#define MAX_HEADER ((uint64_t)100 << 20)

static const struct {
    const char *name;
    int size;
} dtypes[] = {{"BOOL", 1}, {"U8", 1}, {"I8", 1}, {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2},
              {"F16", 2}, {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4}, {"F64", 8}, {"I64", 8}, {"U64", 8}};

static int dtype_size(const char *d)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof *dtypes; i++)
        if (!strcmp(d, dtypes[i].name)) return dtypes[i].size;
    return 0;
}

size_t shang_st_numel(const shang_st_tensor *t)
{
    size_t n = 1;
    for (int k = 0; k < t->rank; k++) n *= t->dims[k];
    return n;
}

void shang_st_close(shang_safetensors *s)
{
    if (!s) return;
    if (s->fd >= 0) close(s->fd);
    for (size_t i = 0; i < s->n; i++) free(s->t[i].name);
    free(s->t);
    free(s->path);
    free(s);
}

static int cmp_begin(const void *a, const void *b)
{
    const shang_st_tensor *x = a, *y = b;
    return (x->begin > y->begin) - (x->begin < y->begin);
}

#define BAD(...) (rc = SHANG_FAIL(SHANG_EFORMAT, __VA_ARGS__))

int shang_st_open(const char *path, shang_safetensors **out)
{
    *out = NULL;
    shang_safetensors *s = shang_zalloc(1, sizeof *s, "s");
    if (!s) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    s->fd = open(path, O_RDONLY);
    s->path = shang_strdup(path);
    int rc = SHANG_OK;
    char *hdr = NULL;
    json_t *root = NULL;
    struct stat st;
    unsigned char len8[8];
    if (s->fd < 0 || fstat(s->fd, &st) != 0) {
        rc = SHANG_FAIL(SHANG_EIO, "cannot open %s: %s", path, strerror(errno));
        goto done;
    }
    uint64_t fsize = (uint64_t)st.st_size;
    if (fsize < 8 || pread(s->fd, len8, 8, 0) != 8) {
        BAD("%s: too short for a safetensors header (%llu bytes)", path, (unsigned long long)fsize);
        goto done;
    }
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = n << 8 | len8[i];
    if (n == 0 || n > MAX_HEADER || n > fsize - 8) {
        BAD("%s: header length %llu does not fit the file (%llu bytes) or exceeds 100 MB", path,
            (unsigned long long)n, (unsigned long long)fsize);
        goto done;
    }
    hdr = shang_alloc(n + 1, 1, "hdr");
    if (!hdr || pread(s->fd, hdr, n, 8) != (ssize_t)n) {
        rc = hdr ? SHANG_FAIL(SHANG_EIO, "%s: cannot read the header", path) : SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        goto done;
    }
    hdr[n] = '\0';
    if (memchr(hdr, '\0', n)) {
        BAD("%s: NUL byte in the JSON header", path);
        goto done;
    }
    json_error_t jerr;
    root = json_loadb(hdr, n, JSON_REJECT_DUPLICATES, &jerr);
    if (!root || !json_is_object(root)) {
        BAD("%s: header is not a JSON object (%s)", path, root ? "other JSON" : jerr.text);
        goto done;
    }
    s->data_start = 8 + n;
    s->data_size = fsize - s->data_start;
    s->t = shang_zalloc(json_object_size(root) + 1, sizeof *s->t, "s->t");
    if (!s->t) {
        rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        goto done;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (!strcmp(key, "__metadata__")) {
            if (!json_is_object(v)) BAD("%s: __metadata__ is not an object", path);
            if (rc) goto done;
            continue;
        }
        shang_st_tensor *t = &s->t[s->n];
        json_t *dt = json_object_get(v, "dtype"), *sh = json_object_get(v, "shape"),
               *off = json_object_get(v, "data_offsets");
        if (!json_is_object(v) || !json_is_string(dt) || !json_is_array(sh) || !json_is_array(off) ||
            json_array_size(off) != 2 || json_array_size(sh) > 8) {
            BAD("%s: tensor '%s' lacks dtype, shape or data_offsets", path, key);
            goto done;
        }
        if (!(t->name = shang_strdup(key))) {
            rc = shang_err_code();
            goto done;
        }
        s->n++;
        int es = dtype_size(json_string_value(dt));
        if (!es) {
            BAD("%s: tensor '%s' has unknown dtype '%s'", path, key, json_string_value(dt));
            goto done;
        }
        snprintf(t->dtype, sizeof t->dtype, "%s", json_string_value(dt));
        t->rank = (int)json_array_size(sh);
        uint64_t bytes = (uint64_t)es;
        for (int k = 0; k < t->rank; k++) {
            json_t *d = json_array_get(sh, (size_t)k);
            if (!json_is_integer(d) || json_integer_value(d) < 0 || (uint64_t)json_integer_value(d) > (1ULL << 40)) {
                BAD("%s: tensor '%s' has a bad shape", path, key);
                goto done;
            }
            t->dims[k] = (size_t)json_integer_value(d);
            if (t->dims[k] && bytes > UINT64_MAX / t->dims[k]) {
                BAD("%s: tensor '%s' is impossibly large", path, key);
                goto done;
            }
            bytes *= t->dims[k];
        }
        json_t *b0 = json_array_get(off, 0), *b1 = json_array_get(off, 1);
        if (!json_is_integer(b0) || !json_is_integer(b1) || json_integer_value(b0) < 0 ||
            json_integer_value(b1) < json_integer_value(b0)) {
            BAD("%s: tensor '%s' has bad data_offsets", path, key);
            goto done;
        }
        t->begin = (uint64_t)json_integer_value(b0);
        t->end = (uint64_t)json_integer_value(b1);
        if (t->end > s->data_size) {
            BAD("%s: tensor '%s' ends at byte %llu, past the data (%llu bytes): truncated file?", path, key,
                (unsigned long long)t->end, (unsigned long long)s->data_size);
            goto done;
        }
        if (t->end - t->begin != bytes) {
            BAD("%s: tensor '%s' spans %llu bytes, its shape and dtype need %llu", path, key,
                (unsigned long long)(t->end - t->begin), (unsigned long long)bytes);
            goto done;
        }
    }
    /* the tensors must tile the data exactly */
    shang_st_tensor *sorted = shang_alloc((s->n + 1), sizeof *sorted, "sorted");
    if (!sorted) {
        rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(sorted, s->t, s->n * sizeof *sorted);
    qsort(sorted, s->n, sizeof *sorted, cmp_begin);
    uint64_t at = 0;
    for (size_t i = 0; i < s->n && !rc; i++) {
        if (sorted[i].begin < at) BAD("%s: tensors '%s' and '%s' overlap", path, sorted[i - 1].name, sorted[i].name);
        else if (sorted[i].begin > at) BAD("%s: %llu bytes before tensor '%s' belong to no tensor", path,
                                           (unsigned long long)(sorted[i].begin - at), sorted[i].name);
        at = sorted[i].end;
    }
    if (!rc && at != s->data_size)
        BAD("%s: %llu bytes after the last tensor belong to no tensor", path, (unsigned long long)(s->data_size - at));
    free(sorted);
done:
    free(hdr);
    json_decref(root);
    if (rc) shang_st_close(s);
    else *out = s;
    return rc;
}

const shang_st_tensor *shang_st_find(const shang_safetensors *s, const char *name)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->t[i].name, name)) return &s->t[i];
    return NULL;
}

float shang_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) bits = sign;
        else { /* subnormal: normalise */
            int e = -1;
            do {
                e++;
                man <<= 1;
            } while (!(man & 0x400));
            bits = sign | (uint32_t)(127 - 15 - e) << 23 | (man & 0x3ff) << 13;
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | man << 13;
    } else {
        bits = sign | (exp + 127 - 15) << 23 | man << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

float shang_bf16_to_f32(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

int shang_st_read_f32(const shang_safetensors *s, const shang_st_tensor *t, float *out)
{
    int es = dtype_size(t->dtype);
    if (strcmp(t->dtype, "F32") && strcmp(t->dtype, "F16") && strcmp(t->dtype, "BF16"))
        return SHANG_FAIL(SHANG_EFORMAT, "%s: tensor '%s' has dtype %s; F32, F16 or BF16 expected", s->path, t->name, t->dtype);
    size_t n = shang_st_numel(t), bytes = n * (size_t)es;
    char *buf = strcmp(t->dtype, "F32") ? shang_alloc(bytes, 1, "tensor bytes") : (char *)out;
    if (!buf) return SHANG_FAIL(SHANG_ENOMEM, "cannot read tensor '%s'", t->name);
    size_t got = 0;
    while (got < bytes) {
        ssize_t r = pread(s->fd, buf + got, bytes - got, (off_t)(s->data_start + t->begin + got));
        if (r <= 0) {
            if (buf != (char *)out) free(buf);
            return SHANG_FAIL(SHANG_EIO, "%s: cannot read tensor '%s'", s->path, t->name);
        }
        got += (size_t)r;
    }
    if (buf != (char *)out) {
        const uint16_t *h = (const uint16_t *)buf;
        int bf = !strcmp(t->dtype, "BF16");
        for (size_t i = 0; i < n; i++) {
            uint16_t v;
            memcpy(&v, h + i, 2);
            out[i] = bf ? shang_bf16_to_f32(v) : shang_f16_to_f32(v);
        }
        free(buf);
    }
    return SHANG_OK;
}
