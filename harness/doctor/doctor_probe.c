/* doctor_probe.c — what the doctor measures outside the scenarios, each in a
 * node's namespace and without any program (no ping, no ip): DF ICMP echoes
 * (doctor_ping.c), RTM_GETROUTE
 * lookups (Task 1 "ip route get"), link MTUs (Task 6), root qdiscs and
 * their rates (Task 12), and the Icmp counters of /proc/net/snmp.
 *
 * A socket keeps the namespace it was created in, so each function enters
 * the namespace on the calling thread only long enough to open what it needs.
 */
#include "doctor_impl.h"
#include "netns.h"
#include "nlx.h"
#include "node.h"
#include "route.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <netlink/netlink.h>
#include <netlink/route/class.h>
#include <netlink/route/link.h>
#include <netlink/route/qdisc.h>
#include <netlink/route/qdisc/htb.h>
#include <netlink/route/qdisc/tbf.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* NULL: the caller's own namespace (live mode), nothing to enter. */
int doctor_ns_enter(const char *netns_path, int *saved)
{
	if (!netns_path) {
		*saved = -1;
		return 0;
	}
	return netns_enter(netns_path, saved);
}

void doctor_ns_leave(int saved)
{
	int r = netns_leave(&saved);

	if (r)
		wgb_err("doctor: cannot return to the original network namespace: %s", strerror(-r));
}

/* ---- netlink ---- */

/* The lookups are the findings: a refused one is evidence, not an error to
 * print, so they are read with nlx_errno() or libnl's result alone. */
static int nl_in(const char *netns_path, struct nlx **out)
{
	return nlx_open_in(netns_path, NETLINK_ROUTE, "doctor", out);
}

static int ifindex_of(struct nlx *nl, const char *name, int *ifindex)
{
	struct rtnl_link *l = NULL;

	if (rtnl_link_get_kernel(nlx_sock(nl), 0, name, &l) < 0)
		return -ENODEV;
	*ifindex = rtnl_link_get_ifindex(l);
	rtnl_link_put(l);
	return 0;
}

int doctor_route_get_str(const char *netns_path, const char *dst, const char *src,
			 const char *iif, char *oif, size_t len)
{
	struct route_addr d, s;
	struct route_info r;

	if (route_addr_parse(dst, &d) || (src && (route_addr_parse(src, &s) || s.af != d.af)))
		return -EINVAL;
	if (route_get(netns_path, &d, src ? &s : NULL, iif, &r))
		return -EHOSTUNREACH;   /* the kernel has no route (or refused the lookup) */
	if (!r.oif[0])
		return -ENOENT;
	snprintf(oif, len, "%s", r.oif);
	return 0;
}

int doctor_link_mtu(const char *netns_path, const char *ifname, unsigned int *mtu)
{
	struct nlx *nl = NULL;
	struct rtnl_link *l = NULL;
	int r = nl_in(netns_path, &nl);

	if (r)
		return r;
	if (rtnl_link_get_kernel(nlx_sock(nl), 0, ifname, &l) < 0)
		r = -ENODEV;
	else
		*mtu = rtnl_link_get_mtu(l);
	rtnl_link_put(l);
	nlx_close(nl);
	return r;
}

/* ifname's root qdisc in netns_path: 0 with *q (NULL: none) from the cache
 * *qc on the socket *nl, all three the caller's to release (also on error). */
static int root_qdisc_get(const char *netns_path, const char *ifname, struct nlx **nl,
			  struct nl_cache **qc, int *ifindex, struct rtnl_qdisc **q)
{
	int r = nl_in(netns_path, nl);

	if (!r)
		r = ifindex_of(*nl, ifname, ifindex);
	if (!r && rtnl_qdisc_alloc_cache(nlx_sock(*nl), qc) < 0)
		r = -EIO;
	if (!r)
		*q = rtnl_qdisc_get_by_parent(*qc, *ifindex, TC_H_ROOT);
	return r;
}

int doctor_root_qdisc(const char *netns_path, const char *ifname, char *kind, size_t len,
		      uint64_t *rate_bps)
{
	struct nlx *nl = NULL;
	struct nl_cache *qc = NULL, *cc = NULL;
	struct rtnl_qdisc *q = NULL;
	int ifindex, r;

	*rate_bps = 0;
	snprintf(kind, len, "%s", "");
	r = root_qdisc_get(netns_path, ifname, &nl, &qc, &ifindex, &q);
	if (r || !q)
		goto out;
	snprintf(kind, len, "%s", rtnl_tc_get_kind(TC_CAST(q)));
	if (!strcmp(kind, "tbf")) {
		*rate_bps = (uint64_t)rtnl_qdisc_tbf_get_rate(q) * 8;
	} else if (!strcmp(kind, "htb") && rtnl_class_alloc_cache(nlx_sock(nl), ifindex, &cc) >= 0) {
		/* The default class's rate: the shape knob_qdisc builds (1:1). */
		struct rtnl_class *c = rtnl_class_get(cc, ifindex, TC_HANDLE(1, 1));
		uint64_t rate = 0;

		if (c) {
			rtnl_htb_get_rate64(c, &rate);
			rtnl_class_put(c);
		}
		*rate_bps = rate * 8;
	}
out:
	rtnl_qdisc_put(q);
	nl_cache_free(cc);
	nl_cache_free(qc);
	nlx_close(nl);
	return r;
}

