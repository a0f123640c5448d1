/* shang export — a result table of any shang artefact as TSV, with the
 * artefact's provenance as '#' comment lines above the header (gnuplot, R's
 * read.delim(comment.char = "#") and pandas' read_csv(sep="\t", comment="#")
 * skip them). Without a table name: lists the tables. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: shang export [options] FILE.h5 [TABLE]\n\n"
                 "Writes the result table TABLE of a shang artefact (shang alias, shang\n"
                 "ngram, shang senses, ... store theirs under /tables) as tab-separated\n"
                 "values: '#' lines with the artefact's provenance, one header line of\n"
                 "column names, one line per row (floats to 10 significant digits, NaN as\n"
                 "NaN). Without TABLE, lists the tables with their rows and columns.\n\n"
                 "Options:\n"
                 "  -o, --output FILE   write here (atomically) instead of stdout\n"
                 "      --no-header     leave out the provenance lines\n"
                 "  -q, --quiet | -v, --verbose | -h, --help\n\n"
                 "Example:\n"
                 "  shang export alias.h5 layers -o alias-layers.tsv\n");
    cmd_print_exit_status(out);
}

int cmd_export(int argc, char **argv)
{
    enum { O_NOHEADER = 256 };
    static const struct option opts[] = {{"output", required_argument, 0, 'o'}, {"no-header", no_argument, 0, O_NOHEADER},
                                         {0, 0, 0, 0}};
    const char *output = NULL;
    int header = 1, c;
    cmd_opts co;
    cmd_opts_init(&co, "export", CMD_FILES, usage);
    while ((c = cmd_getopt(&co, argc, argv, "o:", opts)) > 0) switch (c) {
        case 'o': output = optarg; break;
        case O_NOHEADER: header = 0; break;
        }
    if (c < 0 || cmd_opts_done(&co, argc, optind >= argc ? "no file given" : argc - optind > 2 ? "one file and at most one table" : NULL))
        return cmd_opts_exit(&co);
    cmd_opts_free(&co);
    const char *path = argv[optind], *name = optind + 1 < argc ? argv[optind + 1] : NULL;
    hid_t f;
    int rc = shang_h5_open(path, NULL, 1 << 30, &f, NULL);
    if (rc) return cmd_fail("export", rc);
    shang_table *t = NULL;
    char *prov = NULL, *tmp = NULL;
    FILE *out = stdout;
    if (!name) { /* the list */
        char **names;
        size_t n;
        rc = shang_table_list(f, &names, &n);
        for (size_t i = 0; !rc && i < n; i++) {
            if ((rc = shang_table_read(f, names[i], &t))) break;
            printf("%s\t%zu rows\t%zu columns\t%s\n", names[i], shang_table_rows(t), shang_table_columns(t),
                   shang_table_column_name(t, 0));
            shang_table_free(t);
            t = NULL;
        }
        if (!rc && n == 0) fprintf(stderr, "shang export: %s holds no tables\n", path);
        if (!rc) shang_h5_free_strs(names, n);
        H5Fclose(f);
        return rc ? cmd_fail("export", rc) : SHANG_EXIT_OK;
    }
    rc = shang_table_read(f, name, &t);
    if (!rc && header) rc = shang_h5_describe_provenance(f, "# ", &prov);
    H5Fclose(f);
    if (!rc && output) {
        if (asprintf(&tmp, "%s.tmp.%d", output, (int)getpid()) < 0) {
            tmp = NULL;
            rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        } else if (!(out = fopen(tmp, "w"))) {
            rc = SHANG_FAIL(SHANG_EIO, "cannot create %s", tmp);
        }
    }
    if (!rc && header) fprintf(out, "# shang export of table %s of %s\n%s", name, path, prov);
    if (!rc) rc = shang_table_write_tsv(t, out);
    if (output && out && out != stdout) {
        if (fclose(out) != 0 && !rc) rc = SHANG_FAIL(SHANG_EIO, "cannot write %s", output);
        if (!rc && rename(tmp, output) != 0) rc = SHANG_FAIL(SHANG_EIO, "cannot rename %s to %s", tmp, output);
        if (rc) remove(tmp);
    }
    free(tmp);
    free(prov);
    shang_table_free(t);
    return rc ? cmd_fail("export", rc) : SHANG_EXIT_OK;
}
