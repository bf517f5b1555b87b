/* agent_node.c — the guest side of --backend vms: one node of the testbed
 * per guest, driven by the host over the control port (a virtio-serial
 * port the host reaches through a unix socket).
 *
 * The guest says "boot <uptime>" and "ready <uptime>", then answers one
 * command line at a time with "ok <n> [words]" followed by n bytes of JSON
 * (n may be 0), or "err <message>":
 *
 *   setup NODE PREFIX TUNNELS WG [PRIV PEERPUB]...   this node (topo_node_setup);
 *                                                  ok 0 <wireguard version>
 *   ping ADDR TIMEOUT                              ICMP echo; ok 0 <ms>
 *   sample-start INTERVAL                          the sampler on this guest
 *   sample-stop A B                                window [now+A, now+B] (A, B <= 0):
 *                                                  {"cpu","drops","timeline"}
 *   serve UDP N ADDR PORT...                       N one-off iperf3 servers, ok once listening
 *   serve-end TIMEOUT                              wait for them (then kill)
 *   client UDP REV STREAMS BLK RATE DUR OMIT TIMEOUT N ADDR PORT...
 *                                                  the clients; {"since","ret","flows":[{"json","error"}]}
 *                                                  since: seconds from their start to now
 *   variant-check N                                the N bytes after the line are a variant
 *                                                  file: ok with the reason it cannot run
 *                                                  here as payload (empty: it can)
 *   variant-apply N                                reverts the last one, applies this one
 *                                                  (the knobs for this node and "host"):
 *                                                  the read-back records as payload
 *   variant-revert                                 back to the testbed as built
 *   now                                            ok 0 <monotonic seconds> (clock rate check)
 *   quit                                           power off
 *
 * Times cross as "seconds before now" because the guests' clocks are not
 * the host's. Host side: vms.c.
 */
#include "agent_node.h"
#include "variant.h"
#include "sample.h"
#include "topo_node.h"
#include "topo_plan.h"
#include "traffic.h"
#include "tun.h"
#include "tun_impl.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TIMELINE "/tmp/timeline.csv"
#define MAX_WORDS (16 + 2 * OPTS_TUNNELS_MAX)
#define MAX_FLOWS 64

struct node_agent {
	int fd;
	char buf[16384];
	size_t len, used;
	enum topo_node_id node;
	char prefix[OPTS_PREFIX_MAX + 1];
	unsigned int tunnels;
	char ifnames[OPTS_TUNNELS_MAX + 2][IFNAMSIZ];
	struct sampler *smp;
	struct topo *view;            /* this node, for variant knobs */
	struct variant_set *vs;
	struct variant_applied *applied;
	pid_t servers[MAX_FLOWS];
	size_t n_servers;
};

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void reply(struct node_agent *a, const char *json, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void reply(struct node_agent *a, const char *json, const char *fmt, ...)
{
	char line[512], words[400] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(words, sizeof(words), fmt, ap);
		va_end(ap);
	}
	snprintf(line, sizeof(line), "ok %zu%s%s\n", json ? strlen(json) : 0, words[0] ? " " : "", words);
	write_all(a->fd, line, strlen(line));
	if (json)
		write_all(a->fd, json, strlen(json));
}

static void fail(struct node_agent *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct node_agent *a, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	strcpy(line, "err ");
	va_start(ap, fmt);
	vsnprintf(line + 4, sizeof(line) - 6, fmt, ap);
	va_end(ap);
	for (n = 0; line[n]; n++)
		if (line[n] == '\n')
			line[n] = ' ';
	strcat(line, "\n");
	write_all(a->fd, line, strlen(line));
}

/* One line from the host (without its newline); NULL when the port closed. */
static char *next_line(struct node_agent *a)
{
	for (;;) {
		char *nl = memchr(a->buf, '\n', a->len);
		ssize_t r;

		if (nl) {
			*nl = 0;
			a->used = (size_t)(nl - a->buf) + 1;
			return a->buf;
		}
		if (a->len >= sizeof(a->buf) - 1)
			a->len = 0;   /* an overlong line is dropped */
		r = read(a->fd, a->buf + a->len, sizeof(a->buf) - 1 - a->len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			/* No host at the other end yet (or any more): wait. */
			usleep(50000);
			continue;
		}
		a->len += (size_t)r;
	}
}

