/* results.h — the results directory of one run, written so a reader can
 * always trust what is there.
 *
 *   RESULTS_DIR/run.json       what was run and where (results_write_run_json)
 *   RESULTS_DIR/results.json   {"schema":"wgbench.results/2","runs":[...],"summary":[],
 *                              "skipped":[{"variant","reason"}] or null}
 *                              rewritten atomically after EVERY finished
 *                              scenario, so a killed run leaves a valid file
 *                              with what finished
 *   RESULTS_DIR/raw/<variant>/<scenario>/r<repeat>-f<flow>.json
 *                              the iperf3 JSON of every flow, verbatim
 *   RESULTS_DIR/samples/<variant>/<scenario>/r<repeat>.json
 *                              the sampler's counter timeline (path handed to it)
 *
 * results_check_dir() only looks (used before anything is built);
 * results_open() creates. Both print one line naming the directory and the
 * problem and return -EEXIST (not empty, no --force), -ENOTDIR, -EACCES/-EROFS
 * (not writable) or another -errno.
 */
#ifndef WGB_RESULTS_H
#define WGB_RESULTS_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;
struct results;

#define RESULTS_SCHEMA "wgbench.results/2"

int results_check_dir(const char *dir, bool force);
int results_open(const char *dir, bool force, struct results **out);
void results_free(struct results *r);
const char *results_dir(const struct results *r);

/* Writes raw/<variant>/<scenario>/r<repeat>-f<flow>.json; *rel receives the
 * path relative to the results directory (malloc'd). */
int results_write_raw(struct results *r, const char *variant, const char *scenario,
		      unsigned int repeat, unsigned int flow, const char *json, char **rel);
/* Makes samples/<variant>/<scenario>/ and gives r<repeat>.json inside it,
 * relative (rel) and absolute (abs), both malloc'd. */
int results_sample_path(struct results *r, const char *variant, const char *scenario,
			unsigned int repeat, char **rel, char **abs);

/* Appends one runs[] entry (takes ownership) and rewrites results.json. */
int results_add_run(struct results *r, struct json_object *entry);
size_t results_run_count(const struct results *r);
/* Records a variant the run skips (the testbed cannot do it) and rewrites
 * results.json. */
int results_skip_variant(struct results *r, const char *variant, const char *reason);
/* Rewrites results.json as it stands (also when no run finished). */
int results_flush(struct results *r);
/* Writes run.json (a copy of the object is not kept). */
int results_write_run_json(struct results *r, struct json_object *run);

/* {"hostname","cpu_model","cores","kernel_release","machine"} of this host. */
int results_host_json(struct json_object **out);
/* "2025-01-31T12:00:00.123Z" */
int results_iso_time(double wall, char *buf, size_t len);

#endif
