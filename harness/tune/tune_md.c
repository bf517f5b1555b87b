/* tune_md.c — tune.md, rendered from tune.json alone (pure, so a test
 * renders fixtures): reference 002 §7.1's cumulative table per target, the
 * rejected candidates with why, then each round and step with every
 * verdict the decision looked at. Numbers are printed from the document,
 * which took them from the steps' results (report_data_load()).
 */
#include "tune_impl.h"
#include "jsonx.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(struct json_object *o, const char *path)
{
	const char *s = jsonx_str_at(o, path);

	return s ? s : "–";
}

static void num(FILE *f, struct json_object *o, const char *path, int decimals)
{
	double x;

	if (jsonx_num_at(o, path, &x))
		fprintf(f, "%.*f", decimals, x);
	else
		fputs("–", f);
}

static void mbps(FILE *f, struct json_object *cell)
{
	double x;

	if (jsonx_num_at(cell, "median_bps", &x))
		fprintf(f, "%.1f Mbit/s", x / 1e6);
	else
		fputs("–", f);
}

/* A step's cell of one side and scenario (names may hold dots: no path). */
static struct json_object *cell_of(struct json_object *step, const char *side, const char *scen)
{
	struct json_object *c = jsonx_get(jsonx_get(step, "cells"), side), *v = NULL;

	return c && json_object_object_get_ex(c, scen, &v) ? v : NULL;
}

static struct json_object *target_pair(struct json_object *step, const char *scen)
{
	struct json_object *pairs = jsonx_get(step, "pairs");
	size_t i;

	for (i = 0; pairs && i < json_object_array_length(pairs); i++) {
		struct json_object *p = json_object_array_get_idx(pairs, i);

		if (!strcmp(str(p, "scenario"), scen) && !strcmp(str(p, "metric"), "throughput"))
			return p;
	}
	return NULL;
}

static void delta(FILE *f, struct json_object *p)
{
	double d, lo, hi;

	if (jsonx_num_at(p, "delta_percent", &d) && jsonx_num_at(p, "low_percent", &lo) &&
	    jsonx_num_at(p, "high_percent", &hi))
		fprintf(f, "%+.1f%% [%+.1f%%, %+.1f%%]", d, lo, hi);
	else
		fputs("–", f);
}

/* One §7.1 row: the cell's columns, then Δ and verdict of pair p. */
static void row(FILE *f, const char *step, const char *config, struct json_object *cell,
		struct json_object *p)
{
	fprintf(f, "| %s | %s | ", step, config);
	mbps(f, cell);
	fputs(" | ", f);
	delta(f, p);
	fprintf(f, " | %s | ", p ? str(p, "verdict") : "–");
	num(f, cell, "top_softirq", 1);
	fputs(" | ", f);
	num(f, cell, "softnet_drops", 0);
	fputs(" | ", f);
	num(f, cell, "interface_drops", 0);
	fputs(" | ", f);
	num(f, cell, "rtt_p99_ms", 2);
	fputs(" |\n", f);
}

static void table(FILE *f, struct json_object *doc, const char *scen)
{
	struct json_object *steps = jsonx_get(doc, "steps"), *conf = jsonx_get(doc, "confirm"), *s;
	char config[160], label[16];
	size_t i;
	bool first = true;

	fprintf(f, "\n### %s\n\n| step | config | throughput | Δ vs the row above [95%% interval] | verdict "
		"| top core %%soft | softnet drops | interface drops | RTT p99 ms |\n"
		"|---|---|---:|---:|---|---:|---:|---:|---:|\n", scen);
	for (i = 0; steps && i < json_object_array_length(steps); i++) {
		s = json_object_array_get_idx(steps, i);
		if (first && jsonx_get(s, "cells")) {
			snprintf(config, sizeof(config), "start: %s", str(doc, "start.variant"));
			row(f, "0", config, cell_of(s, "best", scen), NULL);
			first = false;
		}
		if (!json_object_get_boolean(jsonx_get(s, "kept")))
			continue;
		snprintf(config, sizeof(config), "+ %s", str(s, "candidate"));
		snprintf(label, sizeof(label), "%d", json_object_get_int(jsonx_get(s, "step")));
		row(f, label, config, cell_of(s, "candidate", scen), target_pair(s, scen));
	}
	if (first)
		fputs("| – | no step was measured | | | | | | | |\n", f);
	if (conf && jsonx_get(conf, "cells")) {
		snprintf(config, sizeof(config), "**tuned vs start** (one interleaved run: %s%s)", str(conf, "dir"),
			 jsonx_get(conf, "same_as_step") ? ", the kept step's" : "");
		row(f, "confirm", config, cell_of(conf, "candidate", scen), target_pair(conf, scen));
	}
}

