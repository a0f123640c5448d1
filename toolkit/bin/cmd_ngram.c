/* shang ngram — token-space entropy, H(Y | previous n tokens) for n = 0..N: the
 * held-out cross-entropy of interpolated Kneser-Ney n-gram models (the baselines a
 * language model must beat) next to the plug-in family on each split. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

#define MAX_FILES 256

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shang ngram (-t TOKENIZER.h5 | -m MODEL.h5 | --gpt2 DIR) --train FILE... --eval FILE...\n"
            "                   [options]\n\n"
            "Tokenises the files (documents joined with <|endoftext|>), fits interpolated\n"
            "Kneser-Ney n-gram models on --train (discount n1/(n1+2 n2) per order; every\n"
            "token keeps a non-zero probability) and prints on stdout, as TSV, for n = 0\n"
            "(unigram) .. --max-context: the mean held-out cross-entropy in nats of the\n"
            "--eval tokens given the n previous tokens, and H(Y | n previous tokens) on\n"
            "each split by plug-in, Miller-Madow, Chao-Shen and Grassberger (biased low\n"
            "where contexts are rare: compare with the held-out column). With -o, also a\n"
            "shang.ngram file whose table 'ngram' shang export writes.\n\n"
            "Options:\n"
            "  -t, --tokenizer FILE  any shang artefact with a tokenizer\n"
            "  -m, --model FILE      the same (a model file holds its tokenizer)\n"
            "      --gpt2 DIR        GPT-2's tokenizer\n"
            "      --train FILE      text to count (repeat or list files)\n"
            "      --eval FILE       held-out text (repeat or list files)\n"
            "      --max-context N   largest n [default 5; 0..%d]\n"
            "  -o, --output FILE     also write a shang.ngram file\n"
            "  -q, --quiet | -h, --help\n\n"
            "Example:\n"
            "  shang ngram -m datasets/models/shang-6l.h5 --train datasets/corpus/*.train.txt.gz \\\n"
            "      --eval datasets/corpus/*.test.txt.gz\n", SHANG_NGRAM_MAX_CONTEXT);
    cmd_print_exit_status(out);
}

int cmd_ngram(int argc, char **argv)
{
    enum { O_GPT2 = 256, O_TRAIN, O_EVAL, O_MAXC };
    static const struct option opts[] = {
        {"tokenizer", required_argument, 0, 't'}, {"model", required_argument, 0, 'm'},
        {"gpt2", required_argument, 0, O_GPT2},   {"train", required_argument, 0, O_TRAIN},
        {"eval", required_argument, 0, O_EVAL},   {"max-context", required_argument, 0, O_MAXC},
        {"output", required_argument, 0, 'o'},    {0, 0, 0, 0}};
    const char *tok = NULL, *gpt2 = NULL, *output = NULL;
    char *train_files[MAX_FILES], *eval_files[MAX_FILES];
    int n_train = 0, n_eval = 0, maxc = 5, c;
    cmd_opts co;
    cmd_opts_init(&co, "ngram", 0, usage);
    while ((c = cmd_getopt(&co, argc, argv, "t:m:o:", opts)) > 0) switch (c) {
        case 'o': output = optarg; break;
        case 't': case 'm': tok = optarg; break;
        case O_GPT2: gpt2 = optarg; break;
        case O_TRAIN: case O_EVAL: {
            char **list = c == O_TRAIN ? train_files : eval_files;
            int *n = c == O_TRAIN ? &n_train : &n_eval;
            if (*n < MAX_FILES) list[(*n)++] = optarg;
            while (optind < argc && argv[optind][0] != '-' && *n < MAX_FILES) list[(*n)++] = argv[optind++];
            break;
        }
        case O_MAXC: co.bad = shang_parse_int(optarg, 0, SHANG_NGRAM_MAX_CONTEXT, &maxc); break;
        }
    if (c < 0 || cmd_opts_done(&co, argc, !tok == !gpt2 ? "give exactly one of --tokenizer/--model and --gpt2"
                                          : !n_train || !n_eval ? "give --train and --eval files" : NULL))
        return cmd_opts_exit(&co);
    cmd_opts_free(&co);
    shang_tokenizer *t = NULL;
    shang_ngram *g = NULL;
    shang_ivec train = {0}, eval = {0};
    shang_table *tab = NULL;
    shang_h5_file *f = NULL;
    shang_prov *p = NULL;
    static const int est[4] = {SHANG_H_PLUGIN, SHANG_H_MILLER_MADOW, SHANG_H_CHAO_SHEN, SHANG_H_GRASSBERGER};
    static const char *const cols[] = {"context", "heldout_kn", "plugin_train", "mm_train", "cs_train", "gr_train",
                                       "plugin_eval", "mm_eval", "cs_eval", "gr_eval", "contexts_train",
                                       "eval_tokens", "train_tokens"};
    static const char *const desc[] = {
        "n previous tokens", "held-out cross-entropy of interpolated Kneser-Ney on --eval (nats)",
        "H(Y | n previous) plug-in on --train", "Miller-Madow on --train", "Chao-Shen on --train",
        "Grassberger on --train", "plug-in on --eval", "Miller-Madow on --eval", "Chao-Shen on --eval",
        "Grassberger on --eval", "distinct contexts in --train", "tokens scored in --eval", "tokens in --train"};
    int rc = output ? shang_h5_create(output, "shang.ngram", 1, &f) : SHANG_OK;
    if (!rc) rc = tok ? shang_bpe_load_file(tok, &t) : shang_bpe_load_gpt2_dir(gpt2, &t);
    if (!rc) rc = shang_tokens_stream(t, train_files, n_train, &train);
    if (!rc) rc = shang_tokens_stream(t, eval_files, n_eval, &eval);
    if (!rc && train.n < 2)
        rc = SHANG_FAIL(SHANG_EINVAL, "--train %s%s: %zu token%s, too few to count n-grams", train_files[0],
                        n_train > 1 ? " ..." : "", train.n, train.n == 1 ? "" : "s");
    if (!rc && eval.n < 2)
        rc = SHANG_FAIL(SHANG_EINVAL, "--eval %s%s: %zu token%s, too few to score", eval_files[0], n_eval > 1 ? " ..." : "",
                        eval.n, eval.n == 1 ? "" : "s");
    if (!rc) rc = shang_ngram_fit(train.v, train.n, maxc, (int)shang_bpe_vocab_size(t), &g);
    if (!rc) rc = shang_table_new("ngram", "token-space entropies H(Y | n previous tokens), nats", &tab);
    for (size_t q = 0; !rc && q < sizeof cols / sizeof *cols; q++)
        if (shang_table_column(tab, cols[q], q == 0 || q >= 10 ? SHANG_DT_I64 : SHANG_DT_F64, desc[q]) < 0)
            rc = shang_err_code();
    if (!rc) {
        for (size_t q = 0; q < sizeof cols / sizeof *cols; q++) printf("%s%s", q ? "\t" : "", cols[q]);
        printf("\n");
    }
    for (int k = 0; !rc && k <= maxc; k++) {
        double h, v[8];
        size_t n, ctx = 0;
        rc = shang_ngram_xent(g, k, eval.v, eval.n, &h, &n);
        for (int e = 0; !rc && e < 8; e++)
            rc = shang_ngram_cond_entropy(e < 4 ? train.v : eval.v, e < 4 ? train.n : eval.n, k, est[e % 4], &v[e],
                                          e == 0 ? &ctx : NULL);
        if (rc || (rc = shang_table_push(tab))) break;
        shang_table_i64(tab, 0, k);
        shang_table_f64(tab, 1, h);
        for (int e = 0; e < 8; e++) shang_table_f64(tab, 2 + e, v[e]);
        shang_table_i64(tab, 10, (int64_t)ctx);
        shang_table_i64(tab, 11, (int64_t)n);
        shang_table_i64(tab, 12, (int64_t)train.n);
        printf("%d\t%.6f", k, h);
        for (int e = 0; e < 8; e++) printf("\t%.6f", v[e]);
        printf("\t%zu\t%zu\t%zu\n", ctx, n, train.n);
    }
    if (!rc && f) {
        rc = shang_table_write(tab, f->id);
        if (!rc) rc = cmd_prov_new("ngram", argc, argv, &p);
        for (int i = 0; !rc && i < n_train; i++) rc = cmd_prov_input(p, "train", i, train_files[i]);
        for (int i = 0; !rc && i < n_eval; i++) rc = cmd_prov_input(p, "eval", i, eval_files[i]);
        if (!rc) rc = shang_prov_i64(p, "max_context", maxc);
        if (!rc) rc = shang_prov_str(p, "tokenizer", tok ? tok : gpt2);
        if (!rc) rc = shang_prov_commit(p, &f);
    }
    int status = rc ? cmd_fail("ngram", rc) : SHANG_EXIT_OK;
    shang_h5_abort(f);
    shang_prov_free(p);
    shang_table_free(tab);
    shang_ngram_free(g);
    free(train.v);
    free(eval.v);
    shang_bpe_free(t);
    return status;
}
