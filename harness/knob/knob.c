/* knob.c — the knob table and what its rows share: error lists, records,
 * JSON value checks, and file access from inside a network namespace. */
#include "knob.h"
#include "netns.h"
#include "node.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const struct knob_ops *const table[] = {
	&knob_sysctl_ops,
	&knob_mtu_ops, &knob_txqueuelen_ops, &knob_queues_ops, &knob_offloads_ops,
	&knob_qdisc_ops, &knob_delay_ops,
	&knob_rps_cpus_ops, &knob_xps_cpus_ops, &knob_rps_flow_cnt_ops, &knob_threaded_napi_ops,
	&knob_loss_ops, &knob_mss_clamp_ops, &knob_block_icmp_ops, &knob_block_icmpv6_ops,
	&knob_port_spread_ops,
	&knob_cpus_ops,
};

_Static_assert(ARRAY_SIZE(table) <= KNOB_TABLE_MAX, "raise KNOB_TABLE_MAX");

const struct knob_ops *const *knob_table(size_t *n)
{
	*n = ARRAY_SIZE(table);
	return table;
}

const struct knob_ops *knob_find(const char *key)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(table); i++)
		if (!strcmp(table[i]->key, key))
			return table[i];
	return NULL;
}

static void errs_add(struct knob_errs *errs, char *line)
{
	if (errs->n == errs->cap) {
		size_t cap = errs->cap ? errs->cap * 2 : 8;
		char **m = realloc(errs->msg, cap * sizeof(*m));

		if (!m) {
			free(line);
			return;
		}
		errs->msg = m;
		errs->cap = cap;
	}
	errs->msg[errs->n++] = line;
}

void knob_errf(struct knob_errs *errs, size_t index, const char *key, const char *fmt, ...)
{
	char what[512], where[192];
	char *line;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (index == SIZE_MAX)
		snprintf(where, sizeof(where), "%s", key ? key : "");
	else if (key)
		snprintf(where, sizeof(where), "set[%zu].%s", index, key);
	else
		snprintf(where, sizeof(where), "set[%zu]", index);
	if (asprintf(&line, "%s: %s%s%s", errs->file ? errs->file : "(built-in)", where,
		     where[0] ? ": " : "", what) < 0)
		return;
	errs_add(errs, line);
}

void knob_err_raw(struct knob_errs *errs, const char *fmt, ...)
{
	char *line;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (r >= 0)
		errs_add(errs, line);
}

void knob_errs_free(struct knob_errs *errs)
{
	size_t i;

	if (!errs)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->msg[i]);
	free(errs->msg);
	errs->msg = NULL;
	errs->n = errs->cap = 0;
}

