/* shang senses — polysemy across layers (E4), from states extracted over the
 * polysemy set with --targets-only: WiC-style pair accuracy and leave-one-out
 * nearest-centroid sense accuracy (fine senses and WordNet lexicographer files),
 * with the most-frequent-sense baseline and bootstrap intervals over lemmas. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shang senses -s STATES.h5 --pairs WIC.tsv[.gz] [options] -o SENSES.h5\n"
            "       shang senses -s KJV.h5 --paraphrase WEB.h5 [options] -o SENSES.h5\n"
            "       shang senses -s SYN.h5 --synonyms ANTONYMS.tsv[.gz] [options] -o SENSES.h5\n\n"
            "Polysemy per layer from the target states of sense-labelled sentences\n"
            "(shang extract --items datasets/senses/polysemy.tsv.gz --targets-only):\n"
            "WiC-style accuracy: the cosine of a lemma's states in two sentences, a\n"
            "threshold fit on the train split's pairs, accuracy on the test split's,\n"
            "pairs balanced by sampling (chance 0.5); leave-one-out nearest-centroid\n"
            "sense accuracy for senses with two or more sentences, with the\n"
            "most-frequent-sense baseline; both for fine senses (sense_key) and coarse\n"
            "ones (lexfile); within each lemma, k-means (k = its senses) purity and AMI\n"
            "against the senses, and the senses' silhouette (cosine distance).\n"
            "Intervals: estimate +- z x bootstrap standard error,\n"
            "resampling lemmas. Table 'layers' (shang export).\n"
            "With --paraphrase: -s and WEB.h5 hold the states of two renderings of the\n"
            "same items in the same order (shang extract --items with --text-column kjv\n"
            "and web): per layer the cosine of each item's mean-pooled (and last-token)\n"
            "states to its partner's, to a shuffled partner's (a random derangement),\n"
            "and retrieval accuracy (is the partner the nearest of all?); intervals\n"
            "resampling items. Table 'paraphrase'.\n"
            "With --synonyms: -s holds the target states of synonym sentences\n"
            "(datasets/senses/synonyms_attested.tsv.gz: columns set_id, word): per layer\n"
            "the mean cosine of two different words of one synset in their own\n"
            "sentences, against antonym pairs (both words among the sentences) and\n"
            "random pairs (a word of another synset); intervals resampling synsets.\n"
            "Table 'synonyms'.\n\n"
            "Options:\n"
            "  -s, --states FILE     states of the polysemy items, one target row each\n"
            "      --pairs FILE      WiC pairs (datasets/senses/wic_pairs.tsv.gz)\n"
            "      --paraphrase FILE the states of the other rendering (paraphrase mode)\n"
            "      --synonyms FILE   antonym pairs (datasets/senses/antonyms.tsv.gz;\n"
            "                        synonym mode)\n"
            "      --freq FILE       word frequencies (word, corpus_freq: datasets/senses/\n"
            "                        synonyms.tsv.gz): random controls matched in log\n"
            "                        frequency to the synonym they replace\n"
            "  -o, --output FILE     the shang.senses file to write\n"
            "      --site NAME       resid, ln_f, attn_out or mlp_out [default resid]\n"
            "      --layers LIST     e.g. 0,3,6 or 0-6 [default: all stored]\n"
            "      --standardize     z-score every dimension first (rogue dimensions; each\n"
            "                        rendering on its own with --paraphrase)\n"
            "      --scatter LEMMAS  also table 'scatter': per layer, each listed lemma's\n"
            "                        rows on its own first two principal components\n"
            "                        (e.g. play,light), with sense and lexicographer file\n"
            "      --same-form       WiC pairs whose two targets are the same token only\n"
            "                        (inflections and tokenisation then cannot tell the\n"
            "                        senses apart: the static layer must be at chance)\n"
            "      --bootstrap B     replicates, 0 for none [default 100]\n"
            "      --level P         interval level [default 0.95]\n"
            "      --seed N          pair balancing and bootstrap [default 42]\n"
            "      --threads N       threads [default: all cores]\n"
            "  -q, --quiet | -v, --verbose | -h, --help\n\n"
            "Example:\n"
            "  shang senses -s poly.h5 --pairs datasets/senses/wic_pairs.tsv.gz -o senses.h5\n");
    cmd_print_exit_status(out);
}

/* the output states whether <|endoftext|> preceded every item: then no stored
 * row (target or token) is an item's first position, whose state is an outlier */
static int note_first_position(const shang_states *st, hid_t out)
{
    int64_t bos = 0;
    if (shang_h5_attr_get_i64(st->file, "bos_prepended", &bos)) {
        shang_err_clear();
        return SHANG_OK;
    }
    int rc = shang_h5_attr_i64(out, "bos_prepended", bos);
    return rc ? rc : shang_h5_attr_str(out, "first_position", bos ? "never stored (after <|endoftext|>)"
                                                                  : "included where it is a target or token");
}

/* The tables, the root attributes, provenance (the inputs as role/path pairs,
 * NULL paths skipped, the shared options, and with wic the WiC mode's own) and the commit; *f is consumed as
 * shang_prov_commit does. */
