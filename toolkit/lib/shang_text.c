/* shang_text — see shang_text.h. */
#include "shang_text.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "shang_mem.h"

int shang_text_read(const char *path, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    gzFile g = gzopen(path, "rb");
    if (!g) return SHANG_FAIL(SHANG_EIO, "cannot open %s: %s", path, errno ? strerror(errno) : "out of memory");
    gzbuffer(g, 1 << 17);
    size_t cap = 1 << 20, n = 0;
    char *buf = shang_alloc(cap + 1, 1, "buf");
    int rc = SHANG_OK;
    if (!buf) rc = SHANG_FAIL(SHANG_ENOMEM, "cannot allocate a buffer for %s", path);
    while (!rc) {
        if (cap - n < (1 << 16)) {
            char *b = cap > SIZE_MAX / 2 - 1 ? NULL : shang_realloc(buf, 2 * cap + 1, 1, "b");
            if (!b) {
                rc = SHANG_FAIL(SHANG_ENOMEM, "%s does not fit in memory", path);
                break;
            }
            buf = b;
            cap *= 2;
        }
        unsigned want = cap - n > (1u << 30) ? (1u << 30) : (unsigned)(cap - n);
        int got = gzread(g, buf + n, want);
        if (got < 0) {
            int zerr;
            const char *m = gzerror(g, &zerr);
            rc = SHANG_FAIL(SHANG_EIO, "cannot read %s: %s", path,
                            zerr == Z_ERRNO ? strerror(errno) : m);
            break;
        }
        if (got == 0) break;
        n += (size_t)got;
    }
    /* a truncated gzip stream reads as end of file; zlib flags it on close */
    int zc = gzclose(g);
    if (!rc && zc == Z_BUF_ERROR) rc = SHANG_FAIL(SHANG_EIO, "%s: truncated gzip stream", path);
    else if (!rc && zc != Z_OK) rc = SHANG_FAIL(SHANG_EIO, "cannot read %s (zlib error %d)", path, zc);
    if (rc) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return SHANG_OK;
}

int shang_text_docs_mode(const char *name, int *mode)
{
    if (!strcmp(name, "blank")) *mode = SHANG_DOCS_BLANK;
    else if (!strcmp(name, "line")) *mode = SHANG_DOCS_LINE;
    else if (!strcmp(name, "file")) *mode = SHANG_DOCS_FILE;
    else return SHANG_FAIL(SHANG_EINVAL, "'%s' is not a document mode (blank, line, file)", name);
    return SHANG_OK;
}

const char *shang_text_docs_name(int mode)
{
    return mode == SHANG_DOCS_LINE ? "line" : mode == SHANG_DOCS_FILE ? "file" : "blank";
}

int shang_text_docs(const char *data, size_t len, int mode, shang_span **docs, size_t *n)
{
    *docs = NULL;
    *n = 0;
    size_t cap = 64, count = 0;
    shang_span *d = shang_alloc(cap, sizeof *d, "d");
    if (!d) return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate document spans");
    size_t pos = 0, doc_start = 0;
    int in_doc = 0;
    if (mode == SHANG_DOCS_FILE) {
        if (len > 0) d[count++] = (shang_span){0, len};
        pos = len;
    }
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - data) + 1 : len; /* one past the line's '\n' */
        int empty = end - pos == 1 && data[pos] == '\n';
        if (!empty && !in_doc) {
            doc_start = pos;
            in_doc = 1;
        }
        int close = in_doc && (empty || end == len || mode == SHANG_DOCS_LINE);
        if (close) {
            if (count == cap) {
                shang_span *e = shang_realloc(d, cap * 2, sizeof *d, "document spans");
                if (!e) {
                    free(d);
                    return shang_err_code();
                }
                d = e;
                cap *= 2;
            }
            size_t doc_end = empty ? pos : end;
            d[count++] = (shang_span){doc_start, doc_end - doc_start};
            in_doc = 0;
        }
        pos = end;
    }
    *docs = d;
    *n = count;
    return SHANG_OK;
}
