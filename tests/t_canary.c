/* t_canary.c — the machine-speed canary: a rate on every online CPU, the sum
 * their total, its JSON. How steady it is on a quiet machine is a figure of
 * `make bench`, not a test: a busy machine moves it, which is its purpose. */
#include "canary.h"
#include "util.h"

#include <json-c/json.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>

#define T_NAME "t_canary"
#define CHECK T_CHECK_COND
#include "t_common.h"

int main(void)
{
	struct canary_result a, b;
	struct json_object *j;
	cpu_set_t set;
	double sum = 0;
	size_t i;

	CHECK(canary_run(0.01, &a) == -22);
	CHECK(canary_run(0.2, &a) == 0);
	CHECK(sched_getaffinity(0, sizeof(set), &set) == 0);
	CHECK(a.ncpu == (size_t)CPU_COUNT(&set));
	for (i = 0; i < a.ncpu; i++) {
		CHECK(a.per_cpu[i] > 1000);   /* a 1420-byte seal takes microseconds */
		sum += a.per_cpu[i];
	}
	CHECK(fabs(sum - a.ops_per_s) < 1e-6 * sum);
	CHECK(canary_run(0.2, &b) == 0 && b.ops_per_s > 0);
	printf("t_canary: %.0f and %.0f packets/s on %zu CPU(s)\n", a.ops_per_s, b.ops_per_s, a.ncpu);
	j = canary_json(&a);
	CHECK(json_object_array_length(json_object_object_get(j, "per_cpu")) == a.ncpu);
	CHECK(json_object_get_int(json_object_object_get(j, "packet_bytes")) == CANARY_PACKET);
	json_object_put(j);
	if (failures)
		fprintf(stderr, "t_canary: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
