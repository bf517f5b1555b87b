/* variant.h — configuration variants: parsed and validated as data, applied
 * through netlink/sysfs/procfs/ioctl/nftables, read back, and reverted.
 *
 * variant_load_all() validates every file and reports every problem (file,
 * field, what was expected) before returning -EINVAL; nothing is applied.
 * variant_check() tells whether the running kernel has what one variant needs
 * (a reason string if not, and the run skips that variant).
 * variant_apply() snapshots each value, applies it, reads it back; the
 * returned `applied` object owns the snapshots and variant_revert() restores
 * them. Host-wide values are also recorded in /run/wgbench/<prefix>host.json
 * so variant_restore_host() (called by `wgbench cleanup`) can restore them
 * after a SIGKILL.
 */
#ifndef WGB_VARIANT_H
#define WGB_VARIANT_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;
struct topo;
struct variant;
struct variant_set;
struct variant_applied;

/* With n == 0 the set holds only the built-in baseline. */
int variant_load_all(const char *const paths[], size_t n, struct variant_set **out);
/* One variant file's text (file names it in messages; NULL: built in), read
 * as variant_load_all() reads a file: a set of one, or -EINVAL after every
 * problem was printed. Nothing is applied. */
int variant_parse_text(const char *file, const char *text, size_t len, struct variant_set **out);
void variant_set_free(struct variant_set *s);
size_t variant_count(const struct variant_set *s);
const struct variant *variant_get(const struct variant_set *s, size_t i);

const char *variant_name(const struct variant *v);
/* Tunnels this variant needs; 0 when it does not say. */
unsigned int variant_tunnels(const struct variant *v);
/* Knobs its "set" list sets (an entry may set several; 0: the testbed as
 * built, like the baseline). */
size_t variant_knob_count(const struct variant *v);
/* {"name","file","text","sha256","description"} for run.json. */
int variant_describe(const struct variant *v, struct json_object **out);

int variant_check(const struct variant *v, const struct topo *t, char *why, size_t len);
int variant_apply(const struct variant *v, struct topo *t, struct variant_applied **out);
/* [{"node","link","key","object","global","before","requested","after","ok",
 * "note"}], and "evidence" where the row keeps what the kernel listed
 * (nftables: {"before": [rules], "after": [rules]}). */
int variant_applied_json(const struct variant_applied *a, struct json_object **out);
int variant_revert(struct variant_applied *a);
void variant_applied_free(struct variant_applied *a);

int variant_restore_host(const char *prefix, bool quiet);
/* variant_restore_host() for every prefix that has a host file (what a
 * killed live run left, which has no testbed state file). */
int variant_restore_host_all(bool quiet);

/* A variant on nodes that are not a testbed of ours (--backend live: this
 * machine's own links). For each node (enum topo_node_id) and link (enum
 * topo_link_role, when has_link) an entry names, where() says the network
 * namespace (a path; "" is the host's) and the interface, returns 1 to
 * skip it (a group's node that is elsewhere), 2 when another machine sets
 * it (live mode's peer: the entry has its target, not here), or -ENOTSUP
 * with why. The
 * targets have no testbed (knob_target.t is NULL): where() refuses the
 * keys whose rows need one. */
struct variant_spot {
	const char *key;
	int node;
	bool group;                     /* the entry said gateways or all */
	bool has_link;
	int link;
};
struct variant_site {
	const char *prefix;             /* of the host file */
	int (*where)(void *arg, const struct variant_spot *q, char *netns, size_t nlen,
		     char *ifname, size_t ilen, char *why, size_t wlen);
	void *arg;
};
int variant_check_site(const struct variant *v, const struct variant_site *s, char *why, size_t len);
/* As variant_apply(); nothing there goes away with a testbed, so every
 * record is also written to the host file right after its change (the
 * sysctl row's before it), and `wgbench cleanup` reverts what a killed run
 * left. variant_revert() drops each record from the file once reverted. */
int variant_apply_site(const struct variant *v, const struct variant_site *s,
		       struct variant_applied **out);

/* CPUs a `cpus` knob gave this node (enum topo_node_id) for the processes
 * the run starts there (iperf3); 0 when the variant does not pin it. */
size_t variant_node_cpus(const struct variant_applied *a, int node, int *cpus, size_t max);

#endif
