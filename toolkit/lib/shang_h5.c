/* shang_h5 — see shang_h5.h. */
#include "shang_h5.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shang_mem.h"

/* HDF5 1.12 renamed the object and link info calls; Debian 12 ships 1.10 */
#if H5_VERSION_GE(1, 12, 0)
typedef H5O_info2_t obj_info;
typedef H5L_info2_t link_info;
#define obj_info_by_name(l, n, i) H5Oget_info_by_name3((l), (n), (i), H5O_INFO_BASIC, H5P_DEFAULT)
#define obj_visit(o, x, d) H5Ovisit3((o), (x), H5_ITER_INC, dset_cb, (d), H5O_INFO_BASIC)
#define link_iterate H5Literate2
#define obj_info_of(o, i, f) H5Oget_info3((o), (i), (f))
#else
typedef H5O_info_t obj_info;
typedef H5L_info_t link_info;
#define obj_info_by_name(l, n, i) H5Oget_info_by_name2((l), (n), (i), H5O_INFO_BASIC, H5P_DEFAULT)
#define obj_visit(o, x, d) H5Ovisit2((o), (x), H5_ITER_INC, dset_cb, (d), H5O_INFO_BASIC)
#define link_iterate H5Literate
#define obj_info_of(o, i, f) H5Oget_info2((o), (i), (f))
#endif

#define MAX_RANK 8
#define CHUNK_TARGET_BYTES ((size_t)1 << 20)

/* ---- errors ------------------------------------------------------------------ */

static const char *output_in(const char *detail);

static herr_t innermost_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    (void)n;
    char *buf = data;
    if (e->desc && *e->desc) snprintf(buf, 256, "%s", e->desc);
    return 0;
}

/* Records `code` with the caller's message and HDF5's innermost description. */
static int h5fail(int code, const char *func, int line, const char *fmt, ...)
    SHANG_PRINTF(4, 5);
static int h5fail(int code, const char *func, int line, const char *fmt, ...)
{
    char detail[256] = "";
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, innermost_cb, detail);
    H5Eclear2(H5E_DEFAULT);
    const char *full = strstr(detail, strerror(ENOSPC)) ? output_in(detail) : NULL;
    if (full) { /* the artefact is the culprit whatever was being done */
        shang_err_set(code, func, __FILE__, line, "%s: %s", full, strerror(ENOSPC));
        shang_err_keep_message();
        return code;
    }
    char *msg = NULL;
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    if (*detail)
        shang_err_set(code, func, __FILE__, line, "%s (HDF5: %s)", msg ? msg : "?", detail);
    else
        shang_err_set(code, func, __FILE__, line, "%s", msg ? msg : "?");
    free(msg);
    return code;
}
#define H5FAIL(...) h5fail(SHANG_EIO, __func__, __LINE__, __VA_ARGS__)

/* ---- outputs being written: their temporary files ---------------------------
 * Each shang_h5_create registers its temporary file until commit or abort, so
 * that (1) a write that fails for want of space names the artefact, not the
 * temporary file or whatever input was being read, and (2) SIGTERM, SIGINT or
 * SIGHUP removes every temporary file before the process dies (a program with
 * its own handler, such as train's checkpointing, keeps it). */
#define MAX_OUTPUTS 16 /* open at once; more are written as well, only not registered */
static char *volatile out_tmp[MAX_OUTPUTS];
static char *out_final[MAX_OUTPUTS];

