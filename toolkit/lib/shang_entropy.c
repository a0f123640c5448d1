/* shang_entropy — see shang_entropy.h. */
#include "shang_entropy.h"
#include "shang_mem.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_sf_gamma.h>
#include <gsl/gsl_sf_psi.h>

static const char *const names[SHANG_N_ESTIMATORS] = {"plugin", "miller_madow", "chao_shen", "grassberger", "nsb"};

const char *shang_estimator_name(int e) { return e >= 0 && e < SHANG_N_ESTIMATORS ? names[e] : "?"; }

int shang_estimator_parse(const char *name, int *e)
{
    for (int i = 0; i < SHANG_N_ESTIMATORS; i++)
        if (!strcmp(name, names[i])) {
            *e = i;
            return SHANG_OK;
        }
    return SHANG_FAIL(SHANG_EINVAL, "'%s' is not an estimator (plugin, miller_madow, chao_shen, grassberger, nsb)", name);
}

/* ---- NSB ----------------------------------------------------------------------- */

struct nsb {
    const uint64_t *n;
    size_t bins; /* non-empty bins listed in n */
    double K, N, logl_max;
    int moment; /* 0: weight only, 1: E[H], 2: E[H^2] */
};

/* ln P(n | beta) up to a constant: ln G(K b) - ln G(N + K b) + sum_i ln G(n_i + b) - ln G(b) */
static double nsb_logl(const struct nsb *s, double b)
{
    double l = gsl_sf_lngamma(s->K * b) - gsl_sf_lngamma(s->N + s->K * b);
    for (size_t i = 0; i < s->bins; i++) l += gsl_sf_lngamma((double)s->n[i] + b) - gsl_sf_lngamma(b);
    return l;
}

/* E[H | n, b] and E[H^2 | n, b] (Wolpert & Wolf 1995), empty bins aggregated */
static void nsb_moments(const struct nsb *s, double b, double *m1, double *m2)
{
    double A = s->N + s->K * b, psiA1 = gsl_sf_psi(A + 1), psiA2 = gsl_sf_psi(A + 2), tri = gsl_sf_psi_1(A + 2);
    double e1 = 0, swu = 0, swu2 = 0, sw = 0, sw2 = 0, diag = 0;
    double K0 = s->K - (double)s->bins; /* empty bins, all alike */
    for (size_t i = 0; i <= s->bins; i++) {
        double mult = i < s->bins ? 1.0 : K0;
        if (mult <= 0) continue;
        double w = (i < s->bins ? (double)s->n[i] : 0.0) + b;
        double u = gsl_sf_psi(w + 1) - psiA2;
        e1 += mult * w / A * gsl_sf_psi(w + 1);
        swu += mult * w * u;
        swu2 += mult * w * u * w * u;
        sw += mult * w;
        sw2 += mult * w * w;
        double v = gsl_sf_psi(w + 2) - psiA2;
        diag += mult * w * (w + 1) * (v * v + gsl_sf_psi_1(w + 2) - tri);
    }
    *m1 = psiA1 - e1;
    double off = (swu * swu - swu2) - tri * (sw * sw - sw2);
    *m2 = (off + diag) / (A * (A + 1));
}

/* integrand over t = ln b: posterior weight x prior density dxi/dt x moment */
static double nsb_integrand(double t, void *p)
{
    const struct nsb *s = p;
    double b = exp(t);
    double dxi = s->K * gsl_sf_psi_1(s->K * b + 1) - gsl_sf_psi_1(b + 1); /* d xi / d b */
    double w = exp(nsb_logl(s, b) - s->logl_max) * dxi * b;
    if (s->moment == 0) return w;
    double m1, m2;
    nsb_moments(s, b, &m1, &m2);
    return w * (s->moment == 1 ? m1 : m2);
}

