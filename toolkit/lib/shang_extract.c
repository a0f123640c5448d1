/* shang_extract — see shang_extract.h. */
#include "shang_extract.h"

#include <stdlib.h>
#include <string.h>

#include "shang_cli.h"
#include "shang_mem.h"
#include "shang_text.h"
#include "shang_tsv.h"

/* one stored row: the mean of positions tf..tl of sequence b in the batch */
struct emit {
    int b, tf, tl;
    int32_t token, next, doc, pos, item;
};

struct shang_extract {
    const shang_gpt *m;
    const shang_tokenizer *tok;
    shang_extract_opts o;
    shang_encoder *enc;
    shang_gpt_run *run;
    int L, C;
    /* per site: which stored index each layer has (-1: not stored) */
    int layer_idx[SHANG_N_SITES][1025];
    int n_sel[SHANG_N_SITES];
    hid_t dset[SHANG_N_SITES], meta[5];
    /* the batch being filled */
    int32_t *btok; /* (batch, ctx) */
    int *blen;     /* (batch) */
    int nb;
    struct emit *em;
    size_t n_em, cap_em;
    float *out[SHANG_N_SITES]; /* (n_sel, cap_em, C) while flushing */
    size_t out_cap;
    int T_batch;
    uint64_t rows, tokens;
    int32_t n_docs;
    shang_ivec ids;
    /* text: each document's input file and its index there (empty ones counted) */
    shang_ivec doc_file, doc_index;
    char **files; /* basenames of the input files, n_files */
    int n_files;
    /* items */
    shang_tsv *items;
    int64_t *target_first, *target_last;
    int32_t *item_tokens;
    int done;
};

static const char *const META[5] = {"tokens", "next_tokens", "doc", "pos", "item"};
static const char *const META_HELP[5] = {
    "token id at each stored position", "the following token's id (-1 at the end of a document or item)",
    "document index (items: item index)", "position of the token in its document or item (the <|endoftext|> "
    "prefix not counted)", "item index (-1 for text)"};

