/* knob.h — the knob table: one row per variant key.
 *
 * Each row {key, scope, parse, probe, apply, read_back, revert} says how a
 * key is validated (parse: pure, the machine is not touched except to ask
 * what it has), whether the running kernel has it on a target (probe), how
 * it is applied (apply: records the value before, writes the new one),
 * what really took effect (read_back) and how the old value comes back
 * (revert). variant.c drives the rows; adding a knob is one row.
 *
 * A target is one node (or the host) and, for link knobs, one interface.
 * apply() appends one record per thing it changed (a sysfs queue file, a
 * qdisc, a table...) and owns nothing else: a record carries all revert
 * needs, so it can be reverted after the topology object is gone.
 *
 * Rows are grouped by mechanism: knob_proc.c (sysctl), knob_sysfs.c
 * (rps/xps/rps_flow_cnt/threaded_napi), knob_link.c (mtu, txqueuelen, queues,
 * offloads), knob_qdisc.c (qdisc, delay_ms), knob_nft_rows.c (loss_percent,
 * mss_clamp, block_icmp_frag_needed, port_spread; their mechanism is
 * knob_nft.c), knob_cpus.c (cpus). What differs between the rows of one
 * mechanism is data of the row (knob_ops.data), not a test of which row it is.
 */
#ifndef WGB_KNOB_H
#define WGB_KNOB_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "topo.h"

struct json_object;
struct nl_sock;

#define KNOB_STR_MAX 256
#define KNOB_MAX_OFFLOADS 16
#define KNOB_MAX_CPUS 64
#define KNOB_FEATURE_LEN 32    /* ETH_GSTRING_LEN */
#define KNOB_TABLE_MAX 32      /* rows of the table, an upper bound */

enum knob_scope {
	KNOB_SCOPE_SYSCTL,   /* a node or the host, no link */
	KNOB_SCOPE_NODE,     /* a node, no link */
	KNOB_SCOPE_LINK,     /* a node and a link */
};

#define KNOB_NODE_BIT(n) (1u << (n))
#define KNOB_NODES_ALL ((1u << NODE__COUNT) - 1)

/* One validated entry of a variant's "set". */
struct knob_entry {
	const struct knob_ops *ops;
	size_t index;               /* position in set[] */
	unsigned int nodes;         /* KNOB_NODE_BIT()s; 0 with host */
	bool host;
	bool group;                 /* node was gateways/all: skip nodes without the link */
	bool has_link;
	enum topo_link_role link;
	char requested[KNOB_STR_MAX];   /* the value as it is written/compared */

	char sysctl[128];           /* sysctl: dotted name */
	bool sysctl_missing;        /* the kernel has no such sysctl (variant_check) */
	int64_t num;                /* integers, masks */
	double real;                /* loss_percent, delay_ms */
	bool flag;                  /* bools */
	struct {
		char kind[16];
		uint64_t rate_bps;      /* bit/s */
		uint32_t burst;         /* bytes */
		uint32_t limit;         /* packets (pfifo, netem, fq_codel) or bytes (tbf) */
		double delay_ms;
		bool has_rate, has_burst, has_limit, has_delay;
	} q;
	struct {
		char name[KNOB_FEATURE_LEN];
		bool on;
	} off[KNOB_MAX_OFFLOADS];
	size_t n_off;
	int cpus[KNOB_MAX_CPUS];
	size_t n_cpus;
};

/* Where one entry is applied. */
struct knob_target {
	const struct topo *t;
	bool host;
	enum topo_node_id node;
	char netns_path[128];       /* "" for the host */
	char ifname[IF_NAMESIZE];   /* link knobs */
	unsigned int k;             /* tunnel index for link tunnel */
	char prefix[16];
};

