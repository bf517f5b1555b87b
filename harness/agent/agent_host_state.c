/* agent_host_state.c — the host's state file, the prefix's lock, undoing
 * one step, and the cleanup of what a killed run left (agent_host.h).
 *
 * /run/wgbench/<prefix>agent.json:
 *   {"schema":"wgbench.agent-state/1","prefix","node","pid","created",
 *    "steps":[{"kind":"sysctl","path","before"}, {"kind":"addr","dev","address"}
 *             (addresses of either family: "10.100.0.1/24", "fd77:100::1/64"),
 *             {"kind":"tunnel","ifname","impl","pid"}, {"kind":"route",...},
 *             {"kind":"rule",...}],
 *    "variant": null | {"name","records":[...]}}
 * Steps are appended (and the file rewritten atomically) before the thing
 * is made; a removal finding a thing gone counts as done.
 */
#include "agent_host_impl.h"
#include "knob.h"
#include "nftx.h"
#include "nlx.h"
#include "node.h"
#include "util.h"
#include "variant.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define WG_SOCK_DIR "/var/run/wireguard"

int agent_host_run_path(const char *prefix, const char *what, char *buf, size_t len)
{
	return util_fmt(buf, len, AGENT_HOST_RUN_DIR "/%s%s", prefix, what);
}

int agent_host_lock(const char *prefix, int *fd)
{
	char path[PATH_MAX];
	struct stat a, b;
	int ret = agent_host_run_path(prefix, "agent.lock", path, sizeof(path)), tries;

	*fd = -1;
	if (!ret)
		ret = util_mkdir_p(AGENT_HOST_RUN_DIR, 0755);
	for (tries = 0; !ret && tries < 10; tries++) {
		*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (*fd < 0)
			return -errno;
		if (flock(*fd, LOCK_EX | LOCK_NB)) {
			ret = errno == EWOULDBLOCK ? -EBUSY : -errno;
		} else if (fstat(*fd, &a) || stat(path, &b) || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
			close(*fd);   /* its holder removed it as we took it: a new one */
			*fd = -1;
			continue;
		} else {
			return 0;
		}
		close(*fd);
		*fd = -1;
	}
	return ret ? ret : -EBUSY;
}

void agent_host_unlock(const char *prefix, int *fd)
{
	char path[PATH_MAX];

	if (*fd < 0)
		return;
	/* removed while held: a waiter then locks a file that is gone, and
	 * retries on a new one (agent_host_lock opens by name each time) */
	if (!agent_host_run_path(prefix, "agent.lock", path, sizeof(path)))
		unlink(path);
	close(*fd);
	*fd = -1;
}

int agent_host_state_save(struct agent_host *h)
{
	const char *text = json_object_to_json_string_ext(h->state, JSON_C_TO_STRING_PRETTY);

	return util_write_file_atomic(h->state_path, text, strlen(text));
}

int agent_host_state_begin(struct agent_host *h)
{
	struct json_object *o;
	int ret = agent_host_run_path(h->plan.prefix, "agent.json", h->state_path, sizeof(h->state_path));

	if (!ret && !access(h->state_path, F_OK))
		return -EEXIST;
	if (ret)
		return ret;
	o = json_object_new_object();
	json_object_object_add(o, "schema", json_object_new_string(AGENT_HOST_STATE_SCHEMA));
	json_object_object_add(o, "prefix", json_object_new_string(h->plan.prefix));
	json_object_object_add(o, "node", json_object_new_string(topo_node_name(h->plan.node)));
	json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
	json_object_object_add(o, "created", json_object_new_double(util_now_wall()));
	json_object_object_add(o, "steps", json_object_new_array());
	json_object_object_add(o, "variant", NULL);
	h->state = o;
	return agent_host_state_save(h);
}

int agent_host_state_add(struct agent_host *h, struct json_object *step, struct json_object **at)
{
	struct json_object *steps;

	json_object_object_get_ex(h->state, "steps", &steps);
	json_object_array_add(steps, step);
	if (at)
		*at = step;
	return agent_host_state_save(h);
}

void agent_host_state_end(struct agent_host *h)
{
	if (h->state_path[0])
		unlink(h->state_path);
	json_object_put(h->state);
	h->state = NULL;
}

