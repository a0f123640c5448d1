/* shang verify — re-runs the command recorded in an artefact's provenance and
 * reports whether the new output holds the same data. */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shang verify [options] ARTEFACT...\n\n"
            "For each shang artefact: reads the command line, working directory and inputs\n"
            "recorded in its /provenance; checks that every input still has the recorded\n"
            "SHA-256; re-runs the command with this shang, writing to a temporary file\n"
            "instead of the recorded output; and compares the two files object by object\n"
            "(every dataset, table and attribute, bytes and strings; /provenance, which\n"
            "holds the creation time, is left out). Prints one line per artefact:\n"
            "  reproduced   FILE (N objects identical)\n"
            "  DIFFERS      FILE: the objects that differ\n"
            "  NOT CHECKED  FILE: why (an input changed or is missing, the run failed)\n"
            "The re-run has the recorded command's options, so its thread count too.\n"
            "Re-running `shang train` trains again (into a temporary checkpoint). The exit\n"
            "status is 0 only if every artefact was reproduced.\n\n"
            "Options:\n"
            "      --keep DIR   keep the re-run outputs (and their logs) in DIR\n"
            "  -q, --quiet | -v, --verbose (the re-run's stderr) | -h, --help\n\n"
            "Example:\n"
            "  shang verify experiments/work/shang-6l-test-200000/lens.h5\n");
    cmd_print_exit_status(out);
}

/* the options whose value is a file the command writes: 1 the artefact (-o,
 * --output), 2 another (--checkpoint), 0 none; *value_in_word for --opt=FILE, -oFILE */
static int is_output_option(const char *a, const char **value_in_word)
{
    static const char *const opt[] = {"-o", "--output", "--checkpoint"};
    *value_in_word = NULL;
    for (size_t i = 0; i < sizeof opt / sizeof *opt; i++) {
        size_t n = strlen(opt[i]);
        int kind = i < 2 ? 1 : 2;
        if (!strcmp(a, opt[i])) return kind;
        if (!strncmp(a, opt[i], n) && a[n] == '=') {
            *value_in_word = a + n + 1;
            return kind;
        }
        if (i == 0 && !strncmp(a, "-o", 2) && a[2]) { /* -oFILE */
            *value_in_word = a + 2;
            return kind;
        }
    }
    return 0;
}

/* removes a folder of plain files */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char *p = NULL;
        if (asprintf(&p, "%s/%s", dir, e->d_name) >= 0) unlink(p);
        free(p);
    }
    if (d) closedir(d);
    if (rmdir(dir)) fprintf(stderr, "shang verify: cannot remove %s\n", dir);
}

struct recorded {
    char *verb, *command, *cwd;
    char **argv;
    int argc;
};

static void recorded_free(struct recorded *r)
{
    free(r->verb);
    free(r->command);
    free(r->cwd);
    for (int i = 0; i < r->argc; i++) free(r->argv[i]);
    free(r->argv);
}