/* One thing changed: enough to read it back and revert it alone. */
struct knob_rec {
	const struct knob_ops *ops;
	char node[16];              /* "gw1", "host" */
	char link[16];              /* "" when none */
	char ifname[IF_NAMESIZE];   /* the target's interface, "" when none */
	char object[128];           /* interface, "iface/rx-0", sysctl name, table */
	char netns_path[128];       /* "" for the host */
	char path[192];             /* file, interface or table this record is about */
	char before[KNOB_STR_MAX];
	char requested[KNOB_STR_MAX];
	char after[KNOB_STR_MAX];
	char note[KNOB_STR_MAX];
	bool ok;                    /* the write was accepted */
	bool written;               /* something must be reverted */
	bool host;                  /* recorded in the host file */
	char prefix[16];
	int64_t aux;                /* row-specific (feature index, pid...) */
	int64_t aux2;
	/* What the kernel listed when before/after were read (nftables: the
	 * rules), for run.json; owned, NULL when the row keeps none. */
	struct json_object *evidence;
	char *snapshot;             /* row-specific state to restore (owned), or NULL */
};

struct knob_recs {
	struct knob_rec *v;
	size_t n, cap;
};

/* Problems found while parsing, all reported at once. */
struct knob_errs {
	char **msg;
	size_t n, cap;
	const char *file;
};

struct knob_ops {
	const char *key;
	enum knob_scope scope;
	/* Other keys this row accepts in the same entry ("value" for sysctl). */
	const char *const *extra_keys;
	/* What it changes on a target, when rows share it (qdisc and delay_ms:
	 * "root qdisc"); NULL: its own key. Two entries changing one thing on
	 * one target are refused (the second revert would restore the first's value). */
	const char *thing;
	/* Whether two entries of this row change the same thing (sysctl: the
	 * same name); NULL: always. */
	bool (*same)(const struct knob_entry *a, const struct knob_entry *b);
	/* What the mechanism's shared functions need to know of this row (the
	 * libnl accessors of a link attribute, a queue file's directory, an
	 * nftables rule builder and reader): a row carries its own differences,
	 * nothing asks which row it is. Typed by the file that defines the row. */
	const void *data;
	/* Validate val (the key's JSON value; obj is the whole entry) into e;
	 * report problems with knob_errf(errs, e->index, key, ...). 0 or -EINVAL. */
	int (*parse)(struct knob_entry *e, struct json_object *obj,
		     struct json_object *val, struct knob_errs *errs);
	/* 0 if the kernel/testbed has it on this target, else -ENOTSUP with why. */
	int (*probe)(const struct knob_entry *e, const struct knob_target *tg,
		     char *why, size_t len);
	/* Record the value before, write the new one; append records. */
	int (*apply)(const struct knob_entry *e, const struct knob_target *tg,
		     struct knob_recs *out);
	/* Fill r->after with what the kernel holds now. */
	int (*read_back)(struct knob_rec *r);
	/* Put r->before back. */
	int (*revert)(const struct knob_rec *r);
	/* CPUs this record gives the processes the run starts on its node later
	 * (the cpus row's iperf3 record); NULL, or 0: none. */
	size_t (*cpus_for)(const struct knob_rec *r, int *cpus, size_t max);
};

extern const struct knob_ops knob_sysctl_ops;
extern const struct knob_ops knob_rps_cpus_ops, knob_xps_cpus_ops, knob_rps_flow_cnt_ops,
	knob_threaded_napi_ops;
extern const struct knob_ops knob_mtu_ops, knob_txqueuelen_ops, knob_queues_ops, knob_offloads_ops;
extern const struct knob_ops knob_qdisc_ops, knob_delay_ops;
extern const struct knob_ops knob_loss_ops, knob_mss_clamp_ops, knob_block_icmp_ops,
	knob_block_icmpv6_ops, knob_port_spread_ops;
extern const struct knob_ops knob_cpus_ops;

/* The table, in documentation order. */
const struct knob_ops *const *knob_table(size_t *n);
const struct knob_ops *knob_find(const char *key);

