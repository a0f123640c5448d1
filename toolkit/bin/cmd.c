/* cmd — what the verbs share: the options every analysis takes (parsed once,
 * with one range and one provenance key each), the error and usage reporting,
 * list parsing, provenance and estimate columns. See cmd.h. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

/* ---- the shared options ------------------------------------------------------ */

enum { O_THREADS = 0x10000, O_SEED, O_LAYERS, O_SITE, O_BOOTSTRAP, O_LEVEL, O_HELDOUT, O_PARALLEL };

static const struct shared {
    unsigned flag;
    struct option opt;
} shared[] = {
    {CMD_THREADS, {"threads", required_argument, 0, O_THREADS}},
    {CMD_SEED, {"seed", required_argument, 0, O_SEED}},
    {CMD_LAYERS, {"layers", required_argument, 0, O_LAYERS}},
    {CMD_SITE, {"site", required_argument, 0, O_SITE}},
    {CMD_BOOTSTRAP, {"bootstrap", required_argument, 0, O_BOOTSTRAP}},
    {CMD_LEVEL, {"level", required_argument, 0, O_LEVEL}},
    {CMD_HELDOUT, {"heldout", required_argument, 0, O_HELDOUT}},
    {CMD_HELDOUT, {"parallel", required_argument, 0, O_PARALLEL}},
    {~0u, {"quiet", no_argument, 0, 'q'}},
    {~0u, {"verbose", no_argument, 0, 'v'}},
    {~0u, {"help", no_argument, 0, 'h'}},
};
#define N_SHARED (sizeof shared / sizeof *shared)

void cmd_opts_init(cmd_opts *o, const char *verb, unsigned takes, void (*usage)(FILE *))
{
    *o = (cmd_opts){.verb = verb, .usage = usage, .takes = takes, .threads = shang_threads_default(),
                    .seed = SHANG_DEFAULT_SEED, .bootstrap = 100, .level = 0.95, .site = SHANG_SITE_RESID,
                    .site_name = "resid", .layers_arg = "all", .parallel_arg = ""};
}

void cmd_opts_free(cmd_opts *o)
{
    free(o->layers);
    for (int i = 0; i < o->n_parallel; i++) free(o->parallel[i]);
    free(o->parallel);
    o->parallel = NULL;
    o->n_parallel = 0;
    free(o->table);
    free(o->shorts);
    o->layers = NULL;
    o->table = NULL;
    o->shorts = NULL;
}

int cmd_opts_exit(cmd_opts *o)
{
    cmd_opts_free(o);
    return o->status;
}

int cmd_opts_usage(cmd_opts *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "shang %s: ", o->verb);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'shang %s --help' for more information.\n", o->verb);
    o->status = SHANG_EXIT_USAGE;
    return cmd_opts_exit(o);
}

/* the option table: the verb's own options, then the shared ones it takes */
static int build_table(cmd_opts *o, const char *shorts, const struct option *own)
{
    size_t n_own = 0;
    while (own && own[n_own].name) n_own++;
    o->table = shang_zalloc(n_own + N_SHARED + 1, sizeof *o->table, "o->table");
    o->shorts = shang_asprintf(":%sqvh", shorts ? shorts : "");
    if (!o->table || !o->shorts) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < n_own; i++) o->table[k++] = own[i];
    for (size_t i = 0; i < N_SHARED; i++)
        if (shared[i].flag == ~0u || (shared[i].flag & o->takes)) o->table[k++] = shared[i].opt;
    return SHANG_OK;
}

/* The usage error for an option whose value did not parse: names the option and
 * its value ("--ctx abc: 'abc' is not an integer"). getopt has moved past the
 * value: it is argv[optind - 1] itself when it came as a separate word (then the
 * option is the word before), or a part of it (--opt=VALUE, -kVALUE). */
static int bad_value(cmd_opts *o, char **argv, const char *value)
{
    if (optind >= 2 && value == argv[optind - 1])
        return cmd_opts_usage(o, "%s %s: %s", argv[optind - 2], value, shang_err_msg());
    return cmd_opts_usage(o, "%s: %s", argv[optind - 1], shang_err_msg());
}

static int shared_option(cmd_opts *o, int c)
{
    switch (c) {
    case O_THREADS: return shang_parse_int(optarg, 1, 4096, &o->threads);
    case O_SEED: return shang_parse_u64(optarg, 0, INT64_MAX, &o->seed);
    case O_BOOTSTRAP:
        if (shang_parse_int(optarg, 0, 100000, &o->bootstrap)) return shang_err_code();
        return o->bootstrap == 1 ? SHANG_FAIL(SHANG_EINVAL, "the bootstrap needs 0 or at least 2 replicates") : SHANG_OK;
    case O_LEVEL: return shang_parse_f64(optarg, 0.5, 0.999, &o->level);
    case O_HELDOUT: return shang_parse_f64(optarg, 0.01, 0.99, &o->heldout);
    case O_PARALLEL: {
        o->parallel_arg = optarg;
        for (const char *p = optarg; *p;) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            if (!len) return SHANG_FAIL(SHANG_EINVAL, "an empty file-name prefix");
            char **v = shang_realloc(o->parallel, (size_t)o->n_parallel + 1, sizeof *v, "--parallel");
            if (!v) return shang_err_code();
            o->parallel = v;
            if (!(v[o->n_parallel] = strndup(p, len))) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
            o->n_parallel++;
            p += len + (e != NULL);
        }
        return o->n_parallel ? SHANG_OK : SHANG_FAIL(SHANG_EINVAL, "no file-name prefix");
    }
    case O_SITE: o->site_name = optarg; return shang_site_parse(optarg, &o->site);
    case O_LAYERS:
        o->layers_arg = optarg;
        if (strcmp(optarg, "all")) return cmd_parse_layers(optarg, &o->layers, &o->n_layers);
        free(o->layers); /* "all": every stored layer */
        o->layers = NULL;
        o->n_layers = 0;
        return SHANG_OK;
    }
    return SHANG_OK;
}

