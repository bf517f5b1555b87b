/* agent_node_traffic.c — the node agent's traffic commands (agent_node.h):
 * ping (a path works before anything is measured), one-off iperf3 servers
 * and the clients through libiperf (traffic.h), each pinned as the applied
 * variant's cpus knob asks for this node. */
#include "agent_node_impl.h"
#include "node.h"
#include "stop.h"
#include "traffic.h"
#include "util.h"
#include "knob.h"
#include "variant.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* While the clients run (seconds to minutes) nobody reads the channel: a
 * thread watches it, and the controller's end (its session closed) stops
 * the clients as a SIGTERM would, so the agent tears down at once. It only
 * polls (no allocation: forks may happen meanwhile). It starts through
 * node_thread_start(), so the clients are forked only once it runs: a fork
 * while it was still being set up copied the thread library's (and ASan's)
 * locks held, and the child hung on them for good (seen: one iperf3 client
 * of a tcp-fwd, once in a few runs). */
struct watch {
	int fd;
	volatile sig_atomic_t done;
	pthread_t thread;
	bool started;
};

static void *watch_channel(void *arg)
{
	struct watch *w = arg;

	while (!w->done) {
		struct pollfd p = { .fd = w->fd, .events = POLLRDHUP };

		if (poll(&p, 1, 100) > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR))) {
			kill(getpid(), SIGTERM);
			break;
		}
	}
	return NULL;
}

static void watch_start(const struct node_agent *a, struct watch *w)
{
	w->fd = a->rfd;
	w->done = 0;
	w->started = a->stdio && node_thread_start(&w->thread, watch_channel, w) == 0;
}

static void watch_stop(struct watch *w)
{
	w->done = 1;
	if (w->started)
		pthread_join(w->thread, NULL);
}

/* A guest never stops on its own (it powers off); a host's agent stops on
 * SIGTERM (`wgbench cleanup --hosts`). */
static const volatile sig_atomic_t *stop_of(const struct node_agent *a)
{
	static const volatile sig_atomic_t never;

	return a->stdio ? stop_flag() : &never;
}

static uint16_t icmp_sum(const void *p, size_t n)
{
	const uint16_t *w = p;
	uint32_t s = 0;

	for (; n > 1; n -= 2)
		s += *w++;
	if (n)
		s += *(const uint8_t *)w;
	s = (s >> 16) + (s & 0xffff);
	s += s >> 16;
	return (uint16_t)~s;
}

#define PING_ID 0x7767

/* An echo request in the address's family; the kernel fills in an ICMPv6
 * checksum itself (RFC 3542 §3.1). */
static void ping_send(int s, const struct sockaddr_storage *to, uint16_t seq)
{
	socklen_t tl = to->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);

	if (to->ss_family == AF_INET6) {
		struct icmp6_hdr h = { .icmp6_type = ICMP6_ECHO_REQUEST };

		h.icmp6_id = htons(PING_ID);
		h.icmp6_seq = htons(seq);
		sendto(s, &h, sizeof(h), 0, (const struct sockaddr *)to, tl);
	} else {
		struct icmphdr h = { .type = ICMP_ECHO };

		h.un.echo.id = htons(PING_ID);
		h.un.echo.sequence = htons(seq);
		h.checksum = icmp_sum(&h, sizeof(h));
		sendto(s, &h, sizeof(h), 0, (const struct sockaddr *)to, tl);
	}
}

/* Is what a raw socket read our echo's reply from `to`? An IPv4 read has
 * the IP header first, an IPv6 one only the ICMPv6 message. */
static bool ping_is_reply(const struct sockaddr_storage *to, const struct sockaddr_storage *from,
			  const char *in, ssize_t r)
{
	if (to->ss_family == AF_INET6) {
		const struct icmp6_hdr *h = (const struct icmp6_hdr *)in;

		return r >= (ssize_t)sizeof(*h) && h->icmp6_type == ICMP6_ECHO_REPLY &&
		       h->icmp6_id == htons(PING_ID) && from->ss_family == AF_INET6 &&
		       !memcmp(&((const struct sockaddr_in6 *)from)->sin6_addr,
			       &((const struct sockaddr_in6 *)to)->sin6_addr, sizeof(struct in6_addr));
	}
	if (r >= 28) {
		const struct icmphdr *h = (const struct icmphdr *)(in + (in[0] & 0xf) * 4);

		return h->type == ICMP_ECHOREPLY && h->un.echo.id == htons(PING_ID) &&
		       !memcmp(in + 12, &((const struct sockaddr_in *)to)->sin_addr, 4);
	}
	return false;
}

/* "ping ADDR [TIMEOUT]", ADDR IPv4 or IPv6: one echo a second until a
 * reply or the timeout (the first packets may wait for the WireGuard
 * handshake). */
