/* fuzz_scenario.c — scenario files (scenario_parse). The file name must be
 * <name>.json, so the harness names the file after the "name" the text
 * gives (when it can be a file name): accepted inputs reach every field. */
#include "fuzz.h"
#include "scenario.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

static void file_for(const char *text, char *file, size_t len)
{
	struct json_object *o = json_tokener_parse(text), *v;
	const char *name = "fuzz";

	if (json_object_object_get_ex(o, "name", &v) && json_object_is_type(v, json_type_string) &&
	    strlen(json_object_get_string(v)) < 64 && !strchr(json_object_get_string(v), '/'))
		name = json_object_get_string(v);
	snprintf(file, len, "scenarios/%s.json", name);
	json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), file[96];
	struct scenario *s = NULL;
	struct json_object *o = NULL;

	file_for(text, file, sizeof(file));
	if (!scenario_parse(text, file, &s)) {
		/* scenario.h: the ranges it promises */
		fuzz_check(s->name && s->flows >= 1 && s->flows <= 128);
		fuzz_check(s->protocol == SCENARIO_TCP ?
			   s->block_size >= 1 && s->block_size <= 1048576 :
			   s->block_size >= 16 && s->block_size <= 65507);
		fuzz_check(!scenario_to_json(s, &o) && o);
		json_object_put(o);
	}
	scenario_free(s);
	free(text);
	return 0;
}
