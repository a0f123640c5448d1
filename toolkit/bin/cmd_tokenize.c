/* shang tokenize — text to token ids with a shang or GPT-2 tokenizer (a
 * shang.tokens artefact, or ids on stdout), and ids back to text (--decode). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shang tokenize (-t TOKENIZER.h5 | --gpt2 DIR) [options] FILE...\n"
            "       shang tokenize (-t TOKENIZER.h5 | --gpt2 DIR) --decode [FILE...]\n\n"
            "Encodes the documents of FILEs (plain text or gzip; '-' is stdin) into token\n"
            "ids. Every byte string encodes: bytes that are not valid UTF-8 (and NUL) form\n"
            "pieces of their own, and decoding gives back the exact bytes.\n"
            "With --decode, FILEs are shang.tokens artefacts, or text with one document's\n"
            "ids per line (as --print writes); each document's text is written to stdout\n"
            "followed by an empty line, which rebuilds a corpus file in the blank format.\n\n"
            "Options:\n"
            "  -t, --tokenizer FILE   tokenizer from a shang artefact (shang bpe's output,\n"
            "                         a shang.tokens file, a model file)\n"
            "      --gpt2 DIR         GPT-2's tokenizer: DIR/encoder.json (or vocab.json) and\n"
            "                         DIR/vocab.bpe (or merges.txt), e.g. datasets/gpt2\n"
            "  -o, --output FILE      write a shang.tokens artefact (ids, document and byte\n"
            "                         offset of every token, the tokenizer, provenance)\n"
            "      --print            print ids on stdout instead: one line per document\n"
            "      --docs MODE        blank: documents separated by empty lines; line: one\n"
            "                         per line; file: one per file [default blank]\n"
            "  -d, --decode           ids to text (see above)\n"
            "  -q, --quiet            no progress on stderr\n"
            "  -v, --verbose          more detail in errors\n"
            "  -h, --help             show this help and exit\n\n"
            "Examples:\n"
            "  shang tokenize --gpt2 datasets/gpt2 --print notes.txt\n"
            "  shang tokenize -t tokenizer.h5 -o train.tokens.h5 datasets/corpus/*.train.txt.gz\n"
            "  shang tokenize -t train.tokens.h5 --decode train.tokens.h5 > roundtrip.txt\n");
    cmd_print_exit_status(out);
}

/* stdin as a file name for the text reader */
static const char *input_path(const char *a) { return strcmp(a, "-") ? a : "/dev/stdin"; }

static int print_ids(const shang_tokens *tk)
{
    size_t D = tk->doc_first.n;
    for (size_t d = 0; d < D; d++) {
        size_t a = (size_t)tk->doc_first.v[d], b = d + 1 < D ? (size_t)tk->doc_first.v[d + 1] : tk->ids.n;
        for (size_t i = a; i < b; i++) printf(i > a ? " %d" : "%d", tk->ids.v[i]);
        putchar('\n');
    }
    return ferror(stdout) ? SHANG_FAIL(SHANG_EIO, "cannot write to stdout") : SHANG_OK;
}

static int write_doc(const shang_tokenizer *t, const int32_t *ids, size_t n)
{
    char *text;
    size_t len;
    int rc = shang_decode(t, ids, n, &text, &len);
    if (rc) return rc;
    fwrite(text, 1, len, stdout);
    putchar('\n');
    free(text);
    return ferror(stdout) ? SHANG_FAIL(SHANG_EIO, "cannot write to stdout") : SHANG_OK;
}

/* one document's ids per line */
static int decode_id_lines(const shang_tokenizer *t, const char *path)
{
    char *text;
    size_t len;
    int rc = shang_text_read(path, &text, &len);
    if (rc) return rc;
    shang_ivec ids = {0};
    size_t line = 1;
    for (char *s = text; !rc && s < text + len; line++) {
        char *nl = memchr(s, '\n', (size_t)(text + len - s));
        char *end = nl ? nl : text + len;
        ids.n = 0;
        while (!rc && s < end) {
            while (s < end && (*s == ' ' || *s == '\t' || *s == '\r')) s++;
            if (s == end) break;
            char *e = s;
            while (e < end && *e != ' ' && *e != '\t' && *e != '\r') e++;
            char save = *e;
            *e = '\0';
            int v;
            rc = shang_parse_int(s, 0, INT32_MAX, &v);
            *e = save;
            if (rc) rc = shang_err_prefix("%s:%zu", path, line);
            else rc = shang_ivec_push(&ids, v);
            s = e;
        }
        if (!rc) rc = write_doc(t, ids.v, ids.n);
        if (rc && shang_err_code() == SHANG_EINVAL) shang_err_prefix("%s:%zu", path, line);
        s = end + 1;
    }
    free(ids.v);
    free(text);
    return rc;
}

