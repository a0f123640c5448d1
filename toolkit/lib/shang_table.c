/* shang_table — see shang_table.h. */
#include "shang_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shang_bootstrap.h"
#include "shang_h5.h"
#include "shang_mem.h"

struct column {
    char *name, *description;
    int dtype;
    double *f;
    int64_t *i;
    char **s;
};

struct shang_table {
    char *name, *description;
    struct column *col;
    size_t n_col, rows, cap;
};

int shang_table_new(const char *name, const char *description, shang_table **out)
{
    *out = NULL;
    if (!name || !*name || strchr(name, '/')) return SHANG_FAIL(SHANG_EINVAL, "bad table name '%s'", name ? name : "");
    shang_table *t = shang_zalloc(1, sizeof *t, "t");
    if (t) {
        t->name = shang_strdup(name);
        t->description = shang_strdup(description ? description : "");
    }
    if (!t || !t->name || !t->description) {
        shang_table_free(t);
        return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    }
    *out = t;
    return SHANG_OK;
}

void shang_table_free(shang_table *t)
{
    if (!t) return;
    for (size_t c = 0; c < t->n_col; c++) {
        struct column *k = &t->col[c];
        free(k->name);
        free(k->description);
        free(k->f);
        free(k->i);
        if (k->s)
            for (size_t r = 0; r < t->rows; r++) free(k->s[r]);
        free(k->s);
    }
    free(t->col);
    free(t->name);
    free(t->description);
    free(t);
}

int shang_table_column(shang_table *t, const char *name, int dtype, const char *description)
{
    if (t->rows) return SHANG_FAIL(SHANG_EINVAL, "table %s: columns come before rows", t->name), -1;
    if (dtype != SHANG_DT_F64 && dtype != SHANG_DT_I64 && dtype != SHANG_DT_STR)
        return SHANG_FAIL(SHANG_EINVAL, "table %s: column %s has an unsupported type", t->name, name), -1;
    if (!name || !*name || strchr(name, '/') || shang_table_find(t, name) >= 0)
        return SHANG_FAIL(SHANG_EINVAL, "table %s: bad or repeated column name '%s'", t->name, name ? name : ""), -1;
    struct column *c = shang_realloc(t->col, (t->n_col + 1), sizeof *c, "c");
    if (!c) return SHANG_FAIL(SHANG_ENOMEM, "out of memory"), -1;
    t->col = c;
    c = &t->col[t->n_col];
    memset(c, 0, sizeof *c);
    c->name = shang_strdup(name);
    c->description = shang_strdup(description ? description : "");
    c->dtype = dtype;
    if (!c->name || !c->description) {
        free(c->name);
        free(c->description);
        return SHANG_FAIL(SHANG_ENOMEM, "out of memory"), -1;
    }
    return (int)t->n_col++;
}

int shang_table_push(shang_table *t)
{
    if (t->rows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        for (size_t c = 0; c < t->n_col; c++) {
            struct column *k = &t->col[c];
            void *p = k->dtype == SHANG_DT_F64   ? shang_realloc(k->f, cap, sizeof *k->f, "table column")
                      : k->dtype == SHANG_DT_I64 ? shang_realloc(k->i, cap, sizeof *k->i, "table column")
                                                 : shang_realloc(k->s, cap, sizeof *k->s, "table column");
            if (!p) return SHANG_FAIL(SHANG_ENOMEM, "table %s: out of memory", t->name);
            if (k->dtype == SHANG_DT_F64) k->f = p;
            else if (k->dtype == SHANG_DT_I64) k->i = p;
            else k->s = p;
        }
        t->cap = cap;
    }
    for (size_t c = 0; c < t->n_col; c++) {
        struct column *k = &t->col[c];
        if (k->dtype == SHANG_DT_F64) k->f[t->rows] = NAN;
        else if (k->dtype == SHANG_DT_I64) k->i[t->rows] = 0;
        else k->s[t->rows] = NULL;
    }
    t->rows++;
    return SHANG_OK;
}

void shang_table_f64(shang_table *t, int col, double v)
{
    if (col >= 0 && (size_t)col < t->n_col && t->rows && t->col[col].dtype == SHANG_DT_F64) t->col[col].f[t->rows - 1] = v;
}

void shang_table_i64(shang_table *t, int col, int64_t v)
{
    if (col >= 0 && (size_t)col < t->n_col && t->rows && t->col[col].dtype == SHANG_DT_I64) t->col[col].i[t->rows - 1] = v;
}

