/* shang bpe — learn a byte-level BPE tokenizer on a corpus and write it as a
 * shang.tokenizer artefact (group /tokenizer, embeddable in a model file). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "shang_bpe_learn.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shang bpe [options] -o TOKENIZER.h5 FILE...\n\n"
            "Learns a byte-level BPE tokenizer on the documents of FILEs (plain text or\n"
            "gzip): GPT-2's pre-tokenisation regex splits text into pieces, then the most\n"
            "frequent adjacent pair is merged (ties: smaller left, then right id) until\n"
            "the vocabulary is full. Ids 0-255 are the bytes, 256+r is merge r, the last id\n"
            "is <|endoftext|>. Deterministic: the same files give the same tokenizer.\n\n"
            "Options:\n"
            "  -o, --output FILE      the tokenizer artefact to write (required)\n"
            "  -V, --vocab-size N     vocabulary size, bytes and <|endoftext|> included\n"
            "                         [default 8192; 257..1048576]\n"
            "      --min-count N      stop early when the best pair occurs fewer than N\n"
            "                         times [default 2; >= 1]\n"
            "      --docs MODE        blank: documents separated by empty lines; line: one\n"
            "                         per line; file: one per file [default blank]\n"
            "  -q, --quiet            no progress on stderr\n"
            "  -v, --verbose          more detail in errors\n"
            "  -h, --help             show this help and exit\n\n"
            "Example:\n"
            "  shang bpe -V 8192 -o tokenizer.h5 datasets/corpus/*.train.txt.gz\n");
    cmd_print_exit_status(out);
}

int cmd_bpe(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'}, {"vocab-size", required_argument, 0, 'V'},
        {"min-count", required_argument, 0, 'm'}, {"docs", required_argument, 0, 'd'}, {0, 0, 0, 0}};
    const char *output = NULL;
    int64_t vocab = 8192, min_count = 2;
    int docs = SHANG_DOCS_BLANK, c;
    cmd_opts co;
    cmd_opts_init(&co, "bpe", CMD_FILES, usage);
    while ((c = cmd_getopt(&co, argc, argv, "o:V:", opts)) > 0) switch (c) {
        case 'o': output = optarg; break;
        case 'V': co.bad = shang_parse_i64(optarg, 257, 1 << 20, &vocab); break;
        case 'm': co.bad = shang_parse_i64(optarg, 1, INT64_MAX, &min_count); break;
        case 'd': co.bad = shang_text_docs_mode(optarg, &docs); break;
        }
    if (c < 0 || cmd_opts_done(&co, argc, !output ? "no output file (-o)" : optind >= argc ? "no input files" : NULL))
        return cmd_opts_exit(&co);
    cmd_opts_free(&co);

    shang_strmap *counts = NULL;
    shang_tokenizer *t = NULL;
    shang_h5_file *f = NULL;
    shang_prov *p = NULL;
    double t0 = shang_now();
    uint64_t bytes = 0;
    int rc = shang_strmap_new(1 << 16, &counts);
    /* create the output first: a bad path fails before the work */
    if (!rc) rc = shang_h5_create(output, "shang.tokenizer", 1, &f);
    if (!rc) rc = cmd_prov_new("bpe", argc, argv, &p);
    shang_progress *pr = rc ? NULL : shang_progress_new("bpe", "files", (uint64_t)(argc - optind));
    for (int i = optind; !rc && i < argc; i++) {
        char *text = NULL;
        size_t len, nd;
        shang_span *d = NULL;
        rc = shang_text_read(argv[i], &text, &len);
        if (!rc) rc = shang_text_docs(text, len, docs, &d, &nd);
        for (size_t k = 0; !rc && k < nd; k++) rc = shang_bpe_count_pieces(text + d[k].start, d[k].len, counts);
        if (!rc) rc = cmd_prov_input(p, "text", i - optind, argv[i]);
        bytes += len;
        free(d);
        free(text);
        shang_progress_update(pr, (uint64_t)(i - optind + 1), NULL);
    }
    shang_progress_finish(pr, (uint64_t)(argc - optind), NULL);
    double t1 = shang_now();
    shang_bpe_opts o = {(size_t)vocab, (uint64_t)min_count};
    if (!rc && shang_strmap_size(counts) == 0)
        rc = SHANG_FAIL(SHANG_EINVAL, "the corpus (%d file%s) has no text to learn merges from", argc - optind,
                        argc - optind == 1 ? "" : "s");
    if (!rc) rc = shang_bpe_learn(counts, &o, &t);
    double t2 = shang_now();
    if (!rc) rc = shang_prov_i64(p, "vocab_size", vocab);
    if (!rc) rc = shang_prov_i64(p, "min_count", min_count);
    if (!rc) rc = shang_prov_str(p, "docs", shang_text_docs_name(docs));
    if (!rc) rc = shang_prov_i64(p, "unique_pieces", (int64_t)shang_strmap_size(counts));
    if (!rc) rc = shang_bpe_write(t, f->id, "tokenizer");
    if (!rc) rc = shang_prov_commit(p, &f);
    if (!rc)
        shang_log(SHANG_LOG_INFO, "bpe: %zu unique pieces from %.1f MB in %.1f s; %zu merges in %.1f s; vocabulary %zu -> %s\n",
                  shang_strmap_size(counts), (double)bytes / 1e6, t1 - t0, shang_bpe_n_merges(t), t2 - t1,
                  shang_bpe_vocab_size(t), output);
    int status = rc ? cmd_fail("bpe", rc) : SHANG_EXIT_OK;
    shang_h5_abort(f);
    shang_prov_free(p);
    shang_bpe_free(t);
    shang_strmap_free(counts);
    return status;
}
