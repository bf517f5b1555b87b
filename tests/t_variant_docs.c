/* t_variant_docs.c — every variant example in the documentation parses.
 *
 * Looks through README.md, doc/ (every .md) and ../shared/DESIGN.md (the design
 * document next to the tree, when it is there) for
 *   - whole variant files: a JSON object at the start of a line that has a
 *     "set" list (fenced blocks, also inside a `$ cat` transcript);
 *   - single entries written inline, `{"node": ..., <knob>...}`, each loaded
 *     as the only entry of a variant;
 * and loads each with variant_load_all(), which must accept it.
 * Needs root, as t_variant: sysctl scopes are asked of a scratch namespace. */
#include "util.h"
#include "variant.h"

#include <glob.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int failures;
static char dir[] = "/tmp/t_variant_docs.XXXXXX";

static unsigned int line_of(const char *text, const char *p)
{
	unsigned int n = 1;

	for (; text < p; text++)
		n += *text == '\n';
	return n;
}

/* The JSON object that starts at p, or NULL. */
static struct json_object *object_at(const char *p)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;

	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, p, (int)strlen(p));
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static void check_one(const char *md, unsigned int line, const char *json)
{
	char path[256];
	const char *paths[1] = { path };
	struct variant_set *s = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/example.json", dir);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(json, f);
	fclose(f);
	if (variant_load_all(paths, 1, &s)) {
		printf("FAIL %s:%u: the variant example is refused (above): %s\n", md, line, json);
		failures++;
	}
	variant_set_free(s);
	unlink(path);
}

/* Whole files; returns how many were found. */
static unsigned int whole_files(const char *md, const char *text)
{
	unsigned int n = 0;
	const char *p;

	for (p = text; p; p = strchr(p, '\n')) {
		struct json_object *o, *set;

		p += *p == '\n';
		if (*p != '{' || !(o = object_at(p)))
			continue;
		if (json_object_object_get_ex(o, "set", &set)) {
			check_one(md, line_of(text, p),
				  json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
			n++;
		}
		json_object_put(o);
	}
	return n;
}

/* Inline entries: an object with "node" and something else. */
static unsigned int entries(const char *md, const char *text)
{
	unsigned int n = 0;
	const char *p;

	for (p = strstr(text, "{\"node\""); p; p = strstr(p + 1, "{\"node\"")) {
		struct json_object *o;
		char *doc;

		if (p > text && p[-1] != '`')   /* inside a whole file: checked there */
			continue;
		o = object_at(p);
		if (!o)
			continue;
		if (json_object_object_length(o) >= 2 &&
		    asprintf(&doc, "{\"name\": \"doc-example\", \"set\": [%s]}",
			     json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) >= 0) {
			check_one(md, line_of(text, p), doc);
			free(doc);
			n++;
		}
		json_object_put(o);
	}
	return n;
}

static unsigned int scan(const char *md, bool must)
{
	char *text = NULL;
	unsigned int n;

	if (util_read_file(md, &text, NULL)) {
		if (must) {
			printf("FAIL cannot read %s (run from the top directory)\n", md);
			failures++;
		}
		return 0;
	}
	n = whole_files(md, text) + entries(md, text);
	printf("t_variant_docs: %s: %u example(s)\n", md, n);
	free(text);
	return n;
}

int main(void)
{
	glob_t g;
	size_t i;

	if (geteuid() != 0) {
		printf("t_variant_docs: skipped, needs root (scratch network namespaces)\n");
		return 0;
	}
	if (!mkdtemp(dir))
		return 1;
	if (scan("README.md", true) == 0 || scan("doc/variant.md", true) == 0) {
		printf("FAIL no variant example found in README.md or doc/variant.md\n");
		failures++;
	}
	if (!glob("doc/*.md", 0, NULL, &g)) {
		for (i = 0; i < g.gl_pathc; i++)
			if (strcmp(g.gl_pathv[i], "doc/variant.md"))
				scan(g.gl_pathv[i], true);
		globfree(&g);
	}
	scan("../shared/DESIGN.md", false);
	rmdir(dir);
	if (failures)
		printf("t_variant_docs: %d failed\n", failures);
	return failures ? 1 : 0;
}