static void consume_line(struct node_agent *a)
{
	size_t used = a->used;

	memmove(a->buf, a->buf + used, a->len - used);
	a->len -= used;
}

static size_t split(char *line, char **w, size_t max)
{
	size_t n = 0;
	char *save = NULL, *t;

	for (t = strtok_r(line, " ", &save); t && n < max; t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	return n;
}

static void cmd_setup(struct node_agent *a, char **w, size_t n)
{
	struct topo_node_cfg c = { 0 };
	char ver[96] = "";
	unsigned int k;
	int r;

	if (n < 5 || topo_node_from_name(w[1], &c.node) || strlen(w[2]) > OPTS_PREFIX_MAX ||
	    atoi(w[3]) < 1 || atoi(w[3]) > OPTS_TUNNELS_MAX) {
		fail(a, "setup: bad arguments");
		return;
	}
	snprintf(c.prefix, sizeof(c.prefix), "%s", w[2]);
	c.tunnels = (unsigned int)atoi(w[3]);
	c.wg = atoi(w[4]) != 0;
	if ((c.node == NODE_GW1 || c.node == NODE_GW2) && c.wg) {
		if (n != 5 + 2 * c.tunnels) {
			fail(a, "setup: expected %u keys", 2 * c.tunnels);
			return;
		}
		for (k = 0; k < c.tunnels; k++)
			if (tun_key_from_hex(w[5 + 2 * k], c.private_key[k]) ||
			    tun_key_from_hex(w[6 + 2 * k], c.peer_public_key[k])) {
				fail(a, "setup: bad key");
				return;
			}
	}
	r = topo_node_setup(&c);
	explicit_bzero(c.private_key, sizeof(c.private_key));
	if (!r && !a->view)
		r = topo_node_view(&c, &a->view);
	if (r) {
		fail(a, "setting up %s: %s", w[1], strerror(-r));
		return;
	}
	a->node = c.node;
	a->tunnels = c.tunnels;
	snprintf(a->prefix, sizeof(a->prefix), "%s", c.prefix);
	if (c.wg && tun_kernel_ops.version(ver, sizeof(ver)))
		snprintf(ver, sizeof(ver), "kernel ?");
	reply(a, NULL, "%s", c.wg ? ver : "none");
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

/* One echo a second until a reply or the timeout (the first packets may
 * wait for the WireGuard handshake). */
static void cmd_ping(struct node_agent *a, char **w, size_t n)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	double t0 = util_now_mono(), timeout = n > 2 ? atof(w[2]) : 10, sent = 0;
	uint16_t seq = 0;
	int s;

	if (n < 2 || inet_pton(AF_INET, w[1], &to.sin_addr) != 1) {
		fail(a, "ping: bad address");
		return;
	}
	s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (s < 0) {
		fail(a, "ping: socket: %s", strerror(errno));
		return;
	}
	while (util_now_mono() - t0 < timeout) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		char in[1500];
		ssize_t r;

		if (util_now_mono() - sent >= 1) {
			struct icmphdr h = { .type = ICMP_ECHO };

			h.un.echo.id = htons(0x7767);
			h.un.echo.sequence = htons(++seq);
			h.checksum = icmp_sum(&h, sizeof(h));
			sent = util_now_mono();
			sendto(s, &h, sizeof(h), 0, (struct sockaddr *)&to, sizeof(to));
		}
		if (poll(&p, 1, 100) <= 0)
			continue;
		r = recv(s, in, sizeof(in), 0);
		if (r >= 28) {
			struct icmphdr *h = (struct icmphdr *)(in + (in[0] & 0xf) * 4);

			if (h->type == ICMP_ECHOREPLY && h->un.echo.id == htons(0x7767) &&
			    !memcmp(in + 12, &to.sin_addr, 4)) {
				close(s);
				reply(a, NULL, "%.1f", (util_now_mono() - sent) * 1e3);
				return;
			}
		}
	}
	close(s);
	fail(a, "%s: no answer to ping within %.0f s", w[1], timeout);
}

