/* shang senses — polysemy across layers (E4), from states extracted over the
 * polysemy set with --targets-only: WiC-style pair accuracy and leave-one-out
 * nearest-centroid sense accuracy (fine senses and WordNet lexicographer files),
 * with the most-frequent-sense baseline and bootstrap intervals over lemmas. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shang senses -s STATES.h5 --pairs WIC.tsv[.gz] [options] -o SENSES.h5\n"
            "       shang senses -s KJV.h5 --paraphrase WEB.h5 [options] -o SENSES.h5\n"
            "       shang senses -s SYN.h5 --synonyms ANTONYMS.tsv[.gz] [options] -o SENSES.h5\n\n"
            "Polysemy per layer from the target states of sense-labelled sentences\n"
            "(shang extract --items datasets/senses/polysemy.tsv.gz --targets-only):\n"
            "WiC-style accuracy: the cosine of a lemma's states in two sentences, a\n"
            "threshold fit on the train split's pairs, accuracy on the test split's,\n"
            "pairs balanced by sampling (chance 0.5); leave-one-out nearest-centroid\n"
            "sense accuracy for senses with two or more sentences, with the\n"
            "most-frequent-sense baseline; both for fine senses (sense_key) and coarse\n"
            "ones (lexfile); within each lemma, k-means (k = its senses) purity and AMI\n"
            "against the senses, and the senses' silhouette (cosine distance).\n"
            "Intervals: estimate +- z x bootstrap standard error,\n"
            "resampling lemmas. Table 'layers' (shang export).\n"
            "With --paraphrase: -s and WEB.h5 hold the states of two renderings of the\n"
            "same items in the same order (shang extract --items with --text-column kjv\n"
            "and web): per layer the cosine of each item's mean-pooled (and last-token)\n"
            "states to its partner's, to a shuffled partner's (a random derangement),\n"
            "and retrieval accuracy (is the partner the nearest of all?); intervals\n"
            "resampling items. Table 'paraphrase'.\n"
            "With --synonyms: -s holds the target states of synonym sentences\n"
            "(datasets/senses/synonyms_attested.tsv.gz: columns set_id, word): per layer\n"
            "the mean cosine of two different words of one synset in their own\n"
            "sentences, against antonym pairs (both words among the sentences) and\n"
            "random pairs (a word of another synset); intervals resampling synsets.\n"
            "Table 'synonyms'.\n\n"
            "Options:\n"
            "  -s, --states FILE     states of the polysemy items, one target row each\n"
            "      --pairs FILE      WiC pairs (datasets/senses/wic_pairs.tsv.gz)\n"
            "      --paraphrase FILE the states of the other rendering (paraphrase mode)\n"
            "      --synonyms FILE   antonym pairs (datasets/senses/antonyms.tsv.gz;\n"
            "                        synonym mode)\n"
            "      --freq FILE       word frequencies (word, corpus_freq: datasets/senses/\n"
            "                        synonyms.tsv.gz): random controls matched in log\n"
            "                        frequency to the synonym they replace\n"
            "  -o, --output FILE     the shang.senses file to write\n"
            "      --site NAME       resid, ln_f, attn_out or mlp_out [default resid]\n"
            "      --layers LIST     e.g. 0,3,6 or 0-6 [default: all stored]\n"
            "      --standardize     z-score every dimension first (rogue dimensions; each\n"
            "                        rendering on its own with --paraphrase)\n"
            "      --scatter LEMMAS  also table 'scatter': per layer, each listed lemma's\n"
            "                        rows on its own first two principal components\n"
            "                        (e.g. play,light), with sense and lexicographer file\n"
            "      --same-form       WiC pairs whose two targets are the same token only\n"
            "                        (inflections and tokenisation then cannot tell the\n"
            "                        senses apart: the static layer must be at chance)\n"
            "      --bootstrap B     replicates, 0 for none [default 100]\n"
            "      --level P         interval level [default 0.95]\n"
            "      --seed N          pair balancing and bootstrap [default 42]\n"
            "      --threads N       threads [default: all cores]\n"
            "  -q, --quiet | -v, --verbose | -h, --help\n\n"
            "Example:\n"
            "  shang senses -s poly.h5 --pairs datasets/senses/wic_pairs.tsv.gz -o senses.h5\n");
    cmd_print_exit_status(out);
}

/* dense ids of strings, in order of first appearance */
static int dense_str(char **s, size_t n, int32_t *id)
{
    shang_strmap *m;
    int rc = shang_strmap_new(n / 2 + 16, &m);
    for (size_t i = 0; !rc && i < n; i++) {
        int added;
        uint64_t *v = shang_strmap_put(m, s[i], strlen(s[i]), &added);
        if (!v) rc = shang_err_code();
        else {
            if (added) *v = shang_strmap_size(m) - 1;
            id[i] = (int32_t)*v;
        }
    }
    shang_strmap_free(m);
    return rc;
}

/* the output states whether <|endoftext|> preceded every item: then no stored
 * row (target or token) is an item's first position, whose state is an outlier */
static int note_first_position(const shang_states *st, hid_t out)
{
    int64_t bos = 0;
    if (shang_h5_attr_get_i64(st->file, "bos_prepended", &bos)) {
        shang_err_clear();
        return SHANG_OK;
    }
    int rc = shang_h5_attr_i64(out, "bos_prepended", bos);
    return rc ? rc : shang_h5_attr_str(out, "first_position", bos ? "never stored (after <|endoftext|>)"
                                                                  : "included where it is a target or token");
}

/* What every mode ends with: the table, the root attributes, provenance (the
 * inputs as role/path pairs, NULL paths skipped, and the shared parameters),
 * and the commit. *f is consumed as shang_prov_commit does. */
static int senses_commit(shang_h5_file **f, const shang_table *t, const shang_states *st, const char *site_name,
                         int standardize, const char *const *io, int n_io, const char *layers_arg, int boot,
                         double level, uint64_t seed, int threads, int argc, char **argv)
{
    shang_prov *p = NULL;
    int rc = shang_table_write(t, (*f)->id);
    if (!rc) rc = shang_h5_attr_str((*f)->id, "site", site_name);
    if (!rc) rc = shang_h5_attr_i64((*f)->id, "standardized", standardize);
    if (!rc) rc = note_first_position(st, (*f)->id);
    if (!rc) rc = cmd_prov_new("senses", argc, argv, &p);
    for (int q = 0; !rc && q < n_io; q++)
        if (io[2 * q + 1]) rc = shang_prov_input(p, io[2 * q], io[2 * q + 1]);
    if (!rc) {
        shang_prov_seed(p, seed);
        shang_prov_threads(p, threads);
        if ((rc = shang_prov_str(p, "site", site_name)) || (rc = shang_prov_str(p, "layers", layers_arg)) ||
            (rc = shang_prov_i64(p, "bootstrap", boot)) || (rc = shang_prov_f64(p, "level", level)) ||
            (rc = shang_prov_i64(p, "standardize", standardize))) {
            /* rc holds the failure */
        }
    }
    if (!rc) rc = shang_prov_commit(p, f);
    shang_prov_free(p);
    return rc;
}