static void on_fatal_signal(int sig)
{
    for (int i = 0; i < MAX_OUTPUTS; i++)
        if (out_tmp[i]) unlink(out_tmp[i]); /* async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig);
}

static void register_output(char *tmp, char *final)
{
    static int handlers;
    if (!handlers) {
        static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
        for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
            struct sigaction old;
            if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_DFL) signal(sigs[i], on_fatal_signal);
        }
        handlers = 1;
    }
    for (int i = 0; i < MAX_OUTPUTS; i++)
        if (!out_tmp[i]) {
            out_final[i] = final;
            out_tmp[i] = tmp;
            return;
        }
}

static void unregister_output(const char *tmp)
{
    for (int i = 0; i < MAX_OUTPUTS; i++)
        if (out_tmp[i] == tmp) {
            out_tmp[i] = NULL;
            out_final[i] = NULL;
        }
}

/* the artefact whose temporary file HDF5's message names, or the only one open */
static const char *output_in(const char *detail)
{
    const char *only = NULL;
    int n = 0;
    for (int i = 0; i < MAX_OUTPUTS; i++)
        if (out_tmp[i]) {
            if (strstr(detail, out_tmp[i])) return out_final[i];
            only = out_final[i];
            n++;
        }
    return n == 1 ? only : NULL;
}

void shang_h5_init(void)
{
    static int done;
    if (!done) {
        /* no HDF5 clean-up at exit: every artefact is closed explicitly, and HDF5
         * 1.10 crashes at exit flushing a file whose close failed (a full disk) */
        H5dont_atexit();
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        done = 1;
    }
}

static void init_once(void) { shang_h5_init(); }

const char *shang_h5_version(void)
{
    static char buf[32];
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    snprintf(buf, sizeof buf, "%u.%u.%u", maj, min, rel);
    return buf;
}

/* ---- types -------------------------------------------------------------------- */

static hid_t str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return t;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* Memory and file types of a shang dtype; both must be H5Tclose'd. */
static int types_of(int dtype, hid_t *mem, hid_t *file, size_t *elem)
{
    hid_t m, f;
    switch (dtype) {
    case SHANG_DT_F32: m = H5T_NATIVE_FLOAT; f = H5T_IEEE_F32LE; *elem = 4; break;
    case SHANG_DT_F64: m = H5T_NATIVE_DOUBLE; f = H5T_IEEE_F64LE; *elem = 8; break;
    case SHANG_DT_I32: m = H5T_NATIVE_INT32; f = H5T_STD_I32LE; *elem = 4; break;
    case SHANG_DT_I64: m = H5T_NATIVE_INT64; f = H5T_STD_I64LE; *elem = 8; break;
    case SHANG_DT_U8: m = H5T_NATIVE_UINT8; f = H5T_STD_U8LE; *elem = 1; break;
    case SHANG_DT_STR:
        *mem = str_type();
        *file = str_type();
        *elem = sizeof(char *);
        if (*mem < 0 || *file < 0) return H5FAIL("cannot make a string type");
        return SHANG_OK;
    default: return SHANG_FAIL(SHANG_EINVAL, "unknown dtype %d", dtype);
    }
    *mem = H5Tcopy(m);
    *file = H5Tcopy(f);
    if (*mem < 0 || *file < 0) return H5FAIL("cannot copy a type");
    return SHANG_OK;
}

static void close_type(hid_t t)
{
    if (t >= 0) H5Tclose(t);
}

/* ---- files -------------------------------------------------------------------- */

static hid_t new_fcpl(void)
{
    hid_t p = H5Pcreate(H5P_FILE_CREATE);
    if (p < 0) return p;
    H5Pset_link_creation_order(p, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    H5Pset_attr_creation_order(p, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    /* no modification times, on the root group either: same content, same bytes */
    H5Pset_obj_track_times(p, 0);
    return p;
}

static hid_t strong_fapl(void)
{
    hid_t p = H5Pcreate(H5P_FILE_ACCESS);
    if (p < 0) return p;
    /* close every object still open in the file when it is closed */
    H5Pset_fclose_degree(p, H5F_CLOSE_STRONG);
    /* new-style groups (creation order) need the 1.8 format; stay readable by 1.8+ */
    H5Pset_libver_bounds(p, H5F_LIBVER_V18, H5F_LIBVER_LATEST);
    return p;
}

int shang_h5_create(const char *path, const char *format, int version, shang_h5_file **out)
{
    init_once();
    *out = NULL;
    int rc = SHANG_ENOMEM;
    hid_t fcpl = -1, fapl = -1;
    shang_h5_file *f = shang_zalloc(1, sizeof *f, "f");
    if (!f) return SHANG_FAIL(SHANG_ENOMEM, "cannot allocate a file handle");
    f->id = -1;
    f->path = shang_strdup(path);
    f->tmp_path = shang_asprintf("%s.tmp.XXXXXX", path);
    if (!f->path || !f->tmp_path) goto fail;
    int fd = mkstemp(f->tmp_path);
    if (fd < 0) {
        rc = SHANG_FAIL(SHANG_EIO, "cannot create %s: %s", path, strerror(errno));
        free(f->tmp_path);
        f->tmp_path = NULL;
        goto fail;
    }
    /* mkstemp makes 0600; give the artefact the ordinary permissions */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) { /* not fatal: the file stays private */ }
    close(fd);
    fcpl = new_fcpl();
    fapl = strong_fapl();
    register_output(f->tmp_path, f->path);
    f->id = H5Fcreate(f->tmp_path, H5F_ACC_TRUNC, fcpl, fapl);
    if (f->id < 0) {
        rc = H5FAIL("cannot create %s", path);
        goto fail;
    }
    if ((rc = shang_h5_attr_str(f->id, "shang_format", format)) ||
        (rc = shang_h5_attr_i64(f->id, "shang_format_version", version)))
        goto fail;
    H5Pclose(fcpl);
    H5Pclose(fapl);
    *out = f;
    return SHANG_OK;
fail:
    if (fcpl >= 0) H5Pclose(fcpl);
    if (fapl >= 0) H5Pclose(fapl);
    shang_h5_abort(f);
    return rc;
}

static void free_file(shang_h5_file *f)
{
    unregister_output(f->tmp_path);
    free(f->path);
    free(f->tmp_path);
    free(f);
}

int shang_h5_commit(shang_h5_file *f)
{
    int rc = SHANG_OK;
    if (H5Fflush(f->id, H5F_SCOPE_LOCAL) < 0 || H5Fclose(f->id) < 0) {
        rc = H5FAIL("cannot write %s", f->path);
        unlink(f->tmp_path);
    } else if (rename(f->tmp_path, f->path) != 0) {
        rc = SHANG_FAIL(SHANG_EIO, "cannot rename %s to %s: %s", f->tmp_path, f->path,
                        strerror(errno));
        unlink(f->tmp_path);
    }
    free_file(f);
    return rc;
}

void shang_h5_abort(shang_h5_file *f)
{
    if (!f) return;
    if (f->id >= 0) H5Fclose(f->id);
    if (f->tmp_path) unlink(f->tmp_path);
    free_file(f);
}

int shang_h5_format(hid_t file, char **format, int *version)
{
    *format = NULL;
    if (H5Aexists(file, "shang_format") <= 0)
        return SHANG_FAIL(SHANG_EFORMAT, "not a shang artefact (no shang_format attribute)");
    int64_t v = 0;
    int rc = shang_h5_attr_get_str(file, "shang_format", format);
    if (!rc) rc = shang_h5_attr_get_i64(file, "shang_format_version", &v);
    if (rc) {
        free(*format);
        *format = NULL;
        return rc;
    }
    if (version) *version = (int)v;
    return SHANG_OK;
}

int shang_h5_open(const char *path, const char *format, int max_version, hid_t *file,
                  int *version)
{
    init_once();
    *file = -1;
    if (access(path, R_OK) != 0)
        return SHANG_FAIL(SHANG_EIO, "cannot open %s: %s", path, strerror(errno));
    htri_t is = H5Fis_hdf5(path);
    if (is <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return SHANG_FAIL(SHANG_EFORMAT, "%s is not an HDF5 file", path);
    }
    hid_t fapl = strong_fapl();
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    H5Pclose(fapl);
    if (f < 0) return H5FAIL("cannot open %s", path);
    char *got = NULL;
    int v = 0;
    int rc = shang_h5_format(f, &got, &v);
    if (rc) {
        shang_err_prefix("%s", path);
        goto fail;
    }
    if (format && strcmp(got, format) != 0) {
        rc = SHANG_FAIL(SHANG_EFORMAT, "%s is a %s file, expected %s", path, got, format);
        goto fail;
    }
    if (v < 1 || v > max_version) {
        char *writer = NULL;
        hid_t prov = H5Aexists_by_name(f, "/provenance", "shang_version", H5P_DEFAULT) > 0
                         ? H5Gopen2(f, "/provenance", H5P_DEFAULT)
                         : -1;
        if (prov >= 0) {
            if (shang_h5_attr_get_str(prov, "shang_version", &writer)) writer = NULL;
            H5Gclose(prov);
        }
        H5Eclear2(H5E_DEFAULT);
        rc = SHANG_FAIL(SHANG_EFORMAT,
                        "%s has %s format version %d, written by shang %s; this shang reads "
                        "versions 1..%d",
                        path, got, v, writer ? writer : "(unknown)", max_version);
        free(writer);
        goto fail;
    }
    free(got);
    if (version) *version = v;
    *file = f;
    return SHANG_OK;
fail:
    free(got);
    H5Fclose(f);
    return rc;
}

/* ---- groups ------------------------------------------------------------------- */

bool shang_h5_exists(hid_t loc, const char *path)
{
    /* H5Lexists fails on a missing intermediate group: check each prefix */
    char *p = shang_strdup(path);
    if (!p) return false;
    bool ok = true;
    for (char *s = p + (*p == '/'); ok; s++) {
        char *slash = strchr(s, '/');
        if (slash) *slash = '\0';
        ok = H5Lexists(loc, p, H5P_DEFAULT) > 0;
        if (!slash) break;
        *slash = '/';
        s = slash;
    }
    H5Eclear2(H5E_DEFAULT);
    free(p);
    return ok;
}

static hid_t new_lcpl(void)
{
    hid_t p = H5Pcreate(H5P_LINK_CREATE);
    if (p >= 0) {
        H5Pset_create_intermediate_group(p, 1);
        H5Pset_char_encoding(p, H5T_CSET_UTF8);
    }
    return p;
}

int shang_h5_group(hid_t loc, const char *path, hid_t *out)
{
    *out = -1;
    if (shang_h5_exists(loc, path)) {
        *out = H5Gopen2(loc, path, H5P_DEFAULT);
        return *out < 0 ? H5FAIL("cannot open group %s", path) : SHANG_OK;
    }
    hid_t lcpl = new_lcpl(), gcpl = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    H5Pset_attr_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    H5Pset_obj_track_times(gcpl, 0);
    /* keep attributes in the object header: HDF5 1.10's H5Ocopy crashes copying
     * variable-length string attributes from dense storage (provenance copies) */
    H5Pset_attr_phase_change(gcpl, 60000, 0);
    *out = H5Gcreate2(loc, path, lcpl, gcpl, H5P_DEFAULT);
    H5Pclose(lcpl);
    H5Pclose(gcpl);
    return *out < 0 ? H5FAIL("cannot create group %s", path) : SHANG_OK;
}

/* ---- datasets ----------------------------------------------------------------- */

static void choose_chunk(int rank, const size_t *dims, int grow_axis, size_t elem,
                         size_t rows_opt, hsize_t *chunk)
{
    size_t inner = elem;
    for (int i = rank - 1; i >= 0; i--) {
        bool unlimited = i == grow_axis;
        size_t c = (i == 0 && rows_opt) ? rows_opt : CHUNK_TARGET_BYTES / inner;
        if (c < 1) c = 1;
        if (!unlimited && c > dims[i]) c = dims[i] ? dims[i] : 1;
        chunk[i] = c;
        inner *= c;
    }
}

static int set_attrs(hid_t obj, int rank, const char *const *dim_names,
                     const char *description)
{
    int rc = SHANG_OK;
    if (description) rc = shang_h5_attr_str(obj, "description", description);
    if (!rc && dim_names && rank > 0) rc = shang_h5_attr_strs(obj, "dims", (size_t)rank, dim_names);
    return rc;
}

int shang_h5_dset_create(hid_t loc, const char *path, int dtype, int rank,
                         const size_t *dims, int grow_axis, const char *const *dim_names,
                         const char *description, const shang_h5_opts *opts, hid_t *out)
{
    *out = -1;
    if (rank < 0 || rank > MAX_RANK)
        return SHANG_FAIL(SHANG_EINVAL, "dataset %s: rank %d outside 0..%d", path, rank, MAX_RANK);
    if (grow_axis >= rank) grow_axis = -1;
    bool extendible = grow_axis >= 0;
    static const shang_h5_opts none;
    if (!opts) opts = &none;
    hid_t mem = -1, ftype = -1, space = -1, dcpl = -1, lcpl = -1;
    size_t elem;
    int rc = types_of(dtype, &mem, &ftype, &elem);
    if (rc) goto done;
    hsize_t cur[MAX_RANK], max[MAX_RANK], chunk[MAX_RANK];
    bool any_zero = false;
    for (int i = 0; i < rank; i++) {
        cur[i] = max[i] = dims[i];
        any_zero |= dims[i] == 0;
    }
    if (extendible) max[grow_axis] = H5S_UNLIMITED;
    space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, cur, max);
    dcpl = H5Pcreate(H5P_DATASET_CREATE);
    lcpl = new_lcpl();
    if (space < 0 || dcpl < 0 || lcpl < 0) {
        rc = H5FAIL("dataset %s: cannot set up", path);
        goto done;
    }
    H5Pset_obj_track_times(dcpl, 0);
    H5Pset_attr_creation_order(dcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    /* chunked unless scalar or fixed with an empty axis (HDF5 needs chunk <= max) */
    if (rank > 0 && (extendible || !any_zero)) {
        choose_chunk(rank, dims, grow_axis, elem, opts->chunk_rows, chunk);
        if (H5Pset_chunk(dcpl, rank, chunk) < 0) {
            rc = H5FAIL("dataset %s: cannot set chunking", path);
            goto done;
        }
        if (opts->shuffle) H5Pset_shuffle(dcpl);
        if (opts->deflate > 0 && H5Pset_deflate(dcpl, (unsigned)opts->deflate) < 0) {
            rc = H5FAIL("dataset %s: cannot set gzip level %d", path, opts->deflate);
            goto done;
        }
    }
    *out = H5Dcreate2(loc, path, ftype, space, lcpl, dcpl, H5P_DEFAULT);
    if (*out < 0) {
        rc = H5FAIL("cannot create dataset %s", path);
        goto done;
    }
    rc = set_attrs(*out, rank, dim_names, description);
    if (rc) {
        H5Dclose(*out);
        *out = -1;
    }
done:
    close_type(mem);
    close_type(ftype);
    if (space >= 0) H5Sclose(space);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (lcpl >= 0) H5Pclose(lcpl);
    return rc;
}

int shang_h5_dset_shape(hid_t dset, int max_rank, int *rank, size_t *dims)
{
    hid_t space = H5Dget_space(dset);
    if (space < 0) return H5FAIL("cannot read a dataset's shape");
    int r = H5Sget_simple_extent_ndims(space);
    hsize_t d[MAX_RANK];
    if (r < 0 || r > MAX_RANK || r > max_rank) {
        H5Sclose(space);
        return SHANG_FAIL(SHANG_EFORMAT, "dataset has rank %d, at most %d expected", r, max_rank);
    }
    H5Sget_simple_extent_dims(space, d, NULL);
    H5Sclose(space);
    for (int i = 0; i < r; i++) dims[i] = (size_t)d[i];
    *rank = r;
    return SHANG_OK;
}

static int slab_io(hid_t dset, int dtype, const size_t *start, const size_t *count, void *data,
                   bool write)
{
    hid_t mem = -1, ftype = -1, fspace = -1, mspace = -1;
    size_t elem;
    int rc = types_of(dtype, &mem, &ftype, &elem);
    if (rc) goto done;
    fspace = H5Dget_space(dset);
    int r = fspace < 0 ? -1 : H5Sget_simple_extent_ndims(fspace);
    if (r < 0) {
        rc = H5FAIL("cannot read a dataset's space");
        goto done;
    }
    hsize_t st[MAX_RANK], ct[MAX_RANK];
    for (int i = 0; i < r; i++) {
        st[i] = start[i];
        ct[i] = count[i];
    }
    if (r > 0 && H5Sselect_hyperslab(fspace, H5S_SELECT_SET, st, NULL, ct, NULL) < 0) {
        rc = H5FAIL("slab outside the dataset");
        goto done;
    }
    mspace = r == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(r, ct, NULL);
    herr_t e = write ? H5Dwrite(dset, mem, mspace, fspace, H5P_DEFAULT, data)
                     : H5Dread(dset, mem, mspace, fspace, H5P_DEFAULT, data);
    if (e < 0) rc = H5FAIL("cannot %s a dataset slab", write ? "write" : "read");
done:
    close_type(mem);
    close_type(ftype);
    if (fspace >= 0) H5Sclose(fspace);
    if (mspace >= 0) H5Sclose(mspace);
    return rc;
}

int shang_h5_dset_write_slab(hid_t dset, int dtype, const size_t *start, const size_t *count,
                             const void *data)
{
    return slab_io(dset, dtype, start, count, (void *)data, true);
}

int shang_h5_dset_read_slab(hid_t dset, int dtype, const size_t *start, const size_t *count,
                            void *data)
{
    return slab_io(dset, dtype, start, count, data, false);
}

int shang_h5_dset_extend(hid_t dset, int axis, size_t len)
{
    int rank;
    size_t dims[MAX_RANK];
    int rc = shang_h5_dset_shape(dset, MAX_RANK, &rank, dims);
    if (rc) return rc;
    if (axis < 0 || axis >= rank)
        return SHANG_FAIL(SHANG_EINVAL, "axis %d outside a rank-%d dataset", axis, rank);
    hsize_t d[MAX_RANK];
    for (int i = 0; i < rank; i++) d[i] = dims[i];
    d[axis] = len;
    if (H5Dset_extent(dset, d) < 0) return H5FAIL("cannot extend a dataset to %zu", len);
    return SHANG_OK;
}

int shang_h5_dset_append(hid_t dset, int dtype, size_t rows, const void *data)
{
    int rank;
    size_t dims[MAX_RANK], start[MAX_RANK] = {0};
    int rc = shang_h5_dset_shape(dset, MAX_RANK, &rank, dims);
    if (rc) return rc;
    if (rank < 1) return SHANG_FAIL(SHANG_EINVAL, "cannot append to a scalar dataset");
    if (rows == 0) return SHANG_OK;
    start[0] = dims[0];
    if ((rc = shang_h5_dset_extend(dset, 0, dims[0] + rows))) return rc;
    dims[0] = rows;
    return shang_h5_dset_write_slab(dset, dtype, start, dims, data);
}

int shang_h5_write(hid_t loc, const char *path, int dtype, int rank, const size_t *dims,
                   const void *data, const char *const *dim_names, const char *description,
                   const shang_h5_opts *opts)
{
    hid_t d;
    int rc = shang_h5_dset_create(loc, path, dtype, rank, dims, -1, dim_names, description,
                                  opts, &d);
    if (rc) return rc;
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[i];
    size_t start[MAX_RANK] = {0};
    if (n > 0) rc = shang_h5_dset_write_slab(d, dtype, start, dims, data);
    if (rc) shang_err_prefix("dataset %s", path);
    H5Dclose(d);
    return rc;
}

void shang_h5_free_strs(char **s, size_t n)
{
    if (!s) return;
    for (size_t i = 0; i < n; i++) free(s[i]);
    free(s);
}

/* Copies HDF5-allocated strings into malloc'd ones and reclaims HDF5's. */
static int own_strings(char **s, size_t n, hid_t mem, hid_t space)
{
    int rc = SHANG_OK;
    char **tmp = shang_alloc(n, sizeof *tmp, "tmp");
    if (!tmp) rc = SHANG_FAIL(SHANG_ENOMEM, "cannot allocate %zu strings", n);
    for (size_t i = 0; !rc && i < n; i++) {
        tmp[i] = shang_strdup(s[i] ? s[i] : "");
        if (!tmp[i]) {
            shang_h5_free_strs(tmp, i);
            tmp = NULL;
            rc = SHANG_FAIL(SHANG_ENOMEM, "cannot copy strings");
        }
    }
    H5Dvlen_reclaim(mem, space, H5P_DEFAULT, s);
    if (!rc) memcpy(s, tmp, n * sizeof *s);
    free(tmp);
    return rc;
}

int shang_h5_read(hid_t loc, const char *path, int dtype, int max_rank, int *rank,
                  size_t *dims, void **data)
{
    *data = NULL;
    if (!shang_h5_exists(loc, path))
        return SHANG_FAIL(SHANG_EFORMAT, "dataset %s is missing", path);
    hid_t d = H5Dopen2(loc, path, H5P_DEFAULT);
    if (d < 0) return H5FAIL("cannot open dataset %s", path);
    hid_t mem = -1, ftype = -1, space = -1;
    size_t elem, n = 1;
    void *buf = NULL;
    int rc = shang_h5_dset_shape(d, max_rank, rank, dims);
    if (!rc) rc = types_of(dtype, &mem, &ftype, &elem);
    if (rc) goto done;
    for (int i = 0; i < *rank; i++)
        if ((rc = shang_size_mul(n, dims[i], &n))) goto done;
    buf = shang_alloc(n, elem, path);
    if (!buf) {
        rc = shang_err_code();
        goto done;
    }
    if (n > 0 && H5Dread(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        rc = H5FAIL("cannot read dataset %s", path);
        goto done;
    }
    if (dtype == SHANG_DT_STR && n > 0) {
        space = H5Dget_space(d);
        rc = own_strings(buf, n, mem, space);
    }
done:
    if (rc) {
        free(buf);
        buf = NULL;
    }
    *data = buf;
    close_type(mem);
    close_type(ftype);
    if (space >= 0) H5Sclose(space);
    H5Dclose(d);
    return rc;
}

/* ---- attributes --------------------------------------------------------------- */

static int attr_write(hid_t obj, const char *name, hid_t ftype, hid_t mtype, hid_t space,
                      const void *buf)
{
    if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0)
        return H5FAIL("cannot replace attribute %s", name);
    hid_t a = H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0) return H5FAIL("cannot create attribute %s", name);
    herr_t e = H5Awrite(a, mtype, buf);
    H5Aclose(a);
    return e < 0 ? H5FAIL("cannot write attribute %s", name) : SHANG_OK;
}

int shang_h5_attr_str(hid_t obj, const char *name, const char *value)
{
    const char *v = value ? value : "";
    hid_t t = str_type(), s = H5Screate(H5S_SCALAR);
    int rc = (t < 0 || s < 0) ? H5FAIL("attribute %s: cannot set up", name)
                              : attr_write(obj, name, t, t, s, &v);
    close_type(t);
    if (s >= 0) H5Sclose(s);
    return rc;
}

int shang_h5_attr_strs(hid_t obj, const char *name, size_t n, const char *const *values)
{
    hsize_t d = n;
    hid_t t = str_type(), s = H5Screate_simple(1, &d, NULL);
    int rc = (t < 0 || s < 0) ? H5FAIL("attribute %s: cannot set up", name)
                              : attr_write(obj, name, t, t, s, values);
    close_type(t);
    if (s >= 0) H5Sclose(s);
    return rc;
}

int shang_h5_attr_i64(hid_t obj, const char *name, int64_t value)
{
    hid_t s = H5Screate(H5S_SCALAR);
    int rc = attr_write(obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, s, &value);
    H5Sclose(s);
    return rc;
}

int shang_h5_attr_f64(hid_t obj, const char *name, double value)
{
    hid_t s = H5Screate(H5S_SCALAR);
    int rc = attr_write(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, s, &value);
    H5Sclose(s);
    return rc;
}

static hid_t attr_open(hid_t obj, const char *name)
{
    if (H5Aexists(obj, name) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        SHANG_FAIL(SHANG_EFORMAT, "attribute %s is missing", name);
        return -1;
    }
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) H5FAIL("cannot open attribute %s", name);
    return a;
}

