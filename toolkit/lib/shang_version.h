/* shang_version — the toolkit's version; the build adds the git commit. */
#ifndef SHANG_VERSION_H
#define SHANG_VERSION_H

#define SHANG_VERSION "0.1.0"

/* "abc1234" or "abc1234-dirty" or "unknown"; set by the Makefile at build time */
const char *shang_git_commit(void);

#endif
