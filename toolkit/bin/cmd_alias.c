/* shang alias — the aliasing decomposition per layer, from the states (tokens,
 * next tokens, documents) and their clusters: the per-layer table, per-token
 * "effective number of meanings" and per-cluster "effective number of tokens"
 * with the cluster's top tokens. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shang alias -s STATES.h5 -c CLUSTERS.h5 [options] -o ALIAS.h5\n\n"
            "How the token projection aliases the states, per clustered layer (X: token,\n"
            "Y: next token, K: cluster): H(X), H(K), one-to-many H(K|X), many-to-one\n"
            "H(X|K), VI, homogeneity, completeness, V-measure, NMI, AMI, ARI, I(X;K),\n"
            "I(Y;K); H(Y|X), H(Y|K), H(Y|X,K) by plug-in, Miller-Madow, Chao-Shen and\n"
            "Grassberger, and as held-out cross-entropies (add-alpha, backing off to\n"
            "the unigram; fit on the documents not held out); the plug-in biases (and a\n"
            "warning when they exceed the effect); a random partition with the same\n"
            "cluster sizes and a next-token shuffle as baselines; intervals from the\n"
            "bootstrap standard error, resampling documents. Tables (shang export):\n"
            "layers, tokens (exp H(K|X=t), the effective number of meanings of each\n"
            "frequent token) and clusters (exp H(X|K=c) and the cluster's top tokens).\n\n"
            "Options:\n"
            "  -s, --states FILE     the shang.states file the clusters were made from\n"
            "  -c, --clusters FILE   a shang.clusters file (shang cluster)\n"
            "  -o, --output FILE     the shang.alias file to write\n"
            "      --layers LIST     a subset of the clustered layers [default: all]\n"
            "      --alpha A         add-alpha of the held-out cross-entropies [default 0.1]\n"
            "      --heldout F       share of documents held out [default 0.2]; clusters\n"
            "                        fitted with --heldout bring their own split\n"
            "      --parallel P,Q    input files whose names start with P or Q are\n"
            "                        renderings of one text (kjv.,web.): their i-th\n"
            "                        documents are held out, folded and resampled together\n"
            "      --bootstrap B     replicates for the intervals, 0 for none [default 100]\n"
            "      --level P         interval level [default 0.95]\n"
            "      --no-ami          skip AMI (its expected MI costs O(|X| |K|) per layer)\n"
            "      --min-count N     tokens in the tokens table: seen N times or more [default 20]\n"
            "      --top N           top tokens listed per cluster [default 8]\n"
            "      --bits            information in bits [default nats]\n"
            "      --seed N          held-out documents, baselines, bootstrap [default 42]\n"
            "      --threads N       threads [default: all cores]\n"
            "  -q, --quiet | -v, --verbose | -h, --help\n\n"
            "Example:\n"
            "  shang alias -s states.h5 -c clusters.h5 -o alias.h5 && shang export alias.h5 layers\n");
    cmd_print_exit_status(out);
}

int cmd_alias(int argc, char **argv)
{
    enum { O_ALPHA = 256, O_NOAMI, O_MINC, O_TOP, O_BITS };
    static const struct option opts[] = {
        {"states", required_argument, 0, 's'},     {"clusters", required_argument, 0, 'c'},
        {"output", required_argument, 0, 'o'},     {"alpha", required_argument, 0, O_ALPHA},
        {"no-ami", no_argument, 0, O_NOAMI},
        {"min-count", required_argument, 0, O_MINC}, {"top", required_argument, 0, O_TOP},
        {"bits", no_argument, 0, O_BITS},          {0, 0, 0, 0}};
    const char *spath = NULL, *cpath = NULL, *output = NULL;
    int min_count = 20, top = 8, bits = 0, c;
    shang_alias_opts ao = {.alpha = 0.1, .heldout_frac = 0.2, .with_ami = 1};
    cmd_opts co;
    cmd_opts_init(&co, "alias", CMD_THREADS | CMD_SEED | CMD_LAYERS | CMD_BOOTSTRAP | CMD_LEVEL | CMD_HELDOUT, usage);
    co.heldout = 0.2;
    while ((c = cmd_getopt(&co, argc, argv, "s:c:o:", opts)) > 0) switch (c) {
        case 's': spath = optarg; break;
        case 'c': cpath = optarg; break;
        case 'o': output = optarg; break;
        case O_ALPHA: co.bad = shang_parse_f64(optarg, 1e-12, 1e12, &ao.alpha); break;
        case O_NOAMI: ao.with_ami = 0; break;
        case O_MINC: co.bad = shang_parse_int(optarg, 1, INT32_MAX, &min_count); break;
        case O_TOP: co.bad = shang_parse_int(optarg, 1, 100, &top); break;
        case O_BITS: bits = 1; break;
        }
    const char *missing = !spath ? "no states (-s)" : !cpath ? "no clusters (-c)" : !output ? "no output (-o)" : NULL;
    if (c < 0 || cmd_opts_done(&co, argc, missing)) return cmd_opts_exit(&co);
    ao.bootstrap = co.bootstrap;
    ao.heldout_frac = co.heldout;
    ao.level = co.level;
    ao.seed = co.seed;
    const int *want = co.layers, n_want = co.n_layers;
    const double unit = bits ? log(2.0) : 1.0;
    shang_states *s = NULL;
    shang_tokenizer *tok = NULL;
    shang_h5_file *f = NULL;
    shang_prov *p = NULL;
    shang_table *tl = NULL, *tt = NULL, *tc = NULL, *ts = NULL;
    hid_t cf = -1;
    int32_t *tokens = NULL, *next = NULL, *doc = NULL, *layers = NULL, *labels = NULL;
    int32_t *x = NULL, *y = NULL, *d = NULL, *pos = NULL, *prev = NULL, *xclass = NULL;
    int64_t *rows = NULL, K = 0;
    int rank, rc = shang_h5_create(output, "shang.alias", 1, &f);
    size_t dl[1], dr[1], dlab[2];
    if (!rc) rc = shang_states_open(spath, &s);
    if (!rc && shang_bpe_load_file(spath, &tok)) { /* token strings are a convenience */
        shang_err_clear();
        tok = NULL;
    }
    if (!rc) rc = shang_h5_open(cpath, "shang.clusters", 1, &cf, NULL);
    if (!rc) rc = shang_prov_same_input(cf, cpath, "states", spath);
    if (!rc) rc = shang_h5_read(cf, "layers", SHANG_DT_I32, 1, &rank, dl, (void **)&layers);
    if (!rc) rc = shang_h5_read(cf, "rows", SHANG_DT_I64, 1, &rank, dr, (void **)&rows);
    if (!rc) rc = shang_h5_attr_get_i64(cf, "k", &K);
    unsigned char *heldout = NULL; /* the split the clusters were fitted by, if they were */
    if (!rc && shang_h5_exists(cf, "heldout")) {
        size_t dh[1];
        if (!(rc = shang_h5_read(cf, "heldout", SHANG_DT_U8, 1, &rank, dh, (void **)&heldout)) && dh[0] != dr[0])
            rc = SHANG_FAIL(SHANG_EFORMAT, "%s: heldout has %zu rows, rows %zu", cpath, dh[0], dr[0]);
        ao.heldout = heldout;
        char *par = NULL;
        if (!rc && H5Aexists(cf, "heldout_parallel") > 0 && !(rc = shang_h5_attr_get_str(cf, "heldout_parallel", &par)) &&
            strcmp(par, co.parallel_arg))
            rc = SHANG_FAIL(SHANG_EINVAL, "%s was split with --parallel '%s', this run has '%s'", cpath, par, co.parallel_arg);
        free(par);
    }
    int32_t *sgroup = NULL, *g = NULL; /* document groups: of the states' rows, of the clustered rows */
    if (!rc && co.n_parallel) rc = cmd_groups(s, &co, &sgroup);
    if (!rc) rc = shang_states_column(s, "tokens", &tokens);
    if (!rc) rc = shang_states_column(s, "next_tokens", &next);
    if (!rc) rc = shang_states_column(s, "doc", &doc);
    if (!rc) rc = shang_states_column(s, "pos", &pos);
    const size_t N = rc ? 0 : dr[0], L = rc ? 0 : dl[0];
    if (!rc) {
        x = shang_alloc(N, sizeof *x, "x");
        y = shang_alloc(N, sizeof *y, "y");
        d = shang_alloc(N, sizeof *d, "d");
        labels = shang_alloc(N, sizeof *labels, "labels");
        if (sgroup && !(g = shang_alloc(N, sizeof *g, "groups"))) rc = shang_err_code();
        if (!(prev = shang_alloc(N, sizeof *prev, "previous tokens"))) rc = shang_err_code();
        ao.prev = prev;
        ao.group = g;
        if (!x || !y || !d || !labels) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    }
    int32_t vmax = -1;
    for (size_t i = 0; !rc && i < N; i++) {
        if (rows[i] < 0 || (size_t)rows[i] >= s->N) {
            rc = SHANG_FAIL(SHANG_EINVAL, "%s row %lld is not a row of %s (%zu rows): made from other states?", cpath,
                            (long long)rows[i], spath, s->N);
            break;
        }
        x[i] = tokens[rows[i]];
        y[i] = next[rows[i]];
        if (x[i] < 0 || y[i] < -1 || (tok && ((size_t)x[i] >= shang_bpe_vocab_size(tok) ||
                                              (y[i] >= 0 && (size_t)y[i] >= shang_bpe_vocab_size(tok))))) {
            rc = SHANG_FAIL(SHANG_EFORMAT, "%s row %lld: token %d / next token %d outside its tokenizer's vocabulary "
                            "[0, %zu)", spath, (long long)rows[i], x[i], y[i], tok ? shang_bpe_vocab_size(tok) : 0);
            break;
        }
        d[i] = doc[rows[i]];
        int64_t r = rows[i]; /* the token before, if the states hold it */
        prev[i] = r > 0 && doc[r - 1] == doc[r] && pos[r - 1] == pos[r] - 1 ? tokens[r - 1] : -1;
        if (g) g[i] = sgroup[rows[i]];
        vmax = x[i] > vmax ? x[i] : vmax;
        vmax = y[i] > vmax ? y[i] : vmax;
    }
    ao.V = tok ? shang_bpe_vocab_size(tok) : (size_t)vmax + 1;
    if (!rc && (size_t)vmax >= ao.V) ao.V = (size_t)vmax + 1;
    for (int w = 0; !rc && w < n_want; w++) {
        size_t l = 0;
        while (l < L && layers[l] != want[w]) l++;
        if (l == L) rc = SHANG_FAIL(SHANG_EINVAL, "%s has no layer %d", cpath, want[w]);
    }
    /* the tokens' exchange classes: one split, so the same for every layer */
    if (!rc && !(xclass = shang_alloc(N, sizeof *xclass, "token classes"))) rc = shang_err_code();
    if (!rc && K >= 2 && !(rc = shang_alias_token_classes(x, y, g ? g : d, N, &ao, (size_t)K, xclass))) ao.xclass = xclass;
    if (!rc) rc = shang_alias_tables_new(ao.bootstrap, &tl, &tt, &tc);
    if (!rc) rc = shang_alias_smoothing_new(&ts);
    ao.smoothing = ts;
    if (!rc && !(want ? n_want : (int)L)) rc = SHANG_FAIL(SHANG_EINVAL, "no layers");
    shang_progress *pr = rc ? NULL : shang_progress_new("alias", "layers", want ? (size_t)n_want : L);
    size_t done = 0;
    if (!rc && shang_log_level() > SHANG_LOG_QUIET)
        fprintf(stderr, "%5s %9s %9s %8s %8s %9s %9s %9s %9s  (%s)\n", "layer", "H(K|X)", "H(X|K)", "I(X;K)", "I(Y;K)",
                "H(Y|X)", "H(Y|K)", "CE(Y|X)", "CE(Y|K)", bits ? "bits" : "nats");
    for (size_t l = 0; !rc && l < L; l++) {
        int use = !want;
        for (int w = 0; w < n_want; w++) use |= want[w] == layers[l];
        if (!use) continue;
        size_t start[2] = {l, 0}, count[2] = {1, N};
        hid_t ds = H5Dopen2(cf, "labels", H5P_DEFAULT);
        if (ds < 0) rc = SHANG_FAIL(SHANG_EFORMAT, "%s has no labels", cpath);
        if (!rc) rc = shang_h5_dset_shape(ds, 2, &rank, dlab);
        if (!rc && (dlab[0] != L || dlab[1] != N)) rc = SHANG_FAIL(SHANG_EFORMAT, "%s: labels are not (layers, rows)", cpath);
        if (!rc) rc = shang_h5_dset_read_slab(ds, SHANG_DT_I32, start, count, labels);
        for (size_t i = 0; !rc && i < N; i++)
            if (labels[i] < 0 || labels[i] >= K)
                rc = SHANG_FAIL(SHANG_EFORMAT, "%s: layer %d row %zu has cluster %d, outside [0, k = %lld)", cpath,
                                layers[l], i, labels[i], (long long)K);
        if (ds >= 0) H5Dclose(ds);
        double st[SHANG_A_N_STATS], lo[SHANG_A_N_STATS], hi[SHANG_A_N_STATS];
        ao.stream = (uint64_t)layers[l];
        if (!rc) rc = shang_alias_layer(x, y, labels, d, N, &ao, st, lo, hi);
        if (!rc) rc = shang_alias_layer_row(tl, layers[l], K, st, lo, hi, unit);
        if (!rc)
            shang_log(SHANG_LOG_INFO, "%5d %9.4f %9.4f %8.4f %8.4f %9.4f %9.4f %9.4f %9.4f%s\n", layers[l],
                      st[SHANG_A_H_K_X] / unit, st[SHANG_A_H_X_K] / unit, st[SHANG_A_MI_XK] / unit,
                      st[SHANG_A_MI_YK] / unit, st[SHANG_A_H_Y_X_PLUGIN] / unit, st[SHANG_A_H_Y_K_PLUGIN] / unit,
                      st[SHANG_A_CE_Y_X] / unit, st[SHANG_A_CE_Y_K] / unit,
                      st[SHANG_A_BIAS_WARNING] > 0 ? "  ! plug-in bias exceeds H(Y|X) - H(Y|K)" : "");
        if (!rc) rc = shang_alias_label_rows(x, labels, N, layers[l], min_count, top, unit, tok, tt, tc);
        if (rc) shang_err_prefix("layer %d", layers[l]);
        shang_progress_update(pr, ++done, NULL);
    }
    shang_progress_finish(pr, done, NULL);
    if (!rc) rc = shang_table_write(tl, f->id);
    if (!rc) rc = shang_table_write(tt, f->id);
    if (!rc) rc = shang_table_write(tc, f->id);
    if (!rc) rc = shang_table_write(ts, f->id);
    if (!rc && !(rc = shang_h5_attr_i64(f->id, "k", K)) && !(rc = shang_h5_attr_str(f->id, "units", bits ? "bits" : "nats")))
        rc = shang_h5_attr_i64(f->id, "vocab_size", (int64_t)ao.V);
    if (!rc) rc = cmd_prov_new("alias", argc, argv, &p);
    if (!rc) rc = shang_prov_input(p, "states", spath);
    if (!rc) rc = shang_prov_input(p, "clusters", cpath);
    if (!rc && !(rc = cmd_opts_prov(&co, p))) {
        if ((rc = shang_prov_f64(p, "alpha", ao.alpha)) ||
            (rc = shang_prov_i64(p, "ami", ao.with_ami)) ||
            (rc = shang_prov_str(p, "heldout_rows", heldout ? "the clusters' (fitted on the other rows)" : "drawn here")) ||
            (rc = shang_prov_i64(p, "min_count", min_count)) || (rc = shang_prov_i64(p, "top", top)) ||
            (rc = shang_prov_str(p, "units", bits ? "bits" : "nats"))) {
            /* rc holds the failure */
        }
    }
    if (!rc) rc = shang_prov_commit(p, &f);
    int status = rc ? cmd_fail("alias", rc) : SHANG_EXIT_OK;
    shang_h5_abort(f);
    shang_prov_free(p);
    if (cf >= 0) H5Fclose(cf);
    shang_states_close(s);
    shang_bpe_free(tok);
    shang_table_free(tl);
    shang_table_free(tt);
    shang_table_free(tc);
    shang_table_free(ts);
    free(tokens); free(next); free(doc); free(layers); free(labels); free(rows); free(x); free(y); free(d); free(heldout);
    free(sgroup); free(g); free(pos); free(prev); free(xclass);
    cmd_opts_free(&co);
    return status;
}