/* Reads a scalar string attribute, fixed-length or variable-length. */
static int read_str_attr(hid_t a, const char *name, char **out)
{
    hid_t t = H5Aget_type(a);
    int rc = SHANG_OK;
    if (t < 0 || H5Tget_class(t) != H5T_STRING) {
        rc = SHANG_FAIL(SHANG_EFORMAT, "attribute %s is not a string", name);
    } else if (H5Tis_variable_str(t) > 0) {
        hid_t m = str_type();
        char *v = NULL;
        if (H5Aread(a, m, &v) < 0) rc = H5FAIL("cannot read attribute %s", name);
        else {
            *out = shang_strdup(v ? v : "");
            H5free_memory(v);
            if (!*out) rc = SHANG_FAIL(SHANG_ENOMEM, "cannot copy attribute %s", name);
        }
        close_type(m);
    } else {
        size_t n = H5Tget_size(t);
        char *v = shang_zalloc(n + 1, 1, "v");
        hid_t m = H5Tcopy(t);
        if (!v) rc = SHANG_FAIL(SHANG_ENOMEM, "cannot read attribute %s", name);
        else if (H5Aread(a, m, v) < 0) rc = H5FAIL("cannot read attribute %s", name);
        close_type(m);
        if (rc) free(v);
        else *out = v;
    }
    close_type(t);
    return rc;
}

