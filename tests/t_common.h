/* t_common.h — what the unit programs share: the failure count, the CHECK
 * forms and reading a fixture from tests/data.
 *
 * Contract: include it once, from a t_*.c program only (it defines static
 * objects), after defining T_NAME ("t_x", the prefix of failure lines). Each
 * program picks the CHECK form it was written with, so its failure lines
 * read as they always have:
 *   #define CHECK T_CHECK_WHAT  CHECK(cond, "what")  -> "t_x:LINE: what (cond)"
 *   #define CHECK T_CHECK_MSG   CHECK(cond, fmt, ...) -> "t_x:LINE: <printf>"
 *   #define CHECK T_CHECK_COND  CHECK(cond)          -> "FILE:LINE: check failed: cond"
 * Every failed CHECK counts in `failures`; main() returns non-zero if any.
 */
#ifndef WGB_T_COMMON_H
#define WGB_T_COMMON_H

#include "util.h"

#include <stdio.h>
#include <stdlib.h>

static int failures;

#define T_CHECK_WHAT(cond, what) do { \
	if (!(cond)) { \
		failures++; \
		fprintf(stderr, T_NAME ":%d: %s (%s)\n", __LINE__, what, #cond); \
	} \
} while (0)

#define T_CHECK_MSG(cond, ...) do { \
	if (!(cond)) { \
		failures++; \
		fprintf(stderr, T_NAME ":%d: ", __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
	} \
} while (0)

#define T_CHECK_COND(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		failures++; \
	} \
} while (0)

/* tests/data/<name> (below $WGB_TOP if set, else the working directory, the
 * top of the tree under `make unit`), malloc'd and NUL-terminated. A fixture
 * that cannot be read ends the program: every check after it would be noise. */
static inline char *t_fixture(const char *name)
{
	const char *top = getenv("WGB_TOP");
	char path[512];
	char *buf = NULL;

	snprintf(path, sizeof(path), "%s/tests/data/%s", top ? top : ".", name);
	if (util_read_file(path, &buf, NULL)) {
		fprintf(stderr, "cannot read fixture %s\n", path);
		exit(1);
	}
	return buf;
}

#endif
