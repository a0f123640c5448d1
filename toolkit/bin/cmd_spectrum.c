/* shang spectrum — singular values of every weight matrix of a model (bundled
 * or imported GPT-2), their summaries against a random matrix of the same shape
 * and scale, a power-law tail exponent, and the spectra over training when the
 * model carries a training log. */
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
            "Usage: shang spectrum -m MODEL.h5 [options] -o SPECTRUM.h5\n\n"
            "For every weight matrix (wte, wpe, and per layer qkv_w, attproj_w, fc_w,\n"
            "fcproj_w): its singular values (LAPACK dgesdd), effective rank exp(H(s/sum s))\n"
            "(Roy & Vetterli), matrix entropy H(s^2/sum s^2)/ln n, stable rank\n"
            "sum s^2/max s^2, and the power-law exponent of the tail of its eigenvalues\n"
            "s^2 (Hill estimator on the largest --tail share); the same for a Gaussian\n"
            "matrix of the same shape and element variance (the Marchenko-Pastur start\n"
            "of training). Tables (shang export): matrices, singular_values, and for a\n"
            "model trained by shang train, training (the spectra logged over training).\n\n"
            "Options:\n"
            "  -m, --model FILE      a shang.model file\n"
            "  -o, --output FILE     the shang.spectrum file to write\n"
            "      --tail F          share of the eigenvalues in the tail fit [default 0.1]\n"
            "      --seed N          the random matrices [default 42]\n"
            "      --threads N       threads [default: all cores]\n"
            "  -q, --quiet | -v, --verbose | -h, --help\n\n"
            "Example:\n"
            "  shang spectrum -m datasets/models/shang-6l.h5 -o spectrum.h5\n");
    cmd_print_exit_status(out);
}

