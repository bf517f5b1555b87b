/* knob_proc.c — the sysctl row: procfs in a node's namespace, or the host's.
 *
 * Whether a sysctl is per network namespace is asked of the kernel, not
 * assumed: a forked child unshares a fresh namespace and looks for the file
 * (net.core.netdev_max_backlog is machine-wide; net.core.rmem_max is per
 * namespace on recent kernels but was not always). A machine-wide sysctl
 * given for a node, or a per-namespace one given for the host, is refused.
 */
#include "knob.h"
#include "node.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void proc_path(const char *name, char *buf, size_t len)
{
	size_t i, o = (size_t)snprintf(buf, len, "/proc/sys/");

	for (i = 0; name[i] && o + 1 < len; i++, o++)
		buf[o] = name[i] == '.' ? '/' : name[i];
	buf[o < len ? o : len - 1] = 0;
}

/* In the child: 0 writable, 3 there but read-only, 1 absent, 2 no netns. */
static void probe_new_netns(void *arg, void *reply)
{
	const char *path = arg;
	int *r = reply;

	*r = unshare(CLONE_NEWNET) ? 2 : access(path, W_OK) == 0 ? 0 : access(path, F_OK) == 0 ? 3 : 1;
}

/* In a fresh network namespace: 1 if the file is there and writable, 2 if
 * there but read-only (it then follows the host's value, as net.core.rmem_max
 * does on 6.x), 0 if not there, or -errno. */
static int visible_in_new_netns(const char *path)
{
	int r = 2, ret = node_call(NULL, probe_new_netns, (void *)path, &r, sizeof(r));

	if (ret)
		return ret;
	if (r == 2)
		return -EPERM;
	return r == 0 ? 1 : r == 3 ? 2 : 0;
}

static bool name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 5 || n > 120 || strncmp(s, "net.", 4) || s[n - 1] == '.')
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.' && s[i + 1] == '.')
			return false;
		if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '.' ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool value_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > 200)
		return false;
	for (i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || strchr(" \t._:,/-", s[i])))
			return false;
	return true;
}

/* Collapse runs of blanks, as the kernel prints tcp_rmem with tabs. */
static void normalize(const char *in, char *out, size_t len)
{
	size_t o = 0;
	bool blank = false;

	for (; *in && o + 1 < len; in++) {
		if (*in == ' ' || *in == '\t' || *in == '\n') {
			blank = o > 0;
			continue;
		}
		if (blank && o + 2 < len)
			out[o++] = ' ';
		blank = false;
		out[o++] = *in;
	}
	out[o] = 0;
}

static int parse_value(struct knob_entry *e, struct json_object *obj, struct knob_errs *errs)
{
	struct json_object *v;

	if (!json_object_object_get_ex(obj, "value", &v)) {
		knob_errf(errs, e->index, "value", "missing: sysctl needs a value");
		return -EINVAL;
	}
	if (json_object_is_type(v, json_type_int)) {
		snprintf(e->requested, sizeof(e->requested), "%lld",
			 (long long)json_object_get_int64(v));
		return 0;
	}
	if (!json_object_is_type(v, json_type_string)) {
		knob_errf(errs, e->index, "value", "expected an integer or a string, got %s",
			  knob_json_type(v));
		return -EINVAL;
	}
	if (!value_ok(json_object_get_string(v))) {
		knob_errf(errs, e->index, "value",
			  "\"%.60s\" is not a sysctl value (1 to 200 letters, digits, spaces, . _ : , / -)",
			  json_object_get_string(v));
		return -EINVAL;
	}
	normalize(json_object_get_string(v), e->requested, sizeof(e->requested));
	return 0;
}

static int sysctl_parse(struct knob_entry *e, struct json_object *obj, struct json_object *val,
			struct knob_errs *errs)
{
	char path[192];
	const char *name;
	int r, in_netns, on_host;

	r = parse_value(e, obj, errs);
	if (!json_object_is_type(val, json_type_string)) {
		knob_errf(errs, e->index, "sysctl", "expected a string such as \"net.core.rmem_max\", got %s",
			  knob_json_type(val));
		return -EINVAL;
	}
	name = json_object_get_string(val);
	if (!name_ok(name)) {
		knob_errf(errs, e->index, "sysctl",
			  "\"%.60s\" is not a networking sysctl name (net.*: lower-case letters, digits, _ -)",
			  name);
		return -EINVAL;
	}
	snprintf(e->sysctl, sizeof(e->sysctl), "%s", name);
	proc_path(name, path, sizeof(path));
	on_host = access(path, F_OK) == 0;
	in_netns = visible_in_new_netns(path);
	if (in_netns < 0) {
		knob_errf(errs, e->index, "sysctl", "%s: cannot tell whether it is per network namespace "
			  "(a new namespace could not be made: %s)", name, strerror(-in_netns));
		return -EINVAL;
	}
	if (!on_host && !in_netns) {
		e->sysctl_missing = true;   /* variant_check says so; the run skips it */
		return r;
	}
	if (e->host && in_netns == 1) {
		knob_errf(errs, e->index, "node", "%s is per network namespace: node host would change "
			  "only the host's namespace, not the testbed's; use source, gw1, gw2, drain, "
			  "gateways or all", name);
		return -EINVAL;
	}
	if (!e->host && !in_netns) {
		knob_errf(errs, e->index, "node", "%s is machine-wide on this kernel (not per network "
			  "namespace): use node host", name);
		return -EINVAL;
	}
	if (!e->host && in_netns == 2) {
		knob_errf(errs, e->index, "node", "%s is machine-wide on this kernel (read-only in a "
			  "network namespace, where it follows the host's value): use node host", name);
		return -EINVAL;
	}
	return r;
}

