/* shang init — a model file with GPT-2's random initialisation: the starting
 * point of training, and the random-weight control of every experiment. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shang init (-t TOKENIZER.h5 | --gpt2 DIR) [options] -o MODEL.h5\n\n"
            "Writes a GPT-2-architecture model with random weights (GPT-2's initialisation:\n"
            "N(0, 0.02), residual projections N(0, 0.02/sqrt(2L)), zero biases, unit LN\n"
            "gains) and the tokenizer embedded. The vocabulary is the tokenizer's, padded\n"
            "up to a multiple of --vocab-multiple.\n\n"
            "Options:\n"
            "  -t, --tokenizer FILE    a shang artefact with a tokenizer (shang bpe)\n"
            "      --gpt2 DIR          GPT-2's tokenizer files instead\n"
            "  -o, --output FILE       the shang.model file to write (required)\n"
            "  -L, --layers N          blocks [default 6; 1..1024]\n"
            "  -C, --width N           embedding width [default 256; 1..65536]\n"
            "  -H, --heads N           attention heads, dividing the width [default 8]\n"
            "  -T, --context N         positions [default 256; 1..65536]\n"
            "      --vocab-multiple N  pad the vocabulary to a multiple of N [default 1]\n"
            "      --seed N            master seed [default 42]\n"
            "  -q, --quiet             no messages on stderr\n"
            "  -h, --help              show this help and exit\n\n"
            "Example:\n"
            "  shang init -t tokenizer.h5 -L 6 -C 256 -H 8 -T 256 -o random.h5\n");
    cmd_print_exit_status(out);
}

int cmd_init(int argc, char **argv)
{
    enum { O_GPT2 = 256, O_VMULT };
    static const struct option opts[] = {
        {"tokenizer", required_argument, 0, 't'}, {"gpt2", required_argument, 0, O_GPT2},
        {"output", required_argument, 0, 'o'},    {"layers", required_argument, 0, 'L'},
        {"width", required_argument, 0, 'C'},     {"heads", required_argument, 0, 'H'},
        {"context", required_argument, 0, 'T'},   {"vocab-multiple", required_argument, 0, O_VMULT},
        {0, 0, 0, 0}};
    const char *tok = NULL, *gpt2 = NULL, *output = NULL;
    shang_gpt_config cfg = {.L = 6, .C = 256, .NH = 8, .T = 256, .eps = 1e-5f};
    int vmult = 1, c;
    cmd_opts co;
    cmd_opts_init(&co, "init", CMD_SEED, usage);
    while ((c = cmd_getopt(&co, argc, argv, "t:o:L:C:H:T:", opts)) > 0) switch (c) {
        case 't': tok = optarg; break;
        case O_GPT2: gpt2 = optarg; break;
        case 'o': output = optarg; break;
        case 'L': co.bad = shang_parse_int(optarg, 1, 1024, &cfg.L); break;
        case 'C': co.bad = shang_parse_int(optarg, 1, 65536, &cfg.C); break;
        case 'H': co.bad = shang_parse_int(optarg, 1, 65536, &cfg.NH); break;
        case 'T': co.bad = shang_parse_int(optarg, 1, 65536, &cfg.T); break;
        case O_VMULT: co.bad = shang_parse_int(optarg, 1, 4096, &vmult); break;
        }
    if (c < 0 || cmd_opts_done(&co, argc, !tok == !gpt2 ? "give exactly one of --tokenizer and --gpt2"
                                          : !output ? "no output file (-o)" : NULL))
        return cmd_opts_exit(&co);
    if (cfg.C % cfg.NH) return cmd_opts_usage(&co, "--heads %d does not divide --width %d", cfg.NH, cfg.C);
    const uint64_t seed = co.seed;
    shang_tokenizer *t = NULL;
    shang_gpt *m = NULL;
    shang_h5_file *f = NULL;
    shang_prov *p = NULL;
    int rc = shang_h5_create(output, SHANG_MODEL_FORMAT, SHANG_MODEL_VERSION, &f);
    if (!rc) rc = tok ? shang_bpe_load_file(tok, &t) : shang_bpe_load_gpt2_dir(gpt2, &t);
    if (!rc) {
        size_t V = shang_bpe_vocab_size(t);
        cfg.V = (int)((V + (size_t)vmult - 1) / (size_t)vmult * (size_t)vmult);
        rc = shang_gpt_new(&cfg, &m);
    }
    if (!rc) rc = shang_gpt_init(m, seed);
    if (!rc) rc = cmd_prov_new("init", argc, argv, &p);
    if (!rc && tok) rc = shang_prov_input(p, "tokenizer", tok);
    if (!rc && !(rc = cmd_opts_prov(&co, p))) {
        if ((rc = shang_prov_i64(p, "layers", cfg.L)) || (rc = shang_prov_i64(p, "width", cfg.C)) ||
            (rc = shang_prov_i64(p, "heads", cfg.NH)) || (rc = shang_prov_i64(p, "context", cfg.T)) ||
            (rc = shang_prov_i64(p, "vocab_multiple", vmult)) || (rc = shang_prov_str(p, "tokenizer", tok ? tok : gpt2))) {
            /* rc holds the failure */
        }
    }
    if (!rc) rc = shang_gpt_write(m, f->id);
    if (!rc) rc = shang_bpe_write(t, f->id, "tokenizer");
    if (!rc) rc = shang_prov_commit(p, &f);
    if (!rc)
        shang_log(SHANG_LOG_INFO, "init: %d layers, width %d, %d heads, context %d, vocabulary %d: %zu parameters -> %s\n",
                  cfg.L, cfg.C, cfg.NH, cfg.T, cfg.V, m->n_params, output);
    int status = rc ? cmd_fail("init", rc) : SHANG_EXIT_OK;
    shang_h5_abort(f);
    shang_prov_free(p);
    cmd_opts_free(&co);
    shang_gpt_free(m);
    shang_bpe_free(t);
    return status;
}
