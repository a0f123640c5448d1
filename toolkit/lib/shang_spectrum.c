/* shang_spectrum — see shang_spectrum.h. */
#include "shang_spectrum.h"

#include <math.h>

void shang_spectrum_stats(const double *s, int n, double *eff_rank, double *mat_entropy, double *stable_rank)
{
    double s1 = 0, s2 = 0, h1 = 0, h2 = 0, mx = 0;
    for (int i = 0; i < n; i++) {
        s1 += s[i];
        s2 += s[i] * s[i];
        mx = s[i] > mx ? s[i] : mx;
    }
    for (int i = 0; i < n; i++) {
        double p = s1 > 0 ? s[i] / s1 : 0, q = s2 > 0 ? s[i] * s[i] / s2 : 0;
        if (p > 0) h1 -= p * log(p);
        if (q > 0) h2 -= q * log(q);
    }
    *eff_rank = exp(h1);
    *mat_entropy = n > 1 ? h2 / log((double)n) : 0;
    *stable_rank = mx > 0 ? s2 / (mx * mx) : 0;
}

double shang_spectrum_tail_alpha(const double *s, size_t n, double tail)
{
    size_t k = (size_t)(tail * (double)n);
    if (k < 5) k = 5;
    if (k > n) return NAN;
    double lk = s[k - 1] * s[k - 1], sum = 0;
    for (size_t i = 0; i + 1 < k; i++) sum += log(s[i] * s[i] / lk);
    return sum > 0 ? 1 + (double)(k - 1) / sum : NAN;
}
