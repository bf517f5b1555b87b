/* sample_link.c — see sample_link.h. Raw libnl messages rather than caches:
 * one dump per kind per snapshot, parsed straight into reused arrays. */
#include "sample_link.h"
#include "netns.h"
#include "nftx.h"
#include "nlx.h"
#include "util.h"

#include <errno.h>
#include <json-c/json.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/gen_stats.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/attr.h>

const char *const sample_link_stat_names[SAMPLE_LINK_NSTATS] = {
	"rx_bytes", "tx_bytes", "rx_packets", "tx_packets",
	"rx_errors", "tx_errors", "rx_dropped", "tx_dropped",
};

const char *const sample_link_qstat_names[SAMPLE_LINK_Q_NSTATS] = {
	"drops", "overlimits", "requeues", "backlog", "qlen",
};

struct sample_ns {
	struct nlx *nl;
	struct nl_sock *sk;            /* nl's, for the dumps */
	int snmp_fd, netstat_fd;
	struct nftx *nft;              /* NULL: no counted egress drop rules at open */
	char *buf;
	size_t cap;
};

int sample_pread_all(int fd, char **buf, size_t *cap, size_t *len)
{
	size_t n = 0;

	for (;;) {
		ssize_t r;

		if (n + 1 >= *cap) {
			size_t ncap = *cap ? *cap * 2 : 16384;
			char *nb = realloc(*buf, ncap);

			if (!nb)
				return -ENOMEM;
			*buf = nb;
			*cap = ncap;
		}
		r = pread(fd, *buf + n, *cap - n - 1, (off_t)n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	(*buf)[n] = '\0';
	if (len)
		*len = n;
	return 0;
}

/* Keeps a libnftables context only if the ruleset has rules to count; a
 * kernel or a machine without nftables has nothing to count either. */
static void open_nft(struct sample_ns *ns)
{
	struct json_object *rs;
	uint64_t pk;
	size_t n = 0;

	if (nftx_open(NULL, &ns->nft))
		return;
	if (!nftx_ruleset(ns->nft, &rs)) {
		n = nftx_egress_drops(rs, &pk);
		json_object_put(rs);
	}
	if (!n) {
		nftx_close(ns->nft);
		ns->nft = NULL;
	}
}

/* A listing that fails leaves only its key out of this snapshot (NaN in
 * the timeline), not the node's other counters. */
static int read_nft(struct sample_ns *ns, struct sample_proc_kvs *kv)
{
	struct json_object *rs;
	uint64_t pk;

	if (!ns->nft || nftx_ruleset(ns->nft, &rs))
		return 0;
	nftx_egress_drops(rs, &pk);
	json_object_put(rs);
	return sample_proc_kv_add(kv, SAMPLE_NFT_KEY, (int64_t)pk);
}

static int open_here(void *arg)
{
	struct sample_ns *ns = arg;
	int ret;

	ret = nlx_open("sampler", &ns->nl);
	if (ret)
		return ret;
	ns->sk = nlx_sock(ns->nl);
	/* a dump ends with NLMSG_DONE; an extra ACK would be left queued */
	nl_socket_disable_auto_ack(ns->sk);
	nl_socket_set_msg_buf_size(ns->sk, 65536);
	ns->snmp_fd = open("/proc/thread-self/net/snmp", O_RDONLY | O_CLOEXEC);
	if (ns->snmp_fd < 0)
		return -errno;
	ns->netstat_fd = open("/proc/thread-self/net/netstat", O_RDONLY | O_CLOEXEC);
	if (ns->netstat_fd < 0)
		return -errno;
	open_nft(ns);
	return 0;
}

int sample_ns_open(const char *netns_path, struct sample_ns **out)
{
	struct sample_ns *ns = calloc(1, sizeof(*ns));
	int ret;

	if (!ns)
		return -ENOMEM;
	ns->snmp_fd = ns->netstat_fd = -1;
	ret = netns_call(netns_path, open_here, ns);
	if (ret) {
		sample_ns_free(ns);
		return ret;
	}
	*out = ns;
	return 0;
}

void sample_ns_free(struct sample_ns *ns)
{
	if (!ns)
		return;
	nlx_close(ns->nl);
	nftx_close(ns->nft);
	if (ns->snmp_fd >= 0)
		close(ns->snmp_fd);
	if (ns->netstat_fd >= 0)
		close(ns->netstat_fd);
	free(ns->buf);
	free(ns);
}

void sample_link_snap_release(struct sample_link_snap *s)
{
	if (!s)
		return;
	free(s->ifs);
	free(s->qd);
	sample_proc_kvs_release(&s->kv);
	memset(s, 0, sizeof(*s));
}

struct dump_ctx {
	struct sample_link_snap *snap;
	int err;
};

static int link_cb(struct nl_msg *msg, void *arg)
{
	struct dump_ctx *c = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct ifinfomsg *ifi = nlmsg_data(nlh);
	struct nlattr *tb[IFLA_MAX + 1];
	struct rtnl_link_stats64 st;
	struct sample_link_iface *i;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0 || !tb[IFLA_IFNAME])
		return NL_SKIP;
	if (ifi->ifi_flags & IFF_LOOPBACK)
		return NL_SKIP;
	memset(&st, 0, sizeof(st));
	if (tb[IFLA_STATS64]) {
		size_t len = (size_t)nla_len(tb[IFLA_STATS64]);

		memcpy(&st, nla_data(tb[IFLA_STATS64]), len < sizeof(st) ? len : sizeof(st));
	}
	if (util_grow(&c->snap->ifs, &c->snap->ifcap, c->snap->nif + 1, sizeof(*c->snap->ifs))) {
		c->err = -ENOMEM;
		return NL_STOP;
	}
	i = &c->snap->ifs[c->snap->nif++];
	i->ifindex = ifi->ifi_index;
	nla_strlcpy(i->name, tb[IFLA_IFNAME], sizeof(i->name));
	i->v[SAMPLE_LINK_RX_BYTES] = st.rx_bytes;
	i->v[SAMPLE_LINK_TX_BYTES] = st.tx_bytes;
	i->v[SAMPLE_LINK_RX_PACKETS] = st.rx_packets;
	i->v[SAMPLE_LINK_TX_PACKETS] = st.tx_packets;
	i->v[SAMPLE_LINK_RX_ERRORS] = st.rx_errors;
	i->v[SAMPLE_LINK_TX_ERRORS] = st.tx_errors;
	i->v[SAMPLE_LINK_RX_DROPPED] = st.rx_dropped;
	i->v[SAMPLE_LINK_TX_DROPPED] = st.tx_dropped;
	return NL_OK;
}

static void qdisc_fill(struct sample_link_qdisc *q, struct nlattr *tb[])
{
	struct gnet_stats_queue gq;

	memset(&gq, 0, sizeof(gq));
	if (tb[TCA_STATS2]) {
		struct nlattr *st[TCA_STATS_MAX + 1];

		if (nla_parse_nested(st, TCA_STATS_MAX, tb[TCA_STATS2], NULL) == 0 && st[TCA_STATS_QUEUE]) {
			size_t len = (size_t)nla_len(st[TCA_STATS_QUEUE]);

			memcpy(&gq, nla_data(st[TCA_STATS_QUEUE]), len < sizeof(gq) ? len : sizeof(gq));
		}
	} else if (tb[TCA_STATS]) {
		struct tc_stats ts;
		size_t len = (size_t)nla_len(tb[TCA_STATS]);

		memset(&ts, 0, sizeof(ts));
		memcpy(&ts, nla_data(tb[TCA_STATS]), len < sizeof(ts) ? len : sizeof(ts));
		gq.drops = ts.drops;
		gq.overlimits = ts.overlimits;
		gq.backlog = ts.backlog;
		gq.qlen = ts.qlen;
	}
	q->v[SAMPLE_LINK_Q_DROPS] = gq.drops;
	q->v[SAMPLE_LINK_Q_OVERLIMITS] = gq.overlimits;
	q->v[SAMPLE_LINK_Q_REQUEUES] = gq.requeues;
	q->v[SAMPLE_LINK_Q_BACKLOG] = gq.backlog;
	q->v[SAMPLE_LINK_Q_QLEN] = gq.qlen;
}

static int qdisc_cb(struct nl_msg *msg, void *arg)
{
	struct dump_ctx *c = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct tcmsg *tcm = nlmsg_data(nlh);
	struct nlattr *tb[TCA_MAX + 1];
	struct sample_link_qdisc *q;
	size_t i;

	if (nlh->nlmsg_type != RTM_NEWQDISC ||
	    nlmsg_parse(nlh, sizeof(*tcm), tb, TCA_MAX, NULL) < 0 || !tb[TCA_KIND])
		return NL_SKIP;
	if (util_grow(&c->snap->qd, &c->snap->qdcap, c->snap->nqd + 1, sizeof(*c->snap->qd))) {
		c->err = -ENOMEM;
		return NL_STOP;
	}
	q = &c->snap->qd[c->snap->nqd];
	memset(q, 0, sizeof(*q));
	q->ifindex = tcm->tcm_ifindex;
	q->handle = tcm->tcm_handle;
	q->parent = tcm->tcm_parent;
	nla_strlcpy(q->kind, tb[TCA_KIND], sizeof(q->kind));
	/* lo's qdisc is of no interest, and its link was skipped */
	for (i = 0; i < c->snap->nif; i++)
		if (c->snap->ifs[i].ifindex == q->ifindex)
			break;
	if (i == c->snap->nif)
		return NL_SKIP;
	memcpy(q->ifname, c->snap->ifs[i].name, sizeof(q->ifname));
	qdisc_fill(q, tb);
	c->snap->nqd++;
	return NL_OK;
}

static int dump(struct sample_ns *ns, int type, void *hdr, size_t hdrlen,
		int (*cb)(struct nl_msg *, void *), struct dump_ctx *c)
{
	int ret;

	ret = nl_socket_modify_cb(ns->sk, NL_CB_VALID, NL_CB_CUSTOM, cb, c);
	if (ret < 0)
		return -EIO;
	ret = nl_send_simple(ns->sk, type, NLM_F_DUMP, hdr, hdrlen);
	if (ret < 0) {
		wgb_err("sample: netlink dump: %s", nl_geterror(ret));
		return -EIO;
	}
	ret = nl_recvmsgs_default(ns->sk);
	if (c->err)
		return c->err;
	if (ret < 0) {
		wgb_err("sample: netlink dump: %s", nl_geterror(ret));
		return -EIO;
	}
	return 0;
}

int sample_ns_read(struct sample_ns *ns, struct sample_link_snap *out)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct tcmsg tcm = { .tcm_family = AF_UNSPEC };
	struct dump_ctx c = { .snap = out };
	int ret;

	out->nif = out->nqd = 0;
	sample_proc_kvs_reset(&out->kv);
	ret = dump(ns, RTM_GETLINK, &ifi, sizeof(ifi), link_cb, &c);
	if (ret)
		return ret;
	ret = dump(ns, RTM_GETQDISC, &tcm, sizeof(tcm), qdisc_cb, &c);
	if (ret)
		return ret;
	ret = sample_pread_all(ns->snmp_fd, &ns->buf, &ns->cap, NULL);
	if (!ret)
		ret = sample_proc_parse_kv(ns->buf, &out->kv);
	if (ret)
		return ret;
	ret = sample_pread_all(ns->netstat_fd, &ns->buf, &ns->cap, NULL);
	if (!ret)
		ret = sample_proc_parse_kv(ns->buf, &out->kv);
	return ret ? ret : read_nft(ns, &out->kv);
}
