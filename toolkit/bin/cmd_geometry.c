/* shang geometry — E6: anisotropy, self-similarity, intra-document similarity,
 * norms and rogue dimensions per layer, raw and standardised (shang_geometry.h). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shang geometry -i STATES.h5 [options] -o GEOMETRY.h5\n\n"
            "The geometry of the states of each layer (Ethayarajh 2019; Timkey & van\n"
            "Schijndel 2021): anisotropy (mean cosine of random pairs of different\n"
            "tokens), self-similarity of a token's occurrences and intra-document\n"
            "similarity, both also adjusted by the anisotropy, the norms, and the share of\n"
            "the energy and of the mean cosine carried by the largest 1 and 3 dimensions;\n"
            "each raw and after per-dimension standardisation. Table 'geometry' (shang\n"
            "export).\n\n"
            "Options:\n"
            "  -i, --input FILE      a shang.states file\n"
            "  -o, --output FILE     the shang.geometry file to write\n"
            "      --site NAME       resid, ln_f, attn_out or mlp_out [default resid]\n"
            "      --layers LIST     e.g. 0,3,6 or 0-6 [default: all stored]\n"
            "      --exclude-first   leave out the first position of every document/item\n"
            "      --max-rows N      a random subset of N rows per layer [default 100000]\n"
            "      --pairs N         random pairs for the anisotropy [default 20000]\n"
            "      --max-occ N       occurrences per token for self-similarity [default 20]\n"
            "      --seed N          [default 42]\n"
            "      --threads N       threads [default: all cores]\n"
            "  -q, --quiet | -v, --verbose | -h, --help\n\n"
            "Example:\n"
            "  shang geometry -i states.h5 --exclude-first -o geometry.h5\n");
    cmd_print_exit_status(out);
}

int cmd_geometry(int argc, char **argv)
{
    enum { O_EXCL = 256, O_MAXR, O_PAIRS, O_MAXOCC };
    static const struct option opts[] = {
        {"input", required_argument, 0, 'i'},      {"output", required_argument, 0, 'o'},
        {"exclude-first", no_argument, 0, O_EXCL}, {"max-rows", required_argument, 0, O_MAXR},
        {"pairs", required_argument, 0, O_PAIRS},  {"max-occ", required_argument, 0, O_MAXOCC},
        {0, 0, 0, 0}};
    const char *input = NULL, *output = NULL;
    int exclude_first = 0, max_rows = 100000, c, pairs = 20000, max_occ = 20;
    cmd_opts co;
    cmd_opts_init(&co, "geometry", CMD_THREADS | CMD_SEED | CMD_SITE | CMD_LAYERS, usage);
    while ((c = cmd_getopt(&co, argc, argv, "i:o:", opts)) > 0) switch (c) {
        case 'i': input = optarg; break;
        case 'o': output = optarg; break;
        case O_EXCL: exclude_first = 1; break;
        case O_MAXR: co.bad = shang_parse_int(optarg, 2, INT32_MAX, &max_rows); break;
        case O_PAIRS: co.bad = shang_parse_int(optarg, 1, INT32_MAX, &pairs); break;
        case O_MAXOCC: co.bad = shang_parse_int(optarg, 2, 100000, &max_occ); break;
        }
    if (c < 0 || cmd_opts_done(&co, argc, !input ? "no input (-i)" : !output ? "no output (-o)" : NULL))
        return cmd_opts_exit(&co);
    const int site = co.site;
    const uint64_t seed = co.seed;
    int *layers = NULL, n_layers = 0;
    shang_states *s = NULL;
    shang_h5_file *f = NULL;
    shang_prov *p = NULL;
    shang_table *t = NULL;
    unsigned char *keep = NULL;
    int32_t *tok = NULL, *doc = NULL, *ktok = NULL, *kdoc = NULL;
    int rc = shang_h5_create(output, "shang.geometry", 1, &f);
    if (!rc) rc = shang_states_open(input, &s);
    if (!rc) rc = shang_states_layers(s, site, co.layers, co.n_layers, &layers, &n_layers);
    if (!rc) rc = shang_states_keep(s, exclude_first, &keep);
    if (!rc) rc = shang_states_column(s, "tokens", &tok);
    if (!rc) rc = shang_states_column(s, "doc", &doc);
    /* a random subset of the kept rows, the same for every layer */
    size_t M = 0;
    for (size_t i = 0; !rc && i < s->N; i++) M += !keep || keep[i];
    if (!rc && M > (size_t)max_rows) {
        size_t *all = shang_alloc(M, sizeof *all, "all"), *pick = shang_alloc((size_t)max_rows, sizeof *pick, "pick");
        gsl_rng *r = NULL;
        if (!all || !pick) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        if (!rc) rc = shang_rng_new(seed, SHANG_STREAM_SUBSAMPLE, UINT64_C(3) << 40, &r);
        if (!rc && !keep && !(keep = shang_alloc(s->N, 1, "keep"))) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        if (!rc) {
            if (keep && M == s->N) memset(keep, 1, s->N);
            for (size_t i = 0, j = 0; i < s->N; i++)
                if (keep[i]) all[j++] = i;
            gsl_ran_choose(r, pick, (size_t)max_rows, all, M, sizeof *all);
            memset(keep, 0, s->N);
            for (int q = 0; q < max_rows; q++) keep[pick[q]] = 1;
            M = (size_t)max_rows;
        }
        shang_rng_free(r);
        free(all);
        free(pick);
    }
    if (!rc) {
        ktok = shang_alloc(M, sizeof *ktok, "ktok");
        kdoc = shang_alloc(M, sizeof *kdoc, "kdoc");
        if (!ktok || !kdoc) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        for (size_t i = 0, j = 0; !rc && i < s->N; i++)
            if (!keep || keep[i]) {
                ktok[j] = tok[i];
                kdoc[j++] = doc[i];
            }
    }
    static const char *const names[] = {"layer", "standardized", "n", "anisotropy", "self_similarity",
                                        "self_similarity_adj", "intra_doc", "intra_doc_adj", "norm_mean", "norm_sd",
                                        "norm_max", "top_dim", "top1_energy", "top3_energy", "top1_cosine",
                                        "top3_cosine", "pairs", "self_tokens", "docs"};
    static const char *const desc[] = {
        "layer", "1 if the dimensions were standardised first", "rows",
        "mean cosine of random pairs of rows with different tokens",
        "mean cosine between occurrences of one token, averaged over tokens", "self-similarity - anisotropy",
        "mean cosine of a row with its document's mean", "intra-document similarity - anisotropy", "mean |h|",
        "standard deviation of |h|", "largest |h|", "the dimension with the largest mean square",
        "share of sum |h|^2 in the top dimension", "share in the top 3 dimensions",
        "share of the random pairs' cosine from the top dimension", "from the top 3 dimensions",
        "random pairs used", "tokens with 2 or more occurrences", "documents"};
    if (!rc) rc = shang_table_new("geometry", "geometry of the states per layer, raw and standardised", &t);
    for (size_t q = 0; !rc && q < sizeof names / sizeof *names; q++) {
        int ty = q <= 2 || q == 11 || q >= 16 ? SHANG_DT_I64 : SHANG_DT_F64;
        if (shang_table_column(t, names[q], ty, desc[q]) < 0) rc = shang_err_code();
    }
    shang_progress *pr = rc ? NULL : shang_progress_new("geometry", "layers", (size_t)n_layers);
    for (int l = 0; !rc && l < n_layers; l++) {
        float *rows = NULL;
        size_t n;
        rc = shang_states_gather(s, site, layers[l], keep, &rows, &n);
        for (int z = 0; !rc && z < 2; z++) { /* raw, then standardised (in place) */
            shang_geometry g;
            shang_geometry_opts go = {.pairs = (size_t)pairs, .max_occ = (size_t)max_occ, .standardize = z,
                                      .seed = seed, .stream = (uint64_t)layers[l]};
            if ((rc = shang_geometry_layer(rows, ktok, kdoc, n, s->C, &go, &g)) || (rc = shang_table_push(t))) break;
            double v[] = {g.anisotropy, g.self_similarity, g.self_similarity_adj, g.intra_doc, g.intra_doc_adj,
                          g.norm_mean, g.norm_sd, g.norm_max};
            shang_table_i64(t, 0, layers[l]);
            shang_table_i64(t, 1, z);
            shang_table_i64(t, 2, (int64_t)n);
            for (int q = 0; q < 8; q++) shang_table_f64(t, 3 + q, v[q]);
            shang_table_i64(t, 11, g.top_dim);
            shang_table_f64(t, 12, g.top1_energy);
            shang_table_f64(t, 13, g.top3_energy);
            shang_table_f64(t, 14, g.top1_cosine);
            shang_table_f64(t, 15, g.top3_cosine);
            shang_table_i64(t, 16, (int64_t)g.pairs);
            shang_table_i64(t, 17, (int64_t)g.self_tokens);
            shang_table_i64(t, 18, (int64_t)g.docs);
        }
        if (rc) shang_err_prefix("layer %d", layers[l]);
        free(rows);
        shang_progress_update(pr, (size_t)l + 1, NULL);
    }
    shang_progress_finish(pr, (size_t)n_layers, NULL);
    if (!rc) rc = shang_table_write(t, f->id);
    if (!rc) rc = shang_h5_attr_str(f->id, "site", co.site_name);
    if (!rc) rc = shang_h5_attr_i64(f->id, "exclude_first", exclude_first);
    if (!rc) rc = cmd_prov_new("geometry", argc, argv, &p);
    if (!rc) rc = shang_prov_input(p, "states", input);
    if (!rc && !(rc = cmd_opts_prov(&co, p))) {
        if ((rc = shang_prov_i64(p, "exclude_first", exclude_first)) || (rc = shang_prov_i64(p, "max_rows", max_rows)) ||
            (rc = shang_prov_i64(p, "pairs", pairs)) || (rc = shang_prov_i64(p, "max_occ", max_occ))) {
            /* rc holds the failure */
        }
    }
    if (!rc) rc = shang_prov_commit(p, &f);
    int status = rc ? cmd_fail("geometry", rc) : SHANG_EXIT_OK;
    shang_h5_abort(f);
    shang_prov_free(p);
    shang_table_free(t);
    shang_states_close(s);
    free(keep); free(tok); free(doc); free(ktok); free(kdoc); free(layers);
    cmd_opts_free(&co);
    return status;
}
