/* shang_states — see shang_states.h. */
#include "shang_states.h"

#include <gsl/gsl_randist.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shang_extract.h"
#include "shang_h5.h"
#include "shang_mem.h"
#include "shang_pca.h"
#include "shang_rng.h"

void shang_states_close(shang_states *s)
{
    if (!s) return;
    for (int i = 0; i < SHANG_N_SITES; i++) {
        if (s->dset[i] >= 0) H5Dclose(s->dset[i]);
        free(s->layers[i]);
    }
    if (s->file >= 0) H5Fclose(s->file);
    free(s->path);
    free(s);
}

int shang_states_open(const char *path, shang_states **out)
{
    *out = NULL;
    shang_states *s = shang_zalloc(1, sizeof *s, "s");
    if (!s) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    s->file = -1;
    for (int i = 0; i < SHANG_N_SITES; i++) s->dset[i] = -1;
    int rc = (s->path = shang_strdup(path)) ? SHANG_OK : shang_err_code();
    if (!rc) rc = shang_h5_open(path, SHANG_STATES_FORMAT, SHANG_STATES_VERSION, &s->file, NULL);
    int any = 0;
    for (int i = 0; i < SHANG_N_SITES && !rc; i++) {
        char name[64], lname[64];
        snprintf(name, sizeof name, "states/%s", shang_site_name(i));
        snprintf(lname, sizeof lname, "states/%s_layers", shang_site_name(i));
        if (!shang_h5_exists(s->file, name)) continue;
        int rank;
        size_t dims[3], ld[1];
        s->dset[i] = H5Dopen2(s->file, name, H5P_DEFAULT);
        rc = s->dset[i] < 0 ? SHANG_FAIL(SHANG_EIO, "cannot open %s", name) : shang_h5_dset_shape(s->dset[i], 3, &rank, dims);
        if (!rc && rank != 3) rc = SHANG_FAIL(SHANG_EFORMAT, "%s is not (L, N, C)", name);
        if (!rc) rc = shang_h5_read(s->file, lname, SHANG_DT_I32, 1, &rank, ld, (void **)&s->layers[i]);
        if (!rc && ld[0] != dims[0]) rc = SHANG_FAIL(SHANG_EFORMAT, "%s and %s disagree", name, lname);
        if (!rc && any && (dims[1] != s->N || dims[2] != s->C)) rc = SHANG_FAIL(SHANG_EFORMAT, "sites differ in shape");
        if (!rc) {
            s->n_layers[i] = (int)dims[0];
            s->N = dims[1];
            s->C = dims[2];
            any = 1;
        }
    }
    if (!rc && !any) rc = SHANG_FAIL(SHANG_EFORMAT, "no states/<site> dataset");
    /* the per-row columns have one value per stored row; layers are distinct */
    static const char *const cols[] = {"tokens", "next_tokens", "doc", "pos"};
    for (size_t c = 0; !rc && c < sizeof cols / sizeof *cols; c++) {
        if (!shang_h5_exists(s->file, cols[c])) continue;
        hid_t d = H5Dopen2(s->file, cols[c], H5P_DEFAULT);
        size_t dims[1];
        int rank;
        rc = d < 0 ? SHANG_FAIL(SHANG_EIO, "cannot open %s", cols[c]) : shang_h5_dset_shape(d, 1, &rank, dims);
        if (d >= 0) H5Dclose(d);
        if (!rc && dims[0] != s->N)
            rc = SHANG_FAIL(SHANG_EFORMAT, "%s has %zu values, the states %zu rows", cols[c], dims[0], s->N);
    }
    for (int i = 0; !rc && i < SHANG_N_SITES; i++)
        for (int a = 0; !rc && a < s->n_layers[i]; a++)
            for (int b = a + 1; !rc && b < s->n_layers[i]; b++)
                if (s->layers[i][a] == s->layers[i][b] || s->layers[i][a] < 0)
                    rc = SHANG_FAIL(SHANG_EFORMAT, "states/%s_layers lists layer %d twice (or a negative layer)",
                                    shang_site_name(i), s->layers[i][a]);
    if (rc) {
        shang_err_prefix("%s", path);
        shang_states_close(s);
        return rc;
    }
    *out = s;
    return SHANG_OK;
}

