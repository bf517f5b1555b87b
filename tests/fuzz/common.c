/* common.c — see fuzz.h. */
#include "fuzz.h"

#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static void drop_capabilities(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (syscall(SYS_capset, &h, d)) {
		perror("fuzz: capset");
		abort();
	}
}

void fuzz_init(void)
{
	FILE *null;

	drop_capabilities();
	if (getenv("WGB_FUZZ_VERBOSE"))
		return;
	/* libFuzzer took its own copy of stderr at start-up and the sanitizers
	 * write to fd 2: only the stdio stream the parsers print to changes. */
	null = fopen("/dev/null", "w");
	if (null) {
		stderr = null;
		stdout = null;
	}
}

char *fuzz_text(const uint8_t *data, size_t size)
{
	char *t = malloc(size + 1);

	if (!t)
		abort();
	memcpy(t, data, size);
	t[size] = 0;
	return t;
}

void fuzz_split(const uint8_t *data, size_t size, char **first, char **second)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t n = nul ? (size_t)(nul - data) : size;

	*first = fuzz_text(data, n);
	*second = nul ? fuzz_text(nul + 1, size - n - 1) : NULL;
}

void fuzz_fail(const char *file, int line, const char *what)
{
	/* fd 2 directly: stderr may be /dev/null by now */
	dprintf(2, "%s:%d: contract broken: %s\n", file, line, what);
	abort();
}
