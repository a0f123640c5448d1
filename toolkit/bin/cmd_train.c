/* shang train — train a GPT on a corpus: AdamW, warmup + cosine, clipping,
 * periodic validation, weight spectra at log-spaced steps, atomic checkpoints
 * that resume bit for bit, and SIGINT/SIGTERM handled by checkpointing. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

static volatile sig_atomic_t stop_signal;
static void on_signal(int sig) { stop_signal = sig; }

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: shang train (-t TOKENIZER.h5 | --init MODEL.h5) --train FILE... --valid FILE...\n"
            "                   -o MODEL.h5 [options]\n\n"
            "Trains a GPT-2-architecture model on text files (plain or gzip; documents\n"
            "separated by empty lines and joined with <|endoftext|>). Each step draws\n"
            "--batch windows of --ctx + 1 tokens at random positions (the data stream of\n"
            "--seed). With --checkpoint, the model, optimiser and data-generator state are\n"
            "saved atomically every --ckpt-every steps and on SIGINT/SIGTERM; --resume\n"
            "continues from it bit for bit (same options, same thread count). The training\n"
            "log (loss, validation loss, predictive entropy, learning rate, gradient norm,\n"
            "tokens/s, and weight spectra at log-spaced steps) goes into the model file.\n\n"
            "Model (when starting from a tokenizer):\n"
            "  -t, --tokenizer FILE    a shang tokenizer (shang bpe); or --init MODEL.h5 to\n"
            "                          start from a model file (shang init, an import)\n"
            "  -L, --layers N          [default 6]     -C, --width N    [default 256]\n"
            "  -H, --heads N           [default 8]     -T, --context N  [default 256]\n"
            "Data:\n"
            "      --train FILE        training text (repeat the option or list files)\n"
            "      --valid FILE        validation text (repeat or list)\n"
            "      --ctx N             tokens per window [default: the model's context]\n"
            "Optimisation:\n"
            "      --batch N           windows per step [default 16]\n"
            "      --steps N           optimiser steps [default 1000]\n"
            "      --lr X              peak learning rate [default 1e-3]\n"
            "      --min-lr X          final learning rate (cosine) [default 1e-4]\n"
            "      --warmup N          linear warmup steps [default 100]\n"
            "      --weight-decay X    AdamW decoupled decay on matrices [default 0.1]\n"
            "      --beta1 X --beta2 X Adam moments [default 0.9, 0.95]\n"
            "      --clip X            global gradient-norm clip, 0 = none [default 1]\n"
            "      --seed N            master seed (initialisation, data order) [default 42]\n"
            "Logging and checkpoints:\n"
            "      --eval-every N      validation every N steps [default 100]\n"
            "      --eval-tokens N     validation tokens per evaluation [default 65536]\n"
            "      --spectra N         weight spectra at N log-spaced steps [default 12]\n"
            "      --checkpoint FILE   checkpoint file; --ckpt-every N steps [default 200]\n"
            "      --resume            continue from --checkpoint if it exists\n"
            "      --threads N         threads [default: all cores]\n"
            "  -o, --output FILE       the trained shang.model\n"
            "  -q, --quiet | -v, --verbose | -h, --help\n\n"
            "Exit status 3 names the step and tensor where a NaN/Inf appeared; an\n"
            "interrupted run saves its checkpoint and exits with status 1.\n\n"
            "Example:\n"
            "  shang train -t tok.h5 --train datasets/corpus/*.train.txt.gz \\\n"
            "      --valid datasets/corpus/*.valid.txt.gz --steps 2000 --checkpoint ckpt.h5 -o model.h5\n");
    cmd_print_exit_status(out);
}

static int save_checkpoint(const char *path, const shang_gpt *m, const shang_tokenizer *tok, const shang_trainer *t,
                           shang_prov *p)
{
    shang_h5_file *f;
    int rc = shang_h5_create(path, "shang.checkpoint", 1, &f);
    if (rc) return rc;
    if ((rc = shang_gpt_write(m, f->id)) || (rc = shang_bpe_write(tok, f->id, "tokenizer")) ||
        (rc = shang_trainer_save(t, f->id))) {
        shang_h5_abort(f);
        return rc;
    }
    return shang_prov_commit(p, &f);
}

#define MAX_FILES 256

int cmd_train(int argc, char **argv)
{
    enum { O_INIT = 256, O_TRAIN, O_VALID, O_CTX, O_BATCH, O_STEPS, O_LR, O_MINLR, O_WARMUP, O_WD, O_B1, O_B2, O_CLIP,
           O_EVERY, O_ETOK, O_SPEC, O_CKPT, O_CKEVERY, O_RESUME };
    static const struct option opts[] = {
        {"tokenizer", required_argument, 0, 't'}, {"init", required_argument, 0, O_INIT},
        {"layers", required_argument, 0, 'L'},    {"width", required_argument, 0, 'C'},
        {"heads", required_argument, 0, 'H'},     {"context", required_argument, 0, 'T'},
        {"train", required_argument, 0, O_TRAIN}, {"valid", required_argument, 0, O_VALID},
        {"ctx", required_argument, 0, O_CTX},     {"batch", required_argument, 0, O_BATCH},
        {"steps", required_argument, 0, O_STEPS}, {"lr", required_argument, 0, O_LR},
        {"min-lr", required_argument, 0, O_MINLR}, {"warmup", required_argument, 0, O_WARMUP},
        {"weight-decay", required_argument, 0, O_WD}, {"beta1", required_argument, 0, O_B1},
        {"beta2", required_argument, 0, O_B2},    {"clip", required_argument, 0, O_CLIP},
        {"eval-every", required_argument, 0, O_EVERY},
        {"eval-tokens", required_argument, 0, O_ETOK}, {"spectra", required_argument, 0, O_SPEC},
        {"checkpoint", required_argument, 0, O_CKPT}, {"ckpt-every", required_argument, 0, O_CKEVERY},
        {"resume", no_argument, 0, O_RESUME},     {"output", required_argument, 0, 'o'},
        {0, 0, 0, 0}};
    const char *tok_path = NULL, *init_path = NULL, *output = NULL, *ckpt = NULL;
    char *train_files[MAX_FILES], *valid_files[MAX_FILES];
    int n_train = 0, n_valid = 0, ctx = 0, resume = 0, shape_given = 0, spectra = 12, c;
    int64_t ckpt_every = 200;
    shang_gpt_config cfg = {.L = 6, .C = 256, .NH = 8, .T = 256, .eps = 1e-5f};
    shang_train_opts o = {.B = 16, .steps = 1000, .lr = 1e-3, .min_lr = 1e-4, .warmup = 100, .weight_decay = 0.1,
                          .beta1 = 0.9, .beta2 = 0.95, .adam_eps = 1e-8, .clip = 1.0, .seed = SHANG_DEFAULT_SEED,
                          .eval_every = 100, .eval_tokens = 65536};
    cmd_opts co;
    cmd_opts_init(&co, "train", CMD_THREADS | CMD_SEED, usage);
    while ((c = cmd_getopt(&co, argc, argv, "t:L:C:H:T:o:", opts)) > 0) {
        int bad = 0;
        switch (c) {
        case 't': tok_path = optarg; break;
        case O_INIT: init_path = optarg; break;
        case 'L': bad = shang_parse_int(optarg, 1, 1024, &cfg.L); shape_given |= 1; break;
        case 'C': bad = shang_parse_int(optarg, 1, 65536, &cfg.C); shape_given |= 2; break;
        case 'H': bad = shang_parse_int(optarg, 1, 65536, &cfg.NH); shape_given |= 4; break;
        case 'T': bad = shang_parse_int(optarg, 2, 65536, &cfg.T); shape_given |= 8; break;
        case O_TRAIN: case O_VALID: {
            /* the option's value and the non-option words after it */
            char **list = c == O_TRAIN ? train_files : valid_files;
            int *n = c == O_TRAIN ? &n_train : &n_valid;
            if (*n < MAX_FILES) list[(*n)++] = optarg;
            while (optind < argc && argv[optind][0] != '-' && *n < MAX_FILES) list[(*n)++] = argv[optind++];
            break;
        }
        case O_CTX: bad = shang_parse_int(optarg, 2, 65536, &ctx); break;
        case O_BATCH: bad = shang_parse_int(optarg, 1, 65536, &o.B); break;
        case O_STEPS: bad = shang_parse_i64(optarg, 1, INT64_MAX / 2, &o.steps); break;
        case O_LR: bad = shang_parse_f64(optarg, 1e-12, 10, &o.lr); break;
        case O_MINLR: bad = shang_parse_f64(optarg, 0, 10, &o.min_lr); break;
        case O_WARMUP: bad = shang_parse_i64(optarg, 0, INT64_MAX / 2, &o.warmup); break;
        case O_WD: bad = shang_parse_f64(optarg, 0, 10, &o.weight_decay); break;
        case O_B1: bad = shang_parse_f64(optarg, 0, 0.999999, &o.beta1); break;
        case O_B2: bad = shang_parse_f64(optarg, 0, 0.999999, &o.beta2); break;
        case O_CLIP: bad = shang_parse_f64(optarg, 0, 1e6, &o.clip); break;
        case O_EVERY: bad = shang_parse_i64(optarg, 1, INT64_MAX / 2, &o.eval_every); break;
        case O_ETOK: bad = shang_parse_i64(optarg, 1, INT64_MAX / 2, &o.eval_tokens); break;
        case O_SPEC: bad = shang_parse_int(optarg, 0, 1000, &spectra); break;
        case O_CKPT: ckpt = optarg; break;
        case O_CKEVERY: bad = shang_parse_i64(optarg, 1, INT64_MAX / 2, &ckpt_every); break;
        case O_RESUME: resume = 1; break;
        case 'o': output = optarg; break;
        }
        co.bad = bad;
    }
    const char *missing = !tok_path == !init_path ? "give exactly one of --tokenizer and --init"
                          : !output ? "no output file (-o)"
                          : !n_train || !n_valid ? "give --train and --valid files"
                          : resume && !ckpt ? "--resume needs --checkpoint" : NULL;
    if (c < 0 || cmd_opts_done(&co, argc, missing)) return cmd_opts_exit(&co);
    if (o.min_lr > o.lr) return cmd_opts_usage(&co, "--min-lr %g exceeds --lr %g", o.min_lr, o.lr);
    if (cfg.C % cfg.NH) return cmd_opts_usage(&co, "--heads %d does not divide --width %d", cfg.NH, cfg.C);
    o.seed = co.seed;

    shang_gpt *m = NULL;
    shang_tokenizer *tok = NULL;
    shang_trainer *tr = NULL;
    shang_prov *p = NULL;
    shang_ivec train = {0}, valid = {0};
    int rc = SHANG_OK, resumed = 0;
    /* the model: from the checkpoint, a model file, or new */
    if (resume && access(ckpt, F_OK) == 0) {
        hid_t h;
        rc = shang_h5_open(ckpt, "shang.checkpoint", 1, &h, NULL);
        if (!rc) rc = shang_gpt_read(h, &m);
        if (!rc) rc = shang_bpe_read(h, "tokenizer", &tok);
        if (rc) shang_err_prefix("%s", ckpt);
        if (h >= 0) H5Fclose(h);
        resumed = !rc;
        /* the shape is the checkpoint's: a different one asked for is a conflict */
        static const char *const opt[4] = {"-L", "-C", "-H", "-T"};
        const int want[4] = {cfg.L, cfg.C, cfg.NH, cfg.T};
        const int have[4] = {m ? m->cfg.L : 0, m ? m->cfg.C : 0, m ? m->cfg.NH : 0, m ? m->cfg.T : 0};
        for (int q = 0; !rc && q < 4; q++)
            if ((shape_given >> q & 1) && want[q] != have[q])
                rc = SHANG_FAIL(SHANG_EUSAGE, "%s %d, but the checkpoint %s has %d: resume keeps the model's shape",
                                opt[q], want[q], ckpt, have[q]);
    } else if (init_path) {
        rc = shang_gpt_load(init_path, &m, &tok);
    } else {
        rc = shang_bpe_load_file(tok_path, &tok);
        if (!rc) {
            cfg.V = (int)shang_bpe_vocab_size(tok);
            rc = shang_gpt_new(&cfg, &m);
        }
        if (!rc) rc = shang_gpt_init(m, o.seed);
    }
    if (!rc && shang_bpe_eot(tok) < 0) rc = SHANG_FAIL(SHANG_EINVAL, "the tokenizer has no <|endoftext|> to separate documents");
    o.T = ctx ? ctx : (m ? m->cfg.T : 0);
    if (!rc && o.T > m->cfg.T) rc = SHANG_FAIL(SHANG_EINVAL, "--ctx %d exceeds the model's context %d", o.T, m->cfg.T);
    double t0 = shang_now();
    if (!rc) rc = shang_tokens_stream(tok, train_files, n_train, &train);
    if (!rc) rc = shang_tokens_stream(tok, valid_files, n_valid, &valid);
    if (!rc)
        shang_log(SHANG_LOG_INFO, "train: %zu training and %zu validation tokens (%.1f s); %zu parameters\n", train.n,
                  valid.n, shang_now() - t0, m->n_params);
    if (!rc) rc = shang_trainer_new(m, &o, train.v, train.n, valid.v, valid.n, &tr);
    if (!rc && resumed) {
        hid_t h;
        rc = shang_h5_open(ckpt, "shang.checkpoint", 1, &h, NULL);
        if (!rc) {
            rc = shang_trainer_load(tr, h);
            H5Fclose(h);
            if (rc) shang_err_prefix("--resume from %s", ckpt);
        }
        if (!rc) shang_log(SHANG_LOG_INFO, "train: resumed at step %lld from %s\n", (long long)shang_trainer_step_index(tr), ckpt);
    }
    /* provenance: every effective parameter */
    if (!rc) rc = cmd_prov_new("train", argc, argv, &p);
    if (!rc && !(rc = cmd_opts_prov(&co, p))) {
        if (tok_path) rc = shang_prov_input(p, "tokenizer", tok_path);
        if (!rc && init_path) rc = shang_prov_input(p, "init", init_path);
        for (int i = 0; !rc && i < n_train; i++) rc = cmd_prov_input(p, "train", i, train_files[i]);
        for (int i = 0; !rc && i < n_valid; i++) rc = cmd_prov_input(p, "valid", i, valid_files[i]);
        if (!rc && ((rc = shang_prov_i64(p, "layers", m->cfg.L)) || (rc = shang_prov_i64(p, "width", m->cfg.C)) ||
                    (rc = shang_prov_i64(p, "heads", m->cfg.NH)) || (rc = shang_prov_i64(p, "context", m->cfg.T)) ||
                    (rc = shang_prov_i64(p, "vocab_size", m->cfg.V)) || (rc = shang_prov_i64(p, "ctx", o.T)) ||
                    (rc = shang_prov_i64(p, "batch", o.B)) || (rc = shang_prov_i64(p, "steps", o.steps)) ||
                    (rc = shang_prov_f64(p, "lr", o.lr)) || (rc = shang_prov_f64(p, "min_lr", o.min_lr)) ||
                    (rc = shang_prov_i64(p, "warmup", o.warmup)) || (rc = shang_prov_f64(p, "weight_decay", o.weight_decay)) ||
                    (rc = shang_prov_f64(p, "beta1", o.beta1)) || (rc = shang_prov_f64(p, "beta2", o.beta2)) ||
                    (rc = shang_prov_f64(p, "adam_eps", o.adam_eps)) || (rc = shang_prov_f64(p, "clip", o.clip)) ||
                    (rc = shang_prov_i64(p, "eval_every", o.eval_every)) || (rc = shang_prov_i64(p, "eval_tokens", o.eval_tokens)) ||
                    (rc = shang_prov_i64(p, "spectra", spectra)) || (rc = shang_prov_i64(p, "ckpt_every", ckpt_every)) ||
                    (rc = shang_prov_i64(p, "train_tokens", (int64_t)train.n)) ||
                    (rc = shang_prov_i64(p, "valid_tokens", (int64_t)valid.n)))) {
            /* rc holds the failure */
        }
        /* the values above hold from the resume on; what they replaced, and when */
        if (!rc) rc = shang_prov_i64(p, "resumed_at_step", resumed ? shang_trainer_step_index(tr) : 0);
        if (!rc) rc = shang_prov_str(p, "setting_changes", shang_trainer_setting_changes(tr));
    }
    /* log-spaced spectrum steps: 0 and round(steps^(k/(K-1))) */
    int64_t *spec_at = shang_zalloc((size_t)spectra + 1, sizeof *spec_at, "spec_at");
    for (int k = 0; spec_at && k < spectra; k++)
        spec_at[k] = k == 0 ? 0 : (int64_t)llround(pow((double)o.steps, (double)k / (spectra - 1)));
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    double val_loss = NAN, val_h = NAN, loss = NAN, gn = 0, lr = 0;
    shang_progress *pr = rc ? NULL : shang_progress_new("train", "steps", (uint64_t)o.steps);
    int64_t s = rc ? o.steps : shang_trainer_step_index(tr);
    if (!rc && s == 0) {
        if (!(rc = shang_trainer_eval(tr, &val_loss, &val_h))) rc = shang_trainer_log_eval(tr, val_loss, val_h);
        if (!rc && spectra > 0) rc = shang_trainer_log_spectra(tr);
    }
    double tok_per_step = (double)o.B * o.T, t_last = shang_now();
    while (!rc && s < o.steps && !stop_signal) {
        double ts = shang_now();
        rc = shang_trainer_step(tr, &loss, &gn, &lr);
        double tps = tok_per_step / (shang_now() - ts);
        if (!rc) rc = shang_trainer_log_step(tr, loss, gn, lr, tps);
        s = shang_trainer_step_index(tr);
        if (!rc && (s % o.eval_every == 0 || s == o.steps)) {
            if (!(rc = shang_trainer_eval(tr, &val_loss, &val_h))) rc = shang_trainer_log_eval(tr, val_loss, val_h);
        }
        for (int k = 1; !rc && k < spectra; k++)
            if (spec_at[k] == s && spec_at[k] != spec_at[k - 1]) rc = shang_trainer_log_spectra(tr);
        if (!rc && ckpt && (s % ckpt_every == 0 || stop_signal) && s < o.steps)
            rc = save_checkpoint(ckpt, m, tok, tr, p);
        char extra[160];
        double now = shang_now();
        snprintf(extra, sizeof extra, "loss=%.4f val_loss=%.4f lr=%.2e grad_norm=%.3f tok_per_s=%.0f", loss, val_loss,
                 lr, gn, tok_per_step / (now - t_last));
        t_last = now;
        shang_progress_update(pr, (uint64_t)s, extra);
    }
    if (!rc && stop_signal && s < o.steps) {
        if (ckpt) rc = save_checkpoint(ckpt, m, tok, tr, p);
        if (!rc) rc = SHANG_FAIL(SHANG_EINTERRUPTED, "stopped by signal %d at step %lld%s%s", (int)stop_signal,
                                 (long long)s, ckpt ? "; checkpoint saved to " : " (no --checkpoint: progress lost)",
                                 ckpt ? ckpt : "");
    }
    char extra[96];
    snprintf(extra, sizeof extra, "loss=%.4f val_loss=%.4f", loss, val_loss);
    shang_progress_finish(pr, (uint64_t)s, extra);
    if (!rc) { /* the trained model: weights, tokenizer, training log, provenance */
        shang_h5_file *f = NULL;
        rc = shang_h5_create(output, SHANG_MODEL_FORMAT, SHANG_MODEL_VERSION, &f);
        if (!rc && !(rc = shang_gpt_write(m, f->id)) && !(rc = shang_bpe_write(tok, f->id, "tokenizer")) &&
            !(rc = shang_trainer_write_log(tr, f->id)))
            rc = shang_prov_commit(p, &f);
        shang_h5_abort(f); /* NULL once committed */
    }
    int status = rc ? cmd_fail("train", rc) : SHANG_EXIT_OK;
    free(spec_at);
    shang_prov_free(p);
    shang_trainer_free(tr);
    free(train.v);
    free(valid.v);
    shang_bpe_free(tok);
    shang_gpt_free(m);
    cmd_opts_free(&co);
    return status;
}
