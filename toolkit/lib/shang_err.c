/* shang_err — see shang_err.h. The message buffer is thread-local and grows as
 * needed; it is never truncated silently (a failed growth keeps the old text). */
#include "shang_err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char *err_msg;     /* heap, grows */
static _Thread_local char err_where[256]; /* site only; truncation harmless */
static _Thread_local int err_code;
static _Thread_local int err_keep; /* the message names its culprit: no prefixes */
static int log_level = SHANG_LOG_INFO;

static void set_msg(char *m)
{
    free(err_msg);
    err_msg = m;
}

static char *vformat(const char *fmt, va_list ap)
{
    va_list aq;
    va_copy(aq, ap);
    int n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0) return NULL;
    char *s = malloc((size_t)n + 1);
    if (s) vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

int shang_err_set(int code, const char *func, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *m = vformat(fmt, ap);
    va_end(ap);
    if (m) set_msg(m);
    const char *base = strrchr(file, '/');
    snprintf(err_where, sizeof err_where, "%s (%s:%d)", func, base ? base + 1 : file, line);
    err_code = code;
    err_keep = 0;
    return code;
}

void shang_err_keep_message(void) { err_keep = 1; }

int shang_err_prefix(const char *fmt, ...)
{
    if (err_keep) return err_code;
    va_list ap;
    va_start(ap, fmt);
    char *p = vformat(fmt, ap);
    va_end(ap);
    if (!p) return err_code;
    const char *old = err_msg ? err_msg : "";
    size_t n = strlen(p) + strlen(old) + 3;
    char *m = malloc(n);
    if (m) {
        snprintf(m, n, "%s%s%s", p, *old ? ": " : "", old);
        set_msg(m);
    }
    free(p);
    return err_code;
}

const char *shang_err_msg(void) { return err_msg ? err_msg : ""; }
const char *shang_err_where(void) { return err_where; }
int shang_err_code(void) { return err_code; }

void shang_err_clear(void)
{
    set_msg(NULL);
    err_where[0] = '\0';
    err_code = 0;
    err_keep = 0;
}

const char *shang_strerror(int code)
{
    switch (code) {
    case SHANG_OK: return "ok";
    case SHANG_ENOMEM: return "out of memory";
    case SHANG_EINVAL: return "invalid input";
    case SHANG_EIO: return "input/output error";
    case SHANG_EFORMAT: return "bad file format";
    case SHANG_ENUMERIC: return "numerical failure";
    case SHANG_EUNSUPPORTED: return "unsupported";
    case SHANG_EINTERRUPTED: return "interrupted";
    case SHANG_EUSAGE: return "option value not allowed by the input";
    default: return "unknown error";
    }
}

int shang_err_exit_status(int code)
{
    if (code == SHANG_OK) return SHANG_EXIT_OK;
    if (code == SHANG_ENUMERIC) return SHANG_EXIT_NUMERIC;
    if (code == SHANG_EUSAGE) return SHANG_EXIT_USAGE;
    return SHANG_EXIT_FAILURE;
}

void shang_log_set_level(int level) { log_level = level; }
int shang_log_level(void) { return log_level; }

void shang_log(int level, const char *fmt, ...)
{
    if (level > log_level) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}
