/* libFuzzer target: the safetensors and TSV readers and the recorded-command
 * splitter (shang verify reads it from any artefact) on arbitrary bytes. Each
 * must accept or refuse cleanly; an accepted safetensors file must have every
 * tensor inside the data and readable (or refused by dtype); a split command's
 * words are NUL-terminated and its list NULL-terminated. Run: make fuzz. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shang.h"

static char st_path[64];

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (!st_path[0]) snprintf(st_path, sizeof st_path, "/tmp/fuzz-st-%d.safetensors", (int)getpid());
    /* TSV, parsed in place from a NUL-terminated copy */
    char *copy = malloc(size + 1);
    memcpy(copy, data, size);
    copy[size] = '\0';
    shang_tsv *t = NULL;
    if (shang_tsv_parse(copy, size, "fuzz.tsv", &t) == 0) {
        for (size_t r = 0; r < t->n_rows; r++)
            for (size_t c = 0; c < t->n_cols; c++)
                if (!shang_tsv_get(t, r, (int)c)) abort();
        shang_tsv_free(t);
    }
    /* the command-line splitter, on the same text up to its first NUL */
    char **words = NULL;
    int n_words = 0;
    if (shang_prov_split_command(copy, &words, &n_words) == 0) {
        size_t total = 0;
        for (int i = 0; i < n_words; i++) total += strlen(words[i]);
        if (words[n_words] || total > size) abort();
        for (int i = 0; i < n_words; i++) free(words[i]);
        free(words);
    }
    free(copy);
    /* safetensors, from a file */
    FILE *f = fopen(st_path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    shang_safetensors *s = NULL;
    if (shang_st_open(st_path, &s) == 0) {
        for (size_t i = 0; i < s->n; i++) {
            if (s->t[i].end > s->data_size || s->t[i].begin > s->t[i].end) abort();
            size_t n = shang_st_numel(&s->t[i]);
            if (n > (1u << 20)) continue;
            float *buf = malloc((n ? n : 1) * sizeof *buf);
            (void)shang_st_read_f32(s, &s->t[i], buf);
            free(buf);
        }
        shang_st_close(s);
    }
    shang_err_clear();
    return 0;
}