int doctor_qdisc_stats(const char *netns_path, const char *ifname, char *kind, size_t len,
		      uint64_t *drops, uint64_t *overlimits, uint64_t *backlog)
{
	struct nlx *nl = NULL;
	struct nl_cache *qc = NULL;
	struct rtnl_qdisc *q = NULL;
	int ifindex, r;

	snprintf(kind, len, "%s", "");
	*drops = *overlimits = *backlog = 0;
	r = root_qdisc_get(netns_path, ifname, &nl, &qc, &ifindex, &q);
	if (!r && !q)
		r = -ENOENT;
	if (r)
		goto out;
	snprintf(kind, len, "%s", rtnl_tc_get_kind(TC_CAST(q)));
	*drops = rtnl_tc_get_stat(TC_CAST(q), RTNL_TC_DROPS);
	*overlimits = rtnl_tc_get_stat(TC_CAST(q), RTNL_TC_OVERLIMITS);
	*backlog = rtnl_tc_get_stat(TC_CAST(q), RTNL_TC_BACKLOG);
out:
	rtnl_qdisc_put(q);
	nl_cache_free(qc);
	nlx_close(nl);
	return r;
}

/* ---- /proc/net/snmp ---- */

static int snmp_field(const char *text, const char *proto, const char *name, uint64_t *out)
{
	char head[32];
	const char *h, *v;
	size_t plen;

	plen = (size_t)snprintf(head, sizeof(head), "%s:", proto);
	h = strstr(text, head);
	if (!h)
		return -ENOENT;
	v = strstr(h + plen, head);   /* the values line follows the names line */
	if (!v)
		return -ENOENT;
	h += plen;
	v += plen;
	while (*h && *h != '\n') {
		char key[64];
		int kn = 0;
		unsigned long long x;
		int vn = 0;

		while (*h == ' ')
			h++;
		while (*h && *h != ' ' && *h != '\n' && kn < 63)
			key[kn++] = *h++;
		key[kn] = 0;
		if (sscanf(v, " %llu%n", &x, &vn) != 1)
			return -EPROTO;
		v += vn;
		if (!strcmp(key, name)) {
			*out = x;
			return 0;
		}
	}
	return -ENOENT;
}

/* The whole of a procfs file already open (a path reopened later would
 * resolve in the namespace of that moment). */
static int read_all(int fd, char **out)
{
	size_t cap = 8192, len = 0;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 1024) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (n < 0) {
		free(buf);
		return -errno;
	}
	buf[len] = 0;
	*out = buf;
	return 0;
}

/* /proc/thread-self/net/NAME as the namespace at netns_path has it
 * (malloc'd): thread-self, because /proc/self/net follows the process
 * leader's namespace, not this thread's. */
static int ns_net_file(const char *netns_path, const char *name, char **text)
{
	char path[64];
	int saved, fd, r;

	if ((r = util_fmt(path, sizeof(path), "/proc/thread-self/net/%s", name)))
		return r;
	if ((r = doctor_ns_enter(netns_path, &saved)))
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	r = fd < 0 ? -errno : 0;
	doctor_ns_leave(saved);
	if (r)
		return r;
	r = read_all(fd, text);
	close(fd);
	return r;
}

int doctor_icmp_counters(const char *netns_path, uint64_t *in_dest_unreachs,
			 uint64_t *out_dest_unreachs)
{
	char *text = NULL;
	int r = ns_net_file(netns_path, "snmp", &text);

	if (r)
		return r;
	r = snmp_field(text, "Icmp", "InDestUnreachs", in_dest_unreachs);
	if (!r)
		r = snmp_field(text, "Icmp", "OutDestUnreachs", out_dest_unreachs);
	free(text);
	return r;
}

/* snmp6 is one "Name value" per line. */
static int snmp6_field(const char *text, const char *name, uint64_t *out)
{
	size_t n = strlen(name);
	const char *l;
	unsigned long long x;

	for (l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, name, n) && (l[n] == ' ' || l[n] == '\t') && sscanf(l + n, " %llu", &x) == 1) {
			*out = x;
			return 0;
		}
	return -ENOENT;
}

int doctor_icmp6_counters(const char *netns_path, uint64_t *in_too_big, uint64_t *out_too_big)
{
	char *text = NULL;
	int r = ns_net_file(netns_path, "snmp6", &text);

	if (r)
		return r;
	r = snmp6_field(text, "Icmp6InPktTooBigs", in_too_big);
	if (!r)
		r = snmp6_field(text, "Icmp6OutPktTooBigs", out_too_big);
	free(text);
	return r;
}