int shang_table_str(shang_table *t, int col, const char *v)
{
    if (col < 0 || (size_t)col >= t->n_col || !t->rows || t->col[col].dtype != SHANG_DT_STR)
        return SHANG_FAIL(SHANG_EINVAL, "table %s: no string column %d", t->name, col);
    char *d = shang_strdup(v ? v : "");
    if (!d) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    free(t->col[col].s[t->rows - 1]);
    t->col[col].s[t->rows - 1] = d;
    return SHANG_OK;
}

const char *shang_table_name(const shang_table *t) { return t->name; }
size_t shang_table_rows(const shang_table *t) { return t->rows; }
size_t shang_table_columns(const shang_table *t) { return t->n_col; }
const char *shang_table_column_name(const shang_table *t, size_t col) { return t->col[col].name; }
int shang_table_column_type(const shang_table *t, size_t col) { return t->col[col].dtype; }

double shang_table_get_f64(const shang_table *t, size_t col, size_t row)
{
    const struct column *k = &t->col[col];
    return k->dtype == SHANG_DT_F64 ? k->f[row] : k->dtype == SHANG_DT_I64 ? (double)k->i[row] : NAN;
}

int64_t shang_table_get_i64(const shang_table *t, size_t col, size_t row)
{
    const struct column *k = &t->col[col];
    return k->dtype == SHANG_DT_I64 ? k->i[row] : k->dtype == SHANG_DT_F64 ? (int64_t)k->f[row] : 0;
}

const char *shang_table_get_str(const shang_table *t, size_t col, size_t row)
{
    const struct column *k = &t->col[col];
    return k->dtype == SHANG_DT_STR && k->s[row] ? k->s[row] : "";
}

int shang_table_find(const shang_table *t, const char *name)
{
    for (size_t c = 0; c < t->n_col; c++)
        if (!strcmp(t->col[c].name, name)) return (int)c;
    return -1;
}

int shang_table_write(const shang_table *t, hid_t loc)
{
    char path[512];
    snprintf(path, sizeof path, "tables/%s", t->name);
    hid_t g;
    int rc = shang_h5_group(loc, path, &g);
    if (rc) return rc;
    const char **names = shang_alloc(t->n_col, sizeof *names, "names");
    if (!names) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t c = 0; !rc && c < t->n_col; c++) names[c] = t->col[c].name;
    if (!rc) rc = shang_h5_attr_strs(g, "columns", t->n_col, names);
    if (!rc) rc = shang_h5_attr_str(g, "description", t->description);
    if (!rc) rc = shang_h5_attr_i64(g, "rows", (int64_t)t->rows);
    const char *dim[1] = {"row"};
    for (size_t c = 0; !rc && c < t->n_col; c++) {
        const struct column *k = &t->col[c];
        size_t dims[1] = {t->rows};
        const void *data = k->dtype == SHANG_DT_F64 ? (const void *)k->f : k->dtype == SHANG_DT_I64 ? (const void *)k->i : NULL;
        char **strs = NULL, empty[1] = "";
        if (k->dtype == SHANG_DT_STR) { /* unset cells as "" */
            strs = shang_alloc(t->rows, sizeof *strs, "strs");
            if (!strs) {
                rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
                break;
            }
            for (size_t r = 0; r < t->rows; r++) strs[r] = k->s[r] ? k->s[r] : empty;
            data = strs;
        }
        double nothing = 0;
        rc = shang_h5_write(g, k->name, k->dtype, 1, dims, t->rows ? data : (const void *)&nothing, dim, k->description,
                            NULL);
        free(strs);
    }
    free(names);
    H5Gclose(g);
    if (rc) shang_err_prefix("writing table %s", t->name);
    return rc;
}

int shang_table_list(hid_t file, char ***names, size_t *n)
{
    *names = NULL;
    *n = 0;
    if (!shang_h5_exists(file, "tables")) return SHANG_OK;
    hid_t g = H5Gopen2(file, "tables", H5P_DEFAULT);
    if (g < 0) return SHANG_FAIL(SHANG_EIO, "cannot open /tables");
    H5G_info_t info;
    int rc = H5Gget_info(g, &info) < 0 ? SHANG_FAIL(SHANG_EIO, "cannot list /tables") : SHANG_OK;
    char **out = rc ? NULL : shang_zalloc(info.nlinks, sizeof *out, "out");
    if (!rc && !out) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (hsize_t i = 0; !rc && i < info.nlinks; i++) {
        ssize_t len = H5Lget_name_by_idx(g, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, NULL, 0, H5P_DEFAULT);
        if (len < 0) len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, NULL, 0, H5P_DEFAULT);
        out[i] = len >= 0 ? shang_alloc((size_t)len + 1, 1, "string") : NULL;
        if (!out[i] || (H5Lget_name_by_idx(g, ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, out[i], (size_t)len + 1, H5P_DEFAULT) < 0 &&
                        H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, out[i], (size_t)len + 1, H5P_DEFAULT) < 0))
            rc = SHANG_FAIL(SHANG_EIO, "cannot list /tables");
    }
    H5Gclose(g);
    if (rc) {
        shang_h5_free_strs(out, out ? info.nlinks : 0);
        return rc;
    }
    *names = out;
    *n = info.nlinks;
    return SHANG_OK;
}