int shang_h5_attr_get_str(hid_t obj, const char *name, char **value)
{
    *value = NULL;
    hid_t a = attr_open(obj, name);
    if (a < 0) return shang_err_code();
    int rc = read_str_attr(a, name, value);
    H5Aclose(a);
    return rc;
}

static int attr_get_num(hid_t obj, const char *name, hid_t mtype, void *v)
{
    hid_t a = attr_open(obj, name);
    if (a < 0) return shang_err_code();
    hid_t t = H5Aget_type(a);
    H5T_class_t c = H5Tget_class(t);
    close_type(t);
    int rc = SHANG_OK;
    if (c != H5T_INTEGER && c != H5T_FLOAT)
        rc = SHANG_FAIL(SHANG_EFORMAT, "attribute %s is not a number", name);
    else if (H5Aread(a, mtype, v) < 0)
        rc = H5FAIL("cannot read attribute %s", name);
    H5Aclose(a);
    return rc;
}

int shang_h5_attr_get_i64(hid_t obj, const char *name, int64_t *value)
{
    return attr_get_num(obj, name, H5T_NATIVE_INT64, value);
}

int shang_h5_attr_get_f64(hid_t obj, const char *name, double *value)
{
    return attr_get_num(obj, name, H5T_NATIVE_DOUBLE, value);
}

