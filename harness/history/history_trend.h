/* history_trend.h — trend plots of a set of series (plots/trend.gp). */
#ifndef WGB_HISTORY_TREND_H
#define WGB_HISTORY_TREND_H

#include <stddef.h>

#include "history.h"
#include "history_change.h"

/* In dir (made if missing): per scenario x variant with that metric,
 * trend-<metric>-<scenario>-<variant>.{dat,gp} and, when gnuplot is there,
 * .png and .svg; the change points c[0..nc) of that metric as dashed lines.
 * *n_plots counts the plots written. A missing gnuplot is a warning. */
int history_trend_plot(const struct history_set *set, enum history_metric m,
		       const struct history_change *c, size_t nc, const char *dir, size_t *n_plots);

#endif
