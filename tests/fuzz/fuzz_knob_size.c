/* fuzz_knob_size.c — tc's size syntax (knob_size_parse: "64kb", "1mb",
 * "1500b", "1500"). A whole number of bytes or a refusal; a plain integer
 * is itself. */
#include "fuzz.h"
#include "knob.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_text(data, size), *end;
	uint64_t b = 0, x;
	int r = knob_size_parse(s, &b);

	fuzz_check(r == 0 || r == -EINVAL);
	if (s[0] >= '0' && s[0] <= '9' && strspn(s, "0123456789") == strlen(s) && strlen(s) < 16) {
		x = strtoull(s, &end, 10);
		fuzz_check(r == 0 && b == x);
	}
	free(s);
	return 0;
}