static void cmd_sample_start(struct node_agent *a, char **w, size_t n)
{
	struct sample_node_spec sp = { .name = topo_node_name(a->node) };
	unsigned int k;
	int r;

	if (a->smp) {
		sample_free(a->smp);
		a->smp = NULL;
	}
	/* The gateways' kernel threads: wg-crypt-<tunnel>, napi/<if>-N. */
	if (a->node == NODE_GW1 || a->node == NODE_GW2) {
		if (!topo_plan_ifname(a->prefix, a->node, LINK_LAN, 0, a->ifnames[0], IFNAMSIZ))
			sp.kthread_ifnames[sp.n_ifnames++] = a->ifnames[0];
		if (!topo_plan_ifname(a->prefix, a->node, LINK_UNDERLAY, 0, a->ifnames[1], IFNAMSIZ))
			sp.kthread_ifnames[sp.n_ifnames++] = a->ifnames[1];
		for (k = 0; k < a->tunnels && sp.n_ifnames < SAMPLE_NODE_IFNAMES; k++)
			if (!topo_plan_ifname(a->prefix, a->node, LINK_TUNNEL, k, a->ifnames[2 + k], IFNAMSIZ))
				sp.kthread_ifnames[sp.n_ifnames++] = a->ifnames[2 + k];
	}
	r = sample_start_nodes(&sp, 1, n > 1 ? atof(w[1]) : 0.2, TIMELINE, &a->smp);
	if (r) {
		a->smp = NULL;
		fail(a, "sampler: %s", strerror(-r));
		return;
	}
	reply(a, NULL, NULL);
}

static void cmd_sample_stop(struct node_agent *a, char **w, size_t n)
{
	struct json_object *doc, *cpu = NULL, *drops = NULL;
	double now = util_now_mono();
	char *tl = NULL;
	int r;

	if (!a->smp || n < 3) {
		fail(a, "sample-stop: %s", a->smp ? "bad arguments" : "no sampler running");
		return;
	}
	r = sample_stop(a->smp, now + atof(w[1]), now + atof(w[2]), &cpu, &drops);
	sample_free(a->smp);
	a->smp = NULL;
	if (r) {
		fail(a, "sampler: %s", strerror(-r));
		return;
	}
	doc = json_object_new_object();
	json_object_object_add(doc, "cpu", cpu);
	json_object_object_add(doc, "drops", drops);
	util_read_file(TIMELINE, &tl, NULL);
	json_object_object_add(doc, "timeline", tl ? json_object_new_string(tl) : NULL);
	free(tl);
	reply(a, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN), NULL);
	json_object_put(doc);
}

static int parse_flows(char **w, size_t n, struct traffic_flow *f, size_t *nf)
{
	size_t i, want = (size_t)atoi(w[0]);

	if (want < 1 || want > MAX_FLOWS || n != 1 + 2 * want)
		return -EINVAL;
	for (i = 0; i < want; i++) {
		f[i].server_addr = w[1 + 2 * i];
		f[i].port = atoi(w[2 + 2 * i]);
	}
	*nf = want;
	return 0;
}

static void cmd_serve(struct node_agent *a, char **w, size_t n)
{
	static const volatile sig_atomic_t never;
	struct traffic_test t = { 0 };
	struct traffic_flow f[MAX_FLOWS];
	char *why = NULL;
	size_t nf;
	int r;

	traffic_serve_end(a->servers, a->n_servers, 0);
	a->n_servers = 0;
	if (n < 3 || parse_flows(w + 2, n - 2, f, &nf)) {
		fail(a, "serve: bad arguments");
		return;
	}
	t.udp = atoi(w[1]) != 0;
	r = traffic_serve(&t, f, nf, &never, a->servers, &why);
	if (r) {
		fail(a, "%s", why ? why : strerror(-r));
		free(why);
		return;
	}
	a->n_servers = nf;
	reply(a, NULL, NULL);
}

