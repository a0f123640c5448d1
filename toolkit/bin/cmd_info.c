/* shang info — describe artefacts: format and version, provenance (with the
 * provenance of every input), and every dataset with shape, type, dims,
 * description and units. Reads any shang artefact of any version. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: shang info [options] FILE.h5...\n\n"
                 "Describes shang artefacts for a person: the format name and version, the\n"
                 "provenance (program, git commit, command line, every parameter, seed,\n"
                 "threads, library versions, BLAS kernel, and the inputs' own provenance),\n"
                 "and every dataset with its shape, type, dims and description.\n\n"
                 "Options:\n"
                 "  -q, --quiet     print nothing on stderr but errors\n"
                 "  -v, --verbose   also print where in the source an error arose\n"
                 "  -h, --help      show this help and exit\n\n"
                 "Example:\n"
                 "  shang info out/states.h5\n");
    cmd_print_exit_status(out);
}

int cmd_info(int argc, char **argv)
{
    cmd_opts co;
    cmd_opts_init(&co, "info", CMD_FILES, usage);
    int c = cmd_getopt(&co, argc, argv, "", NULL);
    if (c < 0 || cmd_opts_done(&co, argc, optind >= argc ? "no file given" : NULL)) return cmd_opts_exit(&co);
    cmd_opts_free(&co);
    for (int i = optind; i < argc; i++) {
        hid_t f;
        int rc = shang_h5_open(argv[i], NULL, 1 << 30, &f, NULL);
        char *text = NULL;
        if (!rc) {
            rc = shang_h5_describe(f, &text);
            H5Fclose(f);
        }
        if (rc) return cmd_fail("info", rc);
        printf("%s%s:\n%s", i > optind ? "\n" : "", argv[i], text);
        free(text);
    }
    return SHANG_EXIT_OK;
}
