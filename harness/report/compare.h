/* compare.h — before/after verdicts between two results directories.
 *
 * Cells are matched variant x scenario by name; when each side holds a
 * single variant they are matched whatever their names (a kernel upgrade
 * renames nothing else). A cell on one side only is a `missing` pair. Each
 * pair is judged by verdict.h (one Holm family per compare), on throughput
 * (higher is better), latency (runs[].latency.rtt_ms.p99, lower is better)
 * or both; the canary of run.json is compared within each side and between
 * them. With both, a pair whose throughput and latency each moved (each a
 * regression or an improvement) is named as such in every output: a
 * change that buys throughput with queueing says both. Pure logic over loaded data: no I/O here except the renderers'
 * strings (compare_out.c).
 */
#ifndef WGB_COMPARE_H
#define WGB_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "stats.h"
#include "verdict.h"

struct report_data;
struct report_cell;

enum compare_metric {
	COMPARE_THROUGHPUT = 1,
	COMPARE_LATENCY = 2,
	COMPARE_BOTH = 3,
};

struct compare_row {
	const struct report_cell *base, *new_;   /* NULL on the side where it is missing */
	const char *variant_base, *variant_new, *scenario;
	bool latency;                            /* p99 RTT, ms; else throughput, bit/s */
	struct stats_summary sb, sn;             /* of each side's values (n > 0) */
	struct verdict_pair p;
	long other;                              /* --metric both: the other metric's row; -1 */
};

struct compare_result {
	const struct report_data *base, *new_;
	double threshold_percent;
	double apart_s;        /* NEW start - BASE start; NAN if unknown */
	enum compare_metric metric;
	struct compare_row *rows;
	size_t n_rows, n_tested;
	size_t count[VERDICT_COUNT];
};

/* 0; -ENODATA when no variant x scenario is common to both, or latency was
 * asked for and neither side measured it (message printed). */
int compare_data(const struct report_data *base, const struct report_data *new_,
		 double threshold_percent, enum compare_metric metric, struct compare_result **out);
void compare_result_free(struct compare_result *r);
/* "throughput", "latency", "both" -> the metric; -EINVAL otherwise. */
int compare_metric_parse(const char *s, enum compare_metric *out);

/* The pair's row of the other metric (--metric both), or NULL. */
const struct compare_row *compare_other(const struct compare_result *r, const struct compare_row *w);
/* Both metrics of w's pair moved: each a regression or an improvement. */
bool compare_both_moved(const struct compare_result *r, const struct compare_row *w);
/* "throughput improvement (+7.4%) and p99 RTT regression (+432.4%)" for a
 * pair whose both metrics moved; "" otherwise. */
void compare_fmt_both(const struct compare_result *r, const struct compare_row *w, char *buf,
		      size_t len);
/* How many pairs moved on both metrics (each counted once). */
size_t compare_count_both(const struct compare_result *r);

/* 0 every pair improved or equivalent, 1 a regression or a failure,
 * 3 anything else (DESIGN.md); with bisect, git bisect run's 0 good,
 * 1 bad, 125 cannot tell (also for every other code, e.g. bad input). */
int compare_exit_code(const struct compare_result *r);
int compare_bisect_code(int exit_code);

int compare_markdown(const struct compare_result *r, char **out);
int compare_junit(const struct compare_result *r, char **out);
int compare_json(const struct compare_result *r, char **out);

#endif