int cmd_spectrum(int argc, char **argv)
{
    enum { O_TAIL = 256 };
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'}, {"output", required_argument, 0, 'o'},
        {"tail", required_argument, 0, O_TAIL}, {0, 0, 0, 0}};
    const char *mpath = NULL, *output = NULL;
    double tail = 0.1;
    int c;
    cmd_opts co;
    cmd_opts_init(&co, "spectrum", CMD_THREADS | CMD_SEED, usage);
    while ((c = cmd_getopt(&co, argc, argv, "m:o:", opts)) > 0) switch (c) {
        case 'm': mpath = optarg; break;
        case 'o': output = optarg; break;
        case O_TAIL: co.bad = shang_parse_f64(optarg, 0.001, 1, &tail); break;
        }
    if (c < 0 || cmd_opts_done(&co, argc, !mpath ? "no model (-m)" : !output ? "no output (-o)" : NULL))
        return cmd_opts_exit(&co);
    const uint64_t seed = co.seed;
    shang_gpt *m = NULL;
    shang_h5_file *f = NULL;
    shang_prov *p = NULL;
    shang_table *tm = NULL, *tsv = NULL, *ttr = NULL;
    gsl_rng *r = NULL;
    int rc = shang_h5_create(output, "shang.spectrum", 1, &f);
    if (!rc) rc = shang_gpt_load(mpath, &m, NULL);
    if (!rc) rc = shang_rng_new(seed, SHANG_STREAM_BASELINE, UINT64_C(7) << 40, &r);
    static const char *const mn[] = {"matrix", "rows", "cols", "effective_rank", "matrix_entropy", "stable_rank",
                                     "alpha", "random_effective_rank", "random_matrix_entropy", "random_stable_rank",
                                     "random_alpha"};
    static const char *const md[] = {
        "weight matrix", "rows", "columns", "exp(H(s / sum s))", "H(s^2 / sum s^2) / ln n", "sum s^2 / max s^2",
        "Hill estimate of the eigenvalue tail's power-law exponent", "the same for a Gaussian matrix of the shape and scale",
        "matrix entropy of the Gaussian matrix", "stable rank of the Gaussian matrix", "tail exponent of the Gaussian matrix"};
    if (!rc) rc = shang_table_new("matrices", "spectral summaries per weight matrix, and of a random matrix like it", &tm);
    for (int q = 0; !rc && q < 11; q++)
        if (shang_table_column(tm, mn[q], q == 0 ? SHANG_DT_STR : q <= 2 ? SHANG_DT_I64 : SHANG_DT_F64, md[q]) < 0)
            rc = shang_err_code();
    if (!rc) rc = shang_table_new("singular_values", "every singular value, descending, with the random matrix's", &tsv);
    if (!rc && (shang_table_column(tsv, "matrix", SHANG_DT_STR, "weight matrix") < 0 ||
                shang_table_column(tsv, "index", SHANG_DT_I64, "rank of the value, from 0") < 0 ||
                shang_table_column(tsv, "sigma", SHANG_DT_F64, "singular value") < 0 ||
                shang_table_column(tsv, "random_sigma", SHANG_DT_F64, "the random matrix's") < 0))
        rc = shang_err_code();
    const int M = rc ? 0 : shang_gpt_n_matrices(&m->cfg);
    for (int k = 0; !rc && k < M; k++) {
        char name[32];
        size_t rows, cols;
        const float *A = shang_gpt_matrix(m, k, &rows, &cols, name, sizeof name);
        size_t n = rows < cols ? rows : cols;
        double *s = shang_alloc(n, sizeof *s, "s"), *sr = shang_alloc(n, sizeof *sr, "sr"), st[2][3], var = 0;
        float *R = shang_alloc(rows * cols, sizeof *R, "R");
        if (!s || !sr || !R) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        for (size_t i = 0; !rc && i < rows * cols; i++) var += (double)A[i] * A[i];
        var /= (double)(rows * cols);
        for (size_t i = 0; !rc && i < rows * cols; i++) R[i] = (float)gsl_ran_gaussian(r, sqrt(var));
        if (!rc) rc = shang_singular_values(A, rows, cols, s);
        if (!rc) rc = shang_singular_values(R, rows, cols, sr);
        if (!rc) {
            shang_spectrum_stats(s, (int)n, &st[0][0], &st[0][1], &st[0][2]);
            shang_spectrum_stats(sr, (int)n, &st[1][0], &st[1][1], &st[1][2]);
            rc = shang_table_push(tm);
        }
        if (!rc && !(rc = shang_table_str(tm, 0, name))) {
            shang_table_i64(tm, 1, (int64_t)rows);
            shang_table_i64(tm, 2, (int64_t)cols);
            for (int q = 0; q < 3; q++) shang_table_f64(tm, 3 + q, st[0][q]);
            shang_table_f64(tm, 6, shang_spectrum_tail_alpha(s, n, tail));
            for (int q = 0; q < 3; q++) shang_table_f64(tm, 7 + q, st[1][q]);
            shang_table_f64(tm, 10, shang_spectrum_tail_alpha(sr, n, tail));
            if (shang_log_level() > SHANG_LOG_QUIET)
                fprintf(stderr, "%-14s %5zu x %-5zu eff. rank %7.1f (random %7.1f)  entropy %.3f (%.3f)\n", name, rows,
                        cols, st[0][0], st[1][0], st[0][1], st[1][1]);
        }
        for (size_t i = 0; !rc && i < n; i++) {
            if ((rc = shang_table_push(tsv)) || (rc = shang_table_str(tsv, 0, name))) break;
            shang_table_i64(tsv, 1, (int64_t)i);
            shang_table_f64(tsv, 2, s[i]);
            shang_table_f64(tsv, 3, sr[i]);
        }
        free(s);
        free(sr);
        free(R);
    }
    /* the training log's spectra, one row per (step, matrix) */
    hid_t mf = -1;
    if (!rc && !(rc = shang_h5_open(mpath, "shang.model", 1, &mf, NULL)) && shang_h5_exists(mf, "training/spectra")) {
        int rank;
        size_t d[2];
        double *v = NULL;
        rc = shang_h5_read(mf, "training/spectra", SHANG_DT_F64, 2, &rank, d, (void **)&v);
        if (!rc && d[1] != 1 + 3 * (size_t)M) rc = SHANG_FAIL(SHANG_EFORMAT, "%s: training/spectra has %zu columns, not %d", mpath, d[1], 1 + 3 * M);
        if (!rc) rc = shang_table_new("training", "the spectra logged during training", &ttr);
        static const char *const tn[] = {"step", "matrix", "effective_rank", "matrix_entropy", "stable_rank"};
        for (int q = 0; !rc && q < 5; q++)
            if (shang_table_column(ttr, tn[q], q == 0 ? SHANG_DT_I64 : q == 1 ? SHANG_DT_STR : SHANG_DT_F64,
                                   q == 0 ? "optimiser step" : q == 1 ? "weight matrix" : md[q + 1]) < 0)
                rc = shang_err_code();
        for (size_t row = 0; !rc && row < d[0]; row++)
            for (int k = 0; !rc && k < M; k++) {
                char name[32];
                size_t rr, cc;
                shang_gpt_matrix(m, k, &rr, &cc, name, sizeof name);
                if ((rc = shang_table_push(ttr)) || (rc = shang_table_str(ttr, 1, name))) break;
                shang_table_i64(ttr, 0, (int64_t)v[row * d[1]]);
                for (int q = 0; q < 3; q++) shang_table_f64(ttr, 2 + q, v[row * d[1] + 1 + 3 * (size_t)k + (size_t)q]);
            }
        free(v);
    }
    if (mf >= 0) H5Fclose(mf);
    if (!rc) rc = shang_table_write(tm, f->id);
    if (!rc) rc = shang_table_write(tsv, f->id);
    if (!rc && ttr) rc = shang_table_write(ttr, f->id);
    if (!rc) rc = cmd_prov_new("spectrum", argc, argv, &p);
    if (!rc) rc = shang_prov_input(p, "model", mpath);
    if (!rc && !(rc = cmd_opts_prov(&co, p))) rc = shang_prov_f64(p, "tail", tail);
    if (!rc) rc = shang_prov_commit(p, &f);
    int status = rc ? cmd_fail("spectrum", rc) : SHANG_EXIT_OK;
    shang_h5_abort(f);
    shang_prov_free(p);
    shang_table_free(tm);
    shang_table_free(tsv);
    shang_table_free(ttr);
    shang_rng_free(r);
    shang_gpt_free(m);
    cmd_opts_free(&co);
    return status;
}
