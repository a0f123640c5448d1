/* cmd.h — the subcommands of `shang` and the helpers they share for reporting
 * errors the same way: "shang <verb>: <what failed>: <detail>" on stderr. */
#ifndef SHANG_CMD_H
#define SHANG_CMD_H

#include <stdio.h>

#include "shang.h"

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
/* The options every verb shares, and getopt's errors: -q and -v set the log
 * level and return CMD_NEXT (go on parsing); -h prints usage to stdout and
 * returns 0; a missing value or an unknown option returns the usage status. The
 * verb returns any value other than CMD_NEXT. */
#define CMD_NEXT (-1)
int cmd_std_option(const char *verb, int c, char **argv, void (*usage)(FILE *));
/* The usage error for an option whose value did not parse: names the option
 * and its value ("--ctx abc: 'abc' is not an integer"). */
int cmd_bad_value(const char *verb, char **argv);
/* "0,3,6", "0-6" or "1-3,7" -> a malloc'd list of layer numbers (0..1024), which
 * replaces (and frees) *out: NULL at first, the previous list for a repeated option. */
int cmd_parse_layers(const char *s, int **out, int *n);
/* "resid,ln_f" -> a mask of 1 << SHANG_SITE_*. */
int cmd_parse_sites(const char *s, unsigned *mask);
/* A float64 column `name` of t and, with ci, its interval columns `name_lo` and
 * `name_hi` ("estimate -/+ z x bootstrap standard error, <unit> resampled"):
 * col[0..2] (col[1], col[2] = -1 without ci). SHANG_OK or the error. */
int cmd_table_estimate(shang_table *t, const char *name, const char *desc, int ci, const char *unit, int col[3]);
/* Fills the last row's columns made by cmd_table_estimate: the estimate and,
 * where the interval columns exist, estimate -/+ z sd with z the normal quantile
 * of the two-sided `level`. */
void cmd_table_put_estimate(shang_table *t, const int col[3], double est, double sd, double level);
/* The exit-status paragraph every --help ends with. */
void cmd_print_exit_status(FILE *out);

#endif
