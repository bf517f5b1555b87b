/* fuzz_results.c — results.json and run.json as `compare` and `report`
 * read them (report_data_parse), then everything they compute from them:
 * the tables, the evidence line, and compare against a real run and
 * against itself with every renderer.
 *
 * Input: results.json, optionally a NUL and run.json. raw/ paths are read
 * from a real results directory (WGB_FUZZ_RESULTS, default
 * tests/data/results-a), so an input naming its raw files is verified. */
#include "fuzz.h"
#include "compare.h"
#include "report_data.h"

#include <stdlib.h>
#include <string.h>

static struct report_data *base;
static const char *dir = "tests/data/results-a";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (getenv("WGB_FUZZ_RESULTS"))
		dir = getenv("WGB_FUZZ_RESULTS");
	if (report_data_load(dir, &base))
		fuzz_fail(__FILE__, __LINE__, "the base results directory does not load");
	fuzz_init();
	return 0;
}

static void compare_all(const struct report_data *b, const struct report_data *n)
{
	static const enum compare_metric metrics[] = { COMPARE_THROUGHPUT, COMPARE_LATENCY,
						       COMPARE_BOTH };
	struct compare_result *r;
	char *text;
	size_t i;

	for (i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++) {
		if (compare_data(b, n, 5.0, metrics[i], &r))
			continue;
		fuzz_check(r->n_tested <= r->n_rows);
		(void)compare_bisect_code(compare_exit_code(r));
		text = NULL;
		if (!compare_markdown(r, &text))
			free(text);
		text = NULL;
		if (!compare_junit(r, &text))
			free(text);
		text = NULL;
		if (!compare_json(r, &text))
			free(text);
		compare_result_free(r);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_data *d = NULL;
	char *results, *run, *text;

	fuzz_split(data, size, &results, &run);
	if (!report_data_parse(dir, results, run, &d)) {
		fuzz_check(d->n_ok_runs >= d->n_raw_verified);
		text = NULL;
		if (!report_table_md(d, &text))
			free(text);
		text = NULL;
		if (!report_table_csv(d, &text))
			free(text);
		free(report_table_evidence(d));
		compare_all(base, d);
		compare_all(d, d);
	} else {
		fuzz_check(!d);
	}
	report_data_free(d);
	free(results);
	free(run);
	return 0;
}
