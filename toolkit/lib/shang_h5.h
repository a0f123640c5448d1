/* shang_h5 — HDF5 helpers: atomic artefact creation, format checks, typed datasets
 * and attributes, streamed (extendible, chunked) datasets, and a readable dump.
 *
 * Every shang artefact is one HDF5 file whose root carries `shang_format` (e.g.
 * "shang.states") and `shang_format_version`; every dataset carries `description`
 * and `dims` (one dimension letter per axis, STYLE.md's letters). Files are created
 * under a temporary name beside the target and renamed on commit, so a failed or
 * killed run never leaves a valid-looking artefact. Object modification times are
 * not stored, so the same content gives the same bytes. The HDF5 automatic error
 * printer is switched off; HDF5's own innermost message is folded into ours.
 * Provenance lives in shang_prov.h. This module knows nothing of any one format.
 */
#ifndef SHANG_H5_H
#define SHANG_H5_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "shang_err.h"

/* Element types of datasets and attributes (stored little-endian, native sizes). */
enum shang_dtype {
    SHANG_DT_F32 = 1,
    SHANG_DT_F64,
    SHANG_DT_I32,
    SHANG_DT_I64,
    SHANG_DT_U8,
    SHANG_DT_STR, /* variable-length UTF-8; buffers are char *[] */
};

/* Storage options of a dataset. Zero-initialised = contiguous-when-possible,
 * uncompressed (gzip buys ~1.1x on float32 hidden states at a large write cost). */
typedef struct shang_h5_opts {
    size_t chunk_rows; /* rows along axis 0 per chunk; 0 = about 1 MiB per chunk */
    int deflate;       /* gzip level 0..9; 0 = none */
    bool shuffle;      /* byte shuffle before gzip */
} shang_h5_opts;

/* An artefact being written: the open HDF5 file and its temporary path. */
typedef struct shang_h5_file {
    hid_t id;       /* the file; use it as a location for the functions below */
    char *path;     /* final path */
    char *tmp_path; /* where it is written until commit */
} shang_h5_file;

/* Creates `path`'s temporary twin, writes the root format attributes. */
int shang_h5_create(const char *path, const char *format, int version,
                    shang_h5_file **out) SHANG_MUST_CHECK;
/* Closes the file (and anything left open in it) and renames it into place; frees
 * `f` whatever happens. On failure the temporary file is removed. */
int shang_h5_commit(shang_h5_file *f) SHANG_MUST_CHECK;
/* Closes and removes the temporary file; frees `f`. NULL-safe. */
void shang_h5_abort(shang_h5_file *f);

/* Sets HDF5 up for shang (errors reported, not printed; no clean-up at exit);
 * programs call it before any other HDF5 call. The other functions call it too. */
void shang_h5_init(void);

/* Opens an artefact read-only and checks its format: `format` NULL accepts any
 * shang format; a version above `max_version` is refused (SHANG_EFORMAT) with a
 * message naming the file, its version and the shang that wrote it.
 * `*version` (may be NULL) receives the file's version. Close with H5Fclose. */
int shang_h5_open(const char *path, const char *format, int max_version, hid_t *file,
                  int *version) SHANG_MUST_CHECK;
/* Reads the root `shang_format` into *format (malloc'd); SHANG_EFORMAT if absent. */
int shang_h5_format(hid_t file, char **format, int *version) SHANG_MUST_CHECK;

/* Opens group `path` under `loc`, creating it and missing parents. H5Gclose it. */
int shang_h5_group(hid_t loc, const char *path, hid_t *out) SHANG_MUST_CHECK;
bool shang_h5_exists(hid_t loc, const char *path);

/* Writes a whole dataset of `rank` dims from `data` (row-major), with its `dims`
 * names (rank strings) and `description`. `opts` may be NULL. */
int shang_h5_write(hid_t loc, const char *path, int dtype, int rank, const size_t *dims,
                   const void *data, const char *const *dim_names, const char *description,
                   const shang_h5_opts *opts) SHANG_MUST_CHECK;

/* Creates a chunked dataset to fill in pieces. Axis `grow_axis` (-1: none) is
 * unlimited: it may grow past dims[grow_axis] (which may be 0) by
 * shang_h5_dset_extend (shang_h5_dset_append for axis 0). H5Dclose it. */
