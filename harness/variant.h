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
void variant_set_free(struct variant_set *s);
size_t variant_count(const struct variant_set *s);
const struct variant *variant_get(const struct variant_set *s, size_t i);

const char *variant_name(const struct variant *v);
/* Tunnels this variant needs; 0 when it does not say. */
unsigned int variant_tunnels(const struct variant *v);
/* Entries of its "set" list (0: the testbed as built, like the baseline). */
size_t variant_knob_count(const struct variant *v);
/* {"name","file","text","sha256","description"} for run.json. */
int variant_describe(const struct variant *v, struct json_object **out);

int variant_check(const struct variant *v, const struct topo *t, char *why, size_t len);
int variant_apply(const struct variant *v, struct topo *t, struct variant_applied **out);
/* [{"node","link","key","before","requested","after","ok","note"}] */
int variant_applied_json(const struct variant_applied *a, struct json_object **out);
int variant_revert(struct variant_applied *a);
void variant_applied_free(struct variant_applied *a);

int variant_restore_host(const char *prefix, bool quiet);

/* CPUs a `cpus` knob gave this node (enum topo_node_id) for the processes
 * the run starts there (iperf3); 0 when the variant does not pin it. */
size_t variant_node_cpus(const struct variant_applied *a, int node, int *cpus, size_t max);

#endif
