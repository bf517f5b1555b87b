/* fuzz_hosts_file.c — the hosts file of --backend hosts (hosts_file_parse,
 * as hosts_file_load reads a file). What it accepts reaches ssh as argv and
 * the agents as device names, so check what the contract promises: each
 * node of the shape present with a destination that cannot be read as an
 * option or split by a shell, and device names the kernel could have. */
#include "fuzz.h"
#include "hosts_file.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	return 0;
}

static void check_node(const struct hosts_node *n)
{
	const char *p;
	size_t k;

	fuzz_check(n->ssh[0] && n->ssh[0] != '-');
	for (p = n->ssh; *p; p++)
		fuzz_check(!isspace((unsigned char)*p) && !iscntrl((unsigned char)*p));
	for (k = 0; k < 2; k++) {
		if (!n->link[k].present)
			continue;
		fuzz_check(n->link[k].dev[0] && strlen(n->link[k].dev) < IFNAMSIZ);
		fuzz_check(!strchr(n->link[k].dev, '/') && !strchr(n->link[k].dev, ' '));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hosts_file *hf = calloc(1, sizeof(*hf));
	struct hosts_errs *errs = calloc(1, sizeof(*errs));
	char *text = fuzz_text(data, size);
	size_t i, present = 0;

	fuzz_check(hf && errs);
	if (!hosts_file_parse(text, size, "fuzz.json", hf, errs)) {
		fuzz_check(errs->n == 0);
		for (i = 0; i < NODE__COUNT; i++)
			if (hf->node[i].present) {
				present++;
				check_node(&hf->node[i]);
			}
		fuzz_check(present == (hf->shape == TOPO_P2P ? 2 : 4));
	} else {
		fuzz_check(errs->n >= 1 && errs->n <= HOSTS_FILE_MAX_ERRS);
		for (i = 0; i < errs->n; i++)
			fuzz_check(!strncmp(errs->msg[i], "fuzz.json", 9));
	}
	free(text);
	free(errs);
	free(hf);
	return 0;
}
