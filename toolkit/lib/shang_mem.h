/* shang_mem — overflow-checked allocation (internal: not installed). The library
 * and the shang program allocate through shang_alloc, shang_zalloc and
 * shang_realloc, never malloc/calloc/realloc directly (shang_err.c excepted: it
 * cannot report its own failure), so that a size product that overflows, or a
 * failed allocation, becomes SHANG_ENOMEM with a message naming what was being
 * allocated. A count of 0 gives a valid pointer, so callers write no `n ? n : 1`.
 * Memory returned is freed with free(); arrays the public API hands back are such
 * memory. */
#ifndef SHANG_MEM_H
#define SHANG_MEM_H

#include <stddef.h>

#include "shang_err.h"

/* a*b into *out; SHANG_ENOMEM (with message) on overflow. */
int shang_size_mul(size_t a, size_t b, size_t *out) SHANG_MUST_CHECK;
/* a*b*c, for three-dimensional buffers. */
int shang_size_mul3(size_t a, size_t b, size_t c, size_t *out) SHANG_MUST_CHECK;

/* n elements of `size` bytes, 64-byte aligned (AVX-512 rows); NULL with the error
 * set on overflow or failure. `what` names the buffer in the message. n == 0
 * returns a valid pointer. */
void *shang_alloc(size_t n, size_t size, const char *what);
/* as shang_alloc, zero-filled */
void *shang_zalloc(size_t n, size_t size, const char *what);
/* grow or shrink an unaligned array; on failure the old block is untouched */
void *shang_realloc(void *p, size_t n, size_t size, const char *what);
char *shang_strdup(const char *s);
char *shang_asprintf(const char *fmt, ...) SHANG_PRINTF(1, 2);

#endif