int shang_extract_new(const shang_gpt *m, const shang_tokenizer *t, const shang_extract_opts *opts, hid_t file,
                      shang_extract **out)
{
    *out = NULL;
    shang_extract *x = shang_zalloc(1, sizeof *x, "x");
    if (!x) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (int s = 0; s < SHANG_N_SITES; s++) x->dset[s] = -1;
    for (int i = 0; i < 5; i++) x->meta[i] = -1;
    x->m = m;
    x->tok = t;
    x->o = *opts;
    x->L = m->cfg.L;
    x->C = m->cfg.C;
    shang_extract_opts *o = &x->o;
    int rc = SHANG_OK;
    if (!o->site_mask) o->site_mask = 1u << SHANG_SITE_RESID;
    if (!o->ctx) o->ctx = m->cfg.T;
    if (!o->stride) o->stride = o->ctx / 2 > 0 ? o->ctx / 2 : 1;
    if (o->ctx < 2 || o->ctx > m->cfg.T)
        rc = SHANG_FAIL(SHANG_EUSAGE, "--ctx %d outside [2, %d] (the model's context)", o->ctx, m->cfg.T);
    else if (o->stride < 1 || o->stride > o->ctx - (o->bos ? 1 : 0))
        rc = SHANG_FAIL(SHANG_EUSAGE, "--stride %d outside [1, %d] (the window%s)", o->stride, o->ctx - (o->bos ? 1 : 0),
                        o->bos ? " less its <|endoftext|>" : "");
    else if (o->batch < 1) rc = SHANG_FAIL(SHANG_EINVAL, "batch %d < 1", o->batch);
    else if (o->bos && shang_bpe_eot(t) < 0) rc = SHANG_FAIL(SHANG_EINVAL, "the tokenizer has no <|endoftext|> to prepend");
    else if (x->L > 1024) rc = SHANG_FAIL(SHANG_EUNSUPPORTED, "more than 1024 layers");
    if (rc) goto fail;
    /* which layers of which site */
    int want[1025] = {0};
    if (!o->layers) for (int l = 0; l <= x->L; l++) want[l] = 1;
    for (int i = 0; o->layers && i < o->n_layers; i++) {
        if (o->layers[i] < 0 || o->layers[i] > x->L) {
            rc = SHANG_FAIL(SHANG_EUSAGE, "--layers: layer %d outside [0, %d] (the model's)", o->layers[i], x->L);
            goto fail;
        }
        want[o->layers[i]] = 1;
    }
    for (int s = 0; s < SHANG_N_SITES; s++) {
        for (int l = 0; l <= x->L; l++) {
            int ok = (o->site_mask & (1u << s)) && want[l] &&
                     (s == SHANG_SITE_RESID || (s == SHANG_SITE_LNF ? l == x->L : l >= 1));
            x->layer_idx[s][l] = ok ? x->n_sel[s]++ : -1;
        }
        if ((o->site_mask & (1u << s)) && !x->n_sel[s]) {
            rc = SHANG_FAIL(SHANG_EINVAL, "site %s has none of the chosen layers", shang_site_name(s));
            goto fail;
        }
    }
    if ((rc = shang_encoder_new(t, &x->enc)) || (rc = shang_gpt_run_new(m, o->batch, o->ctx, &x->run))) goto fail;
    x->btok = shang_alloc((size_t)o->batch * (size_t)o->ctx, sizeof *x->btok, "batch tokens");
    x->blen = shang_zalloc((size_t)o->batch, sizeof *x->blen, "batch lengths");
    if (!x->btok || !x->blen) {
        rc = shang_err_code();
        goto fail;
    }
    static const char *const dN[] = {"N"};
    size_t zero1[1] = {0};
    for (int i = 0; i < 5 && !rc; i++)
        rc = shang_h5_dset_create(file, META[i], SHANG_DT_I32, 1, zero1, 0, dN, META_HELP[i], &o->storage, &x->meta[i]);
    static const char *const dLNC[] = {"L", "N", "C"}, *const dL[] = {"L"};
    for (int s = 0; s < SHANG_N_SITES && !rc; s++) {
        if (!x->n_sel[s]) continue;
        char *name = shang_asprintf("states/%s", shang_site_name(s)), *lname = shang_asprintf("states/%s_layers", shang_site_name(s));
        char *help = shang_asprintf("hidden states at site %s, float32; axis 0 follows %s_layers", shang_site_name(s), shang_site_name(s));
        int32_t layers[1025];
        size_t k = 0;
        for (int l = 0; l <= x->L; l++)
            if (x->layer_idx[s][l] >= 0) layers[k++] = l;
        size_t dims[3] = {(size_t)x->n_sel[s], 0, (size_t)x->C}, dl[1] = {k};
        rc = !name || !lname || !help ? SHANG_FAIL(SHANG_ENOMEM, "out of memory")
                                      : shang_h5_dset_create(file, name, SHANG_DT_F32, 3, dims, 1, dLNC, help, &o->storage, &x->dset[s]);
        if (!rc) rc = shang_h5_write(file, lname, SHANG_DT_I32, 1, dl, layers, dL, "the layer of each index of axis 0", NULL);
        free(name);
        free(lname);
        free(help);
    }
    if (!rc) rc = shang_bpe_write(t, file, "tokenizer");
    if (rc) goto fail;
    *out = x;
    return SHANG_OK;
fail:
    shang_extract_free(x);
    return rc;
}

void shang_extract_free(shang_extract *x)
{
    if (!x) return;
    for (int s = 0; s < SHANG_N_SITES; s++) {
        if (x->dset[s] >= 0) H5Dclose(x->dset[s]);
        free(x->out[s]);
    }
    for (int i = 0; i < 5; i++)
        if (x->meta[i] >= 0) H5Dclose(x->meta[i]);
    shang_encoder_free(x->enc);
    shang_gpt_run_free(x->run);
    free(x->btok);
    free(x->blen);
    free(x->em);
    free(x->ids.v);
    free(x->doc_file.v);
    free(x->doc_index.v);
    for (int i = 0; i < x->n_files; i++) free(x->files[i]);
    free(x->files);
    shang_tsv_free(x->items);
    free(x->target_first);
    free(x->target_last);
    free(x->item_tokens);
    free(x);
}

uint64_t shang_extract_rows(const shang_extract *x) { return x->rows; }
uint64_t shang_extract_tokens(const shang_extract *x) { return x->tokens; }
int shang_extract_done(const shang_extract *x) { return x->done; }
const char *shang_extract_span(const shang_extract *x) { return x->o.start_col; }

