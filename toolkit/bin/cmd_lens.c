/* shang lens — the logit lens per layer, the model's predictive entropy and
 * surprisal by position, before punctuation and elsewhere, along chosen texts,
 * and on a random sequence repeated twice (E7, E8). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shang lens -m MODEL.h5 [options] -o LENS.h5 FILE...\n\n"
            "Runs the model over the documents of text FILEs, in windows of --ctx tokens\n"
            "moving by --stride that tile each document evenly (each position scored once),\n"
            "and reads every layer's residual stream h_l out through the final LayerNorm\n"
            "and the unembedding, q_l = softmax(W_U LN_f(h_l)) (the logit lens; layer 0 =\n"
            "embeddings, L = the model's own prediction p). Per layer, averaged over the\n"
            "positions that have a next token: the entropy of q_l, KL(p || q_l), the\n"
            "cross-entropy against the next token, accuracy, agreement with p's top-1 (and\n"
            "its median rank under q_l), how often q_l's top-1 is the position's own token,\n"
            "and how frequent q_l's guess is (mean log unigram probability). Intervals:\n"
            "estimate -/+ z x bootstrap standard error, resampling documents. All in nats.\n\n"
            "Tables (shang export): layers; positions (the model's entropy and surprisal\n"
            "by position in the window); punctuation (positions whose next token is\n"
            "punctuation against the rest, and the difference); with --trace, trace (every\n"
            "layer at every position of the first documents, with token texts); with\n"
            "--repeat, repeat (per layer, the first copy of a random token sequence against\n"
            "the second: induction) and repeat_positions.\n\n"
            "Options:\n"
            "  -m, --model FILE      a shang.model file (shang train, shang import-gpt2)\n"
            "  -o, --output FILE     the shang.lens file to write (required)\n"
            "      --ctx N           window length [default: the model's context]\n"
            "      --stride N        window step [default ctx/2]\n"
            "      --batch N         windows per forward pass [default 8; 1..4096]\n"
            "      --max-tokens N    stop after scoring N positions [default all]\n"
            "      --no-bos          do not prepend <|endoftext|> to documents\n"
            "      --docs MODE       blank, line or file [default blank]\n"
            "      --trace N         per-layer rows for every position of the first N\n"
            "                        documents [default 0]\n"
            "      --repeat N        the repeated-sequence probe: N uniformly random tokens,\n"
            "                        then the same N again [default 0: off]\n"
            "      --repeat-seqs S   sequences in the probe [default 50]\n"
            "      --repeat-vocab K  draw the probe's tokens from the K most frequent next\n"
            "                        tokens of the input instead [default 0: all]\n"
            "      --bootstrap B     replicates for the intervals, 0 for none [default 100]\n"
            "      --level P         interval level [default 0.95]\n"
            "      --seed N          the probe's tokens and the bootstrap [default 42]\n"
            "      --threads N       OpenMP and BLAS threads [default: all cores];\n"
            "                        results are identical for any thread count\n"
            "  -q, --quiet | -v, --verbose | -h, --help\n\n"
            "Example:\n"
            "  shang lens -m datasets/models/shang-6l.h5 --repeat 50 -o lens.h5 datasets/corpus/austen.test.txt.gz\n");
    cmd_print_exit_status(out);
}

int cmd_lens(int argc, char **argv)
{
    enum { O_CTX = 256, O_STRIDE, O_BATCH, O_MAXT, O_NOBOS, O_DOCS, O_TRACE, O_REPEAT, O_RSEQS, O_RVOCAB };
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},       {"output", required_argument, 0, 'o'},
        {"ctx", required_argument, 0, O_CTX},       {"stride", required_argument, 0, O_STRIDE},
        {"batch", required_argument, 0, O_BATCH},   {"max-tokens", required_argument, 0, O_MAXT},
        {"no-bos", no_argument, 0, O_NOBOS},        {"docs", required_argument, 0, O_DOCS},
        {"trace", required_argument, 0, O_TRACE},   {"repeat", required_argument, 0, O_REPEAT},
        {"repeat-seqs", required_argument, 0, O_RSEQS}, {"repeat-vocab", required_argument, 0, O_RVOCAB},
        {0, 0, 0, 0}};
    const char *mpath = NULL, *output = NULL;
    shang_lens_opts o = {.batch = 8, .bos = 1};
    int trace = 0, repeat = 0, rseqs = 50, rvocab = 0, c;
    cmd_opts co;
    cmd_opts_init(&co, "lens", CMD_THREADS | CMD_SEED | CMD_BOOTSTRAP | CMD_LEVEL | CMD_FILES, usage);
    while ((c = cmd_getopt(&co, argc, argv, "m:o:", opts)) > 0) switch (c) {
        case 'm': mpath = optarg; break;
        case 'o': output = optarg; break;
        case O_CTX: co.bad = shang_parse_int(optarg, 2, 1 << 20, &o.ctx); break;
        case O_STRIDE: co.bad = shang_parse_int(optarg, 1, 1 << 20, &o.stride); break;
        case O_BATCH: co.bad = shang_parse_int(optarg, 1, 4096, &o.batch); break;
        case O_MAXT: co.bad = shang_parse_u64(optarg, 1, UINT64_MAX, &o.max_rows); break;
        case O_NOBOS: o.bos = 0; break;
        case O_DOCS: co.bad = shang_text_docs_mode(optarg, &o.docs_mode); break;
        case O_TRACE: co.bad = shang_parse_int(optarg, 0, INT32_MAX, &trace); break;
        case O_REPEAT:
            co.bad = shang_parse_int(optarg, 0, 1 << 19, &repeat);
            if (!co.bad && repeat == 1) co.bad = SHANG_FAIL(SHANG_EINVAL, "the probe needs at least 2 tokens");
            break;
        case O_RSEQS: co.bad = shang_parse_int(optarg, 1, 1 << 20, &rseqs); break;
        case O_RVOCAB: co.bad = shang_parse_int(optarg, 0, INT32_MAX, &rvocab); break;
        }
    const char *missing = !mpath ? "no model (-m)" : !output ? "no output (-o)" : optind >= argc ? "no input files" : NULL;
    if (c < 0 || cmd_opts_done(&co, argc, missing)) return cmd_opts_exit(&co);
    const shang_lens_report run = {.bootstrap = co.bootstrap, .level = co.level, .seed = co.seed};
    shang_gpt *m = NULL;
    shang_tokenizer *t = NULL;
    shang_h5_file *f = NULL;
    shang_prov *p = NULL;
    shang_lens_data d = {0}, dr = {0};
    shang_table *tab[6] = {NULL};
    double *logu = NULL, h_uni = 0;
    uint8_t *punct = NULL;
    float *fin = NULL, *fin_r = NULL; /* (N, S) the final layer's values of d's rows and of the probe's */
    size_t S = 0;
    int rc = shang_h5_create(output, SHANG_LENS_FORMAT, SHANG_LENS_VERSION, &f);
    if (!rc) rc = shang_gpt_load(mpath, &m, &t);
    const int V = m ? m->cfg.V : 0, bos = o.bos && t && shang_bpe_eot(t) >= 0;
    if (!rc && repeat && 2 * repeat + bos > m->cfg.T) /* before the long part */
        rc = SHANG_FAIL(SHANG_EINVAL, "--repeat %d: 2 x %d%s tokens exceed the model's context %d", repeat, repeat,
                        bos ? " + 1" : "", m->cfg.T);
    double t0 = shang_now();
    shang_progress *pr = rc ? NULL : shang_progress_new("lens", "rows", o.max_rows);
    if (!rc) rc = shang_lens_text(m, t, &o, argv + optind, argc - optind, pr, &d);
    char extra[64];
    snprintf(extra, sizeof extra, "rows_per_s=%.0f", (double)d.N / (shang_now() - t0 + 1e-9));
    shang_progress_finish(pr, d.N, extra);
    if (!rc && d.N == 0) rc = SHANG_FAIL(SHANG_EINVAL, "no position with a next token in the input");
    if (!rc && (!(logu = shang_alloc((size_t)V, sizeof *logu, "logu")) || !(punct = shang_alloc((size_t)V, 1, "punct"))))
        rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (int32_t id = 0; !rc && id < V; id++) {
        size_t len;
        const char *s = shang_bpe_token(t, id, &len);
        punct[id] = s ? (uint8_t)shang_token_is_punct(s, len) : 0;
    }
    if (!rc) rc = shang_lens_unigram(&d, V, logu, &h_uni);
    if (!rc) rc = shang_lens_layers_table(&run, &d, logu, h_uni, &tab[0]);
    int32_t *cls = rc ? NULL : shang_alloc(d.N, sizeof *cls, "cls");
    if (!rc && !cls) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    int32_t K = 0;
    for (size_t i = 0; !rc && i < d.N; i++) K = d.ctx_pos[i] + 1 > K ? d.ctx_pos[i] + 1 : K;
    if (!rc) rc = shang_lens_values(&d, NULL, d.L1 - 1, &fin, &S);
    if (!rc) rc = shang_lens_class_table(&run, &d, fin, S, d.ctx_pos, (size_t)K, 0, "positions",
                                 "the model's entropy and surprisal by position in the window", "ctx_pos", NULL, 2, &tab[1]);
    for (size_t i = 0; !rc && i < d.N; i++) cls[i] = punct[d.next[i]];
    static const char *const plab[3] = {"other", "punctuation", "difference"};
    if (!rc) rc = shang_lens_class_table(&run, &d, fin, S, cls, 2, 1, "punctuation",
                                 "positions whose next token is punctuation against the rest", "next", plab, 3, &tab[2]);
    free(cls);
    if (!rc && trace) rc = shang_lens_trace_table(&d, t, punct, trace, &tab[3]);
    if (!rc && repeat) {
        int32_t *pool = NULL;
        int n_pool = 0;
        if (rvocab) {
            if (!(pool = shang_alloc((size_t)rvocab, sizeof *pool, "pool"))) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
            else if ((n_pool = shang_lens_frequent(&d, V, rvocab, shang_bpe_eot(t), pool)) < 0) rc = n_pool;
        }
        if (!rc) rc = shang_lens_repeat(m, bos ? shang_bpe_eot(t) : -1, pool, n_pool, rseqs, repeat, o.batch, run.seed, &dr);
        free(pool);
        if (!rc) rc = shang_lens_repeat_table(&run, &dr, repeat, bos, log((double)V), &tab[4]);
        if (!rc) rc = shang_lens_values(&dr, NULL, dr.L1 - 1, &fin_r, &S);
        if (!rc) rc = shang_lens_class_table(&run, &dr, fin_r, S, dr.ctx_pos, (size_t)(2 * repeat + bos), 0, "repeat_positions",
                                     "the model's entropy and surprisal along the repeated sequence", "ctx_pos", NULL, 4,
                                     &tab[5]);
    }
    for (int k = 0; !rc && k < 6; k++)
        if (tab[k]) rc = shang_table_write(tab[k], f->id);
    if (!rc) rc = cmd_prov_new("lens", argc, argv, &p);
    if (!rc) rc = shang_prov_input(p, "model", mpath);
    for (int i = optind; !rc && i < argc; i++) rc = cmd_prov_input(p, "text", i - optind, argv[i]);
    if (!rc && !(rc = cmd_opts_prov(&co, p))) {
        if ((rc = shang_prov_i64(p, "ctx", o.ctx)) || (rc = shang_prov_i64(p, "stride", o.stride)) ||
            (rc = shang_prov_i64(p, "batch", o.batch)) || (rc = shang_prov_i64(p, "max_tokens", (int64_t)o.max_rows)) ||
            (rc = shang_prov_i64(p, "bos", bos)) || (rc = shang_prov_str(p, "docs", shang_text_docs_name(o.docs_mode))) ||
            (rc = shang_prov_i64(p, "trace", trace)) || (rc = shang_prov_i64(p, "repeat", repeat)) ||
            (rc = shang_prov_i64(p, "repeat_seqs", rseqs)) || (rc = shang_prov_i64(p, "repeat_vocab", rvocab))) {
            /* rc holds the failure */
        }
        if (!rc) rc = shang_h5_attr_i64(f->id, "bos_prepended", bos);
        if (!rc) rc = shang_h5_attr_i64(f->id, "n_layer", m->cfg.L);
        if (!rc) rc = shang_h5_attr_i64(f->id, "positions", (int64_t)d.N);
        if (!rc) rc = shang_h5_attr_i64(f->id, "documents", d.n_docs);
    }
    if (!rc) rc = shang_prov_commit(p, &f);
    int status = rc ? cmd_fail("lens", rc) : SHANG_EXIT_OK;
    shang_h5_abort(f);
    shang_prov_free(p);
    for (int k = 0; k < 6; k++) shang_table_free(tab[k]);
    shang_lens_data_free(&d);
    shang_lens_data_free(&dr);
    free(logu);
    free(punct);
    free(fin);
    free(fin_r);
    shang_bpe_free(t);
    shang_gpt_free(m);
    cmd_opts_free(&co);
    return status;
}