static int sysctl_probe(const struct knob_entry *e, const struct knob_target *tg, char *why,
			size_t len)
{
	char path[192], buf[KNOB_STR_MAX];
	int r;

	if (e->sysctl_missing) {
		snprintf(why, len, "sysctl %s does not exist on this kernel", e->sysctl);
		return -ENOTSUP;
	}
	proc_path(e->sysctl, path, sizeof(path));
	r = knob_ns_file(tg->netns_path, path, NULL, buf, sizeof(buf));
	if (r) {
		snprintf(why, len, "sysctl %s cannot be read in %s: %s", e->sysctl,
			 tg->host ? "the host" : topo_node_name(tg->node), strerror(-r));
		return -ENOTSUP;
	}
	/* A machine that is itself a network namespace or a container (a
	 * hosts-file machine, a live tunnel's box) shows the machine-wide ones
	 * read-only: the write would be refused mid-run. */
	if (tg->host && !tg->netns_path[0] && access(path, W_OK)) {
		snprintf(why, len, "sysctl %s is read-only on this machine (%s): machine-wide, and this "
			 "machine is a network namespace or a container", e->sysctl, strerror(errno));
		return -ENOTSUP;
	}
	return 0;
}

static int sysctl_read_back(struct knob_rec *r)
{
	char buf[KNOB_STR_MAX];
	int ret = knob_ns_file(r->netns_path, r->path, NULL, buf, sizeof(buf));

	if (ret)
		return ret;
	normalize(buf, r->after, sizeof(r->after));
	return 0;
}

static int sysctl_apply(const struct knob_entry *e, const struct knob_target *tg,
			struct knob_recs *out)
{
	struct knob_rec *r;
	char buf[KNOB_STR_MAX];
	int ret;

	ret = knob_rec_add(out, e, tg, &r);
	if (ret)
		return ret;
	snprintf(r->object, sizeof(r->object), "%s", e->sysctl);
	proc_path(e->sysctl, r->path, sizeof(r->path));
	ret = knob_ns_file(r->netns_path, r->path, NULL, buf, sizeof(buf));
	if (ret) {
		snprintf(r->note, sizeof(r->note), "cannot read %s: %s", r->path, strerror(-ret));
		return ret;
	}
	normalize(buf, r->before, sizeof(r->before));
	if (r->host) {
		/* Recorded before the change, so a SIGKILL cannot lose it. */
		ret = knob_host_record(r->prefix, r->path, r->before, buf, sizeof(buf));
		if (ret < 0) {
			snprintf(r->note, sizeof(r->note), "not changed: the host file cannot be written");
			return ret;
		}
		if (ret == 1)
			snprintf(r->before, sizeof(r->before), "%s", buf);
	}
	return knob_rec_write(r, r->netns_path, r->path, e->requested);
}

static int sysctl_revert(const struct knob_rec *r)
{
	char now[KNOB_STR_MAX];
	int ret = 0;

	/* Write only what differs: some sysctls refuse a rewrite of the same value. */
	if (knob_ns_file(r->netns_path, r->path, NULL, now, sizeof(now)) != 0 ||
	    (normalize(now, now, sizeof(now)), strcmp(now, r->before)))
		ret = knob_ns_file(r->netns_path, r->path, r->before, NULL, 0);
	if (ret) {
		wgb_err("cannot restore %s to %s: %s", r->path, r->before, strerror(-ret));
		return ret;
	}
	if (r->host)
		return knob_host_forget(r->prefix, r->path);
	return 0;
}

static const char *const sysctl_extra[] = { "value", NULL };

static bool sysctl_same(const struct knob_entry *a, const struct knob_entry *b)
{
	return !strcmp(a->sysctl, b->sysctl);
}

const struct knob_ops knob_sysctl_ops = {
	.key = "sysctl",
	.scope = KNOB_SCOPE_SYSCTL,
	.extra_keys = sysctl_extra,
	.same = sysctl_same,
	.parse = sysctl_parse,
	.probe = sysctl_probe,
	.apply = sysctl_apply,
	.read_back = sysctl_read_back,
	.revert = sysctl_revert,
};
