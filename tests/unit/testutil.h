/* testutil — what the unit tests share: the one comparison helper
 * |a - b| <= atol + rtol * |b| (tolerances are chosen per quantity, with a reason,
 * at each call), and scratch paths. Included after cmocka's prerequisites. */
#ifndef SHANG_TESTUTIL_H
#define SHANG_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* true if |a - b| <= atol + rtol*|b|; prints both values and the bound otherwise */
int test_close(double a, double b, double atol, double rtol, const char *what, const char *file,
               int line);
#define assert_close(a, b, atol, rtol) \
    assert_true(test_close((a), (b), (atol), (rtol), #a " vs " #b, __FILE__, __LINE__))

/* A scratch directory for this test run ($SHANG_TEST_TMP if set, else a new
 * one under /tmp); test_path returns "<dir>/<name>" (malloc'd). */
const char *test_tmpdir(void);
char *test_path(const char *name);

/* A model of configuration c with every parameter drawn N(0, 0.3) (so that every
 * tensor matters) from stream SHANG_STREAM_TEST / index, and 1 added to the
 * LayerNorm gain tensor `gain` (a SHANG_P_* index); NULL if it cannot be made. */
struct shang_gpt;
struct shang_gpt_config;
struct shang_gpt *test_random_model(const struct shang_gpt_config *c, uint64_t seed, uint64_t index, int gain);

#endif
