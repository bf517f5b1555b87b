/* report.h — everything a person reads, made from a results directory alone.
 *
 * report_write() reads RESULTS_DIR/results.json, run.json and samples/, and
 * (re)writes summary[] into results.json, summary.md, summary.csv, plots/
 * (gnuplot .gp + .dat + PNG + SVG) and report.html. It is what `wgbench run`
 * calls at the end and what `wgbench report DIR` calls alone, so the tables
 * can always be recomputed from the raw data.
 */
#ifndef WGB_REPORT_H
#define WGB_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "verdict.h"

struct json_object;

int report_write(const char *results_dir, bool quiet);

/* The verdicts summary[] would give the directory as it stands (each
 * variant against the first, at run.json's sequential alpha if any): the
 * pairs of each kind in count[], and the undecided ones (inconclusive,
 * disturbed: verdict_seq_undecided()) as a new JSON
 * array of {"variant","scenario","why"}. What `run --repeat auto` looks at
 * after a round. 0, or the -errno of report_data_load (message printed). */
int report_judge(const char *results_dir, size_t count[VERDICT_COUNT], struct json_object **undecided);

#endif
