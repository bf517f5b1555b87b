/* knob_cpus.c — the cpus row: pin a node's processes to a list of CPUs.
 *
 * At a gateway, every thread of every wireguard-go process of the node is
 * pinned with sched_setaffinity (one record per thread, reverted to its old
 * mask, read back with sched_getaffinity); a kernel tunnel has no process,
 * and its record says so. iperf3 endpoints do not exist yet
 * when a variant is applied: one record per node carries the list (nothing
 * written); the run asks variant_node_cpus() when it forks them, and the
 * traffic layer reads each started endpoint's affinity back into the flow's
 * result (runs[].per_flow[].processes). That record's "before" is what an
 * endpoint would get unpinned (wgbench's own affinity, which a fork
 * inherits); its "after" does not claim what it cannot know yet.
 */
#include "knob.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void list_str(const int *cpus, size_t n, char *buf, size_t len)
{
	size_t i, o = 0;

	buf[0] = 0;
	for (i = 0; i < n && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%d", i ? "," : "", cpus[i]);
}

static void set_str(const cpu_set_t *s, char *buf, size_t len)
{
	int cpus[KNOB_MAX_CPUS];
	size_t n = 0;
	int c;

	for (c = 0; c < KNOB_MAX_CPUS && c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, s))
			cpus[n++] = c;
	list_str(cpus, n, buf, len);
}

/* "0,1" back into a set. */
static void str_set(const char *s, cpu_set_t *set)
{
	char *end;

	CPU_ZERO(set);
	while (*s) {
		long c = strtol(s, &end, 10);

		if (end == s)
			break;
		if (c >= 0 && c < CPU_SETSIZE)
			CPU_SET((int)c, set);
		s = *end == ',' ? end + 1 : end;
	}
}

static int cpus_parse(struct knob_entry *e, struct json_object *obj, struct json_object *val,
		      struct knob_errs *errs)
{
	unsigned int ncpu = knob_ncpus();
	size_t i, j, n;
	int ret = 0;

	if (!json_object_is_type(val, json_type_array) || json_object_array_length(val) == 0) {
		knob_errf(errs, e->index, "cpus", "expected a non-empty list of CPU numbers, such as [1]");
		return -EINVAL;
	}
	n = json_object_array_length(val);
	if (n > KNOB_MAX_CPUS) {
		knob_errf(errs, e->index, "cpus", "more than %d CPUs", KNOB_MAX_CPUS);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(val, i);
		char key[32];
		int64_t v;

		snprintf(key, sizeof(key), "cpus[%zu]", i);
		if (knob_get_int(c, 0, INT32_MAX, &v, errs, e->index, key)) {
			ret = -EINVAL;
			continue;
		}
		if (v >= ncpu) {
			knob_errf(errs, e->index, key, "CPU %lld does not exist on this machine (%u CPU%s: 0-%u)",
				  (long long)v, ncpu, ncpu == 1 ? "" : "s", ncpu - 1);
			ret = -EINVAL;
			continue;
		}
		for (j = 0; j < e->n_cpus; j++)
			if (e->cpus[j] == v) {
				knob_errf(errs, e->index, key, "CPU %lld is listed twice", (long long)v);
				ret = -EINVAL;
			}
		e->cpus[e->n_cpus++] = (int)v;
	}
	list_str(e->cpus, e->n_cpus, e->requested, sizeof(e->requested));
	return ret;
}

static int cpus_read_back(struct knob_rec *r)
{
	cpu_set_t s;

	if (r->aux < 0)
		return 0;   /* nothing was pinned */
	if (r->aux == 0) {
		/* iperf3: no process yet, nothing to read */
		snprintf(r->after, sizeof(r->after), "at traffic start");
		snprintf(r->note, sizeof(r->note), "iperf3 endpoints are pinned as each starts; "
			 "runs[].per_flow[].processes has the affinity read from each");
		return 0;
	}
	if (sched_getaffinity((pid_t)r->aux, sizeof(s), &s))
		return -errno;
	set_str(&s, r->after, sizeof(r->after));
	return 0;
}

