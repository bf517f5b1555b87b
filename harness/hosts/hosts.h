/* hosts.h — --backend hosts: the testbed's nodes are machines reached
 * with the system's OpenSSH (doc/hosts.md). On each, this same wgbench runs
 * as the node agent (`wgbench agent --stdio`, harness/agent/), one ssh
 * connection per machine for the whole run; the agents build their parts
 * (agent_host.h), sample their own counters and apply variants; the
 * controller merges their answers into one results directory.
 *
 * hosts_bed_open() is a bed (bed.h). Open touches nothing: it reads the
 * hosts file (--hosts), reaches every machine (the agent's hello), and has
 * each check its part (devices, given addresses, free plan addresses,
 * WireGuard, the prefix's lock); any failure names the machine and what
 * failed, closes the others, and is bad input (exit 2).
 *
 * hosts_cleanup() (`wgbench cleanup --hosts FILE`): on every machine of
 * the file it reaches, what a killed run of --prefix left, removed.
 */
#ifndef WGB_HOSTS_H
#define WGB_HOSTS_H

struct bed;
struct opts;

int hosts_bed_open(const struct opts *o, const char *out_dir, struct bed **out);
int hosts_cleanup(const struct opts *o);

#endif