void agent_node_ping(struct node_agent *a, char **w, size_t n)
{
	struct sockaddr_storage to = { 0 };
	double t0 = util_now_mono(), timeout = n > 2 ? atof(w[2]) : 10, sent = 0;
	uint16_t seq = 0;
	int s;

	if (n >= 2 && inet_pton(AF_INET, w[1], &((struct sockaddr_in *)&to)->sin_addr) == 1)
		to.ss_family = AF_INET;
	else if (n >= 2 && inet_pton(AF_INET6, w[1], &((struct sockaddr_in6 *)&to)->sin6_addr) == 1)
		to.ss_family = AF_INET6;
	else {
		agent_node_fail(a, "ping: bad address");
		return;
	}
	s = socket(to.ss_family, SOCK_RAW | SOCK_CLOEXEC,
		   to.ss_family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP);
	if (s < 0) {
		agent_node_fail(a, "ping: socket: %s", strerror(errno));
		return;
	}
	while (util_now_mono() - t0 < timeout) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		char in[1500];
		ssize_t r;

		if (util_now_mono() - sent >= 1) {
			ping_send(s, &to, ++seq);
			sent = util_now_mono();
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		r = recvfrom(s, in, sizeof(in), 0, (struct sockaddr *)&from, &fl);
		if (ping_is_reply(&to, &from, in, r)) {
			close(s);
			agent_node_reply(a, NULL, "%.1f", (util_now_mono() - sent) * 1e3);
			return;
		}
	}
	close(s);
	agent_node_fail(a, "%s: no answer to ping within %.0f s", w[1], timeout);
}

void agent_node_serve_cmd(struct node_agent *a, char **w, size_t n)
{
	int cpus[KNOB_MAX_CPUS];
	struct traffic_test t = { .server_cpus = cpus };
	struct traffic_flow f[AGENT_MAX_FLOWS];
	char *why = NULL;
	size_t nf;
	int r;

	traffic_serve_end(a->servers, a->n_servers, 0);
	a->n_servers = 0;
	if (n < 3 || agent_node_parse_flows(w + 2, n - 2, f, &nf)) {
		agent_node_fail(a, "serve: bad arguments");
		return;
	}
	t.udp = atoi(w[1]) != 0;
	t.n_server_cpus = variant_node_cpus(a->applied, a->node, cpus, KNOB_MAX_CPUS);
	r = traffic_serve(&t, f, nf, stop_of(a), a->servers, &why);
	if (r) {
		agent_node_fail(a, "%s", why ? why : strerror(-r));
		free(why);
		return;
	}
	a->n_servers = nf;
	agent_node_reply(a, NULL, NULL);
}

void agent_node_serve_end(struct node_agent *a, char **w, size_t n)
{
	traffic_serve_end(a->servers, a->n_servers, n > 1 ? atof(w[1]) : 5);
	a->n_servers = 0;
	agent_node_reply(a, NULL, NULL);
}

void agent_node_client(struct node_agent *a, char **w, size_t n)
{
	int cpus[KNOB_MAX_CPUS];
	struct traffic_flow f[AGENT_MAX_FLOWS];
	struct traffic_flow_result res[AGENT_MAX_FLOWS];
	struct traffic_test t = { .servers_elsewhere = true, .client_cpus = cpus };
	struct watch watch;
	struct json_object *doc, *flows;
	double t_clients = 0, timeout;
	size_t nf, i;
	int r;

	if (agent_node_parse_client(w, n, &t, &timeout, f, &nf)) {
		agent_node_fail(a, "client: bad arguments");
		return;
	}
	t.n_client_cpus = variant_node_cpus(a->applied, a->node, cpus, KNOB_MAX_CPUS);
	memset(res, 0, sizeof(res));
	watch_start(a, &watch);
	r = traffic_run(&t, f, nf, timeout, stop_of(a), res, &t_clients);
	watch_stop(&watch);
	doc = json_object_new_object();
	/* on this node's clock: the controller knows the offset */
	json_object_object_add(doc, "t_clients", json_object_new_double(t_clients));
	json_object_object_add(doc, "ret", json_object_new_int(r));
	flows = json_object_new_array();
	for (i = 0; i < nf; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "json", res[i].json ? json_object_new_string(res[i].json) : NULL);
		json_object_object_add(o, "error", res[i].error ? json_object_new_string(res[i].error) : NULL);
		json_object_object_add(o, "processes", traffic_procs_json(&res[i]));
		json_object_array_add(flows, o);
		traffic_flow_result_clear(&res[i]);
	}
	json_object_object_add(doc, "flows", flows);
	agent_node_reply(a, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN), NULL);
	json_object_put(doc);
}
