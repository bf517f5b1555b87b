/* tune_final.c — the end of a session: tuned.json (the best as a variant
 * file), tune.json's "final" (each entry with the step that earned it and
 * what that step's run read back), reference 002 §8's files in persist/,
 * and the last lines (or the document, with --json).
 */
#include "tune_impl.h"
#include "jsonx.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

struct json_object *tune_kept_names(const struct tune_ctx *c)
{
	struct json_object *a = json_object_new_array(), *steps = jsonx_get(c->doc, "steps");
	size_t i;

	for (i = 0; i < json_object_array_length(steps); i++) {
		struct json_object *s = json_object_array_get_idx(steps, i);

		if (json_object_get_boolean(jsonx_get(s, "kept")))
			json_object_array_add(a, json_object_new_string(jsonx_str_at(s, "candidate")));
	}
	return a;
}

/* "final" in tune.json: each entry of the best with the step that earned
 * it and what that step's run read back. */
static struct json_object *final_json(const struct tune_ctx *c)
{
	struct json_object *f = json_object_new_object(), *set = json_object_new_array();
	struct json_object *bs = jsonx_get(c->best, "set");
	char dir[PATH_MAX];
	size_t i;

	json_object_object_add(f, "variant", json_object_new_string(jsonx_str_at(c->best, "name")));
	json_object_object_add(f, "file", json_object_new_string("tuned.json"));
	json_object_object_add(f, "tunnels", tune_variant_tunnels(c->best) ?
			       json_object_new_int((int)tune_variant_tunnels(c->best)) : NULL);
	json_object_object_add(f, "kept", tune_kept_names(c));
	/* --history: the run of the claim "tuned vs start" (none when nothing was kept) */
	if (c->o->history)
		json_object_object_add(f, "history_run", json_object_get(jsonx_get(c->doc, "confirm.history_run")));
	for (i = 0; i < json_object_array_length(bs); i++) {
		struct json_object *p = json_object_array_get_idx(c->prov, i), *e = json_object_new_object();
		struct json_object *entry = json_object_array_get_idx(bs, i), *rb = NULL;

		json_object_object_add(e, "entry", json_object_get(entry));
		json_object_object_foreach(p, key, val)
			json_object_object_add(e, key, json_object_get(val));
		if (jsonx_str_at(p, "dir") && !util_fmt(dir, sizeof(dir), "%s/%s", c->out, jsonx_str_at(p, "dir")))
			tune_read_back(dir, jsonx_str_at(p, "variant"), entry, &rb);
		json_object_object_add(e, "read_back", rb);
		json_object_array_add(set, e);
	}
	json_object_object_add(f, "set", set);
	return f;
}

static int write_text(const char *dir, const char *name, const char *text, unsigned int mode)
{
	char path[PATH_MAX];
	int ret;

	if ((ret = util_fmt(path, sizeof(path), "%s/%s", dir, name)) ||
	    (ret = util_write_file_atomic(path, text, strlen(text))))
		return ret;
	return chmod(path, mode) ? -errno : 0;
}

static void describe_tuned(const struct tune_ctx *c, char *desc, size_t len)
{
	struct json_object *kept = tune_kept_names(c);
	size_t i, o;

	o = (size_t)snprintf(desc, len, "wgbench tune: %s", jsonx_str_at(c->start, "name"));
	for (i = 0; i < json_object_array_length(kept) && o < len; i++)
		o += (size_t)snprintf(desc + o, len - o, " + %s",
				      json_object_get_string(json_object_array_get_idx(kept, i)));
	if (o < len)
		snprintf(desc + o, len - o, "%s; each step kept on its verdicts (tune.md in %s)",
			 i ? "" : " (nothing kept)", c->out);
	json_object_put(kept);
}

/* tuned.json and reference 002 §8's files, from what was kept. */
int tune_write_final(struct tune_ctx *c)
{
	struct json_object *tuned = NULL, *empty = json_object_new_array();
	struct tune_persist p = { 0 };
	char path[PATH_MAX], desc[512], persist[PATH_MAX];
	int ret;

	describe_tuned(c, desc, sizeof(desc));
	ret = tune_variant_merge(c->best, empty, 0, "tuned", desc, &tuned);
	json_object_put(empty);
	if (!ret && !(ret = util_fmt(path, sizeof(path), "%s/tuned.json", c->out)))
		ret = tune_variant_write(tuned, path);
	json_object_put(tuned);
	json_object_object_add(c->doc, "final", final_json(c));
	if (ret || (ret = tune_persist_render(c->doc, &p)) ||
	    (ret = util_fmt(persist, sizeof(persist), "%s/persist", c->out)))
		goto out;
	if ((ret = write_text(persist, "99-wgbench-tuned.conf", p.sysctl, 0644)) ||
	    (ret = write_text(persist, "wgbench-tuned.service", p.unit, 0644)) ||
	    (ret = write_text(persist, "wgbench-tuned.sh", p.script, 0755)))
		wgb_err("%s: %s", persist, strerror(-ret));
out:
	tune_persist_clear(&p);
	return ret;
}

void tune_say_end(const struct tune_ctx *c)
{
	struct json_object *conf = jsonx_get(c->doc, "confirm"), *kept = tune_kept_names(c), *pairs;
	struct json_object *hrun = jsonx_get(c->doc, "final.history_run");
	size_t i;

	if (c->o->json) {
		printf("%s\n", json_object_to_json_string_ext(c->doc, JSON_C_TO_STRING_PRETTY |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	} else if (!c->o->quiet) {
		printf("tune: %zu step(s), kept %zu:", (size_t)c->n_steps, json_object_array_length(kept));
		for (i = 0; i < json_object_array_length(kept); i++)
			printf(" %s", json_object_get_string(json_object_array_get_idx(kept, i)));
		printf("\n");
		pairs = jsonx_get(conf, "pairs");
		for (i = 0; pairs && i < json_object_array_length(pairs); i++) {
			struct json_object *p = json_object_array_get_idx(pairs, i);

			if (!strcmp(jsonx_str_at(p, "role"), "target"))
				printf("tune: final vs start, %s: %s %+.1f%%\n", jsonx_str_at(p, "scenario"),
				       jsonx_str_at(p, "verdict"), json_object_get_double(jsonx_get(p, "delta_percent")));
		}
		printf("tune: %s/tune.md, tuned.json, persist/ (written, not installed)\n", c->out);
		if (hrun)
			printf("tune: history: tuned vs start is run %lld (`wgbench history show %lld`)\n",
			       (long long)json_object_get_int64(hrun), (long long)json_object_get_int64(hrun));
	}
	json_object_put(kept);
}
