/* shang_text — reading corpus text: a whole file, plain or gzip (detected by its
 * content, not its name), and its split into documents.
 *
 * The corpus convention (datasets/corpus/README.md): a document is a run of
 * non-empty lines, ended by an empty line (or the end of the file). A document's
 * text is its lines, each with its '\n' (the last may lack one at end of file);
 * the empty separator lines belong to no document. Bytes are taken as they are:
 * no decoding, so invalid UTF-8 and NUL bytes pass through (a line of "\r" is not
 * empty). This module does not tokenize.
 */
#ifndef SHANG_TEXT_H
#define SHANG_TEXT_H

#include <stddef.h>

#include "shang_err.h"

enum shang_docs {
    SHANG_DOCS_BLANK = 0, /* documents separated by empty lines (default) */
    SHANG_DOCS_LINE = 1,  /* every non-empty line is a document */
    SHANG_DOCS_FILE = 2,  /* the whole file is one document */
};

typedef struct shang_span {
    size_t start, len; /* byte range in the file's text */
} shang_span;

/* Reads `path` (plain or gzip) into *data (malloc'd, with a NUL after the last
 * byte) and *len. Errors name the file (missing, unreadable, corrupt gzip). */
int shang_text_read(const char *path, char **data, size_t *len) SHANG_MUST_CHECK;
/* The documents of `data` under `mode`, as spans (*docs malloc'd, *n of them). */
int shang_text_docs(const char *data, size_t len, int mode, shang_span **docs,
                    size_t *n) SHANG_MUST_CHECK;
/* "blank", "line", "file" -> mode; SHANG_EINVAL otherwise. */
int shang_text_docs_mode(const char *name, int *mode) SHANG_MUST_CHECK;
const char *shang_text_docs_name(int mode);

#endif
