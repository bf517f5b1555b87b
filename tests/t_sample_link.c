/* t_sample_link.c — per-namespace counters on a real (unshared) namespace:
 *
 *   [test netns]  tsa (tbf, tiny limit) ══veth══ tsb      UDP to 10.9.0.5 via tsa
 *
 * Checks: a netlink socket and /proc/thread-self/net/snmp opened after setns
 * keep that namespace after the thread returns; /proc/self/net/snmp opened
 * by another thread after its setns does NOT (it follows the thread-group
 * leader), which is why sample_link uses thread-self; link and qdisc stats
 * move with traffic; an interface deleted between snapshots is simply absent.
 * Needs root (skipped with a message otherwise).
 */
#include "sample_link.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define T_NAME "t_sample_link"
#define CHECK T_CHECK_COND
#include "t_common.h"

static int ns_fd, orig_fd;

static int sh_in_ns(const char *cmd)
{
	int ret;

	if (setns(ns_fd, CLONE_NEWNET) < 0)
		return -errno;
	ret = system(cmd);
	if (setns(orig_fd, CLONE_NEWNET) < 0)
		abort();
	return ret;
}

static const struct sample_link_iface *iface(const struct sample_link_snap *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nif; i++)
		if (!strcmp(s->ifs[i].name, name))
			return &s->ifs[i];
	return NULL;
}

static const struct sample_link_qdisc *qdisc(const struct sample_link_snap *s, const char *ifname, const char *kind)
{
	size_t i;

	for (i = 0; i < s->nqd; i++)
		if (!strcmp(s->qd[i].ifname, ifname) && !strcmp(s->qd[i].kind, kind))
			return &s->qd[i];
	return NULL;
}

static int64_t kv(const struct sample_proc_kvs *k, const char *key)
{
	long i = sample_proc_kv_find(k, key, -1);

	return i < 0 ? -1 : k->kv[i].val;
}

static int64_t kv_of_fd(int fd, const char *key)
{
	struct sample_proc_kvs k = { 0 };
	char *buf = NULL;
	size_t cap = 0;
	int64_t v = -1;

	if (!sample_pread_all(fd, &buf, &cap, NULL) && !sample_proc_parse_kv(buf, &k))
		v = kv(&k, key);
	sample_proc_kvs_release(&k);
	free(buf);
	return v;
}

/* In a second thread: setns, open snmp through self and thread-self. */
struct thr_fds { int self_fd, tself_fd; };

static void *thread_open(void *arg)
{
	struct thr_fds *f = arg;

	if (setns(ns_fd, CLONE_NEWNET) < 0)
		return NULL;
	f->self_fd = open("/proc/self/net/snmp", O_RDONLY | O_CLOEXEC);
	f->tself_fd = open("/proc/thread-self/net/snmp", O_RDONLY | O_CLOEXEC);
	setns(orig_fd, CLONE_NEWNET);
	return NULL;
}

static int send_udp(int n)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
	char payload[1000];
	int fd, i;

	if (setns(ns_fd, CLONE_NEWNET) < 0)
		return -errno;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (setns(orig_fd, CLONE_NEWNET) < 0)
		abort();
	if (fd < 0)
		return -errno;
	memset(payload, 'x', sizeof(payload));
	inet_pton(AF_INET, "10.9.0.5", &to.sin_addr);
	for (i = 0; i < n; i++)
		sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&to, sizeof(to));
	close(fd);
	return 0;
}