static void cmd_serve_end(struct node_agent *a, char **w, size_t n)
{
	traffic_serve_end(a->servers, a->n_servers, n > 1 ? atof(w[1]) : 5);
	a->n_servers = 0;
	reply(a, NULL, NULL);
}

static void cmd_client(struct node_agent *a, char **w, size_t n)
{
	static const volatile sig_atomic_t never;
	struct traffic_flow f[MAX_FLOWS];
	struct traffic_flow_result res[MAX_FLOWS];
	struct traffic_test t = { .servers_elsewhere = true };
	struct json_object *doc, *flows;
	double t_clients = 0;
	size_t nf, i;
	int r;

	if (n < 11 || parse_flows(w + 9, n - 9, f, &nf)) {
		fail(a, "client: bad arguments");
		return;
	}
	t.udp = atoi(w[1]) != 0;
	t.reverse = atoi(w[2]) != 0;
	t.streams = (unsigned int)atoi(w[3]);
	t.block_size = (unsigned int)atoi(w[4]);
	t.rate_bps = strtoull(w[5], NULL, 10);
	t.duration = atoi(w[6]);
	t.omit = atoi(w[7]);
	memset(res, 0, sizeof(res));
	r = traffic_run(&t, f, nf, atof(w[8]), &never, res, &t_clients);
	doc = json_object_new_object();
	json_object_object_add(doc, "since", json_object_new_double(t_clients > 0 ? util_now_mono() - t_clients : -1));
	json_object_object_add(doc, "ret", json_object_new_int(r));
	flows = json_object_new_array();
	for (i = 0; i < nf; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "json", res[i].json ? json_object_new_string(res[i].json) : NULL);
		json_object_object_add(o, "error", res[i].error ? json_object_new_string(res[i].error) : NULL);
		json_object_array_add(flows, o);
		traffic_flow_result_clear(&res[i]);
	}
	json_object_object_add(doc, "flows", flows);
	reply(a, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN), NULL);
	json_object_put(doc);
}

/* variant_load_all() says what is wrong on stderr (the console): caught
 * into why as well, for the host. */
static int load_variant(struct node_agent *a, const char *path, char *why, size_t len)
{
	int saved = dup(STDERR_FILENO), fd = open("/tmp/variant.err", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	char *text = NULL;
	int r;

	if (fd >= 0 && saved >= 0)
		dup2(fd, STDERR_FILENO);
	r = variant_load_all(&path, 1, &a->vs);
	fflush(stderr);
	if (saved >= 0) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	}
	if (fd >= 0)
		close(fd);
	if (r && !util_read_file("/tmp/variant.err", &text, NULL)) {
		fputs(text, stderr);
		text[strcspn(text, "\n")] = 0;
		snprintf(why, len, "%s", strncmp(text, "wgbench: ", 9) ? text : text + 9);
	}
	free(text);
	return r;
}

/* The N bytes after the command line: a variant file, parsed as the host did. */
static int read_variant(struct node_agent *a, char **w, size_t n, const struct variant **out,
			char *why, size_t len)
{
	size_t want = n > 1 ? strtoul(w[1], NULL, 10) : 0, got = 0;
	const char *path = "/tmp/variant.json";
	char *buf = want < (1u << 20) ? malloc(want + 1) : NULL;
	int r;

	consume_line(a);
	a->used = 0;
	if (!buf)
		return -EINVAL;
	while (got < want) {
		size_t take = a->len < want - got ? a->len : want - got;
		ssize_t rd;

		memcpy(buf + got, a->buf, take);
		got += take;
		memmove(a->buf, a->buf + take, a->len - take);
		a->len -= take;
		if (got == want)
			break;
		rd = read(a->fd, a->buf, sizeof(a->buf) - 1);
		if (rd > 0)
			a->len = (size_t)rd;
		else
			usleep(10000);
	}
	r = util_write_file_atomic(path, buf, want);
	free(buf);
	variant_set_free(a->vs);
	a->vs = NULL;
	if (!r)
		r = load_variant(a, path, why, len);
	if (!r)
		*out = variant_get(a->vs, 0);
	return r;
}

