/* shang — dispatcher: `shang <verb> [options]`, samtools style. Each verb lives in
 * cmd_<verb>.c. Before anything else the OpenBLAS kernel is checked (and the
 * program re-executed with a better one if OpenBLAS chose its generic kernel). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>

#include "cmd.h"

static const struct verb {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} verbs[] = {
    {"bpe", cmd_bpe, "learn a byte-level BPE tokenizer on a corpus"},
    {"tokenize", cmd_tokenize, "text to token ids (and back) with a shang or GPT-2 tokenizer"},
    {"train", cmd_train, "train a model on a corpus (AdamW, checkpoints, resume)"},
    {"pca", cmd_pca, "principal components of the hidden states, per layer"},
    {"cluster", cmd_cluster, "k-means of the hidden states, per layer"},
    {"loss", cmd_loss, "a model's held-out cross-entropy and predictive entropy"},
    {"ngram", cmd_ngram, "token-space entropies: Kneser-Ney held-out and the plug-in family"},
    {"init", cmd_init, "a model with random weights (training start, random control)"},
    {"import-gpt2", cmd_import_gpt2, "a Hugging Face GPT-2 checkpoint to a shang model file"},
    {"extract", cmd_extract, "hidden states of every layer for a text or TSV of items"},
    {"generate", cmd_generate, "sample text from a model (a sanity check)"},
    {"alias", cmd_alias, "the aliasing decomposition per layer: tokens vs clusters"},
    {"senses", cmd_senses, "polysemy per layer: WiC-style and nearest-centroid sense accuracy"},
    {"lens", cmd_lens, "the logit lens per layer; entropy and surprisal by position"},
    {"spectrum", cmd_spectrum, "singular values of every weight matrix, against a random start"},
    {"geometry", cmd_geometry, "anisotropy, self-similarity, norms, rogue dimensions per layer"},
    {"export", cmd_export, "a result table of an artefact as TSV with its provenance"},
    {"info", cmd_info, "describe an artefact: format, provenance, datasets"},
    {"verify", cmd_verify, "re-run an artefact's recorded command and compare the data"},
};
#define N_VERBS (sizeof verbs / sizeof *verbs)

static void usage(FILE *out)
{
    fprintf(out, "Usage: shang <verb> [options]\n"
                 "       shang --help | --version\n\n"
                 "shang measures how the token projection aliases a Transformer's latent space.\n\n"
                 "Verbs:\n");
    for (size_t i = 0; i < N_VERBS; i++) fprintf(out, "  %-12s %s\n", verbs[i].name, verbs[i].summary);
    fprintf(out, "\n'shang <verb> --help' describes a verb's options.\n");
    cmd_print_exit_status(out);
}

static void version(void)
{
    char blas[256];
    snprintf(blas, sizeof blas, "%s", shang_blas_config());
    char *sp = strchr(blas, ' ');
    if (sp && (sp = strchr(sp + 1, ' '))) *sp = '\0'; /* "OpenBLAS 0.3.21" */
    printf("shang %s (git %s)\n", SHANG_VERSION, shang_git_commit());
    printf("HDF5 %s\nGSL %s\n%s\n", shang_h5_version(), GSL_VERSION, blas);
    printf("BLAS kernel: %s (%s)\n", shang_blas_kernel(), shang_blas_kernel_origin());
}

/* The value of -o / --output in a verb's arguments, or NULL. */
static const char *output_arg(int argc, char **argv, int *at)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--")) break;
        if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc) {
            *at = i + 1;
            return argv[i + 1];
        }
        if (!strncmp(argv[i], "--output=", 9)) {
            *at = i;
            return argv[i] + 9;
        }
        if (!strncmp(argv[i], "-o", 2) && argv[i][2] && argv[i][1] != '-') {
            *at = i;
            return argv[i] + 2;
        }
    }
    return NULL;
}

/* An output that is already a file named elsewhere on the command line (an
 * input, under any name: the same device and inode) would be overwritten by the
 * result: refused before anything runs. Returns the argument or NULL. */
static const char *output_is_input(int argc, char **argv, const char **out)
{
    int at = -1;
    struct stat so, si;
    *out = output_arg(argc, argv, &at);
    if (!*out || stat(*out, &so) != 0 || !S_ISREG(so.st_mode)) return NULL;
    for (int i = 1; i < argc; i++) {
        if (i == at || (i + 1 == at && argv[i][0] == '-')) continue;
        const char *a = argv[i], *eq = a[0] == '-' && a[1] == '-' ? strchr(a, '=') : NULL;
        if (eq) a = eq + 1;
        if (stat(a, &si) == 0 && S_ISREG(si.st_mode) && si.st_dev == so.st_dev && si.st_ino == so.st_ino) return argv[i];
    }
    return NULL;
}

/* stdout is flushed and closed before exit: a full disk or a closed pipe is a
 * failure (exit 1), not a silently truncated result */
static int close_stdout(const char *verb, int status)
{
    if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
        int e = errno ? errno : EIO;
        fprintf(stderr, "shang %s: cannot write standard output: %s\n", verb, strerror(e));
        return status ? status : SHANG_EXIT_FAILURE;
    }
    return status;
}

int main(int argc, char **argv)
{
    shang_h5_init();
    if (shang_blas_reexec_if_generic(argv) != 0)
        fprintf(stderr, "shang: warning: %s\n", shang_err_msg());
    shang_err_clear();
    gsl_set_error_handler_off();
    if (argc < 2) {
        usage(stderr);
        return SHANG_EXIT_USAGE;
    }
    const char *v = argv[1];
    if (!strcmp(v, "--help") || !strcmp(v, "-h") || !strcmp(v, "help")) {
        usage(stdout);
        return SHANG_EXIT_OK;
    }
    if (!strcmp(v, "--version") || !strcmp(v, "-V")) {
        version();
        return close_stdout("--version", SHANG_EXIT_OK);
    }
    for (size_t i = 0; i < N_VERBS; i++) {
        if (strcmp(v, verbs[i].name)) continue;
        const char *out, *in = output_is_input(argc - 1, argv + 1, &out);
        if (in) return cmd_usage_error(v, "the output %s is also an input (%s): write it elsewhere", out, in);
        return close_stdout(v, verbs[i].run(argc - 1, argv + 1));
    }
    fprintf(stderr, "shang: unknown verb '%s'\nTry 'shang --help' for the list of verbs.\n", v);
    return SHANG_EXIT_USAGE;
}