int shang_states_index(const shang_states *s, int site, int layer)
{
    if (site < 0 || site >= SHANG_N_SITES) return -1;
    for (int i = 0; i < s->n_layers[site]; i++)
        if (s->layers[site][i] == layer) return i;
    return -1;
}

int shang_states_read(const shang_states *s, int site, int layer, size_t r0, size_t n, float *out)
{
    int idx = shang_states_index(s, site, layer);
    if (idx < 0) return SHANG_FAIL(SHANG_EINVAL, "%s has no layer %d at site %s", s->path, layer, shang_site_name(site));
    if (r0 + n > s->N) return SHANG_FAIL(SHANG_EINVAL, "rows %zu..%zu past the %zu stored", r0, r0 + n, s->N);
    size_t start[3] = {(size_t)idx, r0, 0}, count[3] = {1, n, s->C};
    int rc = n ? shang_h5_dset_read_slab(s->dset[site], SHANG_DT_F32, start, count, out) : SHANG_OK;
    /* a NaN or infinite state is a numerical failure of whatever made it: no
     * analysis of it has a meaning */
    for (size_t i = 0; !rc && i < n * s->C; i++)
        if (!isfinite(out[i]))
            rc = SHANG_FAIL(SHANG_ENUMERIC, "%s: %s layer %d row %zu feature %zu is NaN or infinite", s->path,
                            shang_site_name(site), layer, r0 + i / s->C, i % s->C);
    return rc;
}

int shang_states_column(const shang_states *s, const char *name, int32_t **out)
{
    int rank;
    size_t d[1];
    int rc = shang_h5_read(s->file, name, SHANG_DT_I32, 1, &rank, d, (void **)out);
    if (!rc && d[0] != s->N) {
        free(*out);
        *out = NULL;
        rc = SHANG_FAIL(SHANG_EFORMAT, "%s: %s has %zu rows, the states %zu", s->path, name, d[0], s->N);
    }
    return rc;
}

int shang_states_gather(const shang_states *s, int site, int layer, const unsigned char *keep, float **rows, size_t *n)
{
    *rows = NULL;
    size_t m = 0, BLK = 8192;
    for (size_t i = 0; i < s->N; i++) m += !keep || keep[i];
    float *out = shang_alloc(m, s->C * sizeof(float), "layer rows");
    float *blk = keep ? shang_alloc(BLK, s->C * sizeof(float), "row block") : NULL;
    int rc = out && (!keep || blk) ? SHANG_OK : shang_err_code();
    size_t k = 0;
    for (size_t r0 = 0; !rc && r0 < s->N; r0 += BLK) {
        size_t nb = s->N - r0 < BLK ? s->N - r0 : BLK;
        if (!keep) {
            rc = shang_states_read(s, site, layer, r0, nb, out + r0 * s->C);
            continue;
        }
        if ((rc = shang_states_read(s, site, layer, r0, nb, blk))) break;
        for (size_t i = 0; i < nb; i++)
            if (keep[r0 + i]) memcpy(out + k++ * s->C, blk + i * s->C, s->C * sizeof(float));
    }
    free(blk);
    if (rc) {
        free(out);
        return rc;
    }
    *rows = out;
    *n = m;
    return SHANG_OK;
}

