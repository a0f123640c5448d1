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
    static const struct option opts[] = {{"quiet", no_argument, 0, 'q'},
                                         {"verbose", no_argument, 0, 'v'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":qvh", opts, NULL)) != -1) {
        switch (c) {
        default: {
            int st = cmd_std_option("info", c, argv, usage);
            if (st != CMD_NEXT) return st;
        }
        }
    }
    if (optind >= argc) return cmd_usage_error("info", "no file given");
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
