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

/* means of v (N, S) by class (K; contrast: + class 1 - class 0) with sd */
static int means(const cmd_opts *r, const float *v, size_t N, size_t S, const int32_t *cls, size_t K, int contrast,
                 const int32_t *group, uint64_t stream, double **est, double **sd, uint64_t **cnt)
{
    size_t n = K * S + (contrast ? S : 0);
    *est = calloc(n, sizeof **est);
    *sd = calloc(n, sizeof **sd);
    *cnt = calloc(K * S, sizeof **cnt);
    if (!*est || !*sd || !*cnt) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    shang_bootstrap_opts bo = {.replicates = r->bootstrap, .level = r->level, .seed = r->seed, .stream = stream};
    return shang_bootstrap_means(v, N, S, cls, K, contrast, group, r->bootstrap ? &bo : NULL, *est, *sd, *cnt);
}

/* layers: every value per layer */
static int layers_table(const cmd_opts *r, const shang_lens_data *d, const double *logu, double h_uni, shang_table **out)
{
    float *v = NULL;
    double *est = NULL, *sd = NULL;
    uint64_t *cnt = NULL;
    size_t S;
    int col[SHANG_LENS_NV][3], c_med = -1, c_uni = -1, c_n = -1;
    int rc = shang_lens_values(d, logu, -1, &v, &S);
    if (!rc) rc = means(r, v, d->N, S, NULL, 1, 0, d->doc, 0, &est, &sd, &cnt);
    if (!rc) rc = shang_table_new("layers", "the logit lens per layer (0 = embeddings, L = the model)", out);
    if (!rc && shang_table_column(*out, "layer", SHANG_DT_I64, "layer") < 0) rc = shang_err_code();
    for (int q = 0; !rc && q < SHANG_LENS_NV; q++)
        rc = shang_table_estimate(*out, shang_lens_value_name(q), shang_lens_value_help(q), r->bootstrap, "documents", col[q]);
    if (!rc && ((c_med = shang_table_column(*out, "median_rank", SHANG_DT_F64, "median rank of the model's top-1 under q_l")) < 0 ||
                (c_uni = shang_table_column(*out, "unigram_entropy", SHANG_DT_F64, "plug-in entropy of the next tokens (nats): the unigram baseline")) < 0 ||
                (c_n = shang_table_column(*out, "positions", SHANG_DT_I64, "positions scored")) < 0))
        rc = shang_err_code();
    for (int l = 0; !rc && l < d->L1; l++) {
        if ((rc = shang_table_push(*out))) break;
        shang_table_i64(*out, 0, l);
        for (int q = 0; q < SHANG_LENS_NV; q++) {
            size_t k = (size_t)l * SHANG_LENS_NV + (size_t)q;
            shang_table_put_estimate(*out, col[q], est[k], sd[k], r->level);
        }
        double med;
        if ((rc = shang_lens_median_rank(d, l, &med))) break;
        shang_table_f64(*out, c_med, med);
        shang_table_f64(*out, c_uni, h_uni);
        shang_table_i64(*out, c_n, (int64_t)cnt[(size_t)l * SHANG_LENS_NV]);
        if (shang_log_level() > SHANG_LOG_QUIET)
            fprintf(stderr, "layer %2d  entropy %6.3f  KL %6.3f  CE %6.3f  agree %5.3f  input %5.3f\n", l,
                    est[l * SHANG_LENS_NV + SHANG_LENS_ENTROPY], est[l * SHANG_LENS_NV + SHANG_LENS_KL],
                    est[l * SHANG_LENS_NV + SHANG_LENS_CE], est[l * SHANG_LENS_NV + SHANG_LENS_AGREE],
                    est[l * SHANG_LENS_NV + SHANG_LENS_INPUT]);
    }
    free(v);
    free(est);
    free(sd);
    free(cnt);
    return rc;
}

/* a table of the model's entropy and surprisal by class, from the final layer's
 * values v (N, S) of d's rows: `key` names the class column (labels: the
 * classes' names; NULL: their numbers) */
