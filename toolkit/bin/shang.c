/* shang — dispatcher: `shang <verb> [options]`, samtools style. Each verb lives in
 * cmd_<verb>.c. Before anything else the OpenBLAS kernel is checked (and the
 * program re-executed with a better one if OpenBLAS chose its generic kernel). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gsl/gsl_cdf.h>
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

int cmd_table_estimate(shang_table *t, const char *name, const char *desc, int ci, const char *unit, int col[3])
{
    char nm[128], d[160];
    col[1] = col[2] = -1;
    if ((col[0] = shang_table_column(t, name, SHANG_DT_F64, desc)) < 0) return shang_err_code();
    if (!ci) return SHANG_OK;
    snprintf(nm, sizeof nm, "%s_lo", name);
    snprintf(d, sizeof d, "estimate - z x bootstrap standard error (%s resampled)", unit);
    if ((col[1] = shang_table_column(t, nm, SHANG_DT_F64, d)) < 0) return shang_err_code();
    snprintf(nm, sizeof nm, "%s_hi", name);
    snprintf(d, sizeof d, "estimate + z x bootstrap standard error (%s resampled)", unit);
    if ((col[2] = shang_table_column(t, nm, SHANG_DT_F64, d)) < 0) return shang_err_code();
    return SHANG_OK;
}

void cmd_table_put_estimate(shang_table *t, const int col[3], double est, double sd, double level)
{
    shang_table_f64(t, col[0], est);
    if (col[1] < 0) return;
    const double z = gsl_cdf_ugaussian_Pinv(1 - (1 - level) / 2);
    shang_table_f64(t, col[1], est - z * sd);
    shang_table_f64(t, col[2], est + z * sd);
}

int cmd_usage_error(const char *verb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "shang %s: ", verb);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'shang %s --help' for more information.\n", verb);
    return SHANG_EXIT_USAGE;
}

int cmd_fail(const char *verb, int code)
{
    fprintf(stderr, "shang %s: %s\n", verb, *shang_err_msg() ? shang_err_msg() : shang_strerror(code));
    if (shang_log_level() >= SHANG_LOG_DEBUG) fprintf(stderr, "  at %s\n", shang_err_where());
    return shang_err_exit_status(code);
}

int cmd_std_option(const char *verb, int c, char **argv, void (*usage)(FILE *))
{
    switch (c) {
    case 'q': shang_log_set_level(SHANG_LOG_QUIET); return CMD_NEXT;
    case 'v': shang_log_set_level(SHANG_LOG_DEBUG); return CMD_NEXT;
    case 'h': usage(stdout); return SHANG_EXIT_OK;
    case ':': return cmd_usage_error(verb, "option '%s' needs a value", argv[optind - 1]);
    default: return cmd_usage_error(verb, "unknown option '%s'", argv[optind - 1]);
    }
}

int cmd_bad_value(const char *verb, char **argv)
{
    /* getopt has moved past the value: it is argv[optind - 1] itself when it
     * came as a separate word (then the option is the word before), or a part
     * of it (--opt=VALUE, -kVALUE) */
    if (optind >= 2 && optarg == argv[optind - 1])
        return cmd_usage_error(verb, "%s %s: %s", argv[optind - 2], optarg, shang_err_msg());
    return cmd_usage_error(verb, "%s: %s", argv[optind - 1], shang_err_msg());
}

/* The next comma-separated item of a list split in place at *cur (NULL after
 * the last). Split by hand: strtok would pass over an empty item ("0,,1"),
 * which is an error here. */
static int list_item(char **cur, const char *list, char **item)
{
    *item = *cur;
    char *comma = strchr(*item, ',');
    if (comma) *comma++ = '\0';
    *cur = comma;
    return **item ? SHANG_OK : SHANG_FAIL(SHANG_EINVAL, "empty item in the list '%s'", list);
}

/* "0,3,6" or "0-6" or "1-3,7" */
int cmd_parse_layers(const char *s, int **out, int *n)
{
    free(*out); /* a repeated option replaces the list */
    *out = NULL;
    *n = 0;
    char *copy = shang_strdup(s);
    int *v = NULL, cap = 0, rc = copy ? SHANG_OK : shang_err_code();
    for (char *cur = copy, *tok; !rc && cur && !(rc = list_item(&cur, s, &tok));) {
        char *dash = strchr(tok, '-');
        int a, b;
        if (dash) *dash = '\0';
        rc = shang_parse_int(tok, 0, 1024, &a);
        b = a;
        if (!rc && dash) rc = shang_parse_int(dash + 1, a, 1024, &b);
        for (int l = a; !rc && l <= b; l++) {
            if (*n == cap) {
                cap = cap ? 2 * cap : 16;
                int *w = realloc(v, (size_t)cap * sizeof *w);
                if (!w) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
                else v = w;
            }
            if (!rc) v[(*n)++] = l;
        }
    }
    if (!rc && *n == 0) rc = SHANG_FAIL(SHANG_EINVAL, "empty list");
    free(copy);
    if (rc) free(v);
    else *out = v;
    return rc;
}

int cmd_parse_sites(const char *s, unsigned *mask)
{
    char *copy = shang_strdup(s);
    int rc = copy ? SHANG_OK : shang_err_code();
    *mask = 0;
    for (char *cur = copy, *tok; !rc && cur && !(rc = list_item(&cur, s, &tok));) {
        int site;
        rc = shang_site_parse(tok, &site);
        if (!rc) *mask |= 1u << site;
    }
    free(copy);
    return rc;
}

int cmd_prov_new(const char *verb, int argc, char **argv, shang_prov **out)
{
    return shang_prov_new(verb, argc + 1, argv - 1, out);
}

int cmd_prov_input(shang_prov *p, const char *kind, int i, const char *path)
{
    char role[64];
    snprintf(role, sizeof role, "%s_%d", kind, i);
    return shang_prov_input(p, role, path);
}

void cmd_print_exit_status(FILE *out)
{
    fprintf(out, "\nExit status:\n"
                 "  0  success\n"
                 "  1  runtime failure (missing, unreadable or inconsistent file, full disk,\n"
                 "     unwritable standard output, memory)\n"
                 "  2  usage error (unknown option, bad option value, a value the inputs rule\n"
                 "     out, an output that is also an input)\n"
                 "  3  numerical failure (NaN/Inf in the data, constant data, no convergence)\n");
}

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
