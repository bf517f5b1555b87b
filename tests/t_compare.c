/* t_compare.c — compare.c's matching and verdict rules on fixture results
 * directories (tests/data/results-*): same configuration -> no regression,
 * half the throughput -> regressions named, improvements never fail,
 * single-variant runs match whatever the names, nothing in common -> error. */
#include "compare.h"
#include "report_data.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T_NAME "t_compare"
#define CHECK T_CHECK_MSG
#include "t_common.h"

static struct compare_result *cmp(const char *a, const char *b, double thr,
				  struct report_data **da, struct report_data **db, int *rc)
{
	struct compare_result *r = NULL;
	char pa[128], pb[128];

	snprintf(pa, sizeof(pa), "tests/data/%s", a);
	snprintf(pb, sizeof(pb), "tests/data/%s", b);
	*da = *db = NULL;
	*rc = report_data_load(pa, da);
	if (!*rc)
		*rc = report_data_load(pb, db);
	if (!*rc)
		*rc = compare_data(*da, *db, thr, &r);
	return r;
}

static void done(struct compare_result *r, struct report_data *a, struct report_data *b)
{
	compare_result_free(r);
	report_data_free(a);
	report_data_free(b);
}

/* A scenario that failed in every repeat of NEW is a regression. */
static void t_all_failed(void)
{
	char dir[] = "/tmp/t_compare.XXXXXX", path[64];
	struct report_data *a = NULL, *b = NULL;
	struct compare_result *r = NULL;
	FILE *f;

	if (!mkdtemp(dir))
		return;
	snprintf(path, sizeof(path), "%s/results.json", dir);
	f = fopen(path, "w");
	fputs("{\"schema\":\"wgbench.results/1\",\"runs\":["
	      "{\"variant\":\"x\",\"scenario\":\"udp\",\"repeat\":0,\"ok\":false,\"error\":\"e\","
	      "\"throughput_bps\":null},"
	      "{\"variant\":\"x\",\"scenario\":\"udp\",\"repeat\":1,\"ok\":false,\"error\":\"e\","
	      "\"throughput_bps\":null}]}", f);
	fclose(f);
	if (!report_data_load("tests/data/results-one", &a) && !report_data_load(dir, &b) &&
	    !compare_data(a, b, 5, &r)) {
		CHECK(r->n_rows == 1 && r->regressions == 1 &&
		      !strcmp(r->rows[0].why, "no successful run in NEW"), "all failed in NEW");
	} else {
		CHECK(0, "all-failed fixture did not load");
	}
	compare_result_free(r);
	report_data_free(a);
	report_data_free(b);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	struct report_data *a, *b;
	struct compare_result *r;
	char *text;
	int rc;

	r = cmp("results-a", "results-b", 5, &a, &b, &rc);
	CHECK(!rc && r && r->n_rows == 6 && !r->regressions, "same config: no regression");
	CHECK(r && fabs(r->apart_s - 3600) < 1e-9, "apart %g", r ? r->apart_s : NAN);
	if (r && !compare_markdown(r, &text)) {
		CHECK(strstr(text, "Verdict: no regression") && strstr(text, "1.0 h apart"), "%s", text);
		free(text);
	}
	done(r, a, b);

	r = cmp("results-a", "results-half", 5, &a, &b, &rc);
	CHECK(!rc && r && r->regressions == 6 && !r->improvements, "half: 6 regressions");
	if (r && !compare_markdown(r, &text)) {
		CHECK(strstr(text, "6 regression(s): baseline/tcp-fwd baseline/udp"), "%s", text);
		free(text);
	}
	if (r && !compare_junit(r, &text)) {
		CHECK(strstr(text, "tests=\"6\" failures=\"6\"") && strstr(text, "<failure"), "%s", text);
		free(text);
	}
	if (r && !compare_json(r, &text)) {
		CHECK(strstr(text, "\"regressions\":6") || strstr(text, "\"regressions\": 6"), "%s", text);
		free(text);
	}
	done(r, a, b);

	/* the mirror: improvements are reported, never failed */
	r = cmp("results-half", "results-a", 5, &a, &b, &rc);
	CHECK(!rc && r && !r->regressions && r->improvements == 6, "improvements");
	done(r, a, b);

	/* a difference both significant and beyond the threshold is needed */
	r = cmp("results-a", "results-half", 60, &a, &b, &rc);
	CHECK(!rc && r && !r->regressions, "threshold 60%%: no regression");
	done(r, a, b);

	/* one variant each side: matched whatever the names */
	r = cmp("results-one", "results-one-new", 5, &a, &b, &rc);
	CHECK(!rc && r && r->n_rows == 3 && r->regressions == 3, "single-variant matching");
	done(r, a, b);
	r = cmp("results-one", "results-one-new", 20, &a, &b, &rc);
	CHECK(!rc && r && !r->regressions, "-10%% under a 20%% threshold");
	done(r, a, b);

	r = cmp("results-a", "results-one", 5, &a, &b, &rc);
	CHECK(rc == -ENODATA && !r, "nothing in common: %d", rc);
	done(r, a, b);

	t_all_failed();
	if (failures)
		fprintf(stderr, "t_compare: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
