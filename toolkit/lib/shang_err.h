/* shang_err — error codes, the thread-local error message, and the log level.
 *
 * Every library function that can fail returns 0 (SHANG_OK) or a negative SHANG_E*
 * code and records a message saying what failed, on which object, and where in the
 * source. Programs turn the code into an exit status with shang_err_exit_status().
 * This module does not print anything except through shang_log() (stderr).
 */
#ifndef SHANG_ERR_H
#define SHANG_ERR_H

#include <stdarg.h>

#if defined(__GNUC__)
#define SHANG_MUST_CHECK __attribute__((warn_unused_result))
#define SHANG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SHANG_MUST_CHECK
#define SHANG_PRINTF(f, a)
#endif

enum shang_status {
    SHANG_OK = 0,
    SHANG_ENOMEM = -1,       /* allocation failed or a size computation overflowed */
    SHANG_EINVAL = -2,       /* invalid argument, option value or input content */
    SHANG_EIO = -3,          /* file system or HDF5 input/output failure */
    SHANG_EFORMAT = -4,      /* a file is not the expected format or version */
    SHANG_ENUMERIC = -5,     /* NaN/Inf, or a LAPACK/GSL numerical failure */
    SHANG_EUNSUPPORTED = -6, /* valid request this build or machine cannot do */
    SHANG_EINTERRUPTED = -7, /* stopped by a signal after saving state */
    SHANG_EUSAGE = -8,       /* an option value the inputs rule out (--ctx past the model's context): exit 2 */
};

/* Exit statuses of the `shang` program (documented in every --help). */
enum shang_exit {
    SHANG_EXIT_OK = 0,
    SHANG_EXIT_FAILURE = 1, /* runtime failure: I/O, bad input file, memory */
    SHANG_EXIT_USAGE = 2,   /* bad command line */
    SHANG_EXIT_NUMERIC = 3, /* numerical failure: NaN/Inf, no convergence */
};

/* Records `code` and a printf-style message with the calling site; returns `code`
 * so that `return SHANG_FAIL(SHANG_EINVAL, "...")` reads naturally. A message set
 * while another is pending replaces it unless `keep_first` semantics are wanted:
 * use shang_err_prefix() to add context to an error raised deeper down. */
int shang_err_set(int code, const char *func, const char *file, int line,
                  const char *fmt, ...) SHANG_PRINTF(5, 6);
#define SHANG_FAIL(code, ...) shang_err_set((code), __func__, __FILE__, __LINE__, __VA_ARGS__)

/* Prepends "context: " to the current message (for callers that know the file or
 * object name the callee did not). Returns the current code. */
int shang_err_prefix(const char *fmt, ...) SHANG_PRINTF(1, 2);
/* The current message already names its culprit (an output on a full disk):
 * later shang_err_prefix calls leave it as it is, until the next error. */
void shang_err_keep_message(void);

const char *shang_err_msg(void);   /* the message, "" if none; owned by the library */
const char *shang_err_where(void); /* "function (file:line)" of the first failure */
int shang_err_code(void);          /* the code of the last failure, 0 if none */
void shang_err_clear(void);
const char *shang_strerror(int code);   /* a short name for a code */
int shang_err_exit_status(int code);    /* SHANG_E* -> shang_exit */

/* Log levels for stderr diagnostics; the one piece of global mutable state. */
enum shang_log_level { SHANG_LOG_QUIET = 0, SHANG_LOG_INFO = 1, SHANG_LOG_DEBUG = 2 };
void shang_log_set_level(int level);
int shang_log_level(void);
void shang_log(int level, const char *fmt, ...) SHANG_PRINTF(2, 3);

#endif