static int senses_commit(shang_h5_file **f, shang_table *const *t, int n_t, const shang_states *st, const cmd_opts *co,
                         const shang_senses_opts *o, int wic, const char *const *io, int n_io, int argc, char **argv)
{
    shang_prov *p = NULL;
    int rc = SHANG_OK;
    for (int q = 0; !rc && q < n_t; q++) rc = shang_table_write(t[q], (*f)->id);
    if (!rc) rc = shang_h5_attr_str((*f)->id, "site", co->site_name);
    if (!rc) rc = shang_h5_attr_i64((*f)->id, "standardized", o->standardize);
    if (!rc && wic) rc = shang_h5_attr_i64((*f)->id, "same_form", o->same_form);
    if (!rc) rc = note_first_position(st, (*f)->id);
    if (!rc) rc = cmd_prov_new("senses", argc, argv, &p);
    for (int q = 0; !rc && q < n_io; q++)
        if (io[2 * q + 1]) rc = shang_prov_input(p, io[2 * q], io[2 * q + 1]);
    if (!rc) rc = cmd_opts_prov(co, p);
    if (!rc) rc = shang_prov_i64(p, "standardize", o->standardize);
    if (!rc && wic && !(rc = shang_prov_i64(p, "same_form", o->same_form)))
        rc = shang_prov_str(p, "scatter", o->scatter ? o->scatter : "");
    if (!rc) rc = shang_prov_commit(p, f);
    shang_prov_free(p);
    return rc;
}

int cmd_senses(int argc, char **argv)
{
    enum { O_PAIRS = 256, O_STD, O_FORM, O_PARA, O_SYN, O_SCAT, O_FREQ };
    static const struct option opts[] = {
        {"states", required_argument, 0, 's'},     {"pairs", required_argument, 0, O_PAIRS},
        {"output", required_argument, 0, 'o'},     {"standardize", no_argument, 0, O_STD},
        {"same-form", no_argument, 0, O_FORM},     {"paraphrase", required_argument, 0, O_PARA},
        {"synonyms", required_argument, 0, O_SYN}, {"scatter", required_argument, 0, O_SCAT},
        {"freq", required_argument, 0, O_FREQ},    {0, 0, 0, 0}};
    const char *spath = NULL, *ppath = NULL, *para = NULL, *syn = NULL, *freq_path = NULL, *output = NULL;
    shang_senses_opts o = {0};
    int c;
    cmd_opts co;
    cmd_opts_init(&co, "senses", CMD_ANALYSIS, usage);
    while ((c = cmd_getopt(&co, argc, argv, "s:o:", opts)) > 0) switch (c) {
        case 's': spath = optarg; break;
        case O_PAIRS: ppath = optarg; break;
        case 'o': output = optarg; break;
        case O_STD: o.standardize = 1; break;
        case O_FORM: o.same_form = 1; break;
        case O_PARA: para = optarg; break;
        case O_SYN: syn = optarg; break;
        case O_SCAT: o.scatter = optarg; break;
        case O_FREQ: freq_path = optarg; break;
        }
    const char *missing = !spath ? "no states (-s)" : (!!ppath + !!para + !!syn) != 1 ? "give one of --pairs, --paraphrase, --synonyms"
                          : !output ? "no output (-o)" : NULL;
    if (c < 0 || cmd_opts_done(&co, argc, missing)) return cmd_opts_exit(&co);
    o.site = co.site;
    o.layers = co.layers;
    o.n_layers = co.n_layers;
    o.bootstrap = co.bootstrap;
    o.level = co.level;
    o.seed = co.seed;
    shang_states *s = NULL, *s2 = NULL;
    shang_h5_file *f = NULL;
    shang_table *t[SHANG_SENSES_MAX_TABLES] = {NULL};
    int n_t = 0;
    int rc = shang_h5_create(output, "shang.senses", 1, &f);
    if (!rc) rc = shang_states_open(spath, &s);
    if (!rc && para) rc = shang_states_open(para, &s2);
    if (!rc && syn) n_t = 1, rc = shang_senses_synonyms(s, syn, freq_path, &o, &t[0]);
    else if (!rc && para) n_t = 1, rc = shang_senses_paraphrase(s, s2, &o, &t[0]);
    else if (!rc) rc = shang_senses_wic(s, ppath, &o, t, &n_t);
    const char *const io[] = {"states", spath, syn ? "antonyms" : para ? "paraphrase" : "pairs", syn ? syn : para ? para : ppath,
                              "frequencies", syn ? freq_path : NULL};
    if (!rc) rc = senses_commit(&f, t, n_t, s, &co, &o, !syn && !para, io, 3, argc, argv);
    int status = rc ? cmd_fail("senses", rc) : SHANG_EXIT_OK;
    shang_h5_abort(f);
    for (int q = 0; q < n_t; q++) shang_table_free(t[q]);
    shang_states_close(s);
    shang_states_close(s2);
    cmd_opts_free(&co);
    return status;
}
