/* shang generate — seeded sampling from a model: a sanity check that a model
 * file (trained or imported) speaks. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shang generate -m MODEL.h5 [options]\n\n"
            "Continues a prompt by sampling one token at a time; the text goes to stdout.\n"
            "The prompt follows <|endoftext|> (the document separator the model saw).\n\n"
            "Options:\n"
            "  -m, --model FILE        a shang.model file\n"
            "  -p, --prompt TEXT       the beginning [default: empty]\n"
            "  -n, --tokens N          tokens to generate [default 64; 1..100000]\n"
            "      --temperature X     softmax temperature; 0 = always the most likely\n"
            "                          token [default 1; 0..100]\n"
            "      --top-k N           sample among the N most likely tokens; 0 = all\n"
            "                          [default 0]\n"
            "      --top-p X           sample within the smallest set of probability >= X\n"
            "                          [default 1; (0, 1]]\n"
            "      --seed N            master seed [default 42]; same seed, same text\n"
            "      --threads N         threads [default: all cores]\n"
            "  -q, --quiet             no messages on stderr\n"
            "  -h, --help              show this help and exit\n\n"
            "Example:\n"
            "  shang generate -m datasets/models/shang-6l.h5 -p 'And God said' -n 40 --top-k 40\n");
    cmd_print_exit_status(out);
}

int cmd_generate(int argc, char **argv)
{
    enum { O_TEMP = 256, O_TOPK, O_TOPP };
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},    {"prompt", required_argument, 0, 'p'},
        {"tokens", required_argument, 0, 'n'},   {"temperature", required_argument, 0, O_TEMP},
        {"top-k", required_argument, 0, O_TOPK}, {"top-p", required_argument, 0, O_TOPP},
        {0, 0, 0, 0}};
    const char *model = NULL, *prompt = "";
    int n = 64, top_k = 0, c;
    double temperature = 1, top_p = 1;
    cmd_opts co;
    cmd_opts_init(&co, "generate", CMD_THREADS | CMD_SEED, usage);
    while ((c = cmd_getopt(&co, argc, argv, "m:p:n:", opts)) > 0) switch (c) {
        case 'm': model = optarg; break;
        case 'p': prompt = optarg; break;
        case 'n': co.bad = shang_parse_int(optarg, 1, 100000, &n); break;
        case O_TEMP: co.bad = shang_parse_f64(optarg, 0, 100, &temperature); break;
        case O_TOPK: co.bad = shang_parse_int(optarg, 0, 1 << 24, &top_k); break;
        case O_TOPP:
            co.bad = shang_parse_f64(optarg, 0, 1, &top_p);
            if (!co.bad && top_p <= 0) co.bad = SHANG_FAIL(SHANG_EINVAL, "must be above 0");
            break;
        }
    if (c < 0 || cmd_opts_done(&co, argc, !model ? "no model (-m)" : NULL)) return cmd_opts_exit(&co);
    const uint64_t seed = co.seed;
    cmd_opts_free(&co);
    shang_gpt *m = NULL;
    shang_tokenizer *t = NULL;
    shang_encoder *e = NULL;
    shang_gpt_run *r = NULL;
    gsl_rng *rng = NULL;
    shang_ivec ids = {0};
    float *logits = NULL;
    int rc = shang_gpt_load(model, &m, &t);
    if (!rc && shang_bpe_eot(t) >= 0) rc = shang_ivec_push(&ids, shang_bpe_eot(t));
    if (!rc) rc = shang_encoder_new(t, &e);
    if (!rc) rc = shang_encode(e, prompt, strlen(prompt), &ids, NULL);
    if (!rc) rc = shang_gpt_run_new(m, 1, m->cfg.T, &r);
    if (!rc) rc = shang_rng_new(seed, SHANG_STREAM_SAMPLE, 0, &rng);
    if (!rc && !(logits = shang_alloc((size_t)m->cfg.V, sizeof *logits, "logits"))) rc = shang_err_code();
    if (!rc) fputs(prompt, stdout);
    for (int k = 0; k < n && !rc; k++) {
        size_t T = ids.n < (size_t)m->cfg.T ? ids.n : (size_t)m->cfg.T;
        int32_t next;
        rc = shang_gpt_next_logits(r, ids.v + ids.n - T, (int)T, logits);
        /* tokens past the tokenizer (a padded vocabulary) are never drawn */
        if (!rc) rc = shang_sample(logits, (int)shang_bpe_vocab_size(t), temperature, top_k, top_p, rng, &next);
        if (!rc) rc = shang_ivec_push(&ids, next);
        if (!rc && next == shang_bpe_eot(t)) break;
        size_t len;
        const char *s = rc ? NULL : shang_bpe_token(t, next, &len);
        if (s) fwrite(s, 1, len, stdout);
        fflush(stdout);
    }
    if (!rc) putchar('\n');
    int status = rc ? cmd_fail("generate", rc) : SHANG_EXIT_OK;
    free(logits);
    free(ids.v);
    shang_rng_free(rng);
    shang_gpt_run_free(r);
    shang_encoder_free(e);
    shang_bpe_free(t);
    shang_gpt_free(m);
    return status;
}