struct ctx {
    const float *X;
    size_t C, n, np[2];
    const int32_t *lemma, *sense[2];
    uint32_t *a[2], *b[2];          /* balanced pairs: rows */
    unsigned char *same[2], *train[2];
    double *cos[2];                 /* per pair, computed once per layer */
    const double *row_val[4];       /* per row: its lemma's purity, NMI, AMI, its silhouette (NaN: none) */
    /* filled by the estimate (unweighted) call only: the fine-sense WiC
     * threshold, each row's nearest-centroid outcome, the rows scored */
    double *thr_out;
    signed char *right_out;
    size_t *scored_out;
};

enum { S_WIC, S_WIC_C, S_NC, S_MFS, S_NC_C, S_MFS_C, S_PUR, S_NMI, S_AMI, S_SIL, N_S };
static const char *const s_name[N_S] = {"wic", "wic_coarse", "nc", "mfs", "nc_coarse", "mfs_coarse",
                                        "purity", "nmi", "ami", "silhouette"};
static const char *const s_desc[N_S] = {
    "WiC-style test accuracy, fine senses (chance 0.5)", "WiC-style test accuracy, lexicographer files",
    "leave-one-out nearest-centroid sense accuracy", "most-frequent-sense baseline of the same rows",
    "nearest centroid over lexicographer files", "most-frequent lexicographer file baseline",
    "sense purity of k-means within a lemma (k = its senses), averaged over rows",
    "NMI (arithmetic) of k-means clusters and senses within a lemma, averaged over rows",
    "AMI of k-means clusters and senses within a lemma, averaged over rows",
    "silhouette of the senses (cosine distance), averaged over rows"};

static int stats(const uint32_t *w, void *vc, double *out)
{
    const struct ctx *c = vc;
    for (int s = 0; s < N_S; s++) out[s] = NAN;
    for (int g = 0; g < 2; g++) {
        uint32_t *pw = w ? malloc((c->np[g] ? c->np[g] : 1) * sizeof *pw) : NULL;
        if (w && !pw) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        for (size_t p = 0; w && p < c->np[g]; p++) pw[p] = w[c->a[g][p]]; /* a pair's lemma's weight */
        double thr, acc, nc, mfs;
        size_t scored;
        if (!shang_wic(c->X, c->C, c->a[g], c->b[g], c->same[g], c->train[g], pw, c->np[g], c->cos[g], 1, &thr, &acc)) {
            out[g ? S_WIC_C : S_WIC] = acc;
            if (!w && !g && c->thr_out) *c->thr_out = thr;
        } else {
            shang_err_clear();
        }
        free(pw);
        int est = !w && !g; /* the estimate's fine senses: keep the per-row outcomes */
        int rc = shang_nearest_centroid_rows(c->X, c->C, c->lemma, c->sense[g], w, c->n, &nc, &mfs, &scored,
                                             est ? c->right_out : NULL);
        if (rc) return rc;
        if (est && c->scored_out) *c->scored_out = scored;
        out[g ? S_NC_C : S_NC] = nc;
        out[g ? S_MFS_C : S_MFS] = mfs;
    }
    for (int v = 0; v < 4; v++) { /* row-weighted means of the per-row values */
        double sum = 0, m = 0;
        for (size_t i = 0; c->row_val[v] && i < c->n; i++)
            if (!isnan(c->row_val[v][i])) {
                double wi = w ? w[i] : 1;
                sum += wi * c->row_val[v][i];
                m += wi;
            }
        out[S_PUR + v] = m > 0 ? sum / m : NAN;
    }
    return SHANG_OK;
}

/* ---- paraphrase mode ---------------------------------------------------------- */

struct pctx {
    size_t I;
    const double *v[6]; /* per item: aligned, shuffled, hit (mean-pooled); the same last-token */
};

enum { P_AL, P_SH, P_DIFF, P_RET, P_AL_L, P_SH_L, P_DIFF_L, P_RET_L, N_P };
static const char *const p_name[N_P] = {"aligned", "shuffled", "difference", "retrieval",
                                        "aligned_last", "shuffled_last", "difference_last", "retrieval_last"};
static const char *const p_desc[N_P] = {
    "mean cosine of an item's mean-pooled states to its partner's", "the same to a shuffled partner's",
    "aligned - shuffled", "share of items whose partner is the nearest of all (mean-pooled)",
    "mean cosine, last-token states", "shuffled, last-token states", "aligned - shuffled, last token",
    "retrieval accuracy, last token"};

static int pstats(const uint32_t *w, void *vc, double *out)
{
    const struct pctx *c = vc;
    for (int g = 0; g < 2; g++) {
        double sa = 0, ss = 0, sh = 0, m = 0;
        for (size_t i = 0; i < c->I; i++) {
            double wi = w ? w[i] : 1;
            sa += wi * c->v[3 * g][i];
            ss += wi * c->v[3 * g + 1][i];
            sh += wi * c->v[3 * g + 2][i];
            m += wi;
        }
        out[4 * g + 0] = m ? sa / m : NAN;
        out[4 * g + 1] = m ? ss / m : NAN;
        out[4 * g + 2] = m ? (sa - ss) / m : NAN;
        out[4 * g + 3] = m ? sh / m : NAN;
    }
    return SHANG_OK;
}

