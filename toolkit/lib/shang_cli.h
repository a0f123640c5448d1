/* shang_cli — what the shang program and the library share internally (not
 * installed): strict number parsing, the monotonic clock, and progress reporting
 * on stderr (a bar on a terminal, `key=value` lines otherwise). It does not parse
 * options (bin/cmd.c does) and never writes to stdout. Thread counts are set with
 * shang_threads_set (shang_blas.h).
 */
#ifndef SHANG_CLI_H
#define SHANG_CLI_H

#include <stdint.h>

#include "shang_err.h"

/* Parses the whole of `s` as a decimal integer in [min, max]; SHANG_EINVAL with a
 * message quoting `s` otherwise (no trailing junk, no silent wrap-around). */
int shang_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out) SHANG_MUST_CHECK;
int shang_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out) SHANG_MUST_CHECK;
int shang_parse_int(const char *s, int min, int max, int *out) SHANG_MUST_CHECK;
/* A finite real in [min, max] (NaN and infinities refused). */
int shang_parse_f64(const char *s, double min, double max, double *out) SHANG_MUST_CHECK;

typedef struct shang_progress shang_progress;
/* A progress reporter for `total` units named `unit` ("tok", "rows"); `total` 0 =
 * unknown. Silent at SHANG_LOG_QUIET. All functions accept NULL. */
shang_progress *shang_progress_new(const char *verb, const char *unit, uint64_t total);
/* Reports `done` units; `extra` ("loss=3.21") may be NULL. Rate-limited: a
 * terminal is redrawn at most 10 times a second, a log gets a line every 5 s. */
void shang_progress_update(shang_progress *p, uint64_t done, const char *extra);
/* Final report (always printed unless quiet) and free. */
void shang_progress_finish(shang_progress *p, uint64_t done, const char *extra);

/* Seconds on a monotonic clock. */
double shang_now(void);

#endif
