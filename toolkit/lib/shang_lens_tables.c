/* shang_lens_tables — the tables of `shang lens` (see shang_lens.h) from the
 * lens's per-position values: means with bootstrap intervals over documents
 * (shang_bootstrap_means), per layer, by class, along the repeated sequence. */
#include "shang_lens.h"
#include "shang_mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shang_bootstrap.h"
#include "shang_bpe.h"
#include "shang_h5.h"

/* means of v (N, S) by class (K; contrast: + class 1 - class 0) with sd */
static int means(const shang_lens_report *r, const float *v, size_t N, size_t S, const int32_t *cls, size_t K, int contrast,
                 const int32_t *group, uint64_t stream, double **est, double **sd, uint64_t **cnt)
{
    size_t n = K * S + (contrast ? S : 0);
    *est = shang_zalloc(n, sizeof **est, "estimates");
    *sd = shang_zalloc(n, sizeof **sd, "standard deviations");
    *cnt = shang_zalloc(K * S, sizeof **cnt, "counts");
    if (!*est || !*sd || !*cnt) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    shang_bootstrap_opts bo = {.replicates = r->bootstrap, .level = r->level, .seed = r->seed, .stream = stream};
    return shang_bootstrap_means(v, N, S, cls, K, contrast, group, r->bootstrap ? &bo : NULL, *est, *sd, *cnt);
}

/* layers: every value per layer */
int shang_lens_layers_table(const shang_lens_report *r, const shang_lens_data *d, const double *logu, double h_uni, shang_table **out)
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
        shang_log(SHANG_LOG_INFO, "layer %2d  entropy %6.3f  KL %6.3f  CE %6.3f  agree %5.3f  input %5.3f\n", l,
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
int shang_lens_class_table(const shang_lens_report *r, const shang_lens_data *d, const float *v, size_t S, const int32_t *cls,
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

int shang_lens_trace_table(const shang_lens_data *d, const shang_tokenizer *t, const uint8_t *punct, int n_docs, shang_table **out)
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
int shang_lens_repeat_table(const shang_lens_report *r, const shang_lens_data *d, int n, int bos, double lnV, shang_table **out)
{
    int32_t *cls = shang_alloc(d->N, sizeof *cls, "cls");
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
        shang_log(SHANG_LOG_INFO, "repeat layer %2d  CE first %6.3f  second %6.3f\n", l,
                    est[(size_t)l * SHANG_LENS_NV + SHANG_LENS_CE], est[S + (size_t)l * SHANG_LENS_NV + SHANG_LENS_CE]);
    }
    free(cls);
    free(v);
    free(est);
    free(sd);
    free(cnt);
    return rc;
}