/* the command and working directory; every recorded input checked against its SHA-256 */
static int read_recorded(const char *path, struct recorded *r, char *why, size_t why_len)
{
    hid_t f = -1, g = -1, in = -1;
    int rc = shang_h5_open(path, NULL, INT32_MAX, &f, NULL);
    if (!rc && !shang_h5_exists(f, "provenance")) rc = SHANG_FAIL(SHANG_EFORMAT, "%s has no /provenance", path);
    if (!rc && (g = H5Gopen2(f, "provenance", H5P_DEFAULT)) < 0) rc = SHANG_FAIL(SHANG_EIO, "%s: cannot open /provenance", path);
    if (!rc) rc = shang_h5_attr_get_str(g, "verb", &r->verb);
    if (!rc) rc = shang_h5_attr_get_str(g, "command_line", &r->command);
    if (!rc && H5Aexists(g, "cwd") > 0) rc = shang_h5_attr_get_str(g, "cwd", &r->cwd);
    if (!rc) rc = shang_prov_split_command(r->command, &r->argv, &r->argc);
    if (!rc && r->argc < 2) rc = SHANG_FAIL(SHANG_EFORMAT, "%s: the recorded command '%s' is too short", path, r->command);
    /* inputs: relative paths are relative to the recorded working directory */
    if (!rc && shang_h5_exists(g, "inputs") && (in = H5Gopen2(g, "inputs", H5P_DEFAULT)) >= 0) {
        H5G_info_t info;
        H5Gget_info(in, &info);
        for (hsize_t i = 0; !rc && !*why && i < info.nlinks; i++) {
            char *role = NULL, *ipath = NULL, *sha = NULL, *full = NULL, hex[65];
            uint64_t bytes;
            ssize_t rl = H5Lget_name_by_idx(in, ".", H5_INDEX_NAME, H5_ITER_INC, i, NULL, 0, H5P_DEFAULT);
            hid_t ri = -1;
            if (rl >= 0 && (role = shang_alloc((size_t)rl + 1, 1, "role")) &&
                H5Lget_name_by_idx(in, ".", H5_INDEX_NAME, H5_ITER_INC, i, role, (size_t)rl + 1, H5P_DEFAULT) >= 0)
                ri = H5Gopen2(in, role, H5P_DEFAULT);
            if (ri < 0) { /* an input that cannot be checked is not skipped */
                snprintf(why, why_len, "input record %llu of /provenance/inputs cannot be read", (unsigned long long)i);
                free(role);
                break;
            }
            rc = shang_h5_attr_get_str(ri, "path", &ipath);
            if (!rc) rc = shang_h5_attr_get_str(ri, "sha256", &sha);
            H5Gclose(ri);
            if (!rc && ipath[0] != '/' && r->cwd && r->cwd[0] && asprintf(&full, "%s/%s", r->cwd, ipath) < 0) full = NULL;
            const char *p = full ? full : ipath;
            if (!rc && shang_sha256_file(p, hex, &bytes)) {
                snprintf(why, why_len, "input %s (%s) cannot be read: %s", role, p, shang_err_msg());
                shang_err_clear();
            } else if (!rc && strcmp(hex, sha)) {
                snprintf(why, why_len, "input %s (%s) changed since: SHA-256 %.12s..., recorded %.12s...", role, p, hex, sha);
            }
            free(role);
            free(ipath);
            free(sha);
            free(full);
        }
        H5Gclose(in);
    }
    if (g >= 0) H5Gclose(g);
    if (f >= 0) H5Fclose(f);
    return rc;
}

/* runs `shang` argv[1..] in cwd with the outputs in dir; the log in dir/log.txt */
static int rerun(const struct recorded *r, const char *self, const char *dir, char **out_path, char *why, size_t why_len)
{
    char **argv = shang_zalloc((size_t)r->argc + 1, sizeof *argv, "argv");
    char *log = NULL;
    int n_out = 0, rc = SHANG_OK;
    *out_path = NULL;
    if (!argv || asprintf(&log, "%s/log.txt", dir) < 0) {
        free(argv);
        return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    }
    argv[0] = (char *)self;
    for (int i = 1; !rc && i < r->argc; i++) {
        const char *inword;
        argv[i] = r->argv[i];
        int kind = is_output_option(r->argv[i], &inword);
        if (!kind) continue;
        char *np = NULL;
        if (asprintf(&np, "%s/out%d.h5", dir, n_out) < 0) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
        else if (inword) {
            char *w = NULL;
            if (asprintf(&w, "%.*s%s", (int)(inword - r->argv[i]), r->argv[i], np) < 0) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
            argv[i] = w;
        } else if (i + 1 < r->argc) {
            argv[i + 1] = strdup(np);
            i++;
        }
        n_out++;
        if (!rc && kind == 1) {
            free(*out_path); /* a repeated -o: the last one counts, as for getopt */
            *out_path = np;
        } else {
            free(np);
        }
    }
    if (!rc && !*out_path) snprintf(why, why_len, "the recorded command writes no -o file: %s", r->command);
    if (!rc && !*why) {
        fflush(NULL);
        pid_t pid = fork();
        if (pid == 0) {
            int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644), nul = open("/dev/null", O_WRONLY);
            if (fd >= 0) dup2(fd, 2);
            if (nul >= 0) dup2(nul, 1);
            if (r->cwd && r->cwd[0] && chdir(r->cwd)) _exit(126);
            execv(self, argv);
            _exit(127);
        }
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) < 0) rc = SHANG_FAIL(SHANG_EIO, "cannot run %s", self);
        else if (!WIFEXITED(st) || WEXITSTATUS(st)) {
            snprintf(why, why_len, "the re-run exited with status %d (%s%s; log %s)", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
                     WIFEXITED(st) && WEXITSTATUS(st) == 126 ? "cannot enter " : "",
                     WIFEXITED(st) && WEXITSTATUS(st) == 126 ? r->cwd : "see the log", log);
        }
    }
    /* the words replaced above are ours; the rest belong to r */
    for (int i = 1; i < r->argc; i++)
        if (argv[i] != r->argv[i]) free(argv[i]);
    free(argv);
    free(log);
    return rc;
}

