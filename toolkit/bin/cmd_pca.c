/* shang pca — principal components of the hidden states, per layer. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shang pca -i STATES.h5 [options] -o PCA.h5\n\n"
            "For each chosen layer of a shang.states file: the mean, the top K principal\n"
            "components (orthonormal, each signed so its largest entry is positive), their\n"
            "explained variance and its ratio to the total. Covariance in double, streamed\n"
            "from the file in blocks with Chan's update (memory: one block and the C x C\n"
            "matrix, whatever the rows); eigenvectors by LAPACK dsyevr.\n\n"
            "Options:\n"
            "  -i, --input FILE       a shang.states file (shang extract)\n"
            "  -o, --output FILE      the shang.pca file to write\n"
            "  -k, --components N     components per layer [default 50; 1..width]\n"
            "      --site NAME        resid, ln_f, attn_out or mlp_out [default resid]\n"
            "      --layers LIST      e.g. 0,3,6 or 0-6 [default: all stored]\n"
            "      --standardize      divide each feature by its standard deviation first\n"
            "                         (rogue dimensions dominate raw GPT-2 states)\n"
            "      --exclude-first    leave out the first position of every document/item\n"
            "      --heldout F        fit on the training documents only: the share F of\n"
            "                         documents that shang alias holds out with the same\n"
            "                         --seed is left out [default: fit on every row]\n"
            "      --seed N           seed of the held-out split [default 42]\n"
            "      --parallel P,Q     files starting with P or Q render one text: their\n"
            "                         i-th documents are held out together\n"
            "  -q, --quiet | -v, --verbose | -h, --help\n\n"
            "Example:\n"
            "  shang pca -i states.h5 -k 50 --standardize -o pca.h5\n");
    cmd_print_exit_status(out);
}

int cmd_pca(int argc, char **argv)
{
    enum { O_STD = 256, O_EXCL };
    static const struct option opts[] = {
        {"input", required_argument, 0, 'i'}, {"output", required_argument, 0, 'o'},
        {"components", required_argument, 0, 'k'}, {"standardize", no_argument, 0, O_STD},
        {"exclude-first", no_argument, 0, O_EXCL}, {0, 0, 0, 0}};
    const char *input = NULL, *output = NULL;
    int K = 50, standardize = 0, exclude_first = 0, *layers = NULL, n_layers = 0, c;
    cmd_opts co;
    cmd_opts_init(&co, "pca", CMD_SITE | CMD_LAYERS | CMD_SEED | CMD_HELDOUT, usage);
    while ((c = cmd_getopt(&co, argc, argv, "i:o:k:", opts)) > 0) switch (c) {
        case 'i': input = optarg; break;
        case 'o': output = optarg; break;
        case 'k': co.bad = shang_parse_int(optarg, 1, 1 << 20, &K); break;
        case O_STD: standardize = 1; break;
        case O_EXCL: exclude_first = 1; break;
        }
    if (c < 0 || cmd_opts_done(&co, argc, !input ? "no input (-i)" : !output ? "no output (-o)" : NULL))
        return cmd_opts_exit(&co);
    const int site = co.site;
    shang_states *s = NULL;
    shang_h5_file *f = NULL;
    shang_prov *p = NULL;
    unsigned char *keep = NULL, *test = NULL;
    int rc = shang_h5_create(output, "shang.pca", 1, &f);
    if (!rc) rc = shang_states_open(input, &s);
    if (!rc) rc = shang_states_layers(s, site, co.layers, co.n_layers, &layers, &n_layers);
    if (!rc && (size_t)K > s->C) rc = SHANG_FAIL(SHANG_EUSAGE, "-k %d: %s has only %zu features", K, input, s->C);
    if (!rc) rc = shang_states_keep(s, exclude_first, &keep);
    if (!rc && co.heldout > 0) rc = cmd_split(s, &co, &keep, &test);
    size_t L = (size_t)n_layers, C = s ? s->C : 0, Kz = (size_t)K, n_rows = 0;
    double *mean = NULL, *scale = NULL, *comp = NULL, *var = NULL, *ratio = NULL, *total = NULL;
    if (!rc) {
        mean = shang_alloc(L * C, sizeof(double), "mean");
        scale = shang_alloc(L * C, sizeof(double), "scale");
        comp = shang_alloc(L * Kz * C, sizeof(double), "comp");
        var = shang_alloc(L * Kz, sizeof(double), "var");
        ratio = shang_alloc(L * Kz, sizeof(double), "ratio");
        total = shang_alloc(L, sizeof(double), "total");
        if (!mean || !scale || !comp || !var || !ratio || !total) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    }
    shang_progress *pr = rc ? NULL : shang_progress_new("pca", "layers", L);
    for (size_t l = 0; !rc && l < L; l++) {
        shang_pca_acc *acc = NULL;
        shang_pca *pc = NULL;
        if (!(rc = shang_pca_acc_new(C, &acc)) && !(rc = shang_states_accumulate(s, site, layers[l], keep, acc, &n_rows)) &&
            !(rc = shang_pca_fit(acc, Kz, standardize, &pc))) {
            memcpy(mean + l * C, pc->mean, C * 8);
            memcpy(scale + l * C, pc->scale, C * 8);
            memcpy(comp + l * Kz * C, pc->components, Kz * C * 8);
            memcpy(var + l * Kz, pc->variance, Kz * 8);
            for (size_t k = 0; k < Kz; k++) ratio[l * Kz + k] = pc->variance[k] / pc->total_variance;
            total[l] = pc->total_variance;
        }
        if (rc) shang_err_prefix("layer %d", layers[l]);
        shang_pca_free(pc);
        shang_pca_acc_free(acc);
        shang_progress_update(pr, l + 1, NULL);
    }
    shang_progress_finish(pr, L, NULL);
    static const char *const dL[] = {"L"}, *const dLC[] = {"L", "C"}, *const dLKC[] = {"L", "K", "C"}, *const dLK[] = {"L", "K"};
    size_t d1[1] = {L}, d2[2] = {L, C}, d3[3] = {L, Kz, C}, dk[2] = {L, Kz};
    if (!rc) rc = shang_h5_write(f->id, "layers", SHANG_DT_I32, 1, d1, layers, dL, "layer of each index of axis 0", NULL);
    if (!rc) rc = shang_h5_write(f->id, "mean", SHANG_DT_F64, 2, d2, mean, dLC, "feature means", NULL);
    if (!rc) rc = shang_h5_write(f->id, "scale", SHANG_DT_F64, 2, d2, scale, dLC, "divisor per feature (standard deviation if standardized, else 1)", NULL);
    if (!rc) rc = shang_h5_write(f->id, "components", SHANG_DT_F64, 3, d3, comp, dLKC, "principal axes, orthonormal rows, largest entry positive", NULL);
    if (!rc) rc = shang_h5_write(f->id, "explained_variance", SHANG_DT_F64, 2, dk, var, dLK, "variance along each component (n - 1 denominator)", NULL);
    if (!rc) rc = shang_h5_write(f->id, "explained_variance_ratio", SHANG_DT_F64, 2, dk, ratio, dLK, "explained variance over the total", NULL);
    if (!rc) rc = shang_h5_write(f->id, "total_variance", SHANG_DT_F64, 1, d1, total, dL, "trace of the covariance", NULL);
    if (!rc) rc = shang_h5_attr_str(f->id, "site", co.site_name);
    if (!rc) rc = shang_h5_attr_i64(f->id, "standardized", standardize);
    if (!rc) rc = shang_h5_attr_i64(f->id, "exclude_first", exclude_first);
    if (!rc) rc = shang_h5_attr_i64(f->id, "n_rows", (int64_t)n_rows);
    if (!rc) rc = cmd_heldout_attrs(f->id, &co);
    if (!rc) rc = cmd_prov_new("pca", argc, argv, &p);
    if (!rc) rc = shang_prov_input(p, "states", input);
    if (!rc && ((rc = cmd_opts_prov(&co, p)) || (rc = shang_prov_i64(p, "components", K)) ||
                (rc = shang_prov_i64(p, "standardize", standardize)) ||
                (rc = shang_prov_i64(p, "exclude_first", exclude_first)))) {
        /* rc holds the failure */
    }
    if (!rc) rc = shang_prov_commit(p, &f);
    int status = rc ? cmd_fail("pca", rc) : SHANG_EXIT_OK;
    shang_h5_abort(f);
    shang_prov_free(p);
    shang_states_close(s);
    free(mean); free(scale); free(comp); free(var); free(ratio); free(total);
    free(keep); free(test); free(layers);
    cmd_opts_free(&co);
    return status;
}
