/* fuzz_variant.c — variant files (variant_parse_text, as variant_load_all
 * reads a file), then the description run.json gets. Nothing is applied;
 * with no capability a sysctl row's namespace probe fails and says so. */
#include "fuzz.h"
#include "topo.h"
#include "variant.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);
	struct variant_set *set = NULL;
	struct json_object *o = NULL;
	const struct variant *v;

	if (!variant_parse_text("fuzz.json", text, size, &set)) {
		fuzz_check(variant_count(set) == 1);
		v = variant_get(set, 0);
		fuzz_check(v && strlen(variant_name(v)) >= 1 && strlen(variant_name(v)) <= 64);
		fuzz_check(variant_tunnels(v) <= TOPO_TUNNELS_MAX);
		(void)variant_knob_count(v);
		fuzz_check(!variant_describe(v, &o) && o);
		json_object_put(o);
	} else {
		fuzz_check(!set);
	}
	variant_set_free(set);
	free(text);
	return 0;
}
