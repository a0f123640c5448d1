/* shang extract — hidden states of every layer for a corpus or a table of items,
 * as a shang.states artefact. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shang extract -m MODEL.h5 [options] -o STATES.h5 FILE...\n"
            "       shang extract -m MODEL.h5 --items TABLE.tsv [options] -o STATES.h5\n\n"
            "Runs the model over text FILEs (plain or gzip; documents separated by empty\n"
            "lines) or over the rows of a TSV table of items (sense, synonym, paraphrase\n"
            "sets) and stores the hidden states of the chosen sites and layers, float32\n"
            "(L, N, C), with each position's token, next token, document, position and\n"
            "item. Long documents are cut into windows of --ctx tokens moving by --stride;\n"
            "each position is stored once, with at least ctx - stride tokens of context.\n"
            "Memory is bounded by the batch and the largest input file.\n\n"
            "Options:\n"
            "  -m, --model FILE        a shang.model file (shang train, shang import-gpt2)\n"
            "  -o, --output FILE       the shang.states file to write (required)\n"
            "      --items TABLE       a TSV with a header instead of text FILEs\n"
            "      --text-column NAME  items: the text column [default sentence]\n"
            "      --span START,END    items: target span columns (character offsets)\n"
            "                          [default target_start,target_end when present]\n"
            "      --targets-only      items: store only each item's target row\n"
            "      --target-rep R      last, first or mean of a multi-token target\n"
            "                          [default last]\n"
            "      --layers LIST       layers to store, e.g. 0,3,6 or 0-6 [default all, 0..L;\n"
            "                          0 = embeddings, l = after block l]\n"
            "      --sites LIST        resid, ln_f, attn_out, mlp_out [default resid]\n"
            "      --ctx N             window length [default: the model's context]\n"
            "      --stride N          window step [default ctx/2]\n"
            "      --batch N           sequences per forward pass [default 8; 1..4096]\n"
            "      --max-tokens N      stop after storing N positions [default all]\n"
            "      --no-bos            do not prepend <|endoftext|> to documents and items\n"
            "      --docs MODE         blank, line or file [default blank]\n"
            "      --threads N         OpenMP and BLAS threads [default: all cores];\n"
            "                          results are identical for any thread count\n"
            "      --compress N        gzip level 0..9 for the states [default 0]\n"
            "  -q, --quiet             no progress on stderr\n"
            "  -v, --verbose           more detail in errors\n"
            "  -h, --help              show this help and exit\n\n"
            "Examples:\n"
            "  shang extract -m model.h5 -o states.h5 --max-tokens 100000 datasets/corpus/austen.valid.txt.gz\n"
            "  shang extract -m model.h5 --items datasets/senses/polysemy.tsv.gz --targets-only -o senses.h5\n");
    cmd_print_exit_status(out);
}

int cmd_extract(int argc, char **argv)
{
    enum { O_ITEMS = 256, O_TEXTCOL, O_SPAN, O_TONLY, O_REP, O_SITES, O_CTX, O_STRIDE, O_BATCH, O_MAXT, O_NOBOS,
           O_DOCS, O_COMPRESS };
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},      {"output", required_argument, 0, 'o'},
        {"items", required_argument, 0, O_ITEMS},  {"text-column", required_argument, 0, O_TEXTCOL},
        {"span", required_argument, 0, O_SPAN},    {"targets-only", no_argument, 0, O_TONLY},
        {"target-rep", required_argument, 0, O_REP}, {"sites", required_argument, 0, O_SITES},
        {"ctx", required_argument, 0, O_CTX},      {"stride", required_argument, 0, O_STRIDE},
        {"batch", required_argument, 0, O_BATCH},  {"max-tokens", required_argument, 0, O_MAXT},
        {"no-bos", no_argument, 0, O_NOBOS},       {"docs", required_argument, 0, O_DOCS},
        {"compress", required_argument, 0, O_COMPRESS}, {0, 0, 0, 0}};
    const char *model = NULL, *output = NULL, *items = NULL, *sites_arg = "resid", *span = NULL;
    shang_extract_opts o = {.batch = 8, .bos = 1, .text_col = "sentence", .rep = SHANG_REP_LAST};
    int c, rc = SHANG_OK;
    uint64_t max_tokens = 0;
    const char *rep_names[] = {"last", "first", "mean"};
    cmd_opts co;
    cmd_opts_init(&co, "extract", CMD_THREADS | CMD_LAYERS | CMD_FILES, usage);
    while ((c = cmd_getopt(&co, argc, argv, "m:o:", opts)) > 0) switch (c) {
        case 'm': model = optarg; break;
        case 'o': output = optarg; break;
        case O_ITEMS: items = optarg; break;
        case O_TEXTCOL: o.text_col = optarg; break;
        case O_SPAN:
            span = optarg;
            if (!strchr(span, ',') || strchr(span, ',') == span || !strchr(span, ',')[1])
                co.bad = SHANG_FAIL(SHANG_EINVAL, "expected START,END column names");
            break;
        case O_TONLY: o.targets_only = 1; break;
        case O_REP:
            o.rep = -1;
            for (int i = 0; i < 3; i++) if (!strcmp(optarg, rep_names[i])) o.rep = i;
            if (o.rep < 0) co.bad = SHANG_FAIL(SHANG_EINVAL, "'%s' is not last, first or mean", optarg);
            break;
        case O_SITES:
            sites_arg = optarg;
            co.bad = cmd_parse_sites(optarg, &o.site_mask);
            break;
        case O_CTX: co.bad = shang_parse_int(optarg, 2, 1 << 20, &o.ctx); break;
        case O_STRIDE: co.bad = shang_parse_int(optarg, 1, 1 << 20, &o.stride); break;
        case O_BATCH: co.bad = shang_parse_int(optarg, 1, 4096, &o.batch); break;
        case O_MAXT: co.bad = shang_parse_u64(optarg, 1, UINT64_MAX, &max_tokens); break;
        case O_NOBOS: o.bos = 0; break;
        case O_DOCS: co.bad = shang_text_docs_mode(optarg, &o.docs_mode); break;
        case O_COMPRESS: co.bad = shang_parse_int(optarg, 0, 9, &o.storage.deflate); break;
        }
    const char *missing = !model ? "no model (-m)" : !output ? "no output file (-o)"
                          : !items == (optind >= argc) ? "give text FILEs or --items TABLE (not both)"
                          : o.targets_only && !items ? "--targets-only needs --items" : NULL;
    if (c < 0 || cmd_opts_done(&co, argc, missing)) return cmd_opts_exit(&co);
    o.layers = co.layers;
    o.n_layers = co.n_layers;
    o.max_rows = max_tokens;
    char *cols = span ? shang_strdup(span) : NULL; /* START,END split in place */
    if (span && !cols) rc = shang_err_code();
    if (cols) {
        char *comma = strchr(cols, ',');
        *comma = '\0';
        o.start_col = cols;
        o.end_col = comma + 1;
    }

    shang_gpt *m = NULL;
    shang_tokenizer *t = NULL;
    shang_h5_file *f = NULL;
    shang_prov *p = NULL;
    shang_extract *x = NULL;
    if (!rc) rc = shang_h5_create(output, SHANG_STATES_FORMAT, SHANG_STATES_VERSION, &f);
    if (!rc) rc = shang_gpt_load(model, &m, &t);
    if (!rc) rc = shang_extract_new(m, t, &o, f->id, &x);
    double t0 = shang_now();
    shang_progress *pr = rc ? NULL : shang_progress_new("extract", "rows", max_tokens);
    if (!rc && items) rc = shang_extract_items(x, items);
    for (int i = optind; !rc && !items && i < argc && !shang_extract_done(x); i++) {
        rc = shang_extract_text(x, argv[i]);
        shang_progress_update(pr, shang_extract_rows(x), NULL);
    }
    if (!rc) rc = shang_extract_finish(x);
    double secs = shang_now() - t0;
    char extra[96];
    snprintf(extra, sizeof extra, "tokens=%llu tok_per_s=%.0f", (unsigned long long)(x ? shang_extract_tokens(x) : 0),
             x && secs > 0 ? (double)shang_extract_tokens(x) / secs : 0.0);
    shang_progress_finish(pr, x ? shang_extract_rows(x) : 0, extra);
    if (!rc) rc = cmd_prov_new("extract", argc, argv, &p);
    if (!rc) rc = shang_prov_input(p, "model", model);
    if (!rc && items) rc = shang_prov_input(p, "items", items);
    for (int i = optind; !rc && !items && i < argc; i++) rc = cmd_prov_input(p, "text", i - optind, argv[i]);
    if (!rc && !(rc = cmd_opts_prov(&co, p))) {
        const shang_extract_opts *e = &o;
        int ctx = e->ctx ? e->ctx : m->cfg.T, stride = e->stride ? e->stride : (ctx / 2 > 0 ? ctx / 2 : 1);
        if ((rc = shang_prov_str(p, "sites", sites_arg)) ||
            (rc = shang_prov_i64(p, "ctx", ctx)) || (rc = shang_prov_i64(p, "stride", stride)) ||
            (rc = shang_prov_i64(p, "batch", e->batch)) || (rc = shang_prov_i64(p, "max_tokens", (int64_t)max_tokens)) ||
            (rc = shang_prov_i64(p, "bos", e->bos)) || (rc = shang_prov_str(p, "docs", shang_text_docs_name(e->docs_mode))) ||
            (rc = shang_prov_str(p, "input_kind", items ? "items" : "text")) ||
            (rc = shang_prov_str(p, "text_column", items ? e->text_col : "")) ||
            (rc = shang_prov_str(p, "span", shang_extract_span(x) ? shang_extract_span(x) : "")) ||
            (rc = shang_prov_i64(p, "targets_only", e->targets_only)) ||
            (rc = shang_prov_str(p, "target_rep", rep_names[e->rep])) ||
            (rc = shang_prov_i64(p, "compress", e->storage.deflate))) {
            /* rc holds the failure */
        }
    }
    shang_extract_free(x); /* closes its datasets before the file is committed */
    x = NULL;
    if (!rc) rc = shang_prov_commit(p, &f);
    int status = rc ? cmd_fail("extract", rc) : SHANG_EXIT_OK;
    shang_extract_free(x);
    shang_h5_abort(f);
    shang_prov_free(p);
    shang_bpe_free(t);
    shang_gpt_free(m);
    cmd_opts_free(&co);
    free(cols);
    return status;
}
