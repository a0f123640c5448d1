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

#endif