static int final_by_class(const cmd_opts *r, const shang_lens_data *d, const float *v, size_t S, const int32_t *cls,
                          size_t K, int contrast, const char *name, const char *desc, const char *key,
                          const char *const *labels, uint64_t stream, shang_table **out)
{
    double *est = NULL, *sd = NULL;
    uint64_t *cnt = NULL;
    int ce[3], cs[3], c_n = -1;
    int rc = means(r, v, d->N, S, cls, K, contrast, d->doc, stream, &est, &sd, &cnt);
    if (!rc) rc = shang_table_new(name, desc, out);
    if (!rc && shang_table_column(*out, key, labels ? SHANG_DT_STR : SHANG_DT_I64, key) < 0) rc = shang_err_code();
    if (!rc) rc = shang_table_estimate(*out, "entropy", "the model's predictive entropy (nats)", r->bootstrap, "documents", ce);
    if (!rc) rc = shang_table_estimate(*out, "surprisal", "-ln p(next token) (nats)", r->bootstrap, "documents", cs);
    if (!rc && (c_n = shang_table_column(*out, "positions", SHANG_DT_I64, "positions averaged")) < 0) rc = shang_err_code();
    for (size_t k = 0; !rc && k < K + (contrast ? 1 : 0); k++) {
        if (k < K && cnt[k * S] == 0) continue;
        if ((rc = shang_table_push(*out))) break;
        if (labels) rc = shang_table_str(*out, 0, labels[k]);
        else shang_table_i64(*out, 0, (int64_t)k);
        shang_table_put_estimate(*out, ce, est[k * S + SHANG_LENS_ENTROPY], sd[k * S + SHANG_LENS_ENTROPY], r->level);
        shang_table_put_estimate(*out, cs, est[k * S + SHANG_LENS_CE], sd[k * S + SHANG_LENS_CE], r->level);
        shang_table_i64(*out, c_n, k < K ? (int64_t)cnt[k * S] : (int64_t)(cnt[0] + cnt[S]));
    }
    free(est);
    free(sd);
    free(cnt);
    return rc;
}

/* trace: every layer at every position of documents < n_docs */
enum { TR_DOC, TR_POS, TR_CTX_POS, TR_LAYER, TR_TOKEN, TR_TOKEN_TEXT, TR_NEXT, TR_NEXT_TEXT, TR_NEXT_PUNCT, TR_ENTROPY,
       TR_KL, TR_CE, TR_RANK, TR_TOP1, TR_TOP1_TEXT, TR_N };

static int trace_table(const shang_lens_data *d, const shang_tokenizer *t, const uint8_t *punct, int n_docs, shang_table **out)
{
    static const char *const nm[TR_N] = {"doc", "pos", "ctx_pos", "layer", "token", "token_text", "next", "next_text",
                                         "next_punct", "entropy", "kl", "ce", "rank", "top1", "top1_text"};
    static const char *const ds[TR_N] = {
        "document", "position in the document", "position in the window (tokens of context before it)", "layer",
        "token id", "token text", "next token id", "next token text", "1 if the next token is punctuation",
        "entropy of q_l (nats)", "KL(p || q_l) (nats)", "-ln q_l(next) (nats)", "rank of the model's top-1 under q_l",
        "q_l's top-1", "its text"};
    int rc = shang_table_new("trace", "the logit lens at every position of the first documents", out);
    for (int q = 0; !rc && q < TR_N; q++) {
        int dt = q == TR_TOKEN_TEXT || q == TR_NEXT_TEXT || q == TR_TOP1_TEXT ? SHANG_DT_STR
                 : q >= TR_ENTROPY && q <= TR_CE                            ? SHANG_DT_F64
                                                                             : SHANG_DT_I64;
        if (shang_table_column(*out, nm[q], dt, ds[q]) < 0) rc = shang_err_code();
    }
    for (size_t i = 0; !rc && i < d->N && d->doc[i] < n_docs; i++)
        for (int l = 0; !rc && l < d->L1; l++) {
            const size_t o = i * (size_t)d->L1 + (size_t)l;
            const int32_t id[3] = {d->token[i], d->next[i], d->top1[o]};
            static const int id_col[3] = {TR_TOKEN, TR_NEXT, TR_TOP1}, text_col[3] = {TR_TOKEN_TEXT, TR_NEXT_TEXT, TR_TOP1_TEXT};
            if ((rc = shang_table_push(*out))) break;
            shang_table_i64(*out, TR_DOC, d->doc[i]);
            shang_table_i64(*out, TR_POS, d->pos[i]);
            shang_table_i64(*out, TR_CTX_POS, d->ctx_pos[i]);
            shang_table_i64(*out, TR_LAYER, l);
            for (int q = 0; !rc && q < 3; q++) {
                size_t len = 0;
                const char *s = shang_bpe_token(t, id[q], &len);
                char *z = strndup(s ? s : "", s ? len : 0);
                rc = z ? shang_table_str(*out, text_col[q], z) : SHANG_FAIL(SHANG_ENOMEM, "out of memory");
                shang_table_i64(*out, id_col[q], id[q]);
                free(z);
            }
            shang_table_i64(*out, TR_NEXT_PUNCT, punct[d->next[i]]);
            shang_table_f64(*out, TR_ENTROPY, d->entropy[o]);
            shang_table_f64(*out, TR_KL, d->kl[o]);
            shang_table_f64(*out, TR_CE, d->ce[o]);
            shang_table_i64(*out, TR_RANK, d->rank[o]);
        }
    return rc;
}