static void reasons(FILE *f, struct json_object *s, const char *key, const char *sep)
{
	struct json_object *r = jsonx_get(s, key);
	size_t i;

	for (i = 0; r && i < json_object_array_length(r); i++)
		fprintf(f, "%s%s", i ? sep : "", json_object_get_string(json_object_array_get_idx(r, i)));
}

static void rejected(FILE *f, struct json_object *doc)
{
	struct json_object *steps = jsonx_get(doc, "steps"), *sk = jsonx_get(doc, "skipped");
	size_t i, n = 0;

	fputs("\n## Rejected candidates\n\n| step | candidate | round | verdict on the target | why |\n"
	      "|---|---|---:|---|---|\n", f);
	for (i = 0; steps && i < json_object_array_length(steps); i++) {
		struct json_object *s = json_object_array_get_idx(steps, i), *tp = NULL;
		size_t t;

		if (json_object_get_boolean(jsonx_get(s, "kept")))
			continue;
		for (t = 0; !tp && t < json_object_array_length(jsonx_get(doc, "targets")); t++)
			tp = target_pair(s, json_object_get_string(
				json_object_array_get_idx(jsonx_get(doc, "targets"), t)));
		fprintf(f, "| %d | %s | %d | %s ", json_object_get_int(jsonx_get(s, "step")),
			str(s, "candidate"), json_object_get_int(jsonx_get(s, "round")), tp ? str(tp, "verdict") : "–");
		delta(f, tp);
		fputs(" | ", f);
		if (json_object_get_boolean(jsonx_get(s, "interrupted")))
			fputs("interrupted by a signal", f);
		else if (!strcmp(str(s, "run"), "running"))
			fputs("running when this was written (a tune killed here stops here)", f);
		reasons(f, s, "reasons", "; ");
		fputs(" |\n", f);
		n++;
	}
	for (i = 0; sk && i < json_object_array_length(sk); i++, n++) {
		struct json_object *s = json_object_array_get_idx(sk, i);

		fprintf(f, "| – | %s | %d | skipped | %s |\n", str(s, "candidate"),
			json_object_get_int(jsonx_get(s, "round")), str(s, "why"));
	}
	if (!n)
		fputs("| – | none | | | |\n", f);
}

static void round_md(FILE *f, struct json_object *r)
{
	struct json_object *fs = jsonx_get(r, "doctor.findings"), *cs = jsonx_get(r, "candidates");
	struct json_object *un = jsonx_get(r, "unaddressed");
	size_t i;

	fprintf(f, "\n### Round %d, on %s\n\n", json_object_get_int(jsonx_get(r, "round")), str(r, "best"));
	if (jsonx_get(r, "doctor_skipped"))
		fprintf(f, "The doctor did not run: %s.\n\n", str(r, "doctor_skipped"));
	else if (jsonx_get(r, "doctor.error"))
		fprintf(f, "The doctor could not run: %s. Candidates come from the sequence alone.\n\n",
			str(r, "doctor.error"));
	else if (jsonx_get(r, "doctor"))
		fprintf(f, "Doctor (`%s/findings.json`): %zu finding(s).\n\n", str(r, "doctor.dir"),
			fs ? json_object_array_length(fs) : 0);
	for (i = 0; fs && i < json_object_array_length(fs); i++) {
		struct json_object *x = json_object_array_get_idx(fs, i);

		fprintf(f, "- **%s** (%s, %s %s): %s\n", str(x, "id"), str(x, "severity"), str(x, "node"),
			jsonx_str_at(x, "link") ? str(x, "link") : "", str(x, "advice"));
	}
	if (un && json_object_array_length(un)) {
		fputs("\nNo candidate of tune's table addresses ", f);
		reasons(f, r, "unaddressed", ", ");
		fputs(": the advice above is a fix outside the knobs.\n", f);
	}
	if (jsonx_get(r, "outside_pool") && json_object_array_length(jsonx_get(r, "outside_pool"))) {
		fputs("\nThe candidates of ", f);
		reasons(f, r, "outside_pool", ", ");
		fputs(" are not in --candidates: not tried.\n", f);
	}
	fputs("\nCandidates, in the order tried:\n\n", f);
	for (i = 0; cs && i < json_object_array_length(cs); i++) {
		struct json_object *k = json_object_array_get_idx(cs, i);

		fprintf(f, "- %s — %s", str(k, "name"), str(k, "ref"));
		if (jsonx_get(k, "proposed_by")) {
			fputs("; proposed by ", f);
			reasons(f, k, "proposed_by", ", ");
		} else {
			fprintf(f, "; from the %s", str(k, "from"));
		}
		if (jsonx_get(k, "not_tried"))
			fprintf(f, "; not tried: %s", str(k, "not_tried"));
		fputs("\n", f);
	}
}