/* ---- undoing one step ---- */

static const char *sget(struct json_object *o, const char *k)
{
	struct json_object *v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : NULL;
}

static int undo_sysctl(struct json_object *s, char *what, size_t len)
{
	const char *path = sget(s, "path"), *before = sget(s, "before");

	snprintf(what, len, "%s to %s", path ? path : "?", before ? before : "?");
	/* a state file is input: only the net sysctls the build writes */
	if (!path || !before || strncmp(path, "/proc/sys/net/", 14) || strstr(path, ".."))
		return -EINVAL;
	return util_write_str(path, before);
}

static int undo_addr(struct nlx *nl, struct json_object *s, char *what, size_t len)
{
	const char *dev = sget(s, "dev"), *a = sget(s, "address");
	struct agent_host_ip ip;

	snprintf(what, len, "address %s on %s", a ? a : "?", dev ? dev : "?");
	if (!dev || !a || agent_host_ip_parse(a, true, &ip))
		return -EINVAL;
	return agent_host_nl_addr_del(nl, dev, &ip);
}

static int undo_route(struct nlx *nl, struct json_object *s, char *what, size_t len)
{
	struct agent_host_route r = { 0 };
	struct json_object *t;
	const char *dst = sget(s, "dst");

	snprintf(what, len, "route %s", dst ? dst : "?");
	if (!dst || agent_host_ip_parse(dst, true, &r.dst))
		return -EINVAL;
	r.table = json_object_object_get_ex(s, "table", &t) ? (uint32_t)json_object_get_int64(t) : 0;
	return agent_host_nl_route_del(nl, &r);
}

static int undo_rule(struct nlx *nl, struct json_object *s, char *what, size_t len)
{
	struct agent_host_rule r = { 0 };
	const char *from = sget(s, "from"), *to = sget(s, "to");
	struct json_object *t, *p;

	snprintf(what, len, "rule from %s to %s", from ? from : "?", to ? to : "?");
	if (!from || !to || agent_host_ip_parse(from, true, &r.from) ||
	    agent_host_ip_parse(to, true, &r.to) || r.from.af != r.to.af ||
	    !json_object_object_get_ex(s, "table", &t) ||
	    !json_object_object_get_ex(s, "priority", &p))
		return -EINVAL;
	r.table = (uint32_t)json_object_get_int64(t);
	r.prio = (uint32_t)json_object_get_int64(p);
	return agent_host_nl_rule(nl, &r, false);
}

/* Is pid still wireguard-go serving ifname ("wireguard-go -f IFNAME")? */
static bool wggo_of(pid_t pid, const char *ifname)
{
	char path[64], *text = NULL, *p;
	size_t len = 0;
	bool yes = false;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if (pid <= 0 || util_read_file(path, &text, &len))
		return false;
	for (p = text; p < text + len; p += strlen(p) + 1)
		if (!strcmp(p, ifname) && strstr(text, "wireguard-go"))
			yes = true;
	free(text);
	return yes;
}

static int undo_tunnel(struct json_object *s, char *what, size_t len)
{
	struct tun_end end = { .netns_path = "/proc/self/ns/net" };
	const char *ifname = sget(s, "ifname"), *impl = sget(s, "impl");
	struct json_object *pid;

	snprintf(what, len, "tunnel %s", ifname ? ifname : "?");
	if (!ifname || !impl || util_fmt(end.ifname, sizeof(end.ifname), "%s", ifname))
		return -EINVAL;
	if (json_object_object_get_ex(s, "pid", &pid) && wggo_of(json_object_get_int(pid), ifname))
		end.pid = json_object_get_int(pid);
	return !strcmp(impl, "kernel") ? tun_kernel_ops.destroy_end(&end) : tun_wggo_ops.destroy_end(&end);
}