static int recs_push(struct knob_recs *r, struct knob_rec **out)
{
	int ret = util_grow(&r->v, &r->cap, r->n + 1, sizeof(*r->v));

	if (ret)
		return ret;
	*out = &r->v[r->n++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

void knob_recs_free(struct knob_recs *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		json_object_put(r->v[i].evidence);
		free(r->v[i].snapshot);
	}
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

int knob_rec_add(struct knob_recs *recs, const struct knob_entry *e, const struct knob_target *tg,
		 struct knob_rec **out)
{
	struct knob_rec *r;
	int ret = recs_push(recs, &r);

	if (ret)
		return ret;
	r->ops = e->ops;
	snprintf(r->node, sizeof(r->node), "%s", tg->host ? "host" : topo_node_name(tg->node));
	if (e->has_link)
		snprintf(r->link, sizeof(r->link), "%s", topo_link_name(e->link));
	snprintf(r->ifname, sizeof(r->ifname), "%s", tg->ifname);
	snprintf(r->object, sizeof(r->object), "%s", tg->ifname);
	snprintf(r->netns_path, sizeof(r->netns_path), "%s", tg->netns_path);
	snprintf(r->requested, sizeof(r->requested), "%s", e->requested);
	snprintf(r->prefix, sizeof(r->prefix), "%s", tg->prefix);
	r->host = tg->host;
	*out = r;
	return 0;
}

const char *knob_json_type(struct json_object *val)
{
	switch (json_object_get_type(val)) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double: return "a fractional number";
	case json_type_int: return "an integer";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "something else";
}

int knob_get_int(struct json_object *val, int64_t min, int64_t max, int64_t *out,
		 struct knob_errs *errs, size_t index, const char *key)
{
	int64_t v;

	if (!json_object_is_type(val, json_type_int)) {
		knob_errf(errs, index, key, "expected an integer, got %s", knob_json_type(val));
		return -EINVAL;
	}
	errno = 0;
	v = json_object_get_int64(val);
	if (errno || v < min || v > max) {
		knob_errf(errs, index, key, "%s is out of range %lld..%lld",
			  json_object_to_json_string(val), (long long)min, (long long)max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int knob_get_number(struct json_object *val, double min, double max, double *out,
		    struct knob_errs *errs, size_t index, const char *key)
{
	double v;

	if (!json_object_is_type(val, json_type_int) && !json_object_is_type(val, json_type_double)) {
		knob_errf(errs, index, key, "expected a number, got %s", knob_json_type(val));
		return -EINVAL;
	}
	v = json_object_get_double(val);
	if (!(v >= min && v <= max)) {
		knob_errf(errs, index, key, "%s is out of range %g..%g",
			  json_object_to_json_string(val), min, max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int knob_get_bool(struct json_object *val, bool *out, struct knob_errs *errs, size_t index,
		  const char *key)
{
	if (!json_object_is_type(val, json_type_boolean)) {
		knob_errf(errs, index, key, "expected true or false, got %s", knob_json_type(val));
		return -EINVAL;
	}
	*out = json_object_get_boolean(val);
	return 0;
}

unsigned int knob_ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned int)n : 1;
}

/* --- namespace file access --------------------------------------------- */

struct ns_reply {
	int werr, rerr;
	char buf[3072];
};

/* "" (or NULL) is the host: stay where we are. */
static int enter_net(const char *netns_path)
{
	if (!netns_path || !netns_path[0])
		return 0;
	return netns_join(netns_path);
}

/* In the child: sysfs shows the devices of the namespace that mounted it,
 * so a namespace's /sys/class/net needs a sysfs mount of its own (as
 * `ip netns exec` does), in a private mount namespace. */
static int own_sysfs(void)
{
	if (unshare(CLONE_NEWNS))
		return -errno;
	if (mount("", "/", NULL, MS_SLAVE | MS_REC, NULL))
		return -errno;
	umount2("/sys", MNT_DETACH);
	if (mount("sysfs", "/sys", "sysfs", 0, NULL))
		return -errno;
	return 0;
}

/* Everything below runs in a forked child: system calls only. */
static void child_file(const char *netns_path, const char *path, const char *value,
		       bool list, struct ns_reply *rep)
{
	int fd, r;
	ssize_t n;
	size_t used = 0;

	r = enter_net(netns_path);
	if (!r && netns_path && netns_path[0] && !strncmp(path, "/sys/", 5))
		r = own_sysfs();
	if (r) {
		rep->werr = rep->rerr = r;
		return;
	}
	if (value) {
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			rep->werr = -errno;
		} else {
			n = write(fd, value, strlen(value));
			if (n < 0)
				rep->werr = -errno;
			close(fd);
		}
	}
	if (list) {
		char d[4096];

		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			rep->rerr = -errno;
			return;
		}
		while ((n = syscall(SYS_getdents64, fd, d, sizeof(d))) > 0) {
			long off = 0;

			while (off < n) {
				struct dirent64 *de = (struct dirent64 *)(d + off);
				size_t l = strlen(de->d_name);

				off += de->d_reclen;
				if (de->d_name[0] == '.' || used + l + 2 >= sizeof(rep->buf))
					continue;
				memcpy(rep->buf + used, de->d_name, l);
				used += l;
				rep->buf[used++] = ' ';
			}
		}
		if (used)
			rep->buf[used - 1] = 0;
		close(fd);
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rep->rerr = -errno;
		return;
	}
	while ((n = read(fd, rep->buf + used, sizeof(rep->buf) - 1 - used)) > 0)
		used += (size_t)n;
	if (n < 0)
		rep->rerr = -errno;
	close(fd);
	while (used && (rep->buf[used - 1] == '\n' || rep->buf[used - 1] == ' '))
		used--;
	rep->buf[used] = 0;
}

struct ns_job {
	const char *netns_path, *path, *value;
	bool list;
};

static void ns_job_run(void *arg, void *reply)
{
	const struct ns_job *j = arg;

	memset(reply, 0, sizeof(struct ns_reply));
	child_file(j->netns_path, j->path, j->value, j->list, reply);
}

static int ns_do(const char *netns_path, const char *path, const char *value, bool list,
		 char *buf, size_t len)
{
	struct ns_job job = { netns_path, path, value, list };
	struct ns_reply rep;
	int ret = node_call(NULL, ns_job_run, &job, &rep, sizeof(rep));

	if (ret)
		return ret;
	if (buf && len)
		snprintf(buf, len, "%s", rep.buf);
	if (rep.werr)
		return rep.werr;
	return rep.rerr;
}

int knob_ns_file(const char *netns_path, const char *path, const char *value,
		 char *buf, size_t len)
{
	return ns_do(netns_path, path, value, false, buf, len);
}

int knob_ns_list(const char *netns_path, const char *dir, char *buf, size_t len)
{
	return ns_do(netns_path, dir, NULL, true, buf, len);
}

int knob_netns_enter(const char *netns_path, int *saved_fd)
{
	*saved_fd = -1;
	if (!netns_path || !netns_path[0])
		return 0;
	return netns_enter(netns_path, saved_fd);
}

void knob_netns_leave(int saved_fd)
{
	netns_leave(&saved_fd);
}

int knob_rtnl_sock(const char *netns_path, struct nl_sock **out)
{
	struct nl_sock *sk;
	int saved, r = knob_netns_enter(netns_path, &saved);

	if (r)
		return r;
	sk = nl_socket_alloc();
	r = !sk ? -ENOMEM : nl_connect(sk, NETLINK_ROUTE) ? -EIO : 0;
	knob_netns_leave(saved);
	if (r)
		nl_socket_free(sk);
	else
		*out = sk;
	return r;
}

void knob_nft_table_name(const char *prefix, char *buf, size_t len)
{
	size_t i, o;

	o = (size_t)snprintf(buf, len, "wgbench_");
	for (i = 0; prefix[i] && o + 1 < len; i++, o++)
		buf[o] = prefix[i] == '-' ? '_' : prefix[i];
	if (o < len)
		buf[o] = 0;
}

int knob_rec_write(struct knob_rec *r, const char *netns_path, const char *path, const char *value)
{
	int ret;

	r->written = true;
	ret = knob_ns_file(netns_path, path, value, NULL, 0);
	if (ret) {
		snprintf(r->note, sizeof(r->note), "the kernel refused %.64s: %s", value, strerror(-ret));
		return ret;
	}
	r->ok = true;
	return 0;
}
