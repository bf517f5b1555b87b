/* fuzz_state.c — the testbed state file (state_from_json), which cleanup
 * trusts to find what to remove. What it accepts must survive a round trip:
 * written back by state_to_json and read again, the same text. */
#include "fuzz.h"
#include "state.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), *a = NULL, *b = NULL, why[128];
	struct topo_state s, t;

	if (!state_from_json(text, &s, why, sizeof(why))) {
		fuzz_check(s.tunnels >= 1 && s.tunnels <= TOPO_TUNNELS_MAX);
		fuzz_check(memchr(s.prefix, 0, sizeof(s.prefix)));
		fuzz_check(!state_to_json(&s, &a));
		fuzz_check(!state_from_json(a, &t, why, sizeof(why)));
		fuzz_check(!state_to_json(&t, &b));
		fuzz_check(!strcmp(a, b));
	}
	free(a);
	free(b);
	free(text);
	return 0;
}
