/* shang_train — training the GPT: the forward pass that keeps every activation,
 * the backward pass, AdamW with decoupled weight decay, a warmup + cosine
 * schedule, gradient-norm clipping, deterministic batches, checkpoints that
 * resume bit for bit, and the training log (losses and weight spectra).
 *
 * Activations live in one slab carved by one descriptor table (like the
 * parameters); gradients and Adam moments are slabs with the parameters' table.
 * Everything is deterministic for a seed and thread count; the kernels make it
 * independent of the thread count too.
 */
#ifndef SHANG_TRAIN_H
#define SHANG_TRAIN_H

#include <stdint.h>

#include <gsl/gsl_rng.h>
#include <hdf5.h>

#include "shang_err.h"
#include "shang_gpt.h"

/* ---- loss and gradients (also what the gradient checks call) ---------------------- */

typedef struct shang_gpt_train_ws shang_gpt_train_ws;
/* A workspace for batches of B sequences of T tokens. */
int shang_train_ws_new(const shang_gpt *m, int B, int T, shang_gpt_train_ws **out) SHANG_MUST_CHECK;
void shang_train_ws_free(shang_gpt_train_ws *w);
/* Mean cross-entropy (nats) of targets (B, T) given inputs (B, T); targets < 0
 * are not counted. Keeps the activations for shang_train_backward. If entropy is
 * not NULL, the mean predictive entropy. SHANG_ENUMERIC on NaN/Inf. */
int shang_train_forward(shang_gpt_train_ws *w, const int32_t *inputs, const int32_t *targets, double *loss,
                        double *entropy) SHANG_MUST_CHECK;
/* Gradient of that loss with respect to every parameter, written (not added)
 * into grads (n_params floats, the parameter slab's layout). */
int shang_train_backward(shang_gpt_train_ws *w, float *grads) SHANG_MUST_CHECK;

/* ---- the optimiser and the loop -------------------------------------------------- */

typedef struct shang_train_opts {
    int B, T;              /* sequences per step, tokens per sequence */
    int64_t steps;         /* total optimiser steps */
    double lr, min_lr;     /* peak and final learning rate (cosine) */
    int64_t warmup;        /* linear warmup steps */
    double weight_decay;   /* decoupled, on matrices and embeddings only */
    double beta1, beta2, adam_eps;
    double clip;           /* global gradient-norm clip; 0 = none */
    uint64_t seed;
    int64_t eval_every;    /* validation every N steps (and at 0 and the end) */
    int64_t eval_tokens;   /* validation tokens per evaluation */
} shang_train_opts;

/* Learning rate at `step` (0-based): linear warmup to lr, cosine to min_lr. */
double shang_train_lr(const shang_train_opts *o, int64_t step);

typedef struct shang_trainer shang_trainer;
/* Token streams: documents joined with <|endoftext|>; batches are windows at
 * positions drawn from the data stream of `seed`. The trainer keeps pointers to
 * the streams and to the model (updated in place). */
int shang_trainer_new(shang_gpt *m, const shang_train_opts *o, const int32_t *train, size_t n_train,
                      const int32_t *valid, size_t n_valid, shang_trainer **out) SHANG_MUST_CHECK;
void shang_trainer_free(shang_trainer *t);
int64_t shang_trainer_step_index(const shang_trainer *t);
/* One optimiser step; reports its loss, pre-clip gradient norm and learning rate. */
int shang_trainer_step(shang_trainer *t, double *loss, double *grad_norm, double *lr) SHANG_MUST_CHECK;
/* Mean validation loss and predictive entropy (nats) over eval_tokens. */
int shang_trainer_eval(shang_trainer *t, double *loss, double *entropy) SHANG_MUST_CHECK;
/* Records a log row (the loop calls this after every step and evaluation). */
int shang_trainer_log_step(shang_trainer *t, double loss, double grad_norm, double lr, double tok_per_s) SHANG_MUST_CHECK;
int shang_trainer_log_eval(shang_trainer *t, double val_loss, double val_entropy) SHANG_MUST_CHECK;
/* Weight spectra of every matrix now, into the log (LAPACK SVD). */
int shang_trainer_log_spectra(shang_trainer *t) SHANG_MUST_CHECK;

/* Checkpoint: parameters are written by shang_gpt_write; this adds /train
 * (optimiser moments, step, data generator state, the log). Load restores it
 * into a trainer built with the same options and streams. */
int shang_trainer_save(const shang_trainer *t, hid_t file) SHANG_MUST_CHECK;
int shang_trainer_load(shang_trainer *t, hid_t file) SHANG_MUST_CHECK;
/* After shang_trainer_load: refuses (SHANG_EUSAGE) a seed other than the
 * checkpoint's; every other recorded setting that changed is listed, with the step
 * it took effect ("lr 0.0003 -> 0.0001 at step 400; ..."), here and in the next
 * checkpoint; "" if none. */
const char *shang_trainer_setting_changes(const shang_trainer *t);
/* The training log alone (/training), for the final model file. */
int shang_trainer_write_log(const shang_trainer *t, hid_t file) SHANG_MUST_CHECK;

#endif
