/* shang_rng — random streams derived from one master seed.
 *
 * One `--seed` per run; each consumer (weight init, data order, k-means seeding,
 * subsampling, bootstrap, ...) draws from its own stream, derived from the master
 * seed, the consumer and an index (restart number, layer, rank) with SplitMix64, so
 * adding a consumer never shifts another's numbers. Streams are GSL MT19937
 * generators; their state can be saved and restored byte for byte (checkpoints).
 * The clock is never used.
 */
#ifndef SHANG_RNG_H
#define SHANG_RNG_H

#include <stddef.h>
#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "shang_err.h"

#define SHANG_DEFAULT_SEED 42u

enum shang_stream {
    SHANG_STREAM_INIT = 1,      /* model weight initialisation */
    SHANG_STREAM_DATA = 2,      /* training data order */
    SHANG_STREAM_KMEANS = 3,    /* k-means seeding, index = restart */
    SHANG_STREAM_SUBSAMPLE = 4, /* subsampling rows, index = layer */
    SHANG_STREAM_BOOTSTRAP = 5, /* bootstrap resampling */
    SHANG_STREAM_BASELINE = 6,  /* random-partition and shuffle baselines */
    SHANG_STREAM_SAMPLE = 7,    /* text generation */
    SHANG_STREAM_TEST = 8,      /* tests and benchmarks */
    SHANG_STREAM_FOLDS = 9,     /* cross-validation folds of document groups */
};

/* SplitMix64 finaliser (Steele, Lea, Flood 2014): a bijection on 64 bits. */
uint64_t shang_rng_mix64(uint64_t x);
/* The 64-bit seed of stream (`stream`, `index`) under `master`. */
uint64_t shang_rng_derive(uint64_t master, int stream, uint64_t index);
/* A new generator for that stream; free with shang_rng_free. */
int shang_rng_new(uint64_t master, int stream, uint64_t index, gsl_rng **out) SHANG_MUST_CHECK;
void shang_rng_free(gsl_rng *r);

#endif