/* copies (or averages) the emitted positions of one site/layer into out */
static int capture(void *user, int site, int layer, const float *act)
{
    shang_extract *x = user;
    int idx = x->layer_idx[site][layer];
    if (idx < 0) return SHANG_OK;
    const size_t C = (size_t)x->C, T = (size_t)x->T_batch;
    float *dst0 = x->out[site] + (size_t)idx * x->n_em * C;
#pragma omp parallel for schedule(static)
    for (size_t e = 0; e < x->n_em; e++) {
        const struct emit *em = &x->em[e];
        float *dst = dst0 + e * C;
        const float *src = act + ((size_t)em->b * T + (size_t)em->tf) * C;
        if (em->tf == em->tl) {
            memcpy(dst, src, C * sizeof *dst);
            continue;
        }
        int n = em->tl - em->tf + 1;
        for (size_t c = 0; c < C; c++) {
            double s = 0;
            for (int t = 0; t < n; t++) s += src[(size_t)t * C + c];
            dst[c] = (float)(s / n);
        }
    }
    return SHANG_OK;
}

static int flush(shang_extract *x)
{
    if (x->nb == 0) return SHANG_OK;
    int rc = SHANG_OK;
    size_t n = x->n_em, C = (size_t)x->C;
    if (n > 0) {
        if (n > x->out_cap) {
            for (int s = 0; s < SHANG_N_SITES; s++) {
                if (!x->n_sel[s]) continue;
                free(x->out[s]);
                x->out[s] = shang_alloc((size_t)x->n_sel[s] * n, C * sizeof(float), "captured states");
                if (!x->out[s]) return shang_err_code();
            }
            x->out_cap = n;
        }
        /* pack the batch as (nb, T) with T the longest sequence, right-padded */
        int T = 0;
        for (int b = 0; b < x->nb; b++) T = x->blen[b] > T ? x->blen[b] : T;
        int32_t *packed = shang_alloc((size_t)x->nb * (size_t)T, sizeof *packed, "packed batch");
        if (!packed) return shang_err_code();
        for (int b = 0; b < x->nb; b++) {
            memcpy(packed + (size_t)b * T, x->btok + (size_t)b * x->o.ctx, (size_t)x->blen[b] * sizeof *packed);
            for (int t = x->blen[b]; t < T; t++) packed[(size_t)b * T + t] = 0;
            x->tokens += (uint64_t)x->blen[b];
        }
        x->T_batch = T;
        rc = shang_gpt_forward(x->run, packed, x->nb, T, NULL, x->o.site_mask, capture, x);
        free(packed);
        /* metadata rows */
        int32_t *col = rc ? NULL : shang_alloc(n, sizeof *col, "metadata");
        if (!rc && !col) rc = shang_err_code();
        for (int i = 0; i < 5 && !rc; i++) {
            for (size_t e = 0; e < n; e++) {
                const struct emit *em = &x->em[e];
                col[e] = i == 0 ? em->token : i == 1 ? em->next : i == 2 ? em->doc : i == 3 ? em->pos : em->item;
            }
            rc = shang_h5_dset_append(x->meta[i], SHANG_DT_I32, n, col);
        }
        free(col);
        for (int s = 0; s < SHANG_N_SITES && !rc; s++) {
            if (!x->n_sel[s]) continue;
            size_t start[3] = {0, (size_t)x->rows, 0}, count[3] = {(size_t)x->n_sel[s], n, C};
            rc = shang_h5_dset_extend(x->dset[s], 1, (size_t)x->rows + n);
            if (!rc) rc = shang_h5_dset_write_slab(x->dset[s], SHANG_DT_F32, start, count, x->out[s]);
        }
        x->rows += n;
    }
    x->nb = 0;
    x->n_em = 0;
    return rc;
}

static int push_emit(shang_extract *x, struct emit e)
{
    if (x->n_em == x->cap_em) {
        size_t cap = x->cap_em ? 2 * x->cap_em : 1024;
        struct emit *p = shang_realloc(x->em, cap, sizeof *p, "batch rows");
        if (!p) return shang_err_code();
        x->em = p;
        x->cap_em = cap;
    }
    x->em[x->n_em++] = e;
    return SHANG_OK;
}

/* room for one more sequence (flushing a full batch first) */
static int new_sequence(shang_extract *x, const int32_t *seq, int len, int *b)
{
    if (x->nb == x->o.batch) {
        int rc = flush(x);
        if (rc) return rc;
    }
    *b = x->nb++;
    memcpy(x->btok + (size_t)*b * x->o.ctx, seq, (size_t)len * sizeof *seq);
    x->blen[*b] = len;
    return SHANG_OK;
}

