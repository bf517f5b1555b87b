/* history_out.h — what `wgbench history` prints: text tables or JSON built
 * in memory (tests compare them; *out is malloc'd), from one call each. */
#ifndef WGB_HISTORY_OUT_H
#define WGB_HISTORY_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "history.h"
#include "history_change.h"

int history_out_list(const struct history_run *runs, size_t n, bool json, char **out);
int history_out_show(const struct history_run *r, bool json, char **out);
/* {"changes":[{"scenario","variant","metric","index","run","before","after",
 * "delta_percent","p_value"}]} (DESIGN.md), or one line per change. */
int history_out_changes(const struct history_change *c, size_t n, size_t n_series,
			const struct history_change_opts *o, bool json, char **out);
/* One table per series: index, run, start, kernel, variant hash, n, level,
 * interval (or range, for RTT) and a mark where a change point starts. */
int history_out_trend(const struct history_set *set, enum history_metric m,
		      const struct history_change *c, size_t nc, bool json, char **out);
/* {"error": msg} for --json failures. */
int history_out_error(const char *msg, char **out);

#endif
