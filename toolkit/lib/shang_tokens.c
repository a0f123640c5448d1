/* shang_tokens — see shang_tokens.h. */
#include "shang_tokens.h"

#include <stdlib.h>
#include <string.h>

#include "shang_h5.h"
#include "shang_mem.h"
#include "shang_text.h"

int shang_tokens_add_file(shang_tokens *tk, shang_encoder *e, const char *path, int docs_mode)
{
    char *text = NULL;
    size_t len, nd;
    shang_span *docs = NULL;
    int rc = shang_text_read(path, &text, &len);
    if (!rc) rc = shang_text_docs(text, len, docs_mode, &docs, &nd);
    char **files = rc ? NULL : shang_realloc(tk->files, tk->n_files + 1, sizeof *files, "file names");
    if (!rc && !files) rc = shang_err_code();
    if (!rc) {
        tk->files = files;
        if (!(files[tk->n_files] = shang_strdup(path))) rc = shang_err_code();
        else tk->n_files++;
    }
    int32_t file = (int32_t)tk->n_files - 1;
    for (size_t d = 0; !rc && d < nd; d++) {
        int32_t doc = (int32_t)tk->doc_file.n;
        size_t first = tk->ids.n;
        if ((rc = shang_ivec_push(&tk->doc_file, file)) ||
            (rc = shang_lvec_push(&tk->doc_start, (int64_t)docs[d].start)) ||
            (rc = shang_lvec_push(&tk->doc_first, (int64_t)first)) ||
            (rc = shang_encode(e, text + docs[d].start, docs[d].len, &tk->ids, &tk->offset)))
            break;
        for (size_t i = first; !rc && i < tk->ids.n; i++) rc = shang_ivec_push(&tk->doc, doc);
        tk->bytes += docs[d].len;
    }
    if (rc) shang_err_prefix("%s", path);
    free(docs);
    free(text);
    return rc;
}

int shang_tokens_write(const shang_tokens *tk, const shang_tokenizer *t, hid_t file)
{
    static const char *const dN[] = {"N"}, *const dD[] = {"D"}, *const dF[] = {"F"};
    size_t n[1] = {tk->ids.n}, d[1] = {tk->doc_file.n}, f[1] = {tk->n_files};
    int rc;
    if ((rc = shang_h5_write(file, "tokens", SHANG_DT_I32, 1, n, tk->ids.v, dN, "token id at each position", NULL)) ||
        (rc = shang_h5_write(file, "doc", SHANG_DT_I32, 1, n, tk->doc.v, dN, "document index of each token", NULL)) ||
        (rc = shang_h5_write(file, "offset", SHANG_DT_I64, 1, n, tk->offset.v, dN,
                             "byte offset of each token's first byte in its document", NULL)) ||
        (rc = shang_h5_write(file, "doc_file", SHANG_DT_I32, 1, d, tk->doc_file.v, dD,
                             "index into files of each document", NULL)) ||
        (rc = shang_h5_write(file, "doc_start", SHANG_DT_I64, 1, d, tk->doc_start.v, dD,
                             "byte offset of each document in its file's (decompressed) text", NULL)) ||
        (rc = shang_h5_write(file, "doc_first", SHANG_DT_I64, 1, d, tk->doc_first.v, dD,
                             "index of each document's first token", NULL)) ||
        (rc = shang_h5_write(file, "files", SHANG_DT_STR, 1, f, tk->files, dF, "input files", NULL)) ||
        (rc = shang_h5_attr_i64(file, "bytes", (int64_t)tk->bytes)))
        return rc;
    return shang_bpe_write(t, file, "tokenizer");
}

static int read_into(hid_t file, const char *name, int dtype, void **v, size_t *n)
{
    int rank;
    size_t dims[1];
    int rc = shang_h5_read(file, name, dtype, 1, &rank, dims, v);
    if (!rc) *n = rank == 1 ? dims[0] : 0;
    return rc;
}

int shang_tokens_read(hid_t file, shang_tokens *tk)
{
    memset(tk, 0, sizeof *tk);
    int rc;
    if ((rc = read_into(file, "tokens", SHANG_DT_I32, (void **)&tk->ids.v, &tk->ids.n)) ||
        (rc = read_into(file, "doc", SHANG_DT_I32, (void **)&tk->doc.v, &tk->doc.n)) ||
        (rc = read_into(file, "doc_first", SHANG_DT_I64, (void **)&tk->doc_first.v, &tk->doc_first.n)))
        return rc;
    tk->ids.cap = tk->ids.n;
    tk->doc.cap = tk->doc.n;
    tk->doc_first.cap = tk->doc_first.n;
    if (tk->doc.n != tk->ids.n) return SHANG_FAIL(SHANG_EFORMAT, "doc and tokens differ in length");
    for (size_t i = 0; i < tk->doc_first.n; i++)
        if (tk->doc_first.v[i] < 0 || (size_t)tk->doc_first.v[i] > tk->ids.n ||
            (i && tk->doc_first.v[i] < tk->doc_first.v[i - 1]))
            return SHANG_FAIL(SHANG_EFORMAT, "doc_first is not an increasing list of token indices");
    return SHANG_OK;
}

void shang_tokens_clear(shang_tokens *tk)
{
    free(tk->ids.v);
    free(tk->doc.v);
    free(tk->offset.v);
    free(tk->doc_file.v);
    free(tk->doc_start.v);
    free(tk->doc_first.v);
    for (size_t i = 0; i < tk->n_files; i++) free(tk->files[i]);
    free(tk->files);
    memset(tk, 0, sizeof *tk);
}

int shang_tokens_stream(const shang_tokenizer *t, char *const *files, int n, shang_ivec *out)
{
    if (shang_bpe_eot(t) < 0) return SHANG_FAIL(SHANG_EINVAL, "the tokenizer has no <|endoftext|> to separate documents");
    shang_encoder *e;
    int rc = shang_encoder_new(t, &e);
    for (int i = 0; !rc && i < n; i++) {
        char *text;
        size_t len, nd;
        shang_span *d = NULL;
        if ((rc = shang_text_read(files[i], &text, &len))) break;
        rc = shang_text_docs(text, len, SHANG_DOCS_BLANK, &d, &nd);
        for (size_t k = 0; !rc && k < nd; k++) {
            rc = shang_ivec_push(out, shang_bpe_eot(t));
            if (!rc) rc = shang_encode(e, text + d[k].start, d[k].len, out, NULL);
        }
        if (rc) shang_err_prefix("%s", files[i]);
        free(d);
        free(text);
    }
    shang_encoder_free(e);
    return rc;
}
