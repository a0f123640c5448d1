/* shang loss — a model's held-out cross-entropy and predictive entropy on text. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shang loss -m MODEL.h5 [options] FILE...\n\n"
            "Joins the documents of FILEs with <|endoftext|> (as shang train does), cuts the\n"
            "stream into consecutive windows of --ctx + 1 tokens, and prints on stdout the\n"
            "mean cross-entropy of every predicted token, the mean entropy of the model's\n"
            "predictive distribution (both in nats) and the perplexity, as TSV.\n\n"
            "Options:\n"
            "  -m, --model FILE   a shang.model file\n"
            "      --ctx N        window length [default: the model's context]\n"
            "      --batch N      windows per forward pass [default 8]\n"
            "      --threads N    threads [default: all cores]\n"
            "  -q, --quiet | -h, --help\n\n"
            "Example:\n"
            "  shang loss -m datasets/models/shang-6l.h5 datasets/corpus/*.test.txt.gz\n");
    cmd_print_exit_status(out);
}

int cmd_loss(int argc, char **argv)
{
    enum { O_CTX = 256, O_BATCH };
    static const struct option opts[] = {{"model", required_argument, 0, 'm'}, {"ctx", required_argument, 0, O_CTX},
                                         {"batch", required_argument, 0, O_BATCH}, {0, 0, 0, 0}};
    const char *model = NULL;
    int ctx = 0, batch = 8, c;
    cmd_opts co;
    cmd_opts_init(&co, "loss", CMD_THREADS | CMD_FILES, usage);
    while ((c = cmd_getopt(&co, argc, argv, "m:", opts)) > 0) switch (c) {
        case 'm': model = optarg; break;
        case O_CTX: co.bad = shang_parse_int(optarg, 1, 1 << 20, &ctx); break;
        case O_BATCH: co.bad = shang_parse_int(optarg, 1, 4096, &batch); break;
        }
    if (c < 0 || cmd_opts_done(&co, argc, !model ? "no model (-m)" : optind >= argc ? "no input files" : NULL))
        return cmd_opts_exit(&co);
    cmd_opts_free(&co);
    shang_gpt *m = NULL;
    shang_tokenizer *t = NULL;
    shang_ivec stream = {0};
    double loss = 0, h = 0;
    size_t n = 0;
    int rc = shang_gpt_load(model, &m, &t);
    if (!rc) rc = shang_tokens_stream(t, argv + optind, argc - optind, &stream);
    if (!rc) rc = shang_gpt_stream_loss(m, stream.v, stream.n, ctx ? ctx : m->cfg.T, batch, &loss, &h, &n);
    if (!rc) {
        printf("tokens\tloss_nats\tentropy_nats\tperplexity\n");
        printf("%zu\t%.6f\t%.6f\t%.3f\n", n, loss, h, exp(loss));
    }
    int status = rc ? cmd_fail("loss", rc) : SHANG_EXIT_OK;
    free(stream.v);
    shang_bpe_free(t);
    shang_gpt_free(m);
    return status;
}
