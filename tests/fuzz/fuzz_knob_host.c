/* fuzz_knob_host.c — the host-knob file /run/wgbench/<prefix>host.json
 * (knob_host_parse, knob_host_entry): cleanup writes its values back, so
 * what is accepted must be a /proc/sys/net/ path with no "..". */
#include "fuzz.h"
#include "knob.h"

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
	struct json_object *doc = NULL, *vals;
	const char *path, *before;
	size_t i;

	if (!knob_host_parse("fuzz-host.json", text, &doc)) {
		fuzz_check(json_object_object_get_ex(doc, "values", &vals));
		for (i = 0; i < json_object_array_length(vals); i++)
			if (!knob_host_entry(vals, i, &path, &before))
				fuzz_check(!strncmp(path, "/proc/sys/net/", 14) && !strstr(path, "..") &&
					   before);
	} else {
		fuzz_check(!doc);
	}
	json_object_put(doc);
	free(text);
	return 0;
}