static void revert(struct node_agent *a)
{
	if (a->applied && variant_revert(a->applied))
		fprintf(stderr, "wgbench agent: not every value could be restored\n");
	variant_applied_free(a->applied);
	a->applied = NULL;
}

static void cmd_variant_check(struct node_agent *a, char **w, size_t n)
{
	const struct variant *v = NULL;
	char why[512] = "";
	int r = read_variant(a, w, n, &v, why, sizeof(why));

	if (r && why[0]) {   /* it does not validate here (the guest's CPUs...): a reason to skip */
		reply(a, why, NULL);
		return;
	}
	if (r || !v || !a->view) {
		fail(a, "variant: %s", !a->view ? "node not set up" : strerror(r ? -r : EINVAL));
		return;
	}
	if (!variant_check(v, a->view, why, sizeof(why)))
		why[0] = 0;   /* it leaves the last entry's label in why */
	else if (!why[0])
		snprintf(why, sizeof(why), "not supported in guest %s", topo_node_name(a->node));
	reply(a, why, NULL);
}

static void cmd_variant_apply(struct node_agent *a, char **w, size_t n)
{
	struct json_object *arr = NULL;
	const struct variant *v = NULL;
	char why[512] = "";
	int r = read_variant(a, w, n, &v, why, sizeof(why));

	revert(a);
	if (!r && (!v || !a->view))
		r = -EINVAL;
	if (!r)
		r = variant_apply(v, a->view, &a->applied);
	if (r) {
		a->applied = NULL;
		fail(a, "variant could not be applied in %s: %s", topo_node_name(a->node),
		     why[0] ? why : strerror(-r));
		return;
	}
	variant_applied_json(a->applied, &arr);
	reply(a, arr ? json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN) : "[]", NULL);
	json_object_put(arr);
}

static void cmd_variant_revert(struct node_agent *a, char **w, size_t n)
{
	revert(a);
	reply(a, NULL, NULL);
}

static void cmd_now(struct node_agent *a, char **w, size_t n)
{
	reply(a, NULL, "%.6f", util_now_mono());
}

static const struct {
	const char *name;
	void (*fn)(struct node_agent *a, char **w, size_t n);
} commands[] = {
	{ "setup", cmd_setup }, { "ping", cmd_ping }, { "sample-start", cmd_sample_start },
	{ "sample-stop", cmd_sample_stop }, { "serve", cmd_serve }, { "serve-end", cmd_serve_end },
	{ "client", cmd_client }, { "now", cmd_now }, { "variant-check", cmd_variant_check },
	{ "variant-apply", cmd_variant_apply }, { "variant-revert", cmd_variant_revert },
};

int agent_node_serve(int fd)
{
	struct node_agent *a = calloc(1, sizeof(*a));
	char *w[MAX_WORDS];
	size_t n, i;

	if (!a)
		return -ENOMEM;
	a->fd = fd;
	a->node = NODE_SOURCE;
	for (;;) {
		n = split(next_line(a), w, MAX_WORDS);
		if (n && !strcmp(w[0], "quit"))
			break;
		for (i = 0; n && i < ARRAY_SIZE(commands) && strcmp(commands[i].name, w[0]); i++)
			;
		if (!n || i == ARRAY_SIZE(commands))
			fail(a, "unknown command");
		else
			commands[i].fn(a, w, n);
		consume_line(a);
	}
	traffic_serve_end(a->servers, a->n_servers, 0);
	sample_free(a->smp);
	revert(a);
	variant_set_free(a->vs);
	topo_free(a->view);
	free(a);
	return 0;
}