static int decode_file(const shang_tokenizer *t, const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char magic[8] = {0};
    size_t got = f ? fread(magic, 1, 8, f) : 0;
    if (f) fclose(f);
    if (!(got == 8 && !memcmp(magic, "\x89HDF\r\n\x1a\n", 8))) return decode_id_lines(t, path);
    hid_t h;
    int rc = shang_h5_open(path, SHANG_TOKENS_FORMAT, SHANG_TOKENS_VERSION, &h, NULL);
    if (rc) return rc;
    shang_tokens tk;
    rc = shang_tokens_read(h, &tk);
    H5Fclose(h);
    size_t D = tk.doc_first.n;
    for (size_t d = 0; !rc && d < D; d++) {
        size_t a = (size_t)tk.doc_first.v[d], b = d + 1 < D ? (size_t)tk.doc_first.v[d + 1] : tk.ids.n;
        rc = write_doc(t, tk.ids.v + a, b - a);
    }
    shang_tokens_clear(&tk);
    if (rc) shang_err_prefix("%s", path);
    return rc;
}

int cmd_tokenize(int argc, char **argv)
{
    static const struct option opts[] = {
        {"tokenizer", required_argument, 0, 't'}, {"gpt2", required_argument, 0, 'g'},
        {"output", required_argument, 0, 'o'},    {"print", no_argument, 0, 'p'},
        {"docs", required_argument, 0, 'D'},      {"decode", no_argument, 0, 'd'},
        {0, 0, 0, 0}};
    const char *tok_file = NULL, *gpt2 = NULL, *output = NULL;
    int print = 0, decode = 0, docs = SHANG_DOCS_BLANK, c;
    cmd_opts co;
    cmd_opts_init(&co, "tokenize", CMD_FILES, usage);
    while ((c = cmd_getopt(&co, argc, argv, "t:o:d", opts)) > 0) switch (c) {
        case 't': tok_file = optarg; break;
        case 'g': gpt2 = optarg; break;
        case 'o': output = optarg; break;
        case 'p': print = 1; break;
        case 'd': decode = 1; break;
        case 'D': co.bad = shang_text_docs_mode(optarg, &docs); break;
        }
    const char *missing = !tok_file == !gpt2 ? "give exactly one of --tokenizer and --gpt2"
                          : decode && (output || print) ? "--decode writes text to stdout; drop -o/--print"
                          : !decode && !output == !print ? "give exactly one of -o and --print"
                          : !decode && optind >= argc ? "no input files" : NULL;
    if (c < 0 || cmd_opts_done(&co, argc, missing)) return cmd_opts_exit(&co);
    cmd_opts_free(&co);

    shang_tokenizer *t = NULL;
    shang_encoder *e = NULL;
    shang_h5_file *f = NULL;
    shang_prov *p = NULL;
    shang_tokens tk = {0};
    int rc = tok_file ? shang_bpe_load_file(tok_file, &t) : shang_bpe_load_gpt2_dir(gpt2, &t);
    if (!rc && decode) {
        if (optind >= argc) rc = decode_file(t, "/dev/stdin");
        for (int i = optind; !rc && i < argc; i++) rc = decode_file(t, input_path(argv[i]));
        goto done;
    }
    if (!rc && output) rc = shang_h5_create(output, SHANG_TOKENS_FORMAT, SHANG_TOKENS_VERSION, &f);
    if (!rc) rc = shang_encoder_new(t, &e);
    double t0 = shang_now();
    shang_progress *pr = rc || print ? NULL : shang_progress_new("tokenize", "files", (uint64_t)(argc - optind));
    for (int i = optind; !rc && i < argc; i++) {
        rc = shang_tokens_add_file(&tk, e, input_path(argv[i]), docs);
        shang_progress_update(pr, (uint64_t)(i - optind + 1), NULL);
    }
    shang_progress_finish(pr, (uint64_t)(argc - optind), NULL);
    double secs = shang_now() - t0;
    if (!rc && print) rc = print_ids(&tk);
    if (!rc && output) {
        rc = cmd_prov_new("tokenize", argc, argv, &p);
        for (int i = optind; !rc && i < argc; i++)
            if (strcmp(argv[i], "-")) rc = cmd_prov_input(p, "text", i - optind, argv[i]);
        if (!rc && tok_file) rc = shang_prov_input(p, "tokenizer", tok_file);
        if (!rc) rc = shang_prov_str(p, "tokenizer", tok_file ? tok_file : gpt2);
        if (!rc) rc = shang_prov_str(p, "tokenizer_kind", tok_file ? "shang" : "gpt2");
        if (!rc) rc = shang_prov_str(p, "docs", shang_text_docs_name(docs));
        if (!rc) rc = shang_tokens_write(&tk, t, f->id);
        if (!rc) rc = shang_prov_commit(p, &f);
        if (!rc)
            shang_log(SHANG_LOG_INFO, "tokenize: %zu tokens in %zu documents from %.2f MB in %.2f s (%.1f MB/s) -> %s\n",
                      tk.ids.n, tk.doc_first.n, (double)tk.bytes / 1e6, secs,
                      secs > 0 ? (double)tk.bytes / 1e6 / secs : 0.0, output);
    }
done:;
    int status = rc ? cmd_fail("tokenize", rc) : SHANG_EXIT_OK;
    shang_h5_abort(f);
    shang_prov_free(p);
    shang_tokens_clear(&tk);
    shang_encoder_free(e);
    shang_bpe_free(t);
    return status;
}