/* repeat: per layer, first copy against second; classes by position */
static int repeat_table(const cmd_opts *r, const shang_lens_data *d, int n, int bos, double lnV, shang_table **out)
{
    int32_t *cls = malloc((d->N ? d->N : 1) * sizeof *cls);
    float *v = NULL;
    double *est = NULL, *sd = NULL;
    uint64_t *cnt = NULL;
    size_t S;
    int rc = cls ? shang_lens_values(d, NULL, -1, &v, &S) : SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    if (!rc) shang_lens_repeat_classes(d, n, bos, cls);
    if (!rc) rc = means(r, v, d->N, S, cls, 2, 1, d->doc, 1, &est, &sd, &cnt);
    static const char *const part[3] = {"first", "second", "change"};
    static const int val[3] = {SHANG_LENS_ENTROPY, SHANG_LENS_CE, SHANG_LENS_ACCURACY};
    int col[3][3][3], c_u = -1;
    if (!rc) rc = shang_table_new("repeat", "a random token sequence and its repetition, per layer", out);
    if (!rc && shang_table_column(*out, "layer", SHANG_DT_I64, "layer") < 0) rc = shang_err_code();
    for (int a = 0; !rc && a < 3; a++)
        for (int b = 0; !rc && b < 3; b++) {
            char nm[64], ds[160];
            snprintf(nm, sizeof nm, "%s_%s", shang_lens_value_name(val[a]), part[b]);
            snprintf(ds, sizeof ds, "%s, %s", shang_lens_value_help(val[a]),
                     b == 0 ? "first copy" : b == 1 ? "second copy" : "second copy minus first");
            rc = shang_table_estimate(*out, nm, ds, r->bootstrap, "sequences", col[a][b]);
        }
    if (!rc && (c_u = shang_table_column(*out, "uniform_ce", SHANG_DT_F64, "ln V: a uniform guess's cross-entropy")) < 0)
        rc = shang_err_code();
    for (int l = 0; !rc && l < d->L1; l++) {
        if ((rc = shang_table_push(*out))) break;
        shang_table_i64(*out, 0, l);
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) {
                size_t k = (size_t)b * S + (size_t)l * SHANG_LENS_NV + (size_t)val[a];
                shang_table_put_estimate(*out, col[a][b], est[k], sd[k], r->level);
            }
        shang_table_f64(*out, c_u, lnV);
        if (shang_log_level() > SHANG_LOG_QUIET)
            fprintf(stderr, "repeat layer %2d  CE first %6.3f  second %6.3f\n", l,
                    est[(size_t)l * SHANG_LENS_NV + SHANG_LENS_CE], est[S + (size_t)l * SHANG_LENS_NV + SHANG_LENS_CE]);
    }
    free(cls);
    free(v);
    free(est);
    free(sd);
    free(cnt);
    return rc;
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
    const cmd_opts *run = &co;
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
    if (!rc && (!(logu = malloc((size_t)V * sizeof *logu)) || !(punct = malloc((size_t)V))))
        rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (int32_t id = 0; !rc && id < V; id++) {
        size_t len;
        const char *s = shang_bpe_token(t, id, &len);
        punct[id] = s ? (uint8_t)shang_token_is_punct(s, len) : 0;
    }
    if (!rc) rc = shang_lens_unigram(&d, V, logu, &h_uni);
    if (!rc) rc = layers_table(run, &d, logu, h_uni, &tab[0]);
    int32_t *cls = rc ? NULL : malloc(d.N * sizeof *cls);
    if (!rc && !cls) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    int32_t K = 0;
    for (size_t i = 0; !rc && i < d.N; i++) K = d.ctx_pos[i] + 1 > K ? d.ctx_pos[i] + 1 : K;
    if (!rc) rc = shang_lens_values(&d, NULL, d.L1 - 1, &fin, &S);
    if (!rc) rc = final_by_class(run, &d, fin, S, d.ctx_pos, (size_t)K, 0, "positions",
                                 "the model's entropy and surprisal by position in the window", "ctx_pos", NULL, 2, &tab[1]);
    for (size_t i = 0; !rc && i < d.N; i++) cls[i] = punct[d.next[i]];
    static const char *const plab[3] = {"other", "punctuation", "difference"};
    if (!rc) rc = final_by_class(run, &d, fin, S, cls, 2, 1, "punctuation",
                                 "positions whose next token is punctuation against the rest", "next", plab, 3, &tab[2]);
    free(cls);
    if (!rc && trace) rc = trace_table(&d, t, punct, trace, &tab[3]);
    if (!rc && repeat) {
        int32_t *pool = NULL;
        int n_pool = 0;
        if (rvocab) {
            if (!(pool = malloc((size_t)rvocab * sizeof *pool))) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
            else if ((n_pool = shang_lens_frequent(&d, V, rvocab, shang_bpe_eot(t), pool)) < 0) rc = n_pool;
        }
        if (!rc) rc = shang_lens_repeat(m, bos ? shang_bpe_eot(t) : -1, pool, n_pool, rseqs, repeat, o.batch, run->seed, &dr);
        free(pool);
        if (!rc) rc = repeat_table(run, &dr, repeat, bos, log((double)V), &tab[4]);
        if (!rc) rc = shang_lens_values(&dr, NULL, dr.L1 - 1, &fin_r, &S);
        if (!rc) rc = final_by_class(run, &dr, fin_r, S, dr.ctx_pos, (size_t)(2 * repeat + bos), 0, "repeat_positions",
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