int agent_host_undo(struct nlx *nl, struct json_object *step, char *what, size_t len)
{
	const char *kind = sget(step, "kind");

	snprintf(what, len, "a step of unknown kind");
	if (!kind)
		return -EINVAL;
	if (!strcmp(kind, "sysctl"))
		return undo_sysctl(step, what, len);
	if (!strcmp(kind, "addr"))
		return undo_addr(nl, step, what, len);
	if (!strcmp(kind, "route"))
		return undo_route(nl, step, what, len);
	if (!strcmp(kind, "rule"))
		return undo_rule(nl, step, what, len);
	if (!strcmp(kind, "tunnel"))
		return undo_tunnel(step, what, len);
	return -EINVAL;
}

/* ---- the cleanup of a killed run ---- */

static void say(struct json_object *list, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct json_object *list, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_array_add(list, json_object_new_string(buf));
}

/* Another agent of the prefix still running (the controller vanished
 * mid-command): SIGTERM makes it tear its part down itself. */
static int stop_agent(const char *prefix, struct json_object *st, double grace, struct json_object *rm)
{
	struct json_object *pid;
	int lock = -1, ret;
	double end = util_now_mono() + grace;

	ret = agent_host_lock(prefix, &lock);
	if (ret != -EBUSY)
		return ret ? ret : lock;
	if (!st || !json_object_object_get_ex(st, "pid", &pid) || json_object_get_int(pid) <= 1) {
		wgb_err("prefix %s is locked by a process that left no state file", prefix);
		return -EBUSY;
	}
	kill(json_object_get_int(pid), SIGTERM);
	while ((ret = agent_host_lock(prefix, &lock)) == -EBUSY && util_now_mono() < end)
		usleep(20000);
	if (ret == -EBUSY) {
		kill(json_object_get_int(pid), SIGKILL);
		while ((ret = agent_host_lock(prefix, &lock)) == -EBUSY && util_now_mono() < end + 5)
			usleep(20000);
	}
	if (!ret)
		say(rm, "stopped the agent of the killed run (pid %d)", json_object_get_int(pid));
	return ret ? ret : lock;
}

static void undo_steps(struct nlx *nl, struct json_object *st, struct json_object *rm,
		       struct json_object *left)
{
	struct json_object *steps;
	char what[300];
	size_t i;

	if (!st || !json_object_object_get_ex(st, "steps", &steps) ||
	    !json_object_is_type(steps, json_type_array))
		return;
	for (i = json_object_array_length(steps); i-- > 0;) {
		struct json_object *s = json_object_array_get_idx(steps, i);
		int r = agent_host_undo(nl, s, what, sizeof(what));
		bool value = sget(s, "kind") && !strcmp(sget(s, "kind"), "sysctl");

		if (r)
			say(left, "%s: %s", what, strerror(-r));
		else
			say(rm, "%s %s", value ? "restored" : "removed", what);
	}
}

/* The tunnel interfaces and wireguard-go leftovers of the prefix, whether
 * recorded or not (a kill between making and recording). */
static void sweep(struct nlx *nl, const char *prefix, struct json_object *rm, struct json_object *left)
{
	char names[2 * TOPO_TUNNELS_MAX][IFNAMSIZ], path[PATH_MAX];
	size_t n = 0, i, plen = strlen(prefix);
	struct dirent *de;
	DIR *d;

	if (!agent_host_nl_links(nl, prefix, names, ARRAY_SIZE(names), &n))
		for (i = 0; i < n; i++) {
			/* only our tunnels' names: <prefix>g1t<k>, <prefix>g2t<k> */
			if (strncmp(names[i] + plen, "g1t", 3) && strncmp(names[i] + plen, "g2t", 3))
				continue;
			if (agent_host_nl_link_del(nl, names[i]))
				say(left, "interface %s", names[i]);
			else
				say(rm, "removed interface %s", names[i]);
		}
	d = opendir(WG_SOCK_DIR);
	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, prefix, plen) && strstr(de->d_name, ".sock") &&
		    !util_fmt(path, sizeof(path), WG_SOCK_DIR "/%s", de->d_name) && !unlink(path))
			say(rm, "removed %s", path);
	if (d)
		closedir(d);
}

/* The scratch directories of agents that are gone:
 * /tmp/wgbench-agent-<pid>-XXXXXX (cmd_agent.c). */
