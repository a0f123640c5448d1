/* shang_mem — see shang_mem.h. */
#include "shang_mem.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int shang_size_mul(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return SHANG_FAIL(SHANG_ENOMEM, "size overflow: %zu x %zu", a, b);
    *out = a * b;
    return SHANG_OK;
}

int shang_size_mul3(size_t a, size_t b, size_t c, size_t *out)
{
    size_t ab;
    int rc = shang_size_mul(a, b, &ab);
    if (rc) return rc;
    return shang_size_mul(ab, c, out);
}

void *shang_alloc(size_t n, size_t size, const char *what)
{
    size_t bytes;
    if (shang_size_mul(n, size, &bytes)) {
        shang_err_prefix("allocating %s", what);
        return NULL;
    }
    /* aligned_alloc needs a non-zero multiple of the alignment */
    if (bytes > SIZE_MAX - 64) {
        SHANG_FAIL(SHANG_ENOMEM, "size overflow allocating %s", what);
        return NULL;
    }
    size_t rounded = bytes ? (bytes + 63) & ~(size_t)63 : 64;
    void *p = aligned_alloc(64, rounded);
    if (!p) SHANG_FAIL(SHANG_ENOMEM, "cannot allocate %zu bytes for %s", bytes, what);
    return p;
}

void *shang_zalloc(size_t n, size_t size, const char *what)
{
    void *p = shang_alloc(n, size, what);
    if (p) memset(p, 0, n * size);
    return p;
}

void *shang_realloc(void *p, size_t n, size_t size, const char *what)
{
    size_t bytes;
    if (shang_size_mul(n, size, &bytes)) {
        shang_err_prefix("allocating %s", what);
        return NULL;
    }
    void *q = realloc(p, bytes ? bytes : 1);
    if (!q) SHANG_FAIL(SHANG_ENOMEM, "cannot allocate %zu bytes for %s", bytes, what);
    return q;
}

char *shang_strdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d) SHANG_FAIL(SHANG_ENOMEM, "cannot copy a string of %zu bytes", strlen(s ? s : ""));
    return d;
}

char *shang_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        SHANG_FAIL(SHANG_ENOMEM, "cannot format a string");
        return NULL;
    }
    return s;
}
