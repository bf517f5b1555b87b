/* history_prom.h — the OpenMetrics text export of a set of series. */
#ifndef WGB_HISTORY_PROM_H
#define WGB_HISTORY_PROM_H

#include <stddef.h>

#include "history.h"

/* The text (malloc'd, *len bytes) and the file, written atomically. */
int history_prom_render(const struct history_set *set, char **out, size_t *len);
int history_prom_write(const struct history_set *set, const char *path);

#endif