int cmd_getopt(cmd_opts *o, int argc, char **argv, const char *shorts, const struct option *own)
{
    if (o->bad) { /* the verb's own option before this one did not parse */
        bad_value(o, argv, o->bad_value);
        return -1;
    }
    if (!o->table) {
        if (build_table(o, shorts, own)) {
            o->status = cmd_fail(o->verb, shang_err_code());
            cmd_opts_free(o);
            return -1;
        }
        opterr = 0;
        optind = 1;
    }
    for (;;) {
        int c = getopt_long(argc, argv, o->shorts, o->table, NULL);
        if (c == -1) return 0;
        o->bad_value = optarg;
        switch (c) {
        case 'q': shang_log_set_level(SHANG_LOG_QUIET); continue;
        case 'v': shang_log_set_level(SHANG_LOG_DEBUG); continue;
        case 'h':
            o->usage(stdout);
            o->status = SHANG_EXIT_OK;
            cmd_opts_free(o);
            return -1;
        case ':': cmd_opts_usage(o, "option '%s' needs a value", argv[optind - 1]); return -1;
        case '?': cmd_opts_usage(o, "unknown option '%s'", argv[optind - 1]); return -1;
        }
        if (c < O_THREADS) return c;
        if (shared_option(o, c)) {
            bad_value(o, argv, optarg);
            return -1;
        }
    }
}

int cmd_opts_done(cmd_opts *o, int argc, const char *missing)
{
    if (!missing && optind < argc && !(o->takes & CMD_FILES)) missing = "unexpected argument";
    if (missing) {
        cmd_opts_usage(o, "%s", missing);
        return -1;
    }
    if (o->takes & CMD_THREADS) shang_threads_set(o->threads);
    return 0;
}

int cmd_opts_prov(const cmd_opts *o, shang_prov *p)
{
    int rc = SHANG_OK;
    if (o->takes & CMD_THREADS) shang_prov_threads(p, o->threads);
    if (o->takes & CMD_SEED) shang_prov_seed(p, o->seed);
    if (!rc && (o->takes & CMD_SITE)) rc = shang_prov_str(p, "site", o->site_name);
    if (!rc && (o->takes & CMD_LAYERS)) rc = shang_prov_str(p, "layers", o->layers_arg);
    if (!rc && (o->takes & CMD_BOOTSTRAP)) rc = shang_prov_i64(p, "bootstrap", o->bootstrap);
    if (!rc && (o->takes & CMD_LEVEL)) rc = shang_prov_f64(p, "level", o->level);
    if (!rc && (o->takes & CMD_HELDOUT)) rc = shang_prov_f64(p, "heldout", o->heldout);
    if (!rc && (o->takes & CMD_HELDOUT)) rc = shang_prov_str(p, "parallel", o->parallel_arg);
    return rc;
}

int cmd_groups(const shang_states *s, const cmd_opts *co, int32_t **group)
{
    return shang_states_doc_groups(s, (const char *const *)co->parallel, co->n_parallel, group);
}

int cmd_split(const shang_states *s, const cmd_opts *co, unsigned char **keep, unsigned char **test)
{
    if (keep && !*keep) {
        if (!(*keep = shang_alloc(s->N, 1, "row mask"))) return shang_err_code();
        memset(*keep, 1, s->N);
    }
    int32_t *group = NULL;
    int rc = cmd_groups(s, co, &group);
    if (!rc) rc = shang_heldout_states(s, group, co->heldout, co->seed, keep ? *keep : NULL, test);
    free(group);
    return rc;
}

int cmd_heldout_attrs(hid_t file, const cmd_opts *co)
{
    int rc = shang_h5_attr_f64(file, "heldout", co->heldout);
    if (!rc) rc = shang_h5_attr_i64(file, "heldout_seed", co->heldout > 0 ? (int64_t)co->seed : -1);
    return rc ? rc : shang_h5_attr_str(file, "heldout_parallel", co->heldout > 0 ? co->parallel_arg : "");
}

int cmd_heldout_same(hid_t file, const char *path, const cmd_opts *co)
{
    double h = 0;
    int64_t seed = -1;
    char *par = NULL;
    if (H5Aexists(file, "heldout") > 0 && shang_h5_attr_get_f64(file, "heldout", &h)) return shang_err_code();
    if (H5Aexists(file, "heldout_seed") > 0 && shang_h5_attr_get_i64(file, "heldout_seed", &seed)) return shang_err_code();
    if (H5Aexists(file, "heldout_parallel") > 0 && shang_h5_attr_get_str(file, "heldout_parallel", &par)) return shang_err_code();
    int64_t want = co->heldout > 0 ? (int64_t)co->seed : -1;
    const char *wpar = co->heldout > 0 ? co->parallel_arg : "";
    int rc = SHANG_OK;
    if (h != co->heldout || seed != want || strcmp(par ? par : "", wpar))
        rc = SHANG_FAIL(SHANG_EINVAL, "%s was fitted with --heldout %g --seed %lld --parallel '%s', this run has --heldout %g "
                        "--seed %lld --parallel '%s': one split for every fitted step", path, h, (long long)seed,
                        par ? par : "", co->heldout, (long long)want, wpar);
    free(par);
    return rc;
}

/* ---- reporting ----------------------------------------------------------------- */

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

/* ---- lists ----------------------------------------------------------------------- */

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
                int *w = shang_realloc(v, (size_t)cap, sizeof *w, "the layer list");
                if (!w) rc = shang_err_code();
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

/* ---- provenance and tables ------------------------------------------------------- */

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


