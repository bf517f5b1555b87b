/* tune_record.c — tune.json, the session's record: made when the session
 * starts (options, targets, scenarios, the start and the provenance of its
 * entries), filled by the loop, and written with tune.md after every step
 * (atomically, so a killed tune leaves both readable). With --history each
 * step's run goes into the history as a `run --history` would put it.
 */
#include "tune_impl.h"
#include "history.h"
#include "jsonx.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct json_object *options_json(const struct tune_ctx *c)
{
	struct json_object *o = json_object_new_object(), *a;
	size_t i;

	json_object_object_add(o, "threshold_percent", jsonx_num(c->t->threshold_percent));
	json_object_object_add(o, "rtt_slack_ms", jsonx_num(c->t->rtt_slack_ms));
	json_object_object_add(o, "budget_min", c->t->budget_min > 0 ? jsonx_num(c->t->budget_min) : NULL);
	json_object_object_add(o, "max_rounds", c->t->max_rounds ? json_object_new_int((int)c->t->max_rounds) : NULL);
	json_object_object_add(o, "advice_only", json_object_new_boolean(c->t->advice_only));
	json_object_object_add(o, "doctor", json_object_new_boolean(!c->t->no_doctor));
	json_object_object_add(o, "duration_s", jsonx_num(c->o->duration));
	json_object_object_add(o, "repeat", json_object_new_int((int)c->o->repeat));
	a = json_object_new_array();
	for (i = 0; i < c->t->n_candidates; i++)
		json_object_array_add(a, json_object_new_string(c->t->candidates[i]));
	json_object_object_add(o, "candidates", c->t->n_candidates ? a : (json_object_put(a), NULL));
	return o;
}

static struct json_object *names_json(const char *const *v, size_t n)
{
	struct json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

void tune_record_init(struct tune_ctx *c)
{
	struct json_object *d = json_object_new_object(), *s = json_object_new_object();
	static const char *const arrays[] = { "rounds", "steps", "skipped" };
	size_t i;

	json_object_object_add(d, "schema", json_object_new_string(TUNE_SCHEMA));
	json_object_object_add(d, "out", json_object_new_string(c->out));
	json_object_object_add(d, "options", options_json(c));
	json_object_object_add(d, "targets", names_json(c->targets, c->n_targets));
	json_object_object_add(d, "scenarios", names_json(c->measured, c->n_measured));
	json_object_object_add(s, "variant", json_object_new_string(jsonx_str_at(c->start, "name")));
	json_object_object_add(s, "file", c->o->n_variants ? json_object_new_string(c->o->variants[0]) : NULL);
	json_object_object_add(d, "start", s);
	for (i = 0; i < ARRAY_SIZE(arrays); i++)
		json_object_object_add(d, arrays[i], json_object_new_array());
	if (c->o->history) {
		struct json_object *h = json_object_new_object();

		/* a URL may carry a password: only a file's path is kept */
		json_object_object_add(h, "db", strstr(c->o->history, "://") ? NULL :
				       json_object_new_string(c->o->history));
		json_object_object_add(h, "store", json_object_new_string(strstr(c->o->history, "://") ?
				       "postgresql" : "sqlite"));
		json_object_object_add(d, "history", h);
	}
	json_object_object_add(d, "confirm", NULL);
	json_object_object_add(d, "final", NULL);
	json_object_object_add(d, "stopped", NULL);
	json_object_object_add(d, "stopped_why", NULL);
	c->doc = d;
	c->prov = json_object_new_array();
	for (i = 0; i < json_object_array_length(jsonx_get(c->start, "set")); i++) {
		struct json_object *p = json_object_new_object();

		json_object_object_add(p, "step", json_object_new_int(0));
		json_object_object_add(p, "candidate", json_object_new_string("start"));
		json_object_object_add(p, "variant", json_object_new_string(jsonx_str_at(c->start, "name")));
		json_object_object_add(p, "dir", NULL);   /* the first step's, once it ran */
		json_object_array_add(c->prov, p);
	}
}

void tune_history_add(struct tune_ctx *c, const char *dir, struct json_object *st)
{
	struct history *h = NULL;
	int64_t id = 0;
	int ret;

	if (!c->o->history)
		return;
	if (!(ret = history_open(c->o->history, &h)))
		ret = history_add_dir(h, dir, &id);
	history_close(h);
	if (ret) {
		wgb_err("--history: %s could not be recorded (%s)", dir, strerror(-ret));
		c->history_failed = true;
		json_object_object_add(st, "history_run", NULL);
		return;
	}
	json_object_object_add(st, "history_run", json_object_new_int64(id));
	if (!c->o->quiet)
		fprintf(c->tty, "tune: history: %s stored as run %lld\n", dir, (long long)id);
}

int tune_write_record(const struct tune_ctx *c)
{
	const char *json = json_object_to_json_string_ext(c->doc, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	char path[PATH_MAX], *md = NULL;
	int ret;

	if ((ret = util_fmt(path, sizeof(path), "%s/tune.json", c->out)) ||
	    (ret = util_write_file_atomic(path, json, strlen(json))) ||
	    (ret = tune_md_render(c->doc, &md)) ||
	    (ret = util_fmt(path, sizeof(path), "%s/tune.md", c->out)) ||
	    (ret = util_write_file_atomic(path, md, strlen(md))))
		wgb_err("%s: %s", path, strerror(-ret));
	free(md);
	return ret;
}
