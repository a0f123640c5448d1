/* shang_heldout — see shang_heldout.h. */
#include "shang_heldout.h"

#include <math.h>
#include <stdlib.h>

#include "shang_strmap.h"

int shang_heldout_ce(const int64_t *c_train, const int32_t *y_train, const uint32_t *w_train, size_t n_train,
                     const int64_t *c_test, const int32_t *y_test, const uint32_t *w_test, size_t n_test,
                     double alpha, size_t V, double *ce)
{
    *ce = NAN;
    if (!(alpha > 0) || V == 0) return SHANG_FAIL(SHANG_EINVAL, "add-alpha needs alpha > 0 and V > 0");
    for (size_t i = 0; i < n_train; i++)
        if (y_train[i] < 0 || (size_t)y_train[i] >= V)
            return SHANG_FAIL(SHANG_EINVAL, "training outcome %d at item %zu is outside 0..%zu", y_train[i], i, V - 1);
    for (size_t i = 0; i < n_test; i++)
        if (y_test[i] < 0 || (size_t)y_test[i] >= V)
            return SHANG_FAIL(SHANG_EINVAL, "test outcome %d at item %zu is outside 0..%zu", y_test[i], i, V - 1);
    double *uni = calloc(V, sizeof *uni);
    shang_strmap *cond = NULL, *cell = NULL;
    int rc = uni ? SHANG_OK : SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    if (!rc) rc = shang_strmap_new(n_train / 8 + 16, &cond);
    if (!rc) rc = shang_strmap_new(n_train / 4 + 16, &cell);
    double n = 0;
    for (size_t i = 0; !rc && i < n_train; i++) {
        uint64_t w = w_train ? w_train[i] : 1;
        if (!w) continue;
        int64_t key[2] = {c_train[i], y_train[i]};
        uint64_t *vc = shang_strmap_put(cond, &c_train[i], sizeof c_train[i], NULL);
        uint64_t *vy = vc ? shang_strmap_put(cell, key, sizeof key, NULL) : NULL;
        if (!vy) {
            rc = shang_err_code();
            break;
        }
        *vc += w;
        *vy += w;
        uni[y_train[i]] += (double)w;
        n += (double)w;
    }
    double aV = alpha * (double)V, sum = 0, m = 0;
    for (size_t i = 0; !rc && i < n_test; i++) {
        uint64_t w = w_test ? w_test[i] : 1;
        if (!w) continue;
        int64_t key[2] = {c_test[i], y_test[i]};
        const uint64_t *vc = shang_strmap_get(cond, &c_test[i], sizeof c_test[i]);
        const uint64_t *vy = vc ? shang_strmap_get(cell, key, sizeof key) : NULL;
        double q0 = (uni[y_test[i]] + alpha) / (n + aV);
        double q = ((vy ? (double)*vy : 0) + aV * q0) / ((vc ? (double)*vc : 0) + aV);
        sum -= (double)w * log(q);
        m += (double)w;
    }
    if (!rc && m == 0) rc = SHANG_FAIL(SHANG_EINVAL, "no test items");
    if (!rc) *ce = sum / m;
    shang_strmap_free(cond);
    shang_strmap_free(cell);
    free(uni);
    return rc;
}
