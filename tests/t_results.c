/* t_results.c — the results directory: refusals (not empty without --force,
 * not a directory), results.json rewritten whole after each run with the
 * schema, raw files where runs[] says, ISO-8601 UTC times. */
#include "results.h"
#include "util.h"

#include <errno.h>
#include <ftw.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T_NAME "t_results"
#define CHECK T_CHECK_COND
#include "t_common.h"

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	return remove(p);
}

int main(void)
{
	char dir[] = "/tmp/wgb-t-results.XXXXXX", path[512], t[40], *rel = NULL, *abs = NULL;
	struct results *r = NULL;
	struct json_object *doc, *runs, *e;

	CHECK(mkdtemp(dir) != NULL);
	CHECK(results_check_dir(dir, false) == 0);           /* empty: fine */
	snprintf(path, sizeof(path), "%s/sub/deeper", dir);
	CHECK(results_check_dir(path, false) == 0);          /* to be made */
	CHECK(results_open(path, false, &r) == 0);
	CHECK(results_flush(r) == 0);
	snprintf(path, sizeof(path), "%s/sub/deeper/results.json", dir);
	doc = json_object_from_file(path);
	CHECK(doc && json_object_object_get_ex(doc, "runs", &runs) && json_object_array_length(runs) == 0);
	json_object_put(doc);

	e = json_object_new_object();
	json_object_object_add(e, "scenario", json_object_new_string("udp"));
	CHECK(results_add_run(r, e) == 0);
	CHECK(results_add_run(r, json_object_new_object()) == 0);
	CHECK(results_run_count(r) == 2);
	doc = json_object_from_file(path);
	CHECK(doc && json_object_object_get_ex(doc, "runs", &runs) && json_object_array_length(runs) == 2);
	CHECK(doc && !strcmp(json_object_get_string(json_object_object_get(doc, "schema")), RESULTS_SCHEMA));
	json_object_put(doc);

	CHECK(results_write_raw(r, "baseline", "udp", 2, 3, "{\"x\":1}", &rel) == 0);
	CHECK(rel && !strcmp(rel, "raw/baseline/udp/r2-f3.json"));
	snprintf(path, sizeof(path), "%s/sub/deeper/%s", dir, rel ? rel : "");
	CHECK(access(path, R_OK) == 0);
	free(rel);
	rel = NULL;
	fprintf(stderr, "(the following error lines are expected)\n");
	CHECK(results_write_raw(r, "../x", "udp", 1, 0, "{}", &rel) == -EINVAL);
	CHECK(results_sample_path(r, "baseline", "tcp-fwd", 1, &rel, &abs) == 0);
	CHECK(rel && !strcmp(rel, "samples/baseline/tcp-fwd/r1.csv"));
	free(rel);
	free(abs);
	results_free(r);

	/* Now the directory holds files: refused without --force, fine with it. */
	snprintf(path, sizeof(path), "%s/sub/deeper", dir);
	CHECK(results_check_dir(path, false) == -EEXIST);
	CHECK(results_check_dir(path, true) == 0);
	snprintf(path, sizeof(path), "%s/sub/deeper/results.json/x", dir);
	CHECK(results_check_dir(path, false) == -ENOTDIR);

	CHECK(results_iso_time(0.25, t, sizeof(t)) == 0 && !strcmp(t, "1970-01-01T00:00:00.250Z"));
	CHECK(results_iso_time(1700000000.0, t, sizeof(t)) == 0 && !strcmp(t, "2023-11-14T22:13:20.000Z"));

	CHECK(nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS) == 0);
	if (failures)
		fprintf(stderr, "t_results: %d failures\n", failures);
	return failures ? 1 : 0;
}
