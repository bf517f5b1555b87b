/* scenario.h — the traffic scenarios, as data (scenarios/<name>.json).
 *
 * A scenario file is one JSON object:
 *   {"name": "tcp-fwd", "description": "...", "iperf3": "-P 8",
 *    "protocol": "tcp"|"udp", "flows": 1..128, "reverse": bool,
 *    "bidir": bool (optional, TCP only, not with reverse: iperf3 --bidir),
 *    "bandwidth_bps": 0 (unlimited) or bits/s per flow,
 *    "block_size": bytes per write (TCP 1..1048576, UDP 16..65507)}
 * "name" must equal the file name without ".json"; "description" and
 * "iperf3" (the equivalent command line, for people) are optional; any other
 * key is refused, so a typo is not silently ignored.
 *
 * Errors: a bad file gives one line naming the file, the field and what was
 * expected, and -EINVAL. Nothing here touches the machine.
 */
#ifndef WGB_SCENARIO_H
#define WGB_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

enum scenario_proto { SCENARIO_TCP, SCENARIO_UDP };

struct scenario {
	char *name;
	char *description;
	char *iperf3;               /* equivalent iperf3 options, may be NULL */
	char *file;                 /* where it was loaded from */
	enum scenario_proto protocol;
	unsigned int flows;
	bool reverse;
	bool bidir;                 /* both directions at once (--bidir) */
	uint64_t bandwidth_bps;     /* per flow; 0: unlimited (iperf3 -b 0) */
	unsigned int block_size;
};

struct scenario_set;

/* Parse one scenario from text; file names it in messages and must end in
 * <name>.json. */
int scenario_parse(const char *text, const char *file, struct scenario **out);
int scenario_load(const char *path, struct scenario **out);
void scenario_free(struct scenario *s);

/* Every *.json directly in dir (sub-directories such as variants/ are not
 * scenarios). Reports every bad file before returning -EINVAL. */
int scenario_load_dir(const char *dir, struct scenario_set **out);
void scenario_set_free(struct scenario_set *set);
size_t scenario_count(const struct scenario_set *set);
const struct scenario *scenario_at(const struct scenario_set *set, size_t i);
const struct scenario *scenario_find(const struct scenario_set *set, const char *name);

/* The directory of the shipped scenarios: $WGB_SCENARIO_DIR, else
 * <dir of the executable>/../scenarios (the source tree), else
 * WGB_DATADIR/scenarios (installed). */
int scenario_default_dir(char *buf, size_t len);

/* {"name","description","iperf3","protocol","flows","reverse","bidir",
 *  "bandwidth_bps","block_size","file"} for run.json. */
int scenario_to_json(const struct scenario *s, struct json_object **out);

const char *scenario_proto_name(enum scenario_proto p);

#endif