/* rows still allowed under max_rows */
static uint64_t room(const shang_extract *x)
{
    if (!x->o.max_rows) return UINT64_MAX;
    uint64_t have = x->rows + x->n_em;
    return have >= x->o.max_rows ? 0 : x->o.max_rows - have;
}

int shang_windows(int total, int ctx, int stride, int skip, int move_last, shang_window **w, int *n)
{
    *w = NULL;
    *n = 0;
    if (ctx < 1 || stride < 1 || stride > ctx) return SHANG_FAIL(SHANG_EINVAL, "window %d, stride %d", ctx, stride);
    int cap = total > skip ? total / stride + 2 : 0, kept = skip;
    shang_window *v = cap ? shang_alloc((size_t)cap, sizeof *v, "windows") : NULL;
    if (cap && !v) return shang_err_code();
    for (int start = 0; kept < total; start += stride) {
        int end = start + ctx < total ? start + ctx : total;
        if (end == total && move_last) start = total - ctx > 0 ? total - ctx : 0; /* last window: full length */
        v[(*n)++] = (shang_window){start, end, kept};
        kept = end;
    }
    *w = v;
    return SHANG_OK;
}

/* One document: seq = [bos] + ids; windows of ctx; keeps each position once. */
static int add_document(shang_extract *x, const int32_t *ids, int n, int32_t doc)
{
    const int bos = x->o.bos ? 1 : 0;
    const int total = n + bos; /* positions in the sequence */
    int32_t *seq = shang_alloc((size_t)total + 1, sizeof *seq, "sequence");
    shang_window *w = NULL;
    int nw = 0, rc = seq ? shang_windows(total, x->o.ctx, x->o.stride, bos, 1, &w, &nw) : shang_err_code();
    if (rc) goto done;
    if (bos) seq[0] = shang_bpe_eot(x->tok);
    memcpy(seq + bos, ids, (size_t)n * sizeof *ids);
    for (int i = 0; i < nw && !rc && !x->done; i++) {
        int b;
        if ((rc = new_sequence(x, seq + w[i].start, w[i].end - w[i].start, &b))) break;
        for (int p = w[i].keep; p < w[i].end && !rc; p++) {
            if (!room(x)) {
                x->done = 1;
                break;
            }
            struct emit e = {b, p - w[i].start, p - w[i].start, seq[p], p + 1 < total ? seq[p + 1] : -1, doc, p - bos, -1};
            rc = push_emit(x, e);
        }
    }
done:
    free(w);
    free(seq);
    return rc;
}

int shang_extract_text(shang_extract *x, const char *path)
{
    char *text = NULL;
    size_t len, nd;
    shang_span *docs = NULL;
    int rc = shang_text_read(path, &text, &len);
    if (!rc) rc = shang_text_docs(text, len, x->o.docs_mode, &docs, &nd);
    const char *slash = strrchr(path, '/');
    char **files = rc ? NULL : shang_realloc(x->files, (size_t)x->n_files + 1, sizeof *files, "input file names");
    if (!rc && !files) rc = shang_err_code();
    if (!rc) {
        x->files = files;
        if (!(files[x->n_files] = shang_strdup(slash ? slash + 1 : path))) rc = shang_err_code();
        else x->n_files++;
    }
    for (size_t d = 0; !rc && d < nd && !x->done; d++) {
        x->ids.n = 0;
        rc = shang_encode(x->enc, text + docs[d].start, docs[d].len, &x->ids, NULL);
        if (!rc && x->ids.n > INT32_MAX / 2) rc = SHANG_FAIL(SHANG_EINVAL, "document %zu is too long", d);
        if (!rc && x->ids.n && !(rc = shang_ivec_push(&x->doc_file, x->n_files - 1)) &&
            !(rc = shang_ivec_push(&x->doc_index, (int32_t)d)))
            rc = add_document(x, x->ids.v, (int)x->ids.n, x->n_docs++);
    }
    if (rc) shang_err_prefix("%s", path);
    free(docs);
    free(text);
    return rc;
}

