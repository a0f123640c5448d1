/* shang_senses_design — the experimental design of the sense analyses (see
 * shang_senses.h): which pairs are compared, and the random draws behind the
 * baselines (derangements, label balancing, frequency-matched controls). */
#include "shang_senses.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "shang_mem.h"
#include "shang_strmap.h"
#include "shang_tsv.h"

int shang_derangement(gsl_rng *r, size_t n, uint32_t *perm)
{
    if (n < 2) return SHANG_FAIL(SHANG_EINVAL, "a derangement needs 2 items or more, not %zu", n);
    for (size_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
    for (size_t i = n - 1; i > 0; i--) { /* Sattolo: j < i, so every item moves */
        size_t j = (size_t)gsl_rng_uniform_int(r, i);
        uint32_t tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
    }
    return SHANG_OK;
}

void shang_balance_labels(const unsigned char *label, const unsigned char *split, size_t n, gsl_rng *r,
                          unsigned char *keep)
{
    size_t n1[2] = {0}, n0[2] = {0};
    for (size_t q = 0; q < n; q++) (label[q] ? n1 : n0)[split[q] != 0]++;
    memset(keep, 0, n);
    for (int sp = 0; sp < 2; sp++) {
        size_t want = n1[sp] < n0[sp] ? n1[sp] : n0[sp];
        size_t seen[2] = {0}, took[2] = {0}, have[2] = {n0[sp], n1[sp]};
        for (size_t q = 0; q < n; q++) {
            if ((split[q] != 0) != sp) continue;
            int lab = label[q] != 0;
            /* selection sampling (Knuth's algorithm S): want of have, in order */
            if ((double)(have[lab] - seen[lab]) * gsl_rng_uniform(r) < (double)(want - took[lab])) {
                keep[q] = 1;
                took[lab]++;
            }
            seen[lab]++;
        }
    }
}

void shang_wic_pairs_free(shang_wic_pairs *p)
{
    free(p->a);
    free(p->b);
    free(p->same);
    free(p->train);
    memset(p, 0, sizeof *p);
}

/* every line well formed, or the file is refused at its first bad line: an item
 * the states never had, a label not 0/1, a split not train/test */
static int check_pairs(const shang_tsv *t, const char *path, const int *col, const shang_strmap *idm)
{
    for (size_t q = 0; q < t->n_rows; q++) {
        const char *sa = shang_tsv_get(t, q, col[0]), *sb = shang_tsv_get(t, q, col[1]),
                   *sp = shang_tsv_get(t, q, col[4]);
        const char *bad = NULL, *what = NULL;
        if (!shang_strmap_get(idm, sa, strlen(sa))) bad = sa, what = "item a";
        else if (!shang_strmap_get(idm, sb, strlen(sb))) bad = sb, what = "item b";
        for (int g = 0; !bad && g < 2; g++) {
            const char *v = shang_tsv_get(t, q, col[2 + g]);
            if (strcmp(v, "0") && strcmp(v, "1")) bad = v, what = g ? "same_lexfile (0 or 1)" : "same_sense (0 or 1)";
        }
        if (!bad && strcmp(sp, "train") && strcmp(sp, "test")) bad = sp, what = "split (train or test)";
        if (bad)
            return SHANG_FAIL(SHANG_EFORMAT, "%s:%zu: %s '%s'%s", path, q + 2, what, bad,
                              what[0] == 'i' ? " is not an item of the states" : " is not allowed");
    }
    return SHANG_OK;
}

/* the pairs of kind g whose items both have a row (and, with tok, one token), balanced */
static int kind_pairs(const shang_tsv *t, const int *col, int g, const shang_strmap *idm, const int32_t *row,
                      const int32_t *tok, gsl_rng *r, shang_wic_pairs *out)
{
    const size_t np = t->n_rows;
    size_t k = 0;
    unsigned char *keep = shang_alloc(np, 1, "WiC pairs");
    out->a = shang_alloc(np, sizeof *out->a, "WiC pairs");
    out->b = shang_alloc(np, sizeof *out->b, "WiC pairs");
    out->same = shang_alloc(np, 1, "WiC pairs");
    out->train = shang_alloc(np, 1, "WiC pairs");
    if (!keep || !out->a || !out->b || !out->same || !out->train) {
        free(keep);
        return SHANG_ENOMEM;
    }
    for (size_t q = 0; q < np; q++) {
        const char *sa = shang_tsv_get(t, q, col[0]), *sb = shang_tsv_get(t, q, col[1]);
        const uint64_t *va = shang_strmap_get(idm, sa, strlen(sa)), *vb = shang_strmap_get(idm, sb, strlen(sb));
        if (!va || !vb || row[*va - 1] < 0 || row[*vb - 1] < 0) continue; /* an item not extracted */
        if (tok && tok[row[*va - 1]] != tok[row[*vb - 1]]) continue;
        out->a[k] = (uint32_t)row[*va - 1];
        out->b[k] = (uint32_t)row[*vb - 1];
        out->same[k] = !strcmp(shang_tsv_get(t, q, col[2 + g]), "1");
        out->train[k] = !strcmp(shang_tsv_get(t, q, col[4]), "train");
        k++;
    }
    shang_balance_labels(out->same, out->train, k, r, keep);
    size_t m = 0;
    for (size_t q = 0; q < k; q++)
        if (keep[q]) {
            out->a[m] = out->a[q];
            out->b[m] = out->b[q];
            out->same[m] = out->same[q];
            out->train[m++] = out->train[q];
        }
    out->n = m;
    free(keep);
    return SHANG_OK;
}

int shang_wic_pairs_load(const char *path, char *const *ids, const int32_t *row, size_t I, const int32_t *tok,
                         uint64_t seed, shang_wic_pairs out[2])
{
    shang_tsv *t = NULL;
    shang_strmap *idm = NULL;
    gsl_rng *r = NULL;
    memset(out, 0, 2 * sizeof *out);
    int rc = shang_tsv_read(path, &t);
    int col[5] = {-1, -1, -1, -1, -1};
    static const char *const name[5] = {"a", "b", "same_sense", "same_lexfile", "split"};
    for (int q = 0; !rc && q < 5; q++)
        if ((col[q] = shang_tsv_col(t, name[q])) < 0)
            rc = SHANG_FAIL(SHANG_EFORMAT, "%s lacks a, b, same_sense, same_lexfile or split", path);
    if (!rc) rc = shang_strmap_new(I + 16, &idm);
    for (size_t i = 0; !rc && i < I; i++) {
        uint64_t *v = shang_strmap_put(idm, ids[i], strlen(ids[i]), NULL);
        if (!v) rc = shang_err_code();
        else *v = i + 1;
    }
    if (!rc) rc = check_pairs(t, path, col, idm);
    if (!rc) rc = shang_rng_new(seed, SHANG_STREAM_SUBSAMPLE, UINT64_C(4) << 40, &r);
    for (int g = 0; !rc && g < 2; g++) rc = kind_pairs(t, col, g, idm, row, tok, r, &out[g]);
    shang_rng_free(r);
    shang_strmap_free(idm);
    shang_tsv_free(t);
    if (rc) shang_wic_pairs_free(&out[0]), shang_wic_pairs_free(&out[1]);
    return rc;
}

size_t shang_synonym_pairs(const int32_t *set, const int32_t *word, const int64_t *row, size_t I, size_t max_per,
                           uint32_t *a, uint32_t *b)
{
    size_t n = 0;
    for (size_t i = 0; i < I; i++) {
        size_t k = 0;
        for (size_t j = i + 1; j < I && k < max_per; j++)
            if (set[j] == set[i] && word[j] != word[i] && row[i] >= 0 && row[j] >= 0) {
                a[n] = (uint32_t)row[i];
                b[n++] = (uint32_t)row[j];
                k++;
            }
    }
    return n;
}

size_t shang_word_pairs(char *const *wa, char *const *wb, size_t n_words, char *const *word, const int64_t *row,
                        size_t I, size_t max_per, size_t cap, uint32_t *a, uint32_t *b)
{
    size_t n = 0;
    for (size_t q = 0; q < n_words; q++) {
        size_t k = 0;
        for (size_t i = 0; i < I && k < max_per; i++) {
            if (strcmp(word[i], wa[q]) || row[i] < 0) continue;
            for (size_t j = 0; j < I && k < max_per; j++)
                if (!strcmp(word[j], wb[q]) && row[j] >= 0 && n < cap) {
                    a[n] = (uint32_t)row[i];
                    b[n++] = (uint32_t)row[j];
                    k++;
                }
        }
    }
    return n;
}

size_t shang_random_controls(const uint32_t *a, const uint32_t *b, size_t np, const int32_t *set, const int32_t *word,
                             const int64_t *row, const double *logf, size_t I, gsl_rng *r, uint32_t *ca, uint32_t *cb)
{
    size_t n = 0;
    for (size_t q = 0; q < np; q++) {
        size_t i = 0, j = 0; /* the items behind the pair's rows */
        while (i < I && (size_t)row[i] != a[q]) i++;
        while (j < I && (size_t)row[j] != b[q]) j++;
        size_t best = I;
        double bd = INFINITY;
        for (int tries = 0, got = 0; tries < SHANG_CONTROL_TRIES && got < (logf ? SHANG_CONTROL_DRAWS : 1); tries++) {
            size_t k = (size_t)gsl_rng_uniform_int(r, I);
            if (row[k] < 0 || set[k] == set[i] || word[k] == word[i] || word[k] == word[j]) continue;
            if (logf && (isnan(logf[k]) || isnan(logf[j]))) continue;
            got++;
            double d = logf ? fabs(logf[k] - logf[j]) : 0;
            if (d < bd) {
                bd = d;
                best = k;
            }
        }
        if (best < I) {
            ca[n] = a[q];
            cb[n++] = (uint32_t)row[best];
        }
    }
    return n;
}

int shang_log_frequencies(const char *path, char *const *word, size_t I, double *logf)
{
    shang_tsv *t = NULL;
    shang_strmap *m = NULL;
    int rc = shang_tsv_read(path, &t);
    int cw = t ? shang_tsv_col(t, "word") : -1, cf = t ? shang_tsv_col(t, "corpus_freq") : -1;
    if (!rc && (cw < 0 || cf < 0)) rc = SHANG_FAIL(SHANG_EFORMAT, "%s lacks word or corpus_freq", path);
    if (!rc) rc = shang_strmap_new(t->n_rows + 16, &m);
    for (size_t q = 0; !rc && q < t->n_rows; q++) { /* a word listed twice: its larger count */
        const char *w = shang_tsv_get(t, q, cw);
        uint64_t *v = shang_strmap_put(m, w, strlen(w), NULL);
        uint64_t fr = strtoull(shang_tsv_get(t, q, cf), NULL, 10);
        if (!v) rc = shang_err_code();
        else if (fr > *v) *v = fr;
    }
    for (size_t i = 0; !rc && i < I; i++) {
        const uint64_t *v = shang_strmap_get(m, word[i], strlen(word[i]));
        logf[i] = v && *v ? log((double)*v) : NAN;
    }
    shang_strmap_free(m);
    shang_tsv_free(t);
    return rc;
}