/* ---- description -------------------------------------------------------------- */

/* Formats any attribute's value: strings, integers or floats, scalar or 1-D. */
static void print_attr_value(FILE *out, hid_t a)
{
    hid_t t = H5Aget_type(a), s = H5Aget_space(a);
    hssize_t n = H5Sget_simple_extent_npoints(s);
    H5T_class_t c = H5Tget_class(t);
    bool arr = H5Sget_simple_extent_ndims(s) > 0;
    if (n < 0) n = 0;
    const size_t show = 16;
    if (c == H5T_STRING && H5Tis_variable_str(t) > 0) {
        hid_t m = str_type();
        char **v = shang_zalloc((size_t)n + 1, sizeof *v, "v");
        if (v && H5Aread(a, m, v) >= 0) {
            fputs(arr ? "[" : "", out);
            for (hssize_t i = 0; i < n && (size_t)i < show; i++)
                fprintf(out, "%s%s", i ? ", " : "", v[i] ? v[i] : "");
            if ((size_t)n > show) fprintf(out, ", ... (%lld)", (long long)n);
            fputs(arr ? "]" : "", out);
            H5Dvlen_reclaim(m, s, H5P_DEFAULT, v);
        }
        free(v);
        close_type(m);
    } else if (c == H5T_STRING) {
        char *v = NULL;
        if (!read_str_attr(a, "?", &v)) fputs(v, out);
        free(v);
    } else if (c == H5T_INTEGER || c == H5T_FLOAT) {
        double *v = shang_zalloc((size_t)n + 1, sizeof *v, "v");
        if (v && H5Aread(a, H5T_NATIVE_DOUBLE, v) >= 0) {
            fputs(arr ? "[" : "", out);
            for (hssize_t i = 0; i < n && (size_t)i < show; i++)
                fprintf(out, c == H5T_INTEGER ? "%s%.0f" : "%s%.9g", i ? ", " : "", v[i]);
            if ((size_t)n > show) fprintf(out, ", ... (%lld)", (long long)n);
            fputs(arr ? "]" : "", out);
        }
        free(v);
    } else {
        fputs("(unprintable)", out);
    }
    H5Eclear2(H5E_DEFAULT);
    close_type(t);
    H5Sclose(s);
}