/* byte offset of character `ch` in UTF-8 text s (len bytes); -1 past the end */
static long char_to_byte(const char *s, size_t len, long ch)
{
    long c = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || ((unsigned char)s[i] & 0xC0) != 0x80) {
            if (c == ch) return (long)i;
            c++;
        }
    }
    return -1;
}

int shang_extract_items(shang_extract *x, const char *path)
{
    if (x->items) return SHANG_FAIL(SHANG_EINVAL, "one items table per output");
    int rc = shang_tsv_read(path, &x->items);
    if (rc) return rc;
    shang_tsv *t = x->items;
    const shang_extract_opts *o = &x->o;
    int tc = shang_tsv_col(t, o->text_col ? o->text_col : "sentence");
    /* no span columns named: target_start / target_end when the table has them */
    if (!o->start_col && shang_tsv_col(t, "target_start") >= 0 && shang_tsv_col(t, "target_end") >= 0) {
        x->o.start_col = "target_start";
        x->o.end_col = "target_end";
    }
    int sc = o->start_col ? shang_tsv_col(t, o->start_col) : -1, ec = o->end_col ? shang_tsv_col(t, o->end_col) : -1;
    if (tc < 0) return SHANG_FAIL(SHANG_EFORMAT, "%s: no column '%s'", path, o->text_col ? o->text_col : "sentence");
    if (o->start_col && (sc < 0 || ec < 0))
        return SHANG_FAIL(SHANG_EFORMAT, "%s: no target span columns '%s' and '%s'", path, o->start_col, o->end_col);
    if (o->targets_only && sc < 0) return SHANG_FAIL(SHANG_EINVAL, "targets only, but no target span columns");
    size_t I = t->n_rows;
    x->target_first = shang_alloc((I + 1), sizeof *x->target_first, "x->target_first");
    x->target_last = shang_alloc((I + 1), sizeof *x->target_last, "x->target_last");
    x->item_tokens = shang_alloc((I + 1), sizeof *x->item_tokens, "x->item_tokens");
    if (!x->target_first || !x->target_last || !x->item_tokens) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    shang_lvec offs = {0};
    const int bos = o->bos ? 1 : 0;
    int32_t *seq = shang_alloc((size_t)o->ctx, sizeof *seq, "item sequence");
    if (!seq) return shang_err_code();
    for (size_t i = 0; i < I && !rc; i++) {
        x->target_first[i] = x->target_last[i] = -1;
        x->item_tokens[i] = 0;
        if (x->done) continue;
        const char *s = shang_tsv_get(t, i, tc);
        size_t slen = strlen(s);
        x->ids.n = offs.n = 0;
        if ((rc = shang_encode(x->enc, s, slen, &x->ids, &offs))) break;
        int n = (int)x->ids.n;
        if (n + bos > o->ctx) n = o->ctx - bos; /* truncated to the context */
        x->item_tokens[i] = n;
        int tf = -1, tl = -1;
        if (sc >= 0) {
            int64_t a, z;
            if ((rc = shang_parse_i64(shang_tsv_get(t, i, sc), 0, INT32_MAX, &a)) ||
                (rc = shang_parse_i64(shang_tsv_get(t, i, ec), 0, INT32_MAX, &z))) {
                shang_err_prefix("%s: row %zu: target span", path, i + 2);
                break;
            }
            long ba = char_to_byte(s, slen, (long)a), bz = char_to_byte(s, slen, (long)z);
            if (ba < 0 || bz < 0 || bz <= ba) {
                rc = SHANG_FAIL(SHANG_EFORMAT, "%s: row %zu: target span [%lld, %lld) is not inside the text", path, i + 2,
                                (long long)a, (long long)z);
                break;
            }
            for (int k = 0; k < (int)x->ids.n; k++) {
                size_t tl_bytes;
                shang_bpe_token(x->tok, x->ids.v[k], &tl_bytes);
                long ks = (long)offs.v[k], ke = ks + (long)tl_bytes;
                if (ke > ba && ks < bz) {
                    if (tf < 0) tf = k;
                    tl = k;
                }
            }
            if (tl >= n) {
                rc = SHANG_FAIL(SHANG_EINVAL, "%s: row %zu: the target lies beyond the context of %d tokens", path, i + 2, o->ctx);
                break;
            }
        }
        if (bos) seq[0] = shang_bpe_eot(x->tok);
        memcpy(seq + bos, x->ids.v, (size_t)n * sizeof *seq);
        int b;
        if ((rc = new_sequence(x, seq, n + bos, &b))) break;
        if (o->targets_only) {
            if (!room(x)) {
                x->done = 1;
                continue;
            }
            int a = o->rep == SHANG_REP_FIRST ? tf : o->rep == SHANG_REP_LAST ? tl : tf;
            int z = o->rep == SHANG_REP_FIRST ? tf : tl;
            x->target_first[i] = x->target_last[i] = (int64_t)(x->rows + x->n_em);
            struct emit e = {b, a + bos, z + bos, x->ids.v[tl], tl + 1 < (int)x->ids.n ? x->ids.v[tl + 1] : -1, (int32_t)i, tl, (int32_t)i};
            rc = push_emit(x, e);
        } else {
            for (int p = 0; p < n && !rc; p++) {
                if (!room(x)) {
                    x->done = 1;
                    break;
                }
                if (p == tf) x->target_first[i] = (int64_t)(x->rows + x->n_em);
                if (p == tl) x->target_last[i] = (int64_t)(x->rows + x->n_em);
                struct emit e = {b, p + bos, p + bos, x->ids.v[p], p + 1 < (int)x->ids.n ? x->ids.v[p + 1] : -1, (int32_t)i, p, (int32_t)i};
                rc = push_emit(x, e);
            }
        }
    }
    free(seq);
    free(offs.v);
    return rc;
}

