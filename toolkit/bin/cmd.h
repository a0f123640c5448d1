/* cmd.h — the subcommands of `shang` and the helpers they share for reporting
 * errors the same way: "shang <verb>: <what failed>: <detail>" on stderr. */
#ifndef SHANG_CMD_H
#define SHANG_CMD_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "shang.h"
#include "shang_cli.h" /* internal: number parsing, threads, progress */
#include "shang_mem.h"

int cmd_info(int argc, char **argv);
int cmd_bpe(int argc, char **argv);
int cmd_tokenize(int argc, char **argv);
int cmd_import_gpt2(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_generate(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_loss(int argc, char **argv);
int cmd_ngram(int argc, char **argv);
int cmd_pca(int argc, char **argv);
int cmd_cluster(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_alias(int argc, char **argv);
int cmd_geometry(int argc, char **argv);
int cmd_senses(int argc, char **argv);
int cmd_spectrum(int argc, char **argv);
int cmd_lens(int argc, char **argv);
int cmd_verify(int argc, char **argv);

/* ---- the options verbs share ----------------------------------------------
 * A verb names the shared options it takes; cmd_getopt parses them (one range,
 * one default, one provenance key each) with -q, -v, -h and getopt's errors,
 * and hands the verb its own options:
 *
 *     cmd_opts co;
 *     cmd_opts_init(&co, "pca", CMD_SITE | CMD_LAYERS, usage);
 *     int c;
 *     while ((c = cmd_getopt(&co, argc, argv, "i:o:k:", own)) > 0) switch (c) {
 *     case 'k': co.bad = shang_parse_int(optarg, 1, 1 << 20, &K); break;  ...
 *     }
 *     if (c < 0 || cmd_opts_done(&co, argc, !input ? "no input (-i)" : NULL))
 *         return cmd_opts_exit(&co);
 *     ... cmd_opts_prov(&co, p) ... cmd_opts_free(&co);
 */
enum {
    CMD_THREADS = 1u << 0,   /* --threads N   1..4096 [OMP_NUM_THREADS or all cores] */
    CMD_SEED = 1u << 1,      /* --seed N      0..2^63-1 [SHANG_DEFAULT_SEED] */
    CMD_LAYERS = 1u << 2,    /* --layers LIST "0,3,6", "0-6", "all" [all] */
    CMD_SITE = 1u << 3,      /* --site NAME   resid, ln_f, attn_out, mlp_out [resid] */
    CMD_BOOTSTRAP = 1u << 4, /* --bootstrap B 0 or 2..100000 [100] */
    CMD_LEVEL = 1u << 5,     /* --level P     0.5..0.999 [0.95] */
    CMD_HELDOUT = 1u << 6,   /* --heldout F   0.01..0.99, the share of documents held out
                                (shang_heldout_split with --seed) [0: none; alias 0.2];
                                --parallel P,Q  files starting with P, Q are renderings of
                                one text (shang_states_doc_groups) [none] */
    CMD_FILES = 1u << 8,     /* positional arguments are the verb's (not "unexpected") */
    CMD_ANALYSIS = CMD_THREADS | CMD_SEED | CMD_LAYERS | CMD_SITE | CMD_BOOTSTRAP | CMD_LEVEL,
};

typedef struct cmd_opts {
    const char *verb;
    void (*usage)(FILE *);
    unsigned takes;          /* CMD_* */
    int threads;
    uint64_t seed;
    int bootstrap;
    double level;
    double heldout;          /* 0: nothing held out */
    char **parallel;         /* --parallel's prefixes, n_parallel ("" as given: none) */
    int n_parallel;
    const char *parallel_arg;
    int site;                /* SHANG_SITE_* */
    const char *site_name;
    int *layers, n_layers;   /* NULL, 0: every stored layer */
    const char *layers_arg;  /* as given, for provenance ["all"] */
    int bad;                 /* the verb sets it to a failed parse of its own option's value */
    /* internal */
    const char *bad_value;
    struct option *table;
    char *shorts;
    int status;
} cmd_opts;

/* The defaults above; a verb may change them before parsing (a verb whose
 * bootstrap defaults to 0, say). */
void cmd_opts_init(cmd_opts *o, const char *verb, unsigned takes, void (*usage)(FILE *));
/* The next of the verb's own options (`shorts` as for getopt without the
 * leading ':' and q, v, h; `own` terminated by a zero entry): its value (> 0),
 * 0 after the last, -1 after -h or a usage error, both reported (then return
 * cmd_opts_exit). A value the verb put in `bad` is reported here, naming the
 * option and its value ("--ctx abc: 'abc' is not an integer"). */
int cmd_getopt(cmd_opts *o, int argc, char **argv, const char *shorts, const struct option *own);
/* After the options: `missing` (a message, NULL if all is there) or a stray
 * argument (unless CMD_FILES) is a usage error (-1); else 0, with the thread
 * count set. */
int cmd_opts_done(cmd_opts *o, int argc, const char *missing);
/* A usage error of the verb's ("--ctx 4096: the model's context is 1024"):
 * printed with the --help hint; frees o; returns the usage exit status. */
int cmd_opts_usage(cmd_opts *o, const char *fmt, ...) SHANG_PRINTF(2, 3);
/* Frees o and returns the status of the help or usage error. */
int cmd_opts_exit(cmd_opts *o);
void cmd_opts_free(cmd_opts *o);
/* The shared options the verb takes, into its provenance: threads, seed, and
 * "site", "layers", "bootstrap", "level". */
int cmd_opts_prov(const cmd_opts *o, shang_prov *p) SHANG_MUST_CHECK;

/* ---- reporting, lists, provenance, tables ---------------------------------- */

/* Prints "shang <verb>: <message>" and the --help hint; returns SHANG_EXIT_USAGE. */
int cmd_usage_error(const char *verb, const char *fmt, ...) SHANG_PRINTF(2, 3);
/* Prints "shang <verb>: <library message>" (with the source site at -v) and
 * returns the exit status for `code`. */
int cmd_fail(const char *verb, int code);
/* A provenance record for `shang <verb>` from the verb's (argc, argv), which the
 * dispatcher hands over as the tail of main's argv (argv[-1] is "shang"). */
int cmd_prov_new(const char *verb, int argc, char **argv, shang_prov **out) SHANG_MUST_CHECK;
/* Records input `path` as role "<kind>_<i>" (one of several files of a kind). */
int cmd_prov_input(shang_prov *p, const char *kind, int i, const char *path) SHANG_MUST_CHECK;
/* "0,3,6", "0-6" or "1-3,7" -> a malloc'd list of layer numbers (0..1024), which
 * replaces (and frees) *out: NULL at first, the previous list for a repeated option. */
int cmd_parse_layers(const char *s, int **out, int *n);
/* "resid,ln_f" -> a mask of 1 << SHANG_SITE_*. */
int cmd_parse_sites(const char *s, unsigned *mask);
/* The exit-status paragraph every --help ends with. */
void cmd_print_exit_status(FILE *out);

/* --parallel: each row's document group (shang_states_doc_groups), N */
int cmd_groups(const shang_states *s, const cmd_opts *co, int32_t **group);
/* --heldout: *test (N) marks the held-out rows (shang_heldout_states with co's
 * share, seed and groups); with keep, *keep (allocated if NULL: all rows) loses
 * them, leaving the rows a fit may use. */
int cmd_split(const shang_states *s, const cmd_opts *co, unsigned char **keep, unsigned char **test);
/* The split an artefact was fitted by, as root attributes heldout (the share, 0:
 * none), heldout_seed and heldout_parallel. */
int cmd_heldout_attrs(hid_t file, const cmd_opts *co);
/* The same attributes of another artefact (pca, clusters) equal co's? names the
 * mismatch (SHANG_EINVAL) otherwise */
int cmd_heldout_same(hid_t file, const char *path, const cmd_opts *co);

#endif