struct attr_walk {
    FILE *out;
    int indent;
    const char *const *skip; /* names not to print, NULL-terminated */
};

static herr_t attr_cb(hid_t obj, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    struct attr_walk *w = data;
    for (const char *const *s = w->skip; s && *s; s++)
        if (!strcmp(*s, name)) return 0;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return 0;
    fprintf(w->out, "%*s%s: ", w->indent, "", name);
    print_attr_value(w->out, a);
    fputc('\n', w->out);
    H5Aclose(a);
    return 0;
}

static void print_attrs(FILE *out, hid_t obj, int indent, const char *const *skip)
{
    struct attr_walk w = {out, indent, skip};
    hsize_t idx = 0;
    if (H5Aiterate2(obj, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, attr_cb, &w) < 0) {
        H5Eclear2(H5E_DEFAULT);
        idx = 0;
        H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, attr_cb, &w);
    }
    H5Eclear2(H5E_DEFAULT);
}

struct group_walk {
    FILE *out;
    int indent;
};

static void print_group(FILE *out, hid_t g, int indent);

static herr_t group_cb(hid_t g, const char *name, const link_info *info, void *data)
{
    (void)info;
    struct group_walk *w = data;
    obj_info oi;
    if (obj_info_by_name(g, name, &oi) < 0 ||
        oi.type != H5O_TYPE_GROUP)
        return 0;
    hid_t sub = H5Gopen2(g, name, H5P_DEFAULT);
    if (sub < 0) return 0;
    fprintf(w->out, "%*s%s:\n", w->indent, "", name);
    print_group(w->out, sub, w->indent + 2);
    H5Gclose(sub);
    return 0;
}

static herr_t attr_group_cb(hid_t g, const char *name, const link_info *info, void *data)
{
    (void)info;
    struct group_walk *w = data;
    obj_info oi;
    if (!strcmp(name, "provenance") || obj_info_by_name(g, name, &oi) < 0 || oi.type != H5O_TYPE_GROUP) return 0;
    hid_t sub = H5Gopen2(g, name, H5P_DEFAULT);
    if (sub < 0) return 0;
    obj_info full;
    if (obj_info_of(sub, &full, H5O_INFO_NUM_ATTRS) >= 0 && full.num_attrs > 0) {
        fprintf(w->out, "%s:\n", name);
        print_attrs(w->out, sub, 2, NULL);
    }
    H5Gclose(sub);
    return 0;
}

static herr_t iterate_links(hid_t g, herr_t (*cb)(hid_t, const char *, const link_info *, void *), void *data)
{
    hsize_t idx = 0;
    herr_t e = link_iterate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, cb, data);
    if (e < 0) {
        H5Eclear2(H5E_DEFAULT);
        idx = 0;
        e = link_iterate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, cb, data);
    }
    H5Eclear2(H5E_DEFAULT);
    return e;
}

/* Attributes, then subgroups, indented (provenance is attributes and groups only). */
static void print_group(FILE *out, hid_t g, int indent)
{
    print_attrs(out, g, indent, NULL);
    struct group_walk w = {out, indent};
    iterate_links(g, group_cb, &w);
}

static const char *type_name(hid_t t)
{
    switch (H5Tget_class(t)) {
    case H5T_FLOAT: return H5Tget_size(t) == 4 ? "float32" : "float64";
    case H5T_INTEGER: {
        bool sgn = H5Tget_sign(t) == H5T_SGN_2;
        switch (H5Tget_size(t)) {
        case 1: return sgn ? "int8" : "uint8";
        case 2: return sgn ? "int16" : "uint16";
        case 4: return sgn ? "int32" : "uint32";
        default: return sgn ? "int64" : "uint64";
        }
    }
    case H5T_STRING: return "string";
    default: return "other";
    }
}

static herr_t dset_cb(hid_t root, const char *name, const obj_info *info, void *data)
{
    FILE *out = data;
    if (info->type != H5O_TYPE_DATASET || !strncmp(name, "provenance/", 11)) return 0;
    hid_t d = H5Dopen2(root, name, H5P_DEFAULT);
    if (d < 0) return 0;
    hid_t t = H5Dget_type(d);
    int rank = 0;
    size_t dims[MAX_RANK];
    fprintf(out, "  /%s  %s", name, type_name(t));
    if (!shang_h5_dset_shape(d, MAX_RANK, &rank, dims)) {
        fputs(" (", out);
        for (int i = 0; i < rank; i++) fprintf(out, "%s%zu", i ? ", " : "", dims[i]);
        fputs(rank == 1 ? ",)" : ")", out);
    }
    fputc('\n', out);
    static const char *const skip[] = {NULL};
    print_attrs(out, d, 6, skip);
    close_type(t);
    H5Dclose(d);
    return 0;
}