static int nsb(const uint64_t *counts, size_t n, double K, double N, double *h, double *sd)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) m += counts[i] > 0;
    if (K == 0) { /* asymptotic (Nemenman 2011): needs coincidences, D = N - m >= 1 */
        double D = N - (double)m;
        if (D < 1) return SHANG_FAIL(SHANG_ENUMERIC, "asymptotic NSB needs a coincidence (every observation is distinct)");
        *h = (0.5772156649015329 - M_LN2) + 2 * log(N) - gsl_sf_psi(D);
        if (sd) *sd = sqrt(gsl_sf_psi_1(D));
        return SHANG_OK;
    }
    if (K < (double)m) return SHANG_FAIL(SHANG_EINVAL, "alphabet size %g is below the %zu observed symbols", K, m);
    uint64_t *nz = shang_alloc(m, sizeof *nz, "nz");
    if (!nz) return SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    for (size_t i = 0, k = 0; i < n; i++)
        if (counts[i]) nz[k++] = counts[i];
    struct nsb s = {nz, m, K, N, 0, 0};
    /* the posterior's peak on a grid in ln b sets the scale and the range */
    double lo = -25, hi = 15, best = -INFINITY, tbest = 0;
    for (int g = 0; g <= 400; g++) {
        double t = lo + (hi - lo) * g / 400.0, b = exp(t);
        double dxi = K * gsl_sf_psi_1(K * b + 1) - gsl_sf_psi_1(b + 1);
        double l = nsb_logl(&s, b) + log(dxi * b);
        if (l > best) {
            best = l;
            tbest = t;
        }
    }
    s.logl_max = nsb_logl(&s, exp(tbest));
    gsl_integration_workspace *ws = gsl_integration_workspace_alloc(1000);
    double z = 0, e1 = 0, e2 = 0, err;
    int rc = SHANG_OK;
    if (!ws) rc = SHANG_FAIL(SHANG_ENOMEM, "out of memory");
    double *out[3] = {&z, &e1, &e2};
    for (int k = 0; k < 3 && !rc; k++) {
        s.moment = k;
        gsl_function f = {nsb_integrand, &s};
        int st = gsl_integration_qag(&f, lo, hi, 0, 1e-10, 1000, GSL_INTEG_GAUSS31, ws, out[k], &err);
        if (st) rc = SHANG_FAIL(SHANG_ENUMERIC, "NSB integral: %s", gsl_strerror(st));
    }
    gsl_integration_workspace_free(ws);
    free(nz);
    if (rc) return rc;
    if (!(z > 0)) return SHANG_FAIL(SHANG_ENUMERIC, "NSB posterior has no mass");
    *h = e1 / z;
    if (sd) *sd = sqrt(fmax(0, e2 / z - *h * *h));
    return SHANG_OK;
}

int shang_entropy(const uint64_t *counts, size_t n, int estimator, double K, double *h, double *sd)
{
    double N = 0, m = 0, f1 = 0, plug = 0;
    for (size_t i = 0; i < n; i++) {
        N += (double)counts[i];
        m += counts[i] > 0;
        f1 += counts[i] == 1;
    }
    if (sd) *sd = NAN;
    if (N <= 0) return SHANG_FAIL(SHANG_EINVAL, "no observations");
    for (size_t i = 0; i < n; i++)
        if (counts[i]) {
            double p = (double)counts[i] / N;
            plug -= p * log(p);
        }
    switch (estimator) {
    case SHANG_H_PLUGIN: *h = plug; return SHANG_OK;
    case SHANG_H_MILLER_MADOW: *h = plug + (m - 1) / (2 * N); return SHANG_OK;
    case SHANG_H_CHAO_SHEN: {
        if (f1 == N) f1 = N - 1; /* all singletons: coverage would be 0 */
        double C = 1 - f1 / N, s = 0;
        for (size_t i = 0; i < n; i++)
            if (counts[i]) {
                double pa = C * (double)counts[i] / N;
                s -= pa * log(pa) / (1 - pow(1 - pa, N));
            }
        *h = s;
        return SHANG_OK;
    }
    case SHANG_H_GRASSBERGER: {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            if (counts[i]) {
                double c = (double)counts[i];
                double G = gsl_sf_psi(c) + 0.5 * ((counts[i] & 1) ? -1 : 1) * (gsl_sf_psi((c + 1) / 2) - gsl_sf_psi(c / 2));
                s += c * G;
            }
        *h = log(N) - s / N;
        return SHANG_OK;
    }
    case SHANG_H_NSB: return nsb(counts, n, K, N, h, sd);
    default: return SHANG_FAIL(SHANG_EINVAL, "unknown estimator %d", estimator);
    }
}
