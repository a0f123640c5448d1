/* shang_prov — the /provenance group every artefact carries.
 *
 * A provenance record holds what is needed to lead an output back to its inputs
 * and re-run it: program and version, git commit, the command line, every
 * effective parameter (defaults included, typed), the master seed, the thread
 * count, the library versions and the BLAS kernel that ran, and for every input
 * its path, size and SHA-256 and, if it is a shang artefact, a copy of its own
 * /provenance (so a figure's data file leads back to the training run).
 * The `created` time is the only field that differs between identical runs; set
 * SOURCE_DATE_EPOCH to fix it. The working directory (`cwd`) is recorded, since
 * the command line's relative paths are relative to it: `shang verify` re-runs
 * the command there. This module does not decide what a program's
 * parameters are; programs add them.
 */
#ifndef SHANG_PROV_H
#define SHANG_PROV_H

#include <stdint.h>

#include <hdf5.h>

#include "shang_err.h"

typedef struct shang_prov shang_prov;

/* A record for `shang <verb>` run with argv[0..argc-1] (argv as main got it). */
int shang_prov_new(const char *verb, int argc, char *const argv[], shang_prov **out) SHANG_MUST_CHECK;
void shang_prov_free(shang_prov *p);

/* Effective parameters, stored as typed attributes of /provenance/parameters.
 * Setting a key twice keeps the last value. */
int shang_prov_str(shang_prov *p, const char *key, const char *value) SHANG_MUST_CHECK;
int shang_prov_i64(shang_prov *p, const char *key, int64_t value) SHANG_MUST_CHECK;
int shang_prov_f64(shang_prov *p, const char *key, double value) SHANG_MUST_CHECK;
void shang_prov_seed(shang_prov *p, uint64_t seed);
void shang_prov_threads(shang_prov *p, int threads);

/* Records input `path` under `role` ("model", "states", ...): size and SHA-256 now,
 * its /provenance (if it is a shang artefact) when the record is written. */
int shang_prov_input(shang_prov *p, const char *role, const char *path) SHANG_MUST_CHECK;

/* Writes /provenance into an open file. */
int shang_prov_write(const shang_prov *p, hid_t file) SHANG_MUST_CHECK;

/* Writes /provenance into the artefact and commits it (shang_h5_commit): *f is
 * freed and set to NULL whatever happens, so callers' shang_h5_abort(*f) in a
 * common cleanup stays correct. */
struct shang_h5_file;
int shang_prov_commit(const shang_prov *p, struct shang_h5_file **f) SHANG_MUST_CHECK;

/* The words of a recorded command line (the inverse of the quoting it was
 * written with): *argv malloc'd and NULL-terminated, each word malloc'd. */
int shang_prov_split_command(const char *line, char ***argv, int *argc) SHANG_MUST_CHECK;

/* SHA-256 of a file as 64 lowercase hex digits plus NUL; also its size. */
int shang_sha256_file(const char *path, char hex[65], uint64_t *bytes) SHANG_MUST_CHECK;
/* The artefact `file` (named `name` in messages) was made from an input of `role`
 * (its /provenance/inputs/ROLE record): `path` must be that input, the same bytes
 * (SHA-256), or SHANG_EINVAL names both. An artefact without the record passes. */
int shang_prov_same_input(hid_t file, const char *name, const char *role, const char *path) SHANG_MUST_CHECK;

#endif