int shang_states_accumulate(const shang_states *s, int site, int layer, const unsigned char *keep, shang_pca_acc *acc,
                            size_t *n)
{
    const size_t BLK = 8192;
    float *blk = shang_alloc(BLK, s->C * sizeof(float), "row block");
    if (!blk) return shang_err_code();
    int rc = SHANG_OK;
    *n = 0;
    for (size_t r0 = 0; !rc && r0 < s->N; r0 += BLK) {
        size_t nb = s->N - r0 < BLK ? s->N - r0 : BLK, m = 0;
        if ((rc = shang_states_read(s, site, layer, r0, nb, blk))) break;
        for (size_t i = 0; i < nb; i++) /* compact the kept rows in place */
            if (!keep || keep[r0 + i]) {
                if (m != i) memmove(blk + m * s->C, blk + i * s->C, s->C * sizeof(float));
                m++;
            }
        rc = shang_pca_acc_add(acc, blk, m, s->C);
        *n += m;
    }
    free(blk);
    return rc;
}

int shang_states_layers(const shang_states *s, int site, const int *want, int n_want, int **layers, int *n)
{
    *layers = NULL;
    *n = 0;
    if (s->n_layers[site] == 0) return SHANG_FAIL(SHANG_EINVAL, "%s has no site %s", s->path, shang_site_name(site));
    const int m = want ? n_want : s->n_layers[site];
    for (int i = 0; want && i < n_want; i++)
        if (shang_states_index(s, site, want[i]) < 0) return SHANG_FAIL(SHANG_EUSAGE, "%s has no layer %d at site %s", s->path, want[i], shang_site_name(site));
    if (!(*layers = shang_alloc((size_t)m, sizeof **layers, "the layer list"))) return shang_err_code();
    for (int i = 0; i < m; i++) (*layers)[i] = want ? want[i] : s->layers[site][i];
    *n = m;
    return SHANG_OK;
}

int shang_states_keep(const shang_states *s, int exclude_first, unsigned char **keep)
{
    *keep = NULL;
    if (!exclude_first) return SHANG_OK;
    int32_t *pos;
    int rc = shang_states_column(s, "pos", &pos);
    if (rc) return rc;
    *keep = shang_alloc(s->N, 1, "row mask");
    if (*keep)
        for (size_t i = 0; i < s->N; i++) (*keep)[i] = pos[i] != 0;
    free(pos);
    return *keep ? SHANG_OK : SHANG_FAIL(SHANG_ENOMEM, "out of memory");
}

struct tok_count {
    int32_t tok;
    size_t n;
};

static int by_frequency(const void *a, const void *b)
{
    const struct tok_count *p = a, *q = b;
    return p->n != q->n ? (p->n < q->n ? 1 : -1) : (p->tok > q->tok) - (p->tok < q->tok);
}

int shang_states_balanced(const shang_states *s, unsigned char **keep, size_t F, size_t S, uint64_t seed, size_t *kept)
{
    *kept = 0;
    if (F == 0 || S == 0) return SHANG_FAIL(SHANG_EINVAL, "balanced sampling needs F > 0 tokens and S > 0 occurrences");
    int32_t *tok;
    int rc = shang_states_column(s, "tokens", &tok);
    if (rc) return rc;
    if (!*keep) { /* all rows so far */
        *keep = shang_alloc(s->N, 1, "row mask");
        if (*keep) memset(*keep, 1, s->N);
    }
    int32_t vmax = -1;
    for (size_t i = 0; i < s->N; i++) vmax = tok[i] > vmax ? tok[i] : vmax;
    size_t V = (size_t)vmax + 1;
    struct tok_count *tc = shang_zalloc(V, sizeof *tc, "tc");
    size_t *occ = shang_alloc(s->N, sizeof *occ, "occ"), *pick = shang_alloc(S, sizeof *pick, "pick");
    unsigned char *rank = shang_zalloc(V, 1, "rank");
    gsl_rng *r = NULL;
    if (!*keep || !tc || !occ || !pick || !rank) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    if (!rc) rc = shang_rng_new(seed, SHANG_STREAM_SUBSAMPLE, UINT64_C(2) << 40, &r);
    for (size_t v = 0; !rc && v < V; v++) tc[v].tok = (int32_t)v;
    for (size_t i = 0; !rc && i < s->N; i++)
        if ((*keep)[i] && tok[i] >= 0) tc[tok[i]].n++;
    if (!rc) qsort(tc, V, sizeof *tc, by_frequency);
    size_t chosen = 0;
    for (size_t q = 0; !rc && q < V && chosen < F; q++) /* the F most frequent with at least S occurrences */
        if (tc[q].n >= S) {
            rank[tc[q].tok] = 1;
            chosen++;
        }
    if (!rc && chosen < F)
        shang_log(SHANG_LOG_INFO, "balanced sampling: only %zu tokens occur %zu times or more (asked for %zu)\n", chosen,
                  S, F);
    /* per chosen token (in token order), S of its occurrences drawn without replacement */
    unsigned char *out = rc ? NULL : shang_zalloc(s->N, 1, "out");
    if (!rc && !out) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t v = 0; !rc && v < V; v++) {
        if (!rank[v]) continue;
        size_t n = 0;
        for (size_t i = 0; i < s->N; i++)
            if ((*keep)[i] && tok[i] == (int32_t)v) occ[n++] = i;
        gsl_ran_choose(r, pick, S, occ, n, sizeof *occ);
        for (size_t j = 0; j < S; j++) out[pick[j]] = 1;
        *kept += S;
    }
    if (!rc) {
        free(*keep);
        *keep = out;
    } else {
        free(out);
    }
    shang_rng_free(r);
    free(tok); free(tc); free(occ); free(pick); free(rank);
    return rc;
}

