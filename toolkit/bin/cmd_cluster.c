/* shang cluster — k-means of the hidden states, per layer, on raw or
 * PCA-projected states. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shang cluster -i STATES.h5 -k K [options] -o CLUSTERS.h5\n\n"
            "k-means of the states of each chosen layer: greedy k-means++ seeding, Lloyd\n"
            "iterations with distances by sgemm, restarts keeping the lowest inertia,\n"
            "labels numbered in order of first appearance. Deterministic for a seed, for\n"
            "any thread count. With --pca, the states are first centred, scaled and\n"
            "projected on that layer's top --dims components.\n\n"
            "Options:\n"
            "  -i, --input FILE      a shang.states file\n"
            "  -o, --output FILE     the shang.clusters file to write\n"
            "  -k, --clusters K      clusters per layer (2..rows)\n"
            "      --pca FILE        a shang.pca file of the same states (shang pca)\n"
            "      --dims N          components to keep with --pca [default: all in the file]\n"
            "      --site NAME       resid, ln_f, attn_out or mlp_out [default resid]\n"
            "      --layers LIST     e.g. 0,3,6 or 0-6 [default: all stored]\n"
            "      --exclude-first   leave out the first position of every document/item\n"
            "      --balanced F,S    cluster only S occurrences (drawn by --seed) of each\n"
            "                        of the F most frequent tokens (Voita et al. 2019)\n"
            "      --init FILE       start from the centres in FILE's dataset 'centers':\n"
            "                        (K, D) for every layer, or a shang.clusters file\n"
            "                        (each layer's own); D is --dims with --pca\n"
            "      --n-init N        restarts [default 1; 1 with --init]\n"
            "      --max-iter N      iterations per restart (minibatch: passes over the\n"
            "                        rows) [default 100]\n"
            "      --tol X           stop when centres move less than X x mean variance;\n"
            "                        0: exactly --max-iter updates (fewer only at a\n"
            "                        fixed point, where the centres no longer move)\n"
            "                        (not minibatch) [default 1e-4]\n"
            "      --algorithm A     yinyang: Lloyd's iterations with Yinyang's group\n"
            "                        bounds skipping most distances (same result);\n"
            "                        lloyd: every distance by GEMM; minibatch: Sculley's\n"
            "                        mini-batch k-means, approximate, for very many rows\n"
            "                        [default yinyang]\n"
            "      --batch N         mini-batch size [default 1024]\n"
            "      --heldout F       fit on the training documents only (the share F that\n"
            "                        shang alias holds out with the same --seed is left\n"
            "                        out) and assign the held-out rows to the nearest\n"
            "                        centre; shang alias then scores those rows\n"
            "      --seed N          master seed [default 42]\n"
            "      --parallel P,Q    files starting with P or Q render one text: their\n"
            "                        i-th documents are held out together\n"
            "      --threads N       threads [default: all cores]\n"
            "  -q, --quiet | -v, --verbose | -h, --help\n\n"
            "Example:\n"
            "  shang cluster -i states.h5 --pca pca.h5 --dims 50 -k 256 -o clusters.h5\n");
    cmd_print_exit_status(out);
}

int cmd_cluster(int argc, char **argv)
{
    enum { O_PCA = 256, O_DIMS, O_EXCL, O_NINIT, O_MAXIT, O_TOL, O_ALGO, O_BATCH, O_BAL, O_INIT };
    static const struct option opts[] = {
        {"input", required_argument, 0, 'i'}, {"output", required_argument, 0, 'o'},
        {"clusters", required_argument, 0, 'k'}, {"pca", required_argument, 0, O_PCA},
        {"dims", required_argument, 0, O_DIMS}, {"exclude-first", no_argument, 0, O_EXCL},
        {"n-init", required_argument, 0, O_NINIT}, {"max-iter", required_argument, 0, O_MAXIT},
        {"tol", required_argument, 0, O_TOL}, {"algorithm", required_argument, 0, O_ALGO},
        {"batch", required_argument, 0, O_BATCH}, {"balanced", required_argument, 0, O_BAL},
        {"init", required_argument, 0, O_INIT}, {0, 0, 0, 0}};
    const char *input = NULL, *output = NULL, *pca_path = NULL, *init_path = NULL, *balanced = NULL;
    int bal_f = 0, bal_s = 0, K = 0, dims = 0, *layers = NULL, n_layers = 0, exclude_first = 0, c;
    shang_kmeans_opts ko = {.n_init = 1, .max_iter = 100, .tol = 1e-4, .algorithm = SHANG_KMEANS_YINYANG};
    cmd_opts co;
    cmd_opts_init(&co, "cluster", CMD_THREADS | CMD_SEED | CMD_SITE | CMD_LAYERS | CMD_HELDOUT, usage);
    while ((c = cmd_getopt(&co, argc, argv, "i:o:k:", opts)) > 0) {
        int bad = 0;
        switch (c) {
        case 'i': input = optarg; break;
        case 'o': output = optarg; break;
        case 'k': bad = shang_parse_int(optarg, 2, 1 << 24, &K); break;
        case O_PCA: pca_path = optarg; break;
        case O_INIT: init_path = optarg; break;
        case O_DIMS: bad = shang_parse_int(optarg, 1, 1 << 20, &dims); break;
        case O_EXCL: exclude_first = 1; break;
        case O_BAL: {
            char *comma = strchr(optarg, ',');
            if (!comma) {
                bad = SHANG_FAIL(SHANG_EINVAL, "--balanced wants F,S (tokens, occurrences each)");
                break;
            }
            *comma = 0;
            bad = shang_parse_int(optarg, 1, 1 << 24, &bal_f);
            if (!bad) bad = shang_parse_int(comma + 1, 1, 1 << 24, &bal_s);
            *comma = ',';
            balanced = optarg;
            break;
        }
        case O_NINIT: bad = shang_parse_int(optarg, 1, 10000, &ko.n_init); break;
        case O_MAXIT: bad = shang_parse_int(optarg, 1, 1000000, &ko.max_iter); break;
        case O_TOL: bad = shang_parse_f64(optarg, 0, 1, &ko.tol); break;
        case O_ALGO: bad = shang_kmeans_algorithm_parse(optarg, &ko.algorithm); break;
        case O_BATCH: {
            int b = 0;
            bad = shang_parse_int(optarg, 1, 1 << 24, &b);
            ko.batch = (size_t)b;
            break;
        }
        }
        co.bad = bad;
    }
    const char *missing = !input ? "no input (-i)" : !output ? "no output (-o)" : !K ? "no cluster count (-k)"
                          : dims && !pca_path ? "--dims needs --pca"
                          : init_path && ko.n_init > 1 ? "--init gives one start: --n-init must be 1" : NULL;
    if (c < 0 || cmd_opts_done(&co, argc, missing)) return cmd_opts_exit(&co);
    const int site = co.site;
    ko.K = (size_t)K;
    ko.seed = co.seed;
    shang_states *s = NULL;
    shang_h5_file *f = NULL;
    shang_prov *p = NULL;
    unsigned char *keep = NULL;
    int rc = shang_h5_create(output, "shang.clusters", 1, &f);
    if (!rc) rc = shang_states_open(input, &s);
    if (!rc) rc = shang_states_layers(s, site, co.layers, co.n_layers, &layers, &n_layers);
    if (!rc && pca_path) { /* the PCA must be of these states (its provenance's SHA-256) */
        hid_t pf;
        if (!(rc = shang_h5_open(pca_path, "shang.pca", 1, &pf, NULL))) {
            rc = shang_prov_same_input(pf, pca_path, "states", input);
            if (!rc) rc = cmd_heldout_same(pf, pca_path, &co);
            H5Fclose(pf);
        }
    }
    if (!rc) rc = shang_states_keep(s, exclude_first, &keep);
    unsigned char *test = NULL, *mtest = NULL; /* held-out rows: of the states, of the clustered rows */
    if (!rc && co.heldout > 0) rc = cmd_split(s, &co, NULL, &test);
    size_t n_bal = 0;
    if (!rc && balanced) rc = shang_states_balanced(s, &keep, (size_t)bal_f, (size_t)bal_s, ko.seed, &n_bal);
    size_t L = (size_t)n_layers, M = 0;
    for (size_t i = 0; !rc && i < s->N; i++) M += !keep || keep[i];
    if (!rc && (size_t)K > M) rc = SHANG_FAIL(SHANG_EINVAL, "%d clusters for %zu rows", K, M);
    int64_t *rows_idx = rc ? NULL : shang_alloc(M, sizeof *rows_idx, "rows_idx");
    int32_t *labels = rc ? NULL : shang_alloc(L * M, sizeof *labels, "labels"), *iters = rc ? NULL : shang_alloc(L, sizeof *iters, "iters");
    double *inertia = rc ? NULL : shang_alloc(L, sizeof *inertia, "inertia"), *centers = NULL;
    size_t D = 0;
    if (!rc && (!rows_idx || !labels || !iters || !inertia)) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t i = 0, k = 0; !rc && i < s->N; i++)
        if (!keep || keep[i]) rows_idx[k++] = (int64_t)i;
    if (!rc && test && !(mtest = shang_alloc(M, 1, "held-out clustered rows"))) rc = shang_err_code();
    for (size_t i = 0; !rc && test && i < M; i++) mtest[i] = test[rows_idx[i]];
    shang_progress *pr = rc ? NULL : shang_progress_new("cluster", "layers", L);
    for (size_t l = 0; !rc && l < L; l++) {
        float *rows = NULL, *proj = NULL;
        size_t n;
        shang_pca *pc = NULL;
        shang_kmeans *km = NULL;
        rc = shang_states_gather(s, site, layers[l], keep, &rows, &n);
        if (!rc && pca_path && !(rc = shang_pca_read(pca_path, layers[l], (size_t)dims, s->C, &pc))) {
            proj = shang_alloc(n, pc->K * sizeof(float), "projected states");
            rc = proj ? shang_pca_project(pc, rows, n, s->C, proj) : shang_err_code();
        }
        size_t d = pc ? pc->K : s->C;
        float *init = NULL;
        if (!rc && init_path) {
            if ((rc = shang_kmeans_read_centers(init_path, layers[l], (size_t)K, d, &init))) shang_err_prefix("--init");
            else ko.init = init;
        }
        if (!rc) rc = shang_kmeans_fit_split(proj ? proj : rows, n, d, mtest, &ko, &km);
        ko.init = NULL;
        free(init);
        if (!rc) {
            if (!centers) {
                D = d;
                centers = shang_alloc(L * (size_t)K * D, sizeof *centers, "centers");
                if (!centers) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
            }
            if (!rc) {
                memcpy(labels + l * M, km->labels, M * sizeof *labels);
                memcpy(centers + l * (size_t)K * D, km->centers, (size_t)K * D * sizeof *centers);
                inertia[l] = km->inertia;
                iters[l] = km->iterations;
            }
        }
        if (rc) shang_err_prefix("layer %d", layers[l]);
        shang_kmeans_free(km);
        shang_pca_free(pc);
        free(rows);
        free(proj);
        shang_progress_update(pr, l + 1, NULL);
    }
    shang_progress_finish(pr, L, NULL);
    static const char *const dL[] = {"L"}, *const dN[] = {"N"}, *const dLN[] = {"L", "N"}, *const dLKD[] = {"L", "K", "D"};
    size_t d1[1] = {L}, dn[1] = {M}, dln[2] = {L, M}, dc[3] = {L, (size_t)K, D};
    if (!rc) rc = shang_h5_write(f->id, "layers", SHANG_DT_I32, 1, d1, layers, dL, "layer of each index of axis 0", NULL);
    if (!rc) rc = shang_h5_write(f->id, "rows", SHANG_DT_I64, 1, dn, rows_idx, dN, "row (axis N of the states) of each clustered row", NULL);
    if (!rc) rc = shang_h5_write(f->id, "labels", SHANG_DT_I32, 2, dln, labels, dLN, "cluster of each row, in order of first appearance", NULL);
    if (!rc) rc = shang_h5_write(f->id, "centers", SHANG_DT_F64, 3, dc, centers, dLKD, "cluster centres (in PCA coordinates with --pca)", NULL);
    if (!rc) rc = shang_h5_write(f->id, "inertia", SHANG_DT_F64, 1, d1, inertia, dL, "sum of squared distances to the centres (training rows)", NULL);
    if (!rc && mtest) rc = shang_h5_write(f->id, "heldout", SHANG_DT_U8, 1, dn, mtest, dN, "1: a held-out row, not fitted, assigned to the nearest centre", NULL);
    if (!rc) rc = cmd_heldout_attrs(f->id, &co);
    if (!rc) rc = shang_h5_write(f->id, "iterations", SHANG_DT_I32, 1, d1, iters, dL, "Lloyd iterations of the kept restart", NULL);
    if (!rc) rc = shang_h5_attr_str(f->id, "site", co.site_name);
    if (!rc) rc = shang_h5_attr_i64(f->id, "k", K);
    if (!rc) rc = shang_h5_attr_i64(f->id, "exclude_first", exclude_first);
    if (!rc) rc = cmd_prov_new("cluster", argc, argv, &p);
    if (!rc) rc = shang_prov_input(p, "states", input);
    if (!rc && pca_path) rc = shang_prov_input(p, "pca", pca_path);
    if (!rc && init_path) rc = shang_prov_input(p, "init", init_path);
    if (!rc && !(rc = cmd_opts_prov(&co, p))) {
        if ((rc = shang_prov_i64(p, "k", K)) || (rc = shang_prov_i64(p, "dims", dims)) ||
            (rc = shang_prov_i64(p, "exclude_first", exclude_first)) ||
            (rc = shang_prov_str(p, "balanced", balanced ? balanced : "no")) || (rc = shang_prov_i64(p, "n_init", ko.n_init)) ||
            (rc = shang_prov_i64(p, "max_iter", ko.max_iter)) || (rc = shang_prov_f64(p, "tol", ko.tol)) ||
            (rc = shang_prov_str(p, "algorithm", shang_kmeans_algorithm_name(ko.algorithm))) ||
            (rc = shang_prov_i64(p, "batch", ko.batch ? (int64_t)ko.batch : 1024))) {
            /* rc holds the failure */
        }
    }
    if (!rc) rc = shang_prov_commit(p, &f);
    int status = rc ? cmd_fail("cluster", rc) : SHANG_EXIT_OK;
    shang_h5_abort(f);
    shang_prov_free(p);
    shang_states_close(s);
    free(rows_idx); free(labels); free(iters); free(inertia); free(centers);
    free(keep); free(test); free(mtest); free(layers);
    cmd_opts_free(&co);
    return status;
}
