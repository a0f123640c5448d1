/* shang_tsv — see shang_tsv.h. */
#include "shang_tsv.h"

#include <stdlib.h>
#include <string.h>

#include "shang_mem.h"
#include "shang_text.h"

int shang_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e = p + n;
    while (p < e) {
        unsigned c = *p;
        size_t k;
        unsigned min;
        if (c < 0x80) { p++; continue; }
        if (c >= 0xC2 && c <= 0xDF) { k = 1; min = 0x80; }
        else if (c >= 0xE0 && c <= 0xEF) { k = 2; min = 0x800; }
        else if (c >= 0xF0 && c <= 0xF4) { k = 3; min = 0x10000; }
        else return 0;
        if ((size_t)(e - p) <= k) return 0;
        unsigned cp = c & (0x3F >> k);
        for (size_t i = 1; i <= k; i++) {
            if ((p[i] & 0xC0) != 0x80) return 0;
            cp = cp << 6 | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        p += k + 1;
    }
    return 1;
}

void shang_tsv_free(shang_tsv *t)
{
    if (!t) return;
    free(t->buf);
    free(t->header);
    free(t->cell);
    free(t);
}

/* splits a line (NUL-terminated, no newline) at tabs into fields; returns count */
static size_t split(char *line, char **f, size_t max)
{
    size_t n = 0;
    for (char *s = line;;) {
        char *tab = strchr(s, '\t');
        if (n < max) f[n] = s;
        n++;
        if (!tab) break;
        *tab = '\0';
        s = tab + 1;
    }
    return n;
}

int shang_tsv_parse(char *text, size_t len, const char *name, shang_tsv **out)
{
    *out = NULL;
    if (memchr(text, '\0', len)) return SHANG_FAIL(SHANG_EFORMAT, "%s: NUL byte in a table", name);
    if (!shang_utf8_valid(text, len)) return SHANG_FAIL(SHANG_EFORMAT, "%s: not valid UTF-8", name);
    shang_tsv *t = shang_zalloc(1, sizeof *t, "t");
    if (!t) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    size_t lines = 0;
    for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
    lines += len && text[len - 1] != '\n';
    if (lines == 0) {
        free(t);
        return SHANG_FAIL(SHANG_EFORMAT, "%s: empty table (no header line)", name);
    }
    int rc = SHANG_OK;
    char *s = text, *end = text + len;
    size_t lineno = 0;
    while (s < end || lineno == 0) {
        char *nl = memchr(s, '\n', (size_t)(end - s));
        char *e = nl ? nl : end;
        *e = '\0';
        if (e > s && e[-1] == '\r') e[-1] = '\0';
        lineno++;
        if (!*s) { /* empty line: only trailing ones are allowed */
            if (lineno == 1) {
                rc = SHANG_FAIL(SHANG_EFORMAT, "%s:1: empty header line", name);
                break;
            }
            for (char *q = nl ? nl + 1 : end; q < end && !rc; q++)
                if (*q != '\n' && *q != '\r')
                    rc = SHANG_FAIL(SHANG_EFORMAT, "%s:%zu: empty line inside the table", name, lineno);
            break;
        }
        if (lineno == 1) {
            size_t n = 1;
            for (const char *q = s; *q; q++) n += *q == '\t';
            t->n_cols = n;
            t->header = shang_zalloc(n, sizeof *t->header, "t->header");
            t->cell = shang_zalloc(n * lines, sizeof *t->cell, "t->cell");
            if (!t->header || !t->cell) {
                rc = SHANG_FAIL(SHANG_ENOMEM, "%s: out of memory", name);
                break;
            }
            split(s, t->header, n);
            for (size_t i = 0; i < n && !rc; i++)
                for (size_t j = 0; j < i && !rc; j++)
                    if (!strcmp(t->header[i], t->header[j]))
                        rc = SHANG_FAIL(SHANG_EFORMAT, "%s:1: column '%s' appears twice", name, t->header[i]);
        } else {
            char **row = t->cell + t->n_rows * t->n_cols;
            size_t n = split(s, row, t->n_cols);
            if (n != t->n_cols) {
                rc = SHANG_FAIL(SHANG_EFORMAT, "%s:%zu: %zu fields, the header has %zu", name, lineno, n, t->n_cols);
                break;
            }
            t->n_rows++;
        }
        if (rc || !nl) break;
        s = nl + 1;
    }
    if (rc) {
        free(t->header);
        free(t->cell);
        free(t);
        return rc;
    }
    *out = t;
    return SHANG_OK;
}

int shang_tsv_read(const char *path, shang_tsv **out)
{
    *out = NULL;
    char *text;
    size_t len;
    int rc = shang_text_read(path, &text, &len);
    if (rc) return rc;
    rc = shang_tsv_parse(text, len, path, out);
    if (rc) free(text);
    else (*out)->buf = text;
    return rc;
}

int shang_tsv_col(const shang_tsv *t, const char *name)
{
    for (size_t i = 0; i < t->n_cols; i++)
        if (!strcmp(t->header[i], name)) return (int)i;
    return -1;
}

const char *shang_tsv_get(const shang_tsv *t, size_t row, int col) { return t->cell[row * t->n_cols + (size_t)col]; }