int shang_h5_dset_create(hid_t loc, const char *path, int dtype, int rank,
                         const size_t *dims, int grow_axis, const char *const *dim_names,
                         const char *description, const shang_h5_opts *opts,
                         hid_t *out) SHANG_MUST_CHECK;
/* Appends `rows` rows (each the product of dims 1.. elements) along axis 0. */
int shang_h5_dset_append(hid_t dset, int dtype, size_t rows, const void *data) SHANG_MUST_CHECK;
/* Sets the length of `axis` (only growing an unlimited axis is possible). */
int shang_h5_dset_extend(hid_t dset, int axis, size_t len) SHANG_MUST_CHECK;
/* Writes / reads the box start[i] .. start[i]+count[i] (row-major buffer). */
int shang_h5_dset_write_slab(hid_t dset, int dtype, const size_t *start, const size_t *count,
                             const void *data) SHANG_MUST_CHECK;
int shang_h5_dset_read_slab(hid_t dset, int dtype, const size_t *start, const size_t *count,
                            void *data) SHANG_MUST_CHECK;
/* Shape of a dataset; fails if its rank exceeds max_rank. */
int shang_h5_dset_shape(hid_t dset, int max_rank, int *rank, size_t *dims) SHANG_MUST_CHECK;

/* Reads a whole dataset converted to `dtype` into a new buffer (*data, free() it;
 * for SHANG_DT_STR an array of strings freed with shang_h5_free_strs). */
int shang_h5_read(hid_t loc, const char *path, int dtype, int max_rank, int *rank,
                  size_t *dims, void **data) SHANG_MUST_CHECK;
void shang_h5_free_strs(char **s, size_t n);

/* Attributes on any object (group, dataset, file); existing ones are replaced. */
int shang_h5_attr_str(hid_t obj, const char *name, const char *value) SHANG_MUST_CHECK;
int shang_h5_attr_strs(hid_t obj, const char *name, size_t n,
                       const char *const *values) SHANG_MUST_CHECK;
int shang_h5_attr_i64(hid_t obj, const char *name, int64_t value) SHANG_MUST_CHECK;
int shang_h5_attr_f64(hid_t obj, const char *name, double value) SHANG_MUST_CHECK;
int shang_h5_attr_get_str(hid_t obj, const char *name, char **value) SHANG_MUST_CHECK;
int shang_h5_attr_get_i64(hid_t obj, const char *name, int64_t *value) SHANG_MUST_CHECK;
int shang_h5_attr_get_f64(hid_t obj, const char *name, double *value) SHANG_MUST_CHECK;

/* A person-readable description of an open artefact: format, provenance (with the
 * inputs' provenance, indented) and every dataset with shape, type, dims,
 * description and units. *text is malloc'd. */
int shang_h5_describe(hid_t file, char **text) SHANG_MUST_CHECK;

/* The /provenance of an open artefact as the same indented text, every line
 * starting with `prefix` (e.g. "# " for a TSV header). *text is malloc'd. */
int shang_h5_describe_provenance(hid_t file, const char *prefix, char **text) SHANG_MUST_CHECK;

/* "1.10.8" */
const char *shang_h5_version(void);

/* Compares two open files object by object: every group, dataset and attribute
 * (names, types, shapes, bytes; strings by content) except those under `skip`
 * (a top-level group name such as "provenance", or NULL). *n_same counts the
 * objects and attributes found equal; *diff (malloc'd, free with
 * shang_h5_free_strs) lists the paths that differ or exist in one file only
 * ("/tables/layers/ce", "/tables/layers@description"). */
int shang_h5_compare(hid_t a, hid_t b, const char *skip, size_t *n_same, char ***diff,
                     size_t *n_diff) SHANG_MUST_CHECK;

/* The index of `layer` in a file's list of n layers (its "layers" dataset), or
 * SHANG_EINVAL "PATH has no layer N". */
int shang_h5_layer_index(const int32_t *layers, size_t n, int layer, const char *path, size_t *li) SHANG_MUST_CHECK;

#endif
