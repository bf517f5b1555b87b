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

int report_write(const char *results_dir, bool quiet);

#endif