int shang_states_doc_groups(const shang_states *s, const char *const *parallel, int n, int32_t **group)
{
    *group = NULL;
    int32_t *doc = NULL, *dfile = NULL, *dindex = NULL;
    char **files = NULL;
    size_t D = 0, D2 = 0, F = 0;
    int rank, rc = shang_states_column(s, "doc", &doc);
    if (!rc && n > 0) {
        if (!shang_h5_exists(s->file, "doc_file") || !shang_h5_exists(s->file, "files"))
            rc = SHANG_FAIL(SHANG_EFORMAT, "%s does not record each document's file (extracted by an older shang?)", s->path);
        if (!rc) rc = shang_h5_read(s->file, "doc_file", SHANG_DT_I32, 1, &rank, &D, (void **)&dfile);
        if (!rc) rc = shang_h5_read(s->file, "doc_index", SHANG_DT_I32, 1, &rank, &D2, (void **)&dindex);
        if (!rc) rc = shang_h5_read(s->file, "files", SHANG_DT_STR, 1, &rank, &F, (void **)&files);
        if (!rc && D2 != D) rc = SHANG_FAIL(SHANG_EFORMAT, "%s: doc_file and doc_index differ in length", s->path);
        /* which files are renderings of the one text */
        unsigned char *par = rc ? NULL : shang_zalloc(F, 1, "parallel files");
        if (!rc && !par) rc = shang_err_code();
        for (int p = 0; !rc && p < n; p++) {
            int hit = 0;
            for (size_t f = 0; f < F; f++)
                if (!strncmp(files[f], parallel[p], strlen(parallel[p]))) par[f] = 1, hit = 1;
            if (!hit) rc = SHANG_FAIL(SHANG_EINVAL, "no input file of %s starts with '%s'", s->path, parallel[p]);
        }
        for (size_t i = 0; !rc && i < s->N; i++) {
            int32_t d = doc[i];
            if (d < 0 || (size_t)d >= D || dfile[d] < 0 || (size_t)dfile[d] >= F)
                rc = SHANG_FAIL(SHANG_EFORMAT, "%s row %zu: document %d outside the %zu recorded", s->path, i, d, D);
            else if (par[dfile[d]]) doc[i] = (int32_t)D + dindex[d]; /* after every document id */
        }
        free(par);
    }
    free(dfile);
    free(dindex);
    if (files) shang_h5_free_strs(files, F);
    if (rc) free(doc);
    else *group = doc;
    return rc;
}
