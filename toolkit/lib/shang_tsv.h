/* shang_tsv — a strict reader of tab-separated tables with a header line (plain
 * or gzip): every row must have the header's number of fields; a final '\r' on a
 * line is dropped; empty lines are refused except at the end; NUL bytes and
 * invalid UTF-8 are refused (the tables shang reads are text). Errors name the
 * file and line. Fields are NUL-terminated strings inside one buffer. */
#ifndef SHANG_TSV_H
#define SHANG_TSV_H

#include <stddef.h>

#include "shang_err.h"

typedef struct shang_tsv {
    char *buf;      /* the file's text, cut into fields */
    size_t n_cols, n_rows;
    char **header;  /* (n_cols) */
    char **cell;    /* (n_rows, n_cols) */
} shang_tsv;

int shang_tsv_read(const char *path, shang_tsv **out) SHANG_MUST_CHECK;
/* Parses text in place (it must be NUL-terminated at len); `name` is used in errors. */
int shang_tsv_parse(char *text, size_t len, const char *name, shang_tsv **out) SHANG_MUST_CHECK;
void shang_tsv_free(shang_tsv *t);
/* Column index of `name`, or -1. */
int shang_tsv_col(const shang_tsv *t, const char *name);
const char *shang_tsv_get(const shang_tsv *t, size_t row, int col);

/* 1 if s[0, n) is valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF) */
int shang_utf8_valid(const char *s, size_t n);

#endif
