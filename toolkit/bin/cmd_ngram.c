/* shang ngram — token-space entropy: held-out cross-entropy of interpolated
 * Kneser-Ney n-gram models, H(Y | previous n tokens) for n = 0..N, the baselines
 * a language model must beat. */
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
            "token keeps a non-zero probability) and prints on stdout, as TSV, the mean\n"
            "held-out cross-entropy in nats of the --eval tokens given the n previous tokens,\n"
            "n = 0 (unigram) .. --max-context.\n\n"
            "Options:\n"
            "  -t, --tokenizer FILE  any shang artefact with a tokenizer (-m is the same)\n"
            "      --gpt2 DIR        GPT-2's tokenizer\n"
            "      --train FILE      text to count (repeat or list files)\n"
            "      --eval FILE       held-out text (repeat or list files)\n"
            "      --max-context N   largest n [default 5; 0..%d]\n"
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
        {"quiet", no_argument, 0, 'q'},           {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *tok = NULL, *gpt2 = NULL;
    char *train_files[MAX_FILES], *eval_files[MAX_FILES];
    int n_train = 0, n_eval = 0, maxc = 5, c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":t:m:qh", opts, NULL)) != -1) {
        switch (c) {
        case 't': case 'm': tok = optarg; break;
        case O_GPT2: gpt2 = optarg; break;
        case O_TRAIN: case O_EVAL: {
            char **list = c == O_TRAIN ? train_files : eval_files;
            int *n = c == O_TRAIN ? &n_train : &n_eval;
            if (*n < MAX_FILES) list[(*n)++] = optarg;
            while (optind < argc && argv[optind][0] != '-' && *n < MAX_FILES) list[(*n)++] = argv[optind++];
            break;
        }
        case O_MAXC:
            if (shang_parse_int(optarg, 0, SHANG_NGRAM_MAX_CONTEXT, &maxc))
                return cmd_usage_error("ngram", "--max-context: %s", shang_err_msg());
            break;
        default: {
            int st = cmd_std_option("ngram", c, argv, usage);
            if (st != CMD_NEXT) return st;
        }
        }
    }
    if (!tok == !gpt2) return cmd_usage_error("ngram", "give exactly one of --tokenizer/--model and --gpt2");
    if (!n_train || !n_eval) return cmd_usage_error("ngram", "give --train and --eval files");
    if (optind < argc) return cmd_usage_error("ngram", "unexpected argument '%s'", argv[optind]);
    shang_tokenizer *t = NULL;
    shang_ngram *g = NULL;
    shang_ivec train = {0}, eval = {0};
    int rc = tok ? shang_bpe_load_file(tok, &t) : shang_bpe_load_gpt2_dir(gpt2, &t);
    if (!rc) rc = shang_tokens_stream(t, train_files, n_train, &train);
    if (!rc) rc = shang_tokens_stream(t, eval_files, n_eval, &eval);
    if (!rc) rc = shang_ngram_fit(train.v, train.n, maxc, (int)shang_bpe_vocab_size(t), &g);
    if (!rc) printf("context\theld_out_xent_nats\teval_tokens\ttrain_tokens\n");
    for (int k = 0; !rc && k <= maxc; k++) {
        double h;
        size_t n;
        rc = shang_ngram_xent(g, k, eval.v, eval.n, &h, &n);
        if (!rc) printf("%d\t%.6f\t%zu\t%zu\n", k, h, n, train.n);
    }
    int status = rc ? cmd_fail("ngram", rc) : SHANG_EXIT_OK;
    shang_ngram_free(g);
    free(train.v);
    free(eval.v);
    shang_bpe_free(t);
    return status;
}