int cmd_verify(int argc, char **argv)
{
    enum { O_KEEP = 256 };
    static const struct option opts[] = {{"keep", required_argument, 0, O_KEEP}, {0, 0, 0, 0}};
    const char *keep = NULL;
    int c;
    cmd_opts co;
    cmd_opts_init(&co, "verify", CMD_FILES, usage);
    while ((c = cmd_getopt(&co, argc, argv, "", opts)) > 0)
        if (c == O_KEEP) keep = optarg;
    if (c < 0 || cmd_opts_done(&co, argc, optind >= argc ? "no artefacts" : NULL)) return cmd_opts_exit(&co);
    cmd_opts_free(&co);
    char self[PATH_MAX];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl <= 0) return cmd_fail("verify", SHANG_FAIL(SHANG_EIO, "cannot find the running shang (/proc/self/exe)"));
    self[sl] = '\0';
    if (keep && mkdir(keep, 0755) && access(keep, W_OK))
        return cmd_fail("verify", SHANG_FAIL(SHANG_EIO, "--keep %s: cannot create the folder", keep));
    int all_ok = 1, status = SHANG_EXIT_OK;
    for (int k = optind; k < argc; k++) {
        struct recorded r = {0};
        char why[1024] = "", *dir = NULL, *out = NULL, **diff = NULL, tmpl[] = "/tmp/shang-verify.XXXXXX";
        size_t n_same = 0, n_diff = 0;
        int rc = read_recorded(argv[k], &r, why, sizeof why);
        if (!rc && !strcmp(r.verb, "verify")) snprintf(why, sizeof why, "a verify run writes no artefact");
        if (!rc && !*why) {
            if (keep) {
                const char *base = strrchr(argv[k], '/');
                if (asprintf(&dir, "%s/%s.d", keep, base ? base + 1 : argv[k]) < 0) dir = NULL;
                if (dir && mkdir(dir, 0755) && access(dir, W_OK)) rc = SHANG_FAIL(SHANG_EIO, "cannot create %s", dir);
            } else {
                dir = mkdtemp(tmpl) ? strdup(tmpl) : NULL;
            }
            if (!rc && !dir) rc = SHANG_FAIL(SHANG_EIO, "cannot create a temporary folder");
        }
        if (!rc && !*why) rc = rerun(&r, self, dir, &out, why, sizeof why);
        if (!rc && !*why) {
            hid_t a = -1, b = -1;
            rc = shang_h5_open(argv[k], NULL, INT32_MAX, &a, NULL);
            if (!rc) rc = shang_h5_open(out, NULL, INT32_MAX, &b, NULL);
            if (!rc) rc = shang_h5_compare(a, b, "provenance", &n_same, &diff, &n_diff);
            if (a >= 0) H5Fclose(a);
            if (b >= 0) H5Fclose(b);
        }
        if (shang_log_level() >= SHANG_LOG_DEBUG && dir) {
            char *log = NULL;
            if (asprintf(&log, "%s/log.txt", dir) >= 0) {
                FILE *lf = fopen(log, "r");
                int ch;
                while (lf && (ch = fgetc(lf)) != EOF) fputc(ch, stderr);
                if (lf) fclose(lf);
            }
            free(log);
        }
        if (rc) {
            printf("NOT CHECKED  %s: %s\n", argv[k], shang_err_msg());
            shang_err_clear();
            all_ok = 0;
        } else if (*why) {
            printf("NOT CHECKED  %s: %s\n", argv[k], why);
            all_ok = 0;
        } else if (n_diff) {
            printf("DIFFERS      %s: %zu of %zu objects:", argv[k], n_diff, n_diff + n_same);
            for (size_t i = 0; i < n_diff && i < 20; i++) printf(" %s", diff[i]);
            printf("%s\n", n_diff > 20 ? " ..." : "");
            all_ok = 0;
        } else {
            printf("reproduced   %s (%zu objects identical; shang %s re-ran: %s)\n", argv[k], n_same, r.verb, r.command);
        }
        fflush(stdout);
        if (!keep && dir) remove_dir(dir); /* the temporary folder: its log and outputs */
        shang_h5_free_strs(diff, n_diff);
        free(out);
        free(dir);
        recorded_free(&r);
    }
    if (!all_ok) status = SHANG_EXIT_FAILURE;
    return status;
}
