#include "testutil.h"

#include <gsl/gsl_randist.h>

#include "shang.h"

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

struct shang_gpt *test_random_model(const struct shang_gpt_config *c, uint64_t seed, uint64_t index, int gain)
{
    shang_gpt *m = NULL;
    gsl_rng *r = NULL;
    if (shang_gpt_new(c, &m) || shang_rng_new(seed, SHANG_STREAM_TEST, index, &r)) {
        shang_gpt_free(m);
        return NULL;
    }
    for (size_t i = 0; i < m->n_params; i++) m->params[i] = (float)gsl_ran_gaussian(r, 0.3);
    for (size_t i = 0; i < m->desc[gain].size; i++) m->p[gain][i] += 1.0f;
    shang_rng_free(r);
    return m;
}
