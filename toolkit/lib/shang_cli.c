/* shang_cli — see shang_cli.h. */
#include "shang_cli.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <omp.h>

#include "shang_blas.h"
#include "shang_mem.h"

int shang_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || !*s || *end || end == s || strchr(" \t\n", *s))
        return SHANG_FAIL(SHANG_EINVAL, "'%s' is not an integer", s ? s : "");
    if (errno == ERANGE || v < min || v > max)
        return SHANG_FAIL(SHANG_EINVAL, "%s is outside [%" PRId64 ", %" PRId64 "]", s, min, max);
    *out = v;
    return SHANG_OK;
}

int shang_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    if (!s || !*s || !strchr("0123456789", *s))
        return SHANG_FAIL(SHANG_EINVAL, "'%s' is not a non-negative integer", s ? s : "");
    unsigned long long v = strtoull(s, &end, 10);
    if (*end) return SHANG_FAIL(SHANG_EINVAL, "'%s' is not a non-negative integer", s);
    if (errno == ERANGE || v < min || v > max)
        return SHANG_FAIL(SHANG_EINVAL, "%s is outside [%" PRIu64 ", %" PRIu64 "]", s, min, max);
    *out = v;
    return SHANG_OK;
}

int shang_parse_int(const char *s, int min, int max, int *out)
{
    int64_t v;
    int rc = shang_parse_i64(s, min, max, &v);
    if (!rc) *out = (int)v;
    return rc;
}

int shang_parse_f64(const char *s, double min, double max, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = s ? strtod(s, &end) : 0;
    if (!s || !*s || *end || end == s || strchr(" \t\n", *s))
        return SHANG_FAIL(SHANG_EINVAL, "'%s' is not a number", s ? s : "");
    if (!isfinite(v) || errno == ERANGE)
        return SHANG_FAIL(SHANG_EINVAL, "'%s' is not a finite number", s);
    if (v < min || v > max)
        return SHANG_FAIL(SHANG_EINVAL, "%s is outside [%g, %g]", s, min, max);
    *out = v;
    return SHANG_OK;
}

double shang_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

struct shang_progress {
    char *verb, *unit;
    uint64_t total;
    double start, last;
    int tty;
};

shang_progress *shang_progress_new(const char *verb, const char *unit, uint64_t total)
{
    if (shang_log_level() < SHANG_LOG_INFO) return NULL;
    shang_progress *p = shang_zalloc(1, sizeof *p, "p");
    if (!p) return NULL;
    p->verb = shang_strdup(verb);
    p->unit = shang_strdup(unit);
    if (!p->verb || !p->unit) {
        free(p->verb);
        free(p->unit);
        free(p);
        return NULL;
    }
    p->total = total;
    p->start = p->last = shang_now();
    p->tty = isatty(STDERR_FILENO);
    return p;
}

static void fmt_hms(char *out, size_t n, double s)
{
    if (!isfinite(s) || s < 0) {
        snprintf(out, n, "--:--");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(out, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else snprintf(out, n, "%ld:%02ld", t / 60, t % 60);
}

static void report(shang_progress *p, uint64_t done, const char *extra, int final)
{
    double now = shang_now(), el = now - p->start;
    double rate = el > 0 ? (double)done / el : 0;
    double eta = (p->total && rate > 0 && done <= p->total) ? (double)(p->total - done) / rate : -1;
    if (p->tty) {
        char e[32], t[32];
        fmt_hms(e, sizeof e, eta);
        fmt_hms(t, sizeof t, el);
        double frac = p->total ? (double)done / (double)p->total : 0;
        if (frac > 1) frac = 1;
        int w = 24, fill = (int)(frac * w);
        fprintf(stderr, "\r%s [%.*s%*s] %3.0f%% %" PRIu64 "/%" PRIu64 " %s %.1f %s/s %s %s%s%s\033[K",
                p->verb, fill, "########################", w - fill, "", 100 * frac, done,
                p->total, p->unit, rate, p->unit, final ? "in" : "ETA", final ? t : e,
                extra ? " " : "", extra ? extra : "");
        if (final) fputc('\n', stderr);
    } else {
        fprintf(stderr,
                "progress verb=%s done=%" PRIu64 " total=%" PRIu64 " unit=%s rate=%.1f "
                "elapsed_s=%.1f eta_s=%.0f%s%s%s\n",
                p->verb, done, p->total, p->unit, rate, el, eta, final ? " final=1" : "",
                extra ? " " : "", extra ? extra : "");
    }
    fflush(stderr);
    p->last = now;
}

void shang_progress_update(shang_progress *p, uint64_t done, const char *extra)
{
    if (!p) return;
    double gap = p->tty ? 0.1 : 5.0;
    if (shang_now() - p->last >= gap) report(p, done, extra, 0);
}

void shang_progress_finish(shang_progress *p, uint64_t done, const char *extra)
{
    if (!p) return;
    report(p, done, extra, 1);
    free(p->verb);
    free(p->unit);
    free(p);
}
