/* shang import-gpt2 — a Hugging Face GPT-2 checkpoint to a shang model file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shang import-gpt2 [options] -o MODEL.h5 DIR\n\n"
            "Converts a Hugging Face GPT-2 checkpoint (any size: gpt2, gpt2-medium, ...; or\n"
            "your own) into a shang model file: DIR/model.safetensors, DIR/config.json,\n"
            "DIR/vocab.json (or encoder.json) and DIR/merges.txt (or vocab.bpe). GPT-2's\n"
            "Conv1D weights (in, out) are transposed to shang's (out, in); the tokenizer is\n"
            "embedded. The safetensors file is checked strictly (header, dtypes F32/F16/\n"
            "BF16, offsets inside the file, no overlaps or gaps); every tensor's shape is\n"
            "checked against config.json.\n\n"
            "Options:\n"
            "  -o, --output FILE       the shang.model file to write (required)\n"
            "      --safetensors FILE  instead of DIR/model.safetensors\n"
            "      --config FILE       instead of DIR/config.json\n"
            "      --vocab FILE        instead of DIR/vocab.json\n"
            "      --merges FILE       instead of DIR/merges.txt\n"
            "  -q, --quiet             no messages on stderr but errors\n"
            "  -v, --verbose           more detail in errors\n"
            "  -h, --help              show this help and exit\n\n"
            "Example:\n"
            "  shang import-gpt2 -o gpt2.h5 ~/models/gpt2\n");
    cmd_print_exit_status(out);
}

static char *in_dir(const char *dir, const char *a, const char *b)
{
    char *p = shang_asprintf("%s/%s", dir ? dir : ".", a);
    if (!b || (p && access(p, R_OK) == 0)) return p;
    free(p);
    return shang_asprintf("%s/%s", dir ? dir : ".", b);
}

int cmd_import_gpt2(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'}, {"safetensors", required_argument, 0, 's'},
        {"config", required_argument, 0, 'c'}, {"vocab", required_argument, 0, 'V'},
        {"merges", required_argument, 0, 'M'}, {0, 0, 0, 0}};
    const char *output = NULL, *given[4] = {NULL, NULL, NULL, NULL};
    int c;
    cmd_opts co;
    cmd_opts_init(&co, "import-gpt2", CMD_FILES, usage);
    while ((c = cmd_getopt(&co, argc, argv, "o:", opts)) > 0) switch (c) {
        case 'o': output = optarg; break;
        case 's': given[0] = optarg; break;
        case 'c': given[1] = optarg; break;
        case 'V': given[2] = optarg; break;
        case 'M': given[3] = optarg; break;
        }
    const char *dir = optind < argc ? argv[optind] : NULL;
    if (c < 0 || cmd_opts_done(&co, argc, !output ? "no output file (-o)" : argc - optind > 1 ? "one checkpoint directory, not more"
                                           : !dir && !(given[0] && given[1] && given[2] && given[3]) ? "give a checkpoint directory or all four files" : NULL))
        return cmd_opts_exit(&co);
    cmd_opts_free(&co);
    static const char *const names[4][2] = {{"model.safetensors", NULL}, {"config.json", NULL},
                                            {"vocab.json", "encoder.json"}, {"merges.txt", "vocab.bpe"}};
    static const char *const roles[4] = {"safetensors", "config", "vocab", "merges"};
    char *path[4];
    for (int i = 0; i < 4; i++) path[i] = given[i] ? shang_strdup(given[i]) : in_dir(dir, names[i][0], names[i][1]);

    shang_gpt *m = NULL;
    shang_tokenizer *t = NULL;
    shang_h5_file *f = NULL;
    shang_prov *p = NULL;
    int rc = shang_h5_create(output, SHANG_MODEL_FORMAT, SHANG_MODEL_VERSION, &f);
    if (!rc) rc = shang_import_gpt2(path[0], path[1], &m);
    if (!rc) rc = shang_bpe_load_gpt2(path[2], path[3], &t);
    if (!rc && shang_bpe_vocab_size(t) > (size_t)m->cfg.V)
        rc = SHANG_FAIL(SHANG_EFORMAT, "%s has %zu tokens, more than the model's vocabulary (%d)", path[2],
                        shang_bpe_vocab_size(t), m->cfg.V);
    if (!rc) rc = cmd_prov_new("import-gpt2", argc, argv, &p);
    for (int i = 0; i < 4 && !rc; i++) rc = shang_prov_input(p, roles[i], path[i]);
    if (!rc) rc = shang_gpt_write(m, f->id);
    if (!rc) rc = shang_bpe_write(t, f->id, "tokenizer");
    if (!rc) rc = shang_prov_commit(p, &f);
    if (!rc)
        shang_log(SHANG_LOG_INFO, "import-gpt2: %d layers, width %d, %d heads, context %d, vocabulary %d, %zu parameters -> %s\n",
                  m->cfg.L, m->cfg.C, m->cfg.NH, m->cfg.T, m->cfg.V, m->n_params, output);
    int status = rc ? cmd_fail("import-gpt2", rc) : SHANG_EXIT_OK;
    shang_h5_abort(f);
    shang_prov_free(p);
    shang_bpe_free(t);
    shang_gpt_free(m);
    for (int i = 0; i < 4; i++) free(path[i]);
    return status;
}
