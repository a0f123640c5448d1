#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int test_close(double a, double b, double atol, double rtol, const char *what, const char *file,
               int line)
{
    double bound = atol + rtol * fabs(b);
    if (fabs(a - b) <= bound) return 1;
    fprintf(stderr, "%s:%d: %s: %.17g vs %.17g, |diff| %.3g > %.3g\n", file, line, what, a, b,
            fabs(a - b), bound);
    return 0;
}

const char *test_tmpdir(void)
{
    static char *dir;
    if (dir) return dir;
    const char *env = getenv("SHANG_TEST_TMP");
    if (env && *env) return dir = strdup(env);
    static char tmpl[] = "/tmp/shang-test-XXXXXX";
    return dir = mkdtemp(tmpl);
}

char *test_path(const char *name)
{
    const char *d = test_tmpdir();
    size_t n = strlen(d) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", d, name);
    return p;
}