int shang_extract_finish(shang_extract *x)
{
    int rc = flush(x);
    if (rc) return rc;
    hid_t file = H5Iget_file_id(x->meta[0]);
    /* the run's facts as root attributes, for readers that skip provenance */
    if (!rc) rc = shang_h5_attr_i64(file, "bos_prepended", x->o.bos);
    if (!rc) rc = shang_h5_attr_str(file, "first_position", x->o.bos ? "<|endoftext|> prefix run but not stored" : "stored");
    if (!rc) rc = shang_h5_attr_i64(file, "n_layer", x->m->cfg.L);
    if (!rc) rc = shang_h5_attr_i64(file, "n_embd", x->m->cfg.C);
    if (!rc && x->n_files && x->doc_file.n) { /* where each document came from (shang_states_doc_groups) */
        static const char *const dD[] = {"D"}, *const dF[] = {"F"};
        size_t dd[1] = {x->doc_file.n}, df[1] = {(size_t)x->n_files};
        rc = shang_h5_write(file, "files", SHANG_DT_STR, 1, df, x->files, dF, "input text files, in order (basenames)", NULL);
        if (!rc) rc = shang_h5_write(file, "doc_file", SHANG_DT_I32, 1, dd, x->doc_file.v, dD,
                                     "input file (index into files) of each document (the doc column's values)", NULL);
        if (!rc) rc = shang_h5_write(file, "doc_index", SHANG_DT_I32, 1, dd, x->doc_index.v, dD,
                                     "each document's index in its file (empty documents counted)", NULL);
    }
    if (rc || !x->items) {
        H5Fclose(file);
        return rc;
    }
    shang_tsv *t = x->items;
    size_t I = t->n_rows, d[1] = {I};
    static const char *const dI[] = {"I"};
    char **col = shang_alloc((I + 1), sizeof *col, "col");
    if (!col) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t c = 0; c < t->n_cols && !rc; c++) {
        for (size_t i = 0; i < I; i++) col[i] = (char *)shang_tsv_get(t, i, (int)c);
        char *name = shang_asprintf("items/%s", t->header[c]);
        rc = name ? shang_h5_write(file, name, SHANG_DT_STR, 1, d, col, dI, "column of the items table", NULL) : shang_err_code();
        free(name);
    }
    free(col);
    if (!rc) rc = shang_h5_write(file, "item_target_first", SHANG_DT_I64, 1, d, x->target_first, dI,
                                 "row (axis N) of each item's first target token, -1 if none or not stored", NULL);
    if (!rc) rc = shang_h5_write(file, "item_target_last", SHANG_DT_I64, 1, d, x->target_last, dI,
                                 "row (axis N) of each item's last target token (with targets only: its row)", NULL);
    if (!rc) rc = shang_h5_write(file, "item_tokens", SHANG_DT_I32, 1, d, x->item_tokens, dI,
                                 "tokens of each item run through the model (after truncation)", NULL);
    H5Fclose(file);
    return rc;
}