static int pin_threads(const struct knob_entry *e, const struct knob_target *tg, pid_t pid,
		       struct knob_recs *out)
{
	char dir[64];
	struct dirent *de;
	cpu_set_t want, old;
	DIR *d;
	int ret = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	d = opendir(dir);
	if (!d)
		return -errno;
	str_set(e->requested, &want);
	while ((de = readdir(d))) {
		struct knob_rec *r;
		pid_t tid = (pid_t)atoi(de->d_name);

		if (tid <= 0)
			continue;
		if (sched_getaffinity(tid, sizeof(old), &old))
			continue;   /* the thread ended */
		ret = knob_rec_add(out, e, tg, &r);
		if (ret)
			break;
		snprintf(r->object, sizeof(r->object), "wireguard-go %d/task %d", (int)pid, (int)tid);
		set_str(&old, r->before, sizeof(r->before));
		r->aux = tid;
		r->written = true;
		if (sched_setaffinity(tid, sizeof(want), &want) && errno != ESRCH) {
			ret = -errno;
			snprintf(r->note, sizeof(r->note), "sched_setaffinity: %s", strerror(errno));
			break;
		}
		r->ok = true;
	}
	closedir(d);
	return ret;
}

/* The endpoints the run starts on this node later (iperf3 in source and
 * drain): one record carries the list (aux 0); "before" is what they would
 * get unpinned, wgbench's own affinity, which a fork inherits. */
static int endpoints_rec(const struct knob_entry *e, const struct knob_target *tg,
			 struct knob_recs *out)
{
	struct knob_rec *r;
	cpu_set_t own;
	int ret = knob_rec_add(out, e, tg, &r);

	if (ret)
		return ret;
	snprintf(r->object, sizeof(r->object), "iperf3 (pinned when started)");
	if (sched_getaffinity(0, sizeof(own), &own))
		return -errno;
	set_str(&own, r->before, sizeof(r->before));
	r->ok = true;
	return 0;
}

static int cpus_apply(const struct knob_entry *e, const struct knob_target *tg,
		      struct knob_recs *out)
{
	unsigned int k, pinned = 0;
	struct knob_rec *r;
	int ret;

	if (tg->node == NODE_SOURCE || tg->node == NODE_DRAIN)
		return endpoints_rec(e, tg, out);
	for (k = 0; k < topo_tunnels(tg->t); k++) {
		pid_t pid = topo_tunnel_pid(tg->t, k, tg->node);

		if (pid > 0) {
			ret = pin_threads(e, tg, pid, out);
			if (ret)
				return ret;
			pinned++;
		}
	}
	if (pinned)
		return 0;
	/* a kernel tunnel runs in softirq context: say so rather than nothing */
	ret = knob_rec_add(out, e, tg, &r);
	if (ret)
		return ret;
	r->aux = -1;
	snprintf(r->object, sizeof(r->object), "no wireguard-go process");
	snprintf(r->before, sizeof(r->before), "-");
	snprintf(r->after, sizeof(r->after), "-");
	snprintf(r->note, sizeof(r->note), "no process of %s to pin: its tunnel is not wireguard-go",
		 topo_node_name(tg->node));
	r->ok = true;
	return 0;
}

static int cpus_revert(const struct knob_rec *r)
{
	cpu_set_t s;

	if (r->aux <= 0)
		return 0;
	str_set(r->before, &s);
	if (sched_setaffinity((pid_t)r->aux, sizeof(s), &s) && errno != ESRCH) {
		wgb_err("cannot restore the CPUs of %s: %s", r->object, strerror(errno));
		return -errno;
	}
	return 0;
}

/* The iperf3 record hands its list to the run (variant_node_cpus). */
static size_t cpus_for(const struct knob_rec *r, int *cpus, size_t max)
{
	cpu_set_t s;
	size_t n = 0;
	int c;

	if (r->aux != 0)
		return 0;
	str_set(r->requested, &s);
	for (c = 0; c < CPU_SETSIZE && n < max; c++)
		if (CPU_ISSET(c, &s))
			cpus[n++] = c;
	return n;
}

const struct knob_ops knob_cpus_ops = {
	.key = "cpus", .scope = KNOB_SCOPE_NODE,
	.parse = cpus_parse, .apply = cpus_apply, .read_back = cpus_read_back, .revert = cpus_revert,
	.cpus_for = cpus_for,
};
