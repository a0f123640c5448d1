/* shang_table — result tables: named, typed columns of equal length (float64,
 * int64 or string), built a row at a time, stored in an artefact as a group
 * /tables/<name> (attribute `columns`: the names in order; one 1-D dataset per
 * column, with its description), read back, and written as TSV for gnuplot, R
 * and pandas (`shang export`). Every analysis verb writes its results this way,
 * so one exporter serves them all. */
#ifndef SHANG_TABLE_H
#define SHANG_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <hdf5.h>

#include "shang_err.h"

typedef struct shang_table shang_table;

int shang_table_new(const char *name, const char *description, shang_table **out) SHANG_MUST_CHECK;
void shang_table_free(shang_table *t);
/* A column (dtype SHANG_DT_F64, SHANG_DT_I64 or SHANG_DT_STR); returns its index
 * or -1 (out of memory, duplicate name: see shang_err_msg). Add columns first. */
int shang_table_column(shang_table *t, const char *name, int dtype, const char *description);
/* Appends a row: NaN, 0 and "" until set. */
int shang_table_push(shang_table *t) SHANG_MUST_CHECK;
/* Cells of the last row. */
void shang_table_f64(shang_table *t, int col, double v);
void shang_table_i64(shang_table *t, int col, int64_t v);
int shang_table_str(shang_table *t, int col, const char *v) SHANG_MUST_CHECK;

const char *shang_table_name(const shang_table *t);
size_t shang_table_rows(const shang_table *t);
size_t shang_table_columns(const shang_table *t);
const char *shang_table_column_name(const shang_table *t, size_t col);
int shang_table_column_type(const shang_table *t, size_t col);
double shang_table_get_f64(const shang_table *t, size_t col, size_t row);
int64_t shang_table_get_i64(const shang_table *t, size_t col, size_t row);
const char *shang_table_get_str(const shang_table *t, size_t col, size_t row);
/* the index of a column by name, or -1 */
int shang_table_find(const shang_table *t, const char *name);

/* An estimate with its interval: a float64 column `name` and, with ci, the
 * columns `name_lo` and `name_hi` ("estimate -/+ z x bootstrap standard error,
 * <unit> resampled"): col[0..2] (col[1], col[2] = -1 without ci). */
int shang_table_estimate(shang_table *t, const char *name, const char *desc, int ci, const char *unit,
                         int col[3]) SHANG_MUST_CHECK;
/* Fills the last row's columns made by shang_table_estimate: the estimate and,
 * where the interval columns exist, the normal interval (shang_normal_interval). */
void shang_table_put_estimate(shang_table *t, const int col[3], double est, double sd, double level);

/* Writes the table as /tables/<name> under loc (an artefact's file id). */
int shang_table_write(const shang_table *t, hid_t loc) SHANG_MUST_CHECK;
/* The names of the tables in an open file (*names: free with shang_h5_free_strs). */
int shang_table_list(hid_t file, char ***names, size_t *n) SHANG_MUST_CHECK;
/* Reads /tables/<name>; SHANG_EINVAL naming the tables there if it is absent. A
 * name with a '/' that is a 2-D dataset with a `columns` attribute (the training
 * log's training/steps, training/evals, training/spectra) is read as a table of
 * float64 columns. */
int shang_table_read(hid_t file, const char *name, shang_table **out) SHANG_MUST_CHECK;
/* TSV: a header line of column names, one line per row; floats with 10
 * significant digits, NaN as NaN; tabs and newlines in strings become spaces. */
int shang_table_write_tsv(const shang_table *t, FILE *out) SHANG_MUST_CHECK;

#endif
