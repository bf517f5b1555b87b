/* history_baseline.h — the baseline of `wgbench compare history[:FILTER] NEW`:
 * the last N runs in the history that match NEW's fingerprint, as the
 * per-variant x scenario sample vectors compare needs. CI then needs no
 * stored BASE directory.
 *
 * FILTER is comma-separated key=value, N always explicit:
 *   last=N         the N most recent matching runs per variant x scenario (required)
 *   kernel=REL     only runs on that kernel release (the kernel is otherwise
 *                  free: it is what a kernel CI changes between BASE and NEW)
 *   variant=NAME   only that variant; scenario=NAME only that scenario
 *   hash=any       accept a variant whose content differs from NEW's (default:
 *                  the variant's sha256 must be NEW's)
 * A run matches when it ran before NEW on the same machine (machine id), the
 * same backend, the same WireGuard implementation, CPU model and core count;
 * a cell of it matches a cell of NEW when variant name, scenario name and the
 * scenario's parameters (traffic and run options, by hash) are the same.
 * NEW itself (same run key) is never part of its own baseline.
 *
 * For each NEW cell the result holds two vectors per metric: `runs` has one
 * value per baseline run (its median; run-to-run drift is in it, which is
 * what a separate NEW run differs by, so this is the vector to test NEW's
 * repeats against), and `repeats` every successful repeat of those runs
 * pooled (more values, but blind to drift between runs).
 */
#ifndef WGB_HISTORY_BASELINE_H
#define WGB_HISTORY_BASELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "history.h"

struct history_baseline_spec {
	size_t last;
	const char *kernel, *variant, *scenario;   /* point into the parsed text */
	bool any_hash;
	char *text;                                /* owned copy of the filter */
};

/* "last=5,kernel=6.1.0-25" (a leading "history:" is accepted); -EINVAL with a
 * message naming the key for anything else, or when last= is missing. */
int history_baseline_parse(const char *filter, struct history_baseline_spec *out);
void history_baseline_spec_clear(struct history_baseline_spec *s);

struct history_vec {
	double *v;
	size_t n;
};

struct history_baseline_cell {
	char *variant, *scenario;          /* NEW's names */
	struct history_vec bps_runs, bps_repeats;        /* bit/s */
	struct history_vec rtt_runs, rtt_repeats;        /* RTT p99, ms; empty if unmeasured */
	int64_t *runs;                     /* ids of the baseline runs, newest first */
	double *starts;                    /* and their start times */
	size_t n_runs;
};

struct history_baseline {
	struct history_baseline_cell *cells;   /* one per NEW cell, NEW's order */
	size_t n;
};

/* 0 (cells without a matching run have n_runs = 0), or -errno. */
int history_baseline_select(struct history *h, const char *new_dir,
			    const struct history_baseline_spec *spec, struct history_baseline **out);
void history_baseline_free(struct history_baseline *b);
/* The selection as JSON (what `wgbench history baseline` prints). */
int history_baseline_json(const struct history_baseline *b, char **out);

#endif
