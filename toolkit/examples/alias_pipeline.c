/* alias_pipeline — extract -> cluster -> alias through the installed libshang.
 *
 *   cc alias_pipeline.c $(pkg-config --cflags --libs shang) -o alias_pipeline
 *   ./alias_pipeline MODEL.h5 CORPUS.txt STATES.h5 K
 *
 * Writes the residual-stream states of MODEL over CORPUS to STATES.h5 (a
 * shang.states artefact with provenance), clusters the last layer's states into K
 * clusters (k-means++ and Lloyd, the default seed: `shang cluster`'s defaults) and prints
 * that layer's aliasing decomposition (`shang alias`'s defaults, no bootstrap).
 */
#include <stdio.h>
#include <stdlib.h>

#include <shang.h>

static int run(char **argv)
{
    shang_gpt *m = NULL;
    shang_tokenizer *tok = NULL;
    shang_h5_file *f = NULL;
    shang_prov *p = NULL;
    shang_extract *x = NULL;
    shang_states *s = NULL;
    shang_kmeans *km = NULL;
    int32_t *tokens = NULL, *next = NULL, *doc = NULL;
    float *rows = NULL;
    size_t n = 0, K = (size_t)strtoul(argv[4], NULL, 10);
    shang_extract_opts eo = {.batch = 8, .bos = 1};
    int rc = shang_gpt_load(argv[1], &m, &tok);
    /* 1. extract: the file appears under its name only once it is complete */
    if (!rc) rc = shang_h5_create(argv[3], SHANG_STATES_FORMAT, SHANG_STATES_VERSION, &f);
    if (!rc) rc = shang_extract_new(m, tok, &eo, f->id, &x);
    if (!rc) rc = shang_extract_text(x, argv[2]);
    if (!rc) rc = shang_extract_finish(x);
    shang_extract_free(x);
    if (!rc) rc = shang_prov_new("alias_pipeline", 5, argv, &p);
    if (!rc) rc = shang_prov_input(p, "model", argv[1]);
    if (!rc) rc = shang_prov_input(p, "text_0", argv[2]);
    if (!rc) rc = shang_prov_commit(p, &f);
    /* 2. cluster the last layer */
    const int layer = m ? m->cfg.L : 0;
    if (!rc) rc = shang_states_open(argv[3], &s);
    if (!rc) rc = shang_states_gather(s, SHANG_SITE_RESID, layer, NULL, &rows, &n);
    shang_kmeans_opts ko = {.K = K, .n_init = 1, .max_iter = 100, .tol = 1e-4, .seed = SHANG_DEFAULT_SEED,
                            .algorithm = SHANG_KMEANS_YINYANG};
    if (!rc) rc = shang_kmeans_fit(rows, n, s->C, &ko, &km);
    /* 3. alias: tokens X, next tokens Y and clusters K of the same rows */
    if (!rc) rc = shang_states_column(s, "tokens", &tokens);
    if (!rc) rc = shang_states_column(s, "next_tokens", &next);
    if (!rc) rc = shang_states_column(s, "doc", &doc);
    double st[SHANG_A_N_STATS], lo[SHANG_A_N_STATS], hi[SHANG_A_N_STATS];
    shang_alias_opts ao = {.V = tok ? shang_bpe_vocab_size(tok) : 0, .alpha = 0.1, .heldout_frac = 0.2,
                           .with_ami = 1, .seed = SHANG_DEFAULT_SEED, .stream = (uint64_t)layer};
    if (!rc) rc = shang_alias_layer(tokens, next, km->labels, doc, n, &ao, st, lo, hi);
    if (!rc) {
        printf("layer %d: %zu rows, %zu clusters, inertia %.6g\n", layer, n, K, km->inertia);
        const int show[] = {SHANG_A_H_K_X, SHANG_A_H_X_K, SHANG_A_MI_XK, SHANG_A_MI_YK, SHANG_A_CE_Y_X, SHANG_A_CE_Y_K};
        for (size_t i = 0; i < sizeof show / sizeof *show; i++)
            printf("%s\t%.17g\n", shang_alias_stat_name(show[i]), st[show[i]]);
    }
    shang_h5_abort(f); /* no-op after a commit; removes the temporary file after a failure */
    shang_prov_free(p);
    shang_kmeans_free(km);
    shang_states_close(s);
    shang_bpe_free(tok);
    shang_gpt_free(m);
    free(rows); free(tokens); free(next); free(doc);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 5 || strtoul(argv[4], NULL, 10) < 2) {
        fprintf(stderr, "usage: %s MODEL.h5 CORPUS.txt STATES.h5 K (K >= 2)\n", argv[0]);
        return 2;
    }
    (void)shang_blas_reexec_if_generic(argv); /* a misdetected OpenBLAS kernel is corrected first */
    if (run(argv)) {
        fprintf(stderr, "%s: %s\n", argv[0], shang_err_msg());
        return 1;
    }
    return 0;
}