static int paraphrase_mode(const char *apath, const char *bpath, const char *output, int site, const char *site_name,
                           const int *want, int n_want, const char *layers_arg, int standardize, int boot, double level,
                           uint64_t seed, int threads, int argc, char **argv)
{
    shang_states *sa = NULL, *sb = NULL;
    shang_h5_file *f = NULL;
    shang_table *t = NULL;
    int32_t *ia = NULL, *ib = NULL, *group = NULL;
    uint32_t *perm = NULL;
    size_t I = 0, dims[1];
    int rank, rc = shang_h5_create(output, "shang.senses", 1, &f);
    int64_t *tl = NULL;
    if (!rc) rc = shang_states_open(apath, &sa);
    if (!rc) rc = shang_states_open(bpath, &sb);
    int *layers = NULL, n_layers = 0;
    if (!rc) rc = shang_states_layers(sa, site, want, n_want, &layers, &n_layers);
    if (!rc && sa->C != sb->C) rc = SHANG_FAIL(SHANG_EINVAL, "%s and %s have different widths", apath, bpath);
    if (!rc) rc = shang_states_column(sa, "item", &ia);
    if (!rc) rc = shang_states_column(sb, "item", &ib);
    if (!rc) rc = shang_h5_read(sa->file, "item_target_last", SHANG_DT_I64, 1, &rank, dims, (void **)&tl);
    if (!rc) {
        I = dims[0];
        free(tl);
        tl = NULL;
        rc = shang_h5_read(sb->file, "item_target_last", SHANG_DT_I64, 1, &rank, dims, (void **)&tl);
        if (!rc && dims[0] != I) rc = SHANG_FAIL(SHANG_EINVAL, "%s has %zu items, %s %zu", apath, I, bpath, dims[0]);
    }
    if (!rc && I < 2) rc = SHANG_FAIL(SHANG_EINVAL, "paraphrase needs 2 items or more");
    /* a random derangement (Sattolo: one cycle, no item its own partner) */
    gsl_rng *r = NULL;
    if (!rc && !(perm = malloc(I * sizeof *perm))) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    if (!rc) rc = shang_rng_new(seed, SHANG_STREAM_BASELINE, UINT64_C(5) << 40, &r);
    if (!rc) {
        for (size_t i = 0; i < I; i++) perm[i] = (uint32_t)i;
        for (size_t i = I - 1; i > 0; i--) {
            size_t j = (size_t)gsl_rng_uniform_int(r, i);
            uint32_t tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        group = malloc(I * sizeof *group);
        if (!group) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        for (size_t i = 0; !rc && i < I; i++) group[i] = (int32_t)i;
    }
    shang_rng_free(r);
    int col[N_P][3];
    if (!rc) rc = shang_table_new("paraphrase", "paraphrase convergence per layer", &t);
    if (!rc && shang_table_column(t, "layer", SHANG_DT_I64, "layer") < 0) rc = shang_err_code();
    for (int q = 0; !rc && q < N_P; q++) {
        rc = cmd_table_estimate(t, p_name[q], p_desc[q], boot, "items", col[q]);
    }
    int c_n = rc ? -1 : shang_table_column(t, "items", SHANG_DT_I64, "paraphrase pairs");
    if (!rc && c_n < 0) rc = shang_err_code();
    if (!rc && shang_log_level() > SHANG_LOG_QUIET)
        fprintf(stderr, "%5s %8s %8s %9s %8s %9s\n", "layer", "aligned", "shuffled", "retrieval", "last", "ret-last");
    for (int l = 0; !rc && l < n_layers; l++) {
        float *XA = NULL, *XB = NULL, *pool[4] = {NULL, NULL, NULL, NULL};
        size_t na, nb, *cnt = malloc(I * sizeof *cnt);
        double *v[6] = {NULL};
        unsigned char *hit[2] = {malloc(I), malloc(I)};
        for (int q = 0; q < 6; q++) v[q] = malloc(I * sizeof *v[q]);
        for (int q = 0; q < 4; q++) pool[q] = malloc(I * sa->C * sizeof *pool[q]);
        int ok = cnt && hit[0] && hit[1];
        for (int q = 0; q < 6; q++) ok = ok && v[q];
        for (int q = 0; q < 4; q++) ok = ok && pool[q];
        if (!ok) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        if (!rc) rc = shang_states_gather(sa, site, layers[l], NULL, &XA, &na);
        if (!rc) rc = shang_states_gather(sb, site, layers[l], NULL, &XB, &nb);
        if (!rc && standardize) { /* each rendering's rows on their own statistics */
            shang_standardize_columns(XA, na, sa->C);
            shang_standardize_columns(XB, nb, sb->C);
        }
        if (!rc) rc = shang_item_pool(XA, ia, na, sa->C, I, pool[0], pool[2], cnt);
        if (!rc) rc = shang_item_pool(XB, ib, nb, sb->C, I, pool[1], pool[3], cnt);
        for (int g = 0; !rc && g < 2; g++) {
            rc = shang_paraphrase(pool[2 * g], pool[2 * g + 1], I, sa->C, perm, v[3 * g], v[3 * g + 1], hit[g]);
            for (size_t i = 0; !rc && i < I; i++) v[3 * g + 2][i] = hit[g][i];
        }
        struct pctx pc = {.I = I, .v = {v[0], v[1], v[2], v[3], v[4], v[5]}};
        double est[N_P], sd[N_P];
        if (!rc) rc = pstats(NULL, &pc, est);
        if (!rc && boot) {
            shang_bootstrap_opts bo = {.replicates = boot, .level = level, .seed = seed, .stream = (uint64_t)layers[l]};
            rc = shang_bootstrap_groups(group, I, N_P, pstats, &pc, &bo, sd, NULL, NULL);
        }
        if (!rc && !(rc = shang_table_push(t))) {
            shang_table_i64(t, 0, layers[l]);
            for (int q = 0; q < N_P; q++) {
                cmd_table_put_estimate(t, col[q], est[q], boot ? sd[q] : NAN, level);
            }
            shang_table_i64(t, c_n, (int64_t)I);
            if (shang_log_level() > SHANG_LOG_QUIET)
                fprintf(stderr, "%5d %8.3f %8.3f %9.3f %8.3f %9.3f\n", layers[l], est[P_AL], est[P_SH], est[P_RET],
                        est[P_AL_L], est[P_RET_L]);
        }
        if (rc) shang_err_prefix("layer %d", layers[l]);
        free(XA);
        free(XB);
        free(cnt);
        free(hit[0]);
        free(hit[1]);
        for (int q = 0; q < 6; q++) free(v[q]);
        for (int q = 0; q < 4; q++) free(pool[q]);
    }
    const char *const io[] = {"states", apath, "paraphrase", bpath};
    if (!rc) rc = senses_commit(&f, t, sa, site_name, standardize, io, 2, layers_arg, boot, level, seed, threads, argc, argv);
    int status = rc ? cmd_fail("senses", rc) : SHANG_EXIT_OK;
    shang_h5_abort(f);
    shang_table_free(t);
    shang_states_close(sa);
    shang_states_close(sb);
    free(ia); free(ib); free(tl); free(group); free(perm);
    free(layers);
    return status;
}

/* ---- synonym mode ----------------------------------------------------------- */

enum { Y_SYN, Y_ANT, Y_RAND, Y_DIFF, N_Y };
static const char *const y_name[N_Y] = {"synonyms", "antonyms", "random", "synonyms_minus_random"};
static const char *const y_desc[N_Y] = {
    "mean cosine of two different words of one synset, each in its own sentence",
    "mean cosine of antonym pairs in their sentences", "mean cosine of a word and a word of another synset (with --freq: matched in frequency)",
    "synonyms - random"};

struct yctx {
    size_t np[3];
    const uint32_t *first[3]; /* a pair's first row: its synset sets the weight */
    const double *cos[3];
};

static int ystats(const uint32_t *w, void *vc, double *out)
{
    const struct yctx *c = vc;
    for (int g = 0; g < 3; g++) {
        double sum = 0, m = 0;
        for (size_t p = 0; p < c->np[g]; p++) {
            double wp = w ? w[c->first[g][p]] : 1;
            sum += wp * c->cos[g][p];
            m += wp;
        }
        out[g] = m ? sum / m : NAN;
    }
    out[Y_DIFF] = out[Y_SYN] - out[Y_RAND];
    return SHANG_OK;
}

static int synonym_mode(const char *spath, const char *apath, const char *fpath, const char *output, int site,
                        const char *site_name, const int *want, int n_want, const char *layers_arg, int standardize,
                        int boot, double level, uint64_t seed, int threads, int argc, char **argv)
{
    shang_states *s = NULL;
    shang_tsv *at = NULL;
    shang_h5_file *f = NULL;
    shang_table *t = NULL;
    char **set = NULL, **word = NULL;
    int64_t *trow = NULL;
    int32_t *sid = NULL, *wid = NULL, *group = NULL;
    uint32_t *pa[3] = {NULL}, *pb[3] = {NULL};
    size_t np[3] = {0}, I = 0, d1[1];
    int rank, rc = shang_h5_create(output, "shang.senses", 1, &f);
    if (!rc) rc = shang_states_open(spath, &s);
    int *layers = NULL, n_layers = 0;
    if (!rc) rc = shang_states_layers(s, site, want, n_want, &layers, &n_layers);
    if (!rc && (!shang_h5_exists(s->file, "items/set_id") || !shang_h5_exists(s->file, "items/word")))
        rc = SHANG_FAIL(SHANG_EINVAL, "%s has no items/set_id and items/word: extract the synonym sentences with --items", spath);
    if (!rc) rc = shang_h5_read(s->file, "items/set_id", SHANG_DT_STR, 1, &rank, d1, (void **)&set);
    if (!rc) {
        I = d1[0];
        rc = shang_h5_read(s->file, "items/word", SHANG_DT_STR, 1, &rank, d1, (void **)&word);
    }
    if (!rc) rc = shang_h5_read(s->file, "item_target_last", SHANG_DT_I64, 1, &rank, d1, (void **)&trow);
    if (!rc) rc = shang_tsv_read(apath, &at);
    int ca = at ? shang_tsv_col(at, "word_a") : -1, cb = at ? shang_tsv_col(at, "word_b") : -1;
    if (!rc && (ca < 0 || cb < 0)) rc = SHANG_FAIL(SHANG_EFORMAT, "%s lacks word_a or word_b", apath);
    if (!rc) {
        sid = malloc((I ? I : 1) * sizeof *sid);
        wid = malloc((I ? I : 1) * sizeof *wid);
        group = malloc((s->N ? s->N : 1) * sizeof *group);
        for (int g = 0; g < 3; g++) {
            pa[g] = malloc((I * 8 + 16) * sizeof *pa[g]);
            pb[g] = malloc((I * 8 + 16) * sizeof *pb[g]);
        }
        if (!sid || !wid || !group || !pa[0] || !pb[0] || !pa[1] || !pb[1] || !pa[2] || !pb[2])
            rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    }
    if (!rc) rc = dense_str(set, I, sid);
    if (!rc) rc = dense_str(word, I, wid);
    for (size_t r = 0; !rc && r < s->N; r++) group[r] = -1 - (int32_t)r;
    for (size_t i = 0; !rc && i < I; i++)
        if (trow[i] >= 0) group[trow[i]] = sid[i];
    /* synonym pairs: different words of one synset, at most 8 per sentence */
    gsl_rng *r = NULL;
    if (!rc) rc = shang_rng_new(seed, SHANG_STREAM_BASELINE, UINT64_C(6) << 40, &r);
    for (size_t i = 0; !rc && i < I; i++) {
        size_t k = 0;
        for (size_t j = i + 1; j < I && k < 8; j++)
            if (sid[j] == sid[i] && wid[j] != wid[i] && trow[i] >= 0 && trow[j] >= 0) {
                pa[0][np[0]] = (uint32_t)trow[i];
                pb[0][np[0]++] = (uint32_t)trow[j];
                k++;
            }
    }
    /* random control: the first word with a word of another synset; with
     * --freq, of the 50 drawn the one nearest in log frequency to the synonym */
    double *freq = NULL;
    shang_tsv *ft = NULL;
    if (!rc && fpath) {
        int cw, cf;
        rc = shang_tsv_read(fpath, &ft);
        cw = ft ? shang_tsv_col(ft, "word") : -1;
        cf = ft ? shang_tsv_col(ft, "corpus_freq") : -1;
        if (!rc && (cw < 0 || cf < 0)) rc = SHANG_FAIL(SHANG_EFORMAT, "%s lacks word or corpus_freq", fpath);
        if (!rc && !(freq = calloc(I ? I : 1, sizeof *freq))) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        shang_strmap *fm = NULL;
        if (!rc) rc = shang_strmap_new(ft->n_rows + 16, &fm);
        for (size_t q = 0; !rc && q < ft->n_rows; q++) {
            const char *w = shang_tsv_get(ft, q, cw);
            uint64_t *v = shang_strmap_put(fm, w, strlen(w), NULL);
            uint64_t fr = strtoull(shang_tsv_get(ft, q, cf), NULL, 10);
            if (!v) rc = shang_err_code();
            else if (fr > *v) *v = fr;
        }
        for (size_t i = 0; !rc && i < I; i++) {
            const uint64_t *v = shang_strmap_get(fm, word[i], strlen(word[i]));
            freq[i] = v && *v ? log((double)*v) : NAN;
        }
        shang_strmap_free(fm);
        shang_tsv_free(ft);
    }
    for (size_t q = 0; !rc && q < np[0]; q++) {
        size_t i = 0, j = 0;
        while (i < I && (size_t)trow[i] != pa[0][q]) i++;
        while (j < I && (size_t)trow[j] != pb[0][q]) j++;
        size_t best = I;
        double bd = INFINITY;
        for (int tries = 0, got = 0; tries < 5000 && got < (freq ? 50 : 1); tries++) {
            size_t k = (size_t)gsl_rng_uniform_int(r, I);
            if (trow[k] < 0 || sid[k] == sid[i] || wid[k] == wid[i] || wid[k] == wid[j]) continue;
            if (freq && (isnan(freq[k]) || isnan(freq[j]))) continue;
            got++;
            double d = freq ? fabs(freq[k] - freq[j]) : 0;
            if (d < bd) {
                bd = d;
                best = k;
            }
        }
        if (best < I) {
            pa[2][np[2]] = pa[0][q];
            pb[2][np[2]++] = (uint32_t)trow[best];
        }
    }
    free(freq);
    shang_rng_free(r);
    /* antonym pairs: both words among the sentences (every sentence pair, at most 8 per pair of words) */
    for (size_t q = 0; !rc && q < at->n_rows; q++) {
        const char *wa = shang_tsv_get(at, q, ca), *wb = shang_tsv_get(at, q, cb);
        size_t k = 0;
        for (size_t i = 0; i < I && k < 8; i++) {
            if (strcmp(word[i], wa) || trow[i] < 0) continue;
            for (size_t j = 0; j < I && k < 8; j++)
                if (!strcmp(word[j], wb) && trow[j] >= 0 && np[1] < I * 8) {
                    pa[1][np[1]] = (uint32_t)trow[i];
                    pb[1][np[1]++] = (uint32_t)trow[j];
                    k++;
                }
        }
    }
    int col[N_Y][3];
    if (!rc) rc = shang_table_new("synonyms", "synonymy per layer: synonyms vs antonyms and random pairs", &t);
    if (!rc && shang_table_column(t, "layer", SHANG_DT_I64, "layer") < 0) rc = shang_err_code();
    for (int q = 0; !rc && q < N_Y; q++) rc = cmd_table_estimate(t, y_name[q], y_desc[q], boot, "synsets", col[q]);
    int c_n[3];
    static const char *const cn_name[3] = {"synonym_pairs", "antonym_pairs", "random_pairs"};
    for (int g = 0; !rc && g < 3; g++)
        if ((c_n[g] = shang_table_column(t, cn_name[g], SHANG_DT_I64, "pairs measured")) < 0) rc = shang_err_code();
    if (!rc && shang_log_level() > SHANG_LOG_QUIET)
        fprintf(stderr, "%5s %9s %9s %9s   (%zu synonym, %zu antonym, %zu random pairs)\n", "layer", "synonyms",
                "antonyms", "random", np[0], np[1], np[2]);
    for (int l = 0; !rc && l < n_layers; l++) {
        float *X = NULL;
        size_t n;
        double *cs[3] = {NULL};
        rc = shang_states_gather(s, site, layers[l], NULL, &X, &n);
        if (!rc && standardize) shang_standardize_columns(X, n, s->C);
        for (int g = 0; !rc && g < 3; g++) {
            cs[g] = malloc((np[g] ? np[g] : 1) * sizeof *cs[g]);
            if (!cs[g]) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
            else shang_pair_cosines(X, s->C, pa[g], pb[g], np[g], cs[g]);
        }
        struct yctx yc = {.np = {np[0], np[1], np[2]}, .first = {pa[0], pa[1], pa[2]}, .cos = {cs[0], cs[1], cs[2]}};
        double est[N_Y], sd[N_Y];
        if (!rc) rc = ystats(NULL, &yc, est);
        if (!rc && boot) {
            shang_bootstrap_opts bo = {.replicates = boot, .level = level, .seed = seed, .stream = (uint64_t)layers[l]};
            rc = shang_bootstrap_groups(group, n, N_Y, ystats, &yc, &bo, sd, NULL, NULL);
        }
        if (!rc && !(rc = shang_table_push(t))) {
            shang_table_i64(t, 0, layers[l]);
            for (int q = 0; q < N_Y; q++) {
                cmd_table_put_estimate(t, col[q], est[q], boot ? sd[q] : NAN, level);
            }
            for (int g = 0; g < 3; g++) shang_table_i64(t, c_n[g], (int64_t)np[g]);
            if (shang_log_level() > SHANG_LOG_QUIET)
                fprintf(stderr, "%5d %9.3f %9.3f %9.3f\n", layers[l], est[Y_SYN], est[Y_ANT], est[Y_RAND]);
        }
        if (rc) shang_err_prefix("layer %d", layers[l]);
        free(X);
        for (int g = 0; g < 3; g++) free(cs[g]);
    }
    const char *const io[] = {"states", spath, "antonyms", apath, "frequencies", fpath};
    if (!rc) rc = senses_commit(&f, t, s, site_name, standardize, io, 3, layers_arg, boot, level, seed, threads, argc, argv);
    int status = rc ? cmd_fail("senses", rc) : SHANG_EXIT_OK;
    shang_h5_abort(f);
    shang_table_free(t);
    shang_tsv_free(at);
    shang_states_close(s);
    shang_h5_free_strs(set, set ? I : 0);
    shang_h5_free_strs(word, word ? I : 0);
    for (int g = 0; g < 3; g++) {
        free(pa[g]);
        free(pb[g]);
    }
    free(trow); free(sid); free(wid); free(group);
    free(layers);
    return status;
}

int cmd_senses(int argc, char **argv)
{
    enum { O_PAIRS = 256, O_STD, O_FORM, O_PARA, O_SYN, O_SCAT, O_FREQ };
    static const struct option opts[] = {
        {"states", required_argument, 0, 's'},     {"pairs", required_argument, 0, O_PAIRS},
        {"output", required_argument, 0, 'o'},     {"standardize", no_argument, 0, O_STD},
        {"same-form", no_argument, 0, O_FORM},     {"paraphrase", required_argument, 0, O_PARA},
        {"synonyms", required_argument, 0, O_SYN}, {"scatter", required_argument, 0, O_SCAT},
        {"freq", required_argument, 0, O_FREQ},    {0, 0, 0, 0}};
    const char *spath = NULL, *ppath = NULL, *para = NULL, *syn = NULL, *scatter = NULL, *freq_path = NULL, *output = NULL;
    int standardize = 0, same_form = 0, c;
    cmd_opts co;
    cmd_opts_init(&co, "senses", CMD_ANALYSIS, usage);
    while ((c = cmd_getopt(&co, argc, argv, "s:o:", opts)) > 0) switch (c) {
        case 's': spath = optarg; break;
        case O_PAIRS: ppath = optarg; break;
        case 'o': output = optarg; break;
        case O_STD: standardize = 1; break;
        case O_FORM: same_form = 1; break;
        case O_PARA: para = optarg; break;
        case O_SYN: syn = optarg; break;
        case O_SCAT: scatter = optarg; break;
        case O_FREQ: freq_path = optarg; break;
        }
    const char *missing = !spath ? "no states (-s)" : (!!ppath + !!para + !!syn) != 1 ? "give one of --pairs, --paraphrase, --synonyms"
                          : !output ? "no output (-o)" : NULL;
    if (c < 0 || cmd_opts_done(&co, argc, missing)) return cmd_opts_exit(&co);
    const int site = co.site, boot = co.bootstrap, threads = co.threads;
    const char *site_name = co.site_name, *layers_arg = co.layers_arg;
    const double level = co.level;
    const uint64_t seed = co.seed;
    int *layers = NULL, n_layers = 0;
    if (syn) {
        int st = synonym_mode(spath, syn, freq_path, output, site, site_name, co.layers, co.n_layers, layers_arg, standardize,
                              boot, level, seed, threads, argc, argv);
        cmd_opts_free(&co);
        return st;
    }
    if (para) {
        int st = paraphrase_mode(spath, para, output, site, site_name, co.layers, co.n_layers, layers_arg, standardize, boot,
                                 level, seed, threads, argc, argv);
        cmd_opts_free(&co);
        return st;
    }
    shang_states *s = NULL;
    shang_tsv *pt = NULL;
    shang_h5_file *f = NULL;
    shang_prov *p = NULL;
    shang_table *t = NULL;
    char **ids = NULL, **lem = NULL, **pos = NULL, **key = NULL, **lex = NULL;
    int64_t *trow = NULL;
    int32_t *lemma = NULL, *sense[2] = {NULL, NULL}, *rowmap = NULL;
    struct ctx cx = {0};
    size_t dI[1], dT[1], I = 0;
    int rank, rc = shang_h5_create(output, "shang.senses", 1, &f);
    if (!rc) rc = shang_states_open(spath, &s);
    if (!rc) rc = shang_states_layers(s, site, co.layers, co.n_layers, &layers, &n_layers);
    static const char *const cols[] = {"items/id", "items/lemma", "items/pos", "items/sense_key", "items/lexfile"};
    char ***dst[] = {&ids, &lem, &pos, &key, &lex};
    for (int q = 0; !rc && q < 5; q++) {
        if (!shang_h5_exists(s->file, cols[q]))
            rc = SHANG_FAIL(SHANG_EINVAL, "%s has no %s: extract it with --items over the polysemy set", spath, cols[q]);
        else
            rc = shang_h5_read(s->file, cols[q], SHANG_DT_STR, 1, &rank, dI, (void **)dst[q]);
        if (!rc && q && dI[0] != I) rc = SHANG_FAIL(SHANG_EFORMAT, "%s: item columns of different lengths", spath);
        I = dI[0];
    }
    if (!rc) rc = shang_h5_read(s->file, "item_target_last", SHANG_DT_I64, 1, &rank, dT, (void **)&trow);
    int32_t *tok = NULL;
    if (!rc) rc = shang_states_column(s, "tokens", &tok);
    /* the items with a target row, as rows of X: their lemma, fine and coarse sense */
    size_t n = 0;
    if (!rc) {
        lemma = malloc((I ? I : 1) * sizeof *lemma);
        sense[0] = malloc((I ? I : 1) * sizeof *sense[0]);
        sense[1] = malloc((I ? I : 1) * sizeof *sense[1]);
        rowmap = malloc((I ? I : 1) * sizeof *rowmap);
        char **lp = malloc((I ? I : 1) * sizeof *lp);
        if (!lemma || !sense[0] || !sense[1] || !rowmap || !lp) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        for (size_t i = 0; !rc && i < I; i++) {
            lp[i] = shang_asprintf("%s/%s", lem[i], pos[i]);
            if (!lp[i]) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        }
        if (!rc) rc = dense_str(lp, I, lemma);
        if (!rc) rc = dense_str(key, I, sense[0]);
        if (!rc) rc = dense_str(lex, I, sense[1]);
        for (size_t i = 0; lp && i < I; i++) free(lp[i]);
        free(lp);
        for (size_t i = 0; !rc && i < I; i++) rowmap[i] = trow[i] >= 0 ? (int32_t)trow[i] : -1;
        n = s->N;
    }
    /* WiC pairs, mapped to rows, balanced per split and kind by sampling */
    if (!rc) rc = shang_tsv_read(ppath, &pt);
    int ca = pt ? shang_tsv_col(pt, "a") : -1, cb = pt ? shang_tsv_col(pt, "b") : -1;
    int cs[2] = {pt ? shang_tsv_col(pt, "same_sense") : -1, pt ? shang_tsv_col(pt, "same_lexfile") : -1};
    int csp = pt ? shang_tsv_col(pt, "split") : -1;
    if (!rc && (ca < 0 || cb < 0 || cs[0] < 0 || cs[1] < 0 || csp < 0))
        rc = SHANG_FAIL(SHANG_EFORMAT, "%s lacks a, b, same_sense, same_lexfile or split", ppath);
    shang_strmap *idm = NULL;
    if (!rc) rc = shang_strmap_new(I + 16, &idm);
    for (size_t i = 0; !rc && i < I; i++) {
        uint64_t *v = shang_strmap_put(idm, ids[i], strlen(ids[i]), NULL);
        if (!v) rc = shang_err_code();
        else *v = i + 1;
    }
    /* every line well formed, or the file is refused at its first bad line: an
     * item the states never had, a label not 0/1, a split not train/test */
    for (size_t q = 0; !rc && q < pt->n_rows; q++) {
        const char *sa = shang_tsv_get(pt, q, ca), *sb = shang_tsv_get(pt, q, cb), *sp = shang_tsv_get(pt, q, csp);
        const char *bad = NULL, *what = NULL;
        if (!shang_strmap_get(idm, sa, strlen(sa))) bad = sa, what = "item a";
        else if (!shang_strmap_get(idm, sb, strlen(sb))) bad = sb, what = "item b";
        for (int g = 0; !bad && g < 2; g++) {
            const char *v = shang_tsv_get(pt, q, cs[g]);
            if (strcmp(v, "0") && strcmp(v, "1")) bad = v, what = g ? "same_lexfile (0 or 1)" : "same_sense (0 or 1)";
        }
        if (!bad && strcmp(sp, "train") && strcmp(sp, "test")) bad = sp, what = "split (train or test)";
        if (bad)
            rc = SHANG_FAIL(SHANG_EFORMAT, "%s:%zu: %s '%s'%s", ppath, q + 2, what, bad,
                            what[0] == 'i' ? " is not an item of the states" : " is not allowed");
    }
    gsl_rng *r = NULL;
    if (!rc) rc = shang_rng_new(seed, SHANG_STREAM_SUBSAMPLE, UINT64_C(4) << 40, &r);
    for (int g = 0; !rc && g < 2; g++) {
        size_t np = pt->n_rows, k = 0;
        uint32_t *pa = malloc(np * sizeof *pa), *pb = malloc(np * sizeof *pb);
        unsigned char *ps = malloc(np), *ptr = malloc(np), *keep = calloc(np, 1);
        if (!pa || !pb || !ps || !ptr || !keep) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        size_t nsame[2] = {0}, ndiff[2] = {0};
        for (size_t q = 0; !rc && q < np; q++) {
            const char *sa = shang_tsv_get(pt, q, ca), *sb = shang_tsv_get(pt, q, cb);
            const uint64_t *va = shang_strmap_get(idm, sa, strlen(sa)), *vb = shang_strmap_get(idm, sb, strlen(sb));
            if (!va || !vb || rowmap[*va - 1] < 0 || rowmap[*vb - 1] < 0) continue; /* an item not extracted */
            if (same_form && tok[rowmap[*va - 1]] != tok[rowmap[*vb - 1]]) continue;
            pa[k] = (uint32_t)rowmap[*va - 1];
            pb[k] = (uint32_t)rowmap[*vb - 1];
            ps[k] = !strcmp(shang_tsv_get(pt, q, cs[g]), "1");
            ptr[k] = !strcmp(shang_tsv_get(pt, q, csp), "train");
            (ps[k] ? nsame : ndiff)[ptr[k]]++;
            k++;
        }
        /* per split, as many pairs of each label as the rarer label has: the
         * rarer all, the other by selection sampling (in file order) */
        for (int sp = 0; !rc && sp < 2; sp++) {
            size_t want = nsame[sp] < ndiff[sp] ? nsame[sp] : ndiff[sp];
            size_t seen[2] = {0}, took[2] = {0}, have[2] = {ndiff[sp], nsame[sp]};
            for (size_t q = 0; q < k; q++) {
                if (ptr[q] != sp) continue;
                int lab = ps[q] != 0;
                if ((double)(have[lab] - seen[lab]) * gsl_rng_uniform(r) < (double)(want - took[lab])) {
                    keep[q] = 1;
                    took[lab]++;
                }
                seen[lab]++;
            }
        }
        size_t m = 0;
        for (size_t q = 0; !rc && q < k; q++)
            if (keep[q]) {
                pa[m] = pa[q];
                pb[m] = pb[q];
                ps[m] = ps[q];
                ptr[m++] = ptr[q];
            }
        cx.a[g] = pa;
        cx.b[g] = pb;
        cx.same[g] = ps;
        cx.train[g] = ptr;
        cx.np[g] = m;
        cx.cos[g] = malloc((m ? m : 1) * sizeof *cx.cos[g]);
        if (!rc && !cx.cos[g]) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        free(keep);
    }
    shang_rng_free(r);
    shang_strmap_free(idm);
    /* per-row lemma and senses (rows without an item get their own lemma) */
    int32_t *rl = NULL, *rs[2] = {NULL, NULL};
    if (!rc) {
        rl = malloc((n ? n : 1) * sizeof *rl);
        rs[0] = malloc((n ? n : 1) * sizeof *rs[0]);
        rs[1] = malloc((n ? n : 1) * sizeof *rs[1]);
        if (!rl || !rs[0] || !rs[1]) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        for (size_t i = 0; !rc && i < n; i++) rl[i] = -1 - (int32_t)i, rs[0][i] = rs[1][i] = -1 - (int32_t)i;
        for (size_t i = 0; !rc && i < I; i++)
            if (rowmap[i] >= 0) {
                rl[rowmap[i]] = lemma[i];
                rs[0][rowmap[i]] = sense[0][i];
                rs[1][rowmap[i]] = sense[1][i];
            }
    }
    int col[N_S][3];
    if (!rc) rc = shang_table_new("layers", "polysemy per layer: WiC-style and nearest-centroid accuracies", &t);
    if (!rc && shang_table_column(t, "layer", SHANG_DT_I64, "layer") < 0) rc = shang_err_code();
    for (int q = 0; !rc && q < N_S; q++) {
        rc = cmd_table_estimate(t, s_name[q], s_desc[q], boot, "lemmas", col[q]);
    }
    shang_table *tlm = NULL; /* per lemma */
    size_t NL = 0;
    for (size_t i = 0; !rc && i < I; i++)
        if ((size_t)lemma[i] + 1 > NL) NL = (size_t)lemma[i] + 1;
    if (!rc) {
        rc = shang_table_new("lemmas", "per layer and lemma (with two senses or more): the same measures", &tlm);
        static const char *const ln[] = {"layer", "lemma", "rows", "senses", "nc", "purity", "ami", "silhouette"};
        static const int lty[] = {SHANG_DT_I64, SHANG_DT_STR, SHANG_DT_I64, SHANG_DT_I64, SHANG_DT_F64, SHANG_DT_F64,
                                  SHANG_DT_F64, SHANG_DT_F64};
        static const char *const ld[] = {"layer", "lemma/pos", "sentences", "distinct senses",
                                         "leave-one-out nearest-centroid accuracy (NaN: not scored)",
                                         "k-means purity within the lemma", "AMI of k-means and senses",
                                         "mean silhouette of its sentences"};
        for (int q = 0; !rc && q < 8; q++)
            if (shang_table_column(tlm, ln[q], lty[q], ld[q]) < 0) rc = shang_err_code();
    }
    shang_table *ts = NULL; /* --scatter */
    if (!rc && scatter) {
        rc = shang_table_new("scatter", "listed lemmas' rows on their first two principal components, per layer", &ts);
        static const char *const sn[] = {"layer", "lemma", "item", "sense_key", "lexfile", "lexfile_index", "x", "y"};
        static const int sty[] = {SHANG_DT_I64, SHANG_DT_STR, SHANG_DT_STR, SHANG_DT_STR, SHANG_DT_STR, SHANG_DT_I64,
                                  SHANG_DT_F64, SHANG_DT_F64};
        static const char *const sdesc[] = {"layer", "lemma/pos", "the sentence's id", "WordNet sense key",
                                            "lexicographer file", "the file's number within the lemma (for colours)",
                                            "first principal coordinate", "second principal coordinate"};
        for (int q = 0; !rc && q < 8; q++)
            if (shang_table_column(ts, sn[q], sty[q], sdesc[q]) < 0) rc = shang_err_code();
    }
    int c_thr = rc ? -1 : shang_table_column(t, "wic_threshold", SHANG_DT_F64, "the cosine threshold fit on train pairs");
    int c_np = rc ? -1 : shang_table_column(t, "pairs", SHANG_DT_I64, "balanced WiC pairs (train + test)");
    int c_sc = rc ? -1 : shang_table_column(t, "items_scored", SHANG_DT_I64, "rows scored by the nearest centroid");
    if (!rc && (c_thr < 0 || c_np < 0 || c_sc < 0)) rc = shang_err_code();
    if (!rc && shang_log_level() > SHANG_LOG_QUIET)
        fprintf(stderr, "%5s %7s %7s %7s %7s %7s %7s %7s\n", "layer", "WiC", "WiC-lex", "NC", "MFS", "purity", "AMI",
                "silh.");
    for (int l = 0; !rc && l < n_layers; l++) {
        float *X = NULL;
        size_t nr;
        rc = shang_states_gather(s, site, layers[l], NULL, &X, &nr);
        if (!rc && standardize) shang_standardize_columns(X, nr, s->C);
        cx.X = X;
        cx.C = s->C;
        cx.n = nr;
        cx.lemma = rl;
        cx.sense[0] = rs[0];
        cx.sense[1] = rs[1];
        double est[N_S], sd[N_S], thr = NAN;
        size_t scored = 0;
        for (int g = 0; !rc && g < 2; g++) /* the cosines, once per layer */
            shang_pair_cosines(X, s->C, cx.a[g], cx.b[g], cx.np[g], cx.cos[g]);
        double *rv[4];
        for (int v = 0; v < 4; v++) rv[v] = malloc((nr ? nr : 1) * sizeof(double));
        if (!rc && (!rv[0] || !rv[1] || !rv[2] || !rv[3])) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        if (!rc) rc = shang_lemma_structure(X, s->C, rl, rs[0], nr, seed, rv[0], rv[1], rv[2], rv[3]);
        for (int v = 0; v < 4; v++) cx.row_val[v] = rv[v];
        signed char *right = malloc(nr ? nr : 1);
        if (!rc && !right) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        cx.thr_out = &thr;
        cx.right_out = right;
        cx.scored_out = &scored;
        if (!rc) rc = stats(NULL, &cx, est);
        cx.thr_out = NULL;
        cx.right_out = NULL;
        cx.scored_out = NULL;
        /* the per-lemma rows: sums over each lemma's sentences */
        double *acc_l = calloc(NL * 5 + 1, sizeof *acc_l); /* rows, scored, right, silhouette sum, silhouette n */
        if (!rc && !acc_l) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        for (size_t i = 0; !rc && i < I; i++) {
            if (rowmap[i] < 0) continue;
            size_t row = (size_t)rowmap[i], L0 = (size_t)lemma[i] * 5;
            acc_l[L0]++;
            if (right[row] >= 0) {
                acc_l[L0 + 1]++;
                acc_l[L0 + 2] += right[row];
            }
            if (!isnan(rv[3][row])) {
                acc_l[L0 + 3] += rv[3][row];
                acc_l[L0 + 4]++;
            }
        }
        for (size_t lid = 0; !rc && lid < NL; lid++) { /* one row per lemma with two senses or more */
            size_t first = I, ns = 0;
            for (size_t i = 0; i < I; i++)
                if (lemma[i] == (int32_t)lid && rowmap[i] >= 0) {
                    int seen = 0;
                    for (size_t u = first; u < i && first < I; u++)
                        seen |= lemma[u] == (int32_t)lid && rowmap[u] >= 0 && sense[0][u] == sense[0][i];
                    ns += !seen;
                    if (first == I) first = i;
                }
            if (first == I || ns < 2) continue;
            const double *a = acc_l + lid * 5;
            char lp[128];
            snprintf(lp, sizeof lp, "%s/%s", lem[first], pos[first]);
            if ((rc = shang_table_push(tlm))) break;
            shang_table_i64(tlm, 0, layers[l]);
            rc = shang_table_str(tlm, 1, lp);
            shang_table_i64(tlm, 2, (int64_t)a[0]);
            shang_table_i64(tlm, 3, (int64_t)ns);
            shang_table_f64(tlm, 4, a[1] > 0 ? a[2] / a[1] : NAN);
            shang_table_f64(tlm, 5, rv[0][rowmap[first]]);
            shang_table_f64(tlm, 6, rv[2][rowmap[first]]);
            shang_table_f64(tlm, 7, a[4] > 0 ? a[3] / a[4] : NAN);
        }
        free(acc_l);
        free(right);
        if (!rc && boot) {
            shang_bootstrap_opts bo = {.replicates = boot, .level = level, .seed = seed, .stream = (uint64_t)layers[l]};
            rc = shang_bootstrap_groups(rl, nr, N_S, stats, &cx, &bo, sd, NULL, NULL);
        }
        if (!rc && !(rc = shang_table_push(t))) {
            shang_table_i64(t, 0, layers[l]);
            for (int q = 0; q < N_S; q++) {
                cmd_table_put_estimate(t, col[q], est[q], boot ? sd[q] : NAN, level);
            }
            shang_table_f64(t, c_thr, thr);
            shang_table_i64(t, c_np, (int64_t)cx.np[0]);
            shang_table_i64(t, c_sc, (int64_t)scored);
            if (shang_log_level() > SHANG_LOG_QUIET)
                fprintf(stderr, "%5d %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f\n", layers[l], est[S_WIC], est[S_WIC_C],
                        est[S_NC], est[S_MFS], est[S_PUR], est[S_AMI], est[S_SIL]);
        }
        for (const char *q = scatter; !rc && q && *q;) { /* each listed lemma */
            size_t len = strcspn(q, ",");
            size_t m = 0;
            for (size_t i = 0; i < I; i++) m += rowmap[i] >= 0 && strlen(lem[i]) == len && !strncmp(lem[i], q, len);
            if (m >= 3) {
                shang_pca_acc *pacc = NULL;
                shang_pca *pc = NULL;
                float *rows = malloc(m * s->C * sizeof *rows), *xy = malloc(m * 2 * sizeof *xy);
                size_t *which = malloc(m * sizeof *which);
                if (!rows || !xy || !which) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
                for (size_t i = 0, j = 0; !rc && i < I; i++)
                    if (rowmap[i] >= 0 && strlen(lem[i]) == len && !strncmp(lem[i], q, len)) {
                        memcpy(rows + j * s->C, X + (size_t)rowmap[i] * s->C, s->C * sizeof *rows);
                        which[j++] = i;
                    }
                if (!rc) rc = shang_pca_acc_new(s->C, &pacc);
                if (!rc) rc = shang_pca_acc_add(pacc, rows, m, s->C);
                if (!rc) rc = shang_pca_fit(pacc, 2, 0, &pc);
                if (!rc) rc = shang_pca_project(pc, rows, m, s->C, xy);
                for (size_t j = 0; !rc && j < m; j++) {
                    size_t i = which[j];
                    int64_t lx = 0; /* the lexicographer file's rank among the lemma's files */
                    for (size_t u = 0; u < m; u++) {
                        int seen = 0;
                        for (size_t v = 0; v < u; v++) seen |= !strcmp(lex[which[v]], lex[which[u]]);
                        if (!seen && strcmp(lex[which[u]], lex[i]) < 0) lx++;
                    }
                    char lp[128];
                    snprintf(lp, sizeof lp, "%s/%s", lem[i], pos[i]);
                    if ((rc = shang_table_push(ts))) break;
                    shang_table_i64(ts, 0, layers[l]);
                    if (!(rc = shang_table_str(ts, 1, lp)) && !(rc = shang_table_str(ts, 2, ids[i])) &&
                        !(rc = shang_table_str(ts, 3, key[i])))
                        rc = shang_table_str(ts, 4, lex[i]);
                    shang_table_i64(ts, 5, lx);
                    shang_table_f64(ts, 6, xy[2 * j]);
                    shang_table_f64(ts, 7, xy[2 * j + 1]);
                }
                shang_pca_free(pc);
                shang_pca_acc_free(pacc);
                free(rows);
                free(xy);
                free(which);
            }
            q += len + (q[len] == ',');
        }
        if (rc) shang_err_prefix("layer %d", layers[l]);
        free(X);
        for (int v = 0; v < 4; v++) {
            free(rv[v]);
            cx.row_val[v] = NULL;
        }
    }
    if (!rc) rc = shang_table_write(t, f->id);
    if (!rc && ts) rc = shang_table_write(ts, f->id);
    if (!rc) rc = shang_table_write(tlm, f->id);
    shang_table_free(tlm);
    shang_table_free(ts);
    if (!rc) rc = shang_h5_attr_str(f->id, "site", site_name);
    if (!rc) rc = shang_h5_attr_i64(f->id, "standardized", standardize);
    if (!rc) rc = shang_h5_attr_i64(f->id, "same_form", same_form);
    if (!rc) rc = note_first_position(s, f->id);
    if (!rc) rc = cmd_prov_new("senses", argc, argv, &p);
    if (!rc) rc = shang_prov_input(p, "states", spath);
    if (!rc) rc = shang_prov_input(p, "pairs", ppath);
    if (!rc) {
        shang_prov_seed(p, seed);
        shang_prov_threads(p, threads);
        if ((rc = shang_prov_str(p, "site", site_name)) || (rc = shang_prov_str(p, "layers", layers_arg)) ||
            (rc = shang_prov_i64(p, "standardize", standardize)) || (rc = shang_prov_i64(p, "bootstrap", boot)) ||
            (rc = shang_prov_i64(p, "same_form", same_form)) ||
            (rc = shang_prov_str(p, "scatter", scatter ? scatter : "")) ||
            (rc = shang_prov_f64(p, "level", level))) {
            /* rc holds the failure */
        }
    }
    if (!rc) rc = shang_prov_commit(p, &f);
    int status = rc ? cmd_fail("senses", rc) : SHANG_EXIT_OK;
    shang_h5_abort(f);
    shang_prov_free(p);
    shang_table_free(t);
    shang_tsv_free(pt);
    shang_states_close(s);
    shang_h5_free_strs(ids, ids ? I : 0);
    shang_h5_free_strs(lem, lem ? I : 0);
    shang_h5_free_strs(pos, pos ? I : 0);
    shang_h5_free_strs(key, key ? I : 0);
    shang_h5_free_strs(lex, lex ? I : 0);
    for (int g = 0; g < 2; g++) {
        free(cx.a[g]); free(cx.b[g]); free(cx.same[g]); free(cx.train[g]); free(cx.cos[g]); free(sense[g]); free(rs[g]);
    }
    free(tok); free(trow); free(lemma); free(rowmap); free(rl); free(layers);
    cmd_opts_free(&co);
    return status;
}