/* Errors: "FILE: set[I].KEY: message" (index SIZE_MAX: "FILE: KEY: ..."). */
void knob_errf(struct knob_errs *errs, size_t index, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A message as is (the JSON syntax errors, which carry FILE:LINE:COL). */
void knob_err_raw(struct knob_errs *errs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void knob_errs_free(struct knob_errs *errs);

/* A new record at the end of recs for target tg, with node/link/object/
 * netns/requested filled in; *out points into recs until the next add. */
int knob_rec_add(struct knob_recs *recs, const struct knob_entry *e, const struct knob_target *tg,
		 struct knob_rec **out);
/* Write value to path in the namespace (knob_ns_file) for record r: marks it
 * written (a revert is owed even if the kernel refused part of it), notes a
 * refusal, and marks it ok when the kernel took it. 0 or -errno. */
int knob_rec_write(struct knob_rec *r, const char *netns_path, const char *path, const char *value);
/* Frees the records and what each owns (evidence, snapshot). */
void knob_recs_free(struct knob_recs *r);

/* Parsing helpers shared by rows. */
int knob_get_int(struct json_object *val, int64_t min, int64_t max, int64_t *out,
		 struct knob_errs *errs, size_t index, const char *key);
int knob_get_number(struct json_object *val, double min, double max, double *out,
		    struct knob_errs *errs, size_t index, const char *key);
int knob_get_bool(struct json_object *val, bool *out, struct knob_errs *errs, size_t index,
		  const char *key);
const char *knob_json_type(struct json_object *val);
/* A size in tc's syntax ("64kb", "1mb", "1500b", "1500": bytes), as tc's
 * get_size() reads it (knob_qdisc.c); 0 or -EINVAL. Pure. */
int knob_size_parse(const char *s, uint64_t *bytes);
/* CPUs of this machine (online). */
unsigned int knob_ncpus(void);

/* Read (and first write, when value != NULL) a procfs/sysfs file as seen
 * from a network namespace ("" = the host). Sysfs paths get a private sysfs
 * mount of that namespace (a forked child does the work, so the caller's
 * namespaces never change). The value read is trimmed of the newline. */
int knob_ns_file(const char *netns_path, const char *path, const char *value,
		 char *buf, size_t len);
/* List the names in a sysfs directory of a namespace, space-separated. */
int knob_ns_list(const char *netns_path, const char *dir, char *buf, size_t len);

/* Run the calling thread inside a namespace and come back (for netlink
 * and ioctl sockets, which stay bound to the namespace they were made in). */
int knob_netns_enter(const char *netns_path, int *saved_fd);
void knob_netns_leave(int saved_fd);
/* A connected NETLINK_ROUTE socket bound to that namespace ("" = the host);
 * 0 or -errno (-EIO when it cannot connect). */
int knob_rtnl_sock(const char *netns_path, struct nl_sock **out);

/* The nftables table of a testbed: "wgbench_" + prefix with '-' as '_'. */
void knob_nft_table_name(const char *prefix, char *buf, size_t len);

/* The host file /run/wgbench/<prefix>host.json lists every host-wide value
 * changed, with its value before, written BEFORE the change, so `wgbench
 * cleanup` can restore it after a SIGKILL (knob_host.c).
 * knob_host_record(): if path is already listed (a killed run's leftover),
 * its recorded value is copied to orig (the true original) and 1 returned. */
int knob_host_record(const char *prefix, const char *path, const char *before,
		     char *orig, size_t len);
int knob_host_forget(const char *prefix, const char *path);
/* The file's text checked for its shape ({"values": [...]}; file names it
 * in the message): the document, or -EINVAL. Pure. */
int knob_host_parse(const char *file, const char *text, struct json_object **out);
/* Entry i of that "values" array: 0 when it is a value restore may write
 * back (a string "before" for a /proc/sys/net/ path), else -EINVAL. */
int knob_host_entry(struct json_object *values, size_t i, const char **path, const char **before);
/* Writes back every listed value and removes the file; the count restored. */
int knob_host_restore(const char *prefix, bool quiet);
/* Whole records in the host file (variant_apply_site(): links and files of
 * this machine, which outlive any testbed): kept after the change, dropped
 * once reverted; knob_host_restore() reverts each with its row's revert. */
int knob_host_keep(const struct knob_rec *r);
int knob_host_drop(const struct knob_rec *r);
/* Every prefix with a host file; *prefixes malloc'd, each too. */
int knob_host_prefixes(char ***prefixes, size_t *n);

#endif
