/* compare.h — before/after verdicts between two results directories.
 *
 * Cells are matched variant x scenario by name; when each side holds a
 * single variant they are matched whatever their names (a kernel upgrade
 * renames nothing else). A pair is a regression only when NEW's median is
 * lower by more than the threshold AND Welch's test says the difference is
 * significant (alpha = 0.05); the mirror case is an improvement, reported
 * and never failed. A scenario with no successful run in NEW, where BASE has
 * some, is a regression too. Pure logic over loaded data: no I/O here
 * except the renderers' strings.
 */
#ifndef WGB_COMPARE_H
#define WGB_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "stats.h"

struct report_data;
struct report_cell;

enum compare_verdict {
	COMPARE_SAME,          /* within the threshold, or not significant */
	COMPARE_REGRESSION,
	COMPARE_IMPROVEMENT,
	COMPARE_NO_BASE,       /* BASE has no successful run: nothing to compare */
};

struct compare_row {
	const struct report_cell *base, *new_;
	struct stats_comparison cmp;
	enum compare_verdict verdict;
	const char *why;       /* a short reason, static text */
};

struct compare_result {
	const struct report_data *base, *new_;
	double threshold_percent;
	double apart_s;        /* NEW start - BASE start; NAN if unknown */
	struct compare_row *rows;
	size_t n_rows, regressions, improvements;
};

/* 0; -ENODATA when no variant x scenario is common to both (message printed). */
int compare_data(const struct report_data *base, const struct report_data *new_,
		 double threshold_percent, struct compare_result **out);
void compare_result_free(struct compare_result *r);

const char *compare_verdict_name(enum compare_verdict v);
int compare_markdown(const struct compare_result *r, char **out);
int compare_junit(const struct compare_result *r, char **out);
int compare_json(const struct compare_result *r, char **out);

#endif