int shang_h5_describe_provenance(hid_t file, const char *prefix, char **text)
{
    *text = NULL;
    char *buf = NULL, *res = NULL;
    size_t len = 0, rlen = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out) return SHANG_FAIL(SHANG_ENOMEM, "cannot open a memory stream");
    if (shang_h5_exists(file, "/provenance")) {
        hid_t p = H5Gopen2(file, "/provenance", H5P_DEFAULT);
        if (p >= 0) {
            print_group(out, p, 0);
            H5Gclose(p);
        }
    } else {
        fprintf(out, "provenance: (none)\n");
    }
    H5Eclear2(H5E_DEFAULT);
    if (fclose(out) != 0) {
        free(buf);
        return SHANG_FAIL(SHANG_ENOMEM, "cannot describe the provenance");
    }
    FILE *o2 = open_memstream(&res, &rlen);
    if (!o2) {
        free(buf);
        return SHANG_FAIL(SHANG_ENOMEM, "cannot open a memory stream");
    }
    for (char *line = buf, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        fprintf(o2, "%s%.*s\n", prefix, nl ? (int)(nl - line) : (int)strlen(line), line);
    }
    free(buf);
    if (fclose(o2) != 0) {
        free(res);
        return SHANG_FAIL(SHANG_ENOMEM, "cannot describe the provenance");
    }
    *text = res;
    return SHANG_OK;
}

int shang_h5_describe(hid_t file, char **text)
{
    *text = NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (!out) return SHANG_FAIL(SHANG_ENOMEM, "cannot open a memory stream");
    char *fmt = NULL;
    int version = 0;
    if (shang_h5_format(file, &fmt, &version) == 0)
        fprintf(out, "format: %s version %d\n", fmt, version);
    else
        fprintf(out, "format: (not a shang artefact)\n");
    free(fmt);
    static const char *const root_skip[] = {"shang_format", "shang_format_version", NULL};
    print_attrs(out, file, 2, root_skip);
    if (shang_h5_exists(file, "/provenance")) {
        hid_t p = H5Gopen2(file, "/provenance", H5P_DEFAULT);
        fprintf(out, "provenance:\n");
        if (p >= 0) {
            print_group(out, p, 2);
            H5Gclose(p);
        }
    } else {
        fprintf(out, "provenance: (none)\n");
    }
    /* other groups with attributes (/config, /tokenizer, ...) */
    struct group_walk gw = {out, 0};
    iterate_links(file, attr_group_cb, &gw);
    fprintf(out, "datasets:\n");
    if (obj_visit(file, H5_INDEX_CRT_ORDER, out) < 0) {
        H5Eclear2(H5E_DEFAULT);
        obj_visit(file, H5_INDEX_NAME, out);
    }
    H5Eclear2(H5E_DEFAULT);
    if (fclose(out) != 0) {
        free(buf);
        return SHANG_FAIL(SHANG_ENOMEM, "cannot build the description");
    }
    *text = buf;
    return SHANG_OK;
}

/* ---- comparing two files ------------------------------------------------------- */

struct cmp {
    hid_t other;
    const char *skip;
    size_t same, n, cap;
    char **diff;
    int rc;
};

static void cmp_note(struct cmp *c, const char *path, const char *attr)
{
    if (c->rc) return;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 16;
        char **d = shang_realloc(c->diff, cap, sizeof *d, "d");
        if (!d) {
            c->rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
            return;
        }
        c->diff = d;
        c->cap = cap;
    }
    size_t len = strlen(path) + (attr ? strlen(attr) + 1 : 0) + 1;
    char *s = shang_alloc(len, 1, "s");
    if (!s) {
        c->rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        return;
    }
    snprintf(s, len, "%s%s%s", path, attr ? "@" : "", attr ? attr : "");
    c->diff[c->n++] = s;
}

/* equal contents of two datasets or attributes (space sa/sb, file types ta/tb) */
static int cmp_values(hid_t oa, hid_t ob, int is_attr, hid_t ta, hid_t tb, hid_t sa, hid_t sb)
{
    int ra = H5Sget_simple_extent_ndims(sa), rb = H5Sget_simple_extent_ndims(sb);
    hsize_t da[H5S_MAX_RANK], db[H5S_MAX_RANK];
    if (ra < 0 || ra != rb || H5Tget_class(ta) != H5Tget_class(tb)) return 0;
    H5Sget_simple_extent_dims(sa, da, NULL);
    H5Sget_simple_extent_dims(sb, db, NULL);
    if (memcmp(da, db, (size_t)ra * sizeof *da)) return 0;
    hssize_t np = H5Sget_simple_extent_npoints(sa);
    if (np <= 0) return np == 0;
    int same = 0;
    if (H5Tget_class(ta) == H5T_STRING && H5Tis_variable_str(ta) > 0) {
        if (H5Tis_variable_str(tb) <= 0) return 0;
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        char **va = shang_zalloc((size_t)np, sizeof *va, "va"), **vb = shang_zalloc((size_t)np, sizeof *vb, "vb");
        if (va && vb &&
            (is_attr ? H5Aread(oa, mt, va) : H5Dread(oa, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, va)) >= 0 &&
            (is_attr ? H5Aread(ob, mt, vb) : H5Dread(ob, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, vb)) >= 0) {
            same = 1;
            for (hssize_t i = 0; i < np && same; i++)
                same = (!va[i] && !vb[i]) || (va[i] && vb[i] && !strcmp(va[i], vb[i]));
            H5Dvlen_reclaim(mt, sa, H5P_DEFAULT, va);
            H5Dvlen_reclaim(mt, sb, H5P_DEFAULT, vb);
        }
        free(va);
        free(vb);
        H5Tclose(mt);
        return same;
    }
    hid_t na = H5Tget_native_type(ta, H5T_DIR_ASCEND), nb = H5Tget_native_type(tb, H5T_DIR_ASCEND);
    size_t sz = H5Tget_size(na);
    if (na >= 0 && nb >= 0 && H5Tequal(na, nb) > 0 && sz > 0) {
        char *ba = shang_alloc((size_t)np * sz, 1, "ba"), *bb = shang_alloc((size_t)np * sz, 1, "bb");
        if (ba && bb &&
            (is_attr ? H5Aread(oa, na, ba) : H5Dread(oa, na, H5S_ALL, H5S_ALL, H5P_DEFAULT, ba)) >= 0 &&
            (is_attr ? H5Aread(ob, na, bb) : H5Dread(ob, na, H5S_ALL, H5S_ALL, H5P_DEFAULT, bb)) >= 0)
            same = !memcmp(ba, bb, (size_t)np * sz);
        free(ba);
        free(bb);
    }
    if (na >= 0) H5Tclose(na);
    if (nb >= 0) H5Tclose(nb);
    return same;
}