/* the names in a dataset's or group's string-list attribute `columns` */
static int read_columns(hid_t obj, const char *what, char ***cols, size_t *n)
{
    *cols = NULL;
    *n = 0;
    hid_t a = H5Aopen(obj, "columns", H5P_DEFAULT);
    if (a < 0) return SHANG_FAIL(SHANG_EFORMAT, "%s has no columns attribute", what);
    hid_t sp = H5Aget_space(a), ty = H5Tcopy(H5T_C_S1);
    H5Tset_size(ty, H5T_VARIABLE);
    H5Tset_cset(ty, H5T_CSET_UTF8);
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    size_t k = np > 0 ? (size_t)np : 0;
    char **c = shang_zalloc(k, sizeof *c, "c");
    int rc = c && (!k || H5Aread(a, ty, c) >= 0) ? SHANG_OK : SHANG_FAIL(SHANG_EFORMAT, "cannot read the columns of %s", what);
    H5Tclose(ty);
    H5Sclose(sp);
    H5Aclose(a);
    if (rc) {
        free(c);
        return rc;
    }
    *cols = c;
    *n = k;
    return SHANG_OK;
}

/* a 2-D float dataset whose `columns` attribute names its columns (the training
 * log's steps, evals, spectra) as a table of float64 columns */
static int read_matrix_table(hid_t file, const char *path, shang_table **out)
{
    char **cols = NULL;
    size_t nc = 0, d[2];
    double *v = NULL;
    int rank;
    shang_table *t = NULL;
    hid_t ds = H5Dopen2(file, path, H5P_DEFAULT);
    if (ds < 0) return SHANG_FAIL(SHANG_EIO, "cannot open %s", path);
    int rc = read_columns(ds, path, &cols, &nc);
    H5Dclose(ds);
    if (!rc) rc = shang_h5_read(file, path, SHANG_DT_F64, 2, &rank, d, (void **)&v);
    if (!rc && (rank != 2 || d[1] != nc)) rc = SHANG_FAIL(SHANG_EFORMAT, "%s: %zu columns named, %zu stored", path, nc, rank == 2 ? d[1] : 0);
    const char *base = strrchr(path, '/');
    if (!rc) rc = shang_table_new(base ? base + 1 : path, path, &t);
    for (size_t c = 0; !rc && c < nc; c++)
        if (shang_table_column(t, cols[c], SHANG_DT_F64, "") < 0) rc = shang_err_code();
    for (size_t r = 0; !rc && r < d[0]; r++) {
        if ((rc = shang_table_push(t))) break;
        for (size_t c = 0; c < nc; c++) shang_table_f64(t, (int)c, v[r * nc + c]);
    }
    for (size_t c = 0; cols && c < nc; c++) H5free_memory(cols[c]);
    free(cols);
    free(v);
    if (rc) shang_table_free(t);
    else *out = t;
    return rc;
}