int main(void)
{
	struct sample_link_snap a = { 0 }, b = { 0 };
	struct sample_ns *ns = NULL;
	struct thr_fds tf = { -1, -1 };
	const struct sample_link_iface *ia, *ib;
	const struct sample_link_qdisc *qa, *qb;
	char path[64];
	pthread_t th;

	if (geteuid() != 0) {
		printf("t_sample_link: skipped, needs root\n");
		return 0;
	}
	orig_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig_fd < 0 || unshare(CLONE_NEWNET) < 0) {
		perror("unshare");
		return 1;
	}
	ns_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns_fd < 0 || setns(orig_fd, CLONE_NEWNET) < 0)
		return 1;
	if (sh_in_ns("ip link set lo up && ip link add tsa type veth peer name tsb && "
		     "ip link set tsa up && ip link set tsb up && ip addr add 10.9.0.1/24 dev tsa && "
		     "ip neigh add 10.9.0.5 lladdr 02:00:00:00:00:05 dev tsa && "
		     "tc qdisc add dev tsa root tbf rate 1mbit burst 1600 limit 3000")) {
		fprintf(stderr, "t_sample_link: cannot build the test namespace\n");
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", ns_fd);
	CHECK(sample_ns_open(path, &ns) == 0);
	if (!ns)
		return 1;
	CHECK(sample_ns_read(ns, &a) == 0);
	CHECK(iface(&a, "tsa") && iface(&a, "tsb") && !iface(&a, "lo"));
	CHECK(qdisc(&a, "tsa", "tbf") != NULL);
	CHECK(kv(&a.kv, "Udp.OutDatagrams") == 0 && kv(&a.kv, "Udp.SndbufErrors") == 0);

	CHECK(pthread_create(&th, NULL, thread_open, &tf) == 0 && pthread_join(th, NULL) == 0);
	CHECK(send_udp(200) == 0);
	CHECK(sample_ns_read(ns, &b) == 0);
	ia = iface(&b, "tsa");
	ib = iface(&b, "tsb");
	qa = qdisc(&a, "tsa", "tbf");
	qb = qdisc(&b, "tsa", "tbf");
	CHECK(ia && ib && qa && qb);
	if (ia && ib && qa && qb) {
		const struct sample_link_iface *ia0 = iface(&a, "tsa");

		CHECK(ia->v[SAMPLE_LINK_TX_PACKETS] > ia0->v[SAMPLE_LINK_TX_PACKETS]);
		CHECK(ib->v[SAMPLE_LINK_RX_PACKETS] > 0);
		CHECK(qb->v[SAMPLE_LINK_Q_DROPS] > qa->v[SAMPLE_LINK_Q_DROPS]);
		/* a qdisc drop reaches the UDP sender as ENOBUFS: SndbufErrors */
		CHECK(kv(&b.kv, "Udp.OutDatagrams") + kv(&b.kv, "Udp.SndbufErrors") == 200);
		CHECK(kv(&b.kv, "Udp.SndbufErrors") == (int64_t)qb->v[SAMPLE_LINK_Q_DROPS]);
		printf("t_sample_link: tsa tx %llu packets, tbf drops %llu, Udp.SndbufErrors %lld\n",
		       (unsigned long long)(ia->v[SAMPLE_LINK_TX_PACKETS] - ia0->v[SAMPLE_LINK_TX_PACKETS]),
		       (unsigned long long)qb->v[SAMPLE_LINK_Q_DROPS], (long long)kv(&b.kv, "Udp.SndbufErrors"));
	}
	/* the fd opened through thread-self sees the node; through self, the leader's */
	CHECK(tf.tself_fd >= 0 && tf.self_fd >= 0);
	CHECK(kv_of_fd(tf.tself_fd, "Udp.OutDatagrams") == kv(&b.kv, "Udp.OutDatagrams"));
	CHECK(kv_of_fd(tf.self_fd, "Udp.OutDatagrams") != kv(&b.kv, "Udp.OutDatagrams"));

	/* an interface deleted between snapshots is absent, nothing breaks */
	CHECK(sh_in_ns("ip link del tsa") == 0);
	CHECK(sample_ns_read(ns, &b) == 0);
	CHECK(!iface(&b, "tsa") && !iface(&b, "tsb") && !qdisc(&b, "tsa", "tbf"));

	if (tf.self_fd >= 0)
		close(tf.self_fd);
	if (tf.tself_fd >= 0)
		close(tf.tself_fd);
	sample_ns_free(ns);
	sample_ns_free(NULL);
	sample_link_snap_release(&a);
	sample_link_snap_release(&b);
	close(ns_fd);   /* the namespace goes with its last reference */
	close(orig_fd);
	if (failures)
		fprintf(stderr, "t_sample_link: %d failure(s)\n", failures);
	return failures ? 1 : 0;
}