static void pairs_md(FILE *f, struct json_object *s)
{
	struct json_object *ps = jsonx_get(s, "pairs");
	size_t i;

	fputs("\n| scenario | metric | role | medians (best → candidate) | Δ [95% interval] | p (Holm) "
	      "| verdict | note |\n|---|---|---|---|---:|---:|---|---|\n", f);
	for (i = 0; ps && i < json_object_array_length(ps); i++) {
		struct json_object *p = json_object_array_get_idx(ps, i), *m = jsonx_get(p, "medians");
		double a = NAN, b = NAN;

		if (m && json_object_array_length(m) == 2) {
			a = json_object_get_double(json_object_array_get_idx(m, 0));
			b = json_object_get_double(json_object_array_get_idx(m, 1));
		}
		fprintf(f, "| %s | %s | %s | %.2f → %.2f %s | ", str(p, "scenario"), str(p, "metric"),
			str(p, "role"), a, b, str(p, "unit"));
		delta(f, p);
		fputs(" | ", f);
		num(f, p, "p_holm", 4);
		fprintf(f, " | %s%s | %s%s%s |\n", str(p, "verdict"),
			json_object_get_boolean(jsonx_get(p, "counts")) ? " **(counts)**" : "", str(p, "why"),
			jsonx_get(p, "note") ? "; " : "", jsonx_get(p, "note") ? str(p, "note") : "");
	}
}

