/* fuzz_iperf3.c — iperf3's JSON output as the traffic layer reads it
 * (traffic_parse_json): a client's document with the server's inside. */
#include "fuzz.h"
#include "traffic.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size), err[256];
	struct traffic_metrics m;

	err[0] = 0;
	if (traffic_parse_json(text, &m, err, sizeof(err)))
		fuzz_check(err[0]);   /* a refusal always says why */
	fuzz_check(memchr(err, 0, sizeof(err)));
	free(text);
	return 0;
}