int shang_table_read(hid_t file, const char *name, shang_table **out)
{
    *out = NULL;
    char path[512], *desc = NULL, **cols = NULL;
    snprintf(path, sizeof path, "tables/%s", name);
    if (strchr(name, '/') && shang_h5_exists(file, name)) return read_matrix_table(file, name, out);
    if (strchr(name, '/') || !shang_h5_exists(file, path)) {
        char **names;
        size_t n;
        int rc = shang_table_list(file, &names, &n);
        if (rc) return rc;
        char list[1024] = "";
        for (size_t i = 0; i < n && strlen(list) < sizeof list - 80; i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", names[i]);
        shang_h5_free_strs(names, n);
        return SHANG_FAIL(SHANG_EINVAL, "no table '%s' (the tables: %s)", name, n ? list : "none");
    }
    hid_t g = H5Gopen2(file, path, H5P_DEFAULT);
    if (g < 0) return SHANG_FAIL(SHANG_EIO, "cannot open %s", path);
    shang_table *t = NULL;
    size_t n_col = 0;
    int rc = shang_h5_attr_get_str(g, "description", &desc);
    if (!rc) rc = shang_table_new(name, desc, &t);
    /* the column order: the `columns` attribute, read as the datasets' names */
    if (!rc) rc = read_columns(g, path, &cols, &n_col);
    void **data = rc ? NULL : shang_zalloc(n_col, sizeof *data, "data");
    int *types = rc ? NULL : shang_zalloc(n_col, sizeof *types, "types");
    size_t rows = 0;
    if (!rc && (!data || !types)) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t c = 0; !rc && c < n_col; c++) {
        hid_t d = H5Dopen2(g, cols[c], H5P_DEFAULT);
        if (d < 0) {
            rc = SHANG_FAIL(SHANG_EFORMAT, "%s lacks column %s", path, cols[c]);
            break;
        }
        hid_t ty = H5Dget_type(d);
        H5T_class_t cls = H5Tget_class(ty);
        H5Tclose(ty);
        char *cd = NULL;
        if (shang_h5_attr_get_str(d, "description", &cd)) shang_err_clear();
        H5Dclose(d);
        types[c] = cls == H5T_STRING ? SHANG_DT_STR : cls == H5T_INTEGER ? SHANG_DT_I64 : SHANG_DT_F64;
        if (shang_table_column(t, cols[c], types[c], cd) < 0) rc = shang_err_code();
        free(cd);
        int rank;
        size_t dims[1] = {0};
        if (!rc) rc = shang_h5_read(g, cols[c], types[c], 1, &rank, dims, &data[c]);
        if (!rc && c && dims[0] != rows) rc = SHANG_FAIL(SHANG_EFORMAT, "%s: columns of different lengths", path);
        rows = dims[0];
    }
    for (size_t r = 0; !rc && r < rows; r++) {
        if ((rc = shang_table_push(t))) break;
        for (size_t c = 0; !rc && c < n_col; c++) {
            if (types[c] == SHANG_DT_F64) shang_table_f64(t, (int)c, ((double *)data[c])[r]);
            else if (types[c] == SHANG_DT_I64) shang_table_i64(t, (int)c, ((int64_t *)data[c])[r]);
            else rc = shang_table_str(t, (int)c, ((char **)data[c])[r]);
        }
    }
    for (size_t c = 0; data && c < n_col; c++) {
        if (types[c] == SHANG_DT_STR) shang_h5_free_strs(data[c], rows);
        else free(data[c]);
    }
    free(data);
    free(types);
    for (size_t c = 0; cols && c < n_col; c++) H5free_memory(cols[c]); /* allocated by H5Aread */
    free(cols);
    free(desc);
    H5Gclose(g);
    if (rc) shang_table_free(t);
    else *out = t;
    return rc;
}

int shang_table_write_tsv(const shang_table *t, FILE *out)
{
    for (size_t c = 0; c < t->n_col; c++) fprintf(out, "%s%s", c ? "\t" : "", t->col[c].name);
    fputc('\n', out);
    for (size_t r = 0; r < t->rows; r++) {
        for (size_t c = 0; c < t->n_col; c++) {
            const struct column *k = &t->col[c];
            if (c) fputc('\t', out);
            if (k->dtype == SHANG_DT_F64) {
                if (isnan(k->f[r])) fputs("NaN", out);
                else fprintf(out, "%.10g", k->f[r]);
            } else if (k->dtype == SHANG_DT_I64) {
                fprintf(out, "%lld", (long long)k->i[r]);
            } else {
                for (const char *p = k->s[r] ? k->s[r] : ""; *p; p++) fputc(*p == '\t' || *p == '\n' || *p == '\r' ? ' ' : *p, out);
            }
        }
        fputc('\n', out);
    }
    return ferror(out) ? SHANG_FAIL(SHANG_EIO, "cannot write the table %s", t->name) : SHANG_OK;
}

int shang_table_estimate(shang_table *t, const char *name, const char *desc, int ci, const char *unit, int col[3])
{
    char nm[128], d[160];
    col[1] = col[2] = -1;
    if ((col[0] = shang_table_column(t, name, SHANG_DT_F64, desc)) < 0) return shang_err_code();
    if (!ci) return SHANG_OK;
    snprintf(nm, sizeof nm, "%s_lo", name);
    snprintf(d, sizeof d, "estimate - z x bootstrap standard error (%s resampled)", unit);
    if ((col[1] = shang_table_column(t, nm, SHANG_DT_F64, d)) < 0) return shang_err_code();
    snprintf(nm, sizeof nm, "%s_hi", name);
    snprintf(d, sizeof d, "estimate + z x bootstrap standard error (%s resampled)", unit);
    if ((col[2] = shang_table_column(t, nm, SHANG_DT_F64, d)) < 0) return shang_err_code();
    return SHANG_OK;
}

void shang_table_put_estimate(shang_table *t, const int col[3], double est, double sd, double level)
{
    shang_table_f64(t, col[0], est);
    if (col[1] < 0) return;
    double lo, hi;
    shang_normal_interval(est, sd, level, &lo, &hi);
    shang_table_f64(t, col[1], lo);
    shang_table_f64(t, col[2], hi);
}