struct cmp_walk {
    struct cmp *c;
    hid_t other_obj;
    const char *path;
};

static herr_t cmp_attr(hid_t obj, const char *name, const H5A_info_t *info, void *op)
{
    (void)info;
    struct cmp_walk *w = op;
    if (H5Aexists(w->other_obj, name) <= 0) {
        cmp_note(w->c, w->path, name);
        return 0;
    }
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), b = H5Aopen(w->other_obj, name, H5P_DEFAULT);
    hid_t ta = H5Aget_type(a), tb = H5Aget_type(b), sa = H5Aget_space(a), sb = H5Aget_space(b);
    if (a >= 0 && b >= 0 && cmp_values(a, b, 1, ta, tb, sa, sb)) w->c->same++;
    else cmp_note(w->c, w->path, name);
    H5Sclose(sa);
    H5Sclose(sb);
    H5Tclose(ta);
    H5Tclose(tb);
    H5Aclose(a);
    H5Aclose(b);
    return w->c->rc ? -1 : 0;
}

/* attributes of a's object at `path` against b's: those of a, then those only in b */
static herr_t count_missing_attr(hid_t obj, const char *name, const H5A_info_t *info, void *op)
{
    (void)info;
    struct cmp_walk *w = op;
    if (H5Aexists(w->other_obj, name) <= 0) cmp_note(w->c, w->path, name);
    return w->c->rc ? -1 : 0;
}

static void cmp_attrs(struct cmp *c, hid_t oa, hid_t ob, const char *path)
{
    struct cmp_walk w = {c, ob, path}, back = {c, oa, path};
    hsize_t i = 0;
    H5Aiterate2(oa, H5_INDEX_NAME, H5_ITER_INC, &i, cmp_attr, &w);
    i = 0;
    H5Aiterate2(ob, H5_INDEX_NAME, H5_ITER_INC, &i, count_missing_attr, &back);
}

static int skipped(const struct cmp *c, const char *name)
{
    if (!c->skip) return 0;
    size_t n = strlen(c->skip);
    return !strncmp(name, c->skip, n) && (name[n] == '\0' || name[n] == '/');
}

/* "/name", and whether the other file has it; NULL (c->rc set) out of memory */
static char *counterpart(struct cmp *c, const char *name, int *present)
{
    size_t len = strlen(name) + 2;
    char *path = shang_alloc(len, 1, "path");
    if (!path) {
        c->rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        return NULL;
    }
    snprintf(path, len, "/%s", name);
    *present = H5Lexists(c->other, path, H5P_DEFAULT) > 0;
    if (!*present) cmp_note(c, path, NULL);
    return path;
}

static herr_t cmp_object(hid_t root, const char *name, const H5O_info_t *info, void *op)
{
    struct cmp *c = op;
    int present;
    if (!strcmp(name, ".") || skipped(c, name)) return 0;
    char *path = counterpart(c, name, &present);
    if (path && present) {
        hid_t a = H5Oopen(root, name, H5P_DEFAULT), b = H5Oopen(c->other, path, H5P_DEFAULT);
        H5O_info_t ib;
        int same = a >= 0 && b >= 0 && H5Oget_info2(b, &ib, H5O_INFO_BASIC) >= 0 && ib.type == info->type;
        if (same && info->type == H5O_TYPE_DATASET) {
            hid_t ta = H5Dget_type(a), tb = H5Dget_type(b), sa = H5Dget_space(a), sb = H5Dget_space(b);
            same = cmp_values(a, b, 0, ta, tb, sa, sb);
            H5Sclose(sa);
            H5Sclose(sb);
            H5Tclose(ta);
            H5Tclose(tb);
        }
        if (same) c->same++;
        else cmp_note(c, path, NULL);
        if (a >= 0 && b >= 0) cmp_attrs(c, a, b, path);
        if (a >= 0) H5Oclose(a);
        if (b >= 0) H5Oclose(b);
    }
    free(path);
    return c->rc ? -1 : 0;
}

/* objects of b that a lacks */
static herr_t cmp_missing(hid_t root, const char *name, const H5O_info_t *info, void *op)
{
    (void)root;
    (void)info;
    struct cmp *c = op;
    int present;
    if (!strcmp(name, ".") || skipped(c, name)) return 0;
    free(counterpart(c, name, &present));
    return c->rc ? -1 : 0;
}

int shang_h5_compare(hid_t a, hid_t b, const char *skip, size_t *n_same, char ***diff, size_t *n_diff)
{
    struct cmp c = {.other = b, .skip = skip};
    *diff = NULL;
    *n_same = *n_diff = 0;
    cmp_attrs(&c, a, b, "/");
    if (!c.rc && H5Ovisit2(a, H5_INDEX_NAME, H5_ITER_INC, cmp_object, &c, H5O_INFO_BASIC) < 0 && !c.rc)
        c.rc = SHANG_FAIL(SHANG_EIO, "cannot walk the first file");
    struct cmp back = {.other = a, .skip = skip, .n = c.n, .cap = c.cap, .diff = c.diff};
    if (!c.rc && H5Ovisit2(b, H5_INDEX_NAME, H5_ITER_INC, cmp_missing, &back, H5O_INFO_BASIC) < 0 && !back.rc)
        back.rc = SHANG_FAIL(SHANG_EIO, "cannot walk the second file");
    if (!c.rc) c.rc = back.rc;
    c.diff = back.diff;
    c.n = back.n;
    H5Eclear2(H5E_DEFAULT);
    if (c.rc) {
        shang_h5_free_strs(c.diff, c.n);
        return c.rc;
    }
    *n_same = c.same;
    *diff = c.diff;
    *n_diff = c.n;
    return SHANG_OK;
}

int shang_h5_layer_index(const int32_t *layers, size_t n, int layer, const char *path, size_t *li)
{
    for (*li = 0; *li < n; ++*li)
        if (layers[*li] == layer) return SHANG_OK;
    return SHANG_FAIL(SHANG_EINVAL, "%s has no layer %d", path, layer);
}