static void step_md(FILE *f, struct json_object *s, bool confirm)
{
	struct json_object *adds = jsonx_get(s, "adds");
	size_t i;

	if (confirm && jsonx_get(s, "same_as_step"))
		fprintf(f, "\n### Confirmation: %s against %s\n\nStep %d measured these two configurations "
			"in one interleaved run (`%s`): the claim \"tuned vs start\" rests on it, and no "
			"second run was needed.\n", str(s, "final"), str(s, "start"),
			json_object_get_int(jsonx_get(s, "step")), str(s, "dir"));
	else if (confirm)
		fprintf(f, "\n### Confirmation (step %d): %s against %s\n\nRun: `%s` (%s). One run, the two "
			"interleaved: the claim \"tuned vs start\" rests on this, not on the rows above.\n",
			json_object_get_int(jsonx_get(s, "step")), str(s, "final"), str(s, "start"),
			str(s, "dir"), str(s, "run"));
	else
		fprintf(f, "\n### Step %d (round %d): %s + %s — %s\n\nRun: `%s` (%s); variant `variants/%s.json`.\n",
			json_object_get_int(jsonx_get(s, "step")), json_object_get_int(jsonx_get(s, "round")),
			str(s, "best"), str(s, "candidate"), json_object_get_boolean(jsonx_get(s, "kept")) ?
			"**kept**" : "rejected", str(s, "dir"), str(s, "run"), str(s, "variant"));
	if (jsonx_get(s, "history_run") && !(confirm && jsonx_get(s, "same_as_step")))
		fprintf(f, "In the history as run %lld (`wgbench history show %lld`).\n",
			(long long)json_object_get_int64(jsonx_get(s, "history_run")),
			(long long)json_object_get_int64(jsonx_get(s, "history_run")));
	for (i = 0; adds && i < json_object_array_length(adds); i++)
		fprintf(f, "%s`%s`", i ? ", " : "Adds: ", json_object_to_json_string_ext(
			json_object_array_get_idx(adds, i), JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	fputs(adds ? "\n" : "", f);
	pairs_md(f, s);
	if (jsonx_get(s, "tolerated") && json_object_array_length(jsonx_get(s, "tolerated"))) {
		fputs("\nTolerated (below the RTT slack): ", f);
		reasons(f, s, "tolerated", "; ");
		fputs("\n", f);
	}
}

static void header(FILE *f, struct json_object *doc)
{
	fprintf(f, "# wgbench tune\n\nStart: `%s`%s%s%s. Targets: ", str(doc, "start.variant"),
		jsonx_get(doc, "start.file") ? " (`" : " (the testbed as built",
		jsonx_get(doc, "start.file") ? str(doc, "start.file") : "", jsonx_get(doc, "start.file") ? "`)" : ")");
	reasons(f, doc, "targets", ", ");
	fputs(". Measured in every step: ", f);
	reasons(f, doc, "scenarios", ", ");
	fprintf(f, ". %d repeat(s) of ", json_object_get_int(jsonx_get(doc, "options.repeat")));
	num(f, doc, "options.duration_s", 0);
	fputs(" s per variant x scenario, the two variants of a step interleaved in one run; "
	      "threshold ±", f);
	num(f, doc, "options.threshold_percent", 1);
	fputs("%, RTT slack ", f);
	num(f, doc, "options.rtt_slack_ms", 0);
	fputs(" ms.\n\n", f);
	fprintf(f, "**Stopped: %s** — %s.", str(doc, "stopped"), str(doc, "stopped_why"));
	if (jsonx_get(doc, "elapsed_s")) {
		fputs(" Elapsed: ", f);
		num(f, doc, "elapsed_s", 0);
		fputs(" s.", f);
	}
	if (jsonx_get(doc, "history")) {
		fprintf(f, "\n\nHistory (%s%s%s): every step's run is recorded as `run --history` records one",
			str(doc, "history.store"), jsonx_get(doc, "history.db") ? " " : "",
			jsonx_get(doc, "history.db") ? str(doc, "history.db") : "");
		if (jsonx_get(doc, "final.history_run"))
			fprintf(f, "; tuned vs start is run %lld",
				(long long)json_object_get_int64(jsonx_get(doc, "final.history_run")));
		fputs(".", f);
	}
	fputs("\n\nA candidate is kept when a target's throughput improves (verdict *improvement*) and "
	      "nothing guarded gets worse: no *regression* or *failed* on the other scenarios' "
	      "throughput, on RTT p99 of any scenario (a rise below the slack is tolerated), or on "
	      "softnet or interface drops where they are beyond the trivial level (reference 002 "
	      "§5.3: 100 per 30 s) and the sender is paced. Targets and guards are two Holm "
	      "families. A repeat disturbed by work outside the testbed is set aside while two calm "
	      "ones remain; else the pair is judged on every repeat and says so.\n", f);
}

int tune_md_render(struct json_object *doc, char **out)
{
	struct json_object *t = jsonx_get(doc, "targets"), *r = jsonx_get(doc, "rounds");
	struct json_object *s = jsonx_get(doc, "steps");
	size_t len = 0, i;
	FILE *f = open_memstream(out, &len);

	if (!f)
		return -ENOMEM;
	header(f, doc);
	fputs("\n## The table (reference 002 §7.1)\n\nOne row per kept step, each the row above plus one "
	      "knob. Throughput is the target's median in that step's run and Δ its change against the "
	      "row above measured in the same run: rows of different runs also differ by drift, Δ "
	      "does not. Drops are medians per run (of the measured seconds), RTT p99 the latency "
	      "probe's under that load.\n", f);
	for (i = 0; t && i < json_object_array_length(t); i++)
		table(f, doc, json_object_get_string(json_object_array_get_idx(t, i)));
	rejected(f, doc);
	fputs("\n## Rounds\n", f);
	for (i = 0; r && i < json_object_array_length(r); i++)
		round_md(f, json_object_array_get_idx(r, i));
	fputs("\n## Steps\n", f);
	for (i = 0; s && i < json_object_array_length(s); i++)
		step_md(f, json_object_array_get_idx(s, i), false);
	if (jsonx_get(doc, "confirm"))
		step_md(f, jsonx_get(doc, "confirm"), true);
	fputs("\n## Persistence (reference 002 §8)\n\n`tuned.json` is the final variant (`wgbench run "
	      "--variant tuned.json` measures it again). `persist/99-wgbench-tuned.conf` (sysctl.d), "
	      "`persist/wgbench-tuned.service` and `persist/wgbench-tuned.sh` (everything that is not "
	      "a sysctl) are written, never installed; each line names the step that earned it.\n", f);
	if (fclose(f))
		return -errno;
	return 0;
}