static void sweep_scratch(struct json_object *rm)
{
	struct dirent *de, *fe;
	char path[PATH_MAX], file[PATH_MAX + 256];
	DIR *d = opendir("/tmp"), *f;
	int pid;

	while (d && (de = readdir(d))) {
		if (sscanf(de->d_name, "wgbench-agent-%d-", &pid) != 1 || pid <= 1 ||
		    !util_pid_gone(pid) || util_fmt(path, sizeof(path), "/tmp/%s", de->d_name))
			continue;
		f = opendir(path);
		while (f && (fe = readdir(f)))
			if (fe->d_name[0] != '.' && !util_fmt(file, sizeof(file), "%s/%s", path, fe->d_name))
				unlink(file);
		if (f)
			closedir(f);
		if (!rmdir(path))
			say(rm, "removed %s", path);
	}
	if (d)
		closedir(d);
}

/* The variant layer's nftables table, if a killed agent left it. */
static void drop_nft(const char *prefix, struct json_object *rm)
{
	char table[64], cmd[128];
	struct nftx *x;

	if (nftx_open(NULL, &x))
		return;
	knob_nft_table_name(prefix, table, sizeof(table));
	snprintf(cmd, sizeof(cmd), "delete table inet %s", table);
	if (!nftx_run(x, cmd, false, NULL, NULL, 0))
		say(rm, "removed nftables table inet %s", table);
	nftx_close(x);
}

static void note_variant(struct json_object *st, struct json_object *left)
{
	struct json_object *v, *name, *recs;
	size_t i;

	if (!st || !json_object_object_get_ex(st, "variant", &v) || !v)
		return;
	json_object_object_get_ex(v, "name", &name);
	if (!json_object_object_get_ex(v, "records", &recs) || !recs) {
		say(left, "variant %s was being applied: its values may be partly set", json_object_get_string(name));
		return;
	}
	for (i = 0; i < json_object_array_length(recs); i++) {
		struct json_object *r = json_object_array_get_idx(recs, i), *g;

		/* host-wide ones come back from the host file */
		if (json_object_object_get_ex(r, "global", &g) && json_object_get_boolean(g))
			continue;
		say(left, "variant %s set %s %s to %s (was %s): not restored", json_object_get_string(name),
		    sget(r, "object") ? sget(r, "object") : "?", sget(r, "key") ? sget(r, "key") : "?",
		    sget(r, "after") ? sget(r, "after") : "?", sget(r, "before") ? sget(r, "before") : "?");
	}
}

int agent_host_cleanup(const char *prefix, double grace, struct json_object **out)
{
	struct json_object *rm = json_object_new_array(), *left = json_object_new_array(), *st = NULL;
	char path[PATH_MAX], *text = NULL;
	struct nlx *nl = NULL;
	int lock, ret, r;

	if (!agent_host_run_path(prefix, "agent.json", path, sizeof(path)) && !util_read_file(path, &text, NULL))
		st = json_tokener_parse(text);
	free(text);
	lock = stop_agent(prefix, st, grace, rm);
	ret = lock < 0 ? lock : 0;
	/* what the stopped agent did not remove itself */
	json_object_put(st);
	st = NULL;
	text = NULL;
	if (!ret && !util_read_file(path, &text, NULL))
		st = json_tokener_parse(text);
	free(text);
	if (!ret)
		ret = nlx_open_in(NULL, NETLINK_ROUTE, "host", &nl);
	if (!ret) {
		note_variant(st, left);
		undo_steps(nl, st, rm, left);
		sweep(nl, prefix, rm, left);
		drop_nft(prefix, rm);
		r = knob_host_restore(prefix, true);
		if (r < 0)
			say(left, "host-wide values of %s (" AGENT_HOST_RUN_DIR "/%shost.json)", prefix, prefix);
		else if (r > 0)
			say(rm, "restored %d host-wide value(s) (" AGENT_HOST_RUN_DIR "/%shost.json)", r, prefix);
		sweep_scratch(rm);
		if (!json_object_array_length(left) && unlink(path) == 0)
			say(rm, "removed %s", path);
	}
	nlx_close(nl);
	json_object_put(st);
	agent_host_unlock(prefix, &lock);
	*out = json_object_new_object();
	json_object_object_add(*out, "removed", rm);
	json_object_object_add(*out, "left", left);
	return ret;
}
